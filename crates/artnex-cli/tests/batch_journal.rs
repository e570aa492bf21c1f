//! The batch journal under real-world faults: edited batch files, journals of the older format, damaged,
//! emptied or deleted journals, budgets across runs, leftovers of killed runs, another output directory,
//! `--strict`, and two runs of the same batch at once. Each runs the built `artnex` against a simulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch_support;
mod support;

use artnex_mock::{DEFAULT_KEY, Fault, FaultKind};
use batch_support::{
    charges, entries, events, json_lines, line_number_key, posts, summary, wait_until, write_batch,
};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use support::{artnex, mock, run};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_the_batch_file_never_resends_a_done_item() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.jsonl");
    write_batch(
        &file,
        &[
            r#"{"op": "generate", "prompt": "fox", "width": 64, "height": 64}"#,
            r#"{"op": "tts", "text": "same"}"#,
            r#"{"op": "tts", "text": "same"}"#,
            r#"{"id": "hero", "op": "generate", "prompt": "castle", "width": 64, "height": 64}"#,
            r#"{"op": "tts", "text": "bye"}"#,
        ],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["done"], 5);
    let hero = json_lines(&out.stdout)
        .into_iter()
        .find(|d| d["id"] == "hero")
        .unwrap();
    assert_eq!(
        (&hero["line"], &hero["status"]),
        (&4.into(), &"done".into())
    );
    let sent = posts(&mock);
    assert_eq!(sent, 5);

    // Comments and blank lines added, items reordered, JSON reformatted (spaces, field order), and the
    // item with an id edited: nothing is new.
    write_batch(
        &file,
        &[
            "# a comment that moves every line down",
            "",
            r#"{"text":"bye","op":"tts"}"#,
            r#"{ "op" : "tts" , "text" : "same" }"#,
            r#"   {"height": 64, "width": 64, "prompt": "fox", "op": "generate"}  "#,
            "",
            "# another comment",
            r#"{"op":"tts","text":"same"}"#,
            r#"{"op": "generate", "prompt": "castle, edited", "id": "hero", "width": 64, "height": 64}"#,
        ],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out", "--dry-run"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs = json_lines(&out.stdout);
    for doc in &docs[..docs.len() - 1] {
        assert_eq!(doc["status"], "not_sent", "{doc}");
    }
    let s = summary(&out.stdout);
    assert_eq!(
        (&s["not_sent_again"], &s["estimated_credits"]),
        (&5.into(), &0.into()),
        "{s}"
    );

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = summary(&out.stdout);
    assert_eq!(
        (&s["already_done"], &s["done"]),
        (&5.into(), &0.into()),
        "{s}"
    );
    assert_eq!(
        posts(&mock),
        sent,
        "an edit that keeps an item's content re-sent it"
    );

    // One of the identical lines removed and a new item added: only the new one is sent.
    write_batch(
        &file,
        &[
            r#"{"op": "tts", "text": "new"}"#,
            r#"{"text":"bye","op":"tts"}"#,
            r#"{"op":"tts","text":"same"}"#,
            r#"{"op": "generate", "prompt": "fox", "width": 64, "height": 64}"#,
            r#"{"id": "hero", "op": "generate", "prompt": "castle", "width": 64, "height": 64}"#,
        ],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    let s = summary(&out.stdout);
    assert_eq!(
        (&s["already_done"], &s["done"]),
        (&4.into(), &1.into()),
        "{s}"
    );
    assert_eq!(posts(&mock), sent + 1);
    assert_eq!(charges(&mock), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_keyed_by_line_numbers_keeps_working_and_is_migrated() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"op": "generate", "prompt": "a", "width": 64, "height": 64}"#,
        r#"{"op": "generate", "prompt": "b", "width": 64, "height": 64}"#,
        r#"{"op": "tts", "text": "c"}"#,
    ];
    write_batch(&dir.path().join("jobs.jsonl"), &lines);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl"]);
    let out = run(cmd).await;
    assert_eq!(summary(&out.stdout)["done"], 3);
    let sent = posts(&mock);

    // Rewrite the journal as the first format wrote it: line-number keys, no estimates, no run records.
    // Item 2 was charged but its download never finished; item 3 was in flight when the run died.
    let journal = dir.path().join("jobs.jsonl.journal");
    let mut old = String::new();
    for mut entry in entries(&journal) {
        let item = entry["item"].as_u64().unwrap() as usize;
        let event = entry["event"].as_str().unwrap().to_string();
        if (item == 2 && event == "saved") || (item == 3 && event != "started") {
            // Those downloads never happened.
            for f in entry["files"].as_array().into_iter().flatten() {
                std::fs::remove_file(dir.path().join(f.as_str().unwrap())).unwrap();
            }
            continue;
        }
        entry["key"] = line_number_key(item, lines[item - 1]).into();
        entry.as_object_mut().unwrap().remove("estimate");
        old.push_str(&format!("{entry}\n"));
    }
    std::fs::write(&journal, &old).unwrap();

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl"]);
    let out = run(cmd).await;
    let s = summary(&out.stdout);
    assert_eq!(
        (
            &s["already_done"],
            &s["done"],
            &s["unknown"],
            &s["credits_used"]
        ),
        (&1.into(), &1.into(), &1.into(), &0.into()),
        "{s}\n{}",
        stderr(&out)
    );
    assert_eq!(
        posts(&mock),
        sent,
        "the old journal's items were sent again"
    );
    assert_eq!(events(&journal, "migrated"), 3);

    // Now the file is edited: the items keep their history under their new keys.
    let mut edited = vec!["# inserted at the top", ""];
    edited.extend(lines);
    write_batch(&dir.path().join("jobs.jsonl"), &edited);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl"]);
    let out = run(cmd).await;
    let s = summary(&out.stdout);
    assert_eq!(
        (&s["already_done"], &s["done"], &s["unknown"]),
        (&2.into(), &0.into(), &1.into()),
        "{s}"
    );
    assert_eq!(posts(&mock), sent);
    assert_eq!(events(&journal, "migrated"), 3, "migration happens once");
}

/// Runs a finished two-item batch in `dir` and returns the journal's path.
async fn finished_batch(mock: &artnex_mock::MockServer, dir: &Path) -> std::path::PathBuf {
    write_batch(
        &dir.join("jobs.jsonl"),
        &[
            r#"{"op": "tts", "text": "one"}"#,
            r#"{"op": "generate", "prompt": "two", "width": 64, "height": 64}"#,
        ],
    );
    let mut cmd = artnex(mock, dir);
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("jobs.jsonl.journal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_that_is_not_utf8_is_skipped_like_any_torn_tail() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = finished_batch(&mock, dir.path()).await;
    let lines = std::fs::read_to_string(&journal).unwrap().lines().count();
    // A write cut inside a multi-byte character ("é" is C3 A9).
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(b"{\"item\":1,\"key\":\"x\",\"event\":\"failed\",\"error\":\"caf\xc3");
    std::fs::write(&journal, &bytes).unwrap();
    let sent = posts(&mock);

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["already_done"], 2);
    assert!(
        stderr(&out).contains(&format!("line {}: cut off", lines + 1)),
        "{}",
        stderr(&out)
    );
    assert_eq!(posts(&mock), sent);
    // The torn bytes are gone: the journal is valid UTF-8 again and the next run has nothing to say.
    assert!(String::from_utf8(std::fs::read(&journal).unwrap()).is_ok());
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("cut off"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_inside_the_journal_is_reported_with_its_line_and_stops_the_run() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = finished_batch(&mock, dir.path()).await;
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "this line is not what artnex wrote");
    let damaged = lines.join("\n") + "\n";
    std::fs::write(&journal, &damaged).unwrap();
    let sent = posts(&mock);

    for json in [false, true] {
        let mut cmd = artnex(&mock, dir.path());
        if json {
            cmd.arg("--json");
        }
        cmd.args(["batch", "jobs.jsonl", "-o", "out"]);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let message = if json {
            json_lines(&out.stdout).last().unwrap()["error"]["message"]
                .as_str()
                .unwrap()
                .to_string()
        } else {
            stderr(&out)
        };
        assert!(
            message.contains("line 3: not JSON") && message.contains("--force"),
            "{message}"
        );
    }
    // A dry run says the same.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "-o", "out", "--dry-run"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("a run would refuse"));
    assert_eq!(posts(&mock), sent);
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), damaged);

    // --force skips the damaged line.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out", "--force"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["already_done"], 2);
    assert!(stderr(&out).contains("skipped because of --force"));
    assert_eq!(posts(&mock), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_truncated_or_deleted_journal_with_results_on_disk_stops_the_run() {
    let mock = mock().await;
    for case in ["empty", "truncated", "deleted"] {
        let dir = tempfile::tempdir().unwrap();
        let journal = finished_batch(&mock, dir.path()).await;
        let text = std::fs::read_to_string(&journal).unwrap();
        match case {
            "empty" => std::fs::write(&journal, "").unwrap(),
            // Keep the first item's life only (its first entries), cut in the middle of a line.
            "truncated" => {
                let second = text.find("\"item\":2").unwrap();
                std::fs::write(&journal, &text[..second + 5]).unwrap();
            }
            _ => std::fs::remove_file(&journal).unwrap(),
        }
        let before = std::fs::read(&journal).ok();
        let sent = posts(&mock);
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["batch", "jobs.jsonl", "-o", "out"]);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{case}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("result file")
                && err.contains("--force")
                && err.contains("nothing was sent"),
            "{case}: {err}"
        );
        assert_eq!(posts(&mock), sent, "{case}");
        assert_eq!(
            std::fs::read(&journal).ok(),
            before,
            "{case}: the journal was changed"
        );

        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["batch", "jobs.jsonl", "-o", "out", "--dry-run"]);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{case}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("a run would refuse"));

        if case == "deleted" {
            // Told to go on, the run sends the items (the user's call) and remembers the files it found.
            let mut cmd = artnex(&mock, dir.path());
            cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out", "--force"]);
            let out = run(cmd).await;
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            assert_eq!(summary(&out.stdout)["done"], 2);
            let mut cmd = artnex(&mock, dir.path());
            cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
            let out = run(cmd).await;
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            assert_eq!(summary(&out.stdout)["already_done"], 2);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_counts_what_earlier_runs_spent() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let line = |p: &str| format!(r#"{{"op": "generate", "prompt": "{p}", "model": "flux-2-pro"}}"#);
    let lines: Vec<String> = ["a", "b", "c", "d"].iter().map(|p| line(p)).collect();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let batch = |budget: &str| {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args([
            "--json",
            "batch",
            "jobs.jsonl",
            "-j",
            "1",
            "--budget",
            budget,
        ]);
        cmd
    };
    let out = run(batch("500")).await;
    let s = summary(&out.stdout);
    assert_eq!((&s["done"], &s["skipped"]), (&2.into(), &2.into()), "{s}");
    assert_eq!(mock.total_charged(DEFAULT_KEY), 500);

    // The documented recovery (run the same command again) does not spend the budget a second time.
    let out = run(batch("500")).await;
    let s = summary(&out.stdout);
    assert_eq!(
        (&s["done"], &s["skipped"], &s["credits_before"]),
        (&0.into(), &2.into(), &500.into()),
        "{s}"
    );
    assert_eq!(mock.total_charged(DEFAULT_KEY), 500);
    let mut cmd = batch("500");
    cmd.arg("--dry-run");
    let out = run(cmd).await;
    assert_eq!(summary(&out.stdout)["fits_budget"], false);

    // A budget that covers the rest.
    let out = run(batch("1000")).await;
    assert_eq!(summary(&out.stdout)["done"], 2);
    assert_eq!(mock.total_charged(DEFAULT_KEY), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_counts_an_item_of_unknown_outcome_as_spent() {
    let mock = mock().await;
    // The first request is charged, then its connection is cut: its outcome is unknown to the client.
    mock.inject(
        Fault::new(FaultKind::DropAfterCharge)
            .on_path("/v1/generate")
            .times(1),
    );
    let dir = tempfile::tempdir().unwrap();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[
            r#"{"op": "generate", "prompt": "a", "model": "flux-2-pro"}"#,
            r#"{"op": "generate", "prompt": "b", "model": "flux-2-pro"}"#,
            r#"{"op": "generate", "prompt": "c", "model": "flux-2-pro"}"#,
        ],
    );
    let batch = |extra: &[&str]| {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args([
            "--json",
            "batch",
            "jobs.jsonl",
            "-j",
            "1",
            "--budget",
            "750",
        ])
        .args(extra);
        cmd
    };
    let out = run(batch(&[])).await;
    let s = summary(&out.stdout);
    assert_eq!((&s["done"], &s["unknown"]), (&2.into(), &1.into()), "{s}");
    assert_eq!(mock.total_charged(DEFAULT_KEY), 750);
    // Resubmitting it would cost 250 more than the budget allows, since it may have been charged.
    let out = run(batch(&["--resubmit-unknown"])).await;
    let s = summary(&out.stdout);
    assert_eq!((&s["skipped"], &s["done"]), (&1.into(), &0.into()), "{s}");
    assert_eq!(mock.total_charged(DEFAULT_KEY), 750);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leftovers_of_killed_runs_are_cleaned_and_redownloads_cost_nothing() {
    let mock = mock().await;
    // Every download fails: both items are charged but not saved.
    mock.inject(Fault::new(FaultKind::ServerError).on_path("/cdn/*"));
    let dir = tempfile::tempdir().unwrap();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[
            r#"{"op": "generate", "prompt": "a", "width": 64, "height": 64}"#,
            r#"{"op": "generate", "prompt": "b", "width": 64, "height": 64}"#,
        ],
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["credits_used"], 200);
    let charged = mock.total_charged(DEFAULT_KEY);
    assert_eq!(charged, 200);
    let ids: Vec<String> = entries(&dir.path().join("jobs.jsonl.journal"))
        .iter()
        .filter(|e| e["event"] == "completed")
        .map(|e| e["request_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2);

    // What a kill in the middle of a download leaves (the SDK's temporary file for the result's stem),
    // next to temporary files that are someone else's, and an index.html emptied by a kill mid-write.
    let out_dir = dir.path().join("out");
    let ours = out_dir.join(format!(".generate-{}.part.0badf00d.artnex-part", ids[0]));
    let theirs = [
        out_dir.join(".generate-req_someone_else.part.12345678.artnex-part"),
        out_dir.join(".notes.txt.1234abcd.artnex-part"),
    ];
    std::fs::write(&ours, vec![0u8; 4096]).unwrap();
    for t in &theirs {
        std::fs::write(t, b"in progress").unwrap();
    }
    std::fs::write(out_dir.join("index.html"), b"").unwrap();

    mock.clear_faults();
    let sent = posts(&mock);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "out"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = summary(&out.stdout);
    assert_eq!(
        (&s["done"], &s["credits_used"]),
        (&2.into(), &0.into()),
        "re-downloads are free: {s}"
    );
    assert_eq!(posts(&mock), sent);
    assert_eq!(mock.total_charged(DEFAULT_KEY), charged);
    assert!(
        !ours.exists(),
        "the killed download's temporary file is still there"
    );
    for t in &theirs {
        assert!(t.exists(), "{} is not this batch's", t.display());
    }
    assert!(!s["gallery"].is_null(), "{s}");
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert_eq!(support::gallery_refs(&html).len(), 2, "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_with_another_output_directory_says_where_the_results_are() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    finished_batch(&mock, dir.path()).await;
    let first = std::fs::canonicalize(dir.path().join("out")).unwrap();
    let sent = posts(&mock);

    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "-o", "elsewhere"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("are in {}", first.display())) && err.contains("--journal"),
        "{err}"
    );
    assert!(
        !dir.path().join("elsewhere").exists(),
        "no empty gallery pointing nowhere"
    );
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["batch", "jobs.jsonl", "-o", "elsewhere", "--dry-run"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&first.display().to_string()));

    // A moved output directory is recognised by the results in it.
    std::fs::rename(dir.path().join("out"), dir.path().join("moved")).unwrap();
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "moved"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["already_done"], 2);
    assert!(
        stderr(&out).contains("which it now records"),
        "{}",
        stderr(&out)
    );
    let html = std::fs::read_to_string(dir.path().join("moved/index.html")).unwrap();
    assert_eq!(support::gallery_refs(&html).len(), 2);
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl", "-o", "moved"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("now records"));
    assert_eq!(posts(&mock), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_checks_the_whole_file_before_sending_anything() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &[
            r#"{"op": "tts", "text": "one"}"#,
            r#"{"op": "tts", "text": "two"}"#,
            r#"{"op": "generate", "prompt": "x", "model": "veo3.1"}"#,
            r#"{"op": "upscale", "image": "missing.png"}"#,
        ],
    );
    for json in [false, true] {
        let mut cmd = artnex(&mock, dir.path());
        if json {
            cmd.arg("--json");
        }
        cmd.args(["batch", "jobs.jsonl", "--strict"]);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let text = if json {
            let docs = json_lines(&out.stdout);
            let invalid: Vec<u64> = docs
                .iter()
                .filter(|d| d["status"] == "invalid")
                .map(|d| d["line"].as_u64().unwrap())
                .collect();
            assert_eq!(invalid, vec![3, 4]);
            docs.last().unwrap()["error"]["message"].to_string()
        } else {
            let err = stderr(&out);
            assert!(
                err.contains("line 3: invalid") && err.contains("line 4: invalid"),
                "{err}"
            );
            err
        };
        assert!(
            text.contains("2 line(s)") && text.contains("nothing was sent"),
            "{text}"
        );
    }
    assert!(mock.requests().is_empty());
    assert!(!dir.path().join("jobs.jsonl.journal").exists());
    // Without --strict the valid lines go out.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["--json", "batch", "jobs.jsonl"]);
    let out = run(cmd).await;
    assert_eq!(summary(&out.stdout)["done"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_of_the_same_batch_at_once_charge_each_item_once() {
    // A real-time clock that the test advances: the first run waits on its video job, holding the journal,
    // for as long as the test needs.
    let mock = artnex_mock::MockServer::builder()
        .speed(1.0)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![
        r#"{"op": "video", "prompt": "waves", "model": "veo3-fast", "duration": 4}"#.to_string(),
    ];
    lines.extend((0..3).map(|i| {
        format!(r#"{{"op": "generate", "prompt": "item {i}", "width": 64, "height": 64}}"#)
    }));
    let items = lines.len();
    write_batch(
        &dir.path().join("jobs.jsonl"),
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let journal = dir.path().join("jobs.jsonl.journal");
    let batch = |json: bool| {
        let mut cmd = artnex(&mock, dir.path());
        if json {
            cmd.arg("--json");
        }
        cmd.args(["batch", "jobs.jsonl", "-j", "1", "--interval", "0.05"]);
        cmd
    };
    let mut cmd = batch(true);
    cmd.stdout(std::process::Stdio::null());
    let first = cmd.spawn().unwrap();
    wait_until("the first run submits its video job", || {
        events(&journal, "submitted") > 0
    })
    .await;

    let out = run(batch(false)).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("process {}", first.id())) && err.contains("nothing was sent"),
        "{err}"
    );
    let out = run(batch(true)).await;
    assert_eq!(out.status.code(), Some(5));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            &doc["error"]["kind"],
            &doc["error"]["pid"],
            &doc["exit_code"]
        ),
        (&"journal_locked".into(), &first.id().into(), &5.into()),
        "{doc}"
    );
    assert_eq!(posts(&mock), 1, "a refused run sent something");

    // The job completes; the first run finishes everything.
    mock.advance(Duration::from_secs(3600));
    let mut first = first;
    let status = tokio::task::spawn_blocking(move || first.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(charges(&mock), items);
    assert_eq!(posts(&mock), items);
    let started: HashMap<String, usize> = entries(&journal)
        .iter()
        .filter(|e| e["event"] == "started")
        .fold(HashMap::new(), |mut m, e| {
            *m.entry(e["key"].as_str().unwrap().to_string()).or_default() += 1;
            m
        });
    assert_eq!(started.len(), items);
    assert!(started.values().all(|n| *n == 1), "{started:?}");
    // The lock goes with its holder.
    let out = run(batch(true)).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(summary(&out.stdout)["already_done"], items);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_and_commands_sharing_an_output_directory_are_told_apart_from_a_lost_journal() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    // A result of a single command, there before any batch.
    let mut cmd = artnex(&mock, dir.path());
    cmd.args(["tts", "before", "-o", "out"]);
    assert_eq!(run(cmd).await.status.code(), Some(0));
    write_batch(
        &dir.path().join("a.jsonl"),
        &[r#"{"op": "tts", "text": "a1"}"#],
    );
    write_batch(
        &dir.path().join("b.jsonl"),
        &[r#"{"op": "tts", "text": "b1"}"#],
    );
    let batch = |file: &str| {
        let mut cmd = artnex(&mock, dir.path());
        cmd.args(["--json", "batch", file, "-o", "out"]);
        cmd
    };
    let out = run(batch("a.jsonl")).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holds 1 result file(s)")
            && stderr(&out).contains("already there before this batch"),
        "{}",
        stderr(&out)
    );
    let out = run(batch("b.jsonl")).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Each batch's new results are the other's journal's business.
    write_batch(
        &dir.path().join("a.jsonl"),
        &[
            r#"{"op": "tts", "text": "a1"}"#,
            r#"{"op": "tts", "text": "a2"}"#,
        ],
    );
    let out = run(batch("a.jsonl")).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["done"], 1);
    let out = run(batch("b.jsonl")).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out.stdout)["already_done"], 1);
    let sent = posts(&mock);

    // But b's own result, once its journal is gone, stops b.
    std::fs::remove_file(dir.path().join("b.jsonl.journal")).unwrap();
    let out = run(batch("b.jsonl")).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc = json_lines(&out.stdout).pop().unwrap();
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("holds 1 result file(s) (tts-") && message.contains("no journal records"),
        "{message}"
    );
    assert_eq!(posts(&mock), sent);
}
