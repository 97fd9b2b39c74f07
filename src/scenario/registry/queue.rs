//! `queue` — Amazon SQS queue.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Queue,
    name: "queue",
    label: "SQS queue",
    id_base: "Queue",
    keys: &[
        FIFO,
        CONTENT_BASED_DEDUPLICATION,
        VISIBILITY_TIMEOUT_S,
        DELAY_S,
        RETENTION_S,
        DEAD_LETTER,
    ],
    derived_edges: &[],
    traffic: TrafficInput::Payload(&["message"]),
    drawn_as_edge: false,
};

pub(crate) const FIFO: Key = key(
    "fifo",
    Kind::Bool { default: false },
    "FIFO queue: ordering per message group, deduplication",
);
pub(crate) const CONTENT_BASED_DEDUPLICATION: Key = key(
    "content_based_deduplication",
    Kind::Bool { default: false },
    "FIFO only: the body's SHA-256 is the deduplication id",
);
// 0–43,200 s (12 h), default 30 s: aws-semantics.md §2.1 "Visibility timeout".
pub(crate) const VISIBILITY_TIMEOUT_S: Key = key(
    "visibility_timeout_s",
    Kind::Int {
        min: 0,
        max: 43_200,
        default: Some(30),
    },
    "a received message stays hidden this long unless deleted",
);
// 0–900 s (15 min), default 0: SQS DelaySeconds (CreateQueue API reference; not in aws-semantics.md).
pub(crate) const DELAY_S: Key = key(
    "delay_s",
    Kind::Int {
        min: 0,
        max: 900,
        default: Some(0),
    },
    "every new message stays invisible this long",
);
// 60–1,209,600 s (14 days), default 4 days: aws-semantics.md §2.1 "Retention".
pub(crate) const RETENTION_S: Key = key(
    "retention_s",
    Kind::Int {
        min: 60,
        max: 1_209_600,
        default: Some(345_600),
    },
    "a message older than this is deleted",
);
pub(crate) const DEAD_LETTER: Key = key(
    "dead_letter",
    Kind::Object(REDRIVE_KEYS),
    "redrive policy: {\"target\": queue id, \"max_receive_count\": n}",
);

/// The keys of the redrive policy.
pub(crate) const REDRIVE_KEYS: &[Key] = &[REDRIVE_TARGET, MAX_RECEIVE_COUNT];
pub(crate) const REDRIVE_TARGET: Key = required(
    "target",
    Kind::Ref(Ref {
        types: &[T::Queue],
        role: "a queue's dead-letter target",
        edge: EdgeRole::DeadLetter,
    }),
    "the dead-letter queue (FIFO exactly when this queue is)",
);
// 1–1,000: aws-semantics.md §2.1 "Redrive policy" (maxReceiveCount).
pub(crate) const MAX_RECEIVE_COUNT: Key = required(
    "max_receive_count",
    Kind::Int {
        min: 1,
        max: 1000,
        default: None,
    },
    "receives after which a message moves to the dead-letter queue",
);
