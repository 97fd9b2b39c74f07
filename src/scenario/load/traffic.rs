//! Reading `traffic`: the target, exactly one timing, the payload that fits the target's type, and the
//! `{{...}}` placeholders in payload strings.

use super::super::keys;
use super::super::registry::{self, TrafficInput};
use std::collections::HashMap;

use serde_json::Value;

use super::super::json::{Json, Node, Pos, quote};
use super::super::model::{Payload, ResId, ResourceType, Timing, TrafficSource};
use super::resources::check_key_attrs;
use super::values::{Ctx, Obj, Range, hint, index, or_list, shorten, with_article};

use ResourceType as T;

/// The shortest `every_s`: one microsecond, the resolution of the engine's clock.
pub(crate) const MIN_EVERY_S: f64 = 0.000_001;

pub(super) fn traffic(ctx: &mut Ctx<'_>, node: &Node) -> Option<Vec<TrafficSource>> {
    let Some(items) = node.as_array() else {
        ctx.type_err(node, "traffic", "an array of traffic sources");
        return None;
    };
    let n0 = ctx.problems.len();
    let mut out = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let path = index("traffic", i);
        let Some(o) = ctx.obj(item, &path, "an object (a traffic source)") else {
            continue;
        };
        let src = source(ctx, &o, i);
        // Names must be unique: trace records say `traffic:NAME`.
        let name = match o.get("name").and_then(Node::as_str) {
            Some(n) => n.to_string(),
            None => format!("traffic{}", i + 1),
        };
        if let Some(&first) = names.get(&name) {
            let (pos, p) = match o.get("name") {
                Some(n) => (n.pos, o.path_of("name")),
                None => (item.pos, path.clone()),
            };
            ctx.err(
                pos,
                &p,
                format!(
                    "duplicate traffic name {} (traffic[{first}] has it too)",
                    quote(&name)
                ),
            );
        } else {
            names.insert(name, i);
        }
        if let Some(s) = src {
            out.push(s);
        }
    }
    (ctx.problems.len() == n0).then_some(out)
}

fn source(ctx: &mut Ctx<'_>, o: &Obj<'_>, i: usize) -> Option<TrafficSource> {
    let n0 = ctx.problems.len();
    let allowed = keys::traffic_entry();
    ctx.check_keys(o, &allowed);

    let to = ctx.required(o, "to").and_then(|n| {
        let all = ResourceType::ALL;
        let to = ctx.reference(n, &o.path_of("to"), &all, "a traffic target")?;
        let why = match ctx.rtype(to).map(|t| registry::of(t).traffic) {
            Some(TrafficInput::Refused(why)) => Some(why),
            Some(TrafficInput::Payload(_)) | None => None,
        };
        if let Some(why) = why {
            ctx.err(
                n.pos,
                &o.path_of("to"),
                format!("traffic cannot be sent to {} ({why})", quote(ctx.name(to))),
            );
            return None;
        }
        Some(to)
    });
    let name = match o.get("name") {
        Some(n) => ctx
            .nonempty_string(n, &o.path_of("name"))
            .map(str::to_string),
        None => Some(format!("traffic{}", i + 1)),
    };
    let timing = timing(ctx, o);
    let (payload, has_placeholders) = match to {
        Some(to) => payload(ctx, o, to).unzip(),
        None => (None, None),
    };
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(TrafficSource {
        name: name?,
        to: to?,
        timing: timing?,
        payload: payload?,
        has_placeholders: has_placeholders.unwrap_or(false),
    })
}

fn timing(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Timing> {
    let given: Vec<&str> = keys::TIMING.iter().copied().filter(|k| o.has(k)).collect();
    let Some(&kind) = given.first() else {
        ctx.err(
            o.node.pos,
            &o.path,
            "missing timing: give one of \"at_s\", \"every_s\" or \"poisson_per_s\"",
        );
        return None;
    };
    if let Some(&second) = given.get(1) {
        ctx.err(
            o.key_pos(second),
            &o.path_of(second),
            format!(
                "give only one timing: {} and {} are both set",
                quote(kind),
                quote(second)
            ),
        );
        return None;
    }
    let n0 = ctx.problems.len();
    if kind == "at_s" {
        for k in keys::TIMING_OPTIONS {
            if o.has(k) {
                ctx.err(
                    o.key_pos(k),
                    &o.path_of(k),
                    format!("{k} applies only with \"every_s\" or \"poisson_per_s\""),
                );
            }
        }
        let node = o.get("at_s")?;
        let p = o.path_of("at_s");
        let mut times = Vec::new();
        match &node.value {
            Json::Number(_) => times.extend(ctx.number(node, &p, Range::TIME_S)),
            Json::Array(items) if !items.is_empty() => {
                for (i, t) in items.iter().enumerate() {
                    times.extend(ctx.number(t, &index(&p, i), Range::TIME_S));
                }
            }
            Json::Array(_) => ctx.err(node.pos, &p, "expected at least one time"),
            _ => ctx.type_err(node, &p, "a number of seconds or an array of them"),
        }
        times.sort_by(f64::total_cmp);
        return (ctx.problems.len() == n0).then_some(Timing::At(times));
    }
    let rate_node = o.get(kind)?;
    // `every_s` is at least the clock's resolution (1 µs): a shorter period would fire again at the same moment.
    let rate_range = if kind == "every_s" {
        Range::incl(MIN_EVERY_S, super::MAX_TIME_S)
    } else {
        Range::POSITIVE
    };
    let rate = ctx.number(rate_node, &o.path_of(kind), rate_range);
    let start_s = ctx.opt_num(o, "start_s", 0.0, Range::TIME_S);
    let count = match o.get("count") {
        Some(n) => ctx
            .integer(n, &o.path_of("count"), 1, i64::MAX)
            .map(|v| v as u64),
        None => None,
    };
    let until_s = match o.get("until_s") {
        Some(n) => {
            let p = o.path_of("until_s");
            match ctx.number(n, &p, Range::TIME_S_POSITIVE) {
                Some(u) if u <= start_s => {
                    ctx.err(
                        n.pos,
                        &p,
                        format!(
                            "until_s ({}) must be after start_s ({})",
                            super::values::fmt_num(u),
                            super::values::fmt_num(start_s)
                        ),
                    );
                    None
                }
                u => u,
            }
        }
        None => None,
    };
    if ctx.problems.len() > n0 {
        return None;
    }
    let rate = rate?;
    Some(if kind == "every_s" {
        Timing::Every {
            every_s: rate,
            start_s,
            count,
            until_s,
        }
    } else {
        Timing::Poisson {
            per_s: rate,
            start_s,
            count,
            until_s,
        }
    })
}

fn payload(ctx: &mut Ctx<'_>, o: &Obj<'_>, to: ResId) -> Option<(Payload, bool)> {
    let t = ctx.rtype(to)?;
    let fits = registry::of(t).traffic.payload_keys();
    let n0 = ctx.problems.len();
    for m in o.members {
        if keys::PAYLOAD.contains(&m.key.as_str()) && !fits.contains(&m.key.as_str()) {
            let expected: Vec<String> = fits
                .iter()
                .filter(|k| **k != "invocation_type")
                .map(|k| quote(k))
                .collect();
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            let msg = format!(
                "{} does not apply to traffic to {} ({}; use {})",
                quote(&m.key),
                with_article(t.name()),
                quote(ctx.name(to)),
                or_list(&expected)
            );
            ctx.err(m.key_pos, &o.path_of(&m.key), msg);
        }
    }
    let required = |ctx: &mut Ctx<'_>, key: &str| -> Option<(&Node, String)> {
        match o.get(key) {
            Some(n) => Some((n, o.path_of(key))),
            None => {
                ctx.err(
                    o.node.pos,
                    &o.path,
                    format!(
                        "missing {} (the payload of traffic to {})",
                        quote(key),
                        with_article(t.name())
                    ),
                );
                None
            }
        }
    };
    let empty = Value::Object(serde_json::Map::new());
    let mut placeholders = false;
    let payload = match t {
        T::Api => required(ctx, "request").and_then(|(n, p)| {
            request(ctx, n, &p)?;
            Some(Payload::Request(n.to_value()))
        }),
        T::EventBus => required(ctx, "event").and_then(|(n, p)| {
            event(ctx, n, &p)?;
            Some(Payload::Event(n.to_value()))
        }),
        T::Bucket => required(ctx, "object").and_then(|(n, p)| {
            object(ctx, n, &p)?;
            Some(Payload::Object(n.to_value()))
        }),
        T::Queue | T::Topic => required(ctx, "message").and_then(|(n, p)| {
            message(ctx, n, &p, to, t)?;
            Some(Payload::Message(n.to_value()))
        }),
        T::Function => {
            let sync = match o.get("invocation_type") {
                Some(n) => {
                    ctx.one_of(
                        n,
                        &o.path_of("invocation_type"),
                        &["Event", "RequestResponse"],
                    ) == Some(1)
                }
                None => false,
            };
            let payload = o.get("payload").map(Node::to_value).unwrap_or(empty);
            Some(Payload::Invoke { payload, sync })
        }
        T::Table => match (o.get("put"), o.get("delete")) {
            (Some(_), Some(d)) => {
                ctx.err(
                    o.key_pos("delete"),
                    &o.path_of("delete"),
                    "give either \"put\" or \"delete\", not both",
                );
                let _ = d;
                None
            }
            (None, None) => {
                ctx.err(o.node.pos, &o.path, "missing \"put\" (an item) or \"delete\" (a key): the payload of traffic to a table");
                None
            }
            (Some(n), None) => {
                table_item(ctx, n, &o.path_of("put"), to, false).map(Payload::TablePut)
            }
            (None, Some(n)) => {
                table_item(ctx, n, &o.path_of("delete"), to, true).map(Payload::TableDelete)
            }
        },
        T::StateMachine => Some(Payload::Input(
            o.get("input").map(Node::to_value).unwrap_or(empty),
        )),
        T::Rule | T::Schedule | T::Trigger | T::Database | T::DbProxy => None,
    };
    for key in fits {
        if *key == "invocation_type" {
            continue;
        }
        if let Some(n) = o.get(key) {
            placeholders |= scan_placeholders(ctx, n, &o.path_of(key), 0);
        }
    }
    if ctx.problems.len() > n0 {
        return None;
    }
    Some((payload?, placeholders))
}

/// Whether a string holds a placeholder (so that syntax checks of its content are skipped).
fn templated(s: &str) -> bool {
    s.contains("{{")
}

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn request(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<()> {
    let o = ctx.obj(
        node,
        path,
        "an object: {\"method\", \"path\", \"headers\", \"query\", \"body\"}",
    )?;
    ctx.check_keys(&o, keys::REQUEST);
    if let Some(n) = ctx.required(&o, "method") {
        let p = o.path_of("method");
        if let Some(m) = ctx.string(n, &p)
            && !templated(m)
            && !METHODS.contains(&m)
        {
            let msg = format!(
                "expected an HTTP method ({}), found {}{}",
                METHODS.join(", "),
                quote(m),
                hint(m, METHODS)
            );
            ctx.err(n.pos, &p, msg);
        }
    }
    if let Some(n) = ctx.required(&o, "path") {
        let p = o.path_of("path");
        if let Some(s) = ctx.string(n, &p)
            && !s.starts_with('/')
            && !s.starts_with("{{")
        {
            ctx.err(
                n.pos,
                &p,
                format!(
                    "expected a path starting with '/', found {}",
                    quote(&shorten(s, 60))
                ),
            );
        }
    }
    if let Some(n) = o.get("headers") {
        string_map(ctx, n, &o.path_of("headers"), false);
    }
    if let Some(n) = o.get("query") {
        string_map(ctx, n, &o.path_of("query"), true);
    }
    Some(())
}

/// An object of string values (or arrays of strings, for multi-value query parameters).
fn string_map(ctx: &mut Ctx<'_>, node: &Node, path: &str, allow_lists: bool) {
    let expected = if allow_lists {
        "an object (name → string or array of strings)"
    } else {
        "an object (name → string)"
    };
    let Some(o) = ctx.obj(node, path, expected) else {
        return;
    };
    for m in o.members {
        let p = o.path_of(&m.key);
        match &m.value.value {
            Json::String(_) => {}
            Json::Array(items) if allow_lists => {
                for (i, it) in items.iter().enumerate() {
                    ctx.string(it, &index(&p, i));
                }
            }
            _ => {
                let what = if allow_lists {
                    "a string or an array of strings"
                } else {
                    "a string"
                };
                ctx.type_err(&m.value, &p, what);
            }
        }
    }
}

fn event(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<()> {
    let o = ctx.obj(
        node,
        path,
        "an object: {\"source\", \"detail-type\", \"detail\", \"resources\"} (a PutEvents entry)",
    )?;
    ctx.check_keys(&o, keys::EVENT);
    if let Some(n) = ctx.required(&o, "source") {
        ctx.nonempty_string(n, &o.path_of("source"));
    }
    if let Some(n) = ctx.required(&o, "detail-type") {
        ctx.nonempty_string(n, &o.path_of("detail-type"));
    }
    if let Some(n) = o.get("detail") {
        ctx.obj(
            n,
            &o.path_of("detail"),
            "an object (EventBridge event detail is a JSON object)",
        );
    }
    if let Some(n) = o.get("resources") {
        let p = o.path_of("resources");
        match n.as_array() {
            Some(items) => {
                for (i, it) in items.iter().enumerate() {
                    ctx.string(it, &index(&p, i));
                }
            }
            None => ctx.type_err(n, &p, "an array of strings (ARNs)"),
        }
    }
    Some(())
}

fn object(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<()> {
    let o = ctx.obj(
        node,
        path,
        "an object: {\"key\", \"size\", \"body\"} or {\"key\", \"delete\": true}",
    )?;
    ctx.check_keys(&o, keys::OBJECT);
    if let Some(n) = ctx.required(&o, "key") {
        let p = o.path_of("key");
        if let Some(k) = ctx.nonempty_string(n, &p)
            && k.len() > 1024
        {
            ctx.err(
                n.pos,
                &p,
                format!("an S3 key is at most 1024 bytes, found {}", k.len()),
            );
        }
    }
    let delete = ctx.opt_bool(&o, "delete", false);
    if let Some(n) = o.get("size") {
        // A string that is exactly one numeric placeholder becomes a number per generated event.
        if !n.as_str().is_some_and(numeric_placeholder) {
            ctx.integer(n, &o.path_of("size"), 0, 5_497_558_138_880);
        }
    }
    if delete {
        for k in ["size", "body"] {
            if o.has(k) {
                ctx.err(
                    o.key_pos(k),
                    &o.path_of(k),
                    format!("a delete takes no {}", quote(k)),
                );
            }
        }
    } else {
        match (o.has("size"), o.has("body")) {
            (false, false) => ctx.err(
                node.pos,
                path,
                "expected \"size\" or \"body\" (an upload), or \"delete\": true",
            ),
            (true, true) => ctx.err(
                o.key_pos("size"),
                &o.path_of("size"),
                "give \"size\" or \"body\", not both (the size of a body is its length)",
            ),
            _ => {}
        }
    }
    Some(())
}

fn message(ctx: &mut Ctx<'_>, node: &Node, path: &str, to: ResId, t: ResourceType) -> Option<()> {
    let o = ctx.obj(node, path, "an object with \"body\"")?;
    let topic = t == T::Topic;
    if topic {
        ctx.check_keys(&o, keys::TOPIC_MESSAGE);
    } else {
        ctx.check_keys(&o, keys::QUEUE_MESSAGE);
    }
    if let Some(n) = ctx.required(&o, "body")
        && n.as_str() == Some("")
    {
        ctx.err(
            n.pos,
            &o.path_of("body"),
            "a message body must not be empty",
        );
    }
    if let Some(n) = o.get("subject") {
        let p = o.path_of("subject");
        if let Some(s) = ctx.nonempty_string(n, &p)
            && (s.chars().count() > 100 || s.contains('\n'))
        {
            ctx.err(
                n.pos,
                &p,
                "an SNS subject is at most 100 characters on one line",
            );
        }
    }
    if let Some(n) = o.get("attributes") {
        attributes(ctx, n, &o.path_of("attributes"));
    }
    let fifo = ctx.is_fifo(to);
    let name = quote(ctx.name(to));
    let kind = t.name();
    let cbd = ctx.info(to).is_some_and(|r| r.content_based_deduplication);
    for key in ["group_id", "deduplication_id"] {
        if let Some(n) = o.get(key) {
            let p = o.path_of(key);
            if ctx.nonempty_string(n, &p).is_some() && !fifo {
                ctx.err(
                    o.key_pos(key),
                    &p,
                    format!(
                        "{key} applies only to FIFO queues and topics; {name} is a standard {kind}"
                    ),
                );
            }
        }
    }
    if fifo && !o.has("group_id") {
        ctx.err(
            node.pos,
            path,
            format!("{name} is a FIFO {kind}: the message needs a \"group_id\""),
        );
    }
    if fifo && !topic && !cbd && !o.has("deduplication_id") {
        ctx.err(
            node.pos,
            path,
            format!("{name} is a FIFO queue without content_based_deduplication: the message needs a \"deduplication_id\" (e.g. \"{{{{uuid}}}}\")"),
        );
    }
    Some(())
}

/// Message attributes: name → string, number, or `{"DataType", "StringValue" | "BinaryValue"}`.
fn attributes(ctx: &mut Ctx<'_>, node: &Node, path: &str) {
    let Some(o) = ctx.obj(node, path, "an object (name → value)") else {
        return;
    };
    if o.members.len() > 10 {
        ctx.err(
            node.pos,
            path,
            format!("expected at most 10 attributes, found {}", o.members.len()),
        );
    }
    for m in o.members {
        let p = o.path_of(&m.key);
        let valid_name = !m.key.is_empty()
            && m.key.len() <= 256
            && m.key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && !m.key.starts_with('.')
            && !m.key.ends_with('.')
            && !m.key.contains("..");
        if !valid_name {
            ctx.err(
                m.key_pos,
                &p,
                format!(
                    "invalid attribute name {}: use letters, digits, '_', '-' and '.'",
                    quote(&m.key)
                ),
            );
        }
        match &m.value.value {
            Json::String(_) | Json::Number(_) => {}
            Json::Object(_) => {
                let Some(a) = ctx.obj(&m.value, &p, "an object") else {
                    continue;
                };
                ctx.check_keys(&a, &["DataType", "StringValue", "BinaryValue"]);
                let Some(dt) = ctx
                    .required(&a, "DataType")
                    .and_then(|n| ctx.string(n, &a.path_of("DataType")).map(|s| (s, n)))
                else {
                    continue;
                };
                let base = dt.0.split('.').next().unwrap_or("");
                let value_key = match base {
                    "String" | "Number" => "StringValue",
                    "Binary" => "BinaryValue",
                    _ => {
                        ctx.err(dt.1.pos, &a.path_of("DataType"), format!("expected \"String\", \"Number\" or \"Binary\" (optionally with a \".suffix\"), found {}", quote(dt.0)));
                        continue;
                    }
                };
                let other = if value_key == "StringValue" {
                    "BinaryValue"
                } else {
                    "StringValue"
                };
                if a.has(other) {
                    ctx.err(
                        a.key_pos(other),
                        &a.path_of(other),
                        format!("a {base} attribute takes \"{value_key}\", not \"{other}\""),
                    );
                }
                if let Some(v) = ctx.required(&a, value_key) {
                    let vp = a.path_of(value_key);
                    if let Some(s) = ctx.string(v, &vp)
                        && base == "Number"
                        && !templated(s)
                        && s.trim().parse::<f64>().is_err()
                    {
                        ctx.err(
                            v.pos,
                            &vp,
                            format!("expected a number in the string, found {}", quote(s)),
                        );
                    }
                }
            }
            _ => ctx.type_err(
                &m.value,
                &p,
                "a string, a number or {\"DataType\", \"StringValue\"}",
            ),
        }
    }
}

fn table_item(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    to: ResId,
    key_only: bool,
) -> Option<Value> {
    let what = if key_only {
        "an object (the key of the item to delete)"
    } else {
        "an object (the item to put)"
    };
    ctx.obj(node, path, what)?;
    let info = ctx.info(to).cloned().unwrap_or_default();
    if let Some(pk) = info.partition_key.as_deref() {
        let n0 = ctx.problems.len();
        check_key_attrs(ctx, node, path, pk, info.sort_key.as_deref(), key_only);
        if ctx.problems.len() > n0 {
            return None;
        }
    }
    Some(node.to_value())
}

// ---- placeholders ---------------------------------------------------------------------------------------------------

/// The placeholders a payload string may hold.
const PLACEHOLDERS: [&str; 4] = ["seq", "uuid", "rand_int:MIN:MAX", "time"];

/// Checks the placeholders of every string under `node`; true when there is at least one.
fn scan_placeholders(ctx: &mut Ctx<'_>, node: &Node, path: &str, depth: usize) -> bool {
    if depth > 200 {
        return false;
    }
    match &node.value {
        Json::String(s) => check_string(ctx, s, node.pos, path),
        Json::Array(items) => {
            let mut any = false;
            for (i, it) in items.iter().enumerate() {
                any |= scan_placeholders(ctx, it, &index(path, i), depth + 1);
            }
            any
        }
        Json::Object(members) => {
            let mut any = false;
            for m in members {
                any |= scan_placeholders(
                    ctx,
                    &m.value,
                    &super::values::child(path, &m.key),
                    depth + 1,
                );
            }
            any
        }
        _ => false,
    }
}

fn check_string(ctx: &mut Ctx<'_>, s: &str, pos: Pos, path: &str) -> bool {
    let mut any = false;
    let mut rest = 0usize;
    while let Some(open) = s.get(rest..).and_then(|r| r.find("{{")).map(|i| i + rest) {
        let Some(close) = s
            .get(open + 2..)
            .and_then(|r| r.find("}}"))
            .map(|i| i + open + 2)
        else {
            break;
        };
        let inner = s.get(open + 2..close).unwrap_or("");
        match check_placeholder(inner) {
            Ok(()) => any = true,
            Err(msg) => {
                let chars = s.get(..open).map(|x| x.chars().count()).unwrap_or(0);
                let col = pos
                    .col
                    .saturating_add(1)
                    .saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
                ctx.err(
                    Pos {
                        line: pos.line,
                        col,
                    },
                    path,
                    msg,
                );
            }
        }
        rest = close + 2;
    }
    any
}

/// Whether `s` is exactly one placeholder that yields a number (`{{seq}}`, `{{rand_int:MIN:MAX}}`).
fn numeric_placeholder(s: &str) -> bool {
    let Some(inner) = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) else {
        return false;
    };
    !inner.contains("}}")
        && (inner == "seq" || (inner.starts_with("rand_int:") && check_placeholder(inner).is_ok()))
}

fn check_placeholder(inner: &str) -> Result<(), String> {
    match inner {
        "seq" | "uuid" | "time" => return Ok(()),
        _ => {}
    }
    if let Some(args) = inner.strip_prefix("rand_int:") {
        let mut parts = args.split(':');
        let (a, b) = (parts.next().unwrap_or(""), parts.next());
        let (Some(b), None) = (b, parts.next()) else {
            return Err(format!(
                "expected {{{{rand_int:MIN:MAX}}}}, found {}",
                quote(&format!("{{{{{}}}}}", shorten(inner, 60)))
            ));
        };
        let min = a.trim().parse::<i64>();
        let max = b.trim().parse::<i64>();
        return match (min, max) {
            (Ok(min), Ok(max)) if min <= max => Ok(()),
            (Ok(min), Ok(max)) => Err(format!(
                "in {{{{rand_int:MIN:MAX}}}}, MIN ({min}) must not be greater than MAX ({max})"
            )),
            _ => Err(format!(
                "expected whole numbers in {{{{rand_int:MIN:MAX}}}}, found {}",
                quote(&format!("{{{{{}}}}}", shorten(inner, 60)))
            )),
        };
    }
    let name = inner.split(':').next().unwrap_or("");
    Err(format!(
        "unknown placeholder {}{}; the placeholders are {{{{seq}}}}, {{{{uuid}}}}, {{{{rand_int:MIN:MAX}}}} and {{{{time}}}}",
        quote(&format!("{{{{{}}}}}", shorten(inner, 60))),
        hint(
            name,
            PLACEHOLDERS
                .iter()
                .map(|p| p.split(':').next().unwrap_or(p))
        )
    ))
}
