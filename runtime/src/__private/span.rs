//! What `#[root_span]` and `#[child_span]` expand to call: start a span from static metadata,
//! record arguments only once the span is known to be sampled, then enter it.

use core::fmt;
use std::future::Future;

use crate::engine::pipeline::{self, Pipeline};
use crate::engine::{
    CodeLocation, InSpan, Parent, SpanGuard, SpanKind, SpanValue, Started, format,
};
use crate::w3c::Carrier;

/// Everything about a span that is known at compile time, in a `static`.
#[derive(Debug)]
pub struct SpanMeta {
    pub name: &'static str,
    pub kind: SpanKind,
    pub code: CodeLocation,
}

/// The global switch, read once per traced call: the pipeline when tracing is on.
#[derive(Debug, Clone, Copy)]
pub struct Switch(Option<&'static Pipeline>);

impl Switch {
    /// Reads the switch: one atomic load.
    #[inline(always)]
    pub fn get() -> Switch {
        Switch(pipeline::current())
    }

    /// Tracing is off (not initialised, or disabled): spans are nothing.
    #[inline(always)]
    pub fn is_off(self) -> bool {
        self.0.is_none()
    }
}

/// A started span that is not current yet.
#[derive(Debug)]
pub struct SpanStart {
    // `None` when tracing is off, or for an unsampled child its parent stands for.
    started: Option<Started>,
}

impl SpanStart {
    /// A span that starts a new trace.
    #[inline]
    pub fn root(meta: &'static SpanMeta, on: Switch) -> SpanStart {
        SpanStart::new(meta, on, Started::root)
    }

    /// A span continuing the trace carried by `carrier` (`parent = expr`).
    #[inline]
    pub fn root_with_parent(
        meta: &'static SpanMeta,
        on: Switch,
        carrier: &(impl Carrier + ?Sized),
    ) -> SpanStart {
        SpanStart::new(meta, on, |pipeline| {
            Started::begin(pipeline, Parent::extract(carrier, false))
        })
    }

    /// A new trace linked to the one carried by `carrier` (`link = expr`).
    #[inline]
    pub fn root_with_link(
        meta: &'static SpanMeta,
        on: Switch,
        carrier: &(impl Carrier + ?Sized),
    ) -> SpanStart {
        SpanStart::new(meta, on, |pipeline| {
            Started::begin(pipeline, Parent::extract(carrier, true))
        })
    }

    /// A child of this thread's current span (a root when there is none).
    #[inline]
    pub fn child(meta: &'static SpanMeta, on: Switch) -> SpanStart {
        SpanStart::new(meta, on, Started::child)
    }

    // The carrier is only parsed when tracing is on. Only the check of the global switch is
    // inlined into the traced function: with tracing off, the function stays as small as it
    // was (no large stack frame, no spilled registers).
    #[inline(always)]
    fn new(
        meta: &'static SpanMeta,
        on: Switch,
        begin: impl FnOnce(&'static Pipeline) -> Option<Started>,
    ) -> SpanStart {
        match on.0 {
            None => SpanStart { started: None },
            Some(pipeline) => SpanStart::started(meta, pipeline, begin),
        }
    }

    #[inline(never)]
    fn started(
        meta: &'static SpanMeta,
        pipeline: &'static Pipeline,
        begin: impl FnOnce(&'static Pipeline) -> Option<Started>,
    ) -> SpanStart {
        let mut started = begin(pipeline);
        if let Some(started) = &mut started {
            started.describe(meta.name, meta.kind, &meta.code);
        }
        SpanStart { started }
    }

    /// Whether attributes are worth computing: false when tracing is off or the trace is not
    /// sampled, so the expansion skips building them.
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.started.as_ref().is_some_and(Started::is_recording)
    }

    /// Records a `SpanValue` (arguments, `fields(key = expr)`). The span is not current yet,
    /// so a span made while the value is computed is a child of the enclosing span.
    #[inline]
    pub fn attr<V: SpanValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        if let Some(started) = &mut self.started
            && let Some(value) = value.span_value()
        {
            started.push_new_value(key, value);
        }
    }

    /// Records a value through `Display` (`fields(key = %expr)`).
    pub fn attr_display(&mut self, key: &'static str, value: &dyn fmt::Display) {
        if let Some(started) = &mut self.started {
            started.push_new_attr(key, |max| format::display(max, value));
        }
    }

    /// Records a value through `Debug` (`fields(key = ?expr)`).
    pub fn attr_debug(&mut self, key: &'static str, value: &dyn fmt::Debug) {
        if let Some(started) = &mut self.started {
            started.push_new_attr(key, |max| format::debug(max, value));
        }
    }

    /// Makes the span current until the guard drops (sync functions).
    #[inline]
    pub fn enter(self) -> SpanGuard {
        if self.started.is_none() {
            // Nothing to drop; dropped, it was copied and handed to the drop glue.
            std::mem::forget(self);
            return SpanGuard::off();
        }
        enter(self)
    }

    /// Ends a span that was never entered, on the expansion's tracing-off path (where it is
    /// known to be empty, so this compiles to nothing).
    #[inline(always)]
    pub fn dismiss(self) {
        if let Some(started) = self.started {
            drop_unentered(started);
        }
    }

    /// Makes the span current on every poll of `fut` (async functions).
    #[inline]
    pub fn in_span<F: Future>(self, fut: F) -> InSpan<F> {
        Started::wrap(self.started, fut)
    }
}

// Unreachable in practice: the switch was off when the span started, so it is nothing.
#[cold]
#[inline(never)]
fn drop_unentered(started: Started) {
    started.end();
}

// Takes the whole start, not the `Started` inside: the caller then hands over the place the
// span was started in, where unwrapping the option first copied the 80-byte frame to a new one,
// and the copy was read back by wider loads than wrote it (a store-forwarding stall, 81 % of this
// function's samples in the paced `otlp_cpu` profile).
#[inline(never)]
fn enter(start: SpanStart) -> SpanGuard {
    match start.started {
        Some(started) => started.enter(),
        None => SpanGuard::off(),
    }
}
