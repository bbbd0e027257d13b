#[traced::root_span(fields(a = 1), fields(b = 2))]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
