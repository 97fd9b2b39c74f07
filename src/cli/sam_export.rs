//! `eventflow export FILE --sam [-o OUT.yaml]`: a scenario → an AWS SAM template (stdout, or written atomically
//! to OUT with each handler script copied under `functions/<Id>/` beside it), with one `note: …` line on stderr
//! for everything that did not carry over.

use std::path::Path;
use std::process::ExitCode;

use super::CliError;
use crate::sam_export::ExportError;

pub fn export(file: &Path, out: Option<&Path>) -> Result<ExitCode, CliError> {
    let exported = crate::sam_export::export_file(file).map_err(|e| match e {
        ExportError::Invalid(_) | ExportError::Io { .. } => CliError::Invalid(e.to_string()),
    })?;
    match out {
        Some(path) => exported
            .write_beside(path)
            .map_err(|(file, e)| super::write_error(&file, &e))?,
        // A closed pipe (`eventflow export f.json --sam | head`) is not worth a crash; a full disk is an error.
        None => super::print_text(&exported.template)?,
    }
    for note in &exported.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
