//! Typed attribute values: what a span records, without formatting anything into a `String`
//! until a value must outlive the borrowed argument.

use std::borrow::Cow;
use std::sync::Arc;

use compact_str::{CompactString, ToCompactString};

/// A borrowed, typed attribute value, as handed to a span.
///
/// ```
/// use traced::{SpanValue, Value};
/// assert!(matches!(42_u8.span_value(), Some(Value::I64(42))));
/// assert!(matches!("text".span_value(), Some(Value::Str("text"))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A boolean.
    Bool(bool),
    /// A signed integer (every integer type that fits).
    I64(i64),
    /// An unsigned integer; above `i64::MAX` it is recorded as a decimal string, because OTLP
    /// integers are signed 64-bit.
    U64(u64),
    /// A floating-point number.
    F64(f64),
    /// A character, recorded as a one-character string.
    Char(char),
    /// A string, cut to the attribute value length limit at a char boundary.
    Str(&'a str),
    /// An IP address, recorded in its usual text form.
    Ip(std::net::IpAddr),
    /// A 128-bit integer: an integer when it fits in 64 signed bits, else a decimal string.
    I128(i128),
    /// An unsigned 128-bit integer above `i128::MAX`, recorded as a decimal string.
    U128(u128),
}

/// A type whose values can be span attributes.
///
/// Implemented for integers, floats, `bool`, `char`, string types, references, `Box`, `Arc`,
/// and `Option`s of these (`None` records nothing). Implement it for your own types to have
/// them recorded as attributes:
///
/// ```
/// use traced::{SpanValue, Value};
///
/// struct OrderId(u64);
///
/// impl SpanValue for OrderId {
///     fn span_value(&self) -> Option<Value<'_>> {
///         Some(Value::U64(self.0))
///     }
/// }
///
/// let _guard = traced::Span::root("order").attr("order.id", OrderId(7)).enter();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute value",
    label = "not a `traced::SpanValue`",
    note = "attributes are numbers, `bool`, `char` and strings (and `Option`s and references of these)",
    note = "record it through `Display` with `key = %expr` or through `Debug` with `key = ?expr`, or implement `traced::SpanValue` for it"
)]
pub trait SpanValue {
    /// The value to record, or `None` to record nothing.
    ///
    /// ```
    /// use traced::{SpanValue, Value};
    ///
    /// assert_eq!(Some("ada").span_value(), Some(Value::Str("ada")));
    /// assert_eq!(None::<u32>.span_value(), None); // records nothing
    /// assert_eq!(u64::MAX.span_value(), Some(Value::U64(u64::MAX)));
    /// ```
    fn span_value(&self) -> Option<Value<'_>>;
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl SpanValue for $t {
            #[inline]
            fn span_value(&self) -> Option<Value<'_>> {
                Some(Value::I64(i64::from(*self)))
            }
        }
    )*};
}
signed!(i8, i16, i32, i64, u8, u16, u32);

impl SpanValue for isize {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        // isize is at most 64 bits on every supported target.
        Some(Value::I64(*self as i64))
    }
}

impl SpanValue for u64 {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::U64(*self))
    }
}

impl SpanValue for usize {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::U64(*self as u64))
    }
}

impl SpanValue for i128 {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::I128(*self))
    }
}

impl SpanValue for u128 {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(match i128::try_from(*self) {
            Ok(v) => Value::I128(v),
            // Above i128::MAX: only a string can hold it, and a u64 cannot.
            Err(_) => Value::U128(*self),
        })
    }
}

impl SpanValue for f64 {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::F64(*self))
    }
}

impl SpanValue for f32 {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::F64(f64::from(*self)))
    }
}

impl SpanValue for bool {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Bool(*self))
    }
}

impl SpanValue for char {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Char(*self))
    }
}

impl SpanValue for std::net::IpAddr {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Ip(*self))
    }
}

impl SpanValue for std::net::Ipv4Addr {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Ip((*self).into()))
    }
}

impl SpanValue for std::net::Ipv6Addr {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Ip((*self).into()))
    }
}

impl SpanValue for str {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Str(self))
    }
}

impl SpanValue for String {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Str(self))
    }
}

impl SpanValue for Cow<'_, str> {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(Value::Str(self))
    }
}

impl<T: SpanValue + ?Sized> SpanValue for &T {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        (**self).span_value()
    }
}

impl<T: SpanValue + ?Sized> SpanValue for &mut T {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        (**self).span_value()
    }
}

impl<T: SpanValue + ?Sized> SpanValue for Box<T> {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        (**self).span_value()
    }
}

impl<T: SpanValue + ?Sized> SpanValue for Arc<T> {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        (**self).span_value()
    }
}

impl<T: SpanValue> SpanValue for Option<T> {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        self.as_ref().and_then(SpanValue::span_value)
    }
}

impl SpanValue for Value<'_> {
    #[inline]
    fn span_value(&self) -> Option<Value<'_>> {
        Some(*self)
    }
}

/// An owned attribute value, as stored in a span record until export.
///
/// Strings up to 24 bytes are stored inline ([`CompactString`]): recording a short string
/// argument allocates nothing on the application thread, and frees nothing on the export
/// thread.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AttrValue {
    Bool(bool),
    I64(i64),
    F64(f64),
    Str(CompactString),
}

impl AttrValue {
    /// A string value (inline up to 24 bytes).
    #[inline]
    pub(crate) fn text(s: &str) -> AttrValue {
        AttrValue::Str(CompactString::new(s))
    }

    /// A string value the caller already owns.
    pub(crate) fn owned(s: String) -> AttrValue {
        AttrValue::Str(CompactString::from(s))
    }

    /// Whether the value holds memory on the heap (a string too long to be inline).
    #[inline]
    pub(crate) fn is_heap(&self) -> bool {
        matches!(self, AttrValue::Str(s) if s.is_heap_allocated())
    }

    /// The string, if the value is one.
    #[cfg_attr(not(test), expect(dead_code, reason = "used by tests"))]
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Owns `value`, cutting strings to `max_chars` characters at a char boundary.
    // Always inlined, so that a typed argument's match folds away where the kind is known (the
    // optimiser did not inline it into async fns' polls); the conversions to text of the rarer
    // kinds stay out of line.
    #[inline(always)]
    pub(crate) fn from_value(value: Value<'_>, max_chars: usize) -> AttrValue {
        match value {
            Value::Bool(b) => AttrValue::Bool(b),
            Value::I64(i) => AttrValue::I64(i),
            Value::U64(u) => i64::try_from(u).map_or_else(|_| text_of(u), AttrValue::I64),
            Value::F64(f) => AttrValue::F64(f),
            Value::Char(c) => text_of(c),
            Value::Str(s) => AttrValue::text(truncate(s, max_chars)),
            Value::Ip(ip) => text_of(ip),
            Value::I128(i) => i64::try_from(i).map_or_else(|_| text_of(i), AttrValue::I64),
            Value::U128(u) => text_of(u),
        }
    }
}

/// What does not map to an OTLP value directly becomes its usual text.
#[inline(never)]
fn text_of(value: impl ToCompactString) -> AttrValue {
    AttrValue::Str(value.to_compact_string())
}

/// The longest prefix of `s` with at most `max_chars` characters.
#[inline]
pub(crate) fn truncate(s: &str, max_chars: usize) -> &str {
    // Fast path: a string of at most `max_chars` bytes has at most that many characters.
    if s.len() <= max_chars {
        return s;
    }
    truncate_chars(s, max_chars)
}

fn truncate_chars(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_u64_becomes_a_string() {
        let v = AttrValue::from_value(u64::MAX.span_value().unwrap(), 100);
        assert_eq!(v.as_str(), Some(u64::MAX.to_string().as_str()));
        let v = AttrValue::from_value((i64::MAX as u64).span_value().unwrap(), 100);
        assert_eq!(v, AttrValue::I64(i64::MAX));
    }

    #[test]
    fn strings_are_cut_at_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("ééé", 3), "ééé");
        assert_eq!(truncate("", 0), "");
        let big = "x".repeat(10 << 20);
        assert_eq!(truncate(&big, 4096).len(), 4096);
    }

    #[test]
    fn wide_integers_fit_or_become_strings() {
        let attr = |v: Value<'_>| AttrValue::from_value(v, 100);
        assert_eq!(attr(5_i128.span_value().unwrap()), AttrValue::I64(5));
        assert_eq!(
            attr(i128::MIN.span_value().unwrap()).as_str(),
            Some(i128::MIN.to_string().as_str())
        );
        assert_eq!(
            attr(u128::MAX.span_value().unwrap()).as_str(),
            Some(u128::MAX.to_string().as_str())
        );
    }

    #[test]
    fn ip_addresses_are_text() {
        let ip: std::net::IpAddr = "::1".parse().unwrap();
        assert_eq!(
            AttrValue::from_value(ip.span_value().unwrap(), 100).as_str(),
            Some("::1")
        );
    }

    #[test]
    fn options_and_references_delegate() {
        assert_eq!(None::<u8>.span_value(), None);
        assert_eq!(Some(&&3_i16).span_value(), Some(Value::I64(3)));
        let shared: Arc<str> = Arc::from("a");
        assert_eq!(shared.span_value(), Some(Value::Str("a")));
    }
}
