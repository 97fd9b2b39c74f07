//! Retained memory of the desktop app per engine event: `cargo bench --bench memory [-- SECONDS | --events N]`
//! (`N` may end in `k` or `M`: `--events 10M` is issue 15's 10-million-event run).
//!
//! Issue 15's case: an HTTP API at 2,000 requests/s into one function plus an event bus at 500 events/s into
//! another, played in the real app (the shared test harness, `eventflow::ui::testing`, inline runner on a manual
//! clock, every record folded into the log, the metrics, the trace store and the canvas) for SECONDS virtual
//! seconds (default 65, the figure). A counting global allocator measures the heap bytes still live
//! afterwards against before the run: retained bytes per engine event is that difference over the events the
//! engine processed. It also prints the log's own accounting of what it retains (compact rows and detail), and
//! where the bytes are: the app's parts (log, metrics, time-bar markers, the timeline's traces, Step Functions
//! runs, the canvas's dots, the engine) released one at a time, the live bytes read around each
//! (`TestApp::release_run_in_parts`). Bytes do not depend on the build: a debug build gives the same figures,
//! slower (`cargo bench --profile dev --bench memory -- --events 1M`).
//!
//! Peak RSS of whole processes (`eventflow run` and `eventflow open … --until S --screenshot` on the 1 M-request
//! scenario) is measured from outside with `/usr/bin/time -v`: see the README's benchmark section.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use eventflow::runner::Command;
use eventflow::ui::testing::TestApp;

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Issue 15's case as a file (also what `eventflow open benches/app-10m.json --speed 1000` plays): about 12,600
/// engine events per virtual second, 10.1 million by its end at t = 810 s.
const SCENARIO: &str = include_str!("app-10m.json");

/// How long to play: virtual seconds, or engine events.
enum Length {
    Seconds(f64),
    Events(u64),
}

/// `[SECONDS]` or `--events N` (`N` may end in `k` or `M`).
fn length() -> Length {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--events") {
        let n = args.get(i + 1).map(|a| a.trim()).unwrap_or("");
        let (digits, scale) = match n.strip_suffix('M') {
            Some(d) => (d, 1_000_000.0),
            None => match n.strip_suffix('k') {
                Some(d) => (d, 1_000.0),
                None => (n, 1.0),
            },
        };
        let events = digits
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("--events wants a number, got {n:?}"));
        return Length::Events((events * scale) as u64);
    }
    Length::Seconds(args.iter().find_map(|a| a.parse().ok()).unwrap_or(65.0))
}

fn main() {
    let length = length();
    let mut app = TestApp::new();
    let before = LIVE.load(Ordering::Relaxed);
    app.open_text(SCENARIO, "memory-bench.json")
        .unwrap_or_else(|e| panic!("bench scenario: {e}"));
    app.send(Command::SkipIdle(false));
    app.send(Command::SetSpeed(1000.0));
    app.send(Command::Play);
    let started = Instant::now();
    let more = |app: &TestApp| match length {
        Length::Seconds(s) => app.snapshot().now_us < (s * 1e6) as u64,
        Length::Events(n) => app.snapshot().events_processed < n,
    };
    // 100 ms of wall time at 1000× is 100 virtual seconds, cut to at most 20,000 engine events per tick.
    while more(&app) {
        app.advance(Duration::from_millis(100));
        app.pump();
        if !app.snapshot().playing && more(&app) {
            app.send(Command::Play);
        }
    }
    app.send(Command::Pause);
    app.pump();
    let wall_s = started.elapsed().as_secs_f64();
    let events = app.snapshot().events_processed;
    let seconds = app.snapshot().now_us as f64 / 1e6;
    let retained = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    let per_event = |bytes: usize| bytes as f64 / events.max(1) as f64;
    println!(
        "memory: {seconds:.1} virtual s, {events} engine events, {} invocations logged, in {wall_s:.1} s wall",
        app.invocation_count()
    );
    println!(
        "memory: retained heap {:.1} MB = {:.1} bytes per engine event (peak {:.1} MB; target <= 100 bytes/event)",
        retained as f64 / 1e6,
        per_event(retained),
        peak as f64 / 1e6,
    );
    println!(
        "memory: the invocation log's own account: {:.1} MB retained ({} rows dropped under the cap)",
        app.log_retained_bytes() as f64 / 1e6,
        app.invocation_log().dropped_rows()
    );
    // Where the bytes are: each part released in turn, the allocator's live bytes read around it.
    let parts = app.release_run_in_parts(|| LIVE.load(Ordering::Relaxed));
    let mut accounted = 0;
    for (part, bytes) in &parts {
        accounted += bytes;
        println!(
            "memory:   {part:<48} {:>9.2} MB {:>7.2} bytes/event",
            *bytes as f64 / 1e6,
            per_event(*bytes)
        );
    }
    let rest = retained.saturating_sub(accounted);
    println!(
        "memory:   {:<48} {:>9.2} MB {:>7.2} bytes/event",
        "the rest (scenario, egui, allocator slack)",
        rest as f64 / 1e6,
        per_event(rest)
    );
}
