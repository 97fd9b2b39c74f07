//! Compare two variants of a scenario (A/B): both run headless with the same seed for the same virtual time, and
//! their key metrics are set side by side per resource name. Typical use: the same traffic with and without a
//! queue in front of a function, or before and after a configuration change. The Compare window (View → Compare
//! with a variant…) takes variant B from a file; A is the open scenario.
//!
//! Both runs are also sampled [`SAMPLES`] times over the run ([`Timeline`]): throttles and errors so far, the p99
//! duration of the invocations of each interval, and the messages held in queues, over all functions and queues
//! of the variant. The window plots them together, one line per variant, above the table.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;

use super::metrics::{Series, plot};
use super::style;
use crate::runner::StatsView;
use crate::scenario::{ResourceType, Scenario};
use crate::sim::{Sim, SimOptions};

/// Most engine events one side of a comparison may run (both run on a thread of their own, never the UI's).
pub const MAX_EVENTS: u64 = 5_000_000;

/// How many times each run is sampled for the plots.
pub const SAMPLES: u64 = 120;

/// One variant's metrics over time, as plot points `[virtual s, value]`, over all its functions and queues.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// Throttles of every function so far.
    pub throttles: Vec<[f64; 2]>,
    /// Failed invocations (errors and timeouts) of every function so far.
    pub errors: Vec<[f64; 2]>,
    /// p99 duration (ms, nearest rank) of the invocations that ended in each interval (none: no point).
    pub p99_ms: Vec<[f64; 2]>,
    /// Messages held by every queue (ready, in flight, delayed).
    pub queued: Vec<[f64; 2]>,
}

/// One resource of either variant (by name), with its metrics in A and in B (`None`: not in that variant).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub resource: String,
    pub a: Option<StatsView>,
    pub b: Option<StatsView>,
}

/// The outcome of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub seed: u64,
    /// How long both ran (virtual µs).
    pub until_us: u64,
    /// A's resources in file order, then those only B has.
    pub rows: Vec<Row>,
    /// A side stopped at [`MAX_EVENTS`] before `until_us`.
    pub truncated: bool,
    /// A's and B's metrics over time.
    pub a_timeline: Timeline,
    pub b_timeline: Timeline,
}

/// Runs one variant and returns its metrics per resource name, its timeline, and whether it was cut short.
fn run(sc: Arc<Scenario>, seed: u64, until_us: u64) -> (Vec<(String, StatsView)>, Timeline, bool) {
    let mut sim = Sim::new(
        sc.clone(),
        SimOptions {
            seed: Some(seed),
            trace: false,
        },
    );
    let of_type = |t: ResourceType| {
        sc.ids()
            .filter(|id| sc.resource(*id).resource_type() == t)
            .collect::<Vec<_>>()
    };
    let (functions, queues) = (
        of_type(ResourceType::Function),
        of_type(ResourceType::Queue),
    );
    let mut timeline = Timeline::default();
    // Per function: how many durations earlier intervals took.
    let mut durations_seen = vec![0usize; functions.len()];
    let mut ran = 0;
    for k in 1..=SAMPLES {
        let t_us = (u128::from(until_us) * u128::from(k) / u128::from(SAMPLES)) as u64;
        ran += sim.run_until_bounded(t_us, MAX_EVENTS - ran);
        if ran == MAX_EVENTS {
            break;
        }
        let t_s = t_us as f64 / 1e6;
        let sum = |f: fn(&crate::sim::ResourceStats) -> u64| -> f64 {
            functions.iter().map(|id| f(sim.stats(*id))).sum::<u64>() as f64
        };
        timeline.throttles.push([t_s, sum(|s| s.throttles)]);
        timeline.errors.push([t_s, sum(|s| s.errors + s.timeouts)]);
        let mut window: Vec<u32> = Vec::new();
        for (seen, id) in durations_seen.iter_mut().zip(&functions) {
            let all = &sim.stats(*id).durations_us;
            // A shorter list than before (samples dropped) counts from its start.
            window.extend_from_slice(all.get(*seen..).unwrap_or(all));
            *seen = all.len();
        }
        if !window.is_empty() {
            let rank = (window.len() * 99).div_ceil(100).max(1);
            let (_, p99, _) = window.select_nth_unstable(rank - 1);
            timeline.p99_ms.push([t_s, f64::from(*p99) / 1000.0]);
        }
        let held: u64 = queues
            .iter()
            .map(|id| {
                let l = sim.live(*id);
                u64::from(l.visible) + u64::from(l.in_flight) + u64::from(l.delayed)
            })
            .sum();
        timeline.queued.push([t_s, held as f64]);
    }
    let truncated = ran == MAX_EVENTS && sim.next_event_us().is_some_and(|t| t <= until_us);
    let metrics = sc
        .ids()
        .map(|id| {
            let s = sim.stats(id);
            let m = StatsView::of(s, true, None);
            (sc.id(id).to_string(), m)
        })
        .collect();
    (metrics, timeline, truncated)
}

/// Runs `a` and `b` with `a`'s seed until `a`'s `until_s` and sets their metrics side by side.
pub fn compare(a: Arc<Scenario>, b: Arc<Scenario>) -> Comparison {
    let seed = a.settings.seed;
    let until_s = a.settings.until_s;
    let until_us = if until_s.is_finite() && until_s > 0.0 {
        (until_s * 1e6).min(u64::MAX as f64) as u64
    } else {
        0
    };
    let (ma, a_timeline, ta) = run(a, seed, until_us);
    let (mb, b_timeline, tb) = run(b, seed, until_us);
    let mut rows: Vec<Row> = ma
        .into_iter()
        .map(|(resource, m)| Row {
            b: mb
                .iter()
                .find(|(n, _)| *n == resource)
                .map(|(_, m)| m.clone()),
            a: Some(m),
            resource,
        })
        .collect();
    for (resource, m) in mb {
        if !rows.iter().any(|r| r.resource == resource) {
            rows.push(Row {
                resource,
                a: None,
                b: Some(m),
            });
        }
    }
    Comparison {
        seed,
        until_us,
        rows,
        truncated: ta || tb,
        a_timeline,
        b_timeline,
    }
}

/// The Compare window: variant B's path, a comparison under way, and the last one (or why it failed).
pub struct CompareWindow {
    path: String,
    /// The comparison running on its own thread: the UI never waits for it.
    running: Option<crossbeam_channel::Receiver<Result<Comparison, String>>>,
    result: Option<Result<Comparison, String>>,
}

impl CompareWindow {
    /// A window whose variant path starts in the open scenario's folder.
    pub fn new(dir: Option<&Path>) -> CompareWindow {
        CompareWindow {
            path: dir
                .map(|d| d.join("variant.json").to_string_lossy().into_owned())
                .unwrap_or_default(),
            running: None,
            result: None,
        }
    }

    /// Shows the window; returns whether it stays open.
    pub fn show(&mut self, ctx: &egui::Context, a: &Arc<Scenario>) -> bool {
        let mut open = true;
        egui::Window::new("Compare with a variant")
            .open(&mut open)
            .default_width(600.0)
            .show(ctx, |ui| self.ui(ui, a));
        open
    }

    fn ui(&mut self, ui: &mut egui::Ui, a: &Arc<Scenario>) {
        ui.weak("A is the open scenario; B is read from a file. Both run with A's seed until A's until_s.");
        ui.horizontal(|ui| {
            let label = ui.label("Variant B");
            ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(360.0))
                .labelled_by(label.id);
            if ui
                .add_enabled(self.running.is_none(), egui::Button::new("Compare"))
                .clicked()
            {
                let (tx, rx) = crossbeam_channel::bounded(1);
                let (a, b_path) = (a.clone(), PathBuf::from(self.path.trim()));
                let spawned = std::thread::Builder::new()
                    .name("eventflow-compare".into())
                    .spawn(move || {
                        let outcome = crate::scenario::load_file(&b_path)
                            .map_err(|e| e.to_string())
                            .map(|b| compare(a, Arc::new(b)));
                        // The window may have closed meanwhile: nobody to tell.
                        let _ = tx.send(outcome);
                    });
                match spawned {
                    Ok(_) => self.running = Some(rx),
                    Err(e) => self.result = Some(Err(format!("cannot start the comparison: {e}"))),
                }
            }
        });
        if let Some(rx) = &self.running {
            match rx.try_recv() {
                Ok(outcome) => {
                    self.result = Some(outcome);
                    self.running = None;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Running both variants…");
                    });
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(100));
                }
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.result = Some(Err("the comparison stopped on an internal error".into()));
                    self.running = None;
                }
            }
        }
        match &self.result {
            None => {}
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            Some(Ok(c)) => {
                plots(ui, c);
                table(ui, c);
            }
        }
    }
}

/// The two timelines plotted together, two plots a row: one line per variant.
fn plots(ui: &mut egui::Ui, c: &Comparison) {
    let (a, b) = (&c.a_timeline, &c.b_timeline);
    let specs: [(&str, &str, &Vec<[f64; 2]>, &Vec<[f64; 2]>); 4] = [
        (
            "cmp-throttles",
            "Throttles so far (all functions)",
            &a.throttles,
            &b.throttles,
        ),
        (
            "cmp-errors",
            "Failed invocations so far",
            &a.errors,
            &b.errors,
        ),
        (
            "cmp-p99",
            "p99 duration per interval (ms)",
            &a.p99_ms,
            &b.p99_ms,
        ),
        (
            "cmp-queued",
            "Messages held in queues",
            &a.queued,
            &b.queued,
        ),
    ];
    let width = ((ui.available_width() - 12.0) / 2.0).max(160.0);
    let until_s = specs
        .iter()
        .flat_map(|(_, _, pa, pb)| pa.last().into_iter().chain(pb.last()))
        .map(|p| p[0])
        .fold(0.0, f64::max);
    for pair in specs.chunks(2) {
        ui.horizontal(|ui| {
            for (id, title, pa, pb) in pair {
                plot(
                    ui,
                    id,
                    title,
                    &[
                        Series::new("A", pa.to_vec()).color(style::OK_GREEN),
                        Series::new("B", pb.to_vec()).color(style::THROTTLE),
                    ],
                    None,
                    width,
                    until_s,
                );
            }
        });
    }
}

/// The comparison as a grid: one row per resource, A and B for each metric.
fn table(ui: &mut egui::Ui, c: &Comparison) {
    ui.label(format!(
        "seed {}, {} s of virtual time{}",
        c.seed,
        c.until_us as f64 / 1e6,
        if c.truncated {
            " (cut short: too many events)"
        } else {
            ""
        }
    ));
    egui::ScrollArea::both().max_height(420.0).show(ui, |ui| {
        egui::Grid::new("compare")
            .striped(true)
            .num_columns(7)
            .show(ui, |ui| {
                for h in [
                    "resource",
                    "count A | B",
                    "errors",
                    "throttles",
                    "retries",
                    "dead-lettered",
                    "p99 ms",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for r in &c.rows {
                    ui.label(&r.resource);
                    let pair = |f: fn(&StatsView) -> String| {
                        let side = |m: &Option<StatsView>| m.as_ref().map_or("–".to_string(), f);
                        format!("{} | {}", side(&r.a), side(&r.b))
                    };
                    ui.label(pair(|m| m.count.to_string()));
                    ui.label(pair(|m| m.errors.to_string()));
                    ui.label(pair(|m| m.throttles.to_string()));
                    ui.label(pair(|m| m.retries.to_string()));
                    ui.label(pair(|m| m.dead_lettered.to_string()));
                    ui.label(pair(|m| {
                        m.p99_ms.map_or("–".to_string(), |p| format!("{p:.1}"))
                    }));
                    ui.end_row();
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Arc<Scenario> {
        Arc::new(crate::scenario::load_str(text, "v.json", None).expect("loads"))
    }

    /// A burst against a function limited to 2 environments, called directly (A) or through a queue whose
    /// event source mapping is limited to the same 2 (B).
    #[test]
    fn a_queue_in_front_removes_the_throttles() {
        let direct = load(
            r#"{"format": "eventflow/1", "name": "direct", "settings": {"seed": 5, "until_s": 60},
                "resources": {"Work": {"type": "function", "reserved_concurrency": 2, "duration_ms": 200}},
                "traffic": [{"to": "Work", "every_s": 0.01, "count": 50, "payload": {}}]}"#,
        );
        let queued = load(
            r#"{"format": "eventflow/1", "name": "queued", "settings": {"seed": 99, "until_s": 5},
                "resources": {"Jobs": {"type": "queue"},
                              "Work": {"type": "function", "reserved_concurrency": 2, "duration_ms": 200},
                              "T": {"type": "trigger", "source": "Jobs", "function": "Work", "batch_size": 1,
                                    "maximum_concurrency": 2}},
                "traffic": [{"to": "Jobs", "every_s": 0.01, "count": 50, "message": {"body": "x"}}]}"#,
        );
        let c = compare(direct, queued);
        assert_eq!(
            (c.seed, c.until_us, c.truncated),
            (5, 60_000_000, false),
            "A's seed and time"
        );
        let work = c.rows.iter().find(|r| r.resource == "Work").expect("Work");
        let (a, b) = (
            work.a.as_ref().expect("in A"),
            work.b.as_ref().expect("in B"),
        );
        assert!(a.throttles > 0, "the direct burst is throttled: {a:?}");
        assert_eq!(b.throttles, 0, "the queue absorbs it: {b:?}");
        assert_eq!(b.count, 50, "every message is processed");
        let names: Vec<&str> = c.rows.iter().map(|r| r.resource.as_str()).collect();
        assert_eq!(names, ["Work", "Jobs", "T"], "A's resources, then B's own");
        let jobs = c.rows.iter().find(|r| r.resource == "Jobs").expect("Jobs");
        assert!(jobs.a.is_none() && jobs.b.is_some(), "only B has the queue");
        // The timelines: sampled over A's 60 s, ending on the table's totals.
        let (ta, tb) = (&c.a_timeline, &c.b_timeline);
        assert_eq!(ta.throttles.len(), SAMPLES as usize);
        assert_eq!(ta.throttles.last(), Some(&[60.0, a.throttles as f64]));
        assert!(
            tb.throttles.iter().all(|p| p[1] == 0.0),
            "B never throttles"
        );
        assert!(ta.queued.iter().all(|p| p[1] == 0.0), "A has no queue");
        let peak = tb.queued.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!(peak >= 40.0, "B's queue holds the burst: {peak}");
        assert_eq!(tb.queued.last().map(|p| p[1]), Some(0.0), "and drains");
        assert!(
            tb.p99_ms.iter().all(|p| p[1] >= 200.0),
            "each invocation takes 200 ms: {:?}",
            tb.p99_ms
        );
    }
}
