// A body that does not match the signature is reported against the signature, sync and async.
#[traced::child_span]
fn count() -> u64 {
    "three"
}

#[traced::child_span]
async fn count_later() -> u64 {
    "three"
}

fn main() {
    let _ = count();
    let _ = count_later();
}
