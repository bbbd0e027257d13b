fn work() {}

fn main() {
    #[traced::child_span]
    work();
}
