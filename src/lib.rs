//! # eventflow
//!
//! Design, run and watch event-driven serverless architectures: API Gateway, S3, SQS, SNS, EventBridge,
//! DynamoDB streams, Step Functions and Lambda, simulated deterministically with AWS's delivery rules.
//!
//! ## Bird's-eye view
//!
//! A scenario file (`eventflow/1`, see `shared/spec/scenario-format.md`) is loaded and validated by
//! [`scenario`] into a typed model whose references are already resolved. [`sim`] turns that model into a
//! discrete-event simulation: virtual time in integer microseconds, one ordered event queue, one seeded RNG,
//! one file per AWS service. It produces trace records ([`sim::TraceRecord`]) and statistics. The command line
//! ([`cli`]) runs it headless; the desktop app drives the same engine from a background thread.
//!
//! ```text
//!   file.json ──scenario::load──▶ Scenario ──sim::Sim::new──▶ Sim ──step/run_until──▶ TraceRecord stream
//!                                    │                          ▲                       │
//!                                    └─scenario::graph (petgraph) │ commands        stats / live state
//! ```
//!
//! ## Code map
//!
//! - [`scenario`] — the format: a position-keeping JSON parser (errors carry file:line:col and a JSON path),
//!   validation of every rule of the spec into the typed [`scenario::model`], and the architecture graph.
//! - [`pattern`] — the EventBridge event-pattern language (also SNS filter policies and trigger filters):
//!   compiled once, matched without allocation, with an `explain` for "why didn't it match?".
//! - [`cron`] — AWS schedule expressions: `rate()`, six-field `cron()` with `? L W #`, and `at()`.
//! - [`events`] — builders of the exact JSON AWS hands to handlers (API Gateway 1.0/2.0, S3, EventBridge,
//!   Lambda destination records), pure functions of their inputs.
//! - [`sim`] — the engine and the services. Public surface: [`sim::Sim`], [`sim::SimOptions`],
//!   [`sim::TraceRecord`], [`sim::ResourceStats`].
//! - [`cli`] — `eventflow check | run | test-pattern | open` with the exit codes of the CLI contract.
//!
//! ## Invariants
//!
//! - Same file and seed ⇒ byte-identical trace. All randomness comes from one `SimRng`; ids are derived from the
//!   seed and counters; ties in virtual time run in scheduling order; nothing iterates an unordered map where
//!   order matters.
//! - `sim/` never reads the wall clock, never touches egui, never spawns threads.
//! - A loaded [`scenario::Scenario`] is valid: the engine does not re-validate and never panics on it.
//! - Loading never panics on any input; every problem is reported with file, line, column and JSON path.
//! - Turning the trace on or off never changes what happens in a run (only what is recorded).

pub mod cli;
pub mod cron;
pub mod events;
pub mod pattern;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod ui;
