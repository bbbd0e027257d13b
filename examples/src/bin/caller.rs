//! The caller service: `POST /dispatch` calls `DOWNSTREAM_URL` (default
//! `http://127.0.0.1:8000/command`) with the traced client, on `PORT` (default 8001).
//!
//! ```sh
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run -p traced-examples --bin caller
//! curl -X POST localhost:8001/dispatch -H 'content-type: application/json' -d '{"command":"ship"}'
//! ```

use traced_examples::{dispatch, serve};

#[traced::traced_service(name = "dispatch-service")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let downstream = std::env::var("DOWNSTREAM_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8000/command".to_owned());
    let shutdown = serve::shutdown_signal()?;
    let (listener, addr) = serve::bind(serve::port_from_env(8001)).await?;
    tracing::info!(%addr, downstream, "listening");
    serve::serve(listener, dispatch::router(downstream), shutdown).await?;
    Ok(())
}
