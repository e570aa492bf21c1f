//! A structurally valid MP4 (ISO BMFF): `ftyp`, `moov` (`mvhd`, one video `trak` with `tkhd` and
//! `mdia`/`mdhd`/`hdlr`/`minf`/`stbl`), `mdat`, and optionally a trailing `free` box of any size
//! (for download benchmarks), streamed without ever being allocated.

use bytes::Bytes;

/// Movie and media timescale (units per second).
const TIMESCALE: u32 = 1000;
/// Bytes of dummy sample data per one-second sample.
const SAMPLE_BYTES: u32 = 16;
/// Zero bytes per padding chunk.
const PAD_CHUNK: usize = 64 * 1024;
static ZEROS: [u8; PAD_CHUNK] = [0u8; PAD_CHUNK];

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

fn stsd(width: u32, height: u32) -> Vec<u8> {
    let avcc = boxed(b"avcC", &[1, 0x42, 0x00, 0x1E, 0xFF, 0xE0, 0x00]);
    let mut entry = vec![0; 6];
    entry.extend_from_slice(&1u16.to_be_bytes()); // data reference index
    entry.extend_from_slice(&[0; 16]);
    entry.extend_from_slice(&(width.min(0xFFFF) as u16).to_be_bytes());
    entry.extend_from_slice(&(height.min(0xFFFF) as u16).to_be_bytes());
    entry.extend_from_slice(&u32s(&[0x0048_0000, 0x0048_0000, 0]));
    entry.extend_from_slice(&1u16.to_be_bytes()); // frame count
    let mut name = [0u8; 32];
    let label = b"artnex-mock";
    name[0] = label.len() as u8;
    name[1..=label.len()].copy_from_slice(label);
    entry.extend_from_slice(&name);
    entry.extend_from_slice(&0x0018u16.to_be_bytes());
    entry.extend_from_slice(&0xFFFFu16.to_be_bytes());
    entry.extend_from_slice(&avcc);
    let avc1 = boxed(b"avc1", &entry);
    let mut p = 1u32.to_be_bytes().to_vec();
    p.extend_from_slice(&avc1);
    full_box(b"stsd", 0, 0, &p)
}

fn moov(seconds: u32, width: u32, height: u32, chunk_offset: u32) -> Vec<u8> {
    let duration = seconds.saturating_mul(TIMESCALE);
    let stbl = boxed(
        b"stbl",
        &[
            stsd(width, height),
            full_box(b"stts", 0, 0, &u32s(&[1, seconds, TIMESCALE])),
            full_box(b"stsc", 0, 0, &u32s(&[1, 1, seconds, 1])),
            full_box(b"stsz", 0, 0, &u32s(&[SAMPLE_BYTES, seconds])),
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
    let trak = boxed(b"trak", &[tkhd(duration, width, height), mdia].concat());
    boxed(b"moov", &[mvhd(duration), trak].concat())
}

/// The whole file without padding: `ftyp`, `moov`, `mdat`.
pub(crate) fn file(seconds: u32, width: u32, height: u32) -> Vec<u8> {
    let seconds = seconds.max(1);
    let ftyp = ftyp();
    // The moov size does not depend on the offset value, so measure it once with a placeholder.
    let moov_len = moov(seconds, width, height, 0).len();
    let offset = (ftyp.len() + moov_len + 8) as u32;
    let mut mdat_payload = Vec::with_capacity((seconds * SAMPLE_BYTES) as usize);
    for i in 0..seconds {
        // A length-prefixed NAL unit per sample (filler data, type 12).
        mdat_payload.extend_from_slice(&(SAMPLE_BYTES - 4).to_be_bytes());
        mdat_payload.push(12);
        mdat_payload.extend_from_slice(&[0xFF; 10]);
        mdat_payload.push((i & 0x7F) as u8 | 0x80);
    }
    [
        ftyp,
        moov(seconds, width, height, offset),
        boxed(b"mdat", &mdat_payload),
    ]
    .concat()
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

/// Total length of the file with `padding` bytes of `free` payload (0 = no `free` box).
pub(crate) fn total_len(head_len: usize, padding: u64) -> u64 {
    if padding == 0 {
        head_len as u64
    } else {
        head_len as u64 + free_header(padding).len() as u64 + padding
    }
}

/// The file as a stream: the boxes, then the padding in 64 KiB chunks of a shared zero buffer.
pub(crate) fn stream(
    head: Vec<u8>,
    padding: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let mut first = head;
    if padding > 0 {
        first.extend_from_slice(&free_header(padding));
    }
    let first = futures_util::stream::once(async move { Ok(Bytes::from(first)) });
    let rest = futures_util::stream::unfold(padding, |left| async move {
        if left == 0 {
            return None;
        }
        let n = left.min(PAD_CHUNK as u64);
        Some((Ok(Bytes::from_static(&ZEROS[..n as usize])), left - n))
    });
    futures_util::StreamExt::chain(first, rest)
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

    #[test]
    fn top_level_boxes_and_offsets() {
        let f = file(8, 1280, 720);
        let boxes = walk(&f);
        let kinds: Vec<_> = boxes.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(kinds, ["ftyp", "moov", "mdat"]);
        let mdat = &boxes[2];
        // stco points at the mdat payload.
        let pos = f.windows(4).position(|w| w == b"stco").unwrap();
        let off = u32::from_be_bytes(f[pos + 12..pos + 16].try_into().unwrap()) as usize;
        assert_eq!(off, mdat.1 + 8);
        // mvhd duration = 8 s at 1000 units per second.
        let pos = f.windows(4).position(|w| w == b"mvhd").unwrap();
        let dur = u32::from_be_bytes(f[pos + 20..pos + 24].try_into().unwrap());
        assert_eq!(dur, 8000);
    }

    #[test]
    fn free_box_sizes() {
        assert_eq!(free_header(10).len(), 8);
        assert_eq!(free_header(u64::from(u32::MAX)).len(), 16);
        assert_eq!(total_len(100, 0), 100);
        assert_eq!(total_len(100, 50), 158);
    }
}
