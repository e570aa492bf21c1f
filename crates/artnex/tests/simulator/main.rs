//! End-to-end tests against the simulator (`artnex-mock`) over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod budget;
mod e2e;
mod faults;
mod pricing;
mod readings;
mod secrets;
#[path = "../support/mod.rs"]
mod support;
mod validation;
mod video;

use std::time::Duration;

use artnex::{Client, RetryPolicy};
use artnex_mock::{LedgerEntry, LedgerKind, MockServer};

pub(crate) const KEY: &str = artnex_mock::DEFAULT_KEY;
const SAMPLE_KEY: &str = "sk-mock-samples";

/// A simulator whose clock runs 1000 times faster than real time.
pub(crate) async fn mock() -> MockServer {
    MockServer::builder()
        .speed(1000.0)
        .start()
        .await
        .expect("simulator starts")
}

/// Retries with millisecond backoff, so that tests never sleep for long.
pub(crate) fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

pub(crate) fn client(mock: &MockServer) -> Client {
    client_with(mock, |b| b)
}

pub(crate) fn client_with(
    mock: &MockServer,
    f: impl FnOnce(artnex::ClientBuilder) -> artnex::ClientBuilder,
) -> Client {
    f(Client::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .retry_policy(fast_retries())
        .poll_interval(Duration::from_millis(10)))
    .build()
    .expect("client")
}

/// Charges (not holds) on the default key.
pub(crate) fn charges(mock: &MockServer) -> Vec<LedgerEntry> {
    mock.ledger(KEY)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .collect()
}

/// Requests the simulator answered on `path` for the default key.
pub(crate) fn hits(mock: &MockServer, path: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path == path && r.is_for(KEY))
        .count()
}

/// A real PNG made by the simulator (generate, then download), to use as an input image.
pub(crate) async fn sample_png(mock: &MockServer) -> Vec<u8> {
    // On a key of its own, so that it does not show in the default key's ledger.
    mock.add_key(artnex_mock::KeyConfig::artnex(
        SAMPLE_KEY,
        artnex_mock::Plan::Pro,
        1_000_000,
    ));
    let c = Client::builder()
        .api_key(SAMPLE_KEY)
        .base_url(mock.base_url())
        .build()
        .expect("client");
    let out = c
        .generate("a small test card")
        .model(artnex::Model::ZImageTurbo)
        .size(256, 256)
        .await
        .expect("generate");
    out.images[0].bytes().await.expect("download").to_vec()
}
