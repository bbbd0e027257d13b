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
pub(super) fn write_str(out: &mut Vec<u8>, value: &str) {
    // Writing into a Vec cannot fail, and a `str` always serialises.
    let _ = serde_json::to_writer(&mut *out, value);
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
