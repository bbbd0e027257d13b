#[traced::child_span(fields(order.id = id, "order.id" = id + 1))]
fn load(id: u64) -> u64 {
    id
}

fn main() {
    load(1);
}
