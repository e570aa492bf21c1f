//! The CLI's promises about credits and results, end to end against the simulator: paid results are
//! never lost or replaced, mistakes are caught before a request is sent, and every message speaks in the
//! CLI's terms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch_support;
mod support;

use artnex_mock::{DEFAULT_KEY, Fault, FaultKind};
use batch_support::{json_lines, posts, write_batch};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use support::{artnex, mock, png_info, run, run_json, write_png};

fn files_of(doc: &Value) -> Vec<PathBuf> {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// SDK words that must never reach a user of the CLI.
const SDK_WORDS: [&str; 6] = [
    "PriceTable",
    ".api_key(",
    ".image(",
    "VideoMode::",
    "client.video_job",
    "Client::builder",
];

fn assert_cli_terms(text: &str) {
    for word in SDK_WORDS {
        assert!(!text.contains(word), "`{word}` in: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_without_a_server_request_id_get_distinct_names_and_nothing_is_replaced() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // The OpenAI-compatible images API sends no request id: two runs at once (same second) used to
    // write the same `images-<created>.png`.
    let images = || {
        let mut cmd = artnex(&mock, dir.path());
        cmd.env("ARTAPI_KEY", artnex_mock::DEFAULT_ARTAPI_KEY)
            .env("ARTAPI_BASE_URL", mock.artapi_base_url())
            .args(["--json", "images", "a logo", "--size", "256x256"]);
        cmd
    };
    let (a, b) = tokio::join!(run_json(images()), run_json(images()));
    let mut names = Vec::new();
    for (code, doc) in [a, b] {
        assert_eq!(code, 0, "{doc}");
        for f in files_of(&doc) {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with("images-local-"), "{name}");
            assert_eq!(png_info(&dir.path().join(&f)).0, 256);
            names.push(name);
        }
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 2, "two paid images, two files: {names:?}");
    let on_disk = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".png")
        })
        .count();
    assert_eq!(on_disk, 2);

    // The same job fetched twice (`status --wait`) keeps the first file and names the second `-2`.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "video", "waves", "--no-wait"]);
    let (_, doc) = run_json(cmd).await;
    let id = doc["request_id"].as_str().unwrap().to_string();
    let mut saved = Vec::new();
    for _ in 0..2 {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["--json", "status", &id, "--wait", "--interval", "0.02"]);
        let (code, doc) = run_json(cmd).await;
        assert_eq!(code, 0, "{doc}");
        saved.push(
            files_of(&doc)[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    assert_eq!(
        saved,
        [format!("video-{id}.mp4"), format!("video-{id}-2.mp4")]
    );
    assert!(dir.path().join(&saved[0]).is_file() && dir.path().join(&saved[1]).is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_download_after_a_charge_reports_the_charge_and_how_to_fetch_again() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // The CDN fails every download; the request itself succeeds and is charged.
    mock.inject(Fault::new(FaultKind::ServerError).on_path("/cdn/*"));
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "generate",
        "a fox",
        "-m",
        "flux-2-pro",
        "-o",
        "out",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 6, "{doc}");
    assert_eq!(mock.total_charged(DEFAULT_KEY), 250);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["credits_used"], 250);
    assert_eq!(doc["error"]["kind"], "not_saved");
    assert_eq!(doc["error"]["may_have_been_processed"], true);
    let request_id = doc["request_id"].as_str().unwrap();
    assert!(request_id.starts_with("req_"), "{doc}");
    assert_eq!(doc["error"]["request_id"], request_id);
    let url = doc["urls"][0].as_str().unwrap().to_string();
    let fetch = doc["fetch_again"].as_str().unwrap();
    assert!(
        fetch.starts_with("artnex download ") && fetch.contains(&url),
        "{fetch}"
    );

    // The same in words.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["generate", "a fox", "-m", "flux-2-pro", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(6));
    let err = stderr(&out);
    assert!(
        err.contains("charged (250 credits, request id req_")
            && err.contains("/cdn/")
            && err.contains("artnex download"),
        "{err}"
    );
    assert_cli_terms(&err);

    // Fetched again, free, once the CDN is back.
    mock.clear_faults();
    let charged = mock.total_charged(DEFAULT_KEY);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "download", &url, "-o", "out"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    let saved = dir.path().join(&files_of(&doc)[0]);
    assert!(
        saved.starts_with(dir.path().join("out")),
        "{}",
        saved.display()
    );
    assert!(png_info(&saved).0 > 0);
    assert_eq!(mock.total_charged(DEFAULT_KEY), charged);
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_directory_that_cannot_take_files_is_found_before_sending() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // /proc exists and is a directory, and no one (not even root) can create a file in it.
    for (out, expected) in [
        ("/proc", "cannot write to the output directory"),
        ("f.png", "is a file"),
    ] {
        std::fs::write(dir.path().join("f.png"), b"x").unwrap();
        for args in [
            vec!["generate", "a fox"],
            vec!["video", "waves", "--no-wait"],
            vec!["batch", "jobs.jsonl"],
        ] {
            write_batch(
                &dir.path().join("jobs.jsonl"),
                &[r#"{"op":"tts","text":"hi"}"#],
            );
            let mut cmd = artnex(&mock, dir.path());
            cmd.args(&args).args(["-o", out]);
            let o = run(cmd).await;
            assert_eq!(
                o.status.code(),
                Some(2),
                "{args:?} -o {out}: {}",
                stderr(&o)
            );
            assert!(stderr(&o).contains(expected), "{}", stderr(&o));
        }
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    assert_eq!(mock.total_charged(DEFAULT_KEY), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_models_and_voices_are_refused_before_sending_with_a_suggestion() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["generate", "a fox", "-m", "flux2-pro"],
        vec!["generate", "a fox", "-m", "flux2-pro", "--dry-run"],
        vec!["price", "generate", "a fox", "-m", "flux2-pro"],
    ] {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("`flux2-pro` is not a known image model; did you mean `flux-2-pro`?")
                && err.contains("--allow-unknown-model"),
            "{err}"
        );
        assert_eq!(err.matches("nothing was sent").count(), 1, "{err}");
    }
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--mock", "tts", "hello", "--voice-id", "rachl"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `rachel`?"),
        "{}",
        stderr(&out)
    );
    // A voice list from the config file is checked against the real API too.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[voices]\nkling-tts = [\"narrator\", \"kid\"]\n").unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("ARTNEX_CONFIG", &config).args([
        "tts",
        "hello",
        "-m",
        "kling-tts",
        "--voice",
        "narator",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `narrator`?"),
        "{}",
        stderr(&out)
    );
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());

    // --allow-unknown-model sends it: the server decides.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "generate",
        "a fox",
        "-m",
        "flux2-pro",
        "--allow-unknown-model",
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(
        (code, doc["error"]["code"].as_str()),
        (3, Some("invalid_model")),
        "{doc}"
    );
    assert_eq!(posts(&mock), 1);

    // In a batch: the line is invalid (dry run and real run), and the flag sends it.
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[r#"{"op":"generate","prompt":"a fox","model":"flux2-pro"}"#],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "--dry-run"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("did you mean `flux-2-pro`?"),
        "{}",
        stdout(&out)
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(posts(&mock), 1, "the batch sent nothing");
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "batch",
        "jobs.jsonl",
        "--retry-failed",
        "--allow-unknown-model",
    ]);
    run(cmd).await;
    assert_eq!(posts(&mock), 2, "sent with --allow-unknown-model");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_and_missing_files_are_usage_errors_that_say_what_is_valid() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["video", "waves", "--aspect-ratio", "4:3"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("16:9, 9:16, 1:1"), "{}", stderr(&out));
    // With --json the usage error is a JSON document too.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "generate", "a fox", "--quality", "ultra"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(
        (code, doc["error"]["kind"].as_str()),
        (2, Some("usage")),
        "{doc}"
    );
    assert!(
        doc["error"]["details"]
            .as_str()
            .unwrap()
            .contains("low, medium, high")
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "generate"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!((code, doc["exit_code"].as_u64()), (2, Some(2)), "{doc}");

    // A missing or unreadable input: exit 2 before anything is sent, in every mode.
    std::fs::create_dir(dir.path().join("a-dir.png")).unwrap();
    for image in ["missing.png", "a-dir.png"] {
        for args in [
            vec!["edit", "winter", "--image", image],
            vec!["edit", "winter", "--image", image, "--dry-run"],
            vec!["price", "upscale", "--image", image],
            vec!["remove-bg", "--image", image],
        ] {
            let mut cmd = artnex(&mock, dir.path());
            cmd.args(&args);
            let out = run(cmd).await;
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(image), "{}", stderr(&out));
        }
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());

    // A batch line with a value of the wrong type names the line, the field and the type in words.
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[
            r#"{"op":"tts","text":"fine"}"#,
            r#"{"op":"generate","prompt":"x","num_images":"2"}"#,
        ],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "--dry-run"]);
    let out = run(cmd).await;
    assert!(
        stdout(&out).contains(
            r#"line 2: invalid: `num_images` must be a whole number from 1 to 4, not "2""#
        ),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_urls_are_honoured_or_refused_with_the_flag_to_use() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // `images` talks to another API: the global --base-url is refused, not ignored.
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("ARTAPI_KEY", artnex_mock::DEFAULT_ARTAPI_KEY)
        .args(["images", "a logo", "--base-url", &mock.base_url()]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--artapi-base-url"),
        "{}",
        stderr(&out)
    );
    // --mock with --base-url is a usage error, not a silent choice.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--mock", "tts", "hi", "--base-url", &mock.base_url()]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--mock and --base-url"),
        "{}",
        stderr(&out)
    );
    assert!(mock.requests().is_empty());
    // Every command that talks to the server goes where --base-url says (no environment here).
    let mut cmd = artnex(&mock, dir.path());
    cmd.env_remove("ARTNEX_BASE_URL")
        .args(["--json", "tts", "hi", "--base-url", &mock.base_url()]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    let mut cmd = artnex(&mock, dir.path());
    cmd.env_remove("ARTNEX_BASE_URL").args([
        "--json",
        "video",
        "waves",
        "--no-wait",
        "--base-url",
        &mock.base_url(),
    ]);
    let (_, doc) = run_json(cmd).await;
    let id = doc["request_id"].as_str().unwrap().to_string();
    let mut cmd = artnex(&mock, dir.path());
    cmd.env_remove("ARTNEX_BASE_URL").args([
        "--json",
        "status",
        &id,
        "--base-url",
        &mock.base_url(),
    ]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(
        (code, doc["request_id"].as_str()),
        (0, Some(id.as_str())),
        "{doc}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gpt_image_2_is_priced_and_budgeted_from_the_command_line_or_the_config_file() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let gpt = [
        "generate",
        "a poster",
        "-m",
        "gpt-image-2",
        "--resolution",
        "2k",
        "--quality",
        "high",
    ];
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["price"]).args(gpt);
    let out = run(cmd).await;
    assert!(out.status.success());
    assert!(stdout(&out).contains("--price"), "{}", stdout(&out));
    assert_cli_terms(&stdout(&out));
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "price"])
        .args(gpt)
        .args(["--price", "gpt-image-2:2k:high=170"]);
    let (_, doc) = run_json(cmd).await;
    assert_eq!(doc["estimate"], 170, "{doc}");
    // The config file's table, used by a batch under a budget (without one the item is skipped).
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[prices]\n\"gpt-image-2:2k:high\" = 170\n").unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("ARTNEX_CONFIG", &config)
        .args(["--json", "price"])
        .args(gpt);
    let (_, doc) = run_json(cmd).await;
    assert_eq!(doc["estimate"], 170, "{doc}");
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[
            r#"{"op":"generate","prompt":"a poster","model":"gpt-image-2","resolution":"2k","quality":"high"}"#,
        ],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "batch",
        "jobs.jsonl",
        "--budget",
        "1000",
        "--dry-run",
    ]);
    let out = run(cmd).await;
    assert!(
        stdout(&out).contains("\"fits_budget\":false"),
        "{}",
        stdout(&out)
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("ARTNEX_CONFIG", &config).args([
        "--json",
        "batch",
        "jobs.jsonl",
        "--budget",
        "1000",
        "-o",
        "out",
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[0]["status"], "done", "{lines:?}");
    assert_eq!(posts(&mock), 1, "the gpt-image-2 item was sent once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_speak_cli_once_with_what_to_do_next() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // A quota spent for a day: the wait in human units.
    mock.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after_secs: 86_340,
        })
        .times(1),
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["generate", "a fox"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("try again in 23 h 59 min"),
        "{}",
        stderr(&out)
    );
    // No key: the ways to give one, in flags and variables.
    let mut cmd = artnex(&mock, dir.path());
    cmd.env_remove("ARTNEX_API_KEY").args(["generate", "a fox"]);
    let out = run(cmd).await;
    let err = stderr(&out);
    assert!(
        err.contains("ARTNEX_API_KEY") && err.contains("--api-key-file"),
        "{err}"
    );
    assert_cli_terms(&err);
    // A local validation error says "nothing was sent" once and points at models only for model fields.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["generate", ""]);
    let err = stderr(&run(cmd).await);
    assert_eq!(err.matches("nothing was sent").count(), 1, "{err}");
    assert!(
        !err.contains("artnex models") && !err.contains("<command>"),
        "{err}"
    );
    // A batch's video item still running after --timeout: in CLI words, may have been processed.
    let slow = artnex_mock::MockServer::builder()
        .speed(1.0)
        .start()
        .await
        .unwrap();
    write_batch(
        &dir.path().join("v.jsonl"),
        &[r#"{"op":"video","prompt":"waves"}"#],
    );
    let mut cmd = artnex(&slow, dir.path());
    cmd.args([
        "--json",
        "batch",
        "v.jsonl",
        "--interval",
        "0.05",
        "--timeout",
        "0.3",
        "-o",
        "v",
    ]);
    let out = run(cmd).await;
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[0]["status"], "unknown", "{lines:?}");
    assert_eq!(lines[0]["may_have_been_processed"], true);
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("still running"),
        "{lines:?}"
    );
    assert_cli_terms(&lines[0].to_string());
    // Video mistakes in CLI words.
    for args in [
        vec!["video", "waves", "--mode", "image-to-video"],
        vec![
            "video",
            "waves",
            "-m",
            "kling-v2.5-turbo-pro",
            "--image",
            "https://example.com/a.png",
        ],
    ] {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(&args);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains("--image") || err.contains("--mode"), "{err}");
        assert_cli_terms(&err);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompts_and_keys_come_from_stdin_or_a_file() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let with_stdin = |args: &[&str], input: &str, env_key: bool| {
        let mut cmd = artnex(&mock, dir.path());
        if !env_key {
            cmd.env_remove("ARTNEX_API_KEY");
        }
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_string();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(input.as_bytes());
        });
        child
    };
    let wait = |child: std::process::Child| async move {
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap()
    };
    // A prompt of `-` is stdin: too long from stdin is refused like too long on the command line.
    let long = "x".repeat(4001);
    let out = wait(with_stdin(&["price", "generate", "-"], &long, true)).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("prompt"), "{}", stderr(&out));
    let out = wait(with_stdin(
        &["--json", "tts", "-"],
        "Hello from stdin.\n",
        true,
    ))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    // The key from stdin, or from a file; never both stdin readers at once.
    let out = wait(with_stdin(
        &["--json", "--api-key-stdin", "tts", "hi"],
        &format!("{DEFAULT_KEY}\n"),
        false,
    ))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = wait(with_stdin(
        &["--json", "--api-key", "-", "tts", "hi"],
        DEFAULT_KEY,
        false,
    ))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = wait(with_stdin(
        &["--api-key-stdin", "tts", "-"],
        DEFAULT_KEY,
        false,
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot both come from stdin"),
        "{}",
        stderr(&out)
    );
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("{DEFAULT_KEY}\n")).unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.env_remove("ARTNEX_API_KEY")
        .args(["--json", "tts", "hi", "--api-key-file"])
        .arg(&key_file);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
}

fn write_config(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let _ = mode;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_file_sets_defaults_that_the_environment_and_flags_override() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // `config path`: the platform's config directory, or ARTNEX_CONFIG.
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .env("HOME", dir.path())
        .args(["config", "path"]);
    let out = run(cmd).await;
    assert_eq!(
        stdout(&out).trim(),
        dir.path()
            .join("xdg/artnex/config.toml")
            .display()
            .to_string()
    );
    let config = dir.path().join("xdg/artnex/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    write_config(
        &config,
        "out = \"from-config\"\nbase_url = \"http://127.0.0.1:9\"\n[models]\ngenerate = \"flux-2-pro\"\n",
        0o644,
    );
    let cmd = |args: &[&str]| {
        let mut cmd = artnex(&mock, dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path().join("xdg"))
            .env("HOME", dir.path())
            .args(args);
        cmd
    };
    // The environment's base URL beats the config file's (which points nowhere); the default model
    // and output directory come from the file.
    let (code, doc) = run_json(cmd(&["--json", "generate", "a fox"])).await;
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["model"], "flux-2-pro");
    assert_eq!(doc["credits_used"], 250);
    assert!(files_of(&doc)[0].starts_with("from-config"), "{doc}");
    // Flags beat the file.
    let (_, doc) = run_json(cmd(&[
        "--json",
        "generate",
        "a fox",
        "-m",
        "z-image-turbo",
        "-o",
        "flag",
    ]))
    .await;
    assert_eq!(doc["model"], "z-image-turbo");
    assert!(files_of(&doc)[0].starts_with("flag"), "{doc}");
    // `config show` says what is in effect and where from, and never prints the key.
    let (_, doc) = run_json(cmd(&["--json", "config", "show"])).await;
    assert_eq!(doc["path"], config.display().to_string());
    assert_eq!(doc["out"]["from"], "config file");
    assert_eq!(doc["base_url"]["from"], "ARTNEX_BASE_URL");
    assert_eq!(doc["models"]["generate"]["value"], "flux-2-pro");
    assert_eq!(doc["models"]["edit"]["from"], "default");
    assert!(!doc.to_string().contains(DEFAULT_KEY));
    let mut c = cmd(&["--json", "config", "show"]);
    c.env_remove("ARTNEX_BASE_URL");
    let (_, doc) = run_json(c).await;
    assert_eq!(doc["base_url"]["value"], "http://127.0.0.1:9");
    assert_eq!(doc["base_url"]["from"], "config file");

    // A key in the file is used only when the file is private (mode 0600).
    let with_key = format!("api_key = \"{DEFAULT_KEY}\"\n");
    write_config(&config, &with_key, 0o644);
    let mut c = cmd(&["tts", "hi"]);
    c.env_remove("ARTNEX_API_KEY");
    let out = run(c).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(DEFAULT_KEY));
    write_config(&config, &with_key, 0o600);
    let mut c = cmd(&["--json", "tts", "hi"]);
    c.env_remove("ARTNEX_API_KEY");
    let (code, doc) = run_json(c).await;
    assert_eq!(code, 0, "{doc}");
    // A typo in the file is refused with its path.
    write_config(&config, "base_ulr = \"x\"\n", 0o600);
    let out = run(cmd(&["models"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&config.display().to_string()),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_requests_retries_and_polls_but_never_the_key() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    mock.inject(
        Fault::new(FaultKind::Unavailable {
            retry_after_secs: 0,
        })
        .on_path("/v1/generate")
        .times(1),
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["-v", "generate", "a fox"]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("→ POST {}/v1/generate", mock.base_url())),
        "{err}"
    );
    assert!(err.contains("retrying after 503, attempt 2 of 3"), "{err}");
    assert!(!err.contains(DEFAULT_KEY), "{err}");
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["-v", "video", "waves", "--interval", "0.02"]);
    let out = run(cmd).await;
    let err = stderr(&out);
    assert!(err.contains("poll: video job req_"), "{err}");
    // RUST_LOG: every event, still without the key.
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("RUST_LOG", "trace").args(["tts", "hi"]);
    let out = run(cmd).await;
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("text_to_speech"), "{err}");
    assert!(!err.contains(DEFAULT_KEY), "{err}");
    // Without either, nothing is logged.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["tts", "hi"]);
    assert!(stderr(&run(cmd).await).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_input_image_is_checked_once_for_every_way_of_sending() {
    // A readable image passes the same checks in every mode (the negative cases are above).
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("in.png"), 32, 32);
    for args in [
        vec!["--json", "upscale", "--image", "in.png", "--dry-run"],
        vec!["--json", "price", "upscale", "--image", "in.png"],
        vec!["--json", "upscale", "--image", "in.png"],
    ] {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(&args);
        let (code, doc) = run_json(cmd).await;
        assert_eq!(code, 0, "{args:?}: {doc}");
        assert_eq!(doc["estimate"], 100);
    }
}

/// A loopback server that answers `POST /v1/generate` like Artnex but without a request id (as a
/// gateway or a compatible server may), with image URLs it serves itself.
async fn server_without_request_ids(png: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = base.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let png = png.clone();
            let base = served.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then as much body as Content-Length says.
                let (head_end, length) = loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while request.len() < head_end + length {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                let line = String::from_utf8_lossy(&request)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let (kind, body) = if line.starts_with("POST /v1/generate") {
                    let json = format!(
                        r#"{{"success": true, "images": [{{"url": "{base}/cdn/a/image_0.png"}}], "credits_used": 100}}"#
                    );
                    ("application/json", json.into_bytes())
                } else {
                    ("image/png", png)
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_request_ids_every_result_keeps_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("in.png"), 16, 16);
    let base = server_without_request_ids(std::fs::read(dir.path().join("in.png")).unwrap()).await;
    let cmd = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_artnex"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ARTNEX_API_KEY", DEFAULT_KEY)
            .env("ARTNEX_BASE_URL", &base)
            .current_dir(dir.path())
            .args(args);
        cmd
    };
    // Two runs: two files (they used to be one `generate-result.png`).
    for _ in 0..2 {
        let (code, doc) = run_json(cmd(&["--json", "generate", "a fox", "-o", "single"])).await;
        assert_eq!(code, 0, "{doc}");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path().join("single"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("generate-local-")),
        "{names:?}"
    );
    // A batch of four: four files, and the journal records the four it saved.
    let lines: Vec<String> = (0..4)
        .map(|i| format!(r#"{{"op": "generate", "prompt": "item {i}"}}"#))
        .collect();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let out = run(cmd(&["--json", "batch", "jobs.jsonl", "-o", "batch"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let saved: Vec<String> = json_lines(&out.stdout)
        .iter()
        .filter(|l| l["status"] == "done")
        .flat_map(|l| {
            l["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(saved.len(), 4, "{saved:?}");
    for f in &saved {
        assert!(dir.path().join("batch").join(f).is_file(), "{f}");
    }
    let journal = std::fs::read_to_string(dir.path().join("jobs.jsonl.journal")).unwrap();
    assert_eq!(
        journal.matches("\"local_id\":\"local-").count(),
        4,
        "{journal}"
    );
    // A rerun finds everything done and sends nothing.
    let out = run(cmd(&["--json", "batch", "jobs.jsonl", "-o", "batch"])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        json_lines(&out.stdout)
            .iter()
            .filter(|l| l["status"] == "already_done")
            .count(),
        4
    );
}

/// `HTTP_PROXY`/`ALL_PROXY` in the environment never receive the key: a plain-http (loopback) base URL
/// goes straight to the server. A loopback listener plays the proxy and must see no connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_environment_proxy_never_sees_a_plain_http_request() {
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    proxy.set_nonblocking(true).unwrap();
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .args(["--json", "tts", "hello"]);
    let (code, doc) = run_json(cmd).await;
    assert_eq!(code, 0, "{doc}");
    assert!(
        proxy.accept().is_err(),
        "the environment's proxy was contacted with a request that carries the key"
    );
}
