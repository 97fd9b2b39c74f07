//! Template resources → scenario resources, one file per AWS resource family, plus SAM's `Events`
//! ([`sam_events`]). Property values arrive evaluated (see `import::intrinsic`); every wiring property goes through
//! `Build::resolve`, so a reference to something the scenario does not hold becomes a note, never a failure.

pub mod apigw;
pub mod dynamodb;
pub mod events;
pub mod lambda;
pub mod rds;
pub mod s3;
pub mod sam_events;
pub mod sfn;
pub mod sns;
pub mod sqs;

use serde_json::{Map, Value};

use super::Build;
use super::intrinsic::{as_i64, text};
use super::template::TemplateResource;

/// Evaluated properties of a resource.
pub type Props = Map<String, Value>;

/// The scenario type a template resource becomes, if eventflow simulates it.
pub fn kind_of(aws_type: &str, raw_properties: &Value) -> Option<&'static str> {
    Some(match aws_type {
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => "function",
        "AWS::ApiGatewayV2::Api"
            if raw_properties
                .get("ProtocolType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("WEBSOCKET")) =>
        {
            return None;
        }
        "AWS::Serverless::Api"
        | "AWS::Serverless::HttpApi"
        | "AWS::ApiGateway::RestApi"
        | "AWS::ApiGatewayV2::Api" => "api",
        "AWS::SQS::Queue" => "queue",
        "AWS::SNS::Topic" => "topic",
        "AWS::Events::EventBus" => "event_bus",
        "AWS::Events::Rule" => {
            if raw_properties.get("ScheduleExpression").is_some() {
                "schedule"
            } else {
                "rule"
            }
        }
        "AWS::Scheduler::Schedule" => "schedule",
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            "table"
        }
        "AWS::S3::Bucket" => "bucket",
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => "state_machine",
        "AWS::Lambda::EventSourceMapping" => "trigger",
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" | "AWS::RDS::DBProxy" => {
            return rds::kind_of(aws_type, raw_properties);
        }
        _ => return None,
    })
}

/// Properties that give a resource its physical name (so that a literal ARN or name finds it).
pub fn physical_name_keys(aws_type: &str) -> &'static [&'static str] {
    match aws_type {
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => &["FunctionName"],
        "AWS::SQS::Queue" => &["QueueName"],
        "AWS::SNS::Topic" => &["TopicName"],
        "AWS::Events::EventBus" => &["Name"],
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            &["TableName"]
        }
        "AWS::S3::Bucket" => &["BucketName"],
        "AWS::StepFunctions::StateMachine" => &["StateMachineName"],
        "AWS::Serverless::StateMachine" => &["Name"],
        "AWS::RDS::DBInstance" => &["DBInstanceIdentifier"],
        "AWS::RDS::DBCluster" => &["DBClusterIdentifier"],
        "AWS::RDS::DBProxy" => &["DBProxyName"],
        _ => &[],
    }
}

/// Resources that only support others (permissions, policies, logs, deployments): skipped without a note.
fn is_support(aws_type: &str) -> bool {
    aws_type.starts_with("AWS::IAM::")
        || aws_type.starts_with("AWS::Logs::")
        || matches!(
            aws_type,
            "AWS::Lambda::Permission"
                | "AWS::Lambda::Version"
                | "AWS::Lambda::Alias"
                | "AWS::Lambda::LayerVersion"
                | "AWS::Lambda::LayerVersionPermission"
                | "AWS::Serverless::LayerVersion"
                | "AWS::SQS::QueuePolicy"
                | "AWS::SNS::TopicPolicy"
                | "AWS::S3::BucketPolicy"
                | "AWS::Events::EventBusPolicy"
                | "AWS::ApiGateway::Deployment"
                | "AWS::ApiGateway::Stage"
                | "AWS::ApiGateway::Account"
                | "AWS::ApiGateway::Resource"
                | "AWS::ApiGateway::Model"
                | "AWS::ApiGateway::RequestValidator"
                | "AWS::ApiGatewayV2::Deployment"
                | "AWS::ApiGatewayV2::Stage"
                | "AWS::ApiGatewayV2::Integration"
                | "AWS::CDK::Metadata"
                | "AWS::RDS::DBSubnetGroup"
                | "AWS::RDS::DBParameterGroup"
                | "AWS::RDS::DBClusterParameterGroup"
        )
}

/// Template types this importer maps (into a resource of their own or into another's wiring).
pub fn is_mapped(aws_type: &str) -> bool {
    kind_of(aws_type, &Value::Null).is_some()
        || matches!(
            aws_type,
            "AWS::RDS::DBProxyTargetGroup"
                | "AWS::Lambda::EventInvokeConfig"
                | "AWS::ApiGateway::Method"
                | "AWS::ApiGatewayV2::Route"
                | "AWS::SNS::Subscription"
        )
}

/// Maps one template resource (whose condition holds) into the build.
pub fn resource(b: &mut Build, r: &TemplateResource, p: &Props) {
    match r.aws_type.as_str() {
        "AWS::Serverless::Function" | "AWS::Lambda::Function" => lambda::function(b, r, p),
        "AWS::Lambda::EventSourceMapping" => lambda::event_source_mapping(b, r, p),
        "AWS::Lambda::EventInvokeConfig" => lambda::event_invoke_config(b, r, p),
        "AWS::Serverless::Api" | "AWS::ApiGateway::RestApi" => apigw::rest_api(b, r, p),
        "AWS::Serverless::HttpApi" | "AWS::ApiGatewayV2::Api" => apigw::http_api(b, r, p),
        "AWS::ApiGateway::Method" => apigw::rest_method(b, r, p),
        "AWS::ApiGatewayV2::Route" => apigw::v2_route(b, r, p),
        "AWS::SQS::Queue" => sqs::queue(b, r, p),
        "AWS::SNS::Topic" => sns::topic(b, r, p),
        "AWS::SNS::Subscription" => sns::subscription(b, r, p),
        "AWS::Events::EventBus" => events::bus(b, r, p),
        "AWS::Events::Rule" => events::rule(b, r, p),
        "AWS::Scheduler::Schedule" => events::scheduler_schedule(b, r, p),
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            dynamodb::table(b, r, p)
        }
        "AWS::S3::Bucket" => s3::bucket(b, r, p),
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
            sfn::state_machine(b, r, p)
        }
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => rds::database(b, r, p),
        "AWS::RDS::DBProxy" => rds::proxy(b, r, p),
        "AWS::RDS::DBProxyTargetGroup" => rds::proxy_target_group(b, r, p),
        t if is_support(t) => {}
        t => {
            b.note(&r.id, t, "not simulated; left out");
            b.external.push(crate::import::External {
                id: r.id.clone(),
                aws_type: t.to_string(),
            });
        }
    }
}

/// A scalar property as text (numbers and booleans printed); None when absent or null.
pub fn string(p: &Props, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::Null => None,
        Value::Array(_) | Value::Object(_) => None,
        v => Some(text(v)),
    }
}

/// An integer property (a number or a numeric string, as CloudFormation accepts both).
pub fn int(p: &Props, key: &str) -> Option<i64> {
    p.get(key).and_then(as_i64)
}

/// A boolean property (`true` or `"true"`, any case).
pub fn boolean(p: &Props, key: &str) -> Option<bool> {
    match p.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A JSON-document property: an object as is, or a string holding JSON (as CloudFormation allows for patterns,
/// policies and inputs).
pub fn json_document(p: &Props, key: &str) -> Option<Value> {
    match p.get(key)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        v => Some(v.clone()),
    }
}

/// An object property (empty when absent or not an object).
pub fn object(p: &Props, key: &str) -> Props {
    p.get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A new scenario resource of `kind` with an optional description.
pub fn new_resource(kind: &str, description: Option<String>) -> Props {
    let mut m = Map::new();
    m.insert("type".into(), Value::from(kind));
    if let Some(d) = description.filter(|d| !d.trim().is_empty()) {
        m.insert("description".into(), Value::from(d));
    }
    m
}

/// `rate(5 minute)` → `rate(5 minutes)`, `rate(1 hours)` → `rate(1 hour)`, `Rate(…)` → `rate(…)`: AWS accepts
/// the unit in either number; the scenario format wants it to agree with the value.
pub fn normalize_schedule(expression: &str) -> String {
    let e = expression.trim();
    let Some(inner) = e
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("rate("))
        .and_then(|_| e[5..].strip_suffix(')'))
    else {
        return e.to_string();
    };
    let mut parts = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return e.to_string();
    };
    let unit = unit.to_ascii_lowercase();
    let singular = unit.strip_suffix('s').unwrap_or(&unit);
    if value == "1" {
        format!("rate(1 {singular})")
    } else {
        format!("rate({value} {singular}s)")
    }
}

/// Event source mapping settings common to SAM events and `AWS::Lambda::EventSourceMapping`.
pub fn mapping_settings(
    trigger: &mut Props,
    p: &Props,
    from_table: bool,
    b: &mut Build,
    from: (&str, &str),
) {
    if let Some(n) = int(p, "BatchSize") {
        trigger.insert("batch_size".into(), Value::from(n));
    }
    if let Some(n) = int(p, "MaximumBatchingWindowInSeconds") {
        trigger.insert("maximum_batching_window_s".into(), Value::from(n));
    }
    if let Some(types) = p.get("FunctionResponseTypes").and_then(Value::as_array)
        && types.iter().any(|t| t == "ReportBatchItemFailures")
    {
        trigger.insert("report_batch_item_failures".into(), Value::Bool(true));
    }
    if let Some(filters) = object(p, "FilterCriteria")
        .get("Filters")
        .and_then(Value::as_array)
    {
        let patterns: Vec<Value> = filters
            .iter()
            .filter_map(|f| f.as_object().and_then(|f| json_document(f, "Pattern")))
            .collect();
        if !patterns.is_empty() {
            trigger.insert("filter_criteria".into(), Value::Array(patterns));
        }
    }
    if let Some(n) = int(&object(p, "ScalingConfig"), "MaximumConcurrency") {
        trigger.insert("maximum_concurrency".into(), Value::from(n));
    }
    if from_table {
        if let Some(s) = string(p, "StartingPosition") {
            trigger.insert("starting_position".into(), Value::from(s));
        }
        if let Some(v) = boolean(p, "BisectBatchOnFunctionError") {
            trigger.insert("bisect_batch_on_function_error".into(), Value::Bool(v));
        }
        if let Some(n) = int(p, "MaximumRetryAttempts") {
            trigger.insert("maximum_retry_attempts".into(), Value::from(n));
        }
        let on_failure = object(&object(p, "DestinationConfig"), "OnFailure");
        if let Some(d) = on_failure.get("Destination")
            && let Some(id) = b.resolve(from, d, &["queue", "topic"], "on-failure destination")
        {
            trigger.insert("on_failure".into(), Value::from(id));
        }
    }
    if boolean(p, "Enabled") == Some(false) {
        trigger.insert("enabled".into(), Value::Bool(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_agree_with_their_value() {
        assert_eq!(normalize_schedule("rate(5 minute)"), "rate(5 minutes)");
        assert_eq!(normalize_schedule("rate(1 minutes)"), "rate(1 minute)");
        assert_eq!(normalize_schedule("Rate(2 Hours)"), "rate(2 hours)");
        assert_eq!(
            normalize_schedule("cron(0 12 * * ? *)"),
            "cron(0 12 * * ? *)"
        );
    }
}
