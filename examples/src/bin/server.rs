//! The downstream service: `POST /command` (with a child span inside) and
//! `GET /health` (not traced), on `PORT` (default 8000).
//!
//! ```sh
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run -p traced-examples --bin server
//! ```

use traced_examples::{command, serve};

#[traced::traced_service(name = "command-service")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let shutdown = serve::shutdown_signal()?;
    let (listener, addr) = serve::bind(serve::port_from_env(8000)).await?;
    tracing::info!(%addr, "listening");
    serve::serve(listener, command::router(), shutdown).await?;
    Ok(())
}
