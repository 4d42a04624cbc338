//! Latency percentiles, throughput, the process's peak resident set size and CPU time.

use std::time::Duration;

/// Throughput and latency of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Calls completed.
    pub calls: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Median latency of one call.
    pub p50: Duration,
    /// 99th percentile latency of one call.
    pub p99: Duration,
    /// Slowest call.
    pub max: Duration,
}

impl Summary {
    /// Summarises per-call latencies measured over a run of `elapsed` wall time.
    pub fn new(mut latencies: Vec<Duration>, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        Self {
            calls: latencies.len(),
            elapsed,
            p50: percentile(&latencies, 50.0),
            p99: percentile(&latencies, 99.0),
            max: latencies.last().copied().unwrap_or_default(),
        }
    }

    /// Calls per second of wall time.
    pub fn calls_per_sec(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.calls as f64 / secs
        } else {
            0.0
        }
    }

    /// The summary as a JSON object (times in microseconds).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "calls": self.calls,
            "seconds": self.elapsed.as_secs_f64(),
            "calls_per_sec": self.calls_per_sec(),
            "p50_us": micros(self.p50),
            "p99_us": micros(self.p99),
            "max_us": micros(self.max),
        })
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} calls in {:.2} s: {:.0} calls/s, p50 {:.0} us, p99 {:.0} us, max {:.0} us",
            self.calls,
            self.elapsed.as_secs_f64(),
            self.calls_per_sec(),
            micros(self.p50),
            micros(self.p99),
            micros(self.max),
        )
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The nearest-rank percentile `p` (0..=100) of sorted values; zero when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The peak resident set size of this process in KiB (`VmHWM` in `/proc/self/status`),
/// or `None` where procfs is missing.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time this process has used so far (user plus system), from `/proc/self/stat`
/// in clock ticks of 10 ms (Linux's `USER_HZ` is 100 on every architecture it builds for).
pub fn cpu_time() -> Option<Duration> {
    stat_cpu_time("/proc/self/stat")
}

/// CPU time process `pid` has used so far, all its threads: the sum of the
/// scheduler's nanosecond counts in `/proc/PID/task/*/schedstat` (threads that
/// already ended are not counted, so measure a long-lived server).
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let text = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        let nanos: u64 = text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        total += Duration::from_nanos(nanos);
    }
    Some(total)
}

/// User plus system time from a procfs `stat` file (a process's or a thread's).
fn stat_cpu_time(path: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after `)`.
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// CPU time the calling thread has used so far, by two clocks that disagree on a
/// VM (see BENCHMARKS.md), so reports show both.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThreadCpu {
    /// The scheduler's nanosecond count (`se.sum_exec_runtime` in
    /// `/proc/thread-self/sched`); zero where the kernel does not show it.
    pub scheduler: Duration,
    /// User plus system time in ticks of 10 ms (`/proc/thread-self/stat`), as
    /// `time` and `getrusage` report it; zero without procfs.
    pub ticks: Duration,
}

impl ThreadCpu {
    /// Both clocks now, for the calling thread.
    pub fn now() -> Self {
        let scheduler = || {
            let sched = std::fs::read_to_string("/proc/thread-self/sched").ok()?;
            let ms: f64 = sched
                .lines()
                .find_map(|line| line.strip_prefix("se.sum_exec_runtime"))?
                .trim_start_matches([' ', ':'])
                .trim()
                .parse()
                .ok()?;
            Some(Duration::from_secs_f64(ms / 1e3))
        };
        Self {
            scheduler: scheduler().unwrap_or_default(),
            ticks: stat_cpu_time("/proc/thread-self/stat").unwrap_or_default(),
        }
    }

    /// CPU time per call since `start`, over `calls` calls.
    pub fn per_call_since(start: Self, calls: usize) -> Self {
        let now = Self::now();
        let n = u32::try_from(calls.max(1)).unwrap_or(u32::MAX);
        Self {
            scheduler: now.scheduler.saturating_sub(start.scheduler) / n,
            ticks: now.ticks.saturating_sub(start.ticks) / n,
        }
    }

    /// Both clocks in microseconds, as JSON.
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "scheduler_us": micros(self.scheduler),
            "ticks_us": micros(self.ticks),
        })
    }
}

/// How often the kernel took the CPU from this process (`nonvoluntary_ctxt_switches`).
pub fn involuntary_context_switches() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("nonvoluntary_ctxt_switches:"))
        .and_then(|rest| rest.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let ms = |n: u64| Duration::from_millis(n);
        let values: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&values, 50.0), ms(50));
        assert_eq!(percentile(&values, 99.0), ms(99));
        assert_eq!(percentile(&values, 100.0), ms(100));
        assert_eq!(percentile(&[ms(7)], 99.0), ms(7));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
        let s = Summary::new(vec![ms(3), ms(1), ms(2)], Duration::from_secs(1));
        assert_eq!((s.calls, s.p50, s.max), (3, ms(2), ms(3)));
        assert!((s.calls_per_sec() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn reads_process_counters_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_kib().is_some_and(|kib| kib > 0));
            assert!(involuntary_context_switches().is_some());
            // Burn ~50 ms of CPU so at least one 10 ms tick is counted.
            let start = std::time::Instant::now();
            let mut x = 0u64;
            while start.elapsed() < Duration::from_millis(50) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
            assert!(cpu_time().is_some_and(|t| t >= Duration::from_millis(10)));
            assert!(ThreadCpu::now().ticks >= Duration::from_millis(10));
        }
    }
}
