//! Typed reading of spanned JSON for the loader: objects with known keys, numbers in ranges, enums, distributions,
//! "did you mean" hints and JSON paths. Every reader records a [`Problem`] and returns `None` (or the default) on a
//! bad value, so that validation goes on and reports every problem of a file.

use std::collections::HashMap;

use super::super::error::Problem;
use super::super::json::{Member, Node, Pos, quote};
use super::super::model::{Dist, ResId, ResourceType};
use super::super::registry::{self, Key, Ref};

/// What the loader knows about a resource before reading it in full (for references).
#[derive(Debug, Clone, Default)]
pub(crate) struct ResInfo {
    pub name: String,
    /// None when the `type` is missing or unknown (already reported).
    pub rtype: Option<ResourceType>,
    pub fifo: bool,
    pub content_based_deduplication: bool,
    pub has_stream: bool,
    pub partition_key: Option<String>,
    pub sort_key: Option<String>,
}

/// Validation state: the problems found so far and the resource table.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub problems: Vec<Problem>,
    pub res: Vec<ResInfo>,
    pub by_name: HashMap<String, usize>,
    pub account_concurrency: u32,
    pub base_dir: Option<&'a std::path::Path>,
}

/// An object being read: its members and its JSON path.
pub(crate) struct Obj<'n> {
    pub node: &'n Node,
    pub members: &'n [Member],
    pub path: String,
}

impl<'n> Obj<'n> {
    /// The member `key`, or None when it is absent or `null` (null means "not set" for optional keys).
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.raw(key).filter(|n| !n.is_null())
    }

    /// The member `key` even when it is `null`.
    pub fn raw(&self, key: &str) -> Option<&'n Node> {
        self.members.iter().find(|m| m.key == key).map(|m| &m.value)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn key_pos(&self, key: &str) -> Pos {
        self.members
            .iter()
            .find(|m| m.key == key)
            .map(|m| m.key_pos)
            .unwrap_or(self.node.pos)
    }

    /// The JSON path of member `key`.
    pub fn path_of(&self, key: &str) -> String {
        child(&self.path, key)
    }
}

/// `path.key`, or `path["key"]` when the key is not a plain name.
pub(crate) fn child(path: &str, key: &str) -> String {
    // Keys too long to be ids are shown shortened by `quote`, never echoed whole.
    let plain = !key.is_empty()
        && key.len() <= 80
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    if plain {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    } else {
        format!("{path}[{}]", quote(key))
    }
}

/// `path[i]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A numeric range for messages and checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Range {
    pub min: f64,
    pub max: f64,
    pub min_exclusive: bool,
}

impl Range {
    pub const POSITIVE: Range = Range {
        min: 0.0,
        max: f64::INFINITY,
        min_exclusive: true,
    };
    /// A time in seconds: 0 ..= [`super::MAX_TIME_S`].
    pub const TIME_S: Range = Range {
        min: 0.0,
        max: super::MAX_TIME_S,
        min_exclusive: false,
    };
    /// A time in seconds after 0: 0 < t <= [`super::MAX_TIME_S`].
    pub const TIME_S_POSITIVE: Range = Range {
        min: 0.0,
        max: super::MAX_TIME_S,
        min_exclusive: true,
    };
    /// A duration in milliseconds: 0 ..= [`super::MAX_TIME_S`] × 1000.
    pub const TIME_MS: Range = Range {
        min: 0.0,
        max: super::MAX_TIME_S * 1000.0,
        min_exclusive: false,
    };
    /// A duration in milliseconds after 0: 0 < t <= [`super::MAX_TIME_S`] × 1000.
    pub const TIME_MS_POSITIVE: Range = Range {
        min: 0.0,
        max: super::MAX_TIME_S * 1000.0,
        min_exclusive: true,
    };

    pub fn incl(min: f64, max: f64) -> Range {
        Range {
            min,
            max,
            min_exclusive: false,
        }
    }

    fn contains(&self, v: f64) -> bool {
        let low = if self.min_exclusive {
            v > self.min
        } else {
            v >= self.min
        };
        low && v <= self.max
    }

    fn describe(&self, noun: &str) -> String {
        if self.max.is_infinite() {
            if self.min_exclusive {
                format!("{noun} > {}", fmt_num(self.min))
            } else {
                format!("{noun} >= {}", fmt_num(self.min))
            }
        } else if self.min_exclusive {
            format!(
                "{noun} > {} and <= {}",
                fmt_num(self.min),
                fmt_num(self.max)
            )
        } else {
            format!("{noun} from {} to {}", fmt_num(self.min), fmt_num(self.max))
        }
    }
}

pub(crate) fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…")
    }
}

/// "a", "a or b", "a, b or c".
pub(crate) fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// "a function", "an event_bus".
pub(crate) fn with_article(word: &str) -> String {
    format!("{} {word}", article(word))
}

/// Optimal-string-alignment edit distance over characters, ASCII case ignored.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    if a.len() > 200 || b.len() > 200 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let ca = a.get(i - 1);
            let cb = b.get(j - 1);
            let cost = usize::from(ca != cb);
            let g = |i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
            let mut v = (g(i - 1, j) + 1)
                .min(g(i, j - 1) + 1)
                .min(g(i - 1, j - 1) + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                v = v.min(g(i - 2, j - 2) + 1);
            }
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = v;
            }
        }
    }
    d.get(at(a.len(), b.len())).copied().unwrap_or(usize::MAX)
}

/// The candidate closest to `word`, if close enough to be a likely typo.
pub(crate) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let mut best: Option<(usize, &'c str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = distance(word, c);
        let longest = word.chars().count().max(c.chars().count());
        let close = d <= 2 && 2 * d < longest;
        // A missing unit suffix ("timeout" for "timeout_s", "at" for "at_s").
        let unit = c
            .strip_prefix(word)
            .is_some_and(|rest| rest.starts_with('_'))
            && !word.is_empty();
        let score = if close {
            d
        } else if unit {
            3
        } else {
            continue;
        };
        if best.is_none_or(|(b, _)| score < b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean "x"?)` or empty.
pub(crate) fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    did_you_mean(word, candidates)
        .map(|c| format!(" (did you mean {}?)", quote(c)))
        .unwrap_or_default()
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a str, base_dir: Option<&'a std::path::Path>) -> Ctx<'a> {
        Ctx {
            file,
            problems: Vec::new(),
            res: Vec::new(),
            by_name: HashMap::new(),
            account_concurrency: 1000,
            base_dir,
        }
    }

    pub fn err(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: pos.line,
            col: pos.col,
            path: path.to_string(),
            message: message.into(),
        });
    }

    pub fn type_err(&mut self, node: &Node, path: &str, expected: &str) {
        let msg = format!("expected {expected}, found {}", node.type_name());
        self.err(node.pos, path, msg);
    }

    /// Reads an object.
    pub fn obj<'n>(&mut self, node: &'n Node, path: &str, expected: &str) -> Option<Obj<'n>> {
        match node.as_object() {
            Some(members) => Some(Obj {
                node,
                members,
                path: path.to_string(),
            }),
            None => {
                self.type_err(node, path, expected);
                None
            }
        }
    }

    /// Reports every key of `obj` that is not in `allowed`.
    pub fn check_keys(&mut self, obj: &Obj<'_>, allowed: &[&str]) {
        for m in obj.members {
            if !allowed.contains(&m.key.as_str()) {
                let msg = match did_you_mean(&m.key, allowed.iter().copied()) {
                    Some(c) => {
                        format!("unknown key {} (did you mean {}?)", quote(&m.key), quote(c))
                    }
                    None if allowed.is_empty() => {
                        format!("unknown key {} (no keys are allowed here)", quote(&m.key))
                    }
                    None => format!(
                        "unknown key {}; expected one of: {}",
                        quote(&m.key),
                        allowed.join(", ")
                    ),
                };
                let path = obj.path_of(&m.key);
                self.err(m.key_pos, &path, msg);
            }
        }
    }

    /// A required member; `null` is returned as a value (and then fails its type check).
    pub fn required<'n>(&mut self, obj: &Obj<'n>, key: &str) -> Option<&'n Node> {
        let node = obj.raw(key);
        if node.is_none() {
            self.err(
                obj.node.pos,
                &obj.path,
                format!("missing required key {}", quote(key)),
            );
        }
        node
    }

    pub fn string<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n str> {
        match node.as_str() {
            Some(s) => Some(s),
            None => {
                self.type_err(node, path, "a string");
                None
            }
        }
    }

    pub fn nonempty_string<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n str> {
        let s = self.string(node, path)?;
        if s.is_empty() {
            self.err(node.pos, path, "expected a non-empty string, found \"\"");
            return None;
        }
        Some(s)
    }

    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.as_bool() {
            Some(b) => Some(b),
            None => {
                self.type_err(node, path, "true or false");
                None
            }
        }
    }

    /// A whole number (an integral float such as `128.0` is accepted) within `min..=max`.
    pub fn integer(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        let range = Range::incl(min as f64, max as f64);
        let describe = |r: Range| {
            if max == i64::MAX {
                Range {
                    max: f64::INFINITY,
                    ..r
                }
                .describe("an integer")
            } else {
                r.describe("an integer")
            }
        };
        let Some(n) = node.as_number() else {
            let msg = format!("expected {}, found {}", describe(range), node.type_name());
            self.err(node.pos, path, msg);
            return None;
        };
        let v: Option<i64> = if let Some(i) = n.as_i64() {
            Some(i)
        } else if n.as_u64().is_some() {
            None // above i64::MAX: out of every range we use
        } else {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() != 0.0 || !f.is_finite() {
                let msg = format!("expected {}, found {n}", describe(range));
                self.err(node.pos, path, msg);
                return None;
            }
            if (-9.2e18..=9.2e18).contains(&f) {
                Some(f as i64)
            } else {
                None
            }
        };
        match v {
            Some(i) if i >= min && i <= max => Some(i),
            _ => {
                let msg = format!("expected {}, found {n}", describe(range));
                self.err(node.pos, path, msg);
                None
            }
        }
    }

    /// A finite number within `range`.
    pub fn number(&mut self, node: &Node, path: &str, range: Range) -> Option<f64> {
        let Some(n) = node.as_number() else {
            let msg = format!(
                "expected {}, found {}",
                range.describe("a number"),
                node.type_name()
            );
            self.err(node.pos, path, msg);
            return None;
        };
        let v = n.as_f64().unwrap_or(f64::NAN);
        if v.is_finite() && range.contains(v) {
            Some(v)
        } else {
            let msg = format!("expected {}, found {n}", range.describe("a number"));
            self.err(node.pos, path, msg);
            None
        }
    }

    /// One of `options` (case-sensitive); returns its index.
    pub fn one_of(&mut self, node: &Node, path: &str, options: &[&str]) -> Option<usize> {
        let quoted: Vec<String> = options.iter().map(|o| quote(o)).collect();
        let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
        let Some(s) = node.as_str() else {
            let msg = format!("expected {}, found {}", or_list(&quoted), node.type_name());
            self.err(node.pos, path, msg);
            return None;
        };
        if let Some(i) = options.iter().position(|o| *o == s) {
            return Some(i);
        }
        let msg = format!(
            "expected {}, found {}{}",
            or_list(&quoted),
            quote(&shorten(s, 60)),
            hint(s, options.iter().copied())
        );
        self.err(node.pos, path, msg);
        None
    }

    // ---- members described by the registry ----------------------------------------------------------------------

    /// Reports every key of `obj` that is not one of the descriptors `keys`.
    pub fn check_keys_of(&mut self, obj: &Obj<'_>, keys: &[Key]) {
        self.check_keys(obj, &registry::names(keys));
    }

    /// An optional integer key, with the range and default of its descriptor.
    pub fn int_key(&mut self, obj: &Obj<'_>, key: &Key) -> i64 {
        let (min, max, default) = key.int_bounds();
        debug_assert!(default.is_some(), "{} has no default", key.name);
        self.opt_int(obj, key.name, default.unwrap_or(min), min, max)
    }

    /// An integer key without a default: None when absent (or invalid, then reported).
    pub fn opt_int_key(&mut self, obj: &Obj<'_>, key: &Key) -> Option<i64> {
        let (min, max, _) = key.int_bounds();
        let n = obj.get(key.name)?;
        self.integer(n, &obj.path_of(key.name), min, max)
    }

    /// An optional number key, with the range and default of its descriptor.
    pub fn number_key(&mut self, obj: &Obj<'_>, key: &Key) -> f64 {
        let (min, max, default) = key.number_bounds();
        self.opt_num(obj, key.name, default, Range::incl(min, max))
    }

    /// An optional boolean key, with the default of its descriptor.
    pub fn bool_key(&mut self, obj: &Obj<'_>, key: &Key) -> bool {
        self.opt_bool(obj, key.name, key.bool_default())
    }

    /// The value of an enum key: the index of one of its descriptor's choices.
    pub fn enum_key(&mut self, node: &Node, path: &str, key: &Key) -> Option<usize> {
        self.one_of(node, path, key.choices())
    }

    /// Resolves a reference described by the registry (allowed types and role).
    pub fn ref_of(&mut self, node: &Node, path: &str, r: &Ref) -> Option<ResId> {
        self.reference(node, path, r.types, r.role)
    }

    // ---- optional members with defaults -------------------------------------------------------------------------

    pub fn opt_int(&mut self, obj: &Obj<'_>, key: &str, default: i64, min: i64, max: i64) -> i64 {
        match obj.get(key) {
            Some(n) => self
                .integer(n, &obj.path_of(key), min, max)
                .unwrap_or(default),
            None => default,
        }
    }

    pub fn opt_num(&mut self, obj: &Obj<'_>, key: &str, default: f64, range: Range) -> f64 {
        match obj.get(key) {
            Some(n) => self.number(n, &obj.path_of(key), range).unwrap_or(default),
            None => default,
        }
    }

    pub fn opt_bool(&mut self, obj: &Obj<'_>, key: &str, default: bool) -> bool {
        match obj.get(key) {
            Some(n) => self.boolean(n, &obj.path_of(key)).unwrap_or(default),
            None => default,
        }
    }

    pub fn opt_string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        let n = obj.get(key)?;
        self.string(n, &obj.path_of(key)).map(str::to_string)
    }

    pub fn opt_dist(&mut self, obj: &Obj<'_>, key: &str, default: Dist) -> Dist {
        match obj.get(key) {
            Some(n) => self.dist(n, &obj.path_of(key)).unwrap_or(default),
            None => default,
        }
    }

    /// A distribution of milliseconds: a number, or `{"dist": …}`.
    pub fn dist(&mut self, node: &Node, path: &str) -> Option<Dist> {
        const KINDS: [&str; 5] = ["fixed", "uniform", "exponential", "normal", "lognormal"];
        if node.as_number().is_some() {
            return self.number(node, path, Range::TIME_MS).map(Dist::Fixed);
        }
        let Some(members) = node.as_object() else {
            let msg = format!(
                "expected a distribution (a number of milliseconds or an object with \"dist\"), found {}",
                node.type_name()
            );
            self.err(node.pos, path, msg);
            return None;
        };
        let obj = Obj {
            node,
            members,
            path: path.to_string(),
        };
        let kind_node = self.required(&obj, "dist")?;
        let Some(kind) = self.one_of(kind_node, &obj.path_of("dist"), &KINDS) else {
            self.check_keys(&obj, super::super::keys::DIST);
            return None;
        };
        let keys: &[&str] = match kind {
            0 => &["value"],
            1 => &["min", "max"],
            2 => &["mean"],
            3 => &["mean", "stddev"],
            _ => &["p50", "p99"],
        };
        let mut allowed = vec!["dist"];
        allowed.extend_from_slice(keys);
        self.check_keys(&obj, &allowed);
        let mut vals = Vec::new();
        let mut ok = true;
        for (i, k) in keys.iter().enumerate() {
            let range = if kind == 4 && i == 0 {
                Range::TIME_MS_POSITIVE
            } else {
                Range::TIME_MS
            };
            let v = self
                .required(&obj, k)
                .and_then(|n| self.number(n, &obj.path_of(k), range));
            ok &= v.is_some();
            vals.push(v.unwrap_or(0.0));
        }
        if !ok {
            return None;
        }
        let a = vals.first().copied().unwrap_or(0.0);
        let b = vals.get(1).copied().unwrap_or(0.0);
        match kind {
            0 => Some(Dist::Fixed(a)),
            1 => {
                if a > b {
                    let pos = obj.raw("max").map(|n| n.pos).unwrap_or(node.pos);
                    self.err(
                        pos,
                        &obj.path_of("max"),
                        format!(
                            "max ({}) must not be less than min ({})",
                            fmt_num(b),
                            fmt_num(a)
                        ),
                    );
                    return None;
                }
                Some(Dist::Uniform { min: a, max: b })
            }
            2 => Some(Dist::Exponential { mean: a }),
            3 => Some(Dist::Normal { mean: a, stddev: b }),
            _ => {
                if a > b {
                    let pos = obj.raw("p99").map(|n| n.pos).unwrap_or(node.pos);
                    self.err(
                        pos,
                        &obj.path_of("p99"),
                        format!(
                            "p99 ({}) must not be less than p50 ({})",
                            fmt_num(b),
                            fmt_num(a)
                        ),
                    );
                    return None;
                }
                Some(Dist::LogNormal { p50: a, p99: b })
            }
        }
    }

    // ---- references ---------------------------------------------------------------------------------------------

    pub fn info(&self, id: ResId) -> Option<&ResInfo> {
        self.res.get(id.index())
    }

    /// Resolves a resource reference whose type must be one of `allowed`; `role` names what the reference is for
    /// ("a notification target"). Unknown-typed resources resolve silently to None (already reported).
    pub fn reference(
        &mut self,
        node: &Node,
        path: &str,
        allowed: &[ResourceType],
        role: &str,
    ) -> Option<ResId> {
        let Some(name) = node.as_str() else {
            let msg = format!(
                "expected a resource id (a string), found {}",
                node.type_name()
            );
            self.err(node.pos, path, msg);
            return None;
        };
        let Some(&i) = self.by_name.get(name) else {
            // Prefer candidates of an allowed type.
            let good: Vec<&str> = self
                .res
                .iter()
                .filter(|r| r.rtype.is_some_and(|t| allowed.contains(&t)))
                .map(|r| r.name.as_str())
                .collect();
            let suggestion = did_you_mean(name, good.iter().copied())
                .or_else(|| did_you_mean(name, self.res.iter().map(|r| r.name.as_str())));
            let msg = match suggestion {
                Some(s) => format!("no resource {} (did you mean {}?)", quote(name), quote(s)),
                None => format!("no resource {}", quote(name)),
            };
            self.err(node.pos, path, msg);
            return None;
        };
        let rtype = self.res.get(i).and_then(|r| r.rtype)?;
        if !allowed.contains(&rtype) {
            let names: Vec<&str> = allowed.iter().map(|t| t.name()).collect();
            let msg = format!(
                "{} is {}, but {role} must be {}",
                quote(name),
                with_article(rtype.name()),
                with_article(&or_list(&names))
            );
            self.err(node.pos, path, msg);
            return None;
        }
        Some(ResId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// Whether `id` is a FIFO queue or topic.
    pub fn is_fifo(&self, id: ResId) -> bool {
        self.info(id).is_some_and(|r| r.fifo)
    }

    pub fn rtype(&self, id: ResId) -> Option<ResourceType> {
        self.info(id).and_then(|r| r.rtype)
    }

    pub fn name(&self, id: ResId) -> &str {
        self.info(id).map(|r| r.name.as_str()).unwrap_or("")
    }

    /// Reports a FIFO queue or topic where AWS accepts only standard ones.
    pub fn require_standard(
        &mut self,
        id: Option<ResId>,
        node: Option<&Node>,
        path: &str,
        why: &str,
    ) -> Option<ResId> {
        let id = id?;
        if self.is_fifo(id) {
            let kind = self.rtype(id).map(|t| t.name()).unwrap_or("queue");
            let msg = format!("{} is a FIFO {kind}; {why}", quote(self.name(id)));
            let pos = node.map(|n| n.pos).unwrap_or_default();
            self.err(pos, path, msg);
            return None;
        }
        Some(id)
    }
}

/// Finds the node at a sub-path such as `detail.status[0]` or `.detail["a b"]` below `node` (best effort: the deepest
/// node that exists), for positioning problems reported by other modules.
pub(crate) fn locate<'n>(node: &'n Node, sub: &str) -> &'n Node {
    let mut cur = node;
    let sub = strip_root(sub);
    let chars: Vec<char> = sub.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        if c == '.' {
            i += 1;
            continue;
        }
        if c == '[' {
            let close = chars.iter().skip(i).position(|&c| c == ']').map(|p| p + i);
            let Some(close) = close else { break };
            let inner: String = chars
                .get(i + 1..close)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            i = close + 1;
            if let Ok(k) = inner.parse::<usize>() {
                match cur.as_array().and_then(|a| a.get(k)) {
                    Some(n) => cur = n,
                    None => break,
                }
            } else {
                let key: String = serde_json::from_str(&inner)
                    .unwrap_or_else(|_| inner.trim_matches('\'').to_string());
                match cur.get(&key) {
                    Some(n) => cur = n,
                    None => break,
                }
            }
            continue;
        }
        let start = i;
        while i < chars.len() && !matches!(chars.get(i), Some('.') | Some('[')) {
            i += 1;
        }
        let key: String = chars
            .get(start..i)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        match cur.get(&key) {
            Some(n) => cur = n,
            None => break,
        }
    }
    cur
}

/// Appends a sub-path reported by another module to a JSON path.
pub(crate) fn join_path(path: &str, sub: &str) -> String {
    let sub = strip_root(sub);
    if sub.is_empty() {
        path.to_string()
    } else if sub.starts_with('.') || sub.starts_with('[') {
        format!("{path}{sub}")
    } else {
        format!("{path}.{sub}")
    }
}

/// `$.a` / `$[0]` / `$` → `.a` / `[0]` / `` (a leading JSONPath root), but `$or…` stays.
fn strip_root(sub: &str) -> &str {
    match sub.strip_prefix('$') {
        Some(rest) if rest.is_empty() || rest.starts_with('.') || rest.starts_with('[') => rest,
        _ => sub,
    }
}
