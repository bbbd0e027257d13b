fn main() {
    let handle = #[traced::root_span] |id: u64| id + 1;
    let _ = handle(1);
}
