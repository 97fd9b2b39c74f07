//! UI tests: drive the real app without a display (egui_kittest), with a manual clock and an inline runner.

use std::sync::Arc;
use std::time::Duration;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use eventflow::runner::ManualClock;
use eventflow::ui::{ClockChoice, EventflowApp, Prefs};

fn app_with(file: &str, text: &str) -> (EventflowApp, ManualClock) {
    let clock = ManualClock::default();
    let mut app = EventflowApp::new(
        &egui::Context::default(),
        ClockChoice::Manual(clock.clone()),
        Prefs::default(),
    );
    app.set_autoplay(false);
    let sc = eventflow::scenario::load_str(text, file, None).expect("example loads");
    app.open_loaded(Arc::new(sc));
    (app, clock)
}

fn harness(app: EventflowApp) -> Harness<'static, EventflowApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut EventflowApp| app.frame(ui), app)
}

#[test]
fn play_shows_invocations_and_the_inspector_shows_their_event() {
    let (app, clock) = app_with(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
    );
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Play").click();
    for _ in 0..200 {
        clock.advance(Duration::from_millis(50));
        h.run_steps(1);
        if h.state()
            .log
            .rows
            .iter()
            .filter(|r| r.status.is_some())
            .count()
            >= 2
        {
            break;
        }
    }
    let rows = h.state().log.rows.len();
    assert!(rows >= 2, "invocations appear in the log (got {rows})");
    let request_id = h.state().log.rows[0].request_id.clone();
    h.get_by_label_contains(&request_id).click();
    h.run_steps(2);
    // The inspector shows the EventBridge envelope the function received.
    h.get_by_label(r#"source: "com.example.orders""#);
    h.get_by_label(r#"detail-type: "New Order""#);
    h.get_by_label_contains("Invocation of ValidateOrder");

    // Pause, then step one event at a time.
    h.get_by_label("Pause").click();
    h.run_steps(2);
    assert!(!h.state().snap.playing);
    let before = h.state().snap.events_processed;
    clock.advance(Duration::from_millis(500));
    h.run_steps(2);
    assert_eq!(
        h.state().snap.events_processed,
        before,
        "paused time does not move"
    );
    h.get_by_label("Step").click();
    h.run_steps(2);
    assert_eq!(h.state().snap.events_processed, before + 1);
}

#[test]
fn filtering_and_searching_do_not_break_with_no_rows() {
    let (app, _clock) = app_with(
        "api-hello.json",
        include_str!("../assets/scenarios/api-hello.json"),
    );
    let mut h = harness(app);
    h.run_steps(3);
    h.get_by_label_contains("0 of 0");
}

#[test]
fn screenshot_smoke_under_xvfb() {
    let has_xvfb = std::process::Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_xvfb {
        eprintln!("skipped: xvfb-run is not installed");
        return;
    }
    let out = std::env::temp_dir().join(format!("eventflow-smoke-{}.png", std::process::id()));
    let status = std::process::Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1024x700x24",
            env!("CARGO_BIN_EXE_eventflow"),
            "open",
        ])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/scenarios/api-hello.json"
        ))
        .arg("--screenshot")
        .arg(&out)
        .args(["--after", "1", "--size", "1000x640"])
        .status()
        .expect("runs");
    assert!(status.success(), "exit status {status:?}");
    let bytes = std::fs::read(&out).expect("png written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let _ = std::fs::remove_file(&out);
}

#[test]
fn no_display_exits_2() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eventflow"))
        .args([
            "open",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/scenarios/api-hello.json"
            ),
        ])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no display"));
}
