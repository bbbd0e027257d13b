//! `#[async_trait]` methods, in impls and as default methods, `Send` and `?Send`: the span is
//! put around the boxed future, so it covers the whole call.

use async_trait::async_trait;
use traced::{child_span, root_span};

#[async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<String, String>;

    #[child_span]
    async fn get_or(&self, key: &str, fallback: String) -> String {
        self.get(key).await.unwrap_or(fallback)
    }
}

struct Memory {
    value: String,
}

#[async_trait]
impl Store for Memory {
    #[root_span(kind = server, fields(store = "memory"))]
    async fn get(&self, key: &str) -> Result<String, String> {
        tokio::task::yield_now().await;
        if key.is_empty() {
            return Err("empty key".to_owned());
        }
        Ok(format!("{key}={}", self.value))
    }
}

#[async_trait(?Send)]
trait Local {
    async fn count(&mut self, (a, b): (u8, u8)) -> u32;
}

struct Counter(u32);

#[async_trait(?Send)]
impl Local for Counter {
    #[child_span]
    async fn count(&mut self, (a, b): (u8, u8)) -> u32 {
        self.0 += u32::from(a) + u32::from(b);
        self.0
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = Memory {
        value: "v".to_owned(),
    };
    assert_eq!(store.get("k").await, Ok("k=v".to_owned()));
    assert_eq!(store.get_or("", "none".to_owned()).await, "none");
    let boxed: Box<dyn Store + Send + Sync> = Box::new(store);
    assert!(tokio::spawn(async move { boxed.get("x").await }).await.is_ok());
    let mut counter = Counter(0);
    assert_eq!(counter.count((1, 2)).await, 3);
}
