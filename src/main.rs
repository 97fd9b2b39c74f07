//! The `eventflow` binary: the command line, and the desktop app when no command is given.

use std::process::ExitCode;

use clap::Parser;
use eventflow::cli::{Cli, CliError, OpenArgs, main_with};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Loading and simulating never panic by design; should a bug slip through, report it as an internal error
    // (exit 1) instead of dying by signal or with Rust's exit code 101.
    match std::panic::catch_unwind(move || main_with(cli, open_app)) {
        Ok(code) => code,
        Err(_) => {
            eprintln!(
                "eventflow: internal error (a bug): please report it with the file that caused it"
            );
            ExitCode::from(1)
        }
    }
}

fn open_app(args: OpenArgs) -> Result<(), CliError> {
    eventflow::ui::run(args).map_err(CliError::from)
}
