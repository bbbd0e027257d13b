//! What goes over the wire: the answers a receiver is scripted with and the requests it
//! recorded.

use std::time::Instant;

use crate::logs::ReceivedLog;
use crate::spans::ReceivedSpan;

/// One scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub(super) status: u16,
    pub(super) retry_after: Option<String>,
    pub(super) partial_success: Option<(i64, String)>,
    pub(super) body: Option<Vec<u8>>,
    pub(super) headers: Vec<(String, String)>,
}

impl Reply {
    /// 200 with an empty `ExportTraceServiceResponse`.
    pub fn ok() -> Reply {
        Reply::status(200)
    }

    /// This status code; a 2xx carries an encoded `ExportTraceServiceResponse`, others no body.
    pub fn status(code: u16) -> Reply {
        Reply {
            status: code,
            retry_after: None,
            partial_success: None,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Adds a `Retry-After` header (seconds or an HTTP date, as given).
    pub fn retry_after(mut self, value: impl Into<String>) -> Reply {
        self.retry_after = Some(value.into());
        self
    }

    /// Adds a response header (e.g. a redirect's `Location`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets `partial_success` (`rejected_spans` or `rejected_log_records`, `error_message`) in
    /// the response message.
    pub fn partial_success(
        mut self,
        rejected_spans: i64,
        error_message: impl Into<String>,
    ) -> Reply {
        self.partial_success = Some((rejected_spans, error_message.into()));
        self
    }

    /// Sends these bytes as the body instead (e.g. text holding a fake credential).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = Some(body.into());
        self
    }
}

/// Which OTLP signal a request carried, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Any path but `…/v1/logs`: decoded as an `ExportTraceServiceRequest`.
    Traces,
    /// A path ending in `/v1/logs`: decoded as an `ExportLogsServiceRequest`.
    Logs,
}

impl Signal {
    /// The signal a request to this path carries.
    pub fn of_path(path: &str) -> Signal {
        let path = path.split('?').next().unwrap_or(path);
        if path.ends_with("/v1/logs") {
            Signal::Logs
        } else {
            Signal::Traces
        }
    }
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Which signal it carried (from its path).
    pub signal: Signal,
    /// When its body had been read completely (before any delay).
    pub received_at: Instant,
    /// The HTTP method.
    pub method: String,
    /// The path and query, as sent.
    pub path: String,
    /// Headers in order, names lowercase, values lossily decoded.
    pub headers: Vec<(String, String)>,
    /// The body's length as received (compressed if it was).
    pub body_len: usize,
    /// The status answered; `None` when the receiver hung.
    pub status: Option<u16>,
    /// Why the body could not be decoded (an exporter bug: OTLP bodies always decode).
    pub decode_error: Option<String>,
    /// The spans the body held (a traces request).
    pub spans: Vec<ReceivedSpan>,
    /// The log records the body held (a logs request).
    pub logs: Vec<ReceivedLog>,
}

impl Request {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether it was answered with a 2xx, i.e. its spans or records count as delivered.
    pub fn accepted(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}
