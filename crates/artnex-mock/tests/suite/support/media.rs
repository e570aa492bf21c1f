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

/// What ffprobe and a full ffmpeg decode say about a video.
#[derive(Debug)]
pub struct VideoProbe {
    pub codec: String,
    pub profile: String,
    /// Coded frame size.
    pub width: u32,
    pub height: u32,
    /// Frames decoded.
    pub frames: u64,
    pub duration_seconds: f64,
}

/// A media file written to the temporary directory for the decoders, removed when dropped.
struct TempMedia(std::path::PathBuf);

impl TempMedia {
    fn new(bytes: &[u8], ext: &str) -> TempMedia {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("artnex-mock-test-{}-{n}.{ext}", std::process::id()));
        std::fs::write(&path, bytes).expect("write a temporary media file");
        TempMedia(path)
    }
}

impl Drop for TempMedia {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs ffmpeg or ffprobe. The media checks are never skipped: without the tool the test fails and says
/// how to install it.
fn run(tool: &str, args: &[&str], file: &TempMedia) -> std::process::Output {
    let path = file.0.to_str().expect("UTF-8 temp path");
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "{file}" { path } else { a })
        .collect();
    std::process::Command::new(tool)
        .args(&args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`{tool}` is needed to prove that the simulator's videos and audio decode, and it could not \
                 be run ({e}). Install FFmpeg (Debian/Ubuntu: `apt-get install ffmpeg`; .ci/run installs it)."
            )
        })
}

/// Decodes every frame with ffmpeg (`-xerror`: any decoding error fails) and asks ffprobe for the stream.
pub fn probe_video(bytes: &[u8]) -> VideoProbe {
    let file = TempMedia::new(bytes, "mp4");
    let decoded = run(
        "ffmpeg",
        &["-v", "error", "-xerror", "-i", "{file}", "-f", "null", "-"],
        &file,
    );
    let errors = String::from_utf8_lossy(&decoded.stderr);
    assert!(
        decoded.status.success() && errors.trim().is_empty(),
        "ffmpeg could not decode the video: {errors}"
    );
    let probe = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,profile,width,height,nb_read_frames,duration",
            "-of",
            "json",
            "{file}",
        ],
        &file,
    );
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&probe.stdout).expect("ffprobe JSON");
    let s = &v["streams"][0];
    let text = |k: &str| s[k].as_str().unwrap_or_default().to_string();
    VideoProbe {
        codec: text("codec_name"),
        profile: text("profile"),
        width: s["width"].as_u64().unwrap_or(0) as u32,
        height: s["height"].as_u64().unwrap_or(0) as u32,
        frames: text("nb_read_frames").parse().unwrap_or(0),
        duration_seconds: text("duration").parse().unwrap_or(0.0),
    }
}

/// Frame `index` of a video, decoded by ffmpeg to RGB (3 bytes per pixel, coded size).
pub fn video_frame_rgb(bytes: &[u8], index: u32) -> Vec<u8> {
    let file = TempMedia::new(bytes, "mp4");
    let select = format!("select=eq(n\\,{index})");
    let out = run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            "{file}",
            "-vf",
            &select,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        &file,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "no frame {index}");
    out.stdout
}

/// Decodes an audio file with ffmpeg (`-xerror`) to mono 16-bit samples; returns how many there are.
pub fn decoded_audio_samples(bytes: &[u8]) -> u64 {
    let file = TempMedia::new(bytes, "mp3");
    let out = run(
        "ffmpeg",
        &[
            "-v", "error", "-xerror", "-i", "{file}", "-f", "s16le", "-ac", "1", "-",
        ],
        &file,
    );
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && errors.trim().is_empty(),
        "ffmpeg could not decode the audio: {errors}"
    );
    out.stdout.len() as u64 / 2
}
