//! SAM policy templates derived from what a handler's code calls: every `module::operation("Name"` with a
//! literal first argument naming a resource of the scenario grants the matching policy template on it.

use super::yaml::Node;

/// One SDK call found in code: the module (`sqs`, `dynamodb`, …) and the literal resource name it passes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub module: String,
    pub resource: String,
}

/// The SDK modules whose calls need a permission, from the handler API (`shared/spec/handler-api.md`).
const MODULES: [&str; 7] = ["sqs", "dynamodb", "events", "sns", "s3", "lambda", "sfn"];

/// Every `module::op("literal"` of `code`, sorted and without repeats.
pub fn calls(code: &str) -> Vec<Call> {
    let mut found = Vec::new();
    for module in MODULES {
        let needle = format!("{module}::");
        let mut rest = code;
        while let Some(at) = rest.find(&needle) {
            let preceded_by_ident = rest[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let after = &rest[at + needle.len()..];
            rest = after;
            if preceded_by_ident {
                continue;
            }
            let op_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let Some(args) = after[op_len..].trim_start().strip_prefix('(') else {
                continue;
            };
            let Some(literal) = args.trim_start().strip_prefix('"') else {
                continue;
            };
            if let Some(end) = literal.find('"') {
                found.push(Call {
                    module: module.to_string(),
                    resource: literal[..end].to_string(),
                });
            }
        }
    }
    found.sort();
    found.dedup();
    found
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
    fn finds_literal_resource_names_of_sdk_calls() {
        let code = r#"let r = sqs::send("Orders", #{});
            dynamodb::put( "Table", item); my_sqs::send("No", 1); sns::publish(topic, x); events::put("Bus", e);"#;
        let found: Vec<(String, String)> = calls(code)
            .into_iter()
            .map(|c| (c.module, c.resource))
            .collect();
        assert_eq!(
            found,
            [
                ("dynamodb".to_string(), "Table".to_string()),
                ("events".into(), "Bus".into()),
                ("sqs".into(), "Orders".into())
            ]
        );
    }

    #[test]
    fn a_call_on_a_resource_of_another_type_grants_nothing() {
        assert!(policy("sqs", "topic", "T").is_none());
        assert!(policy("sqs", "queue", "Q").is_some());
    }
}
