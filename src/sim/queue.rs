//! Amazon SQS: standard and FIFO queues, visibility timeouts, delays, retention, deduplication and redrive.
//!
//! Rules and numbers (aws-semantics.md §2; SQS Developer Guide):
//! - A received message stays in the queue, invisible, for `visibility_timeout_s` (default 30 s); unless it is
//!   deleted in that time it becomes visible again and its `ApproximateReceiveCount` grows (at-least-once).
//! - `delay_s` (0–900) hides new messages; retention (`retention_s`, default 4 days) expires old ones.
//! - Redrive: a message whose receive count has reached `max_receive_count` is moved to the dead-letter queue at
//!   its next receive, instead of being delivered ("when the ReceiveCount exceeds maxReceiveCount"). There a
//!   standard queue's message keeps its original enqueue time, so the dead-letter queue's retention counts from
//!   when it was first sent; a FIFO queue's restarts at the move.
//! - FIFO: messages of one group are delivered in order and never while another message of that group is in
//!   flight; a message with a deduplication id seen in the last 5 minutes is accepted but not enqueued again
//!   (content-based deduplication uses the SHA-256 of the body as the id). Per-message delays are not supported
//!   on FIFO queues.
//! - Standard queues deliver in best-effort order: here, the order in which messages became visible.
//!
//! Queue depth (visible, in flight, delayed) is observable through [`Sim::live`]. Only an event source mapping
//! receives messages, so a queue without one keeps each message's size, age and ids, not its body and attributes
//! (`StoredMessage::content`): its memory does not grow with what is sent to it.
//!
//! Every message bound for a queue is built by [`SqsSend::new`] (SendMessage's defaults, written once) and enters
//! through this file's operations: [`Sim::sqs_send_message`] (a handler's `sqs::send`, a Step Functions
//! `sendMessage` task), [`Sim::sqs_target_message`] (rule and schedule targets, Lambda destinations and
//! dead-letter queues, S3 notifications, stream failure records), [`SqsSend::redriven`] (redrive) — and, built
//! by their services with the same constructor, SNS subscriptions and traffic. Lambda's poller (`esm`) reads
//! through [`Sim::queue_receive`], [`Sim::queue_record`] and [`Sim::queue_delete`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use sha2::Digest;

use super::engine::{Ev, Item, Origin, Sim, message_text};
use super::ids::{IdKind, TraceId, mix64};
use super::trace::{Ms, TraceRecord};
use crate::events::sqs::{self, FifoInfo, SqsRecord};
use crate::scenario::{ResId, ResourceType};

/// FIFO deduplication interval: 5 minutes (SQS Developer Guide, "Exactly-once processing").
const DEDUP_WINDOW_US: u64 = 300_000_000;
/// Longest per-message delay: 900 s (SQS API Reference, SendMessage `DelaySeconds`: "Valid values: 0 to 900").
pub(crate) const MAX_DELAY_S: u32 = 900;
/// `SenderId` of messages sent by a traffic source (an outside client): an IAM user id, `AIDA` + 16 characters
/// (SQS API Reference, ReceiveMessage `SenderId`: "for a user, returns the user ID").
pub(crate) const TRAFFIC_SENDER_ID: &str = "AIDAEVENTFLOWTRAFFIC";
/// `SenderId` of messages an AWS service delivers on the account's behalf (EventBridge targets, Lambda
/// destinations and dead-letter queues, S3 notifications), in the same IAM user id form.
pub(crate) const SERVICE_SENDER_ID: &str = "AIDAEVENTFLOWSERVICE";

/// Why SendMessage refused a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendMessageError {
    /// A FIFO queue needs a `MessageGroupId` (SQS API Reference, SendMessage: "MessageGroupId … required for
    /// FIFO queues").
    MissingGroupId,
}

impl SendMessageError {
    /// SQS's error code.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            SendMessageError::MissingGroupId => "MissingParameter",
        }
    }

    /// SQS's error message.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            SendMessageError::MissingGroupId => {
                "The request must contain the parameter MessageGroupId."
            }
        }
    }
}

/// A message on its way into a queue. Built by [`SqsSend::new`] and its `with_…` setters.
#[derive(Debug, Clone)]
pub(crate) struct SqsSend {
    /// The message body, shared: a fixed traffic payload sends one body to every message (issue 18 item 8).
    pub body: Arc<str>,
    /// Normalised attributes `{name: {DataType, StringValue}}`.
    pub attributes: Value,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
    pub delay_s: Option<u32>,
    /// Who sent it (the `SenderId` attribute).
    pub sender: String,
    /// A message number given out before the message arrives (an SDK call returns the id at once; a redrive
    /// keeps the id), else one is drawn on arrival.
    pub message_n: Option<u64>,
    /// A message moved to a dead-letter queue: when it entered its source queue. A standard queue counts its
    /// retention from there; a FIFO queue from the move (see [`Sim::queue_send`]).
    pub first_enqueued_us: Option<u64>,
}

impl SqsSend {
    /// A message with SendMessage's defaults (SQS API Reference, SendMessage): no message attributes, no
    /// `MessageGroupId` or `MessageDeduplicationId` (both only for FIFO queues), no `DelaySeconds` ("the
    /// default value for the queue applies"); its message id is drawn when it reaches the queue.
    pub fn new(body: impl Into<Arc<str>>, sender: impl Into<String>) -> SqsSend {
        SqsSend {
            body: body.into(),
            attributes: Value::Object(serde_json::Map::new()),
            group_id: None,
            deduplication_id: None,
            delay_s: None,
            sender: sender.into(),
            message_n: None,
            first_enqueued_us: None,
        }
    }

    /// Message attributes, normalised `{name: {DataType, StringValue}}`.
    pub fn with_attributes(mut self, attributes: Value) -> SqsSend {
        self.attributes = attributes;
        self
    }

    /// The `MessageGroupId` (FIFO queues).
    pub fn with_group_id(mut self, group_id: Option<String>) -> SqsSend {
        self.group_id = group_id;
        self
    }

    /// The `MessageDeduplicationId` (FIFO queues).
    pub fn with_deduplication_id(mut self, deduplication_id: Option<String>) -> SqsSend {
        self.deduplication_id = deduplication_id;
        self
    }

    /// A per-message `DelaySeconds`, capped at [`MAX_DELAY_S`] (AWS refuses more; callers that read it from a
    /// file or a script check the range first).
    pub fn with_delay_s(mut self, delay_s: Option<u32>) -> SqsSend {
        self.delay_s = delay_s.map(|d| d.min(MAX_DELAY_S));
        self
    }

    /// The message a redrive moves to the dead-letter queue: the same body, attributes, ids and sender, and
    /// the same message id (`n`), as SQS keeps it. Redrive happens at a receive, so the content is there (an
    /// empty message otherwise).
    fn redriven(m: StoredMessage, n: u64) -> SqsSend {
        let content = m.content.unwrap_or_else(|| MessageContent {
            body: Arc::from(""),
            attributes: Value::Object(serde_json::Map::new()),
            deduplication_id: None,
            sender: String::new(),
        });
        let mut send = SqsSend::new(content.body, content.sender)
            .with_attributes(content.attributes)
            .with_group_id(m.group_id)
            .with_deduplication_id(content.deduplication_id);
        send.message_n = Some(n);
        send.first_enqueued_us = Some(m.sent_us);
        send
    }
}

/// SendMessage's parameters as an API request names them (Step Functions' `sqs:sendMessage` integration):
/// the queue's name (the last part of `QueueUrl`) and the message (`MessageBody` — a non-string as its JSON
/// text — `MessageGroupId`, `MessageDeduplicationId`).
pub(crate) fn send_message_request(p: &Value, sender: String) -> (String, SqsSend) {
    let queue_url = p.get("QueueUrl").and_then(Value::as_str).unwrap_or("");
    let queue = queue_url
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(queue_url)
        .to_string();
    let body = p
        .get("MessageBody")
        .cloned()
        .map_or_else(String::new, message_text);
    let text = |key: &str| p.get(key).and_then(Value::as_str).map(str::to_string);
    let msg = SqsSend::new(body, sender)
        .with_group_id(text("MessageGroupId"))
        .with_deduplication_id(text("MessageDeduplicationId"));
    (queue, msg)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MsgState {
    Delayed,
    Visible,
    InFlight,
}

/// What only a reader of a message needs: its body, attributes, deduplication id and sender (the record an
/// event source mapping builds, a redrive's copy).
#[derive(Debug, Clone)]
pub(crate) struct MessageContent {
    /// The body as sent, shared with the [`SqsSend`] it came from (never edited by SQS).
    pub body: Arc<str>,
    pub attributes: Value,
    pub deduplication_id: Option<String>,
    pub sender: String,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    /// The content, kept only on a queue something can receive from: one an event source mapping reads
    /// ([`Sim::queue_keeps_content`]). Nothing else receives messages here (handlers and Step Functions can only
    /// send; redrive happens at a receive; the app shows counts), so a queue without a consumer keeps each
    /// message's size and age only, and its memory no longer grows with the bodies sent to it (issue 18 item 8).
    pub content: Option<MessageContent>,
    /// The size the message adds to a batch's event ([`record_bytes`]), measured when it was sent.
    pub record_bytes: usize,
    pub group_id: Option<String>,
    pub sequence: u64,
    pub trace: TraceId,
    pub sent_us: u64,
    pub first_receive_us: Option<u64>,
    pub receive_count: u32,
    pub state: MsgState,
    /// Bumped at every state change so stale visibility events are ignored.
    pub generation: u32,
    /// Its key in the visible order while it is visible.
    visible_key: u64,
}

/// Contents of one queue.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueueState {
    /// All messages by number (sent order).
    pub messages: BTreeMap<u64, StoredMessage>,
    /// Visible messages in delivery order: key = FIFO sequence, or the order they became visible.
    visible: BTreeMap<u64, u64>,
    next_visible_key: u64,
    next_sequence: u64,
    /// FIFO: in-flight messages per group.
    groups_in_flight: BTreeMap<String, u32>,
    /// FIFO deduplication ids and when they expire.
    dedup: BTreeMap<String, u64>,
    /// The same ids in the order they were accepted, with their expiry: every id lives the same 5 minutes, so
    /// the front expires first and pruning costs only the ids that expired (not a scan of all of them per send).
    dedup_expiry: VecDeque<(u64, String)>,
    pub in_flight: u32,
    pub delayed: u32,
    /// When the pending retention timer ([`Ev::QueueExpire`]) fires, if one is pending.
    expiry_timer_us: Option<u64>,
}

impl QueueState {
    pub fn visible_count(&self) -> u32 {
        self.visible.len() as u32
    }

    pub fn depth(&self) -> u64 {
        self.messages.len() as u64
    }

    /// Forgets the deduplication ids whose 5 minutes have passed at `now_us`.
    fn forget_expired_dedup_ids(&mut self, now_us: u64) {
        while let Some((expires_us, _)) = self.dedup_expiry.front() {
            if *expires_us > now_us {
                break;
            }
            if let Some((expires_us, id)) = self.dedup_expiry.pop_front()
                && self.dedup.get(&id) == Some(&expires_us)
            {
                self.dedup.remove(&id);
            }
        }
    }
}

impl Sim {
    fn queue_cfg(&self, q: ResId) -> Option<&crate::scenario::Queue> {
        let cfg = self.sc.resource(q).kind.as_queue();
        if cfg.is_none() {
            self.wrong_kind(q, ResourceType::Queue);
        }
        cfg
    }

    /// Whether a queue's messages keep their content: only where something can receive them, an event source
    /// mapping (the scenario's triggers are fixed for the run; a disabled one still counts).
    pub(crate) fn queue_keeps_content(&self, q: ResId) -> bool {
        self.triggers_of_source
            .get(q.index())
            .is_some_and(|t| !t.is_empty())
    }

    pub(crate) fn is_fifo_queue(&self, q: ResId) -> bool {
        self.queue_cfg(q).is_some_and(|cfg| cfg.fifo)
    }

    /// The `SenderId` of messages the account's own code sends (handlers, Step Functions tasks).
    pub(crate) fn account_sender_id(&self) -> String {
        sqs::sender_id(&self.aws)
    }

    /// SendMessage by a principal of the account (a handler's `sqs::send`, a Step Functions task, their
    /// messages sent by [`Sim::account_sender_id`]): checked as SQS checks it, given its message id at once
    /// (returned), sent along the edge `from → q`.
    pub(crate) fn sqs_send_message(
        &mut self,
        from: Origin,
        q: ResId,
        trace: TraceId,
        mut msg: SqsSend,
    ) -> Result<String, SendMessageError> {
        if self.is_fifo_queue(q) && msg.group_id.is_none() {
            return Err(SendMessageError::MissingGroupId);
        }
        let n = self.next_n(IdKind::Message);
        msg.message_n = Some(n);
        self.send(from, q, trace, Item::SqsSend(Box::new(msg)));
        Ok(self.uuid_of(IdKind::Message, n))
    }

    /// The message an AWS service delivers to a queue target: the payload's text as the body, sent by the
    /// service; for a FIFO queue, the target's `group_id` and a deduplication id (EventBridge and SNS pass one
    /// to FIFO queues; here, a hash of the message and a fresh message number).
    pub(crate) fn sqs_target_message(
        &mut self,
        q: ResId,
        payload: Value,
        group_id: Option<String>,
    ) -> SqsSend {
        let body = message_text(payload);
        let deduplication_id = self.is_fifo_queue(q).then(|| {
            format!(
                "{:016x}",
                mix64(body.len() as u64 ^ self.next_n(IdKind::Message))
            )
        });
        SqsSend::new(body, SERVICE_SENDER_ID)
            .with_group_id(group_id)
            .with_deduplication_id(deduplication_id)
    }

    /// A message reaches a queue (SendMessage).
    pub(crate) fn queue_send(&mut self, q: ResId, trace: TraceId, msg: SqsSend) {
        let mut trace = trace;
        let Some(cfg) = self.queue_cfg(q) else { return };
        let (fifo, cbd, delay_s) = (cfg.fifo, cfg.content_based_deduplication, cfg.delay_s);
        let retention_us = u64::from(cfg.retention_s) * 1_000_000;
        let now = self.now();
        let mut msg = msg;
        if fifo {
            // With content-based deduplication and no id given, SQS "uses a SHA-256 hash to generate the message
            // deduplication ID using the body of the message (but not the attributes)" (SQS Developer Guide,
            // "Using the message deduplication ID"); the Lambda event shows that id as `MessageDeduplicationId`.
            if msg.deduplication_id.is_none() && cbd {
                msg.deduplication_id = Some(crate::events::hex_lower(&sha2::Sha256::digest(
                    msg.body.as_bytes(),
                )));
            }
            let Some(dedup) = msg.deduplication_id.clone() else {
                self.drop_item(q, trace, || {
                    "FIFO queue without content-based deduplication needs a MessageDeduplicationId"
                        .to_string()
                });
                return;
            };
            let state = &mut self.queues[q.index()];
            state.forget_expired_dedup_ids(now);
            if state.dedup.contains_key(&dedup) {
                self.drop_item(q, trace, || {
                    "duplicate within the 5-minute deduplication interval".to_string()
                });
                return;
            }
            let expires_us = now.saturating_add(DEDUP_WINDOW_US);
            state.dedup.insert(dedup.clone(), expires_us);
            state.dedup_expiry.push_back((expires_us, dedup));
        }
        let n = msg
            .message_n
            .unwrap_or_else(|| self.next_n(IdKind::Message));
        // "For standard queues, the expiration of a message is always based on its original enqueue timestamp.
        // When a message is moved to a dead-letter queue, the enqueue timestamp is unchanged. [...] For FIFO
        // queues, the enqueue timestamp resets when the message is moved to a dead-letter queue." (SQS Developer
        // Guide, "Setting-up dead-letter queue retention in Amazon SQS".)
        let enqueued_us = match msg.first_enqueued_us {
            Some(first_us) if !fifo => first_us.min(now),
            _ => now,
        };
        let state = &mut self.queues[q.index()];
        state.next_sequence += 1;
        let delay_us = u64::from(if fifo {
            delay_s
        } else {
            msg.delay_s.unwrap_or(delay_s)
        }) * 1_000_000;
        // The message's span, from `enqueue` to `dequeue`: what it causes (batches, redrive) names it.
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        let bytes = record_bytes(&msg.body, &msg.attributes);
        let content = self.queue_keeps_content(q).then(|| MessageContent {
            body: msg.body,
            attributes: msg.attributes,
            deduplication_id: msg.deduplication_id,
            sender: msg.sender,
        });
        let state = &mut self.queues[q.index()];
        let stored = StoredMessage {
            content,
            record_bytes: bytes,
            group_id: msg.group_id,
            sequence: state.next_sequence,
            trace,
            sent_us: enqueued_us,
            first_receive_us: None,
            receive_count: 0,
            state: if delay_us > 0 {
                MsgState::Delayed
            } else {
                MsgState::Visible
            },
            generation: 0,
            visible_key: 0,
        };
        let sequence = stored.sequence;
        state.messages.insert(n, stored);
        if delay_us > 0 {
            state.delayed += 1;
        } else {
            let key = if fifo {
                sequence
            } else {
                state.bump_visible_key()
            };
            state.visible.insert(key, n);
            if let Some(m) = state.messages.get_mut(&n) {
                m.visible_key = key;
            }
        }
        // The retention timer is set for the oldest message; a redriven message may be older than all (and due
        // already: it is then deleted at once). A timer set later than this one stays pending and is ignored
        // when it fires (`queue_expire`).
        let due_us = enqueued_us.saturating_add(retention_us).max(now);
        let arm_expiry = state.expiry_timer_us.is_none_or(|t| t > due_us);
        let depth = state.depth();
        if arm_expiry {
            state.expiry_timer_us = Some(due_us);
            self.schedule(due_us, Ev::QueueExpire { queue: q });
        }
        let stats = &mut self.stats[q.index()];
        stats.count += 1;
        stats.max_depth = stats.max_depth.max(depth);
        if self.tracing() {
            let record = TraceRecord::Enqueue {
                t_ms: Ms(now),
                queue: self.name_text(q),
                message_id: self.record_uuid(IdKind::Message, n),
                trace_id: trace.record_id(),
                span_id,
                parent_span_id,
            };
            self.emit(|| record);
        }
        if delay_us > 0 {
            self.schedule(
                now.saturating_add(delay_us),
                Ev::QueueVisible {
                    queue: q,
                    msg: n,
                    generation: 0,
                },
            );
        } else {
            self.queue_changed(q);
        }
    }

    /// A delay or visibility timeout ends.
    pub(crate) fn queue_visible(&mut self, q: ResId, n: u64, generation: u32) {
        let Some(cfg) = self.queue_cfg(q) else { return };
        let fifo = cfg.fifo;
        let state = &mut self.queues[q.index()];
        let Some(m) = state.messages.get_mut(&n) else {
            return;
        };
        if m.generation != generation || m.state == MsgState::Visible {
            return;
        }
        let was = m.state;
        m.state = MsgState::Visible;
        m.generation += 1;
        let (sequence, mut trace, receive_count, group) =
            (m.sequence, m.trace, m.receive_count, m.group_id.clone());
        match was {
            MsgState::Delayed => state.delayed = state.delayed.saturating_sub(1),
            MsgState::InFlight => {
                state.in_flight = state.in_flight.saturating_sub(1);
                if let Some(g) = group {
                    release_group(&mut state.groups_in_flight, &g);
                }
            }
            MsgState::Visible => {}
        }
        let key = if fifo {
            sequence
        } else {
            state.bump_visible_key()
        };
        state.visible.insert(key, n);
        if let Some(m) = state.messages.get_mut(&n) {
            m.visible_key = key;
        }
        if was == MsgState::InFlight {
            // The receive was neither deleted nor extended in time: SQS will deliver it again.
            // A redelivery hangs off the message's span (which stays the message's: `dequeue` names it).
            self.record_retry(
                q,
                &mut trace,
                receive_count + 1,
                0,
                "visibility timeout expired".to_string(),
            );
        }
        self.queue_changed(q);
    }

    /// The retention timer of a queue fires: every message older than the retention period that is waiting
    /// (visible or delayed) is deleted, as SQS deletes messages "that have been in a queue for longer than the
    /// maximum message retention period" (`MessageRetentionPeriod`, SQS API Reference, SetQueueAttributes). A
    /// message in flight expires when it becomes visible again (at the next receive). The timer is then set for
    /// the oldest message left.
    ///
    /// Messages are scanned in the order of their numbers, which is the order they were sent except for a
    /// handler's SendMessage (numbered at the call, stored when it arrives a hop later): such a message may
    /// expire that hop late.
    pub(crate) fn queue_expire(&mut self, q: ResId) {
        let Some(cfg) = self.queue_cfg(q) else { return };
        let retention_us = u64::from(cfg.retention_s) * 1_000_000;
        let now = self.now();
        let state = &mut self.queues[q.index()];
        if state.expiry_timer_us != Some(now) {
            // Superseded by an earlier timer (a redriven message older than the rest).
            return;
        }
        state.expiry_timer_us = None;
        let mut expired = Vec::new();
        let mut next_due_us = None;
        for (&n, m) in &state.messages {
            let due_us = m.sent_us.saturating_add(retention_us);
            if due_us > now {
                next_due_us = Some(due_us);
                break;
            }
            if m.state != MsgState::InFlight {
                expired.push(n);
            }
        }
        for n in expired {
            let state = &mut self.queues[q.index()];
            let Some(m) = state.messages.remove(&n) else {
                continue;
            };
            match m.state {
                MsgState::Visible => {
                    state.visible.remove(&m.visible_key);
                }
                MsgState::Delayed => state.delayed = state.delayed.saturating_sub(1),
                MsgState::InFlight => {}
            }
            self.drop_item(q, m.trace, || {
                "message expired (retention period)".to_string()
            });
        }
        if let Some(due_us) = next_due_us {
            self.queues[q.index()].expiry_timer_us = Some(due_us);
            self.schedule(due_us, Ev::QueueExpire { queue: q });
        }
    }

    /// Receives up to `max` visible messages whose records together take at most `max_bytes` (see
    /// [`record_bytes`]) (ReceiveMessage as Lambda's poller makes it): expired messages are dropped,
    /// messages past the redrive limit move to the dead-letter queue, FIFO groups with messages in flight are
    /// skipped. A message larger than the whole budget is taken alone when `oversize_alone` (an empty batch:
    /// it must not block the queue). The returned messages are in flight until `visibility_timeout_s` passes or
    /// they are deleted; the flag says whether the byte budget stopped the receive.
    pub(crate) fn queue_receive(
        &mut self,
        q: ResId,
        max: u32,
        max_bytes: usize,
        oversize_alone: bool,
    ) -> (Vec<u64>, bool) {
        let Some(cfg) = self.queue_cfg(q) else {
            return (Vec::new(), false);
        };
        let (fifo, retention_us, visibility_us) = (
            cfg.fifo,
            u64::from(cfg.retention_s) * 1_000_000,
            u64::from(cfg.visibility_timeout_s) * 1_000_000,
        );
        let redrive = cfg.dead_letter.clone();
        let now = self.now();
        let mut taken = Vec::new();
        let mut moved_to_dlq = Vec::new();
        let mut expired = Vec::new();
        let mut bytes_left = max_bytes;
        let mut stopped_by_size = false;
        {
            let state = &mut self.queues[q.index()];
            // First a read-only scan in delivery order, stopping as soon as the batch is full.
            let mut groups_taken: Vec<String> = Vec::new();
            let mut consumed: Vec<u64> = Vec::new();
            for (&key, &n) in &state.visible {
                if taken.len() as u32 >= max {
                    break;
                }
                let Some(m) = state.messages.get(&n) else {
                    consumed.push(key);
                    continue;
                };
                if fifo && let Some(g) = &m.group_id {
                    let busy = state.groups_in_flight.get(g).is_some_and(|c| *c > 0);
                    if busy && !groups_taken.contains(g) {
                        continue;
                    }
                }
                consumed.push(key);
                if now.saturating_sub(m.sent_us) >= retention_us {
                    expired.push(n);
                } else if redrive
                    .as_ref()
                    .is_some_and(|r| m.receive_count >= r.max_receive_count)
                {
                    moved_to_dlq.push(n);
                } else {
                    let bytes = m.record_bytes;
                    if bytes > bytes_left && !(oversize_alone && taken.is_empty()) {
                        // The batch's payload would pass the cap: this message waits for the next batch.
                        consumed.pop();
                        stopped_by_size = true;
                        break;
                    }
                    bytes_left = bytes_left.saturating_sub(bytes);
                    if let Some(g) = m.group_id.as_ref().filter(|_| fifo)
                        && !groups_taken.contains(g)
                    {
                        groups_taken.push(g.clone());
                    }
                    taken.push(n);
                }
            }
            for key in consumed {
                state.visible.remove(&key);
            }
            for &n in &taken {
                if let Some(m) = state.messages.get_mut(&n) {
                    if let Some(g) = m.group_id.as_ref().filter(|_| fifo) {
                        *state.groups_in_flight.entry(g.clone()).or_insert(0) += 1;
                    }
                    m.state = MsgState::InFlight;
                    m.generation += 1;
                    m.receive_count += 1;
                    m.first_receive_us.get_or_insert(now);
                }
            }
            state.in_flight += taken.len() as u32;
        }
        self.stats[q.index()].received += taken.len() as u64;
        for &n in &taken {
            let generation = self.queues[q.index()]
                .messages
                .get(&n)
                .map_or(0, |m| m.generation);
            self.schedule(
                now.saturating_add(visibility_us),
                Ev::QueueVisible {
                    queue: q,
                    msg: n,
                    generation,
                },
            );
        }
        for n in expired {
            if let Some(m) = self.queues[q.index()].messages.remove(&n) {
                self.drop_item(q, m.trace, || {
                    "message expired (retention period)".to_string()
                });
            }
        }
        for n in moved_to_dlq {
            if let (Some(m), Some(r)) =
                (self.queues[q.index()].messages.remove(&n), redrive.as_ref())
            {
                self.record_dead_letter(
                    q,
                    r.target,
                    m.trace,
                    &format!("maxReceiveCount {} exceeded", r.max_receive_count),
                );
                let trace = m.trace;
                let send = SqsSend::redriven(m, n);
                // The redrive is inside SQS: no hop latency.
                self.send_after(
                    Origin::Resource(q),
                    r.target,
                    trace,
                    Item::SqsSend(Box::new(send)),
                    0,
                );
            }
        }
        (taken, stopped_by_size)
    }

    /// A received message as Lambda's SQS poller hands it to a function: one record of the SQS event
    /// (aws-semantics.md §2.5), with its receipt handle for this receive and, on FIFO queues, its group,
    /// deduplication id and sequence number.
    pub(crate) fn queue_record(&self, q: ResId, n: u64, fifo: bool) -> Value {
        let Some(m) = self.queues[q.index()].messages.get(&n) else {
            return Value::Null;
        };
        // A queue with a mapping keeps every message's content (`queue_keeps_content`).
        let Some(content) = &m.content else {
            return Value::Null;
        };
        let message_id = self.uuid_of(IdKind::Message, n);
        let receipt = sqs::receipt_handle(&message_id, m.receive_count, self.seed);
        let sent_ms = self.wall(m.sent_us).timestamp_millis();
        let first_ms = self
            .wall(m.first_receive_us.unwrap_or(m.sent_us))
            .timestamp_millis();
        let dedup = content.deduplication_id.clone().unwrap_or_default();
        let sequence = format!(
            "{:020}",
            18_000_000_000_000_000_000u128 + u128::from(m.sequence)
        );
        let info = match (&m.group_id, fifo) {
            (Some(g), true) => Some(FifoInfo {
                group_id: g,
                deduplication_id: &dedup,
                sequence_number: &sequence,
            }),
            _ => None,
        };
        let r = SqsRecord {
            message_id: &message_id,
            receipt_handle: &receipt,
            body: &content.body,
            message_attributes: &content.attributes,
            approximate_receive_count: m.receive_count,
            sent_timestamp_ms: sent_ms,
            first_receive_timestamp_ms: first_ms,
            sender_id: &content.sender,
            queue: self.sc.id(q),
            fifo: info,
        };
        sqs::record(&self.aws, &r)
    }

    /// Deletes received messages (DeleteMessage).
    pub(crate) fn queue_delete(&mut self, q: ResId, ids: &[u64]) {
        for &n in ids {
            let state = &mut self.queues[q.index()];
            let Some(m) = state.messages.remove(&n) else {
                continue;
            };
            if m.state == MsgState::InFlight {
                state.in_flight = state.in_flight.saturating_sub(1);
                if let Some(g) = &m.group_id {
                    release_group(&mut state.groups_in_flight, g);
                }
            }
            self.stats[q.index()].deleted += 1;
            if self.tracing() {
                let now = self.now();
                let record = TraceRecord::Dequeue {
                    t_ms: Ms(now),
                    queue: self.name_text(q),
                    message_id: self.record_uuid(IdKind::Message, n),
                    trace_id: m.trace.record_id(),
                    span_id: m.trace.span,
                };
                self.emit(|| record);
            }
        }
        self.queue_changed(q);
    }

    /// Something about a queue changed: let its event source mappings poll.
    pub(crate) fn queue_changed(&mut self, q: ResId) {
        let count = self.triggers_of_source.get(q.index()).map_or(0, Vec::len);
        for i in 0..count {
            let t = self.triggers_of_source[q.index()][i];
            self.esm_poll(t);
        }
    }
}

impl QueueState {
    fn bump_visible_key(&mut self) -> u64 {
        self.next_visible_key += 1;
        // Standard queues: after every FIFO sequence number space; order of becoming visible.
        self.next_visible_key
    }
}

/// Bytes a message's record adds to an SQS event beyond its body and attributes: the ids, receipt handle, ARN,
/// attributes block and keys of one record (aws-semantics.md §2.5), rounded up from a record of this simulator
/// with a FIFO queue's extra attributes and a long queue name (about 900 bytes) to 1 KiB. An estimate: AWS does
/// not document how it measures the batch against the invoke payload limit.
const RECORD_OVERHEAD_BYTES: usize = 1024;

/// The size a message adds to a batch's event, to keep the batch under the synchronous invoke payload limit:
/// its body, its message attributes as JSON, and [`RECORD_OVERHEAD_BYTES`].
fn record_bytes(body: &str, attributes: &Value) -> usize {
    let attributes = match attributes {
        Value::Object(map) if map.is_empty() => 0,
        other => other.to_string().len(),
    };
    body.len()
        .saturating_add(attributes)
        .saturating_add(RECORD_OVERHEAD_BYTES)
}

fn release_group(groups: &mut BTreeMap<String, u32>, g: &str) {
    if let Some(c) = groups.get_mut(g) {
        *c = c.saturating_sub(1);
        if *c == 0 {
            groups.remove(g);
        }
    }
}
