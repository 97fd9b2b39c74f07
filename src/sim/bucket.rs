//! Amazon S3: an in-memory object store with event notifications.
//!
//! A put or delete updates the bucket (keys kept sorted), then every notification configuration whose event
//! types, prefix and suffix accept the object sends the S3 `Records` event to its target (aws-semantics.md §5):
//! keys URL-encoded as S3 does, a per-bucket increasing `sequencer`, the MD5 `eTag` of the body for single-part
//! puts; removals carry no size or eTag. With `event_bridge: true` every object event also goes to the account's
//! `default` bus as an `Object Created` / `Object Deleted` event.
//! Approximations: an object given only by `size` has the eTag of that many zero bytes; a delete of a missing key
//! still emits `ObjectRemoved:Delete` (S3 deletes are idempotent and succeed).
//! Writes are puts (`ObjectCreated:Put`), copies (`ObjectCreated:Copy`, the source's eTag) or completed multipart
//! uploads (`ObjectCreated:CompleteMultipartUpload`, eTag `md5-of-part-md5s-N`). A bucket with `versioning: true`
//! gives every write a version id and turns a delete into a delete marker (`ObjectRemoved:DeleteMarkerCreated`);
//! notifications then carry `versionId`.
//!
//! Puts and deletes go through [`Sim::bucket_op`] (built by [`ObjectOp::put`], [`ObjectOp::delete`] or, for
//! traffic, [`ObjectOp::from_json`]), reads through [`Sim::bucket_get`], whoever calls.

use std::collections::BTreeMap;

use serde_json::Value;

use super::engine::{Origin, Sim};
use super::ids::{IdKind, TraceId};
use super::trace::{Ms, TraceRecord};
use crate::events::s3::{self, S3Notice};
use crate::scenario::{ResId, ResourceKind, ResourceType};

/// How a write created its object: the notification's event name and the eTag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Creation {
    /// PutObject (`ObjectCreated:Put`; eTag the MD5 of the body).
    Put,
    /// CopyObject (`ObjectCreated:Copy`; eTag the source's).
    Copy { etag: String },
    /// CompleteMultipartUpload (`ObjectCreated:CompleteMultipartUpload`; eTag from the parts, `…-N`).
    Multipart { etag: String },
}

impl Creation {
    fn event_name(&self) -> &'static str {
        match self {
            Creation::Put => "ObjectCreated:Put",
            Creation::Copy { .. } => "ObjectCreated:Copy",
            Creation::Multipart { .. } => "ObjectCreated:CompleteMultipartUpload",
        }
    }

    /// The trace's `object` record `op`.
    fn op(&self) -> &'static str {
        match self {
            Creation::Put => "put",
            Creation::Copy { .. } => "copy",
            Creation::Multipart { .. } => "multipart",
        }
    }
}

/// A write or delete on its way to a bucket.
#[derive(Debug, Clone)]
pub(crate) struct ObjectOp {
    pub key: String,
    pub delete: bool,
    pub size: u64,
    pub body: Option<String>,
    pub creation: Creation,
}

impl ObjectOp {
    /// PutObject of a body (its size is its length in bytes).
    pub fn put(key: String, body: String) -> ObjectOp {
        ObjectOp {
            key,
            delete: false,
            size: body.len() as u64,
            body: Some(body),
            creation: Creation::Put,
        }
    }

    /// DeleteObject.
    pub fn delete(key: String) -> ObjectOp {
        ObjectOp {
            key,
            delete: true,
            size: 0,
            body: None,
            creation: Creation::Put,
        }
    }

    /// CopyObject: a new object with the source's body, size and eTag.
    pub fn copy(key: String, source: &StoredObject) -> ObjectOp {
        ObjectOp {
            key,
            delete: false,
            size: source.size,
            body: source.body.clone(),
            creation: Creation::Copy {
                etag: source.etag.clone(),
            },
        }
    }

    /// A multipart upload completed (CreateMultipartUpload, UploadPart for each part, CompleteMultipartUpload):
    /// the object is the parts joined.
    pub fn multipart(key: String, parts: &[String]) -> ObjectOp {
        let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
        let etag = s3::multipart_etag(&bytes);
        let body = parts.concat();
        ObjectOp {
            key,
            delete: false,
            size: body.len() as u64,
            body: Some(body),
            creation: Creation::Multipart { etag },
        }
    }

    /// From a traffic `object` payload: `{key, size, body}` or `{key, delete: true}`.
    pub fn from_json(v: &Value) -> Result<ObjectOp, String> {
        let key = v
            .get("key")
            .and_then(Value::as_str)
            .ok_or("object needs a string \"key\"")?
            .to_string();
        let delete = v.get("delete").and_then(Value::as_bool).unwrap_or(false);
        let body = match v.get("body") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let size = match v.get("size") {
            Some(n) => n
                .as_u64()
                .ok_or("object \"size\" must be a non-negative integer")?,
            None => body.as_ref().map_or(0, |b| b.len() as u64),
        };
        Ok(ObjectOp {
            key,
            delete,
            size,
            body,
            creation: Creation::Put,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct StoredObject {
    pub size: u64,
    pub etag: String,
    pub body: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct BucketState {
    pub objects: BTreeMap<String, StoredObject>,
    sequencer: u64,
}

impl Sim {
    /// GetObject: the body of the object stored under `key` (empty for an object given only by its size), or
    /// `None` when there is none.
    pub(crate) fn bucket_get(&self, b: ResId, key: &str) -> Option<String> {
        self.buckets[b.index()]
            .objects
            .get(key)
            .map(|o| o.body.clone().unwrap_or_default())
    }

    /// The object stored under `key` (its current version), if any: what CopyObject copies.
    pub(crate) fn bucket_object(&self, b: ResId, key: &str) -> Option<&StoredObject> {
        self.buckets[b.index()].objects.get(key)
    }

    /// A version id for the `n`-th change of bucket `b`: 32 URL-safe characters, as S3's opaque version ids
    /// are (S3 User Guide, "How S3 Versioning works": "Version IDs are Unicode, UTF-8 encoded, URL-ready, opaque
    /// strings that are no more than 1,024 bytes long").
    fn version_id(&self, b: ResId, n: u64) -> String {
        let hi = super::ids::mix64(self.seed ^ (u64::from(b.0) << 40) ^ n);
        let lo = super::ids::mix64(hi ^ n.rotate_left(29));
        format!("{hi:016x}{lo:016x}")
    }

    /// A put or delete takes effect on a bucket: the store changes, then notifications go out. On a versioned
    /// bucket every write creates a version and a delete creates a delete marker (`ObjectRemoved:DeleteMarkerCreated`,
    /// with the marker's version id; S3 User Guide, "Deleting object versions"): the object is no longer current,
    /// so a get finds no such key. Earlier versions are not kept readable here (no get by version id).
    pub(crate) fn bucket_op(&mut self, b: ResId, trace: TraceId, op: ObjectOp) {
        let mut trace = trace;
        let now = self.now();
        let sc = std::sync::Arc::clone(&self.sc);
        let ResourceKind::Bucket(cfg) = &sc.resource(b).kind else {
            self.wrong_kind(b, ResourceType::Bucket);
            return;
        };
        self.stats[b.index()].count += 1;
        let change_n = self.buckets[b.index()].sequencer + 1;
        let version_id = cfg.versioning.then(|| self.version_id(b, change_n));
        let state = &mut self.buckets[b.index()];
        state.sequencer = change_n;
        // S3 sequencers are upper-case hex, increasing per key; compare them as equal-length strings.
        let sequencer = format!("{:016X}", 0x0062_0000_0000_0000u64 + state.sequencer);
        let (event_name, size, etag) = if op.delete {
            state.objects.remove(&op.key);
            if cfg.versioning {
                ("ObjectRemoved:DeleteMarkerCreated", None, None)
            } else {
                ("ObjectRemoved:Delete", None, None)
            }
        } else {
            let etag = match (&op.creation, &op.body) {
                (Creation::Copy { etag } | Creation::Multipart { etag }, _) => etag.clone(),
                (Creation::Put, Some(body)) => s3::etag(body.as_bytes()),
                (Creation::Put, None) => s3::etag(&vec![0u8; op.size.min(1 << 20) as usize]),
            };
            state.objects.insert(
                op.key.clone(),
                StoredObject {
                    size: op.size,
                    etag: etag.clone(),
                    body: op.body.clone(),
                },
            );
            (op.creation.event_name(), Some(op.size), Some(etag))
        };
        let bucket = self.name(b);
        let key_for_record = op.key.clone();
        // The write's span: notifications hang off it.
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        self.emit(|| TraceRecord::Object {
            t_ms: Ms(now),
            bucket: bucket.into(),
            key: key_for_record,
            op: if op.delete {
                "delete"
            } else {
                op.creation.op()
            },
            size: op.size,
            trace_id: trace.record_id(),
            span_id,
            parent_span_id,
        });
        let request_n = self.next_n(IdKind::S3Request);
        let request_id = format!("{:016X}", super::ids::mix64(self.seed ^ request_n));
        let host_id = self.uuid_of(IdKind::S3Request, request_n);
        let time = self.wall(now);
        for (i, n) in cfg.notifications.iter().enumerate() {
            let wanted = n.events.iter().any(|e| s3::event_matches(e, event_name));
            if !wanted || !op.key.starts_with(&n.prefix) || !op.key.ends_with(&n.suffix) {
                continue;
            }
            let observed = match sc.resource(n.target).resource_type() {
                ResourceType::Function => self.observes_events(n.target),
                ResourceType::Api
                | ResourceType::EventBus
                | ResourceType::Rule
                | ResourceType::Schedule
                | ResourceType::Bucket
                | ResourceType::Queue
                | ResourceType::Topic
                | ResourceType::Table
                | ResourceType::Trigger
                | ResourceType::StateMachine
                | ResourceType::Database
                | ResourceType::DbProxy => true,
            };
            let event = if observed {
                let configuration_id = format!("eventflow-notification-{}", i + 1);
                let notice = S3Notice {
                    bucket: sc.id(b),
                    key: &op.key,
                    event_name,
                    size,
                    etag: etag.as_deref(),
                    version_id: version_id.as_deref(),
                    sequencer: &sequencer,
                    configuration_id: &configuration_id,
                    request_id: &request_id,
                    host_id: &host_id,
                    time,
                };
                s3::record_event(&self.aws, &notice)
            } else {
                Value::Null
            };
            let item = self.target_item(n.target, event, false, None);
            self.send(Origin::Resource(b), n.target, trace, item);
        }
        if cfg.event_bridge {
            let default_bus = self.find_of_type("default", ResourceType::EventBus);
            if let Some(bus) = default_bus {
                let event_id = self.new_uuid(IdKind::Event);
                let notice = S3Notice {
                    bucket: sc.id(b),
                    key: &op.key,
                    event_name,
                    size,
                    etag: etag.as_deref(),
                    version_id: version_id.as_deref(),
                    sequencer: &sequencer,
                    configuration_id: "",
                    request_id: &request_id,
                    host_id: &host_id,
                    time,
                };
                let event = s3::eventbridge_detail_event(&self.aws, &notice, &event_id);
                // A complete event, as S3 hands it to EventBridge.
                let item = super::bus::target_item(event, true);
                self.send(Origin::Resource(b), bus, trace, item);
            }
        }
    }
}
