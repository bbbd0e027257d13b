//! The HTTP client of one sender: our own HTTP/1.1 client (`plain/`) for an `http://` endpoint
//! reached directly, ureq for `https://` endpoints and proxies. ureq is a blocking HTTP/1.1
//! client that needs no async runtime, keeps connections alive, and logs through `log` only
//! (never `tracing`, so it opens no spans).
//!
//! What comes back is classified with `attempt.rs`, whose reasons quote no response body,
//! header value, request path or query, or proxy URL.

use std::io;
use std::time::{Duration, Instant, SystemTime};

use ureq::http::{HeaderName, HeaderValue, Uri};
use ureq::unversioned::transport::DefaultConnector;
use ureq::{Agent, Error};

// Named here by the sender and its tests, whichever transport makes the attempt.
pub(crate) use super::attempt::{Attempt, MAX_RESPONSE_BYTES, USER_AGENT};
use super::attempt::{host_not_found, not_http, redirected, refused, retry, too_large};
use super::origin::Origin;
use super::pause::retry_after;
use super::plain::Plain;
use super::resolve::CachingResolver;
use super::response::{Verdict, partial_success, verdict};

/// The TLS settings of an `https://` endpoint; a build without the `tls` feature has none.
#[cfg(feature = "tls")]
pub(crate) type Tls = ureq::tls::TlsConfig;
#[cfg(not(feature = "tls"))]
pub(crate) type Tls = std::convert::Infallible;

/// `attempt` and `origin` are all a sender uses, whichever transport is behind them.
#[derive(Debug)]
pub(crate) enum Client {
    /// An `http://` endpoint reached directly (no proxy): the common case, and the one whose
    /// cost per request matters (one write and no allocation per request, `plain/`).
    Plain(Box<Plain>),
    /// `https://` endpoints and every proxy.
    Ureq(Box<UreqClient>),
}

impl Client {
    pub(crate) fn origin(&self) -> &Origin {
        match self {
            Client::Plain(plain) => plain.origin(),
            Client::Ureq(ureq) => &ureq.origin,
        }
    }

    /// Posts `body` (gzip-compressed when `gzip`) and waits at most `timeout` for everything:
    /// DNS, connecting (through the proxy), TLS, sending, and reading the response.
    pub(crate) fn attempt(&mut self, body: &[u8], gzip: bool, timeout: Duration) -> Attempt {
        match self {
            Client::Plain(plain) => plain.attempt(body, gzip, timeout),
            Client::Ureq(ureq) => ureq.attempt(body, gzip, timeout),
        }
    }

    /// Sends `body` by `deadline`: with our client, returns once it is written, its answer left
    /// for [`answer`](Self::answer) (`Started::Sent`); with ureq, the whole attempt.
    pub(crate) fn start(&mut self, body: &[u8], gzip: bool, deadline: Instant) -> Started {
        match self {
            Client::Plain(plain) => match plain.start(body, gzip, deadline) {
                Ok(()) => Started::Sent,
                Err(attempt) => Started::Answered(attempt),
            },
            Client::Ureq(ureq) => {
                let timeout = deadline.saturating_duration_since(Instant::now());
                Started::Answered(ureq.attempt(body, gzip, timeout))
            }
        }
    }

    /// The answer to the request [`start`](Self::start) sent (`body` and `gzip` are that
    /// request's), read by `deadline`.
    pub(crate) fn answer(&mut self, body: &[u8], gzip: bool, deadline: Instant) -> Attempt {
        match self {
            Client::Plain(plain) => plain.answer(body, gzip, deadline),
            Client::Ureq(_) => Attempt::Fail("no request was sent to answer".to_owned()),
        }
    }
}

/// How [`Client::start`] left a request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Started {
    /// Written; its answer is read by [`Client::answer`].
    Sent,
    /// The attempt ended: it failed before the request was written, or the client reads the
    /// answer at once (ureq).
    Answered(Attempt),
}

#[derive(Debug)]
pub(crate) struct UreqClient {
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

impl UreqClient {
    pub(crate) fn new(
        endpoint: String,
        origin: Origin,
        headers: Vec<(HeaderName, HeaderValue)>,
        proxy: Option<ureq::Proxy>,
        tls: Option<Tls>,
    ) -> UreqClient {
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
        UreqClient {
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

    fn attempt(&self, body: &[u8], gzip: bool, timeout: Duration) -> Attempt {
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
                    Err(Error::BodyExceedsLimit(_)) => too_large(status),
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
                retry(status, retry_after)
            }
            Verdict::Redirect => {
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok());
                redirected(status, &self.origin, location)
            }
            Verdict::Fail => refused(status),
        }
    }
}

/// OTLP/HTTP, "Failures": connection failures are retried; what the peer cannot fix by itself
/// (TLS, a malformed response, our configuration) is not.
fn failure(error: Error) -> Attempt {
    match error {
        Error::Timeout(_) => Attempt::TimedOut,
        Error::Io(error) => io_failure(&error),
        Error::HostNotFound => host_not_found(),
        Error::ConnectionFailed => Attempt::Retry {
            reason: "could not connect to the collector".to_owned(),
            retry_after: None,
        },
        Error::ConnectProxyFailed(_) => {
            Attempt::Fail("the proxy refused to connect to the collector".to_owned())
        }
        Error::Protocol(_) | Error::LargeResponseHeader(..) | Error::BodyStalled => not_http(),
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
    super::attempt::io_failure(error)
}
