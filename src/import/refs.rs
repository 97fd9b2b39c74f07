//! Which template resource does a value name?
//!
//! After [`super::intrinsic`] every reference is a string: a bare name, an ARN, a queue URL, an API Gateway
//! integration URI wrapping a function ARN. [`Index::resolve`] reads the name out of it and finds the resource by
//! logical id or by physical name (`QueueName`, `TopicName`, `FunctionName`, `BucketName`, `TableName`, a bus's or
//! state machine's `Name`), among the scenario types the caller accepts.

use std::collections::BTreeMap;

/// The template's resources that became scenario resources: logical id → scenario type, plus physical names.
#[derive(Debug, Default)]
pub struct Index {
    kinds: BTreeMap<String, &'static str>,
    physical: BTreeMap<String, String>,
}

impl Index {
    pub fn add(&mut self, logical_id: &str, kind: &'static str) {
        self.kinds.insert(logical_id.to_string(), kind);
    }

    pub fn add_physical_name(&mut self, name: &str, logical_id: &str) {
        if !name.is_empty() {
            self.physical
                .entry(name.to_string())
                .or_insert_with(|| logical_id.to_string());
        }
    }

    pub fn kind(&self, logical_id: &str) -> Option<&'static str> {
        self.kinds.get(logical_id).copied()
    }

    /// The logical id of a resource of one of `kinds` that `text` names, if any.
    pub fn resolve(&self, text: &str, kinds: &[&str]) -> Option<String> {
        for name in candidate_names(text) {
            for id in [
                Some(name.as_str()),
                self.physical.get(&name).map(String::as_str),
            ]
            .into_iter()
            .flatten()
            {
                if let Some(kind) = self.kinds.get(id)
                    && kinds.contains(kind)
                {
                    return Some(id.to_string());
                }
            }
        }
        None
    }
}

/// Names a reference string may carry, most specific first.
pub fn candidate_names(text: &str) -> Vec<String> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("https://sqs.") {
        return rest
            .rsplit('/')
            .next()
            .map(|s| vec![s.to_string()])
            .unwrap_or_default();
    }
    if !text.starts_with("arn:") {
        return vec![text.to_string()];
    }
    // An API Gateway integration URI wraps the function's ARN: `…:path/2015-03-31/functions/arn:…/invocations`.
    if let Some(i) = text.find("/functions/") {
        let inner = &text[i + "/functions/".len()..];
        let inner = inner.strip_suffix("/invocations").unwrap_or(inner);
        return candidate_names(inner);
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let (service, resource) = match parts.as_slice() {
        [_, _, service, _, _, resource] => (*service, *resource),
        [_, _, service, _, resource] => (*service, *resource),
        _ => return vec![text.to_string()],
    };
    let segments: Vec<&str> = resource.split(['/', ':']).collect();
    let name = match (service, segments.as_slice()) {
        ("lambda", ["function", name, ..]) => *name,
        ("events", ["event-bus", name, ..]) => *name,
        ("events", ["rule", .., name]) => *name,
        ("dynamodb", ["table", name, ..]) => *name,
        ("states", ["stateMachine", name, ..]) => *name,
        ("sns" | "sqs" | "s3", [name, ..]) => *name,
        (_, [.., name]) => *name,
        _ => return Vec::new(),
    };
    vec![name.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_out_of_arns_urls_and_uris() {
        let mut index = Index::default();
        index.add("Fn", "function");
        index.add("Q", "queue");
        index.add("Bus", "event_bus");
        index.add("T", "table");
        index.add_physical_name("orders-queue", "Q");
        let r = |s: &str, k: &[&str]| index.resolve(s, k);
        assert_eq!(
            r("arn:aws:lambda:us-east-1:1:function:Fn:live", &["function"]).as_deref(),
            Some("Fn")
        );
        assert_eq!(
            r("https://sqs.us-east-1.amazonaws.com/1/Q", &["queue"]).as_deref(),
            Some("Q")
        );
        assert_eq!(
            r("arn:aws:sqs:us-east-1:1:orders-queue", &["queue"]).as_deref(),
            Some("Q")
        );
        assert_eq!(
            r("arn:aws:events:us-east-1:1:event-bus/Bus", &["event_bus"]).as_deref(),
            Some("Bus")
        );
        assert_eq!(
            r("arn:aws:dynamodb:us-east-1:1:table/T/stream/x", &["table"]).as_deref(),
            Some("T")
        );
        assert_eq!(
            r("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:Fn/invocations", &["function"]).as_deref(),
            Some("Fn")
        );
        assert_eq!(r("Fn", &["queue"]), None);
        assert_eq!(r("arn:aws:sqs:us-east-1:1:Elsewhere", &["queue"]), None);
    }
}
