#[traced::traced_service(name = "checkout", level = "debug")]
fn main() {}
