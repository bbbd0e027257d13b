//! The console exporter: each finished local trace printed as an indented tree, for local
//! development without a collector.
//!
//! Children end before their parents, so spans wait per trace until the trace's root ends;
//! then the whole tree is printed at once. A span whose parent is remote may still have that
//! parent in this process (a service calling itself, or the demo running caller and server
//! together), so such a tree waits one more export round for its parent before it is printed
//! on its own. Whatever is left is printed at shutdown. Memory is bounded: past `MAX_PENDING`
//! waiting spans the oldest trace is printed as it is.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

const MAX_PENDING: usize = 10_000;

pub(crate) struct ConsoleExporter {
    pending: Mutex<Pending>,
    out: Box<dyn Fn(&str) + Send + Sync>,
}

#[derive(Default)]
struct Pending {
    // Traces in arrival order of their first span, and their spans.
    order: Vec<u128>,
    spans: HashMap<u128, Vec<SpanData>>,
    count: usize,
    // Traces whose local root has a remote parent, seen in the previous export round.
    remote_rooted: Vec<u128>,
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleExporter").finish_non_exhaustive()
    }
}

impl ConsoleExporter {
    pub(crate) fn stdout() -> ConsoleExporter {
        ConsoleExporter::with_output(|text| {
            // Nothing useful can be done if stdout is closed; tracing must not fail for it.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        })
    }

    pub(crate) fn with_output(out: impl Fn(&str) + Send + Sync + 'static) -> ConsoleExporter {
        ConsoleExporter {
            pending: Mutex::new(Pending::default()),
            out: Box::new(out),
        }
    }

    fn accept(&self, batch: Vec<SpanData>) -> Vec<Vec<SpanData>> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut ready = Vec::new();
        let previous_round = std::mem::take(&mut pending.remote_rooted);
        for span in batch {
            let trace = u128::from_be_bytes(span.span_context.trace_id().to_bytes());
            let root = span.parent_span_id == opentelemetry::trace::SpanId::INVALID;
            let remote_root = span.parent_span_is_remote;
            if !pending.spans.contains_key(&trace) {
                pending.order.push(trace);
            }
            pending.spans.entry(trace).or_default().push(span);
            pending.count += 1;
            if root {
                ready.push(pending.take(trace));
            } else if remote_root && !pending.remote_rooted.contains(&trace) {
                pending.remote_rooted.push(trace);
            }
        }
        // Remote-rooted traces from the previous round whose parent did not turn up since.
        for trace in previous_round {
            if pending.spans.contains_key(&trace) {
                ready.push(pending.take(trace));
            }
        }
        while pending.count > MAX_PENDING {
            let oldest = pending.order[0];
            ready.push(pending.take(oldest));
        }
        ready
    }

    fn print(&self, traces: Vec<Vec<SpanData>>) {
        for spans in traces {
            (self.out)(&render(&spans));
        }
    }
}

impl Pending {
    fn take(&mut self, trace: u128) -> Vec<SpanData> {
        self.order.retain(|t| *t != trace);
        self.remote_rooted.retain(|t| *t != trace);
        let spans = self.spans.remove(&trace).unwrap_or_default();
        self.count -= spans.len();
        spans
    }
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let ready = self.accept(batch);
        self.print(ready);
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let order = std::mem::take(&mut pending.order);
        let rest: Vec<_> = order.into_iter().map(|t| pending.take(t)).collect();
        drop(pending);
        self.print(rest);
        Ok(())
    }
}

/// The spans of one trace as a tree; spans whose parent is not among them are roots.
pub(crate) fn render(spans: &[SpanData]) -> String {
    let mut out = String::new();
    let Some(first) = spans.first() else {
        return out;
    };
    let _ = writeln!(out, "trace {}", first.span_context.trace_id());
    let ids: Vec<_> = spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut roots: Vec<&SpanData> = spans
        .iter()
        .filter(|s| !ids.contains(&s.parent_span_id))
        .collect();
    roots.sort_by_key(|s| s.start_time);
    let count = roots.len();
    for (i, root) in roots.into_iter().enumerate() {
        render_span(&mut out, spans, root, "", i + 1 == count);
    }
    out
}

fn render_span(out: &mut String, all: &[SpanData], span: &SpanData, prefix: &str, last: bool) {
    let branch = if last { "└─ " } else { "├─ " };
    let _ = write!(
        out,
        "{prefix}{branch}{} [{}] {}",
        span.name,
        kind(&span.span_kind),
        duration(span.start_time, span.end_time)
    );
    for kv in &span.attributes {
        let _ = write!(out, " {}", attribute(kv));
    }
    if let Status::Error { description } = &span.status {
        let _ = write!(out, " status=ERROR({description:?})");
    }
    out.push('\n');
    let child_prefix = format!("{prefix}{}", if last { "   " } else { "│  " });
    for event in span.events.iter() {
        let _ = write!(out, "{child_prefix}• {}", event.name);
        for kv in &event.attributes {
            let _ = write!(out, " {}", attribute(kv));
        }
        out.push('\n');
    }
    let id = span.span_context.span_id();
    let mut children: Vec<&SpanData> = all.iter().filter(|s| s.parent_span_id == id).collect();
    children.sort_by_key(|s| s.start_time);
    let count = children.len();
    for (i, child) in children.into_iter().enumerate() {
        render_span(out, all, child, &child_prefix, i + 1 == count);
    }
}

fn kind(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Internal => "internal",
        SpanKind::Server => "server",
        SpanKind::Client => "client",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
    }
}

fn duration(start: SystemTime, end: SystemTime) -> String {
    let d = end.duration_since(start).unwrap_or_default();
    if d < Duration::from_millis(1) {
        format!("{:.1}µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.3}ms", d.as_secs_f64() * 1e3)
    }
}

fn attribute(kv: &KeyValue) -> String {
    match &kv.value {
        // Debug-quoted so control characters from user input cannot forge tree lines.
        Value::String(s) => format!("{}={:?}", kv.key, s.as_str()),
        other => format!("{}={other}", kv.key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    fn span(name: &'static str, id: u64, parent: u64, start: u64) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(7u128),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.into(),
            start_time: SystemTime::UNIX_EPOCH + Duration::from_millis(start),
            end_time: SystemTime::UNIX_EPOCH + Duration::from_millis(start + 2),
            attributes: vec![KeyValue::new("n", 1_i64), KeyValue::new("s", "a\nb")],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    #[test]
    fn a_trace_prints_once_its_local_root_ends() {
        let printed = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = printed.clone();
        let exporter = ConsoleExporter::with_output(move |s| sink.lock().unwrap().push(s.into()));
        let ready = exporter.accept(vec![span("grandchild", 3, 2, 2), span("child", 2, 1, 1)]);
        assert!(ready.is_empty());
        exporter.print(exporter.accept(vec![span("root", 1, 0, 0)]));
        let printed = printed.lock().unwrap();
        assert_eq!(printed.len(), 1);
        let lines: Vec<&str> = printed[0].lines().collect();
        assert_eq!(lines[0], format!("trace {:032x}", 7));
        assert!(lines[1].starts_with("└─ root [internal] 2.000ms n=1 s=\"a\\nb\""));
        assert!(lines[2].starts_with("   └─ child [internal]"));
        assert!(lines[3].starts_with("      └─ grandchild [internal]"));
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn a_remote_rooted_tree_waits_one_round_for_its_parent() {
        let exporter = ConsoleExporter::with_output(|_| {});
        let mut server = span("server", 3, 2, 1);
        server.parent_span_is_remote = true;
        assert!(exporter.accept(vec![server.clone()]).is_empty());
        // The caller's spans, in this process, arrive in the next round: one tree.
        let ready = exporter.accept(vec![span("client", 2, 1, 0), span("caller", 1, 0, 0)]);
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].len(), 3);
        // Alone, it is printed one round later.
        assert!(exporter.accept(vec![server]).is_empty());
        assert_eq!(exporter.accept(Vec::new()).len(), 1);
    }

    #[test]
    fn orphans_print_at_shutdown() {
        let printed = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = printed.clone();
        let exporter = ConsoleExporter::with_output(move |s| sink.lock().unwrap().push(s.into()));
        let _ = exporter.accept(vec![span("child", 2, 1, 1)]);
        exporter
            .shutdown_with_timeout(Duration::from_secs(1))
            .unwrap();
        assert!(printed.lock().unwrap()[0].contains("child"));
    }
}
