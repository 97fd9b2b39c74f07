//! Loading an `eventflow/1` scenario: parse with positions ([`super::json`]), check every rule of the format
//! (shared/spec/scenario-format.md), and build the typed [`Scenario`]. All problems of a file are collected and
//! reported together, each with `file:line:col`, its JSON path and what was expected.
//!
//! # Choices where the format is silent (the project's own format documentation)
//!
//! Additions to the format (all optional, AWS concepts):
//! - `queue.content_based_deduplication` (bool, default `false`, FIFO queues only), as SQS `ContentBasedDeduplication`.
//! - Rule and schedule targets take `message_group_id` (string), as EventBridge `SqsParameters.MessageGroupId`:
//!   required when the target is a FIFO queue or FIFO topic, refused otherwise.
//! - Traffic `message` to a queue or topic takes `deduplication_id` (string, FIFO only), as `MessageDeduplicationId`.
//!   A FIFO queue without `content_based_deduplication` requires it, as SQS does; `group_id` is required for FIFO
//!   queues and topics and refused for standard ones.
//! - `layout` may also hold `"traffic:NAME"` keys, the canvas positions of traffic sources.
//!
//! Rules chosen where the spec says nothing (following AWS where AWS has the concept):
//! - `null` for an optional key means "not set" (the spec itself writes `"on_success": null`).
//! - Whole numbers may be written `128.0`; other fractions are refused where an integer is expected.
//! - Queue ids need not end in `.fifo` (AWS requires it of queue *names*, but our ids cannot contain `.`).
//! - AWS FIFO rules: Lambda async destinations and dead-letter targets, S3 notification targets, EventBridge rule
//!   dead-letter queues and stream-trigger `on_failure` destinations must be standard queues/topics; a standard topic
//!   cannot deliver to a FIFO queue and a FIFO topic delivers only to FIFO queues; a queue's dead-letter queue is FIFO
//!   exactly when the queue is. A trigger on a FIFO queue takes `batch_size` ≤ 10 and no batching window (an explicit
//!   `maximum_batching_window_s: 0` is accepted).
//! - `raw_message_delivery` is refused on a subscription of a function (SNS supports it for queues and HTTP only).
//! - Two notifications of one bucket that share an event type and whose prefixes and suffixes overlap are refused,
//!   as S3 refuses "overlapping suffixes in two rules if the prefixes are overlapping for the same event type".
//! - The reserved concurrency of all functions together must not exceed `settings.account_concurrency` (AWS carves
//!   reserved concurrency out of the account pool; the 100 that AWS keeps unreserved is not required here).
//! - `settings.account_id` is 12 digits; `settings.region` is lowercase letters, digits and `-`.
//! - A `lognormal` distribution needs `p50 > 0`.
//! - `environment` names are letters, digits and `_`, starting with a letter (as Lambda).
//! - Table `items` (and traffic `put`/`delete`) must hold the key attributes, each a non-empty string or a number.
//! - A state machine `definition` gets a structural check: `StartAt` names a state, every `Next`/`Default` names a
//!   state of the same `States`, every non-terminal state other than `Choice` has `Next` or `End`.
//! - Traffic: `count` ≥ 1 and `until_s` > `start_s`; `count` and `until_s` may both be given (whichever ends first);
//!   names must be unique (trace records say `traffic:NAME`); a function `payload` and a state machine `input`
//!   default to `{}`; an object is either `delete: true`, or has `size` or `body` (not both); placeholders are
//!   `{{seq}}`, `{{uuid}}`, `{{time}}` and `{{rand_int:MIN:MAX}}` — a `{{` without a closing `}}` is plain text.
//!   A string that is exactly one numeric placeholder (`"{{seq}}"`, `"{{rand_int:1:500}}"`) is accepted where a
//!   payload number is expected (an object's `size`).
//! - Traffic payload shapes: a request `method` is one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS and its
//!   `path` starts with `/`; `headers` are strings, `query` values strings or arrays of strings; an event `detail` is
//!   an object; an S3 key is 1–1024 bytes; a message `body` is a non-empty string or any JSON (sent as its text);
//!   at most 10 message attributes, named with letters, digits, `_`, `-`, `.`; an SNS `subject` is at most 100
//!   characters on one line; a table `delete` key holds only the key attributes.
//! - `to` cannot be a rule, schedule or trigger (the message says where to send the traffic instead).
//! - Problems are listed in file order (line, then column); a syntax error stops at the first one (nothing after it
//!   can be read reliably).

mod resources;
mod tour;
mod traffic;

/// The keys of `tour` objects, for the canonical writer.
pub(super) mod tour_keys {
    pub(crate) use super::tour::{STEP, TOUR, WAIT_FOR};
}
pub(crate) mod values;

use std::path::Path;

use chrono::{DateTime, Utc};

use super::error::{LoadError, Problem};
use super::json::{self, Node, quote};
use super::model::{
    Dist, ExternalResource, HintLink, LayoutEntry, ResourceType, Scenario, Settings,
};
use values::{Ctx, Range, ResInfo, hint};

/// The one supported format version.
pub const FORMAT: &str = "eventflow/1";

/// The longest time a scenario may name, in seconds: 100 years of virtual time (3,155,760,000 s). Every time in a
/// file (`until_s`, traffic `at_s`/`start_s`/`every_s`/`until_s`, `idle_timeout_s`, and every distribution of
/// milliseconds such as `duration_ms` or `hop_latency_ms`) is refused past it, with its location, instead of
/// overflowing the engine's clock (u64 microseconds, about 584,000 years) or wrapping to 0. `run --until` and a
/// tour step's `at_s` share it. Far beyond any schedule worth simulating, far inside the clock.
pub const MAX_TIME_S: f64 = 3_155_760_000.0;

/// The most resources a scenario may have: 2,000, four times CloudFormation's 500 resources per stack
/// (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html, "Resources"), more than any
/// architecture worth drawing. Past it the file is refused, with its location, before any resource is read, so the
/// app stays responsive: its layout grows faster than linearly with the graph (a debug build opened 1,000 queue →
/// function pairs' worth in 2 s, 3,000 resources in 17 s, 5,000 in 41 s, 10,000 in 134 s, and 100,000 never), and
/// loading 1,000,000 resources took 1.9 GB.
pub const MAX_RESOURCES: usize = 2_000;

/// Loads a scenario file. Problems name the file as given; script paths are relative to its folder.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let label = path.display().to_string();
    let bytes =
        crate::fileio::read_input(path, crate::fileio::MAX_SCENARIO_BYTES, "a scenario file")
            .map_err(|e| LoadError::Io {
                file: label.clone(),
                message: e.reason(),
            })?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut scenario = load_bytes(&bytes, &label, Some(&base))?;
    scenario.file = Some(path.to_path_buf());
    Ok(scenario)
}

/// Loads scenario bytes (which must be UTF-8). `file_label` names the file in problems; `base_dir` is the folder
/// script paths are relative to (None: scripts are not looked up on disk).
pub fn load_bytes(
    bytes: &[u8],
    file_label: &str,
    base_dir: Option<&Path>,
) -> Result<Scenario, LoadError> {
    match json::parse_bytes(bytes) {
        Ok(root) => validate(&root, file_label, base_dir),
        Err(e) => Err(syntax_error(e, file_label)),
    }
}

/// Loads scenario text. `file_label` names the file in problems; `base_dir` is the folder script paths are relative
/// to (None: scripts are not looked up on disk).
pub fn load_str(
    text: &str,
    file_label: &str,
    base_dir: Option<&Path>,
) -> Result<Scenario, LoadError> {
    match json::parse(text) {
        Ok(root) => validate(&root, file_label, base_dir),
        Err(e) => Err(syntax_error(e, file_label)),
    }
}

fn syntax_error(e: json::JsonError, file: &str) -> LoadError {
    LoadError::Invalid {
        problems: vec![Problem {
            file: file.to_string(),
            line: e.pos.line,
            col: e.pos.col,
            path: String::new(),
            message: e.message,
        }],
    }
}

/// Validates a parsed document and builds the scenario.
pub fn validate(
    root: &Node,
    file_label: &str,
    base_dir: Option<&Path>,
) -> Result<Scenario, LoadError> {
    let mut ctx = Ctx::new(file_label, base_dir);
    let scenario = build(&mut ctx, root);
    let mut problems = ctx.problems;
    match scenario {
        Some(s) if problems.is_empty() => Ok(s),
        _ => {
            if problems.is_empty() {
                // Unreachable by construction (every failed read records a problem); never panic regardless.
                problems.push(Problem {
                    file: file_label.to_string(),
                    line: root.pos.line,
                    col: root.pos.col,
                    path: String::new(),
                    message: "the scenario could not be loaded".into(),
                });
            }
            // The scenario's own problems first, then those of each script file (compile errors).
            problems.sort_by_key(|p| (p.file != file_label, p.file.clone(), p.line, p.col));
            problems.dedup();
            Err(LoadError::Invalid { problems })
        }
    }
}

fn build(ctx: &mut Ctx<'_>, root: &Node) -> Option<Scenario> {
    let top = ctx.obj(root, "", "an object (the scenario)")?;
    ctx.check_keys(&top, super::keys::TOP);

    match top.raw("format") {
        None => ctx.err(
            root.pos,
            "",
            format!(
                "missing required key \"format\" (this version reads {})",
                quote(FORMAT)
            ),
        ),
        Some(n) => match n.as_str() {
            Some(FORMAT) => {}
            Some(other) => ctx.err(
                n.pos,
                "format",
                format!(
                    "unsupported format {}: this version reads {}",
                    quote(other),
                    quote(FORMAT)
                ),
            ),
            None => ctx.type_err(n, "format", &format!("the string {}", quote(FORMAT))),
        },
    }

    let name = ctx
        .required(&top, "name")
        .and_then(|n| ctx.string(n, "name"))
        .map(str::to_string);
    let description = ctx.opt_string(&top, "description");

    let settings = match top.get("settings") {
        Some(n) => settings(ctx, n),
        None => Some(default_settings()),
    };
    if let Some(s) = &settings {
        ctx.account_concurrency = s.account_concurrency;
    }

    let resources_node = ctx.required(&top, "resources");
    let resources = match resources_node
        .and_then(|n| ctx.obj(n, "resources", "an object (resource id → resource)"))
    {
        Some(obj) if obj.members.len() > MAX_RESOURCES => {
            ctx.err(
                obj.node.pos,
                "resources",
                format!(
                    "{} resources, more than the {MAX_RESOURCES} a scenario may have (four CloudFormation stacks \
                     of 500): split the architecture into several scenarios",
                    obj.members.len()
                ),
            );
            // Nothing else is read: every reference to a resource would be reported missing.
            return None;
        }
        Some(obj) => {
            prescan(ctx, &obj);
            resources::resources(ctx, &obj)
        }
        None => None,
    };

    let traffic = match top.get("traffic") {
        Some(n) => traffic::traffic(ctx, n),
        None => Some(Vec::new()),
    };

    let tour = match top.get("tour") {
        Some(n) => tour::tour(ctx, n).map(Some),
        None => Some(None),
    };

    let layout = match top.get("layout") {
        Some(n) => layout(ctx, n, &traffic_names(top.get("traffic"))),
        None => Some(Vec::new()),
    };

    let (external, external_ok) = match top.get("external") {
        Some(n) => external(ctx, n),
        None => (Vec::new(), true),
    };
    let hints = match top.get("hints") {
        Some(n) => hints(ctx, n, &external),
        None => Some(Vec::new()),
    };
    let external = external_ok.then_some(external);

    Some(Scenario {
        file: None,
        name: name?,
        description,
        settings: settings?,
        resources: resources?,
        traffic: traffic?,
        tour: tour?,
        layout: layout?,
        external: external?,
        hints: hints?,
        document: root.to_value(),
    })
}

/// `external`: `[{"id", "type", "note"?}]`, each id unique and not a resource's. Returns the entries it could
/// read (the hints are checked against them even when another entry is wrong) and whether all were valid.
fn external(ctx: &mut Ctx<'_>, node: &Node) -> (Vec<ExternalResource>, bool) {
    let Some(items) = node.as_array() else {
        ctx.type_err(
            node,
            "external",
            "an array of {\"id\", \"type\", \"note\"} objects",
        );
        return (Vec::new(), false);
    };
    let mut out: Vec<ExternalResource> = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = values::index("external", i);
        let Some(o) = ctx.obj(item, &path, "an object with \"id\" and \"type\"") else {
            ok = false;
            continue;
        };
        ctx.check_keys(&o, super::keys::EXTERNAL);
        let id = ctx
            .required(&o, "id")
            .and_then(|n| Some((n, ctx.nonempty_string(n, &o.path_of("id"))?)));
        let aws_type = ctx
            .required(&o, "type")
            .and_then(|n| ctx.nonempty_string(n, &o.path_of("type")));
        let note = ctx.opt_string(&o, "note");
        let (Some((id_node, id)), Some(aws_type)) = (id, aws_type) else {
            ok = false;
            continue;
        };
        if ctx.by_name.contains_key(id) {
            let msg = format!(
                "{} is a resource id: an external resource needs an id of its own",
                quote(id)
            );
            ctx.err(id_node.pos, &o.path_of("id"), msg);
            ok = false;
        } else if out.iter().any(|e| e.id == id) {
            let msg = format!("{} is listed twice", quote(id));
            ctx.err(id_node.pos, &o.path_of("id"), msg);
            ok = false;
        }
        out.push(ExternalResource {
            id: id.to_string(),
            aws_type: aws_type.to_string(),
            note,
        });
    }
    (out, ok)
}

/// `hints`: `[{"from", "to", "why"?}]`; `from` names a resource, `to` a resource or an `external` id.
fn hints(ctx: &mut Ctx<'_>, node: &Node, external: &[ExternalResource]) -> Option<Vec<HintLink>> {
    let Some(items) = node.as_array() else {
        ctx.type_err(
            node,
            "hints",
            "an array of {\"from\", \"to\", \"why\"} objects",
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = values::index("hints", i);
        let Some(o) = ctx.obj(item, &path, "an object with \"from\" and \"to\"") else {
            ok = false;
            continue;
        };
        ctx.check_keys(&o, super::keys::HINT);
        let end = |ctx: &mut Ctx<'_>, key: &str, external_too: bool| -> Option<String> {
            let n = ctx.required(&o, key)?;
            let path = o.path_of(key);
            let name = ctx.nonempty_string(n, &path)?;
            let known = ctx.by_name.contains_key(name)
                || (external_too && external.iter().any(|e| e.id == name));
            if known {
                return Some(name.to_string());
            }
            let mut names: Vec<&str> = ctx.res.iter().map(|r| r.name.as_str()).collect();
            if external_too {
                names.extend(external.iter().map(|e| e.id.as_str()));
            }
            let what = if external_too {
                "no resource or external resource"
            } else {
                "no resource"
            };
            let msg = format!("{what} {}{}", quote(name), hint(name, names));
            ctx.err(n.pos, &path, msg);
            None
        };
        let from = end(ctx, "from", false);
        let to = end(ctx, "to", true);
        let why = ctx.opt_string(&o, "why");
        match (from, to) {
            (Some(from), Some(to)) => out.push(HintLink { from, to, why }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

pub(crate) fn default_settings() -> Settings {
    Settings {
        seed: 1,
        until_s: 60.0,
        start_time: default_start_time(),
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        hop_latency_ms: Dist::Uniform {
            min: 5.0,
            max: 25.0,
        },
        account_concurrency: 1000,
        // An AWS API call from inside a region: a few milliseconds (typical SQS/DynamoDB/SNS latencies).
        sdk_latency_ms: Dist::Uniform {
            min: 3.0,
            max: 12.0,
        },
    }
}

fn default_start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn settings(ctx: &mut Ctx<'_>, node: &Node) -> Option<Settings> {
    let o = ctx.obj(node, "settings", "an object")?;
    ctx.check_keys(&o, super::keys::SETTINGS);
    let d = default_settings();
    let mut ok = true;

    let seed = match o.get("seed") {
        None => d.seed,
        Some(n) => match n.as_number().and_then(|x| x.as_u64()) {
            Some(v) => v,
            None => {
                let msg = match n.as_number() {
                    Some(x) => format!("expected an integer from 0 to {}, found {x}", u64::MAX),
                    None => format!(
                        "expected an integer from 0 to {}, found {}",
                        u64::MAX,
                        n.type_name()
                    ),
                };
                ctx.err(n.pos, "settings.seed", msg);
                ok = false;
                d.seed
            }
        },
    };
    let until_s = ctx.opt_num(&o, "until_s", d.until_s, Range::TIME_S_POSITIVE);
    let start_time = match o.get("start_time") {
        None => d.start_time,
        Some(n) => match ctx.string(n, "settings.start_time") {
            Some(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => t.with_timezone(&Utc),
                Err(e) => {
                    ctx.err(
                        n.pos,
                        "settings.start_time",
                        format!("expected an RFC 3339 date-time like \"2026-01-01T00:00:00Z\", found {} ({e})", quote(s)),
                    );
                    d.start_time
                }
            },
            None => d.start_time,
        },
    };
    let region = match o.get("region") {
        None => d.region.clone(),
        Some(n) => match ctx.nonempty_string(n, "settings.region") {
            Some(s)
                if s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
            {
                s.to_string()
            }
            Some(s) => {
                ctx.err(
                    n.pos,
                    "settings.region",
                    format!(
                        "expected a region name like \"us-east-1\", found {}",
                        quote(s)
                    ),
                );
                d.region.clone()
            }
            None => d.region.clone(),
        },
    };
    let account_id = match o.get("account_id") {
        None => d.account_id.clone(),
        Some(n) => match ctx.string(n, "settings.account_id") {
            Some(s) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => s.to_string(),
            Some(s) => {
                ctx.err(
                    n.pos,
                    "settings.account_id",
                    format!("expected 12 digits, found {}", quote(s)),
                );
                d.account_id.clone()
            }
            None => d.account_id.clone(),
        },
    };
    let hop_latency_ms = ctx.opt_dist(&o, "hop_latency_ms", d.hop_latency_ms.clone());
    let sdk_latency_ms = ctx.opt_dist(&o, "sdk_latency_ms", d.sdk_latency_ms.clone());
    let account_concurrency =
        ctx.opt_int(&o, "account_concurrency", 1000, 1, i64::from(u32::MAX)) as u32;
    if !ok {
        return None;
    }
    Some(Settings {
        seed,
        until_s,
        start_time,
        region,
        account_id,
        hop_latency_ms,
        account_concurrency,
        sdk_latency_ms,
    })
}

/// Whether `id` is a valid logical id: `^[A-Za-z][A-Za-z0-9_-]{0,63}$`.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Records every resource's id and type (and what references need to know) before reading any in full.
fn prescan(ctx: &mut Ctx<'_>, obj: &values::Obj<'_>) {
    let type_names: Vec<&str> = ResourceType::ALL.iter().map(|t| t.name()).collect();
    for m in obj.members {
        let path = obj.path_of(&m.key);
        if !valid_id(&m.key) {
            ctx.err(
                m.key_pos,
                &path,
                format!(
                    "invalid resource id {}: ids are 1 to 64 letters, digits, '-' and '_', starting with a letter",
                    quote(&values::shorten(&m.key, 80))
                ),
            );
        }
        let node = &m.value;
        let mut info = ResInfo {
            name: m.key.clone(),
            ..ResInfo::default()
        };
        if node.as_object().is_some() {
            match node.get("type") {
                None => ctx.err(node.pos, &path, "missing required key \"type\""),
                Some(t) => match t.as_str() {
                    Some(s) => match ResourceType::from_name(s) {
                        Some(rt) => info.rtype = Some(rt),
                        None => ctx.err(
                            t.pos,
                            &values::child(&path, "type"),
                            format!(
                                "unknown resource type {}{}; expected one of: {}",
                                quote(&values::shorten(s, 60)),
                                hint(s, type_names.iter().copied()),
                                type_names.join(", ")
                            ),
                        ),
                    },
                    None => ctx.type_err(
                        t,
                        &values::child(&path, "type"),
                        "a resource type (a string)",
                    ),
                },
            }
            info.fifo = node.get("fifo").and_then(Node::as_bool) == Some(true);
            info.content_based_deduplication = node
                .get("content_based_deduplication")
                .and_then(Node::as_bool)
                == Some(true);
            info.has_stream = node.get("stream").is_some_and(|s| !s.is_null());
            info.partition_key = node
                .get("partition_key")
                .and_then(Node::as_str)
                .map(str::to_string);
            info.sort_key = node
                .get("sort_key")
                .and_then(Node::as_str)
                .map(str::to_string);
        } else {
            ctx.type_err(node, &path, "an object (a resource with a \"type\")");
        }
        ctx.by_name.insert(m.key.clone(), ctx.res.len());
        ctx.res.push(info);
    }
}

fn layout(ctx: &mut Ctx<'_>, node: &Node, traffic_names: &[String]) -> Option<Vec<LayoutEntry>> {
    let o = ctx.obj(node, "layout", "an object (id → {\"x\", \"y\"})")?;
    let mut out = Vec::new();
    let mut ok = true;
    for m in o.members {
        let path = o.path_of(&m.key);
        if let Some(tname) = m.key.strip_prefix("traffic:") {
            if !traffic_names.iter().any(|t| t == tname) {
                let msg = format!(
                    "no traffic source named {}{}",
                    quote(tname),
                    hint(tname, traffic_names.iter().map(String::as_str))
                );
                ctx.err(m.key_pos, &path, msg);
                ok = false;
            }
        } else if !ctx.by_name.contains_key(&m.key) {
            let names: Vec<&str> = ctx.res.iter().map(|r| r.name.as_str()).collect();
            let msg = format!("no resource {}{}", quote(&m.key), hint(&m.key, names));
            ctx.err(m.key_pos, &path, msg);
            ok = false;
        }
        let Some(p) = ctx.obj(&m.value, &path, "an object with \"x\" and \"y\"") else {
            ok = false;
            continue;
        };
        ctx.check_keys(&p, &["x", "y"]);
        let range = Range {
            min: -1e9,
            max: 1e9,
            min_exclusive: false,
        };
        let x = ctx
            .required(&p, "x")
            .and_then(|n| ctx.number(n, &p.path_of("x"), range));
        let y = ctx
            .required(&p, "y")
            .and_then(|n| ctx.number(n, &p.path_of("y"), range));
        match (x, y) {
            (Some(x), Some(y)) => out.push(LayoutEntry {
                id: m.key.clone(),
                x: x as f32,
                y: y as f32,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// The names traffic sources will have (`name`, or `traffic<N>`), read leniently for the layout check.
fn traffic_names(node: Option<&Node>) -> Vec<String> {
    let Some(items) = node.and_then(Node::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(i, t)| match t.get("name").and_then(Node::as_str) {
            Some(n) => n.to_string(),
            None => format!("traffic{}", i + 1),
        })
        .collect()
}
