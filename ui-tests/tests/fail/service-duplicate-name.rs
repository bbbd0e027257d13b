#[traced::traced_service(name = "checkout", name = "payments")]
fn main() {}
