//! Changes to a span, computed before anything of the engine is borrowed and applied after:
//! what a `tracing` span's fields say about its bridged span (attributes, and the
//! `otel.*` fields that rename it, set its kind or its status).

use std::borrow::Cow;

use super::limits::Limits;

use super::record::{SpanKind, SpanRecord, Status};
use super::value::AttrValue;

/// One change to a span.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Update {
    /// An attribute (a key set twice keeps the last value; past the count limit it is dropped
    /// and counted).
    Attr(Cow<'static, str>, AttrValue),
    /// The span's name.
    Name(Cow<'static, str>),
    /// The span's kind.
    Kind(SpanKind),
    /// Status Error with this description. An empty description does not replace a
    /// description set before.
    Error(Cow<'static, str>),
}

impl Update {
    /// Applies the change. Values were computed and cut to the limits before.
    pub(super) fn apply(self, record: &mut SpanRecord, limits: Limits) {
        match self {
            Update::Attr(key, value) => record.push_attr(key, value, limits.attribute_count),
            Update::Name(name) => record.name = name,
            Update::Kind(kind) => record.kind = kind,
            Update::Error(description) => {
                if description.is_empty() && record.is_error() {
                    return;
                }
                record.extra().status = Status::Error(description);
            }
        }
    }
}
