//! `state_machine` — AWS Step Functions state machine.

use super::{Key, Kind, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::StateMachine,
    name: "state_machine",
    label: "Step Functions",
    id_base: "StateMachine",
    keys: &[DEFINITION, WORKFLOW_TYPE],
    derived_edges: &[("definition", EdgeRole::TaskInvoke)],
    traffic: TrafficInput::Payload(&["input"]),
    drawn_as_edge: false,
};

pub(crate) const DEFINITION: Key = required(
    "definition",
    Kind::Json,
    "Amazon States Language definition",
);
// STANDARD (default) or EXPRESS: aws-semantics.md §8.4.
pub(crate) const WORKFLOW_TYPE: Key = key(
    "workflow_type",
    Kind::Enum {
        choices: &["STANDARD", "EXPRESS"],
        default: Some("STANDARD"),
    },
    "STANDARD or EXPRESS",
);
