#[traced::traced_service]
fn start() {}

fn main() {
    start();
}
