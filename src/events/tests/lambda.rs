//! Lambda: destination records, error payloads, and the ARN helpers of `AwsEnv`.

use serde_json::{Value, json};

use super::super::AwsEnv;
use super::super::lambda::{CONDITIONS, destination_record, error_object, timeout_error};
use super::{env, keys, t};

#[test]
fn destination_record_matches_the_aws_example() {
    let arn = env().lambda_arn_latest("my-function");
    assert_eq!(
        arn,
        "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST"
    );
    let payload = json!({"ORDER_IDS": ["9e07af03", "637de236"]});
    let response =
        json!({"errorMessage": "RequestId: e4b46cbf Process exited before completing request"});
    let rec = destination_record(
        &arn,
        "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        "RetriesExhausted",
        3,
        &payload,
        Some("Unhandled"),
        &response,
        t(0),
    );
    assert_eq!(
        keys(&rec),
        [
            "version",
            "timestamp",
            "requestContext",
            "requestPayload",
            "responseContext",
            "responsePayload"
        ]
    );
    assert_eq!(
        rec.to_string(),
        concat!(
            r#"{"version":"1.0","timestamp":"2026-01-01T00:00:00.123Z","#,
            r#""requestContext":{"requestId":"e4b46cbf-b738-xmpl-8880-a18cdf61200e","#,
            r#""functionArn":"arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST","#,
            r#""condition":"RetriesExhausted","approximateInvokeCount":3},"#,
            r#""requestPayload":{"ORDER_IDS":["9e07af03","637de236"]},"#,
            r#""responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},"#,
            r#""responsePayload":{"errorMessage":"RequestId: e4b46cbf Process exited before completing request"}}"#
        )
    );
}

#[test]
fn destination_record_success_and_conditions() {
    for condition in CONDITIONS {
        let rec = destination_record(
            "arn",
            "rid",
            condition,
            1,
            &json!({}),
            None,
            &json!(null),
            t(0),
        );
        assert_eq!(rec["requestContext"]["condition"], condition);
        assert_eq!(
            keys(&rec["responseContext"]),
            ["statusCode", "executedVersion"]
        );
        assert_eq!(rec["responseContext"]["statusCode"], 200);
        assert_eq!(rec["responsePayload"], Value::Null);
    }
    let rec = destination_record(
        "arn",
        "rid",
        "Success",
        1,
        &json!("in"),
        None,
        &json!({"ok": true}),
        t(0),
    );
    assert_eq!(rec["requestPayload"], "in");
    assert_eq!(rec["responsePayload"], json!({"ok": true}));
}

#[test]
fn error_payloads() {
    assert_eq!(
        error_object("InjectedFailure", "boom").to_string(),
        r#"{"errorType":"InjectedFailure","errorMessage":"boom"}"#
    );
    assert_eq!(
        timeout_error("5f2b-1", 3).to_string(),
        r#"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: 5f2b-1 Error: Task timed out after 3.00 seconds"}"#
    );
    assert_eq!(
        timeout_error("r", 900)["errorMessage"],
        "RequestId: r Error: Task timed out after 900.00 seconds"
    );
}

#[test]
fn arn_helpers() {
    let e = env();
    let cases = [
        (
            e.lambda_arn("f"),
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        ),
        (
            e.events_rule_arn("r"),
            "arn:aws:events:us-east-1:123456789012:rule/r",
        ),
        (
            e.events_rule_arn_on_bus("default", "r"),
            "arn:aws:events:us-east-1:123456789012:rule/r",
        ),
        (
            e.events_rule_arn_on_bus("orders", "r"),
            "arn:aws:events:us-east-1:123456789012:rule/orders/r",
        ),
        (
            e.event_bus_arn("default"),
            "arn:aws:events:us-east-1:123456789012:event-bus/default",
        ),
        (
            e.scheduler_arn("s"),
            "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s",
        ),
        (e.s3_bucket_arn("b"), "arn:aws:s3:::b"),
        (e.sqs_arn("q"), "arn:aws:sqs:us-east-1:123456789012:q"),
        (
            e.sqs_url("q"),
            "https://sqs.us-east-1.amazonaws.com/123456789012/q",
        ),
        (e.sns_arn("t"), "arn:aws:sns:us-east-1:123456789012:t"),
        (
            e.states_arn("m"),
            "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        ),
        (
            e.states_execution_arn("m", "x"),
            "arn:aws:states:us-east-1:123456789012:execution:m:x",
        ),
        (
            e.dynamodb_table_arn("t"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        ),
        (
            e.dynamodb_stream_arn("t", "2026-01-01T00:00:00.000"),
            "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000",
        ),
        (
            e.execute_api_arn("abc", "$default", "GET", "/items"),
            "arn:aws:execute-api:us-east-1:123456789012:abc/$default/GET/items",
        ),
        (
            e.api_domain("abc"),
            "abc.execute-api.us-east-1.amazonaws.com",
        ),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
    let cn = AwsEnv::new("cn-north-1", "111122223333");
    assert_eq!(cn.sqs_arn("q"), "arn:aws-cn:sqs:cn-north-1:111122223333:q");
    assert_eq!(cn.s3_bucket_arn("b"), "arn:aws-cn:s3:::b");
    assert_eq!(AwsEnv::new("us-gov-west-1", "1").partition(), "aws-us-gov");
    // Stand-in principals are stable per account and differ between accounts.
    assert_eq!(e.principal_id(), env().principal_id());
    assert_ne!(e.principal_id(), cn.principal_id());
    assert!(
        e.principal_id()[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
}
