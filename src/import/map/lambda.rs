//! Lambda: `AWS::Serverless::Function` / `AWS::Lambda::Function` (settings, dead-letter queue, asynchronous
//! invocation config, then SAM `Events`), `AWS::Lambda::EventSourceMapping` and `AWS::Lambda::EventInvokeConfig`.
//! The code itself is not runnable here: Runtime, Handler and CodeUri are kept in the function's description and
//! the function uses the default behaviour.

use serde_json::{Map, Value};

use super::{Props, int, mapping_settings, new_resource, object, string};
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;
use crate::import::{Build, Pending, Slot};

/// Destination types of an asynchronous invocation's `OnSuccess` / `OnFailure`.
const DESTINATION_KINDS: [&str; 4] = ["queue", "topic", "event_bus", "function"];

pub fn function(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let mut f = new_resource("function", Some(code_description(p)));
    if let Some(n) = int(p, "MemorySize") {
        f.insert("memory_mb".into(), Value::from(n));
    }
    if let Some(n) = int(p, "Timeout") {
        f.insert("timeout_s".into(), Value::from(n));
    }
    if let Some(n) = int(p, "ReservedConcurrentExecutions") {
        f.insert("reserved_concurrency".into(), Value::from(n));
    }
    if let Some(n) = int(
        &object(p, "ProvisionedConcurrencyConfig"),
        "ProvisionedConcurrentExecutions",
    ) {
        f.insert("provisioned_concurrency".into(), Value::from(n));
    }
    let variables = object(&object(p, "Environment"), "Variables");
    if !variables.is_empty() {
        let env: Map<String, Value> = variables
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(text_or_json(v))))
            .collect();
        f.insert("environment".into(), Value::Object(env));
    }
    // SAM `DeadLetterQueue: {Type, TargetArn}`; Lambda `DeadLetterConfig: {TargetArn}`.
    let dlq = [object(p, "DeadLetterQueue"), object(p, "DeadLetterConfig")]
        .into_iter()
        .find_map(|d| d.get("TargetArn").cloned());
    if let Some(target) = dlq
        && let Some(id) = b.resolve(from, &target, &["queue", "topic"], "dead-letter target")
    {
        f.insert("dead_letter".into(), Value::from(id));
    }
    let invoke_config = object(p, "EventInvokeConfig");
    let mut pending_async = Vec::new();
    if !invoke_config.is_empty() {
        let a = async_config(b, from, &invoke_config, &mut pending_async);
        if !a.is_empty() {
            f.insert("async".into(), Value::Object(a));
        }
    }
    if !b.add(&r.id, &r.aws_type, f) {
        return;
    }
    for (id, kind, aws_type) in pending_async {
        let resource = new_resource(
            kind,
            Some(format!("Created by SAM for {}'s EventInvokeConfig", r.id)),
        );
        if b.add(&id, aws_type, resource) {
            b.index.add(&id, kind);
        }
    }
    if r.aws_type == "AWS::Serverless::Function" {
        super::sam_events::events(b, r, p, "function");
    }
}

/// Runtime, handler and code location, under the template's own description.
fn code_description(p: &Props) -> String {
    let mut lines = Vec::new();
    if let Some(d) = string(p, "Description") {
        lines.push(d);
        lines.push(String::new());
    }
    let mut facts = Vec::new();
    for key in ["Runtime", "Handler", "PackageType", "ImageUri"] {
        if let Some(v) = string(p, key) {
            facts.push(format!("{key}: {v}"));
        }
    }
    match p.get("CodeUri") {
        Some(Value::String(s)) => facts.push(format!("CodeUri: {s}")),
        Some(Value::Object(o)) => facts.push(format!(
            "CodeUri: s3://{}/{}",
            o.get("Bucket").map(text).unwrap_or_default(),
            o.get("Key").map(text).unwrap_or_default()
        )),
        _ => {}
    }
    if p.contains_key("InlineCode") {
        facts.push("Code: inline".to_string());
    }
    let code = object(p, "Code");
    if code.contains_key("ZipFile") {
        facts.push("Code: inline (ZipFile)".to_string());
    } else if let Some(bucket) = string(&code, "S3Bucket") {
        facts.push(format!(
            "Code: s3://{bucket}/{}",
            string(&code, "S3Key").unwrap_or_default()
        ));
    } else if let Some(image) = string(&code, "ImageUri") {
        facts.push(format!("ImageUri: {image}"));
    }
    lines.push(facts.join("\n"));
    lines.push(String::new());
    lines
        .push("The code is not run by eventflow: this function uses the default behaviour.".into());
    lines.join("\n").trim().to_string()
}

fn text_or_json(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => v.to_string(),
        other => text(other),
    }
}

/// `EventInvokeConfig` → `async`. A SAM destination of `Type: SQS`/`SNS` without `Destination` makes SAM create
/// the queue or topic (`<Function>EventInvokeConfigOnSuccessQueue`, …): those are returned in `created`.
fn async_config(
    b: &mut Build,
    from: (&str, &str),
    c: &Props,
    created: &mut Vec<(String, &'static str, &'static str)>,
) -> Map<String, Value> {
    let mut a = Map::new();
    if let Some(n) = int(c, "MaximumRetryAttempts") {
        a.insert("retry_attempts".into(), Value::from(n));
    }
    if let Some(n) = int(c, "MaximumEventAgeInSeconds") {
        a.insert("max_event_age_s".into(), Value::from(n));
    }
    let destinations = object(c, "DestinationConfig");
    for (key, out_key, label) in [
        ("OnSuccess", "on_success", "OnSuccess"),
        ("OnFailure", "on_failure", "OnFailure"),
    ] {
        let d = object(&destinations, key);
        if d.is_empty() {
            continue;
        }
        match d.get("Destination") {
            Some(dest) => {
                if let Some(id) = b.resolve(from, dest, &DESTINATION_KINDS, "destination") {
                    a.insert(out_key.into(), Value::from(id));
                }
            }
            None => {
                let (kind, aws_type, suffix) = match string(&d, "Type").as_deref() {
                    Some("SQS") => ("queue", "AWS::SQS::Queue", "Queue"),
                    Some("SNS") => ("topic", "AWS::SNS::Topic", "Topic"),
                    other => {
                        b.note(
                            from.0,
                            from.1,
                            format!(
                                "{label} destination of type {} has no Destination",
                                other.unwrap_or("?")
                            ),
                        );
                        continue;
                    }
                };
                let id = format!("{}EventInvokeConfig{label}{suffix}", from.0);
                a.insert(out_key.into(), Value::from(id.clone()));
                created.push((id, kind, aws_type));
            }
        }
    }
    a
}

pub fn event_invoke_config(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let Some(function) = p.get("FunctionName").cloned() else {
        b.note(from.0, from.1, "no FunctionName");
        return;
    };
    let Some(target) = b.resolve(from, &function, &["function"], "function") else {
        return;
    };
    let mut created = Vec::new();
    let a = async_config(b, from, p, &mut created);
    for (id, _, _) in created {
        b.note(
            from.0,
            from.1,
            format!("destination {id} has no Destination; dropped"),
        );
    }
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target,
        slot: Slot::Merge("async", a),
    });
}

pub fn event_source_mapping(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let source = p.get("EventSourceArn").cloned().unwrap_or(Value::Null);
    let Some(source_id) = b.resolve(from, &source, &["queue", "table"], "event source") else {
        b.note(
            from.0,
            from.1,
            "left out: its event source is not simulated",
        );
        return;
    };
    let function = p.get("FunctionName").cloned().unwrap_or(Value::Null);
    let Some(function_id) = b.resolve(from, &function, &["function"], "function") else {
        b.note(from.0, from.1, "left out: its function is not simulated");
        return;
    };
    let from_table = b.index.kind(&source_id) == Some("table");
    let mut t = new_resource("trigger", None);
    t.insert("source".into(), Value::from(source_id));
    t.insert("function".into(), Value::from(function_id));
    mapping_settings(&mut t, p, from_table, b, from);
    b.add(&r.id, &r.aws_type, t);
}
