//! `io::Result<()>` through an import.

use std::io;

#[traced::traced_service]
fn main() -> io::Result<()> {
    let dir = std::env::current_dir()?;
    let _ = dir;
    Ok(())
}
