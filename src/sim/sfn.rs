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
//! Workflow types: an Express execution that runs past 5 minutes fails with `States.Timeout`
//! ([`EXPRESS_MAX_DURATION_S`]); a Standard one may run a year, longer than any simulation, so it gets no timer.
//! An execution that runs past its limit ends `timed_out` (AWS's `TIMED_OUT`), not `failed`.
//! Express's at-least-once starts are an experiment ([`super::FaultChange::ExpressDuplicates`]): off by
//! default, so runs without it are unchanged. Approximations: no exactly-once (Standard) bookkeeping; service
//! integrations answer after `settings.sdk_latency_ms`.
//!
//! Callbacks (`.waitForTaskToken`): the integration carries the task token (`$$.Task.Token`) and the task waits
//! until a handler calls `sfn::send_task_success/failure/heartbeat` with it ([`Sim::sfn_send_task`]). The token
//! names its execution and task, so the token map is the table of running executions itself: nothing is kept for
//! a token once its execution ends. A token that is not one eventflow issued throws `InvalidToken`; one whose task
//! is closed (answered, timed out, its execution ended) `TaskTimedOut`, as AWS answers. `TaskDoesNotExist` ("The
//! activity does not exist", API reference) concerns activities, which are not simulated, so it is never thrown.
//! The callback takes effect at the moment of the handler's call, like the handler's other SDK calls.
//!
//! Service integrations call the services' own operations (`queue`, `topic`, `bus`, `table`, `function`); this
//! file only reads the task's resource, finds the target and names errors the Step Functions way
//! (`SQS.…`, `Lambda.…`). Executions start through [`Sim::sfn_start_execution`] (a handler's `sfn::start`) or
//! [`target_item`] (rule and schedule targets, Lambda destinations, traffic).

use std::sync::Arc;

use serde_json::{Value, json};

use super::engine::{Ev, Item, Origin, Sim};
use super::function::{InvokeReq, Reply};
use super::ids::{IdKind, TraceId};
use super::table::ItemRequest;
use super::trace::{Ms, TraceRecord};
use crate::asl::{Action, ExecContext, ExecStatus, Execution, HistoryKind, MaxDuration};
use crate::events::dynamodb::item_to_attribute_map;
use crate::scenario::{ResId, ResourceKind, ResourceType, WorkflowType};

/// An Express workflow's maximum execution duration: 5 minutes (AWS Step Functions Developer Guide, "Choosing
/// workflow type in Step Functions", https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html:
/// Standard up to one year, Express up to five minutes; reference/aws-semantics.md §8.4).
pub(crate) const EXPRESS_MAX_DURATION_S: u64 = 5 * 60;

/// The maximum duration a workflow type imposes inside a simulation (Standard's year is left out: no timer).
fn max_duration(workflow_type: WorkflowType) -> Option<MaxDuration> {
    match workflow_type {
        WorkflowType::Express => Some(MaxDuration {
            seconds: EXPRESS_MAX_DURATION_S,
            workflow: "Express",
        }),
        WorkflowType::Standard => None,
    }
}

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
    /// The causal chain the execution belongs to (`Sim::live_chains`).
    pub(crate) fn chain(&self) -> u64 {
        self.trace.n
    }

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

/// A handler's `SendTask*` call for a callback task.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TaskCallback {
    /// SendTaskSuccess with the task's output.
    Success(Value),
    /// SendTaskFailure.
    Failure { error: String, cause: String },
    /// SendTaskHeartbeat.
    Heartbeat,
}

/// Why a `SendTask*` call is refused: the Step Functions error name and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SendTaskError {
    pub error_type: &'static str,
    pub message: String,
}

impl TaskAnswer {
    fn failed(error: &str, cause: String) -> TaskAnswer {
        TaskAnswer::Failed {
            error: error.to_string(),
            cause,
        }
    }
}

/// The item a state machine target receives: a StartExecution with the payload as input (its execution number
/// is drawn when it arrives).
pub(crate) fn target_item(input: Value) -> Item {
    Item::StartExecution {
        input: Box::new(input),
        execution_n: None,
    }
}

impl Sim {
    pub(crate) fn execution_arn(&self, machine: ResId, n: u64) -> String {
        self.aws
            .states_execution_arn(self.sc.id(machine), &self.uuid_of(IdKind::Execution, n))
    }

    /// StartExecution by a principal of the account (a handler's `sfn::start`): the execution gets its number
    /// at once, the request travels `from → machine`; returns the `executionArn` and the `startDate`.
    pub(crate) fn sfn_start_execution(
        &mut self,
        from: Origin,
        machine: ResId,
        trace: TraceId,
        input: Value,
    ) -> (String, String) {
        let n = self.next_n(IdKind::Execution);
        let item = Item::StartExecution {
            input: Box::new(input),
            execution_n: Some(n),
        };
        self.send(from, machine, trace, item);
        let start_date = crate::events::time::iso_millis(self.wall(self.now()));
        (self.execution_arn(machine, n), start_date)
    }

    /// A StartExecution reaches a state machine. An Express machine with an at-least-once fault in force
    /// ([`super::FaultChange::ExpressDuplicates`]) may run the start twice: the duplicate is a `retry` record
    /// (attempt 2) and an execution of its own, with its own name (AWS would report one execution running
    /// twice; distinct names let the two runs be told apart), on the same causal chain.
    pub(crate) fn sfn_start(
        &mut self,
        machine: ResId,
        trace: TraceId,
        input: Value,
        execution_n: Option<u64>,
    ) {
        let express = |sim: &Sim| {
            matches!(&sim.sc.resource(machine).kind,
                ResourceKind::StateMachine(sm) if sm.workflow_type == WorkflowType::Express)
        };
        if !(self.faults.duplicates_executions(machine) && express(self)) {
            self.sfn_start_one(machine, trace, input, execution_n);
            return;
        }
        self.sfn_start_one(machine, trace, input.clone(), execution_n);
        if self.express_start_twice(machine) {
            let mut again = trace;
            self.record_retry(
                machine,
                &mut again,
                2,
                0,
                "Express at-least-once: the execution runs again".to_string(),
            );
            self.sfn_start_one(machine, again, input, None);
        }
    }

    /// Starts one execution of `machine`.
    fn sfn_start_one(
        &mut self,
        machine: ResId,
        trace: TraceId,
        input: Value,
        execution_n: Option<u64>,
    ) {
        let sc = Arc::clone(&self.sc);
        let ResourceKind::StateMachine(sm) = &sc.resource(machine).kind else {
            self.wrong_kind(machine, ResourceType::StateMachine);
            return;
        };
        let n = execution_n.unwrap_or_else(|| self.next_n(IdKind::Execution));
        self.stats[machine.index()].count += 1;
        let name = self.uuid_of(IdKind::Execution, n);
        let mut ctx = ExecContext::new(
            &self.aws.states_arn(sc.id(machine)),
            &name,
            self.wall(self.now()),
            self.seed ^ n,
        );
        ctx.execution_number = n;
        let (exec, actions) = Execution::start_with_max_duration(
            Arc::clone(&sm.parsed),
            input,
            ctx,
            max_duration(sm.workflow_type),
        );
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

    /// SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat with `task_token`, at the current moment. Errors as
    /// AWS names them (AWS Step Functions API Reference, SendTaskSuccess, "Errors": `InvalidToken` "The provided
    /// token is not valid", `TaskTimedOut` "The task token has either expired or the task associated with the
    /// token has already been closed", https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
    pub(crate) fn sfn_send_task(
        &mut self,
        task_token: &str,
        callback: TaskCallback,
    ) -> Result<(), SendTaskError> {
        let invalid = || SendTaskError {
            error_type: "InvalidToken",
            message: "Invalid token".to_string(),
        };
        let Some((n, token)) = crate::asl::parse_task_token(task_token) else {
            return Err(invalid());
        };
        let closed = || SendTaskError {
            error_type: "TaskTimedOut",
            message: "Task Timed Out: 'Provided task does not exist anymore'".to_string(),
        };
        let now = self.wall(self.now());
        let Some(e) = self.executions.get_mut(&n) else {
            return Err(closed());
        };
        if e.exec.task_token_text(token) != task_token {
            return Err(invalid());
        }
        if !e.exec.callback_open(token) {
            return Err(closed());
        }
        e.exec.set_now(now);
        let actions = match callback {
            TaskCallback::Success(output) => e.exec.callback_succeeded(token, output),
            TaskCallback::Failure { error, cause } => e.exec.callback_failed(token, &error, &cause),
            TaskCallback::Heartbeat => e.exec.callback_heartbeat(token),
        };
        self.sfn_after(n, actions);
        Ok(())
    }

    /// The state machine a task token belongs to, while its execution runs (the `call` record's resource).
    pub(crate) fn sfn_token_machine(&self, task_token: &str) -> Option<String> {
        let (n, _) = crate::asl::parse_task_token(task_token)?;
        self.executions.get(&n).map(|e| self.name(e.machine))
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
                } => self.sfn_invoke_lambda(n, machine, trace, token, &function, payload),
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

    /// A Lambda task: a synchronous invocation of the function, answered when it ends.
    fn sfn_invoke_lambda(
        &mut self,
        n: u64,
        machine: ResId,
        trace: TraceId,
        token: u64,
        function: &str,
        payload: Value,
    ) {
        match self.find_of_type(function, ResourceType::Function) {
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
                let answer = TaskAnswer::failed(
                    "Lambda.ResourceNotFoundException",
                    format!("Function not found: {function}"),
                );
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
            ExecStatus::TimedOut { error, cause } => (
                "timed_out",
                None,
                Some(json!({ "error": error, "cause": cause })),
            ),
            ExecStatus::Running => ("running", None, None),
        };
        if status == "failed" || status == "timed_out" {
            self.stats[machine.index()].errors += 1;
        }
        let now = self.now();
        let arn = self.execution_arn(machine, n);
        let state_machine = self.name(machine);
        self.emit(|| TraceRecord::Execution {
            t_ms: Ms(now),
            state_machine: state_machine.into(),
            execution_arn: arn.into(),
            trace_id: trace.record_id(),
            // The execution's span: the hop that carried its StartExecution.
            span_id: trace.span,
            status,
            output: output.map(Box::new),
            error: error.map(Box::new),
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
        type Fresh = (
            String,
            &'static str,
            String,
            Option<String>,
            Option<Value>,
            crate::asl::exec::Stages,
        );
        let fresh: Vec<Fresh> = e.exec.history()[e.history_seen..]
            .iter()
            .filter_map(|h| {
                let (event, state, detail) = state_record_fields(&h.kind)?;
                let data = match &h.kind {
                    HistoryKind::StateEntered { input, .. } => Some(input.clone()),
                    HistoryKind::StateExited { output, .. } => Some(output.clone()),
                    _ => None,
                };
                let stages = match &h.kind {
                    HistoryKind::StateExited { stages, .. } => stages.clone(),
                    _ => Vec::new(),
                };
                Some((h.scope.clone(), event, state, detail, data, stages))
            })
            .collect();
        let len = e.exec.history().len();
        let now = self.now();
        let state_machine = self.name(machine);
        let arn = self.execution_arn(machine, n);
        for (scope, event, state, detail, data, stages) in fresh {
            self.emit(|| TraceRecord::State {
                t_ms: Ms(now),
                state_machine: state_machine.as_str().into(),
                execution_arn: arn.as_str().into(),
                trace_id: trace.record_id(),
                parent_span_id: trace.cause(),
                state,
                scope,
                event,
                detail,
                data: data.map(Box::new),
                stages,
            });
        }
        if let Some(e) = self.executions.get_mut(&n) {
            e.history_seen = len;
        }
    }

    /// An integrated service task: the call takes effect now, through the service's own operation; its
    /// answer is returned.
    fn sfn_service_call(
        &mut self,
        machine: ResId,
        trace: TraceId,
        service: &str,
        api: &str,
        p: &Value,
    ) -> TaskAnswer {
        let from = Origin::Resource(machine);
        match (service, api) {
            ("sqs", "sendMessage") => self.sfn_sqs_send(from, trace, p),
            ("sns", "publish") => self.sfn_sns_publish(from, trace, p),
            ("events", "putEvents") => self.sfn_put_events(from, trace, p),
            ("dynamodb", _) => match super::table::item_request(api, p) {
                Some((table, request)) => self.sfn_dynamodb(trace, &table, request),
                None => not_simulated(service, api),
            },
            _ => not_simulated(service, api),
        }
    }

    fn sfn_sqs_send(&mut self, from: Origin, trace: TraceId, p: &Value) -> TaskAnswer {
        let (queue, msg) = super::queue::send_message_request(p, self.account_sender_id());
        let Some(q) = self.find_of_type(&queue, ResourceType::Queue) else {
            return TaskAnswer::failed(
                "SQS.QueueDoesNotExistException",
                format!("no queue {queue}"),
            );
        };
        match self.sqs_send_message(from, q, trace, msg) {
            Ok(message_id) => TaskAnswer::Succeeded(json!({ "MessageId": message_id })),
            Err(e) => TaskAnswer::failed(&format!("SQS.{}", e.code()), e.message().to_string()),
        }
    }

    fn sfn_sns_publish(&mut self, from: Origin, trace: TraceId, p: &Value) -> TaskAnswer {
        let (topic, publish) = super::topic::publish_request(p);
        let Some(t) = self.find_of_type(&topic, ResourceType::Topic) else {
            return TaskAnswer::failed("SNS.NotFoundException", format!("no topic {topic}"));
        };
        let message_id = self.sns_publish(from, t, trace, publish);
        TaskAnswer::Succeeded(json!({ "MessageId": message_id }))
    }

    /// `putEvents`: every entry in order; a missing bus fails the task (entries before it are sent).
    fn sfn_put_events(&mut self, from: Origin, trace: TraceId, p: &Value) -> TaskAnswer {
        let mut ids = Vec::new();
        let entries = p.get("Entries").and_then(Value::as_array);
        for entry in entries.into_iter().flatten() {
            let (bus_name, e) = super::bus::put_events_request(entry);
            let Some(bus) = self.find_of_type(&bus_name, ResourceType::EventBus) else {
                return TaskAnswer::failed(
                    "EventBridge.ResourceNotFoundException",
                    format!("no event bus {bus_name}"),
                );
            };
            let event_id = self.events_put(from, bus, trace, e);
            ids.push(json!({ "EventId": event_id }));
        }
        TaskAnswer::Succeeded(json!({ "Entries": ids, "FailedEntryCount": 0 }))
    }

    fn sfn_dynamodb(&mut self, trace: TraceId, table: &str, request: ItemRequest) -> TaskAnswer {
        let Some(t) = self.find_of_type(table, ResourceType::Table) else {
            return TaskAnswer::failed(
                "DynamoDB.ResourceNotFoundException",
                format!("no table {table}"),
            );
        };
        match request {
            ItemRequest::Get(key) => match self.table_get(t, &key) {
                Some(item) => {
                    TaskAnswer::Succeeded(json!({ "Item": item_to_attribute_map(&item) }))
                }
                None => TaskAnswer::Succeeded(json!({})),
            },
            ItemRequest::Write(op) => match self.table_apply(t, trace, op) {
                Ok(_) => TaskAnswer::Succeeded(json!({})),
                Err(cause) => TaskAnswer::failed("DynamoDB.AmazonDynamoDBException", cause),
            },
        }
    }
}

fn not_simulated(service: &str, api: &str) -> TaskAnswer {
    TaskAnswer::failed(
        "States.Runtime",
        format!("the {service}:{api} integration is not simulated"),
    )
}

/// The `state` record of a history event: (event, state name, detail), or `None` for the execution's own
/// start and end (the `execution` record covers those).
fn state_record_fields(kind: &HistoryKind) -> Option<(&'static str, String, Option<String>)> {
    let fields = match kind {
        HistoryKind::StateEntered { name, .. } => ("entered", name.clone(), None),
        HistoryKind::StateExited { name, .. } => ("exited", name.clone(), None),
        HistoryKind::TaskScheduled { name, resource, .. } => {
            ("task_scheduled", name.clone(), Some(resource.clone()))
        }
        HistoryKind::TaskSubmitted { name, .. } => ("task_submitted", name.clone(), None),
        HistoryKind::TaskSucceeded { name, .. } => ("task_succeeded", name.clone(), None),
        HistoryKind::TaskFailed { name, error, .. } => {
            ("task_failed", name.clone(), Some(error.clone()))
        }
        HistoryKind::TaskTimedOut { name, .. } => ("task_timed_out", name.clone(), None),
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
        HistoryKind::ExecutionStarted { .. }
        | HistoryKind::ExecutionSucceeded { .. }
        | HistoryKind::ExecutionFailed { .. }
        | HistoryKind::ExecutionTimedOut { .. } => return None,
    };
    Some(fields)
}
