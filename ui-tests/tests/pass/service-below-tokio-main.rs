//! Ours innermost: tokio has already made `main` a sync fn that blocks on the body.

#[tokio::main]
#[traced::traced_service]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let answer = tokio::spawn(async { 42 }).await?;
    if answer != 42 {
        return Err("wrong answer".into());
    }
    Ok(())
}
