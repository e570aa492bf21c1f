//! CPU time of a set of threads (Linux): `/proc/self/task/<tid>/schedstat` (nanoseconds on the CPU),
//! falling back to `utime + stime` from `.../stat` (clock ticks, 10 ms each on most systems).

use std::collections::HashMap;
use std::sync::Mutex;

/// Thread ids registered by [`register_this_thread`] (the server runtime's).
static THREADS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// Thread ids registered by [`register_client_thread`] (the client runtime's, blocking pool included).
static CLIENT_THREADS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The calling thread's kernel thread id, from `/proc/thread-self` (`<pid>/task/<tid>`).
fn this_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Adds the calling thread to the measured set (called from the server runtime's `on_thread_start`).
pub fn register_this_thread() {
    register(&THREADS);
}

/// Adds the calling thread to the client set (called from the client runtime's `on_thread_start`).
pub fn register_client_thread() {
    register(&CLIENT_THREADS);
}

fn register(set: &Mutex<Vec<u32>>) {
    if let Some(tid) = this_tid()
        && let Ok(mut list) = set.lock()
    {
        list.push(tid);
    }
}

/// Nanoseconds per clock tick of the tick counts in `/proc` (USER_HZ, 100 per second on Linux).
const TICK_NS: u64 = 10_000_000;

/// Nanoseconds of CPU used so far by one thread of this process, if it still exists.
fn thread_cpu_ns(tid: u32) -> Option<u64> {
    if let Ok(s) = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
        && let Some(ns) = s.split_whitespace().next().and_then(|v| v.parse().ok())
    {
        return Some(ns);
    }
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * TICK_NS)
}

/// Nanoseconds of CPU the whole machine has spent busy so far, every process and the kernel's own threads
/// (the `cpu` line of `/proc/stat`: user, nice, system, irq and softirq; idle, I/O wait and time stolen
/// by a hypervisor left out). `None` where `/proc/stat` cannot be read.
pub fn machine_busy_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    Some(busy_ticks(stat.lines().find(|l| l.starts_with("cpu "))?)? * TICK_NS)
}

/// The busy clock ticks of a `/proc/stat` `cpu` line.
fn busy_ticks(line: &str) -> Option<u64> {
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal ...
    [0, 1, 2, 5, 6].iter().map(|&i| ticks.get(i).copied()).sum()
}

/// Per-thread CPU times of the registered threads at one moment.
#[derive(Debug, Clone, Default)]
pub struct CpuSnapshot(HashMap<u32, u64>);

impl CpuSnapshot {
    /// Reads every registered server thread that is still alive.
    pub fn take() -> CpuSnapshot {
        CpuSnapshot::of(&THREADS)
    }

    /// Reads every registered client thread that is still alive.
    pub fn clients() -> CpuSnapshot {
        CpuSnapshot::of(&CLIENT_THREADS)
    }

    fn of(set: &Mutex<Vec<u32>>) -> CpuSnapshot {
        let tids = set.lock().map(|l| l.clone()).unwrap_or_default();
        CpuSnapshot(
            tids.into_iter()
                .filter_map(|t| thread_cpu_ns(t).map(|ns| (t, ns)))
                .collect(),
        )
    }

    /// Whether any thread could be read (false when /proc is not available).
    pub fn is_available(&self) -> bool {
        !self.0.is_empty()
    }

    /// CPU nanoseconds used between `earlier` and `self`: threads in both count their difference, threads
    /// started in between count in full, threads that ended in between are left out.
    pub fn since(&self, earlier: &CpuSnapshot) -> u64 {
        self.0
            .iter()
            .map(|(tid, now)| now.saturating_sub(earlier.0.get(tid).copied().unwrap_or(0)))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_ticks_leave_out_idle_io_wait_and_steal() {
        assert_eq!(
            busy_ticks("cpu  100 2 30 5000 70 4 5 900 0 0"),
            Some(100 + 2 + 30 + 4 + 5)
        );
        assert_eq!(busy_ticks("cpu  1 2"), None);
        assert_eq!(busy_ticks("cpu  x 2 3 4 5 6 7"), None);
    }

    #[test]
    fn differences_skip_threads_that_ended() {
        let a = CpuSnapshot(HashMap::from([(1, 100), (2, 50)]));
        let b = CpuSnapshot(HashMap::from([(1, 160), (3, 7)]));
        assert_eq!(b.since(&a), 60 + 7);
        assert!(b.is_available());
        assert!(!CpuSnapshot::default().is_available());
    }
}
