//! The functions a handler calls: `log`, `work`, `env`, `rand`, `now`, `json::*` and the SDK namespaces (`sqs::send`,
//! `dynamodb::get`, …). Arguments are checked and normalised here into an [`SdkCall`]; the host does the rest.

use chrono::TimeDelta;
use rhai::{
    Dynamic, Engine, EvalAltResult, FLOAT, INT, ImmutableString, Map, Module, NativeCallContext,
};
use serde_json::Value;

use super::engine::{HOST_PANIC_TOKEN, TIMEOUT_TOKEN};
use super::state::{self, ApiError};
use super::{SdkCall, convert};

type R<T> = Result<T, Box<EvalAltResult>>;
type Ctx<'a> = NativeCallContext<'a>;

pub(super) fn register(engine: &mut Engine) {
    // `log(x)` with one argument always writes a log line, also for numbers (the math package's one-argument
    // `log` — the base-10 logarithm — is shadowed; `log(x, 10.0)` still is the logarithm).
    engine.register_fn("log", |v: Dynamic| write_log(|| convert::log_text(&v)));
    engine.register_fn("log", |v: INT| write_log(|| v.to_string()));
    engine.register_fn("log", |v: FLOAT| {
        write_log(|| convert::log_text(&Dynamic::from_float(v)))
    });
    engine.register_fn("work", work);
    engine.register_fn("env", env);
    engine.register_fn("rand", rand);
    engine.register_fn("now", now);

    let mut json_module = Module::new();
    json_module.set_native_fn("parse", json_parse);
    json_module.set_native_fn("stringify", json_stringify);
    engine.register_static_module("json", json_module.into());

    let mut sqs = Module::new();
    sqs.set_native_fn("send", |c: Ctx, q: Dynamic, b: Dynamic| {
        sqs_send(&c, q, b, Dynamic::UNIT)
    });
    sqs.set_native_fn("send", |c: Ctx, q: Dynamic, b: Dynamic, o: Dynamic| {
        sqs_send(&c, q, b, o)
    });
    engine.register_static_module("sqs", sqs.into());

    let mut sns = Module::new();
    sns.set_native_fn("publish", |c: Ctx, t: Dynamic, m: Dynamic| {
        sns_publish(&c, t, m, Dynamic::UNIT)
    });
    sns.set_native_fn("publish", |c: Ctx, t: Dynamic, m: Dynamic, o: Dynamic| {
        sns_publish(&c, t, m, o)
    });
    engine.register_static_module("sns", sns.into());

    let mut events = Module::new();
    events.set_native_fn("put", events_put);
    engine.register_static_module("events", events.into());

    engine.register_static_module("s3", s3_module().into());
    engine.register_static_module("dynamodb", dynamodb_module().into());
    engine.register_static_module("lambda", lambda_module().into());
    engine.register_static_module("rds", rds_module().into());

    let mut sfn = Module::new();
    sfn.set_native_fn("start", |c: Ctx, sm: Dynamic, input: Dynamic| {
        const F: &str = "sfn::start";
        let call = SdkCall::SfnStart {
            state_machine: id(&c, F, "state machine", &sm)?,
            input: json(&c, F, "input", &input)?,
        };
        sdk(&c, call)
    });
    sfn.set_native_fn("send_task_success", |c: Ctx, t: Dynamic, o: Dynamic| {
        const F: &str = "sfn::send_task_success";
        let call = SdkCall::SfnSendTaskSuccess {
            task_token: text(&c, F, "task token", &t)?,
            output: task_output(&c, F, &o)?,
        };
        sdk(&c, call)
    });
    sfn.set_native_fn("send_task_failure", |c: Ctx, t: Dynamic| {
        send_task_failure(&c, t, None)
    });
    sfn.set_native_fn(
        "send_task_failure",
        |c: Ctx, t: Dynamic, e: Dynamic, cause: Dynamic| send_task_failure(&c, t, Some((e, cause))),
    );
    sfn.set_native_fn("send_task_heartbeat", |c: Ctx, t: Dynamic| {
        const F: &str = "sfn::send_task_heartbeat";
        let call = SdkCall::SfnSendTaskHeartbeat {
            task_token: text(&c, F, "task token", &t)?,
        };
        sdk(&c, call)
    });
    engine.register_static_module("sfn", sfn.into());
}

/// `sfn::send_task_failure(token)` or `(token, error, cause)`: SendTaskFailure's error and cause are optional.
fn send_task_failure(c: &Ctx, t: Dynamic, error_cause: Option<(Dynamic, Dynamic)>) -> R<Dynamic> {
    const F: &str = "sfn::send_task_failure";
    let (error, cause) = match error_cause {
        Some((e, cause)) => (text(c, F, "error", &e)?, text(c, F, "cause", &cause)?),
        None => (String::new(), String::new()),
    };
    let call = SdkCall::SfnSendTaskFailure {
        task_token: text(c, F, "task token", &t)?,
        error,
        cause,
    };
    sdk(c, call)
}

/// A callback task's output: any value; a string is SendTaskSuccess's `output` itself, JSON text, and must parse
/// ("InvalidOutput: The provided JSON output data is invalid", AWS Step Functions API Reference,
/// SendTaskSuccess, https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
fn task_output(c: &Ctx, f: &str, v: &Dynamic) -> R<Value> {
    match as_text(v) {
        Some(s) => serde_json::from_str(&s).map_err(|e| {
            throw(
                c,
                "InvalidOutput",
                format!("{f}: the output is not valid JSON text ({e})"),
            )
        }),
        None => json(c, f, "output", v),
    }
}

/// `s3::put`, `s3::get`, `s3::delete`, `s3::copy`, `s3::put_multipart`.
fn s3_module() -> Module {
    let mut s3 = Module::new();
    s3.set_native_fn("put", |c: Ctx, b: Dynamic, k: Dynamic, body: Dynamic| {
        const F: &str = "s3::put";
        let call = SdkCall::S3Put {
            bucket: id(&c, F, "bucket", &b)?,
            key: text(&c, F, "key", &k)?,
            body: body_text(&c, F, "body", &body)?,
        };
        sdk(&c, call)
    });
    s3.set_native_fn("get", |c: Ctx, b: Dynamic, k: Dynamic| {
        const F: &str = "s3::get";
        let call = SdkCall::S3Get {
            bucket: id(&c, F, "bucket", &b)?,
            key: text(&c, F, "key", &k)?,
        };
        sdk(&c, call)
    });
    s3.set_native_fn("delete", |c: Ctx, b: Dynamic, k: Dynamic| {
        const F: &str = "s3::delete";
        let call = SdkCall::S3Delete {
            bucket: id(&c, F, "bucket", &b)?,
            key: text(&c, F, "key", &k)?,
        };
        sdk(&c, call)
    });
    s3.set_native_fn(
        "copy",
        |c: Ctx, sb: Dynamic, sk: Dynamic, b: Dynamic, k: Dynamic| {
            const F: &str = "s3::copy";
            let call = SdkCall::S3Copy {
                source_bucket: id(&c, F, "source bucket", &sb)?,
                source_key: text(&c, F, "source key", &sk)?,
                bucket: id(&c, F, "bucket", &b)?,
                key: text(&c, F, "key", &k)?,
            };
            sdk(&c, call)
        },
    );
    s3.set_native_fn(
        "put_multipart",
        |c: Ctx, b: Dynamic, k: Dynamic, parts: Dynamic| {
            const F: &str = "s3::put_multipart";
            let Some(list) = parts.clone().try_cast::<rhai::Array>() else {
                let found = describe(&c, &parts);
                return Err(invalid(
                    &c,
                    F,
                    format!("the parts must be an array of bodies, found {found}"),
                ));
            };
            if list.is_empty() {
                return Err(invalid(&c, F, "the parts must not be empty".to_string()));
            }
            let parts = list
                .iter()
                .map(|p| body_text(&c, F, "part", p))
                .collect::<R<Vec<String>>>()?;
            let call = SdkCall::S3PutMultipart {
                bucket: id(&c, F, "bucket", &b)?,
                key: text(&c, F, "key", &k)?,
                parts,
            };
            sdk(&c, call)
        },
    );
    s3
}

/// `dynamodb::put`, `get`, `update`, `delete` and `query`.
fn dynamodb_module() -> Module {
    let mut dynamodb = Module::new();
    dynamodb.set_native_fn("put", |c: Ctx, t: Dynamic, item: Dynamic| {
        const F: &str = "dynamodb::put";
        let call = SdkCall::DynamoPut {
            table: id(&c, F, "table", &t)?,
            item: object(&c, F, "item", &item)?,
        };
        sdk(&c, call)
    });
    dynamodb.set_native_fn("get", |c: Ctx, t: Dynamic, key: Dynamic| {
        const F: &str = "dynamodb::get";
        let call = SdkCall::DynamoGet {
            table: id(&c, F, "table", &t)?,
            key: object(&c, F, "key", &key)?,
        };
        sdk(&c, call)
    });
    dynamodb.set_native_fn(
        "update",
        |c: Ctx, t: Dynamic, key: Dynamic, changes: Dynamic| {
            const F: &str = "dynamodb::update";
            let call = SdkCall::DynamoUpdate {
                table: id(&c, F, "table", &t)?,
                key: object(&c, F, "key", &key)?,
                changes: object(&c, F, "changes", &changes)?,
            };
            sdk(&c, call)
        },
    );
    dynamodb.set_native_fn("delete", |c: Ctx, t: Dynamic, key: Dynamic| {
        const F: &str = "dynamodb::delete";
        let call = SdkCall::DynamoDelete {
            table: id(&c, F, "table", &t)?,
            key: object(&c, F, "key", &key)?,
        };
        sdk(&c, call)
    });
    dynamodb.set_native_fn("query", |c: Ctx, t: Dynamic, pv: Dynamic| {
        const F: &str = "dynamodb::query";
        let table = id(&c, F, "table", &t)?;
        let partition_value = if pv.is_string() || pv.is_char() || pv.is_int() || pv.is_float() {
            json(&c, F, "partition value", &pv)?
        } else {
            let found = describe(&c, &pv);
            return Err(invalid(
                &c,
                F,
                format!("the partition value must be a string or a number, found {found}"),
            ));
        };
        sdk(
            &c,
            SdkCall::DynamoQuery {
                table,
                partition_value,
            },
        )
    });
    dynamodb
}

/// `lambda::invoke` and `lambda::invoke_async`.
fn lambda_module() -> Module {
    let mut lambda = Module::new();
    lambda.set_native_fn("invoke", |c: Ctx, f: Dynamic, payload: Dynamic| {
        const F: &str = "lambda::invoke";
        let call = SdkCall::LambdaInvoke {
            function: id(&c, F, "function", &f)?,
            payload: json(&c, F, "payload", &payload)?,
        };
        sdk(&c, call)
    });
    lambda.set_native_fn("invoke_async", |c: Ctx, f: Dynamic, payload: Dynamic| {
        const F: &str = "lambda::invoke_async";
        let call = SdkCall::LambdaInvokeAsync {
            function: id(&c, F, "function", &f)?,
            payload: json(&c, F, "payload", &payload)?,
        };
        sdk(&c, call)
    });
    lambda
}

/// `rds::query(db, sql)` and `rds::query(db, sql, params)`.
fn rds_module() -> Module {
    let mut rds = Module::new();
    rds.set_native_fn("query", |c: Ctx, db: Dynamic, sql: Dynamic| {
        rds_query(&c, db, sql, Dynamic::UNIT)
    });
    rds.set_native_fn(
        "query",
        |c: Ctx, db: Dynamic, sql: Dynamic, params: Dynamic| rds_query(&c, db, sql, params),
    );
    rds
}

fn rds_query(c: &Ctx, db: Dynamic, sql: Dynamic, params: Dynamic) -> R<Dynamic> {
    const F: &str = "rds::query";
    let database = id(c, F, "database", &db)?;
    let sql = text(c, F, "statement", &sql)?;
    let params = if params.is_unit() {
        Vec::new()
    } else if params.is_array() {
        match json(c, F, "params", &params)? {
            Value::Array(values) => values,
            other => vec![other],
        }
    } else {
        let found = describe(c, &params);
        return Err(invalid(
            c,
            F,
            format!("the params must be an array (bound to the ? placeholders), found {found}"),
        ));
    };
    sdk(
        c,
        SdkCall::RdsQuery {
            database,
            sql,
            params,
        },
    )
}

// ---- errors ---------------------------------------------------------------------------------------------------------

/// Throws `#{errorType, errorMessage}` at the call, catchable by the script, and remembers it (see
/// `errors::error_object`).
fn throw(c: &Ctx, error_type: &str, message: String) -> Box<EvalAltResult> {
    throw_with_code(c, error_type, message, None)
}

/// As [`throw`], with the engine's own error code as `code` (a database error).
fn throw_with_code(
    c: &Ctx,
    error_type: &str,
    message: String,
    code: Option<String>,
) -> Box<EvalAltResult> {
    let pos = c.call_position();
    state::with_top(|f| {
        f.api_error = Some(ApiError {
            error_type: error_type.to_string(),
            message: message.clone(),
            line: pos.line(),
            col: pos.position(),
        });
    });
    let mut m = Map::new();
    m.insert(
        "errorType".into(),
        Dynamic::from(ImmutableString::from(error_type)),
    );
    m.insert(
        "errorMessage".into(),
        Dynamic::from(ImmutableString::from(message)),
    );
    if let Some(code) = code {
        m.insert("code".into(), Dynamic::from(ImmutableString::from(code)));
    }
    EvalAltResult::ErrorRuntime(Dynamic::from_map(m), pos).into()
}

/// Bad arguments: `ValidationException` with the function's name.
fn invalid(c: &Ctx, function: &str, message: String) -> Box<EvalAltResult> {
    throw(c, "ValidationException", format!("{function}: {message}"))
}

/// Stops the script: the virtual clock reached the timeout (not catchable).
fn timed_out(c: &Ctx) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(Dynamic::from(TIMEOUT_TOKEN), c.call_position()).into()
}

/// The host could not be called: it panicked (stop the script; `run` resumes the panic), or there is no run.
fn no_host(c: &Ctx) -> Box<EvalAltResult> {
    if state::host_panicked() {
        EvalAltResult::ErrorTerminated(Dynamic::from(HOST_PANIC_TOKEN), c.call_position()).into()
    } else {
        outside(c)
    }
}

fn outside(c: &Ctx) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(
        Dynamic::from(format!("{} called outside a handler run", c.fn_name())),
        c.call_position(),
    )
    .into()
}

/// "a string", "an integer", "a map", … for messages.
fn describe(c: &Ctx, v: &Dynamic) -> String {
    if v.is_unit() {
        return "()".into();
    }
    let name = c.engine().map_type_name(v.type_name());
    match name {
        "i64" => "an integer".into(),
        "f64" => "a float".into(),
        "bool" => "a boolean".into(),
        "string" => "a string".into(),
        "char" => "a character".into(),
        "array" => "an array".into(),
        "map" => "a map".into(),
        "Fn" => "a function pointer".into(),
        other => format!("a {other}"),
    }
}

// ---- arguments ------------------------------------------------------------------------------------------------------

fn as_text(v: &Dynamic) -> Option<String> {
    if let Some(s) = v.read_lock::<ImmutableString>() {
        return Some(s.to_string());
    }
    v.as_char().ok().map(String::from)
}

/// A resource id.
fn id(c: &Ctx, f: &str, what: &str, v: &Dynamic) -> R<String> {
    as_text(v).ok_or_else(|| {
        let found = describe(c, v);
        invalid(
            c,
            f,
            format!("the {what} must be a string (a resource id), found {found}"),
        )
    })
}

/// A string argument.
fn text(c: &Ctx, f: &str, what: &str, v: &Dynamic) -> R<String> {
    as_text(v).ok_or_else(|| {
        let found = describe(c, v);
        invalid(c, f, format!("the {what} must be a string, found {found}"))
    })
}

/// A message or object body: a string as it is, a map or an array as its JSON text, a number or boolean as its
/// JSON text.
fn body_text(c: &Ctx, f: &str, what: &str, v: &Dynamic) -> R<String> {
    if let Some(s) = as_text(v) {
        return Ok(s);
    }
    if v.is_map() || v.is_array() || v.is_int() || v.is_float() || v.is_bool() {
        return Ok(json(c, f, what, v)?.to_string());
    }
    let found = describe(c, v);
    Err(invalid(
        c,
        f,
        format!("the {what} must be a string or a map, found {found}"),
    ))
}

/// Any value as JSON.
fn json(c: &Ctx, f: &str, what: &str, v: &Dynamic) -> R<Value> {
    convert::to_json(v).map_err(|why| {
        invalid(
            c,
            f,
            format!("the {what} cannot be converted to JSON: {why}"),
        )
    })
}

/// A map, as a JSON object.
fn object(c: &Ctx, f: &str, what: &str, v: &Dynamic) -> R<Value> {
    if !v.is_map() {
        let found = describe(c, v);
        return Err(invalid(
            c,
            f,
            format!("the {what} must be a map, found {found}"),
        ));
    }
    json(c, f, what, v)
}

/// An options map (or `()`), its keys checked.
fn options(c: &Ctx, f: &str, v: &Dynamic, allowed: &[&str]) -> R<Map> {
    if v.is_unit() {
        return Ok(Map::new());
    }
    let Some(map) = v.read_lock::<Map>().map(|m| m.clone()) else {
        let found = describe(c, v);
        return Err(invalid(
            c,
            f,
            format!("the options must be a map, found {found}"),
        ));
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(
            c,
            f,
            format!(
                "unknown option \"{k}\" (the options are {})",
                allowed.join(", ")
            ),
        ));
    }
    Ok(map)
}

/// An optional string member of an options map.
fn opt_text(c: &Ctx, f: &str, map: &Map, key: &str) -> R<Option<String>> {
    match map.get(key) {
        None => Ok(None),
        Some(v) if v.is_unit() => Ok(None),
        Some(v) => text(c, f, key, v).map(Some),
    }
}

/// Message attributes: name → string | number | `#{DataType, StringValue}`, normalised to the AWS form.
fn attributes(c: &Ctx, f: &str, v: Option<&Dynamic>) -> R<Value> {
    let mut out = serde_json::Map::new();
    let Some(v) = v.filter(|v| !v.is_unit()) else {
        return Ok(Value::Object(out));
    };
    let Some(map) = v.read_lock::<Map>().map(|m| m.clone()) else {
        let found = describe(c, v);
        return Err(invalid(
            c,
            f,
            format!("attributes must be a map (name → value), found {found}"),
        ));
    };
    let aws = |data_type: &str, value: String| serde_json::json!({ "DataType": data_type, "StringValue": value });
    for (name, value) in &map {
        let attr = if let Some(s) = as_text(value) {
            aws("String", s)
        } else if value.is_int() || value.is_float() {
            aws("Number", json(c, f, "attribute", value)?.to_string())
        } else if let Some(m) = value.read_lock::<Map>().map(|m| m.clone()) {
            if let Some(k) = m
                .keys()
                .find(|k| !matches!(k.as_str(), "DataType" | "StringValue"))
            {
                return Err(invalid(
                    c,
                    f,
                    format!(
                        "attribute \"{name}\": unknown key \"{k}\" (expected DataType and StringValue)"
                    ),
                ));
            }
            let data_type = m.get("DataType").and_then(as_text).ok_or_else(|| {
                invalid(
                    c,
                    f,
                    format!("attribute \"{name}\" needs a \"DataType\" (\"String\" or \"Number\")"),
                )
            })?;
            let string_value = match m.get("StringValue") {
                Some(v) if v.is_int() || v.is_float() => json(c, f, "attribute", v)?.to_string(),
                Some(v) => as_text(v).ok_or_else(|| {
                    invalid(
                        c,
                        f,
                        format!("attribute \"{name}\": \"StringValue\" must be a string"),
                    )
                })?,
                None => {
                    return Err(invalid(
                        c,
                        f,
                        format!("attribute \"{name}\" needs a \"StringValue\""),
                    ));
                }
            };
            aws(&data_type, string_value)
        } else {
            let found = describe(c, value);
            return Err(invalid(
                c,
                f,
                format!(
                    "attribute \"{name}\" must be a string, a number or #{{DataType, StringValue}}, found {found}"
                ),
            ));
        };
        out.insert(name.to_string(), attr);
    }
    Ok(Value::Object(out))
}

// ---- the calls ------------------------------------------------------------------------------------------------------

/// Makes an SDK call at the current offset, advances the clock by its latency, and returns its result or throws its
/// error.
fn sdk(c: &Ctx, call: SdkCall) -> R<Dynamic> {
    match state::with_top(|f| f.timed_out) {
        None => return Err(outside(c)),
        Some(true) => return Err(timed_out(c)),
        Some(false) => {}
    }
    if let Err(why) = state::charge_sdk_call(call.request_bytes()) {
        let message = format!("{}.{}: {why}", call.service(), call.operation());
        return Err(throw(c, "SdkCallLimitExceeded", message));
    }
    let answer =
        state::with_host(|host, offset| host.sdk(offset, call)).ok_or_else(|| no_host(c))?;
    if !state::advance(answer.latency_us) {
        return Err(timed_out(c));
    }
    match answer.result {
        Ok(v) => convert::from_json(&v).map_err(|why| {
            throw(
                c,
                "ScriptError",
                format!("{}: the result cannot be converted: {why}", c.fn_name()),
            )
        }),
        Err(e) => Err(throw_with_code(c, &e.error_type, e.message, e.code)),
    }
}

fn sqs_send(c: &Ctx, queue: Dynamic, body: Dynamic, opts: Dynamic) -> R<Dynamic> {
    const F: &str = "sqs::send";
    let queue = id(c, F, "queue", &queue)?;
    let body = body_text(c, F, "message body", &body)?;
    let o = options(
        c,
        F,
        &opts,
        &["attributes", "group_id", "deduplication_id", "delay_s"],
    )?;
    let delay_s = match o.get("delay_s").filter(|v| !v.is_unit()) {
        None => None,
        Some(v) => match v.as_int() {
            Ok(d) if (0..=900).contains(&d) => Some(d as u32),
            _ => {
                let found = v.to_string();
                return Err(invalid(
                    c,
                    F,
                    format!("delay_s must be an integer from 0 to 900, found {found}"),
                ));
            }
        },
    };
    let call = SdkCall::SqsSend {
        queue,
        body,
        attributes: attributes(c, F, o.get("attributes"))?,
        group_id: opt_text(c, F, &o, "group_id")?,
        deduplication_id: opt_text(c, F, &o, "deduplication_id")?,
        delay_s,
    };
    sdk(c, call)
}

fn sns_publish(c: &Ctx, topic: Dynamic, message: Dynamic, opts: Dynamic) -> R<Dynamic> {
    const F: &str = "sns::publish";
    let topic = id(c, F, "topic", &topic)?;
    let message = body_text(c, F, "message", &message)?;
    let o = options(c, F, &opts, &["subject", "attributes", "group_id"])?;
    let call = SdkCall::SnsPublish {
        topic,
        message,
        subject: opt_text(c, F, &o, "subject")?,
        attributes: attributes(c, F, o.get("attributes"))?,
        group_id: opt_text(c, F, &o, "group_id")?,
    };
    sdk(c, call)
}

fn events_put(c: Ctx, bus: Dynamic, entry: Dynamic) -> R<Dynamic> {
    const F: &str = "events::put";
    let c = &c;
    let bus = id(c, F, "bus", &bus)?;
    if !entry.is_map() {
        let found = describe(c, &entry);
        return Err(invalid(
            c,
            F,
            format!(
                "the entry must be a map #{{ source, \"detail-type\", detail, resources }}, found {found}"
            ),
        ));
    }
    let e = options(
        c,
        F,
        &entry,
        &[
            "source",
            "detail-type",
            "detail_type",
            "detail",
            "resources",
        ],
    )?;
    let required = |key: &str| -> R<String> {
        match e.get(key).filter(|v| !v.is_unit()) {
            Some(v) => text(c, F, &format!("entry's \"{key}\""), v),
            None => Err(invalid(
                c,
                F,
                format!("the entry needs \"{key}\" (a string)"),
            )),
        }
    };
    let source = required("source")?;
    // `detail_type` is accepted for `"detail-type"` (a map literal key without quotes).
    let key = if e.contains_key("detail_type") && !e.contains_key("detail-type") {
        "detail_type"
    } else {
        "detail-type"
    };
    let detail_type = required(key)?;
    let detail = match e.get("detail").filter(|v| !v.is_unit()) {
        None => Value::Object(serde_json::Map::new()),
        Some(v) if v.is_map() => json(c, F, "detail", v)?,
        Some(v) => match as_text(v).and_then(|s| serde_json::from_str::<Value>(&s).ok()) {
            // PutEvents takes the detail as JSON text: text that holds an object is accepted too.
            Some(obj @ Value::Object(_)) => obj,
            _ => {
                let found = describe(c, v);
                return Err(invalid(
                    c,
                    F,
                    format!(
                        "the entry's \"detail\" must be a map (or the JSON text of an object), found {found}"
                    ),
                ));
            }
        },
    };
    let resources = match e.get("resources").filter(|v| !v.is_unit()) {
        None => Vec::new(),
        Some(v) => {
            let items = v
                .read_lock::<rhai::Array>()
                .map(|a| a.clone())
                .ok_or_else(|| {
                    let found = describe(c, v);
                    invalid(
                        c,
                        F,
                        format!(
                            "the entry's \"resources\" must be an array of strings, found {found}"
                        ),
                    )
                })?;
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                out.push(Value::String(text(
                    c,
                    F,
                    "entry's \"resources\" item",
                    item,
                )?));
            }
            out
        }
    };
    let mut obj = serde_json::Map::new();
    obj.insert("source".into(), Value::String(source));
    obj.insert("detail-type".into(), Value::String(detail_type));
    obj.insert("detail".into(), detail);
    obj.insert("resources".into(), Value::Array(resources));
    sdk(
        c,
        SdkCall::EventsPut {
            bus,
            entry: Value::Object(obj),
        },
    )
}

// ---- the rest of the API --------------------------------------------------------------------------------------------

/// Writes a log line at the current offset (no-op outside a run).
/// Past the run's log budget ([`super::MAX_LOG_BYTES_PER_RUN`], [`super::MAX_LOG_LINES_PER_RUN`]) one notice
/// replaces the line that passes it and later lines are dropped.
/// The text is built only while the budget lasts.
pub(super) fn write_log(message: impl FnOnce() -> String) {
    if state::log_budget_spent() {
        return;
    }
    let message = message();
    let message = match state::charge_log(message.len()) {
        state::LogCharge::Write => message,
        state::LogCharge::Notice => format!(
            "eventflow: this invocation's log output passed {} lines or {} bytes; its further lines are dropped",
            super::MAX_LOG_LINES_PER_RUN,
            super::MAX_LOG_BYTES_PER_RUN
        ),
        state::LogCharge::Drop => return,
    };
    state::with_host(|host, offset| host.log(offset, message));
}

fn work(c: Ctx, ms: Dynamic) -> R<()> {
    let us = if let Ok(i) = ms.as_int() {
        (i >= 0).then(|| (i as u64).saturating_mul(1000))
    } else if let Ok(x) = ms.as_float() {
        // `as` saturates: a huge finite value is u64::MAX µs.
        (x >= 0.0 && x.is_finite()).then(|| (x * 1000.0).round() as u64)
    } else {
        None
    };
    let Some(us) = us else {
        let found = if ms.is_int() || ms.is_float() {
            ms.to_string()
        } else {
            describe(&c, &ms)
        };
        return Err(invalid(
            &c,
            "work",
            format!("ms must be a number of milliseconds ≥ 0, found {found}"),
        ));
    };
    match state::with_top(|f| f.timed_out) {
        None => return Err(outside(&c)),
        Some(true) => return Err(timed_out(&c)),
        Some(false) => {}
    }
    if state::advance(us) {
        Ok(())
    } else {
        Err(timed_out(&c))
    }
}

fn env(c: Ctx, name: Dynamic) -> R<Dynamic> {
    let name = text(&c, "env", "name", &name)?;
    state::with_context(|ctx, _| {
        ctx.environment
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(Dynamic::UNIT, |(_, v)| {
                Dynamic::from(ImmutableString::from(v.as_str()))
            })
    })
    .ok_or_else(|| outside(&c))
}

fn rand(c: Ctx) -> R<FLOAT> {
    state::with_host(|host, _| host.rand() as FLOAT).ok_or_else(|| no_host(&c))
}

fn now(c: Ctx) -> R<ImmutableString> {
    state::with_context(|ctx, frame| {
        let at = i64::try_from(frame.elapsed_us)
            .ok()
            .and_then(|us| {
                ctx.start_time
                    .checked_add_signed(TimeDelta::microseconds(us))
            })
            .unwrap_or(ctx.start_time);
        ImmutableString::from(crate::events::iso_millis(at))
    })
    .ok_or_else(|| outside(&c))
}

fn json_parse(c: Ctx, text_arg: Dynamic) -> R<Dynamic> {
    let s = text(&c, "json::parse", "text", &text_arg)?;
    let value: Value = serde_json::from_str(&s)
        .map_err(|e| throw(&c, "SyntaxError", format!("json::parse: {e}")))?;
    convert::from_json(&value)
        .map_err(|why| throw(&c, "SyntaxError", format!("json::parse: {why}")))
}

fn json_stringify(c: Ctx, value: Dynamic) -> R<ImmutableString> {
    let v = json(&c, "json::stringify", "value", &value)?;
    Ok(v.to_string().into())
}
