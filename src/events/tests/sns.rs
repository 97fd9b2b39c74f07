//! SNS: Lambda events, the SQS envelope, raw delivery attributes, the filter-policy view.

use aws_lambda_events::sns::SnsEvent;
use serde_json::{Value, json};

use super::super::sns::{
    SnsNotice, filter_view, lambda_event, raw_delivery_attributes, signature, signing_cert_url,
    sqs_envelope, subscription_arn, unsubscribe_url, validate_sns_attributes,
};
use super::super::sqs::normalize_attributes;
use super::super::{AwsEnv, iso_millis};
use super::{assert_has_paths, env, keys, t};

const SUB: &str = "21be56ed-a058-49f5-8c98-aedd2564c486";
const MSG_ID: &str = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";

fn notice<'a>(subject: Option<&'a str>, attrs: &'a Value) -> SnsNotice<'a> {
    SnsNotice {
        topic: "sns-lambda",
        message_id: MSG_ID,
        message: "Hello from SNS!",
        subject,
        attributes: attrs,
        time: t(0),
        subscription_id: SUB,
        fifo: None,
    }
}

/// Keys of every record (the Lambda guide's SNS example and the runtime fixtures).
const LAMBDA_REQUIRED: &[&str] = &[
    "Records.0.EventVersion",
    "Records.0.EventSubscriptionArn",
    "Records.0.EventSource",
    "Records.0.Sns.Type",
    "Records.0.Sns.MessageId",
    "Records.0.Sns.TopicArn",
    "Records.0.Sns.Subject",
    "Records.0.Sns.Message",
    "Records.0.Sns.Timestamp",
    "Records.0.Sns.SignatureVersion",
    "Records.0.Sns.Signature",
    "Records.0.Sns.SigningCertUrl",
    "Records.0.Sns.UnsubscribeUrl",
    "Records.0.Sns.MessageAttributes",
];

#[test]
fn lambda_event_shape_and_values() {
    let attrs = normalize_attributes(&json!({
        "Test": "TestString",
        "TestBinary": {"DataType": "Binary", "BinaryValue": "VGVzdEJpbmFyeQ=="},
        "n": 5,
        "tags": ["a", "b"],
    }))
    .unwrap();
    let ev = lambda_event(&env(), &notice(Some("TestInvoke"), &attrs));
    assert_has_paths(&ev, LAMBDA_REQUIRED);
    let rec = &ev["Records"][0];
    assert_eq!(
        keys(rec),
        ["EventVersion", "EventSubscriptionArn", "EventSource", "Sns"]
    );
    assert_eq!(
        keys(&rec["Sns"]),
        [
            "Type",
            "MessageId",
            "TopicArn",
            "Subject",
            "Message",
            "Timestamp",
            "SignatureVersion",
            "Signature",
            "SigningCertUrl",
            "UnsubscribeUrl",
            "MessageAttributes"
        ]
    );
    assert_eq!(
        rec["EventSubscriptionArn"],
        format!("arn:aws:sns:us-east-1:123456789012:sns-lambda:{SUB}")
    );
    assert_eq!(rec["Sns"]["Timestamp"], "2026-01-01T00:00:00.123Z");
    assert_eq!(
        rec["Sns"]["MessageAttributes"]["TestBinary"],
        json!({"Type": "Binary", "Value": "VGVzdEJpbmFyeQ=="})
    );

    let parsed: SnsEvent = serde_json::from_value(ev.clone()).expect("SnsEvent");
    let r = &parsed.records[0];
    assert_eq!(r.event_source, "aws:sns");
    assert_eq!(r.event_version, "1.0");
    let m = &r.sns;
    assert_eq!(m.sns_message_type, "Notification");
    assert_eq!(m.message_id, MSG_ID);
    assert_eq!(m.topic_arn, "arn:aws:sns:us-east-1:123456789012:sns-lambda");
    assert_eq!(m.subject.as_deref(), Some("TestInvoke"));
    assert_eq!(m.message, "Hello from SNS!");
    assert_eq!(m.timestamp, t(0));
    assert_eq!(m.signature_version, "1");
    assert_eq!(m.signature, signature(MSG_ID));
    assert_eq!(m.signing_cert_url, signing_cert_url(&env()));
    assert_eq!(
        m.unsubscribe_url,
        unsubscribe_url(&env(), "sns-lambda", SUB)
    );
    assert_eq!(m.message_attributes["Test"].data_type, "String");
    assert_eq!(m.message_attributes["Test"].value, "TestString");
    assert_eq!(m.message_attributes["n"].data_type, "Number");
    assert_eq!(m.message_attributes["n"].value, "5");
    assert_eq!(m.message_attributes["tags"].data_type, "String.Array");
    assert_eq!(m.message_attributes["tags"].value, "[\"a\",\"b\"]");
    assert_eq!(m.message_attributes["TestBinary"].value, "VGVzdEJpbmFyeQ==");
}

#[test]
fn lambda_event_without_subject_or_attributes() {
    let ev = lambda_event(&env(), &notice(None, &Value::Null));
    let sns = &ev["Records"][0]["Sns"];
    assert_eq!(sns["Subject"], Value::Null);
    assert_eq!(sns["MessageAttributes"], json!({}));
    let parsed: SnsEvent = serde_json::from_value(ev).unwrap();
    assert_eq!(parsed.records[0].sns.subject, None);
    assert!(parsed.records[0].sns.message_attributes.is_empty());
}

#[test]
fn urls_signature_and_arns() {
    let e = env();
    let url = signing_cert_url(&e);
    assert!(url.starts_with("https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"));
    assert!(url.ends_with(".pem"));
    assert_eq!(
        url.len(),
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-".len() + 36
    );
    assert_eq!(
        unsubscribe_url(&e, "t", SUB),
        format!(
            "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:t:{SUB}"
        )
    );
    assert_eq!(
        subscription_arn(&e, "t", SUB),
        format!("arn:aws:sns:us-east-1:123456789012:t:{SUB}")
    );
    let cn = AwsEnv::new("cn-north-1", "123456789012");
    assert!(signing_cert_url(&cn).starts_with("https://sns.cn-north-1.amazonaws.com.cn/"));
    assert!(subscription_arn(&cn, "t", SUB).starts_with("arn:aws-cn:sns:cn-north-1:"));

    let sig = signature(MSG_ID);
    assert_eq!(sig.len(), 344);
    assert!(sig.ends_with('='));
    assert_eq!(sig, signature(MSG_ID));
    assert_ne!(sig, signature("other"));
    assert_eq!(
        super::super::apigw::base64_decode(&sig).map(|b| b.len()),
        Some(256)
    );
}

#[test]
fn sqs_envelope_standard_topic() {
    let attrs =
        normalize_attributes(&json!({"SDLCEnv": "PROD", "CirrusVersion": "v1.1.0"})).unwrap();
    let text = sqs_envelope(&env(), &notice(Some("Testing publish"), &attrs));
    let v: Value = serde_json::from_str(&text).expect("envelope is JSON");
    assert_eq!(
        keys(&v),
        [
            "Type",
            "MessageId",
            "TopicArn",
            "Subject",
            "Message",
            "Timestamp",
            "SignatureVersion",
            "Signature",
            "SigningCertURL",
            "UnsubscribeURL",
            "MessageAttributes"
        ]
    );
    assert_eq!(v["Type"], "Notification");
    assert_eq!(v["MessageId"], MSG_ID);
    assert_eq!(
        v["TopicArn"],
        "arn:aws:sns:us-east-1:123456789012:sns-lambda"
    );
    assert_eq!(v["Message"], "Hello from SNS!");
    assert_eq!(v["Timestamp"], iso_millis(t(0)));
    assert_eq!(v["SigningCertURL"], signing_cert_url(&env()));
    assert_eq!(
        v["UnsubscribeURL"],
        unsubscribe_url(&env(), "sns-lambda", SUB)
    );
    assert!(v.get("SigningCertUrl").is_none() && v.get("UnsubscribeUrl").is_none());
    assert_eq!(
        v["MessageAttributes"],
        json!({"SDLCEnv": {"Type": "String", "Value": "PROD"}, "CirrusVersion": {"Type": "String", "Value": "v1.1.0"}})
    );
    // SNS's own layout: two-space indent, " : ", attributes one per line in compact form.
    assert!(text.starts_with("{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : "));
    assert!(text.contains(
        "  \"MessageAttributes\" : {\n    \"SDLCEnv\" : {\"Type\":\"String\",\"Value\":\"PROD\"},\n    \"CirrusVersion\" : {\"Type\":\"String\",\"Value\":\"v1.1.0\"}\n  }\n}"
    ));
    assert!(text.ends_with("\n}"));

    // The runtime crate reads the envelope too (it accepts the URL casing).
    let rec = json!({"Records": [{"EventVersion": "1.0", "EventSubscriptionArn": "x", "EventSource": "aws:sns", "Sns": v}]});
    let parsed: SnsEvent = serde_json::from_value(rec).unwrap();
    assert_eq!(
        parsed.records[0].sns.signing_cert_url,
        signing_cert_url(&env())
    );
}

#[test]
fn sqs_envelope_omits_subject_and_attributes_when_absent() {
    let text = sqs_envelope(&env(), &notice(None, &json!({})));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        keys(&v),
        [
            "Type",
            "MessageId",
            "TopicArn",
            "Message",
            "Timestamp",
            "SignatureVersion",
            "Signature",
            "SigningCertURL",
            "UnsubscribeURL"
        ]
    );
    // Messages with quotes, newlines and non-ASCII survive the round trip.
    let mut n = notice(None, &Value::Null);
    n.message = "{\"a\": \"b\\n\"}\r\n日本 </x>";
    let v: Value = serde_json::from_str(&sqs_envelope(&env(), &n)).unwrap();
    assert_eq!(v["Message"], n.message);
}

#[test]
fn sqs_envelope_fifo_topic() {
    let attrs = json!({});
    let n = SnsNotice {
        topic: "orders.fifo",
        fifo: Some(("g1", "d1", "10000000000000003000")),
        ..notice(Some("s"), &attrs)
    };
    let v: Value = serde_json::from_str(&sqs_envelope(&env(), &n)).unwrap();
    assert_eq!(
        keys(&v),
        [
            "Type",
            "MessageId",
            "SequenceNumber",
            "TopicArn",
            "Subject",
            "Message",
            "Timestamp",
            "UnsubscribeURL"
        ]
    );
    assert_eq!(v["SequenceNumber"], "10000000000000003000");
    assert_eq!(
        v["TopicArn"],
        "arn:aws:sns:us-east-1:123456789012:orders.fifo"
    );
}

#[test]
fn raw_delivery_keeps_attributes() {
    let attrs = normalize_attributes(&json!({
        "s": "x",
        "n": 1.5,
        "b": {"DataType": "Binary", "BinaryValue": "AQID"},
        "arr": ["a"],
    }))
    .unwrap();
    let raw = raw_delivery_attributes(&attrs);
    assert_eq!(raw, attrs);
    assert_eq!(raw_delivery_attributes(&Value::Null), json!({}));
    // Malformed entries are dropped.
    assert_eq!(
        raw_delivery_attributes(&json!({"x": {"StringValue": "v"}, "y": 3})),
        json!({})
    );
}

#[test]
fn filter_view_table() {
    let cases: Vec<(Value, Value)> = vec![
        (
            json!({"store": "example_corp"}),
            json!({"store": "example_corp"}),
        ),
        (json!({"price": 210.75}), json!({"price": 210.75})),
        (json!({"qty": 3}), json!({"qty": 3})),
        (
            json!({"qty": {"DataType": "Number", "StringValue": "-12"}}),
            json!({"qty": -12}),
        ),
        (
            json!({"big": {"DataType": "Number", "StringValue": "1e3"}}),
            json!({"big": 1000.0}),
        ),
        (
            json!({"customer_interests": ["rugby", "football", "baseball"]}),
            json!({"customer_interests": ["rugby", "football", "baseball"]}),
        ),
        (
            json!({"mixed": {"DataType": "String.Array", "StringValue": "[\"a\", 1, true, null]"}}),
            json!({"mixed": ["a", 1, true, null]}),
        ),
        (
            json!({"notarray": {"DataType": "String.Array", "StringValue": "\"x\""}}),
            json!({"notarray": "\"x\""}),
        ),
        (
            json!({"img": {"DataType": "Binary", "BinaryValue": "AQID"}, "k": "v"}),
            json!({"k": "v"}),
        ),
        (json!({}), json!({})),
    ];
    for (input, want) in cases {
        let normalised = normalize_attributes(&input).unwrap();
        assert_eq!(filter_view(&normalised), want, "{input}");
    }
    assert_eq!(filter_view(&Value::Null), json!({}));
    assert_eq!(filter_view(&json!("x")), json!({}));
}

#[test]
fn sns_attribute_types() {
    for ok in [
        json!({"a": "x", "b": 1, "c": ["x", 2], "d": {"DataType": "Binary", "BinaryValue": "AQID"}}),
        json!({}),
    ] {
        let n = normalize_attributes(&ok).unwrap();
        assert_eq!(validate_sns_attributes(&n), Ok(()), "{ok}");
    }
    assert_eq!(validate_sns_attributes(&Value::Null), Ok(()));
    for bad in [
        json!({"a": {"DataType": "String.custom", "StringValue": "x"}}),
        json!({"a": {"DataType": "Number.float", "StringValue": "1"}}),
        json!({"a": {"DataType": "String.Array", "StringValue": "x"}}),
        json!({"a": {"DataType": "String.Array", "StringValue": "[{\"o\": 1}]"}}),
    ] {
        let n = normalize_attributes(&bad).unwrap();
        assert!(validate_sns_attributes(&n).is_err(), "{bad}");
    }
    assert!(validate_sns_attributes(&json!(3)).is_err());
}

#[test]
fn no_panics_on_odd_input() {
    const PIECES: &[&str] = &[
        "a",
        "\"",
        "\\",
        "\n",
        "\u{0}",
        "é",
        "日",
        "[",
        "]",
        "{",
        "}",
        ",",
        "1",
        "e",
        "-",
        ".",
        "String.Array",
        "Binary",
        "Number",
        " : ",
    ];
    let mut seed: u64 = 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let odd_env = AwsEnv::new("", "");
    for _ in 0..1000 {
        let len = (next() % 10) as usize;
        let s: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let attrs = [
            json!({"a": {"DataType": s.clone(), "StringValue": s.clone()}}),
            json!({"a": {"DataType": s.clone(), "BinaryValue": s.clone()}}),
            json!({s.clone(): {"DataType": "String.Array", "StringValue": s.clone()}}),
            json!({"a": {"DataType": "Number", "StringValue": s.clone()}}),
            json!({"a": s.clone(), "b": [s.clone()], "c": null}),
            json!([s.clone()]),
        ];
        for a in &attrs {
            let n = SnsNotice {
                topic: &s,
                message_id: &s,
                message: &s,
                subject: Some(&s),
                attributes: a,
                time: t(0),
                subscription_id: &s,
                fifo: Some((&s, &s, &s)),
            };
            let _ = lambda_event(&odd_env, &n);
            let text = sqs_envelope(&env(), &n);
            assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
            let _ = raw_delivery_attributes(a);
            let _ = filter_view(a);
            let _ = validate_sns_attributes(a);
        }
    }
}
