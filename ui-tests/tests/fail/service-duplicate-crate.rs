#[traced::traced_service(crate = "traced", crate = "::traced")]
fn main() {}
