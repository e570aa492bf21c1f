//! Image inputs and result downloads.
//!
//! **Inputs** ([`ImageInput`]): an `https://` URL (sent as is; the server fetches it), a file path or bytes
//! (sent inline as a base64 data URI). The format is sniffed from the content, not the file name: JPEG,
//! PNG and WebP are accepted, up to [`MAX_IMAGE_BYTES`]. A bad input is refused before anything is sent.
//!
//! **Outputs** ([`Media`]): every result URL comes wrapped in a [`Media`] with [`Media::bytes`],
//! [`Media::download_to`] (streamed to disk chunk by chunk through a temporary file in the same
//! directory, renamed into place when complete) and [`Media::save_to_dir`] (which picks the file
//! extension from the content). Downloads never carry your API key, and a URL that has expired answers
//! [`Error::MediaExpired`]. [`Media::durable`] also flushes the file to storage before returning.
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

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::Bytes;
use tokio::io::AsyncWriteExt;

use crate::client::Client;
use crate::error::{Error, ErrorCode, TransportError, ValidationError};
use crate::retry::RetryPolicy;

/// The largest image the API accepts, before encoding: 10 MB (10 x 1024 x 1024 bytes).
pub const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;

/// A file format recognised from its first bytes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaFormat {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// WebP image.
    Webp,
    /// GIF image.
    Gif,
    /// MP3 audio.
    Mp3,
    /// WAV audio.
    Wav,
    /// Ogg audio.
    Ogg,
    /// MP4 video.
    Mp4,
}

impl MediaFormat {
    /// Recognises a format from the first bytes of a file (16 are enough).
    ///
    /// ```
    /// use artnex::media::MediaFormat;
    /// assert_eq!(MediaFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(MediaFormat::Jpeg));
    /// assert_eq!(MediaFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(MediaFormat::Webp));
    /// assert_eq!(MediaFormat::sniff(b"hello"), None);
    /// ```
    pub fn sniff(head: &[u8]) -> Option<MediaFormat> {
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaFormat::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaFormat::Jpeg)
        } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
            Some(MediaFormat::Webp)
        } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WAVE" {
            Some(MediaFormat::Wav)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(MediaFormat::Gif)
        } else if head.len() >= 8 && &head[4..8] == b"ftyp" {
            Some(MediaFormat::Mp4)
        } else if head.starts_with(b"ID3")
            || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
        {
            Some(MediaFormat::Mp3)
        } else if head.starts_with(b"OggS") {
            Some(MediaFormat::Ogg)
        } else {
            None
        }
    }

    /// The usual file extension, without the dot.
    ///
    /// ```
    /// assert_eq!(artnex::media::MediaFormat::Jpeg.extension(), "jpg");
    /// ```
    pub fn extension(self) -> &'static str {
        match self {
            MediaFormat::Png => "png",
            MediaFormat::Jpeg => "jpg",
            MediaFormat::Webp => "webp",
            MediaFormat::Gif => "gif",
            MediaFormat::Mp3 => "mp3",
            MediaFormat::Wav => "wav",
            MediaFormat::Ogg => "ogg",
            MediaFormat::Mp4 => "mp4",
        }
    }

    /// The MIME type.
    ///
    /// ```
    /// assert_eq!(artnex::media::MediaFormat::Mp4.mime(), "video/mp4");
    /// ```
    pub fn mime(self) -> &'static str {
        match self {
            MediaFormat::Png => "image/png",
            MediaFormat::Jpeg => "image/jpeg",
            MediaFormat::Webp => "image/webp",
            MediaFormat::Gif => "image/gif",
            MediaFormat::Mp3 => "audio/mpeg",
            MediaFormat::Wav => "audio/wav",
            MediaFormat::Ogg => "audio/ogg",
            MediaFormat::Mp4 => "video/mp4",
        }
    }

    /// The format for a MIME type (parameters ignored).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::media::MediaFormat;
    /// assert_eq!(MediaFormat::from_mime("image/jpeg; q=1"), Some(MediaFormat::Jpeg));
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_mime(mime: &str) -> Option<MediaFormat> {
        let essence = mime
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        [
            MediaFormat::Png,
            MediaFormat::Jpeg,
            MediaFormat::Webp,
            MediaFormat::Gif,
            MediaFormat::Mp3,
            MediaFormat::Wav,
            MediaFormat::Ogg,
            MediaFormat::Mp4,
        ]
        .into_iter()
        .find(|f| f.mime() == essence)
        .or(match essence.as_str() {
            "image/jpg" => Some(MediaFormat::Jpeg),
            "audio/mp3" => Some(MediaFormat::Mp3),
            "audio/x-wav" | "audio/wave" => Some(MediaFormat::Wav),
            _ => None,
        })
    }

    /// Whether the API accepts this format as an image input (JPEG, PNG, WebP).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(!artnex::media::MediaFormat::Gif.is_accepted_input());
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn is_accepted_input(self) -> bool {
        matches!(
            self,
            MediaFormat::Png | MediaFormat::Jpeg | MediaFormat::Webp
        )
    }
}

impl fmt::Display for MediaFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mime())
    }
}

/// Builds `data:<mime>;base64,<data>` in one allocation of exactly the right size: the prefix is written
/// first and the base64 text is encoded straight after it, with no intermediate buffer.
///
/// ```
/// use artnex::media::{data_uri, MediaFormat};
/// assert_eq!(data_uri(MediaFormat::Jpeg, b"\xFF\xD8\xFF"), "data:image/jpeg;base64,/9j/");
/// ```
pub fn data_uri(format: MediaFormat, bytes: &[u8]) -> String {
    let engine = &base64::engine::general_purpose::STANDARD;
    let mime = format.mime().as_bytes();
    let prefix_len = "data:".len() + mime.len() + ";base64,".len();
    let encoded_len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    // `vec![0; n]` gets zeroed pages from the allocator (no explicit memset for large buffers), exactly
    // like the plain encoder's own buffer; the prefix is written in place and the base64 text after it.
    let mut buf = vec![0u8; prefix_len + encoded_len];
    let (prefix, body) = buf.split_at_mut(prefix_len);
    let (scheme, rest) = prefix.split_at_mut("data:".len());
    scheme.copy_from_slice(b"data:");
    let (mime_part, suffix) = rest.split_at_mut(mime.len());
    mime_part.copy_from_slice(mime);
    suffix.copy_from_slice(b";base64,");
    match engine.encode_slice(bytes, body) {
        Ok(written) => buf.truncate(prefix_len + written),
        Err(_) => {
            // Unreachable (the buffer has the exact encoded length); fall back to the plain encoder.
            buf.truncate(prefix_len);
            buf.extend_from_slice(engine.encode(bytes).as_bytes());
        }
    }
    // Base64 and the prefix are ASCII, so this never fails; no panic path either way.
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A source image for edit, image-to-video, upscale and background removal.
///
/// `From<&str>` and `From<String>` read the string as an `https://` URL when it starts with a scheme, as
/// a `data:` URI when it starts with `data:`, and as a file path otherwise.
#[derive(Clone)]
pub struct ImageInput(Source);

#[derive(Clone)]
enum Source {
    Url(String),
    Path(PathBuf),
    Bytes(Bytes),
    DataUri(String),
}

impl fmt::Debug for ImageInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Url(u) => f.debug_tuple("Url").field(u).finish(),
            Source::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Source::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Source::DataUri(s) => {
                write!(
                    f,
                    "DataUri({}..., {} chars)",
                    s.chars().take(30).collect::<String>(),
                    s.len()
                )
            }
        }
    }
}

impl ImageInput {
    /// A public `https://` URL that the server will fetch.
    ///
    /// ```
    /// let img = artnex::media::ImageInput::url("https://example.com/photo.jpg");
    /// # let _ = img;
    /// ```
    pub fn url(url: impl Into<String>) -> Self {
        ImageInput(Source::Url(url.into()))
    }

    /// A local file, read when the request is sent.
    ///
    /// ```
    /// let img = artnex::media::ImageInput::path("photo.png");
    /// # let _ = img;
    /// ```
    pub fn path(path: impl Into<PathBuf>) -> Self {
        ImageInput(Source::Path(path.into()))
    }

    /// Image bytes in memory (`Bytes` are shared, not copied).
    ///
    /// ```
    /// let img = artnex::media::ImageInput::bytes(std::fs::read("photo.png").unwrap_or_default());
    /// # let _ = img;
    /// ```
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        ImageInput(Source::Bytes(bytes.into()))
    }

    /// An already encoded `data:image/...;base64,...` URI.
    ///
    /// ```
    /// let img = artnex::media::ImageInput::data_uri("data:image/jpeg;base64,/9j/4AAQ");
    /// # let _ = img;
    /// ```
    pub fn data_uri(uri: impl Into<String>) -> Self {
        ImageInput(Source::DataUri(uri.into()))
    }

    /// The checks that need no I/O: URL scheme, data URI shape, in-memory size and format.
    pub(crate) fn check(&self, field: &'static str) -> Result<(), ValidationError> {
        match &self.0 {
            Source::Url(u) => check_url(field, u),
            Source::Path(p) => {
                if p.as_os_str().is_empty() {
                    Err(ValidationError::new(
                        field,
                        ErrorCode::MissingImage,
                        "the image path is empty",
                    ))
                } else {
                    Ok(())
                }
            }
            Source::Bytes(b) => check_bytes(field, b).map(|_| ()),
            Source::DataUri(s) => check_data_uri(field, s).map(|_| ()),
        }
    }

    /// Turns the input into the wire value: the URL, or a data URI (reading the file if needed).
    pub(crate) async fn resolve(&self, field: &'static str) -> Result<String, Error> {
        match &self.0 {
            Source::Url(u) => {
                check_url(field, u)?;
                Ok(u.clone())
            }
            Source::DataUri(s) => {
                check_data_uri(field, s)?;
                Ok(s.clone())
            }
            Source::Bytes(b) => {
                let format = check_bytes(field, b)?;
                Ok(data_uri(format, b))
            }
            Source::Path(p) => {
                let meta = tokio::fs::metadata(p)
                    .await
                    .map_err(|e| Error::io(p.clone(), e))?;
                if !meta.is_file() {
                    return Err(ValidationError::new(
                        field,
                        ErrorCode::MissingImage,
                        format!("{} is not a file", p.display()),
                    )
                    .into());
                }
                if meta.len() > MAX_IMAGE_BYTES {
                    return Err(too_large(field, meta.len()).into());
                }
                let bytes = tokio::fs::read(p)
                    .await
                    .map_err(|e| Error::io(p.clone(), e))?;
                let format = check_bytes(field, &bytes)?;
                Ok(data_uri(format, &bytes))
            }
        }
    }
}

fn too_large(field: &'static str, len: u64) -> ValidationError {
    ValidationError::new(
        field,
        ErrorCode::ImageTooLarge,
        format!("the image is {len} bytes; the limit is {MAX_IMAGE_BYTES} bytes (10 MB)"),
    )
}

fn check_url(field: &'static str, url: &str) -> Result<(), ValidationError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        ValidationError::new(
            field,
            ErrorCode::InvalidImageFormat,
            format!("not a valid URL ({e})"),
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(ValidationError::new(
            field,
            ErrorCode::InvalidImageFormat,
            format!(
                "image URLs must be public https:// URLs (got `{}:`); pass a file path or bytes to send the image inline",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host_str().unwrap_or_default().is_empty() {
        return Err(ValidationError::new(
            field,
            ErrorCode::InvalidImageFormat,
            "the image URL has no host",
        ));
    }
    Ok(())
}

fn check_bytes(field: &'static str, bytes: &[u8]) -> Result<MediaFormat, ValidationError> {
    if bytes.is_empty() {
        return Err(ValidationError::new(
            field,
            ErrorCode::MissingImage,
            "the image is empty",
        ));
    }
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(too_large(field, bytes.len() as u64));
    }
    match MediaFormat::sniff(bytes) {
        Some(f) if f.is_accepted_input() => Ok(f),
        Some(f) => Err(ValidationError::new(
            field,
            ErrorCode::InvalidImageFormat,
            format!("the image is {f}; the API accepts JPEG, PNG and WebP"),
        )),
        None => Err(ValidationError::new(
            field,
            ErrorCode::InvalidImageFormat,
            "the content is not a JPEG, PNG or WebP image",
        )),
    }
}

fn check_data_uri(field: &'static str, uri: &str) -> Result<MediaFormat, ValidationError> {
    let bad =
        |msg: &str| ValidationError::new(field, ErrorCode::InvalidImageFormat, msg.to_string());
    let rest = uri
        .strip_prefix("data:")
        .ok_or_else(|| bad("a data URI starts with `data:`"))?;
    let (mime, data) = rest
        .split_once(";base64,")
        .ok_or_else(|| bad("expected `data:image/<jpeg|png|webp>;base64,<data>`"))?;
    let declared = MediaFormat::from_mime(mime)
        .filter(|f| f.is_accepted_input())
        .ok_or_else(|| bad("the data URI type must be image/jpeg, image/png or image/webp"))?;
    // Decoded size from the text length, without decoding everything.
    let padding = data.bytes().rev().take_while(|&b| b == b'=').count().min(2);
    let decoded = (data.len() / 4 * 3).saturating_sub(padding) as u64;
    if decoded > MAX_IMAGE_BYTES {
        return Err(too_large(field, decoded));
    }
    // Sniff the first 12 bytes (16 base64 characters).
    let head = data.get(..16.min(data.len() / 4 * 4)).unwrap_or_default();
    let head = base64::engine::general_purpose::STANDARD
        .decode(head)
        .map_err(|_| bad("the data is not valid base64"))?;
    match MediaFormat::sniff(&head) {
        Some(f) if f == declared => Ok(f),
        Some(f) if f.is_accepted_input() => Err(bad(&format!(
            "the data URI says {declared} but the content is {f}"
        ))),
        _ => Err(bad("the content is not a JPEG, PNG or WebP image")),
    }
}

/// What a result holds: an image, an audio clip or a video.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// An image (generate, edit, upscale, remove-bg).
    Image,
    /// An MP3 file (TTS).
    Audio,
    /// An MP4 file (video).
    Video,
}

/// A result file on the server, with helpers to fetch it. Result URLs are kept for 24 hours.
#[derive(Clone)]
pub struct Media {
    url: String,
    kind: MediaKind,
    http: reqwest::Client,
    retry: RetryPolicy,
    durable: bool,
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Media")
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("durable", &self.durable)
            .finish()
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
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

impl Media {
    pub(crate) fn new(
        url: String,
        kind: MediaKind,
        http: reqwest::Client,
        retry: RetryPolicy,
        durable: bool,
    ) -> Self {
        Media {
            url,
            kind,
            http,
            retry,
            durable,
        }
    }

    /// Whether [`Media::download_to`] and [`Media::save_to_dir`] flush the file and its directory entry
    /// to storage (`fsync`) before returning, so that the file survives a power loss or an OS crash right
    /// after. Off by default (like [`std::fs::write`]): the file is still written under a temporary name
    /// and renamed when complete, so the program dying mid-download never leaves a partial file under
    /// the final name. The client's [`ClientBuilder::durable_downloads`](crate::ClientBuilder::durable_downloads)
    /// sets the default.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let video = client.video_job("req_vid789xyz").wait().await?;
    /// video.video.durable(true).download_to("drone.mp4").await?; // on disk before this returns
    /// # Ok(()) }
    /// ```
    pub fn durable(mut self, on: bool) -> Self {
        self.durable = on;
        self
    }

    /// The result URL.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.media("https://cdn.example/a.png").url(), "https://cdn.example/a.png");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
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
    /// The returned string borrows from the URL.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.media("https://cdn.example/v/video.mp4?sig=x").url_extension(), Some("mp4"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn url_extension(&self) -> Option<&str> {
        let path = self.url.split(['?', '#']).next().unwrap_or_default();
        let last = path.rsplit('/').next().unwrap_or_default();
        let (stem, ext) = last.rsplit_once('.')?;
        (!stem.is_empty() && !ext.is_empty() && ext.len() <= 5).then_some(ext)
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
        Client::traced(self.span(), self.bytes_untraced()).await
    }

    async fn bytes_untraced(&self) -> Result<Bytes, Error> {
        let mut attempt = 0;
        loop {
            let result = async {
                let response = self.fetch().await?;
                response.bytes().await.map_err(|e| self.transport_error(e))
            }
            .await;
            match result {
                Err(e)
                    if attempt < self.retry.max_retries_value() && retryable_download_error(&e) =>
                {
                    tokio::time::sleep(self.retry.backoff(attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Streams the file to exactly `path` (whatever its extension says; see [`Media::save_to_dir`] to get
    /// the extension from the content). The data goes to a temporary file in the same directory, renamed
    /// over `path` only when complete, so `path` never holds a partial file. The file is never held whole
    /// in memory. When [`durable`](Media::durable), the file is also on storage when this returns.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a red fox").model(artnex::Model::Flux2Pro).await?;
    /// let saved = out.images[0].download_to("fox.png").await?;
    /// println!("{} bytes, {:?}", saved.bytes, saved.format);
    /// # Ok(()) }
    /// ```
    pub async fn download_to(&self, path: impl AsRef<Path>) -> Result<Download, Error> {
        Client::traced(self.span(), self.download_to_untraced(path.as_ref())).await
    }

    async fn download_to_untraced(&self, path: &Path) -> Result<Download, Error> {
        let path = path.to_path_buf();
        let (tmp, bytes, format, _content_type) = self.download_to_temp(&path).await?;
        finish_rename(&tmp, &path, self.durable).await?;
        if let (Some(format), Some(ext)) = (format, path.extension().and_then(|e| e.to_str()))
            && !ext_matches(format, ext)
        {
            tracing::warn!(path = %path.display(), detected = %format, "downloaded file's content does not match its extension");
        }
        Ok(Download {
            path,
            bytes,
            format,
        })
    }

    /// Streams the file into `dir` as `<stem>.<ext>`, the extension chosen from the content (falling back
    /// to the `Content-Type`, then to the URL, then to `bin`). Returns the path written.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let speech = client.tts("Hello!").await?;
    /// let saved = speech.audio.save_to_dir(".", "hello").await?; // ./hello.mp3
    /// # let _ = saved; Ok(()) }
    /// ```
    pub async fn save_to_dir(&self, dir: impl AsRef<Path>, stem: &str) -> Result<Download, Error> {
        Client::traced(self.span(), self.save_to_dir_untraced(dir.as_ref(), stem)).await
    }

    async fn save_to_dir_untraced(&self, dir: &Path, stem: &str) -> Result<Download, Error> {
        let probe = dir.join(format!("{stem}{SAVE_PROBE_SUFFIX}"));
        let (tmp, bytes, format, content_type) = self.download_to_temp(&probe).await?;
        let ext = format
            .map(MediaFormat::extension)
            .or_else(|| {
                content_type
                    .as_deref()
                    .and_then(MediaFormat::from_mime)
                    .map(MediaFormat::extension)
            })
            .or_else(|| self.url_extension())
            .unwrap_or("bin")
            .to_string();
        let path = dir.join(format!("{stem}.{ext}"));
        finish_rename(&tmp, &path, self.durable).await?;
        Ok(Download {
            path,
            bytes,
            format,
        })
    }

    /// The span of one download: the URL without its query string (which may hold a signature).
    fn span(&self) -> tracing::Span {
        let url = self.url.split(['?', '#']).next().unwrap_or_default();
        tracing::info_span!("artnex", operation = "download", url = %url)
    }

    async fn download_to_temp(
        &self,
        target: &Path,
    ) -> Result<(PathBuf, u64, Option<MediaFormat>, Option<String>), Error> {
        let mut attempt = 0;
        loop {
            let tmp = temp_path(target);
            let result = self.stream_once(&tmp).await;
            match result {
                Ok((bytes, format, ct)) => return Ok((tmp, bytes, format, ct)),
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    if attempt < self.retry.max_retries_value() && retryable_download_error(&e) {
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn stream_once(
        &self,
        tmp: &Path,
    ) -> Result<(u64, Option<MediaFormat>, Option<String>), Error> {
        let mut response = self.fetch().await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .await
            .map_err(|e| Error::io(tmp.to_path_buf(), e))?;
        let mut head = Vec::with_capacity(16);
        let mut total = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(e))?
        {
            if head.len() < 16 {
                let take = (16 - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            total += chunk.len() as u64;
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::io(tmp.to_path_buf(), e))?;
        }
        file.flush()
            .await
            .map_err(|e| Error::io(tmp.to_path_buf(), e))?;
        if self.durable {
            file.sync_all()
                .await
                .map_err(|e| Error::io(tmp.to_path_buf(), e))?;
        }
        Ok((total, MediaFormat::sniff(&head), content_type))
    }

    async fn fetch(&self) -> Result<reqwest::Response, Error> {
        let parsed = reqwest::Url::parse(&self.url).map_err(|_| Error::Download {
            url: self.url.clone(),
            status: 0,
        })?;
        let host = parsed.host_str().unwrap_or_default();
        let allowed = parsed.scheme() == "https"
            || (parsed.scheme() == "http" && artnex_transport::is_loopback_host(host));
        if !allowed {
            return Err(Error::Transport(TransportError {
                operation: "download",
                may_have_been_processed: false,
                message: format!(
                    "refusing to download {} over plain http (allowed only to loopback addresses)",
                    self.url
                ),
                source: None,
            }));
        }
        let response = self
            .http
            .get(parsed)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(response),
            403 | 404 | 410 => Err(Error::MediaExpired {
                url: self.url.clone(),
                status,
            }),
            _ => Err(Error::Download {
                url: self.url.clone(),
                status,
            }),
        }
    }

    fn transport_error(&self, e: reqwest::Error) -> Error {
        Error::Transport(TransportError {
            operation: "download",
            may_have_been_processed: false,
            message: format!("downloading {} failed: {e}", self.url),
            source: Some(Box::new(e)),
        })
    }
}

/// Writes `bytes` to exactly `path` through a temporary file in the same directory, renamed over `path`
/// only when complete (so `path` never holds a partial file); `durable` as for [`Media::durable`].
#[cfg(feature = "openai-images")]
pub(crate) async fn write_atomically(
    path: &Path,
    bytes: &[u8],
    durable: bool,
) -> Result<(), Error> {
    let tmp = temp_path(path);
    let written = async {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .await?;
        file.write_all(bytes).await?;
        file.flush().await?;
        if durable {
            file.sync_all().await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(Error::io(tmp, e));
    }
    finish_rename(&tmp, path, durable).await
}

/// Logs at `warn` when a file's extension does not match its content.
#[cfg(feature = "openai-images")]
pub(crate) fn warn_on_extension_mismatch(path: &Path, format: Option<MediaFormat>) {
    if let (Some(format), Some(ext)) = (format, path.extension().and_then(|e| e.to_str()))
        && !ext_matches(format, ext)
    {
        tracing::warn!(path = %path.display(), detected = %format, "the file's content does not match its extension");
    }
}

fn retryable_download_error(e: &Error) -> bool {
    match e {
        Error::Transport(t) => t.source.is_some(),
        Error::Download { status, .. } => *status >= 500 || *status == 408 || *status == 429,
        _ => false,
    }
}

fn ext_matches(format: MediaFormat, ext: &str) -> bool {
    let ext = ext.to_ascii_lowercase();
    ext == format.extension() || (format == MediaFormat::Jpeg && ext == "jpeg")
}

/// The directory a file is in (`.` for a bare file name).
fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The `stem` of the [`Media::save_to_dir`] call whose temporary file `file_name` is, or `None` when it is
/// not one. A download writes to such a file (hidden, ending in `.artnex-part`) and renames it into place
/// when complete, so one that is left over belongs to a download that was killed: a caller that knows the
/// stems it saves can find and remove its own leftovers without touching anyone else's.
///
/// ```
/// assert_eq!(
///     artnex::media::unfinished_save_stem(".generate-req_1.part.0a1b2c3d.artnex-part"),
///     Some("generate-req_1")
/// );
/// assert_eq!(artnex::media::unfinished_save_stem("generate-req_1.png"), None);
/// ```
pub fn unfinished_save_stem(file_name: &str) -> Option<&str> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(".artnex-part")?;
    let (target, nonce) = rest.rsplit_once('.')?;
    if nonce.len() != 8 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    target.strip_suffix(SAVE_PROBE_SUFFIX)
}

/// What [`Media::save_to_dir`] appends to the stem to name its download before the extension is known.
const SAVE_PROBE_SUFFIX: &str = ".part";

fn temp_path(target: &Path) -> PathBuf {
    let dir = dir_of(target);
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("download");
    let nonce = (crate::retry::random_u64() & 0xFFFF_FFFF) as u32;
    dir.join(format!(".{name}.{nonce:08x}.artnex-part"))
}

/// Renames the finished temporary file over `path`; when `durable`, also flushes the directory entry (on
/// Unix: the rename itself is only on storage once the directory is).
async fn finish_rename(tmp: &Path, path: &Path, durable: bool) -> Result<(), Error> {
    if let Err(e) = tokio::fs::rename(tmp, path).await {
        let _ = tokio::fs::remove_file(tmp).await;
        return Err(Error::io(path.to_path_buf(), e));
    }
    #[cfg(unix)]
    if durable {
        let dir = dir_of(path);
        let synced = async { tokio::fs::File::open(dir).await?.sync_all().await }.await;
        synced.map_err(|e| Error::io(dir.to_path_buf(), e))?;
    }
    #[cfg(not(unix))]
    let _ = durable;
    Ok(())
}

impl From<&str> for ImageInput {
    fn from(s: &str) -> Self {
        ImageInput::from(s.to_string())
    }
}

impl From<String> for ImageInput {
    fn from(s: String) -> Self {
        if s.starts_with("data:") {
            ImageInput(Source::DataUri(s))
        } else if s.contains("://") {
            ImageInput(Source::Url(s))
        } else {
            ImageInput(Source::Path(PathBuf::from(s)))
        }
    }
}

impl From<&Path> for ImageInput {
    fn from(p: &Path) -> Self {
        ImageInput(Source::Path(p.to_path_buf()))
    }
}

impl From<PathBuf> for ImageInput {
    fn from(p: PathBuf) -> Self {
        ImageInput(Source::Path(p))
    }
}

impl From<Vec<u8>> for ImageInput {
    fn from(b: Vec<u8>) -> Self {
        ImageInput(Source::Bytes(Bytes::from(b)))
    }
}

impl From<Bytes> for ImageInput {
    fn from(b: Bytes) -> Self {
        ImageInput(Source::Bytes(b))
    }
}

impl From<&[u8]> for ImageInput {
    fn from(b: &[u8]) -> Self {
        ImageInput(Source::Bytes(Bytes::copy_from_slice(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend_from_slice(&[0u8; 40]);
        v
    }

    #[test]
    fn unfinished_saves_are_recognised_by_their_temporary_names() {
        let dir = Path::new("/out");
        for stem in ["generate-req_1", "video-req_a.b-2"] {
            let tmp = temp_path(&dir.join(format!("{stem}{SAVE_PROBE_SUFFIX}")));
            let name = tmp.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert_eq!(unfinished_save_stem(name), Some(stem), "{name}");
        }
        // A `download_to` temporary file, and names that only look alike.
        let tmp = temp_path(&dir.join("fox.png"));
        let name = tmp.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(unfinished_save_stem(name), None, "{name}");
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

    #[test]
    fn data_uri_matches_plain_encoding() {
        let bytes = png();
        let uri = data_uri(MediaFormat::Png, &bytes);
        let plain = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(uri, format!("data:image/png;base64,{plain}"));
        assert_eq!(
            uri.capacity(),
            uri.len(),
            "exactly one allocation of the right size"
        );
        for n in 0..8 {
            let b = vec![7u8; n];
            let uri = data_uri(MediaFormat::Jpeg, &b);
            assert_eq!(
                uri,
                format!(
                    "data:image/jpeg;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(&b)
                )
            );
        }
    }

    #[test]
    fn inputs_are_checked_without_io() {
        assert!(
            ImageInput::from("https://example.com/a.jpg")
                .check("image")
                .is_ok()
        );
        let http = ImageInput::from("http://example.com/a.jpg")
            .check("image")
            .expect_err("http refused");
        assert_eq!(http.code, Some(ErrorCode::InvalidImageFormat));
        assert!(ImageInput::from(png()).check("image").is_ok());
        let gif = ImageInput::from(b"GIF89a.....".to_vec())
            .check("image")
            .expect_err("gif");
        assert!(gif.message.contains("image/gif"), "{}", gif.message);
        let empty = ImageInput::from(Vec::new())
            .check("image")
            .expect_err("empty");
        assert_eq!(empty.code, Some(ErrorCode::MissingImage));
        let big = vec![0xFFu8; (MAX_IMAGE_BYTES + 1) as usize];
        assert_eq!(
            ImageInput::from(big).check("image").expect_err("big").code,
            Some(ErrorCode::ImageTooLarge)
        );
        let uri = data_uri(MediaFormat::Png, &png());
        assert!(ImageInput::from(uri.as_str()).check("image").is_ok());
        let lying = uri.replace("image/png", "image/jpeg");
        assert!(ImageInput::data_uri(lying).check("image").is_err());
        assert!(
            ImageInput::data_uri("data:text/plain;base64,aGVsbG8=")
                .check("image")
                .is_err()
        );
        assert!(
            ImageInput::data_uri("data:image/png;base64,!!!!!!!!!!!!!!!!")
                .check("image")
                .is_err()
        );
    }

    #[tokio::test]
    async fn files_are_sniffed_not_trusted_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let named_jpg = dir.path().join("really-a-png.jpg");
        std::fs::write(&named_jpg, png()).expect("write");
        let uri = ImageInput::from(named_jpg.as_path())
            .resolve("image")
            .await
            .expect("resolves");
        assert!(uri.starts_with("data:image/png;base64,"));
        let text = dir.path().join("notes.png");
        std::fs::write(&text, b"just text").expect("write");
        let err = ImageInput::from(text.as_path())
            .resolve("image")
            .await
            .expect_err("not an image");
        assert!(
            matches!(err, Error::Validation(v) if v.code == Some(ErrorCode::InvalidImageFormat))
        );
        let missing = ImageInput::path(dir.path().join("nope.png"))
            .resolve("image")
            .await
            .expect_err("missing");
        assert!(matches!(missing, Error::Io { .. }));
    }

    #[test]
    fn url_extension_hint() {
        let m = Media::new(
            "https://cdn.example/a/b/image_0.webp?sig=1".into(),
            MediaKind::Image,
            reqwest::Client::new(),
            RetryPolicy::none(),
            false,
        );
        assert_eq!(m.url_extension(), Some("webp"));
        let m = Media::new(
            "https://cdn.example/a/b/noext".into(),
            MediaKind::Image,
            reqwest::Client::new(),
            RetryPolicy::none(),
            false,
        );
        assert_eq!(m.url_extension(), None);
    }
}
