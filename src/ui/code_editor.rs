//! The handler code editor of edit mode: a function's inline code or script file, coloured as Rhai with line
//! numbers, compiled as you type (the error line is marked). Inline code applies itself to the document when typing
//! pauses and it compiles ("Apply code" does it at once); a script is saved to its file with "Save script". Edits
//! not yet in effect say so ("not applied", "not saved"), so Play never silently runs old code. A script that
//! cannot be read shows why, never an empty buffer that "Save script" would write over the file.

use eframe::egui::{self, Color32, TextFormat, Ui, text::LayoutJob};
use serde_json::{Value, json};

use super::action::Action;
use super::style;
use crate::editor::{self, session::Session};

const KEYWORDS: &[&str] = &[
    "fn",
    "let",
    "const",
    "if",
    "else",
    "while",
    "loop",
    "for",
    "in",
    "return",
    "throw",
    "try",
    "catch",
    "break",
    "continue",
    "true",
    "false",
    "switch",
    "import",
    "export",
    "as",
    "private",
    "this",
    "is_def_var",
];

/// Colours Rhai source: keywords, strings, comments, numbers; `error_line` (1-based) gets a red background.
pub fn highlight(src: &str, error_line: Option<u32>, dark: bool) -> LayoutJob {
    let mut job = LayoutJob::default();
    let font = egui::FontId::monospace(12.5);
    let (plain, kw, string, comment, number) = if dark {
        (
            Color32::from_gray(220),
            Color32::from_rgb(0xC6, 0x78, 0xDD),
            Color32::from_rgb(0x98, 0xC3, 0x79),
            Color32::from_gray(120),
            Color32::from_rgb(0xD1, 0x9A, 0x66),
        )
    } else {
        (
            Color32::from_gray(30),
            Color32::from_rgb(0x80, 0x20, 0xA0),
            Color32::from_rgb(0x20, 0x80, 0x20),
            Color32::from_gray(130),
            Color32::from_rgb(0xA0, 0x50, 0x00),
        )
    };
    let mut line_no = 1u32;
    let push = |job: &mut LayoutJob, text: &str, color: Color32, line: u32| {
        let mut f = TextFormat::simple(font.clone(), color);
        if error_line == Some(line) {
            f.background = Color32::from_rgba_unmultiplied(200, 40, 40, 70);
        }
        job.append(text, 0.0, f);
    };
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let end_of = |j: usize| chars.get(j).map_or(src.len(), |(b, _)| *b);
        if c == '\n' {
            push(&mut job, "\n", plain, line_no);
            line_no += 1;
            i += 1;
        } else if c == '/' && chars.get(i + 1).is_some_and(|(_, d)| *d == '/') {
            let mut j = i;
            while j < chars.len() && chars[j].1 != '\n' {
                j += 1;
            }
            push(&mut job, &src[start..end_of(j)], comment, line_no);
            i = j;
        } else if c == '"' || c == '`' || c == '\'' {
            let mut j = i + 1;
            while j < chars.len() && chars[j].1 != c && chars[j].1 != '\n' {
                if chars[j].1 == '\\' {
                    j += 1;
                }
                j += 1;
            }
            let j = (j + 1).min(chars.len());
            push(&mut job, &src[start..end_of(j)], string, line_no);
            i = j;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len()
                && (chars[j].1.is_ascii_alphanumeric() || chars[j].1 == '.' || chars[j].1 == '_')
            {
                j += 1;
            }
            push(&mut job, &src[start..end_of(j)], number, line_no);
            i = j;
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len() && (chars[j].1.is_alphanumeric() || chars[j].1 == '_') {
                j += 1;
            }
            let word = &src[start..end_of(j)];
            push(
                &mut job,
                word,
                if KEYWORDS.contains(&word) { kw } else { plain },
                line_no,
            );
            i = j;
        } else {
            let mut j = i;
            while j < chars.len() && {
                let d = chars[j].1;
                !(d == '\n'
                    || d == '/'
                    || d == '"'
                    || d == '`'
                    || d == '\''
                    || d.is_alphanumeric()
                    || d == '_')
            } {
                j += 1;
            }
            let j = j.max(i + 1);
            push(&mut job, &src[start..end_of(j)], plain, line_no);
            i = j;
        }
    }
    job
}

/// The code editor's buffer: the function being edited and its text (kept until the selection moves away or
/// Revert).
#[derive(Default)]
pub struct CodeEditor {
    buffer: Option<(String, String)>,
    /// When the buffer was last typed in (egui input time, seconds): inline code applies itself once typing has
    /// paused for [`APPLY_AFTER_PAUSE_S`] and it compiles.
    last_typed_s: Option<f64>,
}

/// How long typing must pause before compiling inline code is applied to the document.
pub const APPLY_AFTER_PAUSE_S: f64 = 0.8;

impl CodeEditor {
    /// The editor of function `id` (its resource JSON `res`).
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        session: &Session,
        id: &str,
        res: &Value,
        dark: bool,
        actions: &mut Vec<Action>,
    ) {
        let source = CodeSource::of(session, res);
        if source.script.is_none() && source.inline.is_none() {
            ui.weak(
                "No code: the function succeeds and returns null (an api route gets statusCode 200).",
            );
            if ui.button("Add inline code").clicked() {
                let src = "fn handler(event, context) {\n    log(\"got an event\");\n    #{ statusCode: 200, body: \"hello\" }\n}\n";
                if let Ok(d) =
                    editor::set_field(session.doc(), id, "code", Some(json!({ "inline": src })))
                {
                    actions.push(Action::Edit(d, format!("added inline code to {id}")));
                }
            }
            return;
        }
        if self.buffer.as_ref().is_none_or(|(cid, _)| cid != id) {
            self.last_typed_s = None;
            match source.read() {
                Ok(text) => self.buffer = Some((id.to_string(), text)),
                Err(why) => {
                    // Never show (or offer to save) an empty buffer in place of a script that exists elsewhere.
                    ui.colored_label(ui.visuals().error_fg_color, why);
                    return;
                }
            }
        }
        let Some((_, text)) = &mut self.buffer else {
            return;
        };
        if let Some(s) = &source.script {
            ui.weak(format!("script {s}"));
        }
        let typed = edit_text(ui, text, id, dark);
        let now_s = ui.input(|i| i.time);
        if typed.changed {
            self.last_typed_s = Some(now_s);
        }
        let changed = source.differs_from(text);
        let apply_inline = |text: &str, actions: &mut Vec<Action>| {
            if let Ok(d) =
                editor::set_field(session.doc(), id, "code", Some(json!({ "inline": text })))
            {
                actions.push(Action::Edit(d, format!("edited {id}'s code")));
            }
        };
        if changed && source.inline.is_some() {
            let paused_s = now_s - self.last_typed_s.unwrap_or(f64::NEG_INFINITY);
            if !typed.compiles {
                pending_note(
                    ui,
                    "Not applied: the code does not compile. The run uses the last applied code.",
                    true,
                );
            } else if paused_s >= APPLY_AFTER_PAUSE_S {
                apply_inline(text, actions);
            } else {
                pending_note(ui, "Not applied yet: applies when you pause typing.", false);
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_secs_f64(
                        APPLY_AFTER_PAUSE_S - paused_s,
                    ));
            }
        } else if changed {
            pending_note(
                ui,
                "Not saved: the run uses the script as saved. Save script to apply.",
                !typed.compiles,
            );
        }
        let mut revert = false;
        ui.horizontal(|ui| {
            let label = if source.script.is_some() {
                "Save script"
            } else {
                "Apply code"
            };
            if ui.add_enabled(changed, egui::Button::new(label)).clicked() {
                match (&source.inline, &source.script_path) {
                    (Some(_), _) => apply_inline(text, actions),
                    (None, Some(p)) => actions.push(Action::SaveScript(p.clone(), text.clone())),
                    (None, None) => {}
                }
            }
            if changed && ui.button("Revert").clicked() {
                revert = true;
            }
        });
        if revert {
            self.buffer = None;
        }
    }
}

/// Where a function's code lives: inline in the document, or a script file (relative to the scenario's folder).
struct CodeSource {
    inline: Option<String>,
    script: Option<String>,
    /// The script's path, when the scenario has a folder to resolve it against.
    script_path: Option<std::path::PathBuf>,
}

impl CodeSource {
    fn of(session: &Session, res: &Value) -> CodeSource {
        let code = res.get("code");
        let text_of = |k: &str| {
            code.and_then(|c| c.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let script = text_of("script");
        CodeSource {
            inline: text_of("inline"),
            script_path: script.as_ref().and_then(|s| session.script_path(s)),
            script,
        }
    }

    /// The code's text, or why it cannot be shown.
    fn read(&self) -> Result<String, String> {
        match (&self.inline, &self.script_path) {
            (Some(t), _) => Ok(t.clone()),
            (None, Some(p)) => {
                std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
            }
            (None, None) => Err(format!(
                "script {} is relative to the scenario's folder: save the scenario first",
                self.script.as_deref().unwrap_or("")
            )),
        }
    }

    /// Whether `text` differs from what is applied or saved.
    fn differs_from(&self, text: &str) -> bool {
        match (&self.inline, &self.script_path) {
            (Some(t), _) => t != text,
            (None, Some(p)) => std::fs::read_to_string(p).ok().as_deref() != Some(text),
            (None, None) => false,
        }
    }
}

/// A pending-edit note under the code: an error colour when the code cannot be applied as it is.
fn pending_note(ui: &mut Ui, text: &str, is_error: bool) {
    let color = if is_error {
        ui.visuals().error_fg_color
    } else {
        ui.visuals().warn_fg_color
    };
    ui.colored_label(color, text);
}

/// What one frame of the text box saw.
struct Typed {
    /// The text was edited this frame.
    changed: bool,
    compiles: bool,
}

/// The line-number gutter for `text`: "1\n2\n…", one number per line (lines do not wrap).
pub fn line_numbers(text: &str) -> String {
    let lines = text.split('\n').count().max(1);
    let width = lines.to_string().len();
    (1..=lines)
        .map(|n| format!("{n:>width$}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The coloured text box with line numbers, and whether the text compiles (or the error, line and column).
fn edit_text(ui: &mut Ui, text: &mut String, id: &str, dark: bool) -> Typed {
    let mut compiled = crate::script::Handler::compile(text, id);
    let err_line = compiled.as_ref().err().map(|e| e.line);
    let mut layouter = |ui: &Ui, buf: &dyn egui::TextBuffer, _wrap: f32| {
        let mut job = highlight(buf.as_str(), err_line, dark);
        // No wrapping: one text line per gutter number.
        job.wrap.max_width = f32::INFINITY;
        ui.fonts_mut(|f| f.layout_job(job))
    };
    let l = ui.weak("handler source");
    let mut changed = false;
    egui::ScrollArea::both()
        .id_salt(("code", id))
        .max_height(320.0)
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(line_numbers(text))
                            .font(egui::FontId::monospace(12.5))
                            .weak(),
                    )
                    .selectable(false),
                );
                changed = ui
                    .add(
                        egui::TextEdit::multiline(text)
                            .code_editor()
                            .desired_rows(10)
                            .desired_width(f32::INFINITY)
                            .layouter(&mut layouter),
                    )
                    .labelled_by(l.id)
                    .changed();
            });
        });
    if changed {
        // What is shown under the box is about the text as it is now.
        compiled = crate::script::Handler::compile(text, id);
    }
    let compiles = compiled.is_ok();
    match &compiled {
        Ok(_) => {
            ui.colored_label(style::OK_GREEN, "compiles");
        }
        Err(e) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("line {}, column {}: {}", e.line, e.col, e.message),
            );
        }
    }
    Typed { changed, compiles }
}

#[cfg(test)]
mod tests {
    use super::line_numbers;

    #[test]
    fn line_numbers_count_every_line_right_aligned() {
        assert_eq!(line_numbers(""), "1");
        assert_eq!(line_numbers("a\nb\n"), "1\n2\n3");
        let ten = "x\n".repeat(9) + "x";
        assert_eq!(line_numbers(&ten).lines().next(), Some(" 1"));
        assert_eq!(line_numbers(&ten).lines().last(), Some("10"));
    }
}
