//! Reading the `resources` of a scenario: one reader per resource type. Keys, JSON types, defaults, AWS ranges,
//! enum choices and the types a reference may name come from the type's descriptor in [`registry`]; the readers
//! add the cross-field rules (FIFO, stream and protocol dependencies) and build the typed model, with every
//! reference resolved to a [`ResId`] of an allowed type.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::super::error::Problem;
use super::super::json::{Json, Node, quote};
use super::super::model::{
    Api, ApiProtocol, AsyncConfig, Bucket, Code, Database, DbEngine, DbProxy, Dist,
    FilterPolicyScope, Function, InputTransformer, Notification, Queue, Redrive, ResId, Resource,
    ResourceKind, ResourceType, RetryPolicy, Rule, Schedule, StartingPosition, StateMachine,
    StreamViewType, Subscription, Table, Target, Topic, Trigger, WorkflowType,
};
use super::super::registry::{
    self, api, bucket, function as fun, queue, rule as ru, schedule as sch,
};
use super::super::registry::{
    Key, database as dbr, db_proxy as prx, state_machine as sm, table as tab, topic as top,
    trigger as trg,
};
use super::values::{Ctx, Obj, child, index, join_path, locate};
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
    if ok {
        check_trigger_timeouts(ctx, obj, &out);
    }
    ok.then_some(out)
}

/// Lambda refuses an SQS event source mapping whose function timeout exceeds the queue's visibility timeout
/// (Lambda guide, "Using Lambda with Amazon SQS": "If your function's timeout is greater than the queue's
/// visibility timeout, Lambda rejects the event source mapping" — CreateEventSourceMapping fails with
/// "Queue visibility timeout: N seconds is less than Function timeout: M seconds").
fn check_trigger_timeouts(ctx: &mut Ctx<'_>, obj: &Obj<'_>, resources: &[Resource]) {
    for (m, r) in obj.members.iter().zip(resources) {
        let Some(trigger) = r.kind.as_trigger() else {
            continue;
        };
        let (Some(source), Some(function)) = (
            resources.get(trigger.source.index()),
            resources.get(trigger.function.index()),
        ) else {
            continue;
        };
        let (Some(queue), Some(func)) = (source.kind.as_queue(), function.kind.as_function())
        else {
            continue;
        };
        if func.timeout_s > queue.visibility_timeout_s {
            let Some(members) = m.value.as_object() else {
                continue;
            };
            let o = Obj {
                node: &m.value,
                members,
                path: obj.path_of(&m.key),
            };
            let message = format!(
                "Lambda refuses this trigger: queue visibility timeout {} s is less than function timeout {} s \
                 (raise the queue's visibility_timeout_s to at least {}; AWS advises 6 times the function timeout)",
                queue.visibility_timeout_s, func.timeout_s, func.timeout_s
            );
            ctx.err(
                o.key_pos(trg::FUNCTION.name),
                &o.path_of(trg::FUNCTION.name),
                message,
            );
        }
    }
}

fn resource(ctx: &mut Ctx<'_>, id: String, t: ResourceType, o: Obj<'_>) -> Option<Resource> {
    ctx.check_keys(&o, &registry::of(t).allowed_names());
    let description = ctx.opt_string(&o, registry::common::DESCRIPTION.name);
    let latency_key = registry::common::DELIVERY_LATENCY_MS.name;
    let delivery_latency_ms = match o.get(latency_key) {
        Some(n) => Some(ctx.dist(n, &o.path_of(latency_key))?),
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
        T::Database => ResourceKind::Database(database(ctx, &o)?),
        T::DbProxy => ResourceKind::DbProxy(db_proxy(ctx, &o)?),
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
    let memory_mb = ctx.int_key(o, &fun::MEMORY_MB) as u32;
    let timeout_s = ctx.int_key(o, &fun::TIMEOUT_S) as u32;
    let reserved_concurrency = match o.get(fun::RESERVED_CONCURRENCY.name) {
        Some(n) => {
            // Cross-field: at most the account's concurrency.
            let (min, _, _) = fun::RESERVED_CONCURRENCY.int_bounds();
            let max = i64::from(ctx.account_concurrency);
            let path = o.path_of(fun::RESERVED_CONCURRENCY.name);
            all.take(ctx.integer(n, &path, min, max)).map(|v| v as u32)
        }
        None => None,
    };
    let duration_ms = dist_key(ctx, o, &fun::DURATION_MS);
    let cold_start_ms = dist_key(ctx, o, &fun::COLD_START_MS);
    let idle_timeout_s = ctx.number_key(o, &fun::IDLE_TIMEOUT_S);
    let provisioned_concurrency = ctx.int_key(o, &fun::PROVISIONED_CONCURRENCY) as u32;
    // Cross-field: provisioned environments count toward reserved concurrency, else toward the account's.
    let provisioned_cap = reserved_concurrency.unwrap_or(ctx.account_concurrency);
    if provisioned_concurrency > provisioned_cap {
        let key = fun::PROVISIONED_CONCURRENCY.name;
        let what = if reserved_concurrency.is_some() {
            "reserved_concurrency"
        } else {
            "settings.account_concurrency"
        };
        ctx.err(
            o.key_pos(key),
            &o.path_of(key),
            format!("provisioned_concurrency ({provisioned_concurrency}) must be at most {what} ({provisioned_cap})"),
        );
    }
    let error_rate = ctx.number_key(o, &fun::ERROR_RATE);
    let (code, handler, source) = match o.get(fun::CODE.name) {
        Some(n) => {
            let path = o.path_of(fun::CODE.name);
            let code = all.take(code(ctx, n, &path));
            let compiled = code.as_ref().and_then(|c| compile_code(ctx, c, n, &path));
            let (handler, source) = compiled.map_or((None, None), |(h, s)| (Some(h), Some(s)));
            (code, handler, source)
        }
        None => (None, None, None),
    };
    let environment = match o.get(fun::ENVIRONMENT.name) {
        Some(n) => all
            .take(environment(ctx, n, &o.path_of(fun::ENVIRONMENT.name)))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let async_config = match o.get(fun::ASYNC.name) {
        Some(n) => all
            .take(async_config(ctx, n, &o.path_of(fun::ASYNC.name)))
            .unwrap_or_default(),
        None => AsyncConfig::default(),
    };
    let dead_letter = match o.get(fun::DEAD_LETTER.name) {
        Some(n) => {
            let path = o.path_of(fun::DEAD_LETTER.name);
            let r = ctx.ref_of(n, &path, fun::DEAD_LETTER.reference());
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
    let databases = source
        .as_deref()
        .map(|src| code_databases(ctx, src, &environment))
        .unwrap_or_default();
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
        provisioned_concurrency,
        error_rate,
        code,
        handler,
        environment,
        async_config,
        dead_letter,
        databases,
    })
}

/// An optional distribution key with its descriptor's default.
fn dist_key(ctx: &mut Ctx<'_>, o: &Obj<'_>, key: &Key) -> Dist {
    let default = match key.kind {
        registry::Kind::Dist { default: Some(d) } => d.clone(),
        other => {
            debug_assert!(
                false,
                "{} is not a distribution with a default: {other:?}",
                key.name
            );
            Dist::Fixed(0.0)
        }
    };
    ctx.opt_dist(o, key.name, default)
}

fn check_reserved_total(ctx: &mut Ctx<'_>, obj: &Obj<'_>) {
    // Read the raw values, so the check also runs when some resource failed elsewhere.
    let limit = u64::from(ctx.account_concurrency);
    let mut total: u64 = 0;
    for m in obj.members {
        if m.value.get("type").and_then(Node::as_str) != Some(fun::DESC.name) {
            continue;
        }
        let Some(n) = m.value.get(fun::RESERVED_CONCURRENCY.name) else {
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
            let path = child(&child(&obj.path, &m.key), fun::RESERVED_CONCURRENCY.name);
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
    ctx.check_keys(&o, fun::CODE_KEYS);
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
/// Compiles a function's code: the handler and its source text.
fn compile_code(
    ctx: &mut Ctx<'_>,
    code: &Code,
    node: &Node,
    path: &str,
) -> Option<(Handler, String)> {
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
                Ok(h) => Some((h, source.clone())),
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
                Ok(h) => Some((h.with_trace_name(rel), source)),
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
    ctx.check_keys_of(&o, fun::ASYNC_KEYS);
    let n0 = ctx.problems.len();
    let retry_attempts = ctx.int_key(&o, &fun::RETRY_ATTEMPTS) as u32;
    let max_event_age_s = ctx.int_key(&o, &fun::MAX_EVENT_AGE_S) as u32;
    let dest = |ctx: &mut Ctx<'_>, key: &Key| {
        let n = o.get(key.name)?;
        let p = o.path_of(key.name);
        let r = ctx.ref_of(n, &p, key.reference());
        ctx.require_standard(
            r,
            Some(n),
            &p,
            "Lambda destinations must be standard queues or topics",
        )
    };
    let on_success = dest(ctx, &fun::ON_SUCCESS);
    let on_failure = dest(ctx, &fun::ON_FAILURE);
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
    let protocol = match o.get(api::PROTOCOL.name) {
        Some(n) => match ctx.enum_key(n, &o.path_of(api::PROTOCOL.name), &api::PROTOCOL) {
            Some(1) => Some(ApiProtocol::Rest),
            Some(_) => Some(ApiProtocol::Http),
            None => None,
        },
        None => Some(ApiProtocol::Http),
    };
    // Cross-field: a REST API's integration timeout is capped lower than an HTTP API's.
    let (min_timeout, mut max_timeout, default_timeout) = api::TIMEOUT_MS.int_bounds();
    if protocol == Some(ApiProtocol::Rest) {
        max_timeout = api::REST_MAX_TIMEOUT_MS;
    }
    let timeout_ms = ctx.opt_int(
        o,
        api::TIMEOUT_MS.name,
        default_timeout.unwrap_or(max_timeout),
        min_timeout,
        max_timeout,
    ) as u32;
    let mut routes = Vec::new();
    if let Some(rnode) = ctx.required(o, api::ROUTES.name) {
        let rpath = o.path_of(api::ROUTES.name);
        if let Some(r) = ctx.obj(rnode, &rpath, "an object (\"METHOD /path\" → function id)") {
            let mut keys_ok = true;
            for m in r.members {
                let p = r.path_of(&m.key);
                if let Err(e) = RouteTable::<()>::new(vec![(m.key.clone(), ())]) {
                    ctx.err(m.key_pos, &p, e);
                    keys_ok = false;
                }
                if let Some(f) = ctx.ref_of(&m.value, &p, api::ROUTES.reference()) {
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
    let throttle_rate_per_s = ctx.number_key(o, &api::THROTTLE_RATE_PER_S);
    let throttle_burst = ctx.int_key(o, &api::THROTTLE_BURST) as u32;
    Some(Api {
        protocol: protocol?,
        routes,
        timeout_ms,
        throttle_rate_per_s,
        throttle_burst,
    })
}

// ---- rule and schedule ----------------------------------------------------------------------------------------------

fn rule(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Rule> {
    let n0 = ctx.problems.len();
    let bus = ctx
        .required(o, ru::BUS.name)
        .and_then(|n| ctx.ref_of(n, &o.path_of(ru::BUS.name), ru::BUS.reference()));
    let pattern = ctx.required(o, ru::PATTERN.name).and_then(|n| {
        let p = o.path_of(ru::PATTERN.name);
        ctx.obj(n, &p, "an object (an event pattern)")?;
        compile_pattern(ctx, n, &p, None)
    });
    let targets = targets(ctx, o, &ru::TARGETS);
    let enabled = ctx.bool_key(o, &ru::ENABLED);
    let retry = match o.get(ru::RETRY.name) {
        Some(n) => retry(ctx, n, &o.path_of(ru::RETRY.name)),
        None => Some(RetryPolicy::default()),
    };
    let dead_letter = match o.get(ru::DEAD_LETTER.name) {
        Some(n) => {
            let p = o.path_of(ru::DEAD_LETTER.name);
            let r = ctx.ref_of(n, &p, ru::DEAD_LETTER.reference());
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
    ctx.check_keys_of(&o, ru::RETRY_KEYS);
    let n0 = ctx.problems.len();
    let maximum_retry_attempts = ctx.int_key(&o, &ru::MAXIMUM_RETRY_ATTEMPTS) as u32;
    let maximum_event_age_s = ctx.int_key(&o, &ru::MAXIMUM_EVENT_AGE_S) as u32;
    (ctx.problems.len() == n0).then_some(RetryPolicy {
        maximum_retry_attempts,
        maximum_event_age_s,
    })
}

/// Reads the `targets` of a rule or a schedule (`key`: its descriptor, whose entries' `target` names the role and
/// the allowed types).
fn targets(ctx: &mut Ctx<'_>, o: &Obj<'_>, key: &Key) -> Option<Vec<Target>> {
    let node = ctx.required(o, key.name)?;
    let path = o.path_of(key.name);
    let Some(items) = node.as_array() else {
        ctx.type_err(node, &path, "an array of targets");
        return None;
    };
    if items.is_empty() || items.len() > ru::MAX_TARGETS {
        let max = ru::MAX_TARGETS;
        ctx.err(
            node.pos,
            &path,
            format!(
                "expected 1 to {max} targets, found {} (EventBridge allows at most {max} targets per rule)",
                items.len()
            ),
        );
        return None;
    }
    let n0 = ctx.problems.len();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(&path, i);
        if let Some(t) = target(ctx, item, &p, key.sub_keys()) {
            out.push(t);
        }
    }
    (ctx.problems.len() == n0).then_some(out)
}

/// One target: a bare id or an object with the keys `keys` (the first is `target`, the reference).
fn target(ctx: &mut Ctx<'_>, node: &Node, path: &str, keys: &[Key]) -> Option<Target> {
    let Some(target_key) = keys.first() else {
        debug_assert!(false, "target keys start with \"target\"");
        return None;
    };
    let target_ref = target_key.reference();
    if node.as_str().is_some() {
        let target = ctx.ref_of(node, path, target_ref)?;
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
    ctx.check_keys_of(&o, keys);
    let n0 = ctx.problems.len();
    let target = ctx
        .required(&o, target_key.name)
        .and_then(|n| ctx.ref_of(n, &o.path_of(target_key.name), target_ref));
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
    ctx.check_keys_of(&o, ru::TRANSFORMER_KEYS);
    let n0 = ctx.problems.len();
    let mut input_paths = Vec::new();
    if let Some(n) = o.get(ru::INPUT_PATHS.name) {
        let pp = o.path_of(ru::INPUT_PATHS.name);
        if let Some(m) = ctx.obj(n, &pp, "an object (variable → JSON path)") {
            if m.members.len() > ru::MAX_INPUT_PATHS {
                ctx.err(
                    n.pos,
                    &pp,
                    format!(
                        "expected at most {} variables, found {}",
                        ru::MAX_INPUT_PATHS,
                        m.members.len()
                    ),
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
        .required(&o, ru::INPUT_TEMPLATE.name)
        .and_then(|n| ctx.string(n, &o.path_of(ru::INPUT_TEMPLATE.name)));
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
    let expr = ctx.required(o, sch::EXPRESSION.name).and_then(|n| {
        let p = o.path_of(sch::EXPRESSION.name);
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
    let targets = targets(ctx, o, &sch::TARGETS);
    let input = o.get(sch::SCHEDULE_INPUT.name).map(Node::to_value);
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
    if let Some(n) = o.get(bucket::NOTIFICATIONS.name) {
        let path = o.path_of(bucket::NOTIFICATIONS.name);
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
    let event_bridge = ctx.bool_key(o, &bucket::EVENT_BRIDGE);
    let versioning = ctx.bool_key(o, &bucket::VERSIONING);
    (ctx.problems.len() == n0).then(|| Bucket {
        notifications: notifications.into_iter().map(|(n, _)| n).collect(),
        event_bridge,
        versioning,
    })
}

fn notification(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<Notification> {
    let o = ctx.obj(node, path, "an object with \"events\" and \"target\"")?;
    ctx.check_keys_of(&o, bucket::NOTIFICATION_KEYS);
    let n0 = ctx.problems.len();
    let mut events = Vec::new();
    if let Some(n) = ctx.required(&o, bucket::EVENTS.name) {
        let p = o.path_of(bucket::EVENTS.name);
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
    let prefix = ctx.opt_string(&o, bucket::PREFIX.name).unwrap_or_default();
    let suffix = ctx.opt_string(&o, bucket::SUFFIX.name).unwrap_or_default();
    let target_key = &bucket::NOTIFICATION_TARGET;
    let target = ctx.required(&o, target_key.name).and_then(|n| {
        let p = o.path_of(target_key.name);
        let r = ctx.ref_of(n, &p, target_key.reference());
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
    let fifo = ctx.bool_key(o, &queue::FIFO);
    let dedup_key = &queue::CONTENT_BASED_DEDUPLICATION;
    let content_based_deduplication = ctx.bool_key(o, dedup_key);
    if content_based_deduplication && !fifo {
        let p = o.path_of(dedup_key.name);
        ctx.err(
            o.key_pos(dedup_key.name),
            &p,
            "content_based_deduplication applies only to FIFO queues (set \"fifo\": true)",
        );
    }
    let visibility_timeout_s = ctx.int_key(o, &queue::VISIBILITY_TIMEOUT_S) as u32;
    let delay_s = ctx.int_key(o, &queue::DELAY_S) as u32;
    let retention_s = ctx.int_key(o, &queue::RETENTION_S) as u32;
    let dead_letter = match o.get(queue::DEAD_LETTER.name) {
        Some(n) => redrive(ctx, n, &o.path_of(queue::DEAD_LETTER.name), fifo),
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
    ctx.check_keys_of(&o, queue::REDRIVE_KEYS);
    let target_key = &queue::REDRIVE_TARGET;
    let target = ctx.required(&o, target_key.name).and_then(|n| {
        let p = o.path_of(target_key.name);
        let t = ctx.ref_of(n, &p, target_key.reference())?;
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
    let count_key = &queue::MAX_RECEIVE_COUNT;
    let (min_count, max_count, _) = count_key.int_bounds();
    let count = ctx
        .required(&o, count_key.name)
        .and_then(|n| ctx.integer(n, &o.path_of(count_key.name), min_count, max_count));
    Some(Redrive {
        target: target?,
        max_receive_count: count? as u32,
    })
}

fn topic(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Topic> {
    let n0 = ctx.problems.len();
    let fifo = ctx.bool_key(o, &top::FIFO);
    let mut subscriptions = Vec::new();
    if let Some(n) = o.get(top::SUBSCRIPTIONS.name) {
        let path = o.path_of(top::SUBSCRIPTIONS.name);
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
    ctx.check_keys_of(&o, top::SUBSCRIPTION_KEYS);
    let n0 = ctx.problems.len();
    let target_key = &top::SUBSCRIPTION_TARGET;
    let target = ctx.required(&o, target_key.name).and_then(|n| {
        let p = o.path_of(target_key.name);
        let t = ctx.ref_of(n, &p, target_key.reference())?;
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
    let scope_key = &top::FILTER_POLICY_SCOPE;
    let scope = match o.get(scope_key.name) {
        Some(n) => match ctx.enum_key(n, &o.path_of(scope_key.name), scope_key) {
            Some(1) => FilterPolicyScope::MessageBody,
            _ => FilterPolicyScope::MessageAttributes,
        },
        None => FilterPolicyScope::MessageAttributes,
    };
    let filter_policy = match o.get(top::FILTER_POLICY.name) {
        Some(n) => {
            let p = o.path_of(top::FILTER_POLICY.name);
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
    let raw_key = &top::RAW_MESSAGE_DELIVERY;
    let raw_message_delivery = ctx.bool_key(&o, raw_key);
    if raw_message_delivery && target.is_some_and(|t| ctx.rtype(t) == Some(T::Function)) {
        let p = o.path_of(raw_key.name);
        ctx.err(o.key_pos(raw_key.name), &p, "raw_message_delivery applies to queue subscriptions only (Lambda always gets the SNS envelope)");
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

fn table(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Table> {
    let n0 = ctx.problems.len();
    let pk = ctx
        .required(o, tab::PARTITION_KEY.name)
        .and_then(|n| ctx.nonempty_string(n, &o.path_of(tab::PARTITION_KEY.name)));
    let sk = match o.get(tab::SORT_KEY.name) {
        Some(n) => {
            let p = o.path_of(tab::SORT_KEY.name);
            let s = ctx.nonempty_string(n, &p);
            if s.is_some() && s == pk {
                ctx.err(n.pos, &p, "sort_key must differ from partition_key");
            }
            s
        }
        None => None,
    };
    let stream = match o.get(tab::STREAM.name) {
        Some(n) => match ctx.enum_key(n, &o.path_of(tab::STREAM.name), &tab::STREAM) {
            Some(0) => Some(StreamViewType::KeysOnly),
            Some(1) => Some(StreamViewType::NewImage),
            Some(2) => Some(StreamViewType::OldImage),
            Some(_) => Some(StreamViewType::NewAndOldImages),
            None => None,
        },
        None => None,
    };
    let mut items = Vec::new();
    if let Some(n) = o.get(tab::ITEMS.name) {
        let p = o.path_of(tab::ITEMS.name);
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
    let ttl_attribute = o.get(tab::TTL_ATTRIBUTE.name).and_then(|n| {
        ctx.nonempty_string(n, &o.path_of(tab::TTL_ATTRIBUTE.name))
            .map(str::to_string)
    });
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Table {
        partition_key: pk?.to_string(),
        sort_key: sk.map(str::to_string),
        stream,
        items,
        ttl_attribute,
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

/// What a trigger's source is, which decides its defaults and which keys apply (all unknown when the source is
/// invalid).
struct SourceFacts {
    source: Option<super::super::model::ResId>,
    is_queue: bool,
    is_table: bool,
    fifo: bool,
    name: String,
}

fn trigger(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Trigger> {
    let n0 = ctx.problems.len();
    let src = trigger_source(ctx, o);
    let function = ctx.required(o, trg::FUNCTION.name).and_then(|n| {
        let p = o.path_of(trg::FUNCTION.name);
        ctx.ref_of(n, &p, trg::FUNCTION.reference())
    });
    let (batch_size, window) = batching(ctx, o, &src);
    let report_batch_item_failures = ctx.bool_key(o, &trg::REPORT_BATCH_ITEM_FAILURES);
    let filter_criteria = filter_criteria(ctx, o);
    check_source_only_keys(ctx, o, &src);
    let maximum_concurrency = ctx
        .opt_int_key(o, &trg::MAXIMUM_CONCURRENCY)
        .map(|v| v as u32);
    let starting_position = match o.get(trg::STARTING_POSITION.name) {
        Some(n) => {
            let p = o.path_of(trg::STARTING_POSITION.name);
            match ctx.enum_key(n, &p, &trg::STARTING_POSITION) {
                Some(1) => StartingPosition::TrimHorizon,
                _ => StartingPosition::Latest,
            }
        }
        None => StartingPosition::Latest,
    };
    let bisect_batch_on_function_error = ctx.bool_key(o, &trg::BISECT_BATCH_ON_FUNCTION_ERROR);
    let maximum_retry_attempts = ctx.int_key(o, &trg::MAXIMUM_RETRY_ATTEMPTS);
    let on_failure = match o.get(trg::ON_FAILURE.name) {
        Some(n) => {
            let p = o.path_of(trg::ON_FAILURE.name);
            let r = ctx.ref_of(n, &p, trg::ON_FAILURE.reference());
            ctx.require_standard(
                r,
                Some(n),
                &p,
                "on-failure destinations must be standard queues or topics",
            )
        }
        None => None,
    };
    let enabled = ctx.bool_key(o, &trg::ENABLED);
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(Trigger {
        source: src.source?,
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

/// Reads a trigger's `source`: a queue, or a table that has a stream.
fn trigger_source(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> SourceFacts {
    let source = ctx.required(o, trg::SOURCE.name).and_then(|n| {
        let p = o.path_of(trg::SOURCE.name);
        let s = ctx.ref_of(n, &p, trg::SOURCE.reference())?;
        if ctx.rtype(s) == Some(T::Table) && !ctx.info(s).is_some_and(|r| r.has_stream) {
            let msg = format!("table {} has no stream; set its \"stream\" (e.g. \"NEW_IMAGE\") to trigger a function", quote(ctx.name(s)));
            ctx.err(n.pos, &p, msg);
            return None;
        }
        Some(s)
    });
    let src_type = source.and_then(|s| ctx.rtype(s));
    SourceFacts {
        source,
        is_queue: src_type == Some(T::Queue),
        is_table: src_type == Some(T::Table),
        fifo: source.is_some_and(|s| ctx.is_fifo(s)),
        name: source.map(|s| ctx.name(s).to_string()).unwrap_or_default(),
    }
}

/// Reads `batch_size` and `maximum_batching_window_s`, whose defaults and limits depend on the source.
fn batching(ctx: &mut Ctx<'_>, o: &Obj<'_>, src: &SourceFacts) -> (u32, u32) {
    let (min_batch, max_batch, default_batch) = trg::BATCH_SIZE.int_bounds();
    let default_batch = if src.is_table {
        trg::TABLE_DEFAULT_BATCH_SIZE
    } else {
        default_batch.unwrap_or(min_batch)
    };
    let batch_size = match o.get(trg::BATCH_SIZE.name) {
        Some(n) => {
            let p = o.path_of(trg::BATCH_SIZE.name);
            let fifo_max = trg::FIFO_MAX_BATCH_SIZE;
            match n.as_number().and_then(|x| x.as_i64()) {
                Some(v) if src.fifo && v > fifo_max => {
                    ctx.err(
                        n.pos,
                        &p,
                        format!(
                            "expected an integer from {min_batch} to {fifo_max} for a FIFO queue, found {v}"
                        ),
                    );
                    default_batch
                }
                _ => {
                    let max = if src.fifo { fifo_max } else { max_batch };
                    ctx.integer(n, &p, min_batch, max).unwrap_or(default_batch)
                }
            }
        }
        None => default_batch,
    } as u32;
    let window_key = &trg::MAXIMUM_BATCHING_WINDOW_S;
    let window = ctx.int_key(o, window_key) as u32;
    if src.fifo && window > 0 {
        let p = o.path_of(window_key.name);
        let msg = format!(
            "FIFO queue sources do not support a batching window (\"{}\" is a FIFO queue)",
            src.name
        );
        ctx.err(o.key_pos(window_key.name), &p, msg);
    }
    // aws-semantics.md §2.2 BatchSize: batches above 10 need a batching window of at least 1 s.
    if src.is_queue && !src.fifo && batch_size > 10 && window < 1 {
        let (pos, p) = match o.get(trg::BATCH_SIZE.name) {
            Some(n) => (n.pos, o.path_of(trg::BATCH_SIZE.name)),
            None => (o.node.pos, o.path.clone()),
        };
        ctx.err(pos, &p, format!("a batch_size above 10 needs maximum_batching_window_s of at least 1 (found batch_size {batch_size})"));
    }
    (batch_size, window)
}

/// Reads `filter_criteria`: an array of event patterns.
fn filter_criteria(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Vec<(Value, Pattern)> {
    let mut out = Vec::new();
    if let Some(n) = o.get(trg::FILTER_CRITERIA.name) {
        let p = o.path_of(trg::FILTER_CRITERIA.name);
        match n.as_array() {
            None => ctx.type_err(n, &p, "an array of event patterns"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let ip = index(&p, i);
                    if ctx.obj(item, &ip, "an object (an event pattern)").is_some()
                        && let Some(c) = compile_pattern(ctx, item, &ip, None)
                    {
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// Reports keys that apply only to queue sources, or only to table (stream) sources, given for the other kind.
fn check_source_only_keys(ctx: &mut Ctx<'_>, o: &Obj<'_>, src: &SourceFacts) {
    let only = |ctx: &mut Ctx<'_>, key: &Key, want_table: bool| {
        if !o.has(key.name) || src.source.is_none() || want_table == src.is_table {
            return;
        }
        let msg = if want_table {
            format!(
                "{} applies only to table (stream) sources; {} is a queue",
                key.name,
                quote(&src.name)
            )
        } else {
            format!(
                "{} applies only to queue sources; {} is a table",
                key.name,
                quote(&src.name)
            )
        };
        ctx.err(o.key_pos(key.name), &o.path_of(key.name), msg);
    };
    only(ctx, &trg::MAXIMUM_CONCURRENCY, false);
    only(ctx, &trg::STARTING_POSITION, true);
    only(ctx, &trg::BISECT_BATCH_ON_FUNCTION_ERROR, true);
    only(ctx, &trg::MAXIMUM_RETRY_ATTEMPTS, true);
    only(ctx, &trg::ON_FAILURE, true);
}

// ---- state machine --------------------------------------------------------------------------------------------------

fn state_machine(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<StateMachine> {
    let n0 = ctx.problems.len();
    let mut parsed = None;
    let definition = ctx.required(o, sm::DEFINITION.name).and_then(|n| {
        let p = o.path_of(sm::DEFINITION.name);
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
    let workflow_type = match o.get(sm::WORKFLOW_TYPE.name) {
        Some(n) => match ctx.enum_key(n, &o.path_of(sm::WORKFLOW_TYPE.name), &sm::WORKFLOW_TYPE) {
            Some(1) => WorkflowType::Express,
            _ => WorkflowType::Standard,
        },
        None => WorkflowType::Standard,
    };
    if workflow_type == WorkflowType::Express
        && let (Some(d), Some(n)) = (&parsed, o.get(sm::DEFINITION.name))
    {
        let d: &crate::asl::Definition = d;
        let p = o.path_of(sm::DEFINITION.name);
        for (location, resource) in d.express_refusals() {
            ctx.err(
                n.pos,
                &format!("{p}.{location}"),
                format!(
                    "an EXPRESS workflow cannot run '{resource}': Express workflows do not support the .sync \
                     (run a job) and .waitForTaskToken (callback) integration patterns (AWS Step Functions \
                     Developer Guide, \"Choosing workflow type\"); use a STANDARD workflow"
                ),
            );
        }
    }
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

// ---- database, db_proxy -----------------------------------------------------------------------------------------

fn database(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<Database> {
    let n0 = ctx.problems.len();
    let engine = match o.get(dbr::ENGINE.name) {
        Some(n) => match ctx.enum_key(n, &o.path_of(dbr::ENGINE.name), &dbr::ENGINE) {
            Some(1) => DbEngine::Mysql,
            _ => DbEngine::Postgres,
        },
        None => DbEngine::Postgres,
    };
    let instance_class = match o.get(dbr::INSTANCE_CLASS.name) {
        Some(n) => ctx
            .enum_key(
                n,
                &o.path_of(dbr::INSTANCE_CLASS.name),
                &dbr::INSTANCE_CLASS,
            )
            .and_then(|i| dbr::INSTANCE_CLASS_NAMES.get(i).copied()),
        None => None,
    }
    .unwrap_or(dbr::INSTANCE_CLASS_NAMES[0]);
    let max_connections = ctx
        .opt_int_key(o, &dbr::MAX_CONNECTIONS)
        .map(|v| v as u32)
        .unwrap_or_else(|| {
            dbr::default_max_connections(instance_class, engine == DbEngine::Postgres)
        });
    let connect_ms = dist_key(ctx, o, &dbr::CONNECT_MS);
    let query_ms = dist_key(ctx, o, &dbr::QUERY_MS);
    let schema = match o.get(dbr::SCHEMA.name) {
        Some(n) => {
            let p = o.path_of(dbr::SCHEMA.name);
            let text = ctx.string(n, &p).map(str::to_string);
            if let Some(sql) = &text
                && let Err(e) = dbr::open_sql_database(Some(sql))
            {
                ctx.err(n.pos, &p, format!("the schema fails in SQLite: {e}"));
            }
            text
        }
        None => None,
    };
    (ctx.problems.len() == n0).then(|| Database {
        engine,
        instance_class: instance_class.to_string(),
        max_connections,
        connect_ms,
        query_ms,
        schema,
    })
}

fn db_proxy(ctx: &mut Ctx<'_>, o: &Obj<'_>) -> Option<DbProxy> {
    let n0 = ctx.problems.len();
    let database = ctx.required(o, prx::DATABASE.name).and_then(|n| {
        let p = o.path_of(prx::DATABASE.name);
        ctx.ref_of(n, &p, prx::DATABASE.reference())
    });
    let max_connections_percent = ctx.int_key(o, &prx::MAX_CONNECTIONS_PERCENT) as u32;
    let idle_key = &prx::MAX_IDLE_CONNECTIONS_PERCENT;
    // Default: half of MaxConnectionsPercent (aws-limits-rds.md §2, PRX-API), so 50 with the default 100.
    let max_idle_connections_percent = match o.get(idle_key.name) {
        Some(n) => {
            let v = ctx.int_key(o, idle_key) as u32;
            if v > max_connections_percent {
                ctx.err(
                    n.pos,
                    &o.path_of(idle_key.name),
                    format!(
                        "max_idle_connections_percent ({v}) must be at most max_connections_percent ({max_connections_percent})"
                    ),
                );
            }
            v
        }
        None => max_connections_percent / 2,
    };
    let borrow_timeout_s = ctx.int_key(o, &prx::BORROW_TIMEOUT_S) as u32;
    let added_latency_ms = dist_key(ctx, o, &prx::ADDED_LATENCY_MS);
    if ctx.problems.len() > n0 {
        return None;
    }
    Some(DbProxy {
        database: database?,
        max_connections_percent,
        max_idle_connections_percent,
        borrow_timeout_s,
        added_latency_ms,
    })
}

/// The databases and proxies a handler's code names in `rds::` calls: when the code calls `rds::`, every string
/// literal in it and every environment value that is the id of a `database` or `db_proxy`, in first-seen order
/// (as `sam_export` derives policies; the graph draws an edge to each).
fn code_databases(ctx: &Ctx<'_>, source: &str, environment: &[(String, String)]) -> Vec<ResId> {
    if !source.contains("rds::") {
        return Vec::new();
    }
    let mut names: Vec<&str> = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        names.push(&after[..end]);
        rest = &after[end + 1..];
    }
    names.extend(environment.iter().map(|(_, v)| v.as_str()));
    let mut out: Vec<ResId> = Vec::new();
    for name in names {
        let Some(&i) = ctx.by_name.get(name) else {
            continue;
        };
        let is_db = ctx
            .res
            .get(i)
            .and_then(|r| r.rtype)
            .is_some_and(|t| matches!(t, T::Database | T::DbProxy));
        let id = ResId(u32::try_from(i).unwrap_or(u32::MAX));
        if is_db && !out.contains(&id) {
            out.push(id);
        }
    }
    out
}
