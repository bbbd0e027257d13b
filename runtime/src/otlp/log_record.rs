//! One `LogRecord` message (opentelemetry-proto `logs/v1/logs.proto`) from a log record: its
//! exact length first, then its bytes, both read from the record without copying anything out
//! of it.
//!
//! Fields are written in field-number order, as prost writes them, so re-encoding a decoded
//! request gives back the same bytes. Every field the record does not have is omitted, zero
//! numbers and empty strings included (proto3 defaults: an absent field reads as its default).

use super::common::{attrs_len, put_attrs, put_str_value_field, str_value_field_len};
use super::wire::WireType::{self, Len};
use super::wire::{
    Out, fixed32_field_len, fixed64_field_len, len_field_len, str_field_len, tag, varint_field_len,
};
use crate::engine::clock::Anchor;
use crate::engine::log_record::LogRecord;

// logs.proto, `LogRecord`.
const TIME: u32 = 1;
const SEVERITY_NUMBER: u32 = 2;
const SEVERITY_TEXT: u32 = 3;
const BODY: u32 = 5;
const ATTRIBUTES: u32 = 6;
const DROPPED_ATTRIBUTES: u32 = 7;
const FLAGS: u32 = 8;
const TRACE_ID: u32 = 9;
const SPAN_ID: u32 = 10;
const OBSERVED_TIME: u32 = 11;
const EVENT_NAME: u32 = 12;

const TRACE_ID_FIELD: usize = len_field_len(TRACE_ID, 16);
const SPAN_ID_FIELD: usize = len_field_len(SPAN_ID, 8);
/// `flags`, `trace_id` and `span_id`, the fields of a record logged in a span.
const SPAN_FIELDS: usize = fixed32_field_len(FLAGS) + TRACE_ID_FIELD + SPAN_ID_FIELD;

/// The record's times as Unix nanoseconds, converted once for both passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    time: u64,
    observed: u64,
}

impl Times {
    #[inline]
    pub(crate) fn of(record: &LogRecord, anchor: &Anchor) -> Times {
        Times {
            time: anchor.unix_nanos(record.time),
            observed: anchor.unix_nanos(record.observed),
        }
    }
}

/// The bytes of the `LogRecord` message of `record`.
#[inline]
pub(crate) fn log_record_len(record: &LogRecord, times: Times) -> usize {
    fixed64_len(TIME, times.time)
        + varint_field_len(SEVERITY_NUMBER, record.severity.number.into())
        + str_field_len(SEVERITY_TEXT, record.severity.text)
        + body_len(&record.body)
        + attrs_len(ATTRIBUTES, &record.attrs)
        + varint_field_len(DROPPED_ATTRIBUTES, record.dropped_attrs.into())
        + span_fields_len(record)
        + fixed64_len(OBSERVED_TIME, times.observed)
        + str_field_len(EVENT_NAME, record.event_name.unwrap_or(""))
}

/// Writes the `LogRecord` message of `record`: [`log_record_len`] bytes.
#[inline]
pub(crate) fn put_log_record(out: &mut Out<'_>, record: &LogRecord, times: Times) {
    let number = record.severity.number;
    if times.time != 0 && number != 0 && number < 0x80 {
        out.array(time_and_severity(times.time, number));
    } else {
        put_fixed64(out, TIME, times.time);
        out.varint_field(SEVERITY_NUMBER, number.into());
    }
    out.str_field(SEVERITY_TEXT, record.severity.text);
    if !record.body.is_empty() {
        put_str_value_field(out, BODY, &record.body);
    }
    put_attrs(out, ATTRIBUTES, &record.attrs);
    out.varint_field(DROPPED_ATTRIBUTES, record.dropped_attrs.into());
    if record.trace_id != 0 && record.flags != 0 && record.span_id != 0 {
        out.array(span_fields(record));
    } else {
        put_span_fields(out, record);
    }
    put_fixed64(out, OBSERVED_TIME, times.observed);
    out.str_field(EVENT_NAME, record.event_name.unwrap_or(""));
}

/// logs.proto, `LogRecord.body`: optional; a record without a message has none, rather than an
/// empty string.
#[inline]
fn body_len(body: &str) -> usize {
    if body.is_empty() {
        0
    } else {
        str_value_field_len(BODY, body)
    }
}

/// A timestamp: "Value of 0 indicates unknown or missing timestamp" (logs.proto,
/// `LogRecord.time_unix_nano`), which is also proto3's default, so zero is omitted.
#[inline]
fn fixed64_len(field: u32, nanos: u64) -> usize {
    if nanos == 0 {
        0
    } else {
        fixed64_field_len(field)
    }
}

#[inline]
fn put_fixed64(out: &mut Out<'_>, field: u32, nanos: u64) {
    if nanos != 0 {
        out.fixed64_field(field, nanos);
    }
}

/// logs.proto, `LogRecord.flags`, `trace_id` and `span_id`: an id of zeros is invalid, so a
/// record logged outside any span has neither; the W3C trace flags are the low byte of
/// `flags`, sent with a trace id only (and, as a zero, not at all).
#[inline]
fn span_fields_len(record: &LogRecord) -> usize {
    let trace = record.trace_id != 0;
    let flags = if trace && record.flags != 0 {
        fixed32_field_len(FLAGS)
    } else {
        0
    };
    flags
        + if trace { TRACE_ID_FIELD } else { 0 }
        + if record.span_id != 0 {
            SPAN_ID_FIELD
        } else {
            0
        }
}

/// The three fields of a record logged in a span, in one write.
#[inline]
fn span_fields(record: &LogRecord) -> [u8; SPAN_FIELDS] {
    let mut bytes = [0; SPAN_FIELDS];
    bytes[0] = tag(FLAGS, WireType::I32) as u8;
    bytes[1..5].copy_from_slice(&u32::from(record.flags).to_le_bytes());
    bytes[5..7].copy_from_slice(&[tag(TRACE_ID, Len) as u8, 16]);
    bytes[7..23].copy_from_slice(&record.trace_id.to_be_bytes());
    bytes[23..25].copy_from_slice(&[tag(SPAN_ID, Len) as u8, 8]);
    bytes[25..].copy_from_slice(&record.span_id.to_be_bytes());
    bytes
}

/// `time_unix_nano` and a one-byte `severity_number`, in one write.
#[inline]
fn time_and_severity(time: u64, number: u8) -> [u8; 11] {
    let mut bytes = [0; 11];
    bytes[0] = tag(TIME, WireType::I64) as u8;
    bytes[1..9].copy_from_slice(&time.to_le_bytes());
    bytes[9..].copy_from_slice(&[tag(SEVERITY_NUMBER, WireType::Varint) as u8, number]);
    bytes
}

/// See [`span_fields_len`]: the same fields one at a time, when some are absent.
#[inline(never)]
fn put_span_fields(out: &mut Out<'_>, record: &LogRecord) {
    if record.trace_id != 0 && record.flags != 0 {
        out.fixed32_field(FLAGS, record.flags.into());
    }
    if record.trace_id != 0 {
        out.bytes_field(TRACE_ID, &record.trace_id.to_be_bytes());
    }
    if record.span_id != 0 {
        out.bytes_field(SPAN_ID, &record.span_id.to_be_bytes());
    }
}
