//! `eventflow export --sam`: every example exports; importing the export gives back the same resource ids and
//! types and the same graph edges (traffic aside); and every export passes `cfn-lint` with no error (when
//! `CFN_LINT` names it; CI installs it in `.ci/run` and a missing linter fails there). Databases and proxies
//! come back with their settings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use eventflow::scenario::Scenario;
use eventflow::scenario::graph::{ArchGraph, EdgeRole};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("assets/scenarios")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "examples not found in {}", dir.display());
    files
}

/// Resource ids with their types.
fn resources(s: &Scenario) -> BTreeSet<(String, String)> {
    s.resources
        .iter()
        .map(|r| (r.id.clone(), format!("{:?}", r.resource_type())))
        .collect()
}

/// Graph edges as (from, to, role), traffic left out (a template has none).
fn edges(s: &Scenario) -> BTreeSet<(String, String, String)> {
    let g = ArchGraph::new(s);
    g.edges_in_order()
        .filter_map(|e| {
            let (a, b) = g.graph.edge_endpoints(e)?;
            let role = g.graph[e].kind.role();
            (role != EdgeRole::Traffic).then(|| {
                (
                    g.graph[a].trace_name(),
                    g.graph[b].trace_name(),
                    format!("{role:?}"),
                )
            })
        })
        .collect()
}

#[test]
fn every_example_round_trips_through_a_sam_template() {
    for file in examples() {
        let name = file.display().to_string();
        let original = eventflow::scenario::load_file(&file).expect("example loads");
        let exported = eventflow::sam_export::export_file(&file).expect("example exports");
        let imported = eventflow::import::import_str(&exported.template, &name, None, "round trip")
            .unwrap_or_else(|e| panic!("{name}: the export does not import: {e}"));
        let text = eventflow::scenario::write::canonical_text(&imported.document);
        let back = eventflow::scenario::load_str(&text, &name, None)
            .unwrap_or_else(|e| panic!("{name}: the re-import does not load: {e}"));
        // The import adds the account's default bus when a rule uses it: the original may not name it.
        let mut want = resources(&original);
        let got = resources(&back);
        if got.contains(&("default".to_string(), "EventBus".to_string())) {
            want.insert(("default".into(), "EventBus".into()));
        }
        assert_eq!(got, want, "{name}: resources differ");
        assert_eq!(edges(&back), edges(&original), "{name}: edges differ");
    }
}

#[test]
fn every_example_passes_cfn_lint() {
    let Some(linter) = std::env::var_os("CFN_LINT").filter(|v| !v.is_empty()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but CFN_LINT is not set: .ci/run installs cfn-lint and exports CFN_LINT"
        );
        eprintln!("skipped: set CFN_LINT to a cfn-lint executable to lint the exported templates");
        return;
    };
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let mut failures = Vec::new();
    for file in examples() {
        let exported = eventflow::sam_export::export_file(&file).expect("example exports");
        let stem = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let out = dir.join(format!("{stem}.yaml"));
        std::fs::write(&out, &exported.template).expect("write template");
        // Errors only (`--format parseable`: one line per finding, `E…` for errors); warnings are allowed.
        let result = std::process::Command::new(&linter)
            .arg("--format")
            .arg("parseable")
            .arg("--")
            .arg(&out)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", Path::new(&linter).display()));
        let report = String::from_utf8_lossy(&result.stdout);
        let errors: Vec<&str> = report
            .lines()
            .filter(|l| {
                l.split(':')
                    .nth(5)
                    .is_some_and(|code| code.starts_with('E'))
            })
            .collect();
        if !errors.is_empty() || (!result.status.success() && report.trim().is_empty()) {
            failures.push(format!(
                "{stem}: {}\n{}",
                errors.join("\n"),
                String::from_utf8_lossy(&result.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "cfn-lint errors:\n{}",
        failures.join("\n")
    );
}

/// A database's engine, class and `max_connections` override and a proxy's pool settings survive the round trip;
/// the function → proxy SQL edge comes back from the endpoint variable the export gives the function.
#[test]
fn database_and_proxy_settings_round_trip() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let scenario = serde_json::json!({
        "format": "eventflow/1",
        "name": "Reports",
        "resources": {
            "Report": {"type": "function", "code": {"inline":
                "fn handler(event, context) { rds::query(\"ReportsProxy\", \"SELECT 1\"); }"}},
            "ReportsProxy": {"type": "db_proxy", "database": "ReportsDb", "max_connections_percent": 60,
                             "max_idle_connections_percent": 10, "borrow_timeout_s": 45},
            "ReportsDb": {"type": "database", "engine": "mysql", "instance_class": "db.r6g.large",
                          "max_connections": 900}
        }
    });
    let file = dir.join("reports.json");
    std::fs::write(&file, scenario.to_string()).expect("write scenario");
    let exported = eventflow::sam_export::export_file(&file).expect("exports");
    for needle in [
        "REPORTS_PROXY_ENDPOINT: !GetAtt ReportsProxy.Endpoint",
        "Type: \"AWS::RDS::DBParameterGroup\"",
        "max_connections: \"900\"",
        "Family: mysql8.4",
        "EngineFamily: MYSQL",
    ] {
        assert!(
            exported.template.contains(needle),
            "{needle}:\n{}",
            exported.template
        );
    }
    let imported = eventflow::import::import_str(&exported.template, "reports.yaml", None, "back")
        .expect("imports");
    let resources = &imported.document["resources"];
    assert_eq!(
        resources["ReportsDb"],
        serde_json::json!({"type": "database", "engine": "mysql", "instance_class": "db.r6g.large",
                           "max_connections": 900})
    );
    assert_eq!(
        resources["ReportsProxy"],
        serde_json::json!({"type": "db_proxy", "database": "ReportsDb", "max_connections_percent": 60,
                           "max_idle_connections_percent": 10, "borrow_timeout_s": 45})
    );
    let text = eventflow::scenario::write::canonical_text(&imported.document);
    let back = eventflow::scenario::load_str(&text, "reports", None).expect("loads");
    let original = eventflow::scenario::load_file(&file).expect("loads");
    assert_eq!(edges(&back), edges(&original));
}
