#[traced::root_span(name = "load", level = "debug")]
fn load() {}

fn main() {
    load();
}
