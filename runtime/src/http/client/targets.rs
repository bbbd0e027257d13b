//! Propagation targets: the hosts that receive `traceparent`, `tracestate` and `baggage`.
//!
//! Context and baggage should not cross trust boundaries: W3C Trace Context, Security
//! Considerations asks that `tracestate` not be "present in requests to external systems", and
//! baggage carries whatever the application put in it.

use std::sync::Arc;

/// The environment variable read by `TracingMiddleware::new`.
pub(super) const ENV: &str = "TRACED_PROPAGATION_TARGETS";

/// Which hosts outgoing context is injected into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Targets {
    /// Every host (the default).
    All,
    /// Only hosts matching one of these patterns; none when empty.
    Only(Arc<[Pattern]>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Pattern {
    /// The host itself (`api.internal`, `10.0.0.7`, `::1`).
    Exact(Box<str>),
    /// Any subdomain of the suffix, stored with its leading dot (`*.internal` → `.internal`).
    Subdomains(Box<str>),
}

impl Targets {
    /// `TRACED_PROPAGATION_TARGETS`: unset or blank means every host; a value that cannot be
    /// read fails closed (no host) with a warning.
    pub(super) fn from_env() -> Targets {
        match std::env::var(ENV) {
            Ok(value) if value.trim().is_empty() => Targets::All,
            Ok(value) => Targets::parse(value.split(',')),
            Err(std::env::VarError::NotPresent) => Targets::All,
            Err(std::env::VarError::NotUnicode(_)) => {
                tracing::warn!(
                    target: "traced",
                    "{ENV} is not valid UTF-8: trace context is sent to no host"
                );
                Targets::Only(Arc::from([]))
            }
        }
    }

    /// Host patterns: `*` (every host), `*.example.com` (subdomains of `example.com`, not
    /// `example.com` itself) or an exact host, compared case-insensitively. Invalid patterns are
    /// warned about and skipped; they never widen the list.
    pub(super) fn parse<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Targets {
        let mut parsed = Vec::new();
        for pattern in patterns {
            let pattern = pattern.as_ref().trim();
            if pattern.is_empty() {
                continue;
            }
            if pattern == "*" {
                return Targets::All;
            }
            match pattern.strip_prefix("*.").map(normalize) {
                Some(suffix) if valid_host(suffix) => {
                    parsed.push(Pattern::Subdomains(format!(".{suffix}").into()));
                }
                None if valid_host(normalize(pattern)) => {
                    parsed.push(Pattern::Exact(normalize(pattern).into()));
                }
                _ => tracing::warn!(
                    target: "traced",
                    "ignoring propagation target {pattern:?}: expected a host, `*.` and a \
                     domain, or `*` (no scheme, port or path)"
                ),
            }
        }
        Targets::Only(parsed.into())
    }

    /// Whether context may be injected into a request to `host`.
    pub(super) fn allows(&self, host: Option<&str>) -> bool {
        match self {
            Targets::All => true,
            Targets::Only(patterns) => host.map(normalize).is_some_and(|host| {
                patterns.iter().any(|pattern| match pattern {
                    Pattern::Exact(exact) => host.eq_ignore_ascii_case(exact),
                    Pattern::Subdomains(suffix) => {
                        host.len() > suffix.len()
                            && host.is_char_boundary(host.len() - suffix.len())
                            && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
                    }
                })
            }),
        }
    }
}

/// `[::1]` → `::1`, `example.com.` → `example.com`.
fn normalize(host: &str) -> &str {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.strip_suffix('.').unwrap_or(host)
}

/// Letters, digits, `-`, `.`, `_`, and `:` only for IPv6 (two or more): no scheme, port, path,
/// credentials or wildcard.
fn valid_host(host: &str) -> bool {
    let colons = host.bytes().filter(|&b| b == b':').count();
    !host.is_empty()
        && colons != 1
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_subdomain_patterns() {
        let targets = Targets::parse(["API.internal", " *.corp.example ", "[::1]", "127.0.0.1"]);
        for host in [
            "api.internal",
            "Api.Internal.",
            "a.corp.example",
            "a.b.corp.example",
        ] {
            assert!(targets.allows(Some(host)), "{host}");
        }
        assert!(targets.allows(Some("[::1]")));
        assert!(targets.allows(Some("127.0.0.1")));
        for host in [
            "corp.example",
            "evilcorp.example",
            "api.internal.evil",
            "example.com",
        ] {
            assert!(!targets.allows(Some(host)), "{host}");
        }
        assert!(!targets.allows(None));
    }

    #[test]
    fn star_means_all_and_invalid_patterns_never_widen() {
        assert_eq!(Targets::parse(["a", "*"]), Targets::All);
        let targets = Targets::parse(["http://a.com", "a.com:80", "*a.com", "a*", "", "*."]);
        assert_eq!(targets, Targets::Only(Arc::from([])));
        assert!(!targets.allows(Some("a.com")));
    }
}
