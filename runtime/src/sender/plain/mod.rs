//! Our HTTP/1.1 client for the common case: an `http://` endpoint reached directly (no
//! proxy). It does one job, posting an OTLP body and reading the answer, at the least cost per
//! request: the head is built once (only its length and coding are written per request), head
//! and body leave in one `sendmsg` with no copy of the body, the response is read into a buffer
//! kept from one request to the next, the socket's timeouts are set only when the deadline
//! needs it (`conn.rs`), and in steady state nothing is allocated. `https://` endpoints and
//! proxies go through ureq (`client.rs`).
//!
//! A request is sent by `start` and its answer read by `answer`, which may come later (the
//! caller works meanwhile) but before the next request: one request at a time, no pipelining.
//! One connection is kept alive (RFC 9112 §9.3) and reused. It logs through `log` only, at
//! debug level, when it opens a connection and when it finds a kept one closed (the origin
//! alone); never through `tracing`, so the export path makes no spans.

mod conn;
mod head;
mod read;
mod response_head;

use std::io;
use std::time::{Duration, Instant};

use ureq::http::{HeaderName, HeaderValue, Uri};

use crate::sender::attempt::{
    Attempt, host_not_found, io_failure, not_http, redirected, refused, retry, too_large,
};
use crate::sender::origin::Origin;
use crate::sender::resolve::CachingResolver;
use crate::sender::response::{Verdict, partial_success, verdict};
use conn::Conn;
use head::RequestHead;
use read::{Inbox, ReadError, read_body, read_head};
use response_head::Framing;

/// The response body's buffer is kept from one request to the next, unless an answer grew it
/// past this (a collector's answer is a few bytes; one of megabytes is not kept around).
const KEPT_BODY: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct Plain {
    origin: Origin,
    /// The endpoint, parsed once: its host and port are looked up at each connection.
    uri: Uri,
    resolver: CachingResolver,
    head: RequestHead,
    /// The connection kept alive, if any. Taken out for each attempt and put back only when
    /// the response ended cleanly, so a failure (or a panic) never leaves a half-used one.
    conn: Option<Conn>,
    inbox: Inbox,
    /// The last response's body.
    body: Vec<u8>,
    /// The request sent and not yet answered.
    sent: Option<Sent>,
}

/// A request written on `conn` whose answer has not been read.
#[derive(Debug)]
struct Sent {
    conn: Conn,
    /// Whether `conn` was kept from an earlier request (and may have been closed by the
    /// collector while idle).
    kept: bool,
}

/// How reading the answer to a request ended.
enum Exchange {
    /// An answer; `true` when the connection can carry the next request.
    Answered(Attempt, bool),
    /// The connection failed before any byte of an answer arrived.
    Unanswered(io::Error),
    /// The connection failed after that, or the answer was not HTTP.
    Failed(Attempt),
}

impl Plain {
    /// `None` when `endpoint` is not an absolute `http://` URL with a host (ureq then says
    /// why, on each attempt).
    pub(crate) fn new(
        endpoint: &str,
        origin: Origin,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Option<Plain> {
        let uri: Uri = endpoint.parse().ok()?;
        let http = uri
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("http"));
        if !http || uri.host().is_none_or(str::is_empty) || origin.is_https() {
            return None;
        }
        Some(Plain {
            head: RequestHead::new(&uri, headers),
            origin,
            uri,
            resolver: CachingResolver::default(),
            conn: None,
            inbox: Inbox::new(),
            body: Vec::new(),
            sent: None,
        })
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Posts `body` (gzip-compressed when `gzip`) and waits at most `timeout` for everything:
    /// DNS, connecting, sending, and reading the response.
    pub(crate) fn attempt(&mut self, body: &[u8], gzip: bool, timeout: Duration) -> Attempt {
        let now = Instant::now();
        let deadline = now
            .checked_add(timeout)
            .unwrap_or_else(|| now + Duration::from_secs(86_400));
        match self.start(body, gzip, deadline) {
            Ok(()) => self.answer(body, gzip, deadline),
            Err(attempt) => attempt,
        }
    }

    /// Sends `body` (gzip-compressed when `gzip`) by `deadline`, connecting if no connection is
    /// kept, and returns once it is written: its answer is read by [`answer`](Self::answer),
    /// which must come before the next request. `Err` when it could not be sent.
    pub(crate) fn start(
        &mut self,
        body: &[u8],
        gzip: bool,
        deadline: Instant,
    ) -> Result<(), Attempt> {
        debug_assert!(self.sent.is_none(), "one request at a time");
        if let Some(mut conn) = self.conn.take() {
            match self.write(&mut conn, body, gzip, deadline) {
                Ok(()) => {
                    self.sent = Some(Sent { conn, kept: true });
                    return Ok(());
                }
                // See `answer`: a kept connection the collector closed while it was idle.
                Err(error) if stale(&error) => self.log_stale(),
                Err(error) => return Err(self.failed(&error)),
            }
        }
        let mut conn = self.connect(deadline)?;
        match self.write(&mut conn, body, gzip, deadline) {
            Ok(()) => {
                self.sent = Some(Sent { conn, kept: false });
                Ok(())
            }
            Err(error) => Err(self.failed(&error)),
        }
    }

    /// Reads the answer to the request [`start`](Self::start) sent, by `deadline`; `body` and
    /// `gzip` are that request's, sent again at once on a new connection when the kept one
    /// turns out to have been closed before the collector read it.
    pub(crate) fn answer(&mut self, body: &[u8], gzip: bool, deadline: Instant) -> Attempt {
        let Some(Sent { mut conn, kept }) = self.sent.take() else {
            return Attempt::Fail("no request was sent to answer".to_owned());
        };
        match self.read(&mut conn, deadline) {
            // A kept connection the collector closed while it was idle (RFC 9112 §9.3.1: a
            // server may close an idle connection at any time). Sending again at once, on a
            // new connection, is safe: the collector closed before answering, which is a
            // connection failure, and OTLP/HTTP ("Failures") has the client retry those; only
            // the backoff is skipped, since the collector did not fail.
            Exchange::Unanswered(error) if kept && stale(&error) => self.log_stale(),
            Exchange::Unanswered(error) => return self.failed(&error),
            Exchange::Answered(attempt, reusable) => return self.keep(conn, attempt, reusable),
            Exchange::Failed(attempt) => return attempt,
        }
        let mut conn = match self.connect(deadline) {
            Ok(conn) => conn,
            Err(attempt) => return attempt,
        };
        if let Err(error) = self.write(&mut conn, body, gzip, deadline) {
            return self.failed(&error);
        }
        match self.read(&mut conn, deadline) {
            Exchange::Answered(attempt, reusable) => self.keep(conn, attempt, reusable),
            Exchange::Unanswered(error) => self.failed(&error),
            Exchange::Failed(attempt) => attempt,
        }
    }

    fn log_stale(&self) {
        log::debug!(
            target: "traced::sender",
            "the connection kept to {} was closed; sending again on a new one",
            self.origin
        );
    }

    fn connect(&mut self, deadline: Instant) -> Result<Conn, Attempt> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let addrs = match self.resolver.lookup(&self.uri, remaining) {
            Ok(addrs) => addrs,
            Err(ureq::Error::Timeout(_)) => return Err(Attempt::TimedOut),
            Err(ureq::Error::Io(error)) => return Err(self.failed(&error)),
            Err(_) => return Err(host_not_found()),
        };
        match Conn::open(&addrs, deadline) {
            Ok(conn) => {
                log::debug!(target: "traced::sender", "connected to {}", self.origin);
                Ok(conn)
            }
            Err(error) => Err(self.failed(&error)),
        }
    }

    /// A connection failure: retried (or the deadline came). The name may have moved, so the
    /// next attempt looks it up again.
    fn failed(&self, error: &io::Error) -> Attempt {
        let attempt = io_failure(error);
        if matches!(attempt, Attempt::Retry { .. }) {
            self.resolver.forget();
        }
        attempt
    }

    /// Keeps `conn` for the next request when the response allowed it.
    fn keep(&mut self, conn: Conn, attempt: Attempt, reusable: bool) -> Attempt {
        if reusable && self.inbox.is_empty() {
            self.conn = Some(conn);
        }
        if self.body.capacity() > KEPT_BODY {
            self.body = Vec::new();
        }
        attempt
    }

    /// Sends the request on `conn`.
    fn write(
        &mut self,
        conn: &mut Conn,
        body: &[u8],
        gzip: bool,
        deadline: Instant,
    ) -> io::Result<()> {
        let head = self.head.with(body.len(), gzip);
        conn.write_all(head, body, deadline)
    }

    /// Reads the answer to the request sent on `conn`.
    fn read(&mut self, conn: &mut Conn, deadline: Instant) -> Exchange {
        self.inbox.clear();
        let head = match read_head(&mut self.inbox, conn, deadline) {
            Ok(head) => head,
            Err(ReadError::Io(error)) if !self.inbox.received => {
                return Exchange::Unanswered(error);
            }
            Err(ReadError::Io(error)) => return Exchange::Failed(self.failed(&error)),
            Err(ReadError::NotHttp | ReadError::TooLarge) => return Exchange::Failed(not_http()),
        };
        let status = head.status;
        // Only a 2xx body is used. Another is read only so that the connection can carry the
        // next request, which one ending at the close cannot: it is not waited for.
        let read = if verdict(status) == Verdict::Delivered || head.framing != Framing::Close {
            read_body(
                &mut self.inbox,
                conn,
                deadline,
                head.framing,
                &mut self.body,
            )
        } else {
            Ok(())
        };
        // Not persistent when the body ends at the close (RFC 9112 §9.3).
        let reusable = head.persistent && read.is_ok();
        let attempt = match verdict(status) {
            Verdict::Delivered => match read {
                Ok(()) => {
                    let (rejected, message) = partial_success(&self.body).unwrap_or((0, None));
                    Attempt::Delivered { rejected, message }
                }
                Err(ReadError::TooLarge) => too_large(status),
                // The collector accepted the data; only its partial-success report is lost,
                // and sending again would duplicate the batch.
                Err(ReadError::Io(_) | ReadError::NotHttp) => Attempt::Delivered {
                    rejected: 0,
                    message: None,
                },
            },
            // The body was read (bounded) so that the connection can be reused; its content
            // is not used.
            Verdict::Retry => retry(status, head.retry_after),
            Verdict::Redirect => redirected(status, &self.origin, head.location.as_deref()),
            Verdict::Fail => refused(status),
        };
        Exchange::Answered(attempt, reusable)
    }
}

/// How a kept connection the server closed fails the next request: the end of the stream,
/// or the reset the server's system sent back for the bytes written to it.
fn stale(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}
