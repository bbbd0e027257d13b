//! CPU time of this process and of each of its threads, for whole-pipeline costs (`otlp_cpu`).
//!
//! The process total comes from `getrusage(RUSAGE_SELF)` (user + system, threads that have
//! ended included). A thread's comes from `/proc/self/task/<tid>/schedstat`: its first field
//! is the scheduler's run time in nanoseconds, the same clock `stat`'s utime + stime are
//! scaled to, but not rounded to 10 ms ticks (a producer costing 100 ns per span for 500 000
//! spans runs 50 ms: ticks would be 20 % off).

use std::collections::BTreeMap;
use std::time::Duration;

/// User + system CPU time of the whole process so far (`getrusage(RUSAGE_SELF)`).
pub fn process_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is valid for writes of one `rusage`, which `getrusage` fills on success.
    let status = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(status, 0, "getrusage(RUSAGE_SELF)");
    // SAFETY: zero-initialised, then filled by `getrusage`; every bit pattern is an `rusage`.
    let usage = unsafe { usage.assume_init() };
    timeval(usage.ru_utime) + timeval(usage.ru_stime)
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// CPU time of the calling thread so far (`CLOCK_THREAD_CPUTIME_ID`, nanoseconds).
pub fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid `timespec` to write to.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// The id of the calling thread (`gettid`).
pub fn thread_id() -> i32 {
    // SAFETY: `gettid` has no preconditions.
    unsafe { libc::gettid() }
}

/// One thread's name (`comm`, at most 15 bytes) and run time so far.
#[derive(Debug, Clone)]
pub struct ThreadCpu {
    pub name: String,
    pub cpu: Duration,
}

/// Every live thread of this process by id, with its name and run time so far.
pub fn threads() -> BTreeMap<i32, ThreadCpu> {
    let mut threads = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return threads;
    };
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let path = task.path();
        // A thread that ended between the listing and these reads is left out.
        let (Ok(name), Ok(schedstat)) = (
            std::fs::read_to_string(path.join("comm")),
            std::fs::read_to_string(path.join("schedstat")),
        ) else {
            continue;
        };
        let Some(ns) = schedstat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse().ok())
        else {
            continue;
        };
        threads.insert(
            tid,
            ThreadCpu {
                name: name.trim_end().to_owned(),
                cpu: Duration::from_nanos(ns),
            },
        );
    }
    threads
}

/// What each thread ran between two [`threads`] snapshots, by id: a thread started in between
/// counts from zero, one that ended in between is missing (its time is only in
/// [`process_cpu`]).
pub fn threads_since(
    before: &BTreeMap<i32, ThreadCpu>,
    after: &BTreeMap<i32, ThreadCpu>,
) -> BTreeMap<i32, ThreadCpu> {
    after
        .iter()
        .map(|(tid, now)| {
            let then = before
                .get(tid)
                .filter(|then| then.name == now.name)
                .map_or(Duration::ZERO, |then| then.cpu);
            let cpu = now.cpu.saturating_sub(then);
            (
                *tid,
                ThreadCpu {
                    name: now.name.clone(),
                    cpu,
                },
            )
        })
        .collect()
}

/// The model name of this machine's CPU, from `lscpu` (or `/proc/cpuinfo` without it).
pub fn cpu_model() -> String {
    let lscpu = std::process::Command::new("lscpu")
        .env("LC_ALL", "C")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .unwrap_or_default();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |text: &str, key: &str| {
        text.lines()
            .find_map(|line| {
                let (k, v) = line.split_once(':')?;
                (k.trim() == key).then(|| v.trim().to_owned())
            })
            .filter(|v| !v.is_empty())
    };
    field(&lscpu, "Model name")
        .or_else(|| field(&cpuinfo, "model name"))
        .unwrap_or_else(|| "unknown".to_owned())
}
