//! The event's fields for the JSON line: the message alone (first pass), then every other
//! field with its JSON type, and the values that make up the `exception` object.

use std::error::Error;
use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

use super::line::{XRAY_KEY, write_f64, write_fmt, write_str};

/// Keys of the line itself. A field with one of these names is written as `field.<name>`, so
/// an event can neither overwrite nor spoof them (JSON parsers keep the last duplicate).
pub(super) const RESERVED: [&str; 9] = [
    "timestamp",
    "level",
    "service",
    "target",
    "message",
    "trace_id",
    "span_id",
    "exception",
    XRAY_KEY,
];

/// Sources of an error appended to its message at most; a cycle cannot loop forever.
const MAX_SOURCES: usize = 8;

/// The `exception` object, gathered while the fields are visited and written after them.
#[derive(Debug)]
pub(super) struct Exception {
    pub(super) kind: String,
    pub(super) message: String,
    pub(super) has_kind: bool,
    pub(super) has_message: bool,
}

impl Exception {
    pub(super) const fn new() -> Self {
        Self {
            kind: String::new(),
            message: String::new(),
            has_kind: false,
            has_message: false,
        }
    }

    /// Empties it, and gives back strings that one huge error made huge.
    pub(super) fn clear(&mut self, max_retained: usize) {
        for text in [&mut self.kind, &mut self.message] {
            text.clear();
            if text.capacity() > max_retained {
                *text = String::new();
            }
        }
        self.has_kind = false;
        self.has_message = false;
    }
}

/// An error and its sources, `outer: inner: root`, as `anyhow` prints them with `{:#}`.
struct Chain<'a>(&'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        for _ in 0..MAX_SOURCES {
            let Some(error) = source else { break };
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

/// First pass: the `message` field alone.
pub(super) struct MessageVisitor<'a> {
    pub(super) out: &'a mut Vec<u8>,
    pub(super) text: &'a mut String,
    pub(super) found: bool,
}

impl Visit for MessageVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" && !self.found {
            self.found = true;
            write_str(self.out, value);
        }
    }

    // Every other type reaches here through `Visit`'s defaults; `fmt::Arguments` (what
    // `info!("…{x}")` records) prints the same with Debug as with Display.
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" && !self.found {
            self.found = true;
            write_fmt(self.out, self.text, format_args!("{value:?}"));
        }
    }
}

/// Where a field goes.
enum Route {
    Skip,
    ExceptionType,
    ExceptionMessage,
    Field,
}

/// Second pass: every other field, typed, and the exception.
pub(super) struct FieldVisitor<'a> {
    pub(super) out: &'a mut Vec<u8>,
    pub(super) text: &'a mut String,
    pub(super) exception: &'a mut Exception,
    /// `log.*` fields of a record bridged from `log` are metadata, already used.
    pub(super) is_log: bool,
    pub(super) is_error: bool,
}

impl FieldVisitor<'_> {
    fn route(&self, field: &Field) -> Route {
        match field.name() {
            "message" => Route::Skip,
            name if self.is_log && name.starts_with("log.") => Route::Skip,
            "exception.type" => Route::ExceptionType,
            "exception.message" => Route::ExceptionMessage,
            // `error!(error = %e, "…")`: the common way to log an error without `record_error`.
            "error" if self.is_error && !self.exception.has_message => Route::ExceptionMessage,
            _ => Route::Field,
        }
    }

    fn key(&mut self, field: &Field) {
        self.out.push(b',');
        let name = field.name();
        if RESERVED.contains(&name) {
            write_fmt(self.out, self.text, format_args!("field.{name}"));
        } else {
            write_str(self.out, name);
        }
        self.out.push(b':');
    }

    /// A field whose value is text, or any value routed into the exception.
    fn text(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        match self.route(field) {
            Route::Skip => {}
            Route::ExceptionType => {
                self.exception.kind.clear();
                let _ = self.exception.kind.write_fmt(value);
                self.exception.has_kind = true;
            }
            Route::ExceptionMessage => {
                self.exception.message.clear();
                let _ = self.exception.message.write_fmt(value);
                self.exception.has_message = true;
            }
            Route::Field => {
                self.key(field);
                write_fmt(self.out, self.text, value);
            }
        }
    }

    /// A number or bool: a JSON value of its own type unless it is routed to the exception.
    fn typed(&mut self, field: &Field, value: &dyn Typed) {
        match self.route(field) {
            Route::Field => {
                self.key(field);
                value.write(self.out);
            }
            _ => self.text(field, format_args!("{}", value.display())),
        }
    }
}

/// A JSON-typed scalar, written without going through text.
trait Typed {
    fn write(&self, out: &mut Vec<u8>);
    fn display(&self) -> &dyn fmt::Display;
}

macro_rules! typed {
    ($($ty:ty),*) => {$(
        impl Typed for $ty {
            fn write(&self, out: &mut Vec<u8>) {
                // Numbers and bools always serialise, and writing into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, self);
            }
            fn display(&self) -> &dyn fmt::Display {
                self
            }
        }
    )*};
}
typed!(i64, u64, bool);

// 128-bit integers beyond 64 bits are written as decimal strings: most JSON readers (serde_json
// included) turn such a number into an f64 and lose its low digits, which ruins an id.
macro_rules! wide {
    ($($ty:ty => $narrow:ty),*) => {$(
        impl Typed for $ty {
            fn write(&self, out: &mut Vec<u8>) {
                match <$narrow>::try_from(*self) {
                    Ok(narrow) => narrow.write(out),
                    Err(_) => {
                        out.push(b'"');
                        let _ = serde_json::to_writer(&mut *out, self);
                        out.push(b'"');
                    }
                }
            }
            fn display(&self) -> &dyn fmt::Display {
                self
            }
        }
    )*};
}
wide!(i128 => i64, u128 => u64);

impl Typed for f64 {
    fn write(&self, out: &mut Vec<u8>) {
        write_f64(out, *self);
    }
    fn display(&self) -> &dyn fmt::Display {
        self
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.typed(field, &value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.typed(field, &value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.typed(field, &value);
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.typed(field, &value);
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.typed(field, &value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.typed(field, &value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match self.route(field) {
            Route::Field => {
                self.key(field);
                write_str(self.out, value);
            }
            _ => self.text(field, format_args!("{value}")),
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        let route = self.route(field);
        match route {
            Route::Skip | Route::ExceptionType => self.text(field, format_args!("{value}")),
            // The first error becomes the exception; any further one stays a plain field.
            _ if !self.exception.has_message || matches!(route, Route::ExceptionMessage) => {
                self.exception.message.clear();
                let _ = write!(self.exception.message, "{}", Chain(value));
                self.exception.has_message = true;
            }
            _ => {
                self.key(field);
                write_fmt(self.out, self.text, format_args!("{}", Chain(value)));
            }
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, format_args!("{value:?}"));
    }
}
