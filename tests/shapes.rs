//! Every event the engine hands a handler deserialises into the matching `aws_lambda_events` type.
//!
//! All example scenarios and all semantic test scenarios are run with the trace on; each `invoke` record's event
//! is classified by its shape and parsed with serde into the crate's type for that source. Destination records
//! (which the crate does not model) are checked key by key against AWS's documented record.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_lambda_events::event::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use aws_lambda_events::event::dynamodb::Event as DynamoDbEvent;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sns::SnsEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use eventflow::sim::{Sim, SimOptions, TraceRecord};
use serde_json::Value;

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["assets/scenarios", "tests/scenarios"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("scenario folder") {
            let p = entry.expect("entry").path();
            let name = p.to_string_lossy().to_string();
            if name.ends_with(".json") && !name.ends_with(".expect.json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, v: &Value, file: &Path) {
    if let Err(e) = serde_json::from_value::<T>(v.clone()) {
        panic!(
            "{}: {what} event does not deserialise: {e}\n{v:#}",
            file.display()
        );
    }
}

fn classify_and_parse(event: &Value, file: &Path) -> &'static str {
    let first = event.get("Records").and_then(|r| r.get(0));
    if let Some(rec) = first {
        if rec.get("eventSource") == Some(&Value::from("aws:sqs")) {
            parse::<SqsEvent>("SQS", event, file);
            return "sqs";
        }
        if rec.get("eventSource") == Some(&Value::from("aws:s3")) {
            parse::<S3Event>("S3", event, file);
            return "s3";
        }
        if rec.get("eventSource") == Some(&Value::from("aws:dynamodb")) {
            parse::<DynamoDbEvent>("DynamoDB", event, file);
            return "dynamodb";
        }
        if rec.get("EventSource") == Some(&Value::from("aws:sns")) {
            parse::<SnsEvent>("SNS", event, file);
            return "sns";
        }
    }
    if event.get("version") == Some(&Value::from("2.0")) && event.get("routeKey").is_some() {
        parse::<ApiGatewayV2httpRequest>("API Gateway v2", event, file);
        return "apigw-v2";
    }
    if event.get("httpMethod").is_some() && event.get("requestContext").is_some() {
        parse::<ApiGatewayProxyRequest>("API Gateway v1", event, file);
        return "apigw-v1";
    }
    if event.get("detail-type").is_some() && event.get("version") == Some(&Value::from("0")) {
        parse::<EventBridgeEvent>("EventBridge", event, file);
        return "eventbridge";
    }
    if let Some(ctx) = event
        .get("requestContext")
        .filter(|c| c.get("condition").is_some())
    {
        // Lambda asynchronous invocation record (Lambda guide, "Adding a destination").
        for key in [
            "version",
            "timestamp",
            "requestContext",
            "requestPayload",
            "responseContext",
            "responsePayload",
        ] {
            assert!(
                event.get(key).is_some(),
                "{}: destination record without {key}: {event}",
                file.display()
            );
        }
        for key in [
            "requestId",
            "functionArn",
            "condition",
            "approximateInvokeCount",
        ] {
            assert!(
                ctx.get(key).is_some(),
                "{}: requestContext without {key}",
                file.display()
            );
        }
        return "destination";
    }
    "custom"
}

#[test]
fn every_handler_event_has_aws_shape() {
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for file in scenario_files() {
        let scenario = eventflow::scenario::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        let until_us = (scenario.settings.until_s.min(3600.0) * 1e6) as u64;
        let mut sim = Sim::new(
            Arc::new(scenario),
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        sim.run_until(until_us);
        for r in sim.take_trace() {
            if let TraceRecord::Invoke { event, .. } = &r {
                *seen.entry(classify_and_parse(event, &file)).or_default() += 1;
            }
        }
    }
    for shape in [
        "sqs",
        "s3",
        "dynamodb",
        "sns",
        "apigw-v2",
        "apigw-v1",
        "eventbridge",
        "destination",
    ] {
        assert!(
            seen.get(shape).copied().unwrap_or(0) > 0,
            "no {shape} event was exercised: {seen:?}"
        );
    }
}

#[test]
fn sns_envelope_parses_as_the_sns_message_type() {
    let env = eventflow::events::AwsEnv::default();
    let attrs = serde_json::json!({ "region": { "DataType": "String", "StringValue": "eu" } });
    let notice = eventflow::events::sns::SnsNotice {
        topic: "Orders",
        message_id: "11111111-2222-4333-8444-555555555555",
        message: "{\"type\":\"order\"}",
        subject: Some("New"),
        attributes: &attrs,
        time: chrono::DateTime::from_timestamp(1_767_225_600, 0).expect("time"),
        subscription_id: "99999999-2222-4333-8444-555555555555",
        fifo: None,
    };
    let body = eventflow::events::sns::sqs_envelope(&env, &notice);
    let v: Value = serde_json::from_str(&body).expect("envelope is JSON");
    serde_json::from_value::<aws_lambda_events::event::sns::SnsMessage>(v.clone())
        .unwrap_or_else(|e| panic!("SNS envelope does not parse: {e}\n{body}"));
    assert!(
        v.get("SigningCertURL").is_some(),
        "envelope casing is SigningCertURL: {body}"
    );
}
