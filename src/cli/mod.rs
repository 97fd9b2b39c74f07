//! The command line (`clap`): `check`, `run`, `sweep`, `tour`, `test-pattern`, `fmt`, and `open` for the
//! desktop app.
//!
//! Exit codes are the contract of `shared/spec/cli-and-trace.md`: 0 success, 2 invalid input (bad scenario,
//! pattern, event or flags) with the message on stderr, 1 an internal error.

mod import;
mod run;
mod sam_export;
mod summary;
mod sweep;
mod test_pattern;
mod tour;
pub mod trace_writer;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::ui::OpenArgs;
pub use run::{RunArgs, run_scenario};
pub use summary::summary_table;
pub use sweep::SweepArgs;
pub use tour::TourArgs;

/// Errors at the command-line boundary, by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Invalid input: exit 2.
    #[error("{0}")]
    Invalid(String),
    /// Something went wrong inside: exit 1.
    #[error("{0}")]
    Internal(String),
}

/// The app's errors at the command line: bad flags or no display are invalid input (exit 2), a failed
/// screenshot is internal (exit 1).
impl From<crate::ui::UiError> for CliError {
    fn from(e: crate::ui::UiError) -> CliError {
        if e.is_input_error() {
            CliError::Invalid(e.to_string())
        } else {
            CliError::Internal(e.to_string())
        }
    }
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Invalid(_) => ExitCode::from(2),
            CliError::Internal(_) => ExitCode::from(1),
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "eventflow",
    version,
    about = "Design, run and watch event-driven serverless architectures",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A scenario, or an AWS SAM / CloudFormation template (converted on the fly), to open in the desktop app
    /// (same as `eventflow open FILE`).
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate scenario files: prints `ok: FILE` per valid file and every problem of an invalid one.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a scenario without a window, as fast as possible (or paced with --speed).
    Run(RunArgs),
    /// Test an EventBridge pattern against an event, like `aws events test-event-pattern`.
    TestPattern {
        /// The pattern: JSON text, or @path/to/file.json.
        #[arg(long)]
        pattern: String,
        /// The event: JSON text, or @path/to/file.json.
        #[arg(long)]
        event: String,
    },
    /// Open the desktop app on a scenario, or on a SAM / CloudFormation template (.yaml, .yml, or a .json with
    /// `Resources`), converted on the fly.
    Open(OpenArgs),
    /// Convert an AWS SAM or CloudFormation template (YAML or JSON) into a scenario; notes on stderr.
    Import {
        template: PathBuf,
        /// Write the scenario here (atomically) instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Export a scenario as an AWS SAM template (YAML); notes on stderr, handler code beside OUT.
    Export {
        file: PathBuf,
        /// The template format (SAM is the only one).
        #[arg(long, required = true)]
        sam: bool,
        /// Write the template here (atomically) and the handler code into functions/ beside it, instead of
        /// printing the template.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Play a scenario's guided tour headless: each step with the virtual time it is reached (exit 1 if one is
    /// never reached).
    Tour(TourArgs),
    /// Run a scenario over a grid of values (--set PATH=V1,V2,…) and seeds, in parallel, one row per run.
    Sweep(SweepArgs),
    /// Rewrite scenario files in canonical form (stable key order, two-space indentation), atomically.
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 if a file is not in canonical form.
        #[arg(long)]
        check: bool,
    },
}

/// Runs the command line; returns the process exit code.
pub fn main_with(cli: Cli, open_app: impl FnOnce(OpenArgs) -> Result<(), CliError>) -> ExitCode {
    let success = |()| ExitCode::SUCCESS;
    let result = match cli.command {
        Some(Command::Check { files }) => check(&files),
        Some(Command::Run(args)) => run_scenario(&args).map(success),
        Some(Command::TestPattern { pattern, event }) => {
            test_pattern::test_pattern(&pattern, &event)
        }
        Some(Command::Open(args)) => open_app(args).map(success),
        Some(Command::Fmt { files, check }) => fmt(&files, check),
        Some(Command::Import { template, output }) => import::import(&template, output.as_deref()),
        Some(Command::Export { file, output, .. }) => sam_export::export(&file, output.as_deref()),
        Some(Command::Sweep(args)) => sweep::sweep(&args).map(success),
        Some(Command::Tour(args)) => tour::tour(&args),
        None => open_app(OpenArgs::file(cli.file)).map(success),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("eventflow: {e}");
            e.exit_code()
        }
    }
}

fn check(files: &[PathBuf]) -> Result<ExitCode, CliError> {
    let mut all_ok = true;
    for file in files {
        match crate::sim::limits::load_file(file) {
            Ok(_) => say(&format!("ok: {}", file.display()))?,
            Err(e) => {
                all_ok = false;
                eprintln!("{e}");
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn fmt(files: &[PathBuf], check: bool) -> Result<ExitCode, CliError> {
    let mut all_canonical = true;
    for file in files {
        let scenario =
            crate::scenario::load_file(file).map_err(|e| CliError::Invalid(e.to_string()))?;
        let text = crate::scenario::write::canonical_text(&scenario.document);
        let current = std::fs::read_to_string(file).unwrap_or_default();
        if current == text {
            continue;
        }
        if check {
            all_canonical = false;
            say(&format!("not canonical: {}", file.display()))?;
        } else {
            crate::fileio::write_atomic(file, &text).map_err(|e| write_error(file, &e))?;
            say(&format!("formatted: {}", file.display()))?;
        }
    }
    Ok(if all_canonical {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints a line on standard output. A closed pipe (`eventflow check … | head`) is not an error worth a crash:
/// the line is dropped. Any other failure (a full disk, a closed standard output) is an error: output the user
/// asked for must never be lost silently.
pub(crate) fn say(line: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    stdout_result(writeln!(out, "{line}").and_then(|()| out.flush()))
}

/// Writes `text` as it is on standard output, with [`say`]'s rules: a closed pipe drops it, any other failure is
/// an error.
pub(crate) fn print_text(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// The CLI's error for a file that could not be written: a read-only (or otherwise forbidden) file is the user's
/// input to fix (exit 2), anything else our failure.
pub(crate) fn write_error(file: &std::path::Path, e: &std::io::Error) -> CliError {
    let message = format!("cannot write {}: {e}", file.display());
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        CliError::Invalid(message)
    } else {
        CliError::Internal(message)
    }
}

/// Maps a write to standard output to the CLI's errors (see [`say`]).
fn stdout_result(r: std::io::Result<()>) -> Result<(), CliError> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Internal(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Reads a JSON argument given inline or as `@path`.
pub(crate) fn json_arg(what: &str, text: &str) -> Result<serde_json::Value, CliError> {
    let (source, label) = match text.strip_prefix('@') {
        Some(path) => {
            let bytes = crate::fileio::read_input(
                std::path::Path::new(path),
                crate::fileio::MAX_JSON_ARG_BYTES,
                "a pattern or event file",
            )
            .map_err(|e| CliError::Invalid(format!("{what} file: {e}")))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| CliError::Invalid(format!("{what} file {path} is not UTF-8 text")))?;
            (text, path.to_string())
        }
        None => (text.to_string(), format!("--{what}")),
    };
    serde_json::from_str(&source).map_err(|e| {
        CliError::Invalid(format!(
            "{label}:{}:{}: {what} is not valid JSON: {e}",
            e.line(),
            e.column()
        ))
    })
}
