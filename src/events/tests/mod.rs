//! Tests of the event builders: shapes checked against `aws_lambda_events` types and the key
//! sets of AWS's examples, plus behaviour tables for routing, responses, target input, key
//! encoding and event-type matching.

mod apigw;
mod apigw_on_demand;
mod dynamodb;
mod eventbridge;
mod lambda;
mod s3;
mod sns;
mod sqs;
mod time;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::AwsEnv;

/// 2026-01-01T00:00:00.123Z plus `secs` seconds.
pub(super) fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_123 + secs * 1000)
        .single()
        .expect("valid time")
}

pub(super) fn env() -> AwsEnv {
    AwsEnv::default()
}

/// Looks up a dotted path (`a.b.0.c`; numeric parts index arrays). Key names may contain `-`.
pub(super) fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for part in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Asserts that every path (keys AWS always sends, taken from AWS's examples and fixtures)
/// exists in `v` (its value may be `null`).
pub(super) fn assert_has_paths(v: &Value, paths: &[&str]) {
    let missing: Vec<&&str> = paths.iter().filter(|p| at(v, p).is_none()).collect();
    assert!(missing.is_empty(), "missing keys {missing:?} in {v:#}");
}

/// Keys of an object, in order.
pub(super) fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Deterministic pseudo-random strings over an alphabet full of the characters the parsers
/// treat specially; every public entry point must survive them without panicking.
#[test]
fn no_panics_on_odd_input() {
    use super::apigw::{
        ApiProtocol, HttpRequest, RouteTable, interpret_response, v1_request, v2_request,
    };
    use super::eventbridge::{
        TargetInput, envelope, target_input, validate_json_path, validate_transformer,
    };
    use super::s3::{event_matches, url_encode_key, validate_event_type};
    use serde_json::json;

    const ALPHABET: &[&str] = &[
        "/",
        "{",
        "}",
        "+",
        "%",
        "%2",
        "%2F",
        "%C3",
        "é",
        "日",
        "<",
        ">",
        "\"",
        "\\",
        ":",
        "$",
        ".",
        "[",
        "]",
        "*",
        "0",
        "a",
        "b",
        "?",
        "&",
        "=",
        " ",
        "#",
        ",",
        ";",
        "aws.events.event",
        "\u{0}",
        "x-y",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let table = RouteTable::new(vec![
        ("GET /a/{id}".to_string(), 1),
        ("ANY /{proxy+}".to_string(), 2),
        ("$default".to_string(), 3),
    ])
    .unwrap();
    let event = json!({"version": "0", "detail": {"a": [1, {"b": "c"}]}});
    for _ in 0..3000 {
        let len = (next() % 12) as usize;
        let s: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        let _ = table.route("GET", &s);
        let _ = table.route(&s, &format!("/{s}"));
        let _ = RouteTable::new(vec![(format!("GET /{s}"), 0)]);
        let _ = RouteTable::new(vec![(s.clone(), 0)]);
        let _ = HttpRequest::from_json(
            &json!({"path": format!("/{s}"), "query": {s.clone(): s.clone()}}),
        );
        if let Ok(r) = HttpRequest::from_json(
            &json!({"method": "POST", "path": format!("/{s}"), "body": s.clone()}),
        ) && let Some(m) = table.route(&r.method, &r.path)
        {
            let _ = v1_request(&env(), "api", &m, &r, &s, t(0));
            let _ = v2_request(&env(), "api", &m, &r, &s, t(0));
        }
        let _ = validate_json_path(&s);
        let _ = validate_json_path(&format!("$.{s}"));
        let paths = vec![("a".to_string(), format!("$.{s}"))];
        let _ = validate_transformer(&paths, &s);
        let _ = target_input(
            &event,
            &TargetInput {
                input_paths: Some(&paths),
                input_template: Some(&s),
                ..Default::default()
            },
            "arn",
            "rule",
            t(0),
        );
        let _ = target_input(
            &event,
            &TargetInput {
                input_path: Some(&s),
                ..Default::default()
            },
            "arn",
            "rule",
            t(0),
        );
        let _ = envelope(
            &env(),
            "id",
            &json!({"source": s.clone(), "detail-type": "d", "detail": s.clone(), "time": s.clone()}),
            t(0),
        );
        let _ = url_encode_key(&s);
        let _ = super::percent_decode(&s, true);
        let _ = event_matches(&s, &s);
        let _ = validate_event_type(&s);
        let _ = interpret_response(
            ApiProtocol::Http,
            &json!({"statusCode": 200, "body": s.clone(), "isBase64Encoded": true}),
        );
        let _ = interpret_response(ApiProtocol::Rest, &json!(s.clone()));
        let _ = super::apigw::base64_decode(&s);
    }
}
