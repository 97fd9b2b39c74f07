//! Undo/redo: two stacks of whole documents, capped. Documents are small (kilobytes), so snapshots are simpler and
//! more robust than inverse operations.

use serde_json::Value;

/// Most documents kept on the undo stack.
pub const HISTORY_CAP: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct History {
    undo: Vec<Value>,
    redo: Vec<Value>,
}

impl History {
    /// Records `before` (the document an edit replaced); a new edit clears the redo stack.
    pub fn record(&mut self, before: Value) {
        self.undo.push(before);
        if self.undo.len() > HISTORY_CAP {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// Returns the document to go back to, given the current one.
    pub fn undo(&mut self, current: Value) -> Option<Value> {
        let prev = self.undo.pop()?;
        self.redo.push(current);
        Some(prev)
    }

    /// Returns the document to go forward to, given the current one.
    pub fn redo(&mut self, current: Value) -> Option<Value> {
        let next = self.redo.pop()?;
        self.undo.push(current);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn clear(&mut self) {
        self.undo.clear();
        self.redo.clear();
    }
}
