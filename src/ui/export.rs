//! File → Export from the app: the run's trace (JSON Lines), Perfetto and OTLP files (the writers of
//! [`crate::export`], as `eventflow run --perfetto/--otlp` uses them), the timeline of the selected trace (OTLP,
//! opens as a waterfall in Jaeger), and a PNG of the canvas.
//!
//! The app keeps no full copy of the run's records, so a trace export re-runs the scenario from t = 0 to the
//! moment shown ([`crate::runner::rerun_trace`]: deterministic, so it is the same run — test events sent by hand
//! are not part of it) on a thread of its own, and reports back through a channel: the UI never waits. The PNG is
//! a crop of the next rendered frame to the canvas's rectangle.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, bounded};
use eframe::egui::{self, Context, Rect};

use crate::export::SpanSet;
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
}

impl ExportKind {
    pub const ALL: [ExportKind; 5] = [
        ExportKind::TraceJsonl,
        ExportKind::Perfetto,
        ExportKind::Otlp,
        ExportKind::Timeline,
        ExportKind::CanvasPng,
    ];

    /// The menu entry.
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::TraceJsonl => "Trace (JSON Lines)…",
            ExportKind::Perfetto => "Perfetto / Chrome trace…",
            ExportKind::Otlp => "OTLP JSON (Jaeger)…",
            ExportKind::Timeline => "Timeline of the selected trace (OTLP)…",
            ExportKind::CanvasPng => "Canvas as PNG…",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            ExportKind::TraceJsonl => ".trace.jsonl",
            ExportKind::Perfetto => ".perfetto.json",
            ExportKind::Otlp => ".otlp.json",
            ExportKind::Timeline => ".timeline.otlp.json",
            ExportKind::CanvasPng => ".png",
        }
    }
}

/// What an export needs from the app when it starts.
pub struct ExportSource<'a> {
    pub scenario: &'a Arc<Scenario>,
    pub now_us: u64,
    /// The fault changes the run applied (the Experiments panel): a re-run applies them at the same moments.
    pub faults: &'a [crate::runner::RecordedFault],
    /// The selected trace's records (for [`ExportKind::Timeline`]).
    pub trace: Option<&'a [TraceRecord]>,
    /// Where the canvas was drawn, in points.
    pub canvas_rect: Rect,
}

/// Where a canvas PNG's outcome arrives (filled by the screenshot callback).
type PngSlot = Arc<Mutex<Option<Result<String, String>>>>;

/// The export dialog (a path to write to) and the exports under way.
#[derive(Default)]
pub struct Exports {
    dialog: Option<(ExportKind, String)>,
    jobs: Vec<Receiver<Result<String, String>>>,
    png: Vec<PngSlot>,
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
    /// Opens the dialog for `kind`, proposing a file next to the scenario (or in the working folder).
    pub fn ask(&mut self, kind: ExportKind, sc: &Scenario) {
        let dir = sc
            .file
            .as_ref()
            .and_then(|f| f.parent().map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let path = dir.join(format!("{}{}", file_stem(&sc.name), kind.suffix()));
        self.dialog = Some((kind, path.display().to_string()));
    }

    /// Whether an export is being written.
    pub fn busy(&self) -> bool {
        !self.jobs.is_empty() || !self.png.is_empty()
    }

    /// Shows the dialog; starts the export when confirmed. Returns a message for the status line (text, is an
    /// error) when an export finished or could not start.
    pub fn show(
        &mut self,
        ctx: &Context,
        source: Option<ExportSource<'_>>,
    ) -> Option<(String, bool)> {
        let mut message = None;
        if let Some((kind, path)) = &mut self.dialog {
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
                    if kind != ExportKind::CanvasPng && kind != ExportKind::Timeline {
                        ui.weak("Re-runs the scenario from t = 0 to the moment shown (test events sent by hand are not included).");
                    }
                    ui.horizontal(|ui| {
                        go = ui.button("Export").clicked();
                        cancel = ui.button("Cancel").clicked();
                    });
                });
            if go {
                let path = PathBuf::from(path.trim());
                self.dialog = None;
                match source {
                    Some(src) => message = self.start(ctx, kind, path, src),
                    None => message = Some(("Nothing is open to export".to_string(), true)),
                }
            } else if cancel {
                self.dialog = None;
            }
        }
        message.or_else(|| self.poll())
    }

    fn start(
        &mut self,
        ctx: &Context,
        kind: ExportKind,
        path: PathBuf,
        src: ExportSource<'_>,
    ) -> Option<(String, bool)> {
        if path.as_os_str().is_empty() {
            return Some(("Export: give a file to write".to_string(), true));
        }
        match kind {
            ExportKind::CanvasPng => {
                let slot = Arc::new(Mutex::new(None));
                let out = slot.clone();
                let rect = src.canvas_rect;
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
                let until_us = src.now_us;
                let faults = src.faults.to_vec();
                let waker = ctx.clone();
                let spawned = std::thread::Builder::new()
                    .name("eventflow-export".into())
                    .spawn(move || {
                        let r = export_run(kind, &sc, until_us, &faults, &path);
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
    faults: &[crate::runner::RecordedFault],
    path: &Path,
) -> Result<String, String> {
    let records = crate::runner::rerun_trace(sc.clone(), until_us, faults)?;
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
        ExportKind::Timeline | ExportKind::CanvasPng => return Err("not a run export".to_string()),
    };
    crate::export::write_file(path, &text).map_err(|e| e.to_string())?;
    Ok(format!(
        "Exported {} records to {}",
        records.len(),
        path.display()
    ))
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
        let dir = std::env::temp_dir().join(format!("eventflow-app-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let until_us = 20_000_000;
        let records = crate::runner::rerun_trace(sc.clone(), until_us, &[]).expect("runs");
        assert!(!records.is_empty());

        let jsonl = dir.join("t.trace.jsonl");
        export_run(ExportKind::TraceJsonl, &sc, until_us, &[], &jsonl).expect("trace written");
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
        export_run(ExportKind::Perfetto, &sc, until_us, &[], &perfetto).expect("perfetto written");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&perfetto).expect("readable"))
                .expect("JSON");
        assert!(v["traceEvents"].as_array().is_some_and(|a| !a.is_empty()));

        let otlp = dir.join("t.otlp.json");
        export_run(ExportKind::Otlp, &sc, until_us, &[], &otlp).expect("otlp written");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&otlp).expect("readable")).expect("JSON");
        assert!(v["resourceSpans"].as_array().is_some_and(|a| !a.is_empty()));

        // A path that cannot be written is an error, not a panic.
        let bad = dir.join("no-such-folder").join("x.json");
        assert!(export_run(ExportKind::Otlp, &sc, until_us, &[], &bad).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(file_stem("Backpressure: a queue"), "backpressure--a-queue");
        assert_eq!(file_stem("***"), "eventflow");
    }
}
