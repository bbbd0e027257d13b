//! The origin of a URL (RFC 6454 §4: scheme, host, port): what a `Retry-After` pause applies
//! to, and all of a redirect's `Location` that is ever reported (its path, query and userinfo
//! may hold secrets).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    https: bool,
    /// Lower-case; an IPv6 literal without its brackets.
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute `http`/`https` URL; `None` for anything else, or for a host
    /// with characters no DNS name or IP literal has (so a hostile `Location` cannot put
    /// control characters or a long text into a log line).
    pub(crate) fn of(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let (host, port) = match host_port.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']')?;
                (
                    host,
                    after.strip_prefix(':').or(after.is_empty().then_some("")),
                )
            }
            None => match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, Some("")),
            },
        };
        let port = match port? {
            "" if https => 443,
            "" => 80,
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => digits.parse().ok()?,
            _ => return None,
        };
        let plausible = |b: u8| b.is_ascii_alphanumeric() || b".-_:%".contains(&b);
        if host.is_empty() || host.len() > 255 || !host.bytes().all(plausible) {
            return None;
        }
        Some(Origin {
            https,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The origin a redirect's `Location` points to, relative references resolved against
    /// `self` (RFC 9110 §10.2.2: `Location` may be relative).
    pub(crate) fn of_location(&self, location: &str) -> Option<Origin> {
        if let Some(authority) = location.strip_prefix("//") {
            let scheme = if self.https { "https" } else { "http" };
            Origin::of(&format!("{scheme}://{authority}"))
        } else if location.contains("://") {
            Origin::of(location)
        } else {
            Some(self.clone())
        }
    }

    pub(crate) fn is_https(&self) -> bool {
        self.https
    }

    pub(crate) fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Origin;

    fn shown(url: &str) -> Option<String> {
        Origin::of(url).map(|origin| origin.to_string())
    }

    #[test]
    fn scheme_host_and_port_only() {
        let cases = [
            ("http://c:4318/v1/traces", "http://c:4318"),
            (
                "HTTPS://User:pw@Collector.Example/x?token=1",
                "https://collector.example:443",
            ),
            ("http://c", "http://c:80"),
            ("https://[::1]:4318/v1", "https://[::1]:4318"),
            ("https://[::1]", "https://[::1]:443"),
        ];
        for (url, origin) in cases {
            assert_eq!(shown(url).as_deref(), Some(origin), "{url}");
        }
        assert_eq!(
            Origin::of("http://c:80/a"),
            Origin::of("HTTP://C/b"),
            "the default port is the same origin"
        );
        assert_ne!(Origin::of("http://c/"), Origin::of("https://c/"));
    }

    #[test]
    fn rejects_what_is_not_a_plausible_origin() {
        for url in [
            "ftp://c/",
            "c:4318",
            "http://",
            "http://c:99999/",
            "http://c:4x/",
            "http://a\nb/",
            "http://[::1/",
            "http://evil\u{1b}[31m/",
        ] {
            assert_eq!(shown(url), None, "{url:?}");
        }
    }

    #[test]
    fn locations_resolve_against_the_request() {
        let base = Origin::of("https://c:4318/v1/traces").expect("origin");
        let at = |location| base.of_location(location).map(|o| o.to_string());
        assert_eq!(at("/elsewhere").as_deref(), Some("https://c:4318"));
        assert_eq!(at("//other:1/x").as_deref(), Some("https://other:1"));
        assert_eq!(
            at("http://u:p@other/secret").as_deref(),
            Some("http://other:80")
        );
        assert_eq!(at("gopher://x/"), None);
    }
}
