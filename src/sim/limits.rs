//! AWS size limits the simulator enforces where a payload is sent, each a named constant with its source, and the
//! checks that apply them to a handler's SDK calls (the AWS error type and text the SDK would throw).
//!
//! Sources: `aws-limits-rds.md` §4 (Lambda, SQS, SNS, EventBridge, API Gateway payloads) and the AWS quota pages
//! named at each constant. Sizes are counted as AWS counts them, in UTF-8 bytes of the text sent (a JSON payload as
//! its compact JSON text).

use std::path::Path;

use serde_json::Value;

use crate::scenario::json::Node;
use crate::scenario::{LoadError, Payload, Problem, ResourceType, Scenario, TrafficSource};
use crate::script::{SdkCall, SdkError, json_len};

/// Lambda synchronous invoke (`RequestResponse`) request payload: 6 MB = 6,291,456 bytes.
/// Source: docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (aws-limits-rds.md §4, "Lambda sync invoke").
/// An SQS event source mapping invokes synchronously, so its batch stops growing before the event would pass it.
pub const SYNC_INVOKE_PAYLOAD_MAX_BYTES: usize = 6 * 1024 * 1024;

/// Lambda synchronous response payload: the runtime refuses a response over 6,291,556 bytes (the number its error
/// message names). Source: aws-limits-rds.md §4, "Lambda sync invoke" (message text [R]: aws-lambda-dotnet#1815).
pub const SYNC_INVOKE_RESPONSE_MAX_BYTES: usize = 6_291_556;

/// Lambda asynchronous invoke (`Event`) payload: 1 MB (was 256 KB). Source: API_Invoke.html "For asynchronous
/// invocations, the maximum payload size is 1 MB"; AWS Compute Blog, Jan 29 2026 (aws-limits-rds.md §4, MB1).
pub const ASYNC_INVOKE_PAYLOAD_MAX_BYTES: usize = 1024 * 1024;

/// SQS message: 1 MiB = 1,048,576 bytes (body and attributes), was 256 KiB. Source: SendMessage API docs; MB1
/// (aws-limits-rds.md §4, "SQS message").
pub const SQS_MESSAGE_MAX_BYTES: usize = 1024 * 1024;

/// SNS publish: 256 KiB = 262,144 bytes (message, subject and attributes) by default. Source:
/// docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html (aws-limits-rds.md §4, "SNS publish").
pub const SNS_MESSAGE_MAX_BYTES: usize = 256 * 1024;

/// EventBridge PutEvents entry: 1 MB (was 256 KB), counted as the UTF-8 bytes of Source, DetailType, Detail and each
/// Resource. Source: MB1 and eb-putevent-size.html (aws-limits-rds.md §4; aws-semantics.md §4).
pub const EVENTBRIDGE_ENTRY_MAX_BYTES: usize = 1024 * 1024;

/// API Gateway request payload (REST and HTTP APIs): 10 MB, not adjustable. Source: AG-LIM, AG-HTTPQ
/// (aws-limits-rds.md §4). In front of a Lambda function the effective limit is the sync invoke's 6 MB.
pub const API_GATEWAY_PAYLOAD_MAX_BYTES: usize = 10 * 1024 * 1024;

/// DynamoDB item: 400 KB = 409,600 bytes (attribute names and values). Source:
/// docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html ("Item size").
pub const DYNAMODB_ITEM_MAX_BYTES: usize = 400 * 1024;

/// CloudWatch Logs event: 256 KB = 262,144 bytes including 26 bytes of per-event overhead, so a message keeps at most
/// 262,118 bytes; longer log lines are truncated. Source:
/// docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html ("Event size") and the PutLogEvents
/// API reference (26 bytes per event).
pub const LOG_EVENT_MAX_BYTES: usize = 256 * 1024 - 26;

/// Step Functions execution input: 256 KiB = 262,144 bytes. Source:
/// docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html ("Maximum input or output size for a task, state,
/// or execution").
pub const SFN_INPUT_MAX_BYTES: usize = 256 * 1024;

/// S3 object body, a limit of this simulator (AWS takes up to 5 GB in one PUT, docs.aws.amazon.com/AmazonS3/latest/
/// userguide/upload-objects.html): 16 MiB, so that a handler cannot fill memory with a few calls. The error is the
/// one AWS gives past its own limit, `EntityTooLarge`.
pub const S3_OBJECT_MAX_BYTES: usize = 16 * 1024 * 1024;

fn error(error_type: &str, message: String) -> SdkError {
    SdkError {
        error_type: error_type.to_string(),
        message,
        code: None,
    }
}

/// Bytes of normalised message attributes (`{name: {DataType, StringValue}}`): name, data type and value, as SQS
/// and SNS count them toward the message size.
fn attributes_len(attributes: &Value) -> usize {
    let Some(map) = attributes.as_object() else {
        return 0;
    };
    map.iter()
        .map(|(name, attr)| {
            let field = |k: &str| attr.get(k).and_then(Value::as_str).map_or(0, str::len);
            name.len() + field("DataType") + field("StringValue")
        })
        .sum()
}

/// A DynamoDB item's size as DynamoDB counts it: attribute names plus values (strings by their UTF-8 bytes, numbers
/// about one byte per two digits plus one, booleans and null one byte, lists and maps three bytes plus one per
/// element). Source: docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html.
pub fn dynamodb_item_len(item: &Value) -> usize {
    fn value_len(v: &Value) -> usize {
        match v {
            Value::String(s) => s.len(),
            Value::Number(n) => {
                let digits = n.to_string().bytes().filter(u8::is_ascii_digit).count();
                digits.div_ceil(2) + 1
            }
            Value::Bool(_) | Value::Null => 1,
            Value::Array(items) => 3 + items.iter().map(|i| 1 + value_len(i)).sum::<usize>(),
            Value::Object(m) => {
                3 + m
                    .iter()
                    .map(|(k, v)| k.len() + 1 + value_len(v))
                    .sum::<usize>()
            }
        }
    }
    match item {
        Value::Object(m) => m.iter().map(|(k, v)| k.len() + value_len(v)).sum(),
        other => value_len(other),
    }
}

/// An EventBridge entry's size: Source, DetailType, Detail (its JSON text) and each Resource, in UTF-8 bytes
/// (eb-putevent-size.html; aws-semantics.md §4).
pub fn eventbridge_entry_len(entry: &Value) -> usize {
    let text = |k: &str| entry.get(k).and_then(Value::as_str).map_or(0, str::len);
    let detail = entry.get("detail").map_or(0, |d| match d {
        Value::String(s) => s.len(),
        other => json_len(other),
    });
    let resources: usize = entry
        .get("resources")
        .and_then(Value::as_array)
        .map_or(0, |r| {
            r.iter().filter_map(Value::as_str).map(str::len).sum()
        });
    text("source") + text("detail-type") + detail + resources
}

/// Checks one SDK call of a handler against the limit of the service it sends to: the error the AWS SDK would
/// throw, or `Ok` when the call is within its limits (or sends nothing that has one).
pub fn check_sdk_call(call: &SdkCall) -> Result<(), SdkError> {
    match call {
        SdkCall::SqsSend {
            body, attributes, ..
        } => {
            let n = body.len() + attributes_len(attributes);
            if n > SQS_MESSAGE_MAX_BYTES {
                // The text SQS gives (with its limit): "Message must be shorter than 262144 bytes." on the classic limit.
                return Err(error(
                    "InvalidParameterValue",
                    format!(
                        "One or more parameters are invalid. Reason: Message must be shorter than {SQS_MESSAGE_MAX_BYTES} bytes."
                    ),
                ));
            }
        }
        SdkCall::SnsPublish {
            message,
            subject,
            attributes,
            ..
        } => {
            let n = message.len()
                + subject.as_ref().map_or(0, String::len)
                + attributes_len(attributes);
            if n > SNS_MESSAGE_MAX_BYTES {
                return Err(error(
                    "InvalidParameter",
                    "Invalid parameter: Message too long".to_string(),
                ));
            }
        }
        SdkCall::EventsPut { entry, .. } => {
            if eventbridge_entry_len(entry) > EVENTBRIDGE_ENTRY_MAX_BYTES {
                return Err(error(
                    "ValidationException",
                    "Total size of the entries in the request is over the limit.".to_string(),
                ));
            }
        }
        SdkCall::S3Put { body, .. } => {
            if body.len() > S3_OBJECT_MAX_BYTES {
                return Err(error(
                    "EntityTooLarge",
                    format!(
                        "Your proposed upload exceeds the maximum allowed size (this simulator's object limit: {S3_OBJECT_MAX_BYTES} bytes)"
                    ),
                ));
            }
        }
        SdkCall::S3PutMultipart { parts, .. } => {
            let n: usize = parts.iter().map(String::len).sum();
            if n > S3_OBJECT_MAX_BYTES {
                return Err(error(
                    "EntityTooLarge",
                    format!(
                        "Your proposed upload exceeds the maximum allowed size (this simulator's object limit: {S3_OBJECT_MAX_BYTES} bytes)"
                    ),
                ));
            }
        }
        SdkCall::DynamoPut { item, .. } => {
            if dynamodb_item_len(item) > DYNAMODB_ITEM_MAX_BYTES {
                return Err(error(
                    "ValidationException",
                    "Item size has exceeded the maximum allowed size".to_string(),
                ));
            }
        }
        SdkCall::DynamoUpdate { key, changes, .. } => {
            if dynamodb_item_len(key) + dynamodb_item_len(changes) > DYNAMODB_ITEM_MAX_BYTES {
                return Err(error(
                    "ValidationException",
                    "Item size to update has exceeded the maximum allowed size".to_string(),
                ));
            }
        }
        SdkCall::LambdaInvoke { payload, .. } => {
            if json_len(payload) > SYNC_INVOKE_PAYLOAD_MAX_BYTES {
                return Err(error(
                    "RequestTooLargeException",
                    format!(
                        "Request must be smaller than {SYNC_INVOKE_PAYLOAD_MAX_BYTES} bytes for the InvokeFunction operation"
                    ),
                ));
            }
        }
        SdkCall::LambdaInvokeAsync { payload, .. } => {
            let n = json_len(payload);
            if n > ASYNC_INVOKE_PAYLOAD_MAX_BYTES {
                return Err(error(
                    "RequestEntityTooLargeException",
                    format!(
                        "{n} byte payload is too large for the Event invocation type (limit {ASYNC_INVOKE_PAYLOAD_MAX_BYTES} bytes)"
                    ),
                ));
            }
        }
        SdkCall::SfnStart { input, .. } => {
            if json_len(input) > SFN_INPUT_MAX_BYTES {
                return Err(error(
                    "ValidationException",
                    format!(
                        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to {SFN_INPUT_MAX_BYTES}"
                    ),
                ));
            }
        }
        // SendTaskSuccess `output`: "Maximum length of 262144" (AWS Step Functions API Reference,
        // SendTaskSuccess, https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
        SdkCall::SfnSendTaskSuccess { output, .. } => {
            if json_len(output) > SFN_INPUT_MAX_BYTES {
                return Err(error(
                    "ValidationException",
                    format!(
                        "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to {SFN_INPUT_MAX_BYTES}"
                    ),
                ));
            }
        }
        SdkCall::SfnSendTaskFailure { .. } | SdkCall::SfnSendTaskHeartbeat { .. } => {}
        SdkCall::S3Get { .. }
        | SdkCall::S3Delete { .. }
        | SdkCall::DynamoGet { .. }
        | SdkCall::DynamoDelete { .. }
        | SdkCall::DynamoQuery { .. }
        // A copy sends no body (S3 copies server-side); a statement's size is not an RDS limit modelled here.
        | SdkCall::S3Copy { .. }
        | SdkCall::RdsQuery { .. } => {}
    }
    Ok(())
}

/// A handler's response over [`SYNC_INVOKE_RESPONSE_MAX_BYTES`]: the error object the Lambda runtime reports instead
/// (aws-limits-rds.md §4), or `None` when the response fits.
pub fn response_too_large(response: &Value) -> Option<Value> {
    (json_len(response) > SYNC_INVOKE_RESPONSE_MAX_BYTES).then(|| {
        serde_json::json!({
            "errorMessage": format!("Exceeded maximum allowed payload size ({SYNC_INVOKE_RESPONSE_MAX_BYTES} bytes)."),
            "errorType": "RequestEntityTooLarge",
        })
    })
}

/// A log line as CloudWatch Logs keeps it: cut to [`LOG_EVENT_MAX_BYTES`] at a character boundary.
pub fn log_line(mut message: String) -> String {
    if message.len() > LOG_EVENT_MAX_BYTES {
        let mut end = LOG_EVENT_MAX_BYTES;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
    }
    message
}

/// A traffic payload measured against the limit that applies to it.
struct TrafficPayloadSize {
    /// The payload's size as the target's service counts it, in bytes.
    bytes: usize,
    /// The limit it must keep, in bytes.
    max_bytes: usize,
    /// The keys from the traffic entry down to the value measured (`["request", "body"]`).
    keys: &'static [&'static str],
    /// What sets the limit, for the message.
    what: &'static str,
}

/// The size of a traffic payload as its target's service counts it, with the limit it must keep; `None` for
/// payloads without one (deletes). A request to an API meets two limits: API Gateway's 10 MB on the body, then the
/// 6 MB synchronous invoke of the function behind every route (the proxy event holds the body, so a body over 6 MB
/// is an event over it; aws-limits-rds.md §4, "the effective limit is 6 MB").
fn traffic_payload(scenario: &Scenario, source: &TrafficSource) -> Option<TrafficPayloadSize> {
    let text_len = |v: &Value| match v {
        Value::String(s) => s.len(),
        other => json_len(other),
    };
    let size = |bytes, max_bytes, keys, what| TrafficPayloadSize {
        bytes,
        max_bytes,
        keys,
        what,
    };
    Some(match &source.payload {
        Payload::Request(request) => {
            let bytes = request.get("body").map_or(0, text_len);
            if bytes > API_GATEWAY_PAYLOAD_MAX_BYTES {
                size(
                    bytes,
                    API_GATEWAY_PAYLOAD_MAX_BYTES,
                    &["request", "body"],
                    "API Gateway's request payload limit (it answers 413)",
                )
            } else {
                size(
                    bytes,
                    SYNC_INVOKE_PAYLOAD_MAX_BYTES,
                    &["request", "body"],
                    "the 6 MB synchronous invoke limit of the function behind the API",
                )
            }
        }
        Payload::Event(entry) => size(
            eventbridge_entry_len(entry),
            EVENTBRIDGE_ENTRY_MAX_BYTES,
            &["event"],
            "EventBridge's PutEvents entry limit",
        ),
        Payload::Object(object) => size(
            object.get("body").map_or(0, text_len),
            S3_OBJECT_MAX_BYTES,
            &["object", "body"],
            "this simulator's S3 object limit",
        ),
        Payload::Message(message) => {
            let n = message.get("body").map_or(0, text_len)
                + message.get("subject").map_or(0, text_len)
                + message.get("attributes").map_or(0, json_len);
            let is_topic = scenario.resource(source.to).kind.resource_type() == ResourceType::Topic;
            if is_topic {
                size(
                    n,
                    SNS_MESSAGE_MAX_BYTES,
                    &["message"],
                    "SNS's message limit",
                )
            } else {
                size(
                    n,
                    SQS_MESSAGE_MAX_BYTES,
                    &["message"],
                    "SQS's message limit",
                )
            }
        }
        Payload::Invoke {
            payload,
            sync: true,
        } => size(
            json_len(payload),
            SYNC_INVOKE_PAYLOAD_MAX_BYTES,
            &["payload"],
            "Lambda's synchronous invoke limit",
        ),
        Payload::Invoke {
            payload,
            sync: false,
        } => size(
            json_len(payload),
            ASYNC_INVOKE_PAYLOAD_MAX_BYTES,
            &["payload"],
            "Lambda's asynchronous invoke limit",
        ),
        Payload::TablePut(item) => size(
            dynamodb_item_len(item),
            DYNAMODB_ITEM_MAX_BYTES,
            &["put"],
            "DynamoDB's item limit",
        ),
        Payload::Input(input) => size(
            json_len(input),
            SFN_INPUT_MAX_BYTES,
            &["input"],
            "Step Functions' input limit",
        ),
        Payload::TableDelete(_) => return None,
    })
}

/// Every traffic payload over the limit of its target, as problems located in the file (`root`: the document the
/// scenario was loaded from; `file_label` names it): the line and column of the value measured, and its JSON path.
pub fn traffic_problems(scenario: &Scenario, root: &Node, file_label: &str) -> Vec<Problem> {
    let entries = root.get("traffic").and_then(Node::as_array).unwrap_or(&[]);
    scenario
        .traffic
        .iter()
        .enumerate()
        .filter_map(|(i, source)| {
            let size = traffic_payload(scenario, source)?;
            (size.bytes > size.max_bytes).then(|| {
                // The deepest node of the path that the file holds (the entry itself at worst).
                let mut node = entries.get(i);
                for key in size.keys {
                    match node.and_then(|n| n.get(key)) {
                        Some(child) => node = Some(child),
                        None => break,
                    }
                }
                let pos = node.map_or(root.pos, |n| n.pos);
                Problem {
                    file: file_label.to_string(),
                    line: pos.line,
                    col: pos.col,
                    path: format!("traffic[{i}].{}", size.keys.join(".")),
                    message: format!(
                        "the payload is {} bytes, over {} of {} bytes",
                        size.bytes, size.what, size.max_bytes
                    ),
                }
            })
        })
        .collect()
}

/// Loads a scenario file like [`crate::scenario::load_file`], then refuses traffic payloads over the limits of their
/// targets (located in the file, which is read again only when there is one to locate).
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let scenario = crate::scenario::load_file(path)?;
    let over = scenario
        .traffic
        .iter()
        .any(|s| traffic_payload(&scenario, s).is_some_and(|size| size.bytes > size.max_bytes));
    if !over {
        return Ok(scenario);
    }
    let label = path.display().to_string();
    let bytes =
        crate::fileio::read_input(path, crate::fileio::MAX_SCENARIO_BYTES, "a scenario file")
            .map_err(|e| LoadError::Io {
                file: label.clone(),
                message: e.reason(),
            })?;
    let root = crate::scenario::json::parse_bytes(&bytes).map_err(|e| LoadError::Io {
        file: label.clone(),
        message: format!("changed while it was read: {}", e.message),
    })?;
    Err(LoadError::Invalid {
        problems: traffic_problems(&scenario, &root, &label),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(n: usize) -> String {
        "x".repeat(n)
    }

    #[test]
    fn synchronous_invokes_over_6_mb_are_refused_both_ways() {
        // The JSON text of a string is its bytes plus two quotes.
        let at_limit = Value::String(text(SYNC_INVOKE_PAYLOAD_MAX_BYTES - 2));
        let call = |payload: Value| SdkCall::LambdaInvoke {
            function: "F".into(),
            payload,
        };
        assert_eq!(check_sdk_call(&call(at_limit)), Ok(()));
        let over = check_sdk_call(&call(Value::String(text(
            SYNC_INVOKE_PAYLOAD_MAX_BYTES - 1,
        ))));
        assert_eq!(
            over.map_err(|e| (e.error_type, e.message)),
            Err((
                "RequestTooLargeException".to_string(),
                "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
                    .to_string()
            ))
        );
        assert_eq!(
            response_too_large(&Value::String(text(SYNC_INVOKE_RESPONSE_MAX_BYTES - 2))),
            None
        );
        assert_eq!(
            response_too_large(&Value::String(text(SYNC_INVOKE_RESPONSE_MAX_BYTES - 1))),
            Some(json!({
                "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
                "errorType": "RequestEntityTooLarge"
            }))
        );
    }

    #[test]
    fn sizes_are_counted_as_each_service_counts_them() {
        let entry = json!({"source": "abc", "detail-type": "de", "detail": {"k": 1}, "resources": ["r1", "r22"]});
        assert_eq!(eventbridge_entry_len(&entry), 3 + 2 + 7 + 2 + 3);
        // Names plus values: "id" + "7" (1 digit: 1 + 1 byte) and "tags" + list (3 + 2 × (1 + 1)).
        assert_eq!(
            dynamodb_item_len(&json!({"id": 7, "tags": ["a", "b"]})),
            2 + 2 + 4 + 7
        );
        let attributes = json!({"n": {"DataType": "String", "StringValue": "v"}});
        let sqs = |body: String| SdkCall::SqsSend {
            queue: "Q".into(),
            body,
            attributes: attributes.clone(),
            group_id: None,
            deduplication_id: None,
            delay_s: None,
        };
        // 1 + 6 + 1 bytes of attributes count toward the message.
        assert!(check_sdk_call(&sqs(text(SQS_MESSAGE_MAX_BYTES - 8))).is_ok());
        assert_eq!(
            check_sdk_call(&sqs(text(SQS_MESSAGE_MAX_BYTES - 7))).map_err(|e| e.error_type),
            Err("InvalidParameterValue".to_string())
        );
    }

    #[test]
    fn log_lines_are_cut_to_the_cloudwatch_event_size_on_a_character_boundary() {
        assert_eq!(log_line("short".into()), "short");
        let cut = log_line("é".repeat(LOG_EVENT_MAX_BYTES));
        assert!(cut.len() <= LOG_EVENT_MAX_BYTES && cut.len() >= LOG_EVENT_MAX_BYTES - 1);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
