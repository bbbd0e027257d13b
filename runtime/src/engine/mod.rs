//! The span engine (DESIGN.md, Architecture): a thread-local current-span stack, compact
//! records with typed values, the sampling decision at the root, and a bounded hand-off to
//! one export thread.

pub(crate) mod clock;
mod ids;
pub(crate) mod pipeline;
pub(crate) mod pool;
pub(crate) mod record;
mod sampler;
pub(crate) mod span;
pub(crate) mod stack;
mod value;

pub use ids::{SpanId, TraceId};
pub use record::CodeLocation;
pub use record::SpanKind;
pub use span::{InSpan, Span, SpanGuard, current_span_id, current_trace_id, record};
pub(crate) use span::{current_ids, record_exception};
pub(crate) use value::{AttrValue, truncate};
pub use value::{SpanValue, Value};
