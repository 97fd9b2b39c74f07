//! CloudFormation intrinsic functions, evaluated on the parameters' defaults.
//!
//! [`Scope::eval`] turns a property value into plain JSON: parameters and pseudo parameters are substituted,
//! `Fn::If` / `Fn::FindInMap` / `Fn::Select` / `Fn::Join` / `Fn::Split` / `Fn::Sub` / `Fn::Base64` /
//! `Fn::GetAZs` / `Fn::Cidr` / `Fn::ToJsonString` / `Fn::Length` computed, `AWS::NoValue` removes its key or item.
//! A `Ref` or `Fn::GetAtt` that names a resource becomes the string AWS would return for it — built on the
//! resource's *logical id* (`Ref` of a queue is `https://sqs.us-east-1.amazonaws.com/123456789012/OrdersQueue`,
//! `GetAtt Fn.Arn` is `arn:aws:lambda:us-east-1:123456789012:function:Fn`) — so that [`super::refs`] can read the
//! logical id back from wherever it lands (a target ARN, a `Sub` string, a state machine substitution). What
//! cannot be evaluated is kept as readable text and reported through [`Scope::take_warnings`].

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Region and account of the scenario's default settings (shared/spec/scenario-format.md, `settings`).
pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "123456789012";
/// Stream label used in a table's `StreamArn` (any fixed timestamp: the simulator does not read it).
const STREAM_LABEL: &str = "2026-01-01T00:00:00.000";
/// Guards self-referencing conditions and absurdly deep values.
const MAX_DEPTH: usize = 100;

/// What intrinsic functions can see: parameter values, mappings, conditions and the template's resources.
pub struct Scope {
    pub parameters: Map<String, Value>,
    pub mappings: Map<String, Value>,
    conditions_raw: Map<String, Value>,
    conditions: RefCell<BTreeMap<String, bool>>,
    /// Every resource of the template (also those left out by a false condition): logical id → AWS type.
    pub resource_types: BTreeMap<String, String>,
    warnings: RefCell<Vec<String>>,
    /// Folder of the template, where `AWS::Include` reads local files (None: not read).
    pub base_dir: Option<std::path::PathBuf>,
}

impl Scope {
    pub fn new(
        parameters: Map<String, Value>,
        mappings: Map<String, Value>,
        conditions_raw: Map<String, Value>,
        resource_types: BTreeMap<String, String>,
    ) -> Scope {
        Scope {
            parameters,
            mappings,
            conditions_raw,
            conditions: RefCell::new(BTreeMap::new()),
            resource_types,
            warnings: RefCell::new(Vec::new()),
            base_dir: None,
        }
    }

    fn warn(&self, message: String) {
        let mut w = self.warnings.borrow_mut();
        if !w.contains(&message) {
            w.push(message);
        }
    }

    /// The warnings collected since the last call (unresolved references, unsupported functions).
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    /// The value of a named condition on the parameters' defaults (an unknown or cyclic condition is false).
    pub fn condition(&self, name: &str) -> bool {
        self.condition_at(name, 0)
    }

    fn condition_at(&self, name: &str, depth: usize) -> bool {
        if let Some(v) = self.conditions.borrow().get(name) {
            return *v;
        }
        let Some(raw) = self.conditions_raw.get(name).cloned() else {
            self.warn(format!("unknown condition \"{name}\" taken as false"));
            return false;
        };
        if depth > MAX_DEPTH {
            self.warn(format!(
                "condition \"{name}\" refers to itself; taken as false"
            ));
            return false;
        }
        // Guard against cycles while this one is being evaluated.
        self.conditions.borrow_mut().insert(name.to_string(), false);
        let value = self.truth(&raw, depth + 1);
        self.conditions.borrow_mut().insert(name.to_string(), value);
        value
    }

    /// Evaluates a condition expression (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`).
    fn truth(&self, v: &Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let Some((name, arg)) = single(v) else {
            return match self.eval_at(v, depth) {
                Some(Value::Bool(b)) => b,
                Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
                _ => false,
            };
        };
        let args = || arg.as_array().cloned().unwrap_or_default();
        match name {
            "Condition" => arg
                .as_str()
                .is_some_and(|c| self.condition_at(c, depth + 1)),
            "Fn::Equals" => {
                let a = args();
                if a.len() != 2 {
                    self.warn("Fn::Equals needs two values".into());
                    return false;
                }
                let l = self.eval_at(&a[0], depth + 1).map(|x| text(&x));
                let r = self.eval_at(&a[1], depth + 1).map(|x| text(&x));
                l == r
            }
            "Fn::And" => args().iter().all(|c| self.truth(c, depth + 1)),
            "Fn::Or" => args().iter().any(|c| self.truth(c, depth + 1)),
            "Fn::Not" => !args().first().is_some_and(|c| self.truth(c, depth + 1)),
            _ => match self.eval_at(v, depth) {
                Some(Value::Bool(b)) => b,
                _ => false,
            },
        }
    }

    /// Evaluates a value; `None` is `AWS::NoValue` (the key or item disappears).
    pub fn eval(&self, v: &Value) -> Option<Value> {
        self.eval_at(v, 0)
    }

    fn eval_at(&self, v: &Value, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            self.warn("value nested too deeply; cut".into());
            return Some(Value::Null);
        }
        match v {
            Value::Array(items) => Some(Value::Array(
                items
                    .iter()
                    .filter_map(|x| self.eval_at(x, depth + 1))
                    .collect(),
            )),
            Value::Object(map) => {
                if let Some((name, arg)) = single(v)
                    && (name == "Ref" || name.starts_with("Fn::"))
                {
                    return self.function(name, arg, depth + 1);
                }
                let mut out = Map::with_capacity(map.len());
                for (k, x) in map {
                    if let Some(e) = self.eval_at(x, depth + 1) {
                        out.insert(k.clone(), e);
                    }
                }
                Some(Value::Object(out))
            }
            other => Some(other.clone()),
        }
    }

    fn function(&self, name: &str, arg: &Value, depth: usize) -> Option<Value> {
        let list = |min: usize| -> Option<Vec<Value>> {
            match arg.as_array() {
                Some(a) if a.len() >= min => Some(a.clone()),
                _ => {
                    self.warn(format!("{name} needs a list of at least {min} values"));
                    None
                }
            }
        };
        let eval = |x: &Value| self.eval_at(x, depth + 1);
        match name {
            "Ref" => {
                let target = eval(arg).map(|x| text(&x)).unwrap_or_default();
                self.reference(&target)
            }
            "Fn::GetAtt" => {
                let parts: Vec<String> = match eval(arg) {
                    Some(Value::Array(a)) => a.iter().map(text).collect(),
                    Some(Value::String(s)) => s.splitn(2, '.').map(str::to_string).collect(),
                    _ => Vec::new(),
                };
                match parts.as_slice() {
                    [resource, attribute] => Some(self.attribute(resource, attribute)),
                    _ => {
                        self.warn("Fn::GetAtt needs a resource and an attribute".into());
                        Some(Value::Null)
                    }
                }
            }
            "Fn::If" => {
                let a = list(3)?;
                let cond = a[0].as_str().is_some_and(|c| self.condition_at(c, depth));
                eval(if cond { &a[1] } else { &a[2] })
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => {
                let mut m = Map::new();
                m.insert(name.to_string(), arg.clone());
                Some(Value::Bool(self.truth(&Value::Object(m), depth)))
            }
            "Fn::Join" => {
                let a = list(2)?;
                let sep = eval(&a[0]).map(|x| text(&x)).unwrap_or_default();
                let items = match eval(&a[1]) {
                    Some(Value::Array(items)) => items,
                    Some(other) => vec![other],
                    None => Vec::new(),
                };
                Some(Value::String(
                    items.iter().map(text).collect::<Vec<_>>().join(&sep),
                ))
            }
            "Fn::Split" => {
                let a = list(2)?;
                let sep = eval(&a[0]).map(|x| text(&x)).unwrap_or_default();
                let s = eval(&a[1]).map(|x| text(&x)).unwrap_or_default();
                if sep.is_empty() {
                    return Some(Value::Array(vec![Value::String(s)]));
                }
                Some(Value::Array(
                    s.split(sep.as_str())
                        .map(|p| Value::String(p.into()))
                        .collect(),
                ))
            }
            "Fn::Select" => {
                let a = list(2)?;
                let index = eval(&a[0]).and_then(|x| as_i64(&x)).unwrap_or(-1);
                match eval(&a[1]) {
                    Some(Value::Array(items)) if index >= 0 && (index as usize) < items.len() => {
                        Some(items[index as usize].clone())
                    }
                    _ => {
                        self.warn(format!("Fn::Select index {index} out of range"));
                        Some(Value::Null)
                    }
                }
            }
            "Fn::FindInMap" => {
                let a = list(3)?;
                let keys: Vec<String> = a[..3]
                    .iter()
                    .map(|x| eval(x).map(|y| text(&y)).unwrap_or_default())
                    .collect();
                let found = self
                    .mappings
                    .get(&keys[0])
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                    .cloned();
                match found {
                    Some(v) => eval(&v),
                    None => {
                        let default = a.get(3).and_then(|d| d.get("DefaultValue"));
                        match default {
                            Some(d) => eval(d),
                            None => {
                                self.warn(format!(
                                    "Fn::FindInMap [{}, {}, {}] has no entry",
                                    keys[0], keys[1], keys[2]
                                ));
                                Some(Value::Null)
                            }
                        }
                    }
                }
            }
            "Fn::Sub" => {
                let (template, vars) = match arg {
                    Value::Array(a) if !a.is_empty() => {
                        let vars = a
                            .get(1)
                            .and_then(&eval)
                            .and_then(|v| v.as_object().cloned())
                            .unwrap_or_default();
                        (eval(&a[0]).map(|x| text(&x)).unwrap_or_default(), vars)
                    }
                    other => (
                        eval(other).map(|x| text(&x)).unwrap_or_default(),
                        Map::new(),
                    ),
                };
                Some(Value::String(self.substitute(&template, &vars)))
            }
            "Fn::Base64" => {
                let s = eval(arg).map(|x| text(&x)).unwrap_or_default();
                Some(Value::String(crate::events::sqs::base64_encode(
                    s.as_bytes(),
                )))
            }
            "Fn::GetAZs" => Some(Value::Array(
                ["a", "b", "c"]
                    .iter()
                    .map(|z| Value::String(format!("{REGION}{z}")))
                    .collect(),
            )),
            "Fn::Cidr" => {
                let a = list(3)?;
                let block = eval(&a[0]).map(|x| text(&x)).unwrap_or_default();
                let count = eval(&a[1])
                    .and_then(|x| as_i64(&x))
                    .unwrap_or(1)
                    .clamp(1, 256);
                self.warn(format!("Fn::Cidr of {block} approximated"));
                Some(Value::Array(
                    (0..count)
                        .map(|i| Value::String(format!("{block}#{i}")))
                        .collect(),
                ))
            }
            "Fn::ImportValue" => {
                let export = eval(arg).map(|x| text(&x)).unwrap_or_default();
                self.warn(format!(
                    "Fn::ImportValue \"{export}\" comes from another stack (not simulated)"
                ));
                Some(Value::String(export))
            }
            "Fn::ToJsonString" => Some(Value::String(eval(arg).unwrap_or(Value::Null).to_string())),
            "Fn::Length" => match eval(arg) {
                Some(Value::Array(a)) => Some(Value::from(a.len())),
                _ => Some(Value::from(0)),
            },
            "Fn::Transform" => Some(self.include(arg, depth)),
            other => {
                self.warn(format!("{other} is not supported; value left out"));
                Some(Value::Null)
            }
        }
    }

    /// `Fn::Transform` of `AWS::Include` with a local `Location`: the file's content, evaluated in place.
    fn include(&self, arg: &Value, depth: usize) -> Value {
        let name = arg.get("Name").map(text).unwrap_or_default();
        let location = arg
            .get("Parameters")
            .and_then(|p| p.get("Location"))
            .and_then(|l| self.eval_at(l, depth + 1))
            .map(|l| text(&l))
            .unwrap_or_default();
        if name != "AWS::Include" || location.is_empty() {
            self.warn(format!(
                "Fn::Transform {name} is not supported; value left out"
            ));
            return Value::Null;
        }
        let (Some(dir), false) = (&self.base_dir, location.contains("://")) else {
            self.warn(format!(
                "AWS::Include of {location} is not read; value left out"
            ));
            return Value::Null;
        };
        let read = std::fs::read_to_string(dir.join(&location))
            .map_err(|e| e.to_string())
            .and_then(|t| {
                super::yaml::parse_template(&t)
                    .map_err(|e| format!("{}:{}: {}", e.line, e.col, e.message))
            });
        match read {
            Ok(v) => self.eval_at(&v, depth + 1).unwrap_or(Value::Null),
            Err(e) => {
                self.warn(format!(
                    "AWS::Include of {location} failed: {e}; value left out"
                ));
                Value::Null
            }
        }
    }

    /// `Ref`: a parameter's value, a pseudo parameter, or what AWS returns for a resource.
    fn reference(&self, target: &str) -> Option<Value> {
        if let Some(v) = self.parameters.get(target) {
            return Some(v.clone());
        }
        if target == "AWS::NoValue" {
            return None;
        }
        if let Some(v) = pseudo(target) {
            return Some(v);
        }
        if let Some((function, qualifier @ ("Alias" | "Version"))) = target.split_once('.')
            && self.resource_types.get(function).map(String::as_str)
                == Some("AWS::Serverless::Function")
        {
            // SAM's `AutoPublishAlias`: `!Ref Fn.Alias` is the alias ARN (a qualified function ARN).
            let arn = attribute_value(function, "AWS::Serverless::Function", "Arn");
            return Some(Value::String(format!(
                "{arn}:{}",
                qualifier.to_ascii_lowercase()
            )));
        }
        match self.resource_types.get(target) {
            Some(t) => Some(Value::String(ref_value(target, t))),
            None => {
                self.warn(format!("Ref to unknown \"{target}\""));
                Some(Value::String(target.to_string()))
            }
        }
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Value {
        match self.resource_types.get(resource) {
            Some(t) => Value::String(attribute_value(resource, t, attribute)),
            None => {
                self.warn(format!("Fn::GetAtt of unknown resource \"{resource}\""));
                Value::String(format!("{resource}.{attribute}"))
            }
        }
    }

    /// `Fn::Sub`: `${Var}`, `${Param}`, `${AWS::Region}`, `${Resource}`, `${Resource.Attr}`; `${!Literal}` → `${Literal}`.
    fn substitute(&self, template: &str, vars: &Map<String, Value>) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            let value = if let Some(v) = vars.get(name) {
                text(v)
            } else if let Some((res, attr)) = name.split_once('.')
                && !self.parameters.contains_key(name)
                && !matches!(attr, "Alias" | "Version")
            {
                text(&self.attribute(res, attr))
            } else {
                self.reference(name).map(|v| text(&v)).unwrap_or_default()
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// A single-key object `{"Name": arg}`.
pub fn single(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(m) if m.len() == 1 => m.iter().next().map(|(k, x)| (k.as_str(), x)),
        _ => None,
    }
}

/// A scalar as text (numbers and booleans as CloudFormation prints them); lists joined with commas, as a `Ref` to
/// a list parameter reads inside `Fn::Sub`.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// An integer from a number or a numeric string.
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn pseudo(name: &str) -> Option<Value> {
    Some(Value::String(
        match name {
            "AWS::Region" => REGION,
            "AWS::AccountId" => ACCOUNT_ID,
            "AWS::Partition" => "aws",
            "AWS::URLSuffix" => "amazonaws.com",
            "AWS::StackName" => "stack",
            "AWS::StackId" => {
                "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/00000000-0000-0000-0000-000000000000"
            }
            "AWS::NotificationARNs" => return Some(Value::Array(Vec::new())),
            _ => return None,
        }
        .to_string(),
    ))
}

/// What `Ref` returns for a resource of this type, built on its logical id.
pub fn ref_value(id: &str, aws_type: &str) -> String {
    match aws_type {
        "AWS::SQS::Queue" => format!("https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{id}"),
        "AWS::SNS::Topic" => format!("arn:aws:sns:{REGION}:{ACCOUNT_ID}:{id}"),
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
            format!("arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{id}")
        }
        _ => id.to_string(),
    }
}

/// What `Fn::GetAtt` returns for a resource of this type, built on its logical id.
pub fn attribute_value(id: &str, aws_type: &str, attribute: &str) -> String {
    let arn = |service: &str, resource: String| {
        format!("arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}")
    };
    match (aws_type, attribute) {
        ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
            arn("lambda", format!("function:{id}"))
        }
        ("AWS::SQS::Queue", "Arn") => arn("sqs", id.to_string()),
        ("AWS::SQS::Queue", "QueueUrl") => ref_value(id, aws_type),
        ("AWS::SNS::Topic", "TopicArn") => ref_value(id, aws_type),
        ("AWS::Events::EventBus", "Arn") => arn("events", format!("event-bus/{id}")),
        ("AWS::Events::Rule", "Arn") => arn("events", format!("rule/{id}")),
        ("AWS::Scheduler::Schedule", "Arn") => arn("scheduler", format!("schedule/default/{id}")),
        (
            "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable",
            "Arn",
        ) => arn("dynamodb", format!("table/{id}")),
        ("AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable", "StreamArn") => {
            arn("dynamodb", format!("table/{id}/stream/{STREAM_LABEL}"))
        }
        ("AWS::S3::Bucket", "Arn") => format!("arn:aws:s3:::{id}"),
        ("AWS::S3::Bucket", "DomainName" | "RegionalDomainName") => {
            format!("{id}.s3.amazonaws.com")
        }
        ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", "Arn") => {
            ref_value(id, aws_type)
        }
        (_, "Name" | "QueueName" | "TopicName" | "StateMachineName") => id.to_string(),
        _ => format!("{id}.{attribute}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut params = Map::new();
        params.insert("Stage".into(), json!("prod"));
        params.insert("Azs".into(), json!(["x", "y"]));
        let mut mappings = Map::new();
        mappings.insert("Sizes".into(), json!({"prod": {"Memory": 512}}));
        let mut conditions = Map::new();
        conditions.insert(
            "IsProd".into(),
            json!({"Fn::Equals": [{"Ref": "Stage"}, "prod"]}),
        );
        conditions.insert(
            "IsDev".into(),
            json!({"Fn::Not": [{"Condition": "IsProd"}]}),
        );
        conditions.insert("Loop".into(), json!({"Condition": "Loop"}));
        let mut types = BTreeMap::new();
        types.insert("Q".to_string(), "AWS::SQS::Queue".to_string());
        types.insert("F".to_string(), "AWS::Serverless::Function".to_string());
        Scope::new(params, mappings, conditions, types)
    }

    #[test]
    fn functions_evaluate_on_defaults() {
        let s = scope();
        assert!(s.condition("IsProd"));
        assert!(!s.condition("IsDev"));
        assert!(!s.condition("Loop"));
        let v = json!({
            "a": {"Fn::If": ["IsProd", 1, 2]},
            "b": {"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]},
            "c": {"Fn::Sub": "${Stage}-${AWS::Region}-${!Literal}-${F.Arn}"},
            "d": {"Fn::Sub": ["${X}/${Q}", {"X": {"Ref": "Stage"}}]},
            "e": {"Fn::Select": [1, {"Fn::Split": [",", "p,q,r"]}]},
            "f": {"Fn::Join": ["-", [{"Ref": "Stage"}, "x"]]},
            "g": {"Ref": "AWS::NoValue"},
            "h": [1, {"Ref": "AWS::NoValue"}, 3],
            "i": {"Fn::GetAtt": ["Q", "Arn"]},
        });
        assert_eq!(
            s.eval(&v).unwrap(),
            json!({"a": 1, "b": 512,
                   "c": "prod-us-east-1-${Literal}-arn:aws:lambda:us-east-1:123456789012:function:F",
                   "d": "prod/https://sqs.us-east-1.amazonaws.com/123456789012/Q", "e": "q", "f": "prod-x",
                   "h": [1, 3], "i": "arn:aws:sqs:us-east-1:123456789012:Q"})
        );
        assert!(s.take_warnings().is_empty());
        s.eval(&json!({"Ref": "Nope"}));
        assert_eq!(
            s.take_warnings(),
            vec!["Ref to unknown \"Nope\"".to_string()]
        );
    }
}
