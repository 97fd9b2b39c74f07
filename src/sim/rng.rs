//! The simulation's one seeded random generator, and sampling of the format's distributions.
//!
//! Every random choice of a run (latencies, durations, cold starts, injected failures, ids) is drawn from one
//! PCG-64 stream seeded by `settings.seed`, in the order the engine processes events, so the same file and seed
//! give the same run. Distributions are sampled here with textbook transforms rather than a distribution crate,
//! so that a dependency upgrade can never change a trace.

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use crate::scenario::Dist;

/// z-score of the 99th percentile of the standard normal distribution.
const Z_P99: f64 = 2.326_347_874_040_841;

pub struct SimRng {
    inner: Pcg64,
}

impl SimRng {
    pub fn new(seed: u64) -> SimRng {
        SimRng {
            inner: Pcg64::seed_from_u64(seed),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [min, max] (inclusive); `min > max` is treated as `min`.
    pub fn int_between(&mut self, min: i64, max: i64) -> i64 {
        if max <= min {
            return min;
        }
        let span = (max as i128 - min as i128 + 1) as u128;
        let draw = (self.next_u64() as u128 * span) >> 64;
        (min as i128 + draw as i128) as i64
    }

    /// A random (version 4) UUID in canonical text form.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
        let mut s = String::with_capacity(36);
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            push_hex_byte(&mut s, *b);
        }
        s
    }

    /// `n` random lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..n {
            if left == 0 {
                bits = self.next_u64();
                left = 16;
            }
            let digit = (bits & 0xf) as u8;
            bits >>= 4;
            left -= 1;
            s.push(char::from(if digit < 10 {
                b'0' + digit
            } else {
                b'a' + digit - 10
            }));
        }
        s
    }

    /// A standard normal deviate (Box–Muller; one of the pair is used so each call draws exactly two numbers).
    fn standard_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Samples a distribution of milliseconds; never negative, never NaN.
    pub fn sample_ms(&mut self, dist: &Dist) -> f64 {
        let v = match *dist {
            Dist::Fixed(v) => v,
            Dist::Uniform { min, max } => min + (max - min) * self.unit(),
            Dist::Exponential { mean } => -mean * (1.0 - self.unit()).ln(),
            Dist::Normal { mean, stddev } => mean + stddev * self.standard_normal(),
            Dist::LogNormal { p50, p99 } => {
                if p50 <= 0.0 {
                    0.0
                } else {
                    let mu = p50.ln();
                    let sigma = if p99 > p50 {
                        (p99.ln() - mu) / Z_P99
                    } else {
                        0.0
                    };
                    (mu + sigma * self.standard_normal()).exp()
                }
            }
        };
        if v.is_finite() && v > 0.0 { v } else { 0.0 }
    }

    /// Samples a distribution of milliseconds as whole microseconds.
    pub fn sample_us(&mut self, dist: &Dist) -> u64 {
        ms_to_us(self.sample_ms(dist))
    }
}

/// Milliseconds (non-negative, finite) to whole microseconds, rounded to nearest (halves away from zero, as
/// `f64::round`), saturating.
pub fn ms_to_us(ms: f64) -> u64 {
    let us = ms * 1000.0;
    if us > 0.0 && us < TWO_POW_52 {
        // `f64::round` without its library call (1–2 % of the engine's time, issue 15), the same result: below
        // 2^52 the conversion truncates exactly, and `us - whole` is exact (Sterbenz), so the half is seen as is.
        // Through `i64`, which x86-64 converts in one instruction each way (`u64` takes a branchy sequence).
        let whole = us as i64;
        let rounded = if us - whole as f64 >= 0.5 {
            whole + 1
        } else {
            whole
        };
        return rounded as u64;
    }
    let us = us.round();
    // NaN and negatives are 0; anything past the clock's range (including +inf, which a huge finite `ms`
    // becomes once multiplied) saturates instead of wrapping to 0. The loader refuses such times first.
    if us.is_nan() || us <= 0.0 {
        0
    } else if us >= u64::MAX as f64 {
        u64::MAX
    } else {
        us as u64
    }
}

/// 2^52: from here on every `f64` is a whole number.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

fn push_hex_byte(s: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    s.push(char::from(HEX[(b >> 4) as usize]));
    s.push(char::from(HEX[(b & 0xf) as usize]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_round_as_f64_round_does() {
        let reference = |ms: f64| {
            let us = (ms * 1000.0).round();
            if us.is_nan() || us <= 0.0 {
                0
            } else if us >= u64::MAX as f64 {
                u64::MAX
            } else {
                us as u64
            }
        };
        let mut cases = vec![
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            1e300,
            0.000_5,
            0.000_499_999_999_999_999_94,
            0.001_5,
            0.002_5,
            4_503_599_627_370.495_5,
            4_503_599_627_370.496,
            9e15,
        ];
        let mut rng = SimRng::new(11);
        for _ in 0..100_000 {
            // Many magnitudes, many exact halves.
            let scale = 10f64.powi(rng.int_between(-4, 12) as i32);
            cases.push(rng.unit() * scale);
            cases.push((rng.int_between(0, 1 << 40) as f64 + 0.5) / 1000.0);
        }
        for ms in cases {
            assert_eq!(ms_to_us(ms), reference(ms), "{ms} ms");
        }
    }

    #[test]
    fn same_seed_same_stream() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(SimRng::new(7).next_u64(), SimRng::new(8).next_u64());
    }

    #[test]
    fn uuid_is_version_4() {
        let mut r = SimRng::new(1);
        let u = r.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn distributions_have_their_moments() {
        let mut r = SimRng::new(3);
        let n = 200_000;
        let mean =
            |r: &mut SimRng, d: &Dist| (0..n).map(|_| r.sample_ms(d)).sum::<f64>() / n as f64;
        assert!((mean(&mut r, &Dist::Fixed(40.0)) - 40.0).abs() < 1e-9);
        assert!(
            (mean(
                &mut r,
                &Dist::Uniform {
                    min: 10.0,
                    max: 50.0
                }
            ) - 30.0)
                .abs()
                < 0.2
        );
        assert!((mean(&mut r, &Dist::Exponential { mean: 100.0 }) - 100.0).abs() < 1.5);
        assert!(
            (mean(
                &mut r,
                &Dist::Normal {
                    mean: 100.0,
                    stddev: 20.0
                }
            ) - 100.0)
                .abs()
                < 0.3
        );
        let mut v: Vec<f64> = (0..n)
            .map(|_| {
                r.sample_ms(&Dist::LogNormal {
                    p50: 40.0,
                    p99: 400.0,
                })
            })
            .collect();
        v.sort_by(f64::total_cmp);
        let p50 = v[n / 2];
        let p99 = v[n * 99 / 100];
        assert!((p50 - 40.0).abs() < 1.0, "p50 {p50}");
        assert!((p99 - 400.0).abs() < 25.0, "p99 {p99}");
    }

    #[test]
    fn normal_is_truncated_at_zero_and_ints_stay_in_range() {
        let mut r = SimRng::new(5);
        for _ in 0..10_000 {
            assert!(
                r.sample_ms(&Dist::Normal {
                    mean: 1.0,
                    stddev: 50.0
                }) >= 0.0
            );
            let i = r.int_between(-3, 3);
            assert!((-3..=3).contains(&i));
        }
        assert_eq!(r.int_between(5, 5), 5);
        assert!(r.int_between(i64::MIN, i64::MAX).signum().abs() <= 1);
    }
}
