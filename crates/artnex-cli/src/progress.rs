//! Progress display on stderr: a spinner with elapsed time and status while waiting, a bar for batches.
//! Drawn only when stderr is a terminal; silent otherwise (scripts, CI, pipes).

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// A live status line. Dropping it (or calling [`Progress::finish`]) clears the line.
pub struct Progress {
    message: Arc<Mutex<String>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Starts a spinner showing `message`; a no-op when stderr is not a terminal or `enabled` is false.
    pub fn spinner(message: impl Into<String>, enabled: bool) -> Progress {
        let message = Arc::new(Mutex::new(message.into()));
        let task = (enabled && std::io::stderr().is_terminal()).then(|| {
            let message = message.clone();
            let started = Instant::now();
            tokio::spawn(async move {
                let mut frame = 0usize;
                loop {
                    let text = message.lock().map(|m| m.clone()).unwrap_or_default();
                    let elapsed = started.elapsed().as_secs();
                    {
                        let mut err = std::io::stderr().lock();
                        let _ = write!(
                            err,
                            "\r\x1b[2K{} {text} · {}:{:02}",
                            FRAMES[frame % FRAMES.len()],
                            elapsed / 60,
                            elapsed % 60
                        );
                        let _ = err.flush();
                    }
                    frame += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        });
        Progress { message, task }
    }

    /// Replaces the message.
    pub fn set(&self, message: impl Into<String>) {
        if let Ok(mut m) = self.message.lock() {
            *m = message.into();
        }
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A batch bar: `[#####.....] 12/40 · 2 failed · 1200 credits`.
pub fn bar(done: usize, total: usize, failed: usize, credits: u64) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "[{}{}] {done}/{total} · {failed} failed · {credits} credits",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_fills_proportionally() {
        assert_eq!(
            bar(0, 4, 0, 0),
            format!("[{}] 0/4 · 0 failed · 0 credits", ".".repeat(24))
        );
        assert!(bar(2, 4, 1, 300).starts_with(&format!("[{}{}]", "#".repeat(12), ".".repeat(12))));
        assert!(bar(0, 0, 0, 0).starts_with(&format!("[{}]", "#".repeat(24))));
    }

    #[tokio::test]
    async fn spinner_is_silent_when_disabled() {
        let p = Progress::spinner("waiting", false);
        assert!(p.task.is_none());
        p.set("still waiting");
        assert_eq!(*p.message.lock().unwrap(), "still waiting");
    }
}
