//! Data-driven semantic tests: every `tests/scenarios/NAME.json` is run with its `NAME.expect.json`.
//!
//! An expectation file holds:
//! - `until_s` (optional): how long to run (default: the scenario's `settings.until_s`);
//! - `count`: `"KIND field=value …"` → exact number of trace records of that kind whose fields equal the values
//!   (a value is compared as JSON when it parses as JSON, else as a string; `field.sub` reaches into objects);
//! - `includes`: records (partial objects, matched as subsets) that must each match at least one trace record;
//! - `excludes`: partial records that must match none;
//! - `stats`: `{ "Resource": { "count": n, "errors": n, "throttles": n, "retries": n, "dead_lettered": n,
//!   "dropped": n, "cold_starts": n, "peak_connections": n, "refused": n, "borrow_waits": n,
//!   "borrow_timeouts": n, "pinned": n, "status_4xx": n } }` compared with the run's statistics.
//!
//! Every case also checks an invariant of databases: no `connection` record shows more connections `open` than
//! `max_connections`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eventflow::sim::{Sim, SimOptions};
use serde_json::Value;

fn run_trace(path: &Path, until_s: Option<f64>) -> (Sim, Vec<Value>) {
    let scenario =
        eventflow::scenario::load_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let until = until_s.unwrap_or(scenario.settings.until_s);
    let mut sim = Sim::new(
        Arc::new(scenario),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    sim.run_until((until * 1e6) as u64);
    let records = sim
        .take_trace()
        .iter()
        .map(|r| serde_json::to_value(r).expect("trace records serialise"))
        .collect();
    (sim, records)
}

fn field<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, k| v.get(k))
}

/// Whether `pattern` is a subset of `value` (objects by key, arrays element-wise, the rest by equality).
fn subset(pattern: &Value, value: &Value) -> bool {
    match (pattern, value) {
        (Value::Object(p), Value::Object(v)) => p
            .iter()
            .all(|(k, pv)| v.get(k).is_some_and(|vv| subset(pv, vv))),
        (Value::Array(p), Value::Array(v)) => {
            p.len() == v.len() && p.iter().zip(v).all(|(a, b)| subset(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => pattern == value,
    }
}

fn count_matching(records: &[Value], spec: &str) -> usize {
    let mut parts = spec.split_whitespace();
    let kind = parts.next().unwrap_or_default();
    let filters: Vec<(&str, Value)> = parts
        .map(|p| {
            let (k, v) = p
                .split_once('=')
                .unwrap_or_else(|| panic!("bad count filter {p:?} in {spec:?}"));
            (
                k,
                serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string())),
            )
        })
        .collect();
    records
        .iter()
        .filter(|r| r.get("kind").and_then(Value::as_str) == Some(kind))
        .filter(|r| {
            filters
                .iter()
                .all(|(k, v)| field(r, k).is_some_and(|x| subset(v, x)))
        })
        .count()
}

fn check_case(json: &Path) -> Vec<String> {
    let expect_path = json.with_extension("expect.json");
    let expect: Value =
        serde_json::from_str(&std::fs::read_to_string(&expect_path).expect("expectation file"))
            .unwrap_or_else(|e| panic!("{}: {e}", expect_path.display()));
    let (sim, records) = run_trace(json, expect.get("until_s").and_then(Value::as_f64));
    let name = json
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut failures = Vec::new();
    if let Some(counts) = expect.get("count").and_then(Value::as_object) {
        for (spec, want) in counts {
            let got = count_matching(&records, spec);
            if Some(got as u64) != want.as_u64() {
                failures.push(format!(
                    "{name}: count {spec:?}: expected {want}, got {got}"
                ));
            }
        }
    }
    for inc in expect
        .get("includes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if !records.iter().any(|r| subset(inc, r)) {
            failures.push(format!("{name}: no record includes {inc}"));
        }
    }
    for exc in expect
        .get("excludes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = records.iter().find(|r| subset(exc, r)) {
            failures.push(format!("{name}: record {r} matches excluded {exc}"));
        }
    }
    for r in records
        .iter()
        .filter(|r| r.get("kind").and_then(Value::as_str) == Some("connection"))
    {
        let open = r.get("open").and_then(Value::as_u64);
        let max = r.get("max_connections").and_then(Value::as_u64);
        if !matches!((open, max), (Some(o), Some(m)) if o <= m) {
            failures.push(format!("{name}: connection record over its limit: {r}"));
        }
    }
    if let Some(stats) = expect.get("stats").and_then(Value::as_object) {
        let sc = Arc::clone(sim.scenario());
        for (res, want) in stats {
            let Some(id) = sc.find(res) else {
                failures.push(format!("{name}: stats for unknown resource {res}"));
                continue;
            };
            let s = sim.stats(id);
            let fields = [
                ("count", s.count),
                ("errors", s.errors),
                ("timeouts", s.timeouts),
                ("throttles", s.throttles),
                ("retries", s.retries),
                ("dead_lettered", s.dead_lettered),
                ("dropped", s.dropped),
                ("cold_starts", s.cold_starts),
                ("peak_connections", s.peak_connections),
                ("refused", s.refused),
                ("borrow_waits", s.borrow_waits),
                ("borrow_timeouts", s.borrow_timeouts),
                ("pinned", s.pinned),
                ("status_4xx", s.status_4xx),
            ];
            for (k, got) in fields {
                if let Some(w) = want.get(k).and_then(Value::as_u64)
                    && w != got
                {
                    failures.push(format!("{name}: stats {res}.{k}: expected {w}, got {got}"));
                }
            }
        }
    }
    failures
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".expect.json")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn scenario_expectations_hold() {
    let cases = cases();
    assert!(
        cases.len() >= 10,
        "expected the scenario suite, found {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        failures.extend(check_case(case));
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_example_runs_and_is_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("assets/scenarios") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let (_, a) = run_trace(&path, None);
        let (_, b) = run_trace(&path, None);
        assert!(!a.is_empty(), "{} produced no trace", path.display());
        assert_eq!(a, b, "{} is not deterministic", path.display());
        n += 1;
    }
    assert!(n >= 5);
}
