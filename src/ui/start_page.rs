//! The start page: the gallery of built-in examples (each with a small drawing of its graph, its first paragraph
//! cut only at a sentence's end, and an Open button), "Open a scenario file…", and recent files. It owns the
//! examples and their drawings, loaded and laid out once when the app starts.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui::{self, Color32, Pos2, Rect, RichText, Sense, Stroke, Ui, pos2, vec2};
use petgraph::visit::EdgeRef;

use super::action::Action;
use super::style::{self, NodeKind};
use crate::scenario::{ArchGraph, GraphNode, Scenario};

/// Height of an example card's drawing of its graph, in points.
const THUMBNAIL_H: f32 = 64.0;

/// A small drawing of an example's graph: node centres (world units) with their type colours, and edge routes,
/// from the canvas's own layout.
struct Thumbnail {
    nodes: Vec<(Pos2, Color32)>,
    routes: Vec<Vec<Pos2>>,
    bounds: Rect,
}

impl Thumbnail {
    fn of(sc: &Scenario) -> Thumbnail {
        let graph = ArchGraph::new(sc);
        let edges: Vec<(usize, usize)> = graph
            .graph
            .edge_references()
            .map(|e| (e.source().index(), e.target().index()))
            .collect();
        let size = super::view::NODE_SIZE;
        let laid = crate::layout::layered(&crate::layout::Spec {
            nodes: graph.graph.node_count(),
            node_w: size.x,
            node_h: size.y,
            edges: &edges,
            label_sizes: &[],
            aspect: crate::layout::DEFAULT_ASPECT,
        });
        let nodes: Vec<(Pos2, Color32)> = graph
            .graph
            .node_indices()
            .map(|ix| {
                let kind = match &graph.graph[ix] {
                    GraphNode::Resource { resource_type, .. } => NodeKind::Resource(*resource_type),
                    GraphNode::Traffic { .. } => NodeKind::Traffic,
                };
                let c = laid.centers[ix.index()];
                (pos2(c.x, c.y), style::type_color(kind))
            })
            .collect();
        let routes: Vec<Vec<Pos2>> = laid
            .routes
            .iter()
            .map(|r| r.iter().map(|p| pos2(p.x, p.y)).collect())
            .collect();
        let bounds = super::view::nodes_bounds(nodes.iter().map(|(p, _)| p));
        Thumbnail {
            nodes,
            routes,
            bounds,
        }
    }

    /// Draws the graph fitted into `rect`, centred, never enlarged beyond a readable scale.
    fn paint(&self, ui: &Ui, rect: Rect) {
        if !self.bounds.is_positive() {
            return;
        }
        let scale = (rect.width() / self.bounds.width())
            .min(rect.height() / self.bounds.height())
            .min(0.35);
        let at = |p: Pos2| rect.center() + (p - self.bounds.center()) * scale;
        let painter = ui.painter_at(rect);
        let line = Stroke::new(1.0, ui.visuals().weak_text_color().gamma_multiply(0.7));
        for r in &self.routes {
            painter.add(egui::Shape::line(r.iter().map(|p| at(*p)).collect(), line));
        }
        let node = super::view::NODE_SIZE * scale;
        for (p, color) in &self.nodes {
            let r = Rect::from_center_size(at(*p), node);
            painter.rect_filled(r, 2.0, ui.visuals().panel_fill);
            painter.rect_stroke(r, 2.0, Stroke::new(1.0, *color), egui::StrokeKind::Inside);
        }
    }
}

/// The gallery's groups, in order: what each group of lessons teaches.
pub const GROUPS: &[(&str, &str)] = &[
    (
        "Basics",
        "one service at a time: events, APIs, objects, schedules, tables",
    ),
    ("Delivery guarantees", "at least once, ordering, duplicates"),
    (
        "Failure handling",
        "retries, dead letters, partial failures, loops, sagas",
    ),
    (
        "Scaling",
        "concurrency, throttling, backpressure, database connections",
    ),
    ("Patterns", "fan-out, streams, orchestration, outbox"),
];

/// Built-in examples: (group index into [`GROUPS`], file name, text), in gallery order.
pub const EXAMPLES: &[(usize, &str, &str)] = &[
    (
        0,
        "new-order.json",
        include_str!("../../assets/scenarios/new-order.json"),
    ),
    (
        0,
        "api-hello.json",
        include_str!("../../assets/scenarios/api-hello.json"),
    ),
    (
        0,
        "s3-thumbnail.json",
        include_str!("../../assets/scenarios/s3-thumbnail.json"),
    ),
    (
        0,
        "nightly-report.json",
        include_str!("../../assets/scenarios/nightly-report.json"),
    ),
    (
        0,
        "api-table.json",
        include_str!("../../assets/scenarios/api-table.json"),
    ),
    (
        1,
        "idempotency.json",
        include_str!("../../assets/scenarios/idempotency.json"),
    ),
    (
        1,
        "fifo-vs-standard.json",
        include_str!("../../assets/scenarios/fifo-vs-standard.json"),
    ),
    (
        1,
        "poison-message-dlq.json",
        include_str!("../../assets/scenarios/poison-message-dlq.json"),
    ),
    (
        1,
        "visibility-timeout.json",
        include_str!("../../assets/scenarios/visibility-timeout.json"),
    ),
    (
        2,
        "partial-batch-failures.json",
        include_str!("../../assets/scenarios/partial-batch-failures.json"),
    ),
    (
        2,
        "async-on-failure.json",
        include_str!("../../assets/scenarios/async-on-failure.json"),
    ),
    (
        2,
        "recursive-loop.json",
        include_str!("../../assets/scenarios/recursive-loop.json"),
    ),
    (
        2,
        "saga.json",
        include_str!("../../assets/scenarios/saga.json"),
    ),
    (
        2,
        "backoff-jitter.json",
        include_str!("../../assets/scenarios/backoff-jitter.json"),
    ),
    (
        3,
        "throttle-burst.json",
        include_str!("../../assets/scenarios/throttle-burst.json"),
    ),
    (
        3,
        "backpressure.json",
        include_str!("../../assets/scenarios/backpressure.json"),
    ),
    (
        3,
        "api-stage-throttle.json",
        include_str!("../../assets/scenarios/api-stage-throttle.json"),
    ),
    (
        3,
        "lambda-drowns-database.json",
        include_str!("../../assets/scenarios/lambda-drowns-database.json"),
    ),
    (
        3,
        "rds-proxy-absorbs.json",
        include_str!("../../assets/scenarios/rds-proxy-absorbs.json"),
    ),
    (
        4,
        "sns-fanout-filters.json",
        include_str!("../../assets/scenarios/sns-fanout-filters.json"),
    ),
    (
        4,
        "s3-sns-sqs-function.json",
        include_str!("../../assets/scenarios/s3-sns-sqs-function.json"),
    ),
    (
        4,
        "dynamodb-stream.json",
        include_str!("../../assets/scenarios/dynamodb-stream.json"),
    ),
    (
        4,
        "order-workflow.json",
        include_str!("../../assets/scenarios/order-workflow.json"),
    ),
    (
        4,
        "order-approval.json",
        include_str!("../../assets/scenarios/order-approval.json"),
    ),
    (
        4,
        "outbox.json",
        include_str!("../../assets/scenarios/outbox.json"),
    ),
    (
        4,
        "notification-vs-state.json",
        include_str!("../../assets/scenarios/notification-vs-state.json"),
    ),
];

/// The start page panel.
pub struct StartPage {
    /// Each example: file name, and the loaded scenario or why it does not load.
    examples: Vec<(&'static str, Result<Arc<Scenario>, String>)>,
    /// Each example's drawing (none when it does not load).
    thumbnails: Vec<Option<Thumbnail>>,
}

impl Default for StartPage {
    fn default() -> Self {
        let examples: Vec<(&'static str, Result<Arc<Scenario>, String>)> = EXAMPLES
            .iter()
            .map(|(_, name, text)| (*name, load_example(name, text)))
            .collect();
        let thumbnails = examples
            .iter()
            .map(|(_, loaded)| loaded.as_ref().ok().map(|sc| Thumbnail::of(sc)))
            .collect();
        StartPage {
            examples,
            thumbnails,
        }
    }
}

impl StartPage {
    /// Example `index`: its file name and the loaded scenario (or why it does not load).
    pub fn example(&self, index: usize) -> Option<(&'static str, &Result<Arc<Scenario>, String>)> {
        self.examples
            .get(index)
            .map(|(name, loaded)| (*name, loaded))
    }

    /// The index of the example with this file name.
    pub fn index_of(&self, file_name: &str) -> Option<usize> {
        self.examples
            .iter()
            .position(|(name, _)| *name == file_name)
    }

    /// Each example's title (its scenario name, or its file name when it does not load), in gallery order.
    pub fn titles(&self) -> Vec<String> {
        self.examples
            .iter()
            .map(|(file, loaded)| match loaded {
                Ok(sc) => sc.name.clone(),
                Err(_) => file.to_string(),
            })
            .collect()
    }

    pub fn ui(&mut self, ui: &mut Ui, recent: &[PathBuf], actions: &mut Vec<Action>) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.add_space(12.0);
            ui.heading(RichText::new("eventflow").size(28.0).strong());
            ui.label("Design, run and watch event-driven serverless architectures.");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Open a scenario file…").clicked() {
                    actions.push(Action::OpenPicker);
                }
                ui.weak("or drop a .json file on this window");
            });
            ui.add_space(16.0);
            ui.heading("Examples");
            ui.add_space(4.0);
            self.gallery(ui, actions);
            ui.add_space(16.0);
            ui.heading("Recent files");
            if recent.is_empty() {
                ui.weak("Files you open appear here.");
            }
            for p in recent {
                if ui.link(p.display().to_string()).clicked() {
                    actions.push(Action::OpenPath(p.clone()));
                }
            }
        });
    }

    /// The examples as cards, one to three columns wide, under a heading per group.
    fn gallery(&self, ui: &mut Ui, actions: &mut Vec<Action>) {
        let width = ui.available_width();
        let cols = ((width / 340.0).floor() as usize).clamp(1, 3);
        for (g, (group, about)) in GROUPS.iter().enumerate() {
            let members: Vec<usize> = EXAMPLES
                .iter()
                .enumerate()
                .filter(|(_, (eg, _, _))| *eg == g)
                .map(|(i, _)| i)
                .collect();
            if members.is_empty() {
                continue;
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                ui.label(RichText::new(*group).strong().size(16.0));
                ui.weak(*about);
            });
            ui.add_space(4.0);
            egui::Grid::new(("examples", g))
                .num_columns(cols)
                .spacing([12.0, 12.0])
                .show(ui, |ui| {
                    for (k, &i) in members.iter().enumerate() {
                        self.card(ui, i, width / cols as f32 - 48.0, actions);
                        if (k + 1) % cols == 0 {
                            ui.end_row();
                        }
                    }
                });
        }
    }

    /// One example's card: its name and file, its first paragraph, whether it has a guided tour, Open.
    fn card(&self, ui: &mut Ui, i: usize, width: f32, actions: &mut Vec<Action>) {
        let Some((file, loaded)) = self.examples.get(i) else {
            return;
        };
        let (name, desc, tour_steps) = match loaded {
            Ok(sc) => (
                sc.name.clone(),
                first_paragraph(sc.description.as_deref().unwrap_or("")),
                sc.tour.as_ref().map(|t| t.steps.len()),
            ),
            Err(e) => (file.to_string(), e.clone(), None),
        };
        egui::Frame::group(ui.style())
            .inner_margin(10.0)
            .show(ui, |ui| {
                ui.set_width(width);
                ui.set_max_width(width);
                ui.set_min_height(150.0);
                ui.vertical(|ui| {
                    ui.horizontal_wrapped(|ui| {
                        ui.strong(&name);
                        ui.weak(*file);
                    });
                    if let Some(Some(thumb)) = self.thumbnails.get(i) {
                        let (rect, _) =
                            ui.allocate_exact_size(vec2(width, THUMBNAIL_H), Sense::hover());
                        thumb.paint(ui, rect);
                    }
                    ui.add(egui::Label::new(desc).wrap());
                    if let Some(n) = tour_steps {
                        ui.label(
                            RichText::new(format!("Guided tour: {n} steps"))
                                .color(ui.visuals().hyperlink_color),
                        );
                    }
                    if ui.button(format!("Open {name}")).clicked() {
                        actions.push(Action::OpenExample(i));
                    }
                });
            });
    }
}

/// Markdown emphasis and code marks taken out, for plain labels.
pub fn strip_markdown(s: &str) -> String {
    s.replace("**", "").replace('`', "")
}

/// The first paragraph, kept to its first sentences when long: cut only at a sentence's end (never mid-word),
/// so a card never shows a cut text.
fn first_paragraph(s: &str) -> String {
    const LONG: usize = 220;
    let p = strip_markdown(s.split("\n\n").next().unwrap_or(""));
    if p.chars().count() <= LONG {
        return p;
    }
    let limit = p.char_indices().nth(LONG).map_or(p.len(), |(i, _)| i);
    match p[..limit].rfind(". ") {
        Some(end) => p[..=end].to_string(),
        None => p,
    }
}

/// Loads a built-in example: from the source tree when it is there (so handler scripts next to it are compiled),
/// else from the text built into the binary (where functions with script files run without their code).
fn load_example(name: &str, text: &str) -> Result<Arc<Scenario>, String> {
    let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/scenarios")
        .join(name);
    let loaded = if on_disk.is_file() {
        crate::scenario::load_file(&on_disk)
    } else {
        crate::scenario::load_str(text, name, None)
    };
    loaded.map(Arc::new).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_first_paragraphs_end_at_a_sentence_never_mid_word() {
        let long = format!(
            "{} Second sentence goes on. {}",
            "A short one.",
            "word ".repeat(60)
        );
        let p = first_paragraph(&long);
        assert_eq!(p, "A short one. Second sentence goes on.");
        assert_eq!(first_paragraph("Short.\n\nNext"), "Short.");
    }

    #[test]
    fn the_gallery_holds_every_example_file_once() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("assets/scenarios")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json") && !n.ends_with(".expect.json"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = EXAMPLES.iter().map(|(_, n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(listed, files, "assets/scenarios and the gallery differ");
    }

    #[test]
    fn every_example_has_a_drawing_of_its_graph() {
        let page = StartPage::default();
        for (i, (file, loaded)) in page.examples.iter().enumerate() {
            if let Ok(sc) = loaded {
                let t = page.thumbnails[i].as_ref().expect("a drawing");
                let nodes = ArchGraph::new(sc).graph.node_count();
                assert!(nodes > 0 && t.nodes.len() == nodes, "{file}");
                assert!(t.bounds.is_positive(), "{file}");
            }
        }
    }
}
