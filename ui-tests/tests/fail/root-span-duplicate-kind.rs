#[traced::root_span(kind = server, kind = client)]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
