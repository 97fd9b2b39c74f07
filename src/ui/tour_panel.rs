//! The guided-tour panel: the step on screen (title, Markdown text, progress, question), Back / Next, and what
//! the next step waits for.
//!
//! The panel owns the tour's [`Follower`] (the state machine [`crate::tour`] shares with `eventflow tour`). The
//! shell feeds it every trace record it drains from the runner ([`TourPanel::observe_record`]) and the run's
//! clock ([`TourPanel::observe_clock`]); both say when a reached step wants the run paused. Next reaches a step
//! that waits for the learner; Back shows earlier steps without rewinding the run. The canvas draws the shown
//! step's [`TourPanel::highlights`]. A new run (open, reset, reload) starts a new panel.
//!
//! The run pauses *at* a step's moment, not a tick later: [`TourGate`] follows the same tour on the runner thread
//! as the runner's pause predicate ([`crate::runner::PausePredicate`]), seeing each record as it is produced; the
//! panel tells it where the learner is ([`TourPanel::stage_changed`], sent as [`Command::PauseStage`]).
//!
//! Step text is Markdown; the panel renders paragraphs, `**bold**`, `*italic*` and `` `code` `` itself
//! ([`inline_spans`]).

use std::sync::Arc;

use eframe::egui::{self, Color32, RichText, Ui};

use super::action::Action;
use crate::runner::{Command, PausePredicate};
use crate::scenario::Scenario;
use crate::scenario::tour::{Highlight, TourStep, WaitFor};
use crate::sim::TraceRecord;
use crate::tour::{Follower, record_json};

/// The colour of the shown step's highlights on the canvas.
pub const TOUR_HIGHLIGHT: Color32 = Color32::from_rgb(255, 190, 20);

/// The tour of the open scenario, and where the learner is in it.
pub struct TourPanel {
    scenario: Arc<Scenario>,
    follower: Follower,
    /// The step on screen: the last one reached, or an earlier one after Back. `None` before any is reached.
    viewing: Option<usize>,
    /// Per step: whether its answer is shown.
    answer_shown: Vec<bool>,
    /// The stage last told to the runner's [`TourGate`].
    sent_stage: Option<usize>,
}

impl TourPanel {
    /// The panel for `scenario`'s tour (`None` when it has none). A first step that waits for Next is shown at
    /// once: the tour opens on it.
    pub fn new(scenario: Arc<Scenario>) -> Option<TourPanel> {
        let steps = scenario.tour.as_ref()?.steps.len();
        let mut panel = TourPanel {
            follower: Follower::new(scenario.clone()),
            scenario,
            viewing: None,
            answer_shown: vec![false; steps],
            sent_stage: None,
        };
        if let Some(i) = panel.follower.next_pressed(0) {
            panel.viewing = Some(i);
        }
        Some(panel)
    }

    fn steps(&self) -> &[TourStep] {
        self.scenario.tour.as_ref().map_or(&[], |t| &t.steps)
    }

    /// A step was reached: show it. Returns whether the run pauses for it.
    fn reached(&mut self, i: usize) -> bool {
        self.viewing = Some(i);
        self.steps()
            .get(i)
            .is_some_and(|s| s.pause && s.wait_for.waits_for_the_run())
    }

    /// One trace record drained from the runner. Returns whether the run should pause (a step that waited for
    /// the run was reached).
    pub fn observe_record(&mut self, record: &TraceRecord) -> bool {
        if !self.follower.wants_records() {
            return false;
        }
        let reached = self.follower.record(record.t_us(), &record_json(record));
        reached.is_some_and(|i| self.reached(i))
    }

    /// The run's clock reached `now_us`. Returns whether the run should pause.
    pub fn observe_clock(&mut self, now_us: u64) -> bool {
        let mut pause = false;
        while let Some(i) = self.follower.poll(now_us) {
            pause |= self.reached(i);
        }
        pause
    }

    /// The step the tour waits for (the number of steps when it is over), when it changed since the last call:
    /// the app sends it to the runner's [`TourGate`] ([`Command::PauseStage`]).
    pub fn stage_changed(&mut self) -> Option<usize> {
        let stage = self.follower.waiting().unwrap_or(self.steps().len());
        (self.sent_stage != Some(stage)).then(|| {
            self.sent_stage = Some(stage);
            stage
        })
    }

    /// Presses Next for the learner, at `now_us`, while step `step` is not reached and the tour waits for Next,
    /// then shows `step` if it was reached (`open --tour-step`). Returns whether it is shown.
    pub fn follow_to(&mut self, step: usize, now_us: u64) -> bool {
        while self.follower.shown().is_none_or(|s| s < step)
            && self.follower.next_pressed(now_us).is_some()
        {
            while self.follower.poll(now_us).is_some() {}
        }
        let reached = self.follower.shown().is_some_and(|s| s >= step);
        if reached {
            self.viewing = Some(step);
        }
        reached
    }

    /// What the canvas highlights: the shown step's resources and edges.
    pub fn highlights(&self) -> &[Highlight] {
        self.viewing
            .and_then(|i| self.steps().get(i))
            .map_or(&[], |s| &s.highlight)
    }

    /// Next: the following step if it was reached already, else reaches the waiting step if it waits for
    /// Next (then any step whose moment has already passed follows at once, pausing the run).
    fn next(&mut self, now_us: u64, actions: &mut Vec<Action>) {
        let shown = self.follower.shown();
        match self.viewing {
            Some(v) if shown.is_some_and(|s| v < s) => self.viewing = Some(v + 1),
            _ => {
                if let Some(i) = self.follower.next_pressed(now_us) {
                    self.reached(i);
                    if self.observe_clock(now_us) {
                        actions.push(Action::Send(Command::Pause));
                    }
                }
            }
        }
    }

    /// Whether Next does something: a later step was reached already, or the waiting step waits for Next.
    fn can_go_next(&self) -> bool {
        let later_reached = match (self.viewing, self.follower.shown()) {
            (Some(v), Some(s)) => v < s,
            _ => false,
        };
        let on_latest = self.viewing == self.follower.shown();
        let waits_for_next = self
            .follower
            .waiting()
            .and_then(|i| self.steps().get(i))
            .is_some_and(|s| matches!(s.wait_for, WaitFor::Next));
        later_reached || (on_latest && waits_for_next)
    }

    /// Draws the panel; Next may ask the run to pause (a passed moment reached at once).
    pub fn ui(&mut self, ui: &mut Ui, now_us: u64, actions: &mut Vec<Action>) {
        let total = self.steps().len();
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Guided tour").strong());
            let progress = match self.viewing {
                Some(i) => format!("Step {} of {total}", i + 1),
                None => format!("{total} steps"),
            };
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new(progress).weak());
            });
        });
        ui.horizontal(|ui| {
            let back = self.viewing.is_some_and(|v| v > 0);
            if ui
                .add_enabled(back, egui::Button::new("Back"))
                .on_hover_text("Show the previous step (the run goes on)")
                .clicked()
                && let Some(v) = self.viewing
            {
                self.viewing = Some(v.saturating_sub(1));
            }
            if ui
                .add_enabled(self.can_go_next(), egui::Button::new("Next"))
                .on_disabled_hover_text("The next step waits for the run: press Play")
                .clicked()
            {
                self.next(now_us, actions);
            }
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("tour-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| self.step_ui(ui));
    }

    /// The shown step, then what the next one waits for (or the end of the tour).
    fn step_ui(&mut self, ui: &mut Ui) {
        if let Some(i) = self.viewing
            && let Some(step) = self.steps().get(i).cloned()
        {
            ui.label(RichText::new(&step.title).heading());
            ui.add_space(4.0);
            markdown(ui, &step.text);
            if let Some(q) = &step.question {
                ui.add_space(8.0);
                ui.group(|ui| {
                    ui.label(RichText::new(format!("Question: {}", q.question)).strong());
                    let shown = self.answer_shown.get(i).copied().unwrap_or(false);
                    if shown {
                        markdown(ui, &q.answer);
                    } else if ui.button("Show answer").clicked()
                        && let Some(flag) = self.answer_shown.get_mut(i)
                    {
                        *flag = true;
                    }
                });
            }
            ui.add_space(8.0);
        }
        let on_latest = self.viewing == self.follower.shown();
        match self.follower.waiting().and_then(|i| self.steps().get(i)) {
            Some(next) if on_latest => {
                // A pattern is for the tour's author: the learner reads what to do, the pattern shows on hover.
                let line = match &next.wait_for {
                    WaitFor::Next => "Press Next to go on.".to_string(),
                    WaitFor::Time { .. } => {
                        format!("Waiting for {} — press Play.", next.wait_for.describe())
                    }
                    WaitFor::Trace { .. } => {
                        "Waiting for the next moment of the run — press Play.".to_string()
                    }
                };
                ui.label(RichText::new(line).italics().weak())
                    .on_hover_text(format!(
                        "The next step waits for {}.",
                        next.wait_for.describe()
                    ));
            }
            None if on_latest => {
                ui.label(RichText::new("End of the tour.").italics().weak());
            }
            _ => {}
        }
    }
}

/// The tour of the running scenario on the runner thread, as its pause predicate: the same [`Follower`] as the
/// panel's, fed every record as the run produces it, so play stops at the record (or the time) a step waits for.
/// The learner's Next reaches it as [`PausePredicate::advance`]; every run (open, reset, seek back) restarts it
/// from the run's scenario, so the app sets it once.
#[derive(Default)]
pub struct TourGate {
    scenario: Option<Arc<Scenario>>,
    follower: Option<Follower>,
    /// The run's clock as last seen (records and ticks).
    now_us: u64,
}

impl TourGate {
    /// Whether reaching step `i` pauses the run (as [`TourPanel`] decides).
    fn pauses(&self, i: usize) -> bool {
        self.scenario
            .as_ref()
            .and_then(|sc| sc.tour.as_ref())
            .and_then(|t| t.steps.get(i))
            .is_some_and(|s| s.pause && s.wait_for.waits_for_the_run())
    }

    /// Reaches every step whose moment has come by `now_us`; whether one of them pauses.
    fn poll(&mut self, now_us: u64) -> bool {
        let mut reached = Vec::new();
        if let Some(f) = &mut self.follower {
            while let Some(i) = f.poll(now_us) {
                reached.push(i);
            }
        }
        reached.into_iter().any(|i| self.pauses(i))
    }
}

impl PausePredicate for TourGate {
    fn restart(&mut self, scenario: &Arc<Scenario>) {
        self.now_us = 0;
        self.scenario = Some(scenario.clone());
        self.follower = scenario.tour.as_ref().map(|_| {
            // As the panel opens: a first step that waits for Next is shown at once.
            let mut f = Follower::new(scenario.clone());
            f.next_pressed(0);
            f
        });
    }

    fn advance(&mut self, stage: usize, now_us: u64) {
        self.now_us = self.now_us.max(now_us);
        let now = self.now_us;
        let Some(f) = &mut self.follower else { return };
        while f.waiting().is_some_and(|w| w < stage) {
            if f.next_pressed(now).is_none() {
                break;
            }
            while f.poll(now).is_some() {}
        }
    }

    fn observe(&mut self, record: &TraceRecord) -> bool {
        let Some(f) = &mut self.follower else {
            return false;
        };
        if !f.wants_records() {
            return false;
        }
        let t = record.t_us();
        self.now_us = self.now_us.max(t);
        let reached = f.record(t, &record_json(record));
        reached.is_some_and(|i| self.pauses(i)) | self.poll(t)
    }

    fn deadline_us(&self) -> Option<u64> {
        self.follower.as_ref()?.deadline_us()
    }

    fn clock(&mut self, now_us: u64) -> bool {
        self.now_us = self.now_us.max(now_us);
        self.poll(now_us)
    }

    fn watching(&self) -> bool {
        // Only while the step waited for is a record's: a scenario without a tour plays as fast as before.
        let (Some(f), Some(sc)) = (&self.follower, &self.scenario) else {
            return false;
        };
        f.waiting()
            .and_then(|i| sc.tour.as_ref()?.steps.get(i))
            .is_some_and(|s| matches!(s.wait_for, WaitFor::Trace { .. }))
    }
}

/// A run of text with one inline style.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    pub code: bool,
}

/// Inline Markdown of one paragraph into styled spans: `` `code` `` (taken literally), `**bold**`, `*italic*`.
/// A marker without its closing partner is kept as text.
pub fn inline_spans(paragraph: &str) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let (mut bold, mut italic) = (false, false);
    let mut text = String::new();
    let flush = |spans: &mut Vec<Span>, text: &mut String, bold: bool, italic: bool, code: bool| {
        if !text.is_empty() {
            spans.push(Span {
                text: std::mem::take(text),
                bold,
                italic,
                code,
            });
        }
    };
    let mut rest = paragraph;
    while let Some(c) = rest.chars().next() {
        if c == '`'
            && let Some(end) = rest[1..].find('`')
        {
            flush(&mut spans, &mut text, bold, italic, false);
            text.push_str(&rest[1..1 + end]);
            flush(&mut spans, &mut text, bold, italic, true);
            rest = &rest[end + 2..];
            continue;
        }
        if rest.starts_with("**") && (bold || rest[2..].contains("**")) {
            flush(&mut spans, &mut text, bold, italic, false);
            bold = !bold;
            rest = &rest[2..];
            continue;
        }
        if rest.starts_with("**") {
            // A lone `**`: text.
            text.push_str("**");
            rest = &rest[2..];
            continue;
        }
        if c == '*' && (italic || rest[1..].replace("**", "").contains('*')) {
            flush(&mut spans, &mut text, bold, italic, false);
            italic = !italic;
            rest = &rest[1..];
            continue;
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    flush(&mut spans, &mut text, bold, italic, false);
    spans
}

/// Markdown text as paragraphs (separated by blank lines) of styled, wrapped labels.
fn markdown(ui: &mut Ui, text: &str) {
    let style = ui.style().clone();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let mut job = egui::text::LayoutJob::default();
        for span in inline_spans(paragraph) {
            let mut rich = RichText::new(span.text);
            if span.code {
                rich = rich.code();
            }
            if span.bold {
                rich = rich.strong();
            }
            if span.italic {
                rich = rich.italics();
            }
            rich.append_to(
                &mut job,
                &style,
                egui::FontSelection::Default,
                egui::Align::Center,
            );
        }
        ui.add(egui::Label::new(job).wrap());
        ui.add_space(4.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, bold: bool, italic: bool, code: bool) -> Span {
        Span {
            text: text.to_string(),
            bold,
            italic,
            code,
        }
    }

    #[test]
    fn inline_markdown_styles() {
        assert_eq!(
            inline_spans("`Q` holds **3** messages, *in flight*."),
            vec![
                span("Q", false, false, true),
                span(" holds ", false, false, false),
                span("3", true, false, false),
                span(" messages, ", false, false, false),
                span("in flight", false, true, false),
                span(".", false, false, false),
            ]
        );
    }

    #[test]
    fn unclosed_markers_stay_text() {
        assert_eq!(
            inline_spans("2 * 3 = 6, a ` tick and **"),
            vec![span("2 * 3 = 6, a ` tick and **", false, false, false)]
        );
        // Inside code, markers are literal.
        assert_eq!(
            inline_spans("`a*b**c`"),
            vec![span("a*b**c", false, false, true)]
        );
    }
}
