//! The two filters of the global subscriber, and changing them while the service runs.
//!
//! `RUST_LOG` selects log events (JSON lines, log records) and nothing else; `TRACED_SPAN_FILTER`
//! selects the `tracing` spans bridged into traces, and nothing else: a log level chosen to quiet
//! a noisy service can never delete a library's spans from its traces. Both live in one layer
//! ([`Filters`]) wrapped in `tracing_subscriber::reload`, so [`set_log_filter`] and
//! [`set_span_filter`] change one of them in place. (The reloaded part is a layer with no
//! per-layer filter inside: reloading a layer that contains one panics, tracing-subscriber
//! issue #1629.)

use std::fmt;
use std::sync::OnceLock;

use tracing::Metadata;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

use crate::logging;

/// Swaps one filter of the installed subscriber's [`Filters`].
type Reload = Box<dyn Fn(EnvFilter) -> Result<(), String> + Send + Sync>;

static LOG_FILTER: OnceLock<Reload> = OnceLock::new();
static SPAN_FILTER: OnceLock<Reload> = OnceLock::new();

/// Why a filter was not changed.
///
/// ```
/// let error = traced::set_log_filter("info").unwrap_err();
/// assert_eq!(error, traced::FilterError::NotInstalled);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterError {
    /// The directives do not parse (`EnvFilter` syntax); the filter in place is kept.
    Invalid(String),
    /// traced's subscriber is not the global one (not initialised, logging not installed, or
    /// another subscriber was installed first), so there is no filter of ours to change.
    NotInstalled,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterError::Invalid(error) => write!(f, "invalid filter directives: {error}"),
            FilterError::NotInstalled => f.write_str("traced's subscriber is not the global one"),
        }
    }
}

impl std::error::Error for FilterError {}

/// Changes which log events are logged (`RUST_LOG` syntax), while the service runs: JSON lines
/// and OTLP log records alike, `log`-crate records included. A bad directive is an error and
/// changes nothing. The panic line stays enabled whatever the directives say.
///
/// ```no_run
/// let _guard = traced::init(traced::Config::new());
/// traced::set_log_filter("warn,my_service=debug").expect("valid directives");
/// ```
pub fn set_log_filter(directives: &str) -> Result<(), FilterError> {
    let filter = logging::strict_filter(directives).map_err(FilterError::Invalid)?;
    let max_level = filter.max_level_hint();
    let reload = LOG_FILTER.get().ok_or(FilterError::NotInstalled)?;
    reload(filter).map_err(|_| FilterError::NotInstalled)?;
    // `log` records are gated by the `log` crate's own max level before they reach the
    // subscriber: raised with the filter, or `log`-based crates (rustls, …) would stay silent
    // (tracing issue #2564).
    logging::set_log_max_level(max_level);
    Ok(())
}

/// Changes which `tracing` spans are bridged into traces (`TRACED_SPAN_FILTER`, `RUST_LOG`
/// syntax, default `info`), while the service runs. A bad directive is an error and changes
/// nothing. traced's own spans (`#[root_span]`, `#[child_span]`, the HTTP layers) are never
/// filtered.
///
/// ```no_run
/// let _guard = traced::init(traced::Config::new());
/// traced::set_span_filter("info,sqlx=warn").expect("valid directives");
/// ```
pub fn set_span_filter(directives: &str) -> Result<(), FilterError> {
    let filter = EnvFilter::builder()
        .parse(directives.trim())
        .map_err(|e| FilterError::Invalid(e.to_string()))?;
    let reload = SPAN_FILTER.get().ok_or(FilterError::NotInstalled)?;
    reload(filter).map_err(|_| FilterError::NotInstalled)
}

/// Keeps the reload functions of the installed subscriber's filters.
pub(super) fn installed(log: Reload, span: Reload) {
    let _ = LOG_FILTER.set(log);
    let _ = SPAN_FILTER.set(span);
}

/// The span filter's directives (invalid ones give `info` and the error).
pub(super) fn span_filter(directives: &str) -> (EnvFilter, Option<String>) {
    let directives = match directives.trim() {
        "" => "info",
        directives => directives,
    };
    match EnvFilter::builder().parse(directives) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new("info"), Some(error.to_string())),
    }
}

/// The most verbose level a filter may enable, for the `log` crate's gate.
pub(super) fn max_level(filter: &EnvFilter) -> Option<LevelFilter> {
    filter.max_level_hint()
}

/// Both filters, as one plain layer of the global subscriber: events are selected by the log
/// filter, spans by the span filter. Plain (a global filter) rather than two per-layer filters,
/// so that a callsite's interest is decided once and cached, as with one global filter: per-layer
/// filters made every event go through both at every call (+12 % instructions per JSON line).
/// A span the span filter leaves out is therefore not created at all, and `RUST_LOG` directives
/// scoped to spans (`[request]=debug`) see only the spans the span filter selects.
pub(super) struct Filters {
    pub(super) log: EnvFilter,
    pub(super) span: EnvFilter,
}

/// The most verbose level at which the log records of traced's HTTP and TLS libraries are
/// let through, whatever the directives say: at trace level ureq-proto dumps every request
/// head, header values (API keys) included, and ureq prints paths and `Location`s; their debug
/// lines redact those. (The libraries' targets; their `log` records arrive with them.)
const QUIET_TARGETS: [(&str, LevelFilter); 4] = [
    ("ureq_proto", LevelFilter::INFO),
    ("ureq", LevelFilter::DEBUG),
    ("rustls", LevelFilter::DEBUG),
    ("rustls_platform_verifier", LevelFilter::DEBUG),
];

/// Whether `metadata` is an event of traced's HTTP and TLS libraries above their cap.
fn too_verbose(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    QUIET_TARGETS.iter().any(|(quiet, cap)| {
        target
            .strip_prefix(quiet)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            && metadata.level() > cap
    })
}

impl Filters {
    fn of(&self, metadata: &Metadata<'_>) -> &EnvFilter {
        if metadata.is_span() {
            &self.span
        } else {
            &self.log
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for Filters
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn register_callsite(
        &self,
        metadata: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if too_verbose(metadata) {
            return tracing::subscriber::Interest::never();
        }
        tracing_subscriber::Layer::<S>::register_callsite(self.of(metadata), metadata)
    }

    fn enabled(
        &self,
        metadata: &Metadata<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        !too_verbose(metadata)
            && tracing_subscriber::Layer::<S>::enabled(self.of(metadata), metadata, ctx)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        let log = tracing_subscriber::Layer::<S>::max_level_hint(&self.log)?;
        let span = tracing_subscriber::Layer::<S>::max_level_hint(&self.span)?;
        Some(log.max(span))
    }

    // The log filter's span-scoped directives need the lives of the spans that exist.
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        self.log.on_new_span(attrs, id, ctx);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        self.log.on_record(id, values, ctx);
    }

    fn on_enter(&self, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        self.log.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        self.log.on_exit(id, ctx);
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        self.log.on_close(id, ctx);
    }
}
