//! A renamed dependency with `crate = "…"`. `extern crate … as …` puts the runtime under
//! another name in the extern prelude, as a dependency renamed in `Cargo.toml` does.

extern crate traced as my_traced;

#[my_traced::root_span(crate = "my_traced", fields(n))]
fn sync_root(n: u8) -> u8 {
    n
}

#[my_traced::child_span(crate = "::my_traced")]
async fn async_child(n: u8) -> Result<u8, String> {
    Ok(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(sync_root(1), 1);
    assert_eq!(async_child(2).await, Ok(2));
}
