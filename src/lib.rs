//! # eventflow
//!
//! Design, run and watch event-driven serverless architectures: API Gateway, S3, SQS, SNS, EventBridge,
//! DynamoDB streams, Step Functions, RDS (with RDS Proxy) and Lambda, simulated deterministically with AWS's
//! delivery rules.
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
//!   canonical writer ([`scenario::write`], atomic saves). [`scenario::registry`] holds one declarative descriptor
//!   per resource type (`registry/<type>.rs`, reached through the exhaustive `registry::of`): every key with its
//!   JSON kind, required flag, default, AWS range (with its source) or choices, the resource types a reference may
//!   name and the graph edge it makes, a one-line doc, and what traffic the type takes. It is the single source of
//!   the loader's key, type, range, enum and reference checks (cross-field rules and building the model stay in
//!   `scenario/load/resources.rs`), the writer's key order, the editor's form fields, the palette's labels and the
//!   graph's edge roles; a test checks it against the spec's tables. `scenario::keys` lists the keys of the
//!   objects outside resources (top level, settings, traffic, layout). Every time in a file is at most
//!   [`scenario::MAX_TIME_S`] (100 years), a scenario has at most [`scenario::MAX_RESOURCES`] resources;
//!   [`scenario::estimate`] counts the traffic events a run will send
//!   before it starts (`run` and `sweep --max-events`, the app's "This run is big" prompt).
//! - [`pattern`] — the EventBridge event-pattern language (also SNS filter policies and trigger filters):
//!   compiled once, matched without allocation, with an `explain` for "why didn't it match?".
//! - [`layout`] — the canvas's graph layout, pure (no egui): layered left to right with crossing minimisation,
//!   straight causal chains, long edges routed in lanes between nodes, edge labels placed without collisions;
//!   shaped to the view (connected components packed in rows, tall layers split into sub-columns); measured
//!   (crossings against recorded bounds, overlaps, label collisions) by its tests and timed by `benches/layout.rs`.
//! - [`cron`] — AWS schedule expressions: `rate()`, six-field `cron()` with `? L W #`, and `at()`.
//! - [`events`] — builders of the exact JSON AWS hands to handlers (API Gateway 1.0/2.0, S3, EventBridge,
//!   Lambda destination records), pure functions of their inputs; what AWS would refuse is an
//!   [`events::EventError`]. `events::json_text` writes JSON text into bytes exactly as serde_json does (the
//!   trace's writer and the API request event built on demand use it).
//! - [`asl`] — the Amazon States Language interpreter (Step Functions): a pure state machine over a parsed
//!   definition that asks the engine for actions (invoke a function, call a service, start a timer) and is fed
//!   their answers; data flow, Choice, Wait, Parallel, Map, Retry/Catch, intrinsic functions and callback
//!   (`.waitForTaskToken`) tasks with their task tokens and heartbeats.
//! - [`script`] — handler scripts (Rhai): compiled once at load time, run in a sandbox with a virtual clock; SDK
//!   calls go to the simulator through the [`script::Host`] trait. Rhai is vendored with a small patch
//!   (`vendor/rhai/PATCHED.md`) that bounds how deeply a script may nest values ([`script::MAX_DEPTH`]) and counts
//!   the work of its size checks against the operation budget. Stack traces name a script by its path relative
//!   to the scenario's folder, so traces do not depend on where the scenario lives.
//! - [`sim`] — the engine and the services, one file each. No service logic outside its file: every caller —
//!   traffic, handler SDK calls, Step Functions tasks, rule and schedule targets, destinations, redrive,
//!   subscriptions — goes through the service's own operations, and matches over resource types and items
//!   name every case (no `_ =>`), so the compiler points at each place a new service must be handled.
//!   - `engine` — virtual time, the event queue (`calendar`: a timing wheel of microsecond buckets, first in
//!     first out, over a slot vector of events; a heap for events beyond its 33 ms horizon), hops along edges,
//!     dispatch; `target_item` only routes a delivery to the target's service. Recursion
//!     detection's per-chain counts are swept once their chain has left the simulation (`run`'s memory stays
//!     flat).
//!   - `function` — Lambda: environments, concurrency, sync and async invocation, retries, destinations, a
//!     handler's synchronous `lambda::invoke`.
//!   - `api` — API Gateway: routes, proxy events, integration timeout, status codes.
//!   - `bus` — EventBridge: PutEvents, rules, target delivery with input shaping; `schedule` — scheduled rules.
//!   - `bucket` — S3: put, delete and get objects, notifications.
//!   - `queue` — SQS: SendMessage (one message constructor, `SqsSend::new`), visibility, FIFO (content-based
//!     deduplication by SHA-256), redrive, retention (one timer per queue deletes expired waiting messages).
//!   - `topic` — SNS: Publish (`SnsPublish::new`), filter policies, fan-out to subscriptions.
//!   - `table` — DynamoDB: put, update, delete, get and query items; streams.
//!   - `database` — RDS: an embedded in-memory SQLite per database (rusqlite, `bundled`), connections per
//!     execution environment (opened at the first `rds::query`, closed when the environment is reclaimed),
//!     refusal at `max_connections` with the engine's text; `db_proxy` — RDS Proxy: the pool, lending per
//!     transaction, borrow waits and time-outs, pinning, idle connections.
//!   - `scaling` — Lambda's scaling rate (1,000 new environments per 10 s per function) and provisioned
//!     concurrency, used by `function`.
//!   - `sfn` — Step Functions: StartExecution and executions driving [`asl`]; its service integrations call
//!     the operations above; handlers' SendTaskSuccess/Failure/Heartbeat find their execution through the task
//!     token; Express's at-least-once starts are a fault (`faults`).
//!   - `esm` — event source mappings (`trigger`) over queues and streams (poller scaling, batching windows,
//!     throttle retries, recursive loop detection); `traffic` — traffic sources (a fixed payload is built once
//!     and shared by its events).
//!   - `host` — handler scripts' SDK calls: each resolves the resource it names and calls that service's
//!     operation at the call's virtual moment.
//!   - `limits` — AWS size limits, each a named constant with its source, checked where a payload is sent: a
//!     handler's SDK calls (the service's own error), its response (6 MB), its log lines (CloudWatch's event
//!     size), and traffic payloads (`limits::load_file`, used by `check`, `run` and `sweep`).
//!   - `faults` — faults injected while a run plays ([`sim::FaultChange`]: a function failing N % or slower, a
//!     resource refusing SDK calls, a trigger disabled); asked by the invoke path, `host` and `esm`; it draws
//!     from the seeded generator only while a fault is in force.
//!   - `ids` (id kinds and per-kind counters sized from them), `rng`, `trace`, `stats`; `trace_json` — the
//!     records' JSON Lines writer, by hand into a reused buffer (the bytes serde_json wrote, tested on every kind).
//!     Records allocate little: ids (request, message, event and trace ids) are an `ids::RecordId` — the numbers
//!     they are made from, formatted only when written (no escape scan) or shown; names are a `trace::Text`
//!     (inline up to 22 bytes, else an `Arc<str>` made once per resource in the engine's table; derefs to `str`),
//!     and an invocation's event is a `trace::EventPayload` — a value, a shared
//!     value (EventBridge fan-out, fixed traffic payloads), or an API Gateway request kept as its parts
//!     (`events::apigw::ApiRequestEvent`) and built as JSON only when read, written to JSON Lines straight from
//!     them (`events::json_text`).
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
//! - [`moment`] — a shared moment: a scenario, a virtual time and a selected resource in one file, which
//!   `eventflow open` opens on that moment (the run replayed to the time with `runner::Command::Seek`).
//! - [`runner`] — the only owner of a [`sim::Sim`] in the app: a thread that takes [`runner::Command`]s (play,
//!   pause, step, speed, skip idle, reset, load, inject, fault) over a bounded channel and sends back
//!   [`runner::Update`]s (a batch of trace records plus a [`runner::Snapshot`]: time, live state, stats, events/s,
//!   error), at most `UPDATE_BUDGET_BYTES` of records in flight (estimated per record; the runner thread waits,
//!   still answering commands, while the UI catches up; the UI never waits). Virtual time is paced against an injectable [`runner::WallClock`] (`wall elapsed × speed`, steps
//!   capped); skip idle jumps to just before the next event; every engine call is inside `catch_unwind`, so an
//!   engine bug becomes an error message. [`runner::RunnerCore`] is the synchronous logic; it can also run inline
//!   (tests, benchmarks) with a [`runner::ManualClock`]. Fault changes and test events sent by hand are recorded
//!   with their exact moment (virtual time and events processed, [`runner::RecordedFault`],
//!   [`runner::RecordedInjection`]) and done again there after a reset, so a run with faults and test events
//!   replays identically (a seek and an export too). Time travel: `Command::Seek` / `Command::StepBack`
//!   re-run from t = 0 to a moment (or one event fewer) on the runner thread, in ticks, so the UI never waits;
//!   [`runner::rerun_trace`] re-runs headless for the app's exports. A [`runner::PausePredicate`]
//!   (`Command::PauseWhen`, set once; every run restarts it) sees each record as the engine produces it, moment
//!   by moment, and stops play right at the record or time it waits for (a tour step's moment).
//!   `Command::PauseAt` pauses play once at a
//!   moment (`open --until`). [`runner::retention`] — what the app keeps of a run under a memory cap (issue 15):
//!   compact invocation rows (interned function, request and trace ids packed to 16 bytes, times, status: ~72
//!   bytes), the full detail (event — kept as the engine's `EventPayload`, an API request as its parts, built
//!   as JSON only when the inspector shows it — response, error, logs) only for the most recent invocations
//!   within a byte budget, the oldest rows dropped past the cap (1 GB by default, `open --memory-cap-mb`) and counted; detail
//!   no longer kept is rebuilt on demand by a re-run to that invocation on a thread of its own
//!   (`retention::DetailJob`; dropping the job, as a newer one replaces it, cancels its re-run). [`runner::metrics`] — per-interval series
//!   from trace records (concurrency, rates, p50/p99, queue depth and oldest age, dead letters, API status
//!   classes, cost) in at most `MAX_BUCKETS` buckets whose width doubles as the run grows: flat memory.
//! - [`ui`] — the desktop app on eframe 0.37 (glow): a small shell ([`ui::app::EventflowApp`]: runner, open
//!   document, panels) over panels that own their state, draw themselves and return [`ui::action::Action`]s,
//!   which the shell applies after drawing (runner commands, opening files, document edits). Each frame drains
//!   runner updates within a time budget, then draws; it only sends commands and reads snapshots. One line per
//!   panel:
//!   - `ui::menu` — the menu bar; `ui::toolbar` — Edit toggle, play/step/reset, speed, virtual time, run state.
//!   - `ui::start_page` — the gallery of built-in examples (each card draws its graph) and recent files.
//!   - `ui::gauge` — the connections gauge under database and proxy nodes (drawn by the canvas).
//!   - `ui::canvas` — nodes, routed and labelled edges, transit dots and flashes on egui's painter, the gestures
//!     of both modes (zoom, pan, fit, zoom to selection, the wiring refusal cue), one accessible widget per node;
//!     positions convert only through `ui::view::ViewTransform` (world ↔ screen); [`layout`] places nodes, routes
//!     edges and labels; `ui::node_labels` places node names in a readable size beside their boxes when zoomed
//!     out (level of detail: the hovered, selected and focused nodes and their neighbours always, others where
//!     they collide with nothing); `ui::minimap` shows where the view is on a large graph; `ui::health` draws each
//!     node's ok / error / fault / throttle ring, sizes nodes on demand and shows an edge's latency distribution.
//!   - `ui::sfn_graph` — a state machine drawn state by state in place on the canvas (double-click it: the
//!     canvas grows its box into a container and moves the rest aside): scopes laid out top to bottom from the
//!     parsed [`asl::Definition`], Choice conditions, containers, dashed Catch/Retry; it folds
//!     `state`/`execution` records into per-execution (and per-Map-iteration) state outcomes with their input
//!     and output.
//!   - `ui::inspector` — the selected node (stats, "Send a test event…", configuration), state of an expanded
//!     state machine (input, output, definition, for a chosen execution and Map iteration), invocation (with the
//!     searchable `ui::json_tree`), clicked dot or trace; `ui::dot_event` finds what a clicked dot carries (a
//!     re-run past its arrival on a thread, following its span to the record that shows the payload: nothing is
//!     kept per event for it); `ui::log` — the virtualised invocation table.
//!   - `ui::tour_panel` — a lesson's guided tour: the shown step (Markdown text, question), Back / Next,
//!     progress, what the next step waits for; it owns the [`tour::Follower`], is fed every drained record,
//!     pauses the run at steps that wait for it, and names what the canvas highlights; its twin `TourGate`, the
//!     runner's pause predicate, follows the same tour on the runner thread so the pause lands on the record.
//!   - `ui::inject` — the "Send a test event" window; `ui::experiments` — fault injection (View → Experiments);
//!     `ui::compare` — A/B metrics of two variants, plotted together over time and as a table (View → Compare
//!     with a variant);
//!     `ui::picker` — the in-app open / save file picker; `ui::run_guard` — the "This run is big" prompt that
//!     Play opens instead of starting a run over the work limit (run with a stop, shorten, cancel).
//!   - Issue 11's views: `ui::dashboard` — the bottom panel's tabs (Invocations, Timeline, Metrics, Dashboard),
//!     the state they share (metrics, recent traces, the time bar) and the ten-plot dashboard (its series kept
//!     and brought up to date from the last bucket on, `runner::metrics::Metrics::update_series`); `ui::timeline`
//!     — the store of recent traces (records moved in without their payloads, bounded by count and bytes) and
//!     the waterfall of one trace (spans from [`export::SpanSet`]; cold start, SDK calls, queue dwell, retries,
//!     "×N" fan-out, critical path); `ui::metrics` — egui_plot plots for the selected node; `ui::time_bar` —
//!     seek and step back under the canvas; `ui::export` — File → Export (trace, Perfetto, OTLP, timeline, PNG,
//!     SVG written from the canvas's drawing, animated PNG recorded by seeking frame by frame; `open
//!     --export-apng` records one from the command line).
//!   - Edit mode: `ui::palette` — add resources by click or drag; `ui::edit_form` — the property form (typed
//!     fields, raw JSON, pattern and filter sandboxes, traffic); `ui::code_editor` — handler code;
//!     `ui::dialogs` — the wiring question, "Unsaved changes" and File → Export SAM template;
//!     `ui::raw_editor` — a scenario file that does not load, opened as raw JSON with the loader's problems
//!     (Apply checks again and loads it when clean, Save writes it atomically; also `eventflow open bad.json`).
//!   - `ui::import_notes` — a SAM / CloudFormation template opened in the app (File → Open, drag and drop,
//!     `eventflow open t.yaml`) is converted on the fly; its import notes show in a panel (a click selects the
//!     resource); `ui::canvas_extras` draws the scenario's `external` resources (a template's unsimulated
//!     ones) greyed and its `hints` (links only `Policies` / `Environment` imply) dashed.
//!
//!   `ui::testing` is the harness of the UI tests and the frame benchmark (manual clock, inline runner,
//!   questions as methods). `ui` depends on no `cli` type: the command line parses [`ui::OpenArgs`] and calls
//!   [`ui::run`].
//! - [`editor`] — the visual editor's pure document operations (no egui): add with fresh ids and minimal
//!   defaults, delete / duplicate / rename with every reference following (the references the registry
//!   declares), the wiring rules of each pair of
//!   resource types (or why AWS refuses it), the typed form's fields ([`editor::fields`], derived from
//!   [`scenario::registry`]), undo/redo of whole documents, and the editing [`editor::session::Session`] (dirty
//!   flag, validation problems by JSON path, canonical save).
//! - [`ui`] edit mode (`ui/edit.rs` in the shell, with the edit-mode panels above) — add, wire by drag, select,
//!   move, rename, undo/redo, Save / Save As / New; it edits the scenario *document* and sends a valid result to
//!   the runner (`Command::Load`: a live re-run from t = 0).
//! - [`fileio`] — files the user owns: every save is atomic, writes through symbolic links, keeps the file's
//!   mode and owner and refuses a read-only file; outputs are compared with inputs by file identity.
//! - [`import`] — `eventflow import`: AWS SAM / CloudFormation templates (YAML with short-form tags, or JSON) →
//!   scenario documents. YAML events (`saphyr-parser`) → JSON with intrinsics in long form; parameters,
//!   conditions, mappings and `Globals` evaluated on the defaults; one mapping file per AWS resource family plus
//!   SAM's implicit resources (RDS instances, clusters and proxies included: a function whose environment names
//!   a database gets a stand-in handler that queries it); the result is validated by [`scenario`] and whatever
//!   it refuses is pruned into a note (`note: LogicalId (Type): …`); unsimulated resources and hint links are
//!   written into the scenario's `external` and `hints`.
//! - [`sam_export`] — `eventflow export FILE --sam`: a scenario → an AWS SAM template, the inverse of
//!   [`import`]'s tables (ids kept as logical ids, `!Ref`/`!GetAtt` wiring, routes, subscriptions, notifications
//!   and `<Function><Event>` triggers as function `Events`, SAM policy templates from the SDK calls and resource
//!   names in handler code; databases and proxies as RDS instances and proxies with their secret, subnet group
//!   and the functions' endpoint variables); `sam_export::yaml` writes YAML with short-form tags. Traffic,
//!   settings, `external`, `hints` and simulation-only keys stay out as notes. Tested by importing every export back (`tests/sam_export.rs`).
//! - [`cli`] — `eventflow check | run | test-pattern | open | fmt` with the exit codes of the CLI contract
//!   (`open --edit` starts in edit mode). `cli::trace_writer` formats and writes `run --trace`'s JSON Lines on a
//!   thread of its own, fed chunks of records through a bounded channel, so the engine runs on meanwhile.
//!
//! ## Invariants
//!
//! - Same file and seed ⇒ byte-identical trace. All randomness comes from one `SimRng`; ids are derived from the
//!   seed and counters; ties in virtual time run in scheduling order; nothing iterates an unordered map where
//!   order matters.
//! - `sim/` never reads the wall clock, never touches egui, never spawns threads.
//! - Modules depend downwards only: `cron`, `pattern`, `events`, `fileio` → `asl`, `script` → `scenario` → `sim`
//!   → `runner`, `editor`, `import`, `sam_export` → `ui` → `cli`.
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
//!
//! Invariants are tested: `tests/tidy.rs` reads the sources and fails when `sim/` or `runner/` use egui, `sim/`
//! reads a clock or spawns a thread, a module file lacks its `//!` doc, or a module depends backwards (its layer
//! table is the one above); determinism and trace stability are tested by `tests/scenarios.rs` and
//! `tests/shapes.rs`.
//!
//! ## Adding a resource type
//!
//! Add the variant to [`scenario::ResourceType`] (and [`scenario::ResourceKind`] with its typed model), then
//! follow the compiler: every place that must decide something about the new type is an exhaustive `match`,
//! so `cargo check --all-targets` lists them all and none is silent. Walked with a throwaway type (1 December
//! 2026, not committed): 19 places in 14 files, all pointed at by the compiler —
//!
//! - the format: `scenario/model.rs` (the variant, `ALL`, `resource_type()`, an `as_<type>()` accessor),
//!   `scenario/registry/<type>.rs` (a new descriptor: keys, ranges with their AWS sources, references and the
//!   edges they make) and its arm in `scenario/registry/mod.rs`, `scenario/load/resources.rs` (the reader building
//!   the typed model), `scenario/load/traffic.rs` (which payload traffic may send it), `scenario/graph.rs` (its
//!   edges);
//! - the editor: `editor/mod.rs` (a fresh resource's defaults, which wirings start from it);
//! - the engine: a new `sim/<service>.rs` with its operations, and the decisions other services make about it:
//!   `sim/engine.rs` (live state, delivery to it as a target), `sim/bucket.rs` (as a notification target),
//!   `sim/topic.rs` (as a subscriber), `sim/esm.rs` (as a trigger source), `sim/traffic.rs` (messages from
//!   outside). Services read their own resources through `ResourceKind::as_<type>()`, so their state tables
//!   need no arm for it;
//! - the app: `ui/style.rs` (its colour), `ui/inject.rs` (test events), `ui/edit_form.rs` (trigger roles,
//!   a traffic sample).
//!
//! Issue 9 aimed at eight files; the colour, test-event and traffic-sample arms could move into the registry's
//! descriptors next.

pub mod asl;
pub mod cli;
pub mod cron;
pub mod editor;
pub mod events;
pub mod export;
pub mod fileio;
pub mod import;
pub mod layout;
pub mod moment;
pub mod pattern;
pub mod runner;
pub mod sam_export;
pub mod scenario;
pub mod script;
pub mod sim;
pub mod tour;
pub mod ui;
