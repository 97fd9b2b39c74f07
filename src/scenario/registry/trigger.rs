//! `trigger` — Lambda event source mapping (a queue or a table stream → a function).

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Trigger,
    name: "trigger",
    label: "Event source mapping",
    id_base: "Trigger",
    keys: &[
        SOURCE,
        FUNCTION,
        BATCH_SIZE,
        MAXIMUM_BATCHING_WINDOW_S,
        REPORT_BATCH_ITEM_FAILURES,
        FILTER_CRITERIA,
        MAXIMUM_CONCURRENCY,
        STARTING_POSITION,
        BISECT_BATCH_ON_FUNCTION_ERROR,
        MAXIMUM_RETRY_ATTEMPTS,
        ON_FAILURE,
        ENABLED,
    ],
    derived_edges: &[],
    traffic: TrafficInput::Refused(
        "a trigger reads its source: send the traffic to its queue or table",
    ),
    drawn_as_edge: true,
};

pub(crate) const SOURCE: Key = required(
    "source",
    Kind::Ref(Ref {
        types: &[T::Queue, T::Table],
        role: "a trigger source",
        edge: EdgeRole::Trigger,
    }),
    "a queue, or a table with a stream",
);
pub(crate) const FUNCTION: Key = required(
    "function",
    Kind::Ref(Ref {
        types: &[T::Function],
        role: "a trigger's \"function\"",
        edge: EdgeRole::Trigger,
    }),
    "the function invoked with each batch",
);
// 1–10,000, default 10 for queues (FIFO queues at most 10): aws-semantics.md §2.2 BatchSize; default 100 and at most
// 10,000 for streams: §7.3 BatchSize. The per-source default and FIFO cap are cross-field rules of the loader.
pub(crate) const BATCH_SIZE: Key = key(
    "batch_size",
    Kind::Int {
        min: 1,
        max: 10_000,
        default: Some(10),
    },
    "records per invocation: default 10 (queue) / 100 (table); FIFO queues at most 10",
);
/// The default batch size of a stream (table) source: aws-semantics.md §7.3 BatchSize.
pub(crate) const TABLE_DEFAULT_BATCH_SIZE: i64 = 100;
/// The largest batch of a FIFO queue source: aws-semantics.md §2.2 BatchSize.
pub(crate) const FIFO_MAX_BATCH_SIZE: i64 = 10;
// 0–300 s, default 0; not supported for FIFO: aws-semantics.md §2.2 MaximumBatchingWindowInSeconds (and §7.3).
pub(crate) const MAXIMUM_BATCHING_WINDOW_S: Key = key(
    "maximum_batching_window_s",
    Kind::Int {
        min: 0,
        max: 300,
        default: Some(0),
    },
    "wait up to this long to fill a batch (not for FIFO queues)",
);
pub(crate) const REPORT_BATCH_ITEM_FAILURES: Key = key(
    "report_batch_item_failures",
    Kind::Bool { default: false },
    "honour batchItemFailures in the function response",
);
pub(crate) const FILTER_CRITERIA: Key = key(
    "filter_criteria",
    Kind::Json,
    "event patterns; records that match none are dropped",
);
// 2–1,000, queue sources only: aws-semantics.md §2.2 ScalingConfig.MaximumConcurrency. None ⇒ not capped.
pub(crate) const MAXIMUM_CONCURRENCY: Key = key(
    "maximum_concurrency",
    Kind::Int {
        min: 2,
        max: 1000,
        default: None,
    },
    "queue sources: cap on concurrent batches; none ⇒ no cap",
);
pub(crate) const STARTING_POSITION: Key = key(
    "starting_position",
    Kind::Enum {
        choices: &["LATEST", "TRIM_HORIZON"],
        default: Some("LATEST"),
    },
    "table sources: where reading the stream starts",
);
// Table sources: aws-semantics.md §7.3 BisectBatchOnFunctionError.
pub(crate) const BISECT_BATCH_ON_FUNCTION_ERROR: Key = key(
    "bisect_batch_on_function_error",
    Kind::Bool { default: false },
    "table sources: split a failing batch in two and retry each half",
);
// −1 (until the record expires) or 0–10,000, default −1: aws-semantics.md §7.3 MaximumRetryAttempts.
pub(crate) const MAXIMUM_RETRY_ATTEMPTS: Key = key(
    "maximum_retry_attempts",
    Kind::Int {
        min: -1,
        max: 10_000,
        default: Some(-1),
    },
    "table sources: retries of a failing batch; -1 = until the record expires",
);
// Standard SQS or SNS: aws-semantics.md §7.3 DestinationConfig.OnFailure (FIFO refused by the loader).
pub(crate) const ON_FAILURE: Key = key(
    "on_failure",
    Kind::Ref(Ref {
        types: &[T::Queue, T::Topic],
        role: "an on_failure destination",
        edge: EdgeRole::TriggerOnFailure,
    }),
    "table sources: standard queue or topic for failed batches",
);
pub(crate) const ENABLED: Key = key(
    "enabled",
    Kind::Bool { default: true },
    "a disabled trigger polls nothing",
);
