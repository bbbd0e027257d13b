#[traced::traced_service]
#[traced::traced_service(name = "checkout")]
fn main() {}
