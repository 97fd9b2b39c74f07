//! An editing session: the document, its undo history, the file it saves to, the dirty flag and the problems of
//! the last validation. No egui: the app drives it and draws it.
//!
//! After every edit the document is validated with [`crate::scenario::load_str`] over its canonical text (the same
//! text a save writes). A valid document yields a [`Scenario`] the app sends to the runner (`Command::Load`: a
//! live re-run from t = 0); an invalid one keeps its problems here, by JSON path, and the last good simulation
//! keeps running. [`Session::display`] gives the canvas something to draw even then: the document with the broken
//! resources taken out (they are drawn apart, with their problem badge) — except a function whose only fault is its
//! code, which stays wired.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::history::History;
use crate::scenario::write::{canonical_text, write_atomic};
use crate::scenario::{Problem, ResourceType, Scenario, load_str};

/// Errors of saving.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("no file to save to: use Save As")]
    NoPath,
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub struct Session {
    doc: Value,
    history: History,
    /// Where Save writes (None for a new scenario or an example).
    pub path: Option<PathBuf>,
    /// Where script paths are resolved while there is no `path`: the folder of the file the scenario was loaded
    /// from (an example opened from the gallery). Scripts are read from there, and copied along by Save As.
    script_dir: Option<PathBuf>,
    /// Unsaved changes.
    pub dirty: bool,
    /// Problems of the current document (empty when valid).
    pub problems: Vec<Problem>,
    /// Node positions were changed by the user (or resources added): Save writes `layout`.
    pub layout_touched: bool,
    /// Script files the last save copied into the new folder (Save As of a scenario with script files).
    pub scripts_copied: Vec<PathBuf>,
}

/// The problems whose JSON path is inside resource `id`.
pub fn problems_of<'a>(problems: &'a [Problem], id: &str) -> Vec<&'a Problem> {
    problems
        .iter()
        .filter(|p| resource_of_path(&p.path) == Some(id))
        .collect()
}

/// The folder of a file path (`.` for a bare file name).
fn folder_of(file: &Path) -> Option<PathBuf> {
    let p = file.parent()?;
    Some(if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p.to_path_buf()
    })
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The relative script paths (`code.script`) of every function of a document, in document order, once each.
/// Absolute paths and paths that climb out of the folder (`..`) are left where they are.
fn script_files(doc: &Value) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let Some(resources) = doc.get("resources").and_then(Value::as_object) else {
        return out;
    };
    for r in resources.values() {
        let Some(s) = r.pointer("/code/script").and_then(Value::as_str) else {
            continue;
        };
        let p = PathBuf::from(s);
        let inside = p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if inside && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// `resources.Foo.targets[0]` → `Foo`.
pub fn resource_of_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("resources.")?;
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Whether a problem path of resource `id` lies in its `code` (`resources.F.code.inline`, `resources.F.code`).
fn is_code_path(path: &str, id: &str) -> bool {
    path.strip_prefix("resources.")
        .and_then(|r| r.strip_prefix(id))
        .and_then(|r| r.strip_prefix(".code"))
        .is_some_and(|r| r.is_empty() || r.starts_with('.'))
}

fn traffic_index_of_path(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("traffic[")?;
    rest[..rest.find(']')?].parse().ok()
}

impl Session {
    pub fn new(doc: Value, path: Option<PathBuf>) -> Session {
        Session::build(doc, path, None)
    }

    fn build(doc: Value, path: Option<PathBuf>, script_dir: Option<PathBuf>) -> Session {
        let mut s = Session {
            doc,
            history: History::default(),
            path,
            script_dir,
            dirty: false,
            problems: Vec::new(),
            layout_touched: false,
            scripts_copied: Vec::new(),
        };
        let _ = s.validate();
        s
    }

    pub fn doc(&self) -> &Value {
        &self.doc
    }

    fn label(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "untitled.json".into())
    }

    /// A session over a scenario that was loaded from `loaded_from` but saves nowhere yet (an example): its
    /// scripts are read from that file's folder.
    pub fn with_scripts_from(doc: Value, loaded_from: Option<&Path>) -> Session {
        Session::build(doc, None, loaded_from.and_then(folder_of))
    }

    /// The folder script paths are relative to: the save file's folder, else the folder the scenario was loaded
    /// from, else none (a new scenario: scripts cannot be resolved until it is saved).
    pub fn base_dir(&self) -> Option<PathBuf> {
        match &self.path {
            Some(p) => folder_of(p),
            None => self.script_dir.clone(),
        }
    }

    /// Where the script `relative` (as written in the document) lives, if it can be resolved.
    pub fn script_path(&self, relative: &str) -> Option<PathBuf> {
        self.base_dir().map(|b| b.join(relative))
    }

    /// Validates the current document; on success returns the scenario to run.
    pub fn validate(&mut self) -> Option<Scenario> {
        let base = self.base_dir();
        match load_str(&canonical_text(&self.doc), &self.label(), base.as_deref()) {
            Ok(mut sc) => {
                sc.file = self.path.clone();
                self.problems.clear();
                Some(sc)
            }
            Err(e) => {
                self.problems = e.problems().to_vec();
                if self.problems.is_empty() {
                    self.problems.push(Problem {
                        file: self.label(),
                        line: 0,
                        col: 0,
                        path: String::new(),
                        message: e.to_string(),
                    });
                }
                None
            }
        }
    }

    /// Replaces the document with an edited one (recorded for undo). Returns the scenario to run when valid.
    pub fn apply(&mut self, new_doc: Value) -> Option<Arc<Scenario>> {
        if new_doc == self.doc {
            return None;
        }
        let before = std::mem::replace(&mut self.doc, new_doc);
        self.history.record(before);
        self.dirty = true;
        self.validate().map(Arc::new)
    }

    pub fn can_undo(&self) -> bool {
        self.history.can_undo()
    }

    pub fn can_redo(&self) -> bool {
        self.history.can_redo()
    }

    /// Goes back one edit. `Some(Some(sc))`: undone and valid; `Some(None)`: undone, invalid; `None`: nothing to undo.
    pub fn undo(&mut self) -> Option<Option<Arc<Scenario>>> {
        let prev = self.history.undo(self.doc.clone())?;
        self.doc = prev;
        self.dirty = true;
        Some(self.validate().map(Arc::new))
    }

    /// Goes forward one undone edit (see [`Session::undo`]).
    pub fn redo(&mut self) -> Option<Option<Arc<Scenario>>> {
        let next = self.history.redo(self.doc.clone())?;
        self.doc = next;
        self.dirty = true;
        Some(self.validate().map(Arc::new))
    }

    /// The document as it will be saved: with `layout` from `positions` (name → (x, y)) when the layout was
    /// touched, else as it is. Positions are rounded to whole points.
    pub fn document_to_save(&self, positions: &[(String, f32, f32)]) -> Value {
        let mut doc = self.doc.clone();
        if self.layout_touched
            && let Some(o) = doc.as_object_mut()
        {
            let known = |n: &str| {
                if let Some(t) = n.strip_prefix("traffic:") {
                    super::traffic_names(&self.doc).iter().any(|x| x == t)
                } else {
                    super::type_of(&self.doc, n).is_some()
                }
            };
            let layout: Map<String, Value> = positions
                .iter()
                .filter(|(n, _, _)| known(n))
                .map(|(n, x, y)| {
                    (
                        n.clone(),
                        serde_json::json!({ "x": x.round() as i64, "y": y.round() as i64 }),
                    )
                })
                .collect();
            if !layout.is_empty() {
                o.insert("layout".into(), Value::Object(layout));
            }
        }
        doc
    }

    /// The exact text Save writes: the canonical text, as `eventflow fmt` writes it.
    pub fn save_text(&self, positions: &[(String, f32, f32)]) -> String {
        canonical_text(&self.document_to_save(positions))
    }

    /// Saves atomically to `path` (or the session's path). The saved layout becomes part of the document.
    pub fn save(
        &mut self,
        path: Option<&Path>,
        positions: &[(String, f32, f32)],
    ) -> Result<PathBuf, SaveError> {
        let path = path
            .map(Path::to_path_buf)
            .or_else(|| self.path.clone())
            .ok_or(SaveError::NoPath)?;
        let doc = self.document_to_save(positions);
        let copied = self.copy_scripts_to(folder_of(&path).as_deref(), &doc)?;
        write_atomic(&path, &canonical_text(&doc)).map_err(|source| SaveError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.scripts_copied = copied;
        self.doc = doc;
        self.path = Some(path.clone());
        self.dirty = false;
        self.layout_touched = false;
        Ok(path)
    }

    /// Save As into another folder: the document's script files (relative paths) are copied from the current
    /// folder so that the saved scenario still runs its code. A file already at the destination is never
    /// overwritten (it is the one the saved scenario will use). Returns the files copied.
    fn copy_scripts_to(&self, dest: Option<&Path>, doc: &Value) -> Result<Vec<PathBuf>, SaveError> {
        let (Some(from), Some(dest)) = (self.base_dir(), dest) else {
            return Ok(Vec::new());
        };
        if same_folder(&from, dest) {
            return Ok(Vec::new());
        }
        let mut copied = Vec::new();
        for rel in script_files(doc) {
            let src = from.join(&rel);
            let dst = dest.join(&rel);
            if dst.exists() || !src.is_file() {
                continue;
            }
            let io = |source| SaveError::Io {
                path: dst.display().to_string(),
                source,
            };
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            let text = std::fs::read_to_string(&src).map_err(|source| SaveError::Io {
                path: src.display().to_string(),
                source,
            })?;
            write_atomic(&dst, &text).map_err(io)?;
            copied.push(dst);
        }
        Ok(copied)
    }

    /// What the canvas can draw: the document with broken resources (and the references they break) taken out,
    /// validated, plus the ids taken out. A function whose only problem is its code (a syntax error) stays, wired,
    /// with the code left out: its edges stay drawn and its problem badge says what is wrong. `None` when even that
    /// does not load (a problem outside resources).
    pub fn display(&self) -> Option<(Scenario, Vec<(String, ResourceType)>)> {
        let mut doc = self.doc.clone();
        let mut removed: Vec<(String, ResourceType)> = Vec::new();
        let base = self.base_dir();
        for _ in 0..32 {
            match load_str(&canonical_text(&doc), &self.label(), base.as_deref()) {
                Ok(sc) => return Some((sc, removed)),
                Err(e) => {
                    let mut ids: Vec<String> = Vec::new();
                    // Functions whose only fault is their code: drawn wired, without the code, with their badge.
                    let mut code_faults: Vec<String> = Vec::new();
                    let mut traffic: Vec<usize> = Vec::new();
                    let mut drop_layout = false;
                    for p in e.problems() {
                        if let Some(id) = resource_of_path(&p.path) {
                            let list = if is_code_path(&p.path, id) {
                                &mut code_faults
                            } else {
                                &mut ids
                            };
                            if !list.iter().any(|i| i == id) {
                                list.push(id.to_string());
                            }
                        } else if let Some(i) = traffic_index_of_path(&p.path) {
                            traffic.push(i);
                        } else if p.path.starts_with("layout") {
                            drop_layout = true;
                        } else {
                            return None;
                        }
                    }
                    code_faults.retain(|c| !ids.contains(c));
                    if ids.is_empty()
                        && code_faults.is_empty()
                        && traffic.is_empty()
                        && !drop_layout
                    {
                        return None;
                    }
                    for id in &code_faults {
                        if let Some(r) = doc
                            .get_mut("resources")
                            .and_then(|r| r.get_mut(id))
                            .and_then(Value::as_object_mut)
                        {
                            r.shift_remove("code");
                        }
                    }
                    if let Some(o) = doc.as_object_mut() {
                        if drop_layout {
                            o.shift_remove("layout");
                        }
                        traffic.sort_unstable();
                        traffic.dedup();
                        if let Some(a) = o.get_mut("traffic").and_then(Value::as_array_mut) {
                            for i in traffic.into_iter().rev() {
                                if i < a.len() {
                                    a.remove(i);
                                }
                            }
                        }
                    }
                    for id in &ids {
                        if let Some(t) = super::type_of(&doc, id) {
                            removed.push((id.clone(), t));
                        }
                    }
                    let existing: Vec<String> = ids
                        .into_iter()
                        .filter(|i| super::type_of(&doc, i).is_some())
                        .collect();
                    if !existing.is_empty() {
                        doc = super::delete(&doc, &existing).ok()?;
                    }
                }
            }
        }
        None
    }
}
