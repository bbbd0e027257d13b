//! `main` returning `Err` (README, Quick start): the process fails, and the error is
//! logged once at error level with its `Display` before shutdown.

use std::time::Duration;

use traced_tests::{App, MAIN_RETURNING};

#[test]
fn main_returning_err_exits_non_zero_with_one_error_line() {
    let output = App::new(env!("CARGO_BIN_EXE_e2e_app"))
        .args(["error"])
        .run(Duration::from_secs(30));
    assert!(!output.status.success(), "{}", output.dump());
    assert!(
        output.stdout.iter().any(|l| l.text == MAIN_RETURNING),
        "{}",
        output.dump()
    );

    // Besides the JSON lines, std prints the returned error itself (`Error: {:?}`) to stderr.
    let (json, other): (Vec<_>, Vec<_>) =
        output.stderr.iter().partition(|l| l.text.starts_with('{'));
    assert!(
        other.iter().all(|l| l.text.starts_with("Error: ")),
        "unexpected non-JSON stderr lines\n{}",
        output.dump()
    );
    let errors: Vec<serde_json::Value> = json
        .iter()
        .map(|l| serde_json::from_str(&l.text).unwrap_or_else(|e| panic!("{e}: {}", l.text)))
        .filter(|v: &serde_json::Value| v["level"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "error lines\n{}", output.dump());
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("e2e failure: disk on fire"),
        "{}",
        errors[0]
    );
    assert_eq!(errors[0]["service"], "e2e-app");
}
