//! UI frame benchmark: CPU time per frame of the real app (in egui_kittest, no GPU) with a 100-node scenario and
//! thousands of dots in flight, excluding the engine's own work; then the engine's events/s with the UI attached
//! (runner thread, real clock, UI draining every frame). The app is built by the shared test harness
//! (`eventflow::ui::testing`), as in the UI tests.
//!
//! Frame times are CPU time of the UI thread (the kernel's count for the thread, `/proc/thread-self/schedstat`),
//! so other work on the machine does not inflate them. That count includes the inline runner's engine work of
//! each frame; the engine's own CPU time (the same count read before and after it, each frame) is printed as its
//! share, and the wall time with the engine taken out beside (the UI's own time on an idle machine). `UI_FRAME_CASES` (a comma
//! list of `canvas`, `timeline`, `dashboard`, `engine`) runs only some cases, for profiling one at a time.
//!
//! The Timeline and Dashboard cases run the app two ways (`UI_FRAME_DRIVERS`, a comma list, both by default):
//! `kittest`, in egui_kittest's harness, which turns egui's AccessKit tree on (the app pays for it only with a
//! screen reader attached) and does not tessellate; and `plain`, as eframe runs it: an `egui::Context` without
//! AccessKit, each frame's shapes tessellated into meshes (the GPU upload is not counted). Both step egui's clock
//! by the harness's 0.25 s.
//!
//! Profiling only the measured frames: `UI_FRAME_PERF_CTL=ctl.fifo UI_FRAME_PERF_ACK=ack.fifo` with
//! `perf record --control=fifo:ctl.fifo,ack.fifo -D -1 …` (perf starts disabled; the bench enables it for the
//! measured frames and disables it after).

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use eventflow::runner::Command;
use eventflow::ui::testing::TestApp;
use serde_json::{Value, json};

/// The allocator the `eventflow` binary uses (src/main.rs), so the figures are the app's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 5 buses × (9 rules → 9 functions) + 5 traffic sources = 100 nodes.
fn scenario(rate_per_s: f64) -> Arc<eventflow::scenario::Scenario> {
    let mut resources = serde_json::Map::new();
    let mut traffic = Vec::new();
    for b in 0..5 {
        resources.insert(format!("Bus{b}"), json!({ "type": "event_bus" }));
        for r in 0..9 {
            resources.insert(
                format!("Rule{b}_{r}"),
                json!({ "type": "rule", "bus": format!("Bus{b}"), "pattern": { "source": [format!("app.b{b}")] }, "targets": [format!("Fn{b}_{r}")] }),
            );
            resources.insert(
                format!("Fn{b}_{r}"),
                json!({ "type": "function", "duration_ms": 40 }),
            );
        }
        traffic.push(json!({ "name": format!("client{b}"), "to": format!("Bus{b}"), "poisson_per_s": rate_per_s,
            "event": { "source": format!("app.b{b}"), "detail-type": "Tick", "detail": { "n": "{{seq}}" } } }));
    }
    let doc: Value = json!({ "format": "eventflow/1", "name": "bench 100 nodes", "settings": { "seed": 1, "until_s": 100000 },
        "resources": resources, "traffic": traffic });
    let text = serde_json::to_string(&doc).expect("json");
    Arc::new(
        eventflow::scenario::load_str(&text, "bench.json", None).expect("bench scenario loads"),
    )
}

/// Whether the case `name` is to run (`UI_FRAME_CASES` unset: every case).
fn wanted(name: &str) -> bool {
    std::env::var("UI_FRAME_CASES").map_or(true, |v| v.split(',').any(|c| c.trim() == name))
}

/// CPU time this thread has run, from the kernel's scheduler statistics (`None` where there are none).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Whether the driver `name` is to run (`UI_FRAME_DRIVERS` unset: both).
fn driver_wanted(name: &str) -> bool {
    std::env::var("UI_FRAME_DRIVERS").map_or(true, |v| v.split(',').any(|c| c.trim() == name))
}

/// Tells perf (through its control fifo, `UI_FRAME_PERF_CTL`) to `enable` or `disable` sampling, and waits for
/// its answer on `UI_FRAME_PERF_ACK` when given. Nothing without the variable.
fn perf_control(command: &str) {
    use std::io::{Read, Write};
    let Ok(ctl) = std::env::var("UI_FRAME_PERF_CTL") else {
        return;
    };
    if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&ctl) {
        let _ = f.write_all(format!("{command}\n").as_bytes());
    }
    if let Ok(ack) = std::env::var("UI_FRAME_PERF_ACK")
        && let Ok(mut f) = std::fs::File::open(ack)
    {
        let mut answer = [0u8; 5];
        let _ = f.read_exact(&mut answer);
    }
}

fn main() {
    let frames = 200;
    if wanted("canvas") {
        canvas_case(frames);
    }
    // Issue 11's views on a big run: the timeline tab, then the ten-plot dashboard, while playing.
    for tab in ["Timeline", "Dashboard"] {
        if wanted(&tab.to_lowercase()) {
            if driver_wanted("kittest") {
                views_case(tab, frames);
            }
            if driver_wanted("plain") {
                plain_views_case(tab, frames);
            }
        }
    }
    if wanted("engine") {
        engine_case();
    }
}

/// CPU time per frame of the canvas with ~4,600 dots in flight.
fn canvas_case(frames: usize) {
    let mut app = TestApp::new();
    app.open_loaded(scenario(110.0));
    app.send(Command::SkipIdle(false));
    app.send(Command::Play);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut TestApp| app.frame(ui), app);
    // Warm up until the dots reach a steady state.
    for _ in 0..90 {
        h.state().advance(Duration::from_millis(16));
        h.step();
    }
    let m = measure_frames(&mut h, frames);
    let nodes = h.state().node_count();
    println!(
        "ui_frame: {nodes} nodes, {:.0} dots in flight on average, {frames} frames: {} (target < 8 ms)",
        m.dots as f64 / frames as f64,
        m.describe(frames),
    );
}

/// Engine throughput with the UI attached: runner thread at full speed, the UI draining every frame.
fn engine_case() {
    let mut app = TestApp::threaded();
    app.open_loaded(scenario(2000.0));
    app.send(Command::SetSpeed(1000.0));
    app.send(Command::SkipIdle(false));
    app.send(Command::Play);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut TestApp| app.frame(ui), app);
    let start = Instant::now();
    let mut n_frames = 0;
    while start.elapsed() < Duration::from_secs(4) {
        h.step();
        n_frames += 1;
    }
    let s = h.state().snapshot();
    println!(
        "engine with UI attached: {} events in {:.1} s wall = {:.0} events/s (runner's own last-window figure {:.0} events/s); {n_frames} UI frames, {} invocations logged",
        s.events_processed,
        start.elapsed().as_secs_f64(),
        s.events_processed as f64 / start.elapsed().as_secs_f64(),
        s.events_per_s,
        h.state().invocation_count()
    );
}

/// The 100-node scenario playing at 1000× (idle time not skipped) with the bottom-panel tab `tab` open.
fn playing_with_tab(tab: &str) -> TestApp {
    let mut app = TestApp::new();
    app.open_loaded(scenario(110.0));
    app.send(Command::SkipIdle(false));
    app.send(Command::SetSpeed(1000.0));
    app.send(Command::Play);
    app.show_tab(tab);
    app
}

/// CPU time per frame with a bottom-panel tab open (timeline or dashboard) on a run past 100,000 invocations.
fn views_case(tab: &str, frames: usize) {
    let app = playing_with_tab(tab);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_accessibility_check(false)
        .build_ui_state(|ui, app: &mut TestApp| app.frame(ui), app);
    // Play until the log holds 100,000 invocations (the inline runner does at most 20,000 events a frame).
    for _ in 0..3000 {
        if h.state().invocation_count() >= 100_000 {
            break;
        }
        h.state().advance(Duration::from_millis(100));
        h.step();
    }
    h.state_mut().send(Command::SetSpeed(1.0));
    let m = measure_frames(&mut h, frames);
    println!(
        "ui_frame with the {tab} tab (kittest, AccessKit on): {} invocations, {frames} frames: {} (target < 8 ms)",
        h.state().invocation_count(),
        m.describe(frames),
    );
}

/// The app as eframe drives it, without egui_kittest: an `egui::Context` with AccessKit off, each frame's
/// shapes tessellated.
struct Plain {
    ctx: egui::Context,
    app: TestApp,
    size: egui::Vec2,
}

impl Plain {
    fn new(app: TestApp) -> Plain {
        Plain {
            ctx: egui::Context::default(),
            app,
            size: egui::vec2(1600.0, 1000.0),
        }
    }

    /// One frame: the app's UI, then tessellation (what eframe does on the UI thread before painting).
    fn step(&mut self) {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, self.size)),
            predicted_dt: 0.25,
            ..Default::default()
        };
        let app = &mut self.app;
        let mut out = self.ctx.run_ui(input, |ui| app.frame(ui));
        let meshes = self
            .ctx
            .tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
        std::hint::black_box(meshes);
        out.drop_without_applying_deltas();
    }
}

/// [`views_case`] with the app driven as eframe drives it ([`Plain`]).
fn plain_views_case(tab: &str, frames: usize) {
    let app = playing_with_tab(tab);
    let mut p = Plain::new(app);
    for _ in 0..3000 {
        if p.app.invocation_count() >= 100_000 {
            break;
        }
        p.app.advance(Duration::from_millis(100));
        p.step();
    }
    p.app.send(Command::SetSpeed(1.0));
    let m = measure_frames(&mut p, frames);
    println!(
        "ui_frame with the {tab} tab (plain context as eframe, AccessKit off, tessellated): {} invocations, {frames} frames: {} (target < 8 ms)",
        p.app.invocation_count(),
        m.describe(frames),
    );
}

/// What [`measure_frames`] steps: the harness or the plain context.
trait Frames {
    fn app(&mut self) -> &mut TestApp;
    fn step(&mut self);
}

impl Frames for Harness<'_, TestApp> {
    fn app(&mut self) -> &mut TestApp {
        self.state_mut()
    }
    fn step(&mut self) {
        Harness::step(self);
    }
}

impl Frames for Plain {
    fn app(&mut self) -> &mut TestApp {
        &mut self.app
    }
    fn step(&mut self) {
        Plain::step(self);
    }
}

/// What [`measure_frames`] measured: CPU time of the thread in all (UI and the inline engine), the engine's share
/// and the worst frame, wall time with the engine's share of each frame taken out, and the dots in flight summed
/// over the frames.
struct Measured {
    cpu_total: Option<Duration>,
    engine_cpu: Option<Duration>,
    cpu_worst: Duration,
    wall_total: Duration,
    dots: usize,
}

impl Measured {
    fn describe(&self, frames: usize) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        match self.cpu_total {
            Some(cpu) => format!(
                "{:.2} ms CPU/frame mean, {:.2} ms worst (engine included: {} of it; {:.2} ms wall/frame without it)",
                ms(cpu) / frames as f64,
                ms(self.cpu_worst),
                self.engine_cpu
                    .map_or("not measured".to_string(), |e| format!(
                        "{:.2} ms CPU, UI {:.2} ms",
                        ms(e) / frames as f64,
                        ms(cpu.saturating_sub(e)) / frames as f64
                    )),
                ms(self.wall_total) / frames as f64
            ),
            None => format!(
                "{:.2} ms wall/frame mean (no CPU clock here)",
                ms(self.wall_total) / frames as f64
            ),
        }
    }
}

/// Steps `frames` frames of 16 ms and measures them (see [`Measured`]).
fn measure_frames(h: &mut impl Frames, frames: usize) -> Measured {
    h.app().measure_engine_cpu();
    let mut m = Measured {
        cpu_total: thread_cpu().map(|_| Duration::ZERO),
        engine_cpu: Some(Duration::ZERO),
        cpu_worst: Duration::ZERO,
        wall_total: Duration::ZERO,
        dots: 0,
    };
    perf_control("enable");
    for _ in 0..frames {
        h.app().advance(Duration::from_millis(16));
        let cpu_before = thread_cpu();
        let t = Instant::now();
        h.step();
        let engine = h.app().engine_time_of_last_frame();
        m.wall_total += t.elapsed().saturating_sub(engine);
        m.engine_cpu = match (m.engine_cpu, h.app().engine_cpu_of_last_frame()) {
            (Some(sum), Some(e)) => Some(sum + e),
            _ => None,
        };
        if let (Some(total), Some(a), Some(b)) = (&mut m.cpu_total, cpu_before, thread_cpu()) {
            let cpu = b.saturating_sub(a);
            *total += cpu;
            m.cpu_worst = m.cpu_worst.max(cpu);
        }
        m.dots += h.app().dots_in_flight();
    }
    perf_control("disable");
    m
}
