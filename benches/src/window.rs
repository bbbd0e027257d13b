//! A candidate process's CPU and allocations over its measured window, split between the
//! application thread and the others: what `otlp_cpu` and `logs_cpu` report per exported item.
//!
//! ```no_run
//! use traced_benches::window::{Sample, Window};
//! let app = traced_benches::cpu::thread_id();
//! let before = Sample::take();
//! // … the measured window …
//! let after = Sample::take();
//! let window = Window::between(&before, &after, app);
//! window.print_threads("traced", "span", 1_000);
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cpu::{self, ThreadCpu};
use crate::thread_allocs;

/// The process's CPU, each live thread's, and each thread's allocations so far.
#[derive(Debug)]
pub struct Sample {
    process: Duration,
    threads: BTreeMap<i32, ThreadCpu>,
    allocations: BTreeMap<i32, u64>,
}

impl Sample {
    /// Now.
    pub fn take() -> Sample {
        let process = cpu::process_cpu();
        let threads = cpu::threads();
        let mut allocations = BTreeMap::new();
        for (tid, count) in thread_allocs::snapshot() {
            *allocations.entry(tid).or_insert(0) += count;
        }
        Sample {
            process,
            threads,
            allocations,
        }
    }
}

/// What happened between two [`Sample`]s.
#[derive(Debug)]
pub struct Window {
    /// The whole process's CPU.
    pub process: Duration,
    /// The application thread's.
    pub app: Duration,
    /// The other threads' still alive at the end (the export threads).
    pub others: Duration,
    pub app_allocations: u64,
    pub other_allocations: u64,
    /// Of threads that allocated but ended before the end: their CPU is only in `process`.
    pub ended_allocations: u64,
    /// Each thread alive at the end, with its CPU and allocations in the window.
    threads: BTreeMap<i32, (ThreadCpu, u64)>,
}

impl Window {
    /// The window from `before` to `after`, `app` being the application thread's id.
    pub fn between(before: &Sample, after: &Sample, app: i32) -> Window {
        let allocations = |tid: &i32| {
            after.allocations.get(tid).copied().unwrap_or(0)
                - before.allocations.get(tid).copied().unwrap_or(0)
        };
        let threads: BTreeMap<i32, (ThreadCpu, u64)> =
            cpu::threads_since(&before.threads, &after.threads)
                .into_iter()
                .map(|(tid, thread)| (tid, (thread, allocations(&tid))))
                .collect();
        let others = || threads.iter().filter(|(tid, _)| **tid != app);
        Window {
            process: after.process - before.process,
            app: threads.get(&app).map_or(Duration::ZERO, |(t, _)| t.cpu),
            others: others().map(|(_, (t, _))| t.cpu).sum(),
            app_allocations: allocations(&app),
            other_allocations: others().map(|(_, (_, n))| n).sum(),
            ended_allocations: after
                .allocations
                .keys()
                .filter(|tid| !threads.contains_key(tid))
                .map(allocations)
                .sum(),
            threads,
        }
    }

    /// Each thread that ran or allocated, per `unit` (`span`, `record`) of `items`, on stderr.
    pub fn print_threads(&self, candidate: &str, unit: &str, items: u64) {
        let items = items.max(1) as f64;
        for (tid, (thread, allocations)) in &self.threads {
            if thread.cpu > Duration::ZERO || *allocations > 0 {
                eprintln!(
                    "  {candidate} thread {tid} {:<16} {:>8.1} ns/{unit} {:>8.3} allocations/{unit}",
                    thread.name,
                    thread.cpu.as_nanos() as f64 / items,
                    *allocations as f64 / items,
                );
            }
        }
    }
}
