//! `artnex batch`: mixed operations, the budget, and a `kill -9` in the middle followed by a rerun that
//! finishes every item exactly once without charging anything twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use artnex_mock::{DEFAULT_KEY, Fault, FaultKind, LedgerKind};
use std::collections::{BTreeSet, HashMap, HashSet};
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

    // A dry run says what a rerun would do, from the journal: done and failed items are not sent again
    // (the failed one only with --retry-failed, where it is checked again).
    for (flags, line_8) in [(&[][..], "not_sent"), (&["--retry-failed"][..], "invalid")] {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args([
            "--json",
            "batch",
            "jobs.jsonl",
            "--out",
            "results",
            "--dry-run",
        ])
        .args(flags);
        let out = run(cmd).await;
        let docs = json_lines(&out.stdout);
        let by_line: HashMap<u64, &serde_json::Value> = docs
            .iter()
            .filter_map(|d| Some((d.get("line")?.as_u64()?, d)))
            .collect();
        assert_eq!(by_line[&1]["status"], "not_sent", "{}", by_line[&1]);
        assert_eq!(by_line[&8]["status"], line_8, "{flags:?}: {}", by_line[&8]);
        if line_8 == "not_sent" {
            assert!(
                by_line[&8]["reason"]
                    .as_str()
                    .unwrap()
                    .contains("--retry-failed")
            );
        }
        assert_eq!(by_line[&9]["status"], "invalid");
        let summary = &docs.last().unwrap()["summary"];
        assert_eq!(summary["estimated_credits"], 0, "{summary}");
        assert_eq!(
            summary["not_sent_again"],
            if line_8 == "not_sent" { 7 } else { 6 },
            "{summary}"
        );
    }
    assert_eq!(mock.requests().len(), before, "dry runs send nothing");

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

    // The last run's gallery shows every item, including those finished before the kill.
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let refs = support::gallery_refs(&html);
    assert_eq!(refs.len(), ITEMS, "{refs:?}");
    assert!(refs.iter().all(|r| dir.path().join(r).is_file()));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_checks_and_prices_every_line_and_sends_nothing() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("in.png"), 40, 30);
    let lines = [
        r#"{"op": "generate", "prompt": "fox", "model": "flux-2-pro", "num_images": 2}"#,
        "",
        r#"{"op": "edit", "prompt": "winter", "image": "in.png"}"#,
        "# a comment",
        r#"{"op": "generate", "prompt": "bad model", "model": "veo3.1"}"#,
        r#"{"op": "video", "prompt": "waves", "duration": 5}"#,
        r#"{"op": "generate", "prompt": "typo", "num_imgs": 2}"#,
        "not json",
        r#"{"op": "upscale", "image": "missing.png"}"#,
    ];
    std::fs::write(dir.path().join("jobs.jsonl"), lines.join("\n")).unwrap();
    let journal = dir.path().join("jobs.jsonl.journal");
    let results = dir.path().join("results");

    // Human output: one line per item with its line number, then the summary.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "batch",
        "jobs.jsonl",
        "--dry-run",
        "--budget",
        "5000",
        "-o",
        "results",
    ]);
    let out = run(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("line 1: valid · generate · flux-2-pro · 500 credits"),
        "{stdout}"
    );
    assert!(stdout.contains("line 3: valid · edit"), "{stdout}");
    assert!(stdout.contains("line 5: invalid: "), "{stdout}");
    assert!(stdout.contains("line 7: invalid: ") && stdout.contains("num_imgs"));
    assert!(stdout.contains("line 8: invalid: not JSON"), "{stdout}");
    assert!(
        stdout.contains("line 9: invalid: image file") && stdout.contains("missing.png` not found"),
        "{stdout}"
    );
    assert!(
        stdout.contains("7 items · 3 valid · 4 invalid · 2200 credits estimated"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fits the budget of 5000 credits"),
        "{stdout}"
    );

    // JSON lines: the same, machine-readable; a budget that is too small is reported.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "batch",
        "jobs.jsonl",
        "--dry-run",
        "--budget",
        "2000",
        "-o",
        "results",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    let docs = json_lines(&out.stdout);
    let by_line: HashMap<u64, &serde_json::Value> = docs
        .iter()
        .filter_map(|d| Some((d.get("line")?.as_u64()?, d)))
        .collect();
    assert_eq!(
        by_line.keys().copied().collect::<HashSet<_>>(),
        HashSet::from([1, 3, 5, 6, 7, 8, 9])
    );
    assert_eq!(by_line[&1]["status"], "valid");
    assert_eq!(by_line[&1]["estimate"], 500);
    assert_eq!(by_line[&3]["estimate"], 200);
    assert_eq!(by_line[&6]["estimate"], 1500);
    assert_eq!(by_line[&5]["status"], "invalid");
    assert!(
        by_line[&5]["error"].as_str().unwrap().contains("veo3.1"),
        "{}",
        by_line[&5]
    );
    let summary = &docs.last().unwrap()["summary"];
    assert_eq!(summary["valid"], 3, "{summary}");
    assert_eq!(summary["invalid"], 4, "{summary}");
    assert_eq!(summary["estimated_credits"], 2200, "{summary}");
    assert_eq!(summary["fits_budget"], false, "{summary}");
    assert_eq!(summary["sent"], false, "{summary}");

    // Nothing reached the simulator, nothing was charged, and nothing was written.
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    assert!(mock.ledger(DEFAULT_KEY).is_empty());
    assert_eq!(mock.total_charged(DEFAULT_KEY), 0);
    assert!(!journal.exists(), "a dry run must not create the journal");
    assert!(
        !results.exists(),
        "a dry run must not create the output dir"
    );

    // Every line valid and within the budget: success.
    std::fs::write(
        dir.path().join("ok.jsonl"),
        "{\"op\": \"tts\", \"text\": \"hello\"}\n{\"op\": \"upscale\", \"image\": \"in.png\"}\n",
    )
    .unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "batch",
        "ok.jsonl",
        "--dry-run",
        "--budget",
        "110",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let docs = json_lines(&out.stdout);
    let summary = &docs.last().unwrap()["summary"];
    assert_eq!(
        (
            &summary["valid"],
            &summary["invalid"],
            &summary["estimated_credits"],
            &summary["fits_budget"]
        ),
        (
            &serde_json::json!(2),
            &serde_json::json!(0),
            &serde_json::json!(110),
            &serde_json::json!(true)
        ),
        "{summary}"
    );
    assert!(mock.requests().is_empty());
    assert!(!dir.path().join("ok.jsonl.journal").exists());

    // After a real run, a dry run leaves the journal byte for byte as it was and still sends nothing.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "ok.jsonl"]);
    assert_eq!(run(cmd).await.status.code(), Some(0));
    let journal_before = std::fs::read(dir.path().join("ok.jsonl.journal")).unwrap();
    let requests_before = mock.requests().len();
    // It reads the journal: a rerun would send nothing, so nothing is priced.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "ok.jsonl", "--dry-run"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let docs = json_lines(&out.stdout);
    for doc in &docs[..2] {
        assert_eq!(doc["status"], "not_sent", "{doc}");
        assert!(
            doc["reason"].as_str().unwrap().starts_with("already done"),
            "{doc}"
        );
    }
    let summary = &docs.last().unwrap()["summary"];
    assert_eq!(
        (
            &summary["valid"],
            &summary["not_sent_again"],
            &summary["estimated_credits"]
        ),
        (
            &serde_json::json!(0),
            &serde_json::json!(2),
            &serde_json::json!(0)
        ),
        "{summary}"
    );
    assert_eq!(mock.requests().len(), requests_before);
    assert_eq!(
        std::fs::read(dir.path().join("ok.jsonl.journal")).unwrap(),
        journal_before
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_opens_no_connection() {
    // A bare listener the test owns counts connections and closes each at once (so a broken CLI fails
    // fast instead of waiting on it); a final `STOP` connection from the test ends the count.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = std::thread::spawn(move || {
        let mut connections = 0;
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut head = [0u8; 4];
            let n = std::io::Read::read(&mut stream, &mut head).unwrap_or(0);
            if &head[..n] == b"STOP" {
                return connections;
            }
            connections += 1;
        }
        connections
    });
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.jsonl"),
        "{\"op\": \"generate\", \"prompt\": \"fox\"}\n{\"op\": \"tts\", \"text\": \"hi\"}\n",
    )
    .unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.env("ARTNEX_BASE_URL", format!("http://{addr}"))
        .args(["batch", "jobs.jsonl", "--dry-run"]);
    let out = run(cmd).await;
    let mut stop = std::net::TcpStream::connect(addr).unwrap();
    std::io::Write::write_all(&mut stop, b"STOP").unwrap();
    let connections = counter.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(connections, 0, "the dry run connected to the API");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gallery_covers_every_saved_item_across_runs_and_only_existing_files() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("in.png"), 40, 30);
    let results = dir.path().join("results");
    let batch = dir.path().join("jobs.jsonl");
    std::fs::write(
        &batch,
        "{\"op\": \"generate\", \"prompt\": \"fox\", \"num_images\": 2, \"width\": 64, \"height\": 64}\n{\"op\": \"tts\", \"text\": \"hello\"}\n",
    )
    .unwrap();
    let all_files = |docs: &[serde_json::Value]| -> BTreeSet<String> {
        docs.iter()
            .filter(|d| d["status"] == "done" || d["status"] == "already_done")
            .flat_map(|d| d["files"].as_array().unwrap().clone())
            .map(|f| f.as_str().unwrap().to_string())
            .collect()
    };
    let run_batch = || {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["--json", "batch", "jobs.jsonl", "-o", "results"]);
        run(cmd)
    };
    let check = |docs: &[serde_json::Value]| -> BTreeSet<String> {
        let summary = &docs.last().unwrap()["summary"];
        let index = std::path::PathBuf::from(summary["gallery"].as_str().unwrap());
        assert_eq!(dir.path().join(&index), results.join("index.html"));
        let refs =
            support::gallery_refs(&std::fs::read_to_string(results.join("index.html")).unwrap());
        for r in &refs {
            assert!(results.join(r).is_file(), "{r} is referenced but missing");
        }
        let mut expected = all_files(docs);
        expected.retain(|f| results.join(f).is_file());
        assert_eq!(
            refs, expected,
            "the gallery shows exactly the batch's outputs"
        );
        refs
    };

    let out = run_batch().await;
    assert_eq!(out.status.code(), Some(0));
    let first = check(&json_lines(&out.stdout));
    assert_eq!(first.len(), 3, "{first:?}");

    // A rerun with every result still there rebuilds a deleted page with all of them (the run then
    // knows every file is on disk without looking each up).
    std::fs::remove_file(results.join("index.html")).unwrap();
    let out = run_batch().await;
    assert_eq!(out.status.code(), Some(0));
    let docs = json_lines(&out.stdout);
    assert_eq!(docs.last().unwrap()["summary"]["already_done"], 2);
    assert_eq!(check(&docs), first);

    // A later run (as after an interruption) with more items: the gallery is rebuilt from the journal, so
    // it still shows the earlier items, even though the old page is gone; failed items add nothing.
    std::fs::remove_file(results.join("index.html")).unwrap();
    // An output deleted by hand is left out of the page (it would be a broken link).
    let deleted = first.iter().find(|f| f.ends_with(".mp3")).unwrap().clone();
    std::fs::remove_file(results.join(&deleted)).unwrap();
    let mut text = std::fs::read_to_string(&batch).unwrap();
    text.push_str("{\"op\": \"remove-bg\", \"image\": \"in.png\"}\n{\"op\": \"generate\", \"prompt\": \"x\", \"model\": \"sora-2\"}\n");
    std::fs::write(&batch, text).unwrap();
    let out = run_batch().await;
    assert_eq!(out.status.code(), Some(4));
    let docs = json_lines(&out.stdout);
    assert_eq!(docs.last().unwrap()["summary"]["already_done"], 2);
    let second = check(&docs);
    assert_eq!(second.len(), 3, "{second:?}");
    assert!(!second.contains(&deleted));
    assert_eq!(first.len() - 1, first.intersection(&second).count());
    assert!(
        all_files(&docs).contains(&deleted),
        "the journal still lists it"
    );

    // Human output names the page.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "-o", "results"]);
    let out = run(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "gallery: {}",
            std::path::Path::new("results").join("index.html").display()
        )),
        "{stdout}"
    );

    // Someone else's index.html is left alone.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("index.html"), "<html>mine</html>").unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args([
        "--json",
        "batch",
        "jobs.jsonl",
        "-o",
        "other",
        "--journal",
        "other.journal",
    ]);
    let out = run(cmd).await;
    let docs = json_lines(&out.stdout);
    assert!(docs.last().unwrap()["summary"]["gallery"].is_null());
    assert_eq!(
        std::fs::read_to_string(other.join("index.html")).unwrap(),
        "<html>mine</html>"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_reach_a_pipe_as_items_finish() {
    // The `--json` lines of items finishing together share a write, but none waits for a later item: the
    // generate's line is readable while the slow tts is still on its way.
    let mock = mock().await;
    mock.inject(Fault::new(FaultKind::Latency(Duration::from_secs(3))).on_path("/v1/tts"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("jobs.jsonl"),
        "{\"op\": \"tts\", \"text\": \"slow\"}\n{\"op\": \"generate\", \"prompt\": \"fast\", \"width\": 64, \"height\": 64}\n",
    )
    .unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-j", "2", "-o", "out"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (first, rest) = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().unwrap().unwrap();
        (first, lines)
    })
    .await
    .unwrap();
    // The tts is still waiting on the simulator (not charged yet) when the first line arrives.
    assert_eq!(
        mock.ledger(DEFAULT_KEY).len(),
        1,
        "the first line came only once the slow item had finished: {first}"
    );
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        (&first["line"], &first["status"]),
        (&2.into(), &"done".into()),
        "{first}"
    );
    let rest: Vec<String> = tokio::task::spawn_blocking(move || rest.map(Result::unwrap).collect())
        .await
        .unwrap();
    assert!(child.wait().unwrap().success());
    let last: serde_json::Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(last["summary"]["done"], 2, "{last}");
}
