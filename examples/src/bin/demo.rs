//! The demo: the caller and server services in one process on ephemeral ports, one request to
//! `/dispatch`, and the resulting trace printed as a tree (no collector needed):
//! the caller's server span → its client span → the downstream server span → the child span
//! inside `/command`.
//!
//! ```sh
//! cargo run -p traced-examples --bin demo
//! ```
//!
//! Point it at a collector with `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318` to export
//! the same trace over OTLP/HTTP instead.

use traced_examples::command::{Command, Outcome};
use traced_examples::{command, dispatch, serve};

#[traced::traced_service(name = "demo")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (command_listener, command_addr) = serve::bind(0).await?;
    let (dispatch_listener, dispatch_addr) = serve::bind(0).await?;
    let downstream = format!("http://{command_addr}/command");
    tokio::spawn(serve::serve(
        command_listener,
        command::router(),
        std::future::pending(),
    ));
    tokio::spawn(serve::serve(
        dispatch_listener,
        dispatch::router(downstream),
        std::future::pending(),
    ));

    // The outside world's request: a plain client, not traced, as a browser would be.
    let outcome: Outcome = reqwest::Client::new()
        .post(format!("http://{dispatch_addr}/dispatch"))
        .json(&Command {
            command: "ship order 1001".to_owned(),
            times: 3,
        })
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!(
        "dispatched {:?}: trace {}",
        outcome.command, outcome.trace_id
    );
    Ok(())
}
