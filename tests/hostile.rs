//! Hostile input (issue 18): every case exits 0 or 2 with a message, within seconds, and never loses a file.
//! Inputs are generated here, in a temporary folder, so the repository keeps only small files.

use std::path::{Path, PathBuf};
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

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eventflow-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("handlers")).expect("temp dir");
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

fn scenario_in(name: &str) -> PathBuf {
    let d = folder(name);
    std::fs::write(d.join("s.json"), SCENARIO).expect("scenario");
    std::fs::write(d.join("handlers/h.rhai"), SCRIPT).expect("script");
    d
}

/// Item 2: `run F --trace F` (under any spelling of F, or of one of its scripts) is refused and the file kept.
#[test]
fn run_refuses_to_write_its_trace_over_its_inputs() {
    let d = scenario_in("trace-over-input");
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
    let d = scenario_in("fmt-link");
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
    let d = scenario_in("fmt-mode");
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
    let d = scenario_in("until");
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
    let d = scenario_in("devices");
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
    let d = scenario_in("dev-full");
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
}

/// Item 11: ids of 10,000 characters are shortened in messages, invisible characters are shown escaped, and a
/// pattern that is not an object says so plainly.
#[test]
fn messages_shorten_long_ids_and_show_invisible_characters() {
    let d = folder("messages");
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
    let d = folder("pipe");
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
