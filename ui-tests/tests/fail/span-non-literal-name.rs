const NAME: &str = "handle";

#[traced::root_span(name = NAME)]
fn handle() {}

fn main() {
    let _ = NAME;
    handle();
}
