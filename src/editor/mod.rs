//! The visual editor's pure document operations: no egui, no simulation, only `serde_json::Value` -> `Value`.
//!
//! The editable source of truth is the scenario *document* (object order kept). Every edit here is a function of
//! a document that returns a new one (or an [`EditError`] saying why AWS would not allow it); the app re-validates
//! the result with [`crate::scenario::load_str`] and, when valid, restarts the run with it.
//!
//! - [`add_resource`], [`duplicate`], [`delete`], [`rename`] — resources, with every reference following
//!   (routes, targets, triggers, subscriptions, notifications, destinations, dead letters, traffic `to`, layout).
//! - [`wire`] / [`wire_kind`] — what dragging from one node to another creates, or why the pair is refused.
//! - [`set_field`], [`set_resource`], traffic helpers — property edits.
//! - [`history`] — undo/redo stacks of documents; [`session`] — the editing session (document, history, dirty
//!   flag, validation problems, what the canvas can show while the document is invalid); [`fields`] — the typed
//!   form's description of every field (ranges, enums, references).

pub mod fields;
pub mod history;
pub mod session;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use crate::scenario::registry::{self, Key, Kind};
use crate::scenario::{ResourceType, valid_id};

/// Why an edit was refused. Messages are shown to the user as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no resource {0:?}")]
    NoResource(String),
    #[error("{0:?} is not a valid id: a letter, then up to 63 letters, digits, '-' or '_'")]
    BadId(String),
    #[error("an id {0:?} already exists")]
    Taken(String),
    #[error("{0}")]
    Refused(String),
    #[error("the document is not a scenario object")]
    NotAScenario,
}

/// A fresh scenario: valid, empty, ready to be filled from the palette.
pub fn new_document() -> Value {
    json!({
        "format": crate::scenario::FORMAT,
        "name": "Untitled",
        "settings": { "seed": 1, "until_s": 60 },
        "resources": {},
    })
}

fn resources(doc: &Value) -> Option<&Map<String, Value>> {
    doc.get("resources").and_then(Value::as_object)
}

fn resources_mut(doc: &mut Value) -> Result<&mut Map<String, Value>, EditError> {
    let o = doc.as_object_mut().ok_or(EditError::NotAScenario)?;
    o.entry("resources")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or(EditError::NotAScenario)
}

/// The type of resource `id` in the document, if it has a known one.
pub fn type_of(doc: &Value, id: &str) -> Option<ResourceType> {
    resources(doc)?
        .get(id)?
        .get("type")?
        .as_str()
        .and_then(ResourceType::from_name)
}

/// Ids of the resources of the given types, in document order.
pub fn ids_of(doc: &Value, types: &[ResourceType]) -> Vec<String> {
    resources(doc)
        .map(|m| {
            m.iter()
                .filter(|(_, r)| {
                    r.get("type")
                        .and_then(Value::as_str)
                        .and_then(ResourceType::from_name)
                        .is_some_and(|t| types.contains(&t))
                })
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The base of fresh ids for a type: `Function`, `Api`, `EventBus`… (from the type's registry descriptor).
pub fn id_base(t: ResourceType) -> &'static str {
    crate::scenario::registry::of(t).id_base
}

/// `base1`, `base2`, … : the first that is not an id yet (`base` itself is tried first when it ends in a digit-free
/// form that is already unique and `plain` is set).
pub fn fresh_id(doc: &Value, base: &str) -> String {
    let mut base: String = base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(56)
        .collect();
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
        base.insert(0, 'R');
    }
    let taken = |id: &str| resources(doc).is_some_and(|m| m.contains_key(id));
    (1..)
        .map(|n| format!("{base}{n}"))
        .find(|id| !taken(id))
        .unwrap_or(base)
}

/// Why an on-success / on-failure destination from `function` to `target` would never fire: the function is
/// only invoked synchronously (by an API route or an event source mapping), and destinations apply to
/// asynchronous invocations only (Lambda developer guide, "Capturing records of Lambda asynchronous
/// invocations"). The message names the SDK call that sends from the code instead (issue 17 item 2).
pub fn destination_never_fires(doc: &Value, function: &str, target: &str) -> Option<String> {
    let names = |v: &Value| -> bool {
        v.as_str() == Some(function)
            || ["function", "target"]
                .iter()
                .any(|k| v.get(*k).and_then(Value::as_str) == Some(function))
    };
    let mut sync_callers = Vec::new();
    let mut async_callers = 0;
    for (id, r) in resources(doc)? {
        let listed = |key: &str| {
            r.get(key)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(names))
        };
        match r.get("type").and_then(Value::as_str) {
            Some("api") => {
                if r.get("routes")
                    .and_then(Value::as_object)
                    .is_some_and(|routes| routes.values().any(names))
                {
                    sync_callers.push(id.clone());
                }
            }
            Some("trigger") if r.get("function").and_then(Value::as_str) == Some(function) => {
                sync_callers.push(id.clone());
            }
            Some("rule" | "schedule") if listed("targets") => async_callers += 1,
            Some("topic") if listed("subscriptions") => async_callers += 1,
            Some("bucket") if listed("notifications") => async_callers += 1,
            Some("function")
                if r.get("async").is_some_and(|a| {
                    ["on_success", "on_failure"]
                        .iter()
                        .any(|k| a.get(*k).and_then(Value::as_str) == Some(function))
                }) =>
            {
                async_callers += 1
            }
            _ => {}
        }
    }
    let traffic_calls_it = doc
        .get("traffic")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(names));
    if sync_callers.is_empty() || async_callers > 0 || traffic_calls_it {
        return None;
    }
    let call = sdk_call(doc, target).unwrap_or_else(|| "an SDK call".to_string());
    Some(format!(
        "{function} is only invoked synchronously (by {}): a destination never fires for it. To send to \
         {target} whatever happens, call {call} in its handler code: the SDK edge appears then.",
        sync_callers.join(", ")
    ))
}

/// The SDK call a handler makes to send its event on to `target` (per `shared/spec/handler-api.md`).
pub fn sdk_call(doc: &Value, target: &str) -> Option<String> {
    Some(match type_of(doc, target)? {
        ResourceType::Queue => format!("sqs::send(\"{target}\", event)"),
        ResourceType::Topic => format!("sns::publish(\"{target}\", json::stringify(event))"),
        ResourceType::EventBus => format!(
            "events::put(\"{target}\", #{{ source: \"app\", \"detail-type\": \"Sent\", detail: event }})"
        ),
        ResourceType::Function => format!("lambda::invoke_async(\"{target}\", event)"),
        _ => return None,
    })
}

/// "Code sends to it": adds the SDK call that sends to `to` at the start of `from`'s inline handler (a function
/// without code gets a handler that sends and returns its event). A handler in a script file is refused with the
/// call to add there, as the document does not hold that code.
fn code_sends(doc: &Value, from: &str, to: &str) -> Result<(Value, String), EditError> {
    let call = sdk_call(doc, to)
        .ok_or_else(|| EditError::Refused(format!("a function's code cannot send to {to}")))?;
    let mut out = doc.clone();
    let r = obj_mut(&mut out, from)?;
    let code = match r.get("code") {
        None | Some(Value::Null) => {
            format!("fn handler(event, context) {{\n    {call};\n    event\n}}\n")
        }
        Some(c) => {
            let Some(inline) = c.get("inline").and_then(Value::as_str) else {
                return Err(EditError::Refused(format!(
                    "{from}'s handler is a script file: add `{call};` to it in the code editor"
                )));
            };
            let start = inline
                .find("fn handler(")
                .and_then(|at| inline[at..].find('{').map(|b| at + b + 1))
                .ok_or_else(|| {
                    EditError::Refused(format!(
                        "{from}'s code defines no `fn handler`: add `{call};` to it"
                    ))
                })?;
            format!("{}\n    {call};{}", &inline[..start], &inline[start..])
        }
    };
    r.insert("code".into(), json!({ "inline": code }));
    Ok((out, format!("{from}'s code sends to {to}: {call}")))
}

/// A readable id for a new trigger from `from` to `to`: `OrdersTrigger`, else `OrdersToWorker` when the source
/// already has one, else `OrdersToWorker1`, … (issue 17: `Queue1ToFunction21` read as a number).
pub fn trigger_id(doc: &Value, from: &str, to: &str) -> String {
    let taken = |id: &str| resources(doc).is_some_and(|m| m.contains_key(id));
    let plain = [format!("{from}Trigger"), format!("{from}To{to}")];
    match plain
        .into_iter()
        .find(|id| crate::scenario::valid_id(id) && !taken(id))
    {
        Some(id) => id,
        None => fresh_id(doc, &format!("{from}To{to}")),
    }
}

/// Minimal defaults of a new resource. Types that need wiring (rule, schedule, trigger, api) get what can be
/// filled now; until wired they show their problems (a rule with no target, a trigger with no source).
pub fn default_resource(doc: &Value, t: ResourceType) -> Value {
    let mut r = Map::new();
    r.insert("type".into(), json!(t.name()));
    match t {
        ResourceType::Api => {
            r.insert("routes".into(), json!({}));
        }
        ResourceType::Rule => {
            let bus = ids_of(doc, &[ResourceType::EventBus]).into_iter().next();
            r.insert("bus".into(), json!(bus.unwrap_or_default()));
            r.insert("pattern".into(), json!({ "source": ["my.app"] }));
            r.insert("targets".into(), json!([]));
        }
        ResourceType::Schedule => {
            r.insert("expression".into(), json!("rate(1 minute)"));
            r.insert("targets".into(), json!([]));
        }
        ResourceType::Table => {
            r.insert("partition_key".into(), json!("id"));
        }
        ResourceType::Trigger => {
            let q = ids_of(doc, &[ResourceType::Queue]).into_iter().next();
            let f = ids_of(doc, &[ResourceType::Function]).into_iter().next();
            r.insert("source".into(), json!(q.unwrap_or_default()));
            r.insert("function".into(), json!(f.unwrap_or_default()));
        }
        ResourceType::StateMachine => {
            r.insert(
                "definition".into(),
                json!({ "StartAt": "Done", "States": { "Done": { "Type": "Succeed" } } }),
            );
        }
        ResourceType::DbProxy => {
            let db = ids_of(doc, &[ResourceType::Database]).into_iter().next();
            r.insert("database".into(), json!(db.unwrap_or_default()));
        }
        // Valid with no keys of their own.
        ResourceType::Database
        | ResourceType::Function
        | ResourceType::EventBus
        | ResourceType::Bucket
        | ResourceType::Queue
        | ResourceType::Topic => {}
    }
    Value::Object(r)
}

/// Adds a resource of type `t` with a fresh id; returns the new document and the id.
pub fn add_resource(doc: &Value, t: ResourceType) -> Result<(Value, String), EditError> {
    let id = fresh_id(doc, id_base(t));
    let res = default_resource(doc, t);
    let mut out = doc.clone();
    resources_mut(&mut out)?.insert(id.clone(), res);
    Ok((out, id))
}

/// Copies resource `id` under a fresh id (references *to* it are not copied; its own references are).
pub fn duplicate(doc: &Value, id: &str) -> Result<(Value, String), EditError> {
    let res = resources(doc)
        .and_then(|m| m.get(id))
        .cloned()
        .ok_or_else(|| EditError::NoResource(id.into()))?;
    let base = id.trim_end_matches(|c: char| c.is_ascii_digit());
    let new_id = fresh_id(doc, if base.is_empty() { id } else { base });
    let mut out = doc.clone();
    resources_mut(&mut out)?.insert(new_id.clone(), res);
    Ok((out, new_id))
}

/// What to do with one reference slot.
enum RefAction {
    Keep,
    Rename(String),
    /// Remove the entry holding the reference (a list entry, a route, an optional key, a traffic source, a
    /// trigger). Required scalar references that cannot be removed are left dangling: a visible problem.
    Remove,
}

/// Applies `f` to a reference slot holding an id; returns whether the holder of the slot is to be removed.
fn scalar(slot: &mut Value, f: &dyn Fn(&str) -> RefAction) -> bool {
    let Some(s) = slot.as_str() else { return false };
    match f(s) {
        RefAction::Keep => false,
        RefAction::Rename(n) => {
            *slot = Value::String(n);
            false
        }
        RefAction::Remove => true,
    }
}

/// Applies `f` to every reference the registry's `keys` describe in object `o`, recursively into the format's
/// nested objects and lists. An optional reference that goes is removed, a list entry or map entry whose reference
/// goes is removed; returns whether a *required* reference of `o` itself went (the caller decides what that means).
fn visit_keys(o: &mut Map<String, Value>, keys: &[Key], f: &dyn Fn(&str) -> RefAction) -> bool {
    let mut required_gone = false;
    for k in keys {
        match k.kind {
            Kind::Ref(_) => {
                if o.get_mut(k.name).is_some_and(|v| scalar(v, f)) {
                    if k.required {
                        required_gone = true;
                    } else {
                        o.shift_remove(k.name);
                    }
                }
            }
            Kind::RefMap(_) => {
                if let Some(m) = o.get_mut(k.name).and_then(Value::as_object_mut) {
                    m.retain(|_, v| !scalar(v, f));
                }
            }
            Kind::Object(inner) => {
                let gone = o
                    .get_mut(k.name)
                    .and_then(Value::as_object_mut)
                    .is_some_and(|m| visit_keys(m, inner, f));
                if gone {
                    o.shift_remove(k.name);
                }
            }
            Kind::List(inner) => {
                if let Some(items) = o.get_mut(k.name).and_then(Value::as_array_mut) {
                    items.retain_mut(|item| {
                        let gone = if item.is_string() {
                            scalar(item, f)
                        } else {
                            item.as_object_mut()
                                .is_some_and(|m| visit_keys(m, inner, f))
                        };
                        !gone
                    });
                }
            }
            Kind::Int { .. }
            | Kind::Number { .. }
            | Kind::Bool { .. }
            | Kind::Enum { .. }
            | Kind::Text
            | Kind::Dist { .. }
            | Kind::Code
            | Kind::Json => {}
        }
    }
    required_gone
}

/// Visits every reference to a resource id in the document (every reference its type's registry descriptor
/// declares, traffic `to` and layout keys) and applies `f` to it. A resource drawn as an edge (a trigger) goes
/// with either end; other required references (a rule's bus) are left dangling: a visible problem.
fn visit_refs(doc: &mut Value, f: &dyn Fn(&str) -> RefAction) {
    let mut removed_resources = Vec::new();
    if let Some(res) = doc.get_mut("resources").and_then(Value::as_object_mut) {
        for (rid, r) in res.iter_mut() {
            let t = r
                .get("type")
                .and_then(Value::as_str)
                .and_then(ResourceType::from_name);
            let (Some(t), Some(o)) = (t, r.as_object_mut()) else {
                continue;
            };
            let desc = registry::of(t);
            if visit_keys(o, desc.keys, f) && desc.drawn_as_edge {
                removed_resources.push(rid.clone());
            }
        }
        for id in &removed_resources {
            res.shift_remove(id);
        }
    }
    if let Some(traffic) = doc.get_mut("traffic").and_then(Value::as_array_mut) {
        traffic.retain_mut(|t| !t.get_mut("to").is_some_and(|v| scalar(v, f)));
    }
    // An import's hint links follow their resources (renamed with them, gone with them).
    if let Some(o) = doc.as_object_mut()
        && let Some(hints) = o.get_mut("hints").and_then(Value::as_array_mut)
    {
        hints.retain_mut(|h| {
            !["from", "to"]
                .iter()
                .any(|k| h.get_mut(*k).is_some_and(|v| scalar(v, f)))
        });
        if hints.is_empty() {
            o.shift_remove("hints");
        }
    }
    if let Some(layout) = doc.get_mut("layout").and_then(Value::as_object_mut) {
        let keys: Vec<String> = layout.keys().cloned().collect();
        let mut rebuilt = Map::new();
        for k in keys {
            let v = layout.get(&k).cloned().unwrap_or(Value::Null);
            if k.starts_with("traffic:") {
                rebuilt.insert(k, v);
                continue;
            }
            match f(&k) {
                RefAction::Keep => {
                    rebuilt.insert(k, v);
                }
                RefAction::Rename(n) => {
                    rebuilt.insert(n, v);
                }
                RefAction::Remove => {}
            }
        }
        *layout = rebuilt;
    }
    // Traffic sources that are gone leave stale `traffic:NAME` layout keys.
    let names = traffic_names(doc);
    if let Some(layout) = doc.get_mut("layout").and_then(Value::as_object_mut) {
        layout.retain(|k, _| {
            k.strip_prefix("traffic:")
                .is_none_or(|n| names.iter().any(|t| t == n))
        });
    }
}

/// The names traffic sources have (`name`, else `traffic<N>`).
pub fn traffic_names(doc: &Value) -> Vec<String> {
    doc.get("traffic")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .map(|(i, t)| match t.get("name").and_then(Value::as_str) {
                    Some(n) => n.to_string(),
                    None => format!("traffic{}", i + 1),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Deletes resources; references to them are removed (routes, targets, subscriptions, notifications,
/// destinations, dead letters, traffic, layout, triggers on them). A rule whose bus is deleted keeps the dangling
/// `bus`: a visible problem until it is wired to another bus.
pub fn delete(doc: &Value, ids: &[String]) -> Result<Value, EditError> {
    let mut out = doc.clone();
    let res = resources_mut(&mut out)?;
    for id in ids {
        if res.shift_remove(id).is_none() {
            return Err(EditError::NoResource(id.clone()));
        }
    }
    visit_refs(&mut out, &|s| {
        if ids.iter().any(|i| i == s) {
            RefAction::Remove
        } else {
            RefAction::Keep
        }
    });
    Ok(out)
}

/// Renames resource `old` to `new`, keeping its place in the document; every reference follows.
pub fn rename(doc: &Value, old: &str, new: &str) -> Result<Value, EditError> {
    if old == new {
        return Ok(doc.clone());
    }
    if !valid_id(new) {
        return Err(EditError::BadId(new.into()));
    }
    let res = resources(doc).ok_or(EditError::NotAScenario)?;
    if !res.contains_key(old) {
        return Err(EditError::NoResource(old.into()));
    }
    if res.contains_key(new) {
        return Err(EditError::Taken(new.into()));
    }
    let mut out = doc.clone();
    let res = resources_mut(&mut out)?;
    let renamed: Map<String, Value> = std::mem::take(res)
        .into_iter()
        .map(|(k, v)| {
            if k == old {
                (new.to_string(), v)
            } else {
                (k, v)
            }
        })
        .collect();
    *res = renamed;
    visit_refs(&mut out, &|s| {
        if s == old {
            RefAction::Rename(new.to_string())
        } else {
            RefAction::Keep
        }
    });
    Ok(out)
}

/// Sets (or with `None` removes) one key of a resource.
pub fn set_field(
    doc: &Value,
    id: &str,
    key: &str,
    value: Option<Value>,
) -> Result<Value, EditError> {
    let mut out = doc.clone();
    let r = resources_mut(&mut out)?
        .get_mut(id)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| EditError::NoResource(id.into()))?;
    match value {
        Some(v) => {
            r.insert(key.to_string(), v);
        }
        None => {
            r.shift_remove(key);
        }
    }
    Ok(out)
}

/// Replaces a whole resource (the raw-JSON view).
pub fn set_resource(doc: &Value, id: &str, value: Value) -> Result<Value, EditError> {
    if !value.is_object() {
        return Err(EditError::Refused("a resource is a JSON object".into()));
    }
    let mut out = doc.clone();
    let slot = resources_mut(&mut out)?
        .get_mut(id)
        .ok_or_else(|| EditError::NoResource(id.into()))?;
    *slot = value;
    Ok(out)
}

/// Sets a top-level key (`name`, `description`, `settings`).
pub fn set_top(doc: &Value, key: &str, value: Value) -> Result<Value, EditError> {
    let mut out = doc.clone();
    out.as_object_mut()
        .ok_or(EditError::NotAScenario)?
        .insert(key.to_string(), value);
    Ok(out)
}

/// The traffic sources whose `to` is `id`: (index in `traffic`, entry).
pub fn traffic_of(doc: &Value, id: &str) -> Vec<(usize, Value)> {
    doc.get("traffic")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter(|(_, t)| t.get("to").and_then(Value::as_str) == Some(id))
                .map(|(i, t)| (i, t.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Replaces (`Some`) or removes (`None`) traffic entry `index`; `index == len` appends.
pub fn set_traffic(doc: &Value, index: usize, entry: Option<Value>) -> Result<Value, EditError> {
    let mut out = doc.clone();
    let o = out.as_object_mut().ok_or(EditError::NotAScenario)?;
    let arr = o
        .entry("traffic")
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or(EditError::NotAScenario)?;
    match entry {
        Some(e) if index == arr.len() => arr.push(e),
        Some(e) if index < arr.len() => arr[index] = e,
        None if index < arr.len() => {
            arr.remove(index);
        }
        _ => return Err(EditError::Refused(format!("no traffic entry {index}"))),
    }
    if arr.is_empty() {
        o.shift_remove("traffic");
    }
    // A removed or renamed traffic source must not leave a stale layout key.
    let names = traffic_names(&out);
    if let Some(layout) = out.get_mut("layout").and_then(Value::as_object_mut) {
        layout.retain(|k, _| {
            k.strip_prefix("traffic:")
                .is_none_or(|n| names.iter().any(|t| t == n))
        });
    }
    Ok(out)
}

/// Which destination of a function's asynchronous invocation configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    OnSuccess,
    OnFailure,
    /// Not a destination: the function's code sends to the target (an SDK call added to its inline handler),
    /// which works however the function is invoked (issue 17 item 2).
    CodeSends,
}

impl Destination {
    pub fn key(self) -> &'static str {
        match self {
            Destination::OnSuccess => "on_success",
            Destination::CodeSends => "code",
            Destination::OnFailure => "on_failure",
        }
    }
}

/// What wiring a pair of resource types makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireKind {
    /// queue -> function: an event source mapping (`trigger` resource).
    QueueTrigger,
    /// table -> function: a stream trigger (turns the table's stream on).
    StreamTrigger,
    /// topic -> queue/function: a subscription.
    Subscription,
    /// bucket -> function/queue/topic: a notification on `s3:ObjectCreated:*`.
    Notification,
    /// bus -> rule: the rule's bus.
    RuleBus,
    /// rule/schedule -> target: a target.
    Target,
    /// api -> function: a route (needs METHOD and path).
    Route,
    /// function -> queue/topic/bus/function: an async destination (needs on_success or on_failure).
    Destination,
    /// queue -> queue: the dead-letter queue (redrive policy).
    DeadLetterQueue,
}

impl WireKind {
    /// What the wiring is called in messages.
    pub fn describe(self) -> &'static str {
        match self {
            WireKind::QueueTrigger => "an event source mapping (trigger)",
            WireKind::StreamTrigger => "a DynamoDB stream trigger",
            WireKind::Subscription => "a subscription",
            WireKind::Notification => "an S3 notification (s3:ObjectCreated:*)",
            WireKind::RuleBus => "the rule's event bus",
            WireKind::Target => "a target",
            WireKind::Route => "a route",
            WireKind::Destination => "an asynchronous destination",
            WireKind::DeadLetterQueue => "a dead-letter queue (redrive policy)",
        }
    }
}

/// What dragging from a resource of type `from` onto one of type `to` creates, or why AWS does not allow it.
pub fn wire_kind(from: ResourceType, to: ResourceType) -> Result<WireKind, EditError> {
    let (allowed, refusal) = wirings_from(from);
    if let Some((_, kind)) = allowed.iter().find(|(t, _)| *t == to) {
        return Ok(*kind);
    }
    let why = OWN_REFUSALS
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map_or(refusal, |(_, _, why)| why);
    Err(EditError::Refused(why.to_string()))
}

const TRIGGER_IS_WIRING: &str =
    "a trigger is itself wiring: drag from a queue or table to a function instead";
const REACHED_FROM_CODE: &str = "a function reaches a table, bucket, state machine, database or proxy from its code (SDK calls), not through wiring";

/// Refused pairs with a reason of their own (every other refusal gives the reason of its `from` type).
const OWN_REFUSALS: &[(ResourceType, ResourceType, &str)] = &[
    (
        ResourceType::Function,
        ResourceType::Table,
        REACHED_FROM_CODE,
    ),
    (
        ResourceType::Function,
        ResourceType::Bucket,
        REACHED_FROM_CODE,
    ),
    (
        ResourceType::Function,
        ResourceType::StateMachine,
        REACHED_FROM_CODE,
    ),
    (
        ResourceType::Function,
        ResourceType::Database,
        REACHED_FROM_CODE,
    ),
    (
        ResourceType::Function,
        ResourceType::DbProxy,
        REACHED_FROM_CODE,
    ),
    (
        ResourceType::StateMachine,
        ResourceType::Trigger,
        TRIGGER_IS_WIRING,
    ),
];

/// The types a resource of type `from` can be wired to (and what that creates), and why any other is refused.
fn wirings_from(from: ResourceType) -> (&'static [(ResourceType, WireKind)], &'static str) {
    use ResourceType as T;
    use WireKind as W;
    match from {
        T::Queue => (
            &[
                (T::Function, W::QueueTrigger),
                (T::Queue, W::DeadLetterQueue),
            ],
            "an SQS queue delivers only to a Lambda function (trigger) or to a dead-letter queue",
        ),
        T::Table => (
            &[(T::Function, W::StreamTrigger)],
            "a DynamoDB stream delivers only to a Lambda function (stream trigger)",
        ),
        T::Topic => (
            &[(T::Queue, W::Subscription), (T::Function, W::Subscription)],
            "this simulator's SNS subscriptions target a function or a queue",
        ),
        T::Bucket => (
            &[
                (T::Function, W::Notification),
                (T::Queue, W::Notification),
                (T::Topic, W::Notification),
            ],
            "S3 notifications target a function, a queue or a topic",
        ),
        T::EventBus => (
            &[(T::Rule, W::RuleBus)],
            "an event bus delivers only through rules: drag from the bus to a rule",
        ),
        T::Rule | T::Schedule => (
            &[
                (T::Function, W::Target),
                (T::Queue, W::Target),
                (T::Topic, W::Target),
                (T::EventBus, W::Target),
                (T::StateMachine, W::Target),
            ],
            "rule and schedule targets are functions, queues, topics, event buses and state machines",
        ),
        T::Api => (
            &[(T::Function, W::Route)],
            "API Gateway routes integrate with Lambda functions",
        ),
        T::Function => (
            &[
                (T::Queue, W::Destination),
                (T::Topic, W::Destination),
                (T::EventBus, W::Destination),
                (T::Function, W::Destination),
            ],
            "a function's destinations are queues, topics, event buses and functions",
        ),
        T::Trigger => (&[], TRIGGER_IS_WIRING),
        T::StateMachine => (
            &[],
            "a state machine calls functions from its definition's Task states",
        ),
        T::Database => (
            &[],
            "a database is reached by functions' code (rds::query) and by a proxy's \"database\"",
        ),
        T::DbProxy => (
            &[],
            "a proxy's database is its \"database\" key; functions reach the proxy from their code (rds::query)",
        ),
    }
}

/// Extra answers some wirings need (asked in a small dialog).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireOptions {
    /// `"GET /items"` for api -> function.
    pub route: Option<String>,
    /// For function -> destination.
    pub destination: Option<Destination>,
}

fn obj_mut<'a>(doc: &'a mut Value, id: &str) -> Result<&'a mut Map<String, Value>, EditError> {
    resources_mut(doc)?
        .get_mut(id)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| EditError::NoResource(id.into()))
}

fn push_entry(
    r: &mut Map<String, Value>,
    key: &str,
    entry: Value,
    target: &str,
) -> Result<(), EditError> {
    let arr = r
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| EditError::Refused(format!("`{key}` is not a list")))?;
    let already = arr.iter().any(|e| {
        e.as_str() == Some(target) || e.get("target").and_then(Value::as_str) == Some(target)
    });
    if already {
        return Err(EditError::Refused(format!("already wired to {target}")));
    }
    arr.push(entry);
    Ok(())
}

/// Checks a route key: `METHOD /path` (or `$default`).
pub fn valid_route(route: &str) -> bool {
    if route == "$default" {
        return true;
    }
    let Some((m, p)) = route.split_once(' ') else {
        return false;
    };
    const METHODS: &[&str] = &[
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
    ];
    METHODS.contains(&m) && p.starts_with('/') && !p.contains(' ')
}

/// Wires `from` to `to` (see [`wire_kind`]). Returns the new document and a short description of what was made.
pub fn wire(
    doc: &Value,
    from: &str,
    to: &str,
    opts: &WireOptions,
) -> Result<(Value, String), EditError> {
    let ft = type_of(doc, from).ok_or_else(|| EditError::NoResource(from.into()))?;
    let tt = type_of(doc, to).ok_or_else(|| EditError::NoResource(to.into()))?;
    if from == to && ft != ResourceType::Function {
        return Err(EditError::Refused(
            "a resource cannot be wired to itself".into(),
        ));
    }
    let kind = wire_kind(ft, tt)?;
    let mut out = doc.clone();
    let what = match kind {
        WireKind::QueueTrigger | WireKind::StreamTrigger => {
            let exists = resources(doc).is_some_and(|m| {
                m.values().any(|r| {
                    r.get("type").and_then(Value::as_str) == Some("trigger")
                        && r.get("source").and_then(Value::as_str) == Some(from)
                        && r.get("function").and_then(Value::as_str) == Some(to)
                })
            });
            if exists {
                return Err(EditError::Refused(format!("{from} already triggers {to}")));
            }
            if kind == WireKind::StreamTrigger {
                let t = obj_mut(&mut out, from)?;
                if t.get("stream").and_then(Value::as_str).is_none() {
                    t.insert("stream".into(), json!("NEW_AND_OLD_IMAGES"));
                }
            }
            let id = trigger_id(&out, from, to);
            resources_mut(&mut out)?.insert(
                id.clone(),
                json!({ "type": "trigger", "source": from, "function": to }),
            );
            format!("trigger {id}: {from} -> {to}")
        }
        WireKind::Subscription => {
            push_entry(
                obj_mut(&mut out, from)?,
                "subscriptions",
                json!({ "target": to }),
                to,
            )?;
            format!("subscription {from} -> {to}")
        }
        WireKind::Notification => {
            let r = obj_mut(&mut out, from)?;
            let existing = r
                .get("notifications")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let catch_all = existing.iter().find(|n| {
                let empty = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("").is_empty();
                empty("prefix")
                    && empty("suffix")
                    && n.get("target").and_then(Value::as_str) != Some(to)
            });
            if let Some(n) = catch_all {
                let other = n.get("target").and_then(Value::as_str).unwrap_or("?");
                return Err(EditError::Refused(format!(
                    "S3 refuses overlapping notifications: {from} already sends every object event to {other}; give that one a prefix or suffix first"
                )));
            }
            // Beside other (prefixed) notifications, this one gets its own prefix so that they do not overlap.
            let entry = if existing.is_empty() {
                json!({ "events": ["s3:ObjectCreated:*"], "target": to })
            } else {
                json!({ "events": ["s3:ObjectCreated:*"], "prefix": format!("{to}/"), "target": to })
            };
            push_entry(r, "notifications", entry, to)?;
            format!("notification s3:ObjectCreated:* {from} -> {to}")
        }
        WireKind::RuleBus => {
            obj_mut(&mut out, to)?.insert("bus".into(), json!(from));
            format!("rule {to} listens on {from}")
        }
        WireKind::Target => {
            let r = obj_mut(&mut out, from)?;
            let n = r
                .get("targets")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if n >= 5 {
                return Err(EditError::Refused(format!(
                    "{from} already has 5 targets, AWS's limit"
                )));
            }
            push_entry(r, "targets", json!(to), to)?;
            format!("target {from} -> {to}")
        }
        WireKind::Route => {
            let route = opts.route.as_deref().map(str::trim).ok_or_else(|| {
                EditError::Refused("an api route needs a METHOD and a path".into())
            })?;
            if !valid_route(route) {
                return Err(EditError::Refused(format!(
                    "{route:?} is not a route: expected METHOD /path, e.g. GET /items/{{id}}"
                )));
            }
            let r = obj_mut(&mut out, from)?;
            let routes = r
                .entry("routes")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or_else(|| EditError::Refused("`routes` is not an object".into()))?;
            if routes.contains_key(route) {
                return Err(EditError::Refused(format!(
                    "{from} already has a route {route}"
                )));
            }
            routes.insert(route.to_string(), json!(to));
            format!("route {route} -> {to}")
        }
        WireKind::Destination => {
            let d = opts.destination.ok_or_else(|| {
                EditError::Refused("choose on_success or on_failure for the destination".into())
            })?;
            if d == Destination::CodeSends {
                return code_sends(doc, from, to);
            }
            let r = obj_mut(&mut out, from)?;
            let a = r
                .entry("async")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or_else(|| EditError::Refused("`async` is not an object".into()))?;
            a.insert(d.key().into(), json!(to));
            format!("{from} {} -> {to}", d.key())
        }
        WireKind::DeadLetterQueue => {
            obj_mut(&mut out, from)?.insert(
                "dead_letter".into(),
                json!({ "target": to, "max_receive_count": 3 }),
            );
            format!("{from} redrives to {to} after 3 receives")
        }
    };
    Ok((out, what))
}
