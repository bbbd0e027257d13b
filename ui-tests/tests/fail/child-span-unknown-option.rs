#[traced::child_span(err)]
fn load() {}

fn main() {
    load();
}
