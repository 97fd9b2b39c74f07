//! The resource registry: one declarative descriptor per resource type, the single source of truth for its keys.
//!
//! Each type's file (`function.rs`, `queue.rs`, …) holds one `const DESC: TypeDesc` and a `const` per key: JSON
//! kind, required or optional, default, range or choices, which resource types a reference may name and the graph
//! edge it makes, and a one-line doc. Every AWS number carries its source in a comment there.
//!
//! Readers of the registry:
//! - the loader (`scenario::load::resources`): unknown keys and "did you mean" hints, JSON types, ranges, enums and
//!   reference types come from the key descriptors; cross-field rules and the typed model stay per-type code;
//! - the canonical writer (`scenario::write`): key order, recursively into the format's own nested objects;
//! - the editor: its typed form (`editor::fields`), the references rename and delete follow, the palette
//!   ([`ResourceType::ALL`], [`TypeDesc::label`]) and the fresh-id base (`editor::id_base`);
//! - the architecture graph (`scenario::graph`): every edge it draws is one a reference of the descriptor declares,
//!   and a type [`TypeDesc::drawn_as_edge`] (a trigger) gets no node;
//! - the traffic loader: what payload a traffic source aimed at the type sends ([`TypeDesc::traffic`]);
//! - a test that the registry and `shared/spec/scenario-format.md` list the same keys.
//!
//! Adding a resource type: add the variant to [`ResourceType`] and to [`ResourceType::ALL`], then the compiler points
//! at [`of`] (add the descriptor file here) and at every other exhaustive match over the type.

pub(crate) mod api;
pub(crate) mod bucket;
pub(crate) mod database;
pub(crate) mod db_proxy;
pub(crate) mod event_bus;
pub(crate) mod function;
pub(crate) mod queue;
pub(crate) mod rule;
pub(crate) mod schedule;
pub(crate) mod state_machine;
pub(crate) mod table;
pub(crate) mod topic;
pub(crate) mod trigger;

use super::graph::EdgeRole;
use super::model::{Dist, ResourceType};

/// The descriptor of one resource type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeDesc {
    pub rtype: ResourceType,
    /// The `type` string of the format (`"event_bus"`).
    pub name: &'static str,
    /// The AWS service name shown to users (palette, inspector): `"EventBridge bus"`.
    pub label: &'static str,
    /// The stem of fresh ids the editor gives new resources of this type (`Function1`, `Function2`, …).
    pub id_base: &'static str,
    /// The type's own keys, in the specification's order (`type`, `description` and `delivery_latency_ms`, common
    /// to every type, are in [`COMMON_KEYS`]).
    pub keys: &'static [Key],
    /// Edges the graph derives from something other than a reference key (a state machine's `Task` states, a
    /// bucket's `event_bridge` flag), with the key they come from.
    pub derived_edges: &'static [(&'static str, EdgeRole)],
    /// What a traffic source aimed at a resource of this type sends.
    pub traffic: TrafficInput,
    /// Drawn as the edge between the resources it references rather than as a node (a trigger: source → function);
    /// it goes when either end goes.
    pub drawn_as_edge: bool,
}

/// What a traffic source aimed at a resource type sends, or why it cannot be aimed at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrafficInput {
    /// The payload keys of the traffic entry (spec table "Payload, by the type of `to`").
    Payload(&'static [&'static str]),
    /// The type takes no traffic; why, for the message.
    Refused(&'static str),
}

impl TrafficInput {
    /// The payload keys (none when refused).
    pub fn payload_keys(self) -> &'static [&'static str] {
        match self {
            TrafficInput::Payload(keys) => keys,
            TrafficInput::Refused(_) => &[],
        }
    }
}

/// One key of an object of the format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    /// Must be present.
    pub required: bool,
    /// One line for the form's hover text and the reader of this table.
    pub doc: &'static str,
}

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A whole number in `min..=max` (an integral float such as `128.0` is accepted). `default: None` means the
    /// key's absence is itself meaningful ("none") or the default depends on another key (see the doc).
    Int {
        min: i64,
        max: i64,
        default: Option<i64>,
    },
    /// A finite number in `min..=max`.
    Number {
        min: f64,
        max: f64,
        default: f64,
    },
    Bool {
        default: bool,
    },
    /// One of `choices` (case-sensitive); `default: None` means absence is "none".
    Enum {
        choices: &'static [&'static str],
        default: Option<&'static str>,
    },
    /// A string.
    Text,
    /// The id of another resource.
    Ref(Ref),
    /// An object whose values are resource ids (an API's `routes`: route key → function id).
    RefMap(Ref),
    /// A latency distribution in milliseconds (a number or `{"dist": …}`); `None` when the default is another
    /// setting (`delivery_latency_ms` falls back to `settings.hop_latency_ms`).
    Dist {
        default: Option<&'static Dist>,
    },
    /// Handler code: `{"script": path}` or `{"inline": source}`.
    Code,
    /// An object of the format with these keys (written in this order).
    Object(&'static [Key]),
    /// An array of objects of the format with these keys (a rule target may also be a bare id).
    List(&'static [Key]),
    /// User content kept exactly as given: patterns, definitions, items, environment, inputs.
    Json,
}

/// A reference to another resource.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ref {
    /// The resource types it may name.
    pub types: &'static [ResourceType],
    /// What the reference is, in messages: "a rule's bus", "a notification target".
    pub role: &'static str,
    /// The graph edge the reference makes.
    pub edge: EdgeRole,
}

const fn key(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key {
        name,
        kind,
        required: false,
        doc,
    }
}

const fn required(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key {
        name,
        kind,
        required: true,
        doc,
    }
}

/// The keys every resource may have: `type` and `description` before the type's own keys, `delivery_latency_ms`
/// after them.
pub mod common {
    use super::{Key, Kind, key, required};

    pub const TYPE: Key = required("type", Kind::Text, "the resource type");
    pub const DESCRIPTION: Key = key(
        "description",
        Kind::Text,
        "free text shown in the inspector",
    );
    pub const DELIVERY_LATENCY_MS: Key = key(
        "delivery_latency_ms",
        Kind::Dist { default: None },
        "latency of hops that leave this resource; none ⇒ settings.hop_latency_ms",
    );
}

/// `type`, `description` and `delivery_latency_ms`, as one list (see [`common`]).
pub const COMMON_KEYS: [Key; 3] = [
    common::TYPE,
    common::DESCRIPTION,
    common::DELIVERY_LATENCY_MS,
];

/// The descriptor of a resource type. The one match to extend when a type is added.
pub fn of(t: ResourceType) -> &'static TypeDesc {
    match t {
        ResourceType::Function => &function::DESC,
        ResourceType::Api => &api::DESC,
        ResourceType::EventBus => &event_bus::DESC,
        ResourceType::Rule => &rule::DESC,
        ResourceType::Schedule => &schedule::DESC,
        ResourceType::Bucket => &bucket::DESC,
        ResourceType::Queue => &queue::DESC,
        ResourceType::Topic => &topic::DESC,
        ResourceType::Table => &table::DESC,
        ResourceType::Trigger => &trigger::DESC,
        ResourceType::StateMachine => &state_machine::DESC,
        ResourceType::Database => &database::DESC,
        ResourceType::DbProxy => &db_proxy::DESC,
    }
}

/// Every descriptor, in palette order ([`ResourceType::ALL`]).
pub fn all() -> impl Iterator<Item = &'static TypeDesc> {
    ResourceType::ALL.into_iter().map(of)
}

impl TypeDesc {
    /// Every key a resource of this type may have, in canonical order: `type`, `description`, the type's own keys,
    /// `delivery_latency_ms`.
    pub fn all_keys(&self) -> impl Iterator<Item = &'static Key> + use<> {
        let [head @ .., tail] = &COMMON_KEYS;
        head.iter()
            .chain(self.keys.iter())
            .chain(std::iter::once(tail))
    }

    /// The names of [`TypeDesc::all_keys`].
    pub fn allowed_names(&self) -> Vec<&'static str> {
        self.all_keys().map(|k| k.name).collect()
    }

    /// The type's own key named `name`.
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// Every reference a resource of this type can hold, with the path to it (`"targets[].target"`,
    /// `"async.on_success"`, `"routes.*"`), in key order.
    pub fn references(&self) -> Vec<(String, &'static Ref)> {
        let mut out = Vec::new();
        collect_refs(self.keys, "", &mut out);
        out
    }

    /// Every graph edge a resource of this type can be the owner of: its references' edges, then its derived edges.
    pub fn edge_roles(&self) -> Vec<EdgeRole> {
        let mut out: Vec<EdgeRole> = self.references().iter().map(|(_, r)| r.edge).collect();
        out.extend(self.derived_edges.iter().map(|(_, e)| *e));
        out.dedup();
        out
    }
}

impl Key {
    /// The range and default of an integer key.
    pub fn int_bounds(&self) -> (i64, i64, Option<i64>) {
        match self.kind {
            Kind::Int { min, max, default } => (min, max, default),
            other => {
                debug_assert!(false, "{} is not an integer key: {other:?}", self.name);
                (i64::MIN, i64::MAX, None)
            }
        }
    }

    /// The range and default of a number key.
    pub fn number_bounds(&self) -> (f64, f64, f64) {
        match self.kind {
            Kind::Number { min, max, default } => (min, max, default),
            other => {
                debug_assert!(false, "{} is not a number key: {other:?}", self.name);
                (f64::NEG_INFINITY, f64::INFINITY, 0.0)
            }
        }
    }

    /// The default of a boolean key.
    pub fn bool_default(&self) -> bool {
        match self.kind {
            Kind::Bool { default } => default,
            other => {
                debug_assert!(false, "{} is not a boolean key: {other:?}", self.name);
                false
            }
        }
    }

    /// The choices of an enum key.
    pub fn choices(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Enum { choices, .. } => choices,
            other => {
                debug_assert!(false, "{} is not an enum key: {other:?}", self.name);
                &[]
            }
        }
    }

    /// The reference a key (or each value of a key, for a map of references) holds.
    pub fn reference(&self) -> &Ref {
        match &self.kind {
            Kind::Ref(r) | Kind::RefMap(r) => r,
            other => {
                debug_assert!(false, "{} is not a reference key: {other:?}", self.name);
                &NO_REF
            }
        }
    }

    /// The keys of an object key, or of each entry of a list key.
    pub fn sub_keys(&self) -> &'static [Key] {
        match self.kind {
            Kind::Object(keys) | Kind::List(keys) => keys,
            other => {
                debug_assert!(false, "{} has no keys of its own: {other:?}", self.name);
                &[]
            }
        }
    }
}

/// What [`Key::reference`] answers for a key that is not a reference (a bug, caught by a debug assertion).
static NO_REF: Ref = Ref {
    types: &[],
    role: "a reference",
    edge: EdgeRole::DeadLetter,
};

fn collect_refs(keys: &'static [Key], prefix: &str, out: &mut Vec<(String, &'static Ref)>) {
    for k in keys {
        let path = format!("{prefix}{}", k.name);
        match &k.kind {
            Kind::Ref(r) => out.push((path, r)),
            Kind::RefMap(r) => out.push((format!("{path}.*"), r)),
            Kind::Object(inner) => collect_refs(inner, &format!("{path}."), out),
            Kind::List(inner) => collect_refs(inner, &format!("{path}[]."), out),
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
}

/// The names of a list of keys.
pub(crate) fn names(keys: &[Key]) -> Vec<&'static str> {
    keys.iter().map(|k| k.name).collect()
}

#[cfg(test)]
mod tests;
