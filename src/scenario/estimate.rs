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

/// The default work limit of a run, in engine events: `eventflow run --max-events` and `sweep --max-events` default
/// to it, and the app asks before playing a run whose estimate exceeds it (`ui::run_guard`). 50,000,000 engine
/// events are about half a minute of a release build with the trace off (README: Benchmarks, 1.5–3 M events/s),
/// several minutes with it.
pub const DEFAULT_MAX_EVENTS: u64 = 50_000_000;

/// The latest end of a run, in seconds, at most `until_s`, whose traffic sends no more than `max_events` events
/// (see [`traffic_events`], which never decreases with time): found by bisection to a microsecond, the engine's
/// resolution. `until_s` itself when the whole run fits.
pub fn fitting_until_s(scenario: &Scenario, until_s: f64, max_events: u64) -> f64 {
    let limit = max_events as f64;
    if traffic_events(scenario, until_s) <= limit {
        return until_s;
    }
    let (mut fits_s, mut over_s) = (0.0_f64, until_s);
    // 64 halvings reach any f64 interval's resolution; stop at a microsecond.
    for _ in 0..64 {
        if over_s - fits_s <= 1e-6 {
            break;
        }
        let mid_s = fits_s + (over_s - fits_s) / 2.0;
        if traffic_events(scenario, mid_s) <= limit {
            fits_s = mid_s;
        } else {
            over_s = mid_s;
        }
    }
    fits_s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(traffic: &str) -> Scenario {
        let text = format!(
            r#"{{"format": "eventflow/1", "name": "e", "settings": {{ "until_s": 100 }},
                "resources": {{ "F": {{ "type": "function" }} }}, "traffic": [{traffic}]}}"#
        );
        crate::scenario::load_str(&text, "e.json", None).expect("loads")
    }

    #[test]
    fn the_fitting_end_sends_at_most_the_limit() {
        // One event every 10 ms from t = 0: 10,001 by t = 100 s.
        let sc = scenario(r#"{ "to": "F", "every_s": 0.01, "payload": {} }"#);
        assert_eq!(traffic_events(&sc, 100.0), 10_001.0);
        assert_eq!(fitting_until_s(&sc, 100.0, 20_000), 100.0);
        let fit_s = fitting_until_s(&sc, 100.0, 1_000);
        assert!(traffic_events(&sc, fit_s) <= 1_000.0, "{fit_s}");
        assert!(traffic_events(&sc, fit_s + 0.01) > 1_000.0, "{fit_s}");
        // Nothing fits when the traffic alone starts over the limit.
        let burst = scenario(r#"{ "to": "F", "at_s": [0, 0, 0], "payload": {} }"#);
        assert_eq!(fitting_until_s(&burst, 100.0, 2), 0.0);
    }
}
