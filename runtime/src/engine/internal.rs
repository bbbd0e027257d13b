//! traced's own threads (the export thread, the sender's): what they do to export telemetry is
//! never itself telemetry. `tracing` spans opened there (by traced or by the HTTP and TLS
//! libraries it uses) are not bridged, so exporting can never feed itself: an idle service
//! stays idle once its last span is exported.

use std::cell::Cell;

thread_local! {
    static INTERNAL: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one of traced's own, for the rest of its life.
pub(crate) fn mark_thread_internal() {
    let _ = INTERNAL.try_with(|internal| internal.set(true));
}

/// Whether the calling thread is one of traced's own.
#[inline]
pub(crate) fn is_internal_thread() -> bool {
    INTERNAL.try_with(Cell::get).unwrap_or(false)
}
