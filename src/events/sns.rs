//! Amazon SNS: the event SNS sends to a subscribed Lambda function, the JSON envelope it puts in
//! the body of messages for subscribed SQS queues, raw message delivery, and the view of message
//! attributes that subscription filter policies match against.
//!
//! Message attributes come in the normalised form of [`super::sqs::normalize_attributes`]
//! (`{name: {"DataType", "StringValue" | "BinaryValue"}}`); SNS supports the data types
//! `String`, `String.Array`, `Number` and `Binary` ([`validate_sns_attributes`]).
//!
//! Shapes (both follow AWS's documented examples; the casing differs on purpose):
//! * Lambda event: `{"Records": [{EventVersion "1.0", EventSubscriptionArn, EventSource
//!   "aws:sns", Sns {Type "Notification", MessageId, TopicArn, Subject (null when none), Message,
//!   Timestamp, SignatureVersion "1", Signature, SigningCertUrl, UnsubscribeUrl,
//!   MessageAttributes {name: {Type, Value}} ({} when none)}}]}`;
//! * SQS envelope (non-raw delivery): `Type, MessageId, [SequenceNumber], TopicArn, [Subject],
//!   Message, Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL,
//!   [MessageAttributes]`, printed the way SNS prints it (two-space indent, `" : "` between key
//!   and value, one attribute per line in compact form), because its bytes are the SQS body and
//!   feed `md5OfBody`. Envelopes from FIFO topics carry `SequenceNumber` after `MessageId` and no
//!   `SignatureVersion` / `Signature` / `SigningCertURL` (FIFO topics do not sign; observed in
//!   delivered messages, e.g. aws/aws-sdk-net#3000).
//!
//! The signature is not a real SHA1withRSA signature (the simulator has no key): it is 256
//! deterministic bytes derived from the message id, base64-encoded like a real one (344
//! characters). The signing certificate's file name is derived from the region.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::sqs::{base_data_type, base64_encode, derived_bytes};
use super::time::iso_millis;
use super::{AwsEnv, EventError};
use super::{hex_lower, md5_of};

/// One message being delivered to one subscription.
#[derive(Clone, Copy, Debug)]
pub struct SnsNotice<'a> {
    /// Topic name (`….fifo` for FIFO topics).
    pub topic: &'a str,
    /// `MessageId` (a UUID), the same for every subscription and retry.
    pub message_id: &'a str,
    /// The message text (for `MessageStructure=json`, the text chosen for the protocol).
    pub message: &'a str,
    /// `Subject`, if the publisher gave one.
    pub subject: Option<&'a str>,
    /// Normalised message attributes; `{}` or `null` for none.
    pub attributes: &'a Value,
    /// When SNS accepted the publish.
    pub time: DateTime<Utc>,
    /// The subscription's id (the UUID after the topic ARN in the subscription ARN).
    pub subscription_id: &'a str,
    /// FIFO topics: (`MessageGroupId`, `MessageDeduplicationId`, `SequenceNumber`).
    pub fifo: Option<(&'a str, &'a str, &'a str)>,
}

/// `sns.<region>.amazonaws.com` (`.com.cn` in the China regions).
pub fn endpoint_host(env: &AwsEnv) -> String {
    let suffix = if env.region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("sns.{}.{suffix}", env.region)
}

/// `arn:aws:sns:<region>:<account>:<topic>:<subscription-id>`.
pub fn subscription_arn(env: &AwsEnv, topic: &str, subscription_id: &str) -> String {
    format!("{}:{subscription_id}", env.sns_arn(topic))
}

/// `https://sns.<region>.amazonaws.com/SimpleNotificationService-<32 hex>.pem`; the hex part is
/// derived from the region (stable for a region, like the real certificate's).
pub fn signing_cert_url(env: &AwsEnv) -> String {
    let id = hex_lower(&md5_of(&["sns-signing-cert", &env.region]));
    format!(
        "https://{}/SimpleNotificationService-{id}.pem",
        endpoint_host(env)
    )
}

/// `https://sns.<region>.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=<subscription ARN>`
/// (the ARN unencoded, as SNS writes it).
pub fn unsubscribe_url(env: &AwsEnv, topic: &str, subscription_id: &str) -> String {
    format!(
        "https://{}/?Action=Unsubscribe&SubscriptionArn={}",
        endpoint_host(env),
        subscription_arn(env, topic, subscription_id)
    )
}

/// A stand-in `Signature`: base64 of 256 bytes derived from the message id (344 characters,
/// ending in `=`), the length of a real 2048-bit RSA signature.
pub fn signature(message_id: &str) -> String {
    base64_encode(&derived_bytes(&["sns-signature", message_id], 256))
}

/// Checks normalised attributes against what SNS accepts: data type exactly `String`,
/// `String.Array`, `Number` or `Binary`, and a `String.Array` value that is a JSON array of
/// strings, numbers, booleans or nulls.
pub fn validate_sns_attributes(normalised: &Value) -> Result<(), EventError> {
    check_sns_attributes(normalised).map_err(EventError::Attributes)
}

fn check_sns_attributes(normalised: &Value) -> Result<(), String> {
    let Some(m) = normalised.as_object() else {
        return if normalised.is_null() {
            Ok(())
        } else {
            Err("message attributes must be an object".into())
        };
    };
    for (name, attr) in m {
        let data_type = attr.get("DataType").and_then(Value::as_str).unwrap_or("");
        match data_type {
            "String" | "Number" | "Binary" => {}
            "String.Array" => {
                let text = attr
                    .get("StringValue")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let ok = match serde_json::from_str::<Value>(text) {
                    Ok(Value::Array(items)) => items.iter().all(|x| {
                        matches!(
                            x,
                            Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
                        )
                    }),
                    _ => false,
                };
                if !ok {
                    return Err(format!(
                        "message attribute \"{name}\": a String.Array value must be a JSON array of strings, numbers, booleans or null"
                    ));
                }
            }
            other => {
                return Err(format!(
                    "message attribute \"{name}\" has data type \"{other}\"; SNS supports String, String.Array, Number and Binary"
                ));
            }
        }
    }
    Ok(())
}

/// `(Type, Value)` of each well-formed normalised attribute, in order: the value is the
/// `StringValue`, or the base64 `BinaryValue` for binary types.
fn type_value_pairs(normalised: &Value) -> Vec<(&str, &str, &str)> {
    let mut out = Vec::new();
    if let Some(m) = normalised.as_object() {
        for (name, attr) in m {
            let Some(data_type) = attr.get("DataType").and_then(Value::as_str) else {
                continue;
            };
            let field = if base_data_type(data_type) == Some("Binary") {
                "BinaryValue"
            } else {
                "StringValue"
            };
            if let Some(v) = attr.get(field).and_then(Value::as_str) {
                out.push((name.as_str(), data_type, v));
            }
        }
    }
    out
}

/// `{name: {"Type": …, "Value": …}}`.
fn type_value_object(normalised: &Value) -> Value {
    let mut out = Map::new();
    for (name, t, v) in type_value_pairs(normalised) {
        let mut a = Map::new();
        a.insert("Type".into(), Value::from(t));
        a.insert("Value".into(), Value::from(v));
        out.insert(name.to_string(), Value::Object(a));
    }
    Value::Object(out)
}

/// The event SNS sends to a subscribed Lambda function (see the module documentation). Lambda
/// functions cannot subscribe to FIFO topics, so `n.fifo` is ignored here.
pub fn lambda_event(env: &AwsEnv, n: &SnsNotice) -> Value {
    let mut sns = Map::new();
    sns.insert("Type".into(), Value::from("Notification"));
    sns.insert("MessageId".into(), Value::from(n.message_id));
    sns.insert("TopicArn".into(), Value::from(env.sns_arn(n.topic)));
    sns.insert(
        "Subject".into(),
        n.subject.map(Value::from).unwrap_or(Value::Null),
    );
    sns.insert("Message".into(), Value::from(n.message));
    sns.insert("Timestamp".into(), Value::from(iso_millis(n.time)));
    sns.insert("SignatureVersion".into(), Value::from("1"));
    sns.insert("Signature".into(), Value::from(signature(n.message_id)));
    sns.insert("SigningCertUrl".into(), Value::from(signing_cert_url(env)));
    sns.insert(
        "UnsubscribeUrl".into(),
        Value::from(unsubscribe_url(env, n.topic, n.subscription_id)),
    );
    sns.insert("MessageAttributes".into(), type_value_object(n.attributes));

    let mut rec = Map::new();
    rec.insert("EventVersion".into(), Value::from("1.0"));
    rec.insert(
        "EventSubscriptionArn".into(),
        Value::from(subscription_arn(env, n.topic, n.subscription_id)),
    );
    rec.insert("EventSource".into(), Value::from("aws:sns"));
    rec.insert("Sns".into(), Value::Object(sns));

    let mut ev = Map::new();
    ev.insert("Records".into(), Value::Array(vec![Value::Object(rec)]));
    Value::Object(ev)
}

fn json_text(s: &str) -> String {
    Value::from(s).to_string()
}

fn push_line(out: &mut String, first: &mut bool, key: &str, value_json: &str) {
    if !*first {
        out.push_str(",\n");
    }
    *first = false;
    out.push_str("  ");
    out.push_str(&json_text(key));
    out.push_str(" : ");
    out.push_str(value_json);
}

/// The JSON text SNS puts in the body of an SQS message for a subscription without raw message
/// delivery (see the module documentation for the keys and layout). `Subject` and
/// `MessageAttributes` are left out when there are none.
pub fn sqs_envelope(env: &AwsEnv, n: &SnsNotice) -> String {
    let mut out = String::with_capacity(1024 + n.message.len());
    out.push_str("{\n");
    let mut first = true;
    push_line(&mut out, &mut first, "Type", &json_text("Notification"));
    push_line(&mut out, &mut first, "MessageId", &json_text(n.message_id));
    if let Some((_, _, seq)) = n.fifo {
        push_line(&mut out, &mut first, "SequenceNumber", &json_text(seq));
    }
    push_line(
        &mut out,
        &mut first,
        "TopicArn",
        &json_text(&env.sns_arn(n.topic)),
    );
    if let Some(subject) = n.subject {
        push_line(&mut out, &mut first, "Subject", &json_text(subject));
    }
    push_line(&mut out, &mut first, "Message", &json_text(n.message));
    push_line(
        &mut out,
        &mut first,
        "Timestamp",
        &json_text(&iso_millis(n.time)),
    );
    if n.fifo.is_none() {
        push_line(&mut out, &mut first, "SignatureVersion", &json_text("1"));
        push_line(
            &mut out,
            &mut first,
            "Signature",
            &json_text(&signature(n.message_id)),
        );
        push_line(
            &mut out,
            &mut first,
            "SigningCertURL",
            &json_text(&signing_cert_url(env)),
        );
    }
    push_line(
        &mut out,
        &mut first,
        "UnsubscribeURL",
        &json_text(&unsubscribe_url(env, n.topic, n.subscription_id)),
    );
    let attrs = type_value_pairs(n.attributes);
    if !attrs.is_empty() {
        let mut block = String::from("{\n");
        for (i, (name, t, v)) in attrs.iter().enumerate() {
            if i > 0 {
                block.push_str(",\n");
            }
            block.push_str("    ");
            block.push_str(&json_text(name));
            block.push_str(" : {\"Type\":");
            block.push_str(&json_text(t));
            block.push_str(",\"Value\":");
            block.push_str(&json_text(v));
            block.push('}');
        }
        block.push_str("\n  }");
        push_line(&mut out, &mut first, "MessageAttributes", &block);
    }
    out.push_str("\n}");
    out
}

/// The message attributes SNS passes to an SQS queue subscribed with raw message delivery: the
/// publish's attributes, as SQS message attributes in the same normalised form (well-formed
/// entries only, in order; `String.Array` arrives as that data type with its JSON text).
pub fn raw_delivery_attributes(normalised: &Value) -> Value {
    let mut out = Map::new();
    for (name, t, v) in type_value_pairs(normalised) {
        let mut a = Map::new();
        a.insert("DataType".into(), Value::from(t));
        let field = if base_data_type(t) == Some("Binary") {
            "BinaryValue"
        } else {
            "StringValue"
        };
        a.insert(field.into(), Value::from(v));
        out.insert(name.to_string(), Value::Object(a));
    }
    Value::Object(out)
}

/// A number's JSON value from attribute text: an integer when it is one (and fits), else a
/// float; `None` if the text is not a finite number.
fn number_value(s: &str) -> Option<Value> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    if let Ok(u) = t.parse::<u64>() {
        return Some(Value::from(u));
    }
    let f = t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

/// The value SNS filter policies with scope `MessageAttributes` match against: `{name: value}`
/// where a `String` gives its text, a `Number` a JSON number (its text if unparsable), a
/// `String.Array` the array parsed from its JSON text (its text if that is not an array).
/// Binary attributes are left out.
pub fn filter_view(normalised: &Value) -> Value {
    let mut out = Map::new();
    for (name, t, v) in type_value_pairs(normalised) {
        let view = match base_data_type(t) {
            Some("Binary") | None => continue,
            Some("Number") => number_value(v).unwrap_or_else(|| Value::from(v)),
            _ if t == "String.Array" => match serde_json::from_str::<Value>(v) {
                Ok(arr @ Value::Array(_)) => arr,
                _ => Value::from(v),
            },
            _ => Value::from(v),
        };
        out.insert(name.to_string(), view);
    }
    Value::Object(out)
}
