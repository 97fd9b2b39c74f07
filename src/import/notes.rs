//! Import notes: one line per resource that was skipped, approximated or only partly wired, printed on stderr as
//! `note: LogicalId (Type): message`.

use std::fmt;

/// Something the import could not carry over exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Logical id of the template resource (or parameter) concerned.
    pub id: String,
    /// Its AWS type, or `Parameter` / `Template`.
    pub aws_type: String,
    pub message: String,
}

impl Note {
    pub fn new(id: &str, aws_type: &str, message: impl Into<String>) -> Note {
        Note {
            id: id.to_string(),
            aws_type: aws_type.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.id, self.aws_type, self.message)
    }
}
