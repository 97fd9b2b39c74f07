//! The bottom panel's views and the whole-scenario dashboard.
//!
//! [`Views`] owns what the panels of issue 11 show and need: the bucketed [`Metrics`] of the run, the records of
//! recent traces ([`TraceStore`]), the [`Timeline`], the [`TimeBar`] and the bottom panel's tab (Invocations,
//! Timeline, Metrics of the selected node, Dashboard). The shell feeds it every record and snapshot
//! ([`Views::observe`], [`Views::observe_snapshot`]) and lets it draw the bottom panel ([`Views::bottom_ui`]).
//!
//! The dashboard is ten plots of the whole scenario: invocations, errors and throttles per second, concurrency
//! and p99 duration per function (and API latency), queue depth and oldest message age per queue, dead letters,
//! API answers by status class, and cost accumulated. Its series are kept between frames and brought up to date
//! ([`Metrics::update_series`]: only the buckets from the last one in use on, so a closed bucket's sums and
//! percentiles are computed once) when [`Metrics::version`] changed, at most [`DASHBOARD_REFRESH_S`] apart while
//! the run plays: drawing them (from a borrow of the kept points) is all a frame does, and a row of plots
//! scrolled out of view only takes its place. The series are at most [`crate::runner::metrics::MAX_BUCKETS`] points each, fewer than
//! two per horizontal pixel of the narrowest plot, so they are drawn whole: no point is dropped.

use std::sync::Arc;

use eframe::egui::{self, Ui};

use super::action::{Action, Selection};
use super::log::InvocationLog;
use super::metrics::{Series, node_plots, plot};
use super::style;
use super::time_bar::TimeBar;
use super::timeline::{Timeline, TimelineView, TraceStore};
use crate::runner::Snapshot;
use crate::runner::metrics::{Metric, Metrics, SeriesOf, SeriesProgress};
use crate::scenario::{NodeRef, ResourceType, Scenario};
use crate::sim::TraceRecord;

/// Most lines of one kind drawn in a dashboard plot (the first resources in file order).
const MAX_LINES: usize = 8;
/// Shortest time between two recomputations of the dashboard's series while the metrics change (UI seconds): a
/// bucket is 100 ms wide at the least, so the plots lose nothing.
pub const DASHBOARD_REFRESH_S: f64 = 0.1;

/// The dashboard's plots and the metrics version and UI time they were brought up to date at.
struct DashboardCache {
    version: u64,
    at_s: f64,
    plots: Vec<DashPlot>,
}

/// The bottom panel's tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BottomTab {
    #[default]
    Invocations,
    Timeline,
    Metrics,
    Dashboard,
}

impl BottomTab {
    pub const ALL: [BottomTab; 4] = [
        BottomTab::Invocations,
        BottomTab::Timeline,
        BottomTab::Metrics,
        BottomTab::Dashboard,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BottomTab::Invocations => "Invocations",
            BottomTab::Timeline => "Timeline",
            BottomTab::Metrics => "Metrics",
            BottomTab::Dashboard => "Dashboard",
        }
    }

    /// Default height of the panel with this tab (each tab has its own panel size).
    fn default_height(self) -> f32 {
        match self {
            BottomTab::Invocations => 220.0,
            BottomTab::Timeline => 280.0,
            BottomTab::Metrics => 200.0,
            BottomTab::Dashboard => 330.0,
        }
    }
}

/// The state of the issue-11 views.
pub struct Views {
    pub tab: BottomTab,
    pub metrics: Option<Metrics>,
    pub store: TraceStore,
    pub timeline: Timeline,
    pub time_bar: TimeBar,
    dashboard: Option<DashboardCache>,
    /// Height of a dashboard row of plots when last drawn (what a row scrolled out of view takes).
    dashboard_row_height: f32,
}

impl Default for Views {
    fn default() -> Views {
        Views {
            tab: BottomTab::default(),
            metrics: None,
            store: TraceStore::default(),
            timeline: Timeline::default(),
            time_bar: TimeBar::default(),
            dashboard: None,
            dashboard_row_height: super::metrics::PLOT_HEIGHT,
        }
    }
}

impl Views {
    /// Another scenario: everything starts again, the time bar too.
    pub fn open(&mut self, sc: &Scenario) {
        self.time_bar.clear();
        self.new_run(sc);
    }

    /// A new run of the same scenario (a reset or a seek): the time bar keeps its horizon and markers.
    pub fn new_run(&mut self, sc: &Scenario) {
        self.metrics = Some(Metrics::new(sc));
        self.store.clear();
        self.timeline.clear();
        self.dashboard = None;
    }

    /// Takes a record: into the metrics, then (moved) into the store of recent traces.
    pub fn observe(&mut self, r: TraceRecord) {
        if let Some(m) = &mut self.metrics {
            m.observe(&r);
        }
        self.store.push(r);
    }

    pub fn observe_snapshot(&mut self, snap: &Snapshot) {
        if let Some(m) = &mut self.metrics {
            m.observe_live(snap.now_us, &snap.live);
        }
        self.time_bar.observe(snap, self.metrics.as_ref());
    }

    /// The tab row; returns the tab to draw.
    fn tabs(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            for t in BottomTab::ALL {
                if ui.selectable_label(self.tab == t, t.label()).clicked() {
                    self.tab = t;
                }
            }
        });
    }

    /// The bottom panel: its tab row and the chosen view. The log draws itself (it belongs to the shell).
    #[allow(clippy::too_many_arguments)]
    pub fn bottom_ui(
        &mut self,
        root: &mut Ui,
        sc: &Arc<Scenario>,
        graph_node: Option<crate::scenario::NodeRef>,
        log: &mut InvocationLog,
        selection: &Selection,
        actions: &mut Vec<Action>,
    ) {
        let tab = self.tab;
        egui::Panel::bottom(format!("bottom-{}", tab.label()))
            .resizable(true)
            .default_size(tab.default_height())
            .min_size(80.0)
            .show(root, |ui| {
                self.tabs(ui);
                match self.tab {
                    BottomTab::Invocations => {
                        let selected = match selection {
                            Selection::Invocation(i) => Some(*i),
                            Selection::None
                            | Selection::Node(_)
                            | Selection::Trace(_)
                            | Selection::State { .. } => None,
                        };
                        if let Some(i) = log.show(ui, selected) {
                            actions.push(Action::InspectInvocation(i));
                        }
                    }
                    BottomTab::Timeline => {
                        let view = TimelineView {
                            store: &self.store,
                            log,
                            selection,
                        };
                        self.timeline.ui(ui, &view, actions);
                    }
                    BottomTab::Metrics => {
                        let Some(m) = &self.metrics else { return };
                        match graph_node {
                            Some(NodeRef::Resource(id)) => {
                                ui.strong(format!("Metrics of {}", sc.id(id)));
                                if let Some(t) = node_plots(ui, m, sc, id) {
                                    let function = (sc.resource(id).resource_type() == ResourceType::Function)
                                        .then(|| sc.id(id));
                                    self.jump(t, function, log, actions);
                                }
                            }
                            _ => {
                                ui.weak("Select a node on the canvas to see its metrics over time, or open the Dashboard.");
                            }
                        }
                    }
                    BottomTab::Dashboard => {
                        let Some(m) = &self.metrics else { return };
                        let now_s = ui.input(|i| i.time);
                        let stale = self.dashboard.as_ref().is_none_or(|c| {
                            c.version != m.version() && now_s - c.at_s >= DASHBOARD_REFRESH_S
                        });
                        if stale {
                            let cache = self.dashboard.get_or_insert_with(|| DashboardCache {
                                version: 0,
                                at_s: now_s,
                                plots: dashboard_plots(sc),
                            });
                            for p in &mut cache.plots {
                                p.refresh(m);
                            }
                            cache.version = m.version();
                            cache.at_s = now_s;
                        }
                        let plots = self.dashboard.as_ref().map_or(&[][..], |c| &c.plots[..]);
                        let clicked = egui::ScrollArea::vertical()
                            .id_salt("dashboard-scroll")
                            .show(ui, |ui| dashboard(ui, plots, &mut self.dashboard_row_height))
                            .inner;
                        if let Some(t) = clicked {
                            self.jump(t, None, log, actions);
                        }
                    }
                }
            });
    }

    /// A plot was clicked at `t_s`: select the invocation (of `function`, if given) that started nearest to it and
    /// show its timeline.
    fn jump(
        &mut self,
        t_s: f64,
        function: Option<&str>,
        log: &InvocationLog,
        actions: &mut Vec<Action>,
    ) {
        let t_us = (t_s.max(0.0) * 1e6) as u64;
        let nearest = log.nearest_start(t_us, function);
        if let Some(i) = nearest {
            actions.push(Action::InspectInvocation(i));
            self.tab = BottomTab::Timeline;
        }
    }
}

/// One plot of the dashboard: its id, title, lines, and where each line's points come from (kept up to date
/// by [`Metrics::update_series`]: a refresh computes only the buckets that can have changed).
struct DashPlot {
    id: &'static str,
    title: &'static str,
    lines: Vec<Series>,
    sources: Vec<(SeriesOf, Metric, SeriesProgress)>,
}

impl DashPlot {
    fn new(id: &'static str, title: &'static str) -> DashPlot {
        DashPlot {
            id,
            title,
            lines: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// Adds a line named `name` showing `metric` of `of`, in `color` (else the plot's next colour).
    fn line(
        mut self,
        name: impl Into<String>,
        of: SeriesOf,
        metric: Metric,
        color: Option<egui::Color32>,
    ) -> DashPlot {
        let mut series = Series::new(name, Vec::new());
        series.color = color;
        self.lines.push(series);
        self.sources.push((of, metric, SeriesProgress::default()));
        self
    }

    /// Brings every line up to date with `m`.
    fn refresh(&mut self, m: &Metrics) {
        for (series, (of, metric, progress)) in self.lines.iter_mut().zip(&mut self.sources) {
            m.update_series(*of, *metric, progress, &mut series.points);
        }
    }
}

/// The ten plots of the whole scenario, their lines not yet computed.
fn dashboard_plots(sc: &Scenario) -> Vec<DashPlot> {
    let of_type = |t: ResourceType| -> Vec<crate::scenario::ResId> {
        sc.ids()
            .filter(|id| sc.resource(*id).resource_type() == t)
            .take(MAX_LINES)
            .collect()
    };
    let functions = of_type(ResourceType::Function);
    let queues = of_type(ResourceType::Queue);
    let apis = of_type(ResourceType::Api);
    let per = |mut plot: DashPlot, ids: &[crate::scenario::ResId], metric: Metric| {
        for id in ids {
            plot = plot.line(sc.id(*id), SeriesOf::Resource(*id), metric, None);
        }
        plot
    };
    let total = |t: Option<ResourceType>| SeriesOf::Total(t);
    let functions_only = Some(ResourceType::Function);
    let mut latency = per(
        DashPlot::new("dash-p99", "p99 duration / API latency (ms)"),
        &functions,
        Metric::P99Ms,
    );
    for id in &apis {
        latency = latency.line(
            format!("{} (API)", sc.id(*id)),
            SeriesOf::Resource(*id),
            Metric::P99Ms,
            None,
        );
    }
    vec![
        DashPlot::new("dash-invocations", "Invocations per second").line(
            "invocations / s",
            total(functions_only),
            Metric::Rate,
            Some(style::OK_GREEN),
        ),
        DashPlot::new("dash-errors", "Errors per second (functions, API 5xx)").line(
            "errors / s",
            total(None),
            Metric::ErrorRate,
            Some(style::ERROR),
        ),
        DashPlot::new("dash-throttles", "Throttles per second").line(
            "throttles / s",
            total(functions_only),
            Metric::ThrottleRate,
            Some(style::THROTTLE),
        ),
        per(
            DashPlot::new("dash-concurrency", "Concurrency per function"),
            &functions,
            Metric::Concurrency,
        ),
        latency,
        per(
            DashPlot::new("dash-depth", "Messages held per queue"),
            &queues,
            Metric::QueueHeld,
        ),
        per(
            DashPlot::new("dash-age", "Oldest message age per queue (s)"),
            &queues,
            Metric::OldestAgeS,
        ),
        DashPlot::new("dash-dlq", "Dead letters (total)").line(
            "dead letters",
            total(None),
            Metric::DeadLettersTotal,
            Some(style::DEAD_LETTER),
        ),
        DashPlot::new("dash-status", "API answers per second by class")
            .line(
                "2xx / s",
                total(None),
                Metric::Status2xxRate,
                Some(style::OK_GREEN),
            )
            .line(
                "4xx / s",
                total(None),
                Metric::Status4xxRate,
                Some(style::RETRY),
            )
            .line(
                "5xx / s",
                total(None),
                Metric::Status5xxRate,
                Some(style::ERROR),
            ),
        DashPlot::new("dash-cost", "Cost accumulated (USD)").line(
            "USD",
            total(functions_only),
            Metric::CostTotalUsd,
            None,
        ),
    ]
}

/// The ten plots of the whole scenario, five per row; returns the time clicked. A row scrolled out of view only
/// takes its place (the height it had when last drawn), so the scroll area keeps its extent.
fn dashboard(ui: &mut Ui, plots: &[DashPlot], row_height: &mut f32) -> Option<f64> {
    let mut clicked = None;
    let gap = ui.spacing().item_spacing.x;
    let width = ((ui.available_width() - 4.0 * gap) / 5.0).max(140.0);
    let until_s = super::metrics::latest_x(plots.iter().flat_map(|p| &p.lines));
    for row in plots.chunks(5) {
        let place = egui::Rect::from_min_size(
            ui.cursor().min,
            egui::vec2(ui.available_width(), *row_height),
        );
        if !ui.is_rect_visible(place) {
            ui.allocate_space(place.size());
            continue;
        }
        let drawn = ui.horizontal_top(|ui| {
            for p in row {
                if let Some(t) = plot(ui, p.id, p.title, &p.lines, None, width, until_s) {
                    clicked = Some(t);
                }
            }
        });
        *row_height = drawn.response.rect.height();
    }
    clicked
}
