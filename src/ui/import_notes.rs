//! Templates in the app: opening a file that is an AWS SAM / CloudFormation template converts it on the fly
//! ([`open_file`], [`open_bytes`]), and the import notes panel ([`ImportNotes`]) lists what the import could not
//! carry over. Clicking a note selects its resource on the canvas. The panel also keeps what the canvas draws
//! beyond the scenario: the resources that are not simulated and the hint links (see [`super::canvas_extras`]).
//!
//! A template is never written back: saving an imported scenario asks for a `.json` path.

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText, Ui};
use petgraph::graph::NodeIndex;

use super::action::{Action, Selection};
use crate::import::{Import, Note};
use crate::scenario::Scenario;

/// A file opened in the app: a scenario, or a template converted into one.
pub enum Opened {
    Scenario(Scenario),
    Template { scenario: Scenario, import: Import },
}

/// Loads a scenario or imports a template, by its name and content (see [`crate::import::is_template`]); the
/// error is the message to show.
pub fn open_file(path: &Path) -> Result<Opened, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Read through the capped reader: a device or a huge file is refused, never read without end.
    let is_template =
        match crate::fileio::read_input(path, crate::fileio::MAX_SCENARIO_BYTES, "a scenario") {
            Ok(bytes) => crate::import::is_template(&name, &String::from_utf8_lossy(&bytes)),
            // The scenario loader says why it cannot read it.
            Err(_) => false,
        };
    if !is_template {
        return crate::scenario::load_file(path)
            .map(Opened::Scenario)
            .map_err(|e| e.to_string());
    }
    let import = crate::import::import_file(path).map_err(|e| e.to_string())?;
    converted(import, &path.display().to_string(), path.parent())
}

/// [`open_file`] for a dropped file's bytes (no folder: a state machine's `DefinitionUri` is not read).
pub fn open_bytes(bytes: &[u8], file_name: &str) -> Result<Opened, String> {
    let text = String::from_utf8_lossy(bytes);
    if !crate::import::is_template(file_name, &text) {
        return crate::scenario::load_bytes(bytes, file_name, None)
            .map(Opened::Scenario)
            .map_err(|e| e.to_string());
    }
    let stem = Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Imported template".into());
    let import =
        crate::import::import_str(&text, file_name, None, &stem).map_err(|e| e.to_string())?;
    converted(import, file_name, None)
}

fn converted(import: Import, label: &str, base_dir: Option<&Path>) -> Result<Opened, String> {
    let text = crate::scenario::write::canonical_text(&import.document);
    let scenario = crate::scenario::load_str(&text, label, base_dir).map_err(|e| e.to_string())?;
    Ok(Opened::Template { scenario, import })
}

/// The import notes panel of an opened template, and what the canvas draws of it beyond the scenario.
pub struct ImportNotes {
    /// The template the scenario came from (never overwritten).
    pub(super) template: PathBuf,
    notes: Vec<Note>,
    /// How many resources are not simulated and how many hint links there are (the scenario keeps both, as
    /// `external` and `hints`, and the canvas draws them from there).
    external_count: usize,
    hint_count: usize,
}

impl ImportNotes {
    pub fn new(template: PathBuf, import: &Import) -> ImportNotes {
        ImportNotes {
            template,
            notes: import.notes.clone(),
            external_count: import.external.len(),
            hint_count: import.hints.len(),
        }
    }

    /// The template's file name.
    pub fn file_name(&self) -> String {
        self.template
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The panel: where the scenario came from, how to keep it, and one clickable row per note. `node_names` are
    /// the canvas's nodes (a note's resource is selected by its index there); `editing` selects by name instead.
    pub fn ui(&self, ui: &mut Ui, node_names: &[String], editing: bool, actions: &mut Vec<Action>) {
        ui.heading("Import notes");
        ui.label(format!("Converted from the template {}.", self.file_name()));
        ui.weak("Save (File > Save As…) writes the scenario as .json; the template is never overwritten.");
        if self.external_count > 0 {
            ui.weak(format!(
                "Greyed boxes: {} resource(s) eventflow does not simulate.",
                self.external_count
            ));
        }
        if self.hint_count > 0 {
            ui.weak(format!(
                "Dashed edges: {} link(s) only a function's Policies or Environment imply (its code probably calls them; the scenario does not).",
                self.hint_count
            ));
        }
        ui.separator();
        if self.notes.is_empty() {
            ui.label("Nothing to note: every resource was carried over.");
            return;
        }
        ui.label(format!("{} note(s):", self.notes.len()));
        egui::ScrollArea::vertical()
            .id_salt("import-notes-scroll")
            .show(ui, |ui| {
                for note in &self.notes {
                    let index = node_names.iter().position(|n| *n == note.id);
                    let text = format!("{} ({}): {}", note.id, note.aws_type, note.message);
                    match index {
                        Some(i) => {
                            if ui
                                .selectable_label(false, RichText::new(text))
                                .on_hover_text(format!("Select {} on the canvas", note.id))
                                .clicked()
                            {
                                actions.push(if editing {
                                    Action::SelectNames(vec![note.id.clone()])
                                } else {
                                    Action::Select(Selection::Node(NodeIndex::new(i)))
                                });
                            }
                        }
                        None => {
                            ui.add(egui::Label::new(RichText::new(text).weak()).wrap());
                        }
                    }
                }
            });
    }
}
