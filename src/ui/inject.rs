//! "Send a test event": a sample payload per target type (in the scenario format's traffic payload shape), its
//! validation, and the conversion into an engine [`Payload`].

use serde_json::{Value, json};

use crate::scenario::{Payload, ResId, ResourceKind, ResourceType, Scenario};

/// Why a test payload cannot be sent.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InjectError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("the payload must be a JSON object")]
    NotObject,
    #[error("missing required key `{0}`")]
    Missing(&'static str),
    #[error("`{0}` must be {1}")]
    Type(&'static str, &'static str),
    #[error("a {0} cannot receive a test event")]
    NotASource(&'static str),
}

/// Whether a resource type accepts test events.
pub fn accepts_events(t: ResourceType) -> bool {
    matches!(
        t,
        ResourceType::Api
            | ResourceType::EventBus
            | ResourceType::Bucket
            | ResourceType::Function
            | ResourceType::Queue
            | ResourceType::Topic
            | ResourceType::Table
            | ResourceType::StateMachine
    )
}

/// A sample payload for a resource: the payload of a traffic source that targets it if the scenario has one,
/// else a typical one for its type.
pub fn sample(sc: &Scenario, id: ResId) -> Value {
    if let Some(t) = sc.traffic.iter().find(|t| t.to == id) {
        let v = match &t.payload {
            Payload::Request(v)
            | Payload::Event(v)
            | Payload::Object(v)
            | Payload::Message(v)
            | Payload::TablePut(v)
            | Payload::Input(v) => v.clone(),
            Payload::Invoke { payload, .. } => payload.clone(),
            Payload::TableDelete(v) => json!({ "delete": v }),
        };
        return v;
    }
    let r = sc.resource(id);
    match &r.kind {
        ResourceKind::Api(api) => {
            let route = api
                .routes
                .first()
                .map(|(k, _)| k.as_str())
                .unwrap_or("GET /");
            let (method, path) = route.split_once(' ').unwrap_or(("GET", "/"));
            let method = if method == "ANY" || route == "$default" {
                "GET"
            } else {
                method
            };
            let path = if route == "$default" { "/" } else { path };
            let path = path.replace("{proxy+}", "test").replace(['{', '}'], "");
            json!({ "method": method, "path": path, "headers": { "content-type": "application/json" }, "body": { "hello": "world" } })
        }
        ResourceKind::EventBus => {
            json!({ "source": "com.example.test", "detail-type": "Test Event", "detail": { "hello": "world" } })
        }
        ResourceKind::Bucket(_) => json!({ "key": "uploads/test.jpg", "size": 1024 }),
        ResourceKind::Queue(_) => json!({ "body": "{\"hello\":\"world\"}" }),
        ResourceKind::Topic(_) => json!({ "body": "{\"hello\":\"world\"}", "subject": "test" }),
        ResourceKind::Table(t) => json!({ t.partition_key.clone(): "test-1", "hello": "world" }),
        _ => json!({ "hello": "world" }),
    }
}

/// Parses and checks the editor text, and builds the payload for the target's type.
pub fn validate(sc: &Scenario, id: ResId, text: &str) -> Result<Payload, InjectError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| InjectError::Json(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    let t = sc.resource(id).resource_type();
    let obj = || v.as_object().ok_or(InjectError::NotObject);
    let need_str = |k: &'static str| -> Result<(), InjectError> {
        match obj()?.get(k) {
            None => Err(InjectError::Missing(k)),
            Some(Value::String(_)) => Ok(()),
            Some(_) => Err(InjectError::Type(k, "a string")),
        }
    };
    match t {
        ResourceType::Api => {
            need_str("method")?;
            need_str("path")?;
            Ok(Payload::Request(v))
        }
        ResourceType::EventBus => {
            need_str("source")?;
            need_str("detail-type")?;
            if !obj()?.contains_key("detail") {
                return Err(InjectError::Missing("detail"));
            }
            Ok(Payload::Event(v))
        }
        ResourceType::Bucket => {
            need_str("key")?;
            Ok(Payload::Object(v))
        }
        ResourceType::Queue | ResourceType::Topic => {
            need_str("body")?;
            Ok(Payload::Message(v))
        }
        ResourceType::Table => {
            obj()?;
            if let ResourceKind::Table(table) = &sc.resource(id).kind
                && !obj()?.contains_key(&table.partition_key)
                && !obj()?.contains_key("delete")
            {
                return Err(InjectError::Missing("the partition key"));
            }
            match obj()?.get("delete") {
                Some(k) => Ok(Payload::TableDelete(k.clone())),
                None => Ok(Payload::TablePut(v)),
            }
        }
        ResourceType::Function => Ok(Payload::Invoke {
            payload: v,
            sync: false,
        }),
        ResourceType::StateMachine => Ok(Payload::Input(v)),
        other => Err(InjectError::NotASource(other.aws_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc() -> Scenario {
        crate::scenario::load_str(
            include_str!("../../assets/scenarios/new-order.json"),
            "t.json",
            None,
        )
        .expect("loads")
    }

    #[test]
    fn sample_of_a_bus_is_valid() {
        let s = sc();
        let bus = s.find("Orders").expect("bus");
        let text = serde_json::to_string(&sample(&s, bus)).expect("json");
        assert!(matches!(validate(&s, bus, &text), Ok(Payload::Event(_))));
    }

    #[test]
    fn missing_keys_and_bad_json_are_reported() {
        let s = sc();
        let bus = s.find("Orders").expect("bus");
        assert_eq!(
            validate(&s, bus, "{\"source\":\"a\",\"detail\":{}}"),
            Err(InjectError::Missing("detail-type"))
        );
        assert!(matches!(validate(&s, bus, "{"), Err(InjectError::Json(_))));
        let rule = s.find("NewOrderRule").expect("rule");
        assert!(matches!(
            validate(&s, rule, "{}"),
            Err(InjectError::NotASource(_))
        ));
    }
}
