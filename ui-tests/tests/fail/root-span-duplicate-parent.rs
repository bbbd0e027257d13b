#[traced::root_span(parent = "x", parent = "y")]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
