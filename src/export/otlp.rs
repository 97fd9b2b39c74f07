//! OTLP/JSON (an `ExportTraceServiceRequest`), as Jaeger's "Upload JSON" reads it (rules:
//! `shared/reference/observability-and-teaching.md` A.11): one request as a tree.
//!
//! - One `resourceSpans` entry per AWS resource (order of first appearance), its resource attributes
//!   `service.name` (the resource's name), `cloud.provider` `aws` and `eventflow.resource_type`; one
//!   `scopeSpans` (`eventflow` and its version) holding the resource's spans in trace order.
//! - `traceId`: the X-Ray trace id's 32 hex digits (`1-` and the dash removed, the documented X-Ray ↔ W3C
//!   conversion); `spanId` / `parentSpanId`: the span id as 16 hex digits (span ids start at 1, never zero);
//!   batch `links` carry the linked span's own trace id.
//! - Times: `settings.start_time` plus virtual time, in nanoseconds as decimal strings; enums as integers
//!   (`kind`: 1 internal, 2 server, 4 producer, 5 consumer, 3 client; `status.code`: 1 ok, 2 error, 0 unset);
//!   attributes as `{key, value: {stringValue | intValue (a string) | boolValue}}`.
//! - Point records become span `events` of the span they name.

use serde_json::{Value, json};

use super::{Attr, Span, SpanEvent, SpanSet};
use crate::scenario::Scenario;

/// OTLP span kinds.
const KIND_INTERNAL: u8 = 1;
const KIND_SERVER: u8 = 2;
const KIND_CLIENT: u8 = 3;
const KIND_PRODUCER: u8 = 4;
const KIND_CONSUMER: u8 = 5;

/// An X-Ray trace id's 32 hex digits (`1-5f84c7a1-0123…` → `5f84c7a10123…`), if it has that form.
pub fn otlp_trace_id(xray: &str) -> Option<String> {
    let hex: String = xray
        .strip_prefix("1-")?
        .chars()
        .filter(|c| *c != '-')
        .collect();
    (hex.len() == 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && hex.bytes().any(|b| b != b'0'))
    .then_some(hex)
}

/// A span id as OTLP's 16 hex digits.
pub fn otlp_span_id(id: u64) -> String {
    format!("{id:016x}")
}

fn any_value(v: &Attr) -> Value {
    match v {
        Attr::Str(s) => json!({ "stringValue": s }),
        Attr::Int(i) => json!({ "intValue": i.to_string() }),
        Attr::Bool(b) => json!({ "boolValue": b }),
    }
}

fn attributes(list: &[(&'static str, Attr)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(k, v)| json!({ "key": k, "value": any_value(v) }))
            .collect(),
    )
}

fn span_kind(span: &Span) -> u8 {
    match span.kind {
        "invoke" if !span.links.is_empty() => KIND_CONSUMER,
        "invoke"
            if span.attributes.iter().any(|(k, v)| {
                *k == "aws.lambda.invocation_type" && *v == Attr::Str("Event".into())
            }) =>
        {
            KIND_CONSUMER
        }
        "invoke" => KIND_SERVER,
        "transit" if span.attributes.iter().any(|(k, _)| *k == "http.route") => KIND_SERVER,
        "call"
            if span.attributes.iter().any(|(k, v)| {
                *k == "rpc.method"
                    && matches!(v, Attr::Str(m) if ["sendMessage", "publish", "putEvents"].contains(&m.as_str()))
            }) =>
        {
            KIND_PRODUCER
        }
        "call" => KIND_CLIENT,
        _ => KIND_INTERNAL,
    }
}

/// The OTLP/JSON document of a run.
pub fn to_json(set: &SpanSet, scenario: &Scenario) -> Value {
    let epoch_ns = u128::try_from(
        scenario
            .settings
            .start_time
            .timestamp_nanos_opt()
            .unwrap_or(0),
    )
    .unwrap_or(0);
    let nanos = |t_us: u64| (epoch_ns + u128::from(t_us) * 1000).to_string();
    let trace_of = |span: &Span| {
        // Trace ids always have the X-Ray form; should one not, the span's chain still gets a valid, non-zero id.
        otlp_trace_id(&span.trace_id).unwrap_or_else(|| format!("{:032x}", span.id))
    };
    let event_json = |e: &SpanEvent| {
        json!({
            "timeUnixNano": nanos(e.t_us),
            "name": e.name,
            "attributes": attributes(&e.attributes),
        })
    };
    let mut resource_spans = Vec::new();
    for resource in set.resources() {
        let spans: Vec<Value> = set
            .spans
            .iter()
            .filter(|s| s.resource == resource)
            .map(|span| {
                let mut v = json!({
                    "traceId": trace_of(span),
                    "spanId": otlp_span_id(span.id),
                    "name": span.name,
                    "kind": span_kind(span),
                    "startTimeUnixNano": nanos(span.start_us),
                    "endTimeUnixNano": nanos(span.end_us.max(span.start_us)),
                    "attributes": attributes(&span.attributes),
                    "events": span.events.iter().map(event_json).collect::<Vec<_>>(),
                    "links": span.links.iter().filter_map(|l| set.get(*l)).map(|linked| json!({
                        "traceId": trace_of(linked),
                        "spanId": otlp_span_id(linked.id),
                        "attributes": [],
                    })).collect::<Vec<_>>(),
                    "status": { "code": if span.failed { 2 } else if span.ended { 1 } else { 0 } },
                });
                if let Some(parent) = span.parent
                    && let Some(obj) = v.as_object_mut()
                {
                    obj.insert("parentSpanId".into(), Value::String(otlp_span_id(parent)));
                }
                v
            })
            .collect();
        if spans.is_empty() {
            continue;
        }
        let ty = scenario
            .find(resource)
            .map(|id| scenario.resource(id).resource_type().name())
            .unwrap_or("resource");
        resource_spans.push(json!({
            "resource": { "attributes": attributes(&[
                ("service.name", Attr::Str(resource.to_string())),
                ("cloud.provider", Attr::Str("aws".into())),
                ("eventflow.resource_type", Attr::Str(ty.to_string())),
            ]) },
            "scopeSpans": [{
                "scope": { "name": "eventflow", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans,
            }],
        }));
    }
    json!({ "resourceSpans": resource_spans })
}
