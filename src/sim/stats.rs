//! Running statistics per resource: what `--summary` prints and the app's inspector shows.
//!
//! Counters are cheap integers updated by the engine as it goes; durations are kept (as microseconds in a `u32`,
//! 4 bytes each) so that percentiles are exact.

/// Lambda list prices, us-east-1, x86, first tier (aws-semantics.md §1.6: AWS Lambda pricing page).
pub const PRICE_PER_REQUEST_USD: f64 = 0.20 / 1_000_000.0;
pub const PRICE_PER_GB_SECOND_USD: f64 = 0.000_016_666_7;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceStats {
    /// Function invocations started, API requests received, events put on a bus, rule/schedule matches,
    /// objects written, messages sent: the resource's main count.
    pub count: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub throttles: u64,
    pub retries: u64,
    pub dead_lettered: u64,
    pub dropped: u64,
    pub cold_starts: u64,
    /// Queue counters (issue 4 services fill them).
    pub received: u64,
    pub deleted: u64,
    pub max_depth: u64,
    /// Billed milliseconds summed over invocations.
    pub billed_ms: u64,
    /// GB-seconds (memory × billed duration).
    pub gb_seconds: f64,
    /// Invocation durations or API latencies, microseconds.
    pub durations_us: Vec<u32>,
    /// API responses by status class: 2xx, 4xx, 5xx.
    pub status_2xx: u64,
    pub status_4xx: u64,
    pub status_5xx: u64,
    /// Databases: the most connections open at once (proxies: the most pooled).
    pub peak_connections: u64,
    /// Databases: connections opened.
    pub connects: u64,
    /// Databases: connections refused at `max_connections`.
    pub refused: u64,
    /// Proxies: borrows that waited for a pooled connection, and those that timed out.
    pub borrow_waits: u64,
    pub borrow_timeouts: u64,
    /// Proxies: client sessions pinned to a database connection.
    pub pinned: u64,
    /// Durations are not kept ([`crate::sim::Sim::keep_durations`]): a run nobody asks percentiles of does not
    /// grow by 4 bytes per invocation.
    pub durations_off: bool,
}

impl ResourceStats {
    pub fn record_duration(&mut self, us: u64) {
        if !self.durations_off {
            self.durations_us.push(us.min(u32::MAX as u64) as u32);
        }
    }

    /// The `p`-th percentile (0–100) of recorded durations in milliseconds (nearest rank), or `None` when empty.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        percentile_ms(&self.durations_us, p)
    }

    /// Estimated Lambda cost in USD: requests plus GB-seconds at list price.
    pub fn cost_usd(&self) -> f64 {
        self.count as f64 * PRICE_PER_REQUEST_USD + self.gb_seconds * PRICE_PER_GB_SECOND_USD
    }
}

/// Nearest-rank percentile of microsecond samples, in milliseconds. Sorts a copy; callers ask rarely.
pub fn percentile_ms(samples_us: &[u32], p: f64) -> Option<f64> {
    if samples_us.is_empty() {
        return None;
    }
    let mut v = samples_us.to_vec();
    v.sort_unstable();
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    let i = rank.clamp(1, v.len()) - 1;
    v.get(i).map(|us| *us as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let s: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&s, 50.0), Some(50.0));
        assert_eq!(percentile_ms(&s, 99.0), Some(99.0));
        assert_eq!(percentile_ms(&s, 100.0), Some(100.0));
        assert_eq!(percentile_ms(&[], 50.0), None);
    }

    #[test]
    fn cost_matches_the_pricing_example() {
        // aws-semantics.md §1.6: 128 MB × 50 ms ≈ $1.04e-7 of duration, plus $2e-7 for the request.
        let s = ResourceStats {
            count: 1,
            gb_seconds: 0.125 * 0.05,
            ..Default::default()
        };
        assert!((s.cost_usd() - (2e-7 + 1.0417e-7)).abs() < 1e-10);
    }
}
