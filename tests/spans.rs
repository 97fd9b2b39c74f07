//! Causality in the trace (`span_id`, `parent_span_id`, `links`) on every example and test scenario, and the
//! Perfetto and OTLP exports checked against their format rules (`shared/reference/observability-and-teaching.md`
//! A.10 and A.11).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use eventflow::export::SpanSet;
use eventflow::scenario::Scenario;
use eventflow::sim::{Sim, SimOptions, TraceRecord};
use serde_json::{Value, json};

/// Kinds whose records open a span, end one, or happen inside one (see `sim::trace`'s module doc).
const START_KINDS: [&str; 7] = [
    "transit", "invoke", "retry", "enqueue", "object", "call", "match",
];
const END_KINDS: [&str; 4] = ["result", "dequeue", "response", "execution"];
const POINT_KINDS: [&str; 6] = [
    "throttle",
    "drop",
    "dead_letter",
    "log",
    "state",
    "connection",
];

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["assets/scenarios", "tests/scenarios"] {
        let entries = std::fs::read_dir(root.join(dir)).expect("scenario folder");
        for e in entries {
            let p = e.expect("entry").path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.ends_with(".json") && !name.ends_with(".expect.json") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 30, "scenarios found: {}", files.len());
    files
}

fn run(scenario: Scenario, trace: bool) -> (Sim, Vec<TraceRecord>) {
    let until_us = (scenario.settings.until_s * 1e6) as u64;
    let mut sim = Sim::new(Arc::new(scenario), SimOptions { seed: None, trace });
    sim.run_until(until_us);
    let records = sim.take_trace();
    (sim, records)
}

fn load(path: &Path) -> Scenario {
    eventflow::scenario::load_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn to_values(records: &[TraceRecord]) -> Vec<Value> {
    records
        .iter()
        .map(|r| serde_json::to_value(r).expect("records serialise"))
        .collect()
}

fn u64_field(r: &Value, key: &str) -> Option<u64> {
    r.get(key).and_then(Value::as_u64)
}

/// Checks the span contract on one trace; returns a description of the first violation.
fn check_spans(records: &[Value]) -> Result<(), String> {
    // Span id → trace id of the record that opened it.
    let mut opened: HashMap<u64, String> = HashMap::new();
    let mut roots: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let kind = r["kind"].as_str().unwrap_or_default();
        let trace_id = r["trace_id"].as_str().unwrap_or_default().to_string();
        let parent = r.get("parent_span_id");
        if let Some(p) = parent {
            let p = p
                .as_u64()
                .ok_or(format!("record {i}: parent_span_id {p} is not an id"))?;
            match opened.get(&p) {
                None => {
                    return Err(format!(
                        "record {i} ({kind}): parent {p} not opened earlier"
                    ));
                }
                Some(t) if *t != trace_id => {
                    return Err(format!("record {i} ({kind}): parent {p} is in trace {t}"));
                }
                Some(_) => {}
            }
        }
        if START_KINDS.contains(&kind) {
            let id = u64_field(r, "span_id").ok_or(format!("record {i} ({kind}): no span_id"))?;
            if id == 0 || opened.contains_key(&id) {
                return Err(format!("record {i} ({kind}): span id {id} not fresh"));
            }
            if let Some(links) = r.get("links") {
                let links = links
                    .as_array()
                    .ok_or(format!("record {i}: links not a list"))?;
                for l in links {
                    let l = l
                        .as_u64()
                        .ok_or(format!("record {i}: link {l} is not an id"))?;
                    if !opened.contains_key(&l) {
                        return Err(format!("record {i} ({kind}): link {l} not opened earlier"));
                    }
                }
            }
            if parent.is_none() {
                // Only traffic (a hop from a traffic source) and schedules start a chain.
                let from_traffic = kind == "transit"
                    && r["from"]
                        .as_str()
                        .is_some_and(|f| f.starts_with("traffic:"));
                if !(from_traffic || kind == "match") {
                    return Err(format!(
                        "record {i} ({kind}): no parent, yet not traffic or a schedule"
                    ));
                }
                *roots.entry(trace_id.clone()).or_default() += 1;
            }
            opened.insert(id, trace_id);
        } else if END_KINDS.contains(&kind) {
            let id = u64_field(r, "span_id").ok_or(format!("record {i} ({kind}): no span_id"))?;
            if opened.get(&id) != Some(&trace_id) {
                return Err(format!(
                    "record {i} ({kind}): ends span {id}, not opened earlier in its trace"
                ));
            }
        } else if POINT_KINDS.contains(&kind) {
            if r.get("span_id").is_some() {
                return Err(format!(
                    "record {i} ({kind}): a point record with a span_id"
                ));
            }
        } else {
            return Err(format!("record {i}: unknown kind {kind}"));
        }
    }
    // Every chain is one tree: exactly one root per trace id.
    let mut traces: BTreeSet<String> = BTreeSet::new();
    for r in records {
        if let Some(t) = r["trace_id"].as_str() {
            traces.insert(t.to_string());
        }
    }
    for t in traces {
        let n = roots.get(&t).copied().unwrap_or(0);
        if n != 1 {
            return Err(format!("trace {t} has {n} roots"));
        }
    }
    Ok(())
}

/// Every `invoke` of a queue batch links the `enqueue` span of every message in its event's `Records`.
fn check_batch_links(records: &[Value]) -> Result<usize, String> {
    // (queue name, message id) → span of its latest enqueue.
    let mut enqueued: HashMap<(String, String), u64> = HashMap::new();
    let mut batches = 0;
    for (i, r) in records.iter().enumerate() {
        match r["kind"].as_str() {
            Some("enqueue") => {
                let key = (
                    r["queue"].as_str().unwrap_or_default().to_string(),
                    r["message_id"].as_str().unwrap_or_default().to_string(),
                );
                enqueued.insert(key, u64_field(r, "span_id").unwrap_or(0));
            }
            Some("invoke") => {
                let Some(list) = r["event"]["Records"].as_array() else {
                    continue;
                };
                let sqs: Vec<&Value> = list
                    .iter()
                    .filter(|m| m["eventSource"] == "aws:sqs")
                    .collect();
                if sqs.is_empty() {
                    if list.iter().any(|m| m["eventSource"] == "aws:dynamodb")
                        && r.get("links").is_none()
                    {
                        return Err(format!("record {i}: a stream batch without links"));
                    }
                    continue;
                }
                batches += 1;
                let links: Vec<u64> = r["links"]
                    .as_array()
                    .ok_or(format!("record {i}: a queue batch without links"))?
                    .iter()
                    .filter_map(Value::as_u64)
                    .collect();
                for m in sqs {
                    let queue = m["eventSourceARN"]
                        .as_str()
                        .and_then(|a| a.rsplit(':').next())
                        .unwrap_or_default()
                        .to_string();
                    let id = m["messageId"].as_str().unwrap_or_default().to_string();
                    let span = enqueued.get(&(queue.clone(), id.clone())).ok_or(format!(
                        "record {i}: message {id} of {queue} never enqueued"
                    ))?;
                    if !links.contains(span) {
                        return Err(format!("record {i}: message {id} (span {span}) not linked"));
                    }
                }
                if links.len() != list.len() {
                    return Err(format!(
                        "record {i}: {} links for {} records",
                        links.len(),
                        list.len()
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(batches)
}

#[test]
fn every_scenario_has_a_consistent_span_tree() {
    let mut queue_batches = 0;
    for path in scenario_files() {
        let (_, records) = run(load(&path), true);
        let values = to_values(&records);
        assert!(!values.is_empty(), "{}: empty trace", path.display());
        if let Err(e) = check_spans(&values) {
            panic!("{}: {e}", path.display());
        }
        match check_batch_links(&values) {
            Ok(n) => queue_batches += n,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    assert!(queue_batches > 10, "queue batches checked: {queue_batches}");
}

#[test]
fn the_checks_catch_a_broken_tree() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/partial-batch.json");
    let (_, records) = run(load(&path), true);
    let values = to_values(&records);
    assert!(check_spans(&values).is_ok());
    // A parent that points forward, a dropped link, a repeated span id: each is caught.
    let mut forward = values.clone();
    let last = forward
        .iter()
        .rposition(|r| r["kind"] == "transit")
        .expect("a transit");
    let late = forward[last]["span_id"].clone();
    let first = forward
        .iter()
        .position(|r| r.get("parent_span_id").is_some())
        .expect("a child");
    forward[first]["parent_span_id"] = late;
    assert!(check_spans(&forward).is_err());
    let mut unlinked = values.clone();
    let batch = unlinked
        .iter()
        .position(|r| r.get("links").is_some())
        .expect("a batch");
    unlinked[batch]["links"]
        .as_array_mut()
        .expect("links")
        .pop();
    assert!(check_batch_links(&unlinked).is_err());
    let mut repeated = values;
    let second = repeated
        .iter()
        .skip(1)
        .position(|r| r.get("span_id").is_some())
        .expect("two");
    repeated[second + 1]["span_id"] = repeated[0]["span_id"].clone();
    assert!(check_spans(&repeated).is_err());
}

/// API → function → SQS → function (batch) → SNS → SQS: one trace, one tree, from the client's request to the
/// last message.
#[test]
fn a_request_through_api_queue_and_topic_is_one_tree() {
    let text = json!({
        "format": "eventflow/1",
        "name": "chain",
        "settings": { "seed": 3, "until_s": 20, "hop_latency_ms": 5, "sdk_latency_ms": 2 },
        "resources": {
            "Api": { "type": "api", "routes": { "POST /orders": "Front" } },
            "Front": { "type": "function", "duration_ms": 3, "cold_start_ms": 100,
                "code": { "inline": "fn handler(event, context) { sqs::send(\"Jobs\", event.body); #{ statusCode: 202 } }" } },
            "Jobs": { "type": "queue" },
            "JobsTrigger": { "type": "trigger", "source": "Jobs", "function": "Worker", "batch_size": 10 },
            "Worker": { "type": "function", "duration_ms": 4,
                "code": { "inline": "fn handler(event, context) { for r in event.Records { sns::publish(\"Done\", r.body); } () }" } },
            "Done": { "type": "topic", "subscriptions": [ { "target": "Audit" } ] },
            "Audit": { "type": "queue" }
        },
        "traffic": [ { "to": "Api", "at_s": 0, "request": { "method": "POST", "path": "/orders", "body": { "id": "o-1" } } } ]
    })
    .to_string();
    let scenario = eventflow::scenario::load_str(&text, "chain.json", None).expect("loads");
    let (_, records) = run(scenario, true);
    let values = to_values(&records);
    check_spans(&values).expect("a consistent tree");
    let traces: BTreeSet<&str> = values
        .iter()
        .filter_map(|r| r["trace_id"].as_str())
        .collect();
    assert_eq!(traces.len(), 1, "one request, one trace");
    // Walk down from the root: the last message into Audit descends from the client's request.
    let parent_of: HashMap<u64, u64> = values
        .iter()
        .filter_map(|r| Some((u64_field(r, "span_id")?, u64_field(r, "parent_span_id")?)))
        .collect();
    let audit = values
        .iter()
        .find(|r| r["kind"] == "enqueue" && r["queue"] == "Audit")
        .expect("a message reaches Audit");
    let mut chain = vec![u64_field(audit, "span_id").expect("span")];
    while let Some(p) = parent_of.get(chain.last().expect("non-empty")) {
        chain.push(*p);
    }
    let kind_of = |id: u64| {
        values
            .iter()
            .find(|r| {
                START_KINDS.contains(&r["kind"].as_str().unwrap_or_default())
                    && u64_field(r, "span_id") == Some(id)
            })
            .map(|r| {
                format!(
                    "{} {}",
                    r["kind"].as_str().unwrap_or(""),
                    r.get("function")
                        .or(r.get("queue"))
                        .or(r.get("to"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                )
            })
            .unwrap_or_default()
    };
    let path: Vec<String> = chain.iter().rev().map(|id| kind_of(*id)).collect();
    assert_eq!(
        path,
        [
            "transit Api",
            "transit Front",
            "invoke Front",
            "transit Jobs",
            "enqueue Jobs",
            "transit Worker",
            "invoke Worker",
            "transit Done",
            "transit Audit",
            "enqueue Audit",
        ],
        "{path:?}"
    );
    // The client's request span ends with the API's response.
    let root = chain.last().copied();
    assert!(
        values
            .iter()
            .any(|r| r["kind"] == "response" && u64_field(r, "span_id") == root)
    );
}

#[test]
fn spans_are_deterministic_and_the_trace_switch_changes_nothing() {
    for name in [
        "assets/scenarios/partial-batch-failures.json",
        "assets/scenarios/order-workflow.json",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let (sim_a, a) = run(load(&path), true);
        let (_, b) = run(load(&path), true);
        let (sim_off, off) = run(load(&path), false);
        assert_eq!(to_values(&a), to_values(&b), "{name}: two runs differ");
        assert!(off.is_empty());
        assert_eq!(
            sim_a.events_processed(),
            sim_off.events_processed(),
            "{name}"
        );
        for id in sim_a.scenario().ids() {
            assert_eq!(
                format!("{:?}", sim_a.stats(id)),
                format!("{:?}", sim_off.stats(id)),
                "{name}: statistics change with the trace"
            );
        }
    }
}

// ----- exports -----

fn span_set(path: &Path) -> (Scenario, SpanSet) {
    let scenario = load(path);
    let (_, records) = run(scenario.clone(), true);
    let mut set = SpanSet::new();
    for r in &records {
        set.add(r);
    }
    set.finish();
    (scenario, set)
}

/// Checks the Chrome trace event rules Perfetto relies on.
fn check_perfetto(doc: &Value) -> Result<(), String> {
    let events = doc["traceEvents"].as_array().ok_or("no traceEvents")?;
    let mut named_pids = BTreeSet::new();
    let mut slices: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    let mut open_flows: HashMap<(u64, String, String), ()> = HashMap::new();
    let mut last_ts = f64::NEG_INFINITY;
    let mut flows = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let ph = e["ph"].as_str().ok_or(format!("event {i}: no ph"))?;
        let pid = e["pid"].as_u64().ok_or(format!("event {i}: no pid"))?;
        let tid = e["tid"].as_u64().ok_or(format!("event {i}: no tid"))?;
        e["name"].as_str().ok_or(format!("event {i}: no name"))?;
        if ph == "M" {
            if e["name"] == "process_name" {
                named_pids.insert(pid);
            }
            e["args"]["name"]
                .as_str()
                .ok_or(format!("event {i}: metadata without args.name"))?;
            continue;
        }
        let ts = e["ts"].as_f64().ok_or(format!("event {i}: no ts"))?;
        if ts < last_ts {
            return Err(format!("event {i}: ts {ts} before {last_ts}"));
        }
        last_ts = ts;
        if !named_pids.contains(&pid) {
            return Err(format!("event {i}: pid {pid} has no process_name"));
        }
        match ph {
            "X" => {
                let dur = e["dur"]
                    .as_f64()
                    .ok_or(format!("event {i}: X without dur"))?;
                if dur <= 0.0 {
                    return Err(format!("event {i}: dur {dur}"));
                }
                if !e["args"].is_object() {
                    return Err(format!("event {i}: args not an object"));
                }
                slices.entry((pid, tid)).or_default().push((ts, ts + dur));
            }
            "s" | "f" => {
                let id = e["id"]
                    .as_u64()
                    .ok_or(format!("event {i}: flow id not a number"))?;
                let key = (
                    id,
                    e["cat"].as_str().unwrap_or("").to_string(),
                    e["name"].as_str().unwrap_or("").to_string(),
                );
                if ph == "s" {
                    if open_flows.insert(key, ()).is_some() {
                        return Err(format!("event {i}: flow {id} started twice"));
                    }
                } else {
                    if e["bp"] != "e" {
                        return Err(format!("event {i}: flow end without bp e"));
                    }
                    if open_flows.remove(&key).is_none() {
                        return Err(format!("event {i}: flow {id} ends without a start"));
                    }
                }
                flows.push((i, pid, tid, ts));
            }
            "i" => {
                if e["s"] != "p" {
                    return Err(format!("event {i}: instant scope"));
                }
            }
            other => return Err(format!("event {i}: unexpected phase {other}")),
        }
    }
    if !open_flows.is_empty() {
        return Err(format!("{} flows never end", open_flows.len()));
    }
    // Slices of one thread nest: a slice starting inside another ends inside it.
    for (track, list) in &slices {
        let mut stack: Vec<f64> = Vec::new();
        for (start, end) in list {
            while stack.last().is_some_and(|e| *e <= *start) {
                stack.pop();
            }
            if let Some(outer) = stack.last()
                && *end > *outer + 1e-6
            {
                return Err(format!(
                    "{track:?}: slice {start}..{end} overlaps one ending at {outer}"
                ));
            }
            stack.push(*end);
        }
    }
    // Every flow event lies strictly inside a slice on its thread.
    for (i, pid, tid, ts) in flows {
        let inside = slices
            .get(&(pid, tid))
            .is_some_and(|l| l.iter().any(|(s, e)| *s < ts && ts < *e));
        if !inside {
            return Err(format!(
                "event {i}: flow at {ts} outside every slice of ({pid}, {tid})"
            ));
        }
    }
    Ok(())
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b != b'0')
}

/// Checks the OTLP/JSON rules Jaeger's upload relies on.
fn check_otlp(doc: &Value) -> Result<usize, String> {
    let resources = doc["resourceSpans"].as_array().ok_or("no resourceSpans")?;
    let mut ids = BTreeSet::new();
    let mut parents = Vec::new();
    let check_attrs = |attrs: &Value, at: &str| -> Result<(), String> {
        for a in attrs
            .as_array()
            .ok_or(format!("{at}: attributes not a list"))?
        {
            a["key"]
                .as_str()
                .ok_or(format!("{at}: attribute without key"))?;
            let v = a["value"]
                .as_object()
                .ok_or(format!("{at}: attribute without value"))?;
            if v.len() != 1 {
                return Err(format!("{at}: value {v:?} not one AnyValue"));
            }
            let ok = match v.iter().next() {
                Some((k, x)) if k == "stringValue" => x.is_string(),
                Some((k, x)) if k == "boolValue" => x.is_boolean(),
                Some((k, x)) if k == "intValue" => {
                    x.as_str().is_some_and(|s| s.parse::<i64>().is_ok())
                }
                _ => false,
            };
            if !ok {
                return Err(format!("{at}: bad value {v:?}"));
            }
        }
        Ok(())
    };
    let nanos = |v: &Value| v.as_str().and_then(|s| s.parse::<u128>().ok());
    for r in resources {
        let attrs = &r["resource"]["attributes"];
        check_attrs(attrs, "resource")?;
        let service = attrs
            .as_array()
            .and_then(|l| l.iter().find(|a| a["key"] == "service.name"))
            .ok_or("resource without service.name")?;
        service["value"]["stringValue"]
            .as_str()
            .ok_or("service.name not a string")?;
        let scopes = r["scopeSpans"].as_array().ok_or("no scopeSpans")?;
        for scope in scopes {
            scope["scope"]["name"]
                .as_str()
                .ok_or("scope without a name")?;
            for span in scope["spans"].as_array().ok_or("no spans")? {
                let id = span["spanId"].as_str().ok_or("no spanId")?;
                if !is_hex(id, 16) || !ids.insert(id.to_string()) {
                    return Err(format!("spanId {id} not 16 hex digits or repeated"));
                }
                let trace = span["traceId"].as_str().ok_or("no traceId")?;
                if !is_hex(trace, 32) {
                    return Err(format!("traceId {trace} not 32 hex digits"));
                }
                if let Some(p) = span.get("parentSpanId") {
                    let p = p.as_str().ok_or("parentSpanId not a string")?;
                    if !is_hex(p, 16) {
                        return Err(format!("parentSpanId {p}"));
                    }
                    parents.push(p.to_string());
                }
                span["name"].as_str().ok_or("no name")?;
                if !(1..=5).contains(&span["kind"].as_u64().unwrap_or(0)) {
                    return Err(format!("span {id}: kind {}", span["kind"]));
                }
                let start = nanos(&span["startTimeUnixNano"])
                    .ok_or(format!("span {id}: start not a nanosecond string"))?;
                let end = nanos(&span["endTimeUnixNano"])
                    .ok_or(format!("span {id}: end not a nanosecond string"))?;
                if end < start {
                    return Err(format!("span {id} ends before it starts"));
                }
                check_attrs(&span["attributes"], id)?;
                for e in span["events"].as_array().ok_or("events not a list")? {
                    nanos(&e["timeUnixNano"]).ok_or(format!("span {id}: event time"))?;
                    check_attrs(&e["attributes"], id)?;
                }
                for l in span["links"].as_array().ok_or("links not a list")? {
                    let (t, s) = (
                        l["traceId"].as_str().unwrap_or(""),
                        l["spanId"].as_str().unwrap_or(""),
                    );
                    if !is_hex(t, 32) || !is_hex(s, 16) {
                        return Err(format!("span {id}: link {l}"));
                    }
                    parents.push(s.to_string());
                }
                if !(0..=2).contains(&span["status"]["code"].as_u64().unwrap_or(9)) {
                    return Err(format!("span {id}: status"));
                }
            }
        }
    }
    if let Some(missing) = parents.iter().find(|p| !ids.contains(*p)) {
        return Err(format!("parent or link {missing} names no span"));
    }
    Ok(ids.len())
}

#[test]
fn exports_follow_the_format_rules_on_every_scenario() {
    for path in scenario_files() {
        let (scenario, set) = span_set(&path);
        let perfetto = eventflow::export::perfetto::to_json(&set, &scenario);
        if let Err(e) = check_perfetto(&perfetto) {
            panic!("{} (perfetto): {e}", path.display());
        }
        let otlp = eventflow::export::otlp::to_json(&set, &scenario);
        match check_otlp(&otlp) {
            Ok(n) => assert_eq!(
                n,
                set.spans.len(),
                "{}: every span exported",
                path.display()
            ),
            Err(e) => panic!("{} (otlp): {e}", path.display()),
        }
    }
}

#[test]
fn export_checks_catch_broken_output() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/s3-sns-sqs-function.json");
    let (scenario, set) = span_set(&path);
    let perfetto = eventflow::export::perfetto::to_json(&set, &scenario);
    let events = perfetto["traceEvents"].as_array().expect("events").clone();
    // A flow end without its start, a slice without dur: both caught.
    let mut no_start = events.clone();
    let s = no_start
        .iter()
        .position(|e| e["ph"] == "s")
        .expect("a flow");
    no_start.remove(s);
    assert!(check_perfetto(&json!({ "traceEvents": no_start })).is_err());
    let mut no_dur = events;
    let x = no_dur.iter().position(|e| e["ph"] == "X").expect("a slice");
    no_dur[x].as_object_mut().expect("object").remove("dur");
    assert!(check_perfetto(&json!({ "traceEvents": no_dur })).is_err());
    let mut otlp = eventflow::export::otlp::to_json(&set, &scenario);
    otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["startTimeUnixNano"] = json!(12);
    assert!(check_otlp(&otlp).is_err());
    let mut otlp = eventflow::export::otlp::to_json(&set, &scenario);
    otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = json!("abc");
    assert!(check_otlp(&otlp).is_err());
}

#[test]
fn the_otlp_trace_id_is_the_xray_ids_hex() {
    assert_eq!(
        eventflow::export::otlp::otlp_trace_id("1-6955b900-000000030000000000000abc").as_deref(),
        Some("6955b900000000030000000000000abc")
    );
    assert_eq!(eventflow::export::otlp::otlp_trace_id("t-17"), None);
    assert_eq!(
        eventflow::export::otlp::otlp_span_id(26),
        "000000000000001a"
    );
}

// ----- the command line -----

fn eventflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eventflow"))
}

#[test]
fn run_writes_both_exports_and_refuses_to_overwrite_inputs() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let scenario = dir.join("s.json");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/partial-batch.json");
    std::fs::copy(&source, &scenario).expect("copy");
    let (perfetto, otlp) = (dir.join("p.json"), dir.join("o.json"));
    let out = eventflow()
        .arg("run")
        .arg(&scenario)
        .arg("--perfetto")
        .arg(&perfetto)
        .arg("--otlp")
        .arg(&otlp)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |p: &Path| -> Value {
        serde_json::from_slice(&std::fs::read(p).expect("written")).expect("JSON")
    };
    check_perfetto(&read(&perfetto)).expect("perfetto rules");
    assert!(check_otlp(&read(&otlp)).expect("otlp rules") > 5);
    let before = std::fs::read(&scenario).expect("scenario");
    let dash = PathBuf::from("-");
    for (flag, target) in [
        ("--perfetto", &scenario),
        ("--otlp", &scenario),
        ("--otlp", &perfetto),
        ("--perfetto", &dash),
    ] {
        let mut cmd = eventflow();
        cmd.arg("run").arg(&scenario).arg(flag).arg(target);
        if target == &perfetto {
            cmd.arg("--perfetto").arg(&perfetto);
        }
        let out = cmd.output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{flag} {}", target.display());
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    }
    assert_eq!(
        std::fs::read(&scenario).expect("scenario"),
        before,
        "the scenario is untouched"
    );
    let out = eventflow()
        .arg("run")
        .arg(&scenario)
        .arg("--otlp")
        .arg(dir.join("no/such/dir/o.json"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
}

#[test]
fn perfetto_nests_sdk_calls_and_the_init_phase_in_their_invocation() {
    for name in [
        "assets/scenarios/api-table.json",
        "assets/scenarios/new-order.json",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        let (scenario, set) = span_set(&path);
        let doc = eventflow::export::perfetto::to_json(&set, &scenario);
        let events = doc["traceEvents"].as_array().expect("events");
        let slices: HashMap<u64, &Value> = events
            .iter()
            .filter(|e| e["ph"] == "X" && e["cat"] != "init")
            .filter_map(|e| Some((e["args"]["span_id"].as_u64()?, e)))
            .collect();
        let inside = |inner: &Value, outer: &Value| {
            let (s, d) = (
                inner["ts"].as_f64().unwrap_or(-1.0),
                inner["dur"].as_f64().unwrap_or(0.0),
            );
            let (os, od) = (
                outer["ts"].as_f64().unwrap_or(0.0),
                outer["dur"].as_f64().unwrap_or(0.0),
            );
            inner["pid"] == outer["pid"]
                && inner["tid"] == outer["tid"]
                && os < s
                && s + d < os + od
        };
        let calls: Vec<&&Value> = slices.values().filter(|e| e["cat"] == "call").collect();
        assert!(!calls.is_empty(), "{name}: no SDK calls");
        for call in calls {
            let parent = call["args"]["parent_span_id"]
                .as_u64()
                .and_then(|p| slices.get(&p));
            assert!(
                parent.is_some_and(|p| inside(call, p)),
                "{name}: {call} not nested"
            );
        }
        let cold = set
            .spans
            .iter()
            .filter(|s| s.kind == "invoke" && s.init_us > 0)
            .count();
        let inits: Vec<&Value> = events.iter().filter(|e| e["cat"] == "init").collect();
        assert_eq!(inits.len(), cold, "{name}: one Init slice per cold start");
        for init in inits {
            let invoke = init["args"]["span_id"]
                .as_u64()
                .and_then(|p| slices.get(&p));
            assert!(
                invoke.is_some_and(|i| inside(init, i)),
                "{name}: {init} not nested"
            );
        }
    }
}
