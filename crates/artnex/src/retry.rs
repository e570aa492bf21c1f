//! Retries that are safe for billing.
//!
//! Every Artnex call except the status poll costs credits, so a request is sent again automatically only
//! when it **cannot have been charged**:
//!
//! | failure | billable POST (generate, edit, video, tts, upscale, remove-bg) | status poll / download (GET) |
//! |---|---|---|
//! | connection never established (refused, DNS, connect timeout) | retried | retried |
//! | 502, 503, 504 | retried (`Retry-After` honoured up to the cap) | retried |
//! | 429 with `Retry-After` <= [`RetryPolicy::max_retry_after`] | retried after that delay | retried |
//! | 429 with a longer `Retry-After` (daily quota spent) or none | [`Error::RateLimited`] at once | [`Error::RateLimited`] |
//! | 500 (or other 5xx), reset after sending, read timeout, unreadable response | **never replayed**: an error whose [`Error::may_have_been_processed`] is `true` | retried |
//! | 400, 401, 402, 404, 422 | never retried | never retried |
//!
//! Backoff between attempts: `initial_backoff x 2^n`, capped at `max_backoff`, minus up to 25 % jitter
//! (defaults 0.5 s and 8 s, 2 retries). A `Retry-After` header replaces the computed delay.
//!
//! Callers who prefer a possible double charge to a failed call can opt in with
//! [`RetryPolicy::retry_ambiguous`].
//!
//! ```
//! use artnex::RetryPolicy;
//! use std::time::Duration;
//!
//! let default = RetryPolicy::default();
//! assert_eq!(default.max_retries_value(), 2);
//! let none = RetryPolicy::none();
//! assert_eq!(none.max_retries_value(), 0);
//! let patient = RetryPolicy::default().max_retries(5).max_retry_after(Duration::from_secs(120));
//! # let _ = patient;
//! ```
//!
//! [`Error::RateLimited`]: crate::Error::RateLimited
//! [`Error::may_have_been_processed`]: crate::Error::may_have_been_processed

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// How failed calls are retried. See the [module documentation](self) for the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    retry_ambiguous: bool,
    jitter: bool,
}

impl Default for RetryPolicy {
    /// 2 retries, 0.5 s x 2^n backoff capped at 8 s with jitter, `Retry-After` honoured up to 60 s,
    /// ambiguous billable requests never replayed.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            retry_ambiguous: false,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry anything.
    ///
    /// ```
    /// assert_eq!(artnex::RetryPolicy::none().max_retries_value(), 0);
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// How many times a call may be sent again after the first attempt (default 2).
    ///
    /// ```
    /// let p = artnex::RetryPolicy::default().max_retries(4);
    /// assert_eq!(p.max_retries_value(), 4);
    /// ```
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first backoff delay (default 0.5 s); it doubles on each retry.
    ///
    /// ```
    /// let p = artnex::RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(100));
    /// # let _ = p;
    /// ```
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest computed backoff delay (default 8 s).
    ///
    /// ```
    /// let p = artnex::RetryPolicy::default().max_backoff(std::time::Duration::from_secs(2));
    /// # let _ = p;
    /// ```
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` the SDK waits for by itself (default 60 s). A longer one (typically a spent
    /// daily quota) is returned at once as [`Error::RateLimited`](crate::Error::RateLimited) with the delay,
    /// so your program never hangs silently.
    ///
    /// ```
    /// let p = artnex::RetryPolicy::default().max_retry_after(std::time::Duration::from_secs(10));
    /// assert_eq!(p.max_retry_after_value(), std::time::Duration::from_secs(10));
    /// ```
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Also replay billable requests whose outcome is unknown (500, reset after sending, read timeout).
    /// **Each replay may be charged again.** Off by default.
    ///
    /// ```
    /// let p = artnex::RetryPolicy::default().retry_ambiguous(true);
    /// assert!(p.retries_ambiguous());
    /// ```
    pub fn retry_ambiguous(mut self, yes: bool) -> Self {
        self.retry_ambiguous = yes;
        self
    }

    /// Randomise backoff delays by up to 25 % (default on) so that many clients do not retry in step.
    ///
    /// ```
    /// let p = artnex::RetryPolicy::default().jitter(false);
    /// # let _ = p;
    /// ```
    pub fn jitter(mut self, yes: bool) -> Self {
        self.jitter = yes;
        self
    }

    /// The configured number of retries.
    ///
    /// ```
    /// assert_eq!(artnex::RetryPolicy::default().max_retries(5).max_retries_value(), 5);
    /// ```
    pub fn max_retries_value(&self) -> u32 {
        self.max_retries
    }

    /// The configured `Retry-After` cap.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = artnex::RetryPolicy::default().max_retry_after(Duration::from_secs(30));
    /// assert_eq!(policy.max_retry_after_value(), Duration::from_secs(30));
    /// ```
    pub fn max_retry_after_value(&self) -> Duration {
        self.max_retry_after
    }

    /// Whether ambiguous billable requests are replayed.
    ///
    /// ```
    /// assert!(!artnex::RetryPolicy::default().retries_ambiguous(), "off unless you opt in");
    /// ```
    pub fn retries_ambiguous(&self) -> bool {
        self.retry_ambiguous
    }

    /// The computed delay before retry number `retry` (0-based), without a server hint.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = artnex::RetryPolicy::default().jitter(false);
    /// assert_eq!(p.backoff(0), Duration::from_millis(500));
    /// assert_eq!(p.backoff(3), Duration::from_secs(4));
    /// assert_eq!(p.backoff(10), Duration::from_secs(8));
    /// ```
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        let base = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        if self.jitter {
            // Remove up to 25 %: never longer than the cap, never zero unless the base is.
            let cut = base.mul_f64(0.25 * random_unit());
            base.saturating_sub(cut)
        } else {
            base
        }
    }
}

/// A number in [0, 1) from the standard library's randomly keyed hasher (no RNG dependency needed for
/// jitter).
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// 64 random bits from a randomly keyed hasher and a counter.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// Reads `retry-after-ms`, then `Retry-After` as seconds (integer or decimal) or as an HTTP date.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers.get("retry-after-ms").and_then(|v| v.to_str().ok())
        && let Ok(ms) = ms.trim().parse::<f64>()
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && (0.0..1e12).contains(&secs) {
            return Some(Duration::from_secs_f64(secs));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// What the executor should do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send again after this delay.
    Retry(Duration),
    /// Give up and return the error.
    Stop,
}

/// The facts about a failed attempt that decide whether it may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureClass {
    /// The request never left (connection not established).
    NotSent,
    /// The request may have been processed: reset after sending, timeout, 500, unreadable response.
    Ambiguous,
    /// 502/503/504: the gateway did not get an answer from the service.
    Unavailable { retry_after: Option<Duration> },
    /// 429.
    RateLimited { retry_after: Option<Duration> },
    /// A definitive answer (4xx): sending again gives the same answer.
    Final,
}

impl RetryPolicy {
    /// Decides what to do after the failed attempt number `attempt` (0 = the first send).
    pub(crate) fn decide(&self, class: FailureClass, idempotent: bool, attempt: u32) -> Action {
        if attempt >= self.max_retries {
            return Action::Stop;
        }
        match class {
            FailureClass::Final => Action::Stop,
            FailureClass::NotSent => Action::Retry(self.backoff(attempt)),
            FailureClass::Ambiguous => {
                if idempotent || self.retry_ambiguous {
                    Action::Retry(self.backoff(attempt))
                } else {
                    Action::Stop
                }
            }
            FailureClass::Unavailable { retry_after } => match retry_after {
                Some(d) if d > self.max_retry_after => Action::Stop,
                Some(d) => Action::Retry(d),
                None => Action::Retry(self.backoff(attempt)),
            },
            FailureClass::RateLimited { retry_after } => match retry_after {
                // No hint: it may be a spent daily quota; do not burn more requests on it.
                None => Action::Stop,
                Some(d) if d > self.max_retry_after => Action::Stop,
                Some(d) => Action::Retry(d),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn p() -> RetryPolicy {
        RetryPolicy::default().jitter(false)
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = p();
        let delays: Vec<u64> = (0..6).map(|n| p.backoff(n).as_millis() as u64).collect();
        assert_eq!(delays, vec![500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(8));
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        let p = RetryPolicy::default();
        for n in 0..50 {
            let d = p.backoff(n % 5);
            let base = RetryPolicy::default().jitter(false).backoff(n % 5);
            assert!(d <= base && d >= base.mul_f64(0.75), "{d:?} vs {base:?}");
        }
    }

    #[test]
    fn billable_requests_are_never_replayed_when_ambiguous() {
        let p = p();
        assert_eq!(p.decide(FailureClass::Ambiguous, false, 0), Action::Stop);
        assert!(matches!(
            p.decide(FailureClass::Ambiguous, true, 0),
            Action::Retry(_)
        ));
        assert!(matches!(
            p.clone()
                .retry_ambiguous(true)
                .decide(FailureClass::Ambiguous, false, 0),
            Action::Retry(_)
        ));
        assert!(matches!(
            p.decide(FailureClass::NotSent, false, 0),
            Action::Retry(_)
        ));
        assert_eq!(p.decide(FailureClass::Final, true, 0), Action::Stop);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = p();
        let short = FailureClass::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            p.decide(short, false, 0),
            Action::Retry(Duration::from_secs(3))
        );
        let long = FailureClass::RateLimited {
            retry_after: Some(Duration::from_secs(3600)),
        };
        assert_eq!(p.decide(long, false, 0), Action::Stop);
        assert_eq!(
            p.decide(FailureClass::RateLimited { retry_after: None }, false, 0),
            Action::Stop
        );
        let unavailable = FailureClass::Unavailable { retry_after: None };
        assert_eq!(
            p.decide(unavailable, false, 1),
            Action::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(unavailable, false, 2),
            Action::Stop,
            "max_retries reached"
        );
        assert_eq!(
            RetryPolicy::none().decide(unavailable, true, 0),
            Action::Stop
        );
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(parse_retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("1.5"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(1500)));
        h.insert("retry-after", HeaderValue::from_static("-1"));
        assert_eq!(parse_retry_after(&h), None);
        h.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            parse_retry_after(&h),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h), None);
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_millis(250)));
    }
}
