//! The ledger under concurrency: no credit lost, none spent twice.

use std::sync::Arc;

use artnex_mock::{KeyConfig, LedgerKind, Plan};
use futures_util::StreamExt as _;
use serde_json::json;

use crate::support::{Mock, builder};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_n_of_many_concurrent_requests_succeed() {
    const N: u64 = 25;
    const REQUESTS: usize = 200;
    // z-image-turbo costs 100 credits per image: the key can pay for exactly N images.
    let key = "sk-test-exact";
    let mock =
        Arc::new(Mock::with(builder().key(KeyConfig::artnex(key, Plan::Unlimited, 100 * N))).await);
    let body =
        json!({"prompt": "a lighthouse", "model": "z-image-turbo", "width": 64, "height": 64});
    let statuses: Vec<u16> = futures_util::stream::iter(0..REQUESTS)
        .map(|_| {
            let mock = mock.clone();
            let body = body.clone();
            async move { mock.post("/v1/generate", Some(key), &body).await.status }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 402).count();
    assert_eq!(ok as u64, N, "statuses: {statuses:?}");
    assert_eq!(refused, REQUESTS - N as usize);
    assert_eq!(mock.server.balance(key), Some(0));
    assert_eq!(mock.server.total_charged(key), 100 * N);
    let ledger = mock.server.ledger(key);
    assert_eq!(ledger.len() as u64, N);
    assert!(
        ledger
            .iter()
            .all(|e| e.kind == LedgerKind::Charge && e.credits == 100)
    );
    // Every entry belongs to a distinct request and the running balance goes down by 100 each time.
    let mut ids: Vec<&str> = ledger.iter().map(|e| e.request_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, N);
    let mut after: Vec<u64> = ledger.iter().map(|e| e.balance_after).collect();
    after.sort_unstable();
    assert_eq!(after, (0..N).map(|i| i * 100).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_video_submissions_never_overdraw() {
    // veo3-fast costs 2000 per clip: room for exactly 3 holds.
    let key = "sk-test-video-exact";
    let mock =
        Arc::new(Mock::with(builder().key(KeyConfig::artnex(key, Plan::Unlimited, 6500))).await);
    let body = json!({"prompt": "a storm", "model": "veo3-fast", "duration": 4});
    let statuses: Vec<u16> = futures_util::stream::iter(0..40)
        .map(|_| {
            let mock = mock.clone();
            let body = body.clone();
            async move { mock.post("/v1/video", Some(key), &body).await.status }
        })
        .buffer_unordered(40)
        .collect()
        .await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3);
    assert_eq!(statuses.iter().filter(|s| **s == 402).count(), 37);
    assert_eq!(mock.server.balance(key), Some(500));
    assert_eq!(mock.server.held(key), Some(6000));
    // Completing the jobs turns the holds into charges.
    mock.server.advance(std::time::Duration::from_secs(3600));
    assert_eq!(mock.server.held(key), Some(0));
    assert_eq!(mock.server.balance(key), Some(500));
    assert_eq!(mock.server.total_charged(key), 6000);
}

#[tokio::test]
async fn a_refused_request_changes_nothing() {
    let key = "sk-test-small";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Unlimited, 450))).await;
    // 2 images x 250 = 500 > 450: refused whole, not partly served.
    let body = json!({"prompt": "two cats", "model": "flux-2-pro", "num_images": 2, "width": 64, "height": 64});
    mock.post("/v1/generate", Some(key), &body)
        .await
        .expect_error(402, "insufficient_credits");
    assert_eq!(mock.server.balance(key), Some(450));
    assert!(mock.server.ledger(key).is_empty());
    // One image fits.
    let one = json!({"prompt": "one cat", "model": "flux-2-pro", "width": 64, "height": 64});
    let r = mock.post("/v1/generate", Some(key), &one).await;
    r.expect(200);
    assert_eq!(r.body["credits_used"], 250);
    assert_eq!(mock.server.balance(key), Some(200));
}

#[tokio::test]
async fn prices_follow_the_catalogue() {
    let mock = Mock::start().await;
    let key = crate::support::KEY;
    let cases = [
        (
            "/v1/generate",
            json!({"prompt": "p", "model": "seedream-v4", "num_images": 3, "width": 64, "height": 64}),
            600,
        ),
        (
            "/v1/generate",
            json!({"prompt": "p", "model": "nano-banana-pro-ultra", "width": 64, "height": 64}),
            1000,
        ),
        (
            "/v1/edit",
            json!({"prompt": "p", "model": "seedream-v4.5-edit", "image": "https://e.com/a.png"}),
            800,
        ),
        ("/v1/tts", json!({"text": "hi", "model": "kling-tts"}), 100),
        ("/v1/tts", json!({"text": "hi"}), 10),
        (
            "/v1/upscale",
            json!({"image": "https://e.com/a.png", "scale": 4}),
            artnex_facts::UPSCALE_CREDITS,
        ),
        (
            "/v1/remove-bg",
            json!({"image": "https://e.com/a.png"}),
            artnex_facts::REMOVE_BACKGROUND_CREDITS,
        ),
        // gpt-image-2: the simulator's own tier table (default 1k/medium = 200; 2k/high = 800).
        (
            "/v1/generate",
            json!({"prompt": "p", "model": "gpt-image-2", "width": 64, "height": 64}),
            200,
        ),
        (
            "/v1/generate",
            json!({"prompt": "p", "model": "gpt-image-2", "resolution": "2k", "quality": "high", "num_images": 2, "width": 64, "height": 64}),
            1600,
        ),
        (
            "/v1/edit",
            json!({"prompt": "p", "model": "gpt-image-2-edit", "image": "https://e.com/a.png", "resolution": "4k", "quality": "low"}),
            400,
        ),
    ];
    for (path, body, credits) in cases {
        let before = mock.server.balance(key).unwrap();
        let r = mock.post(path, Some(key), &body).await;
        r.expect(200);
        assert_eq!(r.body["credits_used"], credits, "{path} {body}");
        assert_eq!(
            before - mock.server.balance(key).unwrap(),
            credits,
            "{path} {body}"
        );
    }
}

#[tokio::test]
async fn the_tier_table_is_configurable() {
    let prices = artnex_mock::TierPrices::flat(7).with("4k", "high", 99);
    let mock = Mock::with(builder().tier_prices(prices)).await;
    let key = crate::support::KEY;
    let r = mock
        .post(
            "/v1/generate",
            Some(key),
            &json!({"prompt": "p", "model": "gpt-image-2", "width": 64, "height": 64}),
        )
        .await;
    assert_eq!(r.body["credits_used"], 7);
    let r = mock
        .post(
            "/v1/generate",
            Some(key),
            &json!({"prompt": "p", "model": "gpt-image-2", "resolution": "4k", "quality": "high", "width": 64, "height": 64}),
        )
        .await;
    assert_eq!(r.body["credits_used"], 99);
}
