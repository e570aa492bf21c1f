//! The SDK's local checks agree with the server: for each request the SDK refuses, the same request sent
//! raw (bypassing the SDK) gets the code the SDK's `ValidationError` names; where the SDK names no code, the
//! server accepts the request (and would silently ignore or replace the value while charging for it).

use artnex::catalogue::{AspectRatio, VideoMode};
use artnex::media::ImageInput;
use artnex::{Client, Model, ValidationError};
use serde_json::{Value, json};

use crate::{KEY, mock};

const IMAGE: &str = "https://cdn.example/in.png";

/// A request the SDK refuses, with the JSON body that says the same thing on the wire.
struct Case {
    name: &'static str,
    path: &'static str,
    refused: ValidationError,
    body: Value,
}

fn cases(c: &Client) -> Vec<Case> {
    let refused = |r: Result<(), ValidationError>, name: &str| {
        r.expect_err(&format!("the SDK refuses {name}"))
    };
    let mut out = Vec::new();
    let mut add = |name, path, r, body| {
        out.push(Case {
            name,
            path,
            refused: refused(r, name),
            body,
        })
    };
    add(
        "an empty prompt",
        "/v1/generate",
        c.generate(" ")
            .model(Model::ZImageTurbo)
            .validate()
            .map(drop),
        json!({"prompt": " ", "model": "z-image-turbo"}),
    );
    add(
        "a prompt over 4,000 characters",
        "/v1/generate",
        c.generate("é".repeat(4001))
            .model(Model::ZImageTurbo)
            .validate()
            .map(drop),
        json!({"prompt": "é".repeat(4001), "model": "z-image-turbo"}),
    );
    add(
        "five images",
        "/v1/generate",
        c.generate("a fox")
            .model(Model::ZImageTurbo)
            .num_images(5)
            .validate()
            .map(drop),
        json!({"prompt": "a fox", "model": "z-image-turbo", "num_images": 5}),
    );
    add(
        "an edit model on generate",
        "/v1/generate",
        c.generate("a fox")
            .model("nano-banana-edit")
            .validate()
            .map(drop),
        json!({"prompt": "a fox", "model": "nano-banana-edit"}),
    );
    add(
        "a generate model on edit",
        "/v1/edit",
        c.edit(IMAGE, "snow")
            .model(Model::ZImageTurbo)
            .validate()
            .map(drop),
        json!({"prompt": "snow", "image": IMAGE, "model": "z-image-turbo"}),
    );
    add(
        "image-to-video on a text-to-video model",
        "/v1/video",
        c.video("a drone shot")
            .model(Model::Veo31)
            .mode(VideoMode::ImageToVideo)
            .image(IMAGE)
            .validate()
            .map(drop),
        json!({"prompt": "a drone shot", "model": "veo3.1", "mode": "image-to-video", "image": IMAGE}),
    );
    add(
        "an image-to-video model without an image",
        "/v1/video",
        c.video("a drone shot")
            .model(Model::Veo31I2v)
            .validate()
            .map(drop),
        json!({"prompt": "a drone shot", "model": "veo3.1-i2v"}),
    );
    add(
        "a duration the model does not make",
        "/v1/video",
        c.video("a drone shot")
            .model(Model::Veo31)
            .duration(5)
            .validate()
            .map(drop),
        json!({"prompt": "a drone shot", "model": "veo3.1", "duration": 5}),
    );
    add(
        "a TTS text over 5,000 characters",
        "/v1/tts",
        c.tts("a".repeat(5001)).validate().map(drop),
        json!({"text": "a".repeat(5001)}),
    );
    add(
        "a zero upscale factor",
        "/v1/upscale",
        c.upscale(IMAGE).scale(0.0).validate().map(drop),
        json!({"image": IMAGE, "scale": 0}),
    );
    add(
        "an image that is not JPEG, PNG or WebP",
        "/v1/remove-bg",
        c.remove_background(ImageInput::bytes(b"GIF89a not really".to_vec()))
            .validate()
            .map(drop),
        json!({"image": "data:image/gif;base64,R0lGODlhbm90IHJlYWxseQ=="}),
    );
    // Checks the server does not make: it accepts these and silently ignores or replaces the value.
    add(
        "a start image on a text-to-video model",
        "/v1/video",
        c.video("a drone shot")
            .model(Model::Veo31)
            .image(IMAGE)
            .validate()
            .map(drop),
        json!({"prompt": "a drone shot", "model": "veo3.1", "image": IMAGE}),
    );
    add(
        "an aspect ratio the model does not support",
        "/v1/video",
        c.video("a drone shot")
            .model(Model::Veo31)
            .aspect_ratio(AspectRatio::Square)
            .validate()
            .map(drop),
        json!({"prompt": "a drone shot", "model": "veo3.1", "aspect_ratio": "1:1"}),
    );
    out
}

#[tokio::test]
async fn local_checks_name_the_code_the_server_answers_with() {
    let mock = mock().await;
    let c = crate::client(&mock);
    let http = reqwest::Client::new();
    let cases = cases(&c);
    let mut with_code = 0;
    for case in &cases {
        let response = http
            .post(format!("{}{}", mock.base_url(), case.path))
            .bearer_auth(KEY)
            .json(&case.body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        match &case.refused.code {
            Some(code) => {
                with_code += 1;
                assert_eq!(status, 400, "{}: {body}", case.name);
                assert_eq!(
                    body["error"].as_str(),
                    Some(code.as_str()),
                    "{}: the SDK says {code}, the server {body}",
                    case.name
                );
            }
            None => assert_eq!(
                status, 200,
                "{}: the SDK names no code because the server accepts it, yet it answered {body}",
                case.name
            ),
        }
    }
    assert_eq!(with_code, cases.len() - 2);
}

/// Limits the docs do not state (the specs assume them) are the server's call: the SDK sends such a
/// request, and whatever the server answers is what the caller gets.
#[tokio::test]
async fn assumed_limits_are_not_enforced_before_sending() {
    for (name, limit) in [
        ("width", artnex::facts::GENERATE_IMAGE_WIDTH_MIN.documented),
        ("scale", artnex::facts::UPSCALE_IMAGE_SCALE_MAX.documented),
        (
            "duration",
            artnex::facts::CREATE_VIDEO_DURATION_MAX.documented,
        ),
    ] {
        assert!(
            !limit,
            "{name}: the spec now documents it; this test no longer applies"
        );
    }
    let mock = mock().await;
    let c = crate::client(&mock);
    let narrow = c.generate("a fox").model(Model::ZImageTurbo).size(32, 512);
    assert!(narrow.validate().is_ok());
    let upscale = c.upscale(IMAGE).scale(9.0);
    assert!(upscale.validate().is_ok());
    let unknown_model = c.video("waves").model("brand-new-video-model").duration(90);
    assert!(unknown_model.validate().is_ok());
    // Sent: the simulator answers with its own reading of the gap (a refusal, which costs nothing).
    let e = narrow.await.unwrap_err();
    assert_eq!(e.status(), Some(400), "{e:?}");
    let e = upscale.await.unwrap_err();
    assert_eq!(e.status(), Some(400), "{e:?}");
    assert_eq!(crate::hits(&mock, "/v1/generate"), 1);
    assert_eq!(crate::hits(&mock, "/v1/upscale"), 1);
    assert!(crate::charges(&mock).is_empty());
}
