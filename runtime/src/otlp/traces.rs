//! `ExportTraceServiceRequest` bodies written from span records into one reused buffer.

use super::code::CodeAttributes;
use super::common::TRACED_SCOPE;
use super::request::{Body, Envelope, Push, Request};
use super::span::{SPAN_ATTRIBUTES, Times, put_span, span_bound, span_len};
use crate::engine::clock::Anchor;
use crate::engine::record::SpanRecord;
use crate::resource::Resource;

/// Encodes span records into `ExportTraceServiceRequest` bodies of at most `max_body` bytes.
///
/// ```text
/// loop over records:
///     match writer.push(&record, &anchor) {
///         Push::Appended => {}
///         Push::Full => { send(writer.finish()); writer.push(&record, &anchor) /* Appended */ }
///         Push::TooLarge => dropped += 1,
///     }
/// send(writer.finish())  // None when empty
/// ```
///
/// Once the buffer has grown to the usual request, pushing allocates nothing.
#[derive(Debug)]
pub(crate) struct TraceWriter {
    envelope: Envelope,
    code: CodeAttributes,
}

impl TraceWriter {
    /// A writer whose requests carry `resource` and traced's scope; `max_body` is clamped to
    /// [`MAX_BODY_LIMIT`](super::MAX_BODY_LIMIT).
    pub(crate) fn new(resource: &Resource, max_body: usize) -> TraceWriter {
        TraceWriter {
            envelope: Envelope::new(resource, TRACED_SCOPE, max_body),
            code: CodeAttributes::new(SPAN_ATTRIBUTES),
        }
    }

    /// Appends the span of `record`, its ticks converted to Unix time through `anchor`. The
    /// record is only read.
    #[inline]
    pub(crate) fn push(&mut self, record: &SpanRecord, anchor: &Anchor) -> Push {
        let code = match record.code {
            Some(code) => self.code.get(code),
            None => &[],
        };
        let times = Times::of(record, anchor);
        self.envelope.push_bounded(
            span_bound(record, code),
            || span_len(record, code),
            |out| put_span(out, record, code, times, anchor),
        )
    }

    /// The number of spans in the request under way.
    pub(crate) fn spans(&self) -> usize {
        self.envelope.items()
    }

    /// The finished request, `None` when it has no spans. The next request starts in the same
    /// buffer when the returned value is dropped.
    pub(crate) fn finish(&mut self) -> Option<Request<'_>> {
        self.envelope.finish()
    }

    /// Takes back the bytes of a request [`take`](Request::take)n, for a later one.
    pub(crate) fn give_back(&mut self, body: Body) {
        self.envelope.give_back(body);
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.envelope.capacity()
    }
}
