//! AWS Lambda: execution environments, concurrency, synchronous and asynchronous invocation.
//!
//! Numbers and rules (sources in `shared/reference/aws-semantics.md`):
//! - One environment serves one request at a time; concurrency = busy environments (§1.5, lambda-concurrency).
//! - A function with reserved concurrency may use at most that many environments; the others share
//!   `account_concurrency` minus everything reserved (§1.1, configuration-concurrency). 0 throttles everything.
//! - A new environment pays an init (cold start) sampled from `cold_start_ms`; a finished environment stays warm
//!   and is reused most-recently-used first; one idle for `idle_timeout_s` is reclaimed (AWS does not document the
//!   idle lifetime: it is a tunable, §1.5).
//! - Duration comes from `duration_ms`; `error_rate` injects `InjectedFailure`; a run longer than `timeout_s`
//!   ends at the timeout with Lambda's `Task timed out after N.NN seconds` (§1.1).
//! - Billed duration is rounded up to the next 1 ms (since Dec 2020, §1.6). Since 1 Aug 2025 AWS also bills the
//!   INIT phase of on-demand functions (AWS Compute Blog, "AWS Lambda standardizes billing for the INIT phase",
//!   April 2025): a cold start's init is added to the billed duration.
//! - Synchronous throttles return `TooManyRequestsException` to the caller; Lambda does not retry (§1.3). Its
//!   `Reason` is `ReservedFunctionConcurrentInvocationLimitExceeded` (reserved concurrency used up) or
//!   `ConcurrentInvocationLimitExceeded` (the account's pool): the caller's error and the `throttle` record say it.
//! - Asynchronous events wait in Lambda's internal queue: a throttled event is retried with a delay growing
//!   exponentially from 1 s to at most 5 min, until `max_event_age_s` (§1.3); a function error is retried
//!   `retry_attempts` times (0–2), about 1 min before the 2nd attempt and 2 min before the 3rd (§1.4). The
//!   request id stays the same across attempts (§1.7). An event whose next try would come after
//!   `max_event_age_s` stays queued until it is that old, then leaves with `EventAgeExceeded`. Then the event
//!   goes to `on_failure` (invocation record) and/or the legacy `dead_letter` (the original event), or is
//!   dropped; success goes to `on_success`.
//! - Recursive loop detection (`esm::loop_detected`) counts invocations reached through SQS, SNS, S3 and direct
//!   invokes only. An event it stops goes to `on_failure` — never to the function itself, and at most once per
//!   function and chain, so a destination loop ends.
//! - Approximation: the init phase is not capped at 10 s (AWS retries an over-long init inside the first invoke).

use std::collections::VecDeque;

use serde_json::{Value, json};

use super::engine::{Ev, Item, Origin, Sim};
use super::ids::{IdKind, TraceId};
use super::trace::{EventPayload, InvocationType, Ms, Status, TraceRecord};
use crate::events::lambda::{destination_record, error_object, timeout_error};
use crate::scenario::{Function, ResId, ResourceKind, ResourceType, Scenario};

/// Lambda's async retry delays: about 1 minute before the second attempt, 2 minutes before the third (§1.4).
const ASYNC_RETRY_DELAY_US: [u64; 2] = [60_000_000, 120_000_000];
/// Marks, in a chain's loop count, that a stopped event of the function went to its on-failure destination.
const LOOP_FORWARDED: u32 = 1 << 31;
/// Throttled async events: backoff from 1 s doubling to at most 5 minutes (§1.3).
const THROTTLE_BACKOFF_MIN_US: u64 = 1_000_000;
const THROTTLE_BACKOFF_MAX_US: u64 = 300_000_000;

/// How an asynchronous event left Lambda's queue: the `requestContext.condition` of a destination record
/// (Lambda guide, "Capturing records of Lambda asynchronous invocations").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Condition {
    Success,
    RetriesExhausted,
    EventAgeExceeded,
    RecursiveInvocationDetected,
}

impl Condition {
    fn as_str(self) -> &'static str {
        match self {
            Condition::Success => "Success",
            Condition::RetriesExhausted => "RetriesExhausted",
            Condition::EventAgeExceeded => "EventAgeExceeded",
            Condition::RecursiveInvocationDetected => "RecursiveInvocationDetected",
        }
    }
}

/// Shared (unreserved) account concurrency.
#[derive(Debug, Clone)]
pub(crate) struct FnPool {
    pub limit: u32,
    pub busy: u32,
}

impl FnPool {
    pub fn new(sc: &Scenario) -> FnPool {
        let reserved: u64 = sc
            .resources
            .iter()
            .filter_map(|r| r.kind.as_function()?.reserved_concurrency.map(u64::from))
            .sum();
        let limit = u64::from(sc.settings.account_concurrency).saturating_sub(reserved);
        FnPool {
            limit: limit.min(u32::MAX as u64) as u32,
            busy: 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct IdleEnv {
    id: u32,
    since_us: u64,
}

/// Execution environments of one function.
#[derive(Debug, Clone, Default)]
pub(crate) struct FnState {
    pub busy: u32,
    /// Idle warm environments, least recently used at the front.
    idle: VecDeque<IdleEnv>,
    next_env: u32,
    /// Provisioned concurrency: environments `1..=provisioned` are initialised before t = 0 and never reclaimed.
    provisioned: u32,
    /// The idle ones among them.
    provisioned_idle: Vec<u32>,
    /// How many more environments the scaling rate allows (see `scaling`).
    scale: super::scaling::ScaleBucket,
    /// `idle_timeout_s` in microseconds, converted once (every invocation asks it twice).
    idle_timeout_us: u64,
}

impl FnState {
    /// The state of a function at t = 0 (`None`: a resource of another type): its provisioned environments
    /// initialised ahead of t = 0.
    pub fn for_function(func: Option<&Function>) -> FnState {
        let provisioned = func.map_or(0, |f| f.provisioned_concurrency);
        FnState {
            provisioned,
            provisioned_idle: (1..=provisioned).rev().collect(),
            next_env: provisioned,
            idle_timeout_us: func.map_or(0, |f| super::rng::ms_to_us(f.idle_timeout_s * 1000.0)),
            ..FnState::default()
        }
    }

    pub fn warm_count(&self, now_us: u64, idle_timeout_us: u64) -> u32 {
        self.idle
            .iter()
            .filter(|e| now_us.saturating_sub(e.since_us) < idle_timeout_us)
            .count() as u32
            + self.provisioned_idle.len() as u32
    }

    /// Whether an invocation at `now_us` gets an environment: an idle provisioned or warm one, or a new one the
    /// scaling rate allows.
    fn can_get_environment(&self, now_us: u64, idle_timeout_us: u64) -> bool {
        !self.provisioned_idle.is_empty()
            || self
                .idle
                .back()
                .is_some_and(|e| now_us.saturating_sub(e.since_us) < idle_timeout_us)
            || self.scale.allows_new(now_us)
    }

    /// Forgets environments idle for `idle_timeout_us` or longer; returns their ids (no allocation when none).
    fn reclaim(&mut self, now_us: u64, idle_timeout_us: u64) -> Vec<u32> {
        let mut reclaimed = Vec::new();
        while self
            .idle
            .front()
            .is_some_and(|e| now_us.saturating_sub(e.since_us) >= idle_timeout_us)
        {
            if let Some(e) = self.idle.pop_front() {
                reclaimed.push(e.id);
            }
        }
        reclaimed
    }
}

/// Who waits for a synchronous invocation's answer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reply {
    /// An API Gateway request: the API's in-flight request number and its integration deadline (carried so that
    /// an answer in time needs no look-up of the request).
    Api {
        api: ResId,
        req: u64,
        deadline_us: u64,
    },
    /// The outside world (a traffic source's RequestResponse call): only the trace sees the answer.
    Caller,
    /// An event source mapping's batch.
    Esm { trigger: ResId, batch: u64 },
    /// A handler's `lambda::invoke`: the answer is handed over when the invocation starts (see `host`).
    Script,
    /// A Step Functions Lambda task.
    Sfn { execution: u64, token: u64 },
}

#[derive(Debug)]
pub(crate) enum InvokeKind {
    Sync(Reply),
    Async,
}

/// A request to invoke a function, travelling to it.
#[derive(Debug)]
pub(crate) struct InvokeReq {
    /// The event, shared: a fixed traffic payload sends one event to every invocation (issue 18 item 8); an API
    /// request's is built only when read (issue 15).
    pub event: EventPayload,
    pub kind: InvokeKind,
}

impl InvokeReq {
    /// An asynchronous (`Event`) invocation.
    pub fn event(event: impl Into<EventPayload>) -> InvokeReq {
        InvokeReq {
            event: event.into(),
            kind: InvokeKind::Async,
        }
    }

    pub fn sync(event: impl Into<EventPayload>, reply: Reply) -> InvokeReq {
        InvokeReq {
            event: event.into(),
            kind: InvokeKind::Sync(reply),
        }
    }
}

/// An event in Lambda's asynchronous queue.
#[derive(Debug)]
pub(crate) struct AsyncEvent {
    /// The event, shared with the request (Lambda hands every retry the same event).
    pub event: EventPayload,
    pub trace: TraceId,
    pub received_us: u64,
    /// The attempt about to be made (1 = first).
    pub attempt: u32,
    pub throttles: u32,
    pub request_n: u64,
    /// The last failed attempt's error object, kept while the event waits to expire.
    pub last_error: Option<Value>,
    /// The event waits only to reach its maximum age (its next try would come later): its next turn discards it.
    pub expiring: bool,
}

#[derive(Debug)]
pub(crate) enum Mode {
    Sync(Reply),
    Async(Box<AsyncEvent>),
}

/// A running invocation, carried to its end.
#[derive(Debug)]
pub(crate) struct Invocation {
    pub func: ResId,
    pub env_id: u32,
    pub request_n: u64,
    pub trace: TraceId,
    pub init_us: u64,
    pub run_us: u64,
    pub status: Status,
    pub outcome: Outcome,
    pub mode: Mode,
    /// Hop latency back to a synchronous API caller, sampled when the invocation starts.
    pub return_hop_us: u64,
}

/// What an invocation returned (ok) or failed with (the error object).
#[derive(Debug)]
pub(crate) enum Outcome {
    Json(Value),
    /// A function without a handler called by API Gateway returns `{"statusCode":200}` ([`default_api_response`]);
    /// built as JSON only when the trace records it (building, reading and dropping the JSON map cost a tenth of
    /// the engine's time without the trace, issue 15).
    DefaultApiOk,
}

impl Outcome {
    /// The JSON returned or failed with.
    pub fn into_json(self) -> Value {
        match self {
            Outcome::Json(v) => v,
            Outcome::DefaultApiOk => default_api_response(),
        }
    }

    /// A copy of the JSON returned or failed with.
    pub fn to_json(&self) -> Value {
        match self {
            Outcome::Json(v) => v.clone(),
            Outcome::DefaultApiOk => default_api_response(),
        }
    }

    /// The JSON returned or failed with, for a trace record: the default answer one value shared by every record
    /// (built once per process, not per invocation), any other a copy.
    pub fn to_shared_json(&self) -> std::sync::Arc<Value> {
        static DEFAULT_OK: std::sync::OnceLock<std::sync::Arc<Value>> = std::sync::OnceLock::new();
        match self {
            Outcome::Json(v) => std::sync::Arc::new(v.clone()),
            Outcome::DefaultApiOk => std::sync::Arc::clone(
                DEFAULT_OK.get_or_init(|| std::sync::Arc::new(default_api_response())),
            ),
        }
    }
}

/// What a function without a handler returns to API Gateway: a proxy response with status 200.
pub(crate) fn default_api_response() -> Value {
    json!({ "statusCode": 200 })
}

/// How a handler's synchronous `lambda::invoke` ended, as the caller sees it.
#[derive(Debug)]
pub(crate) enum HandlerInvoke {
    /// The callee ran: its status, its response or error object, and the caller's wait (hop there, init, run,
    /// hop back).
    Ran {
        status: Status,
        outcome: Value,
        latency_us: u64,
    },
    /// Lambda refused the invocation for lack of concurrency (`TooManyRequestsException` with its `Reason`); the
    /// caller waited for the hop there and back.
    Throttled {
        latency_us: u64,
        reason_code: &'static str,
    },
}

impl Sim {
    fn function(&self, f: ResId) -> Option<&Function> {
        let func = function_of(&self.sc, f);
        if func.is_none() {
            self.wrong_kind(f, ResourceType::Function);
        }
        func
    }

    /// A handler's synchronous `lambda::invoke` of `callee`, made at the current (handler) moment: the callee
    /// runs now — its own handler included — and occupies an environment from the hop's arrival on.
    pub(crate) fn invoke_from_handler(
        &mut self,
        caller: ResId,
        callee: ResId,
        trace: TraceId,
        payload: Value,
    ) -> HandlerInvoke {
        let call_at = self.now();
        let hop = self.hop_us(Origin::Resource(caller));
        let arrive = call_at.saturating_add(hop);
        let trace = self.emit_transit(caller, callee, trace, call_at, arrive, "invoke");
        let started = self.at_moment(arrive, |sim| {
            // A callee that is not a function is a bug (`wrong_kind`): the caller sees a throttle, as before.
            const NO_FUNCTION: &str = "ConcurrentInvocationLimitExceeded";
            let func = sim.function(callee).ok_or(NO_FUNCTION)?;
            let (reserved, code) = (func.reserved_concurrency, throttle_reason_code(func));
            if !sim.has_capacity_for(callee, reserved) {
                sim.record_sync_throttle(callee, trace);
                return Err(code);
            }
            let request_n = sim.next_n(IdKind::Request);
            let mode = Mode::Sync(Reply::Script);
            sim.start_invocation(callee, trace, payload.into(), mode, request_n, 1)
                .ok_or(NO_FUNCTION)
        });
        match started {
            Ok((status, outcome, end)) => {
                let back = self.hop_us(Origin::Resource(callee));
                let done = end.saturating_add(back);
                // The answer's hop hangs off the request's hop (the callee's invocation is its sibling).
                self.emit_transit(callee, caller, trace, end, done, "response");
                HandlerInvoke::Ran {
                    status,
                    outcome,
                    latency_us: done.saturating_sub(call_at),
                }
            }
            Err(reason_code) => HandlerInvoke::Throttled {
                latency_us: hop.saturating_mul(2),
                reason_code,
            },
        }
    }

    /// Reclaims the idle environments of `f` that are due now, closing their database connections.
    pub(crate) fn reclaim_due(&mut self, f: ResId) {
        let idle_timeout_us = self.idle_timeout_us(f);
        let now = self.now();
        let reclaimed = self.fns[f.index()].reclaim(now, idle_timeout_us);
        for env in reclaimed {
            self.db_env_reclaimed(f, env);
        }
    }

    pub(crate) fn idle_timeout_us(&self, f: ResId) -> u64 {
        self.fns
            .get(f.index())
            .map_or(0, |state| state.idle_timeout_us)
    }

    /// Whether an invocation counts toward recursive loop detection: only those reached through services that
    /// carry Lambda's tracking do — SQS (a queue trigger), SNS, S3 and direct Lambda invocations, Lambda's
    /// destinations included (Lambda guide, "Recursive loop detection"). EventBridge deliveries are async events
    /// too, but the bus has already started a new count (`bus::send_to_targets`). Stream triggers (DynamoDB),
    /// Step Functions tasks and clients' requests do not count.
    fn counts_toward_loops(&self, mode: &Mode) -> bool {
        match mode {
            Mode::Sync(Reply::Api { .. } | Reply::Caller | Reply::Sfn { .. }) => false,
            Mode::Sync(Reply::Esm { trigger, .. }) => self
                .sc
                .resource(*trigger)
                .kind
                .as_trigger()
                .is_some_and(|cfg| {
                    self.sc.resource(cfg.source).resource_type() == ResourceType::Queue
                }),
            Mode::Sync(Reply::Script) | Mode::Async(_) => true,
        }
    }

    /// Whether anyone can see the event a function receives (the trace, its code, its destinations): when not,
    /// callers may skip building it.
    pub(crate) fn observes_events(&self, f: ResId) -> bool {
        self.tracing()
            || self.function(f).is_some_and(|func| {
                func.code.is_some()
                    || func.dead_letter.is_some()
                    || func.async_config.on_success.is_some()
                    || func.async_config.on_failure.is_some()
            })
    }

    pub(crate) fn request_id_text(&self, n: u64) -> String {
        self.uuid_of(IdKind::Request, n)
    }

    fn has_capacity(&self, f: ResId, func: &Function) -> bool {
        self.has_capacity_for(f, func.reserved_concurrency)
    }

    pub(crate) fn has_capacity_for(&self, f: ResId, reserved: Option<u32>) -> bool {
        self.has_concurrency_for(f, reserved)
            && self.fns[f.index()].can_get_environment(self.now(), self.idle_timeout_us(f))
    }

    /// Whether reserved or account concurrency leaves room for one more invocation of `f`.
    fn has_concurrency_for(&self, f: ResId, reserved: Option<u32>) -> bool {
        match reserved {
            Some(reserved) => self.fns[f.index()].busy < reserved,
            None => self.pool.busy < self.pool.limit,
        }
    }

    /// The trace's reason for a throttle: the `Reason` of Lambda's `TooManyRequestsException`, then what ran out
    /// (concurrency, or the scaling rate of sim/scaling.rs).
    fn throttle_reason(&self, f: ResId, func: &Function) -> String {
        let code = throttle_reason_code(func);
        if self.has_concurrency_for(f, func.reserved_concurrency) {
            // AWS documents a 429 for the scaling rate but no Reason of its own: the code stays the concurrency one.
            return format!("{code}: {}", super::scaling::scaling_throttle_reason());
        }
        match func.reserved_concurrency {
            Some(0) => format!("{code}: reserved concurrency is 0"),
            Some(r) => format!("{code}: reserved concurrency {r} reached"),
            None => format!(
                "{code}: account concurrency reached ({} unreserved)",
                self.pool.limit
            ),
        }
    }

    /// An invocation request arrives at a function.
    pub(crate) fn function_arrive(&mut self, f: ResId, trace: TraceId, req: InvokeReq) {
        match req.kind {
            InvokeKind::Sync(reply) => self.invoke_sync(f, trace, req.event, reply),
            InvokeKind::Async => {
                let request_n = self.next_n(IdKind::Request);
                let ae = AsyncEvent {
                    event: req.event,
                    trace,
                    received_us: self.now(),
                    attempt: 1,
                    throttles: 0,
                    request_n,
                    last_error: None,
                    expiring: false,
                };
                self.async_attempt(f, Box::new(ae));
            }
        }
    }

    fn invoke_sync(&mut self, f: ResId, trace: TraceId, event: EventPayload, reply: Reply) {
        let Some(func) = self.function(f) else { return };
        if self.has_capacity(f, func) {
            let request_n = self.next_n(IdKind::Request);
            self.start_invocation(f, trace, event, Mode::Sync(reply), request_n, 1);
            return;
        }
        let reason = self.throttle_reason(f, func);
        let code = throttle_reason_code(func);
        self.record_throttle(f, trace, InvocationType::RequestResponse, reason);
        if let Reply::Esm { trigger, batch } = reply {
            self.esm_result(trigger, batch, super::esm::EsmOutcome::Throttled);
            return;
        }
        if let Reply::Sfn { execution, token } = reply {
            let answer = super::sfn::TaskAnswer::Failed {
                error: "Lambda.TooManyRequestsException".to_string(),
                cause: throttle_message(code),
            };
            self.sfn_feed(execution, token, Some(answer));
            return;
        }
        if let Reply::Api {
            api,
            req,
            deadline_us,
        } = reply
        {
            let hop = self.hop_us(Origin::Resource(f));
            self.api_check_deadline(api, req, deadline_us, self.now().saturating_add(hop));
            let reply = super::api::HttpReply {
                req,
                outcome: super::api::ReplyOutcome::Throttled,
            };
            self.send_after(Origin::Resource(f), api, trace, Item::HttpReply(reply), hop);
        }
    }

    /// A synchronous invocation refused for lack of concurrency.
    pub(crate) fn record_sync_throttle(&mut self, f: ResId, trace: TraceId) {
        let reason = match self.function(f) {
            Some(func) => self.throttle_reason(f, func),
            None => return,
        };
        self.record_throttle(f, trace, InvocationType::RequestResponse, reason);
    }

    fn record_throttle(
        &mut self,
        f: ResId,
        trace: TraceId,
        invocation_type: InvocationType,
        reason: String,
    ) {
        self.stats[f.index()].throttles += 1;
        let now = self.now();
        let function = self.name_text(f);
        self.emit(|| TraceRecord::Throttle {
            t_ms: Ms(now),
            function,
            trace_id: trace.record_id(),
            parent_span_id: trace.cause(),
            invocation_type,
            reason,
        });
    }

    /// Tries (again) an event of the asynchronous queue.
    pub(crate) fn async_attempt(&mut self, f: ResId, mut ae: Box<AsyncEvent>) {
        let Some(func) = self.function(f) else { return };
        let max_age_us = u64::from(func.async_config.max_event_age_s) * 1_000_000;
        if ae.expiring || self.now().saturating_sub(ae.received_us) > max_age_us {
            let error = ae.last_error.take();
            self.async_failed(f, ae, Condition::EventAgeExceeded, error);
            return;
        }
        if ae.attempt == 1 && ae.throttles == 0 && self.loop_detected(ae.trace, f) {
            let error = error_object(
                "RecursiveInvocationException",
                "Lambda detected a recursive loop and stopped it",
            );
            self.async_failed(f, ae, Condition::RecursiveInvocationDetected, Some(error));
            return;
        }
        if self.has_capacity(f, func) {
            let (trace, request_n, attempt) = (ae.trace, ae.request_n, ae.attempt);
            let event = ae.event.clone();
            self.start_invocation(f, trace, event, Mode::Async(ae), request_n, attempt);
            return;
        }
        let reason = self.throttle_reason(f, func);
        let mut ae = ae;
        self.record_throttle(f, ae.trace, InvocationType::Event, reason);
        let delay = THROTTLE_BACKOFF_MIN_US
            .saturating_mul(1u64 << ae.throttles.min(20))
            .min(THROTTLE_BACKOFF_MAX_US);
        ae.throttles += 1;
        if self
            .now()
            .saturating_add(delay)
            .saturating_sub(ae.received_us)
            > max_age_us
        {
            self.expire_at_max_age(f, ae, max_age_us);
            return;
        }
        let attempt = ae.attempt;
        self.record_retry(f, &mut ae.trace, attempt, delay, "throttled".to_string());
        let at = self.now().saturating_add(delay);
        self.schedule(at, Ev::AsyncAttempt { func: f, event: ae });
    }

    /// An event whose next try would come after its maximum age: Lambda keeps it in the queue until it is that
    /// old, then discards it (`EventAgeExceeded`), not at once (Lambda guide, "Asynchronous invocation":
    /// "MaximumEventAgeInSeconds – The maximum amount of time Lambda retains an event in the asynchronous event
    /// queue").
    fn expire_at_max_age(&mut self, f: ResId, mut ae: Box<AsyncEvent>, max_age_us: u64) {
        ae.expiring = true;
        let at = ae.received_us.saturating_add(max_age_us).max(self.now());
        self.schedule(at, Ev::AsyncAttempt { func: f, event: ae });
    }

    /// Occupies an execution environment of `f` for one request: the most recently used warm one, else a new
    /// one (a cold start). Returns its id and whether it is new.
    fn take_environment(&mut self, f: ResId, reserved: bool) -> (u32, bool) {
        let idle_timeout_us = self.idle_timeout_us(f);
        let now = self.now();
        let state = &mut self.fns[f.index()];
        let reclaimed = state.reclaim(now, idle_timeout_us);
        for env in reclaimed {
            self.db_env_reclaimed(f, env);
        }
        let state = &mut self.fns[f.index()];
        state.busy += 1;
        if !reserved {
            self.pool.busy += 1;
        }
        let state = &mut self.fns[f.index()];
        if let Some(id) = state.provisioned_idle.pop() {
            return (id, false);
        }
        match state.idle.pop_back() {
            Some(env) => (env.id, false),
            None => {
                state.scale.take(now);
                state.next_env = state.next_env.wrapping_add(1);
                (state.next_env, true)
            }
        }
    }

    /// Starts an invocation that has capacity: picks or creates an environment, decides the outcome, schedules
    /// the end.
    /// Returns, for a handler's synchronous `lambda::invoke` (`Reply::Script`), the status, response or error,
    /// and the virtual end time.
    pub(crate) fn start_invocation(
        &mut self,
        f: ResId,
        trace: TraceId,
        event: EventPayload,
        mode: Mode,
        request_n: u64,
        attempt: u32,
    ) -> Option<(Status, Value, u64)> {
        let reserved = self.function(f)?.reserved_concurrency.is_some();
        // The invocation's span: its `result`, logs, SDK calls and whatever it sends hang off it.
        let mut trace = trace;
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        let now = self.now();
        let (env_id, cold) = self.take_environment(f, reserved);
        // The function's settings are read through `self.sc` beside the generator (disjoint fields), not through a
        // clone of the scenario's `Arc`: its two atomic operations per invocation were measurable (issue 15). Only
        // a handler, which runs with the whole engine, needs the clone (below). The draws keep their order: init,
        // the fault, the duration, the injected error.
        let init_us = if cold {
            self.rng.sample_us(&function_of(&self.sc, f)?.cold_start_ms)
        } else {
            0
        };
        let fault = self.invocation_fault(f);
        let func = function_of(&self.sc, f)?;
        let base_us = self
            .rng
            .sample_us(&func.duration_ms)
            .saturating_add(fault.extra_us);
        let (error_rate, timeout_s) = (func.error_rate, func.timeout_s);
        let failed = error_rate > 0.0 && self.rng.unit() < error_rate;
        let timeout_us = u64::from(timeout_s) * 1_000_000;
        let handler = func.handler.clone();
        let is_api = matches!(mode, Mode::Sync(Reply::Api { .. }));
        if self.counts_toward_loops(&mode) {
            self.count_loop(trace, f);
        } else {
            // Lambda's recursion tracking does not come through this caller: what this invocation causes is
            // counted afresh.
            trace.loop_epoch = span_id;
        }
        let stats = &mut self.stats[f.index()];
        stats.count += 1;
        if cold {
            stats.cold_starts += 1;
        }
        let mut event = event;
        if self.tracing() {
            let invocation_type = match mode {
                Mode::Sync(_) => InvocationType::RequestResponse,
                Mode::Async(_) => InvocationType::Event,
            };
            // The trace shares the event (a handler reads it too) or takes it (nothing else does).
            let recorded = if handler.is_some() {
                event.clone()
            } else {
                std::mem::take(&mut event)
            };
            let links = match &mode {
                Mode::Sync(Reply::Esm { trigger, batch }) => self.batch_links(*trigger, *batch),
                Mode::Sync(_) | Mode::Async(_) => Vec::new(),
            };
            let record = TraceRecord::Invoke {
                t_ms: Ms(now),
                function: self.name_text(f),
                request_id: self.record_uuid(IdKind::Request, request_n),
                trace_id: trace.record_id(),
                span_id,
                parent_span_id,
                links,
                cold_start: cold,
                init_ms: cold.then_some(Ms(init_us)),
                invocation_type,
                attempt,
                event: recorded,
            };
            self.emit(|| record);
        }
        let seed = self.seed;
        let timeout = || {
            let request_id =
                super::ids::uuid_text(super::ids::id_bits(seed, IdKind::Request, request_n));
            timeout_error(&request_id, timeout_s)
        };
        let injected = || {
            let message = format!("Injected failure (error_rate {error_rate})");
            error_object("InjectedFailure", &message)
        };
        let (status, outcome, run_us) = match &handler {
            Some(h) => {
                // A handler's duration: the runtime's own `duration_ms` plus the simulated time of its work() and
                // SDK calls. It runs at the start of the invocation (after init); see `host` for what that means.
                let t0 = now.saturating_add(init_us);
                let sc = std::sync::Arc::clone(&self.sc);
                let func = function_of(&sc, f)?;
                let ctx = self.lambda_context(f, func, request_n, env_id, timeout_us, t0);
                let event = event.as_value();
                let out = super::host::run_handler(
                    self,
                    h,
                    &event,
                    &ctx,
                    super::host::HandlerRun {
                        f,
                        env_id,
                        trace,
                        request_n,
                        t0,
                    },
                );
                let run = base_us.saturating_add(out.elapsed_us);
                if out.timed_out || run > timeout_us {
                    (Status::Timeout, Outcome::Json(timeout()), timeout_us)
                } else if failed {
                    (Status::Error, Outcome::Json(injected()), run)
                } else {
                    match out.result {
                        Ok(v) => (Status::Ok, Outcome::Json(v), run),
                        Err(e) => (Status::Error, Outcome::Json(e), run),
                    }
                }
            }
            None if base_us > timeout_us => (Status::Timeout, Outcome::Json(timeout()), timeout_us),
            None if failed => (Status::Error, Outcome::Json(injected()), base_us),
            None if is_api => (Status::Ok, Outcome::DefaultApiOk, base_us),
            None => (Status::Ok, Outcome::Json(Value::Null), base_us),
        };
        // An experiment's failure replaces a success (the handler's work is done, as with `error_rate`).
        let (status, outcome) = match fault.error {
            Some(error) if status == Status::Ok => (Status::Error, Outcome::Json(error)),
            _ => (status, outcome),
        };
        let end = now.saturating_add(init_us).saturating_add(run_us);
        let mut return_hop_us = 0;
        if let Mode::Sync(Reply::Api {
            api,
            req,
            deadline_us,
        }) = mode
        {
            return_hop_us = self.hop_us(Origin::Resource(f));
            self.api_check_deadline(api, req, deadline_us, end.saturating_add(return_hop_us));
        }
        let answer =
            matches!(mode, Mode::Sync(Reply::Script)).then(|| (status, outcome.to_json(), end));
        let inv = Invocation {
            func: f,
            env_id,
            request_n,
            trace,
            init_us,
            run_us,
            status,
            outcome,
            mode,
            return_hop_us,
        };
        self.schedule(end, Ev::InvokeEnd(Box::new(inv)));
        answer
    }

    /// The Lambda context a handler sees.
    fn lambda_context(
        &self,
        f: ResId,
        func: &Function,
        request_n: u64,
        env_id: u32,
        timeout_us: u64,
        t0: u64,
    ) -> crate::script::Context {
        let name = self.sc.id(f);
        let start = self.wall(t0);
        let stream_hex = format!(
            "{:032x}",
            super::ids::id_bits(
                self.seed,
                IdKind::Execution,
                (u64::from(f.0) << 32) | u64::from(env_id)
            )
        );
        crate::script::Context {
            function_name: name.to_string(),
            aws_request_id: self.request_id_text(request_n),
            memory_limit_in_mb: func.memory_mb,
            invoked_function_arn: self.aws.lambda_arn(name),
            log_group_name: format!("/aws/lambda/{name}"),
            // Lambda's log stream: date of the environment's creation, version, and a random id per environment.
            log_stream_name: format!("{}/[$LATEST]{stream_hex}", start.format("%Y/%m/%d")),
            timeout_us,
            start_time: start,
            environment: func.environment.clone(),
        }
    }

    /// An invocation ends: release its environment, record the result, answer or continue the async pipeline.
    pub(crate) fn invoke_end(&mut self, inv: Invocation) {
        let f = inv.func;
        let Some(func) = self.function(f) else { return };
        let (reserved, memory_mb) = (func.reserved_concurrency.is_some(), func.memory_mb);
        let now = self.now();
        let state = &mut self.fns[f.index()];
        state.busy = state.busy.saturating_sub(1);
        if inv.env_id <= state.provisioned {
            state.provisioned_idle.push(inv.env_id);
        } else {
            state.idle.push_back(IdleEnv {
                id: inv.env_id,
                since_us: now,
            });
        }
        if !reserved {
            self.pool.busy = self.pool.busy.saturating_sub(1);
        }
        if self.env_holds_connections(f, inv.env_id) {
            // Its connections close when it is reclaimed: be there on time (reclaim is otherwise lazy).
            let at = now.saturating_add(self.idle_timeout_us(f));
            self.schedule(at, Ev::EnvReclaim { func: f });
        }
        // Billed: duration rounded up to 1 ms, plus the init phase on a cold start (see module doc).
        let billed_ms = inv.run_us.div_ceil(1000) + inv.init_us.div_ceil(1000);
        let stats = &mut self.stats[f.index()];
        stats.record_duration(inv.run_us);
        stats.billed_ms += billed_ms;
        stats.gb_seconds += f64::from(memory_mb) / 1024.0 * billed_ms as f64 / 1000.0;
        match inv.status {
            Status::Ok => {}
            Status::Error => stats.errors += 1,
            Status::Timeout => {
                stats.errors += 1;
                stats.timeouts += 1;
            }
        }
        if self.tracing() {
            let ok = inv.status == Status::Ok;
            let record = TraceRecord::Result {
                t_ms: Ms(now),
                function: self.name_text(f),
                request_id: self.record_uuid(IdKind::Request, inv.request_n),
                trace_id: inv.trace.record_id(),
                span_id: inv.trace.span,
                status: inv.status,
                duration_ms: Ms(inv.run_us),
                billed_ms,
                response: ok.then(|| inv.outcome.to_shared_json()),
                error: (!ok).then(|| inv.outcome.to_shared_json()),
            };
            self.emit(|| record);
        }
        match inv.mode {
            Mode::Sync(Reply::Api { api, req, .. }) => {
                let outcome = match (inv.status, inv.outcome) {
                    (Status::Ok, Outcome::DefaultApiOk) => super::api::ReplyOutcome::DefaultOk,
                    (Status::Ok, Outcome::Json(v)) => {
                        super::api::ReplyOutcome::Response(Box::new(v))
                    }
                    (Status::Error | Status::Timeout, _) => super::api::ReplyOutcome::FunctionError,
                };
                let reply = super::api::HttpReply { req, outcome };
                self.send_after(
                    Origin::Resource(f),
                    api,
                    inv.trace,
                    Item::HttpReply(reply),
                    inv.return_hop_us,
                );
            }
            Mode::Sync(Reply::Caller | Reply::Script) => {}
            Mode::Sync(Reply::Sfn { execution, token }) => {
                let outcome = inv.outcome.into_json();
                let answer = match inv.status {
                    Status::Ok => super::sfn::TaskAnswer::Succeeded(outcome),
                    Status::Error | Status::Timeout => super::sfn::TaskAnswer::Failed {
                        error: outcome
                            .get("errorType")
                            .and_then(Value::as_str)
                            .unwrap_or("Lambda.Unknown")
                            .to_string(),
                        cause: outcome.to_string(),
                    },
                };
                self.sfn_feed(execution, token, Some(answer));
            }
            Mode::Sync(Reply::Esm { trigger, batch }) => {
                self.esm_result(
                    trigger,
                    batch,
                    super::esm::outcome_of(inv.status, inv.outcome.into_json()),
                );
            }
            Mode::Async(mut ae) => {
                // Retries, destinations and dead letters are caused by this invocation.
                ae.trace.span = inv.trace.span;
                self.async_outcome(f, ae, inv.status, inv.outcome.into_json())
            }
        }
    }

    fn async_outcome(&mut self, f: ResId, mut ae: Box<AsyncEvent>, status: Status, outcome: Value) {
        let Some(func) = self.function(f) else { return };
        if status == Status::Ok {
            if let Some(dest) = func.async_config.on_success {
                self.send_destination(f, dest, &ae, Condition::Success, None, outcome);
            }
            return;
        }
        let retries_allowed = func.async_config.retry_attempts;
        let max_age_us = u64::from(func.async_config.max_event_age_s) * 1_000_000;
        if ae.attempt <= retries_allowed {
            let delay = ASYNC_RETRY_DELAY_US[((ae.attempt - 1) as usize).min(1)];
            if self
                .now()
                .saturating_add(delay)
                .saturating_sub(ae.received_us)
                > max_age_us
            {
                ae.last_error = Some(outcome);
                self.expire_at_max_age(f, ae, max_age_us);
                return;
            }
            let reason = outcome
                .get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("function error")
                .to_string();
            ae.attempt += 1;
            let attempt = ae.attempt;
            self.record_retry(f, &mut ae.trace, attempt, delay, reason);
            let at = self.now().saturating_add(delay);
            self.schedule(at, Ev::AsyncAttempt { func: f, event: ae });
            return;
        }
        self.async_failed(f, ae, Condition::RetriesExhausted, Some(outcome));
    }

    /// An async event failed for good: on-failure destination and/or dead-letter queue, else dropped.
    fn async_failed(
        &mut self,
        f: ResId,
        ae: Box<AsyncEvent>,
        condition: Condition,
        error: Option<Value>,
    ) {
        debug_assert!(condition != Condition::Success, "a successful event failed");
        let Some(func) = self.function(f) else { return };
        let (mut on_failure, dead_letter) = (func.async_config.on_failure, func.dead_letter);
        if condition == Condition::RecursiveInvocationDetected
            && on_failure.is_some_and(|dest| !self.may_forward_stopped_loop(f, dest, ae.trace))
        {
            on_failure = None;
        }
        let attempts = ae.attempt;
        if on_failure.is_none() && dead_letter.is_none() {
            let trace = ae.trace;
            self.drop_item(f, trace, || match condition {
                Condition::EventAgeExceeded => {
                    "event expired in the async queue (maximum event age)".to_string()
                }
                Condition::RecursiveInvocationDetected => {
                    "recursive loop detected: Lambda stopped the invocation".to_string()
                }
                Condition::RetriesExhausted | Condition::Success => {
                    format!("async event failed after {attempts} attempt(s)")
                }
            });
            return;
        }
        if let Some(dest) = on_failure {
            let response = error.clone().unwrap_or_else(|| {
                error_object(
                    "TooManyRequestsException",
                    "Event expired while throttled (maximum event age)",
                )
            });
            self.send_destination(f, dest, &ae, condition, Some("Unhandled"), response);
        }
        if let Some(dlq) = dead_letter {
            self.record_dead_letter(f, dlq, ae.trace, condition.as_str());
            let mut item = self.target_item(dlq, ae.event.to_value(), false, None);
            // The legacy DLQ gets the original event with the request id and error as message attributes.
            let error_type = error
                .as_ref()
                .and_then(|e| e.get("errorType"))
                .and_then(Value::as_str)
                .unwrap_or(condition.as_str());
            let error_message = error
                .as_ref()
                .and_then(|e| e.get("errorMessage"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let attributes = json!({
                "RequestID": { "DataType": "String", "StringValue": self.request_id_text(ae.request_n) },
                "ErrorCode": { "DataType": "String", "StringValue": "200" },
                "ErrorMessage": { "DataType": "String", "StringValue": format!("{error_type}: {error_message}") },
            });
            match &mut item {
                Item::SqsSend(m) => m.attributes = attributes,
                Item::SnsPublish(m) => m.attributes = attributes,
                // Targets without message attributes get the bare event.
                Item::Invoke(_)
                | Item::PutEvent { .. }
                | Item::StartExecution { .. }
                | Item::Unsupported { .. } => {}
                Item::HttpRequest(_)
                | Item::HttpReply(_)
                | Item::RuleEvent(_)
                | Item::Object(_)
                | Item::TableOp(_) => {
                    debug_assert!(false, "`target_item` built a {} item", item.what());
                }
            }
            self.send(Origin::Resource(f), dlq, ae.trace, item);
        }
    }

    /// Whether an event that recursion detection stopped may go on to `f`'s on-failure destination `dest`.
    /// AWS sends it there, but a destination that leads back into the loop would start it again: the function
    /// itself never receives it (it would be stopped at once, its record nesting the last), and each function
    /// forwards a stopped event at most once per chain, so a loop of destinations ends too (issue 18, item 9).
    fn may_forward_stopped_loop(&mut self, f: ResId, dest: ResId, trace: TraceId) -> bool {
        if dest == f {
            return false;
        }
        let count = self
            .loop_counts
            .entry((trace.n, trace.loop_epoch, f))
            .or_insert(0);
        // The count's top bit marks the forward (and keeps the chain detected).
        let first = *count & LOOP_FORWARDED == 0;
        *count |= LOOP_FORWARDED;
        first
    }

    pub(crate) fn record_dead_letter(
        &mut self,
        from: ResId,
        target: ResId,
        trace: TraceId,
        reason: &str,
    ) {
        self.stats[from.index()].dead_lettered += 1;
        let now = self.now();
        let (resource, target, reason) = (self.name(from), self.name(target), reason.to_string());
        self.emit(|| TraceRecord::DeadLetter {
            t_ms: Ms(now),
            resource: resource.into(),
            target: target.into(),
            trace_id: trace.record_id(),
            parent_span_id: trace.cause(),
            reason,
        });
    }

    /// Sends Lambda's asynchronous invocation record to a destination.
    fn send_destination(
        &mut self,
        f: ResId,
        dest: ResId,
        ae: &AsyncEvent,
        condition: Condition,
        function_error: Option<&str>,
        response: Value,
    ) {
        let arn = format!("{}:$LATEST", self.aws.lambda_arn(self.sc.id(f)));
        let time = self.wall(self.now());
        let request_id = self.request_id_text(ae.request_n);
        let record = destination_record(
            &arn,
            &request_id,
            condition.as_str(),
            ae.attempt,
            &ae.event.as_value(),
            function_error,
            &response,
            time,
        );
        if condition != Condition::Success {
            self.record_dead_letter(f, dest, ae.trace, condition.as_str());
        }
        let payload = if self.sc.resource(dest).resource_type() == ResourceType::EventBus {
            // Destination records on a bus come as the detail of a "Lambda Function Invocation Result" event.
            let outcome = if condition == Condition::Success {
                "Success"
            } else {
                "Failure"
            };
            json!({
                "source": "lambda",
                "detail-type": format!("Lambda Function Invocation Result - {outcome}"),
                "resources": [arn],
                "detail": record,
            })
        } else {
            record
        };
        let item = self.target_item(dest, payload, false, None);
        self.send(Origin::Resource(f), dest, ae.trace, item);
    }
}

/// The `Reason` of the `TooManyRequestsException` Lambda returns when `func` has no free concurrency (Lambda API
/// Reference, Invoke errors, TooManyRequestsException: `ReservedFunctionConcurrentInvocationLimitExceeded` when
/// the function's reserved concurrency is used up, `ConcurrentInvocationLimitExceeded` for the account's pool).
pub(crate) fn throttle_reason_code(func: &Function) -> &'static str {
    match func.reserved_concurrency {
        Some(_) => "ReservedFunctionConcurrentInvocationLimitExceeded",
        None => "ConcurrentInvocationLimitExceeded",
    }
}

/// The text a caller of a throttled synchronous invocation sees: Lambda's message and the `Reason` field.
pub(crate) fn throttle_message(reason_code: &str) -> String {
    format!("Rate Exceeded. (Reason: {reason_code})")
}

fn function_of(sc: &Scenario, f: ResId) -> Option<&Function> {
    let ResourceKind::Function(func) = &sc.resource(f).kind else {
        return None;
    };
    Some(func)
}
