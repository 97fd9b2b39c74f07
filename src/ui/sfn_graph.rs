//! A state machine drawn state by state, as the Step Functions console's graph view draws it: each scope (the
//! top level, a Parallel branch, a Map's item processor) laid out top to bottom by the longest path from its
//! `StartAt` (back edges, such as a retry loop through a Wait, go round the right side), Parallel and Map states
//! as containers of their scopes, Choice branches labelled with their conditions (shortened), `Default`, and
//! Catch and Retry edges dashed. The canvas draws it in place: the machine's node grows into a container that
//! holds this drawing ([`SfnGraph::body_size`], [`show_inline`]) at the canvas's zoom.
//!
//! [`SfnRuns`] folds the `state` and `execution` trace records into what each recent execution did in each
//! state — entered, succeeded, failed, caught, retrying — with the state's input and output (carried in process
//! by the records' unserialised `data`), and the same per Map iteration. [`show_inline`] colours the states by
//! the chosen execution (the latest unless the inspector chose another) and, when the inspector chose one of a
//! Map's iterations, the Map's inner states by that iteration; states light up as executions pass. A click on a
//! state selects it, and the inspector shows its input, path stages and output.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Painter, Pos2, Rect, Sense, Shape, Stroke,
    StrokeKind, Ui, Vec2, pos2, vec2,
};
use petgraph::graph::NodeIndex;
use serde_json::Value;

use super::action::{Action, Selection};
use super::style;
use crate::asl::Definition;
use crate::asl::machine::{Kind, MachineDef};

/// World size of a state box.
const STATE_W: f32 = 150.0;
const STATE_H: f32 = 40.0;
/// Gaps between states of a level and between levels.
const GAP_X: f32 = 30.0;
const GAP_Y: f32 = 46.0;
/// Padding inside a container and the height of its header.
const PAD: f32 = 12.0;
const HEADER_H: f32 = 22.0;
/// Choice conditions and error lists longer than this are shortened on the drawing (the inspector has them all).
pub const CONDITION_MAX_CHARS: usize = 24;
/// Executions kept per state machine (the oldest go first).
pub const MAX_EXECUTIONS: usize = 20;
/// Room kept on each side of the drawing for what is drawn outside the states' boxes: edges that go round
/// states on the left or right, their labels, and Retry loops with their "Retry ×N" labels.
const EDGE_MARGIN: f32 = 48.0;
/// Narrowest drawing: room for the status legend (a one-state machine is narrower than it).
const LEGEND_W: f32 = 340.0;
/// Height of the status legend row above the states, and the room kept under them (world units).
const LEGEND_H: f32 = 26.0;
const BOTTOM_PAD: f32 = 14.0;
/// Below this zoom the drawing leaves out edge labels and the states' type line (they would not be readable).
const DETAIL_ZOOM: f32 = 0.45;

/// What a state did in one execution (the last thing that happened to it wins, except that a caught error
/// stays "caught" when the state then exits into its Catch's `Next`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateStatus {
    Running,
    /// A `.waitForTaskToken` task whose request went out: it waits for `SendTaskSuccess`/`Failure`.
    WaitingForCallback,
    Succeeded,
    Failed,
    Caught,
    Retrying,
}

impl StateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StateStatus::Running => "running",
            StateStatus::WaitingForCallback => "waiting for callback",
            StateStatus::Succeeded => "succeeded",
            StateStatus::Failed => "failed",
            StateStatus::Caught => "caught",
            StateStatus::Retrying => "retrying",
        }
    }

    fn color(self) -> Color32 {
        match self {
            StateStatus::Running => style::COLD_START,
            StateStatus::WaitingForCallback => style::CALLBACK_WAIT,
            StateStatus::Succeeded => style::OK_GREEN,
            StateStatus::Failed => style::ERROR,
            StateStatus::Caught => style::THROTTLE,
            StateStatus::Retrying => style::RETRY,
        }
    }
}

/// One state in one execution.
#[derive(Debug, Clone)]
pub struct StateRun {
    pub status: StateStatus,
    /// Times it was entered (Map iterations and retry loops enter a state more than once).
    pub entered: u32,
    /// Input of the last entry, output of the last exit.
    pub input: Option<Value>,
    pub output: Option<Value>,
    /// The path stages of the last exit ([`crate::asl::exec::Stages`]: InputPath, Parameters, Result,
    /// ResultSelector, ResultPath — the output is OutputPath's value).
    pub stages: crate::asl::exec::Stages,
    /// The last error, retry or catch detail.
    pub detail: Option<String>,
    /// The Parallel branch or Map iteration of the last entry ("" at the top).
    pub scope: String,
}

/// One execution as the trace showed it.
#[derive(Debug, Clone)]
pub struct ExecRun {
    pub arn: Arc<str>,
    /// `succeeded` or `failed` once finished.
    pub status: Option<&'static str>,
    pub states: BTreeMap<String, StateRun>,
    /// Map iterations, by the iteration scope without its `[i]` (the Map's name, after its enclosing scope)
    /// and index — at most [`MAX_ITERATIONS`] per execution.
    pub iterations: BTreeMap<(String, u32), IterationRun>,
}

/// One iteration of a Map as the trace showed it: its input (what its first state was entered with), its
/// output (what its last state exited with), whether a state in it failed with no state exiting after, and
/// what each state in it did (nested scopes included) — what the drawing shows when this iteration is chosen.
#[derive(Debug, Clone, Default)]
pub struct IterationRun {
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub failed: bool,
    /// States entered in it.
    pub states_entered: u32,
    pub states: BTreeMap<String, StateRun>,
}

impl StateRun {
    fn new() -> StateRun {
        StateRun {
            status: StateStatus::Running,
            entered: 0,
            input: None,
            output: None,
            stages: Vec::new(),
            detail: None,
            scope: String::new(),
        }
    }

    /// One `state` trace record of this state.
    fn observe(
        &mut self,
        scope: &str,
        event: &str,
        detail: Option<String>,
        data: Option<Value>,
        stages: crate::asl::exec::Stages,
    ) {
        match event {
            "entered" => {
                self.status = StateStatus::Running;
                self.entered += 1;
                self.input = data;
                self.output = None;
                self.stages.clear();
                self.detail = None;
                self.scope = scope.to_string();
            }
            "exited" => {
                if self.status != StateStatus::Caught {
                    self.status = StateStatus::Succeeded;
                }
                self.output = data;
                self.stages = stages;
            }
            "failed" => self.status = StateStatus::Failed,
            "retry" => self.status = StateStatus::Retrying,
            "caught" => self.status = StateStatus::Caught,
            "task_submitted" => self.status = StateStatus::WaitingForCallback,
            "task_scheduled" | "wait" | "children_started"
                if self.status == StateStatus::Retrying =>
            {
                self.status = StateStatus::Running;
            }
            _ => {}
        }
        if detail.is_some() && event != "task_scheduled" {
            self.detail = detail;
        }
    }
}

/// Map iterations kept per execution (the first ones: enough to inspect, bounded for Maps over large inputs).
pub const MAX_ITERATIONS: usize = 200;

/// A Map iteration's scope split into the Map's scope name and the index: `Outer/Reserve[3]` → (`Outer/Reserve`,
/// 3); other scopes → `None`.
pub fn iteration_of(scope: &str) -> Option<(&str, u32)> {
    let open = scope.strip_suffix(']')?.rfind('[')?;
    let index = scope[open + 1..scope.len() - 1].parse().ok()?;
    Some((&scope[..open], index))
}

/// Every Map iteration a scope lies in, outermost first: `Outer[0]/Reserve[3]/Both#1` → (`Outer`, 0),
/// (`Outer[0]/Reserve`, 3).
pub fn enclosing_iterations(scope: &str) -> impl Iterator<Item = (&str, u32)> {
    scope.match_indices(']').filter_map(move |(at, _)| {
        let rest = &scope[at + 1..];
        (rest.is_empty() || rest.starts_with('/'))
            .then(|| iteration_of(&scope[..=at]))
            .flatten()
    })
}

/// Recent executions of every state machine, per machine name, oldest first.
#[derive(Debug, Default)]
pub struct SfnRuns {
    machines: BTreeMap<String, Vec<ExecRun>>,
}

impl SfnRuns {
    /// Forgets every execution (a new run).
    pub fn clear(&mut self) {
        self.machines.clear();
    }

    fn exec_mut(&mut self, machine: &str, arn: &str) -> &mut ExecRun {
        let list = self.machines.entry(machine.to_string()).or_default();
        let at = match list.iter().rposition(|e| &*e.arn == arn) {
            Some(at) => at,
            None => {
                if list.len() >= MAX_EXECUTIONS {
                    list.remove(0);
                }
                list.push(ExecRun {
                    arn: Arc::from(arn),
                    status: None,
                    states: BTreeMap::new(),
                    iterations: BTreeMap::new(),
                });
                list.len() - 1
            }
        };
        &mut list[at]
    }

    /// A `state` trace record.
    #[allow(clippy::too_many_arguments)]
    pub fn observe_state(
        &mut self,
        machine: &str,
        arn: &str,
        state: &str,
        scope: &str,
        event: &str,
        detail: Option<String>,
        data: Option<Value>,
        stages: crate::asl::exec::Stages,
    ) {
        let exec = self.exec_mut(machine, arn);
        for (map, index) in enclosing_iterations(scope) {
            let key = (map.to_string(), index);
            let room = exec.iterations.len() < MAX_ITERATIONS;
            if !room && !exec.iterations.contains_key(&key) {
                continue;
            }
            let it = exec.iterations.entry(key).or_default();
            // The iteration's own input and output: its direct states' (not those of a scope nested in it).
            if iteration_of(scope) == Some((map, index)) {
                match event {
                    "entered" => {
                        if it.states_entered == 0 {
                            it.input = data.clone();
                        }
                        it.states_entered += 1;
                    }
                    // A state that exits after a failure (caught, or retried) means the iteration went on.
                    "exited" => {
                        it.output = data.clone();
                        it.failed = false;
                    }
                    "failed" => it.failed = true,
                    _ => {}
                }
            }
            it.states
                .entry(state.to_string())
                .or_insert_with(StateRun::new)
                .observe(scope, event, detail.clone(), data.clone(), stages.clone());
        }
        exec.states
            .entry(state.to_string())
            .or_insert_with(StateRun::new)
            .observe(scope, event, detail, data, stages);
    }

    /// An `execution` trace record (its end).
    pub fn observe_execution(&mut self, machine: &str, arn: &str, status: &'static str) {
        self.exec_mut(machine, arn).status = Some(status);
    }

    /// The kept executions of a machine, oldest first.
    pub fn executions(&self, machine: &str) -> &[ExecRun] {
        self.machines.get(machine).map_or(&[], Vec::as_slice)
    }

    /// The chosen execution (`None`: the latest).
    pub fn execution(&self, machine: &str, arn: Option<&str>) -> Option<&ExecRun> {
        let list = self.executions(machine);
        match arn {
            Some(arn) => list.iter().rev().find(|e| &*e.arn == arn),
            None => list.last(),
        }
    }
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Next,
    Choice,
    Default,
    Catch,
    Retry,
}

/// A state's box, in world units of the drawing (origin at its top left).
#[derive(Debug, Clone)]
pub struct StateBox {
    pub name: String,
    pub type_name: &'static str,
    pub rect: Rect,
    /// A Parallel or Map: drawn as a frame around its scopes.
    pub container: bool,
    /// The state's definition as written (for the inspector).
    pub definition: Value,
}

/// An edge between two states (a Retry is a loop on one state).
#[derive(Debug, Clone)]
pub struct StateEdge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Shortened label (a Choice's condition, `Default`, a Catch's or Retry's errors).
    pub label: String,
    pub full_label: String,
}

/// An expanded state machine: its states placed top to bottom.
#[derive(Debug, Clone)]
pub struct SfnGraph {
    /// The machine's node on the canvas and its name.
    pub node: NodeIndex,
    pub machine: String,
    pub boxes: Vec<StateBox>,
    pub edges: Vec<StateEdge>,
    pub size: Vec2,
}

impl SfnGraph {
    /// Lays out a parsed definition; `raw` is the definition as written (for Choice conditions).
    pub fn build(node: NodeIndex, machine: &str, def: &Definition, raw: &Value) -> SfnGraph {
        let mut g = SfnGraph {
            node,
            machine: machine.to_string(),
            boxes: Vec::new(),
            edges: Vec::new(),
            size: Vec2::ZERO,
        };
        if def.machines.is_empty() {
            return g;
        }
        let size = machine_size(def, 0, 0);
        let mut index = HashMap::new();
        place_machine(
            def,
            0,
            pos2(0.0, 0.0),
            size.x,
            raw,
            &mut g.boxes,
            &mut index,
            0,
        );
        g.size = size;
        for (m, md) in def.machines.iter().enumerate() {
            for (s, st) in md.states.iter().enumerate() {
                let Some(&from) = index.get(&(m, s)) else {
                    continue;
                };
                let mut edge = |to: usize, kind: EdgeKind, full: String| {
                    if let Some(&to) = index.get(&(m, to)) {
                        g.edges.push(StateEdge {
                            from,
                            to,
                            kind,
                            label: shorten(&full, CONDITION_MAX_CHARS),
                            full_label: full,
                        });
                    }
                };
                if let Some(n) = st.next {
                    edge(n, EdgeKind::Next, String::new());
                }
                if let Kind::Choice { choices, default } = &st.kind {
                    let raw_rules = find_state(raw, &st.name, 0)
                        .and_then(|v| v.get("Choices"))
                        .and_then(Value::as_array);
                    for (k, (_, to)) in choices.iter().enumerate() {
                        let text = raw_rules
                            .and_then(|r| r.get(k))
                            .map_or_else(|| format!("rule {}", k + 1), |r| condition_text(r, 0));
                        edge(*to, EdgeKind::Choice, text);
                    }
                    if let Some(d) = default {
                        edge(*d, EdgeKind::Default, "Default".to_string());
                    }
                }
                if let Some(out) = st.kind.outcome() {
                    for c in &out.catch {
                        edge(
                            c.next,
                            EdgeKind::Catch,
                            format!("Catch {}", c.errors.join(", ")),
                        );
                    }
                    for r in &out.retry {
                        g.edges.push(StateEdge {
                            from,
                            to: from,
                            kind: EdgeKind::Retry,
                            label: shorten(
                                &format!("Retry ×{}", r.max_attempts),
                                CONDITION_MAX_CHARS,
                            ),
                            full_label: format!(
                                "Retry {} up to {} times",
                                r.errors.join(", "),
                                r.max_attempts
                            ),
                        });
                    }
                }
            }
        }
        g
    }

    /// The box of a state, by name.
    pub fn state(&self, name: &str) -> Option<&StateBox> {
        self.boxes.iter().find(|b| b.name == name)
    }
}

/// States of one scope grouped in levels: a state's level is the longest path to it from `StartAt` over the
/// forward edges (an edge back to a state on the current depth-first path is a back edge); states the start
/// does not reach follow. Within a level, states keep their depth-first order.
pub fn levels(m: &MachineDef) -> Vec<Vec<usize>> {
    let n = m.states.len();
    let succ: Vec<Vec<usize>> = m.states.iter().map(successors).collect();
    // 0 unvisited, 1 on the path, 2 done.
    let mut mark = vec![0u8; n];
    let mut pre = vec![usize::MAX; n];
    let mut post = Vec::with_capacity(n);
    let mut back = Vec::new();
    let mut counter = 0;
    let roots = std::iter::once(m.start).chain(0..n);
    for root in roots {
        if root >= n || mark[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        mark[root] = 1;
        pre[root] = counter;
        counter += 1;
        while let Some(&mut (v, ref mut k)) = stack.last_mut() {
            if let Some(&w) = succ[v].get(*k) {
                *k += 1;
                if w >= n {
                    continue;
                }
                match mark[w] {
                    0 => {
                        mark[w] = 1;
                        pre[w] = counter;
                        counter += 1;
                        stack.push((w, 0));
                    }
                    1 => back.push((v, w)),
                    _ => {}
                }
            } else {
                mark[v] = 2;
                post.push(v);
                stack.pop();
            }
        }
    }
    let mut level = vec![0usize; n];
    for &v in post.iter().rev() {
        for &w in &succ[v] {
            if w < n && w != v && !back.contains(&(v, w)) {
                level[w] = level[w].max(level[v] + 1);
            }
        }
    }
    let depth = level.iter().copied().max().map_or(0, |d| d + 1);
    let mut out = vec![Vec::new(); depth];
    let mut by_pre: Vec<usize> = (0..n).collect();
    by_pre.sort_by_key(|&v| pre[v]);
    for v in by_pre {
        out[level[v]].push(v);
    }
    out
}

/// A state's transitions inside its scope: Next, Choice targets, Default, Catch targets.
fn successors(st: &crate::asl::machine::StateDef) -> Vec<usize> {
    let mut out = Vec::new();
    out.extend(st.next);
    if let Kind::Choice { choices, default } = &st.kind {
        out.extend(choices.iter().map(|(_, to)| *to));
        out.extend(*default);
    }
    if let Some(o) = st.kind.outcome() {
        out.extend(o.catch.iter().map(|c| c.next));
    }
    out
}

fn type_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass { .. } => "Pass",
        Kind::Task { .. } => "Task",
        Kind::Choice { .. } => "Choice",
        Kind::Wait(_) => "Wait",
        Kind::Succeed => "Succeed",
        Kind::Fail { .. } => "Fail",
        Kind::Parallel { .. } => "Parallel",
        Kind::Map { .. } => "Map",
    }
}

/// The scopes a container holds: a Parallel's branches, a Map's processor.
fn inner_machines(kind: &Kind) -> Vec<usize> {
    match kind {
        Kind::Parallel { branches, .. } => branches.clone(),
        Kind::Map { processor, .. } => vec![*processor],
        _ => Vec::new(),
    }
}

fn state_size(def: &Definition, m: usize, s: usize, depth: usize) -> Vec2 {
    let inner = inner_machines(&def.machines[m].states[s].kind);
    if inner.is_empty() || depth > crate::asl::machine::MAX_NESTING {
        return vec2(STATE_W, STATE_H);
    }
    let sizes: Vec<Vec2> = inner
        .iter()
        .map(|&b| machine_size(def, b, depth + 1))
        .collect();
    let w = sizes.iter().map(|v| v.x).sum::<f32>() + GAP_X * (sizes.len() - 1) as f32;
    let h = sizes.iter().map(|v| v.y).fold(0.0, f32::max);
    vec2(w.max(STATE_W) + 2.0 * PAD, h + HEADER_H + 2.0 * PAD)
}

fn machine_size(def: &Definition, m: usize, depth: usize) -> Vec2 {
    let Some(md) = def.machines.get(m) else {
        return Vec2::ZERO;
    };
    let mut w: f32 = 0.0;
    let mut h: f32 = 0.0;
    for (k, level) in levels(md).iter().enumerate() {
        let sizes: Vec<Vec2> = level
            .iter()
            .map(|&s| state_size(def, m, s, depth))
            .collect();
        let lw = sizes.iter().map(|v| v.x).sum::<f32>() + GAP_X * (sizes.len().max(1) - 1) as f32;
        w = w.max(lw);
        h += sizes.iter().map(|v| v.y).fold(0.0, f32::max) + if k > 0 { GAP_Y } else { 0.0 };
    }
    vec2(w, h)
}

#[allow(clippy::too_many_arguments)]
fn place_machine(
    def: &Definition,
    m: usize,
    origin: Pos2,
    width: f32,
    raw: &Value,
    boxes: &mut Vec<StateBox>,
    index: &mut HashMap<(usize, usize), usize>,
    depth: usize,
) {
    let Some(md) = def.machines.get(m) else {
        return;
    };
    let mut y = origin.y;
    for level in levels(md) {
        let sizes: Vec<Vec2> = level
            .iter()
            .map(|&s| state_size(def, m, s, depth))
            .collect();
        let lw = sizes.iter().map(|v| v.x).sum::<f32>() + GAP_X * (sizes.len().max(1) - 1) as f32;
        let row_h = sizes.iter().map(|v| v.y).fold(0.0, f32::max);
        let mut x = origin.x + (width - lw) / 2.0;
        for (&s, size) in level.iter().zip(&sizes) {
            let st = &md.states[s];
            let rect = Rect::from_min_size(pos2(x, y), *size);
            let inner = inner_machines(&st.kind);
            index.insert((m, s), boxes.len());
            boxes.push(StateBox {
                name: st.name.clone(),
                type_name: type_name(&st.kind),
                rect,
                container: !inner.is_empty(),
                definition: find_state(raw, &st.name, 0).cloned().unwrap_or(Value::Null),
            });
            if !inner.is_empty() && depth <= crate::asl::machine::MAX_NESTING {
                let inner_w: f32 = rect.width() - 2.0 * PAD;
                let sizes: Vec<Vec2> = inner
                    .iter()
                    .map(|&b| machine_size(def, b, depth + 1))
                    .collect();
                let used =
                    sizes.iter().map(|v| v.x).sum::<f32>() + GAP_X * (sizes.len() - 1) as f32;
                let mut bx = rect.min.x + PAD + (inner_w - used) / 2.0;
                for (&b, bs) in inner.iter().zip(&sizes) {
                    let o = pos2(bx, rect.min.y + HEADER_H + PAD);
                    place_machine(def, b, o, bs.x, raw, boxes, index, depth + 1);
                    bx += bs.x + GAP_X;
                }
            }
            x += size.x + GAP_X;
        }
        y += row_h + GAP_Y;
    }
}

/// A state's definition as written, by name (state names are unique across a whole state machine).
fn find_state<'a>(scope: &'a Value, name: &str, depth: usize) -> Option<&'a Value> {
    if depth > crate::asl::machine::MAX_NESTING {
        return None;
    }
    let states = scope.get("States")?.as_object()?;
    if let Some(s) = states.get(name) {
        return Some(s);
    }
    states.values().find_map(|s| {
        let branches = s.get("Branches").and_then(Value::as_array);
        branches
            .into_iter()
            .flatten()
            .chain(s.get("ItemProcessor"))
            .chain(s.get("Iterator"))
            .find_map(|b| find_state(b, name, depth + 1))
    })
}

/// A Choice rule as a short condition: `$.amount > 200`, `$.kind == "gift" and $.paid`, `not (...)`.
pub fn condition_text(rule: &Value, depth: usize) -> String {
    if depth > 4 {
        return "…".to_string();
    }
    let join = |list: Option<&Value>, sep: &str| -> String {
        list.and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .map(|r| format!("({})", condition_text(r, depth + 1)))
                    .collect::<Vec<_>>()
                    .join(sep)
            })
            .unwrap_or_default()
    };
    if let Some(c) = rule.get("Condition").and_then(Value::as_str) {
        return c.to_string();
    }
    if rule.get("And").is_some() {
        return join(rule.get("And"), " and ");
    }
    if rule.get("Or").is_some() {
        return join(rule.get("Or"), " or ");
    }
    if let Some(n) = rule.get("Not") {
        return format!("not ({})", condition_text(n, depth + 1));
    }
    let var = rule.get("Variable").and_then(Value::as_str).unwrap_or("$");
    let Some(obj) = rule.as_object() else {
        return var.to_string();
    };
    for (key, value) in obj {
        if matches!(
            key.as_str(),
            "Variable" | "Next" | "Comment" | "Assign" | "Output"
        ) {
            continue;
        }
        let value_text = match value {
            Value::String(s) => format!("\"{s}\""),
            other => other.to_string(),
        };
        if let Some(test) = key.strip_prefix("Is") {
            let yes = value.as_bool().unwrap_or(true);
            let what = test.to_lowercase();
            return format!("{var} is {}{what}", if yes { "" } else { "not " });
        }
        let bare = ["String", "Numeric", "Boolean", "Timestamp"]
            .iter()
            .find_map(|p| key.strip_prefix(p))
            .unwrap_or(key);
        let (bare, value_text) = match bare.strip_suffix("Path") {
            Some(b) => (b, value.as_str().unwrap_or("?").to_string()),
            None => (bare, value_text),
        };
        let op = match bare {
            "Equals" => "==",
            "GreaterThan" => ">",
            "GreaterThanEquals" => ">=",
            "LessThan" => "<",
            "LessThanEquals" => "<=",
            "Matches" => "matches",
            other => other,
        };
        return format!("{var} {op} {value_text}");
    }
    var.to_string()
}

/// `text` cut to `max` characters with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// What the drawing shows: the selected state (if it is one of this machine's), the chosen execution and the
/// chosen Map iteration (by the Map's scope and the index, as [`ExecRun::iterations`] keys them).
#[derive(Debug, Clone, Default)]
pub struct Focus {
    pub state: Option<String>,
    pub execution: Option<Arc<str>>,
    pub iteration: Option<(String, u32)>,
}

impl SfnGraph {
    /// World size of what [`show_inline`] draws: the status legend, then the states with room on each side
    /// for edges that go round them.
    pub fn body_size(&self) -> Vec2 {
        vec2(
            (self.size.x + 2.0 * EDGE_MARGIN).max(LEGEND_W),
            LEGEND_H + self.size.y + BOTTOM_PAD,
        )
    }

    /// Whether state `name` is drawn inside container `container` (a Map's or a Parallel's scopes).
    pub fn is_inside(&self, container: &str, name: &str) -> bool {
        match (self.state(container), self.state(name)) {
            (Some(c), Some(s)) => c.container && c.name != s.name && c.rect.contains_rect(s.rect),
            _ => false,
        }
    }

    /// What state `name` did in an execution: in the chosen Map iteration when the state lies inside that Map
    /// (`None` when that iteration did not enter it), else its last entry in the execution.
    pub fn run_of<'e>(
        &self,
        exec: &'e ExecRun,
        iteration: Option<&(String, u32)>,
        name: &str,
    ) -> Option<&'e StateRun> {
        if let Some(key) = iteration
            && self.is_inside(map_name(&key.0), name)
        {
            return exec.iterations.get(key).and_then(|it| it.states.get(name));
        }
        exec.states.get(name)
    }
}

/// The Map state's name in an iteration's scope key: `Outer[0]/Reserve` → `Reserve`.
pub fn map_name(map_scope: &str) -> &str {
    map_scope.rsplit('/').next().unwrap_or(map_scope)
}

/// The execution (and iteration) the drawing shows, in words: "latest execution e-3: succeeded".
pub fn execution_line(g: &SfnGraph, runs: &SfnRuns, focus: &Focus) -> String {
    let n = runs.executions(&g.machine).len();
    let mut text = match runs.execution(&g.machine, focus.execution.as_deref()) {
        Some(e) => format!(
            "{} execution {}: {}",
            if focus.execution.is_some() {
                "chosen"
            } else {
                "latest"
            },
            arn_tail(&e.arn),
            e.status.unwrap_or("running")
        ),
        None if n == 0 => "no execution yet".to_string(),
        None => "the chosen execution is no longer kept".to_string(),
    };
    if let Some((map, index)) = &focus.iteration {
        text.push_str(&format!(" · {} iteration {index}", map_name(map)));
    }
    text
}

/// Draws an expanded state machine in `body` (screen; sized [`SfnGraph::body_size`] × `zoom`): the status
/// legend, then the states at the canvas's zoom, through `painter` (clipped to the canvas). Clicking a state
/// pushes its selection.
#[allow(clippy::too_many_arguments)]
pub fn show_inline(
    ui: &Ui,
    painter: &Painter,
    g: &SfnGraph,
    runs: &SfnRuns,
    focus: &Focus,
    body: Rect,
    zoom: f32,
    actions: &mut Vec<Action>,
) {
    let exec = runs.execution(&g.machine, focus.execution.as_deref());
    if zoom >= DETAIL_ZOOM {
        legend(
            painter,
            ui.visuals(),
            pos2(body.min.x + 12.0 * zoom, body.min.y + 4.0 * zoom),
            body.max.x - 6.0 * zoom,
            zoom,
        );
    }
    let origin = pos2(
        body.center().x - g.size.x * zoom / 2.0,
        body.min.y + LEGEND_H * zoom,
    );
    draw(ui, painter, g, exec, focus, origin, zoom, actions);
}

/// The status colours in a row, from `at` (top left), as many as fit before `max_x`.
fn legend(painter: &Painter, visuals: &egui::Visuals, at: Pos2, max_x: f32, zoom: f32) {
    let font = FontId::proportional((10.5 * zoom).clamp(7.0, 13.0));
    let side = font.size * 0.9;
    let mut x = at.x;
    for s in [
        StateStatus::Running,
        StateStatus::Succeeded,
        StateStatus::Retrying,
        StateStatus::Caught,
        StateStatus::Failed,
        StateStatus::WaitingForCallback,
    ] {
        let text = painter.layout_no_wrap(
            s.as_str().to_string(),
            font.clone(),
            visuals.weak_text_color(),
        );
        if x + side + 3.0 + text.size().x > max_x {
            break;
        }
        painter.rect_filled(
            Rect::from_min_size(pos2(x, at.y + 1.0), Vec2::splat(side)),
            2.0,
            s.color(),
        );
        x += side + 3.0;
        let text_w = text.size().x;
        painter.galley(pos2(x, at.y), text, visuals.weak_text_color());
        x += text_w + 10.0;
    }
}

/// The last part of an execution ARN (its name).
pub fn arn_tail(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

#[allow(clippy::too_many_arguments)]
fn draw(
    ui: &Ui,
    painter: &Painter,
    g: &SfnGraph,
    exec: Option<&ExecRun>,
    focus: &Focus,
    origin: Pos2,
    scale: f32,
    actions: &mut Vec<Action>,
) {
    let visuals = ui.visuals().clone();
    let to_screen = |p: Pos2| origin + p.to_vec2() * scale;
    let screen_rect = |r: Rect| Rect::from_min_max(to_screen(r.min), to_screen(r.max));
    let text_color = visuals.text_color();
    let weak = visuals.weak_text_color();
    let radius = CornerRadius::same((8.0 * scale).clamp(2.0, 10.0) as u8);
    let status_of = |name: &str| exec.and_then(|e| g.run_of(e, focus.iteration.as_ref(), name));
    let detailed = scale >= DETAIL_ZOOM;
    // Containers first, outer before inner.
    for b in g.boxes.iter().filter(|b| b.container) {
        let r = screen_rect(b.rect);
        let run = status_of(&b.name);
        let stroke_color = run.map_or(weak, |s| s.status.color());
        painter.rect_filled(r, radius, visuals.faint_bg_color);
        painter.rect_stroke(
            r,
            radius,
            Stroke::new(1.5, stroke_color),
            StrokeKind::Inside,
        );
        let mut title = format!("{} · {}", b.type_name, b.name);
        if let Some((map, index)) = &focus.iteration
            && map_name(map) == b.name
        {
            title.push_str(&format!(" · iteration {index}"));
        }
        let header = Rect::from_min_size(r.min, vec2(r.width(), HEADER_H * scale));
        painter
            .with_clip_rect(header.intersect(painter.clip_rect()))
            .text(
                r.min + vec2(8.0, 5.0) * scale.max(0.7),
                Align2::LEFT_TOP,
                title,
                FontId::proportional((12.0 * scale).max(7.0)),
                text_color,
            );
    }
    // Edges.
    let font = FontId::proportional((10.5 * scale).max(8.5));
    let mut label_rects: Vec<Rect> = Vec::new();
    // The boxes an edge between `from` and `to` must not cross: every other plain state.
    let states_between = |from: usize, to: usize| -> Vec<Rect> {
        g.boxes
            .iter()
            .enumerate()
            .filter(|(k, b)| !b.container && *k != from && *k != to)
            .map(|(_, b)| screen_rect(b.rect))
            .collect()
    };
    for e in &g.edges {
        let (a, b) = (
            screen_rect(g.boxes[e.from].rect),
            screen_rect(g.boxes[e.to].rect),
        );
        let path: Vec<Pos2> = if e.kind == EdgeKind::Retry {
            let l = a.left_center();
            let d = 14.0 * scale;
            vec![
                l + vec2(0.0, -d / 2.0),
                l + vec2(-d * 1.6, -d / 2.0),
                l + vec2(-d * 1.6, d / 2.0),
                l + vec2(0.0, d / 2.0),
            ]
        } else if b.min.y >= a.max.y - 1.0 {
            let (s, t) = (a.center_bottom(), b.center_top());
            let mid = (s.y + t.y) / 2.0;
            let straight = vec![s, pos2(s.x, mid), pos2(t.x, mid), t];
            if crosses_a_state(&straight, &states_between(e.from, e.to)) {
                // An edge over several levels goes round the states between, on their left.
                let step = (GAP_Y * scale / 3.0).min(t.y - s.y);
                let x = states_between(e.from, e.to)
                    .iter()
                    .filter(|r| r.max.y > s.y && r.min.y < t.y)
                    .fold(a.min.x.min(b.min.x), |x, r| x.min(r.min.x))
                    - 14.0 * scale;
                vec![
                    s,
                    pos2(s.x, s.y + step),
                    pos2(x, s.y + step),
                    pos2(x, t.y - step),
                    pos2(t.x, t.y - step),
                    t,
                ]
            } else {
                straight
            }
        } else {
            let (top, bottom) = (b.min.y.min(a.min.y), a.max.y.max(b.max.y));
            let x = states_between(e.from, e.to)
                .iter()
                .filter(|r| r.max.y > top && r.min.y < bottom)
                .fold(a.max.x.max(b.max.x), |x, r| x.max(r.max.x))
                + 16.0 * scale;
            vec![
                a.right_center(),
                pos2(x, a.center().y),
                pos2(x, b.center().y),
                b.right_center(),
            ]
        };
        let dashed = matches!(e.kind, EdgeKind::Catch | EdgeKind::Retry);
        let color = match e.kind {
            EdgeKind::Catch => style::THROTTLE,
            EdgeKind::Retry => style::RETRY,
            EdgeKind::Next | EdgeKind::Choice | EdgeKind::Default => weak,
        };
        let stroke = Stroke::new(1.4, color);
        if dashed {
            painter.extend(Shape::dashed_line(&path, stroke, 5.0, 4.0));
        } else {
            painter.add(Shape::line(path.clone(), stroke));
        }
        if let [.., p, q] = path.as_slice() {
            arrow_head(painter, *p, *q, color, 6.0 * scale.max(0.7));
        }
        if !e.label.is_empty() && detailed {
            let galley = painter.layout_no_wrap(e.label.clone(), font.clone(), text_color);
            let mut r = if e.kind == EdgeKind::Retry {
                // Above the loop, ending at the state's left border.
                Rect::from_min_max(
                    pos2(
                        path[0].x - 4.0 - galley.size().x,
                        path[0].y - 3.0 - galley.size().y,
                    ),
                    pos2(path[0].x - 4.0, path[0].y - 3.0),
                )
            } else {
                // On the middle segment between the levels; for an edge that goes round the states on the
                // left, its last level segment (a label on the segment down the left side would cover the
                // states beside it).
                let k = if path.len() > 4 { 3 } else { 1 };
                let (p, q) = (path[k], path[k + 1]);
                Rect::from_center_size(pos2((p.x + q.x) / 2.0, (p.y + q.y) / 2.0), galley.size())
            }
            .expand(2.0);
            // Kept inside the drawing's side margins, clear of the container's border and type stripe (a label on
            // an edge that goes round the states on the left would otherwise stick out of the container).
            let (left, right) = (
                origin.x - (EDGE_MARGIN - 8.0) * scale,
                origin.x + (g.size.x + EDGE_MARGIN - 8.0) * scale,
            );
            if r.min.x < left {
                r = r.translate(vec2(left - r.min.x, 0.0));
            } else if r.max.x > right {
                r = r.translate(vec2(right - r.max.x, 0.0));
            }
            // Step a label down past the labels already placed.
            while label_rects.iter().any(|o| o.intersects(r)) {
                r = r.translate(vec2(0.0, r.height() + 1.0));
            }
            label_rects.push(r);
            painter.rect_filled(r, 3.0, visuals.extreme_bg_color);
            painter.galley(r.min + vec2(2.0, 2.0), galley, text_color);
            let hit = r.intersect(painter.clip_rect());
            if e.full_label != e.label && hit.is_positive() {
                let id = ui
                    .scope_id()
                    .with(("sfn-edge", &g.machine, e.from, e.to, e.kind as u8));
                ui.interact(hit, id, Sense::hover())
                    .on_hover_text(&e.full_label);
            }
        }
    }
    // States (containers expose their header).
    for b in &g.boxes {
        let r = screen_rect(b.rect);
        let run = status_of(&b.name);
        let selected = focus.state.as_deref() == Some(b.name.as_str());
        if !b.container {
            let fill = run.map_or(visuals.widgets.inactive.bg_fill, |s| {
                s.status.color().gamma_multiply(0.55)
            });
            painter.rect_filled(r, radius, fill);
            let stroke = if selected {
                Stroke::new(2.5, visuals.selection.stroke.color)
            } else {
                Stroke::new(1.0, run.map_or(weak, |s| s.status.color()))
            };
            painter.rect_stroke(r, radius, stroke, StrokeKind::Inside);
            // Cut to the box: at a small zoom the name is drawn larger than the box would scale it.
            let inside = painter.with_clip_rect(r.shrink(2.0).intersect(painter.clip_rect()));
            let sub = match run {
                Some(s) if s.entered > 1 => format!("{} · ×{}", b.type_name, s.entered),
                _ => b.type_name.to_string(),
            };
            let name_at = if detailed {
                r.center() - vec2(0.0, 6.0 * scale)
            } else {
                r.center()
            };
            inside.text(
                name_at,
                Align2::CENTER_CENTER,
                shorten(&b.name, 22),
                FontId::proportional((13.0 * scale).max(8.0)),
                text_color,
            );
            if detailed {
                inside.text(
                    r.center() + vec2(0.0, 9.0 * scale),
                    Align2::CENTER_CENTER,
                    sub,
                    FontId::proportional((10.0 * scale).max(7.0)),
                    weak,
                );
            }
        } else if selected {
            painter.rect_stroke(
                r,
                radius,
                Stroke::new(2.5, visuals.selection.stroke.color),
                StrokeKind::Outside,
            );
        }
        let hit = if b.container {
            Rect::from_min_size(r.min, vec2(r.width(), HEADER_H * scale))
        } else {
            r
        }
        .intersect(painter.clip_rect());
        if !hit.is_positive() {
            continue;
        }
        let resp = ui.interact(
            hit,
            ui.scope_id().with(("sfn-state", &g.machine, &b.name)),
            Sense::click(),
        );
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &b.name));
        let mut description = format!(
            "{} state · {}",
            b.type_name,
            run.map_or("not entered", |s| s.status.as_str())
        );
        // Said when the state is shown as one Map iteration left it (its colour is that iteration's).
        if let Some((map, index)) = &focus.iteration
            && g.is_inside(map_name(map), &b.name)
        {
            description.push_str(&format!(" · {} iteration {index}", map_name(map)));
        }
        ui.ctx().accesskit_node_builder(resp.id, |builder| {
            builder.set_selected(selected);
            builder.set_description(description);
        });
        if resp.clicked() {
            actions.push(Action::Select(Selection::State {
                node: g.node,
                state: b.name.clone(),
                execution: focus.execution.clone(),
                iteration: focus.iteration.clone(),
            }));
        }
    }
}

/// Whether an orthogonal path crosses one of these boxes.
fn crosses_a_state(path: &[Pos2], boxes: &[Rect]) -> bool {
    path.windows(2).any(|w| {
        let seg = Rect::from_two_pos(w[0], w[1]).expand(1.0);
        boxes.iter().any(|r| r.shrink(1.0).intersects(seg))
    })
}

fn arrow_head(painter: &Painter, from: Pos2, to: Pos2, color: Color32, size: f32) {
    let dir = (to - from).normalized();
    if !dir.is_finite() || dir == Vec2::ZERO {
        return;
    }
    let side = vec2(-dir.y, dir.x) * size * 0.5;
    let back = to - dir * size;
    painter.add(Shape::convex_polygon(
        vec![to, back + side, back - side],
        color,
        Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_iteration_scopes_are_recognised() {
        assert_eq!(iteration_of("Reserve[3]"), Some(("Reserve", 3)));
        assert_eq!(
            iteration_of("Outer[0]/Reserve[12]"),
            Some(("Outer[0]/Reserve", 12))
        );
        assert_eq!(iteration_of("Both#1"), None);
        assert_eq!(iteration_of(""), None);
        assert_eq!(iteration_of("x[y]"), None);
    }

    use super::*;
    use serde_json::json;

    fn order_workflow() -> (Definition, Value) {
        let sc: Value =
            serde_json::from_str(include_str!("../../assets/scenarios/order-workflow.json"))
                .expect("example parses");
        let raw = sc["resources"]["OrderWorkflow"]["definition"].clone();
        (Definition::parse(&raw).expect("definition is valid"), raw)
    }

    #[test]
    fn order_workflow_is_laid_out_top_to_bottom_with_its_map_as_a_container() {
        let (def, raw) = order_workflow();
        let g = SfnGraph::build(NodeIndex::new(0), "OrderWorkflow", &def, &raw);
        let y = |n: &str| g.state(n).expect(n).rect.min.y;
        assert!(y("Charge") < y("Large?"));
        assert!(y("Large?") < y("Review"));
        assert!(
            y("Review") < y("Reserve"),
            "the wait comes before the map it leads to"
        );
        assert!(y("Reserve") < y("Ship"));
        let map = g.state("Reserve").expect("map");
        assert!(map.container);
        assert!(
            map.rect
                .contains_rect(g.state("ReserveItem").expect("item").rect)
        );
        // No two boxes overlap unless one contains the other.
        for a in &g.boxes {
            for b in &g.boxes {
                if a.name != b.name && a.rect.intersects(b.rect) {
                    assert!(a.rect.contains_rect(b.rect) || b.rect.contains_rect(a.rect));
                }
            }
        }
        let labels: Vec<(&str, EdgeKind)> =
            g.edges.iter().map(|e| (e.label.as_str(), e.kind)).collect();
        assert!(
            labels.contains(&("$.amount > 200", EdgeKind::Choice)),
            "{labels:?}"
        );
        assert!(labels.contains(&("Default", EdgeKind::Default)));
        assert!(labels.contains(&("Catch PaymentDeclined", EdgeKind::Catch)));
        assert!(labels.contains(&("Retry ×3", EdgeKind::Retry)));
    }

    #[test]
    fn conditions_are_written_shortly() {
        let r = json!({"And": [{"Variable": "$.kind", "StringEquals": "gift"},
            {"Not": {"Variable": "$.paid", "BooleanEquals": true}}], "Next": "X"});
        assert_eq!(
            condition_text(&r, 0),
            r#"($.kind == "gift") and (not ($.paid == true))"#
        );
        let p = json!({"Variable": "$.a", "NumericLessThanPath": "$.b", "Next": "X"});
        assert_eq!(condition_text(&p, 0), "$.a < $.b");
        let i = json!({"Variable": "$.a", "IsPresent": false, "Next": "X"});
        assert_eq!(condition_text(&i, 0), "$.a is not present");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }

    #[test]
    fn a_callback_task_waits_until_it_is_answered() {
        let mut runs = SfnRuns::default();
        let arn = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
        let status = |runs: &SfnRuns| runs.execution("M", None).expect("exec").states["Ask"].status;
        for (event, want) in [
            ("entered", StateStatus::Running),
            ("task_scheduled", StateStatus::Running),
            ("task_submitted", StateStatus::WaitingForCallback),
            ("exited", StateStatus::Succeeded),
        ] {
            runs.observe_state("M", arn, "Ask", "", event, None, None, Vec::new());
            assert_eq!(status(&runs), want, "after {event}");
        }
    }

    #[test]
    fn runs_keep_input_output_and_outcome_per_state() {
        let mut runs = SfnRuns::default();
        let arn = "arn:aws:states:us-east-1:123456789012:execution:M:e1";
        runs.observe_state(
            "M",
            arn,
            "Charge",
            "",
            "entered",
            None,
            Some(json!({"a": 1})),
            Vec::new(),
        );
        runs.observe_state(
            "M",
            arn,
            "Charge",
            "",
            "retry",
            Some("Timeout".into()),
            None,
            Vec::new(),
        );
        assert_eq!(
            runs.execution("M", None).expect("exec").states["Charge"].status,
            StateStatus::Retrying
        );
        runs.observe_state(
            "M",
            arn,
            "Charge",
            "",
            "caught",
            Some("Declined".into()),
            None,
            Vec::new(),
        );
        runs.observe_state(
            "M",
            arn,
            "Charge",
            "",
            "exited",
            None,
            Some(json!({"b": 2})),
            Vec::new(),
        );
        let e = runs.execution("M", Some(arn)).expect("exec");
        let s = &e.states["Charge"];
        assert_eq!(
            s.status,
            StateStatus::Caught,
            "a caught error stays visible"
        );
        assert_eq!(s.input, Some(json!({"a": 1})));
        assert_eq!(s.output, Some(json!({"b": 2})));
        for k in 0..MAX_EXECUTIONS + 3 {
            runs.observe_execution("M", &format!("e{k}"), "succeeded");
        }
        assert_eq!(runs.executions("M").len(), MAX_EXECUTIONS);
        assert!(
            runs.execution("M", Some(arn)).is_none(),
            "the oldest go first"
        );
    }
}
