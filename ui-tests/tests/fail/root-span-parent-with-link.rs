#[traced::root_span(parent = traceparent, link = traceparent)]
fn handle(traceparent: &str) {
    let _ = traceparent;
}

fn main() {
    handle("");
}
