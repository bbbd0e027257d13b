//! A user crate with strict lints stays quiet: generated code triggers none of them.
#![deny(warnings, unused, unused_qualifications, unused_results, dead_code, unsafe_op_in_unsafe_fn)]
#![deny(clippy::all)]

use std::fmt;

use traced::{child_span, root_span};

struct Opaque;

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Opaque")
    }
}

#[root_span(fields(opaque = ?opaque))]
fn sync_unit(id: u64, opaque: &Opaque) {
    let _ = (id, opaque);
}

#[child_span]
fn no_arguments() -> u8 {
    1
}

#[child_span(skip_all)]
fn skipped(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[child_span]
async fn async_result(id: u64) -> Result<u64, std::num::TryFromIntError> {
    let small = u8::try_from(id)?;
    Ok(u64::from(small))
}

#[child_span]
async fn async_unit() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    sync_unit(1, &Opaque);
    let _ = no_arguments();
    let _ = skipped(2);
    let _ = async_result(3).await;
    async_unit().await;
}
