//! Fault injection: what a client sees, and what the ledger says.

use std::time::Duration;

use artnex_mock::{Fault, FaultKind, KeyConfig, LedgerKind, Plan};
use serde_json::json;

use crate::support::{ART_KEY, KEY, Mock, builder};

fn generate_body() -> serde_json::Value {
    json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64})
}

#[tokio::test]
async fn server_errors_and_unavailability_happen_before_charging() {
    let mock = Mock::start().await;
    mock.server
        .inject(Fault::new(FaultKind::ServerError).times(1));
    mock.server.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 3,
        })
        .times(1),
    );
    let r = mock.post("/v1/generate", Some(KEY), &generate_body()).await;
    r.expect_error(500, "internal_error");
    let r = mock.post("/v1/generate", Some(KEY), &generate_body()).await;
    r.expect_error(503, "service_unavailable");
    assert_eq!(r.retry_after(), Some(3));
    assert_eq!(mock.server.total_charged(KEY), 0);
    assert!(mock.server.faults().is_empty(), "both were used up");
    mock.post("/v1/generate", Some(KEY), &generate_body())
        .await
        .expect(200);
    assert_eq!(mock.server.total_charged(KEY), 100);
}

#[tokio::test]
async fn faults_come_after_authentication() {
    let mock = Mock::start().await;
    mock.server.inject(Fault::new(FaultKind::ServerError));
    mock.post("/v1/generate", Some("sk-unknown"), &generate_body())
        .await
        .expect_error(401, "invalid_api_key");
    mock.post("/v1/generate", Some(KEY), &generate_body())
        .await
        .expect(500);
    mock.server.clear_faults();
    mock.post("/v1/generate", Some(KEY), &generate_body())
        .await
        .expect(200);
}

#[tokio::test]
async fn rate_limit_faults_per_key_with_a_chosen_retry_after() {
    let other = "sk-test-other";
    let mock = Mock::with(builder().key(KeyConfig::artnex(other, Plan::Pro, 10_000))).await;
    mock.server.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 42,
        })
        .for_key(KEY),
    );
    let r = mock.post("/v1/tts", Some(KEY), &json!({"text": "x"})).await;
    r.expect_error(429, "rate_limit_exceeded");
    assert_eq!(r.retry_after(), Some(42));
    mock.post("/v1/tts", Some(other), &json!({"text": "x"}))
        .await
        .expect(200);
}

#[tokio::test]
async fn path_scoped_faults_and_latency() {
    let mock = Mock::start().await;
    mock.server
        .inject(Fault::new(FaultKind::ServerError).on_path("/v1/tts"));
    mock.server
        .inject(Fault::new(FaultKind::Latency(Duration::from_millis(20))).times(2));
    mock.post("/v1/generate", Some(KEY), &generate_body())
        .await
        .expect(200);
    mock.post("/v1/tts", Some(KEY), &json!({"text": "x"}))
        .await
        .expect(500);
    mock.post(
        "/v1/upscale",
        Some(KEY),
        &json!({"image": "https://e.com/a.png"}),
    )
    .await
    .expect(200);
    // The latency fault was consumed by two requests; the path fault stays until cleared.
    assert_eq!(mock.server.faults().len(), 1);
}

#[tokio::test]
async fn drop_after_charge_cuts_the_connection_after_billing() {
    let mock = Mock::start().await;
    mock.server
        .inject(Fault::new(FaultKind::DropAfterCharge).for_key(KEY).times(1));
    let result = mock
        .http
        .post(mock.url("/v1/generate"))
        .bearer_auth(KEY)
        .json(&generate_body())
        .send()
        .await;
    let err = result.expect_err("the client must see a transport error");
    assert!(!err.is_status(), "{err}");
    // ... but the request was billed.
    let ledger = mock.server.ledger(KEY);
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].kind, ledger[0].credits),
        (LedgerKind::Charge, 100)
    );
    let log = mock.server.requests();
    let dropped: Vec<_> = log.iter().filter(|r| r.dropped).collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].request_id, ledger[0].request_id);
    assert!(dropped[0].is_for(KEY));
    // The fault was used once; the next request is answered.
    mock.post("/v1/generate", Some(KEY), &generate_body())
        .await
        .expect(200);
    assert_eq!(mock.server.total_charged(KEY), 200);
}

#[tokio::test]
async fn drop_after_charge_on_video_leaves_a_running_job() {
    let mock = Mock::start().await;
    mock.server.inject(
        Fault::new(FaultKind::DropAfterCharge)
            .on_path("/v1/video")
            .times(1),
    );
    let err = mock
        .http
        .post(mock.url("/v1/video"))
        .bearer_auth(KEY)
        .json(&json!({"prompt": "x", "model": "veo3-fast"}))
        .send()
        .await;
    assert!(err.is_err());
    assert_eq!(mock.server.held(KEY), Some(2000));
    assert_eq!(mock.server.running_jobs(), 1);
}

#[tokio::test]
async fn faults_apply_to_artapi_in_its_error_format() {
    let mock = Mock::start().await;
    mock.server
        .inject(Fault::new(FaultKind::ServerError).times(1));
    let body = json!({"model": "flux-dev", "prompt": "x", "size": "256x256"});
    let r = mock
        .post("/v1/images/generations", Some(ART_KEY), &body)
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body["error"]["type"], "api_error");
    assert_eq!(r.body["error"]["code"], "upstream_error");
    mock.server
        .inject(Fault::new(FaultKind::DropAfterCharge).times(1));
    let sent = mock
        .http
        .post(mock.url("/v1/images/generations"))
        .bearer_auth(ART_KEY)
        .json(&body)
        .send()
        .await;
    assert!(sent.is_err());
    assert_eq!(mock.server.total_charged(ART_KEY), 25);
}

#[tokio::test]
async fn media_downloads_can_fail_when_targeted() {
    let mock = Mock::start().await;
    let r = mock.post("/v1/generate", Some(KEY), &generate_body()).await;
    let url = r.body["images"][0]["url"].as_str().unwrap().to_string();
    // A global fault leaves downloads alone...
    mock.server.inject(Fault::new(FaultKind::ServerError));
    mock.download(&url).await.expect(200);
    mock.server.clear_faults();
    // ... one aimed at /cdn/ hits them.
    mock.server.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 1,
        })
        .on_path("/cdn/*")
        .times(1),
    );
    let r = mock.download(&url).await;
    r.expect(503);
    assert_eq!(r.retry_after(), Some(1));
    mock.server.inject(
        Fault::new(FaultKind::DropAfterCharge)
            .on_path("/cdn/*")
            .times(1),
    );
    assert!(mock.http.get(&url).send().await.is_err());
    mock.download(&url).await.expect(200);
}

#[tokio::test]
async fn faults_can_be_set_from_the_builder() {
    let mock = Mock::with(builder().fault(Fault::new(FaultKind::ServerError).times(1))).await;
    mock.post("/v1/tts", Some(KEY), &json!({"text": "x"}))
        .await
        .expect(500);
    mock.post("/v1/tts", Some(KEY), &json!({"text": "x"}))
        .await
        .expect(200);
}

/// Checks a gateway's HTML page: status, content type, title.
fn assert_gateway_page(r: &crate::support::Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        r.header("content-type")
    );
    let text = r.text();
    assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
    assert!(text.contains(&format!("<title>{status} ")), "{text}");
    assert!(r.body.is_null(), "not JSON");
}

#[tokio::test]
async fn a_gateway_502_before_the_api_charges_and_counts_nothing() {
    let key = "sk-test-gateway-one";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Custom(1), 1000))).await;
    mock.server.inject(
        Fault::new(FaultKind::Gateway502Before)
            .for_key(key)
            .times(1),
    );
    let r = mock
        .post_unchecked("/v1/generate", Some(key), &generate_body())
        .await;
    assert_gateway_page(&r, 502);
    assert_eq!(mock.server.total_charged(key), 0);
    assert!(mock.server.ledger(key).is_empty());
    // Not counted: the key's quota of one request is still there.
    mock.post("/v1/generate", Some(key), &generate_body())
        .await
        .expect(200);
    let log = mock.server.requests();
    let gateway: Vec<_> = log.iter().filter(|r| r.status == 502).collect();
    assert_eq!(gateway.len(), 1);
    assert_eq!(
        (gateway[0].error.as_deref(), gateway[0].credits),
        (Some("bad_gateway"), 0)
    );
}

#[tokio::test]
async fn gateway_errors_after_the_api_answered_leave_the_charge() {
    let key = "sk-test-gateway-after";
    let mock = Mock::with(builder().key(KeyConfig::artnex(key, Plan::Custom(3), 10_000))).await;
    for (kind, status) in [
        (FaultKind::Gateway502After, 502),
        (FaultKind::Gateway504After, 504),
    ] {
        mock.server.inject(
            Fault::new(kind)
                .for_key(key)
                .on_path("/v1/generate")
                .times(1),
        );
        let before = mock.server.total_charged(key);
        let r = mock
            .post_unchecked("/v1/generate", Some(key), &generate_body())
            .await;
        assert_gateway_page(&r, status);
        // The API handled and billed it: the ledger has the charge the client never saw.
        assert_eq!(mock.server.total_charged(key), before + 100);
        let last = mock.server.requests().pop().unwrap();
        assert_eq!((last.status, last.credits), (status, 100));
        assert_eq!(
            mock.server.ledger(key).last().unwrap().request_id,
            last.request_id
        );
    }
    // Both were counted against the quota of 3.
    mock.post("/v1/generate", Some(key), &generate_body())
        .await
        .expect(200);
    mock.post("/v1/generate", Some(key), &generate_body())
        .await
        .expect_error(429, "rate_limit_exceeded");
    assert!(mock.server.faults().is_empty());
}

#[tokio::test]
async fn an_after_fault_waits_for_a_request_the_api_accepts() {
    let mock = Mock::start().await;
    mock.server
        .inject(Fault::new(FaultKind::Gateway504After).times(1));
    // A refused request is answered as usual and leaves the fault in place.
    mock.post(
        "/v1/generate",
        Some(KEY),
        &json!({"model": "z-image-turbo"}),
    )
    .await
    .expect_error(400, "missing_prompt");
    assert_eq!(mock.server.faults().len(), 1);
    // A video submission is accepted (and held) behind the 504: the job runs and is charged.
    let r = mock
        .post_unchecked(
            "/v1/video",
            Some(KEY),
            &json!({"prompt": "x", "model": "veo3-fast"}),
        )
        .await;
    assert_gateway_page(&r, 504);
    assert_eq!(mock.server.running_jobs(), 1);
    assert_eq!(mock.server.held(KEY), Some(2000));
    mock.server.advance(Duration::from_secs(3600));
    assert_eq!(mock.server.total_charged(KEY), 2000);
}

#[tokio::test]
async fn gateway_pages_on_artapi_polls_and_media() {
    let mock = Mock::start().await;
    let body = json!({"model": "flux-dev", "prompt": "x", "size": "256x256"});
    mock.server
        .inject(Fault::new(FaultKind::Gateway502After).times(1));
    let r = mock
        .post_unchecked("/v1/images/generations", Some(ART_KEY), &body)
        .await;
    assert_gateway_page(&r, 502);
    assert_eq!(mock.server.total_charged(ART_KEY), 25);
    // A status poll behind a gateway: the poll happened (so the next one is throttled).
    let job = mock
        .post(
            "/v1/video",
            Some(KEY),
            &json!({"prompt": "x", "model": "veo3-fast"}),
        )
        .await;
    let id = job.body["request_id"].as_str().unwrap().to_string();
    mock.server.inject(
        Fault::new(FaultKind::Gateway502After)
            .on_path("/v1/video/*")
            .times(1),
    );
    assert_gateway_page(
        &mock
            .get_unchecked(&format!("/v1/video/{id}"), Some(KEY))
            .await,
        502,
    );
    mock.get(&format!("/v1/video/{id}"), Some(KEY))
        .await
        .expect_error(429, "rate_limit_exceeded");
    // Media downloads when targeted.
    let r = mock.post("/v1/generate", Some(KEY), &generate_body()).await;
    let url = r.body["images"][0]["url"].as_str().unwrap().to_string();
    mock.server.inject(
        Fault::new(FaultKind::Gateway502Before)
            .on_path("/cdn/*")
            .times(1),
    );
    assert_gateway_page(&mock.get_unchecked(&url, None).await, 502);
    mock.download(&url).await.expect(200);
}
