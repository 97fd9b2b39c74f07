//! `table` — Amazon DynamoDB table.

use super::{Key, Kind, TrafficInput, TypeDesc, key, required};
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Table,
    name: "table",
    label: "DynamoDB table",
    id_base: "Table",
    keys: &[PARTITION_KEY, SORT_KEY, STREAM, ITEMS, TTL_ATTRIBUTE],
    derived_edges: &[],
    traffic: TrafficInput::Payload(&["put", "delete"]),
    drawn_as_edge: false,
};

pub(crate) const PARTITION_KEY: Key =
    required("partition_key", Kind::Text, "partition key attribute name");
pub(crate) const SORT_KEY: Key = key("sort_key", Kind::Text, "sort key attribute name");
// StreamViewType: aws-semantics.md §7.1.
pub(crate) const STREAM_VIEW_TYPES: &[&str] =
    &["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];
pub(crate) const STREAM: Key = key(
    "stream",
    Kind::Enum {
        choices: STREAM_VIEW_TYPES,
        default: None,
    },
    "stream view type; none ⇒ no stream",
);
pub(crate) const ITEMS: Key = key("items", Kind::Json, "initial items (plain JSON)");
// Time to Live (DynamoDB Developer Guide, "Using time to live"): an item whose attribute holds an epoch time in
// seconds that has passed is deleted by DynamoDB itself, its stream REMOVE record naming the service.
pub(crate) const TTL_ATTRIBUTE: Key = key(
    "ttl_attribute",
    Kind::Text,
    "Time to Live: the attribute holding an item's expiry (epoch seconds)",
);
