//! `Result<(), String>` with `?`: the body's error conversions are untouched.

fn parse(input: &str) -> Result<u16, String> {
    input.parse().map_err(|error| format!("bad port {input:?}: {error}"))
}

#[traced::traced_service]
fn main() -> Result<(), String> {
    let port = parse("8080")?;
    if port == 0 {
        return Err("port 0".to_owned());
    }
    Ok(())
}
