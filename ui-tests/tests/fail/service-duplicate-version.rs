#[traced::traced_service(version = "1.0.0", name = "checkout", version = "1.0.1")]
fn main() {}
