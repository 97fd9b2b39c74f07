//! The keys of the `eventflow/1` format's objects outside resources (top level, settings, distributions, traffic,
//! layout), in the order the specification lists them. The keys of resources and of their nested objects are in
//! the [`registry`](super::registry), one descriptor per resource type.
//!
//! One list serves both the loader (unknown keys are errors, with "did you mean" hints) and the canonical writer
//! (keys are written in this order), so the two can never disagree.

pub(crate) const TOP: &[&str] = &[
    "format",
    "name",
    "description",
    "settings",
    "resources",
    "external",
    "hints",
    "traffic",
    "tour",
    "layout",
];
/// An `external` entry (a template resource that is not simulated).
pub(crate) const EXTERNAL: &[&str] = &["id", "type", "note"];
/// A `hints` entry (a link a template implies).
pub(crate) const HINT: &[&str] = &["from", "to", "why"];
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

/// Every key a traffic entry may have, in canonical order.
pub(crate) fn traffic_entry() -> Vec<&'static str> {
    [TRAFFIC_HEAD, TIMING, TIMING_OPTIONS, PAYLOAD].concat()
}
