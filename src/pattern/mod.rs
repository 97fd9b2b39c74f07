//! The Amazon EventBridge event-pattern language, compiled once and matched fast; SNS
//! subscription filter policies reuse the same engine.
//!
//! ```text
//! let rule = Pattern::parse_str(r#"{"source": ["com.shop"], "detail": {"amount": [{"numeric": [">", 100]}]}}"#)?;
//! rule.matches(&event);             // bool
//! rule.explain(&event);             // None, or Some(Mismatch { path: "detail.amount", reason: "..." })
//! rule.summary();                   // "source=com.shop, detail.amount>100"
//! ```
//!
//! # Semantics (as event-ruler, which EventBridge runs, behaves)
//!
//! * A pattern is a JSON object. Leaves are arrays whose elements are OR'ed; all named
//!   fields must match (AND); event fields the pattern does not name are ignored.
//! * Exact values are type-sensitive (`"1"` ≠ `1`, `"true"` ≠ `true`); numbers compare
//!   numerically (`3.0` = `3` = `3e0`). `[null]` matches JSON null only, never a missing field.
//! * Event arrays: a leaf matches when any element matches. A nested pattern object must be
//!   matched by one single element of an array of objects (array consistency).
//! * Operators: `prefix`, `suffix` (each optionally `{"equals-ignore-case": ..}`),
//!   `equals-ignore-case`, `wildcard`, `anything-but` (string, number, list, or prefix /
//!   suffix / equals-ignore-case / wildcard with a string or list), `numeric`, `exists`,
//!   `cidr`, and `$or` at any object level. String operators only match strings, `numeric`
//!   only JSON numbers, `cidr` only strings that are IP addresses.
//! * `anything-but` never matches a missing field; on an array it matches when any element
//!   is not excluded; values of the other type are never excluded. `exists` only looks at
//!   leaf values: `exists: true` fails on an object, `exists: false` holds for a missing
//!   field, an empty array, or an object; `null` counts as present.
//!
//! # Choices where the sources are silent or disagree
//!
//! * The same leaf path named twice (e.g. in the pattern body and in an `$or` branch) must
//!   satisfy both lists (logical AND); event-ruler lets the later one silently win.
//! * Dotted keys are not aliases for nesting: `{"a.b": [..]}` only matches a key literally
//!   named `a.b` (event-ruler's README says not to rely on the aliasing it has today).
//! * Numeric matching is limited to the documented range: operands outside ±5e9 (EventBridge,
//!   eb-create-pattern-operators) or ±1e9 (SNS) are rejected, and event numbers outside that
//!   range never satisfy a `numeric` condition (exact-number matches still work for them).
//! * `cidr` accepts mask lengths 0–31 (IPv4) and 0–127 (IPv6), as event-ruler does; to match
//!   one address, write it as a plain string (IP strings also match other spellings of the
//!   same address, as in event-ruler).
//! * `$or` expansion is capped at [`MAX_ALTERNATIVES`] alternatives and patterns at
//!   [`MAX_PATTERN_DEPTH`] levels of nesting; beyond that compile returns an error.
//! * SNS: see [`Dialect`] for the flat-policy rule, key and combination counting, and how
//!   message-attribute values are read.

mod compile;
mod error;
mod matcher;
mod node;
mod ops;
#[cfg(test)]
mod tests;

pub use compile::{
    EVENTBRIDGE_NUMERIC_LIMIT, MAX_ALTERNATIVES, MAX_PATTERN_DEPTH, SNS_MAX_COMBINATIONS,
    SNS_MAX_DECIMALS, SNS_MAX_KEYS, SNS_NUMERIC_LIMIT, SUMMARY_MAX_CHARS,
};
pub use error::PatternError;

use serde_json::Value;

/// Which service's flavour of the pattern language to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// Amazon EventBridge event patterns (also EventBridge Pipes / Lambda ESM filters, which
    /// accept a subset).
    #[default]
    EventBridge,
    /// SNS filter policy with `FilterPolicyScope = MessageAttributes`.
    ///
    /// The policy must be flat. The event passed to [`Pattern::matches`] is an object
    /// `{attribute name: value}` where value is a JSON string, number, or array (String.Array);
    /// a string whose text parses as a JSON array counts as a String.Array, and the SNS shape
    /// `{"Type": "String.Array", "Value": "[\"a\"]"}` is accepted too (Binary attributes are
    /// ignored). Differences from EventBridge: no `wildcard`; numeric operands within ±1e9
    /// with at most 5 decimals; at most 5 keys and 150 combinations; and `anything-but` on a
    /// String.Array matches only when *no* element is excluded ("string-value-matching").
    SnsAttributes,
    /// SNS filter policy with `FilterPolicyScope = MessageBody`: a nested policy over the JSON
    /// message body, with the SNS limits (5 keys, 150 combinations, numeric range and
    /// decimals, no `wildcard`) and otherwise EventBridge matching.
    ///
    /// SNS limits as implemented ("subscription-filter-policy-constraints", "and-or-logic"):
    /// keys = distinct leaf paths across the whole policy, `$or` branches included (parent
    /// object keys are not counted); combinations = product of leaf array sizes, summed over
    /// the alternatives the `$or`s expand to. A malformed `$or` is an ordinary key in SNS.
    SnsBody,
}

/// A compiled event pattern (or SNS filter policy).
#[derive(Debug, Clone)]
pub struct Pattern {
    dialect: Dialect,
    compiled: compile::Compiled,
}

/// Why an event did not match: the first failing field and a human sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Dotted event path of the failing field, e.g. `detail.status`.
    pub path: String,
    /// e.g. `value "shipped" is not one of ["new", "paid"]`, `field is missing`.
    pub reason: String,
}

impl Pattern {
    /// Compiles an EventBridge event pattern.
    pub fn compile(pattern: &Value) -> Result<Pattern, PatternError> {
        Pattern::compile_dialect(pattern, Dialect::EventBridge)
    }

    /// Compiles a pattern or filter policy in the given dialect.
    pub fn compile_dialect(pattern: &Value, dialect: Dialect) -> Result<Pattern, PatternError> {
        Ok(Pattern {
            dialect,
            compiled: compile::compile(pattern, dialect)?,
        })
    }

    /// Parses JSON text and compiles it as an EventBridge pattern. Bad JSON (including
    /// nesting beyond serde_json's limit of 128) is a [`PatternError`] at the root.
    pub fn parse_str(text: &str) -> Result<Pattern, PatternError> {
        Pattern::parse_str_dialect(text, Dialect::EventBridge)
    }

    /// Parses JSON text and compiles it in the given dialect.
    pub fn parse_str_dialect(text: &str, dialect: Dialect) -> Result<Pattern, PatternError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PatternError::new("", format!("invalid JSON: {e}")))?;
        Pattern::compile_dialect(&value, dialect)
    }

    /// The dialect this pattern was compiled for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn cx(&self) -> matcher::Cx {
        matcher::Cx {
            sns_attributes: self.dialect == Dialect::SnsAttributes,
        }
    }

    /// Whether `event` matches. For [`Dialect::SnsAttributes`] pass the message attributes
    /// object; otherwise the event / message body.
    pub fn matches(&self, event: &Value) -> bool {
        matcher::matches(&self.compiled.alternatives, event, self.cx())
    }

    /// Why an event did not match: `None` when it matches; otherwise the first failing field
    /// path (e.g. `detail.status`) and a human sentence. With `$or`, the alternative that got
    /// furthest is reported.
    pub fn explain(&self, event: &Value) -> Option<Mismatch> {
        matcher::explain(&self.compiled.alternatives, event, self.cx())
    }

    /// Short one-line summary for edge labels, e.g. `source=com.shop, detail-type=New Order`,
    /// cut with `…` beyond [`SUMMARY_MAX_CHARS`] characters.
    pub fn summary(&self) -> String {
        self.compiled.summary.clone()
    }

    /// Number of AND alternatives after `$or` expansion (1 without `$or`).
    pub fn alternatives(&self) -> usize {
        self.compiled.alternatives.len()
    }
}
