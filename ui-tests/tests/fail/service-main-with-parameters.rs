#[traced::traced_service]
fn main(args: Vec<String>) {
    let _ = args;
}
