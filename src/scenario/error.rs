//! Errors of the scenario loader: one [`Problem`] per thing wrong in a file, all of them collected.

use std::fmt;

/// One problem in a scenario file, displayed as `file:line:col: path: message`
/// (e.g. `orders.json:14:21: resources.NewOrderRule.targets[0]: no resource "ProcesOrder" (did you mean "ProcessOrder"?)`).
/// When the problem concerns the document as a whole (a syntax error), `path` is empty and left out of the display.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// JSON path of the offending value, like `resources.NewOrderRule.targets[0]`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.col, self.message
            )
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, self.line, self.col, self.path, self.message
            )
        }
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    /// The file was read but is not a valid `eventflow/1` scenario: every problem found, in file order.
    #[error("{}", ProblemList(.problems))]
    Invalid { problems: Vec<Problem> },
}

impl LoadError {
    /// The problems of an invalid file (empty for an I/O error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Io { .. } => &[],
            LoadError::Invalid { problems } => problems,
        }
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}
