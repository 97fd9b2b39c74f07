//! The typed scenario model: what a validated `eventflow/1` file means.
//!
//! The loader (`scenario::load`) turns a JSON document into these types after checking every rule of the format;
//! the engine (`sim/`) reads them and never re-validates. References between resources are resolved to [`ResId`]
//! indices into [`Scenario::resources`], so a dangling reference cannot exist in a loaded scenario.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::cron::ScheduleExpr;
use crate::pattern::Pattern;
use crate::script::Handler;

/// Index of a resource in [`Scenario::resources`] (file order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResId(pub u32);

impl ResId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it was loaded from, if any (script paths are relative to its folder).
    pub file: Option<PathBuf>,
    pub name: String,
    pub description: Option<String>,
    pub settings: Settings,
    /// Resources in file order.
    pub resources: Vec<Resource>,
    pub traffic: Vec<TrafficSource>,
    /// The guided tour, if the scenario has one.
    pub tour: Option<super::tour::Tour>,
    /// Saved canvas positions, in file order.
    pub layout: Vec<LayoutEntry>,
    /// Resources of an imported template that are not simulated (`external`), in file order: drawn greyed.
    pub external: Vec<ExternalResource>,
    /// Links a template implies but the scenario does not simulate (`hints`), in file order: drawn dashed.
    pub hints: Vec<HintLink>,
    /// The document as loaded (object order kept), for the canonical writer and the editor.
    pub document: Value,
}

impl Scenario {
    pub fn resource(&self, id: ResId) -> &Resource {
        &self.resources[id.index()]
    }

    /// The logical id (name) of a resource.
    pub fn id(&self, id: ResId) -> &str {
        &self.resources[id.index()].id
    }

    /// Finds a resource by logical id.
    pub fn find(&self, name: &str) -> Option<ResId> {
        self.resources
            .iter()
            .position(|r| r.id == name)
            .map(|i| ResId(i as u32))
    }

    /// All resource ids in file order.
    pub fn ids(&self) -> impl Iterator<Item = ResId> + '_ {
        (0..self.resources.len() as u32).map(ResId)
    }
}

/// An entry of `external`: a resource of an imported template that eventflow does not simulate. It takes no part
/// in a run; the canvas shows it as a greyed "not simulated" box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalResource {
    /// Its logical id in the template (distinct from every resource id).
    pub id: String,
    /// Its AWS type (`AWS::Kinesis::Stream`).
    pub aws_type: String,
    pub note: Option<String>,
}

/// An entry of `hints`: a link a template implies (a function's `Policies` or `Environment` name a resource)
/// that the scenario does not simulate. It takes no part in a run; the canvas draws it dashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintLink {
    /// A resource id.
    pub from: String,
    /// A resource id or an `external` id.
    pub to: String,
    /// Why the link is implied (`Policies`, `Environment`).
    pub why: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LayoutEntry {
    pub id: String,
    pub x: f32,
    pub y: f32,
}

/// `settings` with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub seed: u64,
    pub until_s: f64,
    pub start_time: DateTime<Utc>,
    pub region: String,
    pub account_id: String,
    pub hop_latency_ms: Dist,
    /// Latency of one AWS SDK call made by handler code (an addition to the format; default uniform 3–12 ms).
    pub sdk_latency_ms: Dist,
    pub account_concurrency: u32,
}

/// A distribution of milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Truncated at 0.
    Normal {
        mean: f64,
        stddev: f64,
    },
    /// Log-normal given by its median and 99th percentile.
    LogNormal {
        p50: f64,
        p99: f64,
    },
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub id: String,
    pub description: Option<String>,
    /// Latency of hops that leave this resource; `None` ⇒ `settings.hop_latency_ms`.
    pub delivery_latency_ms: Option<Dist>,
    pub kind: ResourceKind,
}

/// The type of a resource without its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    Function,
    Api,
    EventBus,
    Rule,
    Schedule,
    Bucket,
    Queue,
    Topic,
    Table,
    Trigger,
    StateMachine,
    Database,
    DbProxy,
}

impl ResourceType {
    pub const ALL: [ResourceType; 13] = [
        ResourceType::Function,
        ResourceType::Api,
        ResourceType::EventBus,
        ResourceType::Rule,
        ResourceType::Schedule,
        ResourceType::Bucket,
        ResourceType::Queue,
        ResourceType::Topic,
        ResourceType::Table,
        ResourceType::Trigger,
        ResourceType::StateMachine,
        ResourceType::Database,
        ResourceType::DbProxy,
    ];

    /// The `type` string of the format (from the type's registry descriptor).
    pub fn name(self) -> &'static str {
        super::registry::of(self).name
    }

    pub fn from_name(name: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The AWS service name shown to users (palette, inspector; the descriptor's label).
    pub fn aws_name(self) -> &'static str {
        super::registry::of(self).label
    }
}

#[derive(Debug, Clone)]
pub enum ResourceKind {
    Function(Function),
    Api(Api),
    EventBus,
    Rule(Rule),
    Schedule(Schedule),
    Bucket(Bucket),
    Queue(Queue),
    Topic(Topic),
    Table(Table),
    Trigger(Trigger),
    StateMachine(StateMachine),
    Database(Database),
    DbProxy(DbProxy),
}

impl ResourceKind {
    // One accessor per configured type: a service reads its own resources through these, so a new resource type
    // needs no arm in every service's state table (see "Adding a resource type" in the crate doc).

    /// The function's configuration, if this resource is one.
    pub fn as_function(&self) -> Option<&Function> {
        if let ResourceKind::Function(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The api's configuration, if this resource is one.
    pub fn as_api(&self) -> Option<&Api> {
        if let ResourceKind::Api(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The rule's configuration, if this resource is one.
    pub fn as_rule(&self) -> Option<&Rule> {
        if let ResourceKind::Rule(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The schedule's configuration, if this resource is one.
    pub fn as_schedule(&self) -> Option<&Schedule> {
        if let ResourceKind::Schedule(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The bucket's configuration, if this resource is one.
    pub fn as_bucket(&self) -> Option<&Bucket> {
        if let ResourceKind::Bucket(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The queue's configuration, if this resource is one.
    pub fn as_queue(&self) -> Option<&Queue> {
        if let ResourceKind::Queue(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The topic's configuration, if this resource is one.
    pub fn as_topic(&self) -> Option<&Topic> {
        if let ResourceKind::Topic(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The table's configuration, if this resource is one.
    pub fn as_table(&self) -> Option<&Table> {
        if let ResourceKind::Table(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The trigger's configuration, if this resource is one.
    pub fn as_trigger(&self) -> Option<&Trigger> {
        if let ResourceKind::Trigger(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The state machine's configuration, if this resource is one.
    pub fn as_state_machine(&self) -> Option<&StateMachine> {
        if let ResourceKind::StateMachine(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The database's configuration, if this resource is one.
    pub fn as_database(&self) -> Option<&Database> {
        if let ResourceKind::Database(v) = self {
            Some(v)
        } else {
            None
        }
    }

    /// The proxy's configuration, if this resource is one.
    pub fn as_db_proxy(&self) -> Option<&DbProxy> {
        if let ResourceKind::DbProxy(v) = self {
            Some(v)
        } else {
            None
        }
    }

    pub fn resource_type(&self) -> ResourceType {
        match self {
            ResourceKind::Function(_) => ResourceType::Function,
            ResourceKind::Api(_) => ResourceType::Api,
            ResourceKind::EventBus => ResourceType::EventBus,
            ResourceKind::Rule(_) => ResourceType::Rule,
            ResourceKind::Schedule(_) => ResourceType::Schedule,
            ResourceKind::Bucket(_) => ResourceType::Bucket,
            ResourceKind::Queue(_) => ResourceType::Queue,
            ResourceKind::Topic(_) => ResourceType::Topic,
            ResourceKind::Table(_) => ResourceType::Table,
            ResourceKind::Trigger(_) => ResourceType::Trigger,
            ResourceKind::StateMachine(_) => ResourceType::StateMachine,
            ResourceKind::Database(_) => ResourceType::Database,
            ResourceKind::DbProxy(_) => ResourceType::DbProxy,
        }
    }
}

impl Resource {
    pub fn resource_type(&self) -> ResourceType {
        self.kind.resource_type()
    }
}

/// `function` — AWS Lambda.
#[derive(Debug, Clone)]
pub struct Function {
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub reserved_concurrency: Option<u32>,
    pub duration_ms: Dist,
    pub cold_start_ms: Dist,
    pub idle_timeout_s: f64,
    /// Environments initialised before t = 0 (at most the reserved concurrency, when there is one).
    pub provisioned_concurrency: u32,
    pub error_rate: f64,
    pub code: Option<Code>,
    /// `code` compiled at load time. `None` when there is no code, or for a `script` when the scenario was loaded
    /// without a base folder (`load_str`/`load_bytes` with `base_dir` None: the file is not read).
    pub handler: Option<Handler>,
    pub environment: Vec<(String, String)>,
    pub async_config: AsyncConfig,
    /// Legacy dead-letter queue or topic for async events that failed every attempt.
    pub dead_letter: Option<ResId>,
    /// The databases and proxies its code names in `rds::` calls (the graph's edges to them), in first-seen order.
    pub databases: Vec<ResId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Code {
    /// `{"script": path}`: `path` as written, `resolved` relative to the scenario's folder.
    Script {
        path: String,
        resolved: PathBuf,
    },
    Inline(String),
}

/// `async`: asynchronous invocation configuration (Lambda EventInvokeConfig).
#[derive(Debug, Clone, PartialEq)]
pub struct AsyncConfig {
    pub retry_attempts: u32,
    pub max_event_age_s: u32,
    pub on_success: Option<ResId>,
    pub on_failure: Option<ResId>,
}

impl Default for AsyncConfig {
    fn default() -> Self {
        // Lambda defaults: MaximumRetryAttempts 2, MaximumEventAgeInSeconds 21600 (aws-semantics.md §1.4).
        AsyncConfig {
            retry_attempts: 2,
            max_event_age_s: 21_600,
            on_success: None,
            on_failure: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiProtocol {
    /// HTTP API, payload format 2.0.
    Http,
    /// REST API, Lambda proxy payload format 1.0.
    Rest,
}

/// `api` — Amazon API Gateway.
#[derive(Debug, Clone)]
pub struct Api {
    pub protocol: ApiProtocol,
    /// Route key (`"GET /items/{id}"` or `"$default"`) → function, in file order.
    pub routes: Vec<(String, ResId)>,
    pub timeout_ms: u32,
    /// The token bucket: steady-state requests per second and bucket size.
    pub throttle_rate_per_s: f64,
    pub throttle_burst: u32,
}

/// A rule or schedule target with its input shaping.
#[derive(Debug, Clone)]
pub struct Target {
    pub target: ResId,
    pub input: Option<Value>,
    pub input_path: Option<String>,
    pub input_transformer: Option<InputTransformer>,
    /// `message_group_id` (EventBridge `SqsParameters.MessageGroupId`): set exactly when the target is a FIFO queue
    /// or FIFO topic.
    pub message_group_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputTransformer {
    pub input_paths: Vec<(String, String)>,
    pub input_template: String,
}

/// EventBridge target retry policy.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub maximum_retry_attempts: u32,
    pub maximum_event_age_s: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // EventBridge default: 185 attempts over 24 h (aws-semantics.md §4.2, eb-rule-retry-policy).
        RetryPolicy {
            maximum_retry_attempts: 185,
            maximum_event_age_s: 86_400,
        }
    }
}

/// `rule` — EventBridge rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub bus: ResId,
    pub pattern: Pattern,
    pub pattern_json: Value,
    pub targets: Vec<Target>,
    pub enabled: bool,
    pub retry: RetryPolicy,
    pub dead_letter: Option<ResId>,
}

/// `schedule` — scheduled rule / EventBridge Scheduler.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub expression: ScheduleExpr,
    pub expression_text: String,
    pub targets: Vec<Target>,
    pub input: Option<Value>,
}

/// `bucket` — Amazon S3.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub notifications: Vec<Notification>,
    pub event_bridge: bool,
    /// S3 versioning: puts create versions, deletes create delete markers.
    pub versioning: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Configured event types, e.g. `"s3:ObjectCreated:*"`.
    pub events: Vec<String>,
    pub prefix: String,
    pub suffix: String,
    pub target: ResId,
}

/// `queue` — Amazon SQS.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub fifo: bool,
    pub content_based_deduplication: bool,
    pub visibility_timeout_s: u32,
    pub delay_s: u32,
    pub retention_s: u32,
    pub dead_letter: Option<Redrive>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Redrive {
    pub target: ResId,
    pub max_receive_count: u32,
}

/// `topic` — Amazon SNS.
#[derive(Debug, Clone)]
pub struct Topic {
    pub fifo: bool,
    pub subscriptions: Vec<Subscription>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterPolicyScope {
    MessageAttributes,
    MessageBody,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub target: ResId,
    pub filter_policy: Option<(Value, Pattern)>,
    pub filter_policy_scope: FilterPolicyScope,
    pub raw_message_delivery: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamViewType {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamViewType {
    pub fn aws_name(self) -> &'static str {
        match self {
            StreamViewType::KeysOnly => "KEYS_ONLY",
            StreamViewType::NewImage => "NEW_IMAGE",
            StreamViewType::OldImage => "OLD_IMAGE",
            StreamViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }
}

/// `table` — Amazon DynamoDB.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub partition_key: String,
    pub sort_key: Option<String>,
    pub stream: Option<StreamViewType>,
    /// Initial items, plain JSON objects.
    pub items: Vec<Value>,
    /// Time to Live: the attribute holding an item's expiry time in epoch seconds.
    pub ttl_attribute: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPosition {
    Latest,
    TrimHorizon,
}

/// `trigger` — Lambda event source mapping.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub source: ResId,
    pub function: ResId,
    pub batch_size: u32,
    pub maximum_batching_window_s: u32,
    pub report_batch_item_failures: bool,
    /// Patterns; a record matching none is dropped. Empty ⇒ no filtering.
    pub filter_criteria: Vec<(Value, Pattern)>,
    pub maximum_concurrency: Option<u32>,
    pub starting_position: StartingPosition,
    pub bisect_batch_on_function_error: bool,
    /// -1 = until the record expires.
    pub maximum_retry_attempts: i64,
    pub on_failure: Option<ResId>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowType {
    Standard,
    Express,
}

/// `state_machine` — AWS Step Functions (Amazon States Language definition).
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    pub definition: Value,
    pub workflow_type: WorkflowType,
    /// The definition, parsed and validated by the States Language interpreter.
    pub parsed: std::sync::Arc<crate::asl::Definition>,
}

/// A `database`'s engine: its default `max_connections` and the error texts clients see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbEngine {
    Postgres,
    Mysql,
}

/// `database` — Amazon RDS / Aurora (relational), simulated by an in-memory SQLite database.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    pub engine: DbEngine,
    pub instance_class: String,
    /// The effective limit: the file's `max_connections`, else the class's default for the engine.
    pub max_connections: u32,
    pub connect_ms: Dist,
    pub query_ms: Dist,
    /// SQL run once before t = 0 (checked by the loader: it runs in SQLite).
    pub schema: Option<String>,
}

/// `db_proxy` — Amazon RDS Proxy.
#[derive(Debug, Clone, PartialEq)]
pub struct DbProxy {
    pub database: ResId,
    pub max_connections_percent: u32,
    /// At most `max_connections_percent`; by default half of it (AWS's default).
    pub max_idle_connections_percent: u32,
    pub borrow_timeout_s: u32,
    pub added_latency_ms: Dist,
}

/// One traffic source: the outside world.
#[derive(Debug, Clone)]
pub struct TrafficSource {
    /// `name`, or `traffic<N>` (1-based position) when the file gives none. Trace records say `traffic:NAME`.
    pub name: String,
    pub to: ResId,
    pub timing: Timing,
    pub payload: Payload,
    /// Whether any string in the payload holds a `{{...}}` placeholder (saves work per generated event).
    pub has_placeholders: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    /// Fixed instants, seconds, sorted ascending.
    At(Vec<f64>),
    Every {
        every_s: f64,
        start_s: f64,
        count: Option<u64>,
        until_s: Option<f64>,
    },
    Poisson {
        per_s: f64,
        start_s: f64,
        count: Option<u64>,
        until_s: Option<f64>,
    },
}

/// The payload template of a traffic source, by the type of its target. Strings may hold placeholders.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `api`: `{method, path, headers, query, body}`.
    Request(Value),
    /// `event_bus`: a PutEvents entry.
    Event(Value),
    /// `bucket`: `{key, size, body}` or `{key, delete: true}`.
    Object(Value),
    /// `queue`: `{body, attributes, group_id}`; `topic`: `{body, subject, attributes}`.
    Message(Value),
    /// `function`: any JSON; `sync` when `invocation_type` is `RequestResponse`.
    Invoke { payload: Value, sync: bool },
    /// `table`: an item to put.
    TablePut(Value),
    /// `table`: a key to delete.
    TableDelete(Value),
    /// `state_machine`: execution input.
    Input(Value),
}
