//! Step Functions: `AWS::StepFunctions::StateMachine` (`Definition`, `DefinitionString`) and SAM's
//! `AWS::Serverless::StateMachine` (`Definition`, `DefinitionUri` to a local JSON or YAML file, `Events`), with
//! `DefinitionSubstitutions` applied to every string of the definition as AWS does.

use serde_json::{Map, Value};

use super::{Props, object, string};
use crate::import::Build;
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;

pub fn state_machine(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let Some(mut definition) = definition(b, from, p) else {
        return;
    };
    let substitutions: Vec<(String, String)> = object(p, "DefinitionSubstitutions")
        .iter()
        .map(|(k, v)| (format!("${{{k}}}"), text(v)))
        .collect();
    if !substitutions.is_empty() {
        substitute(&mut definition, &substitutions);
    }
    let mut m = super::new_resource("state_machine", None);
    m.insert("definition".into(), definition);
    let workflow = string(p, "Type").or_else(|| string(p, "StateMachineType"));
    if workflow.as_deref() == Some("EXPRESS") {
        m.insert("workflow_type".into(), Value::from("EXPRESS"));
    }
    if !b.add(&r.id, &r.aws_type, m) {
        return;
    }
    if r.aws_type == "AWS::Serverless::StateMachine" {
        super::sam_events::events(b, r, p, "state_machine");
    }
}

fn definition(b: &mut Build, from: (&str, &str), p: &Props) -> Option<Value> {
    if let Some(d) = p.get("Definition").filter(|d| d.is_object()) {
        return Some(d.clone());
    }
    if let Some(s) = string(p, "DefinitionString") {
        return match serde_json::from_str(&s) {
            Ok(v) => Some(v),
            Err(e) => {
                b.note(
                    from.0,
                    from.1,
                    format!("left out: DefinitionString is not JSON ({e})"),
                );
                None
            }
        };
    }
    match p.get("DefinitionUri") {
        Some(Value::String(path)) => {
            let Some(dir) = b.base_dir.clone() else {
                b.note(
                    from.0,
                    from.1,
                    format!("left out: DefinitionUri {path} is not read here"),
                );
                return None;
            };
            let file = dir.join(path);
            let read = std::fs::read_to_string(&file)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    crate::import::yaml::parse_template(&t)
                        .map_err(|e| format!("{}:{}: {}", e.line, e.col, e.message))
                });
            match read {
                Ok(v) if v.is_object() => Some(v),
                Ok(_) => {
                    b.note(
                        from.0,
                        from.1,
                        format!("left out: {path} is not a state machine definition"),
                    );
                    None
                }
                Err(e) => {
                    b.note(
                        from.0,
                        from.1,
                        format!("left out: cannot read DefinitionUri {path}: {e}"),
                    );
                    None
                }
            }
        }
        Some(_) => {
            b.note(from.0, from.1, "left out: DefinitionUri in S3 is not read");
            None
        }
        None => {
            let where_ = if p.contains_key("DefinitionS3Location") {
                "its definition is in S3 (DefinitionS3Location)"
            } else {
                "no Definition"
            };
            b.note(from.0, from.1, format!("left out: {where_}"));
            None
        }
    }
}

/// Replaces every `${name}` of the substitutions in every string (keys included) of the definition.
fn substitute(v: &mut Value, subs: &[(String, String)]) {
    match v {
        Value::String(s) if s.contains("${") => {
            for (k, x) in subs {
                if s.contains(k.as_str()) {
                    *s = s.replace(k.as_str(), x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| substitute(x, subs)),
        Value::Object(map) => {
            let old = std::mem::take(map);
            let mut new = Map::with_capacity(old.len());
            for (mut k, mut x) in old {
                substitute(&mut x, subs);
                if k.contains("${") {
                    let mut key = Value::String(k);
                    substitute(&mut key, subs);
                    k = text(&key);
                }
                new.insert(k, x);
            }
            *map = new;
        }
        _ => {}
    }
}
