//! Compile errors ([`ScriptError`]) and the error objects of failed runs (see the table in the module docs of
//! `script`).

use rhai::{AST, Dynamic, EvalAltResult, ImmutableString, Map, ParseError, Position};
use serde_json::Value;

use super::engine::STACK_TOKEN;
use super::{Handler, MAX_CALL_LEVELS, MAX_DEPTH, ScriptError, convert, state};

/// A parse error at its line and column.
pub(super) fn parse_error(e: &ParseError, source: &str, label: &str) -> ScriptError {
    let (line, col) = line_col(e.position(), source);
    let mut message = e.err_type().to_string();
    let word = |w: &str| message.contains(&format!("'{w}'"));
    if word("eval") {
        message.push_str(" (handler scripts cannot evaluate code at run time)");
    } else if word("import") {
        message
            .push_str(" (handler scripts cannot import modules: put everything in the one file)");
    }
    ScriptError {
        file: label.to_string(),
        line,
        col,
        message,
    }
}

/// The 1-based line and column of a position; end of file (or an unknown position) as the last line's end.
fn line_col(pos: Position, source: &str) -> (u32, u32) {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => (l as u32, c.max(1) as u32),
        (Some(l), None) => (l as u32, 1),
        _ => {
            let lines = source.lines().count().max(1);
            let last = source.lines().last().map_or(0, |l| l.chars().count());
            (lines as u32, last as u32 + 1)
        }
    }
}

/// Checks that the script defines `fn handler(event, context)`.
pub(super) fn check_handler(ast: &AST, source: &str, label: &str) -> Result<(), ScriptError> {
    let arities: Vec<usize> = ast
        .iter_functions()
        .filter(|f| f.name == "handler" && f.this_type.is_none())
        .map(|f| f.params.len())
        .collect();
    if arities.contains(&2) {
        return Ok(());
    }
    let (line, col) = find_fn(source, "handler").map_or((1, 1), |(start, _)| start);
    let message = match arities.first() {
        None => "the script defines no `fn handler(event, context)`".to_string(),
        Some(n) => format!(
            "`fn handler` takes {n} parameter{}; it must take two: `fn handler(event, context)`",
            if *n == 1 { "" } else { "s" }
        ),
    };
    Err(ScriptError {
        file: label.to_string(),
        line,
        col,
        message,
    })
}

/// Where `fn NAME` is defined in Rhai source: the `fn` keyword and the closing brace of its body, as
/// `(line, col)` pairs. Comments and string literals are skipped.
pub(super) fn find_fn(source: &str, name: &str) -> Option<((u32, u32), (u32, u32))> {
    let tokens = scan(source);
    let at = tokens
        .windows(2)
        .position(|w| w[0].text == "fn" && w[1].text == name)?;
    let start = (tokens[at].line, tokens[at].col);
    let mut depth = 0usize;
    for t in &tokens[at + 2..] {
        match t.text.as_str() {
            "{" => depth += 1,
            "}" if depth == 1 => return Some((start, (t.line, t.col))),
            "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Some((start, (u32::MAX, u32::MAX)))
}

/// A word or a punctuation character of Rhai source, at its 1-based line and column.
struct Token {
    text: String,
    line: u32,
    col: u32,
}

/// Words and punctuation of Rhai source, without comments, string and character literals.
fn scan(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    // Moves over chars[i], keeping line and column.
    let step = |i: &mut usize, line: &mut u32, col: &mut u32| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                step(&mut i, &mut line, &mut col);
            }
        } else if c == '/' && next == Some('*') {
            // Rhai's block comments nest.
            let mut depth = 0usize;
            while i < chars.len() {
                let two = (chars[i], chars.get(i + 1).copied());
                if two == ('/', Some('*')) {
                    depth += 1;
                    step(&mut i, &mut line, &mut col);
                    step(&mut i, &mut line, &mut col);
                } else if two == ('*', Some('/')) {
                    depth -= 1;
                    step(&mut i, &mut line, &mut col);
                    step(&mut i, &mut line, &mut col);
                    if depth == 0 {
                        break;
                    }
                } else {
                    step(&mut i, &mut line, &mut col);
                }
            }
        } else if c == '"' || c == '`' || c == '\'' {
            step(&mut i, &mut line, &mut col);
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && c != '`' && i + 1 < chars.len() {
                    step(&mut i, &mut line, &mut col);
                }
                step(&mut i, &mut line, &mut col);
            }
            if i < chars.len() {
                step(&mut i, &mut line, &mut col);
            }
        } else if c.is_alphanumeric() || c == '_' {
            let (l, k, from) = (line, col, i);
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                step(&mut i, &mut line, &mut col);
            }
            out.push(Token {
                text: chars[from..i].iter().collect(),
                line: l,
                col: k,
            });
        } else {
            if !c.is_whitespace() {
                out.push(Token {
                    text: c.to_string(),
                    line,
                    col,
                });
            }
            step(&mut i, &mut line, &mut col);
        }
    }
    out
}

/// `{"errorType", "errorMessage"}` without a location.
pub(super) fn plain(error_type: &str, message: &str) -> Value {
    crate::events::error_object(error_type, message)
}

/// ` (line L, column C)`, or nothing for an unknown position.
pub(super) fn location(pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

/// The error object of a run that failed with `err`. `api_error` is the last error an API function threw into the
/// script: when `err` is exactly that error, it gets its location appended.
pub(super) fn error_object(
    err: &EvalAltResult,
    handler: &Handler,
    api_error: Option<&state::ApiError>,
) -> Value {
    // Unwrap the chain of calls: (function, where it was called from), outermost first.
    let mut calls: Vec<(&str, Position)> = Vec::new();
    let mut inner = err;
    while let EvalAltResult::ErrorInFunctionCall(name, _, e, pos) = inner {
        calls.push((name.as_str(), *pos));
        inner = e;
    }
    let pos = inner.position();
    let (error_type, message) = match inner {
        EvalAltResult::ErrorRuntime(value, _) => {
            let (t, mut m) = thrown(value);
            if let Some(api) = api_error
                && api.error_type == t
                && api.message == m
                && api.line == pos.line()
                && api.col == pos.position()
            {
                m.push_str(&location(pos));
            }
            (t, m)
        }
        EvalAltResult::ErrorTerminated(token, _)
            if token
                .read_lock::<ImmutableString>()
                .is_some_and(|s| s.as_str() == STACK_TOKEN) =>
        {
            (
                "ScriptError".to_string(),
                format!(
                    "stack overflow: the script nests calls too deeply{}",
                    location(pos)
                ),
            )
        }
        EvalAltResult::ErrorDataTooLarge(what, _) if what == rhai::DATA_TOO_DEEP => (
            "ScriptError".to_string(),
            format!(
                "data nested too deeply: arrays and maps may be nested at most {MAX_DEPTH} levels deep{}",
                location(pos)
            ),
        ),
        EvalAltResult::ErrorStackOverflow(_) => (
            "ScriptError".to_string(),
            format!(
                "stack overflow: more than {MAX_CALL_LEVELS} nested function calls{}",
                location(pos)
            ),
        ),
        other => {
            // Rhai's message ends with " (line L, position C)": replaced by our own location.
            let text = other.to_string();
            let suffix = format!(" ({pos})");
            let text = text
                .strip_suffix(&suffix)
                .unwrap_or(&text)
                // Rhai names the string parameter type by its Rust types.
                .replace("&str | ImmutableString | String", "string");
            (
                "ScriptError".to_string(),
                format!("{text}{}", location(pos)),
            )
        }
    };
    let mut obj = crate::events::error_object(&error_type, &message);
    // The outermost frame is `handler` unless the error came from top-level statements.
    let entry = calls.first().map_or(pos, |(_, p)| *p);
    let outermost = match (entry.line(), entry.position(), handler.handler_span()) {
        (Some(l), c, Some((from, to))) => {
            let at = (l as u32, c.unwrap_or(1) as u32);
            if from <= at && at <= to {
                "handler"
            } else {
                "<top level>"
            }
        }
        _ => "handler",
    };
    let trace = stack_trace(&calls, pos, outermost, handler.trace_name());
    if let Value::Object(m) = &mut obj
        && !trace.is_empty()
    {
        m.insert(
            "stackTrace".into(),
            Value::Array(trace.into_iter().map(Value::String).collect()),
        );
    }
    obj
}

/// `errorType` and `errorMessage` of a thrown value.
fn thrown(value: &Dynamic) -> (String, String) {
    if let Some(map) = value.read_lock::<Map>() {
        let text = |key: &str| {
            map.get(key)
                .map(|v| match v.read_lock::<ImmutableString>() {
                    Some(s) => s.to_string(),
                    None => convert::log_text(v),
                })
        };
        let error_type = text("errorType").unwrap_or_else(|| "Error".into());
        let message = text("errorMessage").unwrap_or_else(|| convert::log_text(value));
        return (error_type, message);
    }
    let message = match value.read_lock::<ImmutableString>() {
        Some(s) => s.to_string(),
        None if value.is_unit() => String::new(),
        None => convert::log_text(value),
    };
    ("Error".into(), message)
}

/// `"at NAME (FILE:LINE:COL)"`, innermost first.
fn stack_trace(
    calls: &[(&str, Position)],
    innermost: Position,
    outermost: &str,
    label: &str,
) -> Vec<String> {
    let name = |n: &str| {
        if n.starts_with("anon$") {
            "<closure>".to_string()
        } else {
            n.to_string()
        }
    };
    let at = |n: String, pos: Position| -> Option<String> {
        let line = pos.line()?;
        let col = pos.position().unwrap_or(1);
        Some(format!("at {n} ({label}:{line}:{col})"))
    };
    let mut out = Vec::new();
    let top = calls.last().map_or(outermost.to_string(), |(n, _)| name(n));
    out.extend(at(top, innermost));
    for i in (0..calls.len()).rev() {
        let caller = if i == 0 {
            outermost.to_string()
        } else {
            name(calls[i - 1].0)
        };
        out.extend(at(caller, calls[i].1));
    }
    out
}
