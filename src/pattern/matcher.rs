//! Matching compiled patterns against events, and explaining misses.
//!
//! The walk follows the pattern, not the event: for each named field it looks the key up
//! in the current event object. Event arrays are looked through: a leaf matches when any
//! scalar in the (nested) array matches, and a nested object pattern must be satisfied by a
//! single object of the array (array consistency). A nested pattern on a field that holds no
//! object is checked against "nothing", so `exists: false` underneath still holds.
//!
//! Recursion follows the compiled pattern (at most 128 levels deep) and event arrays are
//! followed at most [`MAX_EVENT_ARRAY_DEPTH`](super::node::MAX_EVENT_ARRAY_DEPTH) levels.

use super::Mismatch;
use super::compile::{describe, list, quote};
use super::node::{ElementKind, FieldNode, Leaf, ObjNode, for_each_object, for_each_scalar};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Per-match settings derived from the dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cx {
    /// SNS attribute scope: values are message attributes (String / String.Array / Number).
    pub(crate) sns_attributes: bool,
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/// Whether any alternative matches `event`. A non-object event is treated as an empty object.
pub(crate) fn matches(alternatives: &[ObjNode], event: &Value, cx: Cx) -> bool {
    let object = event.as_object();
    alternatives.iter().any(|alt| match_object(alt, object, cx))
}

fn match_object(node: &ObjNode, object: Option<&Map<String, Value>>, cx: Cx) -> bool {
    node.fields
        .iter()
        .all(|field| match_field(field, object.and_then(|o| o.get(&*field.key)), cx))
}

fn match_field(field: &FieldNode, value: Option<&Value>, cx: Cx) -> bool {
    if !field.leaves.is_empty() {
        if cx.sns_attributes {
            let normalized = value.and_then(normalize_attribute);
            let value = normalized.as_deref();
            if !field.leaves.iter().all(|leaf| leaf.matches(value, true)) {
                return false;
            }
        } else if !field.leaves.iter().all(|leaf| leaf.matches(value, false)) {
            return false;
        }
    }
    match &field.nested {
        None => true,
        Some(nested) => {
            let mut saw_object = false;
            let found = value.is_some_and(|v| {
                for_each_object(v, 0, &mut |object| {
                    saw_object = true;
                    match_object(nested, Some(object), cx)
                })
            });
            found || (!saw_object && match_object(nested, None, cx))
        }
    }
}

/// SNS attribute values as the caller may hand them over, normalized to plain JSON:
///
/// * a string whose text is a JSON array is a String.Array (SNS "string-value-matching");
/// * `{"Type": "...", "Value": "..."}` (the SNS / Lambda event shape, also `DataType` /
///   `StringValue`) is unwrapped: `String.Array` values are parsed, `Number` values become
///   JSON numbers, `Binary` attributes are ignored (SNS does not compare them);
/// * anything else is used as it is.
pub(crate) fn normalize_attribute(value: &Value) -> Option<Cow<'_, Value>> {
    match value {
        Value::String(text) => {
            Some(parse_string_array(text).map_or(Cow::Borrowed(value), Cow::Owned))
        }
        Value::Object(map) => {
            let data_type = map
                .get("Type")
                .or_else(|| map.get("DataType"))
                .and_then(Value::as_str);
            let inner = map.get("Value").or_else(|| map.get("StringValue"));
            match (data_type, inner) {
                (Some(t), _) if t.starts_with("Binary") => None,
                (Some(t), Some(Value::String(text))) if t.starts_with("Number") => {
                    match serde_json::from_str::<serde_json::Number>(text.trim()) {
                        Ok(n) => Some(Cow::Owned(Value::Number(n))),
                        Err(_) => Some(Cow::Borrowed(inner.unwrap_or(value))),
                    }
                }
                (Some(_), Some(inner)) => Some(match inner {
                    Value::String(text) => {
                        parse_string_array(text).map_or(Cow::Borrowed(inner), Cow::Owned)
                    }
                    other => Cow::Borrowed(other),
                }),
                _ => Some(Cow::Borrowed(value)),
            }
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

fn parse_string_array(text: &str) -> Option<Value> {
    if !text.trim_start().starts_with('[') {
        return None;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(array @ Value::Array(_)) => Some(array),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Explaining
// ---------------------------------------------------------------------------------------------

/// A miss, with how many fields were satisfied on the way (to pick the closest alternative).
struct Miss {
    path: String,
    reason: String,
    satisfied: usize,
}

/// `None` when `event` matches; otherwise the first failing field of the closest alternative.
pub(crate) fn explain(alternatives: &[ObjNode], event: &Value, cx: Cx) -> Option<Mismatch> {
    let object = event.as_object();
    let mut best: Option<Miss> = None;
    for alt in alternatives {
        match explain_object(alt, object, cx) {
            Ok(_) => return None,
            Err(miss) => {
                if best.as_ref().is_none_or(|b| miss.satisfied > b.satisfied) {
                    best = Some(miss);
                }
            }
        }
    }
    let mut miss = best?;
    if alternatives.len() > 1 {
        miss.reason.push_str(&format!(
            " (no $or alternative matched; this is the closest of {})",
            alternatives.len()
        ));
    }
    Some(Mismatch {
        path: miss.path,
        reason: miss.reason,
    })
}

/// Checks every field; returns the number satisfied, or the first failure.
fn explain_object(
    node: &ObjNode,
    object: Option<&Map<String, Value>>,
    cx: Cx,
) -> Result<usize, Miss> {
    let mut satisfied = 0usize;
    let mut first: Option<Miss> = None;
    for field in &node.fields {
        match explain_field(field, object.and_then(|o| o.get(&*field.key)), cx) {
            Ok(n) => satisfied += 1 + n,
            Err(miss) => {
                satisfied += miss.satisfied;
                if first.is_none() {
                    first = Some(miss);
                }
            }
        }
    }
    match first {
        None => Ok(satisfied),
        Some(mut miss) => {
            miss.satisfied = satisfied;
            Err(miss)
        }
    }
}

fn explain_field(field: &FieldNode, value: Option<&Value>, cx: Cx) -> Result<usize, Miss> {
    let normalized = if cx.sns_attributes {
        value.and_then(normalize_attribute)
    } else {
        value.map(Cow::Borrowed)
    };
    let leaf_value = normalized.as_deref();
    for leaf in &field.leaves {
        if !leaf.matches(leaf_value, cx.sns_attributes) {
            return Err(Miss {
                path: leaf.path.to_string(),
                reason: leaf_reason(leaf, leaf_value),
                satisfied: 0,
            });
        }
    }
    let Some(nested) = &field.nested else {
        return Ok(0);
    };
    let mut objects: Vec<&Map<String, Value>> = Vec::new();
    if let Some(v) = value {
        for_each_object(v, 0, &mut |o| {
            objects.push(o);
            false
        });
    }
    if objects.is_empty() {
        return match explain_object(nested, None, cx) {
            Ok(n) => Ok(n),
            Err(miss) => Err(Miss {
                path: field.path.to_string(),
                reason: match value {
                    None => "field is missing".to_string(),
                    Some(v) => format!(
                        "expected an object with fields inside, found {}",
                        describe_event_value(v)
                    ),
                },
                satisfied: miss.satisfied,
            }),
        };
    }
    let count = objects.len();
    let mut best: Option<Miss> = None;
    for object in objects {
        match explain_object(nested, Some(object), cx) {
            Ok(n) => return Ok(n),
            Err(miss) => {
                if best.as_ref().is_none_or(|b| miss.satisfied > b.satisfied) {
                    best = Some(miss);
                }
            }
        }
    }
    match best {
        Some(mut miss) => {
            if count > 1 {
                miss.reason.push_str(&format!(
                    " (in the closest of {count} array elements at `{}`; the fields of one pattern object must all match inside the same element)",
                    field.path
                ));
            }
            Err(miss)
        }
        None => Ok(0),
    }
}

/// Why `leaf` rejected `value` (which it is known to reject).
fn leaf_reason(leaf: &Leaf, value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "field is missing".to_string();
    };
    let mut scalars: Vec<&Value> = Vec::new();
    let mut total = 0usize;
    for_each_scalar(value, 0, &mut |s| {
        total += 1;
        if scalars.len() < 6 {
            scalars.push(s);
        }
        false
    });
    if total == 0 {
        return match value {
            Value::Object(_) => "field is an object, but the pattern expects a value here (operators, including exists, only apply to leaf values)".to_string(),
            Value::Array(a) if a.is_empty() => "field is an empty array".to_string(),
            _ => "field holds no plain values (only objects)".to_string(),
        };
    }
    let shown = if total == 1 {
        format!(
            "value {}",
            scalars
                .first()
                .map(|s| render_scalar(s))
                .unwrap_or_default()
        )
    } else {
        let mut items: Vec<String> = scalars.iter().map(|s| render_scalar(s)).collect();
        if total > items.len() {
            items.push(format!("… {} more", total - items.len()));
        }
        format!("none of the values [{}]", items.join(", "))
    };
    let expected = || list(leaf.elements.iter().map(|e| e.verbose.clone()));
    let mut reason = if leaf.only(ElementKind::ExistsFalse) {
        format!("field exists ({shown}) but the pattern requires it to be absent")
    } else if leaf.only(ElementKind::Exact) {
        let verb = if total == 1 { "is not" } else { "is" };
        format!("{shown} {verb} one of {}", expected())
    } else if leaf.only(ElementKind::AnythingBut) {
        let verb = if total == 1 { "is" } else { "are all" };
        let excluded: Vec<&str> = leaf.elements.iter().map(|e| e.verbose.as_str()).collect();
        format!("{shown} {verb} excluded by {}", excluded.join(" / "))
    } else {
        let verb = if total == 1 {
            "does not match"
        } else {
            "matches"
        };
        format!(
            "{shown} {verb} any of: {}",
            expected().trim_start_matches('[').trim_end_matches(']')
        )
    };
    reason.push_str(&type_hint(leaf, &scalars));
    reason
}

/// A hint when the miss is most likely a type mix-up.
fn type_hint(leaf: &Leaf, scalars: &[&Value]) -> String {
    for scalar in scalars {
        match scalar {
            Value::Number(n) => {
                let text = n.to_string();
                if leaf.exact_strings.iter().any(|s| **s == *text) {
                    return " (the event has the number, the pattern the string: types must match)"
                        .to_string();
                }
            }
            Value::String(s) => {
                if leaf.exact_numbers.iter().any(|n| n.to_string() == *s) {
                    return " (the event has the string, the pattern the number: types must match)"
                        .to_string();
                }
                if (s == "true" && leaf.exact_true)
                    || (s == "false" && leaf.exact_false)
                    || (s == "null" && leaf.exact_null)
                {
                    return " (the event has a string, the pattern the JSON literal: types must match)".to_string();
                }
            }
            _ => {}
        }
    }
    let any_string = scalars.iter().any(|s| s.is_string());
    let any_number = scalars.iter().any(|s| s.is_number());
    if !any_string && (leaf.has(ElementKind::StringOp) || leaf.has(ElementKind::Cidr)) {
        return " (prefix, suffix, equals-ignore-case, wildcard and cidr only match strings)"
            .to_string();
    }
    if !any_number && leaf.has(ElementKind::Numeric) {
        return " (numeric only matches JSON numbers, not strings)".to_string();
    }
    String::new()
}

fn render_scalar(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn describe_event_value(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array without objects".to_string(),
        other => describe(other),
    }
}
