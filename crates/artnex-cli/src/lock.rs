//! One run per journal: an exclusive OS lock on `<journal>.lock`, held for the whole run, with the pid of
//! its holder written inside so that a second run can say who has it.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows): it goes away with the
//! process however that ends, even `kill -9`, so a stale lock file never blocks a rerun. The file itself
//! stays (removing it while another process waits on it would let two runs hold two different files).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped (or when the process exits).
#[derive(Debug)]
pub struct JournalLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it.
    Busy {
        /// The lock file.
        path: PathBuf,
        /// The holder's process id, when it could be read.
        pid: Option<u32>,
    },
    /// The lock file could not be created, read or locked.
    Io {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The lock file of a journal: its path plus `.lock`.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut p = journal.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// Takes the journal's lock without waiting.
pub fn acquire(journal: &Path) -> Result<JournalLock, LockError> {
    let path = lock_path(journal);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    // Never truncate on open: the file may be someone else's lock, holding their pid.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let pid = file
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            return Err(LockError::Busy { path, pid });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "{}", std::process::id()).map_err(io)?;
    Ok(JournalLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_the_pid_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("artnex-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = dir.join("j.journal");
        let first = acquire(&journal).unwrap();
        match acquire(&journal) {
            Err(LockError::Busy { pid, path }) => {
                assert_eq!(pid, Some(std::process::id()));
                assert_eq!(path, dir.join("j.journal.lock"));
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        let again = acquire(&journal);
        assert!(again.is_ok(), "{again:?}");
        drop(again);
        std::fs::remove_dir_all(dir).ok();
    }
}
