//! A `current_thread` runtime: shutdown must not need the runtime's thread.

#[traced::traced_service]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    tokio::task::yield_now().await;
}
