//! Spans inside a `#[traced_service]` program, so that attributes, outcomes and carriers are
//! evaluated for real (the console exporter prints them to stdout, which trybuild ignores).

use traced::{child_span, root_span};

#[derive(Debug)]
struct Opaque(u8);

#[root_span(kind = server, fields(opaque = ?opaque, shown = %id, "a.b" = id * 2))]
fn handle(id: u32, name: &str, token: &str, opaque: &Opaque) -> Result<u32, String> {
    let _ = (token, opaque);
    let n = child(id, name)?;
    Ok(n)
}

#[child_span]
fn child(id: u32, name: &str) -> Result<u32, String> {
    if name.is_empty() {
        return Err(format!("order {id} has no name"));
    }
    Ok(id)
}

#[root_span(parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
async fn continued(n: Option<u64>) -> Option<u64> {
    tokio::task::yield_now().await;
    n
}

#[traced::traced_service]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(handle(1, "x", "secret", &Opaque(1)), Ok(1));
    assert!(handle(2, "", "secret", &Opaque(2)).is_err());
    assert_eq!(continued(Some(3)).await, Some(3));
    let caught = std::panic::catch_unwind(|| panics(0));
    assert!(caught.is_err());
}

#[child_span]
fn panics(n: u8) -> u8 {
    if n == 0 {
        panic!("n is zero");
    }
    n
}
