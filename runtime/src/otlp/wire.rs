//! Protobuf wire primitives (protobuf encoding: "Base 128 Varints", "Message Structure",
//! "Length-Delimited Records", "Non-varint Numbers").
//!
//! Every writer has a twin that says how many bytes it writes, so a message's length is known,
//! and written before it, without encoding it twice or anywhere else; the message is then
//! written into exactly that many bytes. (A span, whose exact length costs more to compute
//! than a bound on it, is written first and its length after: `Envelope::push_bounded`.)
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

/// The most bytes a varint takes (a 64-bit value).
pub(crate) const MAX_VARINT: usize = 10;

/// The bytes of `value` as a minimal varint: 1 to 10.
#[inline]
pub(crate) const fn varint_len(value: u64) -> usize {
    if value < 0x80 {
        return 1;
    }
    // Seven bits per byte: ceil(significant_bits / 7).
    let bits = 64 - value.leading_zeros() as usize;
    (bits * 9 + 64) / 64
}

/// The bytes of a field's key.
#[inline]
pub(crate) const fn tag_len(field: u32) -> usize {
    // Field numbers below 16 take one byte with every wire type.
    varint_len(tag(field, WireType::Len))
}

/// The bytes of a length-delimited field whose payload is `len` bytes long.
#[inline]
pub(crate) const fn len_field_len(field: u32, len: usize) -> usize {
    tag_len(field) + varint_len(len as u64) + len
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

/// A varint field (`uint32`, `int64`, `bool`, an enum), omitted when zero.
#[inline]
pub(crate) const fn varint_field_len(field: u32, value: u64) -> usize {
    if value == 0 {
        0
    } else {
        tag_len(field) + varint_len(value)
    }
}

/// A `fixed64` field, written even when zero.
#[inline]
pub(crate) const fn fixed64_field_len(field: u32) -> usize {
    tag_len(field) + 8
}

/// A `fixed32` field, written even when zero.
#[inline]
pub(crate) const fn fixed32_field_len(field: u32) -> usize {
    tag_len(field) + 4
}

/// A cursor over bytes set aside for a message whose length is known: writing through it
/// costs an index check per write, where pushing to a `Vec` re-reads and re-stores its length
/// and capacity at every byte. Writing past the end panics (a length computed wrong).
#[derive(Debug)]
pub(crate) struct Out<'a> {
    bytes: &'a mut [u8],
    at: usize,
}

impl<'a> Out<'a> {
    #[inline]
    pub(crate) fn new(bytes: &'a mut [u8]) -> Out<'a> {
        Out { bytes, at: 0 }
    }

    /// The bytes written so far.
    #[inline]
    pub(crate) fn written(&self) -> usize {
        self.at
    }

    #[inline]
    pub(crate) fn byte(&mut self, byte: u8) {
        self.bytes[self.at] = byte;
        self.at += 1;
    }

    #[inline]
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        copy_short(&mut self.bytes[self.at..self.at + n], bytes);
        self.at += n;
    }

    /// The next `N` bytes, when there are that many: writes into this window at offsets the
    /// compiler can tell are below `N` take no index check, so a small message written there
    /// takes one check, where each [`array`](Self::array) or [`raw`](Self::raw) takes its
    /// own. The writer then [`advance`](Self::advance)s past what it wrote; whatever it
    /// wrote beyond is overwritten by what comes next, or never kept.
    #[inline]
    pub(crate) fn window<const N: usize>(&mut self) -> Option<&mut [u8; N]> {
        self.bytes.get_mut(self.at..)?.first_chunk_mut::<N>()
    }

    /// Moves the cursor past `n` bytes written into a [`window`](Self::window).
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        assert!(n <= self.bytes.len() - self.at, "written within the window");
        self.at += n;
    }

    /// Bytes whose number is known at compile time: one index check, then moves.
    #[inline]
    pub(crate) fn array<const N: usize>(&mut self, bytes: [u8; N]) {
        self.bytes[self.at..self.at + N].copy_from_slice(&bytes);
        self.at += N;
    }

    #[inline]
    pub(crate) fn varint(&mut self, value: u64) {
        if value < 0x80 {
            self.byte(value as u8);
        } else {
            self.long_varint(value);
        }
    }

    fn long_varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.byte(value as u8 | 0x80);
            value >>= 7;
        }
        self.byte(value as u8);
    }

    #[inline]
    pub(crate) fn tag(&mut self, field: u32, wire: WireType) {
        self.varint(tag(field, wire));
    }

    /// The key and length of a length-delimited field; its `len` bytes of payload follow.
    #[inline]
    pub(crate) fn len_prefix(&mut self, field: u32, len: usize) {
        // One write for the usual keys and lengths: a field number below 16 is a one-byte key
        // (`field` is a constant where this is inlined, so the test folds away).
        if field < 16 && len < 0x80 {
            self.array([tag(field, WireType::Len) as u8, len as u8]);
        } else {
            self.tag(field, WireType::Len);
            self.varint(len as u64);
        }
    }

    #[inline]
    pub(crate) fn bytes_field(&mut self, field: u32, bytes: &[u8]) {
        self.len_prefix(field, bytes.len());
        self.raw(bytes);
    }

    /// See [`str_field_len`].
    #[inline]
    pub(crate) fn str_field(&mut self, field: u32, s: &str) {
        if !s.is_empty() {
            self.bytes_field(field, s.as_bytes());
        }
    }

    /// See [`varint_field_len`].
    #[inline]
    pub(crate) fn varint_field(&mut self, field: u32, value: u64) {
        if value != 0 {
            self.tag(field, WireType::Varint);
            self.varint(value);
        }
    }

    /// Little-endian, as every `fixed64` and `double`.
    #[inline]
    pub(crate) fn fixed64_field(&mut self, field: u32, value: u64) {
        if field < 16 {
            let [a, b, c, d, e, f, g, h] = value.to_le_bytes();
            self.array([tag(field, WireType::I64) as u8, a, b, c, d, e, f, g, h]);
        } else {
            self.tag(field, WireType::I64);
            self.raw(&value.to_le_bytes());
        }
    }

    #[inline]
    pub(crate) fn fixed32_field(&mut self, field: u32, value: u32) {
        if field < 16 {
            let [a, b, c, d] = value.to_le_bytes();
            self.array([tag(field, WireType::I32) as u8, a, b, c, d]);
        } else {
            self.tag(field, WireType::I32);
            self.raw(&value.to_le_bytes());
        }
    }
}

/// Copies `bytes` into `out`, of the same length.
#[inline(always)]
pub(crate) fn copy_short(out: &mut [u8], bytes: &[u8]) {
    let n = bytes.len();
    // Most strings here are short: two overlapping fixed-size copies are a few moves,
    // where `copy_from_slice` of an unknown length is a call to `memcpy`.
    if (8..=16).contains(&n) {
        out[..8].copy_from_slice(&bytes[..8]);
        out[n - 8..].copy_from_slice(&bytes[n - 8..]);
    } else if (4..8).contains(&n) {
        out[..4].copy_from_slice(&bytes[..4]);
        out[n - 4..].copy_from_slice(&bytes[n - 4..]);
    } else {
        out.copy_from_slice(bytes);
    }
}

/// Writes `value` as a minimal varint at the start of `out`, which holds at least
/// [`MAX_VARINT`] bytes; how many it wrote. (`Out::varint` keeps its own loop: writing through
/// this function into a stack array and copying that out cost the span writer some 130
/// instructions per span, measured with callgrind.)
#[inline(always)]
pub(crate) fn put_varint(out: &mut [u8; MAX_VARINT], mut value: u64) -> usize {
    let mut n = 0;
    while value >= 0x80 && n < MAX_VARINT - 1 {
        out[n] = value as u8 | 0x80;
        value >>= 7;
        n += 1;
    }
    out[n] = value as u8;
    n + 1
}

/// Bytes of a message of `len` bytes, written by `write` (for what is encoded once).
pub(crate) fn encode(len: usize, write: impl FnOnce(&mut Out<'_>)) -> Vec<u8> {
    let mut bytes = vec![0; len];
    let mut out = Out::new(&mut bytes);
    write(&mut out);
    assert_eq!(out.written(), len, "a message's length is exact");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(len: usize, write: impl FnOnce(&mut Out<'_>)) -> Vec<u8> {
        encode(len, write)
    }

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
            assert_eq!(varint_len(value), bytes.len(), "{value}");
            assert_eq!(written(bytes.len(), |out| out.varint(value)), bytes);
        }
        for shift in 0..64 {
            for value in [1_u64 << shift, (1 << shift) - 1, (1 << shift) + 1] {
                let len = varint_len(value);
                assert_eq!(prost::encoding::encoded_len_varint(value), len, "{value}");
                let bytes = written(len, |out| out.varint(value));
                assert!(len == 1 || bytes[len - 1] != 0, "{value}: minimal");
            }
        }
    }

    #[test]
    fn keys_follow_field_number_and_wire_type() {
        let bytes = written(5, |out| {
            out.tag(1, WireType::Len);
            out.tag(16, WireType::I32);
            out.tag(7, WireType::I64);
            out.tag(3, WireType::Varint);
        });
        assert_eq!(bytes, [0x0a, 0x85, 0x01, 0x39, 0x18]);
        assert_eq!(tag_len(15), 1);
        assert_eq!(tag_len(16), 2);
    }

    #[test]
    fn every_writer_writes_what_its_twin_says() {
        let long = "é".repeat(9_000);
        for s in ["", "a", long.as_str()] {
            written(str_field_len(5, s), |out| out.str_field(5, s));
        }
        for value in [0, 1, 1 << 40] {
            written(varint_field_len(10, value), |out| {
                out.varint_field(10, value)
            });
        }
        let len = fixed64_field_len(7) + fixed32_field_len(16);
        let bytes = written(len, |out| {
            out.fixed64_field(7, 0);
            out.fixed32_field(16, 0x0301);
        });
        assert_eq!(&bytes[9..], [0x85, 0x01, 0x01, 0x03, 0x00, 0x00]);
        let bytes = written(len_field_len(2, 4), |out| {
            out.len_prefix(2, 4);
            out.str_field(1, "ab");
        });
        assert_eq!(bytes, [0x12, 0x04, 0x0a, 0x02, b'a', b'b']);
    }

    #[test]
    #[should_panic]
    fn writing_past_the_length_panics() {
        written(1, |out| out.str_field(1, "a"));
    }
}
