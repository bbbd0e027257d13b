//! The HTTP client the OTLP exporter sends with: reqwest's blocking client on a thread of its
//! own (see `http_thread`), plus what
//! opentelemetry-otlp 0.33.1 leaves out when its `internal-logs` feature is off (as it is
//! here): a 2xx answer carrying `partial_success` is reported, at most once per interval with
//! the rejected spans added up, and never retried (OTLP specification, OTLP/HTTP Response,
//! Partial Success: the client "MUST NOT retry the request").
//!
//! Response bodies never reach an error or a log line: a failed request is reported by
//! opentelemetry-otlp as "HTTP export failed with status code: N" (or "network error"), and
//! of a 2xx body only the collector's own `error_message` is logged, cut to a bounded length.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_http::{Bytes, HttpClient, Request};

use super::http_thread::{HttpThread, SendFuture};

/// How often partial-success reports may be repeated.
const REPORT_INTERVAL: Duration = Duration::from_secs(10);
/// The longest collector message logged, in characters.
const MAX_MESSAGE_CHARS: usize = 256;

#[derive(Debug, Clone)]
pub(crate) struct OtlpHttpClient {
    // Shared by the pair of exporters (see `otlp::build_pair`): one thread sends, and
    // partial-success reports are rate-limited across both.
    http: Arc<HttpThread>,
    reports: Arc<Mutex<Reports>>,
}

#[derive(Debug, Default)]
struct Reports {
    last: Option<Instant>,
    /// Rejected spans not reported yet (their report was due within the interval).
    unreported: i64,
}

impl OtlpHttpClient {
    pub(crate) fn new(http: HttpThread) -> OtlpHttpClient {
        OtlpHttpClient {
            http: Arc::new(http),
            reports: Arc::new(Mutex::new(Reports::default())),
        }
    }

    fn check_partial_success(&self, body: &[u8]) {
        let Some((rejected, message)) = partial_success(body) else {
            return;
        };
        if rejected <= 0 && message.is_empty() {
            return;
        }
        let mut reports = self.reports.lock().unwrap_or_else(|e| e.into_inner());
        reports.unreported = reports.unreported.saturating_add(rejected.max(0));
        let now = Instant::now();
        if reports
            .last
            .is_some_and(|last| now.duration_since(last) < REPORT_INTERVAL)
        {
            return;
        }
        reports.last = Some(now);
        let rejected = std::mem::take(&mut reports.unreported);
        drop(reports);
        let message: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        tracing::warn!(
            target: "traced",
            rejected_spans = rejected,
            "the collector accepted the export but rejected {rejected} spans (partial success, not retried): {message}; \
             reported at most every {}s",
            REPORT_INTERVAL.as_secs()
        );
    }
}

// `HttpClient` is an `#[async_trait]`; this is the signature that macro produces.
impl HttpClient for OtlpHttpClient {
    fn send_bytes<'life0, 'async_trait>(
        &'life0 self,
        request: Request<Bytes>,
    ) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let response = self.http.send(request).await?;
            if response.status().is_success() {
                self.check_partial_success(response.body());
            }
            Ok(response)
        })
    }
}

/// `ExportTraceServiceResponse.partial_success` (field 1) as (`rejected_spans`,
/// `error_message`), decoded by hand to keep protobuf out of the runtime's dependencies;
/// `None` when absent or undecodable.
fn partial_success(body: &[u8]) -> Option<(i64, String)> {
    let mut found = None;
    for field in Fields(body) {
        if let (1, Value::Bytes(inner)) = field? {
            let (mut rejected, mut message) = (0_i64, String::new());
            for field in Fields(inner) {
                match field? {
                    (1, Value::Varint(v)) => rejected = v as i64,
                    (2, Value::Bytes(m)) => message = String::from_utf8_lossy(m).into_owned(),
                    _ => {}
                }
            }
            found = Some((rejected, message));
        }
    }
    found
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of a protobuf message: `Some(Err)`-like `None` items end it as undecodable.
struct Fields<'a>(&'a [u8]);

impl<'a> Iterator for Fields<'a> {
    type Item = Option<(u64, Value<'a>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let field = self.field();
        if field.is_none() {
            self.0 = &[];
        }
        Some(field)
    }
}

impl<'a> Fields<'a> {
    fn field(&mut self) -> Option<(u64, Value<'a>)> {
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => self.skip(8)?,
            2 => {
                let len = usize::try_from(self.varint()?).ok()?;
                let bytes = self.0.get(..len)?;
                self.0 = &self.0[len..];
                Value::Bytes(bytes)
            }
            5 => self.skip(4)?,
            _ => return None,
        };
        Some((key >> 3, value))
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0_u64;
        for (i, byte) in self.0.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.0 = &self.0[i + 1..];
                return Some(value);
            }
        }
        None
    }

    fn skip(&mut self, n: usize) -> Option<Value<'a>> {
        self.0 = self.0.get(n..)?;
        Some(Value::Fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::partial_success;

    #[test]
    fn decodes_partial_success_and_ignores_the_rest() {
        // partial_success { rejected_spans: 3, error_message: "bad" }, then an unknown field.
        let body = [
            0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, b'b', b'a', b'd', 0x10, 0x01,
        ];
        assert_eq!(partial_success(&body), Some((3, "bad".to_owned())));
        assert_eq!(partial_success(&[]), None);
        assert_eq!(partial_success(&[0x0a, 0x09, 0x08]), None);
        assert_eq!(partial_success(&[0xff]), None);
    }
}
