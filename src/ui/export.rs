//! File → Export from the app: the run's trace (JSON Lines), Perfetto and OTLP files (the writers of
//! [`crate::export`], as `eventflow run --perfetto/--otlp` uses them), the timeline of the selected trace (OTLP,
//! opens as a waterfall in Jaeger), a PNG or an SVG of the canvas, and an animated PNG of a time window.
//!
//! The app keeps no full copy of the run's records, so a trace export re-runs the scenario from t = 0 to the
//! moment shown ([`crate::runner::rerun_trace`]: deterministic, with the fault changes and test events sent by
//! hand done again at their moments, so it is the same run) on a thread of its own, and reports back through a
//! channel: the UI never waits. The PNG is a crop of the next rendered frame to the canvas's rectangle.
//!
//! The SVG is written here from the canvas's own [`Drawing`] (the layout's node places and sizes, the routes and
//! label places it draws): one `<g class="node">` per node (box, type stripe, icon square, name, subtitle), one
//! `<g class="edge">` per edge (route, arrow head, label on its plate). The animated PNG (APNG, which the `png`
//! crate writes) is made by an [`ApngPlan`]: the runner seeks to each frame's moment in turn (pausing there), the
//! canvas draws it, the frame is captured as for the PNG, and at the end the app goes back to the moment shown
//! before.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use std::fmt::Write as _;

use crossbeam_channel::{Receiver, bounded};
use eframe::egui::{self, Color32, ColorImage, Context, Pos2, Rect};

use super::action::Action;
use super::canvas::{Canvas, Drawing};
use super::style;
use crate::export::SpanSet;
use crate::runner::{Command, Recorded, Snapshot};
use crate::scenario::Scenario;
use crate::sim::TraceRecord;

/// What File → Export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    TraceJsonl,
    Perfetto,
    Otlp,
    /// The selected trace only, as OTLP/JSON.
    Timeline,
    CanvasPng,
    CanvasSvg,
    /// An animated PNG of a time window of the canvas.
    CanvasApng,
}

impl ExportKind {
    pub const ALL: [ExportKind; 7] = [
        ExportKind::TraceJsonl,
        ExportKind::Perfetto,
        ExportKind::Otlp,
        ExportKind::Timeline,
        ExportKind::CanvasPng,
        ExportKind::CanvasSvg,
        ExportKind::CanvasApng,
    ];

    /// The menu entry.
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::TraceJsonl => "Trace (JSON Lines)…",
            ExportKind::Perfetto => "Perfetto / Chrome trace…",
            ExportKind::Otlp => "OTLP JSON (Jaeger)…",
            ExportKind::Timeline => "Timeline of the selected trace (OTLP)…",
            ExportKind::CanvasPng => "Canvas as PNG…",
            ExportKind::CanvasSvg => "Canvas as SVG…",
            ExportKind::CanvasApng => "Animated PNG of a time window…",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            ExportKind::TraceJsonl => ".trace.jsonl",
            ExportKind::Perfetto => ".perfetto.json",
            ExportKind::Otlp => ".otlp.json",
            ExportKind::Timeline => ".timeline.otlp.json",
            ExportKind::CanvasPng => ".png",
            ExportKind::CanvasSvg => ".svg",
            ExportKind::CanvasApng => ".apng",
        }
    }
}

/// What an export needs from the app when it starts.
pub struct ExportSource<'a> {
    pub scenario: &'a Arc<Scenario>,
    /// The run's state: its moment, and the fault changes and test events a re-run does again at theirs.
    pub snapshot: &'a Snapshot,
    /// The selected trace's records (for [`ExportKind::Timeline`]).
    pub trace: Option<&'a [TraceRecord]>,
    /// The canvas (its drawing for the SVG, where it was drawn for the PNGs).
    pub canvas: &'a Canvas,
    /// The furthest moment this scenario has been run to (the time bar's end): an animation's window lies before.
    pub horizon_us: u64,
}

/// Where a canvas PNG's outcome arrives (filled by the screenshot callback).
type PngSlot = Arc<Mutex<Option<Result<String, String>>>>;

/// Most frames of an animated PNG (each is a full RGBA image in memory until the file is written).
pub const MAX_APNG_FRAMES: usize = 120;
/// How long each frame of an animated PNG shows, in milliseconds (10 frames a second).
pub const APNG_FRAME_MS: u16 = 100;
/// Frames an animation waits for a seek to land before it gives up.
const APNG_SEEK_PATIENCE_FRAMES: u32 = 3_000;

/// The time window of an animated PNG, as the dialog edits it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    from_s: f64,
    to_s: f64,
    frames: usize,
}

/// The export dialog (a path to write to) and the exports under way.
#[derive(Default)]
pub struct Exports {
    dialog: Option<(ExportKind, String)>,
    /// The animated PNG's window, while its dialog is open.
    window: Option<Window>,
    jobs: Vec<Receiver<Result<String, String>>>,
    png: Vec<PngSlot>,
    /// An animated PNG being recorded.
    apng: Option<ApngRecording>,
    /// An export asked for without the dialog ([`Exports::queue_apng`]), started by the next [`Exports::show`].
    queued: Option<(ExportKind, PathBuf, Option<Window>)>,
    /// The last message an export gave (how `open --export-apng` learns how its export ended).
    last_message: Option<(String, bool)>,
}

/// An animated PNG being recorded: its plan, where it goes, the capture awaited.
struct ApngRecording {
    plan: ApngPlan,
    path: PathBuf,
    capture: Option<Arc<Mutex<Option<ColorImage>>>>,
}

/// A file name from a scenario name: letters, digits and dashes.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "eventflow".to_string()
    } else {
        s
    }
}

impl Exports {
    /// Opens the dialog for `kind`, proposing a file next to the scenario (or in the working folder); an animation
    /// proposes the last ten seconds before `now_us`.
    pub fn ask(&mut self, kind: ExportKind, sc: &Scenario, now_us: u64) {
        let dir = sc
            .file
            .as_ref()
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let path = dir.join(format!("{}{}", file_stem(&sc.name), kind.suffix()));
        self.dialog = Some((kind, path.display().to_string()));
        let to_s = now_us as f64 / 1e6;
        self.window = (kind == ExportKind::CanvasApng).then_some(Window {
            from_s: (to_s - 10.0).max(0.0),
            to_s,
            frames: 20,
        });
    }

    /// Whether an export is being written (or waits to start).
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty()
            || !self.png.is_empty()
            || self.apng.is_some()
            || self.queued.is_some()
    }

    /// Records an animated PNG of `from_us` to `to_us` in `frames` frames to `path`, from the next frame on, as
    /// the dialog's Export button does (`open --export-apng`).
    pub fn queue_apng(&mut self, path: PathBuf, from_us: u64, to_us: u64, frames: usize) {
        let window = Window {
            from_s: from_us as f64 / 1e6,
            to_s: to_us as f64 / 1e6,
            frames,
        };
        self.queued = Some((ExportKind::CanvasApng, path, Some(window)));
    }

    /// The last message an export gave (text, is an error).
    pub fn last_message(&self) -> Option<&(String, bool)> {
        self.last_message.as_ref()
    }

    /// Shows the dialog; starts the export when confirmed. Returns a message for the status line (text, is an
    /// error) when an export finished or could not start.
    pub fn show(
        &mut self,
        ctx: &Context,
        source: Option<ExportSource<'_>>,
        actions: &mut Vec<Action>,
    ) -> Option<(String, bool)> {
        let mut message = None;
        let horizon_s = source
            .as_ref()
            .map_or(0.0, |s| s.horizon_us.max(s.snapshot.now_us) as f64 / 1e6);
        if let Some((kind, path, window)) = self.queued.take() {
            message = match source {
                Some(src) => self.start(ctx, kind, path, src, window, actions),
                None => Some(("Nothing is open to export".to_string(), true)),
            };
        } else if let Some((kind, path)) = &mut self.dialog {
            let kind = *kind;
            let mut go = false;
            let mut cancel = false;
            egui::Window::new("Export")
                .collapsible(false)
                .resizable(false)
                .default_width(520.0)
                .show(ctx, |ui| {
                    ui.label(kind.label().trim_end_matches('…'));
                    ui.horizontal(|ui| {
                        ui.label("File:");
                        ui.add(egui::TextEdit::singleline(path).desired_width(400.0));
                    });
                    if let Some(w) = &mut self.window {
                        window_fields(ui, w, horizon_s);
                    }
                    if matches!(
                        kind,
                        ExportKind::TraceJsonl | ExportKind::Perfetto | ExportKind::Otlp
                    ) {
                        ui.weak("Re-runs the scenario from t = 0 to the moment shown (with the faults and test events sent).");
                    }
                    ui.horizontal(|ui| {
                        go = ui.button("Export").clicked();
                        cancel = ui.button("Cancel").clicked();
                    });
                });
            if go {
                let path = PathBuf::from(path.trim());
                self.dialog = None;
                let window = self.window.take();
                match source {
                    Some(src) => message = self.start(ctx, kind, path, src, window, actions),
                    None => message = Some(("Nothing is open to export".to_string(), true)),
                }
            } else if cancel {
                self.dialog = None;
                self.window = None;
            }
        } else if self.apng.is_some()
            && let Some(src) = &source
        {
            message = self.record_apng(ctx, src, actions);
        }
        let message = message.or_else(|| self.poll());
        if let Some(m) = &message {
            self.last_message = Some(m.clone());
        }
        message
    }

    /// One frame of an animated PNG being recorded: seek, wait for the moment to be drawn, capture, next.
    fn record_apng(
        &mut self,
        ctx: &Context,
        src: &ExportSource<'_>,
        actions: &mut Vec<Action>,
    ) -> Option<(String, bool)> {
        let rec = self.apng.as_mut()?;
        let captured = rec
            .capture
            .as_ref()
            .and_then(|slot| slot.lock().ok().and_then(|mut g| g.take()));
        if let Some(image) = captured {
            rec.capture = None;
            rec.plan.captured(image);
        }
        if rec.capture.is_some() {
            return None;
        }
        match rec.plan.step(src.snapshot) {
            ApngStep::Seek(t_us) => {
                actions.push(Action::Send(Command::Seek(t_us)));
                ctx.request_repaint();
                None
            }
            ApngStep::Wait => {
                ctx.request_repaint();
                None
            }
            ApngStep::Capture => {
                let slot = Arc::new(Mutex::new(None));
                let out = slot.clone();
                let rect = src.canvas.last_rect();
                let waker = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let cropped = image.region(&rect, Some(waker.pixels_per_point()));
                    if let Ok(mut g) = out.lock() {
                        *g = Some(cropped);
                    }
                    waker.request_repaint();
                });
                rec.capture = Some(slot);
                None
            }
            ApngStep::Failed(why) => {
                let restore = rec.plan.restore_us;
                self.apng = None;
                actions.push(Action::Send(Command::Seek(restore)));
                Some((format!("Export failed: {why}"), true))
            }
            ApngStep::Done => {
                let Some(rec) = self.apng.take() else {
                    return None;
                };
                actions.push(Action::Send(Command::Seek(rec.plan.restore_us)));
                let (frames, path) = (rec.plan.frames, rec.path);
                let (tx, rx) = bounded(1);
                let waker = ctx.clone();
                let spawned = std::thread::Builder::new()
                    .name("eventflow-export".into())
                    .spawn(move || {
                        let r = write_apng(&path, &frames, APNG_FRAME_MS).map(|()| {
                            format!(
                                "Exported an animation of {} frames to {}",
                                frames.len(),
                                path.display()
                            )
                        });
                        let _ = tx.send(r);
                        waker.request_repaint();
                    });
                match spawned {
                    Ok(_) => {
                        self.jobs.push(rx);
                        Some(("Writing the animation…".to_string(), false))
                    }
                    Err(e) => Some((format!("Export: cannot start a thread: {e}"), true)),
                }
            }
        }
    }

    fn start(
        &mut self,
        ctx: &Context,
        kind: ExportKind,
        path: PathBuf,
        src: ExportSource<'_>,
        window: Option<Window>,
        actions: &mut Vec<Action>,
    ) -> Option<(String, bool)> {
        if path.as_os_str().is_empty() {
            return Some(("Export: give a file to write".to_string(), true));
        }
        match kind {
            ExportKind::CanvasSvg => {
                let text = canvas_svg(
                    &src.canvas.drawing(src.snapshot),
                    &ctx.global_style().visuals,
                );
                Some(match crate::export::write_file(&path, &text) {
                    Ok(()) => (format!("Exported the canvas to {}", path.display()), false),
                    Err(e) => (e.to_string(), true),
                })
            }
            ExportKind::CanvasApng => {
                if self.apng.is_some() {
                    return Some((
                        "Export: an animation is being recorded already".into(),
                        true,
                    ));
                }
                let w = window.unwrap_or(Window {
                    from_s: 0.0,
                    to_s: src.snapshot.now_us as f64 / 1e6,
                    frames: 20,
                });
                let to_us = |s: f64| (s.max(0.0) * 1e6) as u64;
                match ApngPlan::new(
                    to_us(w.from_s),
                    to_us(w.to_s),
                    w.frames,
                    src.snapshot.now_us,
                ) {
                    Ok(plan) => {
                        self.apng = Some(ApngRecording {
                            plan,
                            path,
                            capture: None,
                        });
                        let message = self.record_apng(ctx, &src, actions);
                        message.or(Some(("Recording the animation…".to_string(), false)))
                    }
                    Err(e) => Some((format!("Export: {e}"), true)),
                }
            }
            ExportKind::CanvasPng => {
                let slot = Arc::new(Mutex::new(None));
                let out = slot.clone();
                let rect = src.canvas.last_rect();
                let waker = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let ppp = waker.pixels_per_point();
                    let cropped = image.region(&rect, Some(ppp));
                    let r = super::screenshot::write_png(&path, &cropped)
                        .map(|()| format!("Exported the canvas to {}", path.display()));
                    if let Ok(mut g) = out.lock() {
                        *g = Some(r);
                    }
                    waker.request_repaint();
                });
                self.png.push(slot);
                None
            }
            ExportKind::Timeline => {
                let Some(records) = src.trace.filter(|r| !r.is_empty()) else {
                    return Some((
                        "Export: select a trace first (click a dot or an invocation)".to_string(),
                        true,
                    ));
                };
                let mut set = SpanSet::new();
                for r in records {
                    set.add(r);
                }
                set.finish();
                let text = crate::export::otlp::to_json(&set, src.scenario).to_string();
                Some(match crate::export::write_file(&path, &text) {
                    Ok(()) => (
                        format!("Exported the timeline to {}", path.display()),
                        false,
                    ),
                    Err(e) => (e.to_string(), true),
                })
            }
            ExportKind::TraceJsonl | ExportKind::Perfetto | ExportKind::Otlp => {
                let (tx, rx) = bounded(1);
                let sc = src.scenario.clone();
                let until_us = src.snapshot.now_us;
                let faults = src.snapshot.faults.clone();
                let injections = src.snapshot.injections.clone();
                let waker = ctx.clone();
                let spawned = std::thread::Builder::new()
                    .name("eventflow-export".into())
                    .spawn(move || {
                        let recorded = Recorded {
                            faults: &faults,
                            injections: &injections,
                        };
                        let r = export_run(kind, &sc, until_us, recorded, &path);
                        let _ = tx.send(r);
                        waker.request_repaint();
                    });
                match spawned {
                    Ok(_) => {
                        self.jobs.push(rx);
                        Some(("Exporting…".to_string(), false))
                    }
                    Err(e) => Some((format!("Export: cannot start a thread: {e}"), true)),
                }
            }
        }
    }

    /// A finished export's message.
    fn poll(&mut self) -> Option<(String, bool)> {
        let mut message = None;
        self.jobs.retain(|rx| match rx.try_recv() {
            Ok(r) => {
                message = Some(to_message(r));
                false
            }
            Err(crossbeam_channel::TryRecvError::Empty) => true,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                message = Some((
                    "Export failed (the export thread stopped)".to_string(),
                    true,
                ));
                false
            }
        });
        self.png
            .retain(|slot| match slot.lock().ok().and_then(|mut g| g.take()) {
                Some(r) => {
                    message = Some(to_message(r));
                    false
                }
                None => true,
            });
        message
    }
}

fn to_message(r: Result<String, String>) -> (String, bool) {
    match r {
        Ok(m) => (m, false),
        Err(e) => (format!("Export failed: {e}"), true),
    }
}

/// Re-runs the scenario to `until_us` and writes it as `kind`.
fn export_run(
    kind: ExportKind,
    sc: &Arc<Scenario>,
    until_us: u64,
    recorded: Recorded<'_>,
    path: &Path,
) -> Result<String, String> {
    let records = crate::runner::rerun_trace(sc.clone(), until_us, recorded)?;
    let text = match kind {
        ExportKind::TraceJsonl => {
            let mut out = Vec::new();
            for r in &records {
                r.write_line(&mut out);
            }
            String::from_utf8(out).map_err(|e| e.to_string())?
        }
        ExportKind::Perfetto | ExportKind::Otlp => {
            let mut set = SpanSet::new();
            for r in &records {
                set.add(r);
            }
            set.finish();
            let json = if kind == ExportKind::Perfetto {
                crate::export::perfetto::to_json(&set, sc)
            } else {
                crate::export::otlp::to_json(&set, sc)
            };
            json.to_string()
        }
        ExportKind::Timeline
        | ExportKind::CanvasPng
        | ExportKind::CanvasSvg
        | ExportKind::CanvasApng => return Err("not a run export".to_string()),
    };
    crate::export::write_file(path, &text).map_err(|e| e.to_string())?;
    Ok(format!(
        "Exported {} records to {}",
        records.len(),
        path.display()
    ))
}

/// The animation's window in the dialog: from, to (virtual seconds, within what has been run) and frames.
fn window_fields(ui: &mut egui::Ui, w: &mut Window, horizon_s: f64) {
    ui.horizontal(|ui| {
        ui.label("From");
        ui.add(
            egui::DragValue::new(&mut w.from_s)
                .range(0.0..=horizon_s)
                .speed(0.1)
                .suffix(" s"),
        );
        ui.label("to");
        ui.add(
            egui::DragValue::new(&mut w.to_s)
                .range(0.0..=horizon_s)
                .speed(0.1)
                .suffix(" s"),
        );
        ui.label("frames");
        ui.add(egui::DragValue::new(&mut w.frames).range(2..=MAX_APNG_FRAMES));
    });
    ui.weak(format!(
        "Seeks the run to each frame's moment (re-running from t = 0 when it goes back), then back to the moment \
         shown; plays at {} frames a second.",
        1000 / APNG_FRAME_MS
    ));
}

/// `open --export-apng OUT --until S`: once the run stands paused at S (or has stood still short of it for
/// [`super::screenshot::STALL_WAIT`]), an animated PNG of the window from `from_us` to that moment is recorded as
/// File → Export records one (seeks, captures of the rendered canvas, the file written on a thread), then the
/// window closes. How it ended is left in [`AnimationPlan::result`].
pub struct AnimationPlan {
    out: PathBuf,
    from_us: u64,
    until_us: u64,
    frames: usize,
    queued: bool,
    stalled_since: Option<std::time::Instant>,
    /// Filled when the export ended; read by the command line after the window closes.
    pub result: Arc<Mutex<Option<Result<(), String>>>>,
}

impl AnimationPlan {
    pub fn new(out: PathBuf, from_us: u64, until_us: u64, frames: usize) -> AnimationPlan {
        AnimationPlan {
            out,
            from_us,
            until_us,
            frames,
            queued: false,
            stalled_since: None,
            result: Arc::new(Mutex::new(None)),
        }
    }

    /// One frame: start the export once the run stands at its moment; close the window once it has ended.
    pub fn step(&mut self, ctx: &Context, snap: &Snapshot, exports: &mut Exports) {
        if !self.queued {
            let still = !snap.playing && !snap.seeking;
            let stalled = if still {
                self.stalled_since
                    .get_or_insert_with(std::time::Instant::now)
                    .elapsed()
                    >= super::screenshot::STALL_WAIT
            } else {
                self.stalled_since = None;
                false
            };
            if still && (snap.now_us >= self.until_us || stalled) {
                exports.queue_apng(self.out.clone(), self.from_us, snap.now_us, self.frames);
                self.queued = true;
            }
        } else if !exports.busy() {
            let outcome = match exports.last_message() {
                Some((text, false)) if text.starts_with("Exported") => Ok(()),
                Some((text, _)) => Err(text.clone()),
                None => Err("the export ended without a message".to_string()),
            };
            if let Ok(mut g) = self.result.lock() {
                *g = Some(outcome);
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        ctx.request_repaint_after(std::time::Duration::from_millis(30));
    }
}

/// What an [`ApngPlan`] asks for next.
#[derive(Debug, Clone, PartialEq)]
pub enum ApngStep {
    /// Send the runner a seek to this moment.
    Seek(u64),
    /// The seek is under way (or the moment is not drawn yet): wait a frame.
    Wait,
    /// The canvas shows the frame's moment: capture it and give the image to [`ApngPlan::captured`].
    Capture,
    /// Every frame is captured: write them, then seek back to [`ApngPlan::restore_us`].
    Done,
    /// A seek never landed.
    Failed(String),
}

/// The frames of an animated PNG: evenly spaced moments of a time window, each seeked to, drawn and captured in
/// turn. It owns no runner and no screen: the app feeds it snapshots and captured images and does what it asks.
#[derive(Debug)]
pub struct ApngPlan {
    /// Each frame's moment, in order.
    pub times_us: Vec<u64>,
    /// The images captured so far.
    pub frames: Vec<ColorImage>,
    /// The moment shown before the recording, gone back to at the end.
    pub restore_us: u64,
    /// Whether the seek to the next frame's moment has been sent, and the frames waited since.
    seek_sent: bool,
    waited: u32,
}

impl ApngPlan {
    /// `frames` moments from `from_us` to `to_us` (both included).
    pub fn new(
        from_us: u64,
        to_us: u64,
        frames: usize,
        restore_us: u64,
    ) -> Result<ApngPlan, String> {
        if to_us <= from_us {
            return Err("the animation's window must end after it starts".to_string());
        }
        if !(2..=MAX_APNG_FRAMES).contains(&frames) {
            return Err(format!("an animation has 2 to {MAX_APNG_FRAMES} frames"));
        }
        let span = (to_us - from_us) as f64;
        let times_us = (0..frames)
            .map(|i| from_us + (span * i as f64 / (frames - 1) as f64).round() as u64)
            .collect();
        Ok(ApngPlan {
            times_us,
            frames: Vec::with_capacity(frames),
            restore_us,
            seek_sent: false,
            waited: 0,
        })
    }

    /// What to do in this frame, given the runner's last snapshot.
    pub fn step(&mut self, snap: &Snapshot) -> ApngStep {
        let Some(&t_us) = self.times_us.get(self.frames.len()) else {
            return ApngStep::Done;
        };
        if !self.seek_sent {
            self.seek_sent = true;
            self.waited = 0;
            return ApngStep::Seek(t_us);
        }
        self.waited += 1;
        // One frame at least after the seek was sent: the snapshot then is the runner's answer to it.
        if self.waited > 1 && !snap.seeking && !snap.playing && snap.now_us == t_us {
            return ApngStep::Capture;
        }
        if self.waited > APNG_SEEK_PATIENCE_FRAMES {
            return ApngStep::Failed(format!("the run did not reach {:.3} s", t_us as f64 / 1e6));
        }
        ApngStep::Wait
    }

    /// The capture of the current frame: on to the next.
    pub fn captured(&mut self, image: ColorImage) {
        if self.frames.len() < self.times_us.len() {
            self.frames.push(image);
            self.seek_sent = false;
        }
    }
}

/// Writes `frames` as an animated PNG (RGBA), each shown `frame_ms`, looping. Frames of another size than the
/// first (the window was resized while recording) are cut or padded to it.
pub fn write_apng(path: &Path, frames: &[ColorImage], frame_ms: u16) -> Result<(), String> {
    let first = frames.first().ok_or("no frames to write")?;
    let [w, h] = first.size;
    if w == 0 || h == 0 {
        return Err("the canvas was not on screen".to_string());
    }
    let n = u32::try_from(frames.len()).map_err(|_| "too many frames")?;
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_animated(n, 0).map_err(|e| e.to_string())?;
    enc.set_frame_delay(frame_ms, 1000)
        .map_err(|e| e.to_string())?;
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    for f in frames {
        let mut data = vec![0u8; w * h * 4];
        let [fw, fh] = f.size;
        for y in 0..h.min(fh) {
            for x in 0..w.min(fw) {
                let rgba = f.pixels[y * fw + x].to_srgba_unmultiplied();
                data[(y * w + x) * 4..(y * w + x) * 4 + 4].copy_from_slice(&rgba);
            }
        }
        writer.write_image_data(&data).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())
}

/// An SVG colour and its opacity.
fn svg_color(c: Color32) -> (String, f32) {
    let [r, g, b, a] = c.to_srgba_unmultiplied();
    (format!("#{r:02x}{g:02x}{b:02x}"), f32::from(a) / 255.0)
}

/// `fill="…"` (with `fill-opacity` when translucent), or the same for `stroke`.
fn paint(attr: &str, c: Color32) -> String {
    let (hex, alpha) = svg_color(c);
    if alpha < 1.0 {
        format!(r#"{attr}="{hex}" {attr}-opacity="{alpha:.3}""#)
    } else {
        format!(r#"{attr}="{hex}""#)
    }
}

/// Text for an SVG document: XML's five special characters escaped.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

fn points(route: &[Pos2]) -> String {
    route
        .iter()
        .map(|p| format!("{:.1},{:.1}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The canvas as an SVG document at zoom 1 (world units are SVG user units), in the colours of `visuals`: edges
/// under nodes, as the canvas draws them.
pub fn canvas_svg(d: &Drawing, visuals: &egui::Visuals) -> String {
    let mut bounds = Rect::NOTHING;
    for n in &d.nodes {
        bounds = bounds.union(n.rect);
    }
    for e in &d.edges {
        for p in &e.route {
            bounds.extend_with(*p);
        }
        if let Some((_, r)) = &e.label {
            bounds = bounds.union(*r);
        }
    }
    if !bounds.is_positive() {
        bounds = Rect::from_min_size(Pos2::ZERO, egui::vec2(100.0, 100.0));
    }
    let bounds = bounds.expand(20.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="{x:.1} {y:.1} {w:.1} {h:.1}" font-family="Ubuntu, 'Helvetica Neue', Arial, sans-serif">
<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {bg}/>"#,
        x = bounds.min.x,
        y = bounds.min.y,
        w = bounds.width(),
        h = bounds.height(),
        bg = paint("fill", visuals.extreme_bg_color),
    );
    let edge_color = visuals
        .widgets
        .noninteractive
        .fg_stroke
        .color
        .gamma_multiply(0.55);
    let weak = visuals.weak_text_color();
    out.push_str("<g class=\"edges\">\n");
    for e in &d.edges {
        let [.., p_prev, p1] = e.route.as_slice() else {
            continue;
        };
        let dir = (*p1 - *p_prev).normalized();
        let n = egui::vec2(-dir.y, dir.x);
        let head = 9.0;
        let arrow = [
            *p1,
            *p1 - dir * head + n * head * 0.45,
            *p1 - dir * head - n * head * 0.45,
        ];
        let _ = write!(
            out,
            r#"<g class="edge"><polyline points="{}" fill="none" {} stroke-width="1.4"/><polygon points="{}" {}/>"#,
            points(&e.route),
            paint("stroke", edge_color),
            points(&arrow),
            paint("fill", edge_color),
        );
        if let Some((label, r)) = &e.label {
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="3" {}/><text x="{:.1}" y="{:.1}" font-size="10.5" text-anchor="middle" dominant-baseline="central" {}>{}</text>"#,
                r.min.x,
                r.min.y,
                r.width(),
                r.height(),
                paint("fill", visuals.extreme_bg_color.gamma_multiply(0.85)),
                r.center().x,
                r.center().y,
                paint("fill", weak),
                xml_text(label),
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for (i, n) in d.nodes.iter().enumerate() {
        let r = n.rect;
        let color = style::type_color(n.kind);
        let text_x = r.min.x + 48.0;
        let _ = write!(
            out,
            r#"<g class="node" data-name="{name}"><clipPath id="clip{i}"><rect x="{tx:.1}" y="{y:.1}" width="{tw:.1}" height="{h:.1}"/></clipPath><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="6" {fill} {border} stroke-width="1"/><rect x="{x:.1}" y="{y:.1}" width="5" height="{h:.1}" {stripe}/><rect x="{ix:.1}" y="{iy:.1}" width="24" height="24" rx="5" {icon}/>"#,
            name = xml_text(&n.name),
            x = r.min.x,
            y = r.min.y,
            w = r.width(),
            h = r.height(),
            tx = text_x,
            tw = (r.max.x - text_x - 4.0).max(0.0),
            fill = paint("fill", visuals.panel_fill),
            border = paint("stroke", color.gamma_multiply(0.6)),
            stripe = paint("fill", color),
            ix = r.min.x + 15.0,
            iy = r.center().y - 12.0,
            icon = paint("fill", color.gamma_multiply(0.85)),
        );
        let _ = writeln!(
            out,
            r#"<text x="{tx:.1}" y="{ny:.1}" font-size="13" clip-path="url(#clip{i})" {text}>{name}</text><text x="{tx:.1}" y="{sy:.1}" font-size="10.5" clip-path="url(#clip{i})" {weak}>{sub}</text></g>"#,
            tx = text_x,
            // The canvas puts the name's top 8 points below the box's; SVG places the baseline (an ascent of
            // about 0.8 em lower; renderers differ on `dominant-baseline`).
            ny = r.min.y + 8.0 + 13.0 * 0.8,
            sy = r.max.y - 10.0,
            text = paint("fill", visuals.text_color()),
            weak = paint("fill", weak),
            name = xml_text(&n.name),
            sub = xml_text(&n.subtitle),
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_order() -> Arc<Scenario> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/new-order.json");
        Arc::new(crate::scenario::load_file(&path).expect("example loads"))
    }

    #[test]
    fn run_exports_write_the_re_run_in_each_format() {
        let sc = new_order();
        let scratch = tempfile::tempdir().expect("temp dir");
        let dir = scratch.path();
        let until_us = 20_000_000;
        let records =
            crate::runner::rerun_trace(sc.clone(), until_us, Recorded::default()).expect("runs");
        assert!(!records.is_empty());

        let jsonl = dir.join("t.trace.jsonl");
        export_run(
            ExportKind::TraceJsonl,
            &sc,
            until_us,
            Recorded::default(),
            &jsonl,
        )
        .expect("trace written");
        let text = std::fs::read_to_string(&jsonl).expect("readable");
        let mut expected = Vec::new();
        for r in &records {
            r.write_line(&mut expected);
        }
        assert_eq!(
            text.as_bytes(),
            expected.as_slice(),
            "the re-run's records, one JSON line each (as `run --trace` writes them)"
        );

        let perfetto = dir.join("t.perfetto.json");
        export_run(
            ExportKind::Perfetto,
            &sc,
            until_us,
            Recorded::default(),
            &perfetto,
        )
        .expect("perfetto written");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&perfetto).expect("readable"))
                .expect("JSON");
        assert!(v["traceEvents"].as_array().is_some_and(|a| !a.is_empty()));

        let otlp = dir.join("t.otlp.json");
        export_run(ExportKind::Otlp, &sc, until_us, Recorded::default(), &otlp)
            .expect("otlp written");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&otlp).expect("readable")).expect("JSON");
        assert!(v["resourceSpans"].as_array().is_some_and(|a| !a.is_empty()));

        // A path that cannot be written is an error, not a panic.
        let bad = dir.join("no-such-folder").join("x.json");
        assert!(export_run(ExportKind::Otlp, &sc, until_us, Recorded::default(), &bad).is_err());
    }

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(file_stem("Backpressure: a queue"), "backpressure--a-queue");
        assert_eq!(file_stem("***"), "eventflow");
    }

    #[test]
    fn the_canvas_svg_is_xml_with_one_element_per_node_and_edge() {
        let sc = new_order();
        let canvas = Canvas::new(&sc);
        let drawing = canvas.drawing(&Snapshot::default());
        assert!(drawing.nodes.len() >= 8 && !drawing.edges.is_empty());
        let svg = canvas_svg(&drawing, &egui::Visuals::dark());
        // To look at it: EVENTFLOW_TEST_SVG_OUT=/tmp/canvas.svg cargo test --lib the_canvas_svg.
        if let Some(out) = std::env::var_os("EVENTFLOW_TEST_SVG_OUT") {
            std::fs::write(out, &svg).expect("the copy is written");
        }
        assert!(
            drawing.edges.iter().any(|e| e.label.is_some()),
            "labels are placed as the canvas places them"
        );
        let mut reader = quick_xml::Reader::from_str(&svg);
        let (mut nodes, mut edges, mut names, mut depth) = (0, 0, Vec::new(), 0i32);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(e)) => {
                    depth += 1;
                    let class = e
                        .try_get_attribute("class")
                        .ok()
                        .flatten()
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    match class.as_deref() {
                        Some("node") => {
                            nodes += 1;
                            let name = e
                                .try_get_attribute("data-name")
                                .ok()
                                .flatten()
                                .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                            names.push(name.unwrap_or_default());
                        }
                        Some("edge") => edges += 1,
                        _ => {}
                    }
                }
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("the SVG is not XML: {e}"),
            }
        }
        assert_eq!(depth, 0, "every element is closed");
        assert_eq!(nodes, drawing.nodes.len(), "one element per node");
        assert_eq!(edges, drawing.edges.len(), "one element per edge");
        let expected: Vec<String> = drawing.nodes.iter().map(|n| n.name.clone()).collect();
        assert_eq!(names, expected);
        assert!(svg.contains(">ValidateOrder</text>"), "the names are drawn");
    }

    #[test]
    fn names_are_escaped_in_the_svg() {
        assert_eq!(
            xml_text(r#"a<b & "c"'"#),
            "a&lt;b &amp; &quot;c&quot;&apos;"
        );
    }

    /// A plain image of one colour.
    fn image(size: [usize; 2], c: Color32) -> ColorImage {
        ColorImage::new(size, vec![c; size[0] * size[1]])
    }

    #[test]
    fn an_animation_seeks_to_each_frame_captures_it_and_writes_an_apng_of_that_many_frames() {
        let mut plan = ApngPlan::new(1_000_000, 3_000_000, 5, 9_000_000).expect("a plan");
        assert_eq!(
            plan.times_us,
            vec![1_000_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000]
        );
        let mut snap = Snapshot {
            now_us: 9_000_000,
            ..Snapshot::default()
        };
        let mut seeks = Vec::new();
        for frame in 0..200 {
            match plan.step(&snap) {
                ApngStep::Seek(t) => {
                    seeks.push(t);
                    // The runner answers a frame later, first still seeking.
                    snap.seeking = true;
                }
                ApngStep::Wait => {
                    snap.seeking = false;
                    snap.now_us = *seeks.last().expect("a seek first");
                }
                ApngStep::Capture => {
                    assert_eq!(Some(&snap.now_us), seeks.last(), "captured at the moment");
                    let shade = (frame * 10 % 255) as u8;
                    plan.captured(image([8, 6], Color32::from_gray(shade)));
                }
                ApngStep::Done => break,
                ApngStep::Failed(why) => panic!("{why}"),
            }
        }
        assert_eq!(seeks, plan.times_us, "one seek per frame, in order");
        assert_eq!(plan.frames.len(), 5);
        assert_eq!(plan.restore_us, 9_000_000);

        let scratch = tempfile::tempdir().expect("temp dir");
        let dir = scratch.path();
        let path = dir.join("a.apng");
        // A frame of another size (a resized window) is cut to the first's.
        let mut frames = plan.frames.clone();
        frames.push(image([10, 4], Color32::RED));
        write_apng(&path, &frames, APNG_FRAME_MS).expect("written");
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&path).expect("readable"),
        ));
        let mut reader = decoder.read_info().expect("a PNG");
        let control = reader.info().animation_control.expect("an animated PNG");
        assert_eq!(control.num_frames, 6);
        let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
        let mut decoded = 0;
        while reader.next_frame(&mut buf).is_ok() {
            let info = reader.info().frame_control.expect("frame control");
            assert_eq!((info.width, info.height), (8, 6));
            assert_eq!((info.delay_num, info.delay_den), (APNG_FRAME_MS, 1000));
            decoded += 1;
            if decoded == 6 {
                break;
            }
        }
        assert_eq!(decoded, 6, "every frame decodes");
        assert_eq!(
            &buf[..4],
            &[255, 0, 0, 255],
            "the last frame is the red one"
        );
    }

    #[test]
    fn an_animation_window_must_be_sensible() {
        assert!(ApngPlan::new(5, 5, 10, 0).is_err());
        assert!(ApngPlan::new(0, 5, 1, 0).is_err());
        assert!(ApngPlan::new(0, 5, MAX_APNG_FRAMES + 1, 0).is_err());
        let mut plan = ApngPlan::new(0, 1_000, 2, 0).expect("a plan");
        // A seek that never lands fails instead of waiting for ever.
        let snap = Snapshot {
            seeking: true,
            ..Snapshot::default()
        };
        let mut last = ApngStep::Wait;
        for _ in 0..=APNG_SEEK_PATIENCE_FRAMES + 2 {
            last = plan.step(&snap);
            if matches!(last, ApngStep::Failed(_)) {
                break;
            }
        }
        assert!(matches!(last, ApngStep::Failed(_)), "{last:?}");
    }
}
