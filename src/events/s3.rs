//! Amazon S3 event notifications: the `{"Records": [...]}` event sent to Lambda, SQS and SNS,
//! object-key encoding, eTags, notification event types, and the events S3 sends to
//! EventBridge.
//!
//! Choices made where AWS leaves room:
//! * `eventVersion` is `"2.1"`, the version S3 documents for object-created and object-removed
//!   notifications (2.2 is replication, 2.3 lifecycle/tagging/ACL/restore-delete);
//! * `versionId` (notifications) and `version-id` (EventBridge) are given for versioned buckets
//!   only (S3 omits them for unversioned ones); a delete marker's notice carries the marker's
//!   version id;
//! * removed objects carry no `size` or `eTag` in notifications;
//! * the caller's identity is [`AwsEnv::principal_id`], the bucket owner's is
//!   [`AwsEnv::owner_principal_id`], and the client address is [`SOURCE_IP`];
//! * keys are URL-encoded in notifications the way S3 documents ("red flower.jpg" becomes
//!   "red+flower.jpg"), see [`url_encode_key`]; the EventBridge `detail.object.key` is *not*
//!   encoded.

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::eventbridge::service_event;
use super::time::iso_millis;
use super::{AwsEnv, EventError, SOURCE_IP, hex_lower, percent_encode};

/// Event types a bucket notification configuration may name (the `Event` enumeration of the S3
/// API).
pub const EVENT_TYPES: [&str; 27] = [
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:Replication:OperationNotTracked",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
];

/// Bytes kept as-is by [`url_encode_key`]: the `application/x-www-form-urlencoded` unreserved
/// set (`A–Z a–z 0–9 - _ . *`) plus `/`, which S3 leaves unencoded in notification keys.
fn keep_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*' | b'/')
}

/// Encodes an object key as S3 writes it into event notifications: form encoding, a space
/// becomes `+`, `A–Z a–z 0–9 - _ . *` and `/` stay, every other byte of the UTF-8 key becomes
/// `%XX` (upper-case hex). `"red flower.jpg"` → `"red+flower.jpg"`, `"a+b"` → `"a%2Bb"`.
pub fn url_encode_key(key: &str) -> String {
    percent_encode(key, keep_key_byte, true)
}

/// The eTag S3 gives an object stored by a single-part PUT: the lower-case hex MD5 of its bytes
/// (without the quotes S3 puts around it in HTTP headers).
pub fn etag(body: &[u8]) -> String {
    let digest: [u8; 16] = Md5::digest(body).into();
    hex_lower(&digest)
}

/// The eTag S3 gives an object assembled by CompleteMultipartUpload: the MD5 of the parts'
/// binary MD5 digests, concatenated, then `-` and the number of parts (S3 User Guide, "Checking
/// object integrity": multipart eTags are not the MD5 of the object).
pub fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut digests = Vec::with_capacity(parts.len() * 16);
    for part in parts {
        let digest: [u8; 16] = Md5::digest(part).into();
        digests.extend_from_slice(&digest);
    }
    format!("{}-{}", etag(&digests), parts.len())
}

/// A sequencer for the `n`-th change to a bucket: 18 upper-case hex digits, growing with `n`
/// (S3 documents only that later events on a key have greater sequencers).
pub fn sequencer(n: u64) -> String {
    format!("{n:018X}")
}

/// One object change to notify about.
#[derive(Clone, Copy, Debug)]
pub struct S3Notice<'a> {
    /// Bucket name.
    pub bucket: &'a str,
    /// The object key, unencoded.
    pub key: &'a str,
    /// `"ObjectCreated:Put"`, `"ObjectRemoved:Delete"`, … (an `s3:` prefix is accepted and
    /// dropped).
    pub event_name: &'a str,
    /// Object size in bytes (omitted for removals).
    pub size: Option<u64>,
    /// Object eTag, see [`etag`] (omitted for removals in notifications).
    pub etag: Option<&'a str>,
    /// The version the change created (versioned buckets only): the object's, or a delete marker's.
    pub version_id: Option<&'a str>,
    /// Ordering token of the change, see [`sequencer`].
    pub sequencer: &'a str,
    /// The notification configuration's id (`s3.configurationId`).
    pub configuration_id: &'a str,
    /// `x-amz-request-id` of the request that changed the object.
    pub request_id: &'a str,
    /// `x-amz-id-2` of that request.
    pub host_id: &'a str,
    /// When S3 finished processing the request.
    pub time: DateTime<Utc>,
}

fn event_name_of<'a>(n: &S3Notice<'a>) -> &'a str {
    n.event_name.strip_prefix("s3:").unwrap_or(n.event_name)
}

fn is_removal(event_name: &str) -> bool {
    event_name.starts_with("ObjectRemoved:") || event_name.starts_with("LifecycleExpiration:")
}

/// The single record of a notification.
pub fn record(env: &AwsEnv, n: &S3Notice) -> Value {
    let event_name = event_name_of(n);
    let removal = is_removal(event_name);

    let mut user_identity = Map::new();
    user_identity.insert("principalId".into(), Value::from(env.principal_id()));
    let mut request_parameters = Map::new();
    request_parameters.insert("sourceIPAddress".into(), Value::from(SOURCE_IP));
    let mut response_elements = Map::new();
    response_elements.insert("x-amz-request-id".into(), Value::from(n.request_id));
    response_elements.insert("x-amz-id-2".into(), Value::from(n.host_id));

    let mut owner = Map::new();
    owner.insert("principalId".into(), Value::from(env.owner_principal_id()));
    let mut bucket = Map::new();
    bucket.insert("name".into(), Value::from(n.bucket));
    bucket.insert("ownerIdentity".into(), Value::Object(owner));
    bucket.insert("arn".into(), Value::from(env.s3_bucket_arn(n.bucket)));

    let mut object = Map::new();
    object.insert("key".into(), Value::from(url_encode_key(n.key)));
    if !removal {
        if let Some(size) = n.size {
            object.insert("size".into(), Value::from(size));
        }
        if let Some(etag) = n.etag {
            object.insert("eTag".into(), Value::from(etag));
        }
    }
    if let Some(version_id) = n.version_id {
        object.insert("versionId".into(), Value::from(version_id));
    }
    object.insert("sequencer".into(), Value::from(n.sequencer));

    let mut s3 = Map::new();
    s3.insert("s3SchemaVersion".into(), Value::from("1.0"));
    s3.insert("configurationId".into(), Value::from(n.configuration_id));
    s3.insert("bucket".into(), Value::Object(bucket));
    s3.insert("object".into(), Value::Object(object));

    let mut rec = Map::new();
    rec.insert("eventVersion".into(), Value::from("2.1"));
    rec.insert("eventSource".into(), Value::from("aws:s3"));
    rec.insert("awsRegion".into(), Value::from(env.region.as_str()));
    rec.insert("eventTime".into(), Value::from(iso_millis(n.time)));
    rec.insert("eventName".into(), Value::from(event_name));
    rec.insert("userIdentity".into(), Value::Object(user_identity));
    rec.insert(
        "requestParameters".into(),
        Value::Object(request_parameters),
    );
    rec.insert("responseElements".into(), Value::Object(response_elements));
    rec.insert("s3".into(), Value::Object(s3));
    Value::Object(rec)
}

/// The notification event: `{"Records": [record]}` (S3 sends one record per message).
pub fn record_event(env: &AwsEnv, n: &S3Notice) -> Value {
    let mut ev = Map::new();
    ev.insert("Records".into(), Value::Array(vec![record(env, n)]));
    Value::Object(ev)
}

/// Whether a configured event type (`"s3:ObjectCreated:*"`, `"s3:ObjectRemoved:Delete"`)
/// covers an event (`"ObjectCreated:Put"`; an `s3:` prefix is accepted). A `:*` suffix covers
/// every event of that family; anything else must match exactly (case-sensitively).
pub fn event_matches(configured: &str, event_name: &str) -> bool {
    let c = configured.strip_prefix("s3:").unwrap_or(configured);
    let e = event_name.strip_prefix("s3:").unwrap_or(event_name);
    match c.strip_suffix('*') {
        Some(family) if family.ends_with(':') => e.starts_with(family) && e.len() > family.len(),
        _ => c == e,
    }
}

/// Checks a configured notification event type against [`EVENT_TYPES`].
pub fn validate_event_type(s: &str) -> Result<(), EventError> {
    check_event_type(s).map_err(EventError::EventType)
}

fn check_event_type(s: &str) -> Result<(), String> {
    if EVENT_TYPES.contains(&s) {
        return Ok(());
    }
    let hint = if !s.starts_with("s3:") && EVENT_TYPES.contains(&format!("s3:{s}").as_str()) {
        format!(" (did you mean \"s3:{s}\"?)")
    } else if let Some(close) = EVENT_TYPES.iter().find(|t| t.eq_ignore_ascii_case(s)) {
        format!(" (did you mean \"{close}\"?)")
    } else {
        String::new()
    };
    Err(format!(
        "\"{s}\" is not an S3 event type{hint}; expected one of {}",
        EVENT_TYPES.join(", ")
    ))
}

/// EventBridge `detail-type` for an S3 event name.
pub fn eventbridge_detail_type(event_name: &str) -> &'static str {
    let e = event_name.strip_prefix("s3:").unwrap_or(event_name);
    if e.starts_with("ObjectCreated:") {
        "Object Created"
    } else if is_removal(e) {
        "Object Deleted"
    } else if e == "ObjectRestore:Post" {
        "Object Restore Initiated"
    } else if e == "ObjectRestore:Completed" {
        "Object Restore Completed"
    } else if e == "ObjectRestore:Delete" {
        "Object Restore Expired"
    } else if e == "ObjectTagging:Put" {
        "Object Tags Added"
    } else if e == "ObjectTagging:Delete" {
        "Object Tags Deleted"
    } else if e == "ObjectAcl:Put" {
        "Object ACL Updated"
    } else if e == "LifecycleTransition" {
        "Object Storage Class Changed"
    } else if e == "IntelligentTiering" {
        "Object Access Tier Changed"
    } else {
        "Object Created"
    }
}

/// The event S3 sends to the account's default EventBridge bus for an object change
/// (bucket setting "send notifications to EventBridge"): source `aws.s3`, `resources` the
/// bucket ARN, and `detail` `{version, bucket{name}, object{key, size, etag, sequencer},
/// request-id, requester, source-ip-address, reason, deletion-type}` as the S3 guide's
/// "EventBridge event message structure" shows. The key is not URL-encoded here. Deletions
/// carry no `size`, and an `etag` only if the notice has one; `reason` is `PutObject`,
/// `POST Object`, `CopyObject`, `CompleteMultipartUpload`, `DeleteObject` or
/// `Lifecycle Expiration`; `deletion-type` is `Permanently Deleted` (unversioned delete) or
/// `Delete Marker Created`.
pub fn eventbridge_detail_event(env: &AwsEnv, n: &S3Notice, event_id: &str) -> Value {
    let event_name = event_name_of(n);
    let removal = is_removal(event_name);
    let lifecycle = event_name.starts_with("LifecycleExpiration:");

    let mut bucket = Map::new();
    bucket.insert("name".into(), Value::from(n.bucket));
    let mut object = Map::new();
    object.insert("key".into(), Value::from(n.key));
    if !removal && let Some(size) = n.size {
        object.insert("size".into(), Value::from(size));
    }
    if let Some(etag) = n.etag {
        object.insert("etag".into(), Value::from(etag));
    }
    if let Some(version_id) = n.version_id {
        object.insert("version-id".into(), Value::from(version_id));
    }
    object.insert("sequencer".into(), Value::from(n.sequencer));

    let mut detail = Map::new();
    detail.insert("version".into(), Value::from("0"));
    detail.insert("bucket".into(), Value::Object(bucket));
    detail.insert("object".into(), Value::Object(object));
    detail.insert("request-id".into(), Value::from(n.request_id));
    if lifecycle {
        detail.insert("requester".into(), Value::from("s3.amazonaws.com"));
    } else {
        detail.insert("requester".into(), Value::from(env.account_id.as_str()));
        detail.insert("source-ip-address".into(), Value::from(SOURCE_IP));
    }
    let reason = match event_name {
        "ObjectCreated:Put" => Some("PutObject"),
        "ObjectCreated:Post" => Some("POST Object"),
        "ObjectCreated:Copy" => Some("CopyObject"),
        "ObjectCreated:CompleteMultipartUpload" => Some("CompleteMultipartUpload"),
        e if e.starts_with("ObjectRemoved:") => Some("DeleteObject"),
        e if e.starts_with("LifecycleExpiration:") => Some("Lifecycle Expiration"),
        _ => None,
    };
    if let Some(r) = reason {
        detail.insert("reason".into(), Value::from(r));
    }
    if removal {
        let deletion_type = if event_name.ends_with(":DeleteMarkerCreated") {
            "Delete Marker Created"
        } else {
            "Permanently Deleted"
        };
        detail.insert("deletion-type".into(), Value::from(deletion_type));
    }

    service_event(
        env,
        event_id,
        eventbridge_detail_type(event_name),
        "aws.s3",
        n.time,
        vec![Value::from(env.s3_bucket_arn(n.bucket))],
        Value::Object(detail),
    )
}
