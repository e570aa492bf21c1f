//! File formats recognised from their first bytes, and data URIs.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

use base64::Engine as _;

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

/// `data:<mime>;base64,<data>` written piece by piece to a formatter (for example straight into a JSON
/// body by `serde_json`), so that the encoded image is never held as a string of its own.
pub(crate) struct DataUriWriter<'a> {
    pub(crate) format: MediaFormat,
    pub(crate) bytes: &'a [u8],
}

impl fmt::Display for DataUriWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 3 KiB of input per step: 4 KiB of base64 on the stack, never a heap copy of the image.
        const STEP: usize = 3 * 1024;
        let engine = &base64::engine::general_purpose::STANDARD;
        write!(f, "data:{};base64,", self.format.mime())?;
        let mut out = [0u8; STEP / 3 * 4];
        for chunk in self.bytes.chunks(STEP) {
            let n = engine
                .encode_slice(chunk, &mut out)
                .map_err(|_| fmt::Error)?;
            // Base64 is ASCII.
            f.write_str(std::str::from_utf8(&out[..n]).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

/// Why an image's bytes are not a whole file of their format: the header or a chunk promises more data
/// than there is, or the end marker is missing (a truncated download or copy). `None` when complete.
pub(crate) fn truncation(format: MediaFormat, bytes: &[u8]) -> Option<String> {
    // Reading a slice cannot fail.
    truncation_in(format, &mut std::io::Cursor::new(bytes), bytes.len() as u64)
        .unwrap_or_else(|e| Some(e.to_string()))
}

/// [`truncation`] of an image of `len` bytes read through `r` (a file, say): only the parts that tell
/// are read (the PNG chunk headers, the JPEG's last 64 bytes, the WebP header), never the whole image.
pub(crate) fn truncation_in<R: Read + Seek>(
    format: MediaFormat,
    r: &mut R,
    len: u64,
) -> io::Result<Option<String>> {
    match format {
        MediaFormat::Png => png_truncation(r, len),
        MediaFormat::Jpeg => {
            let start = len.saturating_sub(64);
            let mut tail = Vec::with_capacity((len - start) as usize);
            r.seek(SeekFrom::Start(start))?;
            r.take(len - start).read_to_end(&mut tail)?;
            // The end-of-image marker closes every complete JPEG (some writers pad after it).
            let complete = tail.windows(2).any(|w| w == [0xFF, 0xD9]);
            Ok((!complete).then(|| "the JPEG has no end-of-image marker".to_string()))
        }
        MediaFormat::Webp => {
            let mut size = [0u8; 4];
            r.seek(SeekFrom::Start(4))?;
            if r.read_exact(&mut size).is_err() {
                return Ok(None);
            }
            let declared = u64::from(u32::from_le_bytes(size)) + 8;
            Ok((declared > len).then(|| {
                format!("the WebP header declares {declared} bytes but the file has {len}")
            }))
        }
        _ => Ok(None),
    }
}

fn png_truncation<R: Read + Seek>(r: &mut R, len: u64) -> io::Result<Option<String>> {
    let mut at = 8u64;
    loop {
        let mut header = [0u8; 8];
        if at.saturating_add(8) > len {
            return Ok(Some("the PNG ends before its IEND chunk".into()));
        }
        r.seek(SeekFrom::Start(at))?;
        r.read_exact(&mut header)?;
        let chunk = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        let end = at.saturating_add(12).saturating_add(chunk);
        if end > len {
            return Ok(Some(format!(
                "a PNG chunk declares {chunk} bytes but the file ends {} bytes early",
                end - len
            )));
        }
        if &header[4..8] == b"IEND" {
            return Ok(None);
        }
        at = end;
    }
}
