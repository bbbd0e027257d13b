//! `parent` and `link` with every kind of carrier, including a missing or malformed one.

use std::collections::{BTreeMap, HashMap};

use traced::root_span;

struct Message {
    headers: HashMap<String, String>,
    body: String,
}

#[root_span(kind = consumer, parent = msg.headers, fields(size = msg.body.len()))]
fn handle(msg: &Message) -> usize {
    msg.body.len()
}

#[root_span(parent = traceparent)]
async fn from_header(traceparent: Option<String>) -> bool {
    traceparent.is_some()
}

#[root_span(link = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
fn linked_to_a_literal() {}

#[root_span(link = batch.first().map(|(_, headers)| headers))]
fn linked_to_the_first(batch: &[(u32, BTreeMap<String, String>)]) -> usize {
    batch.len()
}

#[root_span(parent = "not a traceparent")]
fn malformed() -> &'static str {
    "fresh trace"
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let msg = Message {
        headers: HashMap::from([(
            "traceparent".to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
        )]),
        body: "{}".to_owned(),
    };
    assert_eq!(handle(&msg), 2);
    assert!(!from_header(None).await);
    linked_to_a_literal();
    assert_eq!(linked_to_the_first(&[(1, BTreeMap::new())]), 1);
    assert_eq!(malformed(), "fresh trace");
}
