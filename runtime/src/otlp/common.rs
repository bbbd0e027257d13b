//! The messages every signal shares (opentelemetry-proto `common/v1/common.proto`,
//! `resource/v1/resource.proto`): `AnyValue`, `KeyValue`, `Resource`, `InstrumentationScope`.

use super::wire::WireType::{self, Len};
use super::wire::{
    MAX_VARINT, Out, copy_short, encode, len_field_len, put_varint, str_field_len, tag, tag_len,
    varint_len,
};
use crate::engine::AttrValue;
use crate::engine::record::Attr;
use crate::resource::{Resource, ResourceValue};

// common.proto, `AnyValue`: the members of the `value` oneof.
const ANY_STRING: u32 = 1;
const ANY_BOOL: u32 = 2;
const ANY_INT: u32 = 3;
const ANY_DOUBLE: u32 = 4;
const ANY_ARRAY: u32 = 5;
const STRING_TAG: u8 = tag(ANY_STRING, Len) as u8;
const BOOL_TAG: u8 = tag(ANY_BOOL, WireType::Varint) as u8;
const INT_TAG: u8 = tag(ANY_INT, WireType::Varint) as u8;
// common.proto, `ArrayValue.values`.
const ARRAY_VALUES: u32 = 1;
// common.proto, `KeyValue`.
const KEY_VALUE_KEY: u32 = 1;
const KEY_VALUE_VALUE: u32 = 2;
const KEY_TAG: u8 = tag(KEY_VALUE_KEY, Len) as u8;
const VALUE_TAG: u8 = tag(KEY_VALUE_VALUE, Len) as u8;
// resource.proto, `Resource.attributes`.
const RESOURCE_ATTRIBUTES: u32 = 1;
// common.proto, `InstrumentationScope`.
const SCOPE_NAME: u32 = 1;
const SCOPE_VERSION: u32 = 2;

/// An attribute value as it is written: borrowed from a record or a resource, never copied.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Any<'a> {
    Str(&'a str),
    Bool(bool),
    I64(i64),
    F64(f64),
    StrArray(&'a [String]),
}

impl<'a> From<&'a AttrValue> for Any<'a> {
    #[inline]
    fn from(value: &'a AttrValue) -> Any<'a> {
        match value {
            AttrValue::Bool(b) => Any::Bool(*b),
            AttrValue::I64(i) => Any::I64(*i),
            AttrValue::F64(f) => Any::F64(*f),
            AttrValue::Str(s) => Any::Str(s),
        }
    }
}

impl<'a> From<&'a ResourceValue> for Any<'a> {
    fn from(value: &'a ResourceValue) -> Any<'a> {
        match value {
            ResourceValue::Str(s) => Any::Str(s),
            ResourceValue::I64(i) => Any::I64(*i),
            ResourceValue::F64(f) => Any::F64(*f),
            ResourceValue::Bool(b) => Any::Bool(*b),
            ResourceValue::StrArray(items) => Any::StrArray(items),
        }
    }
}

impl Any<'_> {
    /// The bytes of the `AnyValue` message. The oneof member is written even when it holds
    /// its type's default (`0`, `false`, `""`): a oneof member that is set is present on the
    /// wire (protobuf language guide, "Oneof"), and an `AnyValue` without one is "empty", not
    /// zero (common.proto, `AnyValue`).
    #[inline]
    pub(crate) fn len(self) -> usize {
        match self {
            Any::Str(s) => len_field_len(ANY_STRING, s.len()),
            Any::Bool(_) => tag_len(ANY_BOOL) + 1,
            Any::I64(i) => tag_len(ANY_INT) + varint_len(i as u64),
            Any::F64(_) => tag_len(ANY_DOUBLE) + 8,
            Any::StrArray(items) => len_field_len(ANY_ARRAY, array_len(items)),
        }
    }

    #[inline]
    pub(crate) fn put(self, out: &mut Out<'_>) {
        match self {
            Any::Str(s) => out.bytes_field(ANY_STRING, s.as_bytes()),
            Any::Bool(b) => {
                out.tag(ANY_BOOL, WireType::Varint);
                out.byte(u8::from(b));
            }
            Any::I64(i) => {
                // int64: two's complement as a 64-bit varint (ten bytes when negative).
                out.tag(ANY_INT, WireType::Varint);
                out.varint(i as u64);
            }
            Any::F64(f) => out.fixed64_field(ANY_DOUBLE, f.to_bits()),
            Any::StrArray(items) => put_str_array(out, items),
        }
    }
}

/// Resource values only: kept out of line, so that writing a scalar inlines.
#[cold]
fn put_str_array(out: &mut Out<'_>, items: &[String]) {
    out.len_prefix(ANY_ARRAY, array_len(items));
    for item in items {
        out.len_prefix(ARRAY_VALUES, Any::Str(item).len());
        out.bytes_field(ANY_STRING, item.as_bytes());
    }
}

/// The bytes of an `ArrayValue` of strings.
fn array_len(items: &[String]) -> usize {
    items
        .iter()
        .map(|item| len_field_len(ARRAY_VALUES, Any::Str(item).len()))
        .sum()
}

/// The bytes of a `KeyValue` message. An empty key is omitted as proto3 allows; the value is
/// always present.
#[inline]
pub(crate) fn key_value_len(key: &str, value: Any<'_>) -> usize {
    str_field_len(KEY_VALUE_KEY, key) + len_field_len(KEY_VALUE_VALUE, value.len())
}

/// The bytes of a `repeated KeyValue` field's element: key, length and message.
#[inline]
pub(crate) fn key_value_field_len(field: u32, key: &str, value: Any<'_>) -> usize {
    len_field_len(field, key_value_len(key, value))
}

/// Writes one element of a `repeated KeyValue` field.
#[inline]
pub(crate) fn put_key_value_field(out: &mut Out<'_>, field: u32, key: &str, value: Any<'_>) {
    let value_len = value.len();
    let len = str_field_len(KEY_VALUE_KEY, key) + len_field_len(KEY_VALUE_VALUE, value_len);
    if len < 0x80 && field < 16 && !key.is_empty() {
        // The common case, in few writes: every length inside is shorter, so each is a byte.
        out.array([tag(field, Len) as u8, len as u8, KEY_TAG, key.len() as u8]);
        out.raw(key.as_bytes());
        out.array([VALUE_TAG, value_len as u8]);
    } else {
        out.len_prefix(field, len);
        out.str_field(KEY_VALUE_KEY, key);
        out.len_prefix(KEY_VALUE_VALUE, value_len);
    }
    value.put(out);
}

/// The bytes of an `AnyValue` field (`field`) holding the string `s`.
#[inline]
pub(crate) fn str_value_field_len(field: u32, s: &str) -> usize {
    len_field_len(field, Any::Str(s).len())
}

/// Writes an `AnyValue` field (`field`) holding the string `s`.
#[inline]
pub(crate) fn put_str_value_field(out: &mut Out<'_>, field: u32, s: &str) {
    let len = s.len();
    // The `AnyValue` is two bytes longer than the string: both lengths are a byte below this.
    if len < 0x7e && field < 16 {
        out.array([tag(field, Len) as u8, len as u8 + 2, STRING_TAG, len as u8]);
    } else {
        out.len_prefix(field, Any::Str(s).len());
        out.len_prefix(ANY_STRING, len);
    }
    out.raw(s.as_bytes());
}

/// The bytes of a `repeated KeyValue` field of a record's attributes.
#[inline]
pub(crate) fn attrs_len(field: u32, attrs: &[Attr]) -> usize {
    attrs
        .iter()
        .map(|(key, value)| key_value_field_len(field, key, Any::from(value)))
        .sum()
}

/// At least [`attrs_len`]: the strings' lengths, and every other part at its longest.
#[inline]
pub(crate) fn attrs_bound(field: u32, attrs: &[Attr]) -> usize {
    // Per attribute: the `KeyValue` field's key and length, the key's, the value field's, and
    // the `AnyValue` member's key and length (or a scalar, at most a varint).
    const PARTS: usize = 4 * (1 + MAX_VARINT);
    let prefixes = attrs.len() * (PARTS + tag_len(field));
    let strings: usize = attrs
        .iter()
        .map(|(key, value)| {
            key.len()
                + match value {
                    AttrValue::Str(s) => s.len(),
                    _ => 0,
                }
        })
        .sum();
    prefixes + strings
}

/// Writes a `repeated KeyValue` field of a record's attributes.
#[inline]
pub(crate) fn put_attrs(out: &mut Out<'_>, field: u32, attrs: &[Attr]) {
    for (name, value) in attrs {
        if field < 16
            && let Some(window) = out.window::<SMALL>()
            && let Some(n) = put_small_attr(window, field, name.as_bytes(), value)
        {
            out.advance(n);
            continue;
        }
        put_key_value_field(out, field, name, Any::from(value));
    }
}

/// The most bytes [`put_small_attr`] writes.
const SMALL: usize = 128;

/// Writes the usual attribute (a string, integer or boolean whose `KeyValue` and every length
/// inside it are below 128, so each length is a byte) into `w`; how many bytes it wrote, or
/// `None` for any other attribute (written by [`put_key_value_field`]). A `KeyValue` is its key
/// (2 bytes more than the string), its value field (2 bytes more than the `AnyValue`), and the
/// `AnyValue` is a key and a string's length and bytes, or a key and a scalar. Every offset
/// here is below 128 given `k < 0x70` (and, for a string, `s.len() < 0x78 - k`), so the
/// writes need no index checks of their own.
#[inline(always)]
fn put_small_attr(w: &mut [u8; SMALL], field: u32, key: &[u8], value: &AttrValue) -> Option<usize> {
    let k = key.len();
    if k == 0 || k >= 0x70 {
        return None;
    }
    let field_tag = tag(field, Len) as u8;
    match value {
        AttrValue::Str(s) if s.len() < 0x78 - k => {
            let s = s.as_bytes();
            let end = 8 + k + s.len();
            w[..4].copy_from_slice(&[field_tag, (end - 2) as u8, KEY_TAG, k as u8]);
            copy_short(&mut w[4..4 + k], key);
            w[4 + k..8 + k].copy_from_slice(&[
                VALUE_TAG,
                s.len() as u8 + 2,
                STRING_TAG,
                s.len() as u8,
            ]);
            copy_short(&mut w[8 + k..end], s);
            Some(end)
        }
        AttrValue::I64(i) => {
            w[..4].copy_from_slice(&[field_tag, 0, KEY_TAG, k as u8]);
            copy_short(&mut w[4..4 + k], key);
            // int64: two's complement as a 64-bit varint (ten bytes when negative).
            let varint = put_varint(w[7 + k..].first_chunk_mut()?, *i as u64);
            w[1] = (5 + k + varint) as u8;
            w[4 + k..7 + k].copy_from_slice(&[VALUE_TAG, 1 + varint as u8, INT_TAG]);
            Some(7 + k + varint)
        }
        AttrValue::Bool(b) => {
            w[..4].copy_from_slice(&[field_tag, (6 + k) as u8, KEY_TAG, k as u8]);
            copy_short(&mut w[4..4 + k], key);
            w[4 + k..8 + k].copy_from_slice(&[VALUE_TAG, 2, BOOL_TAG, u8::from(*b)]);
            Some(8 + k)
        }
        _ => None,
    }
}

/// The `resource` field (`field`) of a `ResourceSpans` or `ResourceLogs`, written once per
/// writer. The message is written even without attributes, as the SDK's exporters do.
pub(crate) fn resource_field(field: u32, resource: &Resource) -> Vec<u8> {
    let attributes = || {
        resource
            .attributes
            .iter()
            .map(|(key, value)| (key.as_str(), Any::from(value)))
    };
    let len = attributes()
        .map(|(key, value)| key_value_field_len(RESOURCE_ATTRIBUTES, key, value))
        .sum();
    encode(len_field_len(field, len), |out| {
        out.len_prefix(field, len);
        for (key, value) in attributes() {
            put_key_value_field(out, RESOURCE_ATTRIBUTES, key, value);
        }
    })
}

/// The instrumentation scope: the library (or, for a log record, the module) that made the
/// telemetry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scope<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: &'a str,
}

/// Spans': every span comes from traced's engine, whichever API made it.
pub(crate) const TRACED_SCOPE: Scope<'static> = Scope {
    name: "traced",
    version: env!("CARGO_PKG_VERSION"),
};

/// The `scope` field (`field`) of a `ScopeSpans` or `ScopeLogs`, written once per writer (or
/// per log target). An empty version is omitted.
pub(crate) fn scope_field(field: u32, scope: Scope<'_>) -> Vec<u8> {
    let len = str_field_len(SCOPE_NAME, scope.name) + str_field_len(SCOPE_VERSION, scope.version);
    encode(len_field_len(field, len), |out| {
        out.len_prefix(field, len);
        out.str_field(SCOPE_NAME, scope.name);
        out.str_field(SCOPE_VERSION, scope.version);
    })
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{
        AnyValue, ArrayValue, InstrumentationScope, KeyValue, any_value::Value,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
    use prost::Message as _;

    use super::*;

    /// The message of a length-delimited field written alone.
    fn payload(field: &[u8]) -> &[u8] {
        let mut at = 1;
        while field[at] & 0x80 != 0 {
            at += 1;
        }
        &field[at + 1..]
    }

    fn decode(value: Any<'_>) -> AnyValue {
        let buf = encode(value.len(), |out| value.put(out));
        let decoded = AnyValue::decode(buf.as_slice()).unwrap();
        assert_eq!(decoded.encode_to_vec(), buf, "canonical");
        decoded
    }

    #[test]
    fn defaults_inside_the_oneof_are_present() {
        let value = Some;
        assert_eq!(decode(Any::I64(0)).value, value(Value::IntValue(0)));
        assert_eq!(
            decode(Any::Bool(false)).value,
            value(Value::BoolValue(false))
        );
        assert_eq!(decode(Any::F64(0.0)).value, value(Value::DoubleValue(0.0)));
        assert_eq!(
            decode(Any::Str("")).value,
            value(Value::StringValue(String::new()))
        );
        assert_eq!(
            decode(Any::StrArray(&[])).value,
            value(Value::ArrayValue(ArrayValue { values: vec![] }))
        );
    }

    #[test]
    fn extremes_of_every_scalar() {
        for i in [i64::MIN, -1, 1, i64::MAX] {
            assert_eq!(decode(Any::I64(i)).value, Some(Value::IntValue(i)));
        }
        for f in [f64::MIN_POSITIVE, -0.0, f64::INFINITY, f64::MAX] {
            let Some(Value::DoubleValue(back)) = decode(Any::F64(f)).value else {
                panic!("double");
            };
            assert_eq!(back.to_bits(), f.to_bits());
        }
        let Some(Value::DoubleValue(nan)) = decode(Any::F64(f64::NAN)).value else {
            panic!("double");
        };
        assert_eq!(nan.to_bits(), f64::NAN.to_bits());
        assert_eq!(decode(Any::Bool(true)).value, Some(Value::BoolValue(true)));
    }

    #[test]
    fn a_resource_of_every_kind_decodes() {
        let resource = Resource {
            attributes: vec![
                ("service.name".into(), ResourceValue::Str("checkout".into())),
                ("process.pid".into(), ResourceValue::I64(-4_242)),
                ("cpu.ratio".into(), ResourceValue::F64(0.5)),
                ("debug".into(), ResourceValue::Bool(false)),
                (
                    "aws.log.group.names".into(),
                    ResourceValue::StrArray(vec!["a".into(), String::new(), "ü".into()]),
                ),
                ("empty".into(), ResourceValue::StrArray(vec![])),
                (String::new(), ResourceValue::Str(String::new())),
            ],
        };
        let field = resource_field(1, &resource);
        let decoded = ProtoResource::decode(payload(&field)).unwrap();
        let string = |s: &str| AnyValue {
            value: Some(Value::StringValue(s.into())),
        };
        let kv = |key: &str, value: Value| KeyValue {
            key: key.into(),
            value: Some(AnyValue { value: Some(value) }),
            ..Default::default()
        };
        let expected = vec![
            kv("service.name", Value::StringValue("checkout".into())),
            kv("process.pid", Value::IntValue(-4_242)),
            kv("cpu.ratio", Value::DoubleValue(0.5)),
            kv("debug", Value::BoolValue(false)),
            kv(
                "aws.log.group.names",
                Value::ArrayValue(ArrayValue {
                    values: vec![string("a"), string(""), string("ü")],
                }),
            ),
            kv("empty", Value::ArrayValue(ArrayValue { values: vec![] })),
            kv("", Value::StringValue(String::new())),
        ];
        assert_eq!(decoded.attributes, expected);
        assert_eq!(decoded.dropped_attributes_count, 0);
        assert_eq!(decoded.encode_to_vec(), payload(&field), "canonical");

        let empty = resource_field(1, &Resource::default());
        assert_eq!(empty, [0x0a, 0x00]);
    }

    #[test]
    fn the_scope_is_traced_and_its_version() {
        let field = scope_field(1, TRACED_SCOPE);
        let decoded = InstrumentationScope::decode(payload(&field)).unwrap();
        assert_eq!(decoded.name, "traced");
        assert_eq!(decoded.version, env!("CARGO_PKG_VERSION"));
        assert!(decoded.attributes.is_empty());
    }
}
