//! The sender: posts OTLP/HTTP request bodies (protobuf, written by the export thread) to one
//! collector endpoint with blocking calls, from whichever thread calls it; no async runtime is
//! needed or used.
//!
//! The rules it follows, each stated once where it is applied:
//! - Retries (`backoff.rs`, `response.rs`): 429, 502, 503, 504 and connection failures are
//!   retried with exponential backoff and jitter; 400 and every other status, redirects, TLS
//!   and handshake failures are not (OTLP/HTTP, "Failures").
//! - Time (here): `OTEL_EXPORTER_OTLP_TIMEOUT` bounds one batch's export, including DNS,
//!   connecting, every retry and every wait (OTLP exporter configuration, "Timeout"); `send`
//!   returns by its deadline, and each attempt gets the time that remains.
//! - One request at a time per sender, on one kept connection; its answer may be read later
//!   (`begin`, then `end` before the next request), so that the caller works while the
//!   collector reads the request. The request's bytes stay with the caller until then, and a
//!   retry sends them again.
//! - `Retry-After` (`pause.rs`): a pause for the collector's origin, shared by every sender of
//!   the process.
//! - Secrets (`attempt.rs`): no reason quotes a body, a header value or a URL's path, query or
//!   credentials; the request body is never logged.
//!
//! A TLS 1.3 server judges the client's certificate after the client has finished its
//! handshake; when the server closes the connection before its alert is read, that attempt is
//! a connection failure and retried, and a later attempt reports the alert.
//!
//! Host names are looked up (`resolve.rs`) on a thread of ureq's, and waited for until the
//! attempt's deadline; a lookup the system resolver never ends leaves that thread blocked until
//! the resolver gives up (its own timeout, seconds), which costs a thread for that long and
//! never the deadline. IP literals are never looked up, and a name's addresses are kept for a
//! few seconds, so this happens about once per name and connection, not per request.
//!
//! The HTTP client (`client.rs`): our own HTTP/1.1 client (`plain/`) for an `http://`
//! endpoint reached directly, the common case, whose cost per request matters; ureq for
//! `https://` endpoints and proxies.
//!
//! Ours logs through `log` only, at debug level with the target `traced::sender`: each
//! connection it opens, and each kept one it finds closed, with the collector's origin alone.
//! ureq and rustls log through `log`, never `tracing` (so no spans). ureq logs at debug
//! level (addresses resolved, connections, pool use, each request and response with its path
//! replaced by `******` and all but a few harmless headers redacted); at trace level ureq
//! shows paths and `Location`s, and ureq-proto every byte of request heads (credentials in
//! headers included), request bodies and response heads. rustls logs handshake steps at debug
//! and trace level, warning alerts and protocol anomalies at warn level; the platform verifier
//! logs unreadable system roots at warn level and each certificate it rejects at error level.
//! Whoever installs a `log` bridge keeps these targets (`ureq`, `ureq_proto`, `rustls`,
//! `rustls_platform_verifier`) below trace level, and out of exported telemetry.

mod attempt;
mod backoff;
mod client;
mod gzip;
mod origin;
mod pause;
mod plain;
mod proxy;
mod resolve;
mod response;
#[cfg(feature = "tls")]
mod tls;

#[cfg(test)]
pub(crate) mod tests;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use ureq::http::{HeaderName, HeaderValue};

use crate::config::{Compression, OtlpSettings, process_env};
use backoff::Backoff;
use client::{Attempt, Client, Started, Tls, UreqClient};
use gzip::Gzip;
use origin::Origin;
use plain::Plain;

/// How one `send` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The collector accepted the request. `rejected` items (spans, log records) of it were
    /// refused, as its `partial_success` says (with its message, cut to 256 characters): they
    /// are not retried (OTLP/HTTP, "Partial Success").
    Delivered {
        rejected: u64,
        message: Option<String>,
    },
    /// A failure retrying cannot fix; the batch is lost.
    Failed { reason: String },
    /// The deadline came first: during an attempt, before a retry, or while the collector's
    /// `Retry-After` pause ran. `last` is the last retryable failure, if there was one.
    TimedOut { attempts: u32, last: Option<String> },
}

/// Posts to one endpoint; one per signal.
#[derive(Debug)]
pub(crate) struct Sender {
    /// `Err`: why every send fails (a setting that cannot work, reported at startup).
    client: Result<Client, String>,
    /// Set with `gzip` compression.
    gzip: Option<Gzip>,
    backoff: Backoff,
}

impl Sender {
    /// A sender for `settings`, with the proxy variables of the process environment, and the
    /// warnings to log once at startup. Never fails: a setting that cannot work makes every
    /// `send` fail fast with the reason the warning gave.
    pub(crate) fn new(settings: &OtlpSettings) -> (Sender, Vec<String>) {
        Self::with_env(settings, &process_env)
    }

    /// [`Sender::new`] with the environment read through `env` (tests use a map).
    pub(crate) fn with_env(
        settings: &OtlpSettings,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> (Sender, Vec<String>) {
        let mut warnings = Vec::new();
        let client = match Origin::of(&settings.endpoint) {
            Some(origin) => build_client(settings, origin, env, &mut warnings),
            None => Err("the OTLP endpoint is not a valid http(s) URL".to_owned()),
        };
        // The configuration already reported an `https://` endpoint in a build without TLS.
        let reported = !cfg!(feature = "tls")
            && Origin::of(&settings.endpoint).is_some_and(|origin| origin.is_https());
        if let Err(reason) = &client
            && !reported
            && !warnings.contains(reason)
        {
            warnings.push(reason.clone());
        }
        let sender = Sender {
            client,
            gzip: (settings.compression == Compression::Gzip).then(Gzip::new),
            backoff: Backoff::default(),
        };
        (sender, warnings)
    }

    /// Posts `body` (an OTLP protobuf request), gzip-compressed if configured, retrying per
    /// OTLP/HTTP until it is delivered, fails for good, or `deadline` comes; returns by then.
    /// The caller's deadline is the batch's start plus the configured timeout
    /// (`OtlpSettings::timeout`), which bounds the whole export of the batch. The exporters
    /// use its two halves, [`begin`](Self::begin) and [`end`](Self::end); the tests, this.
    #[cfg(test)]
    pub(crate) fn send(&mut self, body: &[u8], deadline: Instant) -> Outcome {
        match self.begin(body, deadline) {
            Some(outcome) => outcome,
            None => self.end(body, deadline),
        }
    }

    /// [`send`](Self::send) in two halves, so that the caller works while the collector reads
    /// the request: sends `body` and returns `None` once it is written, its answer left for
    /// [`end`](Self::end), which must be called (with the same `body`) before the next
    /// `begin`. Returns the outcome instead when the request could not be written, or when the
    /// client reads answers at once (an `https://` endpoint or a proxy, through ureq).
    pub(crate) fn begin(&mut self, body: &[u8], deadline: Instant) -> Option<Outcome> {
        let Sender {
            client,
            gzip,
            backoff,
        } = self;
        let client = match client {
            Ok(client) => client,
            Err(reason) => return Some(failed(reason.clone())),
        };
        let compressed = gzip.is_some();
        let body = match gzip {
            Some(compressor) => match compressor.compress(body) {
                Ok(compressed) => compressed,
                Err(reason) => return Some(failed(reason)),
            },
            None => body,
        };
        let mut tries = Tries::default();
        if let Err(outcome) = tries.next(client, deadline) {
            return Some(outcome);
        }
        // ureq asserts a few invariants with panics; one (or a bug of ours) must not end the
        // export thread.
        let started = catch_unwind(AssertUnwindSafe(|| {
            client.start(body, compressed, deadline)
        }))
        .unwrap_or_else(|_| Started::Answered(panicked()));
        match started {
            Started::Sent => None,
            Started::Answered(attempt) => {
                Some(tries.settle(client, backoff, body, compressed, deadline, attempt))
            }
        }
    }

    /// The outcome of the request [`begin`](Self::begin) left unanswered (`body` is the one
    /// given to it): its answer read, and the request retried per OTLP/HTTP until it is
    /// delivered, fails for good, or `deadline` comes; returns by then.
    /// Without a request left unanswered, the client says so (a failure).
    pub(crate) fn end(&mut self, body: &[u8], deadline: Instant) -> Outcome {
        let Sender {
            client,
            gzip,
            backoff,
        } = self;
        let client = match client {
            Ok(client) => client,
            Err(reason) => return failed(reason.clone()),
        };
        // The compressed bytes `begin` sent are still the compressor's output.
        let compressed = gzip.is_some();
        let body = gzip.as_ref().map_or(body, |gzip| gzip.output());
        let tries = Tries {
            attempts: 1,
            last: None,
        };
        let attempt = catch_unwind(AssertUnwindSafe(|| {
            client.answer(body, compressed, deadline)
        }))
        .unwrap_or_else(|_| panicked());
        tries.settle(client, backoff, body, compressed, deadline, attempt)
    }

    #[cfg(test)]
    pub(crate) fn set_backoff(&mut self, initial: std::time::Duration, max: std::time::Duration) {
        self.backoff = Backoff { initial, max };
    }
}

fn failed(reason: String) -> Outcome {
    Outcome::Failed { reason }
}

fn panicked() -> Attempt {
    Attempt::Fail("the HTTP client panicked".to_owned())
}

/// The attempts at one request so far, and the last retryable failure among them.
#[derive(Debug, Default)]
struct Tries {
    attempts: u32,
    last: Option<String>,
}

impl Tries {
    /// Counts the next attempt once the collector's `Retry-After` pause, if any, is over; the
    /// outcome instead when `deadline` comes first.
    fn next(&mut self, client: &Client, deadline: Instant) -> Result<(), Outcome> {
        if !pause::wait(client.origin(), deadline) {
            let last = self.last.take().or_else(|| {
                Some("the collector asked to wait (Retry-After) past the deadline".to_owned())
            });
            return Err(Outcome::TimedOut {
                attempts: self.attempts,
                last,
            });
        }
        if Instant::now() >= deadline {
            return Err(self.timed_out());
        }
        self.attempts += 1;
        Ok(())
    }

    fn timed_out(&mut self) -> Outcome {
        Outcome::TimedOut {
            attempts: self.attempts,
            last: self.last.take(),
        }
    }

    /// The outcome of the request once `attempt` ended: retried, after the backoff or the
    /// collector's pause, until it is delivered, fails for good, or `deadline` comes.
    fn settle(
        mut self,
        client: &mut Client,
        backoff: &Backoff,
        body: &[u8],
        gzip: bool,
        deadline: Instant,
        mut attempt: Attempt,
    ) -> Outcome {
        loop {
            let (reason, retry_after) = match attempt {
                Attempt::Delivered { rejected, message } => {
                    return Outcome::Delivered { rejected, message };
                }
                Attempt::Fail(reason) => return failed(reason),
                Attempt::TimedOut => return self.timed_out(),
                Attempt::Retry {
                    reason,
                    retry_after,
                } => (reason, retry_after),
            };
            self.last = Some(reason);
            let now = Instant::now();
            let delay = backoff.delay(self.attempts);
            // The pause is waited out before the next attempt (`next`), to the deadline at
            // most; the backoff still applies when the collector asked for less.
            let paused = retry_after.is_some_and(|wait| {
                let end = now
                    .checked_add(wait)
                    .map_or(deadline, |end| end.min(deadline));
                pause::pause(client.origin(), end);
                wait >= delay
            });
            if !paused {
                match now.checked_add(delay) {
                    Some(next) if next < deadline => std::thread::sleep(delay),
                    // The next attempt could not start in time.
                    _ => return self.timed_out(),
                }
            }
            if let Err(outcome) = self.next(client, deadline) {
                return outcome;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            attempt = catch_unwind(AssertUnwindSafe(|| client.attempt(body, gzip, remaining)))
                .unwrap_or_else(|_| panicked());
        }
    }
}

/// The HTTP client for `settings`, or why there can be none.
fn build_client(
    settings: &OtlpSettings,
    origin: Origin,
    env: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<Client, String> {
    let tls = tls_config(settings, &origin)?;
    let proxy = match proxy::route(&origin, env, warnings) {
        proxy::Route::Direct => None,
        proxy::Route::Proxy { url, var } => {
            let proxy =
                ureq::Proxy::new(&url).map_err(|_| format!("{var} is not a usable proxy URL"))?;
            if !cfg!(feature = "tls") && proxy.protocol() == ureq::ProxyProtocol::Https {
                return Err(format!(
                    "{var} is an `https://` proxy but traced was built without its `tls` feature: \
                     every export will fail"
                ));
            }
            Some(proxy)
        }
    };
    let headers = headers(settings, warnings);
    // An `http://` endpoint reached directly: our own client. `None` when the endpoint is not
    // a URL it can send to; ureq then reports why on each attempt, as for any endpoint.
    if proxy.is_none()
        && !origin.is_https()
        && let Some(plain) = Plain::new(&settings.endpoint, origin.clone(), &headers)
    {
        return Ok(Client::Plain(Box::new(plain)));
    }
    Ok(Client::Ureq(Box::new(UreqClient::new(
        settings.endpoint.clone(),
        origin,
        headers,
        proxy,
        tls,
    ))))
}

/// Set for `http://` endpoints too, so that an `https://` proxy is verified like a collector
/// (the configuration keeps TLS files for `https://` endpoints only).
#[cfg(feature = "tls")]
fn tls_config(settings: &OtlpSettings, _: &Origin) -> Result<Option<Tls>, String> {
    tls::tls_config(&settings.tls).map(Some)
}

#[cfg(not(feature = "tls"))]
fn tls_config(_: &OtlpSettings, origin: &Origin) -> Result<Option<Tls>, String> {
    if origin.is_https() {
        return Err(
            "the OTLP endpoint is `https://` but traced was built without its `tls` feature: \
             every export will fail"
                .to_owned(),
        );
    }
    Ok(None)
}

/// The configured headers, less those the protocol sets (a second `Content-Type` would make
/// the request ambiguous). Names were validated with the configuration; a value `http`
/// still refuses is dropped with a warning naming the header only.
fn headers(settings: &OtlpSettings, warnings: &mut Vec<String>) -> Vec<(HeaderName, HeaderValue)> {
    const OURS: [&str; 4] = ["content-type", "content-encoding", "content-length", "host"];
    let mut headers = Vec::new();
    for (name, value) in &settings.headers {
        let parsed = HeaderName::try_from(name.as_str())
            .ok()
            .zip(HeaderValue::try_from(value.as_str()).ok());
        match parsed {
            Some((name, _)) if OURS.contains(&name.as_str()) => {
                warnings.push(format!(
                    "ignoring the OTLP header {name}: the exporter sets it"
                ));
            }
            Some((name, mut value)) => {
                value.set_sensitive(true);
                headers.push((name, value));
            }
            None => warnings.push(format!(
                "ignoring the OTLP header {name:?}: not a valid header"
            )),
        }
    }
    headers
}
