//! The architecture canvas: nodes, labelled edges and moving dots, drawn with egui's painter.
//!
//! World coordinates are the layout's; one [`ViewTransform`] maps them to the screen (pan and zoom: wheel, pinch,
//! `+`/`-`, drag on the background; `F` fits the graph, `Shift+F` the selection; a minimap shows where the view is
//! when the graph is larger). Nodes are placed by the scenario's `layout` when it has one, else by
//! [`crate::layout::layered`], whose routes run long edges between nodes; edge labels go where they collide with no
//! node or other label ([`crate::layout::place_labels`]), shortened, with the full text on hover. The legend of
//! recent traces keeps a strip along the bottom edge that fitting leaves free. Dots are transits: a dot moves
//! along its edge's route from `from` to `to` between `t_us` and `end_us` of virtual time, where `end_us` stretches very short hops to a
//! minimum on-screen duration (hops last milliseconds; an eye needs a few hundred). When an edge carries more than
//! [`AGGREGATE_ABOVE`] dots at once they are drawn as one pulse with a count.
//!
//! A state machine expands in place (double-click, its right-click menu or the inspector's Show states): its box
//! grows into a container that holds its states as [`super::sfn_graph`] draws them, at the canvas's zoom, and the
//! rest of the graph moves aside to make room — after the layout, every node and route point right of the box
//! moves right by the container's extra width, and those below it in its column down by its extra height (see
//! `Expansion`), so nothing overlaps the container and edges into the machine end on its border.
//!
//! The canvas is a panel: it owns its view, dots and gestures, and returns an [`Action`] for what a click or a
//! gesture asks (select, wire, move, drop). Each node is also an accessible widget with its name, role and
//! selection, so screen readers and UI tests find nodes by label.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Key, Modifiers, Pos2, Rect, Sense, Stroke,
    StrokeKind, Ui, Vec2, pos2, vec2,
};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::action::{Action, Selection};
use super::dot_event::DotPick;
use super::health::{self, NodeSizing, Samples, Shares};
use super::minimap;
use super::node_labels::{self, NodeName, Priority};
use super::sfn_graph::{self, SfnGraph, SfnRuns};
use super::style::{self, NodeKind};
use super::tour_panel::TOUR_HIGHLIGHT;
pub use super::view::NODE_SIZE;
use super::view::ViewTransform;
use crate::layout::{self, Point, WorldRect};
use crate::runner::Snapshot;
use crate::scenario::tour::Highlight;
use crate::scenario::{ArchGraph, GraphNode, ResourceType, Scenario};

/// More dots than this on one edge are drawn as a single pulse with a count.
pub const AGGREGATE_ABOVE: usize = 24;
/// Most dots kept at once (the oldest go first).
pub const MAX_DOTS: usize = 50_000;
/// Shortest time a dot or a flash stays on screen, in wall seconds (converted with the current speed).
pub const MIN_VISIBLE_WALL_S: f64 = 0.45;
/// Edge labels longer than this are shortened on the canvas (the full text shows on hover).
pub const LABEL_MAX_CHARS: usize = 32;
/// World width of one character of an edge label (drawn at 10.5 points at zoom 1, with room to spare) and the
/// height of its plate.
const LABEL_CHAR_W: f32 = 6.3;
const LABEL_H: f32 = 16.0;
/// Height of the legend strip along the canvas's bottom edge, in screen points: fitting keeps nodes above it.
pub const LEGEND_STRIP_H: f32 = 22.0;
/// Zoom step of the `+` and `-` keys.
const KEY_ZOOM_STEP: f32 = 1.25;

/// The canvas as drawn, in world units (see [`Canvas::drawing`]).
pub struct Drawing {
    pub nodes: Vec<DrawnNode>,
    pub edges: Vec<DrawnEdge>,
}

/// A node of a [`Drawing`].
pub struct DrawnNode {
    pub name: String,
    pub kind: NodeKind,
    /// The second line: type and live state.
    pub subtitle: String,
    pub rect: Rect,
}

/// An edge of a [`Drawing`]: its route (the arrow head at the last point) and its label with its plate.
pub struct DrawnEdge {
    pub route: Vec<Pos2>,
    pub label: Option<(String, Rect)>,
}

/// A transit on its way.
#[derive(Debug, Clone)]
struct Dot {
    from: NodeIndex,
    to: NodeIndex,
    /// Where it travels: lane `k` below the number of edges is edge `k`'s route (the first edge from `from` to
    /// `to`); above, a straight line between two nodes no edge joins (an event bus's delivery to a rule's
    /// target), numbered in [`Canvas::pair_lanes`]. Dots are counted per lane every frame, without hashing.
    lane: usize,
    t_us: u64,
    /// When it reaches `to` on screen: the arrival, stretched to a minimum visible time.
    end_us: u64,
    arrive_us: u64,
    trace_hash: u64,
    trace_id: Arc<str>,
    /// The transit's span: what the dot carries is found from it on click (see [`super::dot_event`]).
    span_id: u64,
    what: &'static str,
}

/// A transit record, as the canvas needs it for a dot.
#[derive(Debug, Clone, Copy)]
pub struct TransitSeen<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub t_us: u64,
    pub arrive_us: u64,
    pub trace_id: &'a str,
    pub span_id: u64,
    pub what: &'static str,
}

/// What a click or a gesture on the canvas chose (turned into an [`Action`]).
#[derive(Debug, Clone, PartialEq)]
enum CanvasClick {
    Node(NodeIndex),
    /// A state machine node was double-clicked: draw it state by state (or as one node again).
    ToggleStates(NodeIndex),
    Trace(Arc<str>),
    /// A moving dot: inspect what it carries.
    Dot(DotPick),
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
    /// While wiring: the node under the pointer and, when the wiring would be refused, why.
    wire_target: Option<(usize, Option<String>)>,
    band: Option<(Pos2, Pos2)>,
    moving: Option<usize>,
}

/// Radius of the wiring handle on a node's right edge, in screen points at zoom 1.
pub const HANDLE_RADIUS: f32 = 6.0;

/// A state machine drawn state by state in place (run mode): its node's box grown into a container, and how the
/// rest of the graph moves aside for it. Node boxes and route points are moved, never the layout itself: the
/// saved and automatic positions stay those of the collapsed graph.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Expansion {
    node: usize,
    /// The node's own box (world), where the container starts (top left).
    base: Rect,
    /// How much wider and taller the container is than the box.
    grow: Vec2,
}

impl Expansion {
    /// The container (world): the box grown right and down.
    fn container(&self) -> Rect {
        Rect::from_min_size(self.base.min, self.base.size() + self.grow)
    }

    /// Whether an x range meets the box's column.
    fn in_column(&self, min_x: f32, max_x: f32) -> bool {
        max_x > self.base.min.x + 0.5 && min_x < self.base.max.x - 0.5
    }

    /// How far another node's box (world) moves: right of the box by the extra width; below it in its column by
    /// the extra height; elsewhere not at all.
    fn shift_box(&self, r: Rect) -> Vec2 {
        if r.min.x >= self.base.max.x - 0.5 {
            vec2(self.grow.x, 0.0)
        } else if self.in_column(r.min.x, r.max.x) && r.center().y > self.base.center().y {
            vec2(0.0, self.grow.y)
        } else {
            Vec2::ZERO
        }
    }

    /// Where a route point goes: in the box's column (its borders included) and below the box's middle, down by
    /// the extra height; at or right of the box's right edge, right by the extra width (both for the right end
    /// of a lane through the column below, so the lane stays level).
    fn shift_point(&self, p: Pos2) -> Pos2 {
        let mut q = p;
        if p.x >= self.base.min.x - 0.5
            && p.x <= self.base.max.x + 0.5
            && p.y > self.base.center().y
        {
            q.y += self.grow.y;
        }
        if p.x >= self.base.max.x - 0.5 {
            q.x += self.grow.x;
        }
        q
    }

    /// A route from node `a`'s border to node `b`'s (boxes `ra`, `rb` as laid out), with room made: each point
    /// moved by [`Expansion::shift_point`]; an end on the right border of a node in the column (which moves
    /// only down) keeps that border point and runs level to the container's right edge before going on, so the
    /// route neither leaves the node's border nor cuts the container's corner. The machine's own ends go to the
    /// container's border.
    fn shift_route(&self, route: &[Pos2], ends: (usize, usize), ra: Rect, rb: Rect) -> Vec<Pos2> {
        let mut out: Vec<Pos2> = route.iter().map(|p| self.shift_point(*p)).collect();
        let (Some(first), Some(last)) = (route.first(), route.last()) else {
            return out;
        };
        let own = |p: Pos2, node: usize, r: Rect| -> Option<Pos2> {
            let kept = p + self.shift_box(r);
            (node != self.node && (kept - self.shift_point(p)).length() > 0.5).then_some(kept)
        };
        if let Some(p) = own(*last, ends.1, rb) {
            out.push(p);
        }
        if let Some(p) = own(*first, ends.0, ra) {
            out.insert(0, p);
        }
        out
    }
}

/// Canvas state of one opened scenario.
pub struct Canvas {
    pub(super) graph: ArchGraph,
    pub(super) kinds: Vec<NodeKind>,
    pub(super) names: Vec<String>,
    /// World position of each graph node's centre.
    pos: Vec<Pos2>,
    /// Per edge (graph edge order): its source and target node, its full label and the label as drawn.
    edge_ends: Vec<(usize, usize)>,
    edge_labels: Vec<String>,
    short_labels: Vec<String>,
    /// Per (from, to) node pair, its first edge (dots travel the route of that edge).
    edge_of: HashMap<(usize, usize), usize>,
    /// Node pairs that dots travel between without an edge, numbered from the number of edges on (see
    /// [`Dot::lane`]), and their lane by pair.
    pair_lanes: Vec<(NodeIndex, NodeIndex)>,
    lane_of_pair: HashMap<(usize, usize), usize>,
    /// The automatic layout: node centres and edge routes (used while both ends of an edge are where it put them).
    auto: layout::Layout,
    /// Per edge, its route in world units and where its label goes; recomputed when a node moves.
    routes: Vec<Vec<Pos2>>,
    label_rects: Vec<Option<Rect>>,
    /// The node (and ghost) positions the routes and labels were computed for.
    routed_for: Vec<Pos2>,
    view: ViewTransform,
    fit_pending: bool,
    dragging: Option<NodeIndex>,
    /// Oldest first: dots mostly end in the order they started, so expired ones leave from the front.
    dots: VecDeque<Dot>,
    /// Dots kept per lane (under way or not), kept as dots come and go: with every dot under way, these are the
    /// counts [`Canvas::draw_dots`] needs, without a pass over tens of thousands of dots each frame.
    dots_per_lane: Vec<u32>,
    /// The latest start of any dot kept (an upper bound: it stays when that dot goes); at or before `now`,
    /// every dot is under way.
    dots_latest_start_us: u64,
    /// The latest end of the dots kept, in their order: a dot that ends no earlier than every dot before it is
    /// *in order*. While no dot out of order has ended, the dots that have ended are a prefix of the queue.
    dots_max_end_us: u64,
    /// The earliest end of a dot kept out of order (a lower bound: it stays when that dot goes); before it, the
    /// dots that have ended are all at the front and [`Canvas::expire`] pops them without a pass over the rest.
    dots_earliest_end_us: u64,
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
    /// What node boxes are sized by (View → Size nodes by).
    pub(super) sizing: NodeSizing,
    /// Per edge: hop latencies of this run, and (out of a queue) the age of each message delivered.
    edge_latency: Vec<Samples>,
    edge_age: Vec<Samples>,
    /// When a trace's message last reached a queue: (queue node, trace hash) → arrival, for message ages.
    queued_at: HashMap<(usize, u64), u64>,
    /// The state machine drawn state by state in place (see [`super::sfn_graph`] and `Expansion`), if any.
    pub(super) states: Option<SfnGraph>,
    /// The selected state, execution and Map iteration of the expanded machine; set by the shell each frame.
    pub(super) states_focus: sfn_graph::Focus,
    /// The expansion the routes and label places were computed with.
    routed_with: Option<Expansion>,
    /// What recent executions of each state machine did in each state.
    pub(super) sfn_runs: SfnRuns,
    /// The ids of the node widgets of the last frame (to tell a focused node from a focused text field).
    node_widget_ids: Vec<egui::Id>,
    /// The node that had the keyboard focus at the last frame (a newly focused node is selected).
    focused_node: Option<String>,
    /// The state machine node a right-click opened the menu of.
    menu_node: Option<usize>,
    /// Below [`node_labels::LOD_BELOW_ZOOM`]: the node names placed beside their boxes in the last frame.
    lod_names: Vec<node_labels::Placed>,
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
        let edge_labels: Vec<String> = graph
            .graph
            .edge_references()
            .map(|e| e.weight().label())
            .collect();
        let short_labels: Vec<String> = edge_labels
            .iter()
            .map(|l| shorten(l, LABEL_MAX_CHARS))
            .collect();
        let label_sizes: Vec<(f32, f32)> =
            short_labels.iter().map(|l| label_world_size(l)).collect();
        let auto = layout::layered(&layout::Spec {
            nodes: n,
            node_w: NODE_SIZE.x,
            node_h: NODE_SIZE.y,
            edges: &edges,
            label_sizes: &label_sizes,
            aspect: layout::DEFAULT_ASPECT,
        });
        let n_edges = edges.len();
        let mut edge_of = HashMap::new();
        for (k, &ends) in edges.iter().enumerate() {
            edge_of.entry(ends).or_insert(k);
        }
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
                let p = auto.centers[ix.index()];
                let (x, y) = saved.get(key.as_str()).copied().unwrap_or((p.x, p.y));
                pos2(x, y)
            })
            .collect();
        Canvas {
            graph,
            kinds,
            names,
            pos,
            edge_ends: edges,
            edge_labels,
            short_labels,
            edge_of,
            pair_lanes: Vec::new(),
            lane_of_pair: HashMap::new(),
            auto,
            routes: Vec::new(),
            label_rects: Vec::new(),
            routed_for: Vec::new(),
            view: ViewTransform::default(),
            fit_pending: true,
            dragging: None,
            dots: VecDeque::new(),
            dots_per_lane: Vec::new(),
            dots_latest_start_us: 0,
            dots_max_end_us: 0,
            dots_earliest_end_us: u64::MAX,
            flash: vec![None; n],
            queue_peak: HashMap::new(),
            recent_traces: Vec::new(),
            trail: Vec::new(),
            edit: EditDeco::default(),
            tour_marks: Vec::new(),
            last_rect: Rect::NOTHING,
            last_window: Vec2::ZERO,
            view_touched: false,
            sizing: NodeSizing::default(),
            edge_latency: vec![Samples::default(); n_edges],
            edge_age: vec![Samples::default(); n_edges],
            queued_at: HashMap::new(),
            states: None,
            states_focus: sfn_graph::Focus::default(),
            routed_with: None,
            sfn_runs: SfnRuns::default(),
            node_widget_ids: Vec::new(),
            focused_node: None,
            menu_node: None,
            lod_names: Vec::new(),
        }
    }

    /// Draws state machine node `ix` state by state in place, or — when it is already — as one node again.
    /// The view fits the graph again (the container included).
    pub fn toggle_states(&mut self, sc: &Scenario, ix: NodeIndex) {
        if self.states.as_ref().is_some_and(|g| g.node == ix) {
            self.states = None;
        } else {
            let Some(name) = self.names.get(ix.index()) else {
                return;
            };
            let Some(sm) = sc
                .find(name)
                .and_then(|id| sc.resource(id).kind.as_state_machine())
            else {
                return;
            };
            self.states = Some(SfnGraph::build(ix, name, &sm.parsed, &sm.definition));
        }
        self.fit();
    }

    /// Whether node `i` is a state machine (it can be drawn state by state).
    pub fn is_state_machine(&self, i: usize) -> bool {
        self.kinds.get(i) == Some(&NodeKind::Resource(ResourceType::StateMachine))
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
        self.sizing = prev.sizing;
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

    /// What the canvas draws, in world units, for File → Export → Canvas as SVG: every node's box (sized as drawn),
    /// name, type colour and subtitle, and every edge's route and label place, from the same layout and routes.
    pub fn drawing(&self, snap: &Snapshot) -> Drawing {
        // The routes and label places of the last frame, unless nodes moved since (or it was never drawn).
        let fresh = self.routes_stale().then(|| self.routes_and_labels());
        let (routes, label_rects) = match &fresh {
            Some((r, l)) => (r, l),
            None => (&self.routes, &self.label_rects),
        };
        let nodes = (0..self.pos.len())
            .map(|i| {
                let scale = if self.is_expanded(i) {
                    1.0
                } else {
                    self.sizing.scale(self.stats_of(i, snap), &snap.stats)
                };
                let r = self.world_rect(i);
                DrawnNode {
                    name: self.names[i].clone(),
                    kind: self.kinds[i],
                    subtitle: self.subtitle(i, snap),
                    rect: Rect::from_center_size(r.center(), r.size() * scale),
                }
            })
            .collect();
        let edges = (0..self.edge_ends.len())
            .map(|k| DrawnEdge {
                route: routes.get(k).cloned().unwrap_or_default(),
                label: label_rects
                    .get(k)
                    .copied()
                    .flatten()
                    .zip(self.short_labels.get(k).filter(|l| !l.is_empty()))
                    .map(|(r, l)| (l.clone(), r)),
            })
            .collect();
        Drawing { nodes, edges }
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

    /// The state machine expanded in place and the room made for it (run mode only: editing draws every node
    /// as a box).
    fn expansion(&self) -> Option<Expansion> {
        let g = self.states.as_ref().filter(|_| !self.edit.on)?;
        let node = g.node.index();
        let center = *self.pos.get(node)?;
        let body = g.body_size();
        let size = vec2(body.x.max(NODE_SIZE.x), NODE_SIZE.y + body.y);
        Some(Expansion {
            node,
            base: Rect::from_center_size(center, NODE_SIZE),
            grow: size - NODE_SIZE,
        })
    }

    /// Whether node `i` is the state machine expanded in place.
    fn is_expanded(&self, i: usize) -> bool {
        self.expansion().is_some_and(|ex| ex.node == i)
    }

    /// Node (or ghost) `i`'s box in world units as drawn: the container for the expanded state machine, moved
    /// aside for it for the others.
    fn world_rect(&self, i: usize) -> Rect {
        let base = Rect::from_center_size(self.any_pos(i), NODE_SIZE);
        match self.expansion() {
            Some(ex) if ex.node == i => ex.container(),
            Some(ex) if i < self.pos.len() => base.translate(ex.shift_box(base)),
            _ => base,
        }
    }

    /// The world rectangles of every node (and ghost) as drawn (see [`Canvas::world_rect`]), by layout key.
    pub fn world_rects(&self) -> Vec<(String, Rect)> {
        (0..self.all_len())
            .map(|i| (self.any_name(i), self.world_rect(i)))
            .collect()
    }

    fn any_rect(&self, i: usize) -> Rect {
        let r = self.world_rect(i);
        Rect::from_min_max(self.view.to_screen(r.min), self.view.to_screen(r.max))
    }

    fn handle_pos(&self, i: usize) -> Pos2 {
        self.any_rect(i).right_center()
    }

    /// Forgets everything of the previous run (after Reset or Load).
    pub fn clear_run(&mut self) {
        self.dots.clear();
        self.dots_per_lane.clear();
        self.dots_latest_start_us = 0;
        self.dots_max_end_us = 0;
        self.dots_earliest_end_us = u64::MAX;
        self.flash.iter_mut().for_each(|f| *f = None);
        self.recent_traces.clear();
        self.trail.clear();
        self.queue_peak.clear();
        self.edge_latency
            .iter_mut()
            .for_each(|s| *s = Samples::default());
        self.edge_age
            .iter_mut()
            .for_each(|s| *s = Samples::default());
        self.queued_at.clear();
        self.sfn_runs.clear();
    }

    pub fn fit(&mut self) {
        self.fit_pending = true;
        self.view_touched = false;
    }

    /// Adds a transit dot.
    pub fn add_transit(&mut self, t: TransitSeen<'_>, min_visible_us: u64) {
        let TransitSeen {
            from,
            to,
            t_us,
            arrive_us,
            trace_id,
            span_id,
            what,
        } = t;
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
            let counts = &mut self.dots_per_lane;
            self.dots
                .drain(..MAX_DOTS / 10)
                .for_each(|d| uncount(counts, &d));
        }
        let lane = match self.edge_of.get(&(a.index(), b.index())) {
            Some(&k) => k,
            None => {
                let n_edges = self.edge_ends.len();
                let next = n_edges + self.pair_lanes.len();
                let lane = *self
                    .lane_of_pair
                    .entry((a.index(), b.index()))
                    .or_insert(next);
                if lane == next {
                    self.pair_lanes.push((a, b));
                }
                lane
            }
        };
        let end_us = arrive_us.max(t_us.saturating_add(min_visible_us));
        if self.dots_per_lane.len() <= lane {
            self.dots_per_lane.resize(lane + 1, 0);
        }
        self.dots_per_lane[lane] += 1;
        self.dots_latest_start_us = self.dots_latest_start_us.max(t_us);
        if self.dots.is_empty() {
            self.dots_max_end_us = 0;
        }
        note_dot_end(
            &mut self.dots_max_end_us,
            &mut self.dots_earliest_end_us,
            end_us,
        );
        self.dots.push_back(Dot {
            from: a,
            to: b,
            lane,
            t_us,
            end_us,
            arrive_us,
            trace_hash: hash,
            trace_id: trace,
            span_id,
            what,
        });
        if self.trail.len() >= 200_000 {
            self.trail.drain(..20_000);
        }
        self.trail.push((a, b, hash));
        self.measure_hop(a.index(), b.index(), t_us, arrive_us, hash);
    }

    /// Keeps a transit's hop latency for its edge; into a queue, when the message arrived; out of one, its age.
    fn measure_hop(&mut self, a: usize, b: usize, t_us: u64, arrive_us: u64, hash: u64) {
        let Some(&k) = self.edge_of.get(&(a, b)) else {
            return;
        };
        self.edge_latency[k].push(arrive_us.saturating_sub(t_us));
        let is_queue =
            |i: usize| self.kinds.get(i) == Some(&NodeKind::Resource(ResourceType::Queue));
        if is_queue(a)
            && let Some(queued) = self.queued_at.remove(&(a, hash))
        {
            self.edge_age[k].push(t_us.saturating_sub(queued));
        }
        if is_queue(b) {
            if self.queued_at.len() >= 100_000 {
                self.queued_at.clear();
            }
            self.queued_at.insert((b, hash), arrive_us);
        }
    }

    /// The screen box node `i` is drawn in: its place, sized by [`Canvas::sizing`] (ghosts: never sized).
    fn drawn_rect(&self, i: usize, snap: &Snapshot) -> Rect {
        let r = self.any_rect(i);
        if i >= self.pos.len() || self.is_expanded(i) {
            return r;
        }
        let scale = self.sizing.scale(self.stats_of(i, snap), &snap.stats);
        Rect::from_center_size(r.center(), r.size() * scale)
    }

    /// The statistics of graph node `i` in a snapshot (none for traffic sources).
    fn stats_of<'s>(&self, i: usize, snap: &'s Snapshot) -> Option<&'s crate::runner::StatsView> {
        match self.graph.graph.node_weight(NodeIndex::new(i))? {
            GraphNode::Resource { id, .. } => snap.stats.get(id.index()),
            GraphNode::Traffic { .. } => None,
        }
    }

    /// Flashes a node (cold start, error, throttle).
    pub fn flash(&mut self, name: &str, color: Color32, until_us: u64) {
        if let Some(ix) = self.graph.find(name)
            && let Some(f) = self.flash.get_mut(ix.index())
        {
            *f = Some((color, until_us));
        }
    }

    /// Stretches the dots in flight to the minimum visible time of a new playback speed (`min_visible_us`, the
    /// stretch [`Canvas::add_transit`] gives new dots). A dot's stretch is virtual time, fixed when it was made:
    /// without this, after slowing from 1000× to 1× the dots made at 1000× (0.45 s of wall time = 450 virtual
    /// seconds) would stay on screen for minutes.
    pub fn restretch_dots(&mut self, min_visible_us: u64) {
        let (mut latest, mut earliest) = (0, u64::MAX);
        for d in &mut self.dots {
            d.end_us = d.arrive_us.max(d.t_us.saturating_add(min_visible_us));
            note_dot_end(&mut latest, &mut earliest, d.end_us);
        }
        (self.dots_max_end_us, self.dots_earliest_end_us) = (latest, earliest);
    }

    /// Drops dots and flashes that are over. Returns whether anything is still moving.
    pub fn expire(&mut self, now_us: u64) -> bool {
        // From the front without moving the rest (tens of thousands of dots after a fast stretch), then any
        // that ended out of order (a pass that moves nothing when there are none).
        while self.dots.front().is_some_and(|d| d.end_us <= now_us) {
            if let Some(d) = self.dots.pop_front() {
                uncount(&mut self.dots_per_lane, &d);
            }
        }
        // The rest only when a dot out of order can have ended (while none has, the ended ones were all at the
        // front): not every frame over tens of thousands of dots.
        if now_us >= self.dots_earliest_end_us {
            let counts = &mut self.dots_per_lane;
            let (mut latest, mut earliest) = (0, u64::MAX);
            self.dots.retain(|d| {
                let keep = d.end_us > now_us;
                if keep {
                    note_dot_end(&mut latest, &mut earliest, d.end_us);
                } else {
                    uncount(counts, d);
                }
                keep
            });
            (self.dots_max_end_us, self.dots_earliest_end_us) = (latest, earliest);
        }
        for f in &mut self.flash {
            if f.is_some_and(|(_, until)| until <= now_us) {
                *f = None;
            }
        }
        !self.dots.is_empty() || self.flash.iter().any(Option::is_some)
    }

    fn node_rect(&self, ix: usize) -> Rect {
        self.any_rect(ix)
    }

    /// Whether a node (or ghost) has moved, or a state machine expanded or collapsed, since the routes were
    /// computed.
    fn routes_stale(&self) -> bool {
        self.routes.len() != self.edge_ends.len()
            || self.routed_with != self.expansion()
            || self.routed_for.len() != self.all_len()
            || (0..self.all_len()).any(|i| self.routed_for[i] != self.any_pos(i))
    }

    /// Recomputes the edge routes and label places when they are stale.
    fn refresh_routes(&mut self) {
        if !self.routes_stale() {
            return;
        }
        (self.routes, self.label_rects) = self.routes_and_labels();
        self.routed_for = (0..self.all_len()).map(|i| self.any_pos(i)).collect();
        self.routed_with = self.expansion();
    }

    /// Every edge's route and label place (world units) with the nodes (and ghosts) where they are drawn.
    fn routes_and_labels(&self) -> (Vec<Vec<Pos2>>, Vec<Option<Rect>>) {
        let world: Vec<Vec<Pos2>> = (0..self.edge_ends.len())
            .map(|k| self.route_world(k))
            .collect();
        let obstacles: Vec<WorldRect> = (0..self.all_len())
            .map(|i| {
                let r = self.world_rect(i);
                WorldRect::from_center_size(point(r.center()), r.width(), r.height())
            })
            .collect();
        let routes: Vec<Vec<Point>> = world
            .iter()
            .map(|r| r.iter().map(|p| point(*p)).collect())
            .collect();
        let sizes: Vec<(f32, f32)> = self
            .short_labels
            .iter()
            .map(|l| label_world_size(l))
            .collect();
        let labels = layout::place_labels(&obstacles, &routes, &sizes)
            .into_iter()
            .map(|r| r.map(|r| Rect::from_min_max(pos2(r.min.x, r.min.y), pos2(r.max.x, r.max.y))))
            .collect();
        (world, labels)
    }

    /// Edge `k`'s route in world units: the automatic layout's (around nodes, through lanes) while both its ends
    /// are where that layout put them — with room made for an expanded state machine — else a straight line
    /// between the two boxes' borders as drawn.
    fn route_world(&self, k: usize) -> Vec<Pos2> {
        let (a, b) = self.edge_ends[k];
        let laid_out = self.route_laid_out(k);
        match self.expansion() {
            Some(ex) if !laid_out.is_empty() => ex.shift_route(
                &laid_out,
                (a, b),
                Rect::from_center_size(self.pos[a], NODE_SIZE),
                Rect::from_center_size(self.pos[b], NODE_SIZE),
            ),
            _ if !laid_out.is_empty() => laid_out,
            _ => {
                let (ra, rb) = (self.world_rect(a), self.world_rect(b));
                vec![
                    style::border_point(ra, rb.center()),
                    style::border_point(rb, ra.center()),
                ]
            }
        }
    }

    /// Edge `k`'s route as the automatic layout made it, when both its ends are where it put them (a self loop:
    /// moved with its node); empty otherwise.
    fn route_laid_out(&self, k: usize) -> Vec<Pos2> {
        let (a, b) = self.edge_ends[k];
        let at_auto = |v: usize| {
            self.auto
                .centers
                .get(v)
                .is_some_and(|c| pos2(c.x, c.y) == self.pos[v])
        };
        let auto = self.auto.routes.get(k).filter(|r| r.len() >= 2);
        if let Some(r) = auto {
            if at_auto(a) && at_auto(b) {
                return r.iter().map(|p| pos2(p.x, p.y)).collect();
            }
            if a == b {
                let c = self.auto.centers[a];
                let shift = self.pos[a] - pos2(c.x, c.y);
                return r.iter().map(|p| pos2(p.x, p.y) + shift).collect();
            }
        }
        Vec::new()
    }

    /// Edge `k`'s route on screen.
    fn route_screen(&self, k: usize) -> Vec<Pos2> {
        self.routes
            .get(k)
            .map(|r| r.iter().map(|p| self.view.to_screen(*p)).collect())
            .unwrap_or_default()
    }

    /// The screen route a dot from `a` to `b` travels: the route of their edge, else a straight line.
    fn dot_route(&self, a: NodeIndex, b: NodeIndex) -> Vec<Pos2> {
        match self.edge_of.get(&(a.index(), b.index())) {
            Some(&k) if self.routes.len() > k => self.route_screen(k),
            _ => {
                let (p0, p1) = self.path(a, b);
                vec![p0, p1]
            }
        }
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
        self.refresh_routes();
        self.fit_if_pending(rect);
        self.view_keys(ui, rect, selected);
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
        self.refresh_routes();
        let ink = Ink::new(&visuals, self.view.zoom());
        self.draw_groups(&painter, &ink);
        let hovered_edge = self.draw_edges(&painter, &ink, highlight, response.hover_pos());
        self.draw_nodes(&painter, &ink, rect, snap, selected);
        let states_pick = if self.edit.on {
            None
        } else {
            self.show_expanded(ui, &painter, rect)
        };
        self.draw_lod_names(&painter, &ink, rect, snap, selected, response.hover_pos());
        if !self.edit.on {
            self.draw_tour_marks(&painter, &ink);
        }
        if self.edit.on {
            self.draw_edit(&painter, &ink, response.hover_pos());
        }
        let focus_pick = self.expose_nodes(ui, &response, rect, snap, selected);
        let hovered_dot =
            self.draw_dots(&painter, rect, snap.now_us, highlight, response.hover_pos());
        let legend_click = self.draw_legend(&painter, &ink, rect, &response, pointer);
        self.minimap(ui, &response, rect);
        if self.edit.on {
            self.wire_refusal_cue(ui);
        }
        let over_node = response
            .hover_pos()
            .is_some_and(|p| self.node_at(p).is_some());
        if let Some(k) = hovered_edge.filter(|_| hovered_dot.is_none() && !over_node)
            && let Some(title) = self.edge_tip(k)
        {
            let age = self.edge_age.get(k).filter(|s| !s.is_empty());
            response.clone().on_hover_ui_at_pointer(|ui| {
                health::edge_hover(ui, &title, &self.edge_latency[k], age);
            });
        }
        let click = self.click(
            ui,
            &response,
            pointer,
            hovered_dot,
            legend_click.map(CanvasClick::Trace),
        );
        let menu_pick = if self.edit.on {
            None
        } else {
            self.node_menu(&response, pointer)
        };
        let click = click.or(menu_pick);
        if response.hovered()
            && response
                .hover_pos()
                .is_some_and(|p| self.node_at(p).is_some())
        {
            ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
        }
        states_pick.or_else(|| {
            edit_event
                .or(click)
                .or(focus_pick)
                .map(|c| c.into_action(self.edit.on))
        })
    }

    fn fit_if_pending(&mut self, rect: Rect) {
        if self.fit_pending
            && rect.width() > 10.0
            && (!self.pos.is_empty() || !self.edit.ghosts.is_empty())
        {
            self.fit_pending = false;
            self.view.fit(self.graph_bounds(), fit_area(rect));
        }
    }

    /// The world rectangle of everything drawn: node boxes, routes and labels.
    fn graph_bounds(&self) -> Rect {
        let mut bb = (0..self.all_len()).fold(Rect::NOTHING, |bb, i| bb.union(self.world_rect(i)));
        for p in self.routes.iter().flatten() {
            bb.extend_with(*p);
        }
        for r in self.label_rects.iter().flatten() {
            bb = bb.union(*r);
        }
        bb
    }

    /// `F` fits the graph, `Shift+F` the selection, `+` and `-` zoom about the centre — unless a text field has
    /// the keyboard.
    fn view_keys(&mut self, ui: &Ui, rect: Rect, selected: Option<NodeIndex>) {
        if ui.ctx().memory(|m| m.focused().is_some()) {
            return;
        }
        // Shift+F first: a plain F pattern also matches a shifted press.
        let (to_selection, fit_all, zoom_in, zoom_out) = ui.input_mut(|i| {
            let sel = i.consume_key(Modifiers::SHIFT, Key::F);
            let all = i.consume_key(Modifiers::NONE, Key::F);
            let zin = i.consume_key(Modifiers::NONE, Key::Plus)
                | i.consume_key(Modifiers::NONE, Key::Equals);
            let zout = i.consume_key(Modifiers::NONE, Key::Minus);
            (sel, all, zin, zout)
        });
        if fit_all {
            self.fit();
            self.fit_if_pending(rect);
        }
        if to_selection {
            self.zoom_to_selection(rect, selected);
        }
        for (pressed, factor) in [(zoom_in, KEY_ZOOM_STEP), (zoom_out, 1.0 / KEY_ZOOM_STEP)] {
            if pressed {
                self.view.zoom_around(rect.center(), factor);
                self.view_touched = true;
            }
        }
    }

    /// Fits the selected nodes (run mode: the inspected node; edit mode: the marked ones) into the view.
    pub fn zoom_to_selection(&mut self, rect: Rect, selected: Option<NodeIndex>) {
        let chosen = (0..self.all_len())
            .filter(|&i| {
                selected.is_some_and(|s| s.index() == i)
                    || (self.edit.on && self.edit.marked.contains(&self.any_name(i)))
            })
            .fold(Rect::NOTHING, |bb, i| bb.union(self.world_rect(i)));
        if chosen.is_positive() && rect.is_positive() {
            self.view.fit(chosen, fit_area(rect));
            self.view_touched = true;
        }
    }

    /// A world position on screen, with the view of the last frame.
    pub fn world_to_screen(&self, world: Pos2) -> Pos2 {
        self.view.to_screen(world)
    }

    /// The current zoom (screen points per world unit).
    pub fn zoom(&self) -> f32 {
        self.view.zoom()
    }

    /// The minimap, when the graph does not fit in the view; a click or drag in it moves the view there.
    fn minimap(&mut self, ui: &Ui, response: &egui::Response, rect: Rect) {
        let world = self.graph_bounds();
        if !world.is_positive() {
            return;
        }
        let on_screen = Rect::from_min_max(
            self.view.to_screen(world.min),
            self.view.to_screen(world.max),
        );
        let roomy = rect.width() > minimap::MINIMAP_SIZE.x * 2.5
            && rect.height() > minimap::MINIMAP_SIZE.y * 2.5;
        if rect.contains_rect(on_screen) || !roomy {
            return;
        }
        let nodes: Vec<(Rect, Color32)> = (0..self.all_len())
            .map(|i| (self.world_rect(i), style::type_color(self.any_kind(i))))
            .collect();
        let above_legend =
            Rect::from_min_max(rect.min, pos2(rect.max.x, rect.max.y - LEGEND_STRIP_H));
        if let Some(world) = minimap::show(
            ui,
            response.id.with("minimap"),
            minimap::area(above_legend),
            &nodes,
            self.view.visible_world(rect.size()),
        ) {
            self.view.center_on(world, rect.size());
            self.view_touched = true;
        }
    }

    /// An edge's hover title: its ends and full label (`None` when it has neither a label nor samples).
    fn edge_tip(&self, k: usize) -> Option<String> {
        let label = self.edge_labels.get(k).map_or("", String::as_str);
        if label.is_empty() && self.edge_latency.get(k).is_none_or(Samples::is_empty) {
            return None;
        }
        let (a, b) = self.edge_ends[k];
        let (from, to) = (&self.names[a], &self.names[b]);
        Some(if label.is_empty() {
            format!("{from} to {to}")
        } else {
            format!("{from} to {to}: {label}")
        })
    }

    /// Fan-out groups: three or more nodes fed only by one node, in one column (a topic's subscriptions, a
    /// rule's targets), framed together when the frame holds no other node.
    fn draw_groups(&self, painter: &egui::Painter, ink: &Ink) {
        let n = self.pos.len();
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in &self.edge_ends {
            if a != b && !preds[b].contains(&a) {
                preds[b].push(a);
            }
        }
        for src in 0..n {
            let members: Vec<usize> = (0..n).filter(|&v| preds[v] == [src]).collect();
            let Some(&first) = members.first() else {
                continue;
            };
            let x_of = |v: usize| self.world_rect(v).center().x;
            if members.len() < 3 || members.iter().any(|&v| (x_of(v) - x_of(first)).abs() > 1.0) {
                continue;
            }
            let world = members
                .iter()
                .fold(Rect::NOTHING, |bb, &v| bb.union(self.world_rect(v)))
                .expand(12.0);
            let intruder =
                (0..n).any(|v| !members.contains(&v) && world.intersects(self.world_rect(v)));
            if intruder {
                continue;
            }
            let r = Rect::from_min_max(
                self.view.to_screen(world.min),
                self.view.to_screen(world.max),
            );
            let radius = CornerRadius::same((10.0 * ink.zoom).clamp(2.0, 16.0) as u8);
            painter.rect_filled(r, radius, ink.visuals.faint_bg_color);
            painter.rect_stroke(
                r,
                radius,
                Stroke::new(1.0, ink.weak.gamma_multiply(0.35)),
                StrokeKind::Inside,
            );
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

    /// What a click chose: a dot (or the legend's trace), a node, or the background.
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
                return Some(CanvasClick::Dot(DotPick {
                    trace_id: d.trace_id.clone(),
                    span_id: d.span_id,
                    // As the trace names them (`traffic:NAME` for a traffic source).
                    from: self.graph.graph[d.from].trace_name(),
                    to: self.graph.graph[d.to].trace_name(),
                    what: d.what,
                    t_us: d.t_us,
                    arrive_us: d.arrive_us,
                }));
            }
            return legend_click;
        }
        if legend_click.is_none()
            && !self.edit.on
            && response.double_clicked()
            && let Some(i) = pointer.and_then(|p| self.node_at(p))
            && self.is_state_machine(i)
        {
            return Some(CanvasClick::ToggleStates(NodeIndex::new(i)));
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
    /// state — so screen readers (and UI tests) find nodes by label. The widgets sense hover and keyboard focus
    /// only: clicks and drags stay with the canvas, which knows the gestures. Tab / Shift+Tab and the arrow keys
    /// move the focus between nodes (egui's focus navigation, the arrows to the nearest node that way; Esc lets
    /// go), and the node that gains the focus is selected: that choice is returned.
    fn expose_nodes(
        &mut self,
        ui: &Ui,
        response: &egui::Response,
        rect: Rect,
        snap: &Snapshot,
        selected: Option<NodeIndex>,
    ) -> Option<CanvasClick> {
        let mut pick = None;
        let mut now_focused = None;
        self.node_widget_ids.clear();
        let expanded = self.expansion().map(|ex| ex.node);
        for i in 0..self.all_len() {
            let drawn = self.drawn_rect(i, snap);
            // The expanded state machine is its container's header: its states are widgets of their own.
            let r = if expanded == Some(i) {
                container_header(drawn, self.view.zoom())
            } else {
                drawn
            }
            .intersect(rect);
            if !r.is_positive() {
                continue;
            }
            let key = self.any_name(i);
            let is_selected = selected.is_some_and(|s| s.index() == i)
                || (self.edit.on && self.edit.marked.contains(&key));
            let node = ui.interact(r, response.id.with(("node", &key)), Sense::FOCUSABLE);
            self.node_widget_ids.push(node.id);
            // Not `gained_focus`: focus moved by an arrow key is settled at the end of a frame, which that misses.
            let was_focused = self.focused_node.as_deref() == Some(key.as_str());
            if node.has_focus() && !was_focused {
                now_focused = Some(key.clone());
                pick = Some(if self.edit.on {
                    CanvasClick::Named {
                        name: key.clone(),
                        shift: false,
                    }
                } else {
                    CanvasClick::Node(NodeIndex::new(i))
                });
            }
            // Built only when an accessibility client (or a test) reads the tree.
            node.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Button, true, self.display_name(i))
            });
            ui.ctx().accesskit_node_builder(node.id, |builder| {
                builder.set_selected(is_selected);
                builder.set_description(self.describe(i, snap));
            });
            if node.has_focus() && now_focused.is_none() {
                now_focused = Some(key.clone());
            }
        }
        self.focused_node = now_focused;
        pick
    }

    /// Run mode: a right-click on a state machine opens a menu to draw it state by state (or as one node
    /// again) — the same as a double-click.
    fn node_menu(
        &mut self,
        response: &egui::Response,
        pointer: Option<Pos2>,
    ) -> Option<CanvasClick> {
        if response.secondary_clicked() {
            self.menu_node = pointer
                .and_then(|p| self.node_at(p))
                .filter(|&i| self.is_state_machine(i));
        }
        let i = self.menu_node?;
        let shown = self.states.as_ref().is_some_and(|g| g.node.index() == i);
        let mut pick = None;
        response.context_menu(|ui| {
            let label = if shown { "Hide states" } else { "Show states" };
            if ui.button(label).clicked() {
                pick = Some(CanvasClick::ToggleStates(NodeIndex::new(i)));
                ui.close();
            }
            if ui.button("Inspect").clicked() {
                pick = Some(CanvasClick::Node(NodeIndex::new(i)));
                ui.close();
            }
        });
        pick
    }

    /// Whether a node (not a text field) has the keyboard focus: run-mode shortcuts such as Space still apply.
    pub fn node_has_focus(&self, ctx: &egui::Context) -> bool {
        ctx.memory(|m| m.focused())
            .is_some_and(|id| self.node_widget_ids.contains(&id))
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
            let shares = self.stats_of(i, snap).map(Shares::of).unwrap_or_default();
            if shares.total() > 0 {
                format!("{} · {}", self.subtitle(i, snap), shares.describe())
            } else {
                self.subtitle(i, snap)
            }
        } else {
            let (_, t, _) = &self.edit.ghosts[i - self.pos.len()];
            format!("{} · not wired yet", t.name())
        }
    }

    /// Edges: each along its route with an arrow head, labelled (where [`Canvas::refresh_routes`] found room)
    /// when zoomed in; the edges the highlighted trace travelled are drawn thick in its colour. Returns the edge
    /// under the pointer (near its route or on its label).
    fn draw_edges(
        &self,
        painter: &egui::Painter,
        ink: &Ink,
        highlight: Option<u64>,
        hover: Option<Pos2>,
    ) -> Option<usize> {
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
        let mut hovered: Option<(f32, usize)> = None;
        // Drawn after every edge: a thick highlighted edge must not cover another edge's label.
        let mut labels: Vec<(Rect, &String)> = Vec::new();
        for (k, &(a, b)) in self.edge_ends.iter().enumerate() {
            let route = self.route_screen(k);
            let [.., p_prev, p1] = route.as_slice() else {
                continue;
            };
            let (p_prev, p1) = (*p_prev, *p1);
            let stroke = if lit_edges.contains(&(NodeIndex::new(a), NodeIndex::new(b))) {
                Stroke::new(
                    2.5 * zoom.max(0.5),
                    style::trace_color(highlight.unwrap_or(0)),
                )
            } else {
                Stroke::new((1.4 * zoom).max(0.8), edge_color)
            };
            painter.add(egui::Shape::line(route.clone(), stroke));
            let dir = (p1 - p_prev).normalized();
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
            let label_rect = self.label_rects.get(k).copied().flatten().map(|r| {
                Rect::from_min_max(self.view.to_screen(r.min), self.view.to_screen(r.max))
            });
            if zoom >= 0.45
                && let Some(r) = label_rect
                && let Some(label) = self.short_labels.get(k)
            {
                labels.push((r, label));
            }
            if let Some(h) = hover {
                let on_label = label_rect.is_some_and(|r| zoom >= 0.45 && r.contains(h));
                let d = if on_label {
                    0.0
                } else {
                    distance_to_route(h, &route)
                };
                if d <= 5.0 && hovered.is_none_or(|(best, _)| d < best) {
                    hovered = Some((d, k));
                }
            }
        }
        for (r, label) in labels {
            edge_label(painter, ink, r, label);
        }
        hovered.map(|(_, k)| k)
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
                    let route = self.dot_route(NodeIndex::new(a), NodeIndex::new(b));
                    for (width, color) in glow {
                        painter.add(egui::Shape::line(
                            route.clone(),
                            Stroke::new(width * zoom, color),
                        ));
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
        let expanded = self.expansion().map(|ex| ex.node);
        for i in 0..self.pos.len() {
            let stats = self.stats_of(i, snap);
            let r = self.drawn_rect(i, snap);
            if !rect.intersects(r) {
                continue;
            }
            if expanded == Some(i) {
                self.draw_container(painter, ink, i, r, rect, snap, selected);
                continue;
            }
            let marked = selected.is_some_and(|s| s.index() == i)
                || (self.edit.on && self.edit.marked.contains(&self.layout_key(i)));
            self.draw_box(painter, visuals, i, r, zoom, snap.now_us, marked, true);
            self.draw_icon_and_ring(painter, i, r.min.x, r.center().y, zoom, stats);
            if zoom >= node_labels::LOD_BELOW_ZOOM {
                self.node_text(painter, ink, i, r, rect, snap);
            }
            self.queue_bar(painter, i, r, snap);
            super::gauge::draw(painter, &self.graph.graph[NodeIndex::new(i)], r, zoom, snap);
        }
    }

    /// A node's box as every node (and the expanded state machine's container) is drawn: panel fill, the type's
    /// stripe on the left, and a border — in the flash's colour while the node flashes (the box tinted too when
    /// `tint_flash`), in the selection colour when `marked`. Returns the stripe.
    #[allow(clippy::too_many_arguments)]
    fn draw_box(
        &self,
        painter: &egui::Painter,
        visuals: &egui::Visuals,
        i: usize,
        r: Rect,
        zoom: f32,
        now_us: u64,
        marked: bool,
        tint_flash: bool,
    ) -> Rect {
        let color = style::type_color(self.kinds[i]);
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
            && *until > now_us
        {
            if tint_flash {
                painter.rect_filled(r, radius, fc.gamma_multiply(0.25));
            }
            border = Stroke::new(3.0 * zoom.max(0.6), *fc);
        }
        if marked {
            border = Stroke::new(2.5 * zoom.max(0.6), visuals.selection.stroke.color);
        }
        painter.rect_stroke(r, radius, border, StrokeKind::Inside);
        stripe
    }

    /// The node's type icon at the box's left edge `left_x`, centred on `center_y`, ringed by its ok / error /
    /// fault / throttle shares when it has statistics.
    fn draw_icon_and_ring(
        &self,
        painter: &egui::Painter,
        i: usize,
        left_x: f32,
        center_y: f32,
        zoom: f32,
        stats: Option<&crate::runner::StatsView>,
    ) {
        let kind = self.kinds[i];
        let icon = Rect::from_center_size(
            pos2(left_x + 27.0 * zoom, center_y),
            Vec2::splat(30.0 * zoom),
        );
        style::draw_icon(painter, icon, kind, style::type_color(kind));
        if let Some(s) = stats {
            health::draw_ring(
                painter,
                icon.center(),
                19.0 * zoom,
                (3.0 * zoom).clamp(1.5, 5.0),
                &Shares::of(s),
            );
        }
    }

    /// The expanded state machine's container `r` (screen): the node's look (type stripe, icon, health ring,
    /// border) grown around its states, with the node's name and the execution shown in its header (at a
    /// readable size whatever the zoom). The states and the Collapse button come in [`Canvas::show_expanded`].
    #[allow(clippy::too_many_arguments)]
    fn draw_container(
        &self,
        painter: &egui::Painter,
        ink: &Ink,
        i: usize,
        r: Rect,
        rect: Rect,
        snap: &Snapshot,
        selected: Option<NodeIndex>,
    ) {
        let zoom = ink.zoom;
        let visuals = &ink.visuals;
        let stripe = self.draw_box(
            painter,
            visuals,
            i,
            r,
            zoom,
            snap.now_us,
            selected.is_some_and(|s| s.index() == i),
            false,
        );
        let header = container_header(r, zoom);
        self.draw_icon_and_ring(
            painter,
            i,
            r.min.x,
            header.center().y,
            zoom,
            self.stats_of(i, snap),
        );
        painter.line_segment(
            [
                pos2(stripe.max.x, header.max.y),
                pos2(r.max.x, header.max.y),
            ],
            Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
        );
        // Name and execution, cut before the Collapse button.
        let Some(g) = &self.states else { return };
        let tx = r.min.x + 48.0 * zoom;
        let text_room = Rect::from_min_max(
            pos2(tx, header.min.y),
            pos2(collapse_button(header).min.x - 4.0, header.max.y),
        )
        .intersect(rect);
        if !text_room.is_positive() {
            return;
        }
        let clipped = painter.with_clip_rect(text_room);
        let font = FontId::proportional(ink.font.size.max(node_labels::LOD_FONT_PT));
        let small = FontId::proportional(ink.small.size.max(9.0));
        let line = sfn_graph::execution_line(g, &self.sfn_runs, &self.states_focus);
        if header.height() >= font.size + small.size + 8.0 {
            clipped.text(
                pos2(tx, header.center().y - 1.0),
                Align2::LEFT_BOTTOM,
                &self.names[i],
                font,
                ink.text,
            );
            clipped.text(
                pos2(tx, header.center().y + 2.0),
                Align2::LEFT_TOP,
                line,
                small,
                ink.weak,
            );
        } else {
            clipped.text(
                pos2(tx, header.center().y),
                Align2::LEFT_CENTER,
                format!("{} · {line}", self.names[i]),
                small,
                ink.text,
            );
        }
    }

    /// The expanded state machine's states inside its container (clicking one selects it) and its Collapse
    /// button. Returns what a click there asks.
    fn show_expanded(&self, ui: &Ui, painter: &egui::Painter, rect: Rect) -> Option<Action> {
        let ex = self.expansion()?;
        let g = self.states.as_ref()?;
        let r = self.any_rect(ex.node);
        if !r.intersects(rect) {
            return None;
        }
        let zoom = self.view.zoom();
        let header = container_header(r, zoom);
        let body = Rect::from_min_max(pos2(r.min.x, header.max.y), r.max);
        let mut actions = Vec::new();
        let inside = painter.with_clip_rect(r.shrink(1.0).intersect(rect));
        sfn_graph::show_inline(
            ui,
            &inside,
            g,
            &self.sfn_runs,
            &self.states_focus,
            body,
            zoom,
            &mut actions,
        );
        let button = collapse_button(header);
        let hit = button.intersect(rect);
        if hit.is_positive() && header.height() >= 16.0 {
            let resp = ui.interact(hit, ui.scope_id().with("collapse-states"), Sense::click());
            resp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Button, true, "Collapse states")
            });
            let visuals = ui.visuals();
            let look = if resp.hovered() {
                &visuals.widgets.hovered
            } else {
                &visuals.widgets.inactive
            };
            let p = painter.with_clip_rect(rect);
            p.rect(
                button,
                4.0,
                look.bg_fill,
                look.bg_stroke,
                StrokeKind::Inside,
            );
            let text = if button.width() > button.height() {
                "Collapse"
            } else {
                "−"
            };
            p.text(
                button.center(),
                Align2::CENTER_CENTER,
                text,
                FontId::proportional(11.0),
                look.fg_stroke.color,
            );
            let resp =
                resp.on_hover_text("Draw the state machine as one node again (or double-click it)");
            if resp.clicked() {
                actions.insert(0, Action::ToggleStates(NodeIndex::new(ex.node)));
            }
        }
        actions.into_iter().next()
    }

    /// Below [`node_labels::LOD_BELOW_ZOOM`], where a box's own text would be too small to read: node names in a
    /// fixed readable size, placed by [`node_labels::place`] — the hovered, selected and focused nodes' names and
    /// their neighbours' always, the others where they collide with nothing.
    fn draw_lod_names(
        &mut self,
        painter: &egui::Painter,
        ink: &Ink,
        rect: Rect,
        snap: &Snapshot,
        selected: Option<NodeIndex>,
        hover: Option<Pos2>,
    ) {
        self.lod_names.clear();
        if ink.zoom >= node_labels::LOD_BELOW_ZOOM || self.pos.is_empty() {
            return;
        }
        let n = self.pos.len();
        let mut priority = vec![Priority::Other; n];
        let hovered = hover.and_then(|p| self.node_at(p)).filter(|&i| i < n);
        let focused = self
            .focused_node
            .as_deref()
            .and_then(|f| self.names.iter().position(|name| name == f));
        for i in [hovered, selected.map(NodeIndex::index), focused]
            .into_iter()
            .flatten()
            .filter(|&i| i < n)
        {
            priority[i] = Priority::Focus;
        }
        for &(a, b) in &self.edge_ends {
            if priority[a] == Priority::Focus && priority[b] == Priority::Other {
                priority[b] = Priority::Neighbour;
            }
            if priority[b] == Priority::Focus && priority[a] == Priority::Other {
                priority[a] = Priority::Neighbour;
            }
        }
        let font = FontId::proportional(node_labels::LOD_FONT_PT);
        let expanded = self.expansion().map(|ex| ex.node);
        let nodes: Vec<NodeName> = (0..n)
            .map(|i| {
                let r = self.drawn_rect(i, snap);
                NodeName {
                    rect: r,
                    text_area: Rect::from_min_max(pos2(r.min.x + 48.0 * ink.zoom, r.min.y), r.max),
                    // The expanded machine's header names it; its container only keeps other names off.
                    name: if expanded == Some(i) {
                        ""
                    } else {
                        &self.names[i]
                    },
                    priority: priority[i],
                }
            })
            .collect();
        let line_h = painter.fonts_mut(|f| f.row_height(&font));
        let width_of = |text: &str| {
            painter
                .layout_no_wrap(text.to_string(), font.clone(), ink.text)
                .size()
                .x
        };
        let placed = node_labels::place(&nodes, rect, line_h, &width_of);
        for p in &placed {
            let strong = priority[p.node] == Priority::Focus;
            painter.rect_filled(
                p.plate,
                3.0,
                ink.visuals.extreme_bg_color.gamma_multiply(0.9),
            );
            if strong {
                painter.rect_stroke(
                    p.plate,
                    3.0,
                    Stroke::new(1.0, ink.visuals.selection.stroke.color),
                    StrokeKind::Inside,
                );
            }
            painter.text(
                p.plate.left_center() + vec2(node_labels::PAD, 0.0),
                Align2::LEFT_CENTER,
                &p.text,
                font.clone(),
                if strong {
                    ink.visuals.strong_text_color()
                } else {
                    ink.text
                },
            );
        }
        self.lod_names = placed;
    }

    /// The node names drawn beside their boxes in the last frame (below [`node_labels::LOD_BELOW_ZOOM`]): each
    /// node's name and the text drawn for it (the name, or cut with "…").
    pub fn lod_names(&self) -> Vec<(String, String, Rect)> {
        self.lod_names
            .iter()
            .map(|p| (self.names[p.node].clone(), p.text.clone(), p.plate))
            .collect()
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
        let width = |text: &str| {
            painter
                .layout_no_wrap(text.to_string(), ink.small.clone(), ink.weak)
                .size()
                .x
        };
        let (kind, live) = self.subtitle_parts(i, snap);
        clipped.text(
            pos2(tx, r.max.y - 8.0 * zoom),
            Align2::LEFT_BOTTOM,
            fitted_subtitle(kind, &live, max_w, &width),
            ink.small.clone(),
            ink.weak,
        );
    }

    /// Where a dot is on screen at virtual time `now` (not before it leaves).
    fn dot_position(&self, d: &Dot, now: u64) -> Pos2 {
        let span = (d.end_us - d.t_us).max(1) as f64;
        let f = (now.saturating_sub(d.t_us) as f64 / span).clamp(0.0, 1.0) as f32;
        along(&self.dot_route(d.from, d.to), f)
    }

    /// The dots drawn one by one at `now` (not aggregated into a pulse), with the names of their ends, as they
    /// were last drawn: where a test clicks one.
    pub fn dot_spots(&self, now: u64) -> Vec<(Pos2, String, String)> {
        let mut per_edge: HashMap<(NodeIndex, NodeIndex), usize> = HashMap::new();
        for d in self.dots.iter().filter(|d| d.t_us <= now) {
            *per_edge.entry((d.from, d.to)).or_insert(0) += 1;
        }
        self.dots
            .iter()
            .filter(|d| d.t_us <= now && per_edge[&(d.from, d.to)] <= AGGREGATE_ABOVE)
            .map(|d| {
                (
                    self.dot_position(d, now),
                    self.names[d.from.index()].clone(),
                    self.names[d.to.index()].clone(),
                )
            })
            .filter(|(p, _, _)| self.last_rect.contains(*p))
            .collect()
    }

    /// Dots in flight, aggregated into one counted pulse per edge when dense. Returns the dot under the pointer.
    /// Dots are counted per lane (an edge, or a pair of nodes without one) in a vector (a long run keeps tens of
    /// thousands of dots: no hashing per dot), and each lane's screen route is computed once per frame, not once
    /// per dot.
    fn draw_dots(
        &self,
        painter: &egui::Painter,
        rect: Rect,
        now: u64,
        highlight: Option<u64>,
        hover: Option<Pos2>,
    ) -> Option<usize> {
        let n_edges = self.edge_ends.len();
        let routes: Vec<MeasuredRoute> = (0..n_edges)
            .map(|k| self.dot_route_of_edge(k))
            .chain(self.pair_lanes.iter().map(|&(a, b)| {
                let (p0, p1) = self.path(a, b);
                vec![p0, p1]
            }))
            .map(MeasuredRoute::new)
            .collect();
        let per_lane = self.dots_under_way_per_lane(routes.len(), now);
        let radius = (5.0 * self.view.zoom()).clamp(2.5, 8.0);
        let mut hovered: Option<(f32, usize)> = None;
        // Dots drawn one by one: those of lanes with few under way. The pass stops at the last of them, and
        // there is none when every busy lane is a pulse.
        let mut singles_left: usize = per_lane
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| *n <= AGGREGATE_ABOVE)
            .sum();
        for (k, d) in self.dots.iter().enumerate() {
            if singles_left == 0 {
                break;
            }
            let Some(route) = routes.get(d.lane) else {
                continue;
            };
            if d.t_us > now || per_lane[d.lane].0 > AGGREGATE_ABOVE {
                continue;
            }
            singles_left -= 1;
            let span = (d.end_us - d.t_us).max(1) as f64;
            let f = ((now - d.t_us) as f64 / span).clamp(0.0, 1.0) as f32;
            let p = route.along(f);
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
        let phase = ((now / 1000) % 1000) as f32 / 1000.0;
        for (lane, (route, (n, hash))) in routes.iter().zip(&per_lane).enumerate() {
            if *n <= AGGREGATE_ABOVE {
                continue;
            }
            // The pulse steps past its edge's label (a traffic source's rate, a rule's pattern) instead of
            // covering it.
            let label = self
                .label_rects
                .get(lane)
                .copied()
                .flatten()
                .filter(|_| self.view.zoom() >= 0.45)
                .map(|r| {
                    Rect::from_min_max(self.view.to_screen(r.min), self.view.to_screen(r.max))
                });
            let clear = |f: f32| {
                label.is_none_or(|l| {
                    !l.intersects(Rect::from_center_size(
                        route.along(f),
                        Vec2::splat(radius * 4.4),
                    ))
                })
            };
            let wanted = 0.2 + 0.6 * phase;
            let f = (0..=40)
                .map(|k| wanted + k as f32 * 0.02)
                .map(|f| if f > 0.9 { f - 0.8 } else { f })
                .find(|&f| clear(f))
                .unwrap_or(wanted);
            let p = route.along(f);
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

    /// Dots under way at `now` in each of `n_lanes` lanes: how many, and the trace of the first (its colour for
    /// a pulse). With every dot under way ([`Canvas::dots_latest_start_us`] at or before `now`) the counts are
    /// the kept ones and each lane's first dot is found from the front (a short walk when the lanes are busy);
    /// otherwise the dots are counted.
    fn dots_under_way_per_lane(&self, n_lanes: usize, now: u64) -> Vec<(usize, u64)> {
        let mut per_lane: Vec<(usize, u64)> = vec![(0, 0); n_lanes];
        if self.dots_latest_start_us > now {
            for d in self.dots.iter().filter(|d| d.t_us <= now) {
                if let Some(e) = per_lane.get_mut(d.lane) {
                    if e.0 == 0 {
                        e.1 = d.trace_hash;
                    }
                    e.0 += 1;
                }
            }
            return per_lane;
        }
        let mut first_unknown = vec![false; n_lanes];
        let mut to_find = 0;
        for ((e, unknown), &n) in per_lane
            .iter_mut()
            .zip(&mut first_unknown)
            .zip(&self.dots_per_lane)
        {
            e.0 = n as usize;
            *unknown = n > 0;
            to_find += usize::from(n > 0);
        }
        for d in &self.dots {
            if to_find == 0 {
                break;
            }
            if let Some(unknown) = first_unknown.get_mut(d.lane)
                && *unknown
            {
                *unknown = false;
                per_lane[d.lane].1 = d.trace_hash;
                to_find -= 1;
            }
        }
        per_lane
    }

    /// The screen route dots take along edge `k`: its route, else (not routed yet) a straight line.
    fn dot_route_of_edge(&self, k: usize) -> Vec<Pos2> {
        let route = self.route_screen(k);
        if route.len() >= 2 {
            return route;
        }
        let (a, b) = self.edge_ends[k];
        let (p0, p1) = self.path(NodeIndex::new(a), NodeIndex::new(b));
        vec![p0, p1]
    }

    /// The legend of recent traces, newest first, in its strip along the canvas's bottom edge (fitting keeps
    /// nodes above it). Returns the trace whose entry was clicked.
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
        let strip = Rect::from_min_max(pos2(rect.min.x, rect.max.y - LEGEND_STRIP_H), rect.max);
        painter.rect_filled(strip, 0.0, ink.visuals.panel_fill.gamma_multiply(0.92));
        let title =
            painter.layout_no_wrap("recent traces".into(), FontId::proportional(11.0), ink.weak);
        let mut x = strip.min.x + 10.0;
        let title_w = title.size().x;
        painter.galley(
            pos2(x, strip.center().y - title.size().y / 2.0),
            title,
            ink.weak,
        );
        x += title_w + 12.0;
        let mut clicked = None;
        for (t, h) in self.recent_traces.iter().rev() {
            let short: String = t.chars().take(24).collect();
            let g = painter.layout_no_wrap(short, FontId::monospace(11.0), ink.weak);
            let r = Rect::from_min_size(
                pos2(x, strip.min.y + 3.0),
                vec2(16.0 + g.size().x, strip.height() - 6.0),
            );
            if r.max.x > strip.max.x - 10.0 {
                break;
            }
            painter.circle_filled(
                pos2(r.min.x + 6.0, r.center().y),
                5.0,
                style::trace_color(*h),
            );
            painter.galley(
                pos2(r.min.x + 16.0, r.center().y - g.size().y / 2.0),
                g,
                ink.weak,
            );
            if response.clicked() && pointer.is_some_and(|p| r.contains(p)) {
                clicked = Some(t.clone());
            }
            x = r.max.x + 14.0;
        }
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
            if let Some((from, p)) = &mut self.edit.wiring {
                *p = pointer.unwrap_or(*p);
                let (from, p) = (*from, *p);
                let target = node_at(self, p).filter(|&t| t != from);
                self.edit.wire_target = target.map(|t| (t, self.wire_refusal(from, t)));
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
            self.edit.wire_target = None;
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
            // The hovered target says at once whether the wiring is allowed: a ring in the selection colour,
            // or in the error colour with a cross (the reason shows beside it, see `wire_refusal_cue`).
            let color = match &self.edit.wire_target {
                Some((_, Some(_))) => err,
                _ => visuals.selection.stroke.color,
            };
            if let Some((t, refusal)) = &self.edit.wire_target {
                let r = self.any_rect(*t).expand(4.0);
                painter.rect_stroke(r, 6.0, Stroke::new(2.5, color), StrokeKind::Outside);
                if refusal.is_some() {
                    let c = r.right_top();
                    let d = 6.0;
                    painter.circle_filled(c, d + 3.0, err);
                    for (u, v) in [(vec2(-d, -d), vec2(d, d)), (vec2(-d, d), vec2(d, -d))] {
                        painter.line_segment(
                            [c + u * 0.7, c + v * 0.7],
                            Stroke::new(2.0, Color32::WHITE),
                        );
                    }
                }
            }
            painter.line_segment([a, p], Stroke::new(2.0, color));
            painter.circle_filled(p, 4.0, color);
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

    /// Why wiring `from` to `to` would be refused (the editor's own rule), or `None` when it is allowed.
    fn wire_refusal(&self, from: usize, to: usize) -> Option<String> {
        match (self.any_kind(from), self.any_kind(to)) {
            (NodeKind::Traffic, _) | (_, NodeKind::Traffic) => Some(
                "traffic sources are edited in the panel (Traffic) of the resource they feed"
                    .into(),
            ),
            (NodeKind::Resource(a), NodeKind::Resource(b)) => {
                crate::editor::wire_kind(a, b).err().map(|e| e.to_string())
            }
        }
    }

    /// While a wiring drag hovers a target it would be refused on: the reason, beside the target (a small
    /// window above the canvas, so it is never cut by the canvas's edge and screen readers read it).
    fn wire_refusal_cue(&self, ui: &Ui) {
        let Some((t, Some(reason))) = &self.edit.wire_target else {
            return;
        };
        if self.edit.wiring.is_none() {
            return;
        }
        let r = self.any_rect(*t);
        let err = ui.visuals().error_fg_color;
        egui::Area::new(egui::Id::unique("canvas wire refusal"))
            .order(egui::Order::Tooltip)
            .fixed_pos(r.left_bottom() + vec2(0.0, 8.0))
            .interactable(false)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(320.0);
                    ui.colored_label(err, format!("Cannot wire: {reason}"));
                });
            });
    }

    /// The type of node or ghost `i`.
    fn any_kind(&self, i: usize) -> NodeKind {
        match self.kinds.get(i) {
            Some(k) => *k,
            None => NodeKind::Resource(self.edit.ghosts[i - self.kinds.len()].1),
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
        let (kind, live) = self.subtitle_parts(i, snap);
        std::iter::once(kind.to_string())
            .chain(live)
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// A node's type and each part of its live state that is not zero ("3 busy", "12 warm").
    fn subtitle_parts(&self, i: usize, snap: &Snapshot) -> (&'static str, Vec<String>) {
        let kind = match self.kinds[i] {
            NodeKind::Traffic => "traffic",
            NodeKind::Resource(t) => t.name(),
        };
        let mut parts = Vec::new();
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
                    parts.push(format!("{n} {what}"));
                }
            }
        }
        (kind, parts)
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

/// A node's subtitle as it fits `max_w` points (measured by `width`): its type and live state; without the type
/// (the icon and colour say it); then the first parts of the live state and "…"; at worst the live state cut by
/// the box. Never a part cut in the middle ("57 wa…"): the whole line is in the node's hover and description.
fn fitted_subtitle(kind: &str, live: &[String], max_w: f32, width: &dyn Fn(&str) -> f32) -> String {
    let full = std::iter::once(kind.to_string())
        .chain(live.iter().cloned())
        .collect::<Vec<_>>()
        .join(" · ");
    if live.is_empty() || width(&full) <= max_w {
        return full;
    }
    let all = live.join(" · ");
    if width(&all) <= max_w {
        return all;
    }
    (1..live.len())
        .rev()
        .map(|k| format!("{} · …", live[..k].join(" · ")))
        .find(|text| width(text) <= max_w)
        .unwrap_or(all)
}

/// The header of an expanded state machine's container `r` (screen): as tall as the node's box.
fn container_header(r: Rect, zoom: f32) -> Rect {
    Rect::from_min_max(r.min, pos2(r.max.x, r.min.y + NODE_SIZE.y * zoom))
}

/// Where the Collapse button sits in a container's header (screen): at its right end, a fixed readable size —
/// "Collapse" where the header has room for it beside the name, else a square "−".
fn collapse_button(header: Rect) -> Rect {
    let h = 18.0_f32.min(header.height() - 2.0);
    let w = if header.width() >= 240.0 { 64.0 } else { h };
    let size = vec2(w, h);
    Rect::from_center_size(
        pos2(header.max.x - 8.0 - size.x / 2.0, header.center().y),
        size,
    )
}

/// An edge's label (already shortened) on a translucent plate at its place `r` (screen).
fn edge_label(painter: &egui::Painter, ink: &Ink, r: Rect, label: &str) {
    painter.rect_filled(r, 3.0, ink.visuals.extreme_bg_color.gamma_multiply(0.85));
    let galley = painter.layout_no_wrap(label.to_string(), ink.small.clone(), ink.weak);
    let at = r.center() - galley.size() / 2.0;
    painter
        .with_clip_rect(r.intersect(painter.clip_rect()))
        .galley(at, galley, ink.weak);
}

/// A label cut to `max` characters, with an ellipsis when cut.
fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() > max {
        label
            .chars()
            .take(max.saturating_sub(1))
            .chain("…".chars())
            .collect()
    } else {
        label.to_string()
    }
}

/// The world size of an edge label's plate (`(0, 0)` for no label).
fn label_world_size(label: &str) -> (f32, f32) {
    if label.is_empty() {
        (0.0, 0.0)
    } else {
        (label.chars().count() as f32 * LABEL_CHAR_W + 6.0, LABEL_H)
    }
}

fn point(p: Pos2) -> Point {
    Point::new(p.x, p.y)
}

/// The part of the canvas (canvas-local points) that fitting fills: all but the legend strip.
fn fit_area(rect: Rect) -> Rect {
    Rect::from_min_size(
        Pos2::ZERO,
        vec2(rect.width(), (rect.height() - LEGEND_STRIP_H).max(10.0)),
    )
}

/// Walks the dots' ends in queue order: `latest` is the latest end so far, `earliest` the earliest end of a dot
/// that ends before one ahead of it (out of order).
fn note_dot_end(latest: &mut u64, earliest: &mut u64, end_us: u64) {
    if end_us < *latest {
        *earliest = (*earliest).min(end_us);
    } else {
        *latest = end_us;
    }
}

/// One fewer dot kept in its lane.
fn uncount(per_lane: &mut [u32], d: &Dot) {
    if let Some(n) = per_lane.get_mut(d.lane) {
        *n = n.saturating_sub(1);
    }
}

/// A screen route with its segments measured once, for the many points a frame places along it: [`Self::along`]
/// gives exactly what [`along`] gives (the same lengths, summed in the same order).
struct MeasuredRoute {
    points: Vec<Pos2>,
    segments: Vec<f32>,
    len: f32,
}

impl MeasuredRoute {
    fn new(points: Vec<Pos2>) -> MeasuredRoute {
        let segments: Vec<f32> = points.windows(2).map(|s| s[0].distance(s[1])).collect();
        let len: f32 = segments.iter().copied().sum();
        MeasuredRoute {
            points,
            segments,
            len,
        }
    }

    /// The point a fraction `f` of the way along.
    fn along(&self, f: f32) -> Pos2 {
        let mut left = self.len * f.clamp(0.0, 1.0);
        for (s, &d) in self.points.windows(2).zip(&self.segments) {
            if left <= d && d > 0.0 {
                return s[0] + (s[1] - s[0]) * (left / d);
            }
            left -= d;
        }
        self.points.last().copied().unwrap_or(Pos2::ZERO)
    }
}

/// The point a fraction `f` of the way along a screen polyline (as [`layout::point_along`], without copying the
/// route: it runs for every dot of every frame).
fn along(route: &[Pos2], f: f32) -> Pos2 {
    let len: f32 = route.windows(2).map(|s| s[0].distance(s[1])).sum();
    let mut left = len * f.clamp(0.0, 1.0);
    for s in route.windows(2) {
        let d = s[0].distance(s[1]);
        if left <= d && d > 0.0 {
            return s[0] + (s[1] - s[0]) * (left / d);
        }
        left -= d;
    }
    route.last().copied().unwrap_or(Pos2::ZERO)
}

/// Distance from a point to a polyline.
fn distance_to_route(p: Pos2, route: &[Pos2]) -> f32 {
    route
        .windows(2)
        .map(|s| {
            let (a, b) = (s[0], s[1]);
            let ab = b - a;
            let t = if ab.length_sq() > 0.0 {
                ((p - a).dot(ab) / ab.length_sq()).clamp(0.0, 1.0)
            } else {
                0.0
            };
            p.distance(a + ab * t)
        })
        .fold(f32::INFINITY, f32::min)
}

impl CanvasClick {
    /// What the click asks of the app: in run mode it chooses what the inspector shows; in edit mode it changes
    /// the selection, wires, moves or adds.
    fn into_action(self, editing: bool) -> Action {
        match self {
            CanvasClick::Node(n) => Action::Select(Selection::Node(n)),
            CanvasClick::ToggleStates(n) => Action::ToggleStates(n),
            CanvasClick::Trace(t) => Action::Select(Selection::Trace(t)),
            CanvasClick::Dot(pick) => Action::InspectDot(pick),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::Definition;

    fn load(text: &str) -> Scenario {
        crate::scenario::load_str(text, "test.json", None).expect("the scenario loads")
    }

    fn world(r: Rect) -> WorldRect {
        WorldRect {
            min: point(r.min),
            max: point(r.max),
        }
    }

    /// Whether a polyline runs through the inside of a rectangle (sampled every few world units).
    fn runs_through(route: &[Pos2], r: Rect) -> bool {
        let inner = r.shrink(1.5);
        route.windows(2).any(|s| {
            let steps = (s[0].distance(s[1]) / 4.0).ceil().max(1.0) as usize;
            (0..=steps).any(|t| inner.contains(s[0].lerp(s[1], t as f32 / steps as f32)))
        })
    }

    /// Issue 13: any node of a graph expanded in turn into order-workflow's states (a container about twice a
    /// node's width and eight times its height): no node overlaps another or the container, no edge runs
    /// through a box other than its ends', the machine's edges end on the container's border, and collapsing
    /// puts every node back.
    #[test]
    fn an_expanded_state_machine_overlaps_no_node_and_no_route() {
        let example: serde_json::Value =
            serde_json::from_str(include_str!("../../assets/scenarios/order-workflow.json"))
                .expect("example parses");
        let raw = example["resources"]["OrderWorkflow"]["definition"].clone();
        let def = Definition::parse(&raw).expect("definition is valid");
        for text in [
            include_str!("../../tests/scenarios/sixty-nodes.json"),
            include_str!("../../assets/scenarios/order-workflow.json"),
            include_str!("../../assets/scenarios/saga.json"),
            include_str!("../../assets/scenarios/new-order.json"),
        ] {
            let sc = load(text);
            let mut canvas = Canvas::new(&sc);
            let n = canvas.pos.len();
            let collapsed: Vec<Rect> = (0..n).map(|i| canvas.world_rect(i)).collect();
            for k in 0..n {
                let name = canvas.names[k].clone();
                canvas.states = Some(SfnGraph::build(NodeIndex::new(k), &name, &def, &raw));
                canvas.refresh_routes();
                let boxes: Vec<WorldRect> = (0..n).map(|i| world(canvas.world_rect(i))).collect();
                assert!(
                    boxes[k].height() > NODE_SIZE.y * 5.0,
                    "{name} grows: {:?}",
                    boxes[k]
                );
                for i in 0..n {
                    for j in 0..i {
                        assert!(
                            !boxes[i].overlaps(&boxes[j]),
                            "{name} expanded: {} overlaps {}",
                            canvas.names[i],
                            canvas.names[j]
                        );
                    }
                }
                for (e, &(a, b)) in canvas.edge_ends.iter().enumerate() {
                    let route = &canvas.routes[e];
                    for v in (0..n).filter(|&v| v != a && v != b) {
                        assert!(
                            !runs_through(route, canvas.world_rect(v)),
                            "{name} expanded: the edge {} → {} runs through {}: {route:?}",
                            canvas.names[a],
                            canvas.names[b],
                            canvas.names[v]
                        );
                    }
                    let container = canvas.world_rect(k);
                    let on_border = |p: Pos2| {
                        container.expand(1.0).contains(p) && !container.shrink(1.0).contains(p)
                    };
                    if a == k && b != k {
                        assert!(
                            on_border(route[0]),
                            "{name}'s edge leaves its border: {route:?}"
                        );
                    }
                    if b == k && a != k {
                        let end = route[route.len() - 1];
                        assert!(
                            on_border(end),
                            "{name}'s edge ends on its border: {route:?}"
                        );
                    }
                }
            }
            canvas.states = None;
            let back: Vec<Rect> = (0..n).map(|i| canvas.world_rect(i)).collect();
            assert_eq!(back, collapsed, "collapsing puts every node back");
        }
    }

    /// After a slow-down, dots made at the faster speed end as if they had been made at the new one: a dot
    /// stretched to 450 virtual seconds at 1000× is over 0.45 s after it left at 1× (or at its arrival, if later).
    #[test]
    fn slowing_down_restretches_the_dots_in_flight() {
        let sc = load(include_str!("../../tests/scenarios/sixty-nodes.json"));
        let mut canvas = Canvas::new(&sc);
        let (a, b) = canvas.edge_ends[0];
        let (from, to) = (canvas.names[a].clone(), canvas.names[b].clone());
        let fast_us = (MIN_VISIBLE_WALL_S * 1000.0 * 1e6) as u64;
        let slow_us = (MIN_VISIBLE_WALL_S * 1e6) as u64;
        for (k, arrive_us) in [(0u64, 10_000u64), (1, 2_000_000)] {
            canvas.add_transit(
                TransitSeen {
                    from: &from,
                    to: &to,
                    t_us: k * 1_000,
                    arrive_us,
                    trace_id: "t",
                    span_id: k,
                    what: "event",
                },
                fast_us,
            );
        }
        assert!(canvas.expire(1_000_000), "at 1000× both stay 450 s");
        assert_eq!(canvas.dots.len(), 2);
        canvas.restretch_dots(slow_us);
        let ends: Vec<u64> = canvas.dots.iter().map(|d| d.end_us).collect();
        assert_eq!(
            ends,
            [slow_us, 2_000_000],
            "0.45 s after leaving, or the later arrival"
        );
        canvas.expire(1_000_000);
        assert_eq!(
            canvas.dots.len(),
            1,
            "the first is over, the second still travels"
        );
        canvas.expire(2_000_000);
        assert!(canvas.dots.is_empty());
        assert!(canvas.dots_per_lane.iter().all(|&n| n == 0));
    }

    /// A dot that ends before one ahead of it (a short hop behind a long one) is dropped when it ends, though the
    /// dots at the front are still travelling; in-order dots go from the front.
    #[test]
    fn dots_ending_out_of_order_are_dropped_when_they_end() {
        let sc = load(include_str!("../../tests/scenarios/sixty-nodes.json"));
        let mut canvas = Canvas::new(&sc);
        let (a, b) = canvas.edge_ends[0];
        let (from, to) = (canvas.names[a].clone(), canvas.names[b].clone());
        for (t_us, arrive_us) in [(0u64, 100u64), (1, 50), (2, 120), (3, 130)] {
            canvas.add_transit(
                TransitSeen {
                    from: &from,
                    to: &to,
                    t_us,
                    arrive_us,
                    trace_id: "t",
                    span_id: t_us,
                    what: "event",
                },
                0,
            );
        }
        let ends = |c: &Canvas| c.dots.iter().map(|d| d.end_us).collect::<Vec<_>>();
        canvas.expire(40);
        assert_eq!(ends(&canvas), [100, 50, 120, 130]);
        canvas.expire(60);
        assert_eq!(ends(&canvas), [100, 120, 130], "the short hop is over");
        canvas.expire(125);
        assert_eq!(ends(&canvas), [130]);
        assert_eq!(canvas.dots_per_lane.iter().sum::<u32>(), 1);
    }

    /// The counts kept as dots come and go are the counts of a pass over the dots, through adds, the cap's
    /// drain and expiry, and a measured route places points exactly where [`along`] does.
    #[test]
    fn kept_dot_counts_match_a_recount_and_measured_routes_match_along() {
        let sc = load(include_str!("../../tests/scenarios/sixty-nodes.json"));
        let mut canvas = Canvas::new(&sc);
        let pairs: Vec<(String, String)> = canvas
            .edge_ends
            .iter()
            .map(|&(a, b)| (canvas.names[a].clone(), canvas.names[b].clone()))
            .collect();
        assert!(pairs.len() > 5, "the scenario has edges");
        let n_lanes = pairs.len();
        let recount = |c: &Canvas, now: u64| {
            let mut per_lane = vec![(0usize, 0u64); n_lanes];
            for d in c.dots.iter().filter(|d| d.t_us <= now) {
                if let Some(e) = per_lane.get_mut(d.lane) {
                    if e.0 == 0 {
                        e.1 = d.trace_hash;
                    }
                    e.0 += 1;
                }
            }
            per_lane
        };
        let mut t_us = 0;
        for k in 0..(MAX_DOTS + MAX_DOTS / 3) {
            let (from, to) = &pairs[k * 7 % pairs.len()];
            let trace = format!("trace-{}", k % 13);
            t_us += 10;
            canvas.add_transit(
                TransitSeen {
                    from,
                    to,
                    t_us,
                    arrive_us: t_us + 1_000 + (k as u64 * 37) % 5_000,
                    trace_id: &trace,
                    span_id: k as u64,
                    what: "event",
                },
                (k as u64 % 3) * 2_000,
            );
            if k % 20_000 == 0 || k == MAX_DOTS + 1 {
                for now in [t_us, t_us + 3_000] {
                    assert_eq!(
                        canvas.dots_under_way_per_lane(n_lanes, now),
                        recount(&canvas, now)
                    );
                }
                // Part of them still to leave: the slow path counts them.
                assert_eq!(
                    canvas.dots_under_way_per_lane(n_lanes, t_us.saturating_sub(5)),
                    recount(&canvas, t_us.saturating_sub(5))
                );
            }
        }
        for now in [t_us - 4_000, t_us, t_us + 2_500, t_us + 10_000] {
            canvas.expire(now);
            assert!(canvas.dots.iter().all(|d| d.end_us > now));
            assert_eq!(
                canvas.dots_under_way_per_lane(n_lanes, now),
                recount(&canvas, now)
            );
        }
        assert!(canvas.dots.is_empty());
        assert!(canvas.dots_per_lane.iter().all(|&n| n == 0));

        let route = vec![
            pos2(0.0, 0.0),
            pos2(10.3, 0.7),
            pos2(10.3, 0.7),
            pos2(-4.1, 22.9),
        ];
        let measured = MeasuredRoute::new(route.clone());
        for k in 0..=200 {
            let f = k as f32 / 180.0 - 0.05;
            assert_eq!(measured.along(f), along(&route, f));
        }
        assert_eq!(MeasuredRoute::new(Vec::new()).along(0.5), along(&[], 0.5));
    }

    /// Issue 13: a busy function's subtitle was cut mid-word ("43 busy · 57 wa…"); now it drops the type, then
    /// whole parts, never cutting one.
    #[test]
    fn a_subtitle_drops_whole_parts_to_fit_its_box() {
        let width = |t: &str| t.chars().count() as f32 * 6.0;
        let live = ["43 busy".to_string(), "57 warm".to_string()];
        let fit = |w: f32| fitted_subtitle("function", &live, w, &width);
        assert_eq!(fit(200.0), "function · 43 busy · 57 warm");
        assert_eq!(fit(120.0), "43 busy · 57 warm");
        assert_eq!(fit(80.0), "43 busy · …");
        assert_eq!(fitted_subtitle("queue", &[], 10.0, &width), "queue");
    }

    #[test]
    fn room_is_made_right_of_the_box_and_below_it_in_its_column() {
        let ex = Expansion {
            node: 0,
            base: Rect::from_center_size(Pos2::ZERO, NODE_SIZE),
            grow: vec2(100.0, 300.0),
        };
        let right = Rect::from_center_size(pos2(300.0, -200.0), NODE_SIZE);
        let below = Rect::from_center_size(pos2(0.0, 120.0), NODE_SIZE);
        let above = Rect::from_center_size(pos2(0.0, -120.0), NODE_SIZE);
        let left = Rect::from_center_size(pos2(-300.0, 200.0), NODE_SIZE);
        assert_eq!(ex.shift_box(right), vec2(100.0, 0.0));
        assert_eq!(ex.shift_box(below), vec2(0.0, 300.0));
        assert_eq!(ex.shift_box(above), Vec2::ZERO);
        assert_eq!(ex.shift_box(left), Vec2::ZERO);
        // A lane through the column below the box stays level; the machine's own border moves to the
        // container's.
        let lane = [pos2(-85.0, 200.0), pos2(85.0, 200.0)];
        let moved: Vec<Pos2> = lane.iter().map(|p| ex.shift_point(*p)).collect();
        assert_eq!(moved, vec![pos2(-85.0, 500.0), pos2(185.0, 500.0)]);
        assert_eq!(ex.shift_point(pos2(85.0, 0.0)), pos2(185.0, 0.0));
        // A node below in the column keeps its right border point, then runs level past the container.
        let route = [pos2(85.0, 120.0), pos2(215.0, -200.0)];
        let shifted = ex.shift_route(&route, (1, 2), below, right);
        assert_eq!(
            shifted,
            vec![pos2(85.0, 420.0), pos2(185.0, 420.0), pos2(315.0, -200.0)]
        );
    }
}
