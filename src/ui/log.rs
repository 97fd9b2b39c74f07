//! The invocation log: every invocation of the run (from `invoke`, `result` and `log` records) and its table.
//!
//! Rows are kept compact by [`crate::runner::retention::Retained`] (about 72 bytes each: interned function, packed
//! ids, times, status), under the app's memory cap; each invocation's event, response, error and logs are kept only
//! for the most recent invocations and rebuilt on demand for older ones (a re-run to that invocation on a thread,
//! [`crate::runner::retention::DetailJob`]). Past the cap the oldest rows are dropped and the table says so
//! ("older rows dropped: N").
//!
//! The table is virtualised with `ScrollArea::show_rows`: only the visible rows are laid out, so millions of rows
//! scroll as smoothly as ten. Filtering by function and status keeps an index of matching rows, extended as rows
//! come and re-examined only from the oldest invocation still running (finished rows never change).

use std::sync::Arc;

use eframe::egui::{self, RichText, Ui};
use serde_json::Value;

use super::style;
use crate::runner::retention::{DetailJob, InvDetail, Retained, RetentionLimits};
use crate::runner::{RecordedFault, RecordedInjection};
use crate::scenario::{ResourceType, Scenario};
use crate::sim::Status;

/// One invocation as the log shows it (the compact row, unpacked; its detail is [`InvocationLog::detail`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub function: Arc<str>,
    pub request_id: String,
    pub trace_id: Arc<str>,
    pub start_us: u64,
    pub cold_start: bool,
    pub init_us: Option<u64>,
    pub attempt: u32,
    pub status: Option<Status>,
    pub duration_us: u64,
    pub billed_ms: u64,
}

/// Where an invocation's detail (event, response, error, logs) stands.
#[derive(Debug)]
pub enum Detail<'a> {
    /// Kept, or rebuilt.
    Here(&'a InvDetail),
    /// Being rebuilt by a re-run.
    Loading,
    /// Cannot be rebuilt: why.
    Missing(String),
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
    rows: Retained,
    filter_function: Option<Arc<str>>,
    filter_status: StatusFilter,
    /// Sequence numbers of the rows the filter accepts, ascending.
    filtered: Vec<u64>,
    /// Rows from this sequence number on are (re-)examined by the next refresh: every row before it had finished
    /// when it was examined, so its verdict cannot change.
    filtered_upto: u64,
    /// The filter changed: the index is rebuilt from scratch.
    filter_stale: bool,
    /// Follow the newest row while nothing is selected.
    pub(super) follow: bool,
    /// The detail rebuilt for one row (its sequence number) and the re-run under way, if any.
    rebuilt: Option<(u64, Result<Option<InvDetail>, String>)>,
    job: Option<DetailJob>,
}

impl InvocationLog {
    pub fn new() -> InvocationLog {
        InvocationLog::with_limits(RetentionLimits::default())
    }

    /// A log retaining at most what `limits` allow.
    pub fn with_limits(limits: RetentionLimits) -> InvocationLog {
        InvocationLog {
            rows: Retained::new(limits),
            follow: true,
            filter_stale: true,
            ..Default::default()
        }
    }

    /// The limits of what the log retains.
    pub fn limits(&self) -> RetentionLimits {
        self.rows.limits()
    }

    /// Changes the memory cap: the log starts again under the new limits.
    pub fn set_limits(&mut self, limits: RetentionLimits) {
        let (f, s) = (self.filter_function.take(), self.filter_status);
        *self = InvocationLog::with_limits(limits);
        self.filter_function = f;
        self.filter_status = s;
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

    /// Empties the log of the same scenario (a new run): the filters and the limits stay.
    pub fn clear(&mut self) {
        self.set_limits(self.limits());
    }

    /// An invocation starts. Returns how many rows were dropped from the front (selection indexes shift by it).
    #[allow(clippy::too_many_arguments)]
    pub fn push_invoke(
        &mut self,
        function: &str,
        request_id: &str,
        trace_id: &str,
        start_us: u64,
        cold_start: bool,
        init_us: Option<u64>,
        attempt: u32,
        event: crate::sim::trace::EventPayload,
    ) -> usize {
        self.rows.push_invoke(
            function, request_id, trace_id, start_us, cold_start, init_us, attempt, event,
        )
    }

    /// An invocation ends.
    pub fn push_result(
        &mut self,
        request_id: &str,
        status: Status,
        duration_us: u64,
        billed_ms: u64,
        response: Option<Value>,
        error: Option<Value>,
    ) {
        self.rows
            .push_result(request_id, status, duration_us, billed_ms, response, error);
    }

    /// A line an invocation logged.
    pub fn push_log(&mut self, request_id: &str, t_us: u64, message: String) {
        self.rows.push_log(request_id, t_us, message);
    }

    /// Rows kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows dropped under the memory cap since the run began.
    pub fn dropped_rows(&self) -> u64 {
        self.rows.dropped_rows()
    }

    /// Bytes the log retains (an estimate).
    pub fn retained_bytes(&self) -> usize {
        self.rows.retained_bytes()
    }

    /// The invocation at row `i`.
    pub fn summary(&self, i: usize) -> Option<Invocation> {
        let r = self.rows.get(i)?;
        Some(Invocation {
            function: self.rows.functions().name(r.function).clone(),
            request_id: self.rows.id_text(&r.request),
            trace_id: Arc::from(self.rows.id_text(&r.trace)),
            start_us: r.start_us,
            cold_start: r.cold_start,
            init_us: r.init_us(),
            attempt: u32::from(r.attempt),
            status: r.status,
            duration_us: u64::from(r.duration_us),
            billed_ms: u64::from(r.billed_ms),
        })
    }

    /// The function of row `i`.
    pub fn function_of(&self, i: usize) -> Option<&Arc<str>> {
        self.rows
            .get(i)
            .map(|r| self.rows.functions().name(r.function))
    }

    /// The newest row of the invocation `request_id`.
    pub fn position_of_request(&self, request_id: &str) -> Option<usize> {
        let id = self.rows.find_id(request_id)?;
        self.rows.iter().rposition(|r| r.request == id)
    }

    /// The row (of `function`, if given) that started nearest to `t_us`.
    pub fn nearest_start(&self, t_us: u64, function: Option<&str>) -> Option<usize> {
        let wanted = match function {
            Some(f) => Some(self.rows.functions().lookup(f)?),
            None => None,
        };
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| wanted.is_none_or(|f| r.function == f))
            .min_by_key(|(_, r)| r.start_us.abs_diff(t_us))
            .map(|(i, _)| i)
    }

    /// Rows of the trace `trace_id`, newest first, at most `limit`.
    pub fn rows_of_trace(&self, trace_id: &str, limit: usize) -> Vec<usize> {
        let Some(id) = self.rows.find_id(trace_id) else {
            return Vec::new();
        };
        let n = self.rows.len();
        self.rows
            .iter()
            .rev()
            .enumerate()
            .filter(|(_, r)| r.trace == id)
            .map(|(k, _)| n - 1 - k)
            .take(limit)
            .collect()
    }

    /// The detail of row `i`: kept, rebuilt, being rebuilt, or not to be had.
    pub fn detail(&self, i: usize) -> Detail<'_> {
        if let Some(d) = self.rows.detail(i) {
            return Detail::Here(d);
        }
        let seq = self.rows.seq(i);
        match &self.rebuilt {
            Some((s, Ok(Some(d)))) if *s == seq => Detail::Here(d),
            Some((s, Ok(None))) if *s == seq => {
                Detail::Missing("Not found in a re-run of the scenario.".into())
            }
            Some((s, Err(e))) if *s == seq => Detail::Missing(e.clone()),
            _ => Detail::Loading,
        }
    }

    /// Makes sure the detail of row `i` is here or on its way: starts a re-run of `sc` (with the recorded fault
    /// changes `faults`, up to the live run's time `now_us`) when it is neither kept nor rebuilt, and collects a
    /// finished re-run. Returns true while a re-run is under way (the caller keeps repainting).
    pub fn want_detail(
        &mut self,
        i: usize,
        sc: &Arc<Scenario>,
        faults: &[RecordedFault],
        injections: &[RecordedInjection],
        now_us: u64,
    ) -> bool {
        if let Some(job) = &self.job
            && let Some(answer) = job.poll()
        {
            self.rebuilt = Some((job.seq, answer));
            self.job = None;
        }
        if i >= self.rows.len() || self.rows.detail(i).is_some() {
            return self.job.is_some();
        }
        let seq = self.rows.seq(i);
        let have = self.rebuilt.as_ref().is_some_and(|(s, _)| *s == seq)
            || self.job.as_ref().is_some_and(|j| j.seq == seq);
        if !have && let Some(r) = self.rows.get(i) {
            let request_id = self.rows.id_text(&r.request);
            match DetailJob::spawn(
                seq,
                sc.clone(),
                faults.to_vec(),
                injections.to_vec(),
                request_id,
                now_us,
            ) {
                Ok(job) => self.job = Some(job),
                Err(e) => self.rebuilt = Some((seq, Err(e))),
            }
        }
        self.job.is_some()
    }

    fn filtering(&self) -> bool {
        self.filter_function.is_some() || self.filter_status != StatusFilter::All
    }

    /// Brings the filter's index up to date: drops the rows dropped from the log, re-examines the rows from the
    /// oldest one that was still running, and examines the new ones.
    fn refresh(&mut self) {
        if !self.filtering() {
            self.filter_stale = true;
            self.filtered.clear();
            return;
        }
        let first = self.rows.seq(0);
        let end = self.rows.seq(self.rows.len());
        if self.filter_stale {
            self.filter_stale = false;
            self.filtered.clear();
            self.filtered_upto = first;
        }
        self.filtered_upto = self.filtered_upto.max(first);
        let dropped = self.filtered.partition_point(|&s| s < first);
        self.filtered.drain(..dropped);
        let kept = self.filtered.partition_point(|&s| s < self.filtered_upto);
        self.filtered.truncate(kept);
        let function = self
            .filter_function
            .as_ref()
            .map(|f| self.rows.functions().lookup(f));
        let mut settled = true;
        let mut next_upto = end;
        for seq in self.filtered_upto..end {
            let Some(r) = self.rows.position(seq).and_then(|i| self.rows.get(i)) else {
                continue;
            };
            if settled && r.status.is_none() {
                settled = false;
                next_upto = seq;
            }
            let function_ok = match function {
                None => true,
                Some(f) => f == Some(r.function),
            };
            if function_ok && self.filter_status.accepts(r.status) {
                self.filtered.push(seq);
            }
        }
        self.filtered_upto = next_upto;
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
            self.filtered.get(k).and_then(|&s| self.rows.position(s))
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
                    for f in self.rows.functions().names().to_vec() {
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
                self.filter_stale = true;
            }
            self.refresh();
            ui.weak(format!("{} of {}", self.visible_len(), self.rows.len()));
            ui.checkbox(&mut self.follow, "follow newest");
            let dropped = self.rows.dropped_rows();
            if dropped > 0 {
                ui.colored_label(style::THROTTLE, format!("older rows dropped: {dropped}"))
                    .on_hover_text(format!(
                        "The app keeps at most {} MB of a run (open --memory-cap-mb); the oldest rows went first",
                        self.rows.limits().cap_bytes / 1_000_000
                    ));
            }
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
                let Some(r) = self.rows.get(i) else { continue };
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
                let fname: String = self
                    .rows
                    .functions()
                    .name(r.function)
                    .chars()
                    .take(22)
                    .collect();
                let text = format!(
                    "{:>9.3} s  {:<22} {:<8} {:>10} {:>8}  {:<5}  {}",
                    r.start_us as f64 / 1e6,
                    fname,
                    status,
                    dur,
                    billed,
                    if r.cold_start { "cold" } else { "" },
                    self.rows.id_text(&r.request)
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
