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

use serde_json::{Map, Value};

use super::engine::{Item, Origin, Sim};
use super::function::InvokeReq;
use super::ids::{IdKind, TraceId};
use super::queue::SqsSend;
use crate::events::sns::{self, SnsNotice};
use crate::scenario::{FilterPolicyScope, ResId, ResourceKind, ResourceType};

/// A message on its way to a topic (Publish).
#[derive(Debug, Clone)]
pub(crate) struct SnsPublish {
    pub message: String,
    pub subject: Option<String>,
    /// Normalised attributes `{name: {DataType, StringValue}}`.
    pub attributes: Value,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
    /// A message number given out before the message arrives (an SDK call returns the id at once).
    pub message_n: Option<u64>,
}

impl Sim {
    pub(crate) fn topic_publish(&mut self, t: ResId, trace: TraceId, p: SnsPublish) {
        let sc = std::sync::Arc::clone(&self.sc);
        let ResourceKind::Topic(cfg) = &sc.resource(t).kind else {
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
            let item = match sc.resource(sub.target).resource_type() {
                ResourceType::Function => {
                    let event = if self.observes_events(sub.target) {
                        sns::lambda_event(&self.aws, &notice)
                    } else {
                        Value::Null
                    };
                    Item::Invoke(Box::new(InvokeReq::event(event)))
                }
                ResourceType::Queue => {
                    let (body, attributes) = if sub.raw_message_delivery {
                        (
                            p.message.clone(),
                            sns::raw_delivery_attributes(&p.attributes),
                        )
                    } else {
                        (
                            sns::sqs_envelope(&self.aws, &notice),
                            Value::Object(Map::new()),
                        )
                    };
                    Item::SqsSend(Box::new(SqsSend {
                        body,
                        attributes,
                        group_id: p.group_id.clone(),
                        deduplication_id: cfg.fifo.then(|| dedup.clone()),
                        delay_s: None,
                        sender: self.aws.sns_arn(sc.id(t)),
                        message_n: None,
                    }))
                }
                _ => continue,
            };
            self.send(Origin::Resource(t), sub.target, trace, item);
        }
    }
}
