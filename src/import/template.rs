//! The template model: `Parameters` (with the values an import uses), `Mappings`, `Conditions`, SAM's `Globals`
//! and the `Resources` in file order.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::intrinsic::{Scope, text};
use super::notes::Note;

/// One entry of `Resources`.
#[derive(Debug, Clone)]
pub struct TemplateResource {
    pub id: String,
    pub aws_type: String,
    /// `Properties` as written (intrinsics not yet evaluated), with SAM `Globals` merged in.
    pub properties: Value,
    pub condition: Option<String>,
}

/// A parsed template.
pub struct Template {
    pub description: Option<String>,
    pub resources: Vec<TemplateResource>,
    pub scope: Scope,
}

/// Reads the sections of a template. `None` when the document has no `Resources` mapping.
pub fn read(
    doc: &Value,
    base_dir: Option<&std::path::Path>,
    notes: &mut Vec<Note>,
) -> Option<Template> {
    let resources_raw = doc.get("Resources")?.as_object()?;
    let parameters = parameter_values(doc.get("Parameters"), notes);
    let mappings = object(doc.get("Mappings"));
    let conditions = object(doc.get("Conditions"));
    let globals = object(doc.get("Globals"));
    let mut resources = Vec::new();
    let mut types = BTreeMap::new();
    for (id, raw) in resources_raw {
        let aws_type = raw
            .get("Type")
            .map(text)
            .unwrap_or_else(|| "(no Type)".to_string());
        types.insert(id.clone(), aws_type.clone());
        let mut properties = raw
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        if let Some(section) = globals_section(&aws_type)
            && let Some(g) = globals.get(section)
        {
            properties = merge_globals(g, &properties);
        }
        resources.push(TemplateResource {
            id: id.clone(),
            aws_type,
            properties,
            condition: raw
                .get("Condition")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    let description = doc
        .get("Description")
        .map(text)
        .filter(|d| !d.trim().is_empty());
    let mut scope = Scope::new(parameters, mappings, conditions, types);
    scope.base_dir = base_dir.map(std::path::Path::to_path_buf);
    Some(Template {
        description,
        resources,
        scope,
    })
}

fn object(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

/// The section of `Globals` that applies to a SAM resource type.
fn globals_section(aws_type: &str) -> Option<&'static str> {
    Some(match aws_type {
        "AWS::Serverless::Function" => "Function",
        "AWS::Serverless::Api" => "Api",
        "AWS::Serverless::HttpApi" => "HttpApi",
        "AWS::Serverless::SimpleTable" => "SimpleTable",
        "AWS::Serverless::StateMachine" => "StateMachine",
        _ => return None,
    })
}

/// SAM's rule: the resource's own value wins for scalars; mappings merge key by key; lists are concatenated,
/// globals first.
fn merge_globals(global: &Value, local: &Value) -> Value {
    match (global, local) {
        (Value::Object(g), Value::Object(l)) => {
            let mut out = g.clone();
            for (k, lv) in l {
                let merged = match g.get(k) {
                    Some(gv) => merge_globals(gv, lv),
                    None => lv.clone(),
                };
                out.insert(k.clone(), merged);
            }
            // Keep the resource's own key order first, then what only the globals add.
            let mut ordered = Map::new();
            for k in l.keys().chain(g.keys()) {
                if let Some(v) = out.get(k)
                    && !ordered.contains_key(k)
                {
                    ordered.insert(k.clone(), v.clone());
                }
            }
            Value::Object(ordered)
        }
        (Value::Array(g), Value::Array(l)) => {
            Value::Array(g.iter().chain(l.iter()).cloned().collect())
        }
        (_, l) => l.clone(),
    }
}

/// The value each parameter takes on import: its `Default`, else a placeholder (with a note).
fn parameter_values(params: Option<&Value>, notes: &mut Vec<Note>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(params) = params.and_then(Value::as_object) else {
        return out;
    };
    for (name, p) in params {
        let ptype = p.get("Type").map(text).unwrap_or_else(|| "String".into());
        let is_list = ptype.starts_with("List<") || ptype == "CommaDelimitedList";
        let value = match p.get("Default") {
            Some(d) => d.clone(),
            None => {
                let placeholder = p
                    .get("AllowedValues")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first().cloned())
                    .or_else(|| {
                        (ptype == "Number")
                            .then(|| p.get("MinValue").cloned().unwrap_or(Value::from(1)))
                    })
                    .unwrap_or_else(|| Value::String(name.clone()));
                notes.push(Note::new(
                    name,
                    "Parameter",
                    format!("no Default; using the placeholder {placeholder}"),
                ));
                placeholder
            }
        };
        let value = match (&value, is_list) {
            (Value::String(s), true) => Value::Array(
                s.split(',')
                    .map(|x| Value::String(x.trim().to_string()))
                    .collect(),
            ),
            _ => value,
        };
        out.insert(name.clone(), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globals_merge_as_sam_does() {
        let g = json!({"Timeout": 3, "Environment": {"Variables": {"A": "1", "B": "2"}}, "Layers": ["x"]});
        let l = json!({"Timeout": 9, "Environment": {"Variables": {"B": "3"}}, "Layers": ["y"]});
        assert_eq!(
            merge_globals(&g, &l),
            json!({"Timeout": 9, "Environment": {"Variables": {"B": "3", "A": "1"}}, "Layers": ["x", "y"]})
        );
    }
}
