//! The paced loop of the whole-process CPU benchmarks (`otlp_cpu`, `logs_cpu`), the cost of
//! the loop itself, and what their orchestrators share: command-line options, the `ROUND`
//! lines candidates print, the median of rounds.
//!
//! ```no_run
//! use std::time::{Duration, Instant};
//! use traced_benches::paced::{Pacing, Schedule};
//!
//! let pacing = Pacing::measure(100_000.0, 2.0);
//! let mut schedule = Schedule::new(100_000.0);
//! schedule.run(Instant::now() + Duration::from_secs(1), |i| {
//!     std::hint::black_box(i);
//! });
//! println!("{} offered, the loop alone {:?} per burst", schedule.produced, pacing.per_burst);
//! ```

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::{args, cpu};

/// Iterations (two spans, or two log events, each) per burst of the paced loop.
pub const BURST: u64 = 64;

/// A schedule of `rate` items per second kept from `start`: bursts of [`BURST`] iterations,
/// each followed by a sleep until the time the items produced so far are due.
#[derive(Debug)]
pub struct Schedule {
    pub start: Instant,
    pub rate: f64,
    /// Items offered (two per iteration).
    pub produced: u64,
    pub bursts: u64,
    /// The producing thread's CPU time inside bursts, read around each one.
    pub in_bursts: Duration,
}

impl Schedule {
    /// A schedule of `rate` items per second from now.
    pub fn new(rate: f64) -> Schedule {
        Schedule {
            start: Instant::now(),
            rate,
            produced: 0,
            bursts: 0,
            in_bursts: Duration::ZERO,
        }
    }

    /// Runs bursts of `iteration` until `until`.
    pub fn run(&mut self, until: Instant, mut iteration: impl FnMut(u64)) {
        while Instant::now() < until {
            let first = self.produced / 2;
            let before = cpu::thread_cpu();
            for i in first..first + BURST {
                iteration(i);
            }
            self.in_bursts += cpu::thread_cpu() - before;
            self.produced += 2 * BURST;
            self.bursts += 1;
            let due = self.start + Duration::from_secs_f64(self.produced as f64 / self.rate);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
    }
}

/// The pacing loop's own CPU per burst: the same schedule, producing nothing.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// The whole loop, sleeps and wake-ups included.
    pub per_burst: Duration,
    /// Inside bursts only (the clock reads around an empty burst).
    pub in_burst: Duration,
}

impl Pacing {
    /// The loop at `rate` for `seconds`. Measure it while no pipeline runs (before one is
    /// installed, or after it shut down), so that what the process spends is this thread's.
    pub fn measure(rate: f64, seconds: f64) -> Pacing {
        let mut schedule = Schedule::new(rate);
        let before = cpu::process_cpu();
        schedule.run(schedule.start + Duration::from_secs_f64(seconds), |i| {
            black_box(args(i));
        });
        let bursts = schedule.bursts.max(1) as u32;
        Pacing {
            per_burst: (cpu::process_cpu() - before) / bursts,
            in_burst: schedule.in_bursts / bursts,
        }
    }

    /// The mean of two measurements.
    pub fn mean(self, other: Pacing) -> Pacing {
        Pacing {
            per_burst: (self.per_burst + other.per_burst) / 2,
            in_burst: (self.in_burst + other.in_burst) / 2,
        }
    }
}

/// A paced benchmark's command line: the measured window, the warm-up before it, how long the
/// pacing loop's own cost is measured, the offered rate and the rounds.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seconds: f64,
    pub warmup: f64,
    pub pacing: f64,
    pub rate: f64,
    pub rounds: usize,
}

impl Options {
    /// From `--seconds` (5), `--warmup` (1), `--pacing` (2), `--rate` (`rate`), `--rounds` (3).
    pub fn from_args(rate: f64) -> Options {
        Options {
            seconds: arg_f64("--seconds", 5.0),
            warmup: arg_f64("--warmup", 1.0),
            pacing: arg_f64("--pacing", 2.0),
            rate: arg_f64("--rate", rate),
            rounds: arg_f64("--rounds", 3.0) as usize,
        }
    }

    /// The arguments a candidate process is started with (all but the rounds).
    pub fn to_args(self) -> Vec<String> {
        [
            ("--seconds", self.seconds),
            ("--warmup", self.warmup),
            ("--pacing", self.pacing),
            ("--rate", self.rate),
        ]
        .iter()
        .flat_map(|(k, v)| [k.to_string(), v.to_string()])
        .collect()
    }
}

/// The value after `name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let argv: Vec<String> = std::env::args().collect();
    argv.iter()
        .position(|a| a == name)
        .and_then(|i| argv.get(i + 1))
        .cloned()
}

/// The number after `name` on the command line, else `default`.
pub fn arg_f64(name: &str, default: f64) -> f64 {
    arg(name).map_or(default, |v| v.parse().expect("a number"))
}

/// One candidate round's figures, by name.
pub type Round = BTreeMap<String, f64>;

/// The candidate's `ROUND <candidate> key=value…` line in its stdout.
pub fn parse_round(stdout: &str) -> Option<Round> {
    let line = stdout.lines().find(|l| l.starts_with("ROUND "))?;
    line.split_whitespace()
        .skip(2)
        .map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

/// The median (the mean of the middle two for an even count; NaN for none).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
