//! `eventflow import TEMPLATE [-o OUT.json]`: an AWS SAM / CloudFormation template → a scenario (stdout, or
//! written atomically to OUT), with one `note: LogicalId (Type): message` line on stderr per resource that was
//! skipped or approximated.

use std::path::Path;
use std::process::ExitCode;

use super::CliError;

pub fn import(template: &Path, out: Option<&Path>) -> Result<ExitCode, CliError> {
    let imported = crate::import::import_file(template).map_err(|e| {
        if e.is_bad_input() {
            CliError::Invalid(e.to_string())
        } else {
            CliError::Internal(e.to_string())
        }
    })?;
    let text = crate::scenario::write::canonical_text(&imported.document);
    match out {
        Some(path) => crate::fileio::write_atomic(path, &text).map_err(|e| {
            let message = format!("cannot write {}: {e}", path.display());
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                CliError::Invalid(message)
            } else {
                CliError::Internal(message)
            }
        })?,
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`eventflow import t.yaml | head`) is not worth a crash.
            let _ = stdout.write_all(text.as_bytes());
        }
    }
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
