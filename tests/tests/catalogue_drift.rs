//! Prices have one home, the generated facts (from the spec's `x-artnex-models` / `x-artnex-flat-credits`):
//! for every model, the SDK's estimate and what the simulator charges both equal it. The simulator is
//! called over raw HTTP so that this test does not depend on the SDK's own request code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use artnex::catalogue::{Kind, Model};
use artnex_mock::{DEFAULT_KEY, LedgerKind, MockServer};
use serde_json::{Value, json};
use std::time::Duration;

struct SpecModel {
    operation: String,
    id: String,
    credits: Option<u64>,
    video: Option<(String, u32)>,
}

/// Every model and flat price as the generated facts state them (`cargo xtask check` keeps the facts
/// equal to the spec).
fn spec_models() -> (Vec<SpecModel>, Vec<(String, u64)>) {
    let models = artnex_facts::MODELS
        .iter()
        .map(|m| SpecModel {
            operation: m.kind.operation().as_str().to_string(),
            id: m.id.to_string(),
            credits: m.credits.fixed(),
            video: m
                .video
                .map(|v| (v.mode.as_str().to_string(), v.durations.shortest())),
        })
        .collect();
    let flat = vec![
        (
            artnex_facts::OperationId::UpscaleImage.as_str().to_string(),
            artnex_facts::UPSCALE_CREDITS,
        ),
        (
            artnex_facts::OperationId::RemoveBackground
                .as_str()
                .to_string(),
            artnex_facts::REMOVE_BACKGROUND_CREDITS,
        ),
    ];
    (models, flat)
}

/// The cheapest valid request for a model, as JSON, and the path it goes to.
fn request_for(m: &SpecModel) -> (&'static str, Value) {
    match m.operation.as_str() {
        "generate_image" => (
            "/v1/generate",
            json!({"prompt": "p", "model": m.id, "width": 64, "height": 64, "num_images": 3}),
        ),
        "edit_image" => (
            "/v1/edit",
            json!({"prompt": "p", "model": m.id, "image": "https://example.com/a.png"}),
        ),
        "text_to_speech" => ("/v1/tts", json!({"text": "hello", "model": m.id})),
        "create_video" => {
            let (mode, duration) = m.video.clone().unwrap();
            let mut body =
                json!({"prompt": "p", "model": m.id, "mode": mode, "duration": duration});
            if mode == "image-to-video" {
                body["image"] = json!("https://example.com/start.png");
            }
            ("/v1/video", body)
        }
        other => panic!("models on an unexpected operation {other}"),
    }
}

/// Units a request of `operation` is billed for (3 images for the generate requests above).
fn units(operation: &str) -> u64 {
    if operation == "generate_image" { 3 } else { 1 }
}

fn charged(mock: &MockServer, request_id: &str) -> u64 {
    mock.ledger(DEFAULT_KEY)
        .iter()
        .filter(|e| e.kind == LedgerKind::Charge && e.request_id == request_id)
        .map(|e| e.credits)
        .sum()
}

#[tokio::test]
async fn spec_sdk_and_simulator_agree_on_every_price() {
    let (models, flat) = spec_models();
    assert_eq!(
        models.len(),
        29,
        "8 generate + 6 edit + 13 video + 2 TTS models"
    );
    let mock = MockServer::builder()
        .speed(100_000.0)
        .start()
        .await
        .unwrap();
    // reqwest needs a TLS crypto provider before it builds a client (ring, the SDK's default).
    artnex::install_crypto_provider();
    let http = reqwest::Client::new();
    let sdk = artnex::Client::builder()
        .api_key(DEFAULT_KEY)
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let post = |path: &str, body: &Value| {
        http.post(format!("{}{path}", mock.base_url()))
            .bearer_auth(DEFAULT_KEY)
            .json(body)
            .send()
    };

    let mut checked = 0;
    for m in &models {
        // The SDK's catalogue has the model with the spec's price.
        let info = artnex::catalogue::lookup(&m.id)
            .unwrap_or_else(|| panic!("{} missing from the SDK", m.id));
        assert_eq!(
            info.credits.fixed(),
            m.credits,
            "{}: SDK catalogue price",
            m.id
        );
        let Some(price) = m.credits else {
            // Priced by resolution and quality: unpublished, so the SDK must not guess.
            let est = sdk.generate("p").model(Model::from_id(&m.id)).estimate();
            if info.kind == Kind::Image {
                assert_eq!(est.unwrap(), artnex::Estimate::Varies, "{}", m.id);
            }
            continue;
        };
        let expected = price * units(&m.operation);

        // The SDK's estimate for the same request.
        let estimate = match info.kind {
            Kind::Image => sdk
                .generate("p")
                .model(Model::from_id(&m.id))
                .size(64, 64)
                .num_images(3)
                .estimate(),
            Kind::Edit => sdk
                .edit("p", "https://example.com/a.png")
                .model(Model::from_id(&m.id))
                .estimate(),
            Kind::Speech => sdk.tts("hello").model(Model::from_id(&m.id)).estimate(),
            _ => {
                let (mode, d) = m.video.clone().unwrap();
                let mut r = sdk.video("p").model(Model::from_id(&m.id)).duration(d);
                if mode == "image-to-video" {
                    r = r.image("https://example.com/start.png");
                }
                r.estimate()
            }
        };
        assert_eq!(
            estimate.unwrap().credits(),
            Some(expected),
            "{}: SDK estimate",
            m.id
        );

        // What the simulator charges.
        let (path, body) = request_for(m);
        let response: Value = post(path, &body).await.unwrap().json().await.unwrap();
        let request_id = response["request_id"].as_str().unwrap().to_string();
        if path == "/v1/video" {
            mock.advance(Duration::from_secs(3600));
            let status: Value = http
                .get(format!("{}/v1/video/{request_id}", mock.base_url()))
                .bearer_auth(DEFAULT_KEY)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(status["status"], "completed", "{}", m.id);
            assert_eq!(
                status["credits_used"].as_u64(),
                Some(expected),
                "{}: simulator price",
                m.id
            );
        } else {
            assert_eq!(
                response["credits_used"].as_u64(),
                Some(expected),
                "{}: simulator price",
                m.id
            );
        }
        assert_eq!(
            charged(&mock, &request_id),
            expected,
            "{}: simulator ledger",
            m.id
        );
        checked += 1;
    }
    assert_eq!(checked, 27, "every fixed-price model was checked");

    // Flat prices.
    assert_eq!(flat.len(), 2);
    for (operation, credits) in flat {
        let (path, sdk_estimate) = match operation.as_str() {
            "upscale_image" => (
                "/v1/upscale",
                sdk.upscale("https://example.com/a.png")
                    .scale(4.0)
                    .estimate(),
            ),
            "remove_background" => (
                "/v1/remove-bg",
                sdk.remove_background("https://example.com/a.png")
                    .estimate(),
            ),
            other => panic!("flat price on {other}"),
        };
        assert_eq!(
            sdk_estimate.unwrap().credits(),
            Some(credits),
            "{operation}: SDK"
        );
        let response: Value = post(
            path,
            &json!({"image": "https://example.com/a.png", "scale": 4}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(
            response["credits_used"].as_u64(),
            Some(credits),
            "{operation}: simulator"
        );
    }
}
