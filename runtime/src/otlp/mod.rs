//! OTLP/HTTP protobuf bodies written by us, straight from records: no intermediate messages,
//! no allocation per span once the buffer has grown to the usual request.
//!
//! `wire` has the protobuf primitives, `common` the messages every signal shares, `request`
//! the export request's buffer, envelope and cap, `code` the `code.*` attributes encoded once
//! per call site; `span` and `traces` are the traces signal. `log_record` and `logs` are the
//! logs signal, whose records are grouped by scope (their target) by `scoped`, over the scopes
//! of `scopes`.

mod code;
mod common;
pub(crate) mod fixture;
pub(crate) mod log_fixture;
mod log_record;
mod logs;
mod request;
mod scoped;
mod scopes;
mod span;
mod traces;
mod wire;

#[cfg(test)]
mod logs_tests;
#[cfg(test)]
mod parity_tests;
#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod scoped_tests;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod traces_tests;

#[allow(
    unused_imports,
    reason = "the export thread uses it once it is wired in"
)]
pub(crate) use logs::LogWriter;
#[allow(
    unused_imports,
    reason = "the export thread uses them once it is wired in"
)]
pub(crate) use request::{Body, DEFAULT_MAX_BODY, MAX_BODY_LIMIT, Push, Request};
#[allow(
    unused_imports,
    reason = "the export thread uses it once it is wired in"
)]
pub(crate) use traces::TraceWriter;
