//! The simulator's side of handler scripts: SDK calls made by a running handler take effect in the simulation.
//!
//! A Rhai handler cannot be suspended, so it runs to completion when its invocation starts (after init). Each SDK
//! call carries its virtual moment (`t0` + the handler's clock: `work()` and earlier calls' latencies), and its
//! effects are made at that moment: messages, events, invocations and notifications leave then (their trace
//! records are stamped then and held back until the engine's clock gets there), and the call's latency is
//! sampled from `settings.sdk_latency_ms` (a synchronous `lambda::invoke` takes the callee's real time instead).
//!
//! Approximation, stated exactly: writes to buckets and tables are applied to the store when the handler runs,
//! so reads later in the same handler see them (read-your-writes, as on AWS) — and so may other invocations that
//! run in the virtual interval between the handler's start and the write's moment. Reads (`s3::get`,
//! `dynamodb::get/query`) see the store at the handler's start plus the handler's own writes. A callee of
//! `lambda::invoke` occupies its environment from the call on.
//!
//! Limits (`limits`): a call over its service's size limit fails with the service's error, a response over
//! Lambda's 6 MB fails the invocation, and log lines are cut to CloudWatch's event size.

use serde_json::{Map, Value, json};

use super::bucket::ObjectOp;
use super::engine::{Item, Origin, Sim};
use super::function::{HandlerInvoke, InvokeReq};
use super::ids::TraceId;
use super::queue::SqsSend;
use super::sfn::TaskCallback;
use super::table::TableOp;
use super::topic::SnsPublish;
use super::trace::{Ms, Status, TraceRecord};
use crate::scenario::{ResId, ResourceType};
use crate::script::{Context, Handler, Host, Outcome, SdkCall, SdkError, SdkResult};

/// Which invocation a handler runs for: function `f` in execution environment `env_id`, starting (after init)
/// at virtual time `t0`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HandlerRun {
    pub f: ResId,
    pub env_id: u32,
    pub trace: TraceId,
    pub request_n: u64,
    pub t0: u64,
}

/// Runs a handler for an invocation.
pub(crate) fn run_handler(
    sim: &mut Sim,
    handler: &Handler,
    event: &Value,
    ctx: &Context,
    run: HandlerRun,
) -> Outcome {
    let mut host = SimHost {
        sim,
        f: run.f,
        env_id: run.env_id,
        trace: run.trace,
        request_n: run.request_n,
        t0: run.t0,
    };
    let mut outcome = crate::script::run(handler, event, ctx, &mut host);
    host.sim
        .db_handler_done(run.f, run.env_id, run.t0.saturating_add(outcome.elapsed_us));
    // The runtime refuses a response over Lambda's payload limit: the invocation fails with its error instead.
    if let Ok(response) = &outcome.result
        && let Some(error) = super::limits::response_too_large(response)
    {
        outcome.result = Err(error);
    }
    outcome
}

struct SimHost<'a> {
    sim: &'a mut Sim,
    f: ResId,
    /// The execution environment: database connections belong to it.
    env_id: u32,
    trace: TraceId,
    request_n: u64,
    t0: u64,
}

/// What an SDK call answers, its latency when the call does not take `settings.sdk_latency_ms` (a synchronous
/// `lambda::invoke` takes the callee's real time, `rds::query` the database's), and what its `call` record adds
/// (`rds`).
type Performed = (Result<Value, SdkError>, Option<u64>, Option<Value>);

fn sdk_error(error_type: &str, message: impl Into<String>) -> SdkError {
    SdkError {
        error_type: error_type.to_string(),
        message: message.into(),
        code: None,
    }
}

fn not_found(name: &str, wanted: &str) -> SdkError {
    sdk_error(
        "ResourceNotFoundException",
        format!("{wanted} not found: {name}"),
    )
}

impl SimHost<'_> {
    /// Resolves a resource id of the expected type, as the SDK would fail for a missing or wrong resource.
    fn resolve(&self, name: &str, ty: ResourceType) -> Result<ResId, SdkError> {
        self.sim
            .find_of_type(name, ty)
            .ok_or_else(|| not_found(name, ty.aws_name()))
    }

    fn from(&self) -> Origin {
        Origin::Resource(self.f)
    }

    /// Performs one SDK call through the service's own operation.
    fn perform(&mut self, call: SdkCall) -> Performed {
        if let Some((error_type, message)) = self.sim.refused_call(&call) {
            return (Err(sdk_error(&error_type, message)), None, None);
        }
        let answer = match call {
            SdkCall::SqsSend {
                queue,
                body,
                attributes,
                group_id,
                deduplication_id,
                delay_s,
            } => {
                let msg = SqsSend::new(body, self.sim.account_sender_id())
                    .with_attributes(attributes)
                    .with_group_id(group_id)
                    .with_deduplication_id(deduplication_id)
                    .with_delay_s(delay_s);
                self.sqs_send(&queue, msg)
            }
            SdkCall::SnsPublish {
                topic,
                message,
                subject,
                attributes,
                group_id,
            } => {
                let publish = SnsPublish::new(message)
                    .with_subject(subject)
                    .with_attributes(attributes)
                    .with_group_id(group_id);
                self.sns_publish(&topic, publish)
            }
            SdkCall::EventsPut { bus, entry } => self.events_put(&bus, entry),
            SdkCall::S3Put { bucket, key, body } => {
                self.s3_write(&bucket, ObjectOp::put(key, body))
            }
            SdkCall::S3Delete { bucket, key } => self.s3_write(&bucket, ObjectOp::delete(key)),
            SdkCall::S3Copy {
                source_bucket,
                source_key,
                bucket,
                key,
            } => self.s3_copy(&source_bucket, &source_key, &bucket, key),
            SdkCall::S3PutMultipart { bucket, key, parts } => {
                self.s3_write(&bucket, ObjectOp::multipart(key, &parts))
            }
            SdkCall::S3Get { bucket, key } => self.s3_get(&bucket, &key),
            SdkCall::DynamoPut { table, item } => {
                self.table_write(&table, TableOp::Put(item), false)
            }
            SdkCall::DynamoDelete { table, key } => {
                self.table_write(&table, TableOp::Delete(key), false)
            }
            SdkCall::DynamoUpdate {
                table,
                key,
                changes,
            } => self.table_write(&table, TableOp::Update { key, changes }, true),
            SdkCall::DynamoGet { table, key } => self.table_get(&table, &key),
            SdkCall::DynamoQuery {
                table,
                partition_value,
            } => self.table_query(&table, &partition_value),
            SdkCall::LambdaInvokeAsync { function, payload } => {
                self.invoke_async(&function, payload)
            }
            SdkCall::LambdaInvoke { function, payload } => {
                let (result, latency) = self.invoke_sync(&function, payload);
                return (result, latency, None);
            }
            SdkCall::RdsQuery {
                database,
                sql,
                params,
            } => return self.rds_query(&database, &sql, &params),
            SdkCall::SfnStart {
                state_machine,
                input,
            } => self.sfn_start(&state_machine, input),
            SdkCall::SfnSendTaskSuccess { task_token, output } => {
                self.sfn_send_task(&task_token, TaskCallback::Success(output))
            }
            SdkCall::SfnSendTaskFailure {
                task_token,
                error,
                cause,
            } => self.sfn_send_task(&task_token, TaskCallback::Failure { error, cause }),
            SdkCall::SfnSendTaskHeartbeat { task_token } => {
                self.sfn_send_task(&task_token, TaskCallback::Heartbeat)
            }
        };
        (answer, None, None)
    }

    /// `rds::query` on a database or proxy: the statement runs on its connection (opened first if need be).
    fn rds_query(&mut self, name: &str, sql: &str, params: &[Value]) -> Performed {
        let target = self
            .sim
            .find_of_type(name, ResourceType::Database)
            .or_else(|| self.sim.find_of_type(name, ResourceType::DbProxy));
        let Some(target) = target else {
            return (Err(not_found(name, "RDS database or proxy")), None, None);
        };
        let call = super::database::DbCall {
            func: self.f,
            env: self.env_id,
            trace: self.trace,
            sql,
            params,
        };
        let answer = self.sim.rds_query(target, call);
        let result = answer.result.map_err(|e| SdkError {
            error_type: "DatabaseError".to_string(),
            message: e.message,
            code: Some(e.code),
        });
        (result, Some(answer.latency_us), Some(answer.detail))
    }

    fn sqs_send(&mut self, queue: &str, msg: SqsSend) -> Result<Value, SdkError> {
        let q = self.resolve(queue, ResourceType::Queue)?;
        let (from, trace) = (self.from(), self.trace);
        match self.sim.sqs_send_message(from, q, trace, msg) {
            Ok(message_id) => Ok(json!({ "MessageId": message_id })),
            Err(e) => Err(sdk_error(e.code(), e.message())),
        }
    }

    fn sns_publish(&mut self, topic: &str, publish: SnsPublish) -> Result<Value, SdkError> {
        let t = self.resolve(topic, ResourceType::Topic)?;
        let (from, trace) = (self.from(), self.trace);
        let message_id = self.sim.sns_publish(from, t, trace, publish);
        Ok(json!({ "MessageId": message_id }))
    }

    fn events_put(&mut self, bus: &str, entry: Value) -> Result<Value, SdkError> {
        let b = self.resolve(bus, ResourceType::EventBus)?;
        let (from, trace) = (self.from(), self.trace);
        let event_id = self.sim.events_put(from, b, trace, entry);
        Ok(json!({ "EventId": event_id }))
    }

    fn s3_write(&mut self, bucket: &str, op: ObjectOp) -> Result<Value, SdkError> {
        let b = self.resolve(bucket, ResourceType::Bucket)?;
        self.sim.bucket_op(b, self.trace, op);
        Ok(Value::Null)
    }

    /// CopyObject: the source must exist (S3 answers `NoSuchKey`); the copy is a write to the destination.
    fn s3_copy(
        &mut self,
        source_bucket: &str,
        source_key: &str,
        bucket: &str,
        key: String,
    ) -> Result<Value, SdkError> {
        let from = self.resolve(source_bucket, ResourceType::Bucket)?;
        let op = match self.sim.bucket_object(from, source_key) {
            Some(source) => ObjectOp::copy(key, source),
            None => return Err(sdk_error("NoSuchKey", "The specified key does not exist.")),
        };
        self.s3_write(bucket, op)
    }

    fn s3_get(&mut self, bucket: &str, key: &str) -> Result<Value, SdkError> {
        let b = self.resolve(bucket, ResourceType::Bucket)?;
        match self.sim.bucket_get(b, key) {
            Some(body) => Ok(Value::String(body)),
            None => Err(sdk_error("NoSuchKey", "The specified key does not exist.")),
        }
    }

    fn table_write(
        &mut self,
        table: &str,
        op: TableOp,
        return_new: bool,
    ) -> Result<Value, SdkError> {
        let t = self.resolve(table, ResourceType::Table)?;
        match self.sim.table_apply(t, self.trace, op) {
            Ok((_, new)) if return_new => Ok(new.unwrap_or(Value::Null)),
            Ok(_) => Ok(Value::Null),
            Err(message) => Err(sdk_error("ValidationException", message)),
        }
    }

    fn table_get(&mut self, table: &str, key: &Value) -> Result<Value, SdkError> {
        let t = self.resolve(table, ResourceType::Table)?;
        Ok(self.sim.table_get(t, key).unwrap_or(Value::Null))
    }

    fn table_query(&mut self, table: &str, partition_value: &Value) -> Result<Value, SdkError> {
        let t = self.resolve(table, ResourceType::Table)?;
        Ok(Value::Array(self.sim.table_query(t, partition_value)))
    }

    fn invoke_async(&mut self, function: &str, payload: Value) -> Result<Value, SdkError> {
        let callee = self.resolve(function, ResourceType::Function)?;
        let (from, trace) = (self.from(), self.trace);
        let item = Item::Invoke(Box::new(InvokeReq::event(payload)));
        self.sim.send(from, callee, trace, item);
        Ok(Value::Null)
    }

    /// `lambda::invoke`: the callee runs now (its own handler included); the caller waits for the hop there,
    /// the callee's init and run, and the hop back.
    fn invoke_sync(
        &mut self,
        function: &str,
        payload: Value,
    ) -> (Result<Value, SdkError>, Option<u64>) {
        let callee = match self.resolve(function, ResourceType::Function) {
            Ok(c) => c,
            Err(e) => return (Err(e), None),
        };
        match self
            .sim
            .invoke_from_handler(self.f, callee, self.trace, payload)
        {
            HandlerInvoke::Ran {
                status,
                outcome,
                latency_us,
            } => {
                let result = match status {
                    Status::Ok => Ok(outcome),
                    Status::Error | Status::Timeout => {
                        let text = |key: &str, default: &str| {
                            outcome
                                .get(key)
                                .and_then(Value::as_str)
                                .unwrap_or(default)
                                .to_string()
                        };
                        Err(sdk_error(
                            &text("errorType", "Unhandled"),
                            text("errorMessage", ""),
                        ))
                    }
                };
                (result, Some(latency_us))
            }
            HandlerInvoke::Throttled {
                latency_us,
                reason_code,
            } => (
                Err(sdk_error(
                    "TooManyRequestsException",
                    super::function::throttle_message(reason_code),
                )),
                Some(latency_us),
            ),
        }
    }

    fn sfn_start(&mut self, state_machine: &str, input: Value) -> Result<Value, SdkError> {
        let m = self.resolve(state_machine, ResourceType::StateMachine)?;
        let (from, trace) = (self.from(), self.trace);
        let (execution_arn, start_date) = self.sim.sfn_start_execution(from, m, trace, input);
        Ok(json!({ "executionArn": execution_arn, "startDate": start_date }))
    }
}

impl SimHost<'_> {
    /// `sfn::send_task_success/failure/heartbeat`: answers `{}` as AWS does, or throws the Step Functions error.
    fn sfn_send_task(
        &mut self,
        task_token: &str,
        callback: TaskCallback,
    ) -> Result<Value, SdkError> {
        self.sim
            .sfn_send_task(task_token, callback)
            .map(|()| json!({}))
            .map_err(|e| sdk_error(e.error_type, e.message))
    }
}

impl Host for SimHost<'_> {
    fn sdk(&mut self, offset_us: u64, call: SdkCall) -> SdkResult {
        let at = self.t0.saturating_add(offset_us);
        let resource = match &call {
            SdkCall::SfnSendTaskSuccess { task_token, .. }
            | SdkCall::SfnSendTaskFailure { task_token, .. }
            | SdkCall::SfnSendTaskHeartbeat { task_token } => {
                self.sim.sfn_token_machine(task_token).unwrap_or_default()
            }
            _ => call.resource().to_string(),
        };
        let (service, operation) = (call.service(), call.operation());
        // The call's span hangs off the invocation. What the call causes (a hop, a message, an invocation) is
        // recorded before the call itself, whose latency is known only afterwards, so it hangs off the invocation
        // too: parents always come earlier in the trace. Allocated before the call so ids follow the calls' order.
        let mut call_trace = self.trace;
        let (span_id, parent_span_id) = self.sim.open_span(&mut call_trace);
        let (result, fixed_latency, rds) = self.sim.at_moment(at, |sim| {
            let mut host = SimHost {
                sim,
                f: self.f,
                env_id: self.env_id,
                trace: self.trace,
                request_n: self.request_n,
                t0: self.t0,
            };
            // A call over its service's size limit is refused by the service (one round trip), as AWS does.
            match super::limits::check_sdk_call(&call) {
                Ok(()) => host.perform(call),
                Err(e) => (Err(e), None, None),
            }
        });
        let latency_us = match fixed_latency {
            Some(l) => l,
            None => {
                let dist = self.sim.scenario().settings.sdk_latency_ms.clone();
                self.sim.rng.sample_us(&dist)
            }
        };
        if self.sim.tracing() {
            let record = TraceRecord::Call {
                t_ms: Ms(at),
                function: self.sim.name_text(self.f),
                request_id: self
                    .sim
                    .record_uuid(super::ids::IdKind::Request, self.request_n),
                trace_id: self.trace.record_id(),
                span_id,
                parent_span_id,
                service,
                operation,
                resource: resource.into(),
                latency_ms: Ms(latency_us),
                error: result.as_ref().err().map(|e| {
                    let mut m = Map::new();
                    m.insert("errorType".to_string(), Value::String(e.error_type.clone()));
                    m.insert("errorMessage".to_string(), Value::String(e.message.clone()));
                    if let Some(code) = &e.code {
                        m.insert("code".to_string(), Value::String(code.clone()));
                    }
                    Box::new(Value::Object(m))
                }),
                rds: rds.map(Box::new),
            };
            self.sim.record(record);
        }
        SdkResult { result, latency_us }
    }

    fn rand(&mut self) -> f64 {
        self.sim.rng.unit()
    }

    fn log(&mut self, offset_us: u64, message: String) {
        if self.sim.tracing() {
            let record = TraceRecord::Log {
                t_ms: Ms(self.t0.saturating_add(offset_us)),
                function: self.sim.name_text(self.f),
                request_id: self
                    .sim
                    .record_uuid(super::ids::IdKind::Request, self.request_n),
                trace_id: self.trace.record_id(),
                parent_span_id: self.trace.cause(),
                message: super::limits::log_line(message),
            };
            self.sim.record(record);
        }
    }
}
