#[traced::root_span(skip(id), skip(id))]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
