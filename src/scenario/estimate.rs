//! The work estimate of a run, made before it starts: how many traffic events the scenario's traffic sources will
//! send by the end of the run. `eventflow run` refuses a run whose estimate exceeds `--max-events` (every traffic
//! event is at least one engine event, so the estimate is a lower bound of the engine's work).

use super::model::{Scenario, Timing, TrafficSource};

/// The traffic events `source` sends from 0 up to and including `until_s`: exact for `at_s` and `every_s`, the mean
/// for `poisson_per_s`, capped by `count`. Never overflows (a float, +inf at worst).
pub fn source_events(source: &TrafficSource, until_s: f64) -> f64 {
    match &source.timing {
        Timing::At(times) => times.iter().filter(|t| **t <= until_s).count() as f64,
        Timing::Every {
            every_s,
            start_s,
            count,
            until_s: source_until_s,
        } => {
            let end_s = source_until_s.map_or(until_s, |u| u.min(until_s));
            let n = if *start_s <= end_s {
                ((end_s - start_s) / every_s).floor() + 1.0
            } else {
                0.0
            };
            count.map_or(n, |c| n.min(c as f64))
        }
        Timing::Poisson {
            per_s,
            start_s,
            count,
            until_s: source_until_s,
        } => {
            let end_s = source_until_s.map_or(until_s, |u| u.min(until_s));
            let n = (end_s - start_s).max(0.0) * per_s;
            count.map_or(n, |c| n.min(c as f64))
        }
    }
}

/// The traffic events all sources send by `until_s` (see [`source_events`]).
pub fn traffic_events(scenario: &Scenario, until_s: f64) -> f64 {
    scenario
        .traffic
        .iter()
        .map(|s| source_events(s, until_s))
        .sum()
}
