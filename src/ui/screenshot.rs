//! `open --screenshot`: after some wall time (or, with `--until`, once the run reaches a virtual time), capture
//! the window as a PNG, then close.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui;

use crate::runner::Snapshot;

/// With `--until`: how long the run may stand still short of the time before the screenshot is taken anyway.
pub const STALL_WAIT: Duration = Duration::from_secs(2);

/// A screenshot to take after some wall time, then quit (`open --screenshot`).
pub struct ScreenshotPlan {
    out: PathBuf,
    after: Duration,
    started: Option<Instant>,
    requested: bool,
    /// Take it once the run stands at this virtual time (`open --until`) instead of after `after`.
    until_us: Option<u64>,
    /// Since when the run has stood still short of `until_us` (a tour step waiting, an engine error).
    stalled_since: Option<Instant>,
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
            until_us: None,
            stalled_since: None,
            result: Arc::new(Mutex::new(None)),
        }
    }

    /// The screenshot is taken once the run is paused at virtual time `until_us` (the app asks the runner to
    /// pause there), or has stood still short of it for [`STALL_WAIT`] (nothing more will happen by itself).
    pub fn at_virtual_time(mut self, until_us: u64) -> ScreenshotPlan {
        self.until_us = Some(until_us);
        self
    }

    /// Whether the time has come, given the run's state `snap`.
    fn due(&mut self, started: Instant, snap: &Snapshot) -> bool {
        let Some(until_us) = self.until_us else {
            return started.elapsed() >= self.after;
        };
        if snap.now_us >= until_us && !snap.playing {
            return true;
        }
        if snap.playing || snap.seeking {
            self.stalled_since = None;
            return false;
        }
        let since = *self.stalled_since.get_or_insert_with(Instant::now);
        since.elapsed() >= STALL_WAIT
    }

    /// One frame of the plan: request the capture once the time has come; close the window once it is written.
    pub fn step(&mut self, ctx: &egui::Context, snap: &Snapshot) {
        let started = *self.started.get_or_insert_with(Instant::now);
        if let Ok(guard) = self.result.lock()
            && guard.is_some()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if !self.requested && self.due(started, snap) {
            self.requested = true;
            let out = self.out.clone();
            let result = self.result.clone();
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
