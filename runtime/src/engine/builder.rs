//! The public builder for spans the attributes cannot express: dynamic names, closures, spans
//! around part of a function.

use std::borrow::Cow;
use std::future::Future;

use smallvec::SmallVec;

use crate::w3c::Carrier;

use super::begin::Parent;
use super::guard::SpanGuard;
use super::in_span::InSpan;
use super::pipeline::{self, Pipeline};
use super::record::{Attrs, SpanKind, push_attr};
use super::started::Started;
use super::value::{AttrValue, SpanValue};

/// A span about to start: built with [`Span::root`] or [`Span::child`], then made current
/// with [`Span::enter`] (sync code) or [`Span::in_span`] (a future).
///
/// The attributes cover what the macros do; this builder is for what they cannot express:
/// dynamic names, closures, spans around part of a function. Attribute values are computed
/// when [`attr`](Span::attr) is called, before the span starts: a span made inside a value's
/// `span_value` is a child of the span current then.
///
/// ```
/// use traced::{Span, SpanKind};
///
/// fn handle(queue: &str, payload: &[u8]) {
///     let _guard = Span::root(format!("process {queue}"))
///         .kind(SpanKind::Consumer)
///         .attr("messaging.destination.name", queue)
///         .attr("messaging.message.body.size", payload.len())
///         .enter();
///     // work here is inside the span; logs carry its trace_id and span_id
/// }
/// # handle("orders", b"{}");
/// ```
#[derive(Debug)]
#[must_use = "a span does nothing until it is entered with `.enter()` or `.in_span(fut)`"]
pub struct Span {
    // None when tracing is not initialised (or disabled): every method is then a no-op.
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    pipeline: &'static Pipeline,
    parent: Parent,
    name: Cow<'static, str>,
    kind: SpanKind,
    attrs: Attrs,
    dropped_attrs: u32,
}

impl Span {
    /// A span that starts a new trace, whatever span is current.
    ///
    /// ```
    /// let _guard = traced::Span::root("nightly job").enter();
    /// ```
    pub fn root(name: impl Into<Cow<'static, str>>) -> Span {
        Span::new(name.into(), Parent::Root)
    }

    /// A span that is a child of the current span, or a root when there is none.
    ///
    /// ```
    /// let _root = traced::Span::root("request").enter();
    /// let _child = traced::Span::child("load user").enter();
    /// ```
    pub fn child(name: impl Into<Cow<'static, str>>) -> Span {
        Span::new(name.into(), Parent::Current)
    }

    fn new(name: Cow<'static, str>, parent: Parent) -> Span {
        let Some(pipeline) = pipeline::current() else {
            return Span { pending: None };
        };
        Span {
            pending: Some(Pending {
                pipeline,
                parent,
                name,
                kind: SpanKind::Internal,
                attrs: SmallVec::new(),
                dropped_attrs: 0,
            }),
        }
    }

    /// Sets the span kind (default [`SpanKind::Internal`]).
    ///
    /// ```
    /// let _guard = traced::Span::root("GET /orders").kind(traced::SpanKind::Server).enter();
    /// ```
    pub fn kind(mut self, kind: SpanKind) -> Span {
        if let Some(pending) = &mut self.pending {
            pending.kind = kind;
        }
        self
    }

    /// Adds an attribute. `None` values record nothing; strings are cut to the value length
    /// limit; attributes past the count limit are dropped and counted.
    ///
    /// ```
    /// let _guard = traced::Span::root("resize").attr("width", 640_u32).enter();
    /// ```
    pub fn attr(mut self, key: impl Into<Cow<'static, str>>, value: impl SpanValue) -> Span {
        if let Some(pending) = &mut self.pending
            && let Some(value) = value.span_value()
        {
            let limits = pending.pipeline.limits;
            let value = AttrValue::from_value(value, limits.attribute_value_length);
            push_attr(
                &mut pending.attrs,
                &mut pending.dropped_attrs,
                key.into(),
                value,
                limits.attribute_count,
            );
        }
        self
    }

    /// Continues the trace carried by `carrier` (a `traceparent` string, an `http::HeaderMap`,
    /// a map of headers…): the span's parent is the carrier's span. A missing or malformed
    /// carrier starts a fresh trace.
    ///
    /// ```
    /// let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let _guard = traced::Span::root("handle message").parent(traceparent).enter();
    /// ```
    pub fn parent(mut self, carrier: &(impl Carrier + ?Sized)) -> Span {
        if let Some(pending) = &mut self.pending {
            pending.parent = Parent::extract(carrier, false);
        }
        self
    }

    /// Starts a new trace with a link to the one carried by `carrier` (the messaging
    /// convention for batch consumers). A missing or malformed carrier means no link.
    ///
    /// ```
    /// let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let _guard = traced::Span::root("process batch").link(traceparent).enter();
    /// ```
    pub fn link(mut self, carrier: &(impl Carrier + ?Sized)) -> Span {
        if let Some(pending) = &mut self.pending {
            pending.parent = Parent::extract(carrier, true);
        }
        self
    }

    /// Starts the span: ids, parent and sampling are decided now. `Err(())` when tracing is
    /// off, `Ok(None)` for an unsampled child of an unsampled span, which its parent stands for.
    pub(crate) fn start(self) -> Result<Option<Started>, ()> {
        let pending = self.pending.ok_or(())?;
        let mut started = Started::begin(pending.pipeline, pending.parent);
        if let Some(started) = &mut started {
            started.fill(
                pending.name,
                pending.kind,
                pending.attrs,
                pending.dropped_attrs,
            );
        }
        Ok(started)
    }

    /// Starts the span and makes it current on this thread until the guard is dropped.
    ///
    /// ```
    /// let guard = traced::Span::root("job").enter();
    /// drop(guard); // the span ends
    /// ```
    pub fn enter(self) -> SpanGuard {
        match self.start() {
            Ok(Some(started)) => started.enter(),
            Ok(None) => SpanGuard::inherited(),
            Err(()) => SpanGuard::off(),
        }
    }

    /// Starts the span and makes it current on every poll of `fut`, on whatever thread polls
    /// it. The span ends when the future completes or is dropped.
    ///
    /// ```
    /// # async fn fetch() {}
    /// # async fn run() {
    /// traced::Span::child("fetch").in_span(fetch()).await;
    /// # }
    /// ```
    pub fn in_span<F: Future>(self, fut: F) -> InSpan<F> {
        Started::wrap(self.start().ok().flatten(), fut)
    }
}
