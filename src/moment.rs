//! Sharing a moment of a lesson: a scenario plus a virtual time and a selected resource, in one file a teacher can
//! hand out. `eventflow open FILE` (and File → Open) opens a moment file on that moment: the run replayed from
//! t = 0 to the time, paused, the resource selected. The simulation is deterministic, so the moment is the same on
//! every machine.
//!
//! The file is JSON (by convention `NAME-at-Ts.moment.json`):
//!
//! ```json
//! { "eventflow_moment": 1, "t_s": 32.9, "select": "PaymentsDLQ", "scenario": { "format": "eventflow/1", … } }
//! ```
//!
//! `select` is optional. Handler scripts named by the scenario resolve from the moment file's folder, as they do
//! from a scenario file's, so a moment is saved beside its scenario.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::scenario::Scenario;

/// The key that marks a moment file, and the version of its format.
pub const MARKER: &str = "eventflow_moment";
pub const VERSION: u64 = 1;

/// A moment: the scenario, when, and what is selected.
#[derive(Debug)]
pub struct Moment {
    pub scenario: Scenario,
    pub t_us: u64,
    /// A resource id of the scenario.
    pub select: Option<String>,
}

/// Why a moment file cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum MomentError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("{MARKER} {0} is not a version this build reads (it reads {VERSION})")]
    Version(String),
    #[error("`{0}` must be {1}")]
    Field(&'static str, &'static str),
    #[error("the scenario in the moment: {0}")]
    Scenario(String),
    #[error("`select` names no resource of the scenario: {0}")]
    Select(String),
}

/// Whether `text` is a moment file (a JSON object with the [`MARKER`] key) rather than a scenario.
pub fn is_moment(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| v.get(MARKER).is_some())
}

/// Reads a moment; `file_label` names the file in problems, `base_dir` is where handler scripts are looked up.
pub fn parse(text: &str, file_label: &str, base_dir: Option<&Path>) -> Result<Moment, MomentError> {
    let v: Value = serde_json::from_str(text).map_err(|e| MomentError::Json(e.to_string()))?;
    let version = v.get(MARKER).cloned().unwrap_or(Value::Null);
    if version.as_u64() != Some(VERSION) {
        return Err(MomentError::Version(version.to_string()));
    }
    let t_s = v
        .get("t_s")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite() && *t >= 0.0)
        .ok_or(MomentError::Field("t_s", "a number of seconds, at least 0"))?;
    let select = match v.get("select") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(MomentError::Field("select", "a resource id (a string)")),
    };
    let scenario_value = v
        .get("scenario")
        .filter(|s| s.is_object())
        .ok_or(MomentError::Field("scenario", "a scenario object"))?;
    let scenario_text = serde_json::to_string_pretty(scenario_value)
        .map_err(|e| MomentError::Json(e.to_string()))?;
    let scenario = crate::scenario::load_str(&scenario_text, file_label, base_dir)
        .map_err(|e| MomentError::Scenario(e.to_string()))?;
    if let Some(s) = &select
        && scenario.find(s).is_none()
    {
        return Err(MomentError::Select(s.clone()));
    }
    Ok(Moment {
        scenario,
        t_us: (t_s * 1e6).min(u64::MAX as f64) as u64,
        select,
    })
}

/// Reads `path`: `Ok(None)` when it is not a moment file (a scenario, or unreadable: the scenario loader says
/// why), the moment when it is one.
pub fn read(path: &Path) -> Result<Option<Moment>, MomentError> {
    let Ok(bytes) =
        crate::fileio::read_input(path, crate::fileio::MAX_SCENARIO_BYTES, "a moment file")
    else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    if !is_moment(&text) {
        return Ok(None);
    }
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut m = parse(&text, &path.display().to_string(), Some(&base))?;
    m.scenario.file = Some(path.to_path_buf());
    Ok(Some(m))
}

/// The scenario text of a file: the file itself, or the scenario inside a moment file.
pub fn scenario_text(file_text: &str) -> String {
    match serde_json::from_str::<Value>(file_text) {
        Ok(v) if v.get(MARKER).is_some() => v
            .get("scenario")
            .and_then(|s| serde_json::to_string_pretty(s).ok())
            .unwrap_or_default(),
        _ => file_text.to_string(),
    }
}

/// The text of a moment file for the scenario text `scenario_text` at `t_us` with `select` selected.
pub fn write(scenario_text: &str, t_us: u64, select: Option<&str>) -> Result<String, MomentError> {
    let scenario: Value =
        serde_json::from_str(scenario_text).map_err(|e| MomentError::Json(e.to_string()))?;
    let mut m = Map::new();
    m.insert(MARKER.to_string(), json!(VERSION));
    m.insert("t_s".to_string(), json!(t_us as f64 / 1e6));
    if let Some(s) = select {
        m.insert("select".to_string(), json!(s));
    }
    m.insert("scenario".to_string(), scenario);
    serde_json::to_string_pretty(&Value::Object(m))
        .map(|t| t + "\n")
        .map_err(|e| MomentError::Json(e.to_string()))
}

/// The conventional file name of a moment of `scenario_file` at `t_us`: `poison-message-dlq-at-32.9s.moment.json`.
pub fn file_name(scenario_file: &Path, t_us: u64) -> String {
    let stem = scenario_file.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let stem = stem.strip_suffix(".moment").unwrap_or(&stem).to_string();
    let stem = stem.split("-at-").next().unwrap_or(&stem).to_string();
    format!(
        "{stem}-at-{}s.moment.json",
        (t_us as f64 / 1e5).round() / 10.0
    )
}

/// The resource a moment selects, as a resource of its scenario.
pub fn selected(m: &Moment) -> Option<crate::scenario::ResId> {
    m.select.as_deref().and_then(|s| m.scenario.find(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_resources(a: &Scenario, b: &Scenario) -> bool {
        a.ids().map(|i| a.id(i)).eq(b.ids().map(|i| b.id(i)))
    }

    const SCENARIO: &str = r#"{"format": "eventflow/1", "name": "m",
        "resources": {"Q": {"type": "queue"}, "F": {"type": "function"}}}"#;

    #[test]
    fn a_moment_round_trips() {
        let text = write(SCENARIO, 32_900_000, Some("Q")).expect("writes");
        assert!(is_moment(&text));
        assert!(!is_moment(SCENARIO));
        let m = parse(&text, "m.moment.json", None).expect("reads");
        assert_eq!(m.t_us, 32_900_000);
        assert_eq!(m.select.as_deref(), Some("Q"));
        assert_eq!(selected(&m).map(|r| m.scenario.id(r)), Some("Q"));
        let plain = crate::scenario::load_str(SCENARIO, "m.json", None).expect("loads");
        assert!(same_resources(&m.scenario, &plain));
    }

    #[test]
    fn bad_moments_say_what_is_wrong() {
        let cases = [
            ("{", "not valid JSON"),
            (
                r#"{"eventflow_moment": 2, "t_s": 1, "scenario": {}}"#,
                "version",
            ),
            (
                r#"{"eventflow_moment": 1, "t_s": -1, "scenario": {}}"#,
                "`t_s`",
            ),
            (
                r#"{"eventflow_moment": 1, "t_s": 1, "select": 3, "scenario": {}}"#,
                "`select`",
            ),
            (r#"{"eventflow_moment": 1, "t_s": 1}"#, "`scenario`"),
            (
                r#"{"eventflow_moment": 1, "t_s": 1, "scenario": {"format": "x"}}"#,
                "the scenario",
            ),
        ];
        for (text, wanted) in cases {
            let e = parse(text, "m.json", None).expect_err(text).to_string();
            assert!(e.contains(wanted), "{text}: {e}");
        }
        let text = write(SCENARIO, 0, Some("Nope")).expect("writes");
        let e = parse(&text, "m.json", None)
            .expect_err("unknown select")
            .to_string();
        assert!(e.contains("Nope"), "{e}");
    }

    #[test]
    fn file_names_carry_the_time() {
        let p = Path::new("/x/poison-message-dlq.json");
        assert_eq!(
            file_name(p, 32_912_000),
            "poison-message-dlq-at-32.9s.moment.json"
        );
        let again = Path::new("/x/poison-message-dlq-at-32.9s.moment.json");
        assert_eq!(
            file_name(again, 5_000_000),
            "poison-message-dlq-at-5s.moment.json"
        );
    }
}
