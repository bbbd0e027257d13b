//! A message consumer: one root span per message, continuing the trace the message carries in
//! its `traceparent` (or, with `--link`, starting a new trace linked to it), with an HTTP call
//! to `DOWNSTREAM_URL` (default `http://127.0.0.1:8000/command`) inside.
//!
//! Messages are JSON lines on stdin:
//!
//! ```sh
//! echo '{"order_id":7,"command":"ship","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}' \
//!   | cargo run -p traced-examples --bin consumer
//! ```
//!
//! or, with `--produce N`, made by a producer task in the same process, each published from a
//! producer span whose context the message carries.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufReadExt as _;
use tokio::sync::mpsc;
use traced::http::reqwest_middleware::ClientWithMiddleware;
use traced::{SpanKind, root_span};

/// A message on the queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
struct Message {
    order_id: u64,
    command: String,
    /// The W3C context of the span that published the message.
    traceparent: Option<String>,
}

#[traced::traced_service(name = "order-consumer")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let link = args.iter().any(|a| a == "--link");
    let produce = args
        .iter()
        .position(|a| a == "--produce")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<u64>())
        .transpose()?;
    let downstream = std::env::var("DOWNSTREAM_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8000/command".to_owned());
    let client = traced::http::client(reqwest::Client::new());

    let (tx, mut rx) = mpsc::channel::<Message>(64);
    let source = match produce {
        Some(n) => tokio::spawn(produce_messages(n, tx)),
        None => tokio::spawn(read_stdin(tx)),
    };
    let shutdown = traced_examples::serve::shutdown_signal()?;
    tokio::pin!(shutdown);
    loop {
        let message = tokio::select! {
            message = rx.recv() => message,
            () = &mut shutdown => None,
        };
        let Some(message) = message else { break };
        let result = if link {
            handle_linked(message, &client, &downstream).await
        } else {
            handle(message, &client, &downstream).await
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "message failed");
        }
    }
    // On a signal the source may still be reading stdin; it has nothing to flush.
    if source.is_finished() {
        source.await??;
    }
    Ok(())
}

/// One message, in the trace of the span that published it.
#[root_span(kind = consumer, parent = message.traceparent, fields(queue = "orders", order_id = message.order_id))]
async fn handle(
    message: Message,
    client: &ClientWithMiddleware,
    downstream: &str,
) -> anyhow::Result<()> {
    forward(&message, client, downstream).await
}

/// One message, in a new trace linked to the publisher's (the batch-consumer convention).
#[root_span(kind = consumer, link = message.traceparent, fields(queue = "orders", order_id = message.order_id))]
async fn handle_linked(
    message: Message,
    client: &ClientWithMiddleware,
    downstream: &str,
) -> anyhow::Result<()> {
    forward(&message, client, downstream).await
}

async fn forward(
    message: &Message,
    client: &ClientWithMiddleware,
    downstream: &str,
) -> anyhow::Result<()> {
    let body = serde_json::json!({ "command": message.command });
    let response = client.post(downstream).json(&body).send().await?;
    tracing::info!(status = response.status().as_u16(), "command forwarded");
    anyhow::ensure!(
        response.status().is_success(),
        "downstream answered {}",
        response.status()
    );
    Ok(())
}

async fn read_stdin(tx: mpsc::Sender<Message>) -> anyhow::Result<()> {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Message>(&line) {
            Ok(message) => {
                if tx.send(message).await.is_err() {
                    break;
                }
            }
            Err(e) => tracing::warn!(error = %e, "skipping a line that is not a message"),
        }
    }
    Ok(())
}

async fn produce_messages(n: u64, tx: mpsc::Sender<Message>) -> anyhow::Result<()> {
    for order_id in 1..=n {
        let message = publish(order_id);
        if tx.send(message).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// The producer side: a span per published message, whose context the message carries.
fn publish(order_id: u64) -> Message {
    let _span = traced::Span::root("publish orders")
        .kind(SpanKind::Producer)
        .attr("order_id", order_id)
        .enter();
    Message {
        order_id,
        command: "ship".to_owned(),
        traceparent: traced::propagation::current_traceparent(),
    }
}
