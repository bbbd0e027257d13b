//! Tells the crate which compiler built it, for the OTLP sender's `User-Agent`
//! (`traced/0.1.0 (Rust 1.88.0)`): one `rustc --version`, run by Cargo again only when the
//! toolchain changes (the compiler's version is part of every build's fingerprint).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // `rustc 1.88.0 (6b00bc388 2025-06-23)`: the second word. Anything unexpected (a wrapper
    // printing something else, no compiler found) leaves the product comment at plain "Rust".
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.split_whitespace().nth(1).map(str::to_owned))
        .filter(|v| {
            !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b))
        });
    let product = match version {
        Some(version) => format!("Rust {version}"),
        None => "Rust".to_owned(),
    };
    println!("cargo:rustc-env=TRACED_RUST_PRODUCT={product}");
}
