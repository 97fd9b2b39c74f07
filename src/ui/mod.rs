//! The desktop app (eframe 0.37, glow): a small shell over panels.
//!
//! [`app::EventflowApp`] owns the runner, the open document and the panels; each frame it folds runner updates
//! in, lets every panel draw itself and return [`action::Action`]s, and applies them (runner commands, opening
//! files, document edits). Panels own their state and never reach outside it:
//!
//! - [`menu`] — the menu bar; [`toolbar`] — run controls, speed, virtual time, run state.
//! - [`start_page`] — the gallery of built-in examples and recent files.
//! - [`import_notes`] — opening a SAM / CloudFormation template (converted on the fly) and its notes panel;
//!   [`canvas_extras`] draws what the template has beyond the scenario (greyed "not simulated" resources, dashed
//!   hint links).
//! - [`canvas`] — nodes, labelled edges and moving dots on egui's painter, gestures of both modes, one accessible
//!   widget per node; [`view`] — its world ↔ screen transform; [`layout`] places nodes.
//! - [`inspector`] — the selected node, invocation, dot or trace (with [`json_tree`], the searchable JSON viewer);
//!   [`dot_event`] finds what a clicked dot carries by re-running to its arrival.
//! - [`log`] — the virtualised invocation table.
//! - Issue 11's views: [`dashboard`] — the bottom panel's tabs (Invocations, Timeline, Metrics, Dashboard) and the
//!   ten-plot dashboard of the whole scenario; [`timeline`] — the waterfall of one trace (spans rebuilt with
//!   [`crate::export::SpanSet`]); [`metrics`] — egui_plot plots of [`crate::runner::metrics`] series for the
//!   selected node; [`time_bar`] — time travel under the canvas (seek, step back); [`export`] — File → Export.
//! - [`tour_panel`] — the guided tour of a lesson: the shown step, Back / Next, what the next step waits for; it
//!   follows the drained trace, pauses the run at steps that wait for it, and names the canvas's highlights.
//! - [`inject`] — "Send a test event"; [`experiments`] — fault injection while a run plays;
//!   [`compare`] — two variants of a scenario run side by side (A/B metrics); [`picker`] — the in-app file picker (open and save).
//! - [`raw_editor`] — a scenario file that does not load, opened as raw JSON with the loader's problems listed:
//!   Apply checks it again and loads it when clean, Save writes it atomically.
//! - Edit mode: [`palette`] — add resources; [`edit_form`] — the property form (typed fields, raw JSON, pattern
//!   and filter sandboxes, traffic); [`code_editor`] — handler code; [`dialogs`] — wiring question and unsaved
//!   changes; [`edit`] — the editing session in the shell (document operations live in [`crate::editor`]).
//! - [`sfn_graph`] — a state machine drawn state by state in place on the canvas (double-click it), coloured by
//!   its executions' outcomes (or a chosen Map iteration's); the inspector shows a clicked state's input and
//!   output.
//! - [`style`] — colours and icons; [`screenshot`] — `open --screenshot`; [`testing`] — the harness of the UI
//!   tests and the frame benchmark.
//!
//! [`run`] opens the window (or explains why it cannot) from the command line's [`OpenArgs`].

pub mod action;
pub mod app;
pub mod canvas;
pub mod canvas_extras;
pub mod code_editor;
pub mod compare;
pub mod dashboard;
pub mod dialogs;
pub mod dot_event;
pub mod edit;
pub mod edit_form;
pub mod experiments;
pub mod export;
pub mod gauge;
pub mod health;
pub mod import_notes;
pub mod inject;
pub mod inspector;
pub mod json_tree;
pub mod log;
pub mod menu;
pub mod metrics;
pub mod minimap;
pub mod node_labels;
pub mod palette;
pub mod picker;
pub mod raw_editor;
pub mod run_guard;
pub mod screenshot;
pub mod sfn_graph;
pub mod start_page;
pub mod style;
#[doc(hidden)]
pub mod testing;
pub mod time_bar;
pub mod timeline;
pub mod toolbar;
pub mod tour_panel;
pub mod view;

use std::time::Duration;

use std::path::PathBuf;

pub use app::{ClockChoice, EventflowApp, Prefs};
pub use screenshot::ScreenshotPlan;

/// What `eventflow open` asks of the app (the command line parses it; the app owns its meaning).
#[derive(Debug, Clone, clap::Args)]
pub struct OpenArgs {
    pub file: Option<PathBuf>,
    /// Save a PNG of the window after --after seconds of wall time, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// Seconds of wall time to play before the screenshot.
    #[arg(long, default_value_t = 2.0)]
    pub after: f64,
    /// Window size for the screenshot, WxH.
    #[arg(long)]
    pub size: Option<String>,
    /// Open in edit mode (without a file: a new, empty scenario).
    #[arg(long)]
    pub edit: bool,
    /// With --edit: start with this resource selected (its property panel open), e.g. for screenshots.
    #[arg(long, requires = "edit")]
    pub select: Option<String>,
    /// Open the bottom panel on this tab: invocations, timeline, metrics or dashboard (e.g. for screenshots).
    #[arg(long, value_parser = ["invocations", "timeline", "metrics", "dashboard"])]
    pub panel: Option<String>,
    /// Draw this state machine state by state in place on the canvas (as a double-click on it does), e.g. for
    /// screenshots.
    #[arg(long, requires = "file", conflicts_with = "edit")]
    pub expand: Option<String>,
    /// Go to step N (from 1) of the scenario's guided tour: the run paused at the moment the step waits for, the
    /// step shown, as a learner pressing Next at once would see it (e.g. for screenshots).
    #[arg(long, requires = "file", conflicts_with = "edit")]
    pub tour_step: Option<usize>,
    /// Play at this speed (virtual seconds per wall second, 0.1 to 1000).
    #[arg(long)]
    pub speed: Option<f64>,
    /// Play until this virtual time in seconds and pause there; with --screenshot, the screenshot is taken
    /// there (instead of after --after seconds). A scenario with a guided tour pauses at its first step before
    /// that, as in the app: use --tour-step N to open at a step.
    #[arg(long, requires = "file")]
    pub until: Option<f64>,
    /// Most megabytes the app retains of a run (default 1000); beyond it the oldest invocation rows are
    /// dropped, and the log says how many.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub memory_cap_mb: Option<u64>,
    /// Record an animated PNG of the canvas from --apng-from to --until (as File → Export does: the run seeks
    /// to each frame's moment and the rendered canvas is captured), write it to this file, then exit.
    #[arg(long, requires = "until", conflicts_with = "screenshot")]
    pub export_apng: Option<PathBuf>,
    /// With --export-apng: the virtual second the animation starts at.
    #[arg(long, default_value_t = 0.0)]
    pub apng_from: f64,
    /// With --export-apng: frames of the animation (2 to 120, shown 10 a second).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(2..=120))]
    pub apng_frames: u16,
}

impl OpenArgs {
    /// The app on `file` (or the start page), with no screenshot: what `eventflow [FILE]` opens.
    pub fn file(file: Option<PathBuf>) -> OpenArgs {
        OpenArgs {
            file,
            screenshot: None,
            after: 2.0,
            size: None,
            edit: false,
            select: None,
            panel: None,
            expand: None,
            tour_step: None,
            speed: None,
            until: None,
            memory_cap_mb: None,
            export_apng: None,
            apng_from: 0.0,
            apng_frames: 20,
        }
    }
}

/// Errors of opening the app, mapped to exit codes by the CLI.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(
        "no display: the desktop app needs an X11 or Wayland session (DISPLAY or WAYLAND_DISPLAY is not set). Run it in a desktop session, under `xvfb-run`, or use `eventflow run FILE --summary` for a headless run"
    )]
    NoDisplay,
    #[error("invalid --size {0:?}: expected WIDTHxHEIGHT, e.g. 1280x800")]
    BadSize(String),
    #[error("invalid --after {0}: expected a number of seconds >= 0")]
    BadAfter(f64),
    #[error("cannot open the window: {0}")]
    Window(String),
    #[error("invalid --expand {0:?}: the scenario has no state machine of that name")]
    BadExpand(String),
    #[error(
        "invalid --tour-step {0}: the scenario's tour has no such step, or the run never reaches it"
    )]
    BadTourStep(usize),
    #[error("screenshot failed: {0}")]
    Screenshot(String),
    #[error("animated PNG export failed: {0}")]
    Export(String),
    #[error("invalid --apng-from {0}: expected virtual seconds from 0 to before --until")]
    BadApngFrom(f64),
    #[error("invalid --speed {0}: expected a number from 0.1 to 1000")]
    BadSpeed(f64),
    #[error("invalid --until {0}: expected a number of virtual seconds >= 0")]
    BadUntil(f64),
}

impl UiError {
    /// Whether the error is the user's input (a bad flag, no display: exit 2) rather than a failure inside the
    /// app (exit 1).
    pub fn is_input_error(&self) -> bool {
        match self {
            UiError::NoDisplay
            | UiError::BadSize(_)
            | UiError::BadAfter(_)
            | UiError::BadExpand(_)
            | UiError::BadTourStep(_)
            | UiError::BadSpeed(_)
            | UiError::BadUntil(_)
            | UiError::BadApngFrom(_)
            | UiError::Window(_) => true,
            UiError::Screenshot(_) | UiError::Export(_) => false,
        }
    }
}

fn parse_size(s: &str) -> Option<[f32; 2]> {
    let (w, h) = s.trim().split_once(['x', 'X'])?;
    let (w, h): (f32, f32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    (w >= 200.0 && h >= 150.0 && w <= 10_000.0 && h <= 10_000.0).then_some([w, h])
}

/// Opens the desktop app as asked on the command line.
pub fn run(args: OpenArgs) -> Result<(), UiError> {
    let size = match &args.size {
        Some(s) => Some(parse_size(s).ok_or_else(|| UiError::BadSize(s.clone()))?),
        None => None,
    };
    if !(args.after.is_finite() && args.after >= 0.0) {
        return Err(UiError::BadAfter(args.after));
    }
    if let Some(x) = args.speed
        && !(x.is_finite() && (crate::runner::SPEED_MIN..=crate::runner::SPEED_MAX).contains(&x))
    {
        return Err(UiError::BadSpeed(x));
    }
    let until_us = match args.until {
        Some(s) if s.is_finite() && s >= 0.0 => Some((s * 1e6).min(u64::MAX as f64) as u64),
        Some(s) => return Err(UiError::BadUntil(s)),
        None => None,
    };
    if args.export_apng.is_some()
        && !(args.apng_from.is_finite()
            && args.apng_from >= 0.0
            && args.until.is_some_and(|u| args.apng_from < u))
    {
        return Err(UiError::BadApngFrom(args.apng_from));
    }
    let has_display = std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty());
    if !has_display {
        return Err(UiError::NoDisplay);
    }
    // Load the file first: a bad scenario (or template) is an input error (exit 2), reported before any window
    // opens. What was read is handed to the app, which opens it without reading and parsing the file again.
    let loaded = match &args.file {
        Some(f) => {
            let loaded = app::load_path(f);
            match &loaded {
                app::LoadedPath::BadMoment(e) => {
                    return Err(UiError::Window(format!("{}: {e}", f.display())));
                }
                // A readable scenario with located problems opens in the raw JSON editor to be fixed.
                app::LoadedPath::Opened(Err(_)) if raw_editor::RawEditor::open(f).is_some() => {
                    return open_window(args, size, until_us, Some(loaded));
                }
                app::LoadedPath::Opened(Err(e)) => return Err(UiError::Window(e.clone())),
                app::LoadedPath::Moment(_) | app::LoadedPath::Opened(Ok(_)) => {}
            }
            Some(loaded)
        }
        None => None,
    };
    let scenario = loaded.as_ref().and_then(app::LoadedPath::scenario);
    if let Some(name) = &args.expand {
        let is_machine = scenario.as_ref().is_some_and(|sc| {
            sc.find(name)
                .is_some_and(|id| sc.resource(id).kind.as_state_machine().is_some())
        });
        if !is_machine {
            return Err(UiError::BadExpand(name.clone()));
        }
    }
    if let Some(n) = args.tour_step {
        let steps = scenario
            .as_ref()
            .and_then(|sc| sc.tour.as_ref())
            .map_or(0, |t| t.steps.len());
        if n == 0 || n > steps {
            return Err(UiError::BadTourStep(n));
        }
    }
    open_window(args, size, until_us, loaded)
}

/// Opens the window on what `args` ask; the file (if any) was read into `loaded`: it loads, or it opens as raw
/// JSON.
fn open_window(
    args: OpenArgs,
    size: Option<[f32; 2]>,
    until_us: Option<u64>,
    loaded: Option<app::LoadedPath>,
) -> Result<(), UiError> {
    let screenshot = args.screenshot.clone();
    let result_slot = screenshot
        .as_ref()
        .map(|_| std::sync::Arc::new(std::sync::Mutex::new(None)));
    let mut viewport = eframe::egui::ViewportBuilder::default()
        .with_title("eventflow")
        .with_app_id("eventflow")
        .with_drag_and_drop(true)
        .with_min_inner_size([640.0, 400.0]);
    viewport = viewport.with_inner_size(size.unwrap_or([1280.0, 800.0]));
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        persist_window: screenshot.is_none() && args.export_apng.is_none() && size.is_none(),
        ..Default::default()
    };
    let file = args.file.clone();
    let edit = args.edit;
    let select = args.select.clone();
    let panel = args.panel.clone();
    let expand = args.expand.clone();
    let tour_step = args.tour_step;
    let after = Duration::from_secs_f64(args.after);
    let speed = args.speed;
    let memory_cap_mb = args.memory_cap_mb;
    let slot = result_slot.clone();
    let animation = args.export_apng.clone().map(|out| {
        export::AnimationPlan::new(
            out,
            (args.apng_from * 1e6) as u64,
            until_us.unwrap_or(0),
            usize::from(args.apng_frames),
        )
    });
    let animation_result = animation.as_ref().map(|p| p.result.clone());
    // A screenshot or an animation shows the app as it comes, not as the last session left it.
    let scripted = screenshot.is_some() || animation.is_some();
    eframe::run_native(
        "eventflow",
        options,
        Box::new(move |cc| {
            let prefs = if scripted {
                // eframe has already loaded the last session's egui memory (panel sizes, scroll offsets, zoom):
                // forget it too, so that a screenshot of a file is the same on every machine.
                cc.egui_ctx
                    .memory_mut(|m| *m = eframe::egui::Memory::default());
                Prefs::default()
            } else {
                app::load_prefs(cc.storage)
            };
            let mut app = EventflowApp::new(&cc.egui_ctx, ClockChoice::Threaded, prefs);
            if let Some(mb) = memory_cap_mb {
                app.set_memory_cap(crate::runner::retention::RetentionLimits::with_cap_mb(mb));
            }
            if let Some(x) = speed {
                app.set_speed(x);
            }
            if let (Some(f), Some(loaded)) = (file, loaded) {
                // Templates with their notes, moments on their moment, a file that does not load in the raw editor.
                app.open_loaded_path(&f, loaded);
            }
            if let Some(t_us) = until_us {
                app.send(crate::runner::Command::PauseAt(t_us));
            }
            if let Some(name) = expand {
                app.expand_states(&name);
            }
            if edit {
                if app.scenario().is_some() {
                    app.set_editing(true);
                } else if app.raw_problems().is_none() {
                    app.new_scenario();
                }
                if let Some(id) = select {
                    app.select_names(vec![id]);
                }
            }
            if let Some(n) = tour_step {
                // Checked above: the tour has step n; the run may still never reach it (the window says so).
                if !app.go_to_tour_step(n - 1) {
                    app.status = Some((format!("step {n} of the tour is never reached"), true));
                }
            }
            if let Some(tab) = &panel {
                app.show_tab(tab);
            }
            if let (Some(out), Some(slot)) = (screenshot, slot) {
                let mut plan = ScreenshotPlan::new(out, after);
                plan.result = slot;
                if let Some(t_us) = until_us {
                    plan = plan.at_virtual_time(t_us);
                }
                app.set_screenshot(plan);
            }
            if let Some(plan) = animation {
                app.set_animation(plan);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| UiError::Window(e.to_string()))?;
    if let Some(slot) = animation_result {
        let r = slot
            .lock()
            .map_err(|_| UiError::Export("lost the result".into()))?
            .take();
        match r {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(UiError::Export(e)),
            None => {
                return Err(UiError::Export(
                    "the window closed before the animation was written".into(),
                ));
            }
        }
    }
    if let Some(slot) = result_slot {
        let r = slot
            .lock()
            .map_err(|_| UiError::Screenshot("lost the result".into()))?
            .take();
        match r {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(UiError::Screenshot(e)),
            None => {
                return Err(UiError::Screenshot(
                    "the window closed before the screenshot was taken".into(),
                ));
            }
        }
    }
    Ok(())
}
