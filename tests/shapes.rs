//! Every event the engine hands a handler deserialises into the matching `aws_lambda_events` type, and a trace does
//! not depend on where its scenario lives.
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
                *seen
                    .entry(classify_and_parse(&event.as_value(), &file))
                    .or_default() += 1;
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

/// The `invoke` events of one test scenario, run to its `until_s`.
fn invoke_events(name: &str) -> Vec<Value> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name);
    let scenario = eventflow::scenario::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
    let until_us = (scenario.settings.until_s * 1e6) as u64;
    let mut sim = Sim::new(
        Arc::new(scenario),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    sim.run_until(until_us);
    sim.take_trace()
        .into_iter()
        .filter_map(|r| match r {
            TraceRecord::Invoke { event, .. } => Some(event.into_value()),
            _ => None,
        })
        .collect()
}

#[test]
fn versioned_s3_events_parse_with_their_version_ids() {
    let mut names = Vec::new();
    for event in invoke_events("s3-versioning.json") {
        let Ok(parsed) = serde_json::from_value::<S3Event>(event.clone()) else {
            continue;
        };
        for r in parsed.records {
            let name = r.event_name.clone().unwrap_or_default();
            let object = &r.s3.object;
            assert!(
                object.version_id.as_deref().is_some_and(|v| !v.is_empty()),
                "{name} without a versionId: {event:#}"
            );
            match name.as_str() {
                "ObjectCreated:CompleteMultipartUpload" => assert!(
                    object.e_tag.as_deref().is_some_and(|t| t.ends_with("-3")),
                    "multipart eTag: {event:#}"
                ),
                "ObjectRemoved:DeleteMarkerCreated" => assert!(object.e_tag.is_none()),
                _ => assert!(object.e_tag.is_some()),
            }
            names.push(name);
        }
    }
    names.sort();
    assert_eq!(
        names,
        [
            "ObjectCreated:CompleteMultipartUpload",
            "ObjectCreated:Copy",
            "ObjectCreated:Put",
            "ObjectCreated:Put",
            "ObjectRemoved:DeleteMarkerCreated",
        ]
    );
}

#[test]
fn ttl_deletions_parse_with_the_service_identity() {
    let mut ttl_removes = Vec::new();
    for event in invoke_events("dynamodb-ttl.json") {
        let Ok(parsed) = serde_json::from_value::<DynamoDbEvent>(event.clone()) else {
            continue;
        };
        for r in parsed.records {
            match &r.user_identity {
                Some(who) => {
                    assert_eq!(r.event_name, "REMOVE", "{event:#}");
                    assert_eq!(who.type_, "Service");
                    assert_eq!(who.principal_id, "dynamodb.amazonaws.com");
                    let keys = serde_json::to_value(&r.change.keys).expect("keys serialise");
                    ttl_removes.push(keys.to_string());
                }
                None => assert!(r.event_name != "REMOVE", "a client REMOVE in {event:#}"),
            }
        }
    }
    // s1 expires; s2 was renewed; s3 has no expiry.
    assert_eq!(ttl_removes.len(), 1, "{ttl_removes:?}");
    assert!(ttl_removes[0].contains("s1"), "{ttl_removes:?}");
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

/// Runs `eventflow run SCENARIO --trace TRACE` in `cwd` and returns the trace's bytes.
fn trace_of(cwd: &Path, scenario: &str, trace: &Path) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .current_dir(cwd)
        .args(["run", scenario, "--trace"])
        .arg(trace)
        .output()
        .expect("run eventflow");
    assert!(
        out.status.success(),
        "eventflow run {scenario} in {}: {}",
        cwd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(trace).expect("trace file")
}

#[test]
fn traces_do_not_depend_on_where_the_scenario_lives() {
    // A scenario whose script fails with a stack trace (file:line:col), copied into two folders of different depth.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = std::env::temp_dir().join(format!("eventflow-shapes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let copies = [tmp.join("a"), tmp.join("b/deeper/still")];
    for dir in &copies {
        std::fs::create_dir_all(dir.join("handlers")).expect("temp folder");
        std::fs::copy(
            root.join("tests/scenarios/script-errors.json"),
            dir.join("s.json"),
        )
        .expect("copy scenario");
        std::fs::copy(
            root.join("tests/scenarios/handlers/misbehave.rhai"),
            dir.join("handlers/misbehave.rhai"),
        )
        .expect("copy script");
    }
    let traces = tmp.join("traces");
    std::fs::create_dir_all(&traces).expect("trace folder");
    let absolute = copies[1].join("s.json").to_string_lossy().to_string();
    let runs: Vec<(&Path, &str)> = vec![
        (&copies[0], "s.json"),
        (&tmp, "a/s.json"),
        (&tmp, "a/../a/./s.json"),
        (&copies[1], "s.json"),
        (root, &absolute),
    ];
    let reference = trace_of(runs[0].0, runs[0].1, &traces.join("0.jsonl"));
    let text = String::from_utf8_lossy(&reference).to_string();
    assert!(
        text.contains("at handler (handlers/misbehave.rhai:"),
        "the stack trace names the script relative to the scenario's folder: {text}"
    );
    for (i, (cwd, scenario)) in runs.iter().enumerate().skip(1) {
        let trace = trace_of(cwd, scenario, &traces.join(format!("{i}.jsonl")));
        assert!(
            trace == reference,
            "the trace of {scenario} run in {} differs from the one run in {}",
            cwd.display(),
            runs[0].0.display()
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
