//! Node names at low zoom (level of detail): when a node box is too small for its name in a readable size, the
//! canvas draws each name in a fixed font beside, under, over or on its node, wherever it collides with no other
//! node and no other name. Names of the nodes the user is looking at (hovered, selected, focused, and their
//! neighbours) are placed first and always drawn; the others are drawn where they fit (cut with an ellipsis when
//! only a shorter text fits), so a graph fitted into a small window stays readable without zooming.
//!
//! Pure geometry on screen rectangles: the caller measures text (with egui's fonts) and paints the result.

use eframe::egui::{Rect, pos2, vec2};

/// Zoom below which the name inside a node box would be smaller than [`LOD_FONT_PT`] points: names are then placed
/// by [`place`] instead (the box's own text is drawn at `13 × zoom` points).
pub const LOD_BELOW_ZOOM: f32 = 0.77;
/// Font size of a placed name, in screen points (readable at any zoom).
pub const LOD_FONT_PT: f32 = 10.5;
/// Gap between a node box and a name beside or under it, in screen points.
const GAP: f32 = 2.0;
/// Padding of a name's plate around its text, in screen points.
pub const PAD: f32 = 2.0;
/// Fewest characters (before the ellipsis) a cut name keeps; shorter, it is not drawn.
const MIN_CUT_CHARS: usize = 4;
/// A name that finds no room whole is tried cut to this many characters (and an ellipsis) before it is cut to
/// its box's width: enough to tell most resource names apart.
const CUT_CHARS: usize = 10;

/// How much a node's name matters this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Hovered, selected or focused: placed first, drawn even if it collides.
    Focus,
    /// A neighbour of a focus node: placed next, drawn even if it collides.
    Neighbour,
    /// Any other node: drawn only where it collides with nothing.
    Other,
}

/// One node to name: its box on screen, the part of the box right of its icon, its name and priority.
#[derive(Debug, Clone)]
pub struct NodeName<'a> {
    pub rect: Rect,
    pub text_area: Rect,
    pub name: &'a str,
    pub priority: Priority,
}

/// A name placed: the node it belongs to, the text (the name, or cut with "…"), and its plate on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub node: usize,
    pub text: String,
    pub plate: Rect,
}

/// Places the names of `nodes` inside `area` (the canvas), measuring text with `width_of` (screen points of a
/// text at [`LOD_FONT_PT`]) at line height `line_h`. Returns one entry per placed name, in placement order.
///
/// Each name tries, in order: on its box (when it fits the box's width), right of it, under it, over it, left of
/// it, then at its corners — first whole, then cut to [`CUT_CHARS`] characters, then cut to the box's width. The
/// first spot that overlaps no other node box, no placed name and stays inside `area` wins. Focus and neighbour names that find no free spot take their first spot anyway.
pub fn place(
    nodes: &[NodeName<'_>],
    area: Rect,
    line_h: f32,
    width_of: &dyn Fn(&str) -> f32,
) -> Vec<Placed> {
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    // Stable: ties keep the graph's order, so the same frame always places the same names.
    order.sort_by_key(|&i| nodes[i].priority);
    let mut placed: Vec<Placed> = Vec::new();
    for i in order {
        let node = &nodes[i];
        if !node.rect.intersects(area) || node.name.is_empty() {
            continue;
        }
        let texts = texts_for(node, width_of);
        let mut first = None;
        let mut chosen = None;
        'search: for text in &texts {
            let w = width_of(text) + 2.0 * PAD;
            for plate in spots(node.rect, node.text_area, vec2(w, line_h + 2.0 * PAD)) {
                if first.is_none() {
                    first = Some((text.clone(), plate));
                }
                if is_free(plate, i, nodes, &placed, area) {
                    chosen = Some((text.clone(), plate));
                    break 'search;
                }
            }
        }
        let forced = node.priority != Priority::Other;
        if let Some((text, plate)) = chosen.or(if forced { first } else { None }) {
            placed.push(Placed {
                node: i,
                text,
                plate,
            });
        }
    }
    placed
}

/// The texts a name may be drawn as: whole, then cut to [`CUT_CHARS`] characters, then (when still wider than
/// its box) cut to the box's width.
fn texts_for(node: &NodeName<'_>, width_of: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut texts = vec![node.name.to_string()];
    let chars = node.name.chars().count();
    if chars > CUT_CHARS + 1 {
        texts.push(cut(node.name, CUT_CHARS));
    }
    let room = node.rect.width().max(1.0) - 2.0 * PAD;
    let last_w = texts.last().map_or(0.0, |t| width_of(t));
    if last_w > room {
        let last_chars = chars.min(CUT_CHARS + 1);
        // Proportional first guess, then shrink until it fits (a few steps: glyph widths vary little).
        let mut keep = ((last_chars as f32 * room / last_w).floor() as usize).min(last_chars - 1);
        while keep >= MIN_CUT_CHARS {
            let text = cut(node.name, keep);
            if width_of(&text) <= room {
                texts.push(text);
                break;
            }
            keep -= 1;
        }
    }
    texts
}

/// The first `keep` characters of a name and an ellipsis.
fn cut(name: &str, keep: usize) -> String {
    name.chars().take(keep).chain(['…']).collect()
}

/// Candidate plates of size `size` around node box `r`, best first: on it (right of the icon, in `text_area`,
/// when it fits there, else centred when it fits the box's width), right, under, over, left, under and over
/// flush with the box's right edge and then its left edge, then the four corners outside the box.
fn spots(r: Rect, text_area: Rect, size: eframe::egui::Vec2) -> Vec<Rect> {
    let mut out = Vec::with_capacity(13);
    if size.x <= text_area.width() {
        out.push(Rect::from_min_size(
            pos2(text_area.min.x, r.center().y - size.y / 2.0),
            size,
        ));
    } else if size.x <= r.width() {
        out.push(Rect::from_center_size(r.center(), size));
    }
    out.push(Rect::from_min_size(
        pos2(r.max.x + GAP, r.center().y - size.y / 2.0),
        size,
    ));
    out.push(Rect::from_min_size(
        pos2(r.center().x - size.x / 2.0, r.max.y + GAP),
        size,
    ));
    out.push(Rect::from_min_size(
        pos2(r.center().x - size.x / 2.0, r.min.y - GAP - size.y),
        size,
    ));
    out.push(Rect::from_min_size(
        pos2(r.min.x - GAP - size.x, r.center().y - size.y / 2.0),
        size,
    ));
    // Under and over again, flush with the box's right edge, then its left edge (clear of a neighbouring layer).
    for x in [r.max.x - size.x, r.min.x] {
        out.push(Rect::from_min_size(pos2(x, r.max.y + GAP), size));
        out.push(Rect::from_min_size(pos2(x, r.min.y - GAP - size.y), size));
    }
    for (x, y) in [
        (r.max.x + GAP, r.min.y - size.y),
        (r.max.x + GAP, r.max.y),
        (r.min.x - GAP - size.x, r.min.y - size.y),
        (r.min.x - GAP - size.x, r.max.y),
    ] {
        out.push(Rect::from_min_size(pos2(x, y), size));
    }
    out
}

/// Whether a plate for node `own` overlaps no other node box and no placed name, and lies inside `area`.
fn is_free(plate: Rect, own: usize, nodes: &[NodeName<'_>], placed: &[Placed], area: Rect) -> bool {
    area.contains_rect(plate)
        && !nodes
            .iter()
            .enumerate()
            .any(|(j, n)| j != own && n.rect.intersects(plate))
        && !placed.iter().any(|p| p.plate.intersects(plate))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About 5.5 points per character at 10.5 points.
    fn width(s: &str) -> f32 {
        s.chars().count() as f32 * 5.5
    }

    /// Boxes in `cols` columns of `rows`, each `w × h` with gaps `gx`, `gy` (screen points).
    fn grid(cols: usize, rows: usize, w: f32, h: f32, gx: f32, gy: f32) -> Vec<Rect> {
        (0..cols * rows)
            .map(|k| {
                let (c, r) = (k / rows, k % rows);
                Rect::from_min_size(
                    pos2(20.0 + c as f32 * (w + gx), 20.0 + r as f32 * (h + gy)),
                    vec2(w, h),
                )
            })
            .collect()
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|k| format!("Service{k}Queue")).collect()
    }

    fn overlaps(placed: &[Placed], nodes: &[NodeName<'_>]) -> usize {
        let mut bad = 0;
        for (a, p) in placed.iter().enumerate() {
            bad += placed[a + 1..]
                .iter()
                .filter(|q| q.plate.intersects(p.plate))
                .count();
            bad += nodes
                .iter()
                .enumerate()
                .filter(|(j, n)| *j != p.node && n.rect.intersects(p.plate))
                .count();
        }
        bad
    }

    /// A 60-node graph fitted at zoom 0.22 (boxes 37 × 12 points, four layers far apart, rows 8 points apart):
    /// every name is drawn, beside its box, and no name overlaps another name or another node.
    #[test]
    fn a_sixty_node_graph_at_low_zoom_names_every_node_without_collisions() {
        let rects = grid(4, 15, 37.0, 12.0, 150.0, 8.0);
        let names = names(60);
        let nodes: Vec<NodeName> = rects
            .iter()
            .zip(&names)
            .map(|(r, n)| NodeName {
                rect: *r,
                text_area: *r,
                name: n,
                priority: Priority::Other,
            })
            .collect();
        let area = Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 400.0));
        let placed = place(&nodes, area, 13.0, &width);
        assert_eq!(placed.len(), 60, "every name finds room");
        assert_eq!(overlaps(&placed, &nodes), 0);
        assert!(placed.iter().all(|p| p.text.starts_with("Service")));
    }

    /// Packed tightly (no room beside the boxes), names are cut or left out — never overlapping — except the
    /// focus and its neighbours, which are always drawn whole.
    #[test]
    fn packed_nodes_drop_or_cut_names_but_always_show_the_focus_and_its_neighbours() {
        let rects = grid(6, 10, 37.0, 12.0, 4.0, 1.0);
        let names = names(60);
        let mut nodes: Vec<NodeName> = rects
            .iter()
            .zip(&names)
            .map(|(r, n)| NodeName {
                rect: *r,
                text_area: *r,
                name: n,
                priority: Priority::Other,
            })
            .collect();
        nodes[25].priority = Priority::Focus;
        nodes[24].priority = Priority::Neighbour;
        let area = Rect::from_min_size(pos2(0.0, 0.0), vec2(300.0, 300.0));
        let placed = place(&nodes, area, 13.0, &width);
        let focus = placed
            .iter()
            .find(|p| p.node == 25)
            .expect("the focus is named");
        assert_eq!(focus.text, "Service25Queue", "whole");
        assert!(
            placed.iter().any(|p| p.node == 24),
            "its neighbour is named"
        );
        assert_eq!(placed[0].node, 25, "the focus is placed first");
        assert!(placed.len() < 60, "not every name fits: {}", placed.len());
        // Only the forced names may collide.
        let others: Vec<Placed> = placed
            .iter()
            .filter(|p| p.node != 25 && p.node != 24)
            .cloned()
            .collect();
        for p in &others {
            assert!(
                !placed
                    .iter()
                    .any(|q| q.node != p.node && q.plate.intersects(p.plate)),
                "{} overlaps a name",
                p.text
            );
            assert!(
                !nodes
                    .iter()
                    .enumerate()
                    .any(|(j, n)| j != p.node && n.rect.intersects(p.plate)),
                "{} overlaps a node",
                p.text
            );
        }
    }

    /// A name wider than its box with no room around is cut to the box's width with an ellipsis.
    #[test]
    fn a_name_is_cut_to_its_box_when_nothing_else_fits() {
        let r = Rect::from_min_size(pos2(10.0, 10.0), vec2(60.0, 16.0));
        let nodes = [NodeName {
            rect: r,
            text_area: r,
            name: "AVeryLongFunctionName",
            priority: Priority::Other,
        }];
        // The canvas is the box itself: only "on the box" stays inside.
        let placed = place(&nodes, r, 12.0, &width);
        assert_eq!(placed.len(), 1);
        assert!(placed[0].text.ends_with('…'), "{}", placed[0].text);
        assert!(width(&placed[0].text) + 2.0 * PAD <= 60.0);
        assert!(r.contains_rect(placed[0].plate));
    }

    #[test]
    fn nodes_off_the_canvas_are_not_named() {
        let off = Rect::from_min_size(pos2(-500.0, 10.0), vec2(40.0, 12.0));
        let nodes = [NodeName {
            rect: off,
            text_area: off,
            name: "Gone",
            priority: Priority::Focus,
        }];
        let area = Rect::from_min_size(pos2(0.0, 0.0), vec2(300.0, 300.0));
        assert!(place(&nodes, area, 13.0, &width).is_empty());
    }
}
