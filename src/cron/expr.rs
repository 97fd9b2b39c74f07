//! The AWS six-field `cron(...)` expression: field grammar, validation with precise errors, and
//! the parsed form the fire-time search works on.

use chrono::{DateTime, Utc};

use super::set::ValueSet;
use super::{MAX_YEAR, MIN_YEAR, ScheduleExprError};

/// What one cron field accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldSpec {
    /// Field name as AWS's table writes it, used in messages.
    pub(crate) name: &'static str,
    pub(crate) min: u32,
    pub(crate) max: u32,
    /// Names for `min, min+1, …` (months, weekdays); empty when the field is numeric only.
    pub(crate) names: &'static [&'static str],
    /// AWS's wildcard column for the field.
    pub(crate) wildcards: &'static str,
}

pub(crate) const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
pub(crate) const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

pub(crate) const MINUTES: FieldSpec = FieldSpec {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
    wildcards: ", - * /",
};
pub(crate) const HOURS: FieldSpec = FieldSpec {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
    wildcards: ", - * /",
};
pub(crate) const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    wildcards: ", - * ? / L W",
};
pub(crate) const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTH_NAMES,
    wildcards: ", - * /",
};
pub(crate) const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &DAY_NAMES,
    wildcards: ", - * ? L #",
};
pub(crate) const YEAR: FieldSpec = FieldSpec {
    name: "year",
    min: MIN_YEAR as u32,
    max: MAX_YEAR as u32,
    names: &[],
    wildcards: ", - * /",
};

/// The fields in the order AWS writes them.
const FIELDS: [FieldSpec; 6] = [MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR];

/// Day-of-month, when it is the field that picks days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayOfMonth {
    /// Listed days (`*`, `1,15`, `1-7`, `1/5`); days past the month's end never match.
    Days(ValueSet),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Mon–Fri) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day n, staying inside the month.
    NearestWeekday(u32),
}

/// Day-of-week (1 = SUN … 7 = SAT), when it is the field that picks days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayOfWeek {
    /// Listed weekdays (`*`, `MON-FRI`, `2,4`, and `L` alone = 7).
    Days(ValueSet),
    /// `nL`: the last weekday n of the month.
    Last(u32),
    /// `n#k`: the k-th weekday n of the month.
    Nth { weekday: u32, nth: u32 },
}

/// Which of the two day fields is in force (the other one is `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayRule {
    MonthDays(DayOfMonth),
    WeekDays(DayOfWeek),
}

/// A parsed `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, UTC.
///
/// Two values are equal when their fields are the same text up to white space and letter case
/// (`1-3` and `JAN-MAR` are the same schedule but not equal values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    /// The six fields as written, upper-cased (white space removed), for display.
    pub(crate) fields: [String; 6],
    pub(crate) minutes: ValueSet,
    pub(crate) hours: ValueSet,
    pub(crate) months: ValueSet,
    pub(crate) years: ValueSet,
    pub(crate) days: DayRule,
}

impl CronExpr {
    /// Parses the six fields without the `cron(` `)` wrapper, e.g. `"0 12 * * ? *"`.
    /// Error offsets are relative to `fields`.
    pub fn parse_fields(fields: &str) -> Result<CronExpr, ScheduleExprError> {
        if let Some((i, c)) = fields.char_indices().find(|(_, c)| !c.is_ascii()) {
            return Err(ScheduleExprError::new(
                i,
                format!("unexpected character `{c}`: schedule expressions are plain ASCII"),
            ));
        }
        parse(fields, 0)
    }

    /// The six fields as written (upper-cased), in AWS order.
    pub fn fields(&self) -> [&str; 6] {
        let [a, b, c, d, e, f] = &self.fields;
        [a, b, c, d, e, f]
    }

    /// First fire time `>= from` (whole minutes, UTC), or `None` if there is none up to 2199.
    pub fn next_fire(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        super::calendar::next_fire(self, from)
    }

    /// Short human text, e.g. "at 12:00 UTC every day".
    pub fn describe(&self) -> String {
        super::describe::cron(self)
    }
}

/// One field's parse result before the day-of-month / day-of-week pairing check.
enum DayField<T> {
    Question,
    Rule(T),
}

/// Parses the inside of `cron(...)`; `base` is the byte offset of `inner` in the full text.
pub(crate) fn parse(inner: &str, base: usize) -> Result<CronExpr, ScheduleExprError> {
    let mut parts: Vec<(usize, &str)> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, b) in inner.bytes().enumerate() {
        if b.is_ascii_whitespace() {
            if let Some(s) = start.take() {
                parts.push((s, &inner[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        parts.push((s, &inner[s..]));
    }
    if parts.len() != 6 {
        let (offset, hint) = match parts.len() {
            0 => (base + inner.len(), String::new()),
            5 => (
                base + inner.len(),
                "; AWS cron has a required year field at the end (use `*` for every year), \
                 and day-of-week comes before it"
                    .to_string(),
            ),
            n if n < 6 => (base + inner.len(), String::new()),
            7 => (
                parts.get(6).map_or(base, |p| base + p.0),
                "; AWS cron has no seconds field".to_string(),
            ),
            _ => (parts.get(6).map_or(base, |p| base + p.0), String::new()),
        };
        return Err(ScheduleExprError::new(
            offset,
            format!(
                "cron needs exactly 6 fields (minutes hours day-of-month month day-of-week year), \
                 found {}{hint}",
                parts.len()
            ),
        ));
    }
    for (spec, (off, text)) in FIELDS.iter().zip(&parts) {
        check_chars(spec, text, base + off)?;
    }
    let field = |i: usize| parts.get(i).copied().unwrap_or((0, ""));
    let (m_off, m_text) = field(0);
    let (h_off, h_text) = field(1);
    let (dom_off, dom_text) = field(2);
    let (mon_off, mon_text) = field(3);
    let (dow_off, dow_text) = field(4);
    let (y_off, y_text) = field(5);

    let minutes = parse_list(&MINUTES, m_text, base + m_off)?;
    let hours = parse_list(&HOURS, h_text, base + h_off)?;
    let dom = parse_day_of_month(dom_text, base + dom_off)?;
    let months = parse_list(&MONTH, mon_text, base + mon_off)?;
    let dow = parse_day_of_week(dow_text, base + dow_off)?;
    let years = parse_list(&YEAR, y_text, base + y_off)?;

    let days = match (dom, dow) {
        (DayField::Question, DayField::Question) => {
            return Err(ScheduleExprError::new(
                base + dow_off,
                "day-of-month and day-of-week can't both be `?`; give one of them a value or `*`",
            ));
        }
        (DayField::Rule(_), DayField::Rule(_)) => {
            let message = if dom_text == "*" && dow_text == "*" {
                "`*` can't be used in both day-of-month and day-of-week; use `?` in one of them \
                 (e.g. `* * ? *` for every day)"
                    .to_string()
            } else {
                format!(
                    "day-of-month (`{dom_text}`) and day-of-week (`{dow_text}`) can't both be \
                     given; one of them must be `?`"
                )
            };
            return Err(ScheduleExprError::new(base + dow_off, message));
        }
        (DayField::Rule(rule), DayField::Question) => DayRule::MonthDays(rule),
        (DayField::Question, DayField::Rule(rule)) => DayRule::WeekDays(rule),
    };
    // Names and `L`/`W` are case-insensitive, so the stored text is upper-cased: equal
    // expressions compare equal and display the same way.
    let fields =
        [m_text, h_text, dom_text, mon_text, dow_text, y_text].map(str::to_ascii_uppercase);
    Ok(CronExpr {
        fields,
        minutes,
        hours,
        months,
        years,
        days,
    })
}

/// Rejects characters the field never allows, naming the field and its wildcards.
fn check_chars(spec: &FieldSpec, text: &str, base: usize) -> Result<(), ScheduleExprError> {
    for (i, b) in text.bytes().enumerate() {
        let c = char::from(b);
        if c.is_ascii_digit() {
            continue;
        }
        if c.is_ascii_alphabetic() {
            let upper = c.to_ascii_uppercase();
            if !spec.names.is_empty()
                || (matches!(upper, 'L' | 'W') && spec.wildcards.contains(upper))
            {
                continue;
            }
            return Err(ScheduleExprError::new(
                base + i,
                format!(
                    "unexpected letter `{c}` in {}; expected numbers {}-{} with the wildcards `{}`",
                    spec.name, spec.min, spec.max, spec.wildcards
                ),
            ));
        }
        if c != ' ' && spec.wildcards.contains(c) {
            continue;
        }
        let hint = match c {
            '?' => " (`?` only works in day-of-month and day-of-week)",
            '/' if spec.name == DAY_OF_WEEK.name => {
                " (AWS has no steps in day-of-week; list the days instead, e.g. `MON,WED,FRI`)"
            }
            '#' => " (`#` only works in day-of-week, e.g. `3#2`)",
            _ => "",
        };
        return Err(ScheduleExprError::new(
            base + i,
            format!(
                "`{c}` is not allowed in {}; the wildcards allowed there are `{}`{hint}",
                spec.name, spec.wildcards
            ),
        ));
    }
    Ok(())
}

/// `?` must be the whole day field.
fn question_mark(spec: &FieldSpec, text: &str, base: usize) -> Result<bool, ScheduleExprError> {
    match text.find('?') {
        None => Ok(false),
        Some(_) if text == "?" => Ok(true),
        Some(i) => Err(ScheduleExprError::new(
            base + i,
            format!("`?` must be the whole {} field, found `{text}`", spec.name),
        )),
    }
}

fn parse_day_of_month(text: &str, base: usize) -> Result<DayField<DayOfMonth>, ScheduleExprError> {
    let spec = &DAY_OF_MONTH;
    if question_mark(spec, text, base)? {
        return Ok(DayField::Question);
    }
    let upper = text.to_ascii_uppercase();
    if upper == "L" {
        return Ok(DayField::Rule(DayOfMonth::Last));
    }
    if upper == "LW" {
        return Ok(DayField::Rule(DayOfMonth::LastWeekday));
    }
    if let Some(w) = upper.find('W') {
        let number = &upper[..w];
        if w + 1 != upper.len() {
            return Err(ScheduleExprError::new(
                base + w,
                format!("`W` must end the day-of-month field (e.g. `15W` or `LW`), found `{text}`"),
            ));
        }
        if number.is_empty() {
            return Err(ScheduleExprError::new(
                base + w,
                "`W` needs a day before it: `15W` = weekday nearest the 15th, `LW` = last weekday",
            ));
        }
        if !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScheduleExprError::new(
                base,
                format!(
                    "`W` can only follow a single day number (e.g. `15W`), not a list, range or \
                     step; found `{text}` in day-of-month"
                ),
            ));
        }
        let day = parse_value(spec, number, base)?;
        return Ok(DayField::Rule(DayOfMonth::NearestWeekday(day)));
    }
    if let Some(l) = upper.find('L') {
        let message = if upper.starts_with("L-") {
            format!(
                "offsets like `{text}` are not supported: AWS documents only `L` (last day) and \
                 `LW` (last weekday) in day-of-month"
            )
        } else {
            format!(
                "`L` must be the whole day-of-month field (`L` = last day, `LW` = last weekday); \
                 it can't be combined with lists, ranges or steps, found `{text}`"
            )
        };
        return Err(ScheduleExprError::new(base + l, message));
    }
    parse_list(spec, text, base).map(|set| DayField::Rule(DayOfMonth::Days(set)))
}

fn parse_day_of_week(text: &str, base: usize) -> Result<DayField<DayOfWeek>, ScheduleExprError> {
    let spec = &DAY_OF_WEEK;
    if question_mark(spec, text, base)? {
        return Ok(DayField::Question);
    }
    let upper = text.to_ascii_uppercase();
    if let Some(hash) = upper.find('#') {
        if let Some(comma) = upper.find(',') {
            return Err(ScheduleExprError::new(
                base + comma,
                format!(
                    "`#` allows only one expression in day-of-week (e.g. `3#1,6#3` is invalid), \
                     found `{text}`"
                ),
            ));
        }
        let (day, nth) = (&text[..hash], &text[hash + 1..]);
        if day.is_empty() {
            return Err(ScheduleExprError::new(
                base + hash,
                "`#` needs a day before it, e.g. `3#2` (second Tuesday) or `TUE#2`",
            ));
        }
        if let Some(i) = day.find(['-', '*', '/', 'L', 'l']) {
            return Err(ScheduleExprError::new(
                base + i,
                format!("`#` must follow a single day (e.g. `3#2` or `TUE#2`), found `{day}`"),
            ));
        }
        let weekday = parse_value(spec, day, base)?;
        let nth_off = base + hash + 1;
        if nth.is_empty() {
            return Err(ScheduleExprError::new(
                nth_off,
                "missing occurrence after `#` in day-of-week; expected a number 1-5",
            ));
        }
        if !nth.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ScheduleExprError::new(
                nth_off,
                format!(
                    "the occurrence after `#` in day-of-week must be a number 1-5, found `{nth}`"
                ),
            ));
        }
        let n = parse_number(nth).filter(|n| (1..=5).contains(n)).ok_or_else(|| {
            ScheduleExprError::new(
                nth_off,
                format!(
                    "occurrence `{nth}` after `#` is out of range; expected 1-5 (a month has at \
                     most 5 of any weekday)"
                ),
            )
        })?;
        return Ok(DayField::Rule(DayOfWeek::Nth { weekday, nth: n }));
    }
    if let Some(l) = upper.find('L') {
        if upper == "L" {
            let mut saturday = ValueSet::new(spec.min);
            saturday.insert(7);
            return Ok(DayField::Rule(DayOfWeek::Days(saturday)));
        }
        let day = &text[..l];
        if l + 1 == upper.len() && !day.is_empty() && !day.contains([',', '-', '*', '/']) {
            let weekday = parse_value(spec, day, base)?;
            return Ok(DayField::Rule(DayOfWeek::Last(weekday)));
        }
        return Err(ScheduleExprError::new(
            base + l,
            format!(
                "`L` in day-of-week must be alone (`L` = Saturday) or follow a single day \
                 (e.g. `6L` = last Friday of the month); it can't be combined with lists or \
                 ranges, found `{text}`"
            ),
        ));
    }
    parse_list(spec, text, base).map(|set| DayField::Rule(DayOfWeek::Days(set)))
}

/// A comma list of `*`, `v`, `a-b`, each optionally with `/step`.
pub(crate) fn parse_list(
    spec: &FieldSpec,
    text: &str,
    base: usize,
) -> Result<ValueSet, ScheduleExprError> {
    let mut set = ValueSet::new(spec.min);
    let mut pos = 0usize;
    for item in text.split(',') {
        let off = base + pos;
        if item.is_empty() {
            return Err(ScheduleExprError::new(
                off,
                format!(
                    "empty entry in the {} list `{text}` (a comma at the start or end, or two in \
                     a row)",
                    spec.name
                ),
            ));
        }
        parse_item(spec, item, off, &mut set)?;
        pos += item.len() + 1;
    }
    Ok(set)
}

fn parse_item(
    spec: &FieldSpec,
    item: &str,
    off: usize,
    set: &mut ValueSet,
) -> Result<(), ScheduleExprError> {
    let (range, step) = match item.find('/') {
        Some(i) => (&item[..i], Some((&item[i + 1..], off + i + 1))),
        None => (item, None),
    };
    if !spec.wildcards.contains('/') && step.is_some() {
        // check_chars already rejects this; kept so parse_list is safe on its own.
        return Err(ScheduleExprError::new(
            off,
            format!("`/` is not allowed in {}", spec.name),
        ));
    }
    let (lo, hi) = if range == "*" {
        (spec.min, spec.max)
    } else if range.is_empty() {
        return Err(ScheduleExprError::new(
            off,
            format!(
                "missing start before `/` in {}; write `*/n` or `a/n`",
                spec.name
            ),
        ));
    } else if let Some(dash) = range.find('-') {
        let (a, b) = (&range[..dash], &range[dash + 1..]);
        if a.is_empty() {
            return Err(ScheduleExprError::new(
                off,
                format!(
                    "the range `{range}` in {} has no start before `-`",
                    spec.name
                ),
            ));
        }
        if a == "*" {
            return Err(ScheduleExprError::new(
                off,
                format!("`*` can't start a range in {}, found `{range}`", spec.name),
            ));
        }
        if b.is_empty() {
            return Err(ScheduleExprError::new(
                off + dash + 1,
                format!("the range `{range}` in {} has no end after `-`", spec.name),
            ));
        }
        if let Some(d2) = b.find('-') {
            return Err(ScheduleExprError::new(
                off + dash + 1 + d2,
                format!("unexpected second `-` in the {} range `{range}`", spec.name),
            ));
        }
        let lo = parse_value(spec, a, off)?;
        let hi = parse_value(spec, b, off + dash + 1)?;
        if lo > hi {
            return Err(ScheduleExprError::new(
                off,
                format!(
                    "the range `{range}` in {} runs backwards: its start is after its end \
                     (ranges don't wrap around here; split it, e.g. `{a}-{},{}-{b}`)",
                    spec.name,
                    name_of(spec, spec.max),
                    name_of(spec, spec.min),
                ),
            ));
        }
        (lo, hi)
    } else {
        let v = parse_value(spec, range, off)?;
        (v, if step.is_some() { spec.max } else { v })
    };
    let step = match step {
        None => 1,
        Some((s, s_off)) => parse_step(spec, s, s_off)?,
    };
    let mut v = lo;
    while v <= hi {
        set.insert(v);
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Ok(())
}

fn parse_step(spec: &FieldSpec, text: &str, off: usize) -> Result<u32, ScheduleExprError> {
    let size = spec.max - spec.min + 1;
    if text.is_empty() {
        return Err(ScheduleExprError::new(
            off,
            format!(
                "missing step after `/` in {}; expected a number 1-{size}",
                spec.name
            ),
        ));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScheduleExprError::new(
            off,
            format!(
                "the step after `/` in {} must be a whole number 1-{size}, found `{text}`",
                spec.name
            ),
        ));
    }
    match parse_number(text) {
        Some(0) => Err(ScheduleExprError::new(
            off,
            format!(
                "a step of 0 in {} is not allowed; it must be 1-{size}",
                spec.name
            ),
        )),
        Some(n) if n <= size => Ok(n),
        _ => Err(ScheduleExprError::new(
            off,
            format!(
                "the step `{text}` in {} is too large; it must be 1-{size} (the field spans \
                 {}-{})",
                spec.name, spec.min, spec.max
            ),
        )),
    }
}

/// A single value: a number in range, or a name where the field has names.
pub(crate) fn parse_value(
    spec: &FieldSpec,
    text: &str,
    off: usize,
) -> Result<u32, ScheduleExprError> {
    let expected = if spec.names.is_empty() {
        format!("a number {}-{}", spec.min, spec.max)
    } else {
        format!(
            "a number {}-{} or a name {}-{}",
            spec.min,
            spec.max,
            spec.names.first().copied().unwrap_or(""),
            spec.names.last().copied().unwrap_or("")
        )
    };
    if text.is_empty() {
        return Err(ScheduleExprError::new(
            off,
            format!("missing value in {}; expected {expected}", spec.name),
        ));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match parse_number(text) {
            Some(v) if (spec.min..=spec.max).contains(&v) => Ok(v),
            _ => {
                let hint = if spec.name == DAY_OF_WEEK.name && parse_number(text) == Some(0) {
                    " (AWS counts 1 = SUN to 7 = SAT; there is no day 0)"
                } else {
                    ""
                };
                Err(ScheduleExprError::new(
                    off,
                    format!(
                        "{} value `{text}` is out of range; expected {}-{}{hint}",
                        spec.name, spec.min, spec.max
                    ),
                ))
            }
        };
    }
    if text.bytes().all(|b| b.is_ascii_alphabetic()) && !spec.names.is_empty() {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = spec.names.iter().position(|n| *n == upper) {
            return u32::try_from(i)
                .ok()
                .and_then(|i| spec.min.checked_add(i))
                .ok_or_else(|| ScheduleExprError::new(off, "internal: name index overflow"));
        }
        return Err(ScheduleExprError::new(
            off,
            format!(
                "unknown {} name `{text}`; expected one of {}",
                spec.name,
                spec.names.join(", ")
            ),
        ));
    }
    Err(ScheduleExprError::new(
        off,
        format!("invalid {} value `{text}`; expected {expected}", spec.name),
    ))
}

/// Decimal digits to a number; `None` when it doesn't fit (any such number is out of range).
pub(crate) fn parse_number(digits: &str) -> Option<u32> {
    digits.bytes().try_fold(0u32, |acc, b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
        } else {
            None
        }
    })
}

/// The display name of a value (`JAN`, `SUN`) or its number.
pub(crate) fn name_of(spec: &FieldSpec, v: u32) -> String {
    v.checked_sub(spec.min)
        .and_then(|i| spec.names.get(i as usize))
        .map_or_else(|| v.to_string(), |n| (*n).to_string())
}
