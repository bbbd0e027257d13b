#[traced::root_span(parent)]
fn handle(traceparent: &str) {
    let _ = traceparent;
}

fn main() {
    handle("");
}
