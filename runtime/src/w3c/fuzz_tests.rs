//! Property tests of the parsers' bounds (see the rules in `traced::propagation`), without a new
//! dependency: a deterministic generator produces
//! many thousands of arbitrary and near-valid inputs; none may panic, and whatever is accepted
//! must re-serialise to something that parses back to the same value and is safe to send.
//! Oversized inputs are rejected by the size check, which is shown by counting the work done,
//! not by timing it.

use std::cell::Cell;

use super::baggage::MAX_BYTES;
use super::tracestate::MAX_COMBINED_LEN;
use super::*;

/// xorshift64*: small, fast, and the same sequence on every run.
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

/// Characters that matter to the grammars, plus some that must never be accepted.
const ALPHABET: &[char] = &[
    '0',
    '1',
    '9',
    'a',
    'f',
    'g',
    'z',
    'A',
    'F',
    'Z',
    '-',
    '_',
    '*',
    '/',
    '@',
    '=',
    ',',
    ';',
    '%',
    '.',
    ' ',
    '\t',
    '\r',
    '\n',
    '"',
    '\\',
    '\u{0}',
    '\u{7f}',
    'é',
    '✓',
    '\u{1F600}',
    '~',
    '!',
];

const SEEDS: &[&str] = &[
    "00-12345678901234567890123456789012-1234567890123456-01",
    "cc-12345678901234567890123456789012-1234567890123456-03-future",
    "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE, foo@bar=1 ,a= b",
    "userId=alice;ttl=60, serverNode=DF%2028,isProduction=false;secret",
];

fn arbitrary(rng: &mut Rng) -> String {
    if rng.below(2) == 0 {
        let len = rng.below(120);
        return (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
    }
    // A valid seed with a few characters replaced, inserted or removed.
    let mut chars: Vec<char> = SEEDS[rng.below(SEEDS.len())].chars().collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(chars.len() + 1);
        let c = ALPHABET[rng.below(ALPHABET.len())];
        match rng.below(3) {
            0 if at < chars.len() => chars[at] = c,
            1 => chars.insert(at, c),
            _ if at < chars.len() => {
                chars.remove(at);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn is_safe_header(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}

fn check(headers: &[(&str, &str)]) {
    let extracted = extract_with(headers, Propagators::default());
    if let Some(ctx) = &extracted.context {
        let tp = ctx.to_traceparent();
        assert_eq!(tp.len(), 55);
        assert_eq!(
            SpanContext::from_traceparent(&tp)
                .as_ref()
                .map(SpanContext::trace_id),
            Some(ctx.trace_id())
        );
        if let Some(ts) = ctx.trace_state().header() {
            assert!(is_safe_header(ts) && ts.len() <= MAX_COMBINED_LEN, "{ts:?}");
            assert!(ctx.trace_state().len() <= 32);
            assert_eq!(
                TraceState::from_header(ts).as_ref(),
                Some(ctx.trace_state()),
                "{headers:?}"
            );
        }
    }
    let baggage = &extracted.baggage;
    if let Some(header) = baggage.header() {
        assert!(
            is_safe_header(&header) && header.len() <= MAX_BYTES,
            "{header:?}"
        );
        assert!(!header.contains(' '));
        assert_eq!(&Baggage::from_header(&header), baggage, "{headers:?}");
    }
}

#[test]
fn arbitrary_inputs_never_panic_and_round_trip() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let (a, b, c, d) = (
            arbitrary(&mut rng),
            arbitrary(&mut rng),
            arbitrary(&mut rng),
            arbitrary(&mut rng),
        );
        check(&[
            ("traceparent", &a),
            ("tracestate", &b),
            ("tracestate", &c),
            ("baggage", &d),
        ]);
        check(&[
            ("traceparent", SEEDS[0]),
            ("tracestate", &a),
            ("baggage", &b),
            ("baggage", &c),
        ]);
    }
}

#[test]
fn arbitrary_bytes_through_a_header_map_never_panic() {
    let mut rng = Rng(42);
    for _ in 0..5_000 {
        let mut headers = http::HeaderMap::new();
        for name in ["traceparent", "tracestate", "baggage"] {
            let bytes: Vec<u8> = (0..rng.below(80)).map(|_| rng.next() as u8).collect();
            if let Ok(value) = http::HeaderValue::from_bytes(&bytes) {
                headers.append(name, value);
            }
        }
        let extracted = extract_with(&headers, Propagators::default());
        let mut out = http::HeaderMap::new();
        if let Some(ctx) = &extracted.context {
            inject_with(
                Some(ctx),
                &extracted.baggage,
                &mut out,
                Propagators::default(),
            );
            assert!(out.contains_key("traceparent"));
        }
    }
}

/// Counts how many times, and over how many bytes, the parsers look at a carrier.
struct Counting<'a> {
    lines: &'a [(&'a str, &'a str)],
    visits: Cell<usize>,
}

impl Carrier for Counting<'_> {
    fn visit(&self, name: &str, f: &mut dyn FnMut(&str)) {
        self.visits.set(self.visits.get() + 1);
        self.lines.visit(name, f);
    }
}

#[test]
fn a_megabyte_is_rejected_by_the_size_check() {
    let tp = SEEDS[0];
    let huge = "a=1,".repeat(256 * 1024);
    let huge_tp = format!("cc{}-{}", &tp[2..], "x".repeat(1 << 20));
    assert!(SpanContext::from_traceparent(&huge_tp).is_none());
    let lines = [
        ("traceparent", tp),
        ("tracestate", huge.as_str()),
        ("baggage", huge.as_str()),
    ];
    let carrier = Counting {
        lines: &lines,
        visits: Cell::new(0),
    };
    let extracted = extract_with(&carrier, Propagators::default());
    assert!(extracted.context.unwrap().trace_state().is_empty());
    assert!(extracted.baggage.is_empty());
    // One visit for traceparent, and one measuring visit each for tracestate and baggage: the
    // parsing pass never ran.
    assert_eq!(carrier.visits.get(), 3);
    // Within the caps both parsing passes run.
    let small = [
        ("traceparent", tp),
        ("tracestate", "a=1"),
        ("baggage", "a=1"),
    ];
    let carrier = Counting {
        lines: &small,
        visits: Cell::new(0),
    };
    let _ = extract_with(&carrier, Propagators::default());
    assert_eq!(carrier.visits.get(), 5);
}

#[test]
fn many_small_lines_are_bounded_too() {
    // 100 000 empty lines measure as 99 999 separators: over the cap, so not parsed.
    let lines: Vec<(&str, &str)> = std::iter::repeat_n(("tracestate", ""), 100_000).collect();
    let mut with_tp = vec![("traceparent", SEEDS[0])];
    with_tp.extend(lines.iter().copied());
    let ctx = extract_with(&with_tp, Propagators::default())
        .context
        .unwrap();
    assert!(ctx.trace_state().is_empty());
}

#[test]
fn worst_case_inputs_under_the_caps_stay_within_them() {
    // 32 maximal tracestate members cannot fit in 8192 bytes; as many as fit are kept whole.
    let member = |i: usize| format!("{}{i:03}={}", "k".repeat(253), "v".repeat(256));
    let members: Vec<String> = (0..15).map(member).collect();
    let line = members.join(",");
    assert!(line.len() <= MAX_COMBINED_LEN);
    let ctx = extract_with(
        &[("traceparent", SEEDS[0]), ("tracestate", &line)],
        Propagators::default(),
    )
    .context
    .unwrap();
    assert_eq!(ctx.trace_state().len(), 15);
    // Baggage made only of separators and OWS: nothing kept, nothing allocated per member.
    let noise = " ,\t".repeat(2700);
    assert!(Baggage::from_header(&noise).is_empty());
}
