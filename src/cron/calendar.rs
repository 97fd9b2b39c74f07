//! Calendar arithmetic and the next-fire search for `cron(...)`: it walks matching years, then
//! months, then a per-month bit mask of matching days, then hours and minutes, so one query
//! costs at most a few thousand cheap steps (230 years × 12 months) and usually a handful.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use super::expr::{CronExpr, DayOfMonth, DayOfWeek, DayRule};
use super::{MAX_YEAR, MIN_YEAR};

pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1–12) of `year`; 0 for a month outside 1–12.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Day of the week in AWS numbering, 1 = SUN … 7 = SAT (Gregorian, any year ≥ 1).
pub(crate) fn weekday(year: i32, month: u32, day: u32) -> u32 {
    const T: [i64; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let mut y = i64::from(year);
    if month < 3 {
        y -= 1;
    }
    let t = T.get(month.wrapping_sub(1) as usize).copied().unwrap_or(0);
    let dow = (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + t + i64::from(day))
        .rem_euclid(7);
    // rem_euclid(7) is 0..=6, 0 = Sunday.
    u32::try_from(dow).unwrap_or(0) + 1
}

/// Bit `d` set for each day `d` of the month that the day rule selects.
pub(crate) fn day_mask(rule: &DayRule, year: i32, month: u32) -> u32 {
    let last = days_in_month(year, month);
    if last == 0 {
        return 0;
    }
    let bit = |d: u32| 1u32.checked_shl(d).unwrap_or(0);
    let first_dow = weekday(year, month, 1);
    // Weekday (1 = SUN) of day `d` of this month.
    let dow_of = |d: u32| (first_dow - 1 + d - 1) % 7 + 1;
    match rule {
        DayRule::MonthDays(DayOfMonth::Days(set)) => (1..=last)
            .filter(|&d| set.contains(d))
            .fold(0, |m, d| m | bit(d)),
        DayRule::MonthDays(DayOfMonth::Last) => bit(last),
        DayRule::MonthDays(DayOfMonth::LastWeekday) => {
            let d = match dow_of(last) {
                7 => last - 1, // Saturday → Friday
                1 => last - 2, // Sunday → Friday
                _ => last,
            };
            bit(d)
        }
        DayRule::MonthDays(DayOfMonth::NearestWeekday(n)) => {
            let n = *n;
            if n == 0 || n > last {
                return 0;
            }
            let d = match dow_of(n) {
                7 if n == 1 => 3,        // Saturday the 1st → Monday the 3rd
                7 => n - 1,              // Saturday → Friday before
                1 if n == last => n - 2, // Sunday the last day → Friday before
                1 => n + 1,              // Sunday → Monday after
                _ => n,
            };
            bit(d)
        }
        DayRule::WeekDays(DayOfWeek::Days(set)) => (1..=last)
            .filter(|&d| set.contains(dow_of(d)))
            .fold(0, |m, d| m | bit(d)),
        DayRule::WeekDays(DayOfWeek::Last(w)) => {
            let back = (dow_of(last) + 7 - (*w).clamp(1, 7)) % 7;
            last.checked_sub(back).map_or(0, bit)
        }
        DayRule::WeekDays(DayOfWeek::Nth { weekday, nth }) => {
            let first = 1 + ((*weekday).clamp(1, 7) + 7 - first_dow) % 7;
            let d = nth
                .checked_sub(1)
                .and_then(|k| k.checked_mul(7))
                .and_then(|k| k.checked_add(first));
            match d {
                Some(d) if d <= last => bit(d),
                _ => 0,
            }
        }
    }
}

/// Smallest set bit `>= from` in a day mask.
fn next_day(mask: u32, from: u32) -> Option<u32> {
    let hit = mask & u32::MAX.checked_shl(from)?;
    (hit != 0).then(|| hit.trailing_zeros())
}

/// The first whole minute at or after `t`, as a timestamp.
fn ceil_to_minute(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let secs = t.timestamp();
    let floor = secs.div_euclid(60).checked_mul(60)?;
    let up = if floor != secs || t.timestamp_subsec_nanos() != 0 {
        floor.checked_add(60)?
    } else {
        floor
    };
    DateTime::from_timestamp(up, 0)
}

/// First fire time of `expr` at or after `from`.
pub(crate) fn next_fire(expr: &CronExpr, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let start = ceil_to_minute(from)?;
    if start.year() > MAX_YEAR {
        return None;
    }
    let (y0, mo0, d0, h0, mi0) = if start.year() < MIN_YEAR {
        (MIN_YEAR, 1, 1, 0, 0)
    } else {
        (
            start.year(),
            start.month(),
            start.day(),
            start.hour(),
            start.minute(),
        )
    };
    let y0u = u32::try_from(y0).ok()?;
    let mut year = expr.years.next_at_or_after(y0u);
    while let Some(y) = year {
        let yi = i32::try_from(y).ok()?;
        if yi > MAX_YEAR {
            return None;
        }
        let same_year = y == y0u;
        let mut month = expr
            .months
            .next_at_or_after(if same_year { mo0 } else { 1 });
        while let Some(mo) = month {
            let same_month = same_year && mo == mo0;
            let mask = day_mask(&expr.days, yi, mo);
            let mut day = next_day(mask, if same_month { d0 } else { 1 });
            while let Some(d) = day {
                let lower = (same_month && d == d0).then_some((h0, mi0));
                if let Some((h, mi)) = first_time(expr, lower) {
                    return NaiveDate::from_ymd_opt(yi, mo, d)?
                        .and_hms_opt(h, mi, 0)
                        .map(|t| t.and_utc());
                }
                day = d.checked_add(1).and_then(|n| next_day(mask, n));
            }
            month = mo
                .checked_add(1)
                .and_then(|n| expr.months.next_at_or_after(n));
        }
        year = y
            .checked_add(1)
            .and_then(|n| expr.years.next_at_or_after(n));
    }
    None
}

/// The first (hour, minute) of a matching day, at or after `lower` when given.
fn first_time(expr: &CronExpr, lower: Option<(u32, u32)>) -> Option<(u32, u32)> {
    let first_minute = expr.minutes.first()?;
    match lower {
        None => Some((expr.hours.first()?, first_minute)),
        Some((h, m)) => {
            if expr.hours.contains(h)
                && let Some(mi) = expr.minutes.next_at_or_after(m)
            {
                return Some((h, mi));
            }
            let next_h = expr.hours.next_at_or_after(h.checked_add(1)?)?;
            Some((next_h, first_minute))
        }
    }
}
