//! Reading the `resources` of a scenario: one reader per resource type, every key, default and AWS range of the
//! format, and every reference resolved to a [`ResId`] of an allowed type.

use super::super::keys;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::super::error::Problem;
use super::super::json::{Json, Node, quote};
use super::super::model::{
    Api, ApiProtocol, AsyncConfig, Bucket, Code, Dist, FilterPolicyScope, Function,
    InputTransformer, Notification, Queue, Redrive, Resource, ResourceKind, ResourceType,
    RetryPolicy, Rule, Schedule, StartingPosition, StateMachine, StreamViewType, Subscription,
    Table, Target, Topic, Trigger, WorkflowType,
};
use super::values::{Ctx, Obj, Range, child, index, join_path, locate};
use crate::cron::ScheduleExpr;
use crate::events::apigw::RouteTable;
use crate::pattern::{Dialect, Pattern};
use crate::script::Handler;

use ResourceType as T;

/// Reads every resource (ids and types were registered by the prescan). None when any failed.
pub(super) fn resources(ctx: &mut Ctx<'_>, obj: &Obj<'_>) -> Option<Vec<Resource>> {
    let mut out = Vec::with_capacity(obj.members.len());
    let mut ok = true;
    for (i, m) in obj.members.iter().enumerate() {
        let rtype = ctx.res.get(i).and_then(|r| r.rtype);
        let path = obj.path_of(&m.key);
        let r = match (rtype, m.value.as_object()) {
            (Some(t), Some(members)) => resource(
                ctx,
                m.key.clone(),
                t,
                Obj {
                    node: &m.value,
                    members,
                    path,
                },
            ),
            _ => None, // reported by the prescan
        };
        match r {
            Some(r) => out.push(r),
            None => ok = false,
        }
    }
    check_reserved_total(ctx, obj);
    ok.then_some(out)
}

fn resource(ctx: &mut Ctx<'_>, id: String, t: ResourceType, o: Obj<'_>) -> Option<Resource> {
    ctx.check_keys(&o, &keys::allowed_for(t));
    let description = ctx.opt_string(&o, "description");
    let delivery_latency_ms = match o.get("delivery_latency_ms") {
        Some(n) => Some(ctx.dist(n, &o.path_of("delivery_latency_ms"))?),
        None => None,
    };
    let kind = match t {
        T::Function => ResourceKind::Function(function(ctx, &o)?),
        T::Api => ResourceKind::Api(api(ctx, &o)?),
        T::EventBus => ResourceKind::EventBus,
        T::Rule => ResourceKind::Rule(rule(ctx, &o)?),
        T::Schedule => ResourceKind::Schedule(schedule(ctx, &o)?),
        T::Bucket => ResourceKind::Bucket(bucket(ctx, &o)?),
        T::Queue => ResourceKind::Queue(queue(ctx, &o)?),
        T::Topic => ResourceKind::Topic(topic(ctx, &o)?),
        T::Table => ResourceKind::Table(table(ctx, &o)?),
        T::Trigger => ResourceKind::Trigger(trigger(ctx, &o)?),
        T::StateMachine => ResourceKind::StateMachine(state_machine(ctx, &o)?),
    };
    Some(Resource {
        id,
        description,
        delivery_latency_ms,
        kind,
    })
}

/// Collects `Some` results; false as soon as one is `None` (after reading all, so every problem is reported).
struct All(bool);

impl All {
    fn take<T>(&mut self, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.0 = false;
        }
        v
    }
}

// ---- function -------------------------------------------------------------------------------------------------------

fn function(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Function> {
    let mut all = All(true);
    let n0 = ctx.problems.len();
    let memory_mb = ctx.opt_int(o, "memory_mb", 128, 128, 10_240) as u32;
    let timeout_s = ctx.opt_int(o, "timeout_s", 3, 1, 900) as u32;
    let reserved_concurrency = match o.get("reserved_concurrency") {
        Some(n) => {
            let max = i64::from(ctx.account_concurrency);
            all.take(ctx.integer(n, &o.path_of("reserved_concurrency"), 0, max))
                .map(|v| v as u32)
        }
        None => None,
    };
    let duration_ms = ctx.opt_dist(o, "duration_ms", Dist::Fixed(10.0));
    let cold_start_ms = ctx.opt_dist(
        o,
        "cold_start_ms",
        Dist::LogNormal {
            p50: 180.0,
            p99: 600.0,
        },
    );
    let idle_timeout_s = ctx.opt_num(o, "idle_timeout_s", 600.0, Range::NON_NEGATIVE);
    let error_rate = ctx.opt_num(o, "error_rate", 0.0, Range::incl(0.0, 1.0));
    let (code, handler) = match o.get("code") {
        Some(n) => {
            let code = all.take(code(ctx, n, &o.path_of("code")));
            let handler = code
                .as_ref()
                .and_then(|c| compile_code(ctx, c, n, &o.path_of("code")));
            (code, handler)
        }
        None => (None, None),
    };
    let environment = match o.get("environment") {
        Some(n) => all
            .take(environment(ctx, n, &o.path_of("environment")))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let async_config = match o.get("async") {
        Some(n) => all
            .take(async_config(ctx, n, &o.path_of("async")))
            .unwrap_or_default(),
        None => AsyncConfig::default(),
    };
    let dead_letter = match o.get("dead_letter") {
        Some(n) => {
            let path = o.path_of("dead_letter");
            let r = ctx.reference(n, &path, &[T::Queue, T::Topic], "a function's dead_letter");
            let r = ctx.require_standard(
                r,
                Some(n),
                &path,
                "a Lambda dead-letter target must be a standard queue or topic",
            );
            all.take(r)
        }
        None => None,
    };
    if !all.0 || ctx.problems.len() > n0 {
        return None;
    }
    Some(Function {
        memory_mb,
        timeout_s,
        reserved_concurrency,
        duration_ms,
        cold_start_ms,
        idle_timeout_s,
        error_rate,
        code,
        handler,
        environment,
        async_config,
        dead_letter,
    })
}

fn check_reserved_total(ctx: &mut Ctx<'_>, obj: &Obj<'_>) {
    // Read the raw values, so the check also runs when some resource failed elsewhere.
    let limit = u64::from(ctx.account_concurrency);
    let mut total: u64 = 0;
    for m in obj.members {
        if m.value.get("type").and_then(Node::as_str) != Some("function") {
            continue;
        }
        let Some(n) = m.value.get("reserved_concurrency") else {
            continue;
        };
        let Some(v) = n.as_number().and_then(|x| x.as_u64()) else {
            continue;
        };
        if v > limit {
            continue; // reported as out of range
        }
        let before = total;
        total = total.saturating_add(v);
        if before <= limit && total > limit {
            let path = child(&child(&obj.path, &m.key), "reserved_concurrency");
            ctx.err(
                n.pos,
                &path,
                format!(
                    "the reserved concurrency of the functions adds up to {total} here, more than settings.account_concurrency ({limit})"
                ),
            );
        }
    }
}

fn code(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Code> {
    let o = ctx.obj(
        node,
        path,
        "an object: {\"script\": \"path.rhai\"} or {\"inline\": \"...\"}",
    )?;
    ctx.check_keys(&o, keys::CODE);
    match (o.get("script"), o.get("inline")) {
        (Some(_), Some(i)) => {
            ctx.err(
                i.pos,
                &o.path_of("inline"),
                "give either \"script\" or \"inline\", not both",
            );
            None
        }
        (None, None) => {
            ctx.err(
                node.pos,
                path,
                "expected \"script\" (a file path) or \"inline\" (the code)",
            );
            None
        }
        (None, Some(i)) => ctx
            .string(i, &o.path_of("inline"))
            .map(|s| Code::Inline(s.to_string())),
        (Some(s), None) => {
            let spath = o.path_of("script");
            let p = ctx.nonempty_string(s, &spath)?;
            script(ctx, s, &spath, p)
        }
    }
}

fn script(ctx: &mut Ctx<'_>, node: &Node, path: &str, p: &str) -> Option<Code> {
    let absolute = p.starts_with('/')
        || p.starts_with('\\')
        || Path::new(p).is_absolute()
        || (p.len() >= 2
            && p.as_bytes().get(1) == Some(&b':')
            && p.as_bytes().first().is_some_and(u8::is_ascii_alphabetic));
    if absolute {
        ctx.err(
            node.pos,
            path,
            format!(
                "script path {} must be relative to the scenario file",
                quote(p)
            ),
        );
        return None;
    }
    if p.split(['/', '\\']).any(|c| c == "..") {
        ctx.err(
            node.pos,
            path,
            format!(
                "script path {} must stay inside the scenario's folder (no \"..\")",
                quote(p)
            ),
        );
        return None;
    }
    let resolved = match ctx.base_dir {
        Some(base) => base.join(p),
        None => PathBuf::from(p),
    };
    if ctx.base_dir.is_some() && !resolved.is_file() {
        ctx.err(
            node.pos,
            path,
            format!(
                "script file {} not found (script paths are relative to the scenario file's folder)",
                quote(p)
            ),
        );
        return None;
    }
    Some(Code::Script {
        path: p.to_string(),
        resolved,
    })
}

/// Reads and compiles a function's code. A compile error of a script file is reported at its place in the script
/// (`file` the script's path as seen from the scenario's label); one of inline code at the `inline` string, with the
/// line and column inside the code in the message. `None` (and no problem) for a script when no base folder was
/// given: the file is not read then.
fn compile_code(ctx: &mut Ctx<'_>, code: &Code, node: &Node, path: &str) -> Option<Handler> {
    let o = node.as_object().map(|members| Obj {
        node,
        members,
        path: path.to_string(),
    })?;
    match code {
        Code::Inline(source) => {
            let n = o.get("inline")?;
            let p = o.path_of("inline");
            match Handler::compile(source, "<inline>") {
                Ok(h) => Some(h),
                Err(e) => {
                    let msg = format!(
                        "inline code line {}, column {}: {}",
                        e.line, e.col, e.message
                    );
                    ctx.err(n.pos, &p, msg);
                    None
                }
            }
        }
        Code::Script {
            path: rel,
            resolved,
        } => {
            ctx.base_dir?;
            let n = o.get("script")?;
            let p = o.path_of("script");
            // The script as the user names it: relative to the folder of the scenario's label.
            let label = match Path::new(ctx.file).parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.join(rel).display().to_string(),
                _ => rel.clone(),
            };
            let source = match crate::fileio::read_input(
                resolved,
                crate::fileio::MAX_SCRIPT_BYTES,
                "a handler script",
            )
            .map_err(|e| e.reason())
            .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".to_string()))
            {
                Ok(s) => s,
                Err(e) => {
                    ctx.err(
                        n.pos,
                        &p,
                        format!("script file {} cannot be read: {e}", quote(rel)),
                    );
                    return None;
                }
            };
            match Handler::compile(&source, &label) {
                // Traces name the script as the scenario does (relative to its folder), wherever that folder is.
                Ok(h) => Some(h.with_trace_name(rel)),
                Err(e) => {
                    ctx.problems.push(Problem {
                        file: e.file,
                        line: e.line,
                        col: e.col,
                        path: p,
                        message: e.message,
                    });
                    None
                }
            }
        }
    }
}

fn environment(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Vec<(String, String)>> {
    let o = ctx.obj(node, path, "an object (name → string)")?;
    let mut out = Vec::new();
    let mut ok = true;
    for m in o.members {
        let p = o.path_of(&m.key);
        let valid = m
            .key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && m.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            ctx.err(
                m.key_pos,
                &p,
                format!("invalid environment variable name {}: use letters, digits and '_', starting with a letter", quote(&m.key)),
            );
            ok = false;
        }
        match m.value.as_str() {
            Some(v) => out.push((m.key.clone(), v.to_string())),
            None => {
                let msg = format!(
                    "expected a string, found {} (environment values are strings; quote numbers)",
                    m.value.type_name()
                );
                ctx.err(m.value.pos, &p, msg);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn async_config(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<AsyncConfig> {
    let o = ctx.obj(node, path, "an object")?;
    ctx.check_keys(&o, keys::ASYNC);
    let n0 = ctx.problems.len();
    let retry_attempts = ctx.opt_int(&o, "retry_attempts", 2, 0, 2) as u32;
    let max_event_age_s = ctx.opt_int(&o, "max_event_age_s", 21_600, 60, 21_600) as u32;
    let dest = |ctx: &mut Ctx<'_>, key: &str| {
        let n = o.get(key)?;
        let p = o.path_of(key);
        let r = ctx.reference(
            n,
            &p,
            &[T::Queue, T::Topic, T::EventBus, T::Function],
            "an async destination",
        );
        ctx.require_standard(
            r,
            Some(n),
            &p,
            "Lambda destinations must be standard queues or topics",
        )
    };
    let on_success = dest(ctx, "on_success");
    let on_failure = dest(ctx, "on_failure");
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(AsyncConfig {
        retry_attempts,
        max_event_age_s,
        on_success,
        on_failure,
    })
}

// ---- api ------------------------------------------------------------------------------------------------------------

fn api(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Api> {
    let n0 = ctx.problems.len();
    let protocol = match o.get("protocol") {
        Some(n) => match ctx.one_of(n, &o.path_of("protocol"), &["http", "rest"]) {
            Some(1) => Some(ApiProtocol::Rest),
            Some(_) => Some(ApiProtocol::Http),
            None => None,
        },
        None => Some(ApiProtocol::Http),
    };
    let max_timeout = if protocol == Some(ApiProtocol::Rest) {
        29_000
    } else {
        30_000
    };
    let timeout_ms = ctx.opt_int(o, "timeout_ms", 29_000, 50, max_timeout) as u32;
    let mut routes = Vec::new();
    if let Some(rnode) = ctx.required(o, "routes") {
        let rpath = o.path_of("routes");
        if let Some(r) = ctx.obj(rnode, &rpath, "an object (\"METHOD /path\" → function id)") {
            let mut keys_ok = true;
            for m in r.members {
                let p = r.path_of(&m.key);
                if let Err(e) = RouteTable::<()>::new(vec![(m.key.clone(), ())]) {
                    ctx.err(m.key_pos, &p, e);
                    keys_ok = false;
                }
                if let Some(f) = ctx.reference(&m.value, &p, &[T::Function], "a route target") {
                    routes.push((m.key.clone(), f));
                }
            }
            if keys_ok {
                let all: Vec<(String, ())> =
                    r.members.iter().map(|m| (m.key.clone(), ())).collect();
                if let Err(e) = RouteTable::new(all) {
                    ctx.err(rnode.pos, &rpath, e);
                }
            }
        }
    }
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Api {
        protocol: protocol?,
        routes,
        timeout_ms,
    })
}

// ---- rule and schedule ----------------------------------------------------------------------------------------------

const TARGET_TYPES: [ResourceType; 5] = [
    T::Function,
    T::Queue,
    T::Topic,
    T::EventBus,
    T::StateMachine,
];

fn rule(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Rule> {
    let n0 = ctx.problems.len();
    let bus = ctx
        .required(o, "bus")
        .and_then(|n| ctx.reference(n, &o.path_of("bus"), &[T::EventBus], "a rule's bus"));
    let pattern = ctx.required(o, "pattern").and_then(|n| {
        let p = o.path_of("pattern");
        ctx.obj(n, &p, "an object (an event pattern)")?;
        compile_pattern(ctx, n, &p, None)
    });
    let targets = targets(ctx, o, "a rule target");
    let enabled = ctx.opt_bool(o, "enabled", true);
    let retry = match o.get("retry") {
        Some(n) => retry(ctx, n, &o.path_of("retry")),
        None => Some(RetryPolicy::default()),
    };
    let dead_letter = match o.get("dead_letter") {
        Some(n) => {
            let p = o.path_of("dead_letter");
            let r = ctx.reference(n, &p, &[T::Queue], "a rule's dead_letter");
            ctx.require_standard(
                r,
                Some(n),
                &p,
                "EventBridge dead-letter queues must be standard queues",
            )
        }
        None => None,
    };
    if ctx.problems.len() > n0 {
        return None;
    }
    let (pattern_json, pattern) = pattern?;
    Some(Rule {
        bus: bus?,
        pattern,
        pattern_json,
        targets: targets?,
        enabled,
        retry: retry?,
        dead_letter,
    })
}

/// Compiles an event pattern or filter policy, placing its error at the offending node.
fn compile_pattern(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    dialect: Option<Dialect>,
) -> Option<(Value, Pattern)> {
    let value = node.to_value();
    let r = match dialect {
        None => Pattern::compile(&value),
        Some(d) => Pattern::compile_dialect(&value, d),
    };
    match r {
        Ok(p) => Some((value, p)),
        Err(e) => {
            let at = locate(node, &e.path);
            ctx.err(at.pos, &join_path(path, &e.path), e.message);
            None
        }
    }
}

fn retry(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<RetryPolicy> {
    let o = ctx.obj(node, path, "an object")?;
    ctx.check_keys(&o, keys::RETRY);
    let n0 = ctx.problems.len();
    let maximum_retry_attempts = ctx.opt_int(&o, "maximum_retry_attempts", 185, 0, 185) as u32;
    let maximum_event_age_s = ctx.opt_int(&o, "maximum_event_age_s", 86_400, 60, 86_400) as u32;
    (ctx.problems.len() == n0).then_some(RetryPolicy {
        maximum_retry_attempts,
        maximum_event_age_s,
    })
}

fn targets(ctx: &mut Ctx<'_>, o: &Obj<'_>, role: &str) -> Option<Vec<Target>> {
    let node = ctx.required(o, "targets")?;
    let path = o.path_of("targets");
    let Some(items) = node.as_array() else {
        ctx.type_err(node, &path, "an array of targets");
        return None;
    };
    if items.is_empty() || items.len() > 5 {
        ctx.err(
            node.pos,
            &path,
            format!(
                "expected 1 to 5 targets, found {} (EventBridge allows at most 5 targets per rule)",
                items.len()
            ),
        );
        return None;
    }
    let n0 = ctx.problems.len();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(&path, i);
        if let Some(t) = target(ctx, item, &p, role) {
            out.push(t);
        }
    }
    (ctx.problems.len() == n0).then_some(out)
}

fn target(ctx: &mut Ctx<'_>, node: &Node, path: &str, role: &str) -> Option<Target> {
    if node.as_str().is_some() {
        let target = ctx.reference(node, path, &TARGET_TYPES, role)?;
        check_group_id(ctx, target, None, node, path);
        return Some(Target {
            target,
            input: None,
            input_path: None,
            input_transformer: None,
            message_group_id: None,
        });
    }
    let Some(members) = node.as_object() else {
        ctx.type_err(node, path, "a resource id or an object with \"target\"");
        return None;
    };
    let o = Obj {
        node,
        members,
        path: path.to_string(),
    };
    ctx.check_keys(&o, keys::TARGET);
    let n0 = ctx.problems.len();
    let target = ctx
        .required(&o, "target")
        .and_then(|n| ctx.reference(n, &o.path_of("target"), &TARGET_TYPES, role));
    let given: Vec<&str> = ["input", "input_path", "input_transformer"]
        .into_iter()
        .filter(|k| o.has(k))
        .collect();
    if given.len() > 1 {
        let second = given.get(1).copied().unwrap_or("input_path");
        ctx.err(
            o.key_pos(second),
            &o.path_of(second),
            "give at most one of \"input\", \"input_path\" and \"input_transformer\"",
        );
    }
    let input = o.get("input").map(Node::to_value);
    let input_path = match o.get("input_path") {
        Some(n) => {
            let p = o.path_of("input_path");
            let s = ctx.string(n, &p);
            if let Some(s) = s
                && let Err(e) = crate::events::eventbridge::validate_json_path(s)
            {
                ctx.err(n.pos, &p, e);
            }
            s.map(str::to_string)
        }
        None => None,
    };
    let input_transformer = match o.get("input_transformer") {
        Some(n) => transformer(ctx, n, &o.path_of("input_transformer")),
        None => None,
    };
    let message_group_id = match o.get("message_group_id") {
        Some(n) => ctx
            .nonempty_string(n, &o.path_of("message_group_id"))
            .map(str::to_string),
        None => None,
    };
    if let Some(t) = target {
        let at = o.get("message_group_id").unwrap_or(node);
        let p = if o.has("message_group_id") {
            o.path_of("message_group_id")
        } else {
            path.to_string()
        };
        check_group_id(ctx, t, message_group_id.as_deref(), at, &p);
    }
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Target {
        target: target?,
        input,
        input_path,
        input_transformer,
        message_group_id,
    })
}

/// A FIFO queue or topic target needs a message group id; other targets take none.
fn check_group_id(
    ctx: &mut Ctx<'_>,
    target: super::super::model::ResId,
    group: Option<&str>,
    node: &Node,
    path: &str,
) {
    let fifo = ctx.is_fifo(target);
    let kind = ctx.rtype(target).map(|t| t.name()).unwrap_or("resource");
    let name = quote(ctx.name(target));
    match (fifo, group.is_some()) {
        (true, false) => ctx.err(
            node.pos,
            path,
            format!("{name} is a FIFO {kind}: give the target a \"message_group_id\" (write it as {{\"target\": {name}, \"message_group_id\": \"...\"}})"),
        ),
        (false, true) => ctx.err(node.pos, path, format!("\"message_group_id\" applies only to FIFO queues and topics; {name} is not one")),
        _ => {}
    }
}

fn transformer(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<InputTransformer> {
    let o = ctx.obj(
        node,
        path,
        "an object with \"input_paths\" and \"input_template\"",
    )?;
    ctx.check_keys(&o, keys::TRANSFORMER);
    let n0 = ctx.problems.len();
    let mut input_paths = Vec::new();
    if let Some(n) = o.get("input_paths") {
        let pp = o.path_of("input_paths");
        if let Some(m) = ctx.obj(n, &pp, "an object (variable → JSON path)") {
            if m.members.len() > 100 {
                ctx.err(
                    n.pos,
                    &pp,
                    format!("expected at most 100 variables, found {}", m.members.len()),
                );
            }
            for mem in m.members {
                if let Some(s) = ctx.string(&mem.value, &m.path_of(&mem.key)) {
                    input_paths.push((mem.key.clone(), s.to_string()));
                }
            }
        }
    }
    let template = ctx
        .required(&o, "input_template")
        .and_then(|n| ctx.string(n, &o.path_of("input_template")));
    if ctx.problems.len() > n0 {
        return None;
    }
    let input_template = template?.to_string();
    if let Err(e) = crate::events::eventbridge::validate_transformer(&input_paths, &input_template)
    {
        ctx.err(node.pos, path, e);
        return None;
    }
    Some(InputTransformer {
        input_paths,
        input_template,
    })
}

fn schedule(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Schedule> {
    let n0 = ctx.problems.len();
    let expr = ctx.required(o, "expression").and_then(|n| {
        let p = o.path_of("expression");
        let s = ctx.string(n, &p)?;
        match ScheduleExpr::parse(s) {
            Ok(e) => Some((e, s.to_string())),
            Err(e) => {
                let chars = s
                    .get(..e.offset)
                    .map(|x| x.chars().count())
                    .unwrap_or(e.offset);
                let col = n
                    .pos
                    .col
                    .saturating_add(1)
                    .saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
                let pos = super::super::json::Pos {
                    line: n.pos.line,
                    col,
                };
                ctx.err(pos, &p, e.message);
                None
            }
        }
    });
    let targets = targets(ctx, o, "a schedule target");
    let input = o.get("input").map(Node::to_value);
    if ctx.problems.len() > n0 {
        return None;
    }
    let (expression, expression_text) = expr?;
    Some(Schedule {
        expression,
        expression_text,
        targets: targets?,
        input,
    })
}

// ---- bucket ---------------------------------------------------------------------------------------------------------

fn bucket(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Bucket> {
    let n0 = ctx.problems.len();
    let mut notifications: Vec<(Notification, usize)> = Vec::new();
    if let Some(n) = o.get("notifications") {
        let path = o.path_of("notifications");
        match n.as_array() {
            None => ctx.type_err(n, &path, "an array of notifications"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = index(&path, i);
                    if let Some(nf) = notification(ctx, item, &p) {
                        for (prev, j) in &notifications {
                            if let Some(ev) = overlap(prev, &nf) {
                                ctx.err(
                                    item.pos,
                                    &p,
                                    format!(
                                        "overlaps notifications[{j}]: both match {} for the same keys (S3 refuses overlapping prefixes and suffixes for the same event type)",
                                        quote(&ev)
                                    ),
                                );
                                break;
                            }
                        }
                        notifications.push((nf, i));
                    }
                }
            }
        }
    }
    let event_bridge = ctx.opt_bool(o, "event_bridge", false);
    (ctx.problems.len() == n0).then(|| Bucket {
        notifications: notifications.into_iter().map(|(n, _)| n).collect(),
        event_bridge,
    })
}

fn notification(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Notification> {
    let o = ctx.obj(node, path, "an object with \"events\" and \"target\"")?;
    ctx.check_keys(&o, keys::NOTIFICATION);
    let n0 = ctx.problems.len();
    let mut events = Vec::new();
    if let Some(n) = ctx.required(&o, "events") {
        let p = o.path_of("events");
        match n.as_array() {
            Some([]) => ctx.err(
                n.pos,
                &p,
                "expected at least one event type, such as \"s3:ObjectCreated:*\"",
            ),
            Some(items) => {
                for (i, e) in items.iter().enumerate() {
                    let ep = index(&p, i);
                    if let Some(s) = ctx.string(e, &ep) {
                        match crate::events::s3::validate_event_type(s) {
                            Ok(()) => events.push(s.to_string()),
                            Err(msg) => ctx.err(e.pos, &ep, msg),
                        }
                    }
                }
            }
            None => ctx.type_err(n, &p, "an array of event types"),
        }
    }
    let prefix = ctx.opt_string(&o, "prefix").unwrap_or_default();
    let suffix = ctx.opt_string(&o, "suffix").unwrap_or_default();
    let target = ctx.required(&o, "target").and_then(|n| {
        let p = o.path_of("target");
        let r = ctx.reference(
            n,
            &p,
            &[T::Function, T::Queue, T::Topic],
            "a notification target",
        );
        ctx.require_standard(
            r,
            Some(n),
            &p,
            "S3 event notifications cannot go to FIFO queues or topics",
        )
    });
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Notification {
        events,
        prefix,
        suffix,
        target: target?,
    })
}

/// The event type two notifications share, when their key filters also overlap.
fn overlap(a: &Notification, b: &Notification) -> Option<String> {
    let filters = (a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix))
        && (a.suffix.ends_with(&b.suffix) || b.suffix.ends_with(&a.suffix));
    if !filters {
        return None;
    }
    let covers =
        |x: &str, y: &str| x == y || x.strip_suffix('*').is_some_and(|stem| y.starts_with(stem));
    for x in &a.events {
        for y in &b.events {
            if covers(x, y) {
                return Some(y.clone());
            }
            if covers(y, x) {
                return Some(x.clone());
            }
        }
    }
    None
}

// ---- queue and topic ------------------------------------------------------------------------------------------------

fn queue(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Queue> {
    let n0 = ctx.problems.len();
    let fifo = ctx.opt_bool(o, "fifo", false);
    let content_based_deduplication = ctx.opt_bool(o, "content_based_deduplication", false);
    if content_based_deduplication && !fifo {
        let p = o.path_of("content_based_deduplication");
        ctx.err(
            o.key_pos("content_based_deduplication"),
            &p,
            "content_based_deduplication applies only to FIFO queues (set \"fifo\": true)",
        );
    }
    let visibility_timeout_s = ctx.opt_int(o, "visibility_timeout_s", 30, 0, 43_200) as u32;
    let delay_s = ctx.opt_int(o, "delay_s", 0, 0, 900) as u32;
    let retention_s = ctx.opt_int(o, "retention_s", 345_600, 60, 1_209_600) as u32;
    let dead_letter = match o.get("dead_letter") {
        Some(n) => redrive(ctx, n, &o.path_of("dead_letter"), fifo),
        None => None,
    };
    (ctx.problems.len() == n0).then_some(Queue {
        fifo,
        content_based_deduplication,
        visibility_timeout_s,
        delay_s,
        retention_s,
        dead_letter,
    })
}

fn redrive(ctx: &mut Ctx<'_>, node: &Node, path: &str, fifo: bool) -> Option<Redrive> {
    let o = ctx.obj(
        node,
        path,
        "an object: {\"target\": queue id, \"max_receive_count\": n}",
    )?;
    ctx.check_keys(&o, keys::REDRIVE);
    let target = ctx.required(&o, "target").and_then(|n| {
        let p = o.path_of("target");
        let t = ctx.reference(n, &p, &[T::Queue], "a queue's dead-letter target")?;
        let tf = ctx.is_fifo(t);
        if tf != fifo {
            let msg = if fifo {
                format!("{} is a standard queue; the dead-letter queue of a FIFO queue must be a FIFO queue", quote(ctx.name(t)))
            } else {
                format!("{} is a FIFO queue; the dead-letter queue of a standard queue must be a standard queue", quote(ctx.name(t)))
            };
            ctx.err(n.pos, &p, msg);
            return None;
        }
        Some(t)
    });
    let count = ctx
        .required(&o, "max_receive_count")
        .and_then(|n| ctx.integer(n, &o.path_of("max_receive_count"), 1, 1000));
    Some(Redrive {
        target: target?,
        max_receive_count: count? as u32,
    })
}

fn topic(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Topic> {
    let n0 = ctx.problems.len();
    let fifo = ctx.opt_bool(o, "fifo", false);
    let mut subscriptions = Vec::new();
    if let Some(n) = o.get("subscriptions") {
        let path = o.path_of("subscriptions");
        match n.as_array() {
            None => ctx.type_err(n, &path, "an array of subscriptions"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(s) = subscription(ctx, item, &index(&path, i), fifo) {
                        subscriptions.push(s);
                    }
                }
            }
        }
    }
    (ctx.problems.len() == n0).then_some(Topic {
        fifo,
        subscriptions,
    })
}

fn subscription(
    ctx: &mut Ctx<'_>,
    node: &Node,
    path: &str,
    topic_fifo: bool,
) -> Option<Subscription> {
    let o = ctx.obj(node, path, "an object with \"target\"")?;
    ctx.check_keys(&o, keys::SUBSCRIPTION);
    let n0 = ctx.problems.len();
    let target = ctx.required(&o, "target").and_then(|n| {
        let p = o.path_of("target");
        let t = ctx.reference(n, &p, &[T::Function, T::Queue], "a subscription target")?;
        let name = quote(ctx.name(t));
        let is_queue = ctx.rtype(t) == Some(T::Queue);
        let q_fifo = ctx.is_fifo(t);
        let problem = if topic_fifo && !is_queue {
            Some(format!(
                "{name} is a function; a FIFO topic delivers only to FIFO queues"
            ))
        } else if topic_fifo && !q_fifo {
            Some(format!(
                "{name} is a standard queue; a FIFO topic delivers only to FIFO queues"
            ))
        } else if !topic_fifo && q_fifo {
            Some(format!(
                "{name} is a FIFO queue; a standard topic cannot deliver to FIFO queues"
            ))
        } else {
            None
        };
        if let Some(msg) = problem {
            ctx.err(n.pos, &p, msg);
            return None;
        }
        Some(t)
    });
    let scope = match o.get("filter_policy_scope") {
        Some(n) => match ctx.one_of(
            n,
            &o.path_of("filter_policy_scope"),
            &["MessageAttributes", "MessageBody"],
        ) {
            Some(1) => FilterPolicyScope::MessageBody,
            _ => FilterPolicyScope::MessageAttributes,
        },
        None => FilterPolicyScope::MessageAttributes,
    };
    let filter_policy = match o.get("filter_policy") {
        Some(n) => {
            let p = o.path_of("filter_policy");
            if ctx.obj(n, &p, "an object (a filter policy)").is_some() {
                let dialect = match scope {
                    FilterPolicyScope::MessageAttributes => Dialect::SnsAttributes,
                    FilterPolicyScope::MessageBody => Dialect::SnsBody,
                };
                compile_pattern(ctx, n, &p, Some(dialect))
            } else {
                None
            }
        }
        None => None,
    };
    let raw_message_delivery = ctx.opt_bool(&o, "raw_message_delivery", false);
    if raw_message_delivery && target.is_some_and(|t| ctx.rtype(t) == Some(T::Function)) {
        let p = o.path_of("raw_message_delivery");
        ctx.err(o.key_pos("raw_message_delivery"), &p, "raw_message_delivery applies to queue subscriptions only (Lambda always gets the SNS envelope)");
    }
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Subscription {
        target: target?,
        filter_policy,
        filter_policy_scope: scope,
        raw_message_delivery,
    })
}

// ---- table ----------------------------------------------------------------------------------------------------------

const STREAM_TYPES: [&str; 4] = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];

fn table(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Table> {
    let n0 = ctx.problems.len();
    let pk = ctx
        .required(o, "partition_key")
        .and_then(|n| ctx.nonempty_string(n, &o.path_of("partition_key")));
    let sk = match o.get("sort_key") {
        Some(n) => {
            let p = o.path_of("sort_key");
            let s = ctx.nonempty_string(n, &p);
            if s.is_some() && s == pk {
                ctx.err(n.pos, &p, "sort_key must differ from partition_key");
            }
            s
        }
        None => None,
    };
    let stream = match o.get("stream") {
        Some(n) => match ctx.one_of(n, &o.path_of("stream"), &STREAM_TYPES) {
            Some(0) => Some(StreamViewType::KeysOnly),
            Some(1) => Some(StreamViewType::NewImage),
            Some(2) => Some(StreamViewType::OldImage),
            Some(_) => Some(StreamViewType::NewAndOldImages),
            None => None,
        },
        None => None,
    };
    let mut items = Vec::new();
    if let Some(n) = o.get("items") {
        let p = o.path_of("items");
        match n.as_array() {
            None => ctx.type_err(n, &p, "an array of items (objects)"),
            Some(list) => {
                for (i, item) in list.iter().enumerate() {
                    let ip = index(&p, i);
                    if ctx.obj(item, &ip, "an object (an item)").is_some() {
                        if let Some(pk) = pk {
                            check_key_attrs(ctx, item, &ip, pk, sk, false);
                        }
                        items.push(item.to_value());
                    }
                }
            }
        }
    }
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Table {
        partition_key: pk?.to_string(),
        sort_key: sk.map(str::to_string),
        stream,
        items,
    })
}

/// Checks that an item (or a key, when `key_only`) holds the table's key attributes, each a non-empty string or a
/// number (or a placeholder string).
pub(super) fn check_key_attrs(
    ctx: &mut Ctx<'_>,
    item: &Node,
    path: &str,
    pk: &str,
    sk: Option<&str>,
    key_only: bool,
) {
    let what = if key_only { "key" } else { "item" };
    for (attr, role) in [(Some(pk), "partition key"), (sk, "sort key")] {
        let Some(attr) = attr else { continue };
        match item.get(attr) {
            None => ctx.err(
                item.pos,
                path,
                format!("the {what} has no {} (the table's {role})", quote(attr)),
            ),
            Some(v) => match &v.value {
                Json::String(s) if s.is_empty() => ctx.err(
                    v.pos,
                    &child(path, attr),
                    format!("the {role} must not be an empty string"),
                ),
                Json::String(_) | Json::Number(_) => {}
                _ => {
                    let msg = format!(
                        "expected a string or a number (a key attribute), found {}",
                        v.type_name()
                    );
                    ctx.err(v.pos, &child(path, attr), msg)
                }
            },
        }
    }
    if key_only && let Some(members) = item.as_object() {
        for m in members {
            if m.key != pk && Some(m.key.as_str()) != sk {
                ctx.err(
                    m.key_pos,
                    &child(path, &m.key),
                    format!(
                        "a key holds only the key attributes ({}), not {}",
                        key_names(pk, sk),
                        quote(&m.key)
                    ),
                );
            }
        }
    }
}

fn key_names(pk: &str, sk: Option<&str>) -> String {
    match sk {
        Some(sk) => format!("{} and {}", quote(pk), quote(sk)),
        None => quote(pk),
    }
}

// ---- trigger --------------------------------------------------------------------------------------------------------

fn trigger(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Trigger> {
    let n0 = ctx.problems.len();
    let source = ctx.required(o, "source").and_then(|n| {
        let p = o.path_of("source");
        let s = ctx.reference(n, &p, &[T::Queue, T::Table], "a trigger source")?;
        if ctx.rtype(s) == Some(T::Table) && !ctx.info(s).is_some_and(|r| r.has_stream) {
            let msg = format!("table {} has no stream; set its \"stream\" (e.g. \"NEW_IMAGE\") to trigger a function", quote(ctx.name(s)));
            ctx.err(n.pos, &p, msg);
            return None;
        }
        Some(s)
    });
    let function = ctx.required(o, "function").and_then(|n| {
        ctx.reference(
            n,
            &o.path_of("function"),
            &[T::Function],
            "a trigger's \"function\"",
        )
    });
    // What the source is decides the defaults and which keys apply (unknown when the source is invalid).
    let src_type = source.and_then(|s| ctx.rtype(s));
    let is_queue = src_type == Some(T::Queue);
    let is_table = src_type == Some(T::Table);
    let fifo = source.is_some_and(|s| ctx.is_fifo(s));
    let src_name = source.map(|s| ctx.name(s).to_string()).unwrap_or_default();

    let (default_batch, max_batch) = if is_table {
        (100, 10_000)
    } else if fifo {
        (10, 10)
    } else {
        (10, 10_000)
    };
    let batch_size = match o.get("batch_size") {
        Some(n) => {
            let p = o.path_of("batch_size");
            if fifo {
                match n.as_number().and_then(|x| x.as_i64()) {
                    Some(v) if v > 10 => {
                        ctx.err(
                            n.pos,
                            &p,
                            format!("expected an integer from 1 to 10 for a FIFO queue, found {v}"),
                        );
                        default_batch
                    }
                    _ => ctx.integer(n, &p, 1, max_batch).unwrap_or(default_batch),
                }
            } else {
                ctx.integer(n, &p, 1, max_batch).unwrap_or(default_batch)
            }
        }
        None => default_batch,
    } as u32;
    let window = ctx.opt_int(o, "maximum_batching_window_s", 0, 0, 300) as u32;
    if fifo && window > 0 {
        let p = o.path_of("maximum_batching_window_s");
        ctx.err(o.key_pos("maximum_batching_window_s"), &p, format!("FIFO queue sources do not support a batching window (\"{src_name}\" is a FIFO queue)"));
    }
    if is_queue && !fifo && batch_size > 10 && window < 1 {
        let (pos, p) = match o.get("batch_size") {
            Some(n) => (n.pos, o.path_of("batch_size")),
            None => (o.node.pos, o.path.clone()),
        };
        ctx.err(pos, &p, format!("a batch_size above 10 needs maximum_batching_window_s of at least 1 (found batch_size {batch_size})"));
    }
    let report_batch_item_failures = ctx.opt_bool(o, "report_batch_item_failures", false);
    let mut filter_criteria = Vec::new();
    if let Some(n) = o.get("filter_criteria") {
        let p = o.path_of("filter_criteria");
        match n.as_array() {
            None => ctx.type_err(n, &p, "an array of event patterns"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let ip = index(&p, i);
                    if ctx.obj(item, &ip, "an object (an event pattern)").is_some()
                        && let Some(c) = compile_pattern(ctx, item, &ip, None)
                    {
                        filter_criteria.push(c);
                    }
                }
            }
        }
    }
    let only = |ctx: &mut Ctx<'_>, key: &str, want_table: bool| {
        if !o.has(key) || source.is_none() || want_table == is_table {
            return;
        }
        let msg = if want_table {
            format!(
                "{} applies only to table (stream) sources; {} is a queue",
                key,
                quote(&src_name)
            )
        } else {
            format!(
                "{} applies only to queue sources; {} is a table",
                key,
                quote(&src_name)
            )
        };
        ctx.err(o.key_pos(key), &o.path_of(key), msg);
    };
    only(ctx, "maximum_concurrency", false);
    only(ctx, "starting_position", true);
    only(ctx, "bisect_batch_on_function_error", true);
    only(ctx, "maximum_retry_attempts", true);
    only(ctx, "on_failure", true);
    let maximum_concurrency = match o.get("maximum_concurrency") {
        Some(n) => ctx
            .integer(n, &o.path_of("maximum_concurrency"), 2, 1000)
            .map(|v| v as u32),
        None => None,
    };
    let starting_position = match o.get("starting_position") {
        Some(n) => match ctx.one_of(
            n,
            &o.path_of("starting_position"),
            &["LATEST", "TRIM_HORIZON"],
        ) {
            Some(1) => StartingPosition::TrimHorizon,
            _ => StartingPosition::Latest,
        },
        None => StartingPosition::Latest,
    };
    let bisect_batch_on_function_error = ctx.opt_bool(o, "bisect_batch_on_function_error", false);
    let maximum_retry_attempts = ctx.opt_int(o, "maximum_retry_attempts", -1, -1, 10_000);
    let on_failure = match o.get("on_failure") {
        Some(n) => {
            let p = o.path_of("on_failure");
            let r = ctx.reference(n, &p, &[T::Queue, T::Topic], "an on_failure destination");
            ctx.require_standard(
                r,
                Some(n),
                &p,
                "on-failure destinations must be standard queues or topics",
            )
        }
        None => None,
    };
    let enabled = ctx.opt_bool(o, "enabled", true);
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Trigger {
        source: source?,
        function: function?,
        batch_size,
        maximum_batching_window_s: window,
        report_batch_item_failures,
        filter_criteria,
        maximum_concurrency,
        starting_position,
        bisect_batch_on_function_error,
        maximum_retry_attempts,
        on_failure,
        enabled,
    })
}

// ---- state machine --------------------------------------------------------------------------------------------------

fn state_machine(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<StateMachine> {
    let n0 = ctx.problems.len();
    let mut parsed = None;
    let definition = ctx.required(o, "definition").and_then(|n| {
        let p = o.path_of("definition");
        ctx.obj(n, &p, "an object (an Amazon States Language definition)")?;
        let before = ctx.problems.len();
        asl(ctx, n, &p, 0);
        let value = n.to_value();
        if ctx.problems.len() == before {
            // The structural check passed: now the interpreter's own validation (fields, types, paths, retriers).
            match crate::asl::Definition::parse(&value) {
                Ok(d) => parsed = Some(std::sync::Arc::new(d)),
                Err(e) => {
                    let at = if e.path.is_empty() {
                        p.clone()
                    } else {
                        format!("{p}.{}", e.path)
                    };
                    ctx.err(n.pos, &at, e.message);
                }
            }
        }
        Some(value)
    });
    let workflow_type = match o.get("workflow_type") {
        Some(n) => match ctx.one_of(n, &o.path_of("workflow_type"), &["STANDARD", "EXPRESS"]) {
            Some(1) => WorkflowType::Express,
            _ => WorkflowType::Standard,
        },
        None => WorkflowType::Standard,
    };
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(StateMachine {
        definition: definition?,
        workflow_type,
        parsed: parsed?,
    })
}

const STATE_TYPES: [&str; 8] = [
    "Task", "Choice", "Parallel", "Map", "Wait", "Pass", "Succeed", "Fail",
];

/// Structural check of a States Language machine (`StartAt`, `States`, transitions), recursing into `Parallel`
/// branches and `Map` processors. The engine interprets the rest.
fn asl(ctx: &mut Ctx<'_>, node: &Node, path: &str, depth: usize) {
    if depth > 32 {
        return;
    }
    let Some(members) = node.as_object() else {
        ctx.type_err(node, path, "an object with \"StartAt\" and \"States\"");
        return;
    };
    let o = Obj {
        node,
        members,
        path: path.to_string(),
    };
    let states = ctx
        .required(&o, "States")
        .and_then(|n| ctx.obj(n, &o.path_of("States"), "an object (state name → state)"));
    let start = ctx
        .required(&o, "StartAt")
        .and_then(|n| ctx.string(n, &o.path_of("StartAt")).map(|s| (s, n)));
    let Some(states) = states else { return };
    if states.members.is_empty() {
        ctx.err(states.node.pos, &states.path, "expected at least one state");
        return;
    }
    let names: Vec<&str> = states.members.iter().map(|m| m.key.as_str()).collect();
    let check_name = |ctx: &mut Ctx<'_>, n: &Node, p: &str| {
        if let Some(s) = n.as_str() {
            if !names.contains(&s) {
                let msg = format!(
                    "no state {} in this \"States\"{}",
                    quote(s),
                    super::values::hint(s, names.iter().copied())
                );
                ctx.err(n.pos, p, msg);
            }
        } else {
            ctx.type_err(n, p, "a state name (a string)");
        }
    };
    if let Some((_, n)) = start {
        check_name(ctx, n, &o.path_of("StartAt"));
    }
    for m in states.members {
        let sp = states.path_of(&m.key);
        let Some(st) = m.value.as_object().map(|members| Obj {
            node: &m.value,
            members,
            path: sp.clone(),
        }) else {
            ctx.type_err(&m.value, &sp, "an object (a state)");
            continue;
        };
        let Some(tnode) = ctx.required(&st, "Type") else {
            continue;
        };
        let Some(ti) = ctx.one_of(tnode, &st.path_of("Type"), &STATE_TYPES) else {
            continue;
        };
        let ty = STATE_TYPES.get(ti).copied().unwrap_or("Pass");
        if let Some(n) = st.get("Next") {
            check_name(ctx, n, &st.path_of("Next"));
        }
        let terminal = matches!(ty, "Succeed" | "Fail" | "Choice");
        if !terminal && !st.has("Next") && st.get("End").and_then(Node::as_bool) != Some(true) {
            ctx.err(
                m.value.pos,
                &sp,
                format!("a {ty} state needs \"Next\" or \"End\": true"),
            );
        }
        if ty == "Choice" {
            if let Some(choices) = st.get("Choices").and_then(Node::as_array) {
                for (i, c) in choices.iter().enumerate() {
                    if let Some(n) = c.get("Next") {
                        check_name(ctx, n, &child(&index(&st.path_of("Choices"), i), "Next"));
                    }
                }
            } else {
                ctx.err(
                    m.value.pos,
                    &sp,
                    "a Choice state needs a non-empty \"Choices\" array",
                );
            }
            if let Some(n) = st.get("Default") {
                check_name(ctx, n, &st.path_of("Default"));
            }
        }
        if let Some(catches) = st.get("Catch").and_then(Node::as_array) {
            for (i, c) in catches.iter().enumerate() {
                if let Some(n) = c.get("Next") {
                    check_name(ctx, n, &child(&index(&st.path_of("Catch"), i), "Next"));
                }
            }
        }
        if ty == "Parallel" {
            match st.get("Branches").and_then(Node::as_array) {
                Some(branches) if !branches.is_empty() => {
                    for (i, b) in branches.iter().enumerate() {
                        asl(ctx, b, &index(&st.path_of("Branches"), i), depth + 1);
                    }
                }
                _ => ctx.err(
                    m.value.pos,
                    &sp,
                    "a Parallel state needs a non-empty \"Branches\" array",
                ),
            }
        }
        if ty == "Map" {
            let key = if st.has("ItemProcessor") {
                "ItemProcessor"
            } else {
                "Iterator"
            };
            match st.get(key) {
                Some(p) => asl(ctx, p, &st.path_of(key), depth + 1),
                None => ctx.err(m.value.pos, &sp, "a Map state needs an \"ItemProcessor\""),
            }
        }
    }
}
