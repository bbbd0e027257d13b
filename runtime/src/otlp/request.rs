//! The export request every signal shares, built in one buffer that lives as long as its writer.
//!
//! `ExportTraceServiceRequest` and `ExportLogsServiceRequest` have the same shape, field
//! numbers included (opentelemetry-proto `collector/trace/v1/trace_service.proto`,
//! `trace/v1/trace.proto`, `collector/logs/v1/logs_service.proto`, `logs/v1/logs.proto`):
//!
//! ```text
//! request   { 1: resource_{spans,logs} { 1: resource, 2: scope_{spans,logs} { 1: scope, 2: items… } } }
//! ```
//!
//! [`Envelope`] is one resource, one scope, the items (spans, whose scope is traced). Items are
//! appended after a gap at the front of a [`Buffer`]; once the total is known, the prefix (the
//! three wrappers' keys and lengths, the resource, the scope) is written right-aligned into
//! that gap, so nothing is moved. Log records, whose scopes are many, are grouped by
//! `ScopedEnvelope` (`scoped.rs`) and end in a [`Buffer`] too.

use super::common::{Scope, resource_field, scope_field};
use super::wire::{Out, len_field_len, tag_len, varint_len};
use crate::resource::Resource;

/// The default cap on a request body, before compression: an eighth of the specification's
/// recommendation ([`MAX_BODY_LIMIT`]), so that the export thread's buffer stays small.
pub(crate) const DEFAULT_MAX_BODY: usize = 8 << 20;

/// The largest cap that can be configured: "the client SHOULD limit the size of the request
/// body, including before compression [...] It is RECOMMENDED to use 64 MiB as the default
/// limit" (OTLP specification, "OTLP/HTTP Request").
pub(crate) const MAX_BODY_LIMIT: usize = 64 << 20;

/// Below this capacity the buffer is never shrunk.
const MIN_RETAINED: usize = 64 << 10;

// The field numbers of the shared shape above.
pub(crate) const REQUEST_RESOURCE: u32 = 1;
pub(crate) const RESOURCE_RESOURCE: u32 = 1;
pub(crate) const RESOURCE_SCOPE: u32 = 2;
const SCOPE_SCOPE: u32 = 1;
pub(crate) const SCOPE_ITEMS: u32 = 2;

/// What became of an item offered to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Push {
    /// Written into the request.
    Appended,
    /// Not written: the request has no room left for it. Take the request, then offer the
    /// item again.
    Full,
    /// Not written: the item alone makes a request over the cap. Drop it and count it.
    TooLarge,
}

/// The bytes of one request at a time: `gap` bytes for its prefix, then its items up to `end`.
#[derive(Debug)]
pub(crate) struct Buffer {
    /// Every byte of it is initialised once, when it grows, so writing an item does not zero
    /// its bytes first: the buffer's length is its size, and `end` the request's.
    buf: Vec<u8>,
    end: usize,
    gap: usize,
    /// Never grown past `gap + max_body`.
    max_body: usize,
    records: usize,
    /// An exponential moving average of request bodies: what the buffer is shrunk back to.
    usual: usize,
    /// The bytes of a request taken and given back ([`Request::take`], [`Buffer::give_back`]),
    /// kept for the next request taken.
    spare: Option<Vec<u8>>,
}

impl Buffer {
    pub(crate) fn new(gap: usize, max_body: usize) -> Buffer {
        Buffer {
            buf: vec![0; gap],
            end: gap,
            gap,
            max_body,
            records: 0,
            usual: 0,
            spare: None,
        }
    }

    /// The bytes of the items so far.
    #[inline]
    pub(crate) fn items_len(&self) -> usize {
        self.end - self.gap
    }

    /// The items so far.
    #[inline]
    pub(crate) fn items(&self) -> &[u8] {
        &self.buf[self.gap..self.end]
    }

    /// The number of spans or log records in the request.
    #[inline]
    pub(crate) fn records(&self) -> usize {
        self.records
    }

    #[inline]
    pub(crate) fn count(&mut self, records: usize) {
        self.records += records;
    }

    /// Adds `len` bytes of items, written by `write` (exactly that many: checked). The caller
    /// keeps the items within the cap. The writer may use the buffer's bytes after them as a
    /// window for small writes (`Out::window`).
    #[inline]
    pub(crate) fn append(&mut self, len: usize, write: impl FnOnce(&mut Out<'_>)) {
        let mut out = Out::new(self.spare(len));
        write(&mut out);
        assert_eq!(out.written(), len, "an item's length is exact");
        self.keep(len);
    }

    /// The bytes after the items, at least `len` of them, set aside without adding them: an
    /// item is written there, then added with [`keep`](Self::keep), or left out by not keeping
    /// it. The bytes past `len` (the buffer's size beyond) are room for small writes that
    /// overshoot (`Out::window`); the caller keeps at most `len`.
    #[inline]
    pub(crate) fn spare(&mut self, len: usize) -> &mut [u8] {
        let start = self.end;
        if self.buf.len() - start < len {
            self.grow(start + len);
        }
        &mut self.buf[start..]
    }

    /// Adds the first `len` bytes of the [`spare`](Self::spare) ones to the items.
    #[inline]
    pub(crate) fn keep(&mut self, len: usize) {
        self.end += len;
    }

    /// The request: its prefix, `prefix_len` bytes written by `write` right before the items.
    #[inline]
    pub(crate) fn finish(
        &mut self,
        prefix_len: usize,
        write: impl FnOnce(&mut Out<'_>),
    ) -> Request<'_> {
        let start = self.gap - prefix_len;
        let mut out = Out::new(&mut self.buf[start..self.gap]);
        write(&mut out);
        debug_assert_eq!(out.written(), prefix_len, "a prefix's length is exact");
        Request {
            buffer: self,
            start,
        }
    }

    /// Makes the buffer at least `needed` bytes long: doubling, but never past what the cap
    /// needs.
    #[cold]
    fn grow(&mut self, needed: usize) {
        let target = (self.buf.len() * 2)
            .max(needed)
            .min(self.gap + self.max_body);
        self.buf.reserve_exact(target - self.buf.len());
        self.buf.resize(target, 0);
    }

    /// Starts the next request in the same buffer, shrinking it after an outlier: a buffer
    /// over four times the usual body goes back to twice the usual body.
    pub(crate) fn reset(&mut self, body: usize) {
        self.usual = if self.usual == 0 {
            body
        } else {
            (self.usual * 7 + body) / 8
        };
        self.end = self.gap;
        self.records = 0;
        self.shrink();
    }

    fn shrink(&mut self) {
        let usual = self.usual.max(MIN_RETAINED);
        for buf in std::iter::once(&mut self.buf).chain(&mut self.spare) {
            if buf.len() > self.gap + 4 * usual {
                buf.truncate(self.gap + 2 * usual);
                buf.shrink_to_fit();
            }
        }
    }

    /// The finished request's bytes (from `start`), taken out; the next request starts in the
    /// bytes last given back, or in a new buffer.
    fn take(&mut self, start: usize) -> Body {
        let mut next = self.spare.take().unwrap_or_default();
        if next.len() < self.gap {
            next.resize(self.gap, 0);
        }
        let bytes = std::mem::replace(&mut self.buf, next);
        let body = Body {
            bytes,
            start,
            end: self.end,
            records: self.records,
        };
        self.reset(body.end - start);
        body
    }

    /// Takes back the bytes of a request [`take`](Request::take)n, for a later one.
    pub(crate) fn give_back(&mut self, body: Body) {
        self.spare = Some(body.bytes);
        self.shrink();
    }

    /// The buffer's capacity, for tests of its shrinking.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// A request under construction: one resource, one scope, the items.
#[derive(Debug)]
pub(crate) struct Envelope {
    buffer: Buffer,
    /// `resource_{spans,logs}.resource`, encoded once.
    resource: Vec<u8>,
    /// `scope_{spans,logs}.scope`, encoded once.
    scope: Vec<u8>,
    max_body: usize,
    /// The most bytes of items a request holds within `max_body` (0 when not even an empty
    /// one fits), so that [`push_bounded`](Self::push_bounded) compares once.
    max_items: usize,
}

impl Envelope {
    /// `max_body` is clamped to [`MAX_BODY_LIMIT`].
    pub(crate) fn new(resource: &Resource, scope: Scope<'_>, max_body: usize) -> Envelope {
        let max_body = max_body.min(MAX_BODY_LIMIT);
        let resource = resource_field(RESOURCE_RESOURCE, resource);
        let scope = scope_field(SCOPE_SCOPE, scope);
        // Every length in a request is below `max_body`, so its varint is at most this long.
        let len = varint_len(max_body as u64);
        let gap = 1 + len + resource.len() + 1 + len + scope.len();
        let mut envelope = Envelope {
            buffer: Buffer::new(gap, max_body),
            resource,
            scope,
            max_body,
            max_items: 0,
        };
        // The body is longer than its items by the wrappers' keys, lengths, resource and scope:
        // a few varints' worth of bytes more or less as the items grow, searched down from an
        // estimate.
        let mut items = max_body.saturating_sub(envelope.body_len(0));
        while items > 0 && envelope.body_len(items) > max_body {
            items -= 1;
        }
        envelope.max_items = items;
        envelope
    }

    /// The number of items in the request.
    pub(crate) fn items(&self) -> usize {
        self.buffer.records()
    }

    /// Offers an item whose message is `len` bytes long; `write` writes exactly that message.
    #[inline]
    pub(crate) fn push(&mut self, len: usize, write: impl FnOnce(&mut Out<'_>)) -> Push {
        let field = len_field_len(SCOPE_ITEMS, len);
        if self.body_len(field) > self.max_body {
            return Push::TooLarge;
        }
        if self.body_len(self.buffer.items_len() + field) > self.max_body {
            return Push::Full;
        }
        self.buffer.append(field, |out| {
            out.len_prefix(SCOPE_ITEMS, len);
            write(out);
        });
        self.buffer.count(1);
        Push::Appended
    }

    /// [`push`](Self::push) for an item whose exact length costs more to compute than to write
    /// (a span: every attribute's nested lengths): `bound` is at least the length of its
    /// message, `len` computes the exact one, and `write` writes the message. The message is
    /// written once, after room for its key and for the longest length `bound` allows; its key
    /// and length then go just before it, and a message whose length takes fewer bytes than
    /// that is moved up to them (one byte, for a message under 128 bytes with a bound over).
    /// Where the bound could reach past the cap, the exact length decides, as in `push`.
    #[inline(always)]
    pub(crate) fn push_bounded(
        &mut self,
        bound: usize,
        len: impl Fn() -> usize,
        write: impl FnOnce(&mut Out<'_>),
    ) -> Push {
        let room = tag_len(SCOPE_ITEMS) + varint_len(bound as u64);
        if self.buffer.items_len() + room + bound > self.max_items {
            return self.push(len(), write);
        }
        // Within the cap, so within the size the buffer may grow to.
        let spare = self.buffer.spare(room + bound);
        let mut out = Out::new(&mut spare[room..]);
        write(&mut out);
        let written = out.written();
        assert!(written <= bound, "a bound is at least the item's length");
        debug_assert_eq!(written, len(), "a bound is at least the item's length");
        let key = tag_len(SCOPE_ITEMS) + varint_len(written as u64);
        if key < room {
            spare.copy_within(room..room + written, key);
        }
        Out::new(&mut spare[..key]).len_prefix(SCOPE_ITEMS, written);
        self.buffer.keep(key + written);
        self.buffer.count(1);
        Push::Appended
    }

    /// The request's body, or `None` when it has no items (the specification asks senders
    /// not to send empty envelopes: OTLP specification, "Empty Telemetry Envelopes"). The
    /// next request starts when the returned value is dropped.
    pub(crate) fn finish(&mut self) -> Option<Request<'_>> {
        if self.buffer.records() == 0 {
            return None;
        }
        let items = self.buffer.items_len();
        let scope_len = self.scope.len() + items;
        let resource_len = self.resource.len() + len_field_len(RESOURCE_SCOPE, scope_len);
        let prefix_len = self.body_len(items) - items;
        let (resource, scope) = (&self.resource, &self.scope);
        Some(self.buffer.finish(prefix_len, |out| {
            out.len_prefix(REQUEST_RESOURCE, resource_len);
            out.raw(resource);
            out.len_prefix(RESOURCE_SCOPE, scope_len);
            out.raw(scope);
        }))
    }

    /// Takes back the bytes of a request [`take`](Request::take)n, for a later one.
    pub(crate) fn give_back(&mut self, body: Body) {
        self.buffer.give_back(body);
    }

    /// The body's length with `items` bytes of items.
    #[inline]
    fn body_len(&self, items: usize) -> usize {
        let scope = len_field_len(RESOURCE_SCOPE, self.scope.len() + items);
        len_field_len(REQUEST_RESOURCE, self.resource.len() + scope)
    }

    /// The buffer's capacity, for tests of its shrinking.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buffer.capacity()
    }
}

/// A finished request. The writer starts the next request in the same buffer when it is
/// dropped.
#[derive(Debug)]
#[must_use = "dropping the request discards it"]
pub(crate) struct Request<'a> {
    buffer: &'a mut Buffer,
    start: usize,
}

impl Request<'_> {
    /// The encoded `Export*ServiceRequest`, at most the writer's `max_body` bytes.
    pub(crate) fn body(&self) -> &[u8] {
        &self.buffer.buf[self.start..self.buffer.end]
    }

    /// The number of spans or log records in it.
    pub(crate) fn records(&self) -> usize {
        self.buffer.records
    }
}

impl Request<'_> {
    /// The request, taken out of the writer: it starts the next request in other bytes, so
    /// this one can be sent while the next is written. Give the bytes back once sent
    /// (`give_back` of the writer), or the next request taken allocates new ones.
    pub(crate) fn take(self) -> Body {
        // Not dropped, which would start the next request in these bytes; `Request` owns
        // nothing (a reference and a number), so nothing leaks.
        let mut request = std::mem::ManuallyDrop::new(self);
        let start = request.start;
        request.buffer.take(start)
    }
}

/// A request's bytes taken out of the writer ([`Request::take`]).
#[derive(Debug)]
pub(crate) struct Body {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    records: usize,
}

impl Body {
    /// The encoded `Export*ServiceRequest`.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// The number of spans or log records in it.
    pub(crate) fn records(&self) -> usize {
        self.records
    }

    /// Where its bytes are, and how many the allocation holds, for tests of their reuse.
    #[cfg(test)]
    pub(crate) fn allocation(&self) -> (*const u8, usize) {
        (self.bytes.as_ptr(), self.bytes.capacity())
    }
}

impl Drop for Request<'_> {
    fn drop(&mut self) {
        let body = self.buffer.end - self.start;
        self.buffer.reset(body);
    }
}
