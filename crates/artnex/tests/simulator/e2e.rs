//! Every operation end to end, downloads included.

use std::time::Duration;

use artnex::media::{ImageInput, MediaFormat};
use artnex::{Error, ErrorCode, Model};

use crate::{KEY, charges, client, client_with, hits, mock, sample_png};

#[tokio::test]
async fn generate_charges_the_estimate_and_downloads_stream_to_disk() {
    let mock = mock().await;
    let c = client(&mock);
    let before = mock.balance(KEY).unwrap();
    let request = c
        .generate("a red fox in the snow")
        .model(Model::Flux2Pro)
        .num_images(2);
    let estimate = request.estimate().unwrap().credits().unwrap();
    let out = request.await.unwrap();
    assert_eq!(out.images.len(), 2);
    assert_eq!(out.credits_used, Some(estimate));
    assert_eq!(before - mock.balance(KEY).unwrap(), estimate);
    assert!(out.request_id.is_some());

    let dir = tempfile::tempdir().unwrap();
    // download_to writes exactly the path given, even with a misleading extension.
    let exact = dir.path().join("fox.jpg");
    let d = out.images[0].download_to(&exact).await.unwrap();
    assert_eq!(d.path, exact);
    assert_eq!(d.format, Some(MediaFormat::Png));
    assert_eq!(std::fs::metadata(&exact).unwrap().len(), d.bytes);
    // save_to_dir picks the extension from the content; a durable save (flushed to storage with its
    // directory entry) writes the same file.
    let saved = out.images[1]
        .clone()
        .durable(true)
        .save_to_dir(dir.path(), "fox-2")
        .await
        .unwrap();
    assert_eq!(saved.path, dir.path().join("fox-2.png"));
    let bytes = out.images[1].bytes().await.unwrap();
    assert_eq!(std::fs::read(&saved.path).unwrap(), bytes.to_vec());
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("artnex-part")),
        "{names:?}"
    );
}

/// `send()` only makes the future: nothing is sent or charged until it is polled, and a dropped one
/// never sends.
#[tokio::test]
async fn a_send_future_sends_nothing_until_it_is_polled() {
    let mock = mock().await;
    let c = client(&mock);
    let pending = c.generate("a red fox").model(Model::Flux2Pro).send();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(hits(&mock, "/v1/generate"), 0);
    drop(pending);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(hits(&mock, "/v1/generate"), 0);
    assert!(charges(&mock).is_empty());

    let out = c
        .generate("a red fox")
        .model(Model::Flux2Pro)
        .send()
        .await
        .unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(hits(&mock, "/v1/generate"), 1);
    assert_eq!(charges(&mock).len(), 1);
}

#[tokio::test]
async fn edit_reads_a_file_and_sends_it_inline() {
    let mock = mock().await;
    let png = sample_png(&mock).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.png");
    std::fs::write(&path, &png).unwrap();
    let c = client(&mock);
    let out = c
        .edit("make it snowy", path.as_path())
        .model(Model::SeedreamEdit)
        .await
        .unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(out.credits_used, Some(200));
    assert_eq!(charges(&mock).len(), 1);
    // A URL input works too (the simulator does not fetch it).
    let out = c
        .edit("make it snowy", "https://example.com/portrait.jpg")
        .model(Model::NanoBananaEdit)
        .await
        .unwrap();
    assert_eq!(out.credits_used, Some(240));
}

#[tokio::test]
async fn tts_upscale_and_remove_background() {
    let mock = mock().await;
    let png = sample_png(&mock).await;
    let c = client(&mock);
    let dir = tempfile::tempdir().unwrap();

    let speech = c
        .tts("Welcome to Artnex. Your images are ready.")
        .await
        .unwrap();
    assert_eq!(speech.credits_used, Some(10));
    let saved = speech
        .audio
        .save_to_dir(dir.path(), "welcome")
        .await
        .unwrap();
    assert_eq!(saved.format, Some(MediaFormat::Mp3));
    assert_eq!(saved.path, dir.path().join("welcome.mp3"));
    let kling = c
        .tts("Once upon a time")
        .model(Model::KlingTts)
        .send()
        .await
        .unwrap();
    assert_eq!(kling.credits_used, Some(100));

    let up = c
        .upscale(ImageInput::bytes(png.clone()))
        .scale(2.0)
        .await
        .unwrap();
    assert_eq!(up.credits_used, Some(100));
    assert_eq!(
        up.image.save_to_dir(dir.path(), "up").await.unwrap().format,
        Some(MediaFormat::Png)
    );

    let cut = c.remove_background(png).await.unwrap();
    assert_eq!(cut.credits_used, Some(10));
    let d = cut
        .image
        .download_to(dir.path().join("cut.png"))
        .await
        .unwrap();
    assert_eq!(d.format, Some(MediaFormat::Png));
    assert_eq!(mock.total_charged(KEY), 10 + 100 + 100 + 10);
}

#[tokio::test]
async fn rejected_requests_send_nothing() {
    let mock = mock().await;
    let c = client(&mock);
    let too_long = "ü".repeat(4001);
    let cases: Vec<Error> = vec![
        c.generate(too_long)
            .model(Model::Flux2Pro)
            .await
            .unwrap_err(),
        c.generate("fox")
            .model(Model::Flux2Pro)
            .num_images(5)
            .await
            .unwrap_err(),
        c.generate("fox").model(Model::Veo31).await.unwrap_err(),
        c.generate("fox").await.unwrap_err(),
        c.video("waves")
            .model(Model::Veo31)
            .duration(5)
            .await
            .unwrap_err(),
        c.video("waves")
            .model(Model::Veo31)
            .aspect_ratio(artnex::catalogue::AspectRatio::Square)
            .await
            .unwrap_err(),
        c.video("waves").model(Model::Veo31I2v).await.unwrap_err(),
        c.edit("snow", b"GIF89a not accepted".to_vec())
            .model(Model::SeedreamEdit)
            .await
            .unwrap_err(),
        c.edit("snow", "http://example.com/a.png")
            .model(Model::SeedreamEdit)
            .await
            .unwrap_err(),
        c.tts("").await.unwrap_err(),
        c.upscale("https://example.com/a.png")
            .scale(0.0)
            .await
            .unwrap_err(),
        c.generate("fox")
            .model(Model::Flux2Pro)
            .resolution(artnex::catalogue::Resolution::TwoK)
            .await
            .unwrap_err(),
    ];
    for e in &cases {
        assert!(matches!(e, Error::Validation(_)), "{e:?}");
        assert!(e.to_string().contains("nothing was sent"), "{e}");
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    assert!(mock.ledger(KEY).is_empty());
}

#[tokio::test]
async fn server_errors_are_typed() {
    let mock = mock().await;
    // 401
    let bad = artnex::Client::builder()
        .api_key("sk-wrong")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let e = bad.tts("hi").await.unwrap_err();
    assert!(
        matches!(&e, Error::Unauthorized(api) if api.code == ErrorCode::InvalidApiKey),
        "{e:?}"
    );
    // 402, nothing charged
    mock.set_balance(KEY, 100);
    let c = client(&mock);
    let e = c.generate("fox").model(Model::Flux2Pro).await.unwrap_err();
    assert!(
        matches!(&e, Error::InsufficientCredits(api) if api.code == ErrorCode::InsufficientCredits),
        "{e:?}"
    );
    assert!(!e.may_have_been_processed());
    assert_eq!(mock.balance(KEY), Some(100));
    assert_eq!(hits(&mock, "/v1/generate"), 1, "402 is not retried");
    // A model the server does not know (unknown to the SDK too: sent as is).
    let e = c.generate("fox").model("not-a-model").await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::InvalidModel), "{e:?}");
    // Unknown job id.
    let e = c.video_job("req_does_not_exist").poll().await.unwrap_err();
    assert_eq!(e.code(), Some(&ErrorCode::NotFound), "{e:?}");
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn expired_urls_say_so() {
    let mock = artnex_mock::MockServer::builder()
        .manual_clock()
        .start()
        .await
        .unwrap();
    let c = client(&mock);
    let out = c.tts("short-lived").await.unwrap();
    mock.advance(Duration::from_secs(25 * 3600));
    let e = out.audio.bytes().await.unwrap_err();
    assert!(
        matches!(&e, Error::MediaExpired { status: 404, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("expired"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let e = out
        .audio
        .download_to(dir.path().join("a.mp3"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::MediaExpired { .. }));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "no partial file left"
    );
}

#[tokio::test]
async fn budget_refuses_before_sending_and_tracks_actual_credits() {
    let mock = mock().await;
    let c = client_with(&mock, |b| b.budget(600));
    c.generate("fox")
        .model(Model::Flux2Pro)
        .num_images(2)
        .await
        .unwrap();
    assert_eq!(c.budget().unwrap().spent, 500);
    let e = c.generate("fox").model(Model::Flux2Pro).await.unwrap_err();
    assert!(
        matches!(e, Error::BudgetExceeded { remaining: 100, .. }),
        "{e:?}"
    );
    assert_eq!(
        hits(&mock, "/v1/generate"),
        1,
        "the refused request was not sent"
    );
    c.tts("hi").await.unwrap();
    assert_eq!(c.budget().unwrap().spent, 510);
    // A price that varies cannot be checked against a budget without a table.
    let e = c.generate("fox").model(Model::GptImage2).await.unwrap_err();
    assert!(
        matches!(&e, Error::BudgetExceeded { reason, .. } if reason.contains("PriceTable")),
        "{e:?}"
    );
}
