//! `url.full` without secrets (OpenTelemetry semantic conventions for HTTP spans, `url.full`: it
//! "MUST NOT contain credentials", and the values of some query parameters "SHOULD be redacted
//! by default"): credentials become `REDACTED:REDACTED@`, the values of sensitive query
//! parameters become `REDACTED` (keys kept), and the fragment, which is never sent to the
//! server, is left out.

use std::borrow::Cow;
use std::fmt::Write as _;

use percent_encoding::percent_decode_str;
use reqwest::Url;

const REDACTED: &str = "REDACTED";

/// Parameter names redacted when equal to the key (ASCII case-insensitive, after
/// percent-decoding). Short generic names are matched exactly so `keyword` or `codec` stay.
/// `key`: Google APIs' API key. `code`: the OAuth 2.0 authorization code (RFC 6749 §4.1.2),
/// exchangeable for a token without PKCE. `sig`: semconv (Azure SAS).
const EXACT: &[&str] = &["sig", "key", "code", "pwd", "auth", "jwt", "bearer"];

/// Parameter names redacted when they contain one of these (ASCII case-insensitive). Covers
/// the semconv list (`AWSAccessKeyId`, `Signature`, `X-Goog-Signature`), AWS SigV4
/// (`X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`), OAuth (`access_token`,
/// `refresh_token`, `id_token`, `client_secret`) and Sentry's default deny-list.
const CONTAINS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "accesskey",
    "access_key",
    "api_key",
    "apikey",
    "api-key",
    "private_key",
    "privatekey",
    "credential",
    "session",
];

/// `url` as `url.full`: `scheme://[REDACTED:REDACTED@]host[:port]/path[?query]`, with the
/// values of sensitive query parameters (and of those named in `extra`, lowercase) redacted.
pub(super) fn redact_url(url: &Url, extra: &[Box<str>]) -> String {
    let mut out = String::with_capacity(url.as_str().len() + 20);
    out.push_str(url.scheme());
    out.push_str("://");
    // Semconv: credentials are redacted, not removed, so readers see that some were sent.
    if !url.username().is_empty() || url.password().is_some() {
        out.push_str("REDACTED:REDACTED@");
    }
    out.push_str(url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        let _ = write!(out, ":{port}");
    }
    out.push_str(url.path());
    if let Some(query) = url.query() {
        out.push('?');
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((key, value)) if !value.is_empty() && is_sensitive(key, extra) => {
                    out.push_str(key);
                    out.push('=');
                    out.push_str(REDACTED);
                }
                _ => out.push_str(pair),
            }
        }
    }
    out
}

/// Whether query key `raw` (as it appears in the URL) names a secret.
pub(super) fn is_sensitive(raw: &str, extra: &[Box<str>]) -> bool {
    let key = decode(raw);
    EXACT.iter().any(|name| key.eq_ignore_ascii_case(name))
        || CONTAINS.iter().any(|name| contains_ignore_case(&key, name))
        || extra.iter().any(|name| key.eq_ignore_ascii_case(name))
}

/// Whether `text` (an error message) contains a secret of `url`: its username, password or
/// the value of a sensitive query parameter, raw or decoded. Fails closed on short values.
pub(super) fn leaks(text: &str, url: &Url, extra: &[Box<str>]) -> bool {
    let found = |secret: &str| {
        !secret.is_empty() && (text.contains(secret) || text.contains(&*decode(secret)))
    };
    if found(url.username()) || url.password().is_some_and(found) {
        return true;
    }
    url.query().is_some_and(|query| {
        query.split('&').any(|pair| {
            pair.split_once('=')
                .is_some_and(|(key, value)| is_sensitive(key, extra) && found(value))
        })
    })
}

/// Percent-decodes a query component (`+` is a space), lossily; borrows when nothing to do.
fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['%', '+']) {
        return Cow::Borrowed(raw);
    }
    let spaced = raw.replace('+', " ");
    Cow::Owned(percent_decode_str(&spaced).decode_utf8_lossy().into_owned())
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(url: &str) -> String {
        redact_url(&Url::parse(url).unwrap(), &[])
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            full("https://user:p%40ss@example.com:8443/a?b=1"),
            "https://REDACTED:REDACTED@example.com:8443/a?b=1"
        );
        assert_eq!(
            full("http://user@example.com/"),
            "http://REDACTED:REDACTED@example.com/"
        );
        assert_eq!(
            full("http://:pw@example.com/"),
            "http://REDACTED:REDACTED@example.com/"
        );
    }

    #[test]
    fn plain_urls_are_unchanged_but_lose_their_fragment() {
        for url in [
            "http://127.0.0.1:8080/command",
            "https://example.com/a/b?q=rust&page=2",
            "http://[::1]:3000/x?a&b=&c=3",
        ] {
            assert_eq!(full(url), url);
        }
        assert_eq!(
            full("https://example.com/cb#access_token=abc"),
            "https://example.com/cb"
        );
    }

    #[test]
    fn sensitive_query_values_are_redacted_keys_kept() {
        assert_eq!(
            full(
                "https://s3.example.com/o?AWSAccessKeyId=AKIA&Signature=x%2By&Expires=1&sig=s&X-Goog-Signature=g"
            ),
            "https://s3.example.com/o?AWSAccessKeyId=REDACTED&Signature=REDACTED&Expires=1&sig=REDACTED&X-Goog-Signature=REDACTED"
        );
        assert_eq!(
            full(
                "http://h/?access_token=t&API_KEY=k&key=k2&code=c&client_secret=s&password=p&q=keep&token="
            ),
            "http://h/?access_token=REDACTED&API_KEY=REDACTED&key=REDACTED&code=REDACTED&client_secret=REDACTED&password=REDACTED&q=keep&token="
        );
        // Encoded keys are decoded before matching; generic look-alikes are kept.
        assert_eq!(
            full("http://h/?api%5Fkey=1&refresh+token=2&keyword=3&codec=4"),
            "http://h/?api%5Fkey=REDACTED&refresh+token=REDACTED&keyword=3&codec=4"
        );
    }

    #[test]
    fn extra_names_are_redacted() {
        let url = Url::parse("http://h/?tenant=acme&Otp=123456").unwrap();
        assert_eq!(
            redact_url(&url, &["otp".into()]),
            "http://h/?tenant=acme&Otp=REDACTED"
        );
    }

    #[test]
    fn leaks_finds_credentials_and_query_secrets() {
        let url = Url::parse("http://alice:s3cret@h/?token=abc%20def&q=visible").unwrap();
        assert!(leaks("error for http://alice:s3cret@h/", &url, &[]));
        assert!(leaks("bad token abc def", &url, &[]));
        assert!(!leaks("connection refused, q=visible", &url, &[]));
        assert!(!leaks(
            "connection refused",
            &Url::parse("http://h/").unwrap(),
            &[]
        ));
    }
}
