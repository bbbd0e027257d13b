#[traced::root_span(name = "a", name = "b")]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
