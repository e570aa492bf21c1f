//! Real media behind every URL: PNGs of the right size (and alpha), MP3 frames, MP4 boxes; URL expiry.

use std::time::Duration;

use serde_json::json;

use crate::support::{KEY, Mock, builder, data_uri, media};

#[tokio::test]
async fn generated_images_have_the_requested_size_and_are_distinct() {
    let mock = Mock::start().await;
    let r = mock
        .post(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "a fox", "model": "flux-2-pro", "width": 320, "height": 200, "num_images": 3}),
        )
        .await;
    r.expect(200);
    let urls: Vec<String> = r.body["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["url"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(urls.len(), 3);
    let mut files = Vec::new();
    for url in &urls {
        assert!(url.starts_with(&mock.server.base_url()), "{url}");
        let f = mock.download(url).await;
        f.expect(200);
        assert_eq!(f.header("content-type"), Some("image/png"));
        assert_eq!(
            f.header("content-length")
                .map(|l| l.parse::<usize>().unwrap()),
            Some(f.bytes.len())
        );
        let png = media::decode_png(&f.bytes);
        assert_eq!((png.width, png.height), (320, 200));
        assert_eq!(png.color, png::ColorType::Rgb);
        files.push(f.bytes);
    }
    assert_ne!(files[0], files[1]);
    assert_ne!(files[1], files[2]);
    // Rendering is deterministic: the same URL gives the same bytes.
    assert_eq!(mock.download(&urls[0]).await.bytes, files[0]);
}

#[tokio::test]
async fn large_images_stream_and_decode() {
    let mock = Mock::start().await;
    let r = mock
        .post(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "wide", "model": "z-image-turbo", "width": 2048, "height": 600}),
        )
        .await;
    let f = mock
        .download(r.body["images"][0]["url"].as_str().unwrap())
        .await;
    let png = media::decode_png(&f.bytes);
    assert_eq!((png.width, png.height), (2048, 600));
}

#[tokio::test]
async fn gpt_image_2_renders_at_its_resolution_tier_by_default() {
    let mock = Mock::start().await;
    let r = mock
        .post(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "p", "model": "gpt-image-2", "resolution": "2k", "quality": "low"}),
        )
        .await;
    let f = mock
        .download(r.body["images"][0]["url"].as_str().unwrap())
        .await;
    let png = media::decode_png(&f.bytes);
    assert_eq!((png.width, png.height), (2048, 2048));
}

#[tokio::test]
async fn edits_follow_the_input_image() {
    let mock = Mock::start().await;
    let input = data_uri("image/png", &media::solid_png(50, 40, [230, 20, 20]));
    let r = mock
        .post(
            "/v1/edit",
            Some(KEY),
            &json!({"prompt": "brighter", "model": "nano-banana-edit", "image": input}),
        )
        .await;
    r.expect(200);
    let url = r.body["images"][0]["url"].as_str().unwrap();
    let png = media::decode_png(&mock.download(url).await.bytes);
    assert_eq!((png.width, png.height), (50, 40));
    // Still mostly red: derived from the input (tinted by 25 %).
    let p = png.pixel(25, 20);
    assert!(p[0] > p[1] && p[0] > p[2], "{p:?}");
    // A URL input (never fetched) gives a 1024x1024 result.
    let r = mock
        .post(
            "/v1/edit",
            Some(KEY),
            &json!({"prompt": "x", "model": "seedream-edit", "image": "https://example.com/p.jpg"}),
        )
        .await;
    let png = media::decode_png(
        &mock
            .download(r.body["images"][0]["url"].as_str().unwrap())
            .await
            .bytes,
    );
    assert_eq!((png.width, png.height), (1024, 1024));
}

#[tokio::test]
async fn upscale_multiplies_the_dimensions() {
    let mock = Mock::start().await;
    let input = data_uri("image/png", &media::solid_png(40, 30, [10, 200, 10]));
    let cases = [
        (json!({"image": input, "scale": 2.5}), (100, 75)),
        (json!({"image": input}), (80, 60)),
        (
            json!({"image": "https://example.com/p.jpg", "scale": 3}),
            (1536, 1536),
        ),
    ];
    for (body, size) in cases {
        let r = mock.post("/v1/upscale", Some(KEY), &body).await;
        r.expect(200);
        let f = mock.download(r.body["image_url"].as_str().unwrap()).await;
        assert_eq!(f.header("content-type"), Some("image/png"));
        let png = media::decode_png(&f.bytes);
        assert_eq!((png.width, png.height), size);
        let p = png.pixel(size.0 / 2, size.1 / 2);
        if body["image"].as_str().unwrap().starts_with("data:") {
            assert!(p[1] > p[0] && p[1] > p[2], "green input stays green: {p:?}");
        }
    }
    // The output may be at most 16384 pixels per side (the simulator's limit): 2100 x 8 is over.
    let big = data_uri("image/png", &media::solid_png(2100, 10, [0, 0, 0]));
    mock.post("/v1/upscale", Some(KEY), &json!({"image": big, "scale": 8}))
        .await
        .expect_error(400, "invalid_scale");
}

#[tokio::test]
async fn remove_bg_returns_a_transparent_png() {
    let mock = Mock::start().await;
    let input = data_uri("image/png", &media::solid_png(60, 80, [20, 20, 220]));
    for image in [input.as_str(), "https://example.com/product.jpg"] {
        let r = mock
            .post("/v1/remove-bg", Some(KEY), &json!({"image": image}))
            .await;
        r.expect(200);
        assert_eq!(r.body["credits_used"], 10);
        let png = media::decode_png(
            &mock
                .download(r.body["image_url"].as_str().unwrap())
                .await
                .bytes,
        );
        assert_eq!(png.color, png::ColorType::Rgba);
        assert_eq!(png.pixel(0, 0)[3], 0, "corners are transparent");
        assert_eq!(png.pixel(png.width - 1, png.height - 1)[3], 0);
        assert_eq!(
            png.pixel(png.width / 2, png.height / 2)[3],
            255,
            "the subject is opaque"
        );
    }
    let r = mock
        .post("/v1/remove-bg", Some(KEY), &json!({"image": input}))
        .await;
    let png = media::decode_png(
        &mock
            .download(r.body["image_url"].as_str().unwrap())
            .await
            .bytes,
    );
    assert_eq!((png.width, png.height), (60, 80));
    let centre = png.pixel(30, 40);
    assert!(
        centre[2] > 150,
        "the subject keeps the input's colour: {centre:?}"
    );
}

#[tokio::test]
async fn tts_is_a_valid_mp3_whose_length_matches_and_grows() {
    let mock = Mock::start().await;
    let mut last = 0.0;
    let longest = "a".repeat(artnex_facts::TEXT_TO_SPEECH_TEXT_MAX_CHARS.value);
    for text in ["Hi.", &"Welcome to Artnex. ".repeat(10), &longest] {
        let r = mock
            .post(
                "/v1/tts",
                Some(KEY),
                &json!({"text": text, "voice_id": "adam"}),
            )
            .await;
        r.expect(200);
        let duration = r.body["duration_seconds"].as_f64().unwrap();
        assert!(duration >= 1.0);
        assert!(duration > last, "{duration} after {last}");
        last = duration;
        let f = mock.download(r.body["audio_url"].as_str().unwrap()).await;
        assert_eq!(f.header("content-type"), Some("audio/mpeg"));
        assert_eq!(
            f.header("content-length")
                .map(|l| l.parse::<usize>().unwrap()),
            Some(f.bytes.len())
        );
        let frames = media::mp3_frames(&f.bytes);
        assert_eq!(f64::from(frames) * 1152.0 / 44100.0, duration);
        // ffmpeg decodes it to exactly the reported duration.
        let samples = media::decoded_audio_samples(&f.bytes);
        assert_eq!(samples, u64::from(frames) * 1152);
        assert_eq!(samples as f64 / 44100.0, duration);
    }
    // Voices: names in any letter case, and ElevenLabs voice ids (20 letters and digits) on tts-elevenlabs.
    for voice in [
        "Rachel",
        "JOSH",
        "21m00Tcm4TlvDq8ikWAM",
        "pNInz6obpgDQGcFmaJgB",
    ] {
        mock.post(
            "/v1/tts",
            Some(KEY),
            &json!({"text": "x", "model": "tts-elevenlabs", "voice_id": voice}),
        )
        .await
        .expect(200);
    }
    for (model, voice) in [
        ("tts-elevenlabs", "21m00Tcm4TlvDq8ikWA"),
        ("tts-elevenlabs", "21m00Tcm4TlvDq8ikWAM1"),
        ("tts-elevenlabs", "21m00Tcm4TlvDq8ik-AM"),
        ("kling-tts", "21m00Tcm4TlvDq8ikWAM"),
    ] {
        mock.post(
            "/v1/tts",
            Some(KEY),
            &json!({"text": "x", "model": model, "voice_id": voice}),
        )
        .await
        .expect_error(400, "invalid_voice");
    }
    // Voices per model.
    let r = mock
        .post(
            "/v1/tts",
            Some(KEY),
            &json!({"text": "x", "model": "kling-tts", "voice_id": "kling-narrator"}),
        )
        .await;
    r.expect(200);
    mock.post(
        "/v1/tts",
        Some(KEY),
        &json!({"text": "x", "model": "kling-tts", "voice_id": "adam"}),
    )
    .await
    .expect_error(400, "invalid_voice");
}

/// Submits a video job, lets it finish, and downloads the file.
async fn finished_video(mock: &Mock, body: serde_json::Value) -> bytes::Bytes {
    let r = mock.post("/v1/video", Some(KEY), &body).await;
    r.expect(200);
    let id = r.body["request_id"].as_str().unwrap().to_string();
    mock.server.advance(Duration::from_secs(3600));
    let r = mock.get(&format!("/v1/video/{id}"), Some(KEY)).await;
    assert_eq!(r.body["status"], "completed", "{}", r.body);
    let f = mock.download(r.body["video_url"].as_str().unwrap()).await;
    f.expect(200);
    assert_eq!(f.header("content-type"), Some("video/mp4"));
    assert_eq!(
        f.header("content-length")
            .map(|l| l.parse::<usize>().unwrap()),
        Some(f.bytes.len())
    );
    f.bytes
}

#[tokio::test]
async fn videos_are_h264_that_ffmpeg_decodes_frame_by_frame() {
    let mock = Mock::start().await;
    // (model, aspect ratio, duration, presentation size, coded size)
    let cases = [
        ("veo3.1", "16:9", 8u32, (1280, 720), (160, 90)),
        ("sora-2", "9:16", 4, (720, 1280), (90, 160)),
        ("kling-v2.5-turbo-pro", "1:1", 5, (720, 720), (90, 90)),
    ];
    for (model, ratio, seconds, shown, coded) in cases {
        let bytes = finished_video(
            &mock,
            json!({"prompt": "a paper boat", "model": model, "aspect_ratio": ratio, "duration": seconds}),
        )
        .await;
        let facts = media::check_mp4(&bytes);
        assert_eq!(facts.duration_seconds, f64::from(seconds));
        assert_eq!(
            (facts.width, facts.height),
            shown,
            "{model}: presentation size"
        );
        let probe = media::probe_video(&bytes);
        assert_eq!(probe.codec, "h264", "{model}: {probe:?}");
        assert_eq!(probe.profile, "Constrained Baseline", "{model}: {probe:?}");
        assert_eq!((probe.width, probe.height), coded, "{model}: coded size");
        assert_eq!(
            probe.frames,
            u64::from(seconds) * 8,
            "{model}: 8 frames a second"
        );
        assert_eq!(probe.duration_seconds, f64::from(seconds), "{model}");
    }
}

#[tokio::test]
async fn video_frames_move_and_follow_the_prompt() {
    let mock = Mock::start().await;
    let body = |prompt: &str| json!({"prompt": prompt, "model": "veo3-fast", "duration": 4});
    let fox = finished_video(&mock, body("a red fox in the snow")).await;
    let again = finished_video(&mock, body("a red fox in the snow")).await;
    let sea = finished_video(&mock, body("waves on a grey sea")).await;
    let first = media::video_frame_rgb(&fox, 0);
    assert_eq!(first.len(), 160 * 90 * 3);
    // Motion: a later frame differs from the first.
    assert_ne!(media::video_frame_rgb(&fox, 20), first);
    // The same prompt renders the same pictures; another prompt other colours.
    assert_eq!(media::video_frame_rgb(&again, 0), first);
    assert_ne!(media::video_frame_rgb(&sea, 0), first);
}

#[tokio::test]
async fn video_padding_adds_a_free_box() {
    let mock = Mock::with(builder().video_padding_bytes(3 * 1024 * 1024 + 17)).await;
    let r = mock
        .post(
            "/v1/video",
            Some(KEY),
            &json!({"prompt": "x", "model": "veo3-fast"}),
        )
        .await;
    let id = r.body["request_id"].as_str().unwrap();
    mock.server.advance(Duration::from_secs(3600));
    let r = mock.get(&format!("/v1/video/{id}"), Some(KEY)).await;
    let f = mock.download(r.body["video_url"].as_str().unwrap()).await;
    assert_eq!(
        f.header("content-length")
            .map(|l| l.parse::<usize>().unwrap()),
        Some(f.bytes.len())
    );
    let facts = media::check_mp4(&f.bytes);
    assert_eq!(facts.top, ["ftyp", "moov", "mdat", "free"]);
    assert!(f.bytes.len() > 3 * 1024 * 1024 + 17);
    // Still a playable video.
    let probe = media::probe_video(&f.bytes);
    assert_eq!((probe.codec.as_str(), probe.frames), ("h264", 4 * 8));
}

#[tokio::test]
async fn urls_expire_after_24_simulated_hours() {
    let mock = Mock::start().await;
    let generated = mock
        .post(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64}),
        )
        .await;
    let image = generated.body["images"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let tts = mock.post("/v1/tts", Some(KEY), &json!({"text": "x"})).await;
    let audio = tts.body["audio_url"].as_str().unwrap().to_string();
    let job = mock
        .post(
            "/v1/video",
            Some(KEY),
            &json!({"prompt": "x", "model": "veo3-fast"}),
        )
        .await;
    let id = job.body["request_id"].as_str().unwrap().to_string();
    // The video (veo3-fast, 4 s clip) completes 44 s x 2/3 = 29.3 s in; its URL lives 24 h from then.
    mock.server.advance(Duration::from_secs(60));
    let video = mock.get(&format!("/v1/video/{id}"), Some(KEY)).await.body["video_url"]
        .as_str()
        .unwrap()
        .to_string();
    for url in [&image, &audio, &video] {
        mock.download(url).await.expect(200);
    }
    mock.server.advance(Duration::from_secs(24 * 3600 - 60));
    for url in [&image, &audio] {
        let r = mock.download(url).await;
        r.expect(404);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body["success"], false);
    }
    mock.download(&video).await.expect(200);
    mock.server.advance(Duration::from_secs(60));
    mock.download(&video).await.expect(404);
}

#[tokio::test]
async fn unknown_media_is_404_json() {
    let mock = Mock::start().await;
    for path in [
        "/cdn/gen/req_nothing/image_0.png",
        "/cdn/video/req_nothing/video.mp4",
        "/cdn/tts/req_nothing/audio.mp3",
        "/cdn/gen/../../etc/passwd",
    ] {
        let r = mock.download(path).await;
        assert_eq!(r.status, 404, "{path}");
    }
    // The right id under the wrong kind, or a file index out of range.
    let generated = mock
        .post(
            "/v1/generate",
            Some(KEY),
            &json!({"prompt": "x", "model": "z-image-turbo", "width": 64, "height": 64}),
        )
        .await;
    let url = generated.body["images"][0]["url"].as_str().unwrap();
    mock.download(&url.replace("/gen/", "/edit/"))
        .await
        .expect(404);
    mock.download(&url.replace("image_0", "image_1"))
        .await
        .expect(404);
}

/// The channel (0 red, 1 green, 2 blue) that dominates a pixel by a clear margin, if any.
fn dominant(p: &[u8]) -> Option<usize> {
    (0..3).find(|&c| (0..3).all(|o| o == c || u16::from(p[c]) > u16::from(p[o]) + 60))
}

#[tokio::test]
async fn edits_and_upscales_follow_jpeg_and_webp_inputs() {
    let mock = Mock::start().await;
    let inputs = [
        ("image/jpeg", media::solid_jpeg(48, 36, [240, 10, 10]), 0),
        ("image/jpeg", media::solid_jpeg(48, 36, [10, 10, 240]), 2),
        ("image/webp", media::solid_webp(48, 36, [10, 240, 10]), 1),
    ];
    for (mime, bytes, channel) in inputs {
        let input = data_uri(mime, &bytes);
        let edit = mock
            .post(
                "/v1/edit",
                Some(KEY),
                &json!({"prompt": "x", "model": "nano-banana-edit", "image": input}),
            )
            .await;
        edit.expect(200);
        let up = mock
            .post(
                "/v1/upscale",
                Some(KEY),
                &json!({"image": input, "scale": 2}),
            )
            .await;
        up.expect(200);
        for (url, size) in [
            (edit.body["images"][0]["url"].as_str().unwrap(), (48, 36)),
            (up.body["image_url"].as_str().unwrap(), (96, 72)),
        ] {
            let png = media::decode_png(&mock.download(url).await.bytes);
            assert_eq!((png.width, png.height), size, "{mime} {url}");
            for (fx, fy) in [(1, 1), (2, 2), (3, 3), (1, 3)] {
                let p = png.pixel(size.0 * fx / 4, size.1 * fy / 4);
                assert_eq!(
                    dominant(p),
                    Some(channel),
                    "{mime} {url} at {fx}/4,{fy}/4: {p:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn corrupt_jpeg_data_is_a_400_not_a_5xx() {
    let mock = Mock::start().await;
    // A real JPEG with every Huffman table removed: the header (and size) parse, the pixels cannot.
    let good = media::solid_jpeg(40, 30, [200, 30, 30]);
    let mut bad = Vec::new();
    let mut i = 0;
    while i < good.len() {
        if i + 3 < good.len() && good[i] == 0xFF && good[i + 1] == 0xC4 {
            i += 2 + usize::from(u16::from_be_bytes([good[i + 2], good[i + 3]]));
        } else {
            bad.push(good[i]);
            i += 1;
        }
    }
    assert!(bad.len() < good.len());
    let input = data_uri("image/jpeg", &bad);
    mock.post(
        "/v1/edit",
        Some(KEY),
        &json!({"prompt": "x", "model": "nano-banana-edit", "image": input}),
    )
    .await
    .expect_error(400, "invalid_image_format");
    mock.post("/v1/upscale", Some(KEY), &json!({"image": input}))
        .await
        .expect_error(400, "invalid_image_format");
    // Random bytes after a JPEG signature: also 400.
    let mut noise = vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00];
    noise.extend((0..400u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    mock.post(
        "/v1/upscale",
        Some(KEY),
        &json!({"image": data_uri("image/jpeg", &noise)}),
    )
    .await
    .expect_error(400, "invalid_image_format");
    assert_eq!(mock.server.total_charged(KEY), 0);
}
