//! The binary `tests/exceptions.rs` runs: errors and panics in traced fns of a
//! `#[traced_service]`, each with its one exception log record.
//!
//! `exceptions_app errors`: an `Err` handled by its traced caller (WARN), an `Err` through three
//! spans out of a root (ERROR), a panic in a root caught on `main`'s thread (ERROR), and a panic
//! on another thread (ERROR); then `main` returns normally.
//! `exceptions_app fatal`: a panic in a root span that ends `main` (FATAL).
//!
//! Every span's name says which case it belongs to.

use std::fmt;

use traced::{child_span, root_span};

#[derive(Debug)]
struct Declined(u32);

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card {} declined", self.0)
    }
}

#[traced::traced_service(name = "exceptions-app")]
fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("errors") => {
            let _ = handled_root(1);
            let _ = escaping_root(2);
            let caught = std::panic::catch_unwind(|| panicking_root("caught on main"));
            assert!(caught.is_err());
            tracing::info!(scope = "after the caught panic", "going on");
            let _ = after_panic();
            let other = std::thread::spawn(|| panicking_root("on another thread"));
            assert!(other.join().is_err());
        }
        Some("fatal") => panicking_root("ending main"),
        other => panic!("unknown scenario {other:?}"),
    }
}

#[root_span]
fn handled_root(card: u32) -> Result<u32, Declined> {
    Ok(handling_child(card))
}

#[child_span]
fn handling_child(card: u32) -> u32 {
    declining_leaf(card).unwrap_or(0)
}

#[root_span]
fn escaping_root(card: u32) -> Result<u32, Declined> {
    propagating_child(card)
}

#[child_span]
fn propagating_child(card: u32) -> Result<u32, Declined> {
    declining_leaf(card)
}

#[child_span]
fn declining_leaf(card: u32) -> Result<u32, Declined> {
    Err(Declined(card))
}

#[root_span]
fn panicking_root(why: &str) {
    panicking_child(why);
}

#[child_span]
fn panicking_child(why: &str) {
    panic!("kaboom {why}");
}

#[root_span]
fn after_panic() -> Result<(), Declined> {
    Ok(())
}
