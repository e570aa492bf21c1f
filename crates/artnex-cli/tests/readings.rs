//! The CLI against every reading of the docs' gaps the simulator can switch to
//! (`artnex_mock::Readings::alternatives()`): a video, a server-side error and a spent quota, each run
//! through the built `artnex` binary with `--json` against a simulator on 127.0.0.1. Whichever reading the
//! real API has, the CLI either works as it is or the configuration it needs is known: the results are
//! the table in crates/artnex-cli/README.md ("Works with"), which this test renders and compares.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Output};

use artnex_mock::{CreditsNumber, DEFAULT_KEY, KeyConfig, MockServer, Plan, Readings, StatusPath};
use futures_util::StreamExt;
use serde_json::Value;
use support::{artnex, is_mp4, run};

/// A key whose plan allows one request a day.
const QUOTA_KEY: &str = "sk-mock-one-a-day";
/// A key for the server-error scenario, so its requests are counted apart.
const ERROR_KEY: &str = "sk-mock-errors";
/// How many readings run at once (each runs its scenarios one after the other).
const CONCURRENCY: usize = 4;

/// What a reading needs from the CLI: the status path is the one gap it cannot detect.
fn configuration(r: &Readings) -> Option<String> {
    // The SDK assumes the spec's path; a reading with another one needs it configured.
    let template = r.status_path.template();
    (template != artnex::client::DEFAULT_VIDEO_STATUS_PATH).then_some(template)
}

async fn simulator(readings: Readings) -> MockServer {
    MockServer::builder()
        .readings(readings)
        .speed(2000.0)
        .key(KeyConfig::artnex(DEFAULT_KEY, Plan::Pro, 1_000_000))
        .key(KeyConfig::artnex(QUOTA_KEY, Plan::Custom(1), 1_000_000))
        .key(KeyConfig::artnex(ERROR_KEY, Plan::Pro, 1_000_000))
        .start()
        .await
        .unwrap()
}

/// The binary pointed at `mock` with `key`, `--json`, no config file, and the status path when given.
fn cli(mock: &MockServer, dir: &Path, key: &str, status_path: Option<&str>) -> Command {
    let mut cmd = artnex(mock, dir);
    cmd.env("ARTNEX_API_KEY", key)
        .env("ARTNEX_CONFIG", dir.join("no-config.toml"))
        .arg("--json");
    if let Some(p) = status_path {
        cmd.args(["--video-status-path", p]);
    }
    cmd
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

/// Exit code and stdout's JSON lines; a line that is not JSON is a failure of the scenario.
fn documents(out: &Output) -> Result<(i32, Vec<Value>), String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let docs = stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).map_err(|e| format!("stdout is not JSON lines ({e}): {l}"))
        })
        .collect::<Result<Vec<Value>, String>>()?;
    Ok((out.status.code().unwrap_or(-1), docs))
}

fn sent_with(mock: &MockServer, key: &str) -> usize {
    mock.requests().iter().filter(|r| r.is_for(key)).count()
}

/// `artnex video … --interval 0.02`: submitted, completed, the file saved, and the credits the
/// simulator charged (a fractional `credits_used` rounded up: the CLI never reports less than the server
/// said).
async fn video(
    mock: &MockServer,
    dir: &Path,
    r: &Readings,
    status_path: Option<&str>,
) -> Result<(), String> {
    let mut cmd = cli(mock, dir, DEFAULT_KEY, status_path);
    cmd.args([
        "video",
        "waves at dusk",
        "-m",
        "veo3-fast",
        "--interval",
        "0.02",
        "--timeout",
        "60",
        "-o",
        "video",
    ]);
    let out = run(cmd).await;
    let (code, docs) = documents(&out)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    check(code == 0 && docs.len() == 2, || {
        format!("exit {code}: {docs:?} {stderr}")
    })?;
    check(docs[0]["event"] == "submitted", || {
        format!("first line {}", docs[0])
    })?;
    let doc = &docs[1];
    check(
        doc["ok"] == true && doc["request_id"] == docs[0]["request_id"],
        || doc.to_string(),
    )?;
    let file = dir.join(doc["files"][0].as_str().unwrap_or_default());
    check(file.is_file() && is_mp4(&file), || {
        format!("no MP4 saved: {doc}")
    })?;
    let charged = mock.total_charged(DEFAULT_KEY);
    let expected = match r.credits_number {
        CreditsNumber::Fractional => charged + 1,
        _ => charged,
    };
    check(charged > 0 && doc["credits_used"] == expected, || {
        format!(
            "credits_used {} but the simulator charged {charged}",
            doc["credits_used"]
        )
    })
}

/// An unknown model sent anyway: the server's 400 is the CLI's API error (exit 3), sent once.
async fn server_error(mock: &MockServer, dir: &Path) -> Result<(), String> {
    let mut cmd = cli(mock, dir, ERROR_KEY, None);
    cmd.args([
        "generate",
        "a lighthouse",
        "-m",
        "no-such-model",
        "--allow-unknown-model",
        "-o",
        "error",
    ]);
    let (code, docs) = documents(&run(cmd).await)?;
    let doc = docs.first().cloned().unwrap_or_default();
    check(code == 3 && doc["exit_code"] == 3, || {
        format!("exit {code}: {doc}")
    })?;
    check(doc["error"]["kind"] == "api", || format!("kind: {doc}"))?;
    check(doc["error"]["may_have_been_processed"] == false, || {
        format!("processed? {doc}")
    })?;
    let sent = sent_with(mock, ERROR_KEY);
    check(sent == 1, || {
        format!("{sent} requests: the refusal was retried")
    })
}

/// A key with one request a day: the first call works, the second is the CLI's rate-limit error (exit
/// 3, kind `rate_limited`, a hint on when to try again), and nothing is retried.
async fn quota(mock: &MockServer, dir: &Path) -> Result<(), String> {
    let mut first = cli(mock, dir, QUOTA_KEY, None);
    first.args(["tts", "first", "-o", "quota"]);
    let (code, docs) = documents(&run(first).await)?;
    check(code == 0, || format!("first call: exit {code}: {docs:?}"))?;
    let mut second = cli(mock, dir, QUOTA_KEY, None);
    second.args(["tts", "second", "-o", "quota"]);
    let (code, docs) = documents(&run(second).await)?;
    let doc = docs.first().cloned().unwrap_or_default();
    check(code == 3 && doc["error"]["kind"] == "rate_limited", || {
        format!("exit {code}: {doc}")
    })?;
    check(
        doc["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("try again")),
        || format!("no hint on when to try again: {doc}"),
    )?;
    let sent = sent_with(mock, QUOTA_KEY);
    check(sent == 2, || {
        format!("{sent} requests: a spent quota was retried")
    })
}

const SCENARIOS: [&str; 3] = ["video", "server error", "spent quota"];

/// Every scenario against one reading, with the configuration it needs; `None` for a scenario that
/// worked.
async fn run_reading(readings: Readings) -> Vec<Option<String>> {
    let mock = simulator(readings).await;
    let dir = tempfile::tempdir().unwrap();
    vec![
        video(
            &mock,
            dir.path(),
            &readings,
            configuration(&readings).as_deref(),
        )
        .await
        .err(),
        server_error(&mock, dir.path()).await.err(),
        quota(&mock, dir.path()).await.err(),
    ]
}

/// Without `--video-status-path`, a reading with another status path fails the video: the server knows
/// no job at the default path. The CLI says the job may still run and be charged, with its id, and how
/// to point it at the right path.
async fn unconfigured_video_fails(name: &str, readings: Readings) {
    let mock = simulator(readings).await;
    let dir = tempfile::tempdir().unwrap();
    assert!(
        video(&mock, dir.path(), &readings, None).await.is_err(),
        "{name}: works without configuration"
    );
    let mut cmd = cli(&mock, dir.path(), DEFAULT_KEY, None);
    cmd.args([
        "video",
        "waves",
        "-m",
        "veo3-fast",
        "--interval",
        "0.02",
        "--timeout",
        "60",
    ]);
    let (code, docs) = documents(&run(cmd).await).unwrap();
    assert_eq!((code, docs.len()), (3, 2), "{name}: {docs:?}");
    let (submitted, doc) = (&docs[0], &docs[1]);
    assert_eq!(doc["error"]["code"], "not_found", "{name}: {doc}");
    assert_eq!(
        doc["error"]["request_id"], submitted["request_id"],
        "{name}: the job's id: {doc}"
    );
    assert_eq!(
        doc["error"]["may_have_been_processed"], true,
        "{name}: the job runs on: {doc}"
    );
    let hint = doc["error"]["hint"].as_str().unwrap_or_default();
    let resume = format!(
        "artnex status {} --wait --video-status-path TEMPLATE",
        submitted["request_id"].as_str().unwrap()
    );
    assert!(
        hint.contains("--video-status-path") && hint.contains(&resume),
        "{name}: {hint}"
    );
}

fn cell(result: &Option<String>) -> &'static str {
    if result.is_none() { "works" } else { "FAILS" }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_works_with_every_reading_of_the_gaps() {
    let mut readings = vec![("(the spec's readings)".to_string(), Readings::default())];
    readings.extend(Readings::alternatives());
    let results: Vec<Vec<Option<String>>> = futures_util::stream::iter(readings.iter())
        .map(|(_, r)| run_reading(*r))
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut table = String::from("| reading | ");
    table.push_str(&SCENARIOS.join(" | "));
    table.push_str(" | needs |\n|---|");
    table.push_str(&"---|".repeat(SCENARIOS.len() + 1));
    table.push('\n');
    let mut failures = Vec::new();
    for ((name, r), results) in readings.iter().zip(&results) {
        for (scenario, result) in SCENARIOS.iter().zip(results) {
            if let Some(e) = result {
                failures.push(format!("{name} / {scenario}: {e}"));
            }
        }
        table.push_str(&format!(
            "| `{name}` | {} | {} |\n",
            results.iter().map(cell).collect::<Vec<_>>().join(" | "),
            configuration(r).map_or("—".to_string(), |p| format!(
                "`--video-status-path '{p}'`"
            ))
        ));
    }
    // The need is real: without the configuration those readings fail the video.
    for (name, r) in readings.iter().filter(|(_, r)| configuration(r).is_some()) {
        unconfigured_video_fails(name, *r).await;
    }
    assert!(failures.is_empty(), "{failures:#?}\n{table}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "crates/artnex-cli/README.md must hold the results table exactly as this test renders it:\n\n{table}"
    );
}

/// One `--json` command's exit code and its last JSON document.
async fn last_doc(cmd: Command) -> (i32, Value, String) {
    let out = run(cmd).await;
    let (code, docs) = documents(&out).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (code, docs.last().cloned().unwrap_or_default(), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_path_comes_from_the_flag_the_environment_or_the_config_file() {
    let readings = Readings::default().with(StatusPath::StatusSegment);
    let template = configuration(&readings).unwrap();
    let mock = simulator(readings).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");

    // The environment.
    let mut cmd = cli(&mock, dir.path(), DEFAULT_KEY, None);
    cmd.env("ARTNEX_VIDEO_STATUS_PATH", &template).args([
        "video",
        "waves",
        "-m",
        "veo3-fast",
        "--interval",
        "0.02",
    ]);
    let (code, doc, stderr) = last_doc(cmd).await;
    assert_eq!(
        (code, &doc["ok"]),
        (0, &Value::Bool(true)),
        "{doc} {stderr}"
    );

    // The config file: a job submitted without waiting is picked up by `status --wait`.
    std::fs::write(&config, format!("video_status_path = \"{template}\"\n")).unwrap();
    let with_config = |args: &[&str]| {
        let mut cmd = cli(&mock, dir.path(), DEFAULT_KEY, None);
        cmd.env("ARTNEX_CONFIG", &config).args(args);
        cmd
    };
    let (code, doc, _) = last_doc(with_config(&[
        "video",
        "waves",
        "-m",
        "veo3-fast",
        "--no-wait",
    ]))
    .await;
    assert_eq!(code, 0, "{doc}");
    let id = doc["request_id"].as_str().unwrap().to_string();
    let (code, doc, _) = last_doc(with_config(&[
        "status",
        &id,
        "--wait",
        "--interval",
        "0.02",
    ]))
    .await;
    assert_eq!(
        (code, doc["status"].as_str()),
        (0, Some("completed")),
        "{doc}"
    );
    let (_, doc, _) = last_doc(with_config(&["config", "show"])).await;
    assert_eq!(doc["video_status_path"]["value"], template, "{doc}");
    assert_eq!(doc["video_status_path"]["from"], "config file", "{doc}");

    // The flag, repeated in the resume command the video prints.
    let mut cmd = cli(&mock, dir.path(), DEFAULT_KEY, Some(&template));
    cmd.args(["video", "waves", "-m", "veo3-fast", "--no-wait"]);
    let (code, doc, stderr) = last_doc(cmd).await;
    assert_eq!(code, 0, "{doc}");
    let resume = format!(
        "artnex status {} --wait --video-status-path '{template}'",
        doc["request_id"].as_str().unwrap()
    );
    assert!(stderr.contains(&resume), "{stderr}");

    // A bad template is a usage error that says where it came from, before anything is sent.
    let sent = mock.requests().len();
    std::fs::write(&config, "video_status_path = \"/v1/video\"\n").unwrap();
    let mut from_env = cli(&mock, dir.path(), DEFAULT_KEY, None);
    from_env.env("ARTNEX_VIDEO_STATUS_PATH", "v1/video/{request_id}");
    let mut from_flag = cli(&mock, dir.path(), DEFAULT_KEY, Some("/v1/video/{id}"));
    from_flag.env("ARTNEX_CONFIG", &config);
    for (mut cmd, source) in [
        (with_config(&[]), config.display().to_string()),
        (from_env, "ARTNEX_VIDEO_STATUS_PATH".to_string()),
        (from_flag, "--video-status-path".to_string()),
    ] {
        cmd.args(["video", "waves", "-m", "veo3-fast"]);
        let (code, doc, _) = last_doc(cmd).await;
        assert_eq!(
            (code, doc["error"]["kind"].as_str()),
            (2, Some("usage")),
            "{doc}"
        );
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("invalid video status path") && message.contains(&source),
            "{message}"
        );
        assert!(message.contains("{request_id}"), "{message}");
    }
    assert_eq!(mock.requests().len(), sent, "nothing may be sent");

    // The embedded simulator has its own path: the flag does not go with --mock.
    let mut cmd = cli(&mock, dir.path(), DEFAULT_KEY, Some(&template));
    cmd.args(["--mock", "tts", "hi"]);
    let (code, doc, _) = last_doc(cmd).await;
    assert_eq!(code, 2, "{doc}");

    // A job the server does not know at the path polled: the hint names the flag.
    let mut cmd = cli(&mock, dir.path(), DEFAULT_KEY, None);
    cmd.args(["status", "req_unknown"]);
    let (code, doc, _) = last_doc(cmd).await;
    assert_eq!(code, 3, "{doc}");
    let hint = doc["error"]["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("--video-status-path") && hint.contains("/v1/video/{request_id}"),
        "{hint}"
    );
}
