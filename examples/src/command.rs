//! The downstream service: `POST /command` runs a command in a child span; `GET /health` is
//! excluded from tracing.

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use traced::child_span;

/// A command sent to the service.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Command {
    /// What to do.
    pub command: String,
    /// How many times.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// What the service answers.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Outcome {
    /// The command, echoed.
    pub command: String,
    /// The trace this request belongs to, so callers can look it up.
    pub trace_id: String,
}

/// The service's routes, with the server layer that makes one span per request.
pub fn router() -> Router {
    Router::new()
        .route("/command", post(handle))
        .route("/health", get(|| async { "ok" }))
        .layer(traced::http::ServerLayer::new())
}

async fn handle(Json(command): Json<Command>) -> Result<Json<Outcome>, (StatusCode, String)> {
    match execute(&command.command, command.times).await {
        Ok(()) => Ok(Json(Outcome {
            command: command.command,
            trace_id: traced::current_trace_id()
                .map(|id| id.to_string())
                .unwrap_or_default(),
        })),
        Err(e) => Err((StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
    }
}

/// The work behind `/command`: a child span with the command and count as attributes.
#[child_span]
async fn execute(command: &str, times: u32) -> anyhow::Result<()> {
    anyhow::ensure!(!command.is_empty(), "empty command");
    for _ in 0..times {
        tokio::task::yield_now().await;
    }
    tracing::info!(command, times, "command executed");
    Ok(())
}
