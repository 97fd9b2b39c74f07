//! Layout time: `cargo bench --bench layout` (or `cargo bench --bench layout -- 100 2000` for some sizes only).
//!
//! The canvas's automatic layout ([`eventflow::layout::layered`]) of generated architecture-like graphs of 100,
//! 200, 1,000, 2,000 and 10,000 nodes (with edge labels), timed over repeated runs after a warm-up; prints the
//! median and the worst run, and for up to 200 nodes the quality measures (crossings, overlaps, label collisions,
//! routes through nodes — quadratic, so not measured on the large graphs). Plain `std::time` timing: a figure for
//! the notes (the aim is under 100 ms for 100 nodes and about a second for 2,000), not a pass/fail test.

use std::time::{Duration, Instant};

use eventflow::layout::{DEFAULT_ASPECT, Spec, architecture_like, layered};

const NODE_W: f32 = 170.0;
const NODE_H: f32 = 54.0;
const SIZES: [usize; 5] = [100, 200, 1_000, 2_000, 10_000];
/// Largest graph whose quality is measured (the measures compare every pair of edges).
const QUALITY_UP_TO: usize = 200;

/// Timed runs for a graph of `n` nodes: many for the small graphs, one for the largest.
fn runs_for(n: usize) -> usize {
    match n {
        0..=200 => 15,
        201..=2_000 => 3,
        _ => 1,
    }
}

fn main() {
    let asked: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes: Vec<usize> = if asked.is_empty() {
        SIZES.to_vec()
    } else {
        asked
    };
    for n in sizes {
        let edges = architecture_like(n, 7);
        let labels: Vec<(f32, f32)> = (0..edges.len())
            .map(|k| ((k % 5) as f32 * 30.0, 16.0))
            .collect();
        let spec = Spec {
            nodes: n,
            node_w: NODE_W,
            node_h: NODE_H,
            edges: &edges,
            label_sizes: &labels,
            aspect: DEFAULT_ASPECT,
        };
        let runs = runs_for(n);
        let warm_up = Instant::now();
        let layout = layered(&spec);
        let first = warm_up.elapsed();
        let mut times: Vec<Duration> = if runs == 1 {
            vec![first]
        } else {
            (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(layered(std::hint::black_box(&spec)));
                    start.elapsed()
                })
                .collect()
        };
        times.sort();
        let placed = layout.labels.iter().flatten().count();
        let wanted = labels.iter().filter(|l| l.0 > 0.0).count();
        let quality = if n <= QUALITY_UP_TO {
            format!(
                "crossings {}, overlaps {}, label collisions {}, routes through nodes {}, ",
                layout.crossings(&edges),
                layout.node_overlaps(NODE_W, NODE_H),
                layout.label_collisions(NODE_W, NODE_H),
                layout.routes_through_nodes(&edges, NODE_W, NODE_H),
            )
        } else {
            String::new()
        };
        println!(
            "layout of {n} nodes, {} edges ({runs} runs): median {:.1} ms, worst {:.1} ms; {quality}labels placed {placed}/{wanted}",
            edges.len(),
            times[runs / 2].as_secs_f64() * 1e3,
            times[runs - 1].as_secs_f64() * 1e3,
        );
    }
}
