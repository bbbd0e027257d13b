//! Compile-time behaviour of the macros: every misuse is one `tests/fail` case with the exact
//! message it gets, and every supported shape is one `tests/pass` program that builds and runs.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p traced-ui-tests`, then
//! read each one.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/fail/*.rs");
    cases.pass("tests/pass/*.rs");
}
