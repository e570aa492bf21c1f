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

/// The stem for result `index` of an operation: `<op>-<request_id>` or `<op>-<request_id>-<index>`.
pub fn result_stem(op: &str, request_id: Option<&str>, index: Option<usize>) -> String {
    let id = request_id.unwrap_or("result");
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
    (!rest.is_empty() && !ext.is_empty() && safe_stem(name) == name).then_some(stem)
}

/// Checks that `path` is directly inside `dir` (what every download target must be).
pub fn is_inside(dir: &Path, path: &Path) -> bool {
    path.parent() == Some(dir)
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| safe_stem(n) == n)
}

/// Creates the output directory (and parents) if needed.
pub fn ensure_dir(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

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
