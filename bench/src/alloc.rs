//! A counting global allocator that counts only on threads that opted in.
//!
//! The client runtime's threads call [`track_this_thread`] when they start, so every allocation the SDK,
//! reqwest, hyper and tokio's blocking pool make for the client is counted, while the simulator (on its
//! own runtime) and the harness's main thread are not. Counters are process-wide atomics: `current`
//! (bytes live), `peak` (highest `current` since the last [`reset_peak`]), the number of allocation calls
//! and the bytes they asked for.
//!
//! Counting is off unless a [`Window`] is open, so that timing measurements do not pay for the atomic
//! counters (which would tax the side that allocates more).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

/// The allocator: [`System`] plus counters.
pub struct Counting;

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
static CALLS: AtomicU64 = AtomicU64::new(0);
static REQUESTED: AtomicU64 = AtomicU64::new(0);

#[inline]
fn tracked() -> bool {
    // `try_with`: no panic while the thread's locals are being torn down.
    ENABLED.load(Relaxed) && TRACKED.try_with(Cell::get).unwrap_or(false)
}

#[inline]
fn grow(bytes: usize) {
    CALLS.fetch_add(1, Relaxed);
    REQUESTED.fetch_add(bytes as u64, Relaxed);
    let now = CURRENT.fetch_add(bytes as i64, Relaxed) + bytes as i64;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counting around
// it touches only atomics and a const-initialised thread-local `Cell<bool>` (no allocation, no Drop).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && tracked() {
            grow(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && tracked() {
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) };
        if tracked() {
            CURRENT.fetch_sub(layout.size() as i64, Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && tracked() {
            // Counted as a change of size: large blocks are moved with mremap (no second copy in memory),
            // and a small block's brief copy is negligible here.
            CALLS.fetch_add(1, Relaxed);
            REQUESTED.fetch_add(new_size as u64, Relaxed);
            let delta = new_size as i64 - layout.size() as i64;
            let now = CURRENT.fetch_add(delta, Relaxed) + delta;
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
}

/// Counts this thread's allocations from now on.
pub fn track_this_thread() {
    TRACKED.with(|t| t.set(true));
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counters {
    current: i64,
    calls: u64,
    requested: u64,
}

fn counters() -> Counters {
    Counters {
        current: CURRENT.load(Relaxed),
        calls: CALLS.load(Relaxed),
        requested: REQUESTED.load(Relaxed),
    }
}

/// What a [`Window`] saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// Highest live bytes during the window minus live bytes when it opened.
    pub peak_growth: f64,
    /// Allocation calls (alloc, alloc_zeroed, realloc) during the window.
    pub calls: f64,
    /// Bytes those calls asked for.
    pub requested: f64,
}

/// Counting is on while a window is open (one at a time).
#[derive(Debug)]
pub struct Window {
    start: Counters,
}

impl Window {
    /// Turns counting on and starts a new peak.
    pub fn open() -> Window {
        ENABLED.store(true, Relaxed);
        let start = counters();
        PEAK.store(start.current, Relaxed);
        Window { start }
    }

    /// Turns counting off and returns what happened since [`Window::open`].
    pub fn close(self) -> Usage {
        let end = counters();
        let peak = PEAK.load(Relaxed);
        ENABLED.store(false, Relaxed);
        Usage {
            peak_growth: (peak - self.start.current) as f64,
            calls: (end.calls - self.start.calls) as f64,
            requested: (end.requested - self.start.requested) as f64,
        }
    }
}
