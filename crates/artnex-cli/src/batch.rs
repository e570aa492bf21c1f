//! `artnex batch FILE.jsonl`: many requests with bounded concurrency, a credit budget, and a journal that
//! makes reruns safe after any interruption (even `kill -9`).
//!
//! On a rerun, finished items are skipped, charged items whose files were not saved are downloaded again
//! (no new request), video jobs are resumed by request id, and items whose outcome is unknown (the process
//! died while their request was in flight) are left alone unless `--resubmit-unknown` is given.

use crate::cli::{BatchArgs, Global};
use crate::exec::{self, Failure, UsageError};
use crate::gallery::{self, Card};
use crate::journal::{Event, Journal, Replayed, State, item_key};
use crate::progress::{self, Progress};
use crate::request::{Request, RequestExt};
use crate::{Conn, report};
use artnex::any::Outcome as Sent;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One line of the batch file.
struct Item {
    line: usize,
    key: String,
    request: Result<Request, String>,
}

/// How an item ended in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    AlreadyDone,
    Failed,
    Unknown,
    Skipped,
}

struct Shared {
    conn: Conn,
    journal: Mutex<Journal>,
    out: PathBuf,
    args: BatchArgs,
    json: bool,
    budget_used: AtomicU64,
    credits: AtomicU64,
    done: AtomicUsize,
    failed: AtomicUsize,
    total: usize,
    bar: Option<Progress>,
}

impl Shared {
    fn record(&self, item: &Item, event: Event) -> Result<(), Failure> {
        let mut journal = self
            .journal
            .lock()
            .map_err(|_| UsageError("the journal lock is poisoned".into()))?;
        journal.record(item.line, &item.key, event).map_err(|e| {
            Failure::Sdk(artnex::Error::Io {
                path: Some(journal.path().to_path_buf()),
                source: e,
            })
        })
    }

    fn state(&self, key: &str) -> State {
        self.journal
            .lock()
            .map(|j| j.state(key))
            .unwrap_or_default()
    }

    fn emit(&self, item: &Item, outcome: Outcome, detail: Value) {
        match outcome {
            Outcome::Done | Outcome::AlreadyDone => self.done.fetch_add(1, Ordering::SeqCst),
            _ => self.failed.fetch_add(1, Ordering::SeqCst),
        };
        let status = match outcome {
            Outcome::Done => "done",
            Outcome::AlreadyDone => "already_done",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
            Outcome::Skipped => "skipped",
        };
        if self.json {
            let mut doc = json!({"line": item.line, "status": status});
            if let (Some(obj), Value::Object(extra)) = (doc.as_object_mut(), detail) {
                obj.extend(extra);
            }
            println!("{doc}");
        } else if outcome != Outcome::Done && outcome != Outcome::AlreadyDone {
            let why = detail
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let line = format!("line {}: {status}: {why}", item.line);
            if self.bar.is_some() {
                eprintln!("\r\x1b[2K{line}");
            } else {
                eprintln!("{line}");
            }
        }
        if let Some(bar) = &self.bar {
            bar.set(progress::bar(
                self.done.load(Ordering::SeqCst) + self.failed.load(Ordering::SeqCst),
                self.total,
                self.failed.load(Ordering::SeqCst),
                self.credits.load(Ordering::SeqCst),
            ));
        }
    }
}

fn read_items(path: &Path) -> Result<Vec<Item>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(path.to_path_buf()),
            source: e,
        })
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line_no = i + 1;
        let (key, request) = match serde_json::from_str::<Value>(trimmed) {
            Ok(value) => {
                let key = item_key(line_no, &value);
                let request = serde_json::from_value::<Request>(value)
                    .map(|r| r.with_defaults().with_image_base(&base))
                    .map_err(|e| format!("not a valid request: {e}"));
                (key, request)
            }
            Err(e) => (
                item_key(line_no, &Value::String(trimmed.into())),
                Err(format!("not JSON: {e}")),
            ),
        };
        items.push(Item {
            line: line_no,
            key,
            request,
        });
    }
    Ok(items)
}

/// What `--dry-run` found for one line.
enum Checked {
    /// Valid, with its local estimate.
    Valid {
        request: Request,
        estimate: artnex::pricing::Estimate,
    },
    /// Not sendable as written.
    Invalid(String),
}

/// Validates and prices one item locally (no client: nothing can be sent).
fn check(item: &Item) -> Checked {
    let request = match &item.request {
        Ok(r) => r,
        Err(e) => return Checked::Invalid(e.clone()),
    };
    let estimate = match request.estimate(None) {
        Ok(e) => e,
        Err(e) => return Checked::Invalid(artnex::Error::from(e).to_string()),
    };
    if let Err(e) = exec::check_local_files(request) {
        return Checked::Invalid(e.to_string());
    }
    Checked::Valid {
        request: request.clone(),
        estimate,
    }
}

/// `artnex batch FILE --dry-run`: validates and prices locally every line that a rerun would send (the
/// journal, when there is one, is read but never created or changed). Sends nothing, opens no connection,
/// and does not touch the output directory.
fn dry_run(g: &Global, args: &BatchArgs, items: &[Item]) -> Result<ExitCode, Failure> {
    // What an earlier run recorded: a rerun would not send those items again.
    let path = journal_path(args);
    let journal = Replayed::read(&path).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(path.clone()),
            source: e,
        })
    })?;
    let (mut valid, mut invalid, mut total, mut unpriced) = (0usize, 0usize, 0u64, 0usize);
    let mut not_sent = 0usize;
    for item in items {
        let state = journal
            .as_ref()
            .map(|j| j.state(&item.key))
            .unwrap_or_default();
        if let Some(reason) = Resume::from(state, args).not_sent_reason() {
            not_sent += 1;
            if g.json {
                println!(
                    "{}",
                    json!({"line": item.line, "status": "not_sent", "reason": reason})
                );
            } else {
                println!("line {}: not sent again: {reason}", item.line);
            }
            continue;
        }
        match check(item) {
            Checked::Valid { request, estimate } => {
                valid += 1;
                match estimate.credits() {
                    Some(c) => total = total.saturating_add(c),
                    None => unpriced += 1,
                }
                if g.json {
                    println!(
                        "{}",
                        json!({"line": item.line, "status": "valid", "op": request.op(), "model": request.model_id(), "estimate": crate::estimate_json(&estimate)})
                    );
                } else {
                    let model = request
                        .model_id()
                        .map(|m| format!(" · {m}"))
                        .unwrap_or_default();
                    println!(
                        "line {}: valid · {}{model} · {estimate}",
                        item.line,
                        request.op()
                    );
                }
            }
            Checked::Invalid(error) => {
                invalid += 1;
                if g.json {
                    println!(
                        "{}",
                        json!({"line": item.line, "status": "invalid", "error": error})
                    );
                } else {
                    println!("line {}: invalid: {error}", item.line);
                }
            }
        }
    }
    // Under a budget, the real run skips items without a fixed estimate, so they never fit.
    let fits = args.budget.map(|b| unpriced == 0 && total <= b);
    if g.json {
        println!(
            "{}",
            json!({"summary": {"dry_run": true, "sent": false, "items": items.len(), "valid": valid, "invalid": invalid, "not_sent_again": not_sent, "estimated_credits": total, "unpriced": unpriced, "budget": args.budget, "fits_budget": fits}})
        );
    } else {
        let more = if unpriced > 0 {
            format!(" (plus {unpriced} item(s) without a fixed estimate)")
        } else {
            String::new()
        };
        let journaled = if not_sent > 0 {
            format!(" · {not_sent} handled by the journal (not sent again)")
        } else {
            String::new()
        };
        println!(
            "batch dry run: {} items · {valid} valid · {invalid} invalid{journaled} · {total} credits estimated{more} · nothing sent",
            items.len()
        );
        if let Some(b) = args.budget {
            if fits == Some(true) {
                println!("  fits the budget of {b} credits");
            } else if total > b {
                println!(
                    "  does not fit the budget of {b} credits: items past it would be skipped"
                );
            } else {
                println!(
                    "  does not fit the budget of {b} credits: items without a fixed estimate are skipped under --budget"
                );
            }
        }
    }
    Ok(if invalid > 0 {
        ExitCode::from(report::USAGE)
    } else {
        ExitCode::SUCCESS
    })
}

/// The journal of a batch: `--journal`, else the batch file's path plus `.journal`.
fn journal_path(args: &BatchArgs) -> PathBuf {
    args.journal.clone().unwrap_or_else(|| {
        let mut p = args.file.clone().into_os_string();
        p.push(".journal");
        PathBuf::from(p)
    })
}

/// Why an item whose earlier outcome is unknown is not sent again.
const UNKNOWN_NOT_RESENT: &str = "the outcome of an earlier attempt is unknown (it may have been charged); not sent again without --resubmit-unknown";

/// What a run does with an item, given what the journal recorded: one decision for real runs and dry runs.
enum Resume {
    /// Finished earlier.
    Done { credits: u64, files: Vec<String> },
    /// Charged earlier: download the results again.
    Download {
        request_id: Option<String>,
        credits: u64,
        urls: Vec<String>,
    },
    /// A video job submitted earlier: wait for it.
    Wait { request_id: String },
    /// Failed earlier; stays failed without --retry-failed.
    KeepFailed { error: String },
    /// Outcome unknown; not resent without --resubmit-unknown.
    KeepUnknown,
    /// New (or retried on request): send it.
    Send,
}

impl Resume {
    fn from(state: State, args: &BatchArgs) -> Resume {
        match state {
            State::Done { credits, files } => Resume::Done { credits, files },
            State::Completed {
                request_id,
                credits,
                urls,
            } => Resume::Download {
                request_id,
                credits,
                urls,
            },
            State::Pending { request_id } => Resume::Wait { request_id },
            State::Failed { error } if !args.retry_failed => Resume::KeepFailed { error },
            State::Unknown { .. } | State::InFlight if !args.resubmit_unknown => {
                Resume::KeepUnknown
            }
            _ => Resume::Send,
        }
    }

    /// Why a run would not send the item (for `--dry-run`); `None` when it would.
    fn not_sent_reason(&self) -> Option<String> {
        match self {
            Resume::Done { credits, .. } => Some(format!("already done ({credits} credits)")),
            Resume::Download { credits, .. } => Some(format!(
                "already charged ({credits} credits); a rerun only downloads the results"
            )),
            Resume::Wait { request_id } => Some(format!(
                "video job {request_id} already submitted; a rerun waits for it"
            )),
            Resume::KeepFailed { error } => Some(format!(
                "failed earlier ({error}); not resent without --retry-failed"
            )),
            Resume::KeepUnknown => Some(UNKNOWN_NOT_RESENT.into()),
            Resume::Send => None,
        }
    }
}

/// Runs the batch (or only checks it, with `--dry-run`).
pub async fn run(g: &Global, args: &BatchArgs) -> Result<ExitCode, Failure> {
    let items = read_items(&args.file)?;
    if g.dry_run {
        return dry_run(g, args, &items);
    }
    let journal_path = journal_path(args);
    let journal = Journal::open(&journal_path).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(journal_path.clone()),
            source: e,
        })
    })?;
    if journal.skipped_lines() > 0 && !g.json {
        eprintln!(
            "note: {} unreadable journal line(s) ignored (an interrupted write); the items they describe are treated as in flight",
            journal.skipped_lines()
        );
    }
    let out = crate::files::ensure_dir(&g.out).map_err(|e| {
        Failure::Sdk(artnex::Error::Io {
            path: Some(g.out.clone()),
            source: e,
        })
    })?;
    let conn = Conn::open(g, crate::MOCK_SPEED).await?;
    let shared = Arc::new(Shared {
        conn,
        journal: Mutex::new(journal),
        out,
        args: args.clone(),
        json: g.json,
        budget_used: AtomicU64::new(0),
        credits: AtomicU64::new(0),
        done: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        total: items.len(),
        bar: (!g.json).then(|| Progress::spinner(progress::bar(0, items.len(), 0, 0), true)),
    });
    // What the gallery needs once the items are consumed.
    let listed: Vec<(usize, String, Option<Request>)> = items
        .iter()
        .map(|i| (i.line, i.key.clone(), i.request.as_ref().ok().cloned()))
        .collect();
    let concurrency = args.concurrency.max(1);
    let outcomes: Vec<Outcome> = futures_util::stream::iter(items.into_iter().map(|item| {
        let shared = shared.clone();
        async move { process(&shared, item).await }
    }))
    .buffer_unordered(concurrency)
    .collect()
    .await;

    if let Some(bar) = &shared.bar {
        bar.set(String::new());
    }
    let count = |o: Outcome| outcomes.iter().filter(|x| **x == o).count();
    let (done, already, failed, unknown, skipped) = (
        count(Outcome::Done),
        count(Outcome::AlreadyDone),
        count(Outcome::Failed),
        count(Outcome::Unknown),
        count(Outcome::Skipped),
    );
    let credits = shared.credits.load(Ordering::SeqCst);
    let gallery = write_gallery(&shared, &listed);
    let gallery_json = match &gallery {
        Gallery::Written(p) => json!(p.display().to_string()),
        _ => Value::Null,
    };
    if g.json {
        println!(
            "{}",
            json!({"summary": {"items": outcomes.len(), "done": done, "already_done": already, "failed": failed, "unknown": unknown, "skipped": skipped, "credits_used": credits, "journal": journal_path.display().to_string(), "gallery": gallery_json}})
        );
    } else {
        drop(shared);
        println!(
            "batch: {} items · {done} done · {already} already done · {failed} failed · {unknown} unknown · {skipped} skipped · {credits} credits",
            outcomes.len()
        );
        if unknown > 0 {
            println!(
                "  {unknown} item(s) may have been processed before an interruption; they were not sent again. \
                 Check your dashboard, then rerun with --resubmit-unknown to send them anyway."
            );
        }
        println!("  journal: {}", journal_path.display());
        match &gallery {
            Gallery::Written(p) => println!("  gallery: {}", p.display()),
            Gallery::Foreign(p) => println!(
                "  gallery: not written; {} exists and was not written by artnex",
                p.display()
            ),
            Gallery::Failed(e) => println!("  gallery: not written: {e}"),
        }
    }
    Ok(if failed + unknown + skipped > 0 {
        ExitCode::from(report::PARTIAL)
    } else {
        ExitCode::SUCCESS
    })
}

/// What became of the batch's gallery.
enum Gallery {
    /// Written (or refreshed) at this path.
    Written(PathBuf),
    /// Not written: an `index.html` that artnex did not write is in the way.
    Foreign(PathBuf),
    /// Not written: the error.
    Failed(String),
}

/// Writes `index.html` in the output directory with every item of the batch file that the journal records
/// as saved, whether in this run or an earlier one, showing only files that are on disk.
fn write_gallery(shared: &Shared, listed: &[(usize, String, Option<Request>)]) -> Gallery {
    let cards: Vec<Card> = {
        let Ok(journal) = shared.journal.lock() else {
            return Gallery::Failed("the journal lock is poisoned".into());
        };
        listed
            .iter()
            .filter_map(|(line, key, request)| {
                let State::Done { credits, files } = journal.state(key) else {
                    return None;
                };
                let files: Vec<String> = files
                    .into_iter()
                    .filter(|f| shared.out.join(f).is_file())
                    .collect();
                if files.is_empty() {
                    return None;
                }
                let what = request
                    .as_ref()
                    .map(|r| {
                        let model = r.model_id().map(|m| format!(" · {m}")).unwrap_or_default();
                        format!(" · {}{model}", r.op())
                    })
                    .unwrap_or_default();
                Some(Card {
                    title: format!("line {line}{what}"),
                    prompt: request.as_ref().and_then(|r| r.text().map(str::to_string)),
                    files,
                    credits,
                    estimate: None,
                })
            })
            .collect()
    };
    let title = format!(
        "Artnex batch {}",
        shared
            .args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    match gallery::write_index(&shared.out, &title, &cards) {
        Ok(Some(path)) => Gallery::Written(path),
        Ok(None) => Gallery::Foreign(shared.out.join("index.html")),
        Err(e) => Gallery::Failed(e.to_string()),
    }
}

async fn process(shared: &Shared, item: Item) -> Outcome {
    let request = match &item.request {
        Ok(r) => r.clone(),
        Err(e) => {
            shared.emit(&item, Outcome::Failed, json!({"error": e}));
            return Outcome::Failed;
        }
    };
    match Resume::from(shared.state(&item.key), &shared.args) {
        Resume::Done { credits, files } => {
            shared.emit(
                &item,
                Outcome::AlreadyDone,
                json!({"credits_used": credits, "files": files}),
            );
            Outcome::AlreadyDone
        }
        Resume::Download {
            request_id,
            credits,
            urls,
        } => {
            let media: Vec<_> = urls
                .iter()
                .map(|u| shared.conn.client.media(u.clone()))
                .collect();
            finish(shared, &item, &request, request_id, credits, media).await
        }
        Resume::Wait { request_id } => {
            let job = shared.conn.client.video_job(request_id);
            wait_and_finish(shared, &item, &request, &job).await
        }
        Resume::KeepFailed { error } => {
            shared.emit(
                &item,
                Outcome::Failed,
                json!({"error": error, "from_journal": true}),
            );
            Outcome::Failed
        }
        Resume::KeepUnknown => {
            shared.emit(
                &item,
                Outcome::Unknown,
                json!({"error": UNKNOWN_NOT_RESENT}),
            );
            Outcome::Unknown
        }
        Resume::Send => start(shared, &item, &request).await,
    }
}

async fn start(shared: &Shared, item: &Item, request: &Request) -> Outcome {
    let estimate = match request.estimate(shared.conn.client.price_table()) {
        Ok(e) => e,
        Err(e) => return fail(shared, item, &artnex::Error::from(e).to_string()),
    };
    if let Some(budget) = shared.args.budget {
        let Some(cost) = estimate.credits() else {
            shared.emit(item, Outcome::Skipped, json!({"error": format!("estimate is {estimate}; cannot check it against --budget")}));
            return Outcome::Skipped;
        };
        let reserved = shared.budget_used.fetch_add(cost, Ordering::SeqCst);
        if reserved + cost > budget {
            shared.budget_used.fetch_sub(cost, Ordering::SeqCst);
            shared.emit(
                item,
                Outcome::Skipped,
                json!({"error": format!("{cost} credits would exceed the budget ({} of {budget} already committed); not sent", reserved)}),
            );
            return Outcome::Skipped;
        }
    }
    // Journal first: if we die after this, the rerun knows the request may be in flight.
    if let Err(e) = shared.record(item, Event::Started) {
        shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
        return Outcome::Failed;
    }
    match request.clone().send(&shared.conn.client).await {
        Ok(Sent::Done {
            request_id,
            credits_used,
            media,
            ..
        }) => {
            let credits = credits_used.unwrap_or(0);
            let urls = media.iter().map(|m| m.to_string()).collect();
            if let Err(e) = shared.record(
                item,
                Event::Completed {
                    request_id: request_id.clone(),
                    credits,
                    urls,
                },
            ) {
                shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
                return Outcome::Failed;
            }
            finish(shared, item, request, request_id, credits, media).await
        }
        Ok(Sent::Job(job)) => {
            if let Err(e) = shared.record(
                item,
                Event::Submitted {
                    request_id: job.request_id().to_string(),
                },
            ) {
                shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
                return Outcome::Failed;
            }
            wait_and_finish(shared, item, request, &job).await
        }
        Ok(_) => fail(
            shared,
            item,
            "the SDK returned an outcome this CLI does not know",
        ),
        Err(e) if e.may_have_been_processed() => {
            let _ = shared.record(
                item,
                Event::Unknown {
                    error: e.to_string(),
                },
            );
            shared.emit(item, Outcome::Unknown, json!({"error": e.to_string()}));
            Outcome::Unknown
        }
        Err(e) => fail(shared, item, &e.to_string()),
    }
}

fn fail(shared: &Shared, item: &Item, error: &str) -> Outcome {
    let _ = shared.record(
        item,
        Event::Failed {
            error: error.to_string(),
        },
    );
    shared.emit(item, Outcome::Failed, json!({"error": error}));
    Outcome::Failed
}

async fn wait_and_finish(
    shared: &Shared,
    item: &Item,
    request: &Request,
    job: &artnex::video::VideoJob,
) -> Outcome {
    let interval = shared.conn.real(shared.args.interval);
    let timeout = shared.conn.real(shared.args.timeout);
    match exec::wait(job, interval, timeout, |_| {}).await {
        Ok((request_id, credits, media)) => {
            let urls = vec![media.to_string()];
            if let Err(e) = shared.record(
                item,
                Event::Completed {
                    request_id: request_id.clone(),
                    credits,
                    urls,
                },
            ) {
                shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
                return Outcome::Failed;
            }
            finish(shared, item, request, request_id, credits, vec![media]).await
        }
        // Still running: keep it pending in the journal so that the next run resumes it.
        Err(e @ artnex::Error::JobTimedOut { .. }) => {
            shared.emit(
                item,
                Outcome::Unknown,
                json!({"error": e.to_string(), "request_id": job.request_id()}),
            );
            Outcome::Unknown
        }
        Err(e @ artnex::Error::JobFailed { .. }) => fail(shared, item, &e.to_string()),
        // Poll errors leave the job pending; the next run resumes it.
        Err(e) => {
            shared.emit(
                item,
                Outcome::Unknown,
                json!({"error": e.to_string(), "request_id": job.request_id()}),
            );
            Outcome::Unknown
        }
    }
}

async fn finish(
    shared: &Shared,
    item: &Item,
    request: &Request,
    request_id: Option<String>,
    credits: u64,
    media: Vec<artnex::media::Media>,
) -> Outcome {
    match exec::save_all(&media, &shared.out, request.op(), request_id.as_deref()).await {
        Ok(paths) => {
            let files: Vec<String> = paths
                .iter()
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            if let Err(e) = shared.record(
                item,
                Event::Saved {
                    files: files.clone(),
                },
            ) {
                shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
                return Outcome::Failed;
            }
            shared.credits.fetch_add(credits, Ordering::SeqCst);
            shared.emit(
                item,
                Outcome::Done,
                json!({"op": request.op(), "request_id": request_id, "credits_used": credits, "files": files}),
            );
            Outcome::Done
        }
        // Charged but not saved: the journal keeps the URLs, and the next run downloads them.
        Err(e) => {
            shared.emit(item, Outcome::Failed, json!({"error": format!("charged, but saving failed: {e} (rerun to download again)")}));
            Outcome::Failed
        }
    }
}
