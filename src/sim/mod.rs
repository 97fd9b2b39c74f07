//! The simulator: a deterministic discrete-event engine and one file per AWS service.
//!
//! - `engine` — virtual time, the event queue, hops along edges, dispatch; the public [`Sim`] type. Its
//!   `target_item` only routes a delivery (rule and schedule targets, destinations, notifications) to the
//!   target's service.
//! - `calendar` — the engine's pending events in (time, scheduling) order: a timing wheel of microsecond
//!   buckets, a heap for events beyond its horizon.
//! - `function` — Lambda (environments, concurrency, sync/async invocation, retries, destinations, a handler's
//!   synchronous `lambda::invoke`).
//! - `api` — API Gateway (routes, proxy events, integration timeout, status codes).
//! - `bus` — EventBridge PutEvents, buses, rules and target delivery with input shaping.
//! - `schedule` — scheduled rules and one-time schedules.
//! - `bucket` — S3 put, delete and get of objects, and notifications.
//! - `queue` — SQS SendMessage (the one message constructor), standard and FIFO queues: visibility, delays,
//!   retention, deduplication, redrive.
//! - `topic` — SNS Publish, fan-out with filter policies and raw delivery.
//! - `table` — DynamoDB item writes and reads, and streams.
//! - `sfn` — Step Functions StartExecution and executions (driving `crate::asl`); its service integrations
//!   call the other services' operations.
//! - `esm` — event source mappings (`trigger`) polling queues and streams, partial batch failures, recursive
//!   loop detection.
//! - `traffic` — traffic sources and payload placeholders; a fixed payload is built once and shared by every
//!   event.
//! - `faults` — faults injected while a run plays (a function failing or slow, a resource refusing calls, a
//!   trigger disabled): the faults in force, asked by the invoke path, handlers' SDK calls and trigger polling.
//! - `host` — handler scripts' SDK calls: each resolves the resource it names and calls that service's
//!   operation at the call's virtual moment.
//! - `limits` — the AWS size limits (each a named constant with its source) checked where a payload is sent: a
//!   handler's SDK calls, a handler's response, log lines, and traffic payloads at load.
//! - `rng`, `ids`, `trace`, `stats` — the seeded generator, id derivation, trace records, statistics;
//!   `trace_json` — the records' JSON Lines form, written by hand (byte for byte what serde_json writes).
//!
//! Rule: no service logic outside its file. Whoever sends a message, publishes, puts an event, writes or reads an
//! item or an object, invokes a function or starts an execution — traffic, handlers, Step Functions, rule
//! targets, destinations, redrive, subscriptions — calls that service's operation; matches over resource types
//! and items name every case, so a new service is pointed at by the compiler.
//!
//! Invariants: nothing in `sim/` reads the wall clock, spawns threads or knows about egui; every random draw
//! comes from the one [`rng::SimRng`]; no iteration over an unordered map decides anything.

mod api;
mod bucket;
mod bus;
mod calendar;
mod database;
mod db_proxy;
mod engine;
mod esm;
mod faults;
mod function;
mod host;
pub mod ids;
pub mod limits;
mod queue;
pub mod rng;
mod scaling;
mod schedule;
mod sfn;
pub mod stats;
mod table;
mod topic;
pub mod trace;
mod trace_json;
mod traffic;

#[cfg(test)]
mod tests;

pub use engine::{Live, Origin, Sim, SimOptions};
pub use faults::FaultChange;
pub use stats::ResourceStats;
pub use trace::{InvocationType, Ms, RecordId, Status, TraceRecord};
