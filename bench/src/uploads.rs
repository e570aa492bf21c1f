//! Target 5: 10 MB image uploads through every operation that takes an image, streamed by the SDK
//! against the buffered path (the whole JSON body with the image inline serialised into one buffer, then
//! sent: what the SDK did before it streamed), from bytes in memory and from a file.

use std::path::Path;
use std::time::Instant;

use artnex::Model;
use artnex::media::{ImageInput, MediaFormat};
use base64::Engine as _;
use bytes::Bytes;
use serde::Serialize;

use crate::Ctx;
use crate::alloc;
use crate::calls::{KEY, PROMPT, Result, raw_client_like_sdk, settle};
use crate::media::big_png;
use crate::report::{Report, Row, Verdict, mib, micros};
use crate::requests::paired_ratio;
use crate::stats::median;

/// The image's size (the API's limit is 10 x 1024 x 1024 bytes).
const SIZE: usize = 10_000_000;

/// An operation that takes an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Edit,
    Upscale,
    RemoveBg,
    ImageToVideo,
}

impl Op {
    const ALL: [Op; 4] = [Op::Edit, Op::Upscale, Op::RemoveBg, Op::ImageToVideo];

    fn name(self) -> &'static str {
        match self {
            Op::Edit => "edit",
            Op::Upscale => "upscale",
            Op::RemoveBg => "remove-bg",
            Op::ImageToVideo => "image-to-video",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Op::Edit => "/v1/edit",
            Op::Upscale => "/v1/upscale",
            Op::RemoveBg => "/v1/remove-bg",
            Op::ImageToVideo => "/v1/video",
        }
    }
}

/// Where the image comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum From {
    Bytes,
    File,
}

/// The SDK: the request as a user writes it, streamed.
async fn sdk_call(sdk: &artnex::Client, op: Op, input: ImageInput) -> Result<()> {
    let ok = match op {
        Op::Edit => {
            let out = sdk
                .edit(PROMPT, input)
                .model(Model::NanoBananaEdit)
                .send()
                .await?;
            out.images.len() == 1
        }
        Op::Upscale => {
            let out = sdk.upscale(input).scale(2.0).send().await?;
            out.image.url().is_some()
        }
        Op::RemoveBg => {
            let out = sdk.remove_background(input).send().await?;
            out.image.url().is_some()
        }
        Op::ImageToVideo => {
            let job = sdk
                .video(PROMPT)
                .model(Model::Veo31I2v)
                .image(input)
                .submit()
                .await?;
            !job.request_id().is_empty()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("SDK {}: unexpected answer", op.name()).into())
    }
}

fn json_sized<T: Serialize>(value: &T, room: usize) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(room);
    serde_json::to_writer(&mut buf, value)?;
    Ok(buf)
}

/// The buffered body: the checked request (validated by the SDK) with the image inline as bytes,
/// serialised into one buffer sized for it, exactly the bytes the SDK streams.
fn buffered_body(sdk: &artnex::Client, op: Op, image: Bytes) -> Result<Vec<u8>> {
    let room = base64::encoded_len(image.len(), true).unwrap_or(0) + 1024;
    let input = ImageInput::bytes(image);
    Ok(match op {
        Op::Edit => json_sized(
            sdk.edit(PROMPT, input)
                .model(Model::NanoBananaEdit)
                .validate()?
                .value(),
            room,
        )?,
        Op::Upscale => json_sized(sdk.upscale(input).scale(2.0).validate()?.value(), room)?,
        Op::RemoveBg => json_sized(sdk.remove_background(input).validate()?.value(), room)?,
        Op::ImageToVideo => json_sized(
            sdk.video(PROMPT)
                .model(Model::Veo31I2v)
                .image(input)
                .validate()?
                .value(),
            room,
        )?,
    })
}

/// The buffered path, end to end: read the file (when from a file), build the body, send it with
/// reqwest (the SDK's transport settings), read and check the answer.
async fn buffered_call(
    sdk: &artnex::Client,
    raw: &reqwest::Client,
    base: &str,
    op: Op,
    image: &Bytes,
    file: Option<&Path>,
) -> Result<()> {
    let bytes = match file {
        Some(path) => Bytes::from(tokio::fs::read(path).await?),
        None => image.clone(),
    };
    let body = buffered_body(sdk, op, bytes)?;
    let response = raw
        .post(format!("{base}{}", op.path()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?
        .error_for_status()?;
    let answer: serde_json::Value = response.json().await?;
    let ok = match op {
        Op::Edit => answer["images"].as_array().is_some_and(|a| a.len() == 1),
        Op::Upscale | Op::RemoveBg => answer["image_url"].is_string(),
        Op::ImageToVideo => answer["request_id"].is_string(),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("buffered {}: unexpected answer {answer}", op.name()).into())
    }
}

/// Memory and time of one (operation, source): the SDK's streamed path and the buffered one.
#[derive(Debug, Default, Clone)]
struct Measured {
    sdk_peak: Vec<f64>,
    buf_peak: Vec<f64>,
    sdk_us: Vec<f64>,
    buf_us: Vec<f64>,
}

impl Measured {
    fn sdk_peak_max(&self) -> f64 {
        self.sdk_peak.iter().copied().fold(0.0, f64::max)
    }
    fn buf_peak_max(&self) -> f64 {
        self.buf_peak.iter().copied().fold(0.0, f64::max)
    }
    /// Speed of the streamed path relative to the buffered one (buffered time / streamed time), the
    /// median over pairs measured next to each other.
    fn speed(&self) -> f64 {
        paired_ratio(&self.buf_us, &self.sdk_us)
    }
}

#[allow(clippy::too_many_arguments)]
async fn measure(
    ctx: &Ctx,
    sdk: &artnex::Client,
    raw: &reqwest::Client,
    op: Op,
    from: From,
    image: &Bytes,
    file: &Path,
) -> Result<Measured> {
    let base = ctx.main.base_url();
    let mut m = Measured::default();
    // Rep 0 warms up and is not counted.
    for rep in 0..=ctx.sizes.upload_reps {
        let sides = if rep % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for streamed in sides {
            settle().await;
            let window = alloc::Window::open();
            let t = Instant::now();
            if streamed {
                let input = match from {
                    From::Bytes => ImageInput::bytes(image.clone()),
                    From::File => ImageInput::path(file),
                };
                sdk_call(sdk, op, input).await?;
            } else {
                let file = (from == From::File).then_some(file);
                buffered_call(sdk, raw, &base, op, image, file).await?;
            }
            let us = t.elapsed().as_secs_f64() * 1e6;
            let grew = window.close().peak_growth;
            if rep > 0 {
                if streamed {
                    m.sdk_peak.push(grew);
                    m.sdk_us.push(us);
                } else {
                    m.buf_peak.push(grew);
                    m.buf_us.push(us);
                }
            }
        }
    }
    Ok(m)
}

/// Target 5.
pub async fn uploads(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let sizes = ctx.sizes;
    println!("target 5: 10 MB image uploads, streamed vs buffered");
    let image = Bytes::from(big_png(SIZE));
    let encoded = base64::encoded_len(SIZE, true).unwrap_or(0) as f64;
    let engine = &base64::engine::general_purpose::STANDARD;
    let file = ctx.tmp.join("upload.png");
    tokio::fs::write(&file, &image).await?;

    // 5b: the public data URI builder vs a plain base64 encode, alternating.
    for _ in 0..2 {
        drop(artnex::media::data_uri(MediaFormat::Png, &image));
        drop(engine.encode(&image));
    }
    let mut sdk_t = Vec::new();
    let mut plain_t = Vec::new();
    for i in 0..sizes.encode_reps {
        for sdk_side in if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        } {
            let t = Instant::now();
            let s = if sdk_side {
                artnex::media::data_uri(MediaFormat::Png, &image)
            } else {
                engine.encode(&image)
            };
            let us = t.elapsed().as_secs_f64() * 1e6;
            drop(s);
            if sdk_side {
                sdk_t.push(us)
            } else {
                plain_t.push(us)
            }
        }
    }

    let sdk = artnex::Client::builder()
        .api_key(KEY)
        .base_url(ctx.main.base_url())
        .build()?;
    let raw = raw_client_like_sdk(KEY)?;
    let mut all = Vec::new();
    for op in Op::ALL {
        for from in [From::Bytes, From::File] {
            let m = measure(ctx, &sdk, &raw, op, from, &image, &file).await?;
            all.push((op, from, m));
        }
    }
    let get = |op: Op, from: From| -> &Measured {
        all.iter()
            .find(|(o, f, _)| *o == op && *f == from)
            .map(|(_, _, m)| m)
            .unwrap_or_else(|| unreachable!("every pair is measured"))
    };
    let memory_row = |id: &str, what: &str, m: &Measured| {
        let peak = m.sdk_peak_max();
        let buf = m.buf_peak_max();
        Row::new(id, what)
            .figures(
                format!("{} ({:.3}x)", mib(peak), peak / encoded),
                format!("buffered {} ({:.2}x)", mib(buf), buf / encoded),
            )
            .ratio(peak / encoded)
            .goal("≤ 0.1", Verdict::from_bool(peak / encoded <= 0.1))
    };
    let speed_row = |id: &str, what: &str, m: &Measured| {
        let speed = m.speed();
        Row::new(id, what)
            .figures(
                micros(median(&m.sdk_us)),
                format!("buffered {}", micros(median(&m.buf_us))),
            )
            .ratio(speed)
            .goal(
                "≥ 0.95 (buffered time / streamed time)",
                Verdict::from_bool(speed >= 0.95),
            )
    };
    let edit_bytes = get(Op::Edit, From::Bytes);
    let edit_file = get(Op::Edit, From::File);
    report.row(memory_row(
        "5a",
        "10 MB edit from bytes: peak extra client memory / base64 size (max of runs)",
        edit_bytes,
    ));
    let (s, p) = (median(&sdk_t), median(&plain_t));
    report.row(
        Row::new(
            "5b",
            "10 MB image: `media::data_uri` encode time vs plain base64 encode (median)",
        )
        .figures(micros(s), micros(p))
        .ratio(s / p)
        .goal("≤ 1.2", Verdict::from_bool(s / p <= 1.2)),
    );
    report.row(speed_row(
        "5c",
        "10 MB edit from bytes end to end: streamed vs buffered speed (median of pairs)",
        edit_bytes,
    ));
    report.row(memory_row(
        "5d",
        "10 MB edit from a file: peak extra client memory / base64 size (max of runs)",
        edit_file,
    ));
    report.row(speed_row(
        "5e",
        "10 MB edit from a file end to end: streamed vs buffered speed (median of pairs)",
        edit_file,
    ));
    for (id, op) in [
        ("5f", Op::Upscale),
        ("5g", Op::RemoveBg),
        ("5h", Op::ImageToVideo),
    ] {
        let (b, f) = (get(op, From::Bytes), get(op, From::File));
        let worst = b.sdk_peak_max().max(f.sdk_peak_max()) / encoded;
        let slowest = b.speed().min(f.speed());
        report.row(
            Row::new(
                id,
                &format!(
                    "10 MB {}: peak extra memory / base64 size (worst of bytes and file); speed vs buffered",
                    op.name()
                ),
            )
            .figures(
                format!(
                    "bytes {:.3}x, file {:.3}x; speed bytes {:.3}, file {:.3}",
                    b.sdk_peak_max() / encoded,
                    f.sdk_peak_max() / encoded,
                    b.speed(),
                    f.speed()
                ),
                format!(
                    "buffered bytes {:.2}x, file {:.2}x",
                    b.buf_peak_max() / encoded,
                    f.buf_peak_max() / encoded
                ),
            )
            .ratio(worst)
            .goal(
                "memory ≤ 0.1, speed ≥ 0.95",
                Verdict::from_bool(worst <= 0.1 && slowest >= 0.95),
            ),
        );
    }
    let detail: Vec<String> = all
        .iter()
        .map(|(op, from, m)| {
            format!(
                "{} from {}: streamed {} / {} (peak, median time), buffered {} / {}",
                op.name(),
                if *from == From::File {
                    "a file"
                } else {
                    "bytes"
                },
                mib(m.sdk_peak_max()),
                micros(median(&m.sdk_us)),
                mib(m.buf_peak_max()),
                micros(median(&m.buf_us))
            )
        })
        .collect();
    report.note(format!(
        "5: the image is a {SIZE}-byte PNG ({} of base64, the \"encoded size\"); {} counted pairs per operation and source after a warm-up pair, order alternating. Streamed = the SDK (`ImageInput::bytes` or `ImageInput::path`); buffered = the same checked request with the image as bytes serialised into one buffer sized for it (after `tokio::fs::read` for a file), sent by reqwest with the SDK's transport settings. Extra memory = peak of live bytes on client threads (blocking pool included) during the call minus live bytes before it (the image in memory is allocated beforehand and not counted). Speed = buffered time / streamed time per pair, median. {}. Encode (5b): {} alternating pairs.",
        mib(encoded),
        sizes.upload_reps,
        detail.join("; "),
        sizes.encode_reps
    ));
    let _ = tokio::fs::remove_file(&file).await;
    Ok(())
}
