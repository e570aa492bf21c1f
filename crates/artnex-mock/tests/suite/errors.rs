//! Every error code the spec lists, for every operation, provoked and checked (status, code, body shape).
//! The cases are driven by the generated facts table (`artnex_facts::OPERATIONS`, from the spec's
//! `x-artnex-error-codes`), so a code added to the spec without a case here fails the test, and each answer's
//! status must be the one the table lists.

use artnex_facts::{Api, Method, OPERATIONS};
use artnex_mock::{Fault, FaultKind, KeyConfig, Plan};
use serde_json::{Value, json};

use crate::support::{KEY, Mock, Resp, data_uri, media, text};

const BROKE: &str = "sk-test-broke";
const LIMITED: &str = "sk-test-limited";

fn valid_body(template: &str) -> Value {
    match template {
        "/v1/generate" => {
            json!({"prompt": "a red fox", "model": "z-image-turbo", "width": 64, "height": 64})
        }
        "/v1/edit" => {
            json!({"prompt": "make it blue", "image": "https://example.com/a.jpg", "model": "nano-banana-edit"})
        }
        "/v1/video" => json!({"prompt": "waves", "model": "veo3-fast", "duration": 4}),
        "/v1/tts" => json!({"text": "hello there"}),
        "/v1/upscale" => json!({"image": "https://example.com/a.jpg", "scale": 2}),
        "/v1/remove-bg" => json!({"image": "https://example.com/a.jpg"}),
        other => panic!("no valid body for {other}"),
    }
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().unwrap().remove(field);
    body
}

/// A data URI just over the 10 MiB limit (detected before decoding).
fn oversized_image() -> String {
    format!(
        "data:image/png;base64,{}",
        "A".repeat((artnex_mock::MAX_IMAGE_BYTES / 3 + 1024) * 4)
    )
}

fn not_an_image() -> String {
    data_uri("image/png", b"this is plain text, not a PNG")
}

/// Sends the request that should produce `code` on a POST operation.
async fn provoke_post(mock: &Mock, template: &str, status: u16, code: &str) -> Resp {
    let valid = valid_body(template);
    let i2v = json!({"prompt": "pan", "model": "kling-v2.5-turbo-pro-i2v", "mode": "image-to-video", "image": "https://example.com/a.jpg"});
    let image_base = if template == "/v1/video" {
        i2v.clone()
    } else {
        valid.clone()
    };
    let body = match code {
        "missing_prompt" => with(valid, "prompt", json!("   ")),
        "prompt_too_long" => with(valid, "prompt", json!(text('a', prompt_max(template) + 1))),
        "invalid_model" => with(valid, "model", json!("not-a-model")),
        "invalid_dimensions" => with(
            valid,
            "width",
            json!(artnex_facts::GENERATE_IMAGE_WIDTH_MIN.value - 1),
        ),
        "invalid_num_images" => with(
            valid,
            "num_images",
            json!(artnex_facts::GENERATE_IMAGE_NUM_IMAGES_MAX.value + 1),
        ),
        "invalid_resolution" => with(valid, "resolution", json!("8k")),
        "missing_image" if template == "/v1/video" => without(i2v, "image"),
        "missing_image" => without(valid, "image"),
        "invalid_image_format" => with(image_base, "image", json!(not_an_image())),
        "image_too_large" => {
            return mock
                .post_big(template, KEY, &image_base, "image", &oversized_image())
                .await;
        }
        "invalid_mode" => with(valid, "mode", json!("video-to-video")),
        "invalid_duration" => with(valid, "duration", json!(7)),
        "missing_text" => without(valid, "text"),
        "text_too_long" => with(
            valid,
            "text",
            json!(text(
                'b',
                artnex_facts::TEXT_TO_SPEECH_TEXT_MAX_CHARS.value + 1
            )),
        ),
        "invalid_voice" => with(valid, "voice_id", json!("nobody")),
        "invalid_scale" => with(
            valid,
            "scale",
            json!(artnex_facts::UPSCALE_IMAGE_SCALE_MAX.value + 1.0),
        ),
        "invalid_request" => {
            let field = match template {
                "/v1/generate" => "width",
                "/v1/tts" => "text",
                "/v1/upscale" => "scale",
                _ => "prompt",
            };
            let field = if template == "/v1/remove-bg" {
                "image"
            } else {
                field
            };
            with(valid, field, json!({"not": "the right type"}))
        }
        "invalid_api_key" => {
            return mock.post(template, Some("sk-nobody"), &valid).await;
        }
        "insufficient_credits" => {
            return mock.post(template, Some(BROKE), &valid).await;
        }
        "rate_limit_exceeded" => {
            // A fresh key per operation, with a quota of one request a day.
            let limited = format!("{LIMITED}{}", template.replace('/', "-"));
            mock.server
                .add_key(KeyConfig::artnex(&limited, Plan::Custom(1), 1_000_000));
            let first = mock.post(template, Some(&limited), &valid).await;
            assert_eq!(first.status, 200, "{}", first.body);
            return mock.post(template, Some(&limited), &valid).await;
        }
        "invalid_content_type" => {
            let auth = format!("Bearer {KEY}");
            return mock
                .post_raw(
                    template,
                    &[("content-type", "text/plain"), ("authorization", &auth)],
                    valid.to_string(),
                )
                .await;
        }
        "invalid_json" => {
            let auth = format!("Bearer {KEY}");
            return mock
                .post_raw(
                    template,
                    &[
                        ("content-type", "application/json"),
                        ("authorization", &auth),
                    ],
                    "{\"prompt\": ",
                )
                .await;
        }
        "payload_too_large" => {
            // A simulator with a 4 KiB body limit, so the body stays small.
            let small = Mock::with(crate::support::builder().body_limit(4096)).await;
            let body = with(valid, "padding", json!(text('p', 8192)));
            return small.post(template, Some(KEY), &body).await;
        }
        "internal_error" | "service_unavailable" => {
            inject_server_fault(mock, code);
            valid
        }
        _ => panic!(
            "no provocation for {status} {code} on POST {template}: add one (the spec lists it)"
        ),
    };
    mock.post(template, Some(KEY), &body).await
}

/// The longest prompt an Artnex operation accepts.
fn prompt_max(template: &str) -> usize {
    match template {
        "/v1/edit" => artnex_facts::EDIT_IMAGE_PROMPT_MAX_CHARS.value,
        "/v1/video" => artnex_facts::CREATE_VIDEO_PROMPT_MAX_CHARS.value,
        _ => artnex_facts::GENERATE_IMAGE_PROMPT_MAX_CHARS.value,
    }
}

/// The server-side failures the spec lists (500, 503) can only be provoked by an injected fault.
fn inject_server_fault(mock: &Mock, code: &str) {
    let kind = if code == "internal_error" {
        FaultKind::ServerError
    } else {
        FaultKind::Unavailable {
            retry_after_secs: 2,
        }
    };
    mock.server.inject(Fault::new(kind).for_key(KEY).times(1));
}

async fn provoke_poll(mock: &Mock, code: &str) -> Resp {
    match code {
        "invalid_api_key" => mock.get("/v1/video/req_whatever", Some("sk-nobody")).await,
        "not_found" => mock.get("/v1/video/req_doesnotexist", Some(KEY)).await,
        "rate_limit_exceeded" => {
            let job = mock
                .post("/v1/video", Some(KEY), &valid_body("/v1/video"))
                .await;
            let id = job.body["request_id"].as_str().unwrap().to_string();
            mock.get(&format!("/v1/video/{id}"), Some(KEY))
                .await
                .expect(200);
            mock.get(&format!("/v1/video/{id}"), Some(KEY)).await
        }
        "internal_error" | "service_unavailable" => {
            inject_server_fault(mock, code);
            mock.get("/v1/video/req_whatever", Some(KEY)).await
        }
        other => panic!("no provocation for {other} on GET /v1/video/{{request_id}}"),
    }
}

#[tokio::test]
async fn every_documented_artnex_error_code() {
    let _heavy = crate::support::heavy().await;
    let mock =
        Mock::with(crate::support::builder().key(KeyConfig::artnex(BROKE, Plan::Unlimited, 5)))
            .await;
    let mut covered = 0;
    for op in OPERATIONS.iter().filter(|op| op.api == Api::Artnex) {
        let (template, method) = (op.path, op.method);
        for &(status, code) in op.error_codes {
            let resp = if method == Method::Get {
                provoke_poll(&mock, code).await
            } else {
                provoke_post(&mock, template, status, code).await
            };
            assert_eq!(
                (resp.status, resp.code()),
                (status, code),
                "{method} {template}: expected {status} {code}, got body {}",
                resp.body
            );
            assert!(resp.body["message"].as_str().is_some_and(|m| !m.is_empty()));
            if status == 429 || status == 503 {
                assert!(resp.retry_after().is_some_and(|s| s >= 1));
            }
            covered += 1;
        }
    }
    assert!(covered >= 50, "only {covered} documented codes found");
    // Nothing was charged to the key by any failed request.
    assert_eq!(mock.server.balance(BROKE), Some(5));
}

#[tokio::test]
async fn missing_bearer_prefix_and_missing_header_are_401() {
    let mock = Mock::start().await;
    let body = valid_body("/v1/generate");
    let r = mock
        .post_raw(
            "/v1/generate",
            &[("content-type", "application/json"), ("authorization", KEY)],
            body.to_string(),
        )
        .await;
    r.expect_error(401, "invalid_api_key");
    let r = mock
        .post_raw(
            "/v1/generate",
            &[("content-type", "application/json")],
            body.to_string(),
        )
        .await;
    r.expect_error(401, "invalid_api_key");
    let r = mock
        .post_raw(
            "/v1/generate",
            &[
                ("content-type", "application/json"),
                ("authorization", "Basic abc"),
            ],
            body.to_string(),
        )
        .await;
    r.expect_error(401, "invalid_api_key");
    // The scheme is case-insensitive (RFC 7235).
    let r = mock
        .post_raw(
            "/v1/generate",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("bearer {KEY}")),
            ],
            body.to_string(),
        )
        .await;
    r.expect(200);
    // An ArtAPI key is not an Artnex key.
    mock.post("/v1/generate", Some(artnex_mock::DEFAULT_ARTAPI_KEY), &body)
        .await
        .expect_error(401, "invalid_api_key");
}

/// The docs list extra whitespace among the causes of a 401: the key is taken exactly as sent after
/// `Bearer ` (one space), never trimmed. (Whitespace at the very end of the header is not part of the
/// field value in HTTP, RFC 9110 section 5.5: the server never sees it, so it is not tested here.)
#[tokio::test]
async fn whitespace_around_the_key_is_401_invalid_api_key() {
    let mock = Mock::start().await;
    let body = valid_body("/v1/generate").to_string();
    for header in [
        format!("Bearer  {KEY}"),
        format!("Bearer\t{KEY}"),
        format!("Bearer \t{KEY}"),
        format!("Bearer {KEY} x"),
        format!("Bearer {KEY}\tx"),
    ] {
        let r = mock
            .post_raw(
                "/v1/generate",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &header),
                ],
                body.clone(),
            )
            .await;
        r.expect_error(401, "invalid_api_key");
        assert!(
            !r.body.to_string().contains(KEY),
            "the key is not echoed: {}",
            r.body
        );
    }
    let r = mock
        .post_raw(
            "/v1/images/generations",
            &[
                ("content-type", "application/json"),
                (
                    "authorization",
                    &format!("Bearer  {}", crate::support::ART_KEY),
                ),
            ],
            json!({"model": "flux-dev", "prompt": "x"}).to_string(),
        )
        .await;
    r.expect_error(401, "invalid_api_key");
    assert_eq!(mock.server.total_charged(KEY), 0);
    // Exactly one space: accepted.
    let r = mock
        .post_raw(
            "/v1/generate",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {KEY}")),
            ],
            body,
        )
        .await;
    r.expect(200);
}

#[tokio::test]
async fn a_model_of_the_wrong_kind_is_invalid_model() {
    let mock = Mock::start().await;
    let cases = [
        (
            "/v1/generate",
            json!({"prompt": "x", "model": "nano-banana-edit"}),
        ),
        ("/v1/generate", json!({"prompt": "x", "model": "veo3.1"})),
        (
            "/v1/edit",
            json!({"prompt": "x", "model": "flux-2-pro", "image": "https://e.com/a.png"}),
        ),
        ("/v1/video", json!({"prompt": "x", "model": "kling-tts"})),
        ("/v1/tts", json!({"text": "x", "model": "sora-2"})),
        ("/v1/generate", json!({"prompt": "x"})),
    ];
    for (path, body) in cases {
        mock.post(path, Some(KEY), &body)
            .await
            .expect_error(400, "invalid_model");
    }
    // Mode and model disagree.
    let t2v_with_i2v_mode = json!({"prompt": "x", "model": "veo3.1", "mode": "image-to-video", "image": "https://e.com/a.png"});
    mock.post("/v1/video", Some(KEY), &t2v_with_i2v_mode)
        .await
        .expect_error(400, "invalid_model");
    let i2v_with_t2v_mode = json!({"prompt": "x", "model": "veo3.1-i2v", "mode": "text-to-video"});
    mock.post("/v1/video", Some(KEY), &i2v_with_t2v_mode)
        .await
        .expect_error(400, "invalid_model");
    assert_eq!(mock.server.total_charged(KEY), 0);
}

#[tokio::test]
async fn image_inputs_are_checked() {
    let mock = Mock::start().await;
    let edit = |image: Value| json!({"prompt": "x", "model": "seedream-edit", "image": image});
    let cases = [
        (
            json!("data:image/png;base64,@@@not base64@@@"),
            "invalid_image_format",
        ),
        (
            json!(data_uri("image/gif", b"GIF89a....")),
            "invalid_image_format",
        ),
        (
            json!(data_uri("image/jpeg", b"\xFF\xD8\xFF\xE0 truncated")),
            "invalid_image_format",
        ),
        (json!("data:image/png,rawbytes"), "invalid_image_format"),
        (
            json!("http://example.com/insecure.png"),
            "invalid_image_format",
        ),
        (json!("just some words"), "invalid_image_format"),
        (json!(""), "missing_image"),
        (Value::Null, "missing_image"),
    ];
    for (image, code) in cases {
        mock.post("/v1/edit", Some(KEY), &edit(image))
            .await
            .expect_error(400, code);
    }
    // Wider than the simulator's 16384-pixel limit per side.
    let wide = data_uri("image/png", &media::solid_png(16385, 1, [0, 0, 0]));
    mock.post("/v1/edit", Some(KEY), &edit(json!(wide)))
        .await
        .expect_error(400, "invalid_image_format");
    // A real PNG, a URL (never fetched) are fine.
    let png = data_uri("image/png", &media::solid_png(10, 10, [1, 2, 3]));
    mock.post("/v1/edit", Some(KEY), &edit(json!(png)))
        .await
        .expect(200);
    mock.post(
        "/v1/edit",
        Some(KEY),
        &edit(json!("https://unreachable.invalid/x.png")),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn unknown_ids_and_other_keys_jobs_are_404() {
    let mock = Mock::with(crate::support::builder().key(KeyConfig::artnex(
        "sk-other",
        Plan::Pro,
        100_000,
    )))
    .await;
    let job = mock
        .post("/v1/video", Some(KEY), &valid_body("/v1/video"))
        .await;
    job.expect(200);
    let id = job.body["request_id"].as_str().unwrap();
    mock.get(&format!("/v1/video/{id}"), Some("sk-other"))
        .await
        .expect_error(404, "not_found");
    mock.get("/v1/video/req_nope", Some(KEY))
        .await
        .expect_error(404, "not_found");
    mock.get("/v1/video/%F0%9F%A6%8A", Some(KEY))
        .await
        .expect_error(404, "not_found");
}
