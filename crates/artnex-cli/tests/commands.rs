//! Every command of the built binary against a simulator on 127.0.0.1: `--json` output parsed and checked,
//! files decoded, credits compared with the simulator's ledger, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use artnex_mock::DEFAULT_KEY;
use support::{artnex, is_mp3, is_mp4, mock, png_info, run, run_json, run_json_lines, write_png};

fn file(doc: &serde_json::Value, i: usize) -> std::path::PathBuf {
    std::path::PathBuf::from(doc["files"][i].as_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_downloads_decodable_images_of_the_asked_size() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "generate",
        "a red fox",
        "-m",
        "flux-2-pro",
        "-n",
        "2",
        "--size",
        "320x200",
        "--out",
        "out",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["credits_used"], 500);
    assert_eq!(doc["estimate"], 500);
    assert_eq!(doc["files"].as_array().unwrap().len(), 2);
    for i in 0..2 {
        let path = dir.path().join(file(&doc, i));
        assert!(
            path.starts_with(dir.path().join("out")),
            "{}",
            path.display()
        );
        assert_eq!(path.extension().unwrap(), "png");
        assert_eq!(png_info(&path), (320, 200, false));
    }
    assert_eq!(mock.total_charged(DEFAULT_KEY), 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edit_upscale_and_remove_bg_from_a_local_file() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("in.png"), 96, 64);

    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "edit",
        "make it winter",
        "--image",
        "in.png",
        "-m",
        "nano-banana-edit",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["credits_used"], 240);
    assert_eq!(png_info(&dir.path().join(file(&doc, 0))).0, 96);

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "upscale", "--image", "in.png", "--scale", "3"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["credits_used"], 100);
    assert_eq!(png_info(&dir.path().join(file(&doc, 0))), (288, 192, false));

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "remove-bg", "--image", "in.png"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["credits_used"], 10);
    assert_eq!(png_info(&dir.path().join(file(&doc, 0))), (96, 64, true));
    assert_eq!(mock.total_charged(DEFAULT_KEY), 350);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tts_writes_an_mp3() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "tts",
        "Hello from the command line, this is a test sentence.",
        "-m",
        "kling-tts",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["credits_used"], 100);
    assert!(doc["duration_seconds"].as_f64().unwrap() > 0.5);
    let path = dir.path().join(file(&doc, 0));
    assert_eq!(path.extension().unwrap(), "mp3");
    assert!(is_mp3(&path));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_waits_and_downloads_then_no_wait_and_status_resume() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "video",
        "drone over mountains",
        "-m",
        "veo3-fast",
        "-d",
        "4",
        "--interval",
        "0.02",
    ]);
    // Two lines: the job as soon as it is accepted, then the result.
    let (code, docs, stderr) = run_json_lines(cmd).await;
    assert_eq!(code, 0, "{docs:?}");
    assert_eq!(docs.len(), 2, "{docs:?}");
    assert_eq!(docs[0]["event"], "submitted");
    let doc = &docs[1];
    assert_eq!(docs[0]["request_id"], doc["request_id"]);
    assert!(
        stderr.contains(doc["request_id"].as_str().unwrap()),
        "{stderr}"
    );
    assert_eq!(doc["credits_used"], 2000);
    assert!(is_mp4(&dir.path().join(file(doc, 0))));

    // --no-wait prints the id and leaves the job running; `status --wait` picks it up.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "video",
        "waves",
        "-m",
        "kling-v2.5-turbo-pro",
        "--no-wait",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["status"], "submitted");
    let id = doc["request_id"].as_str().unwrap().to_string();

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "status", &id]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["request_id"], id.as_str());

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "status", &id, "--wait", "--interval", "0.02"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["status"], "completed");
    assert_eq!(doc["credits_used"], 1500);
    assert!(is_mp4(&dir.path().join(file(&doc, 0))));
    // Each job charged once (the simulated clock may finish the second before anyone polls it).
    assert_eq!(mock.total_charged(DEFAULT_KEY), 2000 + 1500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_price_send_nothing() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "generate",
        "fox",
        "-m",
        "nano-banana-pro",
        "-n",
        "3",
        "--dry-run",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["estimate"], 2400);
    assert_eq!(doc["sent"], false);

    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "price",
        "video",
        "clip",
        "-m",
        "sora-2-pro",
        "-d",
        "12",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["estimate"], 6000);

    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "price",
        "generate",
        "fox",
        "-m",
        "gpt-image-2",
        "--resolution",
        "2k",
        "--quality",
        "high",
    ]);
    let out = run(cmd).await;
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("varies"));

    // A dry run also checks that a local image exists, since sending would read it.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["edit", "winter", "--image", "missing.png", "--dry-run"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`missing.png` not found"));
    write_png(&dir.path().join("there.png"), 8, 8);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["edit", "winter", "--image", "there.png", "--dry-run"]);
    assert_eq!(run(cmd).await.status.code(), Some(0));
    assert!(
        mock.requests().is_empty(),
        "nothing may reach the server: {:?}",
        mock.requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_tell_validation_from_api_errors() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();

    // Validation: nothing sent, exit 2, one line on stderr.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["generate", "fox", "-m", "veo3.1"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid request (nothing was sent)"),
        "{stderr}"
    );
    assert!(mock.requests().is_empty());

    // A bad flag value is a usage error.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["generate", "fox", "--quality", "ultra"]);
    assert_eq!(run(cmd).await.status.code(), Some(2));

    // 402 from the API: exit 3, typed JSON error, nothing charged.
    mock.set_balance(DEFAULT_KEY, 50);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "generate", "fox"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 3, "{doc}");
    assert_eq!(doc["error"]["kind"], "insufficient_credits");
    assert_eq!(doc["error"]["code"], "insufficient_credits");
    assert_eq!(mock.balance(DEFAULT_KEY), Some(50));

    // No key at all: exit 2 with what to do.
    let mut cmd = artnex(&mock, dir.path());
    cmd.env_remove("ARTNEX_API_KEY").args(["generate", "fox"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mock"));

    // A wrong key: 401, exit 3, and the key is not echoed.
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("ARTNEX_API_KEY", "sk-wrong-key-123")
        .args(["generate", "fox"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unauthorized") && !stderr.contains("sk-wrong-key-123"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_flag_needs_no_key_or_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_artnex"));
    cmd.env_clear()
        .current_dir(dir.path())
        .args(["--mock", "--json", "tts", "offline hello"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert!(is_mp3(&dir.path().join(file(&doc, 0))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_json_lists_the_catalogue() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "models", "--kind", "video"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0);
    let models = doc.as_array().unwrap();
    assert_eq!(models.len(), 13);
    let veo = models.iter().find(|m| m["id"] == "veo3.1").unwrap();
    assert_eq!(veo["credits"], 3000);
    assert_eq!(veo["durations"], serde_json::json!([4, 6, 8]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_through_the_openai_compatible_api() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let images = |args: &[&str]| {
        let mut cmd = artnex(&mock, dir.path());
        cmd.env("ARTAPI_KEY", artnex_mock::DEFAULT_ARTAPI_KEY)
            .env("ARTAPI_BASE_URL", mock.artapi_base_url())
            .args(["--json", "images"])
            .args(args);
        cmd
    };

    // URLs, downloaded.
    let (code, doc) = run_json(images(&[
        "a logo", "-n", "2", "--size", "512x512", "--style", "natural",
    ]))
    .await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["files"].as_array().unwrap().len(), 2);
    assert!(
        doc["urls"][0]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1")
    );
    assert!(
        doc["revised_prompts"][0]
            .as_str()
            .unwrap()
            .contains("a logo")
    );
    assert_eq!(png_info(&dir.path().join(file(&doc, 1))), (512, 512, false));

    // Base64, decoded.
    let (code, doc) = run_json(images(&[
        "a logo",
        "--response-format",
        "b64_json",
        "--quality",
        "hd",
        "--size",
        "256x256",
    ]))
    .await;
    assert_eq!(code, 0, "{doc}");
    assert!(doc["urls"][0].is_null());
    assert_eq!(png_info(&dir.path().join(file(&doc, 0))), (256, 256, false));

    // The server's own errors, typed, exit 3.
    let (code, doc) = run_json(images(&["a logo", "-m", "no-such-model"])).await;
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (3, Some("model_not_found")),
        "{doc}"
    );
    let (code, doc) = run_json(images(&["a logo", "--size", "123x45"])).await;
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (3, Some("invalid_size")),
        "{doc}"
    );

    // A prompt limit the docs do not state is the server's call: it answers (and charges nothing).
    let long = "x".repeat(4001);
    let (code, doc) = run_json(images(&[long.as_str()])).await;
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (3, Some("prompt_too_long")),
        "{doc}"
    );

    // Refused locally: exit 2 and nothing sent.
    let before = mock.requests().len();
    let (code, _) = run_json(images(&["a logo", "-n", "11"])).await;
    assert_eq!(code, 2);
    let (code, _) = run_json(images(&["a logo", "--style", "baroque"])).await;
    assert_eq!(code, 2);
    assert_eq!(mock.requests().len(), before);

    // --dry-run shows the exact body and sends nothing.
    let (code, doc) = run_json(images(&[
        "a logo",
        "-n",
        "2",
        "--quality",
        "hd",
        "--dry-run",
    ]))
    .await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["body"],
        serde_json::json!({"model": "flux-dev", "prompt": "a logo", "n": 2, "quality": "hd"})
    );
    assert_eq!(mock.requests().len(), before);

    // The Artnex key is not an ArtAPI key.
    let mut cmd = images(&["a logo"]);
    cmd.env("ARTAPI_KEY", DEFAULT_KEY);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(
        (code, doc["error"]["kind"].as_str()),
        (3, Some("unauthorized")),
        "{doc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_refuses_mock_and_its_dry_run_sends_nothing() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();

    // --mock cannot know any job id: a usage error that says what to do instead.
    for args in [
        vec!["--mock", "status", "req_abc"],
        vec!["--mock", "status", "req_abc", "--wait"],
    ] {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("embedded simulator")
                && stderr.contains("artnex-mock")
                && stderr.contains("--base-url"),
            "{stderr}"
        );
    }
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "--mock", "status", "req_abc"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!((code, doc["error"]["kind"].as_str()), (2, Some("usage")));

    // --dry-run: nothing is sent, and the answer is that polls are free.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "status", "req_abc", "--wait", "--dry-run"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["sent"], false);
    assert_eq!(doc["estimate"], 0);
    assert_eq!(doc["request_id"], "req_abc");
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["status", "req_abc", "--dry-run"]);
    let out = run(cmd).await;
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cost no credits (nothing sent)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());

    // `video --no-wait` on the embedded simulator does not suggest a `status` that cannot work.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--mock", "video", "waves", "--no-wait"]);
    let out = run(cmd).await;
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot be resumed") && !stderr.contains("artnex status"),
        "{stderr}"
    );
}
