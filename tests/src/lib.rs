//! End-to-end test support for `traced`: a real OTLP/HTTP receiver, the decoded spans it
//! received, and a runner for the test binaries (`src/bin/`) and the example services
//! (`examples/`) as child processes.
//!
//! The tests themselves are in `tests/`, one file per concern; they run the binaries with a
//! controlled environment, point them at a [`Receiver`] and check what arrives.

pub mod app;
pub mod captured;
pub mod collector;
pub mod examples;
pub mod export;
pub mod fault;
pub mod logs;
#[cfg(feature = "tls")]
pub mod mtls;
pub mod peer;
pub mod receiver;
pub mod spans;
pub mod traces;

pub use app::{App, Line, MAIN_RETURNING, Output, Running};
pub use collector::Collector;
pub use logs::ReceivedLog;
pub use receiver::{Behavior, Receiver, Reply, Request, Signal, refused_endpoint};
pub use spans::{AttrValue, ReceivedSpan, attributes, hex};
