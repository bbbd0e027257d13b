//! Async fns and methods: `?`, early `return`, borrows out of `&mut self`, `impl Trait`
//! returns, and futures that stay `Send` (spawned on a multi-thread runtime).

use std::fmt::Display;

use traced::{child_span, root_span};

#[root_span(kind = consumer, fields(queue = "orders"))]
async fn handle(order_id: u64, payload: &str) -> Result<usize, String> {
    if payload.is_empty() {
        return Err(format!("order {order_id}: empty payload"));
    }
    let n = dispatch(order_id).await?;
    tokio::task::yield_now().await;
    Ok(n + payload.len())
}

#[child_span]
async fn dispatch(order_id: u64) -> Result<usize, String> {
    let parsed: usize = "3".parse().map_err(|e: std::num::ParseIntError| e.to_string())?;
    Ok(parsed + usize::try_from(order_id).map_err(|e| e.to_string())?)
}

#[child_span]
async fn unit(n: u8) {
    if n == 0 {
        return;
    }
    tokio::task::yield_now().await;
}

#[child_span]
async fn shown(n: u8) -> impl Display {
    n * 2
}

struct Cache {
    entries: Vec<String>,
}

impl Cache {
    #[child_span]
    async fn last_mut(&mut self) -> Option<&mut String> {
        tokio::task::yield_now().await;
        self.entries.last_mut()
    }

    #[child_span]
    async fn len(&self) -> usize {
        self.entries.len()
    }

    #[child_span]
    async fn into_entries(self) -> Vec<String> {
        self.entries
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    assert_eq!(handle(1, "ab").await, Ok(6));
    assert!(handle(1, "").await.is_err());
    // The span-carrying futures are `Send`.
    let spawned = tokio::spawn(handle(2, "abc")).await?;
    assert_eq!(spawned, Ok(8));
    tokio::spawn(unit(1)).await?;
    assert_eq!(shown(2).await.to_string(), "4");
    let mut cache = Cache {
        entries: vec!["a".to_owned()],
    };
    if let Some(last) = cache.last_mut().await {
        last.push('b');
    }
    assert_eq!(cache.len().await, 1);
    assert_eq!(cache.into_entries().await, ["ab"]);
    Ok(())
}
