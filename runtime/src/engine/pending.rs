//! The log record of an error a traced function returned, while its fate is not known yet: a
//! leaf, so that span records can hold one (see `exception`).

/// An error's log record, made by the innermost span that returned it, kept on the span it
/// was returned to until that span's outcome says where the error went.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingException {
    pub(super) trace_id: u128,
    pub(super) span_id: u64,
    pub(super) flags: u8,
    /// The error's type name.
    pub(super) exception_type: &'static str,
    /// The error's `Display` (or `Debug`, or type name), formatted where it was returned.
    pub(super) message: String,
}
