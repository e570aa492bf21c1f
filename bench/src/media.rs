//! Target 4 (streamed downloads), and the large PNG of target 5.

use std::path::Path;
use std::time::{Duration, Instant};

use artnex::Model;
use artnex::video::WaitOptions;
use tokio::io::AsyncWriteExt as _;

use crate::Ctx;
use crate::alloc;
use crate::calls::{KEY, Result, settle};
use crate::report::{Report, Row, Verdict, mib};
use crate::stats::median;

const MIB: f64 = 1024.0 * 1024.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// `Media::download_to` with the default settings.
    Sdk,
    /// `Media::durable(true).download_to`: fsyncs the file and the directory.
    SdkDurable,
    Raw,
    RawFsync,
}

/// A hand-written stream-to-file: chunk by chunk into a tokio file, flushed; `fsync` optionally.
async fn raw_download(
    client: &reqwest::Client,
    url: &str,
    path: &Path,
    fsync: bool,
) -> Result<u64> {
    let mut response = client.get(url).send().await?.error_for_status()?;
    let mut file = tokio::fs::File::create(path).await?;
    let mut total = 0u64;
    while let Some(chunk) = response.chunk().await? {
        total += chunk.len() as u64;
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    if fsync {
        file.sync_all().await?;
    }
    Ok(total)
}

/// Target 4.
pub async fn downloads(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let sizes = ctx.sizes;
    println!(
        "target 4: streaming a {} video to disk, SDK vs raw reqwest",
        mib(sizes.download_bytes as f64)
    );
    let server = &ctx.video;
    let sdk = artnex::Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .build()?;
    let job = sdk
        .video("a drone over mountains at sunrise")
        .model(Model::Veo3Fast)
        .duration(4)
        .submit()
        .await?;
    let video = job
        .wait_with(
            WaitOptions::new()
                .interval(Duration::from_millis(20))
                .timeout(Duration::from_secs(60)),
        )
        .await?;
    let media = video.video;
    let url = media.to_string();
    let raw = reqwest::Client::new();
    let dir = ctx.tmp.join("downloads");
    tokio::fs::create_dir_all(&dir).await?;

    let durable = media.clone().durable(true);
    let ways = [Way::Sdk, Way::Raw, Way::RawFsync, Way::SdkDurable];
    let mut speed: [Vec<f64>; 4] = Default::default();
    let mut growth: [Vec<f64>; 4] = Default::default();
    let mut size = 0u64;
    // Round 0 warms the page cache, the connection pools and the simulator; it is not counted.
    for round in 0..=sizes.download_rounds {
        let mut order: Vec<usize> = (0..ways.len()).collect();
        order.rotate_left(round % ways.len());
        for i in order {
            let path = dir.join(format!("{i}-{round}.mp4"));
            settle().await;
            let window = alloc::Window::open();
            let t = Instant::now();
            let bytes = match ways[i] {
                Way::Sdk => media.download_to(&path).await?.bytes,
                Way::SdkDurable => durable.download_to(&path).await?.bytes,
                Way::Raw => raw_download(&raw, &url, &path, false).await?,
                Way::RawFsync => raw_download(&raw, &url, &path, true).await?,
            };
            let secs = t.elapsed().as_secs_f64();
            let grew = window.close().peak_growth;
            tokio::fs::remove_file(&path).await?;
            size = bytes;
            if round > 0 {
                speed[i].push(bytes as f64 / MIB / secs);
                growth[i].push(grew);
            }
        }
    }
    if size < sizes.download_bytes {
        return Err(format!(
            "the video is {size} bytes, expected at least {}",
            sizes.download_bytes
        )
        .into());
    }
    let med: Vec<f64> = speed.iter().map(|v| median(v)).collect();
    let max_growth: Vec<f64> = growth
        .iter()
        .map(|v| v.iter().copied().fold(0.0, f64::max))
        .collect();
    let limit = 16.0 * MIB;
    report.row(
        Row::new(
            "4a",
            &format!(
                "download {} to disk: peak memory growth (max of runs)",
                mib(size as f64)
            ),
        )
        .figures(
            mib(max_growth[0]),
            format!("raw reqwest {}", mib(max_growth[1])),
        )
        .ratio(max_growth[0] / limit)
        .goal(
            "< 16 MiB (ratio to 16 MiB < 1)",
            Verdict::from_bool(max_growth[0] < limit),
        ),
    );
    let ratio = med[0] / med[1];
    report.row(
        Row::new(
            "4b",
            "download throughput vs raw reqwest stream-to-file (median)",
        )
        .figures(
            format!("{:.0} MiB/s", med[0]),
            format!("{:.0} MiB/s", med[1]),
        )
        .ratio(ratio)
        .goal("≥ 0.9", Verdict::from_bool(ratio >= 0.9)),
    );
    report.row(
        Row::new(
            "4c",
            "durable download (`Media::durable`) vs raw reqwest stream-to-file + fsync (median)",
        )
        .figures(
            format!("{:.0} MiB/s", med[3]),
            format!("{:.0} MiB/s", med[2]),
        )
        .ratio(med[3] / med[2])
        .goal("-", Verdict::Info),
    );
    report.note(format!(
        "4: {} counted rounds after a warm-up round, order rotated each round, files on {} and deleted after each run; the SDK's `Media::download_to` writes a temporary file and renames it (4b), and with `Media::durable(true)` also fsyncs the file and the directory (4c); raw = `response.chunk()` + `File::write_all` + `flush` (4b) and the same + `sync_all` (4c). MiB/s per run: SDK {}; raw {}; raw+fsync {}; SDK durable {}. Peak growth of raw+fsync {}, of SDK durable {}.",
        sizes.download_rounds,
        ctx.tmp.parent().unwrap_or(&ctx.tmp).display(),
        list(&speed[0]),
        list(&speed[1]),
        list(&speed[2]),
        list(&speed[3]),
        mib(max_growth[2]),
        mib(max_growth[3])
    ));
    Ok(())
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// CRC-32 (IEEE), for PNG chunks.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    let mut crc = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            crc = table[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
        }
    }
    crc ^ 0xFFFF_FFFF
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// A structurally valid PNG of exactly `total` bytes: a 4096x4096 RGB header (too many pixels for the
/// simulator to decode, so it checks the header only) and one IDAT chunk of incompressible bytes.
pub fn big_png(total: usize) -> Vec<u8> {
    let overhead = 8 + (12 + 13) + 12 + 12;
    let payload = total.saturating_sub(overhead);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&4096u32.to_be_bytes());
    ihdr.extend_from_slice(&4096u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut data = Vec::with_capacity(payload);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while data.len() < payload {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let take = (payload - data.len()).min(8);
        data.extend_from_slice(&x.to_le_bytes()[..take]);
    }
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use artnex::media::MediaFormat;

    #[test]
    fn png_has_the_exact_size_and_valid_chunks() {
        let png = big_png(1000);
        assert_eq!(png.len(), 1000);
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // The well-known CRC of an empty IEND chunk.
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
        assert_eq!(MediaFormat::sniff(&png), Some(MediaFormat::Png));
    }
}
