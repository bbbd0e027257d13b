//! HTTP integration: server spans for tower services (feature `axum`) and client spans with
//! context injection for reqwest (feature `reqwest`), following OpenTelemetry's HTTP semantic
//! conventions. One request across services is one trace; no application code touches headers.
//!
//! A service and a client calling it, in one process for the example: the server span is a
//! child of the client span, through the `traceparent` header the client sent.
//!
//! ```
//! # #[cfg(all(feature = "axum", feature = "reqwest"))]
//! # fn main() {
//! use axum::{Router, extract::Path, routing::get};
//! use traced::{Span, testing::capture};
//!
//! async fn order(Path(id): Path<u64>) -> String {
//!     format!("order {id}")
//! }
//!
//! # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let (body, spans) = capture(|| runtime.block_on(async {
//!     let app = Router::new()
//!         .route("/orders/{id}", get(order))
//!         .layer(traced::http::ServerLayer::new());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let url = format!("http://{}/orders/7", listener.local_addr().unwrap());
//!     tokio::spawn(async move { axum::serve(listener, app).await });
//!
//!     let client = traced::http::client(reqwest::Client::new());
//!     let checkout = async { client.get(url).send().await.unwrap().text().await.unwrap() };
//!     Span::root("checkout").in_span(checkout).await
//! }));
//! assert_eq!(body, "order 7");
//! let client = spans.named("GET");
//! let server = spans.named("GET /orders/{id}");
//! assert_eq!(client.parent_span_id, Some(spans.named("checkout").span_id));
//! assert_eq!(server.parent_span_id, Some(client.span_id));
//! assert!(server.parent_is_remote);
//! # }
//! # #[cfg(not(all(feature = "axum", feature = "reqwest")))]
//! # fn main() {}
//! ```

mod semconv;

#[cfg(feature = "reqwest")]
mod client;
#[cfg(feature = "reqwest")]
pub use client::{TracingMiddleware, client, reqwest_middleware};

#[cfg(feature = "axum")]
mod server;
#[cfg(feature = "axum")]
pub use server::{ServerFuture, ServerLayer, ServerService};
