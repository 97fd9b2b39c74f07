//! UI frame benchmark: CPU time per frame of the real app (in egui_kittest, no GPU) with a 100-node scenario and
//! thousands of dots in flight, excluding the engine's own work; then the engine's events/s with the UI attached
//! (runner thread, real clock, UI draining every frame). The app is built by the shared test harness
//! (`eventflow::ui::testing`), as in the UI tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use eventflow::runner::Command;
use eventflow::ui::testing::TestApp;
use serde_json::{Value, json};

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

fn main() {
    let frames = 200;
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
    let (ui_total, worst, dots) = measure_frames(&mut h, frames);
    let nodes = h.state().node_count();
    println!(
        "ui_frame: {nodes} nodes, {:.0} dots in flight on average, {frames} frames: {:.2} ms/frame mean, {:.2} ms worst (UI only, engine excluded; target < 8 ms)",
        dots as f64 / frames as f64,
        ui_total.as_secs_f64() * 1e3 / frames as f64,
        worst.as_secs_f64() * 1e3
    );
    drop(h);

    // Issue 11's views on a big run: the timeline tab, then the ten-plot dashboard, while playing.
    views_case("Timeline", frames);
    views_case("Dashboard", frames);

    // Engine throughput with the UI attached: runner thread at full speed, the UI draining every frame.
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

/// CPU time per frame with a bottom-panel tab open (timeline or dashboard) on a run past 100,000 invocations.
fn views_case(tab: &str, frames: usize) {
    let mut app = TestApp::new();
    app.open_loaded(scenario(110.0));
    app.send(Command::SkipIdle(false));
    app.send(Command::SetSpeed(1000.0));
    app.send(Command::Play);
    app.show_tab(tab);
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
    let (ui_total, worst, _) = measure_frames(&mut h, frames);
    println!(
        "ui_frame with the {tab} tab: {} invocations, {frames} frames: {:.2} ms/frame mean, {:.2} ms worst (UI only; target < 8 ms)",
        h.state().invocation_count(),
        ui_total.as_secs_f64() * 1e3 / frames as f64,
        worst.as_secs_f64() * 1e3
    );
}

/// Steps `frames` frames of 16 ms and returns the UI's own CPU time in all (the engine's share of each frame
/// taken out), the worst frame, and the dots in flight summed over the frames.
fn measure_frames(h: &mut Harness<'_, TestApp>, frames: usize) -> (Duration, Duration, usize) {
    let mut ui_total = Duration::ZERO;
    let mut worst = Duration::ZERO;
    let mut dots = 0usize;
    for _ in 0..frames {
        h.state().advance(Duration::from_millis(16));
        let t = Instant::now();
        h.step();
        let ui = t
            .elapsed()
            .saturating_sub(h.state().engine_time_of_last_frame());
        ui_total += ui;
        worst = worst.max(ui);
        dots += h.state().dots_in_flight();
    }
    (ui_total, worst, dots)
}
