//! The runner: the one owner of a [`Sim`] in the desktop app, on its own thread.
//!
//! The UI talks to it only through messages: [`Command`]s in, [`Update`]s out, both over bounded
//! `crossbeam-channel`s. The UI never touches simulation state; the runner never touches egui. The updates in
//! flight are bounded twice: by count ([`UPDATE_CAPACITY`]) and by the estimated bytes of their records
//! ([`UPDATE_BUDGET_BYTES`]); when the UI falls behind, the runner thread waits (still answering commands), so a
//! run at full speed holds at most one budget of records between the engine and the UI. The UI never waits.
//!
//! Virtual time is paced against a wall clock ([`WallClock`], injectable so tests use a [`ManualClock`]):
//! each tick advances the simulation by `wall elapsed × speed` (wall steps are capped, so a stalled process does
//! not produce a burst), processing at most [`EVENTS_PER_TICK`] engine events. With *skip idle* on, when nothing
//! is pending before the next event the clock jumps to just before it, so sparse schedules still animate.
//!
//! Every call into the engine is wrapped in `catch_unwind`: an engine panic becomes [`Snapshot::error`] and the
//! simulation is dropped; the app keeps running.
//!
//! [`RunnerCore`] is the whole logic, synchronous and deterministic given its clock; [`Runner`] runs a core on a
//! thread ([`Runner::spawn`]) or inline on the caller's thread ([`Runner::inline`], for tests and benchmarks).

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use crate::scenario::{Payload, ResId, Scenario};
use crate::sim::{FaultChange, Live, ResourceStats, Sim, SimOptions, TraceRecord};

pub mod metrics;
pub mod retention;
#[cfg(test)]
mod tests;

/// Most engine events processed per tick: bounds a batch of records and the time a tick takes.
pub const EVENTS_PER_TICK: u64 = 20_000;
/// Longest wall-clock step taken at once (after a stall, time does not leap).
pub const MAX_WALL_STEP: Duration = Duration::from_millis(100);
/// With skip idle: how much wall time the last stretch before the next event still takes (so it is seen coming).
pub const IDLE_LEAD_WALL: Duration = Duration::from_millis(300);
/// Speed range of the speed slider.
pub const SPEED_MIN: f64 = 0.1;
pub const SPEED_MAX: f64 = 1000.0;
/// Capacity of the update channel in batches: when the UI falls behind, the engine waits (backpressure).
pub const UPDATE_CAPACITY: usize = 32;
/// Most bytes of records (estimated, [`retention::record_bytes`]) in updates sent but not yet taken by the UI:
/// beyond it the engine waits (backpressure). A batch of [`EVENTS_PER_TICK`] events of an API at load is about
/// 10–20 MB of records, so this lets a few batches queue while the UI folds one; a single update larger than
/// the budget still goes, alone.
pub const UPDATE_BUDGET_BYTES: usize = 64 << 20;
/// How often the thread ticks while playing.
pub const TICK: Duration = Duration::from_millis(8);
/// How often percentiles are recomputed while playing (they sort samples).
const STATS_EVERY: Duration = Duration::from_millis(250);

/// What the UI asks of the runner.
#[derive(Debug, Clone)]
pub enum Command {
    Play,
    Pause,
    /// Process the next pending event (pauses first).
    Step,
    /// Virtual seconds per wall second, clamped to [`SPEED_MIN`]..=[`SPEED_MAX`].
    SetSpeed(f64),
    SkipIdle(bool),
    /// Start the loaded scenario again at t = 0.
    Reset,
    Load(Arc<Scenario>),
    /// Send a payload into the simulation now (the app's "send a test event"). Like a fault change, it is recorded
    /// with its moment and sent again at that moment after a [`Command::Reset`], a seek or an export's re-run.
    Inject {
        to: ResId,
        payload: Payload,
    },
    Shutdown,
    /// Change the faults in force now (the Experiments panel). The change is recorded with the virtual moment it
    /// was applied at, and applied again at that moment after a [`Command::Reset`], so the run replays identically.
    Fault(FaultChange),
    /// Time travel: go to virtual time `t_us` and pause (also how a shared moment, [`crate::moment`], opens). An earlier moment re-runs the scenario from t = 0 (a new
    /// generation; the run is deterministic, so it is the same run up to there), on this thread, in ticks of at
    /// most [`EVENTS_PER_TICK`] events, so the UI keeps drawing meanwhile.
    Seek(u64),
    /// Time travel one engine event back: re-run from t = 0 to one event fewer, and pause.
    StepBack,
    /// Sets (or, with `None`, clears) the pause predicate ([`PausePredicate`]): play then pauses right at the
    /// record or the virtual time it waits for (a guided tour's step), not a tick later. It outlives Loads and
    /// Resets (each run restarts it), so set once before the first Load it sees every record of every run.
    PauseWhen(Option<PauseWhen>),
    /// Tells the pause predicate where the UI is (for a tour: the index of the step it waits for).
    PauseStage(usize),
    /// Play pauses at virtual time `t_us` once, as it does at `settings.until_s` (`open --until`); playing on
    /// from there goes past it. A Load forgets it.
    PauseAt(u64),
}

/// A test the runner applies, on its own thread, to every trace record of a run as it produces it, and a virtual
/// time to stop at. Play pauses right after the engine event whose record it answered `true` for (a record held
/// back to a later time is released at its own time first), or exactly at its deadline: the learner sees the
/// moment itself. The app's guided tour is one ([`crate::ui`]'s tour gate).
pub trait PausePredicate: Send {
    /// A run of `scenario` starts at t = 0 (a Load, a Reset, a seek back): forget what was counted.
    fn restart(&mut self, scenario: &Arc<Scenario>);
    /// The UI is at `stage` (a tour: the index of the step it waits for) at virtual time `now_us`. Stages only
    /// move forward; an earlier one changes nothing.
    fn advance(&mut self, stage: usize, now_us: u64);
    /// One record of the run: each exactly once, in order. `true`: pause right after it.
    fn observe(&mut self, record: &TraceRecord) -> bool;
    /// The virtual time play stops at, if any.
    fn deadline_us(&self) -> Option<u64>;
    /// Play has reached `now_us`. `true`: pause here.
    fn clock(&mut self, now_us: u64) -> bool;
    /// Whether a record could make it pause now: while not, play runs at full speed, without looking at each
    /// engine event (records are still shown to [`PausePredicate::observe`], after the tick).
    fn watching(&self) -> bool {
        true
    }
}

/// A pause predicate on its way to the runner: commands are `Clone`, so it travels shared, and the runner takes
/// it out once.
#[derive(Clone)]
pub struct PauseWhen(Arc<Mutex<Option<Box<dyn PausePredicate>>>>);

impl PauseWhen {
    pub fn new(predicate: impl PausePredicate + 'static) -> PauseWhen {
        PauseWhen(Arc::new(Mutex::new(Some(Box::new(predicate)))))
    }

    fn take(&self) -> Option<Box<dyn PausePredicate>> {
        self.0.lock().ok()?.take()
    }
}

impl std::fmt::Debug for PauseWhen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PauseWhen(..)")
    }
}

/// A fault change as the runner recorded it: the moment of the run it was applied at, exactly — the virtual time
/// and the number of engine events processed before it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedFault {
    pub t_us: u64,
    pub events: u64,
    pub change: FaultChange,
}

/// A test event sent by hand (the app's "Send test event") as the runner recorded it: the moment of the run it was
/// sent at, exactly as for a [`RecordedFault`], and how many recorded fault changes came before it (so a fault
/// change and a test event at the same moment are replayed in the order they were made).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedInjection {
    pub t_us: u64,
    pub events: u64,
    pub faults_before: usize,
    pub to: ResId,
    pub payload: Payload,
}

/// What was done to a run by hand, in order: fault changes and test events. A re-run does them again at their
/// moments, so it is the run the user saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorded<'a> {
    pub faults: &'a [RecordedFault],
    pub injections: &'a [RecordedInjection],
}

/// How far a run has got through a [`Recorded`] list: fault changes and test events done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cursor {
    faults: usize,
    injections: usize,
}

/// One recorded thing to do.
enum Due<'a> {
    Fault(&'a RecordedFault),
    Inject(&'a RecordedInjection),
}

impl<'a> Recorded<'a> {
    /// The next thing to do after `at`, with its moment (virtual time, events processed before it).
    fn next(&self, at: Cursor) -> Option<(u64, u64, Due<'a>)> {
        let fault = self.faults.get(at.faults);
        match self.injections.get(at.injections) {
            Some(j) if fault.is_none() || j.faults_before <= at.faults => {
                Some((j.t_us, j.events, Due::Inject(j)))
            }
            _ => fault.map(|f| (f.t_us, f.events, Due::Fault(f))),
        }
    }

    /// Does `due` to `sim` and moves the cursor past it.
    fn apply(sim: &mut Sim, due: Due<'_>, at: &mut Cursor) {
        match due {
            Due::Fault(f) => {
                sim.apply_fault(&f.change);
                at.faults += 1;
            }
            Due::Inject(j) => {
                sim.inject(j.to, &j.payload);
                at.injections += 1;
            }
        }
    }

    /// Does everything recorded after no more events than `sim` has processed (before a step).
    fn apply_reached(&self, sim: &mut Sim, at: &mut Cursor) {
        while let Some((_, _, due)) = self
            .next(*at)
            .filter(|(_, events, _)| *events <= sim.events_processed())
        {
            Recorded::apply(sim, due, at);
        }
    }
}

/// Where a seek is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeekTarget {
    Time(u64),
    Events(u64),
}

/// Statistics of one resource as the inspector shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsView {
    pub count: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub throttles: u64,
    pub retries: u64,
    pub dead_lettered: u64,
    pub dropped: u64,
    pub cold_starts: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub cost_usd: f64,
}

impl StatsView {
    /// The view of `s`; without `with_percentiles` the percentiles are `previous`'s (they cost a pass over the
    /// durations, so the runner refreshes them less often than the counts).
    pub fn of(
        s: &ResourceStats,
        with_percentiles: bool,
        previous: Option<&StatsView>,
    ) -> StatsView {
        let (p50_ms, p99_ms) = if with_percentiles {
            percentiles(&s.durations_us)
        } else {
            previous
                .map(|p| (p.p50_ms, p.p99_ms))
                .unwrap_or((None, None))
        };
        StatsView {
            count: s.count,
            errors: s.errors,
            timeouts: s.timeouts,
            throttles: s.throttles,
            retries: s.retries,
            dead_lettered: s.dead_lettered,
            dropped: s.dropped,
            cold_starts: s.cold_starts,
            p50_ms,
            p99_ms,
            cost_usd: s.cost_usd(),
        }
    }
}

/// p50 and p99 (nearest rank) in milliseconds, in linear time.
fn percentiles(samples_us: &[u32]) -> (Option<f64>, Option<f64>) {
    if samples_us.is_empty() {
        return (None, None);
    }
    let mut v = samples_us.to_vec();
    let mut at = |p: f64| {
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        let i = rank.clamp(1, v.len()) - 1;
        let (_, x, _) = v.select_nth_unstable(i);
        *x as f64 / 1000.0
    };
    (Some(at(50.0)), Some(at(99.0)))
}

/// The state of the run after a tick.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Increments on every Load and Reset: the UI clears what it drew of the previous run.
    pub generation: u64,
    pub now_us: u64,
    pub playing: bool,
    pub speed: f64,
    pub skip_idle: bool,
    /// Per resource (indexed by `ResId`).
    pub live: Vec<Live>,
    pub stats: Vec<StatsView>,
    pub events_processed: u64,
    /// Engine events per wall second over the last half second of play.
    pub events_per_s: f64,
    /// Time of the next pending event; `None` when the run is over.
    pub next_event_us: Option<u64>,
    /// `settings.until_s` in microseconds: play pauses there once.
    pub until_us: u64,
    /// An engine failure, shown to the user.
    pub error: Option<String>,
    /// The fault changes applied so far in this run, in order (see [`Command::Fault`]).
    pub faults: Vec<RecordedFault>,
    /// The test events sent so far in this run, in order (see [`Command::Inject`]).
    pub injections: Vec<RecordedInjection>,
    /// A seek (time travel) is under way.
    pub seeking: bool,
}

/// One message from the runner: the records produced since the last one and the state after them.
#[derive(Debug, Clone)]
pub struct Update {
    pub records: Vec<TraceRecord>,
    pub snapshot: Snapshot,
    /// The records' estimated bytes ([`retention::record_bytes`]): what the update counts against
    /// [`UPDATE_BUDGET_BYTES`] while in flight.
    pub records_bytes: usize,
}

/// A source of wall time (injectable for tests).
pub trait WallClock: Send {
    /// Time since some fixed origin.
    fn now(&self) -> Duration;
}

/// The real monotonic clock.
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(Instant::now())
    }
}

impl WallClock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// A clock that moves only when told to; clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    pub fn advance(&self, d: Duration) {
        self.0
            .fetch_add(d.as_micros().min(u64::MAX as u128) as u64, Ordering::SeqCst);
    }
}

impl WallClock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::SeqCst))
    }
}

/// The runner's logic: owns the simulation, applies commands, advances time.
pub struct RunnerCore {
    clock: Box<dyn WallClock>,
    scenario: Option<Arc<Scenario>>,
    sim: Option<Sim>,
    generation: u64,
    playing: bool,
    speed: f64,
    skip_idle: bool,
    /// Wall time of the last tick.
    last_wall: Duration,
    /// Pause at `until_s` once; cleared when the user plays on past it.
    stop_at_until: bool,
    error: Option<String>,
    records: Vec<TraceRecord>,
    stats: Vec<StatsView>,
    last_stats_wall: Option<Duration>,
    rate_wall: Duration,
    rate_events: u64,
    events_per_s: f64,
    dirty: bool,
    /// Every fault change of this scenario's runs, in order; kept over a Reset, cleared by a Load.
    faults: Vec<RecordedFault>,
    /// How many of them the current run has applied.
    faults_applied: usize,
    /// Every test event sent by hand in this scenario's runs, in order; kept over a Reset, cleared by a Load.
    injections: Vec<RecordedInjection>,
    /// How many of them the current run has sent.
    injections_applied: usize,
    /// A seek under way.
    seek: Option<SeekTarget>,
    /// Where play pauses besides `until_s` (see [`Command::PauseWhen`]).
    pause: Option<Box<dyn PausePredicate>>,
    /// Where play pauses once besides `until_s` ([`Command::PauseAt`]).
    pause_at_us: Option<u64>,
}

impl RunnerCore {
    pub fn new(clock: Box<dyn WallClock>) -> RunnerCore {
        let last_wall = clock.now();
        RunnerCore {
            clock,
            scenario: None,
            sim: None,
            generation: 0,
            playing: false,
            speed: 1.0,
            skip_idle: true,
            last_wall,
            stop_at_until: true,
            error: None,
            records: Vec::new(),
            stats: Vec::new(),
            last_stats_wall: None,
            rate_wall: last_wall,
            rate_events: 0,
            events_per_s: 0.0,
            dirty: true,
            faults: Vec::new(),
            faults_applied: 0,
            injections: Vec::new(),
            injections_applied: 0,
            seek: None,
            pause: None,
            pause_at_us: None,
        }
    }

    /// Whether the core is playing a loaded simulation.
    pub fn is_playing(&self) -> bool {
        self.playing && self.sim.is_some()
    }

    /// Whether the core wants ticks: it is playing, or a seek is under way.
    /// Whether [`RunnerCore::take_update`] has something to send (a command changed the state, or records wait).
    pub fn has_pending_update(&self) -> bool {
        self.dirty || !self.records.is_empty()
    }

    pub fn wants_ticks(&self) -> bool {
        self.is_playing() || (self.seek.is_some() && self.sim.is_some())
    }

    /// Applies a command. Returns false for `Shutdown`.
    pub fn handle(&mut self, cmd: Command) -> bool {
        self.dirty = true;
        match cmd {
            Command::Play => {
                if self.sim.is_some() {
                    if let Some(sim) = &self.sim
                        && sim.now_us() >= self.until_us()
                    {
                        self.stop_at_until = false;
                    }
                    if let (Some(sim), Some(p)) = (&self.sim, self.pause_at_us)
                        && sim.now_us() >= p
                    {
                        self.pause_at_us = None;
                    }
                    self.playing = true;
                    self.last_wall = self.clock.now();
                    self.rate_wall = self.last_wall;
                    self.rate_events = self.sim.as_ref().map_or(0, Sim::events_processed);
                }
            }
            Command::Pause => self.playing = false,
            Command::Step => {
                self.playing = false;
                self.with_recorded(|sim, recorded, at, _| {
                    // Fault changes and test events recorded before this event come first.
                    recorded.apply_reached(sim, at);
                    sim.step();
                });
                self.last_stats_wall = None;
            }
            Command::SetSpeed(speed) => {
                self.speed = if speed.is_finite() {
                    speed.clamp(SPEED_MIN, SPEED_MAX)
                } else {
                    1.0
                };
            }
            Command::SkipIdle(on) => self.skip_idle = on,
            Command::Reset => {
                if let Some(sc) = self.scenario.clone() {
                    self.start(sc);
                }
            }
            Command::Load(sc) => {
                self.playing = false;
                self.faults.clear();
                self.pause_at_us = None;
                self.injections.clear();
                self.start(sc);
            }
            Command::Inject { to, payload } => {
                if let Some(sc) = &self.scenario {
                    if to.index() < sc.resources.len() {
                        if let Some(sim) = &self.sim {
                            let (t_us, events) = (sim.now_us(), sim.events_processed());
                            self.forget_unreached();
                            self.injections.push(RecordedInjection {
                                t_us,
                                events,
                                faults_before: self.faults_applied,
                                to,
                                payload: payload.clone(),
                            });
                            self.injections_applied = self.injections.len();
                        }
                        self.guarded(|sim| sim.inject(to, &payload));
                    } else {
                        self.error = Some(format!("no resource #{} to send to", to.0));
                    }
                }
            }
            Command::Shutdown => return false,
            Command::Fault(change) => {
                if let Some(sim) = &self.sim {
                    let (t_us, events) = (sim.now_us(), sim.events_processed());
                    self.forget_unreached();
                    self.faults.push(RecordedFault {
                        t_us,
                        events,
                        change: change.clone(),
                    });
                    self.faults_applied = self.faults.len();
                    self.guarded(|sim| sim.apply_fault(&change));
                }
            }
            Command::Seek(t_us) => self.begin_seek(SeekTarget::Time(t_us)),
            Command::PauseAt(t_us) => self.pause_at_us = Some(t_us),
            Command::StepBack => {
                let done = self.sim.as_ref().map_or(0, Sim::events_processed);
                if done > 0 {
                    self.begin_seek(SeekTarget::Events(done - 1));
                }
            }
            Command::PauseWhen(predicate) => {
                self.pause = predicate.and_then(|p| p.take());
                if let (Some(pause), Some(sc)) = (&mut self.pause, &self.scenario) {
                    // Set in the middle of a run: it counts from the records not yet handed out.
                    pause.restart(sc);
                    for r in &self.records {
                        pause.observe(r);
                    }
                }
            }
            Command::PauseStage(stage) => {
                let now_us = self.sim.as_ref().map_or(0, Sim::now_us);
                if let Some(pause) = &mut self.pause {
                    pause.advance(stage, now_us);
                }
            }
        }
        true
    }

    /// A change made after a Reset (or a seek back) replaces the recorded fault changes and test events the run
    /// has not reached yet: the run goes another way from here.
    fn forget_unreached(&mut self) {
        self.faults.truncate(self.faults_applied);
        self.injections.truncate(self.injections_applied);
    }

    /// Runs `f` on the simulation (guarded) with the recorded fault changes and test events and the cursor of the
    /// current run through them; keeps the cursor's progress.
    fn with_recorded(&mut self, f: impl FnOnce(&mut Sim, Recorded<'_>, &mut Cursor, &mut Watch)) {
        let faults = std::mem::take(&mut self.faults);
        let injections = std::mem::take(&mut self.injections);
        let mut at = Cursor {
            faults: self.faults_applied,
            injections: self.injections_applied,
        };
        let recorded = Recorded {
            faults: &faults,
            injections: &injections,
        };
        self.guarded_watched(|sim, watch| f(sim, recorded, &mut at, watch));
        self.faults = faults;
        self.injections = injections;
        self.faults_applied = at.faults;
        self.injections_applied = at.injections;
    }

    /// Starts a seek: pauses, restarts the run when the target lies behind, and lets the ticks run to it.
    fn begin_seek(&mut self, target: SeekTarget) {
        let Some(sc) = self.scenario.clone() else {
            return;
        };
        self.playing = false;
        let behind = match (&self.sim, target) {
            (None, _) => true,
            (Some(sim), SeekTarget::Time(t)) => t < sim.now_us(),
            (Some(sim), SeekTarget::Events(n)) => n < sim.events_processed(),
        };
        if behind {
            self.start(sc);
        }
        self.seek = Some(target);
        self.seek_tick();
    }

    /// One tick of a seek: at most [`EVENTS_PER_TICK`] events towards the target.
    fn seek_tick(&mut self) {
        let Some(target) = self.seek else { return };
        let mut done = false;
        // A seek replays the recorded fault changes and test events at their moments, as play does: the same run
        // up to there.
        self.with_recorded(|sim, recorded, at, _| match target {
            SeekTarget::Time(t) => {
                run_with_recorded(sim, t, recorded, at);
                done = sim.next_event_us().is_none_or(|next| next > t);
            }
            SeekTarget::Events(n) => {
                let mut ran = 0;
                while sim.events_processed() < n && ran < EVENTS_PER_TICK {
                    recorded.apply_reached(sim, at);
                    if !sim.step() {
                        break;
                    }
                    ran += 1;
                }
                done = sim.events_processed() >= n || sim.next_event_us().is_none();
            }
        });
        if done || self.sim.is_none() {
            self.seek = None;
        }
        self.dirty = true;
    }

    /// Where play pauses next: `until_s` (unless played past), or an earlier [`Command::PauseAt`] moment.
    fn stop_us(&self) -> u64 {
        let until = self.until_us();
        match (self.stop_at_until, self.pause_at_us) {
            (true, Some(p)) => p.min(until),
            (false, Some(p)) => p,
            (_, None) => until,
        }
    }

    fn until_us(&self) -> u64 {
        self.scenario
            .as_ref()
            .map_or(u64::MAX, |sc| secs_to_us(sc.settings.until_s))
    }

    fn start(&mut self, sc: Arc<Scenario>) {
        self.generation += 1;
        self.seek = None;
        self.error = None;
        self.records.clear();
        self.stats.clear();
        self.last_stats_wall = None;
        self.stop_at_until = true;
        self.faults_applied = 0;
        self.injections_applied = 0;
        self.scenario = Some(sc.clone());
        self.sim = None;
        let made = catch_unwind(AssertUnwindSafe(|| {
            Sim::new(
                sc,
                SimOptions {
                    seed: None,
                    trace: true,
                },
            )
        }));
        match made {
            Ok(mut sim) => {
                let first = sim.take_trace();
                if let (Some(pause), Some(sc)) = (&mut self.pause, &self.scenario) {
                    pause.restart(sc);
                    for r in &first {
                        pause.observe(r);
                    }
                }
                self.records.extend(first);
                self.sim = Some(sim);
            }
            Err(p) => {
                self.playing = false;
                self.error = Some(format!(
                    "the simulation failed to start: {}",
                    panic_text(&*p)
                ));
            }
        }
        self.last_wall = self.clock.now();
    }

    /// Runs `f` on the simulation, turning a panic into an error message (and dropping the broken simulation).
    /// The records it produced go past the pause predicate; when it asks, play pauses.
    fn guarded(&mut self, f: impl FnOnce(&mut Sim)) {
        self.guarded_watched(|sim, _| f(sim));
    }

    /// [`RunnerCore::guarded`], with `f` able to take the records itself, moment by moment, through the
    /// [`Watch`] (to stop right at the one the pause predicate waits for). Returns whether the predicate asked
    /// for a pause (play is paused then, unless a seek is under way: a seek goes where it was sent).
    fn guarded_watched(&mut self, f: impl FnOnce(&mut Sim, &mut Watch)) -> bool {
        let Some(sim) = self.sim.as_mut() else {
            return false;
        };
        let mut watch = Watch {
            pause: self.pause.as_deref_mut(),
            records: Vec::new(),
            hit: false,
        };
        match catch_unwind(AssertUnwindSafe(|| {
            f(sim, &mut watch);
            watch.take(sim);
        })) {
            Ok(()) => {
                let hit = watch.hit;
                self.records.extend(watch.records);
                if hit && self.seek.is_none() {
                    self.playing = false;
                }
                hit
            }
            Err(p) => {
                self.sim = None;
                self.playing = false;
                self.error = Some(format!(
                    "the simulation stopped on an internal error (a bug): {}",
                    panic_text(&*p)
                ));
                false
            }
        }
    }

    /// Advances virtual time by the wall time elapsed since the last tick × speed.
    pub fn tick(&mut self) {
        let wall = self.clock.now();
        let dt = wall.saturating_sub(self.last_wall).min(MAX_WALL_STEP);
        self.last_wall = wall;
        if self.seek.is_some() {
            self.seek_tick();
            return;
        }
        if !self.is_playing() {
            return;
        }
        self.dirty = true;
        let speed = self.speed;
        let skip_idle = self.skip_idle;
        let until = self.stop_us();
        let stop_at_until = self.stop_at_until || self.pause_at_us.is_some();
        let mut reached_until = false;
        let mut over = false;
        let deadline = self.pause.as_ref().and_then(|p| p.deadline_us());
        self.with_recorded(|sim, recorded, at, watch| {
            let now = sim.now_us();
            let mut target = now.saturating_add((dt.as_secs_f64() * speed * 1e6) as u64);
            if skip_idle && let Some(next) = sim.next_event_us() {
                let lead = (IDLE_LEAD_WALL.as_secs_f64() * speed * 1e6) as u64;
                if next > target.saturating_add(lead) {
                    target = next - lead;
                }
            }
            if let Some(d) = deadline.filter(|d| now < *d) {
                // The pause predicate's time comes first: play stops exactly there.
                target = target.min(d);
            }
            if stop_at_until && now < until && target >= until {
                target = until;
                reached_until = true;
            }
            let ran = if watch.pause.as_ref().is_some_and(|p| p.watching()) {
                run_with_recorded_watched(sim, target, recorded, at, watch)
            } else {
                run_with_recorded(sim, target, recorded, at)
            };
            if watch.hit {
                // Stopped at the predicate's record, before `target`.
                reached_until = false;
                return;
            }
            if ran == EVENTS_PER_TICK {
                reached_until = false;
            }
            over = sim.next_event_us().is_none();
            if over && stop_at_until && sim.now_us() < until {
                // Nothing can happen any more: the clock goes straight to the end of the run.
                sim.run_until(until);
            }
        });
        if reached_until || over {
            self.playing = false;
        }
        if let (Some(pause), Some(sim)) = (&mut self.pause, &self.sim)
            && pause.clock(sim.now_us())
        {
            self.playing = false;
        }
        // Events per second, over half-second windows of play.
        if let Some(sim) = &self.sim {
            let span = wall.saturating_sub(self.rate_wall);
            if span >= Duration::from_millis(500) {
                let n = sim.events_processed().saturating_sub(self.rate_events);
                self.events_per_s = n as f64 / span.as_secs_f64();
                self.rate_wall = wall;
                self.rate_events = sim.events_processed();
            }
        }
    }

    /// The records since the last call and the current state, or `None` when nothing changed.
    pub fn take_update(&mut self) -> Option<Update> {
        if !self.dirty && self.records.is_empty() {
            return None;
        }
        self.dirty = false;
        let wall = self.clock.now();
        let fresh = self
            .last_stats_wall
            .is_none_or(|t| wall.saturating_sub(t) >= STATS_EVERY || !self.playing);
        let mut snapshot = Snapshot {
            generation: self.generation,
            playing: self.is_playing(),
            speed: self.speed,
            skip_idle: self.skip_idle,
            events_per_s: self.events_per_s,
            until_us: self.until_us(),
            error: self.error.clone(),
            faults: self.faults[..self.faults_applied].to_vec(),
            injections: self.injections[..self.injections_applied].to_vec(),
            seeking: self.seek.is_some(),
            ..Snapshot::default()
        };
        if let (Some(sim), Some(sc)) = (&self.sim, &self.scenario) {
            snapshot.now_us = sim.now_us();
            snapshot.events_processed = sim.events_processed();
            snapshot.next_event_us = sim.next_event_us();
            snapshot.live = sc.ids().map(|id| sim.live(id)).collect();
            if fresh {
                self.last_stats_wall = Some(wall);
            }
            let previous = std::mem::take(&mut self.stats);
            self.stats = sc
                .ids()
                .map(|id| StatsView::of(sim.stats(id), fresh, previous.get(id.index())))
                .collect();
            snapshot.stats = self.stats.clone();
        }
        let records = std::mem::take(&mut self.records);
        let records_bytes = records.iter().map(retention::record_bytes).sum();
        Some(Update {
            records,
            snapshot,
            records_bytes,
        })
    }
}

/// Runs `sim` towards `target` within one tick's budget of events, doing the recorded fault changes and test
/// events after `at` (in the order they were made) at exactly their moments: after the same number of events, at
/// the same virtual time. Moves `at` past what it did; returns how many events ran.
fn run_with_recorded(sim: &mut Sim, target: u64, recorded: Recorded<'_>, at: &mut Cursor) -> u64 {
    let mut ran = 0;
    while let Some((t_us, events, due)) = recorded.next(*at).filter(|(t, ..)| *t <= target) {
        let due_in = events.saturating_sub(sim.events_processed());
        ran += sim.run_until_bounded(t_us, due_in.min(EVENTS_PER_TICK - ran));
        let reached =
            sim.events_processed() >= events || sim.next_event_us().is_none_or(|t| t > t_us);
        if !reached {
            // Out of budget: the next tick goes on from here.
            return ran;
        }
        Recorded::apply(sim, due, at);
    }
    // The next one, if any, lies after `target`: every event up to `target` came before it.
    ran + sim.run_until_bounded(target, EVENTS_PER_TICK - ran)
}

/// The records of one engine call as they are taken from the simulation, each shown to the pause predicate.
struct Watch<'a> {
    pause: Option<&'a mut (dyn PausePredicate + 'static)>,
    records: Vec<TraceRecord>,
    /// The predicate asked for a pause.
    hit: bool,
}

impl Watch<'_> {
    /// Takes the records produced since the last take and shows them to the predicate, in order.
    fn take(&mut self, sim: &mut Sim) {
        let fresh = sim.take_trace();
        if let Some(pause) = self.pause.as_deref_mut() {
            for r in &fresh {
                if pause.observe(r) {
                    self.hit = true;
                }
            }
        }
        self.records.extend(fresh);
    }
}

/// Like [`Sim::run_until_bounded`], but one moment at a time — an engine event, or the release of records held
/// back to their own time — showing each moment's records to the pause predicate, and stopping right after the
/// moment it asked to pause at. Without a pause it ends exactly where `run_until_bounded` would. Returns how many
/// events ran.
fn run_until_watched(sim: &mut Sim, t_us: u64, max_events: u64, watch: &mut Watch) -> u64 {
    let before = sim.events_processed();
    while !watch.hit && sim.events_processed() - before < max_events {
        let next_event = sim.next_event_us().filter(|t| *t <= t_us);
        let held = sim
            .next_held_record_us()
            .filter(|t| *t <= t_us && next_event.is_none_or(|e| *t < e));
        if let Some(t) = held {
            // No event lies before it: the clock moves to it and releases it (and what shares its time).
            sim.run_until_bounded(t, 0);
        } else if next_event.is_some() {
            sim.step();
        } else {
            break;
        }
        watch.take(sim);
    }
    if !watch.hit {
        sim.run_until_bounded(t_us, 0);
        watch.take(sim);
    }
    sim.events_processed() - before
}

/// [`run_with_recorded`] through [`run_until_watched`]: stops right after the moment the pause predicate asked
/// for (the fault changes and test events not reached yet stay pending for the next tick).
fn run_with_recorded_watched(
    sim: &mut Sim,
    target: u64,
    recorded: Recorded<'_>,
    at: &mut Cursor,
    watch: &mut Watch,
) -> u64 {
    let mut ran = 0;
    while let Some((t_us, events, due)) = recorded.next(*at).filter(|(t, ..)| *t <= target) {
        let due_in = events.saturating_sub(sim.events_processed());
        ran += run_until_watched(sim, t_us, due_in.min(EVENTS_PER_TICK - ran), watch);
        if watch.hit {
            return ran;
        }
        let reached =
            sim.events_processed() >= events || sim.next_event_us().is_none_or(|t| t > t_us);
        if !reached {
            return ran;
        }
        Recorded::apply(sim, due, at);
        watch.take(sim);
    }
    ran + run_until_watched(sim, target, EVENTS_PER_TICK - ran, watch)
}

/// Re-runs a scenario from t = 0 to `until_us` with the trace on, doing the recorded fault changes and test events
/// at their moments, and returns its records (the app's exports: the run is deterministic, so this is the run the
/// app shows). An engine panic becomes an error message.
pub fn rerun_trace(
    sc: Arc<Scenario>,
    until_us: u64,
    recorded: Recorded<'_>,
) -> Result<Vec<TraceRecord>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut sim = Sim::new(
            sc,
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        let mut at = Cursor::default();
        loop {
            let before = (sim.events_processed(), at);
            run_with_recorded(&mut sim, until_us, recorded, &mut at);
            if (sim.events_processed(), at) == before {
                break;
            }
        }
        // Nothing left before `until_us`: the clock goes there, as `run_until` does.
        sim.run_until(until_us);
        sim.take_trace()
    }))
    .map_err(|p| {
        format!(
            "the simulation stopped on an internal error (a bug): {}",
            panic_text(&*p)
        )
    })
}

fn secs_to_us(s: f64) -> u64 {
    if s.is_finite() && s > 0.0 {
        (s * 1e6).min(u64::MAX as f64) as u64
    } else {
        u64::MAX
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// A handle on a runner: on its own thread, or inline (ticked by the caller, for tests and benchmarks).
pub enum Runner {
    Thread {
        commands: Sender<Command>,
        updates: Receiver<Update>,
        /// Estimated bytes of the records sent and not yet taken ([`Update::records_bytes`]).
        in_flight: Arc<AtomicUsize>,
        join: Option<JoinHandle<()>>,
    },
    Inline {
        core: Box<RunnerCore>,
        pending: VecDeque<Update>,
    },
}

impl Runner {
    /// Starts a runner thread. `wake` is called after each update is sent (the UI requests a repaint there).
    pub fn spawn(
        clock: Box<dyn WallClock>,
        wake: impl Fn() + Send + 'static,
    ) -> Result<Runner, std::io::Error> {
        Runner::spawn_with_budget(clock, wake, UPDATE_BUDGET_BYTES)
    }

    /// [`Runner::spawn`] with another budget of records in flight than [`UPDATE_BUDGET_BYTES`] (tests).
    pub fn spawn_with_budget(
        clock: Box<dyn WallClock>,
        wake: impl Fn() + Send + 'static,
        budget_bytes: usize,
    ) -> Result<Runner, std::io::Error> {
        let (cmd_tx, cmd_rx) = bounded::<Command>(256);
        let (upd_tx, upd_rx) = bounded::<Update>(UPDATE_CAPACITY);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let outbox = Outbox {
            updates: upd_tx,
            in_flight: in_flight.clone(),
            budget_bytes,
        };
        let join = std::thread::Builder::new()
            .name("eventflow-runner".into())
            .spawn(move || thread_main(RunnerCore::new(clock), cmd_rx, outbox, wake))?;
        Ok(Runner::Thread {
            commands: cmd_tx,
            updates: upd_rx,
            in_flight,
            join: Some(join),
        })
    }

    /// A runner ticked by [`Runner::pump`] on the caller's thread.
    pub fn inline(clock: Box<dyn WallClock>) -> Runner {
        Runner::Inline {
            core: Box::new(RunnerCore::new(clock)),
            pending: VecDeque::new(),
        }
    }

    pub fn send(&mut self, cmd: Command) {
        match self {
            Runner::Thread { commands, .. } => {
                // A full command queue means the runner is wedged; dropping a click is better than freezing.
                let _ = commands.try_send(cmd);
            }
            Runner::Inline { core, pending } => {
                core.handle(cmd);
                if let Some(u) = core.take_update() {
                    pending.push_back(u);
                }
            }
        }
    }

    /// Inline runners: tick once. Thread runners tick by themselves.
    pub fn pump(&mut self) {
        if let Runner::Inline { core, pending } = self {
            core.tick();
            if let Some(u) = core.take_update() {
                pending.push_back(u);
            }
        }
    }

    /// The next update, if one is waiting. Never waits.
    pub fn try_recv(&mut self) -> Option<Update> {
        match self {
            Runner::Thread {
                updates, in_flight, ..
            } => {
                let u = updates.try_recv().ok()?;
                in_flight.fetch_sub(u.records_bytes, Ordering::AcqRel);
                Some(u)
            }
            Runner::Inline { pending, .. } => pending.pop_front(),
        }
    }

    /// Estimated bytes of the records sent by a runner thread and not yet taken (0 inline).
    pub fn records_in_flight_bytes(&self) -> usize {
        match self {
            Runner::Thread { in_flight, .. } => in_flight.load(Ordering::Acquire),
            Runner::Inline { .. } => 0,
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Runner::Thread {
            commands,
            updates,
            join,
            ..
        } = self
        {
            let _ = commands.try_send(Command::Shutdown);
            // Unblock a runner waiting on a full update channel.
            while updates.try_recv().is_ok() {}
            if let Some(j) = join.take() {
                // Drain until it exits; it stops at Shutdown or when it sees the channel closed.
                while !j.is_finished() {
                    while updates.try_recv().is_ok() {}
                    std::thread::sleep(Duration::from_millis(1));
                }
                let _ = j.join();
            }
        }
    }
}

/// The runner thread's end of the update channel, with the byte budget of records in flight.
struct Outbox {
    updates: Sender<Update>,
    /// Shared with [`Runner::Thread`], which subtracts what the UI takes.
    in_flight: Arc<AtomicUsize>,
    budget_bytes: usize,
}

/// What became of an update offered to the [`Outbox`].
enum Sent {
    Done,
    /// No room yet (the channel is full, or the byte budget would be passed): here it is back.
    Wait(Update),
    /// The UI is gone.
    Gone,
}

impl Outbox {
    /// Sends `u` if the channel and the byte budget have room for it (an update goes alone when nothing else is in
    /// flight, however large).
    fn try_send(&self, u: Update) -> Sent {
        let bytes = u.records_bytes;
        // Counted before sending: the UI may take it (and subtract) before `try_send` returns.
        let before = self.in_flight.fetch_add(bytes, Ordering::AcqRel);
        if before > 0 && before.saturating_add(bytes) > self.budget_bytes {
            self.in_flight.fetch_sub(bytes, Ordering::AcqRel);
            return Sent::Wait(u);
        }
        match self.updates.try_send(u) {
            Ok(()) => Sent::Done,
            Err(e) => {
                self.in_flight.fetch_sub(bytes, Ordering::AcqRel);
                match e {
                    TrySendError::Full(back) => Sent::Wait(back),
                    TrySendError::Disconnected(_) => Sent::Gone,
                }
            }
        }
    }
}

fn thread_main(mut core: RunnerCore, commands: Receiver<Command>, outbox: Outbox, wake: impl Fn()) {
    loop {
        // Wait for a command: not at all while an update is pending (a command answered while the last update
        // waited for room, e.g. a Pause: its snapshot must still reach the UI), briefly while playing (time
        // moves), indefinitely while paused.
        let first = if core.has_pending_update() {
            match commands.try_recv() {
                Ok(c) => Some(c),
                Err(crossbeam_channel::TryRecvError::Empty) => None,
                Err(crossbeam_channel::TryRecvError::Disconnected) => return,
            }
        } else if core.wants_ticks() {
            match commands.recv_timeout(TICK) {
                Ok(c) => Some(c),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match commands.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        };
        if let Some(c) = first
            && !core.handle(c)
        {
            return;
        }
        while let Ok(c) = commands.try_recv() {
            if !core.handle(c) {
                return;
            }
        }
        core.tick();
        if let Some(mut u) = core.take_update() {
            // Backpressure: while the channel is full or its records past the byte budget, wait for the UI to
            // catch up, still listening for commands.
            loop {
                match outbox.try_send(u) {
                    Sent::Done => break,
                    Sent::Gone => return,
                    Sent::Wait(back) => {
                        u = back;
                        wake();
                        match commands.recv_timeout(TICK) {
                            Ok(Command::Shutdown) => return,
                            Ok(c) => {
                                core.handle(c);
                            }
                            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
                        }
                    }
                }
            }
            wake();
        }
    }
}
