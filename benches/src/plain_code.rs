//! The same user code with no instrumentation at all: the floor every candidate's number
//! includes (two calls that cannot be inlined, the arguments kept opaque).

/// The root function.
#[inline(never)]
pub fn root_fn(id: u64, label: &str, flag: bool) {
    child_fn(id, label, flag);
}

/// The child function.
#[inline(never)]
pub fn child_fn(id: u64, label: &str, flag: bool) {
    std::hint::black_box((id, label, flag));
}
