//! A user crate with strict lints stays quiet: generated code triggers none of them.
#![deny(warnings, unused, unused_qualifications, unused_results, dead_code)]

use traced::traced_service;

#[traced_service]
fn main() -> Result<(), std::num::ParseIntError> {
    let port: u16 = "8080".parse()?;
    let _ = port;
    Ok(())
}
