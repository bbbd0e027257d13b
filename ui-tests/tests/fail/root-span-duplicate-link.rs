#[traced::root_span(link = "x", link = "y")]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
