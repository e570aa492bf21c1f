//! The one way results reach the disk: a temporary file next to the target, renamed over it when
//! complete (so the target never holds a partial file, even if the program dies), optionally flushed to
//! storage with its directory entry. On Linux, small content saved under a new name is an anonymous file
//! linked into place when complete instead (see [`anonymous`]): nothing partial is visible either way.

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
///
/// Small content (most results) is held in memory and written, flushed, named and renamed in one
/// blocking call when it is committed, rather than with one thread hop per file operation; content that
/// outgrows [`IN_MEMORY`] goes to the temporary file as it arrives.
pub(crate) struct TempFile {
    tmp: PathBuf,
    /// What errors report: the target (or the directory when the name is not chosen yet).
    reported: PathBuf,
    body: Body,
}

/// Where a [`TempFile`]'s content is so far.
enum Body {
    /// Not on disk yet: no temporary file exists.
    Memory(Vec<u8>),
    /// In the temporary file.
    File(tokio::fs::File),
    /// Committed (or being committed).
    Gone,
}

/// Content up to this size is kept in memory until it is committed.
const IN_MEMORY: usize = 256 * 1024;

impl TempFile {
    /// A temporary file `.<name>.<random>.artnex-part` in `dir` (created on disk only once its content
    /// outgrows memory, or when it is committed); `reported` is what errors name.
    pub(crate) async fn create(dir: &Path, name: &str, reported: &Path) -> Result<TempFile, Error> {
        let nonce = (crate::retry::random_u64() & 0xFFFF_FFFF) as u32;
        let tmp = dir.join(format!(".{name}.{nonce:08x}{PARTIAL_SUFFIX}"));
        Ok(TempFile {
            tmp,
            reported: reported.to_path_buf(),
            body: Body::Memory(Vec::new()),
        })
    }

    /// Appends `bytes`.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let reported = self.reported.clone();
        let io = |e| Error::io(reported.clone(), e);
        match &mut self.body {
            Body::Memory(held) if held.len() + bytes.len() <= IN_MEMORY => {
                held.extend_from_slice(bytes);
                Ok(())
            }
            Body::Memory(held) => {
                let held = std::mem::take(held);
                let mut file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&self.tmp)
                    .await
                    .map_err(io)?;
                // From here on the file exists, and a drop removes it.
                self.body = Body::Gone;
                file.write_all(&held).await.map_err(io)?;
                file.write_all(bytes).await.map_err(io)?;
                self.body = Body::File(file);
                Ok(())
            }
            Body::File(f) => f.write_all(bytes).await.map_err(io),
            Body::Gone => Ok(()),
        }
    }

    /// Ends the writing: content in a temporary file is flushed (to storage when `durable`) and `None`
    /// returned; content still in memory is returned, for [`write_out`] to write in the blocking call
    /// that also names the file.
    async fn finish(&mut self, durable: bool) -> Result<Option<Vec<u8>>, Error> {
        let reported = self.reported.clone();
        match std::mem::replace(&mut self.body, Body::Gone) {
            Body::Memory(held) => Ok(Some(held)),
            Body::File(mut file) => {
                let io = |e| Error::io(reported.clone(), e);
                file.flush().await.map_err(io)?;
                if durable {
                    file.sync_all().await.map_err(io)?;
                }
                Ok(None)
            }
            Body::Gone => Ok(None),
        }
    }

    /// Finishes the file and renames it to `target` (on Linux, content still in memory is linked there
    /// from an anonymous file when the name is free); when `durable`, the file and its directory entry are
    /// on storage before this returns.
    pub(crate) async fn commit(mut self, target: &Path, durable: bool) -> Result<(), Error> {
        let io = |e| Error::io(target.to_path_buf(), e);
        let held = self.finish(durable).await.map_err(|e| match e {
            Error::Io { source, .. } => io(source),
            other => other,
        })?;
        let (tmp, to) = (self.tmp.clone(), target.to_path_buf());
        blocking(move || -> std::io::Result<()> {
            #[cfg(target_os = "linux")]
            if let Some(content) = &held
                && let Some(done) = anonymous::replace(&tmp, &to, content, durable)
            {
                return done;
            }
            write_out(&tmp, held, durable)?;
            std::fs::rename(&tmp, &to)?;
            #[cfg(unix)]
            if durable {
                std::fs::File::open(dir_of(&to))?.sync_all()?;
            }
            Ok(())
        })
        .await
        .and_then(|r| r)
        .map_err(io)?;
        // Renamed: nothing left to remove.
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl TempFile {
    /// Finishes the file and gives it the first of `names` that does not exist, without ever replacing
    /// one (a hard link fails when the name is taken, atomically); returns the name taken.
    pub(crate) async fn commit_new(
        mut self,
        names: impl Iterator<Item = PathBuf> + Send + 'static,
        durable: bool,
    ) -> Result<PathBuf, Error> {
        let held = self.finish(durable).await?;
        let tmp = self.tmp.clone();
        let reported = self.reported.clone();
        let written = reported.clone();
        // One blocking call for the rest: content still in memory written out, a link per name tried, the
        // temporary name removed.
        let named = blocking(
            move || -> Result<Option<PathBuf>, (PathBuf, std::io::Error)> {
                #[cfg(target_os = "linux")]
                let mut names = names.peekable();
                #[cfg(target_os = "linux")]
                if let Some(content) = &held
                    && let Some(named) =
                        anonymous::name_new(dir_of(&tmp), content, durable, &mut names)
                {
                    return named;
                }
                write_out(&tmp, held, durable).map_err(|e| (written, e))?;
                name_new(&tmp, durable, names)
            },
        );
        let named = match named.await {
            Ok(named) => named,
            Err(e) => Err((reported.clone(), e)),
        };
        match named {
            Ok(Some(name)) => {
                // Linked and removed, or renamed: nothing left to remove.
                self.tmp = PathBuf::new();
                Ok(name)
            }
            Ok(None) => Err(Error::io(
                reported,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "every name for this file is taken",
                ),
            )),
            Err((path, e)) => Err(Error::io(path, e)),
        }
    }
}

/// Gives the temporary file `tmp` the first of `names` that does not exist (a hard link fails when the
/// name is taken, atomically), and removes the temporary name; when `durable`, the new directory entry is
/// on storage before this returns.
#[cfg_attr(not(unix), allow(unused_variables))]
fn name_new(
    tmp: &Path,
    durable: bool,
    names: impl Iterator<Item = PathBuf>,
) -> Result<Option<PathBuf>, (PathBuf, std::io::Error)> {
    for name in names {
        match std::fs::hard_link(tmp, &name) {
            Ok(()) => {
                #[cfg(unix)]
                if durable {
                    sync_dir(&name)?;
                }
                let _ = std::fs::remove_file(tmp);
                return Ok(Some(name));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            // No hard links here (some network or FAT file systems): check, then rename.
            Err(_) if !name.exists() => {
                std::fs::rename(tmp, &name).map_err(|e| (name.clone(), e))?;
                return Ok(Some(name));
            }
            Err(_) => continue,
        }
    }
    Ok(None)
}

/// Puts the directory entry of `file` on storage.
#[cfg(unix)]
fn sync_dir(file: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    std::fs::File::open(dir_of(file))
        .and_then(|d| d.sync_all())
        .map_err(|e| (dir_of(file).to_path_buf(), e))
}

/// Linux: content held in memory written to an anonymous file (`O_TMPFILE`) that is then linked under the
/// first free name (a no-clobber save) or under the target's name (a replacing save, when it is free).
/// The file has no name until it is complete, so nothing partial is ever visible and there is no
/// temporary name to create and remove: one directory operation per save instead of three (or two),
/// which matters in a directory of a large batch's results.
#[cfg(target_os = "linux")]
mod anonymous {
    use std::io::Write;
    use std::iter::Peekable;
    use std::path::{Path, PathBuf};

    use rustix::fs::{AtFlags, CWD, Mode, OFlags};

    /// Writes `content` and links it under the first of `names` that is free. `None` when this way is not
    /// available here (no `O_TMPFILE` on this file system, no `/proc`, a failed write: the caller then
    /// takes the portable way, which reports the error if there is one); only names found taken are
    /// consumed from `names`.
    pub(super) fn name_new(
        dir: &Path,
        content: &[u8],
        durable: bool,
        names: &mut Peekable<impl Iterator<Item = PathBuf>>,
    ) -> Option<Result<Option<PathBuf>, (PathBuf, std::io::Error)>> {
        let written = Written::new(dir, content, durable)?;
        while let Some(name) = names.peek() {
            match written.link(name) {
                Ok(()) => {
                    let name = name.clone();
                    names.next();
                    if durable && let Err(e) = super::sync_dir(&name) {
                        return Some(Err(e));
                    }
                    return Some(Ok(Some(name)));
                }
                Err(rustix::io::Errno::EXIST) => {
                    names.next();
                }
                Err(_) => return None,
            }
        }
        Some(Ok(None))
    }

    /// Writes `content` and gives it the name `target`, replacing a file of that name: linked there
    /// directly when the name is free (one directory operation, and ext4 allocates the file's inode
    /// without holding the directory's lock, so many saves into one directory do not queue behind each
    /// other), otherwise linked under the temporary name `tmp` and renamed over `target`. `None` when
    /// this way is not available here (nothing was written under any name: the caller takes the
    /// portable way).
    pub(super) fn replace(
        tmp: &Path,
        target: &Path,
        content: &[u8],
        durable: bool,
    ) -> Option<std::io::Result<()>> {
        let written = Written::new(super::dir_of(target), content, durable)?;
        match written.link(target) {
            Ok(()) => {}
            Err(rustix::io::Errno::EXIST) => {
                written.link(tmp).ok()?;
                if let Err(e) = std::fs::rename(tmp, target) {
                    let _ = std::fs::remove_file(tmp);
                    return Some(Err(e));
                }
            }
            Err(_) => return None,
        }
        if durable && let Err((_, e)) = super::sync_dir(target) {
            return Some(Err(e));
        }
        Some(Ok(()))
    }

    /// Content written to an anonymous file that has no name yet (it exists while this holds it open).
    struct Written {
        file: std::fs::File,
    }

    impl Written {
        /// `None` when `dir`'s file system has no `O_TMPFILE`, or the write fails.
        fn new(dir: &Path, content: &[u8], durable: bool) -> Option<Written> {
            let fd = rustix::fs::openat(
                CWD,
                dir,
                OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            )
            .ok()?;
            let mut file = std::fs::File::from(fd);
            file.write_all(content).ok()?;
            if durable {
                file.sync_all().ok()?;
            }
            Some(Written { file })
        }

        /// Gives the file the name `name`; fails with `EEXIST` when the name is taken.
        fn link(&self, name: &Path) -> rustix::io::Result<()> {
            // The file's own entry in /proc, followed: linking it needs no privilege (linking the
            // descriptor itself with `AT_EMPTY_PATH` does).
            let proc_path = format!(
                "/proc/self/fd/{}",
                std::os::fd::AsRawFd::as_raw_fd(&self.file)
            );
            rustix::fs::linkat(CWD, &proc_path, CWD, name, AtFlags::SYMLINK_FOLLOW)
        }
    }
}

/// Writes content held in memory to a new temporary file (synced when `durable`); nothing when it is on
/// disk already (`None`).
fn write_out(tmp: &Path, held: Option<Vec<u8>>, durable: bool) -> std::io::Result<()> {
    let Some(held) = held else { return Ok(()) };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)?;
    std::io::Write::write_all(&mut file, &held)?;
    if durable {
        file.sync_all()?;
    }
    Ok(())
}

/// Runs file operations on a blocking thread.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> std::io::Result<R> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(std::io::Error::other)
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Content still in memory never made a file.
        if !self.tmp.as_os_str().is_empty() && !matches!(self.body, Body::Memory(_)) {
            self.body = Body::Gone;
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

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("listed")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Small content waits in memory (no file until the commit); content past IN_MEMORY goes to the
    /// temporary file as it arrives. Either way the result is whole, nothing temporary is left, and a
    /// temporary file dropped before its commit leaves nothing behind.
    #[tokio::test]
    async fn small_content_waits_in_memory_and_large_content_streams_to_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let small = vec![7u8; 1000];
        let large: Vec<u8> = (0..IN_MEMORY * 2 + 5).map(|i| (i % 251) as u8).collect();
        for (content, spills) in [(&small, false), (&large, true)] {
            let mut tmp = TempFile::create(dir.path(), "x.png", dir.path())
                .await
                .expect("created");
            for chunk in content.chunks(64 * 1024) {
                tmp.write(chunk).await.expect("written");
            }
            assert_eq!(tmp.tmp.exists(), spills, "on disk before the commit");
            let names = (1..=3).map({
                let d = dir.path().to_path_buf();
                move |n| d.join(format!("r-{n}.png"))
            });
            let path = tmp.commit_new(names, true).await.expect("committed");
            assert_eq!(&std::fs::read(&path).expect("read"), content);
            std::fs::remove_file(&path).expect("removed");
            assert!(
                names_in(dir.path()).is_empty(),
                "{:?}",
                names_in(dir.path())
            );
            // Dropped without a commit.
            let mut tmp = TempFile::create(dir.path(), "y.png", dir.path())
                .await
                .expect("created");
            tmp.write(content).await.expect("written");
            drop(tmp);
            assert!(
                names_in(dir.path()).is_empty(),
                "{:?}",
                names_in(dir.path())
            );
        }
        // `commit` replaces, from memory too.
        std::fs::write(dir.path().join("z.png"), b"old").expect("written");
        let mut tmp = TempFile::create(dir.path(), "z.png", dir.path())
            .await
            .expect("created");
        tmp.write(b"new").await.expect("written");
        tmp.commit(&dir.path().join("z.png"), false)
            .await
            .expect("committed");
        assert_eq!(
            std::fs::read(dir.path().join("z.png")).expect("read"),
            b"new"
        );
        assert_eq!(names_in(dir.path()), vec!["z.png"]);
    }

    /// Linux: small content is named without a temporary file. Taken names are skipped and left as they
    /// are, the directory holds nothing but the results, and where the anonymous file cannot be made the
    /// caller is told so with no name consumed (it then takes the portable way).
    #[cfg(target_os = "linux")]
    #[test]
    fn anonymous_files_take_the_first_free_name_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = |n: usize| dir.path().join(format!("r-{n}.png"));
        std::fs::write(name(1), b"old").expect("written");
        for (durable, content, expected) in [(false, &b"new"[..], 2), (true, &b"newer"[..], 3)] {
            let mut names = (1..=4).map(name).peekable();
            let named = anonymous::name_new(dir.path(), content, durable, &mut names);
            assert_eq!(named.map(|r| r.ok()), Some(Some(Some(name(expected)))));
            assert_eq!(std::fs::read(name(expected)).expect("read"), content);
            assert_eq!(
                names.next(),
                Some(name(expected + 1)),
                "only taken names are used up"
            );
        }
        assert_eq!(std::fs::read(name(1)).expect("read"), b"old");
        assert_eq!(names_in(dir.path()), vec!["r-1.png", "r-2.png", "r-3.png"]);
        // Every name taken.
        let mut names = (1..=3).map(name).peekable();
        let named = anonymous::name_new(dir.path(), b"x", false, &mut names);
        assert_eq!(named.map(|r| r.ok()), Some(Some(None)));
        // No anonymous file where the directory is missing: nothing consumed, nothing written.
        let missing = dir.path().join("missing");
        let mut names = [missing.join("a.png")].into_iter().peekable();
        assert!(anonymous::name_new(&missing, b"x", false, &mut names).is_none());
        assert_eq!(names.next(), Some(missing.join("a.png")));
        assert_eq!(names_in(dir.path()), vec!["r-1.png", "r-2.png", "r-3.png"]);
    }

    /// Linux: a replacing save of content in memory links an anonymous file straight under a free name,
    /// and under the temporary name then over the target when the name is taken; either way the target
    /// holds the new content and nothing else is left in the directory.
    #[cfg(target_os = "linux")]
    #[test]
    fn anonymous_replacing_saves_link_free_names_and_replace_taken_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (target, tmp) = (dir.path().join("r.png"), dir.path().join(".r.png.1.part"));
        for (durable, content) in [(false, &b"first"[..]), (true, &b"second"[..])] {
            let done = anonymous::replace(&tmp, &target, content, durable);
            assert!(matches!(done, Some(Ok(()))), "{done:?}");
            assert_eq!(std::fs::read(&target).expect("read"), content);
            assert_eq!(names_in(dir.path()), vec!["r.png"]);
        }
        // A name that cannot be linked nor renamed over (a directory there): the rename's error,
        // the directory untouched, no temporary name left.
        let blocked = dir.path().join("d.png");
        std::fs::create_dir(&blocked).expect("dir");
        std::fs::write(blocked.join("inside"), b"kept").expect("written");
        let done = anonymous::replace(&tmp, &blocked, b"x", false);
        assert!(matches!(done, Some(Err(_))), "{done:?}");
        assert_eq!(names_in(dir.path()), vec!["d.png", "r.png"]);
        assert_eq!(
            std::fs::read(blocked.join("inside")).expect("read"),
            b"kept"
        );
        // No anonymous file where the directory is missing: nothing written, the caller's way is taken.
        let missing = dir.path().join("missing");
        assert!(
            anonymous::replace(&missing.join(".t"), &missing.join("a.png"), b"x", false).is_none()
        );
    }

    /// A no-clobber save that cannot be made reports the name asked for, either way it is tried.
    #[tokio::test]
    async fn a_failed_new_save_names_what_was_asked_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing");
        for content in [vec![1u8; 10], vec![2u8; IN_MEMORY + 1]] {
            let mut tmp = TempFile::create(&missing, "x.png", &missing.join("x"))
                .await
                .expect("created");
            match tmp.write(&content).await {
                Err(Error::Io { path, .. }) => {
                    assert_eq!(path.as_deref(), Some(missing.join("x").as_path()));
                    continue;
                }
                other => other.expect("held in memory"),
            }
            let names = [missing.join("x.png")].into_iter();
            match tmp.commit_new(names, false).await {
                Err(Error::Io { path, .. }) => {
                    assert_eq!(path.as_deref(), Some(missing.join("x").as_path()));
                }
                other => panic!("{other:?}"),
            }
        }
    }

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
