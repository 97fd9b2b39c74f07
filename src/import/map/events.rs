//! EventBridge: `AWS::Events::EventBus`, `AWS::Events::Rule` (a pattern rule → `rule`, a `ScheduleExpression`
//! rule → `schedule`) and EventBridge Scheduler's `AWS::Scheduler::Schedule`.

use serde_json::{Map, Value};

use super::{Props, int, json_document, new_resource, object, string};
use crate::import::Build;
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;

/// What a rule or schedule may target in the scenario format.
pub const TARGET_KINDS: [&str; 5] = ["function", "queue", "topic", "event_bus", "state_machine"];

pub fn bus(b: &mut Build, r: &TemplateResource, p: &Props) {
    let name = string(p, "Name").unwrap_or_default();
    let description = (!name.is_empty() && name != r.id).then(|| format!("Event bus {name}"));
    b.add(&r.id, &r.aws_type, new_resource("event_bus", description));
}

/// `default`, or an ARN of the default bus.
pub fn is_default_bus(name_or_arn: &str) -> bool {
    name_or_arn == "default" || name_or_arn.ends_with(":event-bus/default")
}

pub fn rule(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let disabled = string(p, "State").is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"));
    let targets = targets(b, from, p.get("Targets"));
    if targets.is_empty() {
        b.note(from.0, from.1, "left out: none of its targets is simulated");
        return;
    }
    if let Some(expression) = string(p, "ScheduleExpression") {
        if disabled {
            b.note(from.0, from.1, "left out: the scheduled rule is DISABLED");
            return;
        }
        let mut s = new_resource("schedule", string(p, "Description"));
        s.insert(
            "expression".into(),
            Value::from(super::normalize_schedule(&expression)),
        );
        s.insert("targets".into(), Value::Array(targets));
        b.add(&r.id, &r.aws_type, s);
        return;
    }
    let bus = match p.get("EventBusName") {
        None => b.ensure_default_bus(),
        Some(v) if is_default_bus(&text(v)) => b.ensure_default_bus(),
        Some(v) => match b.resolve(from, v, &["event_bus"], "event bus") {
            Some(bus) => bus,
            None => return,
        },
    };
    let Some(pattern) = json_document(p, "EventPattern") else {
        b.note(from.0, from.1, "left out: no EventPattern");
        return;
    };
    let mut rule = new_resource("rule", string(p, "Description"));
    rule.insert("bus".into(), Value::from(bus));
    rule.insert("pattern".into(), pattern);
    rule.insert("targets".into(), Value::Array(targets));
    if disabled {
        rule.insert("enabled".into(), Value::Bool(false));
    }
    // CloudFormation sets retry and dead-letter per target; the scenario per rule: the first target's wins.
    if let Some(first) = p
        .get("Targets")
        .and_then(Value::as_array)
        .and_then(|t| t.iter().find_map(Value::as_object))
    {
        retry_and_dead_letter(b, from, &mut rule, first);
    }
    b.add(&r.id, &r.aws_type, rule);
}

/// `Targets` → scenario targets (an id, or an object with input settings); unsimulated targets are noted.
fn targets(b: &mut Build, from: (&str, &str), raw: Option<&Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for t in raw.and_then(Value::as_array).into_iter().flatten() {
        let Some(t) = t.as_object() else { continue };
        let arn = t.get("Arn").cloned().unwrap_or(Value::Null);
        let Some(id) = b.resolve(from, &arn, &TARGET_KINDS, "target") else {
            continue;
        };
        let mut target = Map::new();
        target.insert("target".into(), Value::from(id.clone()));
        target_input(&mut target, t);
        out.push(if target.len() == 1 {
            Value::from(id)
        } else {
            Value::Object(target)
        });
    }
    if out.len() > 5 {
        b.note(from.0, from.1, "more than 5 targets; the first 5 are kept");
        out.truncate(5);
    }
    out
}

/// `Input` (JSON text), `InputPath`, `InputTransformer` of a target (CloudFormation or SAM spelling).
pub fn target_input(target: &mut Map<String, Value>, p: &Props) {
    if let Some(group) = string(&object(p, "SqsParameters"), "MessageGroupId") {
        target.insert("message_group_id".into(), Value::from(group));
    }
    if let Some(input) = json_document(p, "Input") {
        target.insert("input".into(), input);
    }
    if let Some(path) = string(p, "InputPath") {
        target.insert("input_path".into(), Value::from(path));
    }
    let t = object(p, "InputTransformer");
    if let Some(template) = string(&t, "InputTemplate") {
        let mut tr = Map::new();
        tr.insert(
            "input_paths".into(),
            Value::Object(object(&t, "InputPathsMap")),
        );
        tr.insert("input_template".into(), Value::from(template));
        target.insert("input_transformer".into(), Value::Object(tr));
    }
}

/// `RetryPolicy` and `DeadLetterConfig.Arn` of a target → the rule's `retry` and `dead_letter`.
pub fn retry_and_dead_letter(
    b: &mut Build,
    from: (&str, &str),
    rule: &mut Map<String, Value>,
    p: &Props,
) {
    let retry = object(p, "RetryPolicy");
    let mut r = Map::new();
    if let Some(n) = int(&retry, "MaximumRetryAttempts") {
        r.insert("maximum_retry_attempts".into(), Value::from(n));
    }
    if let Some(n) = int(&retry, "MaximumEventAgeInSeconds") {
        r.insert("maximum_event_age_s".into(), Value::from(n));
    }
    if !r.is_empty() {
        rule.insert("retry".into(), Value::Object(r));
    }
    if let Some(arn) = object(p, "DeadLetterConfig").get("Arn").cloned()
        && let Some(q) = b.resolve(from, &arn, &["queue"], "dead-letter queue")
    {
        rule.insert("dead_letter".into(), Value::from(q));
    }
}

pub fn scheduler_schedule(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    if string(p, "State").is_some_and(|s| s.eq_ignore_ascii_case("DISABLED")) {
        b.note(from.0, from.1, "left out: the schedule is DISABLED");
        return;
    }
    let Some(expression) = string(p, "ScheduleExpression") else {
        b.note(from.0, from.1, "left out: no ScheduleExpression");
        return;
    };
    if let Some(zone) = string(p, "ScheduleExpressionTimezone") {
        b.note(from.0, from.1, format!("time zone {zone} is read as UTC"));
    }
    let target = object(p, "Target");
    let arn = target.get("Arn").cloned().unwrap_or(Value::Null);
    if text(&arn).starts_with("arn:aws:scheduler:::aws-sdk:") {
        b.note(
            from.0,
            from.1,
            format!("left out: universal target {} is not simulated", text(&arn)),
        );
        return;
    }
    let Some(id) = b.resolve(from, &arn, &TARGET_KINDS, "target") else {
        b.note(from.0, from.1, "left out: its target is not simulated");
        return;
    };
    let mut s = new_resource("schedule", string(p, "Description"));
    s.insert(
        "expression".into(),
        Value::from(super::normalize_schedule(&expression)),
    );
    s.insert("targets".into(), Value::Array(vec![Value::from(id)]));
    if let Some(input) = json_document(&target, "Input") {
        s.insert("input".into(), input);
    }
    b.add(&r.id, &r.aws_type, s);
}
