//! The simulator: a deterministic discrete-event engine and one file per AWS service.
//!
//! - `engine` — virtual time, the event queue, hops along edges, dispatch; the public [`Sim`] type.
//! - `function` — Lambda (environments, concurrency, sync/async invocation, retries, destinations).
//! - `api` — API Gateway (routes, proxy events, integration timeout, status codes).
//! - `bus` — EventBridge buses, rules and target delivery with input shaping.
//! - `schedule` — scheduled rules and one-time schedules.
//! - `bucket` — S3 object store and notifications.
//! - `queue` — SQS standard and FIFO queues: visibility, delays, retention, deduplication, redrive.
//! - `topic` — SNS fan-out with filter policies and raw delivery.
//! - `table` — DynamoDB items and streams.
//! - `esm` — event source mappings (`trigger`) polling queues and streams, partial batch failures, recursive
//!   loop detection.
//! - `traffic` — traffic sources and payload placeholders.
//! - `rng`, `ids`, `trace`, `stats` — the seeded generator, id derivation, trace records, statistics.
//!
//! Invariants: nothing in `sim/` reads the wall clock, spawns threads or knows about egui; every random draw
//! comes from the one [`rng::SimRng`]; no iteration over an unordered map decides anything.

mod api;
mod bucket;
mod bus;
mod engine;
mod esm;
mod function;
mod host;
pub mod ids;
mod queue;
pub mod rng;
mod schedule;
mod sfn;
pub mod stats;
mod table;
mod topic;
pub mod trace;
mod traffic;

pub use engine::{Live, Origin, Sim, SimOptions};
pub use stats::ResourceStats;
pub use trace::{InvocationType, Ms, Status, TraceRecord};
