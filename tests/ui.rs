//! UI tests: drive the real app without a display (egui_kittest) through the shared harness
//! (`eventflow::ui::testing`): a manual clock and an inline runner. Frames run until the UI is stable
//! (`Harness::run`) while paused; while playing, the clock moves and frames run until the awaited state shows.

use std::time::Duration;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use eventflow::runner::Command;
use eventflow::ui::testing::TestApp;

/// Most frames a test plays while waiting for something to happen.
const MAX_PLAY_FRAMES: usize = 400;

fn app_with(file: &str, text: &str) -> TestApp {
    let mut app = TestApp::new();
    app.open_text(text, file).expect("example loads");
    app
}

fn harness(app: TestApp) -> Harness<'static, TestApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut TestApp| app.frame(ui), app)
}

/// Plays in steps of `step` of wall time, one frame each, until `done` (at most [`MAX_PLAY_FRAMES`] frames).
fn play_until(h: &mut Harness<'static, TestApp>, step: Duration, done: impl Fn(&TestApp) -> bool) {
    for _ in 0..MAX_PLAY_FRAMES {
        if done(h.state()) {
            return;
        }
        h.state().advance(step);
        h.step();
    }
}

#[test]
fn play_shows_invocations_and_the_inspector_shows_their_event() {
    let app = app_with(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
    );
    let mut h = harness(app);
    h.run();
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(50), |a| {
        a.finished_invocations() >= 2
    });
    let rows = h.state().invocations().len();
    assert!(rows >= 2, "invocations appear in the log (got {rows})");
    // Pause (while playing the app repaints every frame: it never settles), then inspect.
    h.get_by_label("Pause").click();
    h.run();
    assert!(!h.state().snapshot().playing);
    let request_id = h.state().invocations()[0].request_id.clone();
    h.get_by_label_contains(&request_id).click();
    h.run();
    // The inspector shows the EventBridge envelope the function received.
    h.get_by_label(r#"source: "com.example.orders""#);
    h.get_by_label(r#"detail-type: "New Order""#);
    h.get_by_label_contains("Invocation of ValidateOrder");

    // Paused, then step one event at a time.
    let before = h.state().snapshot().events_processed;
    h.state().advance(Duration::from_millis(500));
    h.run();
    assert_eq!(
        h.state().snapshot().events_processed,
        before,
        "paused time does not move"
    );
    h.get_by_label("Step").click();
    h.run();
    assert_eq!(h.state().snapshot().events_processed, before + 1);
}

#[test]
fn canvas_nodes_are_found_by_label_and_clicked() {
    let app = app_with(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
    );
    let mut h = harness(app);
    h.run();
    let node = h.get_by_label("ValidateOrder");
    assert_eq!(node.accesskit_node().role(), egui::accesskit::Role::Button);
    assert_ne!(node.accesskit_node().is_selected(), Some(true));
    node.click();
    h.run();
    // The inspector shows the node (its name is now a heading too), and the node says it is selected.
    let selected: Vec<_> = h
        .get_all_by_label("ValidateOrder")
        .filter(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .collect();
    assert_eq!(selected.len(), 1);
    assert_eq!(selected[0].accesskit_node().is_selected(), Some(true));
    h.get_by_label("Lambda function");
}

#[test]
fn filtering_and_searching_do_not_break_with_no_rows() {
    let app = app_with(
        "api-hello.json",
        include_str!("../assets/scenarios/api-hello.json"),
    );
    let mut h = harness(app);
    h.run();
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

/// Plays in steps of `step` of wall time, one frame each, until a widget labelled `label` shows (at most
/// `max_frames` frames); then lets the app settle.
fn play_until_label(h: &mut Harness<'static, TestApp>, step: Duration, label: &str) {
    const MAX_TOUR_FRAMES: usize = 2_000;
    for _ in 0..MAX_TOUR_FRAMES {
        if h.query_by_label(label).is_some() {
            h.run();
            return;
        }
        h.state().advance(step);
        h.step();
    }
    panic!("{label:?} never showed in {MAX_TOUR_FRAMES} frames");
}

/// The shown step: its progress line and title, and whether Next is enabled.
fn assert_tour_step(
    h: &Harness<'static, TestApp>,
    progress: &str,
    title: &str,
    next_enabled: bool,
) {
    h.get_by_label(progress);
    h.get_by_label(title);
    let next = h.get_by_label("Next");
    assert_eq!(
        next.accesskit_node().is_disabled(),
        !next_enabled,
        "Next enabled on {title:?}"
    );
}

#[test]
fn a_learner_follows_the_poison_message_tour_to_its_end() {
    let mut app = TestApp::new();
    app.open_example("poison-message-dlq.json")
        .expect("the lesson is built in");
    let mut h = harness(app);
    h.run();
    // The tour opens on its first step; the next one waits for the run, so Next waits too.
    assert_tour_step(
        &h,
        "Step 1 of 4",
        "A payment queue with one poison message",
        false,
    );
    h.get_by_label("Waiting for the next moment of the run — press Play.");
    assert!(h.get_by_label("Back").accesskit_node().is_disabled());

    let waiting_steps = [
        ("Step 2 of 4", "The poison message fails"),
        ("Step 3 of 4", "It comes back"),
        ("Step 4 of 4", "Moved to the dead-letter queue"),
    ];
    for (progress, title) in waiting_steps {
        assert!(!h.state().snapshot().playing);
        h.get_by_label("Play").click();
        h.step();
        h.step();
        assert!(
            h.state().snapshot().playing || h.query_by_label(title).is_some(),
            "Play plays before {title:?}"
        );
        play_until_label(&mut h, Duration::from_millis(100), title);
        assert!(
            !h.state().snapshot().playing,
            "the run paused when {title:?} was reached"
        );
        assert_tour_step(&h, progress, title, false);
    }
    h.get_by_label("End of the tour.");
    // The last step's question, then its answer on request.
    h.get_by_label_contains("Question: Why does AWS recommend");
    h.get_by_label("Show answer").click();
    h.run();
    h.get_by_label_contains("A message can fail for reasons that are not its fault");

    // Back shows earlier steps without rewinding the run; Next comes forward again.
    let now_us = h.state().snapshot().now_us;
    h.get_by_label("Back").click();
    h.run();
    assert_tour_step(&h, "Step 3 of 4", "It comes back", true);
    h.get_by_label("Back").click();
    h.run();
    assert_tour_step(&h, "Step 2 of 4", "The poison message fails", true);
    h.get_by_label("Show answer");
    h.get_by_label("Next").click();
    h.get_by_label("Next").click();
    h.run();
    assert_tour_step(&h, "Step 4 of 4", "Moved to the dead-letter queue", false);
    assert_eq!(
        h.state().snapshot().now_us,
        now_us,
        "Back and Next leave the run alone"
    );

    // Reset restarts the tour with the run.
    h.get_by_label("Reset").click();
    h.run();
    assert_tour_step(
        &h,
        "Step 1 of 4",
        "A payment queue with one poison message",
        false,
    );
}

/// One function fed once by traffic whose payload holds placeholders; the run is over after a second.
const PLACEHOLDER_FLOW: &str = r#"{
  "format": "eventflow/1",
  "name": "Placeholders",
  "settings": { "seed": 1, "until_s": 1 },
  "resources": {
    "Worker": { "type": "function", "duration_ms": 5, "cold_start_ms": 0 }
  },
  "traffic": [
    { "to": "Worker", "at_s": 0, "payload": { "n": "{{seq}}", "order": "o-{{seq}}", "qty": "{{rand_int:2:2}}" } }
  ]
}"#;

/// The placeholder flow, played until its one invocation has finished and the run has ended.
fn placeholder_flow_played_to_its_end() -> Harness<'static, TestApp> {
    let mut h = harness(app_with("placeholders.json", PLACEHOLDER_FLOW));
    h.run();
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(100), |a| {
        !a.snapshot().playing && a.finished_invocations() == 1
    });
    h.run();
    h
}

/// Issue 17 items 3 and 4: "Send a test event" after the run has ended expands the sample's placeholders as
/// traffic does, and the run goes on past its end so the event is processed and shows in the log.
#[test]
fn test_event_after_the_end_expands_placeholders_and_is_processed() {
    let mut h = placeholder_flow_played_to_its_end();
    assert!(!h.state().snapshot().playing, "the run has ended");
    h.get_by_label_contains("finished");
    let node = h
        .get_all_by_label("Worker")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .expect("the Worker node");
    node.click();
    h.run();
    h.get_by_label("Send a test event…").click();
    h.run();
    h.get_by_label("Send").click();
    // Sending plays on: the app repaints while it plays, so it is stepped, not run until it settles.
    h.step();
    h.get_by_label_contains("plays on past its end");
    play_until(&mut h, Duration::from_millis(100), |a| {
        a.finished_invocations() == 2
    });
    let rows = h.state().invocations();
    assert_eq!(rows.len(), 2, "the test event was processed after the end");
    let event = &rows[1].event;
    assert_eq!(event["n"], serde_json::json!(1), "{event}");
    assert_eq!(event["order"], serde_json::json!("o-1"), "{event}");
    assert_eq!(event["qty"], serde_json::json!(2), "{event}");
}

/// Issue 17 item 12: Reset goes back to t = 0 paused (it never starts playing), and Play on a finished run
/// starts it again instead of doing nothing.
#[test]
fn reset_stays_paused_and_play_after_finished_restarts() {
    let mut h = placeholder_flow_played_to_its_end();
    h.get_by_label_contains("finished");
    let finished_generation = h.state().snapshot().generation;

    h.get_by_label("Play").click();
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.state().snapshot().generation > finished_generation,
        "Play on a finished run starts it again"
    );
    play_until(&mut h, Duration::from_millis(100), |a| {
        !a.snapshot().playing && a.finished_invocations() == 1
    });
    assert_eq!(
        h.state().invocations().len(),
        1,
        "the new run ran once more"
    );

    h.get_by_label("Play").click();
    h.step();
    h.step();
    assert!(h.state().snapshot().playing);
    h.get_by_label("Reset").click();
    h.run();
    let snap = h.state().snapshot();
    assert!(!snap.playing, "Reset does not start playing");
    assert_eq!(snap.now_us, 0);
    h.get_by_label("Play");
}

/// Issue 17 item 5: a log filter naming a function of the old scenario is dropped when another is opened (the
/// new flow's log would show "0 of N" until reset); the filter's label comes before its dropdown.
#[test]
fn log_function_filter_resets_when_another_scenario_opens() {
    let mut h = harness(app_with(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
    ));
    h.run();
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(50), |a| {
        a.finished_invocations() >= 2
    });
    h.get_by_label("Pause").click();
    h.run();
    let function_filter = |h: &Harness<'static, TestApp>| {
        h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "function")
            .value()
            .unwrap_or_default()
    };
    let function_label = h
        .get_by_role_and_label(egui::accesskit::Role::Label, "function")
        .rect();
    let dropdown = h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "function");
    assert!(
        function_label.max.x <= dropdown.rect().min.x,
        "the label is left of its dropdown"
    );
    assert_eq!(function_filter(&h), "all functions");
    dropdown.click();
    h.run();
    // The dropdown's entry, not the canvas node of the same name: the one under the dropdown.
    let below = h
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "function")
        .rect()
        .max
        .y;
    h.get_all_by_label("ValidateOrder")
        .find(|n| n.rect().min.y >= below)
        .expect("ValidateOrder in the dropdown")
        .click();
    h.run();
    assert_eq!(function_filter(&h), "ValidateOrder", "the filter is set");

    h.state_mut()
        .open_text(PLACEHOLDER_FLOW, "placeholders.json")
        .expect("loads");
    h.run();
    assert_eq!(function_filter(&h), "all functions");
}

/// Issue 17 item 8: a resized window fits the nodes into the canvas again (they were cut off at a small size).
#[test]
fn resizing_the_window_fits_the_nodes_again() {
    let mut h = harness(app_with(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
    ));
    h.run();
    let node_rects = |h: &Harness<'static, TestApp>| -> Vec<egui::Rect> {
        h.get_all_by_role(egui::accesskit::Role::Button)
            .filter(|n| {
                n.accesskit_node()
                    .label()
                    .is_some_and(|l| ["ValidateOrder", "Orders"].iter().any(|n| l == *n))
            })
            .map(|n| n.rect())
            .collect()
    };
    let before = node_rects(&h);
    assert_eq!(before.len(), 2);
    h.set_size(egui::vec2(1024.0, 700.0));
    h.run();
    let canvas = h.get_by_label("architecture canvas").rect();
    let after = node_rects(&h);
    assert_eq!(after.len(), 2);
    assert_ne!(before, after, "the view changed with the window");
    for r in after {
        assert!(
            canvas.contains_rect(r),
            "{r:?} lies inside the canvas {canvas:?}"
        );
    }
}

/// Issue 14 (experiments): a fault injected from the Experiments window while the run plays makes the function
/// fail, and the failures show up in the run.
#[test]
fn an_injected_fault_makes_errors_appear() {
    let app = app_with(
        "faults.json",
        r#"{"format": "eventflow/1", "name": "Faults", "settings": {"until_s": 30},
            "resources": {"Work": {"type": "function", "duration_ms": 20}},
            "traffic": [{"to": "Work", "every_s": 0.5, "payload": {"job": "{{seq}}"}}]}"#,
    );
    let mut h = harness(app);
    h.run();
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(50), |a| {
        a.finished_invocations() >= 3
    });
    let errors = |a: &TestApp| a.invocations().iter().filter(|r| r.error.is_some()).count();
    assert!(h.state().finished_invocations() >= 3, "the run plays");
    assert_eq!(errors(h.state()), 0, "no failures before the fault");
    // The window opens while the run plays (frames are stepped: a playing app never settles).
    h.get_by_label("View").click();
    h.step();
    h.step();
    h.step();
    h.get_by_label("Experiments…").click();
    // A new window shows after a frame that sizes it.
    for _ in 0..20 {
        if h.query_by_label("100 %").is_some() {
            break;
        }
        h.state().advance(Duration::from_millis(10));
        h.step();
    }
    h.get_by_label("100 %").click();
    h.step();
    h.step();
    let apply = h.get_by_label("Apply");
    assert!(
        !apply.accesskit_node().is_disabled(),
        "Apply is enabled after 100 %"
    );
    apply.click();
    h.step();
    h.step();
    assert_eq!(
        h.state().snapshot().faults.len(),
        1,
        "Apply sent the fault: {:?}",
        h.state().snapshot().faults
    );
    play_until(&mut h, Duration::from_millis(50), |a| errors(a) >= 3);
    assert!(
        errors(h.state()) >= 3,
        "the fault makes invocations fail: t = {} µs, playing {}, {} rows, stats {:?}, statuses {:?}",
        h.state().snapshot().now_us,
        h.state().snapshot().playing,
        h.state().invocations().len(),
        h.state().snapshot().stats.first(),
        h.state()
            .invocations()
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        h.state().snapshot().faults.len(),
        1,
        "the change is recorded"
    );
    h.get_by_label_contains("Work: fails 100 %");
    let failed = h
        .state()
        .invocations()
        .iter()
        .filter_map(|r| r.error.as_ref())
        .all(|e| e["errorType"] == "InjectedFault");
    assert!(failed, "every failure is the experiment's");
}

/// Issue 13 (Express at-least-once): the Experiments window offers an Express state machine a "run twice
/// percent"; applied, it is a recorded fault in force, and the run starts duplicate executions.
#[test]
fn an_express_machine_can_be_made_at_least_once_from_the_experiments_window() {
    let app = app_with(
        "express.json",
        r#"{"format": "eventflow/1", "name": "Express", "settings": {"until_s": 30},
            "resources": {"Flow": {"type": "state_machine", "workflow_type": "EXPRESS",
                "definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}},
            "traffic": [{"to": "Flow", "every_s": 1, "input": {"n": "{{seq}}"}}]}"#,
    );
    let mut h = harness(app);
    h.run();
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Experiments…").click();
    h.run();
    // No function here: pick the state machine.
    h.get_by_label("Resource").click();
    h.run();
    // The canvas node is named Flow too: the popup's entry comes last.
    h.query_all_by_label("Flow")
        .last()
        .expect("Flow in the resource list")
        .click();
    h.run();
    let apply = h.get_by_label("Apply duplicates");
    assert!(
        apply.accesskit_node().is_disabled(),
        "nothing to apply at 0 %"
    );
    let slider = h.get_by_role_and_label(egui::accesskit::Role::Slider, "run twice percent");
    slider.focus();
    h.run();
    for _ in 0..5 {
        h.key_press(egui::Key::ArrowRight);
        h.run();
    }
    h.get_by_label("Apply duplicates").click();
    h.run();
    let faults = h.state().snapshot().faults.clone();
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(
        matches!(
            faults[0].change,
            eventflow::sim::FaultChange::ExpressDuplicates { percent, .. } if percent > 0
        ),
        "{faults:?}"
    );
    h.get_by_label_contains("Flow: runs");
}

/// Issue 14: a learner walks a new lesson's tour (the saga) to its end, pressing Play whenever the run paused at a
/// step, until its last step is shown.
#[test]
fn a_learner_walks_the_saga_tour_to_its_end() {
    let mut app = TestApp::new();
    app.open_example("saga.json")
        .expect("the lesson is built in");
    let mut h = harness(app);
    h.run();
    assert_tour_step(&h, "Step 1 of 6", "Three services, no transaction", false);
    let mut frames = 0;
    while h.query_by_label("End of the tour.").is_none() {
        assert!(frames < 3_000, "the tour ends");
        // Play only when the tour waits for the run (after the run's end, Play would start it again).
        if !h.state().snapshot().playing && h.query_by_label_contains("press Play").is_some() {
            h.get_by_label("Play").click();
        }
        h.state().advance(Duration::from_millis(100));
        h.step();
        frames += 1;
    }
    assert!(!h.state().snapshot().playing, "paused at the last step");
    assert_tour_step(&h, "Step 6 of 6", "Failed, and consistent", false);
    h.get_by_label("End of the tour.");
}

// --- Issue 11: timeline, metrics, dashboard, time bar.

/// Plays `file` until `done`, then pauses and settles.
fn played(
    file: &str,
    text: &str,
    step: Duration,
    done: impl Fn(&TestApp) -> bool,
) -> Harness<'static, TestApp> {
    let mut h = harness(app_with(file, text));
    h.run();
    // Play on where the scenario's tour pauses the run.
    for _ in 0..MAX_PLAY_FRAMES {
        if done(h.state()) {
            break;
        }
        if !h.state().snapshot().playing {
            h.state_mut().send(Command::Play);
        }
        h.state().advance(step);
        h.step();
    }
    h.state_mut().send(Command::Pause);
    h.run();
    h
}

#[test]
fn the_timeline_opens_on_the_selected_invocation_and_selects_back() {
    let mut h = played(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
        Duration::from_millis(50),
        |a| a.finished_invocations() >= 3,
    );
    let row = h
        .state()
        .invocations()
        .iter()
        .position(|r| &*r.function == "ValidateOrder")
        .expect("ValidateOrder ran");
    let request_id = h.state().invocations()[row].request_id.clone();
    let trace_id = h.state().invocations()[row].trace_id.clone();
    h.get_by_label_contains(&request_id).click();
    h.run();
    h.get_by_label("Timeline").click();
    h.run();
    // The timeline shows that invocation's trace: its header and a row for the invocation.
    h.get_by_label_contains(&format!("Trace {trace_id}"));
    let invocation_rows = h.query_all_by_label("λ ValidateOrder").count();
    assert!(invocation_rows >= 1, "a row for the invocation");
    assert!(
        h.state().timeline_rows() > invocation_rows,
        "the hops around it have rows too"
    );
    // Select the node on the canvas (the timeline keeps its trace), then click the invocation's row: the
    // inspector shows that invocation again.
    h.get_all_by_label("ValidateOrder")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .expect("the canvas node")
        .click();
    h.run();
    h.get_by_label("Lambda function");
    assert!(
        h.query_by_label_contains("Invocation of ValidateOrder")
            .is_none()
    );
    h.query_all_by_label("λ ValidateOrder")
        .next()
        .expect("the row")
        .click();
    h.run();
    h.get_by_label_contains("Invocation of ValidateOrder");
}

/// One function that writes five items to one table: its trace has five SDK calls of one kind and resource under
/// the invocation, which the timeline collapses to one "×5" row.
const FAN_OUT: &str = r#"{
  "format": "eventflow/1",
  "name": "fan-out of calls",
  "settings": { "seed": 1, "until_s": 10 },
  "resources": {
    "Writer": {
      "type": "function",
      "duration_ms": 50,
      "code": { "inline": "fn handler(event, context) { for i in 0..5 { dynamodb::put(\"Items\", #{ id: `k${i}` }); } }" }
    },
    "Items": { "type": "table", "partition_key": "id" }
  },
  "traffic": [ { "name": "client", "to": "Writer", "at_s": 1, "payload": { "n": 1 } } ]
}"#;

#[test]
fn a_fan_out_group_opens_and_closes_again() {
    let mut h = played("fan-out.json", FAN_OUT, Duration::from_millis(100), |a| {
        a.finished_invocations() >= 1
    });
    let row = h
        .state()
        .invocations()
        .iter()
        .position(|r| &*r.function == "Writer")
        .expect("Writer ran");
    let request_id = h.state().invocations()[row].request_id.clone();
    h.get_by_label_contains(&request_id).click();
    h.run();
    h.get_by_label("Timeline").click();
    h.run();
    let collapsed = h.state().timeline_rows();
    // Collapsed: one row stands for the five calls (the hops to the table may form a group of their own).
    let groups = h.query_all_by_label_contains("[+] ×5").count();
    assert!(groups >= 1, "a collapsed group");
    h.query_all_by_label_contains("[+] ×5")
        .next()
        .expect("a group")
        .click();
    h.run();
    let open = h.state().timeline_rows();
    assert_eq!(
        open,
        collapsed + 5,
        "opened: a row per span under the group's row"
    );
    assert_eq!(h.query_all_by_label_contains("[+] ×5").count(), groups - 1);
    // Open, the group's row closes it again.
    h.query_all_by_label_contains("[-] ×5")
        .next()
        .expect("the open group's row")
        .click();
    h.run();
    assert_eq!(h.state().timeline_rows(), collapsed, "closed again");
    assert_eq!(h.query_all_by_label_contains("[+] ×5").count(), groups);
    assert!(h.query_by_label_contains("[-] ×5").is_none());
}

#[test]
fn the_metrics_tab_plots_the_selected_node_and_the_dashboard_the_scenario() {
    let mut h = played(
        "backpressure.json",
        include_str!("../assets/scenarios/backpressure.json"),
        Duration::from_millis(100),
        |a| a.snapshot().now_us >= 5_000_000,
    );
    h.get_by_label("Orders").click();
    h.run();
    h.get_by_label("Metrics").click();
    h.run();
    h.get_by_label("Metrics of Orders");
    h.get_by_label("Depth: held, ready, in flight, delayed");
    h.get_by_label("Age of the oldest message (s)");
    h.get_by_label("Dashboard").click();
    h.run();
    for title in [
        "Invocations per second",
        "Concurrency per function",
        "Messages held per queue",
        "Cost accumulated (USD)",
    ] {
        h.get_by_label(title);
    }
    let held = h.state().metrics_peak("Orders");
    assert!(held > 50.0, "the plotted backlog ({held}) shows the burst");
}

#[test]
fn the_time_bar_seeks_back_and_steps_back() {
    let mut h = played(
        "backpressure.json",
        include_str!("../assets/scenarios/backpressure.json"),
        Duration::from_millis(100),
        |a| a.snapshot().now_us >= 8_000_000,
    );
    let before = h.state().snapshot().now_us;
    let rows_before = h.state().invocations().len();
    // The middle of the bar is half the furthest moment reached.
    h.get_by_label("Time bar").click();
    for _ in 0..MAX_PLAY_FRAMES {
        h.step();
        if !h.state().snapshot().seeking {
            break;
        }
    }
    h.run();
    let now = h.state().snapshot().now_us;
    let half = before as f64 / 2.0;
    assert!(
        (now as f64 - half).abs() < before as f64 * 0.05,
        "seeked to {now} µs, about half of {before}"
    );
    assert!(!h.state().snapshot().playing);
    // The log shows the run up to that moment only.
    let rows = h.state().invocations();
    assert!(rows.len() < rows_before && !rows.is_empty());
    assert!(rows.iter().all(|r| r.start_us <= now));
    // Step back: one engine event fewer.
    let events = h.state().snapshot().events_processed;
    h.get_by_label("Step back").click();
    for _ in 0..MAX_PLAY_FRAMES {
        h.step();
        if !h.state().snapshot().seeking {
            break;
        }
    }
    h.run();
    assert_eq!(h.state().snapshot().events_processed, events - 1);
}

/// A copy of a corpus template in a fresh temporary folder (saving beside it must not write into the repository);
/// the folder is removed when the returned guard is dropped.
fn template_copy(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("eventflow-ui-template-")
        .tempdir()
        .expect("temp dir");
    let to = dir.path().join(name);
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/sam")
            .join(name),
        &to,
    )
    .expect("copy the template");
    (dir, to)
}

/// Issue 10: File → Open on a SAM template converts it on the fly: the graph on the canvas, the import notes in a
/// panel (a click on a note selects its resource), the unsimulated resources as greyed boxes; Save asks for a
/// .json beside the template, and the template is never overwritten.
#[test]
fn a_sam_template_opens_with_its_notes_and_saves_as_a_scenario_beside_it() {
    let (_template_dir, template) = template_copy("httpapi-lambda-cognito.yaml");
    let original = std::fs::read(&template).expect("template");
    let mut app = TestApp::new();
    app.open_file(&template);
    let mut h = harness(app);
    h.run();
    assert_eq!(h.state().node_count(), 2, "HttpApi and HelloFunction");
    h.get_by_label("Import notes");
    h.get_by_label("UserPool (AWS::Cognito::UserPool): not simulated");
    h.get_by_label("UserPoolClient (AWS::Cognito::UserPoolClient): not simulated");
    for node in ["HttpApi", "HelloFunction"] {
        assert!(
            h.state().node_screen_rect(node).is_some(),
            "{node} is drawn"
        );
    }

    // Another template replaces the notes; a note about a resource that was left out is listed too.
    let (_template2_dir, template2) = template_copy("lambda-destinations.yaml");
    h.state_mut().open_file(&template2);
    h.run();
    h.get_by_label_contains("ProdAlarmTopic (AWS::SNS::Topic): left out");

    // Back to the Cognito template: Save asks for a .json path beside it, named after it.
    h.state_mut().open_file(&template);
    h.run();
    // What File > Save (Ctrl+S) does: the session has no file yet, so the picker asks.
    h.state_mut().save(None);
    h.run();
    h.get_by_label("Save scenario as");
    h.get_all_by_label("Save")
        .last()
        .expect("the picker's Save button")
        .click();
    h.run();
    let saved = template.with_extension("json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved beside the template"))
            .expect("JSON");
    assert_eq!(doc["resources"]["HelloFunction"]["type"], "function");
    assert!(
        doc["layout"].is_array() || doc["layout"].is_object(),
        "the layout is saved"
    );
    assert_eq!(
        std::fs::read(&template).expect("template"),
        original,
        "the template is untouched"
    );
    eventflow::scenario::load_file(&saved).expect("the saved scenario loads");
    assert!(
        doc["external"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x["id"] == "UserPool")),
        "the unsimulated resources are saved: {}",
        doc["external"]
    );
    // Reopened as a scenario (no import notes now), the greyed boxes come from its `external`.
    h.state_mut().open_file(&saved);
    h.run();
    assert!(h.query_by_label("Import notes").is_none());
    h.get_by_label("UserPool (AWS::Cognito::UserPool): not simulated");
}

/// Issue 10: clicking a note selects its resource on the canvas (the inspector shows it).
#[test]
fn clicking_an_import_note_selects_its_resource() {
    let (_template_dir, template) = template_copy("tags.yaml");
    let mut app = TestApp::new();
    app.open_file(&template);
    let mut h = harness(app);
    h.run();
    let notes = eventflow::import::import_file(&template)
        .expect("imports")
        .notes;
    let note = notes
        .iter()
        .find(|n| h.state().node_screen_rect(&n.id).is_some())
        .unwrap_or_else(|| panic!("a note about a shown resource: {notes:?}"))
        .clone();
    h.get_by_label(&format!(
        "{} ({}): {}",
        note.id, note.aws_type, note.message
    ))
    .click();
    h.run();
    assert_eq!(
        h.state().inspected_node().as_deref(),
        Some(note.id.as_str())
    );
}

/// Issue 10: a CloudFormation JSON template opens as a template (it has `Resources`), not as a broken scenario.
#[test]
fn a_json_template_opens_as_a_template() {
    let (_template_dir, template) = template_copy("cfn-native.json");
    let mut app = TestApp::new();
    app.open_file(&template);
    let mut h = harness(app);
    h.run();
    assert!(h.state().node_count() > 0);
    h.get_by_label("Import notes");
}

/// Issue 10: File → Export SAM template writes the template (and the handler code beside it) where the picker
/// says; importing it back gives the same resources.
#[test]
fn file_export_sam_template_writes_a_template_that_imports_back() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let scenario = dir.join("new-order.json");
    std::fs::copy(assets.join("new-order.json"), &scenario).expect("copy");
    let source: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&scenario).expect("scenario")).expect("JSON");
    // Its handler scripts, so the copy loads.
    for r in source["resources"].as_object().expect("resources").values() {
        if let Some(script) = r["code"]["script"].as_str().or(r["script"].as_str()) {
            let to = dir.join(script);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
            std::fs::copy(assets.join(script), &to).expect("script");
        }
    }
    let mut app = TestApp::new();
    app.open_file(&scenario);
    let mut h = harness(app);
    h.run();
    assert!(h.state().node_count() > 0, "the scenario opened");
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("Export SAM template…").click();
    h.run();
    h.get_by_label("Export SAM template as");
    h.get_by_label("Save").click();
    h.run();
    let exported = dir.join("new-order.yaml");
    let text = std::fs::read_to_string(&exported).expect("the template is written");
    assert!(text.contains("AWS::Serverless-2016-10-31"));
    let back = eventflow::import::import_file(&exported).expect("imports back");
    let ids = |doc: &serde_json::Value| -> Vec<String> {
        let mut ids: Vec<String> = doc["resources"]
            .as_object()
            .expect("resources")
            .keys()
            .cloned()
            .collect();
        ids.sort();
        ids
    };
    let original = ids(&source);
    let imported = ids(&back.document);
    assert!(
        original.iter().all(|id| imported.contains(id)),
        "{original:?} all come back in {imported:?}"
    );
}

/// The canvas node labelled `name` (a button-like widget).
fn canvas_node_rect(h: &Harness<'static, TestApp>, name: &str) -> egui::Rect {
    h.get_all_by_label(name)
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .unwrap_or_else(|| panic!("no canvas node {name}"))
        .rect()
}

/// Issue 13 item 1: `+` and `-` zoom about the centre, `F` fits the graph again, `Shift+F` zooms to the selected
/// node; the minimap shows only while the graph is larger than the view; fitting keeps nodes off the legend strip.
#[test]
fn keys_zoom_fit_and_zoom_to_selection_with_a_minimap_when_zoomed_in() {
    let mut h = harness(app_with(
        "order-workflow.json",
        include_str!("../assets/scenarios/order-workflow.json"),
    ));
    h.run();
    let canvas = h.get_by_label("architecture canvas").rect();
    let fitted = canvas_node_rect(&h, "OrderWorkflow");
    let strip_top = canvas.max.y - eventflow::ui::canvas::LEGEND_STRIP_H;
    for n in h.get_all_by_role(egui::accesskit::Role::Button) {
        let r = n.rect();
        if canvas.contains_rect(r) && r.height() > 20.0 && r.width() > 60.0 {
            assert!(
                r.max.y <= strip_top + 0.5,
                "{r:?} is clear of the legend strip"
            );
        }
    }
    assert!(
        h.query_by_label("minimap").is_none(),
        "the fitted graph needs no minimap"
    );

    for _ in 0..4 {
        h.key_press(egui::Key::Plus);
    }
    h.run();
    let zoomed = canvas_node_rect(&h, "OrderWorkflow");
    // Heights: a node's exposed rectangle is clipped to the canvas, and zoomed in the box is wider than the view.
    assert!(
        zoomed.height() > fitted.height() * 2.0,
        "+ zooms in: {fitted:?} → {zoomed:?}"
    );
    h.get_by_label("minimap");

    h.key_press(egui::Key::Minus);
    h.run();
    assert!(canvas_node_rect(&h, "OrderWorkflow").height() < zoomed.height());

    h.key_press(egui::Key::F);
    h.run();
    let refitted = canvas_node_rect(&h, "OrderWorkflow");
    // Within a pixel and a half: the panels under the canvas (time bar, tabs) settle their heights after the first
    // frame, so the canvas the first fit saw can be a pixel taller.
    assert!(
        (refitted.min - fitted.min).length() <= 1.5
            && (refitted.width() - fitted.width()).abs() < 1.0,
        "F fits as on open: {fitted:?} vs {refitted:?}"
    );

    // Select a node, then Shift+F: it fills the middle of the view.
    h.get_all_by_label("ChargePayment")
        .find(|n| n.accesskit_node().role() == egui::accesskit::Role::Button)
        .expect("node")
        .click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F);
    h.run();
    let canvas = h.get_by_label("architecture canvas").rect();
    let r = canvas_node_rect(&h, "ChargePayment");
    assert!(
        r.height() > fitted.height(),
        "zoomed to the selection: {r:?}"
    );
    let fit_centre = egui::pos2(canvas.center().x, (canvas.min.y + strip_top) / 2.0);
    assert!(
        (r.center() - fit_centre).length() < 2.0,
        "the selection is centred: {r:?} in {canvas:?}"
    );
}

/// An API, a function and a queue; the queue feeds nothing yet.
const WIRING_FLOW: &str = r#"{
  "format": "eventflow/1",
  "name": "Wiring",
  "settings": { "seed": 1, "until_s": 1 },
  "resources": {
    "Api": { "type": "api", "routes": { "POST /orders": "Worker" } },
    "Worker": { "type": "function", "duration_ms": 5 },
    "Jobs": { "type": "queue" }
  }
}"#;

/// Issue 17 item 7: while a wiring drag hovers a target AWS does not allow, the target says so and the reason
/// shows beside it — before the button is released; an allowed target shows no refusal.
#[test]
fn a_refused_wiring_shows_its_reason_on_the_target_while_dragging() {
    let mut app = app_with("wiring.json", WIRING_FLOW);
    app.set_editing(true);
    let mut h = harness(app);
    h.run();
    assert!(h.state().is_editing());
    let from = canvas_node_rect(&h, "Jobs").right_center();
    let press = |h: &mut Harness<'static, TestApp>, pos: egui::Pos2, pressed: bool| {
        h.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
        h.run();
    };
    let move_to = |h: &mut Harness<'static, TestApp>, a: egui::Pos2, b: egui::Pos2| {
        for k in 1..=6 {
            h.event(egui::Event::PointerMoved(a + (b - a) * (k as f32 / 6.0)));
            h.run();
        }
    };
    h.event(egui::Event::PointerMoved(from));
    h.run();
    press(&mut h, from, true);
    let api = canvas_node_rect(&h, "Api").center();
    move_to(&mut h, from, api);
    h.get_by_label_contains("Cannot wire:");
    h.get_by_label_contains("SQS queue delivers only");
    assert!(
        h.state().edit_message().is_none(),
        "the reason shows before the release, not afterwards in a corner"
    );
    // On to an allowed target (queue → function): the refusal goes.
    let worker = canvas_node_rect(&h, "Worker").center();
    move_to(&mut h, api, worker);
    assert!(h.query_by_label_contains("Cannot wire:").is_none());
    press(&mut h, worker, false);
    assert!(h.query_by_label_contains("Cannot wire:").is_none());
}

/// Issue 11 item 5: after a run, a node's health (ok / error / fault / throttle shares) is on the canvas and in its
/// accessible description; View → Size nodes by → traffic sizes the busier node larger.
#[test]
fn health_shares_are_described_and_nodes_size_by_traffic() {
    let mut h = harness(app_with(
        "order-workflow.json",
        include_str!("../assets/scenarios/order-workflow.json"),
    ));
    h.run();
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(100), |a| {
        a.snapshot().stats.iter().any(|s| s.errors > 0)
    });
    if let Some(pause) = h.query_by_label("Pause") {
        pause.click();
    }
    h.run();
    let descriptions: Vec<String> = h
        .get_all_by_role(egui::accesskit::Role::Button)
        .filter_map(|n| n.accesskit_node().description())
        .collect();
    assert!(
        descriptions
            .iter()
            .any(|d| d.contains("faults") && !d.contains("faults 0")),
        "a node that failed says so: {descriptions:#?}"
    );
    let before = (
        canvas_node_rect(&h, "ChargePayment").height(),
        canvas_node_rect(&h, "Shipments").height(),
    );
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Size nodes by").click();
    h.run();
    h.get_by_label("Size by traffic").click();
    h.run();
    let after = (
        canvas_node_rect(&h, "ChargePayment").height(),
        canvas_node_rect(&h, "Shipments").height(),
    );
    assert!(
        after.0 / after.1 > before.0 / before.1,
        "the busier node grew relative to the quieter: {before:?} → {after:?}"
    );
}

/// Issue 13 item 3: a state machine drawn state by state — its states are found by label, light up with the
/// execution's outcome, and a clicked state's input and output show in the inspector.
#[test]
fn a_state_machine_expands_into_its_states_and_a_state_shows_its_input_and_output() {
    // The built-in example, so that its handler scripts are found.
    let mut app = TestApp::new();
    app.open_example("order-workflow.json")
        .expect("the example is built in");
    let mut h = harness(app);
    h.run();
    h.get_by_label("OrderWorkflow").click();
    h.run();
    h.get_by_label("Show states").click();
    h.run();
    for state in [
        "Charge",
        "Large?",
        "Review",
        "Reserve",
        "ReserveItem",
        "Ship",
        "Declined",
    ] {
        let node = h.get_by_label(state);
        assert_eq!(node.accesskit_node().role(), egui::accesskit::Role::Button);
        assert_eq!(
            node.accesskit_node().description().as_deref(),
            Some(
                format!(
                    "{} state · not entered",
                    match state {
                        "Charge" | "ReserveItem" | "Ship" => "Task",
                        "Large?" => "Choice",
                        "Review" => "Wait",
                        "Reserve" => "Map",
                        _ => "Fail",
                    }
                )
                .as_str()
            ),
            "{state} before the run"
        );
    }
    // Play the whole run: the latest execution has finished.
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(250), |a| {
        !a.snapshot().playing && a.finished_invocations() > 0
    });
    h.run();
    let charge = h.get_by_label("Charge");
    let outcome = charge.accesskit_node().description().unwrap_or_default();
    assert!(
        outcome == "Task state · succeeded" || outcome == "Task state · caught",
        "the charge of the last order succeeded or was declined, got {outcome:?}"
    );
    charge.click();
    h.run();
    h.get_by_label("State Charge");
    h.get_by_label("Input");
    h.get_by_label("Output");
    // The order is in the state's input, and — ResultPath keeping it — in its output.
    let orders = h.get_all_by_label_contains("orderId: \"o-").count();
    assert!(
        orders >= 2,
        "the order id shows in the input and the output ({orders})"
    );
    // Between them, the path stages of that execution, in order (a caught charge: InputPath, then the Catch's
    // ResultPath; a succeeded one also Parameters, Result and ResultSelector).
    let stage_y = |label: &str| h.get_by_label(label).rect().min.y;
    assert!(stage_y("Input") < stage_y("InputPath"));
    assert!(stage_y("InputPath") < stage_y("ResultPath"));
    assert!(stage_y("ResultPath") < stage_y("Output"));
    if outcome == "Task state · succeeded" {
        assert!(stage_y("InputPath") < stage_y("Parameters"));
        assert!(stage_y("Parameters") < stage_y("Result"));
        assert!(stage_y("Result") < stage_y("ResultSelector"));
        assert!(stage_y("ResultSelector") < stage_y("ResultPath"));
    }
    // A Map lists its iterations, each with its status, input and output (when the latest order was not
    // declined before reaching it).
    h.get_by_label("Reserve").click();
    h.run();
    h.get_by_label("State Reserve");
    if outcome == "Task state · succeeded" {
        h.get_by_label_contains("Iterations (");
        let first = h.get_all_by_label_contains("Iteration 0 · ").next();
        let label = first
            .as_ref()
            .and_then(|n| n.accesskit_node().label())
            .unwrap_or_default();
        assert!(
            ["succeeded", "failed", "running"]
                .iter()
                .any(|s| label.ends_with(s)),
            "the first iteration and its status: {label:?}"
        );
    }
    // The inspector's button draws the machine as one node again.
    h.get_by_label("OrderWorkflow").click();
    h.run();
    h.get_by_label("Hide states").click();
    h.run();
    assert!(h.query_by_label("Large?").is_none());
    // A double-click on the node draws it state by state again (both clicks in one frame: the harness's frames
    // are longer apart than a double-click).
    let pos = h
        .get_by_role_and_label(egui::accesskit::Role::Button, "OrderWorkflow")
        .rect()
        .center();
    let button = |pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::default(),
    };
    h.input_mut().events.extend([
        egui::Event::PointerMoved(pos),
        button(true),
        button(false),
        button(true),
        button(false),
    ]);
    h.run();
    h.get_by_label("Large?");
    // The node's right-click menu draws it as one node again.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Shop")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::Button, "OrderWorkflow")
        .click_secondary();
    h.run();
    h.get_by_label("Hide states").click();
    h.run();
    assert!(h.query_by_label("Large?").is_none());
}

/// The label of the canvas node (or state) that says it is selected.
fn selected_button(h: &Harness<'static, TestApp>) -> Option<(String, egui::Rect)> {
    h.get_all_by_role(egui::accesskit::Role::Button)
        .find(|n| n.accesskit_node().is_selected() == Some(true))
        .map(|n| {
            let label = n.accesskit_node().label().unwrap_or_default();
            (label, n.rect())
        })
}

/// Issue 13 item 5: Tab reaches the canvas's nodes and selects the focused one; the arrow keys move the
/// selection to the nearest node that way; Space still plays with a node focused.
#[test]
fn tab_and_arrow_keys_move_the_selection_between_nodes() {
    let app = app_with(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
    );
    let mut h = harness(app);
    h.run();
    assert!(selected_button(&h).is_none());
    let mut first = None;
    for _ in 0..80 {
        h.key_press(egui::Key::Tab);
        h.run();
        first = selected_button(&h);
        if first.is_some() {
            break;
        }
    }
    let (first_label, first_rect) = first.expect("Tab reaches a node and selects it");
    // The inspector shows it.
    assert!(h.get_all_by_label(&first_label).count() >= 2);
    h.key_press(egui::Key::ArrowRight);
    h.run();
    let (second_label, second_rect) = selected_button(&h).expect("a node stays selected");
    assert_ne!(second_label, first_label, "→ moves to another node");
    assert!(
        second_rect.center().x > first_rect.center().x,
        "→ moves right: {first_label} at {first_rect:?}, {second_label} at {second_rect:?}"
    );
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(selected_button(&h).map(|s| s.0), Some(first_label.clone()));
    // A description names the node's type and live state.
    let node = h.get_by_role_and_label(egui::accesskit::Role::Button, &first_label);
    assert!(
        node.accesskit_node()
            .description()
            .is_some_and(|d| !d.is_empty())
    );
    h.key_press(egui::Key::Space);
    h.step();
    assert!(
        h.state().snapshot().playing,
        "Space plays with a node focused"
    );
}

/// Issue 18 item 10: Play on a run whose traffic would send more events than the work limit opens the "this run is
/// big" prompt instead of starting it; Cancel keeps it paused, and "Shorten" plays it with `until_s` cut to the
/// time that fits.
#[test]
fn play_on_a_huge_run_asks_first() {
    // One event every 10 µs for 1,000 s: 100,000,001 traffic events, twice the limit of 50,000,000.
    let text = r#"{"format": "eventflow/1", "name": "huge", "settings": { "until_s": 1000 },
        "resources": { "F": { "type": "function" } },
        "traffic": [ { "to": "F", "every_s": 0.00001, "payload": {} } ]}"#;
    let mut h = harness(app_with("huge.json", text));
    h.run();
    h.get_by_label("Play").click();
    h.run();
    h.get_by_label(eventflow::ui::run_guard::TITLE);
    h.get_by_label("Run with a stop at 50,000,000 events");
    assert!(!h.state().snapshot().playing, "the run did not start");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(
        h.query_by_label(eventflow::ui::run_guard::TITLE).is_none(),
        "Cancel closes the prompt"
    );
    assert!(!h.state().snapshot().playing);
    h.get_by_label("Play").click();
    h.run();
    h.get_by_label("Shorten to 500 s").click();
    h.step();
    h.step();
    assert!(h.state().snapshot().playing, "Shorten plays");
    assert_eq!(
        h.state().snapshot().until_us,
        500_000_000,
        "until_s is cut to 500 s"
    );
}
/// Clicks the canvas at `p` (move there, press, release).
fn click_at(h: &mut Harness<'static, TestApp>, p: egui::Pos2) {
    h.event(egui::Event::PointerMoved(p));
    h.run();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: p,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
        h.run();
    }
}

/// Clicks the dot from `from` to `to` (canvas names) and waits for what the inspector finds it carries.
fn click_dot(
    h: &mut Harness<'static, TestApp>,
    from: &str,
    to: &str,
) -> Option<Result<eventflow::ui::dot_event::Carried, String>> {
    let (p, ..) = h
        .state()
        .dots_on_screen()
        .into_iter()
        .find(|(_, f, t)| f == from && t == to)
        .unwrap_or_else(|| panic!("a dot on its way from {from} to {to}"));
    click_at(h, p);
    let mut carried = None;
    for _ in 0..500 {
        carried = h.state_mut().dot_carried();
        if carried.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run();
    carried
}

/// A dot that leaves a traffic source (named `traffic:NAME` in the trace) is found too: its event is what the
/// first handler downstream received.
#[test]
fn clicking_a_dot_from_a_traffic_source_shows_the_event_it_becomes() {
    let mut h = played(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
        Duration::from_millis(10),
        |a| {
            a.dots_on_screen()
                .iter()
                .any(|(_, from, _)| from == "ordering-service")
        },
    );
    match click_dot(&mut h, "ordering-service", "Orders") {
        Some(Ok(eventflow::ui::dot_event::Carried::Payload { caption, value })) => {
            assert!(
                caption.starts_with("As ValidateOrder received it"),
                "{caption}"
            );
            assert_eq!(value["detail-type"], "New Order");
        }
        other => panic!("the dot's event was found: {other:?}"),
    }
    h.get_by_label_contains("Event from traffic:ordering-service to Orders");
}

/// Issue 17 item 12: clicking a moving dot shows the event it carries (found by a re-run), the very event the
/// receiving handler gets when the run goes on.
#[test]
fn clicking_a_dot_shows_the_event_it_carries() {
    let mut h = played(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
        Duration::from_millis(10),
        |a| {
            a.dots_on_screen()
                .iter()
                .any(|(_, from, to)| from == "NewOrderRule" && to == "ValidateOrder")
        },
    );
    let carried = click_dot(&mut h, "NewOrderRule", "ValidateOrder");
    let Some(Ok(eventflow::ui::dot_event::Carried::Payload { caption, value })) = carried else {
        panic!("the dot's event was found: {carried:?}");
    };
    h.get_by_label_contains("Invoke from NewOrderRule to ValidateOrder");
    h.get_by_label_contains("As ValidateOrder received it");
    h.get_by_label(r#"detail-type: "New Order""#);
    // Play on: the invocation the caption names receives exactly that event.
    let request_id = caption
        .rsplit("invocation ")
        .next()
        .and_then(|s| s.strip_suffix(')'))
        .expect("the caption names the invocation")
        .to_string();
    for _ in 0..MAX_PLAY_FRAMES {
        if h.state()
            .invocations()
            .iter()
            .any(|r| r.request_id == request_id)
        {
            break;
        }
        if !h.state().snapshot().playing {
            h.state_mut().send(Command::Play);
        }
        h.state().advance(Duration::from_millis(50));
        h.step();
    }
    let rows = h.state().invocations();
    let row = rows
        .iter()
        .find(|r| r.request_id == request_id)
        .expect("the invocation ran");
    assert_eq!(
        row.event, value,
        "the dot carried what the handler received"
    );
}

/// Issue 17 item 12: `eventflow open bad.json` opens the window on the raw JSON editor (it exited 2 before);
/// a file that cannot be read at all is still refused with exit 2.
#[test]
fn open_on_a_file_that_does_not_load_opens_the_raw_editor_under_xvfb() {
    let has_xvfb = std::process::Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_xvfb {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "xvfb-run is needed under CI"
        );
        eprintln!("skipped: xvfb-run is not installed");
        return;
    }
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        include_str!("../assets/scenarios/api-hello.json").replacen("\"GetItem\"", "\"Nope\"", 1),
    )
    .expect("written");
    let out = dir.join("raw.png");
    let open = |file: &std::path::Path| {
        std::process::Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1024x700x24"])
            .arg(env!("CARGO_BIN_EXE_eventflow"))
            .arg("open")
            .arg(file)
            .arg("--screenshot")
            .arg(&out)
            .args(["--after", "0.5", "--size", "1000x640"])
            .output()
            .expect("runs")
    };
    let opened = open(&bad);
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert_eq!(
        png_size(&std::fs::read(&out).expect("png written")),
        (1000, 640)
    );
    let missing = open(&dir.join("missing.json"));
    assert_eq!(missing.status.code(), Some(2));
}

/// The canvas's width as last drawn.
fn canvas_width(h: &Harness<'static, TestApp>) -> f32 {
    h.get_by_label("architecture canvas").rect().width()
}

/// Issue 17 item 11: opening an invocation (long ids, logs, event JSON) or a dot in the inspector never widens
/// the right panel over the canvas.
#[test]
fn inspecting_an_invocation_never_widens_the_right_panel() {
    let mut h = played(
        "new-order.json",
        include_str!("../assets/scenarios/new-order.json"),
        Duration::from_millis(50),
        |a| a.finished_invocations() >= 2,
    );
    let before = canvas_width(&h);
    for row in 0..2 {
        let request_id = h.state().invocations()[row].request_id.clone();
        h.get_by_label_contains(&request_id).click();
        h.run();
        h.get_by_label_contains("Invocation of");
        let after = canvas_width(&h);
        assert!(
            (after - before).abs() < 1.0,
            "the canvas keeps its width: {before} before, {after} with invocation {row} open"
        );
    }
}

/// Width and height of a PNG (its IHDR chunk), after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

/// Issue 17 item 12: `open --edit --screenshot --size WxH` writes a WxH picture (it ignored the size).
#[test]
fn open_edit_screenshot_honours_the_size_under_xvfb() {
    let has_xvfb = std::process::Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_xvfb {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "xvfb-run is needed under CI"
        );
        eprintln!("skipped: xvfb-run is not installed");
        return;
    }
    let out = std::env::temp_dir().join(format!("eventflow-edit-size-{}.png", std::process::id()));
    let status = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_eventflow"))
        .arg("open")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/scenarios/new-order.json"
        ))
        .args(["--edit", "--select", "ValidateOrder", "--screenshot"])
        .arg(&out)
        .args(["--after", "0.5", "--size", "900x600"])
        .status()
        .expect("runs");
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(
        png_size(&std::fs::read(&out).expect("png written")),
        (900, 600)
    );
    let _ = std::fs::remove_file(&out);
}
/// Issue 14: a step that waits for a record pauses the run at that record — the time shown is the record's time
/// (as `eventflow tour` reports it), not a frame later.
#[test]
fn a_tour_step_pauses_the_run_at_its_record() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/poison-message-dlq.json"
    );
    let sc = std::sync::Arc::new(
        eventflow::scenario::load_file(std::path::Path::new(path)).expect("loads"),
    );
    let until_us = (sc.settings.until_s * 1e6) as u64;
    let report = eventflow::tour::check(sc, until_us);
    let mut app = TestApp::new();
    app.open_example("poison-message-dlq.json")
        .expect("the lesson is built in");
    let mut h = harness(app);
    h.run();
    let steps = [
        ("Step 2 of 4", "The poison message fails"),
        ("Step 3 of 4", "It comes back"),
    ];
    for (i, (progress, title)) in steps.into_iter().enumerate() {
        h.get_by_label("Play").click();
        h.step();
        // Large frames (a second of wall time each): a tick a frame would overshoot by far.
        play_until_label(&mut h, Duration::from_secs(1), title);
        assert_tour_step(&h, progress, title, false);
        let record_us = report.reached_us[i + 1].expect("the step is reached headless");
        assert_eq!(
            h.state().snapshot().now_us,
            record_us,
            "{title:?}: paused at its record"
        );
        // The clock shows virtual time cut to milliseconds, as a clock does.
        h.get_by_label(&format!(
            "{}.{:03} s",
            record_us / 1_000_000,
            record_us / 1_000 % 1_000
        ));
    }
}

/// Issue 14: Compare runs the open scenario and a variant and plots their metrics together above the table.
#[test]
fn compare_plots_two_variants_together() {
    let direct = r#"{"format": "eventflow/1", "name": "direct", "settings": {"seed": 5, "until_s": 20},
        "resources": {"Work": {"type": "function", "reserved_concurrency": 2, "duration_ms": 200}},
        "traffic": [{"to": "Work", "every_s": 0.01, "count": 50, "payload": {}}]}"#;
    let queued = r#"{"format": "eventflow/1", "name": "queued", "settings": {"seed": 5, "until_s": 20},
        "resources": {"Jobs": {"type": "queue"},
                      "Work": {"type": "function", "reserved_concurrency": 2, "duration_ms": 200},
                      "T": {"type": "trigger", "source": "Jobs", "function": "Work", "batch_size": 1,
                            "maximum_concurrency": 2}},
        "traffic": [{"to": "Jobs", "every_s": 0.01, "count": 50, "message": {"body": "x"}}]}"#;
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let variant = dir.join("queued.json");
    std::fs::write(&variant, queued).expect("variant written");
    let mut h = harness(app_with("direct.json", direct));
    h.run();
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Compare with a variant…").click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Variant B")
        .focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Variant B")
        .type_text(&variant.to_string_lossy());
    h.run();
    h.get_by_label("Compare").click();
    for _ in 0..600 {
        if h.query_by_label("Messages held in queues").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run();
    for title in [
        "Throttles so far (all functions)",
        "Failed invocations so far",
        "p99 duration per interval (ms)",
        "Messages held in queues",
    ] {
        h.get_by_label(title);
    }
    // The table stays below the plots.
    h.get_by_label("count A | B");
}

/// Issue 13: a 60-node graph fitted into 1280×800 is readable without zooming — its node names are drawn in a
/// readable size beside the boxes, none over another name or node, and a hovered or selected node's name and its
/// neighbours' are always drawn whole.
#[test]
fn a_sixty_node_graph_fitted_at_low_zoom_shows_its_names() {
    let app = app_with(
        "sixty-nodes.json",
        include_str!("scenarios/sixty-nodes.json"),
    );
    let mut h = harness(app);
    h.run();
    assert_eq!(h.state().node_count(), 70, "60 nodes and 10 triggers");
    let (zoom, names) = h.state().canvas_lod_names();
    assert!(zoom < 0.4, "the graph is fitted far out: zoom {zoom}");
    // Most names are drawn; the rest (here the work queues, squeezed between two queues and their topic) show
    // when a node is hovered or selected.
    assert!(
        names.len() >= 36,
        "at least three names in five are drawn, got {}",
        names.len()
    );
    for (k, (node, text, plate)) in names.iter().enumerate() {
        let whole = text == node;
        let cut = text
            .strip_suffix('…')
            .is_some_and(|stem| stem.len() >= 4 && node.starts_with(stem));
        assert!(whole || cut, "{node} is drawn as {text:?}");
        assert!(
            plate.height() >= 12.0,
            "{node}'s name is readable: {plate:?}"
        );
        for (other, _, p) in &names[k + 1..] {
            assert!(!plate.intersects(*p), "{node}'s name overlaps {other}'s");
        }
    }
    // The selected node's name and its neighbours' are drawn whole — except the work queue, wedged between its
    // two siblings and its worker since the layout packs the ten domains in rows (issue 13): it is drawn cut.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "ReviewsEvents")
        .click();
    h.run();
    let (_, names) = h.state().canvas_lod_names();
    for must in ["ReviewsEvents", "ReviewsAuditLog", "ReviewsNotifier"] {
        assert!(
            names
                .iter()
                .any(|(node, text, _)| node == must && text == must),
            "{must} is named in full: {names:?}"
        );
    }
    assert!(
        names.iter().any(|(node, _, _)| node == "ReviewsWorkQueue"),
        "ReviewsWorkQueue is named: {names:?}"
    );
}

/// The states of order-workflow's state machine.
const ORDER_STATES: [&str; 7] = [
    "Charge",
    "Large?",
    "Declined",
    "Review",
    "Reserve",
    "ReserveItem",
    "Ship",
];

/// Double-clicks a canvas point (both clicks in one frame: the harness's frames are longer apart than a
/// double-click).
fn double_click_at(h: &mut Harness<'static, TestApp>, pos: egui::Pos2) {
    let button = |pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::default(),
    };
    h.input_mut().events.extend([
        egui::Event::PointerMoved(pos),
        button(true),
        button(false),
        button(true),
        button(false),
    ]);
    h.run();
}

/// Plays the run to its end, past the pauses of a guided tour's steps.
fn play_to_the_end(h: &mut Harness<'static, TestApp>) {
    for _ in 0..20 {
        let snap = h.state().snapshot();
        if snap.next_event_us.is_none() || snap.now_us >= snap.until_us {
            return;
        }
        let before = snap.now_us;
        h.get_by_label("Play").click();
        h.step();
        play_until(h, Duration::from_millis(250), |a| {
            !a.snapshot().playing && a.snapshot().now_us > before
        });
        h.run();
    }
}

/// Issue 13 item 3, drawn in place: with the tour and the inspector open at 1280×800, a double-click on the state
/// machine grows its box into a container holding its states, inside the canvas (fitted again, and after F),
/// with no other node over it; a state selected by its label shows its input; "Collapse states" draws the
/// machine as one node again.
#[test]
fn a_state_machine_expands_in_place_on_the_canvas() {
    let mut app = TestApp::new();
    app.open_example("order-workflow.json")
        .expect("the example is built in");
    let mut h = harness(app);
    h.run();
    h.get_by_label("Guided tour");
    let collapsed = canvas_node_rect(&h, "OrderWorkflow");
    double_click_at(&mut h, collapsed.center());
    let check_in_place = |h: &Harness<'static, TestApp>| {
        let canvas = h
            .get_by_role_and_label(egui::accesskit::Role::Canvas, "architecture canvas")
            .rect();
        // The machine's own widget is the container's header; its states lie under it, within its width.
        let header = canvas_node_rect(h, "OrderWorkflow");
        let mut container = header;
        for state in ORDER_STATES {
            let r = h.get_by_label(state).rect();
            assert!(
                canvas.contains_rect(r),
                "{state} is in view: {r:?} in {canvas:?}"
            );
            assert!(
                r.min.y >= header.max.y - 0.5 && r.min.x >= header.min.x && r.max.x <= header.max.x,
                "{state} is drawn inside the machine's box: {r:?} under {header:?}"
            );
            container = container.union(r);
        }
        for other in [
            "storefront",
            "Shop",
            "StartWorkflow",
            "ChargePayment",
            "ReserveStock",
            "Shipments",
        ] {
            let r = canvas_node_rect(h, other);
            assert!(
                !r.intersects(container.shrink(1.0)),
                "{other} {r:?} is clear of the expanded machine {container:?}"
            );
        }
    };
    check_in_place(&h);
    h.key_press(egui::Key::F);
    h.run();
    check_in_place(&h);
    // Play the whole run, then select a state by its label: the inspector shows its input.
    h.get_by_label("Play").click();
    h.step();
    play_until(&mut h, Duration::from_millis(250), |a| {
        !a.snapshot().playing && a.finished_invocations() > 0
    });
    h.run();
    h.get_by_label("Charge").click();
    h.run();
    h.get_by_label("State Charge");
    h.get_by_label("Input");
    assert!(
        h.get_all_by_label_contains("orderId: \"o-").count() >= 1,
        "the order is in the state's input"
    );
    h.get_by_label("Collapse states").click();
    h.run();
    assert!(h.query_by_label("Large?").is_none());
    let again = canvas_node_rect(&h, "OrderWorkflow");
    assert!(
        (again.height() - collapsed.height()).abs() < 1.0,
        "one node again: {collapsed:?} vs {again:?}"
    );
}

/// Issue 13: clicking one of a Map's iterations in the inspector colours the Map's inner states by that
/// iteration (their accessible descriptions say so) and shows what each of its states took in and gave out; a
/// state then selected in the Map shows that iteration's input, not the last one's.
#[test]
fn a_map_iteration_colours_the_maps_states_and_shows_their_input() {
    let mut app = TestApp::new();
    app.open_example("order-workflow.json")
        .expect("the example is built in");
    let mut h = harness(app);
    h.run();
    let machine = canvas_node_rect(&h, "OrderWorkflow").center();
    double_click_at(&mut h, machine);
    play_to_the_end(&mut h);
    // An execution that went through the Map: one that succeeded (a declined order ends before it).
    h.get_by_label("ReserveItem").click();
    h.run();
    h.get_by_label("Execution").click();
    h.run();
    h.get_all_by_label_contains(" · succeeded")
        .next()
        .expect("an execution succeeded")
        .click();
    h.run();
    // Without a chosen iteration, the item state shows its last entry: the last line of the order.
    assert!(
        h.query_all_by_label("sku: \"C-3\"").count() >= 1,
        "the last item"
    );
    h.get_by_label("Reserve").click();
    h.run();
    h.get_by_label("Iterations (3)");
    h.get_by_label("Iteration 0 · succeeded").click();
    h.run();
    assert_eq!(
        h.get_by_label("ReserveItem")
            .accesskit_node()
            .description()
            .as_deref(),
        Some("Task state · succeeded · Reserve iteration 0"),
        "the Map's state is drawn as iteration 0 left it"
    );
    assert_eq!(
        h.get_by_label("Charge")
            .accesskit_node()
            .description()
            .as_deref(),
        Some("Task state · succeeded"),
        "states outside the Map keep the execution's colour"
    );
    h.get_by_label("Showing Reserve iteration 0");
    h.get_by_label("Iteration input");
    h.get_by_label("ReserveItem · succeeded");
    assert!(
        h.query_all_by_label("sku: \"A-1\"").count() >= 1,
        "iteration 0's item shows"
    );
    // The item state, selected now, shows iteration 0's input.
    h.get_by_label("ReserveItem").click();
    h.run();
    h.get_by_label("State ReserveItem");
    h.get_by_label("Showing Reserve iteration 0");
    assert!(
        h.query_all_by_label("sku: \"A-1\"").count() >= 1,
        "iteration 0's item"
    );
    assert_eq!(
        h.query_all_by_label("sku: \"C-3\"").count(),
        0,
        "not the last one's"
    );
    // "All iterations" colours by the last entries again.
    h.get_by_label("All iterations").click();
    h.run();
    assert_eq!(
        h.get_by_label("ReserveItem")
            .accesskit_node()
            .description()
            .as_deref(),
        Some("Task state · succeeded")
    );
}
