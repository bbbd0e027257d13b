//! One event as one JSON object: the fixed keys, then the event's fields with their JSON types,
//! then the ids and the `exception` object.
//!
//! Every string goes through serde_json, which escapes `"`, `\` and all control characters, so
//! a message cannot break the line or forge another one (SPEC-NOTES S6). Debug and Display
//! values are formatted into a reused scratch `String` first: serde_json's `collect_str` would
//! panic on a Display impl that returns an error, and a panic while logging is not an option.

use std::fmt::{self, Write as _};

use tracing::Event;

use super::fields::{Exception, FieldVisitor, MessageVisitor};
use super::layer::write_hex;

/// What the fixed part of a line is made of, resolved by the layer.
#[derive(Debug)]
pub(super) struct Header<'a> {
    pub(super) timestamp: &'a [u8],
    pub(super) level: &'static str,
    /// `"service":"…",` escaped once when the layer was built.
    pub(super) service: &'a [u8],
    pub(super) target: &'a str,
    /// The event came from the `log` bridge: its `log.*` fields are metadata, not data.
    pub(super) is_log: bool,
    pub(super) ids: Option<(u128, u64)>,
}

/// Strings reused from line to line (the layer keeps one per thread), so formatting a value
/// or an error allocates nothing once they have grown.
#[derive(Debug)]
pub(super) struct Scratch {
    /// A Debug or Display value on its way to being escaped.
    text: String,
    exception: Exception,
}

impl Scratch {
    pub(super) const fn new() -> Self {
        Self {
            text: String::new(),
            exception: Exception::new(),
        }
    }

    /// Empties everything, and gives back strings that one huge value made huge.
    pub(super) fn clear(&mut self, max_retained: usize) {
        self.text.clear();
        if self.text.capacity() > max_retained {
            self.text = String::new();
        }
        self.exception.clear(max_retained);
    }
}

/// Renders `event` as one JSON line (with its `\n`) into `out`.
pub(super) fn render(
    out: &mut Vec<u8>,
    scratch: &mut Scratch,
    header: &Header<'_>,
    event: &Event<'_>,
) {
    out.extend_from_slice(b"{\"timestamp\":\"");
    out.extend_from_slice(header.timestamp);
    out.extend_from_slice(b"\",\"level\":\"");
    out.extend_from_slice(header.level.as_bytes());
    out.extend_from_slice(b"\",");
    out.extend_from_slice(header.service);
    out.extend_from_slice(b"\"target\":");
    write_str(out, header.target);
    out.extend_from_slice(b",\"message\":");

    // Two passes over the fields, because tracing's macros record `message` last while the
    // line puts it first; a pass that ignores a field costs a name comparison.
    let Scratch { text, exception } = scratch;
    let mut message = MessageVisitor {
        out: &mut *out,
        text: &mut *text,
        found: false,
    };
    event.record(&mut message);
    if !message.found {
        out.extend_from_slice(b"\"\"");
    }
    event.record(&mut FieldVisitor {
        out: &mut *out,
        text,
        exception: &mut *exception,
        is_log: header.is_log,
        is_error: header.level == "ERROR",
    });

    if let Some((trace_id, span_id)) = header.ids {
        out.extend_from_slice(b",\"trace_id\":\"");
        write_hex(out, trace_id, 32);
        out.extend_from_slice(b"\",\"span_id\":\"");
        write_hex(out, u128::from(span_id), 16);
        out.push(b'"');
    }
    if exception.has_kind || exception.has_message {
        out.extend_from_slice(b",\"exception\":{\"type\":");
        // `dyn Error` erases the concrete type, so without an explicit `exception.type` field
        // the type is the generic "error".
        write_str(
            out,
            if exception.has_kind {
                &exception.kind
            } else {
                "error"
            },
        );
        out.extend_from_slice(b",\"message\":");
        write_str(out, &exception.message);
        out.push(b'}');
    }
    out.extend_from_slice(b"}\n");
}

/// `"service":"<name>",` for [`Header::service`].
pub(super) fn service_prefix(name: &str) -> Box<[u8]> {
    let mut out = b"\"service\":".to_vec();
    write_str(&mut out, name);
    out.push(b',');
    out.into_boxed_slice()
}

/// Writes a JSON string.
pub(super) fn write_str(out: &mut Vec<u8>, value: &str) {
    // Writing into a Vec cannot fail, and a `str` always serialises.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Writes formatted text as a JSON string, through `text`. A Debug or Display impl that
/// returns an error gets a placeholder rather than half a value.
pub(super) fn write_fmt(out: &mut Vec<u8>, text: &mut String, value: fmt::Arguments<'_>) {
    if let Some(literal) = value.as_str() {
        return write_str(out, literal);
    }
    text.clear();
    if text.write_fmt(value).is_err() {
        text.clear();
        text.push_str("<formatting failed>");
    }
    write_str(out, text);
}
