//! Tests of the pure document operations: every wiring pair, rename and delete with references, sessions.

use serde_json::{Value, json};

use super::session::Session;
use super::*;
use crate::scenario::write::canonical_text;
use crate::scenario::{ResourceType as T, load_str};

fn loads(doc: &Value) -> Result<crate::scenario::Scenario, String> {
    load_str(&canonical_text(doc), "test.json", None).map_err(|e| e.to_string())
}

/// One resource of every type, all wired so that the document is valid.
fn everything() -> Value {
    json!({
        "format": "eventflow/1",
        "name": "all",
        "resources": {
            "Api": { "type": "api", "routes": { "GET /a": "F" } },
            "F": { "type": "function", "async": { "on_failure": "Q" }, "dead_letter": "Tp" },
            "G": { "type": "function" },
            "Bus": { "type": "event_bus" },
            "R": { "type": "rule", "bus": "Bus", "pattern": { "source": ["x"] }, "targets": ["F", { "target": "Q" }], "dead_letter": "Dlq" },
            "S": { "type": "schedule", "expression": "rate(1 minute)", "targets": ["G"] },
            "B": { "type": "bucket", "notifications": [{ "events": ["s3:ObjectCreated:*"], "target": "F" }] },
            "Q": { "type": "queue", "dead_letter": { "target": "Dlq", "max_receive_count": 3 } },
            "Dlq": { "type": "queue" },
            "Tp": { "type": "topic", "subscriptions": [{ "target": "G" }] },
            "Tb": { "type": "table", "partition_key": "id", "stream": "NEW_IMAGE" },
            "Tr": { "type": "trigger", "source": "Q", "function": "G" },
            "Sm": { "type": "state_machine", "definition": { "StartAt": "Done", "States": { "Done": { "Type": "Succeed" } } } }
        },
        "traffic": [ { "to": "F", "at_s": 1, "payload": {} }, { "name": "calls", "to": "Api", "at_s": 1, "request": { "method": "GET", "path": "/a" } } ],
        "layout": { "F": { "x": 1, "y": 2 }, "Q": { "x": 3, "y": 4 }, "traffic:calls": { "x": 0, "y": 0 } }
    })
}

#[test]
fn the_fixture_is_valid() {
    loads(&everything()).expect("valid");
}

#[test]
fn new_document_is_valid_and_empty() {
    let sc = loads(&new_document()).expect("an empty scenario loads");
    assert!(sc.resources.is_empty());
}

#[test]
fn every_type_can_be_added_with_a_fresh_id() {
    let mut doc = everything();
    for t in T::ALL {
        let (d, id) = add_resource(&doc, t).expect("adds");
        assert!(id.starts_with(id_base(t)), "{id}");
        assert_eq!(type_of(&d, &id), Some(t));
        doc = d;
    }
    // Types that need no wiring are valid right away.
    for t in [
        T::Function,
        T::EventBus,
        T::Bucket,
        T::Queue,
        T::Topic,
        T::Table,
        T::StateMachine,
    ] {
        let (d, _) = add_resource(&everything(), t).expect("adds");
        loads(&d).unwrap_or_else(|e| panic!("{t:?}: {e}"));
    }
}

#[test]
fn fresh_ids_count_up() {
    let (d, a) = add_resource(&new_document(), T::Function).expect("adds");
    let (_, b) = add_resource(&d, T::Function).expect("adds");
    assert_eq!((a.as_str(), b.as_str()), ("Function1", "Function2"));
}

/// Every pair of types: allowed pairs make a valid document (with the answers a dialog would give); refused pairs
/// say why.
#[test]
fn every_wiring_pair_is_allowed_or_refused_with_a_reason() {
    let ids = [
        (T::Function, "G"),
        (T::Api, "Api"),
        (T::EventBus, "Bus"),
        (T::Rule, "R"),
        (T::Schedule, "S"),
        (T::Bucket, "B"),
        (T::Queue, "Dlq"),
        (T::Topic, "Tp"),
        (T::Table, "Tb"),
        (T::Trigger, "Tr"),
        (T::StateMachine, "Sm"),
    ];
    let mut allowed = 0;
    for (ft, from) in ids {
        for (tt, to) in ids {
            let opts = WireOptions {
                route: Some("POST /new".into()),
                destination: Some(Destination::OnSuccess),
            };
            match (wire_kind(ft, tt), wire(&everything(), from, to, &opts)) {
                (Ok(_), Ok((doc, what))) => {
                    allowed += 1;
                    assert!(!what.is_empty());
                    loads(&doc).unwrap_or_else(|e| panic!("{from} → {to} ({what}): {e}"));
                }
                (Ok(_), Err(e)) => {
                    // Allowed in general, refused here only because the fixture already has it or it is a self-loop.
                    let m = e.to_string();
                    assert!(
                        m.contains("already") || m.contains("itself") || m.contains("overlapping"),
                        "{from} → {to}: {m}"
                    );
                }
                (Err(EditError::Refused(why)), Err(_)) => {
                    assert!(why.len() > 20, "{from} → {to}: {why}")
                }
                other => panic!("{from} → {to}: {other:?}"),
            }
        }
    }
    assert!(allowed >= 15, "{allowed}");
}

#[test]
fn wiring_makes_the_right_thing() {
    let doc = json!({ "format": "eventflow/1", "name": "w", "resources": {
        "A": { "type": "api", "routes": {} }, "F": { "type": "function" }, "Q": { "type": "queue" },
        "G": { "type": "function" }, "T": { "type": "table", "partition_key": "id" },
        "Bus": { "type": "event_bus" }, "R": { "type": "rule", "bus": "", "pattern": { "source": ["a"] }, "targets": [] } } });
    let o = WireOptions::default();
    let (d, _) = wire(&doc, "Q", "F", &o).expect("queue → function");
    assert_eq!(
        d["resources"]["QTrigger"],
        json!({ "type": "trigger", "source": "Q", "function": "F" })
    );
    assert!(
        wire(&d, "Q", "F", &o).is_err(),
        "a second identical trigger is refused"
    );
    let (d2, _) = wire(&d, "Q", "G", &o).expect("a second function on the queue");
    assert_eq!(
        d2["resources"]["QToG"]["function"], "G",
        "the readable second name"
    );
    let (d, _) = wire(&doc, "T", "G", &o).expect("table → function");
    assert_eq!(d["resources"]["T"]["stream"], json!("NEW_AND_OLD_IMAGES"));
    assert!(
        wire(&doc, "A", "F", &o).is_err(),
        "a route needs METHOD and path"
    );
    let bad = WireOptions {
        route: Some("FETCH x".into()),
        ..o.clone()
    };
    assert!(wire(&doc, "A", "F", &bad).is_err());
    let route = WireOptions {
        route: Some("GET /items/{id}".into()),
        ..o.clone()
    };
    let (d, _) = wire(&doc, "A", "F", &route).expect("api → function");
    assert_eq!(d["resources"]["A"]["routes"]["GET /items/{id}"], json!("F"));
    let (d, _) = wire(&d, "Bus", "R", &o).expect("bus → rule");
    let (d, _) = wire(&d, "R", "Q", &o).expect("rule → queue");
    assert_eq!(d["resources"]["R"]["bus"], json!("Bus"));
    assert_eq!(d["resources"]["R"]["targets"], json!(["Q"]));
    assert!(
        wire(&doc, "F", "Q", &o).is_err(),
        "a destination needs on_success/on_failure"
    );
    let dest = WireOptions {
        destination: Some(Destination::OnFailure),
        ..o.clone()
    };
    let (d2, _) = wire(&d, "F", "Q", &dest).expect("function → queue");
    assert_eq!(d2["resources"]["F"]["async"]["on_failure"], json!("Q"));
    loads(&d2).expect("valid");
    let e = wire(&doc, "F", "T", &o).expect_err("function → table is refused");
    assert!(e.to_string().contains("code"), "{e}");
}

#[test]
fn five_targets_at_most() {
    let mut doc = json!({ "format": "eventflow/1", "name": "w", "resources": {
        "S": { "type": "schedule", "expression": "rate(1 minute)", "targets": [] } } });
    for i in 0..6 {
        let (d, id) = add_resource(&doc, T::Queue).expect("adds");
        let r = wire(&d, "S", &id, &WireOptions::default());
        if i < 5 {
            doc = r.expect("wires").0;
        } else {
            assert!(r.expect_err("sixth").to_string().contains("5 targets"));
        }
    }
}

#[test]
fn rename_moves_every_reference() {
    let doc = everything();
    for old in ["F", "G", "Q", "Dlq", "Tp", "Bus", "Api", "Tb"] {
        let d = rename(&doc, old, "Renamed").expect("renames");
        let sc = loads(&d).unwrap_or_else(|e| panic!("rename {old}: {e}"));
        assert!(sc.find(old).is_none());
        assert!(sc.find("Renamed").is_some());
        let text = canonical_text(&d);
        assert!(
            !text.contains(&format!("\"{old}\"")),
            "{old} left in:\n{text}"
        );
        // The renamed resource keeps its place.
        let before: Vec<&String> = doc["resources"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let after: Vec<&String> = d["resources"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let i = before
            .iter()
            .position(|k| k.as_str() == old)
            .expect("there");
        assert_eq!(after[i], "Renamed");
    }
    assert_eq!(rename(&doc, "F", "G"), Err(EditError::Taken("G".into())));
    assert!(matches!(
        rename(&doc, "F", "1bad"),
        Err(EditError::BadId(_))
    ));
    assert!(matches!(
        rename(&doc, "Nope", "X"),
        Err(EditError::NoResource(_))
    ));
}

#[test]
fn delete_removes_references_or_leaves_visible_problems() {
    let doc = everything();
    for id in [
        "F", "G", "Q", "Dlq", "Tp", "Api", "Tb", "R", "S", "B", "Sm", "Tr",
    ] {
        let d = delete(&doc, &[id.to_string()]).expect("deletes");
        // Either valid, or what is left shows as problems of other resources (a schedule without targets).
        if let Err(e) = load_str(&canonical_text(&d), "t.json", None) {
            for p in e.problems() {
                let owner =
                    super::session::resource_of_path(&p.path).expect("a resource's problem");
                assert_ne!(owner, id, "{p}");
            }
        }
        assert!(
            !canonical_text(&d).contains(&format!("\"{id}\"")),
            "{id} still referenced"
        );
    }
    // Deleting the queue removes the trigger on it, the rule target, the destination and the layout key.
    let d = delete(&doc, &["Q".into()]).expect("deletes");
    assert!(d["resources"].get("Tr").is_none());
    assert!(d["layout"].get("Q").is_none());
    // Deleting a rule's bus leaves the rule with a dangling bus: a problem shown on the rule.
    let d = delete(&doc, &["Bus".into()]).expect("deletes");
    let e = loads(&d).expect_err("dangling bus");
    assert!(e.contains("resources.R.bus"), "{e}");
    // Deleting the api drops its traffic and that traffic's layout key.
    let d = delete(&doc, &["Api".into()]).expect("deletes");
    assert_eq!(d["traffic"].as_array().map(Vec::len), Some(1));
    assert!(d["layout"].get("traffic:calls").is_none());
}

#[test]
fn duplicate_copies_under_a_fresh_id() {
    let (d, id) = duplicate(&everything(), "F").expect("duplicates");
    assert_eq!(id, "F1");
    assert_eq!(d["resources"]["F1"], everything()["resources"]["F"]);
    loads(&d).expect("valid");
}

#[test]
fn session_undo_redo_and_dirty() {
    let mut s = Session::new(new_document(), None);
    assert!(!s.dirty && !s.can_undo());
    let (d, f) = add_resource(s.doc(), T::Function).expect("adds");
    assert!(s.apply(d).is_some(), "valid edit gives a scenario to run");
    assert!(s.dirty);
    let (d, _) = add_resource(s.doc(), T::Rule).expect("adds");
    assert!(
        s.apply(d).is_none(),
        "a rule without bus and targets is invalid"
    );
    assert!(!s.problems.is_empty());
    let (shown, ghosts) = s.display().expect("the valid part is shown");
    assert_eq!(shown.resources.len(), 1);
    assert_eq!(ghosts, vec![("Rule1".to_string(), T::Rule)]);
    assert!(s.undo().expect("undoes").is_some());
    assert!(s.problems.is_empty());
    assert!(s.redo().expect("redoes").is_none());
    assert!(s.undo().is_some() && s.undo().is_some());
    assert!(s.undo().is_none());
    assert!(type_of(s.doc(), &f).is_none());
}

#[test]
fn save_writes_canonical_text_and_round_trips() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let path = dir.join("s.json");
    let mut s = Session::new(everything(), None);
    s.save(Some(&path), &[]).expect("saves");
    let text = std::fs::read_to_string(&path).expect("reads");
    assert_eq!(text, canonical_text(&everything()));
    assert!(!s.dirty);
    let sc = crate::scenario::load_file(&path).expect("loads");
    let again = Session::new(sc.document.clone(), Some(path.clone()));
    assert_eq!(
        again.save_text(&[]),
        text,
        "load + save without edits is byte-identical"
    );
}

#[test]
fn saving_a_touched_layout_writes_positions() {
    let mut s = Session::new(everything(), None);
    s.layout_touched = true;
    let d = s.document_to_save(&[
        ("F".into(), 10.4, -3.6),
        ("Gone".into(), 0.0, 0.0),
        ("traffic:calls".into(), 5.0, 5.0),
    ]);
    assert_eq!(
        d["layout"],
        json!({ "F": { "x": 10, "y": -4 }, "traffic:calls": { "x": 5, "y": 5 } })
    );
    loads(&d).expect("valid");
}

// ---- the typed form's fields ------------------------------------------------------------------------------------------

fn form_field(t: T, key: &str) -> fields::Field {
    match fields::fields_of(t).iter().find(|f| f.key == key) {
        Some(f) => *f,
        None => panic!("no field {key} for {t:?}"),
    }
}

#[test]
fn form_fields_are_the_registry_keys_in_order() {
    for t in T::ALL {
        let form: Vec<&str> = fields::fields_of(t).iter().map(|f| f.key).collect();
        let registry: Vec<&str> = crate::scenario::registry::of(t)
            .keys
            .iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(form, registry, "{t:?}");
        assert!(fields::fields_of(t).iter().all(|f| !f.doc.is_empty()));
    }
}

#[test]
fn form_fields_carry_the_loaders_ranges_and_defaults() {
    use fields::FieldKind as K;
    assert_eq!(
        form_field(T::Function, "timeout_s").kind,
        K::Int {
            min: 1,
            max: 900,
            default: 3
        }
    );
    // The loader reads any number of seconds from 0 to its 100-year maximum for times (AWS documents no range);
    // the form no longer says 1–86,400.
    assert_eq!(
        form_field(T::Function, "idle_timeout_s").kind,
        K::Float {
            min: 0.0,
            max: crate::scenario::MAX_TIME_S,
            default: 600.0
        }
    );
    // HTTP APIs allow 30 s; REST APIs are capped at 29 s by the loader's cross-field rule.
    assert_eq!(
        form_field(T::Api, "timeout_ms").kind,
        K::Int {
            min: 50,
            max: 30_000,
            default: 29_000
        }
    );
    assert_eq!(
        form_field(T::Table, "stream").kind,
        K::Enum {
            choices: &[
                "",
                "KEYS_ONLY",
                "NEW_IMAGE",
                "OLD_IMAGE",
                "NEW_AND_OLD_IMAGES"
            ],
            default: ""
        }
    );
    assert_eq!(
        form_field(T::Trigger, "maximum_concurrency").kind,
        K::Int {
            min: 2,
            max: 1000,
            default: 2
        }
    );
    assert_eq!(
        form_field(T::Function, "dead_letter").kind,
        K::Ref(&[T::Queue, T::Topic])
    );
    assert_eq!(form_field(T::Queue, "dead_letter").kind, K::Json);
    assert_eq!(form_field(T::Function, "code").kind, K::Code);
    assert_eq!(form_field(T::Function, "duration_ms").kind, K::Dist);
    let routes = form_field(T::Api, "routes");
    assert!(routes.required && routes.kind == K::Json);
    assert_eq!(
        fields::destination_types(),
        &[T::Queue, T::Topic, T::EventBus, T::Function]
    );
}

/// Issue 17 item 10: a function whose code has a syntax error stays on the canvas wired (its edges drawn) with a
/// problem on its code, instead of being taken out as "not wired yet".
#[test]
fn a_code_syntax_error_keeps_the_function_wired_in_the_display() {
    let doc = json!({
        "format": "eventflow/1",
        "name": "t",
        "resources": {
            "Api": { "type": "api", "routes": { "GET /": "F" } },
            "F": { "type": "function", "code": { "inline": "fn handler(event, context) { let x = ; }" } }
        }
    });
    let mut s = Session::new(new_document(), None);
    assert!(s.apply(doc).is_none(), "the code does not compile");
    assert!(
        s.problems
            .iter()
            .any(|p| p.path == "resources.F.code.inline"),
        "{:?}",
        s.problems
    );
    let (shown, ghosts) = s.display().expect("shown");
    assert!(ghosts.is_empty(), "{ghosts:?}");
    let f = shown.find("F").expect("F is drawn as a wired node");
    let api = shown.find("Api").expect("Api");
    assert_eq!(shown.resources.len(), 2);
    assert!(shown.resource(f).resource_type() == T::Function);
    assert!(shown.resource(api).resource_type() == T::Api);
    // A function with a fault outside its code is still taken out.
    let mut bad = s.doc().clone();
    bad["resources"]["F"]["memory_mb"] = json!(-1);
    s.apply(bad);
    let (_, ghosts) = s.display().expect("shown");
    assert_eq!(ghosts, vec![("F".to_string(), T::Function)]);
}

/// Issue 17 item 2: a destination of a function only an API or a trigger invokes never fires.
#[test]
fn a_destination_of_a_synchronously_invoked_function_is_flagged() {
    let doc = json!({ "format": "eventflow/1", "name": "w", "resources": {
        "A": { "type": "api", "routes": { "GET /": "F" } }, "F": { "type": "function" }, "Q": { "type": "queue" },
        "G": { "type": "function" }, "T": { "type": "topic", "subscriptions": [{ "target": "G" }] },
        "H": { "type": "function" }, "M": { "type": "trigger", "source": "Q", "function": "H" } } });
    let warning = destination_never_fires(&doc, "F", "Q").expect("F is only invoked by A");
    assert!(warning.contains("sqs::send(\"Q\", event)"), "{warning}");
    assert!(
        destination_never_fires(&doc, "H", "T").is_some(),
        "a trigger invokes synchronously"
    );
    assert_eq!(
        destination_never_fires(&doc, "G", "Q"),
        None,
        "SNS invokes asynchronously"
    );
}

#[test]
fn code_sends_to_it_adds_the_sdk_call_to_the_inline_handler() {
    let doc = json!({ "format": "eventflow/1", "name": "w", "resources": {
        "F": { "type": "function" }, "Q": { "type": "queue" }, "B": { "type": "event_bus" },
        "S": { "type": "function", "code": { "script": "s.rhai" } } } });
    let o = WireOptions {
        route: None,
        destination: Some(Destination::CodeSends),
    };
    let (d, _) = wire(&doc, "F", "Q", &o).expect("code sends");
    let code = d["resources"]["F"]["code"]["inline"]
        .as_str()
        .expect("inline");
    assert_eq!(
        code,
        "fn handler(event, context) {\n    sqs::send(\"Q\", event);\n    event\n}\n"
    );
    let (d, _) = wire(&d, "F", "B", &o).expect("and to the bus");
    let code = d["resources"]["F"]["code"]["inline"]
        .as_str()
        .expect("inline");
    assert!(
        code.starts_with("fn handler(event, context) {\n    events::put(\"B\""),
        "{code}"
    );
    assert!(
        code.contains("sqs::send(\"Q\", event);"),
        "the first call stays: {code}"
    );
    assert!(d["resources"]["F"].get("async").is_none());
    let refused = wire(&doc, "S", "Q", &o).expect_err("a script file is not in the document");
    assert!(
        refused
            .to_string()
            .contains("add `sqs::send(\"Q\", event);`"),
        "{refused}"
    );
}
