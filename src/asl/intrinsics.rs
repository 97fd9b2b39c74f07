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
        "Format" => {
            // The template: a literal keeps its escapes; a value from a path has none.
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
                _ => str_arg(v(0)?, "the template")?
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
                        Value::Number(_) | Value::Bool(_) | Value::Null => {
                            out.push_str(&a.to_string())
                        }
                        _ => {
                            return Err(
                                "arguments must be strings, numbers, booleans or null".into()
                            );
                        }
                    }
                    i += 2;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            if next != vals.len() {
                return Err(
                    "the number of arguments does not match the number of placeholders".into(),
                );
            }
            Value::String(out)
        }
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
        "ArrayRange" => {
            let start = int_arg(v(0)?, "start")?;
            let end = int_arg(v(1)?, "end")?;
            let step = int_arg(v(2)?, "step")?;
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
            Value::Array(out)
        }
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
        "MathRandom" => {
            let start = int_arg(v(0)?, "start")?;
            let end = int_arg(v(1)?, "end")?;
            if end < start {
                return Err("end must not be less than start".into());
            }
            let draw = match vals.get(2) {
                Some(s) => Rng::new(int_arg(s, "seed")? as u64).next_u64(),
                None => rng.next_u64(),
            };
            let span = (end as i128 - start as i128) as u128;
            if span == 0 {
                Value::from(start)
            } else {
                Value::from((start as i128 + (draw as u128 % span) as i128) as i64)
            }
        }
        "MathAdd" => {
            let (a, b) = (v(0)?, v(1)?);
            match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => Value::from(x.checked_add(y).ok_or("integer overflow")?),
                _ => {
                    let x = a.as_f64().ok_or("the first argument must be a number")?;
                    let y = b.as_f64().ok_or("the second argument must be a number")?;
                    Number::from_f64(x + y)
                        .map(Value::Number)
                        .ok_or("the sum is not finite")?
                }
            }
        }
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
        "UUID" => {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
            b[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            let h = hex(&b);
            Value::String(format!(
                "{}-{}-{}-{}-{}",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            ))
        }
        other => return Err(format!("unknown function {other}")),
    })
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

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 decoding (padding optional, whitespace rejected).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(out)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Hashes `data` with an ASL algorithm name.
pub fn hash(alg: &str, data: &[u8]) -> Result<String, String> {
    use md5::Digest;
    Ok(match alg {
        "MD5" => hex(&md5::Md5::digest(data)),
        "SHA-1" => hex(&sha1(data)),
        "SHA-256" => hex(&sha256(data)),
        "SHA-384" => hex(&sha512(data, true)[..48]),
        "SHA-512" => hex(&sha512(data, false)),
        _ => {
            return Err(format!(
                "unsupported algorithm '{alg}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"
            ));
        }
    })
}

fn pad(data: &[u8], block: usize, len_bytes: usize) -> Vec<u8> {
    let mut m = data.to_vec();
    m.push(0x80);
    while m.len() % block != block - len_bytes {
        m.push(0);
    }
    let bitlen = (data.len() as u128).wrapping_mul(8);
    m.extend_from_slice(&bitlen.to_be_bytes()[16 - len_bytes..]);
    m
}

fn sha1(data: &[u8]) -> Vec<u8> {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    for chunk in pad(data, 64, 8).chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().flat_map(|x| x.to_be_bytes()).collect()
}

const K256: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

fn sha256(data: &[u8]) -> Vec<u8> {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    for chunk in pad(data, 64, 8).chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut s = h;
        for i in 0..64 {
            let [a, b, c, d, e, f, g, hh] = s;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K256[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            s = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (x, y) in h.iter_mut().zip(s) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().flat_map(|x| x.to_be_bytes()).collect()
}

const K512: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];

fn sha512(data: &[u8], is384: bool) -> Vec<u8> {
    let mut h: [u64; 8] = if is384 {
        [
            0xcbbb9d5dc1059ed8,
            0x629a292a367cd507,
            0x9159015a3070dd17,
            0x152fecd8f70e5939,
            0x67332667ffc00b31,
            0x8eb44a8768581511,
            0xdb0c2e0d64f98fa7,
            0x47b5481dbefa4fa4,
        ]
    } else {
        [
            0x6a09e667f3bcc908,
            0xbb67ae8584caa73b,
            0x3c6ef372fe94f82b,
            0xa54ff53a5f1d36f1,
            0x510e527fade682d1,
            0x9b05688c2b3e6c1f,
            0x1f83d9abfb41bd6b,
            0x5be0cd19137e2179,
        ]
    };
    for chunk in pad(data, 128, 16).chunks(128) {
        let mut w = [0u64; 80];
        for i in 0..16 {
            let mut b = [0u8; 8];
            b.copy_from_slice(&chunk[8 * i..8 * i + 8]);
            w[i] = u64::from_be_bytes(b);
        }
        for i in 16..80 {
            let s0 = w[i - 15].rotate_right(1) ^ w[i - 15].rotate_right(8) ^ (w[i - 15] >> 7);
            let s1 = w[i - 2].rotate_right(19) ^ w[i - 2].rotate_right(61) ^ (w[i - 2] >> 6);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut s = h;
        for i in 0..80 {
            let [a, b, c, d, e, f, g, hh] = s;
            let s1 = e.rotate_right(14) ^ e.rotate_right(18) ^ e.rotate_right(41);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K512[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(28) ^ a.rotate_right(34) ^ a.rotate_right(39);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            s = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (x, y) in h.iter_mut().zip(s) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().flat_map(|x| x.to_be_bytes()).collect()
}
