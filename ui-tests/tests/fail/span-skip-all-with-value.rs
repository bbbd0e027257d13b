#[traced::child_span(skip_all = true)]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
