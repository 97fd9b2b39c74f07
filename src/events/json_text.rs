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
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
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

/// The inside of a JSON string: `s` escaped as [`push_str`] escapes it, without the quotes.
pub fn push_escaped(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
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
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// A JSON string of several pieces written one after the other (each escaped), without building the whole text.
pub fn push_str_parts(out: &mut Vec<u8>, parts: &[&str]) {
    out.push(b'"');
    for part in parts {
        push_escaped(out, part);
    }
    out.push(b'"');
}
