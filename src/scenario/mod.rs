//! Scenarios: the `eventflow/1` file format (shared/spec/scenario-format.md).
//!
//! - [`model`]: the typed, validated scenario the engine reads.
//! - [`load_file`] / [`load_str`] / [`load_bytes`]: parse (with positions, [`json`]), validate every rule of the
//!   format and build a [`Scenario`], or report every problem of the file as `file:line:col: path: message`.
//! - [`tour`]: a scenario's guided tour (steps, what each highlights, the moment each waits for).
//! - [`graph`]: the architecture graph (resources and traffic sources as nodes, references as typed edges).
//! - [`registry`]: one descriptor per resource type — the single source of its keys, ranges, defaults, enums,
//!   references and edges for the loader, the writer, the editor's form, the palette and the graph.

pub mod estimate;
pub mod graph;
pub mod json;
mod keys;
pub mod model;
pub mod registry;
pub mod tour;
pub mod write;

mod error;
mod load;

#[cfg(test)]
mod tests;

pub use error::{LoadError, Problem};
pub use graph::{ArchGraph, EdgeKind, GraphEdge, GraphNode, NodeRef};
pub use load::{
    FORMAT, MAX_RESOURCES, MAX_TIME_S, load_bytes, load_file, load_str, valid_id, validate,
};
pub use model::*;
pub use registry::database::{nondeterministic_sql, open_sql_database};
