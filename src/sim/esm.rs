//! Lambda event source mappings (`trigger`): pollers that read queues and table streams and invoke a function
//! synchronously with batches.
//!
//! Queues (aws-semantics.md §2.2–2.4, Lambda guide "Using Lambda with Amazon SQS"):
//! - Batches of up to `batch_size`; with `maximum_batching_window_s` > 0 the poller waits up to that long to fill
//!   a batch. `filter_criteria` patterns are matched against each record; records matching none are deleted.
//! - Concurrency starts at 5 batches and grows by up to 300 per minute while messages remain, to at most 1,000
//!   (or `maximum_concurrency`); the function's own concurrency limits it further (throttled batches stay in
//!   flight and return after the visibility timeout).
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
use super::trace::{Ms, Status, TraceRecord};
use crate::events::sqs;
use crate::scenario::{ResId, ResourceKind, ResourceType, Trigger};

/// SQS pollers start with 5 concurrent batches and add up to 300 per minute, to at most 1,000 (§2.3).
const SQS_INITIAL_CONCURRENCY: u64 = 5;
const SQS_SCALE_PER_MINUTE: u64 = 300;
const SQS_MAX_CONCURRENCY: u64 = 1000;
const STREAM_BACKOFF_MIN_US: u64 = 1_000_000;
const STREAM_BACKOFF_MAX_US: u64 = 60_000_000;

#[derive(Debug, Clone)]
pub(crate) enum Batch {
    /// Message numbers of a queue batch.
    Queue(Vec<u64>),
    /// Absolute stream positions [start, end) and the sequence numbers of the records sent.
    Stream {
        start: usize,
        end: usize,
        sent: Vec<(usize, String)>,
    },
}

#[derive(Debug, Clone, Default)]
pub(crate) struct EsmState {
    pub active: u32,
    next_batch: u64,
    batches: BTreeMap<u64, Batch>,
    polling: bool,
    window_scheduled: bool,
    window_elapsed: bool,
    backlog_since_us: Option<u64>,
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
            | ResourceType::StateMachine => self.wrong_kind(source, ResourceType::Queue),
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

    fn scaling_limit(&mut self, t: ResId, cap: u64) -> u32 {
        let now = self.now();
        let st = &self.esms[t.index()];
        let grown = st.backlog_since_us.map_or(0, |since| {
            now.saturating_sub(since) * SQS_SCALE_PER_MINUTE / 60_000_000
        });
        (SQS_INITIAL_CONCURRENCY + grown)
            .min(cap)
            .min(SQS_MAX_CONCURRENCY) as u32
    }

    fn poll_queue(&mut self, t: ResId) {
        let Some(cfg) = self.trigger_cfg(t).cloned() else {
            return;
        };
        let q = cfg.source;
        let window_us = u64::from(cfg.maximum_batching_window_s) * 1_000_000;
        let fifo = self.is_fifo_queue(q);
        loop {
            let visible = self.queues[q.index()].visible_count();
            if visible == 0 {
                self.esms[t.index()].backlog_since_us = None;
                break;
            }
            let cap = cfg
                .maximum_concurrency
                .map_or(SQS_MAX_CONCURRENCY, u64::from);
            let limit = self.scaling_limit(t, cap);
            if self.esms[t.index()].active >= limit {
                let now = self.now();
                self.esms[t.index()].backlog_since_us.get_or_insert(now);
                break;
            }
            if window_us > 0 && visible < cfg.batch_size && !self.esms[t.index()].window_elapsed {
                if !self.esms[t.index()].window_scheduled {
                    self.esms[t.index()].window_scheduled = true;
                    let at = self.now().saturating_add(window_us);
                    self.schedule(at, Ev::EsmTimer { trigger: t });
                }
                break;
            }
            self.esms[t.index()].window_elapsed = false;
            let ids = self.queue_receive(q, cfg.batch_size);
            if ids.is_empty() {
                break;
            }
            let build = !cfg.filter_criteria.is_empty() || self.observes_events(cfg.function);
            let mut kept = Vec::with_capacity(ids.len());
            let mut records = Vec::new();
            let mut filtered = Vec::new();
            let mut looping = Vec::new();
            for n in ids {
                let record = if build {
                    self.queue_record(q, n, fifo)
                } else {
                    Value::Null
                };
                if !cfg.filter_criteria.is_empty()
                    && !cfg.filter_criteria.iter().any(|(_, p)| p.matches(&record))
                {
                    filtered.push(n);
                    continue;
                }
                let trace = self.queues[q.index()].messages.get(&n).map(|m| m.trace);
                if trace.is_some_and(|tr| self.loop_detected(tr, cfg.function)) {
                    looping.push(n);
                    continue;
                }
                kept.push(n);
                records.push(record);
            }
            for (n, reason) in filtered
                .iter()
                .map(|n| (*n, "filtered out by the trigger's filter criteria"))
                .chain(
                    looping
                        .iter()
                        .map(|n| (*n, "recursive loop detected: Lambda stopped the invocation")),
                )
            {
                if let Some(tr) = self.queues[q.index()].messages.get(&n).map(|m| m.trace) {
                    self.drop_item(t, tr, || reason.to_string());
                }
                self.queue_delete(q, &[n]);
            }
            if kept.is_empty() {
                continue;
            }
            let trace = self.queues[q.index()]
                .messages
                .get(&kept[0])
                .map(|m| m.trace);
            let Some(trace) = trace else { continue };
            let event = if build {
                sqs::event(records)
            } else {
                Value::Null
            };
            let st = &mut self.esms[t.index()];
            st.active += 1;
            st.next_batch += 1;
            let batch = st.next_batch;
            st.batches.insert(batch, Batch::Queue(kept));
            self.stats[t.index()].count += 1;
            let req = InvokeReq::sync(event, Reply::Esm { trigger: t, batch });
            self.send(
                Origin::Resource(q),
                cfg.function,
                trace,
                Item::Invoke(Box::new(req)),
            );
        }
    }

    /// A batch invocation ended (or was throttled).
    pub(crate) fn esm_result(&mut self, t: ResId, batch: u64, outcome: EsmOutcome) {
        let Some(cfg) = self.trigger_cfg(t).cloned() else {
            return;
        };
        let st = &mut self.esms[t.index()];
        st.active = st.active.saturating_sub(1);
        let Some(b) = st.batches.remove(&batch) else {
            return;
        };
        match b {
            Batch::Queue(ids) => self.queue_batch_done(t, &cfg, ids, outcome),
            Batch::Stream { start, end, sent } => {
                self.stream_batch_done(t, &cfg, start, end, sent, outcome)
            }
        }
        self.esm_poll(t);
    }

    fn queue_batch_done(&mut self, t: ResId, cfg: &Trigger, ids: Vec<u64>, outcome: EsmOutcome) {
        let q = cfg.source;
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
                    self.stats[t.index()].retries += 1;
                    let now = self.now();
                    let resource = self.name(t);
                    let (span_id, parent_span_id) = self.open_span(&mut trace);
                    self.emit(|| TraceRecord::Retry {
                        t_ms: Ms(now),
                        resource,
                        trace_id: trace.text(),
                        span_id,
                        parent_span_id,
                        attempt: attempt + 1,
                        delay_ms: Ms(delay),
                        reason: "stream batch failed; the shard waits".to_string(),
                    });
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
            Some(Batch::Queue(ids)) => {
                // Every message has its own enqueue span: no repeats to remove.
                let messages = &self.queues[source.index()].messages;
                ids.iter()
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

    /// Lambda's recursive loop detection: a chain that has invoked this function 16 times through queues,
    /// topics, buckets or async events is stopped (Lambda guide, "Recursive loop detection").
    pub(crate) fn loop_detected(&self, trace: TraceId, f: ResId) -> bool {
        self.loop_counts
            .get(&(trace.n, f))
            .is_some_and(|c| *c >= RECURSION_LIMIT)
    }

    pub(crate) fn count_loop(&mut self, trace: TraceId, f: ResId) {
        *self.loop_counts.entry((trace.n, f)).or_insert(0) += 1;
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
