//! `artnex batch FILE.jsonl`: many requests with bounded concurrency, a credit budget, and a journal that
//! makes reruns safe after any interruption (even `kill -9`).
//!
//! On a rerun, finished items are skipped, charged items whose files were not saved are downloaded again
//! (no new request), video jobs are resumed by request id, and items whose outcome is unknown (the process
//! died while their request was in flight) are left alone unless `--resubmit-unknown` is given.
//!
//! Items are known by their content or their `id` (see [`crate::journal`]), one run holds the journal at a
//! time ([`crate::lock`]), and the first Ctrl-C or SIGTERM lets the items in flight finish
//! ([`crate::signals`]). Before anything is sent, a run checks that the journal and the output directory
//! agree (see [`preflight`]).

use crate::cli::BatchArgs;
use crate::exec::{self, Failure, UsageError};
use crate::files::{local_id, result_file_stem, result_stem};
use crate::gallery::{self, Card};
use crate::journal::{
    Committing, Entry, Event, FxHashMap, FxHashSet, GroupCommit, ItemKey, Journal, Replayed, Run,
    State, content_digest, legacy_key,
};
use crate::lock::{self, LockError};
use crate::out::{errln, outln};
use crate::progress::{BatchBar, Mode};
use crate::request::{Request, RequestExt};
use crate::settings::Settings;
use crate::signals::{self, Stop};
use crate::{Conn, report};
use artnex::any::Outcome as Sent;
use artnex::pricing::Estimate;
use futures_util::{FutureExt as _, StreamExt};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One line of the batch file.
struct Item {
    line: usize,
    /// The line's `id` field, when it has one.
    id: Option<String>,
    /// The journal key: from the `id`, or the content plus the occurrence among identical lines.
    key: ItemKey,
    /// The key journals of the older, line-number form used for this line (empty when the journal has
    /// no such keys).
    legacy_key: ItemKey,
    request: Result<Request, String>,
    /// Its results were saved, and recorded, in this run (the gallery need not look for them).
    saved_now: AtomicBool,
}

impl Item {
    /// How messages name the item.
    fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("line {} (id {id})", self.line),
            None => format!("line {}", self.line),
        }
    }

    /// The start of the item's JSON line: its line number and, when given, its id.
    fn json(&self) -> Value {
        match &self.id {
            Some(id) => json!({"line": self.line, "id": id}),
            None => json!({"line": self.line}),
        }
    }

    fn state(&self, journal: &Replayed) -> State {
        journal.state(&self.key, &self.legacy_key)
    }

    /// The recorded state, borrowed (`None`: never recorded).
    fn state_ref<'j>(&self, journal: &'j Replayed) -> Option<&'j State> {
        journal.state_ref(&self.key, &self.legacy_key)
    }
}

/// How an item ended in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    AlreadyDone,
    Failed,
    Unknown,
    Skipped,
    /// A video job left running on the server when the run was interrupted (the rerun resumes it).
    Pending,
    /// Reached after an interruption: not started.
    NotStarted,
}

struct Shared<'a> {
    settings: &'a Settings,
    conn: Conn,
    journal: Mutex<Journal>,
    /// Appends to the journal, many items' entries per sync.
    commit: GroupCommit,
    out: PathBuf,
    /// Result files found in `out` before the run (see [`Preflight::present`]).
    present: Present,
    args: BatchArgs,
    json: bool,
    stop: Stop,
    /// Items being worked on (sending, waiting, downloading or recording).
    active: Arc<AtomicUsize>,
    /// The `-j` places (see [`Slot`]).
    slots: tokio::sync::Semaphore,
    /// Credits counted against `--budget`: the journal's earlier runs, then this run's reservations.
    budget_used: AtomicU64,
    /// Credits charged in this run.
    credits: AtomicU64,
    done: AtomicUsize,
    failed: AtomicUsize,
    bar: BatchBar,
}

/// Counts an item as active while it lives.
struct Active<'a>(&'a AtomicUsize);

impl<'a> Active<'a> {
    fn new(counter: &'a AtomicUsize) -> Active<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        Active(counter)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An entry handed to the journal's writer, not yet known to be on storage (see [`Shared::hand_over`]).
struct Recording {
    entry: Entry,
    committing: Committing,
}

/// An item's place among the `-j` items that may be sending or downloading at once. It is given back
/// once the item's files are written, before their `saved` entry is on storage: committing that entry
/// sends nothing, and holding the place for it would leave the server idle for a sync.
type Slot<'a> = tokio::sync::SemaphorePermit<'a>;

fn io_failure(path: &Path, source: std::io::Error) -> Failure {
    Failure::Sdk(artnex::Error::Io {
        path: Some(path.to_path_buf()),
        source,
    })
}

impl Shared<'_> {
    /// Records an event durably (group commit: see [`crate::journal::GroupCommit`]) before returning.
    async fn record(&self, item: &Item, event: Event) -> Result<(), Failure> {
        self.record_with_files(item, event, Vec::new()).await
    }

    /// Records an event once `files` are on storage (see [`GroupCommit::enqueue`]).
    async fn record_with_files(
        &self,
        item: &Item,
        event: Event,
        files: Vec<PathBuf>,
    ) -> Result<(), Failure> {
        let recording = self.hand_over(item, event, files)?;
        self.recorded(recording).await
    }

    /// Hands an event to the journal's writer without waiting for it to be on storage; entries handed
    /// over later are written after it. [`Shared::recorded`] waits for it.
    fn hand_over(
        &self,
        item: &Item,
        event: Event,
        files: Vec<PathBuf>,
    ) -> Result<Recording, Failure> {
        let entry = Entry {
            item: item.line,
            key: item.key.clone(),
            event,
        };
        match self.commit.enqueue(&entry, files) {
            Ok(committing) => Ok(Recording { entry, committing }),
            Err(e) => Err(self.journal_failure(e)),
        }
    }

    /// Waits until a handed-over event is on storage, then counts it in the journal's record.
    async fn recorded(&self, recording: Recording) -> Result<(), Failure> {
        let written = recording.committing.synced().await;
        let mut journal = self
            .journal
            .lock()
            .map_err(|_| UsageError("the journal lock is poisoned".into()))?;
        written.map_err(|e| io_failure(journal.path(), e))?;
        journal.applied(recording.entry);
        Ok(())
    }

    fn journal_failure(&self, e: std::io::Error) -> Failure {
        match self.journal.lock() {
            Ok(journal) => io_failure(journal.path(), e),
            Err(_) => UsageError("the journal lock is poisoned".into()).into(),
        }
    }

    fn state(&self, item: &Item) -> State {
        self.journal
            .lock()
            .map(|j| item.state(j.replayed()))
            .unwrap_or_default()
    }

    fn recorded_estimate(&self, item: &Item) -> u64 {
        self.journal
            .lock()
            .ok()
            .and_then(|j| j.replayed().estimate(&item.key))
            .unwrap_or(0)
    }

    /// Replaces a reservation against the budget by what was in fact charged.
    fn settle(&self, reserved: u64, charged: u64) {
        if charged >= reserved {
            self.budget_used
                .fetch_add(charged - reserved, Ordering::SeqCst);
        } else {
            let _ = self
                .budget_used
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                    Some(used.saturating_sub(reserved - charged))
                });
        }
    }

    fn emit(&self, item: &Item, outcome: Outcome, detail: Value) {
        let line = self.json.then(|| item_line(item, outcome, &detail));
        self.report(item, outcome, line, &detail);
    }

    /// Counts an item's outcome and reports it: `line` (its `--json` line), else a message on stderr for
    /// outcomes other than done.
    fn report(&self, item: &Item, outcome: Outcome, line: Option<String>, detail: &Value) {
        match outcome {
            Outcome::Done | Outcome::AlreadyDone => self.done.fetch_add(1, Ordering::SeqCst),
            _ => self.failed.fetch_add(1, Ordering::SeqCst),
        };
        if let Some(line) = line {
            // A line that cannot be written stops the batch (see `run`'s loop).
            let _ = crate::out::line(&line);
        } else if outcome != Outcome::Done && outcome != Outcome::AlreadyDone {
            let why = detail
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            errln!("{}: {}: {why}", item.label(), outcome.status());
        }
        self.bar.item_done(
            self.failed.load(Ordering::SeqCst),
            self.credits.load(Ordering::SeqCst),
        );
    }
}

impl Outcome {
    /// The `status` of the item's JSON line.
    fn status(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::AlreadyDone => "already_done",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
            Outcome::Skipped => "skipped",
            Outcome::Pending => "pending",
            Outcome::NotStarted => "not_started",
        }
    }
}

/// An item's `--json` line: one object of the detail's fields, the item's (`line`, `id`) and the status.
fn item_line(item: &Item, outcome: Outcome, detail: &Value) -> String {
    let mut doc = match detail {
        Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    if let Value::Object(start) = item.json() {
        doc.extend(start);
    }
    doc.insert("status".into(), json!(outcome.status()));
    // `to_string` on a map writes straight to a buffer (`Display` goes through a formatter).
    serde_json::to_string(&doc).unwrap_or_default()
}

/// The `--json` line of a finished item: what [`item_line`] makes of it (fields in the same order),
/// written directly, since a large batch is mostly these. `sent` is the operation and the request id of an
/// item finished now (`done`), `None` for one finished in an earlier run (`already_done`).
fn finished_line(
    item: &Item,
    sent: Option<(&str, Option<&str>)>,
    credits: u64,
    files: &[String],
) -> String {
    let quoted = |line: &mut String, text: &str| {
        line.push_str(&serde_json::to_string(text).unwrap_or_default());
    };
    let mut line = String::with_capacity(160);
    line.push_str("{\"credits_used\":");
    line.push_str(&credits.to_string());
    line.push_str(",\"files\":[");
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        quoted(&mut line, file);
    }
    line.push(']');
    if let Some(id) = &item.id {
        line.push_str(",\"id\":");
        quoted(&mut line, id);
    }
    line.push_str(",\"line\":");
    line.push_str(&item.line.to_string());
    let status = match sent {
        Some((op, request_id)) => {
            line.push_str(",\"op\":");
            quoted(&mut line, op);
            line.push_str(",\"request_id\":");
            match request_id {
                Some(id) => quoted(&mut line, id),
                None => line.push_str("null"),
            }
            Outcome::Done
        }
        None => Outcome::AlreadyDone,
    };
    line.push_str(",\"status\":\"");
    line.push_str(status.status());
    line.push_str("\"}");
    line
}

/// Takes the `id` out of a line's object: a non-empty string or a whole number.
fn take_id(value: &mut Value) -> Result<Option<String>, String> {
    let Some(id) = value.as_object_mut().and_then(|o| o.remove("id")) else {
        return Ok(None);
    };
    match id {
        Value::String(s) if !s.trim().is_empty() => Ok(Some(s)),
        Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
        other => Err(format!(
            "`id` must be a non-empty string or a whole number, not {other}"
        )),
    }
}

/// The journal and the batch file, read at the same time (on two threads: both are long for a large
/// batch), and the output directory listed while the journal is still being read (it takes longer).
/// Items get their keys of the older line-number form only when the journal has such keys.
fn read_batch(
    g: &Settings,
    args: &BatchArgs,
    journal_path: &Path,
) -> Result<(Option<Replayed>, Vec<Item>, Listing), Failure> {
    let (replayed, items, listing) = std::thread::scope(|scope| {
        let journal = scope.spawn(|| Replayed::read(journal_path));
        let items = read_items(g, &args.file);
        let listing = list_dir(&g.out);
        let replayed = journal
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("reading the journal failed")));
        (replayed, items, listing)
    });
    let replayed = replayed.map_err(|e| io_failure(journal_path, e))?;
    let mut items = items?;
    if replayed.as_ref().is_some_and(Replayed::has_legacy_keys) {
        add_legacy_keys(&mut items, &args.file)?;
    }
    Ok((replayed, items, listing))
}

/// The lines of a batch file that are items: with their 1-based line numbers, trimmed, without blank
/// lines and `#` comments.
fn item_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

/// Gives every item its key of the older line-number form (see [`legacy_key`]).
fn add_legacy_keys(items: &mut [Item], path: &Path) -> Result<(), Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| io_failure(path, e))?;
    for (item, (line_no, line)) in items.iter_mut().zip(item_lines(&text)) {
        let value =
            serde_json::from_str::<Value>(line).unwrap_or_else(|_| Value::String(line.into()));
        item.legacy_key = ItemKey::Text(legacy_key(line_no, &value).into_boxed_str());
    }
    Ok(())
}

/// Reads the batch file (keys of the older form are added by [`add_legacy_keys`] when needed).
fn read_items(s: &Settings, path: &Path) -> Result<Vec<Item>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| io_failure(path, e))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut items = Vec::new();
    // How often each content has been seen so far, and where each id was first used.
    let mut seen: FxHashMap<[u8; 16], u64> = FxHashMap::default();
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut occurrence = |value: &Value| {
        let digest = content_digest(value);
        let n = seen.entry(digest).or_insert(0);
        *n += 1;
        ItemKey::content(digest, *n)
    };
    for (line_no, trimmed) in item_lines(&text) {
        let legacy_key = ItemKey::Text(Box::default());
        let item = match serde_json::from_str::<Value>(trimmed) {
            Ok(mut value) => match take_id(&mut value) {
                Ok(Some(id)) => {
                    let request = match ids.get(&id) {
                        Some(first) => Err(format!(
                            "the id `{id}` is also used on line {first}; ids must be unique"
                        )),
                        None => {
                            ids.insert(id.clone(), line_no);
                            parse_request(s, &value, &base)
                        }
                    };
                    Item {
                        line: line_no,
                        key: ItemKey::id(&id),
                        id: Some(id),
                        legacy_key,
                        request,
                        saved_now: AtomicBool::new(false),
                    }
                }
                Ok(None) => Item {
                    line: line_no,
                    id: None,
                    key: occurrence(&value),
                    legacy_key,
                    request: parse_request(s, &value, &base),
                    saved_now: AtomicBool::new(false),
                },
                Err(e) => Item {
                    line: line_no,
                    id: None,
                    key: occurrence(&value),
                    legacy_key,
                    request: Err(e),
                    saved_now: AtomicBool::new(false),
                },
            },
            Err(e) => {
                let raw = Value::String(trimmed.into());
                Item {
                    line: line_no,
                    id: None,
                    key: occurrence(&raw),
                    legacy_key,
                    request: Err(format!("not JSON: {e}")),
                    saved_now: AtomicBool::new(false),
                }
            }
        };
        items.push(item);
    }
    Ok(items)
}

fn parse_request(s: &Settings, value: &Value, base: &Path) -> Result<Request, String> {
    use serde::Deserialize;
    match Request::deserialize(value) {
        Ok(r) => Ok(s.with_defaults(r).with_image_base(base)),
        Err(e) => Err(crate::request::line_error(value, &e)),
    }
}

/// Validates and prices a request locally, with the checks every command makes before sending (see
/// [`exec::preflight`]). The one place a batch asks whether a request can be sent.
fn validate(s: &Settings, request: &Request) -> Result<Estimate, String> {
    exec::preflight(s, request).map_err(|f| report::message(&f))
}

/// What `--dry-run` (and `--strict`) found for one line.
enum Checked {
    /// Valid, with its local estimate.
    Valid {
        request: Request,
        estimate: Estimate,
    },
    /// Not sendable as written.
    Invalid(String),
}

/// Validates and prices one item locally (no client: nothing can be sent).
fn check(s: &Settings, item: &Item) -> Checked {
    let request = match &item.request {
        Ok(r) => r,
        Err(e) => return Checked::Invalid(e.clone()),
    };
    match validate(s, request) {
        Ok(estimate) => Checked::Valid {
            request: request.clone(),
            estimate,
        },
        Err(e) => Checked::Invalid(e),
    }
}

/// What a run finds before sending anything: notes to print, and reasons not to go on at all.
#[derive(Default)]
struct Preflight {
    /// Printed; the run goes on.
    notes: Vec<String>,
    /// The run does not go on (exit code 2).
    refusals: Vec<String>,
    /// Result files unknown to the journal that a forced run records as not this batch's.
    acknowledged: Vec<String>,
    /// Temporary files of this batch's killed downloads, removed by the run.
    leftovers: Vec<PathBuf>,
    /// The journal is not yet in the output directory's list of journals (see [`crate::outdir`]).
    unlisted: Option<String>,
    /// Result files the journal records as saved that are in the output directory (the gallery shows
    /// them without looking for each again).
    present: Present,
}

/// Which of the files that the journal records as saved were found in the output directory before the
/// run.
enum Present {
    /// Every one: the usual rerun, where the gallery need not look a single file up.
    All,
    /// These (a file was deleted, or is not a result of this batch file's operations).
    Some(FxHashSet<Box<str>>),
}

impl Default for Present {
    fn default() -> Present {
        Present::Some(FxHashSet::default())
    }
}

impl Present {
    /// Whether `name`, which the journal records as saved, was found.
    fn contains(&self, name: &str) -> bool {
        match self {
            Present::All => true,
            Present::Some(names) => names.contains(name),
        }
    }
}

/// The output directory's entries (names that are UTF-8, with their types), read while the journal is
/// (see [`read_batch`]); `None` when the directory does not exist.
type Listing = std::io::Result<Option<Vec<(Box<str>, Option<std::fs::FileType>)>>>;

/// Lists `dir` (see [`Listing`]).
fn list_dir(dir: &Path) -> Listing {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(
        entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?.into_boxed_str();
                Some((name, entry.file_type().ok()))
            })
            .collect(),
    ))
}

/// How many names a message lists before saying "and N more".
const LISTED: usize = 5;

fn some_names(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED {
        text.push_str(&format!(" and {} more", names.len() - LISTED));
    }
    text
}

/// A directory as the journal records it: absolute, with symbolic links resolved when it exists.
fn absolute_dir(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

fn same_dir(recorded: &str, requested: &str) -> bool {
    recorded == requested
        || matches!(
            (std::fs::canonicalize(recorded), std::fs::canonicalize(requested)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// The stems under which items that were charged but not saved will write their results: their files
/// may be on disk already (a kill after the download, before the journal entry), and their unfinished
/// downloads are this batch's to clean up.
fn pending_stems(items: &[Item], journal: Option<&Replayed>) -> HashSet<String> {
    let mut stems = HashSet::new();
    let Some(journal) = journal else {
        return stems;
    };
    for item in items {
        let Ok(request) = &item.request else { continue };
        let (request_id, results) = match item.state_ref(journal) {
            Some(State::Completed {
                request_id,
                local_id,
                urls,
                ..
            }) => (request_id.as_ref().or(local_id.as_ref()), urls.len()),
            Some(State::Pending { request_id }) => (Some(request_id), 1),
            _ => continue,
        };
        let op = request.op();
        stems.insert(result_stem(op, request_id.map(String::as_str), None));
        for i in 0..results {
            stems.insert(result_stem(op, request_id.map(String::as_str), Some(i)));
        }
    }
    stems
}

/// Checks that the journal can be trusted with the output directory before a run sends anything:
/// damaged lines, an output directory other than the one the journal's results are in, and result files
/// the journal does not know (a deleted, emptied or truncated journal would send their items again).
/// `listing` is what the output directory held (see [`read_batch`]).
fn preflight(
    args: &BatchArgs,
    items: &[Item],
    journal: Option<&Replayed>,
    journal_path: &Path,
    out: &Path,
    listing: Listing,
) -> Result<Preflight, Failure> {
    let mut p = Preflight::default();
    if let Some(j) = journal {
        check_lines(&mut p, args, j, journal_path);
        check_out_dir(&mut p, j, out);
    }
    let listing = listing.map_err(|e| io_failure(out, e))?;
    check_results(&mut p, args, items, journal, journal_path, out, listing)?;
    Ok(p)
}

/// Unreadable journal lines: torn writes are noted, other damage refuses the run without `--force`.
fn check_lines(p: &mut Preflight, args: &BatchArgs, j: &Replayed, journal_path: &Path) {
    let jp = journal_path.display();
    if let Some(tail) = j.torn_tail {
        p.notes.push(format!(
            "journal {jp} line {}: cut off by an interrupted write; ignored (its item keeps the state recorded before it)",
            tail.line
        ));
    }
    if !j.cut_off.is_empty() {
        let lines: Vec<String> = j.cut_off.iter().map(ToString::to_string).collect();
        p.notes.push(format!(
            "journal {jp}: line(s) {} were cut off by interrupted writes; ignored",
            some_names(&lines)
        ));
    }
    if j.damaged.is_empty() {
        return;
    }
    let list: Vec<String> = j
        .damaged
        .iter()
        .map(|d| format!("line {}: {}", d.line, d.reason))
        .collect();
    if args.force {
        p.notes.push(format!(
            "journal {jp}: damaged line(s) skipped because of --force ({})",
            some_names(&list)
        ));
    } else {
        p.refusals.push(format!(
            "the journal {jp} is damaged ({}): a run cannot tell what happened to the items those lines were about, and could send them again. Repair or delete those lines, or rerun with --force to skip them",
            some_names(&list)
        ));
    }
}

/// Another `-o` than the one the journal's saved results are in: refused, unless they are found there
/// (the directory was moved).
fn check_out_dir(p: &mut Preflight, j: &Replayed, out: &Path) {
    let requested = absolute_dir(out);
    let Some(recorded) = j.out() else { return };
    if same_dir(recorded, &requested) || !j.has_saved_files() {
        return;
    }
    if j.saved_files().any(|f| out.join(f).is_file()) {
        p.notes.push(format!(
            "the journal's results were in {recorded}; they are found in {requested}, which it now records"
        ));
        return;
    }
    let gone = if Path::new(recorded).is_dir() {
        ""
    } else {
        " (which no longer exists: restore it there or in the new directory)"
    };
    p.refusals.push(format!(
        "the earlier results of this batch are in {recorded}{gone}, not in {requested}: rerun with `-o {recorded}`, or give this run its own journal with --journal to start a separate batch"
    ));
}

/// Result files in the output directory that no journal records (see [`crate::outdir`]), and the
/// temporary files of this batch's killed downloads.
fn check_results(
    p: &mut Preflight,
    args: &BatchArgs,
    items: &[Item],
    journal: Option<&Replayed>,
    journal_path: &Path,
    out: &Path,
    listing: Option<Vec<(Box<str>, Option<std::fs::FileType>)>>,
) -> Result<(), Failure> {
    let ops: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| i.request.as_ref().ok().map(Request::op))
        .collect();
    let stems = pending_stems(items, journal);
    let mut unknown = Vec::new();
    let mut present = Vec::new();
    for (name, file_type) in listing.into_iter().flatten() {
        if let Some(stem) = artnex::media::unfinished_save_stem(&name) {
            if stems.contains(stem) {
                p.leftovers.push(out.join(&*name));
            }
            continue;
        }
        let Some(stem) = ops.iter().find_map(|op| result_file_stem(&name, op)) else {
            continue;
        };
        let saved = journal.is_some_and(|j| j.lists_saved(&name));
        let known = saved || journal.is_some_and(|j| j.acknowledges(&name)) || stems.contains(stem);
        if !known && out.join(&*name).is_file() {
            unknown.push(name.to_string());
        }
        if saved && file_type.is_some_and(|t| t.is_file()) {
            present.push(name);
        }
    }
    // Every saved file found (names are listed once each): the gallery need not look any up.
    p.present = if journal.is_some_and(|j| j.saved_file_count() == present.len()) {
        Present::All
    } else {
        Present::Some(present.into_iter().collect())
    };
    unknown.sort();
    // Results that another batch that wrote here records are that batch's.
    let me = crate::outdir::journal_id(journal_path);
    let listed = crate::outdir::listed_journals(out);
    for other in listed.iter().filter(|j| **j != me) {
        if unknown.is_empty() {
            break;
        }
        if let Ok(Some(theirs)) = Replayed::read(Path::new(other)) {
            unknown.retain(|f| !theirs.knows_file(f));
        }
    }
    let ran_here = listed.contains(&me);
    if !ran_here {
        p.unlisted = Some(me);
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let found = format!(
        "{} holds {} result file(s) ({})",
        out.display(),
        unknown.len(),
        some_names(&unknown)
    );
    if !ran_here {
        // This journal never wrote here: whatever is there was there before it.
        p.notes.push(format!(
            "{found} of other commands or batches, already there before this batch; they are not this batch's"
        ));
        p.acknowledged = unknown;
    } else if args.force {
        p.notes.push(format!(
            "{found} that the journal does not record; taken as not this batch's because of --force"
        ));
        p.acknowledged = unknown;
    } else {
        let state = match journal {
            None => "does not exist",
            Some(j) if j.is_empty() => "is empty",
            Some(_) => "does not record them",
        };
        p.refusals.push(format!(
            "{found} that no journal records, and this batch wrote there before, but its journal {} {state}: if they are this batch's results, the journal was deleted, emptied or cut short and a run would send their items again, so restore it. If they come from other commands, rerun with --force (they are then remembered as not this batch's) or use another -o",
            journal_path.display()
        ));
    }
    Ok(())
}

/// `artnex batch FILE --dry-run`: validates and prices locally every line that a rerun would send (the
/// journal, when there is one, is read but never created or changed). Sends nothing, opens no connection,
/// and does not touch the output directory.
fn dry_run(g: &Settings, args: &BatchArgs, journal_path: &Path) -> Result<ExitCode, Failure> {
    // What an earlier run recorded: a rerun would not send those items again.
    let (journal, items, listing) = read_batch(g, args, journal_path)?;
    let items = &items;
    let checks = preflight(args, items, journal.as_ref(), journal_path, &g.out, listing)?;
    for note in &checks.notes {
        errln!("note: {note}");
    }
    for refusal in &checks.refusals {
        if g.json {
            outln!("{}", json!({"status": "refused", "reason": refusal}));
        } else {
            outln!("a run would refuse: {refusal}");
        }
    }
    let (mut valid, mut invalid, mut total, mut unpriced) = (0usize, 0usize, 0u64, 0usize);
    let mut not_sent = 0usize;
    for item in items {
        let state = journal.as_ref().map(|j| item.state(j)).unwrap_or_default();
        let print = |status: &str, field: &str, text: &str, extra: Value| {
            if g.json {
                let mut doc = item.json();
                if let Some(obj) = doc.as_object_mut() {
                    obj.insert("status".into(), json!(status));
                    obj.insert(field.into(), json!(text));
                    if let Value::Object(extra) = extra {
                        obj.extend(extra);
                    }
                }
                outln!("{doc}");
            }
        };
        if let Some(reason) = Resume::from(state, args).not_sent_reason() {
            not_sent += 1;
            print("not_sent", "reason", &reason, Value::Null);
            if !g.json {
                outln!("{}: not sent again: {reason}", item.label());
            }
            continue;
        }
        match check(g, item) {
            Checked::Valid { request, estimate } => {
                valid += 1;
                match estimate.credits() {
                    Some(c) => total = total.saturating_add(c),
                    None => unpriced += 1,
                }
                print(
                    "valid",
                    "op",
                    request.op(),
                    json!({"model": request.model_id(), "estimate": report::estimate_json(&estimate), "estimate_reason": report::estimate_reason(&estimate)}),
                );
                if !g.json {
                    let model = request
                        .model_id()
                        .map(|m| format!(" · {m}"))
                        .unwrap_or_default();
                    outln!(
                        "{}: valid · {}{model} · {}",
                        item.label(),
                        request.op(),
                        report::estimate(&estimate)
                    );
                }
            }
            Checked::Invalid(error) => {
                invalid += 1;
                print("invalid", "error", &error, Value::Null);
                if !g.json {
                    outln!("{}: invalid: {error}", item.label());
                }
            }
        }
    }
    // Under a budget, the real run skips items without a fixed estimate, so they never fit; it also
    // counts what the journal records as spent by earlier runs.
    let spent = journal
        .as_ref()
        .map(Replayed::committed_credits)
        .unwrap_or(0);
    let fits = args
        .budget
        .map(|b| unpriced == 0 && spent.saturating_add(total) <= b);
    if g.json {
        outln!(
            "{}",
            json!({"summary": {"dry_run": true, "sent": false, "items": items.len(), "valid": valid, "invalid": invalid, "not_sent_again": not_sent, "estimated_credits": total, "unpriced": unpriced, "budget": args.budget, "credits_before": spent, "fits_budget": fits, "refused": !checks.refusals.is_empty()}})
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
        outln!(
            "batch dry run: {} items · {valid} valid · {invalid} invalid{journaled} · {total} credits estimated{more} · nothing sent",
            items.len()
        );
        if let Some(b) = args.budget {
            let earlier = if spent > 0 {
                format!(" ({spent} already spent by earlier runs)")
            } else {
                String::new()
            };
            if fits == Some(true) {
                outln!("  fits the budget of {b} credits{earlier}");
            } else if spent.saturating_add(total) > b {
                outln!(
                    "  does not fit the budget of {b} credits{earlier}: items past it would be skipped"
                );
            } else {
                outln!(
                    "  does not fit the budget of {b} credits: items without a fixed estimate are skipped under --budget"
                );
            }
        }
    }
    Ok(if invalid > 0 || !checks.refusals.is_empty() {
        ExitCode::from(report::USAGE)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--strict`: every line a run would send is checked first; any invalid one and nothing is sent.
fn strict_check(
    g: &Settings,
    args: &BatchArgs,
    items: &[Item],
    journal: Option<&Replayed>,
) -> Result<(), Failure> {
    let mut invalid = 0usize;
    for item in items {
        let state = journal.map(|j| item.state(j)).unwrap_or_default();
        if !matches!(Resume::from(state, args), Resume::Send) {
            continue;
        }
        if let Checked::Invalid(error) = check(g, item) {
            invalid += 1;
            if g.json {
                let mut doc = item.json();
                if let Some(obj) = doc.as_object_mut() {
                    obj.insert("status".into(), json!("invalid"));
                    obj.insert("error".into(), json!(error));
                }
                outln!("{doc}");
            } else {
                errln!("{}: invalid: {error}", item.label());
            }
        }
    }
    if invalid > 0 {
        return Err(UsageError(format!(
            "--strict: {invalid} line(s) of {} are invalid, so nothing was sent; fix them (or run without --strict to send the valid lines)",
            args.file.display()
        ))
        .into());
    }
    Ok(())
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
        /// The id its files are named after (the request id, or the local id recorded with it).
        name: Option<String>,
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
                local_id,
                credits,
                urls,
            } => Resume::Download {
                name: request_id.clone().or(local_id),
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

/// Says that another run holds the journal, and returns [`report::BUSY`].
fn refuse_busy(g: &Settings, journal: &Path, lock: &Path, pid: Option<u32>) -> ExitCode {
    let who = pid
        .map(|p| format!("process {p}"))
        .unwrap_or_else(|| "another process".into());
    let message = format!(
        "the batch journal {} is in use by {who}, another `artnex batch` run of it (it holds {}); nothing was sent",
        journal.display(),
        lock.display()
    );
    let hint = "wait for that run to finish (or stop it), then run this command again";
    if g.json {
        let f = Failure::Usage(UsageError(message));
        let mut doc = report::failure_json(&f, report::Service::Artnex);
        doc["error"]["kind"] = json!("journal_locked");
        doc["error"]["hint"] = json!(hint);
        doc["error"]["pid"] = json!(pid);
        doc["exit_code"] = json!(report::BUSY);
        outln!("{doc}");
    } else {
        errln!("error: {message}\n  hint: {hint}");
    }
    ExitCode::from(report::BUSY)
}

/// The command line that resumes this run, for the messages after an interruption: this process's own
/// arguments after `artnex`.
fn resume_command() -> String {
    shell_line(
        std::iter::once("artnex".to_string()).chain(
            std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned()),
        ),
    )
}

/// Words joined into a line a POSIX shell splits back into the same words.
pub fn shell_line(words: impl IntoIterator<Item = String>) -> String {
    let quote = |word: String| {
        let plain = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
        if plain {
            word
        } else {
            format!("'{}'", word.replace('\'', "'\\''"))
        }
    };
    words.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Runs the batch (or only checks it, with `--dry-run`).
pub async fn run(g: &Settings, args: &BatchArgs) -> Result<ExitCode, Failure> {
    let journal_path = journal_path(args);
    crate::files::not_a_file(&g.out).map_err(UsageError)?;
    if g.dry_run {
        return dry_run(g, args, &journal_path);
    }
    // One run per journal, from before it is read until the process ends.
    let _lock = match lock::acquire(&journal_path) {
        Ok(lock) => lock,
        Err(LockError::Busy { path, pid }) => {
            return Ok(refuse_busy(g, &journal_path, &path, pid));
        }
        Err(LockError::Io { path, source }) => return Err(io_failure(&path, source)),
    };
    let (replayed, items, listing) = read_batch(g, args, &journal_path)?;
    let checks = preflight(
        args,
        &items,
        replayed.as_ref(),
        &journal_path,
        &g.out,
        listing,
    )?;
    for note in &checks.notes {
        errln!("note: {note}");
    }
    if !checks.refusals.is_empty() {
        return Err(UsageError(format!(
            "{}; nothing was sent",
            checks.refusals.join("; and ")
        ))
        .into());
    }
    if args.strict {
        strict_check(g, args, &items, replayed.as_ref())?;
    }
    // Before anything is written or sent: the results will have somewhere to go.
    let out = crate::out_dir(g)?;
    let mut journal =
        Journal::open(&journal_path, replayed).map_err(|e| io_failure(&journal_path, e))?;
    journal
        .record_run(Run {
            out: absolute_dir(&out),
            pid: std::process::id(),
            acknowledged: checks.acknowledged,
        })
        .map_err(|e| io_failure(&journal_path, e))?;
    // Items an older journal knows by line number get their content key, once.
    let migrated: Vec<Entry> = items
        .iter()
        .filter(|i| journal.replayed().needs_migration(&i.key, &i.legacy_key))
        .map(|i| Entry {
            item: i.line,
            key: i.key.clone(),
            event: Event::Migrated {
                from: i.legacy_key.to_string(),
            },
        })
        .collect();
    journal
        .record_all(migrated)
        .map_err(|e| io_failure(&journal_path, e))?;
    if let Some(id) = &checks.unlisted {
        crate::outdir::list_journal(&out, id).map_err(|e| io_failure(&out, e))?;
    }
    for leftover in &checks.leftovers {
        let _ = std::fs::remove_file(leftover);
    }
    let spent_before = journal.replayed().committed_credits();
    let conn = Conn::open(g, crate::MOCK_SPEED).await?;

    let active = Arc::new(AtomicUsize::new(0));
    let stop = {
        let active = active.clone();
        signals::install(
            move || {
                let n = active.load(Ordering::SeqCst);
                errln!(
                    "stopping: no new items are started; waiting for the {n} in progress to finish (video jobs are left running on the server and resumed by the next run). Interrupt again to stop at once."
                );
            },
            || {
                errln!(
                    "stopped at once: items that were in flight stay `started` in the journal, and the next run reports them as unknown (they may have been charged). Resume with: {}",
                    resume_command()
                );
            },
        )
        .unwrap_or_else(|e| {
            errln!(
                "note: cannot listen for Ctrl-C ({e}); an interruption stops the batch at once, as a kill would"
            );
            Stop::never()
        })
    };

    let commit = journal
        .group_commit(active.clone())
        .map_err(|e| io_failure(&journal_path, e))?;
    let concurrency = args.concurrency.max(1);
    let shared = Shared {
        settings: g,
        conn,
        journal: Mutex::new(journal),
        commit,
        out,
        present: checks.present,
        args: args.clone(),
        json: g.json,
        stop: stop.clone(),
        active,
        slots: tokio::sync::Semaphore::new(concurrency),
        budget_used: AtomicU64::new(spent_before),
        credits: AtomicU64::new(0),
        done: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        bar: BatchBar::new(items.len(), Mode::detect(!g.json)),
    };
    // The `--json` lines are held back and written together, once per turn of the loop below: the items
    // finished in earlier runs, reported first and all at once (nothing to send or wait for), then the
    // items finishing in the same moment.
    let held = crate::out::hold();
    let (mut outcomes, to_do) = report_finished(&shared, &items);
    // After the first signal no further item is taken up. Twice `-j` items are under way: `-j` of them
    // hold a slot (sending, waiting or downloading), the others wait for one or record their results.
    let under_way = concurrency.saturating_mul(2);
    let mut running = futures_util::stream::FuturesUnordered::new();
    let mut to_do = to_do.into_iter();
    loop {
        // The lines of every item finished so far are written before another item is taken up, and
        // before the batch waits; when nobody reads them any more, it stops as after a first Ctrl-C.
        if !held.write() {
            stop.request();
        }
        while running.len() < under_way && !stop.requested() {
            let Some(item) = to_do.next() else { break };
            running.push(process(&shared, item));
        }
        let Some(outcome) = running.next().await else {
            break;
        };
        outcomes.push(outcome);
        // And every other item that has finished by now, without waiting.
        while let Some(Some(outcome)) = running.next().now_or_never() {
            outcomes.push(outcome);
        }
    }
    drop(running);
    drop(held);

    shared.bar.finish();
    let interrupted = stop.requested();
    let count = |o: Outcome| outcomes.iter().filter(|x| **x == o).count();
    let (done, already, failed, unknown, skipped, pending) = (
        count(Outcome::Done),
        count(Outcome::AlreadyDone),
        count(Outcome::Failed),
        count(Outcome::Unknown),
        count(Outcome::Skipped),
        count(Outcome::Pending),
    );
    let not_started = items.len() - outcomes.len() + count(Outcome::NotStarted);
    let credits = shared.credits.load(Ordering::SeqCst);
    let gallery = write_gallery(&shared, &items);
    // Nothing reads the journal's record after this (see the end).
    let replayed = shared.journal.lock().map(|mut j| j.take_replayed()).ok();
    let gallery_json = match &gallery {
        Gallery::Written(p) => json!(p.display().to_string()),
        _ => Value::Null,
    };
    let resume = interrupted.then(resume_command);
    if g.json {
        outln!(
            "{}",
            json!({"summary": {"items": items.len(), "done": done, "already_done": already, "failed": failed, "unknown": unknown, "skipped": skipped, "pending": pending, "not_started": not_started, "credits_used": credits, "credits_before": spent_before, "interrupted": interrupted, "resume": resume, "journal": journal_path.display().to_string(), "gallery": gallery_json}})
        );
    } else {
        drop(shared);
        let mut extra = String::new();
        if pending > 0 {
            extra.push_str(&format!(" · {pending} pending"));
        }
        if not_started > 0 {
            extra.push_str(&format!(" · {not_started} not started"));
        }
        outln!(
            "batch: {} items · {done} done · {already} already done · {failed} failed · {unknown} unknown · {skipped} skipped{extra} · {credits} credits this run",
            items.len()
        );
        if unknown > 0 {
            outln!(
                "  {unknown} item(s) may have been processed before an interruption; they were not sent again. \
                 Check your dashboard, then rerun with --resubmit-unknown to send them anyway."
            );
        }
        outln!("  journal: {}", journal_path.display());
        match &gallery {
            Gallery::Written(p) => outln!("  gallery: {}", p.display()),
            Gallery::Foreign(p) => outln!(
                "  gallery: not written; {} exists and was not written by artnex",
                p.display()
            ),
            Gallery::Failed(e) => outln!("  gallery: not written: {e}"),
        }
    }
    // A large batch's items and the journal's record of them are millions of small allocations, and the
    // process ends once the command returns: they are left to the operating system rather than freed
    // one by one.
    std::mem::forget(items);
    std::mem::forget(replayed);
    if let Some(resume) = resume {
        let (why, code) = if crate::out::stdout_gone() {
            ("standard output was closed", report::OUTPUT_CLOSED)
        } else {
            ("interrupted", report::INTERRUPTED)
        };
        errln!(
            "{why}: {not_started} item(s) not started, {pending} video job(s) left running on the server; \
             everything is in the journal. Resume with: {resume}"
        );
        return Ok(ExitCode::from(code));
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
fn write_gallery(shared: &Shared<'_>, items: &[Item]) -> Gallery {
    let Ok(journal) = shared.journal.lock() else {
        return Gallery::Failed("the journal lock is poisoned".into());
    };
    // Cards are made one at a time as the pages are written.
    let cards = items.iter().filter_map(|item| {
        let Some(State::Done { credits, files }) = item.state_ref(journal.replayed()) else {
            return None;
        };
        let credits = *credits;
        let saved_now = item.saved_now.load(Ordering::Relaxed);
        let on_disk = |f: &String| {
            saved_now || shared.present.contains(f.as_str()) || shared.out.join(f).is_file()
        };
        // Borrowed from the journal's record unless some file is gone.
        let files: std::borrow::Cow<'_, [String]> = if files.iter().all(on_disk) {
            files.as_slice().into()
        } else {
            files
                .iter()
                .filter(|f| on_disk(f))
                .cloned()
                .collect::<Vec<_>>()
                .into()
        };
        if files.is_empty() {
            return None;
        }
        let request = item.request.as_ref().ok();
        let mut title = item.label();
        if let Some(r) = request {
            title.push_str(" · ");
            title.push_str(r.op());
            if let Some(model) = r.model_id() {
                title.push_str(" · ");
                title.push_str(&model);
            }
        }
        Some(Card {
            title: title.into(),
            prompt: request.and_then(|r| r.text().map(Into::into)),
            files,
            credits,
            estimate: None,
        })
    });
    let title = format!(
        "Artnex batch {}",
        shared
            .args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    match gallery::write(&shared.out, &title, cards) {
        Ok(path) => Gallery::Written(path),
        Err(gallery::NotWritten::Foreign(path)) => Gallery::Foreign(path),
        Err(gallery::NotWritten::Io(e)) => Gallery::Failed(e.to_string()),
    }
}

/// Reports the items the journal records as finished (and whose line is still a valid request) as
/// already done, and returns their outcomes and the other items.
fn report_finished<'i>(shared: &Shared<'_>, items: &'i [Item]) -> (Vec<Outcome>, Vec<&'i Item>) {
    let Ok(journal) = shared.journal.lock() else {
        return (Vec::new(), items.iter().collect());
    };
    let mut outcomes = Vec::new();
    let mut to_do = Vec::new();
    for item in items {
        match item.state_ref(journal.replayed()) {
            Some(State::Done { credits, files }) if item.request.is_ok() => {
                outcomes.push(already_done(shared, item, *credits, files));
            }
            _ => to_do.push(item),
        }
    }
    (outcomes, to_do)
}

/// Reports an item finished in an earlier run.
fn already_done(shared: &Shared<'_>, item: &Item, credits: u64, files: &[String]) -> Outcome {
    let line = shared
        .json
        .then(|| finished_line(item, None, credits, files));
    shared.report(item, Outcome::AlreadyDone, line, &Value::Null);
    Outcome::AlreadyDone
}

async fn process(shared: &Shared<'_>, item: &Item) -> Outcome {
    let request = match &item.request {
        Ok(r) => r,
        Err(e) => {
            shared.emit(item, Outcome::Failed, json!({"error": e}));
            return Outcome::Failed;
        }
    };
    let resume = Resume::from(shared.state(item), &shared.args);
    if shared.stop.requested() && !matches!(resume, Resume::Done { .. }) {
        return Outcome::NotStarted;
    }
    let slot = || async {
        let slot = shared.slots.acquire().await.ok()?;
        // Interrupted while waiting for the slot: not started.
        (!shared.stop.requested()).then_some(slot)
    };
    match resume {
        Resume::Done { credits, files } => already_done(shared, item, credits, &files),
        Resume::Download {
            request_id,
            name,
            urls,
            ..
        } => {
            let Some(slot) = slot().await else {
                return Outcome::NotStarted;
            };
            let _active = Active::new(&shared.active);
            let media: Vec<_> = urls
                .iter()
                .map(|u| shared.conn.client.media(u.clone()))
                .collect();
            // Charged in an earlier run: this run's credits do not grow.
            let got = Got {
                request_id,
                name,
                credits: 0,
                media,
                completed: None,
            };
            finish(shared, item, request, got, slot).await
        }
        Resume::Wait { request_id } => {
            let Some(slot) = slot().await else {
                return Outcome::NotStarted;
            };
            let _active = Active::new(&shared.active);
            let job = shared.conn.client.video_job(request_id);
            let reserved = shared.recorded_estimate(item);
            wait_and_finish(shared, item, request, &job, reserved, slot).await
        }
        Resume::KeepFailed { error } => {
            shared.emit(
                item,
                Outcome::Failed,
                json!({"error": error, "from_journal": true}),
            );
            Outcome::Failed
        }
        Resume::KeepUnknown => {
            shared.emit(item, Outcome::Unknown, json!({"error": UNKNOWN_NOT_RESENT}));
            Outcome::Unknown
        }
        Resume::Send => {
            let Some(slot) = slot().await else {
                return Outcome::NotStarted;
            };
            let _active = Active::new(&shared.active);
            start(shared, item, request, slot).await
        }
    }
}

async fn start(shared: &Shared<'_>, item: &Item, request: &Request, slot: Slot<'_>) -> Outcome {
    let estimate = match validate(shared.settings, request) {
        Ok(v) => v,
        Err(e) => return fail(shared, item, &e, 0).await,
    };
    let cost = estimate.credits();
    if shared.args.budget.is_some() && cost.is_none() {
        shared.emit(
            item,
            Outcome::Skipped,
            json!({"error": format!("{}; so it cannot be checked against --budget (not sent)", report::estimate(&estimate))}),
        );
        return Outcome::Skipped;
    }
    let reserved = cost.unwrap_or(0);
    let committed = shared.budget_used.fetch_add(reserved, Ordering::SeqCst);
    if let Some(budget) = shared.args.budget
        && committed + reserved > budget
    {
        shared.budget_used.fetch_sub(reserved, Ordering::SeqCst);
        shared.emit(
            item,
            Outcome::Skipped,
            json!({"error": format!("{reserved} credits would exceed the budget ({committed} of {budget} already committed, earlier runs included); not sent")}),
        );
        return Outcome::Skipped;
    }
    // Journal first: if we die after this, the rerun knows the request may be in flight.
    if let Err(e) = shared.record(item, Event::Started { estimate: cost }).await {
        shared.settle(reserved, 0);
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
            // Without a request id, the files are named after a local id, recorded so that a rerun
            // names (and recognises) them the same way.
            let local_id = request_id.is_none().then(local_id);
            let charged = Charged {
                request_id,
                local_id,
                credits: credits_used.unwrap_or(0),
                media,
            };
            finish_charged(shared, item, request, charged, reserved, slot).await
        }
        Ok(Sent::Job(job)) => {
            if let Err(e) = shared
                .record(
                    item,
                    Event::Submitted {
                        request_id: job.request_id().to_string(),
                    },
                )
                .await
            {
                shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
                return Outcome::Failed;
            }
            wait_and_finish(shared, item, request, &job, reserved, slot).await
        }
        Ok(_) => {
            fail(
                shared,
                item,
                "the SDK returned an outcome this CLI does not know",
                reserved,
            )
            .await
        }
        Err(e) if e.may_have_been_processed() => {
            let error = report::sdk_message(&e);
            let _ = shared
                .record(
                    item,
                    Event::Unknown {
                        error: error.clone(),
                    },
                )
                .await;
            shared.emit(
                item,
                Outcome::Unknown,
                json!({"error": error, "request_id": e.request_id(), "may_have_been_processed": true}),
            );
            Outcome::Unknown
        }
        Err(e) => fail(shared, item, &report::sdk_message(&e), reserved).await,
    }
}

/// Records a failure without charge and releases the item's reservation against the budget.
async fn fail(shared: &Shared<'_>, item: &Item, error: &str, reserved: u64) -> Outcome {
    shared.settle(reserved, 0);
    let _ = shared
        .record(
            item,
            Event::Failed {
                error: error.to_string(),
            },
        )
        .await;
    shared.emit(item, Outcome::Failed, json!({"error": error}));
    Outcome::Failed
}

async fn wait_and_finish(
    shared: &Shared<'_>,
    item: &Item,
    request: &Request,
    job: &artnex::video::VideoJob,
    reserved: u64,
    slot: Slot<'_>,
) -> Outcome {
    let interval = shared.conn.real(shared.args.interval);
    let timeout = shared.conn.real(shared.args.timeout);
    let waited = tokio::select! {
        waited = exec::wait(job, interval, timeout, |_| {}) => waited,
        // Interrupted: the job goes on; the journal has its id and the rerun resumes it.
        () = shared.stop.wait() => {
            shared.emit(
                item,
                Outcome::Pending,
                json!({"error": format!("interrupted while waiting; video job {} goes on and the next run resumes it", job.request_id()), "request_id": job.request_id()}),
            );
            return Outcome::Pending;
        }
    };
    match waited {
        Ok((request_id, credits, media)) => {
            let charged = Charged {
                request_id,
                local_id: None,
                credits,
                media: vec![media],
            };
            finish_charged(shared, item, request, charged, reserved, slot).await
        }
        // Still running: keep it pending in the journal so that the next run resumes it.
        Err(e @ artnex::Error::JobTimedOut { .. }) => {
            shared.emit(
                item,
                Outcome::Unknown,
                json!({"error": report::sdk_message(&e), "request_id": job.request_id(), "may_have_been_processed": true}),
            );
            Outcome::Unknown
        }
        Err(e @ artnex::Error::JobFailed { .. }) => {
            fail(shared, item, &report::sdk_message(&e), reserved).await
        }
        // Poll errors leave the job pending; the next run resumes it.
        Err(e) => {
            shared.emit(
                item,
                Outcome::Unknown,
                json!({"error": report::sdk_message(&e), "request_id": job.request_id(), "may_have_been_processed": true}),
            );
            Outcome::Unknown
        }
    }
}

/// What this run was charged for an item's request.
struct Charged {
    request_id: Option<String>,
    /// The id the files are named after when the server gave none.
    local_id: Option<String>,
    credits: u64,
    media: Vec<artnex::media::Media>,
}

/// Counts a charge, hands its `completed` entry to the journal's writer (the download starts while the
/// writer puts it on storage) and downloads the results.
async fn finish_charged(
    shared: &Shared<'_>,
    item: &Item,
    request: &Request,
    charged: Charged,
    reserved: u64,
    slot: Slot<'_>,
) -> Outcome {
    let Charged {
        request_id,
        local_id,
        credits,
        media,
    } = charged;
    shared.settle(reserved, credits);
    shared.credits.fetch_add(credits, Ordering::SeqCst);
    let urls = media.iter().map(|m| m.to_string()).collect();
    let completed = match shared.hand_over(
        item,
        Event::Completed {
            request_id: request_id.clone(),
            local_id: local_id.clone(),
            credits,
            urls,
        },
        Vec::new(),
    ) {
        Ok(r) => r,
        Err(e) => {
            shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
            return Outcome::Failed;
        }
    };
    let got = Got {
        name: request_id.clone().or(local_id),
        request_id,
        credits,
        media,
        completed: Some(completed),
    };
    finish(shared, item, request, got, slot).await
}

/// What an item's request got: the results to download.
struct Got {
    request_id: Option<String>,
    /// What the files are named after.
    name: Option<String>,
    /// What this run was charged for it (0 for results charged in an earlier run).
    credits: u64,
    media: Vec<artnex::media::Media>,
    /// The `completed` entry, when this run made it: handed to the journal's writer, and on storage
    /// before the `saved` entry is written (the writer keeps their order) and before the item is reported.
    completed: Option<Recording>,
}

/// Downloads an item's results and records them saved.
async fn finish(
    shared: &Shared<'_>,
    item: &Item,
    request: &Request,
    got: Got,
    slot: Slot<'_>,
) -> Outcome {
    let Got {
        request_id,
        name,
        credits,
        media,
        completed,
    } = got;
    // The files are put on storage by the journal's writer, many at once, before the `saved` entry that
    // names them (see [`GroupCommit`]), rather than one sync per file here.
    let media: Vec<_> = media.into_iter().map(|m| m.durable(false)).collect();
    let saved = exec::save_all(&media, &shared.out, request.op(), name.as_deref()).await;
    drop(slot);
    if let Some(completed) = completed
        && let Err(e) = shared.recorded(completed).await
    {
        shared.emit(
            item,
            Outcome::Failed,
            json!({"error": format!("charged ({credits} credits), but the journal could not record it: {e}"), "request_id": request_id, "may_have_been_processed": true}),
        );
        return Outcome::Failed;
    }
    match saved {
        Ok(paths) => {
            let files: Vec<String> = paths
                .iter()
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            if let Err(e) = shared
                .record_with_files(
                    item,
                    Event::Saved {
                        files: files.clone(),
                    },
                    paths,
                )
                .await
            {
                shared.emit(item, Outcome::Failed, json!({"error": e.to_string()}));
                return Outcome::Failed;
            }
            item.saved_now.store(true, Ordering::Relaxed);
            let line = shared.json.then(|| {
                finished_line(
                    item,
                    Some((request.op(), request_id.as_deref())),
                    credits,
                    &files,
                )
            });
            shared.report(item, Outcome::Done, line, &Value::Null);
            Outcome::Done
        }
        // Charged but not saved: the journal keeps the URLs, and the next run downloads them.
        Err((_, e)) => {
            shared.emit(
                item,
                Outcome::Failed,
                json!({"error": format!("charged ({credits} credits), but saving failed: {}; rerun the same command to download the results again (free)", report::sdk_message(&e)), "request_id": request_id, "may_have_been_processed": true}),
            );
            Outcome::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{canonical_json, content_key};

    fn items(text: &str) -> Vec<Item> {
        let dir = std::env::temp_dir().join(format!(
            "artnex-batch-items-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("b.jsonl");
        std::fs::write(&path, text).unwrap();
        let mut items = read_items(&Settings::for_tests(), &path).unwrap();
        add_legacy_keys(&mut items, &path).unwrap();
        std::fs::remove_dir_all(dir).ok();
        items
    }

    #[test]
    fn keys_follow_content_ids_and_occurrences_not_lines() {
        let a = items(
            "{\"op\":\"tts\",\"text\":\"hi\"}\n{\"op\":\"tts\",\"text\":\"yo\"}\n{\"op\":\"tts\",\"text\":\"hi\"}\n{\"id\":\"x\",\"op\":\"tts\",\"text\":\"hi\"}\n",
        );
        let b = items(
            "# moved around\n\n{ \"text\": \"yo\", \"op\": \"tts\" }\n{\"id\": \"x\", \"op\":\"tts\",\"text\":\"changed\"}\n{\"text\":\"hi\",\"op\":\"tts\"}\n\n{\"op\":\"tts\",   \"text\":\"hi\"}\n",
        );
        let keys = |items: &[Item]| {
            items
                .iter()
                .map(|i| i.key.to_string())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(keys(&a), keys(&b));
        assert_eq!(
            a[0].key.to_string(),
            format!("{}#1", content_key(&json!({"op":"tts","text":"hi"})))
        );
        assert_eq!(
            a[2].key.to_string(),
            format!("{}#2", content_key(&json!({"op":"tts","text":"hi"})))
        );
        assert_eq!(a[3].key.to_string(), "id:x");
        assert_eq!(a[3].id.as_deref(), Some("x"));
        // The id is not part of the request.
        assert!(a[3].request.is_ok(), "{:?}", a[3].request.as_ref().err());
        assert_eq!(canonical_json(&json!({"b":1,"a":2})), r#"{"a":2,"b":1}"#);
    }

    #[test]
    fn ids_are_checked() {
        let its = items(
            "{\"id\":7,\"op\":\"tts\",\"text\":\"a\"}\n{\"id\":\"7\",\"op\":\"tts\",\"text\":\"b\"}\n{\"id\":\"\",\"op\":\"tts\",\"text\":\"c\"}\n{\"id\":[1],\"op\":\"tts\",\"text\":\"d\"}\n",
        );
        assert_eq!(its[0].key.to_string(), "id:7");
        assert!(
            its[1]
                .request
                .as_ref()
                .unwrap_err()
                .contains("also used on line 1")
        );
        assert!(
            its[2]
                .request
                .as_ref()
                .unwrap_err()
                .contains("`id` must be")
        );
        assert!(
            its[3]
                .request
                .as_ref()
                .unwrap_err()
                .contains("`id` must be")
        );
    }

    /// The direct lines of finished items are the ones the general path makes.
    #[test]
    fn finished_lines_are_what_item_line_makes() {
        let its = items(
            "{\"op\":\"tts\",\"text\":\"a\"}\n{\"id\":\"x \\\"7\\\"\",\"op\":\"tts\",\"text\":\"b\"}\n",
        );
        for item in &its {
            for files in [
                vec![],
                vec!["a.mp3".to_string()],
                vec!["a\"b.png".into(), "é.png".into()],
            ] {
                let earlier = item_line(
                    item,
                    Outcome::AlreadyDone,
                    &json!({"credits_used": 12, "files": files}),
                );
                // The same object (the order of its fields follows serde_json's map, which a build's
                // features may change).
                let parsed = |line: &str| serde_json::from_str::<Value>(line).unwrap();
                assert_eq!(
                    parsed(&finished_line(item, None, 12, &files)),
                    parsed(&earlier)
                );
                for request_id in [None, Some("req_\"1\"")] {
                    let now = item_line(
                        item,
                        Outcome::Done,
                        &json!({"op": "tts", "request_id": request_id, "credits_used": 3, "files": files}),
                    );
                    let direct = finished_line(item, Some(("tts", request_id)), 3, &files);
                    assert_eq!(parsed(&direct), parsed(&now));
                }
            }
        }
        assert_eq!(its[1].id.as_deref(), Some("x \"7\""));
    }

    #[test]
    fn resume_lines_quote_what_a_shell_would_split() {
        let words = [
            "artnex",
            "batch",
            "my jobs.jsonl",
            "-o",
            "it's",
            "",
            "--budget=5",
        ];
        assert_eq!(
            shell_line(words.map(String::from)),
            "artnex batch 'my jobs.jsonl' -o 'it'\\''s' '' --budget=5"
        );
    }
}
