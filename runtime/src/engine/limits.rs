//! How much a span may hold.

/// Span attribute limits (`OTEL_{,SPAN_}ATTRIBUTE_*_LIMIT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest string attribute value, in characters.
    pub attribute_value_length: usize,
    /// Attributes per span at most; more are discarded and counted.
    pub attribute_count: usize,
}

/// 4096 characters and 128 attributes. The specification's value-length default is infinity
/// (OpenTelemetry SDK environment variables, attribute limits); ours is finite, so user input
/// recorded in a span cannot blow up memory.
impl Default for Limits {
    fn default() -> Self {
        Limits {
            attribute_value_length: 4_096,
            attribute_count: 128,
        }
    }
}
