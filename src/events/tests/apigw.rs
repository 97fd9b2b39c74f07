//! API Gateway: request parsing, route selection, request events (1.0 / 2.0), responses.

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use serde_json::{Value, json};

use super::super::apigw::{
    ApiProtocol, GatewayError, HttpRequest, HttpResponse, RouteMatch, RouteTable, base64_decode,
    gateway_error, interpret_response, parse_query_string, v1_request, v2_request,
};
use super::{assert_has_paths, at, env, keys, t};

fn table(routes: &[(&str, &str)]) -> RouteTable<String> {
    RouteTable::new(
        routes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
    .expect("valid routes")
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn req(method: &str, path: &str) -> HttpRequest {
    HttpRequest {
        method: method.to_string(),
        path: path.to_string(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// HttpRequest::from_json
// ---------------------------------------------------------------------------------------------

#[test]
fn request_from_traffic_json() {
    let r = HttpRequest::from_json(&json!({
        "method": "post",
        "path": "/orders?x=1&y=a+b%21",
        "headers": { "X-Id": "1", "Accept": ["a", "b"], "X-Num": 7 },
        "query": { "n": 5, "tags": ["a", "b"], "flag": true, "e": null },
        "body": { "sku": "A-1" }
    }))
    .unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/orders");
    assert_eq!(
        r.query,
        pairs(&[
            ("x", "1"),
            ("y", "a b!"),
            ("n", "5"),
            ("tags", "a"),
            ("tags", "b"),
            ("flag", "true"),
            ("e", "")
        ])
    );
    assert_eq!(
        r.headers,
        pairs(&[
            ("X-Id", "1"),
            ("Accept", "a"),
            ("Accept", "b"),
            ("X-Num", "7"),
            ("content-type", "application/json")
        ])
    );
    assert_eq!(r.body.as_deref(), Some(r#"{"sku":"A-1"}"#));
    assert!(!r.is_base64);
    assert_eq!(
        r.raw_query_string(),
        "x=1&y=a%20b%21&n=5&tags=a&tags=b&flag=true&e="
    );
}

#[test]
fn request_defaults_and_string_bodies() {
    let r = HttpRequest::from_json(&json!({})).unwrap();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/"));
    assert!(r.headers.is_empty() && r.query.is_empty() && r.body.is_none());

    // A string body is sent as is and gets no content-type.
    let r = HttpRequest::from_json(&json!({"method": "PUT", "path": "/a", "body": "{\"x\":1}"}))
        .unwrap();
    assert_eq!(r.body.as_deref(), Some("{\"x\":1}"));
    assert!(r.headers.is_empty());

    // A JSON body keeps a content-type the client gave.
    let r = HttpRequest::from_json(&json!({
        "path": "/a", "headers": {"Content-Type": "application/vnd.x+json"}, "body": [1, 2]
    }))
    .unwrap();
    assert_eq!(r.body.as_deref(), Some("[1,2]"));
    assert_eq!(
        r.headers,
        pairs(&[("Content-Type", "application/vnd.x+json")])
    );

    // `null` body means no body; fragments are dropped.
    let r = HttpRequest::from_json(&json!({"path": "/a#frag", "body": null})).unwrap();
    assert_eq!(r.path, "/a");
    assert!(r.body.is_none());
}

#[test]
fn request_errors() {
    let bad = [
        json!("GET /"),
        json!({"verb": "GET"}),
        json!({"method": "FETCH"}),
        json!({"method": 1}),
        json!({"path": "orders"}),
        json!({"path": 5}),
        json!({"headers": {"a": {"b": 1}}}),
        json!({"headers": {"bad name": "x"}}),
        json!({"headers": []}),
        json!({"query": {"a": {"b": 1}}}),
        json!({"query": "a=1"}),
    ];
    for v in bad {
        assert!(
            HttpRequest::from_json(&v).is_err(),
            "{v} should be rejected"
        );
    }
}

#[test]
fn query_string_parsing() {
    assert_eq!(
        parse_query_string("a=1&&b&c=x%20y+z&a=2"),
        pairs(&[("a", "1"), ("b", ""), ("c", "x y z"), ("a", "2")])
    );
    assert!(parse_query_string("").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Route selection
// ---------------------------------------------------------------------------------------------

/// `(method, path, expected (target, params) or None for no match)`.
type RouteCase<'a> = (
    &'a str,
    &'a str,
    Option<(&'a str, &'a [(&'a str, &'a str)])>,
);

fn check_routes(t: &RouteTable<String>, cases: &[RouteCase]) {
    for (method, path, expected) in cases {
        let got = t.route(method, path);
        match expected {
            None => assert!(
                got.is_none(),
                "{method} {path} should not match, got {got:?}"
            ),
            Some((target, params)) => {
                let m = got.unwrap_or_else(|| panic!("{method} {path} should match {target}"));
                assert_eq!(
                    &m.target, target,
                    "{method} {path} selected {}",
                    m.route_key
                );
                assert_eq!(*m.path_params, pairs(params), "{method} {path} params");
            }
        }
    }
}

#[test]
fn routing_follows_the_aws_example_table() {
    // The example of the HTTP API "Routing API requests" documentation.
    let t = table(&[
        ("GET /pets/dog/1", "static"),
        ("GET /pets/dog/{id}", "param"),
        ("GET /pets/{proxy+}", "get-greedy"),
        ("ANY /{proxy+}", "any-greedy"),
        ("$default", "default"),
    ]);
    check_routes(
        &t,
        &[
            ("GET", "/pets/dog/1", Some(("static", &[]))),
            ("GET", "/pets/dog/2", Some(("param", &[("id", "2")]))),
            (
                "GET",
                "/pets/cat/1",
                Some(("get-greedy", &[("proxy", "cat/1")])),
            ),
            (
                "POST",
                "/test/5",
                Some(("any-greedy", &[("proxy", "test/5")])),
            ),
            (
                "POST",
                "/pets/dog/1",
                Some(("any-greedy", &[("proxy", "pets/dog/1")])),
            ),
            ("GET", "/", Some(("default", &[]))),
            ("DELETE", "/", Some(("default", &[]))),
        ],
    );
    let m = t.route("GET", "/pets/dog/2").unwrap();
    assert_eq!(&*m.route_key, "GET /pets/dog/{id}");
    assert_eq!(&*m.resource, "/pets/dog/{id}");
    let d = t.route("GET", "/").unwrap();
    assert_eq!((&*d.route_key, &*d.resource), ("$default", "/{proxy+}"));
}

#[test]
fn routing_priorities_params_and_not_found() {
    let t = table(&[
        ("GET /items", "get-items"),
        ("POST /items", "post-items"),
        ("ANY /items", "any-items"),
        ("GET /items/{id}", "get-item"),
        ("DELETE /items/{id}", "delete-item"),
        ("GET /items/{id}/reviews/{rid}", "review"),
        ("GET /files/{path+}", "files"),
        ("ANY /", "root"),
        ("GET /a/{x}/c", "a-x-c"),
        ("GET /a/b/{y}", "a-b-y"),
        ("ANY /p/q", "any-p-q"),
        ("GET /p/{z}", "get-p-z"),
    ]);
    check_routes(
        &t,
        &[
            // Exact method before ANY; ANY takes the other methods.
            ("GET", "/items", Some(("get-items", &[]))),
            ("POST", "/items", Some(("post-items", &[]))),
            ("PUT", "/items", Some(("any-items", &[]))),
            ("HEAD", "/items", Some(("any-items", &[]))),
            // A trailing slash is ignored; the query string too.
            ("GET", "/items/", Some(("get-items", &[]))),
            ("GET", "/items?x=1", Some(("get-items", &[]))),
            // Parameters, decoded; %2F stays inside one segment.
            ("GET", "/items/42", Some(("get-item", &[("id", "42")]))),
            ("GET", "/items/42/", Some(("get-item", &[("id", "42")]))),
            ("GET", "/items/a%20b", Some(("get-item", &[("id", "a b")]))),
            ("GET", "/items/a%2Fb", Some(("get-item", &[("id", "a/b")]))),
            (
                "GET",
                "/items/caf%C3%A9",
                Some(("get-item", &[("id", "café")])),
            ),
            (
                "DELETE",
                "/items/42",
                Some(("delete-item", &[("id", "42")])),
            ),
            ("PATCH", "/items/42", None),
            (
                "GET",
                "/items/1/reviews/9",
                Some(("review", &[("id", "1"), ("rid", "9")])),
            ),
            // Greedy variables need at least one segment.
            (
                "GET",
                "/files/a/b/c.txt",
                Some(("files", &[("path", "a/b/c.txt")])),
            ),
            ("GET", "/files/x%2By", Some(("files", &[("path", "x+y")]))),
            ("GET", "/files", None),
            ("GET", "/files/", None),
            // Root.
            ("GET", "/", Some(("root", &[]))),
            ("POST", "/", Some(("root", &[]))),
            // Case-sensitive paths; empty segments never match.
            ("GET", "/Items", None),
            ("GET", "//items", None),
            ("GET", "/items//reviews/9", None),
            // Literal segments win from the left.
            ("GET", "/a/b/c", Some(("a-b-y", &[("y", "c")]))),
            ("GET", "/a/z/c", Some(("a-x-c", &[("x", "z")]))),
            // Path specificity before method: ANY /p/q beats GET /p/{z}.
            ("GET", "/p/q", Some(("any-p-q", &[]))),
            ("GET", "/p/r", Some(("get-p-z", &[("z", "r")]))),
            ("POST", "/p/r", None),
            // Literal segments compare with the decoded request segment.
            ("GET", "/%69tems", Some(("get-items", &[]))),
            // Garbage never panics.
            ("GET", "", None),
            ("GET", "items", None),
            ("get", "/items", Some(("get-items", &[]))),
        ],
    );
}

#[test]
fn routing_without_default_is_not_found() {
    let t = table(&[("GET /a", "a")]);
    assert!(t.route("GET", "/b").is_none());
    assert!(t.route("POST", "/a").is_none());
    let empty = table(&[]);
    assert!(empty.is_empty());
    assert!(empty.route("GET", "/").is_none());
    let only_default = table(&[("$default", "d")]);
    assert_eq!(only_default.len(), 1);
    assert_eq!(only_default.route("PATCH", "/x/y").unwrap().target, "d");
}

#[test]
fn route_table_validation() {
    let bad: &[&[&str]] = &[
        &["GET items"],
        &["FETCH /x"],
        &["get /x"],
        &["GET"],
        &["GET  /x"],
        &["GET /x/"],
        &["GET /a//b"],
        &["GET /{proxy+}/x"],
        &["GET /{a}/{a}"],
        &["GET /x{id}"],
        &["GET /{id}x"],
        &["GET /{}"],
        &["GET /{+}"],
        &["GET /a b"],
        &["GET /a?b"],
        &["GET /a/{id}", "GET /a/{name}"],
        &["ANY /a", "ANY /a"],
        &["GET /{proxy+}", "GET /{other+}"],
        &["$default", "$default"],
        &["$DEFAULT"],
    ];
    for routes in bad {
        let r = RouteTable::new(routes.iter().map(|k| (k.to_string(), ())).collect());
        assert!(r.is_err(), "{routes:?} should be rejected");
    }
    let good: &[&[&str]] = &[
        &["GET /"],
        &["ANY /{proxy+}", "GET /{proxy+}", "$default"],
        &["GET /a/{id}", "DELETE /a/{name}"],
        &["GET /a/{id}", "GET /a/b"],
        &["GET /v1.0/items-list/{item_id}/x"],
        &["OPTIONS /a", "HEAD /a", "PATCH /a", "PUT /a"],
    ];
    for routes in good {
        let r = RouteTable::new(routes.iter().map(|k| (k.to_string(), ())).collect());
        assert!(r.is_ok(), "{routes:?} should be accepted: {:?}", r.err());
    }
}

// ---------------------------------------------------------------------------------------------
// Payload format 2.0
// ---------------------------------------------------------------------------------------------

fn sample_request() -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        path: "/items/42".into(),
        headers: pairs(&[
            ("User-Agent", "curl/8.5.0"),
            ("Cookie", "a=1; b=2"),
            ("X-Multi", "x"),
            ("x-multi", "y"),
            ("Accept", "*/*"),
        ]),
        query: pairs(&[("a", "1"), ("a", "2"), ("q", "x y")]),
        body: None,
        is_base64: false,
    }
}

/// Keys AWS always sends in payload 2.0 (AWS example and the fixture
/// example-apigw-v2-request-no-authorizer.json, without the optional authentication/authorizer).
const V2_REQUIRED: &[&str] = &[
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "headers",
    "headers.content-length",
    "headers.host",
    "headers.x-amzn-trace-id",
    "headers.x-forwarded-for",
    "headers.x-forwarded-port",
    "headers.x-forwarded-proto",
    "requestContext.accountId",
    "requestContext.apiId",
    "requestContext.domainName",
    "requestContext.domainPrefix",
    "requestContext.http.method",
    "requestContext.http.path",
    "requestContext.http.protocol",
    "requestContext.http.sourceIp",
    "requestContext.http.userAgent",
    "requestContext.requestId",
    "requestContext.routeKey",
    "requestContext.stage",
    "requestContext.time",
    "requestContext.timeEpoch",
    "isBase64Encoded",
];

#[test]
fn v2_request_shape() {
    let routes = table(&[("GET /items/{id}", "fn")]);
    let r = sample_request();
    let m = routes.route(&r.method, &r.path).unwrap();
    let ev = v2_request(&env(), "a1b2c3d4e5", &m, &r, "LV7fzho-PHcEJPw=", t(0));
    assert_has_paths(&ev, V2_REQUIRED);
    assert_eq!(
        keys(&ev),
        [
            "version",
            "routeKey",
            "rawPath",
            "rawQueryString",
            "cookies",
            "headers",
            "queryStringParameters",
            "requestContext",
            "pathParameters",
            "isBase64Encoded"
        ]
    );
    assert_eq!(
        keys(&ev["requestContext"]),
        [
            "accountId",
            "apiId",
            "domainName",
            "domainPrefix",
            "http",
            "requestId",
            "routeKey",
            "stage",
            "time",
            "timeEpoch"
        ]
    );
    assert_eq!(
        keys(&ev["requestContext"]["http"]),
        ["method", "path", "protocol", "sourceIp", "userAgent"]
    );
    // Headers: lower-cased, duplicates comma-joined, cookie moved out, sorted by name.
    assert_eq!(
        keys(&ev["headers"]),
        [
            "accept",
            "content-length",
            "host",
            "user-agent",
            "x-amzn-trace-id",
            "x-forwarded-for",
            "x-forwarded-port",
            "x-forwarded-proto",
            "x-multi"
        ]
    );
    assert_eq!(ev["headers"]["x-multi"], "x,y");
    assert_eq!(ev["headers"]["content-length"], "0");
    assert_eq!(
        ev["headers"]["host"],
        "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    );
    assert_eq!(
        ev["headers"]["x-amzn-trace-id"].as_str().map(|s| s.len()),
        Some("Root=1-695db880-".len() + 24)
    );
    assert!(
        ev["headers"]["x-amzn-trace-id"]
            .as_str()
            .unwrap()
            .starts_with("Root=1-6955b900-")
    );
    assert_eq!(ev["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(ev["rawQueryString"], "a=1&a=2&q=x%20y");
    assert_eq!(ev["queryStringParameters"], json!({"a": "1,2", "q": "x y"}));
    assert_eq!(ev["pathParameters"], json!({"id": "42"}));
    assert_eq!(ev["requestContext"]["time"], "01/Jan/2026:00:00:00 +0000");
    assert_eq!(ev["requestContext"]["timeEpoch"], 1_767_225_600_123_i64);

    // Read back through aws_lambda_events.
    let parsed: ApiGatewayV2httpRequest = serde_json::from_value(ev.clone()).unwrap();
    assert_eq!(parsed.version.as_deref(), Some("2.0"));
    assert_eq!(parsed.route_key.as_deref(), Some("GET /items/{id}"));
    assert_eq!(parsed.raw_path.as_deref(), Some("/items/42"));
    assert_eq!(
        parsed.cookies,
        Some(vec!["a=1".to_string(), "b=2".to_string()])
    );
    assert_eq!(
        parsed
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok()),
        Some("curl/8.5.0")
    );
    assert_eq!(parsed.query_string_parameters.first("q"), Some("x y"));
    assert_eq!(
        parsed.path_parameters.get("id").map(String::as_str),
        Some("42")
    );
    assert!(parsed.stage_variables.is_empty());
    assert_eq!(parsed.body, None);
    assert!(!parsed.is_base64_encoded);
    let ctx = &parsed.request_context;
    assert_eq!(ctx.route_key.as_deref(), Some("GET /items/{id}"));
    assert_eq!(ctx.account_id.as_deref(), Some("123456789012"));
    assert_eq!(ctx.stage.as_deref(), Some("$default"));
    assert_eq!(ctx.request_id.as_deref(), Some("LV7fzho-PHcEJPw="));
    assert_eq!(ctx.apiid.as_deref(), Some("a1b2c3d4e5"));
    assert_eq!(
        ctx.domain_name.as_deref(),
        Some("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com")
    );
    assert_eq!(ctx.domain_prefix.as_deref(), Some("a1b2c3d4e5"));
    assert_eq!(ctx.time_epoch, 1_767_225_600_123);
    assert_eq!(ctx.http.method.as_str(), "GET");
    assert_eq!(ctx.http.path.as_deref(), Some("/items/42"));
    assert_eq!(ctx.http.protocol.as_deref(), Some("HTTP/1.1"));
    assert_eq!(ctx.http.source_ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(ctx.http.user_agent.as_deref(), Some("curl/8.5.0"));
}

#[test]
fn v2_request_optional_fields() {
    // $default route, no query, cookies, params or body: those keys are omitted.
    let routes = table(&[("$default", "fn")]);
    let r = req("GET", "/");
    let m = routes.route("GET", "/").unwrap();
    let ev = v2_request(&env(), "api", &m, &r, "rid", t(0));
    assert_eq!(
        keys(&ev),
        [
            "version",
            "routeKey",
            "rawPath",
            "rawQueryString",
            "headers",
            "requestContext",
            "isBase64Encoded"
        ]
    );
    assert_eq!(ev["routeKey"], "$default");
    assert_eq!(ev["rawQueryString"], "");
    assert_eq!(ev["requestContext"]["http"]["userAgent"], "");
    serde_json::from_value::<ApiGatewayV2httpRequest>(ev).unwrap();

    // A body is included, with its length, before pathParameters.
    let routes = table(&[("POST /orders/{id}", "fn")]);
    let mut r = req("POST", "/orders/7");
    r.body = Some("{\"sku\":\"é\"}".to_string());
    r.headers = pairs(&[("X-Forwarded-For", "10.0.0.1")]);
    let m = routes.route("POST", "/orders/7").unwrap();
    let ev = v2_request(&env(), "api", &m, &r, "rid", t(0));
    assert_eq!(
        &keys(&ev)[5..],
        [
            "requestContext",
            "body",
            "pathParameters",
            "isBase64Encoded"
        ]
    );
    assert_eq!(ev["body"], "{\"sku\":\"é\"}");
    assert_eq!(ev["headers"]["content-length"], "12");
    assert_eq!(ev["headers"]["x-forwarded-for"], "10.0.0.1, 192.0.2.1");
    let parsed: ApiGatewayV2httpRequest = serde_json::from_value(ev).unwrap();
    assert_eq!(parsed.body.as_deref(), Some("{\"sku\":\"é\"}"));
}

// ---------------------------------------------------------------------------------------------
// Payload format 1.0 (REST)
// ---------------------------------------------------------------------------------------------

/// Keys AWS always sends in a REST proxy event (the real event in the Lambda developer guide and
/// the fixture example-apigw-request.json, without authorizer / API-key fields).
const V1_REQUIRED: &[&str] = &[
    "resource",
    "path",
    "httpMethod",
    "headers",
    "headers.Host",
    "headers.X-Amzn-Trace-Id",
    "headers.X-Forwarded-For",
    "headers.X-Forwarded-Port",
    "headers.X-Forwarded-Proto",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext.accountId",
    "requestContext.resourceId",
    "requestContext.path",
    "requestContext.stage",
    "requestContext.domainName",
    "requestContext.domainPrefix",
    "requestContext.requestId",
    "requestContext.extendedRequestId",
    "requestContext.protocol",
    "requestContext.identity.cognitoIdentityPoolId",
    "requestContext.identity.accountId",
    "requestContext.identity.cognitoIdentityId",
    "requestContext.identity.caller",
    "requestContext.identity.accessKey",
    "requestContext.identity.sourceIp",
    "requestContext.identity.cognitoAuthenticationType",
    "requestContext.identity.cognitoAuthenticationProvider",
    "requestContext.identity.userArn",
    "requestContext.identity.userAgent",
    "requestContext.identity.user",
    "requestContext.resourcePath",
    "requestContext.httpMethod",
    "requestContext.requestTime",
    "requestContext.requestTimeEpoch",
    "requestContext.apiId",
    "body",
    "isBase64Encoded",
];

#[test]
fn v1_request_shape() {
    let routes = table(&[("GET /items/{id}", "fn")]);
    let r = sample_request();
    let m = routes.route(&r.method, &r.path).unwrap();
    let ev = v1_request(
        &env(),
        "gy415nuibc",
        &m,
        &r,
        "deef4878-7910-11e6-8f14-25afc3e9ae33",
        t(0),
    );
    assert_has_paths(&ev, V1_REQUIRED);
    assert_eq!(
        keys(&ev),
        [
            "resource",
            "path",
            "httpMethod",
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "requestContext",
            "body",
            "isBase64Encoded"
        ]
    );
    assert_eq!(
        keys(&ev["requestContext"]),
        [
            "resourceId",
            "resourcePath",
            "httpMethod",
            "extendedRequestId",
            "requestTime",
            "path",
            "accountId",
            "protocol",
            "stage",
            "domainPrefix",
            "requestTimeEpoch",
            "requestId",
            "identity",
            "domainName",
            "apiId"
        ]
    );
    // Client spelling kept, sorted case-insensitively; cookie stays a header in 1.0.
    assert_eq!(
        keys(&ev["headers"]),
        [
            "Accept",
            "Cookie",
            "Host",
            "User-Agent",
            "X-Amzn-Trace-Id",
            "X-Forwarded-For",
            "X-Forwarded-Port",
            "X-Forwarded-Proto",
            "X-Multi"
        ]
    );
    assert_eq!(ev["headers"]["X-Multi"], "y");
    assert_eq!(ev["multiValueHeaders"]["X-Multi"], json!(["x", "y"]));
    assert_eq!(ev["queryStringParameters"], json!({"a": "2", "q": "x y"}));
    assert_eq!(
        ev["multiValueQueryStringParameters"],
        json!({"a": ["1", "2"], "q": ["x y"]})
    );
    assert_eq!(ev["pathParameters"], json!({"id": "42"}));
    assert_eq!(ev["stageVariables"], Value::Null);
    assert_eq!(ev["body"], Value::Null);
    assert_eq!(ev["requestContext"]["path"], "/prod/items/42");
    assert_eq!(
        ev["requestContext"]["requestTime"],
        "01/Jan/2026:00:00:00 +0000"
    );
    let rid = ev["requestContext"]["resourceId"].as_str().unwrap();
    assert_eq!(rid.len(), 6);
    assert!(
        rid.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    let ext = ev["requestContext"]["extendedRequestId"].as_str().unwrap();
    assert!(ext.len() == 16 && ext.ends_with('='));

    let parsed: ApiGatewayProxyRequest = serde_json::from_value(ev.clone()).unwrap();
    assert_eq!(parsed.resource.as_deref(), Some("/items/{id}"));
    assert_eq!(parsed.path.as_deref(), Some("/items/42"));
    assert_eq!(parsed.http_method.as_str(), "GET");
    assert_eq!(
        parsed
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok()),
        Some("curl/8.5.0")
    );
    assert_eq!(
        parsed.multi_value_headers.get_all("x-multi").iter().count(),
        2
    );
    assert_eq!(parsed.query_string_parameters.first("a"), Some("2"));
    assert_eq!(
        parsed.multi_value_query_string_parameters.all("a"),
        Some(vec!["1", "2"])
    );
    assert_eq!(
        parsed.path_parameters.get("id").map(String::as_str),
        Some("42")
    );
    assert!(parsed.stage_variables.is_empty());
    assert_eq!(parsed.body, None);
    assert!(!parsed.is_base64_encoded);
    let ctx = &parsed.request_context;
    assert_eq!(ctx.account_id.as_deref(), Some("123456789012"));
    assert_eq!(ctx.stage.as_deref(), Some("prod"));
    assert_eq!(ctx.resource_path.as_deref(), Some("/items/{id}"));
    assert_eq!(ctx.path.as_deref(), Some("/prod/items/42"));
    assert_eq!(ctx.http_method.as_str(), "GET");
    assert_eq!(
        ctx.request_id.as_deref(),
        Some("deef4878-7910-11e6-8f14-25afc3e9ae33")
    );
    assert_eq!(
        ctx.request_time.as_deref(),
        Some("01/Jan/2026:00:00:00 +0000")
    );
    assert_eq!(ctx.request_time_epoch, 1_767_225_600_123);
    assert_eq!(ctx.apiid.as_deref(), Some("gy415nuibc"));
    assert_eq!(ctx.protocol.as_deref(), Some("HTTP/1.1"));
    assert_eq!(ctx.identity.source_ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(ctx.identity.user_agent.as_deref(), Some("curl/8.5.0"));
}

#[test]
fn v1_request_nulls_and_default_route() {
    // No query, no parameters, no body, no user agent: null maps.
    let routes = table(&[("POST /orders", "fn"), ("$default", "d")]);
    let mut r = req("POST", "/orders");
    r.body = Some("{\"a\":1}".into());
    let m = routes.route("POST", "/orders").unwrap();
    let ev = v1_request(&env(), "api", &m, &r, "rid", t(0));
    assert_eq!(ev["queryStringParameters"], Value::Null);
    assert_eq!(ev["multiValueQueryStringParameters"], Value::Null);
    assert_eq!(ev["pathParameters"], Value::Null);
    assert_eq!(ev["body"], "{\"a\":1}");
    assert_eq!(ev["requestContext"]["identity"]["userAgent"], Value::Null);
    let parsed: ApiGatewayProxyRequest = serde_json::from_value(ev).unwrap();
    assert_eq!(parsed.body.as_deref(), Some("{\"a\":1}"));

    // $default is presented as the proxy resource.
    let m = routes.route("GET", "/a/b%20c").unwrap();
    let ev = v1_request(&env(), "api", &m, &req("GET", "/a/b%20c"), "rid", t(0));
    assert_eq!(ev["resource"], "/{proxy+}");
    assert_eq!(ev["requestContext"]["resourcePath"], "/{proxy+}");
    assert_eq!(ev["pathParameters"], json!({"proxy": "a/b c"}));
    let m = routes.route("GET", "/").unwrap();
    let ev = v1_request(&env(), "api", &m, &req("GET", "/"), "rid", t(0));
    assert_eq!(ev["pathParameters"], Value::Null);
    serde_json::from_value::<ApiGatewayProxyRequest>(ev).unwrap();
}

#[test]
fn request_events_are_deterministic() {
    let routes = table(&[("GET /items/{id}", "fn")]);
    let r = sample_request();
    let m: RouteMatch<String> = routes.route("GET", "/items/42").unwrap();
    let a = v1_request(&env(), "api", &m, &r, "rid", t(5)).to_string();
    let b = v1_request(&env(), "api", &m, &r, "rid", t(5)).to_string();
    assert_eq!(a, b);
    let c = v2_request(&env(), "api", &m, &r, "rid", t(5)).to_string();
    let d = v2_request(&env(), "api", &m, &r, "rid", t(5)).to_string();
    assert_eq!(c, d);
    let e = v2_request(&env(), "api", &m, &r, "other", t(5)).to_string();
    assert_ne!(c, e, "the trace header follows the request id");
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: pairs(headers),
        body: body.to_string(),
    }
}

#[test]
fn rest_response_table() {
    let ok = [
        (
            json!({"statusCode": 200, "body": "hi"}),
            resp(200, &[], "hi"),
        ),
        (
            json!({"statusCode": 201, "headers": {"Content-Type": "text/plain", "X-N": 5, "X-B": true}, "body": "ok"}),
            resp(
                201,
                &[
                    ("Content-Type", "text/plain"),
                    ("X-N", "5"),
                    ("X-B", "true"),
                ],
                "ok",
            ),
        ),
        (
            json!({"statusCode": 200, "headers": {"a": "1", "c": "3"}, "multiValueHeaders": {"A": ["x", "y"], "b": ["z"]}}),
            resp(200, &[("c", "3"), ("A", "x"), ("A", "y"), ("b", "z")], ""),
        ),
        (json!({"statusCode": 204}), resp(204, &[], "")),
        (
            json!({"statusCode": 200, "body": null, "headers": null, "isBase64Encoded": false}),
            resp(200, &[], ""),
        ),
        (
            json!({"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}),
            resp(200, &[], "aGk="),
        ),
        (json!({"statusCode": 599, "body": ""}), resp(599, &[], "")),
    ];
    for (v, expected) in ok {
        assert_eq!(interpret_response(ApiProtocol::Rest, &v), expected, "{v}");
    }
    let malformed = resp(
        502,
        &[("content-type", "application/json")],
        r#"{"message": "Internal server error"}"#,
    );
    let bad = [
        json!({"body": "x"}),
        json!({"statusCode": "200"}),
        json!({"statusCode": 200.5}),
        json!({"statusCode": 700}),
        json!({"statusCode": 99}),
        json!({"statusCode": -1}),
        json!({"statusCode": 200, "body": {"a": 1}}),
        json!({"statusCode": 200, "body": 5}),
        json!({"statusCode": 200, "extra": 1}),
        json!({"statusCode": 200, "cookies": ["a=1"]}),
        json!({"statusCode": 200, "headers": {"a": {"b": 1}}}),
        json!({"statusCode": 200, "headers": ["a"]}),
        json!({"statusCode": 200, "multiValueHeaders": {"a": "x"}}),
        json!({"statusCode": 200, "multiValueHeaders": {"a": [{"b": 1}]}}),
        json!({"statusCode": 200, "isBase64Encoded": "yes"}),
        json!("hello"),
        json!({"message": "hi"}),
        json!(null),
        json!([]),
        json!(42),
    ];
    for v in bad {
        assert_eq!(interpret_response(ApiProtocol::Rest, &v), malformed, "{v}");
    }
}

#[test]
fn http_response_table() {
    let json_ct = ("content-type", "application/json");
    let cases = [
        (
            json!({"statusCode": 200, "body": "hi"}),
            resp(200, &[], "hi"),
        ),
        (
            json!({"statusCode": 404, "headers": {"content-type": "text/plain"}, "body": "nope", "cookies": ["a=1", "b=2"]}),
            resp(
                404,
                &[
                    ("content-type", "text/plain"),
                    ("set-cookie", "a=1"),
                    ("set-cookie", "b=2"),
                ],
                "nope",
            ),
        ),
        (
            json!({"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}),
            resp(200, &[], "hi"),
        ),
        (
            json!({"statusCode": 302, "headers": {"Location": "/x"}, "extra": 1}),
            resp(302, &[("Location", "/x")], ""),
        ),
        // Inference: anything without statusCode is a 200 whose body is the JSON.
        (
            json!("Hello from Lambda!"),
            resp(200, &[json_ct], "Hello from Lambda!"),
        ),
        (
            json!({"message": "Hello from Lambda!"}),
            resp(200, &[json_ct], r#"{"message":"Hello from Lambda!"}"#),
        ),
        (
            json!({"body": "x", "headers": {"a": "b"}}),
            resp(200, &[json_ct], r#"{"body":"x","headers":{"a":"b"}}"#),
        ),
        (json!(null), resp(200, &[json_ct], "null")),
        (json!(42), resp(200, &[json_ct], "42")),
        (json!(true), resp(200, &[json_ct], "true")),
        (json!([1, "a"]), resp(200, &[json_ct], r#"[1,"a"]"#)),
        (json!(""), resp(200, &[json_ct], "")),
    ];
    for (v, expected) in cases {
        assert_eq!(interpret_response(ApiProtocol::Http, &v), expected, "{v}");
    }
    let error = resp(500, &[json_ct], r#"{"message":"Internal Server Error"}"#);
    let bad = [
        json!({"statusCode": "200"}),
        json!({"statusCode": 99}),
        json!({"statusCode": null}),
        json!({"statusCode": 200, "body": {"a": 1}}),
        json!({"statusCode": 200, "cookies": "a=1"}),
        json!({"statusCode": 200, "cookies": [1]}),
        json!({"statusCode": 200, "headers": {"a": [1]}}),
        json!({"statusCode": 200, "isBase64Encoded": true, "body": "!!"}),
        json!({"statusCode": 200, "isBase64Encoded": 1}),
    ];
    for v in bad {
        assert_eq!(interpret_response(ApiProtocol::Http, &v), error, "{v}");
    }
}

#[test]
fn gateway_error_table() {
    use ApiProtocol::{Http, Rest};
    use GatewayError::*;
    let cases = [
        (
            Rest,
            NotFound,
            403,
            r#"{"message":"Missing Authentication Token"}"#,
        ),
        (Http, NotFound, 404, r#"{"message":"Not Found"}"#),
        (
            Rest,
            Throttled,
            500,
            r#"{"message": "Internal server error"}"#,
        ),
        (
            Http,
            Throttled,
            500,
            r#"{"message":"Internal Server Error"}"#,
        ),
        (
            Rest,
            FunctionError,
            502,
            r#"{"message": "Internal server error"}"#,
        ),
        (
            Http,
            FunctionError,
            500,
            r#"{"message":"Internal Server Error"}"#,
        ),
        (
            Rest,
            MalformedResponse,
            502,
            r#"{"message": "Internal server error"}"#,
        ),
        (
            Http,
            MalformedResponse,
            500,
            r#"{"message":"Internal Server Error"}"#,
        ),
        (
            Rest,
            Timeout,
            504,
            r#"{"message": "Endpoint request timed out"}"#,
        ),
        (Http, Timeout, 503, r#"{"message":"Service Unavailable"}"#),
        (Rest, RateLimited, 429, r#"{"message":"Too Many Requests"}"#),
        (Http, RateLimited, 429, r#"{"message":"Too Many Requests"}"#),
    ];
    for (p, k, status, body) in cases {
        let r = gateway_error(p, k);
        assert_eq!((r.status, r.body.as_str()), (status, body), "{p:?} {k:?}");
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        serde_json::from_str::<Value>(&r.body).expect("bodies are JSON");
    }
}

#[test]
fn base64_table() {
    assert_eq!(base64_decode("aGk=").as_deref(), Some(&b"hi"[..]));
    assert_eq!(base64_decode("aGk").as_deref(), Some(&b"hi"[..]));
    assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
    assert_eq!(
        base64_decode("SGVsbG8sIHdvcmxkIQ==").as_deref(),
        Some(&b"Hello, world!"[..])
    );
    assert_eq!(base64_decode("/+8="), Some(vec![0xff, 0xef]));
    assert_eq!(base64_decode("a"), None);
    assert_eq!(base64_decode("a$=="), None);
}

#[test]
fn at_helper_reads_dashed_keys() {
    let v = json!({"a": {"x-y": [1, {"b": 2}]}});
    assert_eq!(at(&v, "a.x-y.1.b"), Some(&json!(2)));
    assert_eq!(at(&v, "a.x-y.5"), None);
}
