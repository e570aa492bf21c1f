//! Shared server state.
//!
//! Lock order (to stay deadlock-free): `faults` before `core`; `core` before `media`; `log` and `readings`
//! alone. No lock is ever held across an `.await`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::{ArtApiModel, TierPrices};
use crate::faults::FaultSet;
use crate::jobs::Jobs;
use crate::log::RequestLog;
use crate::media::MediaStore;
use crate::readings::Readings;

/// Locks a mutex, recovering from poisoning (a panicking test thread must not wedge the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accounts and jobs, under one lock so holds, charges and job settlement are atomic together.
#[derive(Debug)]
pub(crate) struct Core {
    pub accounts: Accounts,
    pub jobs: Jobs,
}

impl Core {
    pub fn settle(&mut self, now: Duration) {
        self.jobs.settle(&mut self.accounts, now);
    }
}

/// Fixed settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub speed: f64,
    pub tier_prices: TierPrices,
    pub artapi_models: Vec<ArtApiModel>,
    pub video_padding: u64,
    pub body_limit: usize,
    /// Called with every recorded request (the binary's console log).
    pub on_request: Option<crate::log::Observer>,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
    /// Permits for reading and handling large bodies.
    pub large_bodies: Arc<tokio::sync::Semaphore>,
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct App {
    pub clock: Clock,
    pub settings: Settings,
    pub addr: SocketAddr,
    pub core: Mutex<Core>,
    pub media: Mutex<MediaStore>,
    pub faults: Mutex<FaultSet>,
    pub log: Mutex<RequestLog>,
    /// The readings of the docs' gaps in force (changed at run time by the handle or the admin route).
    pub readings: Mutex<Readings>,
}

impl App {
    /// Locks the core after settling every job due by now.
    pub fn core(&self) -> MutexGuard<'_, Core> {
        let now = self.clock.now();
        let mut core = lock(&self.core);
        core.settle(now);
        core
    }
}
