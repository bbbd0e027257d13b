//! Running the tests of one file one at a time, and reading what `fault_app` prints.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::{App, Output, Receiver};

/// How long a `fault_app` run may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `fault_app spans <spans>` (at `fault_app`, the test's `env!("CARGO_BIN_EXE_fault_app")`)
/// against `receiver` and returns its output.
///
/// # Panics
/// When the program fails or outlives its deadline, with everything it printed.
pub fn run_spans(fault_app: &str, receiver: &Receiver, spans: usize) -> Output {
    run(spans_app(fault_app, receiver, spans))
}

/// `fault_app spans <spans>` against `receiver`, for a test to add its own settings to.
pub fn spans_app(fault_app: &str, receiver: &Receiver, spans: usize) -> App {
    App::new(fault_app)
        .args(["spans", &spans.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
}

/// Runs `app` to completion and returns its output.
///
/// # Panics
/// When the program fails or outlives its deadline, with everything it printed.
pub fn run(app: App) -> Output {
    let output = app.run(DEADLINE);
    output.assert_success();
    output
}

/// Held by every test of a file that measures the program under test: on a 2-core machine two
/// such tests in parallel would measure each other. (Each test file is its own process, so
/// this serialises the tests of one file.)
pub fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The `name=value` field of `fault_app`'s `fault: <prefix> …` stdout line.
///
/// # Panics
/// When the line or the field is missing, with everything the process printed.
pub fn field(output: &Output, prefix: &str, name: &str) -> u64 {
    let line = output
        .stdout
        .iter()
        .find_map(|l| l.text.strip_prefix(&format!("fault: {prefix} ")))
        .unwrap_or_else(|| panic!("no {prefix} line\n{}", output.dump()));
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line:?}"))
}

/// `fault_app`'s `fault: stats …` line: (exported, failed, dropped).
pub fn stats(output: &Output) -> (u64, u64, u64) {
    (
        field(output, "stats", "exported"),
        field(output, "stats", "failed"),
        field(output, "stats", "dropped"),
    )
}
