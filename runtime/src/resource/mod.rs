//! The resource: the attributes that describe the process emitting telemetry (`service.name`,
//! `telemetry.sdk.*`, the host, the container, the cloud), sent once with every export request.
//!
//! This module builds the attributes nobody has to configure: the SDK's own (`sdk.rs`) and
//! what detectors find in the environment and the file system (`detect.rs`, one file per
//! detector). Merging them with `OTEL_RESOURCE_ATTRIBUTES` and code is configuration's job.

mod aws;
mod container;
mod detect;
mod host;
mod k8s;
mod process;
mod sdk;
mod sources;

#[cfg(test)]
mod detect_tests;

pub use detect::ResourceDetector;
pub(crate) use detect::{Detectors, detect};
pub(crate) use process::refresh_after_fork;
pub(crate) use sdk::sdk_attributes;
pub(crate) use sources::Machine;

use opentelemetry::{Array, KeyValue, StringValue, Value};

/// A resource attribute's value. Resource attributes are few and written once per request, so
/// they are plain owned values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ResourceValue {
    Str(String),
    I64(i64),
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "no source gives a float resource attribute yet; the OTLP writer encodes every kind"
        )
    )]
    F64(f64),
    #[cfg_attr(
        not(test),
        expect(
            dead_code,
            reason = "no source gives a boolean resource attribute yet; the OTLP writer encodes every kind"
        )
    )]
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

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&ResourceValue> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value)
    }

    /// The value of `key` if it is a string.
    pub(crate) fn get_str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            ResourceValue::Str(value) => Some(value),
            _ => None,
        }
    }

    /// Adds `key` unless it is already there: the first source to give a key wins, so sources
    /// are added in order of precedence.
    pub(crate) fn add(&mut self, key: impl Into<String>, value: ResourceValue) {
        let key = key.into();
        if self.get(&key).is_none() {
            self.attributes.push((key, value));
        }
    }

    /// Adds every attribute of `other` whose key is not already here.
    pub(crate) fn add_all(&mut self, other: Resource) {
        for (key, value) in other.attributes {
            self.add(key, value);
        }
    }

    /// Replaces the value of `key`, if present.
    pub(crate) fn replace(&mut self, key: &str, value: ResourceValue) {
        if let Some((_, old)) = self.attributes.iter_mut().find(|(k, _)| k == key) {
            *old = value;
        }
    }

    /// The same attributes as the SDK's resource, for exporters that take one: each value keeps
    /// its type, and arrays of strings stay arrays (OpenTelemetry common spec, Attribute).
    pub(crate) fn to_sdk(&self) -> opentelemetry_sdk::Resource {
        let attributes = self.attributes.iter().map(|(key, value)| {
            let value = match value {
                ResourceValue::Str(s) => Value::String(s.clone().into()),
                ResourceValue::I64(n) => Value::I64(*n),
                ResourceValue::F64(x) => Value::F64(*x),
                ResourceValue::Bool(b) => Value::Bool(*b),
                ResourceValue::StrArray(items) => Value::Array(Array::String(
                    items.iter().cloned().map(StringValue::from).collect(),
                )),
            };
            KeyValue::new(key.clone(), value)
        });
        opentelemetry_sdk::Resource::builder_empty()
            .with_attributes(attributes)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::Key;

    #[test]
    fn the_first_source_of_a_key_wins() {
        let mut resource = Resource::from_strings([("a".to_owned(), "code".to_owned())]);
        resource.add("a", ResourceValue::Str("detected".to_owned()));
        resource.add("b", ResourceValue::I64(7));
        assert_eq!(resource.get_str("a"), Some("code"));
        assert_eq!(resource.get("b"), Some(&ResourceValue::I64(7)));
        assert_eq!(resource.get_str("b"), None);
        resource.replace("b", ResourceValue::I64(8));
        resource.replace("c", ResourceValue::I64(9));
        assert_eq!(resource.attributes.len(), 2);
        assert_eq!(resource.get("b"), Some(&ResourceValue::I64(8)));
    }

    #[test]
    fn the_sdk_resource_keeps_each_type() {
        let mut resource = Resource::default();
        resource.add("s", ResourceValue::Str("x".to_owned()));
        resource.add("n", ResourceValue::I64(134_217_728));
        resource.add(
            "list",
            ResourceValue::StrArray(vec!["/aws/lambda/f".to_owned()]),
        );
        let sdk = resource.to_sdk();
        assert_eq!(sdk.len(), 3);
        assert_eq!(sdk.get(&Key::from_static_str("s")), Some(Value::from("x")));
        assert_eq!(
            sdk.get(&Key::from_static_str("n")),
            Some(Value::I64(134_217_728))
        );
        assert_eq!(
            sdk.get(&Key::from_static_str("list")),
            Some(Value::Array(Array::String(vec!["/aws/lambda/f".into()])))
        );
    }
}
