//! The discrete-event engine: virtual time, the ordered event queue, hops along edges, and dispatch to the
//! services.
//!
//! Virtual time is an integer count of microseconds since t = 0 (`settings.start_time`). Pending events wait in a
//! [`Calendar`] (a timing wheel) and run in the order of their time, ties in the order they were scheduled, so a
//! run is a pure function of the scenario and the seed. The engine owns all simulation state; callers drive it
//! with [`Sim::step`]
//! or [`Sim::run_until`] and read what happened through [`Sim::take_trace`], [`Sim::stats`] and [`Sim::live`].
//! Nothing here reads the wall clock or knows about a user interface.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use super::calendar::Calendar;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::api::{ApiState, HttpCall, HttpReply};
use super::bucket::{BucketState, ObjectOp};
use super::bus::RuleEvent;
use super::database::Databases;
use super::esm::EsmState;
use super::function::{AsyncEvent, FnPool, FnState, Invocation, InvokeReq};
use super::ids::{IdKind, TraceId, id_bits, mix64, uuid_text};
use super::queue::{QueueState, SqsSend};
use super::rng::SimRng;
use super::sfn::{SfnExecution, TaskAnswer};
use super::stats::ResourceStats;
use super::table::{TableOp, TableState};
use super::topic::SnsPublish;
use super::trace::{Ms, TraceRecord};
use super::traffic::TrafficState;
use crate::events::AwsEnv;
use crate::scenario::{Dist, ResId, ResourceType, Scenario};

/// How a run is set up beyond the scenario file.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    /// Overrides `settings.seed`.
    pub seed: Option<u64>,
    /// Collect trace records (the CLI's `--trace`, the desktop app). Off, the engine skips building event JSON
    /// that nothing would observe.
    pub trace: bool,
}

/// Where a hop starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Resource(ResId),
    /// A traffic source, by index in `Scenario::traffic`.
    Traffic(u32),
    /// An event injected from outside (the app's "send a test event").
    Injected,
}

/// Something travelling along an edge.
#[derive(Debug)]
pub(crate) enum Item {
    /// A client's HTTP request to an API (not boxed: it is one shared pointer).
    HttpRequest(HttpCall),
    /// A function's answer (or failure) returning to the API that called it (not boxed: 24 bytes, one allocation
    /// and one cold write less per API request).
    HttpReply(HttpReply),
    /// An invocation request arriving at a function.
    Invoke(Box<InvokeReq>),
    /// A PutEvents entry arriving at a bus (`envelope` false), or a complete event forwarded from another bus.
    PutEvent {
        event: Box<Value>,
        envelope: bool,
        event_n: Option<u64>,
    },
    /// A matched event arriving at a rule, to be sent to its targets.
    RuleEvent(Box<RuleEvent>),
    /// A write or delete arriving at a bucket.
    Object(Box<ObjectOp>),
    /// A message arriving at a queue (SendMessage).
    SqsSend(Box<SqsSend>),
    /// A message arriving at a topic (Publish).
    SnsPublish(Box<SnsPublish>),
    /// A write arriving at a table.
    TableOp(Box<TableOp>),
    /// A StartExecution arriving at a state machine (`execution_n` given out in advance by an SDK call).
    StartExecution {
        input: Box<Value>,
        execution_n: Option<u64>,
    },
    /// Something a resource cannot receive (kept for completeness; the loader refuses such wiring).
    Unsupported { what: &'static str },
}

// An item travels inside every `Ev::Arrive`: what does not fit in 32 bytes goes in a box, so that events stay
// small (80 bytes) in the queue's slots.
const _: () = assert!(std::mem::size_of::<Item>() <= 32);

impl Item {
    /// The word the trace uses for what travels.
    pub(crate) fn what(&self) -> &'static str {
        match self {
            Item::HttpRequest(_) => "request",
            Item::HttpReply(_) => "response",
            Item::Invoke(_) => "invoke",
            Item::PutEvent { .. } | Item::RuleEvent(_) => "event",
            Item::Object(_) => "object",
            Item::SqsSend(_) | Item::SnsPublish(_) => "message",
            Item::TableOp(_) => "item",
            Item::StartExecution { .. } => "execution",
            Item::Unsupported { what } => what,
        }
    }
}

#[derive(Debug)]
pub(crate) enum Ev {
    /// The next event of a traffic source.
    Traffic { source: u32 },
    /// A hop ends at `to`.
    Arrive {
        to: ResId,
        trace: TraceId,
        item: Item,
    },
    /// An invocation finishes (returns, fails or times out).
    InvokeEnd(Box<Invocation>),
    /// An asynchronous event is tried (again) after a throttle or a function error.
    AsyncAttempt { func: ResId, event: Box<AsyncEvent> },
    /// A schedule fires.
    ScheduleFire { schedule: ResId },
    /// An API's integration timeout expires for one request.
    ApiTimeout { api: ResId, req: u64 },
    /// A queue message's delay or visibility timeout ends.
    QueueVisible {
        queue: ResId,
        msg: u64,
        generation: u32,
    },
    /// An event source mapping's batching window or retry delay ends.
    EsmTimer { trigger: ResId },
    /// A queue poller's scaling step: its concurrency limit has grown while messages wait.
    EsmScale { trigger: ResId },
    /// A throttled queue batch is invoked again (inside its visibility timeout).
    EsmRetry { trigger: ResId, batch: u64 },
    /// Time to Live comes due for the item with this key (if its expiry has not moved since).
    TtlExpire {
        table: ResId,
        key: Box<Value>,
        trace: TraceId,
    },
    /// Idle execution environments of a function that hold database connections may be due for reclaim.
    EnvReclaim { func: ResId },
    /// A Step Functions task answer (or, with no answer, a timer) reaches its execution.
    SfnAnswer {
        execution: u64,
        token: u64,
        answer: Option<Box<TaskAnswer>>,
    },
    /// A queue's oldest waiting message may have passed the retention period.
    QueueExpire { queue: ResId },
}

impl Ev {
    /// Calls `f` with the number of every causal chain this pending event carries (see [`Sim::live_chains`]).
    fn chains(&self, f: &mut impl FnMut(u64)) {
        match self {
            Ev::Arrive { trace, .. } | Ev::TtlExpire { trace, .. } => f(trace.n),
            Ev::InvokeEnd(inv) => {
                f(inv.trace.n);
                if let super::function::Mode::Async(ae) = &inv.mode {
                    f(ae.trace.n);
                }
            }
            Ev::AsyncAttempt { event, .. } => f(event.trace.n),
            // These name state that holds its chain itself (a request, a message, a batch, an execution).
            Ev::Traffic { .. }
            | Ev::ScheduleFire { .. }
            | Ev::ApiTimeout { .. }
            | Ev::QueueVisible { .. }
            | Ev::EsmTimer { .. }
            | Ev::EsmScale { .. }
            | Ev::EsmRetry { .. }
            | Ev::EnvReclaim { .. }
            | Ev::SfnAnswer { .. }
            | Ev::QueueExpire { .. } => {}
        }
    }
}

/// Entries of `Sim::loop_counts` below which no sweep is made (a few hundred kilobytes).
pub(crate) const LOOP_COUNTS_SWEEP_MIN: usize = 4096;

/// A trace record stamped later than the engine clock (by a handler's SDK call or log line), held back until
/// the clock reaches it so the trace stays in time order.
struct FutureRecord {
    t_us: u64,
    seq: u64,
    record: TraceRecord,
}

impl PartialEq for FutureRecord {
    fn eq(&self, other: &Self) -> bool {
        self.t_us == other.t_us && self.seq == other.seq
    }
}
impl Eq for FutureRecord {}
impl PartialOrd for FutureRecord {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for FutureRecord {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.t_us, other.seq).cmp(&(self.t_us, self.seq))
    }
}

/// Live state of one resource, for the desktop app's canvas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    /// Functions: busy execution environments.
    pub busy: u32,
    /// Functions: warm, idle execution environments.
    pub warm: u32,
    /// APIs: requests waiting for their integration; queues: messages received and not yet deleted.
    pub in_flight: u32,
    /// Buckets: stored objects.
    pub objects: u32,
    /// Queues: messages ready to be received.
    pub visible: u32,
    /// Queues: messages still hidden by a delay.
    pub delayed: u32,
    /// Tables: stored items.
    pub items: u32,
    /// Databases: open connections; proxies: pooled database connections.
    pub connections: u32,
    /// Databases: `max_connections`; proxies: the most connections the pool may open.
    pub max_connections: u32,
    /// Proxies: pooled connections lent to clients now.
    pub borrowed: u32,
}

/// A simulation run.
pub struct Sim {
    pub(crate) sc: Arc<Scenario>,
    pub(crate) aws: AwsEnv,
    pub(crate) seed: u64,
    start_epoch_s: u32,
    now_us: u64,
    /// Pending events.
    queue: Calendar<Ev>,
    pub(crate) rng: SimRng,
    tracing: bool,
    trace: Vec<TraceRecord>,
    future_records: BinaryHeap<FutureRecord>,
    record_seq: u64,
    /// Every resource's name as trace records hold it, by resource index (see `trace::record_names`).
    pub(crate) record_names: Vec<super::trace::Text>,
    /// While a handler's SDK call runs, the virtual moment of that call (later than `now_us`).
    effective_us: Option<u64>,
    processed: u64,
    /// The last span id given out (see `trace`'s module doc): a plain counter, so span ids never touch the RNG
    /// and are the same whether or not the trace is collected.
    last_span: u64,
    /// The last number given out of each id kind, by [`IdKind::index`].
    id_counters: [u64; IdKind::COUNT],
    pub(crate) stats: Vec<ResourceStats>,
    /// Events generated per traffic source.
    pub(crate) traffic_stats: Vec<u64>,
    /// Test events sent by [`Sim::inject`] so far: the `{{seq}}` of the next one minus one.
    pub(crate) injected: u64,
    pub(crate) fns: Vec<FnState>,
    pub(crate) pool: FnPool,
    pub(crate) apis: Vec<ApiState>,
    pub(crate) buckets: Vec<BucketState>,
    pub(crate) traffic: Vec<TrafficState>,
    pub(crate) queues: Vec<QueueState>,
    pub(crate) topic_sequences: Vec<u64>,
    pub(crate) tables: Vec<TableState>,
    pub(crate) esms: Vec<EsmState>,
    /// Rules of each bus, in file order.
    pub(crate) rules_of_bus: Vec<Vec<ResId>>,
    /// Triggers (event source mappings) reading each queue or table, in file order.
    pub(crate) triggers_of_source: Vec<Vec<ResId>>,
    /// Step Functions executions in progress, by execution number.
    pub(crate) executions: BTreeMap<u64, SfnExecution>,
    /// Invocations of a function per causal chain and loop epoch (`TraceId::loop_epoch`), for recursive loop
    /// detection (looked up; iterated only by the order-independent sweep of [`Sim::sweep_loop_counts`]).
    pub(crate) loop_counts: HashMap<(u64, u64, ResId), u32>,
    /// When `loop_counts` holds more entries than this, the next step boundary sweeps out dead chains.
    pub(crate) loop_sweep_at: usize,
    /// The least `loop_sweep_at` a sweep sets ([`LOOP_COUNTS_SWEEP_MIN`]; tests lower it to sweep at every step).
    pub(crate) loop_sweep_min: usize,
    /// Databases (their SQL engines and connections) and proxies (their pools).
    pub(crate) databases: Databases,
    /// Faults injected while the run plays (see `faults`).
    pub(crate) faults: super::faults::Faults,
}

impl Sim {
    /// Sets up a run at t = 0: traffic sources and schedules have their first events queued.
    pub fn new(sc: Arc<Scenario>, opts: SimOptions) -> Sim {
        let n = sc.resources.len();
        let seed = opts.seed.unwrap_or(sc.settings.seed);
        let aws = AwsEnv {
            region: sc.settings.region.clone(),
            account_id: sc.settings.account_id.clone(),
        };
        let start_epoch_s = sc.settings.start_time.timestamp().clamp(0, u32::MAX as i64) as u32;
        let mut rules_of_bus = vec![Vec::new(); n];
        let mut triggers_of_source = vec![Vec::new(); n];
        for id in sc.ids() {
            let kind = &sc.resource(id).kind;
            if let Some(rule) = kind.as_rule()
                && let Some(list) = rules_of_bus.get_mut(rule.bus.index())
            {
                list.push(id);
            }
            if let Some(trigger) = kind.as_trigger()
                && let Some(list) = triggers_of_source.get_mut(trigger.source.index())
            {
                list.push(id);
            }
        }
        let tables = TableState::for_scenario(&sc);
        let databases = Databases::for_scenario(&sc);
        let mut sim = Sim {
            aws,
            seed,
            start_epoch_s,
            now_us: 0,
            queue: Calendar::default(),
            rng: SimRng::new(seed),
            tracing: opts.trace,
            trace: Vec::new(),
            future_records: BinaryHeap::new(),
            record_seq: 0,
            record_names: super::trace::record_names(&sc),
            effective_us: None,
            processed: 0,
            last_span: 0,
            id_counters: [0; IdKind::COUNT],
            stats: vec![ResourceStats::default(); n],
            traffic_stats: vec![0; sc.traffic.len()],
            injected: 0,
            fns: sc
                .resources
                .iter()
                .map(|r| FnState::for_function(r.kind.as_function()))
                .collect(),
            pool: FnPool::new(&sc),
            apis: ApiState::for_scenario(&sc),
            buckets: vec![BucketState::default(); n],
            traffic: vec![TrafficState::default(); sc.traffic.len()],
            queues: vec![QueueState::default(); n],
            topic_sequences: vec![0; n],
            tables,
            esms: vec![EsmState::default(); n],
            rules_of_bus,
            triggers_of_source,
            loop_counts: HashMap::new(),
            loop_sweep_at: LOOP_COUNTS_SWEEP_MIN,
            loop_sweep_min: LOOP_COUNTS_SWEEP_MIN,
            faults: Default::default(),
            executions: BTreeMap::new(),
            databases,
            sc,
        };
        sim.start_traffic();
        sim.start_schedules();
        sim
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.sc
    }

    /// Current virtual time, microseconds since t = 0.
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// Time of the next pending event, if any.
    pub fn next_event_us(&self) -> Option<u64> {
        self.queue.peek_t_us()
    }

    /// Engine events processed so far.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Keeps (the default) or stops keeping every invocation's duration (4 bytes each), which only percentiles
    /// need: `run` without `--summary` stops.
    pub fn keep_durations(&mut self, keep: bool) {
        for s in &mut self.stats {
            s.durations_off = !keep;
            if !keep {
                s.durations_us = Vec::new();
            }
        }
    }

    /// Events waiting in the queue.
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    pub fn tracing(&self) -> bool {
        self.tracing
    }

    /// Processes the next event. Returns false when nothing is pending.
    pub fn step(&mut self) -> bool {
        self.step_until(u64::MAX)
    }

    /// Processes the next event if it is due at or before `limit_us`. Returns false when none is.
    fn step_until(&mut self, limit_us: u64) -> bool {
        let Some((t_us, ev)) = self.queue.pop_until(limit_us) else {
            return false;
        };
        self.now_us = self.now_us.max(t_us);
        self.flush_future_records();
        self.processed += 1;
        self.dispatch(ev);
        if self.loop_counts.len() > self.loop_sweep_at {
            self.sweep_loop_counts();
        }
        true
    }

    /// Processes every event at or before `t_us`, then sets the clock to `t_us`. Returns how many ran.
    pub fn run_until(&mut self, t_us: u64) -> u64 {
        let before = self.processed;
        while self.step_until(t_us) {}
        self.now_us = self.now_us.max(t_us);
        self.flush_future_records();
        self.processed - before
    }

    /// Like [`Sim::run_until`] but stops after `max_events` events (for a UI frame budget). Returns how many ran.
    pub fn run_until_bounded(&mut self, t_us: u64, max_events: u64) -> u64 {
        let before = self.processed;
        while self.processed - before < max_events && self.step_until(t_us) {}
        if self.queue.peek_t_us().is_none_or(|t| t > t_us) {
            self.now_us = self.now_us.max(t_us);
            self.flush_future_records();
        }
        self.processed - before
    }

    /// Time of the earliest trace record held back because it lies in the engine's future (an SDK call or log line
    /// stamped later than the clock), if any: the runner's pause predicate releases it at its own time.
    pub fn next_held_record_us(&self) -> Option<u64> {
        self.future_records.peek().map(|r| r.t_us)
    }

    /// Forgets the loop counts of chains that no longer exist. Lambda's recursion detection counts invocations
    /// per chain of requests (the count travels with the chain's events: Lambda guide, "Recursive loop
    /// detection"), so a chain none of whose events, messages, requests, batches, stream records or executions
    /// is left anywhere in the simulation can never be counted again: its entries go. Runs between events
    /// (no chain is then held on the stack), when the map has doubled since the last sweep, so it costs O(1)
    /// per invocation amortised and keeps `run`'s memory flat (issue 18 item 10). The result does not depend on
    /// the map's order: runs stay deterministic, and a run sweeping at every step gives the same trace (tested).
    fn sweep_loop_counts(&mut self) {
        let live = self.live_chains();
        self.loop_counts.retain(|(n, _, _), _| live.contains(n));
        self.loop_sweep_at = self
            .loop_sweep_min
            .max(self.loop_counts.len().saturating_mul(2));
    }

    /// Every causal chain (trace number) that something in the simulation still carries: pending events, API
    /// requests waiting for their integration, queue messages, event source mapping batches, stream records and
    /// Step Functions executions.
    fn live_chains(&self) -> HashSet<u64> {
        let mut live = HashSet::new();
        let mut add = |n: u64| {
            live.insert(n);
        };
        for ev in self.queue.iter() {
            ev.chains(&mut add);
        }
        for api in &self.apis {
            api.chains(&mut add);
        }
        for q in &self.queues {
            for m in q.messages.values() {
                add(m.trace.n);
            }
        }
        for esm in &self.esms {
            esm.chains(&mut add);
        }
        for table in &self.tables {
            table.chains(&mut add);
        }
        for execution in self.executions.values() {
            add(execution.chain());
        }
        live
    }

    /// Takes the trace records produced since the last call, in order.
    pub fn take_trace(&mut self) -> Vec<TraceRecord> {
        // The next batch is likely as large as this one: allocating it once avoids a chain of growing
        // reallocations (and glibc's consolidation of freed chunks they trigger).
        let capacity = self.trace.len();
        std::mem::replace(&mut self.trace, Vec::with_capacity(capacity))
    }

    /// Statistics of one resource.
    pub fn stats(&self, id: ResId) -> &ResourceStats {
        &self.stats[id.index()]
    }

    /// Events generated by each traffic source.
    pub fn traffic_counts(&self) -> &[u64] {
        &self.traffic_stats
    }

    /// Live state of one resource.
    pub fn live(&self, id: ResId) -> Live {
        let mut live = Live::default();
        match self.sc.resource(id).resource_type() {
            ResourceType::Function => {
                let f = &self.fns[id.index()];
                live.busy = f.busy;
                live.warm = f.warm_count(self.now_us, self.idle_timeout_us(id));
            }
            ResourceType::Api => live.in_flight = self.apis[id.index()].in_flight(),
            ResourceType::Bucket => live.objects = self.buckets[id.index()].objects.len() as u32,
            ResourceType::Queue => {
                let q = &self.queues[id.index()];
                live.visible = q.visible_count();
                live.in_flight = q.in_flight;
                live.delayed = q.delayed;
            }
            ResourceType::Table => live.items = self.tables[id.index()].items.len() as u32,
            ResourceType::Trigger => live.busy = self.esms[id.index()].active,
            ResourceType::StateMachine => {
                live.busy = self
                    .executions
                    .values()
                    .filter(|e| e.machine() == id)
                    .count() as u32;
            }
            ResourceType::Database => {
                live.connections = self.databases.dbs[id.index()].open_count();
                live.max_connections = self.db_max_connections(id);
            }
            ResourceType::DbProxy => {
                let p = &self.databases.proxies[id.index()];
                live.connections = p.pooled();
                live.borrowed = p.borrowed_at(self.now_us);
                live.max_connections = self.proxy_max_connections(id);
            }
            ResourceType::EventBus
            | ResourceType::Rule
            | ResourceType::Schedule
            | ResourceType::Topic => {}
        }
        live
    }

    /// Sends a payload into the simulation now, as a traffic source would (the app's "send a test event"): its
    /// placeholders are expanded as a traffic source's, `{{seq}}` counting the test events of the run from 1.
    pub fn inject(&mut self, to: ResId, payload: &crate::scenario::Payload) {
        let trace = self.new_trace();
        let payload = self.expand_injected(payload);
        self.fire_payload(Origin::Injected, to, &payload, trace);
    }

    // ----- internals shared by the services -----

    /// The virtual moment of what is happening: the engine clock, or the moment of a handler's SDK call.
    pub(crate) fn now(&self) -> u64 {
        self.effective_us.unwrap_or(self.now_us)
    }

    /// Runs `f` as if at virtual time `at_us` (≥ the engine clock): records and hops start from there.
    pub(crate) fn at_moment<R>(&mut self, at_us: u64, f: impl FnOnce(&mut Sim) -> R) -> R {
        let saved = self.effective_us.replace(at_us.max(self.now_us));
        let r = f(self);
        self.effective_us = saved;
        r
    }

    /// Adds a record to the trace, or holds it back while it lies in the engine's future.
    pub(crate) fn record(&mut self, record: TraceRecord) {
        let t = record.t_us();
        if t > self.now_us {
            self.record_seq += 1;
            self.future_records.push(FutureRecord {
                t_us: t,
                seq: self.record_seq,
                record,
            });
        } else {
            self.trace.push(record);
        }
    }

    fn flush_future_records(&mut self) {
        while self
            .future_records
            .peek()
            .is_some_and(|r| r.t_us <= self.now_us)
        {
            if let Some(r) = self.future_records.pop() {
                self.trace.push(r.record);
            }
        }
    }

    /// Virtual wall-clock time of a virtual instant.
    pub(crate) fn wall(&self, t_us: u64) -> DateTime<Utc> {
        let micros = i64::try_from(t_us).unwrap_or(i64::MAX);
        self.sc
            .settings
            .start_time
            .checked_add_signed(chrono::TimeDelta::microseconds(micros))
            .unwrap_or(self.sc.settings.start_time)
    }

    /// Queues an event at `t_us`, which must not lie before the engine clock (time never runs backwards; a
    /// caller scheduling in the past is a bug — debug builds stop, release builds run it at once).
    pub(crate) fn schedule(&mut self, t_us: u64, ev: Ev) {
        debug_assert!(
            t_us >= self.now_us,
            "event scheduled in the past: t = {t_us} µs < now = {} µs: {ev:?}",
            self.now_us
        );
        self.queue.push(t_us.max(self.now_us), ev);
    }

    pub(crate) fn emit(&mut self, record: impl FnOnce() -> TraceRecord) {
        if self.tracing {
            let r = record();
            self.record(r);
        }
    }

    /// The next number of an id kind (1-based).
    pub(crate) fn next_n(&mut self, kind: IdKind) -> u64 {
        let slot = &mut self.id_counters[kind.index()];
        *slot += 1;
        *slot
    }

    /// The text of the `n`-th id of a kind (a UUID).
    pub(crate) fn uuid_of(&self, kind: IdKind, n: u64) -> String {
        uuid_text(id_bits(self.seed, kind, n))
    }

    /// A fresh UUID of a kind.
    pub(crate) fn new_uuid(&mut self, kind: IdKind) -> String {
        let n = self.next_n(kind);
        self.uuid_of(kind, n)
    }

    /// Records a coming attempt at `at` (a function's async retry, a queue's redelivery, a mapping's batch retry):
    /// a span caused by `trace`'s span (the failed invocation or the throttled delivery), which becomes the cause
    /// of the next attempt.
    pub(crate) fn record_retry(
        &mut self,
        at: ResId,
        trace: &mut TraceId,
        attempt: u32,
        delay_us: u64,
        reason: String,
    ) {
        self.stats[at.index()].retries += 1;
        let (span_id, parent_span_id) = self.open_span(trace);
        let now = self.now();
        let resource = self.name_text(at);
        self.emit(|| TraceRecord::Retry {
            t_ms: Ms(now),
            resource,
            trace_id: trace.record_id(),
            span_id,
            parent_span_id,
            attempt,
            delay_ms: Ms(delay_us),
            reason,
        });
    }

    /// Opens a span caused by `trace`'s current span: returns the new span's id and its parent, and makes the new
    /// span the cause of whatever is done next under `trace`.
    pub(crate) fn open_span(&mut self, trace: &mut TraceId) -> (u64, Option<u64>) {
        self.last_span += 1;
        let parent = trace.cause();
        trace.span = self.last_span;
        (self.last_span, parent)
    }

    /// A new causal chain starting now.
    pub(crate) fn new_trace(&mut self) -> TraceId {
        let n = self.next_n(IdKind::Trace);
        let epoch_s = self
            .start_epoch_s
            .saturating_add((self.now_us / 1_000_000).min(u32::MAX as u64) as u32);
        TraceId {
            n,
            epoch_s,
            bits: mix64(self.seed ^ mix64(n)),
            span: 0,
            loop_epoch: 0,
        }
    }

    pub(crate) fn name(&self, id: ResId) -> String {
        self.sc.id(id).to_string()
    }

    pub(crate) fn origin_name(&self, from: Origin) -> String {
        match from {
            Origin::Resource(r) => self.name(r),
            Origin::Traffic(i) => {
                format!(
                    "traffic:{}",
                    self.sc
                        .traffic
                        .get(i as usize)
                        .map(|t| t.name.as_str())
                        .unwrap_or("?")
                )
            }
            Origin::Injected => "traffic:injected".to_string(),
        }
    }

    /// Samples the latency of a hop leaving `from`.
    pub(crate) fn hop_us(&mut self, from: Origin) -> u64 {
        let dist: &Dist = match from {
            Origin::Resource(r) => self.sc.resources[r.index()]
                .delivery_latency_ms
                .as_ref()
                .unwrap_or(&self.sc.settings.hop_latency_ms),
            Origin::Traffic(_) | Origin::Injected => &self.sc.settings.hop_latency_ms,
        };
        self.rng.sample_us(dist)
    }

    /// Sends an item along the edge `from → to`: samples the hop, records the transit, schedules the arrival.
    /// Returns the arrival time.
    pub(crate) fn send(&mut self, from: Origin, to: ResId, trace: TraceId, item: Item) -> u64 {
        let hop = self.hop_us(from);
        self.send_after(from, to, trace, item, hop)
    }

    /// As [`Sim::send`], with a hop latency already sampled.
    pub(crate) fn send_after(
        &mut self,
        from: Origin,
        to: ResId,
        trace: TraceId,
        item: Item,
        hop_us: u64,
    ) -> u64 {
        let arrive = self.now().saturating_add(hop_us);
        let mut trace = trace;
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        if self.tracing {
            let record = TraceRecord::Transit {
                t_ms: Ms(self.now()),
                from: self.origin_name(from).into(),
                to: self.name_text(to),
                arrive_ms: Ms(arrive),
                trace_id: trace.record_id(),
                span_id,
                parent_span_id,
                what: item.what(),
            };
            self.record(record);
        }
        self.schedule(arrive, Ev::Arrive { to, trace, item });
        arrive
    }

    /// Records a transit that starts at `t_us` (possibly in the engine's future) without scheduling anything.
    /// Returns `trace` with the transit's span as the cause of what the item does on arrival.
    pub(crate) fn emit_transit(
        &mut self,
        from: ResId,
        to: ResId,
        trace: TraceId,
        t_us: u64,
        arrive_us: u64,
        what: &'static str,
    ) -> TraceId {
        let mut trace = trace;
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        if self.tracing {
            let record = TraceRecord::Transit {
                t_ms: Ms(t_us),
                from: self.name_text(from),
                to: self.name_text(to),
                arrive_ms: Ms(arrive_us),
                trace_id: trace.record_id(),
                span_id,
                parent_span_id,
                what,
            };
            self.record(record);
        }
        trace
    }

    /// Records that something was discarded.
    pub(crate) fn drop_item(&mut self, at: ResId, trace: TraceId, reason: impl FnOnce() -> String) {
        self.stats[at.index()].dropped += 1;
        let now = self.now();
        let resource = self.name_text(at);
        self.emit(|| TraceRecord::Drop {
            t_ms: Ms(now),
            resource,
            trace_id: trace.record_id(),
            parent_span_id: trace.cause(),
            reason: reason(),
        });
    }

    fn dispatch(&mut self, ev: Ev) {
        match ev {
            Ev::Traffic { source } => self.traffic_fire(source),
            Ev::Arrive { to, trace, item } => self.arrive(to, trace, item),
            Ev::InvokeEnd(inv) => self.invoke_end(*inv),
            Ev::AsyncAttempt { func, event } => self.async_attempt(func, event),
            Ev::ScheduleFire { schedule } => self.schedule_fire(schedule),
            Ev::ApiTimeout { api, req } => self.api_timeout(api, req),
            Ev::QueueVisible {
                queue,
                msg,
                generation,
            } => self.queue_visible(queue, msg, generation),
            Ev::EsmTimer { trigger } => self.esm_timer(trigger),
            Ev::EsmScale { trigger } => self.esm_scale(trigger),
            Ev::EsmRetry { trigger, batch } => self.esm_retry(trigger, batch),
            Ev::TtlExpire { table, key, trace } => self.table_ttl_expire(table, &key, trace),
            Ev::EnvReclaim { func } => self.reclaim_due(func),
            Ev::SfnAnswer {
                execution,
                token,
                answer,
            } => self.sfn_feed(execution, token, answer.map(|a| *a)),
            Ev::QueueExpire { queue } => self.queue_expire(queue),
        }
    }

    fn arrive(&mut self, to: ResId, trace: TraceId, item: Item) {
        match item {
            Item::HttpRequest(call) => self.api_request(to, trace, call),
            Item::HttpReply(reply) => self.api_reply(to, trace, reply),
            Item::Invoke(req) => self.function_arrive(to, trace, *req),
            Item::PutEvent {
                event,
                envelope,
                event_n,
            } => self.bus_put(to, trace, *event, envelope, event_n),
            Item::RuleEvent(ev) => self.rule_deliver(to, trace, *ev),
            Item::Object(op) => self.bucket_op(to, trace, *op),
            Item::SqsSend(msg) => self.queue_send(to, trace, *msg),
            Item::SnsPublish(msg) => self.topic_publish(to, trace, *msg),
            Item::TableOp(op) => self.table_op(to, trace, *op),
            Item::StartExecution { input, execution_n } => {
                self.sfn_start(to, trace, *input, execution_n)
            }
            Item::Unsupported { what } => {
                let ty = self.sc.resource(to).resource_type().aws_name();
                self.drop_item(to, trace, || {
                    format!("{ty} delivery of a {what} is not simulated yet")
                });
            }
        }
    }

    /// A resource of the given type named `name` (`None` when there is none, or it has another type): how an
    /// SDK call or a Step Functions task finds the resource it names.
    pub(crate) fn find_of_type(&self, name: &str, ty: ResourceType) -> Option<ResId> {
        self.sc
            .find(name)
            .filter(|id| self.sc.resource(*id).resource_type() == ty)
    }

    /// A resource was looked up as the wrong type. The loader's reference checks and the engine's routing rule
    /// this out, so it is a bug: debug builds stop here; release builds let the caller skip the item.
    #[track_caller]
    pub(crate) fn wrong_kind(&self, id: ResId, wanted: ResourceType) {
        debug_assert!(
            false,
            "{} is a {}, not a {}",
            self.name(id),
            self.sc.resource(id).resource_type().name(),
            wanted.name()
        );
    }

    /// Builds the item that delivers a JSON payload to `target` the way AWS services hand events to targets
    /// (rule and schedule targets, Lambda destinations and dead-letter queues, S3 notifications, stream failure
    /// records). Each service builds its own item: functions are invoked asynchronously, buses receive a
    /// PutEvents entry (or the event itself when `forward_envelope`), queues and topics a message of the
    /// payload's text (`group_id` for FIFO), state machines an execution.
    pub(crate) fn target_item(
        &mut self,
        target: ResId,
        payload: impl Into<super::trace::EventPayload>,
        forward_envelope: bool,
        group_id: Option<String>,
    ) -> Item {
        // A function shares the payload (an EventBridge event goes to many targets); the others take a copy.
        let payload = payload.into();
        let target_type = self.sc.resource(target).resource_type();
        if target_type == ResourceType::Function {
            return Item::Invoke(Box::new(InvokeReq::event(payload)));
        }
        let payload = payload.into_value();
        match target_type {
            ResourceType::Function => Item::Invoke(Box::new(InvokeReq::event(payload))),
            ResourceType::EventBus => super::bus::target_item(payload, forward_envelope),
            ResourceType::Queue => {
                Item::SqsSend(Box::new(self.sqs_target_message(target, payload, group_id)))
            }
            ResourceType::Topic => {
                Item::SnsPublish(Box::new(SnsPublish::for_target(payload, group_id)))
            }
            ResourceType::StateMachine => super::sfn::target_item(payload),
            ResourceType::Api
            | ResourceType::Rule
            | ResourceType::Schedule
            | ResourceType::Bucket
            | ResourceType::Table
            | ResourceType::Trigger
            | ResourceType::Database
            | ResourceType::DbProxy => Item::Unsupported { what: "event" },
        }
    }
}

/// The text a JSON payload becomes as a message body (SQS) or message (SNS): a JSON string as its bare text,
/// anything else as its JSON text — what EventBridge targets and Lambda destinations receive.
pub(crate) fn message_text(payload: Value) -> String {
    match payload {
        Value::String(s) => s,
        other => other.to_string(),
    }
}
