//! The JSON Lines form of trace records, written by hand into the caller's reused buffer.
//!
//! It writes exactly what `serde_json::to_writer` writes for the derived `Serialize` of
//! [`TraceRecord`] (the trace files' bytes are a contract: `shared/spec/cli-and-trace.md`): `kind` first, then
//! the fields in declaration order, `skip_serializing_if` fields left out when empty, strings escaped as
//! serde_json escapes them (`"`, `\`, and control characters — `\b \t \n \f \r`, else `\u00xx` — and nothing
//! else), numbers as serde_json formats them. JSON values inside records (events, responses, errors) are written by
//! the same escaping and serde_json's own number formatting. Every variant is destructured without `..`, so a
//! field added to a record does not compile until it is written here; tests compare both forms on every kind and on
//! tricky strings and numbers.
//!
//! Why by hand: the profile of `--trace` put serde's generic serialisation and its escaping on top of building the
//! records (issue 15); this writer goes straight to bytes with no per-field dispatch.

use serde_json::Value;

use super::trace::{InvocationType, Ms, RecordId, TraceRecord};
use crate::events::json_text::{push_f64, push_str_bytes, push_u64, push_value};

/// Appends `record` as one JSON line (with the trailing newline) to `out`.
pub(super) fn write_record(record: &TraceRecord, out: &mut Vec<u8>) {
    let mut o = Line::start(out, record.kind());
    match record {
        TraceRecord::Transit {
            t_ms,
            from,
            to,
            arrive_ms,
            trace_id,
            span_id,
            parent_span_id,
            what,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("from", from);
            o.str("to", to);
            o.ms("arrive_ms", *arrive_ms);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("what", what);
        }
        TraceRecord::Invoke {
            t_ms,
            function,
            request_id,
            trace_id,
            span_id,
            parent_span_id,
            links,
            cold_start,
            init_ms,
            invocation_type,
            attempt,
            event,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("function", function);
            o.id("request_id", request_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            if !links.is_empty() {
                o.key("links");
                o.out.push(b'[');
                for (i, link) in links.iter().enumerate() {
                    if i > 0 {
                        o.out.push(b',');
                    }
                    push_u64(o.out, *link);
                }
                o.out.push(b']');
            }
            o.bool("cold_start", *cold_start);
            if let Some(init) = init_ms {
                o.ms("init_ms", *init);
            }
            o.str("invocation_type", invocation_type_str(*invocation_type));
            o.u64("attempt", u64::from(*attempt));
            o.key("event");
            event.write_json(o.out);
        }
        TraceRecord::Result {
            t_ms,
            function,
            request_id,
            trace_id,
            span_id,
            status,
            duration_ms,
            billed_ms,
            response,
            error,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("function", function);
            o.id("request_id", request_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.str("status", status.as_str());
            o.ms("duration_ms", *duration_ms);
            o.u64("billed_ms", *billed_ms);
            o.opt_value("response", response.as_deref());
            o.opt_value("error", error.as_deref());
        }
        TraceRecord::Throttle {
            t_ms,
            function,
            trace_id,
            parent_span_id,
            invocation_type,
            reason,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("function", function);
            o.id("trace_id", trace_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("invocation_type", invocation_type_str(*invocation_type));
            o.str("reason", reason);
        }
        TraceRecord::Retry {
            t_ms,
            resource,
            trace_id,
            span_id,
            parent_span_id,
            attempt,
            delay_ms,
            reason,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("resource", resource);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.u64("attempt", u64::from(*attempt));
            o.ms("delay_ms", *delay_ms);
            o.str("reason", reason);
        }
        TraceRecord::DeadLetter {
            t_ms,
            resource,
            target,
            trace_id,
            parent_span_id,
            reason,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("resource", resource);
            o.str("target", target);
            o.id("trace_id", trace_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("reason", reason);
        }
        TraceRecord::Enqueue {
            t_ms,
            queue,
            message_id,
            trace_id,
            span_id,
            parent_span_id,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("queue", queue);
            o.id("message_id", message_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
        }
        TraceRecord::Dequeue {
            t_ms,
            queue,
            message_id,
            trace_id,
            span_id,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("queue", queue);
            o.id("message_id", message_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
        }
        TraceRecord::Drop {
            t_ms,
            resource,
            trace_id,
            parent_span_id,
            reason,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("resource", resource);
            o.id("trace_id", trace_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("reason", reason);
        }
        TraceRecord::Log {
            t_ms,
            function,
            request_id,
            trace_id,
            parent_span_id,
            message,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("function", function);
            o.id("request_id", request_id);
            o.id("trace_id", trace_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("message", message);
        }
        TraceRecord::Response {
            t_ms,
            api,
            request_id,
            trace_id,
            span_id,
            route,
            status,
            latency_ms,
            body,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("api", api);
            o.id("request_id", request_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.str("route", route);
            o.u64("status", u64::from(*status));
            o.ms("latency_ms", *latency_ms);
            o.str("body", body);
        }
        TraceRecord::Object {
            t_ms,
            bucket,
            key,
            op,
            size,
            trace_id,
            span_id,
            parent_span_id,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("bucket", bucket);
            o.str("key", key);
            o.str("op", op);
            o.u64("size", *size);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
        }
        TraceRecord::Call {
            t_ms,
            function,
            request_id,
            trace_id,
            span_id,
            parent_span_id,
            service,
            operation,
            resource,
            latency_ms,
            error,
            rds,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("function", function);
            o.id("request_id", request_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("service", service);
            o.str("operation", operation);
            o.str("resource", resource);
            o.ms("latency_ms", *latency_ms);
            o.opt_value("error", error.as_deref());
            o.opt_value("rds", rds.as_deref());
        }
        TraceRecord::Connection {
            t_ms,
            resource,
            event,
            client,
            environment,
            trace_id,
            parent_span_id,
            connection,
            open,
            max_connections,
            wait_ms,
            error,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("resource", resource);
            o.str("event", event);
            o.str("client", client);
            o.opt_u64("environment", environment.map(u64::from));
            if let Some(trace_id) = trace_id {
                o.id("trace_id", trace_id);
            }
            o.opt_u64("parent_span_id", *parent_span_id);
            o.opt_u64("connection", *connection);
            o.u64("open", u64::from(*open));
            o.u64("max_connections", u64::from(*max_connections));
            if let Some(wait) = wait_ms {
                o.ms("wait_ms", *wait);
            }
            if let Some(error) = error {
                o.str("error", error);
            }
        }
        TraceRecord::Execution {
            t_ms,
            state_machine,
            execution_arn,
            trace_id,
            span_id,
            status,
            output,
            error,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("state_machine", state_machine);
            o.str("execution_arn", execution_arn);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.str("status", status);
            o.opt_value("output", output.as_deref());
            o.opt_value("error", error.as_deref());
        }
        TraceRecord::State {
            t_ms,
            state_machine,
            execution_arn,
            trace_id,
            parent_span_id,
            state,
            scope,
            event,
            detail,
            // In process only (`#[serde(skip)]`): never written.
            data: _,
            stages: _,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("state_machine", state_machine);
            o.str("execution_arn", execution_arn);
            o.id("trace_id", trace_id);
            o.opt_u64("parent_span_id", *parent_span_id);
            o.str("state", state);
            o.str("scope", scope);
            o.str("event", event);
            if let Some(detail) = detail {
                o.str("detail", detail);
            }
        }
        TraceRecord::Match {
            t_ms,
            rule,
            event_id,
            trace_id,
            span_id,
            parent_span_id,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("rule", rule);
            o.id("event_id", event_id);
            o.id("trace_id", trace_id);
            o.u64("span_id", *span_id);
            o.opt_u64("parent_span_id", *parent_span_id);
        }
        TraceRecord::Fault {
            t_ms,
            resource,
            fault,
            percent,
            extra_ms,
            active,
        } => {
            o.ms("t_ms", *t_ms);
            o.str("resource", resource);
            o.str("fault", fault);
            o.opt_u64("percent", percent.map(u64::from));
            o.opt_u64("extra_ms", extra_ms.map(u64::from));
            o.bool("active", *active);
        }
    }
    o.out.extend_from_slice(b"}\n");
}

/// `InvocationType` as serde writes it (unit variants by name).
fn invocation_type_str(t: InvocationType) -> &'static str {
    match t {
        InvocationType::RequestResponse => "RequestResponse",
        InvocationType::Event => "Event",
    }
}

/// One JSON object being written: `{"kind":"…"` at the start, then `,"key":value` per field.
struct Line<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Line<'a> {
    fn start(out: &'a mut Vec<u8>, kind: &str) -> Line<'a> {
        out.extend_from_slice(b"{\"kind\":");
        push_str_bytes(out, kind.as_bytes());
        Line { out }
    }

    /// `,"key":` — keys are this module's own ASCII names, which need no escaping.
    fn key(&mut self, key: &str) {
        self.out.extend_from_slice(b",\"");
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    /// A string: a `String`, a `&str` or a record's [`super::trace::Text`] (its bytes as held, valid UTF-8 by
    /// construction, not checked again).
    fn str(&mut self, key: &str, v: &(impl AsRef<[u8]> + ?Sized)) {
        self.key(key);
        push_str_bytes(self.out, v.as_ref());
    }

    /// An id: its numbers formatted straight into the line (no escape scan), or its text escaped.
    fn id(&mut self, key: &str, v: &RecordId) {
        self.key(key);
        v.push_json(self.out);
    }

    fn u64(&mut self, key: &str, v: u64) {
        self.key(key);
        push_u64(self.out, v);
    }

    fn opt_u64(&mut self, key: &str, v: Option<u64>) {
        if let Some(v) = v {
            self.u64(key, v);
        }
    }

    fn bool(&mut self, key: &str, v: bool) {
        self.key(key);
        crate::events::json_text::push_bool(self.out, v);
    }

    fn ms(&mut self, key: &str, v: Ms) {
        self.key(key);
        push_ms(self.out, v);
    }

    fn value(&mut self, key: &str, v: &Value) {
        self.key(key);
        push_value(self.out, v);
    }

    fn opt_value(&mut self, key: &str, v: Option<&Value>) {
        if let Some(v) = v {
            self.value(key, v);
        }
    }
}

/// Below this many microseconds (12.7 days) a time's f64 milliseconds are written as its exact decimal: an f64
/// there is finer than 10⁻⁶, so the shortest text that reads back as `us / 1000.0` (serde_json's) is the decimal
/// with its three fractional digits, trailing zeros dropped. Above it, serde_json's own formatting.
const MS_DECIMAL_MAX_US: u64 = 1 << 40;

/// [`Ms`] as its `Serialize` writes it: whole milliseconds as an integer, else the f64 (serde_json's formatting),
/// written as its decimal digits for any time a run reaches (the float formatter was 3 % of a JSON Lines trace).
fn push_ms(out: &mut Vec<u8>, v: Ms) {
    let (whole, frac) = (v.0 / 1000, v.0 % 1000);
    if frac == 0 {
        push_u64(out, whole);
    } else if v.0 < MS_DECIMAL_MAX_US {
        push_u64(out, whole);
        let digits = [
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ];
        let unused = if frac % 10 != 0 {
            0
        } else if frac % 100 != 0 {
            1
        } else {
            2
        };
        // All four appended (a copy of constant length, in place), trailing zeros cut.
        out.extend_from_slice(&digits);
        out.truncate(out.len() - unused);
    } else {
        push_f64(out, v.0 as f64 / 1000.0);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::events::json_text::push_str;
    use crate::sim::trace::Status;

    /// Strings that exercise every escaping rule: quotes, backslashes, each control character, DEL, `/`,
    /// multi-byte UTF-8 (2, 3 and 4 bytes), a lone escape at either end.
    fn tricky_strings() -> Vec<String> {
        let mut v: Vec<String> = vec![
            String::new(),
            "plain".into(),
            "\"".into(),
            "\\".into(),
            "a\"b\\c/d".into(),
            "\u{7f}\u{80}é€😀".into(),
            "\u{2028}\u{2029}\u{feff}".into(),
            "tab\there\nnew\rret\u{8}bs\u{c}ff".into(),
            "\"start and end\"".into(),
            "</script>".into(),
        ];
        v.push((0u8..0x20).map(char::from).collect());
        for c in 0u8..0x20 {
            v.push(format!("x{}y", char::from(c)));
        }
        v
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in tricky_strings() {
            let mut out = Vec::new();
            push_str(&mut out, &s);
            let expected = serde_json::to_vec(&s).expect("a string serialises");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected),
                "{s:?}"
            );
        }
    }

    #[test]
    fn numbers_and_values_are_written_as_serde_json_writes_them() {
        let floats = [
            0.001,
            0.1,
            1.5,
            2.675,
            1e-7,
            1.0e21,
            1.0e22,
            123456.789,
            0.30000000000000004,
            -0.0,
            -1.25,
            5e-324,
            1.7976931348623157e308,
            9007199254740993.0,
        ];
        let mut values: Vec<Value> = floats.iter().map(|f| json!(f)).collect();
        values.extend([
            json!(0),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(-1),
            json!(null),
            json!(true),
            json!([]),
            json!({}),
            json!({"b": [1, -2, 3.5, {"z": null, "a": "\u{1}"}], "a": "é\"\\"}),
        ]);
        values.extend(tricky_strings().into_iter().map(Value::String));
        values.push(Value::Object(
            tricky_strings()
                .into_iter()
                .map(|s| (s.clone(), Value::String(s)))
                .collect(),
        ));
        for v in values {
            let mut out = Vec::new();
            push_value(&mut out, &v);
            let expected = serde_json::to_vec(&v).expect("a value serialises");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected)
            );
        }
        for us in [
            0,
            1,
            999,
            1000,
            1001,
            12_345,
            1_500,
            u64::MAX,
            9_007_199_254_740_993,
        ] {
            let mut out = Vec::new();
            push_ms(&mut out, Ms(us));
            let expected = serde_json::to_vec(&Ms(us)).expect("ms serialises");
            assert_eq!(out, expected, "{us} µs");
        }
    }

    #[test]
    fn times_are_written_as_serde_json_writes_their_f64() {
        // Every microsecond of the first 200 ms, then a spread up to and past the decimal fast path's bound.
        let spread = (0..20_000u64).map(|i| {
            crate::sim::ids::mix64(i) % (MS_DECIMAL_MAX_US + (MS_DECIMAL_MAX_US >> (i % 8)))
        });
        let edges = [
            MS_DECIMAL_MAX_US - 1,
            MS_DECIMAL_MAX_US,
            MS_DECIMAL_MAX_US + 1,
            MS_DECIMAL_MAX_US - 10,
            u64::MAX - 1,
        ];
        let mut out = Vec::new();
        for us in (0..200_000u64).chain(spread).chain(edges) {
            out.clear();
            push_ms(&mut out, Ms(us));
            let expected = serde_json::to_vec(&Ms(us)).expect("ms serialises");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected),
                "{us} µs"
            );
        }
    }

    /// One record of every kind, with optional fields both present and absent and tricky strings inside.
    fn every_kind() -> Vec<TraceRecord> {
        let s = "a\"b\\c\n\u{1}é😀".to_string();
        let event = json!({"body": s, "n": [1, -2, 0.5], "nested": {"k": null, "t": true}});
        let mut records = Vec::new();
        for (present, t) in [(false, Ms(1000)), (true, Ms(1_234_567))] {
            let opt = |v: u64| present.then_some(v);
            let opt_value = |v: &Value| present.then(|| Box::new(v.clone()));
            // Ids as the engine makes them (numbers) in one pass, as other texts in the other.
            let (trace_id, request_id, message_id): (RecordId, RecordId, RecordId) = if present {
                let trace = crate::sim::ids::TraceId {
                    n: 0x1_2345_6789,
                    epoch_s: 0x6955_b900,
                    bits: 0xabc,
                    span: 3,
                    loop_epoch: 0,
                };
                let uuid = |n| {
                    RecordId::uuid(crate::sim::ids::id_bits(
                        9,
                        crate::sim::ids::IdKind::Request,
                        n,
                    ))
                };
                (trace.record_id(), uuid(1), uuid(2))
            } else {
                ("1-abc".into(), "r".into(), "m".into())
            };
            records.extend([
                TraceRecord::Transit {
                    t_ms: t,
                    from: s.as_str().into(),
                    to: "To".into(),
                    arrive_ms: Ms(t.0 + 1),
                    trace_id: trace_id.clone(),
                    span_id: 7,
                    parent_span_id: opt(3),
                    what: "request",
                },
                TraceRecord::Invoke {
                    t_ms: t,
                    function: "F".into(),
                    request_id: s.as_str().into(),
                    trace_id: trace_id.clone(),
                    span_id: 8,
                    parent_span_id: opt(7),
                    links: if present { vec![1, 2, 30] } else { Vec::new() },
                    cold_start: present,
                    init_ms: present.then_some(Ms(250_500)),
                    invocation_type: if present {
                        InvocationType::Event
                    } else {
                        InvocationType::RequestResponse
                    },
                    attempt: 2,
                    event: event.clone().into(),
                },
                TraceRecord::Result {
                    t_ms: t,
                    function: "F".into(),
                    request_id: request_id.clone(),
                    trace_id: trace_id.clone(),
                    span_id: 8,
                    status: if present { Status::Timeout } else { Status::Ok },
                    duration_ms: Ms(5_001),
                    billed_ms: 6,
                    response: present.then(|| std::sync::Arc::new(event.clone())),
                    error: present.then(|| std::sync::Arc::new(json!({"errorType": s}))),
                },
                TraceRecord::Throttle {
                    t_ms: t,
                    function: "F".into(),
                    trace_id: trace_id.clone(),
                    parent_span_id: opt(1),
                    invocation_type: InvocationType::Event,
                    reason: s.clone(),
                },
                TraceRecord::Retry {
                    t_ms: t,
                    resource: "F".into(),
                    trace_id: trace_id.clone(),
                    span_id: 9,
                    parent_span_id: opt(8),
                    attempt: 3,
                    delay_ms: Ms(60_000_000),
                    reason: s.clone(),
                },
                TraceRecord::DeadLetter {
                    t_ms: t,
                    resource: "Q".into(),
                    target: "Dlq".into(),
                    trace_id: trace_id.clone(),
                    parent_span_id: opt(2),
                    reason: s.clone(),
                },
                TraceRecord::Enqueue {
                    t_ms: t,
                    queue: "Q".into(),
                    message_id: message_id.clone(),
                    trace_id: trace_id.clone(),
                    span_id: 10,
                    parent_span_id: opt(9),
                },
                TraceRecord::Dequeue {
                    t_ms: t,
                    queue: "Q".into(),
                    message_id: message_id.clone(),
                    trace_id: trace_id.clone(),
                    span_id: 10,
                },
                TraceRecord::Drop {
                    t_ms: t,
                    resource: "Bus".into(),
                    trace_id: trace_id.clone(),
                    parent_span_id: opt(4),
                    reason: s.clone(),
                },
                TraceRecord::Log {
                    t_ms: t,
                    function: "F".into(),
                    request_id: request_id.clone(),
                    trace_id: trace_id.clone(),
                    parent_span_id: opt(8),
                    message: s.clone(),
                },
                TraceRecord::Response {
                    t_ms: t,
                    api: "Api".into(),
                    request_id: request_id.clone(),
                    trace_id: trace_id.clone(),
                    span_id: 2,
                    route: "POST /orders".into(),
                    status: 502,
                    latency_ms: Ms(12_345),
                    body: s.clone(),
                },
                TraceRecord::Object {
                    t_ms: t,
                    bucket: "B".into(),
                    key: s.clone(),
                    op: "put",
                    size: 1 << 40,
                    trace_id: trace_id.clone(),
                    span_id: 11,
                    parent_span_id: opt(8),
                },
                TraceRecord::Call {
                    t_ms: t,
                    function: "F".into(),
                    request_id: request_id.clone(),
                    trace_id: trace_id.clone(),
                    span_id: 12,
                    parent_span_id: opt(8),
                    service: "sqs",
                    operation: "SendMessage",
                    resource: "Q".into(),
                    latency_ms: Ms(5_500),
                    error: opt_value(&json!({"errorMessage": s})),
                    rds: opt_value(&json!({"rows": 3, "query_ms": 1.25})),
                },
                TraceRecord::Connection {
                    t_ms: t,
                    resource: "Db".into(),
                    event: "connect",
                    client: "F".into(),
                    environment: present.then_some(4),
                    trace_id: present.then(|| trace_id.clone()),
                    parent_span_id: opt(8),
                    connection: opt(2),
                    open: 3,
                    max_connections: 100,
                    wait_ms: present.then_some(Ms(1_001)),
                    error: present.then(|| s.clone()),
                },
                TraceRecord::Execution {
                    t_ms: t,
                    state_machine: "Sm".into(),
                    execution_arn: "arn:aws:states:…".into(),
                    trace_id: trace_id.clone(),
                    span_id: 13,
                    status: "succeeded",
                    output: opt_value(&event),
                    error: opt_value(&json!("States.Timeout")),
                },
                TraceRecord::State {
                    t_ms: t,
                    state_machine: "Sm".into(),
                    execution_arn: "arn".into(),
                    trace_id: trace_id.clone(),
                    parent_span_id: opt(13),
                    state: s.clone(),
                    scope: String::new(),
                    event: "entered",
                    detail: present.then(|| s.clone()),
                    data: opt_value(&event),
                    stages: Default::default(),
                },
                TraceRecord::Match {
                    t_ms: t,
                    rule: "R".into(),
                    event_id: message_id.clone(),
                    trace_id: trace_id.clone(),
                    span_id: 14,
                    parent_span_id: opt(1),
                },
                TraceRecord::Fault {
                    t_ms: t,
                    resource: "F".into(),
                    fault: "errors",
                    percent: present.then_some(50),
                    extra_ms: present.then_some(250),
                    active: present,
                },
            ]);
        }
        records
    }

    /// An `invoke` record whose event is an API request built on demand, payload 2.0 and 1.0.
    fn api_invokes() -> Vec<TraceRecord> {
        use std::sync::Arc;

        use crate::events::apigw::{
            ApiIdentity, ApiProtocol, ApiRequestEvent, HttpRequest, RequestId36,
        };
        let request = Arc::new(HttpRequest {
            method: "POST".into(),
            path: "/items/a%20b".into(),
            headers: vec![
                ("Cookie".into(), "a=1; b=\"2\"".into()),
                ("X-Tricky".into(), "é\u{1}\n".into()),
            ],
            query: vec![("k".into(), "v".into()), ("k".into(), "w".into())],
            body: Some("{\"x\":1}".into()),
            is_base64: false,
        });
        [ApiProtocol::Http, ApiProtocol::Rest]
            .into_iter()
            .map(|protocol| TraceRecord::Invoke {
                t_ms: Ms(1_500),
                function: "F".into(),
                request_id: "r".into(),
                trace_id: "1-abc".into(),
                span_id: 8,
                parent_span_id: Some(7),
                links: Vec::new(),
                cold_start: false,
                init_ms: None,
                invocation_type: InvocationType::RequestResponse,
                attempt: 1,
                event: ApiRequestEvent {
                    protocol,
                    api: Arc::new(ApiIdentity::new(&Default::default(), "a1b2c3d4e5")),
                    request: Arc::clone(&request),
                    route_key: "POST /items/{id}".into(),
                    resource: "/items/{id}".into(),
                    path_params: vec![("id".into(), "a b".into())].into(),
                    request_id: RequestId36::from_text("123e4567-e89b-42d3-a456-426614174000")
                        .expect("36 characters"),
                    time: chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
                }
                .into(),
            })
            .collect()
    }

    #[test]
    fn every_record_kind_is_written_as_serde_json_writes_it() {
        let mut records = every_kind();
        records.extend(api_invokes());
        let mut kinds: Vec<&str> = records.iter().map(TraceRecord::kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), 18, "one record of every kind");
        for r in &records {
            let mut out = Vec::new();
            write_record(r, &mut out);
            let mut expected = serde_json::to_vec(r).expect("a record serialises");
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected)
            );
        }
    }
}
