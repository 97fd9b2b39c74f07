//! The timeline (waterfall) of one trace, X-Ray / Jaeger style, with the async hops real tools lose.
//!
//! [`TraceStore`] keeps the records of the most recent traces of the run (bounded: [`MAX_TRACES`] traces, each
//! up to [`MAX_RECORDS_PER_TRACE`] records, [`MAX_STORE_BYTES`] in all); the app moves each record in once it
//! has folded it into its other views. [`Timeline`] rebuilds the trace's spans with
//! [`crate::export::SpanSet`] (the model of the Perfetto and OTLP exports) whenever the trace grows, and draws one
//! row per span in causal order (children under their parent, by start time):
//!
//! - an invocation's bar is split into Init (blue, a cold start) and Invocation (green, red when it failed);
//!   its SDK calls are child rows and also thin sub-bars on the invocation's bar;
//! - a message's time in its queue (`enqueue` → `dequeue`) is its own amber bar: the dwell;
//! - a retry's back-off is a grey bar between the failed attempt (red) and the next one;
//! - more than [`FANOUT_COLLAPSE`] siblings of the same kind and resource collapse to one "×N" row: click it to
//!   open the group (its spans' rows follow it, one level deeper), click it again to close it;
//! - "critical path" highlights the chain of spans that ends last and dims the rest.
//!
//! Clicking an invocation row selects it in the log and the inspector (and so the trace on the canvas); a
//! selection made elsewhere (a dot, a row of the log) picks the trace shown here. Ctrl + wheel (or pinch) zooms
//! the time axis around the pointer, dragging pans, "Fit" shows the whole trace.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use eframe::egui::{self, Color32, Rect, RichText, Sense, Stroke, Ui, pos2, vec2};

use super::action::{Action, Selection};
use super::log::InvocationLog;
use super::style;
use crate::export::{Attr, Span, SpanSet};
use crate::runner::retention::value_bytes;
use crate::sim::ids::IdText;
use crate::sim::{RecordId, TraceRecord};

/// Traces whose records are kept for the timeline (the oldest is forgotten first).
pub const MAX_TRACES: usize = 4096;
/// Records kept per trace (a larger trace shows its beginning).
pub const MAX_RECORDS_PER_TRACE: usize = 20_000;
/// Bytes of records kept at most ([`record_bytes`]): the most recent traces of a long run at load (a few thousand
/// of the run's traces; issue 15's memory bound), however many [`MAX_TRACES`] would allow.
pub const MAX_STORE_BYTES: usize = 16 << 20;
/// Siblings of one kind and resource beyond this many collapse to a "×N" row.
pub const FANOUT_COLLAPSE: usize = 3;
const ROW_HEIGHT: f32 = 18.0;
const LABEL_WIDTH: f32 = 280.0;

/// The trace id a record belongs to (none for a database connection event outside any request, such as a
/// proxy closing an idle connection).
pub fn trace_id_of(r: &TraceRecord) -> Option<IdText<'_>> {
    match r {
        TraceRecord::Transit { trace_id, .. }
        | TraceRecord::Invoke { trace_id, .. }
        | TraceRecord::Result { trace_id, .. }
        | TraceRecord::Throttle { trace_id, .. }
        | TraceRecord::Retry { trace_id, .. }
        | TraceRecord::DeadLetter { trace_id, .. }
        | TraceRecord::Enqueue { trace_id, .. }
        | TraceRecord::Dequeue { trace_id, .. }
        | TraceRecord::Drop { trace_id, .. }
        | TraceRecord::Log { trace_id, .. }
        | TraceRecord::Response { trace_id, .. }
        | TraceRecord::Object { trace_id, .. }
        | TraceRecord::Call { trace_id, .. }
        | TraceRecord::Execution { trace_id, .. }
        | TraceRecord::State { trace_id, .. }
        | TraceRecord::Match { trace_id, .. } => Some(trace_id.as_text()),
        TraceRecord::Connection { trace_id, .. } => trace_id.as_ref().map(RecordId::as_text),
        TraceRecord::Fault { .. } => None,
    }
}

/// Heap and inline bytes of a record as the store keeps it (an estimate: the record itself, a flat allowance for
/// its ids and names, and its payloads: an invocation's event, a result's response and error, a log line, an API
/// answer's body, a state's data and path stages).
pub fn record_bytes(r: &TraceRecord) -> usize {
    /// A record's ids and names (a trace id, a request id, a resource or two), each a `String` of 10 to 40 bytes.
    const TEXTS: usize = 128;
    fn opt<V: std::ops::Deref<Target = serde_json::Value>>(v: &Option<V>) -> usize {
        v.as_deref().map_or(0, value_bytes)
    }
    let payload = match r {
        TraceRecord::Invoke { event, links, .. } => {
            event.heap_bytes() + links.len() * std::mem::size_of::<u64>()
        }
        TraceRecord::Result {
            response, error, ..
        } => opt(response) + opt(error),
        TraceRecord::Execution { output, error, .. } => opt(output) + opt(error),
        TraceRecord::Call { error, rds, .. } => opt(error) + opt(rds),
        TraceRecord::Log { message, .. } => message.capacity(),
        TraceRecord::Response { body, .. } => body.capacity(),
        TraceRecord::State {
            detail,
            data,
            stages,
            ..
        } => {
            detail.as_ref().map_or(0, String::capacity)
                + opt(data)
                + stages.iter().map(|(_, v)| value_bytes(v)).sum::<usize>()
        }
        _ => 0,
    };
    std::mem::size_of::<TraceRecord>() + TEXTS + payload
}

/// Empties the payloads of a record that neither the timeline's spans ([`SpanSet`]) nor its export read: an
/// invocation's event, a result's response and error, an execution's output and error, an SDK call's RDS answer
/// (a failed call keeps an empty error: its span is failed), an API answer's body, a state's data and path
/// stages. The app's log and state machine view have taken them already (the store then copies nothing); a long
/// run's store stays small.
fn slim(r: &mut TraceRecord) {
    match r {
        TraceRecord::Invoke { event, .. } => *event = Default::default(),
        TraceRecord::Result {
            response, error, ..
        } => {
            *response = None;
            *error = None;
        }
        TraceRecord::Execution { output, error, .. } => {
            *output = None;
            *error = None;
        }
        TraceRecord::Call { error, rds, .. } => {
            if let Some(e) = error {
                **e = serde_json::Value::Null;
            }
            *rds = None;
        }
        TraceRecord::Response { body, .. } => *body = String::new(),
        TraceRecord::State { data, stages, .. } => {
            *data = None;
            *stages = Vec::new();
        }
        _ => {}
    }
}

/// One trace's records as the store keeps them.
struct StoredTrace {
    id: Arc<str>,
    records: Vec<TraceRecord>,
    /// [`record_bytes`] of its records.
    bytes: usize,
}

/// The records of the most recent traces, by trace id, bounded by count ([`MAX_TRACES`], each up to
/// [`MAX_RECORDS_PER_TRACE`] records) and by bytes ([`MAX_STORE_BYTES`]): the oldest trace is forgotten first.
/// Records are moved in (the app hands each one over once it has folded it into its other views), never copied.
#[derive(Default)]
pub struct TraceStore {
    /// Kept traces, oldest first: `traces[k]` has the sequence number `first_seq + k`.
    traces: VecDeque<StoredTrace>,
    first_seq: u64,
    /// Trace id → sequence number.
    by_id: HashMap<Arc<str>, u64>,
    /// [`record_bytes`] of every record kept.
    bytes: usize,
    /// The trace of the last record taken and its sequence number: records of one trace come in runs, so the next
    /// one is most often found without hashing its id.
    last: Option<(Arc<str>, u64)>,
}

impl TraceStore {
    pub fn clear(&mut self) {
        *self = TraceStore::default();
    }

    /// Takes a record (one outside any trace is dropped), without the payloads the timeline never shows (see
    /// [`slim`]).
    pub fn push(&mut self, mut r: TraceRecord) {
        slim(&mut r);
        let Some(id) = trace_id_of(&r) else {
            return;
        };
        let bytes = record_bytes(&r);
        let seq = match &self.last {
            Some((last, seq)) if **last == *id => Some(*seq),
            _ => self.by_id.get(&*id).copied(),
        };
        let kept = seq.and_then(|s| {
            let k = usize::try_from(s.checked_sub(self.first_seq)?).ok()?;
            Some((s, k))
        });
        match kept {
            Some((seq, k)) => {
                let alone = self.traces.len() == 1;
                let over_budget = self.bytes + bytes > MAX_STORE_BYTES;
                let Some(trace) = self.traces.get_mut(k) else {
                    return;
                };
                if self.last.as_ref().is_none_or(|(_, s)| *s != seq) {
                    self.last = Some((trace.id.clone(), seq));
                }
                // A trace keeps its beginning: past its record limit (or alone past the byte budget) it stops.
                if trace.records.len() >= MAX_RECORDS_PER_TRACE || (alone && over_budget) {
                    return;
                }
                trace.records.push(r);
                trace.bytes += bytes;
                self.bytes += bytes;
            }
            None => {
                let id: Arc<str> = Arc::from(&*id);
                if self.traces.len() >= MAX_TRACES {
                    self.forget_oldest();
                }
                let seq = self.first_seq + self.traces.len() as u64;
                self.by_id.insert(id.clone(), seq);
                self.last = Some((id.clone(), seq));
                self.traces.push_back(StoredTrace {
                    id,
                    records: vec![r],
                    bytes,
                });
                self.bytes += bytes;
            }
        }
        while self.bytes > MAX_STORE_BYTES && self.traces.len() > 1 {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        let Some(old) = self.traces.pop_front() else {
            return;
        };
        self.by_id.remove(&old.id);
        self.bytes -= old.bytes;
        if self
            .last
            .as_ref()
            .is_some_and(|(_, s)| *s == self.first_seq)
        {
            self.last = None;
        }
        self.first_seq += 1;
    }

    pub fn records(&self, trace: &str) -> Option<&[TraceRecord]> {
        let seq = self.by_id.get(trace)?;
        let k = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.traces.get(k).map(|t| t.records.as_slice())
    }

    /// The oldest trace still kept.
    pub fn first(&self) -> Option<&Arc<str>> {
        self.traces.front().map(|t| &t.id)
    }

    /// The newest trace kept.
    pub fn last(&self) -> Option<&Arc<str>> {
        self.traces.back().map(|t| &t.id)
    }

    pub fn len(&self) -> usize {
        self.traces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    /// Bytes kept (the estimate of [`record_bytes`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

/// What a row of the waterfall shows.
#[derive(Debug, Clone, PartialEq)]
enum RowKind {
    Span(usize),
    /// Siblings of one kind and resource: the spans (indices), how many failed. Collapsed, the row stands for
    /// them all (click to open); open, it heads their rows, drawn one level deeper (click to close).
    Group {
        key: (u64, String),
        spans: Vec<usize>,
        failed: usize,
        open: bool,
    },
}

/// One entry among siblings before they are ordered by start: a span (with its children), or a group.
enum Sibling {
    Span(usize),
    Group {
        key: (u64, String),
        members: Vec<usize>,
        open: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    depth: usize,
    kind: RowKind,
}

/// What the timeline needs from the app to draw.
pub struct TimelineView<'a> {
    pub store: &'a TraceStore,
    pub log: &'a InvocationLog,
    pub selection: &'a Selection,
}

/// The timeline panel.
#[derive(Default)]
pub struct Timeline {
    trace: Option<Arc<str>>,
    /// Records the spans were built from (rebuilt when the trace grows).
    built_from: usize,
    spans: SpanSet,
    rows: Vec<Row>,
    /// Groups the user opened: (parent span, "kind resource").
    expanded: BTreeSet<(u64, String)>,
    critical_on: bool,
    critical: HashSet<u64>,
    /// Visible time window, µs (None: the whole trace).
    window: Option<(f64, f64)>,
    /// The request id of the selected invocation (highlighted).
    selected_request: Option<String>,
}

impl Timeline {
    /// Forgets the shown trace (a new run).
    pub fn clear(&mut self) {
        *self = Timeline {
            critical_on: self.critical_on,
            ..Timeline::default()
        };
    }

    /// The trace shown, if any.
    pub fn trace(&self) -> Option<&Arc<str>> {
        self.trace.as_ref()
    }

    /// Rows shown (collapsed groups count as one).
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Picks the trace from the app's selection; else keeps the one shown while the store keeps it; else the
    /// oldest trace kept, or — when the one shown was forgotten (a long run keeps only its most recent traces) —
    /// the newest, which stays kept the longest. So the waterfall never goes blank while traces are kept.
    fn follow(&mut self, view: &TimelineView<'_>) {
        let (trace, request) = match view.selection {
            Selection::Invocation(i) => match view.log.summary(*i) {
                Some(r) => (Some(r.trace_id), Some(r.request_id)),
                None => (None, None),
            },
            Selection::Trace(t) => (Some(t.clone()), None),
            Selection::Node(_) | Selection::State { .. } | Selection::None => {
                (None, self.selected_request.clone())
            }
        };
        let forgotten = self
            .trace
            .as_deref()
            .is_some_and(|t| view.store.records(t).is_none());
        let trace = trace
            .or_else(|| self.trace.clone().filter(|_| !forgotten))
            .or_else(|| {
                if forgotten {
                    view.store.last().cloned()
                } else {
                    view.store.first().cloned()
                }
            });
        self.selected_request = request;
        if trace != self.trace {
            self.trace = trace;
            self.built_from = 0;
            self.window = None;
            self.expanded.clear();
        }
        let records = self
            .trace
            .as_deref()
            .and_then(|t| view.store.records(t))
            .unwrap_or(&[]);
        if records.len() != self.built_from {
            self.rebuild(records);
        }
    }

    fn rebuild(&mut self, records: &[TraceRecord]) {
        let mut set = SpanSet::new();
        for r in records {
            set.add(r);
        }
        set.finish();
        self.spans = set;
        self.built_from = records.len();
        self.layout_rows();
        self.critical = critical_path(&self.spans.spans);
    }

    /// Rows in causal order: roots by start, each followed by its children (depth first).
    fn layout_rows(&mut self) {
        let spans = &self.spans.spans;
        let known: HashSet<u64> = spans.iter().map(|s| s.id).collect();
        let mut children: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for (i, s) in spans.iter().enumerate() {
            match s.parent.filter(|p| known.contains(p)) {
                Some(p) => children.entry(p).or_default().push(i),
                None => roots.push(i),
            }
        }
        let mut rows = Vec::new();
        self.push_siblings(None, &roots, 0, &children, &mut rows);
        self.rows = rows;
    }

    fn push_siblings(
        &self,
        parent: Option<u64>,
        siblings: &[usize],
        depth: usize,
        children: &HashMap<u64, Vec<usize>>,
        rows: &mut Vec<Row>,
    ) {
        let spans = &self.spans.spans;
        let mut order = siblings.to_vec();
        order.sort_by_key(|i| (spans[*i].start_us, *i));
        // Group siblings of one kind and resource, in order of first appearance.
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for i in order {
            let key = format!("{} {}", spans[i].kind, spans[i].resource);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(i),
                None => groups.push((key, vec![i])),
            }
        }
        let parent_id = parent.unwrap_or(0);
        // (start, tie-break, entry): a group after a span of the same start, as before groups could be closed.
        let mut emitted: Vec<(u64, usize, Sibling)> = Vec::new();
        for (key, members) in groups {
            if members.len() > FANOUT_COLLAPSE {
                let start = members
                    .iter()
                    .map(|i| spans[*i].start_us)
                    .min()
                    .unwrap_or(0);
                let key = (parent_id, key);
                let open = self.expanded.contains(&key);
                emitted.push((start, usize::MAX, Sibling::Group { key, members, open }));
            } else {
                for i in members {
                    emitted.push((spans[i].start_us, i, Sibling::Span(i)));
                }
            }
        }
        emitted.sort_by_key(|(start, tie, _)| (*start, *tie));
        for (_, _, entry) in emitted {
            match entry {
                Sibling::Span(i) => self.push_span(i, depth, children, rows),
                Sibling::Group { key, members, open } => {
                    let failed = members.iter().filter(|i| spans[**i].failed).count();
                    rows.push(Row {
                        depth,
                        kind: RowKind::Group {
                            key,
                            spans: members.clone(),
                            failed,
                            open,
                        },
                    });
                    if open {
                        for i in members {
                            self.push_span(i, depth + 1, children, rows);
                        }
                    }
                }
            }
        }
    }

    /// A span's row, then its children's.
    fn push_span(
        &self,
        i: usize,
        depth: usize,
        children: &HashMap<u64, Vec<usize>>,
        rows: &mut Vec<Row>,
    ) {
        rows.push(Row {
            depth,
            kind: RowKind::Span(i),
        });
        let id = self.spans.spans[i].id;
        if let Some(kids) = children.get(&id) {
            self.push_siblings(Some(id), kids, depth + 1, children, rows);
        }
    }

    fn bounds(&self) -> (f64, f64) {
        let start = self
            .spans
            .spans
            .iter()
            .map(|s| s.start_us)
            .min()
            .unwrap_or(0) as f64;
        let end = self.spans.spans.iter().map(|s| s.end_us).max().unwrap_or(0) as f64;
        (start, end.max(start + 1000.0))
    }

    pub fn ui(&mut self, ui: &mut Ui, view: &TimelineView<'_>, actions: &mut Vec<Action>) {
        self.follow(view);
        let Some(trace) = self.trace.clone() else {
            ui.weak("No trace yet: play the run, then click a moving dot or an invocation to see its timeline.");
            return;
        };
        let (start, end) = self.bounds();
        let (mut t0, mut t1) = self.window.unwrap_or((start, end));
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("Trace {trace}")).monospace());
            ui.weak(format!(
                "{} spans · {:.1} ms",
                self.spans.spans.len(),
                (end - start) / 1000.0
            ));
            ui.checkbox(&mut self.critical_on, "Critical path")
                .on_hover_text("Highlight the chain of spans that ends last; dim the others");
            if ui.button("Zoom in").clicked() {
                let mid = (t0 + t1) / 2.0;
                let half = ((t1 - t0) / 4.0).max(10.0);
                (t0, t1) = (mid - half, mid + half);
            }
            if ui.button("Zoom out").clicked() {
                let mid = (t0 + t1) / 2.0;
                let half = (t1 - t0).max(20.0);
                (t0, t1) = ((mid - half).max(start), (mid + half).min(end));
            }
            if ui
                .button("Fit")
                .on_hover_text("Show the whole trace")
                .clicked()
            {
                (t0, t1) = (start, end);
            }
            ui.weak("Ctrl+wheel: zoom · drag: pan");
        });
        legend(ui);
        let mut toggle_group: Option<(u64, String)> = None;
        let mut clicked_span: Option<usize> = None;
        let row_count = self.rows.len();
        let mut zoom: Option<(f32, f32, Rect)> = None;
        let mut pan_px: f32 = 0.0;
        let mut bar_width = 1.0f32;
        egui::ScrollArea::vertical()
            .id_salt("timeline-rows")
            .auto_shrink([false, false])
            .show_rows(ui, ROW_HEIGHT, row_count, |ui, range| {
                for r in range {
                    let Some(row) = self.rows.get(r) else { break };
                    let (rect, response) = ui.allocate_exact_size(
                        vec2(ui.available_width(), ROW_HEIGHT),
                        Sense::click_and_drag(),
                    );
                    let label = self.row_label(row);
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone())
                    });
                    let bars =
                        Rect::from_min_max(pos2(rect.left() + LABEL_WIDTH, rect.top()), rect.max);
                    bar_width = bars.width().max(1.0);
                    self.paint_row(ui, row, rect, bars, (t0, t1), &label);
                    if response.clicked() {
                        match &row.kind {
                            RowKind::Group { key, .. } => toggle_group = Some(key.clone()),
                            RowKind::Span(i) => clicked_span = Some(*i),
                        }
                    }
                    if response.dragged() {
                        pan_px += response.drag_delta().x;
                    }
                    if response.hovered() {
                        let z = ui.input(|i| i.zoom_delta());
                        if (z - 1.0).abs() > f32::EPSILON
                            && let Some(p) = response.hover_pos()
                        {
                            zoom = Some((z, p.x, bars));
                        }
                        match &row.kind {
                            RowKind::Span(i) => {
                                if let Some(s) = self.spans.spans.get(*i) {
                                    response.on_hover_text(span_tooltip(s));
                                }
                            }
                            RowKind::Group { open, .. } => {
                                response.on_hover_text(if *open {
                                    "Click to close the group into one row"
                                } else {
                                    "Click to open the group: one row per span"
                                });
                            }
                        }
                    }
                }
            });
        // Zoom around the pointer, pan by the drag.
        if let Some((z, x, bars)) = zoom {
            let at = t0 + f64::from((x - bars.left()) / bars.width().max(1.0)) * (t1 - t0);
            let span = ((t1 - t0) / f64::from(z)).clamp(10.0, (end - start) * 4.0);
            let frac = (at - t0) / (t1 - t0).max(1.0);
            t0 = at - frac * span;
            t1 = t0 + span;
        }
        if pan_px != 0.0 {
            let dt = -f64::from(pan_px / bar_width) * (t1 - t0);
            t0 += dt;
            t1 += dt;
        }
        self.window = if (t0, t1) == (start, end) {
            None
        } else {
            Some((t0, t1))
        };
        if let Some(key) = toggle_group {
            if !self.expanded.remove(&key) {
                self.expanded.insert(key);
            }
            self.layout_rows();
        }
        if let Some(i) = clicked_span
            && let Some(s) = self.spans.spans.get(i)
        {
            match invocation_id(s).and_then(|id| view.log.position_of_request(id)) {
                Some(row) => actions.push(Action::InspectInvocation(row)),
                None => actions.push(Action::Select(Selection::Trace(trace.clone()))),
            }
        }
    }

    fn row_label(&self, row: &Row) -> String {
        match &row.kind {
            RowKind::Span(i) => self.spans.spans.get(*i).map_or_else(String::new, |s| {
                let what = match s.kind {
                    "invoke" => format!("λ {}", s.name),
                    "enqueue" => format!("queue {}", s.resource),
                    "retry" => format!("back-off {}", s.resource),
                    // The bundled fonts have no arrow glyph.
                    "call" | "transit" => s.name.replace('→', "to"),
                    _ => format!("{} {}", s.kind, s.name),
                };
                let attempt = attr_int(s, "attempt").filter(|a| *a > 1 && s.kind == "invoke");
                match attempt {
                    Some(a) => format!("{what} (attempt {a})"),
                    None => what,
                }
            }),
            RowKind::Group {
                key,
                spans,
                failed,
                open,
            } => {
                // ASCII marks: the bundled fonts have no triangle glyphs.
                let mark = if *open { "[-]" } else { "[+]" };
                if *failed > 0 {
                    format!("{mark} ×{} {} ({failed} failed)", spans.len(), key.1)
                } else {
                    format!("{mark} ×{} {}", spans.len(), key.1)
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn paint_row(
        &self,
        ui: &Ui,
        row: &Row,
        rect: Rect,
        bars: Rect,
        (t0, t1): (f64, f64),
        label: &str,
    ) {
        let painter = ui.painter_at(rect);
        let visuals = ui.visuals();
        let x = |t: f64| bars.left() + ((t - t0) / (t1 - t0).max(1.0)) as f32 * bars.width();
        let y0 = rect.top() + 3.0;
        let y1 = rect.bottom() - 3.0;
        let spans = &self.spans.spans;
        let dim = |c: Color32, id: u64| {
            if self.critical_on && !self.critical.contains(&id) {
                c.gamma_multiply(0.3)
            } else {
                c
            }
        };
        let selected = matches!(&row.kind, RowKind::Span(i)
            if spans.get(*i).and_then(invocation_id) == self.selected_request.as_deref()
                && self.selected_request.is_some());
        if selected {
            painter.rect_filled(rect, 0.0, visuals.selection.bg_fill.gamma_multiply(0.5));
        }
        let indent = 12.0 * row.depth as f32;
        let text_color = match &row.kind {
            RowKind::Span(i) if spans.get(*i).is_some_and(|s| s.failed) => style::ERROR,
            _ => visuals.text_color(),
        };
        painter
            .with_clip_rect(Rect::from_min_max(
                rect.min,
                pos2(bars.left() - 4.0, rect.bottom()),
            ))
            .text(
                pos2(rect.left() + 4.0 + indent, rect.center().y),
                egui::Align2::LEFT_CENTER,
                label,
                egui::FontId::proportional(12.0),
                text_color,
            );
        let bar = |t_a: f64, t_b: f64, color: Color32, thin: bool| {
            let (a, b) = (x(t_a).max(bars.left()), x(t_b).min(bars.right()));
            if b < bars.left() || a > bars.right() {
                return;
            }
            let (ya, yb) = if thin { (y0 + 4.0, y1 - 4.0) } else { (y0, y1) };
            painter.rect_filled(
                Rect::from_min_max(pos2(a, ya), pos2(b.max(a + 2.0), yb)),
                2.0,
                color,
            );
        };
        match &row.kind {
            RowKind::Span(i) => {
                let Some(s) = spans.get(*i) else { return };
                let (a, b) = (s.start_us as f64, s.end_us as f64);
                match s.kind {
                    "invoke" => {
                        let init_end = a + s.init_us as f64;
                        if s.init_us > 0 {
                            bar(a, init_end, dim(style::COLD_START, s.id), false);
                        }
                        let c = if s.failed {
                            style::ERROR
                        } else {
                            style::OK_GREEN
                        };
                        bar(init_end, b, dim(c, s.id), false);
                        // SDK calls as sub-bars on the invocation.
                        for c in spans
                            .iter()
                            .filter(|c| c.kind == "call" && c.parent == Some(s.id))
                        {
                            let color = if c.failed {
                                style::ERROR
                            } else {
                                Color32::from_gray(30)
                            };
                            bar(c.start_us as f64, c.end_us as f64, dim(color, s.id), true);
                        }
                    }
                    "enqueue" => bar(a, b, dim(style::THROTTLE.gamma_multiply(0.8), s.id), false),
                    "retry" => bar(a, b, dim(Color32::from_gray(140), s.id), true),
                    "call" => {
                        let c = if s.failed {
                            style::ERROR
                        } else {
                            style::DEAD_LETTER
                        };
                        bar(a, b, dim(c, s.id), false)
                    }
                    _ => {
                        let c = if s.failed {
                            style::ERROR
                        } else {
                            Color32::from_gray(110)
                        };
                        bar(a, b, dim(c, s.id), true)
                    }
                }
                // Point events: throttles, dead letters, drops as ticks.
                for e in &s.events {
                    let color = match e.name {
                        "throttle" => style::THROTTLE,
                        "dead_letter" => style::DEAD_LETTER,
                        "drop" => style::ERROR,
                        _ => continue,
                    };
                    let px = x(e.t_us as f64);
                    if (bars.left()..=bars.right()).contains(&px) {
                        painter.line_segment(
                            [pos2(px, rect.top() + 1.0), pos2(px, rect.bottom() - 1.0)],
                            Stroke::new(2.0, color),
                        );
                    }
                }
            }
            RowKind::Group {
                spans: members,
                failed,
                open,
                ..
            } => {
                let a = members
                    .iter()
                    .filter_map(|i| spans.get(*i))
                    .map(|s| s.start_us)
                    .min()
                    .unwrap_or(0);
                let b = members
                    .iter()
                    .filter_map(|i| spans.get(*i))
                    .map(|s| s.end_us)
                    .max()
                    .unwrap_or(0);
                let c = if *failed > 0 {
                    style::ERROR
                } else {
                    Color32::from_gray(120)
                };
                // Open, the group's extent is a thin bar over its members' own rows.
                bar(a as f64, b as f64, c.gamma_multiply(0.6), *open);
            }
        }
    }
}

/// The spans on the chain that ends last: from the span with the latest end up through its parents.
fn critical_path(spans: &[Span]) -> HashSet<u64> {
    let by_id: HashMap<u64, &Span> = spans.iter().map(|s| (s.id, s)).collect();
    let mut out = HashSet::new();
    let last = spans
        .iter()
        .max_by_key(|s| (s.end_us, std::cmp::Reverse(s.id)));
    let mut at = last;
    while let Some(s) = at {
        if !out.insert(s.id) {
            break;
        }
        at = s.parent.and_then(|p| by_id.get(&p).copied());
    }
    out
}

fn invocation_id(s: &Span) -> Option<&str> {
    if s.kind != "invoke" {
        return None;
    }
    s.attributes.iter().find_map(|(k, v)| match (k, v) {
        (&"faas.invocation_id", Attr::Str(id)) => Some(id.as_str()),
        _ => None,
    })
}

fn attr_int(s: &Span, key: &str) -> Option<i64> {
    s.attributes.iter().find_map(|(k, v)| match v {
        Attr::Int(i) if *k == key => Some(*i),
        _ => None,
    })
}

fn span_tooltip(s: &Span) -> String {
    let mut t = format!(
        "{}\n{} · {:.3} ms to {:.3} ms ({:.3} ms)",
        s.name.replace('→', "to"),
        s.kind,
        s.start_us as f64 / 1000.0,
        s.end_us as f64 / 1000.0,
        (s.end_us - s.start_us) as f64 / 1000.0
    );
    if s.init_us > 0 {
        t.push_str(&format!(
            "\ncold start: init {:.3} ms",
            s.init_us as f64 / 1000.0
        ));
    }
    if !s.links.is_empty() {
        t.push_str(&format!("\nbatch of {} messages (links)", s.links.len()));
    }
    for (k, v) in &s.attributes {
        let v = match v {
            Attr::Str(x) => x.replace('→', "to"),
            Attr::Int(i) => i.to_string(),
            Attr::Bool(b) => b.to_string(),
        };
        t.push_str(&format!("\n{k}: {v}"));
    }
    t
}

fn legend(ui: &mut Ui) {
    ui.horizontal(|ui| {
        for (c, name) in [
            (style::COLD_START, "init (cold start)"),
            (style::OK_GREEN, "invocation"),
            (style::ERROR, "failed"),
            (style::THROTTLE.gamma_multiply(0.8), "queue dwell"),
            (Color32::from_gray(140), "retry back-off"),
            (style::DEAD_LETTER, "SDK call"),
            (Color32::from_gray(110), "hop"),
        ] {
            let (r, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
            ui.painter().rect_filled(r, 2.0, c);
            ui.small(name);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_record(trace: &str, message_bytes: usize) -> TraceRecord {
        TraceRecord::Log {
            t_ms: crate::sim::Ms(0),
            function: "f".into(),
            request_id: "r".into(),
            trace_id: trace.into(),
            parent_span_id: None,
            message: "x".repeat(message_bytes),
        }
    }

    #[test]
    fn the_store_keeps_the_newest_traces_by_count_and_by_bytes() {
        let mut store = TraceStore::default();
        // Records of interleaved traces each land in their own trace.
        for k in 0..10 {
            store.push(log_record(&format!("t{}", k % 3), 10));
        }
        let lens: Vec<usize> = (0..3)
            .map(|t| store.records(&format!("t{t}")).map_or(0, <[_]>::len))
            .collect();
        assert_eq!(lens, [4, 3, 3]);
        // By count: the oldest traces go first.
        for k in 0..MAX_TRACES + 10 {
            store.push(log_record(&format!("s{k}"), 10));
        }
        assert_eq!(store.len(), MAX_TRACES);
        assert_eq!(store.first().map(|t| t.to_string()), Some("s10".into()));
        assert!(store.records("t0").is_none());
        // By bytes: big traces push the store past its budget; it keeps the newest that fit.
        let per = 100_000;
        let n = 2 * MAX_STORE_BYTES / per;
        for k in 0..n {
            store.push(log_record(&format!("big{k}"), per));
        }
        assert!(store.bytes() <= MAX_STORE_BYTES, "{}", store.bytes());
        assert!(store.len() < n / 2 + 1 && store.len() + 1 >= MAX_STORE_BYTES / (per + 1000));
        let oldest = n - store.len();
        assert_eq!(
            store.first().map(|t| t.to_string()),
            Some(format!("big{oldest}"))
        );
        let kept: usize = (oldest..n)
            .filter_map(|k| store.records(&format!("big{k}")))
            .flatten()
            .map(record_bytes)
            .sum();
        assert_eq!(kept, store.bytes());
        // A record of a forgotten trace starts it again, as the newest.
        store.push(log_record("s10", 10));
        assert_eq!(store.records("s10").map(<[_]>::len), Some(1));
        store.clear();
        assert!(store.is_empty() && store.bytes() == 0);
    }

    /// With nothing selected, the waterfall shows the run's first trace while it is kept, and once a long run has
    /// forgotten it, the newest trace (it used to stay on the forgotten trace and draw nothing).
    #[test]
    fn with_nothing_selected_the_waterfall_follows_a_kept_trace() {
        let mut store = TraceStore::default();
        let log = InvocationLog::new();
        let mut timeline = Timeline::default();
        let mut follow = |store: &TraceStore| {
            timeline.follow(&TimelineView {
                store,
                log: &log,
                selection: &Selection::None,
            });
            (
                timeline.trace.as_deref().map(str::to_string),
                timeline.built_from,
            )
        };
        for k in 0..3 {
            store.push(log_record(&format!("s{k}"), 10));
        }
        assert_eq!(follow(&store), (Some("s0".to_string()), 1));
        for k in 3..MAX_TRACES + 10 {
            store.push(log_record(&format!("s{k}"), 10));
        }
        let newest = format!("s{}", MAX_TRACES + 9);
        assert_eq!(follow(&store), (Some(newest.clone()), 1));
        // It then stays there while it is kept.
        store.push(log_record("s-next", 10));
        assert_eq!(follow(&store), (Some(newest), 1));
    }

    /// Every span and its export are the same from the records the store keeps as from the whole records, on
    /// examples with SDK calls (failed too), an API, Step Functions and databases.
    #[test]
    fn slim_records_give_the_same_spans() {
        let mut compared = 0;
        for (file, until_us) in [
            ("api-table.json", 20_000_000),
            ("order-workflow.json", 60_000_000),
            ("saga.json", 60_000_000),
            ("lambda-drowns-database.json", 5_000_000),
            ("poison-message-dlq.json", 60_000_000),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/scenarios")
                .join(file);
            let sc = Arc::new(crate::scenario::load_file(&path).expect("example loads"));
            let mut sim = crate::sim::Sim::new(
                sc.clone(),
                crate::sim::SimOptions {
                    seed: None,
                    trace: true,
                },
            );
            sim.run_until(until_us);
            let records = sim.take_trace();
            let otlp = |records: &mut dyn Iterator<Item = TraceRecord>| {
                let mut set = SpanSet::new();
                for r in records {
                    set.add(&r);
                }
                set.finish();
                crate::export::otlp::to_json(&set, &sc)
            };
            let whole = otlp(&mut records.iter().cloned());
            let slimmed = otlp(&mut records.iter().cloned().map(|mut r| {
                slim(&mut r);
                r
            }));
            assert_eq!(whole, slimmed, "{file}");
            let smaller = records
                .iter()
                .filter(|r| {
                    let mut s = (*r).clone();
                    slim(&mut s);
                    record_bytes(&s) < record_bytes(r)
                })
                .count();
            assert!(smaller > 0, "{file}: payloads to leave out");
            compared += records.len();
        }
        assert!(compared > 1000, "{compared} records");
    }

    #[test]
    fn critical_path_follows_parents_from_the_last_end() {
        let span = |id, parent, start_us, end_us| Span {
            id,
            parent,
            links: Vec::new(),
            trace_id: "t".into(),
            kind: "invoke",
            name: String::new(),
            resource: String::new(),
            start_us,
            end_us,
            ended: true,
            failed: false,
            init_us: 0,
            attributes: Vec::new(),
            events: Vec::new(),
        };
        let spans = vec![
            span(1, None, 0, 100),
            span(2, Some(1), 10, 50),
            span(3, Some(1), 20, 300),
            span(4, Some(3), 30, 400),
        ];
        let path = critical_path(&spans);
        assert_eq!(path, HashSet::from([1, 3, 4]));
    }
}
