//! Guided tours: a scenario's optional `tour`, a list of steps that lead a learner through what to watch.
//!
//! Steps are reached in order. A step is *reached* when its `wait_for` fires, but never before the previous step
//! was reached (a moment that has already passed is reached as soon as the step is waited for):
//! - absent (or `"next"`): when the learner presses **Next** (headless: at once);
//! - `{"at_s": T}`: when virtual time reaches `T` seconds;
//! - `{"trace": PATTERN, "count": N}`: at the `N`-th trace record of the run (default 1, counted from t = 0)
//!   matching `PATTERN`, an EventBridge event pattern applied to the record's JSON (`{"kind": ["dead_letter"]}`,
//!   `{"kind": ["throttle"], "function": ["Checkout"]}`, `{"kind": ["retry"], "attempt": [{"numeric": [">=",
//!   3]}]}`).
//!
//! Reaching a step that waited for time or a record pauses the run (unless `"pause": false`) and shows the step:
//! its `title`, `text` (Markdown), the resources or edge it highlights (`highlight`), and an optional `question`
//! with its `answer`. The simulation decides every moment, so a tour is checked headless (`eventflow tour FILE`)
//! and in CI. This module holds the validated data; [`crate::tour`] follows a run through it.

use crate::pattern::Pattern;

/// A validated tour.
#[derive(Debug, Clone)]
pub struct Tour {
    pub steps: Vec<TourStep>,
}

/// One step of a tour.
#[derive(Debug, Clone)]
pub struct TourStep {
    /// Its id (`step-N`, counting from 1, when the file gives none); unique within the tour.
    pub id: String,
    pub title: String,
    /// Markdown.
    pub text: String,
    /// What the canvas highlights while the step is shown.
    pub highlight: Vec<Highlight>,
    pub wait_for: WaitFor,
    /// Pause the run when the step is reached (only for steps that waited for time or a record).
    pub pause: bool,
    /// A question for the learner, and its answer (shown on request).
    pub question: Option<Question>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub question: String,
    pub answer: String,
}

/// What a step highlights.
#[derive(Debug, Clone, PartialEq)]
pub enum Highlight {
    /// A resource, by logical id.
    Node(String),
    /// The edge between two resources (either direction), by logical ids.
    Edge(String, String),
}

/// When a step is reached.
#[derive(Debug, Clone)]
pub enum WaitFor {
    /// The learner presses Next.
    Next,
    /// Virtual time reaches `at_us`.
    Time { at_us: u64 },
    /// The `count`-th trace record of the run matching `pattern`.
    Trace {
        pattern: Pattern,
        /// The pattern as written, for messages.
        pattern_text: String,
        count: u32,
    },
}

impl WaitFor {
    /// Whether the step waits for the simulation (and so pauses the run when reached).
    pub fn waits_for_the_run(&self) -> bool {
        match self {
            WaitFor::Next => false,
            WaitFor::Time { .. } | WaitFor::Trace { .. } => true,
        }
    }

    /// A short description: `Next`, `t = 12 s`, `the 3rd record matching {…}`.
    pub fn describe(&self) -> String {
        match self {
            WaitFor::Next => "the learner's Next".to_string(),
            WaitFor::Time { at_us } => format!("t = {} s", *at_us as f64 / 1e6),
            WaitFor::Trace {
                pattern_text,
                count,
                ..
            } => match count {
                1 => format!("a trace record matching {pattern_text}"),
                n => format!("the {} trace record matching {pattern_text}", ordinal(*n)),
            },
        }
    }
}

/// 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st, …
pub fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .map(ordinal)
            .to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }
}
