//! The test harness of the app, shared by the UI tests (`tests/ui.rs`, `tests/editor.rs`) and the frame
//! benchmark (`benches/ui_frame.rs`): the real [`EventflowApp`] on a manual clock with an inline runner, and the
//! questions tests ask of it (invocations, the snapshot, the edit-mode selection, the edited document, where a
//! node was drawn) as methods, so no field is public for tests' sake. Drive it with `egui_kittest`:
//! `Harness::builder().build_ui_state(|ui, app: &mut TestApp| app.frame(ui), TestApp::new())`, then `run()` to
//! settle (a paused app requests no repaint), or advance the clock and `step()` while it plays.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui;

use super::app::{ClockChoice, EventflowApp, Prefs};
use super::log::{Detail, Invocation};
use crate::runner::{ManualClock, Snapshot};

/// The app under test, with its clock.
pub struct TestApp {
    app: EventflowApp,
    /// `None`: the real clock and a runner thread.
    clock: Option<ManualClock>,
}

impl Default for TestApp {
    fn default() -> Self {
        TestApp::new()
    }
}

impl TestApp {
    /// The app on a manual clock (time moves only with [`TestApp::advance`]), with default preferences; opening
    /// a scenario does not start playing it.
    pub fn new() -> TestApp {
        let clock = ManualClock::default();
        let mut app = EventflowApp::new(
            &egui::Context::default(),
            ClockChoice::Manual(clock.clone()),
            Prefs::default(),
        );
        app.set_autoplay(false);
        TestApp {
            app,
            clock: Some(clock),
        }
    }

    /// The app on the real clock with its runner thread (throughput measurements); opening does not play.
    pub fn threaded() -> TestApp {
        let mut app = EventflowApp::new(
            &egui::Context::default(),
            ClockChoice::Threaded,
            Prefs::default(),
        );
        app.set_autoplay(false);
        TestApp { app, clock: None }
    }

    /// Opens scenario text as if loaded from a file named `file_name`.
    pub fn open_text(&mut self, text: &str, file_name: &str) -> Result<(), String> {
        let sc = crate::scenario::load_str(text, file_name, None).map_err(|e| e.to_string())?;
        self.app.open_loaded(Arc::new(sc));
        Ok(())
    }

    /// Opens a scenario file (as File → Open does).
    pub fn open_file(&mut self, path: &Path) {
        self.app.open_path(path);
    }

    /// Opens a built-in example by file name (as the start page's gallery does).
    pub fn open_example(&mut self, file_name: &str) -> Result<(), String> {
        if self.app.open_example_named(file_name) {
            Ok(())
        } else {
            Err(format!("no built-in example {file_name}"))
        }
    }

    /// One frame of the app.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.app.frame(ui);
    }

    /// Moves the manual clock on (nothing on the real clock).
    pub fn advance(&self, d: Duration) {
        if let Some(c) = &self.clock {
            c.advance(d);
        }
    }

    /// Every invocation in the log, oldest first, with its detail where the log keeps it.
    pub fn invocations(&self) -> Vec<InvocationSeen> {
        let log = self.app.invocation_log();
        (0..log.len())
            .filter_map(|i| {
                let summary = log.summary(i)?;
                let detail = match log.detail(i) {
                    Detail::Here(d) => Some(d.clone()),
                    Detail::Loading | Detail::Missing(_) => None,
                };
                Some(InvocationSeen::new(summary, detail))
            })
            .collect()
    }

    /// Fills the log with `n` finished invocations of `function` (ids as the engine makes them, an empty event
    /// each), as a long run would: for tests of the log at scale. Returns the request ids of the first and the
    /// last row.
    pub fn fill_log(&mut self, function: &str, n: u64) -> (String, String) {
        use crate::sim::ids::{IdKind, id_bits, uuid_text};
        let id = |k: u64| uuid_text(id_bits(1, IdKind::Request, k));
        for k in 0..n {
            let request = id(k);
            let trace = crate::sim::ids::TraceId {
                n: k,
                epoch_s: 0x6955_b900,
                bits: k,
                span: 0,
                loop_epoch: 0,
            }
            .record_id()
            .to_string();
            self.app.log.push_invoke(
                function,
                &request,
                &trace,
                k * 1000,
                false,
                None,
                1,
                serde_json::json!({}).into(),
            );
            self.app
                .log
                .push_result(&request, crate::sim::Status::Ok, 2_000, 2, None, None);
        }
        (id(0), id(n.saturating_sub(1)))
    }

    /// What each part of the app retains of the run, measured by releasing the parts one at a time and reading
    /// `live_bytes` (a counting allocator's live heap bytes, `benches/memory.rs`) before and after each: (part,
    /// bytes freed), in the order released. The app keeps its scenario but loses the run: call it last. With a
    /// runner thread the engine's part is left out (its simulation lives on that thread).
    pub fn release_run_in_parts(
        &mut self,
        live_bytes: impl Fn() -> usize,
    ) -> Vec<(&'static str, usize)> {
        let mut parts = Vec::new();
        let mut release =
            |name: &'static str, app: &mut EventflowApp, f: &dyn Fn(&mut EventflowApp)| {
                let before = live_bytes();
                f(app);
                parts.push((name, before.saturating_sub(live_bytes())));
            };
        let app = &mut self.app;
        release("invocation log (rows, ids, recent detail)", app, &|a| {
            let limits = a.log.limits();
            drop(std::mem::replace(
                &mut a.log,
                super::log::InvocationLog::with_limits(limits),
            ));
        });
        release("metrics (buckets, histograms)", app, &|a| {
            drop(a.panels_views_mut().metrics.take());
        });
        release("time-bar markers", app, &|a| {
            drop(std::mem::take(&mut a.panels_views_mut().time_bar));
        });
        release("timeline traces (TraceStore)", app, &|a| {
            drop(std::mem::take(&mut a.panels_views_mut().store));
        });
        release("timeline rows", app, &|a| {
            drop(std::mem::take(&mut a.panels_views_mut().timeline));
        });
        release("Step Functions runs", app, &|a| {
            if let Some(d) = &mut a.doc {
                drop(std::mem::take(&mut d.canvas.sfn_runs));
            }
        });
        release(
            "canvas run state (dots, flashes, edge samples)",
            app,
            &|a| {
                if let Some(d) = &mut a.doc {
                    let fresh = super::canvas::Canvas::new(&d.scenario);
                    drop(std::mem::replace(&mut d.canvas, fresh));
                }
            },
        );
        if let Some(clock) = &self.clock {
            let clock = clock.clone();
            release("engine (the runner's simulation)", app, &move |a| {
                let fresh = crate::runner::Runner::inline(Box::new(clock.clone()));
                drop(std::mem::replace(&mut a.runner, fresh));
            });
        }
        parts
    }

    /// Bytes the invocation log retains (its own estimate).
    pub fn log_retained_bytes(&self) -> usize {
        self.app.invocation_log().retained_bytes()
    }

    /// How many invocations the log holds (cheap: nothing is unpacked).
    pub fn invocation_count(&self) -> usize {
        self.app.invocation_log().len()
    }

    /// How many invocations have finished (have a status).
    pub fn finished_invocations(&self) -> usize {
        let log = self.app.invocation_log();
        (0..log.len())
            .filter(|&i| log.summary(i).is_some_and(|r| r.status.is_some()))
            .count()
    }

    /// The runner's last snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.app.snap
    }

    /// Whether edit mode is on.
    pub fn is_editing(&self) -> bool {
        self.app.editing()
    }

    /// The edit-mode selection (resource ids or `traffic:NAME`).
    pub fn selected(&self) -> &[String] {
        self.app.editor.as_ref().map_or(&[], |e| &e.selected)
    }

    /// The edit-mode message under the palette (text, is an error).
    pub fn edit_message(&self) -> Option<&(String, bool)> {
        self.app.editor.as_ref().and_then(|e| e.message.as_ref())
    }

    /// Time the last frame spent in the inline runner (engine work, excluded from UI timings).
    pub fn engine_time_of_last_frame(&self) -> Duration {
        self.app.inline_engine_time
    }

    /// Measures the inline runner's CPU time each frame from now on (see [`TestApp::engine_cpu_of_last_frame`]).
    pub fn measure_engine_cpu(&mut self) {
        self.app.measure_engine_cpu();
    }

    /// CPU time the last frame spent in the inline runner, once [`TestApp::measure_engine_cpu`] was called (and
    /// where the kernel counts it: Linux).
    pub fn engine_cpu_of_last_frame(&self) -> Option<Duration> {
        self.app.inline_engine_cpu
    }

    /// Rows of the timeline (after it was drawn).
    pub fn timeline_rows(&self) -> usize {
        self.app.panels_views().timeline.row_count()
    }

    /// The largest value of a resource's main gauge in the metrics (a function's concurrency, a queue's messages
    /// held).
    pub fn metrics_peak(&self, resource: &str) -> f64 {
        let views = self.app.panels_views();
        let (Some(m), Some(sc)) = (&views.metrics, self.app.scenario()) else {
            return 0.0;
        };
        let Some(id) = sc.find(resource) else {
            return 0.0;
        };
        m.cells(id)
            .iter()
            .map(|c| f64::from(c.peak))
            .fold(0.0, f64::max)
    }

    /// The node the inspector shows (run mode), by name.
    pub fn inspected_node(&self) -> Option<String> {
        match (&self.app.selection, &self.app.doc) {
            (super::action::Selection::Node(ix), Some(doc)) => {
                doc.canvas.names.get(ix.index()).cloned()
            }
            _ => None,
        }
    }

    /// Dots drawn one by one on the canvas (screen position, from, to), as last drawn.
    pub fn dots_on_screen(&self) -> Vec<(egui::Pos2, String, String)> {
        self.app
            .doc
            .as_ref()
            .map_or_else(Vec::new, |d| d.canvas.dot_spots(self.app.snap.now_us))
    }

    /// The clicked dot the inspector shows: what it carries, once the re-run has found it (`None` while it
    /// runs or with no dot clicked).
    pub fn dot_carried(&mut self) -> Option<Result<super::dot_event::Carried, String>> {
        self.app.inspected_dot()?.result().cloned()
    }

    /// The canvas's zoom and the node names it drew beside their boxes at low zoom: (node, text drawn, plate).
    pub fn canvas_lod_names(&self) -> (f32, Vec<(String, String, egui::Rect)>) {
        self.app.doc.as_ref().map_or((1.0, Vec::new()), |doc| {
            (doc.canvas.zoom(), doc.canvas.lod_names())
        })
    }

    /// Resources and traffic sources of the running scenario.
    pub fn node_count(&self) -> usize {
        self.app
            .scenario()
            .map_or(0, |s| s.resources.len() + s.traffic.len())
    }
}

/// An invocation as a test sees it: the log's row and, where kept, its detail (else `Null` / `None` / empty).
#[derive(Debug, Clone)]
pub struct InvocationSeen {
    pub function: Arc<str>,
    pub request_id: String,
    pub trace_id: Arc<str>,
    pub start_us: u64,
    pub cold_start: bool,
    pub attempt: u32,
    pub status: Option<crate::sim::Status>,
    pub duration_us: u64,
    pub event: serde_json::Value,
    pub response: Option<serde_json::Value>,
    pub error: Option<serde_json::Value>,
    pub logs: Vec<(u64, String)>,
    /// Whether the detail was kept (not forgotten under the detail budget).
    pub has_detail: bool,
}

impl InvocationSeen {
    fn new(r: Invocation, detail: Option<crate::runner::retention::InvDetail>) -> InvocationSeen {
        let has_detail = detail.is_some();
        let d = detail.unwrap_or_default();
        InvocationSeen {
            function: r.function,
            request_id: r.request_id,
            trace_id: r.trace_id,
            start_us: r.start_us,
            cold_start: r.cold_start,
            attempt: r.attempt,
            status: r.status,
            duration_us: r.duration_us,
            event: d.event.into_value(),
            response: d.response,
            error: d.error,
            logs: d.logs,
            has_detail,
        }
    }
}

/// The app's own API (edit, wire, rename, save, select, …) is reachable directly.
impl Deref for TestApp {
    type Target = EventflowApp;

    fn deref(&self) -> &EventflowApp {
        &self.app
    }
}

impl DerefMut for TestApp {
    fn deref_mut(&mut self) -> &mut EventflowApp {
        &mut self.app
    }
}
