//! Compile-time tests of the `traced` macros. There is no library here: `tests/ui.rs` runs the
//! cases in `tests/fail` (each misuse with its expected `.stderr`) and `tests/pass` (programs that
//! must build and run) through trybuild. trybuild checks those with rustc only, so
//! `tests/lints.rs` expands every shape of traced fn once more where `cargo clippy --all-targets`
//! lints the generated code.
