//! Request events built on demand ([`ApiRequestEvent`]) against the builders: the same `Value`, and JSON text
//! byte for byte what serde_json writes for it, on many generated requests with tricky parts (repeated and
//! mixed-case headers, cookies, the headers API Gateway adds sent by the client, repeated query keys, unicode and
//! control characters, base64 bodies, path parameters and greedy paths, `$default`), payload 2.0 and 1.0. The 2.0
//! builder is also compared with a verbatim copy of the builder as it was before it shared its header logic
//! with the byte writer.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::super::apigw::{
    ApiIdentity, ApiProtocol, ApiRequestEvent, HttpRequest, RequestId36, RouteTable, v1_request,
    v2_request,
};
use super::super::time::{clf_time, epoch_millis};
use super::super::{AwsEnv, SOURCE_IP, md5_of};
use super::{env, t};
use crate::events::apigw::HTTP_STAGE;

/// `Root=1-<8 hex epoch seconds>-<24 hex>`, derived from the request id.
fn trace_header(request_id: &str, time: DateTime<Utc>) -> String {
    let digest = md5_of(&["x-amzn-trace-id:", request_id]);
    let secs = time.timestamp().clamp(0, u32::MAX as i64) as u32;
    format!(
        "Root=1-{secs:08x}-{}",
        crate::events::hex_lower(digest.get(..12).unwrap_or(&digest))
    )
}

fn xff_value(req: &HttpRequest) -> String {
    match req.header("x-forwarded-for") {
        Some(v) => format!("{v}, {SOURCE_IP}"),
        None => SOURCE_IP.to_string(),
    }
}

/// The 2.0 builder as it was before events were built on demand (commit ad91da0), verbatim: the reference.
fn reference_v2(
    env: &AwsEnv,
    api_id: &str,
    route_key: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    // Headers: lower-cased, duplicates comma-joined, cookies moved to `cookies`.
    let mut headers: Vec<(String, String)> = Vec::with_capacity(req.headers.len() + 6);
    let mut cookies: Vec<Value> = Vec::new();
    for (name, value) in &req.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "cookie" {
            for c in value.split(';') {
                let c = c.trim();
                if !c.is_empty() {
                    cookies.push(Value::String(c.to_string()));
                }
            }
            continue;
        }
        if let Some((_, v)) = headers.iter_mut().find(|(n, _)| *n == lower) {
            v.push(',');
            v.push_str(value);
        } else {
            headers.push((lower, value.clone()));
        }
    }
    let has = |hs: &Vec<(String, String)>, n: &str| hs.iter().any(|(k, _)| k == n);
    if !has(&headers, "content-length") {
        let len = req.body.as_ref().map_or(0, |b| b.len());
        headers.push(("content-length".to_string(), len.to_string()));
    }
    if !has(&headers, "host") {
        headers.push(("host".to_string(), env.api_domain(api_id)));
    }
    if !has(&headers, "x-amzn-trace-id") {
        headers.push((
            "x-amzn-trace-id".to_string(),
            trace_header(request_id, time),
        ));
    }
    let xff = xff_value(req);
    if let Some((_, v)) = headers.iter_mut().find(|(n, _)| n == "x-forwarded-for") {
        *v = xff;
    } else {
        headers.push(("x-forwarded-for".to_string(), xff));
    }
    if !has(&headers, "x-forwarded-port") {
        headers.push(("x-forwarded-port".to_string(), "443".to_string()));
    }
    if !has(&headers, "x-forwarded-proto") {
        headers.push(("x-forwarded-proto".to_string(), "https".to_string()));
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let user_agent = headers
        .iter()
        .find(|(n, _)| n == "user-agent")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();

    let mut ev = Map::with_capacity(11);
    ev.insert("version".into(), Value::from("2.0"));
    ev.insert("routeKey".into(), Value::from(route_key));
    ev.insert("rawPath".into(), Value::from(req.path.as_str()));
    ev.insert("rawQueryString".into(), Value::from(req.raw_query_string()));
    if !cookies.is_empty() {
        ev.insert("cookies".into(), Value::Array(cookies));
    }
    let mut hmap = Map::with_capacity(headers.len());
    for (n, v) in headers {
        hmap.insert(n, Value::String(v));
    }
    ev.insert("headers".into(), Value::Object(hmap));
    if !req.query.is_empty() {
        let mut q = Map::new();
        for (k, v) in &req.query {
            match q.get_mut(k) {
                Some(Value::String(s)) => {
                    s.push(',');
                    s.push_str(v);
                }
                _ => {
                    q.insert(k.clone(), Value::String(v.clone()));
                }
            }
        }
        ev.insert("queryStringParameters".into(), Value::Object(q));
    }

    let mut http = Map::with_capacity(5);
    http.insert("method".into(), Value::from(req.method.as_str()));
    http.insert("path".into(), Value::from(req.path.as_str()));
    http.insert("protocol".into(), Value::from("HTTP/1.1"));
    http.insert("sourceIp".into(), Value::from(SOURCE_IP));
    http.insert("userAgent".into(), Value::from(user_agent));

    let mut ctx = Map::with_capacity(10);
    ctx.insert("accountId".into(), Value::from(env.account_id.as_str()));
    ctx.insert("apiId".into(), Value::from(api_id));
    ctx.insert("domainName".into(), Value::from(env.api_domain(api_id)));
    ctx.insert("domainPrefix".into(), Value::from(api_id));
    ctx.insert("http".into(), Value::Object(http));
    ctx.insert("requestId".into(), Value::from(request_id));
    ctx.insert("routeKey".into(), Value::from(route_key));
    ctx.insert("stage".into(), Value::from(HTTP_STAGE));
    ctx.insert("time".into(), Value::from(clf_time(time)));
    ctx.insert("timeEpoch".into(), Value::from(epoch_millis(time)));
    ev.insert("requestContext".into(), Value::Object(ctx));

    if let Some(body) = &req.body {
        ev.insert("body".into(), Value::from(body.as_str()));
    }
    if !path_params.is_empty() {
        let mut p = Map::new();
        for (k, v) in path_params {
            p.insert(k.clone(), Value::String(v.clone()));
        }
        ev.insert("pathParameters".into(), Value::Object(p));
    }
    ev.insert("isBase64Encoded".into(), Value::Bool(req.is_base64));
    Value::Object(ev)
}

/// A small deterministic generator (SplitMix64).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

const TEXTS: &[&str] = &[
    "",
    "plain",
    "a b",
    "\"quoted\"",
    "back\\slash",
    "tab\there",
    "new\nline",
    "\u{1}\u{1f}\u{7f}",
    "é€😀",
    "\u{2028}",
    "a;b",
    " spaced ; out ;",
    "x=1; y=2;;z=3",
    "1.2.3.4",
    "</script>",
];

const HEADER_NAMES: &[&str] = &[
    "Accept",
    "accept",
    "ACCEPT",
    "Cookie",
    "cookie",
    "User-Agent",
    "user-agent",
    "Host",
    "X-Forwarded-For",
    "x-forwarded-port",
    "X-Forwarded-Proto",
    "X-Amzn-Trace-Id",
    "Content-Length",
    "content-type",
    "X-Custom",
    "Zeta",
    "a",
];

fn generated_request(g: &mut Gen) -> HttpRequest {
    let method = g.pick(&["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);
    let path = g.pick(&[
        "/",
        "/items",
        "/items/",
        "/items/42",
        "/items/a%20b",
        "/items/%E2%82%AC/x",
        "/files/a/b/c.txt",
        "/files/x",
        "/unknown/path",
        "/items/q\"uote",
        "/é",
    ]);
    let headers = (0..g.below(8))
        .map(|_| (g.pick(HEADER_NAMES).to_string(), g.pick(TEXTS).to_string()))
        .collect();
    let query = (0..g.below(5))
        .map(|_| {
            (
                g.pick(&["a", "b", "A", "é", "k y", ""]).to_string(),
                g.pick(TEXTS).to_string(),
            )
        })
        .collect();
    let (body, is_base64) = match g.below(4) {
        0 => (None, false),
        1 => (Some(g.pick(TEXTS).to_string()), false),
        2 => (Some("{\"sku\":\"A-1\",\"n\":[1,2]}".to_string()), false),
        _ => (Some("aGVsbG8gd29ybGQ=".to_string()), true),
    };
    HttpRequest {
        method: method.to_string(),
        path: path.to_string(),
        headers,
        query,
        body,
        is_base64,
    }
}

fn uuid(g: &mut Gen) -> String {
    let a = g.next();
    let b = g.next();
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[test]
fn events_built_on_demand_are_the_builders_events_byte_for_byte() {
    let routes = RouteTable::new(
        [
            "GET /items",
            "GET /items/{id}",
            "ANY /items/{id}/{sub}",
            "POST /items",
            "ANY /files/{path+}",
            "$default",
        ]
        .iter()
        .map(|k| (k.to_string(), ()))
        .collect(),
    )
    .expect("valid routes");
    let no_default = RouteTable::new(vec![("GET /items/{id}".to_string(), ())]).expect("valid");
    let env = env();
    let mut g = Gen(15);
    let mut checked = 0;
    for i in 0..3000 {
        let req = Arc::new(generated_request(&mut g));
        let table = if i % 7 == 0 { &no_default } else { &routes };
        let Some(m) = table.route(&req.method, &req.path) else {
            continue;
        };
        let request_id = uuid(&mut g);
        let time = t(g.below(400_000) as i64 - 200_000);
        let api_id = g.pick(&["a1b2c3d4e5", "zz9"]);
        for protocol in [ApiProtocol::Http, ApiProtocol::Rest] {
            let built = match protocol {
                ApiProtocol::Http => v2_request(&env, api_id, &m, &req, &request_id, time),
                ApiProtocol::Rest => v1_request(&env, api_id, &m, &req, &request_id, time),
            };
            if protocol == ApiProtocol::Http {
                let reference = reference_v2(
                    &env,
                    api_id,
                    &m.route_key,
                    &m.path_params,
                    &req,
                    &request_id,
                    time,
                );
                assert_eq!(built, reference, "{req:?}");
                assert_eq!(built.to_string(), reference.to_string());
            }
            let event = ApiRequestEvent {
                protocol,
                api: Arc::new(ApiIdentity::new(&env, api_id)),
                request: Arc::clone(&req),
                route_key: m.route_key.clone(),
                resource: m.resource.clone(),
                path_params: m.path_params.clone(),
                request_id: RequestId36::from_text(&request_id).expect("36 characters"),
                time,
            };
            assert_eq!(event.to_value(), built, "{protocol:?} {req:?}");
            let mut out = b"prefix".to_vec();
            event.write_json(&mut out);
            let expected = serde_json::to_vec(&built).expect("a value serialises");
            assert_eq!(
                String::from_utf8_lossy(&out[6..]),
                String::from_utf8_lossy(&expected),
                "{protocol:?} {req:?}"
            );
            assert!(event.heap_bytes() >= std::mem::size_of::<ApiRequestEvent>());
            checked += 1;
        }
    }
    assert!(
        checked > 4000,
        "most generated requests were routed: {checked}"
    );
}

#[test]
fn request_ids_hold_only_36_characters() {
    assert!(RequestId36::from_text("short").is_none());
    let id = "123e4567-e89b-42d3-a456-426614174000";
    assert_eq!(
        RequestId36::from_text(id).map(|r| r.as_str().to_string()),
        Some(id.to_string())
    );
}
