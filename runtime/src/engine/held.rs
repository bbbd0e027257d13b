//! A panic's log line that a thread holds back (see `logging::panic`: on the service's main
//! thread the line waits to learn whether the panic ends `main`), released once the thread
//! goes on: the engine sees that first, when a span starts or ends outside an unwinding.
//! A leaf, so that the thread's stack can release it without depending on logging.

use std::sync::OnceLock;

/// What releases a held line; set once, by the panic hook's installation.
static RELEASE: OnceLock<fn()> = OnceLock::new();

/// Sets what releases a held panic line.
pub(crate) fn on_release(release: fn()) {
    let _ = RELEASE.set(release);
}

/// Releases the line this thread holds, if any. Called with nothing of the engine borrowed:
/// the line goes to the subscriber, user code.
#[cold]
#[inline(never)]
pub(super) fn release() {
    if let Some(release) = RELEASE.get() {
        release();
    }
}
