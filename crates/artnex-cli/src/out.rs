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
    /// Lines held back on this thread (see [`hold`]).
    static HELD: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// How much is held back at most before it is written.
const HELD_BYTES: usize = 64 * 1024;

/// Holds back the lines printed to stdout on this thread, to be written in one write by [`Held::write`]
/// or when the guard is dropped, rather than one write per line: for lines printed together (the items a
/// batch finished in earlier runs, or items finishing in the same moment). Inside another hold, holds
/// nothing of its own.
pub fn hold() -> Held {
    let outer = HELD.with(|h| {
        let mut h = h.borrow_mut();
        let idle = h.is_none();
        if idle {
            *h = Some(Vec::with_capacity(HELD_BYTES));
        }
        idle
    });
    Held {
        outer,
        _thread: std::marker::PhantomData,
    }
}

/// Lines held back on this thread: see [`hold`].
pub struct Held {
    /// Whether this guard started the hold (and so ends it).
    outer: bool,
    /// The lines are the thread's: the guard stays on it.
    _thread: std::marker::PhantomData<*const ()>,
}

impl Held {
    /// Writes the lines held so far, and goes on holding. Returns whether stdout is still there.
    pub fn write(&self) -> bool {
        let held = HELD.with(|h| h.borrow_mut().as_mut().map(std::mem::take));
        match held {
            Some(text) if !text.is_empty() => raw(&text),
            _ => !stdout_gone(),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.outer
            && let Some(text) = HELD.with(|h| h.borrow_mut().take())
            && !text.is_empty()
        {
            raw(&text);
        }
    }
}

/// Writes one line to stdout (and flushes it, so that a reader of a pipe sees it at once; while lines are
/// held, when they are written: see [`hold`]). Returns whether it was written (or held).
pub fn line(text: &str) -> bool {
    if stdout_gone() {
        return false;
    }
    let held = HELD.with(|h| {
        let mut h = h.borrow_mut();
        let buf = h.as_mut()?;
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'\n');
        Some(if buf.len() >= HELD_BYTES {
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
