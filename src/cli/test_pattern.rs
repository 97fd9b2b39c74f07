//! `eventflow test-pattern`: `aws events test-event-pattern`, offline.

use std::process::ExitCode;

use super::{CliError, json_arg};
use crate::pattern::Pattern;

pub fn test_pattern(pattern: &str, event: &str) -> Result<ExitCode, CliError> {
    let pattern_json = json_arg("pattern", pattern)?;
    let event_json = json_arg("event", event)?;
    let compiled = Pattern::compile(&pattern_json)
        .map_err(|e| CliError::Invalid(format!("invalid pattern: {e}")))?;
    if !event_json.is_object() {
        return Err(CliError::Invalid(
            "invalid event: expected a JSON object".to_string(),
        ));
    }
    let result = compiled.matches(&event_json);
    super::say(&serde_json::json!({ "Result": result }).to_string())?;
    Ok(ExitCode::SUCCESS)
}
