//! `bucket` — Amazon S3 bucket.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Bucket,
    name: "bucket",
    label: "S3 bucket",
    id_base: "Bucket",
    keys: &[NOTIFICATIONS, EVENT_BRIDGE, VERSIONING],
    derived_edges: &[("event_bridge", EdgeRole::BucketToBus)],
    traffic: TrafficInput::Payload(&["object"]),
    drawn_as_edge: false,
};

pub(crate) const NOTIFICATIONS: Key = key(
    "notifications",
    Kind::List(NOTIFICATION_KEYS),
    "event notifications to a function, queue or topic",
);
pub(crate) const EVENT_BRIDGE: Key = key(
    "event_bridge",
    Kind::Bool { default: false },
    "also send every object event to the `default` event bus",
);

// S3 versioning (S3 User Guide, "Retaining multiple versions of objects"): every put creates a version with its own
// id, and a delete without a version id creates a delete marker (`ObjectRemoved:DeleteMarkerCreated`).
pub(crate) const VERSIONING: Key = key(
    "versioning",
    Kind::Bool { default: false },
    "keep every version of an object: version ids, delete markers",
);

/// The keys of a notification.
pub(crate) const NOTIFICATION_KEYS: &[Key] = &[EVENTS, PREFIX, SUFFIX, NOTIFICATION_TARGET];
pub(crate) const EVENTS: Key = required(
    "events",
    Kind::Json,
    "event types such as \"s3:ObjectCreated:*\"",
);
pub(crate) const PREFIX: Key = key("prefix", Kind::Text, "object key prefix filter");
pub(crate) const SUFFIX: Key = key("suffix", Kind::Text, "object key suffix filter");
// S3 notifications go to a function, a standard queue or a standard topic (aws-semantics.md §5.1; FIFO refused by
// the loader).
pub(crate) const NOTIFICATION_TARGET: Key = required(
    "target",
    Kind::Ref(Ref {
        types: &[T::Function, T::Queue, T::Topic],
        role: "a notification target",
        edge: EdgeRole::Notification,
    }),
    "the function, queue or topic notified",
);
