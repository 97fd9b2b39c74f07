//! A collapsible, searchable JSON tree with copy-to-clipboard, on plain egui widgets.
//!
//! Objects and arrays are collapsing headers (open to `open_depth` levels by default); leaves are one label each,
//! `key: value`, so a value can be found by its text. A search string (case-insensitive) opens every branch that
//! holds a match and highlights matching rows. Right-click a row to copy its value or its path.

use eframe::egui::{self, Color32, RichText, Ui};
use serde_json::Value;

/// Longest string shown in full on a row (longer ones are cut; the copy is whole).
const MAX_LEAF_CHARS: usize = 200;

/// Shows `value` as a tree. `id_salt` keeps open/closed state per tree; `search` filters nothing but opens and
/// highlights matches.
pub fn show(ui: &mut Ui, id_salt: &str, value: &Value, search: &str, open_depth: usize) {
    let needle = search.trim().to_lowercase();
    ui.horizontal(|ui| {
        if ui
            .small_button("Copy JSON")
            .on_hover_text("Copy the whole JSON, pretty-printed")
            .clicked()
        {
            ui.ctx()
                .copy_text(serde_json::to_string_pretty(value).unwrap_or_default());
        }
        if !needle.is_empty() {
            let n = count_matches(value, &needle, None);
            ui.weak(format!("{n} match{}", if n == 1 { "" } else { "es" }));
        }
    });
    node(ui, id_salt, None, value, "$", &needle, 0, open_depth);
}

fn leaf_text(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let mut t: String = s.chars().take(MAX_LEAF_CHARS).collect();
            if s.chars().count() > MAX_LEAF_CHARS {
                t.push('…');
            }
            format!("\"{t}\"")
        }
        other => other.to_string(),
    }
}

fn matches(key: Option<&str>, v: &Value, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    key.is_some_and(|k| k.to_lowercase().contains(needle))
        || match v {
            Value::Object(_) | Value::Array(_) => false,
            Value::String(s) => s.to_lowercase().contains(needle),
            other => other.to_string().to_lowercase().contains(needle),
        }
}

fn count_matches(v: &Value, needle: &str, key: Option<&str>) -> usize {
    let here = usize::from(matches(key, v, needle));
    here + match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, c)| count_matches(c, needle, Some(k)))
            .sum(),
        Value::Array(a) => a.iter().map(|c| count_matches(c, needle, None)).sum(),
        _ => 0,
    }
}

fn path_join(path: &str, key: Option<&str>, index: Option<usize>) -> String {
    match (key, index) {
        (Some(k), _) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            format!("{path}.{k}")
        }
        (Some(k), _) => format!("{path}[{k:?}]"),
        (None, Some(i)) => format!("{path}[{i}]"),
        _ => path.to_string(),
    }
}

fn copy_menu(resp: &egui::Response, v: &Value, path: &str) {
    resp.context_menu(|ui| {
        if ui.button("Copy value").clicked() {
            let text = match v {
                Value::String(s) => s.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            ui.ctx().copy_text(text);
            ui.close();
        }
        if ui.button("Copy path").clicked() {
            ui.ctx().copy_text(path.to_string());
            ui.close();
        }
    });
}

#[allow(clippy::too_many_arguments)]
fn node(
    ui: &mut Ui,
    salt: &str,
    key: Option<&str>,
    v: &Value,
    path: &str,
    needle: &str,
    depth: usize,
    open_depth: usize,
) {
    let hit = matches(key, v, needle);
    let hl = |t: RichText| {
        if hit {
            t.background_color(Color32::from_rgba_unmultiplied(255, 200, 0, 70))
        } else {
            t
        }
    };
    match v {
        Value::Object(_) | Value::Array(_) => {
            let (len, brackets) = match v {
                Value::Object(m) => (m.len(), ("{", "}")),
                Value::Array(a) => (a.len(), ("[", "]")),
                _ => (0, ("", "")),
            };
            let title = match key {
                Some(k) => format!("{k}: {}{len}{}", brackets.0, brackets.1),
                None => format!("{}{len}{}", brackets.0, brackets.1),
            };
            let force_open = !needle.is_empty() && count_matches(v, needle, None) > 0;
            let header = egui::CollapsingHeader::new(hl(RichText::new(title).monospace()))
                .id_salt((salt, path))
                .default_open(depth < open_depth)
                .open(if force_open { Some(true) } else { None });
            let resp = header.show(ui, |ui| match v {
                Value::Object(m) => {
                    for (k, c) in m {
                        node(
                            ui,
                            salt,
                            Some(k),
                            c,
                            &path_join(path, Some(k), None),
                            needle,
                            depth + 1,
                            open_depth,
                        );
                    }
                }
                Value::Array(a) => {
                    for (i, c) in a.iter().enumerate() {
                        let k = format!("[{i}]");
                        node(
                            ui,
                            salt,
                            Some(&k),
                            c,
                            &path_join(path, None, Some(i)),
                            needle,
                            depth + 1,
                            open_depth,
                        );
                    }
                }
                _ => {}
            });
            copy_menu(&resp.header_response, v, path);
        }
        leaf => {
            let value_color = match leaf {
                Value::String(_) => Color32::from_rgb(0x6A, 0xB0, 0x4C),
                Value::Number(_) => Color32::from_rgb(0x4E, 0x9B, 0xE6),
                Value::Bool(_) => Color32::from_rgb(0xD0, 0x7C, 0x2E),
                _ => ui.visuals().weak_text_color(),
            };
            let text = match key {
                Some(k) => format!("{k}: {}", leaf_text(leaf)),
                None => leaf_text(leaf),
            };
            let resp = ui.add(
                egui::Label::new(hl(RichText::new(text).monospace().color(value_color)))
                    .sense(egui::Sense::click())
                    .wrap_mode(egui::TextWrapMode::Wrap),
            );
            copy_menu(&resp, leaf, path);
        }
    }
}
