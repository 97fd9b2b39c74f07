//! SAM `Events` of a function or state machine, and the implicit resources SAM generates for them, named as SAM
//! names them: `ServerlessRestApi` (Api), `ServerlessHttpApi` (HttpApi), `<Resource><Event>` for the generated
//! rule, schedule or event source mapping, and the account's `default` bus for rules without `EventBusName`.
//! SNS and S3 events add a subscription or notification to their topic or bucket.

use serde_json::{Map, Value};

use super::{Props, boolean, json_document, mapping_settings, new_resource, object, string};
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;
use crate::import::{Build, Pending, Slot};

/// Maps every entry of `Events` of resource `r` (of scenario kind `kind`: `function` or `state_machine`).
pub fn events(b: &mut Build, r: &TemplateResource, p: &Props, kind: &str) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    for (name, event) in object(p, "Events") {
        let Some(event) = event.as_object() else {
            continue;
        };
        let event_type = string(event, "Type").unwrap_or_default();
        let ep = object(event, "Properties");
        let id = format!("{}{name}", r.id);
        match (event_type.as_str(), kind) {
            ("Api", "function") => api(b, r, &ep, "rest"),
            ("HttpApi", "function") => api(b, r, &ep, "http"),
            ("SQS", "function") => mapping(b, r, &id, &ep, "Queue", "queue"),
            ("DynamoDB", "function") => mapping(b, r, &id, &ep, "Stream", "table"),
            ("SNS", "function") => sns(b, r, &ep),
            ("S3", "function") => s3(b, r, &ep),
            ("EventBridgeRule" | "CloudWatchEvent", _) => rule(b, r, &id, &ep),
            ("Schedule", _) => schedule(b, r, &id, &ep, "Schedule"),
            ("ScheduleV2", _) => schedule(b, r, &id, &ep, "ScheduleExpression"),
            (other, _) => b.note(
                from.0,
                from.1,
                format!("event {name} of type {other} is not simulated"),
            ),
        }
    }
}

fn api(b: &mut Build, r: &TemplateResource, ep: &Props, protocol: &str) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let (api_key, implicit) = if protocol == "rest" {
        ("RestApiId", "ServerlessRestApi")
    } else {
        ("ApiId", "ServerlessHttpApi")
    };
    let api_id = match ep.get(api_key) {
        Some(v) => match b.resolve(from, v, &["api"], "API") {
            Some(id) => id,
            None => return,
        },
        None => {
            if !b.resources.contains_key(implicit) {
                let mut api =
                    new_resource("api", Some(format!("The API SAM generates ({implicit})")));
                api.insert("protocol".into(), Value::from(protocol));
                api.insert("routes".into(), Value::Object(Map::new()));
                let aws_type = if protocol == "rest" {
                    "AWS::Serverless::Api"
                } else {
                    "AWS::Serverless::HttpApi"
                };
                if !b.add(implicit, aws_type, api) {
                    return;
                }
                b.index.add(implicit, "api");
            }
            implicit.to_string()
        }
    };
    let route = match (string(ep, "Method"), string(ep, "Path")) {
        (Some(method), Some(path)) => format!("{} {path}", route_method(&method)),
        _ if protocol == "http" => "$default".to_string(),
        _ => {
            b.note(from.0, from.1, "an Api event needs Path and Method");
            return;
        }
    };
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target: api_id,
        slot: Slot::Insert("routes", route, Value::from(r.id.clone())),
    });
}

/// `get` → `GET`, `any` / `x-amazon-apigateway-any-method` / `*` → `ANY` (API Gateway accepts any case).
pub fn route_method(method: &str) -> String {
    let m = method.trim().to_ascii_uppercase();
    match m.as_str() {
        "X-AMAZON-APIGATEWAY-ANY-METHOD" | "*" => "ANY".to_string(),
        _ => m,
    }
}

fn mapping(
    b: &mut Build,
    r: &TemplateResource,
    id: &str,
    ep: &Props,
    key: &str,
    source_kind: &str,
) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let source = ep.get(key).cloned().unwrap_or(Value::Null);
    let Some(source_id) = b.resolve(from, &source, &[source_kind], "event source") else {
        return;
    };
    let mut t = new_resource("trigger", None);
    t.insert("source".into(), Value::from(source_id));
    t.insert("function".into(), Value::from(r.id.clone()));
    mapping_settings(&mut t, ep, source_kind == "table", b, from);
    if b.add(id, "AWS::Lambda::EventSourceMapping", t) {
        b.index.add(id, "trigger");
    }
}

fn sns(b: &mut Build, r: &TemplateResource, ep: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let topic = ep.get("Topic").cloned().unwrap_or(Value::Null);
    let Some(topic_id) = b.resolve(from, &topic, &["topic"], "topic") else {
        return;
    };
    if boolean(ep, "SqsSubscription") == Some(true)
        || ep.get("SqsSubscription").is_some_and(Value::is_object)
    {
        b.note(
            from.0,
            from.1,
            "SqsSubscription (a queue between topic and function) is not generated; the function is subscribed directly",
        );
    }
    let mut s = Map::new();
    s.insert("target".into(), Value::from(r.id.clone()));
    if let Some(policy) = json_document(ep, "FilterPolicy") {
        s.insert("filter_policy".into(), policy);
    }
    if let Some(scope) = string(ep, "FilterPolicyScope") {
        s.insert("filter_policy_scope".into(), Value::from(scope));
    }
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target: topic_id,
        slot: Slot::Push("subscriptions", Value::Object(s)),
    });
}

fn s3(b: &mut Build, r: &TemplateResource, ep: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let bucket = ep.get("Bucket").cloned().unwrap_or(Value::Null);
    let Some(bucket_id) = b.resolve(from, &bucket, &["bucket"], "bucket") else {
        return;
    };
    let events: Vec<Value> = match ep.get("Events") {
        Some(Value::Array(a)) => a.iter().map(|e| Value::from(text(e))).collect(),
        Some(v) => vec![Value::from(text(v))],
        None => vec![Value::from("s3:ObjectCreated:*")],
    };
    let mut n = Map::new();
    n.insert("events".into(), Value::Array(events));
    super::s3::key_filter(&mut n, ep);
    n.insert("target".into(), Value::from(r.id.clone()));
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target: bucket_id,
        slot: Slot::Push("notifications", Value::Object(n)),
    });
}

fn rule(b: &mut Build, r: &TemplateResource, id: &str, ep: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    if is_disabled(ep) {
        b.note(
            from.0,
            from.1,
            format!("rule {id} is disabled in the template; left out"),
        );
        return;
    }
    let bus = match ep.get("EventBusName") {
        None => b.ensure_default_bus(),
        Some(v) if super::events::is_default_bus(&text(v)) => b.ensure_default_bus(),
        Some(v) => match b.resolve(from, v, &["event_bus"], "event bus") {
            Some(bus) => bus,
            None => return,
        },
    };
    let Some(pattern) = json_document(ep, "Pattern") else {
        b.note(
            from.0,
            from.1,
            format!("rule {id} has no Pattern; left out"),
        );
        return;
    };
    let mut rule = new_resource("rule", Some(format!("Rule SAM generates for {}", r.id)));
    rule.insert("bus".into(), Value::from(bus));
    rule.insert("pattern".into(), pattern);
    rule.insert("targets".into(), Value::Array(vec![target(r, ep)]));
    super::events::retry_and_dead_letter(b, from, &mut rule, ep);
    let generated_queue = sam_dead_letter_queue(id, ep);
    if let Some(queue) = &generated_queue {
        rule.insert("dead_letter".into(), Value::from(queue.clone()));
    }
    if b.add(id, "AWS::Events::Rule", rule) {
        b.index.add(id, "rule");
        if let Some(queue) = generated_queue {
            let q = new_resource(
                "queue",
                Some(format!("Dead-letter queue SAM generates for {id}")),
            );
            if b.add(&queue, "AWS::SQS::Queue", q) {
                b.index.add(&queue, "queue");
            }
        }
    }
}

fn schedule(b: &mut Build, r: &TemplateResource, id: &str, ep: &Props, key: &str) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    if is_disabled(ep) {
        b.note(
            from.0,
            from.1,
            format!("schedule {id} is disabled in the template; left out"),
        );
        return;
    }
    let Some(expression) = string(ep, key) else {
        b.note(
            from.0,
            from.1,
            format!("schedule {id} has no {key}; left out"),
        );
        return;
    };
    if let Some(zone) = string(ep, "ScheduleExpressionTimezone") {
        b.note(
            from.0,
            from.1,
            format!("schedule {id}: time zone {zone} is read as UTC"),
        );
    }
    let mut s = new_resource(
        "schedule",
        Some(format!("Schedule SAM generates for {}", r.id)),
    );
    s.insert(
        "expression".into(),
        Value::from(super::normalize_schedule(&expression)),
    );
    s.insert(
        "targets".into(),
        Value::Array(vec![Value::from(r.id.clone())]),
    );
    if let Some(input) = json_document(ep, "Input") {
        s.insert("input".into(), input);
    }
    let aws_type = if key == "Schedule" {
        "AWS::Events::Rule"
    } else {
        "AWS::Scheduler::Schedule"
    };
    if b.add(id, aws_type, s) {
        b.index.add(id, "schedule");
    }
}

fn is_disabled(ep: &Props) -> bool {
    boolean(ep, "Enabled") == Some(false)
        || string(ep, "State").is_some_and(|s| s.eq_ignore_ascii_case("DISABLED"))
}

/// The generated rule's one target: the resource itself, with `Input` / `InputPath` / `InputTransformer`.
fn target(r: &TemplateResource, ep: &Props) -> Value {
    let mut t = Map::new();
    t.insert("target".into(), Value::from(r.id.clone()));
    super::events::target_input(&mut t, ep);
    if t.len() == 1 {
        Value::from(r.id.clone())
    } else {
        Value::Object(t)
    }
}

/// SAM's `DeadLetterConfig: {Type: SQS}` asks SAM to create the queue; its logical id.
pub fn sam_dead_letter_queue(owner: &str, event: &Props) -> Option<String> {
    let d = object(event, "DeadLetterConfig");
    if d.get("Arn").is_some() || string(&d, "Type").as_deref() != Some("SQS") {
        return None;
    }
    Some(string(&d, "QueueLogicalId").unwrap_or_else(|| format!("{owner}Queue")))
}
