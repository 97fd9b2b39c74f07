//! The typed property form's description of every field of every resource type: kind, AWS range, default,
//! choices, and which resource types a reference may name. Derived from the resource registry
//! ([`crate::scenario::registry`]), so the form, the loader and the writer cannot disagree; pure data (the form
//! itself is in `ui/edit_form.rs`).

use std::sync::LazyLock;

use crate::scenario::ResourceType;
use crate::scenario::registry::{self, Key, Kind};

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// A whole number in `min..=max`.
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    /// A number in `min..=max`.
    Float {
        min: f64,
        max: f64,
        default: f64,
    },
    Bool {
        default: bool,
    },
    /// One of these strings (`""` stands for "none" when the key may be absent without a default).
    Enum {
        choices: &'static [&'static str],
        default: &'static str,
    },
    /// A free string.
    Text,
    /// The id of a resource of one of these types.
    Ref(&'static [ResourceType]),
    /// A latency distribution in milliseconds.
    Dist,
    /// Any JSON, edited as text (patterns, filter policies, inputs, lists).
    Json,
    /// Handler code (`{"script": path}` or `{"inline": source}`).
    Code,
}

/// One field of a resource type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    pub key: &'static str,
    pub kind: FieldKind,
    /// Must be present for the resource to be valid.
    pub required: bool,
    /// One line saying what the field is (the registry's doc of the key).
    pub doc: &'static str,
}

/// The form field of a registry key.
fn field(k: &Key) -> Field {
    let kind = match k.kind {
        Kind::Int { min, max, default } => FieldKind::Int {
            min,
            max,
            // No default: absence means "none" (or depends on another key); the form starts from the minimum.
            default: default.unwrap_or(min),
        },
        Kind::Number { min, max, default } => FieldKind::Float { min, max, default },
        Kind::Bool { default } => FieldKind::Bool { default },
        Kind::Enum {
            choices,
            default: Some(default),
        } => FieldKind::Enum { choices, default },
        Kind::Enum {
            choices,
            default: None,
        } => FieldKind::Enum {
            // "" is the form's "(none)" entry: it removes the key.
            choices: Vec::leak([&[""], choices].concat()),
            default: "",
        },
        Kind::Text => FieldKind::Text,
        Kind::Ref(r) => FieldKind::Ref(r.types),
        Kind::Dist { .. } => FieldKind::Dist,
        Kind::Code => FieldKind::Code,
        Kind::RefMap(_) | Kind::Object(_) | Kind::List(_) | Kind::Json => FieldKind::Json,
    };
    Field {
        key: k.name,
        kind,
        required: k.required,
        doc: k.doc,
    }
}

/// The fields of every type, in [`ResourceType::ALL`] order, built once.
static FIELDS: LazyLock<Vec<Vec<Field>>> = LazyLock::new(|| {
    ResourceType::ALL
        .iter()
        .map(|t| registry::of(*t).keys.iter().map(field).collect())
        .collect()
});

/// The fields of a resource type in the specification's order (`type` and `description` are handled apart).
pub fn fields_of(t: ResourceType) -> &'static [Field] {
    let i = ResourceType::ALL.iter().position(|x| *x == t);
    match i.and_then(|i| FIELDS.get(i)) {
        Some(fields) => fields,
        None => {
            debug_assert!(false, "{t:?} is missing from ResourceType::ALL");
            &[]
        }
    }
}

/// Destinations of a function's `async` block (for the destination dialog and form).
pub fn destination_types() -> &'static [ResourceType] {
    registry::function::ON_SUCCESS.reference().types
}
