//! The `code.*` attributes of a span (OpenTelemetry semantic conventions, "Code"), encoded
//! once per code location: locations are `static`s of the macros' call sites, few and fixed,
//! while their spans are many. Half of a typical span's attributes are these three, with its
//! longest strings; copying their encoded bytes costs a fraction of encoding them.

use super::common::{Any, key_value_field_len, put_key_value_field};
use super::wire::Out;
use crate::engine::CodeLocation;

const FUNCTION: &str = "code.function.name";
const FILE: &str = "code.file.path";
const LINE: &str = "code.line.number";

/// Direct-mapped: a location whose slot another one took is encoded again, into the same
/// buffer, so it costs time but never memory.
const SLOTS_BITS: u32 = 8;
const SLOTS: usize = 1 << SLOTS_BITS;

/// Encoded `code.*` attributes by code location, for the attribute field `field`.
#[derive(Debug)]
pub(crate) struct CodeAttributes {
    field: u32,
    slots: Vec<Slot>,
}

#[derive(Debug, Default)]
struct Slot {
    /// The address of the location encoded in `bytes`, 0 when none is. The address is the
    /// key: a `&'static` location never changes, so the same address has the same content.
    address: usize,
    bytes: Vec<u8>,
}

impl CodeAttributes {
    pub(crate) fn new(field: u32) -> CodeAttributes {
        CodeAttributes {
            field,
            slots: std::iter::repeat_with(Slot::default).take(SLOTS).collect(),
        }
    }

    /// The three attribute fields of `code`, in order: function, file, line.
    #[inline]
    pub(crate) fn get(&mut self, code: &'static CodeLocation) -> &[u8] {
        let address = std::ptr::from_ref(code) as usize;
        // Fibonacci hashing: locations sit a fixed stride apart in the macros' statics, which
        // the top bits of the product spread over every slot.
        let hash = (address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS_BITS);
        let slot = &mut self.slots[hash as usize];
        if slot.address != address {
            encode(self.field, code, &mut slot.bytes);
            slot.address = address;
        }
        &slot.bytes
    }
}

#[cold]
fn encode(field: u32, code: &CodeLocation, bytes: &mut Vec<u8>) {
    let attributes = [
        (FUNCTION, Any::Str(code.function)),
        (FILE, Any::Str(code.file)),
        (LINE, Any::I64(code.line.into())),
    ];
    let len = attributes
        .iter()
        .map(|(key, value)| key_value_field_len(field, key, *value))
        .sum();
    bytes.clear();
    bytes.resize(len, 0);
    let mut out = Out::new(bytes);
    for (key, value) in attributes {
        put_key_value_field(&mut out, field, key, value);
    }
    debug_assert_eq!(out.written(), len);
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: CodeLocation = CodeLocation {
        function: "a::f",
        file: "src/a.rs",
        line: 1,
    };

    #[test]
    fn a_location_is_encoded_once_and_colliding_ones_stay_right() {
        let mut cache = CodeAttributes::new(9);
        let first = cache.get(&A).to_vec();
        assert_eq!(cache.get(&A), first);
        // Enough locations that slots are shared: each still reads back its own bytes.
        let many: Vec<&'static CodeLocation> = (0..1_000)
            .map(|line| {
                &*Box::leak(Box::new(CodeLocation {
                    function: "b::g",
                    file: "src/b.rs",
                    line,
                }))
            })
            .collect();
        for _ in 0..2 {
            for code in &many {
                let mut expected = Vec::new();
                encode(9, code, &mut expected);
                assert_eq!(cache.get(code), expected);
            }
        }
        assert_eq!(cache.get(&A), first);
    }
}
