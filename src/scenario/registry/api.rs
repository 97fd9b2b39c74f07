//! `api` — Amazon API Gateway.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::ResourceType as T;

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Api,
    name: "api",
    label: "API Gateway",
    id_base: "Api",
    keys: &[
        PROTOCOL,
        ROUTES,
        TIMEOUT_MS,
        THROTTLE_RATE_PER_S,
        THROTTLE_BURST,
    ],
    derived_edges: &[],
    traffic: TrafficInput::Payload(&["request"]),
    drawn_as_edge: false,
};

pub(crate) const PROTOCOL: Key = key(
    "protocol",
    Kind::Enum {
        choices: &["http", "rest"],
        default: Some("http"),
    },
    "\"http\" (HTTP API, payload 2.0) or \"rest\" (REST API, Lambda proxy payload 1.0)",
);
pub(crate) const ROUTES: Key = required(
    "routes",
    Kind::RefMap(Ref {
        types: &[T::Function],
        role: "a route target",
        edge: EdgeRole::Route,
    }),
    "\"METHOD /path\" → function id",
);
// 50 ms – 30 s: HTTP APIs allow 30 s (aws-semantics.md §6.1, [I] re:Post); REST APIs 50 ms – 29 s, default 29 s
// (§6.1, [V]) — the REST cap is the cross-field rule [`REST_MAX_TIMEOUT_MS`].
pub(crate) const TIMEOUT_MS: Key = key(
    "timeout_ms",
    Kind::Int {
        min: 50,
        max: 30_000,
        default: Some(29_000),
    },
    "integration timeout (REST APIs at most 29,000); then 504 (REST) or 503 (HTTP)",
);
/// The integration timeout cap of a REST API: 29 s (aws-semantics.md §6.1, [V]).
pub(crate) const REST_MAX_TIMEOUT_MS: i64 = 29_000;
// Account default 10,000 requests per second (adjustable), a token bucket: aws-limits-rds.md §5, AG-LIM.
pub(crate) const THROTTLE_RATE_PER_S: Key = key(
    "throttle_rate_per_s",
    Kind::Number {
        min: 0.0,
        max: f64::INFINITY,
        default: 10_000.0,
    },
    "token bucket: steady-state requests per second (account default 10,000)",
);
// Account burst 5,000, not adjustable; a stage's limit cannot exceed the account's (aws-limits-rds.md §5, AG-LIM,
// AG-THR).
pub(crate) const THROTTLE_BURST: Key = key(
    "throttle_burst",
    Kind::Int {
        min: 0,
        max: 5_000,
        default: Some(5_000),
    },
    "token bucket size; a request finding it empty gets 429 {\"message\":\"Too Many Requests\"}",
);
