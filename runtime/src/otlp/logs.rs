//! `ExportLogsServiceRequest` bodies written from log records into reused buffers.

use super::log_record::{Times, log_record_len, put_log_record};
use super::request::{Body, Push, Request};
use super::scoped::ScopedEnvelope;
use crate::engine::clock::Anchor;
use crate::engine::log_record::LogRecord;
use crate::resource::Resource;

/// Encodes log records into `ExportLogsServiceRequest` bodies of at most `max_body` bytes, in
/// the same loop as [`TraceWriter`](super::TraceWriter):
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
/// A record's instrumentation scope is its target: a request has one `ScopeLogs` per target
/// among its records, each with that target's records in the order they were pushed, whatever
/// the order of targets in between. Once the buffers have grown to the usual request and the
/// targets have been seen, pushing allocates nothing.
#[derive(Debug)]
pub(crate) struct LogWriter {
    envelope: ScopedEnvelope,
}

impl LogWriter {
    /// A writer whose requests carry `resource`; `max_body` is clamped to
    /// [`MAX_BODY_LIMIT`](super::MAX_BODY_LIMIT).
    pub(crate) fn new(resource: &Resource, max_body: usize) -> LogWriter {
        LogWriter {
            envelope: ScopedEnvelope::new(resource, max_body),
        }
    }

    /// Appends the log record `record`, its ticks converted to Unix time through `anchor`. The
    /// record is only read. A record is too large when it makes a request over the cap with
    /// its scope alone, the target's length included.
    #[inline]
    pub(crate) fn push(&mut self, record: &LogRecord, anchor: &Anchor) -> Push {
        let times = Times::of(record, anchor);
        let len = log_record_len(record, times);
        self.envelope.push(&record.target, len, |out| {
            put_log_record(out, record, times)
        })
    }

    /// The number of log records in the request under way.
    pub(crate) fn records(&self) -> usize {
        self.envelope.items()
    }

    /// The finished request, `None` when it has no records. The next request starts in the
    /// same buffers when the returned value is dropped.
    pub(crate) fn finish(&mut self) -> Option<Request<'_>> {
        self.envelope.finish()
    }

    /// Takes back the bytes of a request [`take`](Request::take)n, for a later one.
    pub(crate) fn give_back(&mut self, body: Body) {
        self.envelope.give_back(body);
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> (usize, usize) {
        self.envelope.capacity()
    }

    #[cfg(test)]
    pub(crate) fn scopes(&self) -> usize {
        self.envelope.scopes()
    }
}
