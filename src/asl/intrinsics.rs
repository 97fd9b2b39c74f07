//! Intrinsic functions (`States.Format(...)`, ...) usable in `.$` fields of Parameters, ResultSelector,
//! ItemSelector and in Fail `ErrorPath`/`CausePath`.
//!
//! Grammar: `States.Name(arg, ...)` where an argument is a single-quoted string (`\'`, `\{`, `\}`, `\\`
//! escapes), a number, `true`/`false`/`null`, a path (`$...` or `$$...`) or a nested intrinsic call.
//!
//! Approximations (documented): `States.MathRandom` draws from the execution's deterministic generator
//! (or from its optional third `seed` argument) and returns an integer in `[start, end)`;
//! `States.UUID` is a version-4 UUID from the same generator; `States.StringSplit` drops empty pieces;
//! `States.Hash` supports MD5, SHA-1, SHA-256, SHA-384 and SHA-512 (hex, lower case);
//! `States.JsonMerge` with `true` merges nested objects recursively.

use super::Failure;
use super::Rng;
use super::path::Path;
use serde_json::{Map, Number, Value};

/// Maximum nesting of intrinsic calls.
const MAX_NESTING: usize = 10;
/// Maximum length of an array built by `States.ArrayRange`.
const MAX_RANGE: usize = 1000;
/// Maximum depth handled by a deep `States.JsonMerge`.
const MAX_MERGE_DEPTH: usize = 64;

/// A parsed intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Function name without the `States.` prefix.
    pub name: String,
    /// Arguments.
    pub args: Vec<Arg>,
}

/// An intrinsic argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A literal; for strings, `raw` keeps the escapes (needed by `States.Format`).
    Lit(Value, Option<String>),
    /// A path into the input or context object.
    Path(Path),
    /// A nested call.
    Call(Box<Call>),
}

/// (name, min args, max args)
const FUNCS: &[(&str, usize, usize)] = &[
    ("Format", 1, usize::MAX),
    ("StringToJson", 1, 1),
    ("JsonToString", 1, 1),
    ("Array", 0, usize::MAX),
    ("ArrayPartition", 2, 2),
    ("ArrayContains", 2, 2),
    ("ArrayRange", 3, 3),
    ("ArrayGetItem", 2, 2),
    ("ArrayLength", 1, 1),
    ("ArrayUnique", 1, 1),
    ("Base64Encode", 1, 1),
    ("Base64Decode", 1, 1),
    ("Hash", 2, 2),
    ("JsonMerge", 3, 3),
    ("MathRandom", 2, 3),
    ("MathAdd", 2, 2),
    ("StringSplit", 2, 2),
    ("UUID", 0, 0),
];

/// Whether a string looks like an intrinsic call.
pub fn is_intrinsic(s: &str) -> bool {
    s.trim_start().starts_with("States.")
}

impl Call {
    /// Parses `States.Name(...)` (the whole string).
    pub fn parse(text: &str) -> Result<Call, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut p = Parser { c: &chars, i: 0 };
        p.ws();
        let call = p.call(0)?;
        p.ws();
        if p.i != chars.len() {
            return Err(format!(
                "unexpected text after intrinsic function: '{}'",
                chars[p.i..].iter().collect::<String>()
            ));
        }
        Ok(call)
    }

    /// Whether any argument reads the context object.
    pub fn uses_context(&self) -> bool {
        self.args.iter().any(|a| match a {
            Arg::Path(p) => p.context,
            Arg::Call(c) => c.uses_context(),
            Arg::Lit(..) => false,
        })
    }

    /// Evaluates the call.
    pub fn eval(&self, input: &Value, ctx: &Value, rng: &mut Rng) -> Result<Value, Failure> {
        let mut vals = Vec::with_capacity(self.args.len());
        for a in &self.args {
            vals.push(match a {
                Arg::Lit(v, _) => v.clone(),
                Arg::Path(p) => p.select(input, ctx).map_err(Failure::runtime)?,
                Arg::Call(c) => c.eval(input, ctx, rng)?,
            });
        }
        let fail = |m: String| {
            Failure::new(
                super::errors::INTRINSIC,
                format!("States.{}: {m}", self.name),
            )
        };
        call(&self.name, &self.args, vals, rng).map_err(fail)
    }
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.c.len() && self.c[self.i].is_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }
    fn rest_starts(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, ch)| self.c.get(self.i + k) == Some(&ch))
    }
    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth > MAX_NESTING {
            return Err("intrinsic functions nested too deeply".into());
        }
        if !self.rest_starts("States.") {
            return Err("an intrinsic function must start with 'States.'".into());
        }
        self.i += 7;
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.i += 1;
        }
        let name: String = self.c[start..self.i].iter().collect();
        let Some(&(_, min, max)) = FUNCS.iter().find(|(n, _, _)| *n == name) else {
            return Err(format!("unknown intrinsic function 'States.{name}'"));
        };
        self.ws();
        if self.peek() != Some('(') {
            return Err(format!("expected '(' after States.{name}"));
        }
        self.i += 1;
        let mut args = Vec::new();
        self.ws();
        if self.peek() == Some(')') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                args.push(self.arg(depth)?);
                self.ws();
                match self.peek() {
                    Some(',') => self.i += 1,
                    Some(')') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(format!("expected ',' or ')' in States.{name}")),
                }
            }
        }
        if args.len() < min || args.len() > max {
            return Err(format!(
                "States.{name} takes {} arguments, got {}",
                arity(min, max),
                args.len()
            ));
        }
        Ok(Call { name, args })
    }
    fn arg(&mut self, depth: usize) -> Result<Arg, String> {
        match self.peek() {
            Some('\'') => {
                self.i += 1;
                let mut val = String::new();
                let mut raw = String::new();
                loop {
                    let c = self.peek().ok_or("unterminated string literal")?;
                    self.i += 1;
                    if c == '\\' {
                        let e = self.peek().ok_or("dangling escape in string literal")?;
                        self.i += 1;
                        raw.push('\\');
                        raw.push(e);
                        val.push(e);
                    } else if c == '\'' {
                        break;
                    } else {
                        raw.push(c);
                        val.push(c);
                    }
                }
                Ok(Arg::Lit(Value::String(val), Some(raw)))
            }
            Some('$') => {
                let start = self.i;
                let mut bracket = 0i32;
                let mut quote: Option<char> = None;
                while let Some(c) = self.peek() {
                    if let Some(q) = quote {
                        if c == q {
                            quote = None;
                        }
                    } else if c == '\'' && bracket > 0 {
                        quote = Some(c);
                    } else if c == '[' {
                        bracket += 1;
                    } else if c == ']' {
                        bracket -= 1;
                    } else if bracket <= 0 && (c == ',' || c == ')') {
                        break;
                    }
                    self.i += 1;
                }
                let text: String = self.c[start..self.i].iter().collect();
                Ok(Arg::Path(Path::parse(text.trim())?))
            }
            Some('S') if self.rest_starts("States.") => {
                Ok(Arg::Call(Box::new(self.call(depth + 1)?)))
            }
            Some(_) => {
                let start = self.i;
                while let Some(c) = self.peek() {
                    if c == ',' || c == ')' || c.is_whitespace() {
                        break;
                    }
                    self.i += 1;
                }
                let tok: String = self.c[start..self.i].iter().collect();
                let v = match tok.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => match serde_json::from_str::<Value>(&tok) {
                        Ok(v @ Value::Number(_)) => v,
                        _ => return Err(format!("invalid intrinsic argument '{tok}'")),
                    },
                };
                Ok(Arg::Lit(v, None))
            }
            None => Err("unexpected end of intrinsic function".into()),
        }
    }
}

fn arity(min: usize, max: usize) -> String {
    if min == max {
        min.to_string()
    } else if max == usize::MAX {
        format!("at least {min}")
    } else {
        format!("{min} to {max}")
    }
}

fn int_arg(v: &Value, what: &str) -> Result<i64, String> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                Ok(f as i64)
            } else {
                Err(format!("{what} must be an integer"))
            }
        }
        _ => Err(format!("{what} must be an integer")),
    }
}

fn str_arg<'v>(v: &'v Value, what: &str) -> Result<&'v str, String> {
    v.as_str().ok_or_else(|| format!("{what} must be a string"))
}

fn arr_arg<'v>(v: &'v Value, what: &str) -> Result<&'v Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what} must be an array"))
}

fn call(name: &str, args: &[Arg], vals: Vec<Value>, rng: &mut Rng) -> Result<Value, String> {
    let v = |i: usize| -> Result<&Value, String> {
        vals.get(i).ok_or_else(|| "missing argument".to_string())
    };
    Ok(match name {
        "Format" => format(args, &vals)?,
        "StringToJson" => {
            let s = str_arg(v(0)?, "the argument")?;
            serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))?
        }
        "JsonToString" => Value::String(v(0)?.to_string()),
        "Array" => Value::Array(vals),
        "ArrayPartition" => {
            let a = arr_arg(v(0)?, "the first argument")?;
            let n = int_arg(v(1)?, "the chunk size")?;
            if n <= 0 {
                return Err("the chunk size must be positive".into());
            }
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            Value::Array(a.chunks(n).map(|c| Value::Array(c.to_vec())).collect())
        }
        "ArrayContains" => Value::Bool(arr_arg(v(0)?, "the first argument")?.contains(v(1)?)),
        "ArrayRange" => array_range(
            int_arg(v(0)?, "start")?,
            int_arg(v(1)?, "end")?,
            int_arg(v(2)?, "step")?,
        )?,
        "ArrayGetItem" => {
            let a = arr_arg(v(0)?, "the first argument")?;
            let i = int_arg(v(1)?, "the index")?;
            usize::try_from(i)
                .ok()
                .and_then(|i| a.get(i))
                .cloned()
                .ok_or_else(|| format!("index {i} out of bounds"))?
        }
        "ArrayLength" => Value::from(arr_arg(v(0)?, "the argument")?.len()),
        "ArrayUnique" => {
            let a = arr_arg(v(0)?, "the argument")?;
            let mut out: Vec<Value> = Vec::new();
            for x in a {
                if !out.contains(x) {
                    out.push(x.clone());
                }
            }
            Value::Array(out)
        }
        "Base64Encode" => Value::String(base64_encode(str_arg(v(0)?, "the argument")?.as_bytes())),
        "Base64Decode" => {
            let bytes =
                base64_decode(str_arg(v(0)?, "the argument")?).ok_or("invalid base64 input")?;
            Value::String(String::from_utf8(bytes).map_err(|_| "the decoded data is not UTF-8")?)
        }
        "Hash" => {
            let data = match v(0)? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let alg = str_arg(v(1)?, "the algorithm")?;
            Value::String(hash(alg, data.as_bytes())?)
        }
        "JsonMerge" => {
            let a = v(0)?
                .as_object()
                .ok_or("the first argument must be an object")?;
            let b = v(1)?
                .as_object()
                .ok_or("the second argument must be an object")?;
            let deep = v(2)?
                .as_bool()
                .ok_or("the third argument must be a boolean")?;
            let mut out = a.clone();
            merge(&mut out, b, deep, 0);
            Value::Object(out)
        }
        "MathRandom" => math_random(&vals, rng)?,
        "MathAdd" => math_add(v(0)?, v(1)?)?,
        "StringSplit" => {
            let s = str_arg(v(0)?, "the first argument")?;
            let d = str_arg(v(1)?, "the delimiter")?;
            Value::Array(
                s.split(|c: char| d.contains(c))
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            )
        }
        "UUID" => uuid(rng),
        other => return Err(format!("unknown function {other}")),
    })
}

/// `States.Format`: the template (a literal keeps its escapes; a value from a path has none) with each `{}` replaced
/// by the next argument.
fn format(args: &[Arg], vals: &[Value]) -> Result<Value, String> {
    let template: Vec<(char, bool)> = match args.first() {
        Some(Arg::Lit(_, Some(raw))) => {
            let mut out = Vec::new();
            let mut it = raw.chars();
            while let Some(c) = it.next() {
                if c == '\\' {
                    if let Some(e) = it.next() {
                        out.push((e, true));
                    }
                } else {
                    out.push((c, false));
                }
            }
            out
        }
        _ => str_arg(vals.first().ok_or("missing argument")?, "the template")?
            .chars()
            .map(|c| (c, false))
            .collect(),
    };
    let mut out = String::new();
    let mut next = 1;
    let mut i = 0;
    while i < template.len() {
        let (c, escaped) = template[i];
        if c == '{' && !escaped && template.get(i + 1) == Some(&('}', false)) {
            let a = vals.get(next).ok_or("more placeholders than arguments")?;
            next += 1;
            match a {
                Value::String(s) => out.push_str(s),
                Value::Number(_) | Value::Bool(_) | Value::Null => out.push_str(&a.to_string()),
                Value::Array(_) | Value::Object(_) => {
                    return Err("arguments must be strings, numbers, booleans or null".into());
                }
            }
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    if next != vals.len() {
        return Err("the number of arguments does not match the number of placeholders".into());
    }
    Ok(Value::String(out))
}

/// `States.ArrayRange`: `start`, `start + step`, … up to `end` inclusive (at most [`MAX_RANGE`] items).
fn array_range(start: i64, end: i64, step: i64) -> Result<Value, String> {
    if step == 0 {
        return Err("step cannot be 0".into());
    }
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i <= end) || (step < 0 && i >= end) {
        if out.len() >= MAX_RANGE {
            return Err(format!("the range has more than {MAX_RANGE} items"));
        }
        out.push(Value::from(i));
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    Ok(Value::Array(out))
}

/// `States.MathRandom(start, end[, seed])`: an integer in `[start, end)` (`start` when they are equal).
fn math_random(vals: &[Value], rng: &mut Rng) -> Result<Value, String> {
    let arg = |i: usize| vals.get(i).ok_or_else(|| "missing argument".to_string());
    let start = int_arg(arg(0)?, "start")?;
    let end = int_arg(arg(1)?, "end")?;
    if end < start {
        return Err("end must not be less than start".into());
    }
    let draw = match vals.get(2) {
        Some(s) => Rng::new(int_arg(s, "seed")? as u64).next_u64(),
        None => rng.next_u64(),
    };
    let span = (end as i128 - start as i128) as u128;
    Ok(if span == 0 {
        Value::from(start)
    } else {
        Value::from((start as i128 + (draw as u128 % span) as i128) as i64)
    })
}

/// `States.MathAdd`: integers exactly (an overflow is an error), other numbers as floats.
fn math_add(a: &Value, b: &Value) -> Result<Value, String> {
    Ok(match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => Value::from(x.checked_add(y).ok_or("integer overflow")?),
        _ => {
            let x = a.as_f64().ok_or("the first argument must be a number")?;
            let y = b.as_f64().ok_or("the second argument must be a number")?;
            Number::from_f64(x + y)
                .map(Value::Number)
                .ok_or("the sum is not finite")?
        }
    })
}

/// `States.UUID`: a version-4 UUID from the execution's generator.
fn uuid(rng: &mut Rng) -> Value {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
    b[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::events::hex_lower(&b);
    Value::String(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

fn merge(a: &mut Map<String, Value>, b: &Map<String, Value>, deep: bool, depth: usize) {
    for (k, bv) in b {
        if deep
            && depth < MAX_MERGE_DEPTH
            && let (Some(Value::Object(am)), Value::Object(bm)) = (a.get_mut(k), bv)
        {
            merge(am, bm, deep, depth + 1);
            continue;
        }
        a.insert(k.clone(), bv.clone());
    }
}

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Standard base64 decoding (padding optional, whitespace rejected).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    crate::events::apigw::LENIENT_BASE64.decode(s).ok()
}

/// Hashes `data` with an ASL algorithm name.
pub fn hash(alg: &str, data: &[u8]) -> Result<String, String> {
    use md5::Digest;
    Ok(match alg {
        "MD5" => crate::events::hex_lower(&md5::Md5::digest(data)),
        "SHA-1" => crate::events::hex_lower(&sha1::Sha1::digest(data)),
        "SHA-256" => crate::events::hex_lower(&sha2::Sha256::digest(data)),
        "SHA-384" => crate::events::hex_lower(&sha2::Sha384::digest(data)),
        "SHA-512" => crate::events::hex_lower(&sha2::Sha512::digest(data)),
        _ => {
            return Err(format!(
                "unsupported algorithm '{alg}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"
            ));
        }
    })
}
