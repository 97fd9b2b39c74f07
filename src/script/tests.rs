//! Tests of handler scripts: compiling, every API function against a mock host recording calls, values both ways,
//! errors, the virtual clock, the sandbox's limits, nested runs and determinism.

use std::collections::VecDeque;

use chrono::{TimeZone, Utc};
use rhai::Dynamic;
use serde_json::{Value, json};

use super::*;

// ---- helpers --------------------------------------------------------------------------------------------------------

type Responder = Box<dyn FnMut(&SdkCall) -> SdkResult>;

/// A host that records every call and log line and answers from `respond` (default: a `MessageId`-style answer per
/// operation after 10 ms).
struct Mock {
    calls: Vec<(u64, SdkCall)>,
    logs: Vec<(u64, String)>,
    rands: VecDeque<f64>,
    respond: Responder,
}

impl Mock {
    fn new() -> Mock {
        Mock {
            calls: Vec::new(),
            logs: Vec::new(),
            rands: VecDeque::new(),
            respond: Box::new(|call| SdkResult {
                result: Ok(default_answer(call)),
                latency_us: 10_000,
            }),
        }
    }

    fn answering(respond: impl FnMut(&SdkCall) -> SdkResult + 'static) -> Mock {
        Mock {
            respond: Box::new(respond),
            ..Mock::new()
        }
    }

    fn log_lines(&self) -> Vec<&str> {
        self.logs.iter().map(|(_, l)| l.as_str()).collect()
    }
}

fn default_answer(call: &SdkCall) -> Value {
    match call {
        SdkCall::SqsSend { .. } | SdkCall::SnsPublish { .. } => json!({"MessageId": "m-1"}),
        SdkCall::EventsPut { .. } => json!({"EventId": "e-1"}),
        SdkCall::S3Get { .. } => json!("the body"),
        SdkCall::DynamoGet { key, .. } => json!({"id": key["id"], "n": 1}),
        SdkCall::DynamoUpdate { key, changes, .. } => {
            let mut item = key.clone();
            for (k, v) in changes.as_object().into_iter().flatten() {
                item[k] = v.clone();
            }
            item
        }
        SdkCall::DynamoQuery {
            partition_value, ..
        } => json!([{"pk": partition_value, "sk": 1}]),
        SdkCall::LambdaInvoke { payload, .. } => json!({"echo": payload}),
        SdkCall::SfnStart { .. } => json!({"executionArn": "arn:aws:states:x"}),
        _ => Value::Null,
    }
}

impl Host for Mock {
    fn sdk(&mut self, offset_us: u64, call: SdkCall) -> SdkResult {
        let r = (self.respond)(&call);
        self.calls.push((offset_us, call));
        r
    }

    fn rand(&mut self) -> f64 {
        self.rands.pop_front().unwrap_or(0.5)
    }

    fn log(&mut self, offset_us: u64, message: String) {
        self.logs.push((offset_us, message));
    }
}

fn context() -> Context {
    Context {
        function_name: "ProcessOrder".into(),
        aws_request_id: "8f5e2c1a-0000-4000-8000-000000000001".into(),
        memory_limit_in_mb: 256,
        invoked_function_arn: "arn:aws:lambda:us-east-1:123456789012:function:ProcessOrder".into(),
        log_group_name: "/aws/lambda/ProcessOrder".into(),
        log_stream_name: "2026/01/01/[$LATEST]abc".into(),
        timeout_us: 3_000_000,
        start_time: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        environment: vec![
            ("TABLE".into(), "Orders".into()),
            ("STAGE".into(), "dev".into()),
        ],
    }
}

fn compile(src: &str) -> Handler {
    Handler::compile(src, "h.rhai").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `body` as the body of `fn handler(event, context)`.
fn run_body(body: &str, event: Value) -> (Outcome, Mock) {
    run_src(
        &format!("fn handler(event, context) {{\n{body}\n}}\n"),
        event,
    )
}

fn run_src(src: &str, event: Value) -> (Outcome, Mock) {
    let mut host = Mock::new();
    let out = run(&compile(src), &event, &context(), &mut host);
    (out, host)
}

fn run_with(src: &str, event: Value, host: &mut Mock) -> Outcome {
    run(&compile(src), &event, &context(), host)
}

fn ok(out: &Outcome) -> &Value {
    match &out.result {
        Ok(v) => v,
        Err(e) => panic!("expected success, got {e}"),
    }
}

fn err(out: &Outcome) -> &Value {
    match &out.result {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e,
    }
}

fn compile_err(src: &str) -> ScriptError {
    match Handler::compile(src, "h.rhai") {
        Ok(_) => panic!("expected a compile error"),
        Err(e) => e,
    }
}

// ---- compiling ------------------------------------------------------------------------------------------------------

#[test]
fn compiles_once_and_keeps_source_and_label() {
    let src = "fn handler(event, context) { event }";
    let h = Handler::compile(src, "scripts/echo.rhai").unwrap();
    assert_eq!(h.source(), src);
    assert_eq!(h.label(), "scripts/echo.rhai");
    assert_eq!(format!("{h:?}"), "Handler(scripts/echo.rhai, 36 bytes)");
    // A clone shares the compiled script and runs the same.
    let h2 = h.clone();
    let mut host = Mock::new();
    let out = run(&h2, &json!({"a": 1}), &context(), &mut host);
    assert_eq!(ok(&out), &json!({"a": 1}));
}

#[test]
fn stack_traces_name_the_file_by_its_trace_name() {
    let src = "fn handler(event, context) {\n  throw \"no\";\n}";
    let h = Handler::compile(src, "/somewhere/else/scripts/h.rhai").unwrap();
    assert_eq!(h.trace_name(), "/somewhere/else/scripts/h.rhai");
    let h = h.with_trace_name("scripts/h.rhai");
    assert_eq!(h.label(), "/somewhere/else/scripts/h.rhai");
    let out = run(&h, &json!(null), &context(), &mut Mock::new());
    assert_eq!(
        err(&out)["stackTrace"],
        json!(["at handler (scripts/h.rhai:2:3)"])
    );
}

#[test]
fn syntax_errors_have_exact_line_and_column() {
    let e = compile_err("fn handler(event, context) {\n  let x = ;\n}\n");
    assert_eq!((e.file.as_str(), e.line, e.col), ("h.rhai", 2, 11));
    assert_eq!(e.to_string(), "h.rhai:2:11: Unexpected ';'");

    // Columns count characters, not bytes.
    let e = compile_err("fn handler(event, context) {\n  let s = \"é🚀\"; let x = ;\n}\n");
    assert_eq!((e.line, e.col), (2, 25), "{e}");

    let e = compile_err("fn handler(event, context) {\n  let t = event.total +* 2;\n}\n");
    assert_eq!((e.line, e.col), (2, 24), "{e}");

    let e = compile_err("fn handler(event, context) {\n  if event.x {\n    1\n");
    assert_eq!((e.line, e.col), (4, 1), "{e}");
}

#[test]
fn a_script_without_handler_is_an_error() {
    let e = compile_err("fn main(event, context) { 1 }\n");
    assert_eq!((e.line, e.col), (1, 1));
    assert_eq!(
        e.message,
        "the script defines no `fn handler(event, context)`"
    );
    let e = compile_err("");
    assert!(e.message.contains("no `fn handler"), "{e}");
}

#[test]
fn a_handler_with_the_wrong_arity_is_an_error_at_its_definition() {
    let src = "// fn handler(a, b) in a comment\nlet s = \"fn handler\";\n\n  fn handler(event) { event }\n";
    let e = compile_err(src);
    assert_eq!((e.line, e.col), (4, 3), "{e}");
    assert_eq!(
        e.message,
        "`fn handler` takes 1 parameter; it must take two: `fn handler(event, context)`"
    );
    let e = compile_err("fn handler(a, b, c) { a }");
    assert!(e.message.contains("takes 3 parameters"), "{e}");
    // An overload with two parameters is enough.
    compile("fn handler(a) { a }\nfn handler(a, b) { handler(a) }");
}

#[test]
fn eval_and_import_are_rejected_at_compile_time() {
    let e = compile_err("fn handler(e, c) {\n  eval(\"40 + 2\")\n}");
    assert_eq!((e.line, e.col), (2, 3));
    assert!(e.message.contains("'eval'"), "{e}");
    let e = compile_err("import \"fs\" as fs;\nfn handler(e, c) { 1 }");
    assert_eq!((e.line, e.col), (1, 1));
    assert!(e.message.contains("'import'"), "{e}");
    // Nor through a function pointer.
    let (out, _) = run_body("let f = Fn(\"eval\"); f.call(\"1\")", json!(null));
    assert_eq!(err(&out)["errorType"], "ScriptError");
}

#[test]
fn the_standard_library_is_there_but_not_sleep_or_exit() {
    let (out, _) = run_body(
        r#"let a = [3, 1, 2]; a.sort();
        let m = #{ b: 2, a: 1 };
        let s = "Hello, World".to_upper();
        #{ sorted: a, keys: m.keys(), upper: s, sub: s.sub_string(0, 5), abs: (-4).abs(), sqrt: sqrt(16.0),
           contains: "abc".contains("b"), range: [], joined: ["a", "b"].reduce(|acc, x| acc + x, "") }"#,
        json!(null),
    );
    assert_eq!(
        ok(&out),
        &json!({"sorted": [1, 2, 3], "keys": ["a", "b"], "upper": "HELLO, WORLD", "sub": "HELLO", "abs": 4,
                "sqrt": 4.0, "contains": true, "range": [], "joined": "ab"})
    );
    for call in ["sleep(1)", "exit(1)", "timestamp()", "parse_json(\"1\")"] {
        let (out, _) = run_body(call, json!(null));
        let e = err(&out);
        assert_eq!(e["errorType"], "ScriptError", "{call}");
        assert!(
            e["errorMessage"]
                .as_str()
                .unwrap()
                .starts_with("Function not found"),
            "{call}: {e}"
        );
    }
}

// ---- values ---------------------------------------------------------------------------------------------------------

#[test]
fn the_event_arrives_as_rhai_values_equal_to_the_json() {
    let event = json!({
        "s": "héllo → 世界 🚀", "i": 42, "neg": -7, "f": 1.5, "whole_float": 2.0, "big": 18446744073709551615u64,
        "t": true, "n": null, "arr": [1, "two", [3.5], {"k": null}], "obj": {"nested": {"deep": [true]}},
        "empty_obj": {}, "empty_arr": []
    });
    let (out, _) = run_body(
        r#"#{
            s: type_of(event.s), i: type_of(event.i), f: type_of(event.f), wf: type_of(event.whole_float),
            big: type_of(event.big), t: type_of(event.t), n: type_of(event.n), is_unit: event.n == (),
            arr: type_of(event.arr), obj: type_of(event.obj), len: event.s.len(),
            missing: event.nothing, deep: event.obj.nested.deep[0], echo: event
        }"#,
        event.clone(),
    );
    let v = ok(&out);
    assert_eq!(v["s"], "string");
    assert_eq!(v["i"], "i64");
    assert_eq!(v["f"], "f64");
    assert_eq!(v["wf"], "f64");
    assert_eq!(v["big"], "f64");
    assert_eq!(v["t"], "bool");
    assert_eq!(v["n"], "()");
    assert_eq!(v["is_unit"], true);
    assert_eq!(v["arr"], "array");
    assert_eq!(v["obj"], "map");
    assert_eq!(v["len"], 12);
    assert_eq!(v["missing"], Value::Null);
    assert_eq!(v["deep"], true);
    // The whole event converts back unchanged (numbers keep int/float; u64 beyond i64 becomes a float).
    let mut expected = event;
    expected["big"] = json!(18446744073709551615u64 as f64);
    assert_eq!(v["echo"], expected);
    assert!(v["echo"]["whole_float"].is_f64());
    assert!(v["echo"]["i"].is_i64());
}

#[test]
fn maps_come_back_with_sorted_keys() {
    let (out, _) = run_body(
        "#{ zebra: 1, apple: 2, mango: #{ b: 1, a: 2 } }",
        json!(null),
    );
    assert_eq!(
        serde_json::to_string(ok(&out)).unwrap(),
        r#"{"apple":2,"mango":{"a":2,"b":1},"zebra":1}"#
    );
}

#[test]
fn unsupported_values_become_their_string_form() {
    let (out, _) = run_body(
        r#"#{ ch: 'x', nan: 0.0 / 0.0, inf: 1.0 / 0.0, f: Fn("handler"), r: 1..3, unit: (), ctx: context }"#,
        json!(null),
    );
    let v = ok(&out);
    assert_eq!(v["ch"], "x");
    assert_eq!(v["nan"], Value::Null);
    assert_eq!(v["inf"], Value::Null);
    assert_eq!(v["f"], "Fn(handler)");
    assert_eq!(v["r"], "1..3");
    assert_eq!(v["unit"], Value::Null);
    assert_eq!(v["ctx"]["function_name"], "ProcessOrder");
    assert_eq!(v["ctx"]["memory_limit_in_mb"], 256);
}

#[test]
fn returning_nothing_is_null_and_closures_values_convert() {
    let (out, _) = run_body("let x = 1;", json!(null));
    assert_eq!(ok(&out), &Value::Null);
    let (out, _) = run_body(
        "let total = 0; let add = |n| total += n; add.call(2); add.call(3); #{ total: total }",
        json!(null),
    );
    assert_eq!(ok(&out), &json!({"total": 5}));
}

#[test]
fn too_deep_values_are_errors_not_crashes() {
    let mut deep = json!(1);
    for _ in 0..(MAX_DEPTH + 5) {
        deep = json!([deep]);
    }
    let (out, _) = run_body("event", deep);
    let e = err(&out);
    assert_eq!(e["errorType"], "ScriptError");
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap()
            .contains("nested more than 256"),
        "{e}"
    );

    // A map that contains itself (through a closure's shared variable) ends as an error too.
    let (out, _) = run_body(
        "let m = #{}; let f = || m; m.me = m; m.f = f; m",
        json!(null),
    );
    assert!(out.result.is_ok() || err(&out)["errorType"] == "ScriptError");
}

/// Takes a deeply nested JSON array apart level by level (dropping it whole would recurse once per level).
fn dismantle_json(mut v: Value) {
    while let Value::Array(mut items) = v {
        v = items.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn converting_very_deep_values_stops_at_the_limit() {
    for n in [10_000, 100_000] {
        let mut deep = json!(1);
        for _ in 0..n {
            deep = Value::Array(vec![deep]);
        }
        let why = from_json(&deep).err().expect("too deep");
        assert!(why.contains("nested more than 256"), "{why}");
        // As a handler's event, by reference: the run ends with an error, not a crash.
        let mut host = Mock::new();
        let out = run(
            &compile("fn handler(e, c) { e }"),
            &deep,
            &context(),
            &mut host,
        );
        assert!(
            err(&out)["errorMessage"]
                .as_str()
                .unwrap()
                .contains("nested more than 256"),
            "{:?}",
            out.result
        );
        dismantle_json(deep);

        let mut value = Dynamic::from_int(1);
        for _ in 0..n {
            value = Dynamic::from_array(vec![value]);
        }
        let why = to_json(&value).err().expect("too deep");
        assert!(why.contains("nested more than 256"), "{why}");
        while let Some(mut items) = value.try_cast::<rhai::Array>() {
            value = items.pop().unwrap_or(Dynamic::UNIT);
        }
    }
}

/// The handler of issue 18 (item 1): a value nested deeper and deeper in a loop.
const NEST_IN_A_LOOP: [&str; 4] = [
    "let x = 1; for i in 0..event { x = [x]; } 1",
    "let x = 1; for i in 0..event { x = #{ inner: x }; } 1",
    "let x = []; for i in 0..event { let y = []; y.push(x); x = y; } 1",
    "let x = #{}; for i in 0..event { let y = #{}; y.inner = x; x = y; } 1",
];

#[test]
fn values_nested_too_deeply_are_a_clear_error_not_a_crash_or_a_long_run() {
    for n in [10_000, 100_000] {
        for body in NEST_IN_A_LOOP {
            let started = std::time::Instant::now();
            let (out, _) = run_body(body, json!(n));
            let e = err(&out);
            assert_eq!(e["errorType"], "ScriptError", "{body}: {e}");
            assert!(
                e["errorMessage"].as_str().unwrap().starts_with(
                    "data nested too deeply: arrays and maps may be nested at most 256 levels deep"
                ),
                "{body}: {e}"
            );
            assert!(!out.timed_out);
            // Generous for a loaded debug build; before the bound 10,000 levels took seconds, 100,000 never ended.
            assert!(
                started.elapsed().as_secs() < 10,
                "{body}: {:?}",
                started.elapsed()
            );
        }
    }
    // Up to the limit is fine, and such a value converts to JSON.
    let (out, _) = run_body(
        "let x = 1; for i in 1..256 { x = [x]; } json::stringify(x).len()",
        json!(null),
    );
    assert_eq!(ok(&out), &json!(255 * 2 + 1));
    // The limit cannot be caught.
    let (out, _) = run_body(
        "try { let x = 1; for i in 0..1000 { x = [x]; } } catch (e) { return \"caught\"; } 1",
        json!(null),
    );
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("data nested too deeply")
    );
}

#[test]
fn size_checks_count_against_the_operation_budget() {
    // Each push re-checks the whole array: building 100,000 elements one by one is quadratic work, stopped as a
    // runaway (a timeout) within the budget's time.
    let started = std::time::Instant::now();
    let (out, _) = run_body(
        "let a = []; for i in 0..100000 { a.push(i); } a.len()",
        json!(null),
    );
    assert!(out.timed_out);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    // A moderate array is fine.
    let (out, _) = run_body(
        "let a = []; for i in 0..5000 { a.push(i); } a.len()",
        json!(null),
    );
    assert_eq!(ok(&out), &json!(5000));
    // Without size checks in the loop, the same number of elements costs little.
    let (out, _) = run_body("let a = []; a.pad(100000, 0); a.len()", json!(null));
    assert_eq!(ok(&out), &json!(100000));
}

#[test]
fn a_scenario_whose_handler_nests_too_deeply_ends_with_the_error() {
    use crate::sim::{Sim, SimOptions, TraceRecord};
    // Through the engine, on a test thread (2 MiB of stack, like the app's runner thread).
    for n in [10_000, 100_000] {
        let text = format!(
            r#"{{"format": "eventflow/1", "name": "deep", "settings": {{"until_s": 5}},
              "resources": {{"Fn": {{"type": "function", "code": {{"inline":
                "fn handler(event, context) {{ let x = 1; for i in 0..event.n {{ x = [x]; }} x }}"}}}}}},
              "traffic": [{{"to": "Fn", "at_s": 1, "payload": {{"n": {n}}}}}]}}"#
        );
        let scenario = crate::scenario::load_str(&text, "deep.json", None).expect("valid scenario");
        let mut sim = Sim::new(
            std::sync::Arc::new(scenario),
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        let started = std::time::Instant::now();
        sim.run_until(5_000_000);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        let trace: Vec<TraceRecord> = sim.take_trace();
        let text = serde_json::to_string(&trace).expect("trace as JSON");
        assert!(
            text.contains(
                "data nested too deeply: arrays and maps may be nested at most 256 levels deep"
            ),
            "{text}"
        );
    }
}

// ---- throw and errors -----------------------------------------------------------------------------------------------

#[test]
fn throw_forms() {
    let (out, _) = run_body("throw \"Order o-1 has no items\";", json!(null));
    let e = err(&out);
    assert_eq!(e["errorType"], "Error");
    assert_eq!(e["errorMessage"], "Order o-1 has no items");
    assert_eq!(e["stackTrace"], json!(["at handler (h.rhai:2:1)"]));

    let (out, _) = run_body(
        "throw #{ errorType: \"OrderInvalid\", errorMessage: \"no items\" };",
        json!(null),
    );
    let e = err(&out);
    assert_eq!(
        (&e["errorType"], &e["errorMessage"]),
        (&json!("OrderInvalid"), &json!("no items"))
    );

    let (out, _) = run_body("throw #{ errorMessage: \"just a message\" };", json!(null));
    assert_eq!(err(&out)["errorType"], "Error");
    assert_eq!(err(&out)["errorMessage"], "just a message");

    let (out, _) = run_body("throw #{ code: 7 };", json!(null));
    assert_eq!(err(&out)["errorType"], "Error");
    assert_eq!(err(&out)["errorMessage"], r#"{"code":7}"#);

    let (out, _) = run_body("throw 42;", json!(null));
    assert_eq!(err(&out)["errorMessage"], "42");

    let (out, _) = run_body("throw;", json!(null));
    assert_eq!(err(&out)["errorMessage"], "");
}

#[test]
fn a_thrown_error_can_be_caught_by_the_script() {
    let (out, _) = run_body(
        "try { throw #{ errorType: \"X\", errorMessage: \"m\" }; } catch (e) { return `caught ${e.errorType}`; }",
        json!(null),
    );
    assert_eq!(ok(&out), &json!("caught X"));
}

#[test]
fn runtime_errors_say_where_with_a_stack_trace() {
    let src = "fn total(items) {\n  items[3].price\n}\n\nfn handler(event, context) {\n  let t = total([1]);\n  t\n}\n";
    let (out, _) = run_src(src, json!(null));
    let e = err(&out);
    assert_eq!(e["errorType"], "ScriptError");
    assert_eq!(
        e["errorMessage"],
        "Array index 3 out of bounds: only 1 element in array (line 2, column 9)"
    );
    assert_eq!(
        e["stackTrace"],
        json!(["at total (h.rhai:2:9)", "at handler (h.rhai:6:11)"])
    );

    let (out, _) = run_body("let x = 1 + \"a\" * 2;", json!(null));
    assert_eq!(err(&out)["errorType"], "ScriptError");
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("(line 2, column")
    );

    let (out, _) = run_body("no_such_function(1)", json!(null));
    assert_eq!(
        err(&out)["errorMessage"],
        "Function not found: no_such_function (i64) (line 2, column 1)"
    );

    let (out, _) = run_body("undefined_variable", json!(null));
    assert_eq!(
        err(&out)["errorMessage"],
        "Variable not found: undefined_variable (line 2, column 1)"
    );
}

#[test]
fn errors_in_top_level_code_are_at_top_level() {
    let (out, _) = run_src("let x = [][1];\nfn handler(e, c) { 1 }", json!(null));
    assert_eq!(
        err(&out)["stackTrace"],
        json!(["at <top level> (h.rhai:1:12)"])
    );
}

#[test]
fn top_level_constants_are_visible_as_global() {
    let (out, _) = run_src(
        "const TABLE = \"Orders\";\nfn handler(e, c) { dynamodb::get(global::TABLE, #{ id: \"1\" }) }",
        json!(null),
    );
    assert!(out.result.is_ok(), "{:?}", out.result);
}

// ---- context, clock, env, rand, now, log ----------------------------------------------------------------------------

#[test]
fn context_fields_and_remaining_time() {
    let (out, _) = run_body(
        r#"let before = context.remaining_time_ms();
        work(250);
        let after = context.remaining_time_ms();
        work(0.5);
        #{ function_name: context.function_name, aws_request_id: context.aws_request_id,
           memory_limit_in_mb: context.memory_limit_in_mb, invoked_function_arn: context.invoked_function_arn,
           log_group_name: context.log_group_name, log_stream_name: context.log_stream_name,
           before: before, after: after, node: context.get_remaining_time_in_millis(),
           type: type_of(context), text: `${context}`, index: context["function_name"] }"#,
        json!(null),
    );
    let v = ok(&out);
    let c = context();
    assert_eq!(v["function_name"], c.function_name);
    assert_eq!(v["aws_request_id"], c.aws_request_id);
    assert_eq!(v["memory_limit_in_mb"], 256);
    assert_eq!(v["invoked_function_arn"], c.invoked_function_arn);
    assert_eq!(v["log_group_name"], c.log_group_name);
    assert_eq!(v["log_stream_name"], c.log_stream_name);
    assert_eq!(v["before"], 3000);
    assert_eq!(v["after"], 2750);
    assert_eq!(v["node"], 2749); // 250.5 ms used: 2749.5 ms left, whole milliseconds
    assert_eq!(v["type"], "LambdaContext");
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .contains("\"function_name\":\"ProcessOrder\"")
    );
    assert_eq!(v["index"], "ProcessOrder");
    assert_eq!(out.elapsed_us, 250_500);
    assert!(!out.timed_out);
}

#[test]
fn work_advances_the_clock_and_checks_its_argument() {
    let (out, _) = run_body("work(10); work(2.25); work(0);", json!(null));
    assert_eq!(out.elapsed_us, 12_250);
    for bad in ["work(-1)", "work(\"5\")", "work(0.0 / 0.0)"] {
        let (out, _) = run_body(bad, json!(null));
        let e = err(&out);
        assert_eq!(e["errorType"], "ValidationException", "{bad}");
        assert!(
            e["errorMessage"]
                .as_str()
                .unwrap()
                .starts_with("work: ms must be"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn now_is_the_virtual_time() {
    let (out, _) = run_body("let a = now(); work(1234.5); [a, now()]", json!(null));
    assert_eq!(
        ok(&out),
        &json!(["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.234Z"])
    );
}

#[test]
fn env_reads_the_functions_environment() {
    let (out, _) = run_body(
        "[env(\"TABLE\"), env(\"STAGE\"), env(\"MISSING\")]",
        json!(null),
    );
    assert_eq!(ok(&out), &json!(["Orders", "dev", null]));
    let (out, _) = run_body("env(1)", json!(null));
    assert_eq!(err(&out)["errorType"], "ValidationException");
}

#[test]
fn rand_comes_from_the_host() {
    let mut host = Mock::new();
    host.rands = VecDeque::from([0.25, 0.75]);
    let out = run_with(
        "fn handler(e, c) { [rand(), rand(), rand()] }",
        json!(null),
        &mut host,
    );
    assert_eq!(ok(&out), &json!([0.25, 0.75, 0.5]));
}

#[test]
fn log_writes_strings_as_they_are_and_the_rest_as_json() {
    let (out, host) = run_body(
        r#"log("plain text");
        log(#{ b: [1, 2.5, ()], a: "x" });
        log([1, "two"]);
        log(42);
        log(3.5);
        log(true);
        log(());
        work(7);
        print("printed");
        debug("debugged");
        log(context);
        log(10.0, 10.0)"#,
        json!(null),
    );
    assert_eq!(
        host.log_lines(),
        vec![
            "plain text",
            r#"{"a":"x","b":[1,2.5,null]}"#,
            r#"[1,"two"]"#,
            "42",
            "3.5",
            "true",
            "null",
            "printed",
            "\"debugged\"",
            &context_json(),
        ]
    );
    // The two-argument log is still the logarithm.
    assert_eq!(ok(&out), &json!(1.0));
    let offsets: Vec<u64> = host.logs.iter().map(|(o, _)| *o).collect();
    assert_eq!(offsets, vec![0, 0, 0, 0, 0, 0, 0, 7000, 7000, 7000]);
}

fn context_json() -> String {
    let c = context();
    json!({
        "aws_request_id": c.aws_request_id, "function_name": c.function_name, "invoked_function_arn":
        c.invoked_function_arn, "log_group_name": c.log_group_name, "log_stream_name": c.log_stream_name,
        "memory_limit_in_mb": 256
    })
    .to_string()
}

#[test]
fn json_parse_and_stringify_round_trip() {
    let (out, _) = run_body(
        r#"let text = "{\"id\":\"o-1\",\"total\":12.5,\"n\":3,\"tags\":[\"a\",null],\"ok\":true,\"u\":\"ü🚀\"}";
        let v = json::parse(text);
        #{ v: v, total_type: type_of(v.total), back: json::stringify(v), scalar: json::parse("7"),
           s: json::stringify("a\"b"), unit: json::stringify(()) }"#,
        json!(null),
    );
    let v = ok(&out);
    assert_eq!(
        v["v"],
        json!({"id": "o-1", "total": 12.5, "n": 3, "tags": ["a", null], "ok": true, "u": "ü🚀"})
    );
    assert_eq!(v["total_type"], "f64");
    assert_eq!(
        v["back"],
        r#"{"id":"o-1","n":3,"ok":true,"tags":["a",null],"total":12.5,"u":"ü🚀"}"#
    );
    assert_eq!(v["scalar"], 7);
    assert_eq!(v["s"], r#""a\"b""#);
    assert_eq!(v["unit"], "null");
}

#[test]
fn json_parse_of_invalid_text_throws_a_syntax_error() {
    let (out, _) = run_body(
        "try { json::parse(\"{oops\") } catch (e) { return e.errorType; }",
        json!(null),
    );
    assert_eq!(ok(&out), &json!("SyntaxError"));
    let (out, _) = run_body("json::parse(\"[1,\")", json!(null));
    let e = err(&out);
    assert_eq!(e["errorType"], "SyntaxError");
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("json::parse: "),
        "{e}"
    );
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("(line 2, column 7)"),
        "{e}"
    );
}

// ---- SDK calls ------------------------------------------------------------------------------------------------------

#[test]
fn every_sdk_call_is_normalised_timed_and_answered() {
    let (out, host) = run_body(
        r#"
        let r = [];
        r.push(sqs::send("Queue", "hello"));
        work(5);
        r.push(sqs::send("Fifo.fifo", #{ id: 1 }, #{ group_id: "g1", deduplication_id: "d1", delay_s: 0,
            attributes: #{ region: "north", priority: 3, ratio: 0.5, aws: #{ DataType: "Number.int", StringValue: "7" } } }));
        r.push(sns::publish("Topic", "msg"));
        r.push(sns::publish("Topic", [1, 2], #{ subject: "Hi", attributes: #{ a: "b" }, group_id: "g" }));
        r.push(events::put("Orders", #{ source: "shop", "detail-type": "Order Placed", detail: #{ id: "o-1" },
            resources: ["arn:x"] }));
        r.push(events::put("Orders", #{ source: "shop", detail_type: "Text Detail", detail: "{\"a\":1}" }));
        r.push(s3::put("Bucket", "a/b.json", #{ k: "v" }));
        r.push(s3::get("Bucket", "a/b.json"));
        r.push(s3::delete("Bucket", "a/b.json"));
        r.push(dynamodb::put("Table", #{ id: "1", n: 2 }));
        r.push(dynamodb::get("Table", #{ id: "1" }));
        r.push(dynamodb::update("Table", #{ id: "1" }, #{ n: 3, s: "x" }));
        r.push(dynamodb::delete("Table", #{ id: "1" }));
        r.push(dynamodb::query("Table", "p-1"));
        r.push(dynamodb::query("Table", 42));
        r.push(lambda::invoke("Other", #{ q: 1 }));
        r.push(lambda::invoke_async("Other", "text"));
        r.push(sfn::start("Machine", #{ input: true }));
        r
        "#,
        json!(null),
    );
    let attrs_none = json!({});
    let expected = vec![
        (
            0,
            SdkCall::SqsSend {
                queue: "Queue".into(),
                body: "hello".into(),
                attributes: attrs_none.clone(),
                group_id: None,
                deduplication_id: None,
                delay_s: None,
            },
        ),
        (
            15_000,
            SdkCall::SqsSend {
                queue: "Fifo.fifo".into(),
                body: r#"{"id":1}"#.into(),
                attributes: json!({
                    "aws": {"DataType": "Number.int", "StringValue": "7"},
                    "priority": {"DataType": "Number", "StringValue": "3"},
                    "ratio": {"DataType": "Number", "StringValue": "0.5"},
                    "region": {"DataType": "String", "StringValue": "north"},
                }),
                group_id: Some("g1".into()),
                deduplication_id: Some("d1".into()),
                delay_s: Some(0),
            },
        ),
        (
            25_000,
            SdkCall::SnsPublish {
                topic: "Topic".into(),
                message: "msg".into(),
                subject: None,
                attributes: attrs_none.clone(),
                group_id: None,
            },
        ),
        (
            35_000,
            SdkCall::SnsPublish {
                topic: "Topic".into(),
                message: "[1,2]".into(),
                subject: Some("Hi".into()),
                attributes: json!({"a": {"DataType": "String", "StringValue": "b"}}),
                group_id: Some("g".into()),
            },
        ),
        (
            45_000,
            SdkCall::EventsPut {
                bus: "Orders".into(),
                entry: json!({"source": "shop",
            "detail-type": "Order Placed", "detail": {"id": "o-1"}, "resources": ["arn:x"]}),
            },
        ),
        (
            55_000,
            SdkCall::EventsPut {
                bus: "Orders".into(),
                entry: json!({"source": "shop",
            "detail-type": "Text Detail", "detail": {"a": 1}, "resources": []}),
            },
        ),
        (
            65_000,
            SdkCall::S3Put {
                bucket: "Bucket".into(),
                key: "a/b.json".into(),
                body: r#"{"k":"v"}"#.into(),
            },
        ),
        (
            75_000,
            SdkCall::S3Get {
                bucket: "Bucket".into(),
                key: "a/b.json".into(),
            },
        ),
        (
            85_000,
            SdkCall::S3Delete {
                bucket: "Bucket".into(),
                key: "a/b.json".into(),
            },
        ),
        (
            95_000,
            SdkCall::DynamoPut {
                table: "Table".into(),
                item: json!({"id": "1", "n": 2}),
            },
        ),
        (
            105_000,
            SdkCall::DynamoGet {
                table: "Table".into(),
                key: json!({"id": "1"}),
            },
        ),
        (
            115_000,
            SdkCall::DynamoUpdate {
                table: "Table".into(),
                key: json!({"id": "1"}),
                changes: json!({"n": 3, "s": "x"}),
            },
        ),
        (
            125_000,
            SdkCall::DynamoDelete {
                table: "Table".into(),
                key: json!({"id": "1"}),
            },
        ),
        (
            135_000,
            SdkCall::DynamoQuery {
                table: "Table".into(),
                partition_value: json!("p-1"),
            },
        ),
        (
            145_000,
            SdkCall::DynamoQuery {
                table: "Table".into(),
                partition_value: json!(42),
            },
        ),
        (
            155_000,
            SdkCall::LambdaInvoke {
                function: "Other".into(),
                payload: json!({"q": 1}),
            },
        ),
        (
            165_000,
            SdkCall::LambdaInvokeAsync {
                function: "Other".into(),
                payload: json!("text"),
            },
        ),
        (
            175_000,
            SdkCall::SfnStart {
                state_machine: "Machine".into(),
                input: json!({"input": true}),
            },
        ),
    ];
    assert_eq!(host.calls.len(), expected.len());
    for (got, want) in host.calls.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(out.elapsed_us, 185_000);
    assert_eq!(
        ok(&out),
        &json!([
            {"MessageId": "m-1"}, {"MessageId": "m-1"}, {"MessageId": "m-1"}, {"MessageId": "m-1"},
            {"EventId": "e-1"}, {"EventId": "e-1"}, null, "the body", null, null, {"id": "1", "n": 1},
            {"id": "1", "n": 3, "s": "x"}, null, [{"pk": "p-1", "sk": 1}], [{"pk": 42, "sk": 1}],
            {"echo": {"q": 1}}, null, {"executionArn": "arn:aws:states:x"}
        ])
    );
}

#[test]
fn service_operation_and_resource_of_calls() {
    let call = SdkCall::SqsSend {
        queue: "Q".into(),
        body: String::new(),
        attributes: json!({}),
        group_id: None,
        deduplication_id: None,
        delay_s: None,
    };
    assert_eq!(
        (call.service(), call.operation(), call.resource()),
        ("sqs", "SendMessage", "Q")
    );
    let cases = [
        (
            SdkCall::SnsPublish {
                topic: "T".into(),
                message: String::new(),
                subject: None,
                attributes: json!({}),
                group_id: None,
            },
            ("sns", "Publish", "T"),
        ),
        (
            SdkCall::EventsPut {
                bus: "B".into(),
                entry: json!({}),
            },
            ("events", "PutEvents", "B"),
        ),
        (
            SdkCall::S3Put {
                bucket: "S".into(),
                key: "k".into(),
                body: String::new(),
            },
            ("s3", "PutObject", "S"),
        ),
        (
            SdkCall::S3Get {
                bucket: "S".into(),
                key: "k".into(),
            },
            ("s3", "GetObject", "S"),
        ),
        (
            SdkCall::S3Delete {
                bucket: "S".into(),
                key: "k".into(),
            },
            ("s3", "DeleteObject", "S"),
        ),
        (
            SdkCall::DynamoPut {
                table: "D".into(),
                item: json!({}),
            },
            ("dynamodb", "PutItem", "D"),
        ),
        (
            SdkCall::DynamoGet {
                table: "D".into(),
                key: json!({}),
            },
            ("dynamodb", "GetItem", "D"),
        ),
        (
            SdkCall::DynamoUpdate {
                table: "D".into(),
                key: json!({}),
                changes: json!({}),
            },
            ("dynamodb", "UpdateItem", "D"),
        ),
        (
            SdkCall::DynamoDelete {
                table: "D".into(),
                key: json!({}),
            },
            ("dynamodb", "DeleteItem", "D"),
        ),
        (
            SdkCall::DynamoQuery {
                table: "D".into(),
                partition_value: json!(1),
            },
            ("dynamodb", "Query", "D"),
        ),
        (
            SdkCall::LambdaInvoke {
                function: "F".into(),
                payload: json!(null),
            },
            ("lambda", "Invoke", "F"),
        ),
        (
            SdkCall::LambdaInvokeAsync {
                function: "F".into(),
                payload: json!(null),
            },
            ("lambda", "Invoke", "F"),
        ),
        (
            SdkCall::SfnStart {
                state_machine: "M".into(),
                input: json!(null),
            },
            ("sfn", "StartExecution", "M"),
        ),
    ];
    for (call, want) in cases {
        assert_eq!((call.service(), call.operation(), call.resource()), want);
    }
}

fn failing(error_type: &'static str, message: &'static str) -> Mock {
    Mock::answering(move |_| SdkResult {
        result: Err(SdkError {
            code: None,
            error_type: error_type.into(),
            message: message.into(),
        }),
        latency_us: 3_000,
    })
}

#[test]
fn an_sdk_error_is_thrown_and_can_be_caught() {
    let mut host = failing("ResourceNotFoundException", "Queue Nope does not exist");
    let out = run_with(
        r#"fn handler(event, context) {
    try {
        sqs::send("Nope", "x");
        return "not reached";
    } catch (e) {
        return #{ type: e.errorType, message: e.errorMessage, keys: e.keys() };
    }
}"#,
        json!(null),
        &mut host,
    );
    assert_eq!(
        ok(&out),
        &json!({"type": "ResourceNotFoundException", "message": "Queue Nope does not exist",
                "keys": ["errorMessage", "errorType"]})
    );
    // The failed call still took its time.
    assert_eq!(out.elapsed_us, 3_000);
}

#[test]
fn an_uncaught_sdk_error_fails_the_handler_with_its_type_and_line() {
    let mut host = failing("NoSuchKey", "The specified key does not exist.");
    let out = run_with(
        "fn load(key) {\n  s3::get(\"Bucket\", key)\n}\nfn handler(event, context) {\n  load(\"missing.txt\")\n}\n",
        json!(null),
        &mut host,
    );
    let e = err(&out);
    assert_eq!(e["errorType"], "NoSuchKey");
    assert_eq!(
        e["errorMessage"],
        "The specified key does not exist. (line 2, column 7)"
    );
    assert_eq!(
        e["stackTrace"],
        json!(["at load (h.rhai:2:7)", "at handler (h.rhai:5:3)"])
    );
    // Rethrown by the script: the message stays as it is.
    let mut host = failing("NoSuchKey", "The specified key does not exist.");
    let out = run_with(
        "fn handler(event, context) {\n  try { s3::get(\"B\", \"k\") } catch (e) { log(e); throw e; }\n}\n",
        json!(null),
        &mut host,
    );
    assert_eq!(
        err(&out)["errorMessage"],
        "The specified key does not exist."
    );
    assert_eq!(
        host.log_lines(),
        vec![r#"{"errorMessage":"The specified key does not exist.","errorType":"NoSuchKey"}"#]
    );
}

#[test]
fn wrong_arguments_are_validation_errors_naming_the_function() {
    let cases = [
        (
            "sqs::send(42, \"x\")",
            "sqs::send: the queue must be a string (a resource id), found an integer",
        ),
        (
            "sqs::send(\"Q\", ())",
            "sqs::send: the message body must be a string or a map, found ()",
        ),
        (
            "sqs::send(\"Q\", \"x\", #{ group: \"g\" })",
            "sqs::send: unknown option \"group\" (the options are attributes, group_id, deduplication_id, delay_s)",
        ),
        (
            "sqs::send(\"Q\", \"x\", #{ delay_s: 901 })",
            "sqs::send: delay_s must be an integer from 0 to 900, found 901",
        ),
        (
            "sqs::send(\"Q\", \"x\", #{ attributes: #{ a: true } })",
            "sqs::send: attribute \"a\" must be a string, a number or #{DataType, StringValue}, found a boolean",
        ),
        (
            "sqs::send(\"Q\", \"x\", #{ attributes: #{ a: #{ StringValue: \"1\" } } })",
            "sqs::send: attribute \"a\" needs a \"DataType\" (\"String\" or \"Number\")",
        ),
        (
            "sqs::send(\"Q\", \"x\", \"opts\")",
            "sqs::send: the options must be a map, found a string",
        ),
        (
            "sns::publish(\"T\", \"m\", #{ subject: 1 })",
            "sns::publish: the subject must be a string, found an integer",
        ),
        (
            "events::put(\"B\", \"entry\")",
            "events::put: the entry must be a map #{ source, \"detail-type\", detail, resources }, found a string",
        ),
        (
            "events::put(\"B\", #{ \"detail-type\": \"x\" })",
            "events::put: the entry needs \"source\" (a string)",
        ),
        (
            "events::put(\"B\", #{ source: \"s\", \"detail-type\": \"x\", detail: \"[1]\" })",
            "events::put: the entry's \"detail\" must be a map (or the JSON text of an object), found a string",
        ),
        (
            "events::put(\"B\", #{ source: \"s\", \"detail-type\": \"x\", resources: [1] })",
            "events::put: the entry's \"resources\" item must be a string, found an integer",
        ),
        (
            "s3::put(\"B\", 1, \"x\")",
            "s3::put: the key must be a string, found an integer",
        ),
        (
            "dynamodb::put(\"T\", [1])",
            "dynamodb::put: the item must be a map, found an array",
        ),
        (
            "dynamodb::update(\"T\", #{ id: 1 }, 5)",
            "dynamodb::update: the changes must be a map, found an integer",
        ),
        (
            "dynamodb::query(\"T\", #{})",
            "dynamodb::query: the partition value must be a string or a number, found a map",
        ),
        (
            "lambda::invoke((), 1)",
            "lambda::invoke: the function must be a string (a resource id), found ()",
        ),
        ("sfn::start(\"M\", Fn(\"handler\"))", ""),
    ];
    for (call, message) in cases {
        let (out, host) = run_body(&format!("{call};"), json!(null));
        if message.is_empty() {
            // A function pointer as input is sent as its string form.
            assert!(out.result.is_ok(), "{call}");
            continue;
        }
        let e = err(&out);
        assert_eq!(e["errorType"], "ValidationException", "{call}");
        // The position is the function's name (after the namespace).
        let col = call.find("::").unwrap() + 3;
        assert_eq!(
            e["errorMessage"],
            format!("{message} (line 2, column {col})"),
            "{call}"
        );
        assert!(host.calls.is_empty(), "{call}: no call is made");
        // And catchable.
        let (out, _) = run_body(
            &format!("try {{ {call}; }} catch (e) {{ return e.errorType; }}"),
            json!(null),
        );
        assert_eq!(ok(&out), &json!("ValidationException"), "{call}");
    }
    // A call with the wrong number of arguments is Rhai's "function not found".
    let (out, _) = run_body("sqs::send(\"Q\")", json!(null));
    assert_eq!(err(&out)["errorType"], "ScriptError");
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Function not found: sqs::send (string) (line 2, column 6)")
    );
}

// ---- timeouts and the sandbox ---------------------------------------------------------------------------------------

#[test]
fn work_past_the_timeout_stops_the_script() {
    let (out, host) = run_body(
        "log(\"start\"); work(2999); log(\"almost\"); work(5); log(\"never\");",
        json!(null),
    );
    assert!(out.timed_out);
    assert_eq!(out.elapsed_us, 3_000_000);
    let e = err(&out);
    assert_eq!(e["errorType"], "Sandbox.Timedout");
    assert_eq!(host.log_lines(), vec!["start", "almost"]);
    // Reaching the timeout exactly is a timeout too.
    let (out, _) = run_body("work(3000); 1", json!(null));
    assert!(out.timed_out);
    // And it cannot be caught.
    let (out, _) = run_body("try { work(5000); } catch (e) { return 1; } 2", json!(null));
    assert!(out.timed_out);
}

#[test]
fn a_call_whose_latency_passes_the_timeout_happens_then_stops_the_script() {
    let mut host = Mock::answering(|_| SdkResult {
        result: Ok(Value::Null),
        latency_us: 2_000_000,
    });
    let out = run_with(
        "fn handler(e, c) { work(500); sqs::send(\"Q\", \"1\"); sqs::send(\"Q\", \"2\"); 3 }",
        json!(null),
        &mut host,
    );
    assert!(out.timed_out);
    assert_eq!(out.elapsed_us, 3_000_000);
    // The first call was made at 500 ms; the second one too (at 2.5 s), then the clock passed the timeout.
    let offsets: Vec<u64> = host.calls.iter().map(|(o, _)| *o).collect();
    assert_eq!(offsets, vec![500_000, 2_500_000]);
}

#[test]
fn an_infinite_loop_is_a_timeout() {
    let (out, _) = run_body("let i = 0; loop { i += 1; }", json!(null));
    assert!(out.timed_out);
    assert_eq!(out.elapsed_us, 3_000_000);
    let (out, _) = run_body("while true { try { let x = 1; } catch { } }", json!(null));
    assert!(out.timed_out);
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let (out, _) = run_src(
        "fn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } }\nfn handler(e, c) { down(e) }",
        json!(MAX_CALL_LEVELS - 2),
    );
    assert_eq!(ok(&out), &json!(MAX_CALL_LEVELS - 2));
    for n in [MAX_CALL_LEVELS + 1, 10_000, 1_000_000] {
        let (out, _) = run_src(
            "fn down(n) { if n == 0 { 0 } else { 1 + down(n - 1) } }\nfn handler(e, c) { down(e) }",
            json!(n),
        );
        let e = err(&out);
        assert_eq!(e["errorType"], "ScriptError");
        assert!(
            e["errorMessage"]
                .as_str()
                .unwrap()
                .starts_with("stack overflow"),
            "{e}"
        );
        assert!(!out.timed_out);
    }
    // Mutual recursion and recursion through closures too.
    let (out, _) = run_src(
        "fn a(n) { b(n) }\nfn b(n) { a(n) }\nfn handler(e, c) { a(1) }",
        json!(null),
    );
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("stack overflow")
    );
}

#[test]
fn deeply_nested_expressions_are_compile_errors() {
    let src = format!(
        "fn handler(e, c) {{ {}1{} }}",
        "(".repeat(500),
        ")".repeat(500)
    );
    let e = compile_err(&src);
    assert_eq!(e.message, "Expression exceeds maximum complexity");
    let src = format!("fn handler(e, c) {{ {} }}", "[".repeat(10_000));
    let _ = Handler::compile(&src, "h.rhai");
    let src = format!("fn handler(e, c) {{ {} }}", "{".repeat(10_000));
    let _ = Handler::compile(&src, "h.rhai");
}

#[test]
fn huge_strings_arrays_and_maps_are_errors() {
    let (out, _) = run_body("let s = \"x\"; loop { s += s; }", json!(null));
    let e = err(&out);
    assert_eq!(e["errorType"], "ScriptError");
    assert!(
        e["errorMessage"].as_str().unwrap().contains("too large"),
        "{e}"
    );

    let (out, _) = run_body("let s = \"abcdefgh\".pad(2000000, 'x');", json!(null));
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("too large"),
        "{:?}",
        out.result
    );

    let (out, _) = run_body("let a = []; a.pad(200000, 0);", json!(null));
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("too large"),
        "{:?}",
        out.result
    );

    // Rhai checks a map's size when it is next used (not when a key is added), and the result when it is returned.
    let (out, _) = run_body(
        "let m = #{}; for i in 0..200000 { m[`k${i}`] = i; } m.len()",
        json!(null),
    );
    assert!(
        err(&out)["errorMessage"]
            .as_str()
            .unwrap()
            .contains("too large"),
        "{:?}",
        out.result
    );
    let (out, _) = run_body(
        "let m = #{}; for i in 0..200000 { m[`k${i}`] = i; } m",
        json!(null),
    );
    assert_eq!(
        err(&out)["errorMessage"],
        "the handler's result cannot be returned: Size of object map too large"
    );
}

#[test]
fn the_same_inputs_give_the_same_outcome() {
    let src = r#"fn handler(event, context) {
        let picks = [];
        for i in 0..5 { picks.push(rand()); work(rand() * 10.0); }
        let r = sqs::send("Q", #{ picks: picks, at: now() });
        #{ picks: picks, at: now(), r: r }
    }"#;
    let h = compile(src);
    let go = || {
        let mut host = Mock::new();
        host.rands = (0..20).map(|i| f64::from(i) / 20.0).collect();
        let out = run(&h, &json!({"x": 1}), &context(), &mut host);
        (out, host.calls, host.logs)
    };
    let a = go();
    let b = go();
    assert_eq!(a, b);
    assert!(a.0.result.is_ok());
}

// ---- nested runs ----------------------------------------------------------------------------------------------------

/// A host whose `lambda::invoke` runs another handler, as the simulator does for a scripted callee.
struct Nesting {
    callee: Handler,
    calls: Vec<(u64, String)>,
    logs: Vec<(u64, String)>,
    depth: usize,
}

impl Host for Nesting {
    fn sdk(&mut self, offset_us: u64, call: SdkCall) -> SdkResult {
        self.calls.push((
            offset_us,
            format!("{}:{}", call.operation(), call.resource()),
        ));
        match call {
            SdkCall::LambdaInvoke { payload, .. } => {
                self.depth += 1;
                let mut ctx = context();
                ctx.function_name = format!("callee{}", self.depth);
                ctx.timeout_us = 1_000_000;
                let callee = self.callee.clone();
                let out = run(&callee, &payload, &ctx, self);
                self.depth -= 1;
                SdkResult {
                    result: out.result.map_err(|e| SdkError {
                        code: None,
                        error_type: e["errorType"].as_str().unwrap_or("Error").into(),
                        message: e["errorMessage"].as_str().unwrap_or("").into(),
                    }),
                    latency_us: out.elapsed_us + 1_000,
                }
            }
            _ => SdkResult {
                result: Ok(Value::Null),
                latency_us: 100,
            },
        }
    }

    fn rand(&mut self) -> f64 {
        0.0
    }

    fn log(&mut self, offset_us: u64, message: String) {
        self.logs.push((offset_us, message));
    }
}

#[test]
fn a_host_can_run_a_nested_handler_from_an_sdk_call() {
    let callee = compile(
        r#"fn handler(event, context) {
            work(20);
            log(`${context.function_name} got ${event.n}, ${context.remaining_time_ms()} ms left`);
            if event.n == 99 { throw #{ errorType: "Boom", errorMessage: "callee failed" }; }
            if event.n > 1 { lambda::invoke("Self", #{ n: event.n - 1 }); }
            #{ n: event.n, at: now() }
        }"#,
    );
    let caller = compile(
        r#"fn handler(event, context) {
            work(100);
            let r = lambda::invoke("Callee", #{ n: 3 });
            log(`caller has ${context.remaining_time_ms()} ms left`);
            let e = ();
            try { lambda::invoke("Callee", #{ n: 99 }); } catch (err) { e = err; }
            #{ r: r, e: e, at: now() }
        }"#,
    );
    let mut host = Nesting {
        callee,
        calls: Vec::new(),
        logs: Vec::new(),
        depth: 0,
    };
    let out = run(&caller, &json!(null), &context(), &mut host);
    // Callee chain: 3 → 2 → 1, each 20 ms of work plus 1 ms of invoke overhead for its callee.
    // n=1: 20 ms; n=2: 20 + (20 + 1) = 41 ms; n=3: 20 + (41 + 1) = 62 ms; the caller's first invoke: 63 ms.
    let v = ok(&out);
    assert_eq!(v["r"]["n"], 3);
    assert_eq!(v["r"]["at"], "2026-01-01T00:00:00.062Z");
    assert_eq!(
        v["e"],
        json!({"errorType": "Boom", "errorMessage": "callee failed"})
    );
    assert_eq!(out.elapsed_us, 100_000 + 63_000 + 21_000);
    assert_eq!(v["at"], "2026-01-01T00:00:00.184Z");
    assert_eq!(
        host.logs,
        vec![
            (20_000, "callee1 got 3, 980 ms left".to_string()),
            (20_000, "callee2 got 2, 980 ms left".to_string()),
            (20_000, "callee3 got 1, 980 ms left".to_string()),
            (163_000, "caller has 2837 ms left".to_string()),
            (20_000, "callee1 got 99, 980 ms left".to_string()),
        ]
    );
    assert_eq!(
        host.calls,
        vec![
            (100_000, "Invoke:Callee".to_string()),
            (20_000, "Invoke:Self".to_string()),
            (20_000, "Invoke:Self".to_string()),
            (163_000, "Invoke:Callee".to_string()),
        ]
    );
}

#[test]
fn deeply_nested_runs_end_with_an_error_not_a_crash() {
    let callee = compile("fn handler(event, context) { lambda::invoke(\"Self\", event) }");
    let mut host = Nesting {
        callee: callee.clone(),
        calls: Vec::new(),
        logs: Vec::new(),
        depth: 0,
    };
    let out = run(&callee, &json!({}), &context(), &mut host);
    let e = err(&out);
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap()
            .contains("stack overflow"),
        "{e}"
    );
    assert!(host.depth == 0);
}

// ---- the host's own failures ---------------------------------------------------------------------------------------

#[test]
fn a_panic_of_the_host_reaches_the_caller_of_run_and_leaves_no_state_behind() {
    let h = compile(
        "fn handler(e, c) { log(\"before\"); try { sqs::send(\"Q\", \"x\"); } catch { } log(\"after\"); 1 }",
    );
    for panic_in in ["sdk", "log"] {
        let mut host = Mock::answering(move |_| {
            if panic_in == "sdk" {
                panic!("host bug in sdk")
            }
            SdkResult {
                result: Ok(Value::Null),
                latency_us: 0,
            }
        });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if panic_in == "log" {
                // A host whose log panics.
                struct Bad;
                impl Host for Bad {
                    fn sdk(&mut self, _: u64, _: SdkCall) -> SdkResult {
                        SdkResult {
                            result: Ok(Value::Null),
                            latency_us: 0,
                        }
                    }
                    fn rand(&mut self) -> f64 {
                        0.0
                    }
                    fn log(&mut self, _: u64, _: String) {
                        panic!("host bug in log")
                    }
                }
                run(&h, &json!(null), &context(), &mut Bad)
            } else {
                run(&h, &json!(null), &context(), &mut host)
            }
        }));
        let payload = caught.expect_err("the panic reaches the caller");
        let text = payload.downcast_ref::<&str>().copied().unwrap_or_default();
        assert_eq!(text, format!("host bug in {panic_in}"));
    }
    // The thread's run state is clean: the next run works.
    let (out, _) = run_body("env(\"TABLE\")", json!(null));
    assert_eq!(ok(&out), &json!("Orders"));
}

#[test]
fn handlers_can_be_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Handler>();
    let h = compile("fn handler(e, c) { e + 1 }");
    let t = std::thread::spawn(move || run(&h, &json!(41), &context(), &mut Mock::new()));
    assert_eq!(ok(&t.join().unwrap()), &json!(42));
}

// ---- never panic ----------------------------------------------------------------------------------------------------

#[test]
fn odd_scripts_never_panic() {
    let scripts = [
        "",
        "fn",
        "fn handler(",
        "fn handler(e, c) {",
        "}",
        "#{",
        "\"",
        "`${`",
        "'ab'",
        "fn handler(e, c) { e.",
        "fn handler(e, c) { this }",
        "fn handler(e, c) { c.remaining_time_ms = 5; }",
        "fn handler(e, c) { c.x }",
        "fn handler(e, c) { let f = handler; }",
        "fn handler(e, c) { Fn(\"\").call() }",
        "fn handler(e, c) { e.call(1) }",
        "fn handler(e, c) { [1, 2][-5] }",
        "fn handler(e, c) { 1 / 0 }",
        "fn handler(e, c) { 9223372036854775807 + 1 }",
        "fn handler(e, c) { \"abc\"[99] }",
        "fn handler(e, c) { let x = #{}; x.y.z = 1; }",
        "fn handler(e, c) { json::parse(json::stringify(c)) }",
        "fn handler(e, c) { for x in 5 { } }",
        "fn handler(e, c) { switch e { 1 => 2, _ => throw () } }",
        "fn handler(e, c) { curry(1) }",
        "fn handler(e, c) { is_def_fn(\"handler\", 2) }",
        "fn handler(e, c) { c.aws_request_id = \"x\"; c }",
        "fn handler(e, c) { sqs::send(\"\\u{0}\", \"\") }",
        "fn handler(e, c) { work(1e300); }",
        "fn handler(e, c) { work(9223372036854775807); }",
        "fn handler(e, c) { return; }",
        "fn handler(e, c) { break; }",
        "\u{feff}fn handler(e, c) { 1 }",
        "fn handler(e, c) { \"🚀\".chars().rev() }",
    ];
    for s in scripts {
        if let Ok(h) = Handler::compile(s, "odd.rhai") {
            let mut host = Mock::new();
            let out = run(&h, &json!({"a": [1, {"b": null}]}), &context(), &mut host);
            assert!(out.elapsed_us <= 3_000_000, "{s}");
        }
    }
}

/// Invocations per second of a 10-line handler (`cargo test --lib script -- --ignored --nocapture`).
#[test]
#[ignore]
fn bench_invocations_per_second() {
    let h = compile(
        r#"
fn handler(event, context) {
    let order = event.detail;
    if order.total < 0 { throw "negative total"; }
    let items = [];
    for item in order.items { items.push(#{ sku: item.sku, qty: item.qty * 2 }); }
    work(5);
    dynamodb::put("Orders", #{ id: order.id, items: items, total: order.total });
    log(`stored ${order.id}`);
    #{ statusCode: 200, body: json::stringify(#{ id: order.id, count: items.len() }) }
}
"#,
    );
    let event = json!({"detail": {"id": "o-1", "total": 42.5,
        "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}, {"sku": "C", "qty": 3}]}});
    let ctx = context();
    let mut host = Mock::new();
    let n = 20_000;
    let t0 = std::time::Instant::now();
    for _ in 0..n {
        let out = run(&h, &event, &ctx, &mut host);
        assert!(out.result.is_ok());
        host.calls.clear();
        host.logs.clear();
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{n} invocations in {secs:.3} s: {:.0} invocations/s",
        n as f64 / secs
    );
}
// ---- the example handlers of the app --------------------------------------------------------------------------------

fn example(name: &str) -> Handler {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/scenarios/handlers")
        .join(name);
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Handler::compile(&src, name).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn example_validate_order() {
    let h = example("validate_order.rhai");
    let event = json!({
        "version": "0", "id": "e-1", "detail-type": "Order Placed", "source": "com.example.shop",
        "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"id": "o-1", "customer": "c-9", "items": [{"sku": "A-1", "qty": 2, "price": 9.5},
                                                             {"sku": "B-2", "qty": 1, "price": 1}]}
    });
    let mut host = Mock::new();
    let out = run(&h, &event, &context(), &mut host);
    assert_eq!(
        ok(&out),
        &json!({"id": "o-1", "status": "VALIDATED", "total": 20.0})
    );
    assert_eq!(host.calls.len(), 2);
    let (at, SdkCall::DynamoPut { table, item }) = &host.calls[0] else {
        panic!("{:?}", host.calls[0])
    };
    assert_eq!((*at, table.as_str()), (15_000, "Orders"));
    assert_eq!(item["validated_at"], "2026-01-01T00:00:00.015Z");
    assert_eq!(item["status"], "VALIDATED");
    assert_eq!(
        host.calls[1],
        (
            25_000,
            SdkCall::EventsPut {
                bus: "Orders".into(),
                entry: json!({"source": "com.example.orders",
            "detail-type": "Order Validated", "detail": {"id": "o-1", "total": 20.0}, "resources": []})
            }
        )
    );
    assert_eq!(
        host.log_lines(),
        vec!["order o-1 validated: 2 items, total 20.0"]
    );

    let mut bad = event.clone();
    bad["detail"]["items"] = json!([]);
    let out = run(&h, &bad, &context(), &mut host);
    assert_eq!(err(&out)["errorType"], "InvalidOrder");
    assert_eq!(err(&out)["errorMessage"], "order o-1 has no items");
    bad["detail"]["items"] = json!([{"sku": "A-1", "qty": 0}]);
    let out = run(&h, &bad, &context(), &mut host);
    assert_eq!(err(&out)["errorMessage"], "order o-1: bad quantity for A-1");
}

#[test]
fn example_items_api() {
    let h = example("items_api.rhai");
    // No TABLE in the environment: the default table.
    let ctx = Context {
        environment: Vec::new(),
        ..context()
    };
    let http = |method: &str, id: Option<&str>, body: Option<&str>| {
        let mut e = json!({"version": "2.0", "routeKey": format!("{method} /items"), "rawPath": "/items",
            "requestContext": {"http": {"method": method, "path": "/items"}}, "isBase64Encoded": false});
        if let Some(id) = id {
            e["pathParameters"] = json!({"id": id});
        }
        if let Some(b) = body {
            e["body"] = json!(b);
        }
        e
    };
    let mut host = Mock::answering(|call| SdkResult {
        result: Ok(match call {
            SdkCall::DynamoGet { key, .. } if key["id"] == "i-1" => {
                json!({"id": "i-1", "name": "lamp"})
            }
            _ => Value::Null,
        }),
        latency_us: 4_000,
    });
    let out = run(&h, &http("GET", Some("i-1"), None), &ctx, &mut host);
    assert_eq!(
        ok(&out),
        &json!({"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": r#"{"id":"i-1","name":"lamp"}"#})
    );
    let out = run(&h, &http("GET", Some("i-2"), None), &ctx, &mut host);
    assert_eq!(ok(&out)["statusCode"], 404);
    let out = run(
        &h,
        &http("POST", None, Some(r#"{"id":"i-3","name":"desk"}"#)),
        &ctx,
        &mut host,
    );
    assert_eq!(ok(&out)["statusCode"], 201);
    assert_eq!(
        host.calls.last().unwrap().1,
        SdkCall::DynamoPut {
            table: "Items".into(),
            item: json!({"id": "i-3", "name": "desk", "created_at": "2026-01-01T00:00:00.000Z"})
        }
    );
    let out = run(&h, &http("POST", None, Some("not json")), &ctx, &mut host);
    assert_eq!(ok(&out)["statusCode"], 400);
    let out = run(&h, &http("POST", None, Some("[1]")), &ctx, &mut host);
    assert_eq!(ok(&out)["statusCode"], 400);
    let out = run(&h, &http("DELETE", Some("i-1"), None), &ctx, &mut host);
    assert_eq!(ok(&out), &json!({"statusCode": 204}));
    let out = run(&h, &http("PATCH", None, None), &ctx, &mut host);
    assert_eq!(ok(&out)["statusCode"], 405);
    // The REST API's payload 1.0 works too.
    let rest = json!({"resource": "/items/{id}", "path": "/items/i-1", "httpMethod": "GET",
        "pathParameters": {"id": "i-1"}, "requestContext": {"resourcePath": "/items/{id}"}, "body": null});
    let out = run(&h, &rest, &ctx, &mut host);
    assert_eq!(ok(&out)["statusCode"], 200);
}

#[test]
fn example_poison() {
    let h = example("poison.rhai");
    let batch = json!({"Records": [
        {"messageId": "m-1", "body": "order 1", "eventSource": "aws:sqs"},
        {"messageId": "m-2", "body": "a poison pill", "eventSource": "aws:sqs"},
        {"messageId": "m-3", "body": "order 3", "eventSource": "aws:sqs"}
    ]});
    let (out, _) = (run(&h, &batch, &context(), &mut Mock::new()), ());
    let e = err(&out);
    assert_eq!(e["errorType"], "PoisonMessage");
    assert_eq!(e["errorMessage"], "message m-2 is poison");
    assert_eq!(out.elapsed_us, 10_000);

    let mut ctx = context();
    ctx.environment
        .push(("PARTIAL_BATCH".into(), "true".into()));
    let mut host = Mock::new();
    let out = run(&h, &batch, &ctx, &mut host);
    assert_eq!(
        ok(&out),
        &json!({"batchItemFailures": [{"itemIdentifier": "m-2"}]})
    );
    assert_eq!(out.elapsed_us, 20_000);
    assert_eq!(host.log_lines().len(), 3);

    let clean = json!({"Records": [{"messageId": "m-1", "body": "fine"}]});
    let out = run(&h, &clean, &context(), &mut Mock::new());
    assert_eq!(ok(&out), &json!({"batchItemFailures": []}));
}
