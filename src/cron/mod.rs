//! AWS schedule expressions: EventBridge `rate(...)`, the AWS six-field `cron(...)` dialect and
//! EventBridge Scheduler's one-time `at(...)`, with precise parse errors and fire-time computation.
//!
//! Sources: the EventBridge user guide pages "Cron expressions reference" / "Setting a schedule
//! pattern for scheduled rules" (`eb-scheduled-rule-pattern`, `eb-cron-expressions`), "Rate
//! expressions reference" (`eb-rate-expressions`) and the Scheduler guide "Schedule types on
//! EventBridge Scheduler" (`schedule-types`); summarised in `shared/reference/aws-semantics.md`
//! §4.4–4.5. The AWS table (L, W, #, 1 = SUN, years 1970–2199) is the Quartz scheduler's, so
//! where AWS's text is silent we follow Quartz's documented `CronExpression` meaning.
//!
//! # Semantics chosen where AWS is ambiguous
//! * **Time zone.** Everything is UTC. Scheduler's `ScheduleExpressionTimezone` (and its DST
//!   handling) is not modelled: `at(...)` and `cron(...)` are read as UTC wall-clock times.
//! * **Nothing fires before `origin`** (the simulation start, standing for the moment the rule or
//!   schedule is created): every query uses `max(origin, from)` as its lower bound.
//! * **`rate(N unit)`** fires at `origin + k·N·unit` for `k ≥ 1`: the first event comes one period
//!   after creation. The rules guide says "a rate expression starts when you create the scheduled
//!   event rule, and then it runs on a defined schedule"; we read that as "the clock starts at
//!   creation, first event one period later" (a reading, not checked against a live account).
//!   (Scheduler without a `StartDate` "starts invoking its target immediately";
//!   use [`ScheduleExpr::next_fire_with`] with [`RateStart::AtOrigin`] for that behaviour.)
//! * **`cron` fires on whole minutes** (seconds 0). Scheduler's "60 second precision" (any time
//!   within the target minute) is not modelled: we fire at second 0 exactly.
//! * **`L` alone in day-of-week** means Saturday (7) of every week, as in Quartz ("last day of the
//!   week"); `6L` is the last Friday of the month.
//! * **`nW`** is the weekday (Mon–Fri) nearest day *n* without leaving the month: `1W` on a
//!   Saturday is Monday the 3rd, `31W` on a Sunday is Friday the 29th; in a month with fewer than
//!   *n* days it does not fire (like a plain `31`). `LW` is the last weekday of the month.
//! * **`n#k`** fires on the k-th (1–5) weekday *n* of the month; months without a k-th one are
//!   skipped.
//! * **Special forms must be the whole field**: `L`, `LW`, `nW` in day-of-month and `L`, `nL`,
//!   `n#k` in day-of-week can't be mixed with lists, ranges or steps (Quartz rejects those too;
//!   AWS documents the `#` case explicitly). `L-n` offsets are rejected: AWS does not document them.
//! * **No steps in day-of-week**: AWS's table lists `, - * ? L #` only (Quartz also allows `/`).
//! * **Ranges must not run backwards** (`22-2` is rejected with a hint to split it), since AWS
//!   does not document wrap-around.
//! * **Steps** `*/n`, `a/n` (= `a-max/n`) and `a-b/n` need `1 ≤ n ≤` the size of the field.
//! * **Names** (`JAN`–`DEC`, `SUN`–`SAT`) and the letters `L`, `W` are case-insensitive; the
//!   keywords `rate`, `cron`, `at` and the rate units must be lowercase.
//! * **White space** is lenient: any run of ASCII white space separates cron fields, and spaces
//!   are allowed around the whole expression and just inside the parentheses. AWS shows single
//!   spaces; nothing here rejects an expression AWS accepts for that reason.
//! * **`at(yyyy-mm-ddThh:mm:ss)`** is exactly that shape (no zone suffix, no fractions).
//! * **Schedules that can never fire** (`cron(0 0 30 2 ? *)`, a past year) parse; their
//!   `next_fire` is `None`. AWS may reject some of them at creation; that is not modelled.
//! * **Canonical text** ([`Display`](std::fmt::Display)) upper-cases names and `L`/`W` and
//!   writes single spaces; parsing it gives back an equal value.

mod at;
mod calendar;
mod describe;
mod expr;
mod rate;
mod set;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDateTime, Utc};

pub use self::expr::CronExpr;

/// First year a `cron(...)` expression can name (AWS's year field is 1970–2199).
pub const MIN_YEAR: i32 = 1970;
/// Last year a `cron(...)` expression can name; searches for the next fire stop here.
pub const MAX_YEAR: i32 = 2199;

/// A parsed AWS schedule expression.
// The cron variant is a few hundred bytes of bit sets; schedules are few, so no boxing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleExpr {
    /// `rate(N unit)`: every `every_s` seconds (always a whole number of minutes when parsed).
    Rate { every_s: u64 },
    /// `cron(min hour dom month dow year)`, evaluated in UTC.
    Cron(CronExpr),
    /// Scheduler's one-time `at(yyyy-mm-ddThh:mm:ss)`, read as UTC.
    At(NaiveDateTime),
}

/// When the first event of a `rate(...)` schedule comes, relative to `origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateStart {
    /// First fire one period after `origin` (EventBridge scheduled rules; the default).
    #[default]
    AfterOnePeriod,
    /// First fire at `origin` itself (Scheduler without a `StartDate` "starts immediately").
    AtOrigin,
}

/// A schedule expression that does not parse: what was found, where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScheduleExprError {
    /// Human text naming the problem, the field involved and what is expected there.
    pub message: String,
    /// Byte offset into the text given to [`ScheduleExpr::parse`] where the problem starts.
    pub offset: usize,
}

impl ScheduleExprError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        ScheduleExprError {
            message: message.into(),
            offset,
        }
    }

    /// Two lines for a terminal or a text box: the expression, then a caret under `offset`.
    pub fn pointer(&self, text: &str) -> String {
        let col = text
            .get(..self.offset.min(text.len()))
            .map_or(0, |s| s.chars().count());
        format!("{text}\n{}^ {}", " ".repeat(col), self.message)
    }
}

/// Which kind of expression the keyword before `(` names.
#[derive(Clone, Copy)]
enum Kind {
    Rate,
    Cron,
    At,
}

impl ScheduleExpr {
    /// Parses `rate(...)`, `cron(...)` or `at(...)`; see the module docs for the accepted dialect.
    pub fn parse(text: &str) -> Result<ScheduleExpr, ScheduleExprError> {
        if let Some((i, c)) = text.char_indices().find(|(_, c)| !c.is_ascii()) {
            return Err(ScheduleExprError::new(
                i,
                format!("unexpected character `{c}`: schedule expressions are plain ASCII"),
            ));
        }
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len();
        if start >= end {
            return Err(ScheduleExprError::new(
                0,
                "empty schedule expression; expected `rate(...)`, `cron(...)` or `at(...)`",
            ));
        }
        let body = &text[start..end];
        let Some(open) = body.find('(') else {
            return Err(ScheduleExprError::new(
                start,
                format!(
                    "expected `rate(...)`, `cron(...)` or `at(...)`, found `{}`",
                    clip(body)
                ),
            ));
        };
        let keyword = &body[..open];
        let kind = match keyword {
            "rate" => Kind::Rate,
            "cron" => Kind::Cron,
            "at" => Kind::At,
            other => return Err(keyword_error(other, start)),
        };
        let after_open = &body[open + 1..];
        let Some(close_rel) = after_open.find(')') else {
            return Err(ScheduleExprError::new(
                start + body.len(),
                format!("missing closing `)` at the end of `{keyword}(...)`"),
            ));
        };
        let close = open + 1 + close_rel;
        if let Some(rest) = body.get(close + 1..).filter(|r| !r.is_empty()) {
            let skipped = rest.len() - rest.trim_start().len();
            return Err(ScheduleExprError::new(
                start + close + 1 + skipped,
                format!(
                    "unexpected text `{}` after the closing `)`",
                    clip(rest.trim_start())
                ),
            ));
        }
        let inner = &body[open + 1..close];
        let inner_offset = start + open + 1;
        match kind {
            Kind::Rate => {
                rate::parse(inner, inner_offset).map(|every_s| ScheduleExpr::Rate { every_s })
            }
            Kind::Cron => expr::parse(inner, inner_offset).map(ScheduleExpr::Cron),
            Kind::At => at::parse(inner, inner_offset).map(ScheduleExpr::At),
        }
    }

    /// First fire time `>= max(origin, from)` (inclusive), or `None` when there is none: an
    /// `at(...)` already past, a cron whose years are over (or past 2199), or an overflow.
    ///
    /// `origin` is when the schedule starts to exist (the simulation start). `rate(...)` fires at
    /// `origin + k·period` for `k ≥ 1` (see the module docs and [`RateStart`]); `cron(...)` and
    /// `at(...)` don't depend on `origin` except that nothing fires before it.
    pub fn next_fire(&self, origin: DateTime<Utc>, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_fire_with(origin, from, RateStart::AfterOnePeriod)
    }

    /// [`next_fire`](Self::next_fire) with an explicit choice of the first `rate(...)` event.
    pub fn next_fire_with(
        &self,
        origin: DateTime<Utc>,
        from: DateTime<Utc>,
        rate_start: RateStart,
    ) -> Option<DateTime<Utc>> {
        let lower = from.max(origin);
        match self {
            ScheduleExpr::Rate { every_s } => rate::next_fire(*every_s, origin, lower, rate_start),
            ScheduleExpr::Cron(cron) => cron.next_fire(lower),
            ScheduleExpr::At(at) => {
                let at = at.and_utc();
                (at >= lower).then_some(at)
            }
        }
    }

    /// Short human text for UI labels, e.g. "every 5 minutes", "at 12:00 UTC every day".
    pub fn describe(&self) -> String {
        match self {
            ScheduleExpr::Rate { every_s } => describe::rate(*every_s),
            ScheduleExpr::Cron(cron) => cron.describe(),
            ScheduleExpr::At(at) => format!("once at {} UTC", at.format("%Y-%m-%d %H:%M:%S")),
        }
    }
}

impl std::str::FromStr for ScheduleExpr {
    type Err = ScheduleExprError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScheduleExpr::parse(s)
    }
}

/// Canonical AWS text (`rate(5 minutes)`, `cron(0 12 * * ? *)`, `at(2026-03-11T10:21:00)`);
/// parsing it gives back an equal value.
impl std::fmt::Display for ScheduleExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScheduleExpr::Rate { every_s } => f.write_str(&rate::canonical(*every_s)),
            ScheduleExpr::Cron(cron) => write!(f, "cron({})", cron.fields().join(" ")),
            ScheduleExpr::At(at) => write!(f, "at({})", at.format("%Y-%m-%dT%H:%M:%S")),
        }
    }
}

/// The error for an unknown word before `(`.
fn keyword_error(found: &str, offset: usize) -> ScheduleExprError {
    let trimmed = found.trim_end();
    if matches!(trimmed, "rate" | "cron" | "at") {
        return ScheduleExprError::new(
            offset + trimmed.len(),
            format!("unexpected space between `{trimmed}` and `(`"),
        );
    }
    let lower = trimmed.to_ascii_lowercase();
    if matches!(lower.as_str(), "rate" | "cron" | "at") {
        return ScheduleExprError::new(
            offset,
            format!("schedule type `{trimmed}` must be written in lowercase: `{lower}(...)`"),
        );
    }
    ScheduleExprError::new(
        offset,
        format!(
            "unknown schedule type `{}`; expected `rate(...)`, `cron(...)` or `at(...)`",
            clip(found)
        ),
    )
}

/// At most 40 characters of `s` for quoting in a message (`s` is ASCII here).
pub(crate) fn clip(s: &str) -> String {
    if s.len() <= 40 {
        s.to_string()
    } else {
        format!("{}…", s.get(..40).unwrap_or(s))
    }
}
