//! Every option. `extern crate … as …` puts the runtime under another name in the extern
//! prelude, as a dependency renamed in `Cargo.toml` does.

extern crate traced as my_traced;

#[my_traced::traced_service(name = "checkout", version = "2.1.0", crate = "my_traced")]
fn main() {}
