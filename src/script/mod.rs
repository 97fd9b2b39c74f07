//! Handler scripts: the code of a Lambda function, written in [Rhai](https://rhai.rs), compiled once at load time and
//! run by the simulator with a virtual clock (the contract: `shared/spec/handler-api.md`).
//!
//! ```text
//!   scenario::load ──Handler::compile──▶ Handler (AST) ──run(handler, event, context, host)──▶ Outcome
//!                                                          │  sqs::send, dynamodb::get, log, rand, …
//!                                                          ▼
//!                                                   Host (the simulator)
//! ```
//!
//! ## How a run works
//!
//! [`run`] evaluates the script's top-level statements (on every invocation: there is no separate init phase; their
//! constants are visible in functions as `global::NAME`), then calls `fn handler(event, context)` with the event
//! converted to Rhai values (below) and a `LambdaContext`. The script has its own virtual clock, starting at 0:
//! `work(ms)` advances it, and every SDK call is made at the current offset and then advances it by the latency the
//! [`Host`] answers (a failed call too). `context.remaining_time_ms()` is `(timeout - elapsed) / 1000` in whole
//! milliseconds and `now()` is `start_time + elapsed` (ISO-8601, milliseconds, `Z`). Reaching the timeout
//! (`elapsed >= timeout`, in `work` or after a call, whose effects stand) stops the script at once:
//! [`Outcome::timed_out`], `elapsed_us == timeout_us`, and the result is Lambda's `Sandbox.Timedout` error object.
//!
//! The host is reached from the functions registered in the engine through a per-thread stack of frames (see
//! `state.rs` for why this is sound): [`run`] pushes a frame holding the host, the context and the clock, and pops it
//! before it returns. A host may call [`run`] again from inside [`Host::sdk`] (a `lambda::invoke` of another scripted
//! function): the nested run pushes its own frame, with its own clock, and the outer script resumes with its frame
//! on top again. A panic of the host is kept, the script stopped, and the panic resumed by [`run`], so that it
//! reaches the caller as if the host had been called directly.
//!
//! ## The API (`shared/spec/handler-api.md`, plus)
//!
//! - `context.function_name`, `.aws_request_id`, `.memory_limit_in_mb`, `.invoked_function_arn`, `.log_group_name`,
//!   `.log_stream_name` (also `context["function_name"]`), `context.remaining_time_ms()` (also by the Node.js name
//!   `get_remaining_time_in_millis()`). `context` is a custom type `LambdaContext`, read-only.
//! - `log(value)`: a string as it is, any other value as JSON. With one argument `log` always logs, also a number
//!   (this shadows the math package's one-argument base-10 logarithm; `log(x, base)` is still the logarithm).
//!   `print(x)` and `debug(x)` log too, in Rhai's own text form.
//! - `work(ms)`: an integer or float ≥ 0 (fractions of a millisecond count, rounded to the microsecond).
//! - `env(name)`, `rand()`, `now()`, `json::parse(text)` (invalid JSON throws `SyntaxError`), `json::stringify(v)`.
//! - SDK calls: the first argument is the resource's scenario id. A message or object body that is a map or an array
//!   is sent as its JSON text (a number or boolean too). Options maps are checked: an unknown key is an error.
//!   `sqs::send(queue, body, #{ attributes, group_id, deduplication_id, delay_s })` (delay 0–900);
//!   `sns::publish(topic, message, #{ subject, attributes, group_id })`. Attributes map a name to a string
//!   (`String`), a number (`Number`, its JSON text) or `#{ DataType, StringValue }`, normalised to the AWS form;
//!   no attributes is `{}`. `events::put(bus, entry)`: `source` and `"detail-type"` (or `detail_type`) required
//!   strings, `detail` a map or the JSON text of an object (default `{}`), `resources` an array of strings (default
//!   `[]`); the host gets exactly those four keys. `dynamodb` items, keys and changes are maps; a query's partition
//!   value a string or number. `lambda::invoke`, `lambda::invoke_async`, `sfn::start` take any value.
//!   `sfn::send_task_success(token, output)` takes any value, a string as JSON text (not JSON: `InvalidOutput`);
//!   `sfn::send_task_failure(token)` / `(token, error, cause)` and `sfn::send_task_heartbeat(token)` strings.
//! - What a call returns is the host's JSON converted to Rhai values.
//!
//! ## Values
//!
//! - JSON → Rhai: `null` ⇔ `()`, booleans, integers that fit `i64` as `INT`, every other number as `FLOAT`, strings,
//!   arrays, objects as object maps. A missing property reads as `()`. **Rhai's object maps are sorted by key** (a
//!   `BTreeMap`), so the key order of the event is not kept, and the JSON a script returns, logs, stringifies or
//!   sends has its keys in sorted order.
//! - Rhai → JSON: the same in reverse; a `char` becomes a one-character string; a `FLOAT` that is NaN or infinite
//!   becomes `null` (as `JSON.stringify` does); the `context` becomes an object of its fields; any other value
//!   (a function pointer, a range, …) becomes its string form (`to_string`), never an error. Values nested more than
//!   [`MAX_DEPTH`] levels deep are an error either way (also how a value that contains itself ends); a script cannot
//!   build one anyway (see Sandbox), so no conversion recurses deeper than that.
//!
//! ## Errors
//!
//! The error result of a failed handler is Lambda's error object `{"errorType", "errorMessage", "stackTrace"}`,
//! where `stackTrace` lists where the error happened, innermost first, as `"at NAME (FILE:LINE:COL)"` (`NAME` a
//! function, `handler`, `<closure>` or `<top level>`; `FILE` the handler's [`Handler::trace_name`]: for a script
//! file, its path relative to the scenario's folder, so a trace is the same wherever the scenario lives):
//!
//! | cause | `errorType` | `errorMessage` |
//! | --- | --- | --- |
//! | `throw "text"` (or any non-map value) | `Error` | the text (the value's string form) |
//! | `throw #{ errorType, errorMessage }` | that type (`Error` when missing) | that message (the map as JSON when missing) |
//! | an SDK call's error, not caught | the service's error type, e.g. `ResourceNotFoundException`, `NoSuchKey` | the service's message + ` (line L, column C)` |
//! | wrong arguments to an API function | `ValidationException` | what was wrong, naming the function + ` (line L, column C)` |
//! | `json::parse` of invalid JSON | `SyntaxError` | the parser's message + ` (line L, column C)` |
//! | data nested more than [`MAX_DEPTH`] levels deep | `ScriptError` | `data nested too deeply: arrays and maps may be nested at most 256 levels deep` + ` (line L, column C)` |
//! | any other runtime error (unknown function or variable, a call with the wrong number of arguments, type mismatch, index out of range, recursion deeper than [`MAX_CALL_LEVELS`], a string, array or map over its limit) | `ScriptError` | Rhai's message + ` (line L, column C)` when Rhai knows the place |
//!
//! SDK, argument and `json::parse` errors are thrown as the map `#{ errorType, errorMessage }`, so a script can
//! `try { … } catch (e) { if e.errorType == "NoSuchKey" { … } }`; rethrown (`throw e`) they keep their message as it
//! is. Other runtime errors can be caught too: Rhai then hands `catch` its own map (`#{ message, line, position, …
//! }`). Timeouts and the sandbox's hard limits (too many operations, too deep recursion, data too large) cannot be
//! caught. The column of a call is that of the function's name (after `sqs::`).
//!
//! Compile errors ([`ScriptError`]) give the line and column of Rhai's parser; a script without a two-parameter
//! `fn handler` is an error at the `fn` of a wrong-arity `handler`, or at 1:1.
//!
//! ## Sandbox
//!
//! One [`rhai::Engine`] is built once per process (`engine.rs`): `Engine::new_raw` with only the arithmetic, logic,
//! string, array, map, math, iterator and function-pointer packages (no `sleep`, no `exit`, no timestamps, no blobs,
//! no `parse_json`; Rhai has no file or process access at all); `eval` and `import` are disabled keywords (a compile
//! error) and the module resolver resolves nothing. Limits: [`MAX_OPERATIONS`] per run (beyond: a runaway loop,
//! reported as a timeout), [`MAX_CALL_LEVELS`] nested function calls, [`MAX_STRING_SIZE`] bytes per string,
//! [`MAX_COLLECTION_SIZE`] elements per array or map (Rhai checks a map's size when it is next used and we check the
//! result, so a loop may briefly build a bigger one, bounded by the operations limit), [`MAX_DEPTH`] levels of
//! arrays and maps nested in one another (an error at the first check that meets a deeper value, so a value is never
//! more than one level deeper), expression nesting 64 (32 inside functions), and a budget of native stack per thread (1 MiB from the outermost run, see `state.rs`) so that
//! neither recursion nor deeply nested runs can overflow the stack: threads that run scripts need that much stack
//! above what their caller uses (Rust's default of 2 MiB for spawned threads is enough). Rhai is compiled with
//! `opt-level = 2` even in dev builds (Cargo.toml), which makes scripts ~4× faster there and lets the full
//! [`MAX_CALL_LEVELS`] fit the budget. Scripts see no clock and no OS randomness: `rand()` and `now()` come from the
//! host and the virtual clock, so a run is a pure function of its inputs and the host's answers.
//!
//! Rhai enforces the size limits by walking a value at every assignment, literal and call result. Rhai is patched
//! (`vendor/rhai/PATCHED.md`) so that this walk stops at [`MAX_DEPTH`] and reports the elements it visited: they
//! count against [`MAX_OPERATIONS`], 64 elements to an operation (`state.rs`), so a script that rebuilds or re-checks
//! big values in a loop ends as a runaway (a timeout) like any other, within the same CPU time.

mod api;
mod convert;
mod engine;
mod errors;
mod state;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use convert::{MAX_DEPTH, from_json, json_len, to_json};

/// Operations (Rhai's unit of work: an expression, a statement, a call) one run may take before it is stopped as a
/// runaway loop ([`Outcome::timed_out`]).
pub const MAX_OPERATIONS: u64 = 2_000_000;
/// Nested script function calls (deeper recursion is an error result, never a crash).
pub const MAX_CALL_LEVELS: usize = 64;
/// Largest string a script may build, in bytes.
pub const MAX_STRING_SIZE: usize = 1 << 20;
/// Largest array or object map a script may build, in elements.
pub const MAX_COLLECTION_SIZE: usize = 100_000;
/// SDK calls one run (one invocation) may make; the next throws `SdkCallLimitExceeded`. Not an AWS quota: a bound
/// of this simulator, so that a flood (`sqs::send` in an endless loop) ends in a clear error instead of filling
/// memory with its messages. A handler that fans out to thousands of messages still runs; at the default SDK
/// latency (3–12 ms) 10,000 calls take about a minute of virtual time, more than most handlers' timeouts.
pub const MAX_SDK_CALLS_PER_RUN: u32 = 10_000;
/// Bytes one run may send through SDK calls (bodies, items, payloads, keys), 64 MiB; the call that would pass it
/// throws `SdkCallLimitExceeded`. A simulator bound like [`MAX_SDK_CALLS_PER_RUN`]: ten of the largest payload
/// AWS takes in one call (a 6 MB synchronous invoke), while 64 `s3::put`s of 1 MiB are all a flood gets.
pub const MAX_SDK_BYTES_PER_RUN: u64 = 64 << 20;
/// Log output one run may write, 16 MiB or 10,000 lines; past either, one last line says so and the rest is dropped
/// (CloudWatch Logs has no such cap, but it throttles and bills ingestion; a simulator must bound what it keeps).
pub const MAX_LOG_BYTES_PER_RUN: u64 = 16 << 20;
/// See [`MAX_LOG_BYTES_PER_RUN`].
pub const MAX_LOG_LINES_PER_RUN: u32 = 10_000;

/// A compiled handler script: the AST (shared), its source text, its label (file path or `"<inline>"`) and the name
/// its stack traces give the file.
#[derive(Clone)]
pub struct Handler {
    ast: Arc<rhai::AST>,
    source: Arc<str>,
    label: Arc<str>,
    /// The file in stack traces: the label unless [`Handler::with_trace_name`] set another (the loader sets the
    /// script's path relative to the scenario's folder, so traces do not depend on where that folder is).
    trace_name: Arc<str>,
    /// Where `fn handler` starts and ends (`(line, col)`), to name the outermost frame of a stack trace.
    span: Option<((u32, u32), (u32, u32))>,
}

impl Handler {
    /// Compiles a script and checks that it defines `fn handler(event, context)` with two parameters. Errors carry
    /// the 1-based line and column (in characters) inside `source` and `label` as the file.
    pub fn compile(source: &str, label: &str) -> Result<Handler, ScriptError> {
        let compiled = std::panic::catch_unwind(|| engine::compile(source, label));
        match compiled {
            Ok(Ok(ast)) => Ok(Handler {
                ast: Arc::new(ast),
                source: Arc::from(source),
                label: Arc::from(label),
                trace_name: Arc::from(label),
                span: errors::find_fn(source, "handler"),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ScriptError {
                file: label.to_string(),
                line: 1,
                col: 1,
                message: "internal error of the script engine while compiling".into(),
            }),
        }
    }

    /// The script's source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The file path the script was read from, or `"<inline>"`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The same handler with `name` as its file in stack traces (`"at NAME (FILE:LINE:COL)"`); compile errors and
    /// [`Handler::label`] keep the label.
    pub fn with_trace_name(mut self, name: &str) -> Handler {
        self.trace_name = Arc::from(name);
        self
    }

    /// The file as stack traces name it.
    pub fn trace_name(&self) -> &str {
        &self.trace_name
    }

    pub(crate) fn ast(&self) -> &rhai::AST {
        &self.ast
    }

    pub(crate) fn handler_span(&self) -> Option<((u32, u32), (u32, u32))> {
        self.span
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handler({}, {} bytes)", self.label, self.source.len())
    }
}

/// A compile error of a script: `file:line:col: message`, line and column 1-based (the column in characters).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct ScriptError {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// What a handler sees as `context`, plus what the clock needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub function_name: String,
    pub aws_request_id: String,
    pub memory_limit_in_mb: u32,
    pub invoked_function_arn: String,
    pub log_group_name: String,
    pub log_stream_name: String,
    /// The function's timeout, virtual microseconds from the start of the handler.
    pub timeout_us: u64,
    /// Virtual wall-clock time when the handler starts (`now()` at offset 0).
    pub start_time: DateTime<Utc>,
    /// The function's `environment`, for `env(name)`.
    pub environment: Vec<(String, String)>,
}

/// The simulator side of a run: performs SDK calls, draws random numbers, records log lines.
pub trait Host {
    /// An SDK call made `offset_us` (virtual µs) after the handler started; returns its result and its simulated
    /// latency. May call [`run`] for a nested invocation.
    fn sdk(&mut self, offset_us: u64, call: SdkCall) -> SdkResult;
    /// `rand()` — from the simulation's seeded generator.
    fn rand(&mut self) -> f64;
    /// `log(...)`, `print(...)` and `debug(...)`, at `offset_us`.
    fn log(&mut self, offset_us: u64, message: String);
}

/// The answer of the host to an SDK call.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkResult {
    pub result: Result<Value, SdkError>,
    pub latency_us: u64,
}

/// An AWS service error, e.g. `ResourceNotFoundException`, `NoSuchKey`, `ValidationException`.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkError {
    pub error_type: String,
    pub message: String,
    /// The engine's own error code (`rds::query`: `"53300"`, `"1040"`, …), thrown as the error's `code`.
    pub code: Option<String>,
}

/// An SDK call of a script, its arguments checked and normalised.
#[derive(Debug, Clone, PartialEq)]
pub enum SdkCall {
    SqsSend {
        queue: String,
        body: String,
        /// Normalised: `{name: {"DataType": "String" | "Number" | …, "StringValue": "…"}}`.
        attributes: Value,
        group_id: Option<String>,
        deduplication_id: Option<String>,
        delay_s: Option<u32>,
    },
    SnsPublish {
        topic: String,
        message: String,
        subject: Option<String>,
        /// Normalised as for [`SdkCall::SqsSend`].
        attributes: Value,
        group_id: Option<String>,
    },
    EventsPut {
        bus: String,
        /// `{"source", "detail-type", "detail", "resources"}`: `detail` an object, `resources` an array of strings.
        entry: Value,
    },
    S3Put {
        bucket: String,
        key: String,
        body: String,
    },
    S3Get {
        bucket: String,
        key: String,
    },
    S3Delete {
        bucket: String,
        key: String,
    },
    /// CopyObject of `source_bucket`/`source_key` to `bucket`/`key`.
    S3Copy {
        source_bucket: String,
        source_key: String,
        bucket: String,
        key: String,
    },
    /// A multipart upload of `parts`, completed (CompleteMultipartUpload).
    S3PutMultipart {
        bucket: String,
        key: String,
        parts: Vec<String>,
    },
    DynamoPut {
        table: String,
        item: Value,
    },
    DynamoGet {
        table: String,
        key: Value,
    },
    DynamoUpdate {
        table: String,
        key: Value,
        changes: Value,
    },
    DynamoDelete {
        table: String,
        key: Value,
    },
    DynamoQuery {
        table: String,
        partition_value: Value,
    },
    LambdaInvoke {
        function: String,
        payload: Value,
    },
    LambdaInvokeAsync {
        function: String,
        payload: Value,
    },
    SfnStart {
        state_machine: String,
        input: Value,
    },
    /// SendTaskSuccess: a callback task's token and its output.
    SfnSendTaskSuccess {
        task_token: String,
        output: Value,
    },
    /// SendTaskFailure: a callback task's token, error name and cause (either may be empty).
    SfnSendTaskFailure {
        task_token: String,
        error: String,
        cause: String,
    },
    /// SendTaskHeartbeat: a callback task's token.
    SfnSendTaskHeartbeat {
        task_token: String,
    },
    RdsQuery {
        /// A `database` or `db_proxy` id.
        database: String,
        sql: String,
        /// Bound to the `?` placeholders in order.
        params: Vec<Value>,
    },
}

impl SdkCall {
    /// Bytes the call sends (message bodies and attributes, items, keys, payloads, inputs), as counted against
    /// [`MAX_SDK_BYTES_PER_RUN`].
    pub fn request_bytes(&self) -> usize {
        match self {
            SdkCall::SqsSend {
                body, attributes, ..
            } => body.len() + json_len(attributes),
            SdkCall::SnsPublish {
                message,
                subject,
                attributes,
                ..
            } => message.len() + subject.as_ref().map_or(0, String::len) + json_len(attributes),
            SdkCall::EventsPut { entry, .. } => json_len(entry),
            SdkCall::S3Put { key, body, .. } => key.len() + body.len(),
            SdkCall::S3Get { key, .. } | SdkCall::S3Delete { key, .. } => key.len(),
            SdkCall::DynamoPut { item, .. } => json_len(item),
            SdkCall::DynamoGet { key, .. } | SdkCall::DynamoDelete { key, .. } => json_len(key),
            SdkCall::DynamoUpdate { key, changes, .. } => json_len(key) + json_len(changes),
            SdkCall::DynamoQuery {
                partition_value, ..
            } => json_len(partition_value),
            SdkCall::LambdaInvoke { payload, .. } | SdkCall::LambdaInvokeAsync { payload, .. } => {
                json_len(payload)
            }
            SdkCall::SfnStart { input, .. } => json_len(input),
            SdkCall::SfnSendTaskSuccess { task_token, output } => {
                task_token.len() + json_len(output)
            }
            SdkCall::SfnSendTaskFailure {
                task_token,
                error,
                cause,
            } => task_token.len() + error.len() + cause.len(),
            SdkCall::SfnSendTaskHeartbeat { task_token } => task_token.len(),
            SdkCall::S3Copy {
                source_key, key, ..
            } => source_key.len() + key.len(),
            SdkCall::S3PutMultipart { key, parts, .. } => {
                key.len() + parts.iter().map(String::len).sum::<usize>()
            }
            SdkCall::RdsQuery { sql, params, .. } => {
                sql.len() + params.iter().map(json_len).sum::<usize>()
            }
        }
    }

    /// The AWS service: `"sqs"`, `"sns"`, `"events"`, `"s3"`, `"dynamodb"`, `"lambda"`, `"sfn"` or `"rds"`.
    pub fn service(&self) -> &'static str {
        match self {
            SdkCall::SqsSend { .. } => "sqs",
            SdkCall::SnsPublish { .. } => "sns",
            SdkCall::EventsPut { .. } => "events",
            SdkCall::S3Put { .. }
            | SdkCall::S3Get { .. }
            | SdkCall::S3Delete { .. }
            | SdkCall::S3Copy { .. }
            | SdkCall::S3PutMultipart { .. } => "s3",
            SdkCall::DynamoPut { .. }
            | SdkCall::DynamoGet { .. }
            | SdkCall::DynamoUpdate { .. }
            | SdkCall::DynamoDelete { .. }
            | SdkCall::DynamoQuery { .. } => "dynamodb",
            SdkCall::LambdaInvoke { .. } | SdkCall::LambdaInvokeAsync { .. } => "lambda",
            SdkCall::SfnStart { .. }
            | SdkCall::SfnSendTaskSuccess { .. }
            | SdkCall::SfnSendTaskFailure { .. }
            | SdkCall::SfnSendTaskHeartbeat { .. } => "sfn",
            SdkCall::RdsQuery { .. } => "rds",
        }
    }

    /// The AWS API operation name, e.g. `"SendMessage"`, `"PutItem"`, `"Invoke"`.
    pub fn operation(&self) -> &'static str {
        match self {
            SdkCall::SqsSend { .. } => "SendMessage",
            SdkCall::SnsPublish { .. } => "Publish",
            SdkCall::EventsPut { .. } => "PutEvents",
            SdkCall::S3Put { .. } => "PutObject",
            SdkCall::S3Get { .. } => "GetObject",
            SdkCall::S3Delete { .. } => "DeleteObject",
            SdkCall::S3Copy { .. } => "CopyObject",
            SdkCall::S3PutMultipart { .. } => "CompleteMultipartUpload",
            SdkCall::DynamoPut { .. } => "PutItem",
            SdkCall::DynamoGet { .. } => "GetItem",
            SdkCall::DynamoUpdate { .. } => "UpdateItem",
            SdkCall::DynamoDelete { .. } => "DeleteItem",
            SdkCall::DynamoQuery { .. } => "Query",
            // Both are Lambda's Invoke, with InvocationType RequestResponse or Event.
            SdkCall::LambdaInvoke { .. } | SdkCall::LambdaInvokeAsync { .. } => "Invoke",
            SdkCall::SfnStart { .. } => "StartExecution",
            SdkCall::SfnSendTaskSuccess { .. } => "SendTaskSuccess",
            SdkCall::SfnSendTaskFailure { .. } => "SendTaskFailure",
            SdkCall::SfnSendTaskHeartbeat { .. } => "SendTaskHeartbeat",
            SdkCall::RdsQuery { .. } => "Query",
        }
    }

    /// The scenario id of the resource the call is made to.
    pub fn resource(&self) -> &str {
        match self {
            SdkCall::SqsSend { queue, .. } => queue,
            SdkCall::SnsPublish { topic, .. } => topic,
            SdkCall::EventsPut { bus, .. } => bus,
            SdkCall::S3Put { bucket, .. }
            | SdkCall::S3Get { bucket, .. }
            | SdkCall::S3Delete { bucket, .. }
            | SdkCall::S3Copy { bucket, .. }
            | SdkCall::S3PutMultipart { bucket, .. } => bucket,
            SdkCall::DynamoPut { table, .. }
            | SdkCall::DynamoGet { table, .. }
            | SdkCall::DynamoUpdate { table, .. }
            | SdkCall::DynamoDelete { table, .. }
            | SdkCall::DynamoQuery { table, .. } => table,
            SdkCall::LambdaInvoke { function, .. }
            | SdkCall::LambdaInvokeAsync { function, .. } => function,
            SdkCall::SfnStart { state_machine, .. } => state_machine,
            // The state machine is named only by the token, which the host reads.
            SdkCall::SfnSendTaskSuccess { .. }
            | SdkCall::SfnSendTaskFailure { .. }
            | SdkCall::SfnSendTaskHeartbeat { .. } => "",
            SdkCall::RdsQuery { database, .. } => database,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Virtual microseconds the handler took (`work` and SDK latencies); `timeout_us` when it timed out.
    pub elapsed_us: u64,
    /// The response, or Lambda's error object `{"errorType", "errorMessage", "stackTrace"}`.
    pub result: Result<Value, Value>,
    /// The handler reached its timeout, or ran more than [`MAX_OPERATIONS`] (a runaway loop).
    pub timed_out: bool,
}

/// Runs a handler on an event. Never panics; the host may call `run` again from [`Host::sdk`] (nested runs).
pub fn run(handler: &Handler, event: &Value, ctx: &Context, host: &mut dyn Host) -> Outcome {
    engine::run(handler, event, ctx, host)
}
