//! The keys of every object of the `eventflow/1` format, in the order the specification lists them.
//!
//! One list serves both the loader (unknown keys are errors, with "did you mean" hints) and the canonical writer
//! (keys are written in this order), so the two can never disagree.

use super::model::ResourceType;

pub(crate) const TOP: &[&str] = &[
    "format",
    "name",
    "description",
    "settings",
    "resources",
    "traffic",
    "tour",
    "layout",
];
pub(crate) const SETTINGS: &[&str] = &[
    "seed",
    "until_s",
    "start_time",
    "region",
    "account_id",
    "hop_latency_ms",
    "sdk_latency_ms",
    "account_concurrency",
];
pub(crate) const DIST: &[&str] = &[
    "dist", "value", "min", "max", "mean", "stddev", "p50", "p99",
];
/// Keys every resource may have, around its type's own keys: `type` and `description` first,
/// `delivery_latency_ms` last.
pub(crate) const RESOURCE_HEAD: &[&str] = &["type", "description"];
pub(crate) const RESOURCE_TAIL: &[&str] = &["delivery_latency_ms"];
pub(crate) const CODE: &[&str] = &["script", "inline"];
pub(crate) const ASYNC: &[&str] = &[
    "retry_attempts",
    "max_event_age_s",
    "on_success",
    "on_failure",
];
pub(crate) const RETRY: &[&str] = &["maximum_retry_attempts", "maximum_event_age_s"];
pub(crate) const TARGET: &[&str] = &[
    "target",
    "input",
    "input_path",
    "input_transformer",
    "message_group_id",
];
pub(crate) const TRANSFORMER: &[&str] = &["input_paths", "input_template"];
pub(crate) const NOTIFICATION: &[&str] = &["events", "prefix", "suffix", "target"];
pub(crate) const REDRIVE: &[&str] = &["target", "max_receive_count"];
pub(crate) const SUBSCRIPTION: &[&str] = &[
    "target",
    "filter_policy",
    "filter_policy_scope",
    "raw_message_delivery",
];
pub(crate) const TRAFFIC_HEAD: &[&str] = &["name", "to"];
pub(crate) const TIMING: &[&str] = &["at_s", "every_s", "poisson_per_s"];
pub(crate) const TIMING_OPTIONS: &[&str] = &["start_s", "count", "until_s"];
pub(crate) const PAYLOAD: &[&str] = &[
    "request",
    "event",
    "object",
    "message",
    "payload",
    "invocation_type",
    "put",
    "delete",
    "input",
];
pub(crate) const REQUEST: &[&str] = &["method", "path", "headers", "query", "body"];
pub(crate) const EVENT: &[&str] = &["source", "detail-type", "detail", "resources"];
pub(crate) const OBJECT: &[&str] = &["key", "size", "body", "delete"];
pub(crate) const QUEUE_MESSAGE: &[&str] = &["body", "attributes", "group_id", "deduplication_id"];
pub(crate) const TOPIC_MESSAGE: &[&str] = &[
    "body",
    "subject",
    "attributes",
    "group_id",
    "deduplication_id",
];
pub(crate) const POINT: &[&str] = &["x", "y"];

/// The keys of one resource type, in the specification's order.
pub(crate) fn of_type(t: ResourceType) -> &'static [&'static str] {
    match t {
        ResourceType::Function => &[
            "memory_mb",
            "timeout_s",
            "reserved_concurrency",
            "duration_ms",
            "cold_start_ms",
            "idle_timeout_s",
            "error_rate",
            "code",
            "environment",
            "async",
            "dead_letter",
        ],
        ResourceType::Api => &["protocol", "routes", "timeout_ms"],
        ResourceType::EventBus => &[],
        ResourceType::Rule => &[
            "bus",
            "pattern",
            "targets",
            "enabled",
            "retry",
            "dead_letter",
        ],
        ResourceType::Schedule => &["expression", "targets", "input"],
        ResourceType::Bucket => &["notifications", "event_bridge"],
        ResourceType::Queue => &[
            "fifo",
            "content_based_deduplication",
            "visibility_timeout_s",
            "delay_s",
            "retention_s",
            "dead_letter",
        ],
        ResourceType::Topic => &["fifo", "subscriptions"],
        ResourceType::Table => &["partition_key", "sort_key", "stream", "items"],
        ResourceType::Trigger => &[
            "source",
            "function",
            "batch_size",
            "maximum_batching_window_s",
            "report_batch_item_failures",
            "filter_criteria",
            "maximum_concurrency",
            "starting_position",
            "bisect_batch_on_function_error",
            "maximum_retry_attempts",
            "on_failure",
            "enabled",
        ],
        ResourceType::StateMachine => &["definition", "workflow_type"],
    }
}

/// Every key a resource of type `t` may have.
pub(crate) fn allowed_for(t: ResourceType) -> Vec<&'static str> {
    [RESOURCE_HEAD, of_type(t), RESOURCE_TAIL].concat()
}

/// Every key a traffic entry may have, in canonical order.
pub(crate) fn traffic_entry() -> Vec<&'static str> {
    [TRAFFIC_HEAD, TIMING, TIMING_OPTIONS, PAYLOAD].concat()
}
