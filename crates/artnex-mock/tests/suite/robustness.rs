//! Bad input never yields a 5xx and never panics.

use serde_json::{Value, json};

use crate::support::{ART_KEY, KEY, Mock, data_uri, media, spec, text};

const JSON: (&str, &str) = ("content-type", "application/json");

fn auth() -> (&'static str, String) {
    ("authorization", format!("Bearer {KEY}"))
}

#[tokio::test]
async fn malformed_bodies_are_clean_4xx() {
    let mock = Mock::start().await;
    let (h, v) = auth();
    let with_auth = [JSON, (h, v.as_str())];
    let cases: [(&str, u16, &str); 9] = [
        ("{\"prompt\": ", 400, "invalid_json"),
        ("not json at all", 400, "invalid_json"),
        ("", 400, "invalid_json"),
        ("   \n", 400, "invalid_json"),
        ("[1, 2, 3]", 422, "invalid_request"),
        ("\"a string\"", 422, "invalid_request"),
        ("null", 422, "invalid_request"),
        (
            "{\"prompt\": 7, \"text\": 9, \"image\": 1}",
            422,
            "invalid_request",
        ),
        ("{\"prompt\": \"\\ud800\"}", 400, "invalid_json"),
    ];
    for path in [
        "/v1/generate",
        "/v1/edit",
        "/v1/video",
        "/v1/tts",
        "/v1/upscale",
        "/v1/remove-bg",
    ] {
        for (body, status, code) in cases {
            let r = mock.post_raw(path, &with_auth, body).await;
            assert_eq!(
                (r.status, r.code()),
                (status, code),
                "{path} {body:?}: {}",
                r.body
            );
        }
    }
    // Missing or wrong Content-Type.
    let r = mock
        .post_raw("/v1/tts", &[(h, v.as_str())], "{\"text\": \"hi\"}")
        .await;
    r.expect_error(400, "invalid_content_type");
    let r = mock
        .post_raw(
            "/v1/tts",
            &[(h, v.as_str()), ("content-type", "text/plain")],
            "{\"text\": \"hi\"}",
        )
        .await;
    r.expect_error(400, "invalid_content_type");
    let r = mock
        .post_raw(
            "/v1/tts",
            &[
                (h, v.as_str()),
                ("content-type", "application/json; charset=utf-8"),
            ],
            "{\"text\": \"hi\"}",
        )
        .await;
    r.expect(200);
    // Deep nesting is refused by the parser, not by a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = mock.post_raw("/v1/generate", &with_auth, deep).await;
    assert_eq!(r.status, 400);
    assert_eq!(mock.server.total_charged(KEY), 10);
}

/// A value of a different JSON type than the schema says.
fn wrong_value(schema: &Value) -> Value {
    match schema["type"].as_str() {
        Some("string") => json!(12345),
        Some("integer") => json!("12"),
        Some("number") => json!("2.5"),
        Some("boolean") => json!("yes"),
        _ => json!([]),
    }
}

#[tokio::test]
async fn every_field_with_the_wrong_type_is_422() {
    let mock = Mock::start().await;
    let spec = spec::artnex();
    let mut checked = 0;
    for info in spec.ops() {
        let template = spec.server_path(info);
        let op = spec.operation(info.path, info.method.as_str());
        let schema_ref = &op["requestBody"]["content"]["application/json"]["schema"];
        if schema_ref.is_null() {
            continue;
        }
        let schema = spec.resolve(schema_ref);
        let example = op["requestBody"]["content"]["application/json"]["examples"]
            .as_object()
            .and_then(|m| m.values().next())
            .map(|e| e["value"].clone())
            .unwrap();
        for (name, prop) in schema["properties"].as_object().unwrap() {
            let prop = spec.resolve(prop);
            let mut body = example.clone();
            body[name] = wrong_value(prop);
            let r = mock.post(&template, Some(KEY), &body).await;
            assert_eq!(
                (r.status, r.code()),
                (422, "invalid_request"),
                "{template}.{name}: {}",
                r.body
            );
            // A float where an integer belongs is a type error too.
            if prop["type"] == "integer" {
                body[name] = json!(2.5);
                let r = mock.post(&template, Some(KEY), &body).await;
                assert_eq!(r.status, 422, "{template}.{name} = 2.5");
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
    assert_eq!(mock.server.total_charged(KEY), 0);
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let mock = Mock::start().await;
    let body = json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64, "seed": 42, "style": {"a": [1]}, "negative_prompt": null});
    mock.post("/v1/generate", Some(KEY), &body)
        .await
        .expect(200);
    // null counts as absent for optional fields.
    let body = json!({"prompt": "x", "model": "z-image-turbo", "width": null, "num_images": null});
    mock.post("/v1/generate", Some(KEY), &body)
        .await
        .expect(200);
}

/// Every request body of a spec with its first example: (spec, template, schema, example).
fn request_bodies() -> Vec<(&'static spec::Spec, String, Value, Value)> {
    let mut out = Vec::new();
    for s in [spec::artnex(), spec::artapi()] {
        for info in s.ops() {
            let template = info.path;
            let op = s.operation(template, info.method.as_str());
            let media = &op["requestBody"]["content"]["application/json"];
            if media["schema"].is_null() {
                continue;
            }
            let schema = s.resolve(&media["schema"]).clone();
            let example = media["examples"]
                .as_object()
                .and_then(|m| m.values().next())
                .map(|e| e["value"].clone())
                .unwrap();
            out.push((s, format!("{}{template}", s.prefix), schema, example));
        }
    }
    out
}

fn key_for(path: &str) -> &'static str {
    if path.starts_with("/v1/images/") {
        ART_KEY
    } else {
        KEY
    }
}

/// `null` for an optional field is the same as leaving the field out (the decision recorded in the
/// README; the spec is to declare those fields nullable): same status, same code, for every optional
/// field of every operation of both specs.
#[tokio::test]
async fn null_for_an_optional_field_is_the_same_as_leaving_it_out() {
    let mock = Mock::start().await;
    let mut checked = 0;
    for (_, path, schema, example) in request_bodies() {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for name in schema["properties"].as_object().unwrap().keys() {
            if required.contains(&name.as_str()) {
                continue;
            }
            let mut absent = example.clone();
            absent.as_object_mut().unwrap().remove(name);
            let mut null = example.clone();
            null[name] = Value::Null;
            let a = mock.post(&path, Some(key_for(&path)), &absent).await;
            let n = mock.post(&path, Some(key_for(&path)), &null).await;
            assert_eq!(
                (n.status, n.code()),
                (a.status, a.code()),
                "{path}.{name} = null: {} (absent: {})",
                n.body,
                a.body
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
}

/// Required strings have `minLength: 1`: an empty one is refused with the code for a missing value
/// (`model`, whose absence is `invalid_model`, included).
#[tokio::test]
async fn an_empty_required_string_is_refused_with_the_missing_value_code() {
    let mock = Mock::start().await;
    let mut checked = 0;
    for (s, path, schema, example) in request_bodies() {
        for name in schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
        {
            let prop = s.resolve(&schema["properties"][name]);
            if prop["type"] != "string" {
                continue;
            }
            let mut empty = example.clone();
            empty[name] = json!("");
            let mut absent = example.clone();
            absent.as_object_mut().unwrap().remove(name);
            let e = mock.post(&path, Some(key_for(&path)), &empty).await;
            let a = mock.post(&path, Some(key_for(&path)), &absent).await;
            assert_eq!(e.status, 400, "{path}.{name} = \"\": {}", e.body);
            assert_eq!(
                (e.status, e.code()),
                (a.status, a.code()),
                "{path}.{name}: empty and absent differ: {} / {}",
                e.body,
                a.body
            );
            let expected = match name {
                _ if path.starts_with("/v1/images/") => "invalid_request",
                "prompt" => "missing_prompt",
                "model" => "invalid_model",
                "image" => "missing_image",
                "text" => "missing_text",
                other => panic!("no expectation for the required string {other}"),
            };
            assert_eq!(e.code(), expected, "{path}.{name}");
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
    assert_eq!(mock.server.total_charged(KEY), 0);
    assert_eq!(mock.server.total_charged(ART_KEY), 0);
}

#[tokio::test]
async fn unicode_prompts_are_counted_in_characters() {
    let mock = Mock::start().await;
    let max = artnex_facts::GENERATE_IMAGE_PROMPT_MAX_CHARS.value;
    let at_limit = text('🦊', max);
    assert_eq!(at_limit.len(), 4 * max);
    let body = json!({"prompt": at_limit, "model": "z-image-turbo", "width": 64, "height": 64});
    mock.post("/v1/generate", Some(KEY), &body)
        .await
        .expect(200);
    let body = json!({"prompt": text('é', max + 1), "model": "z-image-turbo"});
    mock.post("/v1/generate", Some(KEY), &body)
        .await
        .expect_error(400, "prompt_too_long");
    let max_text = artnex_facts::TEXT_TO_SPEECH_TEXT_MAX_CHARS.value;
    let body = json!({"text": text('語', max_text)});
    mock.post("/v1/tts", Some(KEY), &body).await.expect(200);
    let body = json!({"text": text('語', max_text + 1)});
    mock.post("/v1/tts", Some(KEY), &body)
        .await
        .expect_error(400, "text_too_long");
    // ArtAPI too.
    let max_art = artnex_facts::CREATE_IMAGE_PROMPT_MAX_CHARS.value;
    let body = json!({"model": "flux-dev", "prompt": text('ß', max_art), "size": "256x256"});
    mock.post("/v1/images/generations", Some(ART_KEY), &body)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_10_mb_image_is_accepted_and_larger_ones_refused() {
    let _heavy = crate::support::heavy().await;
    let mock = Mock::start().await;
    // A valid PNG of just under 10 MiB (its pixels plus a private padding chunk): ~13.3 MiB of base64.
    let png = media::padded_png(300, 200, artnex_mock::MAX_IMAGE_BYTES - 1000);
    assert!(
        png.len() > 10_400_000 && png.len() <= artnex_mock::MAX_IMAGE_BYTES,
        "{}",
        png.len()
    );
    let uri = data_uri("image/png", &png);
    assert!(uri.len() > 13_900_000, "{}", uri.len());
    let body = json!({"prompt": "x", "model": "seedream-edit"});
    let r = mock.post_big("/v1/edit", KEY, &body, "image", &uri).await;
    r.expect(200);
    let out = media::decode_png(
        &mock
            .download(r.body["images"][0]["url"].as_str().unwrap())
            .await
            .bytes,
    );
    assert_eq!((out.width, out.height), (300, 200));

    // Just over 10 MiB once decoded: image_too_large.
    let over = format!(
        "data:image/png;base64,{}",
        "A".repeat((artnex_mock::MAX_IMAGE_BYTES / 3 + 100) * 4)
    );
    mock.post_big("/v1/remove-bg", KEY, &json!({}), "image", &over)
        .await
        .expect_error(400, "image_too_large");
    // A body beyond the server's limit: 413 with our JSON error body.
    let huge = format!(
        "{{\"image\": \"data:image/png;base64,{}\"}}",
        "A".repeat(20 * 1024 * 1024)
    );
    let (h, v) = auth();
    let r = mock
        .post_raw("/v1/remove-bg", &[JSON, (h, v.as_str())], huge)
        .await;
    r.expect_error(413, "payload_too_large");
    assert_eq!(mock.server.total_charged(KEY), 200);
}

#[tokio::test]
async fn garbage_never_causes_a_5xx() {
    let mock = Mock::start().await;
    let (h, v) = auth();
    let mut seed: u64 = 0x1234_5678;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let fragments = [
        "{",
        "}",
        "[",
        "]",
        "\"prompt\"",
        "\"model\"",
        ":",
        ",",
        "\"z-image-turbo\"",
        "1e400",
        "-1",
        "\"image\"",
        "\"data:image/png;base64,\"",
        "null",
        "true",
        "\"\\u0000\"",
        "4096",
        "0.5",
        "\"width\"",
        "\"text\"",
        "\"scale\"",
        "\"duration\"",
        "\"mode\"",
        "\"🦊\"",
    ];
    for i in 0..300 {
        let n = (next() % 12) as usize;
        let body: String = (0..n)
            .map(|_| fragments[(next() % fragments.len() as u64) as usize])
            .collect();
        let path = [
            "/v1/generate",
            "/v1/edit",
            "/v1/video",
            "/v1/tts",
            "/v1/upscale",
            "/v1/remove-bg",
            "/v1/images/generations",
        ][i % 7];
        let key = if path.contains("images") {
            format!("Bearer {ART_KEY}")
        } else {
            v.clone()
        };
        let r = mock
            .post_raw(path, &[JSON, (h, key.as_str())], body.clone())
            .await;
        assert!(r.status < 500, "{path} {body:?} -> {} {}", r.status, r.body);
    }
    // Random binary bodies too.
    for _ in 0..50 {
        let bytes: Vec<u8> = (0..(next() % 512)).map(|_| next() as u8).collect();
        let r = mock
            .post_raw("/v1/generate", &[JSON, (h, v.as_str())], bytes)
            .await;
        assert!(r.status < 500);
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let mock = Mock::start().await;
    let r = mock.get("/v2/generate", Some(KEY)).await;
    r.expect_error(404, "not_found");
    // A method the spec has no operation for is 404 not_found (no 405: see spec/README.md), in the
    // format of the surface the path belongs to.
    let r = mock.get("/v1/generate", Some(KEY)).await;
    r.expect_error(404, "not_found");
    assert_eq!(r.body["success"], false);
    let r = mock.post("/v1/video/req_abc", Some(KEY), &json!({})).await;
    r.expect_error(404, "not_found");
    let r = mock.get("/v1/images/generations", Some(ART_KEY)).await;
    r.expect_error(404, "not_found");
    assert_eq!(r.body["error"]["type"], "invalid_request_error");
    let r = mock.get("/", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["success"], false);
}

/// Sends headers announcing `length` body bytes, then `sent` of them spread out by `pause`, and returns
/// what the server wrote back before closing (a guard timeout only stops a hang).
async fn slow_body(mock: &Mock, length: usize, sent: usize, pause: std::time::Duration) -> Vec<u8> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(mock.server.addr())
        .await
        .unwrap();
    let head = format!(
        "POST /v1/generate HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        mock.server.addr()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        for _ in 0..sent {
            if write.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(pause).await;
        }
        write
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        read.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes the connection");
    assert!(read.is_ok() || answer.is_empty());
    drop(writer.await);
    answer
}

#[tokio::test]
async fn bodies_that_arrive_too_slowly_are_cut_unanswered() {
    let mock =
        Mock::with(crate::support::builder().body_timeout(std::time::Duration::from_millis(300)))
            .await;
    // A body that stalls after 10 of its 100 bytes, and one that trickles in a byte every 50 ms.
    for (sent, pause) in [
        (10, std::time::Duration::ZERO),
        (1000, std::time::Duration::from_millis(50)),
    ] {
        let answer = slow_body(&mock, 100, sent, pause).await;
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    }
    let cut: Vec<_> = mock
        .server
        .requests()
        .into_iter()
        .filter(|r| r.dropped)
        .collect();
    assert_eq!(cut.len(), 2);
    assert!(
        cut.iter()
            .all(|r| r.status == 408 && r.error.as_deref() == Some("request_timeout"))
    );
    assert_eq!(mock.server.total_charged(KEY), 0);
    // The server still answers.
    mock.post("/v1/tts", Some(KEY), &json!({"text": "x"}))
        .await
        .expect(200);
}
