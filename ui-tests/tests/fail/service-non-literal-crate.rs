#[traced::traced_service(crate = traced)]
fn main() {}
