//! AWS Lambda payloads: the invocation record sent to asynchronous-invocation destinations, and
//! the error objects Lambda reports for failed invocations.
//!
//! The destination record follows the Lambda developer guide's example key for key:
//! `version` `"1.0"`, `timestamp` (ISO-8601 with milliseconds), `requestContext {requestId,
//! functionArn, condition, approximateInvokeCount}`, `requestPayload`, `responseContext
//! {statusCode, executedVersion, functionError?}`, `responsePayload`. `statusCode` is 200 even
//! when the function failed, as AWS documents. The record always carries `responseContext` and
//! `responsePayload`, also for `EventAgeExceeded` (pass `null` as the payload when the function
//! never ran).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::time::iso_millis;

/// Destination `condition` values.
pub const CONDITIONS: [&str; 3] = ["Success", "RetriesExhausted", "EventAgeExceeded"];

/// The invocation record a destination receives (see the module documentation).
/// `function_error` is `Some("Handled")` / `Some("Unhandled")` for failures and omitted from the
/// record when `None`.
#[allow(clippy::too_many_arguments)]
pub fn destination_record(
    function_arn_qualified: &str,
    request_id: &str,
    condition: &str,
    approximate_invoke_count: u32,
    request_payload: &Value,
    function_error: Option<&str>,
    response_payload: &Value,
    time: DateTime<Utc>,
) -> Value {
    let mut request_context = Map::new();
    request_context.insert("requestId".into(), Value::from(request_id));
    request_context.insert("functionArn".into(), Value::from(function_arn_qualified));
    request_context.insert("condition".into(), Value::from(condition));
    request_context.insert(
        "approximateInvokeCount".into(),
        Value::from(approximate_invoke_count),
    );

    let mut response_context = Map::new();
    response_context.insert("statusCode".into(), Value::from(200));
    response_context.insert("executedVersion".into(), Value::from("$LATEST"));
    if let Some(fe) = function_error {
        response_context.insert("functionError".into(), Value::from(fe));
    }

    let mut rec = Map::new();
    rec.insert("version".into(), Value::from("1.0"));
    rec.insert("timestamp".into(), Value::from(iso_millis(time)));
    rec.insert("requestContext".into(), Value::Object(request_context));
    rec.insert("requestPayload".into(), request_payload.clone());
    rec.insert("responseContext".into(), Value::Object(response_context));
    rec.insert("responsePayload".into(), response_payload.clone());
    Value::Object(rec)
}

/// `{"errorType": …, "errorMessage": …}`.
pub fn error_object(error_type: &str, message: &str) -> Value {
    let mut m = Map::new();
    m.insert("errorType".into(), Value::from(error_type));
    m.insert("errorMessage".into(), Value::from(message));
    Value::Object(m)
}

/// The error of an invocation that ran past its timeout, as Lambda currently reports it:
/// `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after
/// 3.00 seconds"}` (the seconds always with two decimals). Keys are in the order of
/// [`error_object`].
pub fn timeout_error(request_id: &str, timeout_s: u32) -> Value {
    error_object(
        "Sandbox.Timedout",
        &format!("RequestId: {request_id} Error: Task timed out after {timeout_s}.00 seconds"),
    )
}
