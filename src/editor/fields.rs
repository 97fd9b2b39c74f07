//! The typed property form's description of every field of every resource type: kind, AWS range, default,
//! choices, and which resource types a reference may name. Pure data (the form itself is in `ui/edit_panel.rs`).

use crate::scenario::ResourceType;

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// A whole number in `min..=max`.
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    /// A number in `min..=max`.
    Float {
        min: f64,
        max: f64,
        default: f64,
    },
    Bool {
        default: bool,
    },
    /// One of these strings.
    Enum {
        choices: &'static [&'static str],
        default: &'static str,
    },
    /// A free string.
    Text,
    /// The id of a resource of one of these types.
    Ref(&'static [ResourceType]),
    /// A latency distribution in milliseconds.
    Dist,
    /// Any JSON, edited as text (patterns, filter policies, inputs, lists).
    Json,
    /// Handler code (`{"script": path}` or `{"inline": source}`).
    Code,
}

/// One field of a resource type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    pub key: &'static str,
    pub kind: FieldKind,
    /// Must be present for the resource to be valid.
    pub required: bool,
}

const fn f(key: &'static str, kind: FieldKind) -> Field {
    Field {
        key,
        kind,
        required: false,
    }
}
const fn req(key: &'static str, kind: FieldKind) -> Field {
    Field {
        key,
        kind,
        required: true,
    }
}

use FieldKind as K;
use ResourceType as T;

const DESTS: &[ResourceType] = &[T::Queue, T::Topic, T::EventBus, T::Function];
const QUEUE_OR_TOPIC: &[ResourceType] = &[T::Queue, T::Topic];

const FUNCTION_FIELDS: &[Field] = &[
    f(
        "memory_mb",
        K::Int {
            min: 128,
            max: 10240,
            default: 128,
        },
    ),
    f(
        "timeout_s",
        K::Int {
            min: 1,
            max: 900,
            default: 3,
        },
    ),
    f(
        "reserved_concurrency",
        K::Int {
            min: 0,
            max: 1000,
            default: 0,
        },
    ),
    f("duration_ms", K::Dist),
    f("cold_start_ms", K::Dist),
    f(
        "idle_timeout_s",
        K::Int {
            min: 1,
            max: 86_400,
            default: 600,
        },
    ),
    f(
        "error_rate",
        K::Float {
            min: 0.0,
            max: 1.0,
            default: 0.0,
        },
    ),
    f("code", K::Code),
    f("environment", K::Json),
    f("async", K::Json),
    f("dead_letter", K::Ref(QUEUE_OR_TOPIC)),
];
const API_FIELDS: &[Field] = &[
    f(
        "protocol",
        K::Enum {
            choices: &["http", "rest"],
            default: "http",
        },
    ),
    req("routes", K::Json),
    f(
        "timeout_ms",
        K::Int {
            min: 50,
            max: 29_000,
            default: 29_000,
        },
    ),
];
const EVENT_BUS_FIELDS: &[Field] = &[];
const RULE_FIELDS: &[Field] = &[
    req("bus", K::Ref(&[T::EventBus])),
    req("pattern", K::Json),
    req("targets", K::Json),
    f("enabled", K::Bool { default: true }),
    f("retry", K::Json),
    f("dead_letter", K::Ref(&[T::Queue])),
];
const SCHEDULE_FIELDS: &[Field] = &[
    req("expression", K::Text),
    req("targets", K::Json),
    f("input", K::Json),
];
const BUCKET_FIELDS: &[Field] = &[
    f("notifications", K::Json),
    f("event_bridge", K::Bool { default: false }),
];
const QUEUE_FIELDS: &[Field] = &[
    f("fifo", K::Bool { default: false }),
    f("content_based_deduplication", K::Bool { default: false }),
    f(
        "visibility_timeout_s",
        K::Int {
            min: 0,
            max: 43_200,
            default: 30,
        },
    ),
    f(
        "delay_s",
        K::Int {
            min: 0,
            max: 900,
            default: 0,
        },
    ),
    f(
        "retention_s",
        K::Int {
            min: 60,
            max: 1_209_600,
            default: 345_600,
        },
    ),
    f("dead_letter", K::Json),
];
const TOPIC_FIELDS: &[Field] = &[
    f("fifo", K::Bool { default: false }),
    f("subscriptions", K::Json),
];
const TABLE_FIELDS: &[Field] = &[
    req("partition_key", K::Text),
    f("sort_key", K::Text),
    f(
        "stream",
        K::Enum {
            choices: &[
                "",
                "KEYS_ONLY",
                "NEW_IMAGE",
                "OLD_IMAGE",
                "NEW_AND_OLD_IMAGES",
            ],
            default: "",
        },
    ),
    f("items", K::Json),
];
const TRIGGER_FIELDS: &[Field] = &[
    req("source", K::Ref(&[T::Queue, T::Table])),
    req("function", K::Ref(&[T::Function])),
    f(
        "batch_size",
        K::Int {
            min: 1,
            max: 10_000,
            default: 10,
        },
    ),
    f(
        "maximum_batching_window_s",
        K::Int {
            min: 0,
            max: 300,
            default: 0,
        },
    ),
    f("report_batch_item_failures", K::Bool { default: false }),
    f("filter_criteria", K::Json),
    f(
        "maximum_concurrency",
        K::Int {
            min: 2,
            max: 1000,
            default: 2,
        },
    ),
    f(
        "starting_position",
        K::Enum {
            choices: &["LATEST", "TRIM_HORIZON"],
            default: "LATEST",
        },
    ),
    f("bisect_batch_on_function_error", K::Bool { default: false }),
    f(
        "maximum_retry_attempts",
        K::Int {
            min: -1,
            max: 10_000,
            default: -1,
        },
    ),
    f("on_failure", K::Ref(QUEUE_OR_TOPIC)),
    f("enabled", K::Bool { default: true }),
];
const STATE_MACHINE_FIELDS: &[Field] = &[
    req("definition", K::Json),
    f(
        "workflow_type",
        K::Enum {
            choices: &["STANDARD", "EXPRESS"],
            default: "STANDARD",
        },
    ),
];

/// The fields of a resource type in the specification's order (`type` and `description` are handled apart).
pub fn fields_of(t: ResourceType) -> &'static [Field] {
    match t {
        T::Function => FUNCTION_FIELDS,
        T::Api => API_FIELDS,
        T::EventBus => EVENT_BUS_FIELDS,
        T::Rule => RULE_FIELDS,
        T::Schedule => SCHEDULE_FIELDS,
        T::Bucket => BUCKET_FIELDS,
        T::Queue => QUEUE_FIELDS,
        T::Topic => TOPIC_FIELDS,
        T::Table => TABLE_FIELDS,
        T::Trigger => TRIGGER_FIELDS,
        T::StateMachine => STATE_MACHINE_FIELDS,
    }
}

/// Destinations of a function's `async` block (for the destination dialog and form).
pub fn destination_types() -> &'static [ResourceType] {
    DESTS
}
