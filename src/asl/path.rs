//! JSONPath subset used by the Amazon States Language (classic JSONPath mode).
//!
//! Supported syntax: `$` (state input) or `$$` (context object) followed by any of
//! `.name`, `['name']` / `["name"]` (and unions of quoted names), `[n]` (negative counts from the end),
//! `[n,m]`, `[*]` / `.*`, slices `[start:end:step]` and descendant search `..name` / `..*`.
//! Filter expressions (`[?(...)]`) and script expressions are not supported and are rejected at parse time.
//!
//! A *definite* path (only names and indexes) selects one value and fails when it is missing.
//! An indefinite path (wildcards, slices, unions, descendants) returns an array of all matches (Jayway
//! semantics, which Step Functions uses). A *reference path* (ResultPath, Choice `Variable`, ...) may only use
//! names and non-negative indexes.

use serde_json::{Map, Value};

/// Maximum depth descended by `..` searches (JSON values are never deeper in practice).
const MAX_DESCENT: usize = 128;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    /// `.name` or `['name']`.
    Key(String),
    /// `[n]`; negative counts from the end.
    Index(i64),
    /// `.*` or `[*]`.
    Wildcard,
    /// `['a','b']`.
    Keys(Vec<String>),
    /// `[1,2]`.
    Indexes(Vec<i64>),
    /// `[start:end:step]`.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `..name`, or `..*` when `None`.
    Descendant(Option<String>),
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// `$$...`: evaluated against the context object.
    pub context: bool,
    /// The steps after the root.
    pub segs: Vec<Seg>,
    /// The original text (for messages).
    pub text: String,
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Path {
    /// Parses a path; `Err` carries a human-readable message.
    pub fn parse(text: &str) -> Result<Path, String> {
        let chars: Vec<char> = text.chars().collect();
        if chars.first() != Some(&'$') {
            return Err(format!("path '{text}' must start with '$'"));
        }
        let mut i = 1;
        let context = chars.get(1) == Some(&'$');
        if context {
            i = 2;
        }
        let mut segs = Vec::new();
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    if chars.get(i + 1) == Some(&'.') {
                        i += 2;
                        if chars.get(i) == Some(&'*') {
                            segs.push(Seg::Descendant(None));
                            i += 1;
                        } else {
                            let (name, ni) = read_name(&chars, i);
                            if name.is_empty() {
                                return Err(format!("path '{text}': empty name after '..'"));
                            }
                            segs.push(Seg::Descendant(Some(name)));
                            i = ni;
                        }
                    } else {
                        i += 1;
                        if chars.get(i) == Some(&'*') {
                            segs.push(Seg::Wildcard);
                            i += 1;
                        } else {
                            let (name, ni) = read_name(&chars, i);
                            if name.is_empty() {
                                return Err(format!("path '{text}': empty name after '.'"));
                            }
                            segs.push(Seg::Key(name));
                            i = ni;
                        }
                    }
                }
                '[' => {
                    let close = find_close(&chars, i + 1)
                        .ok_or_else(|| format!("path '{text}': unclosed '['"))?;
                    let inner: String = chars[i + 1..close].iter().collect();
                    segs.push(
                        parse_bracket(inner.trim()).map_err(|m| format!("path '{text}': {m}"))?,
                    );
                    i = close + 1;
                }
                c => return Err(format!("path '{text}': unexpected character '{c}'")),
            }
        }
        Ok(Path {
            context,
            segs,
            text: text.to_string(),
        })
    }

    /// Parses a reference path (names and non-negative indexes only).
    pub fn parse_reference(text: &str) -> Result<Path, String> {
        let p = Path::parse(text)?;
        if !p.is_reference() {
            return Err(format!(
                "'{text}' is not a valid reference path (only names and indexes allowed)"
            ));
        }
        Ok(p)
    }

    /// Whether the path is a reference path.
    pub fn is_reference(&self) -> bool {
        self.segs
            .iter()
            .all(|s| matches!(s, Seg::Key(_)) || matches!(s, Seg::Index(n) if *n >= 0))
    }

    /// Whether the path selects at most one node.
    pub fn is_definite(&self) -> bool {
        self.segs
            .iter()
            .all(|s| matches!(s, Seg::Key(_) | Seg::Index(_)))
    }

    /// Evaluates against `input` (or `ctx` for `$$` paths).
    /// Definite paths fail when nothing matches; indefinite ones return an array of the matches.
    pub fn select(&self, input: &Value, ctx: &Value) -> Result<Value, String> {
        let root = if self.context { ctx } else { input };
        if self.is_definite() {
            let mut cur = root;
            for seg in &self.segs {
                let next = match (seg, cur) {
                    (Seg::Key(k), Value::Object(m)) => m.get(k),
                    (Seg::Index(n), Value::Array(a)) => {
                        norm_index(*n, a.len()).and_then(|i| a.get(i))
                    }
                    _ => None,
                };
                cur = next.ok_or_else(|| {
                    format!(
                        "the JSONPath '{}' could not be found in the input",
                        self.text
                    )
                })?;
            }
            return Ok(cur.clone());
        }
        let mut nodes: Vec<&Value> = vec![root];
        for seg in &self.segs {
            let mut out = Vec::new();
            for n in nodes {
                step(seg, n, &mut out);
            }
            nodes = out;
        }
        Ok(Value::Array(nodes.into_iter().cloned().collect()))
    }

    /// Looks up a definite path, `None` when missing (used by Choice `IsPresent`).
    pub fn lookup(&self, input: &Value, ctx: &Value) -> Option<Value> {
        self.select(input, ctx).ok()
    }

    /// Writes `value` at this reference path inside `target`, creating missing objects on the way.
    /// `$` replaces the whole target.
    pub fn set(&self, target: Value, value: Value) -> Result<Value, String> {
        if self.segs.is_empty() {
            return Ok(value);
        }
        let mut target = target;
        {
            let mut cur = &mut target;
            let last = self.segs.len() - 1;
            for (i, seg) in self.segs.iter().enumerate() {
                let is_last = i == last;
                match seg {
                    Seg::Key(k) => {
                        let Value::Object(m) = cur else {
                            return Err(format!(
                                "unable to apply ReferencePath {} to input: '{}' is not inside an object",
                                self.text, k
                            ));
                        };
                        if is_last {
                            m.insert(k.clone(), value);
                            break;
                        }
                        cur = m
                            .entry(k.clone())
                            .or_insert_with(|| Value::Object(Map::new()));
                    }
                    Seg::Index(n) => {
                        let Value::Array(a) = cur else {
                            return Err(format!(
                                "unable to apply ReferencePath {} to input: index {n} is not inside an array",
                                self.text
                            ));
                        };
                        let len = a.len();
                        let Some(idx) = norm_index(*n, len) else {
                            return Err(format!(
                                "unable to apply ReferencePath {} to input: index {n} out of bounds",
                                self.text
                            ));
                        };
                        if is_last {
                            a[idx] = value;
                            break;
                        }
                        cur = &mut a[idx];
                    }
                    _ => return Err(format!("'{}' is not a reference path", self.text)),
                }
            }
        }
        Ok(target)
    }
}

fn norm_index(n: i64, len: usize) -> Option<usize> {
    let len_i = i64::try_from(len).ok()?;
    let i = if n < 0 { len_i.checked_add(n)? } else { n };
    if i < 0 || i >= len_i {
        None
    } else {
        usize::try_from(i).ok()
    }
}

fn read_name(chars: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
        i += 1;
    }
    (chars[start..i].iter().collect(), i)
}

/// Finds the `]` closing a bracket that starts at `i`, skipping quoted text.
fn find_close(chars: &[char], mut i: usize) -> Option<usize> {
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == ']' {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Seg, String> {
    if inner == "*" {
        return Ok(Seg::Wildcard);
    }
    if inner.starts_with('?') || inner.starts_with('(') {
        return Err("filter and script expressions are not supported".into());
    }
    if inner.starts_with('\'') || inner.starts_with('"') {
        let mut names = Vec::new();
        let chars: Vec<char> = inner.chars().collect();
        let mut i = 0;
        loop {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let q = *chars.get(i).ok_or("expected a quoted name")?;
            if q != '\'' && q != '"' {
                return Err("expected a quoted name".into());
            }
            i += 1;
            let mut name = String::new();
            loop {
                let c = *chars.get(i).ok_or("unterminated quoted name")?;
                i += 1;
                if c == '\\' {
                    name.push(*chars.get(i).ok_or("dangling escape")?);
                    i += 1;
                } else if c == q {
                    break;
                } else {
                    name.push(c);
                }
            }
            names.push(name);
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            match chars.get(i) {
                None => break,
                Some(',') => i += 1,
                Some(c) => return Err(format!("unexpected '{c}' in bracket")),
            }
        }
        return Ok(if names.len() == 1 {
            Seg::Key(names.remove(0))
        } else {
            Seg::Keys(names)
        });
    }
    if inner.contains(':') {
        let parts: Vec<&str> = inner.split(':').collect();
        if parts.len() > 3 {
            return Err("bad slice".into());
        }
        let num = |s: &str| -> Result<Option<i64>, String> {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("bad slice bound '{s}'"))
            }
        };
        let step = match parts.get(2) {
            Some(s) => num(s)?,
            None => None,
        };
        if step == Some(0) {
            return Err("slice step cannot be 0".into());
        }
        return Ok(Seg::Slice(num(parts[0])?, num(parts[1])?, step));
    }
    let mut idx = Vec::new();
    for p in inner.split(',') {
        idx.push(
            p.trim()
                .parse::<i64>()
                .map_err(|_| format!("bad index '{}'", p.trim()))?,
        );
    }
    if idx.len() == 1 {
        Ok(Seg::Index(idx[0]))
    } else {
        Ok(Seg::Indexes(idx))
    }
}

fn step<'a>(seg: &Seg, v: &'a Value, out: &mut Vec<&'a Value>) {
    match seg {
        Seg::Key(k) => {
            if let Some(x) = v.as_object().and_then(|m| m.get(k)) {
                out.push(x);
            }
        }
        Seg::Index(n) => {
            if let Some(a) = v.as_array()
                && let Some(x) = norm_index(*n, a.len()).and_then(|i| a.get(i))
            {
                out.push(x);
            }
        }
        Seg::Wildcard => match v {
            Value::Object(m) => out.extend(m.values()),
            Value::Array(a) => out.extend(a.iter()),
            _ => {}
        },
        Seg::Keys(ks) => {
            if let Some(m) = v.as_object() {
                out.extend(ks.iter().filter_map(|k| m.get(k)));
            }
        }
        Seg::Indexes(ns) => {
            if let Some(a) = v.as_array() {
                out.extend(
                    ns.iter()
                        .filter_map(|n| norm_index(*n, a.len()).and_then(|i| a.get(i))),
                );
            }
        }
        Seg::Slice(s, e, st) => {
            if let Some(a) = v.as_array() {
                let len = a.len() as i64;
                let step = st.unwrap_or(1);
                let clamp = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                if step > 0 {
                    let mut i = clamp(s.unwrap_or(0));
                    let end = clamp(e.unwrap_or(len));
                    while i < end {
                        out.push(&a[i as usize]);
                        i = i.saturating_add(step);
                    }
                } else {
                    let mut i = s
                        .map(|x| if x < 0 { len + x } else { x.min(len - 1) })
                        .unwrap_or(len - 1);
                    let end = e
                        .map(|x| if x < 0 { (len + x).max(-1) } else { x })
                        .unwrap_or(-1);
                    while i > end && i >= 0 {
                        out.push(&a[i as usize]);
                        i = i.saturating_add(step);
                    }
                }
            }
        }
        Seg::Descendant(name) => descend(name.as_deref(), v, out, 0),
    }
}

fn descend<'a>(name: Option<&str>, v: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > MAX_DESCENT {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if name.is_none_or(|n| n == k) {
                    out.push(x);
                }
            }
            for x in m.values() {
                descend(name, x, out, depth + 1);
            }
        }
        Value::Array(a) => {
            if name.is_none() {
                out.extend(a.iter());
            }
            for x in a {
                descend(name, x, out, depth + 1);
            }
        }
        _ => {}
    }
}
