//! `eventflow tour FILE`: plays a scenario's guided tour headless and prints each step with the virtual time it
//! was reached; exits 1 when a step is never reached (so every lesson's tour is checked in CI).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use super::CliError;

#[derive(Debug, Clone, clap::Args)]
pub struct TourArgs {
    pub file: PathBuf,
    /// Virtual seconds to play (default: the scenario's settings.until_s).
    #[arg(long, allow_negative_numbers = true)]
    pub until: Option<f64>,
}

pub fn tour(args: &TourArgs) -> Result<ExitCode, CliError> {
    let sc =
        crate::scenario::load_file(&args.file).map_err(|e| CliError::Invalid(e.to_string()))?;
    let Some(tour) = sc.tour.clone() else {
        return Err(CliError::Invalid(format!(
            "{}: the scenario has no \"tour\"",
            args.file.display()
        )));
    };
    let until_us = super::run::until_us(args.until, sc.settings.until_s)?;
    let report = crate::tour::check(Arc::new(sc), until_us);
    let n = tour.steps.len();
    let mut out = String::new();
    let _ = writeln!(out, "tour: {} ({n} steps)", args.file.display());
    let mut missed = 0;
    for (i, (step, at)) in tour.steps.iter().zip(&report.reached_us).enumerate() {
        match at {
            Some(t_us) => {
                let _ = writeln!(
                    out,
                    "{:>3}/{n}  t = {:>10.3} s  {}  (after {})",
                    i + 1,
                    *t_us as f64 / 1e6,
                    step.title,
                    step.wait_for.describe()
                );
            }
            None => {
                missed += 1;
                let _ = writeln!(
                    out,
                    "{:>3}/{n}  never reached   {}  (waits for {}; the run ended at t = {:.3} s)",
                    i + 1,
                    step.title,
                    step.wait_for.describe(),
                    report.ended_us as f64 / 1e6
                );
            }
        }
    }
    if missed == 0 {
        let _ = write!(out, "every step reached");
    } else {
        let _ = write!(out, "{missed} of {n} steps never reached");
    }
    super::say(&out)?;
    Ok(if missed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
