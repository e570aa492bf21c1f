//! Helpers for the batch journal tests: reading the journal a run wrote, counting what reached the
//! simulator, and waiting for a child process to get somewhere.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use artnex_mock::{DEFAULT_KEY, LedgerKind, MockServer};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every line of stdout as a JSON document.
pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The last JSON line's `summary`.
pub fn summary(stdout: &[u8]) -> Value {
    json_lines(stdout)
        .last()
        .and_then(|d| d.get("summary").cloned())
        .unwrap_or_else(|| panic!("no summary in {}", String::from_utf8_lossy(stdout)))
}

/// The journal's readable item entries (run records and unreadable lines left out).
pub fn entries(journal: &Path) -> Vec<Value> {
    std::fs::read(journal)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("event").is_some())
        .collect()
}

/// How many entries of this event the journal holds.
pub fn events(journal: &Path, event: &str) -> usize {
    entries(journal)
        .iter()
        .filter(|e| e["event"] == event)
        .count()
}

/// POST requests the simulator received.
pub fn posts(mock: &MockServer) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

/// Charges in the default key's ledger.
pub fn charges(mock: &MockServer) -> usize {
    mock.ledger(DEFAULT_KEY)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .count()
}

/// Polls `done` until it holds; fails the test with `what` if it never does (a liveness guard, not a
/// timing assertion).
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Writes the lines of a batch file.
pub fn write_batch(path: &Path, lines: &[&str]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The key journals of the first format gave an item: FNV-1a (64 bits) over `"<line>:<request JSON>"`,
/// with the request as serde_json prints a parsed line.
pub fn line_number_key(line: usize, text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap();
    let text = format!("{line}:{value}");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}
