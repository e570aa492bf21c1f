//! The stall guard of API calls: a server that stops sending (or stops reading an upload) must not hang
//! the caller, and the read timeout is the only guard (there is no overall cap by default).
//!
//! One timer per request is what it costs in reqwest (armed for the headers, again for the body, and read
//! on every poll of it) or in a `tokio::time::timeout`: a timer-wheel entry registered and removed on
//! every call, often from two worker threads. Here no call arms a timer. Each attempt registers in its
//! client's table (a slot in a vector under a mutex) with the time of its last activity; one sweeper task
//! per client wakes every eighth of the timeout (at most every second), and fails the attempts whose
//! last activity is older than the timeout. An attempt is active when it starts, while its upload body
//! makes progress, and when the response's headers arrive; so a stalled call fails between the timeout
//! and 1/8 more after it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use tokio::time::Instant;

use crate::media::upload::UploadState;

/// A client's stall guard: the timeout and the table of attempts in flight. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Guard {
    inner: Arc<Table>,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

struct Table {
    timeout: Duration,
    epoch: Instant,
    slots: Mutex<Slots>,
    /// Whether a sweeper task is running (it clears this when its runtime drops it).
    sweeping: AtomicBool,
}

#[derive(Default)]
struct Slots {
    watched: Vec<Option<Arc<Watched>>>,
    free: Vec<usize>,
}

/// One attempt as the sweeper sees it.
struct Watched {
    /// Milliseconds from the table's epoch to the attempt's last activity.
    last: AtomicU64,
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
    upload: Option<Arc<UploadState>>,
}

/// Nothing happened for the whole timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stalled;

impl Guard {
    /// A guard that fails attempts after `timeout` without activity.
    pub(crate) fn new(timeout: Duration) -> Guard {
        Guard {
            inner: Arc::new(Table {
                timeout,
                epoch: Instant::now(),
                slots: Mutex::new(Slots::default()),
                sweeping: AtomicBool::new(false),
            }),
        }
    }

    /// The timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Registers an attempt, active from now; `upload` is its upload body's progress, if it has one.
    pub(crate) fn watch(&self, upload: Option<Arc<UploadState>>) -> Watch<'_> {
        let watched = Arc::new(Watched {
            last: AtomicU64::new(self.inner.now_ms()),
            fired: AtomicBool::new(false),
            waker: Mutex::new(None),
            upload,
        });
        let slot = self.inner.slots.lock().ok().map(|mut s| {
            let at = match s.free.pop() {
                Some(at) => at,
                None => {
                    s.watched.push(None);
                    s.watched.len() - 1
                }
            };
            s.watched[at] = Some(watched.clone());
            at
        });
        self.ensure_sweeper();
        Watch {
            table: &self.inner,
            watched,
            slot,
        }
    }

    /// Starts the sweeper if none runs (the first attempt, or after the runtime that ran it ended).
    fn ensure_sweeper(&self) {
        // A read first: every attempt passes here, and a write would move the flag's cache line between
        // the threads that make calls.
        if self.inner.sweeping.load(Ordering::Acquire)
            || self.inner.sweeping.swap(true, Ordering::AcqRel)
        {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            // No runtime to run it on (never the case inside a request): the next attempt tries again.
            self.inner.sweeping.store(false, Ordering::Release);
            return;
        };
        let table = Arc::downgrade(&self.inner);
        let tick = (self.inner.timeout / 8).clamp(Duration::from_millis(5), Duration::from_secs(1));
        rt.spawn(sweep(table, tick));
    }
}

/// Clears `sweeping` when the sweeper ends or is dropped with its runtime.
struct Sweeping(Weak<Table>);

impl Drop for Sweeping {
    fn drop(&mut self) {
        if let Some(t) = self.0.upgrade() {
            t.sweeping.store(false, Ordering::Release);
        }
    }
}

async fn sweep(table: Weak<Table>, tick: Duration) {
    let _sweeping = Sweeping(table.clone());
    loop {
        tokio::time::sleep(tick).await;
        // The client is gone: so are its attempts.
        let Some(t) = table.upgrade() else { return };
        let now = t.now_ms();
        let timeout = u64::try_from(t.timeout.as_millis()).unwrap_or(u64::MAX);
        let due: Vec<Arc<Watched>> = match t.slots.lock() {
            Ok(s) => s
                .watched
                .iter()
                .flatten()
                .filter(|w| now.saturating_sub(t.last_activity(w)) >= timeout)
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        };
        for w in due {
            w.fired.store(true, Ordering::Release);
            let waker = w.waker.lock().ok().and_then(|mut g| g.take());
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl Table {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The attempt's last activity: its own, or its upload's progress.
    fn last_activity(&self, w: &Watched) -> u64 {
        let own = w.last.load(Ordering::Acquire);
        match &w.upload {
            Some(u) => {
                let progress = u.last_progress().saturating_duration_since(self.epoch);
                own.max(u64::try_from(progress.as_millis()).unwrap_or(u64::MAX))
            }
            None => own,
        }
    }
}

/// An attempt's registration; dropping it leaves the table.
pub(crate) struct Watch<'a> {
    table: &'a Table,
    watched: Arc<Watched>,
    slot: Option<usize>,
}

impl Watch<'_> {
    /// Activity now (the response's headers arrived, say): the timeout counts from here.
    pub(crate) fn touch(&self) {
        self.watched
            .last
            .store(self.table.now_ms(), Ordering::Release);
    }

    /// `fut`, unless the sweeper finds the attempt inactive for the timeout first. Pinned by the caller
    /// (`std::pin::pin!`), so that the future is not moved into the guard.
    pub(crate) fn guard<'f, F: Future + ?Sized>(
        &'f self,
        mut fut: Pin<&'f mut F>,
    ) -> impl Future<Output = Result<F::Output, Stalled>> + 'f {
        let watched = &*self.watched;
        std::future::poll_fn(move |cx| {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            if let Ok(mut w) = watched.waker.lock() {
                match w.as_ref() {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
            }
            // After the waker is in place: a sweep that fired before it sees no waker, and this sees
            // the flag.
            if watched.fired.load(Ordering::Acquire) {
                return Poll::Ready(Err(Stalled));
            }
            Poll::Pending
        })
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if let (Some(at), Ok(mut s)) = (self.slot, self.table.slots.lock()) {
            if let Some(entry) = s.watched.get_mut(at) {
                *entry = None;
            }
            s.free.push(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;

    /// Upload progress every 200 ms keeps a 500 ms guard from firing over 3 s; without progress it fires
    /// (within an eighth of the timeout after it). Tokio's paused clock: no real waiting.
    #[tokio::test(start_paused = true)]
    async fn activity_and_upload_progress_keep_an_attempt_alive() {
        let stall = Duration::from_millis(500);
        let guard = Guard::new(stall);
        let upload = Arc::new(UploadState::new());
        let watch = guard.watch(Some(upload.clone()));
        let u = upload.clone();
        let ticker = tokio::spawn(async move {
            for _ in 0..15 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                u.touch(false);
            }
        });
        let slow = tokio::time::sleep(Duration::from_secs(3));
        assert_eq!(watch.guard(pin!(slow)).await, Ok(()));
        ticker.await.expect("ticker");

        // No more progress: the same wait stalls.
        let started = Instant::now();
        let slow = tokio::time::sleep(Duration::from_secs(3));
        assert_eq!(watch.guard(pin!(slow)).await, Err(Stalled));
        let waited = started.elapsed();
        assert!(
            waited < stall + stall / 8 + Duration::from_millis(5),
            "{waited:?}"
        );
        drop(watch);

        // Without an upload, `touch` is the only activity.
        let watch = guard.watch(None);
        tokio::time::sleep(Duration::from_millis(400)).await;
        watch.touch();
        let started = Instant::now();
        assert_eq!(
            watch.guard(pin!(std::future::pending::<()>())).await,
            Err(Stalled)
        );
        assert!(started.elapsed() >= stall);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_leave_the_table_and_finished_ones_never_fire() {
        let guard = Guard::new(Duration::from_millis(100));
        for _ in 0..3 {
            let watch = guard.watch(None);
            assert_eq!(watch.guard(pin!(async { 7 })).await, Ok(7));
        }
        let slots = guard.inner.slots.lock().expect("slots");
        assert!(slots.watched.iter().all(Option::is_none));
        assert_eq!(slots.watched.len(), 1, "the slot is reused");
    }
}
