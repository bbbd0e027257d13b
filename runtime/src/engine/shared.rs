//! A span that may be current on several threads at once: a `tracing` span handed to spawned
//! tasks (`fut.instrument(span)`) or entered by a thread pool inside `span.in_scope`. Its
//! record sits behind a lock; each thread that enters it gets a frame of its own that points
//! to it (see `share`), so work on every thread nests under it and records into it. It ends
//! once, when its owner ends it.

use std::sync::{Arc, Mutex, MutexGuard};

use super::limits::Limits;
use crate::w3c::{Baggage, TraceState};

use super::pipeline::Pipeline;
use super::pool::Recycled;
use super::record::{FLAG_SAMPLED, LinkRecord, SpanRecord};
use super::update::Update;

/// A started span shared between threads; see the module documentation.
#[derive(Debug)]
pub(crate) struct SharedSpan {
    pub(super) trace_id: u128,
    pub(super) span_id: u64,
    pub(super) flags: u8,
    /// `None` when the span is not sampled.
    pub(super) pipeline: Option<&'static Pipeline>,
    pub(super) trace_state: TraceState,
    pub(super) baggage: Option<Arc<Baggage>>,
    /// `None` once the span ended (or when it is not sampled).
    pub(super) record: Mutex<Option<Recycled>>,
}

impl SharedSpan {
    /// Whether the span records: it is sampled and has not ended.
    pub(crate) fn is_recording(&self) -> bool {
        self.flags & FLAG_SAMPLED != 0 && self.lock().is_some()
    }

    /// The attribute limits, when the span records: values are computed only then.
    pub(crate) fn limits(&self) -> Option<Limits> {
        let pipeline = self.pipeline?;
        self.is_recording().then_some(pipeline.limits)
    }

    /// Applies changes computed beforehand (see [`Update`]).
    pub(crate) fn apply(&self, updates: impl IntoIterator<Item = Update>) {
        self.with_record(|record, limits| {
            for update in updates {
                update.apply(record, limits);
            }
        });
    }

    /// Runs `f` on the record under its lock, if the span still records. `f` must not run user
    /// code: values are computed before.
    pub(super) fn with_record<R>(&self, f: impl FnOnce(&mut SpanRecord, Limits) -> R) -> Option<R> {
        let limits = self.pipeline?.limits;
        self.lock().as_mut().map(|record| f(record, limits))
    }

    // Poisoning cannot leave a record half-written (the closures given to `with_record` do not
    // panic on their own), so a poisoned lock is used as it is.
    pub(super) fn lock(&self) -> MutexGuard<'_, Option<Recycled>> {
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a link to `other`, if both record (links to spans that are not sampled, or have
    /// ended, carry nothing a backend can follow).
    pub(crate) fn link_to(&self, other: &SharedSpan) {
        if other.flags & FLAG_SAMPLED == 0 || !other.is_recording() {
            return;
        }
        let link = LinkRecord {
            trace_id: other.trace_id,
            span_id: other.span_id,
            flags: other.flags,
            remote: false,
        };
        self.with_record(|record, _| record.extra().links.push(link));
    }
}
