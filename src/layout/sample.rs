//! Graphs shaped like serverless architectures, generated from a seed — for the layout's tests, its benchmark
//! and screenshots of large graphs: a few sources (traffic, schedules), chains of hops, fan-outs (topics, buses),
//! fan-ins (a queue fed by several functions) and a few loops (retries, recursive calls).

/// `n` nodes joined by edges (from, to), the same for the same `(n, seed)`.
pub fn architecture_like(n: usize, seed: u64) -> Vec<(usize, usize)> {
    // SplitMix64: a tiny, well-mixed generator; layout tests need variety, not statistics.
    let mut state = seed;
    let mut next = move |bound: usize| -> usize {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % bound.max(1) as u64) as usize
    };
    let sources = (n / 10).max(1).min(n);
    let mut edges = Vec::new();
    for v in sources..n {
        // Usually fed by a recent node (a chain), sometimes by any earlier one (a fan-out).
        let from = if next(3) == 0 {
            next(v)
        } else {
            v - 1 - next(v.min(4))
        };
        edges.push((from, v));
        if next(5) == 0 {
            let other = next(v);
            if other != from {
                edges.push((other, v));
            }
        }
        if next(25) == 0 && v > sources {
            edges.push((v, sources + next(v - sources)));
        }
    }
    edges
}
