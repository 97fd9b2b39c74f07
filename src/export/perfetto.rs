//! Chrome trace event format, as ui.perfetto.dev reads it (rules: `shared/reference/observability-and-teaching.md`
//! A.10): resources over time.
//!
//! - One process (`pid`) per resource, named by a `process_name` metadata event (`"function Worker"`); one
//!   thread (`tid`) per lane, named `"lane N"`: a span takes the first lane free at its start, so slices of one
//!   lane never overlap (concurrent invocations sit on separate lanes).
//! - Every span is a complete event (`"X"`, `ts`/`dur` in µs, at least 1 µs long): hops on the receiver, an
//!   invocation with a nested `"Init"` slice on a cold start, SDK calls nested in their invocation when they fit
//!   inside it, a message's time in its queue, a retry's wait.
//! - Causality as v1 flows (except from an invocation to the SDK calls nested in it): per parent → child (and
//!   per batch link) a fresh numeric `id`, an `"s"` strictly inside the parent's slice and an `"f"` with
//!   `"bp":"e"` strictly inside the child's slice (0.001 µs after its start), so every arrow binds to the slice
//!   it means. What an invocation sends leaves from the SDK call open at that moment, if one is nested there.
//! - Point records (throttle, drop, dead letter, log, Step Functions state) are process-scoped instants
//!   (`"i"`, `"s":"p"`).
//!
//! Events are sorted by `ts`, slices before instants before flows at the same `ts` (Perfetto drops a flow
//! read before its slice), parents before their children.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{Span, SpanEvent, SpanSet};
use crate::scenario::Scenario;

/// The offset that puts flow events strictly inside a slice (µs).
const EPSILON_US: f64 = 0.001;

/// Where a span's slice sits.
#[derive(Debug, Clone, Copy)]
struct Placed {
    pid: u64,
    tid: u64,
    ts: f64,
    dur: f64,
    /// Nested inside its parent's slice (an SDK call in its invocation): no arrow needed.
    nested: bool,
}

/// Lanes of one process: the end of the last top-level slice of each, and the end of the last nested slice.
#[derive(Debug, Default)]
struct Lanes {
    top_end: Vec<f64>,
    nested_end: Vec<f64>,
}

/// Sort class at equal `ts`: slices, then instants, then flows.
const CLASS_SLICE: u8 = 1;
const CLASS_INSTANT: u8 = 2;
const CLASS_FLOW: u8 = 3;

struct Out {
    ts: f64,
    class: u8,
    event: Value,
}

fn args_of(span: &Span) -> Value {
    let mut args = Map::new();
    args.insert("span_id".into(), Value::from(span.id));
    if let Some(p) = span.parent {
        args.insert("parent_span_id".into(), Value::from(p));
    }
    if !span.links.is_empty() {
        args.insert("links".into(), json!(span.links));
    }
    args.insert("trace_id".into(), Value::String(span.trace_id.clone()));
    for (k, v) in &span.attributes {
        args.insert((*k).to_string(), v.to_json());
    }
    if span.failed {
        args.insert("failed".into(), Value::Bool(true));
    }
    Value::Object(args)
}

fn instant(pid: u64, event: &SpanEvent) -> Out {
    let mut args = Map::new();
    for (k, v) in &event.attributes {
        args.insert((*k).to_string(), v.to_json());
    }
    Out {
        ts: event.t_us as f64,
        class: CLASS_INSTANT,
        event: json!({
            "ph": "i", "s": "p", "pid": pid, "tid": 0, "ts": event.t_us as f64,
            "name": event.name, "cat": event.name, "args": args,
        }),
    }
}

/// The trace of a run in Chrome trace event format (`{"displayTimeUnit":"ms","traceEvents":[…]}`).
pub fn to_json(set: &SpanSet, scenario: &Scenario) -> Value {
    let resources = set.resources();
    let pid_of: HashMap<&str, u64> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, i as u64 + 1))
        .collect();
    let pid = |name: &str| pid_of.get(name).copied().unwrap_or(0);
    let mut lanes: Vec<Lanes> = (0..=resources.len()).map(|_| Lanes::default()).collect();
    let mut placed: HashMap<u64, Placed> = HashMap::new();
    let mut out: Vec<Out> = Vec::new();

    // Slices, in start order (ties: trace order, so a parent comes before a child starting with it).
    let mut order: Vec<usize> = (0..set.spans.len()).collect();
    order.sort_by_key(|i| (set.spans[*i].start_us, *i));
    for i in order {
        let span = &set.spans[i];
        let p = pid(&span.resource);
        let mut ts = span.start_us as f64;
        let mut dur = (span.end_us.saturating_sub(span.start_us)).max(1) as f64;
        let lanes_of = &mut lanes[p as usize];
        // An SDK call nests in its invocation's lane when it fits inside it after what is nested there already. A
        // call made the moment the handler starts (a warm start) begins 0.002 µs late, so that the invocation's
        // incoming flow (at +0.001 µs) still binds to the invocation.
        let parent_slice = (span.kind == "call")
            .then(|| span.parent.and_then(|q| placed.get(&q)).copied())
            .flatten();
        let nested_in = parent_slice.filter(|parent| {
            let lane = (parent.tid - 1) as usize;
            let start = ts.max(parent.ts + 2.0 * EPSILON_US);
            parent.pid == p
                && start < ts + dur
                && ts + dur <= parent.ts + parent.dur - EPSILON_US
                && start >= lanes_of.nested_end[lane]
        });
        if let Some(parent) = nested_in {
            let start = ts.max(parent.ts + 2.0 * EPSILON_US);
            dur -= start - ts;
            ts = start;
        }
        let tid = match nested_in {
            Some(parent) => {
                lanes_of.nested_end[(parent.tid - 1) as usize] = ts + dur;
                parent.tid
            }
            None => {
                let lane = match lanes_of.top_end.iter().position(|end| *end <= ts) {
                    Some(l) => l,
                    None => {
                        lanes_of.top_end.push(0.0);
                        lanes_of.nested_end.push(0.0);
                        lanes_of.top_end.len() - 1
                    }
                };
                lanes_of.top_end[lane] = ts + dur;
                lanes_of.nested_end[lane] = ts;
                lane as u64 + 1
            }
        };
        placed.insert(
            span.id,
            Placed {
                pid: p,
                tid,
                ts,
                dur,
                nested: nested_in.is_some(),
            },
        );
        let cat = span.kind;
        out.push(Out {
            ts,
            class: CLASS_SLICE,
            event: json!({
                "ph": "X", "pid": p, "tid": tid, "ts": ts, "dur": dur,
                "name": span.name, "cat": cat, "args": args_of(span),
            }),
        });
        // The init phase, strictly inside the invocation and ending just before the handler starts (so SDK calls
        // made at the handler's start still nest after it).
        let init_dur = (span.init_us as f64 - 4.0 * EPSILON_US).min(dur - 4.0 * EPSILON_US);
        if span.kind == "invoke" && span.init_us > 0 && init_dur > 0.0 {
            let init_ts = ts + 2.0 * EPSILON_US;
            lanes_of.nested_end[(tid - 1) as usize] = init_ts + init_dur;
            out.push(Out {
                ts: init_ts,
                class: CLASS_SLICE,
                event: json!({
                    "ph": "X", "pid": p, "tid": tid, "ts": init_ts, "dur": init_dur,
                    "name": "Init", "cat": "init", "args": { "span_id": span.id },
                }),
            });
        }
        for event in &span.events {
            out.push(instant(pid(&event.resource), event));
        }
    }
    for event in &set.orphan_events {
        out.push(instant(pid(&event.resource), event));
    }

    // Flows: parent → child, and each batch link → its invocation.
    let mut flow_id: u64 = 0;
    for span in &set.spans {
        let Some(child) = placed.get(&span.id).copied() else {
            continue;
        };
        // A slice nested in its parent shows its cause by nesting.
        let causes = span
            .parent
            .filter(|_| !child.nested)
            .map(|p| (p, "cause"))
            .into_iter()
            .chain(span.links.iter().map(|l| (*l, "link")));
        for (cause, name) in causes {
            let Some(from) = placed.get(&cause).copied() else {
                continue;
            };
            flow_id += 1;
            let s_ts = (child.ts).clamp(
                from.ts + EPSILON_US,
                from.ts + (from.dur - EPSILON_US).max(EPSILON_US),
            );
            let f_ts = child.ts + EPSILON_US;
            out.push(Out {
                ts: s_ts,
                class: CLASS_FLOW,
                event: json!({
                    "ph": "s", "pid": from.pid, "tid": from.tid, "ts": s_ts,
                    "id": flow_id, "name": name, "cat": "flow",
                }),
            });
            out.push(Out {
                ts: f_ts,
                class: CLASS_FLOW,
                event: json!({
                    "ph": "f", "bp": "e", "pid": child.pid, "tid": child.tid, "ts": f_ts,
                    "id": flow_id, "name": name, "cat": "flow",
                }),
            });
        }
    }
    out.sort_by(|a, b| a.ts.total_cmp(&b.ts).then(a.class.cmp(&b.class)));

    let mut events: Vec<Value> = Vec::with_capacity(out.len() + resources.len() * 2);
    for (i, name) in resources.iter().enumerate() {
        let p = i as u64 + 1;
        let ty = scenario
            .find(name)
            .map(|id| scenario.resource(id).resource_type().name())
            .unwrap_or("resource");
        events.push(json!({
            "ph": "M", "pid": p, "tid": 0, "name": "process_name",
            "args": { "name": format!("{ty} {name}") },
        }));
        for lane in 1..=lanes[p as usize].top_end.len() {
            events.push(json!({
                "ph": "M", "pid": p, "tid": lane, "name": "thread_name",
                "args": { "name": format!("lane {lane}") },
            }));
        }
    }
    events.extend(out.into_iter().map(|o| o.event));
    json!({ "displayTimeUnit": "ms", "traceEvents": events })
}
