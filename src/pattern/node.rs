//! The compiled form of a pattern and the leaf-level matching logic.
//!
//! A compiled pattern is a list of alternatives (the `$or`s multiplied out, exactly as
//! event-ruler does), each an [`ObjNode`]: an AND over named fields. A field carries zero or
//! more leaf conditions ([`Leaf`], the OR-list written in the pattern) and at most one nested
//! object pattern. Leaves are shared behind `Arc` between alternatives.

use super::ops::{
    Cidr, NumRange, Wildcard, eq_ignore_case, num_eq, prefix_ignore_case, suffix_ignore_case,
};
use serde_json::{Map, Number, Value};
use std::sync::Arc;

/// How deep event arrays nested inside arrays are followed (`[[[...]]]`); deeper values are
/// ignored rather than risking the stack.
pub(crate) const MAX_EVENT_ARRAY_DEPTH: usize = 128;

/// One AND-alternative of a pattern at one object level.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjNode {
    pub(crate) fields: Vec<FieldNode>,
}

/// The conditions on one named field of an object.
#[derive(Debug, Clone)]
pub(crate) struct FieldNode {
    /// The field name looked up in the event object.
    pub(crate) key: Box<str>,
    /// Dotted event path for messages, e.g. `detail.status`.
    pub(crate) path: Box<str>,
    /// Leaf conditions; all must hold (normally there is exactly one).
    pub(crate) leaves: Vec<Arc<Leaf>>,
    /// Nested object pattern, matched inside one object (one array element) of the field.
    pub(crate) nested: Option<ObjNode>,
}

impl ObjNode {
    /// The field named `key`, created (empty) if absent. Always `Some`.
    fn field_mut(&mut self, key: &str, path: &str) -> Option<&mut FieldNode> {
        if !self.fields.iter().any(|f| &*f.key == key) {
            self.fields.push(FieldNode {
                key: key.into(),
                path: path.into(),
                leaves: Vec::new(),
                nested: None,
            });
        }
        self.fields.iter_mut().find(|f| &*f.key == key)
    }

    /// Adds a leaf condition on `key` (ANDed with any already there).
    pub(crate) fn add_leaf(&mut self, key: &str, path: &str, leaf: Arc<Leaf>) {
        if let Some(field) = self.field_mut(key, path) {
            field.leaves.push(leaf);
        }
    }

    /// Adds (merges) a nested object pattern under `key`.
    pub(crate) fn add_nested(&mut self, key: &str, path: &str, nested: ObjNode) {
        if let Some(field) = self.field_mut(key, path) {
            match &mut field.nested {
                Some(existing) => existing.merge(nested),
                None => field.nested = Some(nested),
            }
        }
    }

    /// ANDs `other` into `self`, merging fields with the same name so that everything under
    /// one key is matched inside the same array element (array consistency).
    pub(crate) fn merge(&mut self, other: ObjNode) {
        for field in other.fields {
            if let Some(target) = self.field_mut(&field.key, &field.path) {
                target.leaves.extend(field.leaves);
                if let Some(nested) = field.nested {
                    match &mut target.nested {
                        Some(existing) => existing.merge(nested),
                        None => target.nested = Some(nested),
                    }
                }
            }
        }
    }

    /// Number of field nodes in this tree (a size budget for `$or` expansion).
    pub(crate) fn size(&self) -> usize {
        self.fields
            .iter()
            .map(|f| 1 + f.nested.as_ref().map_or(0, ObjNode::size))
            .sum()
    }

    /// Product of the leaf array sizes (SNS "total combination" of one alternative).
    pub(crate) fn combinations(&self) -> u64 {
        self.fields.iter().fold(1u64, |acc, f| {
            let leaves = f
                .leaves
                .iter()
                .fold(1u64, |a, l| a.saturating_mul(l.element_count as u64));
            let nested = f.nested.as_ref().map_or(1, ObjNode::combinations);
            acc.saturating_mul(leaves).saturating_mul(nested)
        })
    }
}

/// A positive operator on a single scalar value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueOp {
    Prefix(Box<str>),
    Suffix(Box<str>),
    /// Operand stored case-folded.
    PrefixIgnoreCase(Box<str>),
    /// Operand stored case-folded.
    SuffixIgnoreCase(Box<str>),
    /// Operand stored case-folded.
    EqualsIgnoreCase(Box<str>),
    Wildcard(Wildcard),
    Numeric(NumRange),
    Cidr(Cidr),
}

impl ValueOp {
    #[inline]
    fn hit(&self, value: &Value) -> bool {
        match (self, value) {
            (ValueOp::Numeric(range), Value::Number(n)) => {
                n.as_f64().is_some_and(|x| range.contains(x))
            }
            (ValueOp::Numeric(_), _) => false,
            (_, Value::String(s)) => match self {
                ValueOp::Prefix(p) => s.starts_with(&**p),
                ValueOp::Suffix(p) => s.ends_with(&**p),
                ValueOp::PrefixIgnoreCase(p) => prefix_ignore_case(s, p),
                ValueOp::SuffixIgnoreCase(p) => suffix_ignore_case(s, p),
                ValueOp::EqualsIgnoreCase(p) => eq_ignore_case(s, p),
                ValueOp::Wildcard(w) => w.is_match(s),
                ValueOp::Cidr(c) => c.contains_str(s),
                ValueOp::Numeric(_) => false,
            },
            _ => false,
        }
    }
}

/// The exclusion list of one `anything-but`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    Strings(Vec<Box<str>>),
    Numbers(Vec<Number>),
    Prefixes(Vec<Box<str>>),
    Suffixes(Vec<Box<str>>),
    /// Stored case-folded.
    IgnoreCase(Vec<Box<str>>),
    Wildcards(Vec<Wildcard>),
}

impl AnythingBut {
    /// Whether `value` is excluded. Values of the other type are never excluded: a string
    /// passes a number list and a number passes a string list (verified against event-ruler).
    #[inline]
    pub(crate) fn excludes(&self, value: &Value) -> bool {
        match (self, value) {
            (AnythingBut::Numbers(list), Value::Number(n)) => list.iter().any(|x| num_eq(x, n)),
            (AnythingBut::Numbers(_), _) => false,
            (_, Value::String(s)) => match self {
                AnythingBut::Strings(list) => list.iter().any(|x| **x == **s),
                AnythingBut::Prefixes(list) => list.iter().any(|x| s.starts_with(&**x)),
                AnythingBut::Suffixes(list) => list.iter().any(|x| s.ends_with(&**x)),
                AnythingBut::IgnoreCase(list) => list.iter().any(|x| eq_ignore_case(s, x)),
                AnythingBut::Wildcards(list) => list.iter().any(|w| w.is_match(s)),
                AnythingBut::Numbers(_) => false,
            },
            _ => false,
        }
    }
}

/// What kind of element of a leaf array a description belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ElementKind {
    Exact,
    AnythingBut,
    ExistsTrue,
    ExistsFalse,
    /// prefix / suffix / equals-ignore-case / wildcard: strings only.
    StringOp,
    Numeric,
    Cidr,
}

/// Description of one element of a leaf array, for `explain` and `summary`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ElementDesc {
    pub(crate) kind: ElementKind,
    /// e.g. `"new"`, `prefix "us-"`, `numeric > 0 and <= 5`.
    pub(crate) verbose: String,
    /// e.g. `new`, `prefix:us-`, `>0,<=5`.
    pub(crate) compact: String,
}

/// One leaf array of the pattern: matches when any of its elements matches.
#[derive(Debug, Clone, Default)]
pub(crate) struct Leaf {
    /// Dotted event path, e.g. `detail.status`.
    pub(crate) path: Box<str>,
    /// Sorted, deduplicated exact strings.
    pub(crate) exact_strings: Vec<Box<str>>,
    /// Exact strings that are IP literals: they also match other spellings of the same
    /// address (`::1` and `0:0:0:0:0:0:0:1`), as in event-ruler.
    pub(crate) exact_ips: Vec<(bool, u128)>,
    pub(crate) exact_numbers: Vec<Number>,
    pub(crate) exact_true: bool,
    pub(crate) exact_false: bool,
    pub(crate) exact_null: bool,
    pub(crate) ops: Vec<ValueOp>,
    pub(crate) anything_but: Vec<AnythingBut>,
    pub(crate) exists_true: bool,
    pub(crate) exists_false: bool,
    /// Number of elements written in the pattern array (SNS combination count).
    pub(crate) element_count: usize,
    pub(crate) elements: Vec<ElementDesc>,
}

impl Leaf {
    /// Whether one scalar satisfies a positive (non-negated) element.
    #[inline]
    pub(crate) fn positive_hit(&self, value: &Value) -> bool {
        let exact = match value {
            Value::String(s) => {
                self.exact_strings
                    .binary_search_by(|x| (**x).cmp(s.as_str()))
                    .is_ok()
                    || (!self.exact_ips.is_empty()
                        && super::ops::parse_ip(s).is_some_and(|ip| self.exact_ips.contains(&ip)))
            }
            Value::Number(n) => self.exact_numbers.iter().any(|x| num_eq(x, n)),
            Value::Bool(true) => self.exact_true,
            Value::Bool(false) => self.exact_false,
            Value::Null => self.exact_null,
            _ => false,
        };
        exact || self.ops.iter().any(|op| op.hit(value))
    }

    /// Whether the field value `value` (`None` = field missing) satisfies this leaf.
    ///
    /// `all_elements` selects the SNS String.Array reading of `anything-but` (every element
    /// must pass); otherwise one passing element is enough (EventBridge / event-ruler).
    pub(crate) fn matches(&self, value: Option<&Value>, all_elements: bool) -> bool {
        let Some(value) = value else {
            // A missing field only satisfies `exists: false` (not anything-but, not [null]).
            return self.exists_false;
        };
        let mut present = false;
        let hit = for_each_scalar(value, 0, &mut |scalar| {
            present = true;
            self.positive_hit(scalar)
                || (!all_elements && self.anything_but.iter().any(|ab| !ab.excludes(scalar)))
        });
        if hit {
            return true;
        }
        if !present {
            // Absent leaf: missing, empty array, or an object (exists only looks at leaves).
            return self.exists_false;
        }
        if self.exists_true {
            return true;
        }
        if all_elements {
            for ab in &self.anything_but {
                if !for_each_scalar(value, 0, &mut |scalar| ab.excludes(scalar)) {
                    return true;
                }
            }
        }
        false
    }

    /// True when every element is an exact value (for the "is not one of [..]" wording).
    pub(crate) fn only(&self, kind: ElementKind) -> bool {
        self.elements.iter().all(|e| e.kind == kind)
    }

    /// Whether any element is of `kind`.
    pub(crate) fn has(&self, kind: ElementKind) -> bool {
        self.elements.iter().any(|e| e.kind == kind)
    }
}

/// Calls `f` on every scalar of `value`, looking through (nested) arrays; stops at the first
/// `true`. Objects hold no scalars at this level.
pub(crate) fn for_each_scalar<'v, F: FnMut(&'v Value) -> bool>(
    value: &'v Value,
    depth: usize,
    f: &mut F,
) -> bool {
    match value {
        Value::Array(items) => {
            if depth >= MAX_EVENT_ARRAY_DEPTH {
                return false;
            }
            items.iter().any(|item| for_each_scalar(item, depth + 1, f))
        }
        Value::Object(_) => false,
        scalar => f(scalar),
    }
}

/// Calls `f` on every object of `value`, looking through (nested) arrays; stops at the first
/// `true`.
pub(crate) fn for_each_object<'v, F: FnMut(&'v Map<String, Value>) -> bool>(
    value: &'v Value,
    depth: usize,
    f: &mut F,
) -> bool {
    match value {
        Value::Object(map) => f(map),
        Value::Array(items) => {
            if depth >= MAX_EVENT_ARRAY_DEPTH {
                return false;
            }
            items.iter().any(|item| for_each_object(item, depth + 1, f))
        }
        _ => false,
    }
}
