#[traced::child_span]
#[traced::child_span(name = "again")]
fn load() {}

fn main() {
    load();
}
