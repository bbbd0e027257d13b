//! The bridge: spans created with `tracing` (`info_span!`, `#[tracing::instrument]`, libraries
//! such as tower-http) become engine spans, nested where they run, and engine spans created
//! inside them nest under them.
//!
//! A tracing span is started as an engine span when it is created (a child of the engine's
//! current span on that thread) and shared: it may be entered on several threads at once (a
//! span given to spawned tasks, a thread pool inside `span.in_scope`), and each entry makes it
//! current on its thread, nested in whatever is current there (entering it again inside
//! itself is one more level). Fields recorded from any thread reach it. It ends, and is
//! exported, once, when the tracing span closes. `follows_from` becomes a span link.
//!
//! Field values are formatted before anything is locked, and a `Debug` or `Display` that
//! panics costs that one field: a panic inside the layer would otherwise poison the span's
//! extensions, and the next exit, run from a guard's `Drop`, would abort the process.
//!
//! tracing-opentelemetry's conventions are honoured: a field `otel.name` renames the span,
//! `otel.kind` sets its kind (`server`, `client`, `producer`, `consumer`, `internal`) and
//! `otel.status_code = "ERROR"` (with `otel.status_description`) sets status Error.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::config::Limits;
use crate::engine::panic::catch_formatting;
use crate::engine::{
    AttrValue, Parent, SharedSpan, SpanKind, Started, Update, format, is_internal_thread, pipeline,
};

/// The tracing-subscriber layer that turns `tracing` spans into traced spans.
///
/// `#[traced_service]` and [`init`](fn@crate::init) install it with the log subscriber. An
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
    ///
    /// ```
    /// use tracing_subscriber::layer::SubscriberExt as _;
    /// use traced::testing::{Value, capture};
    ///
    /// let subscriber = tracing_subscriber::registry().with(traced::BridgeLayer::new());
    /// let ((), spans) = capture(|| {
    ///     tracing::subscriber::with_default(subscriber, || {
    ///         let _load = tracing::info_span!("load", rows = 3).entered();
    ///         let _parse = traced::Span::child("parse").enter();
    ///     })
    /// });
    /// let load = spans.named("load");
    /// assert_eq!(load.attr("rows"), Some(&Value::I64(3)));
    /// assert_eq!(spans.named("parse").parent_span_id, Some(load.span_id));
    /// ```
    pub fn new() -> BridgeLayer {
        BridgeLayer::default()
    }
}

/// What a bridged span keeps in its registry extensions.
struct Bridged(Arc<SharedSpan>);

/// The shared span of tracing span `id`, if it is bridged. The extensions' lock is released
/// before this returns.
fn bridged<S>(ctx: &Context<'_, S>, id: &Id) -> Option<Arc<SharedSpan>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let span = ctx.span(id)?;
    let extensions = span.extensions();
    extensions
        .get::<Bridged>()
        .map(|bridged| Arc::clone(&bridged.0))
}

/// Updates for a span: its fields, formatted with no lock held.
type Updates = SmallVec<[Update; 8]>;

fn collect(limits: Limits, record: impl FnOnce(&mut Fields)) -> Updates {
    let mut fields = Fields {
        updates: SmallVec::new(),
        limits,
    };
    record(&mut fields);
    fields.updates
}

impl<S> Layer<S> for BridgeLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(pipeline) = pipeline::current() else {
            return;
        };
        // What traced does to export is never exported (see `engine::internal`).
        if is_internal_thread() {
            return;
        }
        // None: an unsampled child of an unsampled span, which its parent stands for.
        let Some(mut started) = Started::begin(pipeline, Parent::Current) else {
            return;
        };
        if let Some(limits) = started.limits() {
            let name = Update::Name(Cow::Borrowed(attrs.metadata().name()));
            let fields = collect(limits, |fields| attrs.record(fields));
            started.apply(std::iter::once(name).chain(fields));
        }
        let shared = started.share();
        match ctx.span(id) {
            Some(span) => span.extensions_mut().insert(Bridged(shared)),
            None => shared.end(),
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(shared) = bridged(&ctx, id) else {
            return;
        };
        if let Some(limits) = shared.limits() {
            shared.apply(collect(limits, |fields| values.record(fields)));
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        if let (Some(span), Some(follows)) = (bridged(&ctx, id), bridged(&ctx, follows)) {
            span.link_to(&follows);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if let Some(shared) = bridged(&ctx, id) {
            shared.enter();
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        if let Some(shared) = bridged(&ctx, id) {
            shared.exit();
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let bridged = span.extensions_mut().remove::<Bridged>();
        if let Some(Bridged(shared)) = bridged {
            shared.end();
        }
    }

    fn on_event(&self, _event: &Event<'_>, _ctx: Context<'_, S>) {}
}

/// Turns tracing fields into typed attributes (strings cut to the limit) and the `otel.*`
/// conventions into name, kind and status.
struct Fields {
    updates: Updates,
    limits: Limits,
}

impl Fields {
    fn push(&mut self, field: &Field, value: AttrValue) {
        self.updates
            .push(Update::Attr(Cow::Borrowed(field.name()), value));
    }

    fn push_str(&mut self, field: &Field, value: &str) {
        let update = match field.name() {
            "otel.name" => Update::Name(Cow::Owned(value.to_owned())),
            "otel.kind" => match kind(value) {
                Some(kind) => Update::Kind(kind),
                None => return,
            },
            "otel.status_code" => {
                if !value.eq_ignore_ascii_case("error") {
                    return;
                }
                Update::Error(Cow::Borrowed(""))
            }
            "otel.status_description" => Update::Error(Cow::Owned(value.to_owned())),
            _ => {
                let max = self.limits.attribute_value_length;
                let value = AttrValue::text(crate::engine::truncate(value, max));
                Update::Attr(Cow::Borrowed(field.name()), value)
            }
        };
        self.updates.push(update);
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

impl Visit for Fields {
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
        // Bounded: a huge Debug value is cut while it is formatted, not after. A panicking
        // one costs this field only.
        let max = self.limits.attribute_value_length;
        if let Some(AttrValue::Str(text)) = catch_formatting(|| format::debug(max, value)) {
            self.push_str(field, &text);
        }
    }
}
