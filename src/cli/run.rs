//! `eventflow run`: a headless run, as fast as possible or paced against the wall clock with `--speed`; the trace
//! as JSON Lines (`--trace`) and the exports of `crate::export` (`--perfetto`, `--otlp`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::CliError;
use super::trace_writer::{TraceWriter, WriteEnd};
use crate::sim::{Sim, SimOptions};

/// The longest run `--until` accepts: the loader's maximum for every time, 100 years of virtual time
/// (3,155,760,000 s), far beyond any schedule worth simulating and far inside the engine's clock (u64 microseconds,
/// about 584,000 years).
pub const MAX_UNTIL_S: f64 = crate::scenario::MAX_TIME_S;

/// The end of a run in virtual microseconds: `--until` if given, else the scenario's `until_s`; refused outside
/// 0 ..= [`MAX_UNTIL_S`] (one check for `run`, `sweep` and `tour`).
pub(super) fn until_us(flag_s: Option<f64>, scenario_until_s: f64) -> Result<u64, CliError> {
    let until_s = flag_s.unwrap_or(scenario_until_s);
    if !(until_s.is_finite() && (0.0..=MAX_UNTIL_S).contains(&until_s)) {
        return Err(CliError::Invalid(format!(
            "--until must be a number of seconds from 0 to {MAX_UNTIL_S:.0} (100 years), got {}",
            number_text(until_s)
        )));
    }
    Ok(crate::sim::rng::ms_to_us(until_s * 1000.0))
}

/// A number as the user would write it: `1e303` rather than its 304 digits.
fn number_text(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e15 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Events processed between trace flushes (bounds memory on long runs).
const EVENTS_PER_CHUNK: u64 = 65_536;

/// The default of `--max-events` (see [`crate::scenario::estimate::DEFAULT_MAX_EVENTS`]). A run is refused before it
/// starts when its traffic alone would send more events (each is at least one engine event), and stopped when it has
/// processed that many (a loop: a rule that targets its own bus, a function that invokes itself through a queue).
pub const DEFAULT_MAX_EVENTS: u64 = crate::scenario::estimate::DEFAULT_MAX_EVENTS;

/// Refuses a run whose traffic sends more than `max_events` events by `until_us` (see [`DEFAULT_MAX_EVENTS`]).
pub(super) fn refuse_oversized_run(
    scenario: &crate::scenario::Scenario,
    until_us: u64,
    max_events: u64,
) -> Result<(), CliError> {
    let traffic_events = crate::scenario::estimate::traffic_events(scenario, until_us as f64 / 1e6);
    if traffic_events > max_events as f64 {
        return Err(CliError::Invalid(format!(
            "this run would send about {traffic_events:.3e} traffic events by t = {} s, more than --max-events {max_events}: shorten it (--until), slow its traffic, or raise --max-events",
            until_us as f64 / 1e6
        )));
    }
    Ok(())
}

/// The error of a run stopped by `--max-events`.
pub(super) fn stopped_at_max_events(sim: &Sim, max_events: u64) -> CliError {
    CliError::Invalid(format!(
        "stopped after {} engine events at t = {} s: more than --max-events {max_events} (a loop such as a rule that targets its own bus, or a workload too big); raise --max-events to go further",
        sim.events_processed(),
        sim.now_us() as f64 / 1e6
    ))
}

#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    pub file: PathBuf,
    /// Virtual seconds to simulate (default: the scenario's settings.until_s).
    #[arg(long, allow_negative_numbers = true)]
    pub until: Option<f64>,
    /// Seed of the random generator (default: the scenario's settings.seed).
    // A negative seed is read as a value (and refused as one), not as an unknown flag.
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Write the trace as JSON Lines to this file (`-` for standard output).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Print a table of per-resource statistics and the estimated Lambda cost.
    #[arg(long)]
    pub summary: bool,
    /// Run at X times real time instead of as fast as possible.
    #[arg(long, allow_negative_numbers = true)]
    pub speed: Option<f64>,
    /// Write the run in Chrome trace event format to this file (opens in ui.perfetto.dev).
    #[arg(long, value_name = "OUT.json")]
    pub perfetto: Option<PathBuf>,
    /// Write the run as OTLP/JSON spans to this file (opens in Jaeger's "Upload JSON").
    #[arg(long, value_name = "OUT.json")]
    pub otlp: Option<PathBuf>,
    /// Refuse a run whose traffic would send more events than this, and stop one that processes more engine
    /// events (a loop).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

/// Refuses an output path that is the scenario itself or one of its handler scripts, compared by file identity
/// (so `./s.json`, an absolute path or a link to it are caught too): `run s.json --trace s.json` would replace
/// the user's scenario with its own trace.
pub(super) fn refuse_overwriting_inputs(
    output: &std::path::Path,
    scenario_file: &std::path::Path,
    scenario: &crate::scenario::Scenario,
) -> Result<(), CliError> {
    if crate::fileio::same_file(output, scenario_file) {
        return Err(CliError::Invalid(format!(
            "{} is the scenario being run: refusing to overwrite it with output",
            output.display()
        )));
    }
    for r in &scenario.resources {
        if let crate::scenario::ResourceKind::Function(f) = &r.kind
            && let Some(crate::scenario::model::Code::Script { path, resolved }) = &f.code
            && crate::fileio::same_file(output, resolved)
        {
            return Err(CliError::Invalid(format!(
                "{} is the handler script {path} of {}: refusing to overwrite it with output",
                output.display(),
                r.id
            )));
        }
    }
    Ok(())
}

/// Waits for the trace writer: a reader that went away is no error (`run … --trace - | head`), a failed write
/// is.
fn finish_trace(w: TraceWriter) -> Result<(), CliError> {
    match w.finish() {
        WriteEnd::Done | WriteEnd::ReaderGone => Ok(()),
        WriteEnd::Failed(e) => Err(CliError::Internal(format!("writing the trace: {e}"))),
    }
}

/// `eventflow run`: runs the scenario to its end (or `--until`), writing the trace, the exports and the summary
/// that were asked for.
pub fn run_scenario(args: &RunArgs) -> Result<(), CliError> {
    let scenario =
        crate::sim::limits::load_file(&args.file).map_err(|e| CliError::Invalid(e.to_string()))?;
    let until_us = until_us(args.until, scenario.settings.until_s)?;
    refuse_oversized_run(&scenario, until_us, args.max_events)?;
    if let Some(speed) = args.speed
        && !(speed.is_finite() && speed > 0.0)
    {
        return Err(CliError::Invalid(format!(
            "--speed must be a positive number, got {speed}"
        )));
    }
    if let Some(p) = &args.trace
        && p.as_os_str() != "-"
    {
        refuse_overwriting_inputs(p, &args.file, &scenario)?;
    }
    let exports: Vec<&PathBuf> = [&args.perfetto, &args.otlp].into_iter().flatten().collect();
    for p in &exports {
        if p.as_os_str() == "-" {
            return Err(CliError::Invalid(
                "--perfetto and --otlp write a file (written whole, atomically); `-` (standard output) is for --trace"
                    .to_string(),
            ));
        }
        refuse_overwriting_inputs(p, &args.file, &scenario)?;
    }
    if let [a, b] = exports[..]
        && (a == b || crate::fileio::same_file(a, b))
    {
        return Err(CliError::Invalid(format!(
            "--perfetto and --otlp both name {}: give each its own file",
            a.display()
        )));
    }
    if let Some(t) = &args.trace
        && let Some(p) = exports
            .iter()
            .find(|p| *p == &t || crate::fileio::same_file(p, t))
    {
        return Err(CliError::Invalid(format!(
            "--trace and an export both name {}: give each its own file",
            p.display()
        )));
    }
    let mut spans = (!exports.is_empty()).then(crate::export::SpanSet::new);
    let out: Option<Box<dyn Write + Send>> = match &args.trace {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(Box::new(BufWriter::new(std::io::stdout()))),
        Some(p) => {
            let f = File::create(p)
                .map_err(|e| CliError::Invalid(format!("cannot create {}: {e}", p.display())))?;
            Some(Box::new(BufWriter::with_capacity(1 << 20, f)))
        }
    };
    // The trace is formatted and written on a second thread while the engine runs on.
    let mut out = match out {
        Some(w) => Some(
            TraceWriter::spawn(w)
                .map_err(|e| CliError::Internal(format!("starting the trace writer: {e}")))?,
        ),
        None => None,
    };
    let mut sim = Sim::new(
        Arc::new(scenario),
        SimOptions {
            seed: args.seed,
            trace: out.is_some() || spans.is_some(),
        },
    );
    // Durations are kept for the percentiles of `--summary` only.
    sim.keep_durations(args.summary);
    let started = Instant::now();
    loop {
        let target_us = match args.speed {
            None => until_us,
            Some(speed) => {
                (crate::sim::rng::ms_to_us(started.elapsed().as_secs_f64() * 1000.0 * speed))
                    .min(until_us)
            }
        };
        let budget = args.max_events.saturating_sub(sim.events_processed());
        sim.run_until_bounded(target_us, EVENTS_PER_CHUNK.min(budget));
        if out.is_some() || spans.is_some() {
            let records = sim.take_trace();
            if let Some(set) = spans.as_mut() {
                for r in &records {
                    set.add(r);
                }
            }
            if let Some(w) = out.as_mut()
                && !w.send(records)
            {
                // The writer stopped: `run … --trace - | head` (the reader has seen enough; the run goes on
                // without the trace), or a write failed (reported now).
                if let Some(w) = out.take() {
                    finish_trace(w)?;
                }
            }
        }
        let caught_up = sim.next_event_us().is_none_or(|t| t > target_us);
        if caught_up && target_us >= until_us {
            break;
        }
        if sim.events_processed() >= args.max_events {
            if let Some(w) = out.take() {
                let _ = w.finish();
            }
            return Err(stopped_at_max_events(&sim, args.max_events));
        }
        if caught_up && args.speed.is_some() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    if let Some(w) = out.take() {
        finish_trace(w)?;
    }
    if let Some(mut set) = spans {
        set.finish();
        let sc = sim.scenario();
        let writes = [
            (
                &args.perfetto,
                crate::export::perfetto::to_json as fn(_, _) -> _,
            ),
            (&args.otlp, crate::export::otlp::to_json),
        ];
        for (path, render) in writes {
            if let Some(path) = path {
                let text = render(&set, sc).to_string();
                crate::export::write_file(path, &text)
                    .map_err(|e| CliError::Invalid(e.to_string()))?;
            }
        }
    }
    if args.summary {
        super::say(super::summary_table(&sim).trim_end())?;
    }
    Ok(())
}
