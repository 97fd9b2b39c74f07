//! Amazon API Gateway → Lambda proxy integrations: route selection, the request events of
//! payload format 1.0 (REST API) and 2.0 (HTTP API), interpretation of the function's response,
//! and the error responses API Gateway itself sends.
//!
//! # Route selection ([`RouteTable`])
//!
//! Route keys are `"METHOD /path"` (methods `GET POST PUT PATCH DELETE HEAD OPTIONS ANY`) or
//! `"$default"`. A path is `/` or `/`-separated non-empty segments, each a literal, a `{param}`
//! or — as the last segment only — a greedy `{proxy+}` (any name followed by `+`). A parameter
//! is always a whole segment. Selection follows API Gateway's "most specific match":
//!
//! 1. Among routes whose path and method both match, the most specific *path* wins, compared
//!    segment by segment from the left: a literal beats `{param}`, which beats a greedy
//!    `{proxy+}` (so `GET /pets/dog/1` > `GET /pets/dog/{id}` > `GET /pets/{proxy+}` >
//!    `ANY /{proxy+}`, the example table of the HTTP API routing documentation).
//! 2. For equally specific paths, a route for the exact method beats `ANY`.
//! 3. `$default` is used only when nothing else matches; with no `$default` the request gets
//!    [`GatewayError::NotFound`].
//!
//! Matching details (documented choices where AWS documents nothing):
//! * paths compare case-sensitively; the request path is split on `/` *before* percent-decoding,
//!   so `%2F` stays inside one segment; literal segments are compared with the decoded segment,
//!   and parameter values are decoded (`/items/a%20b` gives `id = "a b"`);
//! * a greedy variable needs at least one segment: `/{proxy+}` does not match `/` (API Gateway
//!   documents that the parent of a proxy resource is not covered by it);
//! * one trailing slash on the request path is ignored for matching (`/items/` selects
//!   `GET /items`); the event's `path`/`rawPath` keep the path exactly as requested, and a greedy
//!   value does not include the trailing slash;
//! * an empty segment (`//`) never matches a parameter.
//!
//! # Request events
//!
//! [`v2_request`] builds payload format 2.0 with the key order of the AWS documentation's example;
//! [`v1_request`] builds the REST proxy event with the key order of the real REST event AWS
//! publishes in the Lambda developer guide. Both add the headers API Gateway itself adds
//! (`host`, `x-amzn-trace-id`, `x-forwarded-for`, `x-forwarded-port`, `x-forwarded-proto`, and for
//! 2.0 `content-length`) unless the client sent them, and sort headers case-insensitively by name
//! as AWS's examples show. REST APIs are modelled as Regional endpoints (no CloudFront headers)
//! deployed to the stage [`REST_STAGE`] (`prod`); HTTP APIs use the `$default` stage. The client
//! address is [`SOURCE_IP`]. A user agent is reported only if the client sent
//! one (`""` in 2.0, `null` in 1.0 otherwise).
//!
//! # Responses
//!
//! See [`interpret_response`] and [`gateway_error`] for the exact status codes and bodies.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use std::borrow::Cow;
use std::sync::Arc;

use super::json_text::{push_bool, push_escaped, push_i64, push_str, push_str_array};
use super::time::{clf_time, epoch_millis};
use super::{AwsEnv, EventError, SOURCE_IP, is_unreserved, md5_of, percent_decode, percent_encode};

/// Stage name used for REST APIs (`requestContext.stage`, and the prefix of
/// `requestContext.path`). REST APIs have no `$default` stage; `prod` is the conventional name.
pub const REST_STAGE: &str = "prod";
/// Stage of HTTP APIs: the auto-deployed `$default` stage.
pub const HTTP_STAGE: &str = "$default";

/// HTTP methods a request may use.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Which kind of API (and so which payload format) a request goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApiProtocol {
    /// HTTP API, Lambda payload format 2.0.
    Http,
    /// REST API, Lambda proxy integration (payload format 1.0).
    Rest,
}

// =============================================================================================
// Requests
// =============================================================================================

/// One client request as the simulator models it.
///
/// `path` is the path without the query string, as the client wrote it (percent-escapes kept);
/// `query` holds decoded pairs in order (repeated keys repeat); `headers` keep the client's case
/// and order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path without query string, escapes kept (`/items/a%20b`).
    pub path: String,
    /// Header name/value pairs as sent.
    pub headers: Vec<(String, String)>,
    /// Decoded query pairs in order.
    pub query: Vec<(String, String)>,
    /// Request body, if any.
    pub body: Option<String>,
    /// Whether `body` is base64 (binary content); passed through as `isBase64Encoded`.
    pub is_base64: bool,
}

/// The `headers` of a test request: name → string, number, boolean or an array of them (a repeated header).
fn request_headers(headers_json: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    let mut headers = Vec::new();
    match headers_json {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, val) in h {
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !matches!(b, b':' | b'"' | b','))
                {
                    return Err(format!("request.headers: invalid header name \"{name}\""));
                }
                match val {
                    Value::Array(items) => {
                        for item in items {
                            let text = scalar_text(item).ok_or_else(|| {
                                format!(
                                    "request.headers.{name}: values must be strings, numbers or booleans, found {}",
                                    type_name(item)
                                )
                            })?;
                            headers.push((name.clone(), text));
                        }
                    }
                    other => {
                        let text = scalar_text(other).ok_or_else(|| {
                            format!(
                                "request.headers.{name} must be a string, number, boolean or array, found {}",
                                type_name(other)
                            )
                        })?;
                        headers.push((name.clone(), text));
                    }
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "request.headers must be an object, found {}",
                type_name(other)
            ));
        }
    }
    Ok(headers)
}

/// Adds the `query` of a test request (name → string, number, boolean, `null` or an array of them) to `query`.
fn request_query(
    query_json: Option<&Value>,
    query: &mut Vec<(String, String)>,
) -> Result<(), String> {
    match query_json {
        None | Some(Value::Null) => {}
        Some(Value::Object(q)) => {
            for (name, val) in q {
                let one = |item: &Value| -> Result<String, String> {
                    match item {
                        Value::Null => Ok(String::new()),
                        other => scalar_text(other).ok_or_else(|| {
                            format!(
                                "request.query.{name}: values must be strings, numbers, booleans or null, found {}",
                                type_name(other)
                            )
                        }),
                    }
                };
                match val {
                    Value::Array(items) => {
                        for item in items {
                            query.push((name.clone(), one(item)?));
                        }
                    }
                    other => query.push((name.clone(), one(other)?)),
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "request.query must be an object, found {}",
                type_name(other)
            ));
        }
    }
    Ok(())
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Splits `a=1&b=x+y&c` into decoded pairs (`+` is a space, a key without `=` has value `""`).
pub fn parse_query_string(q: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for piece in q.split('&') {
        if piece.is_empty() {
            continue;
        }
        let (k, v) = match piece.split_once('=') {
            Some((k, v)) => (k, v),
            None => (piece, ""),
        };
        out.push((percent_decode(k, true), percent_decode(v, true)));
    }
    out
}

impl HttpRequest {
    /// Reads the traffic `request` object `{method, path, headers, query, body}`.
    ///
    /// * `method` defaults to `GET`; any case is accepted and upper-cased; it must be one of
    ///   [`METHODS`].
    /// * `path` defaults to `/` and must start with `/`; a `?a=1&b=2` part is parsed into
    ///   `query` (before the pairs of the `query` object) and a `#fragment` is dropped.
    /// * `headers`: name → string, number or boolean, or an array of them (repeated header).
    /// * `query`: name → string, number, boolean, `null` (a key without value) or an array of
    ///   them (repeated key).
    /// * `body`: a string is sent as is; `null`/absent means no body; any other JSON is sent as its
    ///   JSON text and `content-type: application/json` is added unless a content-type header
    ///   is given.
    ///
    /// Unknown keys are an error.
    pub fn from_json(v: &Value) -> Result<HttpRequest, EventError> {
        Self::parse(v).map_err(EventError::Request)
    }

    fn parse(v: &Value) -> Result<HttpRequest, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("request must be an object, found {}", type_name(v)))?;
        for k in obj.keys() {
            if !matches!(k.as_str(), "method" | "path" | "headers" | "query" | "body") {
                return Err(format!(
                    "request: unknown key \"{k}\" (expected method, path, headers, query, body)"
                ));
            }
        }
        let method = match obj.get("method") {
            None | Some(Value::Null) => "GET".to_string(),
            Some(Value::String(m)) => {
                let up = m.to_ascii_uppercase();
                if !METHODS.contains(&up.as_str()) {
                    return Err(format!(
                        "request.method: \"{m}\" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
                    ));
                }
                up
            }
            Some(other) => {
                return Err(format!(
                    "request.method must be a string, found {}",
                    type_name(other)
                ));
            }
        };
        let full_path = match obj.get("path") {
            None | Some(Value::Null) => "/",
            Some(Value::String(p)) => p.as_str(),
            Some(other) => {
                return Err(format!(
                    "request.path must be a string, found {}",
                    type_name(other)
                ));
            }
        };
        if !full_path.starts_with('/') {
            return Err(format!(
                "request.path \"{full_path}\" must start with \"/\""
            ));
        }
        let without_fragment = full_path.split('#').next().unwrap_or("");
        let (path, query_text) = match without_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (without_fragment, None),
        };
        let mut query = query_text.map(parse_query_string).unwrap_or_default();

        let mut headers = request_headers(obj.get("headers"))?;
        request_query(obj.get("query"), &mut query)?;

        let body = match obj.get("body") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                if !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("content-type".to_string(), "application/json".to_string()));
                }
                Some(other.to_string())
            }
        };

        Ok(HttpRequest {
            method,
            path: path.to_string(),
            headers,
            query,
            body,
            is_base64: false,
        })
    }

    /// First value of a header, matched case-insensitively.
    /// Bytes the request holds (an estimate: itself, its texts and pairs).
    pub fn heap_bytes(&self) -> usize {
        let pairs = |ps: &[(String, String)]| {
            ps.iter()
                .map(|(k, v)| k.capacity() + v.capacity() + std::mem::size_of::<(String, String)>())
                .sum::<usize>()
        };
        std::mem::size_of::<HttpRequest>()
            + self.method.capacity()
            + self.path.capacity()
            + pairs(&self.headers)
            + pairs(&self.query)
            + self.body.as_ref().map_or(0, String::capacity)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query string as sent on the wire: pairs percent-encoded (RFC 3986 unreserved
    /// characters kept, space as `%20`) and joined with `&`; `""` when there is no query.
    pub fn raw_query_string(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.query.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&percent_encode(k, is_unreserved, false));
            out.push('=');
            out.push_str(&percent_encode(v, is_unreserved, false));
        }
        out
    }
}

// =============================================================================================
// Route table
// =============================================================================================

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Lit(String),
    Param(String),
    Greedy(String),
}

impl Seg {
    /// Specificity rank: literal > param > greedy.
    fn rank(&self) -> u8 {
        match self {
            Seg::Lit(_) => 2,
            Seg::Param(_) => 1,
            Seg::Greedy(_) => 0,
        }
    }
}

#[derive(Clone, Debug)]
struct Route<T> {
    /// Shared with every match of the route (and every request event made from one).
    key: Arc<str>,
    /// `None` = `ANY`.
    method: Option<String>,
    /// Shared like `key`.
    resource: Arc<str>,
    segs: Vec<Seg>,
    target: T,
}

impl<T> Route<T> {
    fn greedy(&self) -> bool {
        matches!(self.segs.last(), Some(Seg::Greedy(_)))
    }

    /// Rank of the segment covering position `i`, `None` past the end.
    fn rank_at(&self, i: usize) -> Option<u8> {
        match self.segs.get(i) {
            Some(s) => Some(s.rank()),
            None if self.greedy() => Some(0),
            None => None,
        }
    }

    fn matches(&self, segs: &[&str]) -> bool {
        let n = self.segs.len();
        if self.greedy() {
            if segs.len() < n {
                return false;
            }
        } else if segs.len() != n {
            return false;
        }
        for (i, pat) in self.segs.iter().enumerate() {
            match pat {
                Seg::Lit(lit) => {
                    let Some(s) = segs.get(i) else { return false };
                    let ok = if s.contains('%') {
                        percent_decode(s, false) == *lit
                    } else {
                        *s == lit.as_str()
                    };
                    if !ok {
                        return false;
                    }
                }
                Seg::Param(_) => match segs.get(i) {
                    Some(s) if !s.is_empty() => {}
                    _ => return false,
                },
                Seg::Greedy(_) => {
                    // At least one segment, and not only empty ones.
                    let rest = segs.get(i..).unwrap_or(&[]);
                    if rest.is_empty() || rest.iter().all(|s| s.is_empty()) {
                        return false;
                    }
                }
            }
        }
        true
    }

    fn params(&self, segs: &[&str]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, pat) in self.segs.iter().enumerate() {
            match pat {
                Seg::Lit(_) => {}
                Seg::Param(name) => {
                    if let Some(s) = segs.get(i) {
                        out.push((name.clone(), percent_decode(s, false)));
                    }
                }
                Seg::Greedy(name) => {
                    let rest = segs.get(i..).unwrap_or(&[]).join("/");
                    out.push((name.clone(), percent_decode(&rest, false)));
                }
            }
        }
        out
    }
}

/// Order of two routes that both match a request: `Greater` means `a` is more specific.
fn compare_routes<T>(a: &Route<T>, b: &Route<T>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let len = a.segs.len().max(b.segs.len()) + 1;
    for i in 0..len {
        match (a.rank_at(i), b.rank_at(i)) {
            (Some(x), Some(y)) if x != y => return x.cmp(&y),
            (None, None) => break,
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            _ => {}
        }
    }
    // Exact method beats ANY.
    match (&a.method, &b.method) {
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// The route a request selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteMatch<T> {
    /// `"GET /items/{id}"`, or `"$default"`: the route's own text, shared.
    pub route_key: Arc<str>,
    /// The route's path template, e.g. `/items/{id}` (REST `resource`); `/{proxy+}` for
    /// `$default`. Shared like `route_key`.
    pub resource: Arc<str>,
    /// What the route integrates with.
    pub target: T,
    /// Decoded path parameters in path order; empty for `$default`. Shared with the request events made from the
    /// match.
    pub path_params: Arc<[(String, String)]>,
}

/// An API's routes, validated, ready for route selection (see the module documentation).
#[derive(Clone, Debug)]
pub struct RouteTable<T> {
    routes: Vec<Route<T>>,
    default: Option<T>,
}

fn valid_param_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

fn parse_route_path(key: &str, path: &str) -> Result<Vec<Seg>, String> {
    if !path.starts_with('/') {
        return Err(format!("route \"{key}\": the path must start with \"/\""));
    }
    if path == "/" {
        return Ok(Vec::new());
    }
    let inner = &path[1..];
    if inner.ends_with('/') {
        return Err(format!("route \"{key}\": the path must not end with \"/\""));
    }
    let parts: Vec<&str> = inner.split('/').collect();
    let mut segs = Vec::with_capacity(parts.len());
    let mut names: Vec<&str> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(format!("route \"{key}\": empty path segment (\"//\")"));
        }
        if let Some(body) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            let (name, greedy) = match body.strip_suffix('+') {
                Some(n) => (n, true),
                None => (body, false),
            };
            if !valid_param_name(name) {
                return Err(format!(
                    "route \"{key}\": invalid path parameter \"{part}\" (names use letters, digits, _ - .)"
                ));
            }
            if names.contains(&name) {
                return Err(format!(
                    "route \"{key}\": path parameter \"{name}\" appears twice"
                ));
            }
            names.push(name);
            if greedy {
                if i + 1 != parts.len() {
                    return Err(format!(
                        "route \"{key}\": greedy parameter \"{part}\" must be the last segment"
                    ));
                }
                segs.push(Seg::Greedy(name.to_string()));
            } else {
                segs.push(Seg::Param(name.to_string()));
            }
        } else {
            if part.contains(['{', '}']) {
                return Err(format!(
                    "route \"{key}\": a path parameter must be a whole segment, found \"{part}\""
                ));
            }
            if part.bytes().any(|b| {
                b.is_ascii_whitespace() || b.is_ascii_control() || matches!(b, b'?' | b'#')
            }) {
                return Err(format!(
                    "route \"{key}\": invalid character in path segment \"{part}\""
                ));
            }
            segs.push(Seg::Lit(part.to_string()));
        }
    }
    Ok(segs)
}

/// Shape used to detect duplicate routes: parameter names do not matter.
fn shape(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        s.push('/');
        match seg {
            Seg::Lit(l) => s.push_str(l),
            Seg::Param(_) => s.push_str("{}"),
            Seg::Greedy(_) => s.push_str("{+}"),
        }
    }
    s
}

/// Splits a request path into raw segments for matching (query/fragment and one trailing slash
/// removed). Returns `None` if the path does not start with `/`.
fn request_segments(path: &str) -> Option<Vec<&str>> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let inner = path.strip_prefix('/')?;
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if inner.is_empty() {
        return Some(Vec::new());
    }
    Some(inner.split('/').collect())
}

impl<T: Clone> RouteTable<T> {
    /// Validates and indexes `(route key, target)` pairs. Errors name the offending key:
    /// malformed keys, unknown methods, invalid paths, and duplicates (two routes with the same
    /// method and the same path shape, e.g. `GET /a/{id}` and `GET /a/{name}`, or two
    /// `$default`s).
    pub fn new(routes: Vec<(String, T)>) -> Result<Self, EventError> {
        Self::build(routes).map_err(EventError::Route)
    }

    fn build(routes: Vec<(String, T)>) -> Result<Self, String> {
        let mut table = RouteTable {
            routes: Vec::with_capacity(routes.len()),
            default: None,
        };
        let mut seen: Vec<(Option<String>, String)> = Vec::new();
        for (key, target) in routes {
            if key == "$default" {
                if table.default.is_some() {
                    return Err("route \"$default\" is defined twice".to_string());
                }
                table.default = Some(target);
                continue;
            }
            let Some((method, path)) = key.split_once(' ') else {
                return Err(format!(
                    "route \"{key}\": expected \"METHOD /path\" or \"$default\""
                ));
            };
            let method_opt = match method {
                "ANY" => None,
                m if METHODS.contains(&m) => Some(m.to_string()),
                _ => {
                    return Err(format!(
                        "route \"{key}\": method \"{method}\" is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY"
                    ));
                }
            };
            let segs = parse_route_path(&key, path)?;
            let sig = (method_opt.clone(), shape(&segs));
            if seen.contains(&sig) {
                return Err(format!(
                    "route \"{key}\" duplicates another route with the same method and path"
                ));
            }
            seen.push(sig);
            table.routes.push(Route {
                key: Arc::from(key.as_str()),
                method: method_opt,
                resource: Arc::from(path),
                segs,
                target,
            });
        }
        Ok(table)
    }

    /// Number of routes, `$default` included.
    pub fn len(&self) -> usize {
        self.routes.len() + usize::from(self.default.is_some())
    }

    /// Whether the table has no routes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Selects the route for a request (`path` may carry a query string, which is ignored).
    /// `None` means API Gateway answers [`GatewayError::NotFound`].
    pub fn route(&self, method: &str, path: &str) -> Option<RouteMatch<T>> {
        if let Some(segs) = request_segments(path) {
            let mut best: Option<&Route<T>> = None;
            for r in &self.routes {
                // Route methods are upper case (checked when the table is built).
                if let Some(m) = &r.method
                    && !m.eq_ignore_ascii_case(method)
                {
                    continue;
                }
                if !r.matches(&segs) {
                    continue;
                }
                best = match best {
                    Some(b) if compare_routes(r, b) != std::cmp::Ordering::Greater => Some(b),
                    _ => Some(r),
                };
            }
            if let Some(r) = best {
                return Some(RouteMatch {
                    route_key: r.key.clone(),
                    resource: r.resource.clone(),
                    target: r.target.clone(),
                    path_params: r.params(&segs).into(),
                });
            }
        }
        self.default.as_ref().map(|t| RouteMatch {
            route_key: Arc::from("$default"),
            resource: Arc::from("/{proxy+}"),
            target: t.clone(),
            path_params: Arc::new([]),
        })
    }
}

// =============================================================================================
// Request events
// =============================================================================================

/// `Root=1-<8 hex epoch seconds>-<24 hex>`, derived from the request id.
fn trace_header(request_id: &str, time: DateTime<Utc>) -> String {
    let digest = md5_of(&["x-amzn-trace-id:", request_id]);
    let secs = time.timestamp().clamp(0, u32::MAX as i64) as u32;
    format!(
        "Root=1-{secs:08x}-{}",
        super::hex_lower(digest.get(..12).unwrap_or(&digest))
    )
}

/// Lower-case alphanumeric id of `n` characters from a digest of `parts`.
fn alnum_id(parts: &[&str], n: usize, alphabet: &[u8]) -> String {
    let digest = md5_of(parts);
    let mut s = String::with_capacity(n);
    let len = alphabet.len().max(1);
    for i in 0..n {
        let b = digest[i % 16] as usize + i / 16;
        s.push(alphabet.get(b % len).copied().unwrap_or(b'a') as char);
    }
    s
}

fn user_agent_of(req: &HttpRequest) -> Option<String> {
    let mut ua: Option<String> = None;
    for (n, v) in &req.headers {
        if n.eq_ignore_ascii_case("user-agent") {
            match &mut ua {
                Some(s) => {
                    s.push(',');
                    s.push_str(v);
                }
                None => ua = Some(v.clone()),
            }
        }
    }
    ua
}

fn xff_value(req: &HttpRequest) -> String {
    match req.header("x-forwarded-for") {
        Some(v) => format!("{v}, {SOURCE_IP}"),
        None => SOURCE_IP.to_string(),
    }
}

/// Payload format 2.0 (HTTP API) for the selected route.
pub fn v2_request<T>(
    env: &AwsEnv,
    api_id: &str,
    m: &RouteMatch<T>,
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    v2_request_parts(
        env,
        api_id,
        &m.route_key,
        &m.path_params,
        req,
        request_id,
        time,
    )
}

/// [`v2_request`] from a route key and path parameters instead of a [`RouteMatch`].
pub fn v2_request_parts(
    env: &AwsEnv,
    api_id: &str,
    route_key: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    let api = ApiIdentity::new(env, api_id);
    v2_value(&api, route_key, path_params, req, request_id, time)
}

/// Header names and values, borrowed from the request where they are its own.
type HeaderList<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// The headers of a 2.0 event and its cookies: names lower-cased, repeated headers comma-joined, `cookie`
/// headers split into `cookies`, API Gateway's own headers added unless sent, sorted by name. Shared by the
/// `Value` builder and the byte writer of [`ApiRequestEvent`], so both give the same event.
fn v2_headers<'a>(
    api: &'a ApiIdentity,
    req: &'a HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> (HeaderList<'a>, Vec<&'a str>) {
    let mut headers: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::with_capacity(req.headers.len() + 6);
    let mut cookies: Vec<&'a str> = Vec::new();
    for (name, value) in &req.headers {
        let lower: Cow<'a, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name.as_str())
        };
        if lower == "cookie" {
            for c in value.split(';') {
                let c = c.trim();
                if !c.is_empty() {
                    cookies.push(c);
                }
            }
            continue;
        }
        if let Some((_, v)) = headers.iter_mut().find(|(n, _)| *n == lower) {
            let joined = v.to_mut();
            joined.push(',');
            joined.push_str(value);
        } else {
            headers.push((lower, Cow::Borrowed(value.as_str())));
        }
    }
    let has = |hs: &Vec<(Cow<'a, str>, Cow<'a, str>)>, n: &str| hs.iter().any(|(k, _)| k == n);
    if !has(&headers, "content-length") {
        let len = req.body.as_ref().map_or(0, |b| b.len());
        headers.push((Cow::Borrowed("content-length"), Cow::Owned(len.to_string())));
    }
    if !has(&headers, "host") {
        headers.push((Cow::Borrowed("host"), Cow::Borrowed(api.domain.as_str())));
    }
    if !has(&headers, "x-amzn-trace-id") {
        headers.push((
            Cow::Borrowed("x-amzn-trace-id"),
            Cow::Owned(trace_header(request_id, time)),
        ));
    }
    let xff = xff_value(req);
    if let Some((_, v)) = headers.iter_mut().find(|(n, _)| n == "x-forwarded-for") {
        *v = Cow::Owned(xff);
    } else {
        headers.push((Cow::Borrowed("x-forwarded-for"), Cow::Owned(xff)));
    }
    if !has(&headers, "x-forwarded-port") {
        headers.push((Cow::Borrowed("x-forwarded-port"), Cow::Borrowed("443")));
    }
    if !has(&headers, "x-forwarded-proto") {
        headers.push((Cow::Borrowed("x-forwarded-proto"), Cow::Borrowed("https")));
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    (headers, cookies)
}

/// Name/value pairs as an object of unique names: a repeated name keeps its first place and takes the comma-joined
/// values (`join`) or the last value (`!join`) — what inserting them into a `serde_json::Map` in order gives.
fn unique_pairs<'a>(pairs: &'a [(String, String)], join: bool) -> Vec<(&'a str, Cow<'a, str>)> {
    let mut out: Vec<(&'a str, Cow<'a, str>)> = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| *n == k.as_str()) {
            Some((_, old)) if join => {
                let joined = old.to_mut();
                joined.push(',');
                joined.push_str(v);
            }
            Some((_, old)) => *old = Cow::Borrowed(v.as_str()),
            None => out.push((k.as_str(), Cow::Borrowed(v.as_str()))),
        }
    }
    out
}

/// Payload format 2.0 as a `Value`, the key order of the AWS documentation's example.
fn v2_value(
    api: &ApiIdentity,
    route_key: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    let (headers, cookies) = v2_headers(api, req, request_id, time);
    let user_agent = headers
        .iter()
        .find(|(n, _)| n == "user-agent")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();

    let mut ev = Map::with_capacity(11);
    ev.insert("version".into(), Value::from("2.0"));
    ev.insert("routeKey".into(), Value::from(route_key));
    ev.insert("rawPath".into(), Value::from(req.path.as_str()));
    ev.insert("rawQueryString".into(), Value::from(req.raw_query_string()));
    if !cookies.is_empty() {
        ev.insert(
            "cookies".into(),
            Value::Array(cookies.into_iter().map(Value::from).collect()),
        );
    }
    let mut hmap = Map::with_capacity(headers.len());
    for (n, v) in headers {
        hmap.insert(n.into_owned(), Value::String(v.into_owned()));
    }
    ev.insert("headers".into(), Value::Object(hmap));
    if !req.query.is_empty() {
        let mut q = Map::new();
        for (k, v) in unique_pairs(&req.query, true) {
            q.insert(k.to_string(), Value::String(v.into_owned()));
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
    ctx.insert("accountId".into(), Value::from(api.account_id.as_str()));
    ctx.insert("apiId".into(), Value::from(api.api_id.as_str()));
    ctx.insert("domainName".into(), Value::from(api.domain.as_str()));
    ctx.insert("domainPrefix".into(), Value::from(api.api_id.as_str()));
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

/// Payload format 2.0 written as JSON text: the bytes serde_json writes for [`v2_value`]'s `Value`.
fn write_v2(
    out: &mut Vec<u8>,
    api: &ApiIdentity,
    route_key: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) {
    let (headers, cookies) = v2_headers(api, req, request_id, time);
    out.extend_from_slice(b"{\"version\":\"2.0\",\"routeKey\":");
    push_str(out, route_key);
    out.extend_from_slice(b",\"rawPath\":");
    push_str(out, &req.path);
    out.extend_from_slice(b",\"rawQueryString\":");
    push_str(out, &req.raw_query_string());
    if !cookies.is_empty() {
        out.extend_from_slice(b",\"cookies\":");
        push_str_array(out, cookies.iter().copied());
    }
    out.extend_from_slice(b",\"headers\":");
    write_object(out, headers.iter().map(|(n, v)| (&**n, &**v)));
    if !req.query.is_empty() {
        out.extend_from_slice(b",\"queryStringParameters\":");
        write_object(
            out,
            unique_pairs(&req.query, true)
                .iter()
                .map(|(n, v)| (*n, &**v)),
        );
    }
    let user_agent = headers
        .iter()
        .find(|(n, _)| n == "user-agent")
        .map_or("", |(_, v)| &**v);
    out.extend_from_slice(b",\"requestContext\":{\"accountId\":");
    push_str(out, &api.account_id);
    out.extend_from_slice(b",\"apiId\":");
    push_str(out, &api.api_id);
    out.extend_from_slice(b",\"domainName\":");
    push_str(out, &api.domain);
    out.extend_from_slice(b",\"domainPrefix\":");
    push_str(out, &api.api_id);
    out.extend_from_slice(b",\"http\":{\"method\":");
    push_str(out, &req.method);
    out.extend_from_slice(b",\"path\":");
    push_str(out, &req.path);
    out.extend_from_slice(b",\"protocol\":\"HTTP/1.1\",\"sourceIp\":");
    push_str(out, SOURCE_IP);
    out.extend_from_slice(b",\"userAgent\":");
    push_str(out, user_agent);
    out.extend_from_slice(b"},\"requestId\":");
    push_str(out, request_id);
    out.extend_from_slice(b",\"routeKey\":");
    push_str(out, route_key);
    out.extend_from_slice(b",\"stage\":");
    push_str(out, HTTP_STAGE);
    out.extend_from_slice(b",\"time\":");
    push_str(out, &clf_time(time));
    out.extend_from_slice(b",\"timeEpoch\":");
    push_i64(out, epoch_millis(time));
    out.push(b'}');
    if let Some(body) = &req.body {
        out.extend_from_slice(b",\"body\":");
        push_str(out, body);
    }
    if !path_params.is_empty() {
        out.extend_from_slice(b",\"pathParameters\":");
        write_object(
            out,
            unique_pairs(path_params, false)
                .iter()
                .map(|(n, v)| (*n, &**v)),
        );
    }
    out.extend_from_slice(b",\"isBase64Encoded\":");
    push_bool(out, req.is_base64);
    out.push(b'}');
}

/// A JSON object of string members, in the given order (names unique).
fn write_object<'a>(out: &mut Vec<u8>, members: impl Iterator<Item = (&'a str, &'a str)>) {
    out.push(b'{');
    for (i, (n, v)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, n);
        out.push(b':');
        push_str(out, v);
    }
    out.push(b'}');
}

// =============================================================================================
// Request events built on demand
// =============================================================================================

/// What names an API in its request events: its id, its domain name and the account. Made once per API and
/// shared by every event of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiIdentity {
    /// `<api_id>` of `<api_id>.execute-api.<region>.amazonaws.com`.
    pub api_id: String,
    /// The API's default endpoint domain name.
    pub domain: String,
    /// The 12-digit account id.
    pub account_id: String,
}

impl ApiIdentity {
    /// The identity of the API `api_id` in `env`'s region and account.
    pub fn new(env: &AwsEnv, api_id: &str) -> ApiIdentity {
        ApiIdentity {
            api_id: api_id.to_string(),
            domain: env.api_domain(api_id),
            account_id: env.account_id.clone(),
        }
    }
}

/// A request id of 36 ASCII characters (a UUID's text), held inline rather than on the heap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RequestId36(pub [u8; 36]);

impl RequestId36 {
    /// The id as text (`""` if the bytes are not UTF-8, which the simulator's UUID texts always are).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The id of a 36-byte text; `None` for any other length.
    pub fn from_text(text: &str) -> Option<RequestId36> {
        <[u8; 36]>::try_from(text.as_bytes()).ok().map(RequestId36)
    }
}

impl std::fmt::Debug for RequestId36 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// An API Gateway proxy request event kept as the parts it is made of — the shared client request, the route, the
/// API, the request id and the time — instead of a tree of JSON: built as a `Value` only when something reads it
/// as one ([`ApiRequestEvent::to_value`]: a handler, the app's inspector), written as JSON text straight from its
/// parts ([`ApiRequestEvent::write_json`], the trace's JSON Lines). Both give exactly what [`v2_request`] (HTTP
/// API) or [`v1_request`] (REST API) build for the same request.
#[derive(Clone, Debug)]
pub struct ApiRequestEvent {
    /// Payload format 2.0 (HTTP API) or 1.0 (REST API).
    pub protocol: ApiProtocol,
    /// The API, shared by all its events.
    pub api: std::sync::Arc<ApiIdentity>,
    /// The client's request, shared with the traffic source that sends it.
    pub request: std::sync::Arc<HttpRequest>,
    /// The selected route's key (`"GET /items/{id}"`, `"$default"`), shared with the route match.
    pub route_key: Arc<str>,
    /// The route's path template (REST `resource`), shared with the route match.
    pub resource: Arc<str>,
    /// Decoded path parameters in path order, shared with the route match.
    pub path_params: Arc<[(String, String)]>,
    /// API Gateway's request id.
    pub request_id: RequestId36,
    /// When the request reached the API.
    pub time: DateTime<Utc>,
}

impl ApiRequestEvent {
    /// The event as the `Value` a handler receives.
    pub fn to_value(&self) -> Value {
        let request_id = self.request_id.as_str();
        match self.protocol {
            ApiProtocol::Http => v2_value(
                &self.api,
                &self.route_key,
                &self.path_params,
                &self.request,
                request_id,
                self.time,
            ),
            ApiProtocol::Rest => v1_value(
                &self.api,
                &self.route_key,
                &self.resource,
                &self.path_params,
                &self.request,
                request_id,
                self.time,
            ),
        }
    }

    /// Appends the event as compact JSON text: the bytes serde_json writes for [`ApiRequestEvent::to_value`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self.protocol {
            ApiProtocol::Http => write_v2(
                out,
                &self.api,
                &self.route_key,
                &self.path_params,
                &self.request,
                self.request_id.as_str(),
                self.time,
            ),
            ApiProtocol::Rest => write_v1(
                out,
                &self.api,
                &self.route_key,
                &self.resource,
                &self.path_params,
                &self.request,
                self.request_id.as_str(),
                self.time,
            ),
        }
    }

    /// Bytes the event holds (an estimate: itself and its path parameters, counted as if this event were their
    /// last holder; the route's texts, the request and the API are shared and not counted), without building it.
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<ApiRequestEvent>()
            + self
                .path_params
                .iter()
                .map(|(k, v)| k.capacity() + v.capacity() + std::mem::size_of::<(String, String)>())
                .sum::<usize>()
    }
}

/// Groups name/value pairs case-insensitively (first spelling of a name wins), keeping all
/// values in order.
fn group_ci(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (n, v) in pairs {
        if let Some((_, vs)) = out.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&n)) {
            vs.push(v);
        } else {
            out.push((n, vec![v]));
        }
    }
    out
}

fn single_and_multi(groups: &[(String, Vec<String>)]) -> (Value, Value) {
    if groups.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::with_capacity(groups.len());
    let mut multi = Map::with_capacity(groups.len());
    for (n, vs) in groups {
        // The single-value map carries the last value of a repeated name.
        single.insert(
            n.clone(),
            Value::String(vs.last().cloned().unwrap_or_default()),
        );
        multi.insert(
            n.clone(),
            Value::Array(vs.iter().map(|v| Value::String(v.clone())).collect()),
        );
    }
    (Value::Object(single), Value::Object(multi))
}

/// REST API Lambda proxy event (payload format 1.0) for the selected route.
///
/// Header names keep the client's spelling; `headers` holds the last value of a repeated header
/// and `multiValueHeaders` all of them (likewise for query parameters). Empty maps are `null`.
/// A `$default` match is presented as the resource `/{proxy+}` with `pathParameters.proxy` set
/// to the path without its leading slash (`null` for `/`).
pub fn v1_request<T>(
    env: &AwsEnv,
    api_id: &str,
    m: &RouteMatch<T>,
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    v1_request_parts(
        env,
        api_id,
        &m.route_key,
        &m.resource,
        &m.path_params,
        req,
        request_id,
        time,
    )
}

/// [`v1_request`] from the route key, resource and path parameters instead of a [`RouteMatch`].
#[allow(clippy::too_many_arguments)]
pub fn v1_request_parts(
    env: &AwsEnv,
    api_id: &str,
    route_key: &str,
    resource: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    let api = ApiIdentity::new(env, api_id);
    v1_value(
        &api,
        route_key,
        resource,
        path_params,
        req,
        request_id,
        time,
    )
}

/// The REST proxy event (payload format 1.0) as a `Value`, the key order of AWS's published example.
fn v1_value(
    api: &ApiIdentity,
    route_key: &str,
    resource: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Value {
    let api_id = api.api_id.as_str();
    let groups = v1_header_groups(api, req, request_id, time);
    let (headers, multi_headers) = single_and_multi(&groups);

    let qgroups = group_exact(req.query.iter().cloned());
    let (query, multi_query) = single_and_multi(&qgroups);

    let (resource, path_params) = v1_resource_and_params(route_key, resource, path_params, req);
    let path_parameters = match path_params {
        None => Value::Null,
        Some(params) => {
            let mut p = Map::new();
            for (k, v) in params {
                p.insert(k.to_string(), Value::String(v.into_owned()));
            }
            Value::Object(p)
        }
    };

    let user_agent = user_agent_of(req).map_or(Value::Null, Value::String);

    let mut identity = Map::with_capacity(12);
    identity.insert("cognitoIdentityPoolId".into(), Value::Null);
    identity.insert("accountId".into(), Value::Null);
    identity.insert("cognitoIdentityId".into(), Value::Null);
    identity.insert("caller".into(), Value::Null);
    identity.insert("sourceIp".into(), Value::from(SOURCE_IP));
    identity.insert("principalOrgId".into(), Value::Null);
    identity.insert("accessKey".into(), Value::Null);
    identity.insert("cognitoAuthenticationType".into(), Value::Null);
    identity.insert("cognitoAuthenticationProvider".into(), Value::Null);
    identity.insert("userArn".into(), Value::Null);
    identity.insert("userAgent".into(), user_agent);
    identity.insert("user".into(), Value::Null);

    let (resource_id, extended) = v1_derived_ids(api_id, resource, request_id);

    let mut ctx = Map::with_capacity(15);
    ctx.insert("resourceId".into(), Value::from(resource_id));
    ctx.insert("resourcePath".into(), Value::from(resource));
    ctx.insert("httpMethod".into(), Value::from(req.method.as_str()));
    ctx.insert("extendedRequestId".into(), Value::from(extended));
    ctx.insert("requestTime".into(), Value::from(clf_time(time)));
    ctx.insert(
        "path".into(),
        Value::from(format!("/{REST_STAGE}{}", req.path)),
    );
    ctx.insert("accountId".into(), Value::from(api.account_id.as_str()));
    ctx.insert("protocol".into(), Value::from("HTTP/1.1"));
    ctx.insert("stage".into(), Value::from(REST_STAGE));
    ctx.insert("domainPrefix".into(), Value::from(api_id));
    ctx.insert("requestTimeEpoch".into(), Value::from(epoch_millis(time)));
    ctx.insert("requestId".into(), Value::from(request_id));
    ctx.insert("identity".into(), Value::Object(identity));
    ctx.insert("domainName".into(), Value::from(api.domain.as_str()));
    ctx.insert("apiId".into(), Value::from(api_id));

    let mut ev = Map::with_capacity(12);
    ev.insert("resource".into(), Value::from(resource));
    ev.insert("path".into(), Value::from(req.path.as_str()));
    ev.insert("httpMethod".into(), Value::from(req.method.as_str()));
    ev.insert("headers".into(), headers);
    ev.insert("multiValueHeaders".into(), multi_headers);
    ev.insert("queryStringParameters".into(), query);
    ev.insert("multiValueQueryStringParameters".into(), multi_query);
    ev.insert("pathParameters".into(), path_parameters);
    ev.insert("stageVariables".into(), Value::Null);
    ev.insert("requestContext".into(), Value::Object(ctx));
    ev.insert(
        "body".into(),
        req.body
            .as_ref()
            .map_or(Value::Null, |b| Value::from(b.as_str())),
    );
    ev.insert("isBase64Encoded".into(), Value::Bool(req.is_base64));
    Value::Object(ev)
}

/// Payload format 1.0 written as JSON text: the bytes serde_json writes for [`v1_value`]'s `Value`, without
/// building it (the same header grouping, path parameters and derived ids).
#[allow(clippy::too_many_arguments)]
fn write_v1(
    out: &mut Vec<u8>,
    api: &ApiIdentity,
    route_key: &str,
    resource: &str,
    path_params: &[(String, String)],
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) {
    let api_id = api.api_id.as_str();
    let (resource, path_params) = v1_resource_and_params(route_key, resource, path_params, req);
    out.extend_from_slice(b"{\"resource\":");
    push_str(out, resource);
    out.extend_from_slice(b",\"path\":");
    push_str(out, &req.path);
    out.extend_from_slice(b",\"httpMethod\":");
    push_str(out, &req.method);
    let groups = v1_header_groups(api, req, request_id, time);
    write_single_and_multi(out, "headers", "multiValueHeaders", &groups);
    let qgroups = group_exact(req.query.iter().cloned());
    write_single_and_multi(
        out,
        "queryStringParameters",
        "multiValueQueryStringParameters",
        &qgroups,
    );
    out.extend_from_slice(b",\"pathParameters\":");
    match path_params {
        None => out.extend_from_slice(b"null"),
        Some(params) => write_object(out, params.iter().map(|(k, v)| (*k, &**v))),
    }
    out.extend_from_slice(b",\"stageVariables\":null,\"requestContext\":{\"resourceId\":");
    let (resource_id, extended) = v1_derived_ids(api_id, resource, request_id);
    push_str(out, &resource_id);
    out.extend_from_slice(b",\"resourcePath\":");
    push_str(out, resource);
    out.extend_from_slice(b",\"httpMethod\":");
    push_str(out, &req.method);
    out.extend_from_slice(b",\"extendedRequestId\":");
    push_str(out, &extended);
    out.extend_from_slice(b",\"requestTime\":");
    push_str(out, &clf_time(time));
    out.extend_from_slice(b",\"path\":\"/");
    push_escaped(out, REST_STAGE);
    push_escaped(out, &req.path);
    out.extend_from_slice(b"\",\"accountId\":");
    push_str(out, &api.account_id);
    out.extend_from_slice(b",\"protocol\":\"HTTP/1.1\",\"stage\":");
    push_str(out, REST_STAGE);
    out.extend_from_slice(b",\"domainPrefix\":");
    push_str(out, api_id);
    out.extend_from_slice(b",\"requestTimeEpoch\":");
    push_i64(out, epoch_millis(time));
    out.extend_from_slice(b",\"requestId\":");
    push_str(out, request_id);
    out.extend_from_slice(
        b",\"identity\":{\"cognitoIdentityPoolId\":null,\"accountId\":null,\"cognitoIdentityId\":null,\
          \"caller\":null,\"sourceIp\":",
    );
    push_str(out, SOURCE_IP);
    out.extend_from_slice(
        b",\"principalOrgId\":null,\"accessKey\":null,\"cognitoAuthenticationType\":null,\
          \"cognitoAuthenticationProvider\":null,\"userArn\":null,\"userAgent\":",
    );
    match user_agent_of(req) {
        Some(ua) => push_str(out, &ua),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"user\":null},\"domainName\":");
    push_str(out, &api.domain);
    out.extend_from_slice(b",\"apiId\":");
    push_str(out, api_id);
    out.extend_from_slice(b"},\"body\":");
    match &req.body {
        Some(b) => push_str(out, b),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"isBase64Encoded\":");
    push_bool(out, req.is_base64);
    out.push(b'}');
}

/// `,"<single>":{…},"<multi>":{…}` for name groups as [`single_and_multi`] makes them (`null` both when empty).
fn write_single_and_multi(
    out: &mut Vec<u8>,
    single: &str,
    multi: &str,
    groups: &[(String, Vec<String>)],
) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(single.as_bytes());
    out.extend_from_slice(b"\":");
    if groups.is_empty() {
        out.extend_from_slice(b"null,\"");
        out.extend_from_slice(multi.as_bytes());
        out.extend_from_slice(b"\":null");
        return;
    }
    // The single-value map carries the last value of a repeated name.
    write_object(
        out,
        groups
            .iter()
            .map(|(n, vs)| (n.as_str(), vs.last().map_or("", String::as_str))),
    );
    out.extend_from_slice(b",\"");
    out.extend_from_slice(multi.as_bytes());
    out.extend_from_slice(b"\":{");
    for (i, (n, vs)) in groups.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(out, n);
        out.push(b':');
        push_str_array(out, vs.iter().map(String::as_str));
    }
    out.push(b'}');
}

/// A 1.0 event's path parameters, names unique (`None`: `null`).
type V1PathParams<'a> = Option<Vec<(&'a str, Cow<'a, str>)>>;

/// The resource a 1.0 event names and its path parameters (`None`: `null`): a `$default` match is the resource
/// `/{proxy+}` with `proxy` the path without its leading slash (`null` for `/`); otherwise the route's resource
/// and parameters (a repeated name keeps its first place and its last value, as a JSON map does).
fn v1_resource_and_params<'a>(
    route_key: &str,
    resource: &'a str,
    path_params: &'a [(String, String)],
    req: &HttpRequest,
) -> (&'a str, V1PathParams<'a>) {
    if route_key == "$default" {
        let rest = req.path.strip_prefix('/').unwrap_or(&req.path);
        let params =
            (!rest.is_empty()).then(|| vec![("proxy", Cow::Owned(percent_decode(rest, false)))]);
        ("/{proxy+}", params)
    } else if path_params.is_empty() {
        (resource, None)
    } else {
        (resource, Some(unique_pairs(path_params, false)))
    }
}

/// A 1.0 event's `resourceId` (6 characters from the API and resource) and `extendedRequestId` (15 from the request
/// id, then `=`).
fn v1_derived_ids(api_id: &str, resource: &str, request_id: &str) -> (String, String) {
    let resource_id = alnum_id(
        &["resource-id:", api_id, ":", resource],
        6,
        b"abcdefghijklmnopqrstuvwxyz0123456789",
    );
    let mut extended = alnum_id(
        &["extended-request-id:", request_id],
        15,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    );
    extended.push('=');
    (resource_id, extended)
}

/// A 1.0 event's headers grouped case-insensitively (the client's spelling), API Gateway's own added unless sent,
/// `X-Forwarded-For` replaced, sorted by lower-cased name.
fn v1_header_groups(
    api: &ApiIdentity,
    req: &HttpRequest,
    request_id: &str,
    time: DateTime<Utc>,
) -> Vec<(String, Vec<String>)> {
    let mut groups = group_ci(req.headers.iter().cloned());
    let has =
        |g: &Vec<(String, Vec<String>)>, n: &str| g.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    if !has(&groups, "Host") {
        groups.push(("Host".to_string(), vec![api.domain.clone()]));
    }
    if !has(&groups, "X-Amzn-Trace-Id") {
        groups.push((
            "X-Amzn-Trace-Id".to_string(),
            vec![trace_header(request_id, time)],
        ));
    }
    let xff = xff_value(req);
    if let Some((_, vs)) = groups
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("X-Forwarded-For"))
    {
        *vs = vec![xff];
    } else {
        groups.push(("X-Forwarded-For".to_string(), vec![xff]));
    }
    if !has(&groups, "X-Forwarded-Port") {
        groups.push(("X-Forwarded-Port".to_string(), vec!["443".to_string()]));
    }
    if !has(&groups, "X-Forwarded-Proto") {
        groups.push(("X-Forwarded-Proto".to_string(), vec!["https".to_string()]));
    }
    groups.sort_by_cached_key(|(k, _)| k.to_ascii_lowercase());
    groups
}

/// Groups pairs by exact (case-sensitive) name, keeping first-seen order.
fn group_exact(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (n, v) in pairs {
        if let Some((_, vs)) = out.iter_mut().find(|(k, _)| *k == n) {
            vs.push(v);
        } else {
            out.push((n, vec![v]));
        }
    }
    out
}

// =============================================================================================
// Responses
// =============================================================================================

/// What the client receives.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers in order (repeated names repeat).
    pub headers: Vec<(String, String)>,
    /// Response body text.
    pub body: String,
}

impl HttpResponse {
    /// First value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Errors API Gateway answers itself, without (or instead of) the function's response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GatewayError {
    /// No route matched.
    NotFound,
    /// Lambda rejected the invocation because the function was throttled (429
    /// TooManyRequestsException from Lambda).
    Throttled,
    /// The function ran and failed (error or crash), or timed out on Lambda's side.
    FunctionError,
    /// The function returned something that is not a valid response for the payload format.
    MalformedResponse,
    /// The integration timeout (`timeout_ms`, at most 29 s / 30 s) passed first.
    Timeout,
    /// API Gateway's own throttling (stage/account rate limits).
    RateLimited,
}

fn json_response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".to_string(), "application/json".to_string())],
        body: body.to_string(),
    }
}

/// The response API Gateway sends for `kind`:
///
/// | kind | REST API | HTTP API |
/// | --- | --- | --- |
/// | `NotFound` | 403 `{"message":"Missing Authentication Token"}` | 404 `{"message":"Not Found"}` |
/// | `Throttled` | 500 `{"message": "Internal server error"}` | 500 `{"message":"Internal Server Error"}` |
/// | `FunctionError` | 502 `{"message": "Internal server error"}` | 500 `{"message":"Internal Server Error"}` |
/// | `MalformedResponse` | 502 `{"message": "Internal server error"}` | 500 `{"message":"Internal Server Error"}` |
/// | `Timeout` | 504 `{"message": "Endpoint request timed out"}` | 503 `{"message":"Service Unavailable"}` |
/// | `RateLimited` | 429 `{"message":"Too Many Requests"}` | 429 `{"message":"Too Many Requests"}` |
///
/// Sources: REST answers an unknown resource or method with the MISSING_AUTHENTICATION_TOKEN
/// gateway response (403); the Lambda guide states that API Gateway answers 500 when Lambda
/// rejects the invocation (throttling) and 502 when the function errors or returns a malformed
/// response, both with `{"message": "Internal server error"}`; HTTP APIs answer integration
/// failures with 500 `Internal Server Error` and an integration timeout with 503
/// `Service Unavailable`. The exact spacing of the bodies follows what each API type is reported to
/// send (REST's integration errors are written with a space after the colon).
pub fn gateway_error(protocol: ApiProtocol, kind: GatewayError) -> HttpResponse {
    match (protocol, kind) {
        (ApiProtocol::Rest, GatewayError::NotFound) => {
            json_response(403, r#"{"message":"Missing Authentication Token"}"#)
        }
        (ApiProtocol::Http, GatewayError::NotFound) => {
            json_response(404, r#"{"message":"Not Found"}"#)
        }
        (ApiProtocol::Rest, GatewayError::Throttled) => {
            json_response(500, r#"{"message": "Internal server error"}"#)
        }
        (ApiProtocol::Rest, GatewayError::FunctionError | GatewayError::MalformedResponse) => {
            json_response(502, r#"{"message": "Internal server error"}"#)
        }
        (
            ApiProtocol::Http,
            GatewayError::Throttled | GatewayError::FunctionError | GatewayError::MalformedResponse,
        ) => json_response(500, r#"{"message":"Internal Server Error"}"#),
        (ApiProtocol::Rest, GatewayError::Timeout) => {
            json_response(504, r#"{"message": "Endpoint request timed out"}"#)
        }
        (ApiProtocol::Http, GatewayError::Timeout) => {
            json_response(503, r#"{"message":"Service Unavailable"}"#)
        }
        (_, GatewayError::RateLimited) => json_response(429, r#"{"message":"Too Many Requests"}"#),
    }
}

fn status_of(v: Option<&Value>) -> Option<u16> {
    let n = v?.as_u64()?;
    if (100..=599).contains(&n) {
        Some(n as u16)
    } else {
        None
    }
}

/// Reads a `headers` map (values: string, number or boolean; `null` values are skipped).
fn read_headers(v: Option<&Value>) -> Option<Vec<(String, String)>> {
    match v {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Object(m)) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, val) in m {
                match val {
                    Value::Null => {}
                    other => out.push((k.clone(), scalar_text(other)?)),
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Reads a `multiValueHeaders` map (values: arrays of scalars).
fn read_multi_headers(v: Option<&Value>) -> Option<Vec<(String, Vec<String>)>> {
    match v {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Object(m)) => {
            let mut out = Vec::with_capacity(m.len());
            for (k, val) in m {
                match val {
                    Value::Null => {}
                    Value::Array(items) => {
                        let mut vs = Vec::with_capacity(items.len());
                        for it in items {
                            vs.push(scalar_text(it)?);
                        }
                        out.push((k.clone(), vs));
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// `headers` merged with `multiValueHeaders`: a name present in `multiValueHeaders` (compared
/// case-insensitively) takes only those values.
fn merge_headers(
    single: Vec<(String, String)>,
    multi: Vec<(String, Vec<String>)>,
) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(single.len() + multi.len());
    for (k, v) in single {
        if !multi.iter().any(|(m, _)| m.eq_ignore_ascii_case(&k)) {
            out.push((k, v));
        }
    }
    for (k, vs) in multi {
        for v in vs {
            out.push((k.clone(), v));
        }
    }
    out
}

fn read_bool(v: Option<&Value>) -> Option<bool> {
    match v {
        None | Some(Value::Null) => Some(false),
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// Turns the function's return value into what the client receives.
///
/// **REST (payload 1.0).** The value must be a proxy response object: `statusCode` an integer
/// 100–599; optional `headers` (name → string/number/boolean), `multiValueHeaders` (name →
/// array), `body` (string or null) and `isBase64Encoded` (boolean); no other keys. Anything else —
/// not an object, no `statusCode`, a non-string `body`, an unknown key — is a malformed
/// response: 502 `{"message": "Internal server error"}`. `headers` and `multiValueHeaders` are
/// merged as API Gateway documents (multi-value wins for a name in both). With
/// `isBase64Encoded: true` the body is passed through as the base64 text (the simulated REST API
/// has no binary media types configured). No default content-type is added.
///
/// **HTTP API (payload 2.0).** An object with a `statusCode` key is a structured response:
/// `statusCode` must be an integer 100–599, `headers` scalars, `multiValueHeaders` arrays,
/// `cookies` an array of strings (each becomes a `set-cookie` header), `body` a string or null,
/// `isBase64Encoded` a boolean (a base64 body is decoded; invalid base64 is an error); other keys
/// are ignored; a violation gives 500 `{"message":"Internal Server Error"}`. Any other JSON value
/// (including `null`, a string, or an object without `statusCode`) is inferred as documented: 200,
/// `content-type: application/json`, and the body is the value — a string as its text, anything
/// else as its JSON text (`null` gives the body `null`).
pub fn interpret_response(protocol: ApiProtocol, response: &Value) -> HttpResponse {
    match protocol {
        ApiProtocol::Rest => interpret_rest(response)
            .unwrap_or_else(|| gateway_error(ApiProtocol::Rest, GatewayError::MalformedResponse)),
        ApiProtocol::Http => interpret_http(response)
            .unwrap_or_else(|| gateway_error(ApiProtocol::Http, GatewayError::MalformedResponse)),
    }
}

fn interpret_rest(v: &Value) -> Option<HttpResponse> {
    let obj = v.as_object()?;
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "statusCode" | "headers" | "multiValueHeaders" | "body" | "isBase64Encoded"
        ) {
            return None;
        }
    }
    let status = status_of(obj.get("statusCode"))?;
    let single = read_headers(obj.get("headers"))?;
    let multi = read_multi_headers(obj.get("multiValueHeaders"))?;
    read_bool(obj.get("isBase64Encoded"))?;
    let body = match obj.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return None,
    };
    Some(HttpResponse {
        status,
        headers: merge_headers(single, multi),
        body,
    })
}

fn interpret_http(v: &Value) -> Option<HttpResponse> {
    let structured = v.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(obj) = structured else {
        let body = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Some(HttpResponse {
            status: 200,
            headers: vec![("content-type".to_string(), "application/json".to_string())],
            body,
        });
    };
    let status = status_of(obj.get("statusCode"))?;
    let single = read_headers(obj.get("headers"))?;
    let multi = read_multi_headers(obj.get("multiValueHeaders"))?;
    let is_b64 = read_bool(obj.get("isBase64Encoded"))?;
    let mut headers = merge_headers(single, multi);
    match obj.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for it in items {
                headers.push(("set-cookie".to_string(), it.as_str()?.to_string()));
            }
        }
        Some(_) => return None,
    }
    let body = match obj.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => {
            if is_b64 {
                String::from_utf8_lossy(&base64_decode(s)?).into_owned()
            } else {
                s.clone()
            }
        }
        Some(_) => return None,
    };
    Some(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Standard base64 alphabet, `=` padding optional, stray trailing bits tolerated: how API Gateway and the
/// simulator's inputs are read.
pub(crate) const LENIENT_BASE64: base64::engine::GeneralPurpose =
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );

/// Standard base64 (RFC 4648, `=` padding optional). `None` on any invalid character.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    LENIENT_BASE64.decode(s).ok()
}
