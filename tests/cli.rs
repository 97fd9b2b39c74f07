//! The command line as users run it: exit codes, messages, trace files, determinism, `test-pattern`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn eventflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .args(args)
        .output()
        .expect("run eventflow")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> String {
    root()
        .join("assets/scenarios")
        .join(name)
        .to_string_lossy()
        .to_string()
}

/// A fresh folder for one test's files, removed when the test ends (kept nowhere after the run).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("eventflow-cli-")
        .tempdir()
        .expect("temp dir")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn check_accepts_every_example() {
    let dir = root().join("assets/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    files.sort();
    let args: Vec<&str> = std::iter::once("check")
        .chain(files.iter().map(String::as_str))
        .collect();
    let out = eventflow(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("ok: "))
            .count(),
        files.len()
    );
}

#[test]
fn check_reports_problems_with_position_and_exit_2() {
    let dir = scratch();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{
  "format": "eventflow/1",
  "name": "bad",
  "resources": {
    "Bus": { "type": "event_bus" },
    "Rule": { "type": "rule", "bus": "Bus", "pattern": { "source": ["x"] }, "targets": ["ProcesOrder"] },
    "ProcessOrder": { "type": "function", "memory_mb": 64 }
  }
}"#,
    )
    .expect("write");
    let out = eventflow(&["check", &bad.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.json:6:"), "{err}");
    assert!(err.contains("resources.Rule.targets[0]"), "{err}");
    assert!(err.contains("did you mean \"ProcessOrder\""), "{err}");
    assert!(err.contains("resources.ProcessOrder.memory_mb"), "{err}");
}

#[test]
fn check_survives_garbage() {
    let dir = scratch();
    let bin = dir.path().join("garbage.json");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x7b, 0x22, 0x80]).expect("write");
    let out = eventflow(&["check", &bin.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let deep = dir.path().join("deep.json");
    std::fs::write(&deep, "[".repeat(200_000)).expect("write");
    let out = eventflow(&["check", &deep.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = eventflow(&["check", "/nonexistent/x.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_writes_a_deterministic_trace() {
    let dir = scratch();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    let c = dir.path().join("c.jsonl");
    let file = example("new-order.json");
    for (out, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let o = eventflow(&[
            "run",
            &file,
            "--seed",
            seed,
            "--trace",
            &out.to_string_lossy(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let (ta, tb, tc) = (
        std::fs::read(&a).expect("a"),
        std::fs::read(&b).expect("b"),
        std::fs::read(&c).expect("c"),
    );
    assert!(!ta.is_empty());
    assert_eq!(ta, tb, "same seed must give byte-identical traces");
    assert_ne!(ta, tc, "another seed should give another run");
    let text = String::from_utf8(ta).expect("utf-8");
    let mut last_t = 0.0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let t = v["t_ms"].as_f64().expect("t_ms");
        assert!(t >= last_t, "trace out of time order at {line}");
        last_t = t;
        assert!(v["kind"].is_string());
    }
    assert!(text.contains("\"kind\":\"invoke\""));
    assert!(text.contains("\"detail-type\":\"New Order\""));
}

#[test]
fn run_honours_until_and_prints_a_summary() {
    let out = eventflow(&[
        "run",
        &example("throttle-burst.json"),
        "--until",
        "30",
        "--summary",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("resource"), "{s}");
    assert!(s.contains("Checkout"), "{s}");
    assert!(s.contains("p99 ms"), "{s}");
    assert!(s.contains("Estimated Lambda cost: $"), "{s}");
    let checkout = s
        .lines()
        .find(|l| l.starts_with("Checkout"))
        .expect("Checkout row");
    let throttles: u64 = checkout
        .split_whitespace()
        .nth(4)
        .and_then(|x| x.parse().ok())
        .expect("throttles column");
    assert!(throttles > 0, "the burst must throttle: {checkout}");
}

#[test]
fn run_with_speed_paces_against_the_wall_clock() {
    let start = std::time::Instant::now();
    let out = eventflow(&[
        "run",
        &example("api-hello.json"),
        "--until",
        "0.5",
        "--speed",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        start.elapsed().as_secs_f64() >= 0.45,
        "0.5 virtual seconds at 1x should take about 0.5 s"
    );
}

#[test]
fn run_rejects_bad_flags_and_files() {
    assert_eq!(
        eventflow(&["run", &example("api-hello.json"), "--speed", "0"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        eventflow(&["run", &example("api-hello.json"), "--until", "abc"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        eventflow(&["run", "/nonexistent.json"]).status.code(),
        Some(2)
    );
    assert_eq!(eventflow(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn test_pattern_answers_like_aws() {
    let dir = scratch();
    let pattern = r#"{"source":["com.shop"],"detail":{"amount":[{"numeric":[">",100]}]}}"#;
    let yes = eventflow(&[
        "test-pattern",
        "--pattern",
        pattern,
        "--event",
        r#"{"source":"com.shop","detail":{"amount":150}}"#,
    ]);
    assert_eq!(yes.status.code(), Some(0), "{}", stderr(&yes));
    assert_eq!(stdout(&yes).trim(), r#"{"Result":true}"#);
    let no = eventflow(&[
        "test-pattern",
        "--pattern",
        pattern,
        "--event",
        r#"{"source":"com.shop","detail":{"amount":50}}"#,
    ]);
    assert_eq!(stdout(&no).trim(), r#"{"Result":false}"#);
    let file = dir.path().join("event.json");
    std::fs::write(&file, r#"{"source":"com.shop","detail":{"amount":101}}"#).expect("write");
    let at = eventflow(&[
        "test-pattern",
        "--pattern",
        pattern,
        "--event",
        &format!("@{}", file.display()),
    ]);
    assert_eq!(stdout(&at).trim(), r#"{"Result":true}"#);
    let bad = eventflow(&[
        "test-pattern",
        "--pattern",
        r#"{"source":"not-an-array"}"#,
        "--event",
        "{}",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("source"), "{}", stderr(&bad));
    let bad_json = eventflow(&["test-pattern", "--pattern", "{", "--event", "{}"]);
    assert_eq!(bad_json.status.code(), Some(2));
    let not_object = eventflow(&[
        "test-pattern",
        "--pattern",
        r#"{"a":[1]}"#,
        "--event",
        "[1]",
    ]);
    assert_eq!(not_object.status.code(), Some(2));
}

#[test]
fn examples_exist_for_the_five_lessons() {
    for name in [
        "new-order.json",
        "api-hello.json",
        "s3-thumbnail.json",
        "nightly-report.json",
        "throttle-burst.json",
    ] {
        assert!(Path::new(&example(name)).exists(), "{name}");
    }
}

#[test]
fn fmt_writes_canonical_files_and_check_reports_the_rest() {
    let dir = scratch();
    let file = dir.path().join("fmt.json");
    let messy = r#"{"resources":{"F":{"timeout_s":3,"type":"function"}},"name":"messy","format":"eventflow/1"}"#;
    std::fs::write(&file, messy).expect("write");
    let path = file.to_string_lossy().to_string();
    let check = eventflow(&["fmt", "--check", &path]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        messy,
        "--check changes nothing"
    );
    let fmt = eventflow(&["fmt", &path]);
    assert_eq!(fmt.status.code(), Some(0), "{}", stderr(&fmt));
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        text.starts_with("{\n  \"format\": \"eventflow/1\",\n  \"name\": \"messy\""),
        "{text}"
    );
    assert!(text.find("\"type\"") < text.find("\"timeout_s\""), "{text}");
    let before: serde_json::Value = serde_json::from_str(messy).expect("json");
    let after: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(before, after, "formatting never changes meaning");
    assert_eq!(eventflow(&["fmt", "--check", &path]).status.code(), Some(0));
    let bad = dir.path().join("fmt-bad.json");
    std::fs::write(&bad, "{").expect("write");
    assert_eq!(
        eventflow(&["fmt", &bad.to_string_lossy()]).status.code(),
        Some(2)
    );
}

#[test]
fn every_example_is_canonical() {
    let dir = root().join("assets/scenarios");
    let mut args = vec!["fmt".to_string(), "--check".to_string()];
    for e in std::fs::read_dir(dir).expect("examples") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "json") {
            args.push(p.to_string_lossy().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = eventflow(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// `sweep`: the grid × seeds in parallel; the output does not depend on `--jobs`, CSV has a row per run, and
/// the numbers mean something (more reserved concurrency, fewer throttles).
#[test]
fn sweep_runs_the_grid_on_every_core_deterministically() {
    let file = example("throttle-burst.json");
    let args = |jobs: &'static str| {
        vec![
            "sweep".to_string(),
            file.clone(),
            "--seeds".into(),
            "2".into(),
            "--set".into(),
            "resources.Checkout.reserved_concurrency=5,20".into(),
            "--until".into(),
            "20".into(),
            "--csv".into(),
            "--jobs".into(),
            jobs.into(),
        ]
    };
    let run = |jobs| {
        let a = args(jobs);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        eventflow(&refs)
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert_eq!(
        stdout(&one),
        stdout(&two),
        "--jobs changes nothing but speed"
    );
    let text = stdout(&one);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 2 * 2,
        "a header and one row per run:\n{text}"
    );
    assert!(lines[0].starts_with("resources.Checkout.reserved_concurrency,seed,invocations"));
    let throttles = |row: &str| -> u64 {
        row.split(',')
            .nth(4)
            .and_then(|c| c.parse().ok())
            .expect("throttles column")
    };
    assert!(
        throttles(lines[1]) > throttles(lines[3]),
        "5 reserved throttle more than 20:\n{text}"
    );
    // Mistakes are located, exit 2.
    for bad in [
        "resources.Chekout.reserved_concurrency=5",
        "resources.Checkout.memory_mb=1",
    ] {
        let out = eventflow(&["sweep", &file, "--set", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--set") || stderr(&out).contains("memory_mb"),
            "{}",
            stderr(&out)
        );
    }
}

/// `tour`: every example is a lesson with a tour, every tour reaches each of its steps (so lessons are checked in
/// CI), and a step that can never come is reported with exit 1.
#[test]
fn every_tour_reaches_every_step() {
    let scratch_dir = scratch();
    let dir = root().join("assets/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "the lesson gallery: {} examples",
        files.len()
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("example");
        assert!(
            text.contains("\"tour\""),
            "{}: every example is a lesson with a tour",
            f.display()
        );
        let out = eventflow(&["tour", &f.to_string_lossy()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}:\n{}{}",
            f.display(),
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stdout(&out).ends_with("every step reached\n"),
            "{}",
            stdout(&out)
        );
    }

    let never = scratch_dir.path().join("never.json");
    std::fs::write(
        &never,
        r#"{"format": "eventflow/1", "name": "n", "settings": {"until_s": 5},
            "resources": {"F": {"type": "function"}},
            "traffic": [{"to": "F", "at_s": 1, "payload": {}}],
            "tour": {"steps": [
              {"title": "Start"},
              {"title": "A throttle that never comes", "wait_for": {"trace": {"kind": ["throttle"]}}}
            ]}}"#,
    )
    .expect("write");
    let out = eventflow(&["tour", &never.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("never reached"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 of 2 steps never reached"),
        "{}",
        stdout(&out)
    );
    let untoured = scratch_dir.path().join("untoured.json");
    std::fs::write(
        &untoured,
        r#"{"format": "eventflow/1", "name": "n", "resources": {"F": {"type": "function"}}}"#,
    )
    .expect("write");
    let out = eventflow(&["tour", &untoured.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "no tour: invalid input");
}
