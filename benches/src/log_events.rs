//! The log events of the logs benchmarks (`logs_cpu`), the same `tracing` calls for every
//! candidate: one in the root span as an order arrives, one in the child span as it leaves,
//! six fields each (an integer, a string, a boolean, a float, a `'static` string, an integer),
//! at level `INFO`.
//!
//! ```
//! traced_benches::log_events::received(7, "checkout", true);
//! ```

/// The message (the log record's body) of [`received`].
pub const RECEIVED: &str = "order received";
/// The message (the log record's body) of [`dispatched`].
pub const DISPATCHED: &str = "order dispatched";

/// The root span's event; `order_id` is the iteration, which the receiver checks ids by.
#[inline(never)]
pub fn received(id: u64, label: &str, flag: bool) {
    tracing::info!(
        order_id = id,
        label,
        flag,
        amount = id as f64 * 0.01,
        customer = "ACME Corporation",
        items = id % 7 + 1,
        "order received"
    );
}

/// The child span's event.
#[inline(never)]
pub fn dispatched(id: u64, label: &str, flag: bool) {
    tracing::info!(
        order_id = id,
        label,
        flag,
        amount = id as f64 * 0.01,
        carrier = "Northwind Express",
        parcels = id % 3 + 1,
        "order dispatched"
    );
}
