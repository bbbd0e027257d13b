//! Span fields on lines and records (`TRACED_LOG_SPAN_FIELDS`) and the X-Ray field
//! (`TRACED_LOG_XRAY`), with real engine spans: the lines parsed back with serde_json, the
//! records written by the OTLP writer and decoded with `opentelemetry-proto`.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::logs::v1::LogRecord as ProtoLogRecord;

use super::*;
use crate::config::{Limits, Sampler};
use crate::engine::clock::Anchor;
use crate::engine::log_queue::LogQueue;
use crate::engine::pipeline::{self, Pipeline};

/// The events' target: the application's, since traced's own events (target `traced…`) never
/// become log records.
const TARGET: &str = "checkout::orders";

/// What a run logged: its lines, and the records its pipeline's logs queue received, decoded.
struct Logged {
    captured: Capture,
    records: Vec<ProtoLogRecord>,
}

impl Logged {
    fn only_line(&self) -> Map<String, Value> {
        self.captured.only_line()
    }

    fn only_record(&self) -> &ProtoLogRecord {
        assert_eq!(self.records.len(), 1, "{:?}", self.records);
        &self.records[0]
    }
}

/// Runs `f` with spans of a pipeline sampled by `sampler` whose log records are exported (with
/// `log_limits`), and the layer `configure` makes, as this thread's subscriber.
fn run(
    sampler: Sampler,
    log_limits: Limits,
    format: LogFormat,
    configure: impl FnOnce(EventLayer<Capture>) -> EventLayer<Capture>,
    f: impl FnOnce(),
) -> Logged {
    // Nothing else (a capture, another such test) swaps the global pipeline meanwhile.
    let _exclusive = pipeline::exclusive();
    let ours = Pipeline::new(sampler, Limits::default(), false, 64, 64)
        .with_logs(LogQueue::new(64, 64, log_limits));
    let (ours, previous) = pipeline::replace(ours);
    let captured = Capture::default();
    let layer = configure(EventLayer::new(format, "checkout", captured.clone(), false));
    let subscriber = tracing_subscriber::registry()
        .with(filter("info").0)
        .with(layer);
    tracing::subscriber::with_default(subscriber, f);
    pipeline::restore(ours, previous);
    let anchor = Anchor::now();
    let logs = ours.logs().expect("a logs queue");
    let records = std::iter::from_fn(|| logs.pop())
        .map(|record| crate::otlp::test_support::logged(&record, &anchor))
        .collect();
    Logged { captured, records }
}

fn on(layer: EventLayer<Capture>) -> EventLayer<Capture> {
    layer.with_span_fields(true)
}

fn sampled(f: impl FnOnce()) -> Logged {
    run(Sampler::AlwaysOn, Limits::default(), LogFormat::Json, on, f)
}

/// A record's attributes as `key=value` text, in order.
fn attrs(record: &ProtoLogRecord) -> Vec<String> {
    record
        .attributes
        .iter()
        .map(|kv| {
            let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Any::StringValue(s)) => format!("{s:?}"),
                Some(Any::IntValue(i)) => i.to_string(),
                Some(Any::BoolValue(b)) => b.to_string(),
                Some(Any::DoubleValue(f)) => f.to_string(),
                other => format!("{other:?}"),
            };
            format!("{}={value}", kv.key)
        })
        .collect()
}

fn two_nested_spans() {
    let _handler = crate::Span::root("handler")
        .attr("order_id", 42_i64)
        .attr("region", "eu-west-1")
        .attr("stage", "outer")
        .enter();
    let _step = crate::Span::child("charge")
        .attr("stage", "inner")
        .attr("amount", 12.5)
        .attr("retry", false)
        .enter();
    tracing::info!(target: TARGET, attempt = 1_i64, "charging");
}

#[test]
fn two_nested_spans_give_lines_both_spans_fields_the_nearest_winning() {
    let logged = sampled(two_nested_spans);
    let line = logged.only_line();
    assert_eq!(line["message"], "charging");
    assert_eq!(line["attempt"], 1);
    assert_eq!(line["order_id"], 42);
    assert_eq!(line["region"], "eu-west-1");
    assert_eq!(line["stage"], "inner", "the nearest span wins");
    assert_eq!(line["amount"], 12.5);
    assert_eq!(line["retry"], false);
    let text = logged.captured.text();
    assert_eq!(text.matches("\"stage\":").count(), 1, "{text}");
    // The event's fields, then the span fields nearest first, then the ids.
    let positions = key_order(
        &text,
        &[
            "message", "attempt", "stage", "amount", "retry", "order_id", "region", "trace_id",
        ],
    );
    assert!(positions.is_sorted(), "{text}");
}

#[test]
fn two_nested_spans_give_records_both_spans_fields_the_nearest_winning() {
    let logged = sampled(two_nested_spans);
    let record = logged.only_record();
    assert_eq!(
        attrs(record),
        [
            "attempt=1",
            "stage=\"inner\"",
            "amount=12.5",
            "retry=false",
            "order_id=42",
            "region=\"eu-west-1\"",
        ]
    );
    let line = logged.only_line();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(line["trace_id"], hex(&record.trace_id));
    assert_eq!(line["span_id"], hex(&record.span_id));
}

fn colliding() {
    let _span = crate::Span::root("handler")
        .attr("message", "from the span")
        .attr("level", "DEBUG")
        .attr("trace_id", "forged")
        .attr("span_id", "forged")
        .attr("service", "other")
        .attr("target", "other")
        .attr("timestamp", "yesterday")
        .attr("exception", "none")
        .attr("AWS-XRAY-TRACE-ID", "forged")
        .attr("field.level", "forged")
        .attr("user", "from the span")
        .attr("tenant", "acme")
        .enter();
    tracing::info!(target: TARGET, user = "from the event", "hello");
}

#[test]
fn the_event_wins_and_the_line_s_own_keys_are_never_written_by_a_span() {
    let logged = run(
        Sampler::AlwaysOn,
        Limits::default(),
        LogFormat::Json,
        |layer| layer.with_span_fields(true).with_xray(true),
        colliding,
    );
    let text = logged.captured.text();
    let line = logged.only_line();
    assert_eq!(line["message"], "hello");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["service"], "checkout");
    assert_eq!(line["target"], TARGET);
    assert_eq!(line["user"], "from the event");
    assert_eq!(line["tenant"], "acme");
    assert_ne!(line["trace_id"], "forged");
    assert_ne!(line["span_id"], "forged");
    assert!(
        line["AWS-XRAY-TRACE-ID"]
            .as_str()
            .unwrap()
            .starts_with("1-")
    );
    assert!(!line.contains_key("exception") && !line.contains_key("field.level"));
    // No key twice (a JSON reader keeps the last of duplicates), no span value anywhere.
    for key in [
        "message",
        "level",
        "trace_id",
        "span_id",
        "service",
        "target",
        "timestamp",
        "user",
        "AWS-XRAY-TRACE-ID",
    ] {
        assert_eq!(
            text.matches(&format!("\"{key}\":")).count(),
            1,
            "{key}: {text}"
        );
    }
    assert!(
        !text.contains("forged") && !text.contains("from the span"),
        "{text}"
    );

    let record = logged.only_record();
    assert_eq!(
        attrs(record),
        ["user=\"from the event\"", "tenant=\"acme\""]
    );
}

#[test]
fn code_attributes_are_not_copied() {
    let logged = sampled(|| {
        let _span = crate::Span::root("handler")
            .attr("code.function.name", "checkout::handler")
            .attr("code.line.number", 7_i64)
            .attr("order_id", 1_i64)
            .enter();
        tracing::info!(target: TARGET, "in the handler");
    });
    let line = logged.only_line();
    assert!(!line.keys().any(|key| key.starts_with("code.")), "{line:?}");
    assert_eq!(line["order_id"], 1);
    assert_eq!(attrs(logged.only_record()), ["order_id=1"]);
}

#[test]
fn an_unsampled_trace_shows_no_span_fields() {
    let logged = run(
        Sampler::AlwaysOff,
        Limits::default(),
        LogFormat::Json,
        on,
        || {
            let _span = crate::Span::root("handler").attr("order_id", 7_i64).enter();
            tracing::info!(target: TARGET, n = 1_i64, "unsampled");
        },
    );
    let line = logged.only_line();
    assert!(line.contains_key("trace_id"), "the ids are there: {line:?}");
    assert!(!line.contains_key("order_id"), "{line:?}");
    let record = logged.only_record();
    assert_eq!(record.flags & 1, 0);
    assert_eq!(attrs(record), ["n=1"]);
}

#[test]
fn a_root_span_inside_another_trace_shows_only_its_own_trace_s_fields() {
    let logged = sampled(|| {
        let _outer = crate::Span::root("batch").attr("batch_id", 9_i64).enter();
        let _inner = crate::Span::root("message")
            .attr("message_id", 3_i64)
            .enter();
        tracing::info!(target: TARGET, "handled");
    });
    let line = logged.only_line();
    assert_eq!(line["message_id"], 3);
    assert!(!line.contains_key("batch_id"), "{line:?}");
    assert_eq!(attrs(logged.only_record()), ["message_id=3"]);
}

#[test]
fn span_fields_are_off_by_default() {
    let logged = run(
        Sampler::AlwaysOn,
        Limits::default(),
        LogFormat::Json,
        |layer| layer,
        || {
            let _span = crate::Span::root("handler").attr("order_id", 7_i64).enter();
            tracing::info!(target: TARGET, "default");
        },
    );
    let line = logged.only_line();
    assert!(line.contains_key("span_id"));
    assert!(
        !line.contains_key("order_id") && !line.contains_key("AWS-XRAY-TRACE-ID"),
        "{line:?}"
    );
    assert!(attrs(logged.only_record()).is_empty());
}

#[test]
fn records_keep_their_limits() {
    let limits = Limits {
        attribute_value_length: 4,
        attribute_count: 2,
    };
    let logged = run(Sampler::AlwaysOn, limits, LogFormat::Json, on, || {
        let _span = crate::Span::root("handler")
            .attr("region", "eu-west-1")
            .attr("order_id", 42_i64)
            .attr("tenant", "acme")
            .enter();
        tracing::info!(target: TARGET, n = 1_i64, "limited");
    });
    let record = logged.only_record();
    // Nearest first within a span means in the span's own order.
    assert_eq!(attrs(record), ["n=1", "region=\"eu-w\""]);
    assert_eq!(record.dropped_attributes_count, 2);
    // The line has no such limits.
    assert_eq!(logged.only_line()["region"], "eu-west-1");
}

#[test]
fn pretty_lines_carry_the_span_fields_too() {
    let logged = run(
        Sampler::AlwaysOn,
        Limits::default(),
        LogFormat::Pretty,
        on,
        two_nested_spans,
    );
    let text = logged.captured.text();
    assert!(
        text.contains(
            " charging attempt=1 stage=\"inner\" amount=12.5 retry=false order_id=42 \
             region=\"eu-west-1\" trace_id="
        ),
        "{text}"
    );
}

#[test]
fn the_xray_field_has_x_ray_s_exact_form_inside_a_span() {
    let line = capture_with(pinned_ids, |layer| layer.with_xray(true));
    assert_eq!(
        line["AWS-XRAY-TRACE-ID"],
        "1-0af76519-16cd43dd8448eb211c80319c@00f067aa0ba902b7"
    );
    assert_eq!(line["trace_id"], "0af7651916cd43dd8448eb211c80319c");
}

#[test]
fn the_xray_field_is_absent_outside_a_span_and_by_default() {
    let line = capture_with(no_ids, |layer| layer.with_xray(true));
    assert!(!line.contains_key("AWS-XRAY-TRACE-ID"), "{line:?}");
    let line = capture_with(pinned_ids, |layer| layer);
    assert!(!line.contains_key("AWS-XRAY-TRACE-ID"), "{line:?}");
}

/// One JSON line logged with pinned ids (no engine) through the layer `configure` makes.
fn capture_with(
    ids: fn() -> Option<(u128, u64)>,
    configure: impl FnOnce(EventLayer<Capture>) -> EventLayer<Capture>,
) -> Map<String, Value> {
    let captured = Capture::default();
    let layer = configure(EventLayer::new(
        LogFormat::Json,
        "checkout",
        captured.clone(),
        false,
    ))
    .with_ids(ids);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || tracing::info!("x-ray"));
    captured.only_line()
}

#[test]
fn the_stderr_layer_follows_the_settings() {
    let settings = |pairs: &[(&str, &str)]| {
        let lookup = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        crate::Config::new()
            .resolve(
                &lookup,
                &crate::resource::Machine::empty(),
                crate::config::ServiceDefaults::default(),
            )
            .settings
    };
    let layer = format!("{:?}", stderr_layer(&settings(&[])));
    assert!(
        layer.contains("span_fields: false") && layer.contains("xray: false"),
        "{layer}"
    );
    let on = [
        ("TRACED_LOG_SPAN_FIELDS", "true"),
        ("TRACED_LOG_XRAY", "true"),
    ];
    let layer = format!("{:?}", stderr_layer(&settings(&on)));
    assert!(
        layer.contains("span_fields: true") && layer.contains("xray: true"),
        "{layer}"
    );
}
