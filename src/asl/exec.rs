//! One execution of a state machine, as a pure state machine driven by the engine.
//!
//! Every running scope (the top level, a Parallel branch, a Map iteration) is a *frame*. A frame is either
//! busy inside the interpreter (only during a feed) or blocked on one thing: a task (identified by a token), a
//! timer (Wait state or retry backoff), or its child frames (Parallel/Map). Work inside a feed goes through a
//! FIFO queue, so there is no recursion across state transitions and Parallel branches/Map iterations start in
//! order: the actions of all branches are returned together, in branch order.
//!
//! Behaviour and approximations of AWS:
//! - **Lambda**: a bare function ARN gets the effective input as payload and returns the raw response;
//!   `arn:aws:states:::lambda:invoke` sends `Parameters.Payload` (`{}` when absent) to the function named by
//!   `Parameters.FunctionName` (name, `name:qualifier`, full or partial ARN) and wraps the raw response that the
//!   engine passes to [`Execution::task_succeeded`] as `{ExecutedVersion, Payload, SdkHttpMetadata,
//!   SdkResponseMetadata, StatusCode: 200}` (`ExecutedVersion` is a numeric qualifier or `$LATEST`; request ids
//!   come from the seeded generator). Function errors arrive through [`Execution::task_failed`] with the
//!   function's `errorType` as the error name.
//! - **Other integrations** become [`Action::ServiceCall`] with the resolved Parameters (or the effective
//!   input when there are none); the engine's answer is the task result.
//! - **Retry**: the first retrier whose `ErrorEquals` matches is used; retry *n* waits
//!   `IntervalSeconds × BackoffRate^(n−1)` seconds, capped by `MaxDelaySeconds`; `JitterStrategy: FULL` draws
//!   uniformly in `[0, delay]` from the seeded generator. When that retrier is exhausted, catchers are tried.
//!   `States.ALL` matches everything except `States.Runtime`/`States.DataLimitExceeded`; `States.TaskFailed`
//!   additionally excludes `States.Timeout`. `States.Runtime` is never retried nor caught.
//! - **Catch**: the error object `{Error, Cause}` goes to the catcher's ResultPath (default `$`) in the raw state
//!   input, and OutputPath is not applied.
//! - **Timeouts**: a Task with `TimeoutSeconds`/`TimeoutSecondsPath` also emits a [`Action::Timer`]; if it fires
//!   first the task fails with `States.Timeout` and its late result is ignored; if the result comes first the
//!   timer's firing is ignored. Execution `TimeoutSeconds` works the same way at the top level, and so does the
//!   workflow type's maximum duration given to [`Execution::start_with_max_duration`] (Express: 5 minutes); the
//!   earlier of the two ends the execution with `States.Timeout`.
//!   An execution that reaches its own limit ends with [`ExecStatus::TimedOut`] (AWS's `TIMED_OUT` status, not
//!   `FAILED`); a task's uncaught `States.Timeout` fails it as any other error does.
//! - **Callbacks** (`.waitForTaskToken`): the task's token ([`Execution::task_token_text`], opaque, 512
//!   characters, derived from the execution's seed and number and the task) is `$$.Task.Token` while its
//!   Parameters are evaluated; the integration's own answer only records `TaskSubmitted` (its failure fails the
//!   task); the task ends with [`Execution::callback_succeeded`] (the output is taken as is, not wrapped) or
//!   [`Execution::callback_failed`]. `HeartbeatSeconds` starts a timer that [`Execution::callback_heartbeat`]
//!   restarts; when it fires the task fails with `States.HeartbeatTimeout`. `TimeoutSeconds` still bounds the
//!   whole task whatever the heartbeats ("The Timeout of a task … is its maximum allowed duration, regardless of
//!   the number of SendTaskHeartbeat requests received", AWS Step Functions API Reference, SendTaskHeartbeat,
//!   https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html). Request-response
//!   tasks receive no heartbeats, so their `HeartbeatSeconds` is validated and ignored.
//! - **Parallel/Map**: a failing branch/iteration cancels its siblings and the state fails with *that* error
//!   (AWS propagates the branch's error; `States.BranchFailed` is not raised). Output arrays are in
//!   branch/item order regardless of completion order. Map `MaxConcurrency` 0 = unlimited; more iterations
//!   start as earlier ones finish. `$$.Map.Item.Index/Value` are available in ItemSelector.
//! - **Limits**: an execution whose history would exceed [`MAX_HISTORY_EVENTS`] events fails with
//!   `States.Runtime` (AWS's 25,000-event history quota); this also stops infinite Pass/Choice loops.
//! - Tokens that are unknown or stale (finished, cancelled, superseded) are ignored: feeds return no action.
//! - Standard and Express workflows differ here only by the maximum duration the engine passes in.

use super::choice::Rule;
use super::data::{IoPath, Template};
use super::machine::{Definition, Kind, Outcome, Secs, StateDef, TaskTarget, WaitFor, lambda_name};
use super::{Failure, Rng, errors};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// History quota of an execution (AWS: 25,000 events).
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// The first bytes of every task token (before base64).
const TASK_TOKEN_MAGIC: &[u8; 4] = b"EFt1";
/// Bytes of a task token before base64 (512 characters after): long and opaque like AWS's, within the 1,024
/// characters the API's `taskToken` allows (AWS Step Functions API Reference, SendTaskSuccess, "Length
/// Constraints: Minimum length of 1. Maximum length of 1024",
/// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html; newer revisions
/// allow 2,048).
const TASK_TOKEN_BYTES: usize = 384;

/// The `(execution number, task)` a task token names, if `text` has the form [`Execution::task_token_text`]
/// gives (whether it was really issued is for the execution to say: compare with its `task_token_text`).
pub fn parse_task_token(text: &str) -> Option<(u64, u64)> {
    let bytes = super::intrinsics::base64_decode(text)?;
    if bytes.len() != TASK_TOKEN_BYTES || !bytes.starts_with(TASK_TOKEN_MAGIC) {
        return None;
    }
    let word = |at: usize| -> Option<u64> {
        let b: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_be_bytes(b))
    };
    Some((word(4)?, word(12)?))
}

/// Identity and clock of an execution, for the `$$` context object.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecContext {
    /// `$$.Execution.Id`.
    pub execution_arn: String,
    /// `$$.Execution.Name`.
    pub execution_name: String,
    /// `$$.StateMachine.Id`.
    pub state_machine_arn: String,
    /// `$$.StateMachine.Name`.
    pub state_machine_name: String,
    /// `$$.Execution.StartTime`.
    pub start_time: DateTime<Utc>,
    /// Current virtual time (see [`Execution::set_now`]).
    pub now: DateTime<Utc>,
    /// Seed of the deterministic generator (MathRandom, UUID, jitter, request ids).
    pub seed: u64,
    /// The engine's number of the execution (0 unless set): carried in task tokens so that a callback finds
    /// its execution ([`parse_task_token`]).
    pub execution_number: u64,
}

impl ExecContext {
    /// Builds a context from a state machine ARN (`arn:aws:states:REGION:ACCT:stateMachine:NAME`) and an
    /// execution name; the execution ARN follows AWS's `...:execution:NAME:EXEC` form.
    pub fn new(
        state_machine_arn: &str,
        execution_name: &str,
        start_time: DateTime<Utc>,
        seed: u64,
    ) -> ExecContext {
        let state_machine_name = state_machine_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        let execution_arn = if state_machine_arn.contains(":stateMachine:") {
            format!(
                "{}:{execution_name}",
                state_machine_arn.replacen(":stateMachine:", ":execution:", 1)
            )
        } else {
            format!("{state_machine_arn}:{execution_name}")
        };
        ExecContext {
            execution_arn,
            execution_name: execution_name.to_string(),
            state_machine_arn: state_machine_arn.to_string(),
            state_machine_name,
            start_time,
            now: start_time,
            seed,
            execution_number: 0,
        }
    }
}

/// Something the engine must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Invoke a Lambda function synchronously (RequestResponse); answer with `task_succeeded(token, raw
    /// response)` or `task_failed(token, errorType, cause)`. Wrapping for `lambda:invoke` is done by the
    /// interpreter.
    InvokeLambda {
        /// Token to answer with.
        token: u64,
        /// Function name (no ARN, no qualifier).
        function: String,
        /// Event payload.
        payload: Value,
    },
    /// Call another service integration (`arn:aws:states:::SERVICE:API`), e.g. `sqs`/`sendMessage`,
    /// `sns`/`publish`, `events`/`putEvents`, `dynamodb`/`putItem`; answer with the API response or a failure.
    ServiceCall {
        /// Token to answer with.
        token: u64,
        /// Service, e.g. `sqs`.
        service: String,
        /// API, e.g. `sendMessage`.
        api: String,
        /// Resolved Parameters.
        parameters: Value,
    },
    /// Start a timer; answer with `timer_fired(token)` after `delay_ms` of virtual time.
    Timer {
        /// Token to answer with.
        token: u64,
        /// Delay in milliseconds.
        delay_ms: u64,
    },
    /// The execution ended (emitted once); see [`Execution::status`].
    Finished,
}

/// Status of an execution.
#[derive(Debug, Clone, PartialEq)]
pub enum ExecStatus {
    /// Still running.
    Running,
    /// Succeeded with this output.
    Succeeded(Value),
    /// Failed.
    Failed {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// Ran past its `TimeoutSeconds` or its workflow type's maximum duration (AWS: status `TIMED_OUT`).
    TimedOut {
        /// Error name (`States.Timeout`).
        error: String,
        /// Cause.
        cause: String,
    },
}

/// One history event.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// 1-based sequence number.
    pub id: u64,
    /// Virtual time.
    pub time: DateTime<Utc>,
    /// Where: `""` for the top level, `"Fan#1"` for branch 1 of Parallel `Fan`, `"Each[3]"` for item 3 of Map
    /// `Each`, nested with `/`.
    pub scope: String,
    /// What happened.
    pub kind: HistoryKind,
}

/// The path stages a state's input went through before it became the output, in order, as the console's
/// "Input and output processing" shows them: `InputPath` (the effective input), `Parameters`, `Result` (what the
/// task, Map or Parallel returned, or a Pass's `Result`), `ResultSelector`, `ResultPath` (the result merged into
/// the raw input; after a Catch, the error merged). `OutputPath`'s value is the state's output. A stage the state
/// does not have is left out.
pub type Stages = Vec<(&'static str, Value)>;

/// Kinds of history events.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryKind {
    /// The execution started.
    ExecutionStarted { input: Value },
    /// A state was entered with this raw input.
    StateEntered { name: String, input: Value },
    /// A state finished with this output; `stages` are the values its input went through on the way, in order
    /// (see [`Stages`]).
    StateExited {
        name: String,
        output: Value,
        stages: Stages,
    },
    /// A task action was emitted.
    TaskScheduled {
        name: String,
        token: u64,
        resource: String,
        parameters: Value,
    },
    /// A callback task's request was delivered (the integration's answer); the task waits for its token.
    TaskSubmitted {
        name: String,
        token: u64,
        output: Value,
    },
    /// A task result arrived (before ResultSelector/wrapping).
    TaskSucceeded {
        name: String,
        token: u64,
        output: Value,
    },
    /// A task failure arrived.
    TaskFailed {
        name: String,
        token: u64,
        error: String,
        cause: String,
    },
    /// A task exceeded TimeoutSeconds (or, for a callback task, HeartbeatSeconds without a heartbeat).
    TaskTimedOut { name: String, token: u64 },
    /// A Wait state started its timer.
    WaitStarted {
        name: String,
        token: u64,
        delay_ms: u64,
    },
    /// A Parallel/Map state started `count` branches/iterations.
    ChildrenStarted { name: String, count: usize },
    /// A state failed with this error (before retry/catch).
    StateFailed {
        name: String,
        error: String,
        cause: String,
    },
    /// A retry was scheduled after `delay_ms` (attempt is 1-based).
    RetryScheduled {
        name: String,
        error: String,
        attempt: u32,
        delay_ms: u64,
    },
    /// A catcher took the error.
    ErrorCaught {
        name: String,
        error: String,
        next: String,
    },
    /// The execution succeeded.
    ExecutionSucceeded { output: Value },
    /// The execution failed.
    ExecutionFailed { error: String, cause: String },
    /// The execution ran past its time limit.
    ExecutionTimedOut { error: String, cause: String },
}

#[derive(Debug, Clone)]
struct Group {
    children: Vec<Option<usize>>,
    results: Vec<Option<Value>>,
    inputs: Vec<Option<Value>>,
    done: usize,
    running: usize,
    next_item: usize,
    limit: usize,
}

#[derive(Debug, Clone)]
enum Wait {
    Nothing,
    Task {
        token: u64,
        timeout: Option<u64>,
        wrap: Option<String>,
        /// A `.waitForTaskToken` task's callback state.
        callback: Option<Callback>,
    },
    Timer(u64),
    Backoff(u64),
    Group(Group),
}

/// What a callback task waits for.
#[derive(Debug, Clone)]
struct Callback {
    /// The integration answered (the request was delivered).
    submitted: bool,
    /// `HeartbeatSeconds`, if any.
    heartbeat_s: Option<u64>,
    /// The running heartbeat timer.
    heartbeat_token: Option<u64>,
}

#[derive(Debug, Clone)]
struct Frame {
    machine: usize,
    scope: String,
    parent: Option<(usize, usize)>,
    state: usize,
    raw_input: Value,
    effective: Value,
    entered: DateTime<Utc>,
    retries: Vec<u32>,
    retry_total: u32,
    wait: Wait,
    dead: bool,
    /// The path stages of the current attempt at the current state (see [`Stages`]).
    stages: Stages,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Task,
    TaskTimeout,
    Heartbeat,
    WaitTimer,
    Backoff,
    ExecTimeout,
}

#[derive(Debug)]
enum Work {
    Enter {
        f: usize,
        state: usize,
        input: Value,
    },
    Execute {
        f: usize,
    },
    ChildDone {
        parent: usize,
        slot: usize,
        result: Result<Value, Failure>,
    },
}

/// One execution. See the module documentation for the protocol and semantics.
#[derive(Debug)]
pub struct Execution {
    def: Arc<Definition>,
    ctx: ExecContext,
    input: Value,
    rng: Rng,
    frames: Vec<Frame>,
    tokens: HashMap<u64, (usize, Tok)>,
    next_token: u64,
    queue: VecDeque<Work>,
    actions: Vec<Action>,
    history: Vec<HistoryEvent>,
    status: ExecStatus,
    finished: bool,
    /// The execution-level time limit, if any: the definition's `TimeoutSeconds` or the workflow type's maximum
    /// duration, whichever is shorter.
    time_limit: Option<TimeLimit>,
}

/// What ends an execution that runs too long.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TimeLimit {
    seconds: u64,
    /// The workflow type (`Express`) when its maximum duration, not the definition's `TimeoutSeconds`, is the limit.
    workflow: Option<&'static str>,
}

/// A workflow type's maximum execution duration (Express: 300 s), passed to
/// [`Execution::start_with_max_duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxDuration {
    /// The limit in seconds.
    pub seconds: u64,
    /// The workflow type's name, for the failure's cause (`Express`).
    pub workflow: &'static str,
}

impl TimeLimit {
    /// The earlier of the definition's `TimeoutSeconds` and the workflow type's maximum duration (the
    /// definition's wins a tie: its message is the one the author wrote the number for).
    fn of(timeout_seconds: Option<u64>, max_duration: Option<MaxDuration>) -> Option<TimeLimit> {
        let from_workflow = |m: MaxDuration| TimeLimit {
            seconds: m.seconds,
            workflow: Some(m.workflow),
        };
        match (timeout_seconds, max_duration) {
            (Some(t), Some(m)) if m.seconds < t => Some(from_workflow(m)),
            (Some(t), _) => Some(TimeLimit {
                seconds: t,
                workflow: None,
            }),
            (None, Some(m)) => Some(from_workflow(m)),
            (None, None) => None,
        }
    }

    fn cause(self) -> String {
        match self.workflow {
            Some(workflow) => format!(
                "the execution exceeded the {workflow} workflow maximum duration of {} seconds",
                self.seconds
            ),
            None => format!("the execution timed out after {} seconds", self.seconds),
        }
    }
}

/// A Task state's fields, as `execute_task` needs them.
struct TaskSpec<'a> {
    resource: &'a String,
    target: &'a TaskTarget,
    timeout: Option<&'a Secs>,
    heartbeat: Option<&'a Secs>,
    callback: bool,
    out: &'a Outcome,
}

/// A number of seconds of a Task (`TimeoutSeconds`, `HeartbeatSeconds`, or their `…Path`, named `path_field`).
fn resolve_secs(
    secs: Option<&Secs>,
    eff: &Value,
    ctx: &Value,
    path_field: &str,
) -> Result<Option<u64>, Failure> {
    match secs {
        None => Ok(None),
        Some(Secs::Lit(n)) => Ok(Some(*n)),
        Some(Secs::Path(p)) => p
            .select(eff, ctx)
            .ok()
            .and_then(|v| v.as_u64())
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                Failure::runtime(format!("{path_field} '{p}' must select a positive integer"))
            }),
    }
}

/// The context object of a callback task: `$$.Task.Token` added (the context is built only when the state uses
/// it, and stays `null` otherwise).
fn with_task_token(ctx: &Value, token_text: String) -> Value {
    let mut ctx = ctx.clone();
    if let Value::Object(m) = &mut ctx {
        m.insert("Task".into(), json!({ "Token": token_text }));
    }
    ctx
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn terminal_error(e: &str) -> bool {
    e == errors::RUNTIME || e == errors::DATA_LIMIT
}

/// Whether an `ErrorEquals` list matches an error name.
pub fn error_matches(list: &[String], error: &str) -> bool {
    list.iter().any(|e| {
        e == error
            || (e == errors::ALL && !terminal_error(error))
            || (e == errors::TASK_FAILED && error != errors::TIMEOUT && !terminal_error(error))
    })
}

fn rule_uses_context(r: &Rule) -> bool {
    match r {
        Rule::And(v) | Rule::Or(v) => v.iter().any(rule_uses_context),
        Rule::Not(r) => rule_uses_context(r),
        Rule::Cmp { var, operand, .. } => {
            var.context || matches!(operand, super::choice::Operand::Path(p) if p.context)
        }
        Rule::Matches { var, .. } | Rule::Is { var, .. } => var.context,
    }
}

fn state_uses_context(st: &StateDef) -> bool {
    if st.input_path.uses_context() || st.output_path.uses_context() {
        return true;
    }
    let t = |t: &Option<super::data::Template>| t.as_ref().is_some_and(|t| t.uses_context());
    match &st.kind {
        Kind::Pass { parameters, .. } => t(parameters),
        Kind::Task {
            out,
            timeout,
            heartbeat,
            ..
        } => {
            t(&out.parameters)
                || t(&out.result_selector)
                || matches!(timeout, Some(Secs::Path(p)) if p.context)
                || matches!(heartbeat, Some(Secs::Path(p)) if p.context)
        }
        Kind::Parallel { out, .. } => t(&out.parameters) || t(&out.result_selector),
        Kind::Map {
            out,
            item_selector,
            items_path,
            ..
        } => t(&out.result_selector) || item_selector.is_some() || items_path.uses_context(),
        Kind::Choice { choices, .. } => choices.iter().any(|(r, _)| rule_uses_context(r)),
        Kind::Fail {
            error_path,
            cause_path,
            ..
        } => {
            error_path.as_ref().is_some_and(|d| d.uses_context())
                || cause_path.as_ref().is_some_and(|d| d.uses_context())
        }
        Kind::Wait(w) => {
            matches!(w, WaitFor::SecondsPath(p) | WaitFor::TimestampPath(p) if p.context)
        }
        Kind::Succeed => false,
    }
}

impl Execution {
    /// Starts an execution with no limit but the definition's own `TimeoutSeconds`; returns it with the first
    /// actions.
    pub fn start(def: Arc<Definition>, input: Value, ctx: ExecContext) -> (Execution, Vec<Action>) {
        Execution::start_with_max_duration(def, input, ctx, None)
    }

    /// Starts an execution that also fails with `States.Timeout` once it has run for the workflow type's
    /// maximum duration (Express: 300 s); returns it with the first actions.
    pub fn start_with_max_duration(
        def: Arc<Definition>,
        input: Value,
        ctx: ExecContext,
        max_duration: Option<MaxDuration>,
    ) -> (Execution, Vec<Action>) {
        let rng = Rng::new(ctx.seed);
        let time_limit = TimeLimit::of(def.timeout_seconds, max_duration);
        let mut ex = Execution {
            def,
            ctx,
            input: input.clone(),
            rng,
            frames: Vec::new(),
            tokens: HashMap::new(),
            next_token: 1,
            queue: VecDeque::new(),
            actions: Vec::new(),
            history: Vec::new(),
            status: ExecStatus::Running,
            finished: false,
            time_limit,
        };
        ex.record(
            "",
            HistoryKind::ExecutionStarted {
                input: input.clone(),
            },
        );
        if ex.def.machines.is_empty() {
            ex.fail_execution(Failure::runtime("empty definition"));
            let actions = std::mem::take(&mut ex.actions);
            return (ex, actions);
        }
        if let Some(limit) = ex.time_limit {
            let token = ex.token(0, Tok::ExecTimeout);
            ex.actions.push(Action::Timer {
                token,
                delay_ms: limit.seconds.saturating_mul(1000),
            });
        }
        let start = ex.def.machines[0].start;
        ex.frames.push(Frame {
            machine: 0,
            scope: String::new(),
            parent: None,
            state: start,
            raw_input: Value::Null,
            effective: Value::Null,
            entered: ex.ctx.now,
            retries: Vec::new(),
            retry_total: 0,
            wait: Wait::Nothing,
            dead: false,
            stages: Vec::new(),
        });
        ex.queue.push_back(Work::Enter {
            f: 0,
            state: start,
            input,
        });
        let actions = ex.drive();
        (ex, actions)
    }

    /// Moves the virtual clock (call before each feed).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.ctx.now = now;
    }

    /// The context the execution runs with.
    pub fn context(&self) -> &ExecContext {
        &self.ctx
    }

    /// The definition.
    pub fn definition(&self) -> &Arc<Definition> {
        &self.def
    }

    /// Current status.
    pub fn status(&self) -> ExecStatus {
        self.status.clone()
    }

    /// History so far.
    pub fn history(&self) -> &[HistoryEvent] {
        &self.history
    }

    /// A task finished successfully with `output` (the raw Lambda response or API response). For a callback
    /// task this is the integration's answer: the request was delivered, and the task goes on waiting for
    /// [`Execution::callback_succeeded`] or [`Execution::callback_failed`].
    pub fn task_succeeded(&mut self, token: u64, output: Value) -> Vec<Action> {
        let Some(f) = self.open_task(token) else {
            return Vec::new();
        };
        if let Wait::Task {
            callback: Some(cb), ..
        } = &mut self.frames[f].wait
        {
            if std::mem::replace(&mut cb.submitted, true) {
                return Vec::new();
            }
            let name = self.state_name(f);
            self.record_f(
                f,
                HistoryKind::TaskSubmitted {
                    name,
                    token,
                    output,
                },
            );
            return self.drive();
        }
        let Some(wrap) = self.close_task(f) else {
            return Vec::new();
        };
        let name = self.state_name(f);
        self.record_f(
            f,
            HistoryKind::TaskSucceeded {
                name,
                token,
                output: output.clone(),
            },
        );
        let result = match wrap {
            Some(version) => self.wrap_lambda(output, &version),
            None => output,
        };
        self.complete(f, result);
        self.drive()
    }

    /// A task failed with an error name (e.g. the Lambda `errorType`) and a cause. For a callback task, only
    /// before its request was delivered (the integration failed); afterwards its failure comes through
    /// [`Execution::callback_failed`].
    pub fn task_failed(&mut self, token: u64, error: &str, cause: &str) -> Vec<Action> {
        let Some(f) = self.open_task(token) else {
            return Vec::new();
        };
        if let Wait::Task {
            callback: Some(cb), ..
        } = &self.frames[f].wait
            && cb.submitted
        {
            return Vec::new();
        }
        self.fail_task(f, token, error, cause)
    }

    /// Whether `token` names a callback task that still waits for its callback (the execution runs, the task
    /// has neither ended nor timed out).
    pub fn callback_open(&self, token: u64) -> bool {
        self.open_task(token).is_some_and(|f| {
            matches!(
                self.frames[f].wait,
                Wait::Task {
                    callback: Some(_),
                    ..
                }
            )
        })
    }

    /// The task token of callback task `token`, as `$$.Task.Token` gives it: 512 base64 characters carrying the
    /// execution's number and the task, the rest derived from the execution's seed (opaque, deterministic).
    pub fn task_token_text(&self, token: u64) -> String {
        let mut bytes = Vec::with_capacity(TASK_TOKEN_BYTES);
        bytes.extend_from_slice(TASK_TOKEN_MAGIC);
        bytes.extend_from_slice(&self.ctx.execution_number.to_be_bytes());
        bytes.extend_from_slice(&token.to_be_bytes());
        let mut filler = Rng::new(self.ctx.seed ^ token.rotate_left(32));
        while bytes.len() < TASK_TOKEN_BYTES {
            bytes.extend_from_slice(&filler.next_u64().to_be_bytes());
        }
        bytes.truncate(TASK_TOKEN_BYTES);
        super::intrinsics::base64_encode(&bytes)
    }

    /// `SendTaskSuccess` for callback task `token`: the task ends with `output` as its result (ResultSelector,
    /// ResultPath and OutputPath apply). Ignored unless [`Execution::callback_open`].
    pub fn callback_succeeded(&mut self, token: u64, output: Value) -> Vec<Action> {
        if !self.callback_open(token) {
            return Vec::new();
        }
        let Some(f) = self.open_task(token) else {
            return Vec::new();
        };
        if self.close_task(f).is_none() {
            return Vec::new();
        }
        let name = self.state_name(f);
        self.record_f(
            f,
            HistoryKind::TaskSucceeded {
                name,
                token,
                output: output.clone(),
            },
        );
        self.complete(f, output);
        self.drive()
    }

    /// `SendTaskFailure` for callback task `token`: the task fails with `error` and `cause` (Retry and Catch
    /// apply). Ignored unless [`Execution::callback_open`].
    pub fn callback_failed(&mut self, token: u64, error: &str, cause: &str) -> Vec<Action> {
        if !self.callback_open(token) {
            return Vec::new();
        }
        let Some(f) = self.open_task(token) else {
            return Vec::new();
        };
        self.fail_task(f, token, error, cause)
    }

    /// `SendTaskHeartbeat` for callback task `token`: restarts its `HeartbeatSeconds` timer (no history event,
    /// as on AWS). Ignored unless [`Execution::callback_open`].
    pub fn callback_heartbeat(&mut self, token: u64) -> Vec<Action> {
        let Some(f) = self.open_task(token).filter(|_| self.callback_open(token)) else {
            return Vec::new();
        };
        let (old, heartbeat_s) = match &self.frames[f].wait {
            Wait::Task {
                callback: Some(cb), ..
            } => (cb.heartbeat_token, cb.heartbeat_s),
            _ => return Vec::new(),
        };
        let Some(seconds) = heartbeat_s else {
            return Vec::new();
        };
        if let Some(old) = old {
            self.tokens.remove(&old);
        }
        let fresh = self.token(f, Tok::Heartbeat);
        self.actions.push(Action::Timer {
            token: fresh,
            delay_ms: seconds.saturating_mul(1000),
        });
        if let Wait::Task {
            callback: Some(cb), ..
        } = &mut self.frames[f].wait
        {
            cb.heartbeat_token = Some(fresh);
        }
        self.drive()
    }

    /// A timer (Wait state, retry backoff, task or execution timeout) fired.
    pub fn timer_fired(&mut self, token: u64) -> Vec<Action> {
        if self.finished {
            return Vec::new();
        }
        let Some((f, kind)) = self.tokens.remove(&token) else {
            return Vec::new();
        };
        if kind == Tok::ExecTimeout {
            let cause = self.time_limit.map(TimeLimit::cause).unwrap_or_default();
            self.end_failed(Failure::new(errors::TIMEOUT, cause), true);
            return self.drive();
        }
        if self.frames.get(f).is_none_or(|fr| fr.dead) {
            return Vec::new();
        }
        match (kind, &self.frames[f].wait) {
            (
                Tok::TaskTimeout,
                Wait::Task {
                    token: task,
                    timeout: Some(t),
                    ..
                },
            ) if *t == token => {
                let task = *task;
                self.task_timed_out(f, task, errors::TIMEOUT, |name| {
                    format!("the task '{name}' timed out")
                });
            }
            (
                Tok::Heartbeat,
                Wait::Task {
                    token: task,
                    callback:
                        Some(Callback {
                            heartbeat_token: Some(h),
                            heartbeat_s,
                            ..
                        }),
                    ..
                },
            ) if *h == token => {
                let (task, seconds) = (*task, heartbeat_s.unwrap_or_default());
                self.task_timed_out(f, task, errors::HEARTBEAT_TIMEOUT, |name| {
                    format!("the task '{name}' sent no heartbeat for {seconds} seconds")
                });
            }
            (Tok::WaitTimer, Wait::Timer(t)) if *t == token => {
                self.frames[f].wait = Wait::Nothing;
                let def = Arc::clone(&self.def);
                let st = &def.machines[self.frames[f].machine].states[self.frames[f].state];
                let ctx = self.ctx_value(f, st, None);
                match st
                    .output_path
                    .apply(&self.frames[f].effective, &ctx, "OutputPath")
                {
                    Ok(out) => self.exit(f, out),
                    Err(e) => self.state_error(f, e),
                }
            }
            (Tok::Backoff, Wait::Backoff(t)) if *t == token => {
                self.frames[f].wait = Wait::Nothing;
                self.queue.push_back(Work::Execute { f });
            }
            _ => return Vec::new(),
        }
        self.drive()
    }

    // ----- internals -----

    /// The frame whose running task is `token`, if the execution runs and the task still waits.
    fn open_task(&self, token: u64) -> Option<usize> {
        if self.finished {
            return None;
        }
        let (f, kind) = *self.tokens.get(&token)?;
        if kind != Tok::Task {
            return None;
        }
        let fr = self.frames.get(f)?;
        match fr.wait {
            Wait::Task { token: t, .. } if t == token && !fr.dead => Some(f),
            _ => None,
        }
    }

    /// A task of frame `f` ran out of time (its `TimeoutSeconds`, or its `HeartbeatSeconds` without a heartbeat):
    /// closes it, records `TaskTimedOut` and fails the state with `error` and the cause `cause(state name)`.
    fn task_timed_out(
        &mut self,
        f: usize,
        task: u64,
        error: &str,
        cause: impl FnOnce(&str) -> String,
    ) {
        self.close_task(f);
        let name = self.state_name(f);
        let cause = cause(&name);
        self.record_f(f, HistoryKind::TaskTimedOut { name, token: task });
        self.state_error(f, Failure::new(error, cause));
    }

    /// Ends frame `f`'s wait for its task: its task, timeout and heartbeat tokens are forgotten. Returns the
    /// Lambda wrapping of the task (`None` when the frame was not waiting for a task).
    fn close_task(&mut self, f: usize) -> Option<Option<String>> {
        let Wait::Task {
            token,
            timeout,
            wrap,
            callback,
        } = std::mem::replace(&mut self.frames[f].wait, Wait::Nothing)
        else {
            return None;
        };
        self.tokens.remove(&token);
        if let Some(t) = timeout {
            self.tokens.remove(&t);
        }
        if let Some(h) = callback.and_then(|cb| cb.heartbeat_token) {
            self.tokens.remove(&h);
        }
        Some(wrap)
    }

    /// Task `token` of frame `f` failed: recorded, then Retry/Catch.
    fn fail_task(&mut self, f: usize, token: u64, error: &str, cause: &str) -> Vec<Action> {
        self.close_task(f);
        let name = self.state_name(f);
        self.record_f(
            f,
            HistoryKind::TaskFailed {
                name,
                token,
                error: error.into(),
                cause: cause.into(),
            },
        );
        self.state_error(f, Failure::new(error, cause));
        self.drive()
    }

    fn token(&mut self, f: usize, kind: Tok) -> u64 {
        let t = self.next_token;
        self.next_token += 1;
        self.tokens.insert(t, (f, kind));
        t
    }

    fn record(&mut self, scope: &str, kind: HistoryKind) {
        let id = self.history.len() as u64 + 1;
        self.history.push(HistoryEvent {
            id,
            time: self.ctx.now,
            scope: scope.to_string(),
            kind,
        });
    }

    fn record_f(&mut self, f: usize, kind: HistoryKind) {
        let scope = self.frames[f].scope.clone();
        self.record(&scope, kind);
    }

    fn state_name(&self, f: usize) -> String {
        let fr = &self.frames[f];
        self.def.machines[fr.machine].states[fr.state].name.clone()
    }

    fn ctx_value(&self, f: usize, st: &StateDef, item: Option<(usize, &Value)>) -> Value {
        if !state_uses_context(st) {
            return Value::Null;
        }
        let fr = &self.frames[f];
        let mut c = json!({
            "Execution": {
                "Id": self.ctx.execution_arn,
                "Input": self.input,
                "Name": self.ctx.execution_name,
                "StartTime": iso(self.ctx.start_time),
                "RedriveCount": 0,
            },
            "State": { "EnteredTime": iso(fr.entered), "Name": st.name, "RetryCount": fr.retry_total },
            "StateMachine": { "Id": self.ctx.state_machine_arn, "Name": self.ctx.state_machine_name },
        });
        if let (Some((i, v)), Value::Object(m)) = (item, &mut c) {
            m.insert("Map".into(), json!({ "Item": { "Index": i, "Value": v } }));
        }
        c
    }

    fn drive(&mut self) -> Vec<Action> {
        while let Some(w) = self.queue.pop_front() {
            if self.finished {
                self.queue.clear();
                break;
            }
            match w {
                Work::Enter { f, state, input } => {
                    if self.frames[f].dead {
                        continue;
                    }
                    if self.history.len() >= MAX_HISTORY_EVENTS {
                        self.fail_execution(Failure::runtime(format!(
                            "the execution history exceeded {MAX_HISTORY_EVENTS} events"
                        )));
                        continue;
                    }
                    let n_retriers = self.def.machines[self.frames[f].machine].states[state]
                        .kind
                        .outcome()
                        .map_or(0, |out| out.retry.len());
                    let now = self.ctx.now;
                    let fr = &mut self.frames[f];
                    fr.state = state;
                    fr.raw_input = input.clone();
                    fr.effective = Value::Null;
                    fr.entered = now;
                    fr.retries = vec![0; n_retriers];
                    fr.retry_total = 0;
                    fr.wait = Wait::Nothing;
                    let name = self.state_name(f);
                    self.record_f(f, HistoryKind::StateEntered { name, input });
                    self.execute(f);
                }
                Work::Execute { f } => {
                    if !self.frames[f].dead {
                        self.execute(f);
                    }
                }
                Work::ChildDone {
                    parent,
                    slot,
                    result,
                } => self.child_done(parent, slot, result),
            }
        }
        std::mem::take(&mut self.actions)
    }

    fn execute(&mut self, f: usize) {
        if let Err(e) = self.try_execute(f) {
            self.state_error(f, e);
        }
    }

    /// Runs the state frame `f` is in, on its raw input: one method per state type.
    fn try_execute(&mut self, f: usize) -> Result<(), Failure> {
        let def = Arc::clone(&self.def);
        let st = &def.machines[self.frames[f].machine].states[self.frames[f].state];
        let ctx = self.ctx_value(f, st, None);
        let raw = self.frames[f].raw_input.clone();
        let eff = st.input_path.apply(&raw, &ctx, "InputPath")?;
        self.frames[f].stages = vec![("InputPath", eff.clone())];
        match &st.kind {
            Kind::Pass {
                parameters,
                result,
                result_path,
            } => {
                let r = match (result, parameters) {
                    (Some(r), _) => r.clone(),
                    (None, Some(p)) => p.eval(&eff, &ctx, &mut self.rng)?,
                    (None, None) => eff,
                };
                match (result, parameters) {
                    (Some(_), _) => self.frames[f].stages.push(("Result", r.clone())),
                    (None, Some(_)) => self.frames[f].stages.push(("Parameters", r.clone())),
                    (None, None) => {}
                }
                let merged = result_path.apply(&raw, r)?;
                self.frames[f].stages.push(("ResultPath", merged.clone()));
                let out = st.output_path.apply(&merged, &ctx, "OutputPath")?;
                self.exit(f, out);
            }
            Kind::Task {
                resource,
                target,
                timeout,
                heartbeat,
                callback,
                out,
            } => {
                let task = TaskSpec {
                    resource,
                    target,
                    timeout: timeout.as_ref(),
                    heartbeat: heartbeat.as_ref(),
                    callback: *callback,
                    out,
                };
                self.execute_task(f, st, &ctx, eff, task)?
            }
            Kind::Choice { choices, default } => {
                self.execute_choice(f, st, &ctx, eff, choices, *default)?
            }
            Kind::Wait(w) => self.execute_wait(f, st, &ctx, eff, w)?,
            Kind::Succeed => {
                let out = st.output_path.apply(&eff, &ctx, "OutputPath")?;
                self.exit(f, out);
            }
            Kind::Fail {
                error,
                error_path,
                cause,
                cause_path,
            } => {
                let e = match (error, error_path) {
                    (Some(e), _) => e.clone(),
                    (None, Some(d)) => d.eval_string(&raw, &ctx, &mut self.rng, "ErrorPath")?,
                    (None, None) => String::new(),
                };
                let c = match (cause, cause_path) {
                    (Some(c), _) => c.clone(),
                    (None, Some(d)) => d.eval_string(&raw, &ctx, &mut self.rng, "CausePath")?,
                    (None, None) => String::new(),
                };
                return Err(Failure::new(e, c));
            }
            Kind::Parallel { branches, out } => {
                self.execute_parallel(f, st, &ctx, eff, branches, out)?
            }
            Kind::Map {
                processor,
                items_path,
                item_selector,
                max_concurrency,
                ..
            } => self.execute_map(
                f,
                st,
                &ctx,
                eff,
                *processor,
                (items_path, item_selector.as_ref(), max_concurrency),
            )?,
        }
        Ok(())
    }

    /// A Task state: asks the engine for the invocation or service call (and a timer for its timeout) and waits.
    /// A callback task's token is allocated first, for `$$.Task.Token` in its Parameters.
    fn execute_task(
        &mut self,
        f: usize,
        st: &StateDef,
        ctx: &Value,
        eff: Value,
        task: TaskSpec<'_>,
    ) -> Result<(), Failure> {
        let callback_token = task.callback.then(|| self.token(f, Tok::Task));
        let task_ctx;
        let ctx = match callback_token {
            Some(t) => {
                task_ctx = with_task_token(ctx, self.task_token_text(t));
                &task_ctx
            }
            None => ctx,
        };
        let prepared = self.prepare_task(f, ctx, &eff, &task);
        let (params, timeout_s, heartbeat_s) = match prepared {
            Ok(p) => p,
            Err(e) => {
                if let Some(t) = callback_token {
                    self.tokens.remove(&t);
                }
                return Err(e);
            }
        };
        let TaskSpec {
            resource,
            target,
            out: _,
            ..
        } = task;
        let token = match callback_token {
            Some(t) => t,
            None => self.token(f, Tok::Task),
        };
        let (action, wrap) = match target {
            TaskTarget::LambdaArn { function, .. } => (
                Action::InvokeLambda {
                    token,
                    function: function.clone(),
                    payload: params.clone(),
                },
                None,
            ),
            TaskTarget::LambdaInvoke => {
                let Some(fname) = params.get("FunctionName").and_then(Value::as_str) else {
                    self.tokens.remove(&token);
                    return Err(Failure::runtime(
                        "lambda:invoke: Parameters.FunctionName must be a string",
                    ));
                };
                let (function, qual) = lambda_name(fname);
                let version = match qual {
                    Some(q) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => q,
                    _ => "$LATEST".to_string(),
                };
                let payload = params
                    .get("Payload")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new()));
                (
                    Action::InvokeLambda {
                        token,
                        function,
                        payload,
                    },
                    Some(version),
                )
            }
            TaskTarget::Service { service, api } => (
                Action::ServiceCall {
                    token,
                    service: service.clone(),
                    api: api.clone(),
                    parameters: params.clone(),
                },
                None,
            ),
        };
        self.actions.push(action);
        let timeout_token = timeout_s.map(|s| {
            let t = self.token(f, Tok::TaskTimeout);
            self.actions.push(Action::Timer {
                token: t,
                delay_ms: s.saturating_mul(1000),
            });
            t
        });
        let callback = callback_token.map(|_| {
            let heartbeat_token = heartbeat_s.map(|s| {
                let t = self.token(f, Tok::Heartbeat);
                self.actions.push(Action::Timer {
                    token: t,
                    delay_ms: s.saturating_mul(1000),
                });
                t
            });
            Callback {
                submitted: false,
                heartbeat_s,
                heartbeat_token,
            }
        });
        self.frames[f].effective = params.clone();
        self.frames[f].wait = Wait::Task {
            token,
            timeout: timeout_token,
            wrap,
            callback,
        };
        self.record_f(
            f,
            HistoryKind::TaskScheduled {
                name: st.name.clone(),
                token,
                resource: resource.clone(),
                parameters: params,
            },
        );
        Ok(())
    }

    /// A task's Parameters (recorded as a stage), `TimeoutSeconds`, and `HeartbeatSeconds` (a callback task's
    /// only), resolved on the effective input.
    fn prepare_task(
        &mut self,
        f: usize,
        ctx: &Value,
        eff: &Value,
        task: &TaskSpec<'_>,
    ) -> Result<(Value, Option<u64>, Option<u64>), Failure> {
        let params = match &task.out.parameters {
            Some(t) => t.eval(eff, ctx, &mut self.rng)?,
            None => eff.clone(),
        };
        if task.out.parameters.is_some() {
            self.frames[f].stages.push(("Parameters", params.clone()));
        }
        let timeout_s = resolve_secs(task.timeout, eff, ctx, "TimeoutSecondsPath")?;
        let heartbeat_s = match task.callback {
            true => resolve_secs(task.heartbeat, eff, ctx, "HeartbeatSecondsPath")?,
            false => None,
        };
        Ok((params, timeout_s, heartbeat_s))
    }

    /// A Choice state: the first rule that matches (or the default) names the next state.
    fn execute_choice(
        &mut self,
        f: usize,
        st: &StateDef,
        ctx: &Value,
        eff: Value,
        choices: &[(Rule, usize)],
        default: Option<usize>,
    ) -> Result<(), Failure> {
        let mut target = None;
        for (rule, next) in choices {
            if rule.eval(&eff, ctx)? {
                target = Some(*next);
                break;
            }
        }
        let Some(next) = target.or(default) else {
            return Err(Failure::new(
                errors::NO_CHOICE,
                format!("no choice rule matched in state '{}'", st.name),
            ));
        };
        let out = st.output_path.apply(&eff, ctx, "OutputPath")?;
        let stages = std::mem::take(&mut self.frames[f].stages);
        self.record_f(
            f,
            HistoryKind::StateExited {
                name: st.name.clone(),
                output: out.clone(),
                stages,
            },
        );
        self.queue.push_back(Work::Enter {
            f,
            state: next,
            input: out,
        });
        Ok(())
    }

    /// A Wait state: a timer for the delay its field gives.
    fn execute_wait(
        &mut self,
        f: usize,
        st: &StateDef,
        ctx: &Value,
        eff: Value,
        w: &WaitFor,
    ) -> Result<(), Failure> {
        let delay_ms = self.wait_delay_ms(w, &eff, ctx)?;
        let token = self.token(f, Tok::WaitTimer);
        self.actions.push(Action::Timer { token, delay_ms });
        self.frames[f].effective = eff;
        self.frames[f].wait = Wait::Timer(token);
        self.record_f(
            f,
            HistoryKind::WaitStarted {
                name: st.name.clone(),
                token,
                delay_ms,
            },
        );
        Ok(())
    }

    /// How long a Wait state waits, in ms (a timestamp in the past: 0).
    fn wait_delay_ms(&self, w: &WaitFor, eff: &Value, ctx: &Value) -> Result<u64, Failure> {
        Ok(match w {
            WaitFor::Seconds(n) => n.saturating_mul(1000),
            WaitFor::SecondsPath(p) => {
                let v = p
                    .select(eff, ctx)
                    .map_err(|m| Failure::runtime(format!("SecondsPath: {m}")))?;
                let n = v
                    .as_u64()
                    .or_else(|| {
                        v.as_f64()
                            .filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1e15)
                            .map(|x| x as u64)
                    })
                    .ok_or_else(|| {
                        Failure::runtime(format!(
                            "SecondsPath '{p}' must select a non-negative integer"
                        ))
                    })?;
                n.saturating_mul(1000)
            }
            WaitFor::Timestamp(t) => (*t - self.ctx.now).num_milliseconds().max(0) as u64,
            WaitFor::TimestampPath(p) => {
                let v = p
                    .select(eff, ctx)
                    .map_err(|m| Failure::runtime(format!("TimestampPath: {m}")))?;
                let t = v
                    .as_str()
                    .and_then(super::choice::parse_ts)
                    .ok_or_else(|| {
                        Failure::runtime(format!(
                            "TimestampPath '{p}' must select an RFC 3339 timestamp"
                        ))
                    })?;
                (t - self.ctx.now).num_milliseconds().max(0) as u64
            }
        })
    }

    /// A Parallel state: one child per branch, all on the same input.
    fn execute_parallel(
        &mut self,
        f: usize,
        st: &StateDef,
        ctx: &Value,
        eff: Value,
        branches: &[usize],
        out: &Outcome,
    ) -> Result<(), Failure> {
        let params = match &out.parameters {
            Some(t) => t.eval(&eff, ctx, &mut self.rng)?,
            None => eff.clone(),
        };
        if out.parameters.is_some() {
            self.frames[f].stages.push(("Parameters", params.clone()));
        }
        let n = branches.len();
        let mut group = Group {
            children: vec![None; n],
            results: vec![None; n],
            inputs: Vec::new(),
            done: 0,
            running: 0,
            next_item: n,
            limit: usize::MAX,
        };
        let scope = self.child_scope(f, &format!("{}#", st.name));
        for (i, b) in branches.iter().enumerate() {
            let c = self.spawn(f, i, *b, format!("{scope}{i}"), params.clone());
            group.children[i] = Some(c);
            group.running += 1;
        }
        self.frames[f].effective = params;
        self.frames[f].wait = Wait::Group(group);
        self.record_f(
            f,
            HistoryKind::ChildrenStarted {
                name: st.name.clone(),
                count: n,
            },
        );
        Ok(())
    }

    /// A Map state: one item input per element of the selected array, started up to the concurrency limit.
    fn execute_map(
        &mut self,
        f: usize,
        st: &StateDef,
        ctx: &Value,
        eff: Value,
        processor: usize,
        (items_path, item_selector, max_concurrency): (&IoPath, Option<&Template>, &Secs),
    ) -> Result<(), Failure> {
        let items = items_path.apply(&eff, ctx, "ItemsPath")?;
        let Value::Array(items) = items else {
            return Err(Failure::runtime(format!(
                "ItemsPath of state '{}' must select an array",
                st.name
            )));
        };
        if self.history.len() + items.len() >= MAX_HISTORY_EVENTS {
            return Err(Failure::runtime(format!(
                "the Map state '{}' has {} items: the execution history would exceed {MAX_HISTORY_EVENTS} events",
                st.name,
                items.len()
            )));
        }
        let limit = match max_concurrency {
            Secs::Lit(n) => *n,
            Secs::Path(p) => p
                .select(&eff, ctx)
                .ok()
                .and_then(|v| v.as_u64())
                .ok_or_else(|| {
                    Failure::runtime(format!(
                        "MaxConcurrencyPath '{p}' must select a non-negative integer"
                    ))
                })?,
        };
        let limit = if limit == 0 {
            usize::MAX
        } else {
            usize::try_from(limit).unwrap_or(usize::MAX)
        };
        let mut inputs = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            inputs.push(Some(match item_selector {
                Some(t) => {
                    let ictx = self.ctx_value(f, st, Some((i, item)));
                    t.eval(&eff, &ictx, &mut self.rng)?
                }
                None => item.clone(),
            }));
        }
        let n = items.len();
        self.frames[f].effective = eff;
        if n == 0 {
            self.complete(f, Value::Array(Vec::new()));
            return Ok(());
        }
        let group = Group {
            children: vec![None; n],
            results: vec![None; n],
            inputs,
            done: 0,
            running: 0,
            next_item: 0,
            limit,
        };
        self.frames[f].wait = Wait::Group(group);
        self.record_f(
            f,
            HistoryKind::ChildrenStarted {
                name: st.name.clone(),
                count: n,
            },
        );
        self.start_items(f, processor, &st.name);
        Ok(())
    }

    fn child_scope(&self, f: usize, suffix: &str) -> String {
        let s = &self.frames[f].scope;
        if s.is_empty() {
            suffix.to_string()
        } else {
            format!("{s}/{suffix}")
        }
    }

    fn spawn(
        &mut self,
        parent: usize,
        slot: usize,
        machine: usize,
        scope: String,
        input: Value,
    ) -> usize {
        let start = self.def.machines[machine].start;
        let id = self.frames.len();
        self.frames.push(Frame {
            machine,
            scope,
            parent: Some((parent, slot)),
            state: start,
            raw_input: Value::Null,
            effective: Value::Null,
            entered: self.ctx.now,
            retries: Vec::new(),
            retry_total: 0,
            wait: Wait::Nothing,
            dead: false,
            stages: Vec::new(),
        });
        self.queue.push_back(Work::Enter {
            f: id,
            state: start,
            input,
        });
        id
    }

    /// Starts Map iterations up to the concurrency limit.
    fn start_items(&mut self, f: usize, processor: usize, name: &str) {
        loop {
            let (slot, input) = {
                let Wait::Group(g) = &mut self.frames[f].wait else {
                    return;
                };
                if g.running >= g.limit || g.next_item >= g.inputs.len() {
                    return;
                }
                let slot = g.next_item;
                g.next_item += 1;
                g.running += 1;
                (slot, g.inputs[slot].take().unwrap_or(Value::Null))
            };
            let scope = self.child_scope(f, &format!("{name}[{slot}]"));
            let c = self.spawn(f, slot, processor, scope, input);
            if let Wait::Group(g) = &mut self.frames[f].wait {
                g.children[slot] = Some(c);
            }
        }
    }

    fn child_done(&mut self, parent: usize, slot: usize, result: Result<Value, Failure>) {
        if self.frames[parent].dead {
            return;
        }
        match result {
            Ok(v) => {
                let all = {
                    let Wait::Group(g) = &mut self.frames[parent].wait else {
                        return;
                    };
                    if slot >= g.results.len() || g.results[slot].is_some() {
                        return;
                    }
                    g.results[slot] = Some(v);
                    g.done += 1;
                    g.running = g.running.saturating_sub(1);
                    if g.done == g.results.len() {
                        Some(
                            g.results
                                .iter_mut()
                                .map(|r| r.take().unwrap_or(Value::Null))
                                .collect::<Vec<_>>(),
                        )
                    } else {
                        None
                    }
                };
                match all {
                    Some(results) => {
                        self.frames[parent].wait = Wait::Nothing;
                        self.complete(parent, Value::Array(results));
                    }
                    None => {
                        let def = Arc::clone(&self.def);
                        let st = &def.machines[self.frames[parent].machine].states
                            [self.frames[parent].state];
                        if let Kind::Map { processor, .. } = &st.kind {
                            self.start_items(parent, *processor, &st.name);
                        }
                    }
                }
            }
            Err(e) => {
                if !matches!(self.frames[parent].wait, Wait::Group(_)) {
                    return;
                }
                self.cancel_children(parent);
                self.frames[parent].wait = Wait::Nothing;
                self.state_error(parent, e);
            }
        }
    }

    fn cancel_children(&mut self, f: usize) {
        let children: Vec<usize> = match &self.frames[f].wait {
            Wait::Group(g) => g.children.iter().flatten().copied().collect(),
            _ => Vec::new(),
        };
        for c in children {
            self.cancel(c);
        }
    }

    fn cancel(&mut self, f: usize) {
        if self.frames[f].dead {
            return;
        }
        self.cancel_children(f);
        let fr = &mut self.frames[f];
        fr.dead = true;
        if matches!(fr.wait, Wait::Task { .. }) {
            self.close_task(f);
            return;
        }
        match std::mem::replace(&mut fr.wait, Wait::Nothing) {
            Wait::Timer(t) | Wait::Backoff(t) => {
                self.tokens.remove(&t);
            }
            _ => {}
        }
    }

    /// Applies ResultSelector, ResultPath and OutputPath to a result and leaves the state.
    fn complete(&mut self, f: usize, result: Value) {
        let def = Arc::clone(&self.def);
        let st = &def.machines[self.frames[f].machine].states[self.frames[f].state];
        let Some(out) = st.kind.outcome() else {
            self.exit(f, result);
            return;
        };
        let ctx = self.ctx_value(f, st, None);
        self.frames[f].stages.push(("Result", result.clone()));
        let r = match &out.result_selector {
            Some(t) => t.eval(&result, &ctx, &mut self.rng).inspect(|r| {
                self.frames[f].stages.push(("ResultSelector", r.clone()));
            }),
            None => Ok(result),
        };
        let raw = self.frames[f].raw_input.clone();
        let r = r
            .and_then(|r| out.result_path.apply(&raw, r))
            .inspect(|merged| self.frames[f].stages.push(("ResultPath", merged.clone())))
            .and_then(|merged| st.output_path.apply(&merged, &ctx, "OutputPath"));
        match r {
            Ok(v) => self.exit(f, v),
            Err(e) => self.state_error(f, e),
        }
    }

    /// Leaves the current state with `output`.
    fn exit(&mut self, f: usize, output: Value) {
        let def = Arc::clone(&self.def);
        let st = &def.machines[self.frames[f].machine].states[self.frames[f].state];
        let stages = std::mem::take(&mut self.frames[f].stages);
        self.record_f(
            f,
            HistoryKind::StateExited {
                name: st.name.clone(),
                output: output.clone(),
                stages,
            },
        );
        match st.next {
            Some(n) => self.queue.push_back(Work::Enter {
                f,
                state: n,
                input: output,
            }),
            None => self.frame_finished(f, Ok(output)),
        }
    }

    /// Handles an error of the current state: retry, catch, or fail the frame.
    fn state_error(&mut self, f: usize, e: Failure) {
        if self.frames[f].dead || self.finished {
            return;
        }
        let def = Arc::clone(&self.def);
        let st = &def.machines[self.frames[f].machine].states[self.frames[f].state];
        self.record_f(
            f,
            HistoryKind::StateFailed {
                name: st.name.clone(),
                error: e.error.clone(),
                cause: e.cause.clone(),
            },
        );
        let out = st.kind.outcome().filter(|_| !terminal_error(&e.error));
        if let Some(out) = out {
            if let Some(i) = out
                .retry
                .iter()
                .position(|r| error_matches(&r.errors, &e.error))
            {
                let r = &out.retry[i];
                let done = self.frames[f].retries.get(i).copied().unwrap_or(u32::MAX);
                if done < r.max_attempts {
                    let attempt = done + 1;
                    if let Some(c) = self.frames[f].retries.get_mut(i) {
                        *c = attempt;
                    }
                    self.frames[f].retry_total = self.frames[f].retry_total.saturating_add(1);
                    let exp = i32::try_from(attempt - 1).unwrap_or(i32::MAX);
                    let mut secs = r.interval * r.backoff.powi(exp);
                    if let Some(m) = r.max_delay {
                        secs = secs.min(m);
                    }
                    if !secs.is_finite() {
                        secs = 99_999_999.0;
                    }
                    if r.jitter_full {
                        secs *= self.rng.next_f64();
                    }
                    let delay_ms = (secs * 1000.0).round().clamp(0.0, 1e15) as u64;
                    let token = self.token(f, Tok::Backoff);
                    self.actions.push(Action::Timer { token, delay_ms });
                    self.frames[f].wait = Wait::Backoff(token);
                    self.record_f(
                        f,
                        HistoryKind::RetryScheduled {
                            name: st.name.clone(),
                            error: e.error.clone(),
                            attempt,
                            delay_ms,
                        },
                    );
                    return;
                }
            }
            if let Some(c) = out
                .catch
                .iter()
                .find(|c| error_matches(&c.errors, &e.error))
            {
                let obj = json!({ "Error": e.error, "Cause": e.cause });
                match c.result_path.apply(&self.frames[f].raw_input, obj) {
                    Ok(v) => {
                        let next_name = def.machines[self.frames[f].machine].states[c.next]
                            .name
                            .clone();
                        self.record_f(
                            f,
                            HistoryKind::ErrorCaught {
                                name: st.name.clone(),
                                error: e.error.clone(),
                                next: next_name,
                            },
                        );
                        let mut stages = std::mem::take(&mut self.frames[f].stages);
                        stages.push(("ResultPath", v.clone()));
                        self.record_f(
                            f,
                            HistoryKind::StateExited {
                                name: st.name.clone(),
                                output: v.clone(),
                                stages,
                            },
                        );
                        self.queue.push_back(Work::Enter {
                            f,
                            state: c.next,
                            input: v,
                        });
                    }
                    Err(e2) => self.frame_finished(f, Err(e2)),
                }
                return;
            }
        }
        self.frame_finished(f, Err(e));
    }

    fn frame_finished(&mut self, f: usize, result: Result<Value, Failure>) {
        let fr = &mut self.frames[f];
        if fr.dead {
            return;
        }
        fr.dead = true;
        fr.wait = Wait::Nothing;
        match fr.parent {
            Some((parent, slot)) => self.queue.push_back(Work::ChildDone {
                parent,
                slot,
                result,
            }),
            None => match result {
                Ok(v) => {
                    self.record("", HistoryKind::ExecutionSucceeded { output: v.clone() });
                    self.status = ExecStatus::Succeeded(v);
                    self.finish();
                }
                Err(e) => self.fail_execution(e),
            },
        }
    }

    fn fail_execution(&mut self, e: Failure) {
        self.end_failed(e, false);
    }

    /// Ends the execution with an error: `TimedOut` when it ran past its time limit, `Failed` otherwise.
    fn end_failed(&mut self, e: Failure, timed_out: bool) {
        if self.finished {
            return;
        }
        if !self.frames.is_empty() {
            self.cancel(0);
        }
        let (error, cause) = (e.error, e.cause);
        if timed_out {
            self.record(
                "",
                HistoryKind::ExecutionTimedOut {
                    error: error.clone(),
                    cause: cause.clone(),
                },
            );
            self.status = ExecStatus::TimedOut { error, cause };
        } else {
            self.record(
                "",
                HistoryKind::ExecutionFailed {
                    error: error.clone(),
                    cause: cause.clone(),
                },
            );
            self.status = ExecStatus::Failed { error, cause };
        }
        self.finish();
    }

    fn finish(&mut self) {
        self.finished = true;
        self.queue.clear();
        self.tokens.clear();
        self.actions.push(Action::Finished);
    }

    fn wrap_lambda(&mut self, payload: Value, version: &str) -> Value {
        let b = self.rng.next_u64().to_be_bytes();
        let c = self.rng.next_u64().to_be_bytes();
        let h: String = b
            .iter()
            .chain(c.iter())
            .map(|x| format!("{x:02x}"))
            .collect();
        let rid = format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        );
        let date = self.ctx.now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let len = payload.to_string().len().to_string();
        json!({
            "ExecutedVersion": version,
            "Payload": payload,
            "SdkHttpMetadata": {
                "AllHttpHeaders": {
                    "X-Amz-Executed-Version": [version],
                    "x-amzn-RequestId": [rid],
                    "Connection": ["keep-alive"],
                    "Content-Length": [len],
                    "Date": [date],
                    "Content-Type": ["application/json"],
                },
                "HttpHeaders": {
                    "Connection": "keep-alive",
                    "Content-Length": len,
                    "Content-Type": "application/json",
                    "Date": date,
                    "X-Amz-Executed-Version": version,
                    "x-amzn-RequestId": rid,
                },
                "HttpStatusCode": 200,
            },
            "SdkResponseMetadata": { "RequestId": rid },
            "StatusCode": 200,
        })
    }
}
