//! Lines rendered into memory through the real stack (filter + layer), parsed back with
//! serde_json. Nothing here installs a global subscriber or `log` logger: the test binary is
//! shared with the rest of the crate, so every test uses a thread-local default.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

use super::*;
use crate::config::LogFormat;

mod lines;
mod span_fields;
mod stack;

const TRACE_ID: u128 = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c;
const SPAN_ID: u64 = 0x00f0_67aa_0ba9_02b7;

fn pinned_ids() -> Option<(u128, u64)> {
    Some((TRACE_ID, SPAN_ID))
}

fn no_ids() -> Option<(u128, u64)> {
    None
}

/// Everything written, shared with the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

struct CaptureGuard<'a>(MutexGuard<'a, Vec<u8>>);

impl io::Write for CaptureGuard<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = CaptureGuard<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        CaptureGuard(self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// Every line parsed as a JSON object; fails on anything else.
    fn lines(&self) -> Vec<Map<String, Value>> {
        let text = self.text();
        assert!(
            text.ends_with('\n') || text.is_empty(),
            "unterminated line: {text:?}"
        );
        text.lines()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(object)) => object,
                other => panic!("not a JSON object: {line:?} ({other:?})"),
            })
            .collect()
    }

    fn only_line(&self) -> Map<String, Value> {
        let mut lines = self.lines();
        assert_eq!(lines.len(), 1, "{}", self.text());
        lines.remove(0)
    }
}

/// Runs `f` with our layer (ids from `ids`) as this thread's subscriber, behind an `info` filter.
fn capture(format: LogFormat, ids: fn() -> Option<(u128, u64)>, f: impl FnOnce()) -> Capture {
    let capture = Capture::default();
    let layer = EventLayer::new(format, "checkout", capture.clone(), false).with_ids(ids);
    let subscriber = tracing_subscriber::registry()
        .with(filter("info").0)
        .with(layer);
    tracing::subscriber::with_default(subscriber, f);
    capture
}

fn json(f: impl FnOnce()) -> Map<String, Value> {
    capture(LogFormat::Json, pinned_ids, f).only_line()
}

/// The keys of a JSON line in the order they were written (serde_json's `Map` sorts them).
fn key_order(line: &str, keys: &[&str]) -> Vec<usize> {
    keys.iter()
        .map(|key| {
            line.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} in {line}"))
        })
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, checked character by character.
fn assert_timestamp(value: &Value) {
    let text = value.as_str().expect("timestamp is a string");
    assert_eq!(text.len(), 27, "{text}");
    for (index, c) in text.chars().enumerate() {
        let expected = match index {
            4 | 7 => Some('-'),
            10 => Some('T'),
            13 | 16 => Some(':'),
            19 => Some('.'),
            26 => Some('Z'),
            _ => None,
        };
        match expected {
            Some(expected) => assert_eq!(c, expected, "{text}"),
            None => assert!(c.is_ascii_digit(), "{text}"),
        }
    }
    assert!(text.starts_with("20"), "{text}");
}
