//! The inspector (run mode): what the selection is — the scenario (name, description), a node (type, live state,
//! statistics, "Send a test event…", its configuration), an invocation (ids, status, timing, event, response,
//! error, logs, with a JSON search), a clicked dot (what it carries, found by [`super::dot_event`]) or a trace
//! (its invocations). It owns the JSON search text and the clicked dot's search.

use std::sync::Arc;

use eframe::egui::{self, RichText, Ui};
use petgraph::graph::NodeIndex;

use super::action::{Action, Selection};
use super::app::fmt_duration;
use super::canvas::Canvas;
use super::dot_event::DotInspection;
use super::inject;
use super::json_tree;
use super::log::{Detail, InvocationLog};
use super::sfn_graph;
use super::start_page::strip_markdown;
use super::style::{self, NodeKind};
use crate::runner::{Snapshot, StatsView};
use crate::scenario::{GraphNode, ResourceType, Scenario};

/// Most invocations listed for a selected trace (newest first).
const MAX_TRACE_ROWS: usize = 1000;

/// What the inspector reads.
pub struct InspectorView<'a> {
    pub scenario: &'a Scenario,
    pub canvas: &'a Canvas,
    pub snap: &'a Snapshot,
    pub log: &'a InvocationLog,
    pub selection: &'a Selection,
}

/// The inspector panel.
#[derive(Default)]
pub struct Inspector {
    /// Text searched in the invocation's JSON.
    json_search: String,
    /// The clicked dot (shown while its trace is selected); any other selection lets it go.
    pub dot: Option<DotInspection>,
}

impl Inspector {
    pub fn ui(&mut self, ui: &mut Ui, view: &InspectorView<'_>, actions: &mut Vec<Action>) {
        let sc = view.scenario;
        match view.selection {
            Selection::None => {
                ui.heading(&sc.name);
                if let Some(d) = &sc.description {
                    ui.add(egui::Label::new(strip_markdown(d)).wrap());
                }
                ui.separator();
                ui.weak(
                    "Click a node, a moving dot (what it carries) or an invocation to inspect it.",
                );
            }
            Selection::Node(n) => node(ui, view, *n, actions),
            Selection::State {
                node,
                state,
                execution,
                iteration,
            } => state_of_machine(
                ui,
                view,
                *node,
                state,
                (execution.as_ref(), iteration.as_ref()),
                actions,
            ),
            Selection::Invocation(i) => self.invocation(ui, view.log, *i),
            Selection::Trace(t) => {
                if let Some(dot) = self.dot.as_mut().filter(|d| d.pick.trace_id == *t) {
                    dot.ui(ui);
                    ui.separator();
                }
                ui.heading("Trace");
                ui.label(RichText::new(t.to_string()).monospace());
                if ui.small_button("Copy trace id").clicked() {
                    ui.ctx().copy_text(t.to_string());
                }
                ui.separator();
                ui.label("Invocations in this trace:");
                for i in view.log.rows_of_trace(t, MAX_TRACE_ROWS) {
                    if let Some(r) = view.log.summary(i)
                        && ui
                            .link(format!(
                                "{:.3} s  {}  {}",
                                r.start_us as f64 / 1e6,
                                r.function,
                                r.request_id
                            ))
                            .clicked()
                    {
                        actions.push(Action::Select(Selection::Invocation(i)));
                    }
                }
            }
        }
    }

    fn invocation(&mut self, ui: &mut Ui, log: &InvocationLog, i: usize) {
        let Some(r) = log.summary(i) else {
            ui.weak("This invocation is no longer in the log.");
            return;
        };
        ui.heading(format!("Invocation of {}", r.function));
        egui::Grid::new("inv")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                let row = |ui: &mut Ui, k: &str, v: String, copy: bool| {
                    ui.label(k);
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(&v).monospace());
                        if copy && ui.small_button("copy").on_hover_text("Copy").clicked() {
                            ui.ctx().copy_text(v.clone());
                        }
                    });
                    ui.end_row();
                };
                row(ui, "request id", r.request_id.clone(), true);
                row(ui, "trace id", r.trace_id.to_string(), true);
                row(
                    ui,
                    "status",
                    r.status
                        .map_or("running".to_string(), |s| s.as_str().to_string()),
                    false,
                );
                row(
                    ui,
                    "cold start",
                    if r.cold_start {
                        format!("yes (init {})", r.init_us.map_or("?".into(), fmt_duration))
                    } else {
                        "no".into()
                    },
                    false,
                );
                row(ui, "attempt", r.attempt.to_string(), false);
                row(ui, "start", fmt_duration(r.start_us), false);
                if r.status.is_some() {
                    row(
                        ui,
                        "duration",
                        format!("{:.3} ms", r.duration_us as f64 / 1000.0),
                        false,
                    );
                    row(ui, "billed", format!("{} ms", r.billed_ms), false);
                }
            });
        ui.separator();
        ui.horizontal(|ui| {
            ui.label("Search");
            ui.add(
                egui::TextEdit::singleline(&mut self.json_search)
                    .hint_text("search the JSON")
                    .desired_width(200.0),
            );
        });
        let search = self.json_search.as_str();
        let r_detail = match log.detail(i) {
            Detail::Here(d) => d,
            Detail::Loading => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.weak("Rebuilding the event, response and logs: re-running the scenario to this invocation…");
                });
                return;
            }
            Detail::Missing(why) => {
                ui.weak(why);
                return;
            }
        };
        // An API request event is kept as its parts: built here, while it is shown.
        let event_value = r_detail.event.as_value();
        let (event, response, error, logs) = (
            &*event_value,
            &r_detail.response,
            &r_detail.error,
            &r_detail.logs,
        );
        ui.strong("Event");
        json_tree::show(ui, &format!("ev-{}", r.request_id), event, search, 2);
        if let Some(resp) = response {
            ui.strong("Response");
            json_tree::show(ui, &format!("resp-{}", r.request_id), resp, search, 2);
        }
        if let Some(err) = error {
            ui.colored_label(ui.visuals().error_fg_color, "Error");
            json_tree::show(ui, &format!("err-{}", r.request_id), err, search, 2);
        }
        ui.separator();
        ui.strong(format!("Logs ({})", logs.len()));
        for (t, m) in logs {
            ui.label(RichText::new(format!("{}  {m}", fmt_duration(*t))).monospace());
        }
    }
}

/// A state of an expanded state machine: its type, what it did in the chosen execution (the latest unless one
/// is chosen) — in the chosen Map iteration when it lies inside that Map — its input, path stages and output,
/// and its definition. A Map lists its iterations first; clicking one colours the Map's states by it and shows
/// what each of its states took in and gave out.
fn state_of_machine(
    ui: &mut Ui,
    view: &InspectorView<'_>,
    node: NodeIndex,
    state: &str,
    (execution, iteration): (Option<&Arc<str>>, Option<&(String, u32)>),
    actions: &mut Vec<Action>,
) {
    let Some(g) = view.canvas.states.as_ref().filter(|g| g.node == node) else {
        ui.weak("This state machine is no longer drawn state by state.");
        return;
    };
    let Some(b) = g.state(state) else {
        ui.weak("No such state.");
        return;
    };
    ui.heading(format!("State {state}"));
    ui.weak(format!("{} state of {}", b.type_name, g.machine));
    let runs = view.canvas.sfn_runs.executions(&g.machine);
    let chosen = view
        .canvas
        .sfn_runs
        .execution(&g.machine, execution.map(|a| &**a));
    let shown = chosen.map_or("none yet".to_string(), |e| {
        sfn_graph::arn_tail(&e.arn).to_string()
    });
    // A choice of this state, execution and iteration.
    let pick = |state: &str, execution: Option<Arc<str>>, iteration: Option<(String, u32)>| {
        Action::Select(Selection::State {
            node,
            state: state.to_string(),
            execution,
            iteration,
        })
    };
    egui::ComboBox::from_label("Execution")
        .selected_text(if execution.is_some() {
            shown
        } else {
            format!("latest ({shown})")
        })
        .show_ui(ui, |ui| {
            // Another execution has other iterations: the choice of one goes.
            if ui.selectable_label(execution.is_none(), "latest").clicked() {
                actions.push(pick(state, None, None));
            }
            for e in runs.iter().rev() {
                let text = format!(
                    "{} · {}",
                    sfn_graph::arn_tail(&e.arn),
                    e.status.unwrap_or("running")
                );
                if ui
                    .selectable_label(execution == Some(&e.arn), text)
                    .clicked()
                {
                    actions.push(pick(state, Some(e.arn.clone()), None));
                }
            }
        });
    // The iteration shown, when this state is drawn as it left it.
    let in_iteration = iteration.filter(|(map, _)| g.is_inside(sfn_graph::map_name(map), state));
    if let Some((map, index)) = iteration {
        ui.horizontal(|ui| {
            ui.label(format!(
                "Showing {} iteration {index}",
                sfn_graph::map_name(map)
            ));
            if ui
                .small_button("All iterations")
                .on_hover_text("Colour the Map's states by their last iteration again")
                .clicked()
            {
                actions.push(pick(state, execution.cloned(), None));
            }
        });
    }
    // A Map's iterations first, in view: what one looks at a Map for.
    if b.type_name == "Map"
        && let Some(e) = chosen
    {
        map_iterations(ui, g, e, state, iteration, |key| {
            actions.push(pick(state, execution.cloned(), key));
        });
    }
    ui.separator();
    match chosen.and_then(|e| g.run_of(e, iteration, state)) {
        None if in_iteration.is_some() => {
            ui.weak("This iteration has not entered this state.");
        }
        None => {
            ui.weak("This execution has not entered this state.");
        }
        Some(run) => {
            ui.label(RichText::new(run.status.as_str()).strong());
            if run.entered > 1 {
                ui.label(format!("entered {} times", run.entered));
            }
            if !run.scope.is_empty() {
                ui.label(format!("last in {}", run.scope));
            }
            if let Some(d) = &run.detail {
                ui.label(d);
            }
            let salt = format!(
                "sfn-{}-{state}-{:?}",
                chosen.map_or("", |e| &e.arn),
                in_iteration
            );
            ui.strong("Input");
            match &run.input {
                Some(v) => json_tree::show(ui, &format!("{salt}-in"), v, "", 3),
                None => {
                    ui.weak("(not recorded)");
                }
            }
            // The path stages between them, in order, as the console's "Input and output processing".
            for (k, (stage, v)) in run.stages.iter().enumerate() {
                ui.strong(*stage);
                json_tree::show(ui, &format!("{salt}-stage{k}"), v, "", 2);
            }
            ui.strong("Output");
            match &run.output {
                Some(v) => json_tree::show(ui, &format!("{salt}-out"), v, "", 3),
                None => {
                    ui.weak("(none yet)");
                }
            }
        }
    }
    if !b.definition.is_null() {
        ui.separator();
        ui.strong("Definition");
        json_tree::show(ui, &format!("sfn-def-{state}"), &b.definition, "", 2);
    }
}

/// A Map's iterations in an execution (the Map scopes of this name: the top level's or an enclosing one's),
/// each a row to click (`choose` gets its key, or `None` to let the chosen one go); under the chosen one, its
/// input and output and what each of its states did.
fn map_iterations(
    ui: &mut Ui,
    g: &sfn_graph::SfnGraph,
    e: &sfn_graph::ExecRun,
    map_state: &str,
    chosen: Option<&(String, u32)>,
    mut choose: impl FnMut(Option<(String, u32)>),
) {
    let iterations: Vec<_> = e
        .iterations
        .iter()
        .filter(|((map, _), _)| sfn_graph::map_name(map) == map_state)
        .collect();
    if iterations.is_empty() {
        return;
    }
    ui.separator();
    ui.strong(format!("Iterations ({})", iterations.len()));
    ui.weak("Click one to colour the Map's states by it.");
    for (key, it) in iterations {
        let status = if it.failed {
            "failed"
        } else if it.output.is_some() {
            "succeeded"
        } else {
            "running"
        };
        let is_chosen = chosen == Some(key);
        if ui
            .selectable_label(is_chosen, format!("Iteration {} · {status}", key.1))
            .clicked()
        {
            choose((!is_chosen).then(|| key.clone()));
        }
        if !is_chosen {
            continue;
        }
        ui.indent(("sfn-iteration", &key.0, key.1), |ui| {
            let salt = format!("sfn-it-{}-{}", key.0, key.1);
            ui.strong("Iteration input");
            match &it.input {
                Some(v) => json_tree::show(ui, &format!("{salt}-in"), v, "", 2),
                None => {
                    ui.weak("(not recorded)");
                }
            }
            ui.strong("Iteration output");
            match &it.output {
                Some(v) => json_tree::show(ui, &format!("{salt}-out"), v, "", 2),
                None => {
                    ui.weak("(none yet)");
                }
            }
            // Its states in drawing order (top to bottom), each with what it took in and gave out.
            for b in g.boxes.iter().filter(|b| it.states.contains_key(&b.name)) {
                let run = &it.states[&b.name];
                egui::CollapsingHeader::new(format!("{} · {}", b.name, run.status.as_str()))
                    .id_salt((&salt, &b.name))
                    .default_open(true)
                    .show(ui, |ui| {
                        ui.strong("Input");
                        match &run.input {
                            Some(v) => {
                                json_tree::show(ui, &format!("{salt}-{}-in", b.name), v, "", 2)
                            }
                            None => {
                                ui.weak("(not recorded)");
                            }
                        }
                        ui.strong("Output");
                        match &run.output {
                            Some(v) => {
                                json_tree::show(ui, &format!("{salt}-{}-out", b.name), v, "", 2)
                            }
                            None => {
                                ui.weak("(none yet)");
                            }
                        }
                    });
            }
        });
    }
}

/// A node: its type, live state, statistics, "Send a test event…" and configuration.
fn node(ui: &mut Ui, view: &InspectorView<'_>, n: NodeIndex, actions: &mut Vec<Action>) {
    let (sc, canvas) = (view.scenario, view.canvas);
    let Some(kind) = canvas.kinds.get(n.index()).copied() else {
        return;
    };
    let name = canvas.names[n.index()].clone();
    ui.horizontal(|ui| {
        let (r, _) = ui.allocate_exact_size(egui::vec2(28.0, 28.0), egui::Sense::hover());
        style::draw_icon(ui.painter(), r, kind, style::type_color(kind));
        ui.vertical(|ui| {
            ui.heading(&name);
            ui.weak(style::kind_name(kind));
        });
    });
    let config = match &canvas.graph.graph[n] {
        GraphNode::Resource {
            id, resource_type, ..
        } => {
            let res = sc.resource(*id);
            if let Some(d) = &res.description {
                ui.label(d);
            }
            if let (Some(l), NodeKind::Resource(_)) = (view.snap.live.get(id.index()), kind) {
                let parts: Vec<String> = [
                    (l.busy, "busy"),
                    (l.warm, "warm"),
                    (l.in_flight, "in flight"),
                    (l.objects, "objects"),
                ]
                .iter()
                .filter(|(v, _)| *v > 0)
                .map(|(v, w)| format!("{v} {w}"))
                .collect();
                if !parts.is_empty() {
                    ui.label(RichText::new(parts.join(" · ")).strong());
                }
            }
            if let Some(s) = view.snap.stats.get(id.index()) {
                ui.separator();
                stats_grid(ui, s, *resource_type);
            }
            if inject::accepts_events(*resource_type) && ui.button("Send a test event…").clicked()
            {
                actions.push(Action::OpenInject(*id));
            }
            if canvas.is_state_machine(n.index()) {
                let shown = canvas.states.as_ref().is_some_and(|g| g.node == n);
                let label = if shown { "Hide states" } else { "Show states" };
                if ui
                    .button(label)
                    .on_hover_text("Draw this state machine state by state (or double-click it)")
                    .clicked()
                {
                    actions.push(Action::ToggleStates(n));
                }
            }
            sc.document
                .get("resources")
                .and_then(|r| r.get(&name))
                .cloned()
        }
        GraphNode::Traffic { index, .. } => sc
            .document
            .get("traffic")
            .and_then(|t| t.get(*index))
            .cloned(),
    };
    if let Some(c) = config {
        ui.separator();
        ui.strong("Configuration");
        json_tree::show(ui, &format!("cfg-{name}"), &c, "", 3);
    }
}

/// A resource's statistics: count, the failures that happened (errors and throttles always), percentiles, cost.
fn stats_grid(ui: &mut Ui, s: &StatsView, resource_type: ResourceType) {
    egui::Grid::new("stats")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |k: &str, v: String| {
                ui.label(k);
                ui.label(RichText::new(v).monospace());
                ui.end_row();
            };
            row("count", s.count.to_string());
            for (k, v) in [
                ("errors", s.errors),
                ("timeouts", s.timeouts),
                ("throttles", s.throttles),
                ("cold starts", s.cold_starts),
                ("retries", s.retries),
                ("dead-lettered", s.dead_lettered),
                ("dropped", s.dropped),
            ] {
                if v > 0 || matches!(k, "errors" | "throttles") {
                    row(k, v.to_string());
                }
            }
            if let Some(p) = s.p50_ms {
                row("p50", format!("{p:.1} ms"));
            }
            if let Some(p) = s.p99_ms {
                row("p99", format!("{p:.1} ms"));
            }
            if resource_type == ResourceType::Function && s.count > 0 {
                row("est. cost", format!("${:.6}", s.cost_usd));
            }
        });
}
