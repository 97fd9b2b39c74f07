//! A small in-app file picker for scenario files (and templates: it lists `.json`, `.yaml` and `.yml`).
//!
//! Chosen over a native dialog crate: `rfd` needs GTK development packages, or with its xdg-portal backend pulls
//! an async D-Bus stack (zbus and an executor) — dozens of crates and minutes of build on these 2-core machines —
//! and still needs a running portal, which minimal desktops and Xvfb lack. Listing a folder needs only `std`.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Context};

pub struct FilePicker {
    dir: PathBuf,
    path_text: String,
    entries: Vec<(String, bool)>,
    error: Option<String>,
    /// Save mode: the file name to save as (None: open mode).
    save_name: Option<String>,
    /// Save mode: the extension a saved name gets (without the dot).
    extension: &'static str,
    /// The window's title in save mode.
    save_title: &'static str,
}

impl FilePicker {
    pub fn new(start: &Path) -> FilePicker {
        let mut p = FilePicker {
            dir: PathBuf::new(),
            path_text: String::new(),
            entries: Vec::new(),
            error: None,
            save_name: None,
            extension: "json",
            save_title: "Save scenario as",
        };
        p.go(start.to_path_buf());
        p
    }

    /// A picker in save mode ("Save As"): choose a folder and type a file name (`.json` is added if missing).
    pub fn new_save(start: &Path, name: &str) -> FilePicker {
        let mut p = FilePicker::new(start);
        p.save_name = Some(name.to_string());
        p
    }

    /// A save picker that writes `.{extension}` files (e.g. an exported template), titled `title`.
    pub fn with_extension(mut self, extension: &'static str, title: &'static str) -> FilePicker {
        self.extension = extension;
        self.save_title = title;
        self
    }

    pub fn is_save(&self) -> bool {
        self.save_name.is_some()
    }

    fn save_path(&self) -> Option<PathBuf> {
        let name = self.save_name.as_deref()?.trim();
        if name.is_empty() || name.contains('/') {
            return None;
        }
        let name = if name.ends_with(&format!(".{}", self.extension)) {
            name.to_string()
        } else {
            format!("{name}.{}", self.extension)
        };
        Some(self.dir.join(name))
    }

    fn go(&mut self, dir: PathBuf) {
        match std::fs::read_dir(&dir) {
            Ok(rd) => {
                let mut entries: Vec<(String, bool)> = rd
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let is_dir = e.file_type().ok()?.is_dir();
                        let listed = [".json", ".yaml", ".yml"].iter().any(|x| name.ends_with(x));
                        (!name.starts_with('.') && (is_dir || listed)).then_some((name, is_dir))
                    })
                    .collect();
                entries.sort_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
                });
                self.entries = entries;
                self.path_text = dir.display().to_string();
                self.dir = dir;
                self.error = None;
            }
            Err(e) => self.error = Some(format!("cannot list {}: {e}", dir.display())),
        }
    }

    /// Shows the picker window. Returns `Some(Some(path))` when a file was chosen, `Some(None)` when cancelled.
    pub fn show(&mut self, ctx: &Context) -> Option<Option<PathBuf>> {
        let mut result = None;
        let mut open = true;
        let title = if self.is_save() {
            self.save_title
        } else {
            "Open a scenario or a SAM / CloudFormation template"
        };
        egui::Window::new(title)
            .open(&mut open)
            .default_size([460.0, 420.0])
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("Up").clicked()
                        && let Some(parent) = self.dir.parent()
                    {
                        self.go(parent.to_path_buf());
                    }
                    let folder = ui.label("Folder");
                    let resp = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.path_text)
                                .desired_width(f32::INFINITY),
                        )
                        .labelled_by(folder.id);
                    if resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        let p = PathBuf::from(self.path_text.trim());
                        if p.is_dir() {
                            self.go(p);
                        } else {
                            result = Some(Some(p));
                        }
                    }
                });
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.separator();
                egui::ScrollArea::vertical()
                    .max_height(320.0)
                    .show(ui, |ui| {
                        let mut go_to = None;
                        for (name, is_dir) in &self.entries {
                            let label = if *is_dir {
                                format!("{name}/")
                            } else {
                                name.clone()
                            };
                            if ui.selectable_label(false, label).clicked() {
                                let p = self.dir.join(name);
                                if *is_dir {
                                    go_to = Some(p);
                                } else if let Some(n) = &mut self.save_name {
                                    *n = name.clone();
                                } else {
                                    result = Some(Some(p));
                                }
                            }
                        }
                        if self.entries.is_empty() {
                            ui.weak("No folders, .json or .yaml files here.");
                        }
                        if let Some(p) = go_to {
                            self.go(p);
                        }
                    });
                ui.separator();
                ui.horizontal(|ui| {
                    let mut save = false;
                    if let Some(n) = &mut self.save_name {
                        let label = ui.label("File name");
                        let r = ui
                            .add(egui::TextEdit::singleline(n).desired_width(220.0))
                            .labelled_by(label.id);
                        save = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    }
                    if self.save_name.is_some() {
                        let path = self.save_path();
                        if (ui
                            .add_enabled(path.is_some(), egui::Button::new("Save"))
                            .clicked()
                            || save)
                            && let Some(p) = path
                        {
                            result = Some(Some(p));
                        }
                    }
                    if ui.button("Cancel").clicked() {
                        result = Some(None);
                    }
                });
            });
        if !open {
            result = Some(None);
        }
        result
    }
}
