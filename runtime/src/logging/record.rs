//! One event as one OTLP log record (OpenTelemetry Logs Data Model): the message as the body,
//! the level as the severity, the fields as typed attributes, the ids of the engine's current
//! span (the same ones the event's JSON line carries), the target as the instrumentation
//! scope. Built on the logging thread into a recycled record and handed to the logs' queue.
//!
//! What traced does to export is never exported itself: events on traced's own threads (the
//! export threads, where the HTTP and TLS libraries log while sending) and traced's own
//! diagnostics (target `traced`) stay JSON lines only. The panic line and exception records
//! (targets `traced::panic`, `traced::exception`) are the application's and are exported.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata};

use super::{EXCEPTION_TARGET, MAX_STACKTRACE, PANIC_TARGET, span_fields};
use crate::engine::clock;
use crate::engine::format::write_bounded;
use crate::engine::log_record::{LogRecord, Severity};
use crate::engine::pipeline::Pipeline;
use crate::engine::{AttrValue, truncate};

/// The event name of an exception's log record (semantic conventions, "Exceptions in logs").
const EXCEPTION_EVENT: &str = "exception";

/// Whether an event with `target` may become a log record at all (see the module docs).
#[inline]
pub(super) fn exported_target(target: &str) -> bool {
    match target.strip_prefix("traced") {
        None => true,
        Some("") => false,
        Some(rest) => match rest.strip_prefix("::") {
            // `traced_billing`: another crate whose name starts with ours.
            None => true,
            Some(_) => target == PANIC_TARGET || target == EXCEPTION_TARGET,
        },
    }
}

/// Builds `event`'s log record and hands it to `pipeline`'s logs queue. `metadata` is the
/// event's, or the `log` record's when it was bridged (`is_log`). With `span_fields`, the
/// attributes of the current spans follow the event's fields (see `span_fields`).
pub(super) fn capture(
    pipeline: &Pipeline,
    event: &Event<'_>,
    metadata: &Metadata<'_>,
    is_log: bool,
    span_fields: bool,
) {
    let Some(logs) = pipeline.logs() else {
        return;
    };
    let limits = logs.limits;
    let mut record = logs.take();
    let now = clock::ticks();
    record.time = now;
    record.observed = now;
    record.severity = severity(metadata.level());
    if let Some((trace_id, span_id, flags)) = crate::engine::current_log_context() {
        record.trace_id = trace_id;
        record.span_id = span_id;
        record.flags = flags;
    }
    let target = metadata.target();
    let own = target == PANIC_TARGET || target == EXCEPTION_TARGET;
    record.target = if is_log {
        Cow::Owned(target.to_owned())
    } else {
        // The target of a `tracing` event's callsite is `'static`; `normalized_metadata`
        // only ever borrows from a bridged `log` record, handled above.
        Cow::Borrowed(event.metadata().target())
    };
    if own {
        record.event_name = Some(EXCEPTION_EVENT);
    }
    let mut visitor = RecordVisitor {
        record: &mut record,
        max_chars: limits.attribute_value_length,
        max_attrs: limits.attribute_count,
        is_log,
        own,
        fatal: false,
        has_body: false,
    };
    event.record(&mut visitor);
    if visitor.fatal {
        record.severity = Severity::FATAL;
    }
    if span_fields && record.span_id != 0 {
        span_fields::add_to_record(
            &mut record,
            limits.attribute_value_length,
            limits.attribute_count,
        );
    }
    pipeline.submit_log(record);
}

/// `tracing`'s levels as OpenTelemetry severities (Logs Data Model, "Field: SeverityNumber":
/// the first number of each range; "Mapping of SeverityNumber").
fn severity(level: &Level) -> Severity {
    match *level {
        Level::TRACE => Severity::TRACE,
        Level::DEBUG => Severity::DEBUG,
        Level::INFO => Severity::INFO,
        Level::WARN => Severity::WARN,
        _ => Severity::ERROR,
    }
}

/// Fills a record from an event's fields.
struct RecordVisitor<'a> {
    record: &'a mut LogRecord,
    max_chars: usize,
    max_attrs: usize,
    /// A bridged `log` record: its `log.*` fields are metadata.
    is_log: bool,
    /// The panic line or an exception record, whose `severity` field is an instruction.
    own: bool,
    fatal: bool,
    has_body: bool,
}

/// Where a field goes.
enum Route {
    Body,
    Skip,
    Severity,
    Attr(&'static str),
}

impl RecordVisitor<'_> {
    fn route(&self, field: &Field) -> Route {
        match field.name() {
            "message" if !self.has_body => Route::Body,
            // OpenTelemetry semantic conventions, "Code": a `log` record's file and line.
            "log.file" if self.is_log => Route::Attr("code.file.path"),
            "log.line" if self.is_log => Route::Attr("code.line.number"),
            name if self.is_log && name.starts_with("log.") => Route::Skip,
            "severity" if self.own => Route::Severity,
            name => Route::Attr(name),
        }
    }

    /// Adds an attribute within the count limit (extras are counted, never replacing earlier
    /// ones: OpenTelemetry, "Attribute Limits").
    fn push(&mut self, key: &'static str, value: AttrValue) {
        if self.record.attrs.len() < self.max_attrs {
            self.record.attrs.push((Cow::Borrowed(key), value));
        } else {
            self.record.dropped_attrs += 1;
        }
    }

    fn text(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        match self.route(field) {
            Route::Body => {
                self.has_body = true;
                write_bounded(&mut self.record.body, self.max_chars, value);
            }
            Route::Skip => {}
            Route::Severity => {
                let mut text = String::new();
                write_bounded(&mut text, 8, value);
                self.fatal = text == "FATAL";
            }
            Route::Attr(key) => {
                if self.record.attrs.len() >= self.max_attrs {
                    self.record.dropped_attrs += 1;
                    return;
                }
                let value = match value.as_str() {
                    Some(literal) => AttrValue::text(truncate(literal, self.max_chars)),
                    None => crate::engine::format::display(self.max_chars, &value),
                };
                self.push(key, value);
            }
        }
    }

    fn typed(&mut self, field: &Field, value: AttrValue, text: &dyn fmt::Display) {
        match self.route(field) {
            Route::Attr(key) => self.push(key, value),
            _ => self.text(field, format_args!("{text}")),
        }
    }
}

impl Visit for RecordVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.typed(field, AttrValue::F64(value), &value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.typed(field, AttrValue::I64(value), &value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        // OTLP's integers are signed 64-bit: a larger value keeps its digits as text.
        match i64::try_from(value) {
            Ok(value) => self.typed(field, AttrValue::I64(value), &value),
            Err(_) => self.text(field, format_args!("{value}")),
        }
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        match i64::try_from(value) {
            Ok(value) => self.typed(field, AttrValue::I64(value), &value),
            Err(_) => self.text(field, format_args!("{value}")),
        }
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        match i64::try_from(value) {
            Ok(value) => self.typed(field, AttrValue::I64(value), &value),
            Err(_) => self.text(field, format_args!("{value}")),
        }
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.typed(field, AttrValue::Bool(value), &value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match self.route(field) {
            Route::Attr(key) => {
                let max = if self.own && key == "exception.stacktrace" {
                    self.max_chars.max(MAX_STACKTRACE)
                } else {
                    self.max_chars
                };
                self.push(key, AttrValue::text(truncate(value, max)));
            }
            _ => self.text(field, format_args!("{value}")),
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        self.text(field, format_args!("{value}"));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, format_args!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traced_own_diagnostics_are_not_exported_but_the_application_s_events_are() {
        assert!(!exported_target("traced"));
        assert!(!exported_target("traced::export"));
        assert!(exported_target(PANIC_TARGET));
        assert!(exported_target(EXCEPTION_TARGET));
        assert!(exported_target("traced_billing"));
        assert!(exported_target("tracedx::y"));
        assert!(exported_target("checkout::orders"));
        assert!(exported_target(""));
    }
}
