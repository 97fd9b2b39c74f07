//! Amazon EventBridge: the event envelope built from a PutEvents entry, the scheduled-rule
//! event, and target input shaping (`Input`, `InputPath`, `InputTransformer`).
//!
//! # Envelope
//!
//! Keys in AWS's order: `version` (`"0"`), `id`, `detail-type`, `source`, `account`, `time`
//! (ISO-8601, whole seconds, `Z`), `region`, `resources` (array, `[]` by default), `detail`.
//!
//! # Target input ([`target_input`])
//!
//! * nothing configured → the whole event;
//! * `Input` → that constant JSON;
//! * `InputPath` → the part of the event the JSON path selects; a path that selects nothing is
//!   an error (the simulator counts the delivery as failed);
//! * `InputTransformer` → variables from `InputPathsMap` (plus the reserved
//!   `aws.events.rule-arn`, `aws.events.rule-name`, `aws.events.event.ingestion-time`,
//!   `aws.events.event`, `aws.events.event.json`) substituted into `InputTemplate`.
//!
//! Template rules (AWS documents the examples; the rest are the choices made here):
//! * a template whose first non-blank character is `{`, `[` or `"` is a JSON template: a
//!   placeholder inside a JSON string is replaced by the value's text (strings without their
//!   quotes, as EventBridge documents, other values as JSON text), escaped for a JSON string so
//!   the result stays valid JSON — an object placed in `"…<obj>…"` arrives as its JSON text
//!   inside that string (EventBridge escapes variables' contents; only `aws.events.event` and
//!   `aws.events.event.json` are not escaped, which is why they may only be JSON values —
//!   EventBridge User Guide, "Amazon EventBridge input transformation"); a bare placeholder by
//!   the value's JSON;
//! * any other template is plain text: every placeholder is replaced by the value's text;
//! * a variable whose path selects nothing ("isn't created") becomes `null` where a JSON value is
//!   expected and the empty string inside a string or in text;
//! * `<name>` where `name` is neither a variable nor reserved is left as written;
//! * the filled template is parsed as JSON; if that fails (plain text, or a value whose quotes
//!   broke the JSON) the target receives the text as a JSON string.
//! * `aws.events.event.ingestion-time` is ISO-8601 with milliseconds.
//!
//! JSON paths ([`validate_json_path`]) support what EventBridge documents: `$`, dot notation
//! with names of letters, digits, `_`, `-` and `/`, array indices `[0]`, and wildcards `.*` /
//! `[*]`. A path with a wildcard selects an array of every match.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::time::{iso_millis, iso_seconds, parse_iso};
use super::{AwsEnv, EventError};

/// Reserved InputTransformer variables.
pub const RESERVED_VARIABLES: [&str; 5] = [
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event.ingestion-time",
    "aws.events.event",
    "aws.events.event.json",
];

/// Maximum number of `InputPathsMap` variables.
pub const MAX_TRANSFORMER_VARIABLES: usize = 100;
/// Maximum length of an `InputTemplate`.
pub const MAX_TEMPLATE_LEN: usize = 8192;
/// Maximum length of an `InputPath` or an `InputPathsMap` path.
pub const MAX_PATH_LEN: usize = 256;

// =============================================================================================
// Envelope
// =============================================================================================

fn entry_field<'a>(obj: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| obj.get(*n))
        .filter(|v| !v.is_null())
}

/// Builds the event EventBridge delivers for one PutEvents entry.
///
/// `entry` is `{source, "detail-type", detail, resources?, time?}` (the API's PascalCase names
/// `Source`, `DetailType`, `Detail`, `Resources`, `Time` are accepted too, and `EventBusName` /
/// `TraceHeader` are ignored). `source` and `detail-type` must be non-empty strings; `detail`
/// is required and must be a JSON object or a string holding one (the API's `Detail`);
/// `resources` an array of strings; `time` an ISO-8601 timestamp, which replaces `time` (it is
/// written truncated to whole seconds). Errors name the offending field.
pub fn envelope(
    env: &AwsEnv,
    event_id: &str,
    entry: &Value,
    time: DateTime<Utc>,
) -> Result<Value, EventError> {
    build_envelope(env, event_id, entry, time).map_err(EventError::Entry)
}

fn build_envelope(
    env: &AwsEnv,
    event_id: &str,
    entry: &Value,
    time: DateTime<Utc>,
) -> Result<Value, String> {
    let obj = entry
        .as_object()
        .ok_or_else(|| "event entry must be an object".to_string())?;
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "source"
                | "detail-type"
                | "detail"
                | "resources"
                | "time"
                | "Source"
                | "DetailType"
                | "Detail"
                | "Resources"
                | "Time"
                | "EventBusName"
                | "TraceHeader"
        ) {
            return Err(format!(
                "event entry: unknown key \"{k}\" (expected source, detail-type, detail, resources, time)"
            ));
        }
    }
    let source = match entry_field(obj, &["source", "Source"]) {
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        Some(Value::String(_)) | None => {
            return Err("event entry: \"source\" is required (a non-empty string)".to_string());
        }
        Some(_) => return Err("event entry: \"source\" must be a string".to_string()),
    };
    let detail_type = match entry_field(obj, &["detail-type", "DetailType"]) {
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        Some(Value::String(_)) | None => {
            return Err(
                "event entry: \"detail-type\" is required (a non-empty string)".to_string(),
            );
        }
        Some(_) => return Err("event entry: \"detail-type\" must be a string".to_string()),
    };
    let detail = match entry_field(obj, &["detail", "Detail"]) {
        Some(Value::Object(m)) => Value::Object(m.clone()),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Value::Object(m),
            Ok(_) => {
                return Err("event entry: \"detail\" must hold a JSON object".to_string());
            }
            Err(e) => {
                return Err(format!("event entry: \"detail\" is not valid JSON ({e})"));
            }
        },
        Some(_) => {
            return Err(
                "event entry: \"detail\" must be an object or a string holding a JSON object"
                    .to_string(),
            );
        }
        None => return Err("event entry: \"detail\" is required".to_string()),
    };
    let resources = match entry_field(obj, &["resources", "Resources"]) {
        None => Value::Array(Vec::new()),
        Some(Value::Array(items)) => {
            if let Some(bad) = items.iter().find(|v| !v.is_string()) {
                return Err(format!(
                    "event entry: \"resources\" must be an array of strings, found {bad}"
                ));
            }
            Value::Array(items.clone())
        }
        Some(_) => {
            return Err("event entry: \"resources\" must be an array of strings".to_string());
        }
    };
    let time = match entry_field(obj, &["time", "Time"]) {
        None => time,
        Some(Value::String(s)) => parse_iso(s)
            .ok_or_else(|| format!("event entry: \"time\" \"{s}\" is not an ISO-8601 timestamp"))?,
        Some(_) => return Err("event entry: \"time\" must be a string".to_string()),
    };

    let mut ev = Map::new();
    ev.insert("version".into(), Value::from("0"));
    ev.insert("id".into(), Value::from(event_id));
    ev.insert("detail-type".into(), Value::from(detail_type));
    ev.insert("source".into(), Value::from(source));
    ev.insert("account".into(), Value::from(env.account_id.as_str()));
    ev.insert("time".into(), Value::from(iso_seconds(time)));
    ev.insert("region".into(), Value::from(env.region.as_str()));
    ev.insert("resources".into(), resources);
    ev.insert("detail".into(), detail);
    Ok(Value::Object(ev))
}

/// Builds an envelope from parts that are already valid (used by AWS-service events such as
/// S3 → EventBridge).
pub fn service_event(
    env: &AwsEnv,
    event_id: &str,
    detail_type: &str,
    source: &str,
    time: DateTime<Utc>,
    resources: Vec<Value>,
    detail: Value,
) -> Value {
    let mut ev = Map::new();
    ev.insert("version".into(), Value::from("0"));
    ev.insert("id".into(), Value::from(event_id));
    ev.insert("detail-type".into(), Value::from(detail_type));
    ev.insert("source".into(), Value::from(source));
    ev.insert("account".into(), Value::from(env.account_id.as_str()));
    ev.insert("time".into(), Value::from(iso_seconds(time)));
    ev.insert("region".into(), Value::from(env.region.as_str()));
    ev.insert("resources".into(), Value::Array(resources));
    ev.insert("detail".into(), detail);
    Value::Object(ev)
}

/// The event a scheduled rule sends: `detail-type` `"Scheduled Event"`, `source`
/// `"aws.events"`, `resources` `[rule_arn]`, `detail` `{}`.
pub fn scheduled_event(env: &AwsEnv, event_id: &str, rule_arn: &str, time: DateTime<Utc>) -> Value {
    service_event(
        env,
        event_id,
        "Scheduled Event",
        "aws.events",
        time,
        vec![Value::from(rule_arn)],
        Value::Object(Map::new()),
    )
}

// =============================================================================================
// JSON paths
// =============================================================================================

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Wildcard,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/')
}

fn parse_path(p: &str) -> Result<Vec<Step>, String> {
    if p.len() > MAX_PATH_LEN {
        return Err(format!(
            "JSON path is longer than {MAX_PATH_LEN} characters"
        ));
    }
    let b = p.as_bytes();
    if b.first() != Some(&b'$') {
        return Err(format!("JSON path \"{p}\" must start with \"$\""));
    }
    let mut steps = Vec::new();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                if b.get(i) == Some(&b'*') {
                    steps.push(Step::Wildcard);
                    i += 1;
                    continue;
                }
                let start = i;
                while i < b.len() && is_name_byte(b[i]) {
                    i += 1;
                }
                if i == start {
                    return Err(format!(
                        "JSON path \"{p}\": expected a name after \".\" at position {start}"
                    ));
                }
                steps.push(Step::Key(p[start..i].to_string()));
            }
            b'[' => {
                i += 1;
                if b.get(i) == Some(&b'*') && b.get(i + 1) == Some(&b']') {
                    steps.push(Step::Wildcard);
                    i += 2;
                    continue;
                }
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == start || b.get(i) != Some(&b']') {
                    return Err(format!(
                        "JSON path \"{p}\": expected an array index like [0] or [*] at position {}",
                        start.saturating_sub(1)
                    ));
                }
                let idx: usize = p[start..i]
                    .parse()
                    .map_err(|_| format!("JSON path \"{p}\": array index too large"))?;
                steps.push(Step::Index(idx));
                i += 1;
            }
            _ => {
                return Err(format!(
                    "JSON path \"{p}\": unexpected character '{}' at position {i} (use dot notation: $.detail.items[0].id)",
                    p[i..].chars().next().unwrap_or('?')
                ));
            }
        }
    }
    Ok(steps)
}

/// Checks a JSON path as EventBridge accepts it in `InputPath` and `InputPathsMap`.
pub fn validate_json_path(p: &str) -> Result<(), EventError> {
    parse_path(p).map(|_| ()).map_err(EventError::JsonPath)
}

/// Evaluates parsed steps. Without wildcards: the one value, or `None`. With wildcards: an
/// array of every match (`None` if there is none).
fn eval_steps(steps: &[Step], root: &Value) -> Option<Value> {
    let has_wildcard = steps.contains(&Step::Wildcard);
    if !has_wildcard {
        let mut cur = root;
        for s in steps {
            cur = match s {
                Step::Key(k) => cur.as_object()?.get(k)?,
                Step::Index(i) => cur.as_array()?.get(*i)?,
                Step::Wildcard => return None,
            };
        }
        return Some(cur.clone());
    }
    let mut frontier: Vec<&Value> = vec![root];
    for s in steps {
        let mut next = Vec::new();
        for v in frontier {
            match s {
                Step::Key(k) => {
                    if let Some(x) = v.as_object().and_then(|o| o.get(k)) {
                        next.push(x);
                    }
                }
                Step::Index(i) => {
                    if let Some(x) = v.as_array().and_then(|a| a.get(*i)) {
                        next.push(x);
                    }
                }
                Step::Wildcard => match v {
                    Value::Array(a) => next.extend(a.iter()),
                    Value::Object(o) => next.extend(o.values()),
                    _ => {}
                },
            }
        }
        frontier = next;
    }
    if frontier.is_empty() {
        None
    } else {
        Some(Value::Array(frontier.into_iter().cloned().collect()))
    }
}

/// Evaluates a JSON path against `root` (see the module documentation). `Ok(None)` when it
/// selects nothing.
pub fn eval_json_path(p: &str, root: &Value) -> Result<Option<Value>, EventError> {
    let steps = parse_path(p).map_err(EventError::JsonPath)?;
    Ok(eval_steps(&steps, root))
}

// =============================================================================================
// Input transformer
// =============================================================================================

/// How a rule target's input is shaped. At most one of `input`, `input_path` and the
/// transformer (`input_paths` + `input_template`) may be set.
#[derive(Clone, Copy, Debug, Default)]
pub struct TargetInput<'a> {
    /// `Input`: constant JSON sent instead of the event.
    pub input: Option<&'a Value>,
    /// `InputPath`: JSON path selecting the part of the event to send.
    pub input_path: Option<&'a str>,
    /// `InputTransformer.InputPathsMap`: variable name → JSON path.
    pub input_paths: Option<&'a [(String, String)]>,
    /// `InputTransformer.InputTemplate`.
    pub input_template: Option<&'a str>,
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder {
        name: &'a str,
        /// Inside a JSON string, or anywhere in a plain-text template: insert text.
        quoted: bool,
        /// Used as an object key (JSON templates only).
        as_key: bool,
        /// Inside a JSON string (not merely a text template).
        in_json_string: bool,
    },
}

fn is_var_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Index of the `>` closing a placeholder that starts with `<` at `i`.
fn placeholder_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() && is_var_byte(b[j]) {
        j += 1;
    }
    if j > i + 1 && b.get(j) == Some(&b'>') {
        Some(j)
    } else {
        None
    }
}

/// Whether the next significant character after `pos` is `:`; if `in_str`, first skips to the
/// end of the current JSON string.
fn followed_by_colon(b: &[u8], mut pos: usize, in_str: bool) -> bool {
    if in_str {
        let mut esc = false;
        loop {
            let Some(&c) = b.get(pos) else { return false };
            pos += 1;
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                break;
            }
        }
    }
    while let Some(&c) = b.get(pos) {
        if c.is_ascii_whitespace() {
            pos += 1;
        } else {
            return c == b':';
        }
    }
    false
}

fn is_json_template(t: &str) -> bool {
    matches!(t.trim_start().as_bytes().first(), Some(b'{' | b'[' | b'"'))
}

/// Splits a template into text and placeholders.
fn scan_template<'a>(t: &'a str, mut f: impl FnMut(Piece<'a>)) {
    let json_mode = is_json_template(t);
    let b = t.as_bytes();
    let mut i = 0;
    let mut lit_start = 0;
    let mut in_str = false;
    let mut esc = false;
    while i < b.len() {
        let c = b[i];
        if json_mode {
            if in_str {
                if esc {
                    esc = false;
                    i += 1;
                    continue;
                }
                if c == b'\\' {
                    esc = true;
                    i += 1;
                    continue;
                }
                if c == b'"' {
                    in_str = false;
                    i += 1;
                    continue;
                }
            } else if c == b'"' {
                in_str = true;
                i += 1;
                continue;
            }
        }
        if c == b'<'
            && let Some(end) = placeholder_end(b, i)
        {
            if lit_start < i {
                f(Piece::Text(&t[lit_start..i]));
            }
            let as_key = json_mode && followed_by_colon(b, end + 1, in_str);
            f(Piece::Placeholder {
                name: &t[i + 1..end],
                quoted: !json_mode || in_str,
                as_key,
                in_json_string: json_mode && in_str,
            });
            i = end + 1;
            lit_start = i;
            continue;
        }
        i += 1;
    }
    if lit_start < b.len() {
        f(Piece::Text(&t[lit_start..]));
    }
}

/// Load-time checks of an InputTransformer: at most 100 variables; names of letters, digits,
/// `_` and `-` (so never a reserved `aws.…` name), unique; valid JSON paths; a non-empty template of at most 8192
/// characters whose placeholders are all defined or reserved, never used as an object key, and
/// which uses `aws.events.event` / `aws.events.event.json` only where a JSON value is expected
/// (as a bare JSON value, or as the whole template).
pub fn validate_transformer(paths: &[(String, String)], template: &str) -> Result<(), EventError> {
    check_transformer(paths, template).map_err(EventError::Transformer)
}

fn check_transformer(paths: &[(String, String)], template: &str) -> Result<(), String> {
    if paths.len() > MAX_TRANSFORMER_VARIABLES {
        return Err(format!(
            "input_paths has {} variables; at most {MAX_TRANSFORMER_VARIABLES} are allowed",
            paths.len()
        ));
    }
    for (i, (name, path)) in paths.iter().enumerate() {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        {
            return Err(format!(
                "input_paths: invalid variable name \"{name}\" (use letters, digits, _ and -)"
            ));
        }
        if paths[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("input_paths: variable \"{name}\" is defined twice"));
        }
        parse_path(path).map_err(|e| format!("input_paths.{name}: {e}"))?;
    }
    if template.trim().is_empty() {
        return Err("input_template must not be empty".to_string());
    }
    if template.len() > MAX_TEMPLATE_LEN {
        return Err(format!(
            "input_template is longer than {MAX_TEMPLATE_LEN} characters"
        ));
    }
    // A template that is a single placeholder yields that value as JSON.
    let whole = template.trim();
    let single_placeholder = whole.len() > 2
        && whole.starts_with('<')
        && placeholder_end(whole.as_bytes(), 0) == Some(whole.len() - 1);
    let mut err: Option<String> = None;
    scan_template(template, |p| {
        if err.is_some() {
            return;
        }
        if let Piece::Placeholder {
            name,
            as_key,
            in_json_string,
            quoted,
        } = p
        {
            let reserved = RESERVED_VARIABLES.contains(&name);
            if !reserved && !paths.iter().any(|(n, _)| n == name) {
                err = Some(format!(
                    "input_template uses <{name}>, which is not defined in input_paths"
                ));
            } else if as_key {
                err = Some(format!(
                    "input_template uses <{name}> as an object key; placeholders can only be values"
                ));
            } else if matches!(name, "aws.events.event" | "aws.events.event.json")
                && (in_json_string || quoted)
                && !single_placeholder
            {
                err = Some(format!(
                    "input_template: <{name}> can only be used as a JSON value, not inside a string"
                ));
            }
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The event without its `detail` (the reserved `aws.events.event`).
fn event_without_detail(event: &Value) -> Value {
    match event {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| k.as_str() != "detail")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn push_value_text(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_string()),
    }
}

/// A value's text (as [`push_value_text`]) escaped for the inside of a JSON string.
fn push_escaped_text(out: &mut String, v: &Value) {
    let text = match v {
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    };
    let quoted = text.to_string();
    out.push_str(&quoted[1..quoted.len() - 1]);
}

fn apply_template(
    event: &Value,
    paths: &[(String, String)],
    template: &str,
    rule_arn: &str,
    rule_name: &str,
    ingestion_time: DateTime<Utc>,
) -> Result<Value, String> {
    let mut cache: Vec<Option<Option<Value>>> = vec![None; paths.len()];
    let mut out = String::with_capacity(template.len() + 64);
    let mut err: Option<String> = None;
    scan_template(template, |p| match p {
        Piece::Text(t) => out.push_str(t),
        Piece::Placeholder {
            name,
            quoted,
            in_json_string,
            ..
        } => {
            let value: Option<Value> = match name {
                "aws.events.rule-arn" => Some(Value::from(rule_arn)),
                "aws.events.rule-name" => Some(Value::from(rule_name)),
                "aws.events.event.ingestion-time" => Some(Value::from(iso_millis(ingestion_time))),
                "aws.events.event" => Some(event_without_detail(event)),
                "aws.events.event.json" => Some(event.clone()),
                _ => match paths.iter().position(|(n, _)| n == name) {
                    Some(i) => {
                        if cache[i].is_none() {
                            let r = match parse_path(&paths[i].1) {
                                Ok(steps) => eval_steps(&steps, event),
                                Err(e) => {
                                    if err.is_none() {
                                        err = Some(format!("input_paths.{name}: {e}"));
                                    }
                                    None
                                }
                            };
                            cache[i] = Some(r);
                        }
                        cache[i].clone().flatten()
                    }
                    None => {
                        // Not a variable: keep the text as written.
                        out.push('<');
                        out.push_str(name);
                        out.push('>');
                        return;
                    }
                },
            };
            match (value, quoted) {
                // Inside a JSON string the text is escaped, so an object, an array or a string with quotes still
                // gives valid JSON.
                (Some(v), true) if in_json_string => push_escaped_text(&mut out, &v),
                (Some(v), true) => push_value_text(&mut out, &v),
                (Some(v), false) => out.push_str(&v.to_string()),
                (None, true) => {}
                (None, false) => out.push_str("null"),
            }
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    Ok(match serde_json::from_str::<Value>(&out) {
        Ok(v) => v,
        Err(_) => Value::String(out),
    })
}

/// Shapes what a rule target receives for `event` (see the module documentation).
/// `rule_arn`, `rule_name` and `ingestion_time` feed the reserved transformer variables.
pub fn target_input(
    event: &Value,
    t: &TargetInput,
    rule_arn: &str,
    rule_name: &str,
    ingestion_time: DateTime<Utc>,
) -> Result<Value, EventError> {
    shape_input(event, t, rule_arn, rule_name, ingestion_time).map_err(EventError::TargetInput)
}

fn shape_input(
    event: &Value,
    t: &TargetInput,
    rule_arn: &str,
    rule_name: &str,
    ingestion_time: DateTime<Utc>,
) -> Result<Value, String> {
    let transformer = t.input_template.is_some() || t.input_paths.is_some();
    let configured = usize::from(t.input.is_some())
        + usize::from(t.input_path.is_some())
        + usize::from(transformer);
    if configured > 1 {
        return Err(
            "a target can use only one of input, input_path and input_transformer".to_string(),
        );
    }
    if let Some(input) = t.input {
        return Ok(input.clone());
    }
    if let Some(path) = t.input_path {
        let steps = parse_path(path)?;
        return eval_steps(&steps, event)
            .ok_or_else(|| format!("input_path \"{path}\" selects nothing in the event"));
    }
    if transformer {
        let template = t
            .input_template
            .ok_or_else(|| "input_transformer needs an input_template".to_string())?;
        let paths = t.input_paths.unwrap_or(&[]);
        return apply_template(event, paths, template, rule_arn, rule_name, ingestion_time);
    }
    Ok(event.clone())
}
