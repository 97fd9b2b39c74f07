//! The canvas's one world ↔ screen transform (the shape of rerun's `zoom_pan_area`): world coordinates are the
//! layout's (node centres, saved in the scenario's `layout`); screen points are egui's. Every conversion of a
//! position on the canvas goes through [`ViewTransform`].

use eframe::egui::{Pos2, Rect, Vec2, emath::TSTransform};

/// Size of a node box in world units.
pub const NODE_SIZE: Vec2 = Vec2::new(170.0, 54.0);
/// Zoom limits of the wheel and pinch.
pub const ZOOM_MIN: f32 = 0.1;
pub const ZOOM_MAX: f32 = 4.0;
/// Zoom limits of "fit to window" (never so close that one node fills the view).
const FIT_ZOOM_MIN: f32 = 0.15;
const FIT_ZOOM_MAX: f32 = 1.4;
/// World margin around the nodes when fitting.
const FIT_MARGIN: f32 = 40.0;

/// `screen = origin + pan + world × zoom`: an [`emath::TSTransform`](TSTransform) from world to canvas-local
/// points (translation = pan, scaling = zoom), placed at the canvas's top-left corner on screen (`origin`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewTransform {
    /// World → canvas-local points.
    local: TSTransform,
    /// The canvas's top-left corner on screen, as of the last frame drawn.
    origin: Vec2,
}

impl Default for ViewTransform {
    fn default() -> Self {
        ViewTransform {
            local: TSTransform::IDENTITY,
            origin: Vec2::ZERO,
        }
    }
}

impl ViewTransform {
    /// Places the view at the canvas's top-left corner on screen (each frame; the panels may have moved it).
    pub fn set_origin(&mut self, origin: Pos2) {
        self.origin = origin.to_vec2();
    }

    /// Screen points per world unit.
    pub fn zoom(&self) -> f32 {
        self.local.scaling
    }

    /// A world position on screen.
    pub fn to_screen(&self, world: Pos2) -> Pos2 {
        self.local.mul_pos(world) + self.origin
    }

    /// The world position under a screen point.
    pub fn to_world(&self, screen: Pos2) -> Pos2 {
        self.local.inverse().mul_pos(screen - self.origin)
    }

    /// A screen movement in world units (dragging a node).
    pub fn to_world_delta(&self, screen_delta: Vec2) -> Vec2 {
        screen_delta / self.local.scaling
    }

    /// The world position at the centre of a canvas of this size.
    pub fn world_center(&self, canvas_size: Vec2) -> Pos2 {
        self.local.inverse().mul_pos((canvas_size / 2.0).to_pos2())
    }

    /// Moves the view by a screen distance (dragging the background).
    pub fn pan_by(&mut self, screen_delta: Vec2) {
        self.local.translation += screen_delta;
    }

    /// Zooms by `factor` keeping the world point under `screen` where it is (wheel, pinch).
    pub fn zoom_around(&mut self, screen: Pos2, factor: f32) {
        let new_zoom = (self.zoom() * factor).clamp(ZOOM_MIN, ZOOM_MAX);
        let world = self.to_world(screen);
        self.local = TSTransform::new(
            screen.to_vec2() - self.origin - world.to_vec2() * new_zoom,
            new_zoom,
        );
    }

    /// Fits a world rectangle (grown by a margin) into `area`, a rectangle in canvas-local points (the canvas
    /// less the strips its overlays keep for themselves).
    pub fn fit(&mut self, world: Rect, area: Rect) {
        let bb = world.expand(FIT_MARGIN);
        let zoom = (area.width() / bb.width())
            .min(area.height() / bb.height())
            .clamp(FIT_ZOOM_MIN, FIT_ZOOM_MAX);
        self.local = TSTransform::new(area.center().to_vec2() - bb.center().to_vec2() * zoom, zoom);
    }

    /// Moves the view (keeping the zoom) so a world point is at the centre of a canvas of this size (minimap).
    pub fn center_on(&mut self, world: Pos2, canvas_size: Vec2) {
        self.local.translation = canvas_size / 2.0 - world.to_vec2() * self.local.scaling;
    }

    /// The world rectangle a canvas of this size shows.
    pub fn visible_world(&self, canvas_size: Vec2) -> Rect {
        let inv = self.local.inverse();
        Rect::from_min_max(inv.mul_pos(Pos2::ZERO), inv.mul_pos(canvas_size.to_pos2()))
    }
}

/// The world rectangle that holds node boxes centred at `centers`.
pub fn nodes_bounds<'a>(centers: impl Iterator<Item = &'a Pos2>) -> Rect {
    centers.fold(Rect::NOTHING, |bb, p| {
        bb.union(Rect::from_center_size(*p, NODE_SIZE))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::{pos2, vec2};

    #[test]
    fn screen_and_world_round_trip_at_any_zoom_and_origin() {
        let mut v = ViewTransform::default();
        v.set_origin(pos2(100.0, 50.0));
        v.pan_by(vec2(30.0, -20.0));
        v.zoom_around(pos2(400.0, 300.0), 1.7);
        let w = pos2(12.5, -40.0);
        let back = v.to_world(v.to_screen(w));
        assert!((back - w).length() < 1e-3, "{back:?}");
    }

    #[test]
    fn zoom_keeps_the_point_under_the_pointer() {
        let mut v = ViewTransform::default();
        v.set_origin(pos2(10.0, 10.0));
        let pointer = pos2(300.0, 200.0);
        let before = v.to_world(pointer);
        v.zoom_around(pointer, 2.5);
        assert!((v.to_world(pointer) - before).length() < 1e-3);
        assert!((v.zoom() - 2.5).abs() < 1e-6);
    }

    #[test]
    fn fit_centres_the_nodes_in_the_area_and_clamps_the_zoom() {
        let mut v = ViewTransform::default();
        let nodes = [pos2(0.0, 0.0), pos2(400.0, 200.0)];
        let area = Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 600.0));
        v.fit(nodes_bounds(nodes.iter()), area);
        let mid = v.to_screen(pos2(200.0, 100.0));
        assert!((mid - pos2(500.0, 300.0)).length() < 1e-3, "{mid:?}");
        assert!(v.zoom() <= FIT_ZOOM_MAX && v.zoom() >= FIT_ZOOM_MIN);
    }

    #[test]
    fn centring_on_a_point_keeps_the_zoom() {
        let mut v = ViewTransform::default();
        v.zoom_around(pos2(0.0, 0.0), 2.0);
        v.center_on(pos2(50.0, -20.0), vec2(800.0, 400.0));
        assert!((v.to_screen(pos2(50.0, -20.0)) - pos2(400.0, 200.0)).length() < 1e-3);
        assert!((v.zoom() - 2.0).abs() < 1e-6);
        let seen = v.visible_world(vec2(800.0, 400.0));
        assert!(
            (seen.center() - pos2(50.0, -20.0)).length() < 1e-3,
            "{seen:?}"
        );
    }
}
