//! Engine tests of the service operations: every caller of an operation gets the same AWS behaviour.

use std::sync::Arc;

use serde_json::{Value, json};

use super::queue::{MAX_DELAY_S, SqsSend};
use super::{Sim, SimOptions, TraceRecord};

/// Runs a scenario text to its end with the trace on.
fn run(text: &str) -> Vec<TraceRecord> {
    let sc = crate::scenario::load_str(text, "test.json", None).expect("test scenario loads");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    sim.run_until(10_000_000);
    sim.take_trace()
}

/// A FIFO queue written to by a handler and by two Step Functions tasks, with and without a message group.
const FIFO_SENDERS: &str = r#"{
  "format": "eventflow/1",
  "name": "FIFO senders",
  "settings": { "seed": 1, "until_s": 10, "hop_latency_ms": 10, "sdk_latency_ms": 5 },
  "resources": {
    "Jobs": { "type": "queue", "fifo": true, "content_based_deduplication": true },
    "NoGroup": { "type": "state_machine", "definition": { "StartAt": "Send", "States": {
      "Send": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": { "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs", "MessageBody": "a" },
        "End": true } } } },
    "WithGroup": { "type": "state_machine", "definition": { "StartAt": "Send", "States": {
      "Send": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": { "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs", "MessageBody": "b",
          "MessageGroupId": "g" },
        "End": true } } } },
    "Sender": { "type": "function", "duration_ms": 1, "cold_start_ms": 0,
      "code": { "inline": "fn handler(event, context) { sqs::send(\"Jobs\", \"c\"); }" } }
  },
  "traffic": [
    { "to": "NoGroup", "at_s": 0, "input": {} },
    { "to": "WithGroup", "at_s": 0, "input": {} },
    { "to": "Sender", "at_s": 0, "payload": {} }
  ]
}"#;

#[test]
fn handlers_and_step_functions_share_sendmessage_checks() {
    let records = run(FIFO_SENDERS);
    let execution = |machine: &str| {
        records.iter().find_map(|r| match r {
            TraceRecord::Execution {
                state_machine,
                status,
                error,
                ..
            } if state_machine == machine => Some((*status, error.clone())),
            _ => None,
        })
    };
    let (status, error) = execution("NoGroup").expect("NoGroup ends");
    assert_eq!(status, "failed");
    let error = error.expect("a failed execution has an error");
    assert_eq!(error["error"], json!("SQS.MissingParameter"));
    assert_eq!(
        error["cause"],
        json!("The request must contain the parameter MessageGroupId.")
    );
    assert_eq!(execution("WithGroup").map(|e| e.0), Some("succeeded"));
    let call_error = records.iter().find_map(|r| match r {
        TraceRecord::Call {
            function, error, ..
        } if function == "Sender" => Some(error.clone()),
        _ => None,
    });
    let call_error = call_error.flatten().expect("the handler's send fails");
    assert_eq!(call_error["errorType"], json!("MissingParameter"));
    let enqueued = records
        .iter()
        .filter(|r| matches!(r, TraceRecord::Enqueue { queue, .. } if queue == "Jobs"))
        .count();
    assert_eq!(enqueued, 1, "only the grouped message reaches the queue");
}

#[test]
fn a_new_message_has_sendmessage_defaults() {
    let m = SqsSend::new("body".to_string(), "AIDAEXAMPLE");
    assert_eq!(m.attributes, Value::Object(serde_json::Map::new()));
    assert_eq!(m.group_id, None);
    assert_eq!(m.deduplication_id, None);
    assert_eq!(m.delay_s, None);
    assert_eq!(m.message_n, None);
    assert_eq!(m.sender, "AIDAEXAMPLE");
    let late = SqsSend::new(String::new(), "x").with_delay_s(Some(MAX_DELAY_S + 1));
    assert_eq!(late.delay_s, Some(MAX_DELAY_S));
}

/// A test event ("Send a test event") has its placeholders expanded as a traffic event's, `{{seq}}` counting the
/// test events of the run; a handler never sees `{{…}}` text (issue 17 item 3).
#[test]
fn injected_payload_placeholders_are_expanded_like_traffic() {
    let sc = crate::scenario::load_str(FIFO_SENDERS, "test.json", None).expect("loads");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    let template = crate::scenario::Payload::Input(json!({
        "n": "{{seq}}", "order": "o-{{seq}}", "qty": "{{rand_int:3:3}}", "id": "{{uuid}}", "at": "{{time}}"
    }));
    let crate::scenario::Payload::Input(first) = sim.expand_injected(&template) else {
        panic!("the payload kind changed");
    };
    assert_eq!(first["n"], json!(1));
    assert_eq!(first["order"], json!("o-1"));
    assert_eq!(first["qty"], json!(3));
    let id = first["id"].as_str().expect("uuid is a string");
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        first["at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{first}"
    );
    let crate::scenario::Payload::Input(second) = sim.expand_injected(&template) else {
        panic!("the payload kind changed");
    };
    assert_eq!(second["order"], json!("o-2"));
    assert!(!second.to_string().contains("{{"), "{second}");
}
