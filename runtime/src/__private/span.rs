//! What `#[root_span]` and `#[child_span]` expand to call: start a span from static metadata,
//! record arguments only once the span is known to be sampled, then enter it.

use core::fmt::{self, Write as _};
use std::borrow::Cow;
use std::future::Future;

use crate::engine::pipeline;
use crate::engine::pipeline::Pipeline;
use crate::engine::span::{Parent, begin, begin_child, begin_root};
use crate::engine::stack::{self, Frame};
use crate::engine::{AttrValue, CodeLocation, InSpan, SpanGuard, SpanKind, SpanValue};
use crate::propagation::Carrier;

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
    frame: Option<Frame>,
}

impl SpanStart {
    /// A span that starts a new trace.
    #[inline]
    pub fn root(meta: &'static SpanMeta, on: Switch) -> SpanStart {
        SpanStart::new(meta, on, |pipeline| Some(begin_root(pipeline, None, None)))
    }

    /// A span continuing the trace carried by `carrier` (`parent = expr`).
    #[inline]
    pub fn root_with_parent(
        meta: &'static SpanMeta,
        on: Switch,
        carrier: &(impl Carrier + ?Sized),
    ) -> SpanStart {
        SpanStart::new(meta, on, |pipeline| {
            begin(pipeline, Parent::extract(carrier, false))
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
            begin(pipeline, Parent::extract(carrier, true))
        })
    }

    /// A child of this thread's current span (a root when there is none).
    #[inline]
    pub fn child(meta: &'static SpanMeta, on: Switch) -> SpanStart {
        SpanStart::new(meta, on, begin_child)
    }

    // The carrier is only parsed when tracing is on. Only the check of the global switch is
    // inlined into the traced function: with tracing off, the function stays as small as it
    // was (no large stack frame, no spilled registers).
    #[inline(always)]
    fn new(
        meta: &'static SpanMeta,
        on: Switch,
        begin: impl FnOnce(&'static Pipeline) -> Option<Frame>,
    ) -> SpanStart {
        match on.0 {
            None => SpanStart { frame: None },
            Some(pipeline) => SpanStart::started(meta, pipeline, begin),
        }
    }

    #[inline(never)]
    fn started(
        meta: &'static SpanMeta,
        pipeline: &'static Pipeline,
        begin: impl FnOnce(&'static Pipeline) -> Option<Frame>,
    ) -> SpanStart {
        let mut frame = begin(pipeline);
        if let Some(record) = frame.as_mut().and_then(|frame| frame.record.as_mut()) {
            record.name = Cow::Borrowed(meta.name);
            record.kind = meta.kind;
            record.code = Some(&meta.code);
        }
        SpanStart { frame }
    }

    /// Whether attributes are worth computing: false when tracing is off or the trace is not
    /// sampled, so the expansion skips building them.
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.frame.as_ref().is_some_and(Frame::recording)
    }

    /// Records a `SpanValue` (arguments, `fields(key = expr)`).
    #[inline]
    pub fn attr<V: SpanValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        if let Some(value) = value.span_value() {
            self.push(key, |max| AttrValue::from_value(value, max));
        }
    }

    /// Records a value through `Display` (`fields(key = %expr)`).
    pub fn attr_display(&mut self, key: &'static str, value: &dyn fmt::Display) {
        self.push(key, |max| bounded_string(max, |w| write!(w, "{value}")));
    }

    /// Records a value through `Debug` (`fields(key = ?expr)`).
    pub fn attr_debug(&mut self, key: &'static str, value: &dyn fmt::Debug) {
        self.push(key, |max| bounded_string(max, |w| write!(w, "{value:?}")));
    }

    // The macros' keys are distinct (argument names, and `fields` keys checked at compile
    // time), so no earlier value is searched for.
    #[inline]
    fn push(&mut self, key: &'static str, value: impl FnOnce(usize) -> AttrValue) {
        if let Some(frame) = &mut self.frame
            && let Some(record) = &mut frame.record
        {
            let limits = frame.pipeline.limits;
            record.push_new_attr(key, limits.attribute_count, || {
                value(limits.attribute_value_length)
            });
        }
    }

    /// Makes the span current until the guard drops (sync functions).
    #[inline]
    pub fn enter(self) -> SpanGuard {
        match self.frame {
            Some(frame) => enter(frame),
            None => SpanGuard::new(0),
        }
    }

    /// Ends a span that was never entered, on the expansion's tracing-off path (where it is
    /// known to be empty, so this compiles to nothing).
    #[inline(always)]
    pub fn dismiss(self) {
        if let Some(frame) = self.frame {
            drop_unentered(frame);
        }
    }

    /// Makes the span current on every poll of `fut` (async functions).
    #[inline]
    pub fn in_span<F: Future>(self, fut: F) -> InSpan<F> {
        InSpan::new(fut, self.frame)
    }
}

// Unreachable in practice: the switch was off when the span started, so it has no frame.
#[cold]
#[inline(never)]
fn drop_unentered(frame: Frame) {
    drop(frame);
}

#[inline(never)]
fn enter(frame: Frame) -> SpanGuard {
    let id = frame.span_id;
    stack::push(frame);
    SpanGuard::new(id)
}

/// `Debug` of `value`, at most `max_chars` characters (the bridge records tracing fields so).
pub(crate) fn bounded_debug(max_chars: usize, value: &dyn fmt::Debug) -> String {
    match bounded_string(max_chars, |w| write!(w, "{value:?}")) {
        AttrValue::Str(s) => s.into_string(),
        _ => String::new(),
    }
}

/// Formats at most `max_chars` characters: a huge `Display` value never becomes a huge string.
fn bounded_string(max_chars: usize, f: impl FnOnce(&mut Bounded) -> fmt::Result) -> AttrValue {
    let mut w = Bounded {
        out: String::new(),
        left: max_chars,
    };
    // An error here only means the limit was reached (or the impl failed): keep what we have.
    let _ = f(&mut w);
    AttrValue::owned(w.out)
}

struct Bounded {
    out: String,
    left: usize,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let cut = crate::engine::truncate(s, self.left);
        self.out.push_str(cut);
        self.left -= cut.chars().count();
        if cut.len() < s.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}
