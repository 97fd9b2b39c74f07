//! Following a guided tour ([`crate::scenario::tour`]) through a run: which step is reached when.
//!
//! [`Follower`] is the state machine the app and the headless check share. It is fed the run's trace records
//! and its clock, and the learner's Next; it answers which step was reached and at what virtual time. Steps are
//! reached in order: a step's moment — its time, or the `count`-th matching record of the run — that has already
//! passed when the previous step is reached is reached at once.
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
    /// Per step: records matching its pattern so far (counted from the start of the run).
    matched: Vec<u32>,
    /// Per step: when its `count`-th matching record happened.
    hit_us: Vec<Option<u64>>,
    /// When each reached step was reached, in step order.
    reached_us: Vec<u64>,
}

impl Follower {
    /// Starts a tour of `scenario` (which must have one; without, the follower is simply finished).
    pub fn new(scenario: Arc<Scenario>) -> Follower {
        let steps = scenario.tour.as_ref().map_or(0, |t| t.steps.len());
        Follower {
            tour: scenario,
            next: 0,
            matched: vec![0; steps],
            hit_us: vec![None; steps],
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
        // Never before the previous step: a moment that had already passed is reached when it is shown.
        let previous_us = self.reached_us.last().copied().unwrap_or(0);
        self.reached_us.push(t_us.max(previous_us));
        self.next += 1;
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

    /// The run's clock reached `now_us`: reaches the waiting step if its moment has come — its time, or its
    /// record, which may have happened before the previous step was reached.
    pub fn poll(&mut self, now_us: u64) -> Option<usize> {
        let step = self.steps().get(self.next)?;
        match step.wait_for {
            WaitFor::Next => None,
            WaitFor::Time { at_us } => (now_us >= at_us).then(|| self.reach(at_us)),
            WaitFor::Trace { .. } => {
                let hit_us = self.hit_us.get(self.next).copied().flatten()?;
                Some(self.reach(hit_us))
            }
        }
    }

    /// Whether a step still to be reached looks at trace records (so the caller converts records to JSON
    /// only then).
    pub fn wants_records(&self) -> bool {
        self.steps()
            .iter()
            .skip(self.next)
            .any(|s| matches!(s.wait_for, WaitFor::Trace { .. }))
    }

    /// One trace record, as JSON, at virtual time `t_us`: counted for every step still to be reached whose
    /// pattern it matches; reaches the waiting step if this is the record it waits for.
    pub fn record(&mut self, t_us: u64, record: &Value) -> Option<usize> {
        let Some(tour) = self.tour.tour.as_ref() else {
            return None;
        };
        for (i, step) in tour.steps.iter().enumerate().skip(self.next) {
            let WaitFor::Trace { pattern, count, .. } = &step.wait_for else {
                continue;
            };
            if self.hit_us[i].is_some() || !pattern.matches(record) {
                continue;
            }
            self.matched[i] += 1;
            if self.matched[i] >= *count {
                self.hit_us[i] = Some(t_us);
            }
        }
        self.poll(t_us)
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
        while follower.next_pressed(now).is_some() || follower.poll(now).is_some() {}
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
            while follower.next_pressed(t).is_some() || follower.poll(t).is_some() {}
            if follower.wants_records() {
                follower.record(t, &record_json(&r));
            }
        }
        let idle = sim.next_event_us().is_none_or(|t| t > target);
        if idle && sim.now_us() >= until_us {
            let now = sim.now_us();
            while follower.next_pressed(now).is_some() || follower.poll(now).is_some() {}
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
    fn counts_run_from_the_start_and_past_moments_are_reached_at_once() {
        let mut f = Follower::new(scenario(
            r#"{ "steps": [
                { "title": "a", "wait_for": { "trace": { "kind": ["log"] } } },
                { "title": "b", "wait_for": { "trace": { "kind": ["log"] }, "count": 2 } },
                { "title": "c", "wait_for": { "at_s": 0.000001 } },
                { "title": "d", "wait_for": { "trace": { "kind": ["log"] }, "count": 4 } },
                { "title": "e", "wait_for": { "trace": { "kind": ["log"] } } }
            ] }"#,
        ));
        let log = serde_json::json!({"kind": "log"});
        let other = serde_json::json!({"kind": "invoke"});
        assert_eq!(f.record(1, &other), None);
        assert_eq!(f.record(2, &log), Some(0), "the first log of the run");
        assert_eq!(f.record(3, &log), Some(1), "the second log of the run");
        assert_eq!(
            f.poll(3),
            Some(2),
            "a time that has passed is reached at once"
        );
        assert_eq!(f.record(4, &log), None, "the third log");
        assert_eq!(f.record(5, &log), Some(3), "the fourth log of the run");
        assert_eq!(
            f.poll(6),
            Some(4),
            "e's first log happened long ago: reached as soon as it is waited for"
        );
        assert!(f.finished());
        assert_eq!(f.reached_us(), &[2, 3, 3, 5, 5]);
    }
}
