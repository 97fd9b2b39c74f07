//! Trace records: what the engine tells the world, one JSON object per line (`--trace`), and what the desktop
//! app animates. The kinds and required fields are the public contract of `shared/spec/cli-and-trace.md`; more
//! kinds and fields are additions.
//!
//! Records are plain data (`serde::Serialize`), produced in order of virtual time by the engine and never read
//! back by it.
//!
//! # Causality: spans
//!
//! A *span* is a unit of work; its id (`span_id`, an integer) is unique in the run. Three roles:
//!
//! - **Start records** open a span and carry `span_id` and, unless traffic or a schedule caused them directly,
//!   `parent_span_id`: `transit` (a hop: it covers the trip and what the receiver does with the item until it
//!   opens spans of its own — an API request until its `response`, a StartExecution until its `execution`),
//!   `invoke` (an invocation attempt; a batch invocation also carries `links`: the spans of every message or
//!   stream record in its event), `enqueue` (a message, until its `dequeue`), `retry` (the wait before the next
//!   attempt, which names it as parent), `call` (a handler's SDK call, `latency_ms` long), `object` (an S3 write
//!   or delete) and `match` (a schedule firing).
//! - **End records** name the span they close in `span_id`: `result` (its `invoke`), `dequeue` (its `enqueue`),
//!   `response` (the request's `transit` into the API), `execution` (the `transit` that started it).
//! - **Point records** (`throttle`, `drop`, `dead_letter`, `log`, `state`, `connection`) carry `parent_span_id`: the span
//!   they happened in or because of.
//!
//! So a request's whole tree — every hop, batch, retry, redrive, stream record and Step Functions task — is the
//! set of records reachable from its root through `parent_span_id`, and batches join trees through `links`.
//! Parents and links always come earlier in the trace. What an SDK call causes hangs off the invocation, not off
//! the `call` record (which is written after its effects, once its latency is known). Retries hang off the
//! attempt that failed (async invocations), the message (SQS redelivery) or the first record of the batch
//! (streams); an async invocation's destinations and dead letters hang off its last attempt.
//!
//! Span ids are a counter of the engine (`Sim::open_span`), never the RNG: the same file and seed give the same
//! ids, and collecting the trace or not changes nothing. The current cause travels with the chain's
//! [`super::ids::TraceId`] (`span`), an integer copied along like the trace id itself: span bookkeeping
//! allocates nothing beyond the records' integer fields (and a batch invocation's `links` list).

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::Value;

pub use super::ids::RecordId;
use crate::events::apigw::ApiRequestEvent;

/// A virtual instant or duration in microseconds, written as milliseconds: an integer when whole, else a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Ms(pub u64);

impl Serialize for Ms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(1000) {
            s.serialize_u64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

/// A name in a trace record, without a heap allocation per record: a short text held inline (most resource
/// names), or a longer one shared (`Arc<str>`, made once per resource by the engine: [`super::engine::Sim`]'s
/// table of names). 24 bytes: records hold several and are moved whole (ids are [`RecordId`]s, kept as numbers).
/// Derefs to `str`; serialises, compares and prints as its text.
#[derive(Clone)]
pub enum Text {
    /// A text shared with other records (a resource name), or one too long to hold inline.
    Shared(Arc<str>),
    /// Up to [`Text::INLINE_MAX`] bytes of UTF-8 held in the value.
    Inline {
        len: u8,
        bytes: [u8; Text::INLINE_MAX],
    },
}

impl Text {
    /// The longest text held inline: most resource names (so that a `Text` is 24 bytes).
    pub const INLINE_MAX: usize = 22;

    /// The text as `&str`.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Shared(s) => s,
            // Only ever built from a whole `&str` (below): valid UTF-8.
            Text::Inline { len, bytes } => {
                std::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or(&[])).unwrap_or("")
            }
        }
    }

    /// The text held inline when it fits, else shared.
    pub fn new(s: &str) -> Text {
        if s.len() <= Text::INLINE_MAX {
            let mut bytes = [0u8; Text::INLINE_MAX];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text::Inline {
                len: s.len() as u8,
                bytes,
            }
        } else {
            Text::Shared(Arc::from(s))
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::new("")
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Text {
    /// The text's bytes as held (UTF-8: a `Text` is only ever made from a `&str`), without checking them again.
    fn as_ref(&self) -> &[u8] {
        match self {
            Text::Shared(s) => s.as_bytes(),
            Text::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or(&[]),
        }
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::new(&s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::new(s)
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Self {
        Text::Shared(s)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        t.as_str().to_string()
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Every resource's name as trace records hold it, by resource index: made once per run, so that a record's name
/// is a copy of 24 bytes (or, for a long name, a shared pointer) and never an allocation.
pub(crate) fn record_names(sc: &crate::scenario::Scenario) -> Vec<Text> {
    sc.resources.iter().map(|r| Text::new(&r.id)).collect()
}

impl super::engine::Sim {
    /// A resource's name for a trace record, from the run's table of names (no allocation).
    pub(crate) fn name_text(&self, id: crate::scenario::ResId) -> Text {
        self.record_names
            .get(id.index())
            .cloned()
            .unwrap_or_else(|| Text::new(self.sc.id(id)))
    }

    /// The `n`-th UUID of `kind` for a trace record: its bits, formatted when the record is written.
    pub(crate) fn record_uuid(&self, kind: super::ids::IdKind, n: u64) -> RecordId {
        RecordId::uuid(super::ids::id_bits(self.seed, kind, n))
    }
}

/// The event an invocation receives, as the engine carries it and the `invoke` record keeps it: a JSON value,
/// shared (an EventBridge event or a fixed traffic payload goes to many invocations: cloning the payload clones a
/// pointer), an API Gateway request kept as its parts and built on demand, or `null`. 16 bytes, so the `invoke`
/// record stays small (a `Value` in place would be 72). Whatever the form,
/// [`EventPayload::as_value`] reads the same `Value`, and its JSON (serde or [`EventPayload::write_json`]) is
/// the same bytes.
#[derive(Debug, Clone)]
pub enum EventPayload {
    /// No event: `null` (what an invocation's event is once the app has taken it).
    Null,
    /// A value shared with whoever else holds it.
    Shared(Arc<Value>),
    /// An API Gateway proxy request (payload 1.0 or 2.0), built when read.
    Api(Arc<ApiRequestEvent>),
}

impl Default for EventPayload {
    /// `null`, holding nothing on the heap.
    fn default() -> Self {
        EventPayload::Null
    }
}

impl From<Value> for EventPayload {
    /// The value, shared from now on (an invocation and its record then hold one tree).
    fn from(v: Value) -> Self {
        EventPayload::Shared(Arc::new(v))
    }
}

impl From<Arc<Value>> for EventPayload {
    fn from(v: Arc<Value>) -> Self {
        EventPayload::Shared(v)
    }
}

impl From<ApiRequestEvent> for EventPayload {
    fn from(v: ApiRequestEvent) -> Self {
        EventPayload::Api(Arc::new(v))
    }
}

impl EventPayload {
    /// The event as JSON: borrowed when it is a value, built when it is an API request.
    pub fn as_value(&self) -> Cow<'_, Value> {
        match self {
            EventPayload::Null => Cow::Owned(Value::Null),
            EventPayload::Shared(v) => Cow::Borrowed(v),
            EventPayload::Api(api) => Cow::Owned(api.to_value()),
        }
    }

    /// The event as a `Value` of the caller's.
    pub fn to_value(&self) -> Value {
        self.as_value().into_owned()
    }

    /// The event as a `Value`, taking the tree when this was its last holder.
    pub fn into_value(self) -> Value {
        match self {
            EventPayload::Null => Value::Null,
            EventPayload::Shared(v) => Arc::unwrap_or_clone(v),
            EventPayload::Api(api) => api.to_value(),
        }
    }

    /// Appends the event as compact JSON text, the bytes serde_json writes for [`EventPayload::as_value`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            EventPayload::Null => out.extend_from_slice(b"null"),
            EventPayload::Shared(v) => crate::events::json_text::push_value(out, v),
            EventPayload::Api(api) => api.write_json(out),
        }
    }

    /// Heap bytes kept alive by holding the payload, counting whatever it shares as if this holder were its last
    /// (an estimate, for the app's log of invocation details, whose budget must bound memory however the events
    /// are shared): [`EventPayload::heap_bytes`] plus, for an API request, the client's request.
    pub fn retained_bytes(&self) -> usize {
        match self {
            EventPayload::Api(api) => api.heap_bytes() + api.request.heap_bytes(),
            other => other.heap_bytes(),
        }
    }

    /// Heap bytes the payload holds (an estimate, for a budget of retained records): an API request's own parts
    /// without building it (its shared request is not counted), or a value's nodes, texts and map entries (a
    /// shared value counted whole, as if this holder were its last).
    pub fn heap_bytes(&self) -> usize {
        match self {
            EventPayload::Null => 0,
            EventPayload::Shared(v) => value_heap_bytes(v),
            EventPayload::Api(api) => api.heap_bytes(),
        }
    }
}

/// Heap bytes of a JSON value (an estimate: each node, the texts, and an ordered map's index per entry).
fn value_heap_bytes(v: &Value) -> usize {
    const NODE: usize = std::mem::size_of::<Value>();
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => NODE,
        Value::String(s) => NODE + s.capacity(),
        Value::Array(a) => NODE + a.iter().map(value_heap_bytes).sum::<usize>(),
        Value::Object(m) => {
            NODE + m
                .iter()
                .map(|(k, v)| {
                    k.capacity() + 2 * std::mem::size_of::<usize>() + 24 + value_heap_bytes(v)
                })
                .sum::<usize>()
        }
    }
}

impl PartialEq for EventPayload {
    /// Equal when they read as the same `Value`, whatever their forms.
    fn eq(&self, other: &EventPayload) -> bool {
        *self.as_value() == *other.as_value()
    }
}

impl Serialize for EventPayload {
    /// The event's `Value` (an API request is built for it: the trace's own writer, `write_json`, is the fast path).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_value().serialize(s)
    }
}

/// Outcome of an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Error,
    Timeout,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Timeout => "timeout",
        }
    }
}

/// How a function was invoked (Lambda's `InvocationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InvocationType {
    RequestResponse,
    Event,
}

/// One trace record. Every record has `kind` and `t_ms`; records of one causal chain share `trace_id`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceRecord {
    /// Something leaves `from` at `t_ms` and arrives at `to` at `arrive_ms`.
    Transit {
        t_ms: Ms,
        from: Text,
        to: Text,
        arrive_ms: Ms,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        /// What travels: `request`, `response`, `event`, `invoke`, `object`, `message`, `record`.
        what: &'static str,
    },
    /// A function invocation starts; `event` is exactly what the handler receives.
    Invoke {
        t_ms: Ms,
        function: Text,
        request_id: RecordId,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        /// A batch's other causes: the spans of every message or stream record in `event` (empty otherwise).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        links: Vec<u64>,
        cold_start: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        init_ms: Option<Ms>,
        invocation_type: InvocationType,
        attempt: u32,
        event: EventPayload,
    },
    /// An invocation ends.
    Result {
        t_ms: Ms,
        function: Text,
        request_id: RecordId,
        trace_id: RecordId,
        /// The span this record ends.
        span_id: u64,
        status: Status,
        duration_ms: Ms,
        billed_ms: u64,
        /// Shared: a handler-less function's default answer is one value for every record.
        #[serde(skip_serializing_if = "Option::is_none")]
        response: Option<Arc<Value>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Arc<Value>>,
    },
    /// An invocation was refused for lack of concurrency.
    Throttle {
        t_ms: Ms,
        function: Text,
        trace_id: RecordId,
        /// The span this happened in or because of; absent at the root of a chain.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        invocation_type: InvocationType,
        reason: String,
    },
    /// A delivery or invocation is attempted again (`attempt` is the number of the coming attempt, 2 = first retry).
    Retry {
        t_ms: Ms,
        resource: Text,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        attempt: u32,
        delay_ms: Ms,
        reason: String,
    },
    /// Something moved to a dead-letter queue or an on-failure destination.
    DeadLetter {
        t_ms: Ms,
        resource: Text,
        target: Text,
        trace_id: RecordId,
        /// The span this happened in or because of; absent at the root of a chain.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        reason: String,
    },
    /// A message enters a queue.
    Enqueue {
        t_ms: Ms,
        queue: Text,
        message_id: RecordId,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
    },
    /// A message is deleted from a queue.
    Dequeue {
        t_ms: Ms,
        queue: Text,
        message_id: RecordId,
        trace_id: RecordId,
        /// The span this record ends.
        span_id: u64,
    },
    /// Something was discarded.
    Drop {
        t_ms: Ms,
        resource: Text,
        trace_id: RecordId,
        /// The span this happened in or because of; absent at the root of a chain.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        reason: String,
    },
    /// A line the function logged.
    Log {
        t_ms: Ms,
        function: Text,
        request_id: RecordId,
        trace_id: RecordId,
        /// The span this happened in or because of; absent at the root of a chain.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        message: String,
    },
    /// An API answered its client.
    Response {
        t_ms: Ms,
        api: Text,
        request_id: RecordId,
        trace_id: RecordId,
        /// The span this record ends.
        span_id: u64,
        route: Text,
        status: u16,
        latency_ms: Ms,
        body: String,
    },
    /// An object was written to or deleted from a bucket.
    Object {
        t_ms: Ms,
        bucket: Text,
        key: String,
        op: &'static str,
        size: u64,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
    },
    /// An AWS SDK call made by handler code, at its virtual moment.
    Call {
        t_ms: Ms,
        function: Text,
        request_id: RecordId,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        service: &'static str,
        operation: &'static str,
        resource: Text,
        latency_ms: Ms,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Box<Value>>,
        /// `rds::query`: `{statement, rows, query_ms, connection}` (the database's connection number).
        #[serde(skip_serializing_if = "Option::is_none")]
        rds: Option<Box<Value>>,
    },
    /// A database connection event. On a `database`: `connect`, `refused` (at `max_connections`, with the
    /// engine's error) and `close` (the client's environment was reclaimed, or a proxy let an idle connection
    /// go); `client` is a function (with its `environment`) or a proxy. On a `db_proxy`: `borrow_wait` (`wait_ms`),
    /// `borrow_timeout` (with the error) and `pinned` (`error` holds what pinned the session). `open` and
    /// `max_connections` are the database's connections (a proxy's: its pooled connections and the most it may
    /// open) after the event.
    Connection {
        t_ms: Ms,
        resource: Text,
        event: &'static str,
        client: Text,
        #[serde(skip_serializing_if = "Option::is_none")]
        environment: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        trace_id: Option<RecordId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        connection: Option<u64>,
        open: u32,
        max_connections: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        wait_ms: Option<Ms>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// A Step Functions execution ended (`status` `succeeded` or `failed`).
    Execution {
        t_ms: Ms,
        state_machine: Text,
        execution_arn: Text,
        trace_id: RecordId,
        /// The span this record ends.
        span_id: u64,
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        output: Option<Box<Value>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Box<Value>>,
    },
    /// A step of a Step Functions execution: a state entered or exited, a task scheduled/succeeded/failed, a
    /// wait, a retry, a caught error. `scope` names the Parallel branch or Map iteration ("" at the top).
    State {
        t_ms: Ms,
        state_machine: Text,
        execution_arn: Text,
        trace_id: RecordId,
        /// The span this happened in or because of; absent at the root of a chain.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
        state: String,
        scope: String,
        event: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// In process only, never written: the state's input (`entered`) or output (`exited`), for the UI's
        /// state-by-state view. Left out of trace files so that they stay as they were.
        #[serde(skip)]
        data: Option<Box<Value>>,
        /// In process only, never written: on `exited`, the path stages the input went through
        /// ([`crate::asl::exec::Stages`]), for the UI's inspector.
        #[serde(skip)]
        stages: crate::asl::exec::Stages,
    },
    /// A rule or schedule produced an event for its targets.
    Match {
        t_ms: Ms,
        rule: Text,
        event_id: RecordId,
        trace_id: RecordId,
        /// This record's span (see the module doc).
        span_id: u64,
        /// The span that caused this one; absent when traffic or a schedule started it.
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_span_id: Option<u64>,
    },
    /// An experiment's fault (the app's Experiments window) takes effect on `resource` at `t_ms`, or is lifted
    /// (`active: false`): a run with faults explains itself. Runs without faults never have one.
    Fault {
        t_ms: Ms,
        resource: Text,
        /// What: `errors` (a share of invocations fail), `delay` (invocations last longer), `unavailable` (SDK
        /// calls to the resource are refused) or `trigger_disabled` (the event source mapping stops polling).
        fault: &'static str,
        /// `errors`: the share of invocations that fail, 0–100.
        #[serde(skip_serializing_if = "Option::is_none")]
        percent: Option<u8>,
        /// `delay`: the milliseconds added to every invocation.
        #[serde(skip_serializing_if = "Option::is_none")]
        extra_ms: Option<u32>,
        /// In force from `t_ms` on (`false`: lifted then).
        active: bool,
    },
}

impl TraceRecord {
    /// The record's virtual time in microseconds.
    pub fn t_us(&self) -> u64 {
        match self {
            TraceRecord::Transit { t_ms, .. }
            | TraceRecord::Invoke { t_ms, .. }
            | TraceRecord::Result { t_ms, .. }
            | TraceRecord::Throttle { t_ms, .. }
            | TraceRecord::Retry { t_ms, .. }
            | TraceRecord::DeadLetter { t_ms, .. }
            | TraceRecord::Enqueue { t_ms, .. }
            | TraceRecord::Dequeue { t_ms, .. }
            | TraceRecord::Drop { t_ms, .. }
            | TraceRecord::Log { t_ms, .. }
            | TraceRecord::Response { t_ms, .. }
            | TraceRecord::Object { t_ms, .. }
            | TraceRecord::Call { t_ms, .. }
            | TraceRecord::Connection { t_ms, .. }
            | TraceRecord::Execution { t_ms, .. }
            | TraceRecord::State { t_ms, .. }
            | TraceRecord::Match { t_ms, .. }
            | TraceRecord::Fault { t_ms, .. } => t_ms.0,
        }
    }

    /// The record's kind as written in the trace.
    pub fn kind(&self) -> &'static str {
        match self {
            TraceRecord::Transit { .. } => "transit",
            TraceRecord::Invoke { .. } => "invoke",
            TraceRecord::Result { .. } => "result",
            TraceRecord::Throttle { .. } => "throttle",
            TraceRecord::Retry { .. } => "retry",
            TraceRecord::DeadLetter { .. } => "dead_letter",
            TraceRecord::Enqueue { .. } => "enqueue",
            TraceRecord::Dequeue { .. } => "dequeue",
            TraceRecord::Drop { .. } => "drop",
            TraceRecord::Log { .. } => "log",
            TraceRecord::Response { .. } => "response",
            TraceRecord::Object { .. } => "object",
            TraceRecord::Call { .. } => "call",
            TraceRecord::Connection { .. } => "connection",
            TraceRecord::Execution { .. } => "execution",
            TraceRecord::State { .. } => "state",
            TraceRecord::Match { .. } => "match",
            TraceRecord::Fault { .. } => "fault",
        }
    }

    /// Appends the record as one JSON line (with the trailing newline) to `out`: the bytes `serde_json` writes
    /// for its `Serialize`, by a hand-written writer (`trace_json`).
    pub fn write_line(&self, out: &mut Vec<u8>) {
        super::trace_json::write_record(self, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_writes_integers_when_whole() {
        assert_eq!(
            serde_json::to_string(&Ms(12_000)).ok().as_deref(),
            Some("12")
        );
        assert_eq!(
            serde_json::to_string(&Ms(12_345)).ok().as_deref(),
            Some("12.345")
        );
        assert_eq!(serde_json::to_string(&Ms(0)).ok().as_deref(), Some("0"));
    }

    #[test]
    fn texts_hold_short_names_inline_and_read_as_their_text() {
        let uuid = "123e4567-e89b-42d3-a456-426614174000";
        let long = "a-resource-name-longer-than-thirty-eight-bytes-é";
        let (fits, over) = ("twenty-two-bytes-exact", "twenty-three-bytes-over");
        assert_eq!(
            (fits.len(), over.len()),
            (Text::INLINE_MAX, Text::INLINE_MAX + 1)
        );
        for s in ["", "Api", uuid, "é😀\"\\\n", long, fits, over] {
            let t = Text::new(s);
            assert_eq!(t.as_str(), s);
            assert_eq!(AsRef::<[u8]>::as_ref(&t), s.as_bytes());
            assert_eq!(&*t, s);
            assert_eq!(t, s);
            assert_eq!(t.to_string(), s);
            assert_eq!(String::from(t.clone()), s);
            assert_eq!(
                serde_json::to_string(&t).ok(),
                serde_json::to_string(s).ok()
            );
            assert_eq!(
                matches!(t, Text::Inline { .. }),
                s.len() <= Text::INLINE_MAX
            );
        }
        assert!(Text::new("a") < Text::new("b"));
        assert_eq!(Text::default(), "");
    }

    #[test]
    fn payloads_read_and_write_the_same_json_whatever_their_form() {
        let v = serde_json::json!({"b": [1, -2, 0.5, "x\u{1}"], "a": null});
        for p in [
            EventPayload::from(v.clone()),
            EventPayload::Shared(Arc::new(v.clone())),
        ] {
            assert_eq!(*p.as_value(), v);
            let mut out = Vec::new();
            p.write_json(&mut out);
            assert_eq!(out, serde_json::to_vec(&v).unwrap_or_default());
            assert_eq!(serde_json::to_vec(&p).ok(), serde_json::to_vec(&v).ok());
            assert!(p.heap_bytes() > 0);
            assert_eq!(p.into_value(), v);
        }
        let null = EventPayload::default();
        let mut out = Vec::new();
        null.write_json(&mut out);
        assert_eq!(out, b"null");
        assert_eq!(serde_json::to_vec(&null).ok(), Some(b"null".to_vec()));
        assert_eq!(*null.as_value(), Value::Null);
        assert_eq!(null.heap_bytes(), 0);
        assert_eq!(null.into_value(), Value::Null);
    }

    #[test]
    fn records_stay_small() {
        // Records are moved whole from the engine to their consumer: their size is memory traffic per record.
        // Ids and names are 24 bytes; a JSON value in a record (72 bytes in place) is boxed, an event shared.
        assert_eq!(std::mem::size_of::<RecordId>(), 24);
        assert_eq!(std::mem::size_of::<Text>(), 24);
        assert_eq!(std::mem::size_of::<EventPayload>(), 16);
        let size = std::mem::size_of::<TraceRecord>();
        eprintln!("size_of::<TraceRecord>() = {size}");
        assert!(size <= 232, "{size} bytes");
    }

    #[test]
    fn records_start_with_kind_and_time() {
        let r = TraceRecord::Drop {
            t_ms: Ms(1500),
            resource: "Bus".into(),
            trace_id: "t".into(),
            parent_span_id: None,
            reason: "x".into(),
        };
        let mut out = Vec::new();
        r.write_line(&mut out);
        assert_eq!(
            String::from_utf8_lossy(&out),
            "{\"kind\":\"drop\",\"t_ms\":1.5,\"resource\":\"Bus\",\"trace_id\":\"t\",\"reason\":\"x\"}\n"
        );
    }
}
