//! Input images: HTTPS URLs (accepted, never fetched) and base64 data URIs (decoded and checked).
//!
//! PNG inputs are decoded with the `png` crate (when not huge) so derived outputs can follow their content;
//! JPEG and WebP inputs are checked by parsing their headers (markers / RIFF chunks) for the dimensions.

use std::io::Cursor;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The documented input limit: 10 MB before encoding (taken as 10 MiB).
pub(crate) const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Longest HTTPS URL accepted.
const MAX_URL_LEN: usize = 8 * 1024;
/// Longest side of an input image the simulator accepts (its own limit; outputs follow the input's size).
pub(crate) const MAX_INPUT_SIDE: u32 = 16384;
/// PNGs with more pixels than this are checked from their header only (no full decode).
const MAX_DECODE_PIXELS: u64 = 4 * 1024 * 1024;
/// Thumbnail side kept from a decoded input.
const THUMB: u32 = 32;

/// A small RGBA picture of an input image, kept to derive outputs from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Thumb {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Thumb {
    /// The RGBA pixel nearest to the relative position (fx, fy) in [0, 1).
    pub fn sample(&self, fx: f32, fy: f32) -> [u8; 4] {
        let x = ((fx * self.width as f32) as u32).min(self.width.saturating_sub(1));
        let y = ((fy * self.height as f32) as u32).min(self.height.saturating_sub(1));
        let i = ((y * self.width + x) * 4) as usize;
        match self.rgba.get(i..i + 4) {
            Some(p) => [p[0], p[1], p[2], p[3]],
            None => [128, 128, 128, 255],
        }
    }
}

/// Supported input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Png,
    Jpeg,
    Webp,
}

/// A decoded data-URI image.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    #[allow(dead_code)]
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// A thumbnail when the pixels could be decoded (PNG).
    pub thumb: Option<Thumb>,
    /// A hash of the bytes (seeds derived outputs when there is no thumbnail).
    pub digest: u64,
}

/// An accepted input image.
#[derive(Debug, Clone)]
pub(crate) enum ImageInput {
    /// An HTTPS URL: accepted as if valid (the simulator never fetches anything).
    Url(String),
    /// A base64 data URI that decoded to a supported image.
    Data(Decoded),
}

impl ImageInput {
    /// The image's size, or `fallback` for a URL (whose content is unknown).
    pub fn size_or(&self, fallback: (u32, u32)) -> (u32, u32) {
        match self {
            ImageInput::Url(_) => fallback,
            ImageInput::Data(d) => (d.width, d.height),
        }
    }

    /// A seed describing the input (for derived outputs).
    pub fn digest(&self) -> u64 {
        match self {
            ImageInput::Url(u) => crate::ids::mix(u, 7),
            ImageInput::Data(d) => d.digest,
        }
    }

    pub fn thumb(&self) -> Option<Thumb> {
        match self {
            ImageInput::Url(_) => None,
            ImageInput::Data(d) => d.thumb.clone(),
        }
    }
}

/// Why an input image was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InputError {
    /// Absent or empty.
    Missing,
    /// Not a supported image (the message says why).
    Format(String),
    /// Larger than [`MAX_IMAGE_BYTES`] once decoded.
    TooLarge(usize),
}

fn engine() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

/// Parses an `image` field.
pub(crate) fn parse(value: &str) -> Result<ImageInput, InputError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(InputError::Missing);
    }
    let lower_prefix: String = value
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_prefix.starts_with("https://") {
        if value.len() > MAX_URL_LEN || value.len() <= "https://".len() {
            return Err(InputError::Format(
                "The image URL is not a valid HTTPS URL.".into(),
            ));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InputError::Format(
                "The image URL contains whitespace.".into(),
            ));
        }
        return Ok(ImageInput::Url(value.to_string()));
    }
    if lower_prefix.starts_with("http://") {
        return Err(InputError::Format(
            "Image URLs must use HTTPS; http:// URLs are not accepted.".into(),
        ));
    }
    if !lower_prefix.starts_with("data:") {
        return Err(InputError::Format(
            "The image must be an HTTPS URL or a base64 data URI (data:image/png;base64,...)."
                .into(),
        ));
    }
    let Some((header, payload)) = value.split_once(',') else {
        return Err(InputError::Format(
            "The data URI has no ',' before its data.".into(),
        ));
    };
    let mut params = header["data:".len()..].split(';');
    let mime = params
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let base64 = params.any(|p| p.trim().eq_ignore_ascii_case("base64"));
    if !base64 {
        return Err(InputError::Format(
            "The data URI must be base64-encoded (;base64,).".into(),
        ));
    }
    if !matches!(
        mime.as_str(),
        "image/png" | "image/jpeg" | "image/jpg" | "image/pjpeg" | "image/webp"
    ) {
        return Err(InputError::Format(format!(
            "Unsupported image type {mime:?}: use JPEG, PNG or WebP."
        )));
    }
    // Cheap size check before decoding anything (whitespace, rare, is searched with the fast memchr).
    let raw = payload.as_bytes();
    let has_space = [b' ', b'\n', b'\r', b'\t', 0x0C]
        .iter()
        .any(|c| raw.contains(c));
    let significant = if has_space {
        raw.iter().filter(|b| !b.is_ascii_whitespace()).count()
    } else {
        raw.len()
    };
    let estimate = significant / 4 * 3;
    if estimate > MAX_IMAGE_BYTES + 3 {
        return Err(InputError::TooLarge(estimate));
    }
    let cleaned: Vec<u8>;
    let text: &[u8] = if significant == payload.len() {
        payload.as_bytes()
    } else {
        cleaned = payload
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        &cleaned
    };
    let bytes = engine()
        .decode(text)
        .map_err(|e| InputError::Format(format!("The image data is not valid base64 ({e}).")))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(InputError::TooLarge(bytes.len()));
    }
    let decoded = decode_bytes(&bytes)?;
    if decoded.width > MAX_INPUT_SIDE || decoded.height > MAX_INPUT_SIDE {
        return Err(InputError::Format(format!(
            "The image is {}x{} pixels; at most {MAX_INPUT_SIDE} pixels per side are supported.",
            decoded.width, decoded.height
        )));
    }
    Ok(ImageInput::Data(decoded))
}

/// Sniffs and checks image bytes.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Result<Decoded, InputError> {
    let digest = digest(bytes);
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let (width, height, thumb) = png_info(bytes)?;
        return Ok(Decoded {
            format: Format::Png,
            width,
            height,
            thumb,
            digest,
        });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (width, height) = jpeg_size(bytes)?;
        return Ok(Decoded {
            format: Format::Jpeg,
            width,
            height,
            thumb: None,
            digest,
        });
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        let (width, height) = webp_size(bytes)?;
        return Ok(Decoded {
            format: Format::Webp,
            width,
            height,
            thumb: None,
            digest,
        });
    }
    Err(InputError::Format(
        "The data is not a JPEG, PNG or WebP image.".into(),
    ))
}

fn digest(bytes: &[u8]) -> u64 {
    // Sample at most ~64 KiB so huge inputs stay cheap.
    let step = (bytes.len() / 65536).max(1);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    for b in bytes.iter().step_by(step) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn corrupt(what: &str) -> InputError {
    InputError::Format(format!("The {what} image is corrupt or truncated."))
}

fn png_info(bytes: &[u8]) -> Result<(u32, u32, Option<Thumb>), InputError> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: 64 * 1024 * 1024,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| corrupt("PNG"))?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    if width == 0 || height == 0 {
        return Err(corrupt("PNG"));
    }
    if u64::from(width) * u64::from(height) > MAX_DECODE_PIXELS {
        return Ok((width, height, None));
    }
    let (color, _) = reader.output_color_type();
    let Some(size) = reader.output_buffer_size() else {
        return Err(corrupt("PNG"));
    };
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(|_| corrupt("PNG"))?;
    let channels = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Ok((width, height, None)),
    };
    let stride = frame.line_size;
    let tw = width.min(THUMB);
    let th = height.min(THUMB);
    let mut rgba = Vec::with_capacity((tw * th * 4) as usize);
    for ty in 0..th {
        let y = (u64::from(ty) * u64::from(height) / u64::from(th)) as usize;
        for tx in 0..tw {
            let x = (u64::from(tx) * u64::from(width) / u64::from(tw)) as usize;
            let i = y * stride + x * channels;
            let px = buf
                .get(i..i + channels)
                .unwrap_or(&[0, 0, 0, 0][..channels]);
            let p = match channels {
                1 => [px[0], px[0], px[0], 255],
                2 => [px[0], px[0], px[0], px[1]],
                3 => [px[0], px[1], px[2], 255],
                _ => [px[0], px[1], px[2], px[3]],
            };
            rgba.extend_from_slice(&p);
        }
    }
    Ok((
        width,
        height,
        Some(Thumb {
            width: tw,
            height: th,
            rgba,
        }),
    ))
}

fn jpeg_size(b: &[u8]) -> Result<(u32, u32), InputError> {
    let mut i = 2;
    loop {
        // Find the next marker (0xFF followed by a non-0xFF byte).
        while i < b.len() && b[i] != 0xFF {
            i += 1;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return Err(corrupt("JPEG"));
        };
        i += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => continue,
            0xD9 | 0xDA => return Err(corrupt("JPEG")),
            _ => {}
        }
        let len = match b.get(i..i + 2) {
            Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => return Err(corrupt("JPEG")),
        };
        if len < 2 || i + len > b.len() {
            return Err(corrupt("JPEG"));
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let seg = &b[i + 2..i + len];
            if seg.len() < 5 {
                return Err(corrupt("JPEG"));
            }
            let height = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
            let width = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
            if width == 0 || height == 0 {
                return Err(corrupt("JPEG"));
            }
            return Ok((width, height));
        }
        i += len;
    }
}

fn webp_size(b: &[u8]) -> Result<(u32, u32), InputError> {
    let chunk = b.get(12..16).ok_or_else(|| corrupt("WebP"))?;
    let data = &b[20.min(b.len())..];
    let size = match chunk {
        b"VP8 " => {
            let d = data.get(0..10).ok_or_else(|| corrupt("WebP"))?;
            if d[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(corrupt("WebP"));
            }
            let w = u32::from(u16::from_le_bytes([d[6], d[7]]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([d[8], d[9]]) & 0x3FFF);
            (w, h)
        }
        b"VP8L" => {
            let d = data.get(0..5).ok_or_else(|| corrupt("WebP"))?;
            if d[0] != 0x2F {
                return Err(corrupt("WebP"));
            }
            let bits = u32::from_le_bytes([d[1], d[2], d[3], d[4]]);
            ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        }
        b"VP8X" => {
            let d = data.get(0..10).ok_or_else(|| corrupt("WebP"))?;
            let w = u32::from_le_bytes([d[4], d[5], d[6], 0]) + 1;
            let h = u32::from_le_bytes([d[7], d[8], d[9], 0]) + 1;
            (w, h)
        }
        _ => return Err(corrupt("WebP")),
    };
    if size.0 == 0 || size.1 == 0 {
        return Err(corrupt("WebP"));
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        wr.write_image_data(&data).unwrap();
        wr.finish().unwrap();
        out
    }

    fn data_uri(mime: &str, bytes: &[u8]) -> String {
        format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn urls_are_accepted_without_fetching() {
        assert!(matches!(
            parse("https://example.com/a.jpg"),
            Ok(ImageInput::Url(_))
        ));
        assert!(matches!(
            parse("http://example.com/a.jpg"),
            Err(InputError::Format(_))
        ));
        assert_eq!(parse("   ").unwrap_err(), InputError::Missing);
        assert!(matches!(parse("hello"), Err(InputError::Format(_))));
    }

    #[test]
    fn png_data_uris_decode() {
        let uri = data_uri("image/png", &tiny_png(40, 30));
        let ImageInput::Data(d) = parse(&uri).unwrap() else {
            panic!("expected data")
        };
        assert_eq!((d.width, d.height, d.format), (40, 30, Format::Png));
        let t = d.thumb.unwrap();
        assert_eq!((t.width, t.height, t.rgba.len()), (32, 30, 32 * 30 * 4));
    }

    #[test]
    fn bad_data_is_refused() {
        assert!(matches!(
            parse("data:image/png;base64,!!!!"),
            Err(InputError::Format(_))
        ));
        assert!(matches!(
            parse(&data_uri("image/png", b"not an image at all")),
            Err(InputError::Format(_))
        ));
        assert!(matches!(
            parse(&data_uri("text/plain", b"x")),
            Err(InputError::Format(_))
        ));
        let mut png = tiny_png(8, 8);
        png.truncate(40);
        assert!(matches!(
            parse(&data_uri("image/png", &png)),
            Err(InputError::Format(_))
        ));
    }

    #[test]
    fn jpeg_and_webp_headers() {
        // SOI, APP0 (len 4 + 2 bytes), SOF0 with 600x400.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01,
            0x90, 0x02, 0x58, 0x03, 0x01, 0x22, 0x00, 0xFF, 0xD9,
        ];
        let d = decode_bytes(&jpeg).unwrap();
        assert_eq!((d.width, d.height), (600, 400));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0".to_vec();
        let bits: u32 = (99) | (49 << 14);
        webp.push(0x2F);
        webp.extend_from_slice(&bits.to_le_bytes());
        let d = decode_bytes(&webp).unwrap();
        assert_eq!((d.width, d.height), (100, 50));
    }

    #[test]
    fn oversized_payloads_are_too_large() {
        let big = "A".repeat((MAX_IMAGE_BYTES / 3 + 10) * 4);
        assert!(matches!(
            parse(&format!("data:image/png;base64,{big}")),
            Err(InputError::TooLarge(_))
        ));
    }
}
