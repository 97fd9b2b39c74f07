//! S3: key encoding, eTags, notification records, event types, S3 → EventBridge.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::s3::S3Event;
use serde_json::{Value, json};

use super::super::percent_decode;
use super::super::s3::{
    EVENT_TYPES, S3Notice, etag, event_matches, eventbridge_detail_event, record_event, sequencer,
    url_encode_key, validate_event_type,
};
use super::{assert_has_paths, env, keys, t};

#[test]
fn key_encoding_table() {
    let cases = [
        // The S3 guide's example.
        ("red flower.jpg", "red+flower.jpg"),
        ("HappyFace.jpg", "HappyFace.jpg"),
        ("photos/2026/cat.png", "photos/2026/cat.png"),
        ("a+b", "a%2Bb"),
        ("a*b_c-d.e", "a*b_c-d.e"),
        ("é.txt", "%C3%A9.txt"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("a=b&c", "a%3Db%26c"),
        ("(1).jpg", "%281%29.jpg"),
        ("~x", "%7Ex"),
        ("x:y", "x%3Ay"),
        ("a%20b", "a%2520b"),
        ("two  spaces", "two++spaces"),
        ("", ""),
    ];
    for (key, encoded) in cases {
        assert_eq!(url_encode_key(key), encoded, "{key:?}");
        // What a handler does with it (unquote_plus) gives the key back.
        assert_eq!(percent_decode(encoded, true), key, "{encoded:?}");
    }
}

#[test]
fn etags_are_md5_hex() {
    assert_eq!(etag(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(etag(b"hello"), "5d41402abc4b2a76b9719d911017c592");
    assert_eq!(
        etag(b"The quick brown fox jumps over the lazy dog"),
        "9e107d9d372bb6826bd81d3542a419d6"
    );
    assert_eq!(sequencer(0x55AED6DCD90281E5), "0055AED6DCD90281E5");
    assert!(sequencer(2) > sequencer(1));
}

fn put_notice<'a>(key: &'a str, tag: &'a str) -> S3Notice<'a> {
    S3Notice {
        bucket: "mybucket",
        key,
        event_name: "ObjectCreated:Put",
        size: Some(1024),
        etag: Some(tag),
        version_id: None,
        sequencer: "0055AED6DCD90281E5",
        configuration_id: "testConfigRule",
        request_id: "C3D13FE58DE4C810",
        host_id: "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        time: t(0),
    }
}

/// Keys of every record (the S3 guide's example and the fixture example-s3-event.json, without
/// `versionId`, which unversioned buckets don't have).
const RECORD_REQUIRED: &[&str] = &[
    "Records.0.eventVersion",
    "Records.0.eventSource",
    "Records.0.awsRegion",
    "Records.0.eventTime",
    "Records.0.eventName",
    "Records.0.userIdentity.principalId",
    "Records.0.requestParameters.sourceIPAddress",
    "Records.0.responseElements.x-amz-request-id",
    "Records.0.responseElements.x-amz-id-2",
    "Records.0.s3.s3SchemaVersion",
    "Records.0.s3.configurationId",
    "Records.0.s3.bucket.name",
    "Records.0.s3.bucket.ownerIdentity.principalId",
    "Records.0.s3.bucket.arn",
    "Records.0.s3.object.key",
    "Records.0.s3.object.size",
    "Records.0.s3.object.eTag",
    "Records.0.s3.object.sequencer",
];

#[test]
fn notification_record_shape() {
    let tag = etag(b"hello");
    let n = put_notice("red flower.jpg", &tag);
    let ev = record_event(&env(), &n);
    assert_has_paths(&ev, RECORD_REQUIRED);
    assert_eq!(keys(&ev), ["Records"]);
    let rec = &ev["Records"][0];
    assert_eq!(
        keys(rec),
        [
            "eventVersion",
            "eventSource",
            "awsRegion",
            "eventTime",
            "eventName",
            "userIdentity",
            "requestParameters",
            "responseElements",
            "s3"
        ]
    );
    assert_eq!(
        keys(&rec["s3"]),
        ["s3SchemaVersion", "configurationId", "bucket", "object"]
    );
    assert_eq!(keys(&rec["s3"]["bucket"]), ["name", "ownerIdentity", "arn"]);
    assert_eq!(
        keys(&rec["s3"]["object"]),
        ["key", "size", "eTag", "sequencer"]
    );
    assert_eq!(rec["eventTime"], "2026-01-01T00:00:00.123Z");
    assert_eq!(rec["s3"]["object"]["size"], json!(1024));
    let principal = rec["userIdentity"]["principalId"].as_str().unwrap();
    assert!(
        principal.starts_with("AWS:AIDA") && principal.len() == 25,
        "{principal}"
    );
    let owner = rec["s3"]["bucket"]["ownerIdentity"]["principalId"]
        .as_str()
        .unwrap();
    assert!(owner.starts_with('A') && owner.len() == 14, "{owner}");
    assert_eq!(
        keys(&rec["responseElements"]),
        ["x-amz-request-id", "x-amz-id-2"]
    );

    let parsed: S3Event = serde_json::from_value(ev.clone()).unwrap();
    assert_eq!(parsed.records.len(), 1);
    let r = &parsed.records[0];
    assert_eq!(r.event_version.as_deref(), Some("2.1"));
    assert_eq!(r.event_source.as_deref(), Some("aws:s3"));
    assert_eq!(r.aws_region.as_deref(), Some("us-east-1"));
    assert_eq!(r.event_time, t(0));
    assert_eq!(r.event_name.as_deref(), Some("ObjectCreated:Put"));
    assert_eq!(r.principal_id.principal_id.as_deref(), Some(principal));
    assert_eq!(
        r.request_parameters.source_ip_address.as_deref(),
        Some("192.0.2.1")
    );
    assert_eq!(
        r.response_elements
            .get("x-amz-request-id")
            .map(String::as_str),
        Some("C3D13FE58DE4C810")
    );
    assert_eq!(r.s3.schema_version.as_deref(), Some("1.0"));
    assert_eq!(r.s3.configuration_id.as_deref(), Some("testConfigRule"));
    assert_eq!(r.s3.bucket.name.as_deref(), Some("mybucket"));
    assert_eq!(r.s3.bucket.arn.as_deref(), Some("arn:aws:s3:::mybucket"));
    assert_eq!(r.s3.object.key.as_deref(), Some("red+flower.jpg"));
    assert_eq!(r.s3.object.size, Some(1024));
    assert_eq!(
        r.s3.object.e_tag.as_deref(),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    assert_eq!(r.s3.object.version_id, None);
    assert_eq!(r.s3.object.sequencer.as_deref(), Some("0055AED6DCD90281E5"));
}

#[test]
fn removed_objects_have_no_size_or_etag() {
    let tag = etag(b"x");
    for name in [
        "ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "LifecycleExpiration:Delete",
    ] {
        let mut n = put_notice("a/b.txt", &tag);
        n.event_name = name;
        let ev = record_event(&env(), &n);
        let rec = &ev["Records"][0];
        assert_eq!(keys(&rec["s3"]["object"]), ["key", "sequencer"], "{name}");
        assert_eq!(rec["eventName"], name.trim_start_matches("s3:"));
        let parsed: S3Event = serde_json::from_value(ev).unwrap();
        assert_eq!(parsed.records[0].s3.object.size, None);
        assert_eq!(parsed.records[0].s3.object.key.as_deref(), Some("a/b.txt"));
    }
    // A created object without a known size or eTag simply omits them.
    let mut n = put_notice("k", &tag);
    n.size = None;
    n.etag = None;
    let ev = record_event(&env(), &n);
    assert_eq!(
        keys(&ev["Records"][0]["s3"]["object"]),
        ["key", "sequencer"]
    );
}

#[test]
fn event_type_matching_table() {
    let cases = [
        ("s3:ObjectCreated:*", "ObjectCreated:Put", true),
        ("s3:ObjectCreated:*", "ObjectCreated:Post", true),
        ("s3:ObjectCreated:*", "ObjectCreated:Copy", true),
        (
            "s3:ObjectCreated:*",
            "ObjectCreated:CompleteMultipartUpload",
            true,
        ),
        ("s3:ObjectCreated:*", "s3:ObjectCreated:Put", true),
        ("s3:ObjectCreated:*", "ObjectRemoved:Delete", false),
        ("s3:ObjectCreated:Put", "ObjectCreated:Put", true),
        ("s3:ObjectCreated:Put", "ObjectCreated:Post", false),
        ("s3:ObjectRemoved:*", "ObjectRemoved:Delete", true),
        (
            "s3:ObjectRemoved:*",
            "ObjectRemoved:DeleteMarkerCreated",
            true,
        ),
        (
            "s3:ObjectRemoved:Delete",
            "ObjectRemoved:DeleteMarkerCreated",
            false,
        ),
        ("s3:ObjectRemoved:*", "LifecycleExpiration:Delete", false),
        (
            "s3:LifecycleExpiration:*",
            "LifecycleExpiration:Delete",
            true,
        ),
        ("s3:ObjectRestore:*", "ObjectRestore:Completed", true),
        ("s3:LifecycleTransition", "LifecycleTransition", true),
        ("s3:ObjectCreated:*", "ObjectCreated:", false),
        ("s3:ObjectCreated:*", "ObjectCreatedX:Put", false),
        ("s3:objectcreated:*", "ObjectCreated:Put", false),
        ("s3:*", "ObjectCreated:Put", false),
        ("", "", true),
    ];
    for (configured, event, expected) in cases {
        assert_eq!(
            event_matches(configured, event),
            expected,
            "{configured} vs {event}"
        );
    }
}

#[test]
fn event_type_validation() {
    for t in EVENT_TYPES {
        assert_eq!(validate_event_type(t), Ok(()), "{t}");
    }
    let bad = [
        "ObjectCreated:*",
        "s3:objectcreated:put",
        "s3:ObjectCreated",
        "s3:*",
        "s3:TestEvent",
        "",
    ];
    for t in bad {
        assert!(validate_event_type(t).is_err(), "{t:?} should be rejected");
    }
    let e = validate_event_type("ObjectCreated:Put").unwrap_err();
    assert!(
        matches!(e, crate::events::EventError::EventType(_)),
        "{e:?}"
    );
    let e = e.to_string();
    assert!(e.contains("did you mean \"s3:ObjectCreated:Put\""), "{e}");
    let e = validate_event_type("s3:objectremoved:*")
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean \"s3:ObjectRemoved:*\""), "{e}");
}

#[test]
fn eventbridge_object_created() {
    let tag = etag(b"hello");
    let n = put_notice("red flower.jpg", &tag);
    let ev = eventbridge_detail_event(&env(), &n, "17793124-05d4-b198-2fde-7ededc63b103");
    assert_eq!(
        keys(&ev),
        [
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail"
        ]
    );
    assert_eq!(
        keys(&ev["detail"]),
        [
            "version",
            "bucket",
            "object",
            "request-id",
            "requester",
            "source-ip-address",
            "reason"
        ]
    );
    assert_eq!(
        ev["detail"]["object"],
        json!({"key": "red flower.jpg", "size": 1024,
               "etag": "5d41402abc4b2a76b9719d911017c592", "sequencer": "0055AED6DCD90281E5"})
    );
    assert_eq!(ev["detail"]["reason"], "PutObject");
    assert_eq!(ev["detail"]["requester"], "123456789012");
    assert_eq!(ev["time"], "2026-01-01T00:00:00Z");
    let parsed: EventBridgeEvent = serde_json::from_value(ev).unwrap();
    assert_eq!(parsed.detail_type, "Object Created");
    assert_eq!(parsed.source, "aws.s3");
    assert_eq!(
        parsed.resources,
        Some(vec!["arn:aws:s3:::mybucket".to_string()])
    );
    assert_eq!(parsed.detail["bucket"]["name"], "mybucket");
    assert_eq!(parsed.detail["version"], "0");
}

#[test]
fn eventbridge_object_deleted_and_reasons() {
    let mut n = put_notice("a b", "ignored");
    n.event_name = "ObjectRemoved:Delete";
    n.size = None;
    n.etag = None;
    let ev = eventbridge_detail_event(&env(), &n, "id");
    assert_eq!(ev["detail-type"], "Object Deleted");
    assert_eq!(
        ev["detail"]["object"],
        json!({"key": "a b", "sequencer": "0055AED6DCD90281E5"})
    );
    assert_eq!(ev["detail"]["reason"], "DeleteObject");
    assert_eq!(ev["detail"]["deletion-type"], "Permanently Deleted");
    assert_eq!(keys(&ev["detail"]).last(), Some(&"deletion-type"));

    let table: [(&str, &str, Option<&str>, Option<&str>); 7] = [
        (
            "ObjectCreated:Post",
            "Object Created",
            Some("POST Object"),
            None,
        ),
        (
            "ObjectCreated:Copy",
            "Object Created",
            Some("CopyObject"),
            None,
        ),
        (
            "ObjectCreated:CompleteMultipartUpload",
            "Object Created",
            Some("CompleteMultipartUpload"),
            None,
        ),
        (
            "ObjectRemoved:DeleteMarkerCreated",
            "Object Deleted",
            Some("DeleteObject"),
            Some("Delete Marker Created"),
        ),
        (
            "LifecycleExpiration:Delete",
            "Object Deleted",
            Some("Lifecycle Expiration"),
            Some("Permanently Deleted"),
        ),
        (
            "ObjectRestore:Completed",
            "Object Restore Completed",
            None,
            None,
        ),
        ("ObjectTagging:Put", "Object Tags Added", None, None),
    ];
    for (name, detail_type, reason, deletion) in table {
        let mut n = put_notice("k", "e");
        n.event_name = name;
        let ev = eventbridge_detail_event(&env(), &n, "id");
        assert_eq!(ev["detail-type"], detail_type, "{name}");
        assert_eq!(
            ev["detail"].get("reason").and_then(Value::as_str),
            reason,
            "{name}"
        );
        assert_eq!(
            ev["detail"].get("deletion-type").and_then(Value::as_str),
            deletion,
            "{name}"
        );
    }
    let mut n = put_notice("k", "e");
    n.event_name = "LifecycleExpiration:Delete";
    let ev = eventbridge_detail_event(&env(), &n, "id");
    assert_eq!(ev["detail"]["requester"], "s3.amazonaws.com");
    assert!(ev["detail"].get("source-ip-address").is_none());
}
