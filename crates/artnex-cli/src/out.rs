//! Writing to stdout and stderr without ever panicking: `artnex demo | head -3` or a closed stderr must
//! not crash a command that may have been charged. A write to stdout that fails (the reader went away)
//! marks stdout as gone: single commands go on quietly (their results are saved before they print), and a
//! batch stops starting items (see [`stdout_gone`]).
//!
//! Lines for stderr go around the progress display (see [`crate::progress`]), so that a message never
//! tears the bar.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);

/// Whether a write to stdout has failed (its reader closed the pipe, say).
pub fn stdout_gone() -> bool {
    STDOUT_GONE.load(Ordering::SeqCst)
}

thread_local! {
    /// Lines held back by [`burst`] on this thread.
    static BURST: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// How much a [`burst`] holds back at most before it writes.
const BURST_BYTES: usize = 64 * 1024;

/// Runs `f`, writing the lines it prints to stdout on this thread in a few large writes rather than one
/// write per line: for many lines printed at once, with nothing to wait for in between (the items a
/// batch finished in earlier runs). Everything is written before this returns; inside a burst already, `f`
/// just runs as part of it.
pub fn burst<T>(f: impl FnOnce() -> T) -> T {
    let started = BURST.with(|b| {
        let mut b = b.borrow_mut();
        let idle = b.is_none();
        if idle {
            *b = Some(Vec::with_capacity(BURST_BYTES));
        }
        idle
    });
    let result = f();
    if started && let Some(held) = BURST.with(|b| b.borrow_mut().take()) {
        raw(&held);
    }
    result
}

/// Runs `future`, each of its polls a [`burst`]: the lines it prints to stdout between two waits go out in
/// one write, just before it waits (a batch's items finishing in one turn share a write, and a reader of
/// a pipe still has every line before the process sleeps).
pub async fn in_bursts<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| burst(|| future.as_mut().poll(cx))).await
}

/// Writes one line to stdout (and flushes it, so that a reader of a pipe sees it at once; inside a
/// [`burst`], when the burst ends). Returns whether it was written.
pub fn line(text: &str) -> bool {
    if stdout_gone() {
        return false;
    }
    let held = BURST.with(|b| {
        let mut b = b.borrow_mut();
        let buf = b.as_mut()?;
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'\n');
        Some(if buf.len() >= BURST_BYTES {
            std::mem::take(buf)
        } else {
            Vec::new()
        })
    });
    if let Some(full) = held {
        return full.is_empty() || raw(&full);
    }
    let mut stdout = std::io::stdout().lock();
    let ok = writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .is_ok();
    if !ok {
        STDOUT_GONE.store(true, Ordering::SeqCst);
    }
    ok
}

/// Writes text to stdout as it is (no newline added).
pub fn raw(bytes: &[u8]) -> bool {
    if stdout_gone() {
        return false;
    }
    let mut stdout = std::io::stdout().lock();
    let ok = stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .is_ok();
    if !ok {
        STDOUT_GONE.store(true, Ordering::SeqCst);
    }
    ok
}

/// Writes one line to stderr, above the progress display when one is drawn; errors are ignored (there is
/// nowhere left to report them).
pub fn err(text: &str) {
    crate::progress::around(|| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{text}");
        let _ = stderr.flush();
    });
}

/// `println!` that never panics: see [`line`].
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = $crate::out::line(&format!($($arg)*));
    }};
}

/// `eprintln!` that never panics: see [`err`].
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::out::err(&format!($($arg)*))
    };
}

pub(crate) use {errln, outln};
