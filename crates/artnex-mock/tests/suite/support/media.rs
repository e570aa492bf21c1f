//! Decoding and checking media in tests.

use std::io::Cursor;

/// A decoded PNG.
pub struct Png {
    pub width: u32,
    pub height: u32,
    pub color: png::ColorType,
    /// Pixels normalised to 8-bit channels, `channels` per pixel.
    pub pixels: Vec<u8>,
    pub channels: usize,
}

impl Png {
    pub fn pixel(&self, x: u32, y: u32) -> &[u8] {
        let i = (y as usize * self.width as usize + x as usize) * self.channels;
        &self.pixels[i..i + self.channels]
    }
}

/// Decodes a PNG fully (so a truncated or corrupt file fails).
pub fn decode_png(bytes: &[u8]) -> Png {
    let mut dec = png::Decoder::new(Cursor::new(bytes));
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => 1,
    };
    Png {
        width: info.width,
        height: info.height,
        color: info.color_type,
        pixels: buf,
        channels,
    }
}

/// Encodes a solid-colour RGB PNG.
pub fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().expect("header");
    let data: Vec<u8> = (0..width * height).flat_map(|_| rgb).collect();
    w.write_image_data(&data).expect("data");
    w.finish().expect("finish");
    out
}

/// A small PNG padded with a private ancillary chunk (`prVt`) to exactly `bytes` bytes: a valid image
/// file of that size that decodes quickly.
pub fn padded_png(width: u32, height: u32, bytes: usize) -> Vec<u8> {
    let encode = |padding: Option<usize>| {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("header");
        if let Some(n) = padding {
            w.write_chunk(png::chunk::ChunkType(*b"prVt"), &vec![0x5Au8; n])
                .expect("chunk");
        }
        let data: Vec<u8> = (0..width * height * 3).map(|i| (i % 200) as u8).collect();
        w.write_image_data(&data).expect("data");
        w.finish().expect("finish");
        out
    };
    let base = encode(None).len();
    let out = encode(Some(bytes - base - 12));
    assert_eq!(out.len(), bytes);
    out
}

/// Walks an MP3 made of MPEG-1 Layer III frames; returns the frame count. Panics on a bad frame.
pub fn mp3_frames(bytes: &[u8]) -> u32 {
    let mut i = 0;
    let mut frames = 0;
    while i < bytes.len() {
        assert!(i + 4 <= bytes.len(), "truncated frame header at {i}");
        let h = &bytes[i..i + 4];
        assert_eq!(h[0], 0xFF, "frame sync at {i}");
        assert_eq!(h[1] & 0xE0, 0xE0, "frame sync at {i}");
        assert_eq!((h[1] >> 3) & 0b11, 0b11, "MPEG-1 at {i}");
        assert_eq!((h[1] >> 1) & 0b11, 0b01, "Layer III at {i}");
        let bitrate_index = h[2] >> 4;
        assert_eq!(bitrate_index, 9, "128 kbit/s at {i}");
        assert_eq!((h[2] >> 2) & 0b11, 0, "44.1 kHz at {i}");
        let padding = usize::from((h[2] >> 1) & 1);
        let len = 144 * 128_000 / 44_100 + padding;
        assert!(i + len <= bytes.len(), "truncated frame at {i}");
        i += len;
        frames += 1;
    }
    frames
}

/// One ISO BMFF box: type, payload range.
#[derive(Debug, Clone)]
pub struct Mp4Box {
    pub kind: String,
    pub payload: std::ops::Range<usize>,
}

/// The boxes directly inside `bytes[range]`. Panics when sizes do not add up.
pub fn mp4_boxes(bytes: &[u8], range: std::ops::Range<usize>) -> Vec<Mp4Box> {
    let mut out = Vec::new();
    let mut i = range.start;
    while i < range.end {
        assert!(i + 8 <= range.end, "truncated box header at {i}");
        let size32 = u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as u64;
        let kind = String::from_utf8_lossy(&bytes[i + 4..i + 8]).to_string();
        let (size, header) = match size32 {
            1 => (
                u64::from_be_bytes(bytes[i + 8..i + 16].try_into().unwrap()),
                16,
            ),
            0 => ((range.end - i) as u64, 8),
            s => (s, 8),
        };
        let end = i + size as usize;
        assert!(
            size >= header as u64 && end <= range.end,
            "box {kind} at {i} overruns"
        );
        out.push(Mp4Box {
            kind,
            payload: i + header..end,
        });
        i = end;
    }
    assert_eq!(i, range.end, "boxes do not fill their parent");
    out
}

/// Finds a child box by type.
pub fn child<'a>(boxes: &'a [Mp4Box], kind: &str) -> &'a Mp4Box {
    boxes.iter().find(|b| b.kind == kind).unwrap_or_else(|| {
        panic!(
            "no {kind} box in {:?}",
            boxes.iter().map(|b| &b.kind).collect::<Vec<_>>()
        )
    })
}

/// Facts read from an MP4's boxes.
#[derive(Debug)]
pub struct Mp4Facts {
    pub top: Vec<String>,
    pub duration_seconds: f64,
    pub width: u32,
    pub height: u32,
}

/// Checks the box structure of an MP4 and reads its duration and frame size.
pub fn check_mp4(bytes: &[u8]) -> Mp4Facts {
    let top = mp4_boxes(bytes, 0..bytes.len());
    assert_eq!(top[0].kind, "ftyp", "an MP4 starts with ftyp");
    let moov = child(&top, "moov");
    child(&top, "mdat");
    let moov_children = mp4_boxes(bytes, moov.payload.clone());
    let mvhd = child(&moov_children, "mvhd");
    let p = mvhd.payload.start;
    assert_eq!(bytes[p], 0, "mvhd version 0");
    let timescale = u32::from_be_bytes(bytes[p + 12..p + 16].try_into().unwrap());
    let duration = u32::from_be_bytes(bytes[p + 16..p + 20].try_into().unwrap());
    let trak = child(&moov_children, "trak");
    let trak_children = mp4_boxes(bytes, trak.payload.clone());
    let tkhd = child(&trak_children, "tkhd");
    let t = tkhd.payload.end;
    let width = u32::from_be_bytes(bytes[t - 8..t - 4].try_into().unwrap()) >> 16;
    let height = u32::from_be_bytes(bytes[t - 4..t].try_into().unwrap()) >> 16;
    let mdia = child(&trak_children, "mdia");
    let mdia_children = mp4_boxes(bytes, mdia.payload.clone());
    child(&mdia_children, "mdhd");
    let hdlr = child(&mdia_children, "hdlr");
    assert_eq!(
        &bytes[hdlr.payload.start + 8..hdlr.payload.start + 12],
        b"vide"
    );
    let minf = child(&mdia_children, "minf");
    let minf_children = mp4_boxes(bytes, minf.payload.clone());
    let stbl = child(&minf_children, "stbl");
    let stbl_children = mp4_boxes(bytes, stbl.payload.clone());
    for k in ["stsd", "stts", "stsc", "stsz", "stco"] {
        child(&stbl_children, k);
    }
    // The chunk offset points inside mdat.
    let stco = child(&stbl_children, "stco");
    let off = u32::from_be_bytes(
        bytes[stco.payload.start + 8..stco.payload.start + 12]
            .try_into()
            .unwrap(),
    ) as usize;
    let mdat = child(&top, "mdat");
    assert!(mdat.payload.contains(&off), "stco points into mdat");
    Mp4Facts {
        top: top.iter().map(|b| b.kind.clone()).collect(),
        duration_seconds: f64::from(duration) / f64::from(timescale),
        width,
        height,
    }
}

/// Encodes a solid-colour baseline JPEG (quality 90, 4:2:0).
pub fn solid_jpeg(width: u16, height: u16, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let data: Vec<u8> = (0..u32::from(width) * u32::from(height))
        .flat_map(|_| rgb)
        .collect();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("JPEG");
    out
}

/// Encodes a solid-colour lossless WebP.
pub fn solid_webp(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let data: Vec<u8> = (0..width * height).flat_map(|_| rgb).collect();
    image_webp::WebPEncoder::new(&mut out)
        .encode(&data, width, height, image_webp::ColorType::Rgb8)
        .expect("WebP");
    out
}
