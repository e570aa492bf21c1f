//! The exact HTTP requests the client sends, recorded by a tiny server on 127.0.0.1, compared with what
//! the OpenAI images API expects for the same parameters (the OpenAI SDKs send only the fields the caller
//! set). Also: answers only a recording server can give (OpenAI's 429 `insufficient_quota`, loose bodies).

use std::collections::VecDeque;
use std::num::NonZeroU8;
use std::sync::{Arc, Mutex};

use artnex::media::MediaFormat;
use artnex::openai::artapi_api::types;
use artnex::openai::{ImageRequest, ImagesClient, Quality, ResponseFormat, Style};
use artnex::{Error, ErrorCode};
use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};
use base64::Engine as _;
use serde_json::{Value, json};

const KEY: &str = "sk-body-test-123";

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Reply {
    fn new(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }
    fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

const OK_BODY: &str = r#"{"created":1716000000,"data":[{"url":"https://cdn.artapi.ai/images/abc123.webp","revised_prompt":"A serene mountain lake"}]}"#;

/// A server that records every request and answers from a queue (then with a docs-like success).
struct Recorder {
    addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Recorded>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

impl Recorder {
    async fn start() -> Recorder {
        let seen: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let replies: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let (s, r) = (seen.clone(), replies.clone());
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let (seen, replies) = (s.clone(), r.clone());
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                seen.lock().unwrap().push(Recorded {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_string(),
                    headers: parts.headers,
                    body: body.to_vec(),
                });
                let reply = replies
                    .lock()
                    .unwrap()
                    .pop_front()
                    .unwrap_or_else(|| Reply::new(200, OK_BODY));
                let mut response = Response::new(Body::from(reply.body));
                *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                response
                    .headers_mut()
                    .insert("content-type", "application/json".parse().unwrap());
                for (name, value) in reply.headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Recorder {
            addr,
            seen,
            replies,
        }
    }

    fn reply(&self, reply: Reply) {
        self.replies.lock().unwrap().push_back(reply);
    }

    fn base_url(&self, prefix: &str) -> String {
        format!("http://{}{prefix}", self.addr)
    }

    fn client(&self) -> ImagesClient {
        ImagesClient::builder()
            .api_key(KEY)
            .base_url(self.base_url("/v1"))
            .retry_policy(crate::fast_retries())
            .build()
            .unwrap()
    }

    fn seen(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }

    fn last(&self) -> Recorded {
        self.seen().last().cloned().expect("a request")
    }
}

/// The docs' example request body, from `spec/artapi.yaml` (`docs_curl`).
fn docs_example_body() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/artapi.yaml");
    let spec: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let example = &spec["paths"]["/images/generations"]["post"]["requestBody"]["content"]["application/json"]
        ["examples"]["docs_curl"]["value"];
    serde_json::to_value(example).unwrap()
}

fn assert_openai_request(r: &Recorded, path: &str) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, path);
    assert_eq!(r.header("authorization"), format!("Bearer {KEY}"));
    assert_eq!(r.header("content-type"), "application/json");
    assert_eq!(r.header("accept"), "application/json");
    assert!(r.header("user-agent").contains("artnex-rs/"));
    assert!(
        r.headers.get("api-version").is_none(),
        "no header the OpenAI SDKs do not send"
    );
}

#[tokio::test]
async fn request_bodies_are_exactly_what_the_openai_images_api_expects() {
    let server = Recorder::start().await;
    let c = server.client();
    let logo = "A minimalist logo for a tech startup, flat design, blue tones";
    // (parameters, the body the OpenAI SDKs send for them: only the fields set, these names and values)
    let cases: Vec<(ImageRequest, Value)> = vec![
        (
            c.generate(logo).model("flux-dev"),
            json!({"model": "flux-dev", "prompt": logo}),
        ),
        (
            // client.images.generate(model="flux-dev", prompt=..., n=1, size="1024x1024", quality="hd")
            c.generate(logo)
                .model("flux-dev")
                .n(1)
                .size(1024, 1024)
                .quality(Quality::Hd),
            docs_example_body(),
        ),
        (
            c.generate("a fox")
                .model("flux-pro")
                .n(4)
                .size(1792, 1024)
                .quality(Quality::Standard)
                .response_format(ResponseFormat::B64Json)
                .style(Style::Natural),
            json!({"model": "flux-pro", "prompt": "a fox", "n": 4, "size": "1792x1024",
                   "quality": "standard", "response_format": "b64_json", "style": "natural"}),
        ),
        (
            c.generate("a fox")
                .model("flux-schnell")
                .response_format(ResponseFormat::Url)
                .style(Style::Vivid),
            json!({"model": "flux-schnell", "prompt": "a fox", "response_format": "url", "style": "vivid"}),
        ),
        (
            c.generate("a \"quoted\" café\nnew line — ünïcödé 🦊")
                .model("flux-dev")
                .size(1024, 1792)
                .n(10),
            json!({"model": "flux-dev", "prompt": "a \"quoted\" café\nnew line — ünïcödé 🦊",
                   "n": 10, "size": "1024x1792"}),
        ),
    ];
    for (i, (request, expected)) in cases.into_iter().enumerate() {
        let preview = request.to_json().unwrap();
        request.await.unwrap();
        let r = server.last();
        assert_openai_request(&r, "/v1/images/generations");
        assert_eq!(r.json(), expected, "case {i}");
        assert_eq!(
            serde_json::from_str::<Value>(&preview).unwrap(),
            expected,
            "to_json shows the body sent (case {i})"
        );
        // And it is a valid request for the spec's schema.
        serde_json::from_slice::<types::CreateImageRequest>(&r.body).unwrap();
    }
    assert_eq!(server.seen().len(), 5, "one request each, no retries");

    // With every field set, the body equals the generated client's.
    let generated = types::CreateImageRequest {
        model: "flux-pro".parse().unwrap(),
        prompt: "a fox".parse().unwrap(),
        n: NonZeroU8::new(4),
        size: Some("1792x1024".parse().unwrap()),
        quality: Some(types::ImageQuality::Standard),
        response_format: Some(types::ResponseFormat::B64Json),
        style: Some(types::ImageStyle::Natural),
    };
    assert_eq!(
        serde_json::to_value(&generated).unwrap(),
        server.seen()[2].json()
    );
}

#[tokio::test]
async fn the_path_is_relative_to_the_base_url_with_its_prefix() {
    let server = Recorder::start().await;
    for (prefix, path) in [
        ("/v1", "/v1/images/generations"),
        ("/v1/", "/v1/images/generations"),
        ("/openai/v1", "/openai/v1/images/generations"),
    ] {
        let c = ImagesClient::builder()
            .api_key(KEY)
            .base_url(server.base_url(prefix))
            .build()
            .unwrap();
        c.generate("a fox").model("m").await.unwrap();
        assert_openai_request(&server.last(), path);
    }
}

#[tokio::test]
async fn a_retry_sends_the_same_request_again() {
    let server = Recorder::start().await;
    server.reply(
        Reply::new(503, r#"{"error":{"message":"busy","type":"api_error"}}"#)
            .header("retry-after", "0"),
    );
    server.reply(Reply::new(503, "<html>service unavailable</html>").header("retry-after", "0"));
    server
        .client()
        .generate("a fox")
        .model("flux-dev")
        .n(2)
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for r in &seen {
        assert_openai_request(r, "/v1/images/generations");
        assert_eq!(r.body, seen[0].body);
    }
}

#[tokio::test]
async fn a_gateway_error_is_not_replayed_because_the_request_may_have_been_charged() {
    for status in [502, 504] {
        let server = Recorder::start().await;
        server.reply(
            Reply::new(status, "<html>bad gateway</html>").header("x-request-id", "req_gw_1"),
        );
        let e = server
            .client()
            .generate("a fox")
            .model("flux-dev")
            .await
            .unwrap_err();
        assert!(e.may_have_been_processed(), "{status}: {e:?}");
        assert_eq!(e.request_id(), Some("req_gw_1"), "{status}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(server.seen().len(), 1, "{status}: sent once");
    }
}

#[tokio::test]
async fn openai_insufficient_quota_429_is_never_retried() {
    let server = Recorder::start().await;
    // OpenAI's own form: 429 with type and code `insufficient_quota` (and a short Retry-After that must not
    // tempt the SDK into retrying).
    server.reply(
        Reply::new(
            429,
            r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        )
        .header("retry-after", "1")
        .header("x-request-id", "req_quota_1"),
    );
    let e = server
        .client()
        .generate("a fox")
        .model("dall-e-3")
        .await
        .unwrap_err();
    match &e {
        Error::InsufficientCredits(a) => {
            assert_eq!((a.status, &a.code), (429, &ErrorCode::InsufficientQuota));
            assert_eq!(a.error_type.as_deref(), Some("insufficient_quota"));
            assert_eq!(a.request_id.as_deref(), Some("req_quota_1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.seen().len(), 1);
    // Only the type says so (code null): same answer.
    server.reply(
        Reply::new(
            429,
            r#"{"error":{"message":"quota","type":"insufficient_quota","param":null,"code":null}}"#,
        )
        .header("retry-after", "0"),
    );
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InsufficientCredits(_)), "{e:?}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn loose_success_bodies_are_accepted_and_every_format_gets_its_extension() {
    let server = Recorder::start().await;
    let files: [(&[u8], MediaFormat); 4] = [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", MediaFormat::Png),
        (b"\xFF\xD8\xFF\xE0\0\x10JFIF\0", MediaFormat::Jpeg),
        (b"RIFF\x10\0\0\0WEBPVP8 ", MediaFormat::Webp),
        (b"GIF89a\x01\0\x01\0\0\0", MediaFormat::Gif),
    ];
    let items: Vec<String> = files
        .iter()
        .map(|(bytes, _)| {
            // Escaped slashes, as some servers write them; unknown fields; a null revised_prompt.
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            format!(
                r#"{{"b64_json":"{}","revised_prompt":null,"seed":7}}"#,
                b64.replace('/', "\\/")
            )
        })
        .collect();
    server.reply(
        Reply::new(
            200,
            format!(
                r#"{{"data":[{}],"usage":{{"total_tokens":3}}}}"#,
                items.join(",")
            ),
        )
        .header("x-request-id", "req_ok_7"),
    );
    let out = server
        .client()
        .generate("a fox")
        .model("m")
        .response_format(ResponseFormat::B64Json)
        .await
        .unwrap();
    assert_eq!(out.created, None, "created may be missing");
    assert_eq!(out.request_id.as_deref(), Some("req_ok_7"));
    let dir = tempfile::tempdir().unwrap();
    for (i, (image, (bytes, format))) in out.data.iter().zip(files).enumerate() {
        assert_eq!(image.image.inline_bytes().unwrap().as_ref(), bytes);
        assert_eq!(image.image.format(), Some(format));
        assert_eq!(image.revised_prompt, None);
        let saved = image
            .image
            .save_to_dir(dir.path(), &format!("img-{i}"))
            .await
            .unwrap();
        assert_eq!(
            saved.path,
            dir.path().join(format!("img-{i}.{}", format.extension()))
        );
    }
    assert_eq!(
        out.data
            .iter()
            .map(|i| i.image.format().unwrap().extension())
            .collect::<Vec<_>>(),
        ["png", "jpg", "webp", "gif"]
    );
    // Unknown bytes are saved as .bin.
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"hello world");
    server.reply(Reply::new(
        200,
        format!(r#"{{"created":1,"data":[{{"b64_json":"{b64}"}}]}}"#),
    ));
    let out = server.client().generate("a").model("m").await.unwrap();
    let saved = out.data[0]
        .image
        .save_to_dir(dir.path(), "odd")
        .await
        .unwrap();
    assert_eq!(saved.path, dir.path().join("odd.bin"));
}

#[tokio::test]
async fn unusable_success_answers_are_ambiguous_and_not_replayed() {
    let server = Recorder::start().await;
    server.reply(Reply::new(200, "this is not JSON"));
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Transport(t) if t.may_have_been_processed),
        "{e:?}"
    );
    server.reply(Reply::new(
        200,
        r#"{"created":1,"data":[{"b64_json":"%%%not base64%%%"}]}"#,
    ));
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    assert!(
        e.may_have_been_processed() && e.to_string().contains("b64_json"),
        "{e}"
    );
    server.reply(Reply::new(
        200,
        r#"{"created":1,"data":[{"revised_prompt":"x"}]}"#,
    ));
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    assert!(
        e.may_have_been_processed() && e.to_string().contains("neither"),
        "{e}"
    );
    assert_eq!(server.seen().len(), 3, "none of them sent twice");
}

#[tokio::test]
async fn loose_error_bodies_still_give_a_typed_error() {
    let server = Recorder::start().await;
    server.reply(Reply::new(404, "<html><body>Not Found</body></html>"));
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    match &e {
        Error::Api(a) => {
            assert_eq!(a.status, 404);
            assert!(a.message.contains("Not Found"), "{}", a.message);
        }
        other => panic!("{other:?}"),
    }
    server.reply(Reply::new(400, r#"{"error":"bad size"}"#).header("x-request-id", "req_e_1"));
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    match &e {
        Error::Api(a) => {
            assert_eq!(a.message, "bad size");
            assert_eq!(a.request_id.as_deref(), Some("req_e_1"));
        }
        other => panic!("{other:?}"),
    }
    server.reply(Reply::new(
        400,
        r#"{"error":{"code":"invalid_size","message":"nope","param":"size","type":"invalid_request_error"}}"#,
    ));
    let e = server
        .client()
        .generate("a fox")
        .model("m")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidSize));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_server_message_that_echoes_the_key_is_redacted() {
    let server = Recorder::start().await;
    server.reply(Reply::new(
        400,
        format!(r#"{{"error":{{"message":"the key {KEY} is not valid here","type":"invalid_request_error","param":"{KEY}"}}}}"#),
    ));
    server.reply(Reply::new(
        502,
        format!("<html>upstream refused Bearer {KEY}</html>"),
    ));
    for _ in 0..2 {
        let e = server
            .client()
            .generate("a fox")
            .model("flux-dev")
            .await
            .unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(!text.contains(KEY), "the key leaked: {text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
}
