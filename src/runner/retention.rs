//! Retained run data of the app: compact invocation rows under a memory cap, detail materialised on demand.
//!
//! A long run at load produces millions of invocations. Keeping each one's event, response and logs as JSON
//! values costs kilobytes per invocation (issue 15 measured ~1.4 KB per engine event), so the app keeps:
//!
//! - one [`CompactInvocation`] per invocation (~72 bytes): the function as an interned [`Sym`], request and trace
//!   ids packed to 16 bytes ([`PackedId`]), times, status and small numbers;
//! - the full detail ([`InvDetail`]: event, response, error, log lines) only for the most recent invocations,
//!   within a byte budget ([`RetentionLimits::detail_bytes`]); older detail is forgotten first. The event stays
//!   the engine's [`EventPayload`] (an API request kept as its parts, a shared value) and becomes a `Value` only
//!   when shown; its bytes are counted with whatever it shares, so the budget bounds memory however it is shared;
//! - a hard cap on everything it retains ([`RetentionLimits::cap_bytes`], 1 GB by default, `open
//!   --memory-cap-mb`): beyond it the oldest rows are dropped, a tenth at a time, and counted
//!   ([`Retained::dropped_rows`]) so the log can say so.
//!
//! The run is deterministic, so any forgotten detail can be rebuilt: [`materialise`] re-runs the scenario from
//! t = 0 with the recorded fault changes to the invocation's end and keeps only that invocation's records;
//! [`DetailJob`] does it on a thread of its own so neither the UI nor the live run waits, and a job that is
//! dropped (the user clicked another row) stops its re-run within one batch of events.
//!
//! [`record_bytes`] estimates what a trace record holds, for the runner's budget of records in flight.

use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use serde_json::Value;

use super::{Cursor, Recorded, RecordedFault, RecordedInjection, panic_text, run_with_recorded};
use crate::scenario::Scenario;
use crate::sim::trace::EventPayload;
use crate::sim::{Sim, SimOptions, Status, TraceRecord};

/// The default cap on what the app retains of a run: 1 GiB.
pub const DEFAULT_CAP_BYTES: usize = 1 << 30;
/// Most bytes of detail (events, responses, logs) kept, at most this share of the cap: 1/16.
pub const DETAIL_SHARE_OF_CAP: usize = 16;
/// Detail kept at most, whatever the cap: 16 MiB (the most recent several thousand invocations; older detail is
/// rebuilt on demand — a larger budget is a constant that a ≤ 100 bytes per engine event average cannot carry).
pub const MAX_DETAIL_BYTES: usize = 16 << 20;

/// How much the app may retain of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionLimits {
    /// Everything retained (rows, ids, detail): beyond it the oldest rows are dropped.
    pub cap_bytes: usize,
    /// Detail kept for the most recent invocations; older detail is rebuilt on demand.
    pub detail_bytes: usize,
}

impl Default for RetentionLimits {
    fn default() -> Self {
        RetentionLimits::with_cap_bytes(DEFAULT_CAP_BYTES)
    }
}

impl RetentionLimits {
    /// Limits under a cap of `cap_bytes`; the detail budget is its share of it.
    pub fn with_cap_bytes(cap_bytes: usize) -> RetentionLimits {
        RetentionLimits {
            cap_bytes,
            detail_bytes: (cap_bytes / DETAIL_SHARE_OF_CAP).min(MAX_DETAIL_BYTES),
        }
    }

    /// Limits under a cap of `mb` megabytes (10⁶ bytes, as `--memory-cap-mb` says).
    pub fn with_cap_mb(mb: u64) -> RetentionLimits {
        RetentionLimits::with_cap_bytes(
            usize::try_from(mb.saturating_mul(1_000_000)).unwrap_or(usize::MAX),
        )
    }
}

/// An interned name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

/// Names stored once, referred to by [`Sym`].
#[derive(Debug, Default)]
pub struct Interner {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
    bytes: usize,
}

impl Interner {
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&i) = self.index.get(name) {
            return Sym(i);
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let name: Arc<str> = Arc::from(name);
        self.bytes += name.len() + 2 * std::mem::size_of::<Arc<str>>() + 32;
        self.names.push(name.clone());
        self.index.insert(name, i);
        Sym(i)
    }

    /// The symbol of `name`, if it was interned.
    pub fn lookup(&self, name: &str) -> Option<Sym> {
        self.index.get(name).map(|&i| Sym(i))
    }

    /// The name of `sym` (empty for a symbol of another interner).
    pub fn name(&self, sym: Sym) -> &Arc<str> {
        static EMPTY: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
        self.names
            .get(sym.0 as usize)
            .unwrap_or_else(|| EMPTY.get_or_init(|| Arc::from("")))
    }

    /// Every name, in the order first seen.
    pub fn names(&self) -> &[Arc<str>] {
        &self.names
    }

    /// Bytes held (an estimate: the texts and the table).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A request or trace id, packed: a UUID (`8-4-4-4-12` lower-case hex) or an X-Ray trace id (`1-` 8 hex `-` 24
/// hex) in 16 bytes; any other text interned. [`PackedId::text`] gives back exactly the text packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackedId {
    Uuid([u8; 16]),
    XRay([u8; 16]),
    Other(Sym),
}

/// Where the 32 hex digits of each shape sit (the other characters are fixed).
const UUID_DASHES: [usize; 4] = [8, 13, 18, 23];
const XRAY_DASHES: [usize; 2] = [1, 10];

impl PackedId {
    /// Packs `text`, interning it when it has neither shape.
    pub fn pack(text: &str, others: &mut Interner) -> PackedId {
        PackedId::packed(text).unwrap_or_else(|| PackedId::Other(others.intern(text)))
    }

    /// The packed form of `text` without interning (`None` for an unknown text that is not of either shape).
    pub fn find(text: &str, others: &Interner) -> Option<PackedId> {
        PackedId::packed(text).or_else(|| others.lookup(text).map(PackedId::Other))
    }

    fn packed(text: &str) -> Option<PackedId> {
        let b = text.as_bytes();
        if b.len() == 36 && UUID_DASHES.iter().all(|&i| b[i] == b'-') {
            return hex16(b, &UUID_DASHES).map(PackedId::Uuid);
        }
        if b.len() == 35 && b[0] == b'1' && XRAY_DASHES.iter().all(|&i| b[i] == b'-') {
            return hex16(&b[2..], &[8]).map(PackedId::XRay);
        }
        None
    }

    /// The id's text.
    pub fn text(&self, others: &Interner) -> String {
        match self {
            PackedId::Uuid(bytes) => {
                let mut s = String::with_capacity(36);
                for (i, b) in bytes.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        s.push('-');
                    }
                    push_byte(&mut s, *b);
                }
                s
            }
            PackedId::XRay(bytes) => {
                let mut s = String::with_capacity(35);
                s.push_str("1-");
                for (i, b) in bytes.iter().enumerate() {
                    if i == 4 {
                        s.push('-');
                    }
                    push_byte(&mut s, *b);
                }
                s
            }
            PackedId::Other(sym) => others.name(*sym).to_string(),
        }
    }
}

fn push_byte(s: &mut String, b: u8) {
    s.push(char::from(HEX[usize::from(b >> 4)]));
    s.push(char::from(HEX[usize::from(b & 0xf)]));
}

/// 32 lower-case hex digits of `b` (skipping the bytes at `dashes`) as 16 bytes; `None` unless `b` is exactly
/// that.
fn hex16(b: &[u8], dashes: &[usize]) -> Option<[u8; 16]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 16];
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if dashes.contains(&i) {
            continue;
        }
        let d = digit(c)?;
        let slot = out.get_mut(n / 2)?;
        *slot = if n % 2 == 0 { d << 4 } else { *slot | d };
        n += 1;
    }
    (n == 32).then_some(out)
}

/// Marks "no init" in [`CompactInvocation::init_us`].
const NO_INIT: u32 = u32::MAX;

/// One invocation as the log keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactInvocation {
    pub function: Sym,
    pub request: PackedId,
    pub trace: PackedId,
    pub start_us: u64,
    /// Saturates at `u32::MAX` µs (71 minutes; Lambda's longest timeout is 15 minutes).
    pub duration_us: u32,
    init_us: u32,
    pub billed_ms: u32,
    pub attempt: u16,
    pub status: Option<Status>,
    pub cold_start: bool,
}

impl CompactInvocation {
    /// The cold start's init duration, if any.
    pub fn init_us(&self) -> Option<u64> {
        (self.init_us != NO_INIT).then_some(u64::from(self.init_us))
    }
}

/// What an invocation received, answered and logged: the part kept only for recent invocations.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InvDetail {
    /// As the engine made it (an API request event stays its parts): built as a `Value` only when shown.
    pub event: EventPayload,
    pub response: Option<Value>,
    pub error: Option<Value>,
    pub logs: Vec<(u64, String)>,
}

impl InvDetail {
    /// Bytes it holds in the log (an estimate): its slot and its heap.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<(u64, InvDetail)>()
            + self.event.retained_bytes()
            + self.response.as_ref().map_or(0, value_bytes)
            + self.error.as_ref().map_or(0, value_bytes)
            + self
                .logs
                .iter()
                .map(|(_, m)| m.len() + std::mem::size_of::<(u64, String)>())
                .sum::<usize>()
    }
}

/// Heap bytes of a JSON value (an estimate: each node, the texts, and an ordered map's index per entry).
pub fn value_bytes(v: &Value) -> usize {
    const NODE: usize = std::mem::size_of::<Value>();
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => NODE,
        Value::String(s) => NODE + s.capacity(),
        Value::Array(a) => NODE + a.iter().map(value_bytes).sum::<usize>(),
        Value::Object(m) => {
            NODE + m
                .iter()
                .map(|(k, v)| k.capacity() + 2 * std::mem::size_of::<usize>() + 24 + value_bytes(v))
                .sum::<usize>()
        }
    }
}

/// What the names and ids of a trace record hold on the heap, about: a resource name, a request id and a trace id.
const RECORD_TEXT_BYTES: usize = 24 + 36 + 35;

/// Bytes a trace record holds (an estimate: its slot, its names and ids, and its payloads — events, responses,
/// errors, log lines, bodies, state data), for the runner's budget of records in flight.
pub fn record_bytes(r: &TraceRecord) -> usize {
    let value = |v: &Value| value_bytes(v);
    let payload = match r {
        TraceRecord::Invoke { event, .. } => event.heap_bytes(),
        TraceRecord::Result {
            response, error, ..
        } => response.as_ref().map_or(0, |v| value(v)) + error.as_ref().map_or(0, |v| value(v)),
        TraceRecord::Log { message, .. } => message.len(),
        TraceRecord::Response { body, .. } => body.len(),
        TraceRecord::Call { error, rds, .. } => {
            error.as_ref().map_or(0, |v| value(v)) + rds.as_ref().map_or(0, |v| value(v))
        }
        TraceRecord::Execution { output, error, .. } => {
            output.as_ref().map_or(0, |v| value(v)) + error.as_ref().map_or(0, |v| value(v))
        }
        TraceRecord::State { data, detail, .. } => {
            data.as_ref().map_or(0, |v| value(v)) + detail.as_ref().map_or(0, |d| d.len())
        }
        _ => 0,
    };
    std::mem::size_of::<TraceRecord>() + RECORD_TEXT_BYTES + payload
}

/// The invocations of a run as the app retains them (see the module doc). Rows are addressed by their position
/// (0 = the oldest still kept); dropping rows shifts positions, and [`Retained::push_invoke`] says by how much.
#[derive(Debug, Default)]
pub struct Retained {
    limits: RetentionLimits,
    rows: VecDeque<CompactInvocation>,
    /// Sequence number (since the run began) of `rows[0]`.
    first_seq: u64,
    /// Invocations waiting for their result or logs, by request id: sequence number.
    running: HashMap<PackedId, u64>,
    /// Detail of recent invocations, by ascending sequence number.
    details: VecDeque<(u64, InvDetail)>,
    detail_bytes: usize,
    functions: Interner,
    /// Ids of neither packed shape.
    other_ids: Interner,
    dropped_rows: u64,
}

impl Retained {
    pub fn new(limits: RetentionLimits) -> Retained {
        Retained {
            limits,
            ..Retained::default()
        }
    }

    pub fn limits(&self) -> RetentionLimits {
        self.limits
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows dropped from the front under the cap since the run began.
    pub fn dropped_rows(&self) -> u64 {
        self.dropped_rows
    }

    /// Sequence number (since the run began) of the row at `i`.
    pub fn seq(&self, i: usize) -> u64 {
        self.first_seq + i as u64
    }

    /// The position of the row with sequence number `seq`, if it is still kept.
    pub fn position(&self, seq: u64) -> Option<usize> {
        let i = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        (i < self.rows.len()).then_some(i)
    }

    pub fn get(&self, i: usize) -> Option<&CompactInvocation> {
        self.rows.get(i)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &CompactInvocation> + ExactSizeIterator {
        self.rows.iter()
    }

    /// The interned function names, in the order first seen.
    pub fn functions(&self) -> &Interner {
        &self.functions
    }

    pub fn id_text(&self, id: &PackedId) -> String {
        id.text(&self.other_ids)
    }

    /// The packed form of an id text, if any row can have it.
    pub fn find_id(&self, text: &str) -> Option<PackedId> {
        PackedId::find(text, &self.other_ids)
    }

    /// The retained detail of the row at `i`.
    pub fn detail(&self, i: usize) -> Option<&InvDetail> {
        self.detail_by_seq(self.seq(i))
    }

    fn detail_by_seq(&self, seq: u64) -> Option<&InvDetail> {
        let k = self.details.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        self.details.get(k).map(|(_, d)| d)
    }

    fn detail_by_seq_mut(&mut self, seq: u64) -> Option<&mut InvDetail> {
        let k = self.details.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        self.details.get_mut(k).map(|(_, d)| d)
    }

    /// Bytes retained (an estimate: rows and tables by capacity, ids, detail).
    pub fn retained_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<CompactInvocation>()
            + self.running.capacity() * (std::mem::size_of::<(PackedId, u64)>() + 8)
            + (self.details.capacity() - self.details.len())
                * std::mem::size_of::<(u64, InvDetail)>()
            + self.detail_bytes
            + self.functions.bytes()
            + self.other_ids.bytes()
    }

    /// An invocation starts. Returns how many rows were dropped from the front to stay under the cap.
    #[allow(clippy::too_many_arguments)]
    pub fn push_invoke(
        &mut self,
        function: &str,
        request_id: &str,
        trace_id: &str,
        start_us: u64,
        cold_start: bool,
        init_us: Option<u64>,
        attempt: u32,
        event: EventPayload,
    ) -> usize {
        let request = PackedId::pack(request_id, &mut self.other_ids);
        let row = CompactInvocation {
            function: self.functions.intern(function),
            request,
            trace: PackedId::pack(trace_id, &mut self.other_ids),
            start_us,
            duration_us: 0,
            init_us: init_us.map_or(NO_INIT, |us| u32::try_from(us).unwrap_or(NO_INIT - 1)),
            billed_ms: 0,
            attempt: u16::try_from(attempt).unwrap_or(u16::MAX),
            status: None,
            cold_start,
        };
        let seq = self.first_seq + self.rows.len() as u64;
        if self.rows.len() == self.rows.capacity() {
            // Grow by doubling, but never past what the cap allows: the rows' allocation stays under it too.
            let want = (self.rows.capacity() * 2)
                .max(64)
                .min(self.max_rows())
                .max(self.rows.len() + 1);
            self.rows.reserve_exact(want - self.rows.len());
        }
        self.rows.push_back(row);
        self.running.insert(request, seq);
        let detail = InvDetail {
            event,
            ..InvDetail::default()
        };
        self.detail_bytes += detail.bytes();
        self.details.push_back((seq, detail));
        self.enforce()
    }

    /// An invocation ends. False when its row is not kept (dropped, or never seen).
    #[allow(clippy::too_many_arguments)]
    pub fn push_result(
        &mut self,
        request_id: &str,
        status: Status,
        duration_us: u64,
        billed_ms: u64,
        response: Option<Value>,
        error: Option<Value>,
    ) -> bool {
        let Some(id) = self.find_id(request_id) else {
            return false;
        };
        let Some(seq) = self.running.remove(&id) else {
            return false;
        };
        let Some(row) = self.position(seq).and_then(|i| self.rows.get_mut(i)) else {
            return false;
        };
        row.status = Some(status);
        row.duration_us = u32::try_from(duration_us).unwrap_or(u32::MAX);
        row.billed_ms = u32::try_from(billed_ms).unwrap_or(u32::MAX);
        if let Some(d) = self.detail_by_seq_mut(seq) {
            let added =
                response.as_ref().map_or(0, value_bytes) + error.as_ref().map_or(0, value_bytes);
            d.response = response;
            d.error = error;
            self.detail_bytes += added;
            self.forget_old_detail();
        }
        true
    }

    /// A line an invocation logged (kept with its detail while that is retained).
    pub fn push_log(&mut self, request_id: &str, t_us: u64, message: String) {
        let Some(seq) = self
            .find_id(request_id)
            .and_then(|id| self.running.get(&id).copied())
        else {
            return;
        };
        let added = message.len() + std::mem::size_of::<(u64, String)>();
        if let Some(d) = self.detail_by_seq_mut(seq) {
            d.logs.push((t_us, message));
            self.detail_bytes += added;
            self.forget_old_detail();
        }
    }

    /// Most rows the cap leaves room for beside the detail budget.
    fn max_rows(&self) -> usize {
        self.limits
            .cap_bytes
            .saturating_sub(self.limits.detail_bytes)
            / std::mem::size_of::<CompactInvocation>()
    }

    /// Bytes counted against the cap: like [`Retained::retained_bytes`], rows by length (their allocation is
    /// bounded by [`Retained::max_rows`]).
    fn counted_bytes(&self) -> usize {
        self.rows.len() * std::mem::size_of::<CompactInvocation>()
            + self.running.len() * (std::mem::size_of::<(PackedId, u64)>() + 8)
            + self.detail_bytes
            + self.functions.bytes()
            + self.other_ids.bytes()
    }

    /// Forgets the oldest detail beyond its budget.
    fn forget_old_detail(&mut self) {
        while self.detail_bytes > self.limits.detail_bytes {
            let Some((_, d)) = self.details.pop_front() else {
                break;
            };
            self.detail_bytes = self.detail_bytes.saturating_sub(d.bytes());
        }
        if self.details.is_empty() {
            self.detail_bytes = 0;
        }
    }

    /// Forgets the oldest detail beyond its budget, then drops the oldest rows while the rest and a full detail
    /// budget would not fit under the cap (a tenth at a time, so dropping is amortised): the cap then holds
    /// whatever detail comes later. Returns how many rows were dropped.
    fn enforce(&mut self) -> usize {
        self.forget_old_detail();
        let mut dropped = 0;
        while self.counted_bytes() - self.detail_bytes + self.limits.detail_bytes
            > self.limits.cap_bytes
            && !self.rows.is_empty()
        {
            let n = (self.rows.len() / 10).max(1);
            self.rows.drain(..n);
            self.first_seq += n as u64;
            let first = self.first_seq;
            self.running.retain(|_, seq| *seq >= first);
            while self.details.front().is_some_and(|(s, _)| *s < first) {
                if let Some((_, d)) = self.details.pop_front() {
                    self.detail_bytes = self.detail_bytes.saturating_sub(d.bytes());
                }
            }
            self.dropped_rows += n as u64;
            dropped += n;
        }
        dropped
    }
}

/// What [`materialise`] answers when its cancel flag was raised.
pub const CANCELLED: &str = "the re-run was cancelled";

/// Rebuilds the detail of one invocation by re-running `sc` from t = 0 with the recorded fault changes and test
/// events, keeping only the records of `request_id`, until its result or `until_us` (the live run's time: the
/// re-run sees no further). `Ok(None)`: the run never invoked it. An engine panic becomes an error message; so
/// does `cancel` raised (checked after each batch of at most [`super::EVENTS_PER_TICK`] events): [`CANCELLED`].
pub fn materialise(
    sc: Arc<Scenario>,
    recorded: Recorded<'_>,
    request_id: &str,
    until_us: u64,
    cancel: &AtomicBool,
) -> Result<Option<InvDetail>, String> {
    let found = catch_unwind(AssertUnwindSafe(|| {
        let mut sim = Sim::new(
            sc,
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        let mut found: Option<InvDetail> = None;
        let mut at = Cursor::default();
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(CANCELLED.to_string());
            }
            let before = (sim.events_processed(), at);
            run_with_recorded(&mut sim, until_us, recorded, &mut at);
            for r in sim.take_trace() {
                match r {
                    TraceRecord::Invoke {
                        request_id: id,
                        event,
                        ..
                    } if id == request_id => {
                        found = Some(InvDetail {
                            event,
                            ..InvDetail::default()
                        });
                    }
                    TraceRecord::Log {
                        request_id: id,
                        t_ms,
                        message,
                        ..
                    } if id == request_id => {
                        if let Some(d) = &mut found {
                            d.logs.push((t_ms.0, message));
                        }
                    }
                    TraceRecord::Result {
                        request_id: id,
                        response,
                        error,
                        ..
                    } if id == request_id => {
                        if let Some(mut d) = found.take() {
                            d.response = response.map(Arc::unwrap_or_clone);
                            d.error = error.map(Arc::unwrap_or_clone);
                            return Ok(Some(d));
                        }
                    }
                    _ => {}
                }
            }
            if (sim.events_processed(), at) == before {
                return Ok(found);
            }
        }
    }));
    found.unwrap_or_else(|p| {
        Err(format!(
            "the simulation stopped on an internal error (a bug): {}",
            panic_text(&*p)
        ))
    })
}

/// A [`materialise`] under way on a thread of its own. Dropping it cancels the re-run (a newer one replaces it:
/// rapid clicks through the log leave one re-run working, not one per click).
pub struct DetailJob {
    /// The sequence number of the row it is for.
    pub seq: u64,
    answer: Receiver<Result<Option<InvDetail>, String>>,
    /// Raised to stop the re-run; the thread holds the other reference while it runs.
    cancel: Arc<AtomicBool>,
}

impl DetailJob {
    /// Starts rebuilding the detail of row `seq` (request `request_id`).
    pub fn spawn(
        seq: u64,
        sc: Arc<Scenario>,
        faults: Vec<RecordedFault>,
        injections: Vec<RecordedInjection>,
        request_id: String,
        until_us: u64,
    ) -> Result<DetailJob, String> {
        let (tx, rx) = bounded(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let cancelled = cancel.clone();
        std::thread::Builder::new()
            .name("eventflow-detail".into())
            .spawn(move || {
                let recorded = Recorded {
                    faults: &faults,
                    injections: &injections,
                };
                let _ = tx.send(materialise(sc, recorded, &request_id, until_us, &cancelled));
            })
            .map_err(|e| format!("cannot start the re-run: {e}"))?;
        Ok(DetailJob {
            seq,
            answer: rx,
            cancel,
        })
    }

    /// Stops the re-run (it answers [`CANCELLED`] after its current batch of events).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The answer, once it is there.
    pub fn poll(&self) -> Option<Result<Option<InvDetail>, String>> {
        match self.answer.try_recv() {
            Ok(a) => Some(a),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err("the re-run stopped".into())),
        }
    }
}

impl Drop for DetailJob {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const UUID: &str = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff";
    const XRAY: &str = "1-6955b900-000000030000000000000abc";

    fn uuid(n: u64) -> String {
        crate::sim::ids::uuid_text(crate::sim::ids::id_bits(
            1,
            crate::sim::ids::IdKind::Request,
            n,
        ))
    }

    fn push(r: &mut Retained, n: u64) -> usize {
        let request = uuid(n);
        let dropped = r.push_invoke(
            "Fn",
            &request,
            XRAY,
            n * 1000,
            n == 0,
            (n == 0).then_some(120_000),
            1,
            json!({ "n": n, "body": "x".repeat(100) }).into(),
        );
        r.push_log(&request, n * 1000 + 10, format!("line {n}"));
        r.push_result(
            &request,
            Status::Ok,
            2_500,
            3,
            Some(json!({ "statusCode": 200 })),
            None,
        );
        dropped
    }

    #[test]
    fn ids_pack_to_sixteen_bytes_and_back_exactly() {
        let mut others = Interner::default();
        let u = PackedId::pack(UUID, &mut others);
        assert!(matches!(u, PackedId::Uuid(_)));
        assert_eq!(u.text(&others), UUID);
        let x = PackedId::pack(XRAY, &mut others);
        assert!(matches!(x, PackedId::XRay(_)));
        assert_eq!(x.text(&others), XRAY);
        // Upper case would not come back the same: it is interned as it is, like any other text.
        let upper = UUID.to_uppercase();
        for odd in [
            upper.as_str(),
            "req-1",
            "",
            "1-6955b900-00000003000000000000zzzz",
        ] {
            let p = PackedId::pack(odd, &mut others);
            assert!(matches!(p, PackedId::Other(_)), "{odd:?}");
            assert_eq!(p.text(&others), odd);
            assert_eq!(PackedId::find(odd, &others), Some(p));
        }
        assert_eq!(PackedId::find("never-seen", &others), None);
        assert_ne!(
            PackedId::pack(UUID, &mut others),
            PackedId::pack("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fe", &mut others)
        );
    }

    #[test]
    fn a_row_keeps_its_numbers_and_recent_detail() {
        let mut r = Retained::new(RetentionLimits::default());
        push(&mut r, 0);
        push(&mut r, 1);
        assert_eq!(r.len(), 2);
        let row = *r.get(0).expect("row");
        assert_eq!(r.functions().name(row.function).as_ref(), "Fn");
        assert_eq!(r.id_text(&row.request), uuid(0));
        assert_eq!(r.id_text(&row.trace), XRAY);
        assert_eq!(row.status, Some(Status::Ok));
        assert_eq!((row.duration_us, row.billed_ms, row.attempt), (2_500, 3, 1));
        assert_eq!(row.init_us(), Some(120_000));
        assert!(row.cold_start);
        assert_eq!(r.get(1).and_then(|x| x.init_us()), None);
        let d = r.detail(1).expect("recent detail is kept");
        assert_eq!(d.event.as_value()["n"], 1);
        assert_eq!(d.response, Some(json!({ "statusCode": 200 })));
        assert_eq!(d.logs, vec![(1010, "line 1".to_string())]);
        assert!(
            !r.push_result(&uuid(0), Status::Error, 1, 1, None, None),
            "finished once"
        );
        assert!(!r.push_result("unknown", Status::Error, 1, 1, None, None));
    }

    #[test]
    fn old_detail_is_forgotten_first_and_rows_stay() {
        let mut r = Retained::new(RetentionLimits {
            cap_bytes: DEFAULT_CAP_BYTES,
            detail_bytes: 20_000,
        });
        for n in 0..1000 {
            assert_eq!(push(&mut r, n), 0);
        }
        assert_eq!(r.len(), 1000);
        assert_eq!(r.dropped_rows(), 0);
        assert!(r.detail(0).is_none(), "the oldest detail went");
        assert!(r.detail(999).is_some(), "the newest stays");
        let kept = (0..1000).filter(|&i| r.detail(i).is_some()).count();
        assert!(kept > 10 && kept < 200, "{kept} details kept under 20 kB");
        assert!(r.detail_bytes <= 20_000);
    }

    #[test]
    fn rows_beyond_the_cap_are_dropped_oldest_first_and_counted() {
        let cap = 200_000;
        let mut r = Retained::new(RetentionLimits::with_cap_bytes(cap));
        let mut dropped = 0;
        for n in 0..20_000 {
            dropped += push(&mut r, n);
            assert!(r.counted_bytes() <= cap, "under the cap after each push");
        }
        assert!(dropped > 10_000, "{dropped}");
        assert_eq!(r.dropped_rows(), dropped as u64);
        assert_eq!(r.len() + dropped, 20_000);
        // The newest rows are the ones kept, in order, and addressed from 0.
        let last = r.get(r.len() - 1).expect("row");
        assert_eq!(r.id_text(&last.request), uuid(19_999));
        let first = r.get(0).expect("row");
        assert_eq!(r.id_text(&first.request), uuid(dropped as u64));
        assert_eq!(r.position(r.seq(0)), Some(0));
        assert_eq!(r.position(0), None);
        assert!(
            r.retained_bytes() <= cap + cap / 4,
            "{}",
            r.retained_bytes()
        );
    }

    #[test]
    fn a_row_costs_under_a_hundred_bytes_without_its_detail() {
        let mut r = Retained::new(RetentionLimits {
            cap_bytes: DEFAULT_CAP_BYTES,
            detail_bytes: 0,
        });
        let n = 100_000u64;
        for k in 0..n {
            let request = uuid(k);
            r.push_invoke(
                "CreateOrder",
                &request,
                XRAY,
                k,
                false,
                None,
                1,
                json!({}).into(),
            );
            r.push_result(&request, Status::Ok, 5_000, 5, None, None);
        }
        let per_row = r.retained_bytes() as f64 / n as f64;
        assert!(per_row <= 100.0, "{per_row:.1} bytes per invocation");
        assert!(std::mem::size_of::<CompactInvocation>() <= 72);
    }

    /// A re-run of the busy day looking for a request that never comes: it would take minutes unless stopped.
    fn endless_job() -> DetailJob {
        let sc = Arc::new(
            crate::scenario::load_str(crate::runner::tests::BUSY, "busy.json", None)
                .expect("loads"),
        );
        DetailJob::spawn(
            7,
            sc,
            Vec::new(),
            Vec::new(),
            "no-such-request".into(),
            86_400_000_000,
        )
        .expect("a thread")
    }

    /// Waits up to `limit` for `done`.
    fn within(limit: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
        let until = std::time::Instant::now() + limit;
        while std::time::Instant::now() < until {
            if done() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        done()
    }

    #[test]
    fn a_cancelled_re_run_answers_that_it_was_cancelled() {
        let job = endless_job();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(job.poll(), None, "still running");
        job.cancel();
        let mut answer = None;
        assert!(within(std::time::Duration::from_secs(60), || {
            answer = job.poll();
            answer.is_some()
        }));
        assert_eq!(answer, Some(Err(CANCELLED.to_string())));
    }

    #[test]
    fn a_superseded_re_run_stops_when_its_job_is_dropped() {
        // Rapid clicks: each new job replaces (drops) the one before; only the last keeps working.
        let mut flags = Vec::new();
        let mut job = endless_job();
        for _ in 0..3 {
            flags.push(job.cancel.clone());
            job = endless_job();
        }
        for flag in &flags {
            // The thread holds the other reference until its re-run returns.
            assert!(
                within(std::time::Duration::from_secs(60), || Arc::strong_count(
                    flag
                ) == 1),
                "a dropped job's re-run stops"
            );
        }
        assert!(Arc::strong_count(&job.cancel) == 2, "the newest still runs");
        assert_eq!(job.poll(), None);
    }

    #[test]
    fn a_record_is_counted_with_its_payloads() {
        let small = TraceRecord::Log {
            t_ms: crate::sim::Ms(0),
            function: "Fn".into(),
            request_id: UUID.into(),
            trace_id: XRAY.into(),
            parent_span_id: None,
            message: String::new(),
        };
        let base = record_bytes(&small);
        assert!(base >= std::mem::size_of::<TraceRecord>());
        let big = TraceRecord::Log {
            t_ms: crate::sim::Ms(0),
            function: "Fn".into(),
            request_id: UUID.into(),
            trace_id: XRAY.into(),
            parent_span_id: None,
            message: "x".repeat(100_000),
        };
        assert_eq!(record_bytes(&big), base + 100_000);
    }

    #[test]
    fn forgotten_detail_is_rebuilt_by_a_re_run() {
        let text = include_str!("../../assets/scenarios/api-hello.json");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
        let sc = Arc::new(
            crate::scenario::load_str(text, "api-hello.json", Some(&dir)).expect("example loads"),
        );
        let mut sim = Sim::new(
            sc.clone(),
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        sim.run_until(30_000_000);
        let records = sim.take_trace();
        let invokes: Vec<(String, Value)> = records
            .iter()
            .filter_map(|r| match r {
                TraceRecord::Invoke {
                    request_id, event, ..
                } => Some((request_id.to_string(), event.to_value())),
                _ => None,
            })
            .collect();
        assert!(invokes.len() >= 2, "the example invokes its functions");
        let (request_id, event) = &invokes[invokes.len() / 2];
        let (response, error) = records
            .iter()
            .find_map(|r| match r {
                TraceRecord::Result {
                    request_id: id,
                    response,
                    error,
                    ..
                } if id == request_id => {
                    Some((response.as_deref().cloned(), error.as_deref().cloned()))
                }
                _ => None,
            })
            .expect("it finished");
        let go_on = AtomicBool::new(false);
        let d = materialise(
            sc.clone(),
            Recorded::default(),
            request_id,
            30_000_000,
            &go_on,
        )
        .expect("re-runs")
        .expect("finds the invocation");
        assert_eq!(d.event.to_value(), *event);
        assert_eq!((d.response, d.error), (response, error));
        assert_eq!(
            materialise(
                sc,
                Recorded::default(),
                "no-such-request",
                30_000_000,
                &go_on
            ),
            Ok(None)
        );
    }
}
