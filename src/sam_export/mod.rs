//! `eventflow export FILE --sam`: a scenario → an AWS SAM template (YAML with short-form tags) that deploys the
//! same architecture. It is the inverse of [`crate::import`]'s mapping tables: every resource keeps its id as
//! its logical id and gets its SAM/CloudFormation type; wiring is written with `!Ref` / `!GetAtt`; API routes,
//! SNS subscriptions of functions, S3 notifications of functions and triggers whose id is `<Function><Event>`
//! become the function's SAM `Events` (so SAM generates what importing reads back); each function's policies
//! are SAM policy templates derived from the SDK calls of its handler code ([`policies`]).
//!
//! What a template cannot hold stays out, each with a note: traffic, settings, the tour, the layout, and the
//! simulation-only keys (durations, error rates, seed items). Handler scripts are Rhai: a function with code
//! points its `CodeUri` at `functions/<Id>/`, where [`Export::code`] puts the script to port; a function without
//! code gets a small inline handler that returns `null`, like the simulated default.

pub mod policies;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use yaml::Node;

/// A scenario exported as a SAM template.
#[derive(Debug, Clone)]
pub struct Export {
    /// The template's YAML text.
    pub template: String,
    /// What did not carry over (one line each: `Id: message`, or a scenario-level message).
    pub notes: Vec<String>,
    /// Handler code to write next to the template: (path relative to the template, contents).
    pub code: Vec<(PathBuf, String)>,
}

impl Export {
    /// Writes the template to `template_path` (atomically) and each handler script under `functions/<Id>/`
    /// beside it. The error names the file that could not be written.
    pub fn write_beside(&self, template_path: &Path) -> Result<(), (PathBuf, std::io::Error)> {
        crate::fileio::write_atomic(template_path, &self.template)
            .map_err(|e| (template_path.to_path_buf(), e))?;
        let dir = template_path.parent().unwrap_or(Path::new("."));
        for (relative, code) in &self.code {
            let target = dir.join(relative);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| (parent.to_path_buf(), e))?;
            }
            crate::fileio::write_atomic(&target, code).map_err(|e| (target.clone(), e))?;
        }
        Ok(())
    }
}

/// Why a scenario could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Invalid(String),
    #[error("{file}: {message}")]
    Io { file: String, message: String },
}

/// Runtime of the exported functions: the handler code must be ported from Rhai anyway, and an inline Python
/// handler needs no build step.
const RUNTIME: &str = "python3.12";
const INLINE_HANDLER: &str = "def handler(event, context):\n    return None\n";

/// Exports a scenario file (validated first, so only a loadable scenario is exported).
pub fn export_file(path: &Path) -> Result<Export, ExportError> {
    crate::scenario::load_file(path).map_err(|e| ExportError::Invalid(e.to_string()))?;
    let text = std::fs::read_to_string(path).map_err(|e| ExportError::Io {
        file: path.display().to_string(),
        message: format!("cannot read: {e}"),
    })?;
    let document: Value = serde_json::from_str(&text)
        .map_err(|e| ExportError::Invalid(format!("{}: {e}", path.display())))?;
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(export_document(&document, path.parent(), &label))
}

/// Exports a scenario document; `base_dir` is where its handler scripts are read (None: not read).
pub fn export_document(document: &Value, base_dir: Option<&Path>, source_label: &str) -> Export {
    let empty = Map::new();
    let resources = document
        .get("resources")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut x = Exporter {
        kinds: resources
            .iter()
            .map(|(id, r)| (id.clone(), kind(r).to_string()))
            .collect(),
        out: Vec::new(),
        events: BTreeMap::new(),
        policies: BTreeMap::new(),
        queue_senders: BTreeMap::new(),
        notes: Vec::new(),
        code: Vec::new(),
        proxy_database: resources
            .iter()
            .filter(|(_, r)| kind(r) == "db_proxy")
            .filter_map(|(id, r)| Some((id.clone(), r.get("database")?.as_str()?.to_string())))
            .collect(),
        engines: resources
            .iter()
            .filter(|(_, r)| kind(r) == "database")
            .filter_map(|(id, r)| Some((id.clone(), r.get("engine")?.as_str()?.to_string())))
            .collect(),
        uses_database_network: false,
    };
    for key in ["traffic", "settings", "tour", "layout"] {
        if document.get(key).is_some() {
            x.notes.push(format!(
                "{key}: not exported (a template describes resources, not a run)"
            ));
        }
    }
    // An import's unsimulated resources are not written back: the scenario keeps only their id and type, not
    // their properties, so a resource written from that would not deploy. Each is named in a note (a comment of
    // the template) to be copied from the original template.
    for e in document
        .get("external")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(id), Some(aws_type)) = (
            e.get("id").and_then(Value::as_str),
            e.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        x.notes.push(format!(
            "{id}: {aws_type} is not simulated, so not exported; copy it from the template the design came from"
        ));
    }
    if document.get("hints").is_some() {
        x.notes.push(
            "hints: not exported (they are what the original template's policies and environment implied)"
                .to_string(),
        );
    }
    for (id, r) in resources {
        let Some(r) = r.as_object() else { continue };
        x.resource(id, r, base_dir);
    }
    x.finish(document, source_label)
}

fn kind(r: &Value) -> &str {
    r.get("type").and_then(Value::as_str).unwrap_or("")
}

struct Exporter {
    /// Scenario type of every resource id.
    kinds: BTreeMap<String, String>,
    /// Logical id → resource node, in scenario order (generated resources follow their owner).
    out: Vec<(String, Node)>,
    /// Function id → its SAM `Events` (name → event), added by the resources that trigger it.
    events: BTreeMap<String, Vec<(String, Node)>>,
    /// Function or state machine id → its SAM policies.
    policies: BTreeMap<String, Vec<Node>>,
    /// Queue id → the service principals that send to it (for its queue policy).
    queue_senders: BTreeMap<String, BTreeSet<(&'static str, String)>>,
    notes: Vec<String>,
    code: Vec<(PathBuf, String)>,
    /// Proxy id → the database it pools.
    proxy_database: BTreeMap<String, String>,
    /// Database id → its engine (`postgres` when not given).
    engines: BTreeMap<String, String>,
    /// True once a database, proxy or querying function needs the subnet and security-group parameters.
    uses_database_network: bool,
}

/// Parameters of an export with databases: RDS and RDS Proxy live in a VPC, and a function that queries them
/// runs in it. A template cannot know the deployer's network, so these have no default.
const SUBNETS_PARAMETER: &str = "DatabaseSubnetIds";
const SECURITY_GROUPS_PARAMETER: &str = "DatabaseSecurityGroupIds";
/// The subnet group every exported database is placed in.
const SUBNET_GROUP: &str = "DatabaseSubnetGroup";

/// A mapping built from key–value pairs.
fn map(entries: Vec<(&str, Node)>) -> Node {
    Node::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn resource_node(aws_type: &str, properties: Node) -> Node {
    let mut r = map(vec![("Type", Node::str(aws_type))]);
    if !properties.is_empty_map() {
        r.set("Properties", properties);
    }
    r
}

fn int(r: &Map<String, Value>, key: &str) -> Option<Node> {
    r.get(key).and_then(Value::as_i64).map(Node::Int)
}

fn text(r: &Map<String, Value>, key: &str) -> Option<String> {
    r.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A JSON value as the JSON text CloudFormation expects for `Input` and filter patterns.
fn json_text(v: &Value) -> Node {
    Node::str(v.to_string())
}

/// `Foo-bar /x` → `FooBarX`: a logical-id-safe name part.
fn id_part(s: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// `OrdersDb` → `ORDERS_DB`: an environment variable name part.
fn upper_snake(s: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower {
                out.push('_');
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_uppercase());
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    out
}

/// A proxy's `DBProxyName`: RDS wants a letter first, then letters, digits and single hyphens, at most 63
/// characters (RDS API reference, CreateDBProxy `DBProxyName`). `OrdersProxy` → `orders-proxy`.
fn proxy_name(id: &str) -> String {
    let mut name: String = upper_snake(id)
        .to_ascii_lowercase()
        .split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "proxy-");
    }
    name.truncate(63);
    name.trim_end_matches('-').to_string()
}

impl Exporter {
    fn kind(&self, id: &str) -> &str {
        self.kinds.get(id).map(String::as_str).unwrap_or("")
    }

    fn note(&mut self, id: &str, message: impl Into<String>) {
        self.notes.push(format!("{id}: {}", message.into()));
    }

    /// Notes every key of `r` that the export does not carry.
    fn unexported_keys(&mut self, id: &str, r: &Map<String, Value>, handled: &[&str]) {
        for key in r.keys() {
            if key != "type" && key != "description" && !handled.contains(&key.as_str()) {
                self.note(id, format!("{key} is simulation-only; not exported"));
            }
        }
    }

    /// The ARN of a resource, as an intrinsic.
    fn arn(&self, id: &str) -> Node {
        match self.kind(id) {
            // `Ref` of a topic is its ARN.
            "topic" => Node::reference(id),
            "event_bus" if id == "default" => Node::Tag(
                "!Sub",
                "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
                    .into(),
            ),
            _ => Node::get_att(id, "Arn"),
        }
    }

    fn add_event(&mut self, function: &str, base_name: &str, event: Node) {
        let events = self.events.entry(function.to_string()).or_default();
        let mut name = base_name.to_string();
        let mut n = 2;
        while events.iter().any(|(k, _)| *k == name) {
            name = format!("{base_name}{n}");
            n += 1;
        }
        events.push((name, event));
    }

    fn add_policy(&mut self, owner: &str, policy: Node) {
        let list = self.policies.entry(owner.to_string()).or_default();
        if !list.contains(&policy) {
            list.push(policy);
        }
    }

    /// A permission for `principal` to invoke `function` from `source` (rules and schedules).
    fn invoke_permission(&mut self, source: &str, function: &str) {
        let id = format!("{source}{}Permission", id_part(function));
        let props = map(vec![
            ("Action", Node::str("lambda:InvokeFunction")),
            ("FunctionName", Node::reference(function)),
            ("Principal", Node::str("events.amazonaws.com")),
            ("SourceArn", Node::get_att(source, "Arn")),
        ]);
        self.out
            .push((id, resource_node("AWS::Lambda::Permission", props)));
    }

    fn resource(&mut self, id: &str, r: &Map<String, Value>, base_dir: Option<&Path>) {
        match kind_str(r) {
            "function" => self.function(id, r, base_dir),
            "api" => self.api(id, r),
            "queue" => self.queue(id, r),
            "topic" => self.topic(id, r),
            "event_bus" => self.event_bus(id, r),
            "rule" => self.rule(id, r),
            "schedule" => self.schedule(id, r),
            "table" => self.table(id, r),
            "bucket" => self.bucket(id, r),
            "state_machine" => self.state_machine(id, r),
            "trigger" => self.trigger(id, r),
            "database" => self.database(id, r),
            "db_proxy" => self.db_proxy(id, r),
            other => self.note(
                id,
                format!("type {other} has no SAM counterpart here; left out"),
            ),
        }
    }

    fn function(&mut self, id: &str, r: &Map<String, Value>, base_dir: Option<&Path>) {
        self.unexported_keys(
            id,
            r,
            &[
                "memory_mb",
                "timeout_s",
                "reserved_concurrency",
                "environment",
                "dead_letter",
                "async",
                "code",
            ],
        );
        let mut p = Node::map();
        if let Some(d) = text(r, "description") {
            p.set("Description", Node::str(d));
        }
        p.set("Runtime", Node::str(RUNTIME));
        let code = r.get("code").and_then(Value::as_object);
        let source = code.and_then(|c| {
            if let Some(inline) = text(c, "inline") {
                return Some((
                    "inline code".to_string(),
                    "handler.rhai".to_string(),
                    Some(inline),
                ));
            }
            let script = text(c, "script")?;
            let name = Path::new(&script)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "handler.rhai".into());
            let contents = base_dir.and_then(|d| std::fs::read_to_string(d.join(&script)).ok());
            Some((script, name, contents))
        });
        // Databases and proxies the code queries (`rds::query`), as the loader finds them for the graph's SQL edges.
        let mut databases: Vec<String> = Vec::new();
        match source {
            None => {
                p.set("Handler", Node::str("index.handler"));
                p.set("InlineCode", Node::str(INLINE_HANDLER));
            }
            Some((origin, file_name, contents)) => {
                let folder = format!("functions/{id}/");
                p.set("Handler", Node::str("app.handler"));
                p.set("CodeUri", Node::str(folder.clone()));
                self.note(
                    id,
                    format!(
                        "handler code ({origin}) is Rhai: port it to {RUNTIME} in {folder}app.py"
                    ),
                );
                match contents {
                    Some(code) => {
                        let env_names: Vec<String> = r
                            .get("environment")
                            .and_then(Value::as_object)
                            .into_iter()
                            .flatten()
                            .filter_map(|(_, v)| v.as_str().map(str::to_string))
                            .collect();
                        for call in policies::calls(&code, &env_names) {
                            let kind = self.kind(&call.resource).to_string();
                            if call.module == "rds"
                                && matches!(kind.as_str(), "database" | "db_proxy")
                                && !databases.contains(&call.resource)
                            {
                                databases.push(call.resource.clone());
                            }
                            if let Some(policy) =
                                policies::policy(&call.module, &kind, &call.resource)
                            {
                                self.add_policy(id, policy);
                            }
                        }
                        self.code
                            .push((PathBuf::from(format!("{folder}{file_name}")), code));
                    }
                    None => self.note(
                        id,
                        format!("cannot read {origin}: no policies derived from it"),
                    ),
                }
            }
        }
        for (key, out) in [
            ("memory_mb", "MemorySize"),
            ("timeout_s", "Timeout"),
            ("reserved_concurrency", "ReservedConcurrentExecutions"),
        ] {
            if let Some(n) = int(r, key) {
                p.set(out, n);
            }
        }
        let mut vars: Vec<(String, Node)> = r
            .get("environment")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Node::from(v)))
            .collect();
        for db in &databases {
            self.database_access(id, db, &mut vars);
        }
        if !databases.is_empty() {
            p.set(
                "VpcConfig",
                map(vec![
                    ("SubnetIds", Node::reference(SUBNETS_PARAMETER)),
                    (
                        "SecurityGroupIds",
                        Node::reference(SECURITY_GROUPS_PARAMETER),
                    ),
                ]),
            );
        }
        if !vars.is_empty() {
            p.set("Environment", map(vec![("Variables", Node::Map(vars))]));
        }
        if let Some(dlq) = text(r, "dead_letter") {
            let t = if self.kind(&dlq) == "topic" {
                "SNS"
            } else {
                "SQS"
            };
            p.set(
                "DeadLetterQueue",
                map(vec![("Type", Node::str(t)), ("TargetArn", self.arn(&dlq))]),
            );
        }
        if let Some(a) = r.get("async").and_then(Value::as_object) {
            let mut c = Node::map();
            if let Some(n) = int(a, "retry_attempts") {
                c.set("MaximumRetryAttempts", n);
            }
            if let Some(n) = int(a, "max_event_age_s") {
                c.set("MaximumEventAgeInSeconds", n);
            }
            let mut destinations = Node::map();
            for (key, out) in [("on_success", "OnSuccess"), ("on_failure", "OnFailure")] {
                if let Some(target) = text(a, key) {
                    let t = match self.kind(&target) {
                        "queue" => "SQS",
                        "topic" => "SNS",
                        "function" => "Lambda",
                        _ => "EventBridge",
                    };
                    destinations.set(
                        out,
                        map(vec![
                            ("Type", Node::str(t)),
                            ("Destination", self.arn(&target)),
                        ]),
                    );
                }
            }
            if !destinations.is_empty_map() {
                c.set("DestinationConfig", destinations);
            }
            if !c.is_empty_map() {
                p.set("EventInvokeConfig", c);
            }
        }
        self.out.push((
            id.to_string(),
            resource_node("AWS::Serverless::Function", p),
        ));
    }

    fn api(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["protocol", "routes"]);
        let http = text(r, "protocol").as_deref() == Some("http");
        let (aws_type, event_type, api_key) = if http {
            ("AWS::Serverless::HttpApi", "HttpApi", "ApiId")
        } else {
            ("AWS::Serverless::Api", "Api", "RestApiId")
        };
        let mut p = Node::map();
        if !http {
            p.set("StageName", Node::str("prod"));
        }
        if let Some(d) = text(r, "description") {
            p.set("Description", Node::str(d));
        }
        self.out.push((id.to_string(), resource_node(aws_type, p)));
        let empty = Map::new();
        let routes = r.get("routes").and_then(Value::as_object).unwrap_or(&empty);
        for (route, function) in routes {
            let Some(function) = function.as_str() else {
                continue;
            };
            let mut ep = map(vec![(api_key, Node::reference(id))]);
            let name = if route == "$default" {
                if !http {
                    self.note(id, "the $default route exists on HTTP APIs only; left out");
                    continue;
                }
                format!("{id}Default")
            } else {
                let Some((method, path)) = route.split_once(' ') else {
                    continue;
                };
                ep.set("Path", Node::str(path));
                ep.set("Method", Node::str(method.to_ascii_lowercase()));
                format!(
                    "{id}{}{}",
                    id_part(&method.to_ascii_lowercase()),
                    id_part(path)
                )
            };
            let event = map(vec![("Type", Node::str(event_type)), ("Properties", ep)]);
            self.add_event(function, &name, event);
        }
    }

    fn queue(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(
            id,
            r,
            &[
                "fifo",
                "content_based_deduplication",
                "visibility_timeout_s",
                "delay_s",
                "retention_s",
                "dead_letter",
            ],
        );
        let mut p = Node::map();
        if r.get("fifo").and_then(Value::as_bool) == Some(true) {
            p.set("FifoQueue", Node::Bool(true));
            if r.get("content_based_deduplication")
                .and_then(Value::as_bool)
                == Some(true)
            {
                p.set("ContentBasedDeduplication", Node::Bool(true));
            }
        }
        for (key, out) in [
            ("visibility_timeout_s", "VisibilityTimeout"),
            ("delay_s", "DelaySeconds"),
            ("retention_s", "MessageRetentionPeriod"),
        ] {
            if let Some(n) = int(r, key) {
                p.set(out, n);
            }
        }
        if let Some(d) = r.get("dead_letter").and_then(Value::as_object)
            && let Some(target) = text(d, "target")
        {
            let mut policy = map(vec![("deadLetterTargetArn", Node::get_att(&target, "Arn"))]);
            if let Some(n) = int(d, "max_receive_count") {
                policy.set("maxReceiveCount", n);
            }
            p.set("RedrivePolicy", policy);
        }
        self.out
            .push((id.to_string(), resource_node("AWS::SQS::Queue", p)));
    }

    fn topic(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["fifo", "subscriptions"]);
        let mut p = Node::map();
        if r.get("fifo").and_then(Value::as_bool) == Some(true) {
            p.set("FifoTopic", Node::Bool(true));
        }
        self.out
            .push((id.to_string(), resource_node("AWS::SNS::Topic", p)));
        let subscriptions = r.get("subscriptions").and_then(Value::as_array);
        for (n, s) in subscriptions.into_iter().flatten().enumerate() {
            let Some(s) = s.as_object() else { continue };
            let Some(target) = text(s, "target") else {
                continue;
            };
            let filter = s.get("filter_policy");
            let scope = text(s, "filter_policy_scope");
            if self.kind(&target) == "function" {
                let mut ep = map(vec![("Topic", Node::reference(id))]);
                if let Some(f) = filter {
                    ep.set("FilterPolicy", Node::from(f));
                }
                if let Some(scope) = scope {
                    ep.set("FilterPolicyScope", Node::str(scope));
                }
                let event = map(vec![("Type", Node::str("SNS")), ("Properties", ep)]);
                self.add_event(&target, &format!("{id}Subscription"), event);
            } else {
                let mut p = map(vec![
                    ("TopicArn", Node::reference(id)),
                    ("Protocol", Node::str("sqs")),
                    ("Endpoint", Node::get_att(&target, "Arn")),
                ]);
                if let Some(f) = filter {
                    p.set("FilterPolicy", Node::from(f));
                }
                if let Some(scope) = scope {
                    p.set("FilterPolicyScope", Node::str(scope));
                }
                if s.get("raw_message_delivery").and_then(Value::as_bool) == Some(true) {
                    p.set("RawMessageDelivery", Node::Bool(true));
                }
                let sub_id = format!("{id}{}Subscription{}", id_part(&target), n + 1);
                self.out
                    .push((sub_id, resource_node("AWS::SNS::Subscription", p)));
                self.queue_senders
                    .entry(target)
                    .or_default()
                    .insert(("sns.amazonaws.com", id.to_string()));
            }
        }
    }

    fn event_bus(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &[]);
        if id == "default" {
            // Every account has it; CloudFormation cannot create it.
            return;
        }
        let p = map(vec![("Name", Node::str(id))]);
        self.out
            .push((id.to_string(), resource_node("AWS::Events::EventBus", p)));
    }

    /// Targets of a rule or schedule, with the permissions and queue policies they need.
    fn targets(&mut self, id: &str, r: &Map<String, Value>, extra: &Node) -> Node {
        let mut out = Vec::new();
        let targets = r.get("targets").and_then(Value::as_array);
        for (n, t) in targets.into_iter().flatten().enumerate() {
            let (target, settings) = match t {
                Value::String(s) => (s.clone(), Map::new()),
                Value::Object(o) => match text(o, "target") {
                    Some(s) => (s, o.clone()),
                    None => continue,
                },
                _ => continue,
            };
            let mut node = map(vec![
                ("Id", Node::str(format!("Target{}", n + 1))),
                ("Arn", self.arn(&target)),
            ]);
            let input = settings.get("input").or_else(|| r.get("input"));
            if let Some(input) = input {
                node.set("Input", json_text(input));
            }
            if let Some(path) = text(&settings, "input_path") {
                node.set("InputPath", Node::str(path));
            }
            if let Some(tr) = settings.get("input_transformer").and_then(Value::as_object) {
                let mut t = Node::map();
                if let Some(paths) = tr.get("input_paths") {
                    t.set("InputPathsMap", Node::from(paths));
                }
                if let Some(template) = text(tr, "input_template") {
                    t.set("InputTemplate", Node::str(template));
                }
                node.set("InputTransformer", t);
            }
            if let Some(group) = text(&settings, "message_group_id") {
                node.set(
                    "SqsParameters",
                    map(vec![("MessageGroupId", Node::str(group))]),
                );
            }
            if let Node::Map(entries) = extra {
                for (k, v) in entries {
                    node.set(k, v.clone());
                }
            }
            match self.kind(&target) {
                "function" => self.invoke_permission(id, &target),
                "queue" => {
                    self.queue_senders
                        .entry(target.clone())
                        .or_default()
                        .insert(("events.amazonaws.com", id.to_string()));
                }
                "state_machine" | "event_bus" => {
                    self.note(id, format!("target {target} needs a RoleArn that EventBridge may assume; add one before deploying"));
                }
                _ => {}
            }
            out.push(node);
        }
        Node::Seq(out)
    }

    fn rule(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(
            id,
            r,
            &[
                "bus",
                "pattern",
                "targets",
                "enabled",
                "retry",
                "dead_letter",
            ],
        );
        let mut p = Node::map();
        if let Some(d) = text(r, "description") {
            p.set("Description", Node::str(d));
        }
        let bus = text(r, "bus").unwrap_or_else(|| "default".into());
        p.set(
            "EventBusName",
            if bus == "default" {
                Node::str("default")
            } else {
                Node::reference(&bus)
            },
        );
        if let Some(pattern) = r.get("pattern") {
            p.set("EventPattern", Node::from(pattern));
        }
        let enabled = r.get("enabled").and_then(Value::as_bool) != Some(false);
        p.set(
            "State",
            Node::str(if enabled { "ENABLED" } else { "DISABLED" }),
        );
        let mut extra = Node::map();
        if let Some(retry) = r.get("retry").and_then(Value::as_object) {
            let mut rp = Node::map();
            if let Some(n) = int(retry, "maximum_retry_attempts") {
                rp.set("MaximumRetryAttempts", n);
            }
            if let Some(n) = int(retry, "maximum_event_age_s") {
                rp.set("MaximumEventAgeInSeconds", n);
            }
            extra.set("RetryPolicy", rp);
        }
        if let Some(dlq) = text(r, "dead_letter") {
            extra.set(
                "DeadLetterConfig",
                map(vec![("Arn", Node::get_att(&dlq, "Arn"))]),
            );
            self.queue_senders
                .entry(dlq)
                .or_default()
                .insert(("events.amazonaws.com", id.to_string()));
        }
        let index = self.out.len();
        let targets = self.targets(id, r, &extra);
        p.set("Targets", targets);
        self.out.insert(
            index,
            (id.to_string(), resource_node("AWS::Events::Rule", p)),
        );
    }

    fn schedule(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["expression", "targets", "input"]);
        let mut p = Node::map();
        if let Some(d) = text(r, "description") {
            p.set("Description", Node::str(d));
        }
        if let Some(e) = text(r, "expression") {
            p.set("ScheduleExpression", Node::str(e));
        }
        p.set("State", Node::str("ENABLED"));
        let index = self.out.len();
        let targets = self.targets(id, r, &Node::map());
        p.set("Targets", targets);
        self.out.insert(
            index,
            (id.to_string(), resource_node("AWS::Events::Rule", p)),
        );
    }

    fn table(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["partition_key", "sort_key", "stream"]);
        let mut attributes = Vec::new();
        let mut schema = Vec::new();
        for (key, key_type) in [("partition_key", "HASH"), ("sort_key", "RANGE")] {
            if let Some(name) = text(r, key) {
                // The scenario's items are untyped JSON; S (string) is the usual key type.
                attributes.push(map(vec![
                    ("AttributeName", Node::str(name.clone())),
                    ("AttributeType", Node::str("S")),
                ]));
                schema.push(map(vec![
                    ("AttributeName", Node::str(name)),
                    ("KeyType", Node::str(key_type)),
                ]));
            }
        }
        let mut p = map(vec![
            ("BillingMode", Node::str("PAY_PER_REQUEST")),
            ("AttributeDefinitions", Node::Seq(attributes)),
            ("KeySchema", Node::Seq(schema)),
        ]);
        if let Some(view) = text(r, "stream") {
            p.set(
                "StreamSpecification",
                map(vec![("StreamViewType", Node::str(view))]),
            );
        }
        self.out
            .push((id.to_string(), resource_node("AWS::DynamoDB::Table", p)));
    }

    fn bucket(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["notifications", "event_bridge"]);
        let mut config = Node::map();
        let notifications = r.get("notifications").and_then(Value::as_array);
        for (n, note) in notifications.into_iter().flatten().enumerate() {
            let Some(note) = note.as_object() else {
                continue;
            };
            let Some(target) = text(note, "target") else {
                continue;
            };
            let events: Vec<Node> = note
                .get("events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(Node::from)
                .collect();
            let mut rules = Vec::new();
            for (key, name) in [("prefix", "prefix"), ("suffix", "suffix")] {
                if let Some(v) = text(note, key).filter(|v| !v.is_empty()) {
                    rules.push(map(vec![
                        ("Name", Node::str(name)),
                        ("Value", Node::str(v)),
                    ]));
                }
            }
            let filter = (!rules.is_empty())
                .then(|| map(vec![("S3Key", map(vec![("Rules", Node::Seq(rules))]))]));
            let target_kind = self.kind(&target).to_string();
            if target_kind == "function" {
                let mut ep = map(vec![
                    ("Bucket", Node::reference(id)),
                    ("Events", Node::Seq(events)),
                ]);
                if let Some(f) = filter {
                    ep.set("Filter", f);
                }
                let event = map(vec![("Type", Node::str("S3")), ("Properties", ep)]);
                self.add_event(&target, &format!("{id}Notification"), event);
                continue;
            }
            let (list, key, principal) = match target_kind.as_str() {
                "queue" => ("QueueConfigurations", "Queue", "s3.amazonaws.com"),
                "topic" => ("TopicConfigurations", "Topic", "s3.amazonaws.com"),
                _ => continue,
            };
            if target_kind == "queue" {
                self.queue_senders
                    .entry(target.clone())
                    .or_default()
                    .insert((principal, id.to_string()));
            } else {
                self.note(id, format!("notification {} to topic {target} needs a topic policy allowing s3.amazonaws.com; add one before deploying", n + 1));
            }
            for event in events {
                let mut c = map(vec![("Event", event), (key, self.arn(&target))]);
                if let Some(f) = &filter {
                    c.set("Filter", f.clone());
                }
                match config.entry(list) {
                    Some(Node::Map(_)) | None => config.set(list, Node::Seq(vec![c])),
                    Some(Node::Seq(items)) => items.push(c),
                    Some(_) => {}
                }
            }
        }
        if r.get("event_bridge").and_then(Value::as_bool) == Some(true) {
            config.set(
                "EventBridgeConfiguration",
                map(vec![("EventBridgeEnabled", Node::Bool(true))]),
            );
        }
        let mut p = Node::map();
        if !config.is_empty_map() {
            p.set("NotificationConfiguration", config);
        }
        self.out
            .push((id.to_string(), resource_node("AWS::S3::Bucket", p)));
    }

    /// What a function that queries `db` (a database or proxy) needs in the template: its endpoint in an
    /// environment variable `<DB>_ENDPOINT` (which is also how the import finds the link again) and read access
    /// to the database's master secret (the credentials a client presents, to the database or to the proxy).
    fn database_access(&mut self, function: &str, db: &str, vars: &mut Vec<(String, Node)>) {
        self.uses_database_network = true;
        let name = format!("{}_ENDPOINT", upper_snake(db));
        let endpoint = if self.kind(db) == "db_proxy" {
            Node::get_att(db, "Endpoint")
        } else {
            Node::get_att(db, "Endpoint.Address")
        };
        if !vars.iter().any(|(k, _)| *k == name) {
            vars.push((name, endpoint));
        }
        let database = match self.kind(db) {
            "db_proxy" => self.proxy_database.get(db).cloned(),
            _ => Some(db.to_string()),
        };
        if let Some(database) = database {
            let secret = map(vec![(
                "SecretArn",
                Node::get_att(&database, "MasterUserSecret.SecretArn"),
            )]);
            self.add_policy(
                function,
                map(vec![("AWSSecretsManagerGetSecretValuePolicy", secret)]),
            );
        }
    }

    /// `database` → `AWS::RDS::DBInstance` (PostgreSQL or MySQL, the class as is), with a managed master secret,
    /// the shared subnet group, and a parameter group when `max_connections` overrides the class's default.
    fn database(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["engine", "instance_class", "max_connections"]);
        self.uses_database_network = true;
        let engine = text(r, "engine").unwrap_or_else(|| "postgres".into());
        // A parameter group belongs to one major version, so an instance with one pins its version; without one,
        // RDS picks its current default version. Both versions exist for every class eventflow models (cfn-lint's
        // RDS data, from the RDS DescribeOrderableDBInstanceOptions API).
        let (engine_version, family) = match engine.as_str() {
            "mysql" => ("8.4.5", "mysql8.4"),
            _ => ("17.5", "postgres17"),
        };
        let class = text(r, "instance_class").unwrap_or_else(|| "db.t3.micro".into());
        let mut p = map(vec![
            ("Engine", Node::str(engine.clone())),
            ("DBInstanceClass", Node::str(class)),
            // The smallest General Purpose storage RDS allows for PostgreSQL and MySQL (GiB).
            ("AllocatedStorage", Node::str("20")),
            ("MasterUsername", Node::str("eventflow")),
            // RDS keeps the password in a Secrets Manager secret (`MasterUserSecret`): nothing secret here.
            ("ManageMasterUserPassword", Node::Bool(true)),
            ("DBSubnetGroupName", Node::reference(SUBNET_GROUP)),
            (
                "VPCSecurityGroups",
                Node::reference(SECURITY_GROUPS_PARAMETER),
            ),
        ]);
        let parameter_group = r.get("max_connections").and_then(Value::as_i64).map(|n| {
            let group = format!("{id}Parameters");
            p.set("EngineVersion", Node::str(engine_version));
            p.set("DBParameterGroupName", Node::reference(&group));
            let props = map(vec![
                ("Description", Node::str(format!("max_connections of {id}"))),
                ("Family", Node::str(family)),
                (
                    "Parameters",
                    map(vec![("max_connections", Node::str(n.to_string()))]),
                ),
            ]);
            (group, resource_node("AWS::RDS::DBParameterGroup", props))
        });
        self.out
            .push((id.to_string(), resource_node("AWS::RDS::DBInstance", p)));
        self.out.extend(parameter_group);
    }

    /// `db_proxy` → `AWS::RDS::DBProxy` (reading its database's master secret through a role of its own) and
    /// its `default` `AWS::RDS::DBProxyTargetGroup` with the pool settings.
    fn db_proxy(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(
            id,
            r,
            &[
                "database",
                "max_connections_percent",
                "max_idle_connections_percent",
                "borrow_timeout_s",
            ],
        );
        self.uses_database_network = true;
        let Some(database) = text(r, "database") else {
            return;
        };
        let family =
            if self.kind(&database) == "database" && self.database_engine(&database) == "mysql" {
                "MYSQL"
            } else {
                "POSTGRESQL"
            };
        let secret = Node::get_att(&database, "MasterUserSecret.SecretArn");
        let role = format!("{id}Role");
        let p = map(vec![
            ("DBProxyName", Node::str(proxy_name(id))),
            ("EngineFamily", Node::str(family)),
            ("RoleArn", Node::get_att(&role, "Arn")),
            (
                "Auth",
                Node::Seq(vec![map(vec![
                    ("AuthScheme", Node::str("SECRETS")),
                    ("SecretArn", secret.clone()),
                    ("IAMAuth", Node::str("DISABLED")),
                ])]),
            ),
            ("VpcSubnetIds", Node::reference(SUBNETS_PARAMETER)),
            (
                "VpcSecurityGroupIds",
                Node::reference(SECURITY_GROUPS_PARAMETER),
            ),
        ]);
        self.out
            .push((id.to_string(), resource_node("AWS::RDS::DBProxy", p)));
        let statement = |principal: Option<&str>, action: &str, resource: Option<Node>| {
            let mut s = map(vec![("Effect", Node::str("Allow"))]);
            if let Some(service) = principal {
                s.set("Principal", map(vec![("Service", Node::str(service))]));
            }
            s.set("Action", Node::str(action));
            if let Some(resource) = resource {
                s.set("Resource", resource);
            }
            s
        };
        let document = |s: Node| {
            map(vec![
                ("Version", Node::str("2012-10-17")),
                ("Statement", Node::Seq(vec![s])),
            ])
        };
        let role_props = map(vec![
            (
                "AssumeRolePolicyDocument",
                document(statement(Some("rds.amazonaws.com"), "sts:AssumeRole", None)),
            ),
            (
                "Policies",
                Node::Seq(vec![map(vec![
                    ("PolicyName", Node::str("ReadDatabaseSecret")),
                    (
                        "PolicyDocument",
                        document(statement(
                            None,
                            "secretsmanager:GetSecretValue",
                            Some(secret),
                        )),
                    ),
                ])]),
            ),
        ]);
        self.out
            .push((role, resource_node("AWS::IAM::Role", role_props)));
        let mut pool = Node::map();
        for (key, out) in [
            ("max_connections_percent", "MaxConnectionsPercent"),
            ("max_idle_connections_percent", "MaxIdleConnectionsPercent"),
            ("borrow_timeout_s", "ConnectionBorrowTimeout"),
        ] {
            if let Some(n) = int(r, key) {
                pool.set(out, n);
            }
        }
        let mut target_group = map(vec![
            ("DBProxyName", Node::reference(id)),
            // The only name RDS Proxy allows.
            ("TargetGroupName", Node::str("default")),
            (
                "DBInstanceIdentifiers",
                Node::Seq(vec![Node::reference(&database)]),
            ),
        ]);
        if !pool.is_empty_map() {
            target_group.set("ConnectionPoolConfigurationInfo", pool);
        }
        self.out.push((
            format!("{id}TargetGroup"),
            resource_node("AWS::RDS::DBProxyTargetGroup", target_group),
        ));
    }

    fn database_engine(&self, id: &str) -> &str {
        self.engines
            .get(id)
            .map(String::as_str)
            .unwrap_or("postgres")
    }

    fn state_machine(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(id, r, &["definition", "workflow_type"]);
        let mut p = Node::map();
        if let Some(d) = r.get("definition") {
            p.set("Definition", Node::from(d));
            let mut named = BTreeSet::new();
            strings(d, &mut |s| {
                for (other, kind) in &self.kinds {
                    let tail = match kind.as_str() {
                        "function" => format!(":function:{other}"),
                        _ => format!("/{other}"),
                    };
                    if s == other || s.ends_with(&tail) {
                        named.insert((other.clone(), kind.clone()));
                    }
                }
            });
            for (other, kind) in named {
                let module = match kind.as_str() {
                    "function" => "lambda",
                    "queue" => "sqs",
                    "table" => "dynamodb",
                    "topic" => "sns",
                    "event_bus" => "events",
                    "state_machine" => "sfn",
                    _ => continue,
                };
                if let Some(policy) = policies::policy(module, &kind, &other) {
                    self.add_policy(id, policy);
                }
            }
            self.note(id, "the definition names resources by their scenario ids and sample ARNs; point them at the deployed resources (DefinitionSubstitutions) before deploying");
        }
        if let Some(t) = text(r, "workflow_type") {
            p.set("Type", Node::str(t));
        }
        self.out.push((
            id.to_string(),
            resource_node("AWS::Serverless::StateMachine", p),
        ));
    }

    fn trigger(&mut self, id: &str, r: &Map<String, Value>) {
        self.unexported_keys(
            id,
            r,
            &[
                "source",
                "function",
                "batch_size",
                "maximum_batching_window_s",
                "report_batch_item_failures",
                "filter_criteria",
                "maximum_concurrency",
                "starting_position",
                "bisect_batch_on_function_error",
                "maximum_retry_attempts",
                "on_failure",
                "enabled",
            ],
        );
        let (Some(source), Some(function)) = (text(r, "source"), text(r, "function")) else {
            return;
        };
        let from_table = self.kind(&source) == "table";
        let mut p = Node::map();
        for (key, out) in [
            ("batch_size", "BatchSize"),
            (
                "maximum_batching_window_s",
                "MaximumBatchingWindowInSeconds",
            ),
        ] {
            if let Some(n) = int(r, key) {
                p.set(out, n);
            }
        }
        if r.get("report_batch_item_failures").and_then(Value::as_bool) == Some(true) {
            p.set(
                "FunctionResponseTypes",
                Node::Seq(vec![Node::str("ReportBatchItemFailures")]),
            );
        }
        if let Some(filters) = r.get("filter_criteria").and_then(Value::as_array) {
            let filters = filters
                .iter()
                .map(|f| map(vec![("Pattern", json_text(f))]))
                .collect();
            p.set("FilterCriteria", map(vec![("Filters", Node::Seq(filters))]));
        }
        if let Some(n) = int(r, "maximum_concurrency") {
            p.set("ScalingConfig", map(vec![("MaximumConcurrency", n)]));
        }
        if from_table {
            // Required for streams; LATEST is the scenario format's default.
            let position = text(r, "starting_position").unwrap_or_else(|| "LATEST".into());
            p.set("StartingPosition", Node::str(position));
            if let Some(v) = r
                .get("bisect_batch_on_function_error")
                .and_then(Value::as_bool)
            {
                p.set("BisectBatchOnFunctionError", Node::Bool(v));
            }
            if let Some(n) = int(r, "maximum_retry_attempts") {
                p.set("MaximumRetryAttempts", n);
            }
            if let Some(d) = text(r, "on_failure") {
                p.set(
                    "DestinationConfig",
                    map(vec![(
                        "OnFailure",
                        map(vec![("Destination", self.arn(&d))]),
                    )]),
                );
            }
        }
        if r.get("enabled").and_then(Value::as_bool) == Some(false) {
            p.set("Enabled", Node::Bool(false));
        }
        let source_arn = if from_table {
            Node::get_att(&source, "StreamArn")
        } else {
            Node::get_att(&source, "Arn")
        };
        // SAM names the mapping of event E of function F `FE`: such an id round-trips as a function event.
        let event_name = id
            .strip_prefix(function.as_str())
            .filter(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()));
        if let Some(event_name) = event_name {
            let (event_type, key) = if from_table {
                ("DynamoDB", "Stream")
            } else {
                ("SQS", "Queue")
            };
            let mut ep = map(vec![(key, source_arn)]);
            if let Node::Map(entries) = p {
                for (k, v) in entries {
                    ep.set(&k, v);
                }
            }
            let event = map(vec![("Type", Node::str(event_type)), ("Properties", ep)]);
            self.add_event(&function, event_name, event);
            return;
        }
        let mut m = map(vec![
            ("EventSourceArn", source_arn),
            ("FunctionName", Node::reference(&function)),
        ]);
        if let Node::Map(entries) = p {
            for (k, v) in entries {
                m.set(&k, v);
            }
        }
        // The function's role must be allowed to read the source (SAM adds this only for its own events).
        let managed = if from_table {
            "AWSLambdaDynamoDBExecutionRole"
        } else {
            "AWSLambdaSQSQueueExecutionRole"
        };
        self.add_policy(&function, Node::str(managed));
        self.out.push((
            id.to_string(),
            resource_node("AWS::Lambda::EventSourceMapping", m),
        ));
    }

    fn finish(mut self, document: &Value, source_label: &str) -> Export {
        // Events and policies into their functions and state machines.
        for (id, node) in &mut self.out {
            let policies = self.policies.remove(id.as_str());
            let events = self.events.remove(id.as_str());
            if policies.is_none() && events.is_none() {
                continue;
            }
            let Some(props) = node.entry("Properties") else {
                continue;
            };
            if let Some(policies) = policies {
                props.set("Policies", Node::Seq(policies));
            }
            if let Some(events) = events {
                props.set("Events", Node::Map(events));
            }
        }
        // One queue policy per queue that services send to.
        for (queue, senders) in std::mem::take(&mut self.queue_senders) {
            let statements = senders
                .iter()
                .map(|(principal, source)| {
                    let source_arn = if self.kind(source) == "topic" {
                        Node::reference(source)
                    } else {
                        Node::get_att(source, "Arn")
                    };
                    map(vec![
                        ("Effect", Node::str("Allow")),
                        ("Principal", map(vec![("Service", Node::str(*principal))])),
                        ("Action", Node::str("sqs:SendMessage")),
                        ("Resource", Node::get_att(&queue, "Arn")),
                        (
                            "Condition",
                            map(vec![(
                                "ArnEquals",
                                map(vec![("aws:SourceArn", source_arn)]),
                            )]),
                        ),
                    ])
                })
                .collect();
            let props = map(vec![
                ("Queues", Node::Seq(vec![Node::reference(&queue)])),
                (
                    "PolicyDocument",
                    map(vec![
                        ("Version", Node::str("2012-10-17")),
                        ("Statement", Node::Seq(statements)),
                    ]),
                ),
            ]);
            self.out.push((
                format!("{queue}Policy"),
                resource_node("AWS::SQS::QueuePolicy", props),
            ));
        }
        let name = document
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("eventflow scenario");
        let mut root = map(vec![
            ("AWSTemplateFormatVersion", Node::str("2010-09-09")),
            ("Transform", Node::str("AWS::Serverless-2016-10-31")),
            ("Description", Node::str(name)),
        ]);
        if self.uses_database_network {
            let parameter = |aws_type: &str, description: &str| {
                map(vec![
                    ("Type", Node::str(aws_type)),
                    ("Description", Node::str(description)),
                ])
            };
            root.set(
                "Parameters",
                map(vec![
                    (
                        SUBNETS_PARAMETER,
                        parameter(
                            "List<AWS::EC2::Subnet::Id>",
                            "Private subnets in at least two Availability Zones, for the databases, proxies and the functions that query them",
                        ),
                    ),
                    (
                        SECURITY_GROUPS_PARAMETER,
                        parameter(
                            "List<AWS::EC2::SecurityGroup::Id>",
                            "Security groups that let the functions reach the proxies and databases (and the proxies the databases)",
                        ),
                    ),
                ]),
            );
            let subnet_group = map(vec![
                (
                    "DBSubnetGroupDescription",
                    Node::str("Subnets of the exported databases"),
                ),
                ("SubnetIds", Node::reference(SUBNETS_PARAMETER)),
            ]);
            if self.kinds.values().any(|k| k == "database") {
                self.out.push((
                    SUBNET_GROUP.to_string(),
                    resource_node("AWS::RDS::DBSubnetGroup", subnet_group),
                ));
            }
            self.notes.push(
                "the databases, proxies and the functions that query them run in the VPC that the DatabaseSubnetIds and DatabaseSecurityGroupIds parameters name".to_string(),
            );
        }
        root.set("Resources", Node::Map(self.out));
        let mut text = format!(
            "# Exported by eventflow from {source_label}.\n\
             # Resources and their wiring only: traffic, settings and simulated timings stay out.\n\
             # Handler code is Rhai and must be ported: see the functions/ folder and the notes below.\n"
        );
        for note in &self.notes {
            text.push_str("# note: ");
            text.push_str(&note.replace('\n', " "));
            text.push('\n');
        }
        text.push_str(&yaml::write(&root));
        Export {
            template: text,
            notes: self.notes,
            code: self.code,
        }
    }
}

fn kind_str(r: &Map<String, Value>) -> &str {
    r.get("type").and_then(Value::as_str).unwrap_or("")
}

/// Calls `f` on every string value of `v`.
fn strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|x| strings(x, f)),
        Value::Object(m) => m.values().for_each(|x| strings(x, f)),
        _ => {}
    }
}
