struct Db;

#[traced::child_span(skip(dB))]
fn load(id: u64, db: &Db) -> u64 {
    let _ = db;
    id
}

fn main() {
    load(1, &Db);
}
