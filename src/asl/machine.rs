//! Parsing and validation of a state machine definition into a [`Definition`].
//!
//! Checks (each reported with its location, e.g. `States.ChargeCard.Retry[0]`): top-level and state fields
//! (unknown fields are rejected, as AWS does), `StartAt` and every `Next`/`Default`/catcher `Next` naming a state
//! of the same scope, terminal states (`End: true`, Succeed, Fail) vs `Next`, Choice without `Next`/`End` and with
//! non-empty `Choices`, Wait with exactly one of its four fields, Fail without InputPath/OutputPath, retrier and
//! catcher fields (`States.ALL` alone and last), paths, payload templates, intrinsic functions, task resources,
//! reachability of every state, and bounded nesting of Parallel/Map.
//!
//! Not supported (rejected with a message): JSONata (`QueryLanguage: "JSONata"`, `Arguments`, `Output`,
//! `Assign`), Distributed Map readers/writers (`ItemReader`, `ItemBatcher`, `ResultWriter`, tolerated-failure
//! fields). A `.waitForTaskToken` resource is a callback task ([`Kind::Task`]'s `callback`); what an Express
//! workflow may not contain is listed by [`Definition::express_refusals`].

use super::AslError;
use super::choice::Rule;
use super::data::{Dynamic, IoPath, ResultPath, Template};
use super::path::Path;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};

/// Maximum nesting of Parallel/Map states.
pub const MAX_NESTING: usize = 16;
/// Maximum length of a state name (AWS limit).
pub const MAX_NAME_LEN: usize = 80;

/// What a Task state calls.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskTarget {
    /// A bare Lambda ARN: the output is the raw function response.
    LambdaArn {
        /// Function name.
        function: String,
        /// Qualifier (version or alias), if any.
        qualifier: Option<String>,
    },
    /// `arn:aws:states:::lambda:invoke`: `Parameters.FunctionName` and `Parameters.Payload`; the output is
    /// wrapped (`{ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}`).
    LambdaInvoke,
    /// Any other `arn:aws:states:::service:api` integration (also `activity`).
    Service {
        /// e.g. `sqs`.
        service: String,
        /// e.g. `sendMessage` (a `.sync` suffix is kept).
        api: String,
    },
}

/// A retrier.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    /// Error names.
    pub errors: Vec<String>,
    /// Seconds before the first retry.
    pub interval: f64,
    /// Maximum retries.
    pub max_attempts: u32,
    /// Multiplier per retry.
    pub backoff: f64,
    /// Cap of the delay, in seconds.
    pub max_delay: Option<f64>,
    /// `JitterStrategy: FULL`.
    pub jitter_full: bool,
}

/// A catcher.
#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    /// Error names.
    pub errors: Vec<String>,
    /// Target state index.
    pub next: usize,
    /// Where the error object goes.
    pub result_path: ResultPath,
}

/// Result handling shared by Task, Parallel and Map.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `Parameters` (ItemSelector for Map is separate).
    pub parameters: Option<Template>,
    /// `ResultSelector`.
    pub result_selector: Option<Template>,
    /// `ResultPath`.
    pub result_path: ResultPath,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<Catcher>,
}

/// A number of seconds, literal or from a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Secs {
    /// Literal.
    Lit(u64),
    /// From the effective input.
    Path(Path),
}

/// How a Wait state waits.
#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    /// `Seconds`.
    Seconds(u64),
    /// `SecondsPath`.
    SecondsPath(Path),
    /// `Timestamp`.
    Timestamp(chrono::DateTime<chrono::Utc>),
    /// `TimestampPath`.
    TimestampPath(Path),
}

/// State-type specific data.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Pass.
    Pass {
        parameters: Option<Template>,
        result: Option<Value>,
        result_path: ResultPath,
    },
    /// Task.
    Task {
        resource: String,
        /// The integration, its `.waitForTaskToken` suffix removed.
        target: TaskTarget,
        timeout: Option<Secs>,
        /// `HeartbeatSeconds`/`HeartbeatSecondsPath`: enforced for callback tasks only (the only ones that
        /// receive heartbeats here).
        heartbeat: Option<Secs>,
        /// The resource ends in `.waitForTaskToken`: the request carries `$$.Task.Token` and the task waits
        /// for `SendTaskSuccess`/`SendTaskFailure` with that token.
        callback: bool,
        out: Outcome,
    },
    /// Choice.
    Choice {
        choices: Vec<(Rule, usize)>,
        default: Option<usize>,
    },
    /// Wait.
    Wait(WaitFor),
    /// Succeed.
    Succeed,
    /// Fail.
    Fail {
        error: Option<String>,
        error_path: Option<Dynamic>,
        cause: Option<String>,
        cause_path: Option<Dynamic>,
    },
    /// Parallel.
    Parallel { branches: Vec<usize>, out: Outcome },
    /// Map.
    Map {
        processor: usize,
        items_path: IoPath,
        item_selector: Option<Template>,
        max_concurrency: Secs,
        out: Outcome,
    },
}

impl Kind {
    /// The result handling (Parameters, ResultSelector, ResultPath, Retry, Catch) of a Task, Parallel or Map
    /// state; `None` for the other types.
    pub fn outcome(&self) -> Option<&Outcome> {
        match self {
            Kind::Task { out, .. } | Kind::Parallel { out, .. } | Kind::Map { out, .. } => {
                Some(out)
            }
            Kind::Pass { .. }
            | Kind::Choice { .. }
            | Kind::Wait(_)
            | Kind::Succeed
            | Kind::Fail { .. } => None,
        }
    }
}

/// A parsed state.
#[derive(Debug, Clone, PartialEq)]
pub struct StateDef {
    /// Name.
    pub name: String,
    /// `InputPath`.
    pub input_path: IoPath,
    /// `OutputPath`.
    pub output_path: IoPath,
    /// `Next` target, `None` when terminal (End, Succeed, Fail) or Choice.
    pub next: Option<usize>,
    /// Type-specific data.
    pub kind: Kind,
}

/// A states/StartAt scope: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineDef {
    /// States.
    pub states: Vec<StateDef>,
    /// Start state index.
    pub start: usize,
    /// Location prefix (empty for the top level).
    pub location: String,
}

/// A parsed, validated state machine definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// All scopes; index 0 is the top level.
    pub machines: Vec<MachineDef>,
    /// Execution `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
}

impl Definition {
    /// Parses and validates a definition.
    pub fn parse(v: &Value) -> Result<Definition, AslError> {
        let Value::Object(m) = v else {
            return Err(AslError::new("$", "a definition must be a JSON object"));
        };
        check_fields(
            m,
            &[
                "StartAt",
                "States",
                "Comment",
                "Version",
                "TimeoutSeconds",
                "QueryLanguage",
            ],
            "",
        )?;
        if let Some(q) = m.get("QueryLanguage")
            && q != "JSONPath"
        {
            return Err(AslError::new(
                "QueryLanguage",
                "only the JSONPath query language is supported",
            ));
        }
        let timeout_seconds = match m.get("TimeoutSeconds") {
            None => None,
            Some(t) => Some(
                pos_int(t)
                    .ok_or_else(|| AslError::new("TimeoutSeconds", "must be a positive integer"))?,
            ),
        };
        let mut def = Definition {
            machines: Vec::new(),
            timeout_seconds,
        };
        def.parse_machine(m, "", 0)?;
        Ok(def)
    }

    /// The `Resource` of every Task state (all scopes), deduplicated, in definition order.
    pub fn task_resources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.machines {
            for s in &m.states {
                if let Kind::Task { resource, .. } = &s.kind
                    && !out.contains(resource)
                {
                    out.push(resource.clone());
                }
            }
        }
        out
    }

    /// Lambda function names known statically (bare ARNs and literal `FunctionName`s), deduplicated.
    pub fn lambda_functions(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.machines {
            for s in &m.states {
                let name = match &s.kind {
                    Kind::Task {
                        target: TaskTarget::LambdaArn { function, .. },
                        ..
                    } => Some(function.clone()),
                    Kind::Task {
                        target: TaskTarget::LambdaInvoke,
                        out: o,
                        ..
                    } => match &o.parameters {
                        Some(Template::Static(Value::Object(p))) => p
                            .get("FunctionName")
                            .and_then(Value::as_str)
                            .map(|f| lambda_name(f).0),
                        Some(Template::Object(members)) => {
                            members.iter().find_map(|(k, t)| match t {
                                Template::Static(Value::String(f)) if k == "FunctionName" => {
                                    Some(lambda_name(f).0)
                                }
                                _ => None,
                            })
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(n) = name
                    && !out.contains(&n)
                {
                    out.push(n);
                }
            }
        }
        out
    }

    /// The Task states an Express workflow may not contain: `.sync` (run a job) and `.waitForTaskToken`
    /// (callback) integrations, as `(location, resource)` in definition order. "Express Workflows don't support
    /// the Run a Job (.sync) or Wait for Callback (.waitForTaskToken) service integration patterns" (AWS Step
    /// Functions Developer Guide, "Choosing workflow type",
    /// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html; aws-semantics.md §8.4).
    /// Distributed Map, Express's other exclusion, is refused for every workflow by the parser.
    pub fn express_refusals(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for m in &self.machines {
            for s in &m.states {
                if let Kind::Task { resource, .. } = &s.kind
                    && integration_pattern(resource).is_some()
                {
                    let loc = if m.location.is_empty() {
                        format!("States.{}", s.name)
                    } else {
                        format!("{}.States.{}", m.location, s.name)
                    };
                    out.push((loc, resource.clone()));
                }
            }
        }
        out
    }

    /// Parses one scope; returns its index.
    fn parse_machine(
        &mut self,
        m: &Map<String, Value>,
        loc: &str,
        depth: usize,
    ) -> Result<usize, AslError> {
        if depth > MAX_NESTING {
            return Err(AslError::new(
                loc,
                format!("Parallel/Map nesting deeper than {MAX_NESTING}"),
            ));
        }
        let at = |f: &str| {
            if loc.is_empty() {
                f.to_string()
            } else {
                format!("{loc}.{f}")
            }
        };
        let start_name = match m.get("StartAt") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(AslError::new(at("StartAt"), "must be a string")),
            None => {
                return Err(AslError::new(
                    if loc.is_empty() { "$" } else { loc },
                    "missing 'StartAt'",
                ));
            }
        };
        let states = match m.get("States") {
            Some(Value::Object(s)) if !s.is_empty() => s,
            Some(Value::Object(_)) => return Err(AslError::new(at("States"), "must not be empty")),
            Some(_) => return Err(AslError::new(at("States"), "must be an object")),
            None => {
                return Err(AslError::new(
                    if loc.is_empty() { "$" } else { loc },
                    "missing 'States'",
                ));
            }
        };
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, name) in states.keys().enumerate() {
            if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
                return Err(AslError::new(
                    at(&format!("States.{name}")),
                    "state names must have 1 to 80 characters",
                ));
            }
            index.insert(name.as_str(), i);
        }
        let Some(&start) = index.get(start_name.as_str()) else {
            return Err(AslError::new(
                at("StartAt"),
                format!("'{start_name}' is not a state of this scope"),
            ));
        };
        let id = self.machines.len();
        self.machines.push(MachineDef {
            states: Vec::new(),
            start,
            location: loc.to_string(),
        });
        let mut parsed = Vec::with_capacity(states.len());
        for (name, sv) in states {
            let sloc = at(&format!("States.{name}"));
            parsed.push(self.parse_state(name, sv, &sloc, &index, depth)?);
        }
        // Reachability.
        let mut seen = vec![false; parsed.len()];
        let mut queue = VecDeque::from([start]);
        while let Some(i) = queue.pop_front() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let s: &StateDef = &parsed[i];
            let mut targets: Vec<usize> = s.next.into_iter().collect();
            if let Kind::Choice { choices, default } = &s.kind {
                targets.extend(choices.iter().map(|(_, n)| *n));
                targets.extend(*default);
            }
            if let Some(out) = s.kind.outcome() {
                targets.extend(out.catch.iter().map(|c| c.next));
            }
            queue.extend(targets.into_iter().filter(|t| !seen[*t]));
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(AslError::new(
                at(&format!("States.{}", parsed[i].name)),
                "state is not reachable",
            ));
        }
        self.machines[id].states = parsed;
        Ok(id)
    }

    fn parse_state(
        &mut self,
        name: &str,
        v: &Value,
        loc: &str,
        index: &HashMap<&str, usize>,
        depth: usize,
    ) -> Result<StateDef, AslError> {
        let Value::Object(m) = v else {
            return Err(AslError::new(loc, "a state must be an object"));
        };
        let fields = StateFields { m, loc, index };
        let type_name = match m.get("Type") {
            Some(Value::String(t)) => t.as_str(),
            Some(_) => return Err(fields.err("Type", "must be a string".into())),
            None => return Err(fields.err("", "missing 'Type'".into())),
        };
        let Some(ty) = StateType::parse(type_name) else {
            return Err(fields.err("Type", format!("unknown state type '{type_name}'")));
        };
        fields.check_supported(ty, type_name)?;
        // Transitions.
        let next = fields.target("Next", m.get("Next"))?;
        let end = match m.get("End") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(fields.err("End", "must be a boolean".into())),
        };
        if ty.transitions() {
            if next.is_some() && end {
                return Err(fields.err("", "a state may not have both 'Next' and 'End'".into()));
            }
            if next.is_none() && !end {
                return Err(fields.err(
                    "",
                    "a non-terminal state needs 'Next' (or 'End': true)".into(),
                ));
            }
        }
        let io = |f: &str| IoPath::parse(m.get(f)).map_err(|e| fields.err(f, e));
        let input_path = io("InputPath")?;
        let output_path = io("OutputPath")?;
        let kind = match ty {
            StateType::Pass => Kind::Pass {
                parameters: fields.template("Parameters")?,
                result: m.get("Result").cloned(),
                result_path: fields.result_path()?,
            },
            StateType::Task => fields.task()?,
            StateType::Choice => fields.choice()?,
            StateType::Wait => fields.wait()?,
            StateType::Succeed => Kind::Succeed,
            StateType::Fail => fields.fail()?,
            StateType::Parallel => self.parse_parallel(&fields, depth)?,
            StateType::Map => self.parse_map(&fields, depth)?,
        };
        Ok(StateDef {
            name: name.to_string(),
            input_path,
            output_path,
            next: if ty.transitions() { next } else { None },
            kind,
        })
    }

    /// A Parallel state's fields: its branches are scopes of their own.
    fn parse_parallel(&mut self, fields: &StateFields<'_>, depth: usize) -> Result<Kind, AslError> {
        let branches = match fields.m.get("Branches") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(Value::Array(_)) => {
                return Err(fields.err("Branches", "must not be empty".into()));
            }
            Some(_) => return Err(fields.err("Branches", "must be an array".into())),
            None => return Err(fields.err("", "a Parallel state needs 'Branches'".into())),
        };
        let out = fields.outcome()?;
        let mut ids = Vec::with_capacity(branches.len());
        for (i, b) in branches.iter().enumerate() {
            let bloc = format!("{}.Branches[{i}]", fields.loc);
            let Value::Object(bm) = b else {
                return Err(AslError::new(bloc, "a branch must be an object"));
            };
            check_fields(bm, &["StartAt", "States", "Comment"], &bloc)?;
            ids.push(self.parse_machine(bm, &bloc, depth + 1)?);
        }
        Ok(Kind::Parallel { branches: ids, out })
    }

    /// A Map state's fields: its item processor is a scope of its own.
    fn parse_map(&mut self, fields: &StateFields<'_>, depth: usize) -> Result<Kind, AslError> {
        let m = fields.m;
        let (pf, proc) = match (m.get("ItemProcessor"), m.get("Iterator")) {
            (Some(p), None) => ("ItemProcessor", p),
            (None, Some(p)) => ("Iterator", p),
            (Some(_), Some(_)) => {
                return Err(fields.err(
                    "",
                    "use either 'ItemProcessor' or 'Iterator', not both".into(),
                ));
            }
            (None, None) => {
                return Err(fields.err("", "a Map state needs 'ItemProcessor'".into()));
            }
        };
        let ploc = format!("{}.{pf}", fields.loc);
        let Value::Object(pm) = proc else {
            return Err(AslError::new(ploc, "must be an object"));
        };
        check_fields(
            pm,
            &["StartAt", "States", "Comment", "ProcessorConfig"],
            &ploc,
        )?;
        let mut out = fields.outcome()?;
        let item_selector = match (m.get("ItemSelector"), out.parameters.take()) {
            (Some(_), Some(_)) => {
                return Err(fields.err(
                    "",
                    "use either 'ItemSelector' or 'Parameters', not both".into(),
                ));
            }
            (Some(_), None) => fields.template("ItemSelector")?,
            (None, p) => p,
        };
        let items_path = match m.get("ItemsPath") {
            None => IoPath::Identity,
            Some(Value::String(s)) => {
                let p = Path::parse_reference(s).map_err(|e| fields.err("ItemsPath", e))?;
                if p.segs.is_empty() && !p.context {
                    IoPath::Identity
                } else {
                    IoPath::Path(p)
                }
            }
            Some(_) => return Err(fields.err("ItemsPath", "must be a path string".into())),
        };
        let max_concurrency = secs_field(m, "MaxConcurrency", "MaxConcurrencyPath", fields.loc)?
            .unwrap_or(Secs::Lit(0));
        let processor = self.parse_machine(pm, &ploc, depth + 1)?;
        Ok(Kind::Map {
            processor,
            items_path,
            item_selector,
            max_concurrency,
            out,
        })
    }
}

/// The eight state types of the States Language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StateType {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

impl StateType {
    fn parse(name: &str) -> Option<StateType> {
        Some(match name {
            "Pass" => StateType::Pass,
            "Task" => StateType::Task,
            "Choice" => StateType::Choice,
            "Wait" => StateType::Wait,
            "Succeed" => StateType::Succeed,
            "Fail" => StateType::Fail,
            "Parallel" => StateType::Parallel,
            "Map" => StateType::Map,
            _ => return None,
        })
    }

    /// Whether the state moves on with `Next` or `End` (Choice, Succeed and Fail do not).
    fn transitions(self) -> bool {
        match self {
            StateType::Choice | StateType::Succeed | StateType::Fail => false,
            StateType::Pass
            | StateType::Task
            | StateType::Wait
            | StateType::Parallel
            | StateType::Map => true,
        }
    }

    /// The fields a state of this type may have besides `Type` and `Comment`.
    fn fields(self) -> Vec<&'static str> {
        const FLOW: &[&str] = &["Next", "End", "InputPath", "OutputPath"];
        const OUT: &[&str] = &[
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
        ];
        match self {
            StateType::Pass => [FLOW, &["ResultPath", "Parameters", "Result"]].concat(),
            StateType::Task => [
                FLOW,
                OUT,
                &[
                    "Resource",
                    "TimeoutSeconds",
                    "TimeoutSecondsPath",
                    "HeartbeatSeconds",
                    "HeartbeatSecondsPath",
                    "Credentials",
                ],
            ]
            .concat(),
            StateType::Choice => vec!["InputPath", "OutputPath", "Choices", "Default"],
            StateType::Wait => [
                FLOW,
                &["Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
            ]
            .concat(),
            StateType::Succeed => vec!["InputPath", "OutputPath"],
            StateType::Fail => vec!["Error", "ErrorPath", "Cause", "CausePath"],
            StateType::Parallel => [FLOW, OUT, &["Branches"]].concat(),
            StateType::Map => [
                FLOW,
                OUT,
                &[
                    "ItemsPath",
                    "ItemSelector",
                    "ItemProcessor",
                    "Iterator",
                    "MaxConcurrency",
                    "MaxConcurrencyPath",
                    "Label",
                ],
            ]
            .concat(),
        }
    }
}

/// One state's JSON object, with where it is and the names of its scope's states: what parsing its fields needs.
struct StateFields<'a> {
    m: &'a Map<String, Value>,
    loc: &'a str,
    index: &'a HashMap<&'a str, usize>,
}

impl StateFields<'_> {
    /// An error at field `f` of the state (at the state itself for `""`).
    fn err(&self, f: &str, msg: String) -> AslError {
        AslError::new(
            if f.is_empty() {
                self.loc.to_string()
            } else {
                format!("{}.{f}", self.loc)
            },
            msg,
        )
    }

    /// Refuses a field the state type does not have, saying why when it belongs to a feature not supported here.
    fn check_supported(&self, ty: StateType, type_name: &str) -> Result<(), AslError> {
        let allowed = ty.fields();
        for k in self.m.keys() {
            let k = k.as_str();
            if k == "Type" || k == "Comment" || allowed.contains(&k) {
                continue;
            }
            let why = match k {
                "Arguments" | "Output" | "Assign" | "QueryLanguage" => {
                    "JSONata and variables are not supported"
                }
                "ItemReader"
                | "ItemBatcher"
                | "ResultWriter"
                | "ToleratedFailureCount"
                | "ToleratedFailurePercentage"
                | "ToleratedFailureCountPath"
                | "ToleratedFailurePercentagePath" => "Distributed Map fields are not supported",
                _ => "field is not supported for this state type",
            };
            return Err(self.err(k, format!("{why} ('{k}' in a {type_name} state)")));
        }
        Ok(())
    }

    /// A state name of this scope (field `f`, value `v`), as its index.
    fn target(&self, f: &str, v: Option<&Value>) -> Result<Option<usize>, AslError> {
        match v {
            None => Ok(None),
            Some(Value::String(n)) => match self.index.get(n.as_str()) {
                Some(i) => Ok(Some(*i)),
                None => Err(self.err(f, format!("'{n}' is not a state of this scope"))),
            },
            Some(_) => Err(self.err(f, "must be a string".into())),
        }
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`).
    fn template(&self, f: &str) -> Result<Option<Template>, AslError> {
        match self.m.get(f) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Template::parse(v)
                .map(Some)
                .map_err(|(p, e)| self.err(&format!("{f}{p}"), e)),
            Some(_) => Err(self.err(f, "must be an object".into())),
        }
    }

    fn result_path(&self) -> Result<ResultPath, AslError> {
        ResultPath::parse(self.m.get("ResultPath")).map_err(|e| self.err("ResultPath", e))
    }

    /// The result handling of Task, Parallel and Map.
    fn outcome(&self) -> Result<Outcome, AslError> {
        Ok(Outcome {
            parameters: self.template("Parameters")?,
            result_selector: self.template("ResultSelector")?,
            result_path: self.result_path()?,
            retry: parse_retry(self.m.get("Retry"), self.loc)?,
            catch: parse_catch(self.m.get("Catch"), self.loc, self.index)?,
        })
    }

    fn task(&self) -> Result<Kind, AslError> {
        let resource = match self.m.get("Resource") {
            Some(Value::String(r)) => r.clone(),
            Some(_) => return Err(self.err("Resource", "must be a string".into())),
            None => return Err(self.err("", "missing 'Resource'".into())),
        };
        let target = parse_resource(&resource).map_err(|e| self.err("Resource", e))?;
        let callback = integration_pattern(&resource) == Some(CALLBACK_SUFFIX);
        let out = self.outcome()?;
        if target == TaskTarget::LambdaInvoke {
            let has_fn = match &out.parameters {
                Some(Template::Static(Value::Object(p))) => p.contains_key("FunctionName"),
                Some(Template::Object(ms)) => ms.iter().any(|(k, _)| k == "FunctionName"),
                _ => false,
            };
            if !has_fn {
                return Err(self.err(
                    "Parameters",
                    "lambda:invoke needs 'FunctionName' in Parameters".into(),
                ));
            }
        }
        let timeout = secs_field(self.m, "TimeoutSeconds", "TimeoutSecondsPath", self.loc)?;
        let heartbeat = secs_field(self.m, "HeartbeatSeconds", "HeartbeatSecondsPath", self.loc)?;
        // States Language, Task state: "If provided, the "HeartbeatSeconds" interval MUST be smaller than the
        // "TimeoutSeconds" value." Checked when both are literals (paths are known only at run time; without
        // TimeoutSeconds, Step Functions' default task timeout is 99999999 s, which no heartbeat reaches here).
        if let (Some(Secs::Lit(heartbeat)), Some(Secs::Lit(timeout))) = (&heartbeat, &timeout)
            && heartbeat >= timeout
        {
            return Err(self.err(
                "HeartbeatSeconds",
                format!("must be smaller than TimeoutSeconds ({heartbeat} is not smaller than {timeout})"),
            ));
        }
        Ok(Kind::Task {
            resource,
            target,
            timeout,
            heartbeat,
            callback,
            out,
        })
    }

    fn choice(&self) -> Result<Kind, AslError> {
        let m = self.m;
        let choices = match m.get("Choices") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            Some(Value::Array(_)) => {
                return Err(self.err("Choices", "must not be empty".into()));
            }
            Some(_) => return Err(self.err("Choices", "must be an array".into())),
            None => return Err(self.err("", "a Choice state needs 'Choices'".into())),
        };
        if m.contains_key("Next") || m.contains_key("End") {
            return Err(self.err("", "a Choice state may not have 'Next' or 'End'".into()));
        }
        let mut rules = Vec::with_capacity(choices.len());
        for (i, c) in choices.iter().enumerate() {
            let f = format!("Choices[{i}]");
            let rule = Rule::parse(c, true).map_err(|(p, e)| self.err(&format!("{f}{p}"), e))?;
            let Some(n) = self.target(&format!("{f}.Next"), c.get("Next"))? else {
                return Err(self.err(&f, "a top-level choice rule needs 'Next'".into()));
            };
            rules.push((rule, n));
        }
        Ok(Kind::Choice {
            choices: rules,
            default: self.target("Default", m.get("Default"))?,
        })
    }

    fn wait(&self) -> Result<Kind, AslError> {
        let m = self.m;
        let present: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
            .into_iter()
            .filter(|f| m.contains_key(*f))
            .collect();
        let [f] = present[..] else {
            return Err(self.err(
                "",
                "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"
                    .into(),
            ));
        };
        let v = &m[f];
        let refpath = |v: &Value| match v {
            Value::String(s) => Path::parse_reference(s).map_err(|e| self.err(f, e)),
            _ => Err(self.err(f, "must be a path string".into())),
        };
        Ok(Kind::Wait(match f {
            "Seconds" => WaitFor::Seconds(
                non_neg_int(v)
                    .ok_or_else(|| self.err(f, "must be a non-negative integer".into()))?,
            ),
            "SecondsPath" => WaitFor::SecondsPath(refpath(v)?),
            "Timestamp" => WaitFor::Timestamp(
                v.as_str()
                    .and_then(super::choice::parse_ts)
                    .ok_or_else(|| self.err(f, "must be an RFC 3339 timestamp".into()))?,
            ),
            _ => WaitFor::TimestampPath(refpath(v)?),
        }))
    }

    fn fail(&self) -> Result<Kind, AslError> {
        let text = |f: &str| -> Result<Option<String>, AslError> {
            match self.m.get(f) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(self.err(f, "must be a string".into())),
            }
        };
        let dynamic = |f: &str| -> Result<Option<Dynamic>, AslError> {
            match self.m.get(f) {
                None => Ok(None),
                Some(Value::String(s)) => Dynamic::parse(s).map(Some).map_err(|e| self.err(f, e)),
                Some(_) => Err(self.err(f, "must be a string".into())),
            }
        };
        let (error, error_path, cause, cause_path) = (
            text("Error")?,
            dynamic("ErrorPath")?,
            text("Cause")?,
            dynamic("CausePath")?,
        );
        if error.is_some() && error_path.is_some() {
            return Err(self.err(
                "",
                "a Fail state may not have both 'Error' and 'ErrorPath'".into(),
            ));
        }
        if cause.is_some() && cause_path.is_some() {
            return Err(self.err(
                "",
                "a Fail state may not have both 'Cause' and 'CausePath'".into(),
            ));
        }
        Ok(Kind::Fail {
            error,
            error_path,
            cause,
            cause_path,
        })
    }
}

fn check_fields(m: &Map<String, Value>, allowed: &[&str], loc: &str) -> Result<(), AslError> {
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) {
            let at = if loc.is_empty() {
                k.clone()
            } else {
                format!("{loc}.{k}")
            };
            return Err(AslError::new(at, format!("unknown field '{k}'")));
        }
    }
    Ok(())
}

fn non_neg_int(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1e15)
            .map(|f| f as u64)
    })
}

fn pos_int(v: &Value) -> Option<u64> {
    non_neg_int(v).filter(|n| *n > 0)
}

/// `TimeoutSeconds`/`TimeoutSecondsPath` (and the like): at most one of them.
fn secs_field(
    m: &Map<String, Value>,
    lit: &str,
    path: &str,
    loc: &str,
) -> Result<Option<Secs>, AslError> {
    match (m.get(lit), m.get(path)) {
        (Some(_), Some(_)) => Err(AslError::new(
            loc,
            format!("use either '{lit}' or '{path}', not both"),
        )),
        (Some(v), None) => {
            let n = if lit == "MaxConcurrency" {
                non_neg_int(v)
            } else {
                pos_int(v)
            };
            n.map(|n| Some(Secs::Lit(n)))
                .ok_or_else(|| AslError::new(format!("{loc}.{lit}"), "must be a positive integer"))
        }
        (None, Some(Value::String(s))) => Path::parse_reference(s)
            .map(|p| Some(Secs::Path(p)))
            .map_err(|e| AslError::new(format!("{loc}.{path}"), e)),
        (None, Some(_)) => Err(AslError::new(
            format!("{loc}.{path}"),
            "must be a path string",
        )),
        (None, None) => Ok(None),
    }
}

fn error_list(v: Option<&Value>, loc: &str) -> Result<Vec<String>, AslError> {
    let Some(Value::Array(a)) = v else {
        return Err(AslError::new(
            format!("{loc}.ErrorEquals"),
            "must be a non-empty array",
        ));
    };
    if a.is_empty() {
        return Err(AslError::new(
            format!("{loc}.ErrorEquals"),
            "must be a non-empty array",
        ));
    }
    let mut out = Vec::new();
    for (i, e) in a.iter().enumerate() {
        let Value::String(s) = e else {
            return Err(AslError::new(
                format!("{loc}.ErrorEquals[{i}]"),
                "must be a string",
            ));
        };
        out.push(s.clone());
    }
    if out.iter().any(|e| e == super::errors::ALL) && out.len() > 1 {
        return Err(AslError::new(
            format!("{loc}.ErrorEquals"),
            "States.ALL must appear alone",
        ));
    }
    Ok(out)
}

fn parse_retry(v: Option<&Value>, loc: &str) -> Result<Vec<Retrier>, AslError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Array(a) = v else {
        return Err(AslError::new(format!("{loc}.Retry"), "must be an array"));
    };
    let mut out = Vec::new();
    for (i, r) in a.iter().enumerate() {
        let rl = format!("{loc}.Retry[{i}]");
        let Value::Object(m) = r else {
            return Err(AslError::new(rl, "a retrier must be an object"));
        };
        check_fields(
            m,
            &[
                "ErrorEquals",
                "IntervalSeconds",
                "MaxAttempts",
                "BackoffRate",
                "MaxDelaySeconds",
                "JitterStrategy",
                "Comment",
            ],
            &rl,
        )?;
        let errors = error_list(m.get("ErrorEquals"), &rl)?;
        if errors.iter().any(|e| e == super::errors::ALL) && i + 1 != a.len() {
            return Err(AslError::new(
                rl,
                "a retrier with States.ALL must be the last one",
            ));
        }
        let f = |k: &str| format!("{rl}.{k}");
        let interval = match m.get("IntervalSeconds") {
            None => 1.0,
            Some(v) => pos_int(v)
                .filter(|n| *n <= 99_999_999)
                .ok_or_else(|| AslError::new(f("IntervalSeconds"), "must be a positive integer"))?
                as f64,
        };
        let max_attempts = match m.get("MaxAttempts") {
            None => 3,
            Some(v) => non_neg_int(v)
                .filter(|n| *n <= 99_999_999)
                .ok_or_else(|| AslError::new(f("MaxAttempts"), "must be a non-negative integer"))?
                as u32,
        };
        let backoff = match m.get("BackoffRate") {
            None => 2.0,
            Some(v) => v
                .as_f64()
                .filter(|b| *b >= 1.0 && b.is_finite())
                .ok_or_else(|| AslError::new(f("BackoffRate"), "must be a number >= 1.0"))?,
        };
        let max_delay =
            match m.get("MaxDelaySeconds") {
                None => None,
                Some(v) => Some(pos_int(v).ok_or_else(|| {
                    AslError::new(f("MaxDelaySeconds"), "must be a positive integer")
                })? as f64),
            };
        let jitter_full = match m.get("JitterStrategy") {
            None => false,
            Some(v) if v == "FULL" => true,
            Some(v) if v == "NONE" => false,
            Some(_) => return Err(AslError::new(f("JitterStrategy"), "must be FULL or NONE")),
        };
        out.push(Retrier {
            errors,
            interval,
            max_attempts,
            backoff,
            max_delay,
            jitter_full,
        });
    }
    Ok(out)
}

fn parse_catch(
    v: Option<&Value>,
    loc: &str,
    index: &HashMap<&str, usize>,
) -> Result<Vec<Catcher>, AslError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Array(a) = v else {
        return Err(AslError::new(format!("{loc}.Catch"), "must be an array"));
    };
    let mut out = Vec::new();
    for (i, c) in a.iter().enumerate() {
        let cl = format!("{loc}.Catch[{i}]");
        let Value::Object(m) = c else {
            return Err(AslError::new(cl, "a catcher must be an object"));
        };
        check_fields(m, &["ErrorEquals", "Next", "ResultPath", "Comment"], &cl)?;
        let errors = error_list(m.get("ErrorEquals"), &cl)?;
        if errors.iter().any(|e| e == super::errors::ALL) && i + 1 != a.len() {
            return Err(AslError::new(
                cl,
                "a catcher with States.ALL must be the last one",
            ));
        }
        let next = match m.get("Next") {
            Some(Value::String(n)) => *index.get(n.as_str()).ok_or_else(|| {
                AslError::new(
                    format!("{cl}.Next"),
                    format!("'{n}' is not a state of this scope"),
                )
            })?,
            _ => {
                return Err(AslError::new(
                    format!("{cl}.Next"),
                    "a catcher needs 'Next'",
                ));
            }
        };
        let result_path = ResultPath::parse(m.get("ResultPath"))
            .map_err(|e| AslError::new(format!("{cl}.ResultPath"), e))?;
        out.push(Catcher {
            errors,
            next,
            result_path,
        });
    }
    Ok(out)
}

/// The suffix of a callback (wait for task token) integration.
pub const CALLBACK_SUFFIX: &str = ".waitForTaskToken";

/// The integration pattern suffix of an optimized integration's resource (`.sync`, `.sync:2`,
/// `.waitForTaskToken`), or `None` for the request-response pattern and for bare Lambda ARNs.
pub fn integration_pattern(resource: &str) -> Option<&'static str> {
    let mut parts = resource.split(':');
    if parts.next() != Some("arn") || parts.nth(1) != Some("states") {
        return None;
    }
    if resource.ends_with(CALLBACK_SUFFIX) {
        Some(CALLBACK_SUFFIX)
    } else if resource.ends_with(".sync") || resource.ends_with(".sync:2") {
        Some(".sync")
    } else {
        None
    }
}

/// Classifies a Task `Resource` (a `.waitForTaskToken` suffix is removed: the target is the integration it
/// calls).
pub fn parse_resource(r: &str) -> Result<TaskTarget, String> {
    let parts: Vec<&str> = r.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Err(format!("unsupported Resource '{r}' (expected an ARN)"));
    }
    match parts[2] {
        "lambda" if parts[5] == "function" && parts.len() >= 7 && !parts[6].is_empty() => {
            Ok(TaskTarget::LambdaArn {
                function: parts[6].to_string(),
                qualifier: parts.get(7).map(|q| q.to_string()),
            })
        }
        "states" if parts.len() >= 7 => {
            let service = parts[5];
            let mut api = parts[6..].join(":");
            if let Some(plain) = api.strip_suffix(CALLBACK_SUFFIX) {
                if plain.is_empty() || plain.ends_with(".sync") {
                    return Err(format!("unsupported Resource '{r}'"));
                }
                api = plain.to_string();
            }
            if service == "lambda" && api == "invoke" {
                return Ok(TaskTarget::LambdaInvoke);
            }
            if service.is_empty() || api.is_empty() {
                return Err(format!("unsupported Resource '{r}'"));
            }
            Ok(TaskTarget::Service {
                service: service.to_string(),
                api,
            })
        }
        _ => Err(format!("unsupported Resource '{r}'")),
    }
}

/// Extracts `(function name, qualifier)` from a `FunctionName` (name, `name:alias`, full or partial ARN).
pub fn lambda_name(f: &str) -> (String, Option<String>) {
    let rest = match f.find("function:") {
        Some(i) => &f[i + "function:".len()..],
        None => f,
    };
    let mut it = rest.splitn(2, ':');
    let name = it.next().unwrap_or_default().to_string();
    (name, it.next().map(str::to_string))
}
