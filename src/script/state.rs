//! The per-run state that the functions registered in the (shared, immutable) engine reach: a per-thread stack of
//! frames, one per [`super::run`] in progress on this thread, the innermost on top.
//!
//! # Soundness
//!
//! A frame holds raw pointers to the run's `&mut dyn Host` and `&Context`, with their lifetimes erased. This is
//! sound because:
//! - the frame is pushed by [`enter`] at the start of `run` and popped by the returned [`FrameGuard`]'s `Drop` before
//!   `run` returns (also when unwinding), while `run` still holds both borrows; `run` itself does not touch the
//!   host or the context while the frame exists, so the pointers are the only way to them;
//! - only the top frame is ever used, and the `RefCell` borrow of the stack is never held while the host runs: a
//!   host call copies the pointer out, releases the borrow, then makes the one `&mut` it needs for the duration of
//!   the call. A nested `run` (from inside `Host::sdk`) pushes and pops its own frame above it; the outer frame's
//!   pointer is not used again until the host call returned, so no two `&mut` to a host are live at once;
//! - everything is per thread (`thread_local!`), and frames never leave the thread that pushed them.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{
    Context, Host, MAX_LOG_BYTES_PER_RUN, MAX_LOG_LINES_PER_RUN, MAX_SDK_BYTES_PER_RUN,
    MAX_SDK_CALLS_PER_RUN,
};

/// One run in progress.
pub(super) struct Frame {
    host: *mut (dyn Host + 'static),
    ctx: *const Context,
    /// Virtual µs since the handler started.
    pub elapsed_us: u64,
    pub timeout_us: u64,
    /// Set once the clock reached the timeout: the run is over, whatever the script does.
    pub timed_out: bool,
    /// The last error an API function threw into the script: an uncaught error that is exactly this one gets its
    /// location appended to its message.
    pub api_error: Option<ApiError>,
    /// The payload of a panic of the host (re-raised by `run` once the script is stopped).
    pub host_panic: Option<Box<dyn Any + Send>>,
    /// Elements Rhai's data size checks visited during this run (see [`charge_data_checks`]).
    pub data_check_elements: u64,
    /// SDK calls made and bytes they sent, against [`MAX_SDK_CALLS_PER_RUN`] and [`MAX_SDK_BYTES_PER_RUN`].
    pub sdk_calls: u32,
    pub sdk_bytes: u64,
    /// Log lines and bytes written, against [`MAX_LOG_LINES_PER_RUN`] and [`MAX_LOG_BYTES_PER_RUN`].
    pub log_lines: u32,
    pub log_bytes: u64,
}

/// What happens to a log line (see [`charge_log`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LogCharge {
    /// Within the run's log budget: write it.
    Write,
    /// The line that passes the budget: write a notice in its place.
    Notice,
    /// Past the budget: drop it.
    Drop,
}

/// An error thrown by an API function (an SDK error, bad arguments, invalid JSON) and where.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ApiError {
    pub error_type: String,
    pub message: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    /// Address of a local of the outermost `run` on this thread: the stack guard's origin.
    static STACK_BASE: Cell<usize> = const { Cell::new(0) };
}

/// Native stack a run (with everything it calls, nested runs included) may use before the script is stopped. The
/// outermost `run` measures from its own frame; threads running scripts need this much stack plus what their caller
/// uses (Rust's default for spawned threads is 2 MiB).
pub(super) const STACK_BUDGET: usize = 1 << 20;

/// Pops the frame it was made for when dropped.
pub(super) struct FrameGuard {
    outermost: bool,
}

/// What a finished run leaves behind.
pub(super) struct Finished {
    pub elapsed_us: u64,
    pub timed_out: bool,
    pub api_error: Option<ApiError>,
    pub host_panic: Option<Box<dyn Any + Send>>,
}

/// Pushes the frame of a run. `stack_marker` is the address of a local of the caller (the stack guard's origin when
/// this is the outermost run on the thread).
pub(super) fn enter(host: &mut dyn Host, ctx: &Context, stack_marker: usize) -> FrameGuard {
    let host: *mut (dyn Host + '_) = host;
    // SAFETY: only the trait object's lifetime bound is erased (same layout); see the module docs for why the pointer
    // is never used after the borrow it came from ends.
    let host: *mut (dyn Host + 'static) = unsafe { std::mem::transmute(host) };
    // Size-check work not yet charged belongs to the run that is calling (a nested run starts here).
    let pending = rhai::take_data_check_work();
    with_top(|outer| outer.charge(pending));
    let outermost = FRAMES.with(|f| {
        let mut frames = f.borrow_mut();
        frames.push(Frame {
            host,
            ctx,
            elapsed_us: 0,
            timeout_us: ctx.timeout_us,
            timed_out: false,
            api_error: None,
            host_panic: None,
            data_check_elements: 0,
            sdk_calls: 0,
            sdk_bytes: 0,
            log_lines: 0,
            log_bytes: 0,
        });
        frames.len() == 1
    });
    if outermost {
        STACK_BASE.with(|b| b.set(stack_marker));
    }
    FrameGuard { outermost }
}

impl FrameGuard {
    /// Pops the frame and returns its clock.
    pub fn finish(self) -> Finished {
        // Work of the checks after the last operation (the result's check) ends with this run.
        rhai::take_data_check_work();
        let frame = FRAMES.with(|f| f.borrow_mut().pop());
        let finished = match frame {
            Some(f) => Finished {
                elapsed_us: f.elapsed_us,
                timed_out: f.timed_out,
                api_error: f.api_error,
                host_panic: f.host_panic,
            },
            None => Finished {
                elapsed_us: 0,
                timed_out: false,
                api_error: None,
                host_panic: None,
            },
        };
        if self.outermost {
            STACK_BASE.with(|b| b.set(0));
        }
        std::mem::forget(self);
        finished
    }
}

impl Drop for FrameGuard {
    fn drop(&mut self) {
        // Only reached when unwinding (`finish` forgets the guard).
        FRAMES.with(|f| {
            if let Ok(mut frames) = f.try_borrow_mut() {
                frames.pop();
            }
        });
        if self.outermost {
            STACK_BASE.with(|b| b.set(0));
        }
    }
}

/// Runs `f` on the top frame; `None` outside any run.
pub(super) fn with_top<R>(f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
    FRAMES.with(|frames| frames.borrow_mut().last_mut().map(f))
}

/// Runs `f` with the top run's context; `None` outside any run.
pub(super) fn with_context<R>(f: impl FnOnce(&Context, &Frame) -> R) -> Option<R> {
    FRAMES.with(|frames| {
        let frames = frames.borrow();
        let top = frames.last()?;
        // SAFETY: the context outlives the frame (module docs); it is only read.
        let ctx = unsafe { &*top.ctx };
        Some(f(ctx, top))
    })
}

/// Calls the top run's host with the current offset; `None` outside any run, or when the host panicked (now or
/// before): the panic is kept in the frame, for `run` to resume once the script has stopped, so that it unwinds
/// through the caller of `run` and not through the interpreter. The stack's borrow is released before `f` runs, so
/// the host may start a nested run.
pub(super) fn with_host<R>(f: impl FnOnce(&mut dyn Host, u64) -> R) -> Option<R> {
    let (host, offset) = FRAMES.with(|frames| {
        let frames = frames.borrow();
        let top = frames.last()?;
        top.host_panic
            .is_none()
            .then_some((top.host, top.elapsed_us))
    })?;
    // SAFETY: the host outlives the frame and no other reference to it is live during this call (module docs).
    let host = unsafe { &mut *host };
    match catch_unwind(AssertUnwindSafe(|| f(host, offset))) {
        Ok(r) => Some(r),
        Err(payload) => {
            with_top(|top| top.host_panic = Some(payload));
            None
        }
    }
}

/// Whether the top run's host has panicked.
pub(super) fn host_panicked() -> bool {
    with_top(|top| top.host_panic.is_some()).unwrap_or(false)
}

/// Counts an SDK call that sends `bytes` against the top run's caps; `Err` (the reason) once the call would pass one
/// of them (a refused call's bytes are not counted). `Ok` outside a run.
pub(super) fn charge_sdk_call(bytes: usize) -> Result<(), String> {
    with_top(|top| {
        top.sdk_calls = top.sdk_calls.saturating_add(1);
        let bytes = bytes as u64;
        if top.sdk_calls > MAX_SDK_CALLS_PER_RUN {
            Err(format!(
                "this invocation has made {MAX_SDK_CALLS_PER_RUN} SDK calls, the most eventflow allows in one invocation"
            ))
        } else if top.sdk_bytes.saturating_add(bytes) > MAX_SDK_BYTES_PER_RUN {
            Err(format!(
                "this invocation has sent {} bytes through SDK calls; {bytes} more would pass the {MAX_SDK_BYTES_PER_RUN} bytes eventflow allows in one invocation",
                top.sdk_bytes
            ))
        } else {
            top.sdk_bytes += bytes;
            Ok(())
        }
    })
    .unwrap_or(Ok(()))
}

/// Whether the top run has passed its log budget (its notice written): later lines are dropped unread.
pub(super) fn log_budget_spent() -> bool {
    with_top(|top| top.log_lines > MAX_LOG_LINES_PER_RUN || top.log_bytes > MAX_LOG_BYTES_PER_RUN)
        .unwrap_or(false)
}

/// Counts a log line of `bytes` against the top run's log budget. [`LogCharge::Write`] outside a run.
pub(super) fn charge_log(bytes: usize) -> LogCharge {
    with_top(|top| {
        let within = |lines: u32, total: u64| {
            lines <= MAX_LOG_LINES_PER_RUN && total <= MAX_LOG_BYTES_PER_RUN
        };
        let was_within = within(top.log_lines, top.log_bytes);
        top.log_lines = top.log_lines.saturating_add(1);
        top.log_bytes = top.log_bytes.saturating_add(bytes as u64);
        match (was_within, within(top.log_lines, top.log_bytes)) {
            (_, true) => LogCharge::Write,
            (true, false) => LogCharge::Notice,
            (false, false) => LogCharge::Drop,
        }
    })
    .unwrap_or(LogCharge::Write)
}

/// Advances the top run's clock by `us`; `false` when that reaches the timeout (the clock then stops at the timeout
/// and the run is marked timed out).
pub(super) fn advance(us: u64) -> bool {
    with_top(|top| {
        top.elapsed_us = top.elapsed_us.saturating_add(us);
        if top.elapsed_us >= top.timeout_us {
            top.elapsed_us = top.timeout_us;
            top.timed_out = true;
        }
        !top.timed_out
    })
    .unwrap_or(false)
}

/// Elements visited by a data size check that cost one operation of the budget. Measured on a debug build (Rhai at
/// `opt-level = 2`): a run of [`super::MAX_OPERATIONS`] simple operations takes 0.18 s of CPU, and pushing 100,000
/// elements one by one (each push re-checks the whole array: 5·10⁹ elements visited) 6.9 s, so about 64 elements
/// take as long as one operation. With this weight the budget bounds a run's CPU time whatever it spends it on.
pub(super) const DATA_CHECK_ELEMENTS_PER_OPERATION: u64 = 64;

impl Frame {
    fn charge(&mut self, elements: u64) {
        self.data_check_elements = self.data_check_elements.saturating_add(elements);
    }
}

/// Charges `elements` visited by Rhai's data size checks to the top run; `true` when its `operations` (Rhai's count)
/// plus the checks' work ([`DATA_CHECK_ELEMENTS_PER_OPERATION`] elements per operation) exceed
/// [`super::MAX_OPERATIONS`]: the run is then stopped as a runaway.
pub(super) fn charge_data_checks(operations: u64, elements: u64) -> bool {
    with_top(|top| {
        top.charge(elements);
        let spent =
            operations.saturating_add(top.data_check_elements / DATA_CHECK_ELEMENTS_PER_OPERATION);
        spent > super::MAX_OPERATIONS
    })
    .unwrap_or(false)
}

/// Whether the current thread has used more than [`STACK_BUDGET`] of native stack since the outermost run started.
pub(super) fn stack_exhausted() -> bool {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let base = STACK_BASE.with(Cell::get);
    // Stacks grow downwards on every platform we build for; a base of 0 means "no run".
    base != 0 && base.saturating_sub(here) > STACK_BUDGET
}
