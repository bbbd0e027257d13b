//! Log injection (README, Guarantees, "Hostile input"; CWE-117, RUSTSEC-2025-0055): a log
//! message and field holding a newline, a forged JSON line and ANSI/OSC escape sequences, in a
//! `#[traced_service]` child process exporting to a real receiver, yields exactly one JSON line
//! on stderr for that event, with the trace id of its span and no raw control byte.

use std::time::Duration;

use traced_tests::{App, Receiver};

const DEADLINE: Duration = Duration::from_secs(30);
const ARRIVAL: Duration = Duration::from_secs(5);

/// What `hostile_app inject` logs, as message and as the field `field`.
const INJECTED: &str = "hostile start\n{\"level\":\"ERROR\",\"message\":\"forged\"}\r\n\x1b[31mred\x1b[0m\x1b]0;title\x07 end";

#[test]
fn a_message_with_newlines_a_forged_json_line_and_ansi_escapes_is_one_json_line() {
    let receiver = Receiver::start();
    let output = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["inject"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();
    let span = receiver.wait_for_span_named("inject", ARRIVAL, &output);

    // No control byte reaches the terminal or the log shipper: only tab-free printable text.
    for line in &output.stderr {
        assert!(
            !line.text.bytes().any(|b| b < 0x20 || b == 0x7f),
            "a raw control byte on stderr: {:?}",
            line.text
        );
    }
    // Every stderr line is one JSON object (json_logs fails on anything else): the forged line
    // never became a line of its own.
    let logs = output.json_logs();
    let forged: Vec<_> = logs.iter().filter(|l| l["message"] == "forged").collect();
    assert!(forged.is_empty(), "{forged:?}\n{}", output.dump());
    let mentions: Vec<_> = output
        .stderr
        .iter()
        .filter(|l| l.text.contains("hostile start") || l.text.contains("forged"))
        .collect();
    assert_eq!(mentions.len(), 1, "{}", output.dump());

    let events: Vec<_> = logs
        .iter()
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("hostile start"))
        })
        .collect();
    let [event] = events[..] else {
        panic!("one line for the event expected\n{}", output.dump());
    };
    assert_eq!(event["level"], "INFO", "{event}");
    assert_eq!(event["trace_id"].as_str(), Some(span.trace_id().as_str()));
    assert_eq!(event["span_id"].as_str(), Some(span.span_id().as_str()));
    // The hostile text is kept as data, escaped losslessly: the forged JSON is inside the
    // message, not a line of its own.
    assert_eq!(event["message"].as_str(), Some(INJECTED), "{event}");
    assert_eq!(event["field"].as_str(), Some(INJECTED), "{event}");
}
