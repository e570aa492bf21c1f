//! Turning a [`Request`] into SDK calls: validation and estimates without the network, sending, waiting
//! for video jobs, and saving results under safe names.

use crate::files::result_stem;
use crate::request::Request;
use artnex::media::{ImageInput, Media};
use artnex::pricing::Estimate;
use artnex::video::{JobState, VideoJob, WaitOptions};
use artnex::{Client, Model};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// A CLI-level failure before or outside the SDK (bad flag values).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Either kind of failure.
#[derive(Debug)]
pub enum Failure {
    /// Bad input caught by the CLI itself (nothing sent).
    Usage(UsageError),
    /// Anything the SDK reports.
    Sdk(artnex::Error),
}

impl From<artnex::Error> for Failure {
    fn from(e: artnex::Error) -> Self {
        Failure::Sdk(e)
    }
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Self {
        Failure::Usage(e)
    }
}

impl From<artnex::ValidationError> for Failure {
    fn from(e: artnex::ValidationError) -> Self {
        Failure::Sdk(artnex::Error::Validation(e))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(e) => e.fmt(f),
            Failure::Sdk(e) => e.fmt(f),
        }
    }
}

impl Failure {
    /// Whether the request may have been processed (and charged) although it failed.
    pub fn may_have_been_processed(&self) -> bool {
        matches!(self, Failure::Sdk(e) if e.may_have_been_processed())
    }
}

fn parse<T: FromStr>(field: &str, value: &Option<String>) -> Result<Option<T>, UsageError> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| UsageError(format!("invalid {field} `{v}`")))
        })
        .transpose()
}

/// An SDK request builder for any operation.
pub enum Built {
    /// Generate.
    Generate(artnex::images::GenerateRequest),
    /// Edit.
    Edit(artnex::edit::EditRequest),
    /// Video.
    Video(artnex::video::VideoRequest),
    /// TTS.
    Tts(artnex::audio::SpeechRequest),
    /// Upscale.
    Upscale(artnex::upscale::UpscaleRequest),
    /// Remove background.
    RemoveBg(artnex::background::RemoveBackgroundRequest),
}

/// Builds the SDK request. Flag values that do not parse (for example `--quality ultra`) are usage errors.
pub fn build(client: &Client, req: &Request) -> Result<Built, UsageError> {
    Ok(match req {
        Request::Generate {
            prompt,
            model,
            width,
            height,
            num_images,
            resolution,
            quality,
        } => {
            let mut b = client
                .generate(prompt.as_str())
                .model(Model::from_id(model));
            if let Some(n) = num_images {
                b = b.num_images(*n);
            }
            if let Some(w) = width {
                b = b.width(*w);
            }
            if let Some(h) = height {
                b = b.height(*h);
            }
            if let Some(r) = parse("resolution", resolution)? {
                b = b.resolution(r);
            }
            if let Some(q) = parse("quality", quality)? {
                b = b.quality(q);
            }
            Built::Generate(b)
        }
        Request::Edit {
            prompt,
            image,
            model,
            resolution,
            quality,
        } => {
            let mut b = client
                .edit(prompt.as_str(), ImageInput::from(image.as_str()))
                .model(Model::from_id(model));
            if let Some(r) = parse("resolution", resolution)? {
                b = b.resolution(r);
            }
            if let Some(q) = parse("quality", quality)? {
                b = b.quality(q);
            }
            Built::Edit(b)
        }
        Request::Video {
            prompt,
            mode,
            image,
            aspect_ratio,
            duration,
            ..
        } => {
            let model = req.model().unwrap_or_default();
            let mut b = client.video(prompt.as_str()).model(Model::from_id(&model));
            if let Some(m) = mode {
                let m = artnex::catalogue::VideoMode::from_wire(m).ok_or_else(|| {
                    UsageError(format!(
                        "invalid mode `{m}`: use text-to-video or image-to-video"
                    ))
                })?;
                b = b.mode(m);
            }
            if let Some(i) = image {
                b = b.image(ImageInput::from(i.as_str()));
            }
            if let Some(a) = parse("aspect ratio", aspect_ratio)? {
                b = b.aspect_ratio(a);
            }
            if let Some(d) = duration {
                b = b.duration(*d);
            }
            Built::Video(b)
        }
        Request::Tts { text, voice_id, .. } => {
            let mut b = client
                .tts(text.as_str())
                .model(Model::from_id(&req.model().unwrap_or_default()));
            if let Some(v) = voice_id {
                b = b.voice(v.as_str());
            }
            Built::Tts(b)
        }
        Request::Upscale { image, scale } => {
            let mut b = client.upscale(ImageInput::from(image.as_str()));
            if let Some(s) = scale {
                b = b.scale(*s);
            }
            Built::Upscale(b)
        }
        Request::RemoveBg { image } => {
            Built::RemoveBg(client.remove_background(ImageInput::from(image.as_str())))
        }
    })
}

/// What a dry run checks beyond the SDK's validation: local image files exist (sending would read them).
pub fn check_local_files(req: &Request) -> Result<(), UsageError> {
    match req.local_image() {
        Some(image) if !Path::new(image).is_file() => Err(UsageError(format!(
            "image file `{image}` not found (nothing was sent)"
        ))),
        _ => Ok(()),
    }
}

impl Built {
    /// Validates and prices the request without the network.
    pub fn estimate(&self) -> Result<Estimate, artnex::ValidationError> {
        match self {
            Built::Generate(b) => b.estimate(),
            Built::Edit(b) => b.estimate(),
            Built::Video(b) => b.estimate(),
            Built::Tts(b) => b.estimate(),
            Built::Upscale(b) => b.estimate(),
            Built::RemoveBg(b) => b.estimate(),
        }
    }
}

/// What a billable call returned.
pub enum Sent {
    /// Finished results to download.
    Results {
        /// Request id.
        request_id: Option<String>,
        /// Credits charged.
        credits: u64,
        /// Result files.
        media: Vec<Media>,
        /// Audio length, for TTS.
        duration_seconds: Option<f64>,
    },
    /// A video job that was accepted and must be waited for.
    Job(VideoJob),
}

/// Sends the request (one billable call; video returns the job without waiting).
pub async fn send(built: Built) -> Result<Sent, artnex::Error> {
    let results = |request_id, credits: Option<u64>, media, duration_seconds| Sent::Results {
        request_id,
        credits: credits.unwrap_or(0),
        media,
        duration_seconds,
    };
    Ok(match built {
        Built::Generate(b) => {
            let r = b.send().await?;
            results(r.request_id, r.credits_used, r.images, None)
        }
        Built::Edit(b) => {
            let r = b.send().await?;
            results(r.request_id, r.credits_used, r.images, None)
        }
        Built::Video(b) => Sent::Job(b.submit().await?),
        Built::Tts(b) => {
            let r = b.send().await?;
            results(
                r.request_id,
                r.credits_used,
                vec![r.audio],
                r.duration_seconds,
            )
        }
        Built::Upscale(b) => {
            let r = b.send().await?;
            results(r.request_id, r.credits_used, vec![r.image], None)
        }
        Built::RemoveBg(b) => {
            let r = b.send().await?;
            results(r.request_id, r.credits_used, vec![r.image], None)
        }
    })
}

/// Waits for a video job, calling `on_state` on every status change.
pub async fn wait(
    job: &VideoJob,
    interval: Duration,
    timeout: Duration,
    on_state: impl FnMut(&JobState) + Send + 'static,
) -> Result<(Option<String>, u64, Media), artnex::Error> {
    let video = job
        .wait_with(
            WaitOptions::new()
                .interval(interval)
                .timeout(timeout)
                .on_progress(on_state),
        )
        .await?;
    Ok((
        Some(video.request_id),
        video.credits_used.unwrap_or(0),
        video.video,
    ))
}

/// Streams every result into `out` as `<op>-<request_id>[-<i>].<ext>`; returns the paths written.
pub async fn save_all(
    media: &[Media],
    out: &Path,
    op: &str,
    request_id: Option<&str>,
) -> Result<Vec<PathBuf>, artnex::Error> {
    let mut files = Vec::with_capacity(media.len());
    for (i, m) in media.iter().enumerate() {
        let index = (media.len() > 1).then_some(i);
        let saved = m
            .save_to_dir(out, &result_stem(op, request_id, index))
            .await?;
        // Names come from our own sanitised stems; this guards the invariant.
        if !crate::files::is_inside(out, &saved.path) {
            return Err(artnex::Error::Io {
                path: Some(saved.path),
                source: std::io::Error::other(
                    "refusing a result path outside the output directory",
                ),
            });
        }
        files.push(saved.path);
    }
    Ok(files)
}

/// Seconds as a `Duration`, clamped to something sane.
pub fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(if s.is_finite() {
        s.clamp(0.0, 86_400.0)
    } else {
        0.0
    })
}
