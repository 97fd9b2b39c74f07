//! JSON text written straight into a byte buffer, exactly as `serde_json::to_writer` writes it compactly: strings
//! escaped as serde_json escapes them (`"`, `\`, and control characters — `\b \t \n \f \r`, else `\u00xx` — and
//! nothing else), numbers in serde_json's own formatting, objects in their insertion order (`preserve_order`).
//!
//! The trace's hand-written JSON Lines writer (`sim::trace_json`) and the events built on demand (an API request
//! event, [`super::apigw::ApiRequestEvent`]) write with these, so their bytes are the bytes serde_json would write
//! for the same `Value`. Writing into a `Vec` cannot fail: nothing here returns an error or panics.

use std::io::Write;

use serde_json::Value;

/// An unsigned integer in decimal.
pub fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    // Room for the longest number appended at once (a copy of constant length, done in place), the digits written
    // into it, the rest cut: copying a few digits of variable length was a call to memmove per number.
    let digits = v.checked_ilog10().map_or(1, |log| log as usize + 1);
    let start = out.len();
    out.extend_from_slice(&[b'0'; 20]);
    if let Some(slots) = out.get_mut(start..start + digits) {
        for slot in slots.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    out.truncate(start + digits);
}

/// A signed integer in decimal.
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    push_u64(out, v.unsigned_abs());
}

/// A finite f64 exactly as serde_json writes it (its own shortest round-trip formatting).
pub fn push_f64(out: &mut Vec<u8>, v: f64) {
    // Writing into a Vec cannot fail; a failure would leave the number out rather than panic.
    let _ = serde_json::to_writer(&mut *out, &v);
}

/// A JSON value as serde_json writes it compactly (object members in their order: `preserve_order`).
pub fn push_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => push_bool(out, *b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                push_u64(out, u);
            } else {
                // Negative integers and floats: serde_json's own formatting.
                let _ = write!(out, "{n}");
            }
        }
        Value::String(s) => push_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_str(out, k);
                out.push(b':');
                push_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// `true` or `false`.
pub fn push_bool(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// A JSON string, quoted and escaped as serde_json escapes it: `"` and `\` with a backslash, the control
/// characters U+0000–U+001F as `\b \t \n \f \r` or `\u00xx` (lower-case hex); everything else — DEL, non-ASCII,
/// `/` — as it is (UTF-8).
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    push_escaped(out, s);
    out.push(b'"');
}

/// A JSON array of strings, `["a","b"]`, each as [`push_str`] writes it.
pub fn push_str_array<'a>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'a str>) {
    out.push(b'[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, s);
    }
    out.push(b']');
}

/// [`push_str`] of text already known to be UTF-8, as bytes (a text held inline in a trace record: no second
/// check of its UTF-8).
pub fn push_str_bytes(out: &mut Vec<u8>, utf8: &[u8]) {
    out.reserve(utf8.len() + 2);
    out.push(b'"');
    push_escaped_bytes(out, utf8);
    out.push(b'"');
}

/// The inside of a JSON string: `s` escaped as [`push_str`] escapes it, without the quotes.
pub fn push_escaped(out: &mut Vec<u8>, s: &str) {
    push_escaped_bytes(out, s.as_bytes());
}

/// [`push_escaped`] of UTF-8 text as bytes (only ASCII bytes are ever escaped, so UTF-8 stays UTF-8).
fn push_escaped_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none needs escaping (most of a trace's text): the profile of JSON Lines had
        // this loop on top, one byte at a time.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
            if !needs_escape(word) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b >= 0x20 && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Whether any of the eight bytes of `word` is a control character (< 0x20), `"` or `\` (the classic "has a zero
/// byte" / "has a byte less than n" bit tricks; exact as to *whether*, not *which*).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_in_decimal_at_every_digit_count() {
        let mut values = vec![0u64, 1, u64::MAX, u64::MAX - 1];
        let mut p = 1u64;
        while let Some(next) = p.checked_mul(10) {
            values.extend([p - 1, p, p + 1, next - 1]);
            p = next;
        }
        values.extend([p - 1, p, p + 1]);
        let mut out = b"x".to_vec();
        for v in values {
            out.truncate(1);
            push_u64(&mut out, v);
            assert_eq!(String::from_utf8_lossy(&out[1..]), v.to_string());
            out.truncate(1);
            push_i64(&mut out, -(v.min(i64::MAX as u64) as i64));
            assert_eq!(
                String::from_utf8_lossy(&out[1..]),
                (-(v.min(i64::MAX as u64) as i64)).to_string()
            );
        }
    }

    #[test]
    fn escaping_finds_every_special_byte_at_every_position_of_a_long_text() {
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{8}'] {
            for len in [0usize, 1, 7, 8, 9, 15, 16, 17, 40] {
                for at in 0..=len {
                    let mut s: String = "aé€😀bcdefgh".chars().cycle().take(len).collect();
                    let at_char = s.char_indices().nth(at).map_or(s.len(), |(i, _)| i);
                    s.insert(at_char, special);
                    let mut out = Vec::new();
                    push_str(&mut out, &s);
                    let expected = serde_json::to_vec(&s).unwrap_or_default();
                    assert_eq!(
                        String::from_utf8_lossy(&out),
                        String::from_utf8_lossy(&expected),
                        "{s:?}"
                    );
                }
            }
        }
        for word in [
            0u64,
            u64::MAX,
            0x2020_2020_2020_2020,
            0x7f7f_7f7f_7f7f_7f7f,
            0x8080_8080_8080_8080,
        ] {
            let expected = word
                .to_le_bytes()
                .iter()
                .any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            assert_eq!(needs_escape(word), expected, "{word:#x}");
        }
    }
}
