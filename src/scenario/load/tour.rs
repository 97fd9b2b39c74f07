//! Reads and validates a scenario's `tour` (see [`crate::scenario::tour`] for its meaning), reporting every
//! problem at its file position and JSON path like the rest of the loader.

use super::values::{Ctx, Range, child, did_you_mean, index};
use crate::pattern::Pattern;
use crate::scenario::json::{Node, quote};
use crate::scenario::tour::{Highlight, Question, Tour, TourStep, WaitFor};

pub(crate) const TOUR: &[&str] = &["steps"];
pub(crate) const STEP: &[&str] = &[
    "id",
    "title",
    "text",
    "highlight",
    "wait_for",
    "pause",
    "question",
    "answer",
];
pub(crate) const WAIT_FOR: &[&str] = &["at_s", "trace", "count"];

/// The latest moment a step may wait for: the same 100 years as `run --until`.
const MAX_AT_S: f64 = super::MAX_TIME_S;
/// How many matching records a step may wait for.
const MAX_COUNT: i64 = 1_000_000;

/// `tour` → the tour, or None after reporting its problems.
pub(crate) fn tour(ctx: &mut Ctx<'_>, node: &Node) -> Option<Tour> {
    let o = ctx.obj(node, "tour", "an object with \"steps\"")?;
    ctx.check_keys(&o, TOUR);
    let steps_node = ctx.required(&o, "steps")?;
    let Some(items) = steps_node.as_array() else {
        ctx.type_err(steps_node, "tour.steps", "an array of steps");
        return None;
    };
    if items.is_empty() {
        ctx.err(
            steps_node.pos,
            "tour.steps",
            "a tour needs at least one step",
        );
        return None;
    }
    let n0 = ctx.problems.len();
    let mut steps: Vec<TourStep> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = index("tour.steps", i);
        if let Some(step) = step(ctx, item, &path, i) {
            if steps.iter().any(|s| s.id == step.id) {
                let at = item.get("id").map_or(item.pos, |n| n.pos);
                ctx.err(
                    at,
                    &child(&path, "id"),
                    format!("duplicate step id {}", quote(&step.id)),
                );
            }
            steps.push(step);
        }
    }
    (ctx.problems.len() == n0).then_some(Tour { steps })
}

fn step(ctx: &mut Ctx<'_>, node: &Node, path: &str, i: usize) -> Option<TourStep> {
    let o = ctx.obj(node, path, "an object (a tour step)")?;
    ctx.check_keys(&o, STEP);
    let n0 = ctx.problems.len();
    let id = match o.get("id") {
        Some(n) => ctx.nonempty_string(n, &o.path_of("id")).map(str::to_string),
        None => Some(format!("step-{}", i + 1)),
    };
    let title = ctx
        .required(&o, "title")
        .and_then(|n| ctx.nonempty_string(n, &o.path_of("title")))
        .map(str::to_string);
    let text = ctx.opt_string(&o, "text").unwrap_or_default();
    let highlight = match o.get("highlight") {
        Some(n) => highlights(ctx, n, &o.path_of("highlight")),
        None => Vec::new(),
    };
    let wait_for = match o.get("wait_for") {
        Some(n) => wait_for(ctx, n, &o.path_of("wait_for")),
        None => Some(WaitFor::Next),
    };
    let pause = ctx.opt_bool(&o, "pause", true);
    let question = match (ctx.opt_string(&o, "question"), ctx.opt_string(&o, "answer")) {
        (Some(question), Some(answer)) => Some(Question { question, answer }),
        (None, None) => None,
        (Some(_), None) => {
            ctx.err(node.pos, path, "a question needs its \"answer\"");
            None
        }
        (None, Some(_)) => {
            ctx.err(
                o.key_pos("answer"),
                &o.path_of("answer"),
                "an answer needs its \"question\"",
            );
            None
        }
    };
    if ctx.problems.len() != n0 {
        return None;
    }
    Some(TourStep {
        id: id?,
        title: title?,
        text,
        highlight,
        wait_for: wait_for?,
        pause,
        question,
    })
}

/// `["Queue", ["Queue", "Worker"]]`: resources and edges (pairs of resources).
fn highlights(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Vec<Highlight> {
    let Some(items) = node.as_array() else {
        ctx.type_err(
            node,
            path,
            "an array of resource ids and [from, to] pairs (edges)",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        if let Some(pair) = item.as_array() {
            match pair {
                [a, b] => {
                    if let (Some(a), Some(b)) = (
                        resource_name(ctx, a, &index(&p, 0)),
                        resource_name(ctx, b, &index(&p, 1)),
                    ) {
                        out.push(Highlight::Edge(a, b));
                    }
                }
                _ => ctx.err(
                    item.pos,
                    &p,
                    "an edge is a pair of resource ids: [from, to]",
                ),
            }
        } else if let Some(name) = resource_name(ctx, item, &p) {
            out.push(Highlight::Node(name));
        }
    }
    out
}

/// A string naming an existing resource.
fn resource_name(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<String> {
    let name = ctx.string(node, path)?;
    if ctx.by_name.contains_key(name) {
        return Some(name.to_string());
    }
    let msg = match did_you_mean(name, ctx.res.iter().map(|r| r.name.as_str())) {
        Some(s) => format!("no resource {} (did you mean {}?)", quote(name), quote(s)),
        None => format!("no resource {}", quote(name)),
    };
    ctx.err(node.pos, path, msg);
    None
}

/// `"next"`, `{"at_s": T}` or `{"trace": PATTERN, "count": N}`.
fn wait_for(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<WaitFor> {
    if node.as_str() == Some("next") {
        return Some(WaitFor::Next);
    }
    let o = ctx.obj(
        node,
        path,
        "\"next\", {\"at_s\": seconds} or {\"trace\": pattern, \"count\": n}",
    )?;
    ctx.check_keys(&o, WAIT_FOR);
    match (o.get("at_s"), o.get("trace")) {
        (Some(t), None) => {
            if o.has("count") {
                ctx.err(
                    o.key_pos("count"),
                    &o.path_of("count"),
                    "\"count\" goes with \"trace\"",
                );
                return None;
            }
            let at_s = ctx.number(t, &o.path_of("at_s"), Range::incl(0.0, MAX_AT_S))?;
            // In range by the check above, so the cast cannot saturate.
            Some(WaitFor::Time {
                at_us: (at_s * 1e6).round() as u64,
            })
        }
        (None, Some(p)) => {
            let count = ctx.opt_int(&o, "count", 1, 1, MAX_COUNT) as u32;
            let value = p.to_value();
            let p_path = o.path_of("trace");
            if !value.is_object() {
                ctx.type_err(
                    p,
                    &p_path,
                    "an event pattern (an object) over trace records",
                );
                return None;
            }
            match Pattern::compile(&value) {
                Ok(pattern) => Some(WaitFor::Trace {
                    pattern,
                    pattern_text: value.to_string(),
                    count,
                }),
                Err(e) => {
                    let at = if e.path.is_empty() {
                        p_path
                    } else {
                        format!("{p_path}.{}", e.path)
                    };
                    ctx.err(p.pos, &at, e.message);
                    None
                }
            }
        }
        (Some(_), Some(_)) => {
            ctx.err(node.pos, path, "give \"at_s\" or \"trace\", not both");
            None
        }
        (None, None) => {
            ctx.err(
                node.pos,
                path,
                "expected \"at_s\" (a moment) or \"trace\" (a record pattern)",
            );
            None
        }
    }
}
