#[traced::traced_service(version = env!("CARGO_PKG_VERSION"))]
fn main() {}
