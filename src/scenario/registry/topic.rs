//! `topic` — Amazon SNS topic.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Topic,
    name: "topic",
    label: "SNS topic",
    id_base: "Topic",
    keys: &[FIFO, SUBSCRIPTIONS],
    derived_edges: &[],
    traffic: TrafficInput::Payload(&["message"]),
    drawn_as_edge: false,
};

pub(crate) const FIFO: Key = key(
    "fifo",
    Kind::Bool { default: false },
    "FIFO topic: delivers only to FIFO queues",
);
pub(crate) const SUBSCRIPTIONS: Key = key(
    "subscriptions",
    Kind::List(SUBSCRIPTION_KEYS),
    "subscribers: functions or queues, each with an optional filter policy",
);

/// The keys of a subscription.
pub(crate) const SUBSCRIPTION_KEYS: &[Key] = &[
    SUBSCRIPTION_TARGET,
    FILTER_POLICY,
    FILTER_POLICY_SCOPE,
    RAW_MESSAGE_DELIVERY,
];
pub(crate) const SUBSCRIPTION_TARGET: Key = required(
    "target",
    Kind::Ref(Ref {
        types: &[T::Function, T::Queue],
        role: "a subscription target",
        edge: EdgeRole::Subscription,
    }),
    "the subscribed function or queue",
);
pub(crate) const FILTER_POLICY: Key = key("filter_policy", Kind::Json, "SNS filter policy");
pub(crate) const RAW_MESSAGE_DELIVERY: Key = key(
    "raw_message_delivery",
    Kind::Bool { default: false },
    "queue subscribers get the bare message, not the SNS envelope",
);
// MessageAttributes (default) or MessageBody: aws-semantics.md §3.3 "FilterPolicyScope".
pub(crate) const FILTER_POLICY_SCOPE: Key = key(
    "filter_policy_scope",
    Kind::Enum {
        choices: &["MessageAttributes", "MessageBody"],
        default: Some("MessageAttributes"),
    },
    "what the filter policy matches",
);
