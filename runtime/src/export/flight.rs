//! One export under way, with panics contained.
//!
//! An export is started with one poll: the OTLP exporter converts and encodes the batch and
//! hands the request to its HTTP thread in that poll, then waits for the collector. The export
//! thread meanwhile takes the next batch and starts it on the other exporter of its pair, so
//! encoding one batch overlaps the collector's reading of the one before. Each exporter still
//! has at most one export under way: "Export() should not be called concurrently with other
//! Export calls for the same exporter instance" (OpenTelemetry Tracing SDK, Span Exporter).
//!
//! A panic in an exporter is caught here: it loses its batch, and export goes on with the next
//! one. An SDK "MUST NOT throw unhandled exceptions at runtime" (OpenTelemetry error handling,
//! Basic error handling principles), and an uncaught panic would end the export thread, and
//! tracing with it, for the rest of the process.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::SpanData;

use super::BoxedExporter;

/// How an export ended.
#[derive(Debug)]
pub(crate) enum Landing {
    Exported(u64),
    Failed(u64, opentelemetry_sdk::error::OTelSdkError),
    /// The exporter panicked: the batch is lost, export goes on (see the module docs).
    Panicked(u64),
}

impl Landing {
    /// The spans of the batch.
    pub(crate) fn spans(&self) -> u64 {
        match self {
            Landing::Exported(spans) | Landing::Failed(spans, _) | Landing::Panicked(spans) => {
                *spans
            }
        }
    }
}

/// An export that has not finished yet; it borrows its exporter.
pub(crate) struct Flight<'a> {
    future: Pin<Box<dyn Future<Output = OTelSdkResult> + Send + 'a>>,
    spans: u64,
}

impl std::fmt::Debug for Flight<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flight")
            .field("spans", &self.spans)
            .finish_non_exhaustive()
    }
}

/// Starts exporting `batch`: `Err` with how it ended when it ended in its first poll.
pub(crate) fn take_off(
    exporter: &BoxedExporter,
    batch: Vec<SpanData>,
) -> Result<Flight<'_>, Landing> {
    let spans = batch.len() as u64;
    let polled = catch_unwind(AssertUnwindSafe(|| {
        let mut future = exporter.export(batch);
        let mut cx = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(result) => Err(result),
            Poll::Pending => Ok(future),
        }
    }));
    match polled {
        Ok(Ok(future)) => Ok(Flight { future, spans }),
        Ok(Err(result)) => Err(landing(spans, result)),
        Err(_) => Err(Landing::Panicked(spans)),
    }
}

/// Waits for `flight` to end.
pub(crate) fn land(flight: Flight<'_>) -> Landing {
    let Flight { future, spans } = flight;
    match catch_unwind(AssertUnwindSafe(|| futures_executor::block_on(future))) {
        Ok(result) => landing(spans, result),
        Err(_) => Landing::Panicked(spans),
    }
}

fn landing(spans: u64, result: OTelSdkResult) -> Landing {
    match result {
        Ok(()) => Landing::Exported(spans),
        Err(error) => Landing::Failed(spans, error),
    }
}
