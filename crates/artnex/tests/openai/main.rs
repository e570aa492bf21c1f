//! The OpenAI-compatible images client: end-to-end against the simulator's ArtAPI routes (every field,
//! every documented error, the ledger), the exact requests it sends (against a recording server), and the
//! key never leaking. All on 127.0.0.1.
#![cfg(feature = "openai-images")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod body;
mod errors;
mod fields;
mod secrets;
#[path = "../support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use artnex::RetryPolicy;
use artnex::openai::ImagesClient;
use artnex_mock::{LedgerEntry, LedgerKind, MockServer};

pub(crate) const KEY: &str = artnex_mock::DEFAULT_ARTAPI_KEY;
pub(crate) const PATH: &str = "/v1/images/generations";

pub(crate) async fn mock() -> MockServer {
    MockServer::builder()
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

pub(crate) fn client(mock: &MockServer) -> ImagesClient {
    client_with(mock, KEY, |b| b)
}

pub(crate) fn client_with(
    mock: &MockServer,
    key: &str,
    f: impl FnOnce(artnex::openai::ImagesClientBuilder) -> artnex::openai::ImagesClientBuilder,
) -> ImagesClient {
    f(ImagesClient::builder()
        .api_key(key)
        .base_url(mock.artapi_base_url())
        .retry_policy(fast_retries()))
    .build()
    .expect("client")
}

/// Charges on `key` for the images endpoint.
pub(crate) fn charges(mock: &MockServer, key: &str) -> Vec<LedgerEntry> {
    mock.ledger(key)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Charge && e.endpoint == PATH)
        .collect()
}

/// Requests the simulator answered on the images endpoint for `key`.
pub(crate) fn hits(mock: &MockServer, key: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path == PATH && r.is_for(key))
        .count()
}

/// The ledger invariant: no request id is charged twice, and every charge belongs to a request the
/// simulator answered (or cut after charging).
pub(crate) fn assert_no_double_charge(mock: &MockServer, key: &str) {
    let mut per_request: BTreeMap<String, usize> = BTreeMap::new();
    for c in charges(mock, key) {
        *per_request.entry(c.request_id).or_default() += 1;
    }
    for (id, n) in &per_request {
        assert_eq!(*n, 1, "request {id} charged {n} times");
    }
    let answered: Vec<String> = mock
        .requests()
        .into_iter()
        .filter(|r| r.path == PATH && r.is_for(key))
        .map(|r| r.request_id)
        .collect();
    for id in per_request.keys() {
        assert!(answered.contains(id), "charge for unknown request {id}");
    }
}

/// Width and height of a PNG, decoded for real (not just the header).
pub(crate) fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("a whole PNG frame");
    (info.width, info.height)
}
