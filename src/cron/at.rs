//! Scheduler's one-time `at(yyyy-mm-ddThh:mm:ss)`. The date-time has no zone; Scheduler reads
//! it in the schedule's `ScheduleExpressionTimezone`, which is not modelled: we read it as UTC.

use chrono::{NaiveDate, NaiveDateTime};

use super::calendar::days_in_month;
use super::{ScheduleExprError, clip};

const SHAPE: &str = "yyyy-mm-ddThh:mm:ss";

/// Parses the inside of `at(...)`; `base` is its offset in the full text.
pub(crate) fn parse(inner: &str, base: usize) -> Result<NaiveDateTime, ScheduleExprError> {
    let lead = inner.len() - inner.trim_start().len();
    let text = inner.trim();
    let base = base + lead;
    if text.is_empty() {
        return Err(ScheduleExprError::new(
            base,
            format!("empty at(); expected `at({SHAPE})`, e.g. `at(2026-03-11T10:21:00)`"),
        ));
    }
    let bytes = text.as_bytes();
    for (i, want) in SHAPE.bytes().enumerate() {
        let Some(&got) = bytes.get(i) else {
            return Err(ScheduleExprError::new(
                base + i,
                format!(
                    "`{text}` ends early; at() takes exactly `{SHAPE}` (e.g. `2026-03-11T10:21:00`)"
                ),
            ));
        };
        let ok = match want {
            b'y' | b'm' | b'd' | b'h' | b's' => got.is_ascii_digit(),
            other => got == other,
        };
        if !ok {
            let expected = match want {
                b'y' | b'm' | b'd' | b'h' | b's' => "a digit".to_string(),
                other => format!("`{}`", char::from(other)),
            };
            let hint = if want == b'T' && got == b' ' {
                " (date and time are joined by `T`, not a space)"
            } else {
                ""
            };
            return Err(ScheduleExprError::new(
                base + i,
                format!(
                    "unexpected `{}` in at(); expected {expected} here, the shape is `{SHAPE}`{hint}",
                    char::from(got)
                ),
            ));
        }
    }
    if let Some(extra) = text.get(SHAPE.len()..).filter(|e| !e.is_empty()) {
        let message = match extra.as_bytes().first() {
            Some(b'Z' | b'z' | b'+' | b'-') => format!(
                "time zone suffix `{}` is not allowed in at(); the zone is set separately \
                 (ScheduleExpressionTimezone, not modelled here: times are UTC)",
                clip(extra)
            ),
            Some(b'.') => {
                "fractional seconds are not allowed in at(); use whole seconds".to_string()
            }
            _ => format!("unexpected `{}` after the date-time in at()", clip(extra)),
        };
        return Err(ScheduleExprError::new(base + SHAPE.len(), message));
    }
    let num = |from: usize, to: usize| -> u32 {
        bytes
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let (hour, minute, second) = (num(11, 13), num(14, 16), num(17, 19));
    let year_i = i32::try_from(year).unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err(ScheduleExprError::new(
            base + 5,
            format!("month `{month:02}` in at() is out of range; expected 01-12"),
        ));
    }
    let last = days_in_month(year_i, month);
    if day == 0 || day > last {
        return Err(ScheduleExprError::new(
            base + 8,
            format!(
                "day `{day:02}` in at() doesn't exist in {year:04}-{month:02} (it has {last} days)"
            ),
        ));
    }
    if hour > 23 {
        return Err(ScheduleExprError::new(
            base + 11,
            format!("hour `{hour:02}` in at() is out of range; expected 00-23"),
        ));
    }
    if minute > 59 {
        return Err(ScheduleExprError::new(
            base + 14,
            format!("minute `{minute:02}` in at() is out of range; expected 00-59"),
        ));
    }
    if second > 59 {
        return Err(ScheduleExprError::new(
            base + 17,
            format!("second `{second:02}` in at() is out of range; expected 00-59"),
        ));
    }
    NaiveDate::from_ymd_opt(year_i, month, day)
        .and_then(|d| d.and_hms_opt(hour, minute, second))
        .ok_or_else(|| ScheduleExprError::new(base, format!("`{text}` is not a valid date-time")))
}
