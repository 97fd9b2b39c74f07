//! Metrics over time: per-interval series computed from trace records (and, for a queue's ready / in flight /
//! delayed split, which no record carries, from the live state the runner reports), for the app's metrics panel,
//! dashboard and time bar.
//!
//! Memory stays flat on long runs: time is cut into at most [`MAX_BUCKETS`] buckets of equal width; when the run
//! outgrows them, the width doubles and neighbouring buckets merge (counts add, peaks take the larger, duration
//! histograms add). Durations go into a log-scale histogram per bucket (8 bins per doubling, so a percentile is
//! within ~9 % of the exact value), allocated only for buckets that have samples.
//!
//! Records only ever land in the last bucket in use, so every earlier bucket is final until the width doubles:
//! [`Metrics::update_series`] keeps a series up to date by computing only the buckets from the last one on (the
//! dashboard refreshes its plots so; a closed bucket's percentile is computed once).
//!
//! Everything is fed in trace order and deterministic: resources are indexed by [`ResId`]; the name → id map and
//! the open-message map are only looked up, never iterated.

use std::collections::{BTreeSet, HashMap};

use crate::scenario::{ResId, ResourceType, Scenario};
use crate::sim::stats::{PRICE_PER_GB_SECOND_USD, PRICE_PER_REQUEST_USD};
use crate::sim::{Live, Status, TraceRecord};

/// Most buckets kept per series (the series' memory bound).
pub const MAX_BUCKETS: usize = 256;
/// Width of a bucket at the start of a run; it doubles each time the run outgrows [`MAX_BUCKETS`].
pub const FIRST_BUCKET_US: u64 = 100_000;
/// Histogram bins per doubling of a duration.
const BINS_PER_OCTAVE: u32 = 8;
/// Durations up to 2^32 µs (about 71 minutes) get their own bin; longer ones share the last.
const HISTOGRAM_BINS: usize = 32 * BINS_PER_OCTAVE as usize;

/// A log-scale histogram of durations in microseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    bins: Box<[u32; HISTOGRAM_BINS]>,
    total: u64,
    /// The lowest and highest bins in use (`lo > hi` while empty): a percentile looks only between them (a
    /// resource's durations span a few octaves of the 32; plots ask for hundreds of percentiles a refresh).
    lo: usize,
    hi: usize,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            bins: Box::new([0; HISTOGRAM_BINS]),
            total: 0,
            lo: HISTOGRAM_BINS,
            hi: 0,
        }
    }
}

impl Histogram {
    fn bin_of(us: u64) -> usize {
        if us <= 1 {
            return 0;
        }
        let bin = ((us as f64).log2() * f64::from(BINS_PER_OCTAVE)).floor() as usize;
        bin.min(HISTOGRAM_BINS - 1)
    }

    /// The geometric middle of a bin, in microseconds.
    fn middle_us(bin: usize) -> f64 {
        ((bin as f64 + 0.5) / f64::from(BINS_PER_OCTAVE)).exp2()
    }

    pub fn add(&mut self, us: u64) {
        let b = Histogram::bin_of(us);
        self.bins[b] = self.bins[b].saturating_add(1);
        self.total += 1;
        self.lo = self.lo.min(b);
        self.hi = self.hi.max(b);
    }

    fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.bins.iter_mut().zip(other.bins.iter()) {
            *a = a.saturating_add(*b);
        }
        self.total += other.total;
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `p`-th percentile (0–100, nearest rank) in milliseconds, to the bin's precision.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for bin in self.lo..=self.hi.min(HISTOGRAM_BINS - 1) {
            seen += u64::from(self.bins[bin]);
            if seen >= rank {
                return Some(Histogram::middle_us(bin) / 1000.0);
            }
        }
        None
    }
}

/// What happened at one resource during one bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// Functions: invocations started; queues: messages enqueued; APIs: requests answered; others: spans opened.
    pub count: u32,
    /// Functions: invocations that failed or timed out; APIs: 5xx answers.
    pub errors: u32,
    pub throttles: u32,
    /// Dead letters sent from this resource.
    pub dead_letters: u32,
    /// Dead letters that arrived at this resource (a DLQ or an on-failure destination).
    pub dead_letters_in: u32,
    /// APIs: answers by class.
    pub status_2xx: u32,
    pub status_4xx: u32,
    /// Functions: most invocations running at once; queues: most messages held (enqueued, not yet deleted);
    /// databases: most connections open; proxies: most database connections pooled.
    pub peak: u32,
    /// Queues, from the live state: most messages ready, in flight and delayed seen in the bucket.
    pub ready: u32,
    pub in_flight: u32,
    pub delayed: u32,
    /// Queues: age of the oldest message held, the largest seen in the bucket.
    pub oldest_age_us: u64,
    /// Functions: cost of the invocations that ended in the bucket.
    pub cost_usd: f64,
    /// Functions: durations of invocations that ended; APIs: latencies. `None` while empty.
    pub durations: Option<Histogram>,
}

impl Cell {
    fn merge(&mut self, o: &Cell) {
        self.count = self.count.saturating_add(o.count);
        self.errors = self.errors.saturating_add(o.errors);
        self.throttles = self.throttles.saturating_add(o.throttles);
        self.dead_letters = self.dead_letters.saturating_add(o.dead_letters);
        self.dead_letters_in = self.dead_letters_in.saturating_add(o.dead_letters_in);
        self.status_2xx = self.status_2xx.saturating_add(o.status_2xx);
        self.status_4xx = self.status_4xx.saturating_add(o.status_4xx);
        self.peak = self.peak.max(o.peak);
        self.ready = self.ready.max(o.ready);
        self.in_flight = self.in_flight.max(o.in_flight);
        self.delayed = self.delayed.max(o.delayed);
        self.oldest_age_us = self.oldest_age_us.max(o.oldest_age_us);
        self.cost_usd += o.cost_usd;
        match (&mut self.durations, &o.durations) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.durations = Some(b.clone()),
            _ => {}
        }
    }

    fn durations_mut(&mut self) -> &mut Histogram {
        self.durations.get_or_insert_with(Histogram::default)
    }
}

/// One series a plot can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Functions: most invocations running at once.
    Concurrency,
    /// Per second: invocations (functions), messages sent (queues), requests (APIs).
    Rate,
    ErrorRate,
    ThrottleRate,
    P50Ms,
    P99Ms,
    QueueHeld,
    QueueReady,
    QueueInFlight,
    QueueDelayed,
    OldestAgeS,
    /// Dead letters received, accumulated since t = 0.
    DeadLettersTotal,
    Status2xxRate,
    Status4xxRate,
    Status5xxRate,
    /// Functions: cost accumulated since t = 0.
    CostTotalUsd,
    /// Databases: most connections open (proxies: pooled), against `max_connections`.
    Connections,
}

impl Metric {
    /// Whether a total over resources is the largest value of any resource (percentiles and gauges, which do not
    /// add) rather than the sum (rates and totals).
    pub fn totals_as_largest(self) -> bool {
        matches!(
            self,
            Metric::P50Ms
                | Metric::P99Ms
                | Metric::Concurrency
                | Metric::QueueHeld
                | Metric::OldestAgeS
        )
    }

    /// Label of the series, with its unit.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Concurrency => "concurrency",
            Metric::Rate => "per second",
            Metric::ErrorRate => "errors / s",
            Metric::ThrottleRate => "throttles / s",
            Metric::P50Ms => "p50 ms",
            Metric::P99Ms => "p99 ms",
            Metric::QueueHeld => "messages held",
            Metric::QueueReady => "ready",
            Metric::QueueInFlight => "in flight",
            Metric::QueueDelayed => "delayed",
            Metric::OldestAgeS => "oldest message age s",
            Metric::DeadLettersTotal => "dead letters (total)",
            Metric::Status2xxRate => "2xx / s",
            Metric::Status4xxRate => "4xx / s",
            Metric::Status5xxRate => "5xx / s",
            Metric::CostTotalUsd => "cost USD (total)",
            Metric::Connections => "connections open",
        }
    }
}

/// Where the time bar puts a marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Error,
    Throttle,
    DeadLetter,
}

/// Per bucket, every resource together: what the time bar marks (kept as records come, so the markers need no
/// pass over every resource's cells).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Marks {
    /// Functions' failures and APIs' 5xx answers.
    errors: u32,
    throttles: u32,
    /// Dead letters sent.
    dead_letters: u32,
}

impl Marks {
    fn merge(&mut self, o: &Marks) {
        self.errors = self.errors.saturating_add(o.errors);
        self.throttles = self.throttles.saturating_add(o.throttles);
        self.dead_letters = self.dead_letters.saturating_add(o.dead_letters);
    }
}

/// Where a series' values come from: one resource, or every resource (of one type, if given) combined as
/// [`Metrics::total_series`] combines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesOf {
    Resource(ResId),
    Total(Option<ResourceType>),
}

/// How far a series kept by [`Metrics::update_series`] is final: what the next update need not compute again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesProgress {
    /// The bucket width the points were computed at (another width: the series starts again).
    bucket_us: u64,
    /// Buckets before this one are final (closed: no record lands in them any more).
    final_buckets: usize,
    /// Points of the final buckets (the points after them are computed again).
    final_points: usize,
    /// Running totals of a cumulative metric at the end of the final buckets, one per resource summed.
    carry: Vec<f64>,
}

/// Per resource state carried between records.
#[derive(Debug, Default)]
struct Running {
    /// Functions: invocations running; queues: messages held.
    level: u32,
    /// Queues: open messages by enqueue time (`(t_us, sequence)`), and message id → its key.
    held: BTreeSet<(u64, u64)>,
    held_by_id: HashMap<String, (u64, u64)>,
}

/// Metrics of one run, bucketed in virtual time.
#[derive(Debug)]
pub struct Metrics {
    bucket_us: u64,
    /// Buckets in use (the last one is the current one).
    len: usize,
    /// Per resource (by `ResId`), `MAX_BUCKETS` cells each, in use up to `len`.
    cells: Vec<Vec<Cell>>,
    kinds: Vec<ResourceType>,
    /// Functions: memory in MB (for cost).
    memory_mb: Vec<u32>,
    /// Functions: the concurrency limit (reserved concurrency, else the account's).
    limits: Vec<Option<u32>>,
    by_name: HashMap<String, ResId>,
    running: Vec<Running>,
    open_seq: u64,
    last_us: u64,
    /// `MAX_BUCKETS` entries, in use up to `len`.
    marks: Vec<Marks>,
    /// Counts every change (records and live samples): plots cache their series per version.
    version: u64,
}

impl Metrics {
    pub fn new(sc: &Scenario) -> Metrics {
        let n = sc.resources.len();
        let kinds: Vec<ResourceType> = sc.resources.iter().map(|r| r.resource_type()).collect();
        let function = |id: ResId| sc.resource(id).kind.as_function();
        Metrics {
            bucket_us: FIRST_BUCKET_US,
            len: 1,
            cells: vec![vec![Cell::default(); MAX_BUCKETS]; n],
            memory_mb: sc
                .ids()
                .map(|id| function(id).map_or(0, |f| f.memory_mb))
                .collect(),
            limits: sc
                .ids()
                .map(|id| {
                    function(id).map(|f| {
                        f.reserved_concurrency
                            .unwrap_or(sc.settings.account_concurrency)
                    })
                })
                .collect(),
            kinds,
            by_name: sc.ids().map(|id| (sc.id(id).to_string(), id)).collect(),
            running: (0..n).map(|_| Running::default()).collect(),
            open_seq: 0,
            last_us: 0,
            marks: vec![Marks::default(); MAX_BUCKETS],
            version: 0,
        }
    }

    /// Changes with every record and live sample taken (the same version: the same series).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Width of one bucket now.
    pub fn bucket_us(&self) -> u64 {
        self.bucket_us
    }

    /// Buckets in use (at least one).
    pub fn buckets_in_use(&self) -> usize {
        self.len
    }

    /// The latest virtual time seen.
    pub fn last_us(&self) -> u64 {
        self.last_us
    }

    /// A function's concurrency limit (reserved concurrency, else the account's); a database's or proxy's
    /// `max_connections` once a connection record named it.
    pub fn limit(&self, id: ResId) -> Option<u32> {
        self.limits.get(id.index()).copied().flatten()
    }

    pub fn kind(&self, id: ResId) -> Option<ResourceType> {
        self.kinds.get(id.index()).copied()
    }

    /// The cells of a resource in use, oldest first.
    pub fn cells(&self, id: ResId) -> &[Cell] {
        self.cells.get(id.index()).map_or(&[], |c| &c[..self.len])
    }

    /// Makes the bucket holding `t_us` the current one (doubling the width as needed) and returns its index.
    fn bucket(&mut self, t_us: u64) -> usize {
        self.last_us = self.last_us.max(t_us);
        let t_us = t_us.max(self.start_of(self.len - 1));
        while t_us / self.bucket_us >= MAX_BUCKETS as u64 {
            self.halve_resolution();
        }
        let i = (t_us / self.bucket_us) as usize;
        while self.len <= i {
            // A new bucket starts from the levels held at its start (gauges continue through quiet buckets).
            let start = self.start_of(self.len);
            for (r, cells) in self.cells.iter_mut().enumerate() {
                let run = &self.running[r];
                let cell = &mut cells[self.len];
                *cell = Cell {
                    peak: run.level,
                    oldest_age_us: run
                        .held
                        .first()
                        .map_or(0, |(t, _)| start.saturating_sub(*t)),
                    ..Cell::default()
                };
                // Live samples hold until the next one arrives.
                let prev = &cells[self.len - 1];
                let (ready, in_flight, delayed) = (prev.ready, prev.in_flight, prev.delayed);
                let cell = &mut cells[self.len];
                cell.ready = ready;
                cell.in_flight = in_flight;
                cell.delayed = delayed;
            }
            self.marks[self.len] = Marks::default();
            self.len += 1;
        }
        i
    }

    fn start_of(&self, bucket: usize) -> u64 {
        bucket as u64 * self.bucket_us
    }

    /// Doubles the bucket width: bucket pairs merge.
    fn halve_resolution(&mut self) {
        for cells in &mut self.cells {
            for i in 0..MAX_BUCKETS / 2 {
                let mut merged = std::mem::take(&mut cells[2 * i]);
                merged.merge(&cells[2 * i + 1]);
                cells[i] = merged;
            }
            for c in &mut cells[MAX_BUCKETS / 2..] {
                *c = Cell::default();
            }
        }
        for i in 0..MAX_BUCKETS / 2 {
            let mut merged = self.marks[2 * i];
            merged.merge(&self.marks[2 * i + 1]);
            self.marks[i] = merged;
        }
        self.marks[MAX_BUCKETS / 2..].fill(Marks::default());
        self.bucket_us *= 2;
        self.len = self.len.div_ceil(2).max(1);
    }

    fn id(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).map(|id| id.index())
    }

    /// Takes one trace record, in trace order.
    pub fn observe(&mut self, record: &TraceRecord) {
        self.version += 1;
        let t_us = record.t_us();
        let b = self.bucket(t_us);
        match record {
            TraceRecord::Invoke { function, .. } => {
                if let Some(f) = self.id(function) {
                    let run = &mut self.running[f];
                    run.level = run.level.saturating_add(1);
                    let level = run.level;
                    let cell = &mut self.cells[f][b];
                    cell.count = cell.count.saturating_add(1);
                    cell.peak = cell.peak.max(level);
                }
            }
            TraceRecord::Result {
                function,
                status,
                duration_ms,
                billed_ms,
                ..
            } => {
                if let Some(f) = self.id(function) {
                    let run = &mut self.running[f];
                    run.level = run.level.saturating_sub(1);
                    let memory_gb = f64::from(self.memory_mb[f]) / 1024.0;
                    let cell = &mut self.cells[f][b];
                    if *status != Status::Ok {
                        cell.errors = cell.errors.saturating_add(1);
                        self.marks[b].errors = self.marks[b].errors.saturating_add(1);
                    }
                    cell.durations_mut().add(duration_ms.0);
                    // Same formula as `ResourceStats::cost_usd` (Lambda list price, see sim::stats).
                    cell.cost_usd += PRICE_PER_REQUEST_USD
                        + memory_gb * (*billed_ms as f64 / 1000.0) * PRICE_PER_GB_SECOND_USD;
                }
            }
            TraceRecord::Throttle { function, .. } => {
                if let Some(f) = self.id(function) {
                    let cell = &mut self.cells[f][b];
                    cell.throttles = cell.throttles.saturating_add(1);
                    self.marks[b].throttles = self.marks[b].throttles.saturating_add(1);
                }
            }
            TraceRecord::DeadLetter {
                resource, target, ..
            } => {
                if let Some(r) = self.id(resource) {
                    let cell = &mut self.cells[r][b];
                    cell.dead_letters = cell.dead_letters.saturating_add(1);
                    self.marks[b].dead_letters = self.marks[b].dead_letters.saturating_add(1);
                }
                if let Some(r) = self.id(target) {
                    let cell = &mut self.cells[r][b];
                    cell.dead_letters_in = cell.dead_letters_in.saturating_add(1);
                }
            }
            TraceRecord::Enqueue {
                queue, message_id, ..
            } => {
                if let Some(q) = self.id(queue) {
                    self.open_seq += 1;
                    let key = (t_us, self.open_seq);
                    let run = &mut self.running[q];
                    if let Some(old) = run.held_by_id.insert(message_id.to_string(), key) {
                        run.held.remove(&old);
                    } else {
                        run.level = run.level.saturating_add(1);
                    }
                    run.held.insert(key);
                    let level = run.level;
                    let cell = &mut self.cells[q][b];
                    cell.count = cell.count.saturating_add(1);
                    cell.peak = cell.peak.max(level);
                    self.age_at(q, b, t_us);
                }
            }
            TraceRecord::Dequeue {
                queue, message_id, ..
            } => {
                if let Some(q) = self.id(queue) {
                    let run = &mut self.running[q];
                    if let Some(key) = run.held_by_id.remove(&*message_id.as_text()) {
                        run.held.remove(&key);
                        run.level = run.level.saturating_sub(1);
                    }
                    self.age_at(q, b, t_us);
                }
            }
            TraceRecord::Response {
                api,
                status,
                latency_ms,
                ..
            } => {
                if let Some(a) = self.id(api) {
                    let cell = &mut self.cells[a][b];
                    cell.count = cell.count.saturating_add(1);
                    match status {
                        500.. => {
                            cell.errors = cell.errors.saturating_add(1);
                            self.marks[b].errors = self.marks[b].errors.saturating_add(1);
                        }
                        400..=499 => cell.status_4xx = cell.status_4xx.saturating_add(1),
                        _ => cell.status_2xx = cell.status_2xx.saturating_add(1),
                    }
                    cell.durations_mut().add(latency_ms.0);
                }
            }
            TraceRecord::Connection {
                resource,
                event,
                open,
                max_connections,
                ..
            } => {
                if let Some(r) = self.id(resource) {
                    self.limits[r] = Some(*max_connections);
                    let cell = &mut self.cells[r][b];
                    cell.peak = cell.peak.max(*open);
                    match *event {
                        "connect" => cell.count = cell.count.saturating_add(1),
                        "refused" | "borrow_timeout" => cell.errors = cell.errors.saturating_add(1),
                        "borrow_wait" => {
                            cell.throttles = cell.throttles.saturating_add(1);
                            self.marks[b].throttles = self.marks[b].throttles.saturating_add(1);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Records the age of queue `q`'s oldest held message at `t_us` in bucket `b`.
    fn age_at(&mut self, q: usize, b: usize, t_us: u64) {
        let age = self.running[q]
            .held
            .first()
            .map_or(0, |(t, _)| t_us.saturating_sub(*t));
        let cell = &mut self.cells[q][b];
        cell.oldest_age_us = cell.oldest_age_us.max(age);
    }

    /// Takes the live state at `now_us` (indexed by `ResId`): the queues' ready / in flight / delayed split.
    pub fn observe_live(&mut self, now_us: u64, live: &[Live]) {
        if live.len() != self.cells.len() {
            return;
        }
        self.version += 1;
        let b = self.bucket(now_us);
        for (r, l) in live.iter().enumerate() {
            if self.kinds[r] == ResourceType::Queue {
                let cell = &mut self.cells[r][b];
                cell.ready = cell.ready.max(l.visible);
                cell.in_flight = cell.in_flight.max(l.in_flight);
                cell.delayed = cell.delayed.max(l.delayed);
                self.age_at(r, b, now_us);
            }
        }
    }

    /// A series of one resource as `[t_s, value]` points (at each bucket's start); buckets without a value
    /// (a percentile of no samples) are left out.
    pub fn series(&self, id: ResId, metric: Metric) -> Vec<[f64; 2]> {
        let mut points = Vec::with_capacity(self.len);
        self.update_series(
            SeriesOf::Resource(id),
            metric,
            &mut SeriesProgress::default(),
            &mut points,
        );
        points
    }

    /// A series summed over every resource of the scenario (of type `only`, if given): rates and totals add;
    /// percentiles and gauges of the whole scenario make no sense and give the largest value of any resource.
    /// A bucket has a point where any resource's series has one; values combine in resource order.
    pub fn total_series(&self, metric: Metric, only: Option<ResourceType>) -> Vec<[f64; 2]> {
        let mut points = Vec::with_capacity(self.len);
        self.update_series(
            SeriesOf::Total(only),
            metric,
            &mut SeriesProgress::default(),
            &mut points,
        );
        points
    }

    /// Brings `points`, a series computed earlier with `progress`, up to date: only the buckets that can have
    /// changed since are computed again. Records and live samples land in the last bucket in use (or open new
    /// ones), so every bucket before it is final until the width doubles, which starts the series again. The
    /// points are those [`Metrics::series`] / [`Metrics::total_series`] give, bit for bit; a percentile is
    /// computed once for a bucket that is closed. `progress` and `points` belong to this `Metrics` (a new run
    /// starts them afresh).
    pub fn update_series<P: From<[f64; 2]>>(
        &self,
        of: SeriesOf,
        metric: Metric,
        progress: &mut SeriesProgress,
        points: &mut Vec<P>,
    ) {
        let resources = match of {
            SeriesOf::Resource(_) => 1,
            SeriesOf::Total(_) => self.cells.len(),
        };
        if progress.bucket_us != self.bucket_us
            || progress.final_buckets >= self.len
            || progress.final_points > points.len()
            || progress.carry.len() != resources
        {
            *progress = SeriesProgress {
                bucket_us: self.bucket_us,
                final_buckets: 0,
                final_points: 0,
                carry: vec![0.0; resources],
            };
        }
        points.truncate(progress.final_points);
        let current = self.len - 1;
        self.points_in(
            of,
            metric,
            progress.final_buckets..current,
            &mut progress.carry,
            points,
        );
        progress.final_buckets = current;
        progress.final_points = points.len();
        let mut carry = progress.carry.clone();
        self.points_in(of, metric, current..self.len, &mut carry, points);
    }

    /// Appends the points of `buckets` of a series; `carry` holds the running totals of cumulative metrics (one
    /// per resource of a [`SeriesOf::Total`]) at the first bucket and is carried on to the end.
    fn points_in<P: From<[f64; 2]>>(
        &self,
        of: SeriesOf,
        metric: Metric,
        buckets: std::ops::Range<usize>,
        carry: &mut [f64],
        points: &mut Vec<P>,
    ) {
        let width_s = self.bucket_us as f64 / 1e6;
        match of {
            SeriesOf::Resource(id) => {
                let mut total = carry.first().copied().unwrap_or(0.0);
                self.for_each_value(id, metric, buckets, &mut total, |i, y| {
                    points.push(P::from([i as f64 * width_s, y]));
                });
                if let Some(c) = carry.first_mut() {
                    *c = total;
                }
            }
            SeriesOf::Total(only) => {
                let largest = metric.totals_as_largest();
                let start = buckets.start;
                let mut per_bucket: Vec<Option<f64>> = vec![None; buckets.len()];
                for (r, total) in carry.iter_mut().enumerate().take(self.cells.len()) {
                    if only.is_some_and(|t| self.kinds[r] != t) {
                        continue;
                    }
                    self.for_each_value(ResId(r as u32), metric, buckets.clone(), total, |i, y| {
                        let slot = &mut per_bucket[i - start];
                        *slot = Some(match *slot {
                            None => y,
                            Some(a) if largest => a.max(y),
                            Some(a) => a + y,
                        });
                    });
                }
                points.extend(
                    per_bucket
                        .iter()
                        .enumerate()
                        .filter_map(|(k, y)| y.map(|y| P::from([(start + k) as f64 * width_s, y]))),
                );
            }
        }
    }

    /// Calls `each(bucket, value)` for every bucket in `buckets` of a resource's series that has a value, oldest
    /// first; `total` is the running total of a cumulative metric (dead letters, cost) before the first bucket,
    /// carried on. The one pass behind every series (the totals' too, without a `Vec` per resource).
    fn for_each_value(
        &self,
        id: ResId,
        metric: Metric,
        buckets: std::ops::Range<usize>,
        total: &mut f64,
        mut each: impl FnMut(usize, f64),
    ) {
        let status_class = matches!(
            metric,
            Metric::Status2xxRate | Metric::Status4xxRate | Metric::Status5xxRate
        );
        if status_class && self.kind(id) != Some(ResourceType::Api) {
            return;
        }
        let width_s = self.bucket_us as f64 / 1e6;
        let per_s = |n: u32| f64::from(n) / width_s;
        let start = buckets.start;
        let Some(cells) = self.cells(id).get(buckets) else {
            return;
        };
        for (k, c) in cells.iter().enumerate() {
            let y = match metric {
                Metric::Concurrency | Metric::QueueHeld | Metric::Connections => {
                    Some(f64::from(c.peak))
                }
                Metric::Rate => Some(per_s(c.count)),
                Metric::ErrorRate | Metric::Status5xxRate => Some(per_s(c.errors)),
                Metric::ThrottleRate => Some(per_s(c.throttles)),
                Metric::P50Ms => c.durations.as_ref().and_then(|h| h.percentile_ms(50.0)),
                Metric::P99Ms => c.durations.as_ref().and_then(|h| h.percentile_ms(99.0)),
                Metric::QueueReady => Some(f64::from(c.ready)),
                Metric::QueueInFlight => Some(f64::from(c.in_flight)),
                Metric::QueueDelayed => Some(f64::from(c.delayed)),
                Metric::OldestAgeS => Some(c.oldest_age_us as f64 / 1e6),
                Metric::DeadLettersTotal => {
                    *total += f64::from(c.dead_letters_in);
                    Some(*total)
                }
                Metric::Status2xxRate => Some(per_s(c.status_2xx)),
                Metric::Status4xxRate => Some(per_s(c.status_4xx)),
                Metric::CostTotalUsd => {
                    *total += c.cost_usd;
                    Some(*total)
                }
            };
            if let Some(y) = y {
                each(start + k, y);
            }
        }
    }

    /// Time-bar markers: per bucket with something to show, `(bucket start µs, kind, count)`, over all resources
    /// (functions' failures and APIs' 5xx answers, throttles, dead letters sent).
    pub fn markers(&self) -> Vec<(u64, MarkerKind, u32)> {
        let mut out = Vec::new();
        for (i, m) in self.marks[..self.len].iter().enumerate() {
            let t = self.start_of(i);
            for (kind, n) in [
                (MarkerKind::Error, m.errors),
                (MarkerKind::Throttle, m.throttles),
                (MarkerKind::DeadLetter, m.dead_letters),
            ] {
                if n > 0 {
                    out.push((t, kind, n));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sim::{Sim, SimOptions};

    /// Runs a built-in example to `until_us` with the trace on; returns the simulation and its records.
    fn run_example(file: &str, until_us: u64) -> (Sim, Vec<TraceRecord>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/scenarios")
            .join(file);
        let sc = crate::scenario::load_file(&path).expect("example loads");
        let mut sim = Sim::new(
            Arc::new(sc),
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        sim.run_until(until_us);
        let records = sim.take_trace();
        (sim, records)
    }

    fn metrics_of(sim: &Sim, records: &[TraceRecord]) -> Metrics {
        let mut m = Metrics::new(sim.scenario());
        for r in records {
            m.observe(r);
        }
        m
    }

    fn sum(series: &[[f64; 2]], width_s: f64) -> f64 {
        series.iter().map(|p| p[1] * width_s).sum()
    }

    #[test]
    fn backpressure_series_add_up_to_the_run_statistics() {
        let (sim, records) = run_example("backpressure.json", 40_000_000);
        let mut m = metrics_of(&sim, &records);
        let sc = sim.scenario();
        // The app also reports the live state at the end of the run (the queue's ready / in flight split).
        let live: Vec<Live> = sc.ids().map(|id| sim.live(id)).collect();
        m.observe_live(sim.now_us(), &live);
        let f = sc.find("FulfilOrder").expect("function");
        let q = sc.find("Orders").expect("queue");
        let width_s = m.bucket_us() as f64 / 1e6;
        let stats = sim.stats(f);
        let invocations = sum(&m.series(f, Metric::Rate), width_s);
        assert!(
            (invocations - stats.count as f64).abs() < 1e-6,
            "{invocations} vs {}",
            stats.count
        );
        // Reserved concurrency 5: the function never runs more, and it reaches it under the burst.
        let peak = m
            .series(f, Metric::Concurrency)
            .iter()
            .map(|p| p[1])
            .fold(0.0, f64::max);
        assert_eq!(peak, 5.0);
        assert_eq!(m.limit(f), Some(5));
        // The queue absorbs the burst (hundreds held) and drains to nothing by the end.
        let held = m.series(q, Metric::QueueHeld);
        let most = held.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!(most > 100.0, "the backlog peaks at {most}");
        assert_eq!(held.last().map(|p| p[1]), Some(0.0));
        // The last orders wait about ten seconds (the run ends at t ≈ 13.3 s, the burst at 3 s).
        let oldest = m
            .series(q, Metric::OldestAgeS)
            .iter()
            .map(|p| p[1])
            .fold(0.0, f64::max);
        assert!(
            (5.0..30.0).contains(&oldest),
            "oldest message age {oldest} s"
        );
        // Cost accumulates to the run's cost.
        let cost = m
            .series(f, Metric::CostTotalUsd)
            .last()
            .map_or(0.0, |p| p[1]);
        assert!(
            (cost - stats.cost_usd()).abs() < 1e-12,
            "{cost} vs {}",
            stats.cost_usd()
        );
        // Percentiles from the histogram are within a bin (9 %) of the exact ones over the whole run.
        let mut all = Histogram::default();
        for c in m.cells(f) {
            if let Some(h) = &c.durations {
                all.merge(h);
            }
        }
        let exact = stats.percentile_ms(50.0).expect("samples");
        let approx = all.percentile_ms(50.0).expect("samples");
        assert!(
            (approx / exact - 1.0).abs() < 0.1,
            "p50 {approx} vs {exact}"
        );
        assert!(
            m.markers()
                .iter()
                .all(|(_, k, _)| *k != MarkerKind::Throttle),
            "nothing is throttled"
        );
    }

    #[test]
    fn throttles_and_dead_letters_become_markers() {
        let (sim, records) = run_example("throttle-burst.json", 60_000_000);
        let m = metrics_of(&sim, &records);
        // Functions' throttles (an API counts the 429 it answered for one as well).
        let sc = sim.scenario();
        let throttles: u64 = sc
            .ids()
            .filter(|id| sc.resource(*id).resource_type() == ResourceType::Function)
            .map(|id| sim.stats(id).throttles)
            .sum();
        assert!(throttles > 0);
        let marked: u64 = m
            .markers()
            .iter()
            .filter(|(_, k, _)| *k == MarkerKind::Throttle)
            .map(|(_, _, n)| u64::from(*n))
            .sum();
        assert_eq!(marked, throttles);

        let (sim, records) = run_example("poison-message-dlq.json", 120_000_000);
        let m = metrics_of(&sim, &records);
        let dead: u64 = records.iter().filter(|r| r.kind() == "dead_letter").count() as u64;
        assert!(dead > 0);
        let dlq_total: f64 = sim
            .scenario()
            .ids()
            .filter_map(|id| m.series(id, Metric::DeadLettersTotal).last().map(|p| p[1]))
            .sum();
        assert_eq!(dlq_total, dead as f64);
    }

    #[test]
    fn database_connections_are_plotted_against_max_connections() {
        let (sim, records) = run_example("lambda-drowns-database.json", 10_000_000);
        let m = metrics_of(&sim, &records);
        let db = sim.scenario().find("OrdersDb").expect("database");
        let stats = sim.stats(db);
        let limit = m.limit(db).expect("max_connections from the records");
        let peak = m
            .series(db, Metric::Connections)
            .iter()
            .map(|p| p[1])
            .fold(0.0, f64::max);
        assert_eq!(peak, stats.peak_connections as f64);
        assert!(peak <= f64::from(limit), "{peak} over {limit}");
        let per_bucket_s = m.bucket_us() as f64 / 1e6;
        let count = |metric| -> f64 {
            m.series(db, metric)
                .iter()
                .map(|p| p[1] * per_bucket_s)
                .sum()
        };
        assert!((count(Metric::Rate) - stats.connects as f64).abs() < 1e-6);
        assert!((count(Metric::ErrorRate) - stats.refused as f64).abs() < 1e-6);
        assert!(stats.refused > 0, "the example refuses connections");
    }

    #[test]
    fn a_long_run_keeps_a_bounded_number_of_buckets_and_every_count() {
        let (sim, records) = run_example("backpressure.json", 40_000_000);
        let mut m = metrics_of(&sim, &records);
        let f = sim.scenario().find("FulfilOrder").expect("function");
        let before: u32 = m.cells(f).iter().map(|c| c.count).sum();
        // A record a day later: the width doubles until a day fits in the buckets.
        let day_us = 86_400_000_000;
        m.observe(&TraceRecord::Throttle {
            t_ms: crate::sim::Ms(day_us),
            function: "FulfilOrder".into(),
            trace_id: "t".into(),
            parent_span_id: None,
            invocation_type: crate::sim::InvocationType::Event,
            reason: "test".into(),
        });
        assert!(m.buckets_in_use() <= MAX_BUCKETS);
        assert!(m.bucket_us() * MAX_BUCKETS as u64 > day_us);
        let after: u32 = m.cells(f).iter().map(|c| c.count).sum();
        assert_eq!(before, after);
        assert_eq!(m.cells(f).iter().map(|c| c.throttles).sum::<u32>(), 1);
        assert_eq!(
            m.series(f, Metric::Concurrency)
                .iter()
                .map(|p| p[1])
                .fold(0.0, f64::max),
            5.0
        );
    }

    /// The markers as a pass over every resource's cells finds them (how they were computed before they were
    /// kept as records came).
    fn markers_from_cells(m: &Metrics) -> Vec<(u64, MarkerKind, u32)> {
        let mut out = Vec::new();
        for i in 0..m.buckets_in_use() {
            let (mut errors, mut throttles, mut dead) = (0u32, 0u32, 0u32);
            for (r, cells) in m.cells.iter().enumerate() {
                let c = &cells[i];
                if matches!(m.kinds[r], ResourceType::Function | ResourceType::Api) {
                    errors += c.errors;
                }
                throttles += c.throttles;
                dead += c.dead_letters;
            }
            for (kind, n) in [
                (MarkerKind::Error, errors),
                (MarkerKind::Throttle, throttles),
                (MarkerKind::DeadLetter, dead),
            ] {
                if n > 0 {
                    out.push((m.start_of(i), kind, n));
                }
            }
        }
        out
    }

    #[test]
    fn markers_kept_as_records_come_match_a_pass_over_every_cell() {
        let mut marked = 0;
        for (file, until_us) in [
            ("throttle-burst.json", 60_000_000),
            ("poison-message-dlq.json", 120_000_000),
            ("lambda-drowns-database.json", 10_000_000),
            ("api-stage-throttle.json", 30_000_000),
        ] {
            let (sim, records) = run_example(file, until_us);
            let mut m = Metrics::new(sim.scenario());
            for (k, r) in records.iter().enumerate() {
                m.observe(r);
                if k % 97 == 0 {
                    assert_eq!(m.markers(), markers_from_cells(&m), "{file} at record {k}");
                }
            }
            marked += m.markers().len();
            assert_eq!(m.markers(), markers_from_cells(&m), "{file}");
            // After the width doubles (a record far later), merged buckets still agree.
            let version = m.version();
            m.observe(&TraceRecord::Throttle {
                t_ms: crate::sim::Ms(86_400_000_000),
                function: "nothing".into(),
                trace_id: "t".into(),
                parent_span_id: None,
                invocation_type: crate::sim::InvocationType::Event,
                reason: "test".into(),
            });
            assert!(m.version() > version);
            assert_eq!(m.markers(), markers_from_cells(&m), "{file}, merged");
        }
        assert!(
            marked > 10,
            "the examples have errors, throttles and dead letters to mark"
        );
    }

    /// The sum over resources as it was first written: each resource's series, merged pairwise by x.
    fn total_by_merging(m: &Metrics, metric: Metric, only: Option<ResourceType>) -> Vec<[f64; 2]> {
        let largest = metric.totals_as_largest();
        let mut out: Vec<[f64; 2]> = Vec::new();
        for r in 0..m.cells.len() {
            if only.is_some_and(|t| m.kinds[r] != t) {
                continue;
            }
            let s = m.series(ResId(r as u32), metric);
            let mut merged = Vec::new();
            let (mut i, mut j) = (0, 0);
            while i < out.len() || j < s.len() {
                match (out.get(i), s.get(j)) {
                    (Some(a), Some(b)) if a[0] == b[0] => {
                        let y = if largest { a[1].max(b[1]) } else { a[1] + b[1] };
                        merged.push([a[0], y]);
                        i += 1;
                        j += 1;
                    }
                    (Some(a), Some(b)) if a[0] < b[0] => {
                        merged.push(*a);
                        i += 1;
                    }
                    (Some(a), None) => {
                        merged.push(*a);
                        i += 1;
                    }
                    (_, Some(b)) => {
                        merged.push(*b);
                        j += 1;
                    }
                    (None, None) => break,
                }
            }
            out = merged;
        }
        out
    }

    #[test]
    fn total_series_matches_merging_each_resources_series() {
        let metrics = [
            Metric::Rate,
            Metric::ErrorRate,
            Metric::ThrottleRate,
            Metric::Concurrency,
            Metric::P99Ms,
            Metric::QueueHeld,
            Metric::OldestAgeS,
            Metric::DeadLettersTotal,
            Metric::Status2xxRate,
            Metric::Status4xxRate,
            Metric::Status5xxRate,
            Metric::CostTotalUsd,
        ];
        let mut points = 0;
        for (file, until_us) in [
            ("throttle-burst.json", 60_000_000),
            ("poison-message-dlq.json", 120_000_000),
            ("api-stage-throttle.json", 30_000_000),
        ] {
            let (sim, records) = run_example(file, until_us);
            let mut m = Metrics::new(sim.scenario());
            for r in &records {
                m.observe(r);
            }
            for metric in metrics {
                for only in [
                    None,
                    Some(ResourceType::Function),
                    Some(ResourceType::Queue),
                ] {
                    let total = m.total_series(metric, only);
                    points += total.len();
                    assert_eq!(
                        total,
                        total_by_merging(&m, metric, only),
                        "{file} {metric:?} {only:?}"
                    );
                }
            }
        }
        assert!(points > 100, "the examples give series to compare");
    }

    #[test]
    fn series_updated_as_records_come_equal_series_computed_whole() {
        let metrics = [
            Metric::Rate,
            Metric::Concurrency,
            Metric::P50Ms,
            Metric::P99Ms,
            Metric::QueueHeld,
            Metric::QueueReady,
            Metric::OldestAgeS,
            Metric::DeadLettersTotal,
            Metric::Status2xxRate,
            Metric::CostTotalUsd,
        ];
        let mut updates = 0;
        for (file, until_us) in [
            ("backpressure.json", 40_000_000),
            ("poison-message-dlq.json", 120_000_000),
            ("api-stage-throttle.json", 30_000_000),
        ] {
            let (sim, records) = run_example(file, until_us);
            let sc = sim.scenario();
            let mut sources: Vec<SeriesOf> = sc.ids().map(SeriesOf::Resource).collect();
            sources.extend([
                SeriesOf::Total(None),
                SeriesOf::Total(Some(ResourceType::Function)),
            ]);
            let mut kept: Vec<(SeriesOf, Metric, SeriesProgress, Vec<[f64; 2]>)> = sources
                .iter()
                .flat_map(|of| {
                    metrics.map(|metric| (*of, metric, SeriesProgress::default(), Vec::new()))
                })
                .collect();
            let mut m = Metrics::new(sc);
            let check = |m: &Metrics,
                         kept: &mut Vec<(SeriesOf, Metric, SeriesProgress, Vec<[f64; 2]>)>,
                         at: &str| {
                for (of, metric, progress, points) in kept.iter_mut() {
                    m.update_series(*of, *metric, progress, points);
                    let whole = match *of {
                        SeriesOf::Resource(id) => m.series(id, *metric),
                        SeriesOf::Total(only) => m.total_series(*metric, only),
                    };
                    assert_eq!(*points, whole, "{file} {of:?} {metric:?} at {at}");
                }
            };
            for (k, r) in records.iter().enumerate() {
                m.observe(r);
                if k % 61 == 0 {
                    check(&m, &mut kept, &format!("record {k}"));
                    updates += 1;
                }
            }
            let live: Vec<Live> = sc.ids().map(|id| sim.live(id)).collect();
            m.observe_live(sim.now_us(), &live);
            check(&m, &mut kept, "the live sample");
            // The width doubles (a record far later): the kept series start again and still agree.
            let width_us = m.bucket_us();
            m.observe(&TraceRecord::Throttle {
                t_ms: crate::sim::Ms(86_400_000_000),
                function: "nothing".into(),
                trace_id: "t".into(),
                parent_span_id: None,
                invocation_type: crate::sim::InvocationType::Event,
                reason: "test".into(),
            });
            assert!(m.bucket_us() > width_us);
            check(&m, &mut kept, "the width doubled");
        }
        assert!(updates > 50, "the examples give updates to compare");
    }

    #[test]
    fn histogram_percentiles_are_close() {
        let mut h = Histogram::default();
        for ms in 1..=100u64 {
            h.add(ms * 1000);
        }
        let p50 = h.percentile_ms(50.0).expect("samples");
        let p99 = h.percentile_ms(99.0).expect("samples");
        assert!((p50 / 50.0 - 1.0).abs() < 0.1, "{p50}");
        assert!((p99 / 99.0 - 1.0).abs() < 0.1, "{p99}");
        assert_eq!(Histogram::default().percentile_ms(50.0), None);
        // Looking only between the lowest and highest bins in use finds what a scan of every bin finds, merged
        // histograms too.
        let mut other = Histogram::default();
        for us in [0, 1, 7, 3_000_000_000, u64::MAX] {
            other.add(us);
        }
        h.merge(&other);
        for p in [0.0, 1.0, 10.0, 50.0, 90.0, 99.0, 100.0] {
            let rank = ((p / 100.0) * h.total as f64).ceil().max(1.0) as u64;
            let mut seen = 0;
            let full_scan = h.bins.iter().enumerate().find_map(|(bin, n)| {
                seen += u64::from(*n);
                (seen >= rank).then(|| Histogram::middle_us(bin) / 1000.0)
            });
            assert_eq!(h.percentile_ms(p), full_scan, "p{p}");
        }
    }
}
