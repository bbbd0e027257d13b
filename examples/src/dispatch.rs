//! The caller: `POST /dispatch` forwards a command downstream with the traced client, so the
//! caller's server span, its client span and the downstream server span are one trace.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use traced::http::reqwest_middleware::ClientWithMiddleware;

use crate::command::{Command, Outcome};

struct Downstream {
    url: String,
    client: ClientWithMiddleware,
}

/// The caller's routes; `downstream` is the full URL of `POST /command`.
pub fn router(downstream: impl Into<String>) -> Router {
    let state = Arc::new(Downstream {
        url: downstream.into(),
        client: traced::http::client(reqwest::Client::new()),
    });
    Router::new()
        .route("/dispatch", post(dispatch))
        .route("/health", get(|| async { "ok" }))
        .with_state(state)
        .layer(traced::http::ServerLayer::new())
}

async fn dispatch(
    State(downstream): State<Arc<Downstream>>,
    Json(command): Json<Command>,
) -> Result<Json<Outcome>, (StatusCode, String)> {
    tracing::info!(command = %command.command, "dispatching");
    let response = downstream
        .client
        .post(&downstream.url)
        .json(&command)
        .send()
        .await
        .map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()))?;
    if !response.status().is_success() {
        return Err((
            StatusCode::BAD_GATEWAY,
            format!("downstream answered {}", response.status()),
        ));
    }
    let outcome = response
        .json::<Outcome>()
        .await
        .map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()))?;
    Ok(Json(outcome))
}
