#[traced::traced_service(name)]
fn main() {}
