//! The request head: built once for the endpoint, with only the body's length and coding
//! written per request, into the same buffer.

use std::io::Write;

use ureq::http::{HeaderName, HeaderValue, Uri};

use crate::sender::attempt::USER_AGENT;

#[derive(Debug)]
pub(super) struct RequestHead {
    bytes: Vec<u8>,
    /// The length of the part every request shares; what follows is the request's own.
    fixed: usize,
}

impl RequestHead {
    /// `POST` to `uri` (an absolute `http://` URL) with our headers and `headers`, which hold
    /// none of `content-type`, `content-encoding`, `content-length` or `host` (the sender
    /// drops those from the configuration).
    pub(super) fn new(uri: &Uri, headers: &[(HeaderName, HeaderValue)]) -> RequestHead {
        // RFC 9112 §3.2.1: the origin form; an empty path is sent as `/`.
        let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let slash = if target.starts_with('/') { "" } else { "/" };
        let mut bytes = Vec::with_capacity(256);
        bytes.extend_from_slice(b"POST ");
        bytes.extend_from_slice(slash.as_bytes());
        bytes.extend_from_slice(target.as_bytes());
        bytes.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        // RFC 9110 §7.2: the URL's host and port, the port left out when it is the default
        // (never the user information).
        bytes.extend_from_slice(uri.host().unwrap_or_default().as_bytes());
        if let Some(port) = uri.port_u16().filter(|&port| port != 80) {
            let _ = write!(bytes, ":{port}");
        }
        bytes.extend_from_slice(b"\r\nuser-agent: ");
        bytes.extend_from_slice(USER_AGENT.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        // As ureq sends it, unless configured.
        if !headers.iter().any(|(name, _)| name == "accept") {
            bytes.extend_from_slice(b"accept: */*\r\n");
        }
        bytes.extend_from_slice(b"content-type: application/x-protobuf\r\n");
        for (name, value) in headers {
            bytes.extend_from_slice(name.as_str().as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        let fixed = bytes.len();
        // Room for the request's own part, so that writing it never allocates.
        bytes.reserve(64);
        RequestHead { bytes, fixed }
    }

    /// The head of a request whose body has `length` bytes, gzip-compressed when `gzip`.
    pub(super) fn with(&mut self, length: usize, gzip: bool) -> &[u8] {
        self.bytes.truncate(self.fixed);
        if gzip {
            self.bytes.extend_from_slice(b"content-encoding: gzip\r\n");
        }
        // Writing to a `Vec` cannot fail.
        let _ = write!(self.bytes, "content-length: {length}\r\n\r\n");
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(url: &str, headers: &[(&'static str, &str)], length: usize, gzip: bool) -> String {
        let headers: Vec<_> = headers
            .iter()
            .map(|&(n, v)| {
                (
                    HeaderName::from_static(n),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect();
        let mut head = RequestHead::new(&url.parse().unwrap(), &headers);
        String::from_utf8(head.with(length, gzip).to_vec()).unwrap()
    }

    #[test]
    fn the_fixed_part_and_the_request_s_own() {
        let expected = format!(
            "POST /v1/traces?a=1 HTTP/1.1\r\nhost: c.example:4318\r\nuser-agent: {USER_AGENT}\r\n\
             accept: */*\r\ncontent-type: application/x-protobuf\r\nx-api-key: k\r\n\
             content-encoding: gzip\r\ncontent-length: 131072\r\n\r\n"
        );
        let url = "http://u:p@c.example:4318/v1/traces?a=1";
        assert_eq!(head(url, &[("x-api-key", "k")], 131_072, true), expected);
        let mut reused = RequestHead::new(&url.parse().unwrap(), &[]);
        reused.with(131_072, true);
        let plain = String::from_utf8(reused.with(7, false).to_vec()).unwrap();
        assert!(
            plain.ends_with("application/x-protobuf\r\ncontent-length: 7\r\n\r\n"),
            "{plain}"
        );
    }

    #[test]
    fn default_port_empty_path_ipv6_and_a_configured_accept() {
        let h = head(
            "http://[::1]:80",
            &[("accept", "application/x-protobuf")],
            0,
            false,
        );
        assert!(h.starts_with("POST / HTTP/1.1\r\nhost: [::1]\r\n"), "{h}");
        assert!(!h.contains("*/*"), "{h}");
        assert!(h.contains("\r\naccept: application/x-protobuf\r\n"), "{h}");
    }
}
