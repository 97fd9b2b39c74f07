//! Engine throughput: `cargo bench --bench engine`.
//!
//! 1,000,000 HTTP API requests (10,000 per second for 100 virtual seconds) into a function with reserved
//! concurrency 100, run without the trace, with the trace records taken (as the app takes them), with the trace
//! serialised to JSON Lines on the engine's thread (into memory, discarded per chunk), and with it serialised on
//! `run --trace`'s writer thread (into `io::sink`). Prints engine events per second and requests per second.
//! Plain `std::time` timing (wall) with a warm-up run: this is a figure for the notes, not a pass/fail test.
//!
//! Arguments that do not start with `-` select cases by name (`off`, `records`, `jsonl`, `jsonl-thread`), e.g.
//! `cargo bench --bench engine -- jsonl`, so that one case can be profiled alone.

use std::sync::Arc;
use std::time::Instant;

use eventflow::cli::trace_writer::{TraceWriter, WriteEnd};
use eventflow::scenario::load_str;
use eventflow::sim::{Sim, SimOptions};

/// The allocator the `eventflow` binary uses (src/main.rs), so the figures are the app's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The scenario, also a file for whole-process measurements (`eventflow run` / `open` on it; see the README).
const SCENARIO: &str = include_str!("engine-1m.json");

/// How the trace is consumed.
#[derive(Clone, Copy, PartialEq)]
enum TraceUse {
    Off,
    /// Records are taken and dropped, as the desktop app's runner receives them (no serialisation).
    Records,
    /// Records are serialised to JSON Lines on the calling thread.
    JsonLines,
    /// Records are handed to `run --trace`'s writer thread, which serialises them to JSON Lines (into
    /// `io::sink`) while the engine runs on: what `eventflow run --trace FILE` does.
    JsonLinesThread,
}

fn run(mode: TraceUse, until_s: f64) -> (u64, f64, u64) {
    let trace = mode != TraceUse::Off;
    let scenario =
        load_str(SCENARIO, "bench.json", None).unwrap_or_else(|e| panic!("bench scenario: {e}"));
    let api = scenario.find("Api").expect("Api");
    let mut sim = Sim::new(Arc::new(scenario), SimOptions { seed: None, trace });
    let until_us = (until_s * 1e6) as u64;
    let mut sink = Vec::with_capacity(1 << 20);
    let mut bytes = 0u64;
    let start = Instant::now();
    let mut writer = (mode == TraceUse::JsonLinesThread)
        .then(|| TraceWriter::spawn(Box::new(std::io::sink())).expect("spawns the writer"));
    while sim.next_event_us().is_some_and(|t| t <= until_us) {
        sim.run_until_bounded(until_us, eventflow::runner::EVENTS_PER_TICK);
        match mode {
            TraceUse::Off => {}
            TraceUse::Records => bytes += sim.take_trace().len() as u64,
            TraceUse::JsonLines => {
                sink.clear();
                // By reference, as `run --trace`'s writer reads them (moving each out would copy it).
                let records = sim.take_trace();
                for r in &records {
                    r.write_line(&mut sink);
                }
                bytes += sink.len() as u64;
            }
            TraceUse::JsonLinesThread => {
                let records = sim.take_trace();
                bytes += records.len() as u64;
                if let Some(w) = writer.as_mut() {
                    assert!(
                        w.send(records),
                        "the writer into io::sink stops only at the end"
                    );
                }
            }
        }
    }
    if let Some(w) = writer {
        assert!(matches!(w.finish(), WriteEnd::Done));
    }
    let secs = start.elapsed().as_secs_f64();
    let requests = sim.stats(api).count;
    assert!(requests > 0);
    (sim.events_processed(), secs, bytes)
}

impl TraceUse {
    /// The case's name on the command line.
    fn name(self) -> &'static str {
        match self {
            TraceUse::Off => "off",
            TraceUse::Records => "records",
            TraceUse::JsonLines => "jsonl",
            TraceUse::JsonLinesThread => "jsonl-thread",
        }
    }
}

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    // Warm-up (page faults, allocator) on a tenth of the run.
    let _ = run(TraceUse::Off, 10.0);
    for mode in [
        TraceUse::Off,
        TraceUse::Records,
        TraceUse::JsonLines,
        TraceUse::JsonLinesThread,
    ] {
        if !wanted.is_empty() && !wanted.iter().any(|w| w == mode.name()) {
            continue;
        }
        let (events, secs, amount) = run(mode, 101.0);
        let (label, extra) = match mode {
            TraceUse::Off => ("trace off", String::new()),
            TraceUse::Records => (
                "trace records (as the app takes them)",
                format!(", {amount} records"),
            ),
            TraceUse::JsonLines => (
                "trace as JSON Lines",
                format!(", {:.0} MB of trace", amount as f64 / 1e6),
            ),
            TraceUse::JsonLinesThread => (
                "trace as JSON Lines on a writer thread (as `run --trace`)",
                format!(", {amount} records"),
            ),
        };
        println!(
            "engine, 1M API requests, {label}: {events} events in {secs:.3} s = {:.2} M events/s, {:.0} k requests/s{extra}",
            events as f64 / secs / 1e6,
            1_000_000.0 / secs / 1e3,
        );
    }
}
