//! What an output directory remembers about the batches that wrote into it: the journals of those batches,
//! one absolute path per line in a hidden `.artnex-journals` file.
//!
//! With it a run can tell its own results from other batches' and other commands' even when its journal is
//! gone: a result file that no listed journal records, in a directory this journal wrote into before, is
//! what a deleted, emptied or truncated journal leaves behind.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file in an output directory that lists the journals of the batches that ran into it.
const JOURNALS_FILE: &str = ".artnex-journals";

/// A journal's identity in that list: its absolute path, with symbolic links of its directory resolved
/// (the directory exists even when the journal itself was deleted).
pub fn journal_id(journal: &Path) -> String {
    let absolute = std::path::absolute(journal).unwrap_or_else(|_| journal.to_path_buf());
    let resolved = match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| absolute.clone()),
        _ => absolute,
    };
    resolved.display().to_string()
}

/// The journals that ran into `out` (none when it does not exist or lists none).
pub fn listed_journals(out: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(out.join(JOURNALS_FILE))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Adds a journal to `out`'s list (synced, so that it outlives a crash of the run that is about to send).
pub fn list_journal(out: &Path, id: &str) -> std::io::Result<PathBuf> {
    let path = out.join(JOURNALS_FILE);
    let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
    writeln!(file, "{id}")?;
    file.sync_data()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_are_listed_once_each_and_survive_their_journal() {
        let dir = std::env::temp_dir().join(format!("artnex-outdir-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = dir.join("a.journal");
        let id = journal_id(&journal);
        assert!(Path::new(&id).is_absolute());
        assert!(listed_journals(&dir).is_empty());
        list_journal(&dir, &id).unwrap();
        list_journal(&dir, &journal_id(&dir.join("b.journal"))).unwrap();
        let listed = listed_journals(&dir);
        assert_eq!(listed.len(), 2);
        assert!(listed.contains(&id));
        // The same journal named through a relative path with `..` has the same identity.
        std::fs::create_dir_all(dir.join("x")).unwrap();
        let cwd = std::env::current_dir().unwrap();
        let relative = pathdiff(&dir, &cwd).join("x").join("..").join("a.journal");
        assert_eq!(journal_id(&relative), id);
        std::fs::remove_dir_all(dir).ok();
    }

    /// `to` relative to `from` (through the root: enough for a test).
    fn pathdiff(to: &Path, from: &Path) -> PathBuf {
        let ups = from.components().count().saturating_sub(1);
        let mut p = PathBuf::new();
        for _ in 0..ups {
            p.push("..");
        }
        p.join(to.strip_prefix("/").unwrap_or(to))
    }
}
