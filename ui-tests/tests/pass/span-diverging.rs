//! Functions that never return normally: `-> !`, and bodies that end in `todo!()`.
#![deny(unreachable_code, unused)]

use traced::child_span;

#[child_span]
fn exit_with(code: i32) -> ! {
    std::process::exit(code)
}

#[child_span]
async fn never_async(code: i32) -> ! {
    std::process::exit(code)
}

#[child_span]
#[allow(dead_code)]
fn not_yet(n: u8) -> u8 {
    todo!("{n}")
}

fn main() {
    let _: fn(i32) -> ! = exit_with;
    let _ = never_async;
    if std::env::args().count() > 100 {
        exit_with(1);
    }
}
