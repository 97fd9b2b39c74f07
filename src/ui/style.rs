//! Colours and vector icons per resource type, and the trace palette.
//!
//! Icons are drawn with the painter (no font glyphs, no image files) so they scale with the canvas zoom.
//! A type the app does not know yet gets the generic icon.

use eframe::egui::{Color32, Painter, Pos2, Rect, Stroke, Vec2, pos2, vec2};

use crate::scenario::ResourceType;

/// What a canvas node stands for, for colour and icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Resource(ResourceType),
    Traffic,
}

pub fn type_color(kind: NodeKind) -> Color32 {
    match kind {
        NodeKind::Traffic => Color32::from_rgb(0x6B, 0x7C, 0x99),
        NodeKind::Resource(t) => match t {
            ResourceType::Function => Color32::from_rgb(0xED, 0x71, 0x00),
            ResourceType::Api => Color32::from_rgb(0x8C, 0x4F, 0xFF),
            ResourceType::EventBus => Color32::from_rgb(0xE7, 0x15, 0x7B),
            ResourceType::Rule => Color32::from_rgb(0xF2, 0x6C, 0xA7),
            ResourceType::Schedule => Color32::from_rgb(0xB5, 0x47, 0xC8),
            ResourceType::Bucket => Color32::from_rgb(0x7A, 0xA1, 0x16),
            ResourceType::Queue => Color32::from_rgb(0xD1, 0x32, 0x12),
            ResourceType::Topic => Color32::from_rgb(0xE0, 0x9B, 0x12),
            ResourceType::Table => Color32::from_rgb(0x3B, 0x6B, 0xE0),
            ResourceType::StateMachine => Color32::from_rgb(0xC9, 0x25, 0xD1),
            ResourceType::Trigger => Color32::from_rgb(0x88, 0x88, 0x88),
            // AWS's database blue for RDS; a lighter one for the proxy in front of it.
            ResourceType::Database => Color32::from_rgb(0x2E, 0x73, 0xB8),
            ResourceType::DbProxy => Color32::from_rgb(0x52, 0x9B, 0xD9),
        },
    }
}

pub fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Traffic => "traffic source",
        NodeKind::Resource(t) => t.aws_name(),
    }
}

/// Flash colours of node events.
pub const COLD_START: Color32 = Color32::from_rgb(0x3D, 0x8B, 0xFF);
pub const ERROR: Color32 = Color32::from_rgb(0xE5, 0x3E, 0x3E);
pub const THROTTLE: Color32 = Color32::from_rgb(0xFF, 0x8C, 0x1A);
/// A delivery attempted again (queue redelivery, async or stream retry).
pub const RETRY: Color32 = Color32::from_rgb(0xF2, 0xC1, 0x2E);
/// Something moved to a dead-letter queue or failure destination.
pub const DEAD_LETTER: Color32 = Color32::from_rgb(0xA8, 0x55, 0xF7);
/// Queue depth bar: messages ready to receive, in flight, delayed.
pub const QUEUE_VISIBLE: Color32 = Color32::from_rgb(0x3D, 0x8B, 0xFF);
pub const QUEUE_IN_FLIGHT: Color32 = Color32::from_rgb(0xFF, 0x8C, 0x1A);
pub const QUEUE_DELAYED: Color32 = Color32::from_rgb(0x88, 0x88, 0x88);
pub const OK_GREEN: Color32 = Color32::from_rgb(0x3C, 0xB3, 0x71);
/// A Step Functions task waiting for its callback (`.waitForTaskToken`).
pub const CALLBACK_WAIT: Color32 = Color32::from_rgb(0x22, 0xB8, 0xCF);

/// Distinct colours for traces.
const PALETTE: [Color32; 12] = [
    Color32::from_rgb(0x1F, 0x9E, 0xFF),
    Color32::from_rgb(0xFF, 0x7F, 0x0E),
    Color32::from_rgb(0x2C, 0xC0, 0x5A),
    Color32::from_rgb(0xE0, 0x3E, 0x8C),
    Color32::from_rgb(0x9A, 0x6B, 0xFF),
    Color32::from_rgb(0x17, 0xBE, 0xCF),
    Color32::from_rgb(0xE3, 0xC0, 0x17),
    Color32::from_rgb(0xFF, 0x55, 0x55),
    Color32::from_rgb(0x8C, 0xD1, 0x3A),
    Color32::from_rgb(0xC0, 0x7C, 0x4A),
    Color32::from_rgb(0x4E, 0x79, 0xE0),
    Color32::from_rgb(0xD6, 0x5D, 0xD6),
];

/// FNV-1a of a trace id: stable across runs, so a trace keeps its colour.
pub fn trace_hash(trace_id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in trace_id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub fn trace_color(hash: u64) -> Color32 {
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}

/// Draws the icon of a node kind inside `rect` with `color`.
pub fn draw_icon(p: &Painter, rect: Rect, kind: NodeKind, color: Color32) {
    let c = rect.center();
    let s = rect.width().min(rect.height()) / 2.0;
    let w = (s * 0.16).max(1.0);
    let st = Stroke::new(w, color);
    let at = |x: f32, y: f32| pos2(c.x + x * s, c.y + y * s);
    match kind {
        NodeKind::Resource(ResourceType::Database) => {
            // a cylinder with two bands
            for y in [-0.6, -0.1, 0.4] {
                p.add(eframe::egui::Shape::ellipse_stroke(
                    c + vec2(0.0, y * s),
                    vec2(0.7 * s, 0.2 * s),
                    st,
                ));
            }
            p.line_segment([at(-0.7, -0.6), at(-0.7, 0.4)], st);
            p.line_segment([at(0.7, -0.6), at(0.7, 0.4)], st);
        }
        NodeKind::Resource(ResourceType::DbProxy) => {
            // many clients funnelled into few connections
            for y in [-0.6, 0.0, 0.6] {
                p.circle_filled(at(-0.75, y), w * 1.3, color);
                p.line_segment([at(-0.75, y), at(0.0, 0.0)], st);
            }
            p.line_segment([at(0.0, 0.0), at(0.8, 0.0)], Stroke::new(w * 1.6, color));
            p.circle_stroke(at(0.0, 0.0), s * 0.2, st);
        }
        NodeKind::Resource(ResourceType::Function) => {
            // λ
            p.line_segment([at(-0.55, -0.8), at(-0.2, -0.8)], st);
            p.line_segment([at(-0.2, -0.8), at(0.6, 0.8)], st);
            p.line_segment([at(0.15, -0.05), at(-0.55, 0.8)], st);
        }
        NodeKind::Resource(ResourceType::Api) => {
            // </>
            p.line(vec![at(-0.35, -0.6), at(-0.8, 0.0), at(-0.35, 0.6)], st);
            p.line(vec![at(0.35, -0.6), at(0.8, 0.0), at(0.35, 0.6)], st);
            p.line_segment([at(0.15, -0.7), at(-0.15, 0.7)], st);
        }
        NodeKind::Resource(ResourceType::EventBus) => {
            // a bus bar with taps
            p.line_segment([at(-0.85, 0.0), at(0.85, 0.0)], Stroke::new(w * 1.6, color));
            for x in [-0.5, 0.0, 0.5] {
                p.line_segment([at(x, -0.6), at(x, 0.0)], st);
                p.circle_filled(at(x, -0.65), w * 1.3, color);
            }
            p.line_segment([at(0.0, 0.0), at(0.0, 0.6)], st);
        }
        NodeKind::Resource(ResourceType::Rule) => {
            // funnel
            p.line(
                vec![
                    at(-0.8, -0.7),
                    at(0.8, -0.7),
                    at(0.15, 0.05),
                    at(0.15, 0.75),
                    at(-0.15, 0.6),
                    at(-0.15, 0.05),
                    at(-0.8, -0.7),
                ],
                st,
            );
        }
        NodeKind::Resource(ResourceType::Schedule) => {
            p.circle_stroke(c, s * 0.8, st);
            p.line_segment([c, at(0.0, -0.55)], st);
            p.line_segment([c, at(0.4, 0.15)], st);
        }
        NodeKind::Resource(ResourceType::Bucket) => {
            p.line(
                vec![
                    at(-0.8, -0.6),
                    at(-0.55, 0.75),
                    at(0.55, 0.75),
                    at(0.8, -0.6),
                ],
                st,
            );
            p.add(eframe::egui::Shape::ellipse_stroke(
                c + vec2(0.0, -0.6 * s),
                vec2(0.8 * s, 0.22 * s),
                st,
            ));
        }
        NodeKind::Resource(ResourceType::Queue) => {
            for i in 0..3 {
                let x = -0.75 + i as f32 * 0.55;
                p.rect_stroke(
                    Rect::from_min_max(at(x, -0.4), at(x + 0.4, 0.4)),
                    1.0,
                    st,
                    eframe::egui::StrokeKind::Middle,
                );
            }
        }
        NodeKind::Resource(ResourceType::Topic) => {
            p.circle_filled(at(-0.55, 0.0), w * 2.2, color);
            for (dx, dy) in [(0.7, -0.6), (0.8, 0.0), (0.7, 0.6)] {
                p.line_segment([at(-0.55, 0.0), at(dx, dy)], st);
                p.circle_filled(at(dx, dy), w * 1.3, color);
            }
        }
        NodeKind::Resource(ResourceType::Table) => {
            let r = Rect::from_min_max(at(-0.8, -0.65), at(0.8, 0.65));
            p.rect_stroke(r, 1.0, st, eframe::egui::StrokeKind::Middle);
            for y in [-0.22, 0.22] {
                p.line_segment([at(-0.8, y), at(0.8, y)], st);
            }
            p.line_segment([at(-0.2, -0.65), at(-0.2, 0.65)], st);
        }
        NodeKind::Resource(ResourceType::StateMachine) => {
            let b = |x: f32, y: f32| Rect::from_center_size(at(x, y), Vec2::splat(0.5 * s));
            p.rect_stroke(b(-0.5, -0.45), 1.0, st, eframe::egui::StrokeKind::Middle);
            p.rect_stroke(b(0.5, 0.45), 1.0, st, eframe::egui::StrokeKind::Middle);
            p.line(vec![at(-0.5, -0.2), at(-0.5, 0.45), at(0.25, 0.45)], st);
        }
        NodeKind::Traffic => {
            // a person sending
            p.circle_stroke(at(-0.3, -0.45), s * 0.25, st);
            p.line(vec![at(-0.75, 0.75), at(-0.3, 0.0), at(0.15, 0.75)], st);
            p.arrow(at(0.2, -0.1), vec2(0.6 * s, 0.0), st);
        }
        NodeKind::Resource(ResourceType::Trigger) => {
            // An event source mapping polls its source: a loop that turns back on itself, with an arrowhead.
            let arc: Vec<Pos2> = (0..=12)
                .map(|i| {
                    let a = std::f32::consts::PI * (0.25 + 1.5 * i as f32 / 12.0);
                    at(0.65 * a.cos(), 0.65 * a.sin())
                })
                .collect();
            let end = arc[arc.len() - 1];
            p.line(arc, st);
            p.line(
                vec![at(0.0, -0.5), end, at(0.43, -0.92)],
                Stroke::new(w * 1.2, color),
            );
            p.circle_filled(c, w * 1.6, color);
        }
    }
}

/// Point where the segment from the centre of `r` towards `towards` leaves `r`.
pub fn border_point(r: Rect, towards: Pos2) -> Pos2 {
    let c = r.center();
    let d = towards - c;
    if d.length_sq() < 1e-6 {
        return c;
    }
    let sx = if d.x.abs() > 1e-6 {
        (r.width() / 2.0) / d.x.abs()
    } else {
        f32::INFINITY
    };
    let sy = if d.y.abs() > 1e-6 {
        (r.height() / 2.0) / d.y.abs()
    } else {
        f32::INFINITY
    };
    c + d * sx.min(sy).min(1.0)
}
