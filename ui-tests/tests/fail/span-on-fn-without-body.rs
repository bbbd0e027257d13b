trait Store {
    #[traced::child_span]
    fn get(&self) -> u8;
}

struct Memory;

impl Store for Memory {
    fn get(&self) -> u8 {
        1
    }
}

fn main() {
    let _ = Memory.get();
}
