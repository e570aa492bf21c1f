//! The video job lifecycle on a manual clock.

use std::time::Duration;

use artnex_mock::{Fault, FaultKind, KeyConfig, LedgerKind, Plan};
use serde_json::json;

use crate::support::{KEY, Mock, builder, media};

async fn submit(mock: &Mock, key: &str, body: serde_json::Value) -> String {
    let r = mock.post("/v1/video", Some(key), &body).await;
    r.expect(200);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["success"], true);
    r.body["request_id"].as_str().unwrap().to_string()
}

async fn poll(mock: &Mock, id: &str, key: &str) -> crate::support::Resp {
    mock.get(&format!("/v1/video/{id}"), Some(key)).await
}

#[tokio::test]
async fn pending_processing_completed_then_charged() {
    let key = "sk-test-video";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Pro, 10_000))).await;
    let id = submit(
        &mock,
        key,
        json!({"prompt": "a drone over mountains", "model": "veo3.1", "mode": "text-to-video", "aspect_ratio": "9:16", "duration": 8}),
    )
    .await;
    // Held, not charged.
    assert_eq!(mock.server.balance(key), Some(7000));
    assert_eq!(mock.server.held(key), Some(3000));
    assert_eq!(mock.server.total_charged(key), 0);

    let r = poll(&mock, &id, key).await;
    assert_eq!(r.body["status"], "pending");
    assert!(r.body.get("video_url").is_none());

    // The job lasts (20 + 6 x 8) s x (3000 / 3000) = 68 s at speed 1; pending for its first 10 %.
    mock.server.advance(Duration::from_secs(7));
    let r = poll(&mock, &id, key).await;
    assert_eq!(r.body["status"], "processing");

    mock.server.advance(Duration::from_secs(60));
    assert_eq!(poll(&mock, &id, key).await.body["status"], "processing");
    mock.server.advance(Duration::from_secs(5));
    let r = poll(&mock, &id, key).await;
    assert_eq!(r.body["status"], "completed", "{}", r.body);
    assert_eq!(r.body["credits_used"], 3000);
    let url = r.body["video_url"].as_str().unwrap().to_string();

    assert_eq!(mock.server.balance(key), Some(7000));
    assert_eq!(mock.server.held(key), Some(0));
    assert_eq!(mock.server.total_charged(key), 3000);
    let kinds: Vec<LedgerKind> = mock.server.ledger(key).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LedgerKind::Hold, LedgerKind::Charge]);

    let file = mock.download(&url).await;
    file.expect(200);
    assert_eq!(file.header("content-type"), Some("video/mp4"));
    let facts = media::check_mp4(&file.bytes);
    assert_eq!(facts.duration_seconds, 8.0);
    assert_eq!((facts.width, facts.height), (720, 1280));
}

#[tokio::test]
async fn polls_faster_than_the_documented_interval_are_throttled() {
    let mock = Mock::start().await;
    let interval = artnex_facts::VIDEO_POLLING.min_interval.as_secs();
    assert!(
        interval >= 2,
        "the test needs an interval of whole seconds, at least 2"
    );
    let id = submit(&mock, KEY, json!({"prompt": "sea", "model": "sora-2"})).await;
    let url = format!("/v1/video/{id}");
    mock.get(&url, Some(KEY)).await.expect(200);
    let r = mock.get(&url, Some(KEY)).await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(interval));
    mock.server.advance(Duration::from_secs(interval - 2));
    let r = mock.get(&url, Some(KEY)).await;
    assert_eq!(r.retry_after(), Some(2));
    mock.server.advance(Duration::from_secs(2));
    mock.get(&url, Some(KEY)).await.expect(200);
    // Throttling is per job: another job polls freely.
    let other = submit(&mock, KEY, json!({"prompt": "sky", "model": "sora-2"})).await;
    mock.get(&format!("/v1/video/{other}"), Some(KEY))
        .await
        .expect(200);
}

#[tokio::test]
async fn the_speed_up_shortens_jobs_and_the_poll_interval() {
    let mock = Mock::with(builder().speed(100.0)).await;
    let id = submit(
        &mock,
        KEY,
        json!({"prompt": "fire", "model": "kling-v2.6-pro", "duration": 16}),
    )
    .await;
    let url = format!("/v1/video/{id}");
    mock.get(&url, Some(KEY)).await.expect(200);
    // (20 + 6 x 16) s x (5500 / 3000) / 100 = 2.13 s (pending for 213 ms); the poll interval is
    // 5 s / 100 = 50 ms.
    mock.server.advance(Duration::from_millis(220));
    assert_eq!(mock.get(&url, Some(KEY)).await.body["status"], "processing");
    mock.server.advance(Duration::from_millis(1800));
    assert_eq!(mock.get(&url, Some(KEY)).await.body["status"], "processing");
    mock.server.advance(Duration::from_millis(200));
    let r = mock.get(&url, Some(KEY)).await;
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["credits_used"], 5500);
}

#[tokio::test]
async fn real_time_jobs_finish_fast_with_a_large_speed_up() {
    // A real clock: the job (44 s / 10_000 = 4.4 ms) finishes while we poll; bounded loop, no timing asserts.
    let mock = Mock::with(
        artnex_mock::MockServer::builder()
            .speed(10_000.0)
            .key(KeyConfig::artnex(KEY, Plan::Unlimited, 100_000)),
    )
    .await;
    let id = submit(&mock, KEY, json!({"prompt": "clouds", "model": "veo3.1"})).await;
    let mut status = String::new();
    for _ in 0..500 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let r = mock.get(&format!("/v1/video/{id}"), Some(KEY)).await;
        if r.status == 200 {
            status = r.body["status"].as_str().unwrap().to_string();
            if status == "completed" {
                break;
            }
        }
    }
    assert_eq!(status, "completed");
}

#[tokio::test]
async fn a_failed_job_is_not_charged() {
    let key = "sk-test-video-fail";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Pro, 5000))).await;
    mock.server
        .inject(Fault::new(FaultKind::FailVideo).for_key(key).times(1));
    let id = submit(
        &mock,
        key,
        json!({"prompt": "x", "model": "wan-2.5", "duration": 10}),
    )
    .await;
    assert_eq!(mock.server.held(key), Some(3500));
    mock.server.advance(Duration::from_secs(600));
    let r = mock.get(&format!("/v1/video/{id}"), Some(key)).await;
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["error"], "generation_failed");
    assert!(r.body["message"].is_string());
    assert!(r.body.get("video_url").is_none());
    assert_eq!(mock.server.balance(key), Some(5000));
    assert_eq!(mock.server.total_charged(key), 0);
    let kinds: Vec<LedgerKind> = mock.server.ledger(key).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [LedgerKind::Hold, LedgerKind::Release]);
    // The fault was used up: the next job completes.
    let id2 = submit(
        &mock,
        key,
        json!({"prompt": "x", "model": "wan-2.5", "duration": 5}),
    )
    .await;
    mock.server.advance(Duration::from_secs(600));
    assert_eq!(
        mock.get(&format!("/v1/video/{id2}"), Some(key)).await.body["status"],
        "completed"
    );
    // No video file for the failed job.
    mock.download(&format!("/cdn/video/{id}/video.mp4"))
        .await
        .expect(404);
}

#[tokio::test]
async fn defaults_and_fallbacks() {
    let mock = Mock::start().await;
    // No duration: the model's shortest (4 s for veo3.1). Unsupported ratio 1:1: the model default, 16:9.
    let id = submit(
        &mock,
        KEY,
        json!({"prompt": "x", "model": "veo3.1", "aspect_ratio": "1:1"}),
    )
    .await;
    // Image-to-video with the mode inferred from the model, and a range of durations.
    let png = crate::support::data_uri("image/png", &media::solid_png(16, 9, [200, 10, 10]));
    let i2v = submit(
        &mock,
        KEY,
        json!({"prompt": "x", "model": "seedance-v1.5-pro-i2v", "image": png, "duration": 11}),
    )
    .await;
    mock.server.advance(Duration::from_secs(3600));
    let r = mock.get(&format!("/v1/video/{id}"), Some(KEY)).await;
    let facts = media::check_mp4(
        &mock
            .download(r.body["video_url"].as_str().unwrap())
            .await
            .bytes,
    );
    assert_eq!(facts.duration_seconds, 4.0);
    assert_eq!((facts.width, facts.height), (1280, 720));
    let r = mock.get(&format!("/v1/video/{i2v}"), Some(KEY)).await;
    assert_eq!(r.body["credits_used"], 1500);
    let facts = media::check_mp4(
        &mock
            .download(r.body["video_url"].as_str().unwrap())
            .await
            .bytes,
    );
    assert_eq!(facts.duration_seconds, 11.0);
}

#[tokio::test]
async fn insufficient_balance_for_the_hold_is_402() {
    let key = "sk-test-video-poor";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Pro, 5999))).await;
    mock.post(
        "/v1/video",
        Some(key),
        &json!({"prompt": "x", "model": "sora-2-pro"}),
    )
    .await
    .expect_error(402, "insufficient_credits");
    assert_eq!(mock.server.held(key), Some(0));
    assert!(mock.server.ledger(key).is_empty());
}

#[tokio::test]
async fn aspect_ratios_outside_the_enum_are_422_not_a_fallback() {
    let mock = Mock::start().await;
    for (model, ratio) in [
        ("veo3.1", "banana"),
        ("kling-v2.5-turbo-pro", "4:3"),
        ("kling-v2.5-turbo-pro-i2v", ""),
    ] {
        let r = mock
            .post(
                "/v1/video",
                Some(KEY),
                &json!({"prompt": "x", "model": model, "image": "https://example.com/a.jpg", "aspect_ratio": ratio}),
            )
            .await;
        r.expect_error(422, "invalid_request");
        assert!(
            r.body["message"].as_str().unwrap().contains("aspect_ratio"),
            "{}",
            r.body
        );
    }
    // Nothing was held or charged, and no job exists.
    assert_eq!(mock.server.held(KEY), Some(0));
    assert_eq!(mock.server.total_charged(KEY), 0);
    assert_eq!(mock.server.running_jobs(), 0);
    // A ratio in the enum that the model does not list still falls back (documented): accepted.
    submit(
        &mock,
        KEY,
        json!({"prompt": "x", "model": "veo3.1", "aspect_ratio": "1:1"}),
    )
    .await;
}
