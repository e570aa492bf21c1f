//! Image inputs and results.
//!
//! **Inputs** ([`ImageInput`]): an `https://` URL (sent as is; the server fetches it), a file path or bytes
//! (sent inline as a base64 data URI). The format is sniffed from the content, not the file name: JPEG,
//! PNG and WebP are accepted, up to [`MAX_IMAGE_BYTES`], and a truncated file is refused. A bad input is
//! refused before anything is sent.
//!
//! **Results** ([`Media`]): every result — a URL on the CDN, or image bytes an OpenAI-compatible server
//! returned inline as `b64_json` — is a [`Media`] with [`Media::bytes`], [`Media::download_to`] (streamed
//! to disk through a temporary file in the same directory, renamed into place when complete) and
//! [`Media::save_to_dir`] (which picks the file extension from the content). Downloads never carry your
//! API key, are retried by the client's [`RetryPolicy`] (they are free), and a URL that has expired
//! answers [`Error::MediaExpired`]. [`Media::durable`] also flushes the file to storage before returning.
//!
//! ```
//! use artnex::media::{ImageInput, MediaFormat};
//!
//! let png = b"\x89PNG\r\n\x1a\n rest of the file".to_vec();
//! assert_eq!(MediaFormat::sniff(&png), Some(MediaFormat::Png));
//! let uri = artnex::media::data_uri(MediaFormat::Png, &png);
//! assert!(uri.starts_with("data:image/png;base64,iVBORw0KGgo"));
//!
//! let from_url = ImageInput::from("https://example.com/cat.jpg");
//! let from_file = ImageInput::from(std::path::Path::new("cat.jpg"));
//! let from_bytes = ImageInput::from(png);
//! # let _ = (from_url, from_file, from_bytes);
//! ```

mod file;
mod format;
mod input;
pub(crate) mod upload;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tracing::Instrument as _;

pub use file::{PARTIAL_SUFFIX, unfinished_save_stem};
pub use format::{MediaFormat, data_uri};
pub use input::ImageInput;

pub(crate) use file::{SAVE_PROBE_SUFFIX, TempFile};
pub(crate) use input::{BodyImage, UrlPolicy};

use crate::error::Error;
use crate::exec::{self, ResponseParts};
use crate::operation::Call;
use crate::retry::{Action, FailureClass, RetryPolicy};

/// The largest image the API accepts, before encoding: 10 MB (10 x 1024 x 1024 bytes), from the spec.
pub const MAX_IMAGE_BYTES: u64 = artnex_facts::IMAGE_INPUT_MAX_BYTES.value;

/// What a result holds: an image, an audio clip or a video.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// An image (generate, edit, upscale, remove-bg, OpenAI-compatible images).
    Image,
    /// An MP3 file (TTS).
    Audio,
    /// An MP4 file (video).
    Video,
}

/// How results are fetched: the download clients (never carrying the key) and their retry policy, shared
/// by every result of a client, and whether files are flushed to storage.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Downloads {
    fetch: Arc<Fetch>,
    durable: bool,
}

#[derive(Debug)]
struct Fetch {
    http: reqwest::Client,
    /// For loopback URLs: no proxy from the environment (it could not reach them).
    direct: reqwest::Client,
    retry: RetryPolicy,
}

impl Downloads {
    pub(crate) fn new(
        http: reqwest::Client,
        direct: reqwest::Client,
        retry: RetryPolicy,
        durable: bool,
    ) -> Downloads {
        Downloads {
            fetch: Arc::new(Fetch {
                http,
                direct,
                retry,
            }),
            durable,
        }
    }

    /// A result at `url`.
    pub(crate) fn url(&self, url: String, kind: MediaKind) -> Media {
        Media {
            source: Source::Url(url),
            kind,
            downloads: self.clone(),
        }
    }

    /// A result whose bytes came inline (OpenAI-style `b64_json`).
    #[cfg_attr(not(feature = "openai-images"), allow(dead_code))]
    pub(crate) fn inline(&self, bytes: Bytes, kind: MediaKind) -> Media {
        Media {
            source: Source::Inline(bytes),
            kind,
            downloads: self.clone(),
        }
    }
}

#[derive(Clone)]
enum Source {
    Url(String),
    Inline(Bytes),
}

/// A result file: on the server (its URL, kept for 24 hours) or already in memory (bytes returned inline),
/// with the same helpers either way.
#[derive(Clone)]
pub struct Media {
    source: Source,
    kind: MediaKind,
    downloads: Downloads,
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Media");
        match &self.source {
            Source::Url(u) => d.field("url", u),
            Source::Inline(b) => d.field("inline_bytes", &b.len()),
        };
        d.field("kind", &self.kind)
            .field("durable", &self.downloads.durable)
            .finish()
    }
}

impl fmt::Display for Media {
    /// The URL, or `<N bytes inline>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Url(u) => f.write_str(u),
            Source::Inline(b) => write!(f, "<{} bytes inline>", b.len()),
        }
    }
}

/// A finished download.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Where the file was written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The format recognised from the content, if any.
    pub format: Option<MediaFormat>,
}

/// What one streamed attempt produced.
struct Fetched {
    file: TempFile,
    bytes: u64,
    format: Option<MediaFormat>,
    content_type: Option<String>,
}

impl Media {
    /// Whether [`Media::download_to`] and [`Media::save_to_dir`] flush the file and its directory entry
    /// to storage (`fsync`) before returning, so that the file survives a power loss or an OS crash right
    /// after. Off by default (like [`std::fs::write`]): the file is still written under a temporary name
    /// and renamed when complete, so the program dying mid-download never leaves a partial file under
    /// the final name. The client builder's `durable_downloads` sets the default.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let video = client.video_job("req_vid789xyz").wait().await?;
    /// video.video.durable(true).download_to("drone.mp4").await?; // on disk before this returns
    /// # Ok(()) }
    /// ```
    pub fn durable(mut self, on: bool) -> Self {
        self.downloads.durable = on;
        self
    }

    /// The result URL; `None` for bytes the server returned inline.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.media("https://cdn.example/a.png").url(), Some("https://cdn.example/a.png"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn url(&self) -> Option<&str> {
        match &self.source {
            Source::Url(u) => Some(u),
            Source::Inline(_) => None,
        }
    }

    /// The bytes, when the server returned them inline (no download needed).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.media("https://cdn.example/a.png").inline_bytes().is_none());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn inline_bytes(&self) -> Option<&Bytes> {
        match &self.source {
            Source::Inline(b) => Some(b),
            Source::Url(_) => None,
        }
    }

    /// The format, when it is known without downloading (inline bytes).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.media("https://cdn.example/a.png").format(), None);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn format(&self) -> Option<MediaFormat> {
        self.inline_bytes().and_then(|b| MediaFormat::sniff(b))
    }

    /// Whether this is an image, audio or video.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.media("https://cdn.example/a.mp3").kind(), artnex::media::MediaKind::Audio);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The extension in the URL's path, if any (a hint only: [`Media::save_to_dir`] trusts the content).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.media("https://cdn.example/v/video.mp4?sig=x").url_extension(), Some("mp4"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn url_extension(&self) -> Option<&str> {
        url_extension(self.url()?)
    }

    /// The whole file in memory. Prefer [`Media::download_to`] for videos.
    ///
    /// ```no_run
    /// # async fn run(media: artnex::media::Media) -> artnex::Result<()> {
    /// let bytes = media.bytes().await?;
    /// println!("{} bytes", bytes.len());
    /// # Ok(()) }
    /// ```
    pub async fn bytes(&self) -> Result<Bytes, Error> {
        let url = match &self.source {
            Source::Inline(b) => return Ok(b.clone()),
            Source::Url(u) => u,
        };
        self.retrying(|| async {
            let response = self.fetch(url).await?;
            response
                .bytes()
                .await
                .map_err(|e| exec::classify_transport(Call::Download, e, Some(url)))
        })
        .instrument(span(url))
        .await
    }

    /// Writes the file to exactly `path` (whatever its extension says; see [`Media::save_to_dir`] to get
    /// the extension from the content). Downloads are streamed, never held whole in memory, into a
    /// temporary file in the same directory, renamed over `path` only when complete, so `path` never holds
    /// a partial file. When [`durable`](Media::durable), the file is also on storage when this returns.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a red fox").model(artnex::Model::Flux2Pro).await?;
    /// let saved = out.images[0].download_to("fox.png").await?;
    /// println!("{} bytes, {:?}", saved.bytes, saved.format);
    /// # Ok(()) }
    /// ```
    pub async fn download_to(&self, path: impl AsRef<Path>) -> Result<Download, Error> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("download");
        let fetched = self.fetch_to_temp(file::dir_of(path), name, path).await?;
        fetched.file.commit(path, self.downloads.durable).await?;
        if let (Some(format), Some(ext)) =
            (fetched.format, path.extension().and_then(|e| e.to_str()))
            && !ext_matches(format, ext)
        {
            tracing::warn!(path = %path.display(), detected = %format, "the file's content does not match its extension");
        }
        Ok(Download {
            path: path.to_path_buf(),
            bytes: fetched.bytes,
            format: fetched.format,
        })
    }

    /// Writes the file into `dir` as `<stem>.<ext>`, the extension chosen from the content (falling back
    /// to the `Content-Type`, then to the URL, then to `bin`). Returns the path written.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let speech = client.tts("Hello!").await?;
    /// let saved = speech.audio.save_to_dir(".", "hello").await?; // ./hello.mp3
    /// # let _ = saved; Ok(()) }
    /// ```
    pub async fn save_to_dir(&self, dir: impl AsRef<Path>, stem: &str) -> Result<Download, Error> {
        self.save_in(dir.as_ref(), stem, false).await
    }

    /// Like [`Media::save_to_dir`], but never replaces a file that exists: the file is `<stem>.<ext>`, or
    /// `<stem>-2.<ext>`, `<stem>-3.<ext>`, … when that name is taken, chosen atomically (two processes
    /// saving under the same name at once both keep their file). For results you paid for.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a fox").model(artnex::Model::ZImageTurbo).await?;
    /// let first = out.images[0].save_new_to_dir(".", "fox").await?;  // ./fox.png
    /// let second = out.images[0].save_new_to_dir(".", "fox").await?; // ./fox-2.png
    /// # let _ = (first, second); Ok(()) }
    /// ```
    pub async fn save_new_to_dir(
        &self,
        dir: impl AsRef<Path>,
        stem: &str,
    ) -> Result<Download, Error> {
        self.save_in(dir.as_ref(), stem, true).await
    }

    async fn save_in(
        &self,
        dir: &Path,
        stem: &str,
        keep_existing: bool,
    ) -> Result<Download, Error> {
        let probe = format!("{stem}{SAVE_PROBE_SUFFIX}");
        let fetched = self.fetch_to_temp(dir, &probe, &dir.join(stem)).await?;
        let ext = fetched
            .format
            .map(MediaFormat::extension)
            .or_else(|| {
                fetched
                    .content_type
                    .as_deref()
                    .and_then(MediaFormat::from_mime)
                    .map(MediaFormat::extension)
            })
            .or_else(|| self.url_extension())
            .unwrap_or("bin")
            .to_string();
        let path = if keep_existing {
            let (base, stem_owned, ext_owned) = (dir.to_path_buf(), stem.to_string(), ext.clone());
            let names = (1..=10_000).map(move |n| match n {
                1 => base.join(format!("{stem_owned}.{ext_owned}")),
                n => base.join(format!("{stem_owned}-{n}.{ext_owned}")),
            });
            fetched
                .file
                .commit_new(names, self.downloads.durable)
                .await?
        } else {
            let path = dir.join(format!("{stem}.{ext}"));
            fetched.file.commit(&path, self.downloads.durable).await?;
            path
        };
        Ok(Download {
            path,
            bytes: fetched.bytes,
            format: fetched.format,
        })
    }

    /// The content in a temporary file in `dir`: inline bytes written out, or the URL streamed (each
    /// attempt into a fresh temporary file; a failed one is removed).
    async fn fetch_to_temp(
        &self,
        dir: &Path,
        name: &str,
        reported: &Path,
    ) -> Result<Fetched, Error> {
        match &self.source {
            Source::Inline(bytes) => {
                let mut file = TempFile::create(dir, name, reported).await?;
                file.write(bytes).await?;
                Ok(Fetched {
                    file,
                    bytes: bytes.len() as u64,
                    format: MediaFormat::sniff(bytes),
                    content_type: None,
                })
            }
            Source::Url(url) => {
                self.retrying(|| self.stream_once(url, dir, name, reported))
                    .instrument(span(url))
                    .await
            }
        }
    }

    async fn stream_once(
        &self,
        url: &str,
        dir: &Path,
        name: &str,
        reported: &Path,
    ) -> Result<Fetched, exec::Failure> {
        let mut response = self.fetch(url).await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let final_error = |error| exec::Failure {
            class: FailureClass::Final,
            error,
        };
        let mut file = TempFile::create(dir, name, reported)
            .await
            .map_err(final_error)?;
        let mut head = Vec::with_capacity(16);
        let mut total = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| exec::classify_transport(Call::Download, e, Some(url)))?
        {
            if head.len() < 16 {
                let take = (16 - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            total += chunk.len() as u64;
            file.write(&chunk).await.map_err(final_error)?;
        }
        Ok(Fetched {
            file,
            bytes: total,
            format: MediaFormat::sniff(&head),
            content_type,
        })
    }

    /// Runs download attempts until one succeeds or the client's retry policy says stop (downloads are
    /// free: every failure that may be transient is retried).
    async fn retrying<T, F, Fut>(&self, mut attempt_once: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, exec::Failure>>,
    {
        let policy = &self.downloads.fetch.retry;
        let mut attempt = 0;
        loop {
            match attempt_once().await {
                Ok(v) => return Ok(v),
                Err(f) => match policy.decide(f.class, true, attempt) {
                    Action::Retry(delay) => {
                        tracing::warn!(attempt = attempt + 1, error = %f.error, "download failed; retrying");
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    Action::Stop => return Err(f.error),
                },
            }
        }
    }

    /// One GET of the URL; an error status is classified (403, 404 and 410 mean expired).
    async fn fetch(&self, url: &str) -> Result<reqwest::Response, exec::Failure> {
        let final_error = |error| exec::Failure {
            class: FailureClass::Final,
            error,
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            final_error(Error::InvalidUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })
        })?;
        let loopback = artnex_transport::is_loopback_host(parsed.host_str().unwrap_or_default());
        let allowed = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
        if !allowed {
            return Err(final_error(Error::InvalidUrl {
                url: url.to_string(),
                reason: "downloads go over https (plain http only to loopback addresses)".into(),
            }));
        }
        let http = if loopback {
            &self.downloads.fetch.direct
        } else {
            &self.downloads.fetch.http
        };
        let response = http
            .get(parsed)
            .send()
            .await
            .map_err(|e| exec::classify_transport(Call::Download, e, Some(url)))?;
        let parts = ResponseParts::of(&response);
        let status = parts.status;
        match status {
            200..=299 => Ok(response),
            403 | 404 | 410 => Err(final_error(Error::MediaExpired {
                url: url.to_string(),
                status,
            })),
            _ => Err(exec::Failure {
                class: exec::status_class(status, false, parts.retry_after),
                error: Error::Download {
                    url: url.to_string(),
                    status,
                },
            }),
        }
    }
}

/// The span of one download: the URL without its query string (which may hold a signature).
fn span(url: &str) -> tracing::Span {
    tracing::info_span!("artnex", operation = "download", url = %exec::loggable_url(url))
}

fn url_extension(url: &str) -> Option<&str> {
    let path = exec::loggable_url(url);
    let last = path.rsplit('/').next().unwrap_or_default();
    let (stem, ext) = last.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty() && ext.len() <= 5).then_some(ext)
}

fn ext_matches(format: MediaFormat, ext: &str) -> bool {
    let ext = ext.to_ascii_lowercase();
    ext == format.extension() || (format == MediaFormat::Jpeg && ext == "jpeg")
}

/// The kind of a result from its URL's extension (for a URL kept from an earlier run).
pub(crate) fn kind_from_url(url: &str) -> MediaKind {
    match url_extension(url).map(str::to_ascii_lowercase).as_deref() {
        Some("mp3" | "wav" | "ogg") => MediaKind::Audio,
        Some("mp4" | "webm" | "mov") => MediaKind::Video,
        _ => MediaKind::Image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn downloads() -> Downloads {
        crate::install_crypto_provider();
        Downloads::new(
            reqwest::Client::new(),
            reqwest::Client::new(),
            RetryPolicy::none(),
            false,
        )
    }

    #[test]
    fn url_extension_hint() {
        let m = downloads().url(
            "https://cdn.example/a/b/image_0.webp?sig=1".into(),
            MediaKind::Image,
        );
        assert_eq!(m.url_extension(), Some("webp"));
        let m = downloads().url("https://cdn.example/a/b/noext".into(), MediaKind::Image);
        assert_eq!(m.url_extension(), None);
        assert_eq!(kind_from_url("https://x/y/clip.MP4"), MediaKind::Video);
    }

    #[tokio::test]
    async fn inline_bytes_are_saved_with_their_extension() {
        let dir = tempfile::tempdir().expect("tempdir");
        let png = Bytes::from_static(b"\x89PNG\r\n\x1a\nrest");
        let m = downloads().inline(png.clone(), MediaKind::Image);
        assert_eq!(m.format(), Some(MediaFormat::Png));
        assert_eq!(m.bytes().await.expect("bytes"), png);
        let saved = m.save_to_dir(dir.path(), "logo").await.expect("saved");
        assert_eq!(saved.path, dir.path().join("logo.png"));
        assert_eq!(std::fs::read(&saved.path).expect("read"), png.to_vec());
        let exact = m
            .download_to(dir.path().join("exact.bin"))
            .await
            .expect("saved");
        assert_eq!(exact.bytes, png.len() as u64);
        let kept = m.save_new_to_dir(dir.path(), "logo").await.expect("saved");
        assert_eq!(
            kept.path,
            dir.path().join("logo-2.png"),
            "the first one is kept"
        );
        let again = m.save_new_to_dir(dir.path(), "logo").await.expect("saved");
        assert_eq!(again.path, dir.path().join("logo-3.png"));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(PARTIAL_SUFFIX))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[tokio::test]
    async fn a_failed_write_names_the_target_not_the_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("missing-dir").join("out.png");
        let m = downloads().inline(Bytes::from_static(b"\x89PNG\r\n\x1a\n"), MediaKind::Image);
        match m.download_to(&target).await {
            Err(Error::Io { path, .. }) => assert_eq!(path.as_deref(), Some(target.as_path())),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_url_that_does_not_parse_is_its_own_error() {
        let m = downloads().url("https://exa mple.com/x.png".into(), MediaKind::Image);
        assert!(matches!(m.bytes().await, Err(Error::InvalidUrl { .. })));
    }
}
