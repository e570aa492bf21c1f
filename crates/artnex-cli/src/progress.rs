//! Progress on stderr: a spinner while a video job runs, a bar for batches (items, credits, ETA).
//!
//! Drawn (with indicatif) only when stderr is a terminal whose `TERM` is not `dumb`; anywhere else (CI
//! logs, pipes, files) progress is plain lines, with no carriage returns or escape sequences. `NO_COLOR`
//! turns the bar's colours off. JSON mode draws nothing: scripts read stdout.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use crate::out::errln;

/// The bar or spinner being drawn, so that messages can be written around it.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (JSON output).
    Off,
    /// Plain lines (stderr is not a terminal, or `TERM=dumb`).
    Lines,
    /// A live display; `color` unless `NO_COLOR` is set.
    Live {
        /// Whether to use colours.
        color: bool,
    },
}

impl Mode {
    /// The mode for this process's stderr; `Off` when `enabled` is false.
    pub fn detect(enabled: bool) -> Mode {
        if !enabled {
            return Mode::Off;
        }
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        if !std::io::stderr().is_terminal() || dumb {
            return Mode::Lines;
        }
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Mode::Live { color: !no_color }
    }
}

/// Runs `f` (which writes to stderr) with the live display cleared, then redraws it.
pub fn around(f: impl FnOnce()) {
    let bar = ACTIVE.lock().ok().and_then(|a| a.clone());
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

fn activate(bar: &ProgressBar) {
    if let Ok(mut a) = ACTIVE.lock() {
        *a = Some(bar.clone());
    }
}

fn deactivate() {
    if let Ok(mut a) = ACTIVE.lock() {
        *a = None;
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// A status line while waiting: a spinner with the elapsed time on a terminal, a plain line for each
/// change elsewhere. Cleared when dropped.
pub struct Spinner {
    mode: Mode,
    bar: ProgressBar,
    last: Mutex<String>,
}

impl Spinner {
    /// Starts showing `message`.
    pub fn new(message: impl Into<String>, mode: Mode) -> Spinner {
        let message = message.into();
        let bar = match mode {
            Mode::Live { color } => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(style(if color {
                    "{spinner:.cyan} {msg} · {elapsed}"
                } else {
                    "{spinner} {msg} · {elapsed}"
                }));
                bar.set_message(message.clone());
                bar.enable_steady_tick(Duration::from_millis(100));
                activate(&bar);
                bar
            }
            _ => ProgressBar::hidden(),
        };
        let spinner = Spinner {
            mode,
            bar,
            last: Mutex::new(String::new()),
        };
        spinner.set(message);
        spinner
    }

    /// Replaces the message (a plain line is printed only when it changed).
    pub fn set(&self, message: impl Into<String>) {
        let message = message.into();
        match self.mode {
            Mode::Live { .. } => self.bar.set_message(message),
            Mode::Lines => {
                let changed = self
                    .last
                    .lock()
                    .map(|mut last| {
                        let changed = *last != message;
                        last.clone_from(&message);
                        changed
                    })
                    .unwrap_or(true);
                if changed {
                    errln!("{message} · {}", elapsed(self.bar.elapsed()));
                }
            }
            Mode::Off => {}
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if matches!(self.mode, Mode::Live { .. }) {
            deactivate();
            self.bar.finish_and_clear();
        }
    }
}

/// `m:ss`, or `h:mm:ss` past an hour.
fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A batch's progress: a bar with items done, failures, credits and the time left on a terminal; a plain
/// line per finished item elsewhere.
pub struct BatchBar {
    mode: Mode,
    bar: ProgressBar,
}

impl BatchBar {
    /// A bar for `total` items.
    pub fn new(total: usize, mode: Mode) -> BatchBar {
        let bar = match mode {
            Mode::Live { color } => {
                let bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
                bar.set_style(
                    style(if color {
                        "{bar:24.cyan/blue} {pos}/{len} items · {msg} · ETA {eta}"
                    } else {
                        "{bar:24} {pos}/{len} items · {msg} · ETA {eta}"
                    })
                    .progress_chars("=> "),
                );
                bar.set_message(counts(0, 0));
                bar.enable_steady_tick(Duration::from_millis(200));
                activate(&bar);
                bar
            }
            _ => ProgressBar::hidden(),
        };
        bar.set_length(total as u64);
        BatchBar { mode, bar }
    }

    /// One more item finished; `failed` and `credits` are the totals so far.
    pub fn item_done(&self, failed: usize, credits: u64) {
        if self.mode == Mode::Off {
            return;
        }
        self.bar.inc(1);
        self.bar.set_message(counts(failed, credits));
        if self.mode == Mode::Lines {
            let pos = self.bar.position();
            let len = self.bar.length().unwrap_or(pos);
            let eta = if pos < len {
                format!(
                    " · about {} left",
                    crate::report::human_duration(self.bar.eta())
                )
            } else {
                String::new()
            };
            errln!(
                "batch: {pos}/{len} items · {}{eta}",
                counts(failed, credits)
            );
        }
    }

    /// Removes the bar (before the summary is printed).
    pub fn finish(&self) {
        if matches!(self.mode, Mode::Live { .. }) {
            deactivate();
            self.bar.finish_and_clear();
        }
    }
}

impl Drop for BatchBar {
    fn drop(&mut self) {
        self.finish();
    }
}

fn counts(failed: usize, credits: u64) -> String {
    format!("{failed} failed · {credits} credits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_times_read_like_a_clock() {
        assert_eq!(elapsed(Duration::from_secs(0)), "0:00");
        assert_eq!(elapsed(Duration::from_secs(75)), "1:15");
        assert_eq!(elapsed(Duration::from_secs(3725)), "1:02:05");
    }

    #[test]
    fn off_and_lines_modes_draw_nothing_live() {
        let s = Spinner::new("waiting", Mode::Off);
        s.set("still waiting");
        assert!(s.bar.is_hidden());
        // Off: nothing is drawn or counted (JSON runs do no per-item work for a display).
        let b = BatchBar::new(3, Mode::Off);
        b.item_done(0, 10);
        assert!(b.bar.is_hidden());
        assert_eq!(b.bar.position(), 0);
        assert!(ACTIVE.lock().unwrap().is_none());
    }
}
