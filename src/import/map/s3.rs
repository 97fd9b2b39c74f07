//! S3: `AWS::S3::Bucket` (`NotificationConfiguration` to functions, queues and topics with key filters,
//! `EventBridgeConfiguration`). SAM `S3` events add their notification through `sam_events`.

use serde_json::{Map, Value};

use super::{Props, boolean, object, string};
use crate::import::Build;
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;

pub fn bucket(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let mut bucket = super::new_resource("bucket", None);
    let config = object(p, "NotificationConfiguration");
    let mut notifications = Vec::new();
    for (key, target_key, kind) in [
        ("LambdaConfigurations", "Function", "function"),
        ("QueueConfigurations", "Queue", "queue"),
        ("TopicConfigurations", "Topic", "topic"),
    ] {
        for c in config
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(c) = c.as_object() else { continue };
            let target = c.get(target_key).cloned().unwrap_or(Value::Null);
            let Some(id) = b.resolve(from, &target, &[kind], "notification target") else {
                continue;
            };
            let mut n = Map::new();
            let event = c
                .get("Event")
                .map(text)
                .unwrap_or_else(|| "s3:ObjectCreated:*".into());
            n.insert("events".into(), Value::Array(vec![Value::from(event)]));
            key_filter(&mut n, c);
            n.insert("target".into(), Value::from(id));
            notifications.push(Value::Object(n));
        }
    }
    if !notifications.is_empty() {
        bucket.insert("notifications".into(), Value::Array(notifications));
    }
    if boolean(
        &object(&config, "EventBridgeConfiguration"),
        "EventBridgeEnabled",
    ) == Some(true)
    {
        bucket.insert("event_bridge".into(), Value::Bool(true));
    }
    b.add(&r.id, &r.aws_type, bucket);
}

/// `Filter: {S3Key: {Rules: [{Name: prefix|suffix, Value}]}}` → `prefix` / `suffix`.
pub fn key_filter(n: &mut Map<String, Value>, p: &Props) {
    let rules = object(&object(p, "Filter"), "S3Key");
    for rule in rules
        .get("Rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(rule) = rule.as_object() else {
            continue;
        };
        let name = string(rule, "Name")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(name.as_str(), "prefix" | "suffix") {
            n.insert(name, Value::from(string(rule, "Value").unwrap_or_default()));
        }
    }
}
