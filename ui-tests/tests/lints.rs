//! The span attributes under clippy. trybuild checks the pass cases with rustc only, so every
//! shape of function is expanded once more here, where `cargo clippy --all-targets` lints the
//! generated code with the user's strictest settings.
#![deny(warnings, unused, unused_qualifications, unused_results, dead_code)]
#![deny(clippy::all, clippy::pedantic)]
#![allow(
    clippy::unused_async,
    reason = "async fns without awaits are shapes under test"
)]

use std::fmt::{self, Display};
use std::future::Future;

use async_trait::async_trait;
use traced::{child_span, root_span};

#[derive(Debug)]
struct Opaque;

impl Display for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("opaque")
    }
}

#[root_span(kind = server, fields(shown = %opaque, debug = ?opaque, n = 1_u8))]
fn sync_unit(id: u64, opaque: &Opaque) {
    let _ = (id, opaque);
}

#[child_span]
fn sync_result(input: &str) -> Result<u16, std::num::ParseIntError> {
    let n: u16 = input.parse()?;
    Ok(n)
}

#[child_span(skip_all)]
fn sync_impl_trait(limit: u32) -> impl Iterator<Item = u32> {
    0..limit
}

#[child_span]
fn generic<T: Display + Clone>(value: &T, copies: usize) -> Vec<T> {
    vec![value.clone(); copies]
}

#[root_span(parent = traceparent)]
async fn async_root(traceparent: Option<&str>) -> Result<(), String> {
    if traceparent.is_none() {
        return Err("no parent".to_owned());
    }
    Ok(())
}

#[child_span]
async fn async_unit() {}

#[child_span(fields(n))]
fn impl_future(n: u8) -> impl Future<Output = u8> {
    async move { n }
}

struct Store {
    items: Vec<String>,
}

impl Store {
    #[child_span]
    fn first(&self) -> Option<&String> {
        self.items.first()
    }

    #[child_span]
    fn push(&mut self, item: String) -> &mut String {
        self.items.push(item);
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    #[child_span]
    async fn count(&self) -> usize {
        self.items.len()
    }

    #[child_span]
    fn into_items(self) -> Vec<String> {
        self.items
    }
}

#[async_trait]
trait Fetch {
    async fn fetch(&self, key: &str) -> Result<String, String>;

    #[child_span]
    async fn fetch_or(&self, key: &str) -> String {
        self.fetch(key).await.unwrap_or_default()
    }
}

#[async_trait]
impl Fetch for Store {
    #[root_span(link = key)]
    async fn fetch(&self, key: &str) -> Result<String, String> {
        self.items
            .iter()
            .find(|item| *item == key)
            .cloned()
            .ok_or_else(|| format!("no {key}"))
    }
}

#[test]
fn every_shape_runs() {
    sync_unit(1, &Opaque);
    assert_eq!(sync_result("8"), Ok(8));
    assert_eq!(sync_impl_trait(3).count(), 3);
    assert_eq!(generic(&'x', 2), ['x', 'x']);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        assert!(async_root(None).await.is_err());
        async_unit().await;
        assert_eq!(impl_future(4).await, 4);
        let mut store = Store { items: Vec::new() };
        store.push("a".to_owned()).push('!');
        assert_eq!(store.first().map(String::as_str), Some("a!"));
        assert_eq!(store.count().await, 1);
        assert_eq!(store.fetch_or("a!").await, "a!");
        assert_eq!(store.into_items(), ["a!"]);
    });
}
