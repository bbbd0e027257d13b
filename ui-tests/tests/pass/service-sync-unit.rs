//! A plain `fn main()`, with docs, another attribute (kept: it still applies) and an early
//! `return`.

/// The entry point.
#[traced::traced_service]
#[deny(unused_variables)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 100 {
        return;
    }
    println!("ran with {} arguments", args.len());
}
