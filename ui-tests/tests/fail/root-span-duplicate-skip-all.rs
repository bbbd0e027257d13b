#[traced::root_span(skip_all, skip_all)]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
