//! Accounts: keys, balances, the credit ledger and the rolling 24-hour quota.
//!
//! Everything here lives behind the one lock of [`crate::state::Core`], so a balance check and the charge that
//! follows it are a single atomic step: concurrent requests can neither overdraw nor double-spend.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::config::{KeyConfig, Plan, Surface};
use artnex_facts::QUOTA_WINDOW;

use crate::choices::NEVER_RETRY_AFTER;
use crate::ids::key_label;

/// What a ledger entry records.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerKind {
    /// Credits deducted (a synchronous request, or a video job that completed).
    Charge,
    /// Credits reserved by a video submission; they become a [`LedgerKind::Charge`] when the job completes
    /// or go back with a [`LedgerKind::Release`] when it fails.
    Hold,
    /// A hold returned because its video job failed.
    Release,
    /// A charge given back because its video job failed (when video is charged at submission, see
    /// [`crate::VideoCharge`]).
    Refund,
}

impl LedgerKind {
    /// `charge`, `hold`, `release` or `refund`.
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Charge => "charge",
            LedgerKind::Hold => "hold",
            LedgerKind::Release => "release",
            LedgerKind::Refund => "refund",
        }
    }
}

/// One movement of credits on a key.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Charge, hold or release.
    pub kind: LedgerKind,
    /// The request that caused it (for video: the job's request_id).
    pub request_id: String,
    /// The API path, e.g. `/v1/generate`.
    pub endpoint: String,
    /// How many credits moved.
    pub credits: u64,
    /// The available balance right after this entry.
    pub balance_after: u64,
    /// Simulated time of the entry (see [`crate::Clock::now`]).
    pub at: Duration,
}

/// Why a charge or hold was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    UnknownKey,
    Insufficient { available: u64 },
}

#[derive(Debug)]
pub(crate) struct Account {
    pub surface: Surface,
    pub plan: Plan,
    /// Credits on the account, including held ones.
    pub balance: u64,
    /// Credits reserved by running video jobs.
    pub held: u64,
    pub total_charged: u64,
    pub ledger: VecDeque<LedgerEntry>,
    pub window: VecDeque<Duration>,
    pub label: String,
}

impl Account {
    pub fn available(&self) -> u64 {
        self.balance.saturating_sub(self.held)
    }
}

#[derive(Debug)]
pub(crate) struct Accounts {
    map: HashMap<String, Account>,
    ledger_capacity: usize,
}

impl Accounts {
    pub fn new(ledger_capacity: usize) -> Accounts {
        Accounts {
            map: HashMap::new(),
            ledger_capacity: ledger_capacity.max(1),
        }
    }

    /// Adds a key, or reconfigures an existing one (plan, surface, and available balance set to `credits`;
    /// its ledger and quota window are kept).
    pub fn upsert(&mut self, cfg: &KeyConfig) {
        match self.map.get_mut(&cfg.key) {
            Some(acc) => {
                acc.surface = cfg.surface;
                acc.plan = cfg.plan;
                acc.balance = cfg.credits.saturating_add(acc.held);
            }
            None => {
                self.map.insert(
                    cfg.key.clone(),
                    Account {
                        surface: cfg.surface,
                        plan: cfg.plan,
                        balance: cfg.credits,
                        held: 0,
                        total_charged: 0,
                        ledger: VecDeque::new(),
                        window: VecDeque::new(),
                        label: key_label(&cfg.key),
                    },
                );
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Account> {
        self.map.get(key)
    }

    pub fn configs(&self) -> Vec<KeyConfig> {
        let mut v: Vec<KeyConfig> = self
            .map
            .iter()
            .map(|(k, a)| KeyConfig {
                key: k.clone(),
                surface: a.surface,
                plan: a.plan,
                credits: a.available(),
            })
            .collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }

    /// Whether `key` exists on `surface`.
    pub fn authenticate(&self, key: &str, surface: Surface) -> bool {
        self.map.get(key).is_some_and(|a| a.surface == surface)
    }

    /// Counts one request against the key's rolling quota, or returns the `Retry-After` seconds when the
    /// quota is spent (the request is then not counted).
    pub fn count_request(&mut self, key: &str, now: Duration) -> Result<(), u64> {
        let Some(acc) = self.map.get_mut(key) else {
            return Ok(());
        };
        let Some(limit) = acc.plan.daily_limit() else {
            return Ok(());
        };
        while let Some(front) = acc.window.front() {
            if front.saturating_add(QUOTA_WINDOW) <= now {
                acc.window.pop_front();
            } else {
                break;
            }
        }
        // A lowered plan may leave more entries than the new limit: keep only what matters.
        while acc.window.len() > limit as usize {
            acc.window.pop_front();
        }
        if acc.window.len() < limit as usize {
            acc.window.push_back(now);
            return Ok(());
        }
        let retry = match acc.window.front() {
            Some(oldest) => {
                let leaves = oldest.saturating_add(QUOTA_WINDOW).saturating_sub(now);
                ceil_secs(leaves).max(1)
            }
            // A limit of zero: nothing will ever leave the window.
            None => NEVER_RETRY_AFTER,
        };
        Err(retry)
    }

    /// Takes back one request counted at `at` (a refused request, under a reading where those do not
    /// count).
    pub fn uncount(&mut self, key: &str, at: Duration) {
        if let Some(acc) = self.map.get_mut(key)
            && let Some(i) = acc.window.iter().rposition(|t| *t == at)
        {
            acc.window.remove(i);
        }
    }

    fn push_entry(&mut self, key: &str, entry: LedgerEntry) {
        let cap = self.ledger_capacity;
        if let Some(acc) = self.map.get_mut(key) {
            if acc.ledger.len() >= cap {
                acc.ledger.pop_front();
            }
            acc.ledger.push_back(entry);
        }
    }

    /// Deducts `credits` if the available balance covers them; otherwise changes nothing.
    pub fn charge(
        &mut self,
        key: &str,
        credits: u64,
        request_id: &str,
        endpoint: &str,
        now: Duration,
    ) -> Result<u64, Refused> {
        let acc = self.map.get_mut(key).ok_or(Refused::UnknownKey)?;
        let available = acc.available();
        if available < credits {
            return Err(Refused::Insufficient { available });
        }
        acc.balance -= credits;
        acc.total_charged = acc.total_charged.saturating_add(credits);
        let after = acc.available();
        self.push_entry(
            key,
            LedgerEntry {
                kind: LedgerKind::Charge,
                request_id: request_id.to_string(),
                endpoint: endpoint.to_string(),
                credits,
                balance_after: after,
                at: now,
            },
        );
        Ok(after)
    }

    /// Reserves `credits` if the available balance covers them; otherwise changes nothing.
    pub fn hold(
        &mut self,
        key: &str,
        credits: u64,
        request_id: &str,
        endpoint: &str,
        now: Duration,
    ) -> Result<u64, Refused> {
        let acc = self.map.get_mut(key).ok_or(Refused::UnknownKey)?;
        let available = acc.available();
        if available < credits {
            return Err(Refused::Insufficient { available });
        }
        acc.held += credits;
        let after = acc.available();
        self.push_entry(
            key,
            LedgerEntry {
                kind: LedgerKind::Hold,
                request_id: request_id.to_string(),
                endpoint: endpoint.to_string(),
                credits,
                balance_after: after,
                at: now,
            },
        );
        Ok(after)
    }

    /// Turns a hold into a charge.
    pub fn capture(
        &mut self,
        key: &str,
        credits: u64,
        request_id: &str,
        endpoint: &str,
        now: Duration,
    ) {
        let Some(acc) = self.map.get_mut(key) else {
            return;
        };
        let credits = credits.min(acc.held);
        acc.held -= credits;
        acc.balance = acc.balance.saturating_sub(credits);
        acc.total_charged = acc.total_charged.saturating_add(credits);
        let after = acc.available();
        self.push_entry(
            key,
            LedgerEntry {
                kind: LedgerKind::Charge,
                request_id: request_id.to_string(),
                endpoint: endpoint.to_string(),
                credits,
                balance_after: after,
                at: now,
            },
        );
    }

    /// Returns a hold to the available balance.
    pub fn release(
        &mut self,
        key: &str,
        credits: u64,
        request_id: &str,
        endpoint: &str,
        now: Duration,
    ) {
        let Some(acc) = self.map.get_mut(key) else {
            return;
        };
        let credits = credits.min(acc.held);
        acc.held -= credits;
        let after = acc.available();
        self.push_entry(
            key,
            LedgerEntry {
                kind: LedgerKind::Release,
                request_id: request_id.to_string(),
                endpoint: endpoint.to_string(),
                credits,
                balance_after: after,
                at: now,
            },
        );
    }

    /// Gives back credits charged for a video job that then failed (under a reading that charges at
    /// submission); the total charged goes down by as much.
    pub fn refund(
        &mut self,
        key: &str,
        credits: u64,
        request_id: &str,
        endpoint: &str,
        now: Duration,
    ) {
        let Some(acc) = self.map.get_mut(key) else {
            return;
        };
        acc.balance = acc.balance.saturating_add(credits);
        acc.total_charged = acc.total_charged.saturating_sub(credits);
        let after = acc.available();
        self.push_entry(
            key,
            LedgerEntry {
                kind: LedgerKind::Refund,
                request_id: request_id.to_string(),
                endpoint: endpoint.to_string(),
                credits,
                balance_after: after,
                at: now,
            },
        );
    }

    /// Sets the available balance (holds are kept on top of it).
    pub fn set_available(&mut self, key: &str, credits: u64) -> bool {
        match self.map.get_mut(key) {
            Some(acc) => {
                acc.balance = credits.saturating_add(acc.held);
                true
            }
            None => false,
        }
    }
}

/// Whole seconds, rounded up.
pub(crate) fn ceil_secs(d: Duration) -> u64 {
    let s = d.as_secs();
    if d.subsec_nanos() > 0 { s + 1 } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        let mut a = Accounts::new(100);
        a.upsert(&KeyConfig::artnex("k", Plan::Custom(2), 300));
        a
    }

    #[test]
    fn charge_refuses_without_changing_anything() {
        let mut a = accounts();
        assert_eq!(
            a.charge("k", 200, "r1", "/v1/generate", Duration::ZERO),
            Ok(100)
        );
        assert_eq!(
            a.charge("k", 200, "r2", "/v1/generate", Duration::ZERO),
            Err(Refused::Insufficient { available: 100 })
        );
        let acc = a.get("k").unwrap();
        assert_eq!(
            (acc.balance, acc.total_charged, acc.ledger.len()),
            (100, 200, 1)
        );
    }

    #[test]
    fn holds_capture_and_release() {
        let mut a = accounts();
        a.hold("k", 100, "v1", "/v1/video", Duration::ZERO).unwrap();
        a.hold("k", 100, "v2", "/v1/video", Duration::ZERO).unwrap();
        assert!(a.hold("k", 200, "v3", "/v1/video", Duration::ZERO).is_err());
        a.capture("k", 100, "v1", "/v1/video", Duration::ZERO);
        a.release("k", 100, "v2", "/v1/video", Duration::ZERO);
        let acc = a.get("k").unwrap();
        assert_eq!(
            (acc.available(), acc.held, acc.total_charged),
            (200, 0, 100)
        );
    }

    #[test]
    fn rolling_window() {
        let mut a = accounts();
        let h = Duration::from_secs(3600);
        assert!(a.count_request("k", Duration::ZERO).is_ok());
        assert!(a.count_request("k", h).is_ok());
        assert_eq!(a.count_request("k", 2 * h), Err(22 * 3600));
        assert!(a.count_request("k", QUOTA_WINDOW).is_ok());
        assert_eq!(a.count_request("k", QUOTA_WINDOW), Err(3600));
    }
}
