//! Short English descriptions of schedules for UI edge labels ("every 5 minutes",
//! "at 12:00 UTC every day", "at 08:00 UTC on the last FRI of the month").

use super::expr::{
    CronExpr, DAY_OF_MONTH, DAY_OF_WEEK, DayOfMonth, DayOfWeek, DayRule, FieldSpec, HOURS, MINUTES,
    MONTH, YEAR, name_of,
};
use super::rate::split;
use super::set::ValueSet;

/// "every minute", "every 5 minutes", "every hour", "every 2 days".
pub(crate) fn rate(every_s: u64) -> String {
    if every_s == 0 {
        return "never (zero period)".to_string();
    }
    let (n, one, many) = split(every_s);
    if n == 1 {
        format!("every {one}")
    } else {
        format!("every {n} {many}")
    }
}

/// Description of a cron expression: time of day, then days, months and years when restricted.
pub(crate) fn cron(expr: &CronExpr) -> String {
    let time = time_part(expr);
    let day = day_part(expr);
    // "every day" only adds something to times picked within the day ("at 12:00 UTC").
    let daily = !is_full(&expr.hours, &HOURS) && even_step(&expr.hours, &HOURS).is_none();
    let mut out = time;
    if day != "every day" || daily {
        out.push(' ');
        out.push_str(&day);
    }
    if !is_full(&expr.months, &MONTH) {
        out.push_str(" in ");
        out.push_str(&render(&expr.months, &MONTH, field(expr, 3)));
    }
    if !is_full(&expr.years, &YEAR) {
        out.push_str(if expr.years.len() == 1 {
            " in "
        } else {
            " in years "
        });
        out.push_str(&render(&expr.years, &YEAR, field(expr, 5)));
    }
    out
}

fn field(expr: &CronExpr, i: usize) -> &str {
    expr.fields.get(i).map_or("", String::as_str)
}

fn is_full(set: &ValueSet, spec: &FieldSpec) -> bool {
    set.len() == spec.max - spec.min + 1
}

/// `Some(s)` when the set is exactly `0, s, 2s, …` covering the field evenly (s ≥ 2).
fn even_step(set: &ValueSet, spec: &FieldSpec) -> Option<u32> {
    let size = spec.max - spec.min + 1;
    let mut it = set.iter();
    let (first, second) = (it.next()?, it.next()?);
    let s = second.checked_sub(first)?;
    if first != spec.min || s < 2 || !size.is_multiple_of(s) {
        return None;
    }
    let expected = size / s;
    let all_on_step = set.iter().all(|v| (v - spec.min).is_multiple_of(s));
    (all_on_step && set.len() == expected).then_some(s)
}

fn time_part(expr: &CronExpr) -> String {
    let (minutes, hours) = (&expr.minutes, &expr.hours);
    let single_minute = (minutes.len() == 1).then(|| minutes.first()).flatten();
    let hours_full = is_full(hours, &HOURS);
    let hour_step = even_step(hours, &HOURS);
    if let Some(m) = single_minute {
        if hours.len() <= 4 {
            let times: Vec<String> = hours.iter().map(|h| format!("{h:02}:{m:02}")).collect();
            return format!("at {} UTC", times.join(", "));
        }
        let at_minute = if m == 0 {
            String::new()
        } else {
            format!(" at minute {m}")
        };
        if hours_full {
            return format!("every hour{at_minute}");
        }
        if let Some(s) = hour_step {
            return format!("every {s} hours{at_minute}");
        }
        return format!(
            "at minute {m} of hours {} UTC",
            render(hours, &HOURS, field(expr, 1))
        );
    }
    let minute_phrase = if is_full(minutes, &MINUTES) {
        "every minute".to_string()
    } else if let Some(s) = even_step(minutes, &MINUTES) {
        format!("every {s} minutes")
    } else {
        format!("at minutes {}", render(minutes, &MINUTES, field(expr, 0)))
    };
    let repeating = minute_phrase.starts_with("every");
    if hours_full {
        return if repeating {
            minute_phrase
        } else {
            format!("{minute_phrase} of every hour")
        };
    }
    let hours_text = if hours.len() == 1 {
        format!("hour {:02}", hours.first().unwrap_or(0))
    } else {
        format!("hours {}", render(hours, &HOURS, field(expr, 1)))
    };
    let joiner = if repeating { "during" } else { "of" };
    format!("{minute_phrase} {joiner} {hours_text} UTC")
}

fn day_part(expr: &CronExpr) -> String {
    match &expr.days {
        DayRule::MonthDays(DayOfMonth::Days(set)) if is_full(set, &DAY_OF_MONTH) => {
            "every day".to_string()
        }
        DayRule::MonthDays(DayOfMonth::Days(set)) => {
            let word = if set.len() == 1 { "day" } else { "days" };
            format!(
                "on {word} {} of the month",
                render(set, &DAY_OF_MONTH, field(expr, 2))
            )
        }
        DayRule::MonthDays(DayOfMonth::Last) => "on the last day of the month".to_string(),
        DayRule::MonthDays(DayOfMonth::LastWeekday) => {
            "on the last weekday of the month".to_string()
        }
        DayRule::MonthDays(DayOfMonth::NearestWeekday(n)) => {
            format!("on the weekday nearest day {n} of the month")
        }
        DayRule::WeekDays(DayOfWeek::Days(set)) if is_full(set, &DAY_OF_WEEK) => {
            "every day".to_string()
        }
        DayRule::WeekDays(DayOfWeek::Days(set)) => {
            format!("on {}", render(set, &DAY_OF_WEEK, field(expr, 4)))
        }
        DayRule::WeekDays(DayOfWeek::Last(w)) => {
            format!("on the last {} of the month", name_of(&DAY_OF_WEEK, *w))
        }
        DayRule::WeekDays(DayOfWeek::Nth { weekday, nth }) => {
            let ordinal = match nth {
                1 => "1st",
                2 => "2nd",
                3 => "3rd",
                4 => "4th",
                _ => "5th",
            };
            format!(
                "on the {ordinal} {} of the month",
                name_of(&DAY_OF_WEEK, *weekday)
            )
        }
    }
}

/// Members as `a-b` runs (three or more) and single values, with names where the field has
/// them; falls back to the field text as written when that would be long.
fn render(set: &ValueSet, spec: &FieldSpec, written: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run: Option<(u32, u32)> = None;
    let flush = |run: Option<(u32, u32)>, parts: &mut Vec<String>| {
        if let Some((a, b)) = run {
            if b >= a.saturating_add(2) {
                parts.push(format!("{}-{}", name_of(spec, a), name_of(spec, b)));
            } else {
                for v in a..=b {
                    parts.push(name_of(spec, v));
                }
            }
        }
    };
    for v in set.iter() {
        run = match run {
            Some((a, b)) if b.checked_add(1) == Some(v) => Some((a, v)),
            other => {
                flush(other, &mut parts);
                Some((v, v))
            }
        };
    }
    flush(run, &mut parts);
    let text = parts.join(",");
    if text.len() > 40 && !written.is_empty() {
        format!("`{written}`")
    } else {
        text
    }
}
