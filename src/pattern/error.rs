//! The error returned when a pattern (or SNS filter policy) cannot be compiled.
//!
//! Every error names the place inside the pattern JSON where the problem was found
//! (`detail.amount[0].numeric`, `$or[1].source`, or `""` for the root) and says what was
//! found and what was expected, so the editor can point at the offending token.

/// A pattern that EventBridge (or SNS) would reject.
/// Displayed as `path: message`, or just `message` at the root (no dangling `: `).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct PatternError {
    /// JSON path inside the pattern, like `detail.amount[0].numeric`, or `""` for the root.
    pub path: String,
    /// What was found and what was expected.
    pub message: String,
}

impl PatternError {
    /// Builds an error at `path`.
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        PatternError {
            path: path.into(),
            message: message.into(),
        }
    }
}
