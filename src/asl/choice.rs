//! Choice rules: comparisons (`StringEquals`, `NumericLessThanPath`, ...), type tests (`IsNull`, ...),
//! `StringMatches` with `*` wildcards and the `And`/`Or`/`Not` combinators.
//!
//! Semantics:
//! - a comparison whose operand types do not match the operator (e.g. `NumericEquals` on a string) is false;
//! - a `Variable` (or a `...Path` operand) that selects nothing is a `States.Runtime` error, except for the
//!   type tests: `IsPresent` is then false, and the other `Is*` tests are false too (approximation);
//! - strings compare by Unicode code point; timestamps are RFC 3339 and compare as instants; numbers compare as
//!   exact integers when both are integers, otherwise as `f64`.

use super::Failure;
use super::path::Path;
use serde_json::Value;
use std::cmp::Ordering;

/// Maximum nesting of And/Or/Not.
const MAX_RULE_DEPTH: usize = 32;

/// A comparison operator family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// String comparison.
    String,
    /// Numeric comparison.
    Numeric,
    /// Boolean equality.
    Boolean,
    /// Timestamp comparison.
    Timestamp,
}

/// A relation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rel {
    /// `...Equals`.
    Eq,
    /// `...LessThan`.
    Lt,
    /// `...GreaterThan`.
    Gt,
    /// `...LessThanEquals`.
    Le,
    /// `...GreaterThanEquals`.
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A literal.
    Lit(Value),
    /// A `...Path` operand.
    Path(Path),
}

/// A type test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Test {
    /// `IsNull`.
    Null,
    /// `IsPresent`.
    Present,
    /// `IsNumeric`.
    Numeric,
    /// `IsString`.
    String,
    /// `IsBoolean`.
    Boolean,
    /// `IsTimestamp`.
    Timestamp,
}

/// A Choice rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// All must hold.
    And(Vec<Rule>),
    /// One must hold.
    Or(Vec<Rule>),
    /// Negation.
    Not(Box<Rule>),
    /// `Variable` compared with an operand.
    Cmp {
        var: Path,
        kind: Kind,
        rel: Rel,
        operand: Operand,
    },
    /// `StringMatches` pattern.
    Matches { var: Path, pattern: String },
    /// `IsX: bool`.
    Is {
        var: Path,
        test: Test,
        expected: bool,
    },
}

const CMP_OPS: &[(&str, Kind, Rel)] = &[
    ("StringEquals", Kind::String, Rel::Eq),
    ("StringLessThan", Kind::String, Rel::Lt),
    ("StringGreaterThan", Kind::String, Rel::Gt),
    ("StringLessThanEquals", Kind::String, Rel::Le),
    ("StringGreaterThanEquals", Kind::String, Rel::Ge),
    ("NumericEquals", Kind::Numeric, Rel::Eq),
    ("NumericLessThan", Kind::Numeric, Rel::Lt),
    ("NumericGreaterThan", Kind::Numeric, Rel::Gt),
    ("NumericLessThanEquals", Kind::Numeric, Rel::Le),
    ("NumericGreaterThanEquals", Kind::Numeric, Rel::Ge),
    ("BooleanEquals", Kind::Boolean, Rel::Eq),
    ("TimestampEquals", Kind::Timestamp, Rel::Eq),
    ("TimestampLessThan", Kind::Timestamp, Rel::Lt),
    ("TimestampGreaterThan", Kind::Timestamp, Rel::Gt),
    ("TimestampLessThanEquals", Kind::Timestamp, Rel::Le),
    ("TimestampGreaterThanEquals", Kind::Timestamp, Rel::Ge),
];

const TESTS: &[(&str, Test)] = &[
    ("IsNull", Test::Null),
    ("IsPresent", Test::Present),
    ("IsNumeric", Test::Numeric),
    ("IsString", Test::String),
    ("IsBoolean", Test::Boolean),
    ("IsTimestamp", Test::Timestamp),
];

impl Rule {
    /// Parses a rule object. `top` allows the `Next` field. `Err` is `(relative location, message)`.
    pub fn parse(v: &Value, top: bool) -> Result<Rule, (String, String)> {
        Self::parse_at(v, top, 0)
    }

    fn parse_at(v: &Value, top: bool, depth: usize) -> Result<Rule, (String, String)> {
        let err = |m: String| (String::new(), m);
        if depth > MAX_RULE_DEPTH {
            return Err(err("choice rules nested too deeply".into()));
        }
        let Value::Object(m) = v else {
            return Err(err("a choice rule must be an object".into()));
        };
        let mut ops: Vec<&str> = Vec::new();
        for k in m.keys() {
            match k.as_str() {
                "Variable" | "Comment" => {}
                "Next" if top => {}
                "Next" => return Err(err("a nested choice rule may not have 'Next'".into())),
                "Condition" => return Err(err("'Condition' (JSONata) is not supported".into())),
                other => ops.push(other),
            }
        }
        if ops.len() != 1 {
            return Err(err(format!(
                "a choice rule needs exactly one operator (And, Or, Not or a comparison), found {}",
                if ops.is_empty() {
                    "none".to_string()
                } else {
                    ops.join(", ")
                }
            )));
        }
        let op = ops[0];
        let list = |key: &str| -> Result<Vec<Rule>, (String, String)> {
            let Some(Value::Array(a)) = m.get(key) else {
                return Err((format!(".{key}"), format!("'{key}' must be an array")));
            };
            if a.is_empty() {
                return Err((format!(".{key}"), format!("'{key}' must not be empty")));
            }
            let mut out = Vec::new();
            for (i, x) in a.iter().enumerate() {
                out.push(
                    Self::parse_at(x, false, depth + 1)
                        .map_err(|(p, msg)| (format!(".{key}[{i}]{p}"), msg))?,
                );
            }
            Ok(out)
        };
        match op {
            "And" | "Or" => {
                if m.contains_key("Variable") {
                    return Err(err(format!("'{op}' may not have a 'Variable'")));
                }
                let rules = list(op)?;
                return Ok(if op == "And" {
                    Rule::And(rules)
                } else {
                    Rule::Or(rules)
                });
            }
            "Not" => {
                if m.contains_key("Variable") {
                    return Err(err("'Not' may not have a 'Variable'".into()));
                }
                let Some(inner) = m.get("Not") else {
                    return Err(err("missing 'Not'".into()));
                };
                let r = Self::parse_at(inner, false, depth + 1)
                    .map_err(|(p, msg)| (format!(".Not{p}"), msg))?;
                return Ok(Rule::Not(Box::new(r)));
            }
            _ => {}
        }
        let var = match m.get("Variable") {
            Some(Value::String(s)) => Path::parse(s).map_err(|e| (".Variable".to_string(), e))?,
            Some(_) => return Err((".Variable".into(), "'Variable' must be a string".into())),
            None => return Err(err(format!("'{op}' needs a 'Variable'"))),
        };
        let val = m.get(op).cloned().unwrap_or(Value::Null);
        let at = format!(".{op}");
        if op == "StringMatches" {
            let Value::String(p) = val else {
                return Err((at, "'StringMatches' must be a string".into()));
            };
            return Ok(Rule::Matches { var, pattern: p });
        }
        if let Some((_, t)) = TESTS.iter().find(|(n, _)| *n == op) {
            let Value::Bool(b) = val else {
                return Err((at, format!("'{op}' must be a boolean")));
            };
            return Ok(Rule::Is {
                var,
                test: *t,
                expected: b,
            });
        }
        let (base, is_path) = match op.strip_suffix("Path") {
            Some(b) => (b, true),
            None => (op, false),
        };
        let Some((_, kind, rel)) = CMP_OPS.iter().find(|(n, _, _)| *n == base) else {
            return Err(err(format!("unknown choice operator '{op}'")));
        };
        let operand = if is_path {
            let Value::String(s) = &val else {
                return Err((at, format!("'{op}' must be a path string")));
            };
            Operand::Path(Path::parse(s).map_err(|e| (at.clone(), e))?)
        } else {
            let ok = match kind {
                Kind::String => val.is_string(),
                Kind::Numeric => val.is_number(),
                Kind::Boolean => val.is_boolean(),
                Kind::Timestamp => val.as_str().is_some_and(|s| parse_ts(s).is_some()),
            };
            if !ok {
                return Err((at, format!("'{op}' has a value of the wrong type: {val}")));
            }
            Operand::Lit(val)
        };
        Ok(Rule::Cmp {
            var,
            kind: *kind,
            rel: *rel,
            operand,
        })
    }

    /// Evaluates the rule against the (effective) input.
    pub fn eval(&self, input: &Value, ctx: &Value) -> Result<bool, Failure> {
        match self {
            Rule::And(rs) => {
                for r in rs {
                    if !r.eval(input, ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rs) => {
                for r in rs {
                    if r.eval(input, ctx)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(r) => Ok(!r.eval(input, ctx)?),
            Rule::Is {
                var,
                test,
                expected,
            } => {
                let v = var.lookup(input, ctx);
                let actual = match (test, &v) {
                    (Test::Present, v) => v.is_some(),
                    (_, None) => return Ok(false),
                    (Test::Null, Some(v)) => v.is_null(),
                    (Test::Numeric, Some(v)) => v.is_number(),
                    (Test::String, Some(v)) => v.is_string(),
                    (Test::Boolean, Some(v)) => v.is_boolean(),
                    (Test::Timestamp, Some(v)) => v.as_str().is_some_and(|s| parse_ts(s).is_some()),
                };
                Ok(actual == *expected)
            }
            Rule::Matches { var, pattern } => {
                let v = resolve(var, input, ctx)?;
                Ok(v.as_str().is_some_and(|s| wildcard_match(pattern, s)))
            }
            Rule::Cmp {
                var,
                kind,
                rel,
                operand,
            } => {
                let a = resolve(var, input, ctx)?;
                let b = match operand {
                    Operand::Lit(v) => v.clone(),
                    Operand::Path(p) => resolve(p, input, ctx)?,
                };
                let ord = match kind {
                    Kind::String => match (a.as_str(), b.as_str()) {
                        (Some(x), Some(y)) => Some(x.cmp(y)),
                        _ => None,
                    },
                    Kind::Numeric => num_cmp(&a, &b),
                    Kind::Boolean => match (a.as_bool(), b.as_bool()) {
                        (Some(x), Some(y)) if *rel == Rel::Eq => Some(x.cmp(&y)),
                        _ => None,
                    },
                    Kind::Timestamp => {
                        match (a.as_str().and_then(parse_ts), b.as_str().and_then(parse_ts)) {
                            (Some(x), Some(y)) => Some(x.cmp(&y)),
                            _ => None,
                        }
                    }
                };
                Ok(match ord {
                    None => false,
                    Some(o) => match rel {
                        Rel::Eq => o == Ordering::Equal,
                        Rel::Lt => o == Ordering::Less,
                        Rel::Gt => o == Ordering::Greater,
                        Rel::Le => o != Ordering::Greater,
                        Rel::Ge => o != Ordering::Less,
                    },
                })
            }
        }
    }
}

fn resolve(p: &Path, input: &Value, ctx: &Value) -> Result<Value, Failure> {
    p.select(input, ctx).map_err(|_| {
        Failure::runtime(format!(
            "Invalid path '{}': the choice state's condition path references an invalid value",
            p.text
        ))
    })
}

fn num_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    let (Value::Number(x), Value::Number(y)) = (a, b) else {
        return None;
    };
    if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
        return Some(i.cmp(&j));
    }
    if let (Some(i), Some(j)) = (x.as_u64(), y.as_u64()) {
        return Some(i.cmp(&j));
    }
    x.as_f64()?.partial_cmp(&y.as_f64()?)
}

/// Parses an RFC 3339 timestamp.
pub fn parse_ts(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub fn wildcard_match(pattern: &str, s: &str) -> bool {
    // Tokenise the pattern: Some(c) = literal char, None = star.
    let mut toks: Vec<Option<char>> = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => toks.push(Some(it.next().unwrap_or('\\'))),
            '*' => toks.push(None),
            c => toks.push(Some(c)),
        }
    }
    let s: Vec<char> = s.chars().collect();
    // Iterative glob matching with backtracking to the last star (linear memory, no recursion).
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match toks.get(p) {
            Some(Some(c)) if *c == s[i] => {
                p += 1;
                i += 1;
            }
            Some(None) => {
                star = Some((p, i));
                p += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| t.is_none())
}
