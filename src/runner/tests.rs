//! Runner tests with a manual wall clock: commands in, expected virtual time out.

use super::*;

const NEW_ORDER: &str = include_str!("../../assets/scenarios/new-order.json");
const NIGHTLY: &str = include_str!("../../assets/scenarios/nightly-report.json");
/// Issue 15's load: an API at 2,000 requests/s into a function, for a day of virtual time (the retention tests'
/// endless re-run uses it too).
pub(super) const BUSY: &str = r#"{
  "format": "eventflow/1", "name": "busy", "settings": { "seed": 1, "until_s": 86400 },
  "resources": {
    "Api": { "type": "api", "routes": { "POST /orders": "CreateOrder" } },
    "CreateOrder": { "type": "function", "duration_ms": 5 }
  },
  "traffic": [ { "name": "clients", "to": "Api", "every_s": 0.0005,
    "request": { "method": "POST", "path": "/orders", "body": { "sku": "A-1" } } } ]
}"#;

fn scenario(text: &str) -> Arc<Scenario> {
    Arc::new(crate::scenario::load_str(text, "test.json", None).expect("example loads"))
}

fn core() -> (RunnerCore, ManualClock) {
    let clock = ManualClock::default();
    (RunnerCore::new(Box::new(clock.clone())), clock)
}

fn now(core: &mut RunnerCore) -> u64 {
    core.take_update().map_or(0, |u| u.snapshot.now_us)
}

#[test]
fn paused_time_does_not_move() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    clock.advance(Duration::from_millis(50));
    c.tick();
    assert_eq!(now(&mut c), 0);
}

#[test]
fn play_advances_by_wall_time_times_speed() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::SkipIdle(false));
    c.handle(Command::Play);
    clock.advance(Duration::from_millis(50));
    c.tick();
    assert_eq!(now(&mut c), 50_000);
    c.handle(Command::SetSpeed(10.0));
    clock.advance(Duration::from_millis(50));
    c.tick();
    assert_eq!(now(&mut c), 550_000);
    c.handle(Command::Pause);
    clock.advance(Duration::from_millis(50));
    c.tick();
    assert_eq!(now(&mut c), 550_000);
}

#[test]
fn wall_steps_are_capped_after_a_stall() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::SkipIdle(false));
    c.handle(Command::Play);
    clock.advance(Duration::from_secs(5));
    c.tick();
    assert_eq!(now(&mut c), MAX_WALL_STEP.as_micros() as u64);
}

#[test]
fn speed_is_clamped() {
    let (mut c, _clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::SetSpeed(1e9));
    assert_eq!(c.take_update().map(|u| u.snapshot.speed), Some(SPEED_MAX));
    c.handle(Command::SetSpeed(f64::NAN));
    assert_eq!(c.take_update().map(|u| u.snapshot.speed), Some(1.0));
}

#[test]
fn step_runs_one_event_and_produces_records() {
    let (mut c, _clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    let before = c.take_update().map(|u| u.snapshot.events_processed);
    c.handle(Command::Step);
    let u = c.take_update().expect("update after step");
    assert_eq!(Some(u.snapshot.events_processed), before.map(|n| n + 1));
    assert!(!u.snapshot.playing);
    assert!(
        !u.records.is_empty(),
        "the first traffic event sends something"
    );
}

#[test]
fn skip_idle_jumps_to_just_before_the_next_event() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NIGHTLY)));
    let next = c
        .take_update()
        .and_then(|u| u.snapshot.next_event_us)
        .expect("a schedule is pending");
    assert!(next > 3_600_000_000, "the nightly schedule is hours away");
    c.handle(Command::Play);
    clock.advance(Duration::from_millis(10));
    c.tick();
    let t = now(&mut c);
    let lead = (IDLE_LEAD_WALL.as_secs_f64() * 1e6) as u64;
    assert_eq!(t, next - lead);
    // The last stretch plays at speed: after the lead's worth of wall time the event has run.
    let mut records = 0;
    for _ in 0..(IDLE_LEAD_WALL.as_millis() / 50) {
        clock.advance(Duration::from_millis(50));
        c.tick();
        records += c.take_update().map_or(0, |u| u.records.len());
    }
    let u = c.take_update().unwrap_or_else(|| Update {
        records: Vec::new(),
        snapshot: Snapshot {
            now_us: next,
            ..Snapshot::default()
        },
        records_bytes: 0,
    });
    assert!(u.snapshot.now_us >= next || records > 0);
    assert!(records > 0, "the scheduled event ran");
}

#[test]
fn reset_starts_again_with_a_new_generation() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::Play);
    clock.advance(Duration::from_millis(80));
    c.tick();
    let g = c.take_update().map(|u| u.snapshot.generation);
    c.handle(Command::Reset);
    let u = c.take_update().expect("update");
    assert_eq!(u.snapshot.now_us, 0);
    assert_eq!(Some(u.snapshot.generation), g.map(|g| g + 1));
}

#[test]
fn play_pauses_at_until_then_continues_when_asked() {
    let (mut c, clock) = core();
    let sc = scenario(NEW_ORDER);
    let until = secs_to_us(sc.settings.until_s);
    c.handle(Command::Load(sc));
    c.handle(Command::SetSpeed(1000.0));
    c.handle(Command::Play);
    // However long the example runs, 1000x reaches its end within a minute of (fake) wall time.
    let mut last = None;
    for _ in 0..600 {
        clock.advance(Duration::from_millis(100));
        c.tick();
        if let Some(u) = c.take_update() {
            let done = !u.snapshot.playing;
            last = Some(u);
            if done {
                break;
            }
        }
    }
    let u = last.expect("update");
    assert!(!u.snapshot.playing);
    assert_eq!(u.snapshot.now_us, until);
}

#[test]
fn inject_sends_a_payload() {
    let (mut c, _clock) = core();
    let sc = scenario(NEW_ORDER);
    let bus = sc.find("Orders").expect("bus");
    c.handle(Command::Load(sc));
    c.take_update();
    c.handle(Command::Inject {
        to: bus,
        payload: Payload::Event(serde_json::json!({
            "source": "com.example.orders", "detail-type": "New Order", "detail": {}
        })),
    });
    c.handle(Command::Step);
    let u = c.take_update().expect("update");
    assert!(
        u.records
            .iter()
            .any(|r| matches!(r, TraceRecord::Transit { from, .. } if from == "traffic:injected"))
    );
}

#[test]
fn thread_runner_answers_and_shuts_down() {
    let mut r = Runner::spawn(Box::new(SystemClock::default()), || {}).expect("thread");
    r.send(Command::Load(scenario(NEW_ORDER)));
    r.send(Command::Step);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut processed = 0;
    while Instant::now() < deadline && processed == 0 {
        if let Some(u) = r.try_recv() {
            processed = u.snapshot.events_processed;
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    assert!(processed >= 1);
    drop(r);
}

/// Plays `c` to `until_us` in wall steps of `step`, at speed 100, sending `fault` once the run passes `fault_at_us`
/// (if given); returns every trace record as its JSON line.
fn play_recording(
    c: &mut RunnerCore,
    clock: &ManualClock,
    step: Duration,
    until_us: u64,
    mut fault: Option<(u64, FaultChange)>,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut keep = |u: Option<Update>| {
        for r in u.map(|u| u.records).unwrap_or_default() {
            let mut line = Vec::new();
            r.write_line(&mut line);
            lines.push(String::from_utf8_lossy(&line).into_owned());
        }
    };
    c.handle(Command::SetSpeed(100.0));
    c.handle(Command::Play);
    let mut now_us = 0;
    while now_us < until_us {
        if let Some((_, change)) = fault.take_if(|(at_us, _)| now_us >= *at_us) {
            c.handle(Command::Fault(change));
        }
        clock.advance(step);
        c.tick();
        let u = c.take_update();
        now_us = u.as_ref().map_or(now_us, |u| u.snapshot.now_us);
        keep(u);
        if !c.is_playing() {
            break;
        }
    }
    lines
}

#[test]
fn a_fault_fails_invocations_and_a_reset_replays_it_exactly() {
    let (mut c, clock) = core();
    let sc = scenario(NEW_ORDER);
    let validate = sc.find("ValidateOrder").expect("ValidateOrder");
    c.handle(Command::Load(sc));
    c.handle(Command::SkipIdle(false));
    let fault = FaultChange::FunctionErrors {
        function: validate,
        percent: 100,
    };
    let live = play_recording(
        &mut c,
        &clock,
        Duration::from_millis(30),
        20_000_000,
        Some((8_000_000, fault.clone())),
    );
    let injected = live.iter().filter(|l| l.contains("InjectedFault")).count();
    assert!(injected >= 3, "orders after t = 8 s fail: {injected}");
    for l in live.iter().filter(|l| l.contains("InjectedFault")) {
        let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        let t_ms = v["t_ms"].as_f64().unwrap_or(0.0);
        assert!(t_ms >= 8000.0, "nothing fails before the fault: {l}");
    }
    c.handle(Command::Pause);
    let recorded = c
        .take_update()
        .map(|u| u.snapshot.faults)
        .unwrap_or_default();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].change, fault);

    // The replay: other wall steps, the same run.
    c.handle(Command::Reset);
    let replay = play_recording(&mut c, &clock, Duration::from_millis(70), 20_000_000, None);
    let n = live.len().min(replay.len());
    assert!(n > 50, "{n} records");
    assert_eq!(live[..n], replay[..n], "the replay is identical");

    // The app's exports re-run headless with the recorded faults: the same records again.
    let exported: Vec<String> = rerun_trace(
        scenario(NEW_ORDER),
        20_000_000,
        Recorded {
            faults: &recorded,
            injections: &[],
        },
    )
    .expect("runs")
    .iter()
    .map(|r| {
        let mut line = Vec::new();
        r.write_line(&mut line);
        String::from_utf8_lossy(&line).into_owned()
    })
    .collect();
    let m = exported.len().min(live.len());
    assert!(exported.iter().any(|l| l.contains("InjectedFault")));
    assert!(m > 40, "{m} records");
    assert_eq!(live[..m], exported[..m], "the export re-runs the same run");
}

#[test]
fn load_forgets_the_faults() {
    let (mut c, _clock) = core();
    let sc = scenario(NEW_ORDER);
    let validate = sc.find("ValidateOrder").expect("ValidateOrder");
    c.handle(Command::Load(sc.clone()));
    c.handle(Command::Fault(FaultChange::FunctionDelay {
        function: validate,
        extra_ms: 500,
    }));
    assert_eq!(c.take_update().map(|u| u.snapshot.faults.len()), Some(1));
    c.handle(Command::Load(sc));
    assert_eq!(c.take_update().map(|u| u.snapshot.faults.len()), Some(0));
}

/// Lines of records, for comparing two runs.
fn lines(records: &[TraceRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        r.write_line(&mut out);
    }
    out
}

/// Seeks and ticks until the seek is done; returns every record of the updates since the seek.
fn seek_to_end(c: &mut RunnerCore, cmd: Command) -> (Vec<TraceRecord>, Snapshot) {
    c.handle(cmd);
    let mut records = Vec::new();
    let mut snap = Snapshot::default();
    for _ in 0..10_000 {
        if let Some(u) = c.take_update() {
            records.extend(u.records);
            snap = u.snapshot;
        }
        if !snap.seeking && !c.wants_ticks() {
            break;
        }
        c.tick();
    }
    (records, snap)
}

#[test]
fn seeking_back_re_runs_to_the_same_moment() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::SkipIdle(false));
    c.handle(Command::SetSpeed(100.0));
    c.handle(Command::Play);
    for _ in 0..40 {
        clock.advance(Duration::from_millis(50));
        c.tick();
    }
    let before = c.take_update().map(|u| u.snapshot).unwrap_or_default();
    assert!(
        before.now_us > 2_000_000,
        "the run went on ({} µs)",
        before.now_us
    );
    let generation = before.generation;
    let (records, snap) = seek_to_end(&mut c, Command::Seek(1_500_000));
    assert_eq!(snap.now_us, 1_500_000);
    assert!(!snap.playing && !snap.seeking);
    assert_eq!(
        snap.generation,
        generation + 1,
        "seeking back starts a new run"
    );
    // The records since t = 0 are exactly those of a fresh run to that moment.
    let fresh = rerun_trace(scenario(NEW_ORDER), 1_500_000, Recorded::default()).expect("runs");
    assert_eq!(lines(&records), lines(&fresh));
    // Seeking forward goes on without a restart.
    let (_, snap) = seek_to_end(&mut c, Command::Seek(2_000_000));
    assert_eq!((snap.now_us, snap.generation), (2_000_000, generation + 1));
}

#[test]
fn step_back_undoes_one_event() {
    let (mut c, _clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    for _ in 0..5 {
        c.handle(Command::Step);
    }
    let five = c.take_update().map(|u| u.snapshot).unwrap_or_default();
    assert_eq!(five.events_processed, 5);
    let (_, snap) = seek_to_end(&mut c, Command::StepBack);
    assert_eq!(snap.events_processed, 4);
    assert!(snap.now_us <= five.now_us);
}

/// A pause predicate for tests: the `n`-th record of `kind` in a run (counted from t = 0), and a time.
struct PauseAtNth {
    kind: &'static str,
    n: u32,
    seen: u32,
    deadline_us: Option<u64>,
}

impl PausePredicate for PauseAtNth {
    fn restart(&mut self, _scenario: &Arc<Scenario>) {
        self.seen = 0;
    }

    fn advance(&mut self, _stage: usize, _now_us: u64) {}

    fn observe(&mut self, record: &TraceRecord) -> bool {
        if crate::tour::record_json(record)["kind"] != self.kind {
            return false;
        }
        self.seen += 1;
        self.seen == self.n
    }

    fn deadline_us(&self) -> Option<u64> {
        self.deadline_us
    }

    fn clock(&mut self, now_us: u64) -> bool {
        // Once: play goes on past it when asked.
        self.deadline_us.take_if(|d| now_us >= *d).is_some()
    }
}

/// Plays in large wall steps (speed 100, skip idle on) until the run pauses; returns the records and the state.
fn play_to_pause(c: &mut RunnerCore, clock: &ManualClock) -> (Vec<TraceRecord>, Snapshot) {
    c.handle(Command::SetSpeed(100.0));
    c.handle(Command::Play);
    let mut records = Vec::new();
    let mut snap = Snapshot::default();
    for _ in 0..10_000 {
        clock.advance(Duration::from_millis(100));
        c.tick();
        if let Some(u) = c.take_update() {
            records.extend(u.records);
            snap = u.snapshot;
        }
        if !c.is_playing() {
            break;
        }
    }
    (records, snap)
}

/// Issue 14: a tour step waits for a record; play stops at that record's moment — for a record the engine held
/// back to a later time too (a handler's log line) — not a tick later, and the run is the same run.
#[test]
fn play_pauses_at_the_record_the_pause_predicate_waits_for() {
    // A handler that logs and writes a table: its `log` and `call` records are stamped inside the invocation,
    // later than the event that ran it.
    let sc = scenario(
        r#"{
  "format": "eventflow/1",
  "name": "held back",
  "settings": { "until_s": 20 },
  "resources": {
    "Q": { "type": "queue" },
    "F": { "type": "function", "code": { "inline": "fn handler(e, c) { log(\"got one\"); dynamodb::put(\"Tb\", #{ id: c.aws_request_id }); log(\"stored\"); }" } },
    "T": { "type": "trigger", "source": "Q", "function": "F", "batch_size": 1 },
    "Tb": { "type": "table", "partition_key": "id" }
  },
  "traffic": [ { "to": "Q", "every_s": 1, "start_s": 1, "count": 10, "message": { "body": "x" } } ]
}"#,
    );
    let until_us = secs_to_us(sc.settings.until_s);
    let reference = rerun_trace(sc.clone(), until_us, Recorded::default()).expect("runs");
    for (kind, n) in [("log", 4), ("call", 3), ("invoke", 2), ("result", 5)] {
        let (hit_at, expected_t) = reference
            .iter()
            .enumerate()
            .filter(|(_, r)| crate::tour::record_json(r)["kind"] == kind)
            .nth(n as usize - 1)
            .map(|(i, r)| (i, r.t_us()))
            .unwrap_or_else(|| panic!("the reference run has {kind} #{n}"));
        let (mut c, clock) = core();
        c.handle(Command::PauseWhen(Some(PauseWhen::new(PauseAtNth {
            kind,
            n,
            seen: 0,
            deadline_us: None,
        }))));
        c.handle(Command::Load(sc.clone()));
        let (first, snap) = play_to_pause(&mut c, &clock);
        assert!(!snap.playing, "{kind}: paused");
        assert_eq!(snap.now_us, expected_t, "{kind} #{n}: paused at its time");
        assert!(
            first.len() > hit_at,
            "{kind}: the record was handed out ({} records, it is #{hit_at})",
            first.len()
        );
        assert_eq!(
            lines(&first),
            lines(&reference[..first.len()]),
            "{kind}: the same run so far"
        );
        // Play on to the end: the whole run is the run without a predicate.
        let (rest, _) = play_to_pause(&mut c, &clock);
        let mut all = first;
        all.extend(rest);
        assert_eq!(lines(&all), lines(&reference), "{kind}: the same run");
    }
}

#[test]
fn play_pauses_exactly_at_the_pause_predicates_time_and_a_reset_restarts_it() {
    let (mut c, clock) = core();
    c.handle(Command::PauseWhen(Some(PauseWhen::new(PauseAtNth {
        kind: "invoke",
        n: 1,
        seen: 0,
        deadline_us: Some(123_457),
    }))));
    c.handle(Command::Load(scenario(NIGHTLY)));
    let (_, snap) = play_to_pause(&mut c, &clock);
    assert_eq!(snap.now_us, 123_457, "paused at the deadline");
    // The first invocation, counted again from t = 0 after a reset.
    let (records, snap) = play_to_pause(&mut c, &clock);
    let first_invoke = records
        .iter()
        .find(|r| crate::tour::record_json(r)["kind"] == "invoke")
        .map(TraceRecord::t_us);
    assert_eq!(Some(snap.now_us), first_invoke);
    c.handle(Command::Reset);
    let (records, snap) = play_to_pause(&mut c, &clock);
    let again = records
        .iter()
        .find(|r| crate::tour::record_json(r)["kind"] == "invoke")
        .map(TraceRecord::t_us);
    assert_eq!(again, first_invoke);
    assert_eq!(Some(snap.now_us), first_invoke, "paused at it again");
    // Cleared: play runs on to the end.
    c.handle(Command::PauseWhen(None));
    c.handle(Command::Reset);
    let (_, snap) = play_to_pause(&mut c, &clock);
    assert!(
        snap.now_us >= snap.until_us,
        "played to the end: {} µs",
        snap.now_us
    );
}

#[test]
fn pause_at_stops_play_there_once() {
    let (mut c, clock) = core();
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::SkipIdle(false));
    c.handle(Command::PauseAt(120_000));
    c.handle(Command::Play);
    clock.advance(Duration::from_millis(100));
    c.tick();
    assert_eq!(now(&mut c), 100_000);
    clock.advance(Duration::from_millis(100));
    c.tick();
    assert_eq!(now(&mut c), 120_000, "play stops at the moment");
    assert!(!c.is_playing());
    c.handle(Command::Play);
    clock.advance(Duration::from_millis(100));
    c.tick();
    assert_eq!(now(&mut c), 220_000, "playing on goes past it");
    c.handle(Command::Load(scenario(NEW_ORDER)));
    c.handle(Command::Play);
    clock.advance(Duration::from_millis(100));
    c.tick();
    assert_eq!(now(&mut c), 100_000, "a load forgets it");
}

/// Plays `c` in wall steps of 50 ms at speed 100 until the run passes `until_us`, sending `inject` (to, payload) once
/// it passes `inject_at_us`; returns the records and the last snapshot.
fn play_sending(
    c: &mut RunnerCore,
    clock: &ManualClock,
    until_us: u64,
    inject_at_us: u64,
    inject: (ResId, Payload),
) -> (Vec<TraceRecord>, Snapshot) {
    let mut records = Vec::new();
    let mut snap = Snapshot::default();
    let mut inject = Some(inject);
    c.handle(Command::SetSpeed(100.0));
    c.handle(Command::Play);
    while snap.now_us < until_us && c.is_playing() {
        if let Some((to, payload)) = inject.take_if(|_| snap.now_us >= inject_at_us) {
            c.handle(Command::Inject { to, payload });
        }
        clock.advance(Duration::from_millis(50));
        c.tick();
        if let Some(u) = c.take_update() {
            records.extend(u.records);
            snap = u.snapshot;
        }
    }
    c.handle(Command::Pause);
    if let Some(u) = c.take_update() {
        records.extend(u.records);
        snap = u.snapshot;
    }
    (records, snap)
}

#[test]
fn a_test_event_sent_by_hand_is_sent_again_after_a_seek_back_and_in_an_export() {
    let (mut c, clock) = core();
    let sc = scenario(NEW_ORDER);
    let bus = sc.find("Orders").expect("bus");
    c.handle(Command::Load(sc));
    c.handle(Command::SkipIdle(false));
    let payload = Payload::Event(serde_json::json!({
        "source": "com.example.orders", "detail-type": "New Order",
        "detail": { "id": "ord-by-hand", "items": [] }
    }));
    let (live, end) = play_sending(&mut c, &clock, 9_000_000, 3_000_000, (bus, payload));
    let by_hand = |records: &[TraceRecord]| {
        records
            .iter()
            .filter(
                |r| matches!(r, TraceRecord::Transit { from, .. } if from == "traffic:injected"),
            )
            .count()
    };
    assert_eq!(by_hand(&live), 1, "the test event went into the live run");
    assert_eq!(end.injections.len(), 1);
    assert!(end.injections[0].t_us >= 3_000_000);

    // Seek back before the test event: a new run from t = 0 that has not sent it yet.
    let (records, snap) = seek_to_end(&mut c, Command::Seek(1_000_000));
    assert_eq!(snap.now_us, 1_000_000);
    assert_eq!(by_hand(&records), 0);
    assert!(snap.injections.is_empty());
    // Forward to the live run's moment: the test event is sent again at its moment, and the whole run since
    // t = 0 is the live run, record for record.
    let (rest, snap) = seek_to_end(&mut c, Command::Seek(end.now_us));
    let replayed: Vec<TraceRecord> = records.into_iter().chain(rest).collect();
    assert_eq!(snap.injections, end.injections);
    assert_eq!(by_hand(&replayed), 1);
    assert_eq!(
        lines(&replayed),
        lines(&live),
        "the seek replays the live run"
    );

    // Step back from there and forward again: still the same run.
    let (_, back) = seek_to_end(&mut c, Command::StepBack);
    assert_eq!(back.events_processed, end.events_processed - 1);
    assert_eq!(back.injections, end.injections);

    // The app's exports re-run with the test events: the same records again.
    let exported = rerun_trace(
        scenario(NEW_ORDER),
        end.now_us,
        Recorded {
            faults: &end.faults,
            injections: &end.injections,
        },
    )
    .expect("runs");
    assert_eq!(
        lines(&exported),
        lines(&live),
        "the export re-runs the live run"
    );
}

/// An update of `bytes` estimated bytes of records (none really: the outbox only counts).
fn update_of(bytes: usize) -> Update {
    Update {
        records: Vec::new(),
        snapshot: Snapshot::default(),
        records_bytes: bytes,
    }
}

#[test]
fn the_outbox_waits_past_its_byte_budget_and_lets_a_big_update_go_alone() {
    let (tx, rx) = bounded::<Update>(4);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let outbox = Outbox {
        updates: tx,
        in_flight: in_flight.clone(),
        budget_bytes: 1_000,
    };
    // Alone, an update goes however large it is (else it could never go).
    assert!(matches!(outbox.try_send(update_of(5_000)), Sent::Done));
    assert!(matches!(outbox.try_send(update_of(1)), Sent::Wait(_)));
    assert_eq!(in_flight.load(Ordering::Acquire), 5_000);
    let taken = rx.try_recv().expect("sent");
    in_flight.fetch_sub(taken.records_bytes, Ordering::AcqRel);
    // Within the budget, updates queue up to the channel's capacity.
    for _ in 0..2 {
        assert!(matches!(outbox.try_send(update_of(400)), Sent::Done));
    }
    assert!(
        matches!(outbox.try_send(update_of(400)), Sent::Wait(_)),
        "1,200 > 1,000"
    );
    assert!(
        matches!(outbox.try_send(update_of(200)), Sent::Done),
        "exactly 1,000"
    );
    assert!(matches!(outbox.try_send(update_of(0)), Sent::Done));
    assert!(
        matches!(outbox.try_send(update_of(0)), Sent::Wait(_)),
        "the channel is full"
    );
    assert_eq!(
        in_flight.load(Ordering::Acquire),
        1_000,
        "nothing counted twice"
    );
    drop(rx);
    assert!(matches!(outbox.try_send(update_of(0)), Sent::Gone));
}

#[test]
fn a_ui_that_falls_behind_holds_the_engine_at_the_byte_budget_and_loses_nothing() {
    let budget = 200_000;
    let sc = scenario(BUSY);
    let mut r =
        Runner::spawn_with_budget(Box::new(SystemClock::default()), || {}, budget).expect("thread");
    r.send(Command::Load(sc.clone()));
    r.send(Command::SkipIdle(false));
    r.send(Command::SetSpeed(1000.0));
    r.send(Command::Play);
    // The UI takes nothing for a while: the engine would run through hundreds of thousands of events.
    std::thread::sleep(Duration::from_millis(1500));
    let held = r.records_in_flight_bytes();
    // Commands are still answered while the runner waits.
    r.send(Command::Pause);
    let mut updates = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match r.try_recv() {
            Some(u) => {
                let paused = !u.snapshot.playing;
                updates.push(u);
                if paused {
                    break;
                }
            }
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    let last = updates.last().expect("updates").snapshot.clone();
    assert!(!last.playing, "the pause was answered");
    // The updates in flight when the UI looked: the first ones received, adding up to what was counted.
    let mut sum = 0;
    let in_flight: Vec<&Update> = updates
        .iter()
        .take_while(|u| {
            let counted = sum < held;
            sum += u.records_bytes;
            counted
        })
        .collect();
    assert_eq!(sum.min(held), held, "the count matches the updates sent");
    let (newest, older) = in_flight.split_last().expect("something was sent");
    let older_bytes: usize = older.iter().map(|u| u.records_bytes).sum();
    assert!(
        older_bytes <= budget,
        "{} updates in flight: {older_bytes} bytes before the newest ({} bytes)",
        in_flight.len(),
        newest.records_bytes
    );
    // While it waited the engine did not run on: at most the one batch it held back came after.
    assert!(
        last.events_processed <= newest.snapshot.events_processed + EVENTS_PER_TICK,
        "{} events at the pause, {} in flight",
        last.events_processed,
        newest.snapshot.events_processed
    );
    assert!(newest.snapshot.events_processed > 0);
    // Nothing was lost on the way: the records are the run's, in order.
    let received: Vec<TraceRecord> = updates.into_iter().flat_map(|u| u.records).collect();
    let rerun = rerun_trace(sc, last.now_us, Recorded::default()).expect("re-runs");
    let (received, rerun) = (lines(&received), lines(&rerun));
    assert!(
        received.len() > 10_000,
        "{} bytes of records",
        received.len()
    );
    assert!(rerun.starts_with(&received), "the records are the run's");
}
