//! `eventflow sweep`: capacity planning in seconds. Runs a scenario over a grid of settings and seeds, in
//! parallel on every core, and prints one row per run plus the spread across seeds of each grid point.
//!
//! `--set PATH=V1,V2,…` (repeatable) names a value of the scenario document by the same path the loader's
//! messages use (`resources.Fn.reserved_concurrency`, `traffic[0].poisson_per_s`, `settings.account_concurrency`;
//! a leading `$.` is allowed) and the values to try, each JSON (`10`, `true`, `{"dist":"normal",…}`) or else a
//! string. The grid is the cartesian product of every `--set`, in the order given, times `--seeds N` seeds
//! (the scenario's seed, then the next N − 1). Each run is an ordinary deterministic run with the trace off, so
//! the output is the same whatever `--jobs` is: runs are computed in parallel and printed in grid order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use super::CliError;
use crate::scenario::ResourceType;
use crate::sim::stats::{PRICE_PER_GB_SECOND_USD, PRICE_PER_REQUEST_USD, percentile_ms};
use crate::sim::{Sim, SimOptions};

#[derive(Debug, Clone, clap::Args)]
pub struct SweepArgs {
    pub file: PathBuf,
    /// How many seeds each grid point runs with (the scenario's seed and the next ones).
    #[arg(long, default_value_t = 1)]
    pub seeds: u32,
    /// PATH=V1,V2,…: a document value and the values to try (repeatable; the grid is their product).
    #[arg(long = "set", value_name = "PATH=V1,V2,…")]
    pub sets: Vec<String>,
    /// Parallel runs (default: every core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Virtual seconds each run simulates (default: the scenario's settings.until_s).
    #[arg(long, allow_negative_numbers = true)]
    pub until: Option<f64>,
    /// Print the runs as CSV (one row per run, with a header) instead of tables.
    #[arg(long)]
    pub csv: bool,
    /// As for `run`: refuse a grid point whose traffic would send more events than this, and stop the sweep when
    /// one run processes more engine events (a loop).
    #[arg(long, value_name = "N", default_value_t = super::run::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
}

/// The most runs one sweep may ask for: enough for any grid worth reading, and a bound on a typo such as
/// `--seeds 1000000`.
pub const MAX_RUNS: usize = 10_000;

/// One `--set`: where, and the values to try.
#[derive(Debug, Clone)]
struct Axis {
    path: Vec<Step>,
    label: String,
    values: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
struct Outcome {
    invocations: u64,
    errors: u64,
    throttles: u64,
    dead_letters: u64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
    cost_usd: f64,
    max_queue_depth: u64,
    /// `run`'s message when the run was stopped at `--max-events` (its other fields are then partial).
    stopped: Option<String>,
}

impl Outcome {
    /// Throttles as a share of invocation attempts (invocations that ran plus those refused), in percent.
    fn throttle_pct(&self) -> f64 {
        let attempts = self.invocations + self.throttles;
        if attempts == 0 {
            0.0
        } else {
            100.0 * self.throttles as f64 / attempts as f64
        }
    }
}

struct Run {
    point: usize,
    seed: u64,
    outcome: Outcome,
}

pub fn sweep(args: &SweepArgs) -> Result<(), CliError> {
    // The same load as `run`'s: traffic payloads over their target's limit are refused too.
    let base =
        crate::sim::limits::load_file(&args.file).map_err(|e| CliError::Invalid(e.to_string()))?;
    let axes = args
        .sets
        .iter()
        .map(|s| parse_axis(s))
        .collect::<Result<Vec<_>, _>>()?;
    if args.seeds == 0 {
        return Err(CliError::Invalid("--seeds must be at least 1".into()));
    }
    let until_us = super::run::until_us(args.until, base.settings.until_s)?;
    let points = grid(&axes);
    let runs = points.len().saturating_mul(args.seeds as usize);
    if runs > MAX_RUNS {
        return Err(CliError::Invalid(format!(
            "the sweep asks for {runs} runs, over the limit of {MAX_RUNS}: fewer values or seeds"
        )));
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if jobs == 0 {
        return Err(CliError::Invalid("--jobs must be at least 1".into()));
    }
    // Every grid point is loaded (and validated) once, before any run, so a bad value is reported at once.
    let label = args.file.display().to_string();
    let base_dir = folder_of(&args.file);
    let scenarios = points
        .iter()
        .map(|values| {
            let at = |axes: &[Axis]| -> String {
                let at: Vec<String> = axes
                    .iter()
                    .zip(values)
                    .map(|(a, v)| format!("{}={v}", a.label))
                    .collect();
                at.join(" ")
            };
            let mut doc = base.document.clone();
            for (axis, v) in axes.iter().zip(values) {
                set_path(&mut doc, &axis.path, v.clone())
                    .map_err(|why| CliError::Invalid(format!("--set {}: {why}", axis.label)))?;
            }
            let text = crate::scenario::write::canonical_text(&doc);
            crate::scenario::load_str(
                &text,
                &format!("{label} (canonical, with --set)"),
                Some(&base_dir),
            )
            .map_err(|e| CliError::Invalid(format!("with {}:\n{e}", at(&axes))))
            .and_then(|scenario| {
                // The work estimate of `run`, per grid point (a `--set` may speed its traffic up); without any
                // `--set` the one point is the scenario, and the message is `run`'s.
                super::run::refuse_oversized_run(&scenario, until_us, args.max_events).map_err(
                    |e| {
                        if axes.is_empty() {
                            e
                        } else {
                            CliError::Invalid(format!("with {}:\n{e}", at(&axes)))
                        }
                    },
                )?;
                Ok(Arc::new(scenario))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let base_seed = base.settings.seed;
    let plan: Vec<(usize, u64)> = (0..points.len())
        .flat_map(|p| (0..u64::from(args.seeds)).map(move |k| (p, base_seed.wrapping_add(k))))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| CliError::Internal(format!("cannot start {jobs} worker threads: {e}")))?;
    let results: Vec<Run> = pool.install(|| {
        plan.par_iter()
            .map(|&(point, seed)| Run {
                point,
                seed,
                outcome: run_one(&scenarios[point], seed, until_us, args.max_events),
            })
            .collect()
    });
    // A run stopped at `--max-events` fails the sweep with `run`'s message, naming its grid point and seed (the
    // first in grid order, whatever finished first).
    let mut results = results;
    if let Some(stopped) = results.iter_mut().find(|r| r.outcome.stopped.is_some()) {
        let values = &points[stopped.point];
        let at: Vec<String> = axes
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{}={v}", a.label))
            .collect();
        let message = stopped.outcome.stopped.take().unwrap_or_default();
        let point = if at.is_empty() {
            format!("seed {}", stopped.seed)
        } else {
            format!("{} seed {}", at.join(" "), stopped.seed)
        };
        return Err(CliError::Invalid(format!("with {point}:\n{message}")));
    }
    let text = if args.csv {
        csv(&axes, &points, &results)
    } else {
        tables(&axes, &points, &results, args.seeds)
    };
    super::say(text.trim_end())
}

fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn run_one(
    sc: &Arc<crate::scenario::Scenario>,
    seed: u64,
    until_us: u64,
    max_events: u64,
) -> Outcome {
    let mut sim = Sim::new(
        sc.clone(),
        SimOptions {
            seed: Some(seed),
            trace: false,
        },
    );
    // Bounded like `run`: a loop stops at `max_events` engine events instead of running forever.
    sim.run_until_bounded(until_us, max_events);
    let mut o = Outcome::default();
    if sim.events_processed() >= max_events && sim.next_event_us().is_some_and(|t| t <= until_us) {
        o.stopped = Some(super::run::stopped_at_max_events(&sim, max_events).to_string());
    }
    let mut durations: Vec<u32> = Vec::new();
    let mut gb_s = 0.0;
    for id in sc.ids() {
        let s = sim.stats(id);
        o.dead_letters += s.dead_lettered;
        // Only functions and queues feed the sweep's columns; a new resource type needs nothing here.
        let rtype = sc.resource(id).resource_type();
        if rtype == ResourceType::Function {
            o.invocations += s.count;
            o.errors += s.errors;
            o.throttles += s.throttles;
            gb_s += s.gb_seconds;
            durations.extend_from_slice(&s.durations_us);
        } else if rtype == ResourceType::Queue {
            o.max_queue_depth = o.max_queue_depth.max(s.max_depth);
        }
    }
    durations.sort_unstable();
    o.p50_ms = percentile_ms(&durations, 50.0);
    o.p99_ms = percentile_ms(&durations, 99.0);
    o.cost_usd = o.invocations as f64 * PRICE_PER_REQUEST_USD + gb_s * PRICE_PER_GB_SECOND_USD;
    o
}

/// `resources.Fn.reserved_concurrency=10,50` → the path and the values.
fn parse_axis(spec: &str) -> Result<Axis, CliError> {
    let bad = |why: &str| CliError::Invalid(format!("--set {spec:?}: {why}"));
    let (path_text, values_text) = spec
        .split_once('=')
        .ok_or_else(|| bad("expected PATH=V1,V2,…"))?;
    let path_text = path_text.trim();
    let path = parse_path(path_text).map_err(|why| bad(&why))?;
    let values: Vec<Value> = split_values(values_text)
        .into_iter()
        .map(|v| {
            serde_json::from_str(v.trim()).unwrap_or_else(|_| Value::String(v.trim().to_string()))
        })
        .collect();
    if values.is_empty() || values_text.trim().is_empty() {
        return Err(bad("no values to try"));
    }
    Ok(Axis {
        path,
        label: path_text.trim_start_matches("$.").to_string(),
        values,
    })
}

/// `$.resources.Fn.x`, `traffic[0].every_s`, `resources["My Fn"].x` → steps.
fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let text = text.strip_prefix("$.").unwrap_or(text);
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or("an unclosed [")?;
            let inner = &r[..end];
            if let Some(q) = inner.strip_prefix('"').and_then(|i| i.strip_suffix('"')) {
                steps.push(Step::Key(q.to_string()));
            } else {
                let i = inner
                    .parse::<usize>()
                    .map_err(|_| format!("[{inner}] is not an index"))?;
                steps.push(Step::Index(i));
            }
            rest = &r[end + 1..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return Err("an empty key in the path".into());
            }
            steps.push(Step::Key(rest[..end].to_string()));
            rest = &rest[end..];
            rest = rest.strip_prefix('.').unwrap_or(rest);
        }
    }
    if steps.is_empty() {
        return Err("an empty path".into());
    }
    Ok(steps)
}

/// Splits on commas outside brackets, braces and strings, so JSON objects and lists can be values.
fn split_values(text: &str) -> Vec<&str> {
    let (mut depth, mut in_string, mut escaped, mut start) = (0i32, false, false, 0usize);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Sets the value at `path`. Only the last key may be new (a field left at its default); everything before it
/// must exist, so a misspelt resource is reported instead of created.
fn set_path(doc: &mut Value, path: &[Step], v: Value) -> Result<(), String> {
    let Some((last, walk)) = path.split_last() else {
        return Err("an empty path".into());
    };
    let mut here = doc;
    for step in walk {
        here = match step {
            Step::Key(k) => here
                .as_object_mut()
                .ok_or_else(|| format!("{k:?} is inside something that is not an object"))?
                .get_mut(k)
                .ok_or_else(|| format!("there is no {k:?}"))?,
            Step::Index(i) => here
                .as_array_mut()
                .and_then(|a| a.get_mut(*i))
                .ok_or_else(|| format!("no element [{i}]"))?,
        };
    }
    match last {
        Step::Key(k) => {
            here.as_object_mut()
                .ok_or_else(|| format!("{k:?} is inside something that is not an object"))?
                .insert(k.clone(), v);
        }
        Step::Index(i) => {
            let slot = here
                .as_array_mut()
                .and_then(|a| a.get_mut(*i))
                .ok_or_else(|| format!("no element [{i}]"))?;
            *slot = v;
        }
    }
    Ok(())
}

/// Every combination of the axes' values, the first axis slowest.
fn grid(axes: &[Axis]) -> Vec<Vec<Value>> {
    let mut points: Vec<Vec<Value>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    points
}

fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.1}"))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const METRICS: [&str; 9] = [
    "invocations",
    "errors",
    "throttles",
    "throttle %",
    "dead letters",
    "p50 ms",
    "p99 ms",
    "cost $",
    "max queue depth",
];

fn metric_cells(o: &Outcome) -> [String; 9] {
    [
        o.invocations.to_string(),
        o.errors.to_string(),
        o.throttles.to_string(),
        format!("{:.2}", o.throttle_pct()),
        o.dead_letters.to_string(),
        ms(o.p50_ms),
        ms(o.p99_ms),
        format!("{:.6}", o.cost_usd),
        o.max_queue_depth.to_string(),
    ]
}

fn csv(axes: &[Axis], points: &[Vec<Value>], runs: &[Run]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let mut header: Vec<String> = axes.iter().map(|a| quote(&a.label)).collect();
    header.push("seed".into());
    header.extend(METRICS.iter().map(|m| quote(m)));
    let _ = writeln!(out, "{}", header.join(","));
    for r in runs {
        let mut row: Vec<String> = points[r.point]
            .iter()
            .map(|v| quote(&value_text(v)))
            .collect();
        row.push(r.seed.to_string());
        row.extend(metric_cells(&r.outcome).iter().map(|c| quote(c)));
        let _ = writeln!(out, "{}", row.join(","));
    }
    out
}

fn tables(axes: &[Axis], points: &[Vec<Value>], runs: &[Run], seeds: u32) -> String {
    let mut header: Vec<String> = axes.iter().map(|a| a.label.clone()).collect();
    header.push("seed".into());
    header.extend(METRICS.iter().map(|m| m.to_string()));
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let mut row: Vec<String> = points[r.point].iter().map(value_text).collect();
            row.push(r.seed.to_string());
            row.extend(metric_cells(&r.outcome));
            row
        })
        .collect();
    let mut out = aligned(&header, &rows, axes.len());
    if seeds > 1 {
        let _ = writeln!(
            out,
            "\nspread across {seeds} seeds (mean, min–max) of each grid point:"
        );
        let mut header: Vec<String> = axes.iter().map(|a| a.label.clone()).collect();
        header
            .extend(["throttle %", "errors", "dead letters", "p99 ms", "cost $"].map(String::from));
        let rows: Vec<Vec<String>> = (0..points.len())
            .map(|p| {
                let of_point: Vec<&Outcome> = runs
                    .iter()
                    .filter(|r| r.point == p)
                    .map(|r| &r.outcome)
                    .collect();
                let mut row: Vec<String> = points[p].iter().map(value_text).collect();
                row.push(spread(&of_point, |o| Some(o.throttle_pct()), 2));
                row.push(spread(&of_point, |o| Some(o.errors as f64), 1));
                row.push(spread(&of_point, |o| Some(o.dead_letters as f64), 1));
                row.push(spread(&of_point, |o| o.p99_ms, 1));
                row.push(spread(&of_point, |o| Some(o.cost_usd), 6));
                row
            })
            .collect();
        out.push_str(&aligned(&header, &rows, axes.len()));
    }
    out
}

/// `mean (min–max)` of a metric over runs; `-` where no run has it.
fn spread(runs: &[&Outcome], metric: impl Fn(&Outcome) -> Option<f64>, decimals: usize) -> String {
    let values: Vec<f64> = runs.iter().filter_map(|o| metric(o)).collect();
    if values.is_empty() {
        return "-".into();
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{mean:.decimals$} ({min:.decimals$}–{max:.decimals$})")
}

/// A table with columns padded to their widest cell; the first `left` columns left-aligned, the rest right.
fn aligned(header: &[String], rows: &[Vec<String>], left: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w.saturating_sub(c.chars().count()));
                if i < left {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", padded.join("  ").trim_end());
    };
    line(header);
    for row in rows {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_values_parse() {
        let a = parse_axis("$.resources.Fn.reserved_concurrency=10, 50,100").expect("axis");
        assert_eq!(
            a.path,
            vec![
                Step::Key("resources".into()),
                Step::Key("Fn".into()),
                Step::Key("reserved_concurrency".into())
            ]
        );
        assert_eq!(a.values, vec![json!(10), json!(50), json!(100)]);
        assert_eq!(a.label, "resources.Fn.reserved_concurrency");
        let b = parse_axis(r#"traffic[0].event={"a":[1,2]},plain,"q,uoted""#).expect("axis");
        assert_eq!(
            b.path,
            vec![
                Step::Key("traffic".into()),
                Step::Index(0),
                Step::Key("event".into())
            ]
        );
        assert_eq!(
            b.values,
            vec![json!({"a": [1, 2]}), json!("plain"), json!("q,uoted")]
        );
        assert!(parse_axis("resources.Fn.x").is_err(), "no =");
        assert!(parse_axis("resources..x=1").is_err(), "empty key");
        assert!(parse_axis("traffic[x].a=1").is_err(), "bad index");
        assert!(parse_axis("a=").is_err(), "no values");
    }

    #[test]
    fn set_path_creates_keys_and_refuses_to_walk_through_scalars() {
        let mut doc = json!({"resources": {"Fn": {"type": "function"}}, "traffic": [{"to": "Fn"}]});
        assert!(
            set_path(
                &mut doc,
                &parse_path("resources.Fm.x").expect("path"),
                json!(1)
            )
            .is_err(),
            "a misspelt resource is not created"
        );
        let p = parse_path("resources.Fn.reserved_concurrency").expect("path");
        set_path(&mut doc, &p, json!(5)).expect("set");
        assert_eq!(doc["resources"]["Fn"]["reserved_concurrency"], json!(5));
        set_path(
            &mut doc,
            &parse_path("traffic[0].every_s").expect("path"),
            json!(2),
        )
        .expect("set");
        assert_eq!(doc["traffic"][0]["every_s"], json!(2));
        assert!(
            set_path(
                &mut doc,
                &parse_path("traffic[3].x").expect("path"),
                json!(1)
            )
            .is_err()
        );
        assert!(
            set_path(
                &mut doc,
                &parse_path("resources.Fn.type.x").expect("path"),
                json!(1)
            )
            .is_err()
        );
    }

    #[test]
    fn the_grid_is_the_product_first_axis_slowest() {
        let a = parse_axis("x=1,2").expect("axis");
        let b = parse_axis("y=a,b,c").expect("axis");
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], vec![json!(1), json!("a")]);
        assert_eq!(g[1], vec![json!(1), json!("b")]);
        assert_eq!(g[3], vec![json!(2), json!("a")]);
        assert_eq!(grid(&[]), vec![Vec::<Value>::new()], "no --set: one point");
    }
}
