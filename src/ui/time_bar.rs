//! The time bar under the canvas: time travel.
//!
//! It spans the furthest moment this scenario has been run to (its *horizon*), shows where the run is now, and
//! marks the buckets with errors (red), throttles (orange) and dead letters (purple), from
//! [`crate::runner::metrics::Metrics::markers`]. Clicking or dragging it seeks: the runner re-runs the scenario
//! from t = 0 to that moment on its own thread (the run is deterministic, so it is the same run) and the canvas,
//! inspector, log and plots fill in again up to it; the UI never waits. "Step back" re-runs to one engine event
//! earlier, "Step forward" runs one more.
//!
//! The markers of the furthest run are kept while an earlier moment is shown, so what lies ahead stays visible.

use eframe::egui::{self, Color32, Rect, Sense, Stroke, Ui, pos2, vec2};

use super::action::Action;
use super::app::fmt_duration;
use super::style;
use crate::runner::metrics::{MarkerKind, Metrics};
use crate::runner::{Command, Snapshot};

const BAR_HEIGHT: f32 = 22.0;

/// The time bar's state.
#[derive(Default)]
pub struct TimeBar {
    /// The furthest virtual time reached with this scenario.
    horizon_us: u64,
    /// Markers of the run that reached the horizon.
    markers: Vec<(u64, MarkerKind, u32)>,
    marker_bucket_us: u64,
    /// While dragging: where the handle is.
    drag_us: Option<u64>,
}

impl TimeBar {
    /// A new scenario: nothing reached yet.
    pub fn clear(&mut self) {
        *self = TimeBar::default();
    }

    pub fn horizon_us(&self) -> u64 {
        self.horizon_us
    }

    /// Follows the run: a run that reaches the horizon (or passes it) brings its markers.
    pub fn observe(&mut self, snap: &Snapshot, metrics: Option<&Metrics>) {
        if snap.now_us >= self.horizon_us {
            self.horizon_us = snap.now_us;
            if let Some(m) = metrics {
                self.markers = m.markers();
                self.marker_bucket_us = m.bucket_us();
            }
        }
    }

    pub fn ui(&mut self, ui: &mut Ui, snap: &Snapshot, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    snap.events_processed > 0 && !snap.seeking,
                    egui::Button::new("Step back"),
                )
                .on_hover_text("Re-run to one engine event earlier")
                .clicked()
            {
                actions.push(Action::Send(Command::StepBack));
            }
            if ui
                .add_enabled(
                    snap.next_event_us.is_some() && !snap.seeking,
                    egui::Button::new("Step forward"),
                )
                .on_hover_text("Process the next engine event")
                .clicked()
            {
                actions.push(Action::Send(Command::Step));
            }
            let status = if snap.seeking {
                "seeking…".to_string()
            } else {
                fmt_duration(self.drag_us.unwrap_or(snap.now_us))
            };
            let label_width = 110.0;
            let width = (ui.available_width() - label_width).max(60.0);
            let (rect, response) =
                ui.allocate_exact_size(vec2(width, BAR_HEIGHT), Sense::click_and_drag());
            response
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, "Time bar"));
            let horizon = self.horizon_us.max(snap.now_us).max(1);
            let to_us = |x: f32| -> u64 {
                let f = ((x - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
                (f64::from(f) * horizon as f64) as u64
            };
            if let Some(p) = response.interact_pointer_pos() {
                if response.dragged() {
                    self.drag_us = Some(to_us(p.x));
                }
                if response.drag_stopped() || response.clicked() {
                    let t = to_us(p.x);
                    self.drag_us = None;
                    actions.push(Action::Send(Command::Seek(t)));
                }
            }
            self.paint(ui, rect, snap, horizon);
            response.on_hover_text("Click or drag to go to a moment (re-runs from t = 0 to there)");
            ui.monospace(status);
        });
    }

    fn paint(&self, ui: &Ui, rect: Rect, snap: &Snapshot, horizon: u64) {
        let painter = ui.painter_at(rect);
        let v = ui.visuals();
        let x = |t: u64| rect.left() + (t as f64 / horizon as f64) as f32 * rect.width();
        painter.rect_filled(rect, 3.0, v.extreme_bg_color);
        let now = Rect::from_min_max(rect.min, pos2(x(snap.now_us), rect.bottom()));
        painter.rect_filled(now, 3.0, v.selection.bg_fill.gamma_multiply(0.5));
        // Markers: errors on the upper third, throttles in the middle, dead letters at the bottom.
        let third = rect.height() / 3.0;
        for (t, kind, _) in &self.markers {
            let (color, row): (Color32, f32) = match kind {
                MarkerKind::Error => (style::ERROR, 0.0),
                MarkerKind::Throttle => (style::THROTTLE, 1.0),
                MarkerKind::DeadLetter => (style::DEAD_LETTER, 2.0),
            };
            let (a, b) = (x(*t), x(t + self.marker_bucket_us).max(x(*t) + 2.0));
            let top = rect.top() + row * third;
            painter.rect_filled(
                Rect::from_min_max(pos2(a, top + 1.0), pos2(b, top + third - 1.0)),
                0.0,
                color,
            );
        }
        let handle_x = x(self.drag_us.unwrap_or(snap.now_us));
        painter.line_segment(
            [pos2(handle_x, rect.top()), pos2(handle_x, rect.bottom())],
            Stroke::new(2.0, v.strong_text_color()),
        );
        painter.rect_stroke(
            rect,
            3.0,
            v.widgets.noninteractive.bg_stroke,
            egui::StrokeKind::Inside,
        );
    }
}
