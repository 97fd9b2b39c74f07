//! What the panels ask of the app. Panels own their state and draw themselves; anything that reaches beyond a
//! panel — a runner command, a document edit, opening a file, the selection — comes back as an [`Action`] that
//! the shell ([`super::app::EventflowApp`]) applies after drawing.

use std::path::PathBuf;

use std::sync::Arc;

use eframe::egui::Pos2;
use petgraph::graph::NodeIndex;
use serde_json::Value;

use crate::editor::WireOptions;
use crate::runner::Command;
use crate::scenario::{ResId, ResourceType};

/// What the inspector shows (run mode).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Selection {
    #[default]
    None,
    Node(NodeIndex),
    /// A row of the invocation log, by index.
    Invocation(usize),
    Trace(Arc<str>),
    /// A state of an expanded state machine (`node`), shown for the chosen execution (`None`: the latest) and,
    /// when one is chosen, a Map iteration (the Map's scope and the index): the Map's inner states are coloured
    /// and inspected as that iteration left them.
    State {
        node: NodeIndex,
        state: String,
        execution: Option<Arc<str>>,
        iteration: Option<(String, u32)>,
    },
}

/// An action that would lose unsaved changes, waiting for the user's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    New,
    OpenPicker,
    Open(PathBuf),
    Example(usize),
    Close,
    Quit,
}

/// One request of a panel to the shell.
#[derive(Debug, Clone)]
pub enum Action {
    // --- The run.
    /// A runner command as it is.
    Send(Command),
    TogglePlay,
    /// Start again at t = 0, paused.
    Reset,
    SetSpeed(f64),
    SetSkipIdle(bool),

    // --- Files and documents.
    /// Run it now, or ask first when there are unsaved changes.
    Request(Pending),
    /// Open a file at once (start page: nothing is open, so nothing can be lost).
    OpenPath(PathBuf),
    OpenExample(usize),
    OpenPicker,
    Reload,
    /// File → Export SAM template: write it to this path (with the handler code beside it), or ask where.
    ExportSam(Option<PathBuf>),
    /// Close the window.
    Quit,

    // --- What is shown.
    Select(Selection),
    /// An invocation row was clicked: inspect it and stop following the newest row.
    InspectInvocation(usize),
    /// A moving dot was clicked: select its trace and show what it carries (found by a re-run).
    InspectDot(super::dot_event::DotPick),
    FitCanvas,
    /// Draw a state machine node state by state, or as one node again.
    ToggleStates(NodeIndex),
    /// View → Size nodes by: what the canvas sizes node boxes by.
    SizeNodesBy(super::health::NodeSizing),
    SetDark(bool),
    /// Open "Send a test event" for a resource.
    OpenInject(ResId),
    /// Open the Experiments window (fault injection).
    OpenExperiments,
    /// Open the Compare window (A/B of two variants).
    OpenCompare,
    /// Save the open scenario with the current virtual time and selection as a moment file ([`crate::moment`]).
    SaveMoment,
    /// Dismiss the status line.
    DismissStatus,

    // --- Edit mode.
    SetEditing(bool),
    /// Save to this path (Save As) or to the session's file.
    Save(Option<PathBuf>),
    /// Open the Save As picker.
    SaveAs,
    Undo,
    Redo,
    DuplicateSelected,
    DeleteSelected,
    /// A new document and what changed (for the message and the undo record).
    Edit(Value, String),
    Rename {
        old: String,
        new: String,
    },
    /// Add a resource of a type, at a world position or in view.
    AddResource(ResourceType, Option<Pos2>),
    /// A drag from one node ended on another: wire at once, ask, or say why not.
    WireRequest {
        from: String,
        to: String,
    },
    /// Wire with the wiring dialog's answers.
    Wire {
        from: String,
        to: String,
        options: WireOptions,
    },
    /// Replace the edit-mode selection (resource ids or `traffic:NAME`).
    SelectNames(Vec<String>),
    /// Shift+click: add a name to the selection, or take it out.
    ToggleName(String),
    /// Nodes were moved on the canvas: the layout is part of the next save.
    LayoutMoved,
    /// Write a handler script, then validate and re-run.
    SaveScript(PathBuf, String),
    /// A message under the palette (text, is an error).
    EditMessage(String, bool),

    // --- Exports (File → Export).
    /// Ask where to write an export of this kind.
    Export(super::export::ExportKind),
}
