#[traced::root_span(kind = "server")]
fn handle() {}

fn main() {
    handle();
}
