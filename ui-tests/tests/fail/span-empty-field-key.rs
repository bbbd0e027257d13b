#[traced::child_span(fields("" = id))]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
