//! AWS service limits the engine enforces, each with its source.

/// Largest synchronous invocation payload: 6 MB (6,291,456 bytes) for request and response (Lambda Developer
/// Guide, "Lambda quotas": "Invocation payload (request and response) — 6 MB each for request and response
/// (synchronous)"; aws-semantics.md §1.1). An SQS event source mapping invokes synchronously, so its batch stops
/// growing before the event would pass it.
pub const SYNC_INVOKE_PAYLOAD_MAX_BYTES: usize = 6_291_456;
