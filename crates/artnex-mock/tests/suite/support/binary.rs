//! Starting the `artnex-mock` binary in tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the child we started when the test ends, even on failure.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `artnex-mock` binary: its base URL, its banner, and every later stdout line.
pub struct Binary {
    pub guard: Guard,
    pub base: String,
    pub banner: Vec<String>,
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Binary {
    pub async fn start(args: &[&str]) -> Binary {
        let child = Command::new(env!("CARGO_BIN_EXE_artnex-mock"))
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn artnex-mock");
        let mut guard = Guard(child);
        let stdout = guard.0.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        while let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(30)) {
            let done = line.starts_with("Press Ctrl-C");
            banner.push(line);
            if done || banner.len() > 40 {
                break;
            }
        }
        let first = banner.first().cloned().unwrap_or_default();
        let base = first
            .strip_prefix("artnex-mock listening on ")
            .unwrap_or_else(|| panic!("banner: {banner:?}"))
            .trim()
            .to_string();
        Binary {
            guard,
            base,
            banner,
            lines,
        }
    }

    /// Stops the process and returns what it printed after the banner.
    pub fn stop(self) -> Vec<String> {
        drop(self.guard);
        self.lines.iter().collect()
    }

    /// The process id (to read its memory use).
    pub fn pid(&self) -> u32 {
        self.guard.0.id()
    }
}
