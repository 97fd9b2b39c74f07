//! The `eventflow` binary: the command line, and the desktop app when no command is given.

use std::process::ExitCode;

use clap::Parser;
use eventflow::cli::{Cli, CliError, OpenArgs, main_with};

/// mimalloc instead of glibc's allocator: the engine and the app allocate and free millions of small JSON values
/// and trace records, often on one thread and freed on another. glibc's malloc spent a third of the trace-on engine
/// benchmark consolidating freed chunks; with mimalloc the same run took 39 % less time and the app's dashboard
/// frame 20–40 % less CPU (`cargo bench --bench engine`, `--bench ui_frame`; figures in the README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
