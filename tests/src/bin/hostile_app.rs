//! The binary the hostile-input and secrets tests run (`tests/hostile_*.rs`, `tests/secrets.rs`),
//! a sync `#[traced_service]` `main`: `hostile_app <scenario> [n]`.
//!
//! - `big N`: one 10 MB string recorded on `3 × N` spans, through a `#[child_span]` argument,
//!   through `fields(… = %body, … = ?body)` and through `Span::attr`; prints the process's `VmRSS`/`VmHWM` before and after on stdout as
//!   `rss_before_kib=… rss_after_kib=… hwm_before_kib=… hwm_after_kib=…`.
//! - `attrs`: one span given 1 000 distinct attributes.
//! - `inject`: a `tracing::info!` inside a `#[root_span]` whose message and field hold a newline
//!   followed by a forged JSON log line, and ANSI escape sequences.
//! - `secrets`: a `#[root_span]` with secret-named arguments, one of them listed in `fields`.
//! - `quiet`: one span, nothing else (for the configuration fuzz runs).
//!
//! It prints `traced_tests::MAIN_RETURNING` just before `main` returns.

use traced::{Span, child_span, root_span};
use traced_tests::MAIN_RETURNING;

/// What a hostile client may send: 10 MB.
const BIG: usize = 10 * 1024 * 1024;

/// The forged line and escape sequences of the `inject` scenario.
const INJECTED: &str = "hostile start\n{\"level\":\"ERROR\",\"message\":\"forged\"}\r\n\x1b[31mred\x1b[0m\x1b]0;title\x07 end";

#[traced::traced_service(name = "hostile-app", version = "0.0.1")]
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("big") => {
            big(args.get(1).map_or(Ok(200), |n| n.parse())?);
            Ok(())
        }
        Some("attrs") => {
            attrs();
            Ok(())
        }
        Some("inject") => {
            inject(7);
            Ok(())
        }
        Some("secrets") => {
            login(
                "alice",
                "hunter2-password",
                "tok-123-token",
                "key-456-api",
                "Bearer auth-789",
                "sid=cookie-000",
                "session-abc",
            );
            Ok(())
        }
        Some("quiet") => {
            let _span = Span::root("hostile.quiet").enter();
            tracing::info!("quiet");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown scenario {other:?}")),
    };
    println!("{MAIN_RETURNING}");
    result
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[root_span]
fn ingest_root(n: u64) {
    tracing::debug!(n, "ingest");
}

#[child_span]
fn ingest(body: &str, n: u64) -> usize {
    body.len() + n as usize
}

/// The same value through `Display` and `Debug` (`fields(key = %expr)`, `fields(key = ?expr)`).
#[child_span(skip_all, fields(shown = %body, debugged = ?body))]
fn ingest_formatted(body: &str) -> usize {
    body.len()
}

fn big(n: u64) {
    // Every byte written, so the string is resident before the first measurement.
    let body: String = "x".repeat(BIG);
    let (rss_before, hwm_before) = memory();
    for i in 0..n {
        let _root = Span::root("hostile.big.attr")
            .attr("body", body.as_str())
            .attr("i", i)
            .enter();
        ingest_root(i);
        ingest(&body, i);
        ingest_formatted(&body);
    }
    let (rss_after, hwm_after) = memory();
    println!(
        "rss_before_kib={rss_before} rss_after_kib={rss_after} \
         hwm_before_kib={hwm_before} hwm_after_kib={hwm_after}"
    );
}

fn attrs() {
    let mut span = Span::root("hostile.attrs");
    for i in 0..1_000_i64 {
        span = span.attr(format!("attr.{i:04}"), i);
    }
    let _guard = span.enter();
}

#[root_span]
fn inject(order: u64) {
    tracing::info!(order, field = INJECTED, "{INJECTED}");
}

#[root_span(fields(api_key))]
fn login(
    user: &str,
    password: &str,
    token: &str,
    api_key: &str,
    authorization: &str,
    cookie: &str,
    session: &str,
) {
    let _ = (
        user,
        password,
        token,
        api_key,
        authorization,
        cookie,
        session,
    );
    tracing::info!(user, "logged in");
}
