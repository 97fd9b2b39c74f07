//! EventBridge: envelopes, scheduled events, JSON paths and target input shaping.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde_json::{Value, json};

use super::super::eventbridge::{
    TargetInput, envelope, eval_json_path, scheduled_event, target_input, validate_json_path,
    validate_transformer,
};
use super::{assert_has_paths, env, keys, t};

/// Keys of every EventBridge event (AWS's envelope documentation and the fixtures
/// example-eventbridge-event-obj.json / example-eventbridge-schedule.json).
const ENVELOPE_KEYS: [&str; 9] = [
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
];

#[test]
fn envelope_shape() {
    let entry = json!({
        "source": "com.example.orders",
        "detail-type": "OrderPlaced",
        "detail": {"orderId": "o-1", "items": [{"sku": "A"}], "total": 12.5},
        "resources": ["arn:aws:s3:::b"]
    });
    let ev = envelope(&env(), "e-1", &entry, t(0)).unwrap();
    assert_eq!(keys(&ev), ENVELOPE_KEYS);
    assert_has_paths(&ev, &ENVELOPE_KEYS);
    assert_eq!(ev["version"], "0");
    assert_eq!(ev["time"], "2026-01-01T00:00:00Z");
    assert_eq!(ev["account"], "123456789012");
    assert_eq!(ev["region"], "us-east-1");
    assert_eq!(keys(&ev["detail"]), ["orderId", "items", "total"]);

    let parsed: EventBridgeEvent = serde_json::from_value(ev.clone()).unwrap();
    assert_eq!(parsed.version.as_deref(), Some("0"));
    assert_eq!(parsed.id.as_deref(), Some("e-1"));
    assert_eq!(parsed.detail_type, "OrderPlaced");
    assert_eq!(parsed.source, "com.example.orders");
    assert_eq!(parsed.account.as_deref(), Some("123456789012"));
    assert_eq!(parsed.region.as_deref(), Some("us-east-1"));
    assert_eq!(parsed.time.map(|x| x.timestamp()), Some(1_767_225_600));
    assert_eq!(parsed.resources, Some(vec!["arn:aws:s3:::b".to_string()]));
    assert_eq!(parsed.detail["orderId"], "o-1");
}

#[test]
fn envelope_inputs() {
    // Detail as a string holding JSON (the API's Detail), default resources, own time.
    let ev = envelope(
        &env(),
        "e-2",
        &json!({
            "Source": "app", "DetailType": "T", "Detail": "{\"b\":1,\"a\":2}",
            "Time": "2025-06-01T12:30:45.999+02:00", "EventBusName": "default"
        }),
        t(0),
    )
    .unwrap();
    assert_eq!(ev["detail"], json!({"b": 1, "a": 2}));
    assert_eq!(keys(&ev["detail"]), ["b", "a"]);
    assert_eq!(ev["resources"], json!([]));
    assert_eq!(ev["time"], "2025-06-01T10:30:45Z");
    assert_eq!(ev["source"], "app");
    assert_eq!(ev["detail-type"], "T");

    let ok = envelope(
        &env(),
        "e",
        &json!({"source": "s", "detail-type": "d", "detail": {}}),
        t(0),
    );
    assert_eq!(ok.unwrap()["detail"], json!({}));

    let bad = [
        json!("x"),
        json!({"detail-type": "d", "detail": {}}),
        json!({"source": "", "detail-type": "d", "detail": {}}),
        json!({"source": 1, "detail-type": "d", "detail": {}}),
        json!({"source": "s", "detail": {}}),
        json!({"source": "s", "detail-type": "", "detail": {}}),
        json!({"source": "s", "detail-type": "d"}),
        json!({"source": "s", "detail-type": "d", "detail": "not json"}),
        json!({"source": "s", "detail-type": "d", "detail": "[1]"}),
        json!({"source": "s", "detail-type": "d", "detail": [1]}),
        json!({"source": "s", "detail-type": "d", "detail": 5}),
        json!({"source": "s", "detail-type": "d", "detail": {}, "resources": "arn"}),
        json!({"source": "s", "detail-type": "d", "detail": {}, "resources": [1]}),
        json!({"source": "s", "detail-type": "d", "detail": {}, "time": "noon"}),
        json!({"source": "s", "detail-type": "d", "detail": {}, "time": 5}),
        json!({"source": "s", "detail-type": "d", "detail": {}, "colour": "red"}),
    ];
    for e in bad {
        assert!(
            envelope(&env(), "e", &e, t(0)).is_err(),
            "{e} should be rejected"
        );
    }
}

#[test]
fn scheduled_event_shape() {
    let rule = env().events_rule_arn("my-scheduled-rule");
    assert_eq!(
        rule,
        "arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"
    );
    let ev = scheduled_event(&env(), "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", &rule, t(0));
    assert_eq!(keys(&ev), ENVELOPE_KEYS);
    assert_eq!(
        ev.to_string(),
        concat!(
            r#"{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","#,
            r#""source":"aws.events","account":"123456789012","time":"2026-01-01T00:00:00Z","#,
            r#""region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],"#,
            r#""detail":{}}"#
        )
    );
    let parsed: EventBridgeEvent = serde_json::from_value(ev).unwrap();
    assert_eq!(parsed.detail_type, "Scheduled Event");
    assert_eq!(parsed.source, "aws.events");
    assert_eq!(parsed.detail, json!({}));
}

fn ec2_event() -> Value {
    // The example event of the input transformation documentation.
    json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "123456789012",
        "time": "2015-11-11T21:29:54Z",
        "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
        "detail": {
            "instance-id": "i-0123456789",
            "state": "RUNNING",
            "items": [{"id": 1, "tags": ["a"]}, {"id": 2}],
            "count": 3,
            "note": "say \"hi\"",
            "path/like": true
        }
    })
}

#[test]
fn json_path_table() {
    let ev = ec2_event();
    let cases: [(&str, Option<Value>); 14] = [
        ("$", Some(ev.clone())),
        ("$.detail.state", Some(json!("RUNNING"))),
        ("$.detail.instance-id", Some(json!("i-0123456789"))),
        (
            "$.detail-type",
            Some(json!("EC2 Instance State-change Notification")),
        ),
        (
            "$.resources[0]",
            Some(json!(
                "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"
            )),
        ),
        ("$.detail.items[1].id", Some(json!(2))),
        ("$.detail.items[0].tags[0]", Some(json!("a"))),
        ("$.detail.items[*].id", Some(json!([1, 2]))),
        ("$.detail.items.*.id", Some(json!([1, 2]))),
        ("$.detail.path/like", Some(json!(true))),
        ("$.detail.missing", None),
        ("$.detail.items[5]", None),
        ("$.detail.state.deeper", None),
        ("$.detail.items[*].nothing", None),
    ];
    for (p, expected) in cases {
        assert_eq!(validate_json_path(p), Ok(()), "{p}");
        assert_eq!(eval_json_path(p, &ev).unwrap(), expected, "{p}");
    }
    let invalid = [
        "", "detail", "$.", "$..a", "$.a b", "$['a']", "$.a[", "$.a[x]", "$.a[-1]", "$a", "$.a.",
        "$.a[1", "$.<x>",
    ];
    for p in invalid {
        assert!(validate_json_path(p).is_err(), "{p:?} should be invalid");
    }
    assert!(validate_json_path(&format!("$.{}", "a".repeat(300))).is_err());
}

fn shape(t_in: &TargetInput) -> Result<Value, String> {
    target_input(
        &ec2_event(),
        t_in,
        "arn:aws:events:us-east-2:123456789012:rule/example",
        "example",
        t(0),
    )
    .map_err(String::from)
}

fn vars(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn target_input_whole_constant_and_path() {
    assert_eq!(shape(&TargetInput::default()).unwrap(), ec2_event());
    let constant = json!({"fixed": [1, 2]});
    assert_eq!(
        shape(&TargetInput {
            input: Some(&constant),
            ..Default::default()
        })
        .unwrap(),
        constant
    );
    let cases = [
        ("$", Ok(ec2_event())),
        ("$.detail.state", Ok(json!("RUNNING"))),
        ("$.detail.items[0]", Ok(json!({"id": 1, "tags": ["a"]}))),
        ("$.detail.missing", Err(())),
        ("$.detail[", Err(())),
    ];
    for (p, expected) in cases {
        let got = shape(&TargetInput {
            input_path: Some(p),
            ..Default::default()
        });
        assert_eq!(got.map_err(|_| ()), expected, "{p}");
    }
    // Only one kind of input per target.
    let paths = vars(&[]);
    assert!(
        shape(&TargetInput {
            input: Some(&constant),
            input_path: Some("$"),
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        shape(&TargetInput {
            input_path: Some("$"),
            input_paths: Some(&paths),
            input_template: Some("\"x\""),
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        shape(&TargetInput {
            input_paths: Some(&paths),
            ..Default::default()
        })
        .is_err(),
        "a transformer needs a template"
    );
}

#[test]
fn input_transformer_table() {
    let paths = vars(&[
        ("timestamp", "$.time"),
        ("instance", "$.detail.instance-id"),
        ("state", "$.detail.state"),
        ("resource", "$.resources[0]"),
        ("count", "$.detail.count"),
        ("items", "$.detail.items"),
        ("ids", "$.detail.items[*].id"),
        ("missing", "$.detail.nope"),
        ("note", "$.detail.note"),
    ]);
    let cases: Vec<(&str, Value)> = vec![
        // The examples of the EventBridge input transformation documentation.
        (
            r#""instance <instance> is in <state>""#,
            json!("instance i-0123456789 is in RUNNING"),
        ),
        (
            r#"{"instance" : <instance>, "state": <state>}"#,
            json!({"instance": "i-0123456789", "state": "RUNNING"}),
        ),
        (
            r#"{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \"<instance>\" is in <state>"}"#,
            json!({"instance": "i-0123456789", "state": "RUNNING",
                   "instanceStatus": "instance \"i-0123456789\" is in RUNNING"}),
        ),
        (
            r#"{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}"#,
            json!({"instance": "i-0123456789", "state": [9, "RUNNING", true], "Transformed": "Yes"}),
        ),
        (
            r#""<aws.events.rule-name> triggered""#,
            json!("example triggered"),
        ),
        // The API reference's plain-text template: text, delivered as a JSON string.
        (
            "<instance> is in state <state>",
            json!("i-0123456789 is in state RUNNING"),
        ),
        ("<count>", json!(3)),
        ("<instance>", json!("i-0123456789")),
        // Non-string values: JSON where a value is expected, text inside strings.
        (
            r#"{"n": <count>, "s": "<count>", "items": <items>, "ids": <ids>, "r": <resource>}"#,
            json!({"n": 3, "s": "3",
                   "items": [{"id": 1, "tags": ["a"]}, {"id": 2}], "ids": [1, 2],
                   "r": "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"}),
        ),
        (r#"["<count>", "<ids>"]"#, json!(["3", "[1,2]"])),
        // JSON text inside a string is escaped: the result stays valid JSON (issue 16 item 7).
        (
            r#"["<items>"]"#,
            json!([r#"[{"id":1,"tags":["a"]},{"id":2}]"#]),
        ),
        // A path that selects nothing: null as a value, empty inside a string.
        (
            r#"{"m": <missing>, "s": "x<missing>y"}"#,
            json!({"m": null, "s": "xy"}),
        ),
        ("a<missing>b", json!("ab")),
        // Unknown placeholders stay as written.
        (r#"{"html": "<b>bold</b>"}"#, json!({"html": "<b>bold</b>"})),
        // Values are escaped inside strings: a quote in the value does not break the JSON.
        (r#"{"n": "<note>"}"#, json!({"n": "say \"hi\""})),
        // As a bare value a string is proper JSON.
        (r#"{"n": <note>}"#, json!({"n": "say \"hi\""})),
        (
            r#"{"arn": <aws.events.rule-arn>, "name": "<aws.events.rule-name>", "at": <aws.events.event.ingestion-time>}"#,
            json!({"arn": "arn:aws:events:us-east-2:123456789012:rule/example",
                   "name": "example", "at": "2026-01-01T00:00:00.123Z"}),
        ),
        (
            r#"{"t": "<timestamp>"}"#,
            json!({"t": "2015-11-11T21:29:54Z"}),
        ),
        // Escaped quotes inside template strings do not end the string.
        (r#"{"a": "\"<state>\""}"#, json!({"a": "\"RUNNING\""})),
        ("plain text", json!("plain text")),
        ("42", json!(42)),
    ];
    for (template, expected) in cases {
        // The template with an undefined `<b>` fails load-time validation; at run time it is
        // left as written.
        assert_eq!(
            validate_transformer(&paths, template).is_ok(),
            !template.contains("<b>"),
            "validation of {template}"
        );
        let got = shape(&TargetInput {
            input_paths: Some(&paths),
            input_template: Some(template),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(got, expected, "template {template}");
    }
}

#[test]
fn reserved_event_variables() {
    let paths = vars(&[]);
    let got = shape(&TargetInput {
        input_paths: Some(&paths),
        input_template: Some(r#"{"e": <aws.events.event>, "full": <aws.events.event.json>}"#),
        ..Default::default()
    })
    .unwrap();
    let mut without = ec2_event();
    without.as_object_mut().unwrap().remove("detail");
    assert_eq!(got["e"], without);
    assert_eq!(keys(&got["e"]), &keys(&ec2_event())[..8]);
    assert_eq!(got["full"], ec2_event());
    // The whole event as the only placeholder.
    let got = shape(&TargetInput {
        input_paths: Some(&paths),
        input_template: Some("<aws.events.event.json>"),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(got, ec2_event());
}

#[test]
fn transformer_validation() {
    let paths = vars(&[("a", "$.detail.a"), ("b-2", "$.detail.b[0]")]);
    let ok = [
        r#"{"a": <a>, "b": "<b-2>"}"#,
        r#""<a> and <b-2>""#,
        "<a> text",
        r#"{"rule": <aws.events.rule-arn>, "e": <aws.events.event>, "j": <aws.events.event.json>}"#,
        r#"["<aws.events.rule-name>", <aws.events.event.ingestion-time>]"#,
        " <aws.events.event.json> ",
    ];
    for tpl in ok {
        assert_eq!(validate_transformer(&paths, tpl), Ok(()), "{tpl}");
    }
    let bad_templates = [
        "",
        "   ",
        r#"{"a": <undefined>}"#,
        r#"{<a>: 1}"#,
        r#"{"<a>": 1}"#,
        r#"{"x": "<aws.events.event.json>"}"#,
        r#""<aws.events.event> happened""#,
        "<aws.events.event.json> as text",
    ];
    for tpl in bad_templates {
        assert!(
            validate_transformer(&paths, tpl).is_err(),
            "{tpl:?} should be rejected"
        );
    }
    assert!(validate_transformer(&paths, &"x".repeat(8193)).is_err());
    let bad_paths: [&[(&str, &str)]; 6] = [
        &[("a.b", "$.a")],
        &[("", "$.a")],
        &[("a b", "$.a")],
        &[("a", "$.a"), ("a", "$.b")],
        &[("a", "detail.a")],
        &[("a", "$['a']")],
    ];
    for p in bad_paths {
        assert!(
            validate_transformer(&vars(p), r#""x""#).is_err(),
            "{p:?} should be rejected"
        );
    }
    let many: Vec<(String, String)> = (0..101)
        .map(|i| (format!("v{i}"), "$.a".to_string()))
        .collect();
    assert!(validate_transformer(&many, r#""x""#).is_err());
    assert_eq!(validate_transformer(&many[..100], r#""x""#), Ok(()));
}
