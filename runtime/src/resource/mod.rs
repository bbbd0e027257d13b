//! The resource: the attributes that describe the process emitting telemetry (`service.name`,
//! `telemetry.sdk.*`, the host, the container, the cloud), sent once with every export request.

/// A resource attribute's value. Resource attributes are few and written once per request, so
/// they are plain owned values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ResourceValue {
    Str(String),
    I64(i64),
    F64(f64),
    Bool(bool),
    /// An array of strings (`aws.log.group.names`).
    StrArray(Vec<String>),
}

/// The resource of a pipeline, attributes in order; a key appears once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Resource {
    pub(crate) attributes: Vec<(String, ResourceValue)>,
}

impl Resource {
    /// A resource of string attributes (what `OTEL_RESOURCE_ATTRIBUTES` and code give).
    pub(crate) fn from_strings(attributes: impl IntoIterator<Item = (String, String)>) -> Resource {
        Resource {
            attributes: attributes
                .into_iter()
                .map(|(key, value)| (key, ResourceValue::Str(value)))
                .collect(),
        }
    }
}
