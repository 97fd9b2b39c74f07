//! `open --screenshot`: after some wall time, capture the window as a PNG, then close.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui;

/// A screenshot to take after some wall time, then quit (`open --screenshot`).
pub struct ScreenshotPlan {
    out: PathBuf,
    after: Duration,
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

    /// One frame of the plan: request the capture once the time has come; close the window once it is written.
    pub fn step(&mut self, ctx: &egui::Context) {
        let started = *self.started.get_or_insert_with(Instant::now);
        if let Ok(guard) = self.result.lock()
            && guard.is_some()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if !self.requested && started.elapsed() >= self.after {
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
