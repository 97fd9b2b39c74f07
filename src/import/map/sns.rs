//! SNS: `AWS::SNS::Topic` (FIFO, inline `Subscription`) and `AWS::SNS::Subscription` (FilterPolicy,
//! FilterPolicyScope, RawMessageDelivery). Only Lambda and SQS endpoints are simulated; others are noted.

use serde_json::{Map, Value};

use super::{Props, boolean, json_document, string};
use crate::import::template::TemplateResource;
use crate::import::{Build, Pending, Slot};

pub fn topic(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let mut t = super::new_resource("topic", string(p, "DisplayName"));
    if boolean(p, "FifoTopic") == Some(true) {
        t.insert("fifo".into(), Value::Bool(true));
    }
    let mut subscriptions = Vec::new();
    for s in p
        .get("Subscription")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(s) = s.as_object()
            && let Some(sub) = subscription_entry(b, from, s)
        {
            subscriptions.push(Value::Object(sub));
        }
    }
    if !subscriptions.is_empty() {
        t.insert("subscriptions".into(), Value::Array(subscriptions));
    }
    b.add(&r.id, &r.aws_type, t);
}

/// One subscription (`Protocol`, `Endpoint` and the optional settings) → a scenario subscription.
fn subscription_entry(b: &mut Build, from: (&str, &str), s: &Props) -> Option<Map<String, Value>> {
    let protocol = string(s, "Protocol")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let kind = match protocol.as_str() {
        "lambda" => "function",
        "sqs" => "queue",
        other => {
            b.note(
                from.0,
                from.1,
                format!("{other} subscription is not simulated"),
            );
            return None;
        }
    };
    let endpoint = s.get("Endpoint").cloned().unwrap_or(Value::Null);
    let target = b.resolve(from, &endpoint, &[kind], "subscription endpoint")?;
    let mut sub = Map::new();
    sub.insert("target".into(), Value::from(target));
    if let Some(policy) = json_document(s, "FilterPolicy") {
        sub.insert("filter_policy".into(), policy);
    }
    if let Some(scope) = string(s, "FilterPolicyScope") {
        sub.insert("filter_policy_scope".into(), Value::from(scope));
    }
    if boolean(s, "RawMessageDelivery") == Some(true) {
        sub.insert("raw_message_delivery".into(), Value::Bool(true));
    }
    Some(sub)
}

pub fn subscription(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let topic = p.get("TopicArn").cloned().unwrap_or(Value::Null);
    let Some(topic_id) = b.resolve(from, &topic, &["topic"], "topic") else {
        return;
    };
    if let Some(sub) = subscription_entry(b, from, p) {
        b.pending.push(Pending {
            from_id: r.id.clone(),
            from_type: r.aws_type.clone(),
            target: topic_id,
            slot: Slot::Push("subscriptions", Value::Object(sub)),
        });
    }
}
