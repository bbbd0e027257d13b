struct Db {
    url: String,
}

#[traced::child_span(fields(db = db))]
fn load(id: u64, db: &Db) -> u64 {
    let _ = &db.url;
    id
}

fn main() {
    load(1, &Db { url: String::new() });
}
