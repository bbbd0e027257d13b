//! Span fields (`TRACED_LOG_SPAN_FIELDS`): the attributes of the spans current on the thread,
//! added to each log line and log record, so a handler's `order_id` is on every line logged
//! below it.
//!
//! The rules, the same for lines and records:
//! - the nearest span wins: a key set by the current span hides the same key of an
//!   enclosing one;
//! - the event wins: a span attribute named as one of the event's fields is left out;
//! - the line's own keys (`timestamp`, `level`, `message`, `trace_id`, …, the `field.*`
//!   names given to event fields that collide with them) are never written by a span, and
//!   `code.*` attributes (where a span's function is) are not copied, since they describe the
//!   span, not the event;
//! - in a trace that is not sampled there are none: unsampled spans record no attributes.

use std::borrow::Cow;

use tracing::field::FieldSet;

use super::fields::RESERVED;
use crate::engine::log_record::LogRecord;
use crate::engine::{AttrValue, truncate};

/// Key bytes (or keys) kept for the next line at most, as the line buffer's own bound.
const MAX_RETAINED: usize = 64 * 1024;

/// Whether a span attribute named `key` may be copied onto a line or record at all.
fn copied(key: &str) -> bool {
    !key.starts_with("code.") && !key.starts_with("field.") && !RESERVED.contains(&key)
}

/// The keys already written to one line, so a nearer span's key hides an outer one's. Kept
/// with the line's buffers and reused: no allocation per line once it has grown.
#[derive(Debug)]
pub(super) struct Seen {
    text: String,
    ends: Vec<usize>,
}

impl Seen {
    pub(super) const fn new() -> Self {
        Self {
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// Empties it, and gives back buffers that huge keys made huge.
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        if self.text.capacity() > MAX_RETAINED {
            self.text = String::new();
        }
        if self.ends.capacity() > MAX_RETAINED {
            self.ends = Vec::new();
        }
    }

    /// True the first time `key` is seen.
    fn insert(&mut self, key: &str) -> bool {
        let mut start = 0;
        for &end in &self.ends {
            if self.text.get(start..end) == Some(key) {
                return false;
            }
            start = end;
        }
        self.text.push_str(key);
        self.ends.push(self.text.len());
        true
    }
}

/// Calls `write` with each span field of a line whose event has `fields`, nearest span first,
/// each key once. `write` runs while the engine's stack is borrowed: it must only format.
pub(super) fn for_each(
    seen: &mut Seen,
    fields: &FieldSet,
    mut write: impl FnMut(&str, &AttrValue),
) {
    seen.clear();
    crate::engine::visit_span_attrs(|key, value| {
        if copied(key) && fields.field(key).is_none() && seen.insert(key) {
            write(key, value);
        }
    });
}

/// Adds the span fields to a log record whose event's fields are already in it, within the
/// record's limits: values cut to `max_chars`, at most `max_attrs` attributes (more are
/// counted as dropped, OpenTelemetry "Attribute Limits").
pub(super) fn add_to_record(record: &mut LogRecord, max_chars: usize, max_attrs: usize) {
    crate::engine::visit_span_attrs(|key, value| {
        // The event's fields and nearer spans' attributes are in the record already.
        if !copied(key) || record.attrs.iter().any(|(k, _)| k == key) {
            return;
        }
        if record.attrs.len() >= max_attrs {
            record.dropped_attrs = record.dropped_attrs.saturating_add(1);
            return;
        }
        let value = match value {
            AttrValue::Str(text) if text.len() > max_chars => {
                AttrValue::text(truncate(text, max_chars))
            }
            other => other.clone(),
        };
        record.attrs.push((Cow::clone(key), value));
    });
}
