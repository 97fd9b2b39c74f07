//! Layout quality on small cases and on generated architectures of 20–200 nodes.

use super::*;

const W: f32 = 170.0;
const H: f32 = 54.0;

fn spec<'a>(n: usize, edges: &'a [(usize, usize)], labels: &'a [(f32, f32)]) -> Spec<'a> {
    Spec {
        nodes: n,
        node_w: W,
        node_h: H,
        edges,
        label_sizes: labels,
        aspect: DEFAULT_ASPECT,
    }
}

#[test]
fn a_chain_goes_left_to_right_in_one_straight_row() {
    let edges = [(0, 1), (1, 2), (2, 3)];
    let l = layered(&spec(4, &edges, &[]));
    for w in l.centers.windows(2) {
        assert!(w[0].x < w[1].x);
        assert_eq!(w[0].y, w[1].y, "{:?}", l.centers);
    }
}

#[test]
fn a_chain_after_a_fan_out_stays_straight() {
    // 0 fans out to 1, 2, 3; 2 → 4 → 5 is a chain.
    let edges = [(0, 1), (0, 2), (0, 3), (2, 4), (4, 5)];
    let l = layered(&spec(6, &edges, &[]));
    assert_eq!(l.centers[2].y, l.centers[4].y);
    assert_eq!(l.centers[4].y, l.centers[5].y);
    assert_eq!(l.node_overlaps(W, H), 0);
}

#[test]
fn cycles_do_not_hang_and_keep_their_direction() {
    let edges = [(0, 1), (1, 2), (2, 1), (0, 3), (3, 2)];
    let l = layered(&spec(4, &edges, &[]));
    assert!(l.centers[0].x < l.centers[1].x && l.centers[1].x < l.centers[2].x);
    // The back edge 2 → 1 starts at 2 and ends at 1.
    let r = &l.routes[2];
    assert!(
        r[0].x < l.centers[2].x && r[r.len() - 1].x > l.centers[1].x,
        "{r:?}"
    );
}

#[test]
fn a_source_sits_just_before_what_it_feeds() {
    // 0 → 1 → 2 → 3, and a second source 4 feeding 3.
    let edges = [(0, 1), (1, 2), (2, 3), (4, 3)];
    let l = layered(&spec(5, &edges, &[]));
    assert_eq!(l.layer[4], l.layer[3] - 1);
}

#[test]
fn long_edges_run_in_lanes_between_nodes() {
    // 0 → 4 skips three layers filled with other nodes.
    let edges = [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (0, 4),
        (0, 5),
        (5, 6),
        (6, 7),
    ];
    let l = layered(&spec(8, &edges, &[]));
    assert_eq!(l.routes_through_nodes(&edges, W, H), 0, "{:?}", l.routes);
    assert!(l.routes[4].len() > 2, "the long edge bends through lanes");
}

#[test]
fn wide_labels_widen_their_gap_and_never_collide() {
    let edges = [(0, 1), (0, 2), (0, 3)];
    let labels = [(200.0, 14.0), (200.0, 14.0), (200.0, 14.0)];
    let l = layered(&spec(4, &edges, &labels));
    assert!(l.centers[1].x - l.centers[0].x >= W + 200.0);
    assert!(l.labels.iter().all(Option::is_some), "{:?}", l.labels);
    assert_eq!(l.label_collisions(W, H), 0);
}

#[test]
fn ordered_fit_keeps_order_and_gaps_and_meets_free_targets() {
    let y = ordered_fit(&[0.0, 0.0, 100.0], &[1.0, 1.0, 1.0], &[0.0, 50.0, 100.0]);
    assert!(
        (y[1] - y[0] - 50.0).abs() < 1e-3 && y[2] - y[1] >= 50.0 - 1e-3,
        "{y:?}"
    );
    assert!(
        (y[0] + y[1] - 0.0).abs() < 1e-3,
        "the pair centres on its targets: {y:?}"
    );
    assert!((y[2] - 100.0).abs() < 1e-3);
}

#[test]
fn labels_keep_off_nodes_moved_by_hand() {
    let nodes = [
        WorldRect::from_center_size(Point::new(0.0, 0.0), W, H),
        WorldRect::from_center_size(Point::new(300.0, 0.0), W, H),
        // A node dropped right on the middle of the edge.
        WorldRect::from_center_size(Point::new(150.0, 0.0), 30.0, 40.0),
    ];
    let routes = vec![vec![Point::new(85.0, 0.0), Point::new(215.0, 0.0)]];
    let l = place_labels(&nodes, &routes, &[(40.0, 14.0)]);
    let r = l[0].expect("a free spot exists above or below");
    assert!(nodes.iter().all(|n| !n.overlaps(&r)), "{r:?}");
}

#[test]
fn a_label_that_would_cover_its_edge_goes_beside_the_line() {
    let nodes = [
        WorldRect::from_center_size(Point::new(0.0, 0.0), W, H),
        WorldRect::from_center_size(Point::new(W + 110.0, 0.0), W, H),
        WorldRect::from_center_size(Point::new(0.0, 400.0), W, H),
        WorldRect::from_center_size(Point::new(600.0, 400.0), W, H),
        WorldRect::from_center_size(Point::new(900.0, 0.0), W, H),
        WorldRect::from_center_size(Point::new(900.0, 300.0), W, H),
    ];
    let routes = vec![
        // A short gap, as the layout makes it for its widest label: 110 units for an 82-unit label.
        vec![Point::new(W / 2.0, 0.0), Point::new(W / 2.0 + 110.0, 0.0)],
        // A long edge with a short label.
        vec![
            Point::new(W / 2.0, 400.0),
            Point::new(600.0 - W / 2.0, 400.0),
        ],
        // A short vertical stretch.
        vec![
            Point::new(900.0, H / 2.0),
            Point::new(900.0, 300.0 - H / 2.0),
        ],
    ];
    let l = place_labels(
        &nodes,
        &routes,
        &[(82.0, 14.0), (40.0, 14.0), (60.0, 200.0)],
    );
    let beside = l[0].expect("room above the short edge");
    assert!(
        beside.max.y <= 0.0,
        "above the line, clear of it: {beside:?}"
    );
    assert!(nodes.iter().all(|n| !n.overlaps(&beside)), "{beside:?}");
    let on = l[1].expect("room on the long edge");
    assert!(
        on.min.y < 400.0 && on.max.y > 400.0,
        "a short label stays on its line: {on:?}"
    );
    let side = l[2].expect("room beside the vertical stretch");
    assert!(side.max.x <= 900.0, "left of the line: {side:?}");
}

/// Crossings of the generated graphs of [`generated_architectures_lay_out_cleanly`], as recorded when the layout
/// last changed on purpose, per node count and seed 1–5: the test fails if any of them gets worse. (Lower them
/// when the layout improves.)
const RECORDED_CROSSINGS: [(usize, [usize; 5]); 6] = [
    (20, [9, 0, 1, 1, 2]),
    (40, [9, 8, 4, 8, 7]),
    (60, [8, 24, 19, 15, 9]),
    (100, [79, 45, 96, 24, 30]),
    (150, [127, 106, 95, 56, 53]),
    (200, [222, 118, 208, 185, 157]),
];

/// The measure of quality on generated graphs of 20–200 nodes: no overlaps, no label collisions, no edge through
/// a node, crossings no more than recorded for each graph and a small share of all edge pairs, nearly every label
/// placed, and the same layout every time.
#[test]
fn generated_architectures_lay_out_cleanly() {
    for (n, recorded) in RECORDED_CROSSINGS {
        for (seed, most) in (1..).zip(recorded) {
            let edges = architecture_like(n, seed);
            let labels: Vec<(f32, f32)> = (0..edges.len())
                .map(|k| ((k % 5) as f32 * 30.0, 15.0))
                .collect();
            let s = spec(n, &edges, &labels);
            let l = layered(&s);
            assert_eq!(l.node_overlaps(W, H), 0, "n={n} seed={seed}");
            assert_eq!(l.label_collisions(W, H), 0, "n={n} seed={seed}");
            assert_eq!(l.routes_through_nodes(&edges, W, H), 0, "n={n} seed={seed}");
            let crossings = l.crossings(&edges);
            assert!(
                crossings <= most,
                "n={n} seed={seed}: {crossings} crossings, {most} recorded"
            );
            let pairs = edges.len() * edges.len().saturating_sub(1) / 2;
            assert!(
                crossings * 20 <= pairs.max(20),
                "n={n} seed={seed}: {crossings} crossings of {pairs} edge pairs"
            );
            let placed = l.labels.iter().flatten().count();
            let wanted = labels.iter().filter(|s| s.0 > 0.0).count();
            assert!(
                placed * 10 >= wanted * 9,
                "n={n} seed={seed}: {placed} of {wanted} labels placed"
            );
            assert_eq!(layered(&s), l, "deterministic");
        }
    }
}

#[test]
fn ordering_never_ends_with_more_crossings_than_it_began() {
    for seed in 1..=5 {
        let edges = architecture_like(80, seed);
        let n = 80;
        let dag = acyclic(n, &edges);
        let layer = layers(n, &dag);
        let mut g = Lanes::build(n, &edges, &dag, &layer);
        let first = g.crossings();
        g.order();
        assert!(g.crossings() <= first, "seed {seed}");
    }
}

/// The transposition's delta count ([`Lanes::swap_gain`]) equals a full recount of the two layers around the swap,
/// on many random swaps of generated graphs (with lanes, fan-outs, fan-ins and parallel edges).
#[test]
fn swap_gain_equals_the_full_recount() {
    let mut checked = 0;
    for seed in 1..=4 {
        let n = 60;
        let mut edges = architecture_like(n, seed);
        edges.push(edges[3]); // a parallel edge
        let dag = acyclic(n, &edges);
        let layer = layers(n, &dag);
        let mut g = Lanes::build(n, &edges, &dag, &layer);
        let full = |g: &Lanes, l: usize| {
            let pos = g.positions();
            let above = if l > 0 {
                g.crossings_between(l - 1, &pos)
            } else {
                0
            };
            above as i64 + g.crossings_between(l, &pos) as i64
        };
        let mut state = seed;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 33) as usize) % bound.max(1)
        };
        let mut scratch = (Vec::new(), Vec::new());
        for _ in 0..300 {
            let l = next(g.rows.len());
            if g.rows[l].len() < 2 {
                continue;
            }
            let i = next(g.rows[l].len() - 1);
            let (u, v) = (g.rows[l][i], g.rows[l][i + 1]);
            let before = full(&g, l);
            let gain = g.swap_gain(u, v, &g.positions(), &mut scratch);
            g.rows[l].swap(i, i + 1);
            assert_eq!(before - full(&g, l), gain, "seed {seed}, layer {l}, at {i}");
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} swaps checked");
}

/// Every edge that is not a self loop or reversed by a cycle runs left to right (its target's column is further
/// right than its source's).
fn edges_point_right(l: &Layout, edges: &[(usize, usize)]) -> bool {
    edges
        .iter()
        .all(|&(a, b)| a == b || l.centers[a].x < l.centers[b].x)
}

fn aspect_of(l: &Layout) -> f32 {
    let b = l.bounds(W, H);
    b.width() / b.height()
}

/// Ten domains, each a feed → topic → {audit queue, work queue → worker, notifier} (the shape of
/// tests/scenarios/sixty-nodes.json): ten components, packed in rows instead of one tall stack.
#[test]
fn independent_components_are_packed_to_the_view_shape() {
    let mut edges = Vec::new();
    for d in 0..10 {
        let v = d * 6;
        edges.extend([
            (v, v + 1),
            (v + 1, v + 2),
            (v + 1, v + 3),
            (v + 1, v + 4),
            (v + 3, v + 5),
        ]);
    }
    let labels = vec![(60.0, 15.0); edges.len()];
    for aspect in [DEFAULT_ASPECT, 16.0 / 9.0, 1.0] {
        let s = Spec {
            aspect,
            ..spec(60, &edges, &labels)
        };
        let l = layered(&s);
        assert_eq!(l.node_overlaps(W, H), 0);
        assert_eq!(l.label_collisions(W, H), 0);
        assert_eq!(l.routes_through_nodes(&edges, W, H), 0);
        assert_eq!(l.crossings(&edges), 0);
        assert!(edges_point_right(&l, &edges));
        let a = aspect_of(&l);
        assert!(
            a > aspect / 2.0 && a < aspect * 2.0,
            "aspect {a} for a view of {aspect}"
        );
        // Every domain is drawn in the same shape (only moved).
        let d0 = l.centers[0];
        for d in 1..10 {
            let dd = l.centers[d * 6];
            for i in 0..6 {
                let (p, q) = (l.centers[i], l.centers[d * 6 + i]);
                assert!(
                    (q.x - dd.x - (p.x - d0.x)).abs() < 1e-3
                        && (q.y - dd.y - (p.y - d0.y)).abs() < 1e-3
                );
            }
        }
        assert_eq!(layered(&s), l, "deterministic");
    }
    // The old result, one component above the other, would be about 0.3 wide per unit of height.
    let one_component_per_row = Spec {
        aspect: 0.01,
        ..spec(60, &edges, &labels)
    };
    assert!(aspect_of(&layered(&one_component_per_row)) < 0.5);
}

#[test]
fn a_wide_fan_out_is_split_into_sub_columns() {
    // A topic (1) fed by a source (0) fans out to 40 queues, each read by a worker.
    let mut edges = vec![(0, 1)];
    for i in 0..40 {
        edges.push((1, 2 + i));
        edges.push((2 + i, 42 + i));
    }
    let labels: Vec<(f32, f32)> = (0..edges.len())
        .map(|k| ((k % 3) as f32 * 40.0, 15.0))
        .collect();
    let s = spec(82, &edges, &labels);
    let l = layered(&s);
    assert_eq!(l.node_overlaps(W, H), 0);
    assert_eq!(l.label_collisions(W, H), 0);
    assert_eq!(l.routes_through_nodes(&edges, W, H), 0, "{:?}", l.routes);
    assert!(edges_point_right(&l, &edges));
    let one_column = 40.0 * (H + NODE_GAP_Y);
    let b = l.bounds(W, H);
    assert!(b.height() < one_column / 2.0, "{} tall", b.height());
    assert!(
        aspect_of(&l) > DEFAULT_ASPECT / 2.0,
        "aspect {}",
        aspect_of(&l)
    );
    // Each queue's worker is on the queue's row: the chains stay straight.
    // Each queue's worker is on (about) the queue's row: the chains stay straight, bent by less than half a node.
    for i in 0..40 {
        let dy = l.centers[42 + i].y - l.centers[2 + i].y;
        assert!(dy.abs() < H / 2.0, "queue {i}: its worker is {dy} lower");
    }
    assert_eq!(layered(&s), l, "deterministic");
    // A small fan-out is not split.
    let small = [(0, 1), (0, 2), (0, 3), (0, 4)];
    let l = layered(&spec(5, &small, &[]));
    assert!((1..5).all(|v| l.layer[v] == 1));
}

#[test]
fn pack_rows_fills_rows_and_never_overlaps() {
    let boxes = vec![(100.0, 50.0); 12];
    let corners = pack_rows(&boxes, 10.0, 1.0);
    // 12 boxes of 2:1 in a square view: 4 rows of 3 (320 wide × 230 tall) beat 3 rows of 4 (430 × 170) and 6 rows
    // of 2 (210 × 350).
    assert_eq!(corners[2], Point::new(220.0, 0.0));
    assert_eq!(corners[3], Point::new(0.0, 60.0));
    assert_eq!(corners[11], Point::new(220.0, 180.0));
    for i in 0..12 {
        for j in 0..i {
            let r = |k: usize| WorldRect {
                min: corners[k],
                max: Point::new(corners[k].x + 100.0, corners[k].y + 50.0),
            };
            assert!(!r(i).overlaps(&r(j)));
        }
    }
}

#[test]
fn a_bad_aspect_counts_as_the_default() {
    let edges = architecture_like(60, 3);
    for aspect in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let bad = Spec {
            aspect,
            ..spec(60, &edges, &[])
        };
        assert_eq!(layered(&bad), layered(&spec(60, &edges, &[])));
    }
}
