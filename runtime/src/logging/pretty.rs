//! The human format (`TRACED_LOG_FORMAT=pretty`), for a developer's terminal:
//!
//! ```text
//! 2026-11-25T10:53:34.123456Z  INFO my_app::jobs: job done job.id=42 trace_id=… span_id=…
//! ```
//!
//! Still one line per event: every control character from a message or a value is printed
//! escaped (`\n`, `\u{1b}`), so nothing logged can forge a line or drive the terminal
//! (RUSTSEC-2025-0055 is the same attack on tracing-subscriber's own formatter).

use std::error::Error;
use std::fmt::{self, Write as _};

use tracing::Event;
use tracing::field::{Field, Visit};

use super::line::{Header, write_hex};
use super::span_fields::{self, Seen};
use crate::engine::AttrValue;

const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Renders `event` as one human-readable line (with its `\n`) into `out`.
pub(super) fn render(
    out: &mut Vec<u8>,
    seen: &mut Seen,
    header: &Header<'_>,
    ansi: bool,
    event: &Event<'_>,
) {
    let mut line = Sanitize(out);
    let (dim, reset) = if ansi { (DIM, RESET) } else { ("", "") };
    let colour = match header.level {
        _ if !ansi => "",
        "ERROR" => "\x1b[31m",
        "WARN" => "\x1b[33m",
        "INFO" => "\x1b[32m",
        "DEBUG" => "\x1b[34m",
        _ => "\x1b[35m",
    };
    // Our own escape sequences are pushed raw; only logged text goes through `Sanitize`.
    line.0.extend_from_slice(dim.as_bytes());
    line.0.extend_from_slice(header.timestamp);
    line.0.extend_from_slice(reset.as_bytes());
    line.0.push(b' ');
    line.0.extend_from_slice(colour.as_bytes());
    let _ = write!(line, "{:>5}", header.level);
    line.0.extend_from_slice(reset.as_bytes());
    line.0.push(b' ');
    line.0.extend_from_slice(dim.as_bytes());
    let _ = write!(line, "{}:", header.target);
    line.0.extend_from_slice(reset.as_bytes());

    // Message first, then the fields, as in the JSON line.
    event.record(&mut TextVisitor {
        out: &mut *line.0,
        message: true,
        is_log: header.is_log,
    });
    event.record(&mut TextVisitor {
        out: &mut *line.0,
        message: false,
        is_log: header.is_log,
    });
    if header.span_fields && header.ids.is_some() {
        span_fields::for_each(seen, event.metadata().fields(), |key, value| {
            let mut out = Sanitize(&mut *line.0);
            let _ = match value {
                // Quoted, as the event's string fields.
                AttrValue::Str(text) => write!(out, " {key}={:?}", text.as_str()),
                AttrValue::Bool(b) => write!(out, " {key}={b}"),
                AttrValue::I64(i) => write!(out, " {key}={i}"),
                AttrValue::F64(f) => write!(out, " {key}={f}"),
            };
        });
    }

    if let Some((trace_id, span_id)) = header.ids {
        line.0.extend_from_slice(b" trace_id=");
        write_hex(line.0, trace_id, 32);
        line.0.extend_from_slice(b" span_id=");
        write_hex(line.0, u128::from(span_id), 16);
    }
    line.0.push(b'\n');
}

/// Copies text, escaping control characters (C0, DEL and C1, which includes the 8-bit CSI).
struct Sanitize<'a>(&'a mut Vec<u8>);

impl fmt::Write for Sanitize<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if !text.chars().any(char::is_control) {
            self.0.extend_from_slice(text.as_bytes());
            return Ok(());
        }
        for c in text.chars() {
            if c.is_control() {
                for escaped in c.escape_debug() {
                    self.0.push(escaped as u8);
                }
            } else {
                let mut utf8 = [0; 4];
                self.0
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        Ok(())
    }
}

/// One pass over the fields: the message alone (`message: true`), or everything else as
/// ` key=value`.
struct TextVisitor<'a> {
    out: &'a mut Vec<u8>,
    message: bool,
    is_log: bool,
}

impl TextVisitor<'_> {
    /// Whether this pass prints `field`.
    fn wants(&self, field: &Field) -> bool {
        let name = field.name();
        (name == "message") == self.message && !(self.is_log && name.starts_with("log."))
    }

    fn field(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if !self.wants(field) {
            return;
        }
        let name = field.name();
        let mut out = Sanitize(self.out);
        let _ = if name == "message" {
            write!(out, " {value}")
        } else {
            write!(out, " {name}={value}")
        };
    }
}

impl Visit for TextVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.field(field, format_args!("{value}"));
        } else {
            // Quoted, so a value with spaces or `=` reads as one value.
            self.field(field, format_args!("{value:?}"));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        if self.wants(field) {
            self.field(field, format_args!("{:?}", value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, format_args!("{value:?}"));
    }
}
