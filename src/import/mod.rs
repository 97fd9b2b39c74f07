//! `eventflow import`: an AWS SAM or CloudFormation template (YAML or JSON) → an `eventflow/1` scenario.
//!
//! The pipeline, one file per concern:
//! - [`yaml`] — template text → JSON value, short-form tags (`!Ref`, `!GetAtt`, `!Sub`, …) in their long forms,
//!   YAML 1.1 scalars as CloudFormation reads them; a syntax error carries `line:col`.
//! - [`template`] — `Parameters` (defaults, or a placeholder and a note), `Mappings`, `Conditions`, `Globals`
//!   merged into SAM resources, `Resources` in file order.
//! - [`intrinsic`] — intrinsic functions evaluated on the defaults; a `Ref`/`GetAtt` of a resource becomes the
//!   ARN, URL or name AWS would return, built on the logical id.
//! - [`refs`] — reads the logical id back out of such a string (or a physical name) for every wiring property.
//! - [`map`] — one file per AWS resource family; [`map::sam_events`] generates SAM's implicit resources
//!   (`ServerlessRestApi`, `ServerlessHttpApi`, `<Function><Event>` rules, schedules and mappings, the `default`
//!   bus) as SAM names them.
//! - [`notes`] — what was skipped or approximated, printed as `note: LogicalId (Type): message`.
//! - [`hints`] — links only a function's `Policies` or `Environment` imply; with the resources that are not
//!   simulated ([`External`]) they are what the app draws beyond the scenario (dashed edges, greyed boxes).
//!
//! The result is checked with the scenario loader before it is handed out: anything the loader refuses (a value
//! out of AWS's range, a state machine using a service the simulator lacks) is removed — the key, or else the
//! resource — with a note, until the scenario is valid. So an import either fails on its input (unreadable file,
//! bad YAML, no `Resources`) or yields a scenario `eventflow check` accepts.

pub mod hints;
mod intrinsic;
mod map;
pub mod notes;
mod refs;
mod template;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use hints::Hint;
pub use notes::Note;

use intrinsic::Scope;
use refs::Index;

/// An imported scenario document and what could not be carried over.
#[derive(Debug, Clone)]
pub struct Import {
    /// The `eventflow/1` document (write it with `scenario::write::canonical_text`).
    pub document: Value,
    pub notes: Vec<Note>,
    /// Template resources eventflow does not simulate (each also has a note), in template order.
    pub external: Vec<External>,
    /// Links only a function's `Policies` or `Environment` imply, to resources the scenario or `external` holds.
    pub hints: Vec<Hint>,
}

/// A template resource eventflow does not simulate: the app shows it greyed, "not simulated".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    pub id: String,
    pub aws_type: String,
}

/// Whether a file is an AWS SAM / CloudFormation template rather than a scenario: a `.yaml` / `.yml` file
/// always; any other (`.json`, `.template`) when its top-level object has `Resources` or
/// `AWSTemplateFormatVersion` (a scenario's keys are lower case: `format`, `resources`).
pub fn is_template(file_name: &str, text: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return true;
    }
    serde_json::from_str::<Map<String, Value>>(text.trim_start_matches('\u{feff}')).is_ok_and(
        |top| top.contains_key("Resources") || top.contains_key("AWSTemplateFormatVersion"),
    )
}

/// Why a template could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    NotATemplate { file: String, message: String },
    /// The converted scenario still fails validation after pruning: an importer bug.
    #[error("{file}: the imported scenario is not valid:\n{problems}")]
    Invalid { file: String, problems: String },
}

impl ImportError {
    /// True when the input is at fault (exit 2), false for an importer failure (exit 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ImportError::Invalid { .. })
    }
}

/// Imports a template file; `DefinitionUri` paths are read relative to its folder.
pub fn import_file(path: &Path) -> Result<Import, ImportError> {
    let label = path.display().to_string();
    // The capped reader refuses a device or a huge file instead of reading it without end.
    let bytes = crate::fileio::read_input(path, crate::fileio::MAX_SCENARIO_BYTES, "a template")
        .map_err(|e| ImportError::Io {
            file: label.clone(),
            message: e.reason(),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::Io {
        file: label.clone(),
        message: "not UTF-8 text".into(),
    })?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !matches!(*s, "template" | "sam-template" | "packaged"))
        .or_else(|| {
            path.canonicalize()
                .ok()?
                .parent()?
                .file_name()?
                .to_str()
                .map(|_| "")
        })
        .unwrap_or("");
    let fallback_name = if name.is_empty() {
        path.canonicalize()
            .ok()
            .and_then(|p| p.parent()?.file_name()?.to_str().map(str::to_string))
            .unwrap_or_else(|| "Imported template".to_string())
    } else {
        name.to_string()
    };
    import_str(&text, &label, path.parent(), &fallback_name)
}

/// Imports template text. `file_label` names the file in errors, `base_dir` is where relative `DefinitionUri`s
/// are read (None: not read, noted), `fallback_name` names the scenario when the template has no `Description`.
pub fn import_str(
    text: &str,
    file_label: &str,
    base_dir: Option<&Path>,
    fallback_name: &str,
) -> Result<Import, ImportError> {
    let doc = yaml::parse_template(text).map_err(|e| ImportError::Syntax {
        file: file_label.to_string(),
        line: e.line,
        col: e.col,
        message: e.message,
    })?;
    let mut notes = Vec::new();
    let Some(template) = template::read(&doc, base_dir, &mut notes) else {
        return Err(ImportError::NotATemplate {
            file: file_label.to_string(),
            message: "not a CloudFormation or SAM template: no \"Resources\" mapping".into(),
        });
    };
    let mut build = Build::new(&template.scope, base_dir.map(Path::to_path_buf), notes);
    build.convert(&template);
    let Build {
        resources,
        notes,
        origin,
        external,
        database_links,
        ..
    } = build;
    let name = template
        .description
        .as_deref()
        .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(|l| clip(l, 80))
        .unwrap_or_else(|| fallback_name.to_string());
    let mut document = Map::new();
    document.insert("format".into(), Value::from(crate::scenario::FORMAT));
    document.insert("name".into(), Value::from(name));
    let mut description = template.description.clone().unwrap_or_default();
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description
        .push_str("Imported from an AWS SAM / CloudFormation template by `eventflow import`.");
    document.insert("description".into(), Value::from(description));
    document.insert("resources".into(), Value::Object(resources));
    let mut import = Import {
        document: Value::Object(document),
        notes,
        external,
        hints: Vec::new(),
    };
    prune_until_valid(&mut import, &origin, file_label)?;
    // Hints join what is shown: the resources that survived validation and the greyed ones.
    let shown: std::collections::BTreeSet<String> = import
        .document
        .get("resources")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|r| r.keys().cloned())
        .chain(import.external.iter().map(|e| e.id.clone()))
        .collect();
    import.hints = hints::collect(&template.resources, &shown);
    import
        .hints
        .retain(|h| !database_links.contains(&(h.from.clone(), h.to.clone())));
    keep_beyond_the_scenario(&mut import, file_label);
    Ok(import)
}

/// Writes the resources that are not simulated and the hint links into the document (`external`, `hints`), so a
/// saved scenario keeps what the canvas shows of its template. Should the loader refuse them (an external id
/// that is also a resource's), they stay out of the document, with a note.
fn keep_beyond_the_scenario(import: &mut Import, file_label: &str) {
    let external: Vec<Value> = import
        .external
        .iter()
        .map(|e| {
            let note = import
                .notes
                .iter()
                .find(|n| n.id == e.id && n.aws_type == e.aws_type)
                .map(|n| n.message.clone())
                .unwrap_or_else(|| "not simulated".to_string());
            serde_json::json!({"id": e.id, "type": e.aws_type, "note": note})
        })
        .collect();
    let hints: Vec<Value> = import
        .hints
        .iter()
        .map(|h| serde_json::json!({"from": h.from, "to": h.to, "why": h.via}))
        .collect();
    let Some(document) = import.document.as_object_mut() else {
        return;
    };
    let before = document.clone();
    if !external.is_empty() {
        document.insert("external".into(), Value::Array(external));
    }
    if !hints.is_empty() {
        document.insert("hints".into(), Value::Array(hints));
    }
    let text = crate::scenario::write::canonical_text(&import.document);
    if let Err(e) = crate::scenario::load_str(&text, file_label, None) {
        import.document = Value::Object(before);
        import.notes.push(Note::new(
            "external",
            "Template",
            format!(
                "the resources that are not simulated and the hint links are not saved with the scenario: {}",
                e.problems()
                    .first()
                    .map(|p| p.message.clone())
                    .unwrap_or_default()
            ),
        ));
    }
}

fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

/// Validates the document with the scenario loader; removes what it refuses (with a note) until it is valid.
fn prune_until_valid(
    import: &mut Import,
    origin: &BTreeMap<String, String>,
    file_label: &str,
) -> Result<(), ImportError> {
    // Each round removes at least one key or resource, so the loop ends; the bound is a safety net.
    for _round in 0..200 {
        let text = crate::scenario::write::canonical_text(&import.document);
        let problems = match crate::scenario::load_str(&text, file_label, None) {
            Ok(_) => return Ok(()),
            Err(e) => e.problems().to_vec(),
        };
        let resources = import
            .document
            .get_mut("resources")
            .and_then(Value::as_object_mut);
        let Some(resources) = resources else { break };
        let mut changed = false;
        // Lists already shortened this round: later problems in them have shifted indices, so wait a round.
        let mut touched = std::collections::BTreeSet::new();
        for p in &problems {
            let Some((id, key)) = problem_location(&p.path) else {
                continue;
            };
            let aws_type = origin.get(&id).cloned().unwrap_or_default();
            let Some(resource) = resources.get_mut(&id).and_then(Value::as_object_mut) else {
                continue;
            };
            let required = key.as_deref().is_some_and(|k| REQUIRED_KEYS.contains(&k));
            let at = p
                .path
                .strip_prefix(&format!("resources.{id}"))
                .unwrap_or_default();
            let at = at.strip_prefix('.').unwrap_or(at);
            let reason = if at.is_empty() {
                p.message.clone()
            } else {
                format!("{at}: {}", p.message)
            };
            // One bad item of a list (a target, a subscription, a notification) drops only that item.
            let item = key.as_deref().and_then(|k| {
                let rest = at.strip_prefix(k)?.strip_prefix('[')?;
                rest[..rest.find(']')?].parse::<usize>().ok()
            });
            if let (Some(k), Some(i)) = (key.as_deref(), item)
                && let Some(items) = resource.get_mut(k).and_then(Value::as_array_mut)
                && items.len() > 1
                && i < items.len()
            {
                if touched.insert((id.clone(), k.to_string())) {
                    items.remove(i);
                    import.notes.push(Note::new(
                        &id,
                        &aws_type,
                        format!("{k}[{i}] left out: {reason}"),
                    ));
                }
                changed = true;
                continue;
            }
            match key {
                Some(key) if !required && key != "type" && resource.contains_key(&key) => {
                    resource.shift_remove(&key);
                    import.notes.push(Note::new(
                        &id,
                        &aws_type,
                        format!(
                            "{key} left out: {}",
                            if at == key { &p.message } else { &reason }
                        ),
                    ));
                }
                _ => {
                    resources.shift_remove(&id);
                    import
                        .notes
                        .push(Note::new(&id, &aws_type, format!("left out: {reason}")));
                }
            }
            changed = true;
        }
        if !changed {
            return Err(ImportError::Invalid {
                file: file_label.to_string(),
                problems: problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
    }
    Err(ImportError::Invalid {
        file: file_label.to_string(),
        problems: "the scenario did not become valid".into(),
    })
}

/// Keys without which a resource is meaningless: a problem there removes the resource.
const REQUIRED_KEYS: [&str; 9] = [
    "definition",
    "targets",
    "bus",
    "pattern",
    "expression",
    "source",
    "function",
    "routes",
    "partition_key",
];

/// `resources.Id.key[0].x` → (`Id`, Some(`key`)); `resources.Id` → (`Id`, None).
fn problem_location(path: &str) -> Option<(String, Option<String>)> {
    let rest = path.strip_prefix("resources.")?;
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    let id = rest[..end].to_string();
    let after = &rest[end..];
    let key = if let Some(k) = after.strip_prefix('.') {
        let e = k.find(['.', '[']).unwrap_or(k.len());
        Some(k[..e].to_string())
    } else if let Some(k) = after.strip_prefix("[\"") {
        k.find("\"]").map(|e| k[..e].to_string())
    } else {
        None
    };
    Some((id, key))
}

/// A change to a resource that may come later in the file, applied once every resource exists.
pub(crate) struct Pending {
    /// The template resource that asks for it (named in a note if it cannot be applied).
    pub from_id: String,
    pub from_type: String,
    pub target: String,
    pub slot: Slot,
}

pub(crate) enum Slot {
    /// Append to an array key (`subscriptions`, `notifications`).
    Push(&'static str, Value),
    /// Insert into an object key (`routes`).
    Insert(&'static str, String, Value),
    /// Merge keys into an object key (`async`).
    Merge(&'static str, Map<String, Value>),
    /// Set top-level keys (a proxy's `database` and pool settings from its target group).
    Keys(Map<String, Value>),
}

/// The conversion in progress: the output resources, the index of what the template defines, the notes.
pub(crate) struct Build<'t> {
    pub scope: &'t Scope,
    pub index: Index,
    pub resources: Map<String, Value>,
    /// Output id → the AWS type it came from (for notes).
    pub origin: BTreeMap<String, String>,
    pub pending: Vec<Pending>,
    pub notes: Vec<Note>,
    pub base_dir: Option<PathBuf>,
    /// Evaluated properties of every included template resource (for resources that read others', like
    /// `AWS::ApiGateway::Method` following its `Resource` path).
    pub props: BTreeMap<String, map::Props>,
    /// Template resources that are not simulated, in template order.
    pub external: Vec<External>,
    /// (function, database or proxy) pairs its environment names: SQL edges through a stand-in handler, so not
    /// hints as well.
    pub database_links: std::collections::BTreeSet<(String, String)>,
}

impl<'t> Build<'t> {
    fn new(scope: &'t Scope, base_dir: Option<PathBuf>, notes: Vec<Note>) -> Build<'t> {
        Build {
            scope,
            index: Index::default(),
            resources: Map::new(),
            origin: BTreeMap::new(),
            pending: Vec::new(),
            notes,
            base_dir,
            props: BTreeMap::new(),
            external: Vec::new(),
            database_links: std::collections::BTreeSet::new(),
        }
    }

    pub fn note(&mut self, id: &str, aws_type: &str, message: impl Into<String>) {
        let note = Note::new(id, aws_type, message);
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Adds an output resource; false (with a note) when the id is taken or not a valid scenario id.
    pub fn add(&mut self, id: &str, aws_type: &str, resource: Map<String, Value>) -> bool {
        if !crate::scenario::valid_id(id) {
            self.note(
                id,
                aws_type,
                "left out: the logical id is not a valid scenario id",
            );
            return false;
        }
        if self.resources.contains_key(id) {
            self.note(
                id,
                aws_type,
                "left out: a resource with this id already exists",
            );
            return false;
        }
        self.resources
            .insert(id.to_string(), Value::Object(resource));
        self.origin.insert(id.to_string(), aws_type.to_string());
        true
    }

    /// The logical id of a resource of one of `kinds` that `value` names; a note when there is none.
    pub fn resolve(
        &mut self,
        from: (&str, &str),
        value: &Value,
        kinds: &[&str],
        role: &str,
    ) -> Option<String> {
        let text = intrinsic::text(value);
        if let Some(id) = self.index.resolve(&text, kinds) {
            return Some(id);
        }
        let shown = clip(&text, 120);
        let named = std::iter::once(text.clone())
            .chain(text.split('.').next().map(str::to_string))
            .chain(refs::candidate_names(&text))
            .find(|n| self.scope.resource_types.contains_key(n));
        let message = match named {
            Some(name) => {
                let t = self
                    .scope
                    .resource_types
                    .get(&name)
                    .cloned()
                    .unwrap_or_default();
                match self.index.kind(&name) {
                    Some(kind) => format!("{role} {name} is a {kind}, which cannot be used here"),
                    None if map::kind_of(&t, &Value::Null).is_some() => {
                        format!("{role} {name} ({t}) was left out")
                    }
                    None => format!("{role} {name} ({t}) is not simulated"),
                }
            }
            None if text.is_empty() => format!("{role} is missing"),
            None => format!("{role} {shown} is outside this template"),
        };
        self.note(from.0, from.1, message);
        None
    }

    /// The account's `default` event bus, created on first use as SAM and EventBridge have it.
    pub fn ensure_default_bus(&mut self) -> String {
        if !self.resources.contains_key("default") {
            let mut bus = Map::new();
            bus.insert("type".into(), Value::from("event_bus"));
            bus.insert(
                "description".into(),
                Value::from("The account's default event bus"),
            );
            self.resources.insert("default".into(), Value::Object(bus));
            self.origin
                .insert("default".into(), "AWS::Events::EventBus".into());
            self.index.add("default", "event_bus");
        }
        "default".to_string()
    }

    /// Maps every resource whose condition holds, in file order, then applies the cross-resource additions.
    fn convert(&mut self, template: &template::Template) {
        let mut included = Vec::new();
        for r in &template.resources {
            if let Some(c) = &r.condition
                && !self.scope.condition(c)
            {
                if !map::is_mapped(&r.aws_type) {
                    continue;
                }
                self.note(
                    &r.id,
                    &r.aws_type,
                    format!("left out: its Condition {c} is false on the parameters' defaults"),
                );
                continue;
            }
            included.push(r);
        }
        for w in self.scope.take_warnings() {
            self.note("Conditions", "Template", w);
        }
        for r in &included {
            if let Some(kind) = map::kind_of(&r.aws_type, &r.properties) {
                self.index.add(&r.id, kind);
            }
        }
        for r in &included {
            for key in map::physical_name_keys(&r.aws_type) {
                if let Some(name) = r.properties.get(*key).and_then(|v| self.scope.eval(v)) {
                    self.index.add_physical_name(&intrinsic::text(&name), &r.id);
                }
            }
            self.scope.take_warnings();
        }
        let mut evaluated = Vec::with_capacity(included.len());
        for r in included {
            let props = self
                .scope
                .eval(&r.properties)
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default();
            let warnings = self.scope.take_warnings();
            if map::is_mapped(&r.aws_type) {
                for w in warnings {
                    self.note(&r.id, &r.aws_type, w);
                }
            }
            self.props.insert(r.id.clone(), props.clone());
            evaluated.push((r, props));
        }
        for (r, props) in evaluated {
            map::resource(self, r, &props);
        }
        self.apply_pending();
    }

    fn apply_pending(&mut self) {
        for p in std::mem::take(&mut self.pending) {
            let Some(Value::Object(target)) = self.resources.get_mut(&p.target) else {
                self.note(
                    &p.from_id,
                    &p.from_type,
                    format!("{} was left out, so this link is dropped", p.target),
                );
                continue;
            };
            match p.slot {
                Slot::Push(key, item) => {
                    if let Some(items) = target
                        .entry(key)
                        .or_insert_with(|| Value::Array(Vec::new()))
                        .as_array_mut()
                    {
                        items.push(item);
                    }
                }
                Slot::Insert(key, name, item) => {
                    let duplicate = match target
                        .entry(key)
                        .or_insert_with(|| Value::Object(Map::new()))
                        .as_object_mut()
                    {
                        Some(map) if !map.contains_key(&name) => {
                            map.insert(name.clone(), item);
                            false
                        }
                        // The same route from an OpenAPI body and from the function's event.
                        Some(map) if map.get(&name) == Some(&item) => false,
                        _ => true,
                    };
                    if duplicate {
                        self.note(
                            &p.from_id,
                            &p.from_type,
                            format!(
                                "{key} \"{name}\" of {} is already taken; this one is dropped",
                                p.target
                            ),
                        );
                    }
                }
                Slot::Keys(entries) => {
                    for (k, v) in entries {
                        target.insert(k, v);
                    }
                }
                Slot::Merge(key, entries) => {
                    if let Some(map) = target
                        .entry(key)
                        .or_insert_with(|| Value::Object(Map::new()))
                        .as_object_mut()
                    {
                        for (k, v) in entries {
                            map.insert(k, v);
                        }
                    }
                }
            }
        }
    }
}
