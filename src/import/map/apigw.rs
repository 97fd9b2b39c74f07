//! API Gateway: `AWS::Serverless::Api` / `AWS::ApiGateway::RestApi` (REST) and `AWS::Serverless::HttpApi` /
//! `AWS::ApiGatewayV2::Api` (HTTP), with routes from SAM `Api`/`HttpApi` events (see `sam_events`), from an
//! inline OpenAPI body (`x-amazon-apigateway-integration` to a Lambda function), from `AWS::ApiGateway::Method`
//! and from `AWS::ApiGatewayV2::Route` + `Integration`. Integrations with other services are noted.

use serde_json::{Map, Value};

use super::sam_events::route_method;
use super::{Props, object, string};
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;
use crate::import::{Build, Pending, Slot};

const OPENAPI_METHODS: [&str; 8] = [
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "x-amazon-apigateway-any-method",
];

pub fn rest_api(b: &mut Build, r: &TemplateResource, p: &Props) {
    api(b, r, p, "rest");
}

pub fn http_api(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    if string(p, "ProtocolType").is_some_and(|t| t.eq_ignore_ascii_case("WEBSOCKET")) {
        b.note(from.0, from.1, "left out: WebSocket APIs are not simulated");
        return;
    }
    api(b, r, p, "http");
}

fn api(b: &mut Build, r: &TemplateResource, p: &Props, protocol: &str) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let mut a = super::new_resource("api", string(p, "Description"));
    a.insert("protocol".into(), Value::from(protocol));
    let mut routes = Map::new();
    let body = p
        .get("DefinitionBody")
        .or_else(|| p.get("Body"))
        .and_then(Value::as_object)
        .cloned();
    if let Some(body) = body {
        openapi_routes(b, from, &body, &mut routes);
    } else if p.contains_key("DefinitionUri") || p.contains_key("BodyS3Location") {
        b.note(from.0, from.1, "the OpenAPI definition in a separate file is not read; routes come from function events");
    }
    // Quick create (`Target` on an HTTP API): every request goes to that function.
    if let Some(target) = p.get("Target").cloned()
        && let Some(f) = b.resolve(from, &target, &["function"], "quick-create target")
    {
        routes.insert("$default".into(), Value::from(f));
    }
    a.insert("routes".into(), Value::Object(routes));
    b.add(&r.id, &r.aws_type, a);
}

/// Routes of an OpenAPI document whose integration is a Lambda function.
fn openapi_routes(
    b: &mut Build,
    from: (&str, &str),
    body: &Props,
    routes: &mut Map<String, Value>,
) {
    for (path, item) in object(body, "paths") {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !OPENAPI_METHODS.contains(&method.to_ascii_lowercase().as_str()) {
                continue;
            }
            let integration = op
                .get("x-amazon-apigateway-integration")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let route = format!("{} {path}", route_method(method));
            let uri = integration.get("uri").map(text).unwrap_or_default();
            if uri.contains(":lambda:path/") {
                if let Some(f) =
                    b.resolve(from, &Value::from(uri), &["function"], "route integration")
                {
                    routes.insert(route, Value::from(f));
                }
            } else {
                let kind = integration
                    .get("type")
                    .map(text)
                    .unwrap_or_else(|| "none".into());
                b.note(
                    from.0,
                    from.1,
                    format!("route {route}: integration {kind} {uri} is not simulated"),
                );
            }
        }
    }
}

pub fn rest_method(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let api = p.get("RestApiId").cloned().unwrap_or(Value::Null);
    let Some(api_id) = b.resolve(from, &api, &["api"], "REST API") else {
        return;
    };
    let method = route_method(&string(p, "HttpMethod").unwrap_or_default());
    if method == "OPTIONS" {
        return;
    }
    let path = resource_path(b, &string(p, "ResourceId").unwrap_or_default());
    let integration = object(p, "Integration");
    let uri = integration.get("Uri").map(text).unwrap_or_default();
    let route = format!("{method} {path}");
    if !uri.contains(":lambda:path/") {
        b.note(
            from.0,
            from.1,
            format!("route {route}: integration {uri} is not simulated"),
        );
        return;
    }
    let Some(f) = b.resolve(from, &Value::from(uri), &["function"], "route integration") else {
        return;
    };
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target: api_id,
        slot: Slot::Insert("routes", route, Value::from(f)),
    });
}

/// The path of an `AWS::ApiGateway::Resource`, by following `ParentId` up to the root (`Api.RootResourceId`).
fn resource_path(b: &Build, resource_id: &str) -> String {
    let mut parts = Vec::new();
    let mut current = resource_id.to_string();
    for _ in 0..64 {
        let Some(props) = b.props.get(&current) else {
            break;
        };
        parts.push(string(props, "PathPart").unwrap_or_default());
        current = string(props, "ParentId").unwrap_or_default();
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

pub fn v2_route(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let api = p.get("ApiId").cloned().unwrap_or(Value::Null);
    if b.scope.resource_types.get(&text(&api)).map(String::as_str) == Some("AWS::ApiGatewayV2::Api")
        && b.index.kind(&text(&api)).is_none()
    {
        // A route of a WebSocket API (noted once on the API itself).
        return;
    }
    let Some(api_id) = b.resolve(from, &api, &["api"], "HTTP API") else {
        return;
    };
    let route_key = string(p, "RouteKey").unwrap_or_default();
    let route = match route_key.split_once(' ') {
        Some((method, path)) => format!("{} {path}", route_method(method)),
        None => route_key.clone(),
    };
    let target = string(p, "Target").unwrap_or_default();
    let integration = target
        .strip_prefix("integrations/")
        .unwrap_or(&target)
        .to_string();
    let uri = b
        .props
        .get(&integration)
        .and_then(|i| i.get("IntegrationUri"))
        .map(text)
        .unwrap_or_default();
    let Some(f) = b.index.resolve(&uri, &["function"]) else {
        b.note(
            from.0,
            from.1,
            format!("route {route}: integration {uri} is not simulated"),
        );
        return;
    };
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target: api_id,
        slot: Slot::Insert("routes", route, Value::from(f)),
    });
}
