//! What the commands share around the SDK: failures, flag parsing, local file checks, waiting for video
//! jobs, and saving results under safe names.

use crate::files::result_stem;
use crate::request::{Request, RequestExt};
use artnex::media::Media;
use artnex::video::{JobState, VideoJob, WaitOptions};
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

/// Parses a flag value (`--quality high`); a value that does not parse is a usage error.
pub fn parse<T: FromStr>(field: &str, value: &Option<String>) -> Result<Option<T>, UsageError> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| UsageError(format!("invalid {field} `{v}`")))
        })
        .transpose()
}

/// What a dry run checks beyond the SDK's validation: local image files exist (sending would read them).
pub fn check_local_files(req: &Request) -> Result<(), UsageError> {
    match req.local_image() {
        Some(image) if !image.is_file() => Err(UsageError(format!(
            "image file `{}` not found (nothing was sent)",
            image.display()
        ))),
        _ => Ok(()),
    }
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
