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
//! ([`cli`]) runs it headless; the desktop app ([`ui`]) drives the same engine through the [`runner`], which owns
//! it on a background thread.
//!
//! ```text
//!   file.json ──scenario::load──▶ Scenario ──sim::Sim::new──▶ Sim ──step/run_until──▶ TraceRecord stream
//!                                    │                          ▲                       │
//!                                    └─scenario::graph (petgraph) │ commands        stats / live state
//!                                                                 │                       ▼
//!                                           ui (egui) ◀──Update {records, Snapshot}── runner thread
//!                                                     ───Command (bounded channel)──▶
//! ```
//!
//! ## Code map
//!
//! - [`scenario`] — the format: a position-keeping JSON parser (errors carry file:line:col and a JSON path),
//!   validation of every rule of the spec into the typed [`scenario::model`], the architecture graph, and the
//!   canonical writer ([`scenario::write`], atomic saves). One list of the format's keys (`scenario::keys`) serves
//!   both the loader's unknown-key checks and the writer's key order.
//! - [`pattern`] — the EventBridge event-pattern language (also SNS filter policies and trigger filters):
//!   compiled once, matched without allocation, with an `explain` for "why didn't it match?".
//! - [`cron`] — AWS schedule expressions: `rate()`, six-field `cron()` with `? L W #`, and `at()`.
//! - [`events`] — builders of the exact JSON AWS hands to handlers (API Gateway 1.0/2.0, S3, EventBridge,
//!   Lambda destination records), pure functions of their inputs.
//! - [`asl`] — the Amazon States Language interpreter (Step Functions): a pure state machine over a parsed
//!   definition that asks the engine for actions (invoke a function, call a service, start a timer) and is fed
//!   their answers; data flow, Choice, Wait, Parallel, Map, Retry/Catch and intrinsic functions.
//! - [`script`] — handler scripts (Rhai): compiled once at load time, run in a sandbox with a virtual clock; SDK
//!   calls go to the simulator through the [`script::Host`] trait.
//! - [`sim`] — the engine and the services, one file each. No service logic outside its file: every caller —
//!   traffic, handler SDK calls, Step Functions tasks, rule and schedule targets, destinations, redrive,
//!   subscriptions — goes through the service's own operations, and matches over resource types and items
//!   name every case (no `_ =>`), so the compiler points at each place a new service must be handled.
//!   - `engine` — virtual time, the event queue, hops along edges, dispatch; `target_item` only routes a
//!     delivery to the target's service.
//!   - `function` — Lambda: environments, concurrency, sync and async invocation, retries, destinations, a
//!     handler's synchronous `lambda::invoke`.
//!   - `api` — API Gateway: routes, proxy events, integration timeout, status codes.
//!   - `bus` — EventBridge: PutEvents, rules, target delivery with input shaping; `schedule` — scheduled rules.
//!   - `bucket` — S3: put, delete and get objects, notifications.
//!   - `queue` — SQS: SendMessage (one message constructor, `SqsSend::new`), visibility, FIFO, redrive.
//!   - `topic` — SNS: Publish (`SnsPublish::new`), filter policies, fan-out to subscriptions.
//!   - `table` — DynamoDB: put, update, delete, get and query items; streams.
//!   - `sfn` — Step Functions: StartExecution and executions driving [`asl`]; its service integrations call
//!     the operations above.
//!   - `esm` — event source mappings (`trigger`) over queues and streams; `traffic` — traffic sources.
//!   - `host` — handler scripts' SDK calls: each resolves the resource it names and calls that service's
//!     operation at the call's virtual moment.
//!   - `ids` (id kinds and per-kind counters sized from them), `rng`, `trace`, `stats`.
//!
//!   Records stamped in the engine's future (a handler's calls and logs) wait in a time-ordered buffer so the
//!   trace stays ordered. Causality: records carry span ids from an engine counter (`Sim::open_span`); the
//!   current cause rides along in `ids::TraceId::span` (the model is documented in `trace`). Public surface: [`sim::Sim`], [`sim::SimOptions`], [`sim::TraceRecord`],
//!   [`sim::ResourceStats`].
//! - [`export`] — the run for outside viewers, from trace records: a span model ([`export::SpanSet`]), the
//!   Chrome trace event format for Perfetto ([`export::perfetto`]) and OTLP/JSON for Jaeger ([`export::otlp`]);
//!   `eventflow run --perfetto / --otlp`.
//! - [`tour`] — following a scenario's guided tour through a run: the [`tour::Follower`] state machine (fed
//!   trace records, the clock and the learner's Next; answers which step is reached when) and the headless
//!   [`tour::check`] behind `eventflow tour`.
//! - [`runner`] — the only owner of a [`sim::Sim`] in the app: a thread that takes [`runner::Command`]s (play,
//!   pause, step, speed, skip idle, reset, load, inject) over a bounded channel and sends back
//!   [`runner::Update`]s (a batch of trace records plus a [`runner::Snapshot`]: time, live state, stats, events/s,
//!   error). Virtual time is paced against an injectable [`runner::WallClock`] (`wall elapsed × speed`, steps
//!   capped); skip idle jumps to just before the next event; every engine call is inside `catch_unwind`, so an
//!   engine bug becomes an error message. [`runner::RunnerCore`] is the synchronous logic; it can also run inline
//!   (tests, benchmarks) with a [`runner::ManualClock`].
//! - [`ui`] — the desktop app on eframe 0.37 (glow): start page, toolbar, the architecture canvas (own painter
//!   code: layered layout, icons, labelled edges, transit dots, flashes), the inspector with a searchable JSON
//!   tree, the virtualised invocation log, "send a test event", screenshots. Each frame drains runner updates
//!   within a time budget, then draws; it only sends commands.
//! - [`editor`] — the visual editor's pure document operations (no egui): add with fresh ids and minimal
//!   defaults, delete / duplicate / rename with every reference following, the wiring rules of each pair of
//!   resource types (or why AWS refuses it), the typed form's field table, undo/redo of whole documents, and the
//!   editing [`editor::session::Session`] (dirty flag, validation problems by JSON path, canonical save).
//! - [`ui`] edit mode (`ui/edit.rs`, `ui/edit_form.rs`) — palette, wiring by drag, property panel, pattern
//!   sandbox, traffic and handler code editors, Save / Save As / New; it edits the scenario *document* and sends a
//!   valid result to the runner (`Command::Load`: a live re-run from t = 0).
//! - [`fileio`] — files the user owns: every save is atomic, writes through symbolic links, keeps the file's
//!   mode and owner and refuses a read-only file; outputs are compared with inputs by file identity.
//! - [`cli`] — `eventflow check | run | test-pattern | open | fmt` with the exit codes of the CLI contract
//!   (`open --edit` starts in edit mode).
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
//! - The UI never mutates simulation state: it owns no `Sim`, only views built from trace records and snapshots,
//!   and changes the run only through runner commands. `runner/` never touches egui.
//! - A fast engine never floods the UI: batches are bounded per tick, the update channel is bounded (the runner
//!   waits), and the UI drains with a per-frame time budget. An engine panic never takes the app down.
//! - The app requests repaints only while something moves (playing, dots in flight, flashes).
//! - The editor's source of truth is the scenario document (`serde_json::Value`, object order kept); every edit
//!   is a function document → document, recorded for undo, and re-validated with `scenario::load_str` over the
//!   canonical text. Only a valid document reaches the runner; an invalid one keeps the last good run going and
//!   shows its problems on the nodes. The editor never touches a `Sim`.
//! - Save writes `scenario::write::canonical_text` atomically — exactly what `eventflow fmt` writes — so loading
//!   and saving a canonical file without edits gives the same bytes (`layout` is rewritten only after the user
//!   moved nodes or added resources).

pub mod asl;
pub mod cli;
pub mod cron;
pub mod editor;
pub mod events;
pub mod export;
pub mod fileio;
pub mod pattern;
pub mod runner;
pub mod scenario;
pub mod script;
pub mod sim;
pub mod tour;
pub mod ui;
