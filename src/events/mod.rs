//! Builders of the exact JSON events AWS sends to Lambda handlers, and related AWS payload logic.
//!
//! Every builder is a pure function: ids, times and anything random are passed in by the caller
//! (the simulator owns the one seeded RNG and the virtual clock). Nothing here reads a clock,
//! draws a random number or panics, whatever the input. Objects are built directly as
//! [`serde_json::Map`]s with keys in the order AWS's documented examples use (the crate enables
//! serde_json's `preserve_order`), because traces are compared byte for byte.
//!
//! | module | what |
//! | --- | --- |
//! | [`time`] | the timestamp formats AWS uses (ISO millis / seconds, CLF, epoch millis) |
//! | [`json_text`] | JSON text written straight into bytes as serde_json writes it (the trace and events built on demand) |
//! | [`apigw`] | API Gateway: route selection, proxy requests (payload 1.0 and 2.0), response interpretation, gateway errors |
//! | [`eventbridge`] | EventBridge envelopes, scheduled events, target input shaping (Input, InputPath, InputTransformer) |
//! | [`s3`] | S3 event notifications, key encoding, eTags, event-type matching, S3 → EventBridge events |
//! | [`lambda`] | asynchronous-invocation destination records and Lambda error payloads |
//! | [`sqs`] | SQS → Lambda events, message attributes (normalisation, MD5), receipt handles |
//! | [`sns`] | SNS → Lambda events, the SNS envelope in SQS bodies, raw delivery, filter-policy view |
//! | [`dynamodb`] | attribute values, item sizes, DynamoDB Streams records, stream on-failure records |
//!
//! Values the simulator has no source for and that AWS fills from the caller's network or IAM
//! identity (client IP, principal ids) use the fixed, documented stand-ins of this module
//! ([`SOURCE_IP`], [`AwsEnv::principal_id`], …), derived deterministically from the account.

pub mod apigw;
pub mod dynamodb;
mod error;
pub mod eventbridge;
pub mod json_text;
pub mod lambda;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod time;

#[cfg(test)]
mod tests;

pub use apigw::{
    ApiProtocol, GatewayError, HttpRequest, HttpResponse, RouteMatch, RouteTable, gateway_error,
    interpret_response, v1_request, v2_request,
};
pub use dynamodb::{
    StreamBatchFailure, StreamChange, StreamView, from_attribute_value, item_size_bytes,
    item_to_attribute_map, stream_event, stream_failure_record, stream_record, to_attribute_value,
};
pub use error::EventError;
pub use eventbridge::{
    TargetInput, envelope, scheduled_event, target_input, validate_json_path, validate_transformer,
};
pub use lambda::{destination_record, error_object, timeout_error};
pub use s3::{
    S3Notice, etag, event_matches, eventbridge_detail_event, record_event, url_encode_key,
    validate_event_type,
};
pub use sns::{SnsNotice, filter_view, raw_delivery_attributes, sqs_envelope};
pub use sqs::{
    FifoInfo, SqsRecord, md5_hex, md5_of_message_attributes, normalize_attributes, receipt_handle,
};
pub use time::{clf_time, epoch_millis, iso_millis, iso_seconds};

use md5::{Digest, Md5};

/// Client IP address used wherever AWS reports the caller's address (API Gateway `sourceIp`,
/// S3 `sourceIPAddress`). 192.0.2.0/24 is TEST-NET-1, the block AWS's own examples use.
pub const SOURCE_IP: &str = "192.0.2.1";

/// The region and account every ARN and event field is built from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AwsEnv {
    /// Region code, e.g. `us-east-1`.
    pub region: String,
    /// 12-digit account id.
    pub account_id: String,
}

impl Default for AwsEnv {
    /// The scenario defaults: `us-east-1`, account `123456789012`.
    fn default() -> Self {
        AwsEnv {
            region: "us-east-1".to_string(),
            account_id: "123456789012".to_string(),
        }
    }
}

impl AwsEnv {
    /// An environment for `region` and `account_id`.
    pub fn new(region: impl Into<String>, account_id: impl Into<String>) -> Self {
        AwsEnv {
            region: region.into(),
            account_id: account_id.into(),
        }
    }

    /// ARN partition of the region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, else `aws`.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        let mut s = String::with_capacity(
            16 + service.len() + self.region.len() + self.account_id.len() + resource.len(),
        );
        s.push_str("arn:");
        s.push_str(self.partition());
        s.push(':');
        s.push_str(service);
        s.push(':');
        s.push_str(&self.region);
        s.push(':');
        s.push_str(&self.account_id);
        s.push(':');
        s.push_str(resource);
        s
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>` (unqualified).
    pub fn lambda_arn(&self, name: &str) -> String {
        self.arn("lambda", &format!("function:{name}"))
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>:$LATEST`, the qualified ARN in
    /// destination records.
    pub fn lambda_arn_latest(&self, name: &str) -> String {
        self.arn("lambda", &format!("function:{name}:$LATEST"))
    }

    /// Rule on the `default` bus: `arn:aws:events:<region>:<account>:rule/<name>`.
    pub fn events_rule_arn(&self, name: &str) -> String {
        self.arn("events", &format!("rule/{name}"))
    }

    /// Rule on a named bus: `…:rule/<bus>/<name>`; the `default` bus gives `…:rule/<name>`.
    pub fn events_rule_arn_on_bus(&self, bus: &str, name: &str) -> String {
        if bus == "default" {
            self.events_rule_arn(name)
        } else {
            self.arn("events", &format!("rule/{bus}/{name}"))
        }
    }

    /// `arn:aws:events:<region>:<account>:event-bus/<name>`.
    pub fn event_bus_arn(&self, name: &str) -> String {
        self.arn("events", &format!("event-bus/{name}"))
    }

    /// EventBridge Scheduler schedule in the `default` group:
    /// `arn:aws:scheduler:<region>:<account>:schedule/default/<name>`.
    pub fn scheduler_arn(&self, name: &str) -> String {
        self.arn("scheduler", &format!("schedule/default/{name}"))
    }

    /// `arn:aws:s3:::<bucket>` (S3 bucket ARNs have no region or account).
    pub fn s3_bucket_arn(&self, name: &str) -> String {
        format!("arn:{}:s3:::{name}", self.partition())
    }

    /// `arn:aws:sqs:<region>:<account>:<name>`.
    pub fn sqs_arn(&self, name: &str) -> String {
        self.arn("sqs", name)
    }

    /// `https://sqs.<region>.amazonaws.com/<account>/<name>`.
    pub fn sqs_url(&self, name: &str) -> String {
        format!(
            "https://sqs.{}.amazonaws.com/{}/{name}",
            self.region, self.account_id
        )
    }

    /// `arn:aws:sns:<region>:<account>:<name>`.
    pub fn sns_arn(&self, name: &str) -> String {
        self.arn("sns", name)
    }

    /// `arn:aws:states:<region>:<account>:stateMachine:<name>`.
    pub fn states_arn(&self, name: &str) -> String {
        self.arn("states", &format!("stateMachine:{name}"))
    }

    /// `arn:aws:states:<region>:<account>:execution:<machine>:<execution>`.
    pub fn states_execution_arn(&self, machine: &str, execution: &str) -> String {
        self.arn("states", &format!("execution:{machine}:{execution}"))
    }

    /// `arn:aws:dynamodb:<region>:<account>:table/<name>`.
    pub fn dynamodb_table_arn(&self, name: &str) -> String {
        self.arn("dynamodb", &format!("table/{name}"))
    }

    /// `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`; the label is the
    /// stream's creation time, e.g. `2026-01-01T00:00:00.000`.
    pub fn dynamodb_stream_arn(&self, name: &str, label: &str) -> String {
        self.arn("dynamodb", &format!("table/{name}/stream/{label}"))
    }

    /// `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>`.
    pub fn execute_api_arn(&self, api_id: &str, stage: &str, method: &str, path: &str) -> String {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.arn("execute-api", &format!("{api_id}/{stage}/{method}/{path}"))
    }

    /// `<api-id>.execute-api.<region>.amazonaws.com`.
    pub fn api_domain(&self, api_id: &str) -> String {
        format!("{api_id}.execute-api.{}.amazonaws.com", self.region)
    }

    /// Stand-in IAM principal of the simulated caller, in the form S3 writes into
    /// `userIdentity.principalId` for a signed request: `AWS:AIDA` + 17 characters, derived
    /// from the account id (same account ⇒ same id).
    pub fn principal_id(&self) -> String {
        let mut s = String::from("AWS:AIDA");
        push_base32_id(&mut s, &["principal", &self.account_id], 17);
        s
    }

    /// Stand-in canonical-style id of the bucket owner (`s3.bucket.ownerIdentity.principalId`):
    /// `A` + 13 characters derived from the account id.
    pub fn owner_principal_id(&self) -> String {
        let mut s = String::from("A");
        push_base32_id(&mut s, &["owner", &self.account_id], 13);
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (crate-visible).
// ---------------------------------------------------------------------------------------------

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// MD5 of the concatenation of `parts`.
pub(crate) fn md5_of(parts: &[&str]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX_LOWER[(b >> 4) as usize] as char);
        s.push(HEX_LOWER[(b & 15) as usize] as char);
    }
    s
}

/// Appends `n` characters of RFC 4648 base32 (A–Z, 2–7) taken from MD5 digests of `parts`
/// (re-hashed as needed), giving stable, realistic-looking AWS ids.
pub(crate) fn push_base32_id(out: &mut String, parts: &[&str], n: usize) {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut digest = md5_of(parts);
    let mut written = 0;
    while written < n {
        for &b in digest.iter() {
            if written == n {
                break;
            }
            out.push(ALPHABET[(b & 31) as usize] as char);
            written += 1;
        }
        let hex = hex_lower(&digest);
        digest = md5_of(&[&hex]);
    }
}

/// Percent-encodes `s` (UTF-8 bytes), keeping bytes for which `keep` is true. A space becomes
/// `+` when `space_plus`, else `%20`.
pub(crate) fn percent_encode(s: &str, keep: fn(u8) -> bool, space_plus: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else if b == b' ' && space_plus {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX_UPPER[(b >> 4) as usize] as char);
            out.push(HEX_UPPER[(b & 15) as usize] as char);
        }
    }
    out
}

/// RFC 3986 unreserved characters.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (invalid escapes are kept as written; invalid UTF-8 is replaced by
/// U+FFFD). With `plus_space`, `+` decodes to a space (form / query-string decoding).
pub(crate) fn percent_decode(s: &str, plus_space: bool) -> String {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_space && b == b'+'))
    {
        return s.to_string();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        if b == b'+' && plus_space {
            out.push(b' ');
        } else {
            out.push(b);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
