//! The CLI as a running process: a video job's id is out before any waiting, however the command is
//! stopped (SIGINT, SIGTERM, SIGKILL); a wait that times out says the job is still running; closed pipes
//! never crash it; and progress is drawn under a real pseudo-terminal but is plain lines anywhere else.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch_support;
mod process_support;
mod support;

use artnex_mock::{DEFAULT_KEY, Fault, FaultKind, MockServer};
use batch_support::{charges, entries, wait_until, write_batch};
use process_support::{collect_stderr, exit_code, send};
use rustix::process::Signal;
use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use support::{artnex, mock, run, run_json};

/// A simulator in real time: a video job runs for tens of seconds, so it is running when the test
/// stops the command.
async fn slow_mock() -> MockServer {
    MockServer::builder().speed(1.0).start().await.unwrap()
}

/// The id in `video job <id> submitted …`.
fn submitted_id(line: &str) -> String {
    line.split_whitespace()
        .skip_while(|w| *w != "job")
        .nth(1)
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_video_command_never_loses_the_job_id() {
    let mock = slow_mock().await;
    let dir = tempfile::tempdir().unwrap();
    for signal in [Signal::INT, Signal::TERM, Signal::KILL] {
        for json in [false, true] {
            let mut cmd = artnex(&mock, dir.path());
            if json {
                cmd.arg("--json");
            }
            cmd.args(["video", "waves at dusk", "--interval", "5"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            let stderr = collect_stderr(&mut child);
            // Stdout's first line, with --json, is the job; read it as it comes.
            let stdout = child.stdout.take().unwrap();
            let first_line = std::thread::spawn(move || {
                let mut line = String::new();
                let mut reader = std::io::BufReader::new(stdout);
                let _ = reader.read_line(&mut line);
                let mut rest = String::new();
                let _ = reader.read_to_string(&mut rest);
                (line, rest)
            });
            wait_until("the job id on stderr", || stderr.seen("submitted")).await;
            let id = submitted_id(&stderr.line_with("submitted").unwrap());
            send(&child, signal);
            let code = exit_code(child).await;
            let err = stderr.all();
            let (line, rest) = first_line.join().unwrap();
            // The simulator has that job, and it goes on.
            assert!(
                mock.requests()
                    .iter()
                    .any(|r| r.path == "/v1/video" && r.request_id == id),
                "{signal:?}: {id} is not a job the server accepted: {:?}",
                mock.requests()
            );
            if json {
                let doc: serde_json::Value = serde_json::from_str(&line).unwrap();
                assert_eq!(
                    (doc["event"].as_str(), doc["request_id"].as_str()),
                    (Some("submitted"), Some(id.as_str()))
                );
            }
            if signal == Signal::KILL {
                assert_eq!(code, None, "killed");
                continue;
            }
            assert_eq!(code, Some(130), "{signal:?}: {err}");
            let resume = format!("artnex status {id} --wait");
            if json {
                let doc: serde_json::Value = serde_json::from_str(rest.trim()).unwrap();
                assert_eq!(doc["error"]["kind"], "interrupted");
                assert_eq!(doc["error"]["may_have_been_processed"], true);
                assert!(
                    doc["error"]["hint"].as_str().unwrap().contains(&resume),
                    "{doc}"
                );
            } else {
                assert!(err.contains(&resume), "{signal:?}: {err}");
            }
        }
    }
    assert_eq!(mock.running_jobs(), 6, "every job goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_says_the_job_is_still_running() {
    let mock = slow_mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "video",
        "waves",
        "--interval",
        "0.05",
        "--timeout",
        "0.3",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(7));
    let text = String::from_utf8_lossy(&out.stdout);
    let docs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs[0]["event"], "submitted");
    let id = docs[0]["request_id"].as_str().unwrap();
    let e = &docs[1]["error"];
    assert_eq!(e["kind"], "job_still_running", "{e}");
    assert_eq!(e["may_have_been_processed"], true);
    assert_eq!(e["request_id"], id);
    assert!(
        e["hint"]
            .as_str()
            .unwrap()
            .contains(&format!("artnex status {id} --wait")),
        "{e}"
    );
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("still running") && !msg.contains("failed (") && !msg.contains("client."),
        "{msg}"
    );
    assert_eq!(docs[1]["exit_code"], 7);
    assert_eq!(mock.running_jobs(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_never_crashes_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let bare = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_artnex"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    // `artnex demo | head -3`.
    let mut child = bare(&["demo"]).spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    {
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        for _ in 0..3 {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
        }
    }
    let code = exit_code(child).await;
    let err = stderr.all();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(code, Some(141), "{err}");
    // Output that nobody reads at all.
    for args in [
        vec!["models"],
        vec!["--help"],
        vec!["completions", "bash"],
        vec!["--mock", "--json", "tts", "hi"],
    ] {
        let mut child = bare(&args).spawn().unwrap();
        drop(child.stdout.take());
        let stderr = collect_stderr(&mut child);
        let code = exit_code(child).await;
        let err = stderr.all();
        assert!(
            !err.contains("panicked") && code != Some(101),
            "{args:?}: {code:?} {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_stdout_closes_finishes_its_items_in_flight_and_stops() {
    const ITEMS: usize = 8;
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::Latency(Duration::from_millis(200))).on_path("/v1/generate"));
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..ITEMS)
        .map(|i| {
            format!(r#"{{"op": "generate", "prompt": "item {i}", "width": 64, "height": 64}}"#)
        })
        .collect();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let journal = dir.path().join("jobs.jsonl.journal");
    // `artnex batch jobs.jsonl --json | grep -m1 done`.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-j", "2", "-o", "out"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    {
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains("\"status\":\"done\""), "{line}");
    }
    let code = exit_code(child).await;
    let err = stderr.all();
    assert_eq!(code, Some(141), "{err}");
    assert!(
        !err.contains("panicked") && err.contains("Resume with"),
        "{err}"
    );
    // Nothing is left in flight: every item that started has its outcome in the journal.
    let mut last: HashMap<String, String> = HashMap::new();
    for e in entries(&journal) {
        last.insert(
            e["key"].as_str().unwrap().into(),
            e["event"].as_str().unwrap().into(),
        );
    }
    assert!(last.len() < ITEMS, "the run stopped early: {last:?}");
    assert!(last.values().all(|e| e == "saved"), "{last:?}");
    // The rerun does the rest, and nothing is charged twice.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-j", "2", "-o", "out"]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(charges(&mock), ITEMS);
}

/// Runs the binary under a pseudo-terminal (stdout and stderr both on it) and returns all it wrote.
fn under_pty(dir: &Path, mock: &MockServer, args: &[&str], env: &[(&str, &str)]) -> (String, u32) {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_artnex"));
    cmd.env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("ARTNEX_API_KEY", DEFAULT_KEY);
    cmd.env("ARTNEX_BASE_URL", mock.base_url());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.cwd(dir);
    cmd.args(args);
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // Reading ends with EOF or EIO once the child has exited and closed the terminal.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        out
    });
    let status = child.wait().unwrap();
    drop(pair.master);
    let out = reading.join().unwrap();
    (
        String::from_utf8_lossy(&out).into_owned(),
        status.exit_code(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_drawn_on_a_terminal_and_plain_lines_elsewhere() {
    let mock = mock().await;
    // Slow enough that the bar is drawn while items run.
    mock.inject(Fault::new(FaultKind::Latency(Duration::from_millis(300))).on_path("/v1/generate"));
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"op": "generate", "prompt": "one", "width": 64, "height": 64}"#,
        r#"{"op": "generate", "prompt": "two", "width": 64, "height": 64}"#,
        r#"{"op": "generate", "prompt": "three", "width": 64, "height": 64}"#,
    ];
    let batch = |name: &str| {
        write_batch(&dir.path().join(name), &lines);
        vec![
            "batch".to_string(),
            name.to_string(),
            "-j".into(),
            "1".into(),
            "-o".into(),
            name.replace(".jsonl", ""),
        ]
    };
    let run_pty = |name: &str, env: &[(&str, &str)]| {
        let args = batch(name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        under_pty(dir.path(), &mock, &args, env)
    };
    let (live, code) =
        tokio::task::block_in_place(|| run_pty("a.jsonl", &[("TERM", "xterm-256color")]));
    assert_eq!(code, 0, "{live}");
    assert!(
        live.contains("items") && live.contains("ETA") && live.contains("credits"),
        "{live:?}"
    );
    assert!(
        live.contains("\x1b["),
        "drawn with terminal control: {live:?}"
    );
    assert!(live.contains("\x1b[36m"), "in colour: {live:?}");
    // NO_COLOR: still drawn, without colours.
    let (plain, _) = tokio::task::block_in_place(|| {
        run_pty("b.jsonl", &[("TERM", "xterm-256color"), ("NO_COLOR", "1")])
    });
    assert!(
        plain.contains("items") && plain.contains("ETA"),
        "{plain:?}"
    );
    assert!(
        !plain.contains("\x1b[36m") && !plain.contains("\x1b[34m"),
        "{plain:?}"
    );
    // TERM=dumb: a terminal that cannot be drawn on gets plain lines only.
    let (dumb, code) = tokio::task::block_in_place(|| run_pty("c.jsonl", &[("TERM", "dumb")]));
    assert_eq!(code, 0, "{dumb}");
    assert!(!dumb.contains('\x1b'), "{dumb:?}");
    assert!(!dumb.replace("\r\n", "\n").contains('\r'), "{dumb:?}");
    assert!(dumb.contains("batch: 3/3 items · 0 failed"), "{dumb:?}");
    // Not a terminal (a CI log), whatever TERM says: plain lines on stderr.
    write_batch(&dir.path().join("d.jsonl"), &lines);
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("TERM", "xterm-256color")
        .args(["batch", "d.jsonl", "-j", "1", "-o", "d"]);
    let out = run(cmd).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");
    assert!(
        err.contains("batch: 1/3 items") && err.contains("left"),
        "{err}"
    );
    // A video's spinner on a terminal; plain status lines elsewhere.
    let (video, code) = tokio::task::block_in_place(|| {
        under_pty(
            dir.path(),
            &mock,
            &["video", "waves", "--interval", "0.05", "-o", "v"],
            &[("TERM", "xterm-256color")],
        )
    });
    assert_eq!(code, 0, "{video}");
    assert!(
        video.contains("video req_") && video.contains("\x1b["),
        "{video:?}"
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["video", "waves", "--interval", "0.05", "-o", "v"]);
    let out = run(cmd).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("video req_") && !err.contains('\x1b') && !err.contains('\r'),
        "{err:?}"
    );
    let _ = run_json;
}
