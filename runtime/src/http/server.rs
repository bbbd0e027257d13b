//! Server spans for axum and any other tower service over `http` types: [`ServerLayer`].

mod exclusions;
mod future;
mod request;

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use self::exclusions::Exclusions;
pub use self::future::ServerFuture;
use crate::engine::Started;
use crate::engine::pipeline;

/// A tower [`Layer`] that makes one server span per request, continuing the caller's trace.
///
/// ```no_run
/// use std::net::SocketAddr;
///
/// use axum::{Router, extract::Path, routing::{get, post}};
///
/// async fn create(Path(id): Path<u64>) -> String {
///     // spans started here are children of `POST /orders/{id}`
///     format!("order {id}")
/// }
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     let app = Router::new()
///         .route("/orders/{id}", post(create))
///         .route("/health", get(|| async { "ok" }))   // excluded by default
///         .layer(traced::http::ServerLayer::new());   // after the routes it covers
///     let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
///     // ConnectInfo gives the spans `client.address` and `network.peer.address`.
///     axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
/// }
/// ```
///
/// # The span
/// - **Parent**: the request's `traceparent` / `tracestate` (W3C, strict); a missing or
///   malformed one starts a fresh trace. Its `baggage` is in scope for everything below,
///   including outgoing calls of the traced client.
/// - **Name**: `{METHOD} {route}` (`POST /orders/{id}`) with the route from axum's
///   [`MatchedPath`](axum::extract::MatchedPath), `{METHOD}` alone without a route (a 404 from the
///   fallback, or a plain tower/hyper service), and `HTTP` for a method outside the standard set.
/// - **Kind** `Server`; **status** Error on a 5xx response, on an error from the inner service and
///   on a panic in the handler (the panic keeps unwinding); 4xx leaves it unset, as semconv asks
///   of server spans.
/// - **Attributes** (OpenTelemetry HTTP server conventions): `http.request.method` (`_OTHER` plus
///   `http.request.method_original` outside the standard methods), `url.path`, `url.scheme`,
///   `http.route`, `http.response.status_code`, `server.address` and `server.port` (URI
///   authority or `Host`), `client.address` and `client.port` (see below), `network.peer.address` /
///   `network.peer.port`, `user_agent.original`, `network.protocol.version` (`1.1`, `2`), and
///   `error.type` (the status code on 5xx, `panic`, or the inner error's type name). The query
///   string and all other headers are never recorded: they carry tokens and cookies.
/// - **`client.address`**: the first entry of `X-Forwarded-For` when it is an IP address (semconv:
///   the client behind proxies), else the peer from axum's
///   [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo) (serve with
///   `into_make_service_with_connect_info::<SocketAddr>()`), which is also
///   `network.peer.address`. `X-Forwarded-For` is whatever the client sent unless a proxy you
///   trust rewrites it.
/// - **Duration**: until the response head is ready; streaming the body is not included.
///
/// # Where to apply it (axum)
/// Use [`Router::layer`](axum::Router::layer), once, on the outermost router, after the routes:
/// axum wraps each route in the layer, so it runs after routing and the route is known. With
/// [`Router::route_layer`](axum::Router::route_layer) unmatched requests (404) get no span.
/// Wrapping the finished router from outside (`ServiceBuilder::new().layer(…).service(app)`,
/// or a hyper service around it) runs before routing: every span is then named `{METHOD}`,
/// without `http.route`. Layering nested routers too gives nested server spans.
///
/// # Excluded paths
/// `/health` by default, plus [`exclude`](ServerLayer::exclude) (exact path) and
/// [`exclude_prefix`](ServerLayer::exclude_prefix), plus the environment variable
/// `TRACED_EXCLUDED_URLS` (comma-separated paths, an entry ending in `*` is a prefix:
/// `/ready,/internal/*`), read once per process; invalid entries are reported once on the log
/// stream and ignored. Excluded requests get no span, but the caller's context stays current,
/// so spans and outgoing calls below still join the caller's trace.
///
/// # Panics in handlers
/// axum does not catch panics: the connection is closed and the span ends with status Error
/// and an `exception` event (recorded as the panic passes, so this holds too when tower-http's
/// `CatchPanicLayer` outside this layer turns it into a 500). Applied inside this layer,
/// `CatchPanicLayer` answers 500, and the span records that 500.
#[derive(Debug, Clone)]
pub struct ServerLayer {
    settings: Arc<Settings>,
}

#[derive(Debug, Clone)]
struct Settings {
    exclusions: Exclusions,
    echo_traceparent: bool,
}

impl ServerLayer {
    /// The layer with `/health` and `TRACED_EXCLUDED_URLS` excluded, and no `traceparent` echo.
    ///
    /// ```
    /// let layer = traced::http::ServerLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> ServerLayer {
        ServerLayer {
            settings: Arc::new(Settings {
                exclusions: Exclusions::with_defaults(),
                echo_traceparent: false,
            }),
        }
    }

    /// Makes no span for requests to exactly `path` (compared with the request path, without
    /// the query; `/ready` does not cover `/ready/`).
    ///
    /// ```
    /// let layer = traced::http::ServerLayer::new().exclude("/ready").exclude("/livez");
    /// # let _ = layer;
    /// ```
    pub fn exclude(mut self, path: impl AsRef<str>) -> ServerLayer {
        Arc::make_mut(&mut self.settings)
            .exclusions
            .exact(path.as_ref());
        self
    }

    /// Makes no span for requests whose path starts with `prefix`. End it with `/` to stop at
    /// a segment: `/internal` also covers `/internals`.
    ///
    /// ```
    /// let layer = traced::http::ServerLayer::new().exclude_prefix("/internal/");
    /// # let _ = layer;
    /// ```
    pub fn exclude_prefix(mut self, prefix: impl AsRef<str>) -> ServerLayer {
        Arc::make_mut(&mut self.settings)
            .exclusions
            .prefix(prefix.as_ref());
        self
    }

    /// Removes every exclusion so far, the default `/health` and `TRACED_EXCLUDED_URLS`
    /// included: every request gets a span, except those excluded afterwards.
    ///
    /// ```
    /// let trace_everything = traced::http::ServerLayer::new().clear_exclusions();
    /// # let _ = trace_everything;
    /// ```
    pub fn clear_exclusions(mut self) -> ServerLayer {
        Arc::make_mut(&mut self.settings).exclusions.clear();
        self
    }

    /// Sends the server span's `traceparent` back in the response (off by default), so a caller
    /// without tracing of its own can still find the trace of its request. Excluded requests
    /// get none.
    ///
    /// ```
    /// let layer = traced::http::ServerLayer::new().echo_traceparent(true);
    /// # let _ = layer;
    /// ```
    pub fn echo_traceparent(mut self, echo: bool) -> ServerLayer {
        Arc::make_mut(&mut self.settings).echo_traceparent = echo;
        self
    }
}

impl Default for ServerLayer {
    fn default() -> ServerLayer {
        ServerLayer::new()
    }
}

impl<S> Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> ServerService<S> {
        ServerService {
            inner,
            settings: Arc::clone(&self.settings),
        }
    }
}

/// The service [`ServerLayer`] wraps around an inner service: any
/// `Service<http::Request<B>, Response = http::Response<R>>` (an axum route or router, a hyper
/// or tower service), whatever its body types and error.
///
/// ```
/// use tower_layer::Layer as _;
///
/// // Outside a router there is no route: spans are named after the method alone.
/// let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
/// let service: traced::http::ServerService<axum::Router> =
///     traced::http::ServerLayer::new().layer(app);
/// # let _ = service;
/// ```
#[derive(Debug, Clone)]
pub struct ServerService<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl<S, B, R> Service<Request<B>> for ServerService<S>
where
    S: Service<Request<B>, Response = Response<R>>,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> ServerFuture<S::Future> {
        let settings = &self.settings;
        let inner = &mut self.inner;
        let excluded = settings.exclusions.matches(req.uri().path());
        if !excluded && pipeline::current().is_some() {
            let span = request::server_span(&req).start().ok().flatten();
            return ServerFuture::new(span, true, settings.echo_traceparent, || inner.call(req));
        }
        // No span here, but the caller's context (and baggage) is current below: excluded paths
        // still join the trace, and propagation works with tracing off (`OTEL_SDK_DISABLED`
        // disables the SDK, not the propagators: OpenTelemetry SDK environment variables,
        // General SDK Configuration).
        let extracted = crate::w3c::extract(req.headers());
        let context = Started::remote_context(extracted.context, extracted.baggage);
        ServerFuture::new(context, false, false, || inner.call(req))
    }
}
