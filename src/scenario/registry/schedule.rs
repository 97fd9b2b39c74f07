//! `schedule` — scheduled rule / EventBridge Scheduler.

use super::rule::{INPUT, INPUT_PATH, INPUT_TRANSFORMER, MESSAGE_GROUP_ID, TARGET_TYPES};
use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Schedule,
    name: "schedule",
    label: "Schedule",
    id_base: "Schedule",
    keys: &[EXPRESSION, TARGETS, SCHEDULE_INPUT],
    derived_edges: &[],
    traffic: TrafficInput::Refused("a schedule fires on its own: it takes no traffic"),
    drawn_as_edge: false,
};

pub(crate) const EXPRESSION: Key = required(
    "expression",
    Kind::Text,
    "rate(…), cron(…) (AWS six-field cron) or at(…)",
);
pub(crate) const TARGETS: Key = required(
    "targets",
    Kind::List(SCHEDULE_TARGET_KEYS),
    "as for a rule (1–5)",
);
pub(crate) const SCHEDULE_INPUT: Key = key(
    "input",
    Kind::Json,
    "fixed input; none ⇒ the Scheduled Event envelope",
);

/// The keys of a schedule's target object: a rule target's, with a schedule's edge.
pub(crate) const SCHEDULE_TARGET_KEYS: &[Key] = &[
    SCHEDULE_TARGET,
    INPUT,
    INPUT_PATH,
    INPUT_TRANSFORMER,
    MESSAGE_GROUP_ID,
];
pub(crate) const SCHEDULE_TARGET: Key = required(
    "target",
    Kind::Ref(Ref {
        types: TARGET_TYPES,
        role: "a schedule target",
        edge: EdgeRole::ScheduleTarget,
    }),
    "the target resource",
);
