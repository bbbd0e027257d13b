//! How one attempt ended, and the reasons both transports (`client.rs` with ureq, `plain/`
//! for `http://` endpoints reached directly) give for it, so that a collector's answer reads
//! the same whichever carried it.
//!
//! No reason built here quotes a response body, a header value, the request URL's path or
//! query, or a proxy URL: they may hold secrets.

use std::io;
use std::time::Duration;

use ureq::http::StatusCode;

use super::origin::Origin;

/// The longest response body read (OTLP responses are a few bytes); a 2xx body longer than
/// this is a failure, any other is left unread.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// `traced/0.1.0 (Rust 1.88.0)`: the product comment is set by `build.rs`.
pub(crate) const USER_AGENT: &str = concat!(
    "traced/",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("TRACED_RUST_PRODUCT"),
    ")"
);

/// How one attempt ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    Delivered {
        rejected: u64,
        message: Option<String>,
    },
    /// A retryable failure; the collector may have said how long to wait.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    Fail(String),
    /// The attempt's time ran out.
    TimedOut,
}

/// A retryable status (OTLP/HTTP, "Failures"), with the wait its `Retry-After` asked for.
pub(crate) fn retry(status: u16, retry_after: Option<Duration>) -> Attempt {
    Attempt::Retry {
        reason: format!("the collector answered {}", described(status)),
        retry_after,
    }
}

/// A 3xx: never followed; of its `Location`, only the origin is told.
pub(crate) fn redirected(status: u16, origin: &Origin, location: Option<&str>) -> Attempt {
    let target = location
        .map(|location| match origin.of_location(location) {
            Some(origin) => format!("to {origin}"),
            None => "to a location that is not an http(s) URL".to_owned(),
        })
        .unwrap_or_else(|| "without a location".to_owned());
    Attempt::Fail(format!(
        "the collector answered {} (a redirect {target}); redirects are not \
         followed: set the endpoint to where the collector is",
        described(status)
    ))
}

/// 400 and every other status retrying cannot fix.
pub(crate) fn refused(status: u16) -> Attempt {
    Attempt::Fail(format!(
        "the collector answered {}, which is not retried",
        described(status)
    ))
}

/// A 2xx whose body is over [`MAX_RESPONSE_BYTES`].
pub(crate) fn too_large(status: u16) -> Attempt {
    Attempt::Fail(format!(
        "the collector answered {} with a body over {} MiB; not read",
        described(status),
        MAX_RESPONSE_BYTES >> 20
    ))
}

/// An answer that is not HTTP/1.x: most often an `http://` endpoint whose server speaks TLS.
pub(crate) fn not_http() -> Attempt {
    Attempt::Fail(
        "the collector's answer is not valid HTTP/1.1 (is the endpoint's scheme right?)".to_owned(),
    )
}

pub(crate) fn host_not_found() -> Attempt {
    Attempt::Retry {
        reason: "the collector's host name did not resolve".to_owned(),
        retry_after: None,
    }
}

/// A connection that failed (OTLP/HTTP, "Failures": retried), or timed out.
pub(crate) fn io_failure(error: &io::Error) -> Attempt {
    if error.kind() == io::ErrorKind::TimedOut {
        return Attempt::TimedOut;
    }
    // The operating system's text ("Connection refused (os error 111)"); other I/O errors
    // carry a text of whichever layer made them, so only their kind is shown.
    let reason = match error.raw_os_error() {
        Some(_) => format!("connection failed: {error}"),
        None => format!("connection failed: {}", error.kind()),
    };
    Attempt::Retry {
        reason,
        retry_after: None,
    }
}

/// `503 Service Unavailable`: the code and the standard phrase, never the server's own.
fn described(status: u16) -> String {
    match StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(phrase) => format!("{status} {phrase}"),
        None => status.to_string(),
    }
}
