//! A request posted now whose answer is read later, for both signals' OTLP exporters.
//!
//! Waiting for the collector's answer puts the export thread to sleep until the collector has
//! read the request and answered, then wakes it again: once per request. Instead, the answer is
//! read when the next request is about to go (one request at a time on the connection), or by
//! [`ANSWER_WITHIN`] after the request was sent, whichever comes first; the thread writes the
//! next batch meanwhile. The request's bytes are kept until then, so that a retry (a 429, 502,
//! 503 or 504, a `Retry-After`, a connection found closed) sends them again; its items count as
//! being exported until then, and `flush` and shutdown read the answer before they return.
//!
//! A batch's export time (`OTEL_EXPORTER_OTLP_TIMEOUT`, OTLP exporter configuration,
//! "Timeout": every attempt, retry and wait of it) starts when its first request is posted,
//! which is after the answer to the batch before was read: a batch the collector throttled
//! with a long `Retry-After` uses up its own time, never the next batch's.
//!
//! The sender reads answers at once where its client cannot do otherwise (ureq, for
//! `https://` endpoints and proxies): [`Posting::post`] then has the outcome.

use std::time::{Duration, Instant};

use crate::otlp::Body;
use crate::sender::{Outcome, Sender};

/// A request's answer is read by this long after the request was sent, at the latest. Under a
/// steady load of a few thousand items a second or more, the next batch comes first.
const ANSWER_WITHIN: Duration = Duration::from_millis(100);

/// The sender of one exporter and the request it sent whose answer is not read yet.
#[derive(Debug)]
pub(crate) struct Posting {
    sender: Sender,
    /// One batch's export at most.
    timeout: Duration,
    /// When the batch whose requests are being posted must be exported by.
    batch: Option<Instant>,
    sent: Option<Sent>,
}

#[derive(Debug)]
struct Sent {
    body: Body,
    deadline: Instant,
    /// When its answer is read at the latest.
    due: Instant,
}

impl Posting {
    /// Posts with `sender`, each batch exported within `timeout`.
    pub(crate) fn new(sender: Sender, timeout: Duration) -> Posting {
        Posting {
            sender,
            timeout,
            batch: None,
            sent: None,
        }
    }

    /// Posts `body`, a request of the batch under way, to be exported by the batch's deadline
    /// (its first request's post plus the timeout) or `limit`, whichever comes first. `None`
    /// once it is sent, its answer left for [`settle`](Self::settle), which must come before
    /// the next `post`; otherwise its export has ended: the outcome, with the bytes back.
    pub(crate) fn post(&mut self, body: Body, limit: Option<Instant>) -> Option<(Body, Outcome)> {
        debug_assert!(self.sent.is_none(), "the answer before is read first");
        // The configuration caps durations at a day ("no limit" included): no overflow.
        let timeout = self.timeout;
        let deadline = *self.batch.get_or_insert_with(|| Instant::now() + timeout);
        let deadline = limit.map_or(deadline, |limit| deadline.min(limit));
        match self.sender.begin(body.bytes(), deadline) {
            None => {
                let due = Instant::now() + ANSWER_WITHIN;
                self.sent = Some(Sent {
                    body,
                    deadline,
                    due,
                });
                None
            }
            Some(outcome) => Some((body, outcome)),
        }
    }

    /// The batch under way is all posted: the next request starts the next batch's time.
    pub(crate) fn end_batch(&mut self) {
        self.batch = None;
    }

    /// When the answer to the request posted last must be read, if it has not been.
    pub(crate) fn due(&self) -> Option<Instant> {
        self.sent.as_ref().map(|sent| sent.due)
    }

    /// Reads the answer to the request posted last, if it has not been, retrying the request
    /// if the answer says so, by its deadline or `limit`, whichever comes first: the outcome,
    /// with the bytes back.
    pub(crate) fn settle(&mut self, limit: Option<Instant>) -> Option<(Body, Outcome)> {
        let Sent { body, deadline, .. } = self.sent.take()?;
        let deadline = limit.map_or(deadline, |limit| deadline.min(limit));
        let outcome = self.sender.end(body.bytes(), deadline);
        Some((body, outcome))
    }
}
