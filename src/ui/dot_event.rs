//! What a clicked dot carries. A transit record has no payload — the runner keeps nothing per event beyond the
//! records it streams, and the canvas's dots keep only the transit's ids — so the inspector finds it when asked:
//! it re-runs the scenario from t = 0 a little past the dot's arrival ([`crate::runner::rerun_trace`]:
//! deterministic, so it is the run shown, with the recorded faults at their moments) on a thread of its own, and
//! follows the dot's span (`parent_span_id`, batch `links`) to the first record that shows what travelled:
//!
//! - the event the receiving handler got (for a queued message, its own record in the batch, by `messageId`);
//! - for a `response` dot, the answer (or error) of the invocation it returns from;
//! - an S3 write (bucket, key, operation, size) or a state machine's input;
//! - else what became of it within [`FOLLOW_US`]: dropped, dead-lettered, throttled, or waiting in a queue.
//!
//! Nothing is kept per event for this: the search costs one re-run per click, like File → Export.

use std::collections::BTreeMap;
use std::sync::Arc;

use crossbeam_channel::{Receiver, bounded};
use eframe::egui::{self, RichText, Ui};
use serde_json::{Value, json};

use super::app::fmt_duration;
use super::json_tree;
use crate::runner::{Recorded, RecordedFault, RecordedInjection};
use crate::scenario::Scenario;
use crate::sim::TraceRecord;

/// How far past a dot's arrival the re-run follows it, in virtual microseconds (a message's wait in a queue, a
/// retry's back-off).
pub const FOLLOW_US: u64 = 10_000_000;

/// The dot that was clicked: its transit record's ids and ends.
#[derive(Debug, Clone, PartialEq)]
pub struct DotPick {
    pub trace_id: Arc<str>,
    /// The transit's span (unique in the run).
    pub span_id: u64,
    pub from: String,
    pub to: String,
    /// What travels (`event`, `invoke`, `message`, `response`, …).
    pub what: &'static str,
    pub t_us: u64,
    pub arrive_us: u64,
}

/// What the re-run found a dot carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Carried {
    /// The payload, and what it is (`As ValidateOrder received it (invocation …)`).
    Payload { caption: String, value: Value },
    /// No record within the followed time shows the payload; `note` says what became of it.
    Unseen { note: String },
}

/// A clicked dot in the inspector: the pick, and the search for its payload (running or done).
pub struct DotInspection {
    pub pick: DotPick,
    fetch: Fetch,
}

enum Fetch {
    Running(Receiver<Result<Carried, String>>),
    Done(Result<Carried, String>),
}

impl DotInspection {
    /// Starts the search on a thread of its own (the UI never waits for the re-run).
    pub fn start(
        pick: DotPick,
        sc: Arc<Scenario>,
        faults: Vec<RecordedFault>,
        injections: Vec<RecordedInjection>,
    ) -> DotInspection {
        let (tx, rx) = bounded(1);
        let job = pick.clone();
        let spawned = std::thread::Builder::new()
            .name("dot-event".into())
            .spawn(move || {
                let until_us = job.arrive_us.saturating_add(FOLLOW_US);
                let recorded = Recorded {
                    faults: &faults,
                    injections: &injections,
                };
                let found = crate::runner::rerun_trace(sc, until_us, recorded)
                    .and_then(|records| find_carried(&records, &job, until_us));
                let _ = tx.send(found);
            });
        let fetch = match spawned {
            Ok(_) => Fetch::Running(rx),
            Err(e) => Fetch::Done(Err(format!("cannot start the re-run: {e}"))),
        };
        DotInspection { pick, fetch }
    }

    /// What the search found, once it is done.
    pub fn result(&mut self) -> Option<&Result<Carried, String>> {
        if let Fetch::Running(rx) = &self.fetch {
            match rx.try_recv() {
                Ok(r) => self.fetch = Fetch::Done(r),
                Err(crossbeam_channel::TryRecvError::Empty) => return None,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.fetch = Fetch::Done(Err("the re-run stopped without an answer".into()))
                }
            }
        }
        match &self.fetch {
            Fetch::Done(r) => Some(r),
            Fetch::Running(_) => None,
        }
    }

    /// The dot's section of the inspector: what travels where and when, then what it carries (or that the
    /// re-run is looking for it).
    pub fn ui(&mut self, ui: &mut Ui) {
        let p = &self.pick;
        ui.heading(format!(
            "{} from {} to {}",
            capitalised(p.what),
            p.from,
            p.to
        ));
        ui.weak(format!(
            "sent at {}, arrives at {}",
            fmt_duration(p.t_us),
            fmt_duration(p.arrive_us)
        ));
        let salt = format!("dot-{}", p.span_id);
        match self.result() {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.weak("Re-running the simulation to find what it carries…");
                });
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(50));
            }
            Some(Ok(Carried::Payload { caption, value })) => {
                ui.strong("What it carries");
                ui.add(egui::Label::new(RichText::new(caption.as_str()).weak()).wrap());
                json_tree::show(ui, &salt, value, "", 3);
            }
            Some(Ok(Carried::Unseen { note })) => {
                ui.strong("What it carries");
                ui.add(egui::Label::new(note.as_str()).wrap());
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e.as_str());
            }
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().chain(c).collect::<String>()
    })
}

/// The span a record causally hangs off (its `parent_span_id`).
fn parent_of(r: &TraceRecord) -> Option<u64> {
    match r {
        TraceRecord::Transit { parent_span_id, .. }
        | TraceRecord::Invoke { parent_span_id, .. }
        | TraceRecord::Throttle { parent_span_id, .. }
        | TraceRecord::Retry { parent_span_id, .. }
        | TraceRecord::DeadLetter { parent_span_id, .. }
        | TraceRecord::Enqueue { parent_span_id, .. }
        | TraceRecord::Drop { parent_span_id, .. }
        | TraceRecord::Log { parent_span_id, .. }
        | TraceRecord::Object { parent_span_id, .. }
        | TraceRecord::Call { parent_span_id, .. }
        | TraceRecord::Connection { parent_span_id, .. }
        | TraceRecord::State { parent_span_id, .. }
        | TraceRecord::Match { parent_span_id, .. } => *parent_span_id,
        TraceRecord::Result { .. }
        | TraceRecord::Dequeue { .. }
        | TraceRecord::Response { .. }
        | TraceRecord::Execution { .. }
        | TraceRecord::Fault { .. } => None,
    }
}

/// The span a start record opens.
fn opens(r: &TraceRecord) -> Option<u64> {
    match r {
        TraceRecord::Transit { span_id, .. }
        | TraceRecord::Invoke { span_id, .. }
        | TraceRecord::Retry { span_id, .. }
        | TraceRecord::Enqueue { span_id, .. }
        | TraceRecord::Object { span_id, .. }
        | TraceRecord::Call { span_id, .. }
        | TraceRecord::Match { span_id, .. } => Some(*span_id),
        _ => None,
    }
}

/// Follows the dot's span through `records` (a re-run to `until_us`) to what it carried.
pub fn find_carried(
    records: &[TraceRecord],
    pick: &DotPick,
    until_us: u64,
) -> Result<Carried, String> {
    let at = records.iter().position(|r| {
        matches!(r, TraceRecord::Transit { span_id, from, to, trace_id, t_ms, .. }
            if *span_id == pick.span_id && *from == pick.from && *to == pick.to
                && *trace_id == *pick.trace_id && t_ms.0 == pick.t_us)
    });
    let Some(at) = at else {
        return Err(
            "The re-run (with the faults and test events sent by hand, at their moments) has no such dot. \
             Reset the run to inspect dots again."
                .to_string(),
        );
    };
    let TraceRecord::Transit { parent_span_id, .. } = &records[at] else {
        return Err("not a transit".to_string());
    };
    if pick.what == "response" {
        return Ok(answer_of(&records[..at], *parent_span_id));
    }
    // Spans descending from the dot's, each with the queue message it belongs to (if it went through one).
    let mut reached: BTreeMap<u64, Option<String>> = BTreeMap::new();
    reached.insert(pick.span_id, None);
    let mut note: Option<String> = None;
    for r in &records[at + 1..] {
        let via_parent = parent_of(r).and_then(|p| reached.get(&p).cloned());
        let via_link = match r {
            TraceRecord::Invoke { links, .. } => links.iter().find_map(|l| reached.get(l).cloned()),
            _ => None,
        };
        let Some(message) = via_parent.or(via_link) else {
            continue;
        };
        match r {
            TraceRecord::Invoke {
                function,
                request_id,
                event,
                t_ms,
                ..
            } => {
                return Ok(received(
                    function,
                    &request_id.as_text(),
                    t_ms.0,
                    &event.as_value(),
                    message.as_deref(),
                ));
            }
            TraceRecord::State {
                state_machine,
                state,
                event: "entered",
                data: Some(input),
                ..
            } => {
                return Ok(Carried::Payload {
                    caption: format!("The input of {state_machine} as its state {state} got it"),
                    value: (**input).clone(),
                });
            }
            TraceRecord::Object {
                bucket,
                key,
                op,
                size,
                ..
            } => {
                return Ok(Carried::Payload {
                    caption: format!(
                        "The S3 {op} it carried (the simulator keeps an object's size, not its bytes)"
                    ),
                    value: json!({ "bucket": bucket, "key": key, "op": op, "size": size }),
                });
            }
            TraceRecord::Enqueue {
                queue,
                message_id,
                span_id,
                ..
            } => {
                note = Some(format!(
                    "It is message {message_id} in {queue}, not received by a handler by {}.",
                    fmt_duration(until_us)
                ));
                reached.insert(*span_id, Some(message_id.to_string()));
                continue;
            }
            TraceRecord::Drop {
                resource, reason, ..
            } => note = Some(format!("It was dropped at {resource}: {reason}.")),
            TraceRecord::DeadLetter {
                resource,
                target,
                reason,
                ..
            } => note = Some(format!("{resource} sent it to {target}: {reason}.")),
            TraceRecord::Throttle {
                function, reason, ..
            } => note = Some(format!("{function} throttled it: {reason}.")),
            _ => {}
        }
        if let Some(s) = opens(r) {
            reached.insert(s, message);
        }
    }
    Ok(Carried::Unseen {
        note: note.unwrap_or_else(|| {
            format!(
                "No handler received it by {} (a write to a table without a stream, or still on its way).",
                fmt_duration(until_us)
            )
        }),
    })
}

/// The event an invocation received; from a batch, the record of `message` when it is there.
fn received(
    function: &str,
    request_id: &str,
    t_us: u64,
    event: &Value,
    message: Option<&str>,
) -> Carried {
    let records = event.get("Records").and_then(Value::as_array);
    let own = message.and_then(|m| {
        records?
            .iter()
            .find(|r| r.get("messageId").and_then(Value::as_str) == Some(m))
    });
    match (own, records) {
        (Some(record), Some(all)) => Carried::Payload {
            caption: format!(
                "Message {} as {function} received it at {}, one record of a batch of {} (invocation {request_id})",
                message.unwrap_or_default(),
                fmt_duration(t_us),
                all.len()
            ),
            value: record.clone(),
        },
        _ => Carried::Payload {
            caption: format!(
                "As {function} received it at {} (invocation {request_id})",
                fmt_duration(t_us)
            ),
            value: event.clone(),
        },
    }
}

/// A `response` dot carries the answer of the invocation it returns from (`invoke_span`).
fn answer_of(before: &[TraceRecord], invoke_span: Option<u64>) -> Carried {
    let found = before.iter().rev().find_map(|r| match r {
        TraceRecord::Result {
            span_id,
            function,
            request_id,
            status,
            response,
            error,
            ..
        } if Some(*span_id) == invoke_span => Some((function, request_id, status, response, error)),
        _ => None,
    });
    match found {
        Some((function, request_id, status, response, error)) => Carried::Payload {
            caption: format!(
                "The answer of {function} (invocation {request_id}, {})",
                status.as_str()
            ),
            value: response
                .as_deref()
                .or(error.as_deref())
                .cloned()
                .unwrap_or(Value::Null),
        },
        None => Carried::Unseen {
            note: "A throttled invocation's refusal: no handler ran, so there is no answer body."
                .to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Arc<Scenario> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/scenarios")
            .join(name);
        Arc::new(crate::scenario::load_file(&path).expect("example loads"))
    }

    fn pick_of(r: &TraceRecord) -> DotPick {
        let TraceRecord::Transit {
            t_ms,
            from,
            to,
            arrive_ms,
            trace_id,
            span_id,
            what,
            ..
        } = r
        else {
            panic!("not a transit");
        };
        DotPick {
            trace_id: Arc::from(&*trace_id.as_text()),
            span_id: *span_id,
            from: from.to_string(),
            to: to.to_string(),
            what,
            t_us: t_ms.0,
            arrive_us: arrive_ms.0,
        }
    }

    fn transit_where(records: &[TraceRecord], f: impl Fn(&str, &str, &str) -> bool) -> DotPick {
        pick_of(
            records
                .iter()
                .find(|r| matches!(r, TraceRecord::Transit { from, to, what, .. } if f(from, to, what)))
                .expect("such a transit"),
        )
    }

    #[test]
    fn a_message_dot_carries_its_own_record_of_the_consumers_batch() {
        let sc = example("s3-sns-sqs-function.json");
        let until = 30_000_000;
        let records = crate::runner::rerun_trace(sc, until, Recorded::default()).expect("runs");
        let pick = transit_where(&records, |_, to, what| {
            what == "message"
                && records
                    .iter()
                    .any(|r| matches!(r, TraceRecord::Enqueue { queue, .. } if queue == to))
        });
        let Ok(Carried::Payload { caption, value }) = find_carried(&records, &pick, until) else {
            panic!("a payload");
        };
        // The message the dot became, found again in the batch that received it.
        let message_id = records
            .iter()
            .find_map(|r| match r {
                TraceRecord::Enqueue {
                    parent_span_id,
                    message_id,
                    ..
                } if *parent_span_id == Some(pick.span_id) => Some(message_id.clone()),
                _ => None,
            })
            .expect("enqueued");
        assert_eq!(value["messageId"], json!(message_id), "{caption}");
        assert!(caption.contains("one record of a batch"), "{caption}");
    }

    #[test]
    fn a_response_dot_carries_the_invocations_answer_and_an_unknown_dot_is_refused() {
        let sc = example("api-hello.json");
        let until = 10_000_000;
        let records = crate::runner::rerun_trace(sc, until, Recorded::default()).expect("runs");
        let pick = transit_where(&records, |_, _, what| what == "response");
        let Ok(Carried::Payload { value, caption }) = find_carried(&records, &pick, until) else {
            panic!("a payload");
        };
        let answer = records
            .iter()
            .find_map(|r| match r {
                TraceRecord::Result {
                    function,
                    response: Some(v),
                    ..
                } if *function == pick.from => Some((**v).clone()),
                _ => None,
            })
            .expect("an answer");
        assert_eq!(value, answer, "{caption}");

        let shifted = DotPick {
            span_id: pick.span_id + 1,
            ..pick
        };
        assert!(find_carried(&records, &shifted, until).is_err());
    }

    #[test]
    fn an_unmatched_event_says_where_it_was_dropped() {
        let sc = example("new-order.json");
        let until = 60_000_000;
        let records = crate::runner::rerun_trace(sc, until, Recorded::default()).expect("runs");
        let dropped_trace = records
            .iter()
            .find_map(|r| match r {
                TraceRecord::Drop { trace_id, .. } => Some(trace_id.clone()),
                _ => None,
            })
            .expect("an Order Shipped event is dropped");
        let pick = pick_of(
            records
                .iter()
                .find(|r| matches!(r, TraceRecord::Transit { trace_id, .. } if *trace_id == dropped_trace))
                .expect("its first hop"),
        );
        match find_carried(&records, &pick, until) {
            Ok(Carried::Unseen { note }) => assert!(note.contains("dropped at Orders"), "{note}"),
            other => panic!("expected where it ended, got {other:?}"),
        }
    }
}
