#[traced::traced_service(crate = "my-traced")]
fn main() {}
