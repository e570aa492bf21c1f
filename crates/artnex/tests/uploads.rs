//! Streamed image uploads on the wire, recorded by a tiny server on 127.0.0.1: the body of every operation
//! that takes an image is byte for byte the JSON of the checked request with the image inline (what
//! `serde_json` writes for it, as the buffered body was), with a `Content-Length` and no chunked encoding,
//! from a file and from bytes; a retry sends the same bytes (the file is read again); a file that changes
//! between attempts is never sent whole and fails the call with an I/O error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use artnex::media::ImageInput;
use artnex::{Client, Error, Model, RetryPolicy};
use axum::body::Body;
use axum::http::{HeaderMap, Response, StatusCode};

const KEY: &str = "sk-upload-test";

#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    headers: HeaderMap,
    /// `None` when the body did not arrive whole.
    body: Option<Vec<u8>>,
}

type Hook = Box<dyn FnMut() + Send>;

/// Records every request; answers each with the next queued status (200 when the queue is empty) and
/// runs the next queued hook first.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Recorded>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    hooks: Arc<Mutex<VecDeque<Hook>>>,
}

fn success(path: &str) -> &'static str {
    match path {
        "/v1/edit" => {
            r#"{"success":true,"images":[{"url":"https://cdn.example.com/e.png"}],"request_id":"req_e","credits_used":240}"#
        }
        "/v1/video" => r#"{"request_id":"req_v","status":"pending"}"#,
        _ => {
            r#"{"success":true,"image_url":"https://cdn.example.com/u.png","request_id":"req_u","credits_used":100}"#
        }
    }
}

impl Recorder {
    async fn start() -> (Recorder, String) {
        let rec = Recorder::default();
        let r = rec.clone();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let r = r.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.ok();
                let path = parts.uri.path().to_string();
                r.seen.lock().unwrap().push(Recorded {
                    path: path.clone(),
                    headers: parts.headers,
                    body: body.map(|b| b.to_vec()),
                });
                if let Some(mut hook) = r.hooks.lock().unwrap().pop_front() {
                    hook();
                }
                let status = r.statuses.lock().unwrap().pop_front().unwrap_or(200);
                let text = if status == 200 {
                    success(&path).to_string()
                } else {
                    r#"{"success":false,"error":"service_unavailable","message":"busy"}"#
                        .to_string()
                };
                let mut response = Response::new(Body::from(text));
                *response.status_mut() = StatusCode::from_u16(status).unwrap();
                response
                    .headers_mut()
                    .insert("content-type", "application/json".parse().unwrap());
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (rec, format!("http://{addr}"))
    }

    fn seen(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base)
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

/// A real PNG of `side` x `side` noisy pixels (large and incompressible enough to span many chunks).
fn png(side: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side, side);
    enc.set_color(png::ColorType::Rgb);
    enc.set_compression(png::Compression::Fastest);
    let mut w = enc.write_header().unwrap();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let pixels: Vec<u8> = (0..side * side * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    w.write_image_data(&pixels).unwrap();
    drop(w);
    out
}

/// What the buffered body was: the checked request serialised with the image inline as bytes.
fn buffered<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn assert_streamed_exactly(r: &Recorded, path: &str, want: &[u8]) {
    assert_eq!(r.path, path);
    let body = r.body.as_ref().expect("the whole body arrived");
    assert!(
        body == want,
        "{path}: the body differs from the buffered one"
    );
    assert_eq!(
        r.headers.get("content-length").unwrap().to_str().unwrap(),
        want.len().to_string()
    );
    assert!(r.headers.get("transfer-encoding").is_none());
    assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
}

#[tokio::test]
async fn every_image_operation_streams_the_buffered_bytes_from_a_file_and_from_memory() {
    let (rec, base) = Recorder::start().await;
    let c = client(&base);
    let image = png(300);
    assert!(image.len() > 200_000, "spans several chunks");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.png");
    std::fs::write(&file, &image).unwrap();
    let inline = || ImageInput::bytes(image.clone());

    for source in [ImageInput::path(&file), inline()] {
        let n = rec.seen().len();
        let edit = c
            .edit("make it snowy", source.clone())
            .model(Model::NanoBananaEdit);
        let mut want = edit.validate().unwrap().value().clone();
        want.image = inline();
        edit.await.unwrap();
        assert_streamed_exactly(&rec.seen()[n], "/v1/edit", &buffered(&want));

        let up = c.upscale(source.clone()).scale(2.0);
        let mut want = up.validate().unwrap().value().clone();
        want.image = inline();
        up.await.unwrap();
        assert_streamed_exactly(&rec.seen()[n + 1], "/v1/upscale", &buffered(&want));

        let cut = c.remove_background(source.clone());
        let mut want = cut.validate().unwrap().value().clone();
        want.image = inline();
        cut.await.unwrap();
        assert_streamed_exactly(&rec.seen()[n + 2], "/v1/remove-bg", &buffered(&want));

        let video = c
            .video("the lake at dawn")
            .model(Model::Veo31I2v)
            .image(source.clone());
        let mut want = video.validate().unwrap().value().clone();
        want.image = Some(inline());
        let job = video.submit().await.unwrap();
        assert_eq!(job.request_id(), "req_v");
        assert_streamed_exactly(&rec.seen()[n + 3], "/v1/video", &buffered(&want));
    }

    // A data URI and an extra field go out as serde writes them, the image still streamed.
    let uri = artnex::media::data_uri(artnex::media::MediaFormat::Png, &image);
    let edit = c
        .edit("make it snowy", ImageInput::data_uri(uri))
        .model(Model::NanoBananaEdit)
        .extra_body("seed", 7);
    let mut want = serde_json::to_value(edit.validate().unwrap().value()).unwrap();
    want["seed"] = 7.into();
    edit.await.unwrap();
    assert_streamed_exactly(rec.seen().last().unwrap(), "/v1/edit", &buffered(&want));
}

#[tokio::test]
async fn a_retry_reads_the_file_again_and_sends_the_same_bytes() {
    let (rec, base) = Recorder::start().await;
    rec.statuses.lock().unwrap().push_back(503);
    let image = png(200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.png");
    std::fs::write(&file, &image).unwrap();
    let c = client(&base);
    let out = c
        .edit("make it snowy", file.as_path())
        .model(Model::NanoBananaEdit)
        .await
        .unwrap();
    assert_eq!(out.credits_used, Some(240));
    let seen = rec.seen();
    assert_eq!(seen.len(), 2, "503, then the retry");
    assert!(seen[0].body.is_some() && seen[0].body == seen[1].body);
}

#[tokio::test]
async fn a_file_that_changes_between_attempts_is_not_sent_again() {
    let (rec, base) = Recorder::start().await;
    rec.statuses.lock().unwrap().push_back(503);
    let image = png(200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.png");
    std::fs::write(&file, &image).unwrap();
    // While the first attempt is answered, the file is replaced by a different, valid image.
    let (f, other) = (file.clone(), png(201));
    rec.hooks
        .lock()
        .unwrap()
        .push_back(Box::new(move || std::fs::write(&f, &other).unwrap()));
    let err = client(&base)
        .edit("make it snowy", file.as_path())
        .model(Model::NanoBananaEdit)
        .await
        .unwrap_err();
    match &err {
        Error::Io { path, source } => {
            assert_eq!(path.as_deref(), Some(file.as_path()));
            assert!(
                source.to_string().contains("changed after it was checked"),
                "{source}"
            );
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert!(!err.may_have_been_processed());
    // The first attempt arrived whole; the second never completed a body (or never started one).
    let seen = rec.seen();
    assert!(seen[0].body.is_some());
    assert!(
        seen.iter().skip(1).all(|r| r.body.is_none()),
        "{}",
        seen.len()
    );
}

#[tokio::test]
async fn a_bad_file_is_refused_before_anything_is_sent() {
    let (rec, base) = Recorder::start().await;
    let dir = tempfile::tempdir().unwrap();
    let image = png(64);
    let cut = dir.path().join("cut.png");
    std::fs::write(&cut, &image[..image.len() - 20]).unwrap();
    let err = client(&base)
        .edit("make it snowy", cut.as_path())
        .model(Model::NanoBananaEdit)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.message.contains("truncated")),
        "{err:?}"
    );
    assert!(rec.seen().is_empty());
}
