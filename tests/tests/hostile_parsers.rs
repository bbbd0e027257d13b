//! Fuzz-style checks of every parser reachable through the public API (README, Guarantees,
//! "Hostile input"), without a fuzzing dependency: a deterministic generator produces
//! arbitrary and near-valid inputs of growing size.
//!
//! - `traced::propagation::extract` over every carrier type: never panics; whatever it accepts
//!   re-injects as safe header values that parse back the same; each header is read at most
//!   twice (measure, then parse) whatever its size, so the work is linear. Times per size are
//!   printed for the record, never asserted.
//! - `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_TRACES_SAMPLER_ARG`
//!   through a `#[traced_service]` child's startup: hostile values (malformed escapes, invalid
//!   UTF-8, control characters, 100 KB) start, warn once in one bounded JSON line that never
//!   echoes a header value, and exit 0; random values start and exit 0.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderValue};
use traced::propagation::{Baggage, Carrier, extract, inject_context};
use traced_tests::{App, Output, Receiver};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const DEADLINE: Duration = Duration::from_secs(30);

/// xorshift64*: small, fast, the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters that matter to the grammars, and some that must never be accepted.
const ALPHABET: &[char] = &[
    '0', '1', '9', 'a', 'f', 'g', 'z', 'A', 'F', 'Z', '-', '_', '*', '/', '@', '=', ',', ';', '%',
    '.', ' ', '\t', '\r', '\n', '"', '\\', '\u{1b}', '\u{7f}', 'é', '🦀',
];

/// Fragments that push inputs near validity.
const FRAGMENTS: &[&str] = &[
    TRACEPARENT,
    "00-",
    "-01",
    "congo=t61rcWkgMzE",
    "rojo=00f067aa0ba902b7",
    "t@vendor=x",
    "k=v",
    "k=v;p=1",
    "%20",
    "%zz",
    "%e2%28%a1",
    ",",
    ",,,,",
    "==",
];

/// An arbitrary string of about `len` bytes.
fn arbitrary(rng: &mut Rng, len: usize) -> String {
    let mut out = String::with_capacity(len + 64);
    while out.len() < len {
        if rng.below(3) == 0 {
            out.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        } else {
            out.push(ALPHABET[rng.below(ALPHABET.len())]);
        }
    }
    out
}

/// A carrier that counts how often each header is read.
struct Counting<'a> {
    inner: &'a HashMap<String, String>,
    visits: RefCell<BTreeMap<String, usize>>,
}

impl Carrier for Counting<'_> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        *self
            .visits
            .borrow_mut()
            .entry(name.to_ascii_lowercase())
            .or_default() += 1;
        self.inner.visit(name, f);
    }
}

/// Whether `value` may be sent as a header value: visible ASCII and spaces only.
fn is_safe(value: &str) -> bool {
    value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
}

/// What was accepted re-injects safely and parses back the same.
#[track_caller]
fn check_round_trip(map: &HashMap<String, String>) {
    let extracted = extract(map);
    let mut out = HeaderMap::new();
    if let Some(ctx) = &extracted.context {
        inject_context(ctx, &extracted.baggage, &mut out);
    } else if !extracted.baggage.is_empty() {
        assert!(extracted.baggage.header().is_some_and(|h| is_safe(&h)));
        return;
    }
    for value in out.values() {
        let text = value.to_str().expect("ASCII");
        assert!(is_safe(text), "unsafe header value {text:?} from {map:?}");
    }
    let again = extract(&out);
    let ids = |c: &traced::propagation::SpanContext| {
        (
            c.trace_id(),
            c.span_id(),
            c.trace_state().header().map(str::to_owned),
        )
    };
    assert_eq!(
        again.context.as_ref().map(ids),
        extracted.context.as_ref().map(ids),
        "{map:?}"
    );
    assert_eq!(again.baggage, extracted.baggage, "{map:?}");
}

#[test]
fn extract_never_panics_reads_each_header_at_most_twice_and_round_trips() {
    let mut rng = Rng(0x5EED_F00D_CAFE_D00D);
    let mut timings = Vec::new();
    let mut len = 1;
    while len <= 1 << 20 {
        let rounds = (4096 / len).clamp(4, 400);
        let mut parsing = Duration::ZERO;
        let mut bytes = 0;
        for _ in 0..rounds {
            let mut map = HashMap::new();
            // Each header present or not, valid-ish or arbitrary.
            for name in ["traceparent", "tracestate", "baggage"] {
                match rng.below(4) {
                    0 => {}
                    1 if name == "traceparent" => {
                        map.insert(name.to_owned(), TRACEPARENT.to_owned());
                    }
                    _ => {
                        let value = arbitrary(&mut rng, len);
                        bytes += value.len();
                        map.insert(name.to_owned(), value);
                    }
                }
            }
            let counting = Counting {
                inner: &map,
                visits: RefCell::new(BTreeMap::new()),
            };
            let started = Instant::now();
            let _ = extract(&counting);
            parsing += started.elapsed();
            for (name, visits) in counting.visits.borrow().iter() {
                assert!(*visits <= 2, "{name} read {visits} times (len {len})");
            }
            check_round_trip(&map);

            // The same through every other carrier type.
            let mut headers = HeaderMap::new();
            for (name, value) in &map {
                if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                    let name = http::HeaderName::from_bytes(name.as_bytes()).expect("a name");
                    headers.append(name, value);
                }
            }
            let _ = extract(&headers);
            let pairs: Vec<(&str, &str)> =
                map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let _ = extract(&pairs);
            let btree: BTreeMap<String, String> = map.clone().into_iter().collect();
            let _ = extract(&btree);
            if let Some(tp) = map.get("tracestate") {
                let _ = extract(tp.as_str());
            }
            let json = serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                    .collect(),
            );
            let _ = extract(&json);
            // Baggage's own parser.
            if let Some(b) = map.get("baggage") {
                let _ = Baggage::from_header(b);
            }
        }
        timings.push((len, rounds, bytes, parsing));
        len *= 4;
    }
    for (len, rounds, bytes, elapsed) in timings {
        let per_mb = elapsed.as_secs_f64() * 1e3 / (bytes.max(1) as f64 / 1e6);
        eprintln!(
            "hostile_parsers: len {len:>7}: {rounds:>3} rounds, {bytes:>9} bytes generated, extract took {elapsed:?} ({per_mb:.2} ms per MB)"
        );
    }
}

#[test]
fn many_header_lines_are_bounded_too() {
    // 10 000 lines of each header: over the caps in total, so ignored; a valid traceparent
    // repeated is two values, so no context (duplicate traceparent restarts).
    let mut headers = HeaderMap::new();
    for i in 0..10_000 {
        headers.append(
            "tracestate",
            HeaderValue::from_str(&format!("k{i}=v")).unwrap(),
        );
        headers.append(
            "baggage",
            HeaderValue::from_str(&format!("k{i}=v")).unwrap(),
        );
    }
    headers.insert("traceparent", HeaderValue::from_static(TRACEPARENT));
    let extracted = extract(&headers);
    let ctx = extracted.context.expect("one valid traceparent");
    assert!(ctx.trace_state().header().is_none());
    assert!(extracted.baggage.is_empty());
    headers.append("traceparent", HeaderValue::from_static(TRACEPARENT));
    assert!(extract(&headers).context.is_none());
}

/// Runs `hostile_app quiet` with `variable=value` (plus what the variable needs to be read).
fn start_with(receiver: &Receiver, variable: &str, value: impl Into<OsString>) -> Output {
    let mut app = App::new(env!("CARGO_BIN_EXE_hostile_app"))
        .args(["quiet"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env(variable, value.into());
    if variable == "OTEL_TRACES_SAMPLER_ARG" {
        app = app.env("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
    }
    app.run(DEADLINE)
}

/// Exit 0, every stderr line one JSON object, and the warnings about `variable`.
#[track_caller]
fn assert_started(output: &Output, variable: &str) -> Vec<String> {
    output.assert_success();
    let logs = output.json_logs();
    assert!(
        logs.iter().any(|l| l["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("tracing started"))),
        "{}",
        output.dump()
    );
    logs.iter()
        .filter(|l| l["level"] == "WARN")
        .filter_map(|l| l["message"].as_str())
        .filter(|m| m.contains(variable))
        .map(str::to_owned)
        .collect()
}

#[test]
fn hostile_configuration_values_start_exit_0_and_warn_once() {
    let receiver = Receiver::start();
    let big = "9".repeat(100_000);
    let escapes = "\u{1b}[31m\u{1b}]0;title\u{7}";
    let cases: Vec<(&str, Vec<OsString>)> = vec![
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            vec![
                "a=%zz".into(),
                "a=%".into(),
                "a=%e2%28%a1".into(),
                "=v".into(),
                "novalue".into(),
                format!("k={escapes}%zz").into(),
                format!("k=%zz{}", "x".repeat(100_000)).into(),
                format!("{},k=%zz", "a=1,".repeat(20_000)).into(),
                OsString::from_vec(vec![b'k', b'=', 0xff, 0xfe]),
            ],
        ),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            vec![
                "authorization=Bearer%zzs3cr3t".into(),
                "s3cr3t-without-equals".into(),
                format!("{escapes}=s3cr3t").into(),
                "bad header=s3cr3t".into(),
                "x=s3cr3t\r\nInjected: 1".into(),
                format!("x=s3cr3t%zz{}", "y".repeat(100_000)).into(),
                OsString::from_vec([b"x=s3cr3t".as_slice(), &[0xff, 0xfe]].concat()),
            ],
        ),
        (
            "OTEL_TRACES_SAMPLER_ARG",
            vec![
                "NaN".into(),
                "inf".into(),
                "-0.5".into(),
                "1.5".into(),
                "1e309".into(),
                "0x1p-3".into(),
                "0.5.5".into(),
                format!("0.5{escapes}\n{{\"level\":\"ERROR\"}}").into(),
                big.clone().into(),
                OsString::from_vec(vec![b'0', b'.', 0xff]),
            ],
        ),
    ];
    let mut runs = 0;
    for (variable, values) in cases {
        for value in values {
            let output = start_with(&receiver, variable, value.clone());
            let warnings = assert_started(&output, variable);
            assert_eq!(
                warnings.len(),
                1,
                "{variable}={value:?}: one warning expected\n{}",
                output.dump()
            );
            for line in &output.stderr {
                if line.text.contains(variable) {
                    assert!(
                        line.text.len() < 4096,
                        "{variable}: a {}-byte warning",
                        line.text.len()
                    );
                }
                assert!(!line.text.contains("s3cr3t"), "{variable}: {}", line.text);
            }
            runs += 1;
        }
    }
    eprintln!("hostile_parsers: {runs} hostile configurations started and exited 0");
}

#[test]
fn random_configuration_values_start_and_exit_0() {
    let receiver = Receiver::start();
    let mut rng = Rng(0xC0FF_EE00_1234_5678);
    let mut runs = 0;
    for variable in [
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_TRACES_SAMPLER_ARG",
    ] {
        let mut len = 1;
        while len <= 64 << 10 {
            // Environment values cannot hold NUL; everything else may.
            let value: String = arbitrary(&mut rng, len).replace('\0', "");
            let output = start_with(&receiver, variable, value);
            let _ = assert_started(&output, variable);
            runs += 1;
            len *= 4;
        }
    }
    eprintln!("hostile_parsers: {runs} random configurations started and exited 0");
}
