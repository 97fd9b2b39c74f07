//! Schedules: EventBridge scheduled rules (`rate`, `cron`) and EventBridge Scheduler one-time `at()` schedules.
//!
//! Fire times come from `crate::cron` against `settings.start_time` (cron in UTC, aws-semantics.md §4.4). Each
//! firing starts a new causal chain and sends the `Scheduled Event` envelope (source `aws.events`, detail-type
//! `Scheduled Event`, the rule ARN in `resources`, §4.1), or the schedule's fixed `input`, to every target.
//! Approximation: AWS fires within the scheduled minute; the simulator fires exactly on it.

use serde_json::Value;

use super::engine::{Ev, Sim};
use super::ids::IdKind;
use super::trace::{Ms, TraceRecord};
use crate::events::eventbridge;
use crate::scenario::{ResId, ResourceKind, ResourceType};

impl Sim {
    /// Queues the first firing of every schedule.
    pub(crate) fn start_schedules(&mut self) {
        let start = self.sc.settings.start_time;
        for id in self.sc.ids().collect::<Vec<_>>() {
            let Some(s) = self.sc.resource(id).kind.as_schedule() else {
                continue;
            };
            let first = s.expression.next_fire(start, start);
            if let Some(at) = first.and_then(|t| self.virtual_us(t)) {
                self.schedule(at, Ev::ScheduleFire { schedule: id });
            }
        }
    }

    /// Microseconds since t = 0 of a wall-clock instant, if it is not before the start.
    fn virtual_us(&self, t: chrono::DateTime<chrono::Utc>) -> Option<u64> {
        let us = t
            .signed_duration_since(self.sc.settings.start_time)
            .num_microseconds()?;
        u64::try_from(us).ok()
    }

    pub(crate) fn schedule_fire(&mut self, id: ResId) {
        let sc = std::sync::Arc::clone(&self.sc);
        let ResourceKind::Schedule(s) = &sc.resource(id).kind else {
            self.wrong_kind(id, ResourceType::Schedule);
            return;
        };
        let now = self.now();
        let mut trace = self.new_trace();
        self.stats[id.index()].count += 1;
        let arn = self.aws.events_rule_arn(sc.id(id));
        let event_n = self.next_n(IdKind::Event);
        let event_id = self.uuid_of(IdKind::Event, event_n);
        let event: Value = match &s.input {
            Some(input) => input.clone(),
            None => eventbridge::scheduled_event(&self.aws, &event_id, &arn, self.wall(now)),
        };
        let rule = self.name_text(id);
        let record_event_id = self.record_uuid(IdKind::Event, event_n);
        // The firing's span, the root of its chain: the targets' hops hang off it.
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        self.emit(|| TraceRecord::Match {
            t_ms: Ms(now),
            rule,
            event_id: record_event_id,
            trace_id: trace.record_id(),
            span_id,
            parent_span_id,
        });
        self.send_to_targets(id, &arn, &s.targets, &std::sync::Arc::new(event), trace);
        let after = self
            .wall(now)
            .checked_add_signed(chrono::TimeDelta::microseconds(1));
        let next = after.and_then(|from| s.expression.next_fire(sc.settings.start_time, from));
        if let Some(at) = next.and_then(|t| self.virtual_us(t))
            && at > now
        {
            self.schedule(at, Ev::ScheduleFire { schedule: id });
        }
    }
}
