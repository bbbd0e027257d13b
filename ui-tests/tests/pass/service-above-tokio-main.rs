//! Ours outermost: it sees `#[tokio::main] async fn main` and keeps it async.

#[traced::traced_service]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let answer = tokio::spawn(async { 42 }).await?;
    anyhow::ensure!(answer == 42);
    Ok(())
}
