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
        Some(path) => {
            crate::fileio::write_atomic(path, &text).map_err(|e| super::write_error(path, &e))?
        }
        // A closed pipe (`eventflow import t.yaml | head`) is not worth a crash; a full disk is an error.
        None => super::print_text(&text)?,
    }
    for note in &imported.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
