//! The property panel of edit mode: a typed form for every field of the selected resource (ranges as
//! `DragValue` clamps, enums and references as combo boxes, distributions with a preview histogram, JSON fields as
//! validated text), problems inline, the raw JSON of the resource, the pattern sandbox (rules) and filter-policy
//! sandbox (subscriptions), the traffic editor and the handler code editor ([`super::code_editor`]).
//!
//! The panel never edits the document in place: it builds the edited document with [`crate::editor`]'s
//! functions and returns it as an [`Action::Edit`] for the app to apply.

use std::collections::HashMap;

use eframe::egui::{self, RichText, Ui};
use serde_json::{Value, json};

use super::action::Action;
use super::code_editor::CodeEditor;
use super::style::{self, NodeKind};
use crate::editor::fields::{Field, FieldKind, fields_of};
use crate::editor::session::{Session, problems_of, resource_of_path};
use crate::editor::{self, EditError};
use crate::pattern::{Dialect, Pattern};
use crate::scenario::{Dist, ResourceType};
use crate::sim::rng::SimRng;

/// Text buffers of the form, keyed by `id/field`; cleared when the document changes under them.
#[derive(Default)]
struct FormBuffers {
    texts: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// A number being dragged: (key, value), applied when the drag ends.
    dragging: Option<(String, f64)>,
    /// Sample events of the sandboxes, by `id/what` (kept across edits).
    samples: HashMap<String, String>,
}

/// What the property panel edits.
pub struct FormView<'a> {
    pub session: &'a Session,
    /// The edit-mode selection (resource ids or `traffic:NAME`).
    pub selected: &'a [String],
    /// Counts document changes: the text buffers are dropped when it moves.
    pub generation: u64,
    pub dark: bool,
}

/// The property panel.
#[derive(Default)]
pub struct PropertyForm {
    generation: u64,
    buffers: FormBuffers,
    code: CodeEditor,
}

impl PropertyForm {
    /// Shows an error next to a field (e.g. why a rename was refused), until the document changes.
    pub fn set_error(&mut self, key: String, message: String) {
        self.buffers.errors.insert(key, message);
    }

    pub fn ui(&mut self, ui: &mut Ui, view: &FormView<'_>, actions: &mut Vec<Action>) {
        if self.generation != view.generation {
            self.generation = view.generation;
            self.buffers.texts.clear();
            self.buffers.errors.clear();
        }
        match view.selected {
            [] => scenario_form(ui, &mut self.buffers, view.session, actions),
            [one] if one.starts_with("traffic:") => {
                ui.heading(one.trim_start_matches("traffic:"));
                ui.weak(
                    "A traffic source: select the resource it feeds to edit it (Traffic section).",
                );
            }
            [one] => self.resource_form(ui, view, one, actions),
            many => {
                ui.heading(format!("{} selected", many.len()));
                ui.label(many.join(", "));
                ui.weak("Drag one of them to move them together.");
                if ui.button("Delete all").clicked() {
                    actions.push(Action::DeleteSelected);
                }
            }
        }
    }

    /// One resource: header, id (rename), duplicate, delete, problems, triggers, then its sections.
    fn resource_form(
        &mut self,
        ui: &mut Ui,
        view: &FormView<'_>,
        id: &str,
        actions: &mut Vec<Action>,
    ) {
        let doc = view.session.doc();
        let Some(res) = doc.get("resources").and_then(|r| r.get(id)) else {
            ui.weak(format!("{id} is not in the document any more."));
            return;
        };
        let Some(t) = editor::type_of(doc, id) else {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("{id} has no known type"),
            );
            return;
        };
        resource_header(ui, &mut self.buffers, id, t, actions);
        let problems: Vec<String> = problems_of(&view.session.problems, id)
            .into_iter()
            .map(|p| p.message.clone())
            .collect();
        if !problems.is_empty() {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                for p in &problems {
                    ui.colored_label(ui.visuals().error_fg_color, p.to_string());
                }
            });
        }
        if can_have_triggers(t) {
            trigger_links(ui, doc, id, actions);
        }
        ui.separator();
        egui::CollapsingHeader::new("Properties")
            .default_open(true)
            .show(ui, |ui| {
                properties_grid(ui, &mut self.buffers, doc, id, res, t, actions);
            });
        self.sections(ui, view, id, res, t, actions);
    }

    /// The sections a type has: handler code, pattern or filter sandbox, traffic, raw JSON.
    fn sections(
        &mut self,
        ui: &mut Ui,
        view: &FormView<'_>,
        id: &str,
        res: &Value,
        t: ResourceType,
        actions: &mut Vec<Action>,
    ) {
        let doc = view.session.doc();
        let form = &mut self.buffers;
        if t == ResourceType::Function {
            egui::CollapsingHeader::new("Handler code")
                .default_open(true)
                .show(ui, |ui| {
                    self.code.ui(ui, view.session, id, res, view.dark, actions);
                });
        }
        if t == ResourceType::Rule {
            egui::CollapsingHeader::new("Pattern sandbox")
                .default_open(true)
                .show(ui, |ui| {
                    rule_sandbox(ui, form, doc, id, res);
                });
        }
        if t == ResourceType::Topic {
            let subs = res
                .get("subscriptions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if subs.iter().any(|s| s.get("filter_policy").is_some()) {
                egui::CollapsingHeader::new("Filter policy sandbox")
                    .default_open(true)
                    .show(ui, |ui| {
                        filter_sandbox(ui, form, id, &subs);
                    });
            }
        }
        if traffic_sample(doc, id, t).is_some() {
            egui::CollapsingHeader::new("Traffic")
                .default_open(false)
                .show(ui, |ui| {
                    traffic_editor(ui, form, doc, id, t, actions);
                });
        }
        egui::CollapsingHeader::new("Raw JSON")
            .default_open(false)
            .show(ui, |ui| raw_json(ui, form, doc, id, res, actions));
    }
}

/// No selection: the scenario's name, main settings and every problem.
fn scenario_form(
    ui: &mut Ui,
    form: &mut FormBuffers,
    session: &Session,
    actions: &mut Vec<Action>,
) {
    let doc = session.doc();
    ui.heading("Scenario");
    ui.weak("Select a node to edit it; add resources from the palette.");
    egui::Grid::new("scenario-form")
        .num_columns(2)
        .show(ui, |ui| {
            let l = ui.label("name");
            let key = "#scenario/name".to_string();
            let buf = form.texts.entry(key).or_insert_with(|| {
                doc.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            });
            let r = ui.text_edit_singleline(buf).labelled_by(l.id);
            if r.lost_focus()
                && doc.get("name").and_then(Value::as_str) != Some(buf.as_str())
                && let Ok(d) = editor::set_top(doc, "name", json!(buf.trim()))
            {
                actions.push(Action::Edit(d, "renamed the scenario".into()));
            }
            ui.end_row();
            settings_rows(ui, doc, actions);
        });
    let problems = &session.problems;
    if problems.is_empty() {
        return;
    }
    ui.separator();
    ui.colored_label(
        ui.visuals().error_fg_color,
        format!("{} problem(s)", problems.len()),
    );
    for p in problems {
        let text = if p.path.is_empty() {
            p.message.clone()
        } else {
            format!("{}: {}", p.path, p.message)
        };
        match resource_of_path(&p.path) {
            Some(id) => {
                if ui.link(text).clicked() {
                    actions.push(Action::SelectNames(vec![id.to_string()]));
                }
            }
            None => {
                ui.label(text);
            }
        }
    }
}

/// `settings.seed` and `settings.until_s` as numbers.
fn settings_rows(ui: &mut Ui, doc: &Value, actions: &mut Vec<Action>) {
    let settings = doc.get("settings").cloned().unwrap_or(json!({}));
    for (k, min, max, default) in [
        ("seed", 0.0, 1e15, 1.0),
        ("until_s", 0.001, 31_536_000.0, 60.0),
    ] {
        let l = ui.label(k);
        let cur = settings.get(k).and_then(Value::as_f64).unwrap_or(default);
        let mut v = cur;
        let r = ui
            .add(egui::DragValue::new(&mut v).range(min..=max))
            .labelled_by(l.id);
        if r.changed() && !r.dragged() || r.drag_stopped() {
            let mut s = settings.clone();
            if let Some(o) = s.as_object_mut() {
                o.insert(
                    k.into(),
                    if k == "seed" {
                        json!(v as u64)
                    } else {
                        json!(v)
                    },
                );
            }
            if let Ok(d) = editor::set_top(doc, "settings", s) {
                actions.push(Action::Edit(d, format!("set settings.{k}")));
            }
        }
        ui.end_row();
    }
}

/// Icon, id and type; the id field (rename on focus loss), Duplicate and Delete.
fn resource_header(
    ui: &mut Ui,
    form: &mut FormBuffers,
    id: &str,
    t: ResourceType,
    actions: &mut Vec<Action>,
) {
    let kind = NodeKind::Resource(t);
    ui.horizontal(|ui| {
        let (r, _) = ui.allocate_exact_size(egui::vec2(28.0, 28.0), egui::Sense::hover());
        style::draw_icon(ui.painter(), r, kind, style::type_color(kind));
        ui.vertical(|ui| {
            ui.heading(id);
            ui.weak(t.aws_name());
        });
    });
    ui.horizontal(|ui| {
        let l = ui.label("id");
        let key = format!("{id}/#id");
        let buf = form
            .texts
            .entry(key.clone())
            .or_insert_with(|| id.to_string());
        let r = ui
            .add(egui::TextEdit::singleline(buf).desired_width(160.0))
            .labelled_by(l.id);
        if r.lost_focus() && buf.trim() != id {
            actions.push(Action::Rename {
                old: id.to_string(),
                new: buf.trim().to_string(),
            });
        }
        if ui.button("Duplicate").clicked() {
            actions.push(Action::DuplicateSelected);
        }
        if ui.button("Delete").clicked() {
            actions.push(Action::DeleteSelected);
        }
    });
    if let Some(e) = form.errors.get(&format!("{id}/#id")) {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

/// Whether a resource of this type can be a trigger's source or function (triggers are edges on the canvas,
/// listed in the form so they can be selected).
fn can_have_triggers(t: ResourceType) -> bool {
    match t {
        ResourceType::Queue | ResourceType::Table | ResourceType::Function => true,
        ResourceType::Api
        | ResourceType::EventBus
        | ResourceType::Rule
        | ResourceType::Schedule
        | ResourceType::Bucket
        | ResourceType::Topic
        | ResourceType::Trigger
        | ResourceType::StateMachine
        | ResourceType::Database
        | ResourceType::DbProxy => false,
    }
}

/// Links to the triggers whose source or function is `id`.
fn trigger_links(ui: &mut Ui, doc: &Value, id: &str, actions: &mut Vec<Action>) {
    let triggers: Vec<String> = editor::ids_of(doc, &[ResourceType::Trigger])
        .into_iter()
        .filter(|tr| {
            let r = &doc["resources"][tr.as_str()];
            r.get("source").and_then(Value::as_str) == Some(id)
                || r.get("function").and_then(Value::as_str) == Some(id)
        })
        .collect();
    if triggers.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.weak("triggers:");
        for tr in triggers {
            if ui.link(&tr).clicked() {
                actions.push(Action::SelectNames(vec![tr]));
            }
        }
    });
}

/// One row per field of the type (the code has its own section).
fn properties_grid(
    ui: &mut Ui,
    form: &mut FormBuffers,
    doc: &Value,
    id: &str,
    res: &Value,
    t: ResourceType,
    actions: &mut Vec<Action>,
) {
    egui::Grid::new(("form", id))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for field in fields_of(t) {
                if field.kind == FieldKind::Code {
                    continue;
                }
                let l = ui
                    .label(if field.required {
                        format!("{} *", field.key)
                    } else {
                        field.key.to_string()
                    })
                    .on_hover_text(field_hint(field));
                ui.vertical(|ui| {
                    let f = FieldCtx {
                        doc,
                        id,
                        field,
                        key: format!("{id}/{}", field.key),
                        cur: res.get(field.key),
                        label: l.id,
                    };
                    if let Some(a) = field_editor(ui, form, &f) {
                        actions.push(a);
                    }
                });
                ui.end_row();
            }
        });
}

/// The resource as JSON text, applied whole.
fn raw_json(
    ui: &mut Ui,
    form: &mut FormBuffers,
    doc: &Value,
    id: &str,
    res: &Value,
    actions: &mut Vec<Action>,
) {
    let key = format!("{id}/#raw");
    let buf = form.texts.entry(key).or_insert_with(|| pretty(res));
    let l = ui.weak("the resource as JSON");
    json_box(ui, buf, 8, l.id);
    let parsed = serde_json::from_str::<Value>(buf);
    if let Err(e) = &parsed {
        ui.colored_label(ui.visuals().error_fg_color, format!("not valid JSON: {e}"));
    }
    if ui
        .add_enabled(parsed.is_ok(), egui::Button::new("Apply JSON"))
        .clicked()
        && let Ok(v) = parsed
    {
        match editor::set_resource(doc, id, v) {
            Ok(d) => actions.push(Action::Edit(d, format!("edited {id} as JSON"))),
            Err(e) => actions.push(Action::EditMessage(e.to_string(), true)),
        }
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A distribution value as (kind, parameters).
fn dist_parts(v: Option<&Value>) -> (String, Vec<(&'static str, f64)>) {
    let num = |k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    };
    match v {
        Some(Value::Number(n)) => ("fixed".into(), vec![("value", n.as_f64().unwrap_or(0.0))]),
        Some(o) => match o.get("dist").and_then(Value::as_str).unwrap_or("fixed") {
            "uniform" => (
                "uniform".into(),
                vec![("min", num("min")), ("max", num("max"))],
            ),
            "exponential" => ("exponential".into(), vec![("mean", num("mean"))]),
            "normal" => (
                "normal".into(),
                vec![("mean", num("mean")), ("stddev", num("stddev"))],
            ),
            "lognormal" => (
                "lognormal".into(),
                vec![("p50", num("p50")), ("p99", num("p99"))],
            ),
            _ => ("fixed".into(), vec![("value", num("value"))]),
        },
        None => ("fixed".into(), vec![("value", 0.0)]),
    }
}

fn dist_defaults(kind: &str) -> Value {
    match kind {
        "uniform" => json!({ "dist": "uniform", "min": 10, "max": 50 }),
        "exponential" => json!({ "dist": "exponential", "mean": 100 }),
        "normal" => json!({ "dist": "normal", "mean": 100, "stddev": 20 }),
        "lognormal" => json!({ "dist": "lognormal", "p50": 40, "p99": 400 }),
        _ => json!(10),
    }
}

fn to_dist(kind: &str, p: &[(&str, f64)]) -> Dist {
    let g = |k: &str| p.iter().find(|(n, _)| *n == k).map_or(0.0, |(_, v)| *v);
    match kind {
        "uniform" => Dist::Uniform {
            min: g("min"),
            max: g("max").max(g("min")),
        },
        "exponential" => Dist::Exponential { mean: g("mean") },
        "normal" => Dist::Normal {
            mean: g("mean"),
            stddev: g("stddev"),
        },
        "lognormal" => Dist::LogNormal {
            p50: g("p50"),
            p99: g("p99"),
        },
        _ => Dist::Fixed(g("value")),
    }
}

/// A tiny histogram of 400 samples drawn with the simulator's own formulas.
fn dist_preview(ui: &mut Ui, dist: &Dist) {
    let mut rng = SimRng::new(1);
    let mut xs: Vec<f64> = (0..400).map(|_| rng.sample_ms(dist)).collect();
    xs.sort_by(f64::total_cmp);
    let max = xs
        .get(xs.len() * 99 / 100)
        .copied()
        .unwrap_or(0.0)
        .max(1e-9);
    const BINS: usize = 30;
    let mut bins = [0u32; BINS];
    for x in &xs {
        let b = ((x / max) * (BINS as f64 - 1.0))
            .round()
            .clamp(0.0, BINS as f64 - 1.0) as usize;
        bins[b] += 1;
    }
    let top = bins.iter().copied().max().unwrap_or(1).max(1) as f32;
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width().min(240.0), 40.0),
        egui::Sense::hover(),
    );
    let p = ui.painter_at(rect);
    p.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let w = rect.width() / BINS as f32;
    let color = style::type_color(NodeKind::Resource(ResourceType::Function));
    for (i, n) in bins.iter().enumerate() {
        let h = (rect.height() - 12.0) * (*n as f32 / top);
        let r = egui::Rect::from_min_max(
            egui::pos2(rect.min.x + i as f32 * w + 0.5, rect.max.y - 10.0 - h),
            egui::pos2(rect.min.x + (i + 1) as f32 * w - 0.5, rect.max.y - 10.0),
        );
        p.rect_filled(r, 0.0, color);
    }
    let med = xs.get(xs.len() / 2).copied().unwrap_or(0.0);
    p.text(
        rect.left_bottom(),
        egui::Align2::LEFT_BOTTOM,
        format!("0 … {max:.0} ms · median {med:.1} ms"),
        egui::FontId::proportional(9.0),
        ui.visuals().weak_text_color(),
    );
}

/// The payload key and a sample payload of a traffic source for a resource type.
fn traffic_sample(doc: &Value, id: &str, t: ResourceType) -> Option<(&'static str, Value)> {
    Some(match t {
        ResourceType::Api => {
            // Call the API's first route, with a concrete path.
            let route = doc["resources"][id]["routes"]
                .as_object()
                .and_then(|r| r.keys().find(|k| k.contains(' ')).cloned())
                .unwrap_or_else(|| "GET /".into());
            let (m, p) = route.split_once(' ').unwrap_or(("GET", "/"));
            let m = if m == "ANY" { "GET" } else { m };
            let path: String = p
                .split('/')
                .map(|seg| if seg.starts_with('{') { "1" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let mut req = json!({ "method": m, "path": path });
            if matches!(m, "POST" | "PUT" | "PATCH") {
                req["body"] = json!({ "id": "{{seq}}" });
            }
            ("request", req)
        }
        ResourceType::EventBus => (
            "event",
            json!({ "source": "my.app", "detail-type": "Something Happened", "detail": { "id": "{{seq}}" } }),
        ),
        ResourceType::Bucket => (
            "object",
            json!({ "key": "uploads/file-{{seq}}.txt", "size": 1024 }),
        ),
        ResourceType::Queue => ("message", json!({ "body": "{\"id\": {{seq}}}" })),
        ResourceType::Topic => (
            "message",
            json!({ "body": "{\"id\": {{seq}}}", "subject": "hello" }),
        ),
        ResourceType::Function => ("payload", json!({ "id": "{{seq}}" })),
        ResourceType::Table => ("put", json!({ "id": "item-{{seq}}" })),
        ResourceType::StateMachine => ("input", json!({ "id": "{{seq}}" })),
        // Rules and schedules are fed by their bus or clock, triggers by their source, databases and proxies by
        // function code: no traffic of their own.
        ResourceType::Rule
        | ResourceType::Schedule
        | ResourceType::Trigger
        | ResourceType::Database
        | ResourceType::DbProxy => return None,
    })
}

/// A sample EventBridge envelope for the pattern sandbox: from the bus's traffic when it has some.
fn sample_envelope(doc: &Value, bus: &str) -> Value {
    let ev = doc
        .get("traffic")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|t| t.get("to").and_then(Value::as_str) == Some(bus)))
        .and_then(|t| t.get("event"))
        .cloned()
        .unwrap_or_else(|| json!({ "source": "my.app", "detail-type": "Something Happened", "detail": { "id": 1 } }));
    json!({
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000001",
        "detail-type": ev.get("detail-type").cloned().unwrap_or(json!("Something Happened")),
        "source": ev.get("source").cloned().unwrap_or(json!("my.app")),
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": ev.get("resources").cloned().unwrap_or(json!([])),
        "detail": ev.get("detail").cloned().unwrap_or(json!({})),
    })
}

fn field_hint(f: &Field) -> String {
    match f.kind {
        FieldKind::Int { min, max, default } => format!("{min}–{max}, default {default}"),
        FieldKind::Float { min, max, default } => format!("{min}–{max}, default {default}"),
        FieldKind::Bool { default } => format!("default {default}"),
        FieldKind::Enum { default, .. } => format!("default {default:?}"),
        FieldKind::Ref(types) => {
            let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
            format!("id of a {}", names.join(" / "))
        }
        FieldKind::Dist => "a latency distribution in milliseconds".into(),
        FieldKind::Json => "JSON".into(),
        FieldKind::Text | FieldKind::Code => String::new(),
    }
}

fn set(doc: &Value, id: &str, key: &str, v: Option<Value>) -> Option<Action> {
    match editor::set_field(doc, id, key, v) {
        Ok(d) => Some(Action::Edit(d, format!("set {id}.{key}"))),
        Err(e) => Some(Action::EditMessage(e.to_string(), true)),
    }
}

/// A number field: edits while dragging stay local and apply when the drag ends.
fn number(
    ui: &mut Ui,
    form: &mut FormBuffers,
    key: String,
    cur: f64,
    min: f64,
    max: f64,
    int: bool,
) -> Option<f64> {
    let mut v = match &form.dragging {
        Some((k, v)) if *k == key => *v,
        _ => cur,
    };
    let mut dv = egui::DragValue::new(&mut v).range(min..=max);
    if int {
        dv = dv.fixed_decimals(0).speed(1.0);
    } else {
        dv = dv.speed(0.01).max_decimals(4);
    }
    let r = ui.add(dv);
    // Name the number for screen readers (and UI tests): "timeout_s value".
    let label = format!("{} value", key.rsplit('/').next().unwrap_or(&key));
    r.widget_info(|| {
        let mut info = egui::WidgetInfo::drag_value(true, v);
        info.label = Some(label.clone());
        info
    });
    if r.dragged() {
        form.dragging = Some((key, v));
        return None;
    }
    if r.drag_stopped() || (r.changed() && !r.dragged()) {
        form.dragging = None;
        if (v - cur).abs() > 0.0 {
            return Some(v);
        }
    }
    None
}

/// One field being edited: where it is and its current value.
struct FieldCtx<'a> {
    doc: &'a Value,
    id: &'a str,
    field: &'a Field,
    /// `id/field`: the key of its text buffer and widget ids.
    key: String,
    cur: Option<&'a Value>,
    /// The label widget, for accessibility.
    label: egui::Id,
}

impl FieldCtx<'_> {
    /// Sets the field (`None` removes it: the default applies).
    fn set(&self, v: Option<Value>) -> Option<Action> {
        set(self.doc, self.id, self.field.key, v)
    }
}

/// The editor of one field, by its kind.
fn field_editor(ui: &mut Ui, form: &mut FormBuffers, f: &FieldCtx<'_>) -> Option<Action> {
    match f.field.kind {
        FieldKind::Int { min, max, default }
            if f.cur.is_none()
                && matches!(f.field.key, "reserved_concurrency" | "maximum_concurrency") =>
        {
            unset_limit(ui, f, min, max, default)
        }
        FieldKind::Int { min, max, default } => int_field(ui, form, f, min, max, default),
        FieldKind::Float { min, max, default } => float_field(ui, form, f, min, max, default),
        FieldKind::Bool { default } => {
            let mut b = f.cur.and_then(Value::as_bool).unwrap_or(default);
            if ui.checkbox(&mut b, "").labelled_by(f.label).changed() {
                return f.set(Some(json!(b)));
            }
            None
        }
        FieldKind::Enum { choices, default } => enum_field(ui, f, choices, default),
        FieldKind::Text => text_field(ui, form, f),
        FieldKind::Ref(types) => ref_field(ui, f, types),
        FieldKind::Dist => dist_field(ui, form, f),
        FieldKind::Json => json_field(ui, form, f),
        FieldKind::Code => None,
    }
}

/// A concurrency limit that is not set: "none" (not 0, which would throttle every invocation) and "set".
fn unset_limit(ui: &mut Ui, f: &FieldCtx<'_>, min: i64, max: i64, default: i64) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.weak("none");
        if ui.small_button("set").clicked() {
            let v = if f.field.key == "reserved_concurrency" {
                10
            } else {
                default
            };
            action = f.set(Some(json!(v.clamp(min, max))));
        }
    });
    action
}

fn int_field(
    ui: &mut Ui,
    form: &mut FormBuffers,
    f: &FieldCtx<'_>,
    min: i64,
    max: i64,
    default: i64,
) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        let c = f.cur.and_then(Value::as_f64).unwrap_or(default as f64);
        if let Some(v) = number(ui, form, f.key.clone(), c, min as f64, max as f64, true) {
            action = f.set(Some(json!(v.round() as i64)));
        }
        if f.cur.is_some() {
            if ui
                .small_button("reset")
                .on_hover_text("Remove: use the default")
                .clicked()
            {
                action = f.set(None);
            }
        } else {
            ui.weak("default");
        }
    });
    action
}

fn float_field(
    ui: &mut Ui,
    form: &mut FormBuffers,
    f: &FieldCtx<'_>,
    min: f64,
    max: f64,
    default: f64,
) -> Option<Action> {
    let mut action = None;
    ui.horizontal(|ui| {
        let c = f.cur.and_then(Value::as_f64).unwrap_or(default);
        if let Some(v) = number(ui, form, f.key.clone(), c, min, max, false) {
            action = f.set(Some(json!(v)));
        }
        if f.cur.is_some() && ui.small_button("reset").clicked() {
            action = f.set(None);
        }
    });
    action
}

fn enum_field(ui: &mut Ui, f: &FieldCtx<'_>, choices: &[&str], default: &str) -> Option<Action> {
    let mut action = None;
    let c = f.cur.and_then(Value::as_str).unwrap_or(default).to_string();
    egui::ComboBox::from_id_salt(&f.key)
        .selected_text(if c.is_empty() {
            "(none)".to_string()
        } else {
            c.clone()
        })
        .show_ui(ui, |ui| {
            for ch in choices {
                let label = if ch.is_empty() { "(none)" } else { ch };
                if ui.selectable_label(c == *ch, label).clicked() && c != *ch {
                    action = f.set(if ch.is_empty() { None } else { Some(json!(ch)) });
                }
            }
        })
        .response
        .labelled_by(f.label);
    action
}

fn text_field(ui: &mut Ui, form: &mut FormBuffers, f: &FieldCtx<'_>) -> Option<Action> {
    let buf = form
        .texts
        .entry(f.key.clone())
        .or_insert_with(|| f.cur.and_then(Value::as_str).unwrap_or("").to_string());
    let r = ui
        .add(egui::TextEdit::singleline(buf).desired_width(180.0))
        .labelled_by(f.label);
    let now = buf.trim().to_string();
    if r.lost_focus() && f.cur.and_then(Value::as_str) != Some(now.as_str()) {
        return f.set(if now.is_empty() {
            None
        } else {
            Some(json!(now))
        });
    }
    None
}

/// A reference: the ids of the resources of the allowed types (not the resource itself).
fn ref_field(ui: &mut Ui, f: &FieldCtx<'_>, types: &[ResourceType]) -> Option<Action> {
    let mut action = None;
    let c = f.cur.and_then(Value::as_str).unwrap_or("").to_string();
    let ids: Vec<String> = editor::ids_of(f.doc, types)
        .into_iter()
        .filter(|i| i != f.id)
        .collect();
    egui::ComboBox::from_id_salt(&f.key)
        .selected_text(if c.is_empty() {
            "(none)".to_string()
        } else {
            c.clone()
        })
        .show_ui(ui, |ui| {
            if !f.field.required
                && ui.selectable_label(c.is_empty(), "(none)").clicked()
                && !c.is_empty()
            {
                action = f.set(None);
            }
            for i in ids {
                if ui.selectable_label(c == i, &i).clicked() && c != i {
                    action = f.set(Some(json!(i)));
                }
            }
        })
        .response
        .labelled_by(f.label);
    action
}

/// A latency distribution: its kind, its parameters, and a preview histogram.
fn dist_field(ui: &mut Ui, form: &mut FormBuffers, f: &FieldCtx<'_>) -> Option<Action> {
    let mut action = None;
    let cur = f.cur;
    let (kind, params) = dist_parts(cur);
    // Wrapped: in the panel's value column the row would otherwise run past the panel's edge and be cut.
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_id_salt(&f.key)
            .selected_text(if cur.is_none() {
                "default".to_string()
            } else {
                kind.clone()
            })
            .show_ui(ui, |ui| {
                for k in ["fixed", "uniform", "exponential", "normal", "lognormal"] {
                    if ui.selectable_label(cur.is_some() && kind == k, k).clicked() {
                        action = f.set(Some(dist_defaults(k)));
                    }
                }
            })
            .response
            .labelled_by(f.label);
        if cur.is_some() && ui.small_button("reset").clicked() {
            action = f.set(None);
        }
    });
    if cur.is_none() {
        return action;
    }
    ui.horizontal_wrapped(|ui| {
        for (i, (pname, pv)) in params.iter().enumerate() {
            ui.label(*pname);
            let key = format!("{}/{pname}", f.key);
            if let Some(v) = number(ui, form, key, *pv, 0.0, 900_000.0, false) {
                let mut p = params.clone();
                p[i].1 = v;
                let value = if kind == "fixed" {
                    json!(v)
                } else {
                    let mut o = serde_json::Map::new();
                    o.insert("dist".into(), json!(kind));
                    for (n, x) in &p {
                        o.insert((*n).into(), json!(x));
                    }
                    Value::Object(o)
                };
                action = f.set(Some(value));
            }
        }
    });
    dist_preview(ui, &to_dist(&kind, &params));
    action
}

/// A JSON value as text, checked as you type (patterns compiled too), applied with Apply.
fn json_field(ui: &mut Ui, form: &mut FormBuffers, f: &FieldCtx<'_>) -> Option<Action> {
    let cur = f.cur;
    let buf = form
        .texts
        .entry(f.key.clone())
        .or_insert_with(|| cur.map(pretty).unwrap_or_default());
    ui.add(
        egui::TextEdit::multiline(buf)
            .code_editor()
            .desired_rows(2)
            .desired_width(220.0),
    )
    .labelled_by(f.label);
    let text = buf.trim().to_string();
    let parsed = if text.is_empty() {
        Ok(None)
    } else {
        serde_json::from_str::<Value>(&text).map(Some)
    };
    let changed = match &parsed {
        Ok(v) => v.as_ref() != cur,
        Err(_) => true,
    };
    let key = f.field.key;
    if let Err(e) = &parsed {
        ui.colored_label(ui.visuals().error_fg_color, format!("not valid JSON: {e}"));
    } else if (key == "pattern" || key == "filter_criteria")
        && let Ok(Some(v)) = &parsed
    {
        let check = if key == "pattern" {
            Pattern::compile(v).map(|_| ())
        } else {
            v.as_array()
                .map(|a| a.iter().try_for_each(|p| Pattern::compile(p).map(|_| ())))
                .unwrap_or(Ok(()))
        };
        if let Err(e) = check {
            ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        }
    }
    if changed
        && parsed.is_ok()
        && ui.small_button("Apply").clicked()
        && let Ok(v) = parsed
    {
        return f.set(v);
    }
    None
}

fn rule_sandbox(ui: &mut Ui, form: &mut FormBuffers, doc: &Value, id: &str, res: &Value) {
    let bus = res.get("bus").and_then(Value::as_str).unwrap_or("");
    let key = format!("{id}/#sample");
    let sample = form
        .samples
        .entry(key)
        .or_insert_with(|| pretty(&sample_envelope(doc, bus)));
    let l = ui.weak("A sample event (edit it): the rule's pattern is matched against it at once.");
    json_box(ui, sample, 6, l.id);
    let Some(pattern) = res.get("pattern") else {
        ui.weak("The rule has no pattern yet.");
        return;
    };
    sandbox_verdict(ui, Pattern::compile(pattern), sample);
}

fn filter_sandbox(ui: &mut Ui, form: &mut FormBuffers, id: &str, subs: &[Value]) {
    for (i, s) in subs.iter().enumerate() {
        let Some(policy) = s.get("filter_policy") else {
            continue;
        };
        let target = s.get("target").and_then(Value::as_str).unwrap_or("?");
        let body_scope =
            s.get("filter_policy_scope").and_then(Value::as_str) == Some("MessageBody");
        let l = ui.strong(format!(
            "-> {target} ({})",
            if body_scope {
                "message body"
            } else {
                "message attributes"
            }
        ));
        let key = format!("{id}/#sub{i}");
        let sample = form.samples.entry(key).or_insert_with(|| {
            if body_scope {
                pretty(&json!({ "id": 1 }))
            } else {
                let keys: serde_json::Map<String, Value> = policy
                    .as_object()
                    .map(|o| o.keys().map(|k| (k.clone(), json!("value"))).collect())
                    .unwrap_or_default();
                pretty(&Value::Object(keys))
            }
        });
        json_box(ui, sample, 3, l.id);
        let dialect = if body_scope {
            Dialect::SnsBody
        } else {
            Dialect::SnsAttributes
        };
        sandbox_verdict(ui, Pattern::compile_dialect(policy, dialect), sample);
    }
}

fn sandbox_verdict(
    ui: &mut Ui,
    pattern: Result<Pattern, crate::pattern::PatternError>,
    sample: &str,
) {
    let pattern = match pattern {
        Ok(p) => p,
        Err(e) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("pattern: {e}"));
            return;
        }
    };
    match serde_json::from_str::<Value>(sample) {
        Err(e) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("event: not valid JSON: {e}"),
            );
        }
        Ok(ev) => match pattern.explain(&ev) {
            None => {
                ui.colored_label(style::OK_GREEN, RichText::new("match").strong());
            }
            Some(m) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    RichText::new("no match").strong(),
                );
                ui.label(RichText::new(format!("{}: {}", m.path, m.reason)).monospace());
            }
        },
    }
}

fn traffic_editor(
    ui: &mut Ui,
    form: &mut FormBuffers,
    doc: &Value,
    id: &str,
    t: ResourceType,
    actions: &mut Vec<Action>,
) {
    let entries = editor::traffic_of(doc, id);
    if entries.is_empty() {
        ui.weak("No traffic reaches this resource.");
    }
    for (index, entry) in entries {
        let key = format!("{id}/#traffic{index}");
        let buf = form.texts.entry(key).or_insert_with(|| pretty(&entry));
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("traffic source");
        let l = ui.weak(name);
        json_box(ui, buf, 4, l.id);
        let parsed = serde_json::from_str::<Value>(buf);
        if let Err(e) = &parsed {
            ui.colored_label(ui.visuals().error_fg_color, format!("not valid JSON: {e}"));
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    parsed.as_ref().is_ok_and(|v| *v != entry),
                    egui::Button::new("Apply"),
                )
                .clicked()
                && let Ok(v) = &parsed
            {
                push_result(
                    actions,
                    editor::set_traffic(doc, index, Some(v.clone())),
                    "edited traffic",
                );
            }
            if ui.button("Remove").clicked() {
                push_result(
                    actions,
                    editor::set_traffic(doc, index, None),
                    "removed traffic",
                );
            }
        });
        ui.separator();
    }
    if ui.button("Add traffic source").clicked()
        && let Some((key, payload)) = traffic_sample(doc, id, t)
    {
        let names = editor::traffic_names(doc);
        let name = (1..)
            .map(|n| format!("{id}-traffic{n}"))
            .find(|n| !names.contains(n))
            .unwrap_or_default();
        let mut e = serde_json::Map::new();
        e.insert("name".into(), json!(name));
        e.insert("to".into(), json!(id));
        e.insert("every_s".into(), json!(1));
        e.insert("count".into(), json!(5));
        e.insert(key.into(), payload);
        let n = doc
            .get("traffic")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        push_result(
            actions,
            editor::set_traffic(doc, n, Some(Value::Object(e))),
            "added traffic",
        );
    }
}

fn push_result(actions: &mut Vec<Action>, r: Result<Value, EditError>, what: &str) {
    match r {
        Ok(d) => actions.push(Action::Edit(d, what.to_string())),
        Err(e) => actions.push(Action::EditMessage(e.to_string(), true)),
    }
}

/// A full-width monospace box for JSON text, labelled for accessibility by `label` (raw resource JSON, sample
/// events, traffic payloads).
fn json_box(ui: &mut egui::Ui, text: &mut String, rows: usize, label: egui::Id) -> egui::Response {
    ui.add(
        egui::TextEdit::multiline(text)
            .code_editor()
            .desired_rows(rows)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label)
}
