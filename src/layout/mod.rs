//! Layered left-to-right layout of a directed graph (Sugiyama's framework), pure and deterministic — no egui, so
//! it is unit-tested and benchmarked on its own (`benches/layout.rs`).
//!
//! 1. **Cycles** are broken by reversing DFS back edges (they are drawn in their real direction afterwards).
//! 2. **Layers**: longest path from the sources; a source then moves right next to its first successor, so a
//!    traffic source sits beside what it feeds instead of in column 0.
//! 3. **Lanes**: an edge that spans several layers gets one waypoint (a "lane") in each layer it crosses, so it
//!    runs between the nodes of those layers instead of through them.
//! 4. **Order**: median sweeps down and up the layers, then adjacent transpositions, keeping the order with the
//!    fewest crossings seen ([`Layout::crossings`] measures the drawn result).
//! 5. **Rows**: each layer is placed as close as its order and gaps allow to the median of its neighbours — an
//!    isotonic regression per layer, solved exactly by pool-adjacent-violators — so causal chains run straight.
//! 6. **Columns**: the gap after each layer is widened to fit the widest edge label that sits in it.
//! 7. **Labels**: [`place_labels`] puts each edge's label on its route where it collides with no node and no other
//!    label, or leaves it out (the canvas then shows it on hover); it also serves layouts the user moved by hand.
//!
//! Two steps make a large graph use a view of the given shape ([`Spec::aspect`]) instead of a thin strip:
//! - **Tall layers** (a topic fanning out to 40 subscribers) are split into sub-columns after step 2 when that
//!   brings the estimated drawing closer to the view's shape: each sub-column is a layer of its own, and edges to
//!   the later sub-columns run in lanes between the nodes of the earlier ones (a lane between two nodes costs no
//!   extra height), so every edge still points right.
//! - **Connected components** are laid out one by one and packed in rows, largest first (file order among equals),
//!   at the row width whose whole is largest when fitted into the view ([`pack_rows`]).

mod sample;

use std::collections::HashMap;

pub use sample::architecture_like;

/// Vertical gap between two node boxes of one layer, in world units.
pub const NODE_GAP_Y: f32 = 36.0;
/// Vertical gap between an edge lane and its neighbours in a layer.
pub const LANE_GAP_Y: f32 = 16.0;
/// Narrowest horizontal gap between two layers.
pub const MIN_LAYER_GAP_X: f32 = 90.0;
/// Room left on each side of an edge label in a gap between layers.
pub const LABEL_MARGIN_X: f32 = 14.0;
/// Room between a label placed beside its route and the line: the canvas draws a counted pulse of dots on the
/// line 11 world units in radius (5 × 2.2) at zoom 0.5 and above, 12.2 at zoom 0.45, below which it hides labels.
pub const LABEL_LINE_CLEARANCE: f32 = 13.0;
/// Width ÷ height of the view a layout is made for when its caller does not know its own (1280×800).
pub const DEFAULT_ASPECT: f32 = 1.6;
/// Space between two connected components packed side by side or one row below the other.
pub const COMPONENT_GAP: f32 = 80.0;
/// Layers of at most this many nodes are never split into sub-columns.
const SPLIT_LAYERS_ABOVE: usize = 8;
/// The fewest nodes a sub-column of a split layer is made for, and the most sub-columns a layer is split into.
const MIN_SUB_COLUMN_NODES: usize = 4;
const MAX_SUB_COLUMNS: usize = 16;
/// Sweeps of the ordering phase (each one down or up).
const ORDER_SWEEPS: usize = 24;
/// Rounds of the row placement (each one a down and an up pass).
const ROW_ROUNDS: usize = 8;

/// A point in world units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Point {
        Point { x, y }
    }
}

/// An axis-aligned rectangle in world units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldRect {
    pub min: Point,
    pub max: Point,
}

impl WorldRect {
    pub fn from_center_size(c: Point, w: f32, h: f32) -> WorldRect {
        WorldRect {
            min: Point::new(c.x - w / 2.0, c.y - h / 2.0),
            max: Point::new(c.x + w / 2.0, c.y + h / 2.0),
        }
    }

    pub fn center(&self) -> Point {
        Point::new(
            (self.min.x + self.max.x) / 2.0,
            (self.min.y + self.max.y) / 2.0,
        )
    }

    pub fn width(&self) -> f32 {
        self.max.x - self.min.x
    }

    pub fn height(&self) -> f32 {
        self.max.y - self.min.y
    }

    /// Grown by `d` on every side.
    pub fn expand(&self, d: f32) -> WorldRect {
        WorldRect {
            min: Point::new(self.min.x - d, self.min.y - d),
            max: Point::new(self.max.x + d, self.max.y + d),
        }
    }

    /// Whether the interiors meet (touching edges do not count).
    pub fn overlaps(&self, o: &WorldRect) -> bool {
        self.min.x < o.max.x && o.min.x < self.max.x && self.min.y < o.max.y && o.min.y < self.max.y
    }
}

/// What to lay out: `nodes` boxes of one size joined by `edges` (from, to), with the world size of each edge's
/// label (`(0, 0)` for none).
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub nodes: usize,
    pub node_w: f32,
    pub node_h: f32,
    pub edges: &'a [(usize, usize)],
    pub label_sizes: &'a [(f32, f32)],
    /// Width ÷ height of the view the graph is drawn in ([`DEFAULT_ASPECT`] when unknown; a value that is not a
    /// positive finite number counts as that). Large graphs are shaped towards it.
    pub aspect: f32,
}

impl Spec<'_> {
    /// [`Spec::aspect`], or [`DEFAULT_ASPECT`] when it is not usable.
    fn view_aspect(&self) -> f32 {
        if self.aspect.is_finite() && self.aspect > 0.0 {
            self.aspect.clamp(0.05, 20.0)
        } else {
            DEFAULT_ASPECT
        }
    }
}

/// A laid-out graph, in world units.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Centre of each node.
    pub centers: Vec<Point>,
    /// Per edge, its drawn route from the source's border to the target's (at least two points; a self loop
    /// goes over the node's top).
    pub routes: Vec<Vec<Point>>,
    /// Per edge, where its label goes (`None`: no room, or no label).
    pub labels: Vec<Option<WorldRect>>,
    /// Layer (column) of each node within its connected component (a sub-column of a split layer counts as one).
    pub layer: Vec<usize>,
}

impl Layout {
    /// Node boxes.
    pub fn node_rects(&self, w: f32, h: f32) -> Vec<WorldRect> {
        self.centers
            .iter()
            .map(|c| WorldRect::from_center_size(*c, w, h))
            .collect()
    }

    /// The box around everything drawn: node boxes, routes (a self loop rises above its node) and labels.
    pub fn bounds(&self, w: f32, h: f32) -> WorldRect {
        let mut b = WorldRect {
            min: Point::new(f32::INFINITY, f32::INFINITY),
            max: Point::new(f32::NEG_INFINITY, f32::NEG_INFINITY),
        };
        let mut add = |p: Point| {
            b.min = Point::new(b.min.x.min(p.x), b.min.y.min(p.y));
            b.max = Point::new(b.max.x.max(p.x), b.max.y.max(p.y));
        };
        for r in self.node_rects(w, h) {
            add(r.min);
            add(r.max);
        }
        self.routes.iter().flatten().for_each(|&p| add(p));
        for l in self.labels.iter().flatten() {
            add(l.min);
            add(l.max);
        }
        if b.min.x > b.max.x {
            return WorldRect {
                min: Point::new(0.0, 0.0),
                max: Point::new(0.0, 0.0),
            };
        }
        b
    }

    /// Pairs of node boxes that overlap.
    pub fn node_overlaps(&self, w: f32, h: f32) -> usize {
        let rects = self.node_rects(w, h);
        let mut n = 0;
        for i in 0..rects.len() {
            for j in 0..i {
                n += usize::from(rects[i].overlaps(&rects[j]));
            }
        }
        n
    }

    /// Labels that overlap a node box or another label.
    pub fn label_collisions(&self, w: f32, h: f32) -> usize {
        let rects = self.node_rects(w, h);
        let labels: Vec<&WorldRect> = self.labels.iter().flatten().collect();
        let mut n = 0;
        for (i, l) in labels.iter().enumerate() {
            n += rects.iter().filter(|r| r.overlaps(l)).count();
            n += labels[..i].iter().filter(|o| o.overlaps(l)).count();
        }
        n
    }

    /// Crossings of the drawn routes: segments of two edges that share no node and intersect.
    pub fn crossings(&self, edges: &[(usize, usize)]) -> usize {
        let mut n = 0;
        for i in 0..self.routes.len() {
            for j in 0..i {
                let (a, b) = (edges[i], edges[j]);
                if a.0 == b.0 || a.0 == b.1 || a.1 == b.0 || a.1 == b.1 {
                    continue;
                }
                n += usize::from(routes_cross(&self.routes[i], &self.routes[j]));
            }
        }
        n
    }

    /// Edges whose route passes through a node box other than its own ends.
    pub fn routes_through_nodes(&self, edges: &[(usize, usize)], w: f32, h: f32) -> usize {
        let rects = self.node_rects(w, h);
        let mut n = 0;
        for (k, route) in self.routes.iter().enumerate() {
            let (a, b) = edges[k];
            let hit = rects.iter().enumerate().any(|(v, r)| {
                v != a
                    && v != b
                    && route
                        .windows(2)
                        .any(|s| segment_meets_rect(s[0], s[1], &r.expand(-1.0)))
            });
            n += usize::from(hit);
        }
        n
    }
}

/// Lays out the graph of `spec` left to right: each connected component on its own ([`layered_connected`]), the
/// components packed in rows to fit a view of [`Spec::aspect`].
pub fn layered(spec: &Spec) -> Layout {
    let n = spec.nodes;
    let empty = || Layout {
        centers: Vec::new(),
        routes: vec![Vec::new(); spec.edges.len()],
        labels: vec![None; spec.edges.len()],
        layer: Vec::new(),
    };
    if n == 0 {
        return empty();
    }
    let (component, count) = components(n, spec.edges);
    if count == 1 {
        return layered_connected(spec);
    }
    // Each component's nodes and edges, renumbered from 0 in their original order.
    let mut local = vec![0usize; n];
    let mut sizes = vec![0usize; count];
    for v in 0..n {
        local[v] = sizes[component[v]];
        sizes[component[v]] += 1;
    }
    let mut edges: Vec<Vec<(usize, usize)>> = vec![Vec::new(); count];
    let mut label_sizes: Vec<Vec<(f32, f32)>> = vec![Vec::new(); count];
    let mut edge_ids: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (k, &(a, b)) in spec.edges.iter().enumerate() {
        if a < n && b < n {
            let c = component[a];
            edges[c].push((local[a], local[b]));
            label_sizes[c].push(spec.label_sizes.get(k).copied().unwrap_or((0.0, 0.0)));
            edge_ids[c].push(k);
        }
    }
    let parts: Vec<Layout> = (0..count)
        .map(|c| {
            layered_connected(&Spec {
                nodes: sizes[c],
                edges: &edges[c],
                label_sizes: &label_sizes[c],
                ..*spec
            })
        })
        .collect();
    let bounds: Vec<WorldRect> = parts
        .iter()
        .map(|p| p.bounds(spec.node_w, spec.node_h))
        .collect();
    // Largest first; components of one size keep their file order.
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let boxes: Vec<(f32, f32)> = order
        .iter()
        .map(|&c| (bounds[c].width(), bounds[c].height()))
        .collect();
    let corners = pack_rows(&boxes, COMPONENT_GAP, spec.view_aspect());
    let mut shift = vec![Point::new(0.0, 0.0); count];
    for (&c, corner) in order.iter().zip(corners) {
        shift[c] = Point::new(corner.x - bounds[c].min.x, corner.y - bounds[c].min.y);
    }
    let moved = |p: Point, c: usize| Point::new(p.x + shift[c].x, p.y + shift[c].y);
    let mut out = empty();
    out.centers = (0..n)
        .map(|v| moved(parts[component[v]].centers[local[v]], component[v]))
        .collect();
    out.layer = (0..n)
        .map(|v| parts[component[v]].layer[local[v]])
        .collect();
    for (c, part) in parts.iter().enumerate() {
        for (i, &k) in edge_ids[c].iter().enumerate() {
            out.routes[k] = part.routes[i].iter().map(|&p| moved(p, c)).collect();
            out.labels[k] = part.labels[i].map(|r| WorldRect {
                min: moved(r.min, c),
                max: moved(r.max, c),
            });
        }
    }
    out
}

/// Lays out a graph as one piece (all of it in one set of layers), shaping tall layers towards the view.
fn layered_connected(spec: &Spec) -> Layout {
    let n = spec.nodes;
    let dag = acyclic(n, spec.edges);
    let layer = split_tall_layers(spec, &dag, layers(n, &dag));
    let mut g = Lanes::build(n, spec.edges, &dag, &layer);
    g.order();
    let ys = g.rows(spec.node_h);
    let xs = g.columns(spec, &layer);
    let centers: Vec<Point> = (0..n).map(|v| Point::new(xs[layer[v]], ys[v])).collect();
    let routes = (0..spec.edges.len())
        .map(|k| g.route(k, spec, &xs, &ys))
        .collect::<Vec<_>>();
    let rects: Vec<WorldRect> = centers
        .iter()
        .map(|c| WorldRect::from_center_size(*c, spec.node_w, spec.node_h))
        .collect();
    let labels = place_labels(&rects, &routes, spec.label_sizes);
    Layout {
        centers,
        routes,
        labels,
        layer,
    }
}

/// The weakly connected component of each node, numbered by their smallest node, and how many there are. Edges
/// with an end that is not a node are ignored.
fn components(n: usize, edges: &[(usize, usize)]) -> (Vec<usize>, usize) {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for &(a, b) in edges {
        if a < n && b < n {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            // The smaller node is the root: components are then numbered in node order below.
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut number = vec![usize::MAX; n];
    let mut count = 0;
    let mut component = vec![0; n];
    for v in 0..n {
        let r = root(&mut parent, v);
        if number[r] == usize::MAX {
            number[r] = count;
            count += 1;
        }
        component[v] = number[r];
    }
    (component, count)
}

/// Top-left corners for boxes of the given (width, height), placed in their order left to right in rows, rows
/// top to bottom, `gap` apart. The row width is the one (among the widths where a row can break) that makes the
/// whole largest when fitted into a view of `aspect` (width ÷ height): the smallest `max(width / aspect, height)`.
fn pack_rows(boxes: &[(f32, f32)], gap: f32, aspect: f32) -> Vec<Point> {
    let place = |max_w: f32, corners: Option<&mut Vec<Point>>| -> (f32, f32) {
        let (mut x, mut y, mut row_h, mut width) = (0f32, 0f32, 0f32, 0f32);
        let mut out = corners;
        for &(w, h) in boxes {
            if x > 0.0 && x + w > max_w {
                y += row_h + gap;
                x = 0.0;
                row_h = 0.0;
            }
            if let Some(o) = out.as_deref_mut() {
                o.push(Point::new(x, y));
            }
            width = width.max(x + w);
            row_h = row_h.max(h);
            x += w + gap;
        }
        (width, y + row_h)
    };
    // Candidate row widths: each prefix of the boxes in one row (sampled when there are very many).
    let mut candidates = Vec::new();
    let mut prefix = 0f32;
    let step = boxes.len().div_ceil(256).max(1);
    for (i, &(w, _)) in boxes.iter().enumerate() {
        prefix += w + if i > 0 { gap } else { 0.0 };
        if i % step == 0 || i + 1 == boxes.len() {
            candidates.push(prefix);
        }
    }
    let mut best = (f32::INFINITY, f32::INFINITY);
    for max_w in candidates {
        let (w, h) = place(max_w, None);
        let score = (w / aspect).max(h);
        if score < best.0 {
            best = (score, max_w);
        }
    }
    let mut corners = Vec::with_capacity(boxes.len());
    place(best.1, Some(&mut corners));
    corners
}

/// Layer numbers with tall layers split into sub-columns, when that brings the drawing's estimated shape closer
/// to the view's: every layer of more than `cap` nodes becomes `⌈count / cap⌉` consecutive layers, its nodes dealt
/// to them in turn (in depth-first order from the sources, so siblings alternate and chains through two split
/// layers keep to matching sub-columns), and the layers after it move right. The cap is the one (of the tallest
/// layer divided into 1 to [`MAX_SUB_COLUMNS`] parts) whose estimate — one row pitch per node of the tallest
/// sub-column, one column pitch per layer — is largest when fitted into the view.
fn split_tall_layers(spec: &Spec, dag: &[Option<(usize, usize)>], layer: Vec<usize>) -> Vec<usize> {
    let layers = layer.iter().copied().max().map_or(0, |l| l + 1);
    let mut count = vec![0usize; layers];
    for &l in &layer {
        count[l] += 1;
    }
    let tallest = count.iter().copied().max().unwrap_or(0);
    if tallest <= SPLIT_LAYERS_ABOVE {
        return layer;
    }
    let aspect = spec.view_aspect();
    let (pitch_x, pitch_y) = (spec.node_w + MIN_LAYER_GAP_X, spec.node_h + NODE_GAP_Y);
    let parts = |c: usize, cap: usize| {
        if c > SPLIT_LAYERS_ABOVE {
            c.div_ceil(cap)
        } else {
            1
        }
    };
    let score = |cap: usize| {
        let columns: usize = count.iter().map(|&c| parts(c, cap)).sum();
        let rows = count
            .iter()
            .map(|&c| c.div_ceil(parts(c, cap)))
            .max()
            .unwrap_or(0);
        (columns as f32 * pitch_x / aspect).max(rows as f32 * pitch_y)
    };
    let mut best = (score(tallest), tallest);
    for s in 2..=MAX_SUB_COLUMNS {
        let cap = tallest.div_ceil(s);
        if cap < MIN_SUB_COLUMN_NODES {
            break;
        }
        let sc = score(cap);
        if sc < best.0 {
            best = (sc, cap);
        }
    }
    let cap = best.1;
    if cap == tallest {
        return layer;
    }
    // First layer number of each old layer.
    let mut base = Vec::with_capacity(layers);
    let mut next = 0;
    for &c in &count {
        base.push(next);
        next += parts(c, cap);
    }
    // Deal each layer's nodes to its sub-columns in depth-first order from the sources.
    let n = layer.len();
    let mut succ = vec![Vec::new(); n];
    let mut has_pred = vec![false; n];
    for &(a, b) in dag.iter().flatten() {
        succ[a].push(b);
        has_pred[b] = true;
    }
    let mut dealt = vec![0usize; layers];
    let mut out = layer.clone();
    let mut seen = vec![false; n];
    let roots = (0..n).filter(|&v| !has_pred[v]).chain(0..n);
    for root in roots {
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            let l = layer[v];
            out[v] = base[l] + dealt[l] % parts(count[l], cap);
            dealt[l] += 1;
            stack.extend(succ[v].iter().rev().filter(|&&w| !seen[w]));
        }
    }
    out
}

/// Which edges (by index) keep their direction for layering, and which are reversed: `true` = reversed. Self
/// loops are neither (they take no part in layering).
fn acyclic(n: usize, edges: &[(usize, usize)]) -> Vec<Option<(usize, usize)>> {
    let mut succ: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (k, &(a, b)) in edges.iter().enumerate() {
        if a < n && b < n && a != b {
            succ[a].push((b, k));
        }
    }
    let mut dag: Vec<Option<(usize, usize)>> = vec![None; edges.len()];
    let mut state = vec![0u8; n]; // 0 new, 1 on the DFS stack, 2 done
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if let Some(&(w, k)) = succ[v].get(*i) {
                *i += 1;
                match state[w] {
                    0 => {
                        dag[k] = Some((v, w));
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => dag[k] = Some((v, w)),
                    _ => dag[k] = Some((w, v)), // a back edge: reversed
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    dag
}

/// Longest-path layers over the acyclic edges, then each source moved up to just before its nearest successor.
fn layers(n: usize, dag: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut succ = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for &(a, b) in dag.iter().flatten() {
        succ[a].push(b);
        indeg[b] += 1;
    }
    let has_pred: Vec<bool> = indeg.iter().map(|&d| d > 0).collect();
    let mut topo: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut layer = vec![0usize; n];
    let mut k = 0;
    while k < topo.len() {
        let v = topo[k];
        k += 1;
        for &w in &succ[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                topo.push(w);
            }
        }
    }
    for &v in topo.iter().rev() {
        if !has_pred[v]
            && let Some(first) = succ[v].iter().map(|&w| layer[w]).min()
        {
            layer[v] = first.saturating_sub(1);
        }
    }
    layer
}

/// The proper layered graph: the real nodes (`0..n`) and one lane per layer an edge crosses (`n..`).
struct Lanes {
    real: usize,
    layer: Vec<usize>,
    pred: Vec<Vec<usize>>,
    succ: Vec<Vec<usize>>,
    /// Nodes of each layer, in order.
    rows: Vec<Vec<usize>>,
    /// Per edge: the lanes it runs through, from the lower layer to the higher.
    chain: Vec<Vec<usize>>,
    /// Per edge: its layering direction (`None` for a self loop).
    dag: Vec<Option<(usize, usize)>>,
}

impl Lanes {
    fn build(
        n: usize,
        edges: &[(usize, usize)],
        dag: &[Option<(usize, usize)>],
        layer: &[usize],
    ) -> Lanes {
        let mut g = Lanes {
            real: n,
            layer: layer.to_vec(),
            pred: vec![Vec::new(); n],
            succ: vec![Vec::new(); n],
            rows: Vec::new(),
            chain: vec![Vec::new(); edges.len()],
            dag: dag.to_vec(),
        };
        for (k, d) in dag.iter().enumerate() {
            let Some((a, b)) = *d else { continue };
            let mut prev = a;
            for l in layer[a] + 1..layer[b] {
                let lane = g.layer.len();
                g.layer.push(l);
                g.pred.push(vec![prev]);
                g.succ.push(Vec::new());
                g.succ[prev].push(lane);
                g.chain[k].push(lane);
                prev = lane;
            }
            g.succ[prev].push(b);
            g.pred[b].push(prev);
        }
        let layers = g.layer.iter().copied().max().unwrap_or(0) + 1;
        g.rows = vec![Vec::new(); layers];
        // First order: depth first from the sources, so each chain starts together.
        let mut seen = vec![false; g.layer.len()];
        let mut roots: Vec<usize> = (0..g.layer.len())
            .filter(|&v| g.pred[v].is_empty())
            .collect();
        roots.extend(0..g.layer.len());
        for root in roots {
            let mut stack = vec![root];
            while let Some(v) = stack.pop() {
                if std::mem::replace(&mut seen[v], true) {
                    continue;
                }
                g.rows[g.layer[v]].push(v);
                stack.extend(g.succ[v].iter().rev().filter(|&&w| !seen[w]));
            }
        }
        g
    }

    fn positions(&self) -> Vec<usize> {
        let mut pos = vec![0; self.layer.len()];
        for row in &self.rows {
            for (i, &v) in row.iter().enumerate() {
                pos[v] = i;
            }
        }
        pos
    }

    /// Crossings between layer `l` and `l + 1`, by counting inversions.
    fn crossings_between(&self, l: usize, pos: &[usize]) -> usize {
        let mut pairs: Vec<(usize, usize)> = self.rows[l]
            .iter()
            .flat_map(|&v| self.succ[v].iter().map(move |&w| (pos[v], pos[w])))
            .collect();
        pairs.sort_unstable();
        // Fenwick tree over the lower positions: for each edge, how many earlier edges end further down.
        let width = self.rows.get(l + 1).map_or(0, Vec::len);
        let mut tree = vec![0usize; width + 1];
        let mut crossings = 0;
        for (seen, &(_, q)) in pairs.iter().enumerate() {
            let mut at_or_before = 0;
            let mut i = q + 1;
            while i > 0 {
                at_or_before += tree[i];
                i &= i - 1;
            }
            crossings += seen - at_or_before;
            let mut i = q + 1;
            while i <= width {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
        crossings
    }

    fn crossings(&self) -> usize {
        let pos = self.positions();
        (0..self.rows.len().saturating_sub(1))
            .map(|l| self.crossings_between(l, &pos))
            .sum()
    }

    /// Median sweeps, then transpositions; keeps the best order seen.
    fn order(&mut self) {
        let mut best = self.rows.clone();
        let mut best_crossings = self.crossings();
        let mut pos = self.positions();
        for sweep in 0..ORDER_SWEEPS {
            if best_crossings == 0 {
                break;
            }
            let down = sweep % 2 == 0;
            let layers: Vec<usize> = if down {
                (1..self.rows.len()).collect()
            } else {
                (0..self.rows.len().saturating_sub(1)).rev().collect()
            };
            for l in layers {
                let neighbours = if down { &self.pred } else { &self.succ };
                let mut keyed: Vec<(f32, usize, usize)> = self.rows[l]
                    .iter()
                    .map(|&v| {
                        let mut p: Vec<usize> = neighbours[v].iter().map(|&u| pos[u]).collect();
                        p.sort_unstable();
                        let key = match p.len() {
                            0 => pos[v] as f32,
                            m if m % 2 == 1 => p[m / 2] as f32,
                            m => (p[m / 2 - 1] + p[m / 2]) as f32 / 2.0,
                        };
                        (key, pos[v], v)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                self.rows[l] = keyed.into_iter().map(|(_, _, v)| v).collect();
                // Only this layer moved: renumber it alone (not every layer, as a full recount would).
                for (i, &v) in self.rows[l].iter().enumerate() {
                    pos[v] = i;
                }
            }
            let c = self.crossings();
            if c < best_crossings {
                best_crossings = c;
                best = self.rows.clone();
            }
        }
        self.rows = best;
        self.transpose();
    }

    /// Swaps neighbours in a layer while that removes crossings with the layers on either side (on the best
    /// order the sweeps found; a few passes). A swap of `u` and `v` changes only the crossings between their own
    /// edges, so only those are counted ([`Lanes::swap_gain`]): O(deg log deg) per swap, not the whole layer's.
    fn transpose(&mut self) {
        let mut pos = self.positions();
        let mut scratch = (Vec::new(), Vec::new());
        for _ in 0..4 {
            let mut improved = false;
            for l in 0..self.rows.len() {
                for i in 0..self.rows[l].len().saturating_sub(1) {
                    let (u, v) = (self.rows[l][i], self.rows[l][i + 1]);
                    if self.swap_gain(u, v, &pos, &mut scratch) > 0 {
                        self.rows[l].swap(i, i + 1);
                        pos.swap(u, v);
                        improved = true;
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }

    /// How many crossings swapping `u` (just above) and `v` (just below) in their layer removes — negative when it
    /// adds some. Only pairs of one edge of `u` and one of `v` on the same side change: with `u` above, such a
    /// pair crosses when `u`'s neighbour lies below `v`'s; after the swap, when it lies above. `scratch` holds the
    /// neighbours' sorted positions (reused between calls).
    fn swap_gain(
        &self,
        u: usize,
        v: usize,
        pos: &[usize],
        scratch: &mut (Vec<usize>, Vec<usize>),
    ) -> i64 {
        let mut gain = 0i64;
        for side in [&self.pred, &self.succ] {
            let (pu, pv) = (&mut scratch.0, &mut scratch.1);
            pu.clear();
            pu.extend(side[u].iter().map(|&w| pos[w]));
            pu.sort_unstable();
            pv.clear();
            pv.extend(side[v].iter().map(|&w| pos[w]));
            pv.sort_unstable();
            gain += pairs_above(pu, pv) as i64 - pairs_above(pv, pu) as i64;
        }
        gain
    }

    /// Vertical centre of every node and lane: each layer as close to its neighbours' medians as order and gaps
    /// allow, alternating down and up passes, ending on a down pass (a node lines up with its cause).
    fn rows(&self, node_h: f32) -> Vec<f32> {
        let height = |v: usize| if v < self.real { node_h } else { 0.0 };
        let gap = |a: usize, b: usize| {
            let g = if a < self.real && b < self.real {
                NODE_GAP_Y
            } else {
                LANE_GAP_Y
            };
            (height(a) + height(b)) / 2.0 + g
        };
        let mut y = vec![0f32; self.layer.len()];
        for row in &self.rows {
            let mut at = 0.0;
            for (i, &v) in row.iter().enumerate() {
                if i > 0 {
                    at += gap(row[i - 1], v);
                }
                y[v] = at;
            }
            let mid = at / 2.0;
            row.iter().for_each(|&v| y[v] -= mid);
        }
        for round in 0..=ROW_ROUNDS * 2 {
            let down = round % 2 == 0;
            let layers: Vec<usize> = if down {
                (0..self.rows.len()).collect()
            } else {
                (0..self.rows.len()).rev().collect()
            };
            for l in layers {
                let row = &self.rows[l];
                let neighbours = if down { &self.pred } else { &self.succ };
                let mut targets = Vec::with_capacity(row.len());
                let mut weights = Vec::with_capacity(row.len());
                let mut offsets = Vec::with_capacity(row.len());
                let mut at = 0.0;
                for (i, &v) in row.iter().enumerate() {
                    if i > 0 {
                        at += gap(row[i - 1], v);
                    }
                    offsets.push(at);
                    let mut ns: Vec<f32> = neighbours[v].iter().map(|&u| y[u]).collect();
                    ns.sort_by(f32::total_cmp);
                    let (t, w) = match ns.len() {
                        0 => (y[v], 0.25),
                        m if m % 2 == 1 => (ns[m / 2], 1.0),
                        m => ((ns[m / 2 - 1] + ns[m / 2]) / 2.0, 1.0),
                    };
                    // Lanes weigh more: long edges stay straight.
                    let w = if v >= self.real { w * 4.0 } else { w };
                    targets.push(t);
                    weights.push(w);
                }
                let placed = ordered_fit(&targets, &weights, &offsets);
                for (&v, p) in row.iter().zip(placed) {
                    y[v] = p;
                }
            }
        }
        y
    }

    /// The x of each layer's centre: gaps wide enough for the labels that sit in them.
    fn columns(&self, spec: &Spec, layer: &[usize]) -> Vec<f32> {
        let layers = self.rows.len();
        let mut gap = vec![MIN_LAYER_GAP_X; layers];
        for (k, d) in self.dag.iter().enumerate() {
            let Some((a, _)) = *d else { continue };
            let w = spec.label_sizes.get(k).map_or(0.0, |s| s.0);
            if w > 0.0 {
                let l = layer[a];
                gap[l] = gap[l].max(w + 2.0 * LABEL_MARGIN_X);
            }
        }
        let mut xs = Vec::with_capacity(layers);
        let mut x = 0.0;
        for g in gap.iter().take(layers) {
            xs.push(x);
            x += spec.node_w + g;
        }
        xs
    }

    /// The drawn route of edge `k`: from the source's right side through its lanes to the target's left side (a
    /// reversed edge runs the other way: from its source's left side back to its target's right side).
    fn route(&self, k: usize, spec: &Spec, xs: &[f32], ys: &[f32]) -> Vec<Point> {
        let half_w = spec.node_w / 2.0;
        let Some((a, b)) = self.dag[k] else {
            // A self loop over the node's top (or nothing for an edge to a node that does not exist).
            let Some(&(v, _)) = spec.edges.get(k) else {
                return Vec::new();
            };
            if v >= self.real {
                return Vec::new();
            }
            let (cx, top) = (xs[self.layer[v]], ys[v] - spec.node_h / 2.0);
            let dx = spec.node_w / 4.0;
            return vec![
                Point::new(cx + dx, top),
                Point::new(cx + dx, top - 24.0),
                Point::new(cx - dx, top - 24.0),
                Point::new(cx - dx, top),
            ];
        };
        let mut pts = vec![Point::new(xs[self.layer[a]] + half_w, ys[a])];
        for &lane in &self.chain[k] {
            let x = xs[self.layer[lane]];
            pts.push(Point::new(x - half_w, ys[lane]));
            pts.push(Point::new(x + half_w, ys[lane]));
        }
        pts.push(Point::new(xs[self.layer[b]] - half_w, ys[b]));
        if spec.edges[k].0 != a {
            pts.reverse();
        }
        pts
    }
}

/// Pairs `(a, b)` with `a` from `upper` and `b` from `lower` (both sorted) where `a > b`: the crossings of two
/// neighbouring nodes' edges to one side when the node with the `upper` neighbours is drawn above. Linear merge.
fn pairs_above(upper: &[usize], lower: &[usize]) -> usize {
    let mut below = 0; // how many of `lower` are less than the current `a`
    let mut n = 0;
    for &a in upper {
        while below < lower.len() && lower[below] < a {
            below += 1;
        }
        n += below;
    }
    n
}

/// Positions in order with the given minimum offsets between neighbours (`offsets[i]` = the least distance from
/// the first), as close as possible to `targets` in weighted least squares: isotonic regression of
/// `target − offset`, by pool-adjacent-violators.
fn ordered_fit(targets: &[f32], weights: &[f32], offsets: &[f32]) -> Vec<f32> {
    // (weight sum, weighted sum, count) per block.
    let mut blocks: Vec<(f32, f32, usize)> = Vec::with_capacity(targets.len());
    for i in 0..targets.len() {
        let w = weights[i].max(1e-3);
        blocks.push((w, w * (targets[i] - offsets[i]), 1));
        while blocks.len() > 1 {
            let (w2, s2, c2) = blocks[blocks.len() - 1];
            let (w1, s1, c1) = blocks[blocks.len() - 2];
            if s1 / w1 <= s2 / w2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w1 + w2, s1 + s2, c1 + c2);
        }
    }
    let mut out = Vec::with_capacity(targets.len());
    for (w, s, c) in blocks {
        let z = s / w;
        for _ in 0..c {
            out.push(z + offsets[out.len()]);
        }
    }
    out
}

/// Where each edge's label goes: the first spot along its route — from the middle outwards, centred on the route,
/// then above it, then below (left and right of a vertical stretch) — that overlaps no node box and no label
/// placed before it. A label longer than half its route tries above and below first, so that it does not hide
/// the dots and the counted pulses that travel the line. `None` when no spot is
/// free or the label is empty. Deterministic: edges are served in index order. Nodes and placed labels are kept
/// in a uniform grid ([`RectGrid`]), so a spot is checked against its neighbourhood only: about O(edges), not
/// O(edges × nodes).
pub fn place_labels(
    nodes: &[WorldRect],
    routes: &[Vec<Point>],
    sizes: &[(f32, f32)],
) -> Vec<Option<WorldRect>> {
    const FRACTIONS: [f32; 9] = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88];
    let mut taken = RectGrid::new(grid_cell_size(nodes, sizes));
    for n in nodes {
        taken.insert(*n);
    }
    let mut out = Vec::with_capacity(routes.len());
    for (k, route) in routes.iter().enumerate() {
        let (w, h) = sizes.get(k).copied().unwrap_or((0.0, 0.0));
        if w <= 0.0 || h <= 0.0 || route.len() < 2 {
            out.push(None);
            continue;
        }
        let len: f32 = route.windows(2).map(|s| dist(s[0], s[1])).sum();
        let spot = FRACTIONS.iter().find_map(|&f| {
            let p = point_along(route, f);
            let (ux, uy) = direction_along(route, f);
            // Beside the route: above (or left of) it, then below (or right of) it, clear of what is drawn on
            // the line.
            let (bx, by) = if ux.abs() >= uy.abs() {
                (0.0, h / 2.0 + LABEL_LINE_CLEARANCE)
            } else {
                (w / 2.0 + LABEL_LINE_CLEARANCE, 0.0)
            };
            let on = (0.0, 0.0);
            let (above, below) = ((-bx, -by), (bx, by));
            // A label that would cover more than half of its route goes beside it first, so that the dots and
            // the counted pulses on the line stay visible.
            let covers = w * ux.abs() + h * uy.abs();
            let order = if covers > len * 0.5 {
                [above, below, on]
            } else {
                [on, above, below]
            };
            order
                .into_iter()
                .map(|(dx, dy)| WorldRect::from_center_size(Point::new(p.x + dx, p.y + dy), w, h))
                .find(|r| !taken.any_overlaps(&r.expand(2.0)))
        });
        if let Some(r) = spot {
            taken.insert(r);
        }
        out.push(spot);
    }
    out
}

/// The side of a [`RectGrid`] cell for these nodes and labels: the larger of the median node's and the median
/// label's longest side (most rectangles then cover one to four cells), at least 16 world units.
fn grid_cell_size(nodes: &[WorldRect], sizes: &[(f32, f32)]) -> f32 {
    let median = |mut v: Vec<f32>| -> f32 {
        v.retain(|x| x.is_finite() && *x > 0.0);
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let node = median(nodes.iter().map(|r| r.width().max(r.height())).collect());
    let label = median(sizes.iter().map(|s| s.0.max(s.1)).collect());
    node.max(label).max(16.0)
}

/// Rectangles bucketed by the square cells they cover, for "does this meet any of them" queries near a spot.
/// A rectangle covering more than [`RectGrid::MAX_CELLS`] cells (or with coordinates too large for the grid) is
/// kept aside and checked by every query.
struct RectGrid {
    cell: f32,
    cells: HashMap<(i64, i64), Vec<WorldRect>>,
    large: Vec<WorldRect>,
}

impl RectGrid {
    const MAX_CELLS: f64 = 64.0;

    fn new(cell: f32) -> RectGrid {
        RectGrid {
            cell,
            cells: HashMap::new(),
            large: Vec::new(),
        }
    }

    /// The cell span (x0, y0, x1, y1) of `r`, or `None` when it is too large (or not finite) for the grid.
    fn span(&self, r: &WorldRect) -> Option<(i64, i64, i64, i64)> {
        let c = f64::from(self.cell);
        let (x0, y0) = (
            (f64::from(r.min.x) / c).floor(),
            (f64::from(r.min.y) / c).floor(),
        );
        let (x1, y1) = (
            (f64::from(r.max.x) / c).floor(),
            (f64::from(r.max.y) / c).floor(),
        );
        let cells = (x1 - x0 + 1.0) * (y1 - y0 + 1.0);
        let in_range = [x0, y0, x1, y1].iter().all(|v| v.abs() < 1e15);
        (in_range && cells <= Self::MAX_CELLS)
            .then_some((x0 as i64, y0 as i64, x1 as i64, y1 as i64))
    }

    fn insert(&mut self, r: WorldRect) {
        let Some((x0, y0, x1, y1)) = self.span(&r) else {
            self.large.push(r);
            return;
        };
        for x in x0..=x1 {
            for y in y0..=y1 {
                self.cells.entry((x, y)).or_default().push(r);
            }
        }
    }

    /// Whether `r` overlaps any rectangle inserted (the same answer as checking each of them).
    fn any_overlaps(&self, r: &WorldRect) -> bool {
        if self.large.iter().any(|o| o.overlaps(r)) {
            return true;
        }
        let Some((x0, y0, x1, y1)) = self.span(r) else {
            return self.cells.values().flatten().any(|o| o.overlaps(r));
        };
        (x0..=x1).any(|x| {
            (y0..=y1).any(|y| {
                self.cells
                    .get(&(x, y))
                    .is_some_and(|v| v.iter().any(|o| o.overlaps(r)))
            })
        })
    }
}

/// The point a fraction `f` of the way along a polyline (by length).
pub fn point_along(route: &[Point], f: f32) -> Point {
    let len: f32 = route.windows(2).map(|s| dist(s[0], s[1])).sum();
    let mut left = len * f.clamp(0.0, 1.0);
    for s in route.windows(2) {
        let d = dist(s[0], s[1]);
        if left <= d && d > 0.0 {
            let t = left / d;
            return Point::new(
                s[0].x + (s[1].x - s[0].x) * t,
                s[0].y + (s[1].y - s[0].y) * t,
            );
        }
        left -= d;
    }
    route.last().copied().unwrap_or(Point::new(0.0, 0.0))
}

/// The unit direction of `route` at fraction `f` of its length (`(1, 0)` for a route of no length).
fn direction_along(route: &[Point], f: f32) -> (f32, f32) {
    let len: f32 = route.windows(2).map(|s| dist(s[0], s[1])).sum();
    let mut left = len * f.clamp(0.0, 1.0);
    let mut last = (1.0, 0.0);
    for s in route.windows(2) {
        let d = dist(s[0], s[1]);
        if d > 0.0 {
            last = ((s[1].x - s[0].x) / d, (s[1].y - s[0].y) / d);
            if left <= d {
                break;
            }
        }
        left -= d;
    }
    last
}

fn dist(a: Point, b: Point) -> f32 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

fn routes_cross(r1: &[Point], r2: &[Point]) -> bool {
    r1.windows(2).any(|s| {
        r2.windows(2)
            .any(|t| segments_cross(s[0], s[1], t[0], t[1]))
    })
}

/// Whether two segments cross at a point inside both (touching ends do not count).
fn segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool {
    let cross =
        |o: Point, a: Point, b: Point| (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
    let d1 = cross(q1, q2, p1);
    let d2 = cross(q1, q2, p2);
    let d3 = cross(p1, p2, q1);
    let d4 = cross(p1, p2, q2);
    ((d1 > 1e-3 && d2 < -1e-3) || (d1 < -1e-3 && d2 > 1e-3))
        && ((d3 > 1e-3 && d4 < -1e-3) || (d3 < -1e-3 && d4 > 1e-3))
}

/// Whether a segment meets a rectangle's interior.
fn segment_meets_rect(a: Point, b: Point, r: &WorldRect) -> bool {
    let inside = |p: Point| p.x > r.min.x && p.x < r.max.x && p.y > r.min.y && p.y < r.max.y;
    if inside(a) || inside(b) {
        return true;
    }
    let corners = [
        r.min,
        Point::new(r.max.x, r.min.y),
        r.max,
        Point::new(r.min.x, r.max.y),
    ];
    (0..4).any(|i| segments_cross(a, b, corners[i], corners[(i + 1) % 4]))
}

#[cfg(test)]
mod tests;
