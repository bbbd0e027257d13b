//! Whole-process CPU per log record exported over OTLP/HTTP protobuf to a receiver in another
//! process: traced against `opentelemetry-appender-tracing` + the SDK's `BatchLogProcessor` +
//! opentelemetry-otlp (reqwest's blocking client), in the same run.
//!
//! The receiver (`traced_benches::logs_receiver`) is this binary again, `--receiver`, started
//! once for the run: it decodes every `ExportLogsServiceRequest`, counts the records and keeps
//! their ids. Each round runs one candidate in a process of its own (both install global
//! state), `--candidate traced` or `--candidate sdk`, rounds interleaved (traced, SDK, ×3 by
//! default; `--rounds N`). Both get the same environment: `OTEL_EXPORTER_OTLP_ENDPOINT` (the
//! receiver), compression `none` (`OTEL_EXPORTER_OTLP_COMPRESSION` of this process to change
//! it), batches of 512 records from a queue of 2048 (`OTEL_BLRP_*`, the spec's defaults, set
//! in code too), no stderr lines (`TRACED_LOG_FORMAT=none` for traced, the appender alone for
//! the SDK: no fmt layer), log filter `info` for both, and spans recorded but exported nowhere
//! (`OTEL_TRACES_EXPORTER=none` for traced, a provider without span processor for the SDK):
//! what is measured is the logs signal inside spans.
//!
//! A candidate process, as in `otlp_cpu`:
//! 1. runs the pacing loop alone for `--pacing S` seconds (default 2), before its pipeline is
//!    installed and after it shut down: the loop's own cost, subtracted below;
//! 2. produces, at `--rate R` log events per second (default 50 000), in bursts of 64
//!    iterations on a schedule kept from the start, for `--warmup S` seconds (default 1) and
//!    then `--seconds S` more (default 5, the measured window, which ends when everything is
//!    flushed), iterations of: a root span (three arguments and `code.*`) logging an event
//!    with six fields, then a child span (the same) logging another
//!    (`traced_benches::log_events`), and writing down the ids each event was logged in (two
//!    reads of the current span's ids per iteration, both candidates);
//! 3. reports, per record the receiver decoded in the window: the process's CPU
//!    (`getrusage(RUSAGE_SELF)`) less the pacing loop's; the application thread's share
//!    (`app`, less the same; `in bursts`, its CPU clock around each burst); the other live
//!    threads' (`export`); threads that ended (`ended`); allocations per thread.
//!
//! After each round the receiver compares the ids of every record it got with the ids the
//! candidate wrote down (`ids wrong`): a record whose trace or span id is not that of the span
//! its event was logged in is wrong. A round is invalid when the receiver got under 99 % of the
//! events offered.
//!
//! `cargo run --release -p traced-benches --bin logs_cpu -- [--seconds 5] [--rounds 3]`

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::logs::{BatchConfigBuilder, BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use traced_benches::cpu;
use traced_benches::logs_receiver::{self, Expected, Receiver};
use traced_benches::paced::{Options, Pacing, Round, Schedule, arg, median, parse_round};
use traced_benches::thread_allocs::CountingAllocator;
use traced_benches::window::{Sample, Window};
use traced_benches::{args, otel_code, traced_code};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const BATCH: usize = 512;
const QUEUE: usize = 2048;
/// The share of offered records the receiver must get for a round to count.
const VALID_SHARE: f64 = 0.99;
const CANDIDATES: [&str; 2] = ["traced", "sdk"];

/// Iterations the candidate can produce at most (two events each), with room to spare.
fn iterations(options: Options) -> usize {
    ((options.warmup + options.seconds + 1.0) * options.rate / 2.0 * 1.1) as usize + 1024
}

fn main() {
    let options = Options::from_args(50_000.0);
    if std::env::args().any(|a| a == "--receiver") {
        logs_receiver::serve();
    } else if let Some(candidate) = arg("--candidate") {
        run_candidate(&candidate, options);
    } else {
        orchestrate(options);
    }
}

// ---------------------------------------------------------------------------------------------
// The candidates

/// One candidate's pipeline: produce an iteration, flush, shut down.
trait Pipeline {
    fn iteration(&self, i: u64, expected: &mut Expected);
    fn flush(&self);
    fn shutdown(&mut self);
    /// Records the candidate itself dropped (a full queue), if it counts them.
    fn dropped(&self) -> u64;
}

struct Traced(traced::Guard);

impl Pipeline for Traced {
    fn iteration(&self, i: u64, expected: &mut Expected) {
        let (id, label, flag) = args(i);
        traced_code::root_logs(id, label, flag, expected);
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

    fn dropped(&self) -> u64 {
        self.0.stats().logs.dropped
    }
}

struct Sdk {
    logs: SdkLoggerProvider,
    traces: SdkTracerProvider,
    tracer: opentelemetry::global::BoxedTracer,
}

impl Pipeline for Sdk {
    fn iteration(&self, i: u64, expected: &mut Expected) {
        let (id, label, flag) = args(i);
        otel_code::root_logs(&self.tracer, id, label, flag, expected);
    }

    fn flush(&self) {
        if let Err(e) = self.logs.force_flush() {
            eprintln!("sdk: force_flush: {e}");
        }
    }

    fn shutdown(&mut self) {
        if let Err(e) = self.logs.shutdown() {
            eprintln!("sdk: logs shutdown: {e}");
        }
        if let Err(e) = self.traces.shutdown() {
            eprintln!("sdk: traces shutdown: {e}");
        }
    }

    fn dropped(&self) -> u64 {
        // The SDK's batch processor counts drops but reports them only in its own log at
        // shutdown; the receiver's count shows them.
        0
    }
}

/// traced from the environment the orchestrator set (logs to the receiver, no stderr lines,
/// spans exported nowhere), batch and queue also in code.
fn traced_pipeline() -> Box<dyn Pipeline> {
    let guard = traced::init(
        traced::Config::new()
            .exporter(traced::ExporterKind::None)
            .log_exporter(traced::ExporterKind::Otlp)
            .log_format(None::<traced::LogFormat>)
            .log_filter("info")
            .log_max_export_batch_size(BATCH)
            .log_max_queue_size(QUEUE)
            .install_panic_hook(false),
    );
    Box::new(Traced(guard))
}

/// The appender on the SDK's `BatchLogProcessor` with opentelemetry-otlp over HTTP protobuf
/// (endpoint and compression from the environment), as the global subscriber with nothing
/// else (no fmt layer); spans from a provider without span processor, recorded and dropped.
fn sdk_pipeline() -> Box<dyn Pipeline> {
    let exporter = opentelemetry_otlp::LogExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()
        .expect("the OTLP log exporter");
    let batch = BatchConfigBuilder::default()
        .with_max_export_batch_size(BATCH)
        .with_max_queue_size(QUEUE)
        .build();
    let processor = BatchLogProcessor::builder(exporter)
        .with_batch_config(batch)
        .build();
    let logs = SdkLoggerProvider::builder()
        .with_log_processor(processor)
        .build();
    let appender = OpenTelemetryTracingBridge::new(&logs).with_filter(EnvFilter::new("info"));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(appender))
        .expect("the global subscriber");
    let traces = SdkTracerProvider::builder().build();
    opentelemetry::global::set_tracer_provider(traces.clone());
    let tracer = opentelemetry::global::tracer("traced-benches");
    Box::new(Sdk {
        logs,
        traces,
        tracer,
    })
}

/// What a candidate process measured in its window.
struct Snapshot {
    received: u64,
    sample: Sample,
}

impl Snapshot {
    fn take(endpoint: &str) -> Snapshot {
        Snapshot {
            received: logs_receiver::records(endpoint),
            sample: Sample::take(),
        }
    }
}

fn run_candidate(candidate: &str, options: Options) {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").expect("the receiver's endpoint");
    let expected_path = PathBuf::from(arg("--expected").expect("--expected FILE"));
    let received_at_start = logs_receiver::records(&endpoint);
    let pacing_before = Pacing::measure(options.rate, options.pacing);
    let mut expected = Expected::with_capacity(iterations(options));
    let mut pipeline = match candidate {
        "traced" => traced_pipeline(),
        "sdk" => sdk_pipeline(),
        other => panic!("unknown candidate `{other}`: traced or sdk"),
    };
    let main_tid = cpu::thread_id();
    let mut schedule = Schedule::new(options.rate);
    schedule.run(
        schedule.start + Duration::from_secs_f64(options.warmup),
        |i| pipeline.iteration(i, &mut expected),
    );
    let (bursts_before, produced_before, in_bursts_before) =
        (schedule.bursts, schedule.produced, schedule.in_bursts);
    let before = Snapshot::take(&endpoint);
    schedule.run(
        Instant::now() + Duration::from_secs_f64(options.seconds),
        |i| pipeline.iteration(i, &mut expected),
    );
    pipeline.flush();
    let after = Snapshot::take(&endpoint);
    let dropped = pipeline.dropped();
    pipeline.shutdown();
    expected
        .write(&expected_path)
        .expect("the expected ids' file");
    let pacing_after = Pacing::measure(options.rate, options.pacing);
    let pacing = pacing_before.mean(pacing_after);

    let bursts = schedule.bursts - bursts_before;
    let received = after.received - before.received;
    let pacing_window = pacing.per_burst * bursts as u32;
    let in_bursts =
        (schedule.in_bursts - in_bursts_before).saturating_sub(pacing.in_burst * bursts as u32);
    let per_record = |d: Duration| d.as_nanos() as f64 / received.max(1) as f64;
    let per_record_count = |n: u64| n as f64 / received.max(1) as f64;
    let window = Window::between(&before.sample, &after.sample, main_tid);
    let (process, app, export) = (window.process, window.app, window.others);
    window.print_threads(candidate, "record", received);
    let fields = [
        ("offered", schedule.produced as f64),
        ("received", (after.received - received_at_start) as f64),
        ("dropped", dropped as f64),
        (
            "window_offered",
            (schedule.produced - produced_before) as f64,
        ),
        ("window_received", received as f64),
        ("cpu", per_record(process.saturating_sub(pacing_window))),
        ("pacing", per_record(pacing_window)),
        ("app", per_record(app.saturating_sub(pacing_window))),
        ("app_bursts", per_record(in_bursts)),
        ("export", per_record(export)),
        (
            "ended",
            per_record(process.saturating_sub(app).saturating_sub(export)),
        ),
        ("app_allocs", per_record_count(window.app_allocations)),
        ("export_allocs", per_record_count(window.other_allocations)),
    ];
    let line: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("ROUND {candidate} {}", line.join(" "));
}

// ---------------------------------------------------------------------------------------------
// The orchestrator

fn orchestrate(options: Options) {
    let compression =
        std::env::var("OTEL_EXPORTER_OTLP_COMPRESSION").unwrap_or_else(|_| "none".to_owned());
    let exe = std::env::current_exe().expect("this executable");
    let receiver = Receiver::start(&exe, &["--receiver"]);
    let endpoint = receiver.endpoint();
    let dir = std::env::temp_dir().join(format!("traced-logs-cpu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    println!(
        "logs_cpu: {:.0} log events/s offered for {} s after {} s of warm-up, compression \
         {compression}, batch {BATCH}, queue {QUEUE}, receiver {endpoint} (pid {})",
        options.rate,
        options.seconds,
        options.warmup,
        receiver.pid(),
    );
    println!(
        "{:<6} {:<7} {:>10} {:>8} {:>9} {:>8} {:>8} {:>9} {:>10} {:>10} {:>10} {:>12}",
        "round",
        "cand.",
        "ns/record",
        "app",
        "in bursts",
        "export",
        "ended",
        "pacing",
        "received",
        "app alloc",
        "exp. alloc",
        "ids wrong"
    );
    let mut rounds: BTreeMap<&str, Vec<Round>> = BTreeMap::new();
    let mut invalid = Vec::new();
    for round in 1..=options.rounds {
        for candidate in CANDIDATES {
            let expected = dir.join(format!("{candidate}-{round}.ids"));
            logs_receiver::check_ids(&endpoint, None);
            let output = Command::new(&exe)
                .args(["--candidate", candidate])
                .arg("--expected")
                .arg(&expected)
                .args(options.to_args())
                .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
                .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .env("OTEL_EXPORTER_OTLP_COMPRESSION", &compression)
                .env("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", BATCH.to_string())
                .env("OTEL_BLRP_MAX_QUEUE_SIZE", QUEUE.to_string())
                .env("OTEL_TRACES_EXPORTER", "none")
                .env("OTEL_LOGS_EXPORTER", "otlp")
                .env("TRACED_LOG_FORMAT", "none")
                .env("RUST_LOG", "info")
                .env_remove("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
                .env_remove("OTEL_EXPORTER_OTLP_LOGS_COMPRESSION")
                .env_remove("OTEL_SDK_DISABLED")
                .stderr(Stdio::inherit())
                .output()
                .expect("the candidate process");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let Some(mut r) = parse_round(&stdout).filter(|_| output.status.success()) else {
                panic!(
                    "{candidate} (round {round}) failed: {}\n{stdout}",
                    output.status
                );
            };
            let (checked, wrong) = logs_receiver::check_ids(&endpoint, Some(&expected));
            let _ = std::fs::remove_file(&expected);
            r.insert("checked".to_owned(), checked as f64);
            r.insert("wrong".to_owned(), wrong as f64);
            let delivered = 100.0 * r["received"] / r["offered"].max(1.0);
            if delivered < 100.0 * VALID_SHARE {
                invalid.push(format!(
                    "{candidate} round {round}: {delivered:.2} % received"
                ));
            }
            println!(
                "{:<6} {:<7} {:>10.1} {:>8.1} {:>9.1} {:>8.1} {:>8.1} {:>9.1} {:>9.2}% {:>10.4} {:>10.4} {:>12}",
                round,
                candidate,
                r["cpu"],
                r["app"],
                r["app_bursts"],
                r["export"],
                r["ended"],
                r["pacing"],
                delivered,
                r["app_allocs"],
                r["export_allocs"],
                format!("{wrong} of {checked}"),
            );
            rounds.entry(candidate).or_default().push(r);
        }
    }
    let _ = std::fs::remove_dir(&dir);
    summarise(&rounds, &compression, &invalid);
}

fn summarise(rounds: &BTreeMap<&str, Vec<Round>>, compression: &str, invalid: &[String]) {
    let stat =
        |candidate: &str, key: &str| median(rounds[candidate].iter().map(|r| r[key]).collect());
    let sum = |candidate: &str, key: &str| rounds[candidate].iter().map(|r| r[key]).sum::<f64>();
    println!();
    println!(
        "{:<8} {:>17} {:>20} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>22}",
        "cand.",
        "median ns/record",
        "rounds",
        "app",
        "in bursts",
        "export",
        "ended",
        "received",
        "app alloc",
        "ids correct"
    );
    for candidate in CANDIDATES {
        let all: Vec<String> = rounds[candidate]
            .iter()
            .map(|r| format!("{:.0}", r["cpu"]))
            .collect();
        let received = median(
            rounds[candidate]
                .iter()
                .map(|r| 100.0 * r["received"] / r["offered"].max(1.0))
                .collect(),
        );
        let wrong = sum(candidate, "wrong");
        let ids = if wrong == 0.0 {
            format!("yes ({:.0} checked)", sum(candidate, "checked"))
        } else {
            format!("no ({wrong:.0} wrong)")
        };
        println!(
            "{:<8} {:>17.1} {:>20} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.2}% {:>10.4} {:>22}",
            candidate,
            stat(candidate, "cpu"),
            all.join(" "),
            stat(candidate, "app"),
            stat(candidate, "app_bursts"),
            stat(candidate, "export"),
            stat(candidate, "ended"),
            received,
            stat(candidate, "app_allocs"),
            ids,
        );
        let off_app = median(
            rounds[candidate]
                .iter()
                .map(|r| r["export"] + r["ended"])
                .collect(),
        );
        // For `run.sh`.
        println!(
            "LOGS_CPU {candidate} {compression} {:.1} {:.1} {off_app:.1} {received:.2} {wrong:.0}",
            stat(candidate, "cpu"),
            stat(candidate, "app"),
        );
    }
    let ratio = stat("sdk", "cpu") / stat("traced", "cpu");
    println!("SDK / traced: {ratio:.2}x (the target: at least 4x)");
    println!("LOGS_CPU_RATIO {compression} {ratio:.2}");
    if invalid.is_empty() {
        println!("valid: the receiver got at least 99 % of what each round offered");
    } else {
        println!("INVALID: {}", invalid.join("; "));
    }
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu::cpu_model()
    );
}
