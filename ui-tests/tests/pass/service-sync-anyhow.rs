//! `anyhow::Result<()>`: a `Result` under another name is still a `Result`.

use anyhow::Context as _;

#[traced::traced_service]
fn main() -> anyhow::Result<()> {
    let port: u16 = "8080".parse().context("parsing the port")?;
    anyhow::ensure!(port != 0, "port 0");
    Ok(())
}
