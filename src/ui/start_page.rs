//! The start page: the gallery of built-in examples (each with its first paragraph and an Open button), "Open a
//! scenario file…", and recent files. It owns the examples, loaded once when the app starts.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui::{self, RichText, Ui};

use super::action::Action;
use crate::scenario::Scenario;

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
}

impl Default for StartPage {
    fn default() -> Self {
        StartPage {
            examples: EXAMPLES
                .iter()
                .map(|(_, name, text)| (*name, load_example(name, text)))
                .collect(),
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

fn first_paragraph(s: &str) -> String {
    let p = s.split("\n\n").next().unwrap_or("");
    let p = strip_markdown(p);
    if p.chars().count() > 220 {
        let mut t: String = p.chars().take(218).collect();
        t.push('…');
        t
    } else {
        p
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
