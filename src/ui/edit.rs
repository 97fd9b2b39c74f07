//! Edit mode: the visual editor on the same canvas. This file is the glue between the app and the pure editing
//! session ([`crate::editor::session::Session`]): the Edit toggle, the palette, canvas gestures (add, wire, select,
//! move), the wiring dialog, Save / Save As / New, undo/redo, and the "unsaved changes" guard (including the
//! window's close button). The property panel is in [`super::edit_form`].
//!
//! Every edit goes through [`EventflowApp::edit`]: the session records it for undo and validates it; a valid
//! design is sent to the runner at once (`Command::Load`, a live re-run from t = 0, playing on if it was playing);
//! an invalid one keeps the last good simulation running and shows its problems on the nodes and in the panel.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, RichText, Ui};
use serde_json::Value;

use super::app::{EventflowApp, Source};
use super::canvas::{Canvas, CanvasClick};
use super::edit_form::FormState;
use super::picker::FilePicker;
use super::style::{self, NodeKind};
use crate::editor::session::{Session, problems_of};
use crate::editor::{self, Destination, EditError, WireKind, WireOptions};
use crate::runner::Command;
use crate::scenario::{ResourceType, Scenario};

const SHORTCUT_SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
const SHORTCUT_UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
const SHORTCUT_REDO: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);
const SHORTCUT_REDO_Y: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
const SHORTCUT_DUPLICATE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::D);

/// An action that would lose unsaved changes, waiting for the user's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    New,
    OpenPicker,
    Open(PathBuf),
    Example(usize),
    Close,
    Quit,
}

/// The wiring dialog: a route's METHOD and path, or which destination.
struct WireDialog {
    from: String,
    to: String,
    kind: WireKind,
    method: String,
    path: String,
    destination: Destination,
    error: Option<String>,
}

/// The editor's state in the app.
pub struct Editor {
    pub session: Session,
    /// Edit mode is on (the session survives switching it off).
    pub on: bool,
    /// Selected resource (or traffic node) names.
    pub selected: Vec<String>,
    wire_dialog: Option<WireDialog>,
    pub(super) form: FormState,
    /// Outcome of the last edit, shown under the palette.
    pub message: Option<(String, bool)>,
    /// Counts document changes (the form's text buffers follow it).
    pub(super) generation: u64,
}

impl Editor {
    fn new(session: Session) -> Editor {
        Editor {
            session,
            on: true,
            selected: Vec::new(),
            wire_dialog: None,
            form: FormState::default(),
            message: None,
            generation: 0,
        }
    }
}

impl EventflowApp {
    fn editing(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.on)
    }

    /// Whether there are unsaved edits.
    pub fn is_dirty(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.session.dirty)
    }

    /// Switches edit mode on or off (the editing session is kept while the scenario stays open).
    pub fn set_editing(&mut self, on: bool) {
        if on {
            self.start_editing();
        } else if let Some(ed) = &mut self.editor {
            ed.on = false;
            // Back to the running scenario's canvas (the last valid design).
            if let Some(doc) = &mut self.doc {
                let mut c = Canvas::new(&doc.scenario);
                c.adopt_view(&doc.canvas);
                doc.canvas = c;
            }
        }
    }

    pub(super) fn start_editing(&mut self) {
        let Some(doc) = &self.doc else { return };
        if self.editor.is_none() {
            let document = doc.scenario.document.clone();
            let session = match &doc.source {
                Source::File(p) => Session::new(document, Some(p.clone())),
                // An example (or a dropped file) saves nowhere yet, but its scripts are read from the folder it
                // was loaded from, so the code editor shows the real handler code.
                Source::Example(_) | Source::New => {
                    Session::with_scripts_from(document, doc.scenario.file.as_deref())
                }
            };
            self.editor = Some(Editor::new(session));
        }
        if let Some(ed) = &mut self.editor {
            ed.on = true;
        }
        self.selection = super::app::Selection::None;
        self.rebuild_canvas();
    }

    /// File -> New: an empty scenario in edit mode.
    pub fn new_scenario(&mut self) {
        let doc = editor::new_document();
        match crate::scenario::load_str(
            &crate::scenario::write::canonical_text(&doc),
            "untitled.json",
            None,
        ) {
            Ok(sc) => {
                self.open_scenario(Arc::new(sc), Source::New);
                self.start_editing();
            }
            Err(e) => self.status = Some((e.to_string(), true)),
        }
    }

    /// Runs `p` now, or asks first when there are unsaved changes.
    pub(super) fn request(&mut self, p: Pending) {
        if self.is_dirty() {
            self.confirm = Some(p);
        } else {
            self.perform(p);
        }
    }

    fn perform(&mut self, p: Pending) {
        match p {
            Pending::New => self.new_scenario(),
            Pending::OpenPicker => self.open_picker(),
            Pending::Open(path) => self.open_path(&path),
            Pending::Example(i) => self.open_example(i),
            Pending::Close => {
                self.editor = None;
                self.doc = None;
                self.runner.send(Command::Pause);
            }
            Pending::Quit => {}
        }
    }

    /// The window's close button: with unsaved changes, cancel the close and ask.
    pub(super) fn close_guard(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && self.is_dirty() && !self.allow_close {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm = Some(Pending::Quit);
        }
    }

    pub(super) fn edit_keyboard(&mut self, ctx: &egui::Context) {
        if self.editor.is_none() {
            return;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_SAVE)) {
            self.save(None);
        }
        let typing = ctx.memory(|m| m.focused().is_some());
        if !self.editing() || typing {
            return;
        }
        // Redo first: Ctrl+Z also matches Ctrl+Shift+Z logically.
        if ctx.input_mut(|i| {
            i.consume_shortcut(&SHORTCUT_REDO) || i.consume_shortcut(&SHORTCUT_REDO_Y)
        }) {
            self.redo();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_UNDO)) {
            self.undo();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_DUPLICATE)) {
            self.duplicate_selected();
        }
        if ctx.input_mut(|i| {
            i.consume_key(Modifiers::NONE, Key::Delete)
                || i.consume_key(Modifiers::NONE, Key::Backspace)
        }) {
            self.delete_selected();
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            if let Some(ed) = &mut self.editor {
                ed.selected.clear();
            }
            self.sync_marks();
        }
    }

    /// Applies an edited document: undo record, validation, live re-run when valid.
    pub fn edit(&mut self, new_doc: Value, what: impl Into<String>) {
        let Some(ed) = &mut self.editor else { return };
        let sc = ed.session.apply(new_doc);
        ed.generation += 1;
        let what = what.into();
        ed.message = Some(if ed.session.problems.is_empty() {
            (what, false)
        } else {
            (
                format!(
                    "{what} — {} problem(s) to fix before it runs",
                    ed.session.problems.len()
                ),
                true,
            )
        });
        self.after_change(sc);
    }

    fn after_change(&mut self, sc: Option<Arc<Scenario>>) {
        if let (Some(sc), Some(doc)) = (sc, &mut self.doc) {
            doc.scenario = sc.clone();
            let playing = self.snap.playing;
            self.runner.send(Command::Load(sc));
            if playing {
                self.runner.send(Command::Play);
            }
        }
        if let Some(ed) = &mut self.editor {
            let doc = ed.session.doc();
            ed.selected
                .retain(|n| n.starts_with("traffic:") || editor::type_of(doc, n).is_some());
        }
        self.rebuild_canvas();
    }

    /// Rebuilds the canvas from the document (its valid part, plus broken resources drawn apart), keeping the view.
    fn rebuild_canvas(&mut self) {
        let (Some(ed), Some(doc)) = (&mut self.editor, &mut self.doc) else {
            return;
        };
        if let Some((sc, ghosts)) = ed.session.display() {
            let mut c = Canvas::new(&sc);
            let spot = doc.canvas.free_spot();
            c.edit.ghosts = ghosts.into_iter().map(|(n, t)| (n, t, spot)).collect();
            c.adopt_view(&doc.canvas);
            // New nodes that the old canvas did not know start in view rather than at the automatic layout.
            let known: Vec<String> = doc.canvas.positions().into_iter().map(|p| p.0).collect();
            let fresh: Vec<String> = c
                .positions()
                .into_iter()
                .map(|p| p.0)
                .filter(|n| !known.contains(n))
                .collect();
            if !known.is_empty() || !doc.canvas.edit.ghosts.is_empty() {
                for n in fresh {
                    let p = c.free_spot();
                    c.place(&n, p);
                }
            }
            doc.canvas = c;
        }
        doc.canvas.edit.on = ed.on;
        doc.canvas.edit.badges = ed
            .session
            .problems
            .iter()
            .filter_map(|p| {
                let id = crate::editor::session::resource_of_path(&p.path)?;
                Some((id.to_string(), p.message.clone()))
            })
            .collect();
        doc.canvas.edit.marked = ed.selected.clone();
    }

    fn sync_marks(&mut self) {
        if let (Some(ed), Some(doc)) = (&self.editor, &mut self.doc) {
            doc.canvas.edit.marked = ed.selected.clone();
        }
    }

    /// Adds a resource of type `t` (palette click), selected, placed in view; returns its id.
    pub fn add_resource(&mut self, t: ResourceType) -> Option<String> {
        let spot = self.doc.as_ref().map(|d| d.canvas.free_spot());
        self.add_resource_at(t, spot)
    }

    fn add_resource_at(&mut self, t: ResourceType, at: Option<egui::Pos2>) -> Option<String> {
        let ed = self.editor.as_mut()?;
        match editor::add_resource(ed.session.doc(), t) {
            Ok((doc, id)) => {
                ed.selected = vec![id.clone()];
                ed.session.layout_touched = true;
                self.edit(doc, format!("added {id}"));
                if let (Some(d), Some(p)) = (&mut self.doc, at) {
                    d.canvas.place(&id, p);
                }
                Some(id)
            }
            Err(e) => {
                self.edit_message(e.to_string(), true);
                None
            }
        }
    }

    fn edit_message(&mut self, m: String, error: bool) {
        if let Some(ed) = &mut self.editor {
            ed.message = Some((m, error));
        }
    }

    /// Wires `from` to `to` with the given answers (what the drag and its dialog do). Returns what was made.
    pub fn wire(&mut self, from: &str, to: &str, opts: &WireOptions) -> Result<String, EditError> {
        let ed = self.editor.as_mut().ok_or(EditError::NotAScenario)?;
        let (doc, what) = editor::wire(ed.session.doc(), from, to, opts)?;
        self.edit(doc, what.clone());
        Ok(what)
    }

    /// A drag from `from` ended on `to`: wire at once, ask for a route or destination, or say why not.
    fn wire_request(&mut self, from: String, to: String) {
        let Some(ed) = &mut self.editor else { return };
        if from == to {
            return;
        }
        if from.starts_with("traffic:") || to.starts_with("traffic:") {
            ed.message = Some((
                "traffic sources are edited in the panel (Traffic) of the resource they feed"
                    .into(),
                true,
            ));
            return;
        }
        let doc = ed.session.doc();
        let (Some(ft), Some(tt)) = (editor::type_of(doc, &from), editor::type_of(doc, &to)) else {
            return;
        };
        match editor::wire_kind(ft, tt) {
            Err(e) => ed.message = Some((format!("{from} -> {to}: {e}"), true)),
            Ok(kind @ (WireKind::Route | WireKind::Destination)) => {
                ed.wire_dialog = Some(WireDialog {
                    from,
                    to,
                    kind,
                    method: "GET".into(),
                    path: "/".into(),
                    destination: Destination::OnSuccess,
                    error: None,
                });
            }
            Ok(_) => {
                if let Err(e) = self.wire(&from, &to, &WireOptions::default()) {
                    self.edit_message(format!("{from} -> {to}: {e}"), true);
                }
            }
        }
    }

    pub fn delete_selected(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        let ids: Vec<String> = ed
            .selected
            .iter()
            .filter(|n| editor::type_of(ed.session.doc(), n).is_some())
            .cloned()
            .collect();
        if ids.is_empty() {
            return;
        }
        match editor::delete(ed.session.doc(), &ids) {
            Ok(doc) => {
                ed.selected.clear();
                self.edit(doc, format!("deleted {}", ids.join(", ")));
            }
            Err(e) => self.edit_message(e.to_string(), true),
        }
    }

    pub fn duplicate_selected(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        let Some(id) = ed.selected.first().cloned() else {
            return;
        };
        match editor::duplicate(ed.session.doc(), &id) {
            Ok((doc, new_id)) => {
                ed.selected = vec![new_id.clone()];
                ed.session.layout_touched = true;
                self.edit(doc, format!("duplicated {id} as {new_id}"));
            }
            Err(e) => self.edit_message(e.to_string(), true),
        }
    }

    /// Renames a resource; every reference follows.
    pub fn rename(&mut self, old: &str, new: &str) -> Result<(), EditError> {
        let ed = self.editor.as_mut().ok_or(EditError::NotAScenario)?;
        let doc = editor::rename(ed.session.doc(), old, new)?;
        for s in &mut ed.selected {
            if s == old {
                *s = new.to_string();
            }
        }
        // Keep the node where it was.
        let pos = self
            .doc
            .as_ref()
            .and_then(|d| d.canvas.positions().into_iter().find(|p| p.0 == old));
        self.edit(doc, format!("renamed {old} to {new}"));
        if let (Some(d), Some((_, x, y))) = (&mut self.doc, pos) {
            d.canvas.place(new, egui::pos2(x, y));
        }
        Ok(())
    }

    pub fn undo(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        if let Some(sc) = ed.session.undo() {
            ed.generation += 1;
            ed.message = Some(("undone".into(), false));
            self.after_change(sc);
        }
    }

    pub fn redo(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        if let Some(sc) = ed.session.redo() {
            ed.generation += 1;
            ed.message = Some(("redone".into(), false));
            self.after_change(sc);
        }
    }

    /// Saves to `path` (Save As) or to the session's file; without one, opens the Save As picker.
    pub fn save(&mut self, path: Option<&Path>) {
        let Some(ed) = &mut self.editor else { return };
        if path.is_none() && ed.session.path.is_none() {
            self.open_save_picker();
            return;
        }
        let positions = self
            .doc
            .as_ref()
            .map(|d| d.canvas.positions())
            .unwrap_or_default();
        let Some(ed) = &mut self.editor else { return };
        match ed.session.save(path, &positions) {
            Ok(p) => {
                let copied = match ed.session.scripts_copied.len() {
                    0 => String::new(),
                    1 => " (and copied its script beside it)".to_string(),
                    n => format!(" (and copied its {n} scripts beside it)"),
                };
                ed.message = Some((format!("saved {}{copied}", p.display()), false));
                ed.generation += 1;
                // Scripts are relative to the file: validate again where it now lives.
                let sc = ed.session.validate().map(Arc::new);
                let canonical = p.canonicalize().unwrap_or(p);
                self.prefs.recent.retain(|r| *r != canonical);
                self.prefs.recent.insert(0, canonical.clone());
                self.prefs.recent.truncate(10);
                if let Some(d) = &mut self.doc {
                    d.source = Source::File(canonical);
                    if let Some(sc) = sc {
                        d.scenario = sc;
                    }
                }
            }
            Err(e) => {
                ed.message = Some((e.to_string(), true));
                self.status = Some((e.to_string(), true));
            }
        }
    }

    fn open_save_picker(&mut self) {
        let (dir, name) = match self.editor.as_ref().and_then(|e| e.session.path.clone()) {
            Some(p) => (
                p.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from(".")),
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            None => (
                std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                "scenario.json".to_string(),
            ),
        };
        self.picker = Some(FilePicker::new_save(&dir, &name));
    }

    pub(super) fn save_menu_items(&mut self, ui: &mut Ui) {
        let has = self.editor.is_some();
        if ui
            .add_enabled(
                has,
                egui::Button::new("Save").shortcut_text(ui.ctx().format_shortcut(&SHORTCUT_SAVE)),
            )
            .on_disabled_hover_text("Switch on Edit to change and save the scenario")
            .clicked()
        {
            self.save(None);
            ui.close();
        }
        if ui.add_enabled(has, egui::Button::new("Save As…")).clicked() {
            self.open_save_picker();
            ui.close();
        }
    }

    pub(super) fn edit_menu(&mut self, ui: &mut Ui) {
        ui.menu_button("Edit", |ui| {
            let (can_undo, can_redo) = self.editor.as_ref().map_or((false, false), |e| {
                (e.session.can_undo(), e.session.can_redo())
            });
            if ui
                .add_enabled(
                    can_undo,
                    egui::Button::new("Undo")
                        .shortcut_text(ui.ctx().format_shortcut(&SHORTCUT_UNDO)),
                )
                .clicked()
            {
                self.undo();
                ui.close();
            }
            if ui
                .add_enabled(
                    can_redo,
                    egui::Button::new("Redo")
                        .shortcut_text(ui.ctx().format_shortcut(&SHORTCUT_REDO)),
                )
                .clicked()
            {
                self.redo();
                ui.close();
            }
            ui.separator();
            let sel = self.editor.as_ref().is_some_and(|e| !e.selected.is_empty());
            if ui
                .add_enabled(
                    sel,
                    egui::Button::new("Duplicate")
                        .shortcut_text(ui.ctx().format_shortcut(&SHORTCUT_DUPLICATE)),
                )
                .clicked()
            {
                self.duplicate_selected();
                ui.close();
            }
            if ui
                .add_enabled(sel, egui::Button::new("Delete").shortcut_text("Del"))
                .clicked()
            {
                self.delete_selected();
                ui.close();
            }
        });
    }

    pub(super) fn edit_toggle(&mut self, ui: &mut Ui) {
        let on = self.editing();
        if ui
            .selectable_label(on, "Edit")
            .on_hover_text("Edit the architecture on the canvas; the simulation keeps running the last valid design")
            .clicked()
        {
            self.set_editing(!on);
        }
        ui.separator();
    }

    /// The palette: every resource type, click to add in view or drag onto the canvas.
    pub(super) fn palette(&mut self, ui: &mut Ui) {
        ui.add_space(4.0);
        ui.strong("Add a resource");
        ui.weak("click, or drag onto the canvas");
        ui.add_space(4.0);
        let mut add = None;
        egui::ScrollArea::vertical()
            .id_salt("palette-scroll")
            .show(ui, |ui| {
                for t in ResourceType::ALL {
                    let kind = NodeKind::Resource(t);
                    // One widget per entry, sensing click (add in view) and drag (drop on the canvas).
                    let size = egui::vec2(ui.available_width(), 24.0);
                    let (rect, resp) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
                    let resp = resp.on_hover_cursor(egui::CursorIcon::Grab);
                    resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, t.aws_name())
                    });
                    if resp.hovered() {
                        ui.painter().rect_filled(
                            rect,
                            3.0,
                            ui.visuals().widgets.hovered.weak_bg_fill,
                        );
                    }
                    let icon = egui::Rect::from_min_size(
                        rect.min + egui::vec2(2.0, 1.0),
                        egui::vec2(22.0, 22.0),
                    );
                    style::draw_icon(ui.painter(), icon, kind, style::type_color(kind));
                    ui.painter().text(
                        egui::pos2(rect.min.x + 30.0, rect.center().y),
                        egui::Align2::LEFT_CENTER,
                        t.aws_name(),
                        egui::FontId::proportional(13.0),
                        ui.visuals().text_color(),
                    );
                    if resp.clicked() {
                        add = Some(t);
                    }
                    if resp.drag_started() {
                        egui::DragAndDrop::set_payload(ui.ctx(), t);
                    }
                    if resp.dragged()
                        && let Some(p) = ui.ctx().pointer_interact_pos()
                    {
                        let painter = ui.ctx().layer_painter(egui::LayerId::new(
                            egui::Order::Tooltip,
                            egui::Id::unique("palette-drag"),
                        ));
                        let r = egui::Rect::from_center_size(p, egui::vec2(26.0, 26.0));
                        style::draw_icon(&painter, r, kind, style::type_color(kind));
                    }
                }
                ui.separator();
                if let Some(ed) = &self.editor
                    && let Some((m, err)) = &ed.message
                {
                    let c = if *err {
                        ui.visuals().error_fg_color
                    } else {
                        ui.visuals().weak_text_color()
                    };
                    ui.add(egui::Label::new(RichText::new(m).color(c).small()).wrap());
                }
                ui.add_space(6.0);
                ui.weak("Wire: drag from a node's round handle (or Alt+drag) onto another node.");
            });
        if let Some(t) = add {
            self.add_resource(t);
        }
    }

    pub(super) fn edit_canvas(&mut self, ui: &mut Ui) {
        let Some(doc) = &mut self.doc else { return };
        let invalid = self
            .editor
            .as_ref()
            .is_some_and(|e| !e.session.problems.is_empty());
        // While the design does not validate, the canvas's nodes are not the running scenario's: hide live state.
        let snap = if invalid {
            let mut s = self.snap.clone();
            s.live.clear();
            s
        } else {
            self.snap.clone()
        };
        let sc = doc.scenario.clone();
        if let Some(ed) = &self.editor {
            doc.canvas.edit.marked.clone_from(&ed.selected);
        }
        let click = doc.canvas.show(ui, &snap, &sc, None, None);
        if doc.canvas.positions().is_empty() {
            ui.painter().text(
                doc.canvas.last_rect.center(),
                egui::Align2::CENTER_CENTER,
                "An empty scenario: click or drag a resource from the palette to start",
                egui::FontId::proportional(15.0),
                ui.visuals().weak_text_color(),
            );
        }
        let Some(click) = click else { return };
        match click {
            CanvasClick::Named { name, shift } => {
                if let Some(ed) = &mut self.editor {
                    if shift {
                        if let Some(i) = ed.selected.iter().position(|n| *n == name) {
                            ed.selected.remove(i);
                        } else {
                            ed.selected.push(name);
                        }
                    } else {
                        ed.selected = vec![name];
                    }
                }
                self.sync_marks();
            }
            CanvasClick::Background => {
                if let Some(ed) = &mut self.editor {
                    ed.selected.clear();
                }
                self.sync_marks();
            }
            CanvasClick::Band(names) => {
                if let Some(ed) = &mut self.editor {
                    ed.selected = names;
                }
                self.sync_marks();
            }
            CanvasClick::Moved => {
                if let Some(ed) = &mut self.editor {
                    ed.session.layout_touched = true;
                    ed.session.dirty = true;
                }
            }
            CanvasClick::Wire { from, to } => self.wire_request(from, to),
            CanvasClick::Drop(t, p) => {
                self.add_resource_at(t, Some(p));
            }
            CanvasClick::Node(_) | CanvasClick::Trace(_) => {}
        }
    }

    /// Dialogs of edit mode: wiring questions, unsaved changes, Save As.
    pub(super) fn edit_windows(&mut self, ctx: &egui::Context) {
        // Save As picker (the open picker is handled with the other windows).
        if self.picker.as_ref().is_some_and(FilePicker::is_save) {
            let choice = self.picker.as_mut().and_then(|p| p.show(ctx));
            if let Some(choice) = choice {
                self.picker = None;
                if let Some(path) = choice {
                    self.save(Some(&path));
                }
            }
        }
        self.wire_window(ctx);
        self.confirm_window(ctx);
    }

    fn wire_window(&mut self, ctx: &egui::Context) {
        let Some(ed) = &mut self.editor else { return };
        let Some(dlg) = &mut ed.wire_dialog else {
            return;
        };
        let mut open = true;
        let mut go = false;
        let mut cancel = false;
        egui::Window::new(format!("Wire {} -> {}", dlg.from, dlg.to))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                match dlg.kind {
                    WireKind::Route => {
                        ui.label("A route of the API:");
                        ui.horizontal(|ui| {
                            for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"] {
                                ui.selectable_value(&mut dlg.method, m.to_string(), m);
                            }
                        });
                        ui.horizontal(|ui| {
                            let l = ui.label("path");
                            ui.add(
                                egui::TextEdit::singleline(&mut dlg.path)
                                    .hint_text("/items/{id}")
                                    .desired_width(200.0),
                            )
                            .labelled_by(l.id);
                        });
                    }
                    _ => {
                        ui.label("When the asynchronous invocation…");
                        ui.radio_value(
                            &mut dlg.destination,
                            Destination::OnSuccess,
                            "succeeds (on_success)",
                        );
                        ui.radio_value(
                            &mut dlg.destination,
                            Destination::OnFailure,
                            "fails every attempt (on_failure)",
                        );
                    }
                }
                if let Some(e) = &dlg.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.horizontal(|ui| {
                    go = ui.button("Wire").clicked();
                    cancel = ui.button("Cancel").clicked();
                });
            });
        if !open || cancel {
            ed.wire_dialog = None;
            return;
        }
        if go {
            let opts = match dlg.kind {
                WireKind::Route => WireOptions {
                    route: Some(format!("{} {}", dlg.method, dlg.path.trim())),
                    destination: None,
                },
                _ => WireOptions {
                    route: None,
                    destination: Some(dlg.destination),
                },
            };
            let (from, to) = (dlg.from.clone(), dlg.to.clone());
            match self.wire(&from, &to, &opts) {
                Ok(_) => {
                    if let Some(ed) = &mut self.editor {
                        ed.wire_dialog = None;
                    }
                }
                Err(e) => {
                    if let Some(dlg) = self.editor.as_mut().and_then(|e| e.wire_dialog.as_mut()) {
                        dlg.error = Some(e.to_string());
                    }
                }
            }
        }
    }

    fn confirm_window(&mut self, ctx: &egui::Context) {
        let Some(p) = self.confirm.clone() else {
            return;
        };
        let mut answer = None;
        egui::Window::new("Unsaved changes")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label("The scenario has changes that are not saved.");
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        answer = Some(0);
                    }
                    if ui.button("Discard changes").clicked() {
                        answer = Some(1);
                    }
                    if ui.button("Cancel").clicked() {
                        answer = Some(2);
                    }
                });
            });
        match answer {
            Some(0) => {
                self.confirm = None;
                self.save(None);
                if !self.is_dirty() {
                    self.finish_pending(ctx, p);
                }
            }
            Some(1) => {
                self.confirm = None;
                if let Some(ed) = &mut self.editor {
                    ed.session.dirty = false;
                }
                self.finish_pending(ctx, p);
            }
            Some(_) => self.confirm = None,
            None => {}
        }
    }

    fn finish_pending(&mut self, ctx: &egui::Context, p: Pending) {
        if p == Pending::Quit {
            self.allow_close = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        } else {
            self.perform(p);
        }
    }

    /// Where node `name` (resource id or `traffic:NAME`) was drawn in the last frame (UI tests).
    pub fn node_screen_rect(&self, name: &str) -> Option<egui::Rect> {
        self.doc.as_ref()?.canvas.screen_rect_of(name)
    }

    /// The current document (edit mode).
    pub fn edited_document(&self) -> Option<&Value> {
        self.editor.as_ref().map(|e| e.session.doc())
    }

    /// The problems of resource `id` in the current document.
    pub(super) fn problems_of(&self, id: &str) -> Vec<String> {
        self.editor
            .as_ref()
            .map(|e| {
                problems_of(&e.session.problems, id)
                    .into_iter()
                    .map(|p| p.message.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}
