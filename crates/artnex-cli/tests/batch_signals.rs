//! `artnex batch` under real signals: the first SIGINT or SIGTERM lets the items in flight finish and
//! exits 130 with the command that resumes; a second one stops at once; and a video job's id is in the
//! journal before the batch waits for it, however the batch is killed (SIGINT, SIGTERM, SIGKILL).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch_support;
mod process_support;
mod support;

use artnex_mock::{Fault, FaultKind};
use batch_support::{charges, entries, events, posts, summary, wait_until, write_batch};
use process_support::{collect_stderr, exit_code, send};
use rustix::process::Signal;
use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;
use support::{artnex, mock, run};

/// The last event of each item key.
fn last_events(journal: &std::path::Path) -> HashMap<String, String> {
    entries(journal)
        .into_iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_string(),
                e["event"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_signal_lets_items_in_flight_finish_then_exits_130() {
    const ITEMS: usize = 10;
    for signal in [Signal::INT, Signal::TERM] {
        let mock = mock().await;
        // Slow on the server, so that requests are in flight when the signal comes.
        mock.inject(
            Fault::new(FaultKind::Latency(Duration::from_millis(300))).on_path("/v1/generate"),
        );
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
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["batch", "jobs.jsonl", "-j", "2", "-o", "out"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = collect_stderr(&mut child);
        wait_until("an item is in flight", || events(&journal, "started") > 0).await;
        send(&child, signal);
        let code = exit_code(child).await;
        let err = stderr.all();
        assert_eq!(code, Some(130), "{signal:?}: {err}");
        assert!(err.contains("stopping: no new items are started"), "{err}");
        assert!(
            err.contains("Resume with: artnex batch jobs.jsonl -j 2 -o out"),
            "{signal:?}: {err}"
        );

        // Every item that was started finished: charged, downloaded, journaled. None is left unknown.
        let last = last_events(&journal);
        let started = last.len();
        assert!(
            started < ITEMS,
            "{signal:?}: the signal came too late to test anything"
        );
        assert!(last.values().all(|e| e == "saved"), "{signal:?}: {last:?}");
        assert_eq!(charges(&mock), started);

        // The rerun does the rest, sending nothing twice.
        mock.clear_faults();
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["--json", "batch", "jobs.jsonl", "-j", "2", "-o", "out"]);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(0));
        let s = summary(&out.stdout);
        assert_eq!(
            (&s["already_done"], &s["done"], &s["unknown"]),
            (&started.into(), &(ITEMS - started).into(), &0.into()),
            "{s}"
        );
        assert_eq!(charges(&mock), ITEMS);
        assert_eq!(posts(&mock), ITEMS);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_stops_at_once() {
    let mock = mock().await;
    // Far slower than the test: only an immediate stop ends the run before these requests finish.
    mock.inject(Fault::new(FaultKind::Latency(Duration::from_secs(60))).on_path("/v1/generate"));
    let dir = tempfile::tempdir().unwrap();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[
            r#"{"op": "generate", "prompt": "a", "width": 64, "height": 64}"#,
            r#"{"op": "generate", "prompt": "b", "width": 64, "height": 64}"#,
            r#"{"op": "generate", "prompt": "c", "width": 64, "height": 64}"#,
        ],
    );
    let journal = dir.path().join("jobs.jsonl.journal");
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "-j", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = collect_stderr(&mut child);
    wait_until("two items are in flight", || {
        events(&journal, "started") == 2
    })
    .await;
    send(&child, Signal::INT);
    wait_until("the first signal is taken", || stderr.seen("stopping:")).await;
    send(&child, Signal::INT);
    let code = exit_code(child).await;
    let err = stderr.all();
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("stopped at once") && err.contains("Resume with:"),
        "{err}"
    );
    let last = last_events(&journal);
    assert_eq!(last.len(), 2, "{last:?}");
    assert!(last.values().all(|e| e == "started"), "{last:?}");

    // Those two may have been charged: the rerun does not send them again, and sends the third.
    mock.clear_faults();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl"]);
    let out = run(cmd).await;
    let s = summary(&out.stdout);
    assert_eq!((&s["unknown"], &s["done"]), (&2.into(), &1.into()), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_video_job_id_is_lost_however_the_batch_is_killed() {
    for signal in [Signal::INT, Signal::TERM, Signal::KILL] {
        // A real-time clock: the job is still running when the signal comes.
        let mock = artnex_mock::MockServer::builder()
            .speed(1.0)
            .start()
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_batch(
            &dir.path().join("v.jsonl"),
            &[r#"{"op": "video", "prompt": "waves", "model": "veo3-fast", "duration": 4}"#],
        );
        let journal = dir.path().join("v.jsonl.journal");
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["batch", "v.jsonl", "--interval", "0.05"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = collect_stderr(&mut child);
        wait_until("the job is submitted", || events(&journal, "submitted") > 0).await;
        let request_id = entries(&journal)
            .iter()
            .find(|e| e["event"] == "submitted")
            .map(|e| e["request_id"].as_str().unwrap().to_string())
            .unwrap();
        send(&child, signal);
        let code = exit_code(child).await;
        let err = stderr.all();
        if signal == Signal::KILL {
            assert_eq!(code, None);
        } else {
            assert_eq!(code, Some(130), "{signal:?}: {err}");
            assert!(
                err.contains(&format!("video job {request_id} goes on"))
                    && err.contains("Resume with:"),
                "{signal:?}: {err}"
            );
        }

        // The job finishes while nobody watches; the rerun picks it up by id and submits nothing.
        mock.advance(Duration::from_secs(3600));
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["--json", "batch", "v.jsonl", "--interval", "0.05"]);
        let out = run(cmd).await;
        assert_eq!(summary(&out.stdout)["done"], 1, "{signal:?}");
        let submissions = mock
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/video")
            .count();
        assert_eq!(submissions, 1, "{signal:?}");
        assert_eq!(charges(&mock), 1, "{signal:?}");
        assert!(
            mock.requests()
                .iter()
                .any(|r| r.method == "GET" && r.path == format!("/v1/video/{request_id}")),
            "{signal:?}"
        );
    }
}
