//! Collector faults (README, Guarantees), exit: with a collector that accepts and never answers, a
//! `multi_thread` runtime exits within `OTEL_BSP_EXPORT_TIMEOUT` plus one second of the
//! shutdown starting, whether the guard is dropped at the end of the async `main`, inside a
//! spawned task, or in `spawn_blocking`. (`tests/shutdown.rs` covers a sync `main` and a
//! `current_thread` runtime.) Each case runs once with a request timeout shorter than the
//! export timeout and once with the default (10 s), where only the export timeout can end it.

use std::time::Duration;

use traced_tests::fault::serial;
use traced_tests::{App, Receiver};

const FAULT_APP: &str = env!("CARGO_BIN_EXE_fault_app");
const DEADLINE: Duration = Duration::from_secs(60);
const EXPORT_TIMEOUT_MS: u64 = 2_000;
const EXIT_BOUND: Duration = Duration::from_millis(EXPORT_TIMEOUT_MS + 1_000);
/// Spawning the binary and creating its spans, generously.
const STARTUP_ALLOWANCE: Duration = Duration::from_secs(3);

fn assert_bounded_exit(place: &str) {
    let _serial = serial();
    for request_timeout in [Some("1000"), None] {
        let receiver = Receiver::hanging();
        // Three batches of 512: with a 1 s request timeout their requests, sent one after the
        // other, need 3 s, clearly past the 2 s export timeout (two batches ended right at it,
        // and whether the flush finished was a matter of milliseconds).
        let mut app = App::new(FAULT_APP)
            .args([place, "1500"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            .env("OTEL_BSP_EXPORT_TIMEOUT", EXPORT_TIMEOUT_MS.to_string());
        if let Some(timeout) = request_timeout {
            app = app.env("OTEL_EXPORTER_OTLP_TIMEOUT", timeout);
        }
        let output = app.run(DEADLINE);
        output.assert_success();
        eprintln!(
            "guard dropped in {place}, request timeout {request_timeout:?}: shutdown took {:?}, \
             run {:?}",
            output.shutdown(),
            output.total()
        );
        assert!(
            output.shutdown() <= EXIT_BOUND,
            "shutdown took {:?}, bound {EXIT_BOUND:?}, request timeout {request_timeout:?}\n{}",
            output.shutdown(),
            output.dump()
        );
        assert!(
            output.total() <= EXIT_BOUND + STARTUP_ALLOWANCE,
            "run took {:?}\n{}",
            output.total(),
            output.dump()
        );
        // The flush really did meet the hanging collector, and said so.
        let requests = receiver.requests();
        assert!(
            !requests.is_empty(),
            "no export attempted\n{}",
            output.dump()
        );
        assert!(requests.iter().all(|r| r.status.is_none()), "{requests:#?}");
        let timed_out = output
            .json_logs()
            .into_iter()
            .filter(|l| {
                l["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("did not finish within the export timeout"))
            })
            .count();
        assert_eq!(timed_out, 1, "{}", output.dump());
    }
}

#[test]
fn guard_dropped_at_the_end_of_an_async_main_on_a_multi_thread_runtime() {
    assert_bounded_exit("main");
}

#[test]
fn guard_dropped_inside_a_spawned_task() {
    assert_bounded_exit("task");
}

#[test]
fn guard_dropped_in_spawn_blocking() {
    assert_bounded_exit("blocking");
}
