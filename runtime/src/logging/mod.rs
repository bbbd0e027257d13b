//! Logging: the global tracing-subscriber stack that prints one JSON line per event on stderr
//! (or a human format with `TRACED_LOG_FORMAT=pretty`), stamped with the engine's current
//! `trace_id`/`span_id`, plus the panic hook.
//!
//! The stack is `Registry` + `EnvFilter` (`RUST_LOG`) + [`EventLayer`], our own formatter rather
//! than `tracing_subscriber::fmt`, because the ids come from our span engine (not from tracing's
//! span registry), fields must keep their JSON types, and the line is built in a reused
//! thread-local buffer and written with one call.

mod fields;
mod json;
mod layer;
mod line;
mod panic;
mod pretty;
mod time;

#[cfg(test)]
mod tests;

use std::fmt;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::config::{LogFormat, Settings};

use layer::{EventLayer, StderrWriter};
pub(crate) use panic::install_panic_hook;

/// Target of the panic line; kept enabled whatever `RUST_LOG` says (see [`filter`]).
const PANIC_TARGET: &str = "traced::panic";

/// Set while our subscriber is (being made) the global default, so a second initialisation is
/// told apart from an application that installed its own subscriber.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Why [`install`] left the global subscriber alone. Never fatal: the caller logs it once as a
/// warning (through whatever subscriber is in place) and the service keeps running.
#[derive(Debug)]
pub(crate) enum LogInstallError {
    /// traced's own subscriber is already installed (a second initialisation).
    AlreadyInstalled,
    /// The application installed another global tracing subscriber first.
    SubscriberExists,
}

// Short on purpose: the caller adds what happens next ("keeping it, so …").
impl fmt::Display for LogInstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AlreadyInstalled => "traced's log subscriber is already installed",
            Self::SubscriberExists => "a global tracing subscriber is already installed",
        })
    }
}

impl std::error::Error for LogInstallError {}

/// Installs the global subscriber: `EnvFilter` from `settings.log_filter` + our JSON (or
/// pretty) layer writing to stderr, and bridges `log` records into it.
///
/// Never panics. An invalid filter falls back to `info` and is reported as one warning line
/// once the subscriber is in place; a `log` logger set by someone else is reported the same way
/// (its records then do not reach our lines). An existing global subscriber is returned as an
/// error for the caller to warn about.
pub(crate) fn install(settings: &Settings) -> Result<(), LogInstallError> {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return Err(LogInstallError::AlreadyInstalled);
    }
    // NO_COLOR: https://no-color.org; colours only when a human is looking at the terminal.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (subscriber, filter_error, max_level) = subscriber(
        settings.log_format,
        &settings.log_filter,
        settings.service_name(),
        StderrWriter,
        ansi,
    );
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        INSTALLED.store(false, Ordering::Release);
        return Err(LogInstallError::SubscriberExists);
    }

    if let Some(error) = filter_error {
        tracing::warn!(
            target: "traced",
            filter = settings.log_filter.as_str(),
            error = %error,
            "invalid RUST_LOG filter, using `info`"
        );
    }
    // The `log` crate's own max level gates records before they reach the bridge, so set it
    // from the filter rather than leaving every `trace!` of every dependency to be built.
    let bridged = tracing_log::LogTracer::builder()
        .with_max_level(tracing_log::AsLog::as_log(&max_level))
        .init();
    if bridged.is_err() {
        tracing::warn!(
            target: "traced",
            "a `log` logger is already installed, so `log` records are not bridged into traced's log lines"
        );
    }
    Ok(())
}

/// The full stack, built apart from installing it so tests can run it with `with_default` and
/// an in-memory writer. Returns the subscriber, the filter error if the directives were
/// invalid, and the most verbose level the filter can enable.
fn subscriber<M>(
    format: LogFormat,
    directives: &str,
    service: &str,
    make_writer: M,
    ansi: bool,
) -> (
    impl tracing::Subscriber + Send + Sync + 'static,
    Option<String>,
    tracing::level_filters::LevelFilter,
)
where
    M: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let (filter, filter_error) = filter(directives);
    let max_level = filter
        .max_level_hint()
        .unwrap_or(tracing::level_filters::LevelFilter::TRACE);
    let layer = EventLayer::new(format, service, make_writer, ansi);
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(crate::bridge::BridgeLayer::new())
        .with(layer);
    (subscriber, filter_error, max_level)
}

/// Parses `EnvFilter` directives; invalid ones give `info` and the parse error.
///
/// The panic line stays enabled unless the directives name its target: a filter such as
/// `RUST_LOG=my_app=debug` disables every other target, and a panic must not vanish with it.
fn filter(directives: &str) -> (EnvFilter, Option<String>) {
    let directives = directives.trim();
    let directives = if directives.is_empty() {
        "info"
    } else {
        directives
    };
    let (filter, error) = match EnvFilter::builder().parse(directives) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new("info"), Some(error.to_string())),
    };
    if directives.contains(PANIC_TARGET) {
        return (filter, error);
    }
    match format!("{PANIC_TARGET}=error").parse() {
        Ok(directive) => (filter.add_directive(directive), error),
        Err(_) => (filter, error),
    }
}
