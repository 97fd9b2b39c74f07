//! Tests for schedule expressions: data tables of valid expressions with their successive fire
//! times, invalid expressions with the expected message and offset, descriptions, a brute-force
//! cross-check of the fire-time search, a speed check and a never-panic fuzz run.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};

use super::calendar::{days_in_month, weekday};
use super::expr::{CronExpr, DayOfMonth, DayOfWeek, DayRule};
use super::{RateStart, ScheduleExpr, ScheduleExprError};

fn t(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .unwrap_or_else(|e| panic!("bad test time {s}: {e}"))
        .and_utc()
}

fn parse_ok(text: &str) -> ScheduleExpr {
    ScheduleExpr::parse(text).unwrap_or_else(|e| panic!("{text} should parse: {}", e.pointer(text)))
}

/// An origin well before every table's `from`, so it never bounds cron/at results.
const EARLY: &str = "1960-01-01T00:00:00";

/// (expression, from, successive fires; "none" marks that no further fire exists).
/// Each next query starts one second after the previous fire.
#[rustfmt::skip]
const CRON_FIRES: &[(&str, &str, &[&str])] = &[
    // Daily at noon, inclusive `from`, and just after.
    ("cron(0 12 * * ? *)", "2026-01-01T00:00:00", &["2026-01-01T12:00:00", "2026-01-02T12:00:00", "2026-01-03T12:00:00"]),
    ("cron(0 12 * * ? *)", "2026-01-01T12:00:00", &["2026-01-01T12:00:00"]),
    ("cron(0 12 * * ? *)", "2026-01-01T12:00:01", &["2026-01-02T12:00:00"]),
    ("cron(0 12 * * ? *)", "2026-12-31T12:30:00", &["2027-01-01T12:00:00"]),
    // AWS guide examples.
    ("cron(0 10 * * ? *)", "2026-03-05T10:00:00", &["2026-03-05T10:00:00", "2026-03-06T10:00:00"]),
    ("cron(15 12 * * ? *)", "2026-03-05T12:15:30", &["2026-03-06T12:15:00"]),
    ("cron(0 18 ? * MON-FRI *)", "2026-01-02T19:00:00", &["2026-01-05T18:00:00", "2026-01-06T18:00:00"]),
    ("cron(0 8 1 * ? *)", "2026-01-01T08:00:01", &["2026-02-01T08:00:00", "2026-03-01T08:00:00"]),
    ("cron(0/10 * ? * MON-FRI *)", "2026-01-02T23:55:00", &["2026-01-05T00:00:00", "2026-01-05T00:10:00"]),
    ("cron(0/5 8-17 ? * MON-FRI *)", "2026-01-05T17:56:00", &["2026-01-06T08:00:00", "2026-01-06T08:05:00"]),
    ("cron(0/5 8-17 ? * MON-FRI *)", "2026-01-05T17:55:00", &["2026-01-05T17:55:00", "2026-01-06T08:00:00"]),
    ("cron(0 9 ? * 2#1 *)", "2026-01-01T00:00:00", &["2026-01-05T09:00:00", "2026-02-02T09:00:00", "2026-03-02T09:00:00"]),
    // Steps and ranges.
    ("cron(0/5 * * * ? *)", "2026-01-01T00:03:10", &["2026-01-01T00:05:00", "2026-01-01T00:10:00", "2026-01-01T00:15:00"]),
    ("cron(*/15 * * * ? *)", "2026-12-31T23:50:00", &["2027-01-01T00:00:00", "2027-01-01T00:15:00"]),
    ("cron(1/10 * * * ? *)", "2026-01-01T00:00:00", &["2026-01-01T00:01:00", "2026-01-01T00:11:00", "2026-01-01T00:21:00"]),
    ("cron(50/5 * * * ? *)", "2026-01-01T00:56:00", &["2026-01-01T01:50:00", "2026-01-01T01:55:00"]),
    ("cron(10-12 9 * * ? *)", "2026-01-01T00:00:00", &["2026-01-01T09:10:00", "2026-01-01T09:11:00", "2026-01-01T09:12:00", "2026-01-02T09:10:00"]),
    ("cron(0 9-17/4 * * ? *)", "2026-01-01T00:00:00", &["2026-01-01T09:00:00", "2026-01-01T13:00:00", "2026-01-01T17:00:00", "2026-01-02T09:00:00"]),
    ("cron(5,35 */12 * * ? *)", "2026-01-01T00:00:00", &["2026-01-01T00:05:00", "2026-01-01T00:35:00", "2026-01-01T12:05:00", "2026-01-01T12:35:00"]),
    ("cron(0-10/5,30 3 * * ? *)", "2026-01-01T00:00:00", &["2026-01-01T03:00:00", "2026-01-01T03:05:00", "2026-01-01T03:10:00", "2026-01-01T03:30:00", "2026-01-02T03:00:00"]),
    ("cron(* * * * ? *)", "2026-01-01T00:00:30", &["2026-01-01T00:01:00", "2026-01-01T00:02:00"]),
    ("cron(59 23 * * ? *)", "2026-02-28T23:59:00", &["2026-02-28T23:59:00", "2026-03-01T23:59:00"]),
    // Month ends, 31st skipping short months, leap years.
    ("cron(0 0 31 * ? *)", "2026-01-31T00:00:01", &["2026-03-31T00:00:00", "2026-05-31T00:00:00", "2026-07-31T00:00:00", "2026-08-31T00:00:00"]),
    ("cron(0 0 L * ? *)", "2026-01-15T00:00:00", &["2026-01-31T00:00:00", "2026-02-28T00:00:00", "2026-03-31T00:00:00", "2026-04-30T00:00:00"]),
    ("cron(0 0 L 2 ? *)", "2027-03-01T00:00:00", &["2028-02-29T00:00:00", "2029-02-28T00:00:00"]),
    ("cron(0 0 L 2 ? *)", "2028-02-28T00:00:01", &["2028-02-29T00:00:00"]),
    ("cron(0 0 L 2 ? 2100)", "2026-01-01T00:00:00", &["2100-02-28T00:00:00", "none"]),
    ("cron(0 0 29 2 ? *)", "2026-01-01T00:00:00", &["2028-02-29T00:00:00", "2032-02-29T00:00:00"]),
    ("cron(0 0 29 2 ? 2096-2104)", "2026-01-01T00:00:00", &["2096-02-29T00:00:00", "2104-02-29T00:00:00", "none"]),
    ("cron(0 0 30 2 ? *)", "2026-01-01T00:00:00", &["none"]),
    ("cron(0 12 29 FEB ? 2028)", "2028-01-01T00:00:00", &["2028-02-29T12:00:00", "none"]),
    // LW: Jan 31 2026 is a Saturday, Feb 28 a Saturday, May 31 a Sunday.
    ("cron(30 6 LW * ? *)", "2026-01-01T00:00:00", &["2026-01-30T06:30:00", "2026-02-27T06:30:00", "2026-03-31T06:30:00", "2026-04-30T06:30:00", "2026-05-29T06:30:00"]),
    ("cron(0 0 lw 2 ? 2028)", "2028-01-01T00:00:00", &["2028-02-29T00:00:00", "none"]),
    // nW: 15th on Sunday → Monday 16th; on Saturday (Aug) → Friday 14th.
    ("cron(0 9 15W * ? *)", "2026-01-01T00:00:00", &["2026-01-15T09:00:00", "2026-02-16T09:00:00", "2026-03-16T09:00:00", "2026-04-15T09:00:00"]),
    ("cron(0 9 15W 8 ? 2026)", "2026-01-01T00:00:00", &["2026-08-14T09:00:00", "none"]),
    // 1W on a Saturday (Aug 2026) → Monday the 3rd; on a Sunday (Nov 2026) → Monday the 2nd.
    ("cron(0 9 1W 8,11 ? 2026)", "2026-01-01T00:00:00", &["2026-08-03T09:00:00", "2026-11-02T09:00:00", "none"]),
    ("cron(0 9 1w 5 ? 2026)", "2026-01-01T00:00:00", &["2026-05-01T09:00:00", "none"]),
    // 31W: Jan 31 Sat → Fri 30; short months skipped; May 31 Sun → Fri 29 (never into June).
    ("cron(0 9 31W * ? *)", "2026-01-01T00:00:00", &["2026-01-30T09:00:00", "2026-03-31T09:00:00", "2026-05-29T09:00:00", "2026-07-31T09:00:00"]),
    ("cron(0 0 30W * ? *)", "2026-01-01T00:00:00", &["2026-01-30T00:00:00", "2026-03-30T00:00:00", "2026-04-30T00:00:00", "2026-05-29T00:00:00"]),
    // Last weekday-of-month (nL) and `L` alone (= Saturday every week).
    ("cron(0 12 ? * 6L *)", "2026-01-01T00:00:00", &["2026-01-30T12:00:00", "2026-02-27T12:00:00", "2026-03-27T12:00:00", "2026-04-24T12:00:00"]),
    ("cron(0 12 ? * FRIL *)", "2026-01-01T00:00:00", &["2026-01-30T12:00:00", "2026-02-27T12:00:00"]),
    ("cron(0 0 ? * 7L *)", "2026-01-01T00:00:00", &["2026-01-31T00:00:00", "2026-02-28T00:00:00"]),
    ("cron(0 0 ? * 1L *)", "2026-01-01T00:00:00", &["2026-01-25T00:00:00", "2026-02-22T00:00:00", "2026-03-29T00:00:00"]),
    ("cron(0 0 ? * L *)", "2026-01-01T00:00:00", &["2026-01-03T00:00:00", "2026-01-10T00:00:00", "2026-01-17T00:00:00"]),
    // n#k, including fifth Mondays (only Mar, Jun, Aug in 2026 have one).
    ("cron(0 0 ? * 2#5 *)", "2026-01-01T00:00:00", &["2026-03-30T00:00:00", "2026-06-29T00:00:00", "2026-08-31T00:00:00"]),
    ("cron(0 0 ? * 3#2 *)", "2026-01-01T00:00:00", &["2026-01-13T00:00:00", "2026-02-10T00:00:00", "2026-03-10T00:00:00"]),
    ("cron(0 0 ? * MON#1 *)", "2026-01-01T00:00:00", &["2026-01-05T00:00:00", "2026-02-02T00:00:00"]),
    ("cron(0 0 ? * 1#1 2026)", "2026-01-01T00:00:00", &["2026-01-04T00:00:00", "2026-02-01T00:00:00", "2026-03-01T00:00:00"]),
    ("cron(0 0 ? * 7#5 *)", "2026-01-01T00:00:00", &["2026-01-31T00:00:00", "2026-05-30T00:00:00", "2026-08-29T00:00:00"]),
    ("cron(0 0 ? * sat#5 *)", "2026-01-31T00:00:01", &["2026-05-30T00:00:00"]),
    // Day-of-week lists, names, numbers (1 = SUN).
    ("cron(0 0 ? * SUN,SAT *)", "2026-01-01T00:00:00", &["2026-01-03T00:00:00", "2026-01-04T00:00:00", "2026-01-10T00:00:00"]),
    ("cron(0 0 ? * 1 *)", "2026-01-01T00:00:00", &["2026-01-04T00:00:00", "2026-01-11T00:00:00"]),
    ("cron(0 0 ? * 7 *)", "2026-01-01T00:00:00", &["2026-01-03T00:00:00", "2026-01-10T00:00:00"]),
    ("cron(0 0 ? * 2-6 *)", "2026-01-02T00:00:01", &["2026-01-05T00:00:00", "2026-01-06T00:00:00"]),
    ("cron(0 0 ? * mon,Wed,FRI *)", "2026-01-01T00:00:00", &["2026-01-02T00:00:00", "2026-01-05T00:00:00", "2026-01-07T00:00:00", "2026-01-09T00:00:00"]),
    ("cron(0 0 ? * * *)", "2026-01-01T00:00:01", &["2026-01-02T00:00:00"]),
    // Month names, ranges, steps.
    ("cron(0 0 1 jan,Jul ? *)", "2026-01-02T00:00:00", &["2026-07-01T00:00:00", "2027-01-01T00:00:00"]),
    ("cron(0 0 1 JAN-MAR ? *)", "2026-02-15T00:00:00", &["2026-03-01T00:00:00", "2027-01-01T00:00:00"]),
    ("cron(0 0 1 */4 ? *)", "2026-01-02T00:00:00", &["2026-05-01T00:00:00", "2026-09-01T00:00:00", "2027-01-01T00:00:00"]),
    ("cron(0 0 1 FEB/3 ? *)", "2026-01-01T00:00:00", &["2026-02-01T00:00:00", "2026-05-01T00:00:00", "2026-08-01T00:00:00", "2026-11-01T00:00:00", "2027-02-01T00:00:00"]),
    ("cron(0 0 1-7 * ? *)", "2026-01-07T00:00:01", &["2026-02-01T00:00:00"]),
    ("cron(0 0 1/10 * ? *)", "2026-01-01T00:00:01", &["2026-01-11T00:00:00", "2026-01-21T00:00:00", "2026-01-31T00:00:00", "2026-02-01T00:00:00"]),
    // Years and the 1970–2199 bounds.
    ("cron(0 0 1 1 ? 2199)", "2026-01-01T00:00:00", &["2199-01-01T00:00:00", "none"]),
    ("cron(59 23 31 12 ? 2199)", "2199-12-31T23:59:00", &["2199-12-31T23:59:00", "none"]),
    ("cron(0 0 * * ? *)", "2199-12-31T00:00:01", &["none"]),
    ("cron(0 0 * * ? *)", "2250-06-01T00:00:00", &["none"]),
    ("cron(0 0 1 1 ? 1970)", "2026-01-01T00:00:00", &["none"]),
    ("cron(0 0 1 1 ? 1970)", "1969-06-01T00:00:00", &["1970-01-01T00:00:00", "none"]),
    ("cron(0 0 1 1 ? 2026-2028/2)", "2026-01-01T00:00:01", &["2028-01-01T00:00:00", "none"]),
    ("cron(0 0 1 1 ? 2030/50)", "2026-01-01T00:00:00", &["2030-01-01T00:00:00", "2080-01-01T00:00:00", "2130-01-01T00:00:00", "2180-01-01T00:00:00", "none"]),
    ("cron(0 0 1 1 ? 2027,2026)", "2026-01-01T00:00:00", &["2026-01-01T00:00:00", "2027-01-01T00:00:00", "none"]),
    // Lenient white space.
    (" cron(0\t12 * *  ? *  ) ", "2026-01-01T00:00:00", &["2026-01-01T12:00:00"]),
];

#[test]
fn cron_fire_tables() {
    let origin = t(EARLY);
    for (text, from, expected) in CRON_FIRES {
        let expr = parse_ok(text);
        let mut from = t(from);
        for want in *expected {
            let got = expr.next_fire(origin, from);
            if *want == "none" {
                assert_eq!(got, None, "{text}: expected no fire at or after {from}");
                break;
            }
            let want = t(want);
            assert_eq!(got, Some(want), "{text} from {from}");
            from = want + TimeDelta::seconds(1);
        }
    }
}

/// (expression, origin, from, successive fires).
#[rustfmt::skip]
const RATE_FIRES: &[(&str, &str, &str, &[&str])] = &[
    ("rate(5 minutes)", "2026-01-01T00:00:00", "2026-01-01T00:00:00", &["2026-01-01T00:05:00", "2026-01-01T00:10:00", "2026-01-01T00:15:00"]),
    ("rate(1 minute)", "2026-01-01T00:00:00", "2026-01-01T00:00:30", &["2026-01-01T00:01:00", "2026-01-01T00:02:00"]),
    ("rate(1 hour)", "2026-01-01T00:00:00", "2026-01-01T01:00:00", &["2026-01-01T01:00:00", "2026-01-01T02:00:00"]),
    ("rate(1 hour)", "2026-01-01T00:00:00", "2026-01-01T01:00:01", &["2026-01-01T02:00:00"]),
    ("rate(2 days)", "2026-01-01T00:00:00", "2026-01-02T00:00:00", &["2026-01-03T00:00:00", "2026-01-05T00:00:00"]),
    ("rate(1 day)", "2026-01-01T00:00:00", "2025-12-01T00:00:00", &["2026-01-02T00:00:00"]),
    ("rate(1 minute)", "2026-01-01T00:00:30", "2026-01-01T00:00:30", &["2026-01-01T00:01:30", "2026-01-01T00:02:30"]),
    ("rate(7 minutes)", "2026-01-01T00:00:00", "2026-01-01T01:00:00", &["2026-01-01T01:03:00"]),
    ("rate(24 hours)", "2028-02-28T06:00:00", "2028-02-28T06:00:00", &["2028-02-29T06:00:00", "2028-03-01T06:00:00"]),
    ("rate(01 minute)", "2026-01-01T00:00:00", "2026-01-01T00:00:00", &["2026-01-01T00:01:00"]),
];

#[test]
fn rate_fire_tables() {
    for (text, origin, from, expected) in RATE_FIRES {
        let expr = parse_ok(text);
        let origin = t(origin);
        let mut from = t(from);
        for want in *expected {
            let want = t(want);
            assert_eq!(
                expr.next_fire(origin, from),
                Some(want),
                "{text} from {from}"
            );
            from = want + TimeDelta::seconds(1);
        }
    }
}

#[test]
fn rate_values_and_start_choice() {
    assert_eq!(
        parse_ok("rate(1 minute)"),
        ScheduleExpr::Rate { every_s: 60 }
    );
    assert_eq!(
        parse_ok("rate(5 minutes)"),
        ScheduleExpr::Rate { every_s: 300 }
    );
    assert_eq!(
        parse_ok("rate(1 hour)"),
        ScheduleExpr::Rate { every_s: 3_600 }
    );
    assert_eq!(
        parse_ok("rate(12 hours)"),
        ScheduleExpr::Rate { every_s: 43_200 }
    );
    assert_eq!(
        parse_ok("rate(1 day)"),
        ScheduleExpr::Rate { every_s: 86_400 }
    );
    assert_eq!(
        parse_ok("rate( 3   days )"),
        ScheduleExpr::Rate { every_s: 259_200 }
    );
    let origin = t("2026-01-01T00:00:00");
    let expr = parse_ok("rate(10 minutes)");
    assert_eq!(
        expr.next_fire_with(origin, origin, RateStart::AtOrigin),
        Some(origin)
    );
    assert_eq!(
        expr.next_fire_with(origin, origin, RateStart::AfterOnePeriod),
        Some(t("2026-01-01T00:10:00"))
    );
    assert_eq!(
        expr.next_fire_with(origin, t("2026-01-01T00:00:01"), RateStart::AtOrigin),
        Some(t("2026-01-01T00:10:00"))
    );
    // Hand-built degenerate rate: never fires, never loops.
    assert_eq!(
        ScheduleExpr::Rate { every_s: 0 }.next_fire(origin, origin),
        None
    );
    assert_eq!(
        ScheduleExpr::Rate { every_s: u64::MAX }.next_fire(origin, origin),
        None
    );
}

#[test]
fn at_fires_once() {
    let early = t(EARLY);
    let expr = parse_ok("at(2026-03-11T10:21:00)");
    let when = t("2026-03-11T10:21:00");
    assert_eq!(expr, ScheduleExpr::At(when.naive_utc()));
    assert_eq!(expr.next_fire(early, t("2026-01-01T00:00:00")), Some(when));
    assert_eq!(expr.next_fire(early, when), Some(when));
    assert_eq!(expr.next_fire(early, t("2026-03-11T10:21:01")), None);
    // Created (origin) after its time: it never fires.
    assert_eq!(
        expr.next_fire(t("2026-04-01T00:00:00"), t("2026-01-01T00:00:00")),
        None
    );
    assert_eq!(
        parse_ok(" at( 2028-02-29T23:59:59 ) ").next_fire(early, early),
        Some(t("2028-02-29T23:59:59"))
    );
}

#[test]
fn nothing_fires_before_origin() {
    let origin = t("2026-06-01T00:00:00");
    let expr = parse_ok("cron(0 0 1 * ? *)");
    assert_eq!(
        expr.next_fire(origin, t("2026-01-01T00:00:00")),
        Some(origin)
    );
    let expr = parse_ok("cron(0 12 * * ? *)");
    assert_eq!(
        expr.next_fire(origin, t("2020-01-01T00:00:00")),
        Some(t("2026-06-01T12:00:00"))
    );
}

/// (text, message substring, byte offset).
#[rustfmt::skip]
const INVALID: &[(&str, &str, usize)] = &[
    // Outer syntax.
    ("", "empty schedule expression", 0),
    ("   ", "empty schedule expression", 0),
    ("cron", "expected `rate(...)`, `cron(...)` or `at(...)`, found `cron`", 0),
    ("  0 12 * * ? *", "expected `rate(...)`, `cron(...)` or `at(...)`", 2),
    ("CRON(0 12 * * ? *)", "must be written in lowercase: `cron(...)`", 0),
    ("cron (0 12 * * ? *)", "unexpected space between `cron` and `(`", 4),
    ("every(5 minutes)", "unknown schedule type `every`", 0),
    ("cron(0 12 * * ? *", "missing closing `)`", 17),
    ("cron(0 12 * * ? *))", "unexpected text `)` after the closing `)`", 18),
    ("cron(0 12 * * ? *) x", "unexpected text `x` after the closing `)`", 19),
    ("cron(0 12 * * ? *)é", "unexpected character `é`", 18),
    // Field count.
    ("cron()", "exactly 6 fields", 5),
    ("cron(0 12 * * ?)", "found 5; AWS cron has a required year field", 15),
    ("cron(*/5 * * * *)", "found 5", 16),
    ("cron(0 0 12 * * ? *)", "found 7; AWS cron has no seconds field", 18),
    ("cron(0 0 12 * * ? * * *)", "found 9", 18),
    // Ranges of values.
    ("cron(60 12 * * ? *)", "minutes value `60` is out of range; expected 0-59", 5),
    ("cron(0 24 * * ? *)", "hours value `24` is out of range; expected 0-23", 7),
    ("cron(0 12 0 * ? *)", "day-of-month value `0` is out of range; expected 1-31", 10),
    ("cron(0 12 32 * ? *)", "day-of-month value `32` is out of range", 10),
    ("cron(0 12 * 13 ? *)", "month value `13` is out of range; expected 1-12", 12),
    ("cron(0 12 * 0 ? *)", "month value `0` is out of range", 12),
    ("cron(0 12 ? * 0 *)", "there is no day 0", 14),
    ("cron(0 12 ? * 8 *)", "day-of-week value `8` is out of range; expected 1-7", 14),
    ("cron(0 12 * * ? 1969)", "year value `1969` is out of range; expected 1970-2199", 16),
    ("cron(0 12 * * ? 2200)", "year value `2200` is out of range", 16),
    ("cron(0 12 * * ? 99999999999)", "year value `99999999999` is out of range", 16),
    ("cron(0 12 * * ? 2026-2300)", "year value `2300` is out of range", 21),
    // Day-of-month / day-of-week pairing.
    ("cron(0 12 * * * *)", "`*` can't be used in both day-of-month and day-of-week; use `?` in one of them", 14),
    ("cron(0 12 ? * ? *)", "day-of-month and day-of-week can't both be `?`", 14),
    ("cron(0 12 1 * MON *)", "day-of-month (`1`) and day-of-week (`MON`) can't both be given; one of them must be `?`", 14),
    ("cron(0 12 L * 6L *)", "can't both be given", 14),
    ("cron(0 12 1? * ? *)", "`?` must be the whole day-of-month field", 11),
    ("cron(0 12 ? * ?,2 *)", "`?` must be the whole day-of-week field", 14),
    // `#`.
    ("cron(0 12 ? * 3#1,6#3 *)", "`#` allows only one expression in day-of-week", 17),
    ("cron(0 12 ? * 3#6 *)", "occurrence `6` after `#` is out of range; expected 1-5", 16),
    ("cron(0 12 ? * 3#0 *)", "occurrence `0` after `#` is out of range", 16),
    ("cron(0 12 ? * 3# *)", "missing occurrence after `#`", 16),
    ("cron(0 12 ? * 3#2#1 *)", "must be a number 1-5, found `2#1`", 16),
    ("cron(0 12 ? * #2 *)", "`#` needs a day before it", 14),
    ("cron(0 12 ? * 2-3#2 *)", "`#` must follow a single day", 15),
    ("cron(0 12 ? * 9#2 *)", "day-of-week value `9` is out of range", 14),
    ("cron(0 12 ? * XYZ#2 *)", "unknown day-of-week name `XYZ`", 14),
    ("cron(0 12 # * ? *)", "`#` is not allowed in day-of-month", 10),
    // `L` and `W`.
    ("cron(0 12 L-3 * ? *)", "offsets like `L-3` are not supported", 10),
    ("cron(0 12 1,L * ? *)", "`L` must be the whole day-of-month field", 12),
    ("cron(0 12 L/2 * ? *)", "`L` must be the whole day-of-month field", 10),
    ("cron(0 12 1-5W * ? *)", "`W` can only follow a single day number", 10),
    ("cron(0 12 1,15W * ? *)", "`W` can only follow a single day number", 10),
    ("cron(0 12 W * ? *)", "`W` needs a day before it", 10),
    ("cron(0 12 15W1 * ? *)", "`W` must end the day-of-month field", 12),
    ("cron(0 12 32W * ? *)", "day-of-month value `32` is out of range", 10),
    ("cron(0 12 0W * ? *)", "day-of-month value `0` is out of range", 10),
    ("cron(0 12 ? * 2,6L *)", "`L` in day-of-week must be alone", 17),
    ("cron(0 12 ? * 2-6L *)", "`L` in day-of-week must be alone", 17),
    ("cron(0 12 ? * 8L *)", "day-of-week value `8` is out of range", 14),
    ("cron(0 12 ? * LL *)", "`L` in day-of-week must be alone", 14),
    ("cron(0 12 X * ? *)", "unexpected letter `X` in day-of-month", 10),
    // Wildcards where a field doesn't take them.
    ("cron(0 12 ? * */2 *)", "`/` is not allowed in day-of-week", 15),
    ("cron(0 12 ? * 2/2 *)", "AWS has no steps in day-of-week", 15),
    ("cron(? 12 * * ? *)", "`?` is not allowed in minutes", 5),
    ("cron(0 12 * ? ? *)", "`?` is not allowed in month", 12),
    ("cron(0 12 * * ? #)", "`#` is not allowed in year", 16),
    ("cron(0 L * * ? *)", "unexpected letter `L` in hours", 7),
    ("cron(0 12 * * ? L)", "unexpected letter `L` in year", 16),
    ("cron(5a 12 * * ? *)", "unexpected letter `a` in minutes", 6),
    ("cron(0 12 *+1 * ? *)", "`+` is not allowed in day-of-month", 11),
    ("cron(0 12 * * ? (*)", "`(` is not allowed in year", 16),
    // Names.
    ("cron(0 12 ? * FOO *)", "unknown day-of-week name `FOO`; expected one of SUN, MON, TUE, WED, THU, FRI, SAT", 14),
    ("cron(0 12 1 FOO ? *)", "unknown month name `FOO`; expected one of JAN", 12),
    ("cron(0 12 1 JANUARY ? *)", "unknown month name `JANUARY`", 12),
    ("cron(0 12 1 JAN1 ? *)", "invalid month value `JAN1`", 12),
    // Steps.
    ("cron(0/0 12 * * ? *)", "a step of 0 in minutes is not allowed", 7),
    ("cron(0/61 12 * * ? *)", "the step `61` in minutes is too large; it must be 1-60", 7),
    ("cron(0/ 12 * * ? *)", "missing step after `/` in minutes", 7),
    ("cron(/5 12 * * ? *)", "missing start before `/` in minutes", 5),
    ("cron(0/5/2 12 * * ? *)", "found `5/2`", 7),
    ("cron(0/x 12 * * ? *)", "unexpected letter `x` in minutes", 7),
    ("cron(0 12 1 1/13 ? *)", "the step `13` in month is too large", 14),
    ("cron(0 12 1 1 ? 2026/231)", "the step `231` in year is too large", 21),
    // Ranges.
    ("cron(5-1 12 * * ? *)", "the range `5-1` in minutes runs backwards", 5),
    ("cron(0 22-2 * * ? *)", "split it, e.g. `22-23,0-2`", 7),
    ("cron(0 12 ? * FRI-MON *)", "split it, e.g. `FRI-SAT,SUN-MON`", 14),
    ("cron(-5 12 * * ? *)", "the range `-5` in minutes has no start before `-`", 5),
    ("cron(5- 12 * * ? *)", "the range `5-` in minutes has no end after `-`", 7),
    ("cron(1-2-3 12 * * ? *)", "unexpected second `-` in the minutes range `1-2-3`", 8),
    ("cron(*-5 12 * * ? *)", "`*` can't start a range in minutes", 5),
    ("cron(1-* 12 * * ? *)", "invalid minutes value `*`", 7),
    ("cron(5* 12 * * ? *)", "invalid minutes value `5*`", 5),
    // Lists.
    ("cron(1,,2 12 * * ? *)", "empty entry in the minutes list", 7),
    ("cron(1, 12 * * ? *)", "empty entry in the minutes list", 7),
    ("cron(,1 12 * * ? *)", "empty entry in the minutes list", 5),
    // rate().
    ("rate(5 minute)", "a rate value greater than 1 needs the plural unit: write `rate(5 minutes)`", 7),
    ("rate(1 minutes)", "a rate value of 1 needs the singular unit: write `rate(1 minute)`", 7),
    ("rate(1 hours)", "write `rate(1 hour)`, not `rate(1 hours)`", 7),
    ("rate(5 hour)", "write `rate(5 hours)`", 7),
    ("rate(2 day)", "write `rate(2 days)`", 7),
    ("rate(1 days)", "write `rate(1 day)`", 7),
    ("rate(0 minutes)", "rate value must be positive (at least 1)", 5),
    ("rate(-5 minutes)", "rate value must be a positive whole number, found `-5`", 5),
    ("rate(1.5 hours)", "found `1.5`", 5),
    ("rate(5 seconds)", "AWS rates have no seconds", 7),
    ("rate(5 weeks)", "unknown rate unit `weeks`; expected minute|minutes|hour|hours|day|days", 7),
    ("rate(5 Minutes)", "rate unit `Minutes` must be lowercase: `minutes`", 7),
    ("rate(5)", "rate needs a value and a unit", 6),
    ("rate(5minutes)", "missing space between the value and the unit", 6),
    ("rate()", "empty rate()", 5),
    ("rate(5 minutes now)", "unexpected `now` in rate()", 15),
    ("rate(99999999999999999999 minutes)", "rate value `99999999999999999999` is too large", 5),
    ("rate(999999999999999 days)", "is too large a period", 5),
    ("RATE(5 minutes)", "must be written in lowercase: `rate(...)`", 0),
    // at().
    ("at(2026-03-11 10:21:00)", "joined by `T`, not a space", 13),
    ("at(2026-03-11T10:21:00Z)", "time zone suffix `Z` is not allowed", 22),
    ("at(2026-03-11T10:21:00+01:00)", "time zone suffix `+01:00`", 22),
    ("at(2026-03-11T10:21:00.5)", "fractional seconds are not allowed", 22),
    ("at(2026-03-11T10:21)", "ends early", 19),
    ("at(2026-02-29T10:21:00)", "day `29` in at() doesn't exist in 2026-02 (it has 28 days)", 11),
    ("at(2026-04-31T10:21:00)", "doesn't exist in 2026-04 (it has 30 days)", 11),
    ("at(2026-13-01T00:00:00)", "month `13` in at() is out of range", 8),
    ("at(2026-00-01T00:00:00)", "month `00` in at() is out of range", 8),
    ("at(2026-03-11T24:00:00)", "hour `24` in at() is out of range", 14),
    ("at(2026-03-11T10:60:00)", "minute `60` in at() is out of range", 17),
    ("at(2026-03-11T10:21:60)", "second `60` in at() is out of range", 20),
    ("at(26-03-11T10:21:00)", "unexpected `-` in at(); expected a digit", 5),
    ("at()", "empty at()", 3),
    ("at(2026-03-11t10:21:00)", "expected `T` here", 13),
];

#[test]
fn invalid_expressions_report_what_and_where() {
    let mut failures = Vec::new();
    for (text, needle, offset) in INVALID {
        match ScheduleExpr::parse(text) {
            Ok(v) => failures.push(format!("{text:?} should be rejected, parsed as {v:?}")),
            Err(ScheduleExprError {
                message,
                offset: got,
            }) => {
                if !message.contains(needle) || got != *offset || got > text.len() {
                    failures.push(format!(
                        "{text:?}: got ({message:?}, {got}), want ({needle:?}, {offset})"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn parse_accepts_aws_examples_and_equivalents() {
    for text in [
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 ? * * *)",
        "cron(0 0 * * ? *)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(1 day)",
        "at(2026-03-11T10:21:00)",
    ] {
        parse_ok(text);
    }
    // Names and numbers are the same schedule; spacing doesn't matter.
    let a = parse_ok("cron(0 0 ? JAN-MAR MON-FRI *)");
    let b = parse_ok("cron(0 0 ? 1-3 2-6 *)");
    let origin = t(EARLY);
    let mut from = t("2026-01-01T00:00:00");
    for _ in 0..50 {
        let fa = a.next_fire(origin, from);
        assert_eq!(fa, b.next_fire(origin, from));
        from = fa.map(|f| f + TimeDelta::seconds(1)).unwrap_or(from);
    }
    assert_eq!(
        parse_ok("cron(0  12 * *   ? *)"),
        parse_ok("cron(0 12 * * ? *)")
    );
    assert_eq!(
        parse_ok("cron(0 0 ? jan fril *)"),
        parse_ok("cron(0 0 ? JAN FRIL *)")
    );
    assert_eq!(
        parse_ok("cron(0 0 lw * ? *)").to_string(),
        "cron(0 0 LW * ? *)"
    );
}

#[test]
fn display_round_trips() {
    let mut texts: Vec<&str> = CRON_FIRES.iter().map(|row| row.0).collect();
    texts.extend(RATE_FIRES.iter().map(|row| row.0));
    texts.extend([
        "at(2026-03-11T10:21:00)",
        "rate(60 minutes)",
        "rate(48 hours)",
    ]);
    for text in texts {
        let expr = parse_ok(text);
        let shown = expr.to_string();
        assert_eq!(parse_ok(&shown), expr, "{text} → {shown}");
    }
    assert_eq!(
        parse_ok(" cron(  0\t12 * *  ? *  ) ").to_string(),
        "cron(0 12 * * ? *)"
    );
    assert_eq!(parse_ok("rate(60 minutes)").to_string(), "rate(1 hour)");
    assert_eq!(parse_ok("rate(90 minutes)").to_string(), "rate(90 minutes)");
    let parsed: ScheduleExpr = "rate(2 days)".parse().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed, ScheduleExpr::Rate { every_s: 172_800 });
}

#[rustfmt::skip]
const DESCRIPTIONS: &[(&str, &str)] = &[
    ("rate(1 minute)", "every minute"),
    ("rate(5 minutes)", "every 5 minutes"),
    ("rate(1 hour)", "every hour"),
    ("rate(60 minutes)", "every hour"),
    ("rate(2 days)", "every 2 days"),
    ("cron(0 12 * * ? *)", "at 12:00 UTC every day"),
    ("cron(0 0 ? * * *)", "at 00:00 UTC every day"),
    ("cron(0/5 * * * ? *)", "every 5 minutes"),
    ("cron(0,30 * * * ? *)", "every 30 minutes"),
    ("cron(* * * * ? *)", "every minute"),
    ("cron(0 * * * ? *)", "every hour"),
    ("cron(30 */2 * * ? *)", "every 2 hours at minute 30"),
    ("cron(0 9,17 * * ? *)", "at 09:00, 17:00 UTC every day"),
    ("cron(5,35 * * * ? *)", "at minutes 5,35 of every hour"),
    ("cron(15 8-18 * * ? *)", "at minute 15 of hours 8-18 UTC every day"),
    ("cron(0 18 ? * MON-FRI *)", "at 18:00 UTC on MON-FRI"),
    ("cron(0 8 1 * ? *)", "at 08:00 UTC on day 1 of the month"),
    ("cron(0 8 1,15 * ? *)", "at 08:00 UTC on days 1,15 of the month"),
    ("cron(0/10 * ? * MON-FRI *)", "every 10 minutes on MON-FRI"),
    ("cron(0/5 8-17 ? * MON-FRI *)", "every 5 minutes during hours 8-17 UTC on MON-FRI"),
    ("cron(0 9 ? * 2#1 *)", "at 09:00 UTC on the 1st MON of the month"),
    ("cron(0 0 L * ? *)", "at 00:00 UTC on the last day of the month"),
    ("cron(30 6 LW * ? *)", "at 06:30 UTC on the last weekday of the month"),
    ("cron(0 9 15W * ? *)", "at 09:00 UTC on the weekday nearest day 15 of the month"),
    ("cron(0 12 ? * 6L *)", "at 12:00 UTC on the last FRI of the month"),
    ("cron(0 12 ? * SUN,SAT *)", "at 12:00 UTC on SUN,SAT"),
    ("cron(0 0 1 JAN,JUL ? *)", "at 00:00 UTC on day 1 of the month in JAN,JUL"),
    ("cron(0 0 1 1 ? 2030)", "at 00:00 UTC on day 1 of the month in JAN in 2030"),
    ("cron(0 0 1 1 ? 2030-2032)", "at 00:00 UTC on day 1 of the month in JAN in years 2030-2032"),
    ("at(2026-03-11T10:21:00)", "once at 2026-03-11 10:21:00 UTC"),
];

#[test]
fn descriptions() {
    for (text, want) in DESCRIPTIONS {
        assert_eq!(parse_ok(text).describe(), *want, "{text}");
    }
}

#[test]
fn error_pointer_marks_the_offset() {
    let text = "cron(0 12 * * * *)";
    let err = ScheduleExpr::parse(text)
        .err()
        .unwrap_or_else(|| panic!("should fail"));
    let shown = err.pointer(text);
    let mut lines = shown.lines();
    assert_eq!(lines.next(), Some(text));
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("              ^ ")),
        "{shown}"
    );
    assert_eq!(err.to_string(), err.message);
}

#[test]
fn weekday_matches_chrono() {
    let mut day = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(2200, 1, 1).unwrap_or_default();
    while day < end {
        assert_eq!(
            weekday(day.year(), day.month(), day.day()),
            day.weekday().number_from_sunday(),
            "{day}"
        );
        day = day.succ_opt().unwrap_or(end);
    }
    for year in [1970, 2000, 2024, 2028, 2100, 2199] {
        for month in 1..=12 {
            let next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            };
            let last = next
                .and_then(|d| d.pred_opt())
                .map(|d| d.day())
                .unwrap_or(0);
            assert_eq!(days_in_month(year, month), last, "{year}-{month}");
        }
    }
}

#[test]
fn ten_thousand_fires_and_a_schedule_that_never_fires() {
    let expr = parse_ok("cron(0/5 * * * ? *)");
    let origin = t("2026-01-01T00:00:00");
    let mut from = origin;
    let mut fires = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let fire = expr
            .next_fire(origin, from)
            .unwrap_or_else(|| panic!("no fire after {from}"));
        fires.push(fire);
        from = fire + TimeDelta::seconds(1);
    }
    for (i, f) in fires.iter().enumerate() {
        assert_eq!(*f, origin + TimeDelta::minutes(5 * i as i64));
    }

    // Worst case: a schedule that never fires scans all years up to 2199 and ends with None (speed is measured in
    // benchmarks, never in a timed unit test).
    let never = parse_ok("cron(0 0 30 2 ? *)");
    assert_eq!(never.next_fire(origin, origin), None);
}

// ---------------------------------------------------------------------------------------------
// Brute-force cross-check: an independent, direct reading of each field's meaning.

fn cron_of(expr: &ScheduleExpr) -> &CronExpr {
    match expr {
        ScheduleExpr::Cron(c) => c,
        other => panic!("not a cron: {other:?}"),
    }
}

fn last_day(date: NaiveDate) -> u32 {
    (28..=31)
        .rev()
        .find(|d| date.with_day(*d).is_some())
        .unwrap_or(28)
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday().number_from_sunday(), 1 | 7)
}

fn day_matches(expr: &CronExpr, date: NaiveDate) -> bool {
    if !expr.months.contains(date.month()) || !expr.years.contains(date.year() as u32) {
        return false;
    }
    let d = date.day();
    let last = last_day(date);
    let dow = date.weekday().number_from_sunday();
    match &expr.days {
        DayRule::MonthDays(DayOfMonth::Days(set)) => set.contains(d),
        DayRule::MonthDays(DayOfMonth::Last) => d == last,
        DayRule::MonthDays(DayOfMonth::LastWeekday) => {
            is_weekday(date)
                && (d + 1..=last).all(|e| !is_weekday(date.with_day(e).unwrap_or(date)))
        }
        DayRule::MonthDays(DayOfMonth::NearestWeekday(n)) => {
            if *n > last {
                return false;
            }
            let best = (1..=last)
                .filter(|e| is_weekday(date.with_day(*e).unwrap_or(date)))
                .min_by_key(|e| e.abs_diff(*n));
            best == Some(d)
        }
        DayRule::WeekDays(DayOfWeek::Days(set)) => set.contains(dow),
        DayRule::WeekDays(DayOfWeek::Last(w)) => dow == *w && d + 7 > last,
        DayRule::WeekDays(DayOfWeek::Nth { weekday, nth }) => {
            dow == *weekday && (d - 1) / 7 + 1 == *nth
        }
    }
}

/// Minute-by-minute on matching days, day-by-day otherwise, up to `horizon_days`.
fn brute_next(expr: &CronExpr, from: DateTime<Utc>, horizon_days: i64) -> Option<DateTime<Utc>> {
    let mut t = from;
    if t.second() != 0 || t.nanosecond() != 0 {
        t = t.with_second(0)?.with_nanosecond(0)? + TimeDelta::minutes(1);
    }
    let end = from + TimeDelta::days(horizon_days);
    while t < end {
        let date = t.date_naive();
        if !day_matches(expr, date) {
            t = date.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc();
            continue;
        }
        if expr.hours.contains(t.hour()) && expr.minutes.contains(t.minute()) {
            return Some(t);
        }
        t += TimeDelta::minutes(1);
    }
    None
}

/// A tiny deterministic PRNG (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len() as u64) as usize)
            .copied()
            .unwrap_or("")
    }

    fn time(&mut self, from_year: i64, years: i64) -> DateTime<Utc> {
        let base = t("1970-01-01T00:00:00").timestamp();
        let start = t(&format!("{from_year}-01-01T00:00:00")).timestamp() - base;
        let span = years * 366 * 86_400;
        let secs = start + self.below(span as u64) as i64;
        DateTime::from_timestamp(base + secs, 0).unwrap_or_default()
    }
}

/// A random, mostly valid cron expression built field by field.
fn structured_cron(rng: &mut Rng) -> String {
    let num = |rng: &mut Rng, lo: u64, hi: u64| (lo + rng.below(hi - lo + 1)).to_string();
    let simple = |rng: &mut Rng, lo: u64, hi: u64| -> String {
        match rng.below(6) {
            0 => "*".to_string(),
            1 => num(rng, lo, hi),
            2 => {
                let a = lo + rng.below(hi - lo + 1);
                let b = a + rng.below(hi - a + 1);
                format!("{a}-{b}")
            }
            3 => format!("{}/{}", num(rng, lo, hi), 1 + rng.below(hi - lo + 1)),
            4 => format!("*/{}", 1 + rng.below(hi - lo + 1)),
            _ => format!("{},{}", num(rng, lo, hi), num(rng, lo, hi)),
        }
    };
    let minutes = simple(rng, 0, 59);
    let hours = simple(rng, 0, 23);
    let months = match rng.below(4) {
        0 => rng
            .pick(&["JAN", "feb", "MAR-JUN", "JAN,JUL", "*/3", "FEB"])
            .to_string(),
        _ => simple(rng, 1, 12),
    };
    let years = match rng.below(3) {
        0 => simple(rng, 2020, 2040),
        _ => "*".to_string(),
    };
    let (dom, dow) = if rng.below(2) == 0 {
        let dom = match rng.below(5) {
            0 => "L".to_string(),
            1 => "LW".to_string(),
            2 => format!("{}W", 1 + rng.below(31)),
            _ => simple(rng, 1, 31),
        };
        (dom, "?".to_string())
    } else {
        let dow = match rng.below(6) {
            0 => format!("{}L", 1 + rng.below(7)),
            1 => format!("{}#{}", 1 + rng.below(7), 1 + rng.below(5)),
            2 => "L".to_string(),
            3 => rng
                .pick(&["MON-FRI", "SUN,SAT", "tue", "WED#3", "FRIL"])
                .to_string(),
            _ => {
                let s = simple(rng, 1, 7);
                if s.contains('/') { "*".to_string() } else { s }
            }
        };
        ("?".to_string(), dow)
    };
    format!("cron({minutes} {hours} {dom} {months} {dow} {years})")
}

#[test]
fn search_agrees_with_brute_force() {
    let mut rng = Rng(0x5EED_0001);
    let mut texts: Vec<String> = CRON_FIRES.iter().map(|row| row.0.to_string()).collect();
    texts.extend((0..250).map(|_| structured_cron(&mut rng)));
    let origin = t(EARLY);
    let mut checked = 0;
    for text in &texts {
        let Ok(expr) = ScheduleExpr::parse(text) else {
            continue;
        };
        let cron = cron_of(&expr);
        let mut from = rng.time(2020, 12);
        for _ in 0..3 {
            let horizon = 800;
            let brute = brute_next(cron, from, horizon);
            let fast = expr.next_fire(origin, from);
            match brute {
                Some(b) => assert_eq!(fast, Some(b), "{text} from {from}"),
                None => assert!(
                    fast.is_none_or(|f| f >= from + TimeDelta::days(horizon)),
                    "{text} from {from}: fast {fast:?}, brute none within {horizon} days"
                ),
            }
            checked += 1;
            match fast {
                Some(f) => from = f + TimeDelta::seconds(1 + rng.below(200_000) as i64),
                None => break,
            }
        }
    }
    assert!(checked > 500, "only {checked} comparisons");
}

// ---------------------------------------------------------------------------------------------
// Never panic, on anything.

#[test]
fn fuzz_never_panics() {
    const ALPHABET: &[&str] = &[
        "0",
        "1",
        "2",
        "3",
        "5",
        "7",
        "9",
        "12",
        "31",
        "59",
        "60",
        "2199",
        "1970",
        " ",
        " ",
        " ",
        ",",
        "-",
        "*",
        "?",
        "/",
        "L",
        "W",
        "#",
        "l",
        "w",
        "JAN",
        "dec",
        "SUN",
        "FRI",
        "X",
        "(",
        ")",
        "\t",
        "é",
        "99999999999",
        "T",
        ":",
        ".",
        "+",
        "0/5",
        "6L",
        "3#2",
        "LW",
        "15W",
    ];
    const PREFIX: &[&str] = &[
        "cron(", "cron(", "cron(", "rate(", "at(", "", "CRON(", " cron(",
    ];
    let mut rng = Rng(0xF022_2026);
    let origins = [
        t("2026-01-01T00:00:00"),
        t("1960-01-01T00:00:00"),
        t("2199-12-31T23:59:30"),
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
    ];
    let mut valid = 0;
    for i in 0..20_000u32 {
        let text = match i % 4 {
            // Random tokens from the cron alphabet, wrapped or not.
            0 | 1 => {
                let mut s = rng.pick(PREFIX).to_string();
                for _ in 0..rng.below(16) {
                    s.push_str(rng.pick(ALPHABET));
                }
                if rng.below(4) != 0 {
                    s.push(')');
                }
                s
            }
            // Six (or five/seven) random fields.
            2 => {
                let fields = 5 + rng.below(3);
                let mut parts = Vec::new();
                for _ in 0..fields {
                    let mut f = String::new();
                    for _ in 0..1 + rng.below(4) {
                        f.push_str(rng.pick(ALPHABET).trim());
                    }
                    parts.push(if f.is_empty() { "*".to_string() } else { f });
                }
                format!("cron({})", parts.join(" "))
            }
            // A structured expression, sometimes with one byte replaced.
            _ => {
                let mut s = structured_cron(&mut rng);
                if rng.below(3) == 0 {
                    let at = rng.below(s.len() as u64) as usize;
                    let with = rng.pick(ALPHABET);
                    if s.is_char_boundary(at) && s.is_char_boundary(at + 1) {
                        s.replace_range(at..at + 1, with);
                    }
                }
                s
            }
        };
        match ScheduleExpr::parse(&text) {
            Ok(expr) => {
                valid += 1;
                let _ = expr.describe();
                let shown = expr.to_string();
                assert_eq!(
                    ScheduleExpr::parse(&shown).as_ref(),
                    Ok(&expr),
                    "{text} → {shown}"
                );
                let origin = origins
                    .get(rng.below(origins.len() as u64) as usize)
                    .copied()
                    .unwrap_or_default();
                let mut from = match rng.below(4) {
                    0 => origin,
                    1 => DateTime::<Utc>::MAX_UTC,
                    _ => rng.time(1965, 240),
                };
                for _ in 0..3 {
                    match expr.next_fire(origin, from) {
                        Some(f) => {
                            assert!(
                                f >= from && f >= origin,
                                "{text}: {f} before {from}/{origin}"
                            );
                            match f.checked_add_signed(TimeDelta::seconds(1)) {
                                Some(next) => from = next,
                                None => break,
                            }
                        }
                        None => break,
                    }
                }
            }
            Err(e) => {
                assert!(
                    e.offset <= text.len(),
                    "{text:?}: offset {} past the end",
                    e.offset
                );
                assert!(!e.message.is_empty());
                let _ = e.pointer(&text);
            }
        }
    }
    assert!(
        valid > 2_000,
        "only {valid} of 20,000 fuzz inputs were valid"
    );
}
