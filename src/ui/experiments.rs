//! The Experiments window: fault injection while a run plays. Pick a resource and make a function fail a share
//! of its invocations or run slower, take a resource away (its SDK calls are refused), or drop a consumer (disable
//! a trigger), run a share of an Express state machine's executions twice (at-least-once). Every change goes to the runner as [`Command::Fault`], which records it with the moment it was
//! applied and replays it at that moment after a reset; the window shows the faults in force from the snapshot.

use eframe::egui;

use super::action::Action;
use crate::runner::{Command, RecordedFault, Snapshot};
use crate::scenario::{ResId, ResourceType, Scenario};
use crate::sim::FaultChange;

/// The faults in force on one resource, folded from the recorded changes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InForce {
    pub error_percent: u8,
    pub extra_ms: u32,
    pub down: bool,
    pub trigger_disabled: bool,
    pub duplicate_percent: u8,
}

impl InForce {
    fn any(&self) -> bool {
        *self != InForce::default()
    }
}

/// The faults in force on `r` after the changes `faults` (in order).
pub fn in_force(faults: &[RecordedFault], r: ResId) -> InForce {
    let mut f = InForce::default();
    for change in faults
        .iter()
        .map(|f| &f.change)
        .filter(|c| c.resource() == r)
    {
        match *change {
            FaultChange::FunctionErrors { percent, .. } => f.error_percent = percent,
            FaultChange::FunctionDelay { extra_ms, .. } => f.extra_ms = extra_ms,
            FaultChange::Unavailable { down, .. } => f.down = down,
            FaultChange::TriggerDisabled { disabled, .. } => f.trigger_disabled = disabled,
            FaultChange::ExpressDuplicates { percent, .. } => f.duplicate_percent = percent,
        }
    }
    f
}

/// The changes that remove every fault of `r`.
fn clearing(r: ResId, f: InForce) -> Vec<FaultChange> {
    let mut out = Vec::new();
    if f.error_percent > 0 {
        out.push(FaultChange::FunctionErrors {
            function: r,
            percent: 0,
        });
    }
    if f.extra_ms > 0 {
        out.push(FaultChange::FunctionDelay {
            function: r,
            extra_ms: 0,
        });
    }
    if f.down {
        out.push(FaultChange::Unavailable {
            resource: r,
            down: false,
        });
    }
    if f.trigger_disabled {
        out.push(FaultChange::TriggerDisabled {
            trigger: r,
            disabled: false,
        });
    }
    if f.duplicate_percent > 0 {
        out.push(FaultChange::ExpressDuplicates {
            state_machine: r,
            percent: 0,
        });
    }
    out
}

/// Whether a resource can be taken away: the services a handler calls.
fn can_be_taken_away(t: ResourceType) -> bool {
    match t {
        ResourceType::Queue
        | ResourceType::Topic
        | ResourceType::EventBus
        | ResourceType::Bucket
        | ResourceType::Table
        | ResourceType::Function
        | ResourceType::StateMachine
        | ResourceType::Database
        | ResourceType::DbProxy => true,
        ResourceType::Api | ResourceType::Rule | ResourceType::Schedule | ResourceType::Trigger => {
            false
        }
    }
}

/// The Experiments window's state: the resource picked and the values being edited.
pub struct ExperimentsWindow {
    target: Option<ResId>,
    error_percent: u8,
    extra_ms: u32,
    duplicate_percent: u8,
}

impl ExperimentsWindow {
    /// A window with the first function picked (or nothing, when there is none).
    pub fn new(sc: &Scenario, snap: &Snapshot) -> ExperimentsWindow {
        let mut w = ExperimentsWindow {
            target: None,
            error_percent: 0,
            extra_ms: 0,
            duplicate_percent: 0,
        };
        let first = sc
            .ids()
            .find(|id| sc.resource(*id).resource_type() == ResourceType::Function);
        w.pick(first, snap);
        w
    }

    fn pick(&mut self, target: Option<ResId>, snap: &Snapshot) {
        self.target = target;
        let f = target
            .map(|r| in_force(&snap.faults, r))
            .unwrap_or_default();
        self.error_percent = f.error_percent;
        self.extra_ms = f.extra_ms;
        self.duplicate_percent = f.duplicate_percent;
    }

    /// Shows the window; returns whether it stays open.
    pub fn show(
        &mut self,
        ctx: &egui::Context,
        sc: &Scenario,
        snap: &Snapshot,
        actions: &mut Vec<Action>,
    ) -> bool {
        let mut open = true;
        egui::Window::new("Experiments")
            .open(&mut open)
            .default_width(360.0)
            .show(ctx, |ui| self.ui(ui, sc, snap, actions));
        open
    }

    fn ui(&mut self, ui: &mut egui::Ui, sc: &Scenario, snap: &Snapshot, actions: &mut Vec<Action>) {
        ui.weak("Inject a fault while the run plays. Each change is recorded with its virtual time; Reset replays the run with the same faults at the same moments.");
        if self.target.is_some_and(|r| r.index() >= sc.resources.len()) {
            // The scenario changed under the window (an edit): its resources are numbered anew.
            self.pick(None, snap);
        }
        let mut send = |c: FaultChange| actions.push(Action::Send(Command::Fault(c)));
        let picked_name = self.target.map_or("(none)", |r| sc.id(r));
        let mut picked = self.target;
        egui::ComboBox::from_label("Resource")
            .selected_text(picked_name)
            .show_ui(ui, |ui| {
                for id in sc.ids() {
                    let t = sc.resource(id).resource_type();
                    if can_be_taken_away(t) || t == ResourceType::Trigger {
                        ui.selectable_value(&mut picked, Some(id), sc.id(id));
                    }
                }
            });
        if picked != self.target {
            self.pick(picked, snap);
        }
        let Some(r) = self.target else {
            return;
        };
        let t = sc.resource(r).resource_type();
        let now = in_force(&snap.faults, r);
        ui.separator();
        if t == ResourceType::Function {
            ui.add(egui::Slider::new(&mut self.error_percent, 0..=100).text("fail percent"));
            ui.horizontal(|ui| {
                for preset in [0, 10, 50, 100] {
                    if ui.small_button(format!("{preset} %")).clicked() {
                        self.error_percent = preset;
                    }
                }
            });
            ui.add(
                egui::DragValue::new(&mut self.extra_ms)
                    .range(0..=900_000)
                    .suffix(" ms"),
            )
            .on_hover_text("slow down: added to every invocation's duration");
            ui.label("slow down by");
            let changed = self.error_percent != now.error_percent || self.extra_ms != now.extra_ms;
            if ui
                .add_enabled(changed, egui::Button::new("Apply"))
                .clicked()
            {
                if self.error_percent != now.error_percent {
                    send(FaultChange::FunctionErrors {
                        function: r,
                        percent: self.error_percent,
                    });
                }
                if self.extra_ms != now.extra_ms {
                    send(FaultChange::FunctionDelay {
                        function: r,
                        extra_ms: self.extra_ms,
                    });
                }
            }
        }
        let express = matches!(&sc.resource(r).kind,
            crate::scenario::ResourceKind::StateMachine(sm)
                if sm.workflow_type == crate::scenario::WorkflowType::Express);
        if express {
            ui.add(
                egui::Slider::new(&mut self.duplicate_percent, 0..=100).text("run twice percent"),
            )
            .on_hover_text(
                "Express is at-least-once: this share of starts also runs a duplicate execution",
            );
            if ui
                .add_enabled(
                    self.duplicate_percent != now.duplicate_percent,
                    egui::Button::new("Apply duplicates"),
                )
                .clicked()
            {
                send(FaultChange::ExpressDuplicates {
                    state_machine: r,
                    percent: self.duplicate_percent,
                });
            }
        }
        if can_be_taken_away(t) {
            let mut down = now.down;
            if ui
                .checkbox(&mut down, "Taken away (refuses every SDK call)")
                .changed()
            {
                send(FaultChange::Unavailable { resource: r, down });
            }
        }
        if t == ResourceType::Trigger {
            let mut disabled = now.trigger_disabled;
            if ui
                .checkbox(&mut disabled, "Consumer dropped (trigger disabled)")
                .changed()
            {
                send(FaultChange::TriggerDisabled {
                    trigger: r,
                    disabled,
                });
            }
        }
        ui.separator();
        ui.strong("In force");
        let mut any = false;
        for id in sc.ids() {
            let f = in_force(&snap.faults, id);
            if !f.any() {
                continue;
            }
            any = true;
            ui.horizontal(|ui| {
                ui.label(format!("{}: {}", sc.id(id), describe(f)));
                if ui.small_button("Clear").clicked() {
                    for c in clearing(id, f) {
                        send(c);
                    }
                    if Some(id) == self.target {
                        self.error_percent = 0;
                        self.extra_ms = 0;
                        self.duplicate_percent = 0;
                    }
                }
            });
        }
        if !any {
            ui.weak("no faults");
        }
    }
}

/// `fails 30 %, +200 ms, taken away, disabled`.
fn describe(f: InForce) -> String {
    let mut parts = Vec::new();
    if f.error_percent > 0 {
        parts.push(format!("fails {} %", f.error_percent));
    }
    if f.extra_ms > 0 {
        parts.push(format!("+{} ms", f.extra_ms));
    }
    if f.down {
        parts.push("taken away".to_string());
    }
    if f.trigger_disabled {
        parts.push("disabled".to_string());
    }
    if f.duplicate_percent > 0 {
        parts.push(format!("runs {} % twice", f.duplicate_percent));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(change: FaultChange) -> RecordedFault {
        RecordedFault {
            t_us: 0,
            events: 0,
            change,
        }
    }

    #[test]
    fn the_last_change_of_each_kind_is_in_force_and_clearing_undoes_it() {
        let (a, b) = (ResId(1), ResId(2));
        let log = vec![
            recorded(FaultChange::FunctionErrors {
                function: a,
                percent: 30,
            }),
            recorded(FaultChange::FunctionDelay {
                function: a,
                extra_ms: 200,
            }),
            recorded(FaultChange::Unavailable {
                resource: b,
                down: true,
            }),
            recorded(FaultChange::FunctionErrors {
                function: a,
                percent: 50,
            }),
        ];
        let fa = in_force(&log, a);
        assert_eq!((fa.error_percent, fa.extra_ms, fa.down), (50, 200, false));
        assert_eq!(describe(fa), "fails 50 %, +200 ms");
        assert_eq!(describe(in_force(&log, b)), "taken away");
        let mut cleared = log.clone();
        cleared.extend(clearing(a, fa).into_iter().map(recorded));
        assert_eq!(in_force(&cleared, a), InForce::default());
        assert_eq!(in_force(&cleared, b), in_force(&log, b));
    }
}
