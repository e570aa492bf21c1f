//! Silent MP3 audio: MPEG-1 Layer III frames, 44.1 kHz, 128 kbit/s, mono.
//!
//! Each frame holds 1152 samples; frame sizes alternate between 417 and 418 bytes (the padding bit) so the
//! stream keeps exactly 128 kbit/s. A silent frame is a header followed by all-zero side information and
//! main data, which every decoder plays as silence.

use bytes::Bytes;

/// Samples per second.
pub(crate) const SAMPLE_RATE: u32 = 44_100;
/// Samples per MPEG-1 Layer III frame.
pub(crate) const SAMPLES_PER_FRAME: u32 = 1152;
/// Characters of text spoken per second (the simulator's own speech rate).
pub(crate) const CHARS_PER_SECOND: f64 = 15.0;
/// `144 * bitrate` (bytes per frame = this / sample rate, before padding).
const FRAME_NUMERATOR: u64 = 144 * 128_000;
/// Frames per body chunk when streaming.
const FRAMES_PER_CHUNK: u64 = 256;

/// How many frames speak `chars` characters (at least one second of audio).
pub(crate) fn frames_for_chars(chars: usize) -> u32 {
    let seconds = (chars as f64 / CHARS_PER_SECOND).max(1.0);
    (seconds * f64::from(SAMPLE_RATE) / f64::from(SAMPLES_PER_FRAME)).ceil() as u32
}

/// The playing time of `frames` frames, in seconds.
pub(crate) fn duration_seconds(frames: u32) -> f64 {
    f64::from(frames) * f64::from(SAMPLES_PER_FRAME) / f64::from(SAMPLE_RATE)
}

/// Byte offset where frame `i` starts.
fn offset(i: u64) -> u64 {
    i * FRAME_NUMERATOR / u64::from(SAMPLE_RATE)
}

/// The file size of `frames` frames.
pub(crate) fn total_len(frames: u32) -> u64 {
    offset(u64::from(frames))
}

fn frame(padded: bool) -> Vec<u8> {
    let len = if padded { 418 } else { 417 };
    let mut f = vec![0u8; len];
    // Sync (11 bits), MPEG-1, Layer III, no CRC.
    f[0] = 0xFF;
    f[1] = 0xFB;
    // Bitrate index 9 (128 kbit/s), 44.1 kHz, padding bit, private bit 0.
    f[2] = 0x90 | if padded { 0x02 } else { 0x00 };
    // Mono, no mode extension, not copyrighted, original, no emphasis.
    f[3] = 0xC4;
    f
}

/// Frames `start..end` as one buffer.
pub(crate) fn frames(start: u64, end: u64) -> Bytes {
    let plain = frame(false);
    let padded = frame(true);
    let mut out = Vec::with_capacity(((end.saturating_sub(start)) * 418) as usize);
    for i in start..end {
        let len = offset(i + 1) - offset(i);
        out.extend_from_slice(if len == 418 { &padded } else { &plain });
    }
    Bytes::from(out)
}

/// The body as a stream of chunks.
pub(crate) fn stream(
    frames_total: u32,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let total = u64::from(frames_total);
    futures_util::stream::unfold(0u64, move |start| async move {
        if start >= total {
            return None;
        }
        let end = (start + FRAMES_PER_CHUNK).min(total);
        Some((Ok(frames(start, end)), end))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_grows_with_text_and_matches_frames() {
        assert_eq!(frames_for_chars(0), frames_for_chars(15));
        assert!(frames_for_chars(3000) > frames_for_chars(300));
        let f = frames_for_chars(150);
        let d = duration_seconds(f);
        assert!((10.0..10.1).contains(&d), "{d}");
        let bytes = frames(0, u64::from(f));
        assert_eq!(bytes.len() as u64, total_len(f));
        // Walk the frames by their headers.
        let mut i = 0;
        let mut n = 0;
        while i < bytes.len() {
            assert_eq!(bytes[i], 0xFF);
            assert_eq!(bytes[i + 1] & 0xE0, 0xE0);
            let pad = usize::from((bytes[i + 2] >> 1) & 1);
            i += 417 + pad;
            n += 1;
        }
        assert_eq!(n, f);
    }
}
