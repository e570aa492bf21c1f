//! Shared helpers: run the built `artnex` binary against a simulator started by the test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use artnex_mock::MockServer;
use std::path::Path;
use std::process::{Command, Output};

/// A simulator with a fast clock (video jobs finish in milliseconds).
pub async fn mock() -> MockServer {
    MockServer::builder().speed(2000.0).start().await.unwrap()
}

/// The binary with a clean environment pointed at `mock`.
pub fn artnex(mock: &MockServer, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_artnex"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ARTNEX_API_KEY", artnex_mock::DEFAULT_KEY)
        .env("ARTNEX_BASE_URL", mock.base_url())
        .current_dir(dir);
    cmd
}

/// Runs a command off the async runtime and returns its output.
pub async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Runs and parses stdout as one JSON document.
pub async fn run_json(cmd: Command) -> (i32, serde_json::Value) {
    let out = run(cmd).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let doc = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{text}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

/// Runs and parses every line of stdout as a JSON document.
pub async fn run_json_lines(cmd: Command) -> (i32, Vec<serde_json::Value>, String) {
    let out = run(cmd).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let docs = text
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| {
                panic!(
                    "stdout line is not JSON ({e}): {l}\nstderr:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
        })
        .collect();
    (
        out.status.code().unwrap_or(-1),
        docs,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Width, height and whether the PNG has an alpha channel.
pub fn png_info(path: &Path) -> (u32, u32, bool) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buf).unwrap();
    (
        frame.width,
        frame.height,
        matches!(
            frame.color_type,
            png::ColorType::Rgba | png::ColorType::GrayscaleAlpha
        ),
    )
}

/// Whether the file starts with an MPEG audio frame (or an ID3 tag).
pub fn is_mp3(path: &Path) -> bool {
    let b = std::fs::read(path).unwrap();
    b.starts_with(b"ID3") || (b.len() > 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)
}

/// Whether the file starts with an MP4 `ftyp` box.
pub fn is_mp4(path: &Path) -> bool {
    let b = std::fs::read(path).unwrap();
    b.len() > 8 && &b[4..8] == b"ftyp"
}

/// A small PNG on disk for edit/upscale/remove-bg inputs.
pub fn write_png(path: &Path, width: u32, height: u32) {
    let file = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().unwrap();
    let data: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    w.write_image_data(&data).unwrap();
}

/// Every `src="…"`/`href="…"` in a gallery page, without duplicates.
pub fn gallery_refs(html: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            if let Some(end) = part.find('"') {
                out.insert(part[..end].to_string());
            }
        }
    }
    out
}
