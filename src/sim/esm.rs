//! Lambda event source mappings (`trigger`): pollers that read queues and table streams and invoke a function
//! synchronously with batches.
//!
//! Queues (aws-semantics.md §2.2–2.4, Lambda guide "Using Lambda with Amazon SQS"):
//! - Batches of up to `batch_size`, and never more than the 6 MB synchronous invoke payload (`limits`); with
//!   `maximum_batching_window_s` > 0 the poller gathers up to that long to fill a batch. The messages it gathers
//!   are received at once: their visibility timeout and receive count start when polled, not when the window
//!   closes. `filter_criteria` patterns are matched against each record; records matching none are deleted.
//! - Concurrency starts at 5 batches and grows by up to 300 per minute while messages remain, to at most 1,000
//!   (or `maximum_concurrency`), on a clock of its own (a scaling step wakes the poller). The function's own
//!   concurrency limits it further: a throttled batch is retried with backoff (1 s doubling) while its messages
//!   stay invisible, and returns to the queue only when the next try would come after the visibility timeout;
//!   after a throttle the poller stops growing until a batch runs.
//! - Recursive loop detection stops a looping message without deleting it: it returns after the visibility
//!   timeout, its receive count grows, and redrive (or retention) ends it.
//! - Success deletes the batch; an error leaves it in flight so it returns after the visibility timeout. With
//!   `report_batch_item_failures`, only the listed `itemIdentifier`s return; an empty or null list (or a null
//!   response) is full success; an empty/null identifier or one not in the batch fails the whole batch.
//!
//! Streams (§7.3):
//! - One batch in flight per shard (one shard per table here), in order; success advances the position; an error
//!   retries the same batch (backoff from 1 s doubling to 60 s — AWS documents retries, not their delays) until
//!   it succeeds, `maximum_retry_attempts` is used up, or the records expire (24 h); then the batch is skipped and
//!   its description goes to `on_failure`. `bisect_batch_on_function_error` halves the batch on each error.
//!   With `report_batch_item_failures` the position moves to the lowest failed sequence number.
//!
//! Approximation: pollers react to new messages at once (AWS long-polls, typically within milliseconds).

use std::collections::BTreeMap;

use serde_json::Value;

use super::engine::{Ev, Item, Origin, Sim};
use super::function::{InvokeReq, Reply};
use super::ids::{IdKind, TraceId};
use super::limits::SYNC_INVOKE_PAYLOAD_MAX_BYTES;
use super::queue::MsgState;
use super::trace::Status;
use crate::events::sqs;
use crate::scenario::{ResId, ResourceKind, ResourceType, Trigger};

/// SQS pollers start with 5 concurrent batches and add up to 300 per minute while messages remain, to at most
/// 1,000 (Lambda guide, "Scaling and processing" for SQS; aws-semantics.md §2.3). Added one at a time: one more
/// every 60 s / 300 = 200 ms (AWS does not say whether it adds them smoothly or in steps).
const SQS_INITIAL_CONCURRENCY: u64 = 5;
const SQS_SCALE_PER_MINUTE: u64 = 300;
const SQS_SCALE_STEP_US: u64 = 60_000_000 / SQS_SCALE_PER_MINUTE;
const SQS_MAX_CONCURRENCY: u64 = 1000;
/// A throttled queue batch is retried after 1 s, doubling to at most 5 min, while its messages stay invisible.
/// AWS documents the retry (Lambda guide, SQS error handling: "keeps retrying the message until the message's
/// visibility timeout expires"), not its delays: those of throttled async events are used (§1.3).
const ESM_THROTTLE_BACKOFF_MIN_US: u64 = 1_000_000;
const ESM_THROTTLE_BACKOFF_MAX_US: u64 = 300_000_000;
/// The bytes of an SQS event around its records: `{"Records":[` … `]}`.
const EVENT_ENVELOPE_BYTES: usize = 14;
const STREAM_BACKOFF_MIN_US: u64 = 1_000_000;
const STREAM_BACKOFF_MAX_US: u64 = 60_000_000;

#[derive(Debug, Clone)]
pub(crate) enum Batch {
    /// A queue batch.
    Queue(QueueBatch),
    /// Absolute stream positions [start, end) and the sequence numbers of the records sent.
    Stream {
        start: usize,
        end: usize,
        sent: Vec<(usize, String)>,
    },
}

/// A queue batch being invoked.
#[derive(Debug, Clone)]
pub(crate) struct QueueBatch {
    /// Message numbers, in batch order.
    ids: Vec<u64>,
    /// Throttles so far (each retried with backoff).
    throttles: u32,
    /// When the first of its messages becomes visible again (their visibility timeout ends).
    visible_again_us: u64,
    /// The chain the batch's invocations belong to (the first message's; a retry's span after a throttle).
    trace: TraceId,
}

impl EsmState {
    /// Calls `f` with the causal chain of every queue batch being invoked (`Sim::live_chains`; stream batches
    /// hold positions in their table's stream, whose records carry their chains).
    pub(crate) fn chains(&self, f: &mut impl FnMut(u64)) {
        for batch in self.batches.values() {
            if let Batch::Queue(q) = batch {
                f(q.trace.n);
            }
        }
    }
}

/// A message received for the batch a queue poller is gathering.
#[derive(Debug, Clone)]
struct Gathered {
    n: u64,
    /// The message's generation at this receive: a different one means it has since returned to the queue.
    generation: u32,
    visible_again_us: u64,
    /// What it adds to the batch's payload (`StoredMessage::record_bytes`).
    bytes: usize,
    /// Its record (null when nothing observes the event).
    record: Value,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct EsmState {
    pub active: u32,
    next_batch: u64,
    batches: BTreeMap<u64, Batch>,
    polling: bool,
    /// Streams: a batching window timer is pending.
    window_scheduled: bool,
    /// Streams: the batching window has ended.
    window_elapsed: bool,
    /// Queues: since when messages have waited with the poller at its concurrency limit.
    backlog_since_us: Option<u64>,
    /// Queues: messages received for the next batch (its batching window filling).
    gathering: Vec<Gathered>,
    /// Queues: the payload bytes of `gathering`.
    gathering_bytes: usize,
    /// Queues: when the batching window of `gathering` closes.
    window_ends_us: Option<u64>,
    /// Queues: a scaling step is scheduled.
    scale_pending: bool,
    /// Queues: after a throttle the poller stops growing at this concurrency until a batch runs.
    throttled_cap: Option<u32>,
    /// Streams: next position to read (absolute index in the table's stream).
    position: usize,
    attempt: u32,
    bisect_limit: Option<usize>,
    retry_pending: bool,
}

/// How a batch invocation ended.
#[derive(Debug)]
pub(crate) enum EsmOutcome {
    Returned(Value),
    Failed,
    Throttled,
}

impl Sim {
    fn trigger_cfg(&self, t: ResId) -> Option<&Trigger> {
        let ResourceKind::Trigger(cfg) = &self.sc.resource(t).kind else {
            self.wrong_kind(t, ResourceType::Trigger);
            return None;
        };
        Some(cfg)
    }

    /// The poller of a trigger looks for work.
    pub(crate) fn esm_poll(&mut self, t: ResId) {
        let Some(cfg) = self.trigger_cfg(t) else {
            return;
        };
        if !cfg.enabled || self.faults.trigger_disabled(t) || self.esms[t.index()].polling {
            return;
        }
        let source = cfg.source;
        let source_type = self.sc.resource(source).resource_type();
        self.esms[t.index()].polling = true;
        match source_type {
            ResourceType::Queue => self.poll_queue(t),
            ResourceType::Table => self.poll_stream(t),
            // The loader accepts only queues and tables as trigger sources.
            ResourceType::Function
            | ResourceType::Api
            | ResourceType::EventBus
            | ResourceType::Rule
            | ResourceType::Schedule
            | ResourceType::Bucket
            | ResourceType::Topic
            | ResourceType::Trigger
            | ResourceType::StateMachine
            | ResourceType::Database
            | ResourceType::DbProxy => self.wrong_kind(source, ResourceType::Queue),
        }
        self.esms[t.index()].polling = false;
    }

    /// A batching window or a stream retry delay ends.
    pub(crate) fn esm_timer(&mut self, t: ResId) {
        let st = &mut self.esms[t.index()];
        st.window_scheduled = false;
        st.window_elapsed = true;
        st.retry_pending = false;
        self.esm_poll(t);
    }

    /// The queue poller's concurrency limit now: 5 batches, plus 300 per minute of waiting backlog (one more
    /// every 200 ms), at most `cap` and 1,000; frozen after a throttle (see [`EsmState::throttled_cap`]).
    fn scaling_limit(&self, t: ResId, cap: u64) -> u32 {
        let now = self.now();
        let st = &self.esms[t.index()];
        let grown = st
            .backlog_since_us
            .map_or(0, |since| now.saturating_sub(since) / SQS_SCALE_STEP_US);
        let limit = (SQS_INITIAL_CONCURRENCY + grown)
            .min(cap)
            .min(SQS_MAX_CONCURRENCY) as u32;
        st.throttled_cap.map_or(limit, |c| limit.min(c))
    }

    /// While messages wait and the poller is at its limit, wakes it when the limit next grows (AWS scales on its
    /// own clock, not only when a message arrives or an invocation ends).
    fn schedule_scale_step(&mut self, t: ResId, cap: u64) {
        let limit = u64::from(self.scaling_limit(t, cap));
        let st = &self.esms[t.index()];
        let Some(since) = st.backlog_since_us else {
            return;
        };
        if st.scale_pending || st.throttled_cap.is_some() || limit >= cap.min(SQS_MAX_CONCURRENCY) {
            return;
        }
        let grown = limit.saturating_sub(SQS_INITIAL_CONCURRENCY) + 1;
        let at = since
            .saturating_add(grown.saturating_mul(SQS_SCALE_STEP_US))
            .max(self.now());
        self.esms[t.index()].scale_pending = true;
        self.schedule(at, Ev::EsmScale { trigger: t });
    }

    /// A queue poller's scaling step comes due.
    pub(crate) fn esm_scale(&mut self, t: ResId) {
        self.esms[t.index()].scale_pending = false;
        self.esm_poll(t);
    }

    fn poll_queue(&mut self, t: ResId) {
        let Some(cfg) = self.trigger_cfg(t).cloned() else {
            return;
        };
        let q = cfg.source;
        let window_us = u64::from(cfg.maximum_batching_window_s) * 1_000_000;
        let fifo = self.is_fifo_queue(q);
        let cap = cfg
            .maximum_concurrency
            .map_or(SQS_MAX_CONCURRENCY, u64::from);
        loop {
            let now = self.now();
            let visible = self.queues[q.index()].visible_count();
            let gathered = self.esms[t.index()].gathering.len();
            if visible == 0 && gathered == 0 {
                self.esms[t.index()].backlog_since_us = None;
                break;
            }
            let limit = self.scaling_limit(t, cap);
            if self.esms[t.index()].active >= limit {
                if visible > 0 {
                    self.esms[t.index()].backlog_since_us.get_or_insert(now);
                    self.schedule_scale_step(t, cap);
                }
                break;
            }
            // Receive into the batch being gathered: the messages' visibility clocks and receive counts start now,
            // while the batching window fills (Lambda guide: add the window to the visibility timeout).
            let room = cfg.batch_size.saturating_sub(gathered as u32);
            let mut full = room == 0;
            if room > 0 && visible > 0 {
                let used = self.esms[t.index()].gathering_bytes;
                let budget =
                    SYNC_INVOKE_PAYLOAD_MAX_BYTES.saturating_sub(EVENT_ENVELOPE_BYTES + used);
                let (ids, stopped_by_size) = self.queue_receive(q, room, budget, gathered == 0);
                full |= stopped_by_size;
                if ids.is_empty() && gathered == 0 {
                    // Nothing receivable now (FIFO groups busy, or only expired and redriven messages).
                    break;
                }
                self.gather(t, &cfg, q, fifo, ids);
            }
            let st = &mut self.esms[t.index()];
            if st.gathering.is_empty() {
                continue;
            }
            full |= st.gathering.len() as u32 >= cfg.batch_size;
            if window_us > 0 && !full {
                match st.window_ends_us {
                    None => {
                        let end = now.saturating_add(window_us);
                        st.window_ends_us = Some(end);
                        self.schedule(end, Ev::EsmTimer { trigger: t });
                        break;
                    }
                    Some(end) if now < end => break,
                    Some(_) => {}
                }
            }
            self.dispatch_gathered(t, &cfg, q);
        }
    }

    /// Sorts freshly received messages: those no filter matches are deleted; those whose chain has looped are
    /// stopped and left in the queue (AWS does not delete them: they return after the visibility timeout, and
    /// redrive or retention ends them); the rest join the batch being gathered.
    fn gather(&mut self, t: ResId, cfg: &Trigger, q: ResId, fifo: bool, ids: Vec<u64>) {
        let build = !cfg.filter_criteria.is_empty() || self.observes_events(cfg.function);
        let visibility_us = self
            .sc
            .resource(q)
            .kind
            .as_queue()
            .map_or(0, |c| u64::from(c.visibility_timeout_s) * 1_000_000);
        let now = self.now();
        for n in ids {
            let record = if build {
                self.queue_record(q, n, fifo)
            } else {
                Value::Null
            };
            let Some((trace, generation, bytes)) = self.queues[q.index()]
                .messages
                .get(&n)
                .map(|m| (m.trace, m.generation, m.record_bytes))
            else {
                continue;
            };
            if !cfg.filter_criteria.is_empty()
                && !cfg.filter_criteria.iter().any(|(_, p)| p.matches(&record))
            {
                self.drop_item(t, trace, || {
                    "filtered out by the trigger's filter criteria".to_string()
                });
                self.queue_delete(q, &[n]);
                continue;
            }
            if self.loop_detected(trace, cfg.function) {
                self.drop_item(t, trace, || {
                    "recursive loop detected: Lambda stopped the invocation; the message stays in the queue"
                        .to_string()
                });
                continue;
            }
            let st = &mut self.esms[t.index()];
            // Received again (its visibility timeout ended inside the window): the older receive is void.
            if let Some(i) = st.gathering.iter().position(|g| g.n == n) {
                let stale = st.gathering.remove(i);
                st.gathering_bytes = st.gathering_bytes.saturating_sub(stale.bytes);
            }
            st.gathering.push(Gathered {
                n,
                generation,
                visible_again_us: now.saturating_add(visibility_us),
                bytes,
                record,
            });
            st.gathering_bytes = st.gathering_bytes.saturating_add(bytes);
        }
    }

    /// Invokes the function with the gathered batch (the messages this receive still holds: a visibility timeout
    /// shorter than the window may have returned some to the queue).
    fn dispatch_gathered(&mut self, t: ResId, cfg: &Trigger, q: ResId) {
        let st = &mut self.esms[t.index()];
        let gathered = std::mem::take(&mut st.gathering);
        st.gathering_bytes = 0;
        st.window_ends_us = None;
        let messages = &self.queues[q.index()].messages;
        let held: Vec<Gathered> = gathered
            .into_iter()
            .filter(|g| {
                messages
                    .get(&g.n)
                    .is_some_and(|m| m.generation == g.generation && m.state == MsgState::InFlight)
            })
            .collect();
        let Some(first) = held.first() else { return };
        let Some(trace) = messages.get(&first.n).map(|m| m.trace) else {
            return;
        };
        let visible_again_us = held.iter().map(|g| g.visible_again_us).min().unwrap_or(0);
        let build = !cfg.filter_criteria.is_empty() || self.observes_events(cfg.function);
        let (ids, records): (Vec<u64>, Vec<Value>) =
            held.into_iter().map(|g| (g.n, g.record)).unzip();
        let event = if build {
            sqs::event(records)
        } else {
            Value::Null
        };
        let st = &mut self.esms[t.index()];
        st.active += 1;
        st.next_batch += 1;
        let batch = st.next_batch;
        st.batches.insert(
            batch,
            Batch::Queue(QueueBatch {
                ids,
                throttles: 0,
                visible_again_us,
                trace,
            }),
        );
        self.stats[t.index()].count += 1;
        let req = InvokeReq::sync(event, Reply::Esm { trigger: t, batch });
        self.send(
            Origin::Resource(q),
            cfg.function,
            trace,
            Item::Invoke(Box::new(req)),
        );
    }

    /// A batch invocation ended (or was throttled).
    pub(crate) fn esm_result(&mut self, t: ResId, batch: u64, outcome: EsmOutcome) {
        let Some(cfg) = self.trigger_cfg(t).cloned() else {
            return;
        };
        if matches!(outcome, EsmOutcome::Throttled) && self.retry_throttled_batch(t, batch) {
            return;
        }
        let st = &mut self.esms[t.index()];
        st.active = st.active.saturating_sub(1);
        let Some(b) = st.batches.remove(&batch) else {
            return;
        };
        match b {
            Batch::Queue(qb) => self.queue_batch_done(t, &cfg, qb.ids, outcome),
            Batch::Stream { start, end, sent } => {
                self.stream_batch_done(t, &cfg, start, end, sent, outcome)
            }
        }
        self.esm_poll(t);
    }

    /// A queue batch was throttled: Lambda lowers the poller's concurrency (here: stops growing it) and retries
    /// the batch with backoff while its messages are still invisible (Lambda guide, "Using Lambda with Amazon
    /// SQS", throttling; aws-semantics.md §1.3). False when the next try would fall after the visibility timeout:
    /// then the batch returns to the queue.
    fn retry_throttled_batch(&mut self, t: ResId, batch: u64) -> bool {
        let now = self.now();
        let st = &mut self.esms[t.index()];
        st.throttled_cap = Some(st.active.max(SQS_INITIAL_CONCURRENCY as u32));
        let Some(Batch::Queue(qb)) = st.batches.get_mut(&batch) else {
            return false;
        };
        let delay = ESM_THROTTLE_BACKOFF_MIN_US
            .saturating_mul(1u64 << qb.throttles.min(20))
            .min(ESM_THROTTLE_BACKOFF_MAX_US);
        if now.saturating_add(delay) >= qb.visible_again_us {
            return false;
        }
        qb.throttles += 1;
        let attempt = qb.throttles + 1;
        let mut trace = qb.trace;
        self.record_retry(
            t,
            &mut trace,
            attempt,
            delay,
            "throttled; the poller retries the batch inside the visibility timeout".to_string(),
        );
        if let Some(Batch::Queue(qb)) = self.esms[t.index()].batches.get_mut(&batch) {
            qb.trace = trace;
        }
        self.schedule(
            now.saturating_add(delay),
            Ev::EsmRetry { trigger: t, batch },
        );
        true
    }

    /// A throttled queue batch is invoked again: the same messages, still in flight.
    pub(crate) fn esm_retry(&mut self, t: ResId, batch: u64) {
        let Some(cfg) = self.trigger_cfg(t).cloned() else {
            return;
        };
        let q = cfg.source;
        let Some(Batch::Queue(qb)) = self.esms[t.index()].batches.get(&batch) else {
            return;
        };
        let (ids, trace) = (qb.ids.clone(), qb.trace);
        let fifo = self.is_fifo_queue(q);
        let build = !cfg.filter_criteria.is_empty() || self.observes_events(cfg.function);
        let event = if build {
            sqs::event(ids.iter().map(|n| self.queue_record(q, *n, fifo)).collect())
        } else {
            Value::Null
        };
        let req = InvokeReq::sync(event, Reply::Esm { trigger: t, batch });
        self.send(
            Origin::Resource(q),
            cfg.function,
            trace,
            Item::Invoke(Box::new(req)),
        );
    }

    fn queue_batch_done(&mut self, t: ResId, cfg: &Trigger, ids: Vec<u64>, outcome: EsmOutcome) {
        let q = cfg.source;
        if !matches!(outcome, EsmOutcome::Throttled) {
            // The function ran: the poller may grow again.
            self.esms[t.index()].throttled_cap = None;
        }
        let failed: Option<Vec<u64>> = match outcome {
            EsmOutcome::Returned(response) if cfg.report_batch_item_failures => {
                let known: Vec<(String, u64)> = ids
                    .iter()
                    .map(|n| (self.uuid_of(IdKind::Message, *n), *n))
                    .collect();
                partial_failures(&response, |id| {
                    known.iter().find(|(m, _)| m == id).map(|(_, n)| *n)
                })
            }
            EsmOutcome::Returned(_) => Some(Vec::new()),
            EsmOutcome::Failed | EsmOutcome::Throttled => None,
        };
        match failed {
            Some(failed) => {
                if !failed.is_empty() {
                    self.stats[t.index()].errors += 1;
                }
                let done: Vec<u64> = ids.into_iter().filter(|n| !failed.contains(n)).collect();
                self.queue_delete(q, &done);
            }
            None => {
                // The whole batch stays in flight and returns after the visibility timeout.
                self.stats[t.index()].errors += 1;
            }
        }
    }

    fn poll_stream(&mut self, t: ResId) {
        let Some(cfg) = self.trigger_cfg(t).cloned() else {
            return;
        };
        let table = cfg.source;
        let window_us = u64::from(cfg.maximum_batching_window_s) * 1_000_000;
        loop {
            let st = &self.esms[t.index()];
            if st.active > 0 || st.retry_pending {
                return;
            }
            let now = self.now();
            let ts = &self.tables[table.index()];
            let pos = ts.first_live_position(st.position, now);
            let available = ts.stream_end() - pos;
            let max = st.bisect_limit.unwrap_or(cfg.batch_size as usize).max(1);
            if available == 0 {
                self.esms[t.index()].position = pos;
                return;
            }
            if window_us > 0 && available < max && !st.window_elapsed {
                if !st.window_scheduled {
                    self.esms[t.index()].window_scheduled = true;
                    self.schedule(now.saturating_add(window_us), Ev::EsmTimer { trigger: t });
                }
                self.esms[t.index()].position = pos;
                return;
            }
            let end = pos + available.min(max);
            let mut records = Vec::new();
            let mut sent = Vec::new();
            let mut trace = None;
            for i in pos..end {
                let Some(e) = ts.stream_entry(i) else {
                    break;
                };
                if !cfg.filter_criteria.is_empty()
                    && !cfg
                        .filter_criteria
                        .iter()
                        .any(|(_, p)| p.matches(&e.record))
                {
                    continue;
                }
                trace.get_or_insert(e.trace);
                records.push(e.record.clone());
                sent.push((i, e.sequence_number.clone()));
            }
            let st = &mut self.esms[t.index()];
            st.window_elapsed = false;
            st.position = pos;
            let Some(trace) = trace else {
                // Every record was filtered out: skip them.
                st.position = end;
                continue;
            };
            st.active = 1;
            st.next_batch += 1;
            let batch = st.next_batch;
            st.batches.insert(
                batch,
                Batch::Stream {
                    start: pos,
                    end,
                    sent,
                },
            );
            self.stats[t.index()].count += 1;
            let event = crate::events::dynamodb::stream_event(records);
            let req = InvokeReq::sync(event, Reply::Esm { trigger: t, batch });
            self.send(
                Origin::Resource(table),
                cfg.function,
                trace,
                Item::Invoke(Box::new(req)),
            );
            return;
        }
    }

    fn stream_batch_done(
        &mut self,
        t: ResId,
        cfg: &Trigger,
        start: usize,
        end: usize,
        sent: Vec<(usize, String)>,
        outcome: EsmOutcome,
    ) {
        // Where processing got to: Ok(end) on success, Err(first position to retry) on failure.
        let result: Result<usize, usize> = match outcome {
            EsmOutcome::Returned(response) if cfg.report_batch_item_failures => {
                match partial_failures(&response, |id| {
                    sent.iter().find(|(_, s)| s == id).map(|(i, _)| *i as u64)
                }) {
                    Some(failed) if failed.is_empty() => Ok(end),
                    Some(failed) => Err(failed.iter().copied().min().map_or(start, |i| i as usize)),
                    None => Err(start),
                }
            }
            EsmOutcome::Returned(_) => Ok(end),
            EsmOutcome::Failed | EsmOutcome::Throttled => Err(start),
        };
        let st = &mut self.esms[t.index()];
        match result {
            Ok(end) => {
                st.position = end;
                st.attempt = 0;
                st.bisect_limit = None;
            }
            Err(retry_from) => {
                st.position = retry_from;
                st.attempt += 1;
                let attempt = st.attempt;
                self.stats[t.index()].errors += 1;
                let trace = self.stream_trace(cfg.source, retry_from);
                let exhausted = cfg.maximum_retry_attempts >= 0
                    && i64::from(attempt) > cfg.maximum_retry_attempts;
                if exhausted {
                    self.stream_discard(t, cfg, retry_from, end, attempt, trace);
                    return;
                }
                let st = &mut self.esms[t.index()];
                if cfg.bisect_batch_on_function_error && end - retry_from > 1 {
                    st.bisect_limit = Some((end - retry_from).div_ceil(2));
                }
                let delay = STREAM_BACKOFF_MIN_US
                    .saturating_mul(1u64 << (attempt - 1).min(20))
                    .min(STREAM_BACKOFF_MAX_US);
                st.retry_pending = true;
                if let Some(mut trace) = trace {
                    self.record_retry(
                        t,
                        &mut trace,
                        attempt + 1,
                        delay,
                        "stream batch failed; the shard waits".to_string(),
                    );
                }
                let at = self.now().saturating_add(delay);
                self.schedule(at, Ev::EsmTimer { trigger: t });
            }
        }
    }

    /// The spans that caused a batch: each message's `enqueue` span (queues), each stream record's writer's
    /// span (streams; several records written by one invocation share it), in batch order without repeats.
    /// Only called while tracing: the `invoke` record's `links`.
    pub(crate) fn batch_links(&self, t: ResId, batch: u64) -> Vec<u64> {
        let Some(source) = self.trigger_cfg(t).map(|cfg| cfg.source) else {
            return Vec::new();
        };
        match self.esms[t.index()].batches.get(&batch) {
            Some(Batch::Queue(qb)) => {
                // Every message has its own enqueue span: no repeats to remove.
                let messages = &self.queues[source.index()].messages;
                qb.ids
                    .iter()
                    .filter_map(|n| messages.get(n).map(|m| m.trace.span))
                    .filter(|span| *span != 0)
                    .collect()
            }
            Some(Batch::Stream { sent, .. }) => {
                let ts = &self.tables[source.index()];
                let mut seen = std::collections::BTreeSet::new();
                sent.iter()
                    .filter_map(|(pos, _)| ts.stream_entry(*pos).map(|e| e.trace.span))
                    .filter(|span| *span != 0 && seen.insert(*span))
                    .collect()
            }
            None => Vec::new(),
        }
    }

    fn stream_trace(&self, table: ResId, pos: usize) -> Option<TraceId> {
        let ts = &self.tables[table.index()];
        ts.stream_entry(pos).map(|e| e.trace)
    }

    /// Gives up on a stream batch: its description goes to `on_failure` (if any) and the shard moves on.
    fn stream_discard(
        &mut self,
        t: ResId,
        cfg: &Trigger,
        start: usize,
        end: usize,
        attempts: u32,
        trace: Option<TraceId>,
    ) {
        let st = &mut self.esms[t.index()];
        st.position = end;
        st.attempt = 0;
        st.bisect_limit = None;
        let Some(trace) = trace else { return };
        match cfg.on_failure {
            Some(dest) => {
                self.record_dead_letter(t, dest, trace, "RetryAttemptsExhausted");
                let record = self.stream_failure_record(t, cfg, start, end, attempts);
                let item = self.target_item(dest, record, false, None);
                self.send(Origin::Resource(t), dest, trace, item);
            }
            None => {
                self.drop_item(t, trace, || {
                    format!("stream batch skipped after {attempts} failed attempt(s)")
                });
            }
        }
    }

    fn stream_failure_record(
        &self,
        t: ResId,
        cfg: &Trigger,
        start: usize,
        end: usize,
        attempts: u32,
    ) -> Value {
        let table = cfg.source;
        let ts = &self.tables[table.index()];
        let entry = |i: usize| ts.stream_entry(i);
        let first = entry(start);
        let last = entry(end.saturating_sub(1));
        let info = crate::events::dynamodb::StreamBatchFailure {
            request_id: &self.uuid_of(IdKind::Request, (u64::from(t.0) << 32) | start as u64),
            function_arn: &format!("{}:$LATEST", self.aws.lambda_arn(self.sc.id(cfg.function))),
            condition: "RetryAttemptsExhausted",
            approximate_invoke_count: attempts,
            stream_arn: &self
                .aws
                .dynamodb_stream_arn(self.sc.id(table), &self.stream_label()),
            shard_id: "shardId-00000000000000000000-00000001",
            start_sequence_number: first.map_or("", |e| e.sequence_number.as_str()),
            end_sequence_number: last.map_or("", |e| e.sequence_number.as_str()),
            first_record_arrival: self.wall(first.map_or(0, |e| e.created_us)),
            last_record_arrival: self.wall(last.map_or(0, |e| e.created_us)),
            response: Some(crate::events::dynamodb::FailureResponse {
                status_code: 200,
                executed_version: "$LATEST",
                function_error: Some("Unhandled"),
            }),
            batch_size: (end - start) as u32,
            time: self.wall(self.now()),
        };
        crate::events::dynamodb::stream_failure_record(&info)
    }

    /// Lambda's recursive loop detection: a chain that has invoked this function 16 times through SQS, SNS, S3 or
    /// direct Lambda invocations is stopped (Lambda guide, "Recursive loop detection": "Lambda can detect loops
    /// between Lambda, Amazon SQS, Amazon S3 and Amazon SNS"). A loop through another service (an EventBridge
    /// bus, a DynamoDB stream, Step Functions) loses the tracking and runs on: see `TraceId::loop_epoch`.
    pub(crate) fn loop_detected(&self, trace: TraceId, f: ResId) -> bool {
        self.loop_counts
            .get(&(trace.n, trace.loop_epoch, f))
            .is_some_and(|c| *c >= RECURSION_LIMIT)
    }

    pub(crate) fn count_loop(&mut self, trace: TraceId, f: ResId) {
        *self
            .loop_counts
            .entry((trace.n, trace.loop_epoch, f))
            .or_insert(0) += 1;
    }
}

/// Lambda stops a recursive chain after about 16 invocations (Lambda guide, "Recursive loop detection").
pub(crate) const RECURSION_LIMIT: u32 = 16;

/// Reads a `batchItemFailures` response: `Some(failed)` (empty = full success), or `None` when the response
/// fails the whole batch (an empty/null identifier, an identifier not in the batch, a malformed entry).
fn partial_failures(response: &Value, lookup: impl Fn(&str) -> Option<u64>) -> Option<Vec<u64>> {
    let list = match response {
        Value::Null => return Some(Vec::new()),
        Value::Object(m) => match m.get("batchItemFailures") {
            None | Some(Value::Null) => return Some(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(_) => return None,
        },
        _ => return Some(Vec::new()),
    };
    let mut failed = Vec::with_capacity(list.len());
    for entry in list {
        let id = entry
            .get("itemIdentifier")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())?;
        failed.push(lookup(id)?);
    }
    Some(failed)
}

/// Converts an invocation's end into a batch outcome.
pub(crate) fn outcome_of(status: Status, response: Value) -> EsmOutcome {
    match status {
        Status::Ok => EsmOutcome::Returned(response),
        Status::Error | Status::Timeout => EsmOutcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::partial_failures;
    use serde_json::json;

    #[test]
    fn batch_item_failures_follow_the_documented_rules() {
        let lookup = |id: &str| match id {
            "a" => Some(1),
            "b" => Some(2),
            _ => None,
        };
        assert_eq!(partial_failures(&json!(null), lookup), Some(vec![]));
        assert_eq!(partial_failures(&json!({}), lookup), Some(vec![]));
        assert_eq!(
            partial_failures(&json!({"batchItemFailures": []}), lookup),
            Some(vec![])
        );
        assert_eq!(
            partial_failures(&json!({"batchItemFailures": null}), lookup),
            Some(vec![])
        );
        assert_eq!(
            partial_failures(
                &json!({"batchItemFailures": [{"itemIdentifier": "b"}]}),
                lookup
            ),
            Some(vec![2])
        );
        assert_eq!(
            partial_failures(
                &json!({"batchItemFailures": [{"itemIdentifier": ""}]}),
                lookup
            ),
            None
        );
        assert_eq!(
            partial_failures(
                &json!({"batchItemFailures": [{"itemIdentifier": null}]}),
                lookup
            ),
            None
        );
        assert_eq!(
            partial_failures(&json!({"batchItemFailures": [{"itemId": "a"}]}), lookup),
            None
        );
        assert_eq!(
            partial_failures(
                &json!({"batchItemFailures": [{"itemIdentifier": "zzz"}]}),
                lookup
            ),
            None
        );
        assert_eq!(
            partial_failures(&json!({"batchItemFailures": "a"}), lookup),
            None
        );
    }
}
