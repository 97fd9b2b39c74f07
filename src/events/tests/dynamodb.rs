//! DynamoDB: attribute values, item sizes, stream records, on-failure destination records.

use aws_lambda_events::dynamodb::Event;
use serde_json::{Value, json};

use super::super::dynamodb::{
    FailureResponse, STREAM_FAILURE_CONDITIONS, StreamBatchFailure, StreamChange, StreamView,
    attribute_map_size_bytes, attribute_map_to_item, attribute_value_size, from_attribute_value,
    item_size_bytes, item_to_attribute_map, number_size, number_text, sequence_number, shard_id,
    stream_event, stream_failure_record, stream_record, to_attribute_value,
};
use super::{assert_has_paths, env, keys, t};

#[test]
fn attribute_values_from_plain_json() {
    let cases: Vec<(Value, Value)> = vec![
        (json!("Hello"), json!({"S": "Hello"})),
        (json!(""), json!({"S": ""})),
        (json!(123), json!({"N": "123"})),
        (json!(-7), json!({"N": "-7"})),
        (
            json!(18446744073709551615u64),
            json!({"N": "18446744073709551615"}),
        ),
        (json!(123.45), json!({"N": "123.45"})),
        (json!(3.0), json!({"N": "3"})),
        (json!(-0.0), json!({"N": "0"})),
        (json!(1e21), json!({"N": "1000000000000000000000"})),
        (json!(1.5e-7), json!({"N": "0.00000015"})),
        (json!(0.1), json!({"N": "0.1"})),
        (json!(true), json!({"BOOL": true})),
        (json!(null), json!({"NULL": true})),
        (
            json!(["Cookies", "Coffee", 4.25]),
            json!({"L": [{"S": "Cookies"}, {"S": "Coffee"}, {"N": "4.25"}]}),
        ),
        (
            json!({"Name": "Joe", "Age": 35}),
            json!({"M": {"Name": {"S": "Joe"}, "Age": {"N": "35"}}}),
        ),
        (json!([]), json!({"L": []})),
        (json!({}), json!({"M": {}})),
    ];
    for (plain, av) in cases {
        assert_eq!(to_attribute_value(&plain), av, "{plain}");
    }
    assert_eq!(
        item_to_attribute_map(&json!({"b": 1, "a": "x"})),
        json!({"b": {"N": "1"}, "a": {"S": "x"}})
    );
    assert_eq!(
        keys(&item_to_attribute_map(&json!({"z": 1, "a": 2}))),
        ["z", "a"]
    );
    assert_eq!(item_to_attribute_map(&json!([1])), json!({}));
    assert_eq!(number_text(&serde_json::Number::from(5)), "5");
}

#[test]
fn attribute_value_round_trips() {
    let items = [
        json!({
            "id": "u-1",
            "n": 42,
            "neg": -3,
            "f": 2.5,
            "ok": false,
            "none": null,
            "list": [1, "two", [3, [4]], {"five": 5}, null, true],
            "map": {"a": {"b": {"c": [{"d": "deep"}]}}, "empty": {}, "emptyList": []},
            "unicode": "日本語 é",
        }),
        json!({}),
    ];
    for item in items {
        let av = item_to_attribute_map(&item);
        assert_eq!(attribute_map_to_item(&av), Some(item.clone()));
        for (_, v) in item.as_object().unwrap() {
            assert_eq!(
                from_attribute_value(&to_attribute_value(v)).as_ref(),
                Some(v)
            );
        }
    }
}

#[test]
fn attribute_values_to_plain_json() {
    let cases: Vec<(Value, Option<Value>)> = vec![
        (json!({"S": "x"}), Some(json!("x"))),
        (json!({"N": "4.25"}), Some(json!(4.25))),
        (json!({"N": "35"}), Some(json!(35))),
        (json!({"N": "-35"}), Some(json!(-35))),
        (json!({"N": "1.0"}), Some(json!(1))),
        (
            json!({"N": "18446744073709551615"}),
            Some(json!(18446744073709551615u64)),
        ),
        (json!({"B": "AAEqQQ=="}), Some(json!("AAEqQQ=="))),
        (json!({"BOOL": true}), Some(json!(true))),
        (json!({"NULL": true}), Some(Value::Null)),
        (
            json!({"SS": ["Giraffe", "Zebra"]}),
            Some(json!(["Giraffe", "Zebra"])),
        ),
        (json!({"SS": []}), Some(json!([]))),
        (json!({"NS": ["1234", "567.8"]}), Some(json!([1234, 567.8]))),
        (
            json!({"BS": ["AAEqQQ==", "QSoBAA=="]}),
            Some(json!(["AAEqQQ==", "QSoBAA=="])),
        ),
        (
            json!({"M": {"Name": {"S": "Joe"}, "Age": {"N": "35"}}}),
            Some(json!({"Name": "Joe", "Age": 35})),
        ),
        (json!({"N": "abc"}), None),
        (json!({"N": "NaN"}), None),
        (json!({"N": 5}), None),
        (json!({"S": 1}), None),
        (json!({"BOOL": "true"}), None),
        (json!({"X": "y"}), None),
        (json!({"S": "a", "N": "1"}), None),
        (json!({}), None),
        (json!("S"), None),
        (json!({"L": [{"S": "ok"}, {"bad": 1}]}), None),
        (json!({"M": {"k": {"N": "x"}}}), None),
        (json!({"NS": ["1", "x"]}), None),
    ];
    for (av, want) in cases {
        assert_eq!(from_attribute_value(&av), want, "{av}");
    }
}

#[test]
fn item_sizes() {
    // The developer guide's rules, attribute by attribute (name bytes + value bytes).
    assert_eq!(item_size_bytes(&json!({"name": "abc"})), 4 + 3);
    assert_eq!(item_size_bytes(&json!({"é": "日"})), 2 + 3);
    assert_eq!(item_size_bytes(&json!({"b": true, "n": null})), 2 + 2);
    assert_eq!(item_size_bytes(&json!({"l": []})), 1 + 3);
    assert_eq!(item_size_bytes(&json!({"m": {}})), 1 + 3);
    assert_eq!(
        item_size_bytes(&json!({"l": ["ab", 1]})),
        1 + 3 + (2 + 1) + (2 + 1)
    );
    assert_eq!(
        item_size_bytes(&json!({"m": {"k": "v"}})),
        1 + 3 + (1 + 1 + 1)
    );
    assert_eq!(item_size_bytes(&json!([1])), 0);
    // Numbers: 1 byte per two significant digits, rounded up, plus 1.
    for (n, size) in [
        ("101", 3),
        ("1", 2),
        ("12", 2),
        ("123", 3),
        ("1000", 2),
        ("0.001", 2),
        ("123.45", 4),
        ("-1", 3),
        ("0", 1),
        ("1.5E+10", 2),
    ] {
        assert_eq!(number_size(n), size, "{n}");
    }
    // Binary: raw bytes; sets: the sum of their members.
    assert_eq!(attribute_value_size(&json!({"B": "AAEqQQ=="})), 4);
    assert_eq!(
        attribute_value_size(&json!({"BS": ["AAEqQQ==", "QSoBAA=="]})),
        8
    );
    assert_eq!(attribute_value_size(&json!({"SS": ["ab", "c"]})), 3);
    assert_eq!(attribute_value_size(&json!({"NS": ["1", "123"]})), 2 + 3);
    assert_eq!(attribute_value_size(&json!({"bogus": 1})), 0);
    // The runtime fixture example-dynamodb-event.json, first record: Keys + NewImage = 54.
    let keys_av = json!({"val": {"S": "data"}, "key": {"S": "binary"}});
    let new_av = json!({
        "val": {"S": "data"},
        "asdf1": {"B": "AAEqQQ=="},
        "asdf2": {"BS": ["AAEqQQ==", "QSoBAA=="]},
        "key": {"S": "binary"},
    });
    assert_eq!(
        attribute_map_size_bytes(&keys_av) + attribute_map_size_bytes(&new_av),
        54
    );
}

#[test]
fn view_types() {
    for v in StreamView::ALL {
        assert_eq!(StreamView::from_aws_name(v.aws_name()), Some(v));
    }
    assert_eq!(StreamView::from_aws_name("new_image"), None);
    assert_eq!(StreamView::NewAndOldImages.aws_name(), "NEW_AND_OLD_IMAGES");
    assert!(sequence_number(2) > sequence_number(1));
    assert_eq!(sequence_number(0).len(), 21);
    let shard = shard_id(1_573_689_847_184, "t");
    assert!(
        shard.starts_with("shardId-00000001573689847184-"),
        "{shard}"
    );
    assert_eq!(shard.len(), "shardId-00000001573689847184-864758bb".len());
}

const KEYS: &str = r#"{"Id": 101}"#;

fn change<'a>(
    event_name: &'a str,
    keys: &'a Value,
    old: Option<&'a Value>,
    new: Option<&'a Value>,
    view: StreamView,
) -> StreamChange<'a> {
    StreamChange {
        table: "ExampleTableWithStream",
        stream_label: "2015-06-27T00:48:05.899",
        event_id: "c4ca4238a0b923820dcc509a6f75849b",
        event_name,
        keys,
        old_image: old,
        new_image: new,
        sequence_number: "111",
        view,
        time: t(0),
        by_ttl: false,
    }
}

/// Keys of every record (the Lambda guide's examples and example-dynamodb-event.json).
const RECORD_REQUIRED: &[&str] = &[
    "Records.0.eventID",
    "Records.0.eventName",
    "Records.0.eventVersion",
    "Records.0.eventSource",
    "Records.0.awsRegion",
    "Records.0.dynamodb.ApproximateCreationDateTime",
    "Records.0.dynamodb.Keys",
    "Records.0.dynamodb.SequenceNumber",
    "Records.0.dynamodb.SizeBytes",
    "Records.0.dynamodb.StreamViewType",
    "Records.0.eventSourceARN",
];

#[test]
fn stream_records_match_the_lambda_guide() {
    let keys_v: Value = serde_json::from_str(KEYS).unwrap();
    let first = json!({"Message": "New item!", "Id": 101});
    let second = json!({"Message": "This item has changed", "Id": 101});
    let view = StreamView::NewAndOldImages;
    let records = vec![
        stream_record(&env(), &change("INSERT", &keys_v, None, Some(&first), view)),
        stream_record(
            &env(),
            &change("MODIFY", &keys_v, Some(&first), Some(&second), view),
        ),
        stream_record(
            &env(),
            &change("REMOVE", &keys_v, Some(&second), None, view),
        ),
    ];
    // SizeBytes of the guide's three records.
    let sizes: Vec<&Value> = records
        .iter()
        .map(|r| &r["dynamodb"]["SizeBytes"])
        .collect();
    assert_eq!(sizes, [&json!(26), &json!(59), &json!(38)]);

    let ev = stream_event(records);
    assert_has_paths(&ev, RECORD_REQUIRED);
    let rec = &ev["Records"][1];
    assert_eq!(
        keys(rec),
        [
            "eventID",
            "eventName",
            "eventVersion",
            "eventSource",
            "awsRegion",
            "dynamodb",
            "eventSourceARN"
        ]
    );
    assert_eq!(
        keys(&rec["dynamodb"]),
        [
            "ApproximateCreationDateTime",
            "Keys",
            "NewImage",
            "OldImage",
            "SequenceNumber",
            "SizeBytes",
            "StreamViewType"
        ]
    );
    assert_eq!(
        rec["dynamodb"]["ApproximateCreationDateTime"],
        json!(1_767_225_600)
    );
    assert_eq!(rec["dynamodb"]["Keys"], json!({"Id": {"N": "101"}}));
    assert_eq!(
        rec["eventSourceARN"],
        "arn:aws:dynamodb:us-east-1:123456789012:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899"
    );

    let parsed: Event = serde_json::from_value(ev.clone()).expect("dynamodb Event");
    assert_eq!(parsed.records.len(), 3);
    let r = &parsed.records[1];
    assert_eq!(r.event_id, "c4ca4238a0b923820dcc509a6f75849b");
    assert_eq!(r.event_name, "MODIFY");
    assert_eq!(r.event_version.as_deref(), Some("1.1"));
    assert_eq!(r.event_source.as_deref(), Some("aws:dynamodb"));
    assert_eq!(r.aws_region, "us-east-1");
    assert_eq!(
        r.change.approximate_creation_date_time.timestamp(),
        1_767_225_600
    );
    assert_eq!(r.change.sequence_number.as_deref(), Some("111"));
    assert_eq!(r.change.size_bytes, 59);
    assert_eq!(
        serde_json::to_value(&r.change.new_image).unwrap(),
        json!({"Message": {"S": "This item has changed"}, "Id": {"N": "101"}})
    );
    assert_eq!(
        serde_json::to_value(&r.change.old_image).unwrap(),
        json!({"Message": {"S": "New item!"}, "Id": {"N": "101"}})
    );
    assert_eq!(
        serde_json::to_value(&r.change.stream_view_type).unwrap(),
        json!("NEW_AND_OLD_IMAGES")
    );
}

#[test]
fn images_per_view_type_and_event_name() {
    let keys_v = json!({"pk": "a"});
    let old = json!({"pk": "a", "v": 1});
    let new = json!({"pk": "a", "v": 2});
    // (view, event, has NewImage, has OldImage)
    let table = [
        (StreamView::KeysOnly, "INSERT", false, false),
        (StreamView::KeysOnly, "MODIFY", false, false),
        (StreamView::KeysOnly, "REMOVE", false, false),
        (StreamView::NewImage, "INSERT", true, false),
        (StreamView::NewImage, "MODIFY", true, false),
        (StreamView::NewImage, "REMOVE", false, false),
        (StreamView::OldImage, "INSERT", false, false),
        (StreamView::OldImage, "MODIFY", false, true),
        (StreamView::OldImage, "REMOVE", false, true),
        (StreamView::NewAndOldImages, "INSERT", true, false),
        (StreamView::NewAndOldImages, "MODIFY", true, true),
        (StreamView::NewAndOldImages, "REMOVE", false, true),
    ];
    for (view, event_name, has_new, has_old) in table {
        // The caller may pass both images; the view type and event decide what is sent.
        let rec = stream_record(
            &env(),
            &change(event_name, &keys_v, Some(&old), Some(&new), view),
        );
        let d = &rec["dynamodb"];
        assert_eq!(
            d.get("NewImage").is_some(),
            has_new,
            "{view:?} {event_name}"
        );
        assert_eq!(
            d.get("OldImage").is_some(),
            has_old,
            "{view:?} {event_name}"
        );
        assert_eq!(d["StreamViewType"], view.aws_name());
        let keys_size = item_size_bytes(&keys_v);
        let img = item_size_bytes(&old);
        let want = keys_size + img * (has_new as u64 + has_old as u64);
        assert_eq!(d["SizeBytes"], json!(want));

        let parsed: Event = serde_json::from_value(stream_event(vec![rec])).unwrap();
        let c = &parsed.records[0].change;
        assert_eq!(c.new_image.is_empty(), !has_new);
        assert_eq!(c.old_image.is_empty(), !has_old);
        if has_new {
            assert_eq!(
                serde_json::to_value(&c.new_image).unwrap()["v"],
                json!({"N": "2"})
            );
        }
        if has_old {
            assert_eq!(
                serde_json::to_value(&c.old_image).unwrap()["v"],
                json!({"N": "1"})
            );
        }
        assert_eq!(
            serde_json::to_value(&c.keys).unwrap(),
            json!({"pk": {"S": "a"}})
        );
    }
}

#[test]
fn nested_values_in_stream_images() {
    let item = json!({
        "pk": "user#1",
        "profile": {"name": "Joe", "age": 35, "tags": ["a", "b"], "scores": [1.5, 2]},
        "list": [{"k": null}, [true]],
    });
    let keys_v = json!({"pk": "user#1"});
    let rec = stream_record(
        &env(),
        &change("INSERT", &keys_v, None, Some(&item), StreamView::NewImage),
    );
    let img = &rec["dynamodb"]["NewImage"];
    assert_eq!(img["profile"]["M"]["age"], json!({"N": "35"}));
    assert_eq!(img["profile"]["M"]["scores"]["L"][0], json!({"N": "1.5"}));
    assert_eq!(img["list"]["L"][0]["M"]["k"], json!({"NULL": true}));
    assert_eq!(img["list"]["L"][1]["L"][0], json!({"BOOL": true}));
    let parsed: Event = serde_json::from_value(stream_event(vec![rec.clone()])).unwrap();
    assert_eq!(
        serde_json::to_value(&parsed.records[0].change.new_image).unwrap(),
        *img
    );
    assert_eq!(attribute_map_to_item(img), Some(item));
}

#[test]
fn failure_record_matches_the_lambda_guide() {
    let stream_arn = env().dynamodb_stream_arn("mytable", "2019-11-14T00:04:06.388");
    let f = StreamBatchFailure {
        request_id: "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
        function_arn: &env().lambda_arn("myfunction"),
        condition: "RetryAttemptsExhausted",
        approximate_invoke_count: 1,
        response: Some(FailureResponse {
            status_code: 200,
            executed_version: "$LATEST",
            function_error: Some("Unhandled"),
        }),
        time: t(0),
        shard_id: "shardId-00000001573689847184-864758bb",
        start_sequence_number: "800000000003126276362",
        end_sequence_number: "800000000003126276362",
        first_record_arrival: t(-30),
        last_record_arrival: t(-30),
        batch_size: 1,
        stream_arn: &stream_arn,
    };
    let rec = stream_failure_record(&f);
    assert_eq!(
        keys(&rec),
        [
            "requestContext",
            "responseContext",
            "version",
            "timestamp",
            "DDBStreamBatchInfo"
        ]
    );
    assert_eq!(
        keys(&rec["requestContext"]),
        [
            "requestId",
            "functionArn",
            "condition",
            "approximateInvokeCount"
        ]
    );
    assert_eq!(
        rec["responseContext"],
        json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
    );
    assert_eq!(rec["version"], "1.0");
    assert_eq!(rec["timestamp"], "2026-01-01T00:00:00.123Z");
    assert_eq!(
        rec["DDBStreamBatchInfo"],
        json!({
            "shardId": "shardId-00000001573689847184-864758bb",
            "startSequenceNumber": "800000000003126276362",
            "endSequenceNumber": "800000000003126276362",
            "approximateArrivalOfFirstRecord": "2025-12-31T23:59:30Z",
            "approximateArrivalOfLastRecord": "2025-12-31T23:59:30Z",
            "batchSize": 1,
            "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/mytable/stream/2019-11-14T00:04:06.388",
        })
    );
    assert_eq!(
        keys(&rec["DDBStreamBatchInfo"]),
        [
            "shardId",
            "startSequenceNumber",
            "endSequenceNumber",
            "approximateArrivalOfFirstRecord",
            "approximateArrivalOfLastRecord",
            "batchSize",
            "streamArn"
        ]
    );

    // A batch that aged out before any invocation: no responseContext; a partial batch response
    // failure: no functionError.
    let aged = StreamBatchFailure {
        condition: STREAM_FAILURE_CONDITIONS[1],
        approximate_invoke_count: 0,
        response: None,
        ..f
    };
    let rec = stream_failure_record(&aged);
    assert!(rec.get("responseContext").is_none());
    assert_eq!(rec["requestContext"]["condition"], "RecordAgeExceeded");
    let partial = StreamBatchFailure {
        response: Some(FailureResponse {
            status_code: 200,
            executed_version: "$LATEST",
            function_error: None,
        }),
        ..f
    };
    assert_eq!(
        keys(&stream_failure_record(&partial)["responseContext"]),
        ["statusCode", "executedVersion"]
    );
}

#[test]
fn no_panics_on_odd_input() {
    let mut seed: u64 = 0xA076_1D64_78BD_642F;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const TEXT: &[&str] = &[
        "", "-", "0", "1", ".", "e", "E", "+", "9", "a", "=", "é", "/",
    ];
    const TAGS: &[&str] = &[
        "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS", "X",
    ];
    fn gen_value(next: &mut dyn FnMut() -> u64, depth: u32) -> Value {
        let text = |next: &mut dyn FnMut() -> u64| -> String {
            (0..next() % 6)
                .map(|_| TEXT[(next() % TEXT.len() as u64) as usize])
                .collect()
        };
        match next() % if depth > 3 { 5 } else { 8 } {
            0 => Value::from(text(next)),
            1 => json!((next() as i64) >> (next() % 64)),
            2 => json!(f64::from_bits(next()) % 1e300)
                .as_f64()
                .map(Value::from)
                .unwrap_or(Value::Null),
            3 => Value::from(next().is_multiple_of(2)),
            4 => Value::Null,
            5 => Value::Array(
                (0..next() % 4)
                    .map(|_| gen_value(next, depth + 1))
                    .collect(),
            ),
            6 => {
                let tag = TAGS[(next() % TAGS.len() as u64) as usize];
                json!({tag: gen_value(next, depth + 1)})
            }
            _ => {
                let mut m = serde_json::Map::new();
                for _ in 0..next() % 4 {
                    m.insert(text(next), gen_value(next, depth + 1));
                }
                Value::Object(m)
            }
        }
    }
    for _ in 0..2000 {
        let v = gen_value(&mut next, 0);
        let w = gen_value(&mut next, 0);
        let _ = to_attribute_value(&v);
        let _ = from_attribute_value(&v);
        let _ = attribute_map_to_item(&v);
        let _ = attribute_value_size(&v);
        let _ = attribute_map_size_bytes(&v);
        let _ = item_size_bytes(&v);
        let _ = item_to_attribute_map(&v);
        // Plain JSON always round-trips.
        let av = to_attribute_value(&v);
        let back = from_attribute_value(&av).expect("round trip");
        assert_eq!(to_attribute_value(&back), av);
        if let Some(s) = v.as_str() {
            let _ = number_size(s);
        }
        for view in StreamView::ALL {
            for name in ["INSERT", "MODIFY", "REMOVE", "?"] {
                let _ = stream_record(
                    &env(),
                    &StreamChange {
                        table: "",
                        stream_label: "",
                        event_id: "",
                        event_name: name,
                        keys: &v,
                        old_image: Some(&w),
                        new_image: Some(&v),
                        sequence_number: "",
                        view,
                        time: t(i64::from(i32::MIN)),
                        by_ttl: name == "REMOVE",
                    },
                );
            }
        }
    }
    let _ = shard_id(i64::MIN, "");
}
