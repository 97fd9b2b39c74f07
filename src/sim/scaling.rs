//! Lambda scaling: how fast a function may add execution environments, and provisioned concurrency.
//!
//! Rules (sources in `shared/reference/aws-limits-rds.md` §3):
//! - Since late November 2023 each function gains at most **1,000 execution environments every 10 seconds**,
//!   independently of other functions, within account and reserved concurrency (L-SCALE, L-BLOG23). The rate
//!   refills continuously ("best attempt"), not in one step every 10 s, and unused rate does not accrue beyond
//!   one window: a token bucket of 1,000 environments refilled at 100 per second, full at t = 0. An invocation
//!   that needs a new environment when the bucket is empty is throttled (429), like one over concurrency.
//! - Provisioned concurrency: that many environments are initialised before t = 0 (no cold start on them), are
//!   never reclaimed, and are used first; invocations beyond them spill over to on-demand environments
//!   (L-OLD, provisioned-concurrency.html). They count toward reserved and account concurrency like any other.
//!   Approximation: AWS allocates provisioned concurrency over "a minute or two" after configuration; here it is
//!   ready at t = 0.

/// New environments per window and the window: 1,000 per 10 s (aws-limits-rds.md §3, L-SCALE).
pub(crate) const SCALE_ENVS_PER_WINDOW: u64 = 1_000;
pub(crate) const SCALE_WINDOW_US: u64 = 10_000_000;
/// What one new environment costs in the bucket, whose unit is one microsecond of refill.
const ENV_COST: u64 = SCALE_WINDOW_US / SCALE_ENVS_PER_WINDOW;

/// The scaling-rate bucket of one function, in microseconds of refill (full = one window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScaleBucket {
    units: u64,
    at_us: u64,
}

impl Default for ScaleBucket {
    fn default() -> Self {
        ScaleBucket {
            units: SCALE_WINDOW_US,
            at_us: 0,
        }
    }
}

impl ScaleBucket {
    /// The units available at `now_us` (refilled since the last take, capped at one window).
    fn available(&self, now_us: u64) -> u64 {
        self.units
            .saturating_add(now_us.saturating_sub(self.at_us))
            .min(SCALE_WINDOW_US)
    }

    /// Whether a new environment may be created at `now_us`.
    pub(crate) fn allows_new(&self, now_us: u64) -> bool {
        self.available(now_us) >= ENV_COST
    }

    /// Spends one environment's worth at `now_us` (callers checked [`ScaleBucket::allows_new`]).
    pub(crate) fn take(&mut self, now_us: u64) {
        let units = self.available(now_us);
        self.units = units.saturating_sub(ENV_COST);
        self.at_us = self.at_us.max(now_us);
    }
}

/// The throttle reason when the scaling rate, not concurrency, refuses an invocation.
pub(crate) fn scaling_throttle_reason() -> String {
    format!(
        "scaling rate: at most {SCALE_ENVS_PER_WINDOW} new execution environments per {} s per function",
        SCALE_WINDOW_US / 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_at_once_then_one_per_ten_ms() {
        let mut b = ScaleBucket::default();
        for _ in 0..1_000 {
            assert!(b.allows_new(0));
            b.take(0);
        }
        assert!(!b.allows_new(0));
        assert!(!b.allows_new(9_999));
        assert!(b.allows_new(10_000));
        b.take(10_000);
        assert!(!b.allows_new(10_000));
        // Refilled continuously, capped at one window: after a minute idle, 1,000 again and no more.
        let mut n = 0;
        while b.allows_new(70_000_000) {
            b.take(70_000_000);
            n += 1;
        }
        assert_eq!(n, 1_000);
    }
}
