//! Amazon API Gateway: route selection, the proxy event, the integration timeout and the HTTP answer.
//!
//! Calls are synchronous: the API invokes the route's function with `RequestResponse` and answers the client
//! when the response returns. Status codes follow API Gateway (aws-semantics.md §6 and the Lambda guide "Handling
//! Lambda errors with an API Gateway API"; the table is in `events::apigw::gateway_error`): no route → 404 (HTTP
//! API) or 403 `Missing Authentication Token` (REST); Lambda refusing the invocation (throttled) → 500; a failed
//! function → 502 (REST) or 500 (HTTP API); a REST response that is not a valid proxy response → 502, while an
//! HTTP API (payload 2.0) turns any JSON without `statusCode` into a 200; the integration timeout (`timeout_ms`,
//! default 29 s, §6.1) → 504 (REST) or 503 `Service Unavailable` (HTTP API). Before routing, API Gateway's
//! token bucket (`throttle_rate_per_s` refill, `throttle_burst` size, account defaults 10,000 / 5,000,
//! aws-limits-rds.md §5 AG-LIM/AG-THR; full at t = 0) answers a request that finds it empty with 429
//! `{"message":"Too Many Requests"}` (THROTTLED, AG-GR). A body over API Gateway's 10 MB payload limit gets 413
//! `{"message":"Request Too Long"}` (REQUEST_TOO_LARGE) before routing; one over Lambda's 6 MB synchronous invoke
//! limit is refused by Lambda (500, as for any refused invocation); a function response over 6 MB fails the
//! invocation in the runtime (`limits::response_too_large`), so the client gets the failed function's 502 (REST) or
//! 500 (HTTP API), aws-limits-rds.md §4. Latency in the statistics is API Gateway's `Latency` metric:
//! from the request reaching the API to the API answering.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;

use super::engine::{Ev, Item, Origin, Sim};
use super::function::{InvokeReq, Reply};
use super::ids::{IdKind, TraceId, id_bits, mix64, uuid_bytes};
use super::limits::{API_GATEWAY_PAYLOAD_MAX_BYTES, SYNC_INVOKE_PAYLOAD_MAX_BYTES};
use super::trace::{EventPayload, Ms, TraceRecord};
use crate::events::apigw::{self, GatewayError, HttpRequest, HttpResponse, RouteMatch, RouteTable};
use crate::scenario::{ApiProtocol, ResId, Scenario};

/// A client's request on its way to an API: shared with the traffic source that sends the same request again and
/// again (read once, never copied per event).
#[derive(Debug)]
pub(crate) struct HttpCall {
    pub request: Arc<HttpRequest>,
}

/// What returns from the integration.
#[derive(Debug)]
pub(crate) enum ReplyOutcome {
    /// The function returned this JSON (boxed: the common answers carry nothing, and a reply travels inline in
    /// `Item::HttpReply` without an allocation of its own).
    Response(Box<Value>),
    /// A function without a handler returned its default `{"statusCode":200}` (not built as JSON: see
    /// `function::Outcome::DefaultApiOk`).
    DefaultOk,
    /// The function failed or timed out.
    FunctionError,
    /// Lambda refused the invocation (concurrency).
    Throttled,
}

#[derive(Debug)]
pub(crate) struct HttpReply {
    /// The request's key among the API's requests in flight ([`InFlightRequests`]).
    pub req: u64,
    pub outcome: ReplyOutcome,
}

#[derive(Debug, Clone)]
struct InFlight {
    trace: TraceId,
    /// The request's number (its `requestId`).
    req_n: u64,
    received_us: u64,
    deadline_us: u64,
    route: Arc<RouteMatch<ResId>>,
    timeout_scheduled: bool,
}

/// An API's requests waiting for their integration, by key: keys are given out in order (0, 1, 2, …), so the
/// requests sit in a ring buffer at `key - first_key`, and finding one is an index, not a search (a B-tree here
/// cost 8 % of the engine's time, issue 15). Answered requests leave holes that are trimmed from the front; every
/// request leaves by its integration timeout at the latest, so the buffer spans at most that many seconds of
/// requests.
#[derive(Debug, Clone, Default)]
struct InFlightRequests {
    /// The key of `slots[0]`.
    first_key: u64,
    slots: VecDeque<Option<InFlight>>,
    live: u32,
}

impl InFlightRequests {
    /// Adds a request; returns its key.
    fn insert(&mut self, request: InFlight) -> u64 {
        let key = self.first_key + self.slots.len() as u64;
        self.slots.push_back(Some(request));
        self.live += 1;
        key
    }

    fn get_mut(&mut self, key: u64) -> Option<&mut InFlight> {
        let i = usize::try_from(key.checked_sub(self.first_key)?).ok()?;
        self.slots.get_mut(i)?.as_mut()
    }

    fn remove(&mut self, key: u64) -> Option<InFlight> {
        let i = usize::try_from(key.checked_sub(self.first_key)?).ok()?;
        let request = self.slots.get_mut(i)?.take()?;
        self.live -= 1;
        while self.slots.front().is_some_and(Option::is_none) {
            self.slots.pop_front();
            self.first_key += 1;
        }
        Some(request)
    }

    fn iter(&self) -> impl Iterator<Item = &InFlight> {
        self.slots.iter().flatten()
    }
}

/// Routes and requests in flight of one API.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiState {
    routes: Option<RouteTable<ResId>>,
    protocol: Option<ApiProtocol>,
    timeout_us: u64,
    /// API id as in `<api_id>.execute-api.<region>.amazonaws.com`: 10 characters derived from the resource id.
    api_id: String,
    /// The API's id, domain name and account as its request events name them: made at its first request, then
    /// shared by all its events.
    identity: Option<Arc<apigw::ApiIdentity>>,
    /// Requests waiting for their integration.
    in_flight: InFlightRequests,
    /// Route selections of recent requests, by request (a traffic source sends the same shared request again and
    /// again: it is routed once). At most [`ROUTE_CACHE_SIZE`] entries.
    route_cache: Vec<(Arc<HttpRequest>, Arc<RouteMatch<ResId>>)>,
    bucket: TokenBucket,
}

/// Requests whose route selection an API remembers (one per traffic source that sends it a fixed request, for a few
/// sources).
const ROUTE_CACHE_SIZE: usize = 8;

/// API Gateway's token bucket: `burst` tokens at most, refilled at `rate_per_s`; each request takes one.
#[derive(Debug, Clone, Default)]
struct TokenBucket {
    tokens: f64,
    at_us: u64,
    rate_per_s: f64,
    burst: f64,
}

impl TokenBucket {
    fn full(rate_per_s: f64, burst: u32) -> TokenBucket {
        TokenBucket {
            tokens: f64::from(burst),
            at_us: 0,
            rate_per_s,
            burst: f64::from(burst),
        }
    }

    /// Takes a token at `now_us`; false when the bucket is empty (the request is throttled).
    fn take(&mut self, now_us: u64) -> bool {
        let elapsed_s = now_us.saturating_sub(self.at_us) as f64 / 1e6;
        self.tokens = (self.tokens + elapsed_s * self.rate_per_s).min(self.burst);
        self.at_us = self.at_us.max(now_us);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl ApiState {
    pub fn for_scenario(sc: &Scenario) -> Vec<ApiState> {
        sc.resources
            .iter()
            .map(|r| match r.kind.as_api() {
                Some(api) => ApiState {
                    // Routes were validated by the loader; a table that still fails to build answers 404.
                    routes: RouteTable::new(api.routes.clone()).ok(),
                    protocol: Some(api.protocol),
                    timeout_us: u64::from(api.timeout_ms) * 1000,
                    api_id: api_id_for(&r.id),
                    bucket: TokenBucket::full(api.throttle_rate_per_s, api.throttle_burst),
                    ..ApiState::default()
                },
                None => ApiState::default(),
            })
            .collect()
    }

    pub fn in_flight(&self) -> u32 {
        self.in_flight.live
    }

    /// Calls `f` with the causal chain of every request waiting for its integration (`Sim::live_chains`).
    pub(crate) fn chains(&self, f: &mut impl FnMut(u64)) {
        for r in self.in_flight.iter() {
            f(r.trace.n);
        }
    }

    /// The route `request` selects (`None`: no route), remembered for a request sent again (the same shared
    /// `Arc`; the table never changes, so the answer cannot either).
    fn route(&mut self, request: &Arc<HttpRequest>) -> Option<Arc<RouteMatch<ResId>>> {
        if let Some((_, m)) = self
            .route_cache
            .iter()
            .find(|(r, _)| Arc::ptr_eq(r, request))
        {
            return Some(Arc::clone(m));
        }
        let m = Arc::new(
            self.routes
                .as_ref()?
                .route(&request.method, &request.path)?,
        );
        if Arc::strong_count(request) > 1 {
            // Shared with its sender, so likely sent again (a request built per event is not kept).
            if self.route_cache.len() == ROUTE_CACHE_SIZE {
                self.route_cache.remove(0);
            }
            self.route_cache.push((Arc::clone(request), Arc::clone(&m)));
        }
        Some(m)
    }
}

/// A stable 10-character lowercase alphanumeric API id for a resource id.
fn api_id_for(name: &str) -> String {
    let mut h = 0u64;
    for b in name.bytes() {
        h = mix64(h ^ u64::from(b));
    }
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..10)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize];
            h /= 36;
            char::from(c)
        })
        .collect()
}

fn events_protocol(p: ApiProtocol) -> apigw::ApiProtocol {
    match p {
        ApiProtocol::Http => apigw::ApiProtocol::Http,
        ApiProtocol::Rest => apigw::ApiProtocol::Rest,
    }
}

impl Sim {
    /// A client's request reaches the API.
    pub(crate) fn api_request(&mut self, api: ResId, trace: TraceId, call: HttpCall) {
        let now = self.now();
        self.stats[api.index()].count += 1;
        let protocol = self.api_protocol(api);
        let state = &mut self.apis[api.index()];
        if !state.bucket.take(now) {
            self.stats[api.index()].throttles += 1;
            let req_n = self.next_n(IdKind::ApiRequest);
            let resp = apigw::gateway_error(protocol, GatewayError::RateLimited);
            self.api_respond(api, trace, req_n, "", now, resp);
            return;
        }
        // API Gateway refuses a body over its 10 MB payload limit before routing (REQUEST_TOO_LARGE, 413); a body over
        // Lambda's 6 MB synchronous limit makes a proxy event over it, which Lambda refuses (aws-limits-rds.md §4).
        // Traffic over either is refused at `check`; these come from placeholders that expand past the limit, or
        // from test events sent by hand.
        let body_bytes = call.request.body.as_ref().map_or(0, String::len);
        if body_bytes > API_GATEWAY_PAYLOAD_MAX_BYTES {
            let req_n = self.next_n(IdKind::ApiRequest);
            self.api_respond(api, trace, req_n, "", now, request_too_large());
            return;
        }
        let matched = self.apis[api.index()].route(&call.request);
        let req_n = self.next_n(IdKind::ApiRequest);
        let Some(m) = matched else {
            let resp = apigw::gateway_error(protocol, GatewayError::NotFound);
            self.api_respond(api, trace, req_n, "", now, resp);
            return;
        };
        let func = m.target;
        if body_bytes > SYNC_INVOKE_PAYLOAD_MAX_BYTES {
            // Lambda answers the integration's Invoke with `RequestTooLargeException` (413); API Gateway, as for any
            // invocation Lambda refuses, gives the client a 500 (the throttled case's answer, without counting a
            // throttle).
            let resp = apigw::gateway_error(protocol, GatewayError::Throttled);
            self.api_respond(api, trace, req_n, &m.route_key, now, resp);
            return;
        }
        let event = if self.observes_events(func) {
            // Kept as its parts and built only when read (issue 15): most requests' events are only written to the
            // trace, or not even that.
            let request_id =
                apigw::RequestId36(uuid_bytes(id_bits(self.seed, IdKind::ApiRequest, req_n)));
            let time = self.wall(now);
            let aws = &self.aws;
            let state = &mut self.apis[api.index()];
            let identity = state
                .identity
                .get_or_insert_with(|| Arc::new(apigw::ApiIdentity::new(aws, &state.api_id)));
            EventPayload::from(apigw::ApiRequestEvent {
                protocol,
                api: Arc::clone(identity),
                request: Arc::clone(&call.request),
                route_key: m.route_key.clone(),
                resource: m.resource.clone(),
                path_params: m.path_params.clone(),
                request_id,
                time,
            })
        } else {
            // Nobody looks at the event: every such request carries the same `null`, without allocating.
            EventPayload::default()
        };
        let state = &mut self.apis[api.index()];
        let deadline_us = now.saturating_add(state.timeout_us);
        let req = state.in_flight.insert(InFlight {
            trace,
            req_n,
            received_us: now,
            deadline_us,
            route: m,
            timeout_scheduled: false,
        });
        let hop = self.hop_us(Origin::Resource(api));
        self.api_check_deadline(api, req, deadline_us, now.saturating_add(hop));
        let reply = Reply::Api {
            api,
            req,
            deadline_us,
        };
        let invoke = InvokeReq::sync(event, reply);
        self.send_after(
            Origin::Resource(api),
            func,
            trace,
            Item::Invoke(Box::new(invoke)),
            hop,
        );
    }

    /// Something bound for a waiting request will reach the API at `arrival_us`: when that is past the
    /// integration timeout (`deadline_us`, the request's own, carried by the caller), the timeout is scheduled
    /// (once) so the client gets its 504 on time. An arrival in time does not look the request up.
    pub(crate) fn api_check_deadline(
        &mut self,
        api: ResId,
        req: u64,
        deadline_us: u64,
        arrival_us: u64,
    ) {
        if arrival_us <= deadline_us {
            return;
        }
        let Some(state) = self.apis.get_mut(api.index()) else {
            return;
        };
        let Some(r) = state.in_flight.get_mut(req) else {
            return;
        };
        if arrival_us > r.deadline_us && !r.timeout_scheduled {
            r.timeout_scheduled = true;
            let at = r.deadline_us;
            self.schedule(at, Ev::ApiTimeout { api, req });
        }
    }

    pub(crate) fn api_timeout(&mut self, api: ResId, req: u64) {
        let Some(r) = self.apis[api.index()].in_flight.remove(req) else {
            return;
        };
        let resp = apigw::gateway_error(self.api_protocol(api), GatewayError::Timeout);
        self.api_respond_in_flight(api, &r, resp);
    }

    /// The integration's answer reaches the API.
    pub(crate) fn api_reply(&mut self, api: ResId, trace: TraceId, reply: HttpReply) {
        let Some(r) = self.apis[api.index()].in_flight.remove(reply.req) else {
            self.drop_item(api, trace, || {
                "response arrived after the integration timeout".to_string()
            });
            return;
        };
        let protocol = self.api_protocol(api);
        let resp = match reply.outcome {
            ReplyOutcome::Response(v) => apigw::interpret_response(protocol, &v),
            ReplyOutcome::DefaultOk => default_ok_response(),
            ReplyOutcome::FunctionError => {
                apigw::gateway_error(protocol, GatewayError::FunctionError)
            }
            ReplyOutcome::Throttled => {
                self.stats[api.index()].throttles += 1;
                apigw::gateway_error(protocol, GatewayError::Throttled)
            }
        };
        self.api_respond_in_flight(api, &r, resp);
    }

    /// The event payload format of an API (HTTP API unless set).
    fn api_protocol(&self, api: ResId) -> apigw::ApiProtocol {
        events_protocol(self.apis[api.index()].protocol.unwrap_or(ApiProtocol::Http))
    }

    /// Answers a request that was waiting for its integration (the answer, or the integration timeout).
    fn api_respond_in_flight(&mut self, api: ResId, r: &InFlight, resp: HttpResponse) {
        self.api_respond(
            api,
            r.trace,
            r.req_n,
            &r.route.route_key,
            r.received_us,
            resp,
        );
    }

    fn api_respond(
        &mut self,
        api: ResId,
        trace: TraceId,
        req_n: u64,
        route: &str,
        received_us: u64,
        resp: HttpResponse,
    ) {
        let now = self.now();
        let latency = now.saturating_sub(received_us);
        let stats = &mut self.stats[api.index()];
        stats.record_duration(latency);
        match resp.status {
            200..=399 => stats.status_2xx += 1,
            400..=499 => stats.status_4xx += 1,
            _ => stats.status_5xx += 1,
        }
        if resp.status >= 500 {
            stats.errors += 1;
        }
        if self.tracing() {
            let (req, route) = (req_n, super::trace::Text::new(route));
            let record = TraceRecord::Response {
                t_ms: Ms(now),
                api: self.name_text(api),
                request_id: self.record_uuid(IdKind::ApiRequest, req),
                trace_id: trace.record_id(),
                // The request's span: the hop that brought the request to the API.
                span_id: trace.span,
                route,
                status: resp.status,
                latency_ms: Ms(latency),
                body: resp.body,
            };
            self.emit(|| record);
        }
    }
}

/// What API Gateway makes of a handler-less function's `{"statusCode":200}` ([`apigw::interpret_response`] for
/// either payload format: status 200, no headers, an empty body; tested against it).
fn default_ok_response() -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Vec::new(),
        body: String::new(),
    }
}

/// API Gateway's answer to a request over its payload limit: the `REQUEST_TOO_LARGE` gateway response, 413 (AG-GR,
/// aws-limits-rds.md §4; it cannot be customised). The body is the default message clients report,
/// `{"message":"Request Too Long"}` [R]; HTTP APIs answer the same status.
fn request_too_large() -> HttpResponse {
    HttpResponse {
        status: 413,
        headers: vec![("content-type".to_string(), "application/json".to_string())],
        body: r#"{"message":"Request Too Long"}"#.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{api_id_for, default_ok_response};
    use crate::events::apigw::{self, ApiProtocol};

    #[test]
    fn the_default_reply_is_what_api_gateway_makes_of_status_200() {
        let reply = crate::sim::function::default_api_response();
        for protocol in [ApiProtocol::Http, ApiProtocol::Rest] {
            assert_eq!(
                apigw::interpret_response(protocol, &reply),
                default_ok_response()
            );
        }
    }

    #[test]
    fn api_ids_are_stable_and_shaped_like_aws() {
        let a = api_id_for("OrdersApi");
        assert_eq!(a.len(), 10);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert_eq!(a, api_id_for("OrdersApi"));
        assert_ne!(a, api_id_for("OtherApi"));
    }
}
