//! Hostile input (issue 18): every case exits 0 or 2 with a message, within seconds, and never loses a file.
//! Inputs are generated here, in a temporary folder, so the repository keeps only small files.

use std::path::Path;
use std::process::{Command, Output};

fn eventflow_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run eventflow")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A fresh folder for one test (with a `handlers` folder), removed when the test ends.
fn folder(name: &str) -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix(&format!("eventflow-hostile-{name}-"))
        .tempdir()
        .expect("temp dir");
    std::fs::create_dir_all(d.path().join("handlers")).expect("temp dir");
    d
}

const SCENARIO: &str = r#"{
  "format": "eventflow/1",
  "name": "hostile",
  "settings": { "until_s": 5 },
  "resources": {
    "Fn": { "type": "function", "code": { "script": "handlers/h.rhai" } }
  },
  "traffic": [ { "to": "Fn", "at_s": 1, "payload": { "n": 1 } } ]
}
"#;

const SCRIPT: &str = "fn handler(event, context) {\n    log(\"hi\");\n    event\n}\n";

fn scenario_in(name: &str) -> tempfile::TempDir {
    let d = folder(name);
    std::fs::write(d.path().join("s.json"), SCENARIO).expect("scenario");
    std::fs::write(d.path().join("handlers/h.rhai"), SCRIPT).expect("script");
    d
}

/// Item 2: `run F --trace F` (under any spelling of F, or of one of its scripts) is refused and the file kept.
#[test]
fn run_refuses_to_write_its_trace_over_its_inputs() {
    let scratch = scenario_in("trace-over-input");
    let d = scratch.path();
    let abs = d.join("s.json").to_string_lossy().to_string();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("s.json"), d.join("link.json")).expect("symlink");
    let mut spellings = vec!["s.json", "./s.json", "handlers/../s.json", abs.as_str()];
    if cfg!(unix) {
        spellings.push("link.json");
    }
    for spelling in spellings {
        let out = eventflow_in(&d, &["run", "s.json", "--trace", spelling]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "--trace {spelling}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("refusing to overwrite"),
            "--trace {spelling}: {}",
            stderr(&out)
        );
        assert_eq!(
            std::fs::read_to_string(d.join("s.json")).expect("scenario"),
            SCENARIO,
            "the scenario is intact after --trace {spelling}"
        );
    }
    let out = eventflow_in(&d, &["run", "s.json", "--trace", "handlers/h.rhai"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("handler script"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(d.join("handlers/h.rhai")).expect("script"),
        SCRIPT
    );
    // A different file is fine.
    let out = eventflow_in(&d, &["run", "s.json", "--trace", "out.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(d.join("out.jsonl").is_file());
}

/// Item 3: `fmt` through a symbolic link formats the target and keeps the link.
#[cfg(unix)]
#[test]
fn fmt_writes_through_symlinks() {
    let scratch = scenario_in("fmt-link");
    let d = scratch.path();
    // Not canonical: everything on one line.
    let squashed: String = SCENARIO.split_whitespace().collect::<Vec<_>>().join(" ");
    std::fs::write(d.join("s.json"), &squashed).expect("write");
    std::os::unix::fs::symlink("s.json", d.join("link.json")).expect("symlink");
    let out = eventflow_in(&d, &["fmt", "link.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(d.join("link.json")).expect("meta");
    assert!(meta.file_type().is_symlink(), "the link is still a link");
    let text = std::fs::read_to_string(d.join("s.json")).expect("target");
    assert_ne!(text, squashed, "the target was formatted");
    let check = eventflow_in(&d, &["fmt", "--check", "s.json"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

/// Item 4: `fmt` keeps a private file private and refuses a read-only one, naming it.
#[cfg(unix)]
#[test]
fn fmt_keeps_modes_and_refuses_read_only_files() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = scenario_in("fmt-mode");
    let d = scratch.path();
    let squashed: String = SCENARIO.split_whitespace().collect::<Vec<_>>().join(" ");
    let private = d.join("s.json");
    std::fs::write(&private, &squashed).expect("write");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let out = eventflow_in(&d, &["fmt", "s.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = std::fs::metadata(&private)
        .expect("meta")
        .permissions()
        .mode()
        & 0o7777;
    assert_eq!(mode, 0o600);

    let ro = d.join("ro.json");
    std::fs::write(&ro, &squashed).expect("write");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let out = eventflow_in(&d, &["fmt", "ro.json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a read-only file is not replaced"
    );
    assert!(stderr(&out).contains("read-only"), "{}", stderr(&out));
    assert!(stderr(&out).contains("ro.json"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&ro).expect("read"), squashed);
}

/// Item 5 (command line) and item 11: `--until` past the documented maximum, or negative, is refused with a
/// message naming the flag (not "unexpected argument '-1'"), never simulated as 0 s.
#[test]
fn run_refuses_out_of_range_until() {
    let scratch = scenario_in("until");
    let d = scratch.path();
    for bad in ["1e303", "-1", "inf", "NaN", "4e9"] {
        let out = eventflow_in(&d, &["run", "s.json", "--until", bad]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "--until {bad}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("--until must be"),
            "--until {bad}: {}",
            stderr(&out)
        );
    }
    let out = eventflow_in(&d, &["run", "s.json", "--until", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Item 6: what is not a regular file is refused at once, naming it, instead of being read forever.
#[cfg(unix)]
#[test]
fn devices_and_folders_are_refused_not_read() {
    let scratch = scenario_in("devices");
    let d = scratch.path();
    for args in [
        vec!["check", "/dev/zero"],
        vec!["run", "/dev/zero"],
        vec!["fmt", "/dev/zero"],
        vec!["check", "handlers"],
        vec!["test-pattern", "--pattern", "@/dev/zero", "--event", "{}"],
    ] {
        let out = eventflow_in(&d, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // Over the cap: a sparse 65 MiB file costs no disk and is refused by its size alone.
    let big = d.join("big.json");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(65 << 20).expect("sparse file");
    let out = eventflow_in(&d, &["check", "big.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("limit for a scenario file"),
        "{}",
        stderr(&out)
    );
}

/// Item 11: output that cannot be written is an error (exit 1 with a message), not a silent success.
#[cfg(target_os = "linux")]
#[test]
fn output_that_cannot_be_written_is_an_error() {
    let scratch = scenario_in("dev-full");
    let d = scratch.path();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let out = Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .current_dir(&d)
        .args(["check", "s.json"])
        .stdout(full)
        .output()
        .expect("run eventflow");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write to standard output"),
        "{}",
        stderr(&out)
    );
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .current_dir(&d)
        .args(["run", "s.json", "--summary"])
        .stdout(full)
        .output()
        .expect("run eventflow");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // The template an export writes on standard output is output too.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .current_dir(&d)
        .args(["export", "s.json", "--sam"])
        .stdout(full)
        .output()
        .expect("run eventflow");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write to standard output"),
        "{}",
        stderr(&out)
    );
}

/// Item 11: ids of 10,000 characters are shortened in messages, invisible characters are shown escaped, and a
/// pattern that is not an object says so plainly.
#[test]
fn messages_shorten_long_ids_and_show_invisible_characters() {
    let scratch = folder("messages");
    let d = scratch.path();
    let long = "A".repeat(10_000);
    let doc = serde_json::json!({
        "format": "eventflow/1",
        "name": "x",
        "resources": { long.clone(): { "type": "queue" }, "B\u{200b}C": { "type": "queue" } }
    });
    std::fs::write(d.join("s.json"), doc.to_string()).expect("write");
    let out = eventflow_in(&d, &["check", "s.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.len() < 2_000, "no id echoed whole: {} bytes", err.len());
    assert!(err.contains("(10000 characters)"), "{err}");
    assert!(
        err.contains("B\\u200bC"),
        "the zero-width space is visible: {err}"
    );
    let out = eventflow_in(&d, &["test-pattern", "--pattern", "[1]", "--event", "{}"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("invalid pattern: an event pattern must be a JSON object, found an array"),
        "{}",
        stderr(&out)
    );
}

/// `run … --trace - | head -1`: a reader that stops early ends the trace quietly (exit 0, no error).
#[test]
fn a_closed_pipe_ends_the_trace_quietly() {
    use std::io::{BufRead, BufReader};
    let scratch = folder("pipe");
    let d = scratch.path();
    // Megabytes of trace: far more than a pipe buffers, so writing meets the closed pipe.
    std::fs::write(
        d.join("busy.json"),
        r#"{"format": "eventflow/1", "name": "busy", "settings": {"until_s": 300},
            "resources": {"F": {"type": "function"}},
            "traffic": [{"to": "F", "every_s": 0.02, "payload": {"n": "{{seq}}"}}]}"#,
    )
    .expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .current_dir(&d)
        .args(["run", "busy.json", "--trace", "-"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("one line");
    // The reader is dropped here: the pipe closes.
    let out = child.wait_with_output().expect("wait");
    assert!(first.starts_with('{'), "{first}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

/// Item 5 (scenario file): a time past the engine's clock (`until_s`, traffic times, `duration_ms`, latencies,
/// `idle_timeout_s`) is refused at load with its location and the documented maximum, never wrapped to 0.
#[test]
fn times_past_the_clock_are_refused_with_their_location() {
    let scratch = folder("huge-times");
    let d = scratch.path();
    std::fs::write(d.join("handlers/h.rhai"), SCRIPT).expect("script");
    let base = serde_json::json!({
        "format": "eventflow/1",
        "name": "times",
        "settings": { "until_s": 5 },
        "resources": { "Fn": { "type": "function", "code": { "script": "handlers/h.rhai" } } },
        "traffic": [ { "to": "Fn", "at_s": 1, "payload": {} } ]
    });
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, &str, Edit); 8] = [
        ("settings.until_s", "3155760000", |v| {
            v["settings"]["until_s"] = 1e303.into()
        }),
        ("settings.hop_latency_ms", "3155760000000", |v| {
            v["settings"]["hop_latency_ms"] = 1e306.into()
        }),
        ("resources.Fn.duration_ms", "3155760000000", |v| {
            v["resources"]["Fn"]["duration_ms"] = 1e306.into()
        }),
        ("resources.Fn.duration_ms.p99", "3155760000000", |v| {
            v["resources"]["Fn"]["duration_ms"] =
                serde_json::json!({"dist": "lognormal", "p50": 1, "p99": 1e300})
        }),
        ("resources.Fn.idle_timeout_s", "3155760000", |v| {
            v["resources"]["Fn"]["idle_timeout_s"] = 1e303.into()
        }),
        ("traffic[0].at_s", "3155760000", |v| {
            v["traffic"][0]["at_s"] = 1e303.into()
        }),
        (
            "traffic[0].every_s",
            "0.000001",
            |v| v["traffic"][0] = serde_json::json!({"to": "Fn", "every_s": 1e-9, "payload": {}}),
        ),
        (
            "traffic[0].until_s",
            "3155760000",
            |v| {
                v["traffic"][0] =
                    serde_json::json!({"to": "Fn", "every_s": 1, "until_s": 1e303, "payload": {}})
            },
        ),
    ];
    for (path, maximum, edit) in cases {
        let mut doc = base.clone();
        edit(&mut doc);
        std::fs::write(
            d.join("s.json"),
            serde_json::to_string_pretty(&doc).expect("json"),
        )
        .expect("write");
        for command in ["check", "run"] {
            let out = eventflow_in(&d, &[command, "s.json"]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{command} {path}: {err}");
            assert!(
                err.contains(&format!(": {path}: expected a number")) && err.contains("s.json:"),
                "{command} {path}: located: {err}"
            );
            assert!(
                err.contains(maximum),
                "{command} {path}: names {maximum}: {err}"
            );
        }
    }
}

/// Runs eventflow in `dir` under a memory cap (`ulimit -v`, in KiB) and returns its output and its wall time.
#[cfg(unix)]
fn eventflow_capped(dir: &Path, mem_kib: u64, args: &[&str]) -> (Output, std::time::Duration) {
    let started = std::time::Instant::now();
    let out = Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!("ulimit -v {mem_kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_eventflow"))
        .args(args)
        .output()
        .expect("run eventflow under sh");
    (out, started.elapsed())
}

/// A scenario whose function `Fn` (handler `handlers/h.rhai` = `script`) is invoked once at t = 1 s, beside a
/// bucket, a queue, a topic, a bus, a table and a second function `Small`.
fn handler_scenario(name: &str, script: &str) -> tempfile::TempDir {
    let d = folder(name);
    let doc = serde_json::json!({
        "format": "eventflow/1",
        "name": name,
        "settings": { "until_s": 1000 },
        "resources": {
            "Fn": { "type": "function", "timeout_s": 900, "code": { "script": "handlers/h.rhai" } },
            "Small": { "type": "function", "code": { "script": "handlers/small.rhai" } },
            "B": { "type": "bucket" },
            "Q": { "type": "queue" },
            "T": { "type": "topic" },
            "Bus": { "type": "event_bus" },
            "Tab": { "type": "table", "partition_key": "id" }
        },
        "traffic": [ { "to": "Fn", "at_s": 1, "invocation_type": "RequestResponse", "payload": {} } ]
    });
    std::fs::write(
        d.path().join("s.json"),
        serde_json::to_string_pretty(&doc).expect("json"),
    )
    .expect("scenario");
    std::fs::write(d.path().join("handlers/h.rhai"), script).expect("script");
    std::fs::write(d.path().join("handlers/small.rhai"), SCRIPT).expect("script");
    d
}

/// A string of 1,000,000 bytes named `mb` (scripts' strings stay under 1 MiB), and one of 500,000 named `half`.
const BIG_STRINGS: &str =
    "let mb = \"x\"; mb.pad(1000000, 'x');\nlet half = \"y\"; half.pad(500000, 'y');\n";

/// Runs `s.json` with its trace to `trace.jsonl` under a 2 GiB memory cap; returns the trace, after checking that
/// the run ended (exit 0) within 60 s.
#[cfg(unix)]
fn run_traced(d: &Path) -> String {
    let (out, took) = eventflow_capped(d, 2 << 20, &["run", "s.json", "--trace", "trace.jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took.as_secs() < 60, "took {took:?}");
    std::fs::read_to_string(d.join("trace.jsonl")).expect("trace")
}

/// Item 7 and issue 12 item 7: each SDK call over its service's size limit fails with the error AWS gives, which
/// the handler can catch, and the calls within their limits go through. (A script's values stay under Rhai's data
/// limits, about 3 MB at most, so the 6 MB synchronous limits are pinned by `sim::limits`'s unit tests.)
#[cfg(unix)]
#[test]
fn sdk_calls_over_aws_size_limits_throw_the_aws_error() {
    let script = format!(
        "fn handler(event, context) {{\n{BIG_STRINGS}\
         let nums = [1000000000000000000]; while nums.len() < 65536 {{ nums += nums; }}\n\
         let errors = [];\n\
         try {{ sqs::send(\"Q\", mb, #{{ attributes: #{{ a: half }} }}); }} catch (e) {{ errors.push(e.errorType); }}\n\
         try {{ sns::publish(\"T\", half); }} catch (e) {{ errors.push(e.errorType); }}\n\
         try {{ events::put(\"Bus\", #{{ source: \"s\", \"detail-type\": \"d\", detail: #{{ nums: nums }} }}); }} catch (e) {{ errors.push(e.errorType); }}\n\
         try {{ dynamodb::put(\"Tab\", #{{ id: \"1\", v: half }}); }} catch (e) {{ errors.push(e.errorType); }}\n\
         try {{ lambda::invoke_async(\"Small\", nums); }} catch (e) {{ errors.push(e.errorType); }}\n\
         sqs::send(\"Q\", half);\n\
         dynamodb::put(\"Tab\", #{{ id: \"2\", v: \"small\" }});\n\
         errors\n}}\n"
    );
    let scratch = handler_scenario("size-limits", &script);
    let d = scratch.path();
    let trace = run_traced(&d);
    for error in [
        "Message must be shorter than 1048576 bytes.",
        "Invalid parameter: Message too long",
        "Total size of the entries in the request is over the limit.",
        "Item size has exceeded the maximum allowed size",
        "1310721 byte payload is too large for the Event invocation type (limit 1048576 bytes)",
        // The handler caught each and returned their types.
        r#"["InvalidParameterValue","InvalidParameter","ValidationException","ValidationException","RequestEntityTooLargeException"]"#,
    ] {
        assert!(trace.contains(error), "the trace holds {error}");
    }
    let sent = trace
        .lines()
        .filter(|l| l.contains("\"kind\":\"call\"") && !l.contains("\"error\""))
        .count();
    assert_eq!(sent, 2, "the two calls within their limits went through");
}

/// Item 7: handler floods end within seconds under a memory cap — 1 MiB `s3::put`s in a loop, `sqs::send`
/// without end, `dynamodb::put` of 1 MiB items, `log` of 1 MiB strings — with a clear error or a notice.
#[cfg(unix)]
#[test]
fn handler_floods_end_in_seconds_with_a_clear_error() {
    let floods = [
        (
            "s3",
            format!(
                "fn handler(event, context) {{\n{BIG_STRINGS}let n = 0;\nloop {{ s3::put(\"B\", `k${{n}}`, mb); n += 1; }}\n}}\n"
            ),
            "SdkCallLimitExceeded",
        ),
        (
            "sqs",
            "fn handler(event, context) {\nloop { sqs::send(\"Q\", \"m\"); }\n}\n".to_string(),
            "SdkCallLimitExceeded",
        ),
        (
            "dynamodb",
            format!(
                "fn handler(event, context) {{\n{BIG_STRINGS}let n = 0;\nloop {{ dynamodb::put(\"Tab\", #{{ id: `${{n}}`, v: mb }}); n += 1; }}\n}}\n"
            ),
            "Item size has exceeded the maximum allowed size",
        ),
        (
            "log",
            format!("fn handler(event, context) {{\n{BIG_STRINGS}loop {{ log(mb); }}\n}}\n"),
            "further lines are dropped",
        ),
    ];
    for (name, script, expected) in floods {
        let scratch = handler_scenario(&format!("flood-{name}"), &script);
        let d = scratch.path();
        let trace = run_traced(&d);
        assert!(
            trace.contains(expected),
            "{name}: the trace holds {expected}"
        );
        assert!(
            trace.len() < 64 << 20,
            "{name}: the trace is bounded: {} bytes",
            trace.len()
        );
        if name == "log" {
            let longest = trace.lines().map(str::len).max().unwrap_or(0);
            assert!(
                longest < 300_000,
                "log lines are cut to CloudWatch's 256 KB: {longest}"
            );
        }
    }
}

/// Item 8 and issue 12 item 7: `check` and `run` refuse a traffic payload over its target's limit, located in the
/// file; one within it is accepted.
#[test]
fn traffic_payloads_over_their_targets_limit_are_refused_with_a_location() {
    let scratch = folder("traffic-payloads");
    let d = scratch.path();
    let big = "x".repeat(1_100_000);
    let doc = |payload_bytes: &str| {
        serde_json::json!({
            "format": "eventflow/1",
            "name": "payloads",
            "settings": { "until_s": 5 },
            "resources": { "Fn": { "type": "function" }, "Q": { "type": "queue" } },
            "traffic": [
                { "to": "Fn", "at_s": 1, "payload": { "data": payload_bytes } },
                { "to": "Q", "at_s": 1, "message": { "body": payload_bytes } }
            ]
        })
        .to_string()
    };
    std::fs::write(d.join("s.json"), doc(&big)).expect("write");
    for command in ["check", "run"] {
        let out = eventflow_in(&d, &[command, "s.json"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{command}: {err}");
        assert!(
            err.contains("s.json:1:") && err.contains("traffic[0].payload: the payload is 1100011 bytes, over Lambda's asynchronous invoke limit of 1048576 bytes"),
            "{command}: {err}"
        );
        assert!(err.contains("traffic[1].message"), "{command}: {err}");
    }
    std::fs::write(d.join("s.json"), doc(&big[..500_000])).expect("write");
    let out = eventflow_in(&d, &["check", "s.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Item 10: a run whose traffic would send more events than `--max-events` is refused before it starts; a loop (a
/// rule that targets its own bus, no latency) is stopped at the cap with a message; both within seconds.
#[cfg(unix)]
#[test]
fn unbounded_workloads_are_refused_or_stopped() {
    let scratch = folder("workloads");
    let d = scratch.path();
    let traffic = [
        serde_json::json!({ "to": "F", "every_s": 0.000001, "payload": {} }),
        serde_json::json!({ "to": "F", "poisson_per_s": 1e9, "payload": {} }),
        serde_json::json!({ "to": "F", "every_s": 1, "payload": {} }),
    ];
    for (i, t) in traffic.into_iter().enumerate() {
        let doc = serde_json::json!({
            "format": "eventflow/1", "name": "w", "settings": { "until_s": 3_000_000_000.0_f64 },
            "resources": { "F": { "type": "function" } }, "traffic": [t]
        });
        std::fs::write(d.join("s.json"), doc.to_string()).expect("write");
        let (out, took) = eventflow_capped(&d, 2 << 20, &["run", "s.json"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "case {i}: {err}");
        assert!(
            err.contains("more than --max-events 50000000"),
            "case {i}: {err}"
        );
        assert!(
            took.as_secs() < 10,
            "case {i}: refused at once, took {took:?}"
        );
    }
    let looping = serde_json::json!({
        "format": "eventflow/1", "name": "loop",
        "settings": { "until_s": 10, "hop_latency_ms": 0 },
        "resources": {
            "Bus": { "type": "event_bus" },
            "Again": { "type": "rule", "bus": "Bus", "pattern": { "source": ["loop"] }, "targets": ["Bus"] }
        },
        "traffic": [ { "to": "Bus", "at_s": 1, "event": { "source": "loop", "detail-type": "again", "detail": {} } } ]
    });
    std::fs::write(d.join("loop.json"), looping.to_string()).expect("write");
    let (out, took) =
        eventflow_capped(&d, 2 << 20, &["run", "loop.json", "--max-events", "200000"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("stopped after 200000 engine events at t = 1 s"),
        "{err}"
    );
    assert!(took.as_secs() < 30, "took {took:?}");
}

/// Item 10: `sweep` refuses like `run` — the same `--max-events`, the same message, naming the grid point — and a
/// looping grid point stops the sweep at the cap instead of running forever.
#[cfg(unix)]
#[test]
fn sweep_refuses_and_stops_like_run() {
    let scratch = folder("sweep-workloads");
    let d = scratch.path();
    let doc = serde_json::json!({
        "format": "eventflow/1", "name": "w", "settings": { "until_s": 100 },
        "resources": { "F": { "type": "function" } },
        "traffic": [ { "to": "F", "every_s": 1, "payload": {} } ]
    });
    std::fs::write(d.join("s.json"), doc.to_string()).expect("write");
    let (out, took) = eventflow_capped(
        &d,
        2 << 20,
        &["sweep", "s.json", "--set", "traffic[0].every_s=1,0.000001"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("with traffic[0].every_s=1e-6:")
            && err.contains("more than --max-events 50000000"),
        "{err}"
    );
    assert!(took.as_secs() < 10, "refused at once, took {took:?}");
    let (out, _) = eventflow_capped(&d, 2 << 20, &["sweep", "s.json", "--max-events", "10"]);
    assert!(
        stderr(&out).contains(
            "would send about 1.010e2 traffic events by t = 100 s, more than --max-events 10"
        ),
        "{}",
        stderr(&out)
    );
    let looping = serde_json::json!({
        "format": "eventflow/1", "name": "loop",
        "settings": { "until_s": 10, "hop_latency_ms": 0 },
        "resources": {
            "Bus": { "type": "event_bus" },
            "Again": { "type": "rule", "bus": "Bus", "pattern": { "source": ["loop"] }, "targets": ["Bus"] }
        },
        "traffic": [ { "to": "Bus", "at_s": 1, "event": { "source": "loop", "detail-type": "again", "detail": {} } } ]
    });
    std::fs::write(d.join("loop.json"), looping.to_string()).expect("write");
    let (out, took) = eventflow_capped(
        &d,
        2 << 20,
        &[
            "sweep",
            "loop.json",
            "--seeds",
            "2",
            "--max-events",
            "200000",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("with seed ") && err.contains("stopped after 200000 engine events at t = 1 s"),
        "{err}"
    );
    assert!(took.as_secs() < 30, "took {took:?}");
}

/// Item 8: `check` refuses a traffic payload over the limit of every kind of target — API Gateway's 10 MB, the 6 MB
/// synchronous invoke of the function behind an API, a synchronous and an asynchronous invoke, an SQS message, an
/// SNS message, an EventBridge entry, a DynamoDB item, a Step Functions input and the simulator's S3 object limit —
/// each with its line, column and JSON path.
#[test]
fn check_refuses_oversized_payloads_for_every_target_kind() {
    let scratch = folder("payload-kinds");
    let d = scratch.path();
    let text = |n: usize| "x".repeat(n);
    let doc = serde_json::json!({
        "format": "eventflow/1",
        "name": "payload kinds",
        "settings": { "until_s": 5 },
        "resources": {
            "Api": { "type": "api", "routes": { "POST /up": "Fn" } },
            "Fn": { "type": "function" },
            "Q": { "type": "queue" },
            "T": { "type": "topic" },
            "Bus": { "type": "event_bus" },
            "Tab": { "type": "table", "partition_key": "id" },
            "Sm": { "type": "state_machine", "definition": { "StartAt": "Done", "States": { "Done": { "Type": "Succeed" } } } },
            "B": { "type": "bucket" }
        },
        "traffic": [
            { "to": "Api", "at_s": 1, "request": { "method": "POST", "path": "/up", "body": text(10 * 1024 * 1024 + 1) } },
            { "to": "Api", "at_s": 1, "request": { "method": "POST", "path": "/up", "body": text(6 * 1024 * 1024 + 1) } },
            { "to": "Fn", "at_s": 1, "invocation_type": "RequestResponse", "payload": { "d": text(6 * 1024 * 1024) } },
            { "to": "Fn", "at_s": 1, "payload": { "d": text(1024 * 1024) } },
            { "to": "Q", "at_s": 1, "message": { "body": text(1024 * 1024 + 1) } },
            { "to": "T", "at_s": 1, "message": { "body": text(256 * 1024 + 1) } },
            { "to": "Bus", "at_s": 1, "event": { "source": "s", "detail-type": "d", "detail": { "d": text(1024 * 1024) } } },
            { "to": "Tab", "at_s": 1, "put": { "id": "1", "d": text(400 * 1024) } },
            { "to": "Sm", "at_s": 1, "input": { "d": text(256 * 1024) } },
            { "to": "B", "at_s": 1, "object": { "key": "k", "body": text(16 * 1024 * 1024 + 1) } },
            { "to": "Q", "at_s": 1, "message": { "body": "fits" } }
        ]
    });
    std::fs::write(
        d.join("s.json"),
        serde_json::to_string_pretty(&doc).expect("json"),
    )
    .expect("write");
    let out = eventflow_in(&d, &["check", "s.json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    // Pretty JSON puts each traffic entry's payload key on the line after `"to"`… so locate by path and column.
    for (i, path, what) in [
        (
            0,
            "request.body",
            "the payload is 10485761 bytes, over API Gateway's request payload limit (it answers 413) of 10485760 bytes",
        ),
        (
            1,
            "request.body",
            "the payload is 6291457 bytes, over the 6 MB synchronous invoke limit of the function behind the API of 6291456 bytes",
        ),
        (
            2,
            "payload",
            "over Lambda's synchronous invoke limit of 6291456 bytes",
        ),
        (
            3,
            "payload",
            "over Lambda's asynchronous invoke limit of 1048576 bytes",
        ),
        (
            4,
            "message",
            "the payload is 1048577 bytes, over SQS's message limit of 1048576 bytes",
        ),
        (
            5,
            "message",
            "the payload is 262145 bytes, over SNS's message limit of 262144 bytes",
        ),
        (
            6,
            "event",
            "over EventBridge's PutEvents entry limit of 1048576 bytes",
        ),
        (7, "put", "over DynamoDB's item limit of 409600 bytes"),
        (
            8,
            "input",
            "over Step Functions' input limit of 262144 bytes",
        ),
        (
            9,
            "object.body",
            "the payload is 16777217 bytes, over this simulator's S3 object limit of 16777216 bytes",
        ),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("traffic[{i}].{path}:")))
            .unwrap_or_else(|| panic!("traffic[{i}].{path} is reported: {err}"));
        assert!(line.contains(what), "traffic[{i}]: {line}");
        assert!(line.starts_with("s.json:"), "located in the file: {line}");
    }
    assert!(
        !err.contains("traffic[10]"),
        "the message that fits passes: {err}"
    );
    // The location is the value measured: the body's line and column.
    let body_line = serde_json::to_string_pretty(&doc)
        .expect("json")
        .lines()
        .position(|l| l.contains("\"body\": \"xxxxxxxxxx"))
        .expect("a body line")
        + 1;
    assert!(
        err.contains(&format!("s.json:{body_line}:")),
        "traffic[0] is located at its body, line {body_line}: {err}"
    );
}

/// Item 8, at run time: API Gateway answers a request body over its 10 MB limit with 413 `REQUEST_TOO_LARGE`, one
/// over the function's 6 MB synchronous limit with 500 (Lambda refuses the invocation), and a function response over
/// 6 MB behind the proxy integration with 502 (aws-limits-rds.md §4). The bodies pass `check` as written and grow
/// past the limits when their `{{uuid}}` placeholders expand (8 bytes as written, 36 when sent).
#[cfg(unix)]
#[test]
fn api_gateway_answers_oversized_requests_and_responses_at_run_time() {
    let scratch = folder("api-payloads");
    let d = scratch.path();
    // A response of 7 keys of 1,000,000 bytes: a script's strings stay under 1 MiB, but a map's keys do not add up.
    let big_response = "fn handler(event, context) {\n  let k = \"k\"; k.pad(1000000, 'k');\n  let m = #{};\n  for i in 0..7 { m[k + i] = i; }\n  m\n}";
    let doc = serde_json::json!({
        "format": "eventflow/1",
        "name": "api payloads",
        "settings": { "until_s": 10 },
        "resources": {
            "Api": { "type": "api", "protocol": "rest", "routes": { "POST /up": "Fn", "GET /big": "Big" } },
            "Fn": { "type": "function" },
            "Big": { "type": "function", "timeout_s": 60, "code": { "inline": big_response } }
        },
        "traffic": [
            { "to": "Api", "at_s": 1, "request": { "method": "POST", "path": "/up", "body": "{{uuid}}".repeat(300_000) } },
            { "to": "Api", "at_s": 2, "request": { "method": "POST", "path": "/up", "body": "{{uuid}}".repeat(200_000) } },
            { "to": "Api", "at_s": 3, "request": { "method": "GET", "path": "/big" } },
            { "to": "Api", "at_s": 4, "request": { "method": "POST", "path": "/up", "body": "{{uuid}}" } }
        ]
    });
    std::fs::write(d.join("s.json"), doc.to_string()).expect("write");
    let check = eventflow_in(&d, &["check", "s.json"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let trace = run_traced(&d);
    let responses: Vec<serde_json::Value> = trace
        .lines()
        .filter(|l| l.contains("\"kind\":\"response\""))
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let got: Vec<(u64, String)> = responses
        .iter()
        .map(|r| {
            (
                r["status"].as_u64().unwrap_or(0),
                r["body"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (413, r#"{"message":"Request Too Long"}"#.to_string()),
            (500, r#"{"message": "Internal server error"}"#.to_string()),
            (502, r#"{"message": "Internal server error"}"#.to_string()),
            (200, String::new()),
        ],
        "{responses:?}"
    );
    assert!(
        trace.contains("Exceeded maximum allowed payload size (6291556 bytes)."),
        "the runtime's error is in the trace"
    );
    let invoked = trace
        .lines()
        .filter(|l| l.contains("\"kind\":\"invoke\"") && l.contains("\"function\":\"Fn\""))
        .count();
    assert_eq!(invoked, 1, "only the request within the limits reached Fn");
}

/// Item 10: a scenario of 100,000 resources (and 1,000,000: the same path) is refused at load, before any resource
/// is read, with its location and the documented maximum — within seconds and under a memory cap — instead of
/// taking minutes and gigabytes (the app opens files through the same loader); one at the maximum loads.
#[cfg(unix)]
#[test]
fn scenarios_over_the_resource_maximum_are_refused_at_once() {
    let scratch = folder("many-resources");
    let d = scratch.path();
    let doc = |n: usize| {
        let resources: serde_json::Map<String, serde_json::Value> = (0..n)
            .map(|i| (format!("Q{i}"), serde_json::json!({ "type": "queue" })))
            .collect();
        serde_json::json!({ "format": "eventflow/1", "name": "many", "resources": resources })
            .to_string()
    };
    std::fs::write(d.join("s.json"), doc(100_000)).expect("write");
    let (out, took) = eventflow_capped(&d, 4 << 20, &["check", "s.json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("s.json:1:")
            && err.contains("resources: 100000 resources, more than the 2000 a scenario may have"),
        "{err}"
    );
    assert!(took.as_secs() < 30, "refused at once, took {took:?}");
    std::fs::write(d.join("s.json"), doc(eventflow::scenario::MAX_RESOURCES)).expect("write");
    let out = eventflow_in(&d, &["check", "s.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Item 1: a handler that nests a value 10,000 (or 100,000) levels deep ends at once with a located script error
/// — no stack overflow, no quadratic re-walk — under a memory cap.
#[cfg(unix)]
#[test]
fn deeply_nested_values_end_at_once_with_an_error() {
    for depth in [10_000, 100_000] {
        let script = format!(
            "fn handler(event, context) {{\n  let x = 1;\n  for i in 0..{depth} {{ x = [x]; }}\n  x\n}}\n"
        );
        let scratch = handler_scenario(&format!("deep-{depth}"), &script);
        let d = scratch.path();
        let trace = run_traced(&d);
        assert!(
            trace.contains(
                "data nested too deeply: arrays and maps may be nested at most 256 levels deep"
            ),
            "depth {depth}"
        );
    }
}

/// Item 11: negative numbers for `--seed` (and `--until`) are read as values and refused as such, not reported
/// as an unknown argument; a huge `--until` is shown as written, not as its 304 digits.
#[test]
fn negative_and_huge_flag_values_are_refused_as_values() {
    let scratch = scenario_in("flag-values");
    let d = scratch.path();
    let out = eventflow_in(&d, &["run", "s.json", "--seed", "-1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid value '-1' for '--seed <SEED>'")
            && !err.contains("unexpected argument"),
        "{err}"
    );
    let out = eventflow_in(&d, &["run", "s.json", "--until", "1e303"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("got 1e303") && err.len() < 200, "{err}");
}
