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
        Some(path) => exported.write_beside(path).map_err(|(file, e)| {
            let message = format!("cannot write {}: {e}", file.display());
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                CliError::Invalid(message)
            } else {
                CliError::Internal(message)
            }
        })?,
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`eventflow export f.json --sam | head`) is not worth a crash.
            let _ = stdout.write_all(exported.template.as_bytes());
        }
    }
    for note in &exported.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
