//! The architecture as a graph: one node per resource (except triggers, which are drawn as the edge from their
//! source to their function) and one per traffic source; one edge per reference, each knowing what kind of wiring
//! it is. Edges are derived from the scenario, never stored, so the drawing cannot disagree with the wiring.
//!
//! Which edges a resource type can make is declared by its descriptor in [`registry`]: each
//! reference key names the [`EdgeRole`] it makes, and building the graph checks (in debug builds) that every edge
//! is one its owner's descriptor declares.
//!
//! Order is deterministic: nodes are resources in file order then traffic sources; edges follow the file (resources
//! in order, and within a resource its keys in the order of the format), then traffic.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use serde_json::Value;

use super::model::{ResId, ResourceKind, ResourceType, Scenario, Target, Timing};
use super::registry;

/// A node of the architecture graph.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphNode {
    Resource {
        id: ResId,
        name: String,
        resource_type: ResourceType,
    },
    /// A traffic source (`index` into [`Scenario::traffic`]).
    Traffic { index: usize, name: String },
}

impl GraphNode {
    /// The name used in trace records: the resource id, or `traffic:NAME`.
    pub fn trace_name(&self) -> String {
        match self {
            GraphNode::Resource { name, .. } => name.clone(),
            GraphNode::Traffic { name, .. } => format!("traffic:{name}"),
        }
    }

    pub fn node_ref(&self) -> NodeRef {
        match self {
            GraphNode::Resource { id, .. } => NodeRef::Resource(*id),
            GraphNode::Traffic { index, .. } => NodeRef::Traffic(*index),
        }
    }
}

/// Names a node without its graph index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeRef {
    Resource(ResId),
    Traffic(usize),
}

/// What a wire means.
#[derive(Debug, Clone, PartialEq)]
pub enum EdgeKind {
    /// Traffic source → its target; `summary` describes the timing ("every 0.5 s").
    Traffic { summary: String },
    /// API → function.
    Route { route_key: String },
    /// Event bus → rule; `summary` is a short text of the pattern.
    BusToRule { summary: String },
    /// Rule → target; `input_summary` tells how the input is shaped, if it is.
    RuleTarget { input_summary: Option<String> },
    /// Schedule → target.
    ScheduleTarget { input_summary: Option<String> },
    /// Bucket → notification target.
    Notification {
        events: Vec<String>,
        prefix: String,
        suffix: String,
    },
    /// Bucket → the `default` event bus (`event_bridge: true`).
    BucketToBus,
    /// Topic → subscriber.
    Subscription { filtered: bool, raw: bool },
    /// Trigger source (queue or table) → function.
    Trigger { trigger: ResId, batch_size: u32 },
    /// Trigger source → on-failure destination of a stream trigger.
    TriggerOnFailure { trigger: ResId },
    /// Queue → its dead-letter queue (redrive), or function → its dead-letter queue or topic.
    DeadLetter,
    /// Function → async destination.
    Destination { on_success: bool },
    /// Rule → its dead-letter queue.
    RuleDeadLetter,
    /// State machine → a function a `Task` state invokes (`state` is the state's name).
    TaskInvoke { state: String },
    /// Function → a database or proxy its code queries (`rds::query`).
    DatabaseCall,
    /// Proxy → the database it pools.
    ProxyTarget,
}

/// What kind of wire an edge is, without its data: what a reference of the registry declares it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeRole {
    Traffic,
    Route,
    BusToRule,
    RuleTarget,
    ScheduleTarget,
    Notification,
    BucketToBus,
    Subscription,
    Trigger,
    TriggerOnFailure,
    DeadLetter,
    Destination,
    RuleDeadLetter,
    TaskInvoke,
    /// A function's code queries a database or proxy (`rds::query`).
    DatabaseCall,
    /// A proxy's database.
    ProxyTarget,
}

/// An edge of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphEdge {
    pub kind: EdgeKind,
}

impl GraphEdge {
    pub fn label(&self) -> String {
        self.kind.label()
    }
}

impl EdgeKind {
    /// The role of the edge (its kind without data).
    pub fn role(&self) -> EdgeRole {
        match self {
            EdgeKind::Traffic { .. } => EdgeRole::Traffic,
            EdgeKind::Route { .. } => EdgeRole::Route,
            EdgeKind::BusToRule { .. } => EdgeRole::BusToRule,
            EdgeKind::RuleTarget { .. } => EdgeRole::RuleTarget,
            EdgeKind::ScheduleTarget { .. } => EdgeRole::ScheduleTarget,
            EdgeKind::Notification { .. } => EdgeRole::Notification,
            EdgeKind::BucketToBus => EdgeRole::BucketToBus,
            EdgeKind::Subscription { .. } => EdgeRole::Subscription,
            EdgeKind::Trigger { .. } => EdgeRole::Trigger,
            EdgeKind::TriggerOnFailure { .. } => EdgeRole::TriggerOnFailure,
            EdgeKind::DeadLetter => EdgeRole::DeadLetter,
            EdgeKind::Destination { .. } => EdgeRole::Destination,
            EdgeKind::RuleDeadLetter => EdgeRole::RuleDeadLetter,
            EdgeKind::TaskInvoke { .. } => EdgeRole::TaskInvoke,
            EdgeKind::DatabaseCall => EdgeRole::DatabaseCall,
            EdgeKind::ProxyTarget => EdgeRole::ProxyTarget,
        }
    }

    /// A short human label for drawing ("POST /orders", "batch 10", "s3:ObjectCreated:* *.jpg"); may be empty.
    pub fn label(&self) -> String {
        match self {
            EdgeKind::Traffic { summary } => summary.clone(),
            EdgeKind::Route { route_key } => route_key.clone(),
            EdgeKind::BusToRule { summary } => summary.clone(),
            EdgeKind::RuleTarget { input_summary } | EdgeKind::ScheduleTarget { input_summary } => {
                input_summary.clone().unwrap_or_default()
            }
            EdgeKind::Notification {
                events,
                prefix,
                suffix,
            } => {
                let mut s = events.join(", ");
                if !prefix.is_empty() || !suffix.is_empty() {
                    s.push_str(&format!(" {prefix}*{suffix}"));
                }
                s
            }
            EdgeKind::BucketToBus => "EventBridge".into(),
            EdgeKind::Subscription { filtered, raw } => match (filtered, raw) {
                (true, true) => "filtered, raw".into(),
                (true, false) => "filtered".into(),
                (false, true) => "raw".into(),
                (false, false) => String::new(),
            },
            EdgeKind::Trigger { batch_size, .. } => format!("batch {batch_size}"),
            EdgeKind::TriggerOnFailure { .. } => "on failure".into(),
            EdgeKind::DeadLetter | EdgeKind::RuleDeadLetter => "DLQ".into(),
            EdgeKind::Destination { on_success: true } => "on success".into(),
            EdgeKind::Destination { on_success: false } => "on failure".into(),
            EdgeKind::TaskInvoke { state } => state.clone(),
            EdgeKind::DatabaseCall => "SQL".into(),
            EdgeKind::ProxyTarget => "pool".into(),
        }
    }
}

/// The architecture graph of a scenario.
#[derive(Debug, Clone)]
pub struct ArchGraph {
    pub graph: DiGraph<GraphNode, GraphEdge>,
    /// Node of each resource (None for triggers).
    resource_nodes: Vec<Option<NodeIndex>>,
    traffic_nodes: Vec<NodeIndex>,
    /// The edge each trigger is drawn as.
    trigger_edges: HashMap<ResId, EdgeIndex>,
    by_trace_name: HashMap<String, NodeIndex>,
}

impl ArchGraph {
    /// Builds the graph of a (validated) scenario.
    pub fn new(s: &Scenario) -> ArchGraph {
        let mut graph = DiGraph::new();
        let mut resource_nodes = Vec::with_capacity(s.resources.len());
        let mut by_trace_name = HashMap::new();
        for (i, r) in s.resources.iter().enumerate() {
            let id = ResId(u32::try_from(i).unwrap_or(u32::MAX));
            if registry::of(r.resource_type()).drawn_as_edge {
                resource_nodes.push(None);
                continue;
            }
            let n = graph.add_node(GraphNode::Resource {
                id,
                name: r.id.clone(),
                resource_type: r.resource_type(),
            });
            by_trace_name.insert(r.id.clone(), n);
            resource_nodes.push(Some(n));
        }
        let mut traffic_nodes = Vec::with_capacity(s.traffic.len());
        for (index, t) in s.traffic.iter().enumerate() {
            let n = graph.add_node(GraphNode::Traffic {
                index,
                name: t.name.clone(),
            });
            by_trace_name.insert(format!("traffic:{}", t.name), n);
            traffic_nodes.push(n);
        }
        let mut g = ArchGraph {
            graph,
            resource_nodes,
            traffic_nodes,
            trigger_edges: HashMap::new(),
            by_trace_name,
        };
        g.add_edges(s);
        g
    }

    fn add(&mut self, from: NodeRef, to: NodeRef, kind: EdgeKind) -> Option<EdgeIndex> {
        let a = self.node(from)?;
        let b = self.node(to)?;
        Some(self.graph.add_edge(a, b, GraphEdge { kind }))
    }

    /// Adds an edge that a resource of type `owner` makes (its descriptor declares the edge's role).
    fn wire(
        &mut self,
        owner: ResourceType,
        from: NodeRef,
        to: NodeRef,
        kind: EdgeKind,
    ) -> Option<EdgeIndex> {
        debug_assert!(
            registry::of(owner).edge_roles().contains(&kind.role()),
            "the {} descriptor declares no {:?} edge",
            owner.name(),
            kind.role()
        );
        self.add(from, to, kind)
    }

    fn add_edges(&mut self, s: &Scenario) {
        use NodeRef::Resource as R;
        for (i, r) in s.resources.iter().enumerate() {
            let me = ResId(u32::try_from(i).unwrap_or(u32::MAX));
            self.resource_edges(s, me, &r.kind);
        }
        for (i, t) in s.traffic.iter().enumerate() {
            self.add(
                NodeRef::Traffic(i),
                R(t.to),
                EdgeKind::Traffic {
                    summary: timing_summary(&t.timing),
                },
            );
        }
    }

    /// The edges resource `me` makes, in the order of its keys.
    fn resource_edges(&mut self, s: &Scenario, me: ResId, kind: &ResourceKind) {
        use NodeRef::Resource as R;
        let owner = kind.resource_type();
        match kind {
            ResourceKind::Function(f) => {
                if let Some(d) = f.async_config.on_success {
                    self.wire(
                        owner,
                        R(me),
                        R(d),
                        EdgeKind::Destination { on_success: true },
                    );
                }
                if let Some(d) = f.async_config.on_failure {
                    self.wire(
                        owner,
                        R(me),
                        R(d),
                        EdgeKind::Destination { on_success: false },
                    );
                }
                if let Some(d) = f.dead_letter {
                    self.wire(owner, R(me), R(d), EdgeKind::DeadLetter);
                }
                for db in &f.databases {
                    self.wire(owner, R(me), R(*db), EdgeKind::DatabaseCall);
                }
            }
            ResourceKind::Api(api) => {
                for (key, f) in &api.routes {
                    self.wire(
                        owner,
                        R(me),
                        R(*f),
                        EdgeKind::Route {
                            route_key: key.clone(),
                        },
                    );
                }
            }
            ResourceKind::EventBus => {}
            ResourceKind::Rule(rule) => {
                self.wire(
                    owner,
                    R(rule.bus),
                    R(me),
                    EdgeKind::BusToRule {
                        summary: rule.pattern.summary(),
                    },
                );
                for t in &rule.targets {
                    self.wire(
                        owner,
                        R(me),
                        R(t.target),
                        EdgeKind::RuleTarget {
                            input_summary: input_summary(t),
                        },
                    );
                }
                if let Some(d) = rule.dead_letter {
                    self.wire(owner, R(me), R(d), EdgeKind::RuleDeadLetter);
                }
            }
            ResourceKind::Schedule(sched) => {
                for t in &sched.targets {
                    self.wire(
                        owner,
                        R(me),
                        R(t.target),
                        EdgeKind::ScheduleTarget {
                            input_summary: input_summary(t).or_else(|| {
                                sched.input.as_ref().map(|_| "constant input".to_string())
                            }),
                        },
                    );
                }
            }
            ResourceKind::Bucket(b) => {
                for n in &b.notifications {
                    self.wire(
                        owner,
                        R(me),
                        R(n.target),
                        EdgeKind::Notification {
                            events: n.events.clone(),
                            prefix: n.prefix.clone(),
                            suffix: n.suffix.clone(),
                        },
                    );
                }
                if b.event_bridge
                    && let Some(bus) = s.find("default")
                    && s.resource(bus).resource_type() == ResourceType::EventBus
                {
                    self.wire(owner, R(me), R(bus), EdgeKind::BucketToBus);
                }
            }
            ResourceKind::Queue(q) => {
                if let Some(d) = &q.dead_letter {
                    self.wire(owner, R(me), R(d.target), EdgeKind::DeadLetter);
                }
            }
            ResourceKind::Topic(t) => {
                for sub in &t.subscriptions {
                    self.wire(
                        owner,
                        R(me),
                        R(sub.target),
                        EdgeKind::Subscription {
                            filtered: sub.filter_policy.is_some(),
                            raw: sub.raw_message_delivery,
                        },
                    );
                }
            }
            ResourceKind::Table(_) | ResourceKind::Database(_) => {}
            ResourceKind::DbProxy(p) => {
                self.wire(owner, R(me), R(p.database), EdgeKind::ProxyTarget);
            }
            ResourceKind::Trigger(t) => {
                if let Some(e) = self.wire(
                    owner,
                    R(t.source),
                    R(t.function),
                    EdgeKind::Trigger {
                        trigger: me,
                        batch_size: t.batch_size,
                    },
                ) {
                    self.trigger_edges.insert(me, e);
                }
                if let Some(d) = t.on_failure {
                    self.wire(
                        owner,
                        R(t.source),
                        R(d),
                        EdgeKind::TriggerOnFailure { trigger: me },
                    );
                }
            }
            ResourceKind::StateMachine(sm) => {
                let mut found = Vec::new();
                task_functions(&sm.definition, &mut found, 0);
                for (state, fname) in found {
                    if let Some(f) = s.find(&fname)
                        && s.resource(f).resource_type() == ResourceType::Function
                    {
                        self.wire(owner, R(me), R(f), EdgeKind::TaskInvoke { state });
                    }
                }
            }
        }
    }

    /// The graph node of a resource or traffic source (None for a trigger, which is an edge).
    pub fn node(&self, r: NodeRef) -> Option<NodeIndex> {
        match r {
            NodeRef::Resource(id) => self.resource_nodes.get(id.index()).copied().flatten(),
            NodeRef::Traffic(i) => self.traffic_nodes.get(i).copied(),
        }
    }

    pub fn resource_node(&self, id: ResId) -> Option<NodeIndex> {
        self.node(NodeRef::Resource(id))
    }

    pub fn traffic_node(&self, index: usize) -> Option<NodeIndex> {
        self.node(NodeRef::Traffic(index))
    }

    /// What a graph node stands for.
    pub fn node_ref(&self, n: NodeIndex) -> Option<NodeRef> {
        self.graph.node_weight(n).map(GraphNode::node_ref)
    }

    /// The node of a trace name: a resource id or `traffic:NAME`.
    pub fn find(&self, trace_name: &str) -> Option<NodeIndex> {
        self.by_trace_name.get(trace_name).copied()
    }

    /// The first edge (in file order) from `from` to `to`.
    pub fn edge_between(&self, from: NodeRef, to: NodeRef) -> Option<EdgeIndex> {
        let a = self.node(from)?;
        let b = self.node(to)?;
        self.graph
            .edges_connecting(a, b)
            .map(|e| petgraph::visit::EdgeRef::id(&e))
            .min()
    }

    /// The edge a trigger is drawn as (source → function).
    pub fn trigger_edge(&self, trigger: ResId) -> Option<EdgeIndex> {
        self.trigger_edges.get(&trigger).copied()
    }

    /// All edges in file order.
    pub fn edges_in_order(&self) -> impl Iterator<Item = EdgeIndex> + '_ {
        self.graph.edge_indices()
    }
}

impl From<&Scenario> for ArchGraph {
    fn from(s: &Scenario) -> ArchGraph {
        ArchGraph::new(s)
    }
}

fn fmt_secs(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn timing_summary(t: &Timing) -> String {
    match t {
        Timing::At(times) => match times.as_slice() {
            [one] => format!("at {} s", fmt_secs(*one)),
            many => format!("{} times", many.len()),
        },
        Timing::Every { every_s, count, .. } => match count {
            Some(c) => format!("every {} s ×{c}", fmt_secs(*every_s)),
            None => format!("every {} s", fmt_secs(*every_s)),
        },
        Timing::Poisson { per_s, .. } => format!("~{}/s", fmt_secs(*per_s)),
    }
}

fn input_summary(t: &Target) -> Option<String> {
    if t.input.is_some() {
        Some("constant input".into())
    } else if let Some(p) = &t.input_path {
        Some(p.clone())
    } else if t.input_transformer.is_some() {
        Some("input transformer".into())
    } else {
        None
    }
}

/// Finds `Task` states that invoke a Lambda function: `Resource` is a function ARN (or id), or the
/// `arn:aws:states:::lambda:invoke` integration with `Parameters.FunctionName`. Returns (state, function name).
fn task_functions(def: &Value, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Some(states) = def.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, st) in states {
        match st.get("Type").and_then(Value::as_str) {
            Some("Task") => {
                let resource = st.get("Resource").and_then(Value::as_str).unwrap_or("");
                let target = if resource.starts_with("arn:aws:states:::lambda:invoke") {
                    st.get("Parameters")
                        .or_else(|| st.get("Arguments"))
                        .and_then(|p| p.get("FunctionName"))
                        .and_then(Value::as_str)
                        .map(function_name)
                } else if resource.starts_with("arn:aws:lambda:") || !resource.contains(':') {
                    Some(function_name(resource))
                } else {
                    None
                };
                if let Some(f) = target
                    && !f.is_empty()
                {
                    out.push((name.clone(), f));
                }
            }
            Some("Parallel") => {
                if let Some(branches) = st.get("Branches").and_then(Value::as_array) {
                    for b in branches {
                        task_functions(b, out, depth + 1);
                    }
                }
            }
            Some("Map") => {
                if let Some(p) = st.get("ItemProcessor").or_else(|| st.get("Iterator")) {
                    task_functions(p, out, depth + 1);
                }
            }
            _ => {}
        }
    }
}

/// `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` → NAME; anything else as it is.
fn function_name(s: &str) -> String {
    if let Some(rest) = s.strip_prefix("arn:aws:lambda:") {
        let parts: Vec<&str> = rest.split(':').collect();
        if let Some(i) = parts.iter().position(|p| *p == "function") {
            return parts.get(i + 1).copied().unwrap_or("").to_string();
        }
    }
    s.to_string()
}
