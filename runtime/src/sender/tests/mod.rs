//! The sender against real HTTP servers on 127.0.0.1 (`server.rs`, and `raw.rs` for the
//! scripts of our own client's tests): no part of the client is mocked. Backoff is shortened
//! so retries take milliseconds.

mod answer_later_tests;
mod http_tests;
mod plain_conn_tests;
mod plain_tests;
mod proxy_tests;
mod raw;
mod retry_tests;
pub(crate) mod server;
#[cfg(feature = "tls")]
mod tls_tests;

use std::time::{Duration, Instant};

use super::{Outcome, Sender};
use crate::config::{Compression, OtlpSettings, TlsFiles};

/// Settings for `endpoint`: no headers, a 10 s timeout, no compression, no TLS files.
pub(crate) fn settings(endpoint: &str) -> OtlpSettings {
    OtlpSettings {
        endpoint: endpoint.to_owned(),
        headers: Vec::new(),
        timeout: Duration::from_secs(10),
        compression: Compression::None,
        tls: TlsFiles::default(),
        max_body: crate::otlp::DEFAULT_MAX_BODY,
    }
}

/// A sender for `settings`, with no proxy variables and a backoff of 10 to 40 ms.
fn sender_for(settings: &OtlpSettings, env: &[(&str, &str)]) -> Sender {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (mut sender, warnings) = Sender::with_env(settings, &lookup);
    assert!(warnings.is_empty(), "{warnings:?}");
    sender.set_backoff(Duration::from_millis(10), Duration::from_millis(40));
    sender
}

fn sender(endpoint: &str) -> Sender {
    sender_for(&settings(endpoint), &[])
}

fn in_secs(secs: f64) -> Instant {
    Instant::now() + Duration::from_secs_f64(secs)
}

fn delivered() -> Outcome {
    Outcome::Delivered {
        rejected: 0,
        message: None,
    }
}
