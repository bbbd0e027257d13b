const NAME: &str = "checkout";

#[traced::traced_service(name = NAME)]
fn main() {
    let _ = NAME;
}
