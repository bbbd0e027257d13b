//! The proxy for the collector, from the variables curl and reqwest read: `HTTPS_PROXY` for an
//! `https://` endpoint, `HTTP_PROXY` for `http://`, `ALL_PROXY` for either when that one is
//! unset, each upper-case first, then lower-case; `NO_PROXY` hosts connect directly.
//!
//! Decided once per sender, for its one endpoint. Proxy URLs may carry credentials, so neither
//! a value nor a part of it is ever echoed.
//!
//! One difference from reqwest remains: ureq reaches an `http://` endpoint through an HTTP
//! proxy with a `CONNECT` tunnel, where reqwest sends the request in absolute form; a proxy
//! that allows `CONNECT` to port 443 only (squid's default) refuses other ports.

use super::origin::Origin;

/// What the variables say for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Direct,
    /// Through the proxy at this URL (`http://`, `https://`, `socks4://`, `socks4a://`,
    /// `socks5://`, `socks5h://`; without a scheme, `http://`), read from `var`.
    Proxy {
        url: String,
        var: &'static str,
    },
}

/// The route to `endpoint`; each variable that is set but not a proxy URL is one warning and
/// is skipped, like an unset one.
pub(crate) fn route(
    endpoint: &Origin,
    env: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Route {
    // "httpoxy": under CGI, `HTTP_PROXY` can come from a request's `Proxy:` header, so
    // reqwest and curl ignore proxy variables when `REQUEST_METHOD` is set; so do we.
    if env("REQUEST_METHOD").is_some() {
        return Route::Direct;
    }
    let scheme_vars: [&'static str; 2] = if endpoint.is_https() {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    let read = |vars: [&'static str; 2], warnings: &mut Vec<String>| {
        let (var, url) = vars
            .into_iter()
            .find_map(|var| env(var).map(|value| (var, value.trim().to_owned())))
            .filter(|(_, url)| !url.is_empty())?;
        if valid_proxy_url(&url) {
            Some(Route::Proxy { url, var })
        } else {
            warnings.push(format!(
                "ignoring {var}: expected a proxy URL such as `http://proxy:3128` \
                 (the value is not shown: it may hold credentials)"
            ));
            None
        }
    };
    let Some(proxy) =
        read(scheme_vars, warnings).or_else(|| read(["ALL_PROXY", "all_proxy"], warnings))
    else {
        return Route::Direct;
    };
    let no_proxy = ["NO_PROXY", "no_proxy"].into_iter().find_map(env);
    if no_proxy.is_some_and(|list| bypasses(&list, endpoint.host())) {
        return Route::Direct;
    }
    proxy
}

/// A URL ureq's `Proxy::new` takes, with a host.
fn valid_proxy_url(url: &str) -> bool {
    let rest = match url.split_once("://") {
        Some((scheme, rest)) => {
            let known = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"];
            if !known.iter().any(|k| k.eq_ignore_ascii_case(scheme)) {
                return false;
            }
            rest
        }
        None => url,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    !host_port.is_empty()
        && !host_port.starts_with(':')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && ureq::Proxy::new(url).is_ok()
}

/// curl's `NO_PROXY` rules, as reqwest applies them: a comma list of host names (matching the
/// name and its subdomains, a leading `.` optional), IP addresses, CIDR blocks, or `*` for
/// every host (reqwest leaves IP literals out of `*`; curl and we do not).
pub(crate) fn bypasses(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: Option<std::net::IpAddr> = host.parse().ok();
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            match ip {
                Some(ip) => ip_matches(entry, ip),
                None => domain_matches(entry, host),
            }
        })
}

fn domain_matches(entry: &str, host: &str) -> bool {
    let domain = entry.strip_prefix('.').unwrap_or(entry);
    if domain.is_empty() {
        return false;
    }
    if host.eq_ignore_ascii_case(domain) {
        return true;
    }
    // A subdomain: `host` ends with `.domain`.
    host.len() > domain.len()
        && host
            .get(host.len() - domain.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
        && host.as_bytes().get(host.len() - domain.len() - 1) == Some(&b'.')
}

fn ip_matches(entry: &str, ip: std::net::IpAddr) -> bool {
    let (address, prefix) = match entry.split_once('/') {
        Some((address, prefix)) => match prefix.parse::<u8>() {
            Ok(prefix) => (address, Some(prefix)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let address = address.trim_start_matches('[').trim_end_matches(']');
    let Ok(network) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let (bits, a, b) = match (network, ip) {
        (std::net::IpAddr::V4(n), std::net::IpAddr::V4(i)) => {
            (32, u128::from(n.to_bits()), u128::from(i.to_bits()))
        }
        (std::net::IpAddr::V6(n), std::net::IpAddr::V6(i)) => (128, n.to_bits(), i.to_bits()),
        _ => return false,
    };
    let prefix = u32::from(prefix.unwrap_or(bits));
    if prefix > u32::from(bits) {
        return false;
    }
    let shift = u32::from(bits) - prefix;
    // A /0 keeps no bits: every address of the family.
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn route_of(endpoint: &str, pairs: &[(&str, &str)]) -> (Route, Vec<String>) {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let env = move |name: &str| map.get(name).cloned();
        let mut warnings = Vec::new();
        let origin = Origin::of(endpoint).expect("origin");
        (route(&origin, &env, &mut warnings), warnings)
    }

    fn proxy(url: &str, var: &'static str) -> Route {
        Route::Proxy {
            url: url.to_owned(),
            var,
        }
    }

    #[test]
    fn the_variable_of_the_endpoints_scheme_then_all_proxy() {
        let env = [
            ("HTTP_PROXY", "http://plain:3128"),
            ("https_proxy", "http://secure:3128"),
            ("ALL_PROXY", "socks5h://all:1080"),
        ];
        assert_eq!(
            route_of("http://c:4318", &env).0,
            proxy("http://plain:3128", "HTTP_PROXY")
        );
        assert_eq!(
            route_of("https://c", &env).0,
            proxy("http://secure:3128", "https_proxy")
        );
        assert_eq!(
            route_of("https://c", &env[2..]).0,
            proxy("socks5h://all:1080", "ALL_PROXY")
        );
        let both = [
            ("HTTP_PROXY", "http://upper:1"),
            ("http_proxy", "http://lower:1"),
        ];
        assert_eq!(
            route_of("http://c", &both).0,
            proxy("http://upper:1", "HTTP_PROXY")
        );
        assert_eq!(route_of("http://c", &[]).0, Route::Direct);
        let cgi = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://p:1")];
        assert_eq!(route_of("http://c", &cgi).0, Route::Direct);
    }

    #[test]
    fn an_invalid_proxy_is_one_warning_without_its_value() {
        let env = [
            ("HTTP_PROXY", "ftp://user:hunter2@p"),
            ("ALL_PROXY", "http://fallback:8080"),
        ];
        let (route, warnings) = route_of("http://c", &env);
        assert_eq!(route, proxy("http://fallback:8080", "ALL_PROXY"));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("ignoring HTTP_PROXY:"),
            "{warnings:?}"
        );
        assert!(!warnings[0].contains("hunter2"), "{warnings:?}");
        for bad in ["http://", "http://:80", "a b"] {
            assert_eq!(
                route_of("http://c", &[("HTTP_PROXY", bad)]).0,
                Route::Direct,
                "{bad}"
            );
        }
        assert_eq!(
            route_of("http://c", &[("HTTP_PROXY", "proxy:3128")]).0,
            proxy("proxy:3128", "HTTP_PROXY")
        );
    }

    #[test]
    fn no_proxy_hosts_connect_directly() {
        let env = [
            ("HTTP_PROXY", "http://p:1"),
            ("no_proxy", "example.com, 10.0.0.0/8"),
        ];
        assert_eq!(route_of("http://api.example.com", &env).0, Route::Direct);
        assert_eq!(route_of("http://10.1.2.3:4318", &env).0, Route::Direct);
        assert_ne!(route_of("http://notexample.com", &env).0, Route::Direct);
        assert_ne!(route_of("http://11.0.0.1", &env).0, Route::Direct);
    }

    #[test]
    fn no_proxy_rules() {
        let cases = [
            ("example.com", "example.com", true),
            ("example.com", "API.Example.COM", true),
            (".example.com", "example.com", true),
            (".example.com", "a.example.com", true),
            ("example.com", "badexample.com", false),
            ("*", "anything", true),
            ("*", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("192.168.0.0/16", "192.168.4.5", true),
            ("192.168.0.0/16", "192.169.0.1", false),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("::1", "[::1]", true),
            ("fd00::/8", "[fd12::1]", true),
            ("fd00::/8", "127.0.0.1", false),
            ("10.0.0.0/33", "10.0.0.1", false),
            ("localhost,, ", "localhost", true),
            ("", "localhost", false),
            (".", "localhost", false),
        ];
        for (list, host, expected) in cases {
            assert_eq!(bypasses(list, host), expected, "{list:?} {host:?}");
        }
    }
}
