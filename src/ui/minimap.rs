//! The canvas's minimap: the whole graph in small, with the part the view shows outlined, in the canvas's
//! bottom-right corner (above the legend strip) whenever the graph does not fit in the view. A click or a drag in
//! it moves the view there.

use eframe::egui::{self, Color32, Id, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2, vec2};

/// Size of the minimap on screen, in points.
pub const MINIMAP_SIZE: Vec2 = vec2(210.0, 130.0);
/// Space kept between the minimap and the canvas's edges.
pub const MINIMAP_MARGIN: f32 = 8.0;

/// The screen rectangle of the minimap in a canvas area (the canvas less its bottom legend strip).
pub fn area(canvas: Rect) -> Rect {
    Rect::from_min_size(
        canvas.max - MINIMAP_SIZE - Vec2::splat(MINIMAP_MARGIN),
        MINIMAP_SIZE,
    )
}

/// World ↔ minimap scaling: the graph's bounds fitted into the minimap's rectangle.
struct Scale {
    world_center: Pos2,
    screen_center: Pos2,
    points_per_unit: f32,
}

impl Scale {
    fn new(world: Rect, screen: Rect) -> Scale {
        let inner = screen.shrink(6.0);
        let points_per_unit =
            (inner.width() / world.width().max(1.0)).min(inner.height() / world.height().max(1.0));
        Scale {
            world_center: world.center(),
            screen_center: inner.center(),
            points_per_unit,
        }
    }

    fn to_screen(&self, p: Pos2) -> Pos2 {
        self.screen_center + (p - self.world_center) * self.points_per_unit
    }

    fn to_world(&self, p: Pos2) -> Pos2 {
        self.world_center + (p - self.screen_center) / self.points_per_unit
    }

    fn rect(&self, r: Rect) -> Rect {
        Rect::from_min_max(self.to_screen(r.min), self.to_screen(r.max))
    }
}

/// Draws the minimap at `screen` for a graph whose node boxes (world) and colours are `nodes`, with `visible`
/// (world) outlined. Returns the world point a click or drag in it asks the view to centre on.
pub fn show(
    ui: &Ui,
    id: Id,
    screen: Rect,
    nodes: &[(Rect, Color32)],
    visible: Rect,
) -> Option<Pos2> {
    let world = nodes
        .iter()
        .fold(Rect::NOTHING, |bb, (r, _)| bb.union(*r))
        .union(visible);
    if !world.is_positive() {
        return None;
    }
    let response = ui.interact(screen, id, Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "minimap"));
    let scale = Scale::new(world, screen);
    let painter = ui.painter_at(screen);
    let visuals = ui.visuals();
    painter.rect_filled(screen, 4.0, visuals.panel_fill.gamma_multiply(0.92));
    painter.rect_stroke(
        screen,
        4.0,
        Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
        StrokeKind::Inside,
    );
    for (r, color) in nodes {
        let m = scale.rect(*r);
        // At least a pixel or two, so a 200-node graph still shows every node.
        let m = Rect::from_center_size(m.center(), m.size().max(Vec2::splat(2.0)));
        painter.rect_filled(m, 1.0, *color);
    }
    painter.rect_stroke(
        scale.rect(visible).intersect(screen.shrink(1.0)),
        2.0,
        Stroke::new(1.5, visuals.selection.stroke.color),
        StrokeKind::Middle,
    );
    if response.clicked() || response.dragged() {
        return response.interact_pointer_pos().map(|p| scale.to_world(p));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::pos2;

    #[test]
    fn minimap_points_map_back_to_the_world() {
        let world = Rect::from_min_max(pos2(-500.0, -200.0), pos2(1500.0, 600.0));
        let screen = Rect::from_min_size(pos2(1000.0, 600.0), MINIMAP_SIZE);
        let s = Scale::new(world, screen);
        let p = pos2(250.0, 123.0);
        assert!((s.to_world(s.to_screen(p)) - p).length() < 1e-2);
        let whole = s.rect(world);
        assert!(
            screen.expand(0.5).contains_rect(whole),
            "{whole:?} in {screen:?}"
        );
    }

    #[test]
    fn the_minimap_sits_in_the_bottom_right_corner() {
        let canvas = Rect::from_min_size(pos2(200.0, 50.0), vec2(900.0, 600.0));
        let a = area(canvas);
        assert!(canvas.contains_rect(a));
        assert!((a.max - canvas.max).length() <= MINIMAP_MARGIN * 2.0);
    }
}
