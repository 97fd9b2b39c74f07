//! The toolbar under the menu: Edit toggle, Play/Pause, Step, Reset, speed (a slider and a box that takes a
//! typed value, e.g. `250` or `2.5x`), skip idle, virtual time (and the wall-clock moment it stands for), run
//! state, events/s and the engine's error. It reads the snapshot and the preferences and returns actions; its
//! only state is the text being typed in the speed box.

use eframe::egui::{self, RichText, Ui};

use super::action::Action;
use super::app::{Prefs, fmt_duration, run_is_finished};
use crate::runner::{Command, SPEED_MAX, SPEED_MIN, Snapshot};

/// What the toolbar shows.
pub struct ToolbarView<'a> {
    pub snap: &'a Snapshot,
    pub prefs: &'a Prefs,
    /// The scenario's `settings.start_time`: virtual t = 0 on the wall clock.
    pub start_time: chrono::DateTime<chrono::Utc>,
    pub editing: bool,
}

/// The toolbar panel.
#[derive(Default)]
pub struct Toolbar {
    /// The speed box's text while it has the focus (otherwise it shows the current speed).
    speed_text: String,
    speed_typing: bool,
}

/// A typed speed: a number, optionally followed by `x` or `×`, clamped to the speed range. `None` for text
/// that is not a positive finite number.
pub fn parse_speed(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = t.strip_suffix(['x', 'X', '×']).unwrap_or(t).trim_end();
    let v: f64 = t.parse().ok()?;
    (v.is_finite() && v > 0.0).then(|| v.clamp(SPEED_MIN, SPEED_MAX))
}

/// A speed as the toolbar shows it.
fn speed_text(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

impl Toolbar {
    pub fn ui(&mut self, ui: &mut Ui, view: &ToolbarView<'_>, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            if ui
                .selectable_label(view.editing, "Edit")
                .on_hover_text("Edit the architecture on the canvas; the simulation keeps running the last valid design")
                .clicked()
            {
                actions.push(Action::SetEditing(!view.editing));
            }
            ui.separator();
            run_controls(ui, view, actions);
            self.speed_box(ui, view.prefs.speed, actions);
            skip_idle(ui, view, actions);
            ui.separator();
            clock(ui, view);
            ui.separator();
            run_state(ui, view.snap);
        });
    }
}

/// Play/Pause, Step, Reset, speed and skip idle.
fn run_controls(ui: &mut Ui, view: &ToolbarView<'_>, actions: &mut Vec<Action>) {
    let snap = view.snap;
    let play_label = if snap.playing { "Pause" } else { "Play" };
    let play_hint = if run_is_finished(snap) {
        "Space · the run has finished: Play starts it again"
    } else {
        "Space"
    };
    if ui.button(play_label).on_hover_text(play_hint).clicked() {
        actions.push(Action::TogglePlay);
    }
    if ui
        .add_enabled(snap.next_event_us.is_some(), egui::Button::new("Step"))
        .on_hover_text("Process the next event (Right arrow key)")
        .clicked()
    {
        actions.push(Action::Send(Command::Step));
    }
    if ui
        .button("Reset")
        .on_hover_text("Start again at t = 0, paused")
        .clicked()
    {
        actions.push(Action::Reset);
    }
    ui.separator();
    let mut speed = view.prefs.speed;
    let resp = ui.add(
        egui::Slider::new(&mut speed, SPEED_MIN..=SPEED_MAX)
            .logarithmic(true)
            .show_value(false),
    );
    // Its value shows in the speed box beside it; the slider keeps an accessible name of its own.
    resp.widget_info(|| egui::WidgetInfo::slider(true, speed, "speed slider"));
    if resp.changed() {
        actions.push(Action::SetSpeed(speed));
    }
}

impl Toolbar {
    /// The speed as text: type a value and press Enter (or click away) to set it.
    fn speed_box(&mut self, ui: &mut Ui, speed: f64, actions: &mut Vec<Action>) {
        if !self.speed_typing {
            self.speed_text = speed_text(speed);
        }
        let resp = ui.add(egui::TextEdit::singleline(&mut self.speed_text).desired_width(44.0));
        let label = ui.label("× speed");
        let resp = resp
            .labelled_by(label.id)
            .on_hover_text("Type a speed (0.1 to 1000) and press Enter");
        self.speed_typing = resp.has_focus();
        if resp.lost_focus() {
            if let Some(v) = parse_speed(&self.speed_text) {
                actions.push(Action::SetSpeed(v));
            }
            self.speed_typing = false;
        }
    }
}

/// Skip idle.
fn skip_idle(ui: &mut Ui, view: &ToolbarView<'_>, actions: &mut Vec<Action>) {
    let mut skip = view.prefs.skip_idle;
    if ui
        .checkbox(&mut skip, "skip idle")
        .on_hover_text("Jump over stretches where nothing happens")
        .changed()
    {
        actions.push(Action::SetSkipIdle(skip));
    }
}

/// Virtual time, and the wall-clock moment it stands for.
fn clock(ui: &mut Ui, view: &ToolbarView<'_>) {
    let t = view.snap.now_us;
    ui.label(
        RichText::new(format!("t = {}", fmt_duration(t)))
            .monospace()
            .strong(),
    );
    let wall = view
        .start_time
        .checked_add_signed(chrono::TimeDelta::microseconds(
            i64::try_from(t).unwrap_or(i64::MAX),
        ))
        .unwrap_or(view.start_time);
    ui.label(
        RichText::new(wall.format("%a %Y-%m-%d %H:%M:%S%.3f UTC").to_string())
            .monospace()
            .weak(),
    );
}

/// "finished", "stopped", "reached until_s"; events and events/s; the engine's error.
fn run_state(ui: &mut Ui, snap: &Snapshot) {
    let t = snap.now_us;
    let state = if snap.error.is_some() {
        "stopped"
    } else if run_is_finished(snap) {
        "finished"
    } else if !snap.playing && t >= snap.until_us && t > 0 {
        "reached until_s"
    } else {
        ""
    };
    if !state.is_empty() {
        ui.label(RichText::new(state).italics());
    }
    ui.weak(format!(
        "{} events · {:.0} ev/s",
        snap.events_processed, snap.events_per_s
    ));
    if let Some(e) = &snap.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}
