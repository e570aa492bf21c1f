//! Every request field, end to end against the simulator: what comes back, what is charged, what lands on
//! disk.

use std::time::Duration;

use artnex::media::MediaFormat;
use artnex::openai::{Quality, ResponseFormat, Style};

use crate::{KEY, assert_no_double_charge, charges, client, hits, mock, png_size};

#[tokio::test]
async fn model_and_prompt_only_use_the_server_defaults() {
    let mock = mock().await;
    let c = client(&mock);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = c
        .generate("a lighthouse at dawn")
        .model("flux-dev")
        .await
        .unwrap();
    assert_eq!(out.data.len(), 1, "n defaults to 1");
    assert!(
        out.created.unwrap() >= before - 60,
        "created is a Unix timestamp"
    );
    let image = &out.data[0];
    let url = image.image.url().expect("response_format defaults to url");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(image.image.inline_bytes().is_none() && image.image.format().is_none());
    // Default style is vivid; revised_prompt is filled.
    let revised = image.revised_prompt.as_deref().unwrap();
    assert!(
        revised.starts_with("a lighthouse at dawn") && revised.contains("vivid"),
        "{revised}"
    );
    // A real image at the URL, at the model's default size (flux-dev: 1024x1024).
    let bytes = image.image.bytes().await.unwrap();
    assert_eq!(MediaFormat::sniff(&bytes), Some(MediaFormat::Png));
    assert_eq!(png_size(&bytes), (1024, 1024));
    // Charged once at the standard price (flux-dev: 25 credits).
    let charged = charges(&mock, KEY);
    assert_eq!(charged.len(), 1);
    assert_eq!(charged[0].credits, 25);
    assert_eq!(hits(&mock, KEY), 1);
}

#[tokio::test]
async fn n_generates_that_many_images_and_each_is_charged() {
    let mock = mock().await;
    let c = client(&mock);
    let out = c
        .generate("a red fox")
        .model("flux-schnell")
        .n(3)
        .size(256, 256)
        .await
        .unwrap();
    assert_eq!(out.data.len(), 3);
    let urls: std::collections::BTreeSet<&str> =
        out.data.iter().filter_map(|i| i.image.url()).collect();
    assert_eq!(urls.len(), 3, "three distinct images");
    assert_eq!(mock.total_charged(KEY), 3 * 10);
    let max = c
        .generate("a red fox")
        .model("flux-schnell")
        .n(10)
        .size(256, 256)
        .await
        .unwrap();
    assert_eq!(max.data.len(), 10);
    assert_eq!(mock.total_charged(KEY), 3 * 10 + 10 * 10);
    assert_eq!(charges(&mock, KEY).len(), 2, "one charge per request");
    assert_no_double_charge(&mock, KEY);
}

#[tokio::test]
async fn size_is_honoured_for_urls_and_for_b64() {
    let mock = mock().await;
    let c = client(&mock);
    for (w, h) in [(512, 512), (1792, 1024), (1024, 1792)] {
        let out = c
            .generate("a wide landscape")
            .model("flux-dev")
            .size(w, h)
            .await
            .unwrap();
        assert_eq!(png_size(&out.data[0].image.bytes().await.unwrap()), (w, h));
    }
    let out = c
        .generate("a wide landscape")
        .model("flux-dev")
        .size(256, 256)
        .response_format(ResponseFormat::B64Json)
        .await
        .unwrap();
    assert_eq!(
        png_size(out.data[0].image.inline_bytes().unwrap()),
        (256, 256)
    );
    assert_eq!(charges(&mock, KEY).len(), 4);
    assert_no_double_charge(&mock, KEY);
}

#[tokio::test]
async fn quality_sets_the_price() {
    let mock = mock().await;
    let c = client(&mock);
    c.generate("a fox")
        .model("flux-pro")
        .quality(Quality::Standard)
        .size(256, 256)
        .await
        .unwrap();
    c.generate("a fox")
        .model("flux-pro")
        .quality(Quality::Hd)
        .size(256, 256)
        .n(2)
        .await
        .unwrap();
    let credits: Vec<u64> = charges(&mock, KEY).iter().map(|c| c.credits).collect();
    assert_eq!(credits, vec![50, 2 * 100], "flux-pro: 50 standard, 100 hd");
}

#[tokio::test]
async fn b64_json_is_a_real_png_of_the_requested_size_decoded_once() {
    let mock = mock().await;
    // Durable saves (flushed to storage with the directory entry) write the same files.
    let c = crate::client_with(&mock, KEY, |b| b.durable_downloads(true));
    let out = c
        .generate("a small icon")
        .model("flux-schnell")
        .n(2)
        .size(512, 512)
        .response_format(ResponseFormat::B64Json)
        .await
        .unwrap();
    assert_eq!(out.data.len(), 2);
    let dir = tempfile::tempdir().unwrap();
    for (i, image) in out.data.iter().enumerate() {
        assert!(image.image.url().is_none() && image.image.inline_bytes().is_some());
        assert_eq!(image.image.format(), Some(MediaFormat::Png));
        let bytes = image.image.inline_bytes().unwrap().clone();
        assert_eq!(png_size(&bytes), (512, 512), "decodes as a whole PNG");
        assert_eq!(
            image.image.bytes().await.unwrap(),
            bytes,
            "no second decode"
        );
        assert!(
            image
                .revised_prompt
                .as_deref()
                .unwrap()
                .contains("a small icon")
        );
        // The extension comes from the bytes.
        let saved = image
            .image
            .save_to_dir(dir.path(), &format!("icon-{i}"))
            .await
            .unwrap();
        assert_eq!(saved.path, dir.path().join(format!("icon-{i}.png")));
        assert_eq!(saved.format, Some(MediaFormat::Png));
        assert_eq!(saved.bytes, bytes.len() as u64);
        assert_eq!(std::fs::read(&saved.path).unwrap(), bytes);
    }
    // write_to writes exactly the path asked for, whatever its extension.
    let exact = dir.path().join("named.jpg");
    let w = out.data[0].image.download_to(&exact).await.unwrap();
    assert_eq!(
        (w.path.as_path(), w.format),
        (exact.as_path(), Some(MediaFormat::Png))
    );
    // save_all numbers the files; no temporary file is left behind.
    let all = out.save_all(dir.path(), "batch").await.unwrap();
    assert_eq!(all[1].path, dir.path().join("batch-1.png"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(mock.total_charged(KEY), 2 * 10);
}

#[tokio::test]
async fn url_outputs_download_stream_and_name_themselves() {
    let mock = mock().await;
    let c = client(&mock);
    let out = c
        .generate("a tiny square")
        .model("flux-schnell")
        .size(256, 256)
        .response_format(ResponseFormat::Url)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let saved = out.data[0]
        .image
        .save_to_dir(dir.path(), "square")
        .await
        .unwrap();
    assert_eq!(saved.path, dir.path().join("square.png"));
    assert_eq!(png_size(&std::fs::read(&saved.path).unwrap()), (256, 256));
    let exact = out.data[0]
        .image
        .download_to(dir.path().join("exact.bin"))
        .await
        .unwrap();
    assert_eq!(exact.format, Some(MediaFormat::Png));
    // The same URL through the client's media helper.
    let again = c
        .media(out.data[0].image.url().unwrap())
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&again), (256, 256));
    // URLs expire after 24 hours.
    mock.advance(Duration::from_secs(25 * 3600));
    let e = out.data[0].image.bytes().await.unwrap_err();
    assert!(matches!(e, artnex::Error::MediaExpired { .. }), "{e:?}");
    assert_eq!(charges(&mock, KEY).len(), 1, "downloads are free");
}

#[tokio::test]
async fn style_reaches_the_model() {
    let mock = mock().await;
    let c = client(&mock);
    for (style, marker) in [(Style::Natural, "natural"), (Style::Vivid, "vivid")] {
        let out = c
            .generate("a mountain lake")
            .model("flux-schnell")
            .size(256, 256)
            .style(style)
            .await
            .unwrap();
        let revised = out.data[0].revised_prompt.as_deref().unwrap();
        assert!(revised.contains(marker), "{style}: {revised}");
    }
}

#[tokio::test]
async fn every_field_at_once() {
    let mock = mock().await;
    let c = client(&mock);
    let request = c
        .generate("a minimalist logo for a tech startup, flat design, blue tones")
        .model("flux-dev")
        .n(2)
        .size(1024, 1024)
        .quality(Quality::Hd)
        .response_format(ResponseFormat::B64Json)
        .style(Style::Natural);
    let out = request.clone().await.unwrap();
    assert_eq!(out.data.len(), 2);
    for image in &out.data {
        assert_eq!(png_size(image.image.inline_bytes().unwrap()), (1024, 1024));
        assert!(image.revised_prompt.as_deref().unwrap().contains("natural"));
    }
    assert_eq!(mock.total_charged(KEY), 2 * 50);
    // A request builder is a value: sending a clone again is a new, separately charged request.
    request.await.unwrap();
    assert_eq!(charges(&mock, KEY).len(), 2);
    assert_no_double_charge(&mock, KEY);
}

#[tokio::test]
async fn the_default_model_is_used_when_the_request_has_none() {
    let mock = mock().await;
    let c = crate::client_with(&mock, KEY, |b| b.default_model("flux-schnell"));
    c.generate("a fox").size(256, 256).await.unwrap();
    assert_eq!(charges(&mock, KEY)[0].credits, 10, "flux-schnell's price");
}
