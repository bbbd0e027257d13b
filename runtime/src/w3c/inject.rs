//! [`Injector`]: write access to the headers of an outgoing message.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use http::{HeaderMap, HeaderName, HeaderValue};

/// Write access to an outgoing message's headers.
///
/// [`set`](Injector::set) replaces every existing value of `name`, whatever its case, so an
/// injected header is never a duplicate of a forwarded one. The values this module produces are
/// validated visible ASCII, so that no value (a baggage value, a forwarded `tracestate`) can
/// carry CR or LF and smuggle a second header into the request; an injector that still cannot
/// store a value drops the header rather than failing the request.
///
/// Implemented for `http::HeaderMap`, `HashMap<String, String, S>`, `BTreeMap<String, String>`
/// and, with the `json` feature, `serde_json::Map<String, Value>`.
///
/// ```
/// use std::collections::HashMap;
/// use traced::propagation::Injector;
///
/// let mut headers = HashMap::from([("TraceParent".to_string(), "stale".to_string())]);
/// headers.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// assert_eq!(headers.len(), 1);
/// assert!(headers["traceparent"].starts_with("00-4bf9"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive propagation headers",
    note = "injectors are: `http::HeaderMap`; `HashMap<String, String>`; \
            `BTreeMap<String, String>`; `serde_json::Map<String, Value>` (feature `json`)",
    note = "for another type, implement `traced::propagation::Injector` for it"
)]
pub trait Injector {
    /// Sets header `name` (lowercase) to `value`, replacing any previous value.
    ///
    /// ```
    /// use traced::propagation::Injector;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.set("baggage", "k=v");
    /// assert_eq!(headers["baggage"], "k=v");
    /// ```
    fn set(&mut self, name: &'static str, value: &str);
}

impl<T: Injector + ?Sized> Injector for &mut T {
    fn set(&mut self, name: &'static str, value: &str) {
        (**self).set(name, value);
    }
}

/// `HeaderValue::from_str` rejects CR, LF and other control characters. Should a value ever be
/// rejected, the old value is removed too: a stale `traceparent` must not survive an injection
/// that failed: the context is dropped, the request is unharmed.
impl Injector for HeaderMap {
    fn set(&mut self, name: &'static str, value: &str) {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            return;
        };
        match HeaderValue::from_str(value) {
            Ok(value) => {
                self.insert(name, value);
            }
            Err(_) => {
                self.remove(name);
            }
        }
    }
}

impl<S: BuildHasher> Injector for HashMap<String, String, S> {
    fn set(&mut self, name: &'static str, value: &str) {
        self.retain(|key, _| !key.eq_ignore_ascii_case(name));
        self.insert(name.to_owned(), value.to_owned());
    }
}

impl Injector for BTreeMap<String, String> {
    fn set(&mut self, name: &'static str, value: &str) {
        self.retain(|key, _| !key.eq_ignore_ascii_case(name));
        self.insert(name.to_owned(), value.to_owned());
    }
}

#[cfg(feature = "json")]
impl Injector for serde_json::Map<String, serde_json::Value> {
    fn set(&mut self, name: &'static str, value: &str) {
        self.retain(|key, _| !key.eq_ignore_ascii_case(name));
        self.insert(name.to_owned(), serde_json::Value::String(value.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_map_drops_values_it_cannot_hold() {
        let mut headers = HeaderMap::new();
        headers.set("traceparent", "stale");
        headers.set("traceparent", "a\r\nX-Evil: 1");
        assert!(headers.is_empty(), "{headers:?}");
        headers.set("Not A Name", "x");
        assert!(headers.is_empty());
    }

    #[test]
    fn header_map_replaces_repeated_lines() {
        let mut headers = HeaderMap::new();
        headers.append("tracestate", HeaderValue::from_static("a=1"));
        headers.append("tracestate", HeaderValue::from_static("b=2"));
        headers.set("tracestate", "c=3");
        assert_eq!(headers.get_all("tracestate").iter().count(), 1);
        assert_eq!(headers["tracestate"], "c=3");
    }

    #[test]
    fn maps_replace_case_variants() {
        let mut map = BTreeMap::from([("TRACESTATE".to_string(), "old=1".to_string())]);
        map.set("tracestate", "new=1");
        assert_eq!(map.len(), 1);
        assert_eq!(map["tracestate"], "new=1");
    }
}
