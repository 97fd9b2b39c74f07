//! Layout time: `cargo bench --bench layout`.
//!
//! The canvas's automatic layout ([`eventflow::layout::layered`]) of generated architecture-like graphs of 100
//! and 200 nodes (with edge labels), timed over repeated runs after a warm-up; prints the median and the worst
//! run and the quality measures (crossings, overlaps, label collisions). Plain `std::time` timing: a figure for
//! the notes (the aim is under 100 ms for 100 nodes), not a pass/fail test.

use std::time::{Duration, Instant};

use eventflow::layout::{Spec, architecture_like, layered};

const NODE_W: f32 = 170.0;
const NODE_H: f32 = 54.0;
const RUNS: usize = 15;

fn main() {
    for n in [100, 200] {
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
        };
        let layout = layered(&spec);
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(layered(std::hint::black_box(&spec)));
                start.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "layout of {n} nodes, {} edges: median {:.1} ms, worst {:.1} ms; crossings {}, overlaps {}, label collisions {}, labels placed {}/{}",
            edges.len(),
            times[RUNS / 2].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3,
            layout.crossings(&edges),
            layout.node_overlaps(NODE_W, NODE_H),
            layout.label_collisions(NODE_W, NODE_H),
            layout.labels.iter().flatten().count(),
            labels.iter().filter(|l| l.0 > 0.0).count(),
        );
    }
}
