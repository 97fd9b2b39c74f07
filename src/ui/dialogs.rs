//! The dialogs: the wiring question of edit mode (a route's METHOD and path, or which async destination),
//! "Unsaved changes" (Save, Discard changes, Cancel), and File → Export SAM template (where to write it). Each
//! owns its answers and returns actions.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::action::Action;
use crate::editor::{Destination, WireKind, WireOptions};

/// What a wiring needs to know before it is made.
enum WireQuestion {
    /// API → function: the route's METHOD and path.
    Route { method: String, path: String },
    /// Function → target: on success or on failure.
    Destination(Destination),
}

/// The wiring dialog of one drag from `from` to `to`.
pub struct WireDialog {
    from: String,
    to: String,
    question: WireQuestion,
    /// Why the last try was refused.
    error: Option<String>,
    /// Why the answer may not do what the user expects (a destination that never fires).
    warning: Option<String>,
}

impl WireDialog {
    /// A dialog when wiring `kind` needs an answer; `None` when it can be made at once.
    pub fn for_kind(from: String, to: String, kind: WireKind) -> Option<WireDialog> {
        let question = match kind {
            WireKind::Route => WireQuestion::Route {
                method: "GET".into(),
                path: "/".into(),
            },
            WireKind::Destination => WireQuestion::Destination(Destination::OnSuccess),
            WireKind::QueueTrigger
            | WireKind::StreamTrigger
            | WireKind::Subscription
            | WireKind::Notification
            | WireKind::RuleBus
            | WireKind::Target
            | WireKind::DeadLetterQueue => return None,
        };
        Some(WireDialog {
            from,
            to,
            question,
            error: None,
            warning: None,
        })
    }

    /// Shows a warning above the question (e.g. from [`crate::editor::destination_never_fires`]); a destination
    /// that never fires makes "code sends to it" the proposed answer.
    pub fn with_warning(mut self, warning: Option<String>) -> WireDialog {
        if warning.is_some()
            && let WireQuestion::Destination(d) = &mut self.question
        {
            *d = Destination::CodeSends;
        }
        self.warning = warning;
        self
    }

    /// Shows why the wiring was refused.
    pub fn set_error(&mut self, message: String) {
        self.error = Some(message);
    }

    /// Shows the dialog; returns whether it stays open. "Wire" asks for [`Action::Wire`] with the answers.
    pub fn show(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) -> bool {
        let mut open = true;
        let mut go = false;
        let mut cancel = false;
        egui::Window::new(format!("Wire {} -> {}", self.from, self.to))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                if let Some(w) = &self.warning {
                    ui.set_max_width(420.0);
                    ui.colored_label(ui.visuals().warn_fg_color, w);
                    ui.separator();
                }
                self.question_ui(ui);
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.horizontal(|ui| {
                    go = ui.button("Wire").clicked();
                    cancel = ui.button("Cancel").clicked();
                });
            });
        if !open || cancel {
            return false;
        }
        if go {
            actions.push(Action::Wire {
                from: self.from.clone(),
                to: self.to.clone(),
                options: self.options(),
            });
        }
        true
    }

    fn question_ui(&mut self, ui: &mut egui::Ui) {
        match &mut self.question {
            WireQuestion::Route { method, path } => {
                ui.label("A route of the API:");
                ui.horizontal(|ui| {
                    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"] {
                        ui.selectable_value(method, m.to_string(), m);
                    }
                });
                ui.horizontal(|ui| {
                    let l = ui.label("path");
                    ui.add(
                        egui::TextEdit::singleline(path)
                            .hint_text("/items/{id}")
                            .desired_width(200.0),
                    )
                    .labelled_by(l.id);
                });
            }
            WireQuestion::Destination(destination) => {
                ui.label("When the asynchronous invocation…");
                ui.radio_value(destination, Destination::OnSuccess, "succeeds (on_success)");
                ui.radio_value(
                    destination,
                    Destination::OnFailure,
                    "fails every attempt (on_failure)",
                );
                ui.label("…or on every invocation, sync or async:");
                ui.radio_value(
                    destination,
                    Destination::CodeSends,
                    "code sends to it (adds the SDK call to the handler)",
                );
            }
        }
    }

    fn options(&self) -> WireOptions {
        match &self.question {
            WireQuestion::Route { method, path } => WireOptions {
                route: Some(format!("{method} {}", path.trim())),
                destination: None,
            },
            WireQuestion::Destination(d) => WireOptions {
                route: None,
                destination: Some(*d),
            },
        }
    }
}

/// The answer to "Unsaved changes".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmAnswer {
    Save,
    Discard,
    Cancel,
}

/// "Unsaved changes": asked before an action that would lose them; `None` while unanswered.
pub fn confirm_window(ctx: &egui::Context) -> Option<ConfirmAnswer> {
    let mut answer = None;
    egui::Window::new("Unsaved changes")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            ui.label("The scenario has changes that are not saved.");
            ui.horizontal(|ui| {
                for (label, a) in [
                    ("Save", ConfirmAnswer::Save),
                    ("Discard changes", ConfirmAnswer::Discard),
                    ("Cancel", ConfirmAnswer::Cancel),
                ] {
                    if ui.button(label).clicked() {
                        answer = Some(a);
                    }
                }
            });
        });
    answer
}

/// File → Export SAM template: a save picker for the template's `.yaml` path. The handler code goes into
/// `functions/<Id>/` beside it, as `eventflow export --sam -o` writes it.
pub struct ExportSamDialog {
    picker: super::picker::FilePicker,
}

impl ExportSamDialog {
    /// A picker in `dir`, proposing `<scenario file stem>.yaml` (or `template.yaml`).
    pub fn new(dir: &Path, scenario_file: Option<&Path>) -> ExportSamDialog {
        let stem = scenario_file
            .and_then(Path::file_stem)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "template".into());
        ExportSamDialog {
            picker: super::picker::FilePicker::new_save(dir, &format!("{stem}.yaml"))
                .with_extension("yaml", "Export SAM template as"),
        }
    }

    /// Shows the picker; `Some(Some(path))` when a path was chosen, `Some(None)` when cancelled.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Option<PathBuf>> {
        self.picker.show(ctx)
    }
}
