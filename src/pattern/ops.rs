//! Scalar-level building blocks of the pattern language: case-insensitive comparison,
//! `wildcard` globs, IP addresses and CIDR blocks, and number comparison.
//!
//! Everything here works on one event value at a time, allocates nothing while matching,
//! and never panics on any input.

use serde_json::Number;
use std::net::IpAddr;

// ---------------------------------------------------------------------------------------------
// Case folding
// ---------------------------------------------------------------------------------------------

/// Folds one character for case-insensitive comparison.
///
/// A 1:1 per-character mapping in the spirit of Java's `equalsIgnoreCase` (which event-ruler
/// builds on): upper-case first, then lower-case, so `ς`, `σ` and `Σ` all compare equal. Where
/// Unicode maps a character to several characters (`ß` → `SS`) the character is kept as it is,
/// so lengths never change and prefix/suffix tests stay simple.
#[inline]
pub(crate) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let upper = single(c.to_uppercase()).unwrap_or(c);
    match single(upper.to_lowercase()) {
        Some(l) => l,
        None => single(c.to_lowercase()).unwrap_or(c),
    }
}

/// The only item of an iterator that yields exactly one item.
#[inline]
fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    match (it.next(), it.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Folds a whole string (done once, at compile time, for pattern operands).
pub(crate) fn fold_str(s: &str) -> Box<str> {
    s.chars()
        .map(fold_char)
        .collect::<String>()
        .into_boxed_str()
}

/// `value` equals the already-folded `folded`, ignoring case.
pub(crate) fn eq_ignore_case(value: &str, folded: &str) -> bool {
    let mut a = value.chars();
    let mut b = folded.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if fold_char(x) == y => {}
            _ => return false,
        }
    }
}

/// `value` starts with the already-folded `folded`, ignoring case.
pub(crate) fn prefix_ignore_case(value: &str, folded: &str) -> bool {
    let mut a = value.chars();
    folded
        .chars()
        .all(|y| matches!(a.next(), Some(x) if fold_char(x) == y))
}

/// `value` ends with the already-folded `folded`, ignoring case.
pub(crate) fn suffix_ignore_case(value: &str, folded: &str) -> bool {
    let mut a = value.chars().rev();
    folded
        .chars()
        .rev()
        .all(|y| matches!(a.next(), Some(x) if fold_char(x) == y))
}

// ---------------------------------------------------------------------------------------------
// Wildcard
// ---------------------------------------------------------------------------------------------

/// A compiled `wildcard` operand: literal segments separated by `*` (zero or more characters).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wildcard {
    /// Literal pieces; a pattern with `n` stars has `n + 1` segments (possibly empty).
    segments: Vec<Box<str>>,
}

impl Wildcard {
    /// Parses a wildcard operand. `*` is a wildcard, `\*` a literal star, `\\` a literal
    /// backslash; any other escape and two consecutive wildcards are rejected (as event-ruler does).
    pub(crate) fn parse(pattern: &str) -> Result<Wildcard, String> {
        let mut segments = Vec::new();
        let mut current = String::new();
        let mut previous_was_star = false;
        let mut chars = pattern.chars().enumerate();
        while let Some((pos, c)) = chars.next() {
            match c {
                '*' => {
                    if previous_was_star {
                        return Err(format!(
                            "consecutive wildcard characters at position {} are not allowed (write a single `*`)",
                            pos.saturating_sub(1)
                        ));
                    }
                    segments.push(std::mem::take(&mut current).into_boxed_str());
                    previous_was_star = true;
                    continue;
                }
                '\\' => match chars.next() {
                    Some((_, '*')) => current.push('*'),
                    Some((_, '\\')) => current.push('\\'),
                    _ => {
                        return Err(format!(
                            "invalid escape at position {pos}: only `\\*` and `\\\\` are allowed"
                        ));
                    }
                },
                other => current.push(other),
            }
            previous_was_star = false;
        }
        segments.push(current.into_boxed_str());
        Ok(Wildcard { segments })
    }

    /// Whether `value` matches the glob.
    pub(crate) fn is_match(&self, value: &str) -> bool {
        let (first, rest) = match self.segments.split_first() {
            Some(x) => x,
            None => return false,
        };
        let (last, middle) = match rest.split_last() {
            Some(x) => x,
            // No star at all: plain equality.
            None => return value == &**first,
        };
        let Some(mut remaining) = value.strip_prefix(&**first) else {
            return false;
        };
        let Some(body) = remaining.strip_suffix(&**last) else {
            return false;
        };
        remaining = body;
        // Leftmost matching of each middle segment is optimal for `*`-only globs.
        for segment in middle {
            match remaining.find(&**segment) {
                Some(at) => match remaining.get(at + segment.len()..) {
                    Some(tail) => remaining = tail,
                    None => return false,
                },
                None => return false,
            }
        }
        true
    }
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDR blocks
// ---------------------------------------------------------------------------------------------

/// An IP address as (is IPv6, numeric value). IPv4-mapped IPv6 addresses count as IPv4,
/// as they do for Java's `InetAddress`, which event-ruler uses.
pub(crate) fn parse_ip(text: &str) -> Option<(bool, u128)> {
    // Cheap rejection before the real parser: IP literals start with a hex digit or ':'.
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_hexdigit() || *first == b':') {
        return None;
    }
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some((false, u128::from(u32::from(v4)))),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Some((false, u128::from(u32::from(v4)))),
            None => Some((true, u128::from(v6))),
        },
    }
}

/// A compiled `cidr` operand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cidr {
    v6: bool,
    network: u128,
    mask: u128,
}

impl Cidr {
    /// Parses `address/bits`. Host bits in the address are ignored.
    ///
    /// event-ruler (and so EventBridge) accepts mask lengths 0–31 for IPv4 and 0–127 for
    /// IPv6; a full-length mask is rejected (use the plain address string instead).
    pub(crate) fn parse(text: &str) -> Result<Cidr, String> {
        let Some((address, bits)) = text.split_once('/') else {
            return Err(format!(
                "malformed CIDR {text:?}: expected an address, one '/', and a mask length, like \"10.0.0.0/24\""
            ));
        };
        if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "malformed CIDR {text:?}: the mask length after '/' must be a non-negative integer"
            ));
        }
        let bits: u32 = bits
            .parse()
            .map_err(|_| format!("malformed CIDR {text:?}: bad mask length"))?;
        let Some((v6, ip)) = parse_ip(address) else {
            return Err(format!(
                "malformed CIDR {text:?}: {address:?} is not an IPv4 or IPv6 address"
            ));
        };
        let mask = if v6 {
            if bits > 127 {
                return Err(format!(
                    "malformed CIDR {text:?}: IPv6 mask length must be between 0 and 127"
                ));
            }
            if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            }
        } else {
            if bits > 31 {
                return Err(format!(
                    "malformed CIDR {text:?}: IPv4 mask length must be between 0 and 31 (to match one address, use the address string as an exact value)"
                ));
            }
            if bits == 0 {
                0
            } else {
                u128::from(u32::MAX << (32 - bits))
            }
        };
        Ok(Cidr {
            v6,
            network: ip & mask,
            mask,
        })
    }

    /// Whether the event string `value` is an IP address inside this block.
    pub(crate) fn contains_str(&self, value: &str) -> bool {
        match parse_ip(value) {
            Some((v6, ip)) => v6 == self.v6 && (ip & self.mask) == self.network,
            None => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

fn as_i128(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Numeric equality of two JSON numbers: `3`, `3.0` and `3e0` are all equal. Integers are
/// compared exactly (so large account ids do not collide), everything else as IEEE doubles.
pub(crate) fn num_eq(a: &Number, b: &Number) -> bool {
    if let (Some(x), Some(y)) = (as_i128(a), as_i128(b)) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// A compiled `numeric` operand: a one- or two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NumRange {
    pub(crate) low: f64,
    pub(crate) low_inclusive: bool,
    pub(crate) high: f64,
    pub(crate) high_inclusive: bool,
    /// Event values whose magnitude exceeds this never match (the documented range of
    /// numeric matching: 5e9 for EventBridge, 1e9 for SNS).
    pub(crate) limit: f64,
}

impl NumRange {
    /// Whether the event number `x` lies in the interval.
    pub(crate) fn contains(&self, x: f64) -> bool {
        if !x.is_finite() || x.abs() > self.limit {
            return false;
        }
        let above = if self.low_inclusive {
            x >= self.low
        } else {
            x > self.low
        };
        let below = if self.high_inclusive {
            x <= self.high
        } else {
            x < self.high
        };
        above && below
    }

    /// Human form such as `> 0 and <= 5`, `= 3`, `< 10`.
    pub(crate) fn describe(&self) -> String {
        let lo_open = self.low == f64::NEG_INFINITY;
        let hi_open = self.high == f64::INFINITY;
        if !lo_open && !hi_open && self.low == self.high {
            return format!("= {}", fmt_f64(self.low));
        }
        let lo = if self.low_inclusive { ">=" } else { ">" };
        let hi = if self.high_inclusive { "<=" } else { "<" };
        match (lo_open, hi_open) {
            (false, false) => format!("{lo} {} and {hi} {}", fmt_f64(self.low), fmt_f64(self.high)),
            (false, true) => format!("{lo} {}", fmt_f64(self.low)),
            (true, false) => format!("{hi} {}", fmt_f64(self.high)),
            (true, true) => "any number".to_string(),
        }
    }

    /// Compact form for edge labels, such as `>0,<=5`.
    pub(crate) fn compact(&self) -> String {
        self.describe()
            .replace(" and ", ",")
            .replace("= ", "=")
            .replace("> ", ">")
            .replace("< ", "<")
    }
}

/// Formats a double without a trailing `.0` for integral values.
pub(crate) fn fmt_f64(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Number of digits after the decimal point in the shortest text form of `n`
/// (used for the SNS five-decimal-places limit).
pub(crate) fn decimal_places(n: &Number) -> usize {
    let text = n.to_string();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (
            text.get(..at).unwrap_or(""),
            text.get(at + 1..)
                .and_then(|e| e.parse::<i64>().ok())
                .unwrap_or(0),
        ),
        None => (text.as_str(), 0),
    };
    let fraction = match mantissa.split_once('.') {
        Some((_, f)) => f.trim_end_matches('0').len() as i64,
        None => 0,
    };
    usize::try_from(fraction.saturating_sub(exponent)).unwrap_or(0)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn wildcard_basics() {
        let w = |p: &str| Wildcard::parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(w("*").is_match(""));
        assert!(w("a*").is_match("a"));
        assert!(w("*a").is_match("ba"));
        assert!(w("a*b*c").is_match("abc"));
        assert!(w("a*b*c").is_match("aXbYbZc"));
        assert!(!w("a*b*c").is_match("acb"));
        assert!(!w("ab*ba").is_match("aba"));
        assert!(w("ab*ba").is_match("abba"));
        assert!(w("a\\*b").is_match("a*b"));
        assert!(!w("a\\*b").is_match("aXb"));
        assert!(w("a\\\\b").is_match("a\\b"));
        assert!(Wildcard::parse("a**b").is_err());
        assert!(Wildcard::parse("a\\b").is_err());
        assert!(Wildcard::parse("a\\").is_err());
        assert!(Wildcard::parse("\\**").is_ok());
        assert!(w("é*ü").is_match("éxyzü"));
    }

    #[test]
    fn case_folding() {
        assert!(eq_ignore_case("ALICE", &fold_str("alice")));
        assert!(eq_ignore_case("Straße", &fold_str("STRAßE")));
        assert!(eq_ignore_case("ΣΑΣ", &fold_str("σας")));
        assert!(!eq_ignore_case("alic", &fold_str("alice")));
        assert!(prefix_ignore_case("EventBridge", &fold_str("eventb")));
        assert!(suffix_ignore_case("EventBridge", &fold_str("BRIDGE")));
        assert!(!suffix_ignore_case("ge", &fold_str("bridge")));
    }

    #[test]
    fn cidr_blocks() {
        let c = Cidr::parse("10.0.0.0/24").unwrap_or_else(|e| panic!("{e}"));
        assert!(c.contains_str("10.0.0.255"));
        assert!(!c.contains_str("10.0.1.0"));
        assert!(c.contains_str("::ffff:10.0.0.3"));
        let c = Cidr::parse("10.0.0.77/24").unwrap_or_else(|e| panic!("{e}"));
        assert!(c.contains_str("10.0.0.1"));
        let c = Cidr::parse("2001:db8::/32").unwrap_or_else(|e| panic!("{e}"));
        assert!(c.contains_str("2001:db8:ffff::1"));
        assert!(!c.contains_str("2001:db9::1"));
        assert!(!c.contains_str("10.0.0.1"));
        assert!(Cidr::parse("10.0.0.0/32").is_err());
        assert!(Cidr::parse("10.0.0.0").is_err());
        assert!(Cidr::parse("10.0.0.0/-1").is_err());
        assert!(Cidr::parse("foo/8").is_err());
        assert!(Cidr::parse("0.0.0.0/0").is_ok());
    }

    #[test]
    fn numbers() {
        let n = |s: &str| -> Number { serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}")) };
        assert!(num_eq(&n("3"), &n("3.0")));
        assert!(num_eq(&n("3e0"), &n("3")));
        assert!(num_eq(&n("-0"), &n("0")));
        assert!(!num_eq(&n("123456789012345678"), &n("123456789012345679")));
        assert_eq!(decimal_places(&n("1.5")), 1);
        assert_eq!(decimal_places(&n("0.123456")), 6);
        assert_eq!(decimal_places(&n("1e-7")), 7);
        assert_eq!(decimal_places(&n("100")), 0);
        assert_eq!(decimal_places(&n("1.5e3")), 0);
    }
}
