//! Timestamp formats used in AWS event payloads.
//!
//! All functions are pure and allocation-light: they format the components of a
//! [`DateTime<Utc>`] by hand instead of going through chrono's format-string parser, because the
//! simulator formats several timestamps for every event it builds.
//!
//! | function | example | used by |
//! | --- | --- | --- |
//! | [`iso_millis`] | `2026-01-01T00:00:00.123Z` | S3 `eventTime`, Lambda destination `timestamp` |
//! | [`iso_seconds`] | `2026-01-01T00:00:00Z` | EventBridge envelope `time` |
//! | [`clf_time`] | `01/Jan/2026:00:00:00 +0000` | API Gateway `requestTime` (1.0) / `time` (2.0) |
//! | [`epoch_millis`] | `1767225600123` | API Gateway `requestTimeEpoch` / `timeEpoch` |
//!
//! Years outside 0000–9999 are written with as many digits as they need (and a leading `-` for
//! years before year 0); AWS never produces them, but formatting must not panic.

use chrono::{DateTime, Datelike, Timelike, Utc};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends `v` zero-padded to `width` digits.
fn push_padded(out: &mut String, v: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut n = v;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push('0');
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

fn push_year(out: &mut String, year: i32) {
    if year < 0 {
        out.push('-');
    }
    push_padded(out, year.unsigned_abs(), 4);
}

/// Milliseconds of the sub-second part, clamped to 0–999 (chrono encodes leap seconds as
/// nanoseconds ≥ 1e9).
fn millis_of(t: &DateTime<Utc>) -> u32 {
    (t.nanosecond() / 1_000_000).min(999)
}

fn push_date_time(out: &mut String, t: &DateTime<Utc>) {
    push_year(out, t.year());
    out.push('-');
    push_padded(out, t.month(), 2);
    out.push('-');
    push_padded(out, t.day(), 2);
    out.push('T');
    push_padded(out, t.hour(), 2);
    out.push(':');
    push_padded(out, t.minute(), 2);
    out.push(':');
    push_padded(out, t.second().min(59), 2);
}

/// ISO-8601 UTC with milliseconds: `2026-01-01T00:00:00.123Z`.
pub fn iso_millis(t: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(24);
    push_date_time(&mut out, &t);
    out.push('.');
    push_padded(&mut out, millis_of(&t), 3);
    out.push('Z');
    out
}

/// ISO-8601 UTC truncated to whole seconds: `2026-01-01T00:00:00Z`.
pub fn iso_seconds(t: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(20);
    push_date_time(&mut out, &t);
    out.push('Z');
    out
}

/// Common Log Format time as API Gateway writes `requestTime`: `01/Jan/2026:00:00:00 +0000`.
pub fn clf_time(t: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(26);
    push_padded(&mut out, t.day(), 2);
    out.push('/');
    let month = MONTHS.get(t.month0() as usize).copied().unwrap_or("Jan");
    out.push_str(month);
    out.push('/');
    push_year(&mut out, t.year());
    out.push(':');
    push_padded(&mut out, t.hour(), 2);
    out.push(':');
    push_padded(&mut out, t.minute(), 2);
    out.push(':');
    push_padded(&mut out, t.second().min(59), 2);
    out.push_str(" +0000");
    out
}

/// Milliseconds since the Unix epoch.
pub fn epoch_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Parses an RFC 3339 / ISO-8601 timestamp with an offset (`2026-01-01T00:00:00Z`,
/// `2026-01-01T01:00:00.5+01:00`) into UTC. Returns `None` for anything else.
pub fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}
