//! The server span of one request: its name and its attributes, per OpenTelemetry's HTTP
//! server semantic conventions (`docs/http/http-spans.md`, "HTTP server").
//!
//! Only these headers are read, and only into the attributes named here: headers and query
//! strings carry credentials, and the conventions make recording other request headers opt-in
//! (`http.request.header.<key>` "SHOULD require an explicit configuration"): `Host`
//! (`server.address`, `server.port`), `User-Agent` (`user_agent.original`), the first entry of
//! `X-Forwarded-For` when it is an IP address (`client.address`) and `X-Forwarded-Proto` when it
//! is `http` or `https` (`url.scheme`). Never the query string, never any other header.

use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, MatchedPath};
use http::Request;
use http::header::{HOST, USER_AGENT};
use http::uri::{Authority, Scheme};

use crate::engine::{Span, SpanKind};
use crate::http::semconv::{known_method, protocol_version};

/// Builds the (not yet started) server span for `req`, continuing the trace its headers carry.
pub(super) fn server_span<B>(req: &Request<B>) -> Span {
    let method = known_method(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    // Span name `{method} {target}`; `HTTP` stands for a method outside the known set.
    let name: Cow<'static, str> = match (method, route) {
        (Some(m), None) => Cow::Borrowed(m),
        (None, None) => Cow::Borrowed("HTTP"),
        (m, Some(route)) => Cow::Owned(format!("{} {route}", m.unwrap_or("HTTP"))),
    };
    let scheme = scheme(req);
    let mut span = Span::root(name)
        .kind(SpanKind::Server)
        .parent(req.headers())
        .attr("http.request.method", method.unwrap_or("_OTHER"));
    if method.is_none() {
        span = span.attr("http.request.method_original", req.method().as_str());
    }
    span = span
        .attr("url.path", req.uri().path())
        .attr("url.scheme", scheme)
        .attr("http.route", route)
        .attr("network.protocol.version", protocol_version(req.version()));
    if let Some((host, port)) = server_address(req, scheme) {
        span = span.attr("server.address", host).attr("server.port", port);
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    match forwarded_for(req) {
        Some(client) => span = span.attr("client.address", client.to_string()),
        None => {
            if let Some(peer) = peer {
                span = span
                    .attr("client.address", peer.ip().to_string())
                    .attr("client.port", peer.port());
            }
        }
    }
    if let Some(peer) = peer {
        span = span
            .attr("network.peer.address", peer.ip().to_string())
            .attr("network.peer.port", peer.port());
    }
    let user_agent = req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok());
    span.attr("user_agent.original", user_agent)
}

/// The scheme of the request URI (HTTP/2's `:scheme`, or an absolute-form target), else the one
/// a proxy in front reports in `X-Forwarded-Proto`, else `http`: a plain socket, as
/// `axum::serve` has. Semconv asks for the original client's scheme when known.
fn scheme<B>(req: &Request<B>) -> &'static str {
    match req.uri().scheme() {
        Some(s) if *s == Scheme::HTTPS => return "https",
        Some(s) if *s == Scheme::HTTP => return "http",
        _ => {}
    }
    let forwarded = req.headers().get("x-forwarded-proto").map(|v| v.as_bytes());
    match forwarded {
        Some(v) if v.eq_ignore_ascii_case(b"https") => "https",
        _ => "http",
    }
}

/// Host and port from the URI's authority (HTTP/2 `:authority`, absolute-form) or the `Host`
/// header, validated by `http`'s authority parser and without any `user:pass@`. Without an
/// explicit port, the scheme's default is the one the client used.
pub(super) fn server_address<B>(req: &Request<B>, scheme: &str) -> Option<(String, u16)> {
    let parsed;
    let authority = match req.uri().authority() {
        Some(authority) => authority,
        None => {
            let host = req.headers().get(HOST)?;
            parsed = Authority::try_from(host.as_bytes()).ok()?;
            &parsed
        }
    };
    let raw_host = authority.host();
    // `http` parses the port lazily: `host:x` is a valid authority whose port is `None`.
    let host_and_port = authority.as_str().rsplit('@').next().unwrap_or_default();
    let port = match (host_and_port.len() > raw_host.len(), authority.port_u16()) {
        (false, _) if scheme == "https" => 443,
        (false, _) => 80,
        (true, Some(port)) => port,
        (true, None) => return None,
    };
    // IPv6 literals are bracketed in `Host`; the attribute is the address itself.
    let host = raw_host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(raw_host);
    if host.is_empty() {
        return None;
    }
    Some((host.to_owned(), port))
}

/// The original client behind proxies: the first (left-most) entry of `X-Forwarded-For`, only
/// when it parses as an IP address (with or without a port), so nothing but an address from
/// that header is ever recorded. The peer socket stays in `network.peer.address`.
pub(super) fn forwarded_for<B>(req: &Request<B>) -> Option<IpAddr> {
    let value = req.headers().get("x-forwarded-for")?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    first
        .parse::<IpAddr>()
        .or_else(|_| first.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn request(uri: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut builder = Request::builder().uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn methods_outside_the_known_set_are_other() {
        assert_eq!(known_method(&Method::POST), Some("POST"));
        let purge = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(known_method(&purge), None);
        // Method tokens are case-sensitive: `get` is not `GET`.
        assert_eq!(known_method(&Method::from_bytes(b"get").unwrap()), None);
    }

    #[test]
    fn server_address_from_host_or_authority() {
        let req = request("/x", &[("host", "api.example.com:8443")]);
        assert_eq!(
            server_address(&req, "http"),
            Some(("api.example.com".into(), 8443))
        );
        let req = request("/x", &[("host", "[::1]:3000")]);
        assert_eq!(server_address(&req, "http"), Some(("::1".into(), 3000)));
        let req = request("/x", &[("host", "example.com")]);
        assert_eq!(
            server_address(&req, "https"),
            Some(("example.com".into(), 443))
        );
        let req = request("http://user:pw@origin.test:81/x", &[("host", "other")]);
        assert_eq!(
            server_address(&req, "http"),
            Some(("origin.test".into(), 81))
        );
        for bad in [
            "",
            "a b",
            "exa\"mple",
            "host:notaport",
            "host:",
            "host:99999",
        ] {
            let req = request("/x", &[("host", bad)]);
            assert_eq!(server_address(&req, "http"), None, "{bad:?}");
        }
        assert_eq!(server_address(&request("/x", &[]), "http"), None);
    }

    #[test]
    fn forwarded_for_takes_the_first_address_only() {
        let req = request("/", &[("x-forwarded-for", "203.0.113.7, 10.0.0.1")]);
        assert_eq!(forwarded_for(&req), Some("203.0.113.7".parse().unwrap()));
        let req = request("/", &[("x-forwarded-for", "[2001:db8::1]:4711")]);
        assert_eq!(forwarded_for(&req), Some("2001:db8::1".parse().unwrap()));
        for bad in ["unknown", "<script>, 10.0.0.1", ""] {
            let req = request("/", &[("x-forwarded-for", bad)]);
            assert_eq!(forwarded_for(&req), None, "{bad:?}");
        }
    }

    #[test]
    fn scheme_from_uri_then_forwarded_proto() {
        assert_eq!(scheme(&request("/", &[])), "http");
        assert_eq!(scheme(&request("https://a.test/", &[])), "https");
        let req = request("/", &[("x-forwarded-proto", "HTTPS")]);
        assert_eq!(scheme(&req), "https");
        let req = request("/", &[("x-forwarded-proto", "gopher")]);
        assert_eq!(scheme(&req), "http");
    }
}
