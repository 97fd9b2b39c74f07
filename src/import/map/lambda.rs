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
    let databases = environment_databases(b, r, p);
    let mut f = new_resource("function", Some(code_description(p, &databases)));
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
    if !databases.is_empty() {
        let mut code = Map::new();
        code.insert("inline".into(), Value::from(stand_in_code(&databases)));
        f.insert("code".into(), Value::Object(code));
        for db in &databases {
            b.database_links.insert((r.id.clone(), db.clone()));
        }
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

/// The databases and proxies a function's `Environment` names (`DB_HOST: !GetAtt Db.Endpoint.Address`,
/// `PROXY: !GetAtt Proxy.Endpoint`, a `!Sub` with `${Db.Endpoint.Address}`, a `!Ref`, or the cluster's ARN or
/// identifier for the Data API),
/// in the order they appear: its code connects to them, so they are the function's SQL links. The database's
/// secret (`MasterUserSecret.SecretArn`) is not a connection: a function that goes through a proxy reads it too.
fn environment_databases(b: &Build, r: &TemplateResource, p: &Props) -> Vec<String> {
    let mut named = Vec::new();
    if let Some(env) = r.properties.get("Environment") {
        crate::import::hints::referenced_attributes(env, &mut named);
    }
    // A literal name or ARN (the Data API's `arn:aws:rds:…:cluster:NAME`) names a database by its identifier.
    for value in object(&object(p, "Environment"), "Variables").values() {
        if let Some(id) = b.index.resolve(&text(value), &["database", "db_proxy"]) {
            named.push((id, None));
        }
    }
    let mut out: Vec<String> = Vec::new();
    for (id, attribute) in named {
        let secret = attribute
            .as_deref()
            .is_some_and(|a| a.starts_with("MasterUserSecret"));
        if !secret
            && matches!(b.index.kind(&id), Some("database" | "db_proxy"))
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

/// A handler standing in for code eventflow cannot run, for a function whose environment names databases: one
/// `SELECT 1` on each per invocation, so its execution environments open (and hold) their connections as the
/// real code would; it answers an API request with 200, like the default behaviour.
fn stand_in_code(databases: &[String]) -> String {
    let mut code = String::from(
        "// Stand-in for the template's code (not run by eventflow): one statement on each database its\n// environment names, so the connections are simulated.\nfn handler(event, context) {\n",
    );
    for db in databases {
        code.push_str(&format!("    rds::query(\"{db}\", \"SELECT 1\");\n"));
    }
    code.push_str(
        "    if type_of(event) == \"map\" && (\"httpMethod\" in event || \"routeKey\" in event) {\n        #{ statusCode: 200 }\n    } else {\n        ()\n    }\n}\n",
    );
    code
}

/// Runtime, handler and code location, under the template's own description.
fn code_description(p: &Props, databases: &[String]) -> String {
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
    if databases.is_empty() {
        lines.push(
            "The code is not run by eventflow: this function uses the default behaviour.".into(),
        );
    } else {
        lines.push(format!(
            "The code is not run by eventflow: a stand-in runs one SELECT 1 on {} per invocation, as its environment names {}.",
            databases.join(", "),
            if databases.len() == 1 { "it" } else { "them" }
        ));
    }
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
