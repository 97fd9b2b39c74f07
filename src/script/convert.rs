//! JSON ⇔ Rhai values, by hand (Rhai's `serde` feature is not enabled). See the module docs of `script` for the
//! mapping.

use rhai::{Array, Dynamic, FLOAT, INT, ImmutableString, Map};
use serde_json::{Number, Value};

use super::engine::LambdaContext;

/// Deepest nesting of arrays and objects: in values a script builds (Rhai's size checks refuse deeper ones, see
/// `engine.rs`) and in values converted either way. Deep enough for any real event (serde_json itself parses at most
/// 128 levels), shallow enough that every recursive walk over a value stays far inside a thread's stack.
pub const MAX_DEPTH: usize = 256;

/// Bytes of the compact JSON text of `value` (what an SDK sends on the wire), counted without building the text.
pub fn json_len(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Neither the counter nor the serialisation of a `Value` (string keys only) can fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// Converts JSON to a Rhai value; `Err` (a message) when nested deeper than [`MAX_DEPTH`].
pub fn from_json(value: &Value) -> Result<Dynamic, String> {
    from_json_at(value, 0)
}

fn from_json_at(value: &Value, depth: usize) -> Result<Dynamic, String> {
    Ok(match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i as INT),
            None => Dynamic::from_float(n.as_f64().unwrap_or(0.0) as FLOAT),
        },
        Value::String(s) => Dynamic::from(ImmutableString::from(s.as_str())),
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep());
            }
            let mut out = Array::with_capacity(items.len());
            for item in items {
                out.push(from_json_at(item, depth + 1)?);
            }
            Dynamic::from_array(out)
        }
        Value::Object(members) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep());
            }
            let mut out = Map::new();
            for (k, v) in members {
                out.insert(k.as_str().into(), from_json_at(v, depth + 1)?);
            }
            Dynamic::from_map(out)
        }
    })
}

fn too_deep() -> String {
    format!("the value is nested more than {MAX_DEPTH} levels deep")
}

/// Converts a Rhai value to JSON; `Err` (a message) when nested deeper than [`MAX_DEPTH`] (which is also how a value
/// that contains itself ends).
pub fn to_json(value: &Dynamic) -> Result<Value, String> {
    to_json_at(value, 0)
}

fn to_json_at(value: &Dynamic, depth: usize) -> Result<Value, String> {
    if value.is_shared() {
        // A variable captured by a closure: convert what it holds.
        return to_json_at(&value.flatten_clone(), depth);
    }
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = value.as_int() {
        return Ok(Value::from(i));
    }
    if let Ok(f) = value.as_float() {
        return Ok(Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    if let Ok(c) = value.as_char() {
        return Ok(Value::String(c.to_string()));
    }
    if let Some(s) = value.read_lock::<ImmutableString>() {
        return Ok(Value::String(s.to_string()));
    }
    if let Some(items) = value.read_lock::<Array>() {
        if depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            out.push(to_json_at(item, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Some(members) = value.read_lock::<Map>() {
        if depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        let mut out = serde_json::Map::new();
        for (k, v) in members.iter() {
            out.insert(k.to_string(), to_json_at(v, depth + 1)?);
        }
        return Ok(Value::Object(out));
    }
    if let Some(ctx) = value.read_lock::<LambdaContext>() {
        return Ok(ctx.to_json());
    }
    Ok(Value::String(value.to_string()))
}

/// The text `log` writes: a string as it is, anything else as JSON (a value too deep for JSON as its string form).
pub(super) fn log_text(value: &Dynamic) -> String {
    if let Some(s) = value.read_lock::<ImmutableString>() {
        return s.to_string();
    }
    match to_json(value) {
        Ok(v) => v.to_string(),
        Err(_) => value.to_string(),
    }
}
