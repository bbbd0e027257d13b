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
//! One resource, one scope, the items. Items are appended after a gap at the front of the
//! buffer; once the total is known, the prefix (the three wrappers' keys and lengths, the
//! resource, the scope) is written right-aligned into that gap, so nothing is moved.

use super::common::{Scope, resource_field, scope_field};
use super::wire::{Out, len_field_len, varint_len};
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
const REQUEST_RESOURCE: u32 = 1;
const RESOURCE_RESOURCE: u32 = 1;
const RESOURCE_SCOPE: u32 = 2;
const SCOPE_SCOPE: u32 = 1;
const SCOPE_ITEMS: u32 = 2;

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

/// A request under construction.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// `gap` bytes for the prefix, then the items up to `end`. Every byte of it is
    /// initialised once, when the buffer grows, so writing a span does not zero its bytes
    /// first: the buffer's length is its size, and `end` the request's.
    buf: Vec<u8>,
    end: usize,
    gap: usize,
    /// `resource_{spans,logs}.resource`, encoded once.
    resource: Vec<u8>,
    /// `scope_{spans,logs}.scope`, encoded once.
    scope: Vec<u8>,
    items: usize,
    max_body: usize,
    /// An exponential moving average of request bodies: what the buffer is shrunk back to.
    usual: usize,
}

impl Envelope {
    /// `max_body` is clamped to [`MAX_BODY_LIMIT`].
    pub(crate) fn new(resource: &Resource, scope: Scope, max_body: usize) -> Envelope {
        let max_body = max_body.min(MAX_BODY_LIMIT);
        let resource = resource_field(RESOURCE_RESOURCE, resource);
        let scope = scope_field(SCOPE_SCOPE, scope);
        // Every length in a request is below `max_body`, so its varint is at most this long.
        let len = varint_len(max_body as u64);
        let gap = 1 + len + resource.len() + 1 + len + scope.len();
        Envelope {
            buf: vec![0; gap],
            end: gap,
            gap,
            resource,
            scope,
            items: 0,
            max_body,
            usual: 0,
        }
    }

    /// The number of items in the request.
    pub(crate) fn items(&self) -> usize {
        self.items
    }

    /// Offers an item whose message is `len` bytes long; `write` writes exactly that message.
    #[inline]
    pub(crate) fn push(&mut self, len: usize, write: impl FnOnce(&mut Out<'_>)) -> Push {
        let field = len_field_len(SCOPE_ITEMS, len);
        if self.body_len(field) > self.max_body {
            return Push::TooLarge;
        }
        let start = self.end;
        if self.body_len(start - self.gap + field) > self.max_body {
            return Push::Full;
        }
        if self.buf.len() - start < field {
            self.grow(start + field);
        }
        self.end = start + field;
        let mut out = Out::new(&mut self.buf[start..self.end]);
        out.len_prefix(SCOPE_ITEMS, len);
        write(&mut out);
        debug_assert_eq!(out.written(), field, "an item's length is exact");
        self.items += 1;
        Push::Appended
    }

    /// The request's body, or `None` when it has no items (the specification asks senders
    /// not to send empty envelopes: OTLP specification, "Empty Telemetry Envelopes"). The
    /// next request starts when the returned value is dropped.
    pub(crate) fn finish(&mut self) -> Option<Request<'_>> {
        if self.items == 0 {
            return None;
        }
        let items = self.end - self.gap;
        let scope_len = self.scope.len() + items;
        let resource_len = self.resource.len() + len_field_len(RESOURCE_SCOPE, scope_len);
        let start = self.gap - (self.body_len(items) - items);
        let mut out = Out::new(&mut self.buf[start..self.gap]);
        out.len_prefix(REQUEST_RESOURCE, resource_len);
        out.raw(&self.resource);
        out.len_prefix(RESOURCE_SCOPE, scope_len);
        out.raw(&self.scope);
        debug_assert_eq!(out.written(), self.gap - start);
        Some(Request {
            start,
            envelope: self,
        })
    }

    /// The body's length with `items` bytes of items.
    #[inline]
    fn body_len(&self, items: usize) -> usize {
        let scope = len_field_len(RESOURCE_SCOPE, self.scope.len() + items);
        len_field_len(REQUEST_RESOURCE, self.resource.len() + scope)
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
    fn reset(&mut self, body: usize) {
        self.usual = if self.usual == 0 {
            body
        } else {
            (self.usual * 7 + body) / 8
        };
        self.end = self.gap;
        self.items = 0;
        let usual = self.usual.max(MIN_RETAINED);
        if self.buf.len() - self.gap > 4 * usual {
            self.buf.truncate(self.gap + 2 * usual);
            self.buf.shrink_to_fit();
        }
    }

    /// The buffer's capacity, for tests of its shrinking.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// A finished request. The writer starts the next request in the same buffer when it is
/// dropped.
#[derive(Debug)]
#[must_use = "dropping the request discards it"]
pub(crate) struct Request<'a> {
    envelope: &'a mut Envelope,
    start: usize,
}

impl Request<'_> {
    /// The encoded `Export*ServiceRequest`, at most the writer's `max_body` bytes.
    pub(crate) fn body(&self) -> &[u8] {
        &self.envelope.buf[self.start..self.envelope.end]
    }

    /// The number of spans or log records in it.
    pub(crate) fn records(&self) -> usize {
        self.envelope.items
    }
}

impl Drop for Request<'_> {
    fn drop(&mut self) {
        let body = self.envelope.end - self.start;
        self.envelope.reset(body);
    }
}
