//! Amazon S3: an in-memory object store with event notifications.
//!
//! A put or delete updates the bucket (keys kept sorted), then every notification configuration whose event
//! types, prefix and suffix accept the object sends the S3 `Records` event to its target (aws-semantics.md §5):
//! keys URL-encoded as S3 does, a per-bucket increasing `sequencer`, the MD5 `eTag` of the body for single-part
//! puts; removals carry no size or eTag. With `event_bridge: true` every object event also goes to the account's
//! `default` bus as an `Object Created` / `Object Deleted` event.
//! Approximations: an object given only by `size` has the eTag of that many zero bytes; a delete of a missing key
//! still emits `ObjectRemoved:Delete` (S3 deletes are idempotent and succeed).
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

/// A write or delete on its way to a bucket.
#[derive(Debug, Clone)]
pub(crate) struct ObjectOp {
    pub key: String,
    pub delete: bool,
    pub size: u64,
    pub body: Option<String>,
}

impl ObjectOp {
    /// PutObject of a body (its size is its length in bytes).
    pub fn put(key: String, body: String) -> ObjectOp {
        ObjectOp {
            key,
            delete: false,
            size: body.len() as u64,
            body: Some(body),
        }
    }

    /// DeleteObject.
    pub fn delete(key: String) -> ObjectOp {
        ObjectOp {
            key,
            delete: true,
            size: 0,
            body: None,
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
        })
    }
}

#[derive(Debug, Clone)]
#[expect(
    dead_code,
    reason = "read by handler scripts' s3::get and the inspector (issue 5)"
)]
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

    /// A put or delete takes effect on a bucket: the store changes, then notifications go out.
    pub(crate) fn bucket_op(&mut self, b: ResId, trace: TraceId, op: ObjectOp) {
        let mut trace = trace;
        let now = self.now();
        let sc = std::sync::Arc::clone(&self.sc);
        let ResourceKind::Bucket(cfg) = &sc.resource(b).kind else {
            self.wrong_kind(b, ResourceType::Bucket);
            return;
        };
        self.stats[b.index()].count += 1;
        let state = &mut self.buckets[b.index()];
        state.sequencer += 1;
        // S3 sequencers are upper-case hex, increasing per key; compare them as equal-length strings.
        let sequencer = format!("{:016X}", 0x0062_0000_0000_0000u64 + state.sequencer);
        let (event_name, size, etag) = if op.delete {
            state.objects.remove(&op.key);
            ("ObjectRemoved:Delete", None, None)
        } else {
            let etag = match &op.body {
                Some(body) => s3::etag(body.as_bytes()),
                None => s3::etag(&vec![0u8; op.size.min(1 << 20) as usize]),
            };
            state.objects.insert(
                op.key.clone(),
                StoredObject {
                    size: op.size,
                    etag: etag.clone(),
                    body: op.body.clone(),
                },
            );
            ("ObjectCreated:Put", Some(op.size), Some(etag))
        };
        let bucket = self.name(b);
        let key_for_record = op.key.clone();
        // The write's span: notifications hang off it.
        let (span_id, parent_span_id) = self.open_span(&mut trace);
        self.emit(|| TraceRecord::Object {
            t_ms: Ms(now),
            bucket,
            key: key_for_record,
            op: if op.delete { "delete" } else { "put" },
            size: op.size,
            trace_id: trace.text(),
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
