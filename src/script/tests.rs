//! Tests of handler scripts: compiling, every API function against a mock host recording calls, values both ways,
//! errors, the virtual clock, the sandbox's limits, nested runs and determinism.

use std::collections::VecDeque;

use chrono::{TimeZone, Utc};
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

// ---- exploratory ----------------------------------------------------------------------------------------------------

#[test]
fn explore() {
    let (out, _) = run_src(
        "fn inner(x) { let a = [1]; a[x] }\nfn mid(x) {\n  inner(x)\n}\nfn handler(event, context) {\n  mid(5)\n}\n",
        json!({}),
    );
    println!("{:?}", out);
    let (out, _) = run_body("throw \"boom\";", json!({}));
    println!("{:?}", out);
    let (out, _) = run_body("s3::get(42, 1)", json!({}));
    println!("{:?}", out);
    let (out, _) = run_body("let f = |x| x.foo(); f.call(1)", json!({}));
    println!("{:?}", out);
    let (out, _) = run_src(
        "fn r(n) { if n == 0 { 0 } else { 1 + r(n - 1) } }\nfn handler(e, c) { r(1000) }",
        json!({}),
    );
    println!("{:?}", out);
    let (out, _) = run_src(
        "fn r(n) { if n == 0 { 0 } else { 1 + r(n - 1) } }\nfn handler(e, c) { r(60) }",
        json!({}),
    );
    println!("{:?}", out);
    println!(
        "{:?}",
        Handler::compile("fn handler(e, c) { eval(\"1\") }", "h.rhai")
    );
    println!(
        "{:?}",
        Handler::compile("import \"x\" as y;\nfn handler(e, c) { 1 }", "h.rhai")
    );
    println!(
        "{:?}",
        Handler::compile("fn handler(e, c) { let x = ; }", "h.rhai")
    );
    println!("{:?}", Handler::compile("fn handler(e, c) { y }", "h.rhai"));
    println!(
        "{:?}",
        Handler::compile("const T = 1;\nfn handler(e, c) { T }", "h.rhai")
    );
    let (out, _) = run_src("const T = 1;\nfn handler(e, c) { T + 1 }", json!({}));
    println!("{:?}", out);
}

#[test]
fn explore_depth() {
    for n in [5, 10, 15, 20, 30, 40, 50, 63] {
        let (out, _) = run_src(
            &format!(
                "fn r(n) {{ if n == 0 {{ 0 }} else {{ 1 + r(n - 1) }} }}\nfn handler(e, c) {{ r({n}) }}"
            ),
            json!({}),
        );
        println!("{n}: {:?}", out.result);
    }
    let (out, _) = run_src(
        "const T = 1;\nfn handler(e, c) { global::T + 1 }",
        json!({}),
    );
    println!("{:?}", out);
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
