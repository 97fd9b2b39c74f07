//! The application shell: it owns the runner, the open document and the panels, and applies what the panels ask.
//!
//! Each frame: drain runner updates within a time budget ([`DRAIN_BUDGET`]), fold their records into the views
//! (dots, flashes, invocation rows), let every panel draw itself and return [`Action`]s, then apply them (send
//! runner commands, open files, change the document). The app never mutates simulation state: everything goes
//! through [`Command`]s. It asks for a repaint only while something moves (playing, dots in flight, flashes).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, Key, Modifiers, RichText, Ui};
use petgraph::graph::NodeIndex;
use serde::{Deserialize, Serialize};

pub use super::action::Selection;
use super::action::{Action, Pending};
use super::canvas::{Canvas, MIN_VISIBLE_WALL_S, TransitSeen};
use super::compare::CompareWindow;
use super::dashboard::Views;
use super::dot_event::DotInspection;
use super::edit::Editor;
use super::edit_form::FormView;
use super::experiments::ExperimentsWindow;
use super::export::{ExportSource, Exports};
use super::import_notes::{ImportNotes, Opened};
use super::inject::InjectWindow;
use super::inspector::{Inspector, InspectorView};
use super::log::InvocationLog;
use super::menu::{MenuBar, MenuView, SHORTCUT_OPEN, SHORTCUT_RELOAD};
use super::palette::Palette;
use super::picker::FilePicker;
use super::raw_editor::{RawEditor, RawOutcome};
use super::screenshot::ScreenshotPlan;
use super::sfn_graph;
use super::start_page::StartPage;
use super::style;
use super::toolbar::{Toolbar, ToolbarView};
use super::tour_panel::{TourGate, TourPanel};
use crate::runner::{Command, ManualClock, PauseWhen, Runner, Snapshot, SystemClock};
use crate::scenario::{NodeRef, Scenario};
use crate::sim::{Status, TraceRecord};

/// Longest time a frame spends folding runner updates in.
pub const DRAIN_BUDGET: Duration = Duration::from_millis(6);
const PREFS_KEY: &str = "eventflow-prefs";
const MAX_RECENT: usize = 10;

/// What persists between sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prefs {
    pub recent: Vec<PathBuf>,
    pub dark: bool,
    pub speed: f64,
    pub skip_idle: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            recent: Vec::new(),
            dark: true,
            speed: 1.0,
            skip_idle: true,
        }
    }
}

/// A file read for opening: a shared moment, a scenario or a converted template (or why it does not load).
pub(super) enum LoadedPath {
    Moment(crate::moment::Moment),
    /// A moment file that cannot be opened: why.
    BadMoment(String),
    Opened(Result<Opened, String>),
}

impl LoadedPath {
    /// The scenario it opens on, if it loads.
    pub(super) fn scenario(&self) -> Option<&Scenario> {
        match self {
            LoadedPath::Moment(m) => Some(&m.scenario),
            LoadedPath::Opened(Ok(Opened::Scenario(sc))) => Some(sc),
            LoadedPath::Opened(Ok(Opened::Template { scenario, .. })) => Some(scenario),
            LoadedPath::BadMoment(_) | LoadedPath::Opened(Err(_)) => None,
        }
    }
}

/// Reads `path` for opening: a moment, else a scenario or template ([`super::import_notes::open_file`]).
pub(super) fn load_path(path: &Path) -> LoadedPath {
    match crate::moment::read(path) {
        Ok(Some(m)) => LoadedPath::Moment(m),
        Ok(None) => LoadedPath::Opened(super::import_notes::open_file(path)),
        Err(e) => LoadedPath::BadMoment(e.to_string()),
    }
}

/// The open scenario.
pub(super) struct Doc {
    /// The scenario that runs (in edit mode: the last valid design).
    pub(super) scenario: Arc<Scenario>,
    /// Where it came from: a file path, or an example's name.
    pub(super) source: Source,
    pub(super) canvas: Canvas,
}

#[derive(Clone)]
pub(super) enum Source {
    File(PathBuf),
    /// A built-in example, a dropped file, or a scenario handed over already loaded (named for debugging).
    #[allow(dead_code)]
    Example(&'static str),
    /// File → New, not saved yet.
    New,
    /// An AWS SAM / CloudFormation template converted on opening: saving asks for a `.json` path, so the
    /// template is never overwritten.
    Imported(PathBuf),
}

/// Where the app's wall clock comes from.
pub enum ClockChoice {
    /// Real time, runner on its own thread.
    Threaded,
    /// A manual clock, runner ticked inline each frame (tests, benchmarks).
    Manual(ManualClock),
}

/// The panels, each owning its state.
#[derive(Default)]
struct Panels {
    menu: MenuBar,
    toolbar: Toolbar,
    start_page: StartPage,
    inspector: Inspector,
    palette: Palette,
    inject: Option<InjectWindow>,
    /// Fault injection, while open.
    experiments: Option<ExperimentsWindow>,
    /// The A/B comparison, while open.
    compare: Option<CompareWindow>,
    /// The open scenario's guided tour, restarted with every run.
    tour: Option<TourPanel>,
    /// The bottom panel's views (log, timeline, metrics, dashboard) and the time bar.
    views: Views,
    /// File → Export.
    exports: Exports,
    /// The import notes of an opened template (and what the canvas draws of it beyond the scenario).
    import_notes: Option<ImportNotes>,
    /// File → Export SAM template's file picker.
    export_sam: Option<super::dialogs::ExportSamDialog>,
}

pub struct EventflowApp {
    pub(super) runner: Runner,
    pub(super) prefs: Prefs,
    pub(super) doc: Option<Doc>,
    pub(super) snap: Snapshot,
    /// The playback speed the canvas's dots in flight were stretched for.
    dots_speed: f64,
    generation: u64,
    pub(super) log: InvocationLog,
    pub(super) selection: Selection,
    panels: Panels,
    pub(super) picker: Option<FilePicker>,
    pub(super) status: Option<(String, bool)>,
    screenshot: Option<ScreenshotPlan>,
    /// `open --export-apng`: an animation to record, then quit.
    animation: Option<super::export::AnimationPlan>,
    autoplay: bool,
    theme_applied: Option<bool>,
    /// Time the last frame spent inside an inline runner (engine work, for the frame benchmark).
    pub(super) inline_engine_time: Duration,
    /// CPU time of the same, when asked for ([`EventflowApp::measure_engine_cpu`]; the frame benchmark).
    pub(super) inline_engine_cpu: Option<Duration>,
    /// The visual editor's session (see `ui/edit.rs`), while a scenario is being edited.
    pub(super) editor: Option<Editor>,
    /// An action waiting for the "unsaved changes" answer.
    pub(super) confirm: Option<Pending>,
    /// The user agreed to close with unsaved changes.
    pub(super) allow_close: bool,
    /// Asks before Play starts a run over the work limit, and pauses such a run at it.
    run_guard: super::run_guard::RunGuard,
    /// A scenario file that does not load, open as raw JSON to fix it (no document is open meanwhile).
    pub(super) raw: Option<RawEditor>,
    /// `open --tour-step N`: the tour step (0-based) the app goes to, until it is shown.
    tour_target: Option<usize>,
}

impl EventflowApp {
    /// Creates the app. With a threaded clock the runner thread wakes the UI through `ctx`.
    pub fn new(ctx: &egui::Context, clock: ClockChoice, prefs: Prefs) -> EventflowApp {
        let runner = match clock {
            ClockChoice::Manual(c) => Runner::inline(Box::new(c)),
            ClockChoice::Threaded => {
                let waker = ctx.clone();
                match Runner::spawn(Box::new(SystemClock::default()), move || {
                    waker.request_repaint()
                }) {
                    Ok(r) => r,
                    // Without a thread, run inline: slower under load, but working.
                    Err(_) => Runner::inline(Box::new(SystemClock::default())),
                }
            }
        };
        let mut app = EventflowApp {
            runner,
            snap: Snapshot::default(),
            dots_speed: 0.0,
            generation: 0,
            log: InvocationLog::new(),
            selection: Selection::None,
            panels: Panels::default(),
            picker: None,
            status: None,
            screenshot: None,
            animation: None,
            autoplay: true,
            theme_applied: None,
            inline_engine_time: Duration::ZERO,
            inline_engine_cpu: None,
            doc: None,
            editor: None,
            confirm: None,
            allow_close: false,
            run_guard: Default::default(),
            raw: None,
            prefs,
            tour_target: None,
        };
        app.runner.send(Command::SetSpeed(app.prefs.speed));
        app.runner.send(Command::SkipIdle(app.prefs.skip_idle));
        // Guided tours pause the run at their steps' moments (set once: every run restarts it).
        app.runner.send(Command::PauseWhen(Some(
            PauseWhen::new(TourGate::default()),
        )));
        app
    }

    /// Goes to step `step` (0-based) of the open scenario's tour, as a learner pressing Next at once would reach
    /// it: the run goes to the moment `eventflow tour` reports for it, paused, with the step shown. False when
    /// there is no such step or the run never reaches it.
    pub fn go_to_tour_step(&mut self, step: usize) -> bool {
        let Some(sc) = self.scenario().cloned() else {
            return false;
        };
        let until_s = sc.settings.until_s;
        let until_us = if until_s.is_finite() && until_s > 0.0 {
            (until_s * 1e6) as u64
        } else {
            u64::MAX
        };
        let report = crate::tour::check(sc, until_us);
        let Some(Some(t_us)) = report.reached_us.get(step).copied() else {
            return false;
        };
        self.tour_target = Some(step);
        self.runner.send(Command::Seek(t_us));
        true
    }

    /// Whether opening a scenario starts playing it.
    pub fn set_autoplay(&mut self, on: bool) {
        self.autoplay = on;
    }

    pub fn set_screenshot(&mut self, plan: ScreenshotPlan) {
        self.screenshot = Some(plan);
    }

    /// `open --export-apng`: records the animation the plan asks for, then closes the window.
    pub fn set_animation(&mut self, plan: super::export::AnimationPlan) {
        self.animation = Some(plan);
    }

    /// Sets the play speed (virtual seconds per wall second), as the toolbar does.
    pub fn set_speed(&mut self, speed: f64) {
        self.prefs.speed = speed;
        self.runner.send(Command::SetSpeed(speed));
    }

    /// Caps what the app retains of a run (`open --memory-cap-mb`); the log starts again under the new cap.
    pub fn set_memory_cap(&mut self, limits: crate::runner::retention::RetentionLimits) {
        self.log.set_limits(limits);
    }

    /// The invocation log (its rows, their detail, what it retains).
    pub fn invocation_log(&self) -> &InvocationLog {
        &self.log
    }

    /// The selected invocation's detail, when the log no longer keeps it, is rebuilt by a re-run (see
    /// [`crate::runner::retention`]); while that runs, the app keeps repainting to show it when it comes.
    fn want_invocation_detail(&mut self, ctx: &egui::Context) {
        let (Selection::Invocation(i), Some(doc)) = (&self.selection, &self.doc) else {
            return;
        };
        let sc = doc.scenario.clone();
        if self.log.want_detail(
            *i,
            &sc,
            &self.snap.faults,
            &self.snap.injections,
            self.snap.now_us,
        ) {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    pub fn scenario(&self) -> Option<&Arc<Scenario>> {
        self.doc.as_ref().map(|d| &d.scenario)
    }

    /// Number of dots in flight on the canvas.
    pub fn dots_in_flight(&self) -> usize {
        self.doc.as_ref().map_or(0, |d| d.canvas.dots_in_flight())
    }

    /// Draws the open scenario's state machine `name` state by state (as a double-click on it does) and selects
    /// it; false when there is no such state machine.
    pub fn expand_states(&mut self, name: &str) -> bool {
        let Some(doc) = &mut self.doc else {
            return false;
        };
        let Some(i) = (0..doc.canvas.names.len())
            .find(|&i| doc.canvas.names[i] == name && doc.canvas.is_state_machine(i))
        else {
            return false;
        };
        let ix = NodeIndex::new(i);
        if doc.canvas.states.as_ref().is_none_or(|g| g.node != ix) {
            doc.canvas.toggle_states(&doc.scenario, ix);
        }
        self.selection = Selection::Node(ix);
        true
    }

    /// Opens a scenario file, or converts a SAM / CloudFormation template on the fly; problems go to the status
    /// line.
    pub fn open_path(&mut self, path: &Path) {
        let loaded = load_path(path);
        self.open_loaded_path(path, loaded);
    }

    /// Opens what [`load_path`] read from `path` (`eventflow open` reads the file once, to check it before any
    /// window opens, and hands it over here).
    pub(super) fn open_loaded_path(&mut self, path: &Path, loaded: LoadedPath) {
        let opened = match loaded {
            LoadedPath::Moment(m) => return self.open_moment(path, m),
            LoadedPath::BadMoment(e) => {
                self.status = Some((format!("Cannot open {}:\n{e}", path.display()), true));
                return;
            }
            LoadedPath::Opened(opened) => opened,
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        match opened {
            Ok(Opened::Scenario(sc)) => {
                self.remember_recent(canonical.clone());
                self.open_scenario(Arc::new(sc), Source::File(canonical));
            }
            Ok(Opened::Template { scenario, import }) => {
                self.remember_recent(canonical.clone());
                self.open_template(scenario, &import, canonical);
            }
            Err(e) => match RawEditor::open(path) {
                // Readable text with located problems: open it as raw JSON to fix it, never a blank window.
                Some(raw) => self.open_raw(raw),
                None => self.status = Some((format!("Cannot open {}:\n{e}", path.display()), true)),
            },
        }
    }

    /// Shows a file that does not load in the raw JSON editor; what was open closes.
    fn open_raw(&mut self, raw: RawEditor) {
        self.remember_recent(raw.path.canonicalize().unwrap_or_else(|_| raw.path.clone()));
        self.status = Some((
            format!(
                "{} does not load ({} problem(s)): it is open as raw JSON below to fix it",
                raw.path.display(),
                raw.problems().len()
            ),
            true,
        ));
        self.editor = None;
        self.doc = None;
        self.selection = Selection::None;
        self.runner.send(Command::Pause);
        self.raw = Some(raw);
    }

    /// The raw editor's problems, when a file that does not load is open in it.
    pub fn raw_problems(&self) -> Option<&[crate::scenario::Problem]> {
        self.raw.as_ref().map(RawEditor::problems)
    }

    /// The raw editor's Apply found the text clean: open it; unsaved fixes stay unsaved changes of an editing
    /// session (switched off), so Save writes them and nothing is lost without a question.
    fn load_raw(&mut self, outcome: RawOutcome) {
        let RawOutcome::Load { scenario, unsaved } = outcome;
        let Some(raw) = self.raw.take() else { return };
        let canonical = raw.path.canonicalize().unwrap_or_else(|_| raw.path.clone());
        self.open_scenario(Arc::new(*scenario), Source::File(canonical));
        if unsaved {
            if !self.editing() {
                self.start_editing();
                self.set_editing(false);
            }
            if let Some(ed) = &mut self.editor {
                ed.session.dirty = true;
            }
            self.status = Some((
                "Loaded your fixes; they are not saved yet: File > Save (Ctrl+S) writes them"
                    .to_string(),
                false,
            ));
        }
    }

    /// Opens a shared moment: its scenario, run to its time and paused, its resource selected.
    fn open_moment(&mut self, path: &Path, m: crate::moment::Moment) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.remember_recent(canonical.clone());
        let select = crate::moment::selected(&m).map(|r| m.scenario.id(r).to_string());
        let t_us = m.t_us;
        self.open_scenario(Arc::new(m.scenario), Source::File(canonical));
        self.runner.send(Command::Seek(t_us));
        if let (Some(name), Some(doc)) = (select, &self.doc)
            && let Some(n) = doc.canvas.graph.find(&name)
        {
            self.selection = Selection::Node(n);
        }
    }

    /// Writes the open scenario with the current virtual time and selected resource as a moment file beside the
    /// scenario's file, and says where.
    fn save_moment(&mut self) {
        let Some(doc) = &self.doc else { return };
        let Source::File(path) = &doc.source else {
            self.status = Some((
                "Save the scenario to a file first: a moment is saved beside it (handler scripts resolve from there)".to_string(),
                true,
            ));
            return;
        };
        let select = match &self.selection {
            // A state is shared as its state machine.
            Selection::Node(n) | Selection::State { node: n, .. } => doc
                .canvas
                .graph
                .graph
                .node_weight(*n)
                .map(|w| w.trace_name())
                .filter(|name| doc.scenario.find(name).is_some()),
            Selection::None | Selection::Invocation(_) | Selection::Trace(_) => None,
        };
        let t_us = self.snap.now_us;
        let out = path.with_file_name(crate::moment::file_name(path, t_us));
        let written = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                crate::moment::write(
                    &crate::moment::scenario_text(&text),
                    t_us,
                    select.as_deref(),
                )
                .map_err(|e| e.to_string())
            })
            .and_then(|text| crate::fileio::write_atomic(&out, &text).map_err(|e| e.to_string()));
        self.status = Some(match written {
            Ok(()) => (
                format!(
                    "Moment saved: {} (eventflow open opens it here)",
                    out.display()
                ),
                false,
            ),
            Err(e) => (
                format!("Cannot save the moment {}: {e}", out.display()),
                true,
            ),
        });
    }

    /// Opens a converted template: its notes in a panel, an editing session (switched off) so Save and Save As
    /// work at once — both ask for a `.json` path.
    fn open_template(&mut self, sc: Scenario, import: &crate::import::Import, template: PathBuf) {
        self.open_scenario(Arc::new(sc), Source::Imported(template.clone()));
        self.panels.import_notes = Some(ImportNotes::new(template, import));
        if !self.editing() {
            self.start_editing();
            self.set_editing(false);
        }
        // The automatic layout is part of what the conversion made: saving keeps it.
        if let Some(ed) = &mut self.editor {
            ed.session.layout_touched = true;
        }
    }

    /// Puts a file first in the recent list.
    pub(super) fn remember_recent(&mut self, canonical: PathBuf) {
        self.prefs.recent.retain(|p| *p != canonical);
        self.prefs.recent.insert(0, canonical);
        self.prefs.recent.truncate(MAX_RECENT);
    }

    /// Opens built-in example `index` (in gallery order).
    pub(super) fn open_example(&mut self, index: usize) {
        let Some((name, loaded)) = self.panels.start_page.example(index) else {
            return;
        };
        match loaded.clone() {
            Ok(sc) => self.open_scenario(sc, Source::Example(name)),
            Err(e) => self.status = Some((e, true)),
        }
    }

    /// Opens the built-in example with this file name (e.g. `new-order.json`); false if there is none.
    pub fn open_example_named(&mut self, file_name: &str) -> bool {
        match self.panels.start_page.index_of(file_name) {
            Some(i) => {
                self.open_example(i);
                true
            }
            None => false,
        }
    }

    /// Opens an already loaded scenario (tests, benchmarks, examples).
    pub fn open_loaded(&mut self, sc: Arc<Scenario>) {
        self.open_scenario(sc, Source::Example("scenario"));
    }

    pub(super) fn open_scenario(&mut self, sc: Arc<Scenario>, source: Source) {
        let editing = self.editing();
        self.editor = None;
        self.raw = None;
        self.doc = Some(Doc {
            canvas: Canvas::new(&sc),
            scenario: sc.clone(),
            source,
        });
        self.selection = Selection::None;
        self.panels.inject = None;
        self.panels.experiments = None;
        self.panels.compare = None;
        self.panels.tour = TourPanel::new(sc.clone());
        self.panels.import_notes = None;
        self.log.clear_for(&sc);
        self.panels.views.open(&sc);
        self.status = None;
        self.run_guard.reset();
        let may_play = self.run_guard.may_play(&sc);
        self.runner.send(Command::Load(sc));
        if self.autoplay && may_play {
            self.runner.send(Command::Play);
        }
        if editing || matches!(self.doc.as_ref().map(|d| &d.source), Some(Source::New)) {
            self.start_editing();
        }
    }

    fn reload(&mut self) {
        let Some(doc) = &self.doc else { return };
        match doc.source.clone() {
            Source::File(p) | Source::Imported(p) => self.open_path(&p),
            Source::Example(_) | Source::New => {
                let sc = doc.scenario.clone();
                let source = doc.source.clone();
                self.open_scenario(sc, source);
            }
        }
    }

    pub fn send(&mut self, cmd: Command) {
        self.runner.send(cmd);
    }

    /// Measures the inline runner's CPU time each frame from now on (a read of the kernel's count before and
    /// after: for the frame benchmark, which separates the engine's share of a frame's CPU time).
    pub fn measure_engine_cpu(&mut self) {
        self.inline_engine_cpu.get_or_insert(Duration::ZERO);
    }

    /// Folds runner updates into the views, within the frame budget.
    pub fn pump(&mut self) {
        let engine_started = Instant::now();
        let cpu_before = self.inline_engine_cpu.and_then(|_| thread_cpu());
        self.runner.pump();
        self.inline_engine_time = engine_started.elapsed();
        if let Some(before) = cpu_before {
            self.inline_engine_cpu = thread_cpu().map(|after| after.saturating_sub(before));
        }
        let started = Instant::now();
        while started.elapsed() < DRAIN_BUDGET {
            let Some(u) = self.runner.try_recv() else {
                break;
            };
            if u.snapshot.generation != self.generation {
                self.generation = u.snapshot.generation;
                self.log.clear();
                if let Some(d) = &self.doc {
                    self.panels.views.new_run(&d.scenario);
                }
                if let Some(d) = &mut self.doc {
                    d.canvas.clear_run();
                }
                self.panels.tour = self
                    .doc
                    .as_ref()
                    .and_then(|d| TourPanel::new(d.scenario.clone()));
                if matches!(
                    self.selection,
                    Selection::Invocation(_) | Selection::Trace(_)
                ) {
                    self.selection = Selection::None;
                }
            }
            let min_visible_us = (MIN_VISIBLE_WALL_S * u.snapshot.speed * 1e6) as u64;
            if u.snapshot.speed != self.dots_speed {
                // Dots in flight take the new speed's on-screen stretch (see `Canvas::restretch_dots`).
                if let Some(d) = &mut self.doc {
                    d.canvas.restretch_dots(min_visible_us);
                }
                self.dots_speed = u.snapshot.speed;
            }
            let mut tour_pause = false;
            for mut r in u.records {
                if let Some(tour) = &mut self.panels.tour {
                    tour_pause |= tour.observe_record(&r);
                }
                self.fold(&mut r, min_visible_us);
                self.panels.views.observe(r);
            }
            if let Some(tour) = &mut self.panels.tour {
                tour_pause |= tour.observe_clock(u.snapshot.now_us);
            }
            if tour_pause {
                self.runner.send(Command::Pause);
            }

            self.panels.views.observe_snapshot(&u.snapshot);
            self.snap = u.snapshot;
        }
        // `open --tour-step`: Next for the learner until the step is shown.
        if let (Some(step), Some(tour)) = (self.tour_target, &mut self.panels.tour)
            && tour.follow_to(step, self.snap.now_us)
        {
            self.tour_target = None;
        }
        // Where the learner is (after a Next, or a step reached): the runner's tour gate waits for the next step.
        if let Some(stage) = self.panels.tour.as_mut().and_then(TourPanel::stage_changed) {
            self.runner.send(Command::PauseStage(stage));
        }
    }

    /// One trace record into the views: dots, flashes, invocation rows and their logs. The payloads the log and
    /// the state machine view keep (an invocation's event, its response and error, a state's data and path stages)
    /// are taken out of the record, not copied: the record then goes to the timeline's store, which has no use
    /// for them (see [`super::timeline::TraceStore::push`]).
    fn fold(&mut self, r: &mut TraceRecord, min_visible_us: u64) {
        let Some(doc) = &mut self.doc else { return };
        let canvas = &mut doc.canvas;
        let visible_until = |t_us: u64| t_us + min_visible_us;
        match r {
            TraceRecord::Transit {
                t_ms,
                from,
                to,
                arrive_ms,
                trace_id,
                span_id,
                what,
                ..
            } => {
                canvas.add_transit(
                    TransitSeen {
                        from,
                        to,
                        t_us: t_ms.0,
                        arrive_us: arrive_ms.0,
                        trace_id: &trace_id.as_text(),
                        span_id: *span_id,
                        what: *what,
                    },
                    min_visible_us,
                );
            }
            TraceRecord::Invoke {
                t_ms,
                function,
                request_id,
                trace_id,
                cold_start,
                init_ms,
                attempt,
                event,
                ..
            } => {
                if *cold_start {
                    canvas.flash(function, style::COLD_START, visible_until(t_ms.0));
                }
                let dropped = self.log.push_invoke(
                    function,
                    &request_id.as_text(),
                    &trace_id.as_text(),
                    t_ms.0,
                    *cold_start,
                    init_ms.map(|m| m.0),
                    *attempt,
                    std::mem::take(event),
                );
                if dropped > 0
                    && let Selection::Invocation(i) = self.selection
                {
                    self.selection = i
                        .checked_sub(dropped)
                        .map_or(Selection::None, Selection::Invocation);
                }
            }
            TraceRecord::Result {
                t_ms,
                function,
                request_id,
                status,
                duration_ms,
                billed_ms,
                response,
                error,
                ..
            } => {
                if *status != Status::Ok {
                    canvas.flash(function, style::ERROR, visible_until(t_ms.0));
                }
                self.log.push_result(
                    &request_id.as_text(),
                    *status,
                    duration_ms.0,
                    *billed_ms,
                    response.take().map(std::sync::Arc::unwrap_or_clone),
                    error.take().map(std::sync::Arc::unwrap_or_clone),
                );
            }
            TraceRecord::Throttle { t_ms, function, .. } => {
                canvas.flash(function, style::THROTTLE, visible_until(t_ms.0))
            }
            TraceRecord::DeadLetter {
                t_ms,
                resource,
                target,
                ..
            } => {
                canvas.flash(resource, style::ERROR, visible_until(t_ms.0));
                canvas.flash(target, style::DEAD_LETTER, t_ms.0 + 2 * min_visible_us);
            }
            TraceRecord::Retry { t_ms, resource, .. } => {
                canvas.flash(resource, style::RETRY, visible_until(t_ms.0))
            }
            TraceRecord::Log {
                t_ms,
                request_id,
                message,
                ..
            } => {
                self.log
                    .push_log(&request_id.as_text(), t_ms.0, message.clone());
            }
            TraceRecord::State {
                state_machine,
                execution_arn,
                state,
                scope,
                event,
                detail,
                data,
                stages,
                ..
            } => canvas.sfn_runs.observe_state(
                state_machine,
                execution_arn,
                state,
                scope,
                event,
                detail.clone(),
                data.take().map(|v| *v),
                std::mem::take(stages),
            ),
            TraceRecord::Execution {
                state_machine,
                execution_arn,
                status,
                ..
            } => canvas
                .sfn_runs
                .observe_execution(state_machine, execution_arn, *status),
            // Other kinds (drops, matches, objects, queue records…) are shown through stats and live state.
            _ => {}
        }
    }

    /// One frame: updates, keyboard, panels, then what the panels asked. eframe calls it from `App::ui`; tests
    /// call it directly.
    pub fn frame(&mut self, ui: &mut Ui) {
        self.pump();
        let ctx = ui.ctx().clone();
        self.want_invocation_detail(&ctx);
        if self.theme_applied != Some(self.prefs.dark) {
            ctx.set_theme(if self.prefs.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.theme_applied = Some(self.prefs.dark);
        }
        let mut actions = Vec::new();
        self.keyboard(&ctx, &mut actions);
        self.edit_keyboard(&ctx, &mut actions);
        self.close_guard(&ctx);
        self.dropped_files(&ctx);
        self.panels_ui(ui, &mut actions);
        self.windows(&ctx, &mut actions);
        self.edit_windows(&ctx, &mut actions);
        self.run_guard_ui(&ctx);
        for a in actions {
            self.apply(a, &ctx);
        }
        if let Some(plan) = &mut self.screenshot {
            plan.step(&ctx, &self.snap);
        }
        if let Some(plan) = &mut self.animation {
            plan.step(&ctx, &self.snap, &mut self.panels.exports);
        }

        // Expire first (always): dots and flashes end in virtual time whether or not we are playing.
        // While paused nothing moves (dots and flashes live in virtual time), so no repaint is requested.
        if let Some(d) = self.doc.as_mut() {
            d.canvas.expire(self.snap.now_us);
        }
        if self.snap.playing || self.snap.seeking {
            ctx.request_repaint();
        }
    }

    /// The panels: menu, toolbar, status line, then the start page — or the log, palette (edit mode),
    /// inspector or property form, and canvas.
    fn panels_ui(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        let menu_view = menu_view(
            self.doc.as_ref(),
            self.editor.as_ref(),
            &self.prefs,
            self.panels.start_page.titles(),
        );
        let menu = &mut self.panels.menu;
        egui::Panel::top("menu").show(ui, |ui| menu.ui(ui, &menu_view, actions));
        if let Some(d) = &self.doc {
            let view = ToolbarView {
                snap: &self.snap,
                prefs: &self.prefs,
                start_time: d.scenario.settings.start_time,
                editing: self.editing(),
            };
            let toolbar = &mut self.panels.toolbar;
            egui::Panel::top("toolbar").show(ui, |ui| toolbar.ui(ui, &view, actions));
        }
        if let Some((msg, is_error)) = &self.status {
            egui::Panel::top("status").show(ui, |ui| status_line(ui, msg, *is_error, actions));
        }
        if let Some(raw) = &mut self.raw {
            let outcome = egui::CentralPanel::default()
                .show(ui, |ui| raw.ui(ui))
                .inner;
            if let Some(o) = outcome {
                self.load_raw(o);
            }
            return;
        }
        if self.doc.is_none() {
            let (start_page, recent) = (&mut self.panels.start_page, &self.prefs.recent);
            egui::CentralPanel::default().show(ui, |ui| start_page.ui(ui, recent, actions));
            return;
        }
        let metrics_node = self.metrics_node();
        if let Some(d) = &self.doc {
            let (views, log) = (&mut self.panels.views, &mut self.log);
            views.bottom_ui(ui, &d.scenario, metrics_node, log, &self.selection, actions);
        }
        if !self.editing() {
            let (time_bar, snap) = (&mut self.panels.views.time_bar, &self.snap);
            egui::Panel::bottom("time_bar").show(ui, |ui| time_bar.ui(ui, snap, actions));
        }
        if self.editing() {
            let message = self.editor.as_ref().and_then(|e| e.message.as_ref());
            let palette = &mut self.panels.palette;
            egui::Panel::left("palette")
                .resizable(false)
                .default_size(185.0)
                .min_size(185.0)
                .show(ui, |ui| palette.ui(ui, message, actions));
        }
        let editing = self.editing();
        if let Some(tour) = self.panels.tour.as_mut().filter(|_| !editing) {
            let now_us = self.snap.now_us;
            egui::Panel::left("tour")
                .resizable(true)
                .default_size(300.0)
                .min_size(220.0)
                .show(ui, |ui| tour.ui(ui, now_us, actions));
        }
        if let (Some(notes), Some(doc)) = (&self.panels.import_notes, &self.doc) {
            let editing = self.editing();
            egui::Panel::left("import-notes")
                .resizable(true)
                .default_size(300.0)
                .min_size(200.0)
                .show(ui, |ui| notes.ui(ui, &doc.canvas.names, editing, actions));
        }
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(360.0)
            .min_size(220.0)
            .show(ui, |ui| {
                // Both ways, filling the panel: content wider than the panel (an invocation's ids, its JSON)
                // scrolls sideways instead of widening the panel over the canvas.
                egui::ScrollArea::both()
                    .id_salt("inspector-scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.inspector_ui(ui, actions));
            });
        egui::CentralPanel::no_frame().show(ui, |ui| self.canvas_ui(ui, actions));
    }

    /// The resource the Metrics tab shows: the selected node, the function of the selected invocation, else the
    /// scenario's first function.
    fn metrics_node(&self) -> Option<NodeRef> {
        let doc = self.doc.as_ref()?;
        let sc = &doc.scenario;
        let chosen = match &self.selection {
            Selection::Node(n) | Selection::State { node: n, .. } => doc.canvas.graph.node_ref(*n),
            Selection::Invocation(i) => self
                .log
                .function_of(*i)
                .and_then(|f| sc.find(f))
                .map(NodeRef::Resource),
            Selection::Trace(_) | Selection::None => None,
        };
        chosen.or_else(|| {
            sc.ids()
                .find(|id| {
                    sc.resource(*id).resource_type() == crate::scenario::ResourceType::Function
                })
                .map(NodeRef::Resource)
        })
    }

    /// The trace File → Export → Timeline writes: the selected one, else the one the timeline shows.
    fn export_trace(&self) -> Option<Arc<str>> {
        match &self.selection {
            Selection::Invocation(i) => self.log.summary(*i).map(|r| r.trace_id),
            Selection::Trace(t) => Some(t.clone()),
            Selection::Node(_) | Selection::State { .. } | Selection::None => {
                self.panels.views.timeline.trace().cloned()
            }
        }
    }

    /// Opens a bottom-panel tab by its label (`open --panel`): Invocations, Timeline, Metrics, Dashboard.
    pub fn show_tab(&mut self, label: &str) -> bool {
        match super::dashboard::BottomTab::ALL
            .into_iter()
            .find(|t| t.label().eq_ignore_ascii_case(label))
        {
            Some(t) => {
                self.panels.views.tab = t;
                true
            }
            None => false,
        }
    }

    /// The clicked dot the inspector shows, if any (for the test harness).
    pub(super) fn inspected_dot(&mut self) -> Option<&mut DotInspection> {
        self.panels.inspector.dot.as_mut()
    }

    /// The issue-11 views (for the test harness).
    pub(super) fn panels_views(&self) -> &Views {
        &self.panels.views
    }

    pub(super) fn panels_views_mut(&mut self) -> &mut Views {
        &mut self.panels.views
    }

    /// The right panel: the property form in edit mode, else the inspector.
    fn inspector_ui(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        if let Some(ed) = self.editor.as_mut().filter(|e| e.on) {
            let view = FormView {
                session: &ed.session,
                selected: &ed.selected,
                generation: ed.generation,
                dark: self.prefs.dark,
            };
            ed.form.ui(ui, &view, actions);
            return;
        }
        let Some(doc) = &self.doc else { return };
        let view = InspectorView {
            scenario: &doc.scenario,
            canvas: &doc.canvas,
            snap: &self.snap,
            log: &self.log,
            selection: &self.selection,
        };
        self.panels.inspector.ui(ui, &view, actions);
    }

    /// The canvas: in run mode with the inspected node and trace highlighted; in edit mode with the selection
    /// marked, live state hidden while the design does not validate, and a hint on an empty scenario.
    fn canvas_ui(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        let Some(doc) = &mut self.doc else { return };
        let action = match self.editor.as_ref().filter(|e| e.on) {
            Some(ed) => {
                // While the design does not validate, the canvas's nodes are not the running scenario's.
                let mut snap = self.snap.clone();
                if !ed.session.problems.is_empty() {
                    snap.live.clear();
                }
                doc.canvas.edit.marked.clone_from(&ed.selected);
                let action = doc.canvas.show(ui, &snap, None, None);
                if doc.canvas.positions().is_empty() {
                    ui.painter().text(
                        doc.canvas.last_rect().center(),
                        egui::Align2::CENTER_CENTER,
                        "An empty scenario: click or drag a resource from the palette to start",
                        egui::FontId::proportional(15.0),
                        ui.visuals().weak_text_color(),
                    );
                }
                action
            }
            None => {
                let (selected, highlight) = match &self.selection {
                    Selection::Node(n) | Selection::State { node: n, .. } => (Some(*n), None),
                    Selection::Trace(t) => (None, Some(style::trace_hash(t))),
                    Selection::Invocation(i) => (
                        None,
                        self.log.summary(*i).map(|r| style::trace_hash(&r.trace_id)),
                    ),
                    Selection::None => (None, None),
                };
                doc.canvas.tour_marks = self
                    .panels
                    .tour
                    .as_ref()
                    .map_or_else(Vec::new, |t| t.highlights().to_vec());
                // What the expanded state machine (drawn in place on the canvas) shows.
                doc.canvas.states_focus = match &self.selection {
                    Selection::State {
                        node,
                        state,
                        execution,
                        iteration,
                    } if doc.canvas.states.as_ref().is_some_and(|g| g.node == *node) => {
                        sfn_graph::Focus {
                            state: Some(state.clone()),
                            execution: execution.clone(),
                            iteration: iteration.clone(),
                        }
                    }
                    _ => sfn_graph::Focus::default(),
                };
                doc.canvas.show(ui, &self.snap, selected, highlight)
            }
        };
        // An imported template's unsimulated resources and hint links, kept in the scenario (`external`, `hints`).
        if !doc.scenario.external.is_empty() || !doc.scenario.hints.is_empty() {
            super::canvas_extras::draw(
                ui,
                &doc.canvas,
                &doc.scenario.external,
                &doc.scenario.hints,
            );
        }
        actions.extend(action);
    }

    /// Run-mode shortcuts: open, reload, and — unless a text field has focus — Space and →.
    fn keyboard(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_OPEN)) {
            actions.push(Action::Request(Pending::OpenPicker));
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_RELOAD)) {
            actions.push(Action::Reload);
        }
        // Space and → belong to text fields while one has focus; with a canvas node focused (Tab / arrows move
        // between nodes), Space still plays and pauses, and the arrows keep moving between nodes.
        let focused = ctx.memory(|m| m.focused().is_some());
        let node_focused = self
            .doc
            .as_ref()
            .is_some_and(|d| d.canvas.node_has_focus(ctx));
        if self.doc.is_some()
            && (!focused || node_focused)
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Space))
        {
            actions.push(Action::TogglePlay);
        }
        if self.doc.is_some()
            && !focused
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowRight))
        {
            actions.push(Action::Send(Command::Step));
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        if let Some(f) = dropped.first() {
            let path = f.path().to_path_buf();
            if path.is_file() {
                self.open_path(&path);
            } else {
                match f.bytes() {
                    Ok(bytes) => {
                        let name = path.display().to_string();
                        match super::import_notes::open_bytes(&bytes, &name) {
                            Ok(Opened::Scenario(sc)) => {
                                self.open_scenario(Arc::new(sc), Source::Example("dropped file"))
                            }
                            Ok(Opened::Template { scenario, import }) => {
                                self.open_template(scenario, &import, PathBuf::from(name))
                            }
                            Err(e) => self.status = Some((e, true)),
                        }
                    }
                    Err(e) => {
                        self.status = Some((format!("cannot read the dropped file: {e}"), true))
                    }
                }
            }
        }
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop"),
            ));
            let r = ctx.content_rect();
            painter.rect_filled(r, 0.0, Color32::from_black_alpha(160));
            painter.text(
                r.center(),
                egui::Align2::CENTER_CENTER,
                "Drop a scenario or a SAM / CloudFormation template to open it",
                egui::FontId::proportional(24.0),
                Color32::WHITE,
            );
        }
    }

    pub(super) fn open_picker(&mut self) {
        let start = self
            .prefs
            .recent
            .first()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        self.picker = Some(FilePicker::new(&start));
    }

    /// The open picker and "Send a test event".
    fn windows(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if let Some(p) = self.picker.as_mut().filter(|p| !p.is_save())
            && let Some(choice) = p.show(ctx)
        {
            self.picker = None;
            if let Some(path) = choice {
                actions.push(Action::OpenPath(path));
            }
        }
        if let (Some(w), Some(doc)) = (&mut self.panels.inject, &self.doc)
            && !w.show(ctx, &doc.scenario, &self.snap, actions)
        {
            self.panels.inject = None;
        }
        if let (Some(w), Some(doc)) = (&mut self.panels.experiments, &self.doc)
            && !w.show(ctx, &doc.scenario, &self.snap, actions)
        {
            self.panels.experiments = None;
        }
        if let (Some(w), Some(doc)) = (&mut self.panels.compare, &self.doc)
            && !w.show(ctx, &doc.scenario)
        {
            self.panels.compare = None;
        }
        let trace = self.export_trace();
        let source = self.doc.as_ref().map(|d| ExportSource {
            scenario: &d.scenario,
            snapshot: &self.snap,
            trace: trace
                .as_deref()
                .and_then(|t| self.panels.views.store.records(t)),
            canvas: &d.canvas,
            horizon_us: self.panels.views.time_bar.horizon_us(),
        });
        if let Some(message) = self.panels.exports.show(ctx, source, actions) {
            self.status = Some(message);
        }
        if let Some(choice) = self.panels.export_sam.as_mut().and_then(|d| d.show(ctx)) {
            self.panels.export_sam = None;
            if let Some(path) = choice {
                actions.push(Action::ExportSam(Some(path)));
            }
        }
    }

    /// File → Export SAM template: without a path, ask where (beside the scenario); with one, write the
    /// template and the handler code beside it. Exports the design being edited when there is one.
    fn export_sam(&mut self, path: Option<PathBuf>) {
        let Some(doc) = &self.doc else { return };
        let scenario_file = match &doc.source {
            Source::File(p) | Source::Imported(p) => Some(p.clone()),
            Source::Example(_) | Source::New => None,
        };
        let Some(path) = path else {
            let dir = scenario_file
                .as_deref()
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .or_else(|| std::env::current_dir().ok())
                .unwrap_or_else(|| PathBuf::from("."));
            self.panels.export_sam = Some(super::dialogs::ExportSamDialog::new(
                &dir,
                scenario_file.as_deref(),
            ));
            return;
        };
        let (document, base_dir) = match &self.editor {
            Some(ed) => (ed.session.doc().clone(), ed.session.base_dir()),
            None => (
                doc.scenario.document.clone(),
                doc.scenario
                    .file
                    .as_deref()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf),
            ),
        };
        let label = scenario_file
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(
                || doc.scenario.name.clone(),
                |n| n.to_string_lossy().into_owned(),
            );
        let exported = crate::sam_export::export_document(&document, base_dir.as_deref(), &label);
        self.status = Some(match exported.write_beside(&path) {
            Ok(()) => (
                format!(
                    "Exported the SAM template {}{} ({} note(s): {})",
                    path.display(),
                    match exported.code.len() {
                        0 => String::new(),
                        n => format!(" and {n} handler script(s) in functions/"),
                    },
                    exported.notes.len(),
                    if exported.notes.is_empty() {
                        "none".to_string()
                    } else {
                        exported.notes.join("; ")
                    }
                ),
                false,
            ),
            Err((file, e)) => (format!("Cannot write {}: {e}", file.display()), true),
        });
    }

    /// The "this run is big" prompt and its answer; pauses a run it let through at the limit.
    fn run_guard_ui(&mut self, ctx: &egui::Context) {
        use super::run_guard::GuardChoice;
        match self.run_guard.ui(ctx) {
            Some(GuardChoice::RunWithStop) => self.runner.send(Command::Play),
            Some(GuardChoice::Shorten { until_s }) => {
                if let Some(d) = &self.doc {
                    let sc = super::run_guard::shortened(&d.scenario, until_s);
                    self.runner.send(Command::Load(sc));
                    self.runner.send(Command::Play);
                }
            }
            Some(GuardChoice::Cancel) | None => {}
        }
        if self
            .run_guard
            .should_stop(self.snap.playing, self.snap.events_processed)
        {
            self.runner.send(Command::Pause);
            let n = self.run_guard.stop_at_events().unwrap_or_default();
            self.status = Some((
                format!(
                    "Paused at the limit of {n} engine events (the run is over the work limit)."
                ),
                false,
            ));
        }
    }

    /// Applies one panel action.
    fn apply(&mut self, action: Action, ctx: &egui::Context) {
        let Some(action) = self.apply_edit_action(action) else {
            return;
        };
        match action {
            Action::Send(cmd) => self.runner.send(cmd),
            Action::TogglePlay => {
                if self.snap.playing {
                    self.runner.send(Command::Pause);
                } else if let Some(d) = &self.doc
                    && !self.run_guard.may_play(&d.scenario)
                {
                    // The "this run is big" prompt is open instead.
                } else if run_is_finished(&self.snap) {
                    // Nothing is left to happen: Play starts the run again rather than doing nothing.
                    self.runner.send(Command::Reset);
                    self.runner.send(Command::Play);
                } else {
                    self.runner.send(Command::Play);
                }
            }
            Action::Reset => {
                // Back to t = 0, paused: the user presses Play when ready.
                self.runner.send(Command::Pause);
                self.runner.send(Command::Reset);
            }
            Action::SetSpeed(speed) => {
                self.prefs.speed = speed;
                self.runner.send(Command::SetSpeed(speed));
            }
            Action::SetSkipIdle(skip) => {
                self.prefs.skip_idle = skip;
                self.runner.send(Command::SkipIdle(skip));
            }
            Action::Request(p) => self.request(p),
            Action::OpenPath(p) => self.open_path(&p),
            Action::OpenExample(i) => self.open_example(i),
            Action::OpenPicker => self.open_picker(),
            Action::Reload => self.reload(),
            Action::ExportSam(path) => self.export_sam(path),
            Action::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Action::Select(s) => {
                self.selection = s;
                self.panels.inspector.dot = None;
            }
            Action::InspectDot(pick) => {
                if let Some(d) = &self.doc {
                    self.selection = Selection::Trace(pick.trace_id.clone());
                    self.panels.inspector.dot = Some(DotInspection::start(
                        pick,
                        d.scenario.clone(),
                        self.snap.faults.clone(),
                        self.snap.injections.clone(),
                    ));
                }
            }
            Action::InspectInvocation(i) => {
                self.selection = Selection::Invocation(i);
                self.panels.inspector.dot = None;
                self.log.follow = false;
            }
            Action::ToggleStates(ix) => {
                if let Some(d) = &mut self.doc {
                    d.canvas.toggle_states(&d.scenario, ix);
                }
                if matches!(&self.selection, Selection::State { node, .. } if *node == ix) {
                    self.selection = Selection::Node(ix);
                }
            }
            Action::FitCanvas => {
                if let Some(d) = &mut self.doc {
                    d.canvas.fit();
                }
            }
            Action::SizeNodesBy(sizing) => {
                if let Some(d) = &mut self.doc {
                    d.canvas.sizing = sizing;
                }
            }
            Action::SetDark(dark) => self.prefs.dark = dark,
            Action::OpenInject(id) => {
                if let Some(d) = &self.doc {
                    self.panels.inject = Some(InjectWindow::new(&d.scenario, id));
                }
            }
            Action::OpenExperiments => {
                if let Some(d) = &self.doc {
                    self.panels.experiments = Some(ExperimentsWindow::new(&d.scenario, &self.snap));
                }
            }
            Action::OpenCompare => {
                if let Some(d) = &self.doc {
                    let dir = match &d.source {
                        Source::File(p) | Source::Imported(p) => p.parent(),
                        Source::Example(_) | Source::New => None,
                    };
                    self.panels.compare = Some(CompareWindow::new(dir));
                }
            }
            Action::SaveMoment => self.save_moment(),
            Action::DismissStatus => self.status = None,
            Action::Export(kind) => {
                if let Some(d) = &self.doc {
                    self.panels.exports.ask(kind, &d.scenario, self.snap.now_us);
                }
            }
            // Edit-mode actions were applied above.
            Action::SetEditing(_)
            | Action::Save(_)
            | Action::SaveAs
            | Action::Undo
            | Action::Redo
            | Action::DuplicateSelected
            | Action::DeleteSelected
            | Action::Edit(..)
            | Action::Rename { .. }
            | Action::AddResource(..)
            | Action::WireRequest { .. }
            | Action::Wire { .. }
            | Action::SelectNames(_)
            | Action::ToggleName(_)
            | Action::LayoutMoved
            | Action::SaveScript(..)
            | Action::EditMessage(..) => {}
        }
    }
}

/// What the menus show, from the open document, the editing session and the preferences.
fn menu_view<'a>(
    doc: Option<&'a Doc>,
    editor: Option<&Editor>,
    prefs: &'a Prefs,
    examples: Vec<String>,
) -> MenuView<'a> {
    MenuView {
        open: doc.map(|d| {
            let file = match &d.source {
                Source::File(p) => Some(
                    p.file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                Source::Imported(p) => Some(format!(
                    "{} (template: Save writes a .json)",
                    p.file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )),
                Source::Example(_) | Source::New => None,
            };
            (d.scenario.name.as_str(), file)
        }),
        examples,
        recent: &prefs.recent,
        dark: prefs.dark,
        has_session: editor.is_some(),
        dirty: editor.is_some_and(|e| e.session.dirty),
        can_undo: editor.is_some_and(|e| e.session.can_undo()),
        can_redo: editor.is_some_and(|e| e.session.can_redo()),
        has_selection: editor.is_some_and(|e| !e.selected.is_empty()),
        sizing: doc.map(|d| d.canvas.sizing).unwrap_or_default(),
    }
}

/// The status line: a message (an error in red) and "dismiss".
fn status_line(ui: &mut Ui, msg: &str, is_error: bool, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        let color = if is_error {
            ui.visuals().error_fg_color
        } else {
            ui.visuals().text_color()
        };
        ui.label(RichText::new(msg).color(color));
        if ui
            .small_button("dismiss")
            .on_hover_text("Dismiss")
            .clicked()
        {
            actions.push(Action::DismissStatus);
        }
    });
}

/// Whether the run is over with nothing left to happen (the toolbar's "finished").
pub(super) fn run_is_finished(snap: &Snapshot) -> bool {
    snap.error.is_none() && snap.next_event_us.is_none() && snap.events_processed > 0
}

/// `12.345 s`, `3 min 05.2 s`, `2 d 03:04:05`: virtual time as a clock shows it, cut (not rounded) to the digits
/// shown, so it never runs ahead of the wall-clock moment beside it (`%.3f` cuts too) and never reads `60.0 s`.
pub fn fmt_duration(us: u64) -> String {
    let ms = us / 1_000;
    let total_s = ms / 1_000;
    if total_s < 60 {
        format!("{total_s}.{:03} s", ms % 1_000)
    } else if total_s < 3_600 {
        format!(
            "{} min {:02}.{} s",
            total_s / 60,
            total_s % 60,
            ms % 1_000 / 100
        )
    } else {
        let (d, h, m, sec) = (
            total_s / 86_400,
            total_s / 3_600 % 24,
            total_s / 60 % 60,
            total_s % 60,
        );
        if d > 0 {
            format!("{d} d {h:02}:{m:02}:{sec:02}")
        } else {
            format!("{h:02}:{m:02}:{sec:02}")
        }
    }
}

#[cfg(test)]
mod fmt_duration_tests {
    use super::fmt_duration;

    #[test]
    fn cuts_like_a_clock() {
        assert_eq!(fmt_duration(0), "0.000 s");
        assert_eq!(fmt_duration(3_078_999), "3.078 s");
        assert_eq!(fmt_duration(59_999_999), "59.999 s");
        assert_eq!(fmt_duration(60_000_000), "1 min 00.0 s");
        assert_eq!(fmt_duration(239_960_000), "3 min 59.9 s");
        assert_eq!(fmt_duration(185_250_000), "3 min 05.2 s");
        assert_eq!(fmt_duration(3_600_000_000), "01:00:00");
        assert_eq!(fmt_duration(183_845_000_000), "2 d 03:04:05");
    }
}

#[cfg(test)]
mod persistence_tests {
    use super::*;

    /// A `--screenshot` run used to write its panel sizes into the user's stored egui memory, so the next run's
    /// bottom panel (and the next screenshot's) came up at whatever size the last scripted run had left.
    #[test]
    fn a_screenshot_run_does_not_store_the_layout() {
        let mut app = EventflowApp::new(
            &egui::Context::default(),
            ClockChoice::Manual(crate::runner::ManualClock::default()),
            Prefs::default(),
        );
        assert!(eframe::App::persist_egui_memory(&app));
        app.set_screenshot(ScreenshotPlan::new(
            std::path::PathBuf::from("never-written.png"),
            std::time::Duration::ZERO,
        ));
        assert!(!eframe::App::persist_egui_memory(&app));
    }
}

impl eframe::App for EventflowApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    /// A screenshot or an animation run leaves the stored panel sizes and scroll offsets as they were.
    fn persist_egui_memory(&self) -> bool {
        self.screenshot.is_none() && self.animation.is_none()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_none() && self.animation.is_none() {
            eframe::set_value(storage, PREFS_KEY, &self.prefs);
        }
    }
}

/// Reads saved preferences.
pub fn load_prefs(storage: Option<&dyn eframe::Storage>) -> Prefs {
    storage
        .and_then(|s| eframe::get_value(s, PREFS_KEY))
        .unwrap_or_default()
}

/// CPU time the calling thread has run, from the kernel's scheduler statistics (Linux; `None` elsewhere). The
/// count is brought up to date at scheduler events (ticks, switches), so one short interval is coarse; a sum over
/// many frames is not.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}
