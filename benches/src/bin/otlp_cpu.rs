//! Whole-process CPU per span exported over OTLP/HTTP protobuf to a collector in another
//! process: traced against the OpenTelemetry SDK's `BatchSpanProcessor` + opentelemetry-otlp
//! (reqwest's blocking client), in the same run.
//!
//! The receiver is Rotel with its `blackhole` exporter (see `traced_benches::rotel`), started
//! once for the run. Each round runs one candidate in a process of its own (both install global
//! state): this binary again, with `--candidate traced` or `--candidate sdk`, rounds interleaved
//! (traced, SDK, traced, SDK, …; `--rounds N`, default 3). Both get the same environment:
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (Rotel), `OTEL_EXPORTER_OTLP_COMPRESSION` (this process's,
//! default `none`; `gzip` to measure compression), and batches of 512 spans from a queue of
//! 2048 (set in code too).
//!
//! A candidate process:
//! 1. runs the pacing loop alone, producing nothing, for `--pacing S` seconds (default 2), and
//!    again after its pipeline shut down: the mean CPU per burst of the two is the loop's own
//!    cost (sleeps and wake-ups), subtracted below (`pacing ±` is how far the two differed);
//! 2. installs its pipeline and produces the benchmark's root + child span (three arguments and
//!    `code.*` each: six attributes) at `--rate R` spans per second (default 100 000), in bursts
//!    of 64 iterations on a schedule kept from the start, for `--warmup S` seconds (default 1),
//!    then for `--seconds S` more (default 5): the measured window, which ends when everything
//!    is flushed;
//! 3. reports, per span the receiver acknowledged in the window: the process's CPU
//!    (`getrusage(RUSAGE_SELF)` user + system) less the pacing loop's; the producing thread's
//!    share (`app`, less the same), and that thread's CPU clock read around each burst
//!    (`in bursts`, less the same around empty bursts: the spans' cost without the sleeps,
//!    which the subtraction leaves noisy); every other live thread's (`export`); what threads
//!    that ended during the window ran (`ended`: the rest of the process total, short-lived
//!    helper threads); allocations per thread (a counting global allocator, after warm-up).
//!    Acknowledged: spans in requests answered with success (traced's
//!    `Guard::stats().exported`; for the SDK, a wrapper around its exporter counting batches
//!    that export returned `Ok` for).
//!
//! A round is invalid when its candidate delivered under 99 % of the spans it offered.
//!
//! `cargo run --release -p traced-benches --bin otlp_cpu -- [--seconds 5] [--rounds 3]`
//! `OTEL_EXPORTER_OTLP_COMPRESSION=gzip cargo run --release -p traced-benches --bin otlp_cpu`

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter,
};
use traced_benches::cpu;
use traced_benches::paced::{Options, Pacing, Round, Schedule, arg, median, parse_round};
use traced_benches::rotel::Blackhole;
use traced_benches::thread_allocs::CountingAllocator;
use traced_benches::window::{Sample, Window};
use traced_benches::{args, otel_code, traced_code};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const BATCH: usize = 512;
const QUEUE: usize = 2048;
/// The share of offered spans a candidate must deliver for its round to count.
const VALID_SHARE: f64 = 0.99;
const CANDIDATES: [&str; 2] = ["traced", "sdk"];

fn main() {
    let options = Options::from_args(100_000.0);
    match arg("--candidate") {
        Some(candidate) => run_candidate(&candidate, options),
        None => orchestrate(options),
    }
}

// ---------------------------------------------------------------------------------------------
// The candidates

/// Spans in batches the SDK's exporter returned `Ok` for.
static SDK_ACKNOWLEDGED: AtomicU64 = AtomicU64::new(0);

/// The SDK's OTLP exporter, counting the spans of each batch it exported successfully.
#[derive(Debug)]
struct Acknowledged<E>(E);

impl<E: SpanExporter> SpanExporter for Acknowledged<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.0.export(batch).await;
        if result.is_ok() {
            SDK_ACKNOWLEDGED.fetch_add(spans, Ordering::Relaxed);
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.0.set_resource(resource);
    }
}

/// One candidate's pipeline: produce an iteration, read acknowledged spans, flush, shut down.
trait Pipeline {
    fn iteration(&self, i: u64);
    fn acknowledged(&self) -> u64;
    fn flush(&self);
    fn shutdown(&mut self);
}

struct Traced(traced::Guard);

impl Pipeline for Traced {
    fn iteration(&self, i: u64) {
        let (id, label, flag) = args(i);
        traced_code::root_fn(id, label, flag);
    }

    fn acknowledged(&self) -> u64 {
        self.0.stats().exported
    }

    fn flush(&self) {
        let flushed = traced::flush(Duration::from_secs(30));
        if !matches!(flushed, traced::Flushed::Delivered { .. }) {
            eprintln!("traced: flush: {flushed:?}");
        }
    }

    fn shutdown(&mut self) {
        self.0.shutdown();
    }
}

struct Sdk {
    provider: SdkTracerProvider,
    tracer: opentelemetry::global::BoxedTracer,
}

impl Pipeline for Sdk {
    fn iteration(&self, i: u64) {
        let (id, label, flag) = args(i);
        otel_code::root_fn_with_code(&self.tracer, id, label, flag);
    }

    fn acknowledged(&self) -> u64 {
        SDK_ACKNOWLEDGED.load(Ordering::Relaxed)
    }

    fn flush(&self) {
        if let Err(e) = self.provider.force_flush() {
            eprintln!("sdk: force_flush: {e}");
        }
    }

    fn shutdown(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("sdk: shutdown: {e}");
        }
    }
}

/// traced, configured from the environment the orchestrator set, batch and queue also in code.
fn traced_pipeline() -> Box<dyn Pipeline> {
    let guard = traced::init(
        traced::Config::new()
            .max_export_batch_size(BATCH)
            .max_queue_size(QUEUE)
            .install_logging(false)
            .install_panic_hook(false),
    );
    Box::new(Traced(guard))
}

/// The SDK with opentelemetry-otlp over HTTP protobuf, endpoint and compression from the
/// environment the orchestrator set, batch and queue also in code.
fn sdk_pipeline() -> Box<dyn Pipeline> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()
        .expect("the OTLP span exporter");
    let batch = BatchConfigBuilder::default()
        .with_max_export_batch_size(BATCH)
        .with_max_queue_size(QUEUE)
        .build();
    let processor = BatchSpanProcessor::builder(Acknowledged(exporter))
        .with_batch_config(batch)
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    let tracer = opentelemetry::global::tracer("traced-benches");
    Box::new(Sdk { provider, tracer })
}

/// What a candidate process measured in its window.
struct Snapshot {
    acknowledged: u64,
    sample: Sample,
}

impl Snapshot {
    fn take(pipeline: &dyn Pipeline) -> Snapshot {
        Snapshot {
            acknowledged: pipeline.acknowledged(),
            sample: Sample::take(),
        }
    }
}

fn run_candidate(candidate: &str, options: Options) {
    let pacing_before = Pacing::measure(options.rate, options.pacing);
    let mut pipeline = match candidate {
        "traced" => traced_pipeline(),
        "sdk" => sdk_pipeline(),
        other => panic!("unknown candidate `{other}`: traced or sdk"),
    };
    let main_tid = cpu::thread_id();
    let mut schedule = Schedule::new(options.rate);
    schedule.run(
        schedule.start + Duration::from_secs_f64(options.warmup),
        |i| pipeline.iteration(i),
    );
    let (bursts_before, produced_before, in_bursts_before) =
        (schedule.bursts, schedule.produced, schedule.in_bursts);
    let before = Snapshot::take(pipeline.as_ref());
    schedule.run(
        Instant::now() + Duration::from_secs_f64(options.seconds),
        |i| pipeline.iteration(i),
    );
    pipeline.flush();
    let after = Snapshot::take(pipeline.as_ref());
    pipeline.shutdown();
    // Measured again once the pipeline is gone: the two estimates of the loop's cost, a few
    // seconds apart, differ by tens of nanoseconds per span on a virtual machine's timers.
    let pacing_after = Pacing::measure(options.rate, options.pacing);
    let pacing = pacing_before.mean(pacing_after);

    let bursts = schedule.bursts - bursts_before;
    let acknowledged = after.acknowledged - before.acknowledged;
    let pacing_window = pacing.per_burst * bursts as u32;
    let in_bursts =
        (schedule.in_bursts - in_bursts_before).saturating_sub(pacing.in_burst * bursts as u32);
    let per_span = |d: Duration| d.as_nanos() as f64 / acknowledged.max(1) as f64;
    let per_span_count = |n: u64| n as f64 / acknowledged.max(1) as f64;
    let window = Window::between(&before.sample, &after.sample, main_tid);
    let (process, app, export) = (window.process, window.app, window.others);
    window.print_threads(candidate, "span", acknowledged);
    let fields = [
        ("offered", schedule.produced as f64),
        ("delivered", after.acknowledged as f64),
        (
            "window_offered",
            (schedule.produced - produced_before) as f64,
        ),
        ("window_acknowledged", acknowledged as f64),
        ("cpu", per_span(process.saturating_sub(pacing_window))),
        ("pacing", per_span(pacing_window)),
        (
            "pacing_spread",
            per_span(pacing_before.per_burst.abs_diff(pacing_after.per_burst) * bursts as u32),
        ),
        ("app", per_span(app.saturating_sub(pacing_window))),
        ("app_bursts", per_span(in_bursts)),
        ("export", per_span(export)),
        (
            "ended",
            per_span(process.saturating_sub(app).saturating_sub(export)),
        ),
        ("app_allocs", per_span_count(window.app_allocations)),
        ("export_allocs", per_span_count(window.other_allocations)),
        ("ended_allocs", per_span_count(window.ended_allocations)),
    ];
    let line: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("ROUND {candidate} {}", line.join(" "));
}

// ---------------------------------------------------------------------------------------------
// The orchestrator

fn orchestrate(options: Options) {
    let compression =
        std::env::var("OTEL_EXPORTER_OTLP_COMPRESSION").unwrap_or_else(|_| "none".to_owned());
    let receiver = Blackhole::start().unwrap_or_else(|e| panic!("{e}"));
    let exe = std::env::current_exe().expect("this executable");
    println!(
        "otlp_cpu: {:.0} spans/s offered for {} s after {} s of warm-up, compression {compression}, \
         batch {BATCH}, queue {QUEUE}, receiver Rotel blackhole at {}",
        options.rate,
        options.seconds,
        options.warmup,
        receiver.endpoint()
    );
    println!(
        "{:<6} {:<7} {:>9} {:>8} {:>9} {:>8} {:>8} {:>15} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "round",
        "cand.",
        "ns/span",
        "app",
        "in bursts",
        "export",
        "ended",
        "pacing ±",
        "delivered",
        "app alloc",
        "exp. alloc",
        "end. alloc",
        "receiver"
    );
    let mut rounds: BTreeMap<&str, Vec<Round>> = BTreeMap::new();
    let mut invalid = Vec::new();
    for round in 1..=options.rounds {
        for candidate in CANDIDATES {
            let receiver_before = receiver.cpu();
            let output = Command::new(&exe)
                .args(["--candidate", candidate])
                .args(options.to_args())
                .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
                .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .env("OTEL_EXPORTER_OTLP_COMPRESSION", &compression)
                .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", BATCH.to_string())
                .env("OTEL_BSP_MAX_QUEUE_SIZE", QUEUE.to_string())
                .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                .env_remove("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION")
                .env_remove("OTEL_TRACES_EXPORTER")
                .env_remove("OTEL_SDK_DISABLED")
                .stderr(Stdio::inherit())
                .output()
                .expect("the candidate process");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let Some(r) = parse_round(&stdout).filter(|_| output.status.success()) else {
                panic!(
                    "{candidate} (round {round}) failed: {}\n{stdout}",
                    output.status
                );
            };
            let receiver_ns = match (receiver_before, receiver.cpu()) {
                (Some(b), Some(a)) => (a - b).as_nanos() as f64 / r["window_acknowledged"].max(1.0),
                _ => f64::NAN,
            };
            let delivered = 100.0 * r["delivered"] / r["offered"].max(1.0);
            if delivered < 100.0 * VALID_SHARE {
                invalid.push(format!(
                    "{candidate} round {round}: {delivered:.2} % delivered"
                ));
            }
            println!(
                "{:<6} {:<7} {:>9.1} {:>8.1} {:>9.1} {:>8.1} {:>8.1} {:>15} {:>9.2}% {:>10.4} {:>10.4} {:>10.4} {:>9.0}",
                round,
                candidate,
                r["cpu"],
                r["app"],
                r["app_bursts"],
                r["export"],
                r["ended"],
                format!("{:.1} ± {:.1}", r["pacing"], r["pacing_spread"]),
                delivered,
                r["app_allocs"],
                r["export_allocs"],
                r["ended_allocs"],
                receiver_ns,
            );
            rounds.entry(candidate).or_default().push(r);
        }
    }
    summarise(&rounds, &compression, &invalid);
}

fn summarise(rounds: &BTreeMap<&str, Vec<Round>>, compression: &str, invalid: &[String]) {
    let stat =
        |candidate: &str, key: &str| median(rounds[candidate].iter().map(|r| r[key]).collect());
    println!();
    println!(
        "{:<8} {:>15} {:>22} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10}",
        "cand.",
        "median ns/span",
        "rounds",
        "app",
        "in bursts",
        "export",
        "ended",
        "delivered",
        "app alloc",
        "exp. alloc"
    );
    for candidate in CANDIDATES {
        let all: Vec<String> = rounds[candidate]
            .iter()
            .map(|r| format!("{:.0}", r["cpu"]))
            .collect();
        let delivered = median(
            rounds[candidate]
                .iter()
                .map(|r| 100.0 * r["delivered"] / r["offered"].max(1.0))
                .collect(),
        );
        println!(
            "{:<8} {:>15.1} {:>22} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.2}% {:>10.4} {:>10.4}",
            candidate,
            stat(candidate, "cpu"),
            all.join(" "),
            stat(candidate, "app"),
            stat(candidate, "app_bursts"),
            stat(candidate, "export"),
            stat(candidate, "ended"),
            delivered,
            stat(candidate, "app_allocs"),
            stat(candidate, "export_allocs"),
        );
        // For `run.sh`: everything off the application thread, export and ended threads.
        let off_app = median(
            rounds[candidate]
                .iter()
                .map(|r| r["export"] + r["ended"])
                .collect(),
        );
        println!(
            "OTLP_CPU {candidate} {compression} {:.1} {:.1} {off_app:.1} {delivered:.2}",
            stat(candidate, "cpu"),
            stat(candidate, "app"),
        );
    }
    let ratio = stat("sdk", "cpu") / stat("traced", "cpu");
    println!("SDK / traced: {ratio:.2}x (the target: at least 8x)");
    println!("OTLP_CPU_RATIO {compression} {ratio:.2}");
    if invalid.is_empty() {
        println!("valid: every round delivered at least 99 % of what it offered");
    } else {
        println!("INVALID: {}", invalid.join("; "));
    }
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu::cpu_model()
    );
}
