//! The menu bar: File (New, Open — a scenario or a SAM / CloudFormation template —, Save, Save As, Reload,
//! Save moment, Export SAM template, Examples, Recent, Close, Quit), Edit (Undo, Redo, Duplicate, Delete), View
//! (fit, size nodes by, Experiments, Compare, theme), Help, and the open scenario's name. Stateless: it returns actions;
//! whatever could lose unsaved changes goes out as [`Action::Request`].

use std::path::PathBuf;

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers, Ui};

use super::action::{Action, Pending};
use super::health::NodeSizing;

pub const SHORTCUT_OPEN: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
pub const SHORTCUT_RELOAD: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::R);
pub const SHORTCUT_SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
pub const SHORTCUT_UNDO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
pub const SHORTCUT_REDO: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);
pub const SHORTCUT_REDO_Y: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
pub const SHORTCUT_DUPLICATE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::D);

const HELP: &str = "Space — play / pause\nRight arrow — step one event\nCtrl+O — open a scenario\nCtrl+R — reload\nWheel or +/- — zoom, drag — pan or move a node\nF — fit the graph, Shift+F — zoom to the selection\nClick a dot, a node or a row to inspect it\n\nEdit mode (the toolbar's Edit):\nclick or drag a palette entry to add a resource\ndrag from a node's handle (or Alt+drag) onto another to wire\nShift+click / Shift+drag — select several\nDelete — delete · Ctrl+D — duplicate\nCtrl+Z / Ctrl+Shift+Z — undo / redo · Ctrl+S — save";

/// What the menus show.
pub struct MenuView<'a> {
    /// The open scenario's name and file name (if it has a file).
    pub open: Option<(&'a str, Option<String>)>,
    /// Example names, in gallery order.
    pub examples: Vec<String>,
    pub recent: &'a [PathBuf],
    pub dark: bool,
    /// An editing session exists (Save is possible).
    pub has_session: bool,
    pub dirty: bool,
    pub can_undo: bool,
    pub can_redo: bool,
    pub has_selection: bool,
    /// What the canvas sizes nodes by.
    pub sizing: NodeSizing,
}

/// The menu bar panel.
#[derive(Default)]
pub struct MenuBar;

impl MenuBar {
    pub fn ui(&mut self, ui: &mut Ui, view: &MenuView<'_>, actions: &mut Vec<Action>) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| file_menu(ui, view, actions));
            ui.menu_button("Edit", |ui| edit_menu(ui, view, actions));
            ui.menu_button("View", |ui| {
                if ui
                    .add_enabled(view.open.is_some(), egui::Button::new("Fit to window"))
                    .clicked()
                {
                    actions.push(Action::FitCanvas);
                    ui.close();
                }
                menu_item(
                    ui,
                    actions,
                    view.open.is_some(),
                    egui::Button::new("Experiments…"),
                    Action::OpenExperiments,
                );
                menu_item(
                    ui,
                    actions,
                    view.open.is_some(),
                    egui::Button::new("Compare with a variant…"),
                    Action::OpenCompare,
                );
                ui.menu_button("Size nodes by", |ui| {
                    for s in NodeSizing::ALL {
                        if ui.radio(view.sizing == s, s.label()).clicked() {
                            actions.push(Action::SizeNodesBy(s));
                            ui.close();
                        }
                    }
                });
                if ui.radio(view.dark, "Dark theme").clicked() {
                    actions.push(Action::SetDark(true));
                    ui.close();
                }
                if ui.radio(!view.dark, "Light theme").clicked() {
                    actions.push(Action::SetDark(false));
                    ui.close();
                }
            });
            ui.menu_button("Help", |ui| {
                ui.label(HELP);
            });
            if let Some((name, file)) = &view.open {
                ui.separator();
                ui.strong(*name);
                if let Some(f) = file {
                    ui.weak(f);
                }
                if view.dirty {
                    ui.weak("(unsaved changes)");
                }
            }
        });
    }
}

fn file_menu(ui: &mut Ui, view: &MenuView<'_>, actions: &mut Vec<Action>) {
    let shortcut = |ui: &Ui, s: &KeyboardShortcut| ui.ctx().format_shortcut(s);
    if ui
        .button("New")
        .on_hover_text("Start an empty scenario in edit mode")
        .clicked()
    {
        item_clicked(ui, actions, Action::Request(Pending::New));
    }
    menu_item(
        ui,
        actions,
        true,
        egui::Button::new("Open…").shortcut_text(shortcut(ui, &SHORTCUT_OPEN)),
        Action::Request(Pending::OpenPicker),
    );
    if ui
        .add_enabled(
            view.has_session,
            egui::Button::new("Save").shortcut_text(shortcut(ui, &SHORTCUT_SAVE)),
        )
        .on_disabled_hover_text("Switch on Edit to change and save the scenario")
        .clicked()
    {
        item_clicked(ui, actions, Action::Save(None));
    }
    menu_item(
        ui,
        actions,
        view.has_session,
        egui::Button::new("Save As…"),
        Action::SaveAs,
    );
    menu_item(
        ui,
        actions,
        view.open.is_some(),
        egui::Button::new("Reload").shortcut_text(shortcut(ui, &SHORTCUT_RELOAD)),
        Action::Reload,
    );
    if ui
        .add_enabled(view.open.is_some(), egui::Button::new("Save moment"))
        .on_hover_text("Save the scenario with the current virtual time and selection as one file, beside the scenario; opening it lands on this moment")
        .clicked()
    {
        item_clicked(ui, actions, Action::SaveMoment);
    }
    // --- Templates (issue 10): export as AWS SAM.
    if ui
        .add_enabled(
            view.open.is_some(),
            egui::Button::new("Export SAM template…"),
        )
        .on_hover_text(
            "Write the scenario as an AWS SAM template (.yaml), with the handler code in functions/ beside it",
        )
        .clicked()
    {
        item_clicked(ui, actions, Action::ExportSam(None));
    }
    // --- End of templates.
    ui.menu_button("Examples", |ui| {
        for (i, label) in view.examples.iter().enumerate() {
            if ui.button(label).clicked() {
                item_clicked(ui, actions, Action::Request(Pending::Example(i)));
            }
        }
    });
    ui.add_enabled_ui(!view.recent.is_empty(), |ui| {
        ui.menu_button("Recent", |ui| {
            for p in view.recent {
                if ui.button(p.display().to_string()).clicked() {
                    item_clicked(ui, actions, Action::Request(Pending::Open(p.clone())));
                }
            }
        });
    });
    // File → Export (issue 11): the run's trace, Perfetto, OTLP, the selected trace's timeline, the canvas.
    ui.add_enabled_ui(view.open.is_some(), |ui| {
        ui.menu_button("Export", |ui| {
            for kind in super::export::ExportKind::ALL {
                if ui.button(kind.label()).clicked() {
                    item_clicked(ui, actions, Action::Export(kind));
                }
            }
        });
    });
    if ui
        .add_enabled(view.open.is_some(), egui::Button::new("Close (start page)"))
        .clicked()
    {
        item_clicked(ui, actions, Action::Request(Pending::Close));
    }
    ui.separator();
    if ui.button("Quit").clicked() {
        actions.push(Action::Quit);
    }
}

fn edit_menu(ui: &mut Ui, view: &MenuView<'_>, actions: &mut Vec<Action>) {
    let shortcut = |ui: &Ui, s: &KeyboardShortcut| ui.ctx().format_shortcut(s);
    let entries = [
        (
            view.can_undo,
            egui::Button::new("Undo").shortcut_text(shortcut(ui, &SHORTCUT_UNDO)),
            Action::Undo,
        ),
        (
            view.can_redo,
            egui::Button::new("Redo").shortcut_text(shortcut(ui, &SHORTCUT_REDO)),
            Action::Redo,
        ),
    ];
    for (enabled, button, action) in entries {
        menu_item(ui, actions, enabled, button, action);
    }
    ui.separator();
    let entries = [
        (
            egui::Button::new("Duplicate").shortcut_text(shortcut(ui, &SHORTCUT_DUPLICATE)),
            Action::DuplicateSelected,
        ),
        (
            egui::Button::new("Delete").shortcut_text("Del"),
            Action::DeleteSelected,
        ),
    ];
    for (button, action) in entries {
        menu_item(ui, actions, view.has_selection, button, action);
    }
}

/// A menu item was chosen: ask for its action and close the menu.
fn item_clicked(ui: &mut Ui, actions: &mut Vec<Action>, action: Action) {
    actions.push(action);
    ui.close();
}

/// A menu entry: when chosen, ask for its action and close the menu.
fn menu_item(
    ui: &mut Ui,
    actions: &mut Vec<Action>,
    enabled: bool,
    button: egui::Button<'_>,
    action: Action,
) {
    if ui.add_enabled(enabled, button).clicked() {
        item_clicked(ui, actions, action);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Characters of `text` the bundled fonts cannot draw (they would render as empty boxes).
    fn missing_glyphs(text: &str) -> Vec<char> {
        let ctx = egui::Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        let font = egui::FontId::proportional(14.0);
        ctx.fonts_mut(|f| {
            text.chars()
                .filter(|c| !c.is_whitespace() && !f.has_glyph(&font, *c))
                .collect()
        })
    }

    /// Issue 17 item 12: the Help menu's arrows rendered as empty boxes.
    #[test]
    fn help_text_uses_only_glyphs_the_bundled_fonts_have() {
        assert_eq!(missing_glyphs(HELP), Vec::<char>::new());
    }

    #[test]
    fn the_glyph_check_finds_a_missing_glyph() {
        assert_eq!(missing_glyphs("a\u{10FFFD}b"), vec!['\u{10FFFD}']);
    }
}
