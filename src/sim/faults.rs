//! Faults injected while a run plays (the app's Experiments panel, `Command::Fault`): a function that fails a
//! share of its invocations or runs slower, a queue or table (any resource a handler calls) that refuses its SDK
//! calls, a trigger (event source mapping) that stops polling, and an Express state machine that runs a share of
//! its executions twice (at-least-once, [`FaultChange::ExpressDuplicates`]).
//!
//! A fault is a [`FaultChange`] applied at a virtual moment ([`Sim::apply_fault`]); this module holds the faults in
//! force and answers the engine's three questions: does this invocation fail or last longer, does this SDK call
//! reach its resource, may this trigger poll. The runner records every change with its virtual time and applies the
//! changes again at the same moments after a reset, so a run with faults replays identically.
//!
//! A fault draws from the run's one seeded generator, and only while it is in force: a run without faults draws
//! exactly as before, and its trace is unchanged.

use serde_json::{Value, json};

use super::Sim;
use super::trace::{Ms, TraceRecord};
use crate::scenario::ResId;
use crate::script::SdkCall;

/// One change to the faults in force. A zero or `false` value removes the fault.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultChange {
    /// The function fails this percentage (0–100) of its invocations with `InjectedFault`.
    FunctionErrors { function: ResId, percent: u8 },
    /// Every invocation of the function lasts this much longer.
    FunctionDelay { function: ResId, extra_ms: u32 },
    /// The resource refuses every SDK call a handler makes to it (`ServiceUnavailable`).
    Unavailable { resource: ResId, down: bool },
    /// The trigger (event source mapping) stops polling its queue or stream.
    TriggerDisabled { trigger: ResId, disabled: bool },
    /// This percentage (0–100) of the Express state machine's starts run a second, duplicate execution with the
    /// same input: asynchronous Express workflows are at-least-once ("Asynchronous Express Workflows … an
    /// execution might run more than once", AWS Step Functions Developer Guide, "Choosing workflow type",
    /// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html; aws-semantics.md §8.4),
    /// so their tasks must be idempotent. Every start in the simulator is asynchronous (there is no
    /// StartSyncExecution); a Standard machine is never duplicated.
    ExpressDuplicates { state_machine: ResId, percent: u8 },
}

impl FaultChange {
    /// The resource the change is about.
    pub fn resource(&self) -> ResId {
        match *self {
            FaultChange::FunctionErrors { function, .. }
            | FaultChange::FunctionDelay { function, .. } => function,
            FaultChange::Unavailable { resource, .. } => resource,
            FaultChange::TriggerDisabled { trigger, .. } => trigger,
            FaultChange::ExpressDuplicates { state_machine, .. } => state_machine,
        }
    }
}

impl FaultChange {
    /// The trace record of the change, applied at `t_us` to the resource named `resource`.
    fn record(&self, t_us: u64, resource: String) -> TraceRecord {
        let (fault, percent, extra_ms, active) = match *self {
            FaultChange::FunctionErrors { percent, .. } => {
                ("errors", Some(percent.min(100)), None, percent > 0)
            }
            FaultChange::FunctionDelay { extra_ms, .. } => {
                ("delay", None, Some(extra_ms), extra_ms > 0)
            }
            FaultChange::Unavailable { down, .. } => ("unavailable", None, None, down),
            FaultChange::TriggerDisabled { disabled, .. } => {
                ("trigger_disabled", None, None, disabled)
            }
            FaultChange::ExpressDuplicates { percent, .. } => (
                "duplicate_executions",
                Some(percent.min(100)),
                None,
                percent > 0,
            ),
        };
        TraceRecord::Fault {
            t_ms: Ms(t_us),
            resource: resource.into(),
            fault,
            percent,
            extra_ms,
            active,
        }
    }
}

/// The faults of one resource in force.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct ResourceFaults {
    error_percent: u8,
    extra_ms: u32,
    down: bool,
    trigger_disabled: bool,
    duplicate_percent: u8,
}

/// The faults in force, per resource (indexed by [`ResId`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    by_resource: Vec<ResourceFaults>,
    /// Whether any fault is in force (the common case, none, costs one test).
    any: bool,
}

/// What a fault does to one invocation.
pub(crate) struct InvocationFault {
    /// The invocation fails with this error object.
    pub error: Option<Value>,
    /// Added to its duration.
    pub extra_us: u64,
}

impl Faults {
    fn of(&self, r: ResId) -> ResourceFaults {
        if !self.any {
            return ResourceFaults::default();
        }
        self.by_resource.get(r.index()).copied().unwrap_or_default()
    }

    fn apply(&mut self, n_resources: usize, change: &FaultChange) {
        if self.by_resource.len() < n_resources {
            self.by_resource
                .resize(n_resources, ResourceFaults::default());
        }
        let Some(f) = self.by_resource.get_mut(change.resource().index()) else {
            return;
        };
        match *change {
            FaultChange::FunctionErrors { percent, .. } => f.error_percent = percent.min(100),
            FaultChange::FunctionDelay { extra_ms, .. } => f.extra_ms = extra_ms,
            FaultChange::Unavailable { down, .. } => f.down = down,
            FaultChange::TriggerDisabled { disabled, .. } => f.trigger_disabled = disabled,
            FaultChange::ExpressDuplicates { percent, .. } => {
                f.duplicate_percent = percent.min(100)
            }
        }
        self.any = self
            .by_resource
            .iter()
            .any(|r| *r != ResourceFaults::default());
    }

    /// Whether the trigger was disabled by a fault.
    pub(crate) fn trigger_disabled(&self, t: ResId) -> bool {
        self.of(t).trigger_disabled
    }

    /// Whether the state machine has an at-least-once fault in force.
    pub(crate) fn duplicates_executions(&self, sm: ResId) -> bool {
        self.of(sm).duplicate_percent > 0
    }
}

impl Sim {
    /// Applies a fault change now. Re-enabling a trigger lets it poll at once.
    pub fn apply_fault(&mut self, change: &FaultChange) {
        let n = self.sc.resources.len();
        if change.resource().index() >= n {
            return;
        }
        self.faults.apply(n, change);
        let record = change.record(self.now_us(), self.sc.id(change.resource()).to_string());
        self.emit(|| record);
        if let FaultChange::TriggerDisabled {
            trigger,
            disabled: false,
        } = *change
        {
            self.esm_poll(trigger);
        }
    }

    /// The fault of one invocation of `f` starting now: draws from the seeded generator only while the function
    /// has an error fault in force.
    pub(crate) fn invocation_fault(&mut self, f: ResId) -> InvocationFault {
        let faults = self.faults.of(f);
        let fails =
            faults.error_percent > 0 && self.rng.unit() * 100.0 < f64::from(faults.error_percent);
        InvocationFault {
            error: fails.then(|| {
                json!({
                    "errorType": "InjectedFault",
                    "errorMessage": format!("Experiment: {} % of invocations fail", faults.error_percent),
                })
            }),
            extra_us: u64::from(faults.extra_ms) * 1000,
        }
    }

    /// Whether this start of Express state machine `sm` runs a duplicate execution too: draws from the seeded
    /// generator only while its at-least-once fault is in force.
    pub(crate) fn express_start_twice(&mut self, sm: ResId) -> bool {
        let percent = self.faults.of(sm).duplicate_percent;
        percent > 0 && self.rng.unit() * 100.0 < f64::from(percent)
    }

    /// The error a handler's SDK call gets when its resource was taken away, if it was.
    pub(crate) fn refused_call(&self, call: &SdkCall) -> Option<(String, String)> {
        if !self.faults.any {
            return None;
        }
        let name = call.resource();
        let r = self.sc.find(name)?;
        self.faults.of(r).down.then(|| {
            (
                // The 503 error code SQS, SNS, DynamoDB and Lambda share (each API reference, "Common Errors").
                "ServiceUnavailable".to_string(),
                format!("{name} is unavailable (taken away by an experiment)"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sim::SimOptions;

    fn sim() -> Sim {
        let text = r#"{
  "format": "eventflow/1",
  "name": "faults",
  "settings": { "until_s": 20 },
  "resources": {
    "Q": { "type": "queue" },
    "F": { "type": "function", "code": { "inline": "fn handler(e, c) { dynamodb::put(\"Tb\", #{ id: c.aws_request_id }); }" } },
    "T": { "type": "trigger", "source": "Q", "function": "F", "batch_size": 1 },
    "Tb": { "type": "table", "partition_key": "id" }
  },
  "traffic": [ { "to": "Q", "every_s": 1, "start_s": 1, "count": 10, "message": { "body": "x" } } ]
}"#;
        let sc = crate::scenario::load_str(text, "faults.json", None).expect("loads");
        Sim::new(
            Arc::new(sc),
            SimOptions {
                seed: None,
                trace: true,
            },
        )
    }

    fn id(sim: &Sim, name: &str) -> ResId {
        sim.scenario().find(name).expect("resource")
    }

    /// (kind, status, errorType) of every record.
    fn records(sim: &mut Sim) -> Vec<(String, String, String)> {
        sim.take_trace()
            .iter()
            .map(crate::tour::record_json)
            .map(|v| {
                let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
                let error = v["error"]["errorType"].as_str().unwrap_or("").to_string();
                (text("kind"), text("status"), error)
            })
            .collect()
    }

    #[test]
    fn a_resource_taken_away_refuses_calls_until_it_is_back() {
        let mut s = sim();
        let table = id(&s, "Tb");
        s.apply_fault(&FaultChange::Unavailable {
            resource: table,
            down: true,
        });
        s.run_until(5_500_000);
        let down = records(&mut s);
        let errors: Vec<_> = down.iter().filter(|r| r.0 == "result").collect();
        assert_eq!(errors.len(), 5, "{down:?}");
        assert!(
            errors
                .iter()
                .all(|r| r.1 == "error" && r.2 == "ServiceUnavailable"),
            "{errors:?}"
        );
        s.apply_fault(&FaultChange::Unavailable {
            resource: table,
            down: false,
        });
        s.run_until(20_000_000);
        let back = records(&mut s);
        let results: Vec<_> = back.iter().filter(|r| r.0 == "result").collect();
        assert!(!results.is_empty());
        assert!(results.iter().all(|r| r.1 == "ok"), "{results:?}");
    }

    #[test]
    fn a_disabled_trigger_stops_delivering_and_catches_up_when_enabled() {
        let mut s = sim();
        let trigger = id(&s, "T");
        s.apply_fault(&FaultChange::TriggerDisabled {
            trigger,
            disabled: true,
        });
        s.run_until(5_500_000);
        let invokes = |r: &[(String, String, String)]| r.iter().filter(|r| r.0 == "invoke").count();
        assert_eq!(invokes(&records(&mut s)), 0, "nothing is delivered");
        s.apply_fault(&FaultChange::TriggerDisabled {
            trigger,
            disabled: false,
        });
        s.run_until(20_000_000);
        assert_eq!(
            invokes(&records(&mut s)),
            10,
            "the five waiting and the five later"
        );
    }

    #[test]
    fn a_slow_or_failing_function_and_no_draws_without_faults() {
        let mut plain = sim();
        plain.run_until(20_000_000);
        let plain_records = records(&mut plain);

        let mut s = sim();
        let f = id(&s, "F");
        s.apply_fault(&FaultChange::FunctionErrors {
            function: f,
            percent: 0,
        });
        s.run_until(20_000_000);
        let mut zero = records(&mut s);
        assert_eq!(
            zero.remove(0),
            ("fault".to_string(), String::new(), String::new()),
            "the change is in the trace"
        );
        assert_eq!(zero, plain_records, "a fault of 0 % changes nothing else");

        let mut s = sim();
        s.apply_fault(&FaultChange::FunctionErrors {
            function: f,
            percent: 100,
        });
        s.apply_fault(&FaultChange::FunctionDelay {
            function: f,
            extra_ms: 250,
        });
        s.run_until(20_000_000);
        let failing: Vec<serde_json::Value> = s
            .take_trace()
            .iter()
            .map(crate::tour::record_json)
            .collect();
        let results: Vec<_> = failing.iter().filter(|v| v["kind"] == "result").collect();
        assert_eq!(results.len(), 10);
        assert!(
            results
                .iter()
                .all(|v| v["status"] == "error" && v["error"]["errorType"] == "InjectedFault"),
            "{results:?}"
        );
        let slow: Vec<f64> = results
            .iter()
            .filter_map(|v| v["duration_ms"].as_f64())
            .collect();
        assert_eq!(slow.len(), 10);
        assert!(slow.iter().all(|d| *d >= 250.0), "{slow:?}");
    }

    /// Express at-least-once: with the fault at 100 % every start runs twice (a `retry` record, then a second
    /// execution of its own), at 0 % nothing changes; a Standard machine is never duplicated.
    #[test]
    fn an_express_machine_runs_executions_twice_while_its_fault_is_in_force() {
        let text = |workflow: &str| {
            format!(
                r#"{{
  "format": "eventflow/1",
  "name": "at-least-once",
  "settings": {{ "until_s": 10 }},
  "resources": {{
    "SM": {{ "type": "state_machine", "workflow_type": "{workflow}",
            "definition": {{ "StartAt": "P", "States": {{ "P": {{ "Type": "Pass", "End": true }} }} }} }}
  }},
  "traffic": [ {{ "to": "SM", "every_s": 1, "start_s": 1, "count": 4, "input": {{ "order": "{{{{seq}}}}" }} }} ]
}}"#
            )
        };
        let run = |workflow: &str, percent: Option<u8>| {
            let sc = crate::scenario::load_str(&text(workflow), "alo.json", None).expect("loads");
            let mut s = Sim::new(
                Arc::new(sc),
                SimOptions {
                    seed: None,
                    trace: true,
                },
            );
            let sm = id(&s, "SM");
            if let Some(percent) = percent {
                s.apply_fault(&FaultChange::ExpressDuplicates {
                    state_machine: sm,
                    percent,
                });
            }
            s.run_until(10_000_000);
            let records: Vec<serde_json::Value> = s
                .take_trace()
                .iter()
                .map(crate::tour::record_json)
                .collect();
            let count = |kind: &str| records.iter().filter(|v| v["kind"] == kind).count();
            let arns: std::collections::BTreeSet<String> = records
                .iter()
                .filter(|v| v["kind"] == "execution")
                .filter_map(|v| v["execution_arn"].as_str().map(str::to_string))
                .collect();
            (count("execution"), count("retry"), arns.len(), records)
        };
        let (plain, _, _, plain_records) = run("EXPRESS", None);
        assert_eq!(plain, 4);
        let (executions, retries, distinct, _) = run("EXPRESS", Some(100));
        assert_eq!((executions, retries, distinct), (8, 4, 8));
        let (executions, retries, _, mut zero) = run("EXPRESS", Some(0));
        assert_eq!((executions, retries), (4, 0));
        zero.remove(0);
        assert_eq!(zero, plain_records, "a fault of 0 % changes nothing else");
        let (executions, retries, _, _) = run("STANDARD", Some(100));
        assert_eq!((executions, retries), (4, 0), "Standard is exactly-once");
    }

    /// Issue 14: every change is a `fault` record at its moment, with what and how much; lifting one says so.
    #[test]
    fn each_change_is_a_fault_record_at_its_moment() {
        let mut s = sim();
        let (f, table, trigger) = (id(&s, "F"), id(&s, "Tb"), id(&s, "T"));
        s.run_until(2_500_000);
        s.take_trace();
        for change in [
            FaultChange::FunctionErrors {
                function: f,
                percent: 40,
            },
            FaultChange::FunctionDelay {
                function: f,
                extra_ms: 250,
            },
            FaultChange::Unavailable {
                resource: table,
                down: true,
            },
            FaultChange::TriggerDisabled {
                trigger,
                disabled: true,
            },
            FaultChange::Unavailable {
                resource: table,
                down: false,
            },
        ] {
            s.apply_fault(&change);
        }
        let lines: Vec<String> = s
            .take_trace()
            .iter()
            .map(|r| {
                let mut line = Vec::new();
                r.write_line(&mut line);
                String::from_utf8_lossy(&line).trim_end().to_string()
            })
            .collect();
        assert_eq!(
            lines,
            [
                r#"{"kind":"fault","t_ms":2500,"resource":"F","fault":"errors","percent":40,"active":true}"#,
                r#"{"kind":"fault","t_ms":2500,"resource":"F","fault":"delay","extra_ms":250,"active":true}"#,
                r#"{"kind":"fault","t_ms":2500,"resource":"Tb","fault":"unavailable","active":true}"#,
                r#"{"kind":"fault","t_ms":2500,"resource":"T","fault":"trigger_disabled","active":true}"#,
                r#"{"kind":"fault","t_ms":2500,"resource":"Tb","fault":"unavailable","active":false}"#,
            ]
        );
    }
}
