//! Every operation of the generated client against a small recording server on 127.0.0.1: the exact
//! method, path, headers and JSON body sent, and documented error bodies coming back typed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use artnex_api::types::{
    AspectRatio, EditRequest, GenerateRequest, ImageInput, Quality, RemoveBackgroundRequest,
    Resolution, TtsRequest, UpscaleRequest, VideoMode, VideoRequest,
};
use artnex_api::{Client, Error};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::num::{NonZeroU8, NonZeroU32};
use std::sync::{Arc, Mutex};

const KEY: &str = "sk-wire-test-0123";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Option<Value>,
}

/// A canned reply: status, extra headers, JSON body.
type Reply = (StatusCode, Vec<(&'static str, String)>, Value);

#[derive(Default)]
struct State {
    seen: Vec<Seen>,
    replies: VecDeque<Reply>,
}

struct Recorder {
    state: Arc<Mutex<State>>,
    base_url: String,
    _server: tokio::task::JoinHandle<()>,
}

impl Recorder {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let shared = shared.clone();
                async move {
                    let body = (!body.is_empty()).then(|| serde_json::from_slice(&body).unwrap());
                    let mut st = shared.lock().unwrap();
                    st.seen.push(Seen {
                        method,
                        path: uri.path().to_string(),
                        headers,
                        body,
                    });
                    let (status, extra, reply) =
                        st.replies
                            .pop_front()
                            .unwrap_or((StatusCode::OK, vec![], json!({})));
                    let mut response =
                        axum::response::IntoResponse::into_response((status, axum::Json(reply)));
                    for (name, value) in extra {
                        response.headers_mut().insert(name, value.parse().unwrap());
                    }
                    response
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Recorder {
            state,
            base_url,
            _server: server,
        }
    }

    fn reply(&self, status: u16, body: Value) {
        self.reply_with(status, vec![], body);
    }

    fn reply_with(&self, status: u16, headers: Vec<(&'static str, String)>, body: Value) {
        let status = StatusCode::from_u16(status).unwrap();
        self.state
            .lock()
            .unwrap()
            .replies
            .push_back((status, headers, body));
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    fn client(&self) -> Client {
        Client::with_api_key(&self.base_url, KEY).unwrap()
    }
}

/// Asserts the one request seen so far, including the auth and content headers.
fn assert_single(seen: &[Seen], method: Method, path: &str, body: Option<Value>) {
    assert_eq!(seen.len(), 1, "{seen:?}");
    let s = &seen[0];
    assert_eq!(s.method, method);
    assert_eq!(s.path, path);
    assert_eq!(s.headers["authorization"], format!("Bearer {KEY}").as_str());
    assert_eq!(s.headers["accept"], "application/json");
    if body.is_some() {
        assert_eq!(s.headers["content-type"], "application/json");
    }
    assert_eq!(s.body, body);
}

fn images_reply(credits: u64) -> Value {
    json!({"success": true, "images": [{"url": "http://127.0.0.1/cdn/a.png"}], "request_id": "req_1", "credits_used": credits})
}

#[tokio::test]
async fn generate_sends_exact_json() {
    let server = Recorder::start().await;
    server.reply(200, images_reply(500));
    let out = server
        .client()
        .generate_image()
        .body(
            GenerateRequest::builder()
                .prompt("A serene mountain landscape at sunset")
                .model("flux-2-pro")
                .width(1024u32)
                .height(768u32)
                .num_images(NonZeroU8::new(2).unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(out.credits_used, Some(500));
    assert_eq!(out.images[0].url, "http://127.0.0.1/cdn/a.png");
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/generate",
        Some(
            json!({"prompt": "A serene mountain landscape at sunset", "model": "flux-2-pro", "width": 1024, "height": 768, "num_images": 2}),
        ),
    );
}

#[tokio::test]
async fn generate_with_gpt_image_2_tiers() {
    let server = Recorder::start().await;
    server.reply(200, images_reply(0));
    server
        .client()
        .generate_image()
        .body(
            GenerateRequest::builder()
                .prompt("p")
                .model("gpt-image-2")
                .resolution(Resolution::X2k)
                .quality(Quality::High),
        )
        .send()
        .await
        .unwrap();
    // num_images carries its documented default.
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/generate",
        Some(
            json!({"prompt": "p", "model": "gpt-image-2", "num_images": 1, "resolution": "2k", "quality": "high"}),
        ),
    );
}

#[tokio::test]
async fn edit_sends_exact_json() {
    let server = Recorder::start().await;
    server.reply(200, images_reply(240));
    server
        .client()
        .edit_image()
        .body(
            EditRequest::builder()
                .prompt("Change the background to a snowy mountain scene")
                .image("data:image/png;base64,iVBORw0KGgo=".to_string())
                .model("nano-banana-edit"),
        )
        .send()
        .await
        .unwrap();
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/edit",
        Some(
            json!({"prompt": "Change the background to a snowy mountain scene", "image": "data:image/png;base64,iVBORw0KGgo=", "model": "nano-banana-edit"}),
        ),
    );
}

#[tokio::test]
async fn video_submit_and_status() {
    let server = Recorder::start().await;
    server.reply(200, json!({"request_id": "req_vid1", "status": "pending"}));
    let job = server
        .client()
        .create_video()
        .body(
            VideoRequest::builder()
                .prompt("A drone over mountains")
                .model("kling-v2.5-turbo-pro-i2v")
                .mode(VideoMode::ImageToVideo)
                .image(Some(
                    ImageInput::try_from("https://example.com/start.jpg").unwrap(),
                ))
                .aspect_ratio(AspectRatio::X916)
                .duration(NonZeroU32::new(5).unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(job.request_id, "req_vid1");
    assert_eq!(job.status, "pending");
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/video",
        Some(
            json!({"prompt": "A drone over mountains", "model": "kling-v2.5-turbo-pro-i2v", "mode": "image-to-video", "image": "https://example.com/start.jpg", "aspect_ratio": "9:16", "duration": 5}),
        ),
    );

    let server = Recorder::start().await;
    // A status the spec does not list still deserialises (open string).
    server.reply(200, json!({"success": true, "request_id": "req_vid1", "status": "upscaling", "brand_new_field": 1}));
    let status = server
        .client()
        .get_video_status()
        .request_id("req_vid1")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status, "upscaling");
    assert_single(&server.seen(), Method::GET, "/v1/video/req_vid1", None);
}

#[tokio::test]
async fn tts_upscale_remove_bg_send_exact_json() {
    let server = Recorder::start().await;
    server.reply(200, json!({"success": true, "audio_url": "http://x/a.mp3", "duration_seconds": 2.5, "request_id": "r", "credits_used": 10}));
    let out = server
        .client()
        .text_to_speech()
        .body(
            TtsRequest::builder()
                .text("Hello there")
                .voice_id(Some("rachel".to_string())),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.duration_seconds, Some(2.5));
    // The model carries its documented default.
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/tts",
        Some(json!({"text": "Hello there", "model": "tts-elevenlabs", "voice_id": "rachel"})),
    );

    let server = Recorder::start().await;
    server.reply(200, json!({"success": true, "image_url": "http://x/u.png", "request_id": "r", "credits_used": 100}));
    server
        .client()
        .upscale_image()
        .body(
            UpscaleRequest::builder()
                .image("https://example.com/product-photo.jpg".to_string())
                .scale(4.0),
        )
        .send()
        .await
        .unwrap();
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/upscale",
        Some(json!({"image": "https://example.com/product-photo.jpg", "scale": 4.0})),
    );

    let server = Recorder::start().await;
    server.reply(200, json!({"success": true, "image_url": "http://x/r.png", "request_id": "r", "credits_used": 10}));
    let out = server
        .client()
        .remove_background()
        .body(
            RemoveBackgroundRequest::builder()
                .image("https://example.com/product-on-table.jpg".to_string()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.image_url, "http://x/r.png");
    assert_single(
        &server.seen(),
        Method::POST,
        "/v1/remove-bg",
        Some(json!({"image": "https://example.com/product-on-table.jpg"})),
    );
}

#[tokio::test]
async fn documented_errors_come_back_typed() {
    let server = Recorder::start().await;
    let cases = [
        (400, "missing_prompt"),
        (401, "invalid_api_key"),
        (402, "insufficient_credits"),
        (422, "invalid_request"),
        (429, "rate_limit_exceeded"),
        (500, "internal_error"),
        (413, "payload_too_large"),
        (503, "service_unavailable"),
    ];
    for (status, code) in cases {
        server.reply_with(
            status,
            vec![("retry-after", "42".into())],
            json!({"success": false, "error": code, "message": format!("{code} happened"), "request_id": "req_e"}),
        );
        let err = server
            .client()
            .generate_image()
            .body(
                GenerateRequest::builder()
                    .prompt("p")
                    .model("z-image-turbo"),
            )
            .send()
            .await
            .unwrap_err();
        match err {
            Error::ErrorResponse(rv) => {
                assert_eq!(rv.status().as_u16(), status);
                assert_eq!(rv.error.as_deref(), Some(code));
                assert_eq!(rv.code(), Some(artnex_facts::ErrorCode::from_code(code)));
                assert!(
                    !matches!(rv.code(), Some(artnex_facts::ErrorCode::Unknown(_))),
                    "{code}"
                );
                assert_eq!(rv.message, format!("{code} happened"));
                assert_eq!(rv.request_id.as_deref(), Some("req_e"));
                assert_eq!(rv.headers()["retry-after"], "42");
            }
            other => panic!("{status}: {other:?}"),
        }
    }

    server.reply(
        404,
        json!({"success": false, "error": "not_found", "message": "no such job"}),
    );
    let err = server
        .client()
        .get_video_status()
        .request_id("req_missing")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ErrorResponse(rv) if rv.status() == 404 && rv.error.as_deref() == Some("not_found"))
    );

    // An undocumented status is still surfaced, untyped.
    server.reply(
        502,
        json!({"success": false, "error": "overloaded", "message": "later"}),
    );
    let err = server
        .client()
        .upscale_image()
        .body(UpscaleRequest::builder().image("https://x/y.png".to_string()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse(r) if r.status() == 502),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = Recorder::start().await;
    let client = server.client();
    let too_long = "é".repeat(4001);
    let err = client
        .generate_image()
        .body(
            GenerateRequest::builder()
                .prompt(too_long.as_str())
                .model("z-image-turbo"),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("longer than 4000 characters")),
        "{err:?}"
    );
    // Exactly 4,000 two-byte characters is within the limit (characters, not bytes).
    server.reply(200, images_reply(100));
    client
        .generate_image()
        .body(
            GenerateRequest::builder()
                .prompt("é".repeat(4000).as_str())
                .model("z-image-turbo"),
        )
        .send()
        .await
        .unwrap();
    let err = client
        .text_to_speech()
        .body(TtsRequest::builder().text(""))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    // Required strings may not be empty (minLength 1): an empty model or image is refused here too.
    let err = client
        .generate_image()
        .body(GenerateRequest::builder().prompt("a fox").model(""))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("shorter than 1 character")),
        "{err:?}"
    );
    let err = client
        .remove_background()
        .body(RemoveBackgroundRequest::builder().image(""))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(ImageInput::try_from("").is_err());
    assert_eq!(
        server.seen().len(),
        1,
        "only the valid request reached the server"
    );
}

#[test]
fn construction_refuses_insecure_urls_and_hides_the_key() {
    let err = Client::with_api_key("http://api.artnex.ai", KEY).unwrap_err();
    assert!(
        err.to_string()
            .contains("refusing to send the API key over plain http")
    );
    assert!(!err.to_string().contains(KEY));
    let client = Client::with_api_key(artnex_api::DEFAULT_BASE_URL, KEY).unwrap();
    assert!(!format!("{client:?}").contains(KEY));
    assert!(Client::with_api_key(artnex_api::DEFAULT_BASE_URL, " ").is_err());
}

#[tokio::test]
async fn a_base_url_with_or_without_v1_reaches_the_same_paths() {
    let server = Recorder::start().await;
    for base in [
        server.base_url.clone(),
        format!("{}/v1", server.base_url),
        format!("{}/v1/", server.base_url),
    ] {
        server.reply(200, images_reply(100));
        Client::with_api_key(&base, KEY)
            .unwrap()
            .generate_image()
            .body(
                GenerateRequest::builder()
                    .prompt("p")
                    .model("z-image-turbo"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            server.seen().last().map(|s| s.path.clone()).as_deref(),
            Some("/v1/generate"),
            "{base}"
        );
    }
}
