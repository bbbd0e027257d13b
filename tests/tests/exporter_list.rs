//! Exporter lists (`OTEL_TRACES_EXPORTER=otlp,console`): every span goes to both, the
//! receiver and the console tree on stdout; with the collector refusing connections the tree
//! is still complete, and `Guard::exporter_stats` counts the OTLP losses apart from the
//! console's.

use std::collections::BTreeSet;
use std::time::Duration;

use traced_tests::export::{exporter, stats};
use traced_tests::{App, Output, Receiver, refused_endpoint};

const EXPORT_APP: &str = env!("CARGO_BIN_EXE_export_app");
const DEADLINE: Duration = Duration::from_secs(60);
/// Traces of a root and a child.
const TRACES: usize = 20;
const SPANS: u64 = 2 * TRACES as u64;

fn run(endpoint: &str, extra: &[(&str, &str)]) -> Output {
    let mut app = App::new(EXPORT_APP)
        .args(["tree", &TRACES.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_TRACES_EXPORTER", "otlp,console");
    for (key, value) in extra {
        app = app.env(key, value);
    }
    let output = app.run(DEADLINE);
    output.assert_success();
    output
}

/// Every (name, `i`) the app made.
fn expected() -> BTreeSet<(String, i64)> {
    (0..TRACES as i64)
        .flat_map(|i| [("tree.root".to_owned(), i), ("tree.child".to_owned(), i)])
        .collect()
}

/// The (name, `i`) of every span in the console trees, after checking their shape: a `trace`
/// line, the root, its child indented below it.
fn console_spans(output: &Output) -> BTreeSet<(String, i64)> {
    let lines: Vec<&str> = output.stdout.iter().map(|l| l.text.as_str()).collect();
    let mut spans = BTreeSet::new();
    let mut trees = 0;
    for (at, line) in lines.iter().enumerate() {
        if !line.starts_with("trace ") {
            continue;
        }
        trees += 1;
        let (root, child) = (lines.get(at + 1), lines.get(at + 2));
        let (Some(root), Some(child)) = (root, child) else {
            panic!("a tree cut short at line {at}\n{}", output.dump());
        };
        assert!(
            root.starts_with("└─ tree.root "),
            "{root}\n{}",
            output.dump()
        );
        assert!(child.starts_with("   └─ tree.child "), "{child}");
        for (name, line) in [("tree.root", root), ("tree.child", child)] {
            let i = line
                .split(' ')
                .find_map(|kv| kv.strip_prefix("i="))
                .and_then(|i| i.parse().ok())
                .unwrap_or_else(|| panic!("no i= in {line:?}"));
            spans.insert((name.to_owned(), i));
        }
    }
    assert_eq!(trees, TRACES, "one tree per trace\n{}", output.dump());
    spans
}

#[test]
fn every_span_reaches_both_the_receiver_and_the_console_tree() {
    let receiver = Receiver::start();
    let output = run(&receiver.endpoint(), &[]);
    let received: Vec<(String, i64)> = receiver
        .spans()
        .iter()
        .map(|s| {
            let i = s.attr("i").and_then(|v| v.as_i64()).unwrap_or(-1);
            (s.name().to_owned(), i)
        })
        .collect();
    assert_eq!(
        received.len() as u64,
        SPANS,
        "each span once\n{}",
        output.dump()
    );
    assert_eq!(received.into_iter().collect::<BTreeSet<_>>(), expected());
    assert_eq!(console_spans(&output), expected());
    assert_eq!(exporter(&output, "otlp"), (SPANS, 0), "{}", output.dump());
    assert_eq!(
        exporter(&output, "console"),
        (SPANS, 0),
        "{}",
        output.dump()
    );
    // The totals sum the exporters: each span was exported twice.
    assert_eq!(stats(&output), (2 * SPANS, 0, 0), "{}", output.dump());
}

#[test]
fn with_the_collector_refusing_connections_the_console_is_complete_and_the_losses_are_otlp_s() {
    // A 500 ms export timeout: a batch whose connection is refused is lost within it.
    let output = run(
        &refused_endpoint(),
        &[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "5000"),
        ],
    );
    assert_eq!(console_spans(&output), expected());
    assert_eq!(exporter(&output, "otlp"), (0, SPANS), "{}", output.dump());
    assert_eq!(
        exporter(&output, "console"),
        (SPANS, 0),
        "{}",
        output.dump()
    );
    assert_eq!(stats(&output), (SPANS, SPANS, 0), "{}", output.dump());
    let failed: Vec<_> = output
        .json_logs()
        .into_iter()
        .filter(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("span export failed"))
        })
        .collect();
    assert_eq!(failed.len(), 1, "one report\n{}", output.dump());
    assert_eq!(failed[0]["exporter"], "otlp", "{}", failed[0]);
}
