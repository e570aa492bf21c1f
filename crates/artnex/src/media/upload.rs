//! Streamed image uploads. An image sent inline (`data:<mime>;base64,<data>` inside the JSON body) is
//! never held encoded in memory: the body is the JSON before the image, the image's text, and the JSON
//! after it, and the image's base64 is encoded chunk by chunk as the body is sent, from the bytes in
//! memory or from the file, which is re-opened for each attempt (so a retry sends the same bytes). The
//! body's length is known up front (`Content-Length`).
//!
//! A file was checked once, before anything was sent (size, format, truncation; see
//! `ImageInput::into_body_image`); each attempt re-opens it and refuses to send it if it is no longer
//! that file: a different length, modification time or (on Unix) file identity when it is opened or once
//! it has been read, or different first bytes. The body then fails before its last chunk, so the server
//! never receives a complete request, and the call fails with [`Error::Io`] (not retried).

use std::fs::File;
use std::future::Future as _;
use std::io::{self, Read};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::task::JoinHandle;

use super::MediaFormat;
use crate::error::Error;

/// Image bytes per chunk: a multiple of 3, so that the chunks' base64 concatenates into the whole
/// image's base64 (64 KiB of text per chunk).
const RAW_CHUNK: usize = 48 * 1024;

/// What a file's content is recognised by between the check and an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Device and inode: a file replaced by another one under the same name (an editor's atomic save).
    #[cfg(unix)]
    id: (u64, u64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt as _;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            id: (meta.dev(), meta.ino()),
        }
    }
}

/// A file input that passed the checks.
#[derive(Debug)]
pub(crate) struct CheckedFile {
    path: PathBuf,
    format: MediaFormat,
    /// The first bytes (up to 16), compared again on each attempt.
    head: Vec<u8>,
    stamp: Stamp,
}

impl CheckedFile {
    /// `path` as it was when checked: its format, first bytes and metadata.
    pub(crate) fn new(
        path: PathBuf,
        format: MediaFormat,
        head: &[u8],
        meta: &std::fs::Metadata,
    ) -> CheckedFile {
        CheckedFile {
            path,
            format,
            head: head.to_vec(),
            stamp: Stamp::of(meta),
        }
    }

    fn changed(&self) -> io::Error {
        io::Error::other(format!(
            "{} changed after it was checked (its size, modification time or identity differ), so it was not sent (sending the request again checks it again)",
            self.path.display()
        ))
    }
}

/// The text of the image's JSON string (between the quotes).
#[derive(Clone)]
pub(crate) enum ImageText {
    /// Sent as it is: a data URI that needs no JSON escaping.
    Raw(Bytes),
    /// `data:<mime>;base64,` and the base64 of bytes in memory.
    Memory { format: MediaFormat, bytes: Bytes },
    /// The same, read from a checked file.
    File(Arc<CheckedFile>),
}

impl std::fmt::Debug for ImageText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageText::Raw(b) => write!(f, "Raw({} bytes)", b.len()),
            ImageText::Memory { format, bytes } => {
                write!(f, "Memory({format}, {} bytes)", bytes.len())
            }
            ImageText::File(c) => write!(f, "File({}, {} bytes)", c.path.display(), c.stamp.len),
        }
    }
}

fn header(format: MediaFormat) -> String {
    format!("data:{};base64,", format.mime())
}

fn encoded_len(raw: u64) -> u64 {
    raw.div_ceil(3) * 4
}

impl ImageText {
    /// The length of the text.
    pub(crate) fn len(&self) -> u64 {
        match self {
            ImageText::Raw(b) => b.len() as u64,
            ImageText::Memory { format, bytes } => {
                header(*format).len() as u64 + encoded_len(bytes.len() as u64)
            }
            ImageText::File(c) => header(c.format).len() as u64 + encoded_len(c.stamp.len),
        }
    }
}

/// Why an upload body stopped, kept for the attempt that sent it (the HTTP stack may report a failed
/// body as a connection error without its cause).
#[derive(Debug, Clone)]
pub(crate) struct UploadFailure {
    path: PathBuf,
    kind: io::ErrorKind,
    message: String,
}

impl UploadFailure {
    /// The caller's error: the file and what happened to it.
    pub(crate) fn into_error(self) -> Error {
        Error::io(self.path, io::Error::new(self.kind, self.message))
    }
}

impl std::fmt::Display for UploadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for UploadFailure {}

/// What an attempt learns from its upload body: how far it got (for the stall guard) and why it
/// failed, if it did.
#[derive(Debug)]
pub(crate) struct UploadState {
    start: tokio::time::Instant,
    /// Milliseconds from `start` to the last chunk handed to the connection.
    last_ms: AtomicU64,
    /// Whether the whole body was handed to the connection.
    finished: AtomicBool,
    failure: Mutex<Option<UploadFailure>>,
}

impl UploadState {
    pub(crate) fn new() -> UploadState {
        UploadState {
            start: tokio::time::Instant::now(),
            last_ms: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// A chunk was handed to the connection (the last one when `finished`).
    pub(crate) fn touch(&self, finished: bool) {
        let ms = self.start.elapsed().as_millis();
        self.last_ms
            .store(u64::try_from(ms).unwrap_or(u64::MAX), Ordering::Relaxed);
        if finished {
            self.finished.store(true, Ordering::Relaxed);
        }
    }

    /// When the body last made progress (its start, before any).
    pub(crate) fn last_progress(&self) -> tokio::time::Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Whether the whole body was handed to the connection.
    pub(crate) fn finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }

    /// Why the body failed, if it did (taken).
    pub(crate) fn take_failure(&self) -> Option<UploadFailure> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }
}

/// A file being read: the open file, the last chunk read and how much has been read.
struct Reader {
    file: Option<File>,
    buf: Vec<u8>,
    filled: usize,
    total: u64,
}

/// Reads the next chunk (opening the file first and checking it, and checking it again after the last
/// chunk). Blocking.
fn read_next(checked: &CheckedFile, mut r: Reader) -> io::Result<Reader> {
    let len = checked.stamp.len;
    let mut file = match r.file.take() {
        Some(f) => f,
        None => {
            let f = File::open(&checked.path)?;
            if Stamp::of(&f.metadata()?) != checked.stamp {
                return Err(checked.changed());
            }
            f
        }
    };
    let want = (len - r.total).min(RAW_CHUNK as u64) as usize;
    r.buf.resize(want, 0);
    let mut filled = 0;
    while filled < want {
        match file.read(&mut r.buf[filled..]) {
            Ok(0) => return Err(checked.changed()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if r.total == 0 && !r.buf.starts_with(&checked.head) {
        return Err(checked.changed());
    }
    r.filled = filled;
    r.total += filled as u64;
    if r.total == len && Stamp::of(&file.metadata()?) != checked.stamp {
        return Err(checked.changed());
    }
    r.file = Some(file);
    Ok(r)
}

enum Text {
    Raw(Bytes),
    Memory {
        header: Option<String>,
        bytes: Bytes,
        at: usize,
    },
    File {
        header: Option<String>,
        checked: Arc<CheckedFile>,
        /// The read in progress (the next chunk is read while the last one is sent).
        read: Option<JoinHandle<io::Result<Reader>>>,
        /// A reader with nothing in flight (before the first read, or without a runtime).
        idle: Option<Reader>,
    },
    Done,
}

/// One attempt's request body: `prefix`, the image's text, `suffix`.
pub(crate) struct UploadBody {
    prefix: Bytes,
    text: Text,
    suffix: Bytes,
    remaining: u64,
    state: Arc<UploadState>,
}

impl UploadBody {
    /// A fresh body (a file is opened again when the body is first polled), and what the attempt learns
    /// from it.
    pub(crate) fn new(
        prefix: Bytes,
        image: &ImageText,
        suffix: Bytes,
    ) -> (UploadBody, Arc<UploadState>) {
        let remaining = prefix.len() as u64 + image.len() + suffix.len() as u64;
        let text = match image {
            ImageText::Raw(b) => Text::Raw(b.clone()),
            ImageText::Memory { format, bytes } => Text::Memory {
                header: Some(header(*format)),
                bytes: bytes.clone(),
                at: 0,
            },
            ImageText::File(checked) => Text::File {
                header: Some(header(checked.format)),
                checked: checked.clone(),
                read: None,
                idle: Some(Reader {
                    file: None,
                    buf: Vec::with_capacity(RAW_CHUNK),
                    filled: 0,
                    total: 0,
                }),
            },
        };
        let state = Arc::new(UploadState::new());
        (
            UploadBody {
                prefix,
                text,
                suffix,
                remaining,
                state: state.clone(),
            },
            state,
        )
    }

    /// The body's exact length.
    pub(crate) fn len(&self) -> u64 {
        self.remaining
    }

    fn fail(&mut self, path: PathBuf, e: &io::Error) -> UploadFailure {
        let failure = UploadFailure {
            path,
            kind: e.kind(),
            message: e.to_string(),
        };
        if let Ok(mut slot) = self.state.failure.lock() {
            *slot = Some(failure.clone());
        }
        self.text = Text::Done;
        self.suffix = Bytes::new();
        failure
    }

    fn data(&mut self, bytes: Bytes) -> Poll<Option<Result<Frame<Bytes>, UploadFailure>>> {
        self.remaining = self.remaining.saturating_sub(bytes.len() as u64);
        self.state.touch(self.remaining == 0);
        Poll::Ready(Some(Ok(Frame::data(bytes))))
    }
}

/// `header` (the first time) and the base64 of `raw`, in one buffer.
fn encode(header: &mut Option<String>, raw: &[u8]) -> Bytes {
    let engine = &base64::engine::general_purpose::STANDARD;
    let head = header.take().unwrap_or_default();
    let mut out = head.into_bytes();
    let start = out.len();
    out.resize(start + encoded_len(raw.len() as u64) as usize, 0);
    match engine.encode_slice(raw, &mut out[start..]) {
        Ok(n) => out.truncate(start + n),
        // Unreachable (the room is exactly the encoded length); keeps the body's bytes right anyway.
        Err(_) => {
            out.truncate(start);
            out.extend_from_slice(engine.encode(raw).as_bytes());
        }
    }
    Bytes::from(out)
}

impl http_body::Body for UploadBody {
    type Data = Bytes;
    type Error = UploadFailure;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, UploadFailure>>> {
        let this = &mut *self;
        if !this.prefix.is_empty() {
            let prefix = std::mem::take(&mut this.prefix);
            return this.data(prefix);
        }
        loop {
            match &mut this.text {
                Text::Done => break,
                Text::Raw(b) => {
                    let b = std::mem::take(b);
                    this.text = Text::Done;
                    return this.data(b);
                }
                Text::Memory { header, bytes, at } => {
                    if *at >= bytes.len() && header.is_none() {
                        this.text = Text::Done;
                        continue;
                    }
                    let end = (*at + RAW_CHUNK).min(bytes.len());
                    let chunk = encode(header, &bytes[*at..end]);
                    *at = end;
                    return this.data(chunk);
                }
                Text::File {
                    header,
                    checked,
                    read,
                    idle,
                } => {
                    let result = match (read.as_mut(), idle.take()) {
                        (Some(handle), _) => {
                            let joined = ready!(Pin::new(handle).poll(cx));
                            *read = None;
                            joined.unwrap_or_else(|e| Err(io::Error::other(e)))
                        }
                        (None, Some(reader)) => match tokio::runtime::Handle::try_current() {
                            Ok(rt) => {
                                let c = checked.clone();
                                *read = Some(rt.spawn_blocking(move || read_next(&c, reader)));
                                continue;
                            }
                            // No runtime to read on (never the case inside reqwest): read here.
                            Err(_) => read_next(checked, reader),
                        },
                        (None, None) => {
                            this.text = Text::Done;
                            continue;
                        }
                    };
                    match result {
                        Ok(reader) => {
                            let chunk = encode(header, &reader.buf[..reader.filled]);
                            if reader.total < checked.stamp.len {
                                // Read the next chunk while this one is sent.
                                match tokio::runtime::Handle::try_current() {
                                    Ok(rt) => {
                                        let c = checked.clone();
                                        *read =
                                            Some(rt.spawn_blocking(move || read_next(&c, reader)));
                                    }
                                    Err(_) => *idle = Some(reader),
                                }
                            }
                            return this.data(chunk);
                        }
                        Err(e) => {
                            let path = checked.path.clone();
                            return Poll::Ready(Some(Err(this.fail(path, &e))));
                        }
                    }
                }
            }
        }
        if !this.suffix.is_empty() {
            let suffix = std::mem::take(&mut this.suffix);
            return this.data(suffix);
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_empty() && matches!(self.text, Text::Done) && self.suffix.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    async fn collect(body: UploadBody) -> Result<Vec<u8>, UploadFailure> {
        let mut body = body;
        let mut out = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                out.extend_from_slice(&data);
            }
        }
        Ok(out)
    }

    fn expected(prefix: &str, format: MediaFormat, raw: &[u8], suffix: &str) -> Vec<u8> {
        format!("{prefix}{}{suffix}", crate::media::data_uri(format, raw)).into_bytes()
    }

    fn sample(n: usize) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend((0..n).map(|i| (i * 7 + i / 251) as u8));
        v
    }

    #[tokio::test]
    async fn memory_bodies_are_the_buffered_bytes_at_every_size() {
        // Around the chunk size and its multiples of 3 (where base64 padding changes).
        for n in [
            0,
            1,
            2,
            3,
            RAW_CHUNK - 9,
            RAW_CHUNK - 8,
            RAW_CHUNK - 7,
            3 * RAW_CHUNK + 1,
        ] {
            let raw = Bytes::from(sample(n));
            let image = ImageText::Memory {
                format: MediaFormat::Png,
                bytes: raw.clone(),
            };
            let (body, _) = UploadBody::new(
                Bytes::from_static(b"{\"image\":\""),
                &image,
                Bytes::from_static(b"\"}"),
            );
            assert_eq!(body.len(), image.len() + 12);
            let want = expected("{\"image\":\"", MediaFormat::Png, &raw, "\"}");
            assert_eq!(body.len(), want.len() as u64, "n = {n}");
            assert_eq!(collect(body).await.unwrap(), want, "n = {n}");
        }
    }

    fn checked(path: &std::path::Path) -> Arc<CheckedFile> {
        let raw = std::fs::read(path).unwrap();
        let meta = std::fs::metadata(path).unwrap();
        Arc::new(CheckedFile::new(
            path.to_path_buf(),
            MediaFormat::Png,
            &raw[..16.min(raw.len())],
            &meta,
        ))
    }

    #[tokio::test]
    async fn file_bodies_are_the_buffered_bytes_and_each_attempt_reads_again() {
        let dir = tempfile::tempdir().unwrap();
        for n in [8, RAW_CHUNK - 8, 2 * RAW_CHUNK + 5] {
            let path = dir.path().join(format!("{n}.png"));
            let raw = sample(n);
            std::fs::write(&path, &raw).unwrap();
            let image = ImageText::File(checked(&path));
            let want = expected("[\"", MediaFormat::Png, &raw, "\"]");
            for _attempt in 0..2 {
                let (body, slot) = UploadBody::new(
                    Bytes::from_static(b"[\""),
                    &image,
                    Bytes::from_static(b"\"]"),
                );
                assert_eq!(body.len(), want.len() as u64);
                assert_eq!(collect(body).await.unwrap(), want);
                assert!(slot.take_failure().is_none());
                assert!(slot.finished());
            }
        }
    }

    #[tokio::test]
    async fn a_file_that_changed_since_the_check_is_not_sent_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        let raw = sample(3 * RAW_CHUNK);
        std::fs::write(&path, &raw).unwrap();
        let image = ImageText::File(checked(&path));
        let full = expected("[\"", MediaFormat::Png, &raw, "\"]").len();

        // Shorter now.
        std::fs::write(&path, &raw[..raw.len() - 1]).unwrap();
        let (body, slot) = UploadBody::new(
            Bytes::from_static(b"[\""),
            &image,
            Bytes::from_static(b"\"]"),
        );
        let err = collect(body).await.unwrap_err();
        assert!(
            err.to_string().contains("changed after it was checked"),
            "{err}"
        );
        let failure = slot.take_failure().expect("recorded");
        assert!(!slot.finished());
        assert!(matches!(failure.into_error(), Error::Io { path: Some(p), .. } if p == path));

        // Same length, other content, another file under the same name.
        let mut other = raw.clone();
        other[20] ^= 1;
        let tmp = dir.path().join("b.png");
        std::fs::write(&tmp, &other).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        let (body, _) = UploadBody::new(
            Bytes::from_static(b"[\""),
            &image,
            Bytes::from_static(b"\"]"),
        );
        assert!(collect(body).await.is_err());

        // Gone.
        std::fs::remove_file(&path).unwrap();
        let (mut body, slot) = UploadBody::new(
            Bytes::from_static(b"[\""),
            &image,
            Bytes::from_static(b"\"]"),
        );
        let mut sent = 0;
        let mut failed = false;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => sent += f.into_data().map(|d| d.len()).unwrap_or(0),
                Err(_) => failed = true,
            }
        }
        assert!(failed && sent < full);
        assert!(slot.take_failure().is_some());
    }
}
