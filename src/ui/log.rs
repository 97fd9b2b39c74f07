//! The invocation log: every invocation of the run (from `invoke`, `result` and `log` records) and its table.
//!
//! The table is virtualised with `ScrollArea::show_rows`: only the visible rows are laid out, so 100,000 rows
//! scroll as smoothly as ten. Filtering by function and status keeps an index of matching rows, rebuilt only when
//! the rows or the filter change.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui::{self, RichText, Ui};
use serde_json::Value;

use super::style;
use crate::scenario::{ResourceType, Scenario};
use crate::sim::Status;

/// Most rows kept; beyond it the oldest tenth is dropped.
pub const MAX_ROWS: usize = 200_000;

/// One invocation.
#[derive(Debug, Clone)]
pub struct InvRow {
    pub function: Arc<str>,
    pub request_id: String,
    pub trace_id: Arc<str>,
    pub start_us: u64,
    pub cold_start: bool,
    pub init_us: Option<u64>,
    pub attempt: u32,
    pub event: Value,
    pub status: Option<Status>,
    pub duration_us: u64,
    pub billed_ms: u64,
    pub response: Option<Value>,
    pub error: Option<Value>,
    pub logs: Vec<(u64, String)>,
}

/// Status filter of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Running,
    Ok,
    Error,
    Timeout,
}

impl StatusFilter {
    const ALL: [StatusFilter; 5] = [
        StatusFilter::All,
        StatusFilter::Running,
        StatusFilter::Ok,
        StatusFilter::Error,
        StatusFilter::Timeout,
    ];
    fn label(self) -> &'static str {
        match self {
            StatusFilter::All => "any status",
            StatusFilter::Running => "running",
            StatusFilter::Ok => "ok",
            StatusFilter::Error => "error",
            StatusFilter::Timeout => "timeout",
        }
    }
    fn accepts(self, s: Option<Status>) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Running => s.is_none(),
            StatusFilter::Ok => s == Some(Status::Ok),
            StatusFilter::Error => s == Some(Status::Error),
            StatusFilter::Timeout => s == Some(Status::Timeout),
        }
    }
}

/// The invocation log panel: the rows, the filters, and the table that shows them.
#[derive(Default)]
pub struct InvocationLog {
    pub(super) rows: Vec<InvRow>,
    by_request: HashMap<String, usize>,
    functions: Vec<Arc<str>>,
    filter_function: Option<Arc<str>>,
    filter_status: StatusFilter,
    filtered: Vec<u32>,
    dirty: bool,
    /// Follow the newest row while nothing is selected.
    pub(super) follow: bool,
}

impl InvocationLog {
    pub fn new() -> InvocationLog {
        InvocationLog {
            follow: true,
            dirty: true,
            ..Default::default()
        }
    }

    /// Empties the log for another scenario: a function filter that names no function of `sc` is dropped (it
    /// would hide every row of the new flow); the status filter stays.
    pub fn clear_for(&mut self, sc: &Scenario) {
        self.clear();
        let named_function_exists = |f: &Arc<str>| {
            sc.find(f)
                .is_some_and(|id| sc.resource(id).resource_type() == ResourceType::Function)
        };
        if !self
            .filter_function
            .as_ref()
            .is_none_or(named_function_exists)
        {
            self.filter_function = None;
        }
    }

    /// Empties the log of the same scenario (a new run): the filters stay.
    pub fn clear(&mut self) {
        let (f, s) = (self.filter_function.take(), self.filter_status);
        *self = InvocationLog::new();
        self.filter_function = f;
        self.filter_status = s;
    }

    /// Returns how many rows were dropped from the front (selection indexes shift by it).
    pub fn push(&mut self, row: InvRow) -> usize {
        let mut dropped = 0;
        if self.rows.len() >= MAX_ROWS {
            dropped = MAX_ROWS / 10;
            self.rows.drain(..dropped);
            self.by_request = self
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.request_id.clone(), i))
                .collect();
        }
        if !self.functions.contains(&row.function) {
            self.functions.push(row.function.clone());
        }
        self.by_request
            .insert(row.request_id.clone(), self.rows.len());
        self.rows.push(row);
        self.dirty = true;
        dropped
    }

    pub fn by_request_mut(&mut self, request_id: &str) -> Option<&mut InvRow> {
        let i = *self.by_request.get(request_id)?;
        self.dirty = true;
        self.rows.get_mut(i)
    }

    fn filtering(&self) -> bool {
        self.filter_function.is_some() || self.filter_status != StatusFilter::All
    }

    fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.filtered.clear();
        if self.filtering() {
            for (i, r) in self.rows.iter().enumerate() {
                if self
                    .filter_function
                    .as_ref()
                    .is_none_or(|f| *f == r.function)
                    && self.filter_status.accepts(r.status)
                {
                    self.filtered.push(i as u32);
                }
            }
        }
    }

    fn visible_len(&self) -> usize {
        if self.filtering() {
            self.filtered.len()
        } else {
            self.rows.len()
        }
    }

    fn visible(&self, k: usize) -> Option<usize> {
        if self.filtering() {
            self.filtered.get(k).map(|&i| i as usize)
        } else {
            (k < self.rows.len()).then_some(k)
        }
    }

    /// Draws the filter bar and the table. Returns the row clicked, if any.
    pub fn show(&mut self, ui: &mut Ui, selected: Option<usize>) -> Option<usize> {
        let mut clicked = None;
        ui.horizontal(|ui| {
            ui.strong("Invocations");
            let before = (self.filter_function.clone(), self.filter_status);
            let label = self
                .filter_function
                .as_deref()
                .unwrap_or("all functions")
                .to_string();
            let function_label = ui.label("function");
            egui::ComboBox::from_id_salt("log-fn")
                .selected_text(label)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.filter_function, None, "all functions");
                    for f in self.functions.clone() {
                        let name = f.to_string();
                        ui.selectable_value(&mut self.filter_function, Some(f), name);
                    }
                })
                .response
                .labelled_by(function_label.id);
            let status_label = ui.label("status");
            egui::ComboBox::from_id_salt("log-status")
                .selected_text(self.filter_status.label())
                .show_ui(ui, |ui| {
                    for s in StatusFilter::ALL {
                        ui.selectable_value(&mut self.filter_status, s, s.label());
                    }
                })
                .response
                .labelled_by(status_label.id);
            if before != (self.filter_function.clone(), self.filter_status) {
                self.dirty = true;
            }
            self.refresh();
            ui.weak(format!("{} of {}", self.visible_len(), self.rows.len()));
            ui.checkbox(&mut self.follow, "follow newest");
        });
        self.refresh();
        let header = format!(
            "{:>11}  {:<22} {:<8} {:>10} {:>8}  {:<5}  {}",
            "start", "function", "status", "duration", "billed", "init", "request id"
        );
        ui.label(RichText::new(header).monospace().weak());
        let row_h = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
        let n = self.visible_len();
        let mut area = egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .id_salt("log-rows");
        if self.follow && selected.is_none() {
            area = area.stick_to_bottom(true);
        }
        area.show_rows(ui, row_h, n, |ui, range| {
            for k in range {
                let Some(i) = self.visible(k) else { continue };
                let r = &self.rows[i];
                let (status, color) = match r.status {
                    None => ("running", ui.visuals().weak_text_color()),
                    Some(Status::Ok) => ("ok", style::OK_GREEN),
                    Some(Status::Error) => ("error", style::ERROR),
                    Some(Status::Timeout) => ("timeout", style::THROTTLE),
                };
                let dur = if r.status.is_some() {
                    format!("{:.1} ms", r.duration_us as f64 / 1000.0)
                } else {
                    "…".into()
                };
                let billed = if r.status.is_some() {
                    format!("{} ms", r.billed_ms)
                } else {
                    String::new()
                };
                let fname: String = r.function.chars().take(22).collect();
                let text = format!(
                    "{:>9.3} s  {:<22} {:<8} {:>10} {:>8}  {:<5}  {}",
                    r.start_us as f64 / 1e6,
                    fname,
                    status,
                    dur,
                    billed,
                    if r.cold_start { "cold" } else { "" },
                    r.request_id
                );
                let rich = RichText::new(text).monospace().color(
                    if r.status == Some(Status::Ok) || r.status.is_none() {
                        ui.visuals().text_color()
                    } else {
                        color
                    },
                );
                let resp = ui.add(
                    egui::Button::selectable(selected == Some(i), rich).frame_when_inactive(false),
                );
                if resp.clicked() {
                    clicked = Some(i);
                }
            }
        });
        clicked
    }
}
