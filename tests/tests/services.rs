//! The example services as separate processes (README, Examples):
//! the `caller` and `server` binaries of `traced-examples` exporting to one real OTLP/HTTP
//! receiver, driven over HTTP by a plain reqwest client as the outside world would; the
//! client's propagation allow-list against a stub that records headers; and `demo`'s tree.
//!
//! How the binaries are found: `env!("CARGO_BIN_EXE_…")` only works for the package under
//! test, and a package cannot depend on another's binaries, so `traced_tests::examples::bin`
//! runs `$CARGO build -p traced-examples --bins` once per test process (cargo decides what is
//! stale, in this test's profile) and takes each path from cargo's artifact messages; see
//! `tests/src/examples.rs`.
//!
//! Servers bind port 0 and log the address they got (`listening`, field `addr`), stop on
//! SIGTERM and flush on the way out; every wait is bounded, nothing is timed.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use traced_tests::peer::{self, Stub};
use traced_tests::traces::{self, in_trace, only, parent_is_remote, trace_ids};
use traced_tests::{App, AttrValue, Output, ReceivedSpan, Receiver, Running, examples};

/// How long a server may take to log `listening` (the first call may build the examples).
const STARTUP: Duration = Duration::from_secs(120);
/// How long spans may take to arrive, and a process to exit once told to.
const SETTLE: Duration = Duration::from_secs(20);

/// A valid context from outside, as a test's own span would send it.
const OUTSIDE_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const OUTSIDE_SPAN: &str = "b7ad6b7169203331";

/// An example service exporting to `receiver` every 100 ms, on an ephemeral port.
fn service(name: &str, receiver: &Receiver) -> App {
    App::new(examples::bin(name))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("PORT", "0")
}

/// Starts `app` and waits for its `listening` line.
fn start(app: App) -> (Running, SocketAddr) {
    let running = app.spawn();
    let addr = running.listening_addr(STARTUP);
    (running, addr)
}

/// SIGTERM, then the exit: status 0 and nothing but JSON lines on stderr.
fn stop(running: Running) -> Output {
    let output = running.stop(SETTLE);
    output.assert_success();
    let logs = output.json_logs();
    assert!(
        logs.iter().any(|l| l["message"] == "shutting down"),
        "no `shutting down` line\n{}",
        output.dump()
    );
    output
}

fn dispatch(caller: SocketAddr, command: &str, headers: &[(&str, &str)]) -> serde_json::Value {
    let body = serde_json::json!({ "command": command }).to_string();
    let url = format!("http://{caller}/dispatch");
    let response = peer::send("POST", &url, headers, Some(&body));
    assert_eq!(response.status, 200, "{response:?}");
    response.json()
}

/// The ends of one request's chain through caller and server.
struct Chain<'a> {
    /// The caller's server span.
    dispatch: &'a ReceivedSpan,
    /// The child span inside the server's `/command`.
    execute: &'a ReceivedSpan,
}

/// Finds the trace of the `execute` span that ran `command` and checks it is exactly the
/// examples' chain: caller server span → caller client span → server server span (remote
/// parent) → `execute`, each in the right service.
fn chain<'a>(spans: &'a [ReceivedSpan], command: &str, downstream: &str) -> Chain<'a> {
    let execute = traces::only_where(spans, &format!("execute({command})"), |s| {
        s.name() == "execute" && s.attr("command") == Some(AttrValue::Str(command.to_owned()))
    });
    let trace = in_trace(spans, &execute.trace_id());
    let table = traces::table(trace.iter().copied());
    assert_eq!(trace.len(), 4, "the trace of {command:?}:\n{table}");
    let dispatch = only(trace.iter().copied(), "POST /dispatch", SpanKind::Server);
    let client = only(trace.iter().copied(), "POST", SpanKind::Client);
    let server = only(trace.iter().copied(), "POST /command", SpanKind::Server);
    assert_eq!(execute.kind(), SpanKind::Internal, "{table}");

    for (span, service) in [
        (dispatch, "dispatch-service"),
        (client, "dispatch-service"),
        (server, "command-service"),
        (execute, "command-service"),
    ] {
        assert_eq!(
            span.service_name(),
            Some(service),
            "{}\n{table}",
            span.name()
        );
    }
    assert_eq!(client.parent_span_id(), dispatch.span_id(), "{table}");
    assert!(!parent_is_remote(client), "{table}");
    assert_eq!(server.parent_span_id(), client.span_id(), "{table}");
    assert!(
        parent_is_remote(server),
        "the server's parent is in the caller\n{table}"
    );
    assert_eq!(execute.parent_span_id(), server.span_id(), "{table}");
    assert!(!parent_is_remote(execute), "{table}");

    let str_attr = |v: &str| Some(AttrValue::Str(v.to_owned()));
    assert_eq!(dispatch.attr("http.route"), str_attr("/dispatch"));
    assert_eq!(server.attr("http.route"), str_attr("/command"));
    assert_eq!(client.attr("url.full"), str_attr(downstream));
    for span in [dispatch, client, server] {
        assert_eq!(
            span.attr("http.response.status_code"),
            Some(AttrValue::Int(200))
        );
    }
    Chain { dispatch, execute }
}

/// The one log line with this `message` whose field `command` is `command`.
fn log_line(output: &Output, message: &str, command: &str) -> serde_json::Value {
    let lines: Vec<_> = output
        .json_logs()
        .into_iter()
        .filter(|l| l["message"] == message && l["command"] == command)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{message:?} for {command:?}\n{}",
        output.dump()
    );
    lines.into_iter().next().unwrap_or_default()
}

#[test]
fn caller_and_server_processes_make_the_seed_trace_and_continue_or_restart_outside_context() {
    let receiver = Receiver::start();
    let (server, server_addr) = start(service("server", &receiver));
    let downstream = format!("http://{server_addr}/command");
    let (caller, caller_addr) =
        start(service("caller", &receiver).env("DOWNSTREAM_URL", &downstream));

    // Health checks are answered and make no span (counted below: every span is accounted for).
    for addr in [caller_addr, server_addr] {
        let health = peer::send("GET", &format!("http://{addr}/health"), &[], None);
        assert_eq!((health.status, health.body.as_str()), (200, "ok"));
    }

    let plain = dispatch(caller_addr, "ship-plain", &[]);
    let uppercase = format!(
        "00-{}-{}-01",
        OUTSIDE_TRACE.to_uppercase(),
        OUTSIDE_SPAN.to_uppercase()
    );
    let malformed = dispatch(
        caller_addr,
        "ship-uppercase",
        &[("traceparent", &uppercase)],
    );
    let zero_trace = format!("00-{}-{OUTSIDE_SPAN}-01", "0".repeat(32));
    let zero = dispatch(
        caller_addr,
        "ship-zero-trace",
        &[("traceparent", &zero_trace)],
    );
    let valid = format!("00-{OUTSIDE_TRACE}-{OUTSIDE_SPAN}-01");
    let continued = dispatch(caller_addr, "ship-continued", &[("traceparent", &valid)]);

    // Exported while the services run (100 ms batches), not only at shutdown.
    let early = receiver.wait_for_spans(16, SETTLE);
    assert!(early.len() >= 16, "{}", traces::table(&early));
    let caller = stop(caller);
    let server = stop(server);
    let spans = receiver.spans();
    assert_eq!(
        spans.len(),
        16,
        "four requests, four spans each; /health none\n{}",
        traces::table(&spans)
    );
    assert_eq!(trace_ids(&spans).len(), 4, "{}", traces::table(&spans));
    assert!(
        spans
            .iter()
            .all(|s| s.attr("url.path") != Some(AttrValue::Str("/health".into()))),
        "{}",
        traces::table(&spans)
    );

    // No context from outside: the caller's server span is the root of a new trace.
    let chains = [
        ("ship-plain", &plain),
        ("ship-uppercase", &malformed),
        ("ship-zero-trace", &zero),
    ];
    let mut fresh = BTreeSet::new();
    for (command, answer) in chains {
        let c = chain(&spans, command, &downstream);
        assert_eq!(c.dispatch.parent_span_id(), "", "{command}: a root");
        assert!(!parent_is_remote(c.dispatch), "{command}");
        assert_ne!(
            c.dispatch.trace_id(),
            OUTSIDE_TRACE,
            "{command}: not the outside trace"
        );
        assert_eq!(
            answer["trace_id"],
            c.dispatch.trace_id(),
            "{command}: the server's trace"
        );
        fresh.insert(c.dispatch.trace_id());
    }
    assert_eq!(fresh.len(), 3, "each request its own trace");

    // A valid context from outside is continued.
    let c = chain(&spans, "ship-continued", &downstream);
    assert_eq!(c.dispatch.trace_id(), OUTSIDE_TRACE);
    assert_eq!(c.dispatch.parent_span_id(), OUTSIDE_SPAN);
    assert!(parent_is_remote(c.dispatch));
    assert_eq!(continued["trace_id"], OUTSIDE_TRACE);

    // Logs written while a request ran carry its ids; startup logs carry none.
    for command in [
        "ship-plain",
        "ship-uppercase",
        "ship-zero-trace",
        "ship-continued",
    ] {
        let c = chain(&spans, command, &downstream);
        let line = log_line(&caller, "dispatching", command);
        assert_eq!(line["trace_id"], c.dispatch.trace_id(), "{line}");
        assert_eq!(line["span_id"], c.dispatch.span_id(), "{line}");
        assert_eq!(line["service"], "dispatch-service", "{line}");
        let line = log_line(&server, "command executed", command);
        assert_eq!(line["trace_id"], c.execute.trace_id(), "{line}");
        assert_eq!(line["span_id"], c.execute.span_id(), "{line}");
        assert_eq!(line["service"], "command-service", "{line}");
    }
    for output in [&caller, &server] {
        let listening = output.logs_where("message", "listening");
        assert_eq!(listening.len(), 1, "{}", output.dump());
        assert!(listening[0].get("trace_id").is_none(), "{}", listening[0]);
    }
}

/// Headers the client must only send to allowed hosts.
const CONTEXT_HEADERS: [&str; 3] = ["traceparent", "tracestate", "baggage"];

/// Runs `caller` against a header-recording stub with `TRACED_PROPAGATION_TARGETS` set to
/// `targets`, sends one `/dispatch` carrying a full context, and returns what the stub got
/// and the spans.
fn dispatch_to_stub(targets: &str) -> (peer::Received, Vec<ReceivedSpan>) {
    let receiver = Receiver::start();
    let stub = Stub::start();
    let (caller, caller_addr) = start(
        service("caller", &receiver)
            .env("DOWNSTREAM_URL", stub.url("/command"))
            .env("TRACED_PROPAGATION_TARGETS", targets),
    );
    let valid = format!("00-{OUTSIDE_TRACE}-{OUTSIDE_SPAN}-01");
    let answer = dispatch(
        caller_addr,
        "ship",
        &[
            ("traceparent", &valid),
            ("tracestate", "vendor=opaque"),
            ("baggage", "user.id=alice"),
        ],
    );
    assert_eq!(answer["command"], "stub", "the stub's answer came back");
    stop(caller);
    let received = stub.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(
        (received[0].method.as_str(), received[0].path.as_str()),
        ("POST", "/command")
    );
    (received[0].clone(), receiver.spans())
}

#[test]
fn client_injects_no_context_into_hosts_outside_the_propagation_targets() {
    let (received, spans) = dispatch_to_stub("example.invalid");
    for name in CONTEXT_HEADERS {
        assert!(
            received.header_values(name).is_empty(),
            "{name} sent to a host outside the allow-list: {:?}",
            received.headers
        );
    }
    // The call is still traced, in the trace that came from outside.
    let client = only(&spans, "POST", SpanKind::Client);
    let dispatch = only(&spans, "POST /dispatch", SpanKind::Server);
    assert_eq!(client.trace_id(), OUTSIDE_TRACE);
    assert_eq!(client.parent_span_id(), dispatch.span_id());
}

/// The control for the test above: the same call to an allowed host carries the context, from
/// the client span, with `tracestate` and `baggage` passed on.
#[test]
fn client_injects_context_into_hosts_in_the_propagation_targets() {
    let (received, spans) = dispatch_to_stub("example.invalid, 127.0.0.1");
    let client = only(&spans, "POST", SpanKind::Client);
    assert_eq!(
        received.header_values("traceparent"),
        [format!("00-{OUTSIDE_TRACE}-{}-01", client.span_id())]
    );
    assert_eq!(received.header_values("tracestate"), ["vendor=opaque"]);
    assert_eq!(received.header_values("baggage"), ["user.id=alice"]);
}

/// One line of the console tree: depth, name, kind.
fn tree_line(line: &str) -> Option<(usize, String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let at = chars.iter().position(|c| *c == '└' || *c == '├')?;
    let rest: String = chars[at + 1..].iter().collect();
    let rest = rest.trim_start_matches('─').trim_start();
    let (name, after) = rest.split_once(" [")?;
    let (kind, _) = after.split_once(']')?;
    Some((at / 3, name.to_owned(), kind.to_owned()))
}

#[test]
fn demo_prints_the_seed_trace_as_one_tree_without_a_collector() {
    let output = App::new(examples::bin("demo")).run(STARTUP);
    output.assert_success();
    output.json_logs();
    let stdout = output.stdout_text();
    let is_hex = |s: &str| {
        s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    let headers: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("trace "))
        .collect();
    assert!(
        headers.len() == 1 && is_hex(headers[0]),
        "exactly one `trace <32 hex>` tree\n{}",
        output.dump()
    );
    let trace_id = headers[0];
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("dispatched ") && l.ends_with(&format!(": trace {trace_id}"))),
        "the request's answer names the printed trace\n{}",
        output.dump()
    );
    let tree: Vec<_> = stdout.lines().filter_map(tree_line).collect();
    let expected = [
        (0, "POST /dispatch", "server"),
        (1, "POST", "client"),
        (2, "POST /command", "server"),
        (3, "execute", "internal"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(d, n, k)| (*d, (*n).to_owned(), (*k).to_owned()))
        .collect();
    assert_eq!(tree, expected, "\n{}", output.dump());
}
