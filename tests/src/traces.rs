//! Questions about received spans taken as traces: which traces there are, the spans of one,
//! the one span that matches, and a readable table for failure messages.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use opentelemetry_proto::tonic::trace::v1::SpanFlags;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

use crate::spans::{ReceivedSpan, hex};

/// The distinct trace ids.
pub fn trace_ids(spans: &[ReceivedSpan]) -> BTreeSet<String> {
    spans.iter().map(ReceivedSpan::trace_id).collect()
}

/// The spans of trace `trace_id`.
pub fn in_trace<'a>(spans: &'a [ReceivedSpan], trace_id: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.trace_id() == trace_id).collect()
}

/// The only span of `spans` named `name` with kind `kind`; fails the test, with a table of
/// every span, when there is none or more than one.
pub fn only<'a>(
    spans: impl IntoIterator<Item = &'a ReceivedSpan>,
    name: &str,
    kind: SpanKind,
) -> &'a ReceivedSpan {
    only_where(spans, &format!("{name} ({kind:?})"), |s| {
        s.name() == name && s.kind() == kind
    })
}

/// The only span of `spans` that satisfies `matches`; fails the test, with a table of every
/// span, when there is none or more than one.
pub fn only_where<'a>(
    spans: impl IntoIterator<Item = &'a ReceivedSpan>,
    what: &str,
    matches: impl Fn(&ReceivedSpan) -> bool,
) -> &'a ReceivedSpan {
    let spans: Vec<&ReceivedSpan> = spans.into_iter().collect();
    let found: Vec<&ReceivedSpan> = spans.iter().copied().filter(|s| matches(s)).collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "expected exactly one span {what}, found {}\n{}",
            found.len(),
            table(spans)
        ),
    }
}

/// Whether the exporter marked the span's parent as remote (OTLP `flags`, bits 8 and 9).
pub fn parent_is_remote(span: &ReceivedSpan) -> bool {
    let known = SpanFlags::ContextHasIsRemoteMask as u32;
    let remote = SpanFlags::ContextIsRemoteMask as u32;
    span.span.flags & known != 0 && span.span.flags & remote != 0
}

/// One line per span: service, name, kind, trace, span and parent ids, links.
pub fn table<'a>(spans: impl IntoIterator<Item = &'a ReceivedSpan>) -> String {
    let mut out = String::new();
    for s in spans {
        let links: Vec<String> = s
            .span
            .links
            .iter()
            .map(|l| format!("{}/{}", hex(&l.trace_id), hex(&l.span_id)))
            .collect();
        let _ = writeln!(
            out,
            "{:<16} {:<16} {:<10} trace={} span={} parent={:<16} remote={} links={links:?}",
            s.service_name().unwrap_or("?"),
            s.name(),
            format!("{:?}", s.kind()),
            s.trace_id(),
            s.span_id(),
            s.parent_span_id(),
            parent_is_remote(s),
        );
    }
    out
}
