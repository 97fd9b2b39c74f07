//! Editor tests: drive the real app through the shared harness (`eventflow::ui::testing`: egui_kittest, manual
//! clock, inline runner) to build flows from an empty canvas, save them, reopen and run them; and check that every
//! example round-trips through the canonical writer. Nodes are found on the canvas by their accessible label;
//! frames run until the UI is stable (`Harness::run`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, Node};
use eventflow::editor::{Destination, WireOptions};
use eventflow::ui::testing::TestApp;
use serde_json::json;

type H = Harness<'static, TestApp>;

fn harness(app: TestApp) -> H {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut TestApp| app.frame(ui), app)
}

/// The canvas node called `name` (a button-like widget with the node's name as its label).
fn node<'a>(h: &'a H, name: &'a str) -> Node<'a> {
    h.get_by_role_and_label(Role::Button, name)
}

/// Clicks the canvas node `name` (in edit mode: selects it alone).
fn click_node(h: &mut H, name: &str) {
    node(h, name).click();
    h.run();
}

/// A fresh folder for one test's files, removed when the test ends (kept nowhere after the run).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("eventflow-editor-ui-")
        .tempdir()
        .expect("temp dir")
}

fn doc_of(h: &H) -> serde_json::Value {
    h.state().edited_document().cloned().expect("editing")
}

/// File → New, then click palette entries by label; returns the harness in edit mode.
fn new_from_menu() -> H {
    let mut h = harness(TestApp::new());
    h.run();
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("New").click();
    h.run();
    assert!(h.state().is_editing(), "File → New opens edit mode");
    h
}

fn add(h: &mut H, label: &str) -> String {
    h.get_by_label(label).click();
    h.run();
    h.state()
        .selected()
        .first()
        .cloned()
        .expect("the new resource is selected")
}

/// Drags from `from`'s wiring handle (the middle of its right edge) onto `to` with real pointer events.
fn drag_wire(h: &mut H, from: &str, to: &str) {
    let a = node(h, from).rect().right_center();
    let b = node(h, to).rect().center();
    h.event(egui::Event::PointerMoved(a));
    h.run();
    h.event(egui::Event::PointerButton {
        pos: a,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    h.run();
    for k in 1..=8 {
        let p = a + (b - a) * (k as f32 / 8.0);
        h.event(egui::Event::PointerMoved(p));
        h.run();
    }
    h.event(egui::Event::PointerButton {
        pos: b,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    h.run();
}

#[test]
fn api_function_queue_function_from_scratch_saved_reopened_and_run() {
    let dir = scratch();
    let mut h = new_from_menu();
    let api = add(&mut h, "API Gateway");
    let f1 = add(&mut h, "Lambda function");
    let q = add(&mut h, "SQS queue");
    let f2 = add(&mut h, "Lambda function");
    assert_eq!(
        [api.as_str(), f1.as_str(), q.as_str(), f2.as_str()],
        ["Api1", "Function1", "Queue1", "Function2"]
    );

    // API → function: the drag opens the route dialog; answer it.
    drag_wire(&mut h, &api, &f1);
    assert!(
        h.query_by_label_contains("Wire Api1 -> Function1")
            .is_some(),
        "the route dialog opens"
    );
    h.get_by_label("POST").click();
    h.run();
    // The path field: replace "/" with "/orders".
    h.get_by_role_and_label(Role::TextInput, "path").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "path")
        .type_text("/orders");
    h.run();
    h.get_by_label("Wire").click();
    h.run();
    let doc = doc_of(&h);
    assert_eq!(
        doc["resources"]["Api1"]["routes"]["POST /orders"],
        json!("Function1"),
        "{doc:#}"
    );

    // Queue → function by dragging: an event source mapping.
    drag_wire(&mut h, &q, &f2);
    let doc = doc_of(&h);
    assert_eq!(
        doc["resources"]["Queue1Trigger"]["source"],
        json!("Queue1"),
        "{doc:#}"
    );

    // A pair AWS does not allow is refused with a reason.
    drag_wire(&mut h, &q, &api);
    let msg = h.state().edit_message().cloned().expect("a message");
    assert!(
        msg.1 && msg.0.contains("SQS queue delivers only"),
        "{msg:?}"
    );

    // Function1 sends to the queue from its code (the in-app code editor's Apply does this edit).
    let code = "fn handler(event, context) {\n    sqs::send(\"Queue1\", event.body);\n    #{ statusCode: 202 }\n}\n";
    let d = eventflow::editor::set_field(
        &doc_of(&h),
        "Function1",
        "code",
        Some(json!({ "inline": code })),
    )
    .expect("sets");
    h.state_mut().edit(d, "code");
    h.run();

    // Timeout through the property form of the node clicked on the canvas.
    click_node(&mut h, "Function1");
    assert_eq!(h.state().selected(), ["Function1"]);
    h.get_by_label("timeout_s value").set_value_accesskit(10.0);
    h.run();
    assert_eq!(doc_of(&h)["resources"]["Function1"]["timeout_s"], json!(10));

    // Traffic for the API from the traffic editor (pre-filled with the API's route).
    click_node(&mut h, "Api1");
    h.get_by_label("Traffic").click();
    h.run();
    h.get_by_label("Add traffic source").click();
    h.run();
    let doc = doc_of(&h);
    assert_eq!(
        doc["traffic"][0]["request"]["method"],
        json!("POST"),
        "{doc:#}"
    );
    assert!(
        h.state().problems().is_empty(),
        "{:?}",
        h.state().problems()
    );

    // Undo and redo (keyboard).
    h.state_mut().select_names(Vec::new());
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(
        doc_of(&h).get("traffic").is_none(),
        "undo removes the traffic"
    );
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    assert!(doc_of(&h).get("traffic").is_some(), "redo brings it back");

    // Save (what Save As does with the chosen path), then reopen and run it in a fresh app.
    let path = dir.path().join("flow.json");
    h.state_mut().save(Some(&path));
    h.run();
    assert!(!h.state().is_dirty());
    let sc = eventflow::scenario::load_file(&path).expect("the saved file loads");
    let text = std::fs::read_to_string(&path).expect("saved");
    assert!(text.contains("\"POST /orders\": \"Function1\""), "{text}");
    assert!(text.contains("\"timeout_s\": 10"), "{text}");
    assert!(text.contains("\"layout\""), "positions are saved");
    assert_eq!(
        text,
        eventflow::scenario::write::canonical_text(&sc.document),
        "saved text is canonical (= eventflow fmt)"
    );

    let mut app2 = TestApp::new();
    app2.open_file(&path);
    let mut h2 = harness(app2);
    h2.run();
    h2.get_by_label("Play").click();
    // While playing the app repaints every frame: advance the clock until Function2 has finished once.
    for _ in 0..400 {
        h2.state().advance(Duration::from_millis(100));
        h2.step();
        if h2
            .state()
            .invocations()
            .iter()
            .any(|r| &*r.function == "Function2" && r.status.is_some())
        {
            break;
        }
    }
    let rows = h2.state().invocations();
    assert!(
        rows.iter().any(|r| &*r.function == "Function1"),
        "the API invokes Function1"
    );
    assert!(
        rows.iter()
            .any(|r| &*r.function == "Function2" && r.status.is_some()),
        "the queue triggers Function2 ({} rows)",
        rows.len()
    );
}

#[test]
fn invalid_edits_show_problems_and_keep_the_last_good_run() {
    let mut h = new_from_menu();
    let f = add(&mut h, "Lambda function");
    let running = h.state().scenario().cloned().expect("running");
    assert!(running.find(&f).is_some());
    let rule = add(&mut h, "EventBridge rule");
    assert!(
        !h.state().problems().is_empty(),
        "a rule with no bus or target has problems"
    );
    assert!(
        Arc::ptr_eq(h.state().scenario().expect("running"), &running),
        "the last valid design keeps running"
    );
    assert!(
        h.query_by_role_and_label(Role::Button, &rule).is_some(),
        "the broken rule is still drawn"
    );
    // Wire it: bus → rule, rule → function; it becomes valid and runs.
    let bus = add(&mut h, "EventBridge bus");
    h.state_mut()
        .wire(&bus, &rule, &WireOptions::default())
        .expect("bus → rule");
    h.state_mut()
        .wire(&rule, &f, &WireOptions::default())
        .expect("rule → function");
    h.run();
    assert!(h.state().problems().is_empty());
    assert!(h.state().scenario().expect("running").find(&rule).is_some());
    // A destination needs an answer; a refused pair says why.
    let q = add(&mut h, "SQS queue");
    let dest = WireOptions {
        destination: Some(Destination::OnFailure),
        ..Default::default()
    };
    h.state_mut().wire(&f, &q, &dest).expect("function → queue");
    assert!(
        h.state_mut()
            .wire(&f, &bus, &WireOptions::default())
            .is_err()
    );
    // Rename follows references; delete removes them.
    h.state_mut().rename(&q, "Failures").expect("renames");
    assert_eq!(
        doc_of(&h)["resources"][&f]["async"]["on_failure"],
        json!("Failures")
    );
    h.run();
    click_node(&mut h, "Failures");
    h.key_press(egui::Key::Delete);
    h.run();
    assert!(
        doc_of(&h)["resources"][&f]
            .get("async")
            .and_then(|a| a.get("on_failure"))
            .is_none()
    );
}

#[test]
fn palette_drag_and_drop_adds_where_dropped() {
    let mut h = new_from_menu();
    let src = h.get_by_label("SQS queue").rect().center();
    let canvas = egui::pos2(700.0, 400.0);
    h.drag_at(src);
    h.run();
    for k in 1..=6 {
        h.hover_at(src + (canvas - src) * (k as f32 / 6.0));
        h.run();
    }
    h.drop_at(canvas);
    h.run();
    let doc = doc_of(&h);
    assert!(doc["resources"].get("Queue1").is_some(), "{doc:#}");
    let r = node(&h, "Queue1").rect();
    assert!(
        r.center().distance(canvas) < 30.0,
        "dropped at {canvas:?}, drawn at {:?}",
        r.center()
    );
}

#[test]
fn unsaved_changes_ask_before_opening_another_scenario() {
    let mut h = new_from_menu();
    add(&mut h, "SNS topic");
    assert!(h.state().is_dirty());
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("New").click();
    h.run();
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run();
    assert!(
        doc_of(&h)["resources"].get("Topic1").is_some(),
        "cancel keeps the edits"
    );
    h.get_by_label("File").click();
    h.run();
    h.get_by_label("New").click();
    h.run();
    h.get_by_label("Discard changes").click();
    h.run();
    assert!(
        doc_of(&h)["resources"]
            .as_object()
            .is_some_and(|m| m.is_empty()),
        "a fresh scenario"
    );
}

/// Every example: load → canonical text is byte-identical to the file, and the editor's save writes the same.
#[test]
fn every_example_round_trips_byte_identical() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("examples") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("reads");
        let sc = eventflow::scenario::load_file(&p).expect("loads");
        let canonical = eventflow::scenario::write::canonical_text(&sc.document);
        assert_eq!(canonical, text, "{} is not canonical", p.display());
        let session =
            eventflow::editor::session::Session::new(sc.document.clone(), Some(p.clone()));
        assert!(
            session.problems.is_empty(),
            "{}: {:?}",
            p.display(),
            session.problems
        );
        assert_eq!(
            session.save_text(&[]),
            text,
            "{}: the editor's save differs",
            p.display()
        );
        n += 1;
    }
    assert!(n >= 5);
}

/// Opening an example in edit mode and saving it without edits (even after the canvas was drawn) writes the
/// same bytes.
#[test]
fn open_edit_save_without_edits_is_byte_identical() {
    let dir = scratch();
    let src = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/api-hello.json"
    ));
    let path = dir.path().join("api-hello.json");
    std::fs::copy(&src, &path).expect("copies");
    let mut app = TestApp::new();
    app.open_file(&path);
    app.set_editing(true);
    let mut h = harness(app);
    h.run();
    h.state_mut().save(None);
    h.run();
    assert_eq!(
        std::fs::read(&path).expect("saved"),
        std::fs::read(&src).expect("source")
    );
}

/// Issue 17 item 1: an example opened from the gallery shows its real handler script in the code editor (not an
/// empty buffer that "Save script" would write over the file), and Save As copies the script beside the new file.
#[test]
fn gallery_example_edits_the_real_script_and_save_as_copies_it() {
    let scratch_dir = scratch();
    let mut h = harness(TestApp::new());
    h.run();
    h.get_by_label("Open New Order on an event bus").click();
    h.run();
    // "Edit" is both a menu and the toolbar's mode toggle (drawn after the menu bar).
    h.get_all_by_label("Edit")
        .last()
        .expect("the Edit toggle")
        .click();
    h.run();
    assert!(h.state().is_editing(), "edit mode");
    click_node(&mut h, "ValidateOrder");
    let script = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("assets/scenarios/handlers/validate_order.rhai"),
    )
    .expect("the example's script");
    let first_line = script
        .lines()
        .find(|l| l.contains("fn handler"))
        .expect("the script defines its handler")
        .trim()
        .to_string();
    assert_eq!(
        h.state().selected(),
        ["ValidateOrder"],
        "the click selected the function"
    );
    let shown = h
        .get_by_role_and_label(Role::MultilineTextInput, "handler source")
        .value()
        .unwrap_or_default();
    assert!(
        shown.contains(&first_line) && shown.len() == script.len(),
        "the code editor shows the script's text ({first_line}), got {shown:?}"
    );
    assert!(
        h.query_by_label_contains("defines no").is_none(),
        "no 'defines no fn handler' complaint"
    );
    assert!(
        h.query_by_label("compiles").is_some(),
        "the real script compiles"
    );

    // Save As into a fresh folder: the scenario and its script arrive together, and the saved file runs its code.
    let dir = scratch_dir.path().join("gallery-save-as");
    std::fs::create_dir_all(&dir).expect("dir");
    let target = dir.join("new-order.json");
    h.state_mut().save(Some(&target));
    h.run();
    let copied = std::fs::read_to_string(dir.join("handlers/validate_order.rhai"))
        .expect("Save As copied the script beside the scenario");
    assert_eq!(copied, script);
    let sc = eventflow::scenario::load_file(&target).expect("the saved scenario loads");
    assert!(!sc.resources.is_empty());
}

/// Selects the code editor's text and types `code` over it.
fn type_code(h: &mut H, code: &str) {
    h.get_by_role_and_label(Role::MultilineTextInput, "handler source")
        .focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::MultilineTextInput, "handler source")
        .type_text(code);
    h.step();
}

/// Issue 17 items 6 and 10: code that compiles applies itself when typing pauses (until then the editor says it is
/// not applied); code that does not compile says it is not applied, and the function keeps its edges (drawn wired
/// with its problem badge, never "not wired yet"); the code editor has line numbers.
#[test]
fn code_applies_on_a_pause_and_a_syntax_error_keeps_the_node_wired() {
    let mut h = new_from_menu();
    let api = add(&mut h, "API Gateway");
    let f = add(&mut h, "Lambda function");
    h.state_mut()
        .wire(
            &api,
            &f,
            &WireOptions {
                route: Some("GET /".into()),
                ..Default::default()
            },
        )
        .expect("api → function");
    h.run();
    click_node(&mut h, &f);
    h.get_by_label("Add inline code").click();
    h.run();
    // Line numbers beside the code.
    h.get_by_label_contains("1\n2\n3");

    type_code(&mut h, "fn handler(event, context) { let x = ; }");
    h.run();
    h.get_by_label_contains("Not applied: the code does not compile");
    for _ in 0..120 {
        h.step();
    }
    let code_in_doc = |h: &H| doc_of(h)["resources"][&f]["code"]["inline"].clone();
    assert!(
        !code_in_doc(&h).as_str().unwrap_or("").contains("let x = ;"),
        "code that does not compile is never applied by itself"
    );
    h.get_by_label("Apply code").scroll_to_me();
    h.run();
    h.get_by_label("Apply code").click();
    h.run();
    assert!(
        code_in_doc(&h).as_str().unwrap_or("").contains("let x = ;"),
        "Apply code applies it anyway"
    );
    assert!(
        !h.state().problems().is_empty(),
        "the syntax error is a problem"
    );
    assert!(
        h.query_by_label_contains("not wired yet").is_none(),
        "the function stays wired"
    );
    node(&h, &f);

    let good = "fn handler(event, context) { #{ statusCode: 200 } }";
    type_code(&mut h, good);
    h.get_by_label_contains("Not applied yet");
    assert_ne!(code_in_doc(&h), json!(good), "not before typing pauses");
    for _ in 0..200 {
        if code_in_doc(&h) == json!(good) {
            break;
        }
        h.step();
    }
    assert_eq!(code_in_doc(&h), json!(good), "applied after the pause");
    h.run();
    assert!(h.query_by_label_contains("Not applied").is_none());
    assert!(h.state().problems().is_empty());
}

/// Issue 17 item 9: node positions are part of the undo history: undoing a delete, and redoing an undone add,
/// bring the node back where it was.
#[test]
fn undo_and_redo_bring_nodes_back_where_they_were() {
    let mut h = new_from_menu();
    let _first = add(&mut h, "SQS queue");
    let second = add(&mut h, "Lambda function");
    let at = node(&h, &second).rect();

    click_node(&mut h, &second);
    h.key_press(egui::Key::Delete);
    h.run();
    assert!(h.query_by_role_and_label(Role::Button, &second).is_none());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(node(&h, &second).rect(), at, "undo of the delete");

    // Undo the add, then redo it.
    h.state_mut().select_names(Vec::new());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(h.query_by_role_and_label(Role::Button, &second).is_none());
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    assert_eq!(node(&h, &second).rect(), at, "redo of the add");
}

/// Issue 17 item 2: wiring a function that only an API invokes (synchronously) to a queue warns that a
/// destination would never fire, proposes "code sends to it", and that adds the SDK call to the handler.
#[test]
fn function_to_queue_behind_an_api_offers_code_sends_to_it() {
    let mut h = new_from_menu();
    let api = add(&mut h, "API Gateway");
    let f = add(&mut h, "Lambda function");
    let q = add(&mut h, "SQS queue");
    drag_wire(&mut h, &api, &f);
    h.get_by_label("Wire").click();
    h.run();
    assert_eq!(doc_of(&h)["resources"][&api]["routes"]["GET /"], json!(f));

    drag_wire(&mut h, &f, &q);
    h.get_by_label_contains("only invoked synchronously (by Api1)");
    h.get_by_label("Wire").click();
    h.run();
    let doc = doc_of(&h);
    let code = doc["resources"][&f]["code"]["inline"]
        .as_str()
        .unwrap_or_else(|| panic!("inline code: {doc:#}"));
    assert!(code.contains("sqs::send(\"Queue1\", event);"), "{code}");
    assert!(
        doc["resources"][&f].get("async").is_none(),
        "no destination"
    );
    assert!(
        h.state().problems().is_empty(),
        "{:?}",
        h.state().problems()
    );
}

/// Issue 17 item 12: a file that does not load opens (File → Open) as raw JSON with the loader's problems —
/// file:line:col, JSON path, message — and line numbers; Apply checks again and lists what is left, Save writes the
/// text as it is, and once it is clean Apply loads it. Unsaved fixes are unsaved changes.
#[test]
fn a_file_that_does_not_load_opens_as_raw_json_to_fix_and_load() {
    let dir = scratch();
    let path = dir.path().join("does-not-load.json");
    let good = include_str!("../assets/scenarios/api-hello.json");
    // Two problems: a route to a function that does not exist, and a misspelt key.
    let bad = good
        .replacen(
            "\"GET /items/{id}\": \"GetItem\"",
            "\"GET /items/{id}\": \"GetItems\"",
            1,
        )
        .replacen("\"memory_mb\": 512", "\"memory_mbb\": 512", 1);
    assert_ne!(bad, good);
    std::fs::write(&path, &bad).expect("written");
    let mut h = harness(TestApp::new());
    h.run();
    h.state_mut().open_file(&path);
    h.run();
    assert!(h.state().scenario().is_none(), "nothing loaded");
    let problems = h.state().raw_problems().expect("open as raw JSON").to_vec();
    assert_eq!(problems.len(), 2, "{problems:?}");
    h.get_by_label("does-not-load.json does not load");
    for p in &problems {
        assert!(p.line > 1 && p.col >= 1, "located: {p}");
        // Listed as the loader prints them: file:line:col: path: message.
        h.get_by_label(&p.to_string());
    }
    h.get_by_label_contains("resources.ItemsApi.routes");
    h.get_by_label_contains("resources.CreateItem");
    let text_box = || Role::MultilineTextInput;
    h.get_by_role_and_label(text_box(), "scenario JSON");
    // The gutter numbers every line.
    let lines = bad.split('\n').count();
    h.get_by_label_contains(&format!("\n{lines}"));

    // Fix one problem, Apply: one is left, and the text is unsaved.
    let half = bad.replacen("\"GetItems\"", "\"GetItem\"", 1);
    h.get_by_role_and_label(text_box(), "scenario JSON").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(text_box(), "scenario JSON")
        .type_text(&half);
    h.run();
    h.get_by_label("Apply").click();
    h.run();
    assert_eq!(h.state().raw_problems().map(<[_]>::len), Some(1));
    h.get_by_label_contains("1 problem(s) left");
    assert!(h.state().is_dirty(), "unsaved fixes are unsaved changes");
    // Save writes the text as it is.
    h.get_by_label("Save").click();
    h.run();
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), half);
    assert!(!h.state().is_dirty());

    // Fix the other, Apply: it loads (unsaved, so kept as unsaved changes for Save).
    h.get_by_role_and_label(text_box(), "scenario JSON").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(text_box(), "scenario JSON")
        .type_text(good);
    h.run();
    h.get_by_label("Apply").click();
    h.run();
    assert!(h.state().raw_problems().is_none());
    let sc = h.state().scenario().cloned().expect("loaded");
    assert_eq!(sc.name, "HTTP API to a function");
    assert!(h.state().is_dirty(), "the fixes are not on disk yet");
    h.get_by_role_and_label(Role::Button, "GetItem");
    let _ = std::fs::remove_file(&path);
}
