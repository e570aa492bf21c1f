//! The types of the generated limit constants and the polling rule.

use std::time::Duration;

/// A request limit from the spec, and whether the docs state it.
///
/// Assumed limits (the specs' reading of a gap, such as `width` 64–8192) are here so that tools can show
/// them; a client must not refuse a request for breaking one, because the real server may accept it.
///
/// ```
/// use artnex_facts::{CREATE_VIDEO_DURATION_MAX, TEXT_TO_SPEECH_TEXT_MAX_CHARS};
/// assert_eq!(TEXT_TO_SPEECH_TEXT_MAX_CHARS.enforced(), Some(5000));
/// assert!(!CREATE_VIDEO_DURATION_MAX.documented);
/// assert_eq!(CREATE_VIDEO_DURATION_MAX.enforced(), None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit<T> {
    /// The bound (inclusive).
    pub value: T,
    /// True when a docs page states it; false when the spec assumes it (`x-assumed`, `x-assumed-range` or
    /// `x-assumed-limits`).
    pub documented: bool,
}

impl<T: Copy> Limit<T> {
    /// The bound to enforce before sending: `Some` only for a documented limit.
    pub const fn enforced(self) -> Option<T> {
        if self.documented {
            Some(self.value)
        } else {
            None
        }
    }
}

/// How often and how long to poll an asynchronous job, as the docs prescribe ([`VIDEO_POLLING`](crate::VIDEO_POLLING)).
///
/// ```
/// use std::time::Duration;
/// let rule = artnex_facts::VIDEO_POLLING;
/// assert_eq!(rule.min_interval, Duration::from_secs(5));
/// assert_eq!(rule.min_interval * rule.max_attempts, rule.timeout);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PollingRule {
    /// Never poll one job more often than this (faster polls may be throttled with 429).
    pub min_interval: Duration,
    /// How many polls before giving up.
    pub max_attempts: u32,
    /// How long to wait in all before treating the job as failed.
    pub timeout: Duration,
}
