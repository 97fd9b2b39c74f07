//! Following a guided tour ([`crate::scenario::tour`]) through a run: which step is reached when.
//!
//! [`Follower`] is the state machine the app and the headless check share. It is fed the run's trace records
//! and its clock, and the learner's Next; it answers which step was reached and at what virtual time. A step's
//! `wait_for` counts from the moment the previous step was reached: the 3rd matching record *after* it, a time
//! (reached at once if it has already passed), or Next.
//!
//! [`check`] plays a tour headless — the learner pressing Next at once — and reports every step with the
//! virtual time it was reached, or why it never was (`eventflow tour FILE`, tested in CI).

use std::sync::Arc;

use serde_json::Value;

use crate::scenario::Scenario;
use crate::scenario::tour::{Tour, WaitFor};
use crate::sim::{Sim, SimOptions, TraceRecord};

/// Where a learner is in a tour.
#[derive(Debug, Clone)]
pub struct Follower {
    tour: Arc<Scenario>,
    /// The step to be reached next (== the number of steps reached).
    next: usize,
    /// Records matching the next step's pattern since the previous step was reached.
    matched: u32,
    /// When each reached step was reached, in step order.
    reached_us: Vec<u64>,
}

impl Follower {
    /// Starts a tour of `scenario` (which must have one; without, the follower is simply finished).
    pub fn new(scenario: Arc<Scenario>) -> Follower {
        Follower {
            tour: scenario,
            next: 0,
            matched: 0,
            reached_us: Vec::new(),
        }
    }

    fn steps(&self) -> &[crate::scenario::tour::TourStep] {
        self.tour.tour.as_ref().map_or(&[], |t: &Tour| &t.steps)
    }

    /// The index of the step waiting to be reached, if any.
    pub fn waiting(&self) -> Option<usize> {
        (self.next < self.steps().len()).then_some(self.next)
    }

    /// The last step reached (the one on screen), if any.
    pub fn shown(&self) -> Option<usize> {
        self.next.checked_sub(1)
    }

    /// When each reached step was reached (virtual µs), in step order.
    pub fn reached_us(&self) -> &[u64] {
        &self.reached_us
    }

    /// Whether every step was reached.
    pub fn finished(&self) -> bool {
        self.next >= self.steps().len()
    }

    fn reach(&mut self, t_us: u64) -> usize {
        let i = self.next;
        self.reached_us.push(t_us);
        self.next += 1;
        self.matched = 0;
        i
    }

    /// The learner pressed Next at virtual time `t_us`: reaches the waiting step if it waits for Next.
    pub fn next_pressed(&mut self, t_us: u64) -> Option<usize> {
        let step = self.steps().get(self.next)?;
        matches!(step.wait_for, WaitFor::Next).then(|| self.reach(t_us))
    }

    /// The virtual time the waiting step waits for, if it waits for a time.
    pub fn deadline_us(&self) -> Option<u64> {
        match self.steps().get(self.next)?.wait_for {
            WaitFor::Time { at_us } => Some(at_us),
            WaitFor::Next | WaitFor::Trace { .. } => None,
        }
    }

    /// The run's clock reached `now_us`: reaches the waiting step if it waits for a time at or before it.
    pub fn clock(&mut self, now_us: u64) -> Option<usize> {
        let at_us = self.deadline_us()?;
        // Reached at its time, or when the previous step was reached if that was later (the time had passed).
        let previous_us = self.reached_us.last().copied().unwrap_or(0);
        (now_us >= at_us).then(|| self.reach(at_us.max(previous_us)))
    }

    /// Whether the waiting step looks at trace records (so the caller converts records to JSON only then).
    pub fn wants_records(&self) -> bool {
        self.steps()
            .get(self.next)
            .is_some_and(|s| matches!(s.wait_for, WaitFor::Trace { .. }))
    }

    /// One trace record, as JSON, at virtual time `t_us`: reaches the waiting step if this is the record it
    /// waits for.
    pub fn record(&mut self, t_us: u64, record: &Value) -> Option<usize> {
        let step = self.steps().get(self.next)?;
        let WaitFor::Trace { pattern, count, .. } = &step.wait_for else {
            return None;
        };
        let count = *count;
        if !pattern.matches(record) {
            return None;
        }
        self.matched += 1;
        (self.matched >= count).then(|| self.reach(t_us))
    }
}

/// The JSON of a trace record, as the trace file writes it.
pub fn record_json(r: &TraceRecord) -> Value {
    let mut line = Vec::with_capacity(256);
    r.write_line(&mut line);
    serde_json::from_slice(&line).unwrap_or(Value::Null)
}

/// How a headless tour went: when each step was reached (`None`: never), and when the run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub reached_us: Vec<Option<u64>>,
    pub ended_us: u64,
}

/// Events run between looks at the trace: small enough that a step is reached close to its record.
const EVENTS_PER_SLICE: u64 = 4096;

/// Plays the tour of `scenario` headless until `until_us`, the learner pressing Next at once.
pub fn check(scenario: Arc<Scenario>, until_us: u64) -> CheckReport {
    let steps = scenario.tour.as_ref().map_or(0, |t| t.steps.len());
    let mut follower = Follower::new(scenario.clone());
    let mut sim = Sim::new(
        scenario,
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    loop {
        let now = sim.now_us();
        while follower.next_pressed(now).is_some() || follower.clock(now).is_some() {}
        if follower.finished() {
            break;
        }
        let target = follower.deadline_us().map_or(until_us, |t| t.min(until_us));
        sim.run_until_bounded(target, EVENTS_PER_SLICE);
        for r in sim.take_trace() {
            if follower.finished() {
                break;
            }
            let t = r.t_us();
            while follower.next_pressed(t).is_some() || follower.clock(t).is_some() {}
            if follower.wants_records() {
                follower.record(t, &record_json(&r));
            }
        }
        let idle = sim.next_event_us().is_none_or(|t| t > target);
        if idle && sim.now_us() >= until_us {
            let now = sim.now_us();
            while follower.next_pressed(now).is_some() || follower.clock(now).is_some() {}
            break;
        }
    }
    let mut reached_us: Vec<Option<u64>> =
        follower.reached_us().iter().copied().map(Some).collect();
    reached_us.resize(steps, None);
    CheckReport {
        reached_us,
        ended_us: sim.now_us(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(tour: &str) -> Arc<Scenario> {
        let text = format!(
            r#"{{
  "format": "eventflow/1",
  "name": "t",
  "settings": {{ "until_s": 30 }},
  "resources": {{
    "Q": {{ "type": "queue", "visibility_timeout_s": 5, "dead_letter": {{ "target": "DLQ", "max_receive_count": 2 }} }},
    "DLQ": {{ "type": "queue" }},
    "F": {{ "type": "function", "timeout_s": 3, "code": {{ "inline": "fn handler(e, c) {{ throw \"boom\"; }}" }} }},
    "T": {{ "type": "trigger", "source": "Q", "function": "F", "batch_size": 1 }}
  }},
  "traffic": [ {{ "to": "Q", "at_s": 1, "message": {{ "body": "x" }} }} ],
  "tour": {tour}
}}"#
        );
        Arc::new(crate::scenario::load_str(&text, "t.json", None).expect("loads"))
    }

    #[test]
    fn steps_are_reached_on_next_time_and_records() {
        let sc = scenario(
            r#"{ "steps": [
                { "title": "Look" },
                { "title": "Second failure", "wait_for": { "trace": { "kind": ["result"], "status": ["error"] }, "count": 2 } },
                { "title": "Eight seconds in", "wait_for": { "at_s": 8 } },
                { "title": "Dead letter", "wait_for": { "trace": { "kind": ["dead_letter"] } } },
                { "title": "Done" }
            ] }"#,
        );
        let report = check(sc, 30_000_000);
        let r = &report.reached_us;
        assert_eq!(r.len(), 5);
        assert_eq!(r[0], Some(0), "the first step is shown at once");
        // Received at ~1.02 s and failed; visible again 5 s (the visibility timeout) after that receive, then
        // received and failed a second time.
        let second_error = r[1].expect("the second failure happens");
        assert!(
            (6_000_000..7_000_000).contains(&second_error),
            "after a visibility timeout: {second_error}"
        );
        assert_eq!(r[2], Some(8_000_000), "exactly at its time");
        let dead = r[3].expect("the message is dead-lettered");
        assert!(dead > 8_000_000, "{dead}");
        assert_eq!(r[4], Some(dead), "a Next step follows at once, headless");
    }

    #[test]
    fn a_step_that_never_comes_is_reported() {
        let sc = scenario(
            r#"{ "steps": [
                { "title": "Look" },
                { "title": "Never", "wait_for": { "trace": { "kind": ["throttle"] } } },
                { "title": "After" }
            ] }"#,
        );
        let report = check(sc, 30_000_000);
        assert_eq!(report.reached_us, vec![Some(0), None, None]);
        assert_eq!(report.ended_us, 30_000_000);
    }

    #[test]
    fn counts_start_when_the_previous_step_is_reached() {
        let mut f = Follower::new(scenario(
            r#"{ "steps": [
                { "title": "a", "wait_for": { "trace": { "kind": ["log"] } } },
                { "title": "b", "wait_for": { "trace": { "kind": ["log"] }, "count": 2 } }
            ] }"#,
        ));
        let log = serde_json::json!({"kind": "log"});
        let other = serde_json::json!({"kind": "invoke"});
        assert_eq!(f.record(1, &other), None);
        assert_eq!(f.record(2, &log), Some(0));
        assert_eq!(
            f.record(3, &log),
            None,
            "the record that reached step a does not count for b"
        );
        assert_eq!(f.record(4, &log), Some(1));
        assert!(f.finished());
        assert_eq!(f.reached_us(), &[2, 4]);
    }
}
