//! The app at scale (issue 15): a log of half a million invocations stays scrollable with only the visible rows laid
//! out, the memory cap drops the oldest rows with a note, and the toolbar's speed box takes a typed value. Driven
//! through the shared harness (`eventflow::ui::testing`: egui_kittest, manual clock, inline runner).

use std::time::Duration;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use eventflow::runner::Command;
use eventflow::runner::retention::RetentionLimits;
use eventflow::ui::testing::TestApp;

fn harness(app: TestApp) -> Harness<'static, TestApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut TestApp| app.frame(ui), app)
}

fn app_on_example() -> TestApp {
    let mut app = TestApp::new();
    app.open_text(
        include_str!("../assets/scenarios/new-order.json"),
        "new-order.json",
    )
    .expect("example loads");
    app
}

#[test]
fn half_a_million_rows_scroll_with_only_the_visible_ones_drawn() {
    // The run's first update (a new generation) empties the log: fill it after that.
    let mut h = harness(app_on_example());
    h.run();
    let (first, last) = h.state_mut().fill_log("BigFunction", 500_000);
    assert_eq!(h.state().invocation_count(), 500_000);
    h.run();
    // Following the newest row: the last one is drawn, the first is not, and only a screenful is laid out.
    assert!(
        h.query_by_label_contains(&last).is_some(),
        "the newest row shows"
    );
    assert!(h.query_by_label_contains(&first).is_none());
    let rows = h.query_all_by_label_contains(" BigFunction ").count();
    assert!(rows > 0 && rows < 100, "{rows} rows laid out of 500,000");
    // Stop following, scroll up: the newest row leaves the view, older rows come in.
    h.get_by_label("follow newest").click();
    h.run();
    for _ in 0..30 {
        h.query_all_by_label_contains(" BigFunction ")
            .next()
            .expect("a row is drawn")
            .scroll_up();
        h.run();
    }
    assert!(
        h.query_by_label_contains(&last).is_none(),
        "scrolled away from the newest row"
    );
    let rows = h.query_all_by_label_contains(" BigFunction ").count();
    assert!(
        rows > 0 && rows < 100,
        "{rows} rows laid out after scrolling"
    );
}

#[test]
fn past_the_memory_cap_the_oldest_rows_go_and_the_log_says_so() {
    // The run's first update (a new generation) empties the log: fill it after that.
    let mut h = harness(app_on_example());
    h.run();
    h.state_mut()
        .set_memory_cap(RetentionLimits::with_cap_mb(2));
    let (_, last) = h.state_mut().fill_log("BigFunction", 100_000);
    let kept = h.state().invocation_count();
    assert!(
        kept < 100_000 && kept > 10_000,
        "{kept} rows kept under 2 MB"
    );
    assert!(h.state().log_retained_bytes() <= 2_500_000);
    h.run();
    let note = format!("older rows dropped: {}", 100_000 - kept);
    assert!(h.query_by_label_contains(&note).is_some(), "{note}");
    assert!(
        h.query_by_label_contains(&last).is_some(),
        "the newest row stays"
    );
}

#[test]
fn the_speed_box_takes_a_typed_value() {
    let mut h = harness(app_on_example());
    h.run();
    let speed_box = || Role::TextInput;
    h.get_by_role_and_label(speed_box(), "× speed").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(speed_box(), "× speed")
        .type_text("250");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert_eq!(h.state().snapshot().speed, 250.0);
    // Out of range is clamped; text that is no number changes nothing.
    for (typed, expect) in [("5000x", 1000.0), ("fast", 1000.0), ("2.5×", 2.5)] {
        h.get_by_role_and_label(speed_box(), "× speed").focus();
        h.run();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_role_and_label(speed_box(), "× speed")
            .type_text(typed);
        h.key_press(egui::Key::Enter);
        h.run();
        assert_eq!(h.state().snapshot().speed, expect, "typed {typed:?}");
    }
    // The run plays at the typed speed: 100 ms of wall time is 250 ms of virtual time at 2.5×.
    h.state_mut().send(Command::SkipIdle(false));
    h.state_mut().send(Command::Play);
    let before = h.state().snapshot().now_us;
    h.state().advance(Duration::from_millis(100));
    h.step();
    assert_eq!(h.state().snapshot().now_us - before, 250_000);
}
