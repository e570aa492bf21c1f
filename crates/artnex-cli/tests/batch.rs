//! `artnex batch`: mixed operations, the budget, and a `kill -9` in the middle followed by a rerun that
//! finishes every item exactly once without charging anything twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use artnex_mock::{DEFAULT_KEY, Fault, FaultKind, LedgerKind};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use support::{artnex, mock, run, write_png};

fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_batch_with_failures_and_budget() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("in.png"), 40, 30);
    let lines = [
        r#"{"op": "generate", "prompt": "fox", "num_images": 2}"#,
        r#"{"op": "edit", "prompt": "winter", "image": "in.png"}"#,
        r#"{"op": "tts", "text": "hello"}"#,
        "# a comment line",
        r#"{"op": "upscale", "image": "in.png", "scale": 2}"#,
        r#"{"op": "remove-bg", "image": "in.png"}"#,
        r#"{"op": "video", "prompt": "waves", "duration": 5}"#,
        r#"{"op": "generate", "prompt": "bad model", "model": "sora-2"}"#,
        r#"{"op": "generate", "prompt": "typo", "num_imgs": 2}"#,
        "not json",
    ];
    std::fs::write(dir.path().join("jobs.jsonl"), lines.join("\n")).unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "batch",
        "jobs.jsonl",
        "-j",
        "3",
        "--interval",
        "0.02",
        "--out",
        "results",
    ]);
    let out = run(cmd).await;
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = json_lines(&out.stdout);
    let summary = &docs.last().unwrap()["summary"];
    assert_eq!(summary["items"], 9);
    assert_eq!(summary["done"], 6);
    assert_eq!(summary["failed"], 3);
    // generate 200 + edit 200 + tts 10 + upscale 100 + remove-bg 10 + video 1500
    assert_eq!(summary["credits_used"], 2020);
    assert_eq!(mock.total_charged(DEFAULT_KEY), 2020);
    let by_line: HashMap<u64, &serde_json::Value> = docs
        .iter()
        .filter_map(|d| Some((d.get("line")?.as_u64()?, d)))
        .collect();
    assert_eq!(by_line[&8]["status"], "failed");
    assert!(
        by_line[&8]["error"]
            .as_str()
            .unwrap()
            .contains("nothing was sent"),
        "{}",
        by_line[&8]
    );
    assert!(by_line[&9]["error"].as_str().unwrap().contains("num_imgs"));
    for d in docs.iter().filter(|d| d["status"] == "done") {
        for f in d["files"].as_array().unwrap() {
            assert!(
                dir.path()
                    .join("results")
                    .join(f.as_str().unwrap())
                    .is_file(),
                "{d}"
            );
        }
    }

    // A rerun sends nothing new: done items are skipped, failed ones stay failed.
    let before = mock.requests().len();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "--out", "results"]);
    let out = run(cmd).await;
    let docs = json_lines(&out.stdout);
    assert_eq!(docs.last().unwrap()["summary"]["already_done"], 6);
    assert_eq!(
        mock.requests().len(),
        before,
        "a rerun of a finished batch must not call the API"
    );

    // The budget stops items that would exceed it, without sending them.
    let mut cmd = artnex(&mock, dir.path());
    std::fs::write(dir.path().join("b.jsonl"), "{\"op\":\"generate\",\"prompt\":\"a\",\"model\":\"flux-2-pro\"}\n{\"op\":\"generate\",\"prompt\":\"b\",\"model\":\"flux-2-pro\"}\n").unwrap();
    cmd.args(["--json", "batch", "b.jsonl", "-j", "1", "--budget", "300"]);
    let out = run(cmd).await;
    let docs = json_lines(&out.stdout);
    let summary = &docs.last().unwrap()["summary"];
    assert_eq!(
        (summary["done"].as_u64(), summary["skipped"].as_u64()),
        (Some(1), Some(1)),
        "{docs:?}"
    );
}

/// Reads the journal's `saved` events.
fn saved_items(journal: &std::path::Path) -> usize {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"event\":\"saved\""))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_run_then_rerun_completes_every_item_exactly_once() {
    const ITEMS: usize = 16;
    let mock = mock().await;
    // Each generate call takes a while on the server, so the kill lands mid-run.
    mock.inject(Fault::new(FaultKind::Latency(Duration::from_millis(120))).on_path("/v1/generate"));
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..ITEMS)
        .map(|i| {
            format!(r#"{{"op": "generate", "prompt": "item {i}", "width": 64, "height": 64}}"#)
        })
        .collect();
    std::fs::write(dir.path().join("jobs.jsonl"), lines.join("\n")).unwrap();
    let journal = dir.path().join("jobs.jsonl.journal");

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-j", "2"])
        .stdout(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    // Wait until some items are finished, then kill -9 (SIGKILL: no cleanup, no flush).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while saved_items(&journal) < 4 {
        assert!(
            std::time::Instant::now() < deadline,
            "the batch made no progress"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished_before = saved_items(&journal);
    assert!(
        finished_before < ITEMS,
        "the kill came too late to test anything"
    );

    // Let any request that was in flight at the kill finish on the server side.
    tokio::time::sleep(Duration::from_millis(400)).await;
    mock.clear_faults();
    let posts = || {
        mock.requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count()
    };
    let requests_before = posts();

    // Rerun without flags: finishes the rest, never resends an item whose outcome is unknown.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-j", "2"]);
    let out = run(cmd).await;
    let docs = json_lines(&out.stdout);
    let summary = docs.last().unwrap()["summary"].clone();
    let unknown = summary["unknown"].as_u64().unwrap() as usize;
    let done = summary["done"].as_u64().unwrap() as usize;
    let already = summary["already_done"].as_u64().unwrap() as usize;
    assert_eq!(already, finished_before, "{summary}");
    assert_eq!(done + already + unknown, ITEMS, "{summary}");
    assert!(
        unknown <= 2,
        "at most the requests in flight can be unknown: {summary}"
    );
    let sent_by_rerun = posts() - requests_before;
    assert_eq!(
        sent_by_rerun, done,
        "the rerun sent only the items that had not started"
    );

    // No request was charged twice, and every finished item was charged once.
    let charges: Vec<_> = mock
        .ledger(DEFAULT_KEY)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .collect();
    let ids: HashSet<_> = charges.iter().map(|e| e.request_id.clone()).collect();
    assert_eq!(ids.len(), charges.len(), "a request id was charged twice");
    assert!(
        charges.len() >= done + already && charges.len() <= ITEMS,
        "{} charges for {ITEMS} items",
        charges.len()
    );
    assert!(charges.iter().all(|e| e.credits == 100));
    // Unknown items the server had charged before the kill (normally none: the simulator's latency comes
    // before charging, and a request whose client vanished is dropped).
    let charged_unknowns = charges.len() - (done + already);

    // Items left unknown are sent only with the explicit flag, and then the batch is complete.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "--resubmit-unknown"]);
    let out = run(cmd).await;
    let docs = json_lines(&out.stdout);
    let summary = &docs.last().unwrap()["summary"];
    assert_eq!(
        summary["done"].as_u64().unwrap() as usize,
        unknown,
        "{summary}"
    );
    assert_eq!(
        summary["already_done"].as_u64().unwrap() as usize,
        ITEMS - unknown
    );
    assert_eq!(out.status.code(), Some(0));
    // Each resubmitted item is charged once more; only an unknown item that had in fact been charged is
    // charged twice, which is why resubmitting needs the explicit flag.
    let charges = mock
        .ledger(DEFAULT_KEY)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .count();
    assert_eq!(charges, ITEMS + charged_unknowns);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_batch_resumes_its_video_job_by_request_id() {
    // A slow clock: the job is still running when the batch is killed.
    let mock = artnex_mock::MockServer::builder()
        .speed(1.0)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("v.jsonl"),
        r#"{"op": "video", "prompt": "waves", "model": "veo3-fast", "duration": 4}"#,
    )
    .unwrap();
    let journal = dir.path().join("v.jsonl.journal");
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "v.jsonl", "--interval", "0.05"])
        .stdout(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .contains("\"event\":\"submitted\"")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the job was never submitted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // The job finishes on the server while nobody is watching; the rerun picks it up by id.
    mock.advance(Duration::from_secs(3600));
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "v.jsonl", "--interval", "0.05"]);
    let out = run(cmd).await;
    let docs = json_lines(&out.stdout);
    assert_eq!(docs.last().unwrap()["summary"]["done"], 1, "{docs:?}");
    let submissions = mock
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/video")
        .count();
    assert_eq!(
        submissions, 1,
        "the video was submitted once, then resumed by id"
    );
    let charges: Vec<_> = mock
        .ledger(DEFAULT_KEY)
        .into_iter()
        .filter(|e| e.kind == LedgerKind::Charge)
        .collect();
    assert_eq!((charges.len(), charges[0].credits), (1, 2000));
    let file = docs[0]["files"][0].as_str().unwrap();
    assert!(support::is_mp4(&dir.path().join(file)));
}
