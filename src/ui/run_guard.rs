//! The app's "this run is big" prompt. Before Play starts a run whose work estimate (`scenario::estimate`: the
//! traffic events it sends by `settings.until_s`) exceeds the limit `eventflow run` applies (`--max-events`' default,
//! [`DEFAULT_MAX_EVENTS`]), the app asks instead of starting it: run anyway with a stop at that many engine events,
//! shorten the run to the time whose traffic fits, or cancel. A run the prompt let through is paused at the limit.

use std::sync::Arc;

use eframe::egui;

use crate::scenario::Scenario;
use crate::scenario::estimate::{DEFAULT_MAX_EVENTS, fitting_until_s, traffic_events};

/// The prompt's title; tests find it by this label.
pub const TITLE: &str = "This run is big";

/// What the user chose in the prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum GuardChoice {
    /// Play the whole run, paused when it has processed the limit's engine events.
    RunWithStop,
    /// Play the scenario with `until_s` cut to the time that fits (also paused at the limit).
    Shorten {
        until_s: f64,
    },
    Cancel,
}

/// The estimate shown while the prompt is open.
#[derive(Debug, Clone)]
struct Prompt {
    estimate_events: f64,
    until_s: f64,
    fit_until_s: f64,
}

/// The guard of one open scenario: whether it was asked, the open prompt, and the stop it set.
#[derive(Debug, Clone, Default)]
pub struct RunGuard {
    prompt: Option<Prompt>,
    /// The user answered for this scenario: Play plays (a new scenario asks again).
    answered: bool,
    /// Engine events at which play pauses, once the prompt let a big run through.
    stop_at_events: Option<u64>,
}

impl RunGuard {
    /// Forgets the previous scenario's answer (a scenario was opened).
    pub fn reset(&mut self) {
        *self = RunGuard::default();
    }

    /// Whether Play may start `scenario` now; when not, the prompt opens (its estimate is over the limit and the
    /// user has not answered yet).
    pub fn may_play(&mut self, scenario: &Scenario) -> bool {
        if self.answered || self.prompt.is_some() {
            return self.prompt.is_none();
        }
        let until_s = scenario.settings.until_s;
        let estimate_events = traffic_events(scenario, until_s);
        if estimate_events <= DEFAULT_MAX_EVENTS as f64 {
            return true;
        }
        self.prompt = Some(Prompt {
            estimate_events,
            until_s,
            fit_until_s: fitting_until_s(scenario, until_s, DEFAULT_MAX_EVENTS),
        });
        false
    }

    /// Whether the prompt is open.
    pub fn is_open(&self) -> bool {
        self.prompt.is_some()
    }

    /// Shows the prompt while it is open; the user's choice when made (the prompt then closes, and the stop at the
    /// limit applies unless the choice was Cancel).
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<GuardChoice> {
        let prompt = self.prompt.as_ref()?;
        let mut choice = None;
        egui::Window::new(TITLE)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(format!(
                    "Its traffic alone sends about {} events by t = {} s, more than the limit of {} engine events \
                     (the default of eventflow run --max-events): it could take very long and fill memory.",
                    count_text(prompt.estimate_events),
                    seconds_text(prompt.until_s),
                    count_text(DEFAULT_MAX_EVENTS as f64),
                ));
                ui.horizontal(|ui| {
                    let stop = format!(
                        "Run with a stop at {} events",
                        count_text(DEFAULT_MAX_EVENTS as f64)
                    );
                    if ui.button(stop).clicked() {
                        choice = Some(GuardChoice::RunWithStop);
                    }
                    let shorten = ui.add_enabled(
                        prompt.fit_until_s > 0.0,
                        egui::Button::new(format!(
                            "Shorten to {} s",
                            seconds_text(prompt.fit_until_s)
                        )),
                    );
                    if shorten.clicked() {
                        choice = Some(GuardChoice::Shorten {
                            until_s: prompt.fit_until_s,
                        });
                    }
                    if ui.button("Cancel").clicked() {
                        choice = Some(GuardChoice::Cancel);
                    }
                });
            });
        if let Some(c) = &choice {
            self.prompt = None;
            if *c != GuardChoice::Cancel {
                self.answered = true;
                self.stop_at_events = Some(DEFAULT_MAX_EVENTS);
            }
        }
        choice
    }

    /// Whether a playing run has reached the stop the prompt set (the app then pauses it).
    pub fn should_stop(&self, playing: bool, events_processed: u64) -> bool {
        playing && self.stop_at_events.is_some_and(|n| events_processed >= n)
    }

    /// The stop, for the status line.
    pub fn stop_at_events(&self) -> Option<u64> {
        self.stop_at_events
    }
}

/// `scenario` with its run cut at `until_s` (a run option: the document, and so Save, keep the file's value).
pub fn shortened(scenario: &Scenario, until_s: f64) -> Arc<Scenario> {
    let mut sc = scenario.clone();
    sc.settings.until_s = until_s;
    Arc::new(sc)
}

/// `50,000,000`, or `1.2e12` past a trillion.
fn count_text(n: f64) -> String {
    if !(n.is_finite() && n < 1e12) {
        return format!("{n:.1e}");
    }
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds with up to three decimals, trailing zeros dropped.
fn seconds_text(s: f64) -> String {
    let text = format!("{s:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_seconds_read_well() {
        assert_eq!(count_text(50_000_000.0), "50,000,000");
        assert_eq!(count_text(999.0), "999");
        assert_eq!(count_text(3e15), "3.0e15");
        assert_eq!(seconds_text(50.0), "50");
        assert_eq!(seconds_text(0.0015), "0.002");
    }

    #[test]
    fn a_big_run_asks_once_and_then_stops_at_the_limit() {
        let text = r#"{"format": "eventflow/1", "name": "big", "settings": { "until_s": 1000 },
            "resources": { "F": { "type": "function" } },
            "traffic": [ { "to": "F", "every_s": 0.00001, "payload": {} } ]}"#;
        let sc = crate::scenario::load_str(text, "big.json", None).expect("loads");
        let mut guard = RunGuard::default();
        assert!(!guard.may_play(&sc), "100,000,001 events: the prompt opens");
        assert!(guard.is_open());
        let Some(prompt) = &guard.prompt else {
            panic!("open")
        };
        assert!(traffic_events(&sc, prompt.fit_until_s) <= DEFAULT_MAX_EVENTS as f64);
        assert!(
            (prompt.fit_until_s - 500.0).abs() < 0.001,
            "{}",
            prompt.fit_until_s
        );
        assert!(
            !guard.should_stop(true, u64::MAX),
            "no stop before an answer"
        );
        guard.prompt = None;
        guard.answered = true;
        guard.stop_at_events = Some(DEFAULT_MAX_EVENTS);
        assert!(guard.may_play(&sc), "answered: Play plays");
        assert!(guard.should_stop(true, DEFAULT_MAX_EVENTS));
        assert!(!guard.should_stop(true, DEFAULT_MAX_EVENTS - 1));
        assert_eq!(shortened(&sc, 500.0).settings.until_s, 500.0);
    }
}
