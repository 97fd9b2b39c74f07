//! `function` — AWS Lambda function.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::{Dist, ResourceType as T};

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Function,
    name: "function",
    label: "Lambda function",
    id_base: "Function",
    keys: &[
        MEMORY_MB,
        TIMEOUT_S,
        RESERVED_CONCURRENCY,
        DURATION_MS,
        COLD_START_MS,
        IDLE_TIMEOUT_S,
        PROVISIONED_CONCURRENCY,
        ERROR_RATE,
        CODE,
        ENVIRONMENT,
        ASYNC,
        DEAD_LETTER,
    ],
    // `rds::query("Db", …)` in the code: an edge to each database or proxy it names.
    derived_edges: &[("code", EdgeRole::DatabaseCall)],
    traffic: TrafficInput::Payload(&["payload", "invocation_type"]),
    drawn_as_edge: false,
};

// 128–10,240 MB, default 128 MB: aws-semantics.md §1.1 "Memory" (Lambda quotas page).
pub(crate) const MEMORY_MB: Key = key(
    "memory_mb",
    Kind::Int {
        min: 128,
        max: 10_240,
        default: Some(128),
    },
    "memory in MB (also the cost factor)",
);
// 1–900 s, default 3 s: aws-semantics.md §1.1 "Timeout" (configuration-timeout).
pub(crate) const TIMEOUT_S: Key = key(
    "timeout_s",
    Kind::Int {
        min: 1,
        max: 900,
        default: Some(3),
    },
    "an invocation still running then ends with `Task timed out after N seconds`",
);
// At least 0 (0 throttles every invocation) and at most the account's concurrency, a cross-field rule the loader
// checks against `settings.account_concurrency` (whose own maximum is u32::MAX): aws-semantics.md §1.1 "Reserved
// concurrency". No default: none means the function shares the account pool.
pub(crate) const RESERVED_CONCURRENCY: Key = key(
    "reserved_concurrency",
    Kind::Int {
        min: 0,
        max: u32::MAX as i64,
        default: None,
    },
    "maximum concurrent environments (at most settings.account_concurrency); none ⇒ shares the account pool",
);
pub(crate) const DURATION_MS: Key = key(
    "duration_ms",
    Kind::Dist {
        default: Some(&Dist::Fixed(10.0)),
    },
    "execution time when the code does not say otherwise",
);
// The simulator's own cold-start model (spec default), not an AWS limit.
pub(crate) const COLD_START_MS: Key = key(
    "cold_start_ms",
    Kind::Dist {
        default: Some(&Dist::LogNormal {
            p50: 180.0,
            p99: 600.0,
        }),
    },
    "init time added when no warm environment is free",
);
// How long an idle environment lives is not documented by AWS (aws-semantics.md §1.5: "model it as a tunable"):
// any number of seconds from 0 to the loader's 100-year maximum, default 600 (the spec's default).
pub(crate) const IDLE_TIMEOUT_S: Key = key(
    "idle_timeout_s",
    Kind::Number {
        min: 0.0,
        max: crate::scenario::MAX_TIME_S,
        default: 600.0,
    },
    "a warm environment unused this long is reclaimed",
);
// At least 0; counts toward reserved and account concurrency (aws-limits-rds.md §3, provisioned-concurrency.html),
// so at most the reserved concurrency when there is one (a cross-field rule of the loader) and at most the
// account's concurrency otherwise.
pub(crate) const PROVISIONED_CONCURRENCY: Key = key(
    "provisioned_concurrency",
    Kind::Int {
        min: 0,
        max: u32::MAX as i64,
        default: Some(0),
    },
    "environments kept initialised (no cold start); invocations beyond them spill over to on-demand ones",
);
pub(crate) const ERROR_RATE: Key = key(
    "error_rate",
    Kind::Number {
        min: 0.0,
        max: 1.0,
        default: 0.0,
    },
    "probability that an invocation fails with InjectedFailure",
);
pub(crate) const CODE: Key = key(
    "code",
    Kind::Code,
    "{\"script\": path} or {\"inline\": source}; none ⇒ succeeds and returns null",
);
pub(crate) const ENVIRONMENT: Key = key(
    "environment",
    Kind::Json,
    "string → string, visible to the code",
);
pub(crate) const ASYNC: Key = key(
    "async",
    Kind::Object(ASYNC_KEYS),
    "asynchronous invocation configuration (retries, event age, destinations)",
);
pub(crate) const DEAD_LETTER: Key = key(
    "dead_letter",
    Kind::Ref(Ref {
        types: &[T::Queue, T::Topic],
        role: "a function's dead_letter",
        edge: EdgeRole::DeadLetter,
    }),
    "standard queue or topic for async events that failed every attempt",
);

/// The keys of `code`.
pub(crate) const CODE_KEYS: &[&str] = &["script", "inline"];

/// The keys of `async`.
pub(crate) const ASYNC_KEYS: &[Key] = &[RETRY_ATTEMPTS, MAX_EVENT_AGE_S, ON_SUCCESS, ON_FAILURE];
// 0–2, default 2: aws-semantics.md §1.4 "Function errors" (MaximumRetryAttempts).
pub(crate) const RETRY_ATTEMPTS: Key = key(
    "retry_attempts",
    Kind::Int {
        min: 0,
        max: 2,
        default: Some(2),
    },
    "retries after a function error",
);
// 60–21,600 s (6 h), default 6 h: aws-semantics.md §1.4 "MaximumEventAgeInSeconds".
pub(crate) const MAX_EVENT_AGE_S: Key = key(
    "max_event_age_s",
    Kind::Int {
        min: 60,
        max: 21_600,
        default: Some(21_600),
    },
    "an event older than this is dropped (or sent on failure)",
);
// Lambda destinations: a function, a standard queue or topic, an event bus (aws-semantics.md §1.4 "Destinations";
// FIFO refused by the loader).
const DESTINATION_TYPES: &[T] = &[T::Queue, T::Topic, T::EventBus, T::Function];
pub(crate) const ON_SUCCESS: Key = key(
    "on_success",
    Kind::Ref(Ref {
        types: DESTINATION_TYPES,
        role: "an async destination",
        edge: EdgeRole::Destination,
    }),
    "destination of successful async invocations",
);
pub(crate) const ON_FAILURE: Key = key(
    "on_failure",
    Kind::Ref(Ref {
        types: DESTINATION_TYPES,
        role: "an async destination",
        edge: EdgeRole::Destination,
    }),
    "destination of async invocations that failed every attempt",
);
