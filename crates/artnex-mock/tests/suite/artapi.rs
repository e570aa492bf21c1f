//! The OpenAI-compatible images surface.

use artnex_facts::OperationId;
use artnex_mock::{DEFAULT_KEY, KeyConfig, Plan};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::{ART_KEY, Mock, builder, media, text};

const PATH: &str = "/v1/images/generations";

fn body() -> Value {
    json!({"model": "flux-dev", "prompt": "A minimalist logo", "n": 1, "size": "256x256"})
}

fn with(mut b: Value, k: &str, v: Value) -> Value {
    b[k] = v;
    b
}

#[tokio::test]
async fn urls_point_at_real_pngs() {
    let mock = Mock::start().await;
    let r = mock
        .post(PATH, Some(ART_KEY), &with(body(), "n", json!(3)))
        .await;
    r.expect(200);
    assert!(r.body["created"].as_u64().unwrap() > 1_600_000_000);
    let data = r.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    for item in data {
        assert!(
            item["revised_prompt"]
                .as_str()
                .unwrap()
                .starts_with("A minimalist logo")
        );
        assert!(item.get("b64_json").is_none());
        let png = media::decode_png(&mock.download(item["url"].as_str().unwrap()).await.bytes);
        assert_eq!((png.width, png.height), (256, 256));
    }
    // flux-dev, standard quality: 25 credits per image (the simulator's own price).
    assert_eq!(mock.server.total_charged(ART_KEY), 75);
}

#[tokio::test]
async fn b64_json_carries_the_png_itself() {
    let mock = Mock::start().await;
    let b = with(
        with(
            with(body(), "response_format", json!("b64_json")),
            "size",
            json!("512x512"),
        ),
        "quality",
        json!("hd"),
    );
    let r = mock.post(PATH, Some(ART_KEY), &b).await;
    r.expect(200);
    let item = &r.body["data"][0];
    assert!(item.get("url").is_none());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(item["b64_json"].as_str().unwrap())
        .unwrap();
    let png = media::decode_png(&bytes);
    assert_eq!((png.width, png.height), (512, 512));
    // hd costs more: 50.
    assert_eq!(mock.server.total_charged(ART_KEY), 50);
}

#[tokio::test]
async fn every_documented_artapi_error() {
    let poor = "sk-test-art-poor";
    let limited = "sk-test-art-limited";
    let mock = Mock::with(
        builder()
            .key(KeyConfig::artapi(poor, Plan::Unlimited, 10))
            .key(KeyConfig::artapi(limited, Plan::Custom(1), 1000)),
    )
    .await;
    // The facts table lists the codes and statuses; the harness checks each answer's `type` against the
    // spec's listing.
    let documented = OperationId::CreateImage.info().error_codes;
    assert!(documented.len() >= 8);
    for &(status, code) in documented {
        let r = match code {
            "model_not_found" => {
                mock.post(
                    PATH,
                    Some(ART_KEY),
                    &with(body(), "model", json!("dall-e-9")),
                )
                .await
            }
            "invalid_size" => {
                mock.post(
                    PATH,
                    Some(ART_KEY),
                    &with(
                        with(body(), "model", json!("flux-schnell")),
                        "size",
                        json!("1792x1024"),
                    ),
                )
                .await
            }
            "prompt_too_long" => {
                mock.post(
                    PATH,
                    Some(ART_KEY),
                    &with(
                        body(),
                        "prompt",
                        json!(text(
                            'x',
                            artnex_facts::CREATE_IMAGE_PROMPT_MAX_CHARS.value + 1
                        )),
                    ),
                )
                .await
            }
            "content_policy_violation" => {
                mock.post(
                    PATH,
                    Some(ART_KEY),
                    &with(
                        body(),
                        "prompt",
                        json!(format!("x {}", artnex_mock::POLICY_TRIGGER)),
                    ),
                )
                .await
            }
            "invalid_request" => {
                let n = artnex_facts::CREATE_IMAGE_N_MAX.value + 1;
                mock.post(PATH, Some(ART_KEY), &with(body(), "n", json!(n)))
                    .await
            }
            "invalid_api_key" => mock.post(PATH, Some(DEFAULT_KEY), &body()).await,
            "insufficient_quota" => {
                mock.post(PATH, Some(poor), &with(body(), "n", json!(2)))
                    .await
            }
            "rate_limit_exceeded" => {
                mock.post(PATH, Some(limited), &body()).await.expect(200);
                mock.post(PATH, Some(limited), &body()).await
            }
            "upstream_error" => {
                mock.server
                    .inject(artnex_mock::Fault::new(artnex_mock::FaultKind::ServerError).times(1));
                mock.post(PATH, Some(ART_KEY), &body()).await
            }
            "payload_too_large" => {
                // A simulator with a 4 KiB body limit, so the body stays small.
                let small = Mock::with(builder().body_limit(4096)).await;
                small
                    .post(
                        PATH,
                        Some(ART_KEY),
                        &with(body(), "prompt", json!(text('x', 8192))),
                    )
                    .await
            }
            "service_unavailable" => {
                mock.server.inject(
                    artnex_mock::Fault::new(artnex_mock::FaultKind::Unavailable {
                        retry_after_secs: 2,
                    })
                    .times(1),
                );
                mock.post(PATH, Some(ART_KEY), &body()).await
            }
            other => panic!("no provocation for ArtAPI code {other}"),
        };
        assert_eq!(r.status, status, "{code}: {}", r.body);
        assert_eq!(r.body["error"]["code"], code, "{}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        if status == 429 || status == 503 {
            assert!(r.retry_after().is_some());
        }
    }
    assert_eq!(mock.server.balance(poor), Some(10));
}

#[tokio::test]
async fn parameters_are_validated() {
    let mock = Mock::start().await;
    let cases = [
        (json!({"prompt": "x"}), "invalid_request", Some("model")),
        (
            json!({"model": "flux-dev"}),
            "invalid_request",
            Some("prompt"),
        ),
        (
            json!({"model": "flux-dev", "prompt": ""}),
            "invalid_request",
            Some("prompt"),
        ),
        (
            with(
                body(),
                "n",
                json!(artnex_facts::CREATE_IMAGE_N_MIN.value - 1),
            ),
            "invalid_request",
            Some("n"),
        ),
        (with(body(), "n", json!("2")), "invalid_request", Some("n")),
        (
            with(body(), "quality", json!("ultra")),
            "invalid_request",
            Some("quality"),
        ),
        (
            with(body(), "response_format", json!("jpeg")),
            "invalid_request",
            Some("response_format"),
        ),
        (
            with(body(), "style", json!("gothic")),
            "invalid_request",
            Some("style"),
        ),
        (
            with(body(), "size", json!("123x45")),
            "invalid_size",
            Some("size"),
        ),
        (
            with(body(), "size", json!("big")),
            "invalid_size",
            Some("size"),
        ),
    ];
    for (b, code, param) in cases {
        let r = mock.post(PATH, Some(ART_KEY), &b).await;
        assert_eq!((r.status, r.code()), (400, code), "{b}: {}", r.body);
        assert_eq!(r.body["error"]["param"].as_str(), param, "{b}");
    }
    // Malformed JSON is an invalid_request_error too, in the OpenAI format.
    let r = mock
        .post_raw(
            PATH,
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {ART_KEY}")),
            ],
            "{oops",
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_request"));
    assert_eq!(r.body["error"]["type"], "invalid_request_error");
    // Defaults: size = the model's first, quality standard, format url, style vivid.
    let r = mock
        .post(
            PATH,
            Some(ART_KEY),
            &json!({"model": "flux-schnell", "prompt": "x"}),
        )
        .await;
    r.expect(200);
    assert!(r.body["data"][0]["url"].is_string());
    assert_eq!(mock.server.total_charged(ART_KEY), 10);
    // Missing key: authentication_error with the documented message.
    let r = mock.post(PATH, None, &body()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["type"], "authentication_error");
}

#[tokio::test]
async fn prices_are_configurable() {
    let mock = crate::support::Mock::with(
        builder()
            .artapi_price("flux-dev", 3, 9)
            .artapi_price("my-model", 1, 2),
    )
    .await;
    mock.post(PATH, Some(ART_KEY), &with(body(), "quality", json!("hd")))
        .await
        .expect(200);
    mock.post(
        PATH,
        Some(ART_KEY),
        &with(body(), "model", json!("my-model")),
    )
    .await
    .expect(200);
    assert_eq!(mock.server.total_charged(ART_KEY), 10);
}
