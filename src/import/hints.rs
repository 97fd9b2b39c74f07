//! Links a template implies without wiring them: a function's `Policies` (SAM policy templates or IAM
//! statements naming a resource) and `Environment` variables (a table name, a queue URL) say its code probably
//! calls that resource. The scenario cannot run that code, so these are kept as [`Hint`]s the app draws dashed.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::template::TemplateResource;

/// A link that only a function's `Policies` or `Environment` implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The function's logical id.
    pub from: String,
    /// The resource it names (simulated, or one of the import's [`super::External`]s).
    pub to: String,
    /// `Policies` or `Environment`: where the template names it.
    pub via: &'static str,
}

/// The hints of every function among `resources` (template order), to resources that `shown` holds.
pub fn collect(resources: &[TemplateResource], shown: &BTreeSet<String>) -> Vec<Hint> {
    let mut hints: Vec<Hint> = Vec::new();
    for r in resources {
        if !matches!(
            r.aws_type.as_str(),
            "AWS::Serverless::Function" | "AWS::Lambda::Function"
        ) || !shown.contains(&r.id)
        {
            continue;
        }
        for via in ["Policies", "Environment"] {
            let Some(value) = r.properties.get(via) else {
                continue;
            };
            let mut named = Vec::new();
            referenced_ids(value, &mut named);
            for to in named {
                if to == r.id || !shown.contains(&to) {
                    continue;
                }
                if !hints.iter().any(|h| h.from == r.id && h.to == to) {
                    hints.push(Hint {
                        from: r.id.clone(),
                        to,
                        via,
                    });
                }
            }
        }
    }
    hints
}

/// Logical ids that `Ref`, `Fn::GetAtt` and `Fn::Sub` name inside `value`, in the order they appear.
fn referenced_ids(value: &Value, out: &mut Vec<String>) {
    let mut named = Vec::new();
    referenced_attributes(value, &mut named);
    out.extend(named.into_iter().map(|(id, _)| id));
}

/// (logical id, attribute) of every `Ref` (no attribute), `Fn::GetAtt` and `Fn::Sub` variable inside `value`,
/// in the order they appear.
pub(crate) fn referenced_attributes(value: &Value, out: &mut Vec<(String, Option<String>)>) {
    match value {
        Value::Object(map) => {
            if let Some(named) = single_reference(map) {
                out.push(named);
                return;
            }
            if let Some(sub) = map.get("Fn::Sub") {
                let template = match sub {
                    Value::String(s) => Some(s.as_str()),
                    Value::Array(items) => items.first().and_then(Value::as_str),
                    _ => None,
                };
                out.extend(template.into_iter().flat_map(sub_variables));
                if let Some(Value::Object(vars)) = sub.as_array().and_then(|a| a.get(1)) {
                    vars.values().for_each(|v| referenced_attributes(v, out));
                }
                return;
            }
            map.values().for_each(|v| referenced_attributes(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced_attributes(v, out)),
        _ => {}
    }
}

/// `{"Ref": "X"}` → (X, None); `{"Fn::GetAtt": ["X", "Arn"]}` or `{"Fn::GetAtt": "X.Arn"}` → (X, Some(Arn)).
fn single_reference(map: &Map<String, Value>) -> Option<(String, Option<String>)> {
    if map.len() != 1 {
        return None;
    }
    if let Some(Value::String(id)) = map.get("Ref") {
        return (!id.starts_with("AWS::")).then(|| (id.clone(), None));
    }
    match map.get("Fn::GetAtt")? {
        Value::Array(parts) => {
            let id = parts.first()?.as_str()?.to_string();
            let attribute = parts
                .iter()
                .skip(1)
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(".");
            Some((id, Some(attribute)))
        }
        Value::String(s) => {
            let (id, attribute) = s.split_once('.').unwrap_or((s, ""));
            Some((id.to_string(), Some(attribute.to_string())))
        }
        _ => None,
    }
}

/// The resource names (with their attribute) of `${X}` and `${X.Attr}` in a `Fn::Sub` string (not
/// `${AWS::Region}`, not `${!Literal}`).
fn sub_variables(template: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        rest = &rest[end + 1..];
        if name.starts_with('!') || name.starts_with("AWS::") {
            continue;
        }
        let (id, attribute) = match name.split_once('.') {
            Some((id, attribute)) => (id, Some(attribute.to_string())),
            None => (name, None),
        };
        if !id.is_empty() {
            out.push((id.to_string(), attribute));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn function(id: &str, properties: Value) -> TemplateResource {
        TemplateResource {
            id: id.into(),
            aws_type: "AWS::Serverless::Function".into(),
            properties,
            condition: None,
        }
    }

    #[test]
    fn policies_and_environment_name_the_resources_a_function_calls() {
        let f = function(
            "Writer",
            json!({
                "Policies": [
                    {"DynamoDBCrudPolicy": {"TableName": {"Ref": "Orders"}}},
                    {"Statement": [{"Effect": "Allow", "Resource": {"Fn::GetAtt": ["Audit", "Arn"]}}]},
                    {"Statement": [{"Resource": {"Fn::Sub": "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:${Alerts.TopicName}"}}]}
                ],
                "Environment": {"Variables": {"TABLE": {"Ref": "Orders"}, "QUEUE": {"Ref": "Outbox"}, "ROLE": {"Ref": "Role"}}}
            }),
        );
        let shown: BTreeSet<String> = ["Writer", "Orders", "Audit", "Alerts", "Outbox"]
            .map(String::from)
            .into();
        let hints = collect(&[f], &shown);
        let got: Vec<(&str, &str)> = hints.iter().map(|h| (h.to.as_str(), h.via)).collect();
        assert_eq!(
            got,
            [
                ("Orders", "Policies"),
                ("Audit", "Policies"),
                ("Alerts", "Policies"),
                ("Outbox", "Environment")
            ]
        );
    }

    #[test]
    fn sub_skips_pseudo_parameters_and_escaped_literals() {
        assert_eq!(
            sub_variables("${AWS::Region}-${!Literal}-${Table}-${Queue.Arn}"),
            [
                ("Table".to_string(), None),
                ("Queue".to_string(), Some("Arn".to_string()))
            ]
        );
    }
}
