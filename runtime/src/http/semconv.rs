//! What the client and the server record alike (OpenTelemetry HTTP semantic conventions).

use http::{Method, Version};

/// The method as semconv's known set (RFC 9110 and PATCH) spells it, case-sensitive; `None` for
/// any other, `get` included (recorded as `_OTHER`, so a peer cannot blow up the cardinality of
/// `http.request.method`).
pub(super) fn known_method(method: &Method) -> Option<&'static str> {
    Some(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => return None,
    })
}

/// `network.protocol.version` as semconv spells it.
pub(super) fn protocol_version(version: Version) -> Option<&'static str> {
    Some(match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => return None,
    })
}
