#[traced::root_span]
struct Handler;

fn main() {
    let _ = Handler;
}
