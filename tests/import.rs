//! `eventflow import`: hand-written SAM / CloudFormation templates (tests/data/sam/) → scenarios. Each test
//! asserts the graph that comes out (ids, types, the references that make its edges) and the notes, and that
//! `eventflow check` accepts the result.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn eventflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .args(args)
        .output()
        .expect("run eventflow")
}

fn template(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sam")
        .join(name)
        .to_string_lossy()
        .to_string()
}

/// A fresh folder for one test's files, removed when the test ends (kept nowhere after the run).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("eventflow-import-")
        .tempdir()
        .expect("temp dir")
}

/// Imports a template with `-o`, checks the exit code and that `eventflow check` accepts the scenario; returns
/// the document's resources and the notes.
fn import(name: &str) -> (serde_json::Map<String, Value>, Vec<String>) {
    import_into(scratch().path(), name)
}

/// [`import`], writing the scenario as `NAME.json` into `dir`.
fn import_into(dir: &std::path::Path, name: &str) -> (serde_json::Map<String, Value>, Vec<String>) {
    let out_path = dir.join(format!("{name}.json"));
    let out_str = out_path.to_string_lossy().to_string();
    let out = eventflow(&["import", &template(name), "-o", &out_str]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "import {name}: {stderr}");
    assert!(out.stdout.is_empty(), "with -o nothing goes to stdout");
    let check = eventflow(&["check", &out_str]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "check {name}: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let text = std::fs::read_to_string(&out_path).expect("output");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert!(doc.get("layout").is_none(), "layout is left to the app");
    let notes: Vec<String> = stderr
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.strip_prefix("note: ")
                .unwrap_or_else(|| panic!("not a note: {l}"))
                .to_string()
        })
        .collect();
    (
        doc["resources"].as_object().expect("resources").clone(),
        notes,
    )
}

fn types(resources: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    resources
        .iter()
        .map(|(id, r)| {
            (
                id.clone(),
                r["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn has_note(notes: &[String], needle: &str) -> bool {
    notes.iter().any(|n| n.contains(needle))
}

#[test]
fn every_short_form_tag_is_read_and_evaluated() {
    let (r, notes) = import("tags.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Orders", "queue"),
            ("Worker", "function"),
            ("WorkerFromOrders", "trigger")
        ])
    );
    assert_eq!(r["Orders"]["visibility_timeout_s"], 60);
    assert_eq!(r["Orders"]["delay_s"], 5);
    let w = &r["Worker"];
    assert_eq!(w["memory_mb"], 512);
    assert_eq!(w["timeout_s"], 20, "!And of a condition and a FindInMap");
    let env = &w["environment"];
    assert_eq!(
        env["QUEUE_URL"],
        "https://sqs.us-east-1.amazonaws.com/123456789012/Orders"
    );
    assert_eq!(
        env["QUEUE_ARN"],
        "arn:aws:sqs:us-east-1:123456789012:Orders"
    );
    assert_eq!(env["QUEUE_ARN_LIST"], env["QUEUE_ARN"]);
    assert_eq!(env["SCRIPT"], "queue=Orders\nregion=us-east-1\n");
    assert_eq!(env["NAMED"], "first-prod");
    assert_eq!(env["JOINED"], "prod-c");
    assert_eq!(env["ZONE"], "us-east-1a");
    assert_eq!(env["ENCODED"], "aGVsbG8=");
    assert_eq!(env["SHARED"], "shared-vpc-id");
    assert_eq!(env["LITERAL"], "${NotAVariable}");
    assert!(
        w["description"]
            .as_str()
            .unwrap()
            .contains("Runtime: python3.12")
    );
    assert!(w["description"].as_str().unwrap().contains("CodeUri: src/"));
    assert_eq!(r["WorkerFromOrders"]["source"], "Orders");
    assert_eq!(r["WorkerFromOrders"]["function"], "Worker");
    assert_eq!(r["WorkerFromOrders"]["batch_size"], 5);
    assert!(
        has_note(
            &notes,
            "Worker (AWS::Serverless::Function): Fn::ImportValue \"shared-vpc-id\""
        ),
        "{notes:?}"
    );
}

#[test]
fn globals_merge_into_every_function_and_support_resources_are_silent() {
    let (r, notes) = import("globals.yaml");
    assert_eq!(
        types(&r),
        pairs(&[("First", "function"), ("Second", "function")])
    );
    assert_eq!(r["First"]["timeout_s"], 10);
    assert_eq!(r["First"]["memory_mb"], 256);
    assert_eq!(
        r["First"]["environment"],
        json!({"STAGE": "prod", "LOG_LEVEL": "info"})
    );
    assert_eq!(r["Second"]["timeout_s"], 30);
    assert_eq!(
        r["Second"]["environment"],
        json!({"LOG_LEVEL": "debug", "STAGE": "prod"})
    );
    assert!(
        r["Second"]["description"]
            .as_str()
            .unwrap()
            .contains("Runtime: nodejs20.x")
    );
    assert!(
        notes.is_empty(),
        "an IAM role is skipped silently: {notes:?}"
    );
}

#[test]
fn false_conditions_leave_resources_out() {
    let (r, notes) = import("conditions.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Jobs", "queue"),
            ("Handler", "function"),
            ("HandlerJobs", "trigger")
        ])
    );
    assert_eq!(r["Jobs"]["visibility_timeout_s"], 45);
    assert!(
        r["Handler"].get("dead_letter").is_none(),
        "!If to AWS::NoValue"
    );
    assert!(
        has_note(
            &notes,
            "Alerts (AWS::SNS::Topic): left out: its Condition IsProd is false"
        ),
        "{notes:?}"
    );
}

#[test]
fn parameters_without_default_get_placeholders_and_notes() {
    let (r, notes) = import("parameters.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Inbox", "queue"),
            ("Reader", "function"),
            ("ReaderInbox", "trigger")
        ])
    );
    // The queue's physical name is the placeholder; the literal ARN built from it still finds the queue.
    assert_eq!(r["ReaderInbox"]["source"], "Inbox");
    assert_eq!(
        r["ReaderInbox"]["batch_size"], 2,
        "Number placeholder: MinValue"
    );
    assert_eq!(
        r["Reader"]["environment"]["MODE"], "fast",
        "first AllowedValue"
    );
    for p in ["QueueName", "BatchSize", "Mode"] {
        assert!(
            has_note(&notes, &format!("{p} (Parameter): no Default")),
            "{notes:?}"
        );
    }
}

#[test]
fn api_events_make_sams_implicit_apis() {
    let (r, _) = import("apis.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("AdminApi", "api"),
            ("ListOrders", "function"),
            ("ServerlessRestApi", "api"),
            ("CreateOrder", "function"),
            ("ServerlessHttpApi", "api"),
            ("Admin", "function"),
        ])
    );
    assert_eq!(r["ServerlessRestApi"]["protocol"], "rest");
    assert_eq!(
        r["ServerlessRestApi"]["routes"],
        json!({"GET /orders": "ListOrders", "ANY /orders/{proxy+}": "ListOrders"})
    );
    assert_eq!(r["ServerlessHttpApi"]["protocol"], "http");
    assert_eq!(
        r["ServerlessHttpApi"]["routes"],
        json!({"POST /orders": "CreateOrder", "$default": "CreateOrder"})
    );
    assert_eq!(r["AdminApi"]["routes"], json!({"GET /stats": "Admin"}));
}

#[test]
fn fifo_queues_redrive_and_stream_mappings() {
    let (r, notes) = import("queues.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("OrdersDlq", "queue"),
            ("Orders", "queue"),
            ("Legacy", "queue"),
            ("LegacyDlq", "queue"),
            ("Items", "table"),
            ("Processor", "function"),
            ("ProcessorOrderQueue", "trigger"),
            ("ProcessorItemStream", "trigger"),
        ])
    );
    assert_eq!(r["Orders"]["fifo"], true);
    assert_eq!(r["Orders"]["visibility_timeout_s"], 90);
    assert_eq!(r["Orders"]["delay_s"], 2);
    assert_eq!(r["Orders"]["retention_s"], 86400);
    assert_eq!(
        r["Orders"]["dead_letter"],
        json!({"target": "OrdersDlq", "max_receive_count": 3})
    );
    assert_eq!(
        r["Legacy"]["dead_letter"],
        json!({"target": "LegacyDlq", "max_receive_count": 5})
    );
    assert_eq!(r["Items"]["partition_key"], "pk");
    assert_eq!(r["Items"]["sort_key"], "sk");
    assert_eq!(r["Items"]["stream"], "NEW_AND_OLD_IMAGES");
    let q = &r["ProcessorOrderQueue"];
    assert_eq!(q["source"], "Orders");
    assert_eq!(q["report_batch_item_failures"], true);
    assert_eq!(q["maximum_concurrency"], 5);
    let s = &r["ProcessorItemStream"];
    assert_eq!(s["source"], "Items");
    assert_eq!(s["starting_position"], "TRIM_HORIZON");
    assert_eq!(s["bisect_batch_on_function_error"], true);
    assert_eq!(s["maximum_retry_attempts"], 2);
    assert_eq!(s["on_failure"], "LegacyDlq");
    assert_eq!(s["filter_criteria"], json!([{"eventName": ["INSERT"]}]));
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn sns_and_s3_events_subscribe_and_notify() {
    let (r, notes) = import("sns-s3.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Uploads", "bucket"),
            ("Announcements", "topic"),
            ("Archive", "queue"),
            ("Thumbnail", "function"),
        ])
    );
    assert_eq!(r["Uploads"]["event_bridge"], true);
    assert_eq!(
        r["Uploads"]["notifications"],
        json!([
            {"events": ["s3:ObjectRemoved:*"], "target": "Announcements"},
            {"events": ["s3:ObjectCreated:*"], "prefix": "images/", "suffix": ".jpg", "target": "Thumbnail"}
        ])
    );
    assert_eq!(
        r["Announcements"]["subscriptions"],
        json!([
            {"target": "Archive", "filter_policy": {"kind": ["removed"]}, "filter_policy_scope": "MessageBody",
             "raw_message_delivery": true},
            {"target": "Thumbnail", "filter_policy": {"size": [{"numeric": [">", 100]}]}}
        ])
    );
    assert!(
        has_note(
            &notes,
            "EmailSubscription (AWS::SNS::Subscription): email subscription is not simulated"
        ),
        "{notes:?}"
    );
}

#[test]
fn eventbridge_rules_schedules_and_targets() {
    let (r, notes) = import("eventbridge.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("OrdersBus", "event_bus"),
            ("Failed", "queue"),
            ("Handler", "function"),
            ("HandlerNewOrder", "rule"),
            ("default", "event_bus"),
            ("HandlerS3Created", "rule"),
            ("HandlerTick", "schedule"),
            ("HandlerNightly", "schedule"),
            ("ShippedRule", "rule"),
            ("Hourly", "schedule"),
            ("Reminder", "schedule"),
            ("Fanout", "rule"),
        ])
    );
    assert_eq!(
        r["Fanout"]["targets"],
        json!(["Handler"]),
        "only the refused target is dropped"
    );
    assert!(
        has_note(
            &notes,
            "Fanout (AWS::Events::Rule): targets[1] left out: targets[1].input_path:"
        ),
        "{notes:?}"
    );
    let new_order = &r["HandlerNewOrder"];
    assert_eq!(new_order["bus"], "OrdersBus");
    assert_eq!(
        new_order["pattern"],
        json!({"source": ["com.example.orders"], "detail-type": ["New Order"]})
    );
    assert_eq!(
        new_order["targets"],
        json!([{"target": "Handler", "input_path": "$.detail"}])
    );
    assert_eq!(
        new_order["retry"],
        json!({"maximum_retry_attempts": 3, "maximum_event_age_s": 600})
    );
    assert_eq!(new_order["dead_letter"], "Failed");
    assert_eq!(r["HandlerS3Created"]["bus"], "default");
    assert_eq!(
        r["HandlerTick"]["expression"], "rate(5 minutes)",
        "AWS accepts rate(5 minute)"
    );
    assert_eq!(r["HandlerTick"]["input"], json!({"kind": "tick"}));
    assert_eq!(r["HandlerNightly"]["expression"], "cron(0 2 * * ? *)");
    assert_eq!(r["Hourly"]["expression"], "rate(1 hour)");
    let shipped = &r["ShippedRule"];
    assert_eq!(shipped["bus"], "OrdersBus", "found by its physical name");
    assert_eq!(
        shipped["targets"],
        json!([
            {"target": "Handler", "input_transformer": {"input_paths": {"id": "$.detail.id"}, "input_template": "{\"shipped\": <id>}"}},
            {"target": "Failed", "input": {"fixed": true}}
        ])
    );
    assert_eq!(r["Reminder"]["expression"], "at(2026-01-01T00:10:00)");
    assert_eq!(r["Reminder"]["targets"], json!(["Failed"]));
    assert_eq!(r["Reminder"]["input"], json!({"remind": 1}));
    assert!(
        has_note(
            &notes,
            "Handler (AWS::Serverless::Function): schedule HandlerOff is disabled"
        ),
        "{notes:?}"
    );
    assert!(
        has_note(
            &notes,
            "ShippedRule (AWS::Events::Rule): target Stream (AWS::Kinesis::Stream) is not simulated"
        ),
        "{notes:?}"
    );
    assert!(
        has_note(&notes, "Stream (AWS::Kinesis::Stream): not simulated"),
        "{notes:?}"
    );
}

#[test]
fn state_machines_from_files_strings_and_inline_definitions() {
    let (r, notes) = import("state-machine.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Validate", "function"),
            ("Results", "queue"),
            ("Workflow", "state_machine"),
            ("WorkflowEvery", "schedule"),
            ("Inline", "state_machine"),
            ("FromString", "state_machine"),
        ])
    );
    let w = &r["Workflow"];
    assert_eq!(w["workflow_type"], "EXPRESS");
    assert_eq!(
        w["definition"]["States"]["Validate"]["Parameters"]["FunctionName"],
        "arn:aws:lambda:us-east-1:123456789012:function:Validate"
    );
    assert_eq!(
        w["definition"]["States"]["Report"]["Parameters"]["QueueUrl"],
        "https://sqs.us-east-1.amazonaws.com/123456789012/Results"
    );
    assert_eq!(r["WorkflowEvery"]["targets"], json!(["Workflow"]));
    assert_eq!(
        r["FromString"]["definition"]["States"]["Call"]["Resource"],
        "arn:aws:lambda:us-east-1:123456789012:function:Validate"
    );
    assert!(
        has_note(
            &notes,
            "Missing (AWS::Serverless::StateMachine): left out: cannot read DefinitionUri statemachine/missing.asl.json"
        ),
        "{notes:?}"
    );
}

#[test]
fn plain_cloudformation_json_templates() {
    let (r, notes) = import("cfn-native.json");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Table", "table"),
            ("Fn", "function"),
            ("Dlq", "queue"),
            ("Done", "topic"),
            ("Mapping", "trigger"),
            ("Bucket", "bucket"),
        ])
    );
    let f = &r["Fn"];
    assert_eq!(f["memory_mb"], 1024);
    assert_eq!(f["timeout_s"], 30);
    assert_eq!(f["reserved_concurrency"], 5);
    assert_eq!(f["dead_letter"], "Dlq");
    assert_eq!(
        f["async"],
        json!({"retry_attempts": 1, "on_success": "Done", "on_failure": "Dlq"})
    );
    assert_eq!(r["Table"]["stream"], "NEW_IMAGE");
    assert_eq!(r["Mapping"]["source"], "Table");
    assert_eq!(r["Mapping"]["function"], "Fn");
    assert_eq!(r["Mapping"]["batch_size"], 25);
    assert_eq!(r["Mapping"]["maximum_retry_attempts"], 1);
    assert_eq!(
        r["Bucket"]["notifications"],
        json!([{"events": ["s3:ObjectCreated:Put"], "target": "Fn"}])
    );
    assert_eq!(
        notes,
        vec!["Alarm (AWS::CloudWatch::Alarm): not simulated; left out".to_string()]
    );
}

#[test]
fn crlf_without_final_newline_and_yaml_1_1_booleans() {
    let text = std::fs::read(template("crlf.yaml")).expect("file");
    assert!(text.windows(2).any(|w| w == b"\r\n") && !text.ends_with(b"\n"));
    let (r, _) = import("crlf.yaml");
    assert_eq!(
        types(&r),
        pairs(&[
            ("Jobs", "queue"),
            ("Runner", "function"),
            ("RunnerJobs", "trigger")
        ])
    );
    assert_eq!(r["Jobs"]["fifo"], true, "`yes` is true in YAML 1.1");
}

#[test]
fn bad_yaml_exits_2_with_file_line_col() {
    let path = template("bad.yaml");
    let out = eventflow(&["import", &path]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().next().unwrap_or_default();
    let rest = line
        .strip_prefix(&format!("eventflow: {path}:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let mut parts = rest.splitn(3, ':');
    assert!(parts.next().unwrap().parse::<u32>().is_ok(), "{line}");
    assert!(parts.next().unwrap().parse::<u32>().is_ok(), "{line}");
    assert!(out.stdout.is_empty());
}

#[test]
fn not_a_template_and_missing_files_exit_2() {
    let dir = scratch();
    let path = dir.path().join("not-a-template.yaml");
    std::fs::write(&path, "just: a mapping\n").unwrap();
    let out = eventflow(&["import", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no \"Resources\""));
    let out = eventflow(&["import", &dir.path().join("absent.yaml").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn without_output_the_scenario_goes_to_stdout() {
    let out = eventflow(&["import", &template("globals.yaml")]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["format"], "eventflow/1");
    assert_eq!(doc["resources"]["First"]["type"], "function");
}

#[test]
fn refused_values_and_unsimulated_references_become_notes() {
    let (r, notes) = import("unsupported.yaml");
    assert_eq!(types(&r), pairs(&[("Huge", "function")]));
    assert!(r["Huge"].get("memory_mb").is_none());
    let expected = [
        "Clicks (AWS::Kinesis::Stream): not simulated; left out",
        "Huge (AWS::Serverless::Function): event Stream of type Kinesis is not simulated",
        "Forward (AWS::Events::Rule): target Clicks (AWS::Kinesis::Stream) is not simulated",
        "Forward (AWS::Events::Rule): left out: none of its targets is simulated",
        "External (AWS::Lambda::EventSourceMapping): event source arn:aws:sqs:us-east-1:210987654321:elsewhere is outside this template",
        "Huge (AWS::Serverless::Function): memory_mb left out:",
    ];
    for e in expected {
        assert!(has_note(&notes, e), "missing {e:?} in {notes:?}");
    }
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("HugeBroken (AWS::Events::Rule): left out: expression:")),
        "{notes:?}"
    );
}

#[test]
fn the_template_description_names_the_scenario() {
    let out = eventflow(&["import", &template("unsupported.yaml")]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc["name"],
        "Values the simulator refuses and references to what it does not simulate."
    );
    assert!(
        doc["description"]
            .as_str()
            .unwrap()
            .contains("Neither may fail the import.")
    );
}

#[test]
fn no_truncated_or_garbled_template_makes_the_importer_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sam");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("templates")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).expect("template");
        let cuts = text.char_indices().map(|(i, _)| i).step_by(13);
        for cut in cuts {
            let prefix = &text[..cut];
            // Only the absence of a panic matters here: an error or a scenario are both fine.
            let _ = eventflow::import::import_str(prefix, "t.yaml", None, "t");
            let garbled = prefix.replace(':', "!Ref ");
            let _ = eventflow::import::import_str(&garbled, "t.yaml", None, "t");
        }
    }
}

/// One template of the serverless-patterns-shaped corpus and the graph it must import to.
struct CorpusCase {
    file: &'static str,
    /// Every resource of the scenario: (id, type), in document order.
    resources: &'static [(&'static str, &'static str)],
    /// Every edge of the scenario graph: (from, to) by node name, sorted.
    edges: &'static [(&'static str, &'static str)],
    /// The template resources that are not simulated (greyed in the app).
    external: &'static [&'static str],
    /// The links only `Policies` / `Environment` imply: (function, resource, via).
    hints: &'static [(&'static str, &'static str, &'static str)],
}

const CORPUS: &[CorpusCase] = &[
    CorpusCase {
        file: "apigw-lambda-dynamodb.yaml",
        resources: &[
            ("ItemsTable", "table"),
            ("PutItemFunction", "function"),
            ("ServerlessRestApi", "api"),
            ("GetItemFunction", "function"),
        ],
        edges: &[
            ("ServerlessRestApi", "GetItemFunction"),
            ("ServerlessRestApi", "PutItemFunction"),
        ],
        external: &[],
        hints: &[
            ("PutItemFunction", "ItemsTable", "Policies"),
            ("GetItemFunction", "ItemsTable", "Policies"),
        ],
    },
    CorpusCase {
        file: "httpapi-lambda-cognito.yaml",
        resources: &[("HttpApi", "api"), ("HelloFunction", "function")],
        edges: &[("HttpApi", "HelloFunction")],
        external: &["UserPool", "UserPoolClient"],
        hints: &[("HelloFunction", "UserPool", "Environment")],
    },
    CorpusCase {
        file: "s3-lambda-thumbnails.yaml",
        resources: &[
            ("SourceBucket", "bucket"),
            ("DestinationBucket", "bucket"),
            ("ResizerFunction", "function"),
        ],
        edges: &[("SourceBucket", "ResizerFunction")],
        external: &[],
        // The policies name the buckets through parameters, not through the resources.
        hints: &[],
    },
    CorpusCase {
        file: "sqs-lambda-partial-batch.yaml",
        resources: &[
            ("OrdersDeadLetterQueue", "queue"),
            ("OrdersQueue", "queue"),
            ("ProcessorFunction", "function"),
            ("ProcessorFunctionOrdersBatch", "trigger"),
        ],
        edges: &[
            ("OrdersQueue", "OrdersDeadLetterQueue"),
            ("OrdersQueue", "ProcessorFunction"),
        ],
        external: &[],
        hints: &[],
    },
    CorpusCase {
        file: "sns-fanout-filters.yaml",
        resources: &[
            ("OrderTopic", "topic"),
            ("PaymentsQueue", "queue"),
            ("ShippingQueue", "queue"),
            ("AuditFunction", "function"),
            ("PublisherFunction", "function"),
        ],
        edges: &[
            ("OrderTopic", "AuditFunction"),
            ("OrderTopic", "PaymentsQueue"),
            ("OrderTopic", "ShippingQueue"),
        ],
        external: &[],
        hints: &[("PublisherFunction", "OrderTopic", "Policies")],
    },
    CorpusCase {
        file: "eventbridge-input-transformer.yaml",
        resources: &[
            ("OrdersBus", "event_bus"),
            ("NotificationsQueue", "queue"),
            ("TargetDeadLetterQueue", "queue"),
            ("NewOrderRule", "rule"),
            ("FulfilmentFunction", "function"),
        ],
        // The target's dead-letter queue is kept on the target, not drawn as an edge.
        edges: &[
            ("NewOrderRule", "FulfilmentFunction"),
            ("NewOrderRule", "NotificationsQueue"),
            ("OrdersBus", "NewOrderRule"),
        ],
        external: &[],
        hints: &[],
    },
    CorpusCase {
        file: "sfn-definition-substitutions.yaml",
        resources: &[
            ("PaymentsTable", "table"),
            ("ChargeFunction", "function"),
            ("PaymentStateMachine", "state_machine"),
            ("default", "event_bus"),
            ("PaymentStateMachinePaymentRequested", "rule"),
        ],
        // The DynamoDB putItem task is a service integration of the definition, not a graph edge.
        edges: &[
            ("PaymentStateMachine", "ChargeFunction"),
            ("PaymentStateMachinePaymentRequested", "PaymentStateMachine"),
            ("default", "PaymentStateMachinePaymentRequested"),
        ],
        external: &[],
        hints: &[],
    },
    CorpusCase {
        file: "schedules.yaml",
        resources: &[
            ("ReportFunction", "function"),
            ("ReportFunctionNightly", "schedule"),
            ("ReportFunctionEveryFiveMinutes", "schedule"),
            ("CleanupFunction", "function"),
            ("CleanupSchedule", "schedule"),
        ],
        edges: &[
            ("CleanupSchedule", "CleanupFunction"),
            ("ReportFunctionEveryFiveMinutes", "ReportFunction"),
            ("ReportFunctionNightly", "ReportFunction"),
        ],
        external: &[],
        hints: &[],
    },
    CorpusCase {
        file: "esm-filter-criteria.yaml",
        resources: &[
            ("OrdersTable", "table"),
            ("StreamFunction", "function"),
            ("StreamMapping", "trigger"),
            ("WorkQueue", "queue"),
            ("QueueFunction", "function"),
            ("QueueFunctionWork", "trigger"),
        ],
        edges: &[
            ("OrdersTable", "StreamFunction"),
            ("WorkQueue", "QueueFunction"),
        ],
        external: &[],
        hints: &[],
    },
    CorpusCase {
        file: "lambda-destinations.yaml",
        resources: &[
            ("FailureQueue", "queue"),
            ("ResultsBus", "event_bus"),
            ("WorkerFunction", "function"),
            ("default", "event_bus"),
            ("WorkerFunctionTrigger", "rule"),
        ],
        edges: &[
            ("WorkerFunction", "FailureQueue"),
            ("WorkerFunction", "ResultsBus"),
            ("WorkerFunctionTrigger", "WorkerFunction"),
            ("default", "WorkerFunctionTrigger"),
        ],
        external: &[],
        hints: &[],
    },
    CorpusCase {
        file: "rds.yaml",
        resources: &[
            ("OrdersFunction", "function"),
            ("ServerlessRestApi", "api"),
            ("ReportFunction", "function"),
            ("DataApiFunction", "function"),
            ("LegacyFunction", "function"),
            ("OrdersDb", "database"),
            ("OrdersProxy", "db_proxy"),
            ("ReportsCluster", "database"),
            ("LegacyDb", "database"),
        ],
        // Endpoints in the environment are SQL edges; the master secret is not a connection.
        // The Data API function names the cluster by its ARN (built on its identifier).
        edges: &[
            ("DataApiFunction", "ReportsCluster"),
            ("LegacyFunction", "LegacyDb"),
            ("OrdersFunction", "OrdersProxy"),
            ("OrdersProxy", "OrdersDb"),
            ("ReportFunction", "ReportsCluster"),
            ("ServerlessRestApi", "OrdersFunction"),
        ],
        external: &["WarehouseDb"],
        hints: &[("OrdersFunction", "OrdersDb", "Policies")],
    },
];

/// The edges of an imported scenario's graph, (from, to) by node name, sorted.
fn graph_edges(scenario_json: &std::path::Path) -> Vec<(String, String)> {
    let sc = eventflow::scenario::load_file(scenario_json).expect("the imported scenario loads");
    let g = eventflow::scenario::ArchGraph::new(&sc);
    let mut edges: Vec<(String, String)> = g
        .graph
        .raw_edges()
        .iter()
        .map(|e| {
            (
                g.graph[e.source()].trace_name(),
                g.graph[e.target()].trace_name(),
            )
        })
        .collect();
    edges.sort();
    edges.dedup();
    edges
}

/// Issue 10's corpus: templates written here in the shapes the public serverless-patterns templates use (see
/// tests/data/sam/README.md) import to the expected graph — resources and types, edges, the resources that are
/// not simulated and the hint links. Every case is checked before failing, so one run shows every difference.
#[test]
fn the_serverless_patterns_shaped_corpus_imports_to_its_expected_graphs() {
    let dir = scratch();
    let mut differences = Vec::new();
    for case in CORPUS {
        let (resources, _notes) = import_into(dir.path(), case.file);
        let got_types = types(&resources);
        if got_types != pairs(case.resources) {
            differences.push(format!("{}: resources {got_types:?}", case.file));
        }
        let got_edges = graph_edges(&dir.path().join(format!("{}.json", case.file)));
        if got_edges != pairs(case.edges) {
            differences.push(format!("{}: edges {got_edges:?}", case.file));
        }
        let imported = eventflow::import::import_file(std::path::Path::new(&template(case.file)))
            .expect("imports");
        let external: Vec<&str> = imported.external.iter().map(|e| e.id.as_str()).collect();
        if external != case.external {
            differences.push(format!("{}: external {external:?}", case.file));
        }
        let hints: Vec<(&str, &str, &str)> = imported
            .hints
            .iter()
            .map(|h| (h.from.as_str(), h.to.as_str(), h.via))
            .collect();
        if hints != case.hints {
            differences.push(format!("{}: hints {hints:?}", case.file));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    let count = std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sam"))
        .expect("corpus")
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.ends_with(".yaml") || name.ends_with(".json")
        })
        .count();
    assert!(
        count >= 20,
        "issue 10 asks for at least 20 templates, found {count}"
    );
}

#[test]
fn a_json_file_is_a_template_when_it_has_resources_or_a_format_version() {
    use eventflow::import::is_template;
    assert!(is_template("t.yaml", "not even YAML: ["));
    assert!(is_template("T.YML", ""));
    assert!(is_template("stack.json", r#"{"Resources": {}}"#));
    assert!(is_template(
        "stack.json",
        r#"{"AWSTemplateFormatVersion": "2010-09-09"}"#
    ));
    assert!(!is_template(
        "scenario.json",
        r#"{"format": "eventflow/1", "resources": {}}"#
    ));
    assert!(!is_template("broken.json", "{"));
    let cfn = std::fs::read_to_string(template("cfn-native.json")).expect("cfn-native.json");
    assert!(is_template("cfn-native.json", &cfn));
}

/// RDS: the class, the parameter group's `max_connections`, the proxy's target group and pool settings, an
/// Aurora cluster taking its member instance's class, MariaDB simulated as MySQL, SQL Server not simulated; a
/// function whose environment names a database gets a stand-in handler that queries it.
#[test]
fn rds_databases_proxies_and_their_clients() {
    let (r, notes) = import("rds.yaml");
    assert_eq!(
        r["OrdersDb"],
        json!({"type": "database", "engine": "postgres", "instance_class": "db.t4g.medium", "max_connections": 500})
    );
    assert_eq!(
        r["OrdersProxy"],
        json!({"type": "db_proxy", "database": "OrdersDb", "max_connections_percent": 80,
               "max_idle_connections_percent": 20, "borrow_timeout_s": 30})
    );
    assert_eq!(
        r["ReportsCluster"],
        json!({"type": "database", "engine": "mysql", "instance_class": "db.r6g.large"})
    );
    assert_eq!(
        r["LegacyDb"],
        json!({"type": "database", "engine": "mysql"})
    );
    let code = r["OrdersFunction"]["code"]["inline"]
        .as_str()
        .expect("stand-in code");
    assert!(
        code.contains("rds::query(\"OrdersProxy\", \"SELECT 1\")"),
        "{code}"
    );
    assert!(
        !code.contains("OrdersDb"),
        "the secret is not a connection: {code}"
    );
    assert!(
        r["OrdersFunction"]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("stand-in")
    );
    for needle in [
        "ReportsCluster (AWS::RDS::DBCluster): max_connections {DBInstanceClassMemory/12582880} of ReportsParameters is not a number",
        "LegacyDb (AWS::RDS::DBInstance): engine mariadb is simulated as MySQL",
        "LegacyDb (AWS::RDS::DBInstance): instance class db.m5.large is not one eventflow models",
        "WarehouseDb (AWS::RDS::DBInstance): engine \"sqlserver-ex\" is not simulated",
    ] {
        assert!(
            has_note(&notes, needle),
            "missing note {needle:?} in {notes:#?}"
        );
    }
    // Subnet and parameter groups and the cluster's member instance are silent.
    for quiet in [
        "DbSubnets",
        "OrdersDbParameters",
        "ReportsParameters",
        "ReportsWriter",
    ] {
        assert!(
            !notes.iter().any(|n| n.starts_with(quiet)),
            "{quiet}: {notes:#?}"
        );
    }
}

/// Issue 10: what an import finds but does not simulate is kept in the scenario (`external`, `hints`): written
/// by `import`, canonical (so `eventflow fmt --check` passes on the output), loaded into the model, left out of
/// an export with a note each, and kept by the editor (a hint follows its function's rename, goes with it).
#[test]
fn unsimulated_resources_and_hints_are_saved_with_the_scenario() {
    let dir = scratch();
    let (_, _) = import_into(dir.path(), "rds.yaml");
    let out = dir.path().join("rds.yaml.json");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("output")).expect("JSON");
    assert_eq!(
        doc["external"],
        json!([{"id": "WarehouseDb", "type": "AWS::RDS::DBInstance",
                "note": "engine \"sqlserver-ex\" is not simulated (PostgreSQL and MySQL are); left out"}])
    );
    assert_eq!(
        doc["hints"],
        json!([{"from": "OrdersFunction", "to": "OrdersDb", "why": "Policies"}])
    );
    let fmt = eventflow(&["fmt", "--check", &out.to_string_lossy()]);
    assert_eq!(
        fmt.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fmt.stdout)
    );
    let scenario = eventflow::scenario::load_file(&out).expect("loads");
    assert_eq!(scenario.external.len(), 1);
    assert_eq!(scenario.external[0].aws_type, "AWS::RDS::DBInstance");
    assert_eq!(
        scenario.hints,
        [eventflow::scenario::HintLink {
            from: "OrdersFunction".into(),
            to: "OrdersDb".into(),
            why: Some("Policies".into())
        }]
    );

    let exported = eventflow::sam_export::export_document(&doc, None, "rds.json");
    assert!(
        exported.notes.iter().any(|n| n
            .starts_with("WarehouseDb: AWS::RDS::DBInstance is not simulated, so not exported")),
        "{:#?}",
        exported.notes
    );
    assert!(
        !exported.template.contains("WarehouseDb:\n"),
        "not a resource of the export"
    );

    let renamed = eventflow::editor::rename(&doc, "OrdersFunction", "Orders").expect("rename");
    assert_eq!(renamed["hints"][0]["from"], "Orders");
    let deleted = eventflow::editor::delete(&renamed, &["OrdersDb".to_string()]).expect("delete");
    assert!(
        deleted.get("hints").is_none(),
        "the hint went with its resource: {}",
        deleted["hints"]
    );
    assert_eq!(
        deleted["external"], doc["external"],
        "external entries stay"
    );
}

/// `external` and `hints` are checked like the rest of the format: every problem with its line, column and path.
#[test]
fn bad_external_and_hints_entries_are_located() {
    let text = r#"{
  "format": "eventflow/1",
  "name": "x",
  "resources": { "F": { "type": "function" } },
  "external": [
    { "id": "F", "type": "AWS::Kinesis::Stream" },
    { "id": "S", "type": "" },
    { "id": "K", "type": "AWS::Kinesis::Stream", "notes": "typo" }
  ],
  "hints": [
    { "from": "F", "to": "Nope" },
    { "from": "K", "to": "F" }
  ]
}"#;
    let problems: Vec<String> = match eventflow::scenario::load_str(text, "s.json", None) {
        Ok(_) => panic!("must be refused"),
        Err(e) => e.problems().iter().map(ToString::to_string).collect(),
    };
    // (line, path, part of the message)
    let expect = [
        (6, "external[0].id", "is a resource id"),
        (7, "external[1].type", ""),
        (8, "external[2]", "notes"),
        (
            11,
            "hints[0].to",
            "no resource or external resource \"Nope\"",
        ),
        (12, "hints[1].from", "no resource \"K\""),
    ];
    for (line, path, what) in expect {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with(&format!("s.json:{line}:"))
                    && p.contains(&format!(": {path}"))
                    && p.contains(what)),
            "line {line} {path} {what}: {problems:#?}"
        );
    }
}

/// Issue 10's edge cases not covered by the files above: intrinsics in their long forms (`Fn::Sub` with a
/// variable map, `Fn::GetAtt` as a dotted string and as a list, `Ref`, `Fn::If`, `Fn::Join`, `Fn::Equals`), YAML
/// 1.1 habits (an unquoted date is a string, `True` / `On` are booleans), a folded `!Sub >-` scalar and a list-form
/// `!Sub` whose variable is a `!GetAtt`.
#[test]
fn long_form_intrinsics_and_yaml_1_1_scalars() {
    let text = r#"AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Description: 2012-10-17
Parameters:
  Stage:
    Type: String
    Default: prod
Conditions:
  IsProd:
    Fn::Equals: [{Ref: Stage}, prod]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: True
      ContentBasedDeduplication: On
      QueueName:
        Fn::Sub:
          - "${Name}.fifo"
          - Name: {"Fn::Join": ["-", [jobs, {Ref: Stage}]]}
      VisibilityTimeout: {"Fn::If": [IsProd, 90, 30]}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: !Sub >-
        print("${Stage}")
      Environment:
        Variables:
          QUEUE: {"Fn::GetAtt": "Jobs.Arn"}
          LIST_SUB: !Sub
            - "${Arn}/${Stage}"
            - Arn: !GetAtt Jobs.Arn
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: {"Fn::GetAtt": [Jobs, Arn]}
"#;
    let imported =
        eventflow::import::import_str(text, "long.yaml", None, "fallback").expect("imports");
    let doc = &imported.document;
    assert_eq!(doc["name"], "2012-10-17", "an unquoted date is a string");
    let r = &doc["resources"];
    assert_eq!(r["Jobs"]["fifo"], true, "`True` is true in YAML 1.1");
    assert_eq!(
        r["Jobs"]["content_based_deduplication"], true,
        "`On` is true in YAML 1.1"
    );
    assert_eq!(
        r["Jobs"]["visibility_timeout_s"], 90,
        "Fn::If on Fn::Equals of a Ref"
    );
    let arn = "arn:aws:sqs:us-east-1:123456789012:Jobs";
    assert_eq!(r["Worker"]["environment"]["QUEUE"], arn);
    assert_eq!(
        r["Worker"]["environment"]["LIST_SUB"],
        format!("{arn}/prod")
    );
    assert_eq!(r["WorkerWork"]["source"], "Jobs", "Fn::GetAtt as a list");
    assert_eq!(r["WorkerWork"]["function"], "Worker");
    assert!(
        imported.notes.is_empty(),
        "nothing to note: {:#?}",
        imported.notes
    );
}
