//! Host names resolved without a thread per request.
//!
//! ureq resolves the URL's host before it looks for a kept-alive connection, on every request,
//! and its own resolver runs each lookup with a deadline on a thread it spawns for it: a thread
//! started and joined for every request, even when the host is an IP literal or a pooled
//! connection is then reused (measured on the export benchmark `otlp_cpu`, see
//! `benches/README.md`: about a third of the export thread's CPU). This resolver answers IP
//! literals (`127.0.0.1`, `[::1]`) at once, and keeps what a name resolved to for a few seconds,
//! so a lookup (with its thread) happens about once per [`KEPT`] and when a connection fails,
//! not once per request. A lookup that fails is not kept. Our own client of `http://`
//! endpoints (`plain/`) looks up through the same resolver, with [`CachingResolver::lookup`].

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a name's addresses are used before it is looked up again: short, so that a
/// collector that moves is found at its new address within seconds.
pub(crate) const KEPT: Duration = Duration::from_secs(5);

/// Names kept at most: the endpoint's, and a proxy's.
const NAMES: usize = 4;

/// A [`Resolver`] for ureq; clones share what they keep.
#[derive(Clone, Default)]
pub(crate) struct CachingResolver {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    lookup: DefaultResolver,
    kept: Mutex<Vec<Kept>>,
}

struct Kept {
    /// The host as the URL has it (never its user information).
    host: String,
    port: u16,
    addrs: ResolvedSocketAddrs,
    at: Instant,
}

impl CachingResolver {
    /// The addresses of `uri`'s host and port, for a connection made without ureq's agent:
    /// the same literals, cache and lookup (off-thread) as ureq's requests, waited for at most
    /// `timeout`.
    pub(crate) fn lookup(
        &self,
        uri: &Uri,
        timeout: Duration,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let timeout = NextTimeout {
            after: timeout.into(),
            ..NextTimeout::default()
        };
        self.resolve(uri, &Config::default(), timeout)
    }

    /// Forgets every name's addresses: a connection failed, and the name may have moved.
    pub(crate) fn forget(&self) {
        self.kept().clear();
    }

    fn kept(&self) -> MutexGuard<'_, Vec<Kept>> {
        self.inner.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver").finish_non_exhaustive()
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            // Not a full URL: ureq's resolver reports it.
            return self.inner.lookup.resolve(uri, config, timeout);
        };
        let host = authority.host();
        let ip = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse::<IpAddr>();
        let port = authority
            .port_u16()
            .or_else(|| default_port(uri.scheme_str()));
        let Some(port) = port else {
            // A scheme ureq does not know: its resolver reports it.
            return self.inner.lookup.resolve(uri, config, timeout);
        };
        if let Ok(ip) = ip {
            let addr = SocketAddr::new(ip, port);
            let mut addrs = self.empty();
            if config.ip_family().keep_wanted([addr].into_iter()).count() == 1 {
                addrs.push(addr);
                return Ok(addrs);
            }
            return Err(ureq::Error::HostNotFound);
        }
        let now = Instant::now();
        {
            let mut kept = self.kept();
            kept.retain(|k| now.saturating_duration_since(k.at) < KEPT);
            if let Some(k) = kept.iter().find(|k| k.port == port && k.host == host) {
                return Ok(k.addrs.clone());
            }
        }
        let addrs = self.inner.lookup.resolve(uri, config, timeout)?;
        let mut kept = self.kept();
        if kept.len() >= NAMES {
            kept.remove(0);
        }
        kept.push(Kept {
            host: host.to_owned(),
            port,
            addrs: addrs.clone(),
            at: now,
        });
        Ok(addrs)
    }
}

/// The ports ureq assumes for the schemes it connects to.
fn default_port(scheme: Option<&str>) -> Option<u16> {
    match scheme? {
        "http" => Some(80),
        "https" => Some(443),
        "socks4" | "socks4a" | "socks5" | "socks5h" => Some(1080),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn resolve(resolver: &CachingResolver, url: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = url.parse().unwrap();
        let timeout = NextTimeout {
            after: UreqDuration::from_secs(5),
            ..NextTimeout::default()
        };
        resolver
            .resolve(&uri, &Config::default(), timeout)
            .map(|addrs| addrs.iter().copied().collect())
    }

    #[test]
    fn ip_literals_are_answered_without_a_lookup() {
        let resolver = CachingResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:4318/v1/traces").unwrap(),
            ["127.0.0.1:4318".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/v1/traces").unwrap(),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        // Nothing was kept: literals are never looked up.
        assert!(resolver.kept().is_empty());
    }

    #[test]
    fn names_are_kept_and_forgotten() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:4318/v1/traces").unwrap();
        assert!(!first.is_empty());
        assert!(
            first
                .iter()
                .all(|a| a.port() == 4318 && a.ip().is_loopback())
        );
        assert_eq!(resolver.kept().len(), 1);
        assert_eq!(
            resolve(&resolver, "http://localhost:4318/v1/logs").unwrap(),
            first
        );
        assert_eq!(resolver.kept().len(), 1);
        resolver.forget();
        assert!(resolver.kept().is_empty());
    }

    #[test]
    fn lookup_answers_like_resolve() {
        let resolver = CachingResolver::default();
        let uri: Uri = "http://localhost:4318/v1/traces".parse().unwrap();
        let addrs = resolver.lookup(&uri, Duration::from_secs(5)).unwrap();
        assert_eq!(
            addrs.to_vec(),
            resolve(&resolver, "http://localhost:4318/").unwrap()
        );
        assert_eq!(resolver.kept().len(), 1);
        let literal: Uri = "http://[::1]/".parse().unwrap();
        let addrs = resolver.lookup(&literal, Duration::from_secs(5)).unwrap();
        assert_eq!(&addrs[..], ["[::1]:80".parse::<SocketAddr>().unwrap()]);
    }

    #[test]
    fn a_failed_lookup_is_not_kept() {
        let resolver = CachingResolver::default();
        assert!(resolve(&resolver, "http://no-such-host.invalid:4318/").is_err());
        assert!(resolver.kept().is_empty());
    }
}
