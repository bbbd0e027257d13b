//! The span engine: a thread-local current-span stack, compact records with typed values, the
//! sampling decision at the root, and a bounded hand-off to one export thread.
//!
//! Everything outside this module holds a span through one handle, [`Started`]: a span whose
//! ids and sampling are decided, with what callers need (is it recording, add attributes, set
//! an error, run a closure with it current, enter it, wrap a future, share it between threads,
//! end it). The thread's stack and its frames are private to the engine, and no user code runs
//! while they, a record or a shared span's lock are borrowed.

mod begin;
mod builder;
pub(crate) mod clock;
mod current;
mod end;
mod exception;
pub(crate) mod format;
mod frame;
mod guard;
pub(crate) mod held;
mod ids;
mod in_span;
mod internal;
mod limits;
pub(crate) mod log_queue;
pub(crate) mod log_record;
pub(crate) mod panic;
mod pending;
pub(crate) mod pipeline;
pub(crate) mod pool;
pub(crate) mod record;
mod record_push;
mod sampler;
mod share;
mod shared;
mod stack;
mod started;
mod update;
mod value;
mod worker_link;

pub(crate) use begin::Parent;
pub use builder::Span;
#[cfg(any(feature = "axum", feature = "reqwest"))]
pub(crate) use current::set_current_error;
pub(crate) use current::{
    as_if_current, current_context, current_ids, current_log_context, visit_span_attrs,
};
pub use current::{current_span_id, current_trace_id, record};
#[cfg(feature = "testing")]
pub(crate) use exception::span_events;
pub(crate) use exception::{EXCEPTION_TARGET, record_exception, set_span_events};
pub use guard::SpanGuard;
pub use ids::{SpanId, TraceId};
pub use in_span::InSpan;
pub(crate) use internal::{is_internal_thread, mark_thread_internal};
pub use limits::Limits;
pub use record::{CodeLocation, SpanKind};
pub(crate) use sampler::DEFAULT_SAMPLER;
pub use sampler::{RootSampler, Sampler};
pub(crate) use shared::SharedSpan;
pub(crate) use started::Started;
pub(crate) use update::Update;
pub(crate) use value::{AttrValue, truncate};
pub use value::{SpanValue, Value};
