// Mistakes in the options and in the fn are all reported at once.
#[traced::traced_service(nmae = "checkout", version = 2)]
fn start(port: u16) {
    let _ = port;
}

fn main() {
    start(8080);
}
