//! Traffic sources: the outside world calling APIs, putting events, uploading objects, invoking functions.
//!
//! Timings (`at_s`, `every_s`, `poisson_per_s` with `start_s`, `count`, `until_s`) generate events; each event
//! starts a new causal chain (trace id). Payload strings may hold placeholders replaced per event: `{{seq}}`,
//! `{{uuid}}` (from the seeded generator), `{{rand_int:MIN:MAX}}`, `{{time}}` (ISO-8601 virtual time); a string
//! that is exactly one numeric placeholder becomes a JSON number.

use std::sync::Arc;

use serde_json::Value;

use super::api::HttpCall;
use super::bucket::ObjectOp;
use super::engine::{Ev, Item, Origin, Sim};
use super::function::{InvokeReq, Reply};
use super::ids::TraceId;
use super::queue::{SqsSend, TRAFFIC_SENDER_ID};
use super::table::TableOp;
use super::topic::SnsPublish;
use crate::events::apigw::HttpRequest;
use crate::events::sqs;
use crate::events::time::iso_millis;
use crate::scenario::{Payload, ResId, ResourceType, Timing};

/// A traffic `message` payload, read once for either service that takes messages.
struct TrafficMessage {
    body: Arc<str>,
    attributes: Value,
    subject: Option<String>,
    group_id: Option<String>,
    deduplication_id: Option<String>,
    delay_s: Option<u32>,
}

impl TrafficMessage {
    /// `{body, attributes, subject, group_id, deduplication_id, delay_s}`: a non-string body or id as its JSON
    /// text, attributes normalised as SQS and SNS take them.
    fn read(v: &Value) -> Result<TrafficMessage, String> {
        let body = match v.get("body") {
            Some(Value::String(s)) => Arc::from(s.as_str()),
            Some(other) => Arc::from(other.to_string()),
            None => return Err("a message needs a \"body\"".to_string()),
        };
        let attributes = match v.get("attributes") {
            Some(a) => sqs::normalize_attributes(a)?,
            None => Value::Object(serde_json::Map::new()),
        };
        let text = |k: &str| {
            v.get(k).and_then(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
        };
        Ok(TrafficMessage {
            body,
            attributes,
            subject: text("subject"),
            group_id: text("group_id"),
            deduplication_id: text("deduplication_id"),
            delay_s: v
                .get("delay_s")
                .and_then(Value::as_u64)
                .map(|d| d.min(u64::from(u32::MAX)) as u32),
        })
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TrafficState {
    /// Events generated so far.
    fired: u64,
    /// A `request` payload without placeholders, read once and shared by every request the source sends (a
    /// large body is not copied per event: issue 18 item 8).
    request: Option<Arc<HttpRequest>>,
    /// A function `payload` without placeholders, shared by every invocation the source makes.
    pub(super) invoke_event: Option<Arc<Value>>,
    /// A queue `message` without placeholders, read once: every message the source sends shares its body.
    pub(super) queue_message: Option<SqsSend>,
    /// A topic `message` without placeholders, read once: every message the source publishes shares its text.
    pub(super) topic_message: Option<SnsPublish>,
}

impl Sim {
    pub(crate) fn start_traffic(&mut self) {
        for i in 0..self.sc.traffic.len() {
            if let Some(t) = self.first_time_us(i) {
                self.schedule(t, Ev::Traffic { source: i as u32 });
            }
        }
    }

    fn first_time_us(&mut self, i: usize) -> Option<u64> {
        let timing = self.sc.traffic.get(i)?.timing.clone();
        let t_s = match timing {
            Timing::At(list) => *list.first()?,
            Timing::Every {
                start_s,
                count,
                until_s,
                ..
            } => {
                if count == Some(0) || until_s.is_some_and(|u| start_s > u) {
                    return None;
                }
                start_s
            }
            Timing::Poisson {
                per_s,
                start_s,
                count,
                until_s,
            } => {
                let t = start_s + self.exp_gap_s(per_s);
                if count == Some(0) || until_s.is_some_and(|u| t > u) {
                    return None;
                }
                t
            }
        };
        Some(s_to_us(t_s))
    }

    fn exp_gap_s(&mut self, per_s: f64) -> f64 {
        if per_s > 0.0 {
            -(1.0 - self.rng.unit()).ln() / per_s
        } else {
            f64::INFINITY
        }
    }

    pub(crate) fn traffic_fire(&mut self, i: u32) {
        let sc = Arc::clone(&self.sc);
        let Some(src) = sc.traffic.get(i as usize) else {
            return;
        };
        let state = &mut self.traffic[i as usize];
        state.fired += 1;
        let n = state.fired;
        self.traffic_stats[i as usize] = n;
        let trace = self.new_trace();
        match &src.payload {
            Payload::Request(v) if !src.has_placeholders => {
                // One clone of the shared request per event (each `Arc` clone or drop is an atomic operation).
                let request = match &self.traffic[i as usize].request {
                    Some(request) => Ok(Arc::clone(request)),
                    None => HttpRequest::from_json(v).map(|request| {
                        let request = Arc::new(request);
                        self.traffic[i as usize].request = Some(Arc::clone(&request));
                        request
                    }),
                };
                match request {
                    Ok(request) => {
                        let item = Item::HttpRequest(HttpCall { request });
                        self.send(Origin::Traffic(i), src.to, trace, item);
                    }
                    Err(reason) => {
                        self.drop_item(src.to, trace, || format!("invalid request: {reason}"))
                    }
                }
            }
            Payload::Invoke { payload, sync } if !src.has_placeholders => {
                let event = self.traffic[i as usize]
                    .invoke_event
                    .get_or_insert_with(|| Arc::new(payload.clone()));
                let event = Arc::clone(event);
                self.send(Origin::Traffic(i), src.to, trace, invoke_item(event, *sync));
            }
            Payload::Message(v)
                if !src.has_placeholders
                    && self.sc.resource(src.to).resource_type() == ResourceType::Queue =>
            {
                let cached = self.traffic[i as usize].queue_message.clone();
                match cached.map_or_else(|| queue_message(v), Ok) {
                    Ok(msg) => {
                        self.traffic[i as usize].queue_message = Some(msg.clone());
                        let item = Item::SqsSend(Box::new(msg));
                        self.send(Origin::Traffic(i), src.to, trace, item);
                    }
                    Err(reason) => {
                        self.drop_item(src.to, trace, || format!("invalid message: {reason}"))
                    }
                }
            }
            Payload::Message(v)
                if !src.has_placeholders
                    && self.sc.resource(src.to).resource_type() == ResourceType::Topic =>
            {
                let cached = self.traffic[i as usize].topic_message.clone();
                match cached.map_or_else(|| topic_message(v), Ok) {
                    Ok(publish) => {
                        self.traffic[i as usize].topic_message = Some(publish.clone());
                        let item = Item::SnsPublish(Box::new(publish));
                        self.send(Origin::Traffic(i), src.to, trace, item);
                    }
                    Err(reason) => {
                        self.drop_item(src.to, trace, || format!("invalid message: {reason}"))
                    }
                }
            }
            _ if src.has_placeholders => {
                let payload = self.substitute_payload(&src.payload, n);
                self.fire_payload(Origin::Traffic(i), src.to, &payload, trace);
            }
            fixed => self.fire_payload(Origin::Traffic(i), src.to, fixed, trace),
        }
        let now_s = self.now() as f64 / 1e6;
        let next_s = match &src.timing {
            Timing::At(list) => list.get(n as usize).copied(),
            Timing::Every {
                every_s,
                start_s,
                count,
                until_s,
            } => {
                let t = start_s + every_s * n as f64;
                (count.is_none_or(|c| n < c) && until_s.is_none_or(|u| t <= u)).then_some(t)
            }
            Timing::Poisson {
                per_s,
                count,
                until_s,
                ..
            } => {
                let t = now_s + self.exp_gap_s(*per_s);
                (count.is_none_or(|c| n < c) && until_s.is_none_or(|u| t <= u) && t.is_finite())
                    .then_some(t)
            }
        };
        if let Some(t) = next_s {
            self.schedule(s_to_us(t), Ev::Traffic { source: i });
        }
    }

    /// Sends one payload from a traffic source (or an injection) to its target. The payload is read, not
    /// taken: only what the receiving service keeps or wraps (an event envelope, an object, an item, an
    /// execution's input) is copied from it.
    pub(crate) fn fire_payload(
        &mut self,
        from: Origin,
        to: ResId,
        payload: &Payload,
        trace: TraceId,
    ) {
        let item = match payload {
            Payload::Request(v) => match HttpRequest::from_json(v) {
                Ok(request) => Item::HttpRequest(HttpCall {
                    request: Arc::new(request),
                }),
                Err(reason) => {
                    return self.drop_item(to, trace, || format!("invalid request: {reason}"));
                }
            },
            Payload::Event(v) => super::bus::target_item(v.clone(), false),
            Payload::Object(v) => match ObjectOp::from_json(v) {
                Ok(op) => Item::Object(Box::new(op)),
                Err(reason) => {
                    return self.drop_item(to, trace, || format!("invalid object: {reason}"));
                }
            },
            Payload::Invoke { payload, sync } => invoke_item(Arc::new(payload.clone()), *sync),
            Payload::Message(v) => match self.message_item(to, v) {
                Ok(item) => item,
                Err(reason) => {
                    return self.drop_item(to, trace, || format!("invalid message: {reason}"));
                }
            },
            Payload::TablePut(v) => Item::TableOp(Box::new(TableOp::Put(v.clone()))),
            Payload::TableDelete(v) => Item::TableOp(Box::new(TableOp::Delete(v.clone()))),
            Payload::Input(v) => super::sfn::target_item(v.clone()),
        };
        self.send(from, to, trace, item);
    }

    /// A traffic `message` for a queue (`{body, attributes, group_id, deduplication_id, delay_s}`) or a topic
    /// (`{body, subject, attributes, group_id, deduplication_id}`), sent by an outside client.
    fn message_item(&mut self, to: ResId, v: &Value) -> Result<Item, String> {
        match self.sc.resource(to).resource_type() {
            ResourceType::Queue => Ok(Item::SqsSend(Box::new(queue_message(v)?))),
            ResourceType::Topic => Ok(Item::SnsPublish(Box::new(topic_message(v)?))),
            // The loader gives `message` payloads only to queues and topics.
            ty @ (ResourceType::Function
            | ResourceType::Api
            | ResourceType::EventBus
            | ResourceType::Rule
            | ResourceType::Schedule
            | ResourceType::Bucket
            | ResourceType::Table
            | ResourceType::Trigger
            | ResourceType::StateMachine
            | ResourceType::Database
            | ResourceType::DbProxy) => {
                self.wrong_kind(to, ResourceType::Queue);
                Err(format!("a {} takes no message", ty.aws_name()))
            }
        }
    }

    /// An injected payload with its placeholders expanded as a traffic event's; `{{seq}}` is the number of the
    /// test event in this run (from 1). A payload without placeholders is returned as it is and draws nothing from
    /// the seeded generator.
    pub(crate) fn expand_injected(&mut self, p: &Payload) -> Payload {
        self.injected += 1;
        let seq = self.injected;
        self.substitute_payload(p, seq)
    }

    fn substitute_payload(&mut self, p: &Payload, seq: u64) -> Payload {
        let mut sub = |v: &Value| self.substitute(v, seq);
        match p {
            Payload::Request(v) => Payload::Request(sub(v)),
            Payload::Event(v) => Payload::Event(sub(v)),
            Payload::Object(v) => Payload::Object(sub(v)),
            Payload::Message(v) => Payload::Message(sub(v)),
            Payload::Invoke { payload, sync } => Payload::Invoke {
                payload: sub(payload),
                sync: *sync,
            },
            Payload::TablePut(v) => Payload::TablePut(sub(v)),
            Payload::TableDelete(v) => Payload::TableDelete(sub(v)),
            Payload::Input(v) => Payload::Input(sub(v)),
        }
    }

    /// Replaces placeholders in every string of a JSON value (keys included).
    fn substitute(&mut self, v: &Value, seq: u64) -> Value {
        match v {
            Value::String(s) => self.substitute_str(s, seq),
            Value::Array(items) => {
                Value::Array(items.iter().map(|x| self.substitute(x, seq)).collect())
            }
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, x) in map {
                    let key = match self.substitute_str(k, seq) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    let value = self.substitute(x, seq);
                    out.insert(key, value);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    fn substitute_str(&mut self, s: &str, seq: u64) -> Value {
        if !s.contains("{{") {
            return Value::String(s.to_string());
        }
        let trimmed = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}"));
        if let Some(inner) = trimmed.filter(|x| !x.contains("{{"))
            && let Some(n) = self.numeric_placeholder(inner, seq)
        {
            return n;
        }
        let mut out = String::with_capacity(s.len() + 16);
        let mut rest = s;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let name = &after[..close];
            match self.placeholder_text(name, seq) {
                Some(text) => out.push_str(&text),
                None => {
                    out.push_str("{{");
                    out.push_str(name);
                    out.push_str("}}");
                }
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        Value::String(out)
    }

    fn numeric_placeholder(&mut self, name: &str, seq: u64) -> Option<Value> {
        if name == "seq" {
            return Some(Value::from(seq));
        }
        let (min, max) = parse_rand_int(name)?;
        Some(Value::from(self.rng.int_between(min, max)))
    }

    fn placeholder_text(&mut self, name: &str, seq: u64) -> Option<String> {
        match name {
            "seq" => Some(seq.to_string()),
            "uuid" => Some(self.rng.uuid()),
            "time" => Some(iso_millis(self.wall(self.now()))),
            _ => parse_rand_int(name).map(|(min, max)| self.rng.int_between(min, max).to_string()),
        }
    }
}

/// The message a traffic `message` payload sends to a queue, by an outside client.
fn queue_message(v: &Value) -> Result<SqsSend, String> {
    let m = TrafficMessage::read(v)?;
    Ok(SqsSend::new(m.body, TRAFFIC_SENDER_ID)
        .with_attributes(m.attributes)
        .with_group_id(m.group_id)
        .with_deduplication_id(m.deduplication_id)
        .with_delay_s(m.delay_s))
}

/// The message a traffic `message` payload publishes to a topic, by an outside client.
fn topic_message(v: &Value) -> Result<SnsPublish, String> {
    let m = TrafficMessage::read(v)?;
    Ok(SnsPublish::new(m.body)
        .with_subject(m.subject)
        .with_attributes(m.attributes)
        .with_group_id(m.group_id)
        .with_deduplication_id(m.deduplication_id))
}

/// An invocation by an outside caller: `RequestResponse` when `sync`, else `Event`.
fn invoke_item(event: Arc<Value>, sync: bool) -> Item {
    let req = if sync {
        InvokeReq::sync(event, Reply::Caller)
    } else {
        InvokeReq::event(event)
    };
    Item::Invoke(Box::new(req))
}

/// `rand_int:MIN:MAX` → (MIN, MAX).
pub(crate) fn parse_rand_int(name: &str) -> Option<(i64, i64)> {
    let rest = name.strip_prefix("rand_int:")?;
    let (a, b) = rest.split_once(':')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

/// Seconds (non-negative) to microseconds, saturating.
fn s_to_us(s: f64) -> u64 {
    super::rng::ms_to_us(s * 1000.0)
}
