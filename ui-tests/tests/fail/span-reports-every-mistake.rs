// Mistakes in the options and against the fn are all reported at once.
#[traced::root_span(nmae = "load", kind = fast, skip(db), fields(a = 1, a = 2))]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
