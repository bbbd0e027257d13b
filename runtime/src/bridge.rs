//! The bridge: spans created with `tracing` (`info_span!`, `#[tracing::instrument]`, libraries
//! such as tower-http) become engine spans, nested where they run, and engine spans created
//! inside them nest under them (DESIGN.md, Architecture).
//!
//! A tracing span gets its engine frame when it is created (a child of the engine's current
//! span on that thread). The frame lives in the span's registry extensions while the span is
//! not entered, and on the thread's span stack while it is, exactly like a `#[child_span]`
//! future between and during polls. It ends, and is exported, when the tracing span closes.
//!
//! tracing-opentelemetry's conventions are honoured: a field `otel.name` renames the span,
//! `otel.kind` sets its kind (`server`, `client`, `producer`, `consumer`, `internal`) and
//! `otel.status_code = "ERROR"` (with `otel.status_description`) sets status Error.

use std::borrow::Cow;
use std::fmt;

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::config::Limits;
use crate::engine::pipeline;
use crate::engine::record::SpanRecord;
use crate::engine::record::Status;
use crate::engine::span::{Parent, begin, finish};
use crate::engine::stack::{self, Frame};
use crate::engine::{AttrValue, SpanKind};

/// The tracing-subscriber layer that turns `tracing` spans into traced spans.
///
/// `#[traced_service]` and [`init`](crate::init) install it with the log subscriber. An
/// application that builds its own subscriber adds it to its stack so the spans of
/// tracing-instrumented libraries are exported and nest with traced's:
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// let subscriber = tracing_subscriber::registry().with(traced::BridgeLayer::new());
/// tracing::subscriber::with_default(subscriber, || {
///     let _span = tracing::info_span!("load", rows = 3).entered();
/// });
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct BridgeLayer {
    _private: (),
}

impl BridgeLayer {
    /// The layer.
    pub fn new() -> BridgeLayer {
        BridgeLayer::default()
    }
}

/// What a bridged span keeps in its registry extensions.
struct Bridged {
    span_id: u64,
    // None while the span is entered (the frame is on the thread's stack then).
    frame: Option<Frame>,
}

impl<S> Layer<S> for BridgeLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(pipeline) = pipeline::current() else {
            return;
        };
        let Some(span) = ctx.span(id) else {
            return;
        };
        // None: an unsampled child of an unsampled span, which its parent stands for.
        let Some(mut frame) = begin(pipeline, Parent::Current) else {
            return;
        };
        if let Some(record) = &mut frame.record {
            record.name = Cow::Borrowed(attrs.metadata().name());
            attrs.record(&mut Fields::new(record, pipeline.limits));
        }
        let span_id = frame.span_id;
        span.extensions_mut().insert(Bridged {
            span_id,
            frame: Some(frame),
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        let Some(bridged) = extensions.get_mut::<Bridged>() else {
            return;
        };
        let record_on = |frame: &mut Frame| {
            let limits = frame.pipeline.limits;
            if let Some(record) = &mut frame.record {
                values.record(&mut Fields::new(record, limits));
            }
        };
        match &mut bridged.frame {
            Some(frame) => record_on(frame),
            None => {
                stack::with_span(bridged.span_id, record_on);
            }
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        // A span entered on two threads at once is current only where it was entered first.
        if let Some(frame) = span
            .extensions_mut()
            .get_mut::<Bridged>()
            .and_then(|b| b.frame.take())
        {
            stack::push(frame);
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        if let Some(bridged) = extensions.get_mut::<Bridged>()
            && bridged.frame.is_none()
        {
            bridged.frame = stack::pop(bridged.span_id);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let bridged = span.extensions_mut().remove::<Bridged>();
        if let Some(bridged) = bridged {
            let frame = bridged.frame.or_else(|| stack::pop(bridged.span_id));
            if let Some(frame) = frame {
                finish(frame);
            }
        }
    }

    fn on_event(&self, _event: &Event<'_>, _ctx: Context<'_, S>) {}
}

/// Records tracing fields as typed attributes (strings cut to the limit).
struct Fields<'a> {
    record: &'a mut SpanRecord,
    limits: Limits,
}

impl<'a> Fields<'a> {
    fn new(record: &'a mut SpanRecord, limits: Limits) -> Fields<'a> {
        Fields { record, limits }
    }

    fn push(&mut self, field: &Field, value: AttrValue) {
        self.record.push_attr(
            Cow::Borrowed(field.name()),
            value,
            self.limits.attribute_count,
        );
    }

    fn push_str(&mut self, field: &Field, value: &str) {
        let record = &mut *self.record;
        match field.name() {
            "otel.name" => record.name = Cow::Owned(value.to_owned()),
            "otel.kind" => {
                if let Some(kind) = kind(value) {
                    record.kind = kind;
                }
            }
            "otel.status_code" => {
                if value.eq_ignore_ascii_case("error") && *record.status() == Status::Unset {
                    record.extra().status = Status::Error(Cow::Borrowed(""));
                }
            }
            "otel.status_description" => {
                record.extra().status = Status::Error(Cow::Owned(value.to_owned()));
            }
            _ => {
                let max = self.limits.attribute_value_length;
                let value = AttrValue::text(crate::engine::truncate(value, max));
                self.push(field, value);
            }
        }
    }
}

fn kind(value: &str) -> Option<SpanKind> {
    Some(match value.to_ascii_lowercase().as_str() {
        "server" => SpanKind::Server,
        "client" => SpanKind::Client,
        "producer" => SpanKind::Producer,
        "consumer" => SpanKind::Consumer,
        "internal" => SpanKind::Internal,
        _ => return None,
    })
}

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, AttrValue::F64(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, AttrValue::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = i64::try_from(value)
            .map_or_else(|_| AttrValue::owned(value.to_string()), AttrValue::I64);
        self.push(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, AttrValue::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push_str(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // Bounded: a huge Debug value is cut while it is formatted, not after.
        let max = self.limits.attribute_value_length;
        let text = crate::__private::bounded_debug(max, value);
        self.push_str(field, &text);
    }
}
