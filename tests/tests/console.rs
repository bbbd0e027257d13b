//! The exporter chosen from the environment (README, Environment variables): no endpoint prints the
//! console tree, `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none` print and send nothing.

use std::time::Duration;

use traced_tests::{App, MAIN_RETURNING, Output, Receiver};

const DEADLINE: Duration = Duration::from_secs(30);

fn basic() -> App {
    App::new(env!("CARGO_BIN_EXE_e2e_app")).args(["basic"])
}

/// Stdout lines that belong to a tree (everything but the shutdown marker).
fn tree_lines(output: &Output) -> Vec<&str> {
    output
        .stdout
        .iter()
        .map(|l| l.text.as_str())
        .filter(|l| *l != MAIN_RETURNING)
        .collect()
}

fn has_tree(output: &Output) -> bool {
    tree_lines(output)
        .iter()
        .any(|l| l.starts_with("trace ") || l.contains("─ "))
}

/// Asserts the program ran to its end: the grandchild's log line and the marker are there.
fn assert_ran(output: &Output) {
    output.assert_success();
    assert_eq!(
        output.logs_where("scope", "grandchild").len(),
        1,
        "{}",
        output.dump()
    );
    assert!(
        output.stdout.iter().any(|l| l.text == MAIN_RETURNING),
        "{}",
        output.dump()
    );
}

#[test]
fn without_an_endpoint_the_trace_prints_as_a_tree_on_stdout() {
    let output = basic().run(DEADLINE);
    assert_ran(&output);
    let lines = tree_lines(&output);
    let start = lines
        .iter()
        .position(|l| l.starts_with("trace "))
        .unwrap_or_else(|| panic!("no trace line\n{}", output.dump()));
    let trace_id = &lines[start]["trace ".len()..];
    assert!(
        trace_id.len() == 32
            && trace_id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{}",
        lines[start]
    );
    let tree = &lines[start + 1..];
    assert!(tree.len() >= 3, "{}", output.dump());

    let (root, child, grandchild) = (tree[0], tree[1], tree[2]);
    assert!(root.starts_with("└─ e2e.request [server] "), "{root}");
    for attr in [
        "http.route=\"/orders\"",
        "order.count=42",
        "order.paid=true",
        "order.total=12.5",
        "order.big=\"18446744073709551615\"",
    ] {
        assert!(root.contains(attr), "{attr} missing in {root}");
    }
    assert!(child.starts_with("   └─ e2e.load [internal] "), "{child}");
    assert!(
        child.contains("db.table=\"orders\"") && child.contains("db.rows=7"),
        "{child}"
    );
    assert!(
        grandchild.starts_with("      └─ e2e.fetch [internal] "),
        "{grandchild}"
    );
    assert!(grandchild.contains("attempt=1"), "{grandchild}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("trace ")).count(),
        1,
        "{}",
        output.dump()
    );

    // The tree is the trace the log lines name.
    let root_log = output.logs_where("scope", "root");
    assert_eq!(root_log[0]["trace_id"], trace_id, "{}", output.dump());
}

#[test]
fn sdk_disabled_runs_and_exports_nothing() {
    let receiver = Receiver::start();
    let output = basic()
        .env("OTEL_SDK_DISABLED", "true")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    assert_ran(&output);
    assert!(!has_tree(&output), "{}", output.dump());
    // The process has exited, so anything it was going to send has been sent: no spans and
    // no log records either.
    assert_eq!(
        receiver.all_requests().len(),
        0,
        "{:#?}",
        receiver.all_requests()
    );
}

#[test]
fn exporter_none_prints_no_spans_and_sends_none() {
    let output = basic().env("OTEL_TRACES_EXPORTER", "none").run(DEADLINE);
    assert_ran(&output);
    assert!(!has_tree(&output), "{}", output.dump());

    let receiver = Receiver::start();
    let output = basic()
        .env("OTEL_TRACES_EXPORTER", "none")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    assert_ran(&output);
    assert!(!has_tree(&output), "{}", output.dump());
    assert_eq!(receiver.requests().len(), 0, "{:#?}", receiver.requests());
}

#[test]
fn exporter_console_wins_over_an_endpoint() {
    let receiver = Receiver::start();
    let output = basic()
        .env("OTEL_TRACES_EXPORTER", "console")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    assert_ran(&output);
    assert!(has_tree(&output), "{}", output.dump());
    assert_eq!(receiver.requests().len(), 0, "{:#?}", receiver.requests());
}
