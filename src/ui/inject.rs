//! "Send a test event": a sample payload per target type (in the scenario format's traffic payload shape), its
//! validation, the conversion into an engine [`Payload`], and the [`InjectWindow`] that edits and sends it.

use eframe::egui;
use serde_json::{Value, json};

use super::action::Action;
use super::style;
use crate::runner::{Command, Snapshot};
use crate::scenario::{Payload, ResId, ResourceKind, ResourceType, Scenario};

/// Why a test payload cannot be sent.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InjectError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("the payload must be a JSON object")]
    NotObject,
    #[error("missing required key `{0}`")]
    Missing(&'static str),
    #[error("`{0}` must be {1}")]
    Type(&'static str, &'static str),
    #[error("a {0} cannot receive a test event")]
    NotASource(&'static str),
}

/// Whether a resource type accepts test events.
pub fn accepts_events(t: ResourceType) -> bool {
    match t {
        ResourceType::Api
        | ResourceType::EventBus
        | ResourceType::Bucket
        | ResourceType::Function
        | ResourceType::Queue
        | ResourceType::Topic
        | ResourceType::Table
        | ResourceType::StateMachine => true,
        // Rules and schedules are fed by their bus or clock, triggers by their source, databases and proxies by
        // function code.
        ResourceType::Rule
        | ResourceType::Schedule
        | ResourceType::Trigger
        | ResourceType::Database
        | ResourceType::DbProxy => false,
    }
}

/// A sample payload for a resource: the payload of a traffic source that targets it if the scenario has one,
/// else a typical one for its type.
pub fn sample(sc: &Scenario, id: ResId) -> Value {
    if let Some(t) = sc.traffic.iter().find(|t| t.to == id) {
        let v = match &t.payload {
            Payload::Request(v)
            | Payload::Event(v)
            | Payload::Object(v)
            | Payload::Message(v)
            | Payload::TablePut(v)
            | Payload::Input(v) => v.clone(),
            Payload::Invoke { payload, .. } => payload.clone(),
            Payload::TableDelete(v) => json!({ "delete": v }),
        };
        return v;
    }
    let r = sc.resource(id);
    match &r.kind {
        ResourceKind::Api(api) => {
            let route = api
                .routes
                .first()
                .map(|(k, _)| k.as_str())
                .unwrap_or("GET /");
            let (method, path) = route.split_once(' ').unwrap_or(("GET", "/"));
            let method = if method == "ANY" || route == "$default" {
                "GET"
            } else {
                method
            };
            let path = if route == "$default" { "/" } else { path };
            let path = path.replace("{proxy+}", "test").replace(['{', '}'], "");
            json!({ "method": method, "path": path, "headers": { "content-type": "application/json" }, "body": { "hello": "world" } })
        }
        ResourceKind::EventBus => {
            json!({ "source": "com.example.test", "detail-type": "Test Event", "detail": { "hello": "world" } })
        }
        ResourceKind::Bucket(_) => json!({ "key": "uploads/test.jpg", "size": 1024 }),
        ResourceKind::Queue(_) => json!({ "body": "{\"hello\":\"world\"}" }),
        ResourceKind::Topic(_) => json!({ "body": "{\"hello\":\"world\"}", "subject": "test" }),
        ResourceKind::Table(t) => json!({ t.partition_key.clone(): "test-1", "hello": "world" }),
        ResourceKind::Function(_)
        | ResourceKind::StateMachine(_)
        | ResourceKind::Rule(_)
        | ResourceKind::Schedule(_)
        | ResourceKind::Trigger(_)
        | ResourceKind::Database(_)
        | ResourceKind::DbProxy(_) => json!({ "hello": "world" }),
    }
}

/// Parses and checks the editor text, and builds the payload for the target's type.
pub fn validate(sc: &Scenario, id: ResId, text: &str) -> Result<Payload, InjectError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| InjectError::Json(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    let t = sc.resource(id).resource_type();
    let obj = || v.as_object().ok_or(InjectError::NotObject);
    let need_str = |k: &'static str| -> Result<(), InjectError> {
        match obj()?.get(k) {
            None => Err(InjectError::Missing(k)),
            Some(Value::String(_)) => Ok(()),
            Some(_) => Err(InjectError::Type(k, "a string")),
        }
    };
    match t {
        ResourceType::Api => {
            need_str("method")?;
            need_str("path")?;
            Ok(Payload::Request(v))
        }
        ResourceType::EventBus => {
            need_str("source")?;
            need_str("detail-type")?;
            if !obj()?.contains_key("detail") {
                return Err(InjectError::Missing("detail"));
            }
            Ok(Payload::Event(v))
        }
        ResourceType::Bucket => {
            need_str("key")?;
            Ok(Payload::Object(v))
        }
        ResourceType::Queue | ResourceType::Topic => {
            need_str("body")?;
            Ok(Payload::Message(v))
        }
        ResourceType::Table => {
            obj()?;
            if let ResourceKind::Table(table) = &sc.resource(id).kind
                && !obj()?.contains_key(&table.partition_key)
                && !obj()?.contains_key("delete")
            {
                return Err(InjectError::Missing("the partition key"));
            }
            match obj()?.get("delete") {
                Some(k) => Ok(Payload::TableDelete(k.clone())),
                None => Ok(Payload::TablePut(v)),
            }
        }
        ResourceType::Function => Ok(Payload::Invoke {
            payload: v,
            sync: false,
        }),
        ResourceType::StateMachine => Ok(Payload::Input(v)),
        ResourceType::Rule
        | ResourceType::Schedule
        | ResourceType::Trigger
        | ResourceType::Database
        | ResourceType::DbProxy => Err(InjectError::NotASource(t.aws_name())),
    }
}

/// The "Send a test event" window of one resource: the payload text, Validate, Send, Sample.
pub struct InjectWindow {
    to: ResId,
    text: String,
    /// The outcome of the last Validate or Send (text, is an error).
    message: Option<(String, bool)>,
}

impl InjectWindow {
    /// A window for resource `to`, holding its sample payload.
    pub fn new(sc: &Scenario, to: ResId) -> InjectWindow {
        InjectWindow {
            to,
            text: serde_json::to_string_pretty(&sample(sc, to)).unwrap_or_default(),
            message: None,
        }
    }

    /// Shows the window; returns whether it stays open. Send asks for [`Command::Inject`] — and, when the run
    /// has ended, for [`Command::Play`] too, so the run goes on past its end and the event is processed.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        sc: &Scenario,
        snap: &Snapshot,
        actions: &mut Vec<Action>,
    ) -> bool {
        let mut open = true;
        let target = sc.id(self.to).to_string();
        egui::Window::new(format!("Send a test event to {target}"))
            .open(&mut open)
            .default_width(420.0)
            .show(ctx, |ui| {
                ui.weak("The payload has the shape of a traffic source's payload for this resource type; placeholders ({{seq}}, {{uuid}}, {{rand_int:MIN:MAX}}, {{time}}) are replaced as traffic's are.");
                let label = ui.label("payload");
                egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
                    ui.add(
                        egui::TextEdit::multiline(&mut self.text)
                            .code_editor()
                            .desired_rows(12)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id);
                });
                ui.horizontal(|ui| self.buttons(ui, sc, snap, actions));
                if let Some((m, err)) = &self.message {
                    let c = if *err {
                        ui.visuals().error_fg_color
                    } else {
                        style::OK_GREEN
                    };
                    ui.colored_label(c, m);
                }
            });
        open
    }

    fn buttons(
        &mut self,
        ui: &mut egui::Ui,
        sc: &Scenario,
        snap: &Snapshot,
        actions: &mut Vec<Action>,
    ) {
        if ui.button("Validate").clicked() {
            self.message = Some(match validate(sc, self.to, &self.text) {
                Ok(_) => ("Valid.".into(), false),
                Err(e) => (e.to_string(), true),
            });
        }
        if ui.button("Send").clicked() {
            match validate(sc, self.to, &self.text) {
                Ok(payload) => {
                    actions.push(Action::Send(Command::Inject {
                        to: self.to,
                        payload,
                    }));
                    let text = if run_has_ended(snap) {
                        // A paused-at-the-end run would hold the event forever: play on past the end.
                        actions.push(Action::Send(Command::Play));
                        "Sent; the run had ended, so it plays on past its end to process the event."
                    } else if snap.playing {
                        "Sent."
                    } else {
                        "Sent; it is processed when you press Play or Step."
                    };
                    self.message = Some((text.into(), false));
                }
                Err(e) => self.message = Some((e.to_string(), true)),
            }
        }
        if ui
            .button("Sample")
            .on_hover_text("Put the sample payload back")
            .clicked()
        {
            self.text = serde_json::to_string_pretty(&sample(sc, self.to)).unwrap_or_default();
        }
    }
}

/// Whether the run is over: finished (nothing left to happen) or paused at `until_s`.
fn run_has_ended(snap: &Snapshot) -> bool {
    let finished = snap.next_event_us.is_none() && snap.events_processed > 0;
    let at_until = snap.now_us >= snap.until_us && snap.now_us > 0;
    !snap.playing && (finished || at_until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc() -> Scenario {
        crate::scenario::load_str(
            include_str!("../../assets/scenarios/new-order.json"),
            "t.json",
            None,
        )
        .expect("loads")
    }

    #[test]
    fn sample_of_a_bus_is_valid() {
        let s = sc();
        let bus = s.find("Orders").expect("bus");
        let text = serde_json::to_string(&sample(&s, bus)).expect("json");
        assert!(matches!(validate(&s, bus, &text), Ok(Payload::Event(_))));
    }

    #[test]
    fn missing_keys_and_bad_json_are_reported() {
        let s = sc();
        let bus = s.find("Orders").expect("bus");
        assert_eq!(
            validate(&s, bus, "{\"source\":\"a\",\"detail\":{}}"),
            Err(InjectError::Missing("detail-type"))
        );
        assert!(matches!(validate(&s, bus, "{"), Err(InjectError::Json(_))));
        let rule = s.find("NewOrderRule").expect("rule");
        assert!(matches!(
            validate(&s, rule, "{}"),
            Err(InjectError::NotASource(_))
        ));
    }
}
