//! `rate(value unit)`: a positive whole number and one of minute|minutes|hour|hours|day|days,
//! singular exactly when the value is 1 (AWS "Rate expressions reference"); and its fire times.

use chrono::{DateTime, TimeDelta, Utc};

use super::{RateStart, ScheduleExprError, clip};

/// The largest period we accept: what `chrono::TimeDelta` can hold, in whole seconds.
const MAX_EVERY_S: u64 = (i64::MAX / 1000) as u64;

/// Parses the inside of `rate(...)` into a period in seconds; `base` is its offset in the text.
pub(crate) fn parse(inner: &str, base: usize) -> Result<u64, ScheduleExprError> {
    let mut tokens: Vec<(usize, &str)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, b) in inner.bytes().enumerate() {
        if b.is_ascii_whitespace() {
            if let Some(s) = start.take() {
                tokens.push((s, &inner[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push((s, &inner[s..]));
    }
    let (value_off, value_text, unit_off, unit_text) = match tokens.as_slice() {
        [(vo, v), (uo, u)] => (base + vo, *v, base + uo, *u),
        [] => {
            return Err(ScheduleExprError::new(
                base,
                "empty rate(); expected `rate(value unit)`, e.g. `rate(5 minutes)`",
            ));
        }
        [(vo, v)] => {
            // "rate(5minutes)" or a lone value/unit.
            let digits = v.bytes().take_while(u8::is_ascii_digit).count();
            let message = if digits > 0 && digits < v.len() {
                format!(
                    "missing space between the value and the unit in `{v}`; expected e.g. `rate(5 minutes)`"
                )
            } else {
                format!(
                    "rate needs a value and a unit separated by a space (e.g. `rate(5 minutes)`), found only `{}`",
                    clip(v)
                )
            };
            return Err(ScheduleExprError::new(
                base + vo + digits.min(v.len()),
                message,
            ));
        }
        [_, _, (xo, x), ..] => {
            return Err(ScheduleExprError::new(
                base + xo,
                format!(
                    "unexpected `{}` in rate(); expected exactly a value and a unit, e.g. `rate(5 minutes)`",
                    clip(x)
                ),
            ));
        }
    };

    if !value_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScheduleExprError::new(
            value_off,
            format!(
                "rate value must be a positive whole number, found `{}`",
                clip(value_text)
            ),
        ));
    }
    let value = value_text.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    });
    let Some(value) = value else {
        return Err(ScheduleExprError::new(
            value_off,
            format!("rate value `{}` is too large", clip(value_text)),
        ));
    };
    if value == 0 {
        return Err(ScheduleExprError::new(
            value_off,
            "rate value must be positive (at least 1), found `0`",
        ));
    }

    let (unit_s, singular, plural) = match unit_text {
        "minute" | "minutes" => (60u64, "minute", "minutes"),
        "hour" | "hours" => (3_600, "hour", "hours"),
        "day" | "days" => (86_400, "day", "days"),
        other => {
            let lower = other.to_ascii_lowercase();
            let message = if matches!(
                lower.as_str(),
                "minute" | "minutes" | "hour" | "hours" | "day" | "days"
            ) {
                format!("rate unit `{other}` must be lowercase: `{lower}`")
            } else if lower.starts_with("sec") {
                format!(
                    "unknown rate unit `{}`: AWS rates have no seconds; expected minute|minutes|hour|hours|day|days",
                    clip(other)
                )
            } else {
                format!(
                    "unknown rate unit `{}`; expected minute|minutes|hour|hours|day|days",
                    clip(other)
                )
            };
            return Err(ScheduleExprError::new(unit_off, message));
        }
    };
    if value == 1 && unit_text == plural {
        return Err(ScheduleExprError::new(
            unit_off,
            format!(
                "a rate value of 1 needs the singular unit: write `rate(1 {singular})`, not `rate(1 {plural})`"
            ),
        ));
    }
    if value > 1 && unit_text == singular {
        return Err(ScheduleExprError::new(
            unit_off,
            format!(
                "a rate value greater than 1 needs the plural unit: write `rate({value} {plural})`, not `rate({value} {singular})`"
            ),
        ));
    }
    match value.checked_mul(unit_s) {
        Some(s) if s <= MAX_EVERY_S => Ok(s),
        _ => Err(ScheduleExprError::new(
            value_off,
            format!("rate value `{value}` {plural} is too large a period"),
        )),
    }
}

/// Fire times are `origin + k·every` with `k ≥ 1` (or `k ≥ 0` with [`RateStart::AtOrigin`]);
/// returns the first one `>= lower`. A zero period never fires.
pub(crate) fn next_fire(
    every_s: u64,
    origin: DateTime<Utc>,
    lower: DateTime<Utc>,
    start: RateStart,
) -> Option<DateTime<Utc>> {
    if every_s == 0 {
        return None;
    }
    let every_ns = i128::from(every_s).checked_mul(1_000_000_000)?;
    let diff = lower.signed_duration_since(origin);
    let diff_ns = i128::from(diff.num_seconds())
        .checked_mul(1_000_000_000)?
        .checked_add(i128::from(diff.subsec_nanos()))?;
    let k_min: i128 = match start {
        RateStart::AfterOnePeriod => 1,
        RateStart::AtOrigin => 0,
    };
    let k = if diff_ns <= 0 {
        k_min
    } else {
        // ceil(diff / every) for positive values
        let q = diff_ns / every_ns;
        let k = if diff_ns % every_ns == 0 {
            q
        } else {
            q.checked_add(1)?
        };
        k.max(k_min)
    };
    let total_s = i64::try_from(k.checked_mul(i128::from(every_s))?).ok()?;
    origin.checked_add_signed(TimeDelta::try_seconds(total_s)?)
}

/// The period in the largest unit that divides it: (value, singular unit, plural unit).
pub(crate) fn split(every_s: u64) -> (u64, &'static str, &'static str) {
    if every_s != 0 && every_s.is_multiple_of(86_400) {
        (every_s / 86_400, "day", "days")
    } else if every_s != 0 && every_s.is_multiple_of(3_600) {
        (every_s / 3_600, "hour", "hours")
    } else if every_s.is_multiple_of(60) {
        (every_s / 60, "minute", "minutes")
    } else {
        (every_s, "second", "seconds")
    }
}

/// `rate(N unit)` text; a period that is not whole minutes (only constructible by hand) prints
/// with `seconds`, which AWS (and our parser) reject.
pub(crate) fn canonical(every_s: u64) -> String {
    let (n, one, many) = split(every_s);
    format!("rate({n} {})", if n == 1 { one } else { many })
}
