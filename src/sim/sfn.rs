//! AWS Step Functions: executions of state machines, interpreted by `crate::asl` and driven by the engine.
//!
//! An execution starts when a `StartExecution` reaches the state machine (rule or schedule target, traffic
//! `input`, a handler's `sfn::start`). The interpreter is a pure state machine: it asks the engine for actions —
//! invoke a Lambda function synchronously (`arn:aws:states:::lambda:invoke` or a bare function ARN), call an
//! integrated service (SQS `sendMessage`, SNS `publish`, EventBridge `putEvents`, DynamoDB `putItem`/`getItem`/
//! `deleteItem`), start a timer (Wait states, retry backoff, task timeouts) — and the engine answers at the right
//! virtual time. Lambda tasks go through the function's real concurrency, cold starts and errors; their failures
//! surface with the function's `errorType` (aws-semantics.md §8.3). Each step of the execution history becomes a
//! `state` trace record, the end an `execution` record.
//! Approximations: Standard and Express workflows run alike (no 5-minute Express limit, no exactly-once
//! bookkeeping); service integrations answer after `settings.sdk_latency_ms`.

use std::sync::Arc;

use serde_json::{Value, json};

use super::engine::{Ev, Item, Origin, Sim};
use super::function::{InvokeReq, Reply};
use super::ids::{IdKind, TraceId};
use super::queue::SqsSend;
use super::table::TableOp;
use super::topic::SnsPublish;
use super::trace::{Ms, TraceRecord};
use crate::asl::{Action, ExecContext, ExecStatus, Execution, HistoryKind};
use crate::scenario::{ResId, ResourceKind, ResourceType};

/// One running (or finished) execution.
pub(crate) struct SfnExecution {
    machine: ResId,
    trace: TraceId,
    exec: Execution,
    /// History events already turned into trace records.
    history_seen: usize,
    finished: bool,
}

impl SfnExecution {
    pub(crate) fn machine(&self) -> ResId {
        self.machine
    }
}

impl std::fmt::Debug for SfnExecution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SfnExecution({:?})", self.machine)
    }
}

/// What a task reports back to the interpreter.
#[derive(Debug, Clone)]
pub(crate) enum TaskAnswer {
    Succeeded(Value),
    Failed { error: String, cause: String },
}

impl Sim {
    pub(crate) fn execution_arn(&self, machine: ResId, n: u64) -> String {
        self.aws
            .states_execution_arn(self.sc.id(machine), &self.uuid_of(IdKind::Execution, n))
    }

    /// A StartExecution reaches a state machine.
    pub(crate) fn sfn_start(
        &mut self,
        machine: ResId,
        trace: TraceId,
        input: Value,
        execution_n: Option<u64>,
    ) {
        let sc = Arc::clone(&self.sc);
        let ResourceKind::StateMachine(sm) = &sc.resource(machine).kind else {
            return;
        };
        let n = execution_n.unwrap_or_else(|| self.next_n(IdKind::Execution));
        self.stats[machine.index()].count += 1;
        let name = self.uuid_of(IdKind::Execution, n);
        let ctx = ExecContext::new(
            &self.aws.states_arn(sc.id(machine)),
            &name,
            self.wall(self.now()),
            self.seed ^ n,
        );
        let (exec, actions) = Execution::start(Arc::clone(&sm.parsed), input, ctx);
        self.executions.insert(
            n,
            SfnExecution {
                machine,
                trace,
                exec,
                history_seen: 0,
                finished: false,
            },
        );
        self.sfn_after(n, actions);
    }

    /// Feeds an answer or a timer to an execution.
    pub(crate) fn sfn_feed(&mut self, n: u64, token: u64, answer: Option<TaskAnswer>) {
        let now = self.wall(self.now());
        let Some(e) = self.executions.get_mut(&n) else {
            return;
        };
        e.exec.set_now(now);
        let actions = match answer {
            None => e.exec.timer_fired(token),
            Some(TaskAnswer::Succeeded(v)) => e.exec.task_succeeded(token, v),
            Some(TaskAnswer::Failed { error, cause }) => e.exec.task_failed(token, &error, &cause),
        };
        self.sfn_after(n, actions);
    }

    /// Records new history and performs the interpreter's actions.
    fn sfn_after(&mut self, n: u64, actions: Vec<Action>) {
        self.sfn_history(n);
        let Some((machine, trace)) = self.executions.get(&n).map(|e| (e.machine, e.trace)) else {
            return;
        };
        for action in actions {
            match action {
                Action::InvokeLambda {
                    token,
                    function,
                    payload,
                } => {
                    let target = self
                        .sc
                        .find(&function)
                        .filter(|f| self.sc.resource(*f).resource_type() == ResourceType::Function);
                    match target {
                        Some(f) => {
                            let req = InvokeReq::sync(
                                payload,
                                Reply::Sfn {
                                    execution: n,
                                    token,
                                },
                            );
                            self.send(
                                Origin::Resource(machine),
                                f,
                                trace,
                                Item::Invoke(Box::new(req)),
                            );
                        }
                        None => {
                            let answer = TaskAnswer::Failed {
                                error: "Lambda.ResourceNotFoundException".to_string(),
                                cause: format!("Function not found: {function}"),
                            };
                            let at = self.now();
                            self.schedule(
                                at,
                                Ev::SfnAnswer {
                                    execution: n,
                                    token,
                                    answer: Some(Box::new(answer)),
                                },
                            );
                        }
                    }
                }
                Action::ServiceCall {
                    token,
                    service,
                    api,
                    parameters,
                } => {
                    let answer = self.sfn_service_call(machine, trace, &service, &api, &parameters);
                    let dist = self.sc.settings.sdk_latency_ms.clone();
                    let at = self.now().saturating_add(self.rng.sample_us(&dist));
                    self.schedule(
                        at,
                        Ev::SfnAnswer {
                            execution: n,
                            token,
                            answer: Some(Box::new(answer)),
                        },
                    );
                }
                Action::Timer { token, delay_ms } => {
                    let at = self.now().saturating_add(delay_ms.saturating_mul(1000));
                    self.schedule(
                        at,
                        Ev::SfnAnswer {
                            execution: n,
                            token,
                            answer: None,
                        },
                    );
                }
                Action::Finished => self.sfn_finished(n),
            }
        }
    }

    fn sfn_finished(&mut self, n: u64) {
        let Some(e) = self.executions.get_mut(&n) else {
            return;
        };
        if e.finished {
            return;
        }
        e.finished = true;
        let (machine, trace) = (e.machine, e.trace);
        let (status, output, error) = match e.exec.status() {
            ExecStatus::Succeeded(v) => ("succeeded", Some(v.clone()), None),
            ExecStatus::Failed { error, cause } => (
                "failed",
                None,
                Some(json!({ "error": error, "cause": cause })),
            ),
            ExecStatus::Running => ("running", None, None),
        };
        if status == "failed" {
            self.stats[machine.index()].errors += 1;
        }
        let now = self.now();
        let arn = self.execution_arn(machine, n);
        let state_machine = self.name(machine);
        self.emit(|| TraceRecord::Execution {
            t_ms: Ms(now),
            state_machine,
            execution_arn: arn,
            trace_id: trace.text(),
            status,
            output,
            error,
        });
        // A finished execution is kept only as long as something may still refer to it: drop it now.
        self.executions.remove(&n);
    }

    /// Turns new history events into `state` trace records.
    fn sfn_history(&mut self, n: u64) {
        if !self.tracing() {
            if let Some(e) = self.executions.get_mut(&n) {
                e.history_seen = e.exec.history().len();
            }
            return;
        }
        let Some(e) = self.executions.get(&n) else {
            return;
        };
        let (machine, trace) = (e.machine, e.trace);
        let fresh: Vec<(String, &'static str, String, Option<String>)> = e.exec.history()
            [e.history_seen..]
            .iter()
            .filter_map(|h| {
                let (event, state, detail) = match &h.kind {
                    HistoryKind::StateEntered { name, .. } => ("entered", name.clone(), None),
                    HistoryKind::StateExited { name, .. } => ("exited", name.clone(), None),
                    HistoryKind::TaskScheduled { name, resource, .. } => {
                        ("task_scheduled", name.clone(), Some(resource.clone()))
                    }
                    HistoryKind::TaskSucceeded { name, .. } => {
                        ("task_succeeded", name.clone(), None)
                    }
                    HistoryKind::TaskFailed { name, error, .. } => {
                        ("task_failed", name.clone(), Some(error.clone()))
                    }
                    HistoryKind::TaskTimedOut { name, .. } => {
                        ("task_timed_out", name.clone(), None)
                    }
                    HistoryKind::WaitStarted { name, delay_ms, .. } => {
                        ("wait", name.clone(), Some(format!("{delay_ms} ms")))
                    }
                    HistoryKind::ChildrenStarted { name, count } => {
                        ("children_started", name.clone(), Some(count.to_string()))
                    }
                    HistoryKind::StateFailed { name, error, .. } => {
                        ("failed", name.clone(), Some(error.clone()))
                    }
                    HistoryKind::RetryScheduled {
                        name,
                        error,
                        delay_ms,
                        ..
                    } => (
                        "retry",
                        name.clone(),
                        Some(format!("{error}, in {delay_ms} ms")),
                    ),
                    HistoryKind::ErrorCaught { name, error, next } => {
                        ("caught", name.clone(), Some(format!("{error} → {next}")))
                    }
                    _ => return None,
                };
                Some((h.scope.clone(), event, state, detail))
            })
            .collect();
        let len = e.exec.history().len();
        let now = self.now();
        let state_machine = self.name(machine);
        let arn = self.execution_arn(machine, n);
        for (scope, event, state, detail) in fresh {
            self.emit(|| TraceRecord::State {
                t_ms: Ms(now),
                state_machine: state_machine.clone(),
                execution_arn: arn.clone(),
                trace_id: trace.text(),
                state,
                scope,
                event,
                detail,
            });
        }
        if let Some(e) = self.executions.get_mut(&n) {
            e.history_seen = len;
        }
    }

    /// An integrated service task: the call takes effect now; its answer is returned.
    fn sfn_service_call(
        &mut self,
        machine: ResId,
        trace: TraceId,
        service: &str,
        api: &str,
        p: &Value,
    ) -> TaskAnswer {
        let name_of = |arn_or_url: &str| {
            arn_or_url
                .rsplit(['/', ':'])
                .next()
                .unwrap_or(arn_or_url)
                .to_string()
        };
        let fail = |error: &str, cause: String| TaskAnswer::Failed {
            error: error.to_string(),
            cause,
        };
        let resolve = |sim: &Sim, name: &str, ty: ResourceType| {
            sim.sc
                .find(name)
                .filter(|id| sim.sc.resource(*id).resource_type() == ty)
        };
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let from = Origin::Resource(machine);
        match (service, api) {
            ("sqs", "sendMessage") => {
                let queue = name_of(p.get("QueueUrl").and_then(Value::as_str).unwrap_or(""));
                let Some(q) = resolve(self, &queue, ResourceType::Queue) else {
                    return fail(
                        "SQS.QueueDoesNotExistException",
                        format!("no queue {queue}"),
                    );
                };
                let n = self.next_n(IdKind::Message);
                let msg = SqsSend {
                    body: text(p.get("MessageBody")),
                    attributes: Value::Object(serde_json::Map::new()),
                    group_id: p
                        .get("MessageGroupId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    deduplication_id: p
                        .get("MessageDeduplicationId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    delay_s: None,
                    sender: crate::events::sqs::sender_id(&self.aws),
                    message_n: Some(n),
                };
                self.send(from, q, trace, Item::SqsSend(Box::new(msg)));
                TaskAnswer::Succeeded(json!({ "MessageId": self.uuid_of(IdKind::Message, n) }))
            }
            ("sns", "publish") => {
                let topic = name_of(p.get("TopicArn").and_then(Value::as_str).unwrap_or(""));
                let Some(t) = resolve(self, &topic, ResourceType::Topic) else {
                    return fail("SNS.NotFoundException", format!("no topic {topic}"));
                };
                let n = self.next_n(IdKind::Message);
                let publish = SnsPublish {
                    message: text(p.get("Message")),
                    subject: p.get("Subject").and_then(Value::as_str).map(str::to_string),
                    attributes: Value::Object(serde_json::Map::new()),
                    group_id: p
                        .get("MessageGroupId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    deduplication_id: None,
                    message_n: Some(n),
                };
                self.send(from, t, trace, Item::SnsPublish(Box::new(publish)));
                TaskAnswer::Succeeded(json!({ "MessageId": self.uuid_of(IdKind::Message, n) }))
            }
            ("events", "putEvents") => {
                let mut ids = Vec::new();
                for entry in p
                    .get("Entries")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let bus_name = name_of(
                        entry
                            .get("EventBusName")
                            .and_then(Value::as_str)
                            .unwrap_or("default"),
                    );
                    let Some(bus) = resolve(self, &bus_name, ResourceType::EventBus) else {
                        return fail(
                            "EventBridge.ResourceNotFoundException",
                            format!("no event bus {bus_name}"),
                        );
                    };
                    let n = self.next_n(IdKind::Event);
                    let e = json!({
                        "source": entry.get("Source").cloned().unwrap_or(Value::Null),
                        "detail-type": entry.get("DetailType").cloned().unwrap_or(Value::Null),
                        "detail": entry.get("Detail").cloned().unwrap_or(json!({})),
                        "resources": entry.get("Resources").cloned().unwrap_or(json!([])),
                    });
                    self.send(
                        from,
                        bus,
                        trace,
                        Item::PutEvent {
                            event: Box::new(e),
                            envelope: false,
                            event_n: Some(n),
                        },
                    );
                    ids.push(json!({ "EventId": self.uuid_of(IdKind::Event, n) }));
                }
                TaskAnswer::Succeeded(json!({ "Entries": ids, "FailedEntryCount": 0 }))
            }
            ("dynamodb", "putItem" | "getItem" | "deleteItem") => {
                let table = p.get("TableName").and_then(Value::as_str).unwrap_or("");
                let Some(t) = resolve(self, table, ResourceType::Table) else {
                    return fail(
                        "DynamoDB.ResourceNotFoundException",
                        format!("no table {table}"),
                    );
                };
                let plain = |v: Option<&Value>| {
                    v.and_then(crate::events::dynamodb::attribute_map_to_item)
                        .unwrap_or(Value::Null)
                };
                match api {
                    "getItem" => {
                        let key = plain(p.get("Key"));
                        let sc = Arc::clone(&self.sc);
                        let ResourceKind::Table(cfg) = &sc.resource(t).kind else {
                            return fail("States.Runtime", String::new());
                        };
                        match self.tables[t.index()].get(cfg, &key) {
                            Some(item) => TaskAnswer::Succeeded(
                                json!({ "Item": crate::events::dynamodb::item_to_attribute_map(item) }),
                            ),
                            None => TaskAnswer::Succeeded(json!({})),
                        }
                    }
                    _ => {
                        let op = if api == "putItem" {
                            TableOp::Put(plain(p.get("Item")))
                        } else {
                            TableOp::Delete(plain(p.get("Key")))
                        };
                        match self.table_apply(t, trace, op) {
                            Ok(_) => TaskAnswer::Succeeded(json!({})),
                            Err(cause) => fail("DynamoDB.AmazonDynamoDBException", cause),
                        }
                    }
                }
            }
            _ => fail(
                "States.Runtime",
                format!("the {service}:{api} integration is not simulated"),
            ),
        }
    }
}
