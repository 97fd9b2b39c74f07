//! `rule` — Amazon EventBridge rule; also the target keys `schedule` shares.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Rule,
    name: "rule",
    label: "EventBridge rule",
    id_base: "Rule",
    keys: &[BUS, PATTERN, TARGETS, ENABLED, RETRY, DEAD_LETTER],
    derived_edges: &[],
    traffic: TrafficInput::Refused(
        "a rule receives events from its bus: send the traffic to the bus",
    ),
    drawn_as_edge: false,
};

pub(crate) const BUS: Key = required(
    "bus",
    Kind::Ref(Ref {
        types: &[T::EventBus],
        role: "a rule's bus",
        edge: EdgeRole::BusToRule,
    }),
    "the event bus whose events the rule matches",
);
pub(crate) const PATTERN: Key = required("pattern", Kind::Json, "EventBridge event pattern");
pub(crate) const TARGETS: Key = required(
    "targets",
    Kind::List(RULE_TARGET_KEYS),
    "1–5 targets: an id, or {\"target\": id, …} with input shaping",
);
pub(crate) const ENABLED: Key = key(
    "enabled",
    Kind::Bool { default: true },
    "a disabled rule matches nothing",
);
pub(crate) const RETRY: Key = key("retry", Kind::Object(RETRY_KEYS), "delivery retry policy");
// EventBridge dead-letter queues are standard SQS queues (FIFO refused by the loader).
pub(crate) const DEAD_LETTER: Key = key(
    "dead_letter",
    Kind::Ref(Ref {
        types: &[T::Queue],
        role: "a rule's dead_letter",
        edge: EdgeRole::RuleDeadLetter,
    }),
    "standard queue for events that could not be delivered",
);

/// At most 5 targets per rule: aws-semantics.md §4.2 (PutTargets, [V]).
pub(crate) const MAX_TARGETS: usize = 5;
/// At most 100 variables in an input transformer's `input_paths`: aws-semantics.md §4.3 (InputPathsMap).
pub(crate) const MAX_INPUT_PATHS: usize = 100;

/// What a rule or schedule target may be.
pub(crate) const TARGET_TYPES: &[T] = &[
    T::Function,
    T::Queue,
    T::Topic,
    T::EventBus,
    T::StateMachine,
];

/// The keys of a rule's target object.
pub(crate) const RULE_TARGET_KEYS: &[Key] = &[
    RULE_TARGET,
    INPUT,
    INPUT_PATH,
    INPUT_TRANSFORMER,
    MESSAGE_GROUP_ID,
];
pub(crate) const RULE_TARGET: Key = required(
    "target",
    Kind::Ref(Ref {
        types: TARGET_TYPES,
        role: "a rule target",
        edge: EdgeRole::RuleTarget,
    }),
    "the target resource",
);
pub(crate) const INPUT: Key = key("input", Kind::Json, "constant input instead of the event");
pub(crate) const INPUT_PATH: Key = key(
    "input_path",
    Kind::Text,
    "JSON path of the part of the event to send",
);
pub(crate) const INPUT_TRANSFORMER: Key = key(
    "input_transformer",
    Kind::Object(TRANSFORMER_KEYS),
    "input paths and a template",
);
pub(crate) const MESSAGE_GROUP_ID: Key = key(
    "message_group_id",
    Kind::Text,
    "message group of a FIFO queue or topic target (required for them)",
);
/// The keys of an input transformer.
pub(crate) const TRANSFORMER_KEYS: &[Key] = &[INPUT_PATHS, INPUT_TEMPLATE];
pub(crate) const INPUT_PATHS: Key = key("input_paths", Kind::Json, "variable → JSON path");
pub(crate) const INPUT_TEMPLATE: Key = required(
    "input_template",
    Kind::Text,
    "the template, with <variable> placeholders",
);

/// The keys of `retry`.
pub(crate) const RETRY_KEYS: &[Key] = &[MAXIMUM_RETRY_ATTEMPTS, MAXIMUM_EVENT_AGE_S];
// 0–185, default 185: aws-semantics.md §4.2 "Target retry policy" ([V] eb-rule-retry-policy).
pub(crate) const MAXIMUM_RETRY_ATTEMPTS: Key = key(
    "maximum_retry_attempts",
    Kind::Int {
        min: 0,
        max: 185,
        default: Some(185),
    },
    "delivery attempts after the first",
);
// 60–86,400 s, default 24 h: aws-semantics.md §4.2 "Target retry policy".
pub(crate) const MAXIMUM_EVENT_AGE_S: Key = key(
    "maximum_event_age_s",
    Kind::Int {
        min: 60,
        max: 86_400,
        default: Some(86_400),
    },
    "an event older than this is no longer retried",
);
