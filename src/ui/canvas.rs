//! The architecture canvas: nodes, labelled edges and moving dots, drawn with egui's painter.
//!
//! World coordinates are the layout's; the view maps them to the screen with `pan` and `zoom`. Nodes are placed
//! by the scenario's `layout` when it has one, else by [`super::layout::layered`]. Dots are transits: a dot moves
//! from `from` to `to` between `t_us` and `end_us` of virtual time, where `end_us` stretches very short hops to a
//! minimum on-screen duration (hops last milliseconds; an eye needs a few hundred). When an edge carries more than
//! [`AGGREGATE_ABOVE`] dots at once they are drawn as one pulse with a count.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2,
    pos2, vec2,
};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::style::{self, NodeKind};
use crate::runner::Snapshot;
use crate::scenario::{ArchGraph, GraphNode, Scenario};

/// World size of a node box.
pub const NODE_SIZE: Vec2 = vec2(170.0, 54.0);
/// More dots than this on one edge are drawn as a single pulse with a count.
pub const AGGREGATE_ABOVE: usize = 24;
/// Most dots kept at once (the oldest go first).
pub const MAX_DOTS: usize = 50_000;
/// Shortest time a dot or a flash stays on screen, in wall seconds (converted with the current speed).
pub const MIN_VISIBLE_WALL_S: f64 = 0.45;

/// A transit on its way.
#[derive(Debug, Clone)]
pub struct Dot {
    pub from: NodeIndex,
    pub to: NodeIndex,
    pub t_us: u64,
    pub end_us: u64,
    pub arrive_us: u64,
    pub trace_hash: u64,
    pub trace_id: Arc<str>,
    pub what: &'static str,
}

/// What a click on the canvas chose.
#[derive(Debug, Clone, PartialEq)]
pub enum CanvasClick {
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
    Drop(crate::scenario::ResourceType, Pos2),
}

/// Edit mode's extras on the canvas: resources that do not validate yet (drawn apart, with a badge), problem
/// badges, the multi-selection, and the gestures in progress.
#[derive(Debug, Default)]
pub struct EditDeco {
    pub on: bool,
    /// Broken resources (left out of the graph): name, type, world position.
    pub ghosts: Vec<(String, crate::scenario::ResourceType, Pos2)>,
    /// Node name → first problem message.
    pub badges: HashMap<String, String>,
    /// Selected node names.
    pub marked: Vec<String>,
    wiring: Option<(usize, Pos2)>,
    band: Option<(Pos2, Pos2)>,
    moving: Option<usize>,
}

/// Radius of the wiring handle on a node's right edge, in screen points at zoom 1.
pub const HANDLE_RADIUS: f32 = 6.0;

/// Canvas state of one opened scenario.
pub struct Canvas {
    pub graph: ArchGraph,
    pub kinds: Vec<NodeKind>,
    pub names: Vec<String>,
    pub pos: Vec<Pos2>,
    edge_labels: Vec<String>,
    pub pan: Vec2,
    pub zoom: f32,
    fit_pending: bool,
    dragging: Option<NodeIndex>,
    pub dots: Vec<Dot>,
    /// Per node: flash colour and the virtual time it ends.
    flash: Vec<Option<(Color32, u64)>>,
    /// Per queue node: the deepest it has been this run (the scale of its depth bar).
    queue_peak: HashMap<usize, u32>,
    /// Recent distinct traces for the legend, newest last.
    pub recent_traces: Vec<(Arc<str>, u64)>,
    /// Edges (from, to) each recent trace travelled, for highlighting; bounded.
    trail: Vec<(NodeIndex, NodeIndex, u64)>,
    /// Edit mode's extras.
    pub edit: EditDeco,
    /// The screen rectangle of the last frame (to place new nodes in view).
    pub last_rect: Rect,
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
            pan: Vec2::ZERO,
            zoom: 1.0,
            fit_pending: true,
            dragging: None,
            dots: Vec::new(),
            flash: vec![None; n],
            queue_peak: HashMap::new(),
            recent_traces: Vec::new(),
            trail: Vec::new(),
            edit: EditDeco::default(),
            last_rect: Rect::NOTHING,
        }
    }

    /// The layout key of node `i`: the resource id, or `traffic:NAME`.
    pub fn layout_key(&self, i: usize) -> String {
        match self.kinds.get(i) {
            Some(NodeKind::Traffic) => format!("traffic:{}", self.names[i]),
            _ => self.names.get(i).cloned().unwrap_or_default(),
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
        self.pan = prev.pan;
        self.zoom = prev.zoom;
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
            ((self.last_rect.size() / 2.0 - self.pan) / self.zoom).to_pos2()
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
            self.last_rect.size() / self.zoom
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
        Some(self.any_rect(i, self.last_rect.min))
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

    fn any_rect(&self, i: usize, origin: Pos2) -> Rect {
        let c = origin + self.pan + self.any_pos(i).to_vec2() * self.zoom;
        Rect::from_center_size(c, NODE_SIZE * self.zoom)
    }

    fn handle_pos(&self, i: usize, origin: Pos2) -> Pos2 {
        self.any_rect(i, origin).right_center()
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

    fn node_rect(&self, ix: usize, origin: Pos2) -> Rect {
        let c = origin + self.pan + self.pos[ix].to_vec2() * self.zoom;
        Rect::from_center_size(c, NODE_SIZE * self.zoom)
    }

    /// Draws the canvas and handles its input. `highlight` dims every dot of another trace.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        snap: &Snapshot,
        sc: &Scenario,
        selected: Option<NodeIndex>,
        highlight: Option<u64>,
    ) -> Option<CanvasClick> {
        let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        let visuals = ui.visuals().clone();
        painter.rect_filled(rect, 0.0, visuals.extreme_bg_color);
        let origin = rect.min;
        if self.fit_pending
            && rect.width() > 10.0
            && (!self.pos.is_empty() || !self.edit.ghosts.is_empty())
        {
            self.fit_pending = false;
            let mut bb = Rect::NOTHING;
            for p in self.pos.iter().chain(self.edit.ghosts.iter().map(|g| &g.2)) {
                bb = bb.union(Rect::from_center_size(*p, NODE_SIZE));
            }
            let bb = bb.expand(40.0);
            self.zoom = (rect.width() / bb.width())
                .min(rect.height() / bb.height())
                .clamp(0.15, 1.4);
            self.pan = rect.size() / 2.0 - bb.center().to_vec2() * self.zoom;
        }
        let mut click = None;

        // Zoom around the pointer with the wheel (or pinch), pan by dragging the background.
        if let Some(hover) = response.hover_pos() {
            let (scroll, pinch) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
            let factor = pinch * (scroll / 400.0).exp();
            if (factor - 1.0).abs() > 1e-4 {
                let new_zoom = (self.zoom * factor).clamp(0.1, 4.0);
                let world = (hover - origin - self.pan) / self.zoom;
                self.pan = hover - origin - world * new_zoom;
                self.zoom = new_zoom;
            }
        }
        let pointer = response.interact_pointer_pos().or(response.hover_pos());
        let node_at = |this: &Canvas, p: Pos2| -> Option<usize> {
            (0..this.all_len())
                .rev()
                .find(|&i| this.any_rect(i, origin).contains(p))
        };
        self.last_rect = rect;
        let mut edit_event = None;
        if self.edit.on {
            edit_event = self.edit_gestures(ui, &response, pointer, origin);
        } else {
            if response.drag_started() {
                self.dragging = pointer.and_then(|p| node_at(self, p)).map(NodeIndex::new);
            }
            if response.dragged() {
                let d = response.drag_delta();
                match self.dragging {
                    Some(ix) => self.pos[ix.index()] += d / self.zoom,
                    None => self.pan += d,
                }
            }
            if response.drag_stopped() {
                self.dragging = None;
            }
        }

        let text = visuals.text_color();
        let weak = visuals.weak_text_color();
        let show_labels = self.zoom >= 0.45;
        let font = FontId::proportional((13.0 * self.zoom).clamp(6.0, 22.0));
        let small = FontId::proportional((10.5 * self.zoom).clamp(5.0, 18.0));

        // Edges.
        let mut hl_edges: Vec<(NodeIndex, NodeIndex)> = Vec::new();
        if let Some(h) = highlight {
            for &(a, b, th) in self.trail.iter().rev().take(50_000) {
                if th == h && !hl_edges.contains(&(a, b)) {
                    hl_edges.push((a, b));
                }
            }
        }
        let edge_color = visuals
            .widgets
            .noninteractive
            .fg_stroke
            .color
            .gamma_multiply(0.55);
        for (k, e) in self.graph.graph.edge_references().enumerate() {
            let (a, b) = (e.source(), e.target());
            let ra = self.node_rect(a.index(), origin);
            let rb = self.node_rect(b.index(), origin);
            let p0 = style::border_point(ra, rb.center());
            let p1 = style::border_point(rb, ra.center());
            let lit = hl_edges.contains(&(a, b));
            let stroke = if lit {
                Stroke::new(
                    2.5 * self.zoom.max(0.5),
                    style::trace_color(highlight.unwrap_or(0)),
                )
            } else {
                Stroke::new((1.4 * self.zoom).max(0.8), edge_color)
            };
            painter.line_segment([p0, p1], stroke);
            let dir = (p1 - p0).normalized();
            let head = 9.0 * self.zoom.max(0.5);
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
            if show_labels && let Some(label) = self.edge_labels.get(k).filter(|l| !l.is_empty()) {
                let mid = p0 + (p1 - p0) * 0.5;
                let short: String = if label.chars().count() > 40 {
                    label.chars().take(38).chain("…".chars()).collect()
                } else {
                    label.clone()
                };
                let galley = painter.layout_no_wrap(short, small.clone(), weak);
                let r = Align2::CENTER_BOTTOM
                    .anchor_size(mid - vec2(0.0, 2.0), galley.size())
                    .expand(2.0);
                painter.rect_filled(r, 3.0, visuals.extreme_bg_color.gamma_multiply(0.85));
                painter.galley(r.min + vec2(2.0, 2.0), galley, weak);
            }
        }

        // Nodes.
        let now = snap.now_us;
        for i in 0..self.pos.len() {
            let r = self.node_rect(i, origin);
            if !rect.intersects(r) {
                continue;
            }
            let kind = self.kinds[i];
            let color = style::type_color(kind);
            let fill = visuals.panel_fill;
            let radius = CornerRadius::same((6.0 * self.zoom).clamp(1.0, 12.0) as u8);
            painter.rect_filled(r, radius, fill);
            let stripe = Rect::from_min_max(r.min, pos2(r.min.x + 5.0 * self.zoom, r.max.y));
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
                && *until > now
            {
                painter.rect_filled(r, radius, fc.gamma_multiply(0.25));
                border = Stroke::new(3.0 * self.zoom.max(0.6), *fc);
            }
            if selected.is_some_and(|s| s.index() == i)
                || (self.edit.on && self.edit.marked.contains(&self.layout_key(i)))
            {
                border = Stroke::new(2.5 * self.zoom.max(0.6), visuals.selection.stroke.color);
            }
            painter.rect_stroke(r, radius, border, StrokeKind::Inside);
            let icon = Rect::from_center_size(
                pos2(r.min.x + 27.0 * self.zoom, r.center().y),
                Vec2::splat(30.0 * self.zoom),
            );
            style::draw_icon(&painter, icon, kind, color);
            if self.zoom >= 0.3 {
                let tx = r.min.x + 48.0 * self.zoom;
                let name = &self.names[i];
                let name_galley = painter.layout_no_wrap(name.clone(), font.clone(), text);
                let max_w = r.max.x - tx - 4.0;
                let clipped = painter.with_clip_rect(
                    Rect::from_min_max(pos2(tx, r.min.y), pos2(tx + max_w, r.max.y))
                        .intersect(rect),
                );
                clipped.galley(pos2(tx, r.min.y + 8.0 * self.zoom), name_galley, text);
                let sub = self.subtitle(i, snap, sc);
                clipped.text(
                    pos2(tx, r.max.y - 8.0 * self.zoom),
                    Align2::LEFT_BOTTOM,
                    sub,
                    small.clone(),
                    weak,
                );
            }
            self.queue_bar(&painter, i, r, snap);
        }
        if self.edit.on {
            self.draw_edit(
                &painter,
                origin,
                &visuals,
                &font,
                &small,
                response.hover_pos(),
            );
        }

        // Dots, aggregated per edge when dense.
        let mut per_edge: HashMap<(NodeIndex, NodeIndex), (usize, u64)> = HashMap::new();
        for d in &self.dots {
            if d.t_us <= now {
                let e = per_edge.entry((d.from, d.to)).or_insert((0, d.trace_hash));
                e.0 += 1;
            }
        }
        let radius = (5.0 * self.zoom).clamp(2.5, 8.0);
        let mut hovered: Option<(f32, usize)> = None;
        let hover = response.hover_pos();
        for (k, d) in self.dots.iter().enumerate() {
            if d.t_us > now {
                continue;
            }
            if per_edge
                .get(&(d.from, d.to))
                .is_some_and(|(n, _)| *n > AGGREGATE_ABOVE)
            {
                continue;
            }
            let (p0, p1) = self.path(d.from, d.to, origin);
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
            let (p0, p1) = self.path(*a, *b, origin);
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

        // Legend of recent traces.
        if !self.recent_traces.is_empty() {
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
                    weak,
                );
                if response.clicked() && pointer.is_some_and(|p| r.contains(p)) {
                    click = Some(CanvasClick::Trace(t.clone()));
                }
                y -= 17.0;
            }
            painter.text(
                pos2(rect.min.x + 10.0, y - 8.0),
                Align2::LEFT_CENTER,
                "recent traces",
                FontId::proportional(11.0),
                weak,
            );
        }

        if let Some((_, k)) = hovered {
            let d = &self.dots[k];
            let tip = format!(
                "{} {} → {}  t={:.3} s, arrives {:.3} s  trace {}",
                d.what,
                self.names[d.from.index()],
                self.names[d.to.index()],
                d.t_us as f64 / 1e6,
                d.arrive_us as f64 / 1e6,
                d.trace_id
            );
            let trace = d.trace_id.clone();
            let resp = response.clone().on_hover_text_at_pointer(tip);
            if resp.clicked() && click.is_none() {
                click = Some(CanvasClick::Trace(trace));
            }
        } else if response.clicked() && click.is_none() {
            let shift = ui.input(|i| i.modifiers.shift);
            click = Some(match pointer.and_then(|p| node_at(self, p)) {
                Some(i) if self.edit.on => CanvasClick::Named {
                    name: self.any_name(i).to_string(),
                    shift,
                },
                Some(i) => CanvasClick::Node(NodeIndex::new(i)),
                None => CanvasClick::Background,
            });
        }
        if let Some(e) = edit_event {
            click = Some(e);
        }
        if response.hovered()
            && let Some(i) = hover.and_then(|p| node_at(self, p))
        {
            ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
            let _ = i;
        }
        click
    }

    /// Edit-mode gestures: drag a node (with the rest of the selection), drag from a node's handle (or Alt+drag)
    /// to wire, Shift+drag on the background for a rubber band, plain background drag to pan, palette drops.
    fn edit_gestures(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        pointer: Option<Pos2>,
        origin: Pos2,
    ) -> Option<CanvasClick> {
        let node_at = |this: &Canvas, p: Pos2| -> Option<usize> {
            (0..this.all_len()).rev().find(|&i| {
                this.any_rect(i, origin)
                    .expand(HANDLE_RADIUS * 1.5)
                    .contains(p)
                    && (this.any_rect(i, origin).contains(p)
                        || this.handle_pos(i, origin).distance(p) <= HANDLE_RADIUS * 2.0)
            })
        };
        let (shift, alt) = ui.input(|i| (i.modifiers.shift, i.modifiers.alt));
        if let Some(t) = response.dnd_release_payload::<crate::scenario::ResourceType>()
            && let Some(p) = response.hover_pos().or(pointer)
        {
            let world = ((p - origin - self.pan) / self.zoom).to_pos2();
            return Some(CanvasClick::Drop(*t, world));
        }
        if response.drag_started() {
            let press = ui.input(|i| i.pointer.press_origin()).or(pointer);
            if let Some(p) = press {
                match node_at(self, p) {
                    Some(i)
                        if alt || self.handle_pos(i, origin).distance(p) <= HANDLE_RADIUS * 2.0 =>
                    {
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
                for i in 0..self.all_len() {
                    if marked.contains(&self.any_name(i)) {
                        let z = self.zoom;
                        *self.any_pos_mut(i) += d / z;
                    }
                }
            } else {
                self.pan += d;
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
                    .filter(|&i| band.intersects(self.any_rect(i, origin)))
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
    fn draw_edit(
        &self,
        painter: &egui::Painter,
        origin: Pos2,
        visuals: &egui::Visuals,
        font: &FontId,
        small: &FontId,
        hover: Option<Pos2>,
    ) {
        let err = visuals.error_fg_color;
        for (k, (name, t, _)) in self.edit.ghosts.iter().enumerate() {
            let i = self.pos.len() + k;
            let r = self.any_rect(i, origin);
            let kind = NodeKind::Resource(*t);
            let radius = CornerRadius::same((6.0 * self.zoom).clamp(1.0, 12.0) as u8);
            painter.rect_filled(r, radius, visuals.panel_fill.gamma_multiply(0.8));
            let selected = self.edit.marked.iter().any(|m| m == name);
            let stroke = if selected {
                Stroke::new(2.5 * self.zoom.max(0.6), visuals.selection.stroke.color)
            } else {
                Stroke::new(1.5, err)
            };
            painter.rect_stroke(r, radius, stroke, StrokeKind::Inside);
            let icon = Rect::from_center_size(
                pos2(r.min.x + 27.0 * self.zoom, r.center().y),
                Vec2::splat(30.0 * self.zoom),
            );
            style::draw_icon(
                painter,
                icon,
                kind,
                style::type_color(kind).gamma_multiply(0.6),
            );
            if self.zoom >= 0.3 {
                let tx = r.min.x + 48.0 * self.zoom;
                painter.text(
                    pos2(tx, r.min.y + 8.0 * self.zoom),
                    Align2::LEFT_TOP,
                    name,
                    font.clone(),
                    visuals.text_color(),
                );
                painter.text(
                    pos2(tx, r.max.y - 8.0 * self.zoom),
                    Align2::LEFT_BOTTOM,
                    format!("{} · not wired yet", t.name()),
                    small.clone(),
                    err,
                );
            }
        }
        for i in 0..self.all_len() {
            let r = self.any_rect(i, origin);
            let name = self.any_name(i);
            if self.edit.badges.contains_key(&name) {
                let c = pos2(r.max.x - 2.0, r.min.y + 2.0);
                let rad = (8.0 * self.zoom).clamp(5.0, 10.0);
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
                let h = self.handle_pos(i, origin);
                painter.circle(
                    h,
                    HANDLE_RADIUS * self.zoom.clamp(0.6, 1.4),
                    visuals.panel_fill,
                    Stroke::new(1.5, visuals.selection.stroke.color),
                );
            }
        }
        if let Some((from, p)) = self.edit.wiring {
            let a = self.handle_pos(from, origin);
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

    fn path(&self, a: NodeIndex, b: NodeIndex, origin: Pos2) -> (Pos2, Pos2) {
        let ra = self.node_rect(a.index(), origin);
        let rb = self.node_rect(b.index(), origin);
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
        if *resource_type != crate::scenario::ResourceType::Queue {
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
        let h = (5.0 * self.zoom).max(2.0);
        let bar = Rect::from_min_max(
            pos2(r.min.x + 6.0 * self.zoom, r.max.y + 2.0),
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
    fn subtitle(&self, i: usize, snap: &Snapshot, sc: &Scenario) -> String {
        let mut s = String::from(match self.kinds[i] {
            NodeKind::Traffic => "traffic",
            NodeKind::Resource(t) => t.name(),
        });
        if let GraphNode::Resource { id, .. } = &self.graph.graph[NodeIndex::new(i)] {
            if let Some(l) = snap.live.get(id.index()) {
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
            let _ = sc;
        }
        s
    }
}
