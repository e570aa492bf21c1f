//! Output file naming: names come from our own stems, never from URLs, and can never leave the output
//! directory.

use std::path::{Path, PathBuf};

/// Longest stem we write (leaves room for an extension within common 255-byte name limits).
const MAX_STEM: usize = 96;

/// A file-name stem made only of ASCII letters, digits, `-`, `_` and `.`, not starting with a dot, never
/// empty, at most 96 bytes. Anything else (path separators, `..`, control characters, unicode) becomes `_`.
pub fn safe_stem(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    // No `..` sequences survive (they are harmless inside a name, but keep names boring).
    while out.contains("..") {
        out = out.replace("..", "_.");
    }
    out.truncate(MAX_STEM);
    // A trailing dot would run into the extension's dot.
    while out.ends_with('.') {
        out.pop();
        out.push('_');
    }
    if out.is_empty() { "output".into() } else { out }
}

/// Whether `name` is its own [`safe_stem`] (what every name we write is), checked without building one.
pub fn is_safe_stem(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_STEM
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
}

/// The stem for result `index` of an operation: `<op>-<id>` or `<op>-<id>-<index>`, where `id` is the
/// request id (or a [`local_id`] when the server gave none; `result` for journals of older versions that
/// recorded neither).
pub fn result_stem(op: &str, id: Option<&str>, index: Option<usize>) -> String {
    let id = id.unwrap_or("result");
    match index {
        Some(i) => safe_stem(&format!("{op}-{id}-{i}")),
        None => safe_stem(&format!("{op}-{id}")),
    }
}

/// The stem of `name` when it looks like a result of `op` as [`result_stem`] names them: `<op>-…` with an
/// extension, not hidden. `None` otherwise.
pub fn result_file_stem<'a>(name: &'a str, op: &str) -> Option<&'a str> {
    let (stem, ext) = name.rsplit_once('.')?;
    let rest = stem.strip_prefix(op)?.strip_prefix('-')?;
    (!rest.is_empty() && !ext.is_empty() && is_safe_stem(name)).then_some(stem)
}

/// Checks that `path` is directly inside `dir` (what every download target must be).
pub fn is_inside(dir: &Path, path: &Path) -> bool {
    path.parent() == Some(dir)
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_safe_stem)
}

/// An id for a result the server gave no request id for: `local-<unix time in base 36>-<8 random hex
/// digits>`, so that two such results (two runs in the same second, two items of a batch) never share a
/// name.
pub fn local_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::time::{SystemTime, UNIX_EPOCH};
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // A randomly seeded hasher (std seeds each one from the OS) over the time and the process id.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(now.as_nanos());
    h.write_u32(std::process::id());
    let mut secs = now.as_secs();
    let mut base36 = Vec::new();
    loop {
        base36.push(char::from_digit((secs % 36) as u32, 36).unwrap_or('0'));
        secs /= 36;
        if secs == 0 {
            break;
        }
    }
    let time: String = base36.into_iter().rev().collect();
    format!("local-{time}-{:08x}", h.finish() as u32)
}

/// Refuses an output directory that is a file (checked without creating anything, for dry runs too).
pub fn not_a_file(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "the output directory `{}` is a file, not a directory: pass a directory with -o (it is created if missing); nothing was sent",
            dir.display()
        ));
    }
    Ok(())
}

/// Why the output directory cannot take results, found before anything is sent: it is a file, it
/// cannot be created, or a file cannot be created in it. The message says what to do.
pub fn prepare_out_dir(dir: &Path) -> Result<PathBuf, String> {
    not_a_file(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "cannot create the output directory `{}`: {e}; choose another with -o (nothing was sent)",
            dir.display()
        )
    })?;
    // A file created and removed at once: what every download will need.
    let probe = dir.join(format!(".artnex-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(dir.to_path_buf())
        }
        // Left by a killed run of this same process id: writable all the same.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&probe);
            Ok(dir.to_path_buf())
        }
        Err(e) => Err(format!(
            "cannot write to the output directory `{}`: {e}; choose another with -o or fix its permissions (nothing was sent)",
            dir.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_safe_stem` agrees with `safe_stem` on names of every shape.
    #[test]
    fn is_safe_stem_is_safe_stem_unchanged() {
        let long = "a".repeat(MAX_STEM + 1);
        for name in [
            "",
            "a",
            "generate-req_1.png",
            ".hidden",
            "a.",
            "a..b",
            "a.b",
            "_x",
            "a/b",
            "é",
            "a b",
            "output",
            "-",
            "..",
            ".",
            &long,
            &long[1..],
            "req-1-0.mp4",
            "x\u{0}y",
        ] {
            assert_eq!(is_safe_stem(name), safe_stem(name) == name, "{name:?}");
        }
    }

    #[test]
    fn hostile_names_stay_inside() {
        for raw in [
            "../../etc/passwd",
            "/abs/path",
            "a/b\\c",
            "..",
            ".hidden",
            "",
            "\u{0}x",
            "🦊 fox",
            "C:\\x",
        ] {
            let stem = safe_stem(raw);
            assert!(!stem.is_empty(), "{raw:?}");
            assert!(
                !stem.contains('/') && !stem.contains('\\') && !stem.starts_with('.'),
                "{raw:?} -> {stem}"
            );
            assert!(!stem.contains(".."), "{raw:?} -> {stem}");
            let dir = Path::new("/tmp/out");
            let path = dir.join(format!("{stem}.png"));
            assert!(is_inside(dir, &path), "{raw:?} -> {}", path.display());
        }
        assert_eq!(safe_stem(&"x".repeat(500)).len(), MAX_STEM);
    }

    #[test]
    fn local_ids_are_safe_and_differ() {
        let a = local_id();
        let b = local_id();
        assert_ne!(a, b);
        assert!(a.starts_with("local-"), "{a}");
        assert_eq!(safe_stem(&a), a);
    }

    #[test]
    fn an_output_path_that_is_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.png");
        std::fs::write(&file, b"x").unwrap();
        assert!(prepare_out_dir(&file).unwrap_err().contains("is a file"));
        let fresh = dir.path().join("a/b");
        assert_eq!(prepare_out_dir(&fresh).unwrap(), fresh);
        assert_eq!(
            std::fs::read_dir(&fresh).unwrap().count(),
            0,
            "the probe is removed"
        );
    }

    #[test]
    fn result_stems() {
        assert_eq!(
            result_stem("generate", Some("req_abc"), Some(1)),
            "generate-req_abc-1"
        );
        assert_eq!(result_stem("tts", Some("../evil"), None), "tts-_._evil");
        assert_eq!(result_stem("video", None, None), "video-result");
        assert_eq!(
            result_file_stem("generate-req_abc-1.png", "generate"),
            Some("generate-req_abc-1")
        );
        assert_eq!(result_file_stem("tts-req_1.mp3", "tts"), Some("tts-req_1"));
        for (name, op) in [
            ("generate-req_abc-1.png", "edit"),
            ("generate-.png", "generate"),
            ("generate-x", "generate"),
            (".generate-x.png", "generate"),
            ("index.html", "generate"),
            ("generatex-1.png", "generate"),
        ] {
            assert_eq!(result_file_stem(name, op), None, "{name}");
        }
    }
}
