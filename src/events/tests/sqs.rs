//! SQS: MD5 digests, message-attribute normalisation and MD5, receipt handles, Lambda records.

use aws_lambda_events::sqs::SqsEvent;
use serde_json::{Value, json};

use super::super::apigw::base64_decode;
use super::super::sqs::{
    FifoInfo, SqsRecord, base64_encode, event, fifo_sequence_number, md5_hex,
    md5_of_message_attributes, normalize_attributes, receipt_handle, record, sender_id,
    validate_number_text,
};
use super::{assert_has_paths, env, keys};

#[test]
fn md5_of_body() {
    // The Lambda guide's SQS examples: body "Test message." / "test".
    assert_eq!(
        md5_hex(b"Test message."),
        "e4e68fb7bd0e697a0ae8f1bb342846b3"
    );
    assert_eq!(md5_hex(b"test"), "098f6bcd4621d373cade4e832627b4f6");
    assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
}

#[test]
fn base64_encoding() {
    for (raw, enc) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("Hello binary world!", "SGVsbG8gYmluYXJ5IHdvcmxkIQ=="),
    ] {
        assert_eq!(base64_encode(raw.as_bytes()), enc);
        assert_eq!(base64_decode(enc).unwrap(), raw.as_bytes());
    }
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(base64_decode(&base64_encode(&all)).unwrap(), all);
}

fn s(v: &str) -> Value {
    json!({"DataType": "String", "StringValue": v})
}

/// MD5OfMessageAttributes vectors. The SellerName/City/Region/PostalCode/PricePerGallon values
/// are the SQS guide's message-attribute example; the digests are the ones independent
/// implementations (SDK checksum validators, LocalStack, sqslite, npm aws-md5-of-message-attributes)
/// assert, which match what SQS returns.
#[test]
fn md5_of_message_attributes_known_values() {
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"SellerName": s("Example Store")}),
            "cd28f3b68aeee4b2eac9c66f2f694b58",
        ),
        (
            json!({
                "City": s("Any City"),
                "PostalCode": s("99065"),
                "Region": s("WA"),
                "SellerName": s("Example Store"),
            }),
            "66d793da93becb551e41562575418975",
        ),
        (
            json!({
                "City": s("Any City"),
                "PostalCode": s("99065"),
                "PricePerGallon": {"DataType": "Number", "StringValue": "1.99"},
                "Region": s("WA"),
                "SellerName": s("Example Store"),
            }),
            "10809b55e3d9b22c17220b7dbaf283ef",
        ),
        (
            json!({"attribName1": s("attribValue 1")}),
            "19e27d4e946b072f3f58da80d94fd778",
        ),
        (
            json!({"customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"}}),
            "9fe1b90bbd9965bdf77bac517c7d2495",
        ),
        (
            json!({"binaryAttribute": {"DataType": "Binary", "BinaryValue": "SGVsbG8gYmluYXJ5IHdvcmxkIQ=="}}),
            "31a92b15d92f8db860eda32aceb656c3",
        ),
        (
            json!({
                "attribName1": s("attribValue 1"),
                "customNumberTypeAttrib": {"DataType": "Number.float", "StringValue": "4563442423554324324264524243.32543234"},
                "binaryAttribute": {"DataType": "Binary", "BinaryValue": "SGVsbG8gYmluYXJ5IHdvcmxkIQ=="},
            }),
            "c932db14a896c663f83c260297d594ff",
        ),
        (
            json!({"timestamp": {"DataType": "Number", "StringValue": "1493147359900"}}),
            "235c5c510d26fb653d073faed50ae77c",
        ),
        (
            json!({
                "ordinal": {"DataType": "Number", "StringValue": "1"},
                "category": s("test"),
            }),
            "d21ae90c49061e927f57df5f5d72be1f",
        ),
    ];
    for (attrs, md5) in cases {
        assert_eq!(
            md5_of_message_attributes(&attrs).as_deref(),
            Some(md5),
            "{attrs}"
        );
        // Normalising the normalised form changes nothing.
        assert_eq!(normalize_attributes(&attrs).unwrap(), attrs);
    }
    // Names are sorted before hashing: the given order does not matter.
    let a = json!({"b": s("2"), "a": s("1")});
    let b = json!({"a": s("1"), "b": s("2")});
    assert_eq!(md5_of_message_attributes(&a), md5_of_message_attributes(&b));
    assert_eq!(md5_of_message_attributes(&json!({})), None);
    assert_eq!(md5_of_message_attributes(&Value::Null), None);
}

#[test]
fn attribute_normalisation_table() {
    let ok: Vec<(Value, Value)> = vec![
        (Value::Null, json!({})),
        (json!({}), json!({})),
        (json!({"a": "x"}), json!({"a": s("x")})),
        (
            json!({"n": 42}),
            json!({"n": {"DataType": "Number", "StringValue": "42"}}),
        ),
        (
            json!({"n": -1.5}),
            json!({"n": {"DataType": "Number", "StringValue": "-1.5"}}),
        ),
        (
            json!({"tags": ["a", "b"]}),
            json!({"tags": {"DataType": "String.Array", "StringValue": "[\"a\",\"b\"]"}}),
        ),
        (
            json!({"c": {"DataType": "String.custom", "StringValue": "v"}}),
            json!({"c": {"DataType": "String.custom", "StringValue": "v"}}),
        ),
        (
            json!({"b": {"DataType": "Binary", "BinaryValue": "AQID"}}),
            json!({"b": {"DataType": "Binary", "BinaryValue": "AQID"}}),
        ),
        (
            json!({"b": {"DataType": "Binary.gif", "BinaryValue": "AQID"}}),
            json!({"b": {"DataType": "Binary.gif", "BinaryValue": "AQID"}}),
        ),
        (
            json!({"x": {"StringValue": 7, "DataType": "Number"}}),
            json!({"x": {"DataType": "Number", "StringValue": "7"}}),
        ),
        (json!({"a.b-c_D9": "v"}), json!({"a.b-c_D9": s("v")})),
        (
            json!({"AWSx": "v", "amazonia": "v"}),
            json!({"AWSx": s("v"), "amazonia": s("v")}),
        ),
    ];
    for (input, want) in ok {
        assert_eq!(normalize_attributes(&input), Ok(want), "{input}");
    }
    // Given order is kept.
    let out = normalize_attributes(&json!({"z": "1", "a": "2", "m": "3"})).unwrap();
    assert_eq!(keys(&out), ["z", "a", "m"]);

    let eleven: serde_json::Map<String, Value> =
        (0..11).map(|i| (format!("a{i}"), json!("v"))).collect();
    let ten: serde_json::Map<String, Value> =
        (0..10).map(|i| (format!("a{i}"), json!("v"))).collect();
    assert!(normalize_attributes(&Value::Object(ten)).is_ok());
    let long_name = "a".repeat(257);
    let max_name = "a".repeat(256);
    assert!(normalize_attributes(&json!({max_name: "v"})).is_ok());
    let bad: Vec<Value> = vec![
        json!("text"),
        json!([1]),
        Value::Object(eleven),
        json!({long_name: "v"}),
        json!({"": "v"}),
        json!({"a b": "v"}),
        json!({"é": "v"}),
        json!({"AWS.trace": "v"}),
        json!({"aws.trace": "v"}),
        json!({"Amazon.x": "v"}),
        json!({"AMAZON.x": "v"}),
        json!({".a": "v"}),
        json!({"a.": "v"}),
        json!({"a..b": "v"}),
        json!({"a": ""}),
        json!({"a": true}),
        json!({"a": null}),
        json!({"a": [{"x": 1}]}),
        json!({"a": {"StringValue": "v"}}),
        json!({"a": {"DataType": "Text", "StringValue": "v"}}),
        json!({"a": {"DataType": "Strings", "StringValue": "v"}}),
        json!({"a": {"DataType": "String.", "StringValue": "v"}}),
        json!({"a": {"DataType": "String"}}),
        json!({"a": {"DataType": "String", "BinaryValue": "AQID"}}),
        json!({"a": {"DataType": "Binary", "StringValue": "x"}}),
        json!({"a": {"DataType": "Binary", "BinaryValue": "not base64!"}}),
        json!({"a": {"DataType": "Binary", "BinaryValue": ""}}),
        json!({"a": {"DataType": "Number", "StringValue": "12abc"}}),
        json!({"a": {"DataType": "Number", "StringValue": "1".repeat(39)}}),
        json!({"a": {"DataType": "Number", "StringValue": "1e200"}}),
        json!({"a": {"DataType": "String", "StringValue": "bell\u{7}"}}),
        json!({"a": {"DataType": "String", "StringValue": "v", "Extra": 1}}),
    ];
    for input in bad {
        assert!(normalize_attributes(&input).is_err(), "accepted {input}");
    }
}

#[test]
fn number_text_table() {
    for good in [
        "0",
        "-0",
        "1",
        "+1",
        "-1.5",
        "1.",
        ".5",
        "1e5",
        "1E-5",
        "00012.3400",
        "1e125",
        "1e-128",
    ] {
        assert!(validate_number_text(good).is_ok(), "{good}");
    }
    let digits38 = "9".repeat(38);
    assert!(validate_number_text(&digits38).is_ok());
    for bad in [
        "", "-", ".", "1..2", "1e", "e5", "1e+", "0x10", "1 ", " 1", "NaN", "inf", "1e126",
        "1e-129",
    ] {
        assert!(validate_number_text(bad).is_err(), "{bad}");
    }
}

#[test]
fn receipt_handles_are_stable_and_aws_like() {
    let a = receipt_handle("059f36b4-87a3-44ab-83d2-661975830a7d", 1, 7);
    assert_eq!(
        a,
        receipt_handle("059f36b4-87a3-44ab-83d2-661975830a7d", 1, 7)
    );
    assert_ne!(
        a,
        receipt_handle("059f36b4-87a3-44ab-83d2-661975830a7d", 2, 7)
    );
    assert_ne!(
        a,
        receipt_handle("059f36b4-87a3-44ab-83d2-661975830a7d", 1, 8)
    );
    assert!(a.starts_with("AQEB"));
    assert_eq!(a.len(), 180);
    assert!(base64_decode(&a).is_some());
    assert!(
        a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    );

    let sender = sender_id(&env());
    assert!(sender.starts_with("AIDA") && sender.len() == 21, "{sender}");
    assert!(fifo_sequence_number(1) > fifo_sequence_number(0));
    assert_eq!(fifo_sequence_number(0).len(), 20);
}

fn standard_record(attrs: &Value) -> Value {
    record(
        &env(),
        &SqsRecord {
            message_id: "059f36b4-87a3-44ab-83d2-661975830a7d",
            receipt_handle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
            body: "Test message.",
            message_attributes: attrs,
            approximate_receive_count: 3,
            sent_timestamp_ms: 1_545_082_649_183,
            first_receive_timestamp_ms: 1_545_082_649_185,
            sender_id: "AIDAIENQZJOLO23YVJ4VO",
            queue: "my-queue",
            fifo: None,
        },
    )
}

/// Keys of every record (the Lambda guide's example and the runtime fixture
/// example-sqs-event.json).
const RECORD_REQUIRED: &[&str] = &[
    "Records.0.messageId",
    "Records.0.receiptHandle",
    "Records.0.body",
    "Records.0.attributes.ApproximateReceiveCount",
    "Records.0.attributes.SentTimestamp",
    "Records.0.attributes.SenderId",
    "Records.0.attributes.ApproximateFirstReceiveTimestamp",
    "Records.0.messageAttributes",
    "Records.0.md5OfBody",
    "Records.0.eventSource",
    "Records.0.eventSourceARN",
    "Records.0.awsRegion",
];

#[test]
fn record_shape_and_values() {
    let attrs = normalize_attributes(&json!({
        "Attribute1": "AttributeValue1",
        "Attribute2": 123,
        "Attribute3": {"DataType": "Binary", "BinaryValue": "MTEwMA=="},
    }))
    .unwrap();
    let ev = event(vec![standard_record(&attrs)]);
    assert_has_paths(&ev, RECORD_REQUIRED);
    let rec = &ev["Records"][0];
    assert_eq!(
        keys(rec),
        [
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "md5OfMessageAttributes",
            "eventSource",
            "eventSourceARN",
            "awsRegion"
        ]
    );
    assert_eq!(
        keys(&rec["attributes"]),
        [
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp"
        ]
    );
    assert_eq!(
        rec["messageAttributes"]["Attribute1"],
        json!({"stringValue": "AttributeValue1", "stringListValues": [], "binaryListValues": [], "dataType": "String"})
    );
    assert_eq!(
        rec["messageAttributes"]["Attribute3"],
        json!({"binaryValue": "MTEwMA==", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"})
    );
    // Every attribute value is a string.
    assert!(
        rec["attributes"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string)
    );

    let parsed: SqsEvent = serde_json::from_value(ev.clone()).expect("SqsEvent");
    let m = &parsed.records[0];
    assert_eq!(
        m.message_id.as_deref(),
        Some("059f36b4-87a3-44ab-83d2-661975830a7d")
    );
    assert_eq!(m.body.as_deref(), Some("Test message."));
    assert_eq!(
        m.md5_of_body.as_deref(),
        Some("e4e68fb7bd0e697a0ae8f1bb342846b3")
    );
    assert_eq!(
        m.md5_of_message_attributes.as_deref(),
        md5_of_message_attributes(&attrs).as_deref()
    );
    assert_eq!(m.attributes["ApproximateReceiveCount"], "3");
    assert_eq!(m.attributes["SentTimestamp"], "1545082649183");
    assert_eq!(
        m.attributes["ApproximateFirstReceiveTimestamp"],
        "1545082649185"
    );
    assert_eq!(m.attributes["SenderId"], "AIDAIENQZJOLO23YVJ4VO");
    assert_eq!(
        m.message_attributes["Attribute2"].string_value.as_deref(),
        Some("123")
    );
    assert_eq!(
        m.message_attributes["Attribute2"].data_type.as_deref(),
        Some("Number")
    );
    assert_eq!(
        m.message_attributes["Attribute3"]
            .binary_value
            .as_ref()
            .map(|b| b.0.clone()),
        Some(b"1100".to_vec())
    );
    assert_eq!(
        m.event_source_arn.as_deref(),
        Some("arn:aws:sqs:us-east-1:123456789012:my-queue")
    );
    assert_eq!(m.event_source.as_deref(), Some("aws:sqs"));
    assert_eq!(m.aws_region.as_deref(), Some("us-east-1"));
}

#[test]
fn record_without_attributes_has_no_attribute_md5() {
    for attrs in [json!({}), Value::Null] {
        let rec = standard_record(&attrs);
        assert_eq!(rec["messageAttributes"], json!({}));
        assert!(rec.get("md5OfMessageAttributes").is_none());
        let parsed: SqsEvent = serde_json::from_value(event(vec![rec])).unwrap();
        assert!(parsed.records[0].message_attributes.is_empty());
        assert_eq!(parsed.records[0].md5_of_message_attributes, None);
    }
}

#[test]
fn fifo_record_attributes_in_guide_order() {
    let rec = record(
        &env(),
        &SqsRecord {
            message_id: "11d6ee51-4cc7-4302-9e22-7cd8afdaadf5",
            receipt_handle: "AQEBBX8nesZEXmkhsmZeyIE8iQAMig7qw",
            body: "Test message.",
            message_attributes: &json!({}),
            approximate_receive_count: 1,
            sent_timestamp_ms: 1_573_251_510_774,
            first_receive_timestamp_ms: 1_573_251_510_774,
            sender_id: "AIDAIO23YVJENQZJOL4VO",
            queue: "fifo.fifo",
            fifo: Some(FifoInfo {
                group_id: "1",
                deduplication_id: "1",
                sequence_number: "18849496460467696128",
            }),
        },
    );
    assert_eq!(
        keys(&rec["attributes"]),
        [
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "SenderId",
            "MessageDeduplicationId",
            "ApproximateFirstReceiveTimestamp"
        ]
    );
    assert_eq!(
        rec["eventSourceARN"],
        "arn:aws:sqs:us-east-1:123456789012:fifo.fifo"
    );
    let parsed: SqsEvent = serde_json::from_value(event(vec![rec])).unwrap();
    let a = &parsed.records[0].attributes;
    assert_eq!(a["SequenceNumber"], "18849496460467696128");
    assert_eq!(a["MessageGroupId"], "1");
    assert_eq!(a["MessageDeduplicationId"], "1");
}

#[test]
fn no_panics_on_odd_input() {
    const PIECES: &[&str] = &[
        "a", ".", "AWS.", "Binary", "String", "Number", ".x", "=", "+", "/", "1", "e", "-", "é",
        "\u{0}", "\"", "{", "[", " ", "0",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..1500 {
        let len = (next() % 10) as usize;
        let s: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let inputs = [
            json!({s.clone(): s.clone()}),
            json!({"a": {"DataType": s.clone(), "StringValue": s.clone()}}),
            json!({"a": {"DataType": s.clone(), "BinaryValue": s.clone()}}),
            json!({"a": {"DataType": "Number", "StringValue": s.clone()}}),
            json!({"a": {"DataType": 1, "StringValue": [s.clone()]}}),
            json!({"a": s.clone(), "b": 1, "c": [s.clone()], "d": {"DataType": "Binary"}}),
            json!([s.clone()]),
        ];
        for input in &inputs {
            let _ = normalize_attributes(input);
            // Also feed unvalidated shapes to everything that takes normalised attributes.
            let _ = md5_of_message_attributes(input);
            let _ = super::super::sqs::lambda_message_attributes(input);
            let _ = record(
                &env(),
                &SqsRecord {
                    message_id: &s,
                    receipt_handle: &s,
                    body: &s,
                    message_attributes: input,
                    approximate_receive_count: u32::MAX,
                    sent_timestamp_ms: i64::MIN,
                    first_receive_timestamp_ms: i64::MAX,
                    sender_id: &s,
                    queue: &s,
                    fifo: Some(FifoInfo {
                        group_id: &s,
                        deduplication_id: &s,
                        sequence_number: &s,
                    }),
                },
            );
        }
        let _ = validate_number_text(&s);
        let _ = receipt_handle(&s, u32::MAX, u64::MAX);
        let _ = base64_decode(&base64_encode(s.as_bytes()));
    }
}
