//! Tests of the scenario loader (`json`, `load`), its problems and the architecture graph.
//!
//! The invalid fixtures in `tests/data/invalid/` are data-driven: each `NAME.json` has a `NAME.expected` listing
//! every expected problem line exactly (a line ending in `*` matches any message with that prefix: used where the
//! message text belongs to another module — routes, S3 event types, JSON paths — and only the position and path
//! are ours). Never-panic tests mutate a valid scenario, feed random bytes, deep nesting and huge strings.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::json::{self, Json, MAX_DEPTH, Pos};
use super::*;

// ---- helpers --------------------------------------------------------------------------------------------------------

/// The repository root (the folder holding `tests/data`), found from this source file.
fn repo_root() -> PathBuf {
    let here = PathBuf::from(file!());
    let candidates = [Path::new(env!("CARGO_MANIFEST_DIR")).join(&here), here];
    for c in candidates {
        for a in c.ancestors() {
            if a.join("tests/data/invalid").is_dir() {
                return a.to_path_buf();
            }
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data_dir(sub: &str) -> PathBuf {
    repo_root().join("tests/data").join(sub)
}

fn problems(text: &str) -> Vec<Problem> {
    match load_str(text, "t.json", None) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems().to_vec(),
    }
}

fn lines(text: &str) -> Vec<String> {
    problems(text).iter().map(ToString::to_string).collect()
}

fn load(text: &str) -> Scenario {
    match load_str(text, "t.json", None) {
        Ok(s) => s,
        Err(e) => panic!("expected a valid scenario, got:\n{e}"),
    }
}

/// 1-based character column of `needle` on 1-based line `line` of `text`.
fn col_of(text: &str, line: u32, needle: &str) -> u32 {
    let l = text.lines().nth(line as usize - 1).expect("line");
    let byte = l
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not on line {line}"));
    l[..byte].chars().count() as u32 + 1
}

/// A scenario with `resources` and `traffic` spliced in.
fn scenario(resources: &str, traffic: &str) -> String {
    format!(
        "{{\n  \"format\": \"eventflow/1\",\n  \"name\": \"t\",\n  \"resources\": {resources},\n  \"traffic\": {traffic}\n}}\n"
    )
}

fn full() -> Scenario {
    let path = data_dir("valid").join("full.json");
    match load_file(&path) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn id(s: &Scenario, name: &str) -> ResId {
    s.find(name).unwrap_or_else(|| panic!("no {name}"))
}

// ---- data-driven fixtures -------------------------------------------------------------------------------------------

#[test]
fn invalid_fixtures_report_exactly_the_expected_problems() {
    let dir = data_dir("invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/invalid")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} fixtures", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let expected_path = path.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no {}", name, expected_path.display()));
        let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        let bytes = std::fs::read(path).unwrap();
        let got: Vec<String> = match load_bytes(&bytes, &name, Some(&dir)) {
            Ok(_) => vec!["<loaded without problems>".into()],
            Err(e) => e.to_string().lines().map(str::to_string).collect(),
        };
        let matches = got.len() == expected.len()
            && got
                .iter()
                .zip(&expected)
                .all(|(g, e)| match e.strip_suffix('*') {
                    Some(prefix) => g.starts_with(prefix) && g.len() > prefix.len(),
                    None => g == e,
                });
        if !matches {
            failures.push(format!(
                "--- {name}\nexpected:\n{}\ngot:\n{}",
                expected.join("\n"),
                got.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_fixtures_load() {
    let dir = data_dir("valid");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Err(e) = load_file(&path) {
                panic!("{e}");
            }
            n += 1;
        }
    }
    assert!(n >= 2);
}

#[test]
fn example_scenarios_of_the_app_load() {
    let dir = repo_root().join("assets/scenarios");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|e| e == "json")
            && let Err(e) = load_file(&path)
        {
            panic!("{e}");
        }
    }
}

// ---- problems: format and positions ---------------------------------------------------------------------------------

#[test]
fn problem_display_is_file_line_col_path_message() {
    let p = Problem {
        file: "orders.json".into(),
        line: 14,
        col: 21,
        path: "resources.NewOrderRule.targets[0]".into(),
        message: "no resource \"ProcesOrder\" (did you mean \"ProcessOrder\"?)".into(),
    };
    assert_eq!(
        p.to_string(),
        r#"orders.json:14:21: resources.NewOrderRule.targets[0]: no resource "ProcesOrder" (did you mean "ProcessOrder"?)"#
    );
    let root = Problem {
        path: String::new(),
        message: "expected a JSON value, found end of file".into(),
        ..p.clone()
    };
    assert_eq!(
        root.to_string(),
        "orders.json:14:21: expected a JSON value, found end of file"
    );
    let e = LoadError::Invalid {
        problems: vec![p.clone(), root],
    };
    assert_eq!(e.to_string().lines().count(), 2);
    let io = LoadError::Io {
        file: "x.json".into(),
        message: "No such file or directory (os error 2)".into(),
    };
    assert_eq!(
        io.to_string(),
        "x.json: No such file or directory (os error 2)"
    );
    assert!(io.problems().is_empty());
}

#[test]
fn the_spec_example_reference_problem() {
    let text = r#"{
  "format": "eventflow/1",
  "name": "Orders",
  "resources": {
    "Bus": { "type": "event_bus" },
    "ProcessOrder": { "type": "function" },
    "NewOrderRule": { "type": "rule", "bus": "Bus", "pattern": { "source": ["shop"] },
      "targets": ["ProcesOrder"] }
  }
}"#;
    let col = col_of(text, 8, "\"ProcesOrder\"");
    assert_eq!(
        lines(text),
        vec![format!(
            r#"t.json:8:{col}: resources.NewOrderRule.targets[0]: no resource "ProcesOrder" (did you mean "ProcessOrder"?)"#
        )]
    );
}

#[test]
fn five_different_problems_are_all_reported_with_positions() {
    let text = r#"{
  "format": "eventflow/1",
  "name": "Five problems",
  "resources": {
    "Fn": { "type": "function", "memory_mb": 64 },
    "Rule": { "type": "rule", "bus": "Bux", "pattern": { "source": ["a"] }, "targets": ["Fn"] },
    "Bus": { "type": "event_bus" },
    "Q": { "type": "queue", "fifo": true, "visibilty_timeout_s": 10 }
  },
  "traffic": [ { "to": "Fn", "every_s": 0 } ],
  "layout": { "Nope": { "x": 0, "y": 0 } }
}"#;
    let got = problems(text);
    let want = [
        (
            5,
            col_of(text, 5, "64"),
            "resources.Fn.memory_mb",
            "expected an integer from 128 to 10240, found 64",
        ),
        (
            6,
            col_of(text, 6, "\"Bux\""),
            "resources.Rule.bus",
            "no resource \"Bux\" (did you mean \"Bus\"?)",
        ),
        (
            8,
            col_of(text, 8, "\"visibilty"),
            "resources.Q.visibilty_timeout_s",
            "unknown key \"visibilty_timeout_s\" (did you mean \"visibility_timeout_s\"?)",
        ),
        (
            10,
            col_of(text, 10, "0 }"),
            "traffic[0].every_s",
            "expected a number from 0.000001 to 3155760000, found 0",
        ),
        (
            11,
            col_of(text, 11, "\"Nope\""),
            "layout.Nope",
            "no resource \"Nope\"",
        ),
    ];
    assert_eq!(got.len(), 5, "{got:#?}");
    for (p, (line, col, path, msg)) in got.iter().zip(want) {
        assert_eq!(
            (p.line, p.col, p.path.as_str(), p.message.as_str()),
            (line, col, path, msg)
        );
        assert_eq!(p.file, "t.json");
    }
}

#[test]
fn problems_are_sorted_by_position_and_not_duplicated() {
    let text = scenario(
        r#"{ "B": { "type": "queue", "delay_s": -1 }, "A": { "type": "function", "timeout_s": 0, "memory_mb": 1 } }"#,
        "[]",
    );
    let got = problems(&text);
    assert_eq!(got.len(), 3);
    let mut sorted = got.clone();
    sorted.sort_by_key(|p| (p.line, p.col));
    assert_eq!(got, sorted);
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "{\n  \"format\": \"eventflow/1\", \"name\": \"ünïcödé ✓\", \"resources\": 5\n}";
    let got = problems(text);
    assert_eq!(got.len(), 1);
    let l = text.lines().nth(1).unwrap();
    assert_eq!(
        got[0].col as usize,
        l.chars().position(|c| c == '5').unwrap() + 1
    );
}

#[test]
fn keys_that_are_not_plain_names_are_quoted_in_paths() {
    let text = scenario(
        r#"{ "Fn": { "type": "function" }, "Api": { "type": "api", "routes": { "GET /a b": 5 } } }"#,
        "[]",
    );
    let got = problems(&text);
    assert_eq!(got[0].path, r#"resources.Api.routes["GET /a b"]"#);
}

// ---- format, required keys, unknown keys ----------------------------------------------------------------------------

#[test]
fn format_must_be_eventflow_1() {
    let got = lines(r#"{"format": "eventflow/0.9", "name": "x", "resources": {}}"#);
    assert_eq!(
        got,
        vec![
            r#"t.json:1:12: format: unsupported format "eventflow/0.9": this version reads "eventflow/1""#
        ]
    );
    let got = lines(r#"{"format": 1, "name": "x", "resources": {}}"#);
    assert_eq!(
        got,
        vec![r#"t.json:1:12: format: expected the string "eventflow/1", found a number"#]
    );
}

#[test]
fn unknown_keys_get_did_you_mean_hints_everywhere() {
    let text = scenario(
        r#"{ "Fn": { "type": "function", "async": { "retry_atempts": 1 }, "code": { "inlin": "x" } },
             "T": { "type": "topic", "subscriptions": [{ "target": "Fn", "raw_message_delivry": false }] } }"#,
        r#"[{ "to": "Fn", "at": 1 }]"#,
    );
    let got: Vec<String> = problems(&text)
        .into_iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    for want in [
        r#"resources.Fn.async.retry_atempts: unknown key "retry_atempts" (did you mean "retry_attempts"?)"#,
        r#"resources.Fn.code.inlin: unknown key "inlin" (did you mean "inline"?)"#,
        r#"resources.T.subscriptions[0].raw_message_delivry: unknown key "raw_message_delivry" (did you mean "raw_message_delivery"?)"#,
        r#"traffic[0].at: unknown key "at" (did you mean "at_s"?)"#,
    ] {
        assert!(got.iter().any(|g| g == want), "missing {want}\n{got:#?}");
    }
}

#[test]
fn did_you_mean_prefers_resources_of_an_allowed_type() {
    let text = scenario(
        r#"{ "Orders": { "type": "queue" }, "Order": { "type": "function" },
             "A": { "type": "api", "routes": { "GET /": "Orderz" } } }"#,
        "[]",
    );
    let got = problems(&text);
    assert_eq!(
        got[0].message,
        r#"no resource "Orderz" (did you mean "Order"?)"#
    );
}

#[test]
fn edit_distance_and_suggestions() {
    use super::load::values::{did_you_mean, distance};
    assert_eq!(distance("kitten", "sitting"), 3);
    assert_eq!(distance("ab", "ba"), 1);
    assert_eq!(distance("Memory_MB", "memory_mb"), 0);
    assert_eq!(
        did_you_mean("fuction", ["function", "api"]),
        Some("function")
    );
    assert_eq!(
        did_you_mean("timeout", ["timeout_s", "memory_mb"]),
        Some("timeout_s")
    );
    assert_eq!(did_you_mean("x", ["y", "z"]), None);
    assert_eq!(did_you_mean("completely", ["different"]), None);
}

// ---- defaults, values, order ----------------------------------------------------------------------------------------

#[test]
fn defaults_are_applied() {
    let s = load(&scenario(
        r#"{ "Fn": { "type": "function" }, "Q": { "type": "queue" }, "Api": { "type": "api", "routes": { "GET /": "Fn" } },
             "Bus": { "type": "event_bus" },
             "R": { "type": "rule", "bus": "Bus", "pattern": { "source": ["x"] }, "targets": ["Fn"] },
             "T": { "type": "table", "partition_key": "pk", "stream": "KEYS_ONLY" },
             "TT": { "type": "trigger", "source": "T", "function": "Fn" },
             "QT": { "type": "trigger", "source": "Q", "function": "Fn" },
             "Top": { "type": "topic", "subscriptions": [{ "target": "Fn" }] },
             "B": { "type": "bucket", "notifications": [{ "events": ["s3:ObjectCreated:*"], "target": "Fn" }] },
             "SM": { "type": "state_machine", "definition": { "StartAt": "A", "States": { "A": { "Type": "Pass", "End": true } } } } }"#,
        r#"[{ "to": "Fn", "every_s": 1 }, { "to": "Fn", "at_s": 1 }]"#,
    ));
    assert_eq!(s.description, None);
    let st = &s.settings;
    assert_eq!(st.seed, 1);
    assert_eq!(st.until_s, 60.0);
    assert_eq!(st.start_time.to_rfc3339(), "2026-01-01T00:00:00+00:00");
    assert_eq!(st.region, "us-east-1");
    assert_eq!(st.account_id, "123456789012");
    assert_eq!(
        st.hop_latency_ms,
        Dist::Uniform {
            min: 5.0,
            max: 25.0
        }
    );
    assert_eq!(st.account_concurrency, 1000);
    let ResourceKind::Function(f) = &s.resource(id(&s, "Fn")).kind else {
        panic!()
    };
    assert_eq!(
        (f.memory_mb, f.timeout_s, f.reserved_concurrency),
        (128, 3, None)
    );
    assert_eq!(f.duration_ms, Dist::Fixed(10.0));
    assert_eq!(
        f.cold_start_ms,
        Dist::LogNormal {
            p50: 180.0,
            p99: 600.0
        }
    );
    assert_eq!((f.idle_timeout_s, f.error_rate), (600.0, 0.0));
    assert_eq!(f.code, None);
    assert!(f.environment.is_empty());
    assert_eq!(
        f.async_config,
        AsyncConfig {
            retry_attempts: 2,
            max_event_age_s: 21_600,
            on_success: None,
            on_failure: None
        }
    );
    assert_eq!(f.dead_letter, None);
    assert_eq!(s.resource(id(&s, "Fn")).delivery_latency_ms, None);
    let ResourceKind::Queue(q) = &s.resource(id(&s, "Q")).kind else {
        panic!()
    };
    assert_eq!(
        q,
        &Queue {
            fifo: false,
            content_based_deduplication: false,
            visibility_timeout_s: 30,
            delay_s: 0,
            retention_s: 345_600,
            dead_letter: None
        }
    );
    let ResourceKind::Api(api) = &s.resource(id(&s, "Api")).kind else {
        panic!()
    };
    assert_eq!((api.protocol, api.timeout_ms), (ApiProtocol::Http, 29_000));
    let ResourceKind::Rule(r) = &s.resource(id(&s, "R")).kind else {
        panic!()
    };
    assert!(r.enabled);
    assert_eq!(
        r.retry,
        RetryPolicy {
            maximum_retry_attempts: 185,
            maximum_event_age_s: 86_400
        }
    );
    assert_eq!(r.dead_letter, None);
    assert_eq!(r.pattern_json, json!({ "source": ["x"] }));
    let t = &r.targets[0];
    assert!(
        t.input.is_none()
            && t.input_path.is_none()
            && t.input_transformer.is_none()
            && t.message_group_id.is_none()
    );
    let ResourceKind::Trigger(tt) = &s.resource(id(&s, "TT")).kind else {
        panic!()
    };
    assert_eq!(tt.batch_size, 100);
    assert_eq!(tt.starting_position, StartingPosition::Latest);
    assert_eq!(tt.maximum_retry_attempts, -1);
    assert!(tt.enabled && !tt.bisect_batch_on_function_error && !tt.report_batch_item_failures);
    assert!(
        tt.filter_criteria.is_empty()
            && tt.maximum_concurrency.is_none()
            && tt.on_failure.is_none()
    );
    let ResourceKind::Trigger(qt) = &s.resource(id(&s, "QT")).kind else {
        panic!()
    };
    assert_eq!((qt.batch_size, qt.maximum_batching_window_s), (10, 0));
    let ResourceKind::Topic(top) = &s.resource(id(&s, "Top")).kind else {
        panic!()
    };
    assert!(!top.fifo);
    let sub = &top.subscriptions[0];
    assert!(sub.filter_policy.is_none() && !sub.raw_message_delivery);
    assert_eq!(
        sub.filter_policy_scope,
        FilterPolicyScope::MessageAttributes
    );
    let ResourceKind::Bucket(b) = &s.resource(id(&s, "B")).kind else {
        panic!()
    };
    assert!(!b.event_bridge);
    assert_eq!(
        (
            b.notifications[0].prefix.as_str(),
            b.notifications[0].suffix.as_str()
        ),
        ("", "")
    );
    let ResourceKind::StateMachine(sm) = &s.resource(id(&s, "SM")).kind else {
        panic!()
    };
    assert_eq!(sm.workflow_type, WorkflowType::Standard);
    assert_eq!(
        s.traffic[0].timing,
        Timing::Every {
            every_s: 1.0,
            start_s: 0.0,
            count: None,
            until_s: None
        }
    );
    assert_eq!(s.traffic[0].name, "traffic1");
    assert_eq!(s.traffic[1].name, "traffic2");
    assert_eq!(
        s.traffic[0].payload,
        Payload::Invoke {
            payload: json!({}),
            sync: false
        }
    );
    assert!(!s.traffic[0].has_placeholders);
    assert!(s.layout.is_empty());
    assert!(s.file.is_none());
}

#[test]
fn full_scenario_values() {
    let s = full();
    assert!(s.file.as_ref().is_some_and(|f| f.ends_with("full.json")));
    assert_eq!(s.name, "Every resource type");
    let st = &s.settings;
    assert_eq!(st.seed, 42);
    assert_eq!(st.start_time.to_rfc3339(), "2026-03-01T11:00:00+00:00");
    assert_eq!(
        (
            st.region.as_str(),
            st.account_id.as_str(),
            st.account_concurrency
        ),
        ("eu-west-1", "111122223333", 50)
    );
    assert_eq!(
        st.hop_latency_ms,
        Dist::Normal {
            mean: 10.0,
            stddev: 2.0
        }
    );

    let ResourceKind::Function(f) = &s.resource(id(&s, "CreateOrder")).kind else {
        panic!()
    };
    assert_eq!(
        (f.memory_mb, f.timeout_s, f.reserved_concurrency),
        (512, 10, Some(5))
    );
    assert_eq!(
        f.duration_ms,
        Dist::Uniform {
            min: 20.0,
            max: 80.0
        }
    );
    let Some(Code::Script { path, resolved }) = &f.code else {
        panic!("{:?}", f.code)
    };
    assert_eq!(path, "scripts/handler.rhai");
    assert!(resolved.is_file());
    // Compiled at load time, labelled with its path as seen from the scenario file.
    let h = f.handler.as_ref().expect("the script is compiled");
    assert!(
        h.label().ends_with("tests/data/valid/scripts/handler.rhai"),
        "{}",
        h.label()
    );
    assert!(h.source().contains("fn handler(event, context)"));
    assert_eq!(
        f.environment,
        vec![
            ("TABLE".into(), "Orders".into()),
            ("STAGE".into(), "dev".into())
        ]
    );
    assert_eq!(f.async_config.retry_attempts, 1);
    assert_eq!(f.async_config.on_success, Some(id(&s, "Audit")));
    assert_eq!(f.async_config.on_failure, Some(id(&s, "Failures")));
    assert_eq!(f.dead_letter, Some(id(&s, "FailedEvents")));
    let ResourceKind::Function(g) = &s.resource(id(&s, "GetOrder")).kind else {
        panic!()
    };
    assert_eq!(g.code, Some(Code::Inline("fn handler(e, c) { e }".into())));
    let h = g.handler.as_ref().expect("inline code is compiled");
    assert_eq!(
        (h.label(), h.source()),
        ("<inline>", "fn handler(e, c) { e }")
    );

    let ResourceKind::Api(api) = &s.resource(id(&s, "OrdersApi")).kind else {
        panic!()
    };
    assert_eq!(api.protocol, ApiProtocol::Rest);
    let keys: Vec<&str> = api.routes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["POST /orders", "GET /orders/{id}", "$default"]);

    let ResourceKind::Rule(r) = &s.resource(id(&s, "NewOrderRule")).kind else {
        panic!()
    };
    assert_eq!(r.targets.len(), 4);
    assert_eq!(r.targets[1].input_path.as_deref(), Some("$.detail"));
    assert_eq!(r.targets[2].input, Some(json!({ "fixed": true })));
    assert_eq!(r.targets[3].message_group_id.as_deref(), Some("orders"));
    assert_eq!(r.dead_letter, Some(id(&s, "FailedEvents")));

    let ResourceKind::Schedule(sch) = &s.resource(id(&s, "Nightly")).kind else {
        panic!()
    };
    assert_eq!(sch.expression_text, "cron(0 2 * * ? *)");
    assert_eq!(sch.input, Some(json!({ "job": "nightly" })));

    let ResourceKind::Queue(q) = &s.resource(id(&s, "Ordered")).kind else {
        panic!()
    };
    assert!(q.fifo && q.content_based_deduplication);
    assert_eq!(
        q.dead_letter,
        Some(Redrive {
            target: id(&s, "OrderedDlq"),
            max_receive_count: 5
        })
    );

    let ResourceKind::Topic(t) = &s.resource(id(&s, "Notices")).kind else {
        panic!()
    };
    assert_eq!(
        t.subscriptions[1].filter_policy_scope,
        FilterPolicyScope::MessageBody
    );
    assert!(t.subscriptions[1].raw_message_delivery);
    assert!(
        t.subscriptions[0]
            .filter_policy
            .as_ref()
            .is_some_and(|(v, _)| v == &json!({ "kind": ["order"] }))
    );

    let ResourceKind::Table(tab) = &s.resource(id(&s, "Orders")).kind else {
        panic!()
    };
    assert_eq!(tab.stream, Some(StreamViewType::NewAndOldImages));
    assert_eq!(tab.sort_key.as_deref(), Some("at"));
    assert_eq!(
        tab.items,
        vec![json!({ "id": "o-1", "at": 1, "total": 12.5 })]
    );

    let ResourceKind::Trigger(qt) = &s.resource(id(&s, "QueueTrigger")).kind else {
        panic!()
    };
    assert_eq!(
        (
            qt.batch_size,
            qt.maximum_batching_window_s,
            qt.maximum_concurrency
        ),
        (100, 2, Some(5))
    );
    assert_eq!(qt.filter_criteria.len(), 1);
    let ResourceKind::Trigger(st) = &s.resource(id(&s, "StreamTrigger")).kind else {
        panic!()
    };
    assert_eq!(st.starting_position, StartingPosition::TrimHorizon);
    assert_eq!(
        (st.maximum_retry_attempts, st.on_failure, st.enabled),
        (3, Some(id(&s, "FailedEvents")), false)
    );

    let ResourceKind::StateMachine(sm) = &s.resource(id(&s, "OrderFlow")).kind else {
        panic!()
    };
    assert_eq!(sm.workflow_type, WorkflowType::Express);

    // Traffic.
    let t = &s.traffic;
    assert_eq!(t.len(), 11);
    assert_eq!(t[0].name, "browsers");
    assert_eq!(t[1].name, "traffic2");
    assert!(t[0].has_placeholders && t[1].has_placeholders && !t[3].has_placeholders);
    assert_eq!(
        t[1].timing,
        Timing::Poisson {
            per_s: 2.0,
            start_s: 1.0,
            count: None,
            until_s: Some(30.0)
        }
    );
    assert_eq!(t[2].timing, Timing::At(vec![1.0, 2.0, 3.0]));
    assert_eq!(t[3].timing, Timing::At(vec![9.0]));
    assert!(matches!(&t[0].payload, Payload::Request(v) if v["body"]["qty"] == "{{rand_int:1:5}}"));
    assert!(matches!(&t[1].payload, Payload::Event(v) if v["detail-type"] == "OrderPlaced"));
    assert!(matches!(&t[3].payload, Payload::Object(v) if v["delete"] == true));
    assert!(matches!(&t[5].payload, Payload::Message(v) if v["group_id"] == "g1"));
    assert_eq!(
        t[7].payload,
        Payload::Invoke {
            payload: json!({ "at": "{{time}}" }),
            sync: true
        }
    );
    assert_eq!(
        t[8].payload,
        Payload::TablePut(json!({ "id": "o-2", "at": 2 }))
    );
    assert_eq!(
        t[9].payload,
        Payload::TableDelete(json!({ "id": "o-1", "at": 1 }))
    );
    assert_eq!(t[10].payload, Payload::Input(json!({ "id": "o-1" })));

    assert_eq!(
        s.layout,
        vec![
            LayoutEntry {
                id: "OrdersApi".into(),
                x: 0.0,
                y: 0.0
            },
            LayoutEntry {
                id: "CreateOrder".into(),
                x: 200.5,
                y: -40.0
            },
            LayoutEntry {
                id: "traffic:browsers".into(),
                x: -200.0,
                y: 0.0
            },
        ]
    );
}

#[test]
fn object_order_is_kept() {
    let s = load(&scenario(
        r#"{ "Zeta": { "type": "queue" }, "Alpha": { "type": "function", "environment": { "Z": "1", "A": "2", "M": "3" } },
             "Mid": { "type": "event_bus" } }"#,
        "[]",
    ));
    let ids: Vec<&str> = s.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["Zeta", "Alpha", "Mid"]);
    let doc_ids: Vec<&str> = s.document["resources"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(doc_ids, ["Zeta", "Alpha", "Mid"]);
    let top: Vec<&str> = s
        .document
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["format", "name", "resources", "traffic"]);
    let ResourceKind::Function(f) = &s.resource(id(&s, "Alpha")).kind else {
        panic!()
    };
    let env: Vec<&str> = f.environment.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(env, ["Z", "A", "M"]);
    assert_eq!(s.id(ResId(2)), "Mid");
    assert_eq!(s.ids().count(), 3);
}

#[test]
fn document_is_the_whole_file() {
    let path = data_dir("valid").join("full.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let s = full();
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(s.document, expected);
}

#[test]
fn null_means_not_set_for_optional_keys() {
    let s = load(&scenario(
        r#"{ "Fn": { "type": "function", "reserved_concurrency": null, "async": { "on_success": null, "on_failure": null } } }"#,
        "[]",
    ));
    let ResourceKind::Function(f) = &s.resources[0].kind else {
        panic!()
    };
    assert_eq!(f.reserved_concurrency, None);
    assert_eq!(f.async_config.on_success, None);
}

#[test]
fn whole_floats_are_integers_but_fractions_are_not() {
    let s = load(&scenario(
        r#"{ "Fn": { "type": "function", "memory_mb": 256.0 } }"#,
        "[]",
    ));
    let ResourceKind::Function(f) = &s.resources[0].kind else {
        panic!()
    };
    assert_eq!(f.memory_mb, 256);
    let got = problems(&scenario(
        r#"{ "Fn": { "type": "function", "memory_mb": 256.5 } }"#,
        "[]",
    ));
    assert_eq!(
        got[0].message,
        "expected an integer from 128 to 10240, found 256.5"
    );
}

#[test]
fn settings_seed_takes_the_whole_u64_range() {
    let text = r#"{"format": "eventflow/1", "name": "x", "resources": {}, "settings": {"seed": 18446744073709551615}}"#;
    assert_eq!(load(text).settings.seed, u64::MAX);
}

#[test]
fn distributions_in_all_forms() {
    let s = load(&scenario(
        r#"{ "A": { "type": "function", "duration_ms": 40 },
             "B": { "type": "function", "duration_ms": { "dist": "fixed", "value": 40 } },
             "C": { "type": "function", "duration_ms": { "dist": "uniform", "min": 10, "max": 50 } },
             "D": { "type": "function", "duration_ms": { "dist": "exponential", "mean": 100 } },
             "E": { "type": "function", "duration_ms": { "dist": "normal", "mean": 100, "stddev": 20 } },
             "F": { "type": "function", "duration_ms": { "dist": "lognormal", "p50": 40, "p99": 400 } } }"#,
        "[]",
    ));
    let d: Vec<Dist> = s
        .resources
        .iter()
        .map(|r| match &r.kind {
            ResourceKind::Function(f) => f.duration_ms.clone(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        d,
        vec![
            Dist::Fixed(40.0),
            Dist::Fixed(40.0),
            Dist::Uniform {
                min: 10.0,
                max: 50.0
            },
            Dist::Exponential { mean: 100.0 },
            Dist::Normal {
                mean: 100.0,
                stddev: 20.0
            },
            Dist::LogNormal {
                p50: 40.0,
                p99: 400.0
            },
        ]
    );
}

// ---- delegated checks: schedules, patterns, filter policies ---------------------------------------------------------

#[test]
fn schedule_expression_errors_point_inside_the_string() {
    let text = scenario(
        r#"{ "Fn": { "type": "function" },
  "S": { "type": "schedule", "expression": "rate(5 minuts)", "targets": ["Fn"] } }"#,
        "[]",
    );
    let got = problems(&text);
    assert_eq!(got.len(), 1, "{got:#?}");
    let quote_col = col_of(&text, 5, "\"rate(");
    // The unit starts at offset 7 of the expression.
    assert_eq!((got[0].line, got[0].col), (5, quote_col + 1 + 7));
    assert_eq!(got[0].path, "resources.S.expression");
    assert!(!got[0].message.is_empty());
}

#[test]
fn schedule_targets_follow_rule_target_rules() {
    let got = problems(&scenario(
        r#"{ "T": { "type": "table", "partition_key": "k" },
             "S": { "type": "schedule", "expression": "rate(1 minute)", "targets": ["T"] } }"#,
        "[]",
    ));
    assert_eq!(
        got[0].message,
        r#""T" is a table, but a schedule target must be a function, queue, topic, event_bus or state_machine"#
    );
    let got = problems(&scenario(
        r#"{ "S": { "type": "schedule", "expression": "rate(1 minute)" } }"#,
        "[]",
    ));
    assert_eq!(got[0].message, r#"missing required key "targets""#);
}

#[test]
fn pattern_errors_point_at_the_offending_value() {
    let text = scenario(
        r#"{ "Fn": { "type": "function" }, "Bus": { "type": "event_bus" },
  "R": { "type": "rule", "bus": "Bus", "targets": ["Fn"],
    "pattern": { "detail": { "status": "x" } } } }"#,
        "[]",
    );
    let got = problems(&text);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].path, "resources.R.pattern.detail.status");
    assert_eq!((got[0].line, got[0].col), (6, col_of(&text, 6, "\"x\"")));
}

#[test]
fn filter_criteria_patterns_are_checked() {
    let text = scenario(
        r#"{ "Fn": { "type": "function" }, "Q": { "type": "queue" },
  "T": { "type": "trigger", "source": "Q", "function": "Fn",
    "filter_criteria": [{ "body": { "a": ["ok"] } }, { "body": { "b": 5 } }, "x"] } }"#,
        "[]",
    );
    let got = problems(&text);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].path, "resources.T.filter_criteria[1].body.b");
    assert_eq!((got[0].line, got[0].col), (6, col_of(&text, 6, "5 }")));
    assert_eq!(
        got[1].message,
        "expected an object (an event pattern), found a string"
    );
}

#[test]
fn filter_policies_use_the_sns_dialect_of_their_scope() {
    // A nested policy is fine on the message body but not on (flat) message attributes.
    let body = scenario(
        r#"{ "Fn": { "type": "function" }, "T": { "type": "topic", "subscriptions": [
              { "target": "Fn", "filter_policy_scope": "MessageBody", "filter_policy": { "order": { "kind": ["a"] } } }] } }"#,
        "[]",
    );
    load(&body);
    let attrs = body.replace("\"MessageBody\"", "\"MessageAttributes\"");
    let got = problems(&attrs);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]
            .path
            .starts_with("resources.T.subscriptions[0].filter_policy"),
        "{}",
        got[0].path
    );
}

// ---- references and AWS rules ---------------------------------------------------------------------------------------

#[test]
fn a_cycle_is_allowed() {
    // Rule targets its own bus: AWS detects the loop at run time, so does the simulator.
    load(&scenario(
        r#"{ "Bus": { "type": "event_bus" },
             "R": { "type": "rule", "bus": "Bus", "pattern": { "source": ["a"] }, "targets": ["Bus"] } }"#,
        "[]",
    ));
}

#[test]
fn fifo_constraints_that_are_valid() {
    let s = load(&scenario(
        r#"{ "F": { "type": "queue", "fifo": true, "content_based_deduplication": true },
             "G": { "type": "queue", "fifo": true },
             "FT": { "type": "topic", "fifo": true, "subscriptions": [{ "target": "F" }] },
             "Fn": { "type": "function" },
             "T": { "type": "trigger", "source": "F", "function": "Fn", "batch_size": 10 } }"#,
        r#"[{ "to": "F", "at_s": 1, "message": { "body": "x", "group_id": "g" } },
            { "to": "G", "at_s": 1, "message": { "body": "x", "group_id": "g", "deduplication_id": "{{uuid}}" } },
            { "to": "FT", "at_s": 1, "message": { "body": "x", "group_id": "g" } }]"#,
    ));
    assert!(s.traffic[1].has_placeholders);
}

#[test]
fn queue_trigger_batching_rules() {
    let ok = scenario(
        r#"{ "Fn": { "type": "function" }, "Q": { "type": "queue" },
             "T": { "type": "trigger", "source": "Q", "function": "Fn", "batch_size": 10000, "maximum_batching_window_s": 1 } }"#,
        "[]",
    );
    load(&ok);
    let bad = ok.replace(
        "\"maximum_batching_window_s\": 1",
        "\"maximum_batching_window_s\": 0",
    );
    let got = problems(&bad);
    assert_eq!(got.len(), 1);
    assert!(
        got[0]
            .message
            .starts_with("a batch_size above 10 needs maximum_batching_window_s of at least 1")
    );
}

#[test]
fn express_workflows_refuse_callback_and_sync_tasks_by_name() {
    let machine = |workflow: &str| {
        scenario(
            &format!(
                r#"{{ "SM": {{ "type": "state_machine", "workflow_type": "{workflow}", "definition": {{ "StartAt": "Ask", "States": {{
                 "Ask": {{ "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                          "Parameters": {{ "QueueUrl": "Q", "MessageBody.$": "$$.Task.Token" }}, "Next": "Jobs" }},
                 "Jobs": {{ "Type": "Parallel", "Branches": [ {{ "StartAt": "Run", "States": {{
                          "Run": {{ "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": true }} }} }} ], "End": true }}
               }} }} }},
               "Q": {{ "type": "queue" }} }}"#
            ),
            "[]",
        )
    };
    let found = lines(&machine("EXPRESS"));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].contains("resources.SM.definition.States.Ask:")
            && found[0].contains(".waitForTaskToken")
            && found[0].contains("Choosing workflow type"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("resources.SM.definition.States.Jobs.Branches[0].States.Run:")
            && found[1].contains("runTask.sync"),
        "{found:#?}"
    );
    // The same definition is a valid Standard workflow.
    assert!(problems(&machine("STANDARD")).is_empty());
}

// ---- traffic --------------------------------------------------------------------------------------------------------

#[test]
fn traffic_payload_by_target_type() {
    let s = load(&scenario(
        r#"{ "Api": { "type": "api", "routes": { "$default": "Fn" } }, "Fn": { "type": "function" },
             "SM": { "type": "state_machine", "definition": { "StartAt": "A", "States": { "A": { "Type": "Succeed" } } } } }"#,
        r#"[{ "to": "Api", "at_s": 0, "request": { "method": "GET", "path": "/x", "query": { "a": "1", "b": ["2", "3"] }, "body": "text" } },
            { "to": "Fn", "at_s": 0 },
            { "to": "SM", "at_s": 0 }]"#,
    ));
    assert!(matches!(&s.traffic[0].payload, Payload::Request(v) if v["body"] == "text"));
    assert_eq!(
        s.traffic[1].payload,
        Payload::Invoke {
            payload: json!({}),
            sync: false
        }
    );
    assert_eq!(s.traffic[2].payload, Payload::Input(json!({})));
}

#[test]
fn placeholders_are_detected_and_checked() {
    let s = load(&scenario(
        r#"{ "Q": { "type": "queue" } }"#,
        r#"[{ "to": "Q", "at_s": 0, "message": { "body": "{{seq}}-{{uuid}}-{{time}}-{{rand_int:-5:5}}" } },
            { "to": "Q", "at_s": 0, "message": { "body": "plain {{ not closed" } },
            { "to": "Q", "at_s": 0, "message": { "body": { "n": "{{rand_int:3:3}}" } } }]"#,
    ));
    assert!(s.traffic[0].has_placeholders);
    assert!(!s.traffic[1].has_placeholders);
    assert!(s.traffic[2].has_placeholders);
}

#[test]
fn traffic_to_a_trigger_or_schedule_is_refused_with_a_hint() {
    let got = problems(&scenario(
        r#"{ "Fn": { "type": "function" }, "Q": { "type": "queue" },
             "T": { "type": "trigger", "source": "Q", "function": "Fn" },
             "S": { "type": "schedule", "expression": "rate(1 minute)", "targets": ["Fn"] } }"#,
        r#"[{ "to": "T", "at_s": 0 }, { "to": "S", "at_s": 0 }]"#,
    ));
    assert_eq!(got.len(), 2);
    assert!(
        got[0]
            .message
            .contains("send the traffic to its queue or table")
    );
    assert!(got[1].message.contains("it takes no traffic"));
}

#[test]
fn explicit_names_may_not_collide_with_default_names() {
    let got = problems(&scenario(
        r#"{ "Fn": { "type": "function" } }"#,
        r#"[{ "to": "Fn", "at_s": 0, "name": "traffic2" }, { "to": "Fn", "at_s": 0 }]"#,
    ));
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].message,
        r#"duplicate traffic name "traffic2" (traffic[0] has it too)"#
    );
}

// ---- I/O ------------------------------------------------------------------------------------------------------------

#[test]
fn missing_file_is_an_io_error() {
    let path = data_dir("valid").join("does-not-exist.json");
    match load_file(&path) {
        Err(LoadError::Io { file, message }) => {
            assert!(file.ends_with("does-not-exist.json"));
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        load_file(&data_dir("valid")),
        Err(LoadError::Io { .. })
    ));
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let mut bytes = b"{\n  \"format\": \"eventflow/1\",\n  \"name\": \"ab".to_vec();
    bytes.push(0xFF);
    bytes.extend_from_slice(b"\",\n  \"resources\": {}\n}");
    let Err(e) = load_bytes(&bytes, "bin.json", None) else {
        panic!()
    };
    let p = &e.problems()[0];
    assert_eq!((p.line, p.col), (3, 14));
    assert!(
        p.message.starts_with("invalid UTF-8 (byte 0xFF)"),
        "{}",
        p.message
    );
}

#[test]
fn inline_code_is_compiled_and_its_errors_point_into_the_scenario() {
    let text = scenario(
        r#"{ "Fn": { "type": "function", "code": { "inline": "fn handler(e, c) {\n  e +\n}" } } }"#,
        "[]",
    );
    let col = col_of(&text, 4, "\"fn handler");
    assert_eq!(
        lines(&text),
        vec![format!(
            "t.json:4:{col}: resources.Fn.code.inline: inline code line 3, column 1: Unexpected '}}'"
        )]
    );
    let s = load(&scenario(
        r#"{ "Fn": { "type": "function", "code": { "inline": "fn handler(e, c) { e }" } } }"#,
        "[]",
    ));
    let ResourceKind::Function(f) = &s.resources[0].kind else {
        panic!()
    };
    assert!(f.handler.is_some());
}

#[test]
fn script_paths_are_not_checked_on_disk_without_a_base_dir() {
    let s = load(&scenario(
        r#"{ "Fn": { "type": "function", "code": { "script": "nowhere/x.rhai" } } }"#,
        "[]",
    ));
    let ResourceKind::Function(f) = &s.resources[0].kind else {
        panic!()
    };
    assert_eq!(
        f.code,
        Some(Code::Script {
            path: "nowhere/x.rhai".into(),
            resolved: PathBuf::from("nowhere/x.rhai")
        })
    );
    // Nor read and compiled.
    assert!(f.handler.is_none());
}

// ---- the JSON parser ------------------------------------------------------------------------------------------------

fn parse_err(text: &str) -> json::JsonError {
    match json::parse(text) {
        Err(e) => e,
        Ok(v) => panic!("parsed: {v:?}"),
    }
}

#[test]
fn json_positions_of_values_and_keys() {
    let text = "{\n  \"a\": [1, {\"b\": true}],\n\t\"ç\": \"x\"\n}";
    let root = json::parse(text).unwrap();
    assert_eq!(root.pos, Pos { line: 1, col: 1 });
    let m = root.as_object().unwrap();
    assert_eq!(m[0].key_pos, Pos { line: 2, col: 3 });
    assert_eq!(m[0].value.pos, Pos { line: 2, col: 8 });
    let arr = m[0].value.as_array().unwrap();
    assert_eq!(arr[1].pos, Pos { line: 2, col: 12 });
    assert_eq!(
        arr[1].as_object().unwrap()[0].value.pos,
        Pos { line: 2, col: 18 }
    );
    assert_eq!(m[1].key_pos, Pos { line: 3, col: 2 });
    assert_eq!(m[1].value.pos, Pos { line: 3, col: 7 });
    assert_eq!(m[1].key, "ç");
}

#[test]
fn json_to_value_matches_serde_json() {
    let text = r#"{"z": 1, "a": [true, false, null, -0, 0, -1, 1.5, 1e3, 18446744073709551615, -9223372036854775808,
        18446744073709551616, 1E-7, "\u00e9\ud83d\ude00\n\t\"\\\/"], "m": {"y": {}, "b": []}}"#;
    let ours = json::parse(text).unwrap().to_value();
    let theirs: Value = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(
        serde_json::to_string(&ours).unwrap(),
        serde_json::to_string(&theirs).unwrap()
    );
    let keys: Vec<&String> = ours.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["z", "a", "m"]);
    let n = json::parse("18446744073709551615").unwrap();
    assert_eq!(
        n.as_number().and_then(serde_json::Number::as_u64),
        Some(u64::MAX)
    );
    let n = json::parse("-5").unwrap();
    assert_eq!(n.as_number().and_then(serde_json::Number::as_i64), Some(-5));
}

#[test]
fn json_syntax_errors_say_what_was_expected() {
    let cases: [(&str, (u32, u32), &str); 16] = [
        ("", (1, 1), "expected a JSON value, found end of file"),
        (
            "{\"a\": 1 \"b\": 2}",
            (1, 9),
            "expected ',' or '}' after object member, found '\"'",
        ),
        (
            "[1 2]",
            (1, 4),
            "expected ',' or ']' after array element, found '2'",
        ),
        (
            "{\"a\" 1}",
            (1, 6),
            "expected ':' after object key, found '1'",
        ),
        (
            "{a: 1}",
            (1, 2),
            "expected a string key in double quotes, found 'a'",
        ),
        (
            "[1,]",
            (1, 4),
            "expected a value after ',', found ']' (trailing commas are not allowed)",
        ),
        (
            "{\"a\": 1, \"a\": 2}",
            (1, 10),
            "duplicate key \"a\" (first at line 1, column 2)",
        ),
        (
            "{} x",
            (1, 4),
            "expected end of file after the JSON value, found 'x'",
        ),
        (
            "\"abc",
            (1, 1),
            "string not closed: found end of file before the closing '\"'",
        ),
        (
            "\"a\nb\"",
            (1, 3),
            "string not closed before the end of the line (a line break inside a string must be written \\n)",
        ),
        (
            "\"\\x\"",
            (1, 2),
            "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX after '\\', found 'x'",
        ),
        ("\"\\ud800\"", (1, 2), "lone surrogate \\uD800 in a string"),
        (
            "01",
            (1, 1),
            "invalid number: leading zeros are not allowed",
        ),
        ("1e999", (1, 1), "number 1e999 is out of range"),
        (
            "-",
            (1, 2),
            "invalid number: expected a digit after '-', found end of file",
        ),
        (
            "nul",
            (1, 1),
            "expected a JSON value, found `nul` (strings need double quotes; the literals are true, false and null)",
        ),
    ];
    for (text, (line, col), msg) in cases {
        let e = parse_err(text);
        assert_eq!(
            (e.pos.line, e.pos.col, e.message.as_str()),
            (line, col, msg),
            "{text:?}"
        );
    }
    let e = parse_err("[\"a\u{1}\"]");
    assert!(
        e.message.starts_with("control character U+0001"),
        "{}",
        e.message
    );
    let e = parse_err("\0");
    assert!(e.message.contains("NUL"), "{}", e.message);
}

#[test]
fn json_accepts_a_byte_order_mark_and_crlf() {
    let root = json::parse("\u{feff}{\r\n\"a\": 1\r\n}").unwrap();
    assert_eq!(
        root.as_object().unwrap()[0].key_pos,
        Pos { line: 2, col: 1 }
    );
}

#[test]
fn json_nesting_is_limited() {
    let ok = "[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH).as_str();
    assert!(json::parse(&ok).is_ok());
    let deep = "[".repeat(MAX_DEPTH + 1) + "]".repeat(MAX_DEPTH + 1).as_str();
    let e = parse_err(&deep);
    assert_eq!(e.message, "nested deeper than 128 levels");
    assert_eq!(e.pos, Pos { line: 1, col: 129 });
}

#[test]
fn json_large_objects_detect_duplicates() {
    let mut text = String::from("{");
    for i in 0..1000 {
        text.push_str(&format!("\"k{i}\": {i},"));
    }
    text.push_str("\"k500\": 0}");
    let e = parse_err(&text);
    assert!(
        e.message.starts_with("duplicate key \"k500\""),
        "{}",
        e.message
    );
}

#[test]
fn json_parses_five_megabytes() {
    let mut text = String::from(
        r#"{"format": "eventflow/1", "name": "big", "resources": {"T": {"type": "table", "partition_key": "id", "items": ["#,
    );
    let mut i = 0;
    while text.len() < 5_000_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "\n  {{\"id\": \"item-{i}\", \"n\": {i}, \"price\": {}.25, \"tags\": [\"a\", \"b\\u00e9\"], \"ok\": true, \"note\": null}}",
            i % 1000
        ));
        i += 1;
    }
    text.push_str("]}}}");
    let root = json::parse(&text).unwrap();
    let s = load(&text);
    let ResourceKind::Table(t) = &s.resources[0].kind else {
        panic!()
    };
    assert_eq!(t.items.len(), i);
    assert!(root.get("resources").is_some());
}

// ---- never panic ----------------------------------------------------------------------------------------------------

/// splitmix64: a small deterministic generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Loads arbitrary bytes; checks the invariants of the outcome.
fn check_no_panic(bytes: &[u8]) {
    match load_bytes(bytes, "fuzz.json", None) {
        Ok(s) => {
            let g = ArchGraph::new(&s);
            for e in g.graph.edge_indices() {
                let _ = g.graph[e].label();
            }
        }
        Err(LoadError::Invalid { problems }) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(p.line >= 1 && p.col >= 1, "{p}");
                assert!(!p.message.is_empty());
            }
        }
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn never_panics_on_20000_mutations_of_a_valid_scenario() {
    let base = std::fs::read(data_dir("valid").join("full.json")).unwrap();
    let snippets: [&[u8]; 18] = [
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b",",
        b":",
        b"null",
        b"1e999",
        b"-",
        b"\\u",
        b"\\",
        b"0",
        b"-1",
        b"{{",
        b"}}",
        b"\"fifo\": true, ",
        b"\xff",
    ];
    let mut rng = Rng(0x5EED);
    let mut loaded = 0;
    for _ in 0..20_000 {
        let mut b = base.clone();
        for _ in 0..1 + rng.below(3) {
            let len = b.len();
            match rng.below(8) {
                0 => {
                    let i = rng.below(len);
                    b[i] = rng.next() as u8;
                }
                1 => b.truncate(rng.below(len)),
                2 => {
                    let s = snippets[rng.below(snippets.len())];
                    let at = rng.below(len + 1);
                    b.splice(at..at, s.iter().copied());
                }
                3 => {
                    let at = rng.below(len);
                    let end = (at + rng.below(40)).min(len);
                    b.drain(at..end);
                }
                4 => {
                    // Letter substitution: usually keeps the JSON valid, exercising the validator.
                    let i = rng.below(len);
                    if b[i].is_ascii_alphabetic() {
                        b[i] = b'a' + (rng.next() % 26) as u8;
                    }
                }
                5 => {
                    let i = rng.below(len);
                    if b[i].is_ascii_digit() {
                        b[i] = b"0123456789-.e"[rng.below(13)];
                    }
                }
                6 => {
                    let at = rng.below(len);
                    let end = (at + rng.below(200)).min(len);
                    let copy: Vec<u8> = b[at..end].to_vec();
                    let to = rng.below(len);
                    b.splice(to..to, copy);
                }
                _ => {
                    // Swap two bytes.
                    let (i, j) = (rng.below(len), rng.below(len));
                    b.swap(i, j);
                }
            }
            if b.is_empty() {
                break;
            }
        }
        if load_bytes(&b, "fuzz.json", None).is_ok() {
            loaded += 1;
        }
        check_no_panic(&b);
    }
    eprintln!("{loaded} of 20000 mutants were valid scenarios");
}

#[test]
fn never_panics_on_random_bytes() {
    let mut rng = Rng(42);
    let alphabet = b"{}[]\":,0123456789-+.eE truefalsnul\\\n\t";
    for i in 0..3000 {
        let len = rng.below(2000);
        let bytes: Vec<u8> = if i % 2 == 0 {
            (0..len).map(|_| rng.next() as u8).collect()
        } else {
            (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect()
        };
        check_no_panic(&bytes);
    }
}

#[test]
fn never_panics_on_100000_levels_of_nesting() {
    let arrays = "[".repeat(100_000);
    let Err(e) = load_str(&arrays, "deep.json", None) else {
        panic!()
    };
    assert_eq!(
        e.to_string(),
        "deep.json:1:129: nested deeper than 128 levels"
    );
    let closed = "[".repeat(100_000) + "]".repeat(100_000).as_str();
    assert!(load_str(&closed, "deep.json", None).is_err());
    let objects = "{\"a\":".repeat(100_000);
    let Err(e) = load_str(&objects, "deep.json", None) else {
        panic!()
    };
    assert!(e.to_string().ends_with("nested deeper than 128 levels"));
    // Deep but legal nesting inside a payload is fine.
    let payload = "[".repeat(100) + "]".repeat(100).as_str();
    let text = scenario(
        r#"{ "Fn": { "type": "function" } }"#,
        &format!(r#"[{{ "to": "Fn", "at_s": 0, "payload": {payload} }}]"#),
    );
    load(&text);
}

#[test]
fn never_panics_on_a_10_megabyte_string() {
    let big = "a".repeat(10 * 1024 * 1024);
    let text = format!(r#"{{"format": "eventflow/1", "name": "{big}", "resources": {{}}}}"#);
    let s = load(&text);
    assert_eq!(s.name.len(), big.len());
    // A 10 MB unknown key and a 10 MB id: messages stay short.
    let text = format!(
        r#"{{"format": "eventflow/1", "name": "x", "resources": {{"{big}": {{"type": "queue"}}}}, "{big}": 1}}"#
    );
    let got = problems(&text);
    assert_eq!(got.len(), 2);
    assert!(
        got.iter()
            .all(|p| p.message.len() < 400 || p.path.len() > 1000)
    );
}

#[test]
fn never_panics_on_invalid_utf8_and_binary_data() {
    for bytes in [
        &b"\xff\xfe{}"[..],
        b"{\"format\": \"\xc3\x28\"}",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        b"\0\0\0\0",
        b"{\"a\": \"\xed\xa0\x80\"}",
    ] {
        let Err(e) = load_bytes(bytes, "bin", None) else {
            panic!()
        };
        assert_eq!(e.problems().len(), 1);
    }
}

// ---- graph ----------------------------------------------------------------------------------------------------------

fn edge(g: &ArchGraph, s: &Scenario, from: &str, to: &str) -> EdgeKind {
    let e = g
        .edge_between(NodeRef::Resource(id(s, from)), NodeRef::Resource(id(s, to)))
        .unwrap_or_else(|| panic!("no edge {from} -> {to}"));
    g.graph[e].kind.clone()
}

#[test]
fn graph_nodes_are_resources_except_triggers_and_traffic_sources() {
    let s = full();
    let g = ArchGraph::new(&s);
    let triggers = s
        .resources
        .iter()
        .filter(|r| r.resource_type() == ResourceType::Trigger)
        .count();
    assert_eq!(
        g.graph.node_count(),
        s.resources.len() - triggers + s.traffic.len()
    );
    assert!(g.resource_node(id(&s, "QueueTrigger")).is_none());
    let n = g.traffic_node(0).unwrap();
    assert_eq!(
        g.graph[n],
        GraphNode::Traffic {
            index: 0,
            name: "browsers".into()
        }
    );
    assert_eq!(g.find("traffic:browsers"), Some(n));
    assert_eq!(g.node_ref(n), Some(NodeRef::Traffic(0)));
    let api = g.find("OrdersApi").unwrap();
    assert_eq!(
        g.graph[api],
        GraphNode::Resource {
            id: id(&s, "OrdersApi"),
            name: "OrdersApi".into(),
            resource_type: ResourceType::Api
        }
    );
    assert_eq!(g.graph[api].trace_name(), "OrdersApi");
    // Node order: resources in file order, then traffic.
    let first: Vec<String> = g
        .graph
        .node_indices()
        .take(3)
        .map(|n| g.graph[n].trace_name())
        .collect();
    assert_eq!(first, ["OrdersApi", "CreateOrder", "GetOrder"]);
}

#[test]
fn graph_edges_know_their_kind_and_label() {
    let s = full();
    let g = ArchGraph::new(&s);
    assert_eq!(
        edge(&g, &s, "OrdersApi", "CreateOrder"),
        EdgeKind::Route {
            route_key: "POST /orders".into()
        }
    );
    // Two routes lead to GetOrder: the first in file order wins.
    assert_eq!(
        edge(&g, &s, "OrdersApi", "GetOrder").label(),
        "GET /orders/{id}"
    );
    assert!(matches!(
        edge(&g, &s, "Bus", "NewOrderRule"),
        EdgeKind::BusToRule { .. }
    ));
    assert_eq!(
        edge(&g, &s, "NewOrderRule", "Audit"),
        EdgeKind::RuleTarget {
            input_summary: None
        }
    );
    assert_eq!(
        edge(&g, &s, "NewOrderRule", "OrderQueue").label(),
        "$.detail"
    );
    assert_eq!(
        edge(&g, &s, "NewOrderRule", "FailedEvents"),
        EdgeKind::RuleDeadLetter
    );
    assert_eq!(edge(&g, &s, "Nightly", "Audit").label(), "constant input");
    assert_eq!(
        edge(&g, &s, "Uploads", "Audit").label(),
        "s3:ObjectCreated:* images/*.jpg"
    );
    assert_eq!(
        edge(&g, &s, "Uploads", "OrderQueue").label(),
        "s3:ObjectRemoved:*"
    );
    assert_eq!(edge(&g, &s, "Uploads", "default"), EdgeKind::BucketToBus);
    assert_eq!(
        edge(&g, &s, "Notices", "Audit"),
        EdgeKind::Subscription {
            filtered: true,
            raw: false
        }
    );
    assert_eq!(
        edge(&g, &s, "Notices", "OrderQueue").label(),
        "filtered, raw"
    );
    assert_eq!(
        edge(&g, &s, "OrderQueue", "FailedEvents"),
        EdgeKind::DeadLetter
    );
    assert_eq!(
        edge(&g, &s, "CreateOrder", "Audit"),
        EdgeKind::Destination { on_success: true }
    );
    assert_eq!(
        edge(&g, &s, "CreateOrder", "Failures").label(),
        "on failure"
    );
    assert_eq!(
        edge(&g, &s, "CreateOrder", "FailedEvents"),
        EdgeKind::DeadLetter
    );
    assert_eq!(
        edge(&g, &s, "OrderFlow", "GetOrder"),
        EdgeKind::TaskInvoke {
            state: "Check".into()
        }
    );
    let qt = id(&s, "QueueTrigger");
    assert_eq!(
        edge(&g, &s, "OrderQueue", "CreateOrder"),
        EdgeKind::Trigger {
            trigger: qt,
            batch_size: 100
        }
    );
    let te = g.trigger_edge(qt).unwrap();
    assert_eq!(g.graph[te].label(), "batch 100");
    assert_eq!(
        edge(&g, &s, "Orders", "FailedEvents"),
        EdgeKind::TriggerOnFailure {
            trigger: id(&s, "StreamTrigger")
        }
    );
    let e = g
        .edge_between(NodeRef::Traffic(0), NodeRef::Resource(id(&s, "OrdersApi")))
        .unwrap();
    assert_eq!(
        g.graph[e].kind,
        EdgeKind::Traffic {
            summary: "every 0.5 s ×10".into()
        }
    );
    let e = g
        .edge_between(NodeRef::Traffic(1), NodeRef::Resource(id(&s, "Bus")))
        .unwrap();
    assert_eq!(g.graph[e].label(), "~2/s");
    let e = g
        .edge_between(NodeRef::Traffic(2), NodeRef::Resource(id(&s, "Uploads")))
        .unwrap();
    assert_eq!(g.graph[e].label(), "3 times");
    // No edge where there is no reference; triggers are not nodes.
    assert!(
        g.edge_between(
            NodeRef::Resource(id(&s, "Audit")),
            NodeRef::Resource(id(&s, "Bus"))
        )
        .is_none()
    );
    assert!(
        g.edge_between(
            NodeRef::Resource(qt),
            NodeRef::Resource(id(&s, "CreateOrder"))
        )
        .is_none()
    );
    assert!(
        g.edge_between(NodeRef::Traffic(99), NodeRef::Resource(id(&s, "Bus")))
            .is_none()
    );
}

#[test]
fn graph_edge_order_follows_the_file() {
    let s = full();
    let g = ArchGraph::new(&s);
    let kinds: Vec<EdgeKind> = g
        .edges_in_order()
        .map(|e| g.graph[e].kind.clone())
        .collect();
    assert_eq!(
        kinds[0],
        EdgeKind::Route {
            route_key: "POST /orders".into()
        }
    );
    assert_eq!(
        kinds[1],
        EdgeKind::Route {
            route_key: "GET /orders/{id}".into()
        }
    );
    assert_eq!(
        kinds[2],
        EdgeKind::Route {
            route_key: "$default".into()
        }
    );
    assert_eq!(kinds[3], EdgeKind::Destination { on_success: true });
    assert!(matches!(kinds.last(), Some(EdgeKind::Traffic { .. })));
    let traffic_edges = kinds
        .iter()
        .filter(|k| matches!(k, EdgeKind::Traffic { .. }))
        .count();
    assert_eq!(traffic_edges, s.traffic.len());
    // Building twice gives the same graph.
    let again = ArchGraph::new(&s);
    let k2: Vec<EdgeKind> = again
        .edges_in_order()
        .map(|e| again.graph[e].kind.clone())
        .collect();
    assert_eq!(kinds, k2);
}

#[test]
fn graph_state_machine_tasks_by_arn() {
    let s = load(&scenario(
        r#"{ "Fn": { "type": "function" }, "Other": { "type": "function" },
             "SM": { "type": "state_machine", "definition": { "StartAt": "A", "States": {
               "A": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Fn", "Next": "P" },
               "P": { "Type": "Parallel", "End": true, "Branches": [{ "StartAt": "B", "States": {
                 "B": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": { "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:Other:$LATEST" }, "End": true } } }] } } } } }"#,
        "[]",
    ));
    let g = ArchGraph::new(&s);
    assert_eq!(edge(&g, &s, "SM", "Fn").label(), "A");
    assert_eq!(edge(&g, &s, "SM", "Other").label(), "B");
}

#[test]
fn json_kinds_are_exposed() {
    let root = json::parse(r#"{"a": "x"}"#).unwrap();
    assert!(matches!(&root.get("a").unwrap().value, Json::String(s) if s == "x"));
    assert_eq!(root.type_name(), "an object");
}

#[test]
fn sqs_trigger_needs_a_visibility_timeout_of_at_least_the_function_timeout() {
    // Lambda refuses the mapping: "Queue visibility timeout: 30 seconds is less than Function timeout: 60
    // seconds" (Lambda Developer Guide, "Using Lambda with Amazon SQS"; issue 16 item 10).
    let text = r#"{
  "format": "eventflow/1", "name": "t",
  "resources": {
    "Q": { "type": "queue", "visibility_timeout_s": 30 },
    "F": { "type": "function", "timeout_s": 60 },
    "T": { "type": "trigger", "source": "Q", "function": "F" }
  }
}"#;
    let got = problems(text);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].path, "resources.T.function");
    assert_eq!(got[0].line, 6);
    assert!(
        got[0]
            .message
            .contains("queue visibility timeout 30 s is less than function timeout 60 s"),
        "{}",
        got[0].message
    );
    // Equal timeouts are accepted, as AWS accepts them.
    load(&text.replace("\"timeout_s\": 60", "\"timeout_s\": 30"));
}

/// Writes `NAME.expected` for invalid fixtures that have none (run with `--ignored`, then review every line).
#[test]
#[ignore]
fn write_missing_expected_files() {
    let dir = data_dir("invalid");
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|e| e == "json")
            && !path.with_extension("expected").exists()
        {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(&path).unwrap();
            let text = match load_bytes(&bytes, &name, Some(&dir)) {
                Ok(_) => "<loaded without problems>".to_string(),
                Err(e) => e.to_string(),
            };
            std::fs::write(path.with_extension("expected"), text + "\n").unwrap();
        }
    }
}
