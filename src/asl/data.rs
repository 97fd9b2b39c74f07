//! Data flow of a state (JSONPath mode): InputPath → Parameters → (task) → ResultSelector → ResultPath →
//! OutputPath.
//!
//! - `InputPath`/`OutputPath`: absent = `$`; `null` = `{}`; otherwise a path (an indefinite path yields an array).
//! - `Parameters`/`ResultSelector`/`ItemSelector` are *payload templates*: keys ending in `.$` take a path
//!   (`$...`, `$$...` for the context object) or an intrinsic function, and lose the `.$` suffix; other values are
//!   copied; nested objects and arrays are processed recursively.
//! - `ResultPath`: absent = `$` (the result replaces the input); `null` = discard the result and keep the raw
//!   input; otherwise a reference path into the raw input, creating missing objects.
//!
//! Failures: a missing InputPath/OutputPath/template path is `States.Runtime` (AWS reports these as
//! `States.Runtime`, e.g. "The JSONPath '$.x' specified for the field 'x.$' could not be found in the input");
//! a failing intrinsic is `States.IntrinsicFailure`; an inapplicable ResultPath is `States.ResultPathMatchFailure`.

use super::intrinsics::{self, Call};
use super::path::Path;
use super::{Failure, Rng, errors};
use serde_json::{Map, Value};

/// Maximum nesting accepted inside a payload template.
pub const MAX_TEMPLATE_DEPTH: usize = 64;

/// InputPath / OutputPath.
#[derive(Debug, Clone, PartialEq)]
pub enum IoPath {
    /// Absent: `$`.
    Identity,
    /// `null`: `{}`.
    Null,
    /// A path.
    Path(Path),
}

impl IoPath {
    /// Parses the field value (`None` = absent).
    pub fn parse(v: Option<&Value>) -> Result<IoPath, String> {
        match v {
            None => Ok(IoPath::Identity),
            Some(Value::Null) => Ok(IoPath::Null),
            Some(Value::String(s)) => {
                let p = Path::parse(s)?;
                Ok(if p.segs.is_empty() && !p.context {
                    IoPath::Identity
                } else {
                    IoPath::Path(p)
                })
            }
            Some(_) => Err("must be a string or null".into()),
        }
    }
    /// Whether it reads the context object.
    pub fn uses_context(&self) -> bool {
        matches!(self, IoPath::Path(p) if p.context)
    }
    /// Applies the filter.
    pub fn apply(&self, v: &Value, ctx: &Value, field: &str) -> Result<Value, Failure> {
        match self {
            IoPath::Identity => Ok(v.clone()),
            IoPath::Null => Ok(Value::Object(Map::new())),
            IoPath::Path(p) => p
                .select(v, ctx)
                .map_err(|m| Failure::runtime(format!("{field}: {m}"))),
        }
    }
}

/// ResultPath.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    /// Absent or `$`: the result replaces the input.
    Replace,
    /// `null`: the result is discarded.
    Discard,
    /// A reference path into the raw input.
    At(Path),
}

impl ResultPath {
    /// Parses the field value (`None` = absent).
    pub fn parse(v: Option<&Value>) -> Result<ResultPath, String> {
        match v {
            None => Ok(ResultPath::Replace),
            Some(Value::Null) => Ok(ResultPath::Discard),
            Some(Value::String(s)) => {
                let p = Path::parse_reference(s)?;
                if p.context {
                    return Err("ResultPath cannot refer to the context object".into());
                }
                Ok(if p.segs.is_empty() {
                    ResultPath::Replace
                } else {
                    ResultPath::At(p)
                })
            }
            Some(_) => Err("must be a string or null".into()),
        }
    }
    /// Merges `result` into `raw_input`.
    pub fn apply(&self, raw_input: &Value, result: Value) -> Result<Value, Failure> {
        match self {
            ResultPath::Replace => Ok(result),
            ResultPath::Discard => Ok(raw_input.clone()),
            ResultPath::At(p) => p
                .set(raw_input.clone(), result)
                .map_err(|m| Failure::new(errors::RESULT_PATH, m)),
        }
    }
}

/// A payload template (Parameters, ResultSelector, ItemSelector).
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// A value copied as is.
    Static(Value),
    /// `"key.$": "$.path"`.
    Path(Path),
    /// `"key.$": "States.Fn(...)"`.
    Intrinsic(Call),
    /// An object with at least one dynamic member.
    Object(Vec<(String, Template)>),
    /// An array with at least one dynamic element.
    Array(Vec<Template>),
}

impl Template {
    /// Parses a template; `Err` is `(relative location, message)`.
    pub fn parse(v: &Value) -> Result<Template, (String, String)> {
        Self::parse_at(v, 0)
    }

    fn parse_at(v: &Value, depth: usize) -> Result<Template, (String, String)> {
        if depth > MAX_TEMPLATE_DEPTH {
            return Err((String::new(), "template nested too deeply".into()));
        }
        match v {
            Value::Object(m) => {
                let mut members = Vec::with_capacity(m.len());
                let mut dynamic = false;
                for (k, x) in m {
                    if let Some(name) = k.strip_suffix(".$") {
                        let Value::String(s) = x else {
                            return Err((
                                format!(".{k}"),
                                "the value of a '.$' field must be a string".into(),
                            ));
                        };
                        let t = if intrinsics::is_intrinsic(s) {
                            Template::Intrinsic(Call::parse(s).map_err(|m| (format!(".{k}"), m))?)
                        } else if s.starts_with('$') {
                            Template::Path(Path::parse(s).map_err(|m| (format!(".{k}"), m))?)
                        } else {
                            return Err((
                                format!(".{k}"),
                                format!(
                                    "the value of a '.$' field must be a path or an intrinsic function, got '{s}'"
                                ),
                            ));
                        };
                        dynamic = true;
                        members.push((name.to_string(), t));
                    } else {
                        let t = Self::parse_at(x, depth + 1)
                            .map_err(|(p, m)| (format!(".{k}{p}"), m))?;
                        dynamic |= !matches!(t, Template::Static(_));
                        members.push((k.clone(), t));
                    }
                }
                if dynamic {
                    Ok(Template::Object(members))
                } else {
                    Ok(Template::Static(v.clone()))
                }
            }
            Value::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                let mut dynamic = false;
                for (i, x) in a.iter().enumerate() {
                    let t =
                        Self::parse_at(x, depth + 1).map_err(|(p, m)| (format!("[{i}]{p}"), m))?;
                    dynamic |= !matches!(t, Template::Static(_));
                    items.push(t);
                }
                if dynamic {
                    Ok(Template::Array(items))
                } else {
                    Ok(Template::Static(v.clone()))
                }
            }
            other => Ok(Template::Static(other.clone())),
        }
    }

    /// Whether evaluating needs the context object.
    pub fn uses_context(&self) -> bool {
        match self {
            Template::Static(_) => false,
            Template::Path(p) => p.context,
            Template::Intrinsic(c) => c.uses_context(),
            Template::Object(m) => m.iter().any(|(_, t)| t.uses_context()),
            Template::Array(a) => a.iter().any(Template::uses_context),
        }
    }

    /// Evaluates against `input` and the context object.
    pub fn eval(&self, input: &Value, ctx: &Value, rng: &mut Rng) -> Result<Value, Failure> {
        self.eval_at(input, ctx, rng, "")
    }

    fn eval_at(
        &self,
        input: &Value,
        ctx: &Value,
        rng: &mut Rng,
        key: &str,
    ) -> Result<Value, Failure> {
        Ok(match self {
            Template::Static(v) => v.clone(),
            Template::Path(p) => p.select(input, ctx).map_err(|_| {
                Failure::runtime(format!(
                    "The JSONPath '{}' specified for the field '{}.$' could not be found in the input",
                    p.text, key
                ))
            })?,
            Template::Intrinsic(c) => c.eval(input, ctx, rng)?,
            Template::Object(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, t) in m {
                    out.insert(k.clone(), t.eval_at(input, ctx, rng, k)?);
                }
                Value::Object(out)
            }
            Template::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for t in a {
                    out.push(t.eval_at(input, ctx, rng, key)?);
                }
                Value::Array(out)
            }
        })
    }
}

/// A Fail `ErrorPath`/`CausePath` (a reference path or an intrinsic returning a string).
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic {
    /// A path.
    Path(Path),
    /// An intrinsic function.
    Intrinsic(Call),
}

impl Dynamic {
    /// Parses the text.
    pub fn parse(s: &str) -> Result<Dynamic, String> {
        if intrinsics::is_intrinsic(s) {
            Ok(Dynamic::Intrinsic(Call::parse(s)?))
        } else {
            Ok(Dynamic::Path(Path::parse(s)?))
        }
    }
    /// Evaluates to a string.
    pub fn eval_string(
        &self,
        input: &Value,
        ctx: &Value,
        rng: &mut Rng,
        field: &str,
    ) -> Result<String, Failure> {
        let v = match self {
            Dynamic::Path(p) => p
                .select(input, ctx)
                .map_err(|m| Failure::runtime(format!("{field}: {m}")))?,
            Dynamic::Intrinsic(c) => c.eval(input, ctx, rng)?,
        };
        match v {
            Value::String(s) => Ok(s),
            other => Err(Failure::runtime(format!(
                "{field} must select a string, got {other}"
            ))),
        }
    }
    /// Whether it reads the context object.
    pub fn uses_context(&self) -> bool {
        match self {
            Dynamic::Path(p) => p.context,
            Dynamic::Intrinsic(c) => c.uses_context(),
        }
    }
}
