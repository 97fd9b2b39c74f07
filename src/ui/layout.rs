//! Automatic left-to-right layered layout of the architecture graph.
//!
//! Longest-path layering from the sources (cycles are broken by ignoring DFS back edges), then a few sweeps of
//! barycentric ordering inside each layer to reduce crossings. Pure function of the graph: deterministic.

/// Horizontal distance between layers and vertical distance between nodes, in world units.
pub const LAYER_DX: f32 = 250.0;
pub const ROW_DY: f32 = 90.0;

/// Positions (x, y) of `n` nodes joined by `edges` (from, to), centred on y = 0.
pub fn layered(n: usize, edges: &[(usize, usize)]) -> Vec<(f32, f32)> {
    if n == 0 {
        return Vec::new();
    }
    let mut succ = vec![Vec::new(); n];
    let mut pred = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a < n && b < n && a != b {
            succ[a].push(b);
        }
    }
    // Break cycles: iterative DFS from every node in order; an edge to a node on the stack is a back edge.
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if let Some(&w) = succ[v].get(*i) {
                *i += 1;
                match state[w] {
                    0 => {
                        forward[v].push(w);
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => forward[v].push(w),
                    _ => {} // back edge
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    for (a, ws) in forward.iter().enumerate() {
        for &b in ws {
            pred[b].push(a);
        }
    }
    // Longest path from the sources, in topological order (Kahn).
    let mut indeg: Vec<usize> = pred.iter().map(Vec::len).collect();
    let mut order: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut layer = vec![0usize; n];
    let mut k = 0;
    while k < order.len() {
        let v = order[k];
        k += 1;
        for &w in &forward[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                order.push(w);
            }
        }
    }
    let layers = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for v in 0..n {
        rows[layer[v]].push(v);
    }
    let mut pos_in_row = vec![0f32; n];
    let reindex = |rows: &Vec<Vec<usize>>, pos: &mut Vec<f32>| {
        for row in rows {
            for (i, &v) in row.iter().enumerate() {
                pos[v] = i as f32;
            }
        }
    };
    reindex(&rows, &mut pos_in_row);
    for sweep in 0..8 {
        let down = sweep % 2 == 0;
        let range: Vec<usize> = if down {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in range {
            let neighbours = if down { &pred } else { &forward };
            let mut keyed: Vec<(f32, usize)> = rows[l]
                .iter()
                .map(|&v| {
                    let ns = &neighbours[v];
                    let key = if ns.is_empty() {
                        pos_in_row[v]
                    } else {
                        ns.iter().map(|&u| pos_in_row[u]).sum::<f32>() / ns.len() as f32
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in rows[l].iter().enumerate() {
                pos_in_row[v] = i as f32;
            }
        }
    }
    let mut out = vec![(0.0, 0.0); n];
    for (l, row) in rows.iter().enumerate() {
        let h = (row.len().saturating_sub(1)) as f32 * ROW_DY;
        for (i, &v) in row.iter().enumerate() {
            out[v] = (l as f32 * LAYER_DX, i as f32 * ROW_DY - h / 2.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_goes_left_to_right() {
        let p = layered(3, &[(0, 1), (1, 2)]);
        assert!(p[0].0 < p[1].0 && p[1].0 < p[2].0);
    }

    #[test]
    fn cycles_do_not_hang_and_longest_path_wins() {
        let p = layered(4, &[(0, 1), (1, 2), (2, 1), (0, 3), (3, 2)]);
        assert_eq!(p[0].0, 0.0);
        assert!(p[2].0 >= 2.0 * LAYER_DX);
    }

    #[test]
    fn every_node_gets_a_distinct_place() {
        let edges: Vec<(usize, usize)> = (1..60).map(|i| (i / 3, i)).collect();
        let p = layered(60, &edges);
        for i in 0..60 {
            for j in 0..i {
                assert!(p[i] != p[j], "{i} and {j} overlap");
            }
        }
    }
}
