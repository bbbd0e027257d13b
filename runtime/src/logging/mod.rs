//! Logging: the layer that prints one JSON line per event on stderr (or a human format with
//! `TRACED_LOG_FORMAT=pretty`) stamped with the engine's current `trace_id`/`span_id`, the
//! `RUST_LOG` filter, the bridge of `log` records, and the panic hook. `init` composes the global
//! subscriber from the filter, the span bridge and this layer.
//!
//! [`EventLayer`] is our own formatter rather than `tracing_subscriber::fmt`, because the ids
//! come from our span engine (not from tracing's span registry), fields must keep their JSON
//! types, and the line is built in a reused thread-local buffer and written with one call.

mod fields;
mod json;
mod layer;
mod line;
mod panic;
mod pretty;
mod record;
mod span_fields;
mod time;

#[cfg(test)]
mod tests;

use std::io::IsTerminal as _;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

use crate::config::Settings;

use layer::{EventLayer, StderrWriter};
pub(crate) use panic::{install_panic_hook, mark_service_main, release as release_panic_line};

/// Target of the panic line; kept enabled whatever `RUST_LOG` says (see [`filter`]).
const PANIC_TARGET: &str = "traced::panic";

/// Longest stack trace a panic's line and its log record carry, in bytes: a deep recursion's
/// trace is cut (on a character boundary) rather than making a line of megabytes. The record
/// keeps it whole up to this size, past the attribute value length limit: a stack trace cut at
/// 4096 characters loses the frames that matter (semantic conventions, "Exceptions in logs":
/// `exception.stacktrace`).
const MAX_STACKTRACE: usize = 64 * 1024;
pub(crate) use crate::engine::EXCEPTION_TARGET;

/// The layer of the global subscriber: lines on stderr in the configured format, in colour
/// only when a human is looking at the terminal.
pub(crate) fn stderr_layer(settings: &Settings) -> EventLayer<StderrWriter> {
    // NO_COLOR: https://no-color.org
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    EventLayer::new(
        settings.log_lines.then_some(settings.log_format),
        settings.service_name(),
        StderrWriter,
        ansi,
    )
    .with_span_fields(settings.logs.span_fields)
    .with_xray(settings.logs.xray)
}

/// Sends `log` records to the global subscriber, as events with their own target. `max_level`
/// is the filter's hint: the `log` crate's own max level gates records before they reach the
/// bridge, so it is set from the filter rather than leaving every `trace!` of every dependency
/// to be built. A `log` logger set by someone else is reported as a warning and kept (its
/// records then do not reach our lines).
pub(crate) fn bridge_log_records(max_level: Option<LevelFilter>) {
    let max_level = max_level.unwrap_or(LevelFilter::TRACE);
    let bridged = tracing_log::LogTracer::builder()
        .with_max_level(tracing_log::AsLog::as_log(&max_level))
        .init();
    if bridged.is_err() {
        tracing::warn!(
            target: "traced",
            "a `log` logger is already installed, so `log` records are not bridged into traced's log lines"
        );
    }
}

/// The `log` crate's own max level, for a filter whose most verbose level is `max_level`
/// (`None`: every level).
pub(crate) fn set_log_max_level(max_level: Option<LevelFilter>) {
    let max_level = max_level.unwrap_or(LevelFilter::TRACE);
    log::set_max_level(tracing_log::AsLog::as_log(&max_level));
}

/// Parses `EnvFilter` directives, keeping the panic line enabled (see [`filter`]); an error
/// for invalid ones.
pub(crate) fn strict_filter(directives: &str) -> Result<EnvFilter, String> {
    let directives = match directives.trim() {
        "" => "info",
        directives => directives,
    };
    let filter = EnvFilter::builder()
        .parse(directives)
        .map_err(|e| e.to_string())?;
    Ok(with_panic_line(filter, directives))
}

/// Parses `EnvFilter` directives; invalid ones give `info` and the parse error.
///
/// The panic line stays enabled unless the directives name its target: a filter such as
/// `RUST_LOG=my_app=debug` disables every other target, and a panic must not vanish with it.
pub(crate) fn filter(directives: &str) -> (EnvFilter, Option<String>) {
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
    (with_panic_line(filter, directives), error)
}

/// `filter` with the panic line enabled, unless `directives` name its target.
fn with_panic_line(filter: EnvFilter, directives: &str) -> EnvFilter {
    if directives.contains(PANIC_TARGET) {
        return filter;
    }
    match format!("{PANIC_TARGET}=error").parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    }
}
