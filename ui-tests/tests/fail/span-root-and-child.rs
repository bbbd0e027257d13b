#[traced::root_span]
#[traced::child_span]
fn load() {}

fn main() {
    load();
}
