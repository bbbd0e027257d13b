//! The user code instrumented with fastrace 0.7 and a discarding reporter.

use std::sync::atomic::Ordering;

use fastrace::collector::{Reporter, SpanContext, SpanRecord};
use fastrace::prelude::*;

use crate::DELIVERED;

/// A reporter that counts the spans it is given and drops them.
#[derive(Debug, Default)]
pub struct DiscardReporter;

impl Reporter for DiscardReporter {
    fn report(&mut self, spans: Vec<SpanRecord>) {
        DELIVERED.fetch_add(spans.len() as u64, Ordering::Relaxed);
    }
}

/// The root span: fastrace roots are explicit (`#[trace]` only makes children).
#[inline(never)]
pub fn root_fn(id: u64, label: &str, flag: bool) {
    let root = Span::root("root_fn", SpanContext::random()).with_properties(|| {
        [
            ("id", id.to_string()),
            ("label", label.to_owned()),
            ("flag", flag.to_string()),
        ]
    });
    let _parent = root.set_local_parent();
    child_fn(id, label, flag);
}

/// The child span.
#[trace(properties = { "id": "{id}", "label": "{label}", "flag": "{flag}" })]
#[inline(never)]
pub fn child_fn(id: u64, label: &str, flag: bool) {
    std::hint::black_box((id, label, flag));
}
