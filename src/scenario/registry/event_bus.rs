//! `event_bus` — Amazon EventBridge event bus (no keys of its own).

use super::{TrafficInput, TypeDesc};
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::EventBus,
    name: "event_bus",
    label: "EventBridge bus",
    id_base: "EventBus",
    keys: &[],
    derived_edges: &[],
    traffic: TrafficInput::Payload(&["event"]),
    drawn_as_edge: false,
};
