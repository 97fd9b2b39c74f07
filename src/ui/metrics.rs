//! Metrics plots (egui_plot): the panel for the selected node, and the plot helper the dashboard shares.
//!
//! Series come from [`crate::runner::metrics::Metrics`] (bucketed in virtual time, so a plot has at most a few
//! hundred points whatever the length of the run). The x axis is virtual seconds, linked across every plot of the
//! app so they scroll and zoom together. Clicking a plot asks for the invocation that started nearest to that
//! moment (of the plotted function, when there is one): the app selects it and opens its timeline.

use eframe::egui::{self, Color32, Ui};
use egui_plot::{HLine, Legend, Line, Plot, PlotPoint, PlotPoints, Points};

use super::style;
use crate::runner::metrics::{Metric, Metrics};
use crate::scenario::{ResId, ResourceType, Scenario};

/// Height of one plot (with its title above it).
pub const PLOT_HEIGHT: f32 = 130.0;
/// The group that links the x axes (and cursors) of every plot.
const LINK_GROUP: &str = "eventflow-metrics-time";
/// Pixels between two labelled y grid lines at the least: egui_plot paints a tick label only where its lines
/// are more than 20 px apart (and the text fits), so the labelled step is chosen for at least this much room.
const Y_LABEL_SPACING_PX: f64 = 26.0;

/// The smallest of 1, 2, 5 × 10ⁿ that is at least `x` (x > 0).
fn nice_step(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= x * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// The y axis's grid: steps of 1, 2 or 5 × 10ⁿ (egui_plot's default only has powers of ten, so a short plot of
/// values in the thousands had its grid lines 1,000 apart at 14 px, too close for labels, and 10,000 apart past
/// its top: no label but 0). The labelled step is the smallest such number at least [`Y_LABEL_SPACING_PX`] apart;
/// the thin and thick steps divide and are multiples of it, so every labelled line is a whole number of thin
/// ones and no two labels crowd (a thick step of 5 over a labelled 2 would label 4 and 5 a pixel row apart).
fn y_grid_steps(input: egui_plot::GridInput) -> [f64; 3] {
    /// egui_plot's default `grid_spacing` minimum: `base_step_size` is the value of this many pixels.
    const MIN_GRID_SPACING_PX: f64 = 8.0;
    let per_px = input.base_step_size / MIN_GRID_SPACING_PX;
    let labelled = nice_step(per_px * Y_LABEL_SPACING_PX);
    let mantissa = (labelled / 10f64.powf(labelled.log10().floor())).round();
    let (thin, thick) = if mantissa >= 5.0 {
        (labelled / 5.0, labelled * 2.0)
    } else {
        (labelled / 2.0, labelled * 5.0)
    };
    [thin, labelled, thick]
}

/// A y tick label with the decimals its step needs; a value that rounds to zero is "0", never "-0".
fn y_label(mark: egui_plot::GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    let decimals = (-mark.step_size.log10()).ceil().clamp(0.0, 9.0) as usize;
    let text = format!("{:.*}", decimals, mark.value);
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

/// One line of a plot. Its points are kept in egui_plot's own form, so a cached series (the dashboard's) is
/// drawn from a borrow each frame, without copying or converting its points again.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<PlotPoint>,
    pub color: Option<Color32>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<[f64; 2]>) -> Series {
        Series {
            name: name.into(),
            points: points.into_iter().map(PlotPoint::from).collect(),
            color: None,
        }
    }

    pub fn color(mut self, c: Color32) -> Series {
        self.color = Some(c);
        self
    }
}

/// One plot of a panel: its id, title, lines and an optional limit line (name, value).
type PlotSpec<'a> = (String, &'a str, Vec<Series>, Option<(String, f64)>);

/// A time axis label: as many decimals as the spacing of the marks needs (`0.2 s`, not `0 s`, on a plot of
/// the first second of a run).
fn time_tick(value_s: f64, step_s: f64) -> String {
    let decimals = if step_s > 0.0 && step_s < 1.0 {
        (-step_s.log10()).ceil().clamp(0.0, 6.0) as usize
    } else {
        0
    };
    format!("{value_s:.decimals$} s")
}

/// The latest time (seconds) any of these series reaches (0 for none): plots drawn side by side all span it.
pub fn latest_x<'a>(series: impl IntoIterator<Item = &'a Series>) -> f64 {
    series
        .into_iter()
        .filter_map(|s| s.points.last())
        .map(|p| p.x)
        .fold(0.0, f64::max)
}

/// Draws one titled plot of `width` over the time from 0 to at least `until_s`; returns the virtual time
/// (seconds) clicked, if any.
pub fn plot(
    ui: &mut Ui,
    id: &str,
    title: &str,
    series: &[Series],
    limit: Option<(String, f64)>,
    width: f32,
    until_s: f64,
) -> Option<f64> {
    let mut clicked = None;
    // A legend only where there is more than one line (it would hide a small plot's only line).
    let legend = (series.len() + usize::from(limit.is_some()) > 1).then(|| {
        Legend::default()
            .position(egui_plot::Corner::LeftTop)
            .background_alpha(0.6)
    });
    ui.vertical(|ui| {
        ui.set_width(width);
        ui.small(title);
        let mut plot = Plot::new(id);
        if let Some(l) = legend {
            plot = plot.legend(l);
        }
        let response = plot
            .width(width)
            .height(PLOT_HEIGHT - 18.0)
            .link_axis(egui::Id::unique(LINK_GROUP), [true, false])
            .link_cursor(egui::Id::unique(LINK_GROUP), [true, false])
            .allow_scroll(false)
            .allow_zoom([true, false])
            // Every plot spans the run so far: one with a single point (or none) yet otherwise made a range of its
            // own around that point (−20 … 20 s) beside its linked neighbours.
            .include_x(0.0)
            .include_x(until_s)
            .include_y(0.0)
            .x_axis_formatter(|mark, _range| time_tick(mark.value, mark.step_size))
            .y_grid_spacer(egui_plot::uniform_grid_spacer(y_grid_steps))
            .y_axis_formatter(y_label)
            .show(ui, |plot_ui| {
                for s in series {
                    if let [only] = s.points.as_slice() {
                        // A line of one point draws nothing: show the value as a dot.
                        let mut dot = Points::new(
                            s.name.as_str(),
                            PlotPoints::Borrowed(std::slice::from_ref(only)),
                        )
                        .radius(2.5);
                        if let Some(c) = s.color {
                            dot = dot.color(c);
                        }
                        plot_ui.points(dot);
                        continue;
                    }
                    let mut line = Line::new(s.name.as_str(), PlotPoints::Borrowed(&s.points));
                    if let Some(c) = s.color {
                        line = line.color(c);
                    }
                    plot_ui.line(line);
                }
                if let Some((name, y)) = limit {
                    plot_ui.hline(HLine::new(name, y).color(style::ERROR));
                }
                plot_ui.pointer_coordinate()
            });
        if response.response.clicked()
            && let Some(p) = response.inner
        {
            clicked = Some(p.x);
        }
    });
    clicked
}

/// The plots of one resource, side by side: what they show depends on its type.
pub fn node_plots(ui: &mut Ui, metrics: &Metrics, sc: &Scenario, id: ResId) -> Option<f64> {
    let name = sc.id(id);
    let s = |m: Metric| metrics.series(id, m);
    let key = |k: &str| format!("node-{name}-{k}");
    let plots: Vec<PlotSpec<'_>> = match sc.resource(id).resource_type() {
        ResourceType::Function => vec![
            (
                key("conc"),
                "Concurrency (most at once) against its limit",
                vec![Series::new("concurrency", s(Metric::Concurrency)).color(style::COLD_START)],
                metrics
                    .limit(id)
                    .map(|l| ("limit".to_string(), f64::from(l))),
            ),
            (
                key("rate"),
                "Invocations, errors, throttles per second",
                vec![
                    Series::new("invocations / s", s(Metric::Rate)).color(style::OK_GREEN),
                    Series::new("errors / s", s(Metric::ErrorRate)).color(style::ERROR),
                    Series::new("throttles / s", s(Metric::ThrottleRate)).color(style::THROTTLE),
                ],
                None,
            ),
            (
                key("dur"),
                "Duration p50 / p99 (ms)",
                vec![
                    Series::new("p50 ms", s(Metric::P50Ms)),
                    Series::new("p99 ms", s(Metric::P99Ms)),
                ],
                None,
            ),
            (
                key("cost"),
                "Cost accumulated (USD)",
                vec![Series::new("USD", s(Metric::CostTotalUsd))],
                None,
            ),
        ],
        ResourceType::Queue => vec![
            (
                key("depth"),
                "Depth: held, ready, in flight, delayed",
                vec![
                    Series::new("held", s(Metric::QueueHeld)),
                    Series::new("ready", s(Metric::QueueReady)).color(style::QUEUE_VISIBLE),
                    Series::new("in flight", s(Metric::QueueInFlight))
                        .color(style::QUEUE_IN_FLIGHT),
                    Series::new("delayed", s(Metric::QueueDelayed)).color(style::QUEUE_DELAYED),
                ],
                None,
            ),
            (
                key("age"),
                "Age of the oldest message (s)",
                vec![Series::new("oldest s", s(Metric::OldestAgeS))],
                None,
            ),
            (
                key("rate"),
                "Messages sent per second",
                vec![Series::new("sent / s", s(Metric::Rate))],
                None,
            ),
            (
                key("dlq"),
                "Dead letters received (total)",
                vec![
                    Series::new("dead letters", s(Metric::DeadLettersTotal))
                        .color(style::DEAD_LETTER),
                ],
                None,
            ),
        ],
        ResourceType::Api => vec![
            (
                key("status"),
                "Answers per second by status class",
                vec![
                    Series::new("2xx / s", s(Metric::Status2xxRate)).color(style::OK_GREEN),
                    Series::new("4xx / s", s(Metric::Status4xxRate)).color(style::RETRY),
                    Series::new("5xx / s", s(Metric::Status5xxRate)).color(style::ERROR),
                ],
                None,
            ),
            (
                key("lat"),
                "Latency p50 / p99 (ms)",
                vec![
                    Series::new("p50 ms", s(Metric::P50Ms)),
                    Series::new("p99 ms", s(Metric::P99Ms)),
                ],
                None,
            ),
        ],
        ResourceType::Database | ResourceType::DbProxy => vec![
            (
                key("conn"),
                "Connections open (a proxy: pooled) against max_connections",
                vec![Series::new("connections", s(Metric::Connections)).color(style::COLD_START)],
                metrics
                    .limit(id)
                    .map(|l| ("max_connections".to_string(), f64::from(l))),
            ),
            (
                key("rate"),
                "Connects, refusals and borrow waits per second",
                vec![
                    Series::new("connects / s", s(Metric::Rate)).color(style::OK_GREEN),
                    Series::new("refused or timed out / s", s(Metric::ErrorRate))
                        .color(style::ERROR),
                    Series::new("borrow waits / s", s(Metric::ThrottleRate)).color(style::THROTTLE),
                ],
                None,
            ),
        ],
        _ => vec![(
            key("dlq"),
            "Dead letters received (total)",
            vec![
                Series::new("dead letters", s(Metric::DeadLettersTotal)).color(style::DEAD_LETTER),
            ],
            None,
        )],
    };
    let mut clicked = None;
    ui.horizontal_top(|ui| {
        let n = plots.len().max(1) as f32;
        let gap = ui.spacing().item_spacing.x;
        let width = ((ui.available_width() - gap * (n - 1.0)) / n).max(120.0);
        let until_s = latest_x(plots.iter().flat_map(|p| &p.2));
        for (id, title, series, limit) in plots {
            if let Some(x) = plot(ui, &id, title, &series, limit, width, until_s) {
                clicked = Some(x);
            }
        }
    });
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_keep_the_decimals_their_spacing_needs() {
        assert_eq!(time_tick(2.0, 1.0), "2 s");
        assert_eq!(time_tick(20.0, 10.0), "20 s");
        assert_eq!(time_tick(0.2, 0.1), "0.2 s");
        assert_eq!(time_tick(0.25, 0.05), "0.25 s");
        assert_eq!(time_tick(0.0, 0.0), "0 s");
    }

    #[test]
    fn nice_steps_are_one_two_or_five_times_a_power_of_ten() {
        for (x, step) in [
            (0.3, 0.5),
            (1.0, 1.0),
            (1.2, 2.0),
            (4.0, 5.0),
            (6.0, 10.0),
            (140.0, 200.0),
            (2000.0, 2000.0),
        ] {
            assert_eq!(nice_step(x), step, "{x}");
        }
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    /// A dashboard plot at 1280 × 800: about 80 px of y axis for values up to 5,500 (invocations per second).
    #[test]
    fn a_short_plot_of_thousands_gets_labelled_lines() {
        let (height_px, top) = (80.0, 5500.0);
        let per_px = top / height_px;
        let steps = y_grid_steps(egui_plot::GridInput {
            bounds: (0.0, top),
            base_step_size: per_px * 8.0,
        });
        let labelled = steps[1];
        let spacing_px = labelled / per_px;
        // egui_plot labels lines more than 20 px apart; several of them fit in the plot.
        assert!(spacing_px > 20.0, "{spacing_px} px");
        assert!(top / labelled >= 2.0, "{steps:?}");
        // Nested: labelled lines are thin lines, thick lines labelled ones.
        for per_px in [0.013, 0.4, 1.0, 68.75, 3.1e4] {
            let [thin, labelled, thick] = y_grid_steps(egui_plot::GridInput {
                bounds: (0.0, 1.0),
                base_step_size: per_px * 8.0,
            });
            let whole = |x: f64| (x - x.round()).abs() < 1e-9;
            assert!(
                whole(labelled / thin) && whole(thick / labelled),
                "{thin} {labelled} {thick}"
            );
            assert!(thin < labelled && labelled < thick);
        }
    }

    #[test]
    fn y_labels_have_the_decimals_of_their_step_and_no_negative_zero() {
        let mark = |value, step_size| egui_plot::GridMark { value, step_size };
        assert_eq!(y_label(mark(4000.0, 2000.0), &(0.0..=1.0)), "4000");
        assert_eq!(y_label(mark(0.5, 0.5), &(0.0..=1.0)), "0.5");
        assert_eq!(y_label(mark(0.0001, 0.00005), &(0.0..=1.0)), "0.00010");
        assert_eq!(y_label(mark(-0.0, 1.0), &(0.0..=1.0)), "0");
        assert_eq!(y_label(mark(-1e-12, 0.2), &(0.0..=1.0)), "0.0");
        assert_eq!(y_label(mark(-1.0, 1.0), &(0.0..=1.0)), "-1");
    }
}
