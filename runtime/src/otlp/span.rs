//! One `Span` message (opentelemetry-proto `trace/v1/trace.proto`) from a span record, read from
//! the record without copying anything out of it: a bound on its length first (string lengths
//! and constants), then its bytes, once; the exact length is computed only near a request's cap
//! (see `Envelope::push_bounded`).
//!
//! Fields are written in field-number order, as prost writes them, so re-encoding a decoded
//! request gives back the same bytes. Empty strings and zero counts are
//! omitted (proto3 defaults); timestamps are always written, as fields the specification calls
//! "semantically required" (`Span.start_time_unix_nano`).

use super::common::{attrs_bound, attrs_len, put_attrs};
use super::wire::WireType::{self, Len};
use super::wire::{
    MAX_VARINT, Out, copy_short, fixed32_field_len, fixed64_field_len, len_field_len,
    str_field_len, tag, tag_len, varint_field_len,
};
use crate::engine::SpanKind;
use crate::engine::clock::Anchor;
use crate::engine::record::{EventRecord, LinkRecord, SpanRecord, Status};

// trace.proto, `Span`.
const SPAN_TRACE_ID: u32 = 1;
const SPAN_SPAN_ID: u32 = 2;
const SPAN_TRACE_STATE: u32 = 3;
const SPAN_PARENT_SPAN_ID: u32 = 4;
const SPAN_NAME: u32 = 5;
const SPAN_KIND: u32 = 6;
const SPAN_START: u32 = 7;
const SPAN_END: u32 = 8;
pub(crate) const SPAN_ATTRIBUTES: u32 = 9;
const SPAN_DROPPED_ATTRIBUTES: u32 = 10;
const SPAN_EVENTS: u32 = 11;
const SPAN_LINKS: u32 = 13;
const SPAN_STATUS: u32 = 15;
const SPAN_FLAGS: u32 = 16;
// trace.proto, `Span.Event`.
const EVENT_TIME: u32 = 1;
const EVENT_NAME: u32 = 2;
const EVENT_ATTRIBUTES: u32 = 3;
// trace.proto, `Span.Link`.
const LINK_TRACE_ID: u32 = 1;
const LINK_SPAN_ID: u32 = 2;
const LINK_FLAGS: u32 = 6;
// trace.proto, `Status`.
const STATUS_MESSAGE: u32 = 2;
const STATUS_CODE: u32 = 3;
const STATUS_CODE_ERROR: u64 = 2;

// trace.proto, `SpanFlags`: bits 0-7 are the W3C trace flags; bit 8 says whether bit 9 (the
// parent, or the linked span, is remote) is known. We always know it.
const CONTEXT_HAS_IS_REMOTE: u32 = 0x100;
const CONTEXT_IS_REMOTE: u32 = 0x200;

const TRACE_ID_FIELD: usize = len_field_len(SPAN_TRACE_ID, 16);
const SPAN_ID_FIELD: usize = len_field_len(SPAN_SPAN_ID, 8);
const LINK_LEN: usize = len_field_len(LINK_TRACE_ID, 16)
    + len_field_len(LINK_SPAN_ID, 8)
    + fixed32_field_len(LINK_FLAGS);

/// The span's times as Unix nanoseconds, converted once for both passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    start: u64,
    end: u64,
}

impl Times {
    #[inline]
    pub(crate) fn of(record: &SpanRecord, anchor: &Anchor) -> Times {
        Times {
            start: anchor.unix_nanos(record.start),
            end: anchor.unix_nanos(record.end),
        }
    }
}

/// The bytes of the `Span` message of `record`, whose `code.*` attributes are `code`.
#[inline]
pub(crate) fn span_len(record: &SpanRecord, code: &[u8]) -> usize {
    let mut len = TRACE_ID_FIELD
        + SPAN_ID_FIELD
        + str_field_len(SPAN_TRACE_STATE, trace_state(record))
        + if record.parent_span_id != 0 {
            len_field_len(SPAN_PARENT_SPAN_ID, 8)
        } else {
            0
        }
        + fixed32_field_len(SPAN_FLAGS)
        + str_field_len(SPAN_NAME, &record.name)
        + varint_field_len(SPAN_KIND, kind(record.kind))
        + fixed64_field_len(SPAN_START)
        + fixed64_field_len(SPAN_END)
        + varint_field_len(SPAN_DROPPED_ATTRIBUTES, record.dropped_attrs.into());
    len += code.len() + attrs_len(SPAN_ATTRIBUTES, &record.attrs);
    if let Some(extra) = &record.extra {
        len += extra_len(&extra.events, &extra.links, &extra.status);
    }
    len
}

/// At least [`span_len`], and cheaper to compute: string lengths and constants only, the
/// lengths' own bytes counted at their most (events, links and status, rare, exactly).
#[inline]
pub(crate) fn span_bound(record: &SpanRecord, code: &[u8]) -> usize {
    let mut bound = FIXED_BOUND
        + trace_state(record).len()
        + record.name.len()
        + code.len()
        + attrs_bound(SPAN_ATTRIBUTES, &record.attrs);
    if let Some(extra) = &record.extra {
        bound += extra_len(&extra.events, &extra.links, &extra.status);
    }
    bound
}

/// Every field of a span but its strings, the attributes and the rare parts, at its longest.
const FIXED_BOUND: usize = TRACE_ID_FIELD
    + SPAN_ID_FIELD
    + len_field_len(SPAN_TRACE_STATE, 0)
    + MAX_VARINT
    + len_field_len(SPAN_PARENT_SPAN_ID, 8)
    + len_field_len(SPAN_NAME, 0)
    + MAX_VARINT
    + tag_len(SPAN_KIND)
    + MAX_VARINT
    + fixed64_field_len(SPAN_START)
    + fixed64_field_len(SPAN_END)
    + tag_len(SPAN_DROPPED_ATTRIBUTES)
    + MAX_VARINT
    + fixed32_field_len(SPAN_FLAGS);

/// Writes the `Span` message of `record`: [`span_len`] bytes.
#[inline(always)]
pub(crate) fn put_span(
    out: &mut Out<'_>,
    record: &SpanRecord,
    code: &[u8],
    times: Times,
    anchor: &Anchor,
) {
    let small = out
        .window::<HEADER>()
        .and_then(|window| put_small_header(window, record, times));
    match small {
        Some(n) => out.advance(n),
        None => {
            out.array(ids(record.trace_id, record.span_id));
            out.str_field(SPAN_TRACE_STATE, trace_state(record));
            if record.parent_span_id != 0 {
                out.bytes_field(SPAN_PARENT_SPAN_ID, &record.parent_span_id.to_be_bytes());
            }
            out.str_field(SPAN_NAME, &record.name);
            out.array(kind_and_times(record.kind, times));
        }
    }
    // The `code.*` attributes first, as the `SpanData` conversion puts them.
    out.raw(code);
    put_attrs(out, SPAN_ATTRIBUTES, &record.attrs);
    out.varint_field(SPAN_DROPPED_ATTRIBUTES, record.dropped_attrs.into());
    if let Some(extra) = &record.extra {
        put_extra(out, &extra.events, &extra.links, &extra.status, anchor);
    }
    out.fixed32_field(SPAN_FLAGS, flags(record.flags, record.parent_is_remote));
}

/// The window for a span's fields up to its times, when it has no `tracestate` and a name
/// under [`MAX_SMALL_NAME`] bytes (most spans).
const HEADER: usize = 128;
const PARENT_FIELD: usize = len_field_len(SPAN_PARENT_SPAN_ID, 8);
const MAX_SMALL_NAME: usize =
    HEADER - TRACE_ID_FIELD - SPAN_ID_FIELD - PARENT_FIELD - 2 - KIND_AND_TIMES;

/// The fields of a span up to its times, in field order, into a window: how many bytes, or
/// `None` when the span has a `tracestate` or a longer name (written field by field). Every
/// offset is below [`HEADER`] given the name's length, so the writes need no index checks of
/// their own.
#[inline(always)]
fn put_small_header(w: &mut [u8; HEADER], record: &SpanRecord, times: Times) -> Option<usize> {
    let name = record.name.as_bytes();
    if !trace_state(record).is_empty() || name.len() >= MAX_SMALL_NAME {
        return None;
    }
    w[..TRACE_ID_FIELD + SPAN_ID_FIELD].copy_from_slice(&ids(record.trace_id, record.span_id));
    let mut at = TRACE_ID_FIELD + SPAN_ID_FIELD;
    // trace.proto, `Span.parent_span_id`: "If this is a root span, then this field must be
    // empty."
    if record.parent_span_id != 0 {
        w[at..at + 2].copy_from_slice(&[tag(SPAN_PARENT_SPAN_ID, Len) as u8, 8]);
        w[at + 2..at + PARENT_FIELD].copy_from_slice(&record.parent_span_id.to_be_bytes());
        at += PARENT_FIELD;
    }
    if !name.is_empty() {
        w[at..at + 2].copy_from_slice(&[tag(SPAN_NAME, Len) as u8, name.len() as u8]);
        copy_short(&mut w[at + 2..at + 2 + name.len()], name);
        at += 2 + name.len();
    }
    w[at..at + KIND_AND_TIMES].copy_from_slice(&kind_and_times(record.kind, times));
    Some(at + KIND_AND_TIMES)
}

/// `trace_id` and `span_id`, both always 16 and 8 bytes, in one write.
#[inline]
fn ids(trace_id: u128, span_id: u64) -> [u8; TRACE_ID_FIELD + SPAN_ID_FIELD] {
    let mut bytes = [0; TRACE_ID_FIELD + SPAN_ID_FIELD];
    bytes[..2].copy_from_slice(&[tag(SPAN_TRACE_ID, Len) as u8, 16]);
    bytes[2..18].copy_from_slice(&trace_id.to_be_bytes());
    bytes[18..20].copy_from_slice(&[tag(SPAN_SPAN_ID, Len) as u8, 8]);
    bytes[20..].copy_from_slice(&span_id.to_be_bytes());
    bytes
}

/// `kind`, `start_time_unix_nano` and `end_time_unix_nano`: always 20 bytes.
const KIND_AND_TIMES: usize = 2 + 2 * fixed64_field_len(SPAN_START);

/// `kind`, `start_time_unix_nano` and `end_time_unix_nano`, in one write.
#[inline]
fn kind_and_times(span_kind: SpanKind, times: Times) -> [u8; KIND_AND_TIMES] {
    let mut bytes = [0; KIND_AND_TIMES];
    bytes[..2].copy_from_slice(&[
        tag(SPAN_KIND, WireType::Varint) as u8,
        kind(span_kind) as u8,
    ]);
    bytes[2] = tag(SPAN_START, WireType::I64) as u8;
    bytes[3..11].copy_from_slice(&times.start.to_le_bytes());
    bytes[11] = tag(SPAN_END, WireType::I64) as u8;
    bytes[12..].copy_from_slice(&times.end.to_le_bytes());
    bytes
}

/// The W3C `tracestate` header, `""` when there is none.
#[inline]
fn trace_state(record: &SpanRecord) -> &str {
    record.trace_state.header().unwrap_or("")
}

/// trace.proto, `Span.SpanKind`: internal 1 to consumer 5 (0, unspecified, is never sent).
#[inline]
fn kind(kind: SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// trace.proto, `Span.flags` and `Span.Link.flags`: the W3C trace flags, and whether the parent
/// (or the linked span) is remote; bits 10-31 "MUST be zero".
#[inline]
fn flags(trace_flags: u8, remote: bool) -> u32 {
    u32::from(trace_flags) | CONTEXT_HAS_IS_REMOTE | if remote { CONTEXT_IS_REMOTE } else { 0 }
}

// Events, links and an error status are rare: kept out of the common span's code.

#[inline(never)]
fn extra_len(events: &[EventRecord], links: &[LinkRecord], status: &Status) -> usize {
    let events: usize = events
        .iter()
        .map(|event| len_field_len(SPAN_EVENTS, event_len(event)))
        .sum();
    events + links.len() * len_field_len(SPAN_LINKS, LINK_LEN) + status_field_len(status)
}

#[inline(never)]
fn put_extra(
    out: &mut Out<'_>,
    events: &[EventRecord],
    links: &[LinkRecord],
    status: &Status,
    anchor: &Anchor,
) {
    for event in events {
        out.len_prefix(SPAN_EVENTS, event_len(event));
        out.fixed64_field(EVENT_TIME, anchor.unix_nanos(event.time));
        out.str_field(EVENT_NAME, &event.name);
        put_attrs(out, EVENT_ATTRIBUTES, &event.attrs);
    }
    for link in links {
        out.len_prefix(SPAN_LINKS, LINK_LEN);
        out.bytes_field(LINK_TRACE_ID, &link.trace_id.to_be_bytes());
        out.bytes_field(LINK_SPAN_ID, &link.span_id.to_be_bytes());
        out.fixed32_field(LINK_FLAGS, flags(link.flags, link.remote));
    }
    // trace.proto, `Status`: unset is the default, and an absent status reads as unset.
    if let Status::Error(message) = status {
        out.len_prefix(SPAN_STATUS, status_len(message));
        out.str_field(STATUS_MESSAGE, message);
        out.varint_field(STATUS_CODE, STATUS_CODE_ERROR);
    }
}

fn event_len(event: &EventRecord) -> usize {
    fixed64_field_len(EVENT_TIME)
        + str_field_len(EVENT_NAME, &event.name)
        + attrs_len(EVENT_ATTRIBUTES, &event.attrs)
}

fn status_field_len(status: &Status) -> usize {
    match status {
        Status::Unset => 0,
        Status::Error(message) => len_field_len(SPAN_STATUS, status_len(message)),
    }
}

fn status_len(message: &str) -> usize {
    str_field_len(STATUS_MESSAGE, message) + varint_field_len(STATUS_CODE, STATUS_CODE_ERROR)
}
