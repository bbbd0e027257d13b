//! How much a span may hold.

/// Span attribute limits (`OTEL_{,SPAN_}ATTRIBUTE_*_LIMIT`, or
/// [`Config::attribute_value_length_limit`](crate::Config::attribute_value_length_limit) and
/// [`Config::attribute_count_limit`](crate::Config::attribute_count_limit)).
///
/// ```
/// use traced::Limits;
/// use traced::testing::{Capture, Value};
///
/// assert_eq!(Limits::default().attribute_count, 128);
///
/// let capture = Capture::with_limits(Limits { attribute_value_length: 7, attribute_count: 2 });
/// drop(
///     traced::Span::root("upload")
///         .attr("file", "invoice-2024.pdf") // cut to 7 characters
///         .attr("bytes", 1_024_u32)
///         .attr("user", "ada") // one attribute too many: dropped and counted
///         .enter(),
/// );
/// let spans = capture.finish();
/// let upload = spans.named("upload");
/// assert_eq!(upload.attr("file"), Some(&Value::String("invoice".into())));
/// assert_eq!(upload.attr("user"), None);
/// assert_eq!(upload.dropped_attributes, 1);
/// ```
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
