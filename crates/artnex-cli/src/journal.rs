//! The batch journal: an append-only JSON-lines file, synced to disk before the item that wrote an entry
//! goes on (entries of items in flight at once share a sync: [`GroupCommit`]), from which a rerun learns
//! what already happened to each item.
//!
//! The rule that keeps credits safe: an item is recorded as `started` (and synced) *before* its billable
//! request is sent. After a crash, an item that is `started` with no outcome may or may not have been
//! processed by the server, so a rerun does not send it again unless told to (`--resubmit-unknown`).
//!
//! Items are known by a key made from their content (see [`content_digest`]) or from the `id` the user gave
//! them, never from their position in the batch file. Journals written before that keyed items by line
//! number ([`legacy_key`]); they are still read, and a run records the new key of each such item once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One journal line about an item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// 1-based line number of the item in the batch file when the entry was written (for people reading
    /// the journal; items are matched by `key`).
    pub item: usize,
    /// The item's key: `id:<id>`, `sha256:<hash>#<n>`, or a legacy 16-digit key.
    pub key: ItemKey,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// The events of an item's life.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// About to send the billable request.
    Started {
        /// The local estimate in credits, counted against `--budget` until the outcome is known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        estimate: Option<u64>,
    },
    /// A video job was accepted; its outcome is pending.
    Submitted {
        /// The job's id, to resume polling.
        request_id: String,
    },
    /// The request succeeded and was charged; results may not be downloaded yet.
    Completed {
        /// Request id from the server.
        request_id: Option<String>,
        /// The id the results are named after when the server gave no request id (see
        /// [`crate::files::local_id`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        local_id: Option<String>,
        /// Credits charged.
        credits: u64,
        /// Result URLs (valid for 24 hours).
        urls: Vec<String>,
    },
    /// Results are on disk: the item is finished.
    Saved {
        /// Files written, relative to the output directory.
        files: Vec<String>,
    },
    /// The request failed and was not charged (validation, 4xx, budget, job failed).
    Failed {
        /// Why.
        error: String,
    },
    /// The request may or may not have been processed (5xx, connection lost after sending).
    Unknown {
        /// Why.
        error: String,
    },
    /// The item's history so far is recorded under `from`, a key of the older line-number form.
    Migrated {
        /// The older key.
        from: String,
    },
}

/// An item's key as the journal writes it (`id:<id>`, `sha256:<hash>#<n>`, or a legacy 16-digit key),
/// held compactly: a content key as its 128 bits and occurrence, so that matching a large batch against
/// its journal hashes and compares 24 bytes per item instead of a 40-odd-character string. Any other key
/// is held as written. Two keys are equal exactly when their written forms are: a key is held as bits
/// only when it is written the one way [`ItemKey::content`] writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ItemKey {
    /// `sha256:` + the 32 hex digits of a [`content_digest`] + `#` + the occurrence among identical lines.
    Content {
        /// The line's content digest.
        digest: [u8; 16],
        /// 1 for the first line with this content, 2 for the next, ...
        occurrence: u64,
    },
    /// Any other key, as written.
    Text(Box<str>),
}

impl ItemKey {
    /// The key of the `occurrence`-th line with the content `digest`.
    pub fn content(digest: [u8; 16], occurrence: u64) -> ItemKey {
        ItemKey::Content { digest, occurrence }
    }

    /// The key of a line with the `id` field `id`.
    pub fn id(id: &str) -> ItemKey {
        ItemKey::Text(format!("id:{id}").into_boxed_str())
    }

    /// The key written as `text`.
    pub fn parse(text: &str) -> ItemKey {
        Self::parse_content(text).unwrap_or_else(|| ItemKey::Text(text.into()))
    }

    /// A content key written exactly as [`ItemKey::content`] writes one (lower-case hex, an occurrence
    /// from 1 without leading zeros); `None` for anything else.
    fn parse_content(text: &str) -> Option<ItemKey> {
        let (hex, n) = text.strip_prefix("sha256:")?.split_once('#')?;
        if hex.len() != 32 || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let occurrence = n.parse().ok()?;
        let mut digest = [0u8; 16];
        for (byte, pair) in digest.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let [hi, lo] = pair else { return None };
            *byte = (lower_hex_value(*hi)? << 4) | lower_hex_value(*lo)?;
        }
        Some(ItemKey::content(digest, occurrence))
    }

    /// Whether this is a key of the older line-number form (see [`legacy_key`]).
    fn is_legacy(&self) -> bool {
        matches!(self, ItemKey::Text(text) if is_legacy_key(text))
    }
}

fn lower_hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemKey::Content { digest, occurrence } => {
                let mut hex = String::with_capacity(32);
                push_hex(&mut hex, digest);
                write!(f, "sha256:{hex}#{occurrence}")
            }
            ItemKey::Text(text) => f.write_str(text),
        }
    }
}

impl Serialize for ItemKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ItemKey::Text(text) => serializer.serialize_str(text),
            content => serializer.collect_str(content),
        }
    }
}

/// An entry as read: every event's fields side by side, so that a line is parsed in one pass (a tagged,
/// flattened enum makes serde buffer the whole line first), the key borrowed from the line.
#[derive(Deserialize)]
struct RawEntry<'a> {
    /// Required, though only people read it.
    #[serde(rename = "item")]
    _item: usize,
    #[serde(borrow)]
    key: std::borrow::Cow<'a, str>,
    event: Tag,
    estimate: Option<u64>,
    request_id: Option<String>,
    local_id: Option<String>,
    credits: Option<u64>,
    urls: Option<Vec<String>>,
    files: Option<Vec<String>>,
    error: Option<String>,
    from: Option<String>,
}

/// The names of [`Event`]s in the journal.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Tag {
    Started,
    Submitted,
    Completed,
    Saved,
    Failed,
    Unknown,
    Migrated,
}

impl<'a> RawEntry<'a> {
    /// The key and the event; `None` when a field the event needs is missing.
    fn into_parts(self) -> Option<(std::borrow::Cow<'a, str>, Event)> {
        let event = match self.event {
            Tag::Started => Event::Started {
                estimate: self.estimate,
            },
            Tag::Submitted => Event::Submitted {
                request_id: self.request_id?,
            },
            Tag::Completed => Event::Completed {
                request_id: self.request_id,
                local_id: self.local_id,
                credits: self.credits?,
                urls: self.urls?,
            },
            Tag::Saved => Event::Saved { files: self.files? },
            Tag::Failed => Event::Failed { error: self.error? },
            Tag::Unknown => Event::Unknown { error: self.error? },
            Tag::Migrated => Event::Migrated { from: self.from? },
        };
        Some((self.key, event))
    }
}

/// A journal line about a run rather than an item: `{"run": {...}}`, written when a run starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The output directory, as an absolute path.
    pub out: String,
    /// The process that wrote it.
    pub pid: u32,
    /// Result files that were already in the output directory, unknown to the journal, when the run was
    /// told to go on anyway (`--force`): they are not this batch's, and never again a reason to refuse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledged: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct RunLine {
    run: Run,
}

/// What the journal says about an item.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum State {
    /// Never started.
    #[default]
    New,
    /// Started with no recorded outcome: the process died while the request was in flight.
    InFlight,
    /// A video job is running on the server.
    Pending {
        /// Job id.
        request_id: String,
    },
    /// Charged; results not yet saved.
    Completed {
        /// Request id.
        request_id: Option<String>,
        /// The id the results are named after when there is no request id.
        local_id: Option<String>,
        /// Credits charged.
        credits: u64,
        /// Result URLs.
        urls: Vec<String>,
    },
    /// Finished.
    Done {
        /// Credits charged.
        credits: u64,
        /// Files written.
        files: Vec<String>,
    },
    /// Failed without charge.
    Failed {
        /// Why.
        error: String,
    },
    /// Outcome unknown.
    Unknown {
        /// Why.
        error: String,
    },
}

impl State {
    fn apply(self, event: Event) -> State {
        match (self, event) {
            (_, Event::Started { .. }) => State::InFlight,
            (_, Event::Submitted { request_id }) => State::Pending { request_id },
            (
                _,
                Event::Completed {
                    request_id,
                    local_id,
                    credits,
                    urls,
                },
            ) => State::Completed {
                request_id,
                local_id,
                credits,
                urls,
            },
            (State::Completed { credits, .. }, Event::Saved { files }) => {
                State::Done { credits, files }
            }
            (_, Event::Saved { files }) => State::Done { credits: 0, files },
            (_, Event::Failed { error }) => State::Failed { error },
            (_, Event::Unknown { error }) => State::Unknown { error },
            // Handled by `Replayed::apply`, which copies the older key's state.
            (state, Event::Migrated { .. }) => state,
        }
    }
}

/// A journal line that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    /// 1-based line number in the journal.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// How a line that is not a readable entry looks.
enum Unreadable {
    /// An entry cut off by an interrupted write: it ends in the middle of the JSON text (or of a UTF-8
    /// character).
    CutOff,
    /// Anything else.
    Damaged(String),
}

/// One parsed journal line.
enum Line<'a> {
    Entry {
        key: std::borrow::Cow<'a, str>,
        event: Event,
    },
    Run(Run),
}

fn parse_line(bytes: &[u8]) -> Result<Line<'_>, Unreadable> {
    let (text, cut_char) = match std::str::from_utf8(bytes) {
        Ok(text) => (text, false),
        // An incomplete character at the very end is what a torn write leaves; anything else is not.
        Err(e) if e.error_len().is_none() => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            (std::str::from_utf8(valid).unwrap_or_default(), true)
        }
        Err(e) => {
            return Err(Unreadable::Damaged(format!(
                "not valid UTF-8 (at byte {})",
                e.valid_up_to() + 1
            )));
        }
    };
    if !cut_char {
        if let Some((key, event)) = serde_json::from_str::<RawEntry<'_>>(text)
            .ok()
            .and_then(RawEntry::into_parts)
        {
            return Ok(Line::Entry { key, event });
        }
        if let Ok(line) = serde_json::from_str::<RunLine>(text) {
            return Ok(Line::Run(line.run));
        }
    }
    match serde_json::from_str::<Value>(text) {
        Err(e) if e.is_eof() => Err(Unreadable::CutOff),
        // The text was fine up to a character cut in half: a torn write too.
        _ if cut_char => Err(Unreadable::CutOff),
        Err(e) => Err(Unreadable::Damaged(format!("not JSON ({e})"))),
        Ok(_) => Err(Unreadable::Damaged("not a journal entry".into())),
    }
}

/// What a journal records of one item.
#[derive(Debug, Clone, Default)]
struct Record {
    state: State,
    /// The estimate recorded when the item was last started.
    estimate: Option<u64>,
}

/// Hash maps keyed by item keys and file names: those come from the user's own files, so a fast hash
/// needs no protection against crafted collisions.
pub type FxHashMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;
pub type FxHashSet<K> = HashSet<K, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;

/// A last line that could not be read: what an interrupted write leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TornTail {
    /// 1-based line number.
    pub line: usize,
    /// Byte offset where it starts (the journal is cut back to here before a run appends to it).
    pub offset: u64,
}

/// The states a journal records, read without opening it for writing.
#[derive(Debug, Default)]
pub struct Replayed {
    /// What is known of each item, by key.
    items: FxHashMap<ItemKey, Record>,
    /// Every file that a `saved` entry lists.
    saved_files: FxHashSet<Box<str>>,
    /// Result files a forced run recorded as not this batch's.
    acknowledged: HashSet<String>,
    /// The output directory of the last run that recorded one.
    out: Option<String>,
    /// Whether some entry uses a key of the older line-number form.
    has_legacy: bool,
    /// Readable entries.
    entries: usize,
    /// An unreadable last line, skipped (a torn write).
    pub torn_tail: Option<TornTail>,
    /// Unreadable lines before the last that are entries cut off by an interrupted write (an older
    /// version of artnex went on after them), skipped.
    pub cut_off: Vec<usize>,
    /// Other unreadable lines: a run refuses to go on without `--force`.
    pub damaged: Vec<Damage>,
    /// The file does not end with a newline (after cutting off the torn tail).
    needs_newline: bool,
}

impl Replayed {
    /// Reads the journal at `path` without creating or changing it; `None` when there is none yet.
    pub fn read(path: &Path) -> std::io::Result<Option<Replayed>> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        // Sized for the items the file likely holds (a finished item takes about 500 bytes in three
        // entries), so that the maps are not grown and rehashed again and again while reading.
        let likely_items = usize::try_from(file.metadata()?.len() / 512).unwrap_or(0);
        let mut reader = BufReader::new(file);
        let mut out = Replayed::default();
        out.items.reserve(likely_items);
        out.saved_files.reserve(likely_items);
        let mut buf = Vec::new();
        let (mut line_no, mut offset) = (0usize, 0u64);
        // The last unreadable line seen: whether it is the torn tail depends on what follows it.
        let mut pending: Option<(TornTail, Unreadable)> = None;
        let mut last_byte = b'\n';
        loop {
            buf.clear();
            let n = reader.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let start = offset;
            offset += n as u64;
            last_byte = buf.last().copied().unwrap_or(b'\n');
            let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if let Some((earlier, what)) = pending.take() {
                out.note_unreadable(earlier.line, what);
            }
            match parse_line(bytes) {
                Ok(Line::Entry { key, event }) => out.apply_entry(ItemKey::parse(&key), event),
                Ok(Line::Run(run)) => out.apply_run(run),
                Err(what) => {
                    pending = Some((
                        TornTail {
                            line: line_no,
                            offset: start,
                        },
                        what,
                    ));
                }
            }
        }
        match pending {
            Some((tail, _)) => out.torn_tail = Some(tail),
            None => out.needs_newline = last_byte != b'\n',
        }
        Ok(Some(out))
    }

    fn note_unreadable(&mut self, line: usize, what: Unreadable) {
        match what {
            Unreadable::CutOff => self.cut_off.push(line),
            Unreadable::Damaged(reason) => self.damaged.push(Damage { line, reason }),
        }
    }

    fn apply_entry(&mut self, key: ItemKey, event: Event) {
        self.entries += 1;
        if key.is_legacy() {
            self.has_legacy = true;
        }
        self.apply(key, event);
    }

    fn apply_run(&mut self, run: Run) {
        self.acknowledged.extend(run.acknowledged);
        self.out = Some(run.out);
    }

    fn apply(&mut self, key: ItemKey, event: Event) {
        if let Event::Migrated { from } = &event {
            if let Some(record) = self.items.get(&ItemKey::parse(from)).cloned() {
                self.items.insert(key, record);
            }
            return;
        }
        if let Event::Saved { files } = &event {
            self.saved_files
                .extend(files.iter().map(|f| Box::from(f.as_str())));
        }
        let record = self.items.entry(key).or_default();
        if let Event::Started { estimate } = &event {
            record.estimate = *estimate;
        }
        record.state = std::mem::take(&mut record.state).apply(event);
    }

    /// The recorded state of the item with `key`, or of its key in the older form when a journal of that
    /// form knows it only by that.
    pub fn state(&self, key: &ItemKey, legacy: &ItemKey) -> State {
        self.state_ref(key, legacy).cloned().unwrap_or_default()
    }

    /// Like [`Replayed::state`], borrowed; `None` for an item never recorded.
    pub fn state_ref(&self, key: &ItemKey, legacy: &ItemKey) -> Option<&State> {
        self.items
            .get(key)
            .or_else(|| self.legacy_record(key, legacy))
            .map(|r| &r.state)
    }

    fn legacy_record(&self, key: &ItemKey, legacy: &ItemKey) -> Option<&Record> {
        if !self.has_legacy || self.items.contains_key(key) {
            return None;
        }
        self.items.get(legacy)
    }

    /// Whether the journal has entries keyed in the older line-number form (only then do items need
    /// their key of that form: see [`legacy_key`]).
    pub fn has_legacy_keys(&self) -> bool {
        self.has_legacy
    }

    /// Whether the item is known only by its key in the older form (and so gets a `migrated` entry).
    pub fn needs_migration(&self, key: &ItemKey, legacy: &ItemKey) -> bool {
        self.legacy_record(key, legacy).is_some()
    }

    /// The estimate recorded when the item was last started.
    pub fn estimate(&self, key: &ItemKey) -> Option<u64> {
        self.items.get(key).and_then(|r| r.estimate)
    }

    /// Credits this journal counts as spent across all its runs: what was charged, plus the estimate of
    /// every item whose request may have been charged without the journal knowing (in flight when a run
    /// died, of unknown outcome, or a video job still running).
    pub fn committed_credits(&self) -> u64 {
        self.items
            .values()
            .map(|record| match &record.state {
                State::Completed { credits, .. } | State::Done { credits, .. } => *credits,
                State::InFlight | State::Pending { .. } | State::Unknown { .. } => {
                    record.estimate.unwrap_or(0)
                }
                State::New | State::Failed { .. } => 0,
            })
            .fold(0u64, u64::saturating_add)
    }

    /// Whether a `saved` entry lists the file, or a forced run acknowledged it as not this batch's.
    pub fn knows_file(&self, name: &str) -> bool {
        self.lists_saved(name) || self.acknowledges(name)
    }

    /// Whether a forced run acknowledged the file as not this batch's.
    pub fn acknowledges(&self, name: &str) -> bool {
        self.acknowledged.contains(name)
    }

    /// Whether a `saved` entry lists the file.
    pub fn lists_saved(&self, name: &str) -> bool {
        self.saved_files.contains(name)
    }

    /// How many files `saved` entries list (each counted once).
    pub fn saved_file_count(&self) -> usize {
        self.saved_files.len()
    }

    /// Whether any `saved` entry lists a file.
    pub fn has_saved_files(&self) -> bool {
        !self.saved_files.is_empty()
    }

    /// Every file that `saved` entries list.
    pub fn saved_files(&self) -> impl Iterator<Item = &str> {
        self.saved_files.iter().map(|f| &**f)
    }

    /// The output directory the last run recorded.
    pub fn out(&self) -> Option<&str> {
        self.out.as_deref()
    }

    /// Whether the journal holds no readable item entry.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
}

/// An open journal: past states by item key, and the file to append to.
pub struct Journal {
    path: PathBuf,
    file: File,
    replayed: Replayed,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for appending, given what reading it found: a torn last
    /// line is cut off first, so that it never ends up in the middle of the journal.
    pub fn open(path: &Path, replayed: Option<Replayed>) -> std::io::Result<Journal> {
        let replayed = replayed.unwrap_or_default();
        if let Some(tail) = replayed.torn_tail {
            OpenOptions::new()
                .write(true)
                .open(path)?
                .set_len(tail.offset)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        if replayed.needs_newline {
            file.write_all(b"\n")?;
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            replayed,
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the journal recorded, including this run's entries so far.
    pub fn replayed(&self) -> &Replayed {
        &self.replayed
    }

    /// Appends an entry and syncs it to disk before returning (the batch records through a
    /// [`GroupCommit`]).
    #[cfg(test)]
    pub fn record(&mut self, item: usize, key: &str, event: Event) -> std::io::Result<()> {
        self.record_all(vec![Entry {
            item,
            key: ItemKey::parse(key),
            event,
        }])
    }

    /// Appends entries with one write and one sync.
    pub fn record_all(&mut self, entries: Vec<Entry>) -> std::io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut text = Vec::new();
        for entry in &entries {
            serde_json::to_writer(&mut text, entry).map_err(std::io::Error::other)?;
            text.push(b'\n');
        }
        self.write_synced(&text)?;
        for entry in entries {
            self.replayed.apply_entry(entry.key, entry.event);
        }
        Ok(())
    }

    /// Appends the record of a run starting, and syncs it.
    pub fn record_run(&mut self, run: Run) -> std::io::Result<()> {
        let mut text =
            serde_json::to_vec(&RunLine { run: run.clone() }).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.write_synced(&text)?;
        self.replayed.apply_run(run);
        Ok(())
    }

    fn write_synced(&mut self, text: &[u8]) -> std::io::Result<()> {
        self.file.write_all(text)?;
        self.file.sync_data()
    }
}

/// Group commit: entries recorded by many items at once share one write and one sync. A writer thread
/// takes every entry waiting, appends them with one write, syncs the file once, and only then tells each
/// recorder that its entry is on storage; an item still records `started` (durably) before its request is
/// sent, but 64 items in flight no longer wait for 64 syncs one after another.
///
/// Result files are made durable the same way: a `saved` entry names the files it records, and the
/// writer flushes the files of every `saved` entry in a group to storage (see [`flush_files`]), all at
/// once, before it writes the group; an entry that says a file is saved is never on storage before the
/// file is.
pub struct GroupCommit {
    jobs: std::sync::mpsc::Sender<Pending>,
}

/// Entries waiting for the writer, and who to tell.
struct Pending {
    text: Vec<u8>,
    /// Files that must be on storage before `text` is written.
    files: Vec<PathBuf>,
    done: tokio::sync::oneshot::Sender<std::io::Result<()>>,
}

/// How the writer makes result files durable (a parameter so that tests can watch the order).
type FlushFiles = Box<dyn FnMut(&[PathBuf]) -> std::io::Result<()> + Send>;

/// How long the writer waits for more entries once one has come, while other items are in flight: they
/// record theirs within a fraction of a sync, and one sync for many entries costs each far less than a
/// sync of its own (the commit delay of databases).
const COMMIT_DELAY: std::time::Duration = std::time::Duration::from_micros(500);

/// Puts `files` and their directory entries on storage. On Linux, one `syncfs` per directory flushes
/// the whole file system the directory is on at once (a single journal commit for all the files, where a
/// `fsync` per file costs one each); elsewhere, each file and each directory is synced.
pub fn flush_files(files: &[PathBuf]) -> std::io::Result<()> {
    let mut dirs: Vec<&Path> = files
        .iter()
        .map(|f| match f.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    #[cfg(target_os = "linux")]
    for dir in dirs {
        rustix::fs::syncfs(File::open(dir)?)?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        for file in files {
            File::open(file)?.sync_all()?;
        }
        #[cfg(unix)]
        for dir in dirs {
            File::open(dir)?.sync_all()?;
        }
    }
    Ok(())
}

impl GroupCommit {
    /// Starts the writer thread on a handle of the journal's file (opened for appending). `active` counts
    /// the items that may record an entry: the writer waits up to [`COMMIT_DELAY`] for more entries only
    /// while some of them have not recorded one yet.
    fn start(
        file: File,
        active: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        flush: FlushFiles,
    ) -> std::io::Result<GroupCommit> {
        let (jobs, queue) = std::sync::mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("artnex-journal".into())
            .spawn(move || writer(file, &queue, &active, flush))?;
        Ok(GroupCommit { jobs })
    }

    /// Appends `entry` and returns once it is synced to storage (with whatever else was waiting).
    #[cfg(test)]
    pub async fn append(&self, entry: &Entry) -> std::io::Result<()> {
        self.append_with_files(entry, Vec::new()).await
    }

    /// Appends `entry` once `files` are on storage, and returns once the entry is too.
    #[cfg(test)]
    pub async fn append_with_files(
        &self,
        entry: &Entry,
        files: Vec<PathBuf>,
    ) -> std::io::Result<()> {
        self.enqueue(entry, files)?.synced().await
    }

    /// Hands `entry` to the writer without waiting: it is written once `files` are on storage, and entries
    /// are written in the order they are handed over, so an entry handed over later is never on storage
    /// before this one. [`Committing::synced`] tells when it is.
    pub fn enqueue(&self, entry: &Entry, files: Vec<PathBuf>) -> std::io::Result<Committing> {
        let mut text = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        text.push(b'\n');
        let (done, synced) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Pending { text, files, done })
            .map_err(|_| writer_stopped())?;
        Ok(Committing(synced))
    }
}

/// An entry handed to a [`GroupCommit`]'s writer.
pub struct Committing(tokio::sync::oneshot::Receiver<std::io::Result<()>>);

impl Committing {
    /// Returns once the entry is on storage (or could not be written).
    pub async fn synced(self) -> std::io::Result<()> {
        self.0.await.map_err(|_| writer_stopped())?
    }
}

fn writer_stopped() -> std::io::Error {
    std::io::Error::other("the journal writer has stopped")
}

/// The writer thread: one group at a time, until every sender is gone.
fn writer(
    mut file: File,
    queue: &std::sync::mpsc::Receiver<Pending>,
    active: &std::sync::atomic::AtomicUsize,
    mut flush: FlushFiles,
) {
    use std::sync::atomic::Ordering;
    use std::sync::mpsc::RecvTimeoutError;
    let copy = |e: &std::io::Error| std::io::Error::new(e.kind(), e.to_string());
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter());
        let deadline = std::time::Instant::now() + COMMIT_DELAY;
        while group.len() < active.load(Ordering::SeqCst) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match queue.recv_timeout(left) {
                Ok(p) => {
                    group.push(p);
                    group.extend(queue.try_iter());
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        // Files first: the entries that name them are written only once they are on storage.
        let files: Vec<PathBuf> = group.iter().flat_map(|p| p.files.iter().cloned()).collect();
        let flushed = if files.is_empty() {
            Ok(())
        } else {
            flush(&files)
        };
        let (written, refused): (Vec<Pending>, Vec<Pending>) = match &flushed {
            Ok(()) => (group, Vec::new()),
            Err(_) => group.into_iter().partition(|p| p.files.is_empty()),
        };
        if let Err(e) = &flushed {
            for p in refused {
                let _ = p.done.send(Err(copy(e)));
            }
        }
        let mut text = Vec::with_capacity(written.iter().map(|p| p.text.len()).sum());
        for p in &written {
            text.extend_from_slice(&p.text);
        }
        let result = file.write_all(&text).and_then(|()| file.sync_data());
        for p in written {
            let _ = p.done.send(result.as_ref().map(|_| ()).map_err(copy));
        }
    }
}

impl Journal {
    /// A group-commit writer for this journal (see [`GroupCommit`]); entries it wrote are applied to
    /// [`Journal::replayed`] with [`Journal::applied`].
    /// `active` counts the items that may record entries (see [`GroupCommit`]).
    pub fn group_commit(
        &self,
        active: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) -> std::io::Result<GroupCommit> {
        GroupCommit::start(self.file.try_clone()?, active, Box::new(flush_files))
    }

    /// Takes what the journal recorded out of it (it then records nothing more).
    pub fn take_replayed(&mut self) -> Replayed {
        std::mem::take(&mut self.replayed)
    }

    /// Records in [`Journal::replayed`] an entry that a [`GroupCommit`] has written.
    pub fn applied(&mut self, entry: Entry) {
        self.replayed.apply_entry(entry.key, entry.event);
    }
}

/// The key of a batch line without an `id`, before its occurrence (`#<n>`) is appended (see
/// [`content_digest`]).
#[cfg(test)]
pub fn content_key(value: &Value) -> String {
    let first = ItemKey::content(content_digest(value), 1).to_string();
    first.strip_suffix("#1").unwrap_or(&first).to_string()
}

/// The key of a batch line without an `id` is `sha256:` and the first 128 bits (32 hex digits) of the
/// SHA-256 of the line's canonical JSON (see [`canonical_json`]), so that whitespace and the order of
/// fields do not matter; these are the 128 bits. The batch reader appends `#<n>` to the key for the n-th
/// identical line ([`ItemKey::content`]).
pub fn content_digest(value: &Value) -> [u8; 16] {
    let mut hasher = Sha256Writer(Sha256::new());
    // Writing into a hasher cannot fail.
    let _ = write_canonical(value, &mut hasher);
    let digest = hasher.0.finalize();
    let mut bits = [0u8; 16];
    bits.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    bits
}

/// JSON text with no whitespace and the fields of every object sorted by name; strings and numbers are
/// written as `serde_json` writes them (so `"\u0041"` and `"A"` are the same, `2` and `2.0` are not).
#[cfg(test)]
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::new();
    let _ = write_canonical(value, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the canonical JSON of `value` (see [`canonical_json`]) to `out`, without building it.
fn write_canonical(value: &Value, out: &mut impl Write) -> std::io::Result<()> {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(&String, &Value)> = map.iter().collect();
            fields.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.write_all(b"{")?;
            for (i, (name, v)) in fields.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_json_str(name, out)?;
                out.write_all(b":")?;
                write_canonical(v, out)?;
            }
            out.write_all(b"}")
        }
        Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_canonical(v, out)?;
            }
            out.write_all(b"]")
        }
        Value::String(text) => write_json_str(text, out),
        scalar => Ok(serde_json::to_writer(out, scalar)?),
    }
}

/// A JSON string as `serde_json` writes it; one with nothing to escape is copied as it is.
fn write_json_str(text: &str, out: &mut impl Write) -> std::io::Result<()> {
    if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        return Ok(serde_json::to_writer(out, text)?);
    }
    out.write_all(b"\"")?;
    out.write_all(text.as_bytes())?;
    out.write_all(b"\"")
}

/// Feeds what is written into a SHA-256.
struct Sha256Writer(Sha256);

impl Write for Sha256Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends `bytes` as lower-case hex digits.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

/// The key an item had in journals written before items were keyed by content: FNV-1a (64 bits) over its
/// line number and its parsed request as `serde_json` prints it.
pub fn legacy_key(line_number: usize, request: &Value) -> String {
    let mut fnv = Fnv(0xcbf2_9ce4_8422_2325);
    let _ = write!(fnv, "{line_number}:");
    let _ = serde_json::to_writer(&mut fnv, request);
    format!("{:016x}", fnv.0)
}

/// FNV-1a over what is written.
struct Fnv(u64);

impl Write for Fnv {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for b in buf {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn is_legacy_key(key: &str) -> bool {
    key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries recorded by many tasks at once through the group commit are all in the file (each whole,
    /// on its own line) and in the replayed state, whatever groups they were written in.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_commit_writes_every_entry_whole() {
        let path = temp("group");
        let journal = std::sync::Arc::new(std::sync::Mutex::new(open(&path)));
        let active = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(200));
        let commit = std::sync::Arc::new(journal.lock().unwrap().group_commit(active).unwrap());
        let mut tasks = Vec::new();
        for i in 0..200usize {
            let (journal, commit) = (journal.clone(), commit.clone());
            tasks.push(tokio::spawn(async move {
                let key = format!("k{i}");
                for event in [
                    Event::Started { estimate: Some(1) },
                    Event::Completed {
                        request_id: Some(format!("req_{i}")),
                        local_id: None,
                        credits: 1,
                        urls: vec![],
                    },
                ] {
                    let entry = Entry {
                        item: i + 1,
                        key: ItemKey::parse(&key),
                        event,
                    };
                    commit.append(&entry).await.unwrap();
                    journal.lock().unwrap().applied(entry);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let replayed = Replayed::read(&path).unwrap().unwrap();
        assert!(replayed.damaged.is_empty() && replayed.torn_tail.is_none());
        for i in 0..200usize {
            let key = format!("k{i}");
            let want = State::Completed {
                request_id: Some(format!("req_{i}")),
                local_id: None,
                credits: 1,
                urls: vec![],
            };
            assert_eq!(
                replayed.state(&ItemKey::parse(&key), &ItemKey::parse("")),
                want
            );
            assert_eq!(
                journal
                    .lock()
                    .unwrap()
                    .replayed()
                    .state(&ItemKey::parse(&key), &ItemKey::parse("")),
                want
            );
        }
        let _ = std::fs::remove_file(path);
    }

    /// Entries handed over without waiting are written in the order they were handed over (a `saved`
    /// entry never lands before the `completed` entry of its item), and each one's `synced` resolves.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn handed_over_entries_keep_their_order() {
        let path = temp("handover");
        let journal = open(&path);
        let active = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(1));
        let commit = journal.group_commit(active).unwrap();
        let mut waiting = Vec::new();
        for i in 0..300usize {
            let entry = Entry {
                item: i + 1,
                key: ItemKey::parse(&format!("k{i}")),
                event: Event::Failed {
                    error: format!("e{i}"),
                },
            };
            waiting.push(commit.enqueue(&entry, Vec::new()).unwrap());
        }
        for w in waiting {
            w.synced().await.unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let items: Vec<u64> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok()?.get("item")?.as_u64())
            .collect();
        assert_eq!(items, (1..=300).collect::<Vec<u64>>());
        let _ = std::fs::remove_file(path);
    }

    /// A `saved` entry reaches the journal only after the files it names were flushed, and not at all
    /// when flushing them fails (the entries of other items still are written).
    #[tokio::test]
    async fn saved_entries_are_written_after_their_files_are_flushed() {
        let path = temp("flush");
        let journal = open(&path);
        // What the flush saw: the files, and how long the journal was at that moment.
        type Flushes = std::sync::Arc<std::sync::Mutex<Vec<(Vec<PathBuf>, u64)>>>;
        let seen: Flushes = Default::default();
        let flush: FlushFiles = {
            let (seen, path) = (seen.clone(), path.clone());
            Box::new(move |files: &[PathBuf]| {
                let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                seen.lock().unwrap().push((files.to_vec(), len));
                if files.iter().any(|f| f.ends_with("broken.png")) {
                    return Err(std::io::Error::other("disk full"));
                }
                Ok(())
            })
        };
        let active = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(1));
        let commit = GroupCommit::start(journal.file.try_clone().unwrap(), active, flush).unwrap();
        let entry = |key: &str, event: Event| Entry {
            item: 1,
            key: ItemKey::parse(key),
            event,
        };
        commit
            .append(&entry("a", Event::Started { estimate: None }))
            .await
            .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let files = vec![PathBuf::from("out/a.png"), PathBuf::from("out/a-2.png")];
        let saved = entry(
            "a",
            Event::Saved {
                files: vec!["a.png".into(), "a-2.png".into()],
            },
        );
        commit
            .append_with_files(&saved, files.clone())
            .await
            .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(files, before)],
            "flushed first, before the entry"
        );
        let r = Replayed::read(&path).unwrap().unwrap();
        assert!(matches!(
            r.state(&ItemKey::parse("a"), &ItemKey::parse("")),
            State::Done { .. }
        ));
        // A failed flush: the entry is not written and the recorder is told; the next entry is written.
        let broken = entry(
            "b",
            Event::Saved {
                files: vec!["broken.png".into()],
            },
        );
        let err = commit
            .append_with_files(&broken, vec![PathBuf::from("out/broken.png")])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        commit
            .append(&entry("c", Event::Started { estimate: None }))
            .await
            .unwrap();
        let r = Replayed::read(&path).unwrap().unwrap();
        assert_eq!(
            r.state(&ItemKey::parse("b"), &ItemKey::parse("")),
            State::New
        );
        assert_eq!(
            r.state(&ItemKey::parse("c"), &ItemKey::parse("")),
            State::InFlight
        );
        drop(commit);
        let _ = std::fs::remove_file(path);
    }

    /// The real flush syncs without error the files and directories it is given (what reaches the disk
    /// is not observable from a test; the benchmark measures the cost).
    #[test]
    fn flush_files_syncs_files_in_several_directories() {
        let dir =
            std::env::temp_dir().join(format!("artnex-journal-flushdir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let files = vec![dir.join("a.png"), dir.join("sub/b.png"), dir.join("c.png")];
        for f in &files {
            std::fs::write(f, b"x").unwrap();
        }
        flush_files(&files).unwrap();
        assert!(flush_files(&[dir.join("missing/d.png")]).is_err());
        std::fs::remove_dir_all(dir).ok();
    }

    fn temp(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("artnex-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    fn open(path: &Path) -> Journal {
        Journal::open(path, Replayed::read(path).unwrap()).unwrap()
    }

    fn state(j: &Journal, key: &str) -> State {
        j.replayed()
            .state(&ItemKey::parse(key), &ItemKey::parse(""))
    }

    /// Keys are equal exactly when their written forms are: content keys are held as bits only in the
    /// one form the batch writes them, and every key is written back as it was read.
    #[test]
    fn item_keys_compare_as_their_written_forms() {
        let hex = "00112233445566778899aabbccddeeff";
        let digest = [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ];
        let canonical = format!("sha256:{hex}#12");
        assert_eq!(ItemKey::parse(&canonical), ItemKey::content(digest, 12));
        let texts = [
            canonical.clone(),
            format!("sha256:{hex}#1"),
            format!("sha256:{}#12", hex.to_uppercase()),
            format!("sha256:{hex}#012"),
            format!("sha256:{hex}#0"),
            format!("sha256:{hex}#"),
            format!("sha256:{hex}#1x"),
            format!("sha256:{hex}"),
            format!("sha256:{}#1", &hex[..30]),
            format!("sha256:{hex}00#1"),
            format!("sha256:{}g#1", &hex[..31]),
            format!("sha256:{hex}#99999999999999999999999"),
            "id:x".to_string(),
            "id:sha256:x#1".to_string(),
            "0123456789abcdef".to_string(),
            String::new(),
        ];
        for a in &texts {
            let key = ItemKey::parse(a);
            assert_eq!(&key.to_string(), a, "written back as read");
            assert_eq!(
                serde_json::to_string(&key).unwrap(),
                serde_json::to_string(a).unwrap()
            );
            for b in &texts {
                assert_eq!(key == ItemKey::parse(b), a == b, "{a} vs {b}");
            }
        }
        assert!(matches!(ItemKey::parse(&texts[2]), ItemKey::Text(_)));
        assert!(matches!(ItemKey::parse(&texts[3]), ItemKey::Text(_)));
        assert!(matches!(ItemKey::parse(&texts[4]), ItemKey::Text(_)));
        assert!(ItemKey::parse("0123456789abcdef").is_legacy());
        assert!(!ItemKey::parse(&canonical).is_legacy());
        assert_eq!(ItemKey::id("7"), ItemKey::parse("id:7"));
    }

    /// The journal's line format, pinned for every event (journals written by earlier versions use it),
    /// and read back as written.
    #[test]
    fn entries_are_written_in_the_journal_format_and_read_back() {
        let cases = [
            (Event::Started { estimate: None }, r#""event":"started""#),
            (
                Event::Started { estimate: Some(5) },
                r#""event":"started","estimate":5"#,
            ),
            (
                Event::Submitted {
                    request_id: "j\"1".into(),
                },
                r#""event":"submitted","request_id":"j\"1""#,
            ),
            (
                Event::Completed {
                    request_id: Some("r1".into()),
                    local_id: None,
                    credits: 4,
                    urls: vec!["u".into()],
                },
                r#""event":"completed","request_id":"r1","credits":4,"urls":["u"]"#,
            ),
            (
                Event::Completed {
                    request_id: None,
                    local_id: Some("l1".into()),
                    credits: 0,
                    urls: vec![],
                },
                r#""event":"completed","request_id":null,"local_id":"l1","credits":0,"urls":[]"#,
            ),
            (
                Event::Saved {
                    files: vec!["a.png".into(), "b.png".into()],
                },
                r#""event":"saved","files":["a.png","b.png"]"#,
            ),
            (
                Event::Failed { error: "no".into() },
                r#""event":"failed","error":"no""#,
            ),
            (
                Event::Unknown {
                    error: "lost".into(),
                },
                r#""event":"unknown","error":"lost""#,
            ),
            (
                Event::Migrated {
                    from: "0000000000000001".into(),
                },
                r#""event":"migrated","from":"0000000000000001""#,
            ),
        ];
        for (event, fields) in cases {
            let entry = Entry {
                item: 3,
                key: ItemKey::parse("id:x"),
                event: event.clone(),
            };
            let line = serde_json::to_string(&entry).unwrap();
            assert_eq!(line, format!(r#"{{"item":3,"key":"id:x",{fields}}}"#));
            match parse_line(line.as_bytes()) {
                Ok(Line::Entry { key, event: read }) => {
                    assert_eq!(key, "id:x");
                    assert_eq!(read, event);
                }
                _ => panic!("not read back: {line}"),
            }
        }
    }

    #[test]
    fn replays_the_life_of_items() {
        let path = temp("replay");
        {
            let mut j = open(&path);
            j.record(
                1,
                "a",
                Event::Started {
                    estimate: Some(100),
                },
            )
            .unwrap();
            j.record(
                1,
                "a",
                Event::Completed {
                    request_id: Some("r1".into()),
                    local_id: None,
                    credits: 100,
                    urls: vec!["u".into()],
                },
            )
            .unwrap();
            j.record(
                1,
                "a",
                Event::Saved {
                    files: vec!["x.png".into()],
                },
            )
            .unwrap();
            j.record(2, "b", Event::Started { estimate: Some(7) })
                .unwrap();
            j.record(3, "c", Event::Started { estimate: None }).unwrap();
            j.record(
                3,
                "c",
                Event::Submitted {
                    request_id: "req_v".into(),
                },
            )
            .unwrap();
            j.record(4, "d", Event::Started { estimate: Some(20) })
                .unwrap();
            j.record(
                4,
                "d",
                Event::Unknown {
                    error: "reset".into(),
                },
            )
            .unwrap();
            j.record(
                5,
                "e",
                Event::Started {
                    estimate: Some(1000),
                },
            )
            .unwrap();
            j.record(5, "e", Event::Failed { error: "no".into() })
                .unwrap();
        }
        let j = open(&path);
        assert_eq!(
            state(&j, "a"),
            State::Done {
                credits: 100,
                files: vec!["x.png".into()]
            }
        );
        assert_eq!(state(&j, "b"), State::InFlight);
        assert_eq!(
            state(&j, "c"),
            State::Pending {
                request_id: "req_v".into()
            }
        );
        assert_eq!(
            state(&j, "d"),
            State::Unknown {
                error: "reset".into()
            }
        );
        assert_eq!(state(&j, "f"), State::New);
        // Charged 100, plus the estimates of the in-flight and unknown items; the failed one is free.
        assert_eq!(j.replayed().committed_credits(), 127);
        assert!(j.replayed().knows_file("x.png"));
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn a_torn_last_line_is_cut_off_and_does_not_corrupt_the_next() {
        let path = temp("torn");
        {
            let mut j = open(&path);
            j.record(1, "a", Event::Started { estimate: None }).unwrap();
        }
        let whole = std::fs::read(&path).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"item":1,"key":"a","event":"comp"#)
            .unwrap();
        drop(f);
        {
            let replayed = Replayed::read(&path).unwrap().unwrap();
            assert_eq!(
                replayed.torn_tail,
                Some(TornTail {
                    line: 2,
                    offset: whole.len() as u64
                })
            );
            assert!(replayed.damaged.is_empty());
            let mut j = Journal::open(&path, Some(replayed)).unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                whole,
                "the torn line is cut off"
            );
            assert_eq!(state(&j, "a"), State::InFlight);
            j.record(
                1,
                "a",
                Event::Failed {
                    error: "bad".into(),
                },
            )
            .unwrap();
        }
        let replayed = Replayed::read(&path).unwrap().unwrap();
        assert_eq!(
            (
                replayed.torn_tail,
                replayed.cut_off.len(),
                replayed.damaged.len()
            ),
            (None, 0, 0)
        );
        assert_eq!(
            replayed.state(&ItemKey::parse("a"), &ItemKey::parse("")),
            State::Failed {
                error: "bad".into()
            }
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn damage_is_told_apart_from_torn_writes() {
        let path = temp("damage");
        let good = r#"{"item":1,"key":"a","event":"started"}"#;
        let mut text = Vec::new();
        text.extend_from_slice(good.as_bytes());
        text.push(b'\n');
        // A cut-off entry an older version went on after.
        text.extend_from_slice(b"{\"item\":2,\"key\":\"b\",\"ev\n");
        // Not UTF-8 in the middle of a line, not JSON, and JSON that is not an entry.
        text.extend_from_slice(b"{\"item\":3,\"key\":\"\xff\xfe\",\"event\":\"started\"}\n");
        text.extend_from_slice(b"garbage here\n");
        text.extend_from_slice(b"[1, 2]\n");
        text.extend_from_slice(good.as_bytes());
        text.push(b'\n');
        // A torn tail cut inside a multi-byte character.
        text.extend_from_slice("{\"item\":4,\"key\":\"c\",\"error\":\"é".as_bytes());
        text.pop();
        std::fs::write(&path, &text).unwrap();
        let r = Replayed::read(&path).unwrap().unwrap();
        assert_eq!(r.cut_off, vec![2]);
        assert_eq!(
            r.damaged.iter().map(|d| d.line).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert!(r.damaged[0].reason.contains("UTF-8"), "{:?}", r.damaged);
        assert!(r.damaged[1].reason.contains("not JSON"), "{:?}", r.damaged);
        assert!(r.damaged[2].reason.contains("not a journal entry"));
        assert_eq!(r.torn_tail.map(|t| t.line), Some(7));
        assert_eq!(
            r.state(&ItemKey::parse("a"), &ItemKey::parse("")),
            State::InFlight
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn a_last_entry_without_newline_is_kept_and_the_next_starts_a_line() {
        let path = temp("nonewline");
        std::fs::write(&path, r#"{"item":1,"key":"a","event":"started"}"#).unwrap();
        {
            let mut j = open(&path);
            assert_eq!(state(&j, "a"), State::InFlight);
            j.record(1, "a", Event::Failed { error: "x".into() })
                .unwrap();
        }
        let r = Replayed::read(&path).unwrap().unwrap();
        assert!(r.damaged.is_empty() && r.torn_tail.is_none());
        assert_eq!(
            r.state(&ItemKey::parse("a"), &ItemKey::parse("")),
            State::Failed { error: "x".into() }
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn runs_record_the_output_directory_and_acknowledged_files() {
        let path = temp("runs");
        {
            let mut j = open(&path);
            j.record_run(Run {
                out: "/a".into(),
                pid: 1,
                acknowledged: vec!["generate-x.png".into()],
            })
            .unwrap();
            j.record_run(Run {
                out: "/b".into(),
                pid: 2,
                acknowledged: vec![],
            })
            .unwrap();
        }
        let r = Replayed::read(&path).unwrap().unwrap();
        assert_eq!(r.out(), Some("/b"));
        assert!(r.knows_file("generate-x.png"));
        assert!(!r.knows_file("generate-y.png"));
        assert!(r.is_empty(), "run records are not item entries");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn legacy_keys_are_read_and_migrated_once() {
        let path = temp("legacy");
        let value = serde_json::json!({"op": "generate", "prompt": "fox"});
        let old = legacy_key(3, &value);
        let new = format!("{}#1", content_key(&value));
        {
            let mut j = open(&path);
            j.record(3, &old, Event::Started { estimate: Some(5) })
                .unwrap();
            j.record(
                3,
                &old,
                Event::Saved {
                    files: vec!["f.png".into()],
                },
            )
            .unwrap();
        }
        let mut j = open(&path);
        assert!(
            j.replayed()
                .needs_migration(&ItemKey::parse(&new), &ItemKey::parse(&old))
        );
        assert!(matches!(
            j.replayed()
                .state(&ItemKey::parse(&new), &ItemKey::parse(&old)),
            State::Done { .. }
        ));
        j.record(3, &new, Event::Migrated { from: old.clone() })
            .unwrap();
        assert!(
            !j.replayed()
                .needs_migration(&ItemKey::parse(&new), &ItemKey::parse(&old))
        );
        drop(j);
        // After migration the new key alone finds the state.
        let r = Replayed::read(&path).unwrap().unwrap();
        assert!(matches!(
            r.state(&ItemKey::parse(&new), &ItemKey::parse("none")),
            State::Done { .. }
        ));
        std::fs::remove_file(path).ok();
    }

    /// Keys are in journals on disk: they never change. These were computed by the first implementation.
    #[test]
    fn content_and_legacy_keys_are_stable() {
        for (text, key, legacy, canonical) in [
            (
                r#"{"op":"generate","prompt":"a lighthouse on a cliff at dusk, study 7","model":"z-image-turbo","width":64,"height":64}"#,
                "sha256:14ded0958af0fe69c03cada67f5f7440",
                "0b6f05ee882a75d2",
                r#"{"height":64,"model":"z-image-turbo","op":"generate","prompt":"a lighthouse on a cliff at dusk, study 7","width":64}"#,
            ),
            (
                r#"{"z":[1,2.5,-3e10,true,null,{"b":"\u00e9\n\"\\\u0001","a":{}}],"é":"日本","":[]}"#,
                "sha256:58a5429cb7dba1a6ed69e151edce728c",
                "42adedc0aae46e68",
                r#"{"":[],"z":[1,2.5,-30000000000.0,true,null,{"a":{},"b":"é\n\"\\\u0001"}],"é":"日本"}"#,
            ),
            (
                r#""not json at all {""#,
                "sha256:920ca0a95f5ec717d7a1b03d8605ee98",
                "bcdba3ff188c8fec",
                r#""not json at all {""#,
            ),
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(content_key(&v), key, "{text}");
            // The older key hashes the request as serde_json prints it, whose field order depends on
            // serde_json's features in a build: checked against that formula, and against the stored
            // value where the map is sorted.
            let printed = format!("3:{v}");
            let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
            for b in printed.bytes() {
                fnv ^= u64::from(b);
                fnv = fnv.wrapping_mul(0x0000_0100_0000_01b3);
            }
            assert_eq!(legacy_key(3, &v), format!("{fnv:016x}"), "{text}");
            let sorted_maps = serde_json::to_string(&serde_json::json!({"b": 1, "a": 2}))
                .is_ok_and(|t| t == r#"{"a":2,"b":1}"#);
            if sorted_maps {
                assert_eq!(legacy_key(3, &v), legacy, "{text}");
            }
            assert_eq!(canonical_json(&v), canonical, "{text}");
        }
    }

    #[test]
    fn content_keys_ignore_formatting_and_field_order() {
        let a: Value =
            serde_json::from_str(r#"{"op":"generate","prompt":"fox","n":{"b":1,"a":[1,2]}}"#)
                .unwrap();
        let b: Value = serde_json::from_str(
            "{ \"n\" : {\"a\": [1, 2], \"b\": 1},\n \"prompt\": \"f\\u006fx\", \"op\": \"generate\" }",
        )
        .unwrap();
        let c = serde_json::json!({"op": "generate", "prompt": "cat"});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(
            canonical_json(&a),
            r#"{"n":{"a":[1,2],"b":1},"op":"generate","prompt":"fox"}"#
        );
        assert_eq!(content_key(&a), content_key(&b));
        assert_ne!(content_key(&a), content_key(&c));
        assert!(content_key(&a).starts_with("sha256:") && content_key(&a).len() == 7 + 32);
        // The older form still depends on position.
        assert_ne!(legacy_key(1, &a), legacy_key(2, &a));
        assert!(is_legacy_key(&legacy_key(1, &a)));
    }
}
