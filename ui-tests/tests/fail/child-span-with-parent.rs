#[traced::child_span(parent = traceparent)]
fn handle(traceparent: &str) {
    let _ = traceparent;
}

fn main() {
    handle("");
}
