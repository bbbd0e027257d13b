//! Serving a router on 127.0.0.1 until Ctrl-C or SIGTERM, so `main` returns and the spans
//! are flushed. Binaries install the signal handlers before they announce `listening`.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

/// The port from `PORT`, else `default`.
pub fn port_from_env(default: u16) -> u16 {
    match std::env::var("PORT") {
        Ok(value) => value.parse().unwrap_or_else(|_| {
            tracing::warn!(value, "PORT is not a port number; using {default}");
            default
        }),
        Err(_) => default,
    }
}

/// Binds `127.0.0.1:port` (0 for any free port).
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves `router` on `listener` until `shutdown` completes, with the peer's address
/// available to the server layer (`client.address`, `network.peer.address`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal that arrives early still ends `main` normally (and
/// its spans are flushed) instead of killing the process.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}
