//! Recording an attribute whose key is known to be new (the macros' arguments and `fields`),
//! written straight into its slot of the record.
//!
//! The record is written in place, never through a value built on the stack and copied in: that
//! copy stalled on store forwarding (narrow stores read back by wide loads), about a tenth of a
//! sampled span's time. Each kind of value has its own small writer, called with the value in
//! registers: the typed entry point, inlined where the value is made, picks the writer from a
//! kind known at compile time, where one writer for every kind took the value through memory
//! and dispatched on its tag at run time (61 instructions per attribute on average in the
//! `span_cost` benchmark; an integer's writer is 28).

use std::borrow::Cow;

use compact_str::CompactString;

use super::record::SpanRecord;
use super::value::{AttrValue, Value, truncate};

/// Words in an [`AttrValue`].
const WORDS: usize = size_of::<AttrValue>() / 8;

/// `AttrValue::Str` of an empty string, as the words it is made of.
// SAFETY: evaluated at compile time, which fails unless the two types have the same size and
// every byte of the value is initialised; the words are then a valid `AttrValue` whenever
// they are written, in whole, into one (aligned: `AttrValue` holds `u64`s).
const EMPTY_STR: [u64; WORDS] = unsafe {
    std::mem::transmute::<AttrValue, [u64; WORDS]>(AttrValue::Str(CompactString::const_new("")))
};

impl SpanRecord {
    /// Adds an attribute whose key the caller knows is not set yet (the macros' keys are
    /// distinct by construction: argument names, and `fields` keys checked at compile time),
    /// without the search for an earlier value. `value` is called only within the count limit.
    #[inline]
    pub(crate) fn push_new_attr(
        &mut self,
        key: &'static str,
        max_count: usize,
        value: impl FnOnce() -> AttrValue,
    ) {
        // SAFETY: the value is written whole.
        unsafe { self.push_new_with(key, max_count, |dst| dst.write(value())) }
    }

    /// [`push_new_attr`](Self::push_new_attr) for a typed value (an argument, a `fields`
    /// value), handed to the writer of its kind. Inlined: the kind is then known where the
    /// value is made, and only that writer's call is left.
    #[inline(always)]
    pub(crate) fn push_new_value(
        &mut self,
        key: &'static str,
        max_count: usize,
        value: Value<'_>,
        max_chars: usize,
    ) {
        match value {
            Value::Bool(b) => self.push_new_bool(key, max_count, b),
            Value::I64(i) => self.push_new_i64(key, max_count, i),
            Value::U64(u) => match i64::try_from(u) {
                Ok(i) => self.push_new_i64(key, max_count, i),
                Err(_) => self.push_new_other(key, max_count, value, max_chars),
            },
            Value::F64(f) => self.push_new_f64(key, max_count, f),
            Value::Str(s) => self.push_new_str(key, max_count, s, max_chars),
            other => self.push_new_other(key, max_count, other, max_chars),
        }
    }

    #[inline(never)]
    fn push_new_bool(&mut self, key: &'static str, max_count: usize, b: bool) {
        // SAFETY: the value is written whole.
        unsafe { self.push_new_with(key, max_count, |dst| dst.write(AttrValue::Bool(b))) }
    }

    #[inline(never)]
    fn push_new_i64(&mut self, key: &'static str, max_count: usize, i: i64) {
        // SAFETY: the value is written whole.
        unsafe { self.push_new_with(key, max_count, |dst| dst.write(AttrValue::I64(i))) }
    }

    #[inline(never)]
    fn push_new_f64(&mut self, key: &'static str, max_count: usize, f: f64) {
        // SAFETY: the value is written whole.
        unsafe { self.push_new_with(key, max_count, |dst| dst.write(AttrValue::F64(f))) }
    }

    /// The kinds that are formatted (a large `u64`, a `char`, an address, 128-bit integers).
    #[inline(never)]
    fn push_new_other(&mut self, key: &'static str, max_count: usize, v: Value<'_>, max: usize) {
        // SAFETY: the value is written whole.
        unsafe {
            self.push_new_with(key, max_count, |dst| {
                dst.write(AttrValue::from_value(v, max))
            })
        }
    }

    /// A string, built in its slot: `CompactString::new` builds an inline string on the stack
    /// byte by byte and reads it back a word at a time (the same stall).
    #[inline(never)]
    fn push_new_str(&mut self, key: &'static str, max_count: usize, s: &str, max_chars: usize) {
        let s = truncate(s, max_chars);
        // SAFETY: every path writes the whole value: the empty string's words (a valid
        // `AttrValue`, see `EMPTY_STR`), then the bytes of `s` into its buffer, which `s` fits
        // (`capacity()` bytes), or else a whole new value.
        unsafe {
            self.push_new_with(key, max_count, |dst| {
                // Whole words: written as the enum, the empty string was a 16-byte, an 8-byte
                // and a 1-byte store, and `as_mut_bytes` reads its last word back, which no
                // single store covered (a store-forwarding stall, three quarters of the samples
                // of that call in the paced OTLP benchmark).
                dst.cast::<[u64; WORDS]>().write(EMPTY_STR);
                if let AttrValue::Str(text) = &mut *dst
                    && s.len() <= text.capacity()
                {
                    // (compact_str: `as_mut_bytes` is the whole buffer, `capacity()` bytes, and
                    // `set_len` needs the bytes up to the length initialised: `s` is UTF-8 and
                    // copied whole.)
                    text.as_mut_bytes()[..s.len()].copy_from_slice(s.as_bytes());
                    text.set_len(s.len());
                } else {
                    dst.write(AttrValue::text(s));
                }
            });
        }
    }

    /// Adds the attribute `key` within the count limit (counted as dropped past it), its value
    /// written by `write` into the new slot.
    ///
    /// # Safety
    ///
    /// `write` must write a whole, valid `AttrValue` at the pointer it gets (the slot, whose
    /// memory is not a value: nothing there is dropped), or unwind.
    #[inline(always)]
    unsafe fn push_new_with(
        &mut self,
        key: &'static str,
        max_count: usize,
        write: impl FnOnce(*mut AttrValue),
    ) {
        let len = self.attrs.len();
        // A recycled record has room for its first attributes. The other cases (over the
        // limit, a full buffer: `reserve` was ~30 instructions per attribute even as a no-op)
        // take a path of their own, out of line and not returning here, so the writers save
        // and restore no registers for it.
        if len >= max_count || len == self.attrs.capacity() {
            // SAFETY: the caller's promise, passed on.
            return unsafe { self.push_new_out_of_room(key, max_count, write) };
        }
        // SAFETY: `len` is below the capacity; the value as the caller promised.
        unsafe { self.push_into_room(key, write) }
    }

    /// Writes the attribute into the slot after the last one and lets the length cover it.
    ///
    /// # Safety
    ///
    /// The buffer has room for one more element; `write` as in `push_new_with`. Both fields are
    /// written before the length covers them, so a panic in `write` leaves the length as it was
    /// (the key needs no drop).
    #[inline(always)]
    unsafe fn push_into_room(&mut self, key: &'static str, write: impl FnOnce(*mut AttrValue)) {
        let len = self.attrs.len();
        // SAFETY: room at index `len` is the caller's promise; the slot is written, never read
        // or dropped, before `set_len` covers it.
        unsafe {
            let slot = self.attrs.as_mut_ptr().add(len);
            std::ptr::write(&raw mut (*slot).0, Cow::Borrowed(key));
            write(&raw mut (*slot).1);
            self.attrs.set_len(len + 1);
        }
    }

    /// [`push_new_with`](Self::push_new_with) past the count limit, or with the buffer full.
    ///
    /// # Safety
    ///
    /// As `push_new_with`.
    #[cold]
    #[inline(never)]
    unsafe fn push_new_out_of_room(
        &mut self,
        key: &'static str,
        max_count: usize,
        write: impl FnOnce(*mut AttrValue),
    ) {
        let len = self.attrs.len();
        if len >= max_count {
            self.dropped_attrs = self.dropped_attrs.saturating_add(1);
            return;
        }
        self.attrs.reserve(1);
        // SAFETY: `reserve(1)` left room for one more element; the value as the caller promised.
        unsafe { self.push_into_room(key, write) }
    }
}
