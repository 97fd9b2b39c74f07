//! Health on the canvas, X-Ray style: each resource ringed by the shares of its outcomes — ok, error, fault,
//! throttle — from the snapshot's per-resource statistics; nodes sized by traffic, errors or cost on demand
//! (View → Size nodes by); and per-edge samples of hop latency (and, out of a queue, message age) whose
//! distribution an edge's hover shows.
//!
//! The outcome classes follow X-Ray's service map: a **fault** is the resource's own failure (a handler error or
//! timeout, a failed execution), an **error** is work it could not deliver (dropped, or moved to a dead-letter
//! queue), a **throttle** is a request turned away for concurrency; the rest is ok.

use std::collections::VecDeque;

use eframe::egui::{self, Color32, Painter, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};

use super::style;
use crate::runner::StatsView;

/// Ring colours: ok, error, fault, throttle (X-Ray's green, orange, red, purple).
pub const OK: Color32 = style::OK_GREEN;
pub const ERROR: Color32 = Color32::from_rgb(0xF2, 0xA1, 0x2E);
pub const FAULT: Color32 = style::ERROR;
pub const THROTTLE: Color32 = Color32::from_rgb(0x9B, 0x59, 0xD0);
/// Samples kept per edge (the newest).
pub const MAX_SAMPLES: usize = 4096;

/// What node boxes are sized by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeSizing {
    /// All the same size.
    #[default]
    Uniform,
    /// Invocations, requests, messages: the resource's main count.
    Traffic,
    /// Faults, errors and throttles.
    Errors,
    /// Accumulated cost.
    Cost,
}

impl NodeSizing {
    pub const ALL: [NodeSizing; 4] = [
        NodeSizing::Uniform,
        NodeSizing::Traffic,
        NodeSizing::Errors,
        NodeSizing::Cost,
    ];

    /// The View menu's name of the choice.
    pub fn label(self) -> &'static str {
        match self {
            NodeSizing::Uniform => "Same size",
            NodeSizing::Traffic => "Size by traffic",
            NodeSizing::Errors => "Size by errors",
            NodeSizing::Cost => "Size by cost",
        }
    }

    fn measure(self, s: &StatsView) -> f64 {
        match self {
            NodeSizing::Uniform => 0.0,
            NodeSizing::Traffic => s.count as f64,
            NodeSizing::Errors => (s.errors + s.throttles + s.dropped + s.dead_lettered) as f64,
            NodeSizing::Cost => s.cost_usd,
        }
    }

    /// The scale of a node box with statistics `s` among all resources' `all`: 0.85 for none, up to 1.35 for
    /// the largest (by the square root, so area follows the measure). Uniform, or nothing measured yet: 1.
    pub fn scale(self, s: Option<&StatsView>, all: &[StatsView]) -> f32 {
        let max = all.iter().map(|x| self.measure(x)).fold(0.0, f64::max);
        if self == NodeSizing::Uniform || max <= 0.0 {
            return 1.0;
        }
        let ratio = s.map_or(0.0, |s| self.measure(s) / max);
        (0.85 + 0.5 * ratio.clamp(0.0, 1.0).sqrt()) as f32
    }
}

/// The outcome counts of one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shares {
    pub ok: u64,
    pub error: u64,
    pub fault: u64,
    pub throttle: u64,
}

impl Shares {
    /// From a resource's statistics: `count` holds what started (throttled requests never start).
    pub fn of(s: &StatsView) -> Shares {
        let fault = s.errors.min(s.count);
        let error = (s.dropped + s.dead_lettered).min(s.count - fault);
        Shares {
            ok: s.count - fault - error,
            error,
            fault,
            throttle: s.throttles,
        }
    }

    pub fn total(&self) -> u64 {
        self.ok + self.error + self.fault + self.throttle
    }

    /// A one-line summary for screen readers and hover text.
    pub fn describe(&self) -> String {
        format!(
            "ok {}, errors {}, faults {}, throttles {}",
            self.ok, self.error, self.fault, self.throttle
        )
    }
}

/// The health ring around a centre: one arc per outcome, sized by its share, starting at the top, clockwise.
pub fn draw_ring(painter: &Painter, center: Pos2, radius: f32, width: f32, shares: &Shares) {
    let total = shares.total();
    if total == 0 {
        return;
    }
    let mut start = -std::f32::consts::FRAC_PI_2;
    for (n, color) in [
        (shares.ok, OK),
        (shares.error, ERROR),
        (shares.fault, FAULT),
        (shares.throttle, THROTTLE),
    ] {
        if n == 0 {
            continue;
        }
        let sweep = std::f32::consts::TAU * n as f32 / total as f32;
        let steps = ((sweep / 0.15).ceil() as usize).max(2);
        let points: Vec<Pos2> = (0..=steps)
            .map(|k| {
                let a = start + sweep * k as f32 / steps as f32;
                center + vec2(a.cos(), a.sin()) * radius
            })
            .collect();
        painter.add(egui::Shape::line(points, Stroke::new(width, color)));
        start += sweep;
    }
}

/// The newest values of something measured per edge (microseconds).
#[derive(Debug, Clone, Default)]
pub struct Samples {
    values: VecDeque<u64>,
}

impl Samples {
    pub fn push(&mut self, us: u64) {
        if self.values.len() >= MAX_SAMPLES {
            self.values.pop_front();
        }
        self.values.push_back(us);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The `q`-quantile (nearest rank), in microseconds.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let mut v: Vec<u64> = self.values.iter().copied().collect();
        v.sort_unstable();
        let last = v.len().checked_sub(1)?;
        Some(v[((q.clamp(0.0, 1.0) * last as f64).round() as usize).min(last)])
    }

    /// Counts in `buckets` equal bins from 0 to the largest value, and that largest value.
    pub fn histogram(&self, buckets: usize) -> (Vec<usize>, u64) {
        let max = self.values.iter().copied().max().unwrap_or(0);
        let mut bins = vec![0; buckets.max(1)];
        for &v in &self.values {
            let i = if max == 0 {
                0
            } else {
                ((v as f64 / max as f64) * (bins.len() - 1) as f64).round() as usize
            };
            bins[i] += 1;
        }
        (bins, max)
    }
}

/// The hover of an edge: its label, then the distribution of its hop latency and (out of a queue) message age.
pub fn edge_hover(ui: &mut Ui, title: &str, latency: &Samples, age: Option<&Samples>) {
    ui.label(title);
    for (what, s) in [("latency", Some(latency)), ("message age", age)] {
        let Some(s) = s.filter(|s| !s.is_empty()) else {
            continue;
        };
        let q = |p| s.quantile(p).map_or_else(String::new, fmt_us);
        ui.label(format!(
            "{what}: p50 {} · p90 {} · p99 {} · max {} ({} samples)",
            q(0.5),
            q(0.9),
            q(0.99),
            q(1.0),
            s.len()
        ));
        let (bins, _) = s.histogram(24);
        let top = bins.iter().copied().max().unwrap_or(1).max(1);
        let (rect, _) = ui.allocate_exact_size(vec2(240.0, 36.0), Sense::hover());
        let painter = ui.painter_at(rect);
        let w = rect.width() / bins.len() as f32;
        for (i, &n) in bins.iter().enumerate() {
            let h = rect.height() * n as f32 / top as f32;
            let x = rect.min.x + i as f32 * w;
            painter.rect_filled(
                Rect::from_min_max(pos2(x + 0.5, rect.max.y - h), pos2(x + w - 0.5, rect.max.y)),
                0.0,
                ui.visuals().selection.bg_fill,
            );
        }
    }
}

/// Microseconds as a short duration ("850 µs", "12.3 ms", "4.20 s").
pub fn fmt_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{:.2} s", us as f64 / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_split_what_started_and_add_throttles() {
        let s = StatsView {
            count: 10,
            errors: 3,
            dead_lettered: 2,
            throttles: 4,
            ..StatsView::default()
        };
        let sh = Shares::of(&s);
        assert_eq!(
            sh,
            Shares {
                ok: 5,
                error: 2,
                fault: 3,
                throttle: 4
            }
        );
        assert_eq!(sh.total(), 14);
        // Counters that overlap never make the ok share negative.
        let odd = StatsView {
            count: 1,
            errors: 5,
            dropped: 5,
            ..StatsView::default()
        };
        assert_eq!(Shares::of(&odd).ok, 0);
    }

    #[test]
    fn sizing_scales_by_the_square_root_of_the_share_of_the_largest() {
        let a = StatsView {
            count: 100,
            ..StatsView::default()
        };
        let b = StatsView {
            count: 25,
            ..StatsView::default()
        };
        let all = [a.clone(), b.clone()];
        assert_eq!(NodeSizing::Traffic.scale(Some(&a), &all), 1.35);
        assert!((NodeSizing::Traffic.scale(Some(&b), &all) - 1.1).abs() < 1e-6);
        assert_eq!(NodeSizing::Uniform.scale(Some(&a), &all), 1.0);
        assert_eq!(
            NodeSizing::Cost.scale(Some(&a), &all),
            1.0,
            "nothing cost anything"
        );
    }

    #[test]
    fn samples_keep_the_newest_and_give_quantiles() {
        let mut s = Samples::default();
        for v in 0..(MAX_SAMPLES as u64 + 100) {
            s.push(v);
        }
        assert_eq!(s.len(), MAX_SAMPLES);
        assert_eq!(s.quantile(0.0), Some(100));
        assert_eq!(s.quantile(1.0), Some(MAX_SAMPLES as u64 + 99));
        let (bins, max) = s.histogram(10);
        assert_eq!(bins.iter().sum::<usize>(), MAX_SAMPLES);
        assert_eq!(max, MAX_SAMPLES as u64 + 99);
        assert_eq!(Samples::default().quantile(0.5), None);
    }
}
