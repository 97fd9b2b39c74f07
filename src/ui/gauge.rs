//! The connections gauge under database and proxy nodes: a database's open connections against its
//! `max_connections`, a proxy's borrowed connections against the ones it has pooled (and the most it may open).
//!
//! The canvas calls [`draw`] once per node; nodes of other types draw nothing.

use eframe::egui::{self, Align2, Color32, FontId, Painter, Rect, pos2};

use super::style;
use crate::runner::Snapshot;
use crate::scenario::{GraphNode, ResourceType};
use crate::sim::Live;

/// The gauge's filled share and its label, for a node (None: no gauge).
pub fn reading(resource_type: ResourceType, live: &Live) -> Option<(f32, String)> {
    let share = |n: u32, of: u32| {
        if of == 0 {
            0.0
        } else {
            (n as f32 / of as f32).min(1.0)
        }
    };
    match resource_type {
        ResourceType::Database => Some((
            share(live.connections, live.max_connections),
            format!(
                "{} / {} connections",
                live.connections, live.max_connections
            ),
        )),
        ResourceType::DbProxy => Some((
            share(live.borrowed, live.max_connections),
            format!(
                "{} borrowed / {} pooled (max {})",
                live.borrowed, live.connections, live.max_connections
            ),
        )),
        _ => None,
    }
}

/// Draws the gauge of node `node` (box `r` on screen) under it.
pub fn draw(painter: &Painter, node: &GraphNode, r: Rect, zoom: f32, snap: &Snapshot) {
    let GraphNode::Resource {
        id, resource_type, ..
    } = node
    else {
        return;
    };
    let Some(live) = snap.live.get(id.index()) else {
        return;
    };
    let Some((filled, label)) = reading(*resource_type, live) else {
        return;
    };
    let h = (5.0 * zoom).max(2.0);
    let bar = Rect::from_min_max(
        pos2(r.min.x + 6.0 * zoom, r.max.y + 2.0),
        pos2(r.max.x, r.max.y + 2.0 + h),
    );
    painter.rect_filled(bar, 1.0, Color32::from_gray(60).gamma_multiply(0.5));
    // Green while there is room, orange past 80 %, red when full.
    let color = if filled >= 1.0 {
        style::ERROR
    } else if filled >= 0.8 {
        style::THROTTLE
    } else {
        style::OK_GREEN
    };
    if filled > 0.0 {
        let fill = Rect::from_min_max(bar.min, pos2(bar.min.x + bar.width() * filled, bar.max.y));
        painter.rect_filled(fill, 1.0, color);
    }
    if zoom >= 0.5 {
        painter.text(
            pos2(bar.min.x, bar.max.y + 1.0),
            Align2::LEFT_TOP,
            label,
            FontId::proportional(10.0 * zoom),
            egui::Color32::GRAY,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_database_reads_full() {
        let live = Live {
            connections: 87,
            max_connections: 87,
            ..Live::default()
        };
        let (filled, label) = reading(ResourceType::Database, &live).expect("a gauge");
        assert_eq!(filled, 1.0);
        assert_eq!(label, "87 / 87 connections");
        assert!(reading(ResourceType::Queue, &live).is_none());
    }
}
