//! The async expansion under strict lints, with a unit return.
#![deny(warnings, unused, unused_qualifications, unused_results, dead_code)]

#[traced::traced_service]
#[tokio::main]
async fn main() {
    tokio::task::yield_now().await;
}
