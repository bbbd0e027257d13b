//! The panic hook: one error line with the current span's ids, the panic's location and, when
//! backtraces are enabled, its stack trace, and the span half (`engine::panic`: the current span
//! marked as failed, the message kept for the spans the unwinding ends), before the previous
//! hook runs as usual. The line is the panic's one log record (semantic conventions,
//! "Exceptions in logs"), at ERROR, or FATAL when the panic ends `main`.
//!
//! Whether a panic ends `main` is known only after the hook: on the main thread of a
//! `#[traced_service]`, the hook holds the line back (with the ids it would have carried), and
//! the service's guard, dropped at the end of `main`, emits it at FATAL when `main` is
//! unwinding. Any sign that the panic was caught emits it at ERROR first: a span starting or
//! ending on the thread outside an unwinding (see `engine::held`), the next panic, the guard
//! dropped without unwinding. When panics abort (`panic = "abort"`) the line is emitted at
//! once, since no guard will run; so is every line off that thread. Out of reach: a second
//! panic on that thread while the first unwinds (in a `Drop`), which aborts the process
//! before the guard runs, and a `process::exit` after a caught panic with no span started
//! since: that line is lost.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{MAX_STACKTRACE, PANIC_TARGET};
use crate::engine::{self, panic};

/// Our hook is in the chain; installing again would log every panic twice.
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Set while this thread logs a panic: a panic from inside that logging (a subscriber's
    /// bug) is left to the previous hook instead of recursing.
    static LOGGING_PANIC: Cell<bool> = const { Cell::new(false) };
    /// This thread runs a `#[traced_service]` `main`.
    static SERVICE_MAIN: Cell<bool> = const { Cell::new(false) };
    /// The line of a panic on the service's main thread, until its fate is known.
    static HELD: RefCell<Option<PanicLine>> = const { RefCell::new(None) };
}

/// What a panic's line says, kept to be emitted later.
struct PanicLine {
    ids: Option<(u128, u64, u8)>,
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    thread: String,
    message: String,
    stacktrace: Option<String>,
}

/// Installs the hook once per process, chained to whatever hook was there (the default one
/// prints the usual `thread '…' panicked at` message and the backtrace).
pub(crate) fn install_panic_hook() {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return;
    }
    engine::held::on_release(|| release(false));
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        log_panic(info);
        previous(info);
    }));
}

/// This thread runs a `#[traced_service]` `main`: a panic here holds its line back until the
/// service's guard says whether it ended `main` (see the module documentation).
pub(crate) fn mark_service_main() {
    let _ = SERVICE_MAIN.try_with(|main| main.set(true));
}

/// Emits the line this thread holds back, if any: at FATAL when `fatal` (the panic ends
/// `main`), else at ERROR.
pub(crate) fn release(fatal: bool) {
    let held = HELD
        .try_with(|held| held.try_borrow_mut().ok().and_then(|mut held| held.take()))
        .ok()
        .flatten();
    if let Some(line) = held {
        engine::as_if_current(line.ids, || emit(&line, fatal));
    }
}

/// The backtrace of the panic, when backtraces are enabled (`RUST_BACKTRACE` or
/// `RUST_LIB_BACKTRACE`), at most [`MAX_STACKTRACE`] bytes.
fn stacktrace() -> Option<String> {
    let backtrace = Backtrace::capture();
    if backtrace.status() != BacktraceStatus::Captured {
        return None;
    }
    let mut text = backtrace.to_string();
    if text.len() > MAX_STACKTRACE {
        let mut end = MAX_STACKTRACE;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    Some(text)
}

fn log_panic(info: &PanicHookInfo<'_>) {
    if LOGGING_PANIC.try_with(|flag| flag.replace(true)) != Ok(false) {
        return;
    }
    let payload = info.payload();
    let message = panic::payload_text(payload).unwrap_or("Box<dyn Any>");
    panic::on_panic_hook(payload);

    let thread = std::thread::current();
    let location = info.location();
    let line = PanicLine {
        ids: engine::current_log_context(),
        file: location.map(|location| location.file().to_owned()),
        line: location.map(|location| location.line()),
        column: location.map(|location| location.column()),
        thread: thread.name().unwrap_or("<unnamed>").to_owned(),
        message: message.to_owned(),
        stacktrace: stacktrace(),
    };
    // A line held for an earlier panic: that one was caught, since this one happens.
    release(false);
    // (`thread::panicking()` is already true in the hook, so it cannot tell a panic inside
    // another's unwinding, which aborts, from a first one.)
    let hold = cfg!(panic = "unwind") && SERVICE_MAIN.try_with(Cell::get).unwrap_or(false);
    if hold {
        let _ = HELD.try_with(|held| {
            if let Ok(mut held) = held.try_borrow_mut() {
                *held = Some(line);
            }
        });
    } else {
        emit(&line, false);
    }
    let _ = LOGGING_PANIC.try_with(|flag| flag.set(false));
}

/// The panic's line: `exception.*` fields become the line's `exception` object (see
/// `json.rs`), and `severity = "FATAL"` the log record's severity (see `record.rs`); `None`
/// fields are left out.
fn emit(line: &PanicLine, fatal: bool) {
    // A callsite first reached by two threads at once, while a third registers a subscriber,
    // can cache the interest of the subscribers it saw (tracing-core's registry computes it
    // before adding the callsite to its list): the line would then be lost for that
    // subscriber. Panics are rare, so their one line recomputes interests first.
    tracing::callsite::rebuild_interest_cache();
    let message = line.message.as_str();
    tracing::event!(
        target: PANIC_TARGET,
        tracing::Level::ERROR,
        code.file.path = line.file.as_deref(),
        code.line.number = line.line,
        code.column.number = line.column,
        thread.name = line.thread.as_str(),
        exception.r#type = "panic",
        exception.message = message,
        exception.stacktrace = line.stacktrace.as_deref(),
        severity = fatal.then_some("FATAL"),
        "panicked: {message}"
    );
}
