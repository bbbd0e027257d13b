//! Client spans and context injection for reqwest, as a `reqwest-middleware` middleware,
//! following the OpenTelemetry semantic conventions for HTTP spans ("HTTP client").

mod redact;
mod targets;

use std::error::Error as _;

use http::Extensions;
use reqwest::{Method, Request, Response, Url};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware, Next, Result};

use super::semconv::{known_method, protocol_version};
use crate::engine::{Span, SpanKind, Started, record, set_current_error};
use targets::Targets;

#[doc(no_inline)]
pub use reqwest_middleware;

/// Wraps `inner` so that every request it sends gets a client span and carries the trace
/// context: the same as `ClientBuilder::new(inner).with(TracingMiddleware::new()).build()`.
///
/// The request builder's `json`, `query` and `form` are available with the `reqwest` feature
/// alone (it turns on `reqwest-middleware`'s features of those names): your crate needs only
/// `traced` (feature `reqwest`), `reqwest` and `serde`, not `reqwest-middleware` itself.
///
/// ```no_run
/// # async fn run() -> Result<(), traced::http::reqwest_middleware::Error> {
/// let client = traced::http::client(reqwest::Client::new());
/// let response = client
///     .post("http://127.0.0.1:8000/command")
///     .query(&[("priority", "high")])
///     .json(&serde_json::json!({ "command": "ship" }))
///     .send()
///     .await?;
/// assert!(response.status().is_success());
/// client
///     .post("http://127.0.0.1:8000/login")
///     .form(&[("user", "ada")])
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
pub fn client(inner: reqwest::Client) -> ClientWithMiddleware {
    ClientBuilder::new(inner)
        .with(TracingMiddleware::new())
        .build()
}

/// A `reqwest-middleware` middleware that makes a client span per request and injects
/// `traceparent`, `tracestate` and `baggage` from it.
///
/// The span is named after the method (`GET`; `HTTP` for methods outside RFC 9110 and
/// RFC 5789, recorded as `http.request.method = "_OTHER"` with
/// `http.request.method_original`), has kind Client, is a child of the current span, and
/// records `http.request.method`, `url.full`, `server.address`, `server.port`,
/// `http.response.status_code`, `network.protocol.version` and `error.type`. Status is Error
/// for 4xx and 5xx responses and for transport errors. Header values and bodies are never
/// recorded.
///
/// `url.full` has credentials replaced by `REDACTED:REDACTED@`, no fragment, and the values of
/// sensitive query parameters replaced by `REDACTED` (keys kept). Sensitive are, compared
/// case-insensitively after percent-decoding: `sig`, `key`, `code`, `pwd`, `auth`, `jwt`,
/// `bearer`, and every name containing `token`, `secret`, `password`, `passwd`, `signature`,
/// `accesskey`, `access_key`, `api_key`, `apikey`, `api-key`, `private_key`, `privatekey`,
/// `credential` or `session` (this covers semconv's `AWSAccessKeyId`, `Signature`,
/// `X-Goog-Signature`, AWS SigV4's `X-Amz-*` and OAuth's `access_token`, `client_secret`).
/// Add names with [`redact_query_params`](TracingMiddleware::redact_query_params).
///
/// Context goes to every host unless restricted with
/// [`propagate_to`](TracingMiddleware::propagate_to) or the `TRACED_PROPAGATION_TARGETS`
/// environment variable. Redirects are followed inside reqwest, with the headers of the first
/// request: with an allow-list, disable redirects to other hosts (`reqwest::redirect::Policy`)
/// if they could leave your trust boundary.
///
/// ```no_run
/// use traced::http::TracingMiddleware;
/// use traced::http::reqwest_middleware::ClientBuilder;
///
/// let client = ClientBuilder::new(reqwest::Client::new())
///     .with(
///         TracingMiddleware::new()
///             .propagate_to(["orders.internal", "*.svc.cluster.local"])
///             .redact_query_params(["otp"]),
///     )
///     .build();
/// # let _ = client;
/// ```
#[derive(Clone, Debug)]
pub struct TracingMiddleware {
    targets: Targets,
    // Lowercase, compared ASCII case-insensitively.
    redact: Vec<Box<str>>,
}

impl Default for TracingMiddleware {
    fn default() -> TracingMiddleware {
        TracingMiddleware::new()
    }
}

impl TracingMiddleware {
    /// The middleware with the default sensitive query parameters, propagating to the hosts
    /// listed in `TRACED_PROPAGATION_TARGETS` (comma-separated patterns, see
    /// [`propagate_to`](TracingMiddleware::propagate_to)), or to every host when it is unset
    /// or blank. A value that is not UTF-8 propagates to no host.
    ///
    /// ```
    /// let middleware = traced::http::TracingMiddleware::new();
    /// # let _ = middleware;
    /// ```
    pub fn new() -> TracingMiddleware {
        TracingMiddleware {
            targets: Targets::from_env(),
            redact: Vec::new(),
        }
    }

    /// Injects context only into requests to these hosts, replacing the environment's list.
    /// A pattern is an exact host (`api.internal`, `10.0.0.7`, `::1`), `*.` and a domain
    /// (its subdomains at any depth, not the domain itself) or `*` (every host); hosts are
    /// compared case-insensitively, without ports. Other patterns are warned about and
    /// ignored. Requests to other hosts get no `traceparent`, `tracestate` or `baggage` from
    /// us (headers you set yourself are left alone), and still get a client span. An empty
    /// list propagates to no host.
    ///
    /// ```
    /// let middleware = traced::http::TracingMiddleware::new()
    ///     .propagate_to(["localhost", "127.0.0.1", "*.internal.example.com"]);
    /// # let _ = middleware;
    /// ```
    pub fn propagate_to<S: AsRef<str>>(
        mut self,
        hosts: impl IntoIterator<Item = S>,
    ) -> TracingMiddleware {
        self.targets = Targets::parse(hosts);
        self
    }

    /// Also redacts the values of these query parameters in `url.full` (names compared
    /// case-insensitively, after percent-decoding), on top of the default set.
    ///
    /// ```
    /// let middleware = traced::http::TracingMiddleware::new().redact_query_params(["otp", "nonce"]);
    /// # let _ = middleware;
    /// ```
    pub fn redact_query_params<S: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> TracingMiddleware {
        self.redact.extend(
            names
                .into_iter()
                .map(|name| name.as_ref().trim().to_ascii_lowercase().into()),
        );
        self
    }
}

#[async_trait::async_trait]
impl Middleware for TracingMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> Result<Response> {
        let method = known_method(req.method());
        let span = Span::child(method.unwrap_or("HTTP"))
            .kind(SpanKind::Client)
            .start()
            .ok()
            .flatten();
        // Attributes are built only when the span records: an unsampled or disabled span costs
        // no redaction.
        let recording = span.as_ref().is_some_and(Started::is_recording);
        let propagate = self.targets.allows(req.url().host_str());
        let traced = async move {
            let url = recording.then(|| req.url().clone());
            if let Some(url) = &url {
                self.record_request(req.method(), method, url);
            }
            // From inside the client span, so the server's parent is this span. With tracing
            // off, the current context (e.g. an incoming request's) is still propagated.
            if propagate {
                crate::context::inject(req.headers_mut());
            }
            let result = next.run(req, extensions).await;
            match url {
                Some(url) => self.record_outcome(result, &url),
                None => result,
            }
        };
        Started::wrap(span, traced).await
    }
}

impl TracingMiddleware {
    fn record_request(&self, method: &Method, known: Option<&'static str>, url: &Url) {
        match known {
            Some(name) => record("http.request.method", name),
            None => {
                record("http.request.method", "_OTHER");
                record("http.request.method_original", method.as_str());
            }
        }
        record("url.full", redact::redact_url(url, &self.redact));
        if let Some(host) = url.host_str() {
            // IPv6 addresses without their brackets, as semconv shows them.
            let host = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(host);
            record("server.address", host);
        }
        record("server.port", url.port_or_known_default());
    }

    fn record_outcome(&self, result: Result<Response>, url: &Url) -> Result<Response> {
        match result {
            Ok(response) => {
                let status = response.status();
                record("http.response.status_code", status.as_u16());
                record(
                    "network.protocol.version",
                    protocol_version(response.version()),
                );
                if status.as_u16() >= 400 {
                    record("error.type", status.as_str());
                    set_current_error(&status.to_string());
                }
                Ok(response)
            }
            Err(err) => {
                record("error.type", error_type(&err));
                let (err, description) = self.describe(err, url);
                set_current_error(&description);
                Err(err)
            }
        }
    }

    /// The error's message and sources without its URL. reqwest's message embeds the URL,
    /// credentials and query included; the error handed back to the caller keeps it.
    fn describe(
        &self,
        err: reqwest_middleware::Error,
        url: &Url,
    ) -> (reqwest_middleware::Error, String) {
        let own_url = err.url().cloned();
        let bare = err.without_url();
        let mut description = bare.to_string();
        let mut source = bare.source();
        for _ in 0..8 {
            let Some(cause) = source else { break };
            description.push_str(": ");
            description.push_str(&cause.to_string());
            source = cause.source();
        }
        // Backstop: a source that echoes a secret of either URL leaves only the kind.
        if own_url
            .iter()
            .chain([url])
            .any(|u| redact::leaks(&description, u, &self.redact))
        {
            description = format!("{} error", error_type(&bare));
        }
        let err = match own_url {
            Some(own_url) => bare.with_url(own_url),
            None => bare,
        };
        (err, description)
    }
}

/// `error.type` for a transport error: a low-cardinality kind, never a message.
fn error_type(err: &reqwest_middleware::Error) -> &'static str {
    match err {
        reqwest_middleware::Error::Middleware(_) => "middleware",
        reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
        reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
        reqwest_middleware::Error::Reqwest(e) if e.is_redirect() => "redirect",
        reqwest_middleware::Error::Reqwest(e) if e.is_body() => "body",
        reqwest_middleware::Error::Reqwest(e) if e.is_decode() => "decode",
        reqwest_middleware::Error::Reqwest(e) if e.is_builder() => "builder",
        reqwest_middleware::Error::Reqwest(e) if e.is_request() => "request",
        reqwest_middleware::Error::Reqwest(_) => "_OTHER",
    }
}
