//! One event as one JSON object: the fixed keys, then the event's fields with their JSON types,
//! then the ids and the `exception` object.
//!
//! Every string goes through serde_json, which escapes `"`, `\` and all control characters, so
//! a message cannot break the line or forge another one (log injection, CWE-117). Debug and
//! Display values are formatted into a reused scratch `String` first (see `line::write_fmt`).

use tracing::Event;

use super::fields::{Exception, FieldVisitor, MessageVisitor};
use super::line::{Header, XRAY_KEY, write_f64, write_hex, write_str};
use super::span_fields::{self, Seen};
use crate::engine::AttrValue;

/// Strings reused from line to line (the layer keeps one per thread), so formatting a value
/// or an error allocates nothing once they have grown.
#[derive(Debug)]
pub(super) struct Scratch {
    /// A Debug or Display value on its way to being escaped.
    text: String,
    exception: Exception,
    /// The span fields' keys written so far.
    seen: Seen,
}

impl Scratch {
    pub(super) const fn new() -> Self {
        Self {
            text: String::new(),
            exception: Exception::new(),
            seen: Seen::new(),
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
    let Scratch {
        text,
        exception,
        seen,
    } = scratch;
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
    if header.span_fields && header.ids.is_some() {
        span_fields::for_each(seen, event.metadata().fields(), |key, value| {
            out.push(b',');
            write_str(out, key);
            out.push(b':');
            write_value(out, value);
        });
    }

    if let Some((trace_id, span_id)) = header.ids {
        out.extend_from_slice(b",\"trace_id\":\"");
        write_hex(out, trace_id, 32);
        out.extend_from_slice(b"\",\"span_id\":\"");
        write_hex(out, u128::from(span_id), 16);
        out.push(b'"');
        if header.xray {
            write_xray(out, trace_id, span_id);
        }
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

/// `,"AWS-XRAY-TRACE-ID":"1-{8 hex}-{24 hex}@{span id}"`: the W3C trace id in X-Ray's form (its
/// first 32 bits, which X-Ray reads as the epoch time of the trace's start, then the other 96;
/// X-Ray accepts any value there since it took W3C ids) and the span id, the field CloudWatch
/// Logs uses to link a line to its X-Ray trace.
fn write_xray(out: &mut Vec<u8>, trace_id: u128, span_id: u64) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(XRAY_KEY.as_bytes());
    out.extend_from_slice(b"\":\"1-");
    write_hex(out, trace_id >> 96, 8);
    out.push(b'-');
    write_hex(out, trace_id, 24);
    out.push(b'@');
    write_hex(out, u128::from(span_id), 16);
    out.push(b'"');
}

/// A span attribute's value with its JSON type.
fn write_value(out: &mut Vec<u8>, value: &AttrValue) {
    match value {
        AttrValue::Bool(true) => out.extend_from_slice(b"true"),
        AttrValue::Bool(false) => out.extend_from_slice(b"false"),
        // Writing an integer into a Vec cannot fail.
        AttrValue::I64(i) => {
            let _ = serde_json::to_writer(&mut *out, i);
        }
        AttrValue::F64(f) => write_f64(out, *f),
        AttrValue::Str(s) => write_str(out, s),
    }
}

/// `"service":"<name>",` for [`Header::service`].
pub(super) fn service_prefix(name: &str) -> Box<[u8]> {
    let mut out = b"\"service\":".to_vec();
    write_str(&mut out, name);
    out.push(b',');
    out.into_boxed_slice()
}
