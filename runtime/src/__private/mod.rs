//! Not public API. Everything here exists for the code the `traced` macros generate (and the
//! OTLP writer's fixture for the benchmarks) and may change in any release without notice.
//! Generated code names these items by absolute path, `::traced::__private::…` (or the
//! `crate = "…"` path).

use crate::config::ServiceDefaults;

pub mod main_outcome;
mod outcome;
mod span;

pub use crate::engine::{CodeLocation, SpanKind};
pub use crate::init::ServiceGuard;
/// The OTLP trace and log writers on fixed records, for the `otlp_writer` benchmark and the
/// allocation test; not for generated code.
pub use crate::otlp::fixture::{
    DEFAULT_MAX_BODY as OTLP_DEFAULT_MAX_BODY, Encoded as OtlpEncoded,
    WriterFixture as OtlpWriterFixture,
};
pub use crate::otlp::log_fixture::LogWriterFixture as OtlpLogWriterFixture;
pub use main_outcome::MainOutcome;
pub use outcome::{
    Arg, Outcome, RecordDebugError, RecordDisplayError, RecordNoOutcome, RecordNothing,
    RecordOpaqueError, RecordSpanValue,
};
pub use span::{SpanMeta, SpanStart, Switch};

/// The body of a sync traced fn, returned as it is: the `FnOnce` bound makes it an `FnOnce`
/// closure (see [`call_once`]), which the expansion then calls on one of two paths, bare when
/// tracing is off, under the span's guard otherwise.
#[inline(always)]
pub fn once<R, F: FnOnce() -> R>(f: F) -> F {
    f
}

/// Runs the body of a traced fn that returns `impl Future`, at the call. A closure passed where
/// `FnOnce` is expected is an `FnOnce` closure, which may hand out borrows of what it captured
/// (`fn name(&mut self) -> &mut String { &mut self.name }`); a closure bound to a `let` without
/// that expectation would be inferred `FnMut`.
#[inline(always)]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Called first thing in a `#[traced_service]` `main`: initialises everything once.
///
/// `name`/`version` come from the attribute, `package_*` from the calling crate's
/// `CARGO_PKG_NAME` / `CARGO_PKG_VERSION`. Never panics: trouble is logged and worked around.
pub fn service_start(
    name: Option<&'static str>,
    version: Option<&'static str>,
    package_name: &'static str,
    package_version: &'static str,
) -> ServiceGuard {
    crate::init::service_start(ServiceDefaults {
        name,
        version,
        package_name: Some(package_name),
        package_version: Some(package_version),
    })
}

/// Logs the error `main` is about to return, at error level, before the guard shuts down.
///
/// Formatted with `{:#}`: for `anyhow::Error` that is the whole chain of causes, for most
/// other types the same as `{}`.
pub fn report_main_error(error: &dyn core::fmt::Display) {
    let error = format_args!("{error:#}");
    tracing::error!(target: "traced", error = %error, "main returned an error: {error}");
}
