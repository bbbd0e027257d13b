//! [`Carrier`]: read access to the propagation headers of a message, whatever holds them.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use super::traceparent::TRACEPARENT;

/// What a carrier reports for a value it holds but cannot read as text (a non-ASCII
/// `http::HeaderValue`, a non-string JSON value). It is invalid in all three grammars (DEL is not
/// printable), so it still counts: two `traceparent` lines of which one is unreadable are still
/// two lines, and an unreadable `tracestate` line still invalidates `tracestate`.
pub(super) const UNREADABLE: &str = "\u{7f}";

/// Read access to a message's propagation headers (`traceparent`, `tracestate`, `baggage`).
///
/// [`visit`](Carrier::visit) calls `f` with every value of the header `name`, matched
/// case-insensitively, in carrier order (OpenTelemetry Propagators API, Getter argument: `Get` and
/// `GetAll` are case insensitive for HTTP, in carrier order), without allocating, so that
/// duplicated `traceparent` lines are seen (and rejected) and several `tracestate` lines are
/// combined in order.
///
/// Implemented for:
/// - `str` and `String`: a bare `traceparent` value (it answers only for `traceparent`);
/// - `&T`, `Box<T>` and `Option<T>` of a carrier (`None` carries nothing);
/// - `http::HeaderMap` (values that are not visible ASCII count as malformed values);
/// - `HashMap<String, String, S>` and `BTreeMap<String, String>` (keys compared
///   case-insensitively; a map holding `traceparent` and `TraceParent` has two values);
/// - `[(K, V)]`, `[(K, V); N]` and `Vec<(K, V)>` of string pairs: ordered header lists, as
///   messaging systems carry them;
/// - with the `json` feature, `serde_json::Map<String, Value>` and `serde_json::Value` (an
///   object whose values are strings, or arrays of strings for repeated headers).
///
/// ```
/// use std::collections::HashMap;
/// use traced::propagation::{Carrier, extract};
///
/// let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// let mut headers = HashMap::new();
/// headers.insert("TraceParent".to_string(), tp.to_string());
/// let mut seen = Vec::new();
/// headers.visit("traceparent", &mut |v| seen.push(v.to_owned()));
/// assert_eq!(seen, [tp]);
/// assert!(extract(&headers).context.is_some());
/// assert!(extract(tp).context.is_some());
/// assert!(extract(&None::<String>).context.is_none());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a propagation carrier",
    label = "expected a carrier of `traceparent` / `tracestate` / `baggage` headers",
    note = "carriers are: a `traceparent` `&str` or `String`; `http::HeaderMap`; \
            `HashMap<String, String>`; `BTreeMap<String, String>`; a slice or `Vec` of \
            `(name, value)` string pairs; `serde_json::Map` or `serde_json::Value` (feature \
            `json`); and `&T`, `Box<T>` or `Option<T>` of any of these",
    note = "for another type, implement `traced::propagation::Carrier` for it"
)]
pub trait Carrier {
    /// Calls `f` with each value of header `name` (case-insensitive), in order.
    ///
    /// ```
    /// use traced::propagation::Carrier;
    ///
    /// let lines = [("tracestate", "a=1"), ("TRACESTATE", "b=2"), ("other", "x")];
    /// let mut seen = Vec::new();
    /// lines.visit("tracestate", &mut |v| seen.push(v.to_owned()));
    /// assert_eq!(seen, ["a=1", "b=2"]);
    /// ```
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str));
}

impl Carrier for str {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        if name.eq_ignore_ascii_case(TRACEPARENT) {
            f(self);
        }
    }
}

impl Carrier for String {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        self.as_str().visit(name, f);
    }
}

impl<T: Carrier + ?Sized> Carrier for &T {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        (**self).visit(name, f);
    }
}

impl<T: Carrier + ?Sized> Carrier for Box<T> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        (**self).visit(name, f);
    }
}

impl<T: Carrier> Carrier for Option<T> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        if let Some(carrier) = self {
            carrier.visit(name, f);
        }
    }
}

/// `HeaderMap` stores names lowercase and keeps repeated lines in order (`get_all`).
impl Carrier for http::HeaderMap {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        for value in self.get_all(name) {
            f(value.to_str().unwrap_or(UNREADABLE));
        }
    }
}

/// Every key is compared, so case variants of one name all count. Their relative order is the
/// map's iteration order, which `HashMap` does not define.
impl<S: BuildHasher> Carrier for HashMap<String, String, S> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        for (key, value) in self {
            if key.eq_ignore_ascii_case(name) {
                f(value);
            }
        }
    }
}

impl Carrier for BTreeMap<String, String> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        for (key, value) in self {
            if key.eq_ignore_ascii_case(name) {
                f(value);
            }
        }
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Carrier for [(K, V)] {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        for (key, value) in self {
            if key.as_ref().eq_ignore_ascii_case(name) {
                f(value.as_ref());
            }
        }
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Carrier for [(K, V); N] {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        self.as_slice().visit(name, f);
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Carrier for Vec<(K, V)> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        self.as_slice().visit(name, f);
    }
}

#[cfg(feature = "json")]
mod json {
    use serde_json::{Map, Value};

    use super::{Carrier, UNREADABLE};

    /// A string value is one header line; an array of strings is repeated lines; anything else
    /// is a malformed value.
    fn visit_value(value: &Value, f: &mut dyn FnMut(&str)) {
        match value {
            Value::String(s) => f(s),
            Value::Array(items) => {
                for item in items {
                    f(item.as_str().unwrap_or(UNREADABLE));
                }
            }
            _ => f(UNREADABLE),
        }
    }

    impl Carrier for Map<String, Value> {
        fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
            for (key, value) in self {
                if key.eq_ignore_ascii_case(name) {
                    visit_value(value, f);
                }
            }
        }
    }

    /// An object is a map of headers; any other JSON value carries nothing.
    impl Carrier for Value {
        fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
            if let Value::Object(map) = self {
                map.visit(name, f);
            }
        }
    }
}
