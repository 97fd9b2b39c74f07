//! The architecture canvas: nodes, labelled edges and moving dots, drawn with egui's painter.
//!
//! World coordinates are the layout's; one [`ViewTransform`] maps them to the screen (pan and zoom). Nodes are placed
//! by the scenario's `layout` when it has one, else by [`super::layout::layered`]. Dots are transits: a dot moves
//! from `from` to `to` between `t_us` and `end_us` of virtual time, where `end_us` stretches very short hops to a
//! minimum on-screen duration (hops last milliseconds; an eye needs a few hundred). When an edge carries more than
//! [`AGGREGATE_ABOVE`] dots at once they are drawn as one pulse with a count.
//!
//! The canvas is a panel: it owns its view, dots and gestures, and returns an [`Action`] for what a click or a
//! gesture asks (select, wire, move, drop). Each node is also an accessible widget with its name, role and
//! selection, so screen readers and UI tests find nodes by label.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2,
    pos2, vec2,
};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::action::{Action, Selection};
use super::style::{self, NodeKind};
use super::tour_panel::TOUR_HIGHLIGHT;
pub use super::view::NODE_SIZE;
use super::view::ViewTransform;
use crate::runner::Snapshot;
use crate::scenario::tour::Highlight;
use crate::scenario::{ArchGraph, GraphNode, ResourceType, Scenario};

/// More dots than this on one edge are drawn as a single pulse with a count.
pub const AGGREGATE_ABOVE: usize = 24;
/// Most dots kept at once (the oldest go first).
pub const MAX_DOTS: usize = 50_000;
/// Shortest time a dot or a flash stays on screen, in wall seconds (converted with the current speed).
pub const MIN_VISIBLE_WALL_S: f64 = 0.45;

/// A transit on its way.
#[derive(Debug, Clone)]
struct Dot {
    from: NodeIndex,
    to: NodeIndex,
    t_us: u64,
    /// When it reaches `to` on screen: the arrival, stretched to a minimum visible time.
    end_us: u64,
    arrive_us: u64,
    trace_hash: u64,
    trace_id: Arc<str>,
    what: &'static str,
}

/// What a click or a gesture on the canvas chose (turned into an [`Action`]).
#[derive(Debug, Clone, PartialEq)]
enum CanvasClick {
    Node(NodeIndex),
    Trace(Arc<str>),
    Background,
    /// Edit mode: a node (or a broken resource) was clicked, by name; `shift` adds it to the selection.
    Named {
        name: String,
        shift: bool,
    },
    /// Edit mode: a drag from `from`'s handle (or Alt+drag) ended on `to`.
    Wire {
        from: String,
        to: String,
    },
    /// Edit mode: a Shift+drag rubber band selected these names.
    Band(Vec<String>),
    /// Edit mode: selected nodes were moved.
    Moved,
    /// Edit mode: a palette entry was dropped here (world position).
    Drop(ResourceType, Pos2),
}

/// Edit mode's extras on the canvas: resources that do not validate yet (drawn apart, with a badge), problem
/// badges, the multi-selection, and the gestures in progress.
#[derive(Debug, Default)]
pub struct EditDeco {
    pub(super) on: bool,
    /// Broken resources (left out of the graph): name, type, world position.
    pub(super) ghosts: Vec<(String, ResourceType, Pos2)>,
    /// Node name → first problem message.
    pub(super) badges: HashMap<String, String>,
    /// Selected node names.
    pub(super) marked: Vec<String>,
    wiring: Option<(usize, Pos2)>,
    band: Option<(Pos2, Pos2)>,
    moving: Option<usize>,
}

/// Radius of the wiring handle on a node's right edge, in screen points at zoom 1.
pub const HANDLE_RADIUS: f32 = 6.0;

/// Canvas state of one opened scenario.
pub struct Canvas {
    pub(super) graph: ArchGraph,
    pub(super) kinds: Vec<NodeKind>,
    pub(super) names: Vec<String>,
    /// World position of each graph node's centre.
    pos: Vec<Pos2>,
    edge_labels: Vec<String>,
    view: ViewTransform,
    fit_pending: bool,
    dragging: Option<NodeIndex>,
    dots: Vec<Dot>,
    /// Per node: flash colour and the virtual time it ends.
    flash: Vec<Option<(Color32, u64)>>,
    /// Per queue node: the deepest it has been this run (the scale of its depth bar).
    queue_peak: HashMap<usize, u32>,
    /// Recent distinct traces for the legend, newest last.
    recent_traces: Vec<(Arc<str>, u64)>,
    /// Edges (from, to) each recent trace travelled, for highlighting; bounded.
    trail: Vec<(NodeIndex, NodeIndex, u64)>,
    /// Edit mode's extras.
    pub(super) edit: EditDeco,
    /// What the guided tour's shown step highlights (run mode), set by the shell each frame.
    pub(super) tour_marks: Vec<Highlight>,
    /// The screen rectangle of the last frame (to place new nodes in view).
    last_rect: Rect,
    /// The window's size at the last frame: when it changes, the view fits the nodes again — unless the user has
    /// panned or zoomed since the last fit.
    last_window: Vec2,
    /// The user has panned or zoomed since the last fit.
    view_touched: bool,
}

impl Canvas {
    pub fn new(sc: &Scenario) -> Canvas {
        let graph = ArchGraph::new(sc);
        let n = graph.graph.node_count();
        let mut kinds = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        for ix in graph.graph.node_indices() {
            match &graph.graph[ix] {
                GraphNode::Resource {
                    name,
                    resource_type,
                    ..
                } => {
                    kinds.push(NodeKind::Resource(*resource_type));
                    names.push(name.clone());
                }
                GraphNode::Traffic { name, .. } => {
                    kinds.push(NodeKind::Traffic);
                    names.push(name.clone());
                }
            }
        }
        let edges: Vec<(usize, usize)> = graph
            .graph
            .edge_references()
            .map(|e| (e.source().index(), e.target().index()))
            .collect();
        let auto = super::layout::layered(n, &edges);
        let saved: HashMap<&str, (f32, f32)> = sc
            .layout
            .iter()
            .map(|l| (l.id.as_str(), (l.x, l.y)))
            .collect();
        let pos = graph
            .graph
            .node_indices()
            .map(|ix| {
                let key = graph.graph[ix].trace_name();
                let (x, y) = saved.get(key.as_str()).copied().unwrap_or(auto[ix.index()]);
                pos2(x, y)
            })
            .collect();
        let edge_labels = graph
            .graph
            .edge_references()
            .map(|e| e.weight().label())
            .collect();
        Canvas {
            graph,
            kinds,
            names,
            pos,
            edge_labels,
            view: ViewTransform::default(),
            fit_pending: true,
            dragging: None,
            dots: Vec::new(),
            flash: vec![None; n],
            queue_peak: HashMap::new(),
            recent_traces: Vec::new(),
            trail: Vec::new(),
            edit: EditDeco::default(),
            tour_marks: Vec::new(),
            last_rect: Rect::NOTHING,
            last_window: Vec2::ZERO,
            view_touched: false,
        }
    }

    /// The layout key of node `i`: the resource id, or `traffic:NAME`.
    pub fn layout_key(&self, i: usize) -> String {
        match self.kinds.get(i) {
            Some(NodeKind::Traffic) => format!("traffic:{}", self.names[i]),
            Some(NodeKind::Resource(_)) | None => self.names.get(i).cloned().unwrap_or_default(),
        }
    }

    /// Every node's layout key and world position, ghosts included.
    pub fn positions(&self) -> Vec<(String, f32, f32)> {
        (0..self.pos.len())
            .map(|i| (self.layout_key(i), self.pos[i].x, self.pos[i].y))
            .chain(
                self.edit
                    .ghosts
                    .iter()
                    .map(|(n, _, p)| (n.clone(), p.x, p.y)),
            )
            .collect()
    }

    /// Takes over positions (by name), pan and zoom from a previous canvas of the same document; nodes it did
    /// not have keep theirs (saved layout or automatic).
    pub fn adopt_view(&mut self, prev: &Canvas) {
        let old: HashMap<String, Pos2> = prev
            .positions()
            .into_iter()
            .map(|(n, x, y)| (n, pos2(x, y)))
            .collect();
        for i in 0..self.pos.len() {
            if let Some(q) = old.get(&self.layout_key(i)) {
                self.pos[i] = *q;
            }
        }
        for (n, _, p) in &mut self.edit.ghosts {
            if let Some(q) = old.get(n.as_str()) {
                *p = *q;
            }
        }
        self.view = prev.view;
        self.last_window = prev.last_window;
        self.view_touched = prev.view_touched;
        // Once the user has seen the view, edits never move it.
        self.fit_pending = prev.fit_pending && !prev.last_rect.is_positive();
        self.last_rect = prev.last_rect;
    }

    /// Sets the world position of a node or ghost by name.
    pub fn place(&mut self, name: &str, p: Pos2) {
        if let Some(i) = (0..self.pos.len()).find(|&i| self.layout_key(i) == name) {
            self.pos[i] = p;
        }
        if let Some(g) = self.edit.ghosts.iter_mut().find(|g| g.0 == name) {
            g.2 = p;
        }
    }

    /// The world position at the centre of the view, shifted so successive new nodes do not stack exactly.
    pub fn free_spot(&self) -> Pos2 {
        let c = if self.last_rect.is_positive() {
            self.view.world_center(self.last_rect.size())
        } else {
            Pos2::ZERO
        };
        let taken = |p: Pos2, this: &Canvas| {
            this.positions().iter().any(|(_, x, y)| {
                (x - p.x).abs() < NODE_SIZE.x + 20.0 && (y - p.y).abs() < NODE_SIZE.y + 20.0
            })
        };
        // Left to right across the view, row by row from the top: successive adds read as a flow.
        let (dx, dy) = (NODE_SIZE.x + 70.0, NODE_SIZE.y + 50.0);
        let view = if self.last_rect.is_positive() {
            self.last_rect.size() / self.view.zoom()
        } else {
            vec2(5.0 * dx, 5.0 * dy)
        };
        let cols = ((view.x / dx).floor() as usize).clamp(1, 8);
        let rows = ((view.y / dy).floor() as usize).clamp(1, 8);
        let start = c - vec2(
            (cols as f32 - 1.0) / 2.0 * dx,
            (rows as f32 - 1.0) / 2.0 * dy,
        );
        (0..rows + 8)
            .flat_map(|row| (0..cols).map(move |col| (row, col)))
            .map(|(row, col)| start + vec2(col as f32 * dx, row as f32 * dy))
            .find(|p| !taken(*p, self))
            .unwrap_or(c)
    }

    /// Where node `name` (layout key) was drawn on screen in the last frame.
    pub fn screen_rect_of(&self, name: &str) -> Option<Rect> {
        let i = (0..self.all_len()).find(|&i| self.any_name(i) == name)?;
        Some(self.any_rect(i))
    }

    /// The screen rectangle of the last frame.
    pub fn last_rect(&self) -> Rect {
        self.last_rect
    }

    /// Number of dots in flight.
    pub fn dots_in_flight(&self) -> usize {
        self.dots.len()
    }

    /// Number of nodes drawn: graph nodes, then ghosts.
    fn all_len(&self) -> usize {
        self.pos.len()
            + if self.edit.on {
                self.edit.ghosts.len()
            } else {
                0
            }
    }

    fn any_pos(&self, i: usize) -> Pos2 {
        if i < self.pos.len() {
            self.pos[i]
        } else {
            self.edit.ghosts[i - self.pos.len()].2
        }
    }

    fn any_pos_mut(&mut self, i: usize) -> &mut Pos2 {
        if i < self.pos.len() {
            &mut self.pos[i]
        } else {
            let n = self.pos.len();
            &mut self.edit.ghosts[i - n].2
        }
    }

    fn any_name(&self, i: usize) -> String {
        if i < self.names.len() {
            self.layout_key(i)
        } else {
            self.edit.ghosts[i - self.names.len()].0.clone()
        }
    }

    fn any_rect(&self, i: usize) -> Rect {
        self.view.node_rect(self.any_pos(i))
    }

    fn handle_pos(&self, i: usize) -> Pos2 {
        self.any_rect(i).right_center()
    }

    /// Forgets everything of the previous run (after Reset or Load).
    pub fn clear_run(&mut self) {
        self.dots.clear();
        self.flash.iter_mut().for_each(|f| *f = None);
        self.recent_traces.clear();
        self.trail.clear();
        self.queue_peak.clear();
    }

    pub fn fit(&mut self) {
        self.fit_pending = true;
        self.view_touched = false;
    }

    /// Adds a transit dot.
    pub fn add_transit(
        &mut self,
        from: &str,
        to: &str,
        t_us: u64,
        arrive_us: u64,
        trace_id: &str,
        what: &'static str,
        min_visible_us: u64,
    ) {
        let (Some(a), Some(b)) = (self.graph.find(from), self.graph.find(to)) else {
            return;
        };
        let hash = style::trace_hash(trace_id);
        let trace: Arc<str> = match self.recent_traces.iter().rev().find(|(_, h)| *h == hash) {
            Some((t, _)) => t.clone(),
            None => {
                let t: Arc<str> = Arc::from(trace_id);
                self.recent_traces.push((t.clone(), hash));
                if self.recent_traces.len() > 8 {
                    self.recent_traces.remove(0);
                }
                t
            }
        };
        if self.dots.len() >= MAX_DOTS {
            self.dots.drain(..MAX_DOTS / 10);
        }
        self.dots.push(Dot {
            from: a,
            to: b,
            t_us,
            end_us: arrive_us.max(t_us.saturating_add(min_visible_us)),
            arrive_us,
            trace_hash: hash,
            trace_id: trace,
            what,
        });
        if self.trail.len() >= 200_000 {
            self.trail.drain(..20_000);
        }
        self.trail.push((a, b, hash));
    }

    /// Flashes a node (cold start, error, throttle).
    pub fn flash(&mut self, name: &str, color: Color32, until_us: u64) {
        if let Some(ix) = self.graph.find(name)
            && let Some(f) = self.flash.get_mut(ix.index())
        {
            *f = Some((color, until_us));
        }
    }

    /// Drops dots and flashes that are over. Returns whether anything is still moving.
    pub fn expire(&mut self, now_us: u64) -> bool {
        self.dots.retain(|d| d.end_us > now_us);
        for f in &mut self.flash {
            if f.is_some_and(|(_, until)| until <= now_us) {
                *f = None;
            }
        }
        !self.dots.is_empty() || self.flash.iter().any(Option::is_some)
    }

    fn node_rect(&self, ix: usize) -> Rect {
        self.view.node_rect(self.pos[ix])
    }

    /// Draws the canvas and handles its input; returns what a click or gesture asks for. `selected` is the
    /// inspected node (run mode); `highlight` dims every dot of another trace.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        snap: &Snapshot,
        selected: Option<NodeIndex>,
        highlight: Option<u64>,
    ) -> Option<Action> {
        let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, true, "architecture canvas")
        });
        let painter = ui.painter_at(rect);
        let visuals = ui.visuals().clone();
        painter.rect_filled(rect, 0.0, visuals.extreme_bg_color);
        self.view.set_origin(rect.min);
        let window = ui.ctx().content_rect().size();
        if window != self.last_window {
            // A resized window fits the nodes again (not a panel opening: that changes only the canvas).
            if self.last_window != Vec2::ZERO && !self.view_touched {
                self.fit_pending = true;
            }
            self.last_window = window;
        }
        self.fit_if_pending(rect);
        if let Some(hover) = response.hover_pos() {
            let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = pinch * (scroll / 400.0).exp();
            if (factor - 1.0).abs() > 1e-4 {
                self.view.zoom_around(hover, factor);
                self.view_touched = true;
            }
        }
        let pointer = response.interact_pointer_pos().or(response.hover_pos());
        self.last_rect = rect;
        let edit_event = if self.edit.on {
            self.edit_gestures(ui, &response, pointer)
        } else {
            self.run_gestures(&response, pointer);
            None
        };
        let ink = Ink::new(&visuals, self.view.zoom());
        self.draw_edges(&painter, &ink, highlight);
        self.draw_nodes(&painter, &ink, rect, snap, selected);
        if !self.edit.on {
            self.draw_tour_marks(&painter, &ink);
        }
        if self.edit.on {
            self.draw_edit(&painter, &ink, response.hover_pos());
        }
        self.expose_nodes(ui, &response, rect, snap, selected);
        let hovered_dot =
            self.draw_dots(&painter, rect, snap.now_us, highlight, response.hover_pos());
        let legend_click = self.draw_legend(&painter, &ink, rect, &response, pointer);
        let click = self.click(
            ui,
            &response,
            pointer,
            hovered_dot,
            legend_click.map(CanvasClick::Trace),
        );
        if response.hovered()
            && response
                .hover_pos()
                .is_some_and(|p| self.node_at(p).is_some())
        {
            ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
        }
        edit_event.or(click).map(|c| c.into_action(self.edit.on))
    }

    fn fit_if_pending(&mut self, rect: Rect) {
        if self.fit_pending
            && rect.width() > 10.0
            && (!self.pos.is_empty() || !self.edit.ghosts.is_empty())
        {
            self.fit_pending = false;
            let centers = self.pos.iter().chain(self.edit.ghosts.iter().map(|g| &g.2));
            self.view.fit(centers, rect.size());
        }
    }

    /// The topmost node (or ghost) whose box holds a screen point.
    fn node_at(&self, p: Pos2) -> Option<usize> {
        (0..self.all_len())
            .rev()
            .find(|&i| self.any_rect(i).contains(p))
    }

    /// Run mode: drag a node to move it, drag the background to pan.
    fn run_gestures(&mut self, response: &egui::Response, pointer: Option<Pos2>) {
        if response.drag_started() {
            self.dragging = pointer.and_then(|p| self.node_at(p)).map(NodeIndex::new);
        }
        if response.dragged() {
            let d = response.drag_delta();
            match self.dragging {
                Some(ix) => self.pos[ix.index()] += self.view.to_world_delta(d),
                None => {
                    self.view.pan_by(d);
                    self.view_touched = true;
                }
            }
        }
        if response.drag_stopped() {
            self.dragging = None;
        }
    }

    /// What a click chose: a dot's trace (or the legend's), a node, or the background.
    fn click(
        &self,
        ui: &Ui,
        response: &egui::Response,
        pointer: Option<Pos2>,
        hovered_dot: Option<usize>,
        legend_click: Option<CanvasClick>,
    ) -> Option<CanvasClick> {
        if let Some(k) = hovered_dot {
            let d = &self.dots[k];
            let tip = format!(
                "{} {} to {}  t={:.3} s, arrives {:.3} s  trace {}",
                d.what,
                self.names[d.from.index()],
                self.names[d.to.index()],
                d.t_us as f64 / 1e6,
                d.arrive_us as f64 / 1e6,
                d.trace_id
            );
            let resp = response.clone().on_hover_text_at_pointer(tip);
            if resp.clicked() && legend_click.is_none() {
                return Some(CanvasClick::Trace(d.trace_id.clone()));
            }
            return legend_click;
        }
        if legend_click.is_some() || !response.clicked() {
            return legend_click;
        }
        let shift = ui.input(|i| i.modifiers.shift);
        Some(match pointer.and_then(|p| self.node_at(p)) {
            Some(i) if self.edit.on => CanvasClick::Named {
                name: self.any_name(i),
                shift,
            },
            Some(i) => CanvasClick::Node(NodeIndex::new(i)),
            None => CanvasClick::Background,
        })
    }

    /// One accessible widget per node on screen — its name, its role, whether it is selected, its type and live
    /// state — so screen readers (and UI tests) find nodes by label. The widgets only sense hover: clicks and
    /// drags stay with the canvas, which knows the gestures.
    fn expose_nodes(
        &self,
        ui: &Ui,
        response: &egui::Response,
        rect: Rect,
        snap: &Snapshot,
        selected: Option<NodeIndex>,
    ) {
        for i in 0..self.all_len() {
            let r = self.any_rect(i).intersect(rect);
            if !r.is_positive() {
                continue;
            }
            let key = self.any_name(i);
            let is_selected = selected.is_some_and(|s| s.index() == i)
                || (self.edit.on && self.edit.marked.contains(&key));
            let node = ui.interact(r, response.id.with(("node", &key)), Sense::hover());
            // Built only when an accessibility client (or a test) reads the tree.
            node.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Button, true, self.display_name(i))
            });
            ui.ctx().accesskit_node_builder(node.id, |builder| {
                builder.set_selected(is_selected);
                builder.set_description(self.describe(i, snap));
            });
        }
    }

    /// A node's name as drawn (traffic sources without their `traffic:` prefix).
    fn display_name(&self, i: usize) -> &str {
        match self.names.get(i) {
            Some(name) => name,
            None => &self.edit.ghosts[i - self.names.len()].0,
        }
    }

    /// A node's type and live state, as its subtitle says (broken resources: "not wired yet").
    fn describe(&self, i: usize, snap: &Snapshot) -> String {
        if i < self.pos.len() {
            self.subtitle(i, snap)
        } else {
            let (_, t, _) = &self.edit.ghosts[i - self.pos.len()];
            format!("{} · not wired yet", t.name())
        }
    }

    /// Edges: a line with an arrow head per wiring, labelled when zoomed in; the edges the highlighted trace
    /// travelled are drawn thick in its colour.
    fn draw_edges(&self, painter: &egui::Painter, ink: &Ink, highlight: Option<u64>) {
        let zoom = ink.zoom;
        let mut lit_edges: Vec<(NodeIndex, NodeIndex)> = Vec::new();
        if let Some(h) = highlight {
            for &(a, b, th) in self.trail.iter().rev().take(50_000) {
                if th == h && !lit_edges.contains(&(a, b)) {
                    lit_edges.push((a, b));
                }
            }
        }
        let edge_color = ink
            .visuals
            .widgets
            .noninteractive
            .fg_stroke
            .color
            .gamma_multiply(0.55);
        for (k, e) in self.graph.graph.edge_references().enumerate() {
            let (a, b) = (e.source(), e.target());
            let (p0, p1) = self.path(a, b);
            let stroke = if lit_edges.contains(&(a, b)) {
                Stroke::new(
                    2.5 * zoom.max(0.5),
                    style::trace_color(highlight.unwrap_or(0)),
                )
            } else {
                Stroke::new((1.4 * zoom).max(0.8), edge_color)
            };
            painter.line_segment([p0, p1], stroke);
            let dir = (p1 - p0).normalized();
            let head = 9.0 * zoom.max(0.5);
            let n = vec2(-dir.y, dir.x);
            painter.add(egui::Shape::convex_polygon(
                vec![
                    p1,
                    p1 - dir * head + n * head * 0.45,
                    p1 - dir * head - n * head * 0.45,
                ],
                stroke.color,
                Stroke::NONE,
            ));
            if zoom >= 0.45
                && let Some(label) = self.edge_labels.get(k).filter(|l| !l.is_empty())
            {
                edge_label(painter, ink, p0 + (p1 - p0) * 0.5, label);
            }
        }
    }

    /// The tour's highlights: a glow around each named node, and along each named edge (either direction).
    fn draw_tour_marks(&self, painter: &egui::Painter, ink: &Ink) {
        let index_of = |name: &str| self.names.iter().position(|n| n == name);
        let zoom = ink.zoom.max(0.5);
        // Wide and faint, then narrow and strong: a glow with a crisp edge.
        let glow = [
            (9.0, TOUR_HIGHLIGHT.gamma_multiply(0.25)),
            (3.0, TOUR_HIGHLIGHT),
        ];
        for mark in &self.tour_marks {
            match mark {
                Highlight::Node(name) => {
                    let Some(i) = index_of(name) else { continue };
                    let r = self.node_rect(i).expand(4.0 * zoom);
                    let radius = CornerRadius::same((9.0 * zoom).clamp(2.0, 16.0) as u8);
                    for (width, color) in glow {
                        painter.rect_stroke(
                            r,
                            radius,
                            Stroke::new(width * zoom, color),
                            StrokeKind::Middle,
                        );
                    }
                }
                Highlight::Edge(a, b) => {
                    let (Some(a), Some(b)) = (index_of(a), index_of(b)) else {
                        continue;
                    };
                    let (p0, p1) = self.path(NodeIndex::new(a), NodeIndex::new(b));
                    for (width, color) in glow {
                        painter.line_segment([p0, p1], Stroke::new(width * zoom, color));
                    }
                }
            }
        }
    }

    /// Node boxes: type stripe, icon, name and live state, flashes, the selection, queue depth bars.
    fn draw_nodes(
        &mut self,
        painter: &egui::Painter,
        ink: &Ink,
        rect: Rect,
        snap: &Snapshot,
        selected: Option<NodeIndex>,
    ) {
        let zoom = ink.zoom;
        let visuals = &ink.visuals;
        for i in 0..self.pos.len() {
            let r = self.node_rect(i);
            if !rect.intersects(r) {
                continue;
            }
            let kind = self.kinds[i];
            let color = style::type_color(kind);
            let radius = CornerRadius::same((6.0 * zoom).clamp(1.0, 12.0) as u8);
            painter.rect_filled(r, radius, visuals.panel_fill);
            let stripe = Rect::from_min_max(r.min, pos2(r.min.x + 5.0 * zoom, r.max.y));
            painter.rect_filled(
                stripe,
                CornerRadius {
                    nw: radius.nw,
                    sw: radius.sw,
                    ne: 0,
                    se: 0,
                },
                color,
            );
            let mut border = Stroke::new(1.0, color.gamma_multiply(0.6));
            if let Some(Some((fc, until))) = self.flash.get(i)
                && *until > snap.now_us
            {
                painter.rect_filled(r, radius, fc.gamma_multiply(0.25));
                border = Stroke::new(3.0 * zoom.max(0.6), *fc);
            }
            if selected.is_some_and(|s| s.index() == i)
                || (self.edit.on && self.edit.marked.contains(&self.layout_key(i)))
            {
                border = Stroke::new(2.5 * zoom.max(0.6), visuals.selection.stroke.color);
            }
            painter.rect_stroke(r, radius, border, StrokeKind::Inside);
            let icon = Rect::from_center_size(
                pos2(r.min.x + 27.0 * zoom, r.center().y),
                Vec2::splat(30.0 * zoom),
            );
            style::draw_icon(painter, icon, kind, color);
            if zoom >= 0.3 {
                self.node_text(painter, ink, i, r, rect, snap);
            }
            self.queue_bar(painter, i, r, snap);
            super::gauge::draw(painter, &self.graph.graph[NodeIndex::new(i)], r, zoom, snap);
        }
    }

    /// A node's name and subtitle, clipped to its box.
    fn node_text(
        &self,
        painter: &egui::Painter,
        ink: &Ink,
        i: usize,
        r: Rect,
        rect: Rect,
        snap: &Snapshot,
    ) {
        let zoom = ink.zoom;
        let tx = r.min.x + 48.0 * zoom;
        let name_galley = painter.layout_no_wrap(self.names[i].clone(), ink.font.clone(), ink.text);
        let max_w = r.max.x - tx - 4.0;
        let clipped = painter.with_clip_rect(
            Rect::from_min_max(pos2(tx, r.min.y), pos2(tx + max_w, r.max.y)).intersect(rect),
        );
        clipped.galley(pos2(tx, r.min.y + 8.0 * zoom), name_galley, ink.text);
        clipped.text(
            pos2(tx, r.max.y - 8.0 * zoom),
            Align2::LEFT_BOTTOM,
            self.subtitle(i, snap),
            ink.small.clone(),
            ink.weak,
        );
    }

    /// Dots in flight, aggregated into one counted pulse per edge when dense. Returns the dot under the pointer.
    fn draw_dots(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        now: u64,
        highlight: Option<u64>,
        hover: Option<Pos2>,
    ) -> Option<usize> {
        let mut per_edge: HashMap<(NodeIndex, NodeIndex), (usize, u64)> = HashMap::new();
        for d in &self.dots {
            if d.t_us <= now {
                let e = per_edge.entry((d.from, d.to)).or_insert((0, d.trace_hash));
                e.0 += 1;
            }
        }
        let radius = (5.0 * self.view.zoom()).clamp(2.5, 8.0);
        let mut hovered: Option<(f32, usize)> = None;
        for (k, d) in self.dots.iter().enumerate() {
            if d.t_us > now
                || per_edge
                    .get(&(d.from, d.to))
                    .is_some_and(|(n, _)| *n > AGGREGATE_ABOVE)
            {
                continue;
            }
            let (p0, p1) = self.path(d.from, d.to);
            let span = (d.end_us - d.t_us).max(1) as f64;
            let f = ((now - d.t_us) as f64 / span).clamp(0.0, 1.0) as f32;
            let p = p0 + (p1 - p0) * f;
            if !rect.contains(p) {
                continue;
            }
            let mut c = style::trace_color(d.trace_hash);
            if highlight.is_some_and(|h| h != d.trace_hash) {
                c = c.gamma_multiply(0.2);
            }
            painter.circle_filled(p, radius, c);
            if let Some(h) = hover {
                let dist = h.distance(p);
                if dist < radius + 4.0 && hovered.is_none_or(|(best, _)| dist < best) {
                    hovered = Some((dist, k));
                }
            }
        }
        for ((a, b), (n, hash)) in &per_edge {
            if *n <= AGGREGATE_ABOVE {
                continue;
            }
            let (p0, p1) = self.path(*a, *b);
            let phase = ((now / 1000) % 1000) as f32 / 1000.0;
            let p = p0 + (p1 - p0) * (0.2 + 0.6 * phase);
            let c = style::trace_color(*hash);
            painter.circle_filled(p, radius * 2.2, c.gamma_multiply(0.85));
            painter.text(
                p,
                Align2::CENTER_CENTER,
                n.to_string(),
                FontId::proportional(radius * 1.6),
                Color32::WHITE,
            );
        }
        hovered.map(|(_, k)| k)
    }

    /// The legend of recent traces, bottom left. Returns the trace whose entry was clicked.
    fn draw_legend(
        &self,
        painter: &egui::Painter,
        ink: &Ink,
        rect: Rect,
        response: &egui::Response,
        pointer: Option<Pos2>,
    ) -> Option<Arc<str>> {
        if self.recent_traces.is_empty() {
            return None;
        }
        let mut clicked = None;
        let mut y = rect.max.y - 10.0;
        for (t, h) in self.recent_traces.iter().rev() {
            let r = Rect::from_min_size(pos2(rect.min.x + 10.0, y - 16.0), vec2(230.0, 16.0));
            painter.circle_filled(
                pos2(r.min.x + 6.0, r.center().y),
                5.0,
                style::trace_color(*h),
            );
            let short: String = t.chars().take(30).collect();
            painter.text(
                pos2(r.min.x + 16.0, r.center().y),
                Align2::LEFT_CENTER,
                short,
                FontId::monospace(11.0),
                ink.weak,
            );
            if response.clicked() && pointer.is_some_and(|p| r.contains(p)) {
                clicked = Some(t.clone());
            }
            y -= 17.0;
        }
        painter.text(
            pos2(rect.min.x + 10.0, y - 8.0),
            Align2::LEFT_CENTER,
            "recent traces",
            FontId::proportional(11.0),
            ink.weak,
        );
        clicked
    }

    /// Edit-mode gestures: drag a node (with the rest of the selection), drag from a node's handle (or Alt+drag)
    /// to wire, Shift+drag on the background for a rubber band, plain background drag to pan, palette drops.
    fn edit_gestures(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        pointer: Option<Pos2>,
    ) -> Option<CanvasClick> {
        // A node, or the wiring handle that sticks out of its right edge.
        let node_at = |this: &Canvas, p: Pos2| -> Option<usize> {
            (0..this.all_len()).rev().find(|&i| {
                this.any_rect(i).expand(HANDLE_RADIUS * 1.5).contains(p)
                    && (this.any_rect(i).contains(p)
                        || this.handle_pos(i).distance(p) <= HANDLE_RADIUS * 2.0)
            })
        };
        let (shift, alt) = ui.input(|i| (i.modifiers.shift, i.modifiers.alt));
        if let Some(t) = response.dnd_release_payload::<ResourceType>()
            && let Some(p) = response.hover_pos().or(pointer)
        {
            return Some(CanvasClick::Drop(*t, self.view.to_world(p)));
        }
        if response.drag_started() {
            let press = ui.input(|i| i.pointer.press_origin()).or(pointer);
            if let Some(p) = press {
                match node_at(self, p) {
                    Some(i) if alt || self.handle_pos(i).distance(p) <= HANDLE_RADIUS * 2.0 => {
                        self.edit.wiring = Some((i, p));
                    }
                    Some(i) => {
                        let name = self.any_name(i).to_string();
                        if !self.edit.marked.contains(&name) {
                            self.edit.marked = vec![name];
                        }
                        self.edit.moving = Some(i);
                    }
                    None if shift => self.edit.band = Some((p, p)),
                    None => {}
                }
            }
        }
        if response.dragged() {
            let d = response.drag_delta();
            if let Some((_, p)) = &mut self.edit.wiring {
                *p = pointer.unwrap_or(*p);
            } else if let Some((_, b)) = &mut self.edit.band {
                *b = pointer.unwrap_or(*b);
            } else if self.edit.moving.is_some() {
                let marked = self.edit.marked.clone();
                let world_delta = self.view.to_world_delta(d);
                for i in 0..self.all_len() {
                    if marked.contains(&self.any_name(i)) {
                        *self.any_pos_mut(i) += world_delta;
                    }
                }
            } else {
                self.view.pan_by(d);
                self.view_touched = true;
            }
        }
        if response.drag_stopped() {
            if let Some((from, _)) = self.edit.wiring.take() {
                let to = pointer.and_then(|p| node_at(self, p));
                if let Some(to) = to {
                    return Some(CanvasClick::Wire {
                        from: self.any_name(from).to_string(),
                        to: self.any_name(to).to_string(),
                    });
                }
            } else if let Some((a, b)) = self.edit.band.take() {
                let band = Rect::from_two_pos(a, b);
                let names = (0..self.all_len())
                    .filter(|&i| band.intersects(self.any_rect(i)))
                    .map(|i| self.any_name(i).to_string())
                    .collect();
                return Some(CanvasClick::Band(names));
            } else if self.edit.moving.take().is_some() {
                return Some(CanvasClick::Moved);
            }
        }
        None
    }

    /// Edit-mode drawing: broken resources, problem badges, wiring handles, the wire and band being dragged.
    fn draw_edit(&self, painter: &egui::Painter, ink: &Ink, hover: Option<Pos2>) {
        self.draw_ghosts(painter, ink);
        let visuals = &ink.visuals;
        let err = visuals.error_fg_color;
        for i in 0..self.all_len() {
            let r = self.any_rect(i);
            let name = self.any_name(i);
            if self.edit.badges.contains_key(&name) {
                let c = pos2(r.max.x - 2.0, r.min.y + 2.0);
                let rad = (8.0 * ink.zoom).clamp(5.0, 10.0);
                painter.circle_filled(c, rad, err);
                painter.text(
                    c,
                    Align2::CENTER_CENTER,
                    "!",
                    FontId::proportional(rad * 1.5),
                    Color32::WHITE,
                );
            }
            // The wiring handle shows on hovered and selected nodes (traffic sources are not wired by drag).
            let hovered = hover.is_some_and(|p| r.expand(HANDLE_RADIUS * 2.0).contains(p));
            let wiring_from = self.edit.wiring.is_some_and(|(f, _)| f == i);
            if !name.starts_with("traffic:")
                && (hovered || wiring_from || self.edit.marked.contains(&name))
            {
                let h = self.handle_pos(i);
                painter.circle(
                    h,
                    HANDLE_RADIUS * ink.zoom.clamp(0.6, 1.4),
                    visuals.panel_fill,
                    Stroke::new(1.5, visuals.selection.stroke.color),
                );
            }
        }
        if let Some((from, p)) = self.edit.wiring {
            let a = self.handle_pos(from);
            painter.line_segment([a, p], Stroke::new(2.0, visuals.selection.stroke.color));
            painter.circle_filled(p, 4.0, visuals.selection.stroke.color);
        }
        if let Some((a, b)) = self.edit.band {
            let r = Rect::from_two_pos(a, b);
            painter.rect_filled(r, 0.0, visuals.selection.bg_fill.gamma_multiply(0.25));
            painter.rect_stroke(
                r,
                0.0,
                Stroke::new(1.0, visuals.selection.stroke.color),
                StrokeKind::Inside,
            );
        }
    }

    /// Resources that do not validate yet, drawn apart with their type and "not wired yet".
    fn draw_ghosts(&self, painter: &egui::Painter, ink: &Ink) {
        let visuals = &ink.visuals;
        let err = visuals.error_fg_color;
        let zoom = ink.zoom;
        for (k, (name, t, _)) in self.edit.ghosts.iter().enumerate() {
            let i = self.pos.len() + k;
            let r = self.any_rect(i);
            let kind = NodeKind::Resource(*t);
            let radius = CornerRadius::same((6.0 * zoom).clamp(1.0, 12.0) as u8);
            painter.rect_filled(r, radius, visuals.panel_fill.gamma_multiply(0.8));
            let selected = self.edit.marked.iter().any(|m| m == name);
            let stroke = if selected {
                Stroke::new(2.5 * zoom.max(0.6), visuals.selection.stroke.color)
            } else {
                Stroke::new(1.5, err)
            };
            painter.rect_stroke(r, radius, stroke, StrokeKind::Inside);
            let icon = Rect::from_center_size(
                pos2(r.min.x + 27.0 * zoom, r.center().y),
                Vec2::splat(30.0 * zoom),
            );
            style::draw_icon(
                painter,
                icon,
                kind,
                style::type_color(kind).gamma_multiply(0.6),
            );
            if zoom >= 0.3 {
                let tx = r.min.x + 48.0 * zoom;
                painter.text(
                    pos2(tx, r.min.y + 8.0 * zoom),
                    Align2::LEFT_TOP,
                    name,
                    ink.font.clone(),
                    visuals.text_color(),
                );
                painter.text(
                    pos2(tx, r.max.y - 8.0 * zoom),
                    Align2::LEFT_BOTTOM,
                    format!("{} · not wired yet", t.name()),
                    ink.small.clone(),
                    err,
                );
            }
        }
    }

    /// Where an edge from `a` to `b` leaves and enters the node boxes, on screen.
    fn path(&self, a: NodeIndex, b: NodeIndex) -> (Pos2, Pos2) {
        let ra = self.node_rect(a.index());
        let rb = self.node_rect(b.index());
        (
            style::border_point(ra, rb.center()),
            style::border_point(rb, ra.center()),
        )
    }

    /// A queue's depth as a stacked bar under its node: ready (blue), in flight (orange), delayed (grey). The
    /// scale grows with the deepest the queue has been in this run, so a draining backlog visibly shrinks.
    fn queue_bar(&mut self, painter: &egui::Painter, i: usize, r: Rect, snap: &Snapshot) {
        let GraphNode::Resource {
            id, resource_type, ..
        } = &self.graph.graph[NodeIndex::new(i)]
        else {
            return;
        };
        if *resource_type != ResourceType::Queue {
            return;
        }
        let Some(l) = snap.live.get(id.index()) else {
            return;
        };
        let parts = [
            (l.visible, style::QUEUE_VISIBLE),
            (l.in_flight, style::QUEUE_IN_FLIGHT),
            (l.delayed, style::QUEUE_DELAYED),
        ];
        let depth: u32 = parts.iter().map(|(n, _)| *n).sum();
        let peak = self.queue_peak.entry(i).or_insert(0);
        *peak = (*peak).max(depth).max(10);
        let scale = *peak as f32;
        let zoom = self.view.zoom();
        let h = (5.0 * zoom).max(2.0);
        let bar = Rect::from_min_max(
            pos2(r.min.x + 6.0 * zoom, r.max.y + 2.0),
            pos2(r.max.x, r.max.y + 2.0 + h),
        );
        painter.rect_filled(bar, 1.0, Color32::from_gray(60).gamma_multiply(0.5));
        let mut x = bar.min.x;
        for (n, color) in parts {
            let w = bar.width() * n as f32 / scale;
            if w > 0.0 {
                painter.rect_filled(
                    Rect::from_min_max(pos2(x, bar.min.y), pos2(x + w, bar.max.y)),
                    1.0,
                    color,
                );
                x += w;
            }
        }
    }

    /// Second line of a node: its type and the live state that is not zero.
    fn subtitle(&self, i: usize, snap: &Snapshot) -> String {
        let mut s = String::from(match self.kinds[i] {
            NodeKind::Traffic => "traffic",
            NodeKind::Resource(t) => t.name(),
        });
        if let GraphNode::Resource { id, .. } = &self.graph.graph[NodeIndex::new(i)]
            && let Some(l) = snap.live.get(id.index())
        {
            let live = [
                (l.busy, "busy"),
                (l.warm, "warm"),
                (l.visible, "ready"),
                (l.in_flight, "in flight"),
                (l.delayed, "delayed"),
                (l.objects, "objects"),
                (l.items, "items"),
            ];
            for (n, what) in live {
                if n > 0 {
                    s.push_str(&format!(" · {n} {what}"));
                }
            }
        }
        s
    }
}

/// Colours and fonts of one frame of the canvas, at its zoom.
struct Ink {
    visuals: egui::Visuals,
    zoom: f32,
    text: Color32,
    weak: Color32,
    font: FontId,
    small: FontId,
}

impl Ink {
    fn new(visuals: &egui::Visuals, zoom: f32) -> Ink {
        Ink {
            visuals: visuals.clone(),
            zoom,
            text: visuals.text_color(),
            weak: visuals.weak_text_color(),
            font: FontId::proportional((13.0 * zoom).clamp(6.0, 22.0)),
            small: FontId::proportional((10.5 * zoom).clamp(5.0, 18.0)),
        }
    }
}

/// An edge's label above its middle, cut to 40 characters, on a translucent plate.
fn edge_label(painter: &egui::Painter, ink: &Ink, mid: Pos2, label: &str) {
    let short: String = if label.chars().count() > 40 {
        label.chars().take(38).chain("…".chars()).collect()
    } else {
        label.to_string()
    };
    let galley = painter.layout_no_wrap(short, ink.small.clone(), ink.weak);
    let r = Align2::CENTER_BOTTOM
        .anchor_size(mid - vec2(0.0, 2.0), galley.size())
        .expand(2.0);
    painter.rect_filled(r, 3.0, ink.visuals.extreme_bg_color.gamma_multiply(0.85));
    painter.galley(r.min + vec2(2.0, 2.0), galley, ink.weak);
}

impl CanvasClick {
    /// What the click asks of the app: in run mode it chooses what the inspector shows; in edit mode it changes
    /// the selection, wires, moves or adds.
    fn into_action(self, editing: bool) -> Action {
        match self {
            CanvasClick::Node(n) => Action::Select(Selection::Node(n)),
            CanvasClick::Trace(t) => Action::Select(Selection::Trace(t)),
            CanvasClick::Background if editing => Action::SelectNames(Vec::new()),
            CanvasClick::Background => Action::Select(Selection::None),
            CanvasClick::Named { name, shift: true } => Action::ToggleName(name),
            CanvasClick::Named { name, shift: false } => Action::SelectNames(vec![name]),
            CanvasClick::Band(names) => Action::SelectNames(names),
            CanvasClick::Moved => Action::LayoutMoved,
            CanvasClick::Wire { from, to } => Action::WireRequest { from, to },
            CanvasClick::Drop(t, at) => Action::AddResource(t, Some(at)),
        }
    }
}
