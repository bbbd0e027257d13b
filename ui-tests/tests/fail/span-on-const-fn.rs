#[traced::child_span]
const fn answer() -> u8 {
    42
}

const ANSWER: u8 = answer();

fn main() {
    let _ = ANSWER;
}
