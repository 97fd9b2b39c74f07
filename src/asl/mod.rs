//! Amazon States Language (AWS Step Functions, classic JSONPath mode) interpreter.
//!
//! The interpreter is a *pure* state machine: it never reads a clock, never sleeps and never performs I/O.
//! The simulation engine parses a [`Definition`], calls [`Execution::start`], performs the returned
//! [`Action`]s (invoke a Lambda function, call another service, start a timer) and feeds the outcomes back
//! with [`Execution::task_succeeded`], [`Execution::task_failed`] and [`Execution::timer_fired`] (and a callback
//! task's `SendTask*` with [`Execution::callback_succeeded`], [`Execution::callback_failed`],
//! [`Execution::callback_heartbeat`]), after moving virtual time forward with [`Execution::set_now`]. Every feed returns the next actions; [`Action::Finished`]
//! is emitted exactly once when the execution ends.
//!
//! Submodules:
//! - [`path`]: JSONPath subset, reference paths, `$$` context paths;
//! - [`data`]: InputPath / Parameters / ResultSelector / ResultPath / OutputPath (payload templates);
//! - [`intrinsics`]: `States.*` intrinsic functions;
//! - [`choice`]: Choice rules;
//! - [`machine`]: definition parsing and validation;
//! - [`exec`]: the execution state machine.
//!
//! Approximations of AWS behaviour are documented on the items that make them; the main ones are listed on
//! [`exec::Execution`].

pub mod choice;
pub mod data;
pub mod exec;
pub mod intrinsics;
pub mod machine;
pub mod path;

#[cfg(test)]
mod tests;

pub use exec::{
    Action, ExecContext, ExecStatus, Execution, HistoryEvent, HistoryKind, MAX_HISTORY_EVENTS,
    MaxDuration, parse_task_token,
};
pub use machine::{Definition, TaskTarget};

/// A definition error: where (`States.ChargeCard.Retry[0]`) and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AslError {
    /// Location inside the definition, e.g. `States.ChargeCard.Retry[0]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl AslError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> AslError {
        AslError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A runtime error of a state: an ASL error name (`States.Timeout`, `Lambda.Unknown`, a custom name) and a cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Error name, matched by `ErrorEquals`.
    pub error: String,
    /// Human-readable cause.
    pub cause: String,
}

impl Failure {
    /// Builds a failure.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure {
            error: error.into(),
            cause: cause.into(),
        }
    }
    /// `States.Runtime` (never retried nor caught).
    pub fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new(errors::RUNTIME, cause)
    }
}

pub mod errors {
    //! The `States.*` error names used by the interpreter.
    /// Wildcard matching every error except `States.Runtime` and `States.DataLimitExceeded`.
    pub const ALL: &str = "States.ALL";
    /// Task ran longer than `TimeoutSeconds` (or the execution longer than its `TimeoutSeconds`).
    pub const TIMEOUT: &str = "States.Timeout";
    /// A callback task sent no heartbeat for `HeartbeatSeconds`.
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// Wildcard for any error except `States.Timeout` (and the uncatchable ones).
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// A data-flow failure; terminal: not retried, not caught.
    pub const RUNTIME: &str = "States.Runtime";
    /// Terminal, like `States.Runtime`.
    pub const DATA_LIMIT: &str = "States.DataLimitExceeded";
    /// ResultPath cannot be applied to the state input.
    pub const RESULT_PATH: &str = "States.ResultPathMatchFailure";
    /// A `.$` field of a payload template could not be resolved.
    pub const PARAMETER_PATH: &str = "States.ParameterPathFailure";
    /// An intrinsic function failed.
    pub const INTRINSIC: &str = "States.IntrinsicFailure";
    /// Choice without match and without Default.
    pub const NO_CHOICE: &str = "States.NoChoiceMatched";
    /// A Parallel branch failed (not raised by this interpreter: the branch's own error propagates).
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
}

/// Deterministic pseudo-random generator (SplitMix64) used for `States.MathRandom`, `States.UUID`, full
/// jitter and synthetic request ids. Seeded from [`ExecContext::seed`].
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Creates a generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1A4_F87B)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
