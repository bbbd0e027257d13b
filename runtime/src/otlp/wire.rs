//! Protobuf wire primitives (protobuf encoding: "Base 128 Varints", "Message Structure",
//! "Length-Delimited Records", "Non-varint Numbers"), appended to a `Vec<u8>`.
//!
//! Every function that writes has a twin that says how many bytes it writes, so a message's
//! length can be known, and written before it, without encoding it twice or anywhere else.
//! Varints are always minimal: the encoding allows padded ones, but some decoders reject them.

/// Protobuf encoding, "Message Structure": the wire types this crate writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum WireType {
    Varint = 0,
    I64 = 1,
    Len = 2,
    I32 = 5,
}

/// A field key: `(field_number << 3) | wire_type`, itself a varint.
pub(crate) const fn tag(field: u32, wire: WireType) -> u64 {
    ((field as u64) << 3) | wire as u64
}

/// The bytes of `value` as a minimal varint: 1 to 10.
#[inline]
pub(crate) const fn varint_len(value: u64) -> usize {
    // Seven bits per byte: ceil(significant_bits / 7), with zero taking one byte.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    (bits * 9 + 64) / 64
}

#[inline]
pub(crate) fn put_varint(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push(value as u8 | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

/// Writes `value` as a minimal varint at `at` in `out`, returning the index after it.
pub(crate) fn put_varint_at(out: &mut [u8], mut at: usize, mut value: u64) -> usize {
    while value >= 0x80 {
        out[at] = value as u8 | 0x80;
        value >>= 7;
        at += 1;
    }
    out[at] = value as u8;
    at + 1
}

/// The bytes of a field's key.
#[inline]
pub(crate) const fn tag_len(field: u32) -> usize {
    // Field numbers below 16 take one byte with every wire type.
    varint_len(tag(field, WireType::Len))
}

#[inline]
pub(crate) fn put_tag(buf: &mut Vec<u8>, field: u32, wire: WireType) {
    put_varint(buf, tag(field, wire));
}

/// The bytes of a length-delimited field whose payload is `len` bytes long.
#[inline]
pub(crate) const fn len_field_len(field: u32, len: usize) -> usize {
    tag_len(field) + varint_len(len as u64) + len
}

/// The key and length of a length-delimited field; its `len` bytes of payload follow.
#[inline]
pub(crate) fn put_len_prefix(buf: &mut Vec<u8>, field: u32, len: usize) {
    put_tag(buf, field, WireType::Len);
    put_varint(buf, len as u64);
}

#[inline]
pub(crate) fn put_bytes_field(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_len_prefix(buf, field, bytes.len());
    buf.extend_from_slice(bytes);
}

/// A `string` field, omitted when empty (proto3: an absent field reads as its default).
#[inline]
pub(crate) const fn str_field_len(field: u32, s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        len_field_len(field, s.len())
    }
}

#[inline]
pub(crate) fn put_str_field(buf: &mut Vec<u8>, field: u32, s: &str) {
    if !s.is_empty() {
        put_bytes_field(buf, field, s.as_bytes());
    }
}

/// A varint field (`uint32`, `int64`, `bool`, an enum), omitted when zero.
#[inline]
pub(crate) const fn varint_field_len(field: u32, value: u64) -> usize {
    if value == 0 {
        0
    } else {
        tag_len(field) + varint_len(value)
    }
}

#[inline]
pub(crate) fn put_varint_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    if value != 0 {
        put_tag(buf, field, WireType::Varint);
        put_varint(buf, value);
    }
}

/// A `fixed64` field (little-endian), written even when zero.
#[inline]
pub(crate) const fn fixed64_field_len(field: u32) -> usize {
    tag_len(field) + 8
}

#[inline]
pub(crate) fn put_fixed64_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    put_tag(buf, field, WireType::I64);
    buf.extend_from_slice(&value.to_le_bytes());
}

/// A `fixed32` field (little-endian), written even when zero.
#[inline]
pub(crate) const fn fixed32_field_len(field: u32) -> usize {
    tag_len(field) + 4
}

#[inline]
pub(crate) fn put_fixed32_field(buf: &mut Vec<u8>, field: u32, value: u32) {
    put_tag(buf, field, WireType::I32);
    buf.extend_from_slice(&value.to_le_bytes());
}

/// A length-delimited field whose payload is written by `body` into a buffer of its own: for
/// what is encoded once (the resource, the scope), where knowing the length first is not
/// worth the code.
pub(crate) fn put_message_field(buf: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    let mut inner = Vec::new();
    body(&mut inner);
    put_bytes_field(buf, field, &inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_minimal_and_their_length_is_exact() {
        let cases: [(u64, &[u8]); 8] = [
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (16_383, &[0xff, 0x7f]),
            (16_384, &[0x80, 0x80, 0x01]),
            (
                u64::MAX,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ];
        for (value, bytes) in cases {
            let mut buf = Vec::new();
            put_varint(&mut buf, value);
            assert_eq!(buf, bytes, "{value}");
            assert_eq!(varint_len(value), bytes.len(), "{value}");
            let mut out = [0xee; 12];
            assert_eq!(put_varint_at(&mut out, 1, value), 1 + bytes.len());
            assert_eq!(&out[1..=bytes.len()], bytes);
        }
        for shift in 0..64 {
            for value in [1_u64 << shift, (1 << shift) - 1, (1 << shift) + 1] {
                let mut buf = Vec::new();
                put_varint(&mut buf, value);
                assert_eq!(buf.len(), varint_len(value), "{value}");
                assert!(buf.len() == 1 || *buf.last().unwrap() != 0, "{value}");
                assert_eq!(prost::encoding::encoded_len_varint(value), buf.len());
            }
        }
    }

    #[test]
    fn keys_follow_field_number_and_wire_type() {
        let mut buf = Vec::new();
        put_tag(&mut buf, 1, WireType::Len);
        put_tag(&mut buf, 16, WireType::I32);
        put_tag(&mut buf, 7, WireType::I64);
        put_tag(&mut buf, 3, WireType::Varint);
        assert_eq!(buf, [0x0a, 0x85, 0x01, 0x39, 0x18]);
        assert_eq!(tag_len(15), 1);
        assert_eq!(tag_len(16), 2);
    }

    #[test]
    fn every_writer_writes_what_its_twin_says() {
        let long = "é".repeat(9_000);
        for s in ["", "a", long.as_str()] {
            let mut buf = Vec::new();
            put_str_field(&mut buf, 5, s);
            assert_eq!(buf.len(), str_field_len(5, s));
        }
        for value in [0, 1, 1 << 40] {
            let mut buf = Vec::new();
            put_varint_field(&mut buf, 10, value);
            assert_eq!(buf.len(), varint_field_len(10, value));
        }
        let mut buf = Vec::new();
        put_fixed64_field(&mut buf, 7, 0);
        put_fixed32_field(&mut buf, 16, 0x0301);
        assert_eq!(buf.len(), fixed64_field_len(7) + fixed32_field_len(16));
        assert_eq!(&buf[9..], [0x85, 0x01, 0x01, 0x03, 0x00, 0x00]);
        let mut buf = Vec::new();
        put_message_field(&mut buf, 2, |inner| put_str_field(inner, 1, "ab"));
        assert_eq!(buf, [0x12, 0x04, 0x0a, 0x02, b'a', b'b']);
        assert_eq!(buf.len(), len_field_len(2, 4));
    }
}
