//! Input images: HTTPS URLs (accepted, never fetched) and base64 data URIs (decoded and checked).
//!
//! Every data URI is first checked from its header (PNG IHDR, JPEG markers, WebP RIFF chunks) for the
//! dimensions. When the image has at most [`MAX_DECODE_PIXELS`] pixels its pixels are decoded too (`png`,
//! `jpeg-decoder`, `image-webp`) into a small thumbnail, so derived outputs follow the input's content; a
//! decode failure is a corrupt image (400 `invalid_image_format`). Larger images are checked from their
//! headers only (no thumbnail).

use std::io::Cursor;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::choices::{MAX_DECODE_PIXELS, MAX_SIDE as MAX_INPUT_SIDE, MAX_URL_LEN};
use crate::facts::MAX_IMAGE_BYTES;

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
    /// A thumbnail when the pixels were decoded (any format, at most [`MAX_DECODE_PIXELS`] pixels).
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
        let thumb = if decodable(width, height) {
            guarded("JPEG", || jpeg_thumb(bytes, width, height))?
        } else {
            None
        };
        return Ok(Decoded {
            format: Format::Jpeg,
            width,
            height,
            thumb,
            digest,
        });
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        let (width, height) = webp_size(bytes)?;
        let thumb = if decodable(width, height) {
            guarded("WebP", || webp_thumb(bytes, width, height))?
        } else {
            None
        };
        return Ok(Decoded {
            format: Format::Webp,
            width,
            height,
            thumb,
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
    let thumb = thumbnail(width, height, |x, y| {
        let i = y as usize * stride + x as usize * channels;
        let px = buf.get(i..i + channels)?;
        Some(match channels {
            1 => [px[0], px[0], px[0], 255],
            2 => [px[0], px[0], px[0], px[1]],
            3 => [px[0], px[1], px[2], 255],
            _ => [px[0], px[1], px[2], px[3]],
        })
    });
    Ok((width, height, Some(thumb)))
}

/// Whether an image is small enough to decode its pixels.
fn decodable(width: u32, height: u32) -> bool {
    u64::from(width) * u64::from(height) <= MAX_DECODE_PIXELS
}

/// Runs a third-party decoder, turning a panic inside it (a decoder bug on hostile data) into the
/// corrupt-image error instead of a failed request.
fn guarded<T>(what: &str, decode: impl FnOnce() -> Result<T, InputError>) -> Result<T, InputError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
        .unwrap_or_else(|_| Err(corrupt(what)))
}

/// A nearest-neighbour thumbnail (at most [`THUMB`] px per side) of a `width` x `height` image whose RGBA
/// pixel at (x, y) is `pixel(x, y)` (mid-grey where that is `None`).
fn thumbnail(width: u32, height: u32, pixel: impl Fn(u32, u32) -> Option<[u8; 4]>) -> Thumb {
    let tw = width.clamp(1, THUMB);
    let th = height.clamp(1, THUMB);
    let mut rgba = Vec::with_capacity((tw * th * 4) as usize);
    for ty in 0..th {
        let y = (u64::from(ty) * u64::from(height) / u64::from(th)) as u32;
        for tx in 0..tw {
            let x = (u64::from(tx) * u64::from(width) / u64::from(tw)) as u32;
            rgba.extend_from_slice(&pixel(x, y).unwrap_or([128, 128, 128, 255]));
        }
    }
    Thumb {
        width: tw,
        height: th,
        rgba,
    }
}

/// Decodes a JPEG (already checked to be `width` x `height`, at most [`MAX_DECODE_PIXELS`]) into a
/// thumbnail. The decoder's DCT scaling decodes at the smallest scale (down to 1/8) that still covers the
/// thumbnail, so the work stays small. Anything that fails to decode, including JPEG features the decoder
/// lacks (arithmetic coding, for one), is refused: the documented `invalid_image_format` covers "not
/// supported or corrupt".
fn jpeg_thumb(bytes: &[u8], width: u32, height: u32) -> Result<Option<Thumb>, InputError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(64 * 1024 * 1024);
    decoder.read_info().map_err(|_| corrupt("JPEG"))?;
    let (Ok(w16), Ok(h16)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(corrupt("JPEG"));
    };
    let (sw, sh) = decoder
        .scale(w16.min(THUMB as u16), h16.min(THUMB as u16))
        .map_err(|_| corrupt("JPEG"))?;
    let info = decoder.info().ok_or_else(|| corrupt("JPEG"))?;
    let pixels = decoder.decode().map_err(|_| corrupt("JPEG"))?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let channels = info.pixel_format.pixel_bytes();
    if sw == 0 || sh == 0 || pixels.len() < sw as usize * sh as usize * channels {
        return Err(corrupt("JPEG"));
    }
    Ok(Some(thumbnail(sw, sh, |x, y| {
        let i = (y as usize * sw as usize + x as usize) * channels;
        let px = pixels.get(i..i + channels)?;
        Some(match info.pixel_format {
            jpeg_decoder::PixelFormat::L8 => [px[0], px[0], px[0], 255],
            // 16-bit luminance: the high byte is enough for a thumbnail.
            jpeg_decoder::PixelFormat::L16 => [px[0], px[0], px[0], 255],
            jpeg_decoder::PixelFormat::RGB24 => [px[0], px[1], px[2], 255],
            // Adobe CMYK as stored (inverted): R = C x K.
            jpeg_decoder::PixelFormat::CMYK32 => {
                let k = u16::from(px[3]);
                let ch = |c: u8| (u16::from(c) * k / 255) as u8;
                [ch(px[0]), ch(px[1]), ch(px[2]), 255]
            }
        })
    })))
}

/// Decodes a WebP (already checked to be `width` x `height`, at most [`MAX_DECODE_PIXELS`]) into a
/// thumbnail; an animation keeps no thumbnail (checked from its headers only).
fn webp_thumb(bytes: &[u8], width: u32, height: u32) -> Result<Option<Thumb>, InputError> {
    let mut decoder =
        image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(|_| corrupt("WebP"))?;
    if decoder.is_animated() {
        return Ok(None);
    }
    decoder.set_memory_limit(64 * 1024 * 1024);
    if decoder.dimensions() != (width, height) {
        return Err(corrupt("WebP"));
    }
    let channels = if decoder.has_alpha() { 4 } else { 3 };
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| corrupt("WebP"))?;
    let mut buf = vec![0u8; size];
    decoder.read_image(&mut buf).map_err(|_| corrupt("WebP"))?;
    Ok(Some(thumbnail(width, height, |x, y| {
        let i = (y as usize * width as usize + x as usize) * channels;
        let px = buf.get(i..i + channels)?;
        Some(if channels == 4 {
            [px[0], px[1], px[2], px[3]]
        } else {
            [px[0], px[1], px[2], 255]
        })
    })))
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
        // SOI, APP0 (len 4 + 2 bytes), SOF0 with 600x400, then EOI: the header gives the size...
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01,
            0x90, 0x02, 0x58, 0x03, 0x01, 0x22, 0x00, 0xFF, 0xD9,
        ];
        assert_eq!(jpeg_size(&jpeg), Ok((600, 400)));
        // ... but with no tables and no scan it does not decode: small enough to decode, so refused.
        assert!(matches!(decode_bytes(&jpeg), Err(InputError::Format(_))));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0".to_vec();
        let bits: u32 = (99) | (49 << 14);
        webp.push(0x2F);
        webp.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(webp_size(&webp), Ok((100, 50)));
        assert!(matches!(decode_bytes(&webp), Err(InputError::Format(_))));
    }

    fn solid_jpeg(w: u16, h: u16, rgb: [u8; 3]) -> Vec<u8> {
        let mut out = Vec::new();
        let data: Vec<u8> = (0..u32::from(w) * u32::from(h)).flat_map(|_| rgb).collect();
        jpeg_encoder::Encoder::new(&mut out, 90)
            .encode(&data, w, h, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    fn solid_webp(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
        let mut out = Vec::new();
        let data: Vec<u8> = (0..w * h).flat_map(|_| rgba).collect();
        image_webp::WebPEncoder::new(&mut out)
            .encode(&data, w, h, image_webp::ColorType::Rgba8)
            .unwrap();
        out
    }

    #[test]
    fn jpeg_pixels_decode_into_the_thumbnail() {
        let d = decode_bytes(&solid_jpeg(300, 200, [250, 10, 10])).unwrap();
        assert_eq!((d.width, d.height, d.format), (300, 200, Format::Jpeg));
        let t = d.thumb.unwrap();
        assert!(t.width <= THUMB && t.height <= THUMB && t.width > 0);
        assert_eq!(t.rgba.len(), (t.width * t.height * 4) as usize);
        let p = t.sample(0.5, 0.5);
        assert!(p[0] > 200 && p[1] < 60 && p[2] < 60, "{p:?}");
        // Grey input stays grey (not a fixed colour).
        let t = decode_bytes(&solid_jpeg(8, 8, [90, 90, 90]))
            .unwrap()
            .thumb
            .unwrap();
        let p = t.sample(0.5, 0.5);
        assert!(p[0].abs_diff(90) < 10 && p[2].abs_diff(90) < 10, "{p:?}");
    }

    #[test]
    fn webp_pixels_decode_into_the_thumbnail() {
        let d = decode_bytes(&solid_webp(64, 48, [10, 20, 240, 128])).unwrap();
        assert_eq!((d.width, d.height, d.format), (64, 48, Format::Webp));
        let t = d.thumb.unwrap();
        assert_eq!((t.width, t.height), (32, 32));
        assert_eq!(t.sample(0.3, 0.7), [10, 20, 240, 128]);
    }

    /// A JPEG whose header is fine but whose data is not: refused, never a panic.
    fn corrupt_jpegs() -> Vec<Vec<u8>> {
        let good = solid_jpeg(64, 64, [200, 30, 30]);
        let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        // Every Huffman table removed.
        let mut no_dht = Vec::new();
        let mut i = 0;
        while i < good.len() {
            if i + 3 < good.len() && good[i] == 0xFF && good[i + 1] == 0xC4 {
                i += 2 + usize::from(u16::from_be_bytes([good[i + 2], good[i + 3]]));
            } else {
                no_dht.push(good[i]);
                i += 1;
            }
        }
        // The scan data replaced by garbage markers.
        let mut garbage = good[..sos + 14].to_vec();
        garbage.extend(std::iter::repeat_n([0xFF, 0xC7], 64).flatten());
        vec![no_dht, garbage]
    }

    #[test]
    fn corrupt_jpeg_data_is_refused() {
        for (i, bytes) in corrupt_jpegs().into_iter().enumerate() {
            let header = jpeg_size(&bytes);
            assert_eq!(header, Ok((64, 64)), "case {i}: the header still parses");
            let r = decode_bytes(&bytes).map(|d| d.thumb.is_some());
            assert!(matches!(r, Err(InputError::Format(_))), "case {i}: {r:?}");
        }
    }

    #[test]
    fn huge_images_are_checked_from_their_headers_only() {
        // SOF0 with 4000x4000 (16 Mpx, over the decode cap) and nothing decodable after it: accepted
        // from the header, no thumbnail.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x0F, 0xA0, 0x0F, 0xA0, 0x03, 0x01, 0x22,
            0x00, 0xFF, 0xD9,
        ];
        let d = decode_bytes(&jpeg).unwrap();
        assert_eq!((d.width, d.height, d.thumb), (4000, 4000, None));
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
