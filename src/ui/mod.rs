//! The desktop app (eframe 0.37, glow): start page, architecture canvas, inspector, invocation log.
//!
//! - [`app`] — the [`app::EventflowApp`] and its panels; it talks to the simulation only through the
//!   [`crate::runner`].
//! - [`canvas`] — nodes, labelled edges and moving dots on egui's painter; [`layout`] places nodes.
//! - [`json_tree`] — the collapsible, searchable JSON viewer; [`log`] — the virtualised invocation table.
//! - [`inject`] — "send a test event"; [`picker`] — the in-app file picker (open and save); [`style`] — colours
//!   and icons.
//! - [`edit`] — edit mode: palette, canvas gestures (add, wire, select, move), wiring dialog, Save / Save As /
//!   New, undo/redo, the unsaved-changes guard; [`edit_form`] — the property panel (typed form, raw JSON,
//!   pattern sandbox, traffic editor, handler code editor). Document operations live in [`crate::editor`].
//!
//! [`run`] opens the window (or explains why it cannot, exit 2).

pub mod app;
pub mod canvas;
pub mod edit;
pub mod edit_form;
pub mod inject;
pub mod json_tree;
pub mod layout;
pub mod log;
pub mod picker;
pub mod style;

use std::time::Duration;

use crate::cli::{CliError, OpenArgs};
pub use app::{ClockChoice, EventflowApp, Prefs, ScreenshotPlan};

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
    #[error("screenshot failed: {0}")]
    Screenshot(String),
}

impl From<UiError> for CliError {
    fn from(e: UiError) -> CliError {
        match e {
            UiError::Screenshot(_) => CliError::Internal(e.to_string()),
            _ => CliError::Invalid(e.to_string()),
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
    let has_display = std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty());
    if !has_display {
        return Err(UiError::NoDisplay);
    }
    // Load the file first: a bad scenario is an input error (exit 2), reported before any window opens.
    let scenario = match &args.file {
        Some(f) => Some(crate::scenario::load_file(f).map_err(|e| UiError::Window(e.to_string()))?),
        None => None,
    };
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
        persist_window: screenshot.is_none() && size.is_none(),
        ..Default::default()
    };
    let file = args.file.clone();
    let edit = args.edit;
    let select = args.select.clone();
    let after = Duration::from_secs_f64(args.after);
    let slot = result_slot.clone();
    eframe::run_native(
        "eventflow",
        options,
        Box::new(move |cc| {
            let prefs = if screenshot.is_some() {
                Prefs::default()
            } else {
                app::load_prefs(cc.storage)
            };
            let mut app = EventflowApp::new(&cc.egui_ctx, ClockChoice::Threaded, prefs);
            if let (Some(sc), Some(f)) = (scenario, file) {
                let _ = sc;
                app.open_path(&f);
            }
            if edit {
                if app.scenario().is_some() {
                    app.set_editing(true);
                } else {
                    app.new_scenario();
                }
                if let (Some(id), Some(ed)) = (select, app.editor.as_mut()) {
                    ed.selected = vec![id];
                }
            }
            if let (Some(out), Some(slot)) = (screenshot, slot) {
                let mut plan = ScreenshotPlan::new(out, after);
                plan.result = slot;
                app.set_screenshot(plan);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| UiError::Window(e.to_string()))?;
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
