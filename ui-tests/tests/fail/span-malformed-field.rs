#[traced::child_span(fields(42))]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
