#[traced::root_span(crate = "traced", crate = "::traced")]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
