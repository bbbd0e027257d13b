//! The OTLP/HTTP exporter: span records written as `ExportTraceServiceRequest` protobuf by the
//! writer (`crate::otlp`) and posted by the sender (`crate::sender`), both on the export thread
//! itself. No `SpanData`, no per-span allocation, no hand-off to another thread: the records
//! are read once, straight into the request.
//!
//! A request's answer is read when the next request is about to go, or when it is due
//! (`posting.rs`; `Worker` wakes for it): the writer writes the next request in other bytes
//! meanwhile, and takes the request's back once it is answered.

use std::sync::Arc;
use std::time::Instant;

use super::posting::Posting;
use super::reports::Reports;
use super::stats::ExporterCounters;
use crate::config::OtlpSettings;
use crate::engine::clock::Anchor;
use crate::engine::pipeline::Pipeline;
use crate::engine::pool::{Recycled, prefetch};
use crate::otlp::{Body, Push, TraceWriter};
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
    /// Each batch exported within `OTEL_EXPORTER_OTLP_TIMEOUT`.
    posting: Posting,
    counters: Arc<ExporterCounters>,
    pipeline: &'static Pipeline,
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
            posting: Posting::new(sender, settings.timeout),
            counters: Arc::new(ExporterCounters::new("otlp")),
            pipeline,
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

    /// When the answer to the request sent last must be read ([`settle`](Self::settle)), if
    /// it has not been.
    pub(crate) fn answer_due(&self) -> Option<Instant> {
        self.posting.due()
    }

    /// Writes a batch of records into the request, sending whatever fills a request on the
    /// way; the rest is sent by [`send`](Self::send).
    pub(crate) fn write(&mut self, records: &[Recycled], anchor: &Anchor, reports: &mut Reports) {
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
                    Push::Full => self.send_request(reports),
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

    /// Sends what was written since the last send: the batch's last request.
    pub(crate) fn send(&mut self, reports: &mut Reports) {
        self.send_request(reports);
        self.posting.end_batch();
    }

    /// Reads the answer to the request sent last, if it has not been, retrying the request if
    /// the answer says so; its spans are then counted as exported or failed.
    pub(crate) fn settle(&mut self, reports: &mut Reports) {
        if let Some((body, outcome)) = self.posting.settle(self.limit) {
            self.ended(body, outcome, reports);
        }
    }

    fn send_request(&mut self, reports: &mut Reports) {
        // Counted as exporting before the answer to the request before is read, which may take
        // until that request's deadline: a shutdown that stops waiting meanwhile counts them
        // as lost, not as nothing.
        self.counters
            .started(self.pipeline, self.writer.spans() as u64);
        // One request at a time on the connection: the one before is answered first.
        self.settle(reports);
        let Some(request) = self.writer.finish() else {
            return;
        };
        let body = request.take();
        if let Some((body, outcome)) = self.posting.post(body, self.limit) {
            self.ended(body, outcome, reports);
        }
    }

    /// The export of the request `body` ended with `outcome`; its bytes go back to the writer.
    fn ended(&mut self, body: Body, outcome: Outcome, reports: &mut Reports) {
        let spans = body.records() as u64;
        self.writer.give_back(body);
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
