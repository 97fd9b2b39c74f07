//! A scenario file that does not load, opened as its raw JSON text to fix it (File → Open, drag and drop,
//! `eventflow open bad.json`): the loader's problems listed (`file:line:col`, JSON path, message — click one to put
//! the cursor on its line), the text with line numbers and the problem lines marked, **Apply** to check again
//! (when the text is clean, the scenario loads), **Save** to write the text as it is, atomically
//! ([`crate::fileio::write_atomic`]), and **Revert** to the file on disk. Unsaved text counts as unsaved changes
//! (the app asks before it is lost).
//!
//! Only a readable UTF-8 file that is not a template and whose problems the loader located opens here
//! ([`RawEditor::open`]); a file that cannot be read (missing, a folder, too large) is still an error message.

use std::path::{Path, PathBuf};

use eframe::egui::{self, Color32, RichText, TextFormat, Ui, text::LayoutJob};

use super::code_editor::line_numbers;
use crate::scenario::{LoadError, Problem, Scenario};

/// The raw text of a file that does not load, its problems and the outcome of the last Apply or Save.
pub struct RawEditor {
    pub path: PathBuf,
    text: String,
    /// The text as it is on disk (the text differs when there are unsaved changes).
    saved: String,
    problems: Vec<Problem>,
    message: Option<(String, bool)>,
    /// A clicked problem's line: the cursor goes there in the next frame.
    goto_line: Option<u32>,
}

/// What the raw editor asks of the app.
pub enum RawOutcome {
    /// The text loads: open it (`unsaved`: the text differs from the file, so the app keeps it as unsaved
    /// changes).
    Load {
        scenario: Box<Scenario>,
        unsaved: bool,
    },
}

/// The folder script paths are relative to (`.` for a bare file name).
fn base_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Loads `text` as the scenario file `path` would (scripts resolved beside it).
fn check(path: &Path, text: &str) -> Result<Scenario, Vec<Problem>> {
    let label = path.display().to_string();
    match crate::scenario::load_str(text, &label, Some(&base_dir(path))) {
        Ok(mut sc) => {
            sc.file = Some(path.to_path_buf());
            Ok(sc)
        }
        Err(LoadError::Invalid { problems }) => Err(problems),
        Err(LoadError::Io { file, message }) => Err(vec![Problem {
            file,
            line: 1,
            col: 1,
            path: String::new(),
            message,
        }]),
    }
}

impl RawEditor {
    /// The raw editor on `path` when it is a readable text file, not a template, that does not load with located
    /// problems; `None` otherwise (the caller reports the load error as before).
    pub fn open(path: &Path) -> Option<RawEditor> {
        let bytes =
            crate::fileio::read_input(path, crate::fileio::MAX_SCENARIO_BYTES, "a scenario file")
                .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if crate::import::is_template(&name, &text) {
            return None;
        }
        let problems = check(path, &text).err()?;
        Some(RawEditor {
            path: path.to_path_buf(),
            saved: text.clone(),
            text,
            problems,
            message: None,
            goto_line: None,
        })
    }

    /// Whether the text differs from the file.
    pub fn dirty(&self) -> bool {
        self.text != self.saved
    }

    /// The problems of the last check.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The text being edited.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Forgets the edits: back to the file's text.
    pub fn discard(&mut self) {
        self.text.clone_from(&self.saved);
    }

    /// Writes the text as it is, atomically; says how it went.
    pub fn save(&mut self) {
        self.message = Some(match crate::fileio::write_atomic(&self.path, &self.text) {
            Ok(()) => {
                self.saved.clone_from(&self.text);
                let left = match check(&self.path, &self.text) {
                    Ok(_) => "it loads now: Apply opens it".to_string(),
                    Err(p) => {
                        let n = p.len();
                        self.problems = p;
                        format!("{n} problem(s) left")
                    }
                };
                (format!("Saved {} — {left}", self.path.display()), false)
            }
            Err(e) => (format!("Cannot write {}: {e}", self.path.display()), true),
        });
    }

    /// Checks the text again: its problems, or the scenario when it loads.
    pub fn apply(&mut self) -> Option<RawOutcome> {
        match check(&self.path, &self.text) {
            Ok(sc) => Some(RawOutcome::Load {
                scenario: Box::new(sc),
                unsaved: self.dirty(),
            }),
            Err(problems) => {
                self.message = Some((
                    format!("{} problem(s) left: fix them, then Apply", problems.len()),
                    true,
                ));
                self.problems = problems;
                None
            }
        }
    }

    /// The editor, filling the panel: heading, problems, buttons, then the text.
    pub fn ui(&mut self, ui: &mut Ui) -> Option<RawOutcome> {
        let mut outcome = None;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        ui.heading(format!("{name} does not load"));
        ui.weak(format!(
            "{} — fix the problems in its JSON below, then Apply (it loads when it is clean); Save writes the text as it is.",
            self.path.display()
        ));
        ui.add_space(4.0);
        ui.strong(format!("Problems ({})", self.problems.len()));
        egui::ScrollArea::vertical()
            .id_salt("raw-problems")
            .max_height(150.0)
            .show(ui, |ui| {
                for p in &self.problems {
                    let text = RichText::new(p.to_string())
                        .monospace()
                        .color(ui.visuals().error_fg_color);
                    if ui
                        .link(text)
                        .on_hover_text("Put the cursor on this line")
                        .clicked()
                    {
                        self.goto_line = Some(p.line);
                    }
                }
            });
        ui.horizontal(|ui| {
            if ui
                .button("Apply")
                .on_hover_text("Check the text again; it opens when it loads")
                .clicked()
            {
                outcome = self.apply();
            }
            if ui
                .add_enabled(self.dirty(), egui::Button::new("Save"))
                .on_hover_text("Write the text to the file as it is (atomically)")
                .clicked()
            {
                self.save();
            }
            if ui
                .add_enabled(self.dirty(), egui::Button::new("Revert"))
                .on_hover_text("Back to the file's text")
                .clicked()
            {
                self.discard();
            }
            if self.dirty() {
                ui.colored_label(ui.visuals().warn_fg_color, "not saved");
            }
            if let Some((m, is_error)) = &self.message {
                let color = if *is_error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.colored_label(color, m);
            }
        });
        ui.separator();
        self.text_ui(ui);
        outcome
    }

    /// The text box with its line-number gutter; problem lines are marked.
    fn text_ui(&mut self, ui: &mut Ui) {
        let marked: Vec<u32> = self.problems.iter().map(|p| p.line).collect();
        let mut layouter = |ui: &Ui, buf: &dyn egui::TextBuffer, _wrap: f32| {
            let mut job = marked_lines(buf.as_str(), &marked, ui.visuals().text_color());
            job.wrap.max_width = f32::INFINITY;
            ui.fonts_mut(|f| f.layout_job(job))
        };
        let label = ui.weak("scenario JSON");
        let edit_id = egui::Id::unique(("raw-json", &self.path));
        if let Some(line) = self.goto_line.take() {
            let at = char_index_of_line(&self.text, line);
            let mut state = egui::TextEdit::load_state(ui.ctx(), edit_id).unwrap_or_default();
            let cursor = egui::text::CCursor::new(at);
            state
                .cursor
                .set_char_range(Some(egui::text::CCursorRange::one(cursor)));
            state.store(ui.ctx(), edit_id);
            ui.memory_mut(|m| m.request_focus(edit_id));
        }
        egui::ScrollArea::both()
            .id_salt("raw-json-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.add(
                        egui::Label::new(
                            RichText::new(line_numbers(&self.text))
                                .font(egui::FontId::monospace(12.5))
                                .weak(),
                        )
                        .selectable(false),
                    );
                    ui.add(
                        egui::TextEdit::multiline(&mut self.text)
                            .id(edit_id)
                            .code_editor()
                            .desired_rows(30)
                            .desired_width(f32::INFINITY)
                            .layouter(&mut layouter),
                    )
                    .labelled_by(label.id);
                });
            });
    }
}

/// The character index where 1-based `line` starts (the end of the text past the last line).
fn char_index_of_line(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    let mut seen = 1;
    for (i, c) in text.chars().enumerate() {
        if c == '\n' {
            seen += 1;
            if seen == line {
                return i + 1;
            }
        }
    }
    text.chars().count()
}

/// Monospace text with a red background on the 1-based lines in `marked`.
fn marked_lines(text: &str, marked: &[u32], color: Color32) -> LayoutJob {
    let mut job = LayoutJob::default();
    let font = egui::FontId::monospace(12.5);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let mut f = TextFormat::simple(font.clone(), color);
        if marked.contains(&(i as u32 + 1)) {
            f.background = Color32::from_rgba_unmultiplied(200, 40, 40, 70);
        }
        job.append(line, 0.0, f);
    }
    if text.is_empty() {
        job.append("", 0.0, TextFormat::simple(font, color));
    }
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("written");
        p
    }

    #[test]
    fn only_a_readable_scenario_with_located_problems_opens_raw() {
        let scratch = tempfile::tempdir().expect("temp dir");
        let bad = temp_file(
            scratch.path(),
            "bad.json",
            "{\n  \"format\": \"eventflow/1\",\n  \"name\": 3\n}\n",
        );
        let raw = RawEditor::open(&bad).expect("opens raw");
        assert!(!raw.problems().is_empty());
        assert!(raw.problems().iter().all(|p| p.line >= 1));
        assert!(!raw.dirty());
        // Missing files, folders and valid scenarios do not.
        assert!(RawEditor::open(&bad.with_file_name("missing.json")).is_none());
        assert!(RawEditor::open(bad.parent().expect("folder")).is_none());
        let good = temp_file(
            scratch.path(),
            "good.json",
            include_str!("../../assets/scenarios/api-hello.json"),
        );
        assert!(RawEditor::open(&good).is_none());
    }

    #[test]
    fn lines_map_to_character_indices_and_problem_lines_are_marked() {
        assert_eq!(char_index_of_line("ab\ncd\nef", 1), 0);
        assert_eq!(char_index_of_line("ab\ncd\nef", 3), 6);
        assert_eq!(char_index_of_line("ab", 9), 2);
        let job = marked_lines("a\nb\nc", &[2], Color32::WHITE);
        let backgrounds: Vec<bool> = job
            .sections
            .iter()
            .map(|s| s.format.background != Color32::TRANSPARENT)
            .collect();
        assert_eq!(backgrounds, [false, true, false]);
    }
}
