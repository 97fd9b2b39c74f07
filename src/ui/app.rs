//! The application: start page, toolbar, canvas, inspector, invocation log, and the glue to the runner.
//!
//! Each frame: drain runner updates within a time budget ([`DRAIN_BUDGET`]), fold their records into the views
//! (dots, flashes, invocation rows), then draw. The app never mutates simulation state: everything goes through
//! [`Command`]s. It asks for a repaint only while something moves (playing, dots in flight, flashes).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, Key, KeyboardShortcut, Modifiers, RichText, Ui};
use petgraph::graph::NodeIndex;
use serde::{Deserialize, Serialize};

use super::canvas::{Canvas, CanvasClick, MIN_VISIBLE_WALL_S};
use super::inject;
use super::json_tree;
use super::log::{InvRow, InvocationLog};
use super::picker::FilePicker;
use super::style::{self, NodeKind};
use crate::runner::{Command, ManualClock, Runner, SPEED_MAX, SPEED_MIN, Snapshot, SystemClock};
use crate::scenario::{GraphNode, ResId, Scenario};
use crate::sim::{Status, TraceRecord};

/// Longest time a frame spends folding runner updates in.
pub const DRAIN_BUDGET: Duration = Duration::from_millis(6);
const PREFS_KEY: &str = "eventflow-prefs";
const MAX_RECENT: usize = 10;

/// Built-in examples: (file name, text). Lessons of the simulator first, then queues, topics and streams.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "new-order.json",
        include_str!("../../assets/scenarios/new-order.json"),
    ),
    (
        "api-hello.json",
        include_str!("../../assets/scenarios/api-hello.json"),
    ),
    (
        "s3-thumbnail.json",
        include_str!("../../assets/scenarios/s3-thumbnail.json"),
    ),
    (
        "nightly-report.json",
        include_str!("../../assets/scenarios/nightly-report.json"),
    ),
    (
        "throttle-burst.json",
        include_str!("../../assets/scenarios/throttle-burst.json"),
    ),
    (
        "api-table.json",
        include_str!("../../assets/scenarios/api-table.json"),
    ),
    (
        "poison-message-dlq.json",
        include_str!("../../assets/scenarios/poison-message-dlq.json"),
    ),
    (
        "partial-batch-failures.json",
        include_str!("../../assets/scenarios/partial-batch-failures.json"),
    ),
    (
        "sns-fanout-filters.json",
        include_str!("../../assets/scenarios/sns-fanout-filters.json"),
    ),
    (
        "s3-sns-sqs-function.json",
        include_str!("../../assets/scenarios/s3-sns-sqs-function.json"),
    ),
    (
        "dynamodb-stream.json",
        include_str!("../../assets/scenarios/dynamodb-stream.json"),
    ),
    (
        "async-on-failure.json",
        include_str!("../../assets/scenarios/async-on-failure.json"),
    ),
    (
        "fifo-vs-standard.json",
        include_str!("../../assets/scenarios/fifo-vs-standard.json"),
    ),
    (
        "order-workflow.json",
        include_str!("../../assets/scenarios/order-workflow.json"),
    ),
    (
        "recursive-loop.json",
        include_str!("../../assets/scenarios/recursive-loop.json"),
    ),
];

const SHORTCUT_OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
const SHORTCUT_RELOAD: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::R);

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

/// What the inspector shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Selection {
    #[default]
    None,
    Node(NodeIndex),
    Invocation(usize),
    Trace(Arc<str>),
}

/// A screenshot to take after some wall time, then quit (`open --screenshot`).
pub struct ScreenshotPlan {
    pub out: PathBuf,
    pub after: Duration,
    started: Option<Instant>,
    requested: bool,
    /// Filled by the screenshot callback; read by `main` after the window closes.
    pub result: Arc<Mutex<Option<Result<(), String>>>>,
}

impl ScreenshotPlan {
    pub fn new(out: PathBuf, after: Duration) -> ScreenshotPlan {
        ScreenshotPlan {
            out,
            after,
            started: None,
            requested: false,
            result: Arc::new(Mutex::new(None)),
        }
    }
}

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
    #[allow(dead_code)]
    Example(&'static str),
    /// File → New, not saved yet.
    New,
}

struct InjectEditor {
    to: ResId,
    text: String,
    message: Option<(String, bool)>,
}

/// Where the app's wall clock comes from.
pub enum ClockChoice {
    /// Real time, runner on its own thread.
    Threaded,
    /// A manual clock, runner ticked inline each frame (tests, benchmarks).
    Manual(ManualClock),
}

pub struct EventflowApp {
    pub(super) runner: Runner,
    pub prefs: Prefs,
    pub(super) doc: Option<Doc>,
    pub snap: Snapshot,
    generation: u64,
    pub log: InvocationLog,
    pub selection: Selection,
    json_search: String,
    inject: Option<InjectEditor>,
    pub(super) picker: Option<FilePicker>,
    pub(super) status: Option<(String, bool)>,
    screenshot: Option<ScreenshotPlan>,
    autoplay: bool,
    theme_applied: Option<bool>,
    examples: Vec<(&'static str, Result<Arc<Scenario>, String>)>,
    /// Time the last frame spent inside an inline runner (engine work, for the frame benchmark).
    pub inline_engine_time: Duration,
    /// The visual editor's session (see `ui/edit.rs`), while a scenario is being edited.
    pub editor: Option<super::edit::Editor>,
    /// An action waiting for the "unsaved changes" answer.
    pub(super) confirm: Option<super::edit::Pending>,
    /// The user agreed to close with unsaved changes.
    pub(super) allow_close: bool,
}

impl EventflowApp {
    /// Creates the app. `wake` lets a runner thread request repaints.
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
        let examples = EXAMPLES
            .iter()
            .map(|(name, text)| (*name, load_example(name, text)))
            .collect();
        let mut app = EventflowApp {
            runner,
            snap: Snapshot::default(),
            generation: 0,
            log: InvocationLog::new(),
            selection: Selection::None,
            json_search: String::new(),
            inject: None,
            picker: None,
            status: None,
            screenshot: None,
            autoplay: true,
            theme_applied: None,
            examples,
            inline_engine_time: Duration::ZERO,
            doc: None,
            editor: None,
            confirm: None,
            allow_close: false,
            prefs,
        };
        app.runner.send(Command::SetSpeed(app.prefs.speed));
        app.runner.send(Command::SkipIdle(app.prefs.skip_idle));
        app
    }

    /// Whether opening a scenario starts playing it.
    pub fn set_autoplay(&mut self, on: bool) {
        self.autoplay = on;
    }

    pub fn set_screenshot(&mut self, plan: ScreenshotPlan) {
        self.screenshot = Some(plan);
    }

    pub fn scenario(&self) -> Option<&Arc<Scenario>> {
        self.doc.as_ref().map(|d| &d.scenario)
    }

    /// Number of dots in flight on the canvas.
    pub fn dots_in_flight(&self) -> usize {
        self.doc.as_ref().map_or(0, |d| d.canvas.dots.len())
    }

    /// Opens a scenario file; problems go to the status line.
    pub fn open_path(&mut self, path: &Path) {
        match crate::scenario::load_file(path) {
            Ok(sc) => {
                let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
                self.prefs.recent.retain(|p| *p != canonical);
                self.prefs.recent.insert(0, canonical.clone());
                self.prefs.recent.truncate(MAX_RECENT);
                self.open_scenario(Arc::new(sc), Source::File(canonical));
            }
            Err(e) => self.status = Some((format!("Cannot open {}:\n{e}", path.display()), true)),
        }
    }

    pub(super) fn open_example(&mut self, index: usize) {
        let Some((name, loaded)) = self.examples.get(index) else {
            return;
        };
        match loaded {
            Ok(sc) => self.open_scenario(sc.clone(), Source::Example(name)),
            Err(e) => self.status = Some((e.clone(), true)),
        }
    }

    /// Opens an already loaded scenario (tests, benchmarks, examples).
    pub fn open_loaded(&mut self, sc: Arc<Scenario>) {
        self.open_scenario(sc, Source::Example("scenario"));
    }

    pub(super) fn open_scenario(&mut self, sc: Arc<Scenario>, source: Source) {
        let editing = self.editor.as_ref().is_some_and(|e| e.on);
        self.editor = None;
        self.doc = Some(Doc {
            canvas: Canvas::new(&sc),
            scenario: sc.clone(),
            source,
        });
        self.selection = Selection::None;
        self.inject = None;
        self.log.clear();
        self.status = None;
        self.runner.send(Command::Load(sc));
        if self.autoplay {
            self.runner.send(Command::Play);
        }
        if editing || matches!(self.doc.as_ref().map(|d| &d.source), Some(Source::New)) {
            self.start_editing();
        }
    }

    fn reload(&mut self) {
        let Some(doc) = &self.doc else { return };
        match doc.source.clone() {
            Source::File(p) => self.open_path(&p),
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

    fn toggle_play(&mut self) {
        self.runner.send(if self.snap.playing {
            Command::Pause
        } else {
            Command::Play
        });
    }

    /// Folds runner updates into the views, within the frame budget.
    pub fn pump(&mut self) {
        let engine_started = Instant::now();
        self.runner.pump();
        self.inline_engine_time = engine_started.elapsed();
        let started = Instant::now();
        while started.elapsed() < DRAIN_BUDGET {
            let Some(u) = self.runner.try_recv() else {
                break;
            };
            if u.snapshot.generation != self.generation {
                self.generation = u.snapshot.generation;
                self.log.clear();
                if let Some(d) = &mut self.doc {
                    d.canvas.clear_run();
                }
                if matches!(
                    self.selection,
                    Selection::Invocation(_) | Selection::Trace(_)
                ) {
                    self.selection = Selection::None;
                }
            }
            let min_visible_us = (MIN_VISIBLE_WALL_S * u.snapshot.speed * 1e6) as u64;
            for r in u.records {
                self.apply(r, min_visible_us);
            }
            self.snap = u.snapshot;
        }
    }

    fn apply(&mut self, r: TraceRecord, min_visible_us: u64) {
        let Some(doc) = &mut self.doc else { return };
        let canvas = &mut doc.canvas;
        match r {
            TraceRecord::Transit {
                t_ms,
                from,
                to,
                arrive_ms,
                trace_id,
                what,
                ..
            } => {
                canvas.add_transit(
                    &from,
                    &to,
                    t_ms.0,
                    arrive_ms.0,
                    &trace_id,
                    what,
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
                if cold_start {
                    canvas.flash(&function, style::COLD_START, t_ms.0 + min_visible_us);
                }
                let dropped = self.log.push(InvRow {
                    function: Arc::from(function.as_str()),
                    request_id,
                    trace_id: Arc::from(trace_id.as_str()),
                    start_us: t_ms.0,
                    cold_start,
                    init_us: init_ms.map(|m| m.0),
                    attempt,
                    event,
                    status: None,
                    duration_us: 0,
                    billed_ms: 0,
                    response: None,
                    error: None,
                    logs: Vec::new(),
                });
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
                if status != Status::Ok {
                    canvas.flash(&function, style::ERROR, t_ms.0 + min_visible_us);
                }
                if let Some(row) = self.log.by_request_mut(&request_id) {
                    row.status = Some(status);
                    row.duration_us = duration_ms.0;
                    row.billed_ms = billed_ms;
                    row.response = response;
                    row.error = error;
                }
            }
            TraceRecord::Throttle { t_ms, function, .. } => {
                canvas.flash(&function, style::THROTTLE, t_ms.0 + min_visible_us)
            }
            TraceRecord::DeadLetter {
                t_ms,
                resource,
                target,
                ..
            } => {
                canvas.flash(&resource, style::ERROR, t_ms.0 + min_visible_us);
                canvas.flash(&target, style::DEAD_LETTER, t_ms.0 + 2 * min_visible_us);
            }
            TraceRecord::Retry { t_ms, resource, .. } => {
                canvas.flash(&resource, style::RETRY, t_ms.0 + min_visible_us)
            }
            TraceRecord::Log {
                t_ms,
                request_id,
                message,
                ..
            } => {
                if let Some(row) = self.log.by_request_mut(&request_id) {
                    row.logs.push((t_ms.0, message));
                }
            }
            // Other kinds (drops, matches, objects, queue records…) are shown through stats and live state.
            _ => {}
        }
    }

    /// One frame: updates, keyboard, panels. eframe calls it from `App::ui`; tests call it directly.
    pub fn frame(&mut self, ui: &mut Ui) {
        self.pump();
        let ctx = ui.ctx().clone();
        if self.theme_applied != Some(self.prefs.dark) {
            ctx.set_theme(if self.prefs.dark {
                egui::Theme::Dark
            } else {
                egui::Theme::Light
            });
            self.theme_applied = Some(self.prefs.dark);
        }
        self.keyboard(&ctx);
        self.edit_keyboard(&ctx);
        self.close_guard(&ctx);
        self.dropped_files(&ctx);

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        if self.doc.is_some() {
            egui::Panel::top("toolbar").show(ui, |ui| self.toolbar(ui));
        }
        if let Some((msg, is_error)) = self.status.clone() {
            egui::Panel::top("status").show(ui, |ui| {
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
                        self.status = None;
                    }
                });
            });
        }
        if self.doc.is_some() {
            egui::Panel::bottom("log")
                .resizable(true)
                .default_size(220.0)
                .min_size(80.0)
                .show(ui, |ui| {
                    let selected = match self.selection {
                        Selection::Invocation(i) => Some(i),
                        _ => None,
                    };
                    if let Some(i) = self.log.show(ui, selected) {
                        self.selection = Selection::Invocation(i);
                        self.log.follow = false;
                    }
                });
            if self.editor.as_ref().is_some_and(|e| e.on) {
                egui::Panel::left("palette")
                    .resizable(false)
                    .default_size(185.0)
                    .min_size(185.0)
                    .show(ui, |ui| self.palette(ui));
            }
            egui::Panel::right("inspector")
                .resizable(true)
                .default_size(360.0)
                .min_size(220.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("inspector-scroll")
                        .show(ui, |ui| self.inspector(ui));
                });
            egui::CentralPanel::no_frame().show(ui, |ui| self.canvas(ui));
        } else {
            egui::CentralPanel::default().show(ui, |ui| self.start_page(ui));
        }
        self.windows(&ctx);
        self.edit_windows(&ctx);
        self.screenshot_step(&ctx);

        // Expire first (always): dots and flashes end in virtual time whether or not we are playing.
        // While paused nothing moves (dots and flashes live in virtual time), so no repaint is requested.
        if let Some(d) = self.doc.as_mut() {
            d.canvas.expire(self.snap.now_us);
        }
        let moving = self.snap.playing;
        if moving {
            ctx.request_repaint();
        }
    }

    fn keyboard(&mut self, ctx: &egui::Context) {
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_OPEN)) {
            self.request(super::edit::Pending::OpenPicker);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_RELOAD)) {
            self.reload();
        }
        // Space and → belong to text fields while one has focus.
        let typing = ctx.memory(|m| m.focused().is_some());
        if self.doc.is_some() && !typing {
            if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Space)) {
                self.toggle_play();
            }
            if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowRight)) {
                self.runner.send(Command::Step);
            }
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
                        match crate::scenario::load_bytes(&bytes, &path.display().to_string(), None)
                        {
                            Ok(sc) => {
                                self.open_scenario(Arc::new(sc), Source::Example("dropped file"))
                            }
                            Err(e) => self.status = Some((e.to_string(), true)),
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
                "Drop a scenario file to open it",
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

    fn menu_bar(&mut self, ui: &mut Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("New").on_hover_text("Start an empty scenario in edit mode").clicked() {
                    self.request(super::edit::Pending::New);
                    ui.close();
                }
                if ui.add(egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(&SHORTCUT_OPEN))).clicked() {
                    self.request(super::edit::Pending::OpenPicker);
                    ui.close();
                }
                self.save_menu_items(ui);
                if ui.add_enabled(self.doc.is_some(), egui::Button::new("Reload").shortcut_text(ui.ctx().format_shortcut(&SHORTCUT_RELOAD))).clicked() {
                    self.reload();
                    ui.close();
                }
                ui.menu_button("Examples", |ui| {
                    for i in 0..self.examples.len() {
                        let label = match &self.examples[i].1 {
                            Ok(sc) => sc.name.clone(),
                            Err(_) => self.examples[i].0.to_string(),
                        };
                        if ui.button(label).clicked() {
                            self.request(super::edit::Pending::Example(i));
                            ui.close();
                        }
                    }
                });
                ui.add_enabled_ui(!self.prefs.recent.is_empty(), |ui| {
                    ui.menu_button("Recent", |ui| {
                        for p in self.prefs.recent.clone() {
                            if ui.button(p.display().to_string()).clicked() {
                                self.request(super::edit::Pending::Open(p.clone()));
                                ui.close();
                            }
                        }
                    });
                });
                if ui.add_enabled(self.doc.is_some(), egui::Button::new("Close (start page)")).clicked() {
                    self.request(super::edit::Pending::Close);
                    ui.close();
                }
                ui.separator();
                if ui.button("Quit").clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            self.edit_menu(ui);
            ui.menu_button("View", |ui| {
                if ui.add_enabled(self.doc.is_some(), egui::Button::new("Fit to window")).clicked() {
                    if let Some(d) = &mut self.doc {
                        d.canvas.fit();
                    }
                    ui.close();
                }
                if ui.radio(self.prefs.dark, "Dark theme").clicked() {
                    self.prefs.dark = true;
                    ui.close();
                }
                if ui.radio(!self.prefs.dark, "Light theme").clicked() {
                    self.prefs.dark = false;
                    ui.close();
                }
            });
            ui.menu_button("Help", |ui| {
                ui.label("Space — play / pause\n→ — step one event\nCtrl+O — open a scenario\nCtrl+R — reload\nWheel — zoom, drag — pan or move a node\nClick a dot, a node or a row to inspect it\n\nEdit mode (toolbar → Edit):\nclick or drag a palette entry to add a resource\ndrag from a node's handle (or Alt+drag) onto another to wire\nShift+click / Shift+drag — select several\nDelete — delete · Ctrl+D — duplicate\nCtrl+Z / Ctrl+Shift+Z — undo / redo · Ctrl+S — save");
            });
            if let Some(d) = &self.doc {
                ui.separator();
                ui.strong(&d.scenario.name);
                if let Source::File(p) = &d.source {
                    ui.weak(p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default());
                }
                if self.editor.as_ref().is_some_and(|e| e.session.dirty) {
                    ui.weak("(unsaved changes)");
                }
            }
        });
    }

    fn toolbar(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            self.edit_toggle(ui);
            let play_label = if self.snap.playing { "Pause" } else { "Play" };
            if ui.button(play_label).on_hover_text("Space").clicked() {
                self.toggle_play();
            }
            if ui
                .add_enabled(self.snap.next_event_us.is_some(), egui::Button::new("Step"))
                .on_hover_text("Process the next event (→)")
                .clicked()
            {
                self.runner.send(Command::Step);
            }
            if ui
                .button("Reset")
                .on_hover_text("Start again at t = 0")
                .clicked()
            {
                self.runner.send(Command::Reset);
                if self.autoplay {
                    self.runner.send(Command::Play);
                }
            }
            ui.separator();
            let mut speed = self.prefs.speed;
            let resp = ui.add(
                egui::Slider::new(&mut speed, SPEED_MIN..=SPEED_MAX)
                    .logarithmic(true)
                    .text("× speed")
                    .custom_formatter(|v, _| {
                        if v < 10.0 {
                            format!("{v:.1}")
                        } else {
                            format!("{v:.0}")
                        }
                    }),
            );
            if resp.changed() {
                self.prefs.speed = speed;
                self.runner.send(Command::SetSpeed(speed));
            }
            let mut skip = self.prefs.skip_idle;
            if ui
                .checkbox(&mut skip, "skip idle")
                .on_hover_text("Jump over stretches where nothing happens")
                .changed()
            {
                self.prefs.skip_idle = skip;
                self.runner.send(Command::SkipIdle(skip));
            }
            ui.separator();
            let t = self.snap.now_us;
            ui.label(
                RichText::new(format!("t = {}", fmt_duration(t)))
                    .monospace()
                    .strong(),
            );
            if let Some(d) = &self.doc {
                let wall = d
                    .scenario
                    .settings
                    .start_time
                    .checked_add_signed(chrono::TimeDelta::microseconds(
                        i64::try_from(t).unwrap_or(i64::MAX),
                    ))
                    .unwrap_or(d.scenario.settings.start_time);
                ui.label(
                    RichText::new(wall.format("%a %Y-%m-%d %H:%M:%S%.3f UTC").to_string())
                        .monospace()
                        .weak(),
                );
            }
            ui.separator();
            let state = if self.snap.error.is_some() {
                "stopped"
            } else if self.snap.next_event_us.is_none() && self.snap.events_processed > 0 {
                "finished"
            } else if !self.snap.playing && t >= self.snap.until_us && t > 0 {
                "reached until_s"
            } else {
                ""
            };
            if !state.is_empty() {
                ui.label(RichText::new(state).italics());
            }
            ui.weak(format!(
                "{} events · {:.0} ev/s",
                self.snap.events_processed, self.snap.events_per_s
            ));
            if let Some(e) = &self.snap.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
    }

    fn canvas(&mut self, ui: &mut Ui) {
        if self.editor.as_ref().is_some_and(|e| e.on) {
            self.edit_canvas(ui);
            return;
        }
        let Some(doc) = &mut self.doc else { return };
        let selected = match &self.selection {
            Selection::Node(n) => Some(*n),
            _ => None,
        };
        let highlight = match &self.selection {
            Selection::Trace(t) => Some(style::trace_hash(t)),
            Selection::Invocation(i) => self
                .log
                .rows
                .get(*i)
                .map(|r| style::trace_hash(&r.trace_id)),
            _ => None,
        };
        if let Some(click) = doc
            .canvas
            .show(ui, &self.snap, &doc.scenario, selected, highlight)
        {
            self.selection = match click {
                CanvasClick::Node(n) => Selection::Node(n),
                CanvasClick::Trace(t) => Selection::Trace(t),
                CanvasClick::Background => Selection::None,
                // Edit-mode gestures do not happen outside edit mode.
                _ => self.selection.clone(),
            };
        }
    }

    fn start_page(&mut self, ui: &mut Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(12.0);
            ui.heading(RichText::new("eventflow").size(28.0).strong());
            ui.label("Design, run and watch event-driven serverless architectures.");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Open a scenario file…").clicked() {
                    self.open_picker();
                }
                ui.weak("or drop a .json file on this window");
            });
            ui.add_space(16.0);
            ui.heading("Examples");
            ui.add_space(4.0);
            let mut open = None;
            let width = ui.available_width();
            let cols = ((width / 340.0).floor() as usize).clamp(1, 3);
            egui::Grid::new("examples")
                .num_columns(cols)
                .spacing([12.0, 12.0])
                .show(ui, |ui| {
                    for (i, (file, loaded)) in self.examples.iter().enumerate() {
                        let (name, desc) = match loaded {
                            Ok(sc) => (
                                sc.name.clone(),
                                first_paragraph(sc.description.as_deref().unwrap_or("")),
                            ),
                            Err(e) => (file.to_string(), e.clone()),
                        };
                        egui::Frame::group(ui.style())
                            .inner_margin(10.0)
                            .show(ui, |ui| {
                                ui.set_width(width / cols as f32 - 48.0);
                                ui.set_min_height(150.0);
                                ui.vertical(|ui| {
                                    ui.horizontal(|ui| {
                                        ui.strong(&name);
                                        ui.weak(*file);
                                    });
                                    ui.add(egui::Label::new(desc).wrap());
                                    if ui.button(format!("Open {name}")).clicked() {
                                        open = Some(i);
                                    }
                                });
                            });
                        if (i + 1) % cols == 0 {
                            ui.end_row();
                        }
                    }
                });
            if let Some(i) = open {
                self.open_example(i);
            }
            ui.add_space(16.0);
            ui.heading("Recent files");
            if self.prefs.recent.is_empty() {
                ui.weak("Files you open appear here.");
            }
            for p in self.prefs.recent.clone() {
                if ui.link(p.display().to_string()).clicked() {
                    self.open_path(&p);
                }
            }
        });
    }

    fn inspector(&mut self, ui: &mut Ui) {
        if self.editor.as_ref().is_some_and(|e| e.on) {
            self.edit_inspector(ui);
            return;
        }
        let Some(doc) = &self.doc else { return };
        let sc = doc.scenario.clone();
        match self.selection.clone() {
            Selection::None => {
                ui.heading(&sc.name);
                if let Some(d) = &sc.description {
                    ui.add(egui::Label::new(strip_markdown(d)).wrap());
                }
                ui.separator();
                ui.weak("Click a node, a moving dot or an invocation to inspect it.");
            }
            Selection::Node(n) => self.inspect_node(ui, &sc, n),
            Selection::Invocation(i) => self.inspect_invocation(ui, i),
            Selection::Trace(t) => {
                ui.heading("Trace");
                ui.label(RichText::new(t.to_string()).monospace());
                if ui.small_button("Copy trace id").clicked() {
                    ui.ctx().copy_text(t.to_string());
                }
                ui.separator();
                ui.label("Invocations in this trace:");
                let mut pick = None;
                for (i, r) in self.log.rows.iter().enumerate().rev().take(200_000) {
                    if r.trace_id == t
                        && ui
                            .link(format!(
                                "{:.3} s  {}  {}",
                                r.start_us as f64 / 1e6,
                                r.function,
                                r.request_id
                            ))
                            .clicked()
                    {
                        pick = Some(i);
                    }
                }
                if let Some(i) = pick {
                    self.selection = Selection::Invocation(i);
                }
            }
        }
    }

    fn inspect_node(&mut self, ui: &mut Ui, sc: &Scenario, n: NodeIndex) {
        let Some(doc) = &self.doc else { return };
        let canvas = &doc.canvas;
        let Some(kind) = canvas.kinds.get(n.index()).copied() else {
            return;
        };
        let name = canvas.names[n.index()].clone();
        ui.horizontal(|ui| {
            let (r, _) = ui.allocate_exact_size(egui::vec2(28.0, 28.0), egui::Sense::hover());
            style::draw_icon(ui.painter(), r, kind, style::type_color(kind));
            ui.vertical(|ui| {
                ui.heading(&name);
                ui.weak(style::kind_name(kind));
            });
        });
        let node = canvas.graph.graph[n].clone();
        let config;
        match &node {
            GraphNode::Resource {
                id, resource_type, ..
            } => {
                let res = sc.resource(*id);
                if let Some(d) = &res.description {
                    ui.label(d);
                }
                if let (Some(l), NodeKind::Resource(_)) = (self.snap.live.get(id.index()), kind) {
                    let parts: Vec<String> = [
                        (l.busy, "busy"),
                        (l.warm, "warm"),
                        (l.in_flight, "in flight"),
                        (l.objects, "objects"),
                    ]
                    .iter()
                    .filter(|(v, _)| *v > 0)
                    .map(|(v, w)| format!("{v} {w}"))
                    .collect();
                    if !parts.is_empty() {
                        ui.label(RichText::new(parts.join(" · ")).strong());
                    }
                }
                if let Some(s) = self.snap.stats.get(id.index()) {
                    ui.separator();
                    egui::Grid::new("stats")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            let mut row = |k: &str, v: String| {
                                ui.label(k);
                                ui.label(RichText::new(v).monospace());
                                ui.end_row();
                            };
                            row("count", s.count.to_string());
                            for (k, v) in [
                                ("errors", s.errors),
                                ("timeouts", s.timeouts),
                                ("throttles", s.throttles),
                                ("cold starts", s.cold_starts),
                                ("retries", s.retries),
                                ("dead-lettered", s.dead_lettered),
                                ("dropped", s.dropped),
                            ] {
                                if v > 0 || matches!(k, "errors" | "throttles") {
                                    row(k, v.to_string());
                                }
                            }
                            if let Some(p) = s.p50_ms {
                                row("p50", format!("{p:.1} ms"));
                            }
                            if let Some(p) = s.p99_ms {
                                row("p99", format!("{p:.1} ms"));
                            }
                            if *resource_type == crate::scenario::ResourceType::Function
                                && s.count > 0
                            {
                                row("est. cost", format!("${:.6}", s.cost_usd));
                            }
                        });
                }
                if inject::accepts_events(*resource_type)
                    && ui.button("Send a test event…").clicked()
                {
                    let sample = inject::sample(sc, *id);
                    self.inject = Some(InjectEditor {
                        to: *id,
                        text: serde_json::to_string_pretty(&sample).unwrap_or_default(),
                        message: None,
                    });
                }
                config = sc
                    .document
                    .get("resources")
                    .and_then(|r| r.get(&name))
                    .cloned();
            }
            GraphNode::Traffic { index, .. } => {
                config = sc
                    .document
                    .get("traffic")
                    .and_then(|t| t.get(*index))
                    .cloned();
            }
        }
        if let Some(c) = config {
            ui.separator();
            ui.strong("Configuration");
            json_tree::show(ui, &format!("cfg-{name}"), &c, "", 3);
        }
    }

    fn inspect_invocation(&mut self, ui: &mut Ui, i: usize) {
        let Some(r) = self.log.rows.get(i) else {
            ui.weak("This invocation is no longer in the log.");
            return;
        };
        ui.heading(format!("Invocation of {}", r.function));
        egui::Grid::new("inv")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                let row = |ui: &mut Ui, k: &str, v: String, copy: bool| {
                    ui.label(k);
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(&v).monospace());
                        if copy && ui.small_button("copy").on_hover_text("Copy").clicked() {
                            ui.ctx().copy_text(v.clone());
                        }
                    });
                    ui.end_row();
                };
                row(ui, "request id", r.request_id.clone(), true);
                row(ui, "trace id", r.trace_id.to_string(), true);
                row(
                    ui,
                    "status",
                    r.status
                        .map_or("running".to_string(), |s| s.as_str().to_string()),
                    false,
                );
                row(
                    ui,
                    "cold start",
                    if r.cold_start {
                        format!("yes (init {})", r.init_us.map_or("?".into(), fmt_duration))
                    } else {
                        "no".into()
                    },
                    false,
                );
                row(ui, "attempt", r.attempt.to_string(), false);
                row(ui, "start", fmt_duration(r.start_us), false);
                if r.status.is_some() {
                    row(
                        ui,
                        "duration",
                        format!("{:.3} ms", r.duration_us as f64 / 1000.0),
                        false,
                    );
                    row(ui, "billed", format!("{} ms", r.billed_ms), false);
                }
            });
        ui.separator();
        ui.horizontal(|ui| {
            ui.label("Search");
            ui.add(
                egui::TextEdit::singleline(&mut self.json_search)
                    .hint_text("search the JSON")
                    .desired_width(200.0),
            );
        });
        ui.strong("Event");
        json_tree::show(
            ui,
            &format!("ev-{}", r.request_id),
            &r.event,
            &self.json_search,
            2,
        );
        if let Some(resp) = &r.response {
            ui.strong("Response");
            json_tree::show(
                ui,
                &format!("resp-{}", r.request_id),
                resp,
                &self.json_search,
                2,
            );
        }
        if let Some(err) = &r.error {
            ui.colored_label(ui.visuals().error_fg_color, "Error");
            json_tree::show(
                ui,
                &format!("err-{}", r.request_id),
                err,
                &self.json_search,
                2,
            );
        }
        ui.separator();
        ui.strong(format!("Logs ({})", r.logs.len()));
        for (t, m) in &r.logs {
            ui.label(RichText::new(format!("{}  {m}", fmt_duration(*t))).monospace());
        }
    }

    fn windows(&mut self, ctx: &egui::Context) {
        if let Some(p) = self.picker.as_mut().filter(|p| !p.is_save())
            && let Some(choice) = p.show(ctx)
        {
            self.picker = None;
            if let Some(path) = choice {
                self.open_path(&path);
            }
        }
        let mut send = None;
        let mut close = false;
        if let (Some(ed), Some(doc)) = (&mut self.inject, &self.doc) {
            let sc = doc.scenario.clone();
            let mut open = true;
            let target = sc.id(ed.to).to_string();
            egui::Window::new(format!("Send a test event to {target}")).open(&mut open).default_width(420.0).show(ctx, |ui| {
                ui.weak("The payload has the shape of a traffic source's payload for this resource type.");
                egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
                    ui.add(egui::TextEdit::multiline(&mut ed.text).code_editor().desired_rows(12).desired_width(f32::INFINITY));
                });
                ui.horizontal(|ui| {
                    if ui.button("Validate").clicked() {
                        ed.message = Some(match inject::validate(&sc, ed.to, &ed.text) {
                            Ok(_) => ("Valid.".into(), false),
                            Err(e) => (e.to_string(), true),
                        });
                    }
                    if ui.button("Send").clicked() {
                        match inject::validate(&sc, ed.to, &ed.text) {
                            Ok(p) => {
                                send = Some(Command::Inject { to: ed.to, payload: p });
                                ed.message = Some(("Sent.".into(), false));
                            }
                            Err(e) => ed.message = Some((e.to_string(), true)),
                        }
                    }
                    if ui.button("Sample").on_hover_text("Put the sample payload back").clicked() {
                        ed.text = serde_json::to_string_pretty(&inject::sample(&sc, ed.to)).unwrap_or_default();
                    }
                });
                if let Some((m, err)) = &ed.message {
                    let c = if *err { ui.visuals().error_fg_color } else { style::OK_GREEN };
                    ui.colored_label(c, m);
                }
            });
            close = !open;
        }
        if close {
            self.inject = None;
        }
        if let Some(c) = send {
            self.runner.send(c);
        }
    }

    fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(plan) = &mut self.screenshot else {
            return;
        };
        let started = *plan.started.get_or_insert_with(Instant::now);
        if let Ok(guard) = plan.result.lock()
            && guard.is_some()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if !plan.requested && started.elapsed() >= plan.after {
            plan.requested = true;
            let out = plan.out.clone();
            let result = plan.result.clone();
            let waker = ctx.clone();
            ctx.request_screenshot(move |image| {
                let r = write_png(&out, &image);
                if let Ok(mut g) = result.lock() {
                    *g = Some(r);
                }
                waker.request_repaint();
            });
        }
        ctx.request_repaint_after(Duration::from_millis(30));
    }
}

/// Writes an egui image as an RGBA PNG.
pub fn write_png(path: &Path, image: &egui::ColorImage) -> Result<(), String> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let [w, h] = image.size;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    let data: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    writer.write_image_data(&data).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

/// `12.345 s`, `3 min 05.2 s`, `2 d 03:04:05`.
pub fn fmt_duration(us: u64) -> String {
    let s = us as f64 / 1e6;
    if s < 60.0 {
        format!("{s:.3} s")
    } else if s < 3600.0 {
        format!("{} min {:04.1} s", (s / 60.0) as u64, s % 60.0)
    } else {
        let total = s as u64;
        let (d, h, m, sec) = (
            total / 86_400,
            total / 3600 % 24,
            total / 60 % 60,
            total % 60,
        );
        if d > 0 {
            format!("{d} d {h:02}:{m:02}:{sec:02}")
        } else {
            format!("{h:02}:{m:02}:{sec:02}")
        }
    }
}

fn strip_markdown(s: &str) -> String {
    s.replace("**", "").replace('`', "")
}

fn first_paragraph(s: &str) -> String {
    let p = s.split("\n\n").next().unwrap_or("");
    let p = strip_markdown(p);
    if p.chars().count() > 220 {
        let mut t: String = p.chars().take(218).collect();
        t.push('…');
        t
    } else {
        p
    }
}

impl eframe::App for EventflowApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_none() {
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

/// Loads a built-in example: from the source tree when it is there (so handler scripts next to it are compiled),
/// else from the text built into the binary (where functions with script files run without their code).
fn load_example(name: &str, text: &str) -> Result<Arc<Scenario>, String> {
    let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/scenarios")
        .join(name);
    let loaded = if on_disk.is_file() {
        crate::scenario::load_file(&on_disk)
    } else {
        crate::scenario::load_str(text, name, None)
    };
    loaded.map(Arc::new).map_err(|e| e.to_string())
}
