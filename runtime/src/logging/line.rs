//! The pieces every file of a log line shares: the fixed header the layer resolves, and the
//! writers for ids and JSON strings. A leaf: it uses no other file of `logging`.

use std::fmt::{self, Write as _};

/// What the fixed part of a line is made of, resolved by the layer.
#[derive(Debug)]
pub(super) struct Header<'a> {
    pub(super) timestamp: &'a [u8],
    pub(super) level: &'static str,
    /// `"service":"…",` escaped once when the layer was built.
    pub(super) service: &'a [u8],
    pub(super) target: &'a str,
    /// The event came from the `log` bridge: its `log.*` fields are metadata, not data.
    pub(super) is_log: bool,
    pub(super) ids: Option<(u128, u64)>,
    /// `TRACED_LOG_SPAN_FIELDS`: the attributes of the current spans follow the event's fields.
    pub(super) span_fields: bool,
    /// `TRACED_LOG_XRAY`: the JSON line carries [`XRAY_KEY`] inside a span.
    pub(super) xray: bool,
}

/// The key of the current trace in AWS X-Ray's form, which CloudWatch Logs reads to link a
/// line to its trace.
pub(super) const XRAY_KEY: &str = "AWS-XRAY-TRACE-ID";

/// Writes the low `digits` (at most 32) nibbles of `value` as lowercase hex, leading zeros
/// included: the form OpenTelemetry's "Trace Context in non-OTLP Log Formats" gives `trace_id`
/// (32 digits) and `span_id` (16 digits) in log lines.
pub(super) fn write_hex(out: &mut Vec<u8>, value: u128, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0_u8; 32];
    let text = &mut text[32 - digits.min(32)..];
    let mut rest = value;
    for byte in text.iter_mut().rev() {
        // Masked to four bits, so the index is below 16.
        *byte = HEX[(rest & 0xf) as usize];
        rest >>= 4;
    }
    out.extend_from_slice(text);
}

/// Writes a float as a JSON number; JSON has no NaN or infinity (serde_json would write `null`
/// and lose the value), so those are written as the strings `NaN`, `inf` and `-inf`.
pub(super) fn write_f64(out: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        // A finite float always serialises, and writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &value);
    } else if value.is_nan() {
        write_str(out, "NaN");
    } else if value > 0.0 {
        write_str(out, "inf");
    } else {
        write_str(out, "-inf");
    }
}

/// Writes a JSON string.
///
/// A string with nothing to escape (no `"`, `\` or control character: the escapes serde_json
/// writes) is copied between quotes as it is; others go through serde_json. Through serde_json
/// alone, each string cost a call whose discarded `Result` was dropped by another call, or not,
/// as the optimiser happened to place them: a `log` line's instruction count moved by 3 % with
/// unrelated changes elsewhere in the crate (`span_cost log`).
pub(super) fn write_str(out: &mut Vec<u8>, value: &str) {
    if !needs_escape(value.as_bytes()) {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing into a Vec cannot fail, and a `str` always serialises.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Whether `bytes` holds a byte JSON escapes: below 0x20, `"` or `\`. Eight bytes at a time
/// (a byte at a time was slower than serde_json's own scan): a word has a byte below `n`
/// (`n` ≤ 0x80) exactly when `(w - n × 0x01…01) & !w & 0x80…80` is not zero, and a byte equal
/// to `b` when `w ^ b × 0x01…01` has a byte below 1.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES * 0x80;
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        let w = u64::from_le_bytes(eight);
        if below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Writes formatted text as a JSON string, formatted into the reused `text` first: serde_json's
/// `collect_str` would panic on a Debug or Display impl that returns an error, and a panic while
/// logging is not an option. Such an impl gets a placeholder rather than half a value.
pub(super) fn write_fmt(out: &mut Vec<u8>, text: &mut String, value: fmt::Arguments<'_>) {
    if let Some(literal) = value.as_str() {
        return write_str(out, literal);
    }
    text.clear();
    if text.write_fmt(value).is_err() {
        text.clear();
        text.push_str("<formatting failed>");
    }
    write_str(out, text);
}

#[cfg(test)]
mod tests {
    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let strings = [
            "",
            "plain",
            "quote \" in",
            "back\\slash",
            "tab\tin",
            "\u{1f}",
            "\u{7f} del",
            "ünïcödé",
            "</script>",
            "emoji 🦀",
            "eight by",
            "\"ight by",
            "eight b\\",
            "eigh\nby",
            "a longer string, with its quote \" past the first words",
            "a longer string, with nothing to escape in any of its words",
        ];
        for s in strings {
            let mut out = Vec::new();
            super::write_str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }
}
