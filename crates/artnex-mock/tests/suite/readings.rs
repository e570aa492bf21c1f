//! Every switchable reading of the docs' gaps, each against the default. Answers under an alternative
//! reading are outside the spec on purpose, so these tests send unchecked requests and assert the exact
//! shape the reading promises.

use std::time::Duration;

use artnex_mock::{
    AspectRatioRule, CreditsNumber, DoneWord, DurationDefault, ErrorBody, FailedWord, Fault,
    FaultKind, ImagesField, KeyConfig, LedgerKind, Limits, Plan, PollQuota, PollStatus,
    PollThrottle, Readings, RefusedQuota, ResponseNulls, RetryAfterHeader, RunningWords,
    ServerErrorBody, StatusPath, SubmitStatus, SubmitSuccessField, SuccessStatus, VideoCharge,
};
use serde_json::{Value, json};

use crate::support::{ART_KEY, KEY, Mock, Resp, builder, media};

/// The status-poll path of a job under a reading.
fn poll_path(readings: &Readings, id: &str) -> String {
    match readings.status_path {
        StatusPath::StatusSegment => format!("/v1/video/status/{id}"),
        StatusPath::Query => format!("/v1/video?request_id={id}"),
        _ => format!("/v1/video/{id}"),
    }
}

async fn with(reading: impl Into<artnex_mock::Reading>) -> Mock {
    Mock::with(builder().reading(reading)).await
}

fn generate() -> Value {
    json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64})
}

fn video() -> Value {
    json!({"prompt": "waves", "model": "veo3-fast", "duration": 4})
}

/// Submits a job (any 2xx) and returns its id.
async fn submit(mock: &Mock, key: &str, body: &Value) -> String {
    let r = mock.post_unchecked("/v1/video", Some(key), body).await;
    assert!((200..300).contains(&r.status), "{}", r.body);
    r.body["request_id"].as_str().unwrap().to_string()
}

async fn poll(mock: &Mock, key: &str, id: &str) -> Resp {
    let path = poll_path(&mock.server.readings(), id);
    mock.get_unchecked(&path, Some(key)).await
}

#[tokio::test]
async fn status_path_each_reading_answers_only_at_its_own_path() {
    for reading in StatusPath::ALL {
        let mock = with(*reading).await;
        let id = submit(&mock, KEY, &video()).await;
        let r = poll(&mock, KEY, &id).await;
        assert_eq!(
            (r.status, r.body["status"].as_str()),
            (200, Some("pending")),
            "{reading:?}"
        );
        assert_eq!(r.body["request_id"], id.as_str());
        for other in StatusPath::ALL.iter().filter(|o| *o != reading) {
            let path = poll_path(&Readings::default().with(*other), &id);
            let r = mock.get_unchecked(&path, Some(KEY)).await;
            assert_eq!(
                (r.status, r.code()),
                (404, "not_found"),
                "{reading:?}: {path}"
            );
        }
    }
    // The query reading without the parameter, or with another job's id: 404.
    let mock = with(StatusPath::Query).await;
    let r = mock.get_unchecked("/v1/video", Some(KEY)).await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = mock
        .get_unchecked("/v1/video?request_id=req_nope", Some(KEY))
        .await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    // ... and authentication still applies.
    let id = submit(&mock, KEY, &video()).await;
    let r = mock
        .get_unchecked(&format!("/v1/video?request_id={id}"), Some("sk-nobody"))
        .await;
    assert_eq!((r.status, r.code()), (401, "invalid_api_key"));
}

#[tokio::test]
async fn success_statuses() {
    for (reading, status) in [
        (SubmitStatus::Ok200, 200),
        (SubmitStatus::Accepted202, 202),
        (SubmitStatus::Created201, 201),
    ] {
        let mock = with(reading).await;
        let r = mock.post_unchecked("/v1/video", Some(KEY), &video()).await;
        assert_eq!(r.status, status, "{reading:?}");
        assert_eq!(r.body["status"], "pending");
        // The other operations keep 200.
        let r = mock
            .post_unchecked("/v1/generate", Some(KEY), &generate())
            .await;
        assert_eq!(r.status, 200);
    }
    for (reading, status) in [
        (SuccessStatus::Created201, 201),
        (SuccessStatus::Accepted202, 202),
    ] {
        let mock = with(reading).await;
        for (path, body) in [
            ("/v1/generate", generate()),
            ("/v1/tts", json!({"text": "hi"})),
            ("/v1/upscale", json!({"image": "https://e.com/a.png"})),
            ("/v1/remove-bg", json!({"image": "https://e.com/a.png"})),
            (
                "/v1/edit",
                json!({"prompt": "x", "model": "seedream-edit", "image": "https://e.com/a.png"}),
            ),
        ] {
            let r = mock.post_unchecked(path, Some(KEY), &body).await;
            assert_eq!(r.status, status, "{reading:?} {path}: {}", r.body);
            assert_eq!(r.body["success"], true);
        }
        // Video submissions have their own switch; ArtAPI answers as OpenAI does.
        assert_eq!(
            mock.post_unchecked("/v1/video", Some(KEY), &video())
                .await
                .status,
            200
        );
        let r = mock
            .post_unchecked(
                "/v1/images/generations",
                Some(ART_KEY),
                &json!({"model": "flux-dev", "prompt": "x", "size": "256x256"}),
            )
            .await;
        assert_eq!(r.status, 200);
        // Errors are unchanged.
        let r = mock
            .post_unchecked(
                "/v1/generate",
                Some(KEY),
                &json!({"model": "z-image-turbo"}),
            )
            .await;
        assert_eq!((r.status, r.code()), (400, "missing_prompt"));
    }
}

#[tokio::test]
async fn poll_status_202_while_running() {
    let mock = with(PollStatus::Accepted202WhileRunning).await;
    let id = submit(&mock, KEY, &video()).await;
    let r = poll(&mock, KEY, &id).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (202, Some("pending"))
    );
    mock.server.advance(Duration::from_secs(10));
    let r = poll(&mock, KEY, &id).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (202, Some("processing"))
    );
    mock.server.advance(Duration::from_secs(600));
    let r = poll(&mock, KEY, &id).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("completed"))
    );
}

#[tokio::test]
async fn counted_polls_spend_the_quota() {
    let key = "sk-test-polls-counted";
    let mock = Mock::with(
        builder()
            .key(KeyConfig::artnex(key, Plan::Custom(3), 100_000))
            .reading(PollQuota::Counted),
    )
    .await;
    let id = submit(&mock, key, &video()).await;
    assert_eq!(poll(&mock, key, &id).await.status, 200);
    mock.server.advance(Duration::from_secs(5));
    assert_eq!(poll(&mock, key, &id).await.status, 200);
    mock.server.advance(Duration::from_secs(5));
    // Submission + two polls = 3: the next poll and the next request are over the daily quota.
    let r = poll(&mock, key, &id).await;
    assert_eq!((r.status, r.code()), (429, "rate_limit_exceeded"));
    assert!(
        r.body["message"].as_str().unwrap().contains("daily"),
        "{}",
        r.body
    );
    let r = mock
        .post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    assert_eq!(r.status, 429);
}

#[tokio::test]
async fn unthrottled_polls() {
    let mock = with(PollThrottle::Unthrottled).await;
    let id = submit(&mock, KEY, &video()).await;
    for _ in 0..5 {
        assert_eq!(poll(&mock, KEY, &id).await.status, 200);
    }
    // The default throttles the second one.
    let mock = Mock::start().await;
    let id = submit(&mock, KEY, &video()).await;
    assert_eq!(poll(&mock, KEY, &id).await.status, 200);
    assert_eq!(poll(&mock, KEY, &id).await.status, 429);
}

/// The words a job reports over its life: (at submission, 5 s in, finished).
async fn words(mock: &Mock, fail: bool) -> Vec<String> {
    if fail {
        mock.server
            .inject(Fault::new(FaultKind::FailVideo).for_key(KEY).times(1));
    }
    // veo3-fast, 4 s: a 29.3 s job, pending for its first 2.9 s.
    let r = mock.post_unchecked("/v1/video", Some(KEY), &video()).await;
    let id = r.body["request_id"].as_str().unwrap().to_string();
    let mut out = vec![r.body["status"].as_str().unwrap().to_string()];
    for step in [5, 600] {
        mock.server.advance(Duration::from_secs(step));
        let r = poll(mock, KEY, &id).await;
        out.push(r.body["status"].as_str().unwrap().to_string());
        if step == 600 && fail {
            assert_eq!(r.body["error"], "generation_failed", "{}", r.body);
            assert!(r.body["message"].is_string());
        }
    }
    out
}

#[tokio::test]
async fn status_words() {
    for reading in DoneWord::ALL {
        let mock = with(*reading).await;
        let w = words(&mock, false).await;
        assert_eq!(w, ["pending", "processing", reading.name()], "{reading:?}");
    }
    for reading in FailedWord::ALL {
        let mock = with(*reading).await;
        let w = words(&mock, true).await;
        assert_eq!(w[2], reading.name(), "{reading:?}");
    }
    for (reading, expected) in [
        (
            RunningWords::PendingProcessing,
            ["pending", "processing", "completed"],
        ),
        (
            RunningWords::PendingOnly,
            ["pending", "pending", "completed"],
        ),
        (
            RunningWords::QueuedRunning,
            ["queued", "running", "completed"],
        ),
    ] {
        let mock = with(reading).await;
        assert_eq!(words(&mock, false).await, expected, "{reading:?}");
    }
}

#[tokio::test]
async fn the_submission_may_lack_success() {
    let mock = with(SubmitSuccessField::Absent).await;
    let r = mock.post_unchecked("/v1/video", Some(KEY), &video()).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("success").is_none(), "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    let r = Mock::start()
        .await
        .post("/v1/video", Some(KEY), &video())
        .await;
    assert_eq!(r.body["success"], true);
}

#[tokio::test]
async fn video_charged_at_submission_refunded_or_not() {
    let key = "sk-test-charge";
    for reading in [VideoCharge::AtSubmission, VideoCharge::AtSubmissionNoRefund] {
        let mock = Mock::with(
            builder()
                .key(KeyConfig::artnex(key, Plan::Pro, 10_000))
                .reading(reading),
        )
        .await;
        // A job that completes: one charge, at submission, reported in the answer.
        let r = mock.post_unchecked("/v1/video", Some(key), &video()).await;
        assert_eq!(r.body["credits_used"], 2000, "{}", r.body);
        assert_eq!(mock.server.total_charged(key), 2000);
        assert_eq!(
            (mock.server.held(key), mock.server.balance(key)),
            (Some(0), Some(8000))
        );
        mock.server.advance(Duration::from_secs(600));
        assert_eq!(mock.server.total_charged(key), 2000);
        // A job that fails.
        mock.server
            .inject(Fault::new(FaultKind::FailVideo).for_key(key).times(1));
        let id = submit(&mock, key, &video()).await;
        assert_eq!(mock.server.balance(key), Some(6000));
        mock.server.advance(Duration::from_secs(600));
        let r = poll(&mock, key, &id).await;
        assert_eq!(r.body["status"], "error");
        let kinds: Vec<LedgerKind> = mock.server.ledger(key).iter().map(|e| e.kind).collect();
        if reading == VideoCharge::AtSubmission {
            assert_eq!(
                kinds,
                [LedgerKind::Charge, LedgerKind::Charge, LedgerKind::Refund]
            );
            assert_eq!(mock.server.balance(key), Some(8000));
            assert_eq!(mock.server.total_charged(key), 2000);
            assert!(r.body["message"].as_str().unwrap().contains("refunded"));
        } else {
            assert_eq!(kinds, [LedgerKind::Charge, LedgerKind::Charge]);
            assert_eq!(mock.server.balance(key), Some(6000));
            assert_eq!(mock.server.total_charged(key), 4000);
        }
        // Not enough for the charge: 402, nothing changes.
        mock.server.set_balance(key, 1999);
        let r = mock.post_unchecked("/v1/video", Some(key), &video()).await;
        assert_eq!((r.status, r.code()), (402, "insufficient_credits"));
        assert_eq!(mock.server.running_jobs(), 0);
    }
}

/// The clip length of a finished job's video.
async fn clip_seconds(mock: &Mock, body: &Value) -> f64 {
    let id = submit(mock, KEY, body).await;
    mock.server.advance(Duration::from_secs(3600));
    let r = poll(mock, KEY, &id).await;
    let file = mock.download(r.body["video_url"].as_str().unwrap()).await;
    media::check_mp4(&file.bytes).duration_seconds
}

#[tokio::test]
async fn duration_defaults() {
    let veo = json!({"prompt": "x", "model": "veo3.1"}); // 4, 6 or 8 s
    let kling = json!({"prompt": "x", "model": "kling-v2.5-turbo-pro"}); // 5 or 10 s
    let mock = Mock::start().await;
    assert_eq!(clip_seconds(&mock, &veo).await, 4.0);
    let mock = with(DurationDefault::Longest).await;
    assert_eq!(clip_seconds(&mock, &veo).await, 8.0);
    assert_eq!(clip_seconds(&mock, &kling).await, 10.0);
    let mock = with(DurationDefault::Fixed5).await;
    assert_eq!(clip_seconds(&mock, &kling).await, 5.0);
    let r = mock.post_unchecked("/v1/video", Some(KEY), &veo).await;
    assert_eq!((r.status, r.code()), (400, "invalid_duration"));
    // An explicit duration is never affected.
    let explicit = json!({"prompt": "x", "model": "veo3.1", "duration": 6});
    assert_eq!(clip_seconds(&mock, &explicit).await, 6.0);
}

#[tokio::test]
async fn aspect_ratio_rules() {
    let body = |model: &str, ratio: &str| json!({"prompt": "x", "model": model, "aspect_ratio": ratio, "image": "https://e.com/a.png"});
    let mock = with(AspectRatioRule::Refuse).await;
    // veo3.1 lists 16:9 and 9:16: 1:1 is refused instead of falling back.
    let r = mock
        .post_unchecked("/v1/video", Some(KEY), &body("veo3.1", "1:1"))
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_request"));
    assert_eq!(mock.server.running_jobs(), 0);
    for (model, ratio) in [("veo3.1", "9:16"), ("veo3.1-i2v", "1:1")] {
        let r = mock
            .post_unchecked("/v1/video", Some(KEY), &body(model, ratio))
            .await;
        assert_eq!(r.status, 200, "{model} {ratio}: {}", r.body);
    }
    // Falling back for anything: even a value outside the enum becomes the model's default.
    let mock = with(AspectRatioRule::FallBackAll).await;
    let id = submit(&mock, KEY, &body("veo3.1", "banana")).await;
    mock.server.advance(Duration::from_secs(3600));
    let r = poll(&mock, KEY, &id).await;
    let file = mock.download(r.body["video_url"].as_str().unwrap()).await;
    let facts = media::check_mp4(&file.bytes);
    assert_eq!((facts.width, facts.height), (1280, 720));
}

#[tokio::test]
async fn error_body_shapes() {
    let mock = with(ErrorBody::Nested).await;
    let r = mock
        .post_unchecked(
            "/v1/generate",
            Some(KEY),
            &json!({"model": "z-image-turbo"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "missing_prompt", "{}", r.body);
    assert!(r.body["error"]["message"].is_string());
    assert!(r.body["request_id"].as_str().unwrap().starts_with("req_"));
    assert!(r.body.get("success").is_none());
    let r = mock
        .post_unchecked("/v1/tts", Some("sk-nobody"), &json!({}))
        .await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (401, &json!("invalid_api_key"))
    );

    let mock = with(ErrorBody::NumericCode).await;
    let r = mock
        .post_unchecked(
            "/v1/generate",
            Some(KEY),
            &json!({"model": "z-image-turbo"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], 400, "{}", r.body);
    assert_eq!(r.body["success"], false);
    assert!(r.body.get("error").is_none(), "no string code: {}", r.body);
    let r = mock.get_unchecked("/v1/video/req_nope", Some(KEY)).await;
    assert_eq!((r.status, &r.body["code"]), (404, &json!(404)));
    // ArtAPI keeps the OpenAI shape.
    let r = mock
        .post_unchecked(
            "/v1/images/generations",
            Some(ART_KEY),
            &json!({"prompt": "x"}),
        )
        .await;
    assert_eq!(r.body["error"]["type"], "invalid_request_error");
}

#[tokio::test]
async fn html_server_errors() {
    let mock = with(ServerErrorBody::Html).await;
    mock.server
        .inject(Fault::new(FaultKind::ServerError).times(1));
    mock.server.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 4,
        })
        .times(1),
    );
    for status in [500, 503] {
        let r = mock
            .post_unchecked("/v1/generate", Some(KEY), &generate())
            .await;
        assert_eq!(r.status, status);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(
            r.text().contains(&format!("<title>{status} ")),
            "{}",
            r.text()
        );
        if status == 503 {
            assert_eq!(r.retry_after(), Some(4));
        }
    }
    mock.server
        .inject(Fault::new(FaultKind::ServerError).times(1));
    let r = mock
        .post_unchecked(
            "/v1/images/generations",
            Some(ART_KEY),
            &json!({"model": "flux-dev", "prompt": "x"}),
        )
        .await;
    assert_eq!(r.status, 500);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    // 4xx stay JSON.
    let r = mock
        .post_unchecked(
            "/v1/generate",
            Some(KEY),
            &json!({"model": "z-image-turbo"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "missing_prompt"));
}

#[tokio::test]
async fn retry_after_may_be_omitted() {
    let key = "sk-test-no-retry-after";
    let mock = Mock::with(
        builder()
            .key(KeyConfig::artnex(key, Plan::Custom(2), 100_000))
            .reading(RetryAfterHeader::Omitted),
    )
    .await;
    mock.server.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 3,
        })
        .times(1),
    );
    let r = mock
        .post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    assert_eq!((r.status, r.retry_after()), (503, None));
    // A job polled too fast, and the daily quota.
    let id = submit(&mock, key, &video()).await;
    assert_eq!(poll(&mock, key, &id).await.status, 200);
    let r = poll(&mock, key, &id).await;
    assert_eq!((r.status, r.header("retry-after")), (429, None));
    mock.post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    let r = mock
        .post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    assert_eq!(
        (r.status, r.code(), r.header("retry-after")),
        (429, "rate_limit_exceeded", None)
    );
}

#[tokio::test]
async fn refused_requests_need_not_count() {
    let key = "sk-test-refused-free";
    let mock = Mock::with(
        builder()
            .key(KeyConfig::artnex(key, Plan::Custom(1), 5))
            .reading(RefusedQuota::NotCounted),
    )
    .await;
    for body in [
        json!({"model": "z-image-turbo"}),
        json!({"prompt": 1}),
        generate(),
    ] {
        let r = mock.post_unchecked("/v1/generate", Some(key), &body).await;
        assert!(
            (400..500).contains(&r.status) && r.status != 429,
            "{}",
            r.body
        );
    }
    // Three refusals (400, 422, 402) later, the one request of the day is still there.
    let r = mock
        .post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    assert_eq!(r.status, 402, "the balance of 5 cannot pay: {}", r.body);
    mock.server.set_balance(key, 1000);
    let r = mock
        .post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    assert_eq!(r.status, 200);
    let r = mock
        .post_unchecked("/v1/tts", Some(key), &json!({"text": "x"}))
        .await;
    assert_eq!((r.status, r.code()), (429, "rate_limit_exceeded"));
}

#[tokio::test]
async fn absent_fields_as_null() {
    let mock = with(ResponseNulls::Null).await;
    let r = mock.post_unchecked("/v1/video", Some(KEY), &video()).await;
    for field in ["video_url", "credits_used", "error", "message"] {
        assert_eq!(r.body.get(field), Some(&Value::Null), "{field}: {}", r.body);
    }
    let id = r.body["request_id"].as_str().unwrap().to_string();
    let r = poll(&mock, KEY, &id).await;
    assert_eq!(r.body.get("video_url"), Some(&Value::Null));
    mock.server.advance(Duration::from_secs(600));
    let r = poll(&mock, KEY, &id).await;
    assert!(r.body["video_url"].is_string());
    assert_eq!(r.body.get("error"), Some(&Value::Null));
}

#[tokio::test]
async fn images_may_be_null() {
    let mock = with(ImagesField::Null).await;
    let r = mock
        .post_unchecked("/v1/generate", Some(KEY), &generate())
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.get("images"), Some(&Value::Null), "{}", r.body);
    assert_eq!(r.body["credits_used"], 100);
    assert_eq!(mock.server.total_charged(KEY), 100, "the charge stands");
}

#[tokio::test]
async fn credits_as_float_or_fraction() {
    for (reading, text, value) in [
        (CreditsNumber::Float, "\"credits_used\":100.0", 100.0),
        (CreditsNumber::Fractional, "\"credits_used\":100.25", 100.25),
    ] {
        let mock = with(reading).await;
        let r = mock
            .post_unchecked("/v1/generate", Some(KEY), &generate())
            .await;
        assert!(r.text().contains(text), "{reading:?}: {}", r.text());
        assert!(!r.body["credits_used"].is_u64());
        assert_eq!(r.body["credits_used"].as_f64(), Some(value));
        // The ledger charges whole credits.
        assert_eq!(mock.server.total_charged(KEY), 100);
        // Video polls too.
        let id = submit(&mock, KEY, &video()).await;
        mock.server.advance(Duration::from_secs(600));
        let r = poll(&mock, KEY, &id).await;
        assert_eq!(
            r.body["credits_used"].as_f64(),
            Some(value - 100.0 + 2000.0)
        );
    }
}

#[tokio::test]
async fn relaxed_limits() {
    let mock = with(Limits::Relaxed).await;
    for (path, body) in [
        (
            "/v1/generate",
            json!({"prompt": "x", "model": "z-image-turbo", "width": 32, "height": 9000}),
        ),
        (
            "/v1/upscale",
            json!({"image": "https://e.com/a.png", "scale": 0.5}),
        ),
        (
            "/v1/upscale",
            json!({"image": "https://e.com/a.png", "scale": 12}),
        ),
    ] {
        let r = mock.post_unchecked(path, Some(KEY), &body).await;
        assert_eq!(r.status, 200, "{path} {body}: {}", r.body);
    }
    let r = mock
        .post_unchecked(
            "/v1/images/generations",
            Some(ART_KEY),
            &json!({"model": "flux-dev", "prompt": "p".repeat(artnex_facts::CREATE_IMAGE_PROMPT_MAX_CHARS.value + 1000)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Still limited: beyond the relaxed ranges, and the documented limits.
    let r = mock
        .post_unchecked(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "x", "model": "z-image-turbo", "width": 8}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_dimensions"));
    let r = mock
        .post_unchecked(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "p".repeat(artnex_facts::GENERATE_IMAGE_PROMPT_MAX_CHARS.value + 1), "model": "z-image-turbo"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "prompt_too_long"));
    // The default refuses what the relaxed reading accepts.
    let mock = Mock::start().await;
    mock.post(
        "/v1/upscale",
        Some(KEY),
        &json!({"image": "https://e.com/a.png", "scale": 0.5}),
    )
    .await
    .expect_error(400, "invalid_scale");
}

#[tokio::test]
async fn readings_change_at_run_time_over_the_admin_route() {
    let mock = Mock::start().await;
    let admin = |method: reqwest::Method, body: Option<Value>| {
        let mut req = mock.http.request(method, mock.url("/__admin/readings"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, v) = admin(reqwest::Method::GET, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["changed"], "default");
    assert_eq!(v["readings"]["status_path"], "id");
    let switches = v["switches"].as_array().unwrap();
    assert_eq!(switches.len(), Readings::switches().len());
    assert!(
        switches
            .iter()
            .any(|s| s["switch"] == "failed_word" && s["values"].as_array().unwrap().len() == 5)
    );

    let (s, v) = admin(
        reqwest::Method::POST,
        Some(json!({"status_path": "query", "done_word": "succeeded"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["changed"], "status_path=query,done_word=succeeded");
    assert_eq!(
        mock.server.readings(),
        Readings::default()
            .with(StatusPath::Query)
            .with(DoneWord::Succeeded)
    );
    let id = submit(&mock, KEY, &video()).await;
    mock.server.advance(Duration::from_secs(600));
    let r = mock
        .get_unchecked(&format!("/v1/video?request_id={id}"), Some(KEY))
        .await;
    assert_eq!(r.body["status"], "succeeded");
    // All or nothing.
    let (s, v) = admin(
        reqwest::Method::POST,
        Some(json!({"poll_quota": "counted", "status_path": "sideways"})),
    )
    .await;
    assert_eq!(s, 400);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("id, status-segment, query"),
        "{v}"
    );
    assert_eq!(mock.server.readings().poll_quota, PollQuota::Free);
    let (s, v) = admin(reqwest::Method::DELETE, None).await;
    assert_eq!((s, &v["changed"]), (200, &json!("default")));
    assert!(mock.server.readings().is_default());
}

/// Every alternative, one simulator each: the main flows run without a 5xx, with an exact ledger.
#[tokio::test]
async fn every_alternative_serves_the_main_flows() {
    let alternatives = Readings::alternatives();
    assert!(alternatives.len() >= 30, "{}", alternatives.len());
    for (name, readings) in alternatives {
        let mock = Mock::with(builder().readings(readings)).await;
        let mut expected = 0;
        let r = mock
            .post_unchecked("/v1/generate", Some(KEY), &generate())
            .await;
        assert!((200..300).contains(&r.status), "{name}: {}", r.body);
        expected += 100;
        let bad = mock
            .post_unchecked(
                "/v1/generate",
                Some(KEY),
                &json!({"model": "z-image-turbo"}),
            )
            .await;
        assert_eq!(bad.status, 400, "{name}");
        let body = json!({"prompt": "x", "model": "kling-v2.5-turbo-pro", "duration": 5});
        let id = submit(&mock, KEY, &body).await;
        mock.server.advance(Duration::from_secs(600));
        let r = poll(&mock, KEY, &id).await;
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        expected += 1500;
        let url = r.body["video_url"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {}", r.body));
        mock.download(url).await.expect(200);
        assert_eq!(mock.server.total_charged(KEY), expected, "{name}");
        assert_eq!(mock.server.held(KEY), Some(0), "{name}");
        assert!(
            mock.server.requests().iter().all(|r| r.status < 500),
            "{name}"
        );
    }
}
