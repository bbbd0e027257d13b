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
    pub(crate) fn new(sender: Sender) -> Posting {
        Posting { sender, sent: None }
    }

    /// Posts `body`, to be exported by `deadline`. `None` once it is sent, its answer left for
    /// [`settle`](Self::settle), which must come before the next `post`; otherwise its export
    /// has ended: the outcome, with the bytes back.
    pub(crate) fn post(&mut self, body: Body, deadline: Instant) -> Option<(Body, Outcome)> {
        debug_assert!(self.sent.is_none(), "the answer before is read first");
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
