//! The one way results reach the disk: a temporary file next to the target, renamed over it when
//! complete (so the target never holds a partial file, even if the program dies), optionally flushed to
//! storage with its directory entry.

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::error::Error;

/// Suffix of the temporary files (a later run may clean up the ones a killed process left behind).
pub const PARTIAL_SUFFIX: &str = ".artnex-part";

/// What [`Media::save_to_dir`](super::Media::save_to_dir) appends to the stem to name its download
/// before the extension is known.
pub(crate) const SAVE_PROBE_SUFFIX: &str = ".part";

/// The `stem` of the [`Media::save_to_dir`](super::Media::save_to_dir) call whose temporary file
/// `file_name` is, or `None` when it is not one. A download writes to such a file (hidden, ending in
/// `.artnex-part`) and renames it into place when complete, so one that is left over belongs to a download
/// that was killed: a caller that knows the stems it saves can find and remove its own leftovers without
/// touching anyone else's.
///
/// ```
/// assert_eq!(
///     artnex::media::unfinished_save_stem(".generate-req_1.part.0a1b2c3d.artnex-part"),
///     Some("generate-req_1")
/// );
/// assert_eq!(artnex::media::unfinished_save_stem("generate-req_1.png"), None);
/// ```
pub fn unfinished_save_stem(file_name: &str) -> Option<&str> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(PARTIAL_SUFFIX)?;
    let (target, nonce) = rest.rsplit_once('.')?;
    if nonce.len() != 8 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    target.strip_suffix(SAVE_PROBE_SUFFIX)
}

/// A file being written under a temporary name in `dir`. Dropped without [`TempFile::commit`], it is
/// removed. Errors name the file the caller asked for, never the temporary one.
pub(crate) struct TempFile {
    tmp: PathBuf,
    /// What errors report: the target (or the directory when the name is not chosen yet).
    reported: PathBuf,
    file: Option<tokio::fs::File>,
}

impl TempFile {
    /// Creates `.<name>.<random>.artnex-part` in `dir`; `reported` is what errors name.
    pub(crate) async fn create(dir: &Path, name: &str, reported: &Path) -> Result<TempFile, Error> {
        let nonce = (crate::retry::random_u64() & 0xFFFF_FFFF) as u32;
        let tmp = dir.join(format!(".{name}.{nonce:08x}{PARTIAL_SUFFIX}"));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .await
            .map_err(|e| Error::io(reported.to_path_buf(), e))?;
        Ok(TempFile {
            tmp,
            reported: reported.to_path_buf(),
            file: Some(file),
        })
    }

    /// Appends `bytes`.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let reported = &self.reported;
        match self.file.as_mut() {
            Some(f) => f
                .write_all(bytes)
                .await
                .map_err(|e| Error::io(reported.clone(), e)),
            None => Ok(()),
        }
    }

    /// Finishes the file and renames it to `target`; when `durable`, the file and its directory entry are
    /// on storage before this returns.
    pub(crate) async fn commit(mut self, target: &Path, durable: bool) -> Result<(), Error> {
        let io = |e| Error::io(target.to_path_buf(), e);
        if let Some(mut file) = self.file.take() {
            file.flush().await.map_err(io)?;
            if durable {
                file.sync_all().await.map_err(io)?;
            }
        }
        tokio::fs::rename(&self.tmp, target).await.map_err(io)?;
        // Renamed: nothing left to remove.
        self.tmp = PathBuf::new();
        #[cfg(unix)]
        if durable {
            let dir = dir_of(target);
            async { tokio::fs::File::open(dir).await?.sync_all().await }
                .await
                .map_err(|e| Error::io(dir.to_path_buf(), e))?;
        }
        Ok(())
    }
}

impl TempFile {
    /// Finishes the file and gives it the first of `names` that does not exist, without ever replacing
    /// one (a hard link fails when the name is taken, atomically); returns the name taken.
    pub(crate) async fn commit_new(
        mut self,
        names: impl Iterator<Item = PathBuf>,
        durable: bool,
    ) -> Result<PathBuf, Error> {
        let reported = self.reported.clone();
        if let Some(mut file) = self.file.take() {
            let io = |e| Error::io(reported.clone(), e);
            file.flush().await.map_err(io)?;
            if durable {
                file.sync_all().await.map_err(io)?;
            }
        }
        for name in names {
            match tokio::fs::hard_link(&self.tmp, &name).await {
                Ok(()) => {
                    #[cfg(unix)]
                    if durable {
                        let dir = dir_of(&name);
                        async { tokio::fs::File::open(dir).await?.sync_all().await }
                            .await
                            .map_err(|e| Error::io(dir.to_path_buf(), e))?;
                    }
                    // Dropping removes the temporary name; the file lives on under `name`.
                    return Ok(name);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                // No hard links here (some network or FAT file systems): check, then rename.
                Err(_) if !name.exists() => {
                    tokio::fs::rename(&self.tmp, &name)
                        .await
                        .map_err(|e| Error::io(name.clone(), e))?;
                    self.tmp = PathBuf::new();
                    return Ok(name);
                }
                Err(_) => continue,
            }
        }
        Err(Error::io(
            reported,
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "every name for this file is taken",
            ),
        ))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The directory a file is in (`.` for a bare file name).
pub(crate) fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unfinished_saves_are_recognised_by_their_temporary_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        for stem in ["generate-req_1", "video-req_a.b-2"] {
            let name = format!("{stem}{SAVE_PROBE_SUFFIX}");
            let tmp = TempFile::create(dir.path(), &name, dir.path())
                .await
                .expect("created");
            let file = tmp
                .tmp
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            assert_eq!(unfinished_save_stem(&file), Some(stem), "{file}");
        }
        // A `download_to` temporary file, and names that only look alike.
        let tmp = TempFile::create(dir.path(), "fox.png", dir.path())
            .await
            .expect("created");
        let file = tmp
            .tmp
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        assert_eq!(unfinished_save_stem(&file), None, "{file}");
        for name in [
            "generate-req_1.png",
            ".generate-req_1.part.artnex-part",
            ".generate-req_1.part.0a1b2c3.artnex-part",
            ".generate-req_1.part.0a1b2c3z.artnex-part",
            "generate-req_1.part.0a1b2c3d.artnex-part",
        ] {
            assert_eq!(unfinished_save_stem(name), None, "{name}");
        }
    }
}
