//! What the canvas shows of an imported template beyond the simulated graph: the resources eventflow does not
//! simulate as greyed "not simulated" boxes, and the links only a function's `Policies` or `Environment` imply as
//! dashed hint edges — the scenario's `external` and `hints` (which `eventflow import` writes). Drawn over the
//! canvas after it, from the canvas's public geometry (node positions and where it drew them), so the canvas
//! itself stays the simulated graph's.
//!
//! Greyed boxes go into the free cells of the automatic layout's grid inside the graph's bounds (so fitting the
//! graph shows them too), else in a row under it. Each is an accessible widget labelled
//! `Id (AWS type): not simulated`.

use eframe::egui::{self, Align2, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};

use super::canvas::{Canvas, NODE_SIZE};
use crate::layout::{MIN_LAYER_GAP_X, NODE_GAP_Y};
use crate::scenario::{ExternalResource, HintLink};

/// The grid greyed boxes are placed on: a node box plus the layout's narrowest gaps.
const LAYER_DX: f32 = NODE_SIZE.x + MIN_LAYER_GAP_X;
const ROW_DY: f32 = NODE_SIZE.y + NODE_GAP_Y;

/// World positions for `count` greyed boxes: free grid cells inside the graph's bounds, then a row below it.
pub fn place_external(positions: &[(String, f32, f32)], count: usize) -> Vec<Pos2> {
    if count == 0 {
        return Vec::new();
    }
    let taken = |p: Pos2, placed: &[Pos2]| {
        positions
            .iter()
            .map(|(_, x, y)| pos2(*x, *y))
            .chain(placed.iter().copied())
            .any(|q| {
                (q.x - p.x).abs() < NODE_SIZE.x + 20.0 && (q.y - p.y).abs() < NODE_SIZE.y + 20.0
            })
    };
    let (mut min, mut max) = (pos2(f32::MAX, f32::MAX), pos2(f32::MIN, f32::MIN));
    for (_, x, y) in positions {
        min = min.min(pos2(*x, *y));
        max = max.max(pos2(*x, *y));
    }
    if positions.is_empty() {
        (min, max) = (Pos2::ZERO, Pos2::ZERO);
    }
    let mut placed: Vec<Pos2> = Vec::with_capacity(count);
    let columns = ((max.x - min.x) / LAYER_DX).round().max(0.0) as usize + 1;
    let rows = ((max.y - min.y) / ROW_DY).round().max(0.0) as usize + 1;
    'cells: for row in 0..rows {
        for column in 0..columns {
            if placed.len() == count {
                break 'cells;
            }
            let p = pos2(
                min.x + column as f32 * LAYER_DX,
                min.y + row as f32 * ROW_DY,
            );
            if !taken(p, &placed) {
                placed.push(p);
            }
        }
    }
    let below = max.y + ROW_DY.max(NODE_SIZE.y + 30.0);
    let mut column = 0;
    while placed.len() < count {
        let p = pos2(min.x + column as f32 * LAYER_DX, below);
        if !taken(p, &placed) {
            placed.push(p);
        }
        column += 1;
    }
    placed
}

/// Draws the greyed boxes (placed by [`place_external`] around the canvas's nodes as drawn, moved aside for an
/// expanded state machine) and the dashed hint edges over the canvas drawn this frame, with the canvas's view.
/// Nothing is drawn before the canvas has been drawn once.
pub fn draw(ui: &mut Ui, canvas: &Canvas, external: &[ExternalResource], hints: &[HintLink]) {
    let clip = canvas.last_rect();
    if !clip.is_positive() {
        return;
    }
    let positions: Vec<(String, f32, f32)> = canvas
        .world_rects()
        .into_iter()
        .map(|(name, r)| (name, r.center().x, r.center().y))
        .collect();
    let world = place_external(&positions, external.len());
    let painter = ui.painter_at(clip);
    let visuals = ui.visuals().clone();
    let zoom = canvas.zoom();
    let weak = visuals.weak_text_color();
    let font = egui::FontId::proportional((12.0 * zoom).clamp(6.0, 20.0));
    let small = egui::FontId::proportional((10.0 * zoom).clamp(5.0, 16.0));
    let boxes: Vec<(&str, Rect)> = external
        .iter()
        .zip(&world)
        .map(|(e, p)| {
            let c = canvas.world_to_screen(*p);
            (e.id.as_str(), Rect::from_center_size(c, NODE_SIZE * zoom))
        })
        .collect();
    let rect_of = |name: &str| {
        canvas
            .screen_rect_of(name)
            .or_else(|| boxes.iter().find(|(n, _)| *n == name).map(|b| b.1))
    };
    let hint_color = visuals
        .widgets
        .noninteractive
        .fg_stroke
        .color
        .gamma_multiply(0.5);
    let stroke = Stroke::new((1.2 * zoom).max(0.8), hint_color);
    for h in hints {
        if wired(canvas, &h.from, &h.to) {
            continue;
        }
        let (Some(a), Some(b)) = (rect_of(&h.from), rect_of(&h.to)) else {
            continue;
        };
        let (p0, p1) = (border_point(a, b.center()), border_point(b, a.center()));
        painter.extend(egui::Shape::dashed_line(
            &[p0, p1],
            stroke,
            6.0 * zoom.max(0.5),
            4.0 * zoom.max(0.5),
        ));
        let dir = (p1 - p0).normalized();
        let n = vec2(-dir.y, dir.x);
        let head = 8.0 * zoom.max(0.5);
        painter.add(egui::Shape::convex_polygon(
            vec![
                p1,
                p1 - dir * head + n * head * 0.45,
                p1 - dir * head - n * head * 0.45,
            ],
            hint_color,
            Stroke::NONE,
        ));
        if zoom >= 0.45 {
            // Near the function's end, not the middle: real edges' labels sit at their middles.
            painter.text(
                p0 + (p1 - p0) * 0.3,
                Align2::CENTER_BOTTOM,
                format!("{} (hint)", h.why.as_deref().unwrap_or("template")),
                small.clone(),
                weak,
            );
        }
    }
    for (e, (_, r)) in external.iter().zip(&boxes) {
        let radius = 6.0 * zoom;
        painter.rect_filled(*r, radius, visuals.faint_bg_color);
        let border = Stroke::new((1.0 * zoom).max(0.6), weak.gamma_multiply(0.7));
        let corners = [
            r.left_top(),
            r.right_top(),
            r.right_bottom(),
            r.left_bottom(),
            r.left_top(),
        ];
        painter.extend(egui::Shape::dashed_line(
            &corners,
            border,
            5.0 * zoom,
            3.0 * zoom,
        ));
        painter.text(
            r.center() - vec2(0.0, 7.0 * zoom),
            Align2::CENTER_CENTER,
            &e.id,
            font.clone(),
            weak,
        );
        painter.text(
            r.center() + vec2(0.0, 10.0 * zoom),
            Align2::CENTER_CENTER,
            format!("{} (not simulated)", short_type(&e.aws_type)),
            small.clone(),
            weak.gamma_multiply(0.8),
        );
        if clip.intersects(*r) {
            let label = format!("{} ({}): not simulated", e.id, e.aws_type);
            let response = ui
                .interact(
                    r.intersect(clip),
                    ui.scope_id().with(("not simulated", &e.id)),
                    Sense::hover(),
                )
                .on_hover_text(format!(
                    "{}: {} is not simulated by eventflow; it is shown as the template has it{}",
                    e.id,
                    e.aws_type,
                    e.note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ));
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
        }
    }
}

/// World → screen as the canvas drew this frame.
/// Whether the scenario graph already joins the two nodes (in either direction): then no hint is drawn.
fn wired(canvas: &Canvas, a: &str, b: &str) -> bool {
    let index = |name: &str| {
        canvas
            .graph
            .graph
            .node_indices()
            .find(|ix| canvas.names.get(ix.index()).is_some_and(|n| n == name))
    };
    let (Some(a), Some(b)) = (index(a), index(b)) else {
        return false;
    };
    canvas.graph.graph.find_edge(a, b).is_some() || canvas.graph.graph.find_edge(b, a).is_some()
}

/// `AWS::Cognito::UserPoolClient` → `UserPoolClient` (the box is narrow; the full type is in its tooltip).
fn short_type(aws_type: &str) -> &str {
    aws_type.rsplit("::").next().unwrap_or(aws_type)
}

/// Where the segment from `r`'s centre toward `toward` leaves `r`.
fn border_point(r: Rect, toward: Pos2) -> Pos2 {
    let c = r.center();
    let d = toward - c;
    if d.x.abs() < f32::EPSILON && d.y.abs() < f32::EPSILON {
        return c;
    }
    let sx = if d.x.abs() > f32::EPSILON {
        r.width() / 2.0 / d.x.abs()
    } else {
        f32::MAX
    };
    let sy = if d.y.abs() > f32::EPSILON {
        r.height() / 2.0 / d.y.abs()
    } else {
        f32::MAX
    };
    c + d * sx.min(sy).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greyed_boxes_fill_free_cells_inside_the_graph_first_then_a_row_below() {
        // Two layers: two nodes in the first, one in the second — the second layer has a free cell.
        let positions = vec![
            ("A".to_string(), 0.0, 0.0),
            ("B".to_string(), 0.0, ROW_DY),
            ("C".to_string(), LAYER_DX, 0.0),
        ];
        let placed = place_external(&positions, 2);
        assert_eq!(placed[0], pos2(LAYER_DX, ROW_DY), "the free cell first");
        assert!(
            placed[1].y > ROW_DY,
            "then below the graph: {:?}",
            placed[1]
        );
        assert!(
            placed
                .iter()
                .all(|p| !positions.iter().any(|(_, x, y)| pos2(*x, *y) == *p))
        );
    }

    #[test]
    fn a_hint_leaves_its_box_at_the_border() {
        let r = Rect::from_center_size(Pos2::ZERO, vec2(100.0, 50.0));
        assert_eq!(border_point(r, pos2(500.0, 0.0)), pos2(50.0, 0.0));
        assert_eq!(border_point(r, pos2(0.0, -300.0)), pos2(0.0, -25.0));
    }
}
