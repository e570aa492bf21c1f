//! The optional client budget: a spending cap shared by a client and its clones.
//!
//! Before a request is sent its estimate is *reserved*; when the answer comes the reservation is replaced
//! by the credits actually used. Every outcome settles the reservation exactly once:
//!
//! | outcome | budget |
//! |---|---|
//! | success | `spent += credits_used` (the estimate when the answer does not say) |
//! | failure that cannot have been charged | released |
//! | failure that may have been charged ([`Error::may_have_been_processed`]) | `spent += estimate` (the safe side) |
//! | the request future is dropped (cancelled by `select!`, a timeout, a shut-down task) | `spent += estimate`: the outcome is unknown, so it is counted like an ambiguous failure |
//! | video submitted and charged at once (the answer carries `credits_used`) | `spent += credits_used`; the job's end changes nothing |
//! | video submitted | the estimate stays reserved **under the job's request id** until any handle on the job (the original, a clone, or one from [`Client::video_job`](crate::Client::video_job)) sees it end: completed → `spent += credits_used`, failed → released. A job is settled once, however many handles watch it. |
//!
//! So `spent + reserved` is never below what the server charged, and above it only by the estimates of
//! outcomes that are really unknown.
//!
//! [`Error::may_have_been_processed`]: crate::Error::may_have_been_processed

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::Error;
use crate::pricing::Estimate;

/// A snapshot of the client budget.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetStatus {
    /// The budget given to the client builder.
    pub limit: u64,
    /// Credits counted as used: the `credits_used` of every successful call, plus the estimate of calls
    /// whose outcome is unknown (ambiguous failures, cancelled requests) and may have been charged.
    pub spent: u64,
    /// Credits set aside for requests in flight and video jobs not yet finished.
    pub reserved: u64,
}

impl BudgetStatus {
    /// What is left for new requests: `limit - spent - reserved`.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").budget(1_000).build()?;
    /// assert_eq!(client.budget().map(|b| b.remaining()), Some(1_000));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn remaining(&self) -> u64 {
        self.limit
            .saturating_sub(self.spent)
            .saturating_sub(self.reserved)
    }
}

/// What the budget knows about a video job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    /// Submitted with this estimate reserved; not ended yet.
    Reserved(u64),
    /// Ended and counted (or released): nothing more happens for it.
    Settled,
}

#[derive(Debug)]
struct State {
    limit: u64,
    spent: u64,
    reserved: u64,
    jobs: HashMap<String, Job>,
}

impl State {
    fn remaining(&self) -> u64 {
        self.limit
            .saturating_sub(self.spent)
            .saturating_sub(self.reserved)
    }
}

/// The client budget, shared by every clone of a client.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Budget(Arc<Mutex<State>>);

impl Budget {
    pub(crate) fn new(limit: u64) -> Self {
        Budget(Arc::new(Mutex::new(State {
            limit,
            spent: 0,
            reserved: 0,
            jobs: HashMap::new(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn status(&self) -> BudgetStatus {
        let s = self.lock();
        BudgetStatus {
            limit: s.limit,
            spent: s.spent,
            reserved: s.reserved,
        }
    }

    /// Sets aside the estimate, or refuses the request.
    pub(crate) fn reserve(&self, estimate: Estimate) -> Result<Reservation, Error> {
        let mut s = self.lock();
        let remaining = s.remaining();
        let credits = match estimate {
            Estimate::Credits(c) => c,
            Estimate::Varies => {
                return Err(Error::BudgetExceeded {
                    estimate,
                    remaining,
                    reason: "a budget is set but this model's price varies by resolution and quality and no PriceTable entry covers the request; supply one with Client::builder().price_table(..)".into(),
                });
            }
            _ => {
                return Err(Error::BudgetExceeded {
                    estimate,
                    remaining,
                    reason: "a budget is set but this model is not in the catalogue; price it with Client::builder().price_table(PriceTable::new().model(..))".into(),
                });
            }
        };
        if credits > remaining {
            return Err(Error::BudgetExceeded {
                estimate,
                remaining,
                reason: format!(
                    "the request is estimated at {credits} credits and only {remaining} are left"
                ),
            });
        }
        s.reserved += credits;
        Ok(Reservation {
            budget: self.clone(),
            credits: Some(credits),
        })
    }

    /// A video job ended with `completed`: its reservation (if this budget holds one) becomes the credits
    /// used; a job this budget never reserved (resumed from another process) is counted too. Once per job.
    pub(crate) fn job_completed(&self, request_id: &str, used: Option<u64>) {
        let mut s = self.lock();
        let before = s.jobs.insert(request_id.to_string(), Job::Settled);
        match before {
            Some(Job::Settled) => {}
            Some(Job::Reserved(reserved)) => {
                s.reserved = s.reserved.saturating_sub(reserved);
                s.spent = s.spent.saturating_add(used.unwrap_or(reserved));
            }
            None => s.spent = s.spent.saturating_add(used.unwrap_or(0)),
        }
    }

    /// A video job ended without a charge: its reservation (if any) is released. Once per job.
    pub(crate) fn job_failed(&self, request_id: &str) {
        let mut s = self.lock();
        if let Some(Job::Reserved(reserved)) = s.jobs.insert(request_id.to_string(), Job::Settled) {
            s.reserved = s.reserved.saturating_sub(reserved);
        }
    }
}

/// Credits set aside for one request, settled exactly once: explicitly, or as spent when dropped.
#[derive(Debug)]
#[must_use = "a reservation that is dropped counts its estimate as spent"]
pub(crate) struct Reservation {
    budget: Budget,
    credits: Option<u64>,
}

impl Reservation {
    /// The call succeeded: the reservation becomes what was actually used (the estimate if the response
    /// did not say).
    pub(crate) fn settle(mut self, used: Option<u64>) {
        if let Some(reserved) = self.credits.take() {
            let mut s = self.budget.lock();
            s.reserved = s.reserved.saturating_sub(reserved);
            s.spent = s.spent.saturating_add(used.unwrap_or(reserved));
        }
    }

    /// The call failed without a charge: free the reservation.
    pub(crate) fn release(mut self) {
        if let Some(reserved) = self.credits.take() {
            let mut s = self.budget.lock();
            s.reserved = s.reserved.saturating_sub(reserved);
        }
    }

    /// Settles or releases according to the error: an error that may have been charged keeps the estimate
    /// as spent, so that the budget stays on the safe side.
    pub(crate) fn fail(self, error: &Error) {
        if error.may_have_been_processed() {
            self.settle(None)
        } else {
            self.release()
        }
    }

    /// The video job `request_id` was accepted: its estimate stays reserved under the job's id until a
    /// handle on the job sees it end ([`Budget::job_completed`], [`Budget::job_failed`]).
    pub(crate) fn hand_to_job(mut self, request_id: &str) {
        if let Some(reserved) = self.credits.take() {
            let mut s = self.budget.lock();
            match s.jobs.get(request_id) {
                // Already ended (another handle saw it first): the reservation was never needed.
                Some(Job::Settled) => s.reserved = s.reserved.saturating_sub(reserved),
                _ => {
                    if let Some(Job::Reserved(old)) = s
                        .jobs
                        .insert(request_id.to_string(), Job::Reserved(reserved))
                    {
                        // The same id submitted twice should not happen; never count both.
                        s.reserved = s.reserved.saturating_sub(old);
                    }
                }
            }
        }
    }
}

impl Reservation {
    /// The video job `request_id` was accepted and charged `used` credits at once (a server that bills at
    /// submission): they are spent now, and the job's end settles nothing more (a refund of a failed job
    /// is not seen, which keeps the budget on the safe side).
    pub(crate) fn hand_to_charged_job(mut self, request_id: &str, used: u64) {
        if let Some(reserved) = self.credits.take() {
            let mut s = self.budget.lock();
            s.reserved = s.reserved.saturating_sub(reserved);
            if s.jobs.insert(request_id.to_string(), Job::Settled) != Some(Job::Settled) {
                s.spent = s.spent.saturating_add(used);
            }
        }
    }
}

impl Drop for Reservation {
    /// A reservation nobody settled belongs to a request whose future was dropped while in flight: it may
    /// have been charged, so its estimate is counted as spent.
    fn drop(&mut self) {
        if let Some(reserved) = self.credits.take() {
            let mut s = self.budget.lock();
            s.reserved = s.reserved.saturating_sub(reserved);
            s.spent = s.spent.saturating_add(reserved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserves_settles_and_refuses() {
        let b = Budget::new(1000);
        let r = b.reserve(Estimate::Credits(600)).expect("fits");
        assert_eq!(b.status().remaining(), 400);
        assert!(matches!(
            b.reserve(Estimate::Credits(500)),
            Err(Error::BudgetExceeded { remaining: 400, .. })
        ));
        r.settle(Some(550));
        assert_eq!(
            b.status(),
            BudgetStatus {
                limit: 1000,
                spent: 550,
                reserved: 0
            }
        );
        b.reserve(Estimate::Credits(100)).expect("fits").release();
        assert_eq!(b.status().remaining(), 450);
        assert!(matches!(
            b.reserve(Estimate::Varies),
            Err(Error::BudgetExceeded { .. })
        ));
        assert!(matches!(
            b.reserve(Estimate::Unknown),
            Err(Error::BudgetExceeded { .. })
        ));
    }

    #[test]
    fn a_dropped_reservation_counts_as_spent() {
        let b = Budget::new(1000);
        drop(b.reserve(Estimate::Credits(300)).expect("fits"));
        assert_eq!((b.status().spent, b.status().reserved), (300, 0));
    }

    #[test]
    fn a_job_is_settled_once_by_any_handle() {
        let b = Budget::new(10_000);
        b.reserve(Estimate::Credits(3000))
            .expect("fits")
            .hand_to_job("req_1");
        assert_eq!((b.status().spent, b.status().reserved), (0, 3000));
        b.job_completed("req_1", Some(2900));
        b.job_completed("req_1", Some(2900));
        b.job_failed("req_1");
        assert_eq!((b.status().spent, b.status().reserved), (2900, 0));

        b.reserve(Estimate::Credits(1000))
            .expect("fits")
            .hand_to_job("req_2");
        b.job_failed("req_2");
        b.job_completed("req_2", Some(1000));
        assert_eq!((b.status().spent, b.status().reserved), (2900, 0));

        // A job resumed from elsewhere has no reservation here: its credits are counted once.
        b.job_completed("req_3", Some(500));
        b.job_completed("req_3", Some(500));
        assert_eq!((b.status().spent, b.status().reserved), (3400, 0));
    }
}
