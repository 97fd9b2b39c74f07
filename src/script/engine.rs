//! The one sandboxed Rhai engine (built once per process), compiling, and running a handler.

use std::sync::OnceLock;

use rhai::module_resolvers::DummyModuleResolver;
use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicFnPackage, BasicIteratorPackage, BasicMapPackage,
    BasicMathPackage, BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{
    AST, CallFnOptions, Dynamic, Engine, EvalAltResult, INT, ImmutableString, OptimizationLevel,
    Scope,
};
use serde_json::Value;

use super::{
    Context, Handler, Host, MAX_CALL_LEVELS, MAX_COLLECTION_SIZE, MAX_DEPTH, MAX_OPERATIONS,
    MAX_STRING_SIZE, Outcome, ScriptError, api, convert, errors, state,
};

/// The value of `ErrorTerminated` when the virtual clock reached the timeout.
pub(super) const TIMEOUT_TOKEN: &str = "eventflow:timeout";
/// The value of `ErrorTerminated` when the host panicked (the panic is resumed by `run`).
pub(super) const HOST_PANIC_TOKEN: &str = "eventflow:host-panic";
/// The value of `ErrorTerminated` when the native stack budget ran out.
pub(super) const STACK_TOKEN: &str = "eventflow:stack";
/// The value of `ErrorTerminated` when the operation budget ran out counting the work of data size checks (the
/// same outcome as Rhai's own `ErrorTooManyOperations`: a runaway, reported as a timeout).
pub(super) const OPERATIONS_TOKEN: &str = "eventflow:operations";

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// The shared engine.
pub(super) fn engine() -> &'static Engine {
    ENGINE.get_or_init(build)
}

fn build() -> Engine {
    let mut engine = Engine::new_raw();
    // The standard library minus the language-core package (`sleep` reads the wall clock and blocks, `exit`,
    // `parse_json`) and minus blobs, bit fields and timestamps.
    ArithmeticPackage::new().register_into_engine(&mut engine);
    LogicPackage::new().register_into_engine(&mut engine);
    BasicStringPackage::new().register_into_engine(&mut engine);
    MoreStringPackage::new().register_into_engine(&mut engine);
    BasicIteratorPackage::new().register_into_engine(&mut engine);
    BasicFnPackage::new().register_into_engine(&mut engine);
    BasicMathPackage::new().register_into_engine(&mut engine);
    BasicArrayPackage::new().register_into_engine(&mut engine);
    BasicMapPackage::new().register_into_engine(&mut engine);

    // No code from anywhere but the script itself.
    engine.set_module_resolver(DummyModuleResolver::new());
    engine.disable_symbol("eval");
    engine.disable_symbol("import");
    engine.set_optimization_level(OptimizationLevel::Simple);

    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(MAX_CALL_LEVELS);
    engine.set_max_string_size(MAX_STRING_SIZE);
    engine.set_max_array_size(MAX_COLLECTION_SIZE);
    engine.set_max_map_size(MAX_COLLECTION_SIZE);
    // Rhai's size checks (vendor/rhai/PATCHED.md) refuse values nested deeper than this, which keeps every
    // recursive walk over a script value (clone, drop, display, conversion) shallow.
    rhai::set_max_data_depth(MAX_DEPTH);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_variables(10_000);
    engine.set_max_functions(10_000);
    // Called before every operation: stop a run whose native stack use nears the budget (deep recursion in a debug
    // build, deeply nested runs) before it could overflow, and one whose operations plus the work of Rhai's data
    // size checks since it started exceed the budget.
    engine.on_progress(|operations| {
        if state::stack_exhausted() {
            return Some(Dynamic::from(STACK_TOKEN));
        }
        let work = rhai::take_data_check_work();
        state::charge_data_checks(operations, work).then(|| Dynamic::from(OPERATIONS_TOKEN))
    });

    engine.on_print(|text| api::write_log(|| text.to_string()));
    engine.on_debug(|text, _, _| api::write_log(|| text.to_string()));

    engine
        .register_type_with_name::<LambdaContext>("LambdaContext")
        .register_get("function_name", |c: &mut LambdaContext| {
            c.function_name.clone()
        })
        .register_get("aws_request_id", |c: &mut LambdaContext| {
            c.aws_request_id.clone()
        })
        .register_get("memory_limit_in_mb", |c: &mut LambdaContext| {
            c.memory_limit_in_mb
        })
        .register_get("invoked_function_arn", |c: &mut LambdaContext| {
            c.invoked_function_arn.clone()
        })
        .register_get("log_group_name", |c: &mut LambdaContext| {
            c.log_group_name.clone()
        })
        .register_get("log_stream_name", |c: &mut LambdaContext| {
            c.log_stream_name.clone()
        })
        .register_indexer_get(|c: &mut LambdaContext, name: &str| c.field(name))
        .register_fn("remaining_time_ms", |_: &mut LambdaContext| {
            remaining_time_ms()
        })
        // The Node.js runtime's name for it.
        .register_fn("get_remaining_time_in_millis", |_: &mut LambdaContext| {
            remaining_time_ms()
        })
        .register_fn("to_string", |c: &mut LambdaContext| c.to_json().to_string())
        .register_fn("to_debug", |c: &mut LambdaContext| c.to_json().to_string());

    api::register(&mut engine);
    engine
}

fn remaining_time_ms() -> INT {
    state::with_top(|f| (f.timeout_us.saturating_sub(f.elapsed_us) / 1000) as INT).unwrap_or(0)
}

/// `context` as the script sees it.
#[derive(Debug, Clone)]
pub(super) struct LambdaContext {
    function_name: ImmutableString,
    aws_request_id: ImmutableString,
    memory_limit_in_mb: INT,
    invoked_function_arn: ImmutableString,
    log_group_name: ImmutableString,
    log_stream_name: ImmutableString,
}

impl LambdaContext {
    fn new(c: &Context) -> LambdaContext {
        LambdaContext {
            function_name: c.function_name.as_str().into(),
            aws_request_id: c.aws_request_id.as_str().into(),
            memory_limit_in_mb: INT::from(c.memory_limit_in_mb),
            invoked_function_arn: c.invoked_function_arn.as_str().into(),
            log_group_name: c.log_group_name.as_str().into(),
            log_stream_name: c.log_stream_name.as_str().into(),
        }
    }

    /// The fields as a JSON object (for `log(context)`, `json::stringify(context)`, `to_string`).
    pub(super) fn to_json(&self) -> Value {
        // Sorted keys, like every other map a script writes.
        serde_json::json!({
            "aws_request_id": self.aws_request_id.as_str(),
            "function_name": self.function_name.as_str(),
            "invoked_function_arn": self.invoked_function_arn.as_str(),
            "log_group_name": self.log_group_name.as_str(),
            "log_stream_name": self.log_stream_name.as_str(),
            "memory_limit_in_mb": self.memory_limit_in_mb,
        })
    }

    /// `context["name"]`: a field by name, `()` for anything else.
    fn field(&mut self, name: &str) -> Dynamic {
        match name {
            "function_name" => self.function_name.clone().into(),
            "aws_request_id" => self.aws_request_id.clone().into(),
            "memory_limit_in_mb" => self.memory_limit_in_mb.into(),
            "invoked_function_arn" => self.invoked_function_arn.clone().into(),
            "log_group_name" => self.log_group_name.clone().into(),
            "log_stream_name" => self.log_stream_name.clone().into(),
            _ => Dynamic::UNIT,
        }
    }
}

/// Compiles a script and checks its `handler`.
pub(super) fn compile(source: &str, label: &str) -> Result<AST, ScriptError> {
    let engine = engine();
    let mut ast = engine
        .compile(source)
        .map_err(|e| errors::parse_error(&e, source, label))?;
    errors::check_handler(&ast, source, label)?;
    ast.set_source(label);
    Ok(ast)
}

/// Runs a handler (see [`super::run`]).
pub(super) fn run(handler: &Handler, event: &Value, ctx: &Context, host: &mut dyn Host) -> Outcome {
    let marker = 0u8;
    let guard = state::enter(host, ctx, std::ptr::addr_of!(marker) as usize);
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(handler, event, ctx)));
    let mut finished = guard.finish();
    if let Some(payload) = finished.host_panic.take() {
        std::panic::resume_unwind(payload);
    }
    let timeout = || Outcome {
        elapsed_us: ctx.timeout_us,
        result: Err(crate::events::timeout_error(
            &ctx.aws_request_id,
            (ctx.timeout_us / 1_000_000) as u32,
        )),
        timed_out: true,
    };
    if finished.timed_out {
        return timeout();
    }
    let result = match result {
        // Rhai checks sizes when values are used, not when the handler returns one: check the result here.
        Ok(Ok(value)) => match engine()
            .ensure_data_size_within_limits(&value)
            .map_err(|e| e.to_string())
            .and_then(|()| convert::to_json(&value))
        {
            Ok(v) => Ok(v),
            Err(why) => Err(errors::plain(
                "ScriptError",
                &format!("the handler's result cannot be returned: {why}"),
            )),
        },
        Ok(Err(Called::Event(why))) => Err(errors::plain(
            "ScriptError",
            &format!("the event cannot be converted for the script: {why}"),
        )),
        Ok(Err(Called::Script(err))) => {
            if is_runaway(err.unwrap_inner()) {
                return timeout();
            }
            Err(errors::error_object(
                &err,
                handler,
                finished.api_error.as_ref(),
            ))
        }
        Err(_) => Err(errors::plain(
            "ScriptError",
            "internal error of the script engine",
        )),
    };
    Outcome {
        elapsed_us: finished.elapsed_us,
        result,
        timed_out: false,
    }
}

/// Whether a run ended because it spent the operation budget (Rhai's count, or ours with the size checks' work).
fn is_runaway(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorTooManyOperations(..) => true,
        EvalAltResult::ErrorTerminated(token, _) => token
            .read_lock::<ImmutableString>()
            .is_some_and(|s| s.as_str() == OPERATIONS_TOKEN),
        _ => false,
    }
}

enum Called {
    Event(String),
    Script(Box<EvalAltResult>),
}

fn call(handler: &Handler, event: &Value, ctx: &Context) -> Result<Dynamic, Called> {
    let event = convert::from_json(event).map_err(Called::Event)?;
    let context = Dynamic::from(LambdaContext::new(ctx));
    let mut scope = Scope::new();
    // Top-level statements run first (`eval_ast`), in the same evaluation, so that their constants are visible to
    // functions as `global::NAME`.
    engine()
        .call_fn_with_options::<Dynamic>(
            CallFnOptions::new().eval_ast(true).rewind_scope(true),
            &mut scope,
            handler.ast(),
            "handler",
            (event, context),
        )
        .map_err(Called::Script)
}
