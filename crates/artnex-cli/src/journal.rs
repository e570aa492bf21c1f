//! The batch journal: an append-only JSON-lines file, synced to disk after every entry, from which a rerun
//! learns what already happened to each item.
//!
//! The rule that keeps credits safe: an item is recorded as `started` (and synced) *before* its billable
//! request is sent. After a crash, an item that is `started` with no outcome may or may not have been
//! processed by the server, so a rerun does not send it again unless told to (`--resubmit-unknown`).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1-based line number of the item in the batch file.
    pub item: usize,
    /// Fingerprint of the item's request line (an edited line is a new item).
    pub key: String,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// The events of an item's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// About to send the billable request.
    Started,
    /// A video job was accepted; its outcome is pending.
    Submitted {
        /// The job's id, to resume polling.
        request_id: String,
    },
    /// The request succeeded and was charged; results may not be downloaded yet.
    Completed {
        /// Request id from the server.
        request_id: Option<String>,
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
    fn apply(self, event: &Event) -> State {
        match (self, event) {
            (_, Event::Started) => State::InFlight,
            (_, Event::Submitted { request_id }) => State::Pending {
                request_id: request_id.clone(),
            },
            (
                _,
                Event::Completed {
                    request_id,
                    credits,
                    urls,
                },
            ) => State::Completed {
                request_id: request_id.clone(),
                credits: *credits,
                urls: urls.clone(),
            },
            (State::Completed { credits, .. }, Event::Saved { files }) => State::Done {
                credits,
                files: files.clone(),
            },
            (_, Event::Saved { files }) => State::Done {
                credits: 0,
                files: files.clone(),
            },
            (_, Event::Failed { error }) => State::Failed {
                error: error.clone(),
            },
            (_, Event::Unknown { error }) => State::Unknown {
                error: error.clone(),
            },
        }
    }
}

/// The states a journal records, read without opening it for writing.
#[derive(Debug, Default)]
pub struct Replayed {
    states: HashMap<String, State>,
    /// Lines that could not be read (a torn last write after a crash).
    pub skipped_lines: usize,
}

impl Replayed {
    /// Reads the journal at `path` without creating or changing it; `None` when there is none yet.
    pub fn read(path: &Path) -> std::io::Result<Option<Replayed>> {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut out = Replayed::default();
        for line in BufReader::new(file).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(&line) {
                Ok(entry) => out.apply(&entry.key, &entry.event),
                Err(_) => out.skipped_lines += 1,
            }
        }
        Ok(Some(out))
    }

    /// The recorded state of an item.
    pub fn state(&self, key: &str) -> State {
        self.states.get(key).cloned().unwrap_or_default()
    }

    fn apply(&mut self, key: &str, event: &Event) {
        let state = self.states.remove(key).unwrap_or_default();
        self.states.insert(key.to_string(), state.apply(event));
    }
}

/// An open journal: past states by item key, and the file to append to.
pub struct Journal {
    path: PathBuf,
    file: File,
    replayed: Replayed,
}

impl Journal {
    /// Opens (or creates) the journal at `path` and replays it.
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        let replayed = Replayed::read(path)?.unwrap_or_default();
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        // A torn last line must not swallow the next entry: start on a fresh line.
        if replayed.skipped_lines > 0 {
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

    /// Lines that could not be read when it was opened (a torn last write after a crash).
    pub fn skipped_lines(&self) -> usize {
        self.replayed.skipped_lines
    }

    /// The recorded state of an item.
    pub fn state(&self, key: &str) -> State {
        self.replayed.state(key)
    }

    /// Appends an entry and syncs it to disk before returning.
    pub fn record(&mut self, item: usize, key: &str, event: Event) -> std::io::Result<()> {
        let entry = Entry {
            item,
            key: key.to_string(),
            event,
        };
        let mut line = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()?;
        self.replayed.apply(key, &entry.event);
        Ok(())
    }
}

/// The fingerprint of a batch item: FNV-1a over its line number and its request as canonical JSON.
pub fn item_key(line_number: usize, request: &serde_json::Value) -> String {
    let text = format!("{line_number}:{request}");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!("artnex-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    #[test]
    fn replays_the_life_of_items() {
        let path = temp("replay");
        {
            let mut j = Journal::open(&path).unwrap();
            j.record(1, "a", Event::Started).unwrap();
            j.record(
                1,
                "a",
                Event::Completed {
                    request_id: Some("r1".into()),
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
            j.record(2, "b", Event::Started).unwrap();
            j.record(3, "c", Event::Started).unwrap();
            j.record(
                3,
                "c",
                Event::Submitted {
                    request_id: "req_v".into(),
                },
            )
            .unwrap();
            j.record(4, "d", Event::Started).unwrap();
            j.record(
                4,
                "d",
                Event::Unknown {
                    error: "reset".into(),
                },
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        assert_eq!(
            j.state("a"),
            State::Done {
                credits: 100,
                files: vec!["x.png".into()]
            }
        );
        assert_eq!(j.state("b"), State::InFlight);
        assert_eq!(
            j.state("c"),
            State::Pending {
                request_id: "req_v".into()
            }
        );
        assert_eq!(
            j.state("d"),
            State::Unknown {
                error: "reset".into()
            }
        );
        assert_eq!(j.state("e"), State::New);
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_does_not_corrupt_the_next() {
        let path = temp("torn");
        {
            let mut j = Journal::open(&path).unwrap();
            j.record(1, "a", Event::Started).unwrap();
        }
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"item":1,"key":"a","event":"comp"#)
            .unwrap();
        drop(f);
        {
            let mut j = Journal::open(&path).unwrap();
            assert_eq!(j.skipped_lines(), 1);
            assert_eq!(j.state("a"), State::InFlight);
            j.record(
                1,
                "a",
                Event::Failed {
                    error: "bad".into(),
                },
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        assert_eq!(
            j.state("a"),
            State::Failed {
                error: "bad".into()
            }
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn keys_change_with_content_and_position() {
        let a = serde_json::json!({"op": "generate", "prompt": "fox"});
        let b = serde_json::json!({"op": "generate", "prompt": "cat"});
        assert_eq!(item_key(1, &a), item_key(1, &a));
        assert_ne!(item_key(1, &a), item_key(1, &b));
        assert_ne!(item_key(1, &a), item_key(2, &a));
    }
}
