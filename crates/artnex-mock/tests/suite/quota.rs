//! The rolling 24-hour quota, on a manual clock.

use std::time::Duration;

use artnex_mock::{Fault, FaultKind, KeyConfig, Plan};
use serde_json::json;

use crate::support::{Mock, builder};

/// The quota window (a day).
const DAY: u64 = artnex_facts::QUOTA_WINDOW.as_secs();

#[tokio::test]
async fn free_plan_allows_its_documented_requests_per_rolling_day() {
    let key = "sk-test-free";
    let free = artnex_facts::Plan::Free.requests_per_day().unwrap();
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Free, 1_000_000))).await;
    // Requests that fail validation count too (the simulator's reading of "every request").
    let invalid = json!({"model": "z-image-turbo"});
    for _ in 0..free {
        mock.post("/v1/generate", Some(key), &invalid)
            .await
            .expect_error(400, "missing_prompt");
    }
    let r = mock.post("/v1/generate", Some(key), &invalid).await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(DAY));

    // Half a day later the window still holds all of them.
    mock.server.advance(Duration::from_secs(DAY / 2));
    let r = mock
        .post("/v1/tts", Some(key), &json!({"text": "hi"}))
        .await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(DAY / 2));
    // A 429 is not counted and charges nothing.
    assert_eq!(mock.server.total_charged(key), 0);

    // When the oldest requests leave the window, requests go through again.
    mock.server.advance(Duration::from_secs(DAY / 2));
    mock.post("/v1/tts", Some(key), &json!({"text": "hi"}))
        .await
        .expect(200);
}

#[tokio::test]
async fn the_window_rolls_request_by_request() {
    let key = "sk-test-three";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Custom(3), 1_000_000))).await;
    let tts = json!({"text": "hello"});
    mock.post("/v1/tts", Some(key), &tts).await.expect(200); // t = 0
    mock.server.advance(Duration::from_secs(3600));
    mock.post("/v1/tts", Some(key), &tts).await.expect(200); // t = 1 h
    mock.server.advance(Duration::from_secs(3600));
    mock.post("/v1/tts", Some(key), &tts).await.expect(200); // t = 2 h
    let r = mock.post("/v1/tts", Some(key), &tts).await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(DAY - 2 * 3600));
    // At t = 24 h the first request leaves; one more fits, then the next leaves at 25 h.
    mock.server.advance(Duration::from_secs(DAY - 2 * 3600));
    mock.post("/v1/tts", Some(key), &tts).await.expect(200);
    let r = mock.post("/v1/tts", Some(key), &tts).await;
    assert_eq!(r.retry_after(), Some(3600));
}

#[tokio::test]
async fn pro_plan_is_1000_a_day_and_keys_are_separate() {
    let a = "sk-test-pro-a";
    let b = "sk-test-pro-b";
    let mock = Mock::with(
        builder()
            .key(KeyConfig::artnex(a, Plan::Pro, 1_000_000))
            .key(KeyConfig::artnex(b, Plan::Pro, 1_000_000)),
    )
    .await;
    let invalid = json!({});
    for _ in 0..1000 {
        assert_eq!(
            mock.post("/v1/remove-bg", Some(a), &invalid).await.status,
            400
        );
    }
    mock.post("/v1/remove-bg", Some(a), &invalid)
        .await
        .expect_error(429, "rate_limit_exceeded");
    mock.post("/v1/remove-bg", Some(b), &invalid)
        .await
        .expect_error(400, "missing_image");
}

#[tokio::test]
async fn polls_do_not_count_against_the_quota() {
    let key = "sk-test-two";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Custom(2), 1_000_000))).await;
    let job = mock
        .post(
            "/v1/video",
            Some(key),
            &json!({"prompt": "rain", "model": "veo3-fast"}),
        )
        .await;
    job.expect(200);
    let id = job.body["request_id"].as_str().unwrap().to_string();
    mock.post("/v1/tts", Some(key), &json!({"text": "x"}))
        .await
        .expect(200);
    mock.post("/v1/tts", Some(key), &json!({"text": "x"}))
        .await
        .expect_error(429, "rate_limit_exceeded");
    for _ in 0..20 {
        mock.get(&format!("/v1/video/{id}"), Some(key))
            .await
            .expect(200);
        mock.server.advance(Duration::from_secs(5));
    }
}

#[tokio::test]
async fn the_admin_clock_route_moves_the_window() {
    let key = "sk-test-one";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Custom(1), 1_000_000))).await;
    let tts = json!({"text": "x"});
    mock.post("/v1/tts", Some(key), &tts).await.expect(200);
    mock.post("/v1/tts", Some(key), &tts)
        .await
        .expect_error(429, "rate_limit_exceeded");
    let r = mock
        .http
        .post(mock.url("/__admin/clock/advance"))
        .json(&json!({"seconds": DAY}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    mock.post("/v1/tts", Some(key), &tts).await.expect(200);
}

/// The simulator's assumption (spec/README.md): every authenticated request to a billable route that gets
/// past the quota check counts, whatever it then answers (400, 402, 413, 422); refusals that come before
/// the quota check (401, an injected 500/503, a 429) do not.
#[tokio::test]
async fn refused_requests_count_against_the_quota_except_those_refused_before_it() {
    let key = "sk-test-poor-four";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Custom(4), 5))).await;
    let paid = json!({"prompt": "a fox", "model": "z-image-turbo", "width": 64, "height": 64});
    // Refused before the quota check: not counted.
    mock.server
        .inject(Fault::new(FaultKind::ServerError).for_key(key).times(1));
    mock.post("/v1/generate", Some(key), &paid)
        .await
        .expect_error(500, "internal_error");
    mock.server.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 1,
        })
        .for_key(key)
        .times(1),
    );
    mock.post("/v1/generate", Some(key), &paid)
        .await
        .expect_error(503, "service_unavailable");
    // Four refusals after the quota check: all counted.
    mock.post("/v1/generate", Some(key), &paid)
        .await
        .expect_error(402, "insufficient_credits");
    mock.post(
        "/v1/generate",
        Some(key),
        &json!({"model": "z-image-turbo"}),
    )
    .await
    .expect_error(400, "missing_prompt");
    mock.post("/v1/generate", Some(key), &json!({"prompt": 1}))
        .await
        .expect_error(422, "invalid_request");
    let auth = format!("Bearer {key}");
    mock.post_raw(
        "/v1/generate",
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        "{",
    )
    .await
    .expect_error(400, "invalid_json");
    // The quota of 4 is spent by requests that were all refused and charged nothing.
    let r = mock
        .post("/v1/tts", Some(key), &json!({"text": "hi"}))
        .await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(DAY));
    assert_eq!(mock.server.total_charged(key), 0);
    assert_eq!(mock.server.balance(key), Some(5));
    // A day later the window is empty again: the request gets past the quota (to the balance check).
    mock.server.advance(Duration::from_secs(DAY));
    mock.post("/v1/tts", Some(key), &json!({"text": "hi"}))
        .await
        .expect_error(402, "insufficient_credits");
}
