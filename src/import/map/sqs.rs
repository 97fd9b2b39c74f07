//! SQS: `AWS::SQS::Queue` (FIFO with content-based deduplication, visibility timeout, delay, retention, redrive
//! policy).

use serde_json::{Map, Value};

use super::{Props, boolean, int, json_document};
use crate::import::Build;
use crate::import::template::TemplateResource;

pub fn queue(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let mut q = super::new_resource("queue", None);
    if boolean(p, "FifoQueue") == Some(true) {
        q.insert("fifo".into(), Value::Bool(true));
        if boolean(p, "ContentBasedDeduplication") == Some(true) {
            q.insert("content_based_deduplication".into(), Value::Bool(true));
        }
    }
    for (key, out) in [
        ("VisibilityTimeout", "visibility_timeout_s"),
        ("DelaySeconds", "delay_s"),
        ("MessageRetentionPeriod", "retention_s"),
    ] {
        if let Some(n) = int(p, key) {
            q.insert(out.into(), Value::from(n));
        }
    }
    // `RedrivePolicy` is an object, or JSON text in older templates.
    if let Some(Value::Object(policy)) = json_document(p, "RedrivePolicy") {
        let target = policy
            .get("deadLetterTargetArn")
            .cloned()
            .unwrap_or(Value::Null);
        if let Some(dlq) = b.resolve(from, &target, &["queue"], "dead-letter queue") {
            let mut d = Map::new();
            d.insert("target".into(), Value::from(dlq));
            if let Some(n) = int(&policy, "maxReceiveCount") {
                d.insert("max_receive_count".into(), Value::from(n));
            }
            q.insert("dead_letter".into(), Value::Object(d));
        }
    }
    b.add(&r.id, &r.aws_type, q);
}
