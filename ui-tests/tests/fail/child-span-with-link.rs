#[traced::child_span(link = traceparent)]
fn handle(traceparent: &str) {
    let _ = traceparent;
}

fn main() {
    handle("");
}
