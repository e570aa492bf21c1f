//! The rolling 24-hour quota, on a manual clock.

use std::time::Duration;

use artnex_mock::{KeyConfig, Plan};
use serde_json::json;

use crate::support::{Mock, builder};

const DAY: u64 = 24 * 60 * 60;

#[tokio::test]
async fn free_plan_allows_100_requests_per_rolling_day() {
    let key = "sk-test-free";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Free, 1_000_000))).await;
    // Requests that fail validation count too (the simulator's reading of "every request").
    let invalid = json!({"model": "z-image-turbo"});
    for _ in 0..100 {
        mock.post("/v1/generate", Some(key), &invalid)
            .await
            .expect_error(400, "missing_prompt");
    }
    let r = mock.post("/v1/generate", Some(key), &invalid).await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(DAY));

    // Half a day later the window still holds all 100.
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
