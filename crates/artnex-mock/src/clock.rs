//! Simulated time.
//!
//! The simulator never reads the wall clock directly for its rules: quotas, URL expiry and video jobs all
//! use a [`Clock`], which is the real time elapsed since the server started plus whatever tests added with
//! [`Clock::advance`]. A *manual* clock ignores real time entirely, so only `advance` moves it: tests that
//! want no timing at all use that.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The simulator's clock (cheap to clone; clones share the same time).
///
/// ```
/// # use std::time::Duration;
/// let clock = artnex_mock::Clock::manual();
/// assert_eq!(clock.now(), Duration::ZERO);
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), Duration::from_secs(90));
/// ```
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    started: Instant,
    started_unix: SystemTime,
    manual: bool,
    advanced_nanos: AtomicU64,
}

impl Clock {
    /// A clock that follows real time (plus whatever is added with [`Clock::advance`]).
    pub fn real() -> Clock {
        Clock::new(false)
    }

    /// A clock that stands still until [`Clock::advance`] moves it.
    pub fn manual() -> Clock {
        Clock::new(true)
    }

    fn new(manual: bool) -> Clock {
        Clock {
            inner: Arc::new(Inner {
                started: Instant::now(),
                started_unix: SystemTime::now(),
                manual,
                advanced_nanos: AtomicU64::new(0),
            }),
        }
    }

    /// Simulated time since the server started. Never goes backwards.
    pub fn now(&self) -> Duration {
        let advanced = Duration::from_nanos(self.inner.advanced_nanos.load(Ordering::SeqCst));
        if self.inner.manual {
            advanced
        } else {
            self.inner.started.elapsed().saturating_add(advanced)
        }
    }

    /// Moves simulated time forward by `d` (quota windows, URL expiry and video jobs all see it at once).
    pub fn advance(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .inner
            .advanced_nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| {
                Some(v.saturating_add(nanos))
            });
    }

    /// Whether this clock ignores real time.
    pub fn is_manual(&self) -> bool {
        self.inner.manual
    }

    /// The simulated wall-clock time: the real start time of the server plus [`Clock::now`].
    pub fn system_time(&self) -> SystemTime {
        self.inner
            .started_unix
            .checked_add(self.now())
            .unwrap_or(self.inner.started_unix)
    }

    /// [`Clock::system_time`] as whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> u64 {
        self.system_time()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("now", &self.now())
            .field("manual", &self.inner.manual)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_only_moves_when_advanced() {
        let c = Clock::manual();
        assert_eq!(c.now(), Duration::ZERO);
        c.advance(Duration::from_secs(5));
        c.clone().advance(Duration::from_millis(500));
        assert_eq!(c.now(), Duration::from_millis(5500));
    }

    #[test]
    fn real_clock_includes_advances() {
        let c = Clock::real();
        c.advance(Duration::from_secs(3600));
        assert!(c.now() >= Duration::from_secs(3600));
        assert!(!c.is_manual());
    }
}
