//! Edit mode in the shell: the editing [`Editor`] state (the pure [`Session`] of [`crate::editor`], the edit-mode
//! selection, the wiring dialog, the property form) and the operations the shell applies for the edit-mode
//! panels' actions: add, wire, select, move, rename, duplicate, delete, Save / Save As / New, undo/redo, and the
//! "unsaved changes" guard (including the window's close button).
//!
//! Every edit goes through [`EventflowApp::edit`]: the session records it for undo and validates it; a valid
//! design is sent to the runner at once (`Command::Load`, a live re-run from t = 0, playing on if it was playing);
//! an invalid one keeps the last good simulation running and shows its problems on the nodes and in the panel.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use serde_json::Value;

use super::action::{Action, Pending, Selection};
use super::app::{EventflowApp, Source};
use super::canvas::Canvas;
use super::dialogs::{ConfirmAnswer, WireDialog, confirm_window};
use super::edit_form::PropertyForm;
use super::menu::{
    SHORTCUT_DUPLICATE, SHORTCUT_REDO, SHORTCUT_REDO_Y, SHORTCUT_SAVE, SHORTCUT_UNDO,
};
use super::picker::FilePicker;
use crate::editor::session::Session;
use crate::editor::{self, EditError, WireOptions};
use crate::runner::Command;
use crate::scenario::{Problem, ResourceType, Scenario};

/// The editor's state in the app.
pub struct Editor {
    pub(super) session: Session,
    /// Edit mode is on (the session survives switching it off).
    pub(super) on: bool,
    /// Selected resource (or traffic node) names.
    pub(super) selected: Vec<String>,
    pub(super) wire_dialog: Option<WireDialog>,
    pub(super) form: PropertyForm,
    /// Outcome of the last edit, shown under the palette.
    pub(super) message: Option<(String, bool)>,
    /// Counts document changes (the form's text buffers follow it).
    pub(super) generation: u64,
    /// Node positions before each edit on the session's undo stack, and before each undone edit on its redo
    /// stack, in step with them: undo and redo put nodes back where they were.
    positions_undo: Vec<Positions>,
    positions_redo: Vec<Positions>,
}

/// Node positions on the canvas: (layout key, x, y).
type Positions = Vec<(String, f32, f32)>;

impl Editor {
    fn new(session: Session) -> Editor {
        Editor {
            session,
            on: true,
            selected: Vec::new(),
            wire_dialog: None,
            form: PropertyForm::default(),
            message: None,
            generation: 0,
            positions_undo: Vec::new(),
            positions_redo: Vec::new(),
        }
    }
}

impl EventflowApp {
    pub(super) fn editing(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.on)
    }

    /// Whether there are unsaved edits.
    pub fn is_dirty(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.session.dirty)
            || self.raw.as_ref().is_some_and(|r| r.dirty())
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
                // A converted template saves nowhere yet either: Save asks for a .json path.
                Source::Example(_) | Source::New | Source::Imported(_) => {
                    Session::with_scripts_from(document, doc.scenario.file.as_deref())
                }
            };
            self.editor = Some(Editor::new(session));
        }
        if let Some(ed) = &mut self.editor {
            ed.on = true;
        }
        self.selection = Selection::None;
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
                self.raw = None;
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

    /// Edit mode's shortcuts: save (whenever there is a session), and — unless a text field has focus — undo,
    /// redo, duplicate, delete, and Escape to clear the selection.
    pub(super) fn edit_keyboard(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if self.editor.is_none() {
            // The raw JSON editor of a file that does not load saves with the same shortcut.
            if self.raw.is_some() && ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_SAVE)) {
                actions.push(Action::Save(None));
            }
            return;
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_SAVE)) {
            actions.push(Action::Save(None));
        }
        let typing = ctx.memory(|m| m.focused().is_some());
        if !self.editing() || typing {
            return;
        }
        // Redo first: Ctrl+Z also matches Ctrl+Shift+Z logically.
        if ctx.input_mut(|i| {
            i.consume_shortcut(&SHORTCUT_REDO) || i.consume_shortcut(&SHORTCUT_REDO_Y)
        }) {
            actions.push(Action::Redo);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_UNDO)) {
            actions.push(Action::Undo);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&SHORTCUT_DUPLICATE)) {
            actions.push(Action::DuplicateSelected);
        }
        if ctx.input_mut(|i| {
            i.consume_key(egui::Modifiers::NONE, egui::Key::Delete)
                || i.consume_key(egui::Modifiers::NONE, egui::Key::Backspace)
        }) {
            actions.push(Action::DeleteSelected);
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            actions.push(Action::SelectNames(Vec::new()));
        }
    }

    /// Applies an edited document: undo record, validation, live re-run when valid.
    pub fn edit(&mut self, new_doc: Value, what: impl Into<String>) {
        let Some(ed) = &mut self.editor else { return };
        if new_doc != *ed.session.doc() {
            // The session records this edit for undo: record where the nodes stand with it.
            let positions = self.doc.as_ref().map(|d| d.canvas.positions());
            ed.positions_undo.push(positions.unwrap_or_default());
            if ed.positions_undo.len() > crate::editor::history::HISTORY_CAP {
                ed.positions_undo.remove(0);
            }
            ed.positions_redo.clear();
        }
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
        if let Some(sc) = sc {
            self.run_design(sc);
        }
        if let Some(ed) = &mut self.editor {
            let doc = ed.session.doc();
            ed.selected
                .retain(|n| n.starts_with("traffic:") || editor::type_of(doc, n).is_some());
        }
        self.rebuild_canvas();
    }

    /// A valid design replaces the running scenario: a live re-run from t = 0, playing on if it was playing.
    fn run_design(&mut self, sc: Arc<Scenario>) {
        let Some(doc) = &mut self.doc else { return };
        doc.scenario = sc.clone();
        let playing = self.snap.playing;
        self.runner.send(Command::Load(sc));
        if playing {
            self.runner.send(Command::Play);
        }
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

    /// Replaces the edit-mode selection (resource ids or `traffic:NAME`).
    pub fn select_names(&mut self, names: Vec<String>) {
        if let Some(ed) = &mut self.editor {
            ed.selected = names;
        }
        self.sync_marks();
    }

    /// Shift+click: adds a name to the selection, or takes it out.
    fn toggle_name(&mut self, name: String) {
        if let Some(ed) = &mut self.editor {
            if let Some(i) = ed.selected.iter().position(|n| *n == name) {
                ed.selected.remove(i);
            } else {
                ed.selected.push(name);
            }
        }
        self.sync_marks();
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

    /// The wiring dialog answered: wire, and close the dialog, or show why not in it.
    fn wire_answered(&mut self, from: &str, to: &str, opts: &WireOptions) {
        let result = self.wire(from, to, opts);
        let Some(ed) = &mut self.editor else { return };
        match result {
            Ok(_) => ed.wire_dialog = None,
            Err(e) => {
                if let Some(dlg) = &mut ed.wire_dialog {
                    dlg.set_error(e.to_string());
                } else {
                    ed.message = Some((format!("{from} -> {to}: {e}"), true));
                }
            }
        }
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
            Ok(kind) => match WireDialog::for_kind(from.clone(), to.clone(), kind) {
                Some(dialog) => {
                    let warning = matches!(kind, editor::WireKind::Destination)
                        .then(|| editor::destination_never_fires(doc, &from, &to))
                        .flatten();
                    ed.wire_dialog = Some(dialog.with_warning(warning));
                }
                None => {
                    if let Err(e) = self.wire(&from, &to, &WireOptions::default()) {
                        self.edit_message(format!("{from} -> {to}: {e}"), true);
                    }
                }
            },
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

    /// Goes back one edit, with the nodes where they stood before it.
    pub fn undo(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        if let Some(sc) = ed.session.undo() {
            ed.generation += 1;
            ed.message = Some(("undone".into(), false));
            let now = self.doc.as_ref().map(|d| d.canvas.positions());
            ed.positions_redo.push(now.unwrap_or_default());
            let before = ed.positions_undo.pop();
            self.after_change(sc);
            self.restore_positions(before);
        }
    }

    /// Goes forward one undone edit, with the nodes where they stood after it.
    pub fn redo(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        if let Some(sc) = ed.session.redo() {
            ed.generation += 1;
            ed.message = Some(("redone".into(), false));
            let now = self.doc.as_ref().map(|d| d.canvas.positions());
            ed.positions_undo.push(now.unwrap_or_default());
            let after = ed.positions_redo.pop();
            self.after_change(sc);
            self.restore_positions(after);
        }
    }

    /// Puts the canvas's nodes back at recorded positions (nodes the record does not know stay where they are).
    fn restore_positions(&mut self, positions: Option<Positions>) {
        let (Some(positions), Some(d)) = (positions, &mut self.doc) else {
            return;
        };
        let shown: Vec<String> = d.canvas.positions().into_iter().map(|p| p.0).collect();
        for (name, x, y) in positions {
            if shown.contains(&name) {
                d.canvas.place(&name, egui::pos2(x, y));
            }
        }
    }

    /// Saves to `path` (Save As) or to the session's file; without one, opens the Save As picker.
    pub fn save(&mut self, path: Option<&Path>) {
        if let (None, Some(raw)) = (&self.editor, &mut self.raw) {
            // A file that does not load: its raw text, as it is, to its own file.
            raw.save();
            return;
        }
        let Some(ed) = &mut self.editor else { return };
        if path.is_none() && ed.session.path.is_none() {
            self.open_save_picker();
            return;
        }
        if let (Some(p), Some(Source::Imported(template))) =
            (path, self.doc.as_ref().map(|d| &d.source))
            && p.canonicalize().ok().as_ref() == Some(template)
        {
            ed.message = Some((
                format!(
                    "{} is the template this scenario came from: save the scenario under another name",
                    p.display()
                ),
                true,
            ));
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
                self.remember_recent(canonical.clone());
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

    /// Writes a handler script, then validates (the scenario reads its scripts at load) and re-runs.
    fn save_script(&mut self, path: &Path, text: &str) {
        let Some(ed) = &mut self.editor else { return };
        match crate::scenario::write::write_atomic(path, text) {
            Ok(()) => {
                let sc = ed.session.validate().map(Arc::new);
                ed.message = Some((format!("saved {}", path.display()), false));
                if let Some(sc) = sc {
                    self.run_design(sc);
                }
            }
            Err(e) => ed.message = Some((format!("cannot write {}: {e}", path.display()), true)),
        }
    }

    pub(super) fn open_save_picker(&mut self) {
        let (dir, name) = match self.editor.as_ref().and_then(|e| e.session.path.clone()) {
            Some(p) => (
                p.parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from(".")),
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            None => match self.doc.as_ref().map(|d| &d.source) {
                // A converted template: beside it, named after it (never the template itself).
                Some(Source::Imported(t)) => (
                    t.parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| PathBuf::from(".")),
                    match (t.file_stem(), t.extension().is_some_and(|x| x == "json")) {
                        (Some(s), false) => format!("{}.json", s.to_string_lossy()),
                        (Some(s), true) => format!("{}.scenario.json", s.to_string_lossy()),
                        (None, _) => "scenario.json".to_string(),
                    },
                ),
                _ => (
                    std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
                    "scenario.json".to_string(),
                ),
            },
        };
        self.picker = Some(FilePicker::new_save(&dir, &name));
    }

    /// Applies an edit-mode action; returns it back when it is not one.
    pub(super) fn apply_edit_action(&mut self, action: Action) -> Option<Action> {
        match action {
            Action::SetEditing(on) => self.set_editing(on),
            Action::Save(path) => self.save(path.as_deref()),
            Action::SaveAs => self.open_save_picker(),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::DuplicateSelected => self.duplicate_selected(),
            Action::DeleteSelected => self.delete_selected(),
            Action::Edit(doc, what) => self.edit(doc, what),
            Action::Rename { old, new } => {
                if let Err(e) = self.rename(&old, &new)
                    && let Some(ed) = &mut self.editor
                {
                    ed.form.set_error(format!("{old}/#id"), e.to_string());
                }
            }
            Action::AddResource(t, Some(at)) => {
                self.add_resource_at(t, Some(at));
            }
            Action::AddResource(t, None) => {
                self.add_resource(t);
            }
            Action::WireRequest { from, to } => self.wire_request(from, to),
            Action::Wire { from, to, options } => self.wire_answered(&from, &to, &options),
            Action::SelectNames(names) => self.select_names(names),
            Action::ToggleName(name) => self.toggle_name(name),
            Action::LayoutMoved => {
                if let Some(ed) = &mut self.editor {
                    ed.session.layout_touched = true;
                    ed.session.dirty = true;
                }
            }
            Action::SaveScript(path, text) => self.save_script(&path, &text),
            Action::EditMessage(m, error) => self.edit_message(m, error),
            other => return Some(other),
        }
        None
    }

    /// Dialogs of edit mode: Save As, the wiring question, unsaved changes.
    pub(super) fn edit_windows(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        // Save As picker (the open picker is handled with the other windows).
        if self.picker.as_ref().is_some_and(FilePicker::is_save) {
            let choice = self.picker.as_mut().and_then(|p| p.show(ctx));
            if let Some(choice) = choice {
                self.picker = None;
                if let Some(path) = choice {
                    actions.push(Action::Save(Some(path)));
                }
            }
        }
        if let Some(ed) = &mut self.editor
            && let Some(dlg) = &mut ed.wire_dialog
            && !dlg.show(ctx, actions)
        {
            ed.wire_dialog = None;
        }
        self.confirm_step(ctx);
    }

    fn confirm_step(&mut self, ctx: &egui::Context) {
        let Some(p) = self.confirm.clone() else {
            return;
        };
        match confirm_window(ctx) {
            Some(ConfirmAnswer::Save) => {
                self.confirm = None;
                self.save(None);
                if !self.is_dirty() {
                    self.finish_pending(ctx, p);
                }
            }
            Some(ConfirmAnswer::Discard) => {
                self.confirm = None;
                if let Some(ed) = &mut self.editor {
                    ed.session.dirty = false;
                }
                if let Some(raw) = &mut self.raw {
                    raw.discard();
                }
                self.finish_pending(ctx, p);
            }
            Some(ConfirmAnswer::Cancel) => self.confirm = None,
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

    /// Where node `name` (resource id or `traffic:NAME`) was drawn in the last frame.
    pub fn node_screen_rect(&self, name: &str) -> Option<egui::Rect> {
        self.doc.as_ref()?.canvas.screen_rect_of(name)
    }

    /// The current document (edit mode).
    pub fn edited_document(&self) -> Option<&Value> {
        self.editor.as_ref().map(|e| e.session.doc())
    }

    /// The validation problems of the current document (edit mode).
    pub fn problems(&self) -> &[Problem] {
        self.editor.as_ref().map_or(&[], |e| &e.session.problems)
    }
}
