//! Amazon SQS: message attributes (normalisation, validation, `MD5OfMessageAttributes`), MD5
//! digests, receipt handles, and the `{"Records": [...]}` event a Lambda SQS event source mapping
//! hands to its function.
//!
//! Message attributes are kept in one *normalised* form throughout the simulator, the form of
//! the SQS / SNS APIs: `{name: {"DataType": "String", "StringValue": "…"}}` or
//! `{name: {"DataType": "Binary", "BinaryValue": "<base64>"}}`, names in the order given.
//! [`normalize_attributes`] builds it from the shorthand scenario authors write; SNS
//! (`super::sns`) uses the same form.
//!
//! The Lambda record follows the Lambda developer guide's examples key for key: `messageId`,
//! `receiptHandle`, `body`, `attributes` (all values strings; FIFO queues add `SequenceNumber`,
//! `MessageGroupId` and `MessageDeduplicationId` in the order the guide's FIFO example shows),
//! `messageAttributes` (camelCase: `stringValue` | `binaryValue`, `stringListValues: []`,
//! `binaryListValues: []`, `dataType`; `{}` when there are none), `md5OfBody`,
//! `md5OfMessageAttributes` (only when there are attributes), `eventSource` `"aws:sqs"`,
//! `eventSourceARN`, `awsRegion`.

use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::apigw::base64_decode;
use super::{AwsEnv, EventError, hex_lower, md5_of};

/// Most message attributes one message may carry.
pub const MAX_ATTRIBUTES: usize = 10;
/// Longest attribute name and data type, in characters.
pub const MAX_NAME_LEN: usize = 256;

/// Lower-case hex MD5 of `data`, as SQS reports `MD5OfMessageBody` / `md5OfBody` (of the body's
/// UTF-8 bytes).
pub fn md5_hex(data: &[u8]) -> String {
    let digest: [u8; 16] = Md5::digest(data).into();
    hex_lower(&digest)
}

/// Standard base64 (RFC 4648) with `=` padding.
pub fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// `n` pseudo-random bytes: MD5 digests of `parts`, re-hashed as needed (deterministic).
pub(crate) fn derived_bytes(parts: &[&str], n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    let mut digest = md5_of(parts);
    while out.len() < n {
        out.extend_from_slice(&digest);
        let hex = hex_lower(&digest);
        digest = md5_of(&[&hex, "+"]);
    }
    out.truncate(n);
    out
}

/// The `SenderId` SQS reports for messages the simulated caller sends: the IAM user id form
/// `AIDA` + 17 characters, the same id [`AwsEnv::principal_id`] reports (without its `AWS:`).
pub fn sender_id(env: &AwsEnv) -> String {
    let p = env.principal_id();
    p.strip_prefix("AWS:").unwrap_or(&p).to_string()
}

/// A receipt handle for the `receive_count`-th receive of a message: opaque, deterministic text
/// shaped like AWS's (`AQEB` followed by 176 base64 characters, no padding).
pub fn receipt_handle(message_id: &str, receive_count: u32, seed: u64) -> String {
    let count = receive_count.to_string();
    let seed = seed.to_string();
    let bytes = derived_bytes(&["receipt", message_id, &count, &seed], 132);
    let mut s = String::from("AQEB");
    s.push_str(&base64_encode(&bytes));
    s
}

// ---------------------------------------------------------------------------------------------
// Message attributes.
// ---------------------------------------------------------------------------------------------

/// The base type of a data type (`"Number.float"` → `"Number"`), or `None` when it is not
/// `String`, `Number` or `Binary` optionally followed by `.` and a custom label.
pub fn base_data_type(data_type: &str) -> Option<&'static str> {
    for base in ["String", "Number", "Binary"] {
        if let Some(rest) = data_type.strip_prefix(base)
            && (rest.is_empty() || (rest.len() > 1 && rest.starts_with('.')))
        {
            return Some(base);
        }
    }
    None
}

/// Checks an attribute name against the SQS rules: 1–256 characters from `A–Z a–z 0–9 _ - .`,
/// not starting with `AWS.` or `Amazon.` (any case), not starting or ending with `.`, and no
/// `..`.
pub fn validate_attribute_name(name: &str) -> Result<(), EventError> {
    check_attribute_name(name).map_err(EventError::Attributes)
}

fn check_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("message attribute name must not be empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "message attribute name \"{name}\" is longer than {MAX_NAME_LEN} characters"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "message attribute name \"{name}\" contains '{bad}'; allowed are A-Z a-z 0-9 _ - ."
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws.") || lower.starts_with("amazon.") {
        return Err(format!(
            "message attribute name \"{name}\" must not start with \"AWS.\" or \"Amazon.\" (reserved)"
        ));
    }
    if name.starts_with('.') || name.ends_with('.') {
        return Err(format!(
            "message attribute name \"{name}\" must not start or end with a period"
        ));
    }
    if name.contains("..") {
        return Err(format!(
            "message attribute name \"{name}\" must not contain consecutive periods"
        ));
    }
    Ok(())
}

/// Whether `c` may appear in an SQS message body or string attribute value
/// (`#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF`).
pub fn is_allowed_message_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Checks the text of a `Number` attribute: an optionally signed decimal with optional fraction
/// and exponent, at most 38 significant digits, magnitude from 10^-128 to below 10^126 (the
/// range SQS documents).
pub fn validate_number_text(s: &str) -> Result<(), EventError> {
    check_number_text(s).map_err(EventError::Attributes)
}

fn check_number_text(s: &str) -> Result<(), String> {
    let err = || format!("\"{s}\" is not a valid Number attribute value");
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let mut digits = String::new();
    let mut int_digits: i64 = 0;
    let mut seen_point = false;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        if b[i] == b'.' {
            if seen_point {
                return Err(err());
            }
            seen_point = true;
        } else {
            digits.push(b[i] as char);
            if !seen_point {
                int_digits += 1;
            }
        }
        i += 1;
    }
    if digits.is_empty() {
        return Err(err());
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let exp_text = s.get(i..).unwrap_or("");
        let body = exp_text
            .strip_prefix('+')
            .or_else(|| exp_text.strip_prefix('-'))
            .unwrap_or(exp_text);
        if body.is_empty() || body.len() > 6 || !body.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        exp = exp_text.parse::<i64>().map_err(|_| err())?;
        i = b.len();
    }
    if i != b.len() {
        return Err(err());
    }
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let significant = digits.trim_start_matches('0').trim_end_matches('0');
    if significant.is_empty() {
        return Ok(()); // zero
    }
    if significant.len() > 38 {
        return Err(format!(
            "Number attribute value \"{s}\" has more than 38 significant digits"
        ));
    }
    // Decimal exponent of the most significant digit.
    let magnitude = int_digits - 1 - leading as i64 + exp;
    if !(-128..=125).contains(&magnitude) {
        return Err(format!(
            "Number attribute value \"{s}\" is outside the range 1E-128 to 1E+126"
        ));
    }
    Ok(())
}

fn normalise_one(name: &str, v: &Value) -> Result<Value, String> {
    let mut out = Map::new();
    match v {
        Value::String(s) => {
            out.insert("DataType".into(), Value::from("String"));
            out.insert("StringValue".into(), Value::from(s.as_str()));
        }
        Value::Number(n) => {
            out.insert("DataType".into(), Value::from("Number"));
            out.insert("StringValue".into(), Value::from(n.to_string()));
        }
        Value::Array(items) => {
            if !items.iter().all(|x| {
                matches!(
                    x,
                    Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
                )
            }) {
                return Err(format!(
                    "message attribute \"{name}\": a String.Array may hold only strings, numbers, booleans and null"
                ));
            }
            out.insert("DataType".into(), Value::from("String.Array"));
            out.insert(
                "StringValue".into(),
                Value::from(Value::Array(items.clone()).to_string()),
            );
        }
        Value::Object(m) => {
            let data_type = m.get("DataType").and_then(Value::as_str).ok_or_else(|| {
                format!("message attribute \"{name}\" has no string \"DataType\"")
            })?;
            if let Some(extra) = m
                .keys()
                .find(|k| !matches!(k.as_str(), "DataType" | "StringValue" | "BinaryValue"))
            {
                return Err(format!(
                    "message attribute \"{name}\" has an unknown field \"{extra}\" (expected DataType, StringValue or BinaryValue)"
                ));
            }
            out.insert("DataType".into(), Value::from(data_type));
            let base = base_data_type(data_type);
            match (base, m.get("StringValue"), m.get("BinaryValue")) {
                (Some("Binary"), None, Some(Value::String(b))) => {
                    out.insert("BinaryValue".into(), Value::from(b.as_str()));
                }
                (Some("Binary"), _, _) => {
                    return Err(format!(
                        "message attribute \"{name}\" of type {data_type} needs a base64 \"BinaryValue\" (and no StringValue)"
                    ));
                }
                (Some(_), Some(sv), None) => {
                    let text = match sv {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => {
                            return Err(format!(
                                "message attribute \"{name}\": \"StringValue\" must be a string"
                            ));
                        }
                    };
                    out.insert("StringValue".into(), Value::from(text));
                }
                (Some(_), _, _) => {
                    return Err(format!(
                        "message attribute \"{name}\" of type {data_type} needs a \"StringValue\" (and no BinaryValue)"
                    ));
                }
                (None, _, _) => {
                    return Err(format!(
                        "message attribute \"{name}\" has data type \"{data_type}\"; expected String, Number or Binary, optionally followed by .<label>"
                    ));
                }
            }
        }
        Value::Bool(_) | Value::Null => {
            return Err(format!(
                "message attribute \"{name}\" must be a string, a number, an array of strings or {{\"DataType\", \"StringValue\" | \"BinaryValue\"}}"
            ));
        }
    }
    validate_normalised_value(name, &out)?;
    Ok(Value::Object(out))
}

fn validate_normalised_value(name: &str, attr: &Map<String, Value>) -> Result<(), String> {
    let data_type = attr.get("DataType").and_then(Value::as_str).unwrap_or("");
    if data_type.chars().count() > MAX_NAME_LEN {
        return Err(format!(
            "message attribute \"{name}\": data type longer than {MAX_NAME_LEN} characters"
        ));
    }
    if let Some(bad) = data_type.chars().find(|c| !is_allowed_message_char(*c)) {
        return Err(format!(
            "message attribute \"{name}\": data type contains the invalid character U+{:04X}",
            bad as u32
        ));
    }
    match base_data_type(data_type) {
        Some("Binary") => {
            let b = attr
                .get("BinaryValue")
                .and_then(Value::as_str)
                .unwrap_or("");
            match base64_decode(b) {
                Some(bytes) if !bytes.is_empty() => Ok(()),
                Some(_) => Err(format!("message attribute \"{name}\": empty BinaryValue")),
                None => Err(format!(
                    "message attribute \"{name}\": BinaryValue is not valid base64"
                )),
            }
        }
        Some(base) => {
            let s = attr
                .get("StringValue")
                .and_then(Value::as_str)
                .unwrap_or("");
            if s.is_empty() {
                return Err(format!(
                    "message attribute \"{name}\": StringValue must not be empty"
                ));
            }
            if let Some(bad) = s.chars().find(|c| !is_allowed_message_char(*c)) {
                return Err(format!(
                    "message attribute \"{name}\": value contains the invalid character U+{:04X}",
                    bad as u32
                ));
            }
            if base == "Number" {
                check_number_text(s).map_err(|e| format!("message attribute \"{name}\": {e}"))?;
            }
            Ok(())
        }
        None => Err(format!(
            "message attribute \"{name}\" has data type \"{data_type}\"; expected String, Number or Binary"
        )),
    }
}

/// Normalises message attributes given as `{name: "text" | number | ["a", "b"] |
/// {"DataType", "StringValue"} | {"DataType": "Binary…", "BinaryValue": base64}}` into
/// `{name: {"DataType", "StringValue" | "BinaryValue"}}` (names in the given order), checking the
/// SQS rules: at most 10 attributes, names per [`validate_attribute_name`], data type `String`,
/// `Number` or `Binary` optionally followed by `.<label>` (≤ 256 characters), non-empty values,
/// `Number` values per [`validate_number_text`], `Binary` values valid non-empty base64.
///
/// A bare string is a `String`, a bare number a `Number` (its JSON text), an array of scalars a
/// `String.Array` (its JSON text, the SNS array type). `null` means no attributes.
pub fn normalize_attributes(v: &Value) -> Result<Value, EventError> {
    normalise_all(v).map_err(EventError::Attributes)
}

fn normalise_all(v: &Value) -> Result<Value, String> {
    let m = match v {
        Value::Null => return Ok(Value::Object(Map::new())),
        Value::Object(m) => m,
        _ => return Err("message attributes must be an object {name: value}".into()),
    };
    if m.len() > MAX_ATTRIBUTES {
        return Err(format!(
            "a message may have at most {MAX_ATTRIBUTES} message attributes ({} given)",
            m.len()
        ));
    }
    let mut out = Map::new();
    for (name, value) in m {
        check_attribute_name(name)?;
        out.insert(name.clone(), normalise_one(name, value)?);
    }
    Ok(Value::Object(out))
}

fn push_len_prefixed(buf: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// `MD5OfMessageAttributes` as SQS computes it, from normalised attributes: for each attribute in
/// ascending order of name, the name, the data type (each as a 4-byte big-endian length then its
/// UTF-8 bytes), one transport byte (1 for String/Number types, 2 for Binary), then the value
/// (4-byte length + UTF-8 bytes of the StringValue, or + the decoded bytes of the BinaryValue);
/// the MD5 of all that, lower-case hex. `None` when there are no attributes (or `normalised` is
/// not an object).
pub fn md5_of_message_attributes(normalised: &Value) -> Option<String> {
    let m = normalised.as_object()?;
    if m.is_empty() {
        return None;
    }
    let mut names: Vec<&String> = m.keys().collect();
    names.sort();
    let mut buf = Vec::new();
    for name in names {
        let attr = &m[name.as_str()];
        let data_type = attr.get("DataType").and_then(Value::as_str).unwrap_or("");
        push_len_prefixed(&mut buf, name.as_bytes());
        push_len_prefixed(&mut buf, data_type.as_bytes());
        if base_data_type(data_type) == Some("Binary") {
            buf.push(2);
            let b = attr
                .get("BinaryValue")
                .and_then(Value::as_str)
                .unwrap_or("");
            let bytes = base64_decode(b).unwrap_or_default();
            push_len_prefixed(&mut buf, &bytes);
        } else {
            buf.push(1);
            let s = attr
                .get("StringValue")
                .and_then(Value::as_str)
                .unwrap_or("");
            push_len_prefixed(&mut buf, s.as_bytes());
        }
    }
    Some(md5_hex(&buf))
}

/// The Lambda event's camelCase form of normalised attributes:
/// `{name: {"stringValue" | "binaryValue", "stringListValues": [], "binaryListValues": [],
/// "dataType"}}`.
pub fn lambda_message_attributes(normalised: &Value) -> Value {
    let mut out = Map::new();
    if let Some(m) = normalised.as_object() {
        for (name, attr) in m {
            let data_type = attr
                .get("DataType")
                .and_then(Value::as_str)
                .unwrap_or("String");
            let mut a = Map::new();
            if base_data_type(data_type) == Some("Binary") {
                let b = attr
                    .get("BinaryValue")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                a.insert("binaryValue".into(), Value::from(b));
            } else {
                let s = attr
                    .get("StringValue")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                a.insert("stringValue".into(), Value::from(s));
            }
            a.insert("stringListValues".into(), Value::Array(Vec::new()));
            a.insert("binaryListValues".into(), Value::Array(Vec::new()));
            a.insert("dataType".into(), Value::from(data_type));
            out.insert(name.clone(), Value::Object(a));
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// The Lambda event.
// ---------------------------------------------------------------------------------------------

/// FIFO-queue metadata of a received message.
#[derive(Clone, Copy, Debug)]
pub struct FifoInfo<'a> {
    /// `MessageGroupId`.
    pub group_id: &'a str,
    /// `MessageDeduplicationId` (given, or the SHA-256 of the body with content-based
    /// deduplication; computed by the caller).
    pub deduplication_id: &'a str,
    /// `SequenceNumber`, a decimal string (see [`fifo_sequence_number`]).
    pub sequence_number: &'a str,
}

/// One received message, as the event source mapping passes it to the function.
#[derive(Clone, Copy, Debug)]
pub struct SqsRecord<'a> {
    /// `MessageId` (a UUID).
    pub message_id: &'a str,
    /// This receive's handle, see [`receipt_handle`].
    pub receipt_handle: &'a str,
    /// The message body.
    pub body: &'a str,
    /// Normalised message attributes (see [`normalize_attributes`]); `{}` or `null` for none.
    pub message_attributes: &'a Value,
    /// `ApproximateReceiveCount`, counting this receive.
    pub approximate_receive_count: u32,
    /// `SentTimestamp`, epoch milliseconds.
    pub sent_timestamp_ms: i64,
    /// `ApproximateFirstReceiveTimestamp`, epoch milliseconds.
    pub first_receive_timestamp_ms: i64,
    /// `SenderId` (see [`sender_id`]).
    pub sender_id: &'a str,
    /// Queue name (`….fifo` for FIFO queues).
    pub queue: &'a str,
    /// FIFO metadata, `None` for standard queues.
    pub fifo: Option<FifoInfo<'a>>,
}

/// A FIFO `SequenceNumber` for the `n`-th message of a queue: 20 decimal digits, growing with
/// `n` (AWS documents only "large, non-consecutive"; its examples have 20 digits).
pub fn fifo_sequence_number(n: u64) -> String {
    // 18849496460467696128 is the Lambda guide's example; start in the same range.
    let base: u128 = 18_849_496_460_467_696_128;
    format!("{}", base + (n as u128) * 4096)
}

/// One `Records[]` entry of the SQS event (see the module documentation for the shape).
pub fn record(env: &AwsEnv, r: &SqsRecord) -> Value {
    let mut attributes = Map::new();
    attributes.insert(
        "ApproximateReceiveCount".into(),
        Value::from(r.approximate_receive_count.to_string()),
    );
    attributes.insert(
        "SentTimestamp".into(),
        Value::from(r.sent_timestamp_ms.to_string()),
    );
    if let Some(f) = &r.fifo {
        attributes.insert("SequenceNumber".into(), Value::from(f.sequence_number));
        attributes.insert("MessageGroupId".into(), Value::from(f.group_id));
    }
    attributes.insert("SenderId".into(), Value::from(r.sender_id));
    if let Some(f) = &r.fifo {
        attributes.insert(
            "MessageDeduplicationId".into(),
            Value::from(f.deduplication_id),
        );
    }
    attributes.insert(
        "ApproximateFirstReceiveTimestamp".into(),
        Value::from(r.first_receive_timestamp_ms.to_string()),
    );

    let mut rec = Map::new();
    rec.insert("messageId".into(), Value::from(r.message_id));
    rec.insert("receiptHandle".into(), Value::from(r.receipt_handle));
    rec.insert("body".into(), Value::from(r.body));
    rec.insert("attributes".into(), Value::Object(attributes));
    rec.insert(
        "messageAttributes".into(),
        lambda_message_attributes(r.message_attributes),
    );
    rec.insert("md5OfBody".into(), Value::from(md5_hex(r.body.as_bytes())));
    if let Some(md5) = md5_of_message_attributes(r.message_attributes) {
        rec.insert("md5OfMessageAttributes".into(), Value::from(md5));
    }
    rec.insert("eventSource".into(), Value::from("aws:sqs"));
    rec.insert("eventSourceARN".into(), Value::from(env.sqs_arn(r.queue)));
    rec.insert("awsRegion".into(), Value::from(env.region.as_str()));
    Value::Object(rec)
}

/// The event: `{"Records": records}`.
pub fn event(records: Vec<Value>) -> Value {
    let mut ev = Map::new();
    ev.insert("Records".into(), Value::Array(records));
    Value::Object(ev)
}
