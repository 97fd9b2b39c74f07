//! Exports of a run's trace for outside viewers: [`perfetto`] (Chrome trace event format, opens in
//! ui.perfetto.dev: resources over time) and [`otlp`] (OTLP/JSON, opens in Jaeger's "Upload JSON": one request
//! as a tree).
//!
//! Both read the same model, [`SpanSet`], built from trace records by [`SpanSet::add`] in trace order: one
//! [`Span`] per record that opens a span (see `sim::trace`'s module doc), closed by its end record, with the
//! point records (`log`, `throttle`, `drop`, `dead_letter`, `state`) attached to the span they name as events.
//! A span's *resource* is where its work happens: the receiver of a hop, the function of an invocation or an
//! SDK call, the queue of a message, the resource that retries.
//!
//! Everything here is deterministic: spans keep trace order, resources their order of first appearance, and the
//! one hash map is only looked up, never iterated.

pub mod otlp;
pub mod perfetto;

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::sim::{RecordId, Status, TraceRecord};

/// A typed attribute value (OTLP's `AnyValue`, Perfetto's `args`).
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl Attr {
    /// The value as plain JSON (Perfetto `args`).
    pub fn to_json(&self) -> Value {
        match self {
            Attr::Str(s) => Value::String(s.clone()),
            Attr::Int(i) => Value::from(*i),
            Attr::Bool(b) => Value::Bool(*b),
        }
    }
}

/// Something that happened at an instant inside (or, without a parent, outside) a span.
#[derive(Debug, Clone)]
pub struct SpanEvent {
    pub t_us: u64,
    /// The record kind: `log`, `throttle`, `drop`, `dead_letter`, `state`.
    pub name: &'static str,
    /// Where it happened.
    pub resource: String,
    pub attributes: Vec<(&'static str, Attr)>,
}

/// One unit of work, from its start record to its end record.
#[derive(Debug, Clone)]
pub struct Span {
    pub id: u64,
    pub parent: Option<u64>,
    /// A batch invocation's other causes.
    pub links: Vec<u64>,
    /// X-Ray form, as in the trace.
    pub trace_id: String,
    /// The kind of the record that opened it (`transit`, `invoke`, …).
    pub kind: &'static str,
    pub name: String,
    pub resource: String,
    pub start_us: u64,
    pub end_us: u64,
    /// Whether an end record closed it (else it ends at the last record of the run).
    pub ended: bool,
    /// An invocation that failed or timed out, a failed SDK call or execution, an API answer ≥ 500.
    pub failed: bool,
    /// An invocation's cold-start init phase (0 when warm).
    pub init_us: u64,
    pub attributes: Vec<(&'static str, Attr)>,
    pub events: Vec<SpanEvent>,
}

/// The spans of a run, in the order their start records came.
#[derive(Debug, Default)]
pub struct SpanSet {
    pub spans: Vec<Span>,
    /// Point records whose cause is the root of a chain (no parent span).
    pub orphan_events: Vec<SpanEvent>,
    /// Span id → index in `spans` (looked up only).
    index: HashMap<u64, usize>,
    last_us: u64,
}

fn s(v: &str) -> Attr {
    Attr::Str(v.to_string())
}

/// A record's id as an attribute: its text.
fn id_attr(v: &RecordId) -> Attr {
    Attr::Str(v.to_string())
}

impl SpanSet {
    pub fn new() -> SpanSet {
        SpanSet::default()
    }

    /// The span with this id.
    pub fn get(&self, id: u64) -> Option<&Span> {
        self.index.get(&id).and_then(|i| self.spans.get(*i))
    }

    fn open(&mut self, span: Span) {
        self.index.insert(span.id, self.spans.len());
        self.spans.push(span);
    }

    fn span_mut(&mut self, id: u64) -> Option<&mut Span> {
        let i = *self.index.get(&id)?;
        self.spans.get_mut(i)
    }

    fn close(&mut self, id: u64, t_us: u64, failed: bool, attributes: Vec<(&'static str, Attr)>) {
        if let Some(span) = self.span_mut(id) {
            span.end_us = span.end_us.max(t_us);
            span.ended = true;
            span.failed |= failed;
            span.attributes.extend(attributes);
        }
    }

    fn point(&mut self, parent: Option<u64>, event: SpanEvent) {
        match parent.and_then(|p| self.span_mut(p)) {
            Some(span) => span.events.push(event),
            None => self.orphan_events.push(event),
        }
    }

    /// Takes one trace record, in trace order.
    pub fn add(&mut self, record: &TraceRecord) {
        let t_us = record.t_us();
        self.last_us = self.last_us.max(t_us);
        let base = |id: u64,
                    parent: &Option<u64>,
                    trace_id: &RecordId,
                    kind,
                    name,
                    resource: &str,
                    end_us| {
            Span {
                id,
                parent: *parent,
                links: Vec::new(),
                trace_id: trace_id.to_string(),
                kind,
                name,
                resource: resource.to_string(),
                start_us: t_us,
                end_us,
                ended: true,
                failed: false,
                init_us: 0,
                attributes: Vec::new(),
                events: Vec::new(),
            }
        };
        match record {
            TraceRecord::Transit {
                from,
                to,
                arrive_ms,
                trace_id,
                span_id,
                parent_span_id,
                what,
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "transit",
                    format!("{what} {from} → {to}"),
                    to,
                    arrive_ms.0.max(t_us),
                );
                span.attributes = vec![("from", s(from)), ("to", s(to)), ("what", s(what))];
                self.open(span);
            }
            TraceRecord::Invoke {
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
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "invoke",
                    function.to_string(),
                    function,
                    t_us,
                );
                span.ended = false;
                span.links = links.clone();
                span.init_us = init_ms.map_or(0, |m| m.0);
                let invocation_type = match invocation_type {
                    crate::sim::InvocationType::RequestResponse => "RequestResponse",
                    crate::sim::InvocationType::Event => "Event",
                };
                span.attributes = vec![
                    ("faas.invocation_id", id_attr(request_id)),
                    ("faas.coldstart", Attr::Bool(*cold_start)),
                    ("aws.lambda.invocation_type", s(invocation_type)),
                    ("attempt", Attr::Int(i64::from(*attempt))),
                ];
                if !links.is_empty() {
                    let count = i64::try_from(links.len()).unwrap_or(i64::MAX);
                    span.attributes
                        .push(("messaging.batch.message_count", Attr::Int(count)));
                }
                self.open(span);
            }
            TraceRecord::Result {
                span_id,
                status,
                billed_ms,
                ..
            } => {
                let attributes = vec![
                    ("status", s(status.as_str())),
                    (
                        "billed_ms",
                        Attr::Int(i64::try_from(*billed_ms).unwrap_or(i64::MAX)),
                    ),
                ];
                self.close(*span_id, t_us, *status != Status::Ok, attributes);
            }
            TraceRecord::Retry {
                resource,
                trace_id,
                span_id,
                parent_span_id,
                attempt,
                delay_ms,
                reason,
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "retry",
                    format!("retry {resource}"),
                    resource,
                    t_us.saturating_add(delay_ms.0),
                );
                span.attributes = vec![
                    ("attempt", Attr::Int(i64::from(*attempt))),
                    ("reason", s(reason)),
                ];
                self.open(span);
            }
            TraceRecord::Enqueue {
                queue,
                message_id,
                trace_id,
                span_id,
                parent_span_id,
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "enqueue",
                    format!("message {queue}"),
                    queue,
                    t_us,
                );
                span.ended = false;
                span.attributes = vec![
                    ("messaging.system", s("aws_sqs")),
                    ("messaging.destination.name", s(queue)),
                    ("messaging.message.id", id_attr(message_id)),
                ];
                self.open(span);
            }
            TraceRecord::Dequeue { span_id, .. } => self.close(*span_id, t_us, false, Vec::new()),
            TraceRecord::Object {
                bucket,
                key,
                op,
                size,
                trace_id,
                span_id,
                parent_span_id,
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "object",
                    format!("{op} {key}"),
                    bucket,
                    t_us,
                );
                span.attributes = vec![
                    ("aws.s3.key", s(key)),
                    ("size", Attr::Int(i64::try_from(*size).unwrap_or(i64::MAX))),
                ];
                self.open(span);
            }
            TraceRecord::Call {
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
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "call",
                    format!("{service}.{operation} {resource}"),
                    function,
                    t_us.saturating_add(latency_ms.0),
                );
                span.failed = error.is_some();
                span.attributes = vec![
                    ("rpc.system", s("aws-api")),
                    ("rpc.service", s(service)),
                    ("rpc.method", s(operation)),
                    ("aws.resource", s(resource)),
                    ("faas.invocation_id", id_attr(request_id)),
                ];
                self.open(span);
            }
            TraceRecord::Match {
                rule,
                event_id,
                trace_id,
                span_id,
                parent_span_id,
                ..
            } => {
                let mut span = base(
                    *span_id,
                    parent_span_id,
                    trace_id,
                    "match",
                    format!("fire {rule}"),
                    rule,
                    t_us,
                );
                span.attributes = vec![("event_id", id_attr(event_id))];
                self.open(span);
            }
            TraceRecord::Response {
                api,
                request_id,
                span_id,
                route,
                status,
                latency_ms,
                ..
            } => {
                let attributes = vec![
                    ("http.route", s(route)),
                    ("http.response.status_code", Attr::Int(i64::from(*status))),
                    ("aws.api.request_id", id_attr(request_id)),
                    ("aws.api", s(api)),
                    (
                        "latency_us",
                        Attr::Int(i64::try_from(latency_ms.0).unwrap_or(i64::MAX)),
                    ),
                ];
                self.close(*span_id, t_us, *status >= 500, attributes);
            }
            TraceRecord::Execution {
                execution_arn,
                span_id,
                status,
                ..
            } => {
                let attributes = vec![
                    ("aws.states.execution_arn", s(execution_arn)),
                    ("status", s(status)),
                ];
                self.close(
                    *span_id,
                    t_us,
                    matches!(*status, "failed" | "timed_out"),
                    attributes,
                );
            }
            TraceRecord::Fault {
                resource,
                fault,
                percent,
                extra_ms,
                active,
                ..
            } => {
                // An experiment's fault belongs to no request: an event of the run.
                let mut attributes = vec![("fault", s(fault)), ("active", Attr::Bool(*active))];
                if let Some(p) = percent {
                    attributes.push(("percent", Attr::Int(i64::from(*p))));
                }
                if let Some(ms) = extra_ms {
                    attributes.push(("extra_ms", Attr::Int(i64::from(*ms))));
                }
                self.point(
                    None,
                    SpanEvent {
                        t_us,
                        name: "fault",
                        resource: resource.to_string(),
                        attributes,
                    },
                )
            }
            TraceRecord::Connection {
                resource,
                parent_span_id,
                event,
                client,
                error,
                ..
            } => {
                let mut attributes = vec![("event", s(event)), ("client", s(client))];
                if let Some(e) = error {
                    attributes.push(("error", s(e)));
                }
                self.point(
                    *parent_span_id,
                    SpanEvent {
                        t_us,
                        name: "connection",
                        resource: resource.to_string(),
                        attributes,
                    },
                )
            }
            TraceRecord::Throttle {
                function,
                parent_span_id,
                reason,
                ..
            } => self.point(
                *parent_span_id,
                SpanEvent {
                    t_us,
                    name: "throttle",
                    resource: function.to_string(),
                    attributes: vec![("reason", s(reason))],
                },
            ),
            TraceRecord::Drop {
                resource,
                parent_span_id,
                reason,
                ..
            } => self.point(
                *parent_span_id,
                SpanEvent {
                    t_us,
                    name: "drop",
                    resource: resource.to_string(),
                    attributes: vec![("reason", s(reason))],
                },
            ),
            TraceRecord::DeadLetter {
                resource,
                target,
                parent_span_id,
                reason,
                ..
            } => self.point(
                *parent_span_id,
                SpanEvent {
                    t_us,
                    name: "dead_letter",
                    resource: resource.to_string(),
                    attributes: vec![("target", s(target)), ("reason", s(reason))],
                },
            ),
            TraceRecord::Log {
                function,
                parent_span_id,
                message,
                ..
            } => self.point(
                *parent_span_id,
                SpanEvent {
                    t_us,
                    name: "log",
                    resource: function.to_string(),
                    attributes: vec![("message", s(message))],
                },
            ),
            TraceRecord::State {
                state_machine,
                parent_span_id,
                state,
                scope,
                event,
                detail,
                ..
            } => {
                let mut attributes = vec![("state", s(state)), ("event", s(event))];
                if !scope.is_empty() {
                    attributes.push(("scope", s(scope)));
                }
                if let Some(d) = detail {
                    attributes.push(("detail", s(d)));
                }
                self.point(
                    *parent_span_id,
                    SpanEvent {
                        t_us,
                        name: "state",
                        resource: state_machine.to_string(),
                        attributes,
                    },
                );
            }
        }
    }

    /// Ends the spans no end record closed (a message still queued, an invocation running when the run
    /// stopped) at the last record's time.
    pub fn finish(&mut self) {
        let last = self.last_us;
        for span in &mut self.spans {
            if !span.ended {
                span.end_us = span.end_us.max(last);
            }
        }
    }

    /// Resources in order of first appearance (as a span's resource or an event's).
    pub fn resources(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        let mut known = std::collections::HashSet::new();
        let names = self
            .spans
            .iter()
            .map(|s| s.resource.as_str())
            .chain(self.orphan_events.iter().map(|e| e.resource.as_str()))
            .chain(
                self.spans
                    .iter()
                    .flat_map(|s| s.events.iter().map(|e| e.resource.as_str())),
            );
        for name in names {
            if known.insert(name) {
                seen.push(name);
            }
        }
        seen
    }
}

/// How an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Writes an export atomically (a temporary file renamed over `path`): a failed write leaves no half file.
pub fn write_file(path: &Path, text: &str) -> Result<(), ExportError> {
    crate::fileio::write_atomic(path, text).map_err(|source| ExportError::Write {
        path: path.display().to_string(),
        source,
    })
}
