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

use serde_json::{Map, Value, json};

use super::bucket::ObjectOp;
use super::engine::{Item, Origin, Sim};
use super::function::{InvokeReq, Mode, Reply};
use super::ids::{IdKind, TraceId};
use super::queue::SqsSend;
use super::table::TableOp;
use super::topic::SnsPublish;
use super::trace::{Ms, Status, TraceRecord};
use crate::scenario::{ResId, ResourceKind, ResourceType};
use crate::script::{Context, Handler, Host, Outcome, SdkCall, SdkError, SdkResult};

/// Runs a handler for an invocation of `f` that starts (after init) at virtual time `t0`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_handler(
    sim: &mut Sim,
    handler: &Handler,
    event: &Value,
    ctx: &Context,
    f: ResId,
    trace: TraceId,
    request_n: u64,
    t0: u64,
) -> Outcome {
    let mut host = SimHost {
        sim,
        f,
        trace,
        request_n,
        t0,
    };
    crate::script::run(handler, event, ctx, &mut host)
}

struct SimHost<'a> {
    sim: &'a mut Sim,
    f: ResId,
    trace: TraceId,
    request_n: u64,
    t0: u64,
}

fn not_found(name: &str, wanted: &str) -> SdkError {
    SdkError {
        error_type: "ResourceNotFoundException".to_string(),
        message: format!("{wanted} not found: {name}"),
    }
}

impl SimHost<'_> {
    /// Resolves a resource id of the expected type, as the SDK would fail for a missing or wrong resource.
    fn resolve(&self, name: &str, ty: ResourceType) -> Result<ResId, SdkError> {
        let sc = self.sim.scenario();
        sc.find(name)
            .filter(|id| sc.resource(*id).resource_type() == ty)
            .ok_or_else(|| not_found(name, ty.aws_name()))
    }

    fn perform(&mut self, call: SdkCall) -> (Result<Value, SdkError>, Option<u64>) {
        let (f, trace) = (self.f, self.trace);
        let from = Origin::Resource(f);
        match call {
            SdkCall::SqsSend {
                queue,
                body,
                attributes,
                group_id,
                deduplication_id,
                delay_s,
            } => {
                let q = match self.resolve(&queue, ResourceType::Queue) {
                    Ok(q) => q,
                    Err(e) => return (Err(e), None),
                };
                let fifo = matches!(&self.sim.scenario().resource(q).kind, ResourceKind::Queue(c) if c.fifo);
                if fifo && group_id.is_none() {
                    let e = SdkError {
                        error_type: "MissingParameter".to_string(),
                        message: "The request must contain the parameter MessageGroupId."
                            .to_string(),
                    };
                    return (Err(e), None);
                }
                let n = self.sim.next_n(IdKind::Message);
                let sender = crate::events::sqs::sender_id(&self.sim.aws);
                let msg = SqsSend {
                    body,
                    attributes,
                    group_id,
                    deduplication_id,
                    delay_s,
                    sender,
                    message_n: Some(n),
                };
                self.sim.send(from, q, trace, Item::SqsSend(Box::new(msg)));
                (
                    Ok(json!({ "MessageId": self.sim.uuid_of(IdKind::Message, n) })),
                    None,
                )
            }
            SdkCall::SnsPublish {
                topic,
                message,
                subject,
                attributes,
                group_id,
            } => {
                let t = match self.resolve(&topic, ResourceType::Topic) {
                    Ok(t) => t,
                    Err(e) => return (Err(e), None),
                };
                let n = self.sim.next_n(IdKind::Message);
                let p = SnsPublish {
                    message,
                    subject,
                    attributes,
                    group_id,
                    deduplication_id: None,
                    message_n: Some(n),
                };
                self.sim.send(from, t, trace, Item::SnsPublish(Box::new(p)));
                (
                    Ok(json!({ "MessageId": self.sim.uuid_of(IdKind::Message, n) })),
                    None,
                )
            }
            SdkCall::EventsPut { bus, entry } => {
                let b = match self.resolve(&bus, ResourceType::EventBus) {
                    Ok(b) => b,
                    Err(e) => return (Err(e), None),
                };
                let n = self.sim.next_n(IdKind::Event);
                let item = Item::PutEvent {
                    event: Box::new(entry),
                    envelope: false,
                    event_n: Some(n),
                };
                self.sim.send(from, b, trace, item);
                (
                    Ok(json!({ "EventId": self.sim.uuid_of(IdKind::Event, n) })),
                    None,
                )
            }
            SdkCall::S3Put { bucket, key, body } => {
                let b = match self.resolve(&bucket, ResourceType::Bucket) {
                    Ok(b) => b,
                    Err(e) => return (Err(e), None),
                };
                let size = body.len() as u64;
                self.sim.bucket_op(
                    b,
                    trace,
                    ObjectOp {
                        key,
                        delete: false,
                        size,
                        body: Some(body),
                    },
                );
                (Ok(Value::Null), None)
            }
            SdkCall::S3Delete { bucket, key } => {
                let b = match self.resolve(&bucket, ResourceType::Bucket) {
                    Ok(b) => b,
                    Err(e) => return (Err(e), None),
                };
                self.sim.bucket_op(
                    b,
                    trace,
                    ObjectOp {
                        key,
                        delete: true,
                        size: 0,
                        body: None,
                    },
                );
                (Ok(Value::Null), None)
            }
            SdkCall::S3Get { bucket, key } => {
                let b = match self.resolve(&bucket, ResourceType::Bucket) {
                    Ok(b) => b,
                    Err(e) => return (Err(e), None),
                };
                match self.sim.buckets[b.index()].objects.get(&key) {
                    Some(o) => (Ok(Value::String(o.body.clone().unwrap_or_default())), None),
                    None => {
                        let e = SdkError {
                            error_type: "NoSuchKey".to_string(),
                            message: "The specified key does not exist.".to_string(),
                        };
                        (Err(e), None)
                    }
                }
            }
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
            SdkCall::DynamoGet { table, key } => {
                let t = match self.resolve(&table, ResourceType::Table) {
                    Ok(t) => t,
                    Err(e) => return (Err(e), None),
                };
                let sc = std::sync::Arc::clone(self.sim.scenario());
                let ResourceKind::Table(cfg) = &sc.resource(t).kind else {
                    return (Ok(Value::Null), None);
                };
                (
                    Ok(self.sim.tables[t.index()]
                        .get(cfg, &key)
                        .cloned()
                        .unwrap_or(Value::Null)),
                    None,
                )
            }
            SdkCall::DynamoQuery {
                table,
                partition_value,
            } => {
                let t = match self.resolve(&table, ResourceType::Table) {
                    Ok(t) => t,
                    Err(e) => return (Err(e), None),
                };
                (
                    Ok(Value::Array(
                        self.sim.tables[t.index()].query(&partition_value),
                    )),
                    None,
                )
            }
            SdkCall::LambdaInvokeAsync { function, payload } => {
                let callee = match self.resolve(&function, ResourceType::Function) {
                    Ok(c) => c,
                    Err(e) => return (Err(e), None),
                };
                self.sim.send(
                    from,
                    callee,
                    trace,
                    Item::Invoke(Box::new(InvokeReq::event(payload))),
                );
                (Ok(Value::Null), None)
            }
            SdkCall::LambdaInvoke { function, payload } => self.invoke_sync(&function, payload),
            SdkCall::SfnStart {
                state_machine,
                input,
            } => {
                let m = match self.resolve(&state_machine, ResourceType::StateMachine) {
                    Ok(m) => m,
                    Err(e) => return (Err(e), None),
                };
                let n = self.sim.next_n(IdKind::Execution);
                let item = Item::StartExecution {
                    input: Box::new(input),
                    execution_n: Some(n),
                };
                self.sim.send(from, m, trace, item);
                let start = crate::events::time::iso_millis(self.sim.wall(self.sim.now()));
                (
                    Ok(json!({ "executionArn": self.sim.execution_arn(m, n), "startDate": start })),
                    None,
                )
            }
        }
    }

    fn table_write(
        &mut self,
        table: &str,
        op: TableOp,
        return_new: bool,
    ) -> (Result<Value, SdkError>, Option<u64>) {
        let t = match self.resolve(table, ResourceType::Table) {
            Ok(t) => t,
            Err(e) => return (Err(e), None),
        };
        match self.sim.table_apply(t, self.trace, op) {
            Ok((_, new)) if return_new => (Ok(new.unwrap_or(Value::Null)), None),
            Ok(_) => (Ok(Value::Null), None),
            Err(message) => (
                Err(SdkError {
                    error_type: "ValidationException".to_string(),
                    message,
                }),
                None,
            ),
        }
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
        let (f, trace) = (self.f, self.trace);
        let call_at = self.sim.now();
        let hop = self.sim.hop_us(Origin::Resource(f));
        let arrive = call_at.saturating_add(hop);
        self.sim
            .emit_transit(f, callee, trace, call_at, arrive, "invoke");
        let started = self.sim.at_moment(arrive, |sim| {
            let ResourceKind::Function(cfg) = &sim.scenario().resource(callee).kind else {
                return None;
            };
            if !sim.has_capacity_for(callee, cfg.reserved_concurrency) {
                return Some(Err(()));
            }
            let request_n = sim.next_n(IdKind::Request);
            sim.start_invocation(
                callee,
                trace,
                payload,
                Mode::Sync(Reply::Script),
                request_n,
                1,
            )
            .map(Ok)
        });
        match started {
            Some(Ok((status, outcome, end))) => {
                let back = self.sim.hop_us(Origin::Resource(callee));
                let done = end.saturating_add(back);
                self.sim
                    .emit_transit(callee, f, trace, end, done, "response");
                let latency = done.saturating_sub(call_at);
                let result = match status {
                    Status::Ok => Ok(outcome),
                    Status::Error | Status::Timeout => Err(SdkError {
                        error_type: outcome
                            .get("errorType")
                            .and_then(Value::as_str)
                            .unwrap_or("Unhandled")
                            .to_string(),
                        message: outcome
                            .get("errorMessage")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    }),
                };
                (result, Some(latency))
            }
            Some(Err(())) => {
                self.sim
                    .at_moment(arrive, |sim| sim.record_sync_throttle(callee, trace));
                let e = SdkError {
                    error_type: "TooManyRequestsException".to_string(),
                    message: "Rate Exceeded.".to_string(),
                };
                (Err(e), Some(hop.saturating_mul(2)))
            }
            None => (Err(not_found(function, "Function")), None),
        }
    }
}

impl Host for SimHost<'_> {
    fn sdk(&mut self, offset_us: u64, call: SdkCall) -> SdkResult {
        let at = self.t0.saturating_add(offset_us);
        let (service, operation, resource) = (
            call.service(),
            call.operation(),
            call.resource().to_string(),
        );
        let (result, fixed_latency) = self.sim.at_moment(at, |sim| {
            let mut host = SimHost {
                sim,
                f: self.f,
                trace: self.trace,
                request_n: self.request_n,
                t0: self.t0,
            };
            host.perform(call)
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
                function: self.sim.name(self.f),
                request_id: self.sim.request_id_text(self.request_n),
                trace_id: self.trace.text(),
                service,
                operation,
                resource,
                latency_ms: Ms(latency_us),
                error: result.as_ref().err().map(|e| {
                    let mut m = Map::new();
                    m.insert("errorType".to_string(), Value::String(e.error_type.clone()));
                    m.insert("errorMessage".to_string(), Value::String(e.message.clone()));
                    Value::Object(m)
                }),
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
                function: self.sim.name(self.f),
                request_id: self.sim.request_id_text(self.request_n),
                trace_id: self.trace.text(),
                message,
            };
            self.sim.record(record);
        }
    }
}
