//! Amazon DynamoDB: attribute values (plain JSON ⇄ DynamoDB JSON), item sizes, DynamoDB Streams
//! records as Lambda receives them, and the record a stream event source mapping sends to its
//! on-failure destination.
//!
//! * Attribute values use DynamoDB's JSON: `{"S": "…"}`, `{"N": "123.45"}` (numbers as text),
//!   `{"B": "<base64>"}`, `{"BOOL": true}`, `{"NULL": true}`, `{"L": [...]}`, `{"M": {...}}`,
//!   `{"SS"|"NS"|"BS": [...]}`. Plain JSON maps onto the first seven; numbers are written the way
//!   DynamoDB returns them (integers as integers, other numbers in plain decimal notation with the
//!   fewest digits that round-trip, never an exponent, `-0` as `0`).
//! * Item sizes follow the developer guide's "Item sizes and formats" rules
//!   ([`attribute_value_size`]); a stream record's `SizeBytes` is the size of its `Keys` plus the
//!   images it carries, which reproduces the `SizeBytes` of AWS's published examples (26 / 59 / 38
//!   for the Lambda guide's INSERT / MODIFY / REMOVE records, 54 for the runtime fixture).
//! * Stream records: `eventID`, `eventName`, `eventVersion` `"1.1"`, `eventSource`
//!   `"aws:dynamodb"`, `awsRegion`, `dynamodb {ApproximateCreationDateTime (epoch seconds, a
//!   number), Keys, NewImage?, OldImage?, SequenceNumber, SizeBytes, StreamViewType}`,
//!   `eventSourceARN`. `NewImage` appears for `NEW_IMAGE` / `NEW_AND_OLD_IMAGES` streams on INSERT
//!   and MODIFY, `OldImage` for `OLD_IMAGE` / `NEW_AND_OLD_IMAGES` streams on MODIFY and REMOVE;
//!   `KEYS_ONLY` streams carry neither.

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};

use super::AwsEnv;
use super::apigw::base64_decode;
use super::time::{iso_millis, iso_seconds};

// ---------------------------------------------------------------------------------------------
// Attribute values.
// ---------------------------------------------------------------------------------------------

/// DynamoDB's text for a JSON number: integers as written, other numbers in plain decimal
/// notation with the shortest round-tripping digits (`1e21` → `1000000000000000000000`,
/// `1.5e-7` → `0.00000015`, `2.50` → `2.5`), `-0` as `0`.
pub fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f == 0.0 || !f.is_finite() {
        return "0".into();
    }
    format!("{f}")
}

/// Plain JSON → DynamoDB attribute value: string → `S`, number → `N` (see [`number_text`]),
/// bool → `BOOL`, null → `{"NULL": true}`, array → `L`, object → `M` (recursively, keys in
/// order).
pub fn to_attribute_value(v: &Value) -> Value {
    let mut av = Map::new();
    match v {
        Value::String(s) => {
            av.insert("S".into(), Value::from(s.as_str()));
        }
        Value::Number(n) => {
            av.insert("N".into(), Value::from(number_text(n)));
        }
        Value::Bool(b) => {
            av.insert("BOOL".into(), Value::from(*b));
        }
        Value::Null => {
            av.insert("NULL".into(), Value::from(true));
        }
        Value::Array(items) => {
            av.insert(
                "L".into(),
                Value::Array(items.iter().map(to_attribute_value).collect()),
            );
        }
        Value::Object(m) => {
            av.insert("M".into(), object_to_attribute_map(m));
        }
    }
    Value::Object(av)
}

fn object_to_attribute_map(m: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (k, v) in m {
        out.insert(k.clone(), to_attribute_value(v));
    }
    Value::Object(out)
}

/// Plain JSON object → `{name: attribute value}`; anything but an object gives `{}`.
pub fn item_to_attribute_map(item: &Value) -> Value {
    match item.as_object() {
        Some(m) => object_to_attribute_map(m),
        None => Value::Object(Map::new()),
    }
}

/// The JSON number of DynamoDB number text: an integer when it is one and fits 64 bits, else a
/// float (precision beyond an `f64` is lost); `None` if not a finite number.
fn number_from_text(s: &str) -> Option<Value> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    if let Ok(u) = t.parse::<u64>() {
        return Some(Value::from(u));
    }
    let f = t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Some(Value::from(f as i64));
    }
    Number::from_f64(f).map(Value::Number)
}

/// The single `(type, value)` entry of an attribute value.
fn av_entry(av: &Value) -> Option<(&str, &Value)> {
    let m = av.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// DynamoDB attribute value → plain JSON: `S` → string, `N` → number, `B` → its base64 string,
/// `BOOL` → bool, `NULL` → null, `L` → array, `M` → object, `SS` / `NS` / `BS` → arrays of
/// strings / numbers / base64 strings. `None` for anything malformed (also nested).
pub fn from_attribute_value(av: &Value) -> Option<Value> {
    let (t, v) = av_entry(av)?;
    Some(match t {
        "S" | "B" => Value::from(v.as_str()?),
        "N" => number_from_text(v.as_str()?)?,
        "BOOL" => Value::from(v.as_bool()?),
        "NULL" => {
            v.as_bool()?;
            Value::Null
        }
        "L" => Value::Array(
            v.as_array()?
                .iter()
                .map(from_attribute_value)
                .collect::<Option<Vec<_>>>()?,
        ),
        "M" => attribute_map_to_item(v)?,
        "SS" | "BS" => Value::Array(
            v.as_array()?
                .iter()
                .map(|x| x.as_str().map(Value::from))
                .collect::<Option<Vec<_>>>()?,
        ),
        "NS" => Value::Array(
            v.as_array()?
                .iter()
                .map(|x| x.as_str().and_then(number_from_text))
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
}

/// `{name: attribute value}` → plain JSON object; `None` if anything is malformed.
pub fn attribute_map_to_item(map: &Value) -> Option<Value> {
    let m = map.as_object()?;
    let mut out = Map::new();
    for (k, v) in m {
        out.insert(k.clone(), from_attribute_value(v)?);
    }
    Some(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// Item sizes.
// ---------------------------------------------------------------------------------------------

/// Storage size of a number given as text: 1 byte per two significant digits (rounded up; leading
/// and trailing zeros don't count) plus 1 byte, plus 1 more for a negative number. Zero is 1 byte.
pub fn number_size(text: &str) -> u64 {
    let t = text.trim();
    let negative = t.starts_with('-');
    let mantissa = t.split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len() as u64;
    if significant == 0 {
        return 1;
    }
    significant.div_ceil(2) + 1 + u64::from(negative)
}

fn binary_size(b64: &str) -> u64 {
    base64_decode(b64)
        .map(|b| b.len() as u64)
        .unwrap_or(b64.len() as u64)
}

/// Size of one attribute value, without its name: a string's UTF-8 bytes, a binary's raw bytes,
/// a number per [`number_size`], 1 byte for a boolean or null, the sum of the members for a set,
/// and for a list or map 3 bytes plus, per element, its size (a map element's name included) and
/// 1 byte. Malformed values count 0.
pub fn attribute_value_size(av: &Value) -> u64 {
    let Some((t, v)) = av_entry(av) else {
        return 0;
    };
    let strs = || v.as_array().into_iter().flatten().filter_map(Value::as_str);
    match t {
        "S" => v.as_str().map(|s| s.len() as u64).unwrap_or(0),
        "N" => v.as_str().map(number_size).unwrap_or(0),
        "B" => v.as_str().map(binary_size).unwrap_or(0),
        "BOOL" | "NULL" => 1,
        "SS" => strs().map(|s| s.len() as u64).sum(),
        "NS" => strs().map(number_size).sum(),
        "BS" => strs().map(binary_size).sum(),
        "L" => {
            3 + v
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| attribute_value_size(e) + 1)
                .sum::<u64>()
        }
        "M" => {
            3 + v
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, e)| k.len() as u64 + attribute_value_size(e) + 1)
                .sum::<u64>()
        }
        _ => 0,
    }
}

/// Size of `{name: attribute value}`: for each attribute, its name's UTF-8 bytes plus
/// [`attribute_value_size`].
pub fn attribute_map_size_bytes(map: &Value) -> u64 {
    map.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| k.len() as u64 + attribute_value_size(v))
        .sum()
}

/// Size of a plain JSON item (an object) by DynamoDB's rules, see [`attribute_value_size`];
/// anything but an object is 0.
pub fn item_size_bytes(item: &Value) -> u64 {
    attribute_map_size_bytes(&item_to_attribute_map(item))
}

// ---------------------------------------------------------------------------------------------
// Stream records.
// ---------------------------------------------------------------------------------------------

/// A stream's `StreamViewType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamView {
    /// `KEYS_ONLY`.
    KeysOnly,
    /// `NEW_IMAGE`.
    NewImage,
    /// `OLD_IMAGE`.
    OldImage,
    /// `NEW_AND_OLD_IMAGES`.
    NewAndOldImages,
}

impl StreamView {
    /// Every view type.
    pub const ALL: [StreamView; 4] = [
        StreamView::KeysOnly,
        StreamView::NewImage,
        StreamView::OldImage,
        StreamView::NewAndOldImages,
    ];

    /// The API name: `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE`, `NEW_AND_OLD_IMAGES`.
    pub fn aws_name(self) -> &'static str {
        match self {
            StreamView::KeysOnly => "KEYS_ONLY",
            StreamView::NewImage => "NEW_IMAGE",
            StreamView::OldImage => "OLD_IMAGE",
            StreamView::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    /// Parses an API name (exact, upper case).
    pub fn from_aws_name(s: &str) -> Option<StreamView> {
        StreamView::ALL.into_iter().find(|v| v.aws_name() == s)
    }

    /// Whether records carry the item as it is after the change.
    pub fn has_new(self) -> bool {
        matches!(self, StreamView::NewImage | StreamView::NewAndOldImages)
    }

    /// Whether records carry the item as it was before the change.
    pub fn has_old(self) -> bool {
        matches!(self, StreamView::OldImage | StreamView::NewAndOldImages)
    }
}

/// One item change to put in a stream record.
#[derive(Clone, Copy, Debug)]
pub struct StreamChange<'a> {
    /// Table name.
    pub table: &'a str,
    /// The stream's label (its creation time, e.g. `2026-01-01T00:00:00.000`), the last part of
    /// the stream ARN.
    pub stream_label: &'a str,
    /// `eventID` (AWS uses 32 hex digits).
    pub event_id: &'a str,
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: &'a str,
    /// The item's key attributes, plain JSON.
    pub keys: &'a Value,
    /// The item before the change (plain JSON), for MODIFY and REMOVE.
    pub old_image: Option<&'a Value>,
    /// The item after the change (plain JSON), for INSERT and MODIFY.
    pub new_image: Option<&'a Value>,
    /// `SequenceNumber`, a decimal string (see [`sequence_number`]).
    pub sequence_number: &'a str,
    /// The stream's view type.
    pub view: StreamView,
    /// When the change was made (`ApproximateCreationDateTime`, whole seconds).
    pub time: DateTime<Utc>,
    /// A REMOVE made by Time to Live: the record names the service as its `userIdentity`
    /// (`{"type": "Service", "principalId": "dynamodb.amazonaws.com"}`, DynamoDB Developer Guide,
    /// "DynamoDB Streams and Time to Live").
    pub by_ttl: bool,
}

/// A stream `SequenceNumber` for the `n`-th change of a table: 21 decimal digits, growing with
/// `n` (AWS documents only that they increase; the Lambda guide's example is
/// `800000000003126276362`).
pub fn sequence_number(n: u64) -> String {
    let base: u128 = 800_000_000_000_000_000_000;
    format!("{}", base + (n as u128) * 100)
}

/// A shard id shaped like DynamoDB Streams': `shardId-` + the shard's creation time in epoch
/// milliseconds (20 digits) + `-` + 8 hex digits derived from `seed`.
pub fn shard_id(created_ms: i64, seed: &str) -> String {
    let hex = super::hex_lower(&super::md5_of(&["shard", seed]));
    format!("shardId-{:020}-{}", created_ms.max(0), &hex[..8])
}

/// One `Records[]` entry of a DynamoDB Streams event (see the module documentation).
pub fn stream_record(env: &AwsEnv, c: &StreamChange) -> Value {
    let keys = item_to_attribute_map(c.keys);
    let new_image = c
        .new_image
        .filter(|_| c.view.has_new() && c.event_name != "REMOVE")
        .map(item_to_attribute_map);
    let old_image = c
        .old_image
        .filter(|_| c.view.has_old() && c.event_name != "INSERT")
        .map(item_to_attribute_map);
    let size = attribute_map_size_bytes(&keys)
        + new_image
            .as_ref()
            .map(attribute_map_size_bytes)
            .unwrap_or(0)
        + old_image
            .as_ref()
            .map(attribute_map_size_bytes)
            .unwrap_or(0);

    let mut ddb = Map::new();
    ddb.insert(
        "ApproximateCreationDateTime".into(),
        Value::from(c.time.timestamp()),
    );
    ddb.insert("Keys".into(), keys);
    if let Some(img) = new_image {
        ddb.insert("NewImage".into(), img);
    }
    if let Some(img) = old_image {
        ddb.insert("OldImage".into(), img);
    }
    ddb.insert("SequenceNumber".into(), Value::from(c.sequence_number));
    ddb.insert("SizeBytes".into(), Value::from(size));
    ddb.insert("StreamViewType".into(), Value::from(c.view.aws_name()));

    let mut rec = Map::new();
    rec.insert("eventID".into(), Value::from(c.event_id));
    rec.insert("eventName".into(), Value::from(c.event_name));
    rec.insert("eventVersion".into(), Value::from("1.1"));
    rec.insert("eventSource".into(), Value::from("aws:dynamodb"));
    rec.insert("awsRegion".into(), Value::from(env.region.as_str()));
    rec.insert("dynamodb".into(), Value::Object(ddb));
    if c.by_ttl {
        let mut identity = Map::new();
        identity.insert("type".into(), Value::from("Service"));
        identity.insert("principalId".into(), Value::from("dynamodb.amazonaws.com"));
        rec.insert("userIdentity".into(), Value::Object(identity));
    }
    rec.insert(
        "eventSourceARN".into(),
        Value::from(env.dynamodb_stream_arn(c.table, c.stream_label)),
    );
    Value::Object(rec)
}

/// The event: `{"Records": records}`.
pub fn stream_event(records: Vec<Value>) -> Value {
    let mut ev = Map::new();
    ev.insert("Records".into(), Value::Array(records));
    Value::Object(ev)
}

// ---------------------------------------------------------------------------------------------
// On-failure destination record.
// ---------------------------------------------------------------------------------------------

/// `requestContext.condition` values of a stream batch sent to an on-failure destination.
pub const STREAM_FAILURE_CONDITIONS: [&str; 2] = ["RetryAttemptsExhausted", "RecordAgeExceeded"];

/// The `responseContext` of the last invocation of a failed batch.
#[derive(Clone, Copy, Debug)]
pub struct FailureResponse<'a> {
    /// `statusCode`: 200 when the function ran (also when it failed).
    pub status_code: u16,
    /// `executedVersion`, e.g. `$LATEST`.
    pub executed_version: &'a str,
    /// `functionError` (`Unhandled` / `Handled`); omitted when `None` (e.g. a partial batch
    /// response that reported failures).
    pub function_error: Option<&'a str>,
}

/// A stream batch that an event source mapping gave up on.
#[derive(Clone, Copy, Debug)]
pub struct StreamBatchFailure<'a> {
    /// `requestContext.requestId` (a UUID).
    pub request_id: &'a str,
    /// `requestContext.functionArn` (the Lambda guide's example shows the unqualified ARN).
    pub function_arn: &'a str,
    /// One of [`STREAM_FAILURE_CONDITIONS`].
    pub condition: &'a str,
    /// `requestContext.approximateInvokeCount`: invocations made for this batch.
    pub approximate_invoke_count: u32,
    /// The last invocation's outcome; `None` leaves `responseContext` out (records discarded
    /// before any invocation).
    pub response: Option<FailureResponse<'a>>,
    /// When the batch was discarded (`timestamp`, ISO-8601 with milliseconds).
    pub time: DateTime<Utc>,
    /// `shardId` of the batch's shard (see [`shard_id`]).
    pub shard_id: &'a str,
    /// `SequenceNumber` of the batch's first record.
    pub start_sequence_number: &'a str,
    /// `SequenceNumber` of the batch's last record.
    pub end_sequence_number: &'a str,
    /// `ApproximateCreationDateTime` of the first record (written in whole seconds).
    pub first_record_arrival: DateTime<Utc>,
    /// `ApproximateCreationDateTime` of the last record (written in whole seconds).
    pub last_record_arrival: DateTime<Utc>,
    /// Records in the batch.
    pub batch_size: u32,
    /// The stream ARN ([`AwsEnv::dynamodb_stream_arn`]).
    pub stream_arn: &'a str,
}

/// The invocation record a DynamoDB stream event source mapping sends to its on-failure
/// destination (SQS or SNS), following the Lambda guide's example key for key:
/// `requestContext {requestId, functionArn, condition, approximateInvokeCount}`,
/// `responseContext {statusCode, executedVersion, functionError?}`, `version` `"1.0"`,
/// `timestamp`, `DDBStreamBatchInfo {shardId, startSequenceNumber, endSequenceNumber,
/// approximateArrivalOfFirstRecord, approximateArrivalOfLastRecord, batchSize, streamArn}`. The
/// records themselves are not included (the destination gets metadata to read them back from the
/// stream).
pub fn stream_failure_record(f: &StreamBatchFailure) -> Value {
    let mut request_context = Map::new();
    request_context.insert("requestId".into(), Value::from(f.request_id));
    request_context.insert("functionArn".into(), Value::from(f.function_arn));
    request_context.insert("condition".into(), Value::from(f.condition));
    request_context.insert(
        "approximateInvokeCount".into(),
        Value::from(f.approximate_invoke_count),
    );

    let mut info = Map::new();
    info.insert("shardId".into(), Value::from(f.shard_id));
    info.insert(
        "startSequenceNumber".into(),
        Value::from(f.start_sequence_number),
    );
    info.insert(
        "endSequenceNumber".into(),
        Value::from(f.end_sequence_number),
    );
    info.insert(
        "approximateArrivalOfFirstRecord".into(),
        Value::from(iso_seconds(f.first_record_arrival)),
    );
    info.insert(
        "approximateArrivalOfLastRecord".into(),
        Value::from(iso_seconds(f.last_record_arrival)),
    );
    info.insert("batchSize".into(), Value::from(f.batch_size));
    info.insert("streamArn".into(), Value::from(f.stream_arn));

    let mut rec = Map::new();
    rec.insert("requestContext".into(), Value::Object(request_context));
    if let Some(r) = &f.response {
        let mut response_context = Map::new();
        response_context.insert("statusCode".into(), Value::from(r.status_code));
        response_context.insert("executedVersion".into(), Value::from(r.executed_version));
        if let Some(fe) = r.function_error {
            response_context.insert("functionError".into(), Value::from(fe));
        }
        rec.insert("responseContext".into(), Value::Object(response_context));
    }
    rec.insert("version".into(), Value::from("1.0"));
    rec.insert("timestamp".into(), Value::from(iso_millis(f.time)));
    rec.insert("DDBStreamBatchInfo".into(), Value::Object(info));
    Value::Object(rec)
}
