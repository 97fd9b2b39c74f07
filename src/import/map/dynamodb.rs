//! DynamoDB: `AWS::DynamoDB::Table` / `GlobalTable` (key schema, stream) and SAM's `AWS::Serverless::SimpleTable`
//! (`PrimaryKey`, `id` by default as SAM documents).

use serde_json::Value;

use super::{Props, object, string};
use crate::import::Build;
use crate::import::template::TemplateResource;

pub fn table(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let mut t = super::new_resource("table", None);
    if r.aws_type == "AWS::Serverless::SimpleTable" {
        let key = string(&object(p, "PrimaryKey"), "Name").unwrap_or_else(|| "id".into());
        t.insert("partition_key".into(), Value::from(key));
    } else {
        for k in p
            .get("KeySchema")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(k) = k.as_object() else { continue };
            let name = string(k, "AttributeName").unwrap_or_default();
            match string(k, "KeyType").as_deref() {
                Some("HASH") => t.insert("partition_key".into(), Value::from(name)),
                Some("RANGE") => t.insert("sort_key".into(), Value::from(name)),
                _ => None,
            };
        }
        if !t.contains_key("partition_key") {
            b.note(from.0, from.1, "left out: no HASH key in KeySchema");
            return;
        }
        let stream = object(p, "StreamSpecification");
        if let Some(view) = string(&stream, "StreamViewType") {
            t.insert("stream".into(), Value::from(view));
        } else if stream.get("StreamEnabled").is_some() {
            // A GlobalTable's stream is NEW_AND_OLD_IMAGES whenever it is enabled.
            t.insert("stream".into(), Value::from("NEW_AND_OLD_IMAGES"));
        }
    }
    b.add(&r.id, &r.aws_type, t);
}
