//! Helpers for tests that drive a running `artnex` process: real signals, its stderr as it comes, its
//! exit code.

#![cfg(unix)]
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rustix::process::{Pid, Signal, kill_process};
use std::io::BufRead;
use std::process::Child;
use std::sync::{Arc, Mutex};

/// Sends `signal` to the child.
pub fn send(child: &Child, signal: Signal) {
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    kill_process(pid, signal).unwrap();
}

/// The child's stderr lines, collected as they come.
pub struct Stderr {
    lines: Arc<Mutex<Vec<String>>>,
    reader: std::thread::JoinHandle<()>,
}

impl Stderr {
    /// Whether a line seen so far contains `text`.
    pub fn seen(&self, text: &str) -> bool {
        self.lines.lock().unwrap().iter().any(|l| l.contains(text))
    }

    /// Every line, once the child has closed its stderr (call after it exited).
    pub fn all(self) -> String {
        self.reader.join().unwrap();
        self.lines.lock().unwrap().join("\n")
    }
}

/// Starts collecting the child's stderr lines (the child must have been spawned with a piped stderr).
pub fn collect_stderr(child: &mut Child) -> Stderr {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    Stderr { lines, reader }
}

/// Waits (off the async runtime) for the child to exit.
pub async fn exit_code(child: Child) -> Option<i32> {
    tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.wait().unwrap().code()
    })
    .await
    .unwrap()
}

impl Stderr {
    /// The first line seen so far that contains `text`.
    pub fn line_with(&self, text: &str) -> Option<String> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(text))
            .cloned()
    }
}
