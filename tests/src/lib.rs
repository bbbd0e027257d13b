//! End-to-end test support for `traced`: a real OTLP/HTTP receiver, the decoded spans it
//! received, and a runner for the test binaries (`src/bin/`) as child processes.
//!
//! The tests themselves are in `tests/`, one file per concern; they run the binaries with a
//! controlled environment, point them at a [`Receiver`] and check what arrives.

pub mod app;
pub mod receiver;
pub mod spans;

pub use app::{App, Line, MAIN_RETURNING, Output};
pub use receiver::{Behavior, Receiver, Reply, Request, refused_endpoint};
pub use spans::{AttrValue, ReceivedSpan, attributes, hex};
