//! A small, strict JSON parser that remembers where everything is.
//!
//! serde_json does not tell where a value sits in the text, and the scenario loader must name `line:col` for every
//! problem. This parser produces a tree ([`Node`]) in which every value and every object key carries its 1-based line
//! and column (the column counts characters, not bytes). Objects keep their key order. It is stricter than serde_json
//! where AWS is strict: a duplicate key is an error. Numbers follow serde_json exactly (integers as `i64`/`u64`,
//! everything else `f64`; a number that does not fit an `f64` is an error), because the text of each number is handed
//! to [`serde_json::Number`]'s parser.
//!
//! It never panics: nesting is limited to [`MAX_DEPTH`] levels, bytes that are not UTF-8 are reported with their
//! position, and every error names what was expected and what was found. A leading UTF-8 byte-order mark is skipped.
//! Line breaks are `\n` (a `\r` before it is ordinary whitespace).

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Number, Value};

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 128;

/// A position in the text: 1-based line and 1-based column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A JSON value with its position (the position of its first character).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Json,
}

/// An object member: the key with the position of its opening quote, and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// The spanned counterpart of [`serde_json::Value`].
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Node>),
    /// Members in file order; keys are unique.
    Object(Vec<Member>),
}

/// A syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for JsonError {}

impl Node {
    /// "a string", "an object", … — for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Json::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Json::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match &self.value {
            Json::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.value {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The member `key` of an object (None for other values).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    /// The member `key` of an object with its key position.
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.as_object()?.iter().find(|m| m.key == key)
    }

    /// Converts to a plain [`serde_json::Value`] (object order kept).
    pub fn to_value(&self) -> Value {
        match &self.value {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(a) => Value::Array(a.iter().map(Node::to_value).collect()),
            Json::Object(m) => {
                let mut map = Map::with_capacity(m.len());
                for member in m {
                    map.insert(member.key.clone(), member.value.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// Parses UTF-8 text.
pub fn parse(text: &str) -> Result<Node, JsonError> {
    let mut p = Parser::new(text);
    p.skip_bom();
    p.skip_ws();
    let root = p.value(0)?;
    p.skip_ws();
    if p.i < p.b.len() {
        let found = p.describe_here();
        return Err(p.err_here(format!(
            "expected end of file after the JSON value, found {found}"
        )));
    }
    Ok(root)
}

/// Parses bytes, reporting the position of the first byte that is not UTF-8.
pub fn parse_bytes(bytes: &[u8]) -> Result<Node, JsonError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = bytes.get(..good).unwrap_or_default();
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(prefix).unwrap_or_default();
            let pos = pos_of_end(prefix);
            let byte = bytes.get(good).copied().unwrap_or(0);
            Err(JsonError {
                pos,
                message: format!(
                    "invalid UTF-8 (byte 0x{byte:02X}): a scenario must be UTF-8 JSON text, is this a binary file?"
                ),
            })
        }
    }
}

/// The position just after the end of `text`.
pub fn pos_of_end(text: &str) -> Pos {
    let line_start = text.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = text
        .get(line_start..)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    Pos {
        line: sat_u32(line),
        col: sat_u32(col),
    }
}

fn sat_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    line: u32,
    line_start: usize,
    /// Column checkpoint on the current line: the byte `cp_byte` is at column `cp_col` (1-based).
    cp_byte: usize,
    cp_col: u32,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            b: text.as_bytes(),
            i: 0,
            line: 1,
            line_start: 0,
            cp_byte: 0,
            cp_col: 1,
        }
    }

    fn skip_bom(&mut self) {
        if self.b.starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.i = 3;
            self.line_start = 3;
            self.cp_byte = 3;
        }
    }

    /// Position of byte `at`, which must be on the current line.
    fn pos_at(&mut self, at: usize) -> Pos {
        let at = at.min(self.b.len());
        if at < self.cp_byte || self.cp_byte < self.line_start {
            self.cp_byte = self.line_start;
            self.cp_col = 1;
        }
        let seg = self.b.get(self.cp_byte..at).unwrap_or_default();
        let chars = seg.iter().filter(|&&c| (c & 0xC0) != 0x80).count();
        self.cp_col = self.cp_col.saturating_add(sat_u32(chars));
        self.cp_byte = at;
        Pos {
            line: self.line,
            col: self.cp_col,
        }
    }

    fn pos(&mut self) -> Pos {
        self.pos_at(self.i)
    }

    fn err_at(&mut self, at: usize, message: String) -> JsonError {
        JsonError {
            pos: self.pos_at(at),
            message,
        }
    }

    fn err_here(&mut self, message: String) -> JsonError {
        self.err_at(self.i, message)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.line = self.line.saturating_add(1);
                    self.line_start = self.i;
                    self.cp_byte = self.i;
                    self.cp_col = 1;
                }
                _ => break,
            }
        }
    }

    /// Describes the character at the cursor for "found …".
    fn describe_here(&self) -> String {
        describe_at(self.b, self.i)
    }

    fn value(&mut self, depth: usize) -> Result<Node, JsonError> {
        let start = self.i;
        let pos = self.pos();
        let Some(c) = self.peek() else {
            return Err(self.err_here("expected a JSON value, found end of file".to_string()));
        };
        let value = match c {
            b'{' => self.object(depth + 1)?,
            b'[' => self.array(depth + 1)?,
            b'"' => Json::String(self.string()?),
            b'-' | b'0'..=b'9' => Json::Number(self.number()?),
            b't' | b'f' | b'n' => self.literal()?,
            c if c.is_ascii_alphabetic() => self.literal()?,
            _ => {
                let found = self.describe_here();
                return Err(self.err_at(start, format!("expected a JSON value, found {found}")));
            }
        };
        Ok(Node { pos, value })
    }

    fn literal(&mut self) -> Result<Json, JsonError> {
        let rest = self.b.get(self.i..).unwrap_or_default();
        for (word, value) in [
            ("true", Json::Bool(true)),
            ("false", Json::Bool(false)),
            ("null", Json::Null),
        ] {
            if rest.starts_with(word.as_bytes()) {
                let after = rest.get(word.len()).copied();
                if !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    self.i += word.len();
                    return Ok(value);
                }
            }
        }
        let word: String = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .take(20)
            .map(|&b| b as char)
            .collect();
        Err(self.err_here(format!(
            "expected a JSON value, found `{word}` (strings need double quotes; the literals are true, false and null)"
        )))
    }

    fn depth_check(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err_here(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.depth_check(depth)?;
        self.i += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') && !items.is_empty() {
                return Err(self.err_here(
                    "expected a value after ',', found ']' (trailing commas are not allowed)"
                        .into(),
                ));
            }
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => {
                    let found = self.describe_here();
                    return Err(self.err_here(format!(
                        "expected ',' or ']' after array element, found {found}"
                    )));
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.depth_check(depth)?;
        self.i += 1; // '{'
        let mut members: Vec<Member> = Vec::new();
        let mut seen: Option<HashSet<String>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') if !members.is_empty() => {
                    return Err(self.err_here(
                        "expected a key after ',', found '}' (trailing commas are not allowed)"
                            .into(),
                    ));
                }
                _ => {
                    let found = self.describe_here();
                    return Err(self.err_here(format!(
                        "expected a string key in double quotes, found {found}"
                    )));
                }
            }
            let key_start = self.i;
            let key_pos = self.pos();
            let key = self.string()?;
            // Duplicate keys: a linear scan for small objects, a set for large ones.
            let duplicate = if members.len() < 16 {
                members.iter().find(|m| m.key == key).map(|m| m.key_pos)
            } else {
                let set =
                    seen.get_or_insert_with(|| members.iter().map(|m| m.key.clone()).collect());
                if set.insert(key.clone()) {
                    None
                } else {
                    members.iter().find(|m| m.key == key).map(|m| m.key_pos)
                }
            };
            if let Some(first) = duplicate {
                return Err(self.err_at(
                    key_start,
                    format!(
                        "duplicate key {} (first at line {}, column {})",
                        quote(&key),
                        first.line,
                        first.col
                    ),
                ));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                let found = self.describe_here();
                return Err(self.err_here(format!("expected ':' after object key, found {found}")));
            }
            self.i += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push(Member {
                key,
                key_pos,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => {
                    let found = self.describe_here();
                    return Err(self.err_here(format!(
                        "expected ',' or '}}' after object member, found {found}"
                    )));
                }
            }
        }
    }

    /// A string starting at the opening quote under the cursor.
    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            // Fast path: copy a run of ordinary bytes.
            let run_start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            if self.i > run_start {
                let run = self.b.get(run_start..self.i).unwrap_or_default();
                // Runs end at ASCII bytes, so they are whole UTF-8 sequences of the (valid) input.
                out.push_str(std::str::from_utf8(run).unwrap_or_default());
            }
            match self.peek() {
                None => {
                    return Err(self.err_at(
                        open,
                        "string not closed: found end of file before the closing '\"'".into(),
                    ));
                }
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(b'\n') => {
                    return Err(self.err_here(
                        "string not closed before the end of the line (a line break inside a string must be written \\n)"
                            .into(),
                    ));
                }
                Some(c) => {
                    return Err(self.err_here(format!(
                        "control character U+{:04X} in a string (write it as an escape such as \\t or \\u{:04x})",
                        c, c
                    )));
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let at = self.i;
        self.i += 1; // '\\'
        let Some(c) = self.peek() else {
            return Err(self.err_at(
                at,
                "string not closed: found end of file in an escape".into(),
            ));
        };
        self.i += 1;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    let rest = self.b.get(self.i..).unwrap_or_default();
                    if rest.starts_with(b"\\u") {
                        let second = self.i;
                        self.i += 2;
                        let lo = self.hex4(second)?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return Err(self.err_at(
                                second,
                                format!("\\u{hi:04X} must be followed by a low surrogate, found \\u{lo:04X}"),
                            ));
                        }
                        let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        char::from_u32(code).unwrap_or('\u{FFFD}')
                    } else {
                        return Err(
                            self.err_at(at, format!("lone surrogate \\u{hi:04X} in a string"))
                        );
                    }
                } else if (0xDC00..0xE000).contains(&hi) {
                    return Err(self.err_at(at, format!("lone surrogate \\u{hi:04X} in a string")));
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            _ => {
                let found = describe_at(self.b, self.i - 1);
                return Err(self.err_at(
                    at,
                    format!("invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX after '\\', found {found}"),
                ));
            }
        };
        out.push(ch);
        Ok(())
    }

    fn hex4(&mut self, esc_at: usize) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self.peek().and_then(|c| (c as char).to_digit(16));
            match d {
                Some(d) => {
                    v = v * 16 + d;
                    self.i += 1;
                }
                None => {
                    return Err(self.err_at(
                        esc_at,
                        "invalid \\u escape: expected 4 hexadecimal digits".into(),
                    ));
                }
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return Err(self.err_at(
                        start,
                        "invalid number: leading zeros are not allowed".into(),
                    ));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => {
                let found = self.describe_here();
                return Err(self.err_here(format!(
                    "invalid number: expected a digit after '-', found {found}"
                )));
            }
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                let found = self.describe_here();
                return Err(self.err_here(format!(
                    "invalid number: expected a digit after '.', found {found}"
                )));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                let found = self.describe_here();
                return Err(self.err_here(format!(
                    "invalid number: expected a digit in the exponent, found {found}"
                )));
            }
            self.digits();
        }
        let text = self
            .b
            .get(start..self.i)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("");
        // Fast path for plain integers (serde_json gives the same result); `-0` is an f64 there.
        let plain = text.len() <= 18
            && !text.starts_with("-0")
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if plain && let Ok(v) = text.parse::<i64>() {
            return Ok(Number::from(v));
        }
        text.parse::<Number>().map_err(|_| {
            self.err_at(
                start,
                format!("number {} is out of range", shorten(text, 40)),
            )
        })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }
}

/// Describes the character at byte `i` of `b` for "found …" messages.
fn describe_at(b: &[u8], i: usize) -> String {
    let Some(rest) = b.get(i..) else {
        return "end of file".into();
    };
    if rest.is_empty() {
        return "end of file".into();
    }
    // Decode one character (input is valid UTF-8, but be defensive).
    let len = match rest.first().copied().unwrap_or(0) {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    };
    let ch = rest
        .get(..len)
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.chars().next());
    match ch {
        Some('\0') => "a NUL byte (U+0000; is this a binary file?)".into(),
        Some(c) if c.is_control() || c.is_whitespace() => format!("U+{:04X}", c as u32),
        Some('\'') => "\"'\"".into(),
        Some(c) => format!("'{c}'"),
        None => "an invalid byte".into(),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…")
    }
}

/// A string in double quotes with JSON escapes, for messages.
pub fn quote(s: &str) -> String {
    /// Longer strings are cut in messages: an id of 10,000 characters is not worth echoing whole.
    const MAX_SHOWN_CHARS: usize = 80;
    const KEPT_CHARS: usize = 60;
    let total = s.chars().count();
    let shown: String = if total > MAX_SHOWN_CHARS {
        s.chars().take(KEPT_CHARS).collect()
    } else {
        s.to_string()
    };
    let mut out = String::with_capacity(shown.len() + 2);
    out.push('"');
    for c in shown.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_invisible(c) => {
                let code = u32::from(c);
                if code <= 0xFFFF {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\u{{{code:x}}}"));
                }
            }
            c => out.push(c),
        }
    }
    if total > MAX_SHOWN_CHARS {
        out.push_str(&format!("…\" ({total} characters)"));
    } else {
        out.push('"');
    }
    out
}

/// Characters that print as nothing (or as a plain space) and so would hide in a message: controls, format
/// characters (zero-width spaces and joiners, bidirectional controls, the byte-order mark, tag characters),
/// unusual spaces and variation selectors. They are shown escaped.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            u32::from(c),
            0x00A0 | 0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180E
                | 0x2000..=0x200F
                | 0x2028..=0x202F
                | 0x205F..=0x206F
                | 0x3000 | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB
                | 0xE0000..=0xE007F
        )
}
