//! Playable MP4 video: H.264 (constrained baseline, every frame an I_PCM intra picture, written by the
//! pure-Rust `less-avc` encoder) in an ISO BMFF file with the `moov` box in front, so browsers start playing
//! while downloading. Optionally a trailing `free` box of any size (download benchmarks), streamed without
//! ever being allocated.
//!
//! The frames are small (the presentation size divided by [`SCALE_DOWN`]; the track header carries the
//! presentation size) and show a gradient with a moving disc, both coloured and driven by
//! a seed taken from the prompt. A file is rendered twice per download, frame by frame: once to measure
//! every sample (the sizes go in `moov`, before the samples), once to stream them; nothing but one frame is
//! ever held in memory.

use std::io::{self, Write};

use bytes::Bytes;
use less_avc::LessEncoder;
use less_avc::ycbcr_image::{DataPlane, Planes, YCbCrImage};

/// Frames per second.
pub(crate) const FPS: u32 = 8;
/// Coded frames are the presentation size divided by this (1280x720 is coded as 160x90).
pub(crate) const SCALE_DOWN: u32 = 8;
/// Movie and media timescale (units per second).
const TIMESCALE: u32 = 1000;
/// The level the SPS declares: 3.0 (the encoder writes 1.0, which our frame rate and bit rate exceed).
const LEVEL_IDC: u8 = 30;
/// SPS constraint flags: constrained baseline (set0 and set1; the stream uses no FMO, ASO or redundant
/// slices).
const CONSTRAINT_FLAGS: u8 = 0xC0;
/// Zero bytes per padding chunk.
const PAD_CHUNK: usize = 64 * 1024;
static ZEROS: [u8; PAD_CHUNK] = [0u8; PAD_CHUNK];

/// Everything needed to render a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VideoRecipe {
    /// Clip length in whole seconds (at least 1).
    pub seconds: u32,
    /// Presentation width (the track header's), e.g. 1280.
    pub width: u32,
    /// Presentation height, e.g. 720.
    pub height: u32,
    /// Drives the colours and the motion (from the prompt).
    pub seed: u64,
}

impl VideoRecipe {
    fn seconds(&self) -> u32 {
        self.seconds.max(1)
    }

    /// Number of frames.
    pub fn frames(&self) -> u32 {
        self.seconds().saturating_mul(FPS)
    }

    /// The coded frame size: the presentation size scaled down, kept even and at least 16 pixels.
    pub fn coded_size(&self) -> (u32, u32) {
        let side = |v: u32| ((v / SCALE_DOWN).max(16) + 1) & !1;
        (side(self.width), side(self.height))
    }
}

/// A video measured and ready to stream: the bytes before the samples, and the size of each sample.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// `ftyp`, `moov` and the `mdat` header.
    pub head: Vec<u8>,
    /// Length of the whole file, padding included.
    pub total_len: u64,
    recipe: VideoRecipe,
    padding: u64,
}

fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&((payload.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn full_box(kind: &[u8; 4], version: u8, flags: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(payload.len() + 4);
    p.push(version);
    p.extend_from_slice(&flags.to_be_bytes()[1..]);
    p.extend_from_slice(payload);
    boxed(kind, &p)
}

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

fn ftyp() -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(b"isom");
    p.extend_from_slice(&512u32.to_be_bytes());
    for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
        p.extend_from_slice(brand);
    }
    boxed(b"ftyp", &p)
}

fn mvhd(duration: u32) -> Vec<u8> {
    let mut p = u32s(&[0, 0, TIMESCALE, duration, 0x0001_0000]);
    p.extend_from_slice(&0x0100u16.to_be_bytes()); // volume 1.0
    p.extend_from_slice(&[0; 10]);
    p.extend_from_slice(&u32s(&MATRIX));
    p.extend_from_slice(&[0; 24]);
    p.extend_from_slice(&2u32.to_be_bytes()); // next track id
    full_box(b"mvhd", 0, 0, &p)
}

fn tkhd(duration: u32, width: u32, height: u32) -> Vec<u8> {
    let mut p = u32s(&[0, 0, 1, 0, duration, 0, 0]);
    p.extend_from_slice(&[0; 8]); // layer, alternate group, volume, reserved
    p.extend_from_slice(&u32s(&MATRIX));
    p.extend_from_slice(&u32s(&[width << 16, height << 16]));
    full_box(b"tkhd", 0, 0x3, &p)
}

fn mdhd(duration: u32) -> Vec<u8> {
    let mut p = u32s(&[0, 0, TIMESCALE, duration]);
    p.extend_from_slice(&0x55C4u16.to_be_bytes()); // language "und"
    p.extend_from_slice(&[0, 0]);
    full_box(b"mdhd", 0, 0, &p)
}

fn hdlr() -> Vec<u8> {
    let mut p = vec![0; 4];
    p.extend_from_slice(b"vide");
    p.extend_from_slice(&[0; 12]);
    p.extend_from_slice(b"VideoHandler\0");
    full_box(b"hdlr", 0, 0, &p)
}

/// The `avcC` configuration record: one SPS, one PPS, 4-byte NAL lengths.
fn avcc(sps: &[u8], pps: &[u8]) -> Vec<u8> {
    let mut p = vec![
        1,
        sps.get(1).copied().unwrap_or(66),
        sps.get(2).copied().unwrap_or(0),
        sps.get(3).copied().unwrap_or(LEVEL_IDC),
        0xFF, // reserved bits + lengthSizeMinusOne = 3
        0xE1, // reserved bits + one SPS
    ];
    p.extend_from_slice(&(sps.len() as u16).to_be_bytes());
    p.extend_from_slice(sps);
    p.push(1);
    p.extend_from_slice(&(pps.len() as u16).to_be_bytes());
    p.extend_from_slice(pps);
    boxed(b"avcC", &p)
}

fn stsd(coded: (u32, u32), sps: &[u8], pps: &[u8]) -> Vec<u8> {
    let mut entry = vec![0; 6];
    entry.extend_from_slice(&1u16.to_be_bytes()); // data reference index
    entry.extend_from_slice(&[0; 16]);
    entry.extend_from_slice(&(coded.0.min(0xFFFF) as u16).to_be_bytes());
    entry.extend_from_slice(&(coded.1.min(0xFFFF) as u16).to_be_bytes());
    entry.extend_from_slice(&u32s(&[0x0048_0000, 0x0048_0000, 0]));
    entry.extend_from_slice(&1u16.to_be_bytes()); // frame count
    let mut name = [0u8; 32];
    let label = b"artnex-mock";
    name[0] = label.len() as u8;
    name[1..=label.len()].copy_from_slice(label);
    entry.extend_from_slice(&name);
    entry.extend_from_slice(&0x0018u16.to_be_bytes());
    entry.extend_from_slice(&0xFFFFu16.to_be_bytes());
    entry.extend_from_slice(&avcc(sps, pps));
    let avc1 = boxed(b"avc1", &entry);
    let mut p = 1u32.to_be_bytes().to_vec();
    p.extend_from_slice(&avc1);
    full_box(b"stsd", 0, 0, &p)
}

fn moov(recipe: &VideoRecipe, sizes: &[u32], sps: &[u8], pps: &[u8], chunk_offset: u32) -> Vec<u8> {
    let duration = recipe.seconds().saturating_mul(TIMESCALE);
    let frames = sizes.len() as u32;
    let mut stsz = u32s(&[0, frames]);
    stsz.extend_from_slice(&u32s(sizes));
    let stbl = boxed(
        b"stbl",
        &[
            stsd(recipe.coded_size(), sps, pps),
            full_box(b"stts", 0, 0, &u32s(&[1, frames, TIMESCALE / FPS])),
            full_box(b"stsc", 0, 0, &u32s(&[1, 1, frames, 1])),
            full_box(b"stsz", 0, 0, &stsz),
            full_box(b"stco", 0, 0, &u32s(&[1, chunk_offset])),
        ]
        .concat(),
    );
    let dinf = boxed(
        b"dinf",
        &full_box(
            b"dref",
            0,
            0,
            &[1u32.to_be_bytes().to_vec(), full_box(b"url ", 0, 1, &[])].concat(),
        ),
    );
    let minf = boxed(
        b"minf",
        &[full_box(b"vmhd", 0, 1, &[0; 8]), dinf, stbl].concat(),
    );
    let mdia = boxed(b"mdia", &[mdhd(duration), hdlr(), minf].concat());
    let trak = boxed(
        b"trak",
        &[tkhd(duration, recipe.width, recipe.height), mdia].concat(),
    );
    boxed(b"moov", &[mvhd(duration), trak].concat())
}

/// One frame's planes (Y, Cb, Cr), padded to whole 16x16 macroblocks as the encoder wants them.
struct Frame {
    y: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
    luma_stride: usize,
    chroma_stride: usize,
    width: u32,
    height: u32,
}

impl Frame {
    fn new(width: u32, height: u32) -> Frame {
        let padded_w = width.div_ceil(16) as usize * 16;
        let padded_h = height.div_ceil(16) as usize * 16;
        Frame {
            y: vec![0; padded_w * padded_h],
            cb: vec![128; padded_w * padded_h / 4],
            cr: vec![128; padded_w * padded_h / 4],
            luma_stride: padded_w,
            chroma_stride: padded_w / 2,
            width,
            height,
        }
    }

    fn image(&self) -> YCbCrImage<'_> {
        fn plane(data: &[u8], stride: usize) -> DataPlane<'_> {
            DataPlane {
                data,
                stride,
                bit_depth: less_avc::BitDepth::Depth8,
            }
        }
        YCbCrImage {
            planes: Planes::YCbCr((
                plane(&self.y, self.luma_stride),
                plane(&self.cb, self.chroma_stride),
                plane(&self.cr, self.chroma_stride),
            )),
            width: self.width,
            height: self.height,
        }
    }
}

/// A triangle wave in 0..=1 with period 1.
fn tri(x: f32) -> f32 {
    let f = x.rem_euclid(1.0);
    if f < 0.5 { f * 2.0 } else { 2.0 - f * 2.0 }
}

/// The picture at frame `index`: a gradient between two seed colours that drifts, and a bright disc in a
/// third colour moving along a seed-chosen path.
fn render(recipe: &VideoRecipe, index: u32, frame: &mut Frame) {
    let seed = recipe.seed;
    let c = |shift: u32| ((seed >> shift) & 0xFF) as f32;
    let a = [c(0), c(8), c(16)];
    let b = [255.0 - c(24), 255.0 - c(32), c(40).max(64.0)];
    let disc = [255.0, 255.0 - c(48) * 0.5, c(56) * 0.5];
    // Motion: speeds of 0.15-0.4 screen traversals per second, phases from the seed.
    let t = index as f32 / FPS as f32;
    let sx = 0.15 + ((seed >> 44) & 0xF) as f32 / 60.0;
    let sy = 0.15 + ((seed >> 52) & 0xF) as f32 / 60.0;
    let (w, h) = (frame.width as f32, frame.height as f32);
    let cx = (0.15 + 0.7 * tri(t * sx + c(4) / 255.0)) * w;
    let cy = (0.15 + 0.7 * tri(t * sy + c(12) / 255.0)) * h;
    let radius = w.min(h) * 0.18;
    let drift = t * 0.1;
    let rgb = |x: u32, y: u32| -> [f32; 3] {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let (dx, dy) = (fx - cx, fy - cy);
        if dx * dx + dy * dy <= radius * radius {
            return disc;
        }
        let m = tri(fx / w * 0.5 + drift);
        let v = fy / h;
        [
            a[0] + (b[0] - a[0]) * m,
            a[1] + (b[1] - a[1]) * v,
            (a[2] + b[2]) * 0.5 * (1.0 - 0.3 * m),
        ]
    };
    // Full-range BT.601.
    let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    for y in 0..frame.height {
        for x in 0..frame.width {
            let [r, g, bl] = rgb(x, y);
            frame.y[y as usize * frame.luma_stride + x as usize] =
                clamp(0.299 * r + 0.587 * g + 0.114 * bl);
        }
    }
    for y in 0..frame.height / 2 {
        for x in 0..frame.width / 2 {
            let [r, g, bl] = rgb(x * 2, y * 2);
            let i = y as usize * frame.chroma_stride + x as usize;
            frame.cb[i] = clamp(128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * bl);
            frame.cr[i] = clamp(128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * bl);
        }
    }
}

fn encode_error(e: less_avc::Error) -> io::Error {
    io::Error::other(format!("H.264 encoding failed: {e}"))
}

/// Encodes every frame in order, handing each coded picture (a NAL unit, without start code) to `each`;
/// returns the SPS and PPS NAL units (the SPS with its level and constraint flags set, see the constants).
fn encode_frames(
    recipe: &VideoRecipe,
    mut each: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let (w, h) = recipe.coded_size();
    let mut frame = Frame::new(w, h);
    render(recipe, 0, &mut frame);
    let (initial, mut encoder) = LessEncoder::new(&frame.image()).map_err(encode_error)?;
    let mut sps = initial.sps.to_nal_unit();
    if let Some(flags) = sps.get_mut(2) {
        *flags = CONSTRAINT_FLAGS;
    }
    if let Some(level) = sps.get_mut(3) {
        *level = LEVEL_IDC;
    }
    let pps = initial.pps.to_nal_unit();
    each(&initial.frame.to_nal_unit())?;
    for index in 1..recipe.frames() {
        render(recipe, index, &mut frame);
        let nal = encoder.encode(&frame.image()).map_err(encode_error)?;
        each(&nal.to_nal_unit())?;
    }
    Ok((sps, pps))
}

/// The header of a `free` box carrying `n` bytes of payload.
fn free_header(n: u64) -> Vec<u8> {
    match u32::try_from(n + 8) {
        Ok(size) => [size.to_be_bytes().as_slice(), b"free"].concat(),
        Err(_) => [
            1u32.to_be_bytes().as_slice(),
            b"free",
            (n + 16).to_be_bytes().as_slice(),
        ]
        .concat(),
    }
}

/// Measures every frame and lays out the file (CPU-bound: call it off the async threads).
pub(crate) fn plan(recipe: VideoRecipe, padding: u64) -> io::Result<Plan> {
    let mut sizes = Vec::with_capacity(recipe.frames() as usize);
    let (sps, pps) = encode_frames(&recipe, |nal| {
        sizes.push(nal.len() as u32 + 4);
        Ok(())
    })?;
    let ftyp = ftyp();
    // The moov size does not depend on the offset value, so measure it once with a placeholder.
    let moov_len = moov(&recipe, &sizes, &sps, &pps, 0).len();
    let samples: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
    let mdat_size = u32::try_from(samples + 8)
        .map_err(|_| io::Error::other("the video is too long for one mdat box"))?;
    let offset = (ftyp.len() + moov_len + 8) as u32;
    let mut head = [ftyp, moov(&recipe, &sizes, &sps, &pps, offset)].concat();
    head.extend_from_slice(&mdat_size.to_be_bytes());
    head.extend_from_slice(b"mdat");
    let padding_len = if padding == 0 {
        0
    } else {
        free_header(padding).len() as u64 + padding
    };
    let total_len = head.len() as u64 + samples + padding_len;
    Ok(Plan {
        head,
        total_len,
        recipe,
        padding,
    })
}

/// Writes the samples of a planned video (length-prefixed NAL units), then the `free` box header if any
/// (the padding bytes themselves come from [`padding_stream`]).
pub(crate) fn write_samples(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    encode_frames(&plan.recipe, |nal| {
        out.write_all(&(nal.len() as u32).to_be_bytes())?;
        out.write_all(nal)
    })?;
    if plan.padding > 0 {
        out.write_all(&free_header(plan.padding))?;
    }
    Ok(())
}

/// The padding payload of a planned video, in 64 KiB chunks of a shared zero buffer.
pub(crate) fn padding_stream(
    plan: &Plan,
) -> impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    futures_util::stream::unfold(plan.padding, |left| async move {
        if left == 0 {
            return None;
        }
        let n = left.min(PAD_CHUNK as u64);
        Some((Ok(Bytes::from_static(&ZEROS[..n as usize])), left - n))
    })
}

/// The whole file in memory, padding included (tests and small files).
#[cfg(test)]
pub(crate) fn to_vec(recipe: VideoRecipe, padding: u64) -> io::Result<Vec<u8>> {
    let plan = plan(recipe, padding)?;
    let mut out = plan.head.clone();
    write_samples(&plan, &mut out)?;
    out.resize(out.len() + padding as usize, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(buf: &[u8]) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + 8 <= buf.len() {
            let size = u32::from_be_bytes(buf[i..i + 4].try_into().unwrap()) as usize;
            let kind = String::from_utf8_lossy(&buf[i + 4..i + 8]).to_string();
            out.push((kind, i, size));
            i += size;
        }
        assert_eq!(i, buf.len());
        out
    }

    fn recipe(seconds: u32) -> VideoRecipe {
        VideoRecipe {
            seconds,
            width: 1280,
            height: 720,
            seed: 42,
        }
    }

    #[test]
    fn boxes_offsets_and_lengths() {
        let plan = plan(recipe(3), 0).unwrap();
        let f = to_vec(recipe(3), 0).unwrap();
        assert_eq!(f.len() as u64, plan.total_len);
        let boxes = walk(&f);
        let kinds: Vec<_> = boxes.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(kinds, ["ftyp", "moov", "mdat"]);
        let mdat = &boxes[2];
        // stco points at the mdat payload.
        let pos = f.windows(4).position(|w| w == b"stco").unwrap();
        let off = u32::from_be_bytes(f[pos + 12..pos + 16].try_into().unwrap()) as usize;
        assert_eq!(off, mdat.1 + 8);
        // mvhd duration = 3 s at 1000 units per second.
        let pos = f.windows(4).position(|w| w == b"mvhd").unwrap();
        let dur = u32::from_be_bytes(f[pos + 20..pos + 24].try_into().unwrap());
        assert_eq!(dur, 3000);
        // The samples are length-prefixed IDR slices (NAL type 5) that fill the mdat exactly.
        let mut i = off;
        let mut frames = 0;
        while i < f.len() {
            let len = u32::from_be_bytes(f[i..i + 4].try_into().unwrap()) as usize;
            assert_eq!(f[i + 4] & 0x1F, 5);
            i += 4 + len;
            frames += 1;
        }
        assert_eq!(i, f.len());
        assert_eq!(frames, 3 * FPS);
    }

    #[test]
    fn the_sps_declares_constrained_baseline_level_3() {
        let f = to_vec(recipe(1), 0).unwrap();
        let pos = f.windows(4).position(|w| w == b"avcC").unwrap();
        assert_eq!(&f[pos + 4..pos + 8], &[1, 66, CONSTRAINT_FLAGS, LEVEL_IDC]);
        let sps_len = u16::from_be_bytes([f[pos + 10], f[pos + 11]]) as usize;
        let sps = &f[pos + 12..pos + 12 + sps_len];
        assert_eq!(&sps[..4], &[0x67, 66, CONSTRAINT_FLAGS, LEVEL_IDC]);
    }

    #[test]
    fn frames_move_and_follow_the_seed() {
        let r = recipe(2);
        let (w, h) = r.coded_size();
        assert_eq!((w, h), (160, 90));
        let mut a = Frame::new(w, h);
        let mut b = Frame::new(w, h);
        render(&r, 0, &mut a);
        render(&r, 12, &mut b);
        assert_ne!(a.y, b.y, "motion");
        let mut c = Frame::new(w, h);
        render(&VideoRecipe { seed: 7, ..r }, 0, &mut c);
        assert_ne!(a.cb, c.cb, "colour follows the seed");
    }

    #[test]
    fn coded_sizes_are_even_and_small() {
        for (w, h, coded) in [
            (1280, 720, (160, 90)),
            (720, 1280, (90, 160)),
            (720, 720, (90, 90)),
            (10, 10, (16, 16)),
        ] {
            let r = VideoRecipe {
                seconds: 1,
                width: w,
                height: h,
                seed: 1,
            };
            assert_eq!(r.coded_size(), coded);
        }
    }

    #[test]
    fn free_box_sizes() {
        assert_eq!(free_header(10).len(), 8);
        assert_eq!(free_header(u64::from(u32::MAX)).len(), 16);
        let p = plan(recipe(1), 50).unwrap();
        let bare = plan(recipe(1), 0).unwrap();
        assert_eq!(p.total_len, bare.total_len + 8 + 50);
        assert_eq!(to_vec(recipe(1), 50).unwrap().len() as u64, p.total_len);
    }
}
