//! LogRecord limits from the environment (README, Logs; OpenTelemetry SDK environment
//! variables, "LogRecord Limits"): `OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT` keeps the first
//! attributes and counts the others as dropped, `OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT`
//! cuts string values and the body; the spans' limits are left alone.

use std::time::Duration;

use traced_tests::{App, AttrValue, Receiver};

const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const DEADLINE: Duration = Duration::from_secs(60);
const ARRIVAL: Duration = Duration::from_secs(30);

#[test]
fn log_record_limits_from_the_environment_cut_values_and_cap_counts() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["nested"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "2")
        .env("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", "3")
        .run(DEADLINE);
    output.assert_success();
    let records = receiver.wait_for_logs(8, ARRIVAL);
    // The root's event: `scope`, `text`, `count`, `flag`, `ratio` and the message "handling".
    let root = records
        .iter()
        .find(|r| r.attr("scope") == Some(AttrValue::Str("roo".into())) && r.body() == "han")
        .unwrap_or_else(|| panic!("no cut record of the root's event: {records:#?}"));
    let keys: Vec<&str> = root
        .record
        .attributes
        .iter()
        .map(|kv| kv.key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["scope", "text"],
        "the first two, in order: {root:#?}"
    );
    assert_eq!(root.attr("text"), Some(AttrValue::Str("ord".into())), "cut");
    assert_eq!(root.record.dropped_attributes_count, 3, "{root:#?}");
    // The JSON lines keep everything: the limits are the records'.
    let line = output
        .logs_where("scope", "root")
        .pop()
        .unwrap_or_else(|| panic!("no root line\n{}", output.dump()));
    assert_eq!(line["message"], "handling");
    assert_eq!(line["ratio"], 0.25);
    // The spans' limits are their own.
    let spans = receiver.wait_for_spans(3, ARRIVAL);
    let query = spans
        .iter()
        .find(|s| s.name() == "library.query")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert_eq!(query.attr("db"), Some(AttrValue::Str("orders".into())));
}
