#[traced::traced_service]
struct Service;

fn main() {
    let _ = Service;
}
