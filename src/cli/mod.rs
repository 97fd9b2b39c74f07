//! The command line (`clap`): `check`, `run`, `test-pattern`, and `open` for the desktop app.
//!
//! Exit codes are the contract of `shared/spec/cli-and-trace.md`: 0 success, 2 invalid input (bad scenario,
//! pattern, event or flags) with the message on stderr, 1 an internal error.

mod import;
mod run;
mod summary;
mod test_pattern;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use run::{RunArgs, run_scenario};
pub use summary::summary_table;

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
    /// A scenario to open in the desktop app (same as `eventflow open FILE`).
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
    /// Open the desktop app on a scenario.
    Open(OpenArgs),
    /// Convert an AWS SAM or CloudFormation template (YAML or JSON) into a scenario; notes on stderr.
    Import {
        template: PathBuf,
        /// Write the scenario here (atomically) instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Rewrite scenario files in canonical form (stable key order, two-space indentation), atomically.
    Fmt {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 if a file is not in canonical form.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct OpenArgs {
    pub file: Option<PathBuf>,
    /// Save a PNG of the window after --after seconds of wall time, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Seconds of wall time to play before the screenshot.
    #[arg(long, default_value_t = 2.0)]
    pub after: f64,
    /// Window size for the screenshot, WxH.
    #[arg(long)]
    pub size: Option<String>,
    /// Open in edit mode (without a file: a new, empty scenario).
    #[arg(long)]
    pub edit: bool,
    /// With --edit: start with this resource selected (its property panel open), e.g. for screenshots.
    #[arg(long, requires = "edit")]
    pub select: Option<String>,
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
        None => open_app(OpenArgs {
            file: cli.file,
            screenshot: None,
            after: 2.0,
            size: None,
            edit: false,
            select: None,
        })
        .map(success),
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
        match crate::scenario::load_file(file) {
            Ok(_) => say(&format!("ok: {}", file.display())),
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
            say(&format!("not canonical: {}", file.display()));
        } else {
            crate::fileio::write_atomic(file, &text).map_err(|e| {
                let message = format!("cannot write {}: {e}", file.display());
                // A read-only (or otherwise forbidden) file is the user's input to fix, not our failure.
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    CliError::Invalid(message)
                } else {
                    CliError::Internal(message)
                }
            })?;
            say(&format!("formatted: {}", file.display()));
        }
    }
    Ok(if all_canonical {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints a line on standard output. A closed pipe (`eventflow check … | head`) is not an error worth a crash:
/// the line is dropped.
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Reads a JSON argument given inline or as `@path`.
pub(crate) fn json_arg(what: &str, text: &str) -> Result<serde_json::Value, CliError> {
    let (source, label) = match text.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| CliError::Invalid(format!("cannot read {what} file {path}: {e}")))?,
            path.to_string(),
        ),
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
