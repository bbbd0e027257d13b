//! The panic hook: one error line with the current span's ids and the panic's location, and
//! the span half (`engine::panic`: the current span marked as failed, the message kept for the
//! spans the unwinding ends), before the previous hook runs as usual.

use std::cell::Cell;
use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};

use super::PANIC_TARGET;
use crate::engine::panic;

/// Our hook is in the chain; installing again would log every panic twice.
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Set while this thread logs a panic: a panic from inside that logging (a subscriber's
    /// bug) is left to the previous hook instead of recursing.
    static LOGGING_PANIC: Cell<bool> = const { Cell::new(false) };
}

/// Installs the hook once per process, chained to whatever hook was there (the default one
/// prints the usual `thread '…' panicked at` message and the backtrace).
pub(crate) fn install_panic_hook() {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        log_panic(info);
        previous(info);
    }));
}

fn log_panic(info: &PanicHookInfo<'_>) {
    if LOGGING_PANIC.try_with(|flag| flag.replace(true)) != Ok(false) {
        return;
    }
    let payload = info.payload();
    let message = panic::payload_text(payload).unwrap_or("Box<dyn Any>");
    panic::on_panic_hook(payload);

    let thread = std::thread::current();
    let thread_name = thread.name().unwrap_or("<unnamed>");
    let location = info.location();
    // `exception.*` fields become the line's `exception` object (see `json.rs`); `None`
    // location fields are left out.
    tracing::event!(
        target: PANIC_TARGET,
        tracing::Level::ERROR,
        code.file.path = location.map(|location| location.file()),
        code.line.number = location.map(|location| location.line()),
        code.column.number = location.map(|location| location.column()),
        thread.name = thread_name,
        exception.r#type = "panic",
        exception.message = message,
        "panicked: {message}"
    );
    let _ = LOGGING_PANIC.try_with(|flag| flag.set(false));
}
