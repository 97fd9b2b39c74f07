//! The palette of edit mode: every resource type with its icon; click one to add it in view, or drag it onto
//! the canvas to add it where it is dropped. Under it, the outcome of the last edit.

use eframe::egui::{self, RichText, Ui};

use super::action::Action;
use super::style::{self, NodeKind};
use crate::scenario::ResourceType;

/// The palette panel.
#[derive(Default)]
pub struct Palette;

impl Palette {
    /// `message`: the outcome of the last edit (text, is an error).
    pub fn ui(&mut self, ui: &mut Ui, message: Option<&(String, bool)>, actions: &mut Vec<Action>) {
        ui.add_space(4.0);
        ui.strong("Add a resource");
        ui.weak("click, or drag onto the canvas");
        ui.add_space(4.0);
        egui::ScrollArea::vertical()
            .id_salt("palette-scroll")
            .show(ui, |ui| {
                for t in ResourceType::ALL {
                    if entry(ui, t) {
                        actions.push(Action::AddResource(t, None));
                    }
                }
                ui.separator();
                if let Some((m, err)) = message {
                    let c = if *err {
                        ui.visuals().error_fg_color
                    } else {
                        ui.visuals().weak_text_color()
                    };
                    ui.add(egui::Label::new(RichText::new(m).color(c).small()).wrap());
                }
                ui.add_space(6.0);
                ui.weak("Wire: drag from a node's round handle (or Alt+drag) onto another node.");
            });
    }
}

/// One entry: a single widget sensing click (returns true: add in view) and drag (carries the type to the
/// canvas as a drag-and-drop payload, with its icon under the pointer).
fn entry(ui: &mut Ui, t: ResourceType) -> bool {
    let kind = NodeKind::Resource(t);
    let size = egui::vec2(ui.available_width(), 24.0);
    let (rect, resp) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
    let resp = resp.on_hover_cursor(egui::CursorIcon::Grab);
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, t.aws_name()));
    if resp.hovered() {
        ui.painter()
            .rect_filled(rect, 3.0, ui.visuals().widgets.hovered.weak_bg_fill);
    }
    let icon = egui::Rect::from_min_size(rect.min + egui::vec2(2.0, 1.0), egui::vec2(22.0, 22.0));
    style::draw_icon(ui.painter(), icon, kind, style::type_color(kind));
    ui.painter().text(
        egui::pos2(rect.min.x + 30.0, rect.center().y),
        egui::Align2::LEFT_CENTER,
        t.aws_name(),
        egui::FontId::proportional(13.0),
        ui.visuals().text_color(),
    );
    if resp.drag_started() {
        egui::DragAndDrop::set_payload(ui.ctx(), t);
    }
    if resp.dragged()
        && let Some(p) = ui.ctx().pointer_interact_pos()
    {
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Tooltip,
            egui::Id::unique("palette-drag"),
        ));
        let r = egui::Rect::from_center_size(p, egui::vec2(26.0, 26.0));
        style::draw_icon(&painter, r, kind, style::type_color(kind));
    }
    resp.clicked()
}
