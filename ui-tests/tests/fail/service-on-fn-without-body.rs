trait Service {
    #[traced::traced_service]
    fn main();
}

struct Api;

impl Service for Api {
    fn main() {}
}

fn main() {
    Api::main();
}
