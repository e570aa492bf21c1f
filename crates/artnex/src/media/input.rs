//! Image inputs: an `https://` URL the server fetches, or a file, bytes or data URI sent inline.

use std::fmt;
use std::io::Read as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::MAX_IMAGE_BYTES;
use super::format::{DataUriWriter, MediaFormat, truncation, truncation_in};
use super::upload::{CheckedFile, ImageText};
use crate::error::{Error, ErrorCode, ValidationError};

/// A source image for edit, image-to-video, upscale and background removal.
///
/// `From<&str>` and `From<String>` read the string as a URL when it has a scheme (`https://…`), as a
/// data URI when it starts with `data:`, and as a file path otherwise. Serialised (in a batch file, say)
/// it is that same string; bytes are serialised as a data URI.
///
/// ```
/// use artnex::media::ImageInput;
/// let url = ImageInput::from("https://example.com/cat.jpg");
/// let file = ImageInput::from("photos/cat.jpg");
/// assert_eq!(serde_json::to_string(&file).unwrap(), r#""photos/cat.jpg""#);
/// # let _ = url;
/// ```
#[derive(Clone, PartialEq)]
pub struct ImageInput(Source);

#[derive(Clone, PartialEq)]
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
            Source::DataUri(s) => write!(
                f,
                "DataUri({}..., {} chars)",
                s.chars().take(30).collect::<String>(),
                s.len()
            ),
        }
    }
}

/// Which image URLs validation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum UrlPolicy {
    /// Public `https://` URLs only: no credentials in the URL, no loopback, private or link-local
    /// address (the server would fetch them from its own network, or fail and still count a request).
    #[default]
    PublicOnly,
    /// Any `https://` URL (for a server on a private network).
    AllowPrivate,
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

    /// The local file, when the input is one.
    ///
    /// ```
    /// use artnex::media::ImageInput;
    /// assert_eq!(ImageInput::from("in/a.png").local_path(), Some(std::path::Path::new("in/a.png")));
    /// assert_eq!(ImageInput::from("https://example.com/a.png").local_path(), None);
    /// ```
    pub fn local_path(&self) -> Option<&Path> {
        match &self.0 {
            Source::Path(p) => Some(p),
            _ => None,
        }
    }

    /// A relative file path resolved against `base` (a batch file's directory, say); other inputs are
    /// returned unchanged.
    ///
    /// ```
    /// use artnex::media::ImageInput;
    /// let input = ImageInput::from("in/a.png").relative_to("/data");
    /// assert_eq!(input.local_path(), Some(std::path::Path::new("/data/in/a.png")));
    /// ```
    pub fn relative_to(self, base: impl AsRef<Path>) -> Self {
        match self.0 {
            Source::Path(p) if p.is_relative() => ImageInput(Source::Path(base.as_ref().join(p))),
            other => ImageInput(other),
        }
    }

    /// The checks that need no I/O: URL scheme and host, data URI shape, in-memory size and format.
    pub(crate) fn check(
        &self,
        field: &'static str,
        urls: UrlPolicy,
    ) -> Result<(), ValidationError> {
        match &self.0 {
            Source::Url(u) => check_url(field, u, urls),
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

    /// What goes into a request body for this input, checked: a URL stays a JSON field; bytes, a file
    /// and a data URI become the image's text, streamed into the body when it is sent (see
    /// [`upload`](super::upload)). A file is opened and checked here, before anything is sent: it must
    /// be a file, at most [`MAX_IMAGE_BYTES`], a JPEG, PNG or WebP by its content, and not truncated;
    /// only the parts that tell are read (the whole image is read when it is sent).
    pub(crate) async fn into_body_image(self, field: &'static str) -> Result<BodyImage, Error> {
        match self.0 {
            Source::Url(_) => Ok(BodyImage::Field(self)),
            // A data URI is sent as it is unless it needs JSON escaping (then serde writes it).
            Source::DataUri(s) if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') => {
                Ok(BodyImage::Text(ImageText::Raw(Bytes::from(s))))
            }
            Source::DataUri(_) => Ok(BodyImage::Field(self)),
            Source::Bytes(bytes) => {
                let format = check_head(field, bytes.len() as u64, &bytes)?;
                Ok(BodyImage::Text(ImageText::Memory { format, bytes }))
            }
            Source::Path(path) => {
                let checked = match tokio::runtime::Handle::try_current() {
                    Ok(rt) => rt
                        .spawn_blocking(move || check_file(field, path))
                        .await
                        .map_err(|e| Error::io(None, std::io::Error::other(e)))??,
                    Err(_) => check_file(field, path)?,
                };
                Ok(BodyImage::Text(ImageText::File(Arc::new(checked))))
            }
        }
    }
}

/// How an image input goes into a request body.
pub(crate) enum BodyImage {
    /// Serialised like any other field (a URL).
    Field(ImageInput),
    /// The text of the JSON string, streamed into the body.
    Text(ImageText),
}

impl Serialize for ImageInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Source::Url(s) | Source::DataUri(s) => serializer.serialize_str(s),
            Source::Path(p) => match p.to_str() {
                Some(s) => serializer.serialize_str(s),
                None => Err(serde::ser::Error::custom(format!(
                    "the image path {} is not valid UTF-8",
                    p.display()
                ))),
            },
            // Written straight into the body: the encoded image is never a string of its own.
            Source::Bytes(b) => match MediaFormat::sniff(b).filter(|f| f.is_accepted_input()) {
                Some(format) => serializer.collect_str(&DataUriWriter { format, bytes: b }),
                None => Err(serde::ser::Error::custom(
                    "the image bytes are not a JPEG, PNG or WebP image",
                )),
            },
        }
    }
}

impl<'de> Deserialize<'de> for ImageInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ImageInput::from)
    }
}

fn too_large(field: &'static str, len: u64) -> ValidationError {
    ValidationError::new(
        field,
        ErrorCode::ImageTooLarge,
        format!("the image is {len} bytes; the limit is {MAX_IMAGE_BYTES} bytes (10 MB)"),
    )
}

/// Whether an address is not on the public internet: loopback, private, link-local (cloud metadata
/// services live at 169.254.169.254), unique-local, unspecified, or an IPv4-mapped form of those.
fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 0
                // 100.64.0.0/10, carrier-grade NAT.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xFE00) == 0xFC00 // fc00::/7 unique local
                || (first & 0xFFC0) == 0xFE80 // fe80::/10 link local
        }
    }
}

fn check_url(field: &'static str, url: &str, policy: UrlPolicy) -> Result<(), ValidationError> {
    let bad = |message: String| ValidationError::new(field, ErrorCode::InvalidImageFormat, message);
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(format!("not a valid URL ({e})")))?;
    if parsed.scheme() != "https" {
        return Err(bad(format!(
            "image URLs must be public https:// URLs (got `{}:`); pass a file path or bytes to send the image inline",
            parsed.scheme()
        )));
    }
    let host = match parsed.host() {
        Some(h) => h,
        None => return Err(bad("the image URL has no host".into())),
    };
    if policy == UrlPolicy::AllowPrivate {
        return Ok(());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "the image URL carries credentials (user:password@): the server would receive them; use a public URL or send the file inline".into(),
        ));
    }
    let private = match host {
        url::Host::Ipv4(v4) => is_non_public(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => is_non_public(IpAddr::V6(v6)),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost") || name.ends_with(".internal")
        }
    };
    if private {
        return Err(bad(format!(
            "{} is not a public host (loopback, private or link-local): the API fetches image URLs from the internet; send the file inline, or allow private URLs on the client builder if your server is on a private network",
            parsed.host_str().unwrap_or_default()
        )));
    }
    Ok(())
}

/// The checks that need only the size and the first bytes: not empty, not over the limit, an accepted
/// format by its content.
fn check_head(field: &'static str, len: u64, head: &[u8]) -> Result<MediaFormat, ValidationError> {
    if len == 0 {
        return Err(ValidationError::new(
            field,
            ErrorCode::MissingImage,
            "the image is empty",
        ));
    }
    if len > MAX_IMAGE_BYTES {
        return Err(too_large(field, len));
    }
    match MediaFormat::sniff(head) {
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

fn truncated(field: &'static str, why: String) -> ValidationError {
    ValidationError::new(
        field,
        ErrorCode::InvalidImageFormat,
        format!("the image is truncated: {why}"),
    )
}

fn check_bytes(field: &'static str, bytes: &[u8]) -> Result<MediaFormat, ValidationError> {
    let format = check_head(field, bytes.len() as u64, bytes)?;
    match truncation(format, bytes) {
        Some(why) => Err(truncated(field, why)),
        None => Ok(format),
    }
}

/// The checks of [`check_bytes`] on a file, reading only its first bytes and the parts that tell whether
/// it is complete. Blocking.
fn check_file(field: &'static str, path: PathBuf) -> Result<CheckedFile, Error> {
    let io = |e| Error::io(path.clone(), e);
    let mut file = std::fs::File::open(&path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ValidationError::new(
            field,
            ErrorCode::MissingImage,
            format!("{} is not a file", path.display()),
        )
        .into());
    }
    let len = meta.len();
    let mut head = [0u8; 16];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    let format = check_head(field, len, &head[..filled])?;
    if let Some(why) = truncation_in(format, &mut file, len).map_err(io)? {
        return Err(truncated(field, why).into());
    }
    Ok(CheckedFile::new(path, format, &head[..filled], &meta))
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
    use crate::media::data_uri;

    /// A real 1x1 PNG.
    fn png() -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 1, 1);
        enc.set_color(png::ColorType::Rgba);
        let mut w = enc.write_header().expect("header");
        w.write_image_data(&[1, 2, 3, 4]).expect("data");
        drop(w);
        out
    }

    #[test]
    fn inputs_are_checked_without_io() {
        let public = UrlPolicy::PublicOnly;
        assert!(
            ImageInput::from("https://example.com/a.jpg")
                .check("image", public)
                .is_ok()
        );
        let http = ImageInput::from("http://example.com/a.jpg")
            .check("image", public)
            .expect_err("http refused");
        assert_eq!(http.code, Some(ErrorCode::InvalidImageFormat));
        assert!(ImageInput::from(png()).check("image", public).is_ok());
        let gif = ImageInput::from(b"GIF89a.....".to_vec())
            .check("image", public)
            .expect_err("gif");
        assert!(gif.message.contains("image/gif"), "{}", gif.message);
        let empty = ImageInput::from(Vec::new())
            .check("image", public)
            .expect_err("empty");
        assert_eq!(empty.code, Some(ErrorCode::MissingImage));
        let big = vec![0xFFu8; (MAX_IMAGE_BYTES + 1) as usize];
        assert_eq!(
            ImageInput::from(big)
                .check("image", public)
                .expect_err("big")
                .code,
            Some(ErrorCode::ImageTooLarge)
        );
        let uri = data_uri(MediaFormat::Png, &png());
        assert!(
            ImageInput::from(uri.as_str())
                .check("image", public)
                .is_ok()
        );
        let lying = uri.replace("image/png", "image/jpeg");
        assert!(ImageInput::data_uri(lying).check("image", public).is_err());
        assert!(
            ImageInput::data_uri("data:text/plain;base64,aGVsbG8=")
                .check("image", public)
                .is_err()
        );
        assert!(
            ImageInput::data_uri("data:image/png;base64,!!!!!!!!!!!!!!!!")
                .check("image", public)
                .is_err()
        );
    }

    #[test]
    fn private_and_credentialed_urls_are_refused_unless_allowed() {
        for url in [
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.7/a.png",
            "https://192.168.1.2/a.png",
            "https://172.20.0.1/a.png",
            "https://127.0.0.1/a.png",
            "https://[::1]/a.png",
            "https://[fe80::1]/a.png",
            "https://[fd00::1]/a.png",
            "https://[::ffff:10.0.0.1]/a.png",
            "https://localhost/a.png",
            "https://metadata.google.internal/x",
            "https://user:pass@example.com/a.png",
        ] {
            let input = ImageInput::from(url);
            assert!(
                input.check("image", UrlPolicy::PublicOnly).is_err(),
                "{url} must be refused"
            );
            assert!(
                input.check("image", UrlPolicy::AllowPrivate).is_ok(),
                "{url} is allowed with the opt-out"
            );
        }
        for url in ["https://8.8.8.8/a.png", "https://cdn.example.com/a.png"] {
            assert!(
                ImageInput::from(url)
                    .check("image", UrlPolicy::PublicOnly)
                    .is_ok(),
                "{url}"
            );
        }
    }

    #[test]
    fn truncated_images_are_refused() {
        let whole = png();
        let cut = whole[..whole.len() - 10].to_vec();
        let e = ImageInput::from(cut)
            .check("image", UrlPolicy::PublicOnly)
            .expect_err("truncated png");
        assert!(e.message.contains("truncated"), "{}", e.message);
        let jpeg_without_end = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];
        assert!(
            ImageInput::from(jpeg_without_end.clone())
                .check("image", UrlPolicy::PublicOnly)
                .is_err()
        );
        let mut jpeg = jpeg_without_end;
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        assert!(
            ImageInput::from(jpeg)
                .check("image", UrlPolicy::PublicOnly)
                .is_ok()
        );
        let mut webp = b"RIFF\x64\0\0\0WEBPVP8 ".to_vec();
        webp.extend_from_slice(&[0u8; 20]);
        assert!(
            ImageInput::from(webp)
                .check("image", UrlPolicy::PublicOnly)
                .is_err(),
            "declares 108 bytes, has 36"
        );
    }

    #[tokio::test]
    async fn files_are_sniffed_not_trusted_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let named_jpg = dir.path().join("really-a-png.jpg");
        std::fs::write(&named_jpg, png()).expect("write");
        let image = ImageInput::from(named_jpg.as_path())
            .into_body_image("image")
            .await
            .expect("checked");
        assert_eq!(
            text_of(image).await,
            data_uri(MediaFormat::Png, &png()).into_bytes()
        );
        let text = dir.path().join("notes.png");
        std::fs::write(&text, b"just text").expect("write");
        let err = body_image_err(ImageInput::from(text.as_path())).await;
        assert!(
            matches!(err, Error::Validation(v) if v.code == Some(ErrorCode::InvalidImageFormat))
        );
        let missing = body_image_err(ImageInput::path(dir.path().join("nope.png"))).await;
        assert!(matches!(missing, Error::Io { .. }));
    }

    async fn body_image_err(input: ImageInput) -> Error {
        match input.into_body_image("image").await {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        }
    }

    /// The text an input puts between the quotes of its JSON string.
    async fn text_of(image: BodyImage) -> Vec<u8> {
        use http_body_util::BodyExt as _;
        let text = match image {
            BodyImage::Text(t) => t,
            BodyImage::Field(f) => panic!("not streamed: {f:?}"),
        };
        let (mut body, _) =
            crate::media::upload::UploadBody::new(Bytes::new(), &text, Bytes::new());
        let mut out = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                out.extend_from_slice(&data);
            }
        }
        out
    }

    #[tokio::test]
    async fn files_are_checked_before_sending_like_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let whole = png();
        let cases: Vec<(&str, Vec<u8>, ErrorCode)> = vec![
            ("empty", Vec::new(), ErrorCode::MissingImage),
            (
                "cut",
                whole[..whole.len() - 10].to_vec(),
                ErrorCode::InvalidImageFormat,
            ),
            (
                "gif",
                b"GIF89a.....".to_vec(),
                ErrorCode::InvalidImageFormat,
            ),
        ];
        for (name, bytes, code) in cases {
            let path = dir.path().join(format!("{name}.png"));
            std::fs::write(&path, &bytes).expect("write");
            let from_file = body_image_err(ImageInput::from(path.as_path())).await;
            let from_bytes = ImageInput::from(bytes)
                .check("image", UrlPolicy::PublicOnly)
                .expect_err(name);
            match from_file {
                Error::Validation(v) => {
                    assert_eq!(v.code, Some(code), "{name}");
                    assert_eq!(v.message, from_bytes.message, "{name}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        let big = dir.path().join("big.png");
        let file = std::fs::File::create(&big).expect("create");
        file.set_len(MAX_IMAGE_BYTES + 1).expect("size");
        let err = body_image_err(ImageInput::from(big.as_path())).await;
        assert!(matches!(err, Error::Validation(v) if v.code == Some(ErrorCode::ImageTooLarge)));
        let err = body_image_err(ImageInput::from(dir.path())).await;
        assert!(matches!(err, Error::Validation(v) if v.code == Some(ErrorCode::MissingImage)));
    }

    #[tokio::test]
    async fn data_uris_go_out_as_they_are_and_urls_stay_fields() {
        let uri = data_uri(MediaFormat::Png, &png());
        let image = ImageInput::data_uri(uri.clone())
            .into_body_image("image")
            .await
            .expect("ok");
        assert_eq!(text_of(image).await, uri.into_bytes());
        let bytes = ImageInput::from(png())
            .into_body_image("image")
            .await
            .expect("ok");
        assert_eq!(
            text_of(bytes).await,
            data_uri(MediaFormat::Png, &png()).into_bytes()
        );
        assert!(matches!(
            ImageInput::url("https://example.com/a.png")
                .into_body_image("image")
                .await,
            Ok(BodyImage::Field(_))
        ));
        // Needs escaping: serialised by serde instead.
        assert!(matches!(
            ImageInput::data_uri("data:image/png;base64,iVBO\"x")
                .into_body_image("image")
                .await,
            Ok(BodyImage::Field(_))
        ));
    }

    #[test]
    fn serde_round_trips_the_users_string() {
        for s in [
            "https://example.com/a.png",
            "in/a.png",
            "data:image/png;base64,iVBORw0KGgo=",
        ] {
            let input: ImageInput = serde_json::from_str(&format!("\"{s}\"")).expect("parses");
            assert_eq!(
                serde_json::to_string(&input).expect("json"),
                format!("\"{s}\"")
            );
        }
    }
}
