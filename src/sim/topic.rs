//! Amazon SNS: fan-out to function and queue subscriptions, filter policies, raw message delivery, FIFO topics.
//!
//! Every subscription whose filter policy accepts a message gets its own copy (aws-semantics.md §3.1). Policies
//! are matched with the shared pattern engine in SNS's dialects (§3.3): scope `MessageAttributes` matches the
//! message attributes (String, Number, String.Array), scope `MessageBody` matches the JSON body (a body that is not
//! JSON matches nothing). Functions receive the SNS `Records` event asynchronously (§3.4); queues receive the SNS
//! JSON envelope as the message body, or the bare message with raw message delivery (§3.1). FIFO topics keep the
//! group and deduplication ids and add a sequence number.
//! SNS's delivery retry policy (3 immediate tries, backoff, 100,015 attempts for AWS endpoints, §3.2) covers
//! endpoints that refuse the hand-over; Lambda's async queue and SQS always accept here, so it never triggers:
//! function errors are retried by Lambda's async retries instead (§10).
//!
//! Every message bound for a topic is built by [`SnsPublish::new`] (Publish's defaults, written once) and enters
//! through [`Sim::sns_publish`] (a handler's `sns::publish`, a Step Functions `publish` task) or
//! [`SnsPublish::for_target`] (rule and schedule targets, Lambda destinations and dead-letter topics, S3
//! notifications); traffic builds its messages with the same constructor.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::engine::{Item, Origin, Sim, message_text};
use super::function::InvokeReq;
use super::ids::{IdKind, TraceId};
use super::queue::SqsSend;
use crate::events::sns::{self, SnsNotice};
use crate::scenario::{FilterPolicyScope, ResId, ResourceKind, ResourceType, Subscription, Topic};

/// A message on its way to a topic (Publish). Built by [`SnsPublish::new`] and its `with_…` setters.
#[derive(Debug, Clone)]
pub(crate) struct SnsPublish {
    /// The message, shared: a fixed traffic payload publishes one text for every event, and raw delivery hands
    /// the same text to every queue subscription (issue 18 item 8).
    pub message: Arc<str>,
    pub subject: Option<String>,
    /// Normalised attributes `{name: {DataType, StringValue}}`.
    pub attributes: Value,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
    /// A message number given out before the message arrives (an SDK call returns the id at once).
    pub message_n: Option<u64>,
}

impl SnsPublish {
    /// A message with Publish's defaults (SNS API Reference, Publish): no `Subject`, no message attributes, no
    /// `MessageGroupId` or `MessageDeduplicationId` (both only for FIFO topics); its message id is drawn when
    /// it reaches the topic.
    pub fn new(message: impl Into<Arc<str>>) -> SnsPublish {
        SnsPublish {
            message: message.into(),
            subject: None,
            attributes: Value::Object(Map::new()),
            group_id: None,
            deduplication_id: None,
            message_n: None,
        }
    }

    /// The `Subject`.
    pub fn with_subject(mut self, subject: Option<String>) -> SnsPublish {
        self.subject = subject;
        self
    }

    /// Message attributes, normalised `{name: {DataType, StringValue}}`.
    pub fn with_attributes(mut self, attributes: Value) -> SnsPublish {
        self.attributes = attributes;
        self
    }

    /// The `MessageGroupId` (FIFO topics).
    pub fn with_group_id(mut self, group_id: Option<String>) -> SnsPublish {
        self.group_id = group_id;
        self
    }

    /// The `MessageDeduplicationId` (FIFO topics).
    pub fn with_deduplication_id(mut self, deduplication_id: Option<String>) -> SnsPublish {
        self.deduplication_id = deduplication_id;
        self
    }

    /// The message an AWS service delivers to a topic target: the payload's text, with the target's
    /// `group_id` for FIFO topics.
    pub fn for_target(payload: Value, group_id: Option<String>) -> SnsPublish {
        SnsPublish::new(message_text(payload)).with_group_id(group_id)
    }
}

/// Publish's parameters as an API request names them (Step Functions' `sns:publish` integration): the topic's
/// name (the last part of `TopicArn`) and the message (`Message` — a non-string as its JSON text — `Subject`,
/// `MessageGroupId`).
pub(crate) fn publish_request(p: &Value) -> (String, SnsPublish) {
    let topic_arn = p.get("TopicArn").and_then(Value::as_str).unwrap_or("");
    let topic = topic_arn
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(topic_arn)
        .to_string();
    let message = p
        .get("Message")
        .cloned()
        .map_or_else(String::new, message_text);
    let text = |key: &str| p.get(key).and_then(Value::as_str).map(str::to_string);
    let publish = SnsPublish::new(message)
        .with_subject(text("Subject"))
        .with_group_id(text("MessageGroupId"));
    (topic, publish)
}

impl Sim {
    /// Publish by a principal of the account (a handler's `sns::publish`, a Step Functions task): given its
    /// message id at once (returned), sent along the edge `from → t`.
    pub(crate) fn sns_publish(
        &mut self,
        from: Origin,
        t: ResId,
        trace: TraceId,
        mut publish: SnsPublish,
    ) -> String {
        let n = self.next_n(IdKind::Message);
        publish.message_n = Some(n);
        self.send(from, t, trace, Item::SnsPublish(Box::new(publish)));
        self.uuid_of(IdKind::Message, n)
    }

    /// A message reaches a topic: every subscription whose filter policy accepts it gets a copy.
    pub(crate) fn topic_publish(&mut self, t: ResId, trace: TraceId, p: SnsPublish) {
        let sc = Arc::clone(&self.sc);
        let ResourceKind::Topic(cfg) = &sc.resource(t).kind else {
            self.wrong_kind(t, ResourceType::Topic);
            return;
        };
        self.stats[t.index()].count += 1;
        let message_n = p.message_n.unwrap_or_else(|| self.next_n(IdKind::Message));
        let message_id = self.uuid_of(IdKind::Message, message_n);
        let sequence = if cfg.fifo {
            let s = &mut self.topic_sequences[t.index()];
            *s += 1;
            Some(format!("{:020}", 10_000_000_000_000_000u64 + *s))
        } else {
            None
        };
        let time = self.wall(self.now());
        let filter_attrs = sns::filter_view(&p.attributes);
        let mut body_json: Option<Option<Value>> = None;
        for (i, sub) in cfg.subscriptions.iter().enumerate() {
            if let Some((_, policy)) = &sub.filter_policy {
                let accepted = match sub.filter_policy_scope {
                    FilterPolicyScope::MessageAttributes => policy.matches(&filter_attrs),
                    FilterPolicyScope::MessageBody => {
                        let parsed = body_json
                            .get_or_insert_with(|| serde_json::from_str::<Value>(&p.message).ok());
                        parsed.as_ref().is_some_and(|v| policy.matches(v))
                    }
                };
                if !accepted {
                    let target = self.name(sub.target);
                    self.drop_item(t, trace, || {
                        format!("subscription {target}: filter policy did not match")
                    });
                    continue;
                }
            }
            let subscription_id =
                self.uuid_of(IdKind::Subscription, (u64::from(t.0) << 20) | i as u64);
            let dedup = p
                .deduplication_id
                .clone()
                .unwrap_or_else(|| message_id.clone());
            let fifo = match (&p.group_id, &sequence) {
                (Some(g), Some(s)) => Some((g.as_str(), dedup.as_str(), s.as_str())),
                _ => None,
            };
            let notice = SnsNotice {
                topic: sc.id(t),
                message_id: &message_id,
                message: &p.message,
                subject: p.subject.as_deref(),
                attributes: &p.attributes,
                time,
                subscription_id: &subscription_id,
                fifo,
            };
            let Some(item) = self.subscription_item(t, cfg, sub, &p, &notice, &dedup) else {
                continue;
            };
            self.send(Origin::Resource(t), sub.target, trace, item);
        }
    }

    /// What one subscription receives: functions the SNS `Records` event (asynchronously), queues the SNS JSON
    /// envelope or, with raw message delivery, the bare message.
    fn subscription_item(
        &mut self,
        t: ResId,
        cfg: &Topic,
        sub: &Subscription,
        p: &SnsPublish,
        notice: &SnsNotice,
        dedup: &str,
    ) -> Option<Item> {
        match self.sc.resource(sub.target).resource_type() {
            ResourceType::Function => {
                let event = if self.observes_events(sub.target) {
                    sns::lambda_event(&self.aws, notice)
                } else {
                    Value::Null
                };
                Some(Item::Invoke(Box::new(InvokeReq::event(event))))
            }
            ResourceType::Queue => {
                let (body, attributes) = if sub.raw_message_delivery {
                    (
                        Arc::clone(&p.message),
                        sns::raw_delivery_attributes(&p.attributes),
                    )
                } else {
                    (
                        Arc::from(sns::sqs_envelope(&self.aws, notice)),
                        Value::Object(Map::new()),
                    )
                };
                let msg = SqsSend::new(body, self.aws.sns_arn(self.sc.id(t)))
                    .with_attributes(attributes)
                    .with_group_id(p.group_id.clone())
                    .with_deduplication_id(cfg.fifo.then(|| dedup.to_string()));
                Some(Item::SqsSend(Box::new(msg)))
            }
            // The loader accepts only function and queue subscriptions.
            ResourceType::Api
            | ResourceType::EventBus
            | ResourceType::Rule
            | ResourceType::Schedule
            | ResourceType::Bucket
            | ResourceType::Topic
            | ResourceType::Table
            | ResourceType::Trigger
            | ResourceType::StateMachine
            | ResourceType::Database
            | ResourceType::DbProxy => {
                self.wrong_kind(sub.target, ResourceType::Queue);
                None
            }
        }
    }
}
