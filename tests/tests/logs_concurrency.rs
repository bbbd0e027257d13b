//! Log records' ids across threads and awaits (README, Guarantees, "Log records"): records
//! logged on four threads at once each arrive once, in their thread's span; records logged
//! across awaits on a multi-thread runtime, and in a task spawned with `traced::spawn`, carry
//! the ids of their span, as their JSON lines do.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use traced_tests::{App, AttrValue, Receiver};

const LOGS_APP: &str = env!("CARGO_BIN_EXE_logs_app");
const DEADLINE: Duration = Duration::from_secs(60);
const ARRIVAL: Duration = Duration::from_secs(30);

#[test]
fn records_logged_on_four_threads_at_once_each_arrive_once_with_their_threads_span() {
    const THREADS: i64 = 4;
    const EVENTS: i64 = 500;
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["threads", &THREADS.to_string(), &EVENTS.to_string()])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        // Room for every record: this is about their ids, not about a full queue.
        .env("OTEL_BLRP_MAX_QUEUE_SIZE", "8192")
        .env("TRACED_LOG_FORMAT", "none")
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(THREADS as usize, ARRIVAL);
    let span_of: BTreeMap<i64, (String, String)> = spans
        .iter()
        .filter_map(|s| {
            let thread = s.attr("thread")?.as_i64()?;
            Some((thread, (s.trace_id(), s.span_id())))
        })
        .collect();
    assert_eq!(span_of.len(), THREADS as usize, "{spans:#?}");
    let records = receiver.wait_for_logs((THREADS * EVENTS) as usize, ARRIVAL);
    let mut seen = BTreeSet::new();
    for record in &records {
        let field = |name: &str| record.attr(name).and_then(|v| v.as_i64());
        let (Some(thread), Some(i)) = (field("thread"), field("i")) else {
            panic!("{record:#?}");
        };
        assert!(seen.insert((thread, i)), "({thread}, {i}) twice");
        assert_eq!(
            Some(&(record.trace_id(), record.span_id())),
            span_of.get(&thread),
            "record ({thread}, {i}) is not in its thread's span"
        );
    }
    assert_eq!(seen.len() as i64, THREADS * EVENTS, "{}", output.dump());
}

#[test]
fn records_logged_across_awaits_on_a_multi_thread_runtime_carry_their_spans_ids() {
    let receiver = Receiver::start();
    let output = App::new(LOGS_APP)
        .args(["async"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .run(DEADLINE);
    output.assert_success();
    let spans = receiver.wait_for_spans(2, ARRIVAL);
    let records = receiver.wait_for_logs(5, ARRIVAL);
    assert_eq!(records.len(), 5, "{records:#?}\n{}", output.dump());
    let ids_of = |name: &str| {
        let span = spans
            .iter()
            .find(|s| s.name() == name)
            .unwrap_or_else(|| panic!("no span {name}: {spans:#?}"));
        (span.trace_id(), span.span_id())
    };
    for (scope, span) in [
        ("async.root", "async_order"),
        ("async.root.after", "async_order"),
        ("async.child", "async_load"),
        ("async.spawned", "async_load"),
        ("async.child.after", "async_load"),
    ] {
        let record = records
            .iter()
            .find(|r| r.attr("scope") == Some(AttrValue::Str(scope.into())))
            .unwrap_or_else(|| panic!("no record {scope}: {records:#?}"));
        assert_eq!(
            (record.trace_id(), record.span_id()),
            ids_of(span),
            "{scope} is not in {span}: {record:#?}"
        );
        let line = &output.logs_where("scope", scope)[0];
        assert_eq!(
            line["span_id"].as_str(),
            Some(record.span_id().as_str()),
            "{line}"
        );
    }
}
