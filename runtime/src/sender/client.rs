//! One HTTP attempt with ureq: a blocking HTTP/1.1 client that needs no async runtime, keeps
//! connections alive, and logs through `log` only (never `tracing`, so it opens no spans).
//!
//! What comes back is classified here, and no reason built here quotes a response body, a
//! header value, the request URL's path or query, or a proxy URL: they may hold secrets.

use std::io;
use std::time::{Duration, SystemTime};

use ureq::http::{HeaderName, HeaderValue, StatusCode, Uri};
use ureq::unversioned::transport::DefaultConnector;
use ureq::{Agent, Error};

use super::origin::Origin;
use super::pause::retry_after;
use super::resolve::CachingResolver;
use super::response::{Verdict, partial_success, verdict};

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

/// The TLS settings of an `https://` endpoint; a build without the `tls` feature has none.
#[cfg(feature = "tls")]
pub(crate) type Tls = ureq::tls::TlsConfig;
#[cfg(not(feature = "tls"))]
pub(crate) type Tls = std::convert::Infallible;

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

#[derive(Debug)]
pub(crate) struct Client {
    agent: Agent,
    /// The agent's resolver, told when a connection fails.
    resolver: CachingResolver,
    endpoint: String,
    /// The endpoint parsed once: a clone shares its bytes, where parsing copied them per
    /// request. `None` when it does not parse; ureq then reports why on each attempt.
    uri: Option<Uri>,
    origin: Origin,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Client {
    pub(crate) fn new(
        endpoint: String,
        origin: Origin,
        headers: Vec<(HeaderName, HeaderValue)>,
        proxy: Option<ureq::Proxy>,
        tls: Option<Tls>,
    ) -> Client {
        let config = Agent::config_builder()
            // Statuses are classified here, never turned into errors.
            .http_status_as_error(false)
            // OTLP/HTTP: the endpoint is configured, a redirect is reported, not followed.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(USER_AGENT)
            // Set even when `None`: ureq's default reads the proxy variables by its own rules.
            .proxy(proxy);
        #[cfg(feature = "tls")]
        let config = match tls {
            Some(tls) => config.tls_config(tls),
            None => config,
        };
        #[cfg(not(feature = "tls"))]
        if let Some(never) = tls {
            match never {}
        }
        let resolver = CachingResolver::default();
        Client {
            agent: Agent::with_parts(
                config.build(),
                DefaultConnector::default(),
                resolver.clone(),
            ),
            resolver,
            uri: endpoint.parse().ok(),
            endpoint,
            origin,
            headers,
        }
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Posts `body` (gzip-compressed when `gzip`) and waits at most `timeout` for everything:
    /// DNS, connecting (through the proxy), TLS, sending, and reading the response.
    pub(crate) fn attempt(&self, body: &[u8], gzip: bool, timeout: Duration) -> Attempt {
        let request = match &self.uri {
            Some(uri) => self.agent.post(uri.clone()),
            None => self.agent.post(&self.endpoint),
        };
        // Static values: a `&str` value is copied into a new allocation per request.
        let mut request = request.header(
            "content-type",
            HeaderValue::from_static("application/x-protobuf"),
        );
        if gzip {
            request = request.header("content-encoding", HeaderValue::from_static("gzip"));
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let result = request
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(body);
        let mut response = match result {
            Ok(response) => response,
            Err(error) => {
                let attempt = failure(error);
                if matches!(attempt, Attempt::Retry { .. }) {
                    // The name may have moved: the next attempt looks it up again.
                    self.resolver.forget();
                }
                return attempt;
            }
        };
        let status = response.status().as_u16();
        match verdict(status) {
            Verdict::Delivered => {
                let read = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_RESPONSE_BYTES)
                    .read_to_vec();
                match read {
                    Ok(bytes) => {
                        let (rejected, message) = partial_success(&bytes).unwrap_or((0, None));
                        Attempt::Delivered { rejected, message }
                    }
                    Err(Error::BodyExceedsLimit(_)) => Attempt::Fail(format!(
                        "the collector answered {} with a body over {} MiB; not read",
                        described(status),
                        MAX_RESPONSE_BYTES >> 20
                    )),
                    // The collector accepted the data; only its partial-success report is lost,
                    // and sending again would duplicate the batch.
                    Err(_) => Attempt::Delivered {
                        rejected: 0,
                        message: None,
                    },
                }
            }
            Verdict::Retry => {
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after(v, SystemTime::now()));
                // Read (bounded) so the connection can be reused; its content is not used.
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(MAX_RESPONSE_BYTES)
                    .read_to_vec();
                Attempt::Retry {
                    reason: format!("the collector answered {}", described(status)),
                    retry_after,
                }
            }
            Verdict::Redirect => {
                let target = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(|location| match self.origin.of_location(location) {
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
            Verdict::Fail => Attempt::Fail(format!(
                "the collector answered {}, which is not retried",
                described(status)
            )),
        }
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

/// OTLP/HTTP, "Failures": connection failures are retried; what the peer cannot fix by itself
/// (TLS, a malformed response, our configuration) is not.
fn failure(error: Error) -> Attempt {
    let retry = |reason: String| Attempt::Retry {
        reason,
        retry_after: None,
    };
    match error {
        Error::Timeout(_) => Attempt::TimedOut,
        Error::Io(error) => io_failure(&error),
        Error::HostNotFound => retry("the collector's host name did not resolve".to_owned()),
        Error::ConnectionFailed => retry("could not connect to the collector".to_owned()),
        Error::ConnectProxyFailed(_) => {
            Attempt::Fail("the proxy refused to connect to the collector".to_owned())
        }
        Error::Protocol(_) | Error::LargeResponseHeader(..) | Error::BodyStalled => Attempt::Fail(
            "the collector's answer is not valid HTTP/1.1 (is the endpoint's scheme right?)"
                .to_owned(),
        ),
        Error::TlsRequired => Attempt::Fail("TLS is required but was not set up".to_owned()),
        Error::Tls(reason) => Attempt::Fail(format!("TLS failed: {reason}")),
        #[cfg(feature = "tls")]
        Error::Rustls(error) => Attempt::Fail(format!("TLS failed: {error}")),
        #[cfg(feature = "tls")]
        Error::Pem(_) => Attempt::Fail("TLS failed: a certificate is not valid PEM".to_owned()),
        Error::BadUri(_) | Error::Http(_) | Error::InvalidProxyUrl => {
            Attempt::Fail("the request could not be built from the endpoint's settings".to_owned())
        }
        _ => Attempt::Fail("the HTTP client failed".to_owned()),
    }
}

fn io_failure(error: &io::Error) -> Attempt {
    #[cfg(feature = "tls")]
    if let Some(tls) = super::tls::tls_error(error) {
        // Certificates and handshakes fail the same way on the next attempt.
        return Attempt::Fail(format!("TLS failed: {tls}"));
    }
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
