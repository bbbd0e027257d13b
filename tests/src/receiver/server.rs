//! The request handler: record, answer as configured, decode off the response path.

use std::io::Read as _;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;

use super::{Behavior, Reply, Request, Shared, Signal, lock};
use crate::{logs, spans};

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let signal = Signal::of_path(uri.path());
    let (reply, delay) = {
        let mut config = lock(&shared.config);
        let script = match signal {
            Signal::Traces => &mut config.script,
            Signal::Logs => &mut config.logs_script,
        };
        let reply = match (script.pop_front(), config.behavior) {
            (Some(reply), _) => Some(reply),
            (None, Behavior::Ok) => Some(Reply::ok()),
            (None, Behavior::Hang) => None,
        };
        (reply, config.delay)
    };
    lock(&shared.log).decoding += 1;
    let status = reply.as_ref().map(|r| r.status);
    let recorder = shared.clone();
    tokio::task::spawn_blocking(move || {
        let (spans, logs, decode_error) = match decode(signal, &headers, &body) {
            Ok(Decoded::Traces(request)) => (spans::flatten(&request), Vec::new(), None),
            Ok(Decoded::Logs(request)) => (Vec::new(), logs::flatten(&request), None),
            Err(e) => (Vec::new(), Vec::new(), Some(e)),
        };
        let request = Request {
            signal,
            received_at,
            method: method.to_string(),
            path: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body_len: body.len(),
            status,
            decode_error,
            spans,
            logs,
        };
        let mut log = lock(&recorder.log);
        // Decodes may finish out of order; keep arrival order.
        let at = log
            .requests
            .partition_point(|r| r.received_at <= received_at);
        log.requests.insert(at, request);
        log.decoding -= 1;
        drop(log);
        recorder.recorded.notify_all();
    });

    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match reply {
        Some(reply) => respond(signal, reply),
        None => std::future::pending().await,
    }
}

enum Decoded {
    Traces(ExportTraceServiceRequest),
    Logs(ExportLogsServiceRequest),
}

fn decode(signal: Signal, headers: &HeaderMap, body: &[u8]) -> Result<Decoded, String> {
    let encoding = headers.get(header::CONTENT_ENCODING).map(|v| {
        String::from_utf8_lossy(v.as_bytes())
            .trim()
            .to_ascii_lowercase()
    });
    let raw = match encoding.as_deref() {
        None | Some("identity") => body.to_vec(),
        Some("gzip") => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .map_err(|e| format!("gzip: {e}"))?;
            out
        }
        Some(other) => return Err(format!("unsupported Content-Encoding {other:?}")),
    };
    let decoded = match signal {
        Signal::Traces => ExportTraceServiceRequest::decode(raw.as_slice()).map(Decoded::Traces),
        Signal::Logs => ExportLogsServiceRequest::decode(raw.as_slice()).map(Decoded::Logs),
    };
    decoded.map_err(|e| format!("protobuf: {e}"))
}

/// The success body: the signal's `Export…ServiceResponse`, with `partial_success` if scripted.
fn success_body(signal: Signal, partial_success: Option<(i64, String)>) -> Vec<u8> {
    match signal {
        Signal::Traces => ExportTraceServiceResponse {
            partial_success: partial_success.map(|(rejected_spans, error_message)| {
                ExportTracePartialSuccess {
                    rejected_spans,
                    error_message,
                }
            }),
        }
        .encode_to_vec(),
        Signal::Logs => ExportLogsServiceResponse {
            partial_success: partial_success.map(|(rejected_log_records, error_message)| {
                ExportLogsPartialSuccess {
                    rejected_log_records,
                    error_message,
                }
            }),
        }
        .encode_to_vec(),
    }
}

fn respond(signal: Signal, reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (content_type, body) = match reply.body {
        Some(body) => ("text/plain", body),
        None if status.is_success() => (
            "application/x-protobuf",
            success_body(signal, reply.partial_success),
        ),
        None => ("application/x-protobuf", Vec::new()),
    };
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(retry_after) = reply.retry_after {
        response = response.header(header::RETRY_AFTER, retry_after);
    }
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}
