//! The services of the seed (`../shared/seed/distributed-tracing.md`) in Rust, shared by the
//! example binaries: `command` is the downstream service (`POST /command`), `dispatch` the
//! caller (`POST /dispatch`) that calls it with the traced client.

pub mod command;
pub mod dispatch;
pub mod serve;
