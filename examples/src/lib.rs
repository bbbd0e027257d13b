//! Two small HTTP services, shared by the example binaries: `command` is the downstream service
//! (`POST /command`), `dispatch` the caller (`POST /dispatch`) that calls it with the traced
//! client, so one request to the caller is one trace across both.

pub mod command;
pub mod dispatch;
pub mod serve;
