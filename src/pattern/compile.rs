//! Compilation: pattern JSON → validated syntax tree → alternatives (`$or` multiplied out).
//!
//! Validation follows event-ruler's `JsonRuleCompiler` (which EventBridge runs) and the
//! EventBridge docs "eb-create-pattern-operators" / "eb-event-patterns-content-based-filtering";
//! SNS differences follow "sns-subscription-filter-policies", "subscription-filter-policy-constraints",
//! "and-or-logic", "string-value-matching" and "numeric-value-matching" and are marked `SNS:`.
//!
//! Nothing here recurses more than [`MAX_PATTERN_DEPTH`] levels, whatever the input.

use super::Dialect;
use super::error::PatternError;
use super::node::{AnythingBut, ElementDesc, ElementKind, Leaf, ObjNode, ValueOp};
use super::ops::{Cidr, NumRange, Wildcard, decimal_places, fmt_f64, fold_str, parse_ip};
use serde_json::{Map, Number, Value};
use std::sync::Arc;

/// Deepest object nesting accepted in a pattern (counting `$or` levels).
pub const MAX_PATTERN_DEPTH: usize = 128;
/// Most alternatives a pattern may expand to once its `$or`s are multiplied out.
pub const MAX_ALTERNATIVES: usize = 1024;
/// Size budget (field nodes summed over all alternatives) for `$or` expansion.
const MAX_EXPANDED_FIELDS: usize = 100_000;
/// EventBridge numeric operands must lie in ±5.0e9 (eb-create-pattern-operators).
pub const EVENTBRIDGE_NUMERIC_LIMIT: f64 = 5.0e9;
/// SNS numeric operands must lie in ±1e9 (subscription-filter-policy-constraints).
pub const SNS_NUMERIC_LIMIT: f64 = 1.0e9;
/// SNS numeric operands have at most five digits after the decimal point.
pub const SNS_MAX_DECIMALS: usize = 5;
/// SNS filter policies have at most five keys.
pub const SNS_MAX_KEYS: usize = 5;
/// SNS filter policies have at most 150 value combinations.
pub const SNS_MAX_COMBINATIONS: u64 = 150;

/// Operator names understood inside a leaf array.
const OPERATORS: &[&str] = &[
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
];

/// Field names event-ruler refuses inside `$or` sub-patterns (its reserved keywords): every operator name, plus
/// these.
const RESERVED_IN_OR_EXTRA: &[&str] = &["exactly", "=", "<", "<=", ">", ">="];

fn reserved_in_or(key: &str) -> bool {
    OPERATORS.contains(&key) || RESERVED_IN_OR_EXTRA.contains(&key)
}

/// A compiled pattern, ready for matching.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) alternatives: Vec<ObjNode>,
    pub(crate) summary: String,
}

/// Compiles `pattern` for `dialect`.
pub(crate) fn compile(pattern: &Value, dialect: Dialect) -> Result<Compiled, PatternError> {
    let Some(root) = pattern.as_object() else {
        return Err(PatternError::new(
            "",
            format!(
                "{} must be a JSON object, found {}",
                with_article(noun(dialect)),
                describe(pattern)
            ),
        ));
    };
    if root.is_empty() {
        return Err(PatternError::new(
            "",
            format!(
                "the {} is empty ({{}}); it must name at least one field (EventBridge rejects empty patterns)",
                noun(dialect)
            ),
        ));
    }
    let mut compiler = Compiler {
        dialect,
        pattern_path: Vec::new(),
        event_path: Vec::new(),
    };
    let ast = compiler.object(root, 1, false)?;

    let mut summary_parts = Vec::new();
    summarize(&ast, &mut summary_parts);
    let summary = truncate(&summary_parts.join(", "), SUMMARY_MAX_CHARS);

    let mut budget = MAX_EXPANDED_FIELDS;
    let alternatives = expand(&ast, &mut budget).map_err(|m| PatternError::new("", m))?;

    if dialect != Dialect::EventBridge {
        check_sns_limits(&ast, &alternatives)?;
    }
    Ok(Compiled {
        alternatives,
        summary,
    })
}

/// `an event pattern`, `a filter policy`.
fn with_article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

fn noun(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::EventBridge => "event pattern",
        Dialect::SnsAttributes | Dialect::SnsBody => "filter policy",
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------------------------

/// One object level of the pattern as written (with `$or` still in place).
#[derive(Debug)]
struct AstObj {
    items: Vec<AstItem>,
}

#[derive(Debug)]
enum AstItem {
    Leaf {
        key: Box<str>,
        leaf: Arc<Leaf>,
    },
    Nested {
        key: Box<str>,
        path: Box<str>,
        obj: AstObj,
    },
    Or(Vec<AstObj>),
}

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn render(segments: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

struct Compiler<'a> {
    dialect: Dialect,
    /// Where we are inside the pattern JSON (for errors).
    pattern_path: Vec<Seg<'a>>,
    /// Which event fields we are under (for match messages); `$or` is transparent.
    event_path: Vec<&'a str>,
}

impl<'a> Compiler<'a> {
    fn err(&self, message: impl Into<String>) -> PatternError {
        PatternError::new(render(&self.pattern_path), message)
    }

    fn err_at(&mut self, segment: Seg<'a>, message: impl Into<String>) -> PatternError {
        self.pattern_path.push(segment);
        let e = self.err(message);
        self.pattern_path.pop();
        e
    }

    fn object(
        &mut self,
        map: &'a Map<String, Value>,
        depth: usize,
        in_or: bool,
    ) -> Result<AstObj, PatternError> {
        if depth > MAX_PATTERN_DEPTH {
            return Err(self.err(format!(
                "the {} is nested more than {MAX_PATTERN_DEPTH} levels deep",
                noun(self.dialect)
            )));
        }
        if map.is_empty() {
            return Err(self.err(
                "empty objects are not allowed: name at least one field, or remove the object",
            ));
        }
        let mut items = Vec::with_capacity(map.len());
        for (key, value) in map {
            self.pattern_path.push(Seg::Key(key));
            let item = self.item(key, value, depth, in_or);
            self.pattern_path.pop();
            items.push(item?);
        }
        Ok(AstObj { items })
    }

    fn item(
        &mut self,
        key: &'a str,
        value: &'a Value,
        depth: usize,
        in_or: bool,
    ) -> Result<AstItem, PatternError> {
        if key == "$or" && self.is_or(value) {
            return self.or(value, depth);
        }
        if in_or && reserved_in_or(key) {
            return Err(self.err(format!(
                "\"{key}\" is an operator name and cannot be used as a field name inside $or (operators go inside a value array, like \"field\": [{{\"{key}\": ...}}])"
            )));
        }
        match value {
            Value::Array(elements) => {
                self.event_path.push(key);
                let leaf = self.leaf(elements);
                self.event_path.pop();
                Ok(AstItem::Leaf {
                    key: key.into(),
                    leaf: Arc::new(leaf?),
                })
            }
            Value::Object(map) => {
                if self.dialect == Dialect::SnsAttributes {
                    // SNS: "Amazon SNS doesn't accept a nested filter policy for attribute-based
                    // filtering" (subscription-filter-policy-constraints).
                    return Err(self.err(
                        "attribute filter policies must be flat: message attributes have no nested fields (use the MessageBody scope for nested policies)",
                    ));
                }
                self.event_path.push(key);
                let obj = self.object(map, depth + 1, in_or);
                let path = self.event_path.join(".");
                self.event_path.pop();
                Ok(AstItem::Nested {
                    key: key.into(),
                    path: path.into(),
                    obj: obj?,
                })
            }
            other => Err(self.err(format!(
                "expected an array of values (like [\"a\", \"b\"]) or a nested object, found {}",
                describe(other)
            ))),
        }
    }

    /// Whether a `"$or"` key is the OR operator here.
    ///
    /// EventBridge (event-ruler's `JsonRuleCompiler`): always; malformed `$or` is an error.
    /// SNS: "and-or-logic" says `$or` is only the operator when it is followed by an array
    /// of at least two objects with no reserved keywords; otherwise it is an ordinary
    /// attribute name. We treat an array made only of objects as the operator (so a single
    /// object gets the clear "at least two" error instead of an odd operator error).
    fn is_or(&self, value: &Value) -> bool {
        match self.dialect {
            Dialect::EventBridge => true,
            Dialect::SnsAttributes | Dialect::SnsBody => match value {
                Value::Array(items) => {
                    !items.is_empty()
                        && items.iter().all(|item| match item {
                            Value::Object(map) => map.keys().all(|k| !reserved_in_or(k)),
                            _ => false,
                        })
                }
                _ => false,
            },
        }
    }

    fn or(&mut self, value: &'a Value, depth: usize) -> Result<AstItem, PatternError> {
        let Value::Array(items) = value else {
            return Err(self.err(format!(
                "$or must be an array of at least two objects, found {}",
                describe(value)
            )));
        };
        if items.len() < 2 {
            return Err(self.err(format!(
                "$or must contain at least two sub-patterns, found {}",
                items.len()
            )));
        }
        let mut branches = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.pattern_path.push(Seg::Index(i));
            let branch = match item {
                Value::Object(map) => self.object(map, depth + 1, true),
                other => Err(self.err(format!(
                    "each element of $or must be an object (a sub-pattern), found {}",
                    describe(other)
                ))),
            };
            self.pattern_path.pop();
            branches.push(branch?);
        }
        Ok(AstItem::Or(branches))
    }

    // -----------------------------------------------------------------------------------------
    // Leaves
    // -----------------------------------------------------------------------------------------

    fn leaf(&mut self, elements: &'a [Value]) -> Result<Leaf, PatternError> {
        if elements.is_empty() {
            return Err(self.err(
                "empty arrays are not allowed: list at least one value or operator (an empty list would never match)",
            ));
        }
        let mut leaf = Leaf {
            path: self.event_path.join(".").into(),
            element_count: elements.len(),
            ..Leaf::default()
        };
        for (i, element) in elements.iter().enumerate() {
            self.pattern_path.push(Seg::Index(i));
            let result = self.element(element, &mut leaf);
            self.pattern_path.pop();
            result?;
        }
        leaf.exact_strings.sort();
        leaf.exact_strings.dedup();
        Ok(leaf)
    }

    fn element(&mut self, element: &'a Value, leaf: &mut Leaf) -> Result<(), PatternError> {
        match element {
            Value::String(s) => {
                if let Some(ip) = parse_ip(s) {
                    leaf.exact_ips.push(ip);
                }
                leaf.exact_strings.push(s.as_str().into());
                push_desc(leaf, ElementKind::Exact, quote(s), s.clone());
            }
            Value::Number(n) => {
                leaf.exact_numbers.push(n.clone());
                push_desc(leaf, ElementKind::Exact, n.to_string(), n.to_string());
            }
            Value::Bool(b) => {
                if *b {
                    leaf.exact_true = true;
                } else {
                    leaf.exact_false = true;
                }
                push_desc(leaf, ElementKind::Exact, b.to_string(), b.to_string());
            }
            Value::Null => {
                leaf.exact_null = true;
                push_desc(leaf, ElementKind::Exact, "null".into(), "null".into());
            }
            Value::Object(map) => self.operator(map, leaf)?,
            Value::Array(_) => {
                return Err(self.err(
                    "a value in a pattern array must be a string, number, true, false, null or an operator object; nested arrays are not allowed",
                ));
            }
        }
        Ok(())
    }

    fn operator(
        &mut self,
        map: &'a Map<String, Value>,
        leaf: &mut Leaf,
    ) -> Result<(), PatternError> {
        let mut entries = map.iter();
        let (name, operand) = match (entries.next(), entries.next()) {
            (Some(entry), None) => entry,
            (None, _) => {
                return Err(self.err(format!(
                    "empty operator object {{}}; expected one of: {}",
                    OPERATORS.join(", ")
                )));
            }
            (Some(_), Some(_)) => {
                let names: Vec<&str> = map.keys().map(String::as_str).collect();
                return Err(self.err(format!(
                    "an operator object must have exactly one key, found {}: {} (put each operator in its own object)",
                    map.len(),
                    names.join(", ")
                )));
            }
        };
        self.pattern_path.push(Seg::Key(name));
        let result = self.operator_body(name, operand, leaf);
        self.pattern_path.pop();
        result
    }

    fn operator_body(
        &mut self,
        name: &'a str,
        operand: &'a Value,
        leaf: &mut Leaf,
    ) -> Result<(), PatternError> {
        match name {
            "prefix" | "suffix" => {
                let is_prefix = name == "prefix";
                match operand {
                    Value::String(s) => {
                        leaf.ops.push(if is_prefix {
                            ValueOp::Prefix(s.as_str().into())
                        } else {
                            ValueOp::Suffix(s.as_str().into())
                        });
                        push_desc(
                            leaf,
                            ElementKind::StringOp,
                            format!("{name} {}", quote(s)),
                            format!("{name}:{s}"),
                        );
                    }
                    Value::Object(inner) => {
                        let s = self.ignore_case_only(inner, name)?;
                        let folded = fold_str(s);
                        leaf.ops.push(if is_prefix {
                            ValueOp::PrefixIgnoreCase(folded)
                        } else {
                            ValueOp::SuffixIgnoreCase(folded)
                        });
                        push_desc(
                            leaf,
                            ElementKind::StringOp,
                            format!("{name} {} (ignoring case)", quote(s)),
                            format!("{name}~:{s}"),
                        );
                    }
                    other => {
                        return Err(self.err(format!(
                            "{name} expects a string or {{\"equals-ignore-case\": string}}, found {}",
                            describe(other)
                        )));
                    }
                }
            }
            "equals-ignore-case" => {
                let Value::String(s) = operand else {
                    return Err(self.err(format!(
                        "equals-ignore-case expects a string, found {}",
                        describe(operand)
                    )));
                };
                leaf.ops.push(ValueOp::EqualsIgnoreCase(fold_str(s)));
                push_desc(
                    leaf,
                    ElementKind::StringOp,
                    format!("equals-ignore-case {}", quote(s)),
                    format!("~{s}"),
                );
            }
            "wildcard" => {
                self.reject_wildcard_in_sns()?;
                let Value::String(s) = operand else {
                    return Err(self.err(format!(
                        "wildcard expects a string, found {}",
                        describe(operand)
                    )));
                };
                let w = Wildcard::parse(s)
                    .map_err(|m| self.err(format!("invalid wildcard {}: {m}", quote(s))))?;
                leaf.ops.push(ValueOp::Wildcard(w));
                push_desc(
                    leaf,
                    ElementKind::StringOp,
                    format!("wildcard {}", quote(s)),
                    format!("wildcard:{s}"),
                );
            }
            "cidr" => {
                let Value::String(s) = operand else {
                    return Err(self.err(format!(
                        "cidr expects a string like \"10.0.0.0/24\", found {}",
                        describe(operand)
                    )));
                };
                let c = Cidr::parse(s).map_err(|m| self.err(m))?;
                leaf.ops.push(ValueOp::Cidr(c));
                push_desc(
                    leaf,
                    ElementKind::Cidr,
                    format!("cidr {}", quote(s)),
                    format!("cidr:{s}"),
                );
            }
            "exists" => match operand {
                Value::Bool(true) => {
                    leaf.exists_true = true;
                    push_desc(
                        leaf,
                        ElementKind::ExistsTrue,
                        "exists: true".into(),
                        "exists".into(),
                    );
                }
                Value::Bool(false) => {
                    leaf.exists_false = true;
                    push_desc(
                        leaf,
                        ElementKind::ExistsFalse,
                        "exists: false".into(),
                        "!exists".into(),
                    );
                }
                other => {
                    return Err(self.err(format!(
                        "exists expects true or false, found {}",
                        describe(other)
                    )));
                }
            },
            "numeric" => {
                let range = self.numeric(operand)?;
                leaf.ops.push(ValueOp::Numeric(range));
                push_desc(
                    leaf,
                    ElementKind::Numeric,
                    format!("numeric {}", range.describe()),
                    range.compact(),
                );
            }
            "anything-but" => {
                let (ab, verbose, compact) = self.anything_but(operand)?;
                leaf.anything_but.push(ab);
                push_desc(leaf, ElementKind::AnythingBut, verbose, compact);
            }
            other => {
                return Err(self.err(format!(
                    "unknown operator \"{other}\"; expected one of: {}",
                    OPERATORS.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// SNS: wildcard is not among the SNS filter operators ("sns-subscription-filter-policies").
    fn reject_wildcard_in_sns(&self) -> Result<(), PatternError> {
        if self.dialect == Dialect::EventBridge {
            Ok(())
        } else {
            Err(self.err(
                "wildcard is not supported in SNS filter policies (EventBridge patterns only)",
            ))
        }
    }

    /// `{"equals-ignore-case": "x"}` inside prefix / suffix.
    fn ignore_case_only(
        &mut self,
        inner: &'a Map<String, Value>,
        outer: &str,
    ) -> Result<&'a str, PatternError> {
        let mut entries = inner.iter();
        match (entries.next(), entries.next()) {
            (Some((k, Value::String(s))), None) if k == "equals-ignore-case" => Ok(s),
            (Some((k, other)), None) if k == "equals-ignore-case" => Err(self.err_at(
                Seg::Key(k),
                format!("equals-ignore-case expects a string, found {}", describe(other)),
            )),
            _ => Err(self.err(format!(
                "{outer} expects a string or {{\"equals-ignore-case\": string}}, found an object with keys [{}]",
                inner.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    fn number_operand(
        &mut self,
        value: Option<&'a Value>,
        index: usize,
        after: &str,
    ) -> Result<f64, PatternError> {
        let Some(value) = value else {
            return Err(self.err(format!("numeric: a number must follow \"{after}\"")));
        };
        let Value::Number(n) = value else {
            return Err(self.err_at(
                Seg::Index(index),
                format!(
                    "numeric: the value after \"{after}\" must be a JSON number, found {}",
                    describe(value)
                ),
            ));
        };
        let Some(x) = n.as_f64() else {
            return Err(self.err_at(Seg::Index(index), "numeric: number out of range"));
        };
        let limit = self.numeric_limit();
        if x.abs() > limit {
            return Err(self.err_at(
                Seg::Index(index),
                format!(
                    "numeric: {n} is outside the supported range -{} to {}",
                    fmt_f64(limit),
                    fmt_f64(limit)
                ),
            ));
        }
        if self.dialect != Dialect::EventBridge && decimal_places(n) > SNS_MAX_DECIMALS {
            // SNS: "five digits of accuracy after the decimal point" (subscription-filter-policy-constraints).
            return Err(self.err_at(
                Seg::Index(index),
                format!("numeric: {n} has more than {SNS_MAX_DECIMALS} digits after the decimal point (SNS limit)"),
            ));
        }
        Ok(x)
    }

    fn numeric_limit(&self) -> f64 {
        match self.dialect {
            Dialect::EventBridge => EVENTBRIDGE_NUMERIC_LIMIT,
            Dialect::SnsAttributes | Dialect::SnsBody => SNS_NUMERIC_LIMIT,
        }
    }

    fn operator_string(
        &mut self,
        value: Option<&'a Value>,
        index: usize,
    ) -> Result<&'a str, PatternError> {
        match value {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(self.err_at(
                Seg::Index(index),
                format!(
                    "numeric: expected a comparison operator (=, <, <=, >, >=), found {}",
                    describe(other)
                ),
            )),
            None => Err(self.err("numeric: missing comparison operator")),
        }
    }

    fn numeric(&mut self, operand: &'a Value) -> Result<NumRange, PatternError> {
        let Value::Array(terms) = operand else {
            return Err(self.err(format!(
                "numeric expects an array like [\">\", 0, \"<=\", 5], found {}",
                describe(operand)
            )));
        };
        if terms.is_empty() {
            return Err(self
                .err("numeric expects an array like [\">\", 0, \"<=\", 5], found an empty array"));
        }
        let limit = self.numeric_limit();
        let mut range = NumRange {
            low: f64::NEG_INFINITY,
            low_inclusive: false,
            high: f64::INFINITY,
            high_inclusive: false,
            limit,
        };
        let first = self.operator_string(terms.first(), 0)?;
        let x = self.number_operand(terms.get(1), 1, first)?;
        let expected_len = match first {
            "=" => {
                range.low = x;
                range.low_inclusive = true;
                range.high = x;
                range.high_inclusive = true;
                2
            }
            "<" | "<=" => {
                range.high = x;
                range.high_inclusive = first == "<=";
                2
            }
            ">" | ">=" => {
                range.low = x;
                range.low_inclusive = first == ">=";
                if terms.len() > 2 {
                    let second = self.operator_string(terms.get(2), 2)?;
                    if second != "<" && second != "<=" {
                        return Err(self.err_at(
                            Seg::Index(2),
                            format!(
                                "numeric: the second comparison of a range must be < or <=, found \"{second}\""
                            ),
                        ));
                    }
                    let y = self.number_operand(terms.get(3), 3, second)?;
                    if y <= x {
                        return Err(self.err(format!(
                            "numeric: the lower bound ({}) must be less than the upper bound ({})",
                            fmt_f64(x),
                            fmt_f64(y)
                        )));
                    }
                    range.high = y;
                    range.high_inclusive = second == "<=";
                    4
                } else {
                    2
                }
            }
            other => {
                return Err(self.err_at(
                    Seg::Index(0),
                    format!(
                        "numeric: unknown comparison operator \"{other}\"; expected =, <, <=, >, >="
                    ),
                ));
            }
        };
        if terms.len() != expected_len {
            let hint = if first.starts_with('<') {
                " (for a two-sided range write the lower bound first: [\">\", 0, \"<\", 10])"
            } else {
                ""
            };
            return Err(self.err(format!(
                "numeric: too many terms: expected {expected_len}, found {}{hint}",
                terms.len()
            )));
        }
        Ok(range)
    }

    fn anything_but(
        &mut self,
        operand: &'a Value,
    ) -> Result<(AnythingBut, String, String), PatternError> {
        match operand {
            Value::String(s) => Ok((
                AnythingBut::Strings(vec![s.as_str().into()]),
                format!("anything-but {}", quote(s)),
                format!("!{s}"),
            )),
            Value::Number(n) => Ok((
                AnythingBut::Numbers(vec![n.clone()]),
                format!("anything-but {n}"),
                format!("!{n}"),
            )),
            Value::Array(items) => self.anything_but_list(items),
            Value::Object(map) => self.anything_but_object(map),
            other => Err(self.err(format!(
                "anything-but expects a string, a number, a list of strings or numbers, or an object with prefix, suffix, equals-ignore-case or wildcard; found {}",
                describe(other)
            ))),
        }
    }

    fn anything_but_list(
        &mut self,
        items: &'a [Value],
    ) -> Result<(AnythingBut, String, String), PatternError> {
        if items.is_empty() {
            return Err(self.err("anything-but: the list must not be empty"));
        }
        let mut strings: Vec<Box<str>> = Vec::new();
        let mut numbers: Vec<Number> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => strings.push(s.as_str().into()),
                Value::Number(n) => numbers.push(n.clone()),
                other => {
                    return Err(self.err_at(
                        Seg::Index(i),
                        format!(
                            "anything-but lists may only hold strings or numbers, found {}",
                            describe(other)
                        ),
                    ));
                }
            }
        }
        if !strings.is_empty() && !numbers.is_empty() {
            return Err(
                self.err("anything-but lists must be all strings or all numbers, not a mix")
            );
        }
        if numbers.is_empty() {
            let verbose = format!("anything-but {}", list(strings.iter().map(|s| quote(s))));
            let compact = format!("!({})", strings.join("|"));
            Ok((AnythingBut::Strings(strings), verbose, compact))
        } else {
            let texts: Vec<String> = numbers.iter().map(Number::to_string).collect();
            let verbose = format!("anything-but {}", list(texts.iter().cloned()));
            let compact = format!("!({})", texts.join("|"));
            Ok((AnythingBut::Numbers(numbers), verbose, compact))
        }
    }

    fn anything_but_object(
        &mut self,
        map: &'a Map<String, Value>,
    ) -> Result<(AnythingBut, String, String), PatternError> {
        let mut entries = map.iter();
        let (name, operand) = match (entries.next(), entries.next()) {
            (Some(entry), None) => entry,
            _ => {
                return Err(self.err(format!(
                    "anything-but takes an object with exactly one of prefix, suffix, equals-ignore-case, wildcard; found {} keys",
                    map.len()
                )));
            }
        };
        self.pattern_path.push(Seg::Key(name));
        let result = self.anything_but_op(name, operand);
        self.pattern_path.pop();
        result
    }

    fn anything_but_op(
        &mut self,
        name: &'a str,
        operand: &'a Value,
    ) -> Result<(AnythingBut, String, String), PatternError> {
        match name {
            "prefix" | "suffix" | "equals-ignore-case" | "wildcard" => {}
            other => {
                return Err(self.err(format!(
                    "anything-but does not support \"{other}\"; it takes a string, a number, a list, or one of prefix, suffix, equals-ignore-case, wildcard"
                )));
            }
        }
        if name == "wildcard" {
            self.reject_wildcard_in_sns()?;
        }
        let texts: Vec<&'a str> = match operand {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(
                        self.err(format!("anything-but {name}: the list must not be empty"))
                    );
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.as_str()),
                        other => {
                            return Err(self.err_at(
                                Seg::Index(i),
                                format!(
                                    "anything-but {name} expects strings, found {}",
                                    describe(other)
                                ),
                            ));
                        }
                    }
                }
                out
            }
            other => {
                return Err(self.err(format!(
                    "anything-but {name} expects a string or a list of strings, found {}",
                    describe(other)
                )));
            }
        };
        if (name == "prefix" || name == "suffix") && texts.iter().any(|t| t.is_empty()) {
            return Err(self.err(format!(
                "anything-but {name}: an empty {name} is not allowed (it would exclude every string)"
            )));
        }
        let verbose = format!(
            "anything-but {name} {}",
            if texts.len() == 1 {
                texts.first().map(|t| quote(t)).unwrap_or_default()
            } else {
                list(texts.iter().map(|t| quote(t)))
            }
        );
        let compact = format!("!{name}:{}", texts.join("|"));
        let ab = match name {
            "prefix" => AnythingBut::Prefixes(texts.iter().map(|t| (*t).into()).collect()),
            "suffix" => AnythingBut::Suffixes(texts.iter().map(|t| (*t).into()).collect()),
            "equals-ignore-case" => {
                AnythingBut::IgnoreCase(texts.iter().map(|t| fold_str(t)).collect())
            }
            _ => {
                let mut wildcards = Vec::with_capacity(texts.len());
                for t in &texts {
                    wildcards
                        .push(Wildcard::parse(t).map_err(|m| {
                            self.err(format!("invalid wildcard {}: {m}", quote(t)))
                        })?);
                }
                AnythingBut::Wildcards(wildcards)
            }
        };
        Ok((ab, verbose, compact))
    }
}

fn push_desc(leaf: &mut Leaf, kind: ElementKind, verbose: String, compact: String) {
    leaf.elements.push(ElementDesc {
        kind,
        verbose,
        compact,
    });
}

// ---------------------------------------------------------------------------------------------
// $or expansion
// ---------------------------------------------------------------------------------------------

/// Multiplies the `$or`s out into a list of plain AND alternatives, merging fields that end
/// up under the same key (so array consistency holds across `$or` branches, as in event-ruler).
fn expand(obj: &AstObj, budget: &mut usize) -> Result<Vec<ObjNode>, String> {
    let mut alternatives = vec![ObjNode::default()];
    for item in &obj.items {
        match item {
            AstItem::Leaf { key, leaf } => {
                for alternative in &mut alternatives {
                    alternative.add_leaf(key, &leaf.path, Arc::clone(leaf));
                }
            }
            AstItem::Nested { key, path, obj } => {
                let options = expand(obj, budget)?;
                alternatives = cross(alternatives, &options, budget, |alt, option| {
                    alt.add_nested(key, path, option)
                })?;
            }
            AstItem::Or(branches) => {
                let mut options = Vec::new();
                for branch in branches {
                    options.extend(expand(branch, budget)?);
                    if options.len() > MAX_ALTERNATIVES {
                        return Err(too_many());
                    }
                }
                alternatives = cross(alternatives, &options, budget, ObjNode::merge)?;
            }
        }
    }
    Ok(alternatives)
}

fn too_many() -> String {
    format!(
        "the pattern's $or combinations expand to more than {MAX_ALTERNATIVES} alternatives; simplify the $or nesting"
    )
}

fn cross(
    alternatives: Vec<ObjNode>,
    options: &[ObjNode],
    budget: &mut usize,
    combine: impl Fn(&mut ObjNode, ObjNode),
) -> Result<Vec<ObjNode>, String> {
    if alternatives.len().saturating_mul(options.len()) > MAX_ALTERNATIVES {
        return Err(too_many());
    }
    let mut out = Vec::with_capacity(alternatives.len() * options.len());
    for alternative in &alternatives {
        for option in options {
            let mut combined = alternative.clone();
            combine(&mut combined, option.clone());
            let size = combined.size();
            if size > *budget {
                return Err(format!(
                    "the pattern is too large once its $or alternatives are expanded (more than {MAX_EXPANDED_FIELDS} fields)"
                ));
            }
            *budget -= size;
            out.push(combined);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// SNS limits
// ---------------------------------------------------------------------------------------------

/// SNS: at most 5 keys and at most 150 combinations ("subscription-filter-policy-constraints").
///
/// Keys: every distinct leaf path (a field whose value is a value array) counts once, across
/// the whole policy including every `$or` branch; object-valued (parent) keys are not counted,
/// as that page's worked examples show.
/// Combinations: the product of the leaf array sizes of each alternative, summed over the
/// alternatives the `$or`s expand to (a policy without `$or` is just the product).
fn check_sns_limits(ast: &AstObj, alternatives: &[ObjNode]) -> Result<(), PatternError> {
    let mut keys: Vec<&str> = Vec::new();
    collect_leaf_paths(ast, &mut keys);
    keys.sort_unstable();
    keys.dedup();
    if keys.len() > SNS_MAX_KEYS {
        return Err(PatternError::new(
            "",
            format!(
                "the filter policy uses {} keys ({}); SNS allows at most {SNS_MAX_KEYS}",
                keys.len(),
                keys.join(", ")
            ),
        ));
    }
    let total = alternatives
        .iter()
        .fold(0u64, |acc, alt| acc.saturating_add(alt.combinations()));
    if total > SNS_MAX_COMBINATIONS {
        return Err(PatternError::new(
            "",
            format!(
                "the filter policy has {total} value combinations; SNS allows at most {SNS_MAX_COMBINATIONS} (multiply the sizes of the value arrays; $or alternatives add up)"
            ),
        ));
    }
    Ok(())
}

fn collect_leaf_paths<'t>(obj: &'t AstObj, out: &mut Vec<&'t str>) {
    for item in &obj.items {
        match item {
            AstItem::Leaf { leaf, .. } => out.push(&leaf.path),
            AstItem::Nested { obj, .. } => collect_leaf_paths(obj, out),
            AstItem::Or(branches) => branches.iter().for_each(|b| collect_leaf_paths(b, out)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Summary and text helpers
// ---------------------------------------------------------------------------------------------

/// Longest summary, in characters, before it is cut with `…`.
pub const SUMMARY_MAX_CHARS: usize = 80;

fn summarize(obj: &AstObj, out: &mut Vec<String>) {
    for item in &obj.items {
        match item {
            AstItem::Leaf { leaf, .. } => out.push(summarize_leaf(leaf)),
            AstItem::Nested { obj, .. } => summarize(obj, out),
            AstItem::Or(branches) => {
                let parts: Vec<String> = branches
                    .iter()
                    .map(|b| {
                        let mut inner = Vec::new();
                        summarize(b, &mut inner);
                        inner.join(", ")
                    })
                    .collect();
                out.push(format!("({})", parts.join(" | ")));
            }
        }
    }
}

fn summarize_leaf(leaf: &Leaf) -> String {
    if let [only] = leaf.elements.as_slice() {
        match only.kind {
            ElementKind::Numeric => return format!("{}{}", leaf.path, only.compact),
            ElementKind::ExistsTrue | ElementKind::ExistsFalse => {
                return format!("{} {}", leaf.path, only.compact);
            }
            _ => {}
        }
    }
    let values: Vec<&str> = leaf.elements.iter().map(|e| e.compact.as_str()).collect();
    format!("{}={}", leaf.path, values.join("|"))
}

/// Cuts `text` to at most `max` characters, ending with `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// JSON-quotes a string (shortened when very long) for messages.
pub(crate) fn quote(s: &str) -> String {
    let shown = truncate(s, 60);
    serde_json::to_string(&shown).unwrap_or(shown)
}

/// `["a", "b", …]` with at most eight items shown.
pub(crate) fn list(items: impl Iterator<Item = String>) -> String {
    let mut shown: Vec<String> = Vec::new();
    let mut extra = 0usize;
    for item in items {
        if shown.len() < 8 {
            shown.push(item);
        } else {
            extra += 1;
        }
    }
    if extra > 0 {
        shown.push(format!("… {extra} more"));
    }
    format!("[{}]", shown.join(", "))
}

/// Short description of a JSON value's kind (and value, when scalar) for messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(a) if a.is_empty() => "an empty array".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(o) if o.is_empty() => "an empty object".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}
