//! The OTLP/HTTP exporter: span records written as `ExportTraceServiceRequest` protobuf by the
//! writer (`crate::otlp`) and posted by the sender (`crate::sender`), both on the export thread
//! itself. No `SpanData`, no per-span allocation, no hand-off to another thread: the records
//! are read once, straight into the request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::reports::Reports;
use super::stats::ExporterCounters;
use crate::config::OtlpSettings;
use crate::engine::clock::Anchor;
use crate::engine::pipeline::Pipeline;
use crate::engine::pool::{Recycled, prefetch};
use crate::otlp::{Push, TraceWriter};
use crate::resource::Resource;
use crate::sender::{Outcome, Sender};

/// How many records ahead of the one being written the writer asks for the next one's cache
/// lines: a record comes from another core, and a line takes longer to arrive than one span
/// takes to write.
const PREFETCH_AHEAD: usize = 4;

/// The OTLP exporter of one pipeline.
#[derive(Debug)]
pub(crate) struct OtlpExporter {
    writer: TraceWriter,
    sender: Sender,
    /// One batch's export at most (`OTEL_EXPORTER_OTLP_TIMEOUT`).
    timeout: Duration,
    counters: Arc<ExporterCounters>,
    pipeline: &'static Pipeline,
    /// When the batch being written must be sent by.
    deadline: Option<Instant>,
    /// No send goes past this (the final flush's deadline).
    limit: Option<Instant>,
    too_large_reported: bool,
}

impl OtlpExporter {
    /// The exporter, and the warnings its settings gave (a certificate file that cannot be
    /// read, …: its sends then fail, reported).
    pub(crate) fn new(
        settings: &OtlpSettings,
        resource: &Resource,
        pipeline: &'static Pipeline,
    ) -> (OtlpExporter, Vec<String>) {
        let (sender, warnings) = Sender::new(settings);
        let exporter = OtlpExporter {
            writer: TraceWriter::new(resource, settings.max_body),
            sender,
            timeout: settings.timeout,
            counters: Arc::new(ExporterCounters::new("otlp")),
            pipeline,
            deadline: None,
            limit: None,
            too_large_reported: false,
        };
        (exporter, warnings)
    }

    pub(crate) fn counters(&self) -> &Arc<ExporterCounters> {
        &self.counters
    }

    /// From now on no send goes past `limit` (the final flush's deadline).
    pub(crate) fn limit(&mut self, limit: Instant) {
        self.limit = Some(limit);
    }

    /// Writes a batch of records into the request, sending whatever fills a request on the
    /// way; the rest is sent by [`send`](Self::send). The batch's deadline starts now.
    pub(crate) fn write(&mut self, records: &[Recycled], anchor: &Anchor, reports: &mut Reports) {
        let limit = self.limit;
        let timeout = self.timeout;
        let deadline = *self.deadline.get_or_insert_with(|| {
            let deadline = Instant::now() + timeout;
            limit.map_or(deadline, |limit| deadline.min(limit))
        });
        for record in records.iter().take(PREFETCH_AHEAD) {
            prefetch(record);
        }
        for (i, record) in records.iter().enumerate() {
            if let Some(next) = records.get(i + PREFETCH_AHEAD) {
                prefetch(next);
            }
            loop {
                match self.writer.push(record, anchor) {
                    Push::Appended => break,
                    // The request is at its size cap: it goes, and the span starts the next.
                    Push::Full => self.send_request(deadline, reports),
                    Push::TooLarge => {
                        self.counters.count(self.pipeline, 0, 1);
                        if !std::mem::replace(&mut self.too_large_reported, true) {
                            tracing::warn!(
                                target: "traced",
                                "a span larger than the OTLP request size limit was dropped \
                                 (more are counted as failed, not reported)"
                            );
                        }
                        break;
                    }
                }
            }
        }
    }

    /// Sends what was written since the last send.
    pub(crate) fn send(&mut self, reports: &mut Reports) {
        if let Some(deadline) = self.deadline.take() {
            self.send_request(deadline, reports);
        }
    }

    fn send_request(&mut self, deadline: Instant, reports: &mut Reports) {
        let Some(request) = self.writer.finish() else {
            return;
        };
        let spans = request.records() as u64;
        self.counters.started(self.pipeline, spans);
        let outcome = self.sender.send(request.body(), deadline);
        drop(request);
        match outcome {
            Outcome::Delivered { rejected, message } => {
                let rejected = rejected.min(spans);
                self.counters.ended(self.pipeline, spans, spans - rejected);
                if rejected > 0 {
                    let message = message.unwrap_or_default();
                    reports.failed(
                        "otlp",
                        rejected,
                        &format_args!("the collector rejected {rejected} spans: {message}"),
                    );
                }
            }
            Outcome::Failed { reason } => {
                self.counters.ended(self.pipeline, spans, 0);
                reports.failed("otlp", spans, &reason);
            }
            Outcome::TimedOut { attempts, last } => {
                self.counters.ended(self.pipeline, spans, 0);
                let last = last.map_or_else(String::new, |last| format!(" (last: {last})"));
                reports.failed(
                    "otlp",
                    spans,
                    &format_args!(
                        "no answer within the export timeout after {attempts} attempts{last}"
                    ),
                );
            }
        }
    }
}
