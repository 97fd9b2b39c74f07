//! The canonical writer: one stable, readable JSON text per scenario, used by `eventflow fmt` and by the editor's
//! save.
//!
//! Canonical form: two-space indentation; keys of the format's own objects in the order the format
//! specification lists them (type first in a resource, then its keys as the spec's table orders them); resource,
//! traffic and layout order kept; user content (patterns, event details, bodies, items, definitions,
//! environment, routes, headers) written exactly as given. Nothing is added or removed: a file's meaning never
//! changes by formatting. Files are written atomically (temporary file in the same folder, then rename), so a crash
//! never leaves half a scenario behind.

use serde_json::{Map, Value};

use super::keys::{
    self, DIST, EVENT, EXTERNAL, HINT, OBJECT, POINT, REQUEST, SETTINGS, TOP, TOPIC_MESSAGE,
};
use super::model::ResourceType;
use super::registry::{self, Key, Kind};

/// Keys in `order` first (in that order), then any others in their original order.
fn ordered(
    map: &Map<String, Value>,
    order: &[&str],
    child: impl Fn(&str, &Value) -> Value,
) -> Value {
    let mut out = Map::with_capacity(map.len());
    for key in order {
        if let Some(v) = map.get(*key) {
            out.insert((*key).to_string(), child(key, v));
        }
    }
    for (k, v) in map {
        if !out.contains_key(k) {
            out.insert(k.clone(), child(k, v));
        }
    }
    Value::Object(out)
}

fn with(v: &Value, order: &[&str], child: impl Fn(&str, &Value) -> Value) -> Value {
    match v {
        Value::Object(m) => ordered(m, order, child),
        other => other.clone(),
    }
}

fn keep(_: &str, v: &Value) -> Value {
    v.clone()
}

fn dist(v: &Value) -> Value {
    with(v, DIST, keep)
}

fn each(v: &Value, f: impl Fn(&Value) -> Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(f).collect()),
        other => other.clone(),
    }
}

/// A resource in canonical order: `type`, `description`, its type's keys as its descriptor lists them,
/// `delivery_latency_ms`, recursively into the format's own nested objects.
fn resource(v: &Value) -> Value {
    let Some(t) = v
        .get("type")
        .and_then(Value::as_str)
        .and_then(ResourceType::from_name)
    else {
        return v.clone();
    };
    let keys: Vec<&Key> = registry::of(t).all_keys().collect();
    described(v, &keys)
}

/// An object of the format, its keys in the order of their descriptors (others after them, as they were).
fn described(v: &Value, keys: &[&Key]) -> Value {
    let order: Vec<&str> = keys.iter().map(|k| k.name).collect();
    with(v, &order, |name, x| {
        match keys.iter().find(|k| k.name == name) {
            Some(k) => of_kind(&k.kind, x),
            None => x.clone(),
        }
    })
}

/// The canonical form of a value of kind `kind`: distributions and the format's own nested objects are ordered;
/// everything else (user content, scalars, references) is kept as it is.
fn of_kind(kind: &Kind, x: &Value) -> Value {
    match kind {
        Kind::Dist { .. } => dist(x),
        Kind::Object(keys) => described(x, &keys.iter().collect::<Vec<_>>()),
        Kind::List(keys) => {
            let keys: Vec<&Key> = keys.iter().collect();
            each(x, |entry| described(entry, &keys))
        }
        Kind::Int { .. }
        | Kind::Number { .. }
        | Kind::Bool { .. }
        | Kind::Enum { .. }
        | Kind::Text
        | Kind::Ref(_)
        | Kind::RefMap(_)
        | Kind::Code
        | Kind::Json => x.clone(),
    }
}

fn traffic_entry(v: &Value) -> Value {
    with(v, &keys::traffic_entry(), |k, x| match k {
        "request" => with(x, REQUEST, keep),
        "event" => with(x, EVENT, keep),
        "object" => with(x, OBJECT, keep),
        "message" => with(x, TOPIC_MESSAGE, keep),
        _ => x.clone(),
    })
}

/// The canonical form of a scenario document (any JSON value; non-scenario parts are kept as they are).
pub fn canonical_value(doc: &Value) -> Value {
    with(doc, TOP, |k, v| match k {
        "settings" => with(v, SETTINGS, |sk, sv| {
            if sk.ends_with("_latency_ms") {
                dist(sv)
            } else {
                sv.clone()
            }
        }),
        "resources" => match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(id, r)| (id.clone(), resource(r))).collect())
            }
            other => other.clone(),
        },
        "traffic" => each(v, traffic_entry),
        "external" => each(v, |e| with(e, EXTERNAL, keep)),
        "hints" => each(v, |h| with(h, HINT, keep)),
        "tour" => with(v, super::load::tour_keys::TOUR, |tk, tv| match tk {
            "steps" => each(tv, |step| {
                with(step, super::load::tour_keys::STEP, |sk, sv| match sk {
                    "wait_for" if sv.is_object() => {
                        with(sv, super::load::tour_keys::WAIT_FOR, keep)
                    }
                    _ => sv.clone(),
                })
            }),
            _ => tv.clone(),
        }),
        "layout" => match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(id, p)| (id.clone(), with(p, POINT, keep)))
                    .collect(),
            ),
            other => other.clone(),
        },
        _ => v.clone(),
    })
}

/// The canonical text of a scenario document: pretty JSON with two-space indentation and a final newline.
pub fn canonical_text(doc: &Value) -> String {
    let mut text =
        serde_json::to_string_pretty(&canonical_value(doc)).unwrap_or_else(|_| doc.to_string());
    text.push('\n');
    text
}

/// Saves go through [`crate::fileio::write_atomic`] (atomic, keeps links, modes and owners).
pub use crate::fileio::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_follow_the_spec_and_content_is_kept() {
        let doc = json!({
            "resources": { "F": { "timeout_s": 3, "type": "function", "duration_ms": { "max": 2, "min": 1, "dist": "uniform" } } },
            "name": "x",
            "format": "eventflow/1",
            "traffic": [ { "event": { "detail": { "z": 1, "a": 2 }, "source": "s", "detail-type": "d" }, "to": "F", "at_s": 1 } ]
        });
        let text = canonical_text(&doc);
        let order: Vec<usize> = ["\"format\"", "\"name\"", "\"resources\"", "\"traffic\""]
            .iter()
            .map(|k| text.find(k).unwrap_or(0))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.find("\"type\"") < text.find("\"timeout_s\""));
        assert!(text.find("\"dist\"") < text.find("\"min\""));
        assert!(text.find("\"to\"") < text.find("\"at_s\""));
        // User content keeps its own order.
        assert!(text.find("\"z\"") < text.find("\"a\""));
        let back: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(back, doc);
        assert_eq!(canonical_text(&back), text, "canonical form is idempotent");
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let scratch = tempfile::tempdir().expect("temp dir");
        let dir = scratch.path();
        let path = dir.join("s.json");
        assert!(write_atomic(&path, "one\n").is_ok());
        assert!(write_atomic(&path, "two\n").is_ok());
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("two\n")
        );
        let leftovers = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
