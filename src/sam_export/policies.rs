//! SAM policy templates derived from what a handler's code calls: a call of an SDK module (`sqs::send(`) and a
//! resource of the matching type named in the code or the environment grant the policy template on it
//! (`SQSSendMessagePolicy`, `DynamoDBCrudPolicy`, …).

use super::yaml::Node;

/// One SDK call found in code: the module (`sqs`, `dynamodb`, …) and the literal resource name it passes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub module: String,
    pub resource: String,
}

/// The SDK modules whose calls need a permission, from the handler API (`shared/spec/handler-api.md`).
/// `rds` grants no policy template of its own: [`policy`] skips it, and the exporter reads it as the function's
/// database links.
const MODULES: [&str; 8] = [
    "sqs", "dynamodb", "events", "sns", "s3", "lambda", "sfn", "rds",
];

/// The calls `code` may make: each SDK module it calls (`module::op(`) paired with each resource name it holds
/// in a string literal or that `names` gives (the function's environment values, which code reads as
/// `env.X`); sorted and without repeats. [`policy`] then keeps the pairs whose resource type fits the module.
pub fn calls(code: &str, names: &[String]) -> Vec<Call> {
    let mut resources: Vec<String> = names.to_vec();
    let mut rest = code;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        resources.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    let mut found = Vec::new();
    for module in MODULES {
        if calls_module(code, module) {
            found.extend(resources.iter().map(|r| Call {
                module: module.to_string(),
                resource: r.clone(),
            }));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether `code` calls `module::op(` (not `my_module::op(`).
fn calls_module(code: &str, module: &str) -> bool {
    let needle = format!("{module}::");
    let mut rest = code;
    while let Some(at) = rest.find(&needle) {
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let after = &rest[at + needle.len()..];
        rest = after;
        let op_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if !preceded_by_ident && op_len > 0 && after[op_len..].trim_start().starts_with('(') {
            return true;
        }
    }
    false
}

/// The SAM policy template for a call on a resource of scenario type `kind`, if the pair makes sense.
pub fn policy(module: &str, kind: &str, id: &str) -> Option<Node> {
    let (template, key, value) = match (module, kind) {
        ("sqs", "queue") => (
            "SQSSendMessagePolicy",
            "QueueName",
            Node::get_att(id, "QueueName"),
        ),
        ("dynamodb", "table") => ("DynamoDBCrudPolicy", "TableName", Node::reference(id)),
        ("events", "event_bus") => (
            "EventBridgePutEventsPolicy",
            "EventBusName",
            if id == "default" {
                Node::str("default")
            } else {
                Node::reference(id)
            },
        ),
        ("sns", "topic") => (
            "SNSPublishMessagePolicy",
            "TopicName",
            Node::get_att(id, "TopicName"),
        ),
        ("s3", "bucket") => ("S3CrudPolicy", "BucketName", Node::reference(id)),
        ("lambda", "function") => ("LambdaInvokePolicy", "FunctionName", Node::reference(id)),
        ("sfn", "state_machine") => (
            "StepFunctionsExecutionPolicy",
            "StateMachineName",
            Node::get_att(id, "Name"),
        ),
        _ => return None,
    };
    let mut inner = Node::map();
    inner.set(key, value);
    let mut p = Node::map();
    p.set(template, inner);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_called_modules_with_named_resources() {
        let code = r#"let r = sqs::send("Orders", #{});
            dynamodb::put(env.TABLE, item); my_sns::publish("No", 1);"#;
        let found: Vec<(String, String)> = calls(code, &["Table".to_string()])
            .into_iter()
            .map(|c| (c.module, c.resource))
            .collect();
        assert_eq!(
            found,
            [
                ("dynamodb".to_string(), "No".to_string()),
                ("dynamodb".into(), "Orders".into()),
                ("dynamodb".into(), "Table".into()),
                ("sqs".into(), "No".into()),
                ("sqs".into(), "Orders".into()),
                ("sqs".into(), "Table".into())
            ]
        );
    }

    #[test]
    fn a_call_on_a_resource_of_another_type_grants_nothing() {
        assert!(policy("sqs", "topic", "T").is_none());
        assert!(policy("sqs", "queue", "Q").is_some());
    }
}
