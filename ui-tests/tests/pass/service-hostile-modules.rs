//! Modules that shadow `core`, `std` and `traced` do not capture the generated paths.

mod core {}
mod std {}
mod traced {}

#[::traced::traced_service(name = "hostile")]
fn main() -> ::core::result::Result<(), ::std::string::String> {
    Ok(())
}
