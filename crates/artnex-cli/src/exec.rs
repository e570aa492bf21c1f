//! What the commands share around the SDK: failures, flag parsing, the checks made before anything is
//! sent, waiting for video jobs, and saving results under names that never replace a file.

use crate::files::{local_id, result_stem};
use crate::request::{Request, RequestExt};
use crate::settings::Settings;
use artnex::catalogue::{self, Model};
use artnex::media::Media;
use artnex::pricing::Estimate;
use artnex::video::{JobState, VideoJob, WaitOptions};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// A CLI-level failure before or outside the SDK (bad flag values); nothing was sent.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A request that succeeded and was charged, whose results could not all be saved.
#[derive(Debug)]
pub struct NotSaved {
    /// The command (`generate`, `video`, `images`, …).
    pub op: String,
    /// The request id (the server's, or the local one the files were to be named after).
    pub request_id: Option<String>,
    /// Credits charged, when the server said.
    pub credits: Option<u64>,
    /// The result URLs (inline results have none).
    pub urls: Vec<String>,
    /// Files saved before the failure.
    pub saved: Vec<PathBuf>,
    /// The output directory.
    pub out: PathBuf,
    /// Why saving failed.
    pub cause: artnex::Error,
}

impl NotSaved {
    /// The command line that downloads the results again.
    pub fn fetch_command(&self) -> Option<String> {
        if self.urls.is_empty() {
            return None;
        }
        let mut words = vec!["artnex".to_string(), "download".into()];
        words.extend(self.urls.iter().cloned());
        words.push("-o".into());
        words.push(self.out.display().to_string());
        Some(crate::batch::shell_line(words))
    }

    /// The message: what was charged and why it is not on disk.
    pub fn message(&self) -> String {
        let id = self
            .request_id
            .as_deref()
            .map(|r| format!(", request id {r}"))
            .unwrap_or_default();
        let urls = if self.urls.is_empty() {
            String::new()
        } else {
            format!("; results: {}", self.urls.join(" "))
        };
        let credits = self
            .credits
            .map(|c| format!("{c} credits"))
            .unwrap_or_else(|| "credits not reported".into());
        format!(
            "{} succeeded and was charged ({credits}{id}), but its results could not be saved: {}{urls}",
            self.op,
            crate::report::sdk_message(&self.cause)
        )
    }

    /// What to do: fetch again.
    pub fn fetch_again(&self) -> String {
        match self.fetch_command() {
            Some(cmd) => format!(
                "fix the cause, then fetch them again (free; URLs are kept for 24 hours): {cmd}"
            ),
            None => "the results came inline in the response and cannot be fetched again".into(),
        }
    }
}

/// A video job that was being waited for whose status could not be read to the end (a status poll
/// failed). The job may still be running on the server and is charged when it completes, so this is
/// never reported as "nothing was processed".
#[derive(Debug)]
pub struct Unfollowed {
    /// The job id.
    pub request_id: String,
    /// Whether another `artnex status` can pick it up (not on the embedded simulator).
    pub resumable: bool,
    /// Why the poll failed.
    pub cause: artnex::Error,
}

impl Unfollowed {
    /// A failed wait for `request_id`: a job that ended (failed) or is still running after the timeout
    /// is reported as the SDK says; any other error left the job unfollowed.
    pub fn classify(request_id: &str, resumable: bool, e: artnex::Error) -> Failure {
        match e {
            artnex::Error::JobFailed { .. } | artnex::Error::JobTimedOut { .. } => Failure::Sdk(e),
            cause => Failure::Unfollowed(Box::new(Unfollowed {
                request_id: request_id.to_string(),
                resumable,
                cause,
            })),
        }
    }

    /// The message: the job may go on, and why its status is not known.
    pub fn message(&self) -> String {
        let whose = if self.resumable {
            ""
        } else {
            " on the embedded simulator, which stops with this command"
        };
        format!(
            "video job {}{whose} may still be running (it is charged when it completes), but its status could not be read: {}",
            self.request_id,
            crate::report::sdk_message(&self.cause)
        )
    }

    /// What to do: resume it, at another status path when the server knew no job at this one.
    pub fn hint(&self) -> Option<String> {
        if !self.resumable {
            return None;
        }
        if unknown_job(&self.cause) {
            return Some(status_path_advice(&format!(
                "then resume with `{}`",
                crate::resume_command_at(&self.request_id, Some("TEMPLATE".into()))
            )));
        }
        Some(format!(
            "resume with `{}` (polls cost no credits)",
            crate::resume_command(&self.request_id)
        ))
    }
}

/// Whether the server answered a status poll with 404: it knows no such job at the path polled.
pub fn unknown_job(e: &artnex::Error) -> bool {
    matches!(e, artnex::Error::Api(a)
        if a.operation == artnex::OperationId::GetVideoStatus && a.status == 404)
}

/// What to do when the server knows no job at the status path polled: the docs do not name that path.
pub fn status_path_advice(then: &str) -> String {
    format!(
        "the docs do not name the video status endpoint and this server knows no such job at `{}`: if the job id is right, find where the API answers status polls and pass it with --video-status-path TEMPLATE (or ARTNEX_VIDEO_STATUS_PATH, or video_status_path in the config file), `{{request_id}}` where the id goes; {then}",
        crate::status_path()
    )
}

/// Every kind of failure a command reports.
#[derive(Debug)]
pub enum Failure {
    /// Bad input caught by the CLI itself (nothing sent).
    Usage(UsageError),
    /// Anything the SDK reports.
    Sdk(artnex::Error),
    /// Charged, but not saved.
    NotSaved(Box<NotSaved>),
    /// A video job that may still be running, whose status could not be read.
    Unfollowed(Box<Unfollowed>),
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
        f.write_str(&crate::report::message(self))
    }
}

/// Parses a flag value (`--quality high`) that clap has already checked against the valid values.
pub fn parse<T: FromStr>(field: &str, value: &Option<String>) -> Result<Option<T>, UsageError> {
    value
        .as_deref()
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| UsageError(format!("invalid {field} `{v}`")))
        })
        .transpose()
}

/// The closest of `candidates` to `input`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    let limit = (input.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter_map(|c| {
            let lower = c.to_ascii_lowercase();
            let distance = strsim::damerau_levenshtein(&input, &lower);
            // A name cut short (`voice` for `voice_id`) is a typo too.
            let prefix = input.len() >= 3 && lower.starts_with(&input);
            (distance <= limit || prefix).then_some((distance, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn kind_name(kind: catalogue::Kind) -> &'static str {
    match kind {
        catalogue::Kind::Image => "image",
        catalogue::Kind::Edit => "edit",
        catalogue::Kind::Video => "video",
        catalogue::Kind::Speech => "speech",
        _ => "other",
    }
}

/// A model id the catalogue does not know, refused unless `--allow-unknown-model` is given or a price
/// table prices it.
fn check_model(s: &Settings, req: &Request) -> Result<(), UsageError> {
    let (Some(Model::Other(id)), Some(kind)) = (req.model(), req.model_kind()) else {
        return Ok(());
    };
    if s.allow_unknown_model || s.prices_model(&Model::from_id(id)) {
        return Ok(());
    }
    let same_kind = catalogue::models(kind).map(|m| m.id);
    let suggestion = did_you_mean(id, same_kind)
        .or_else(|| did_you_mean(id, catalogue::MODELS.iter().map(|m| m.id)))
        .map(|m| format!("; did you mean `{m}`?"))
        .unwrap_or_default();
    let kind = kind_name(kind);
    Err(UsageError(format!(
        "`{id}` is not a known {kind} model{suggestion} (`artnex models --kind {kind}` lists them; pass --allow-unknown-model to send it anyway, for a model newer than this version); nothing was sent"
    )))
}

/// A voice id not in the list known for its model (see [`Settings::known_voices`]).
fn check_voice(s: &Settings, req: &Request) -> Result<(), UsageError> {
    let Request::Tts(t) = req else { return Ok(()) };
    let (Some(voice), Some(model)) = (&t.voice_id, req.model_id()) else {
        return Ok(());
    };
    if s.allow_unknown_model {
        return Ok(());
    }
    let Some(known) = s.known_voices(&model) else {
        return Ok(());
    };
    let accepted = known.iter().any(|k| k.eq_ignore_ascii_case(voice))
        || (s.mock && artnex_mock::accepts_voice(&model, voice));
    if accepted {
        return Ok(());
    }
    let suggestion = did_you_mean(voice, known.iter().map(String::as_str))
        .map(|v| format!("; did you mean `{v}`?"))
        .unwrap_or_default();
    let source = if s.config.config.voices.contains_key(&model) {
        "the config file's [voices] list"
    } else {
        "the simulator's voices"
    };
    Err(UsageError(format!(
        "`{voice}` is not a known voice of {model}{suggestion} (known from {source}: {}; pass --allow-unknown-model to send it anyway); nothing was sent",
        known.join(", ")
    )))
}

/// A local input file that sending would read: missing or unreadable is refused now.
fn check_local_file(req: &Request) -> Result<(), UsageError> {
    let Some(path) = req.local_image() else {
        return Ok(());
    };
    let shown = path.display();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(UsageError(format!(
            "image file `{shown}` not found; nothing was sent"
        ))),
        Err(e) => Err(UsageError(format!(
            "image file `{shown}` cannot be read: {e}; nothing was sent"
        ))),
        Ok(m) if !m.is_file() => Err(UsageError(format!(
            "image `{shown}` is not a file; nothing was sent"
        ))),
        Ok(_) => std::fs::File::open(path).map(drop).map_err(|e| {
            UsageError(format!(
                "image file `{shown}` cannot be read: {e}; nothing was sent"
            ))
        }),
    }
}

/// Everything checked before a request is sent, the same for real runs, `--dry-run`, `price` and batch
/// lines: a known model and voice, a readable input file, then the SDK's validation. Returns the
/// estimate.
pub fn preflight(s: &Settings, req: &Request) -> Result<Estimate, Failure> {
    check_model(s, req)?;
    check_voice(s, req)?;
    check_local_file(req)?;
    Ok(req.estimate(s.price_table())?)
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

/// Streams every result into `out` as `<op>-<id>[-<i>].<ext>` (see [`result_stem`]) without replacing
/// any existing file; `id` is the request id, or a fresh local id when there is none. Returns the paths
/// written, or those written before the failure and the failure.
pub async fn save_all(
    media: &[Media],
    out: &Path,
    op: &str,
    id: Option<&str>,
) -> Result<Vec<PathBuf>, (Vec<PathBuf>, artnex::Error)> {
    let local;
    let id = match id {
        Some(id) => id,
        None => {
            local = local_id();
            &local
        }
    };
    let mut files = Vec::with_capacity(media.len());
    for (i, m) in media.iter().enumerate() {
        let index = (media.len() > 1).then_some(i);
        let saved = match m
            .save_new_to_dir(out, &result_stem(op, Some(id), index))
            .await
        {
            Ok(saved) => saved,
            Err(e) => return Err((files, e)),
        };
        // Names come from our own sanitised stems; this guards the invariant.
        if !crate::files::is_inside(out, &saved.path) {
            let e = artnex::Error::Io {
                path: Some(saved.path),
                source: std::io::Error::other(
                    "refusing a result path outside the output directory",
                ),
            };
            return Err((files, e));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion_and_strangers_none() {
        let ids = ["flux-2-pro", "flux-dev", "z-image-turbo"];
        assert_eq!(did_you_mean("flux2-pro", ids), Some("flux-2-pro"));
        assert_eq!(did_you_mean("FLUX-2-PRO", ids), Some("flux-2-pro"));
        assert_eq!(did_you_mean("midjourney", ids), None);
    }

    #[test]
    fn unknown_models_are_refused_with_a_suggestion_unless_allowed_or_priced() {
        let req: Request =
            serde_json::from_str(r#"{"op":"generate","prompt":"x","model":"flux2-pro"}"#).unwrap();
        let mut s = Settings::for_tests();
        let e = check_model(&s, &req).unwrap_err().0;
        assert!(
            e.contains("`flux2-pro` is not a known image model; did you mean `flux-2-pro`?"),
            "{e}"
        );
        s.allow_unknown_model = true;
        assert!(check_model(&s, &req).is_ok());
        s.allow_unknown_model = false;
        s.prices = Some(artnex::PriceTable::new().model(Model::from_id("flux2-pro"), 5));
        assert!(check_model(&s, &req).is_ok());
    }

    #[test]
    fn sdk_messages_for_rust_callers_never_reach_the_cli() {
        // The requests whose SDK messages name builder methods or enum paths.
        for line in [
            r#"{"op":"video","prompt":"x","mode":"image-to-video","model":"kling-v2.5-turbo-pro-i2v"}"#,
            r#"{"op":"video","prompt":"x","model":"kling-v2.5-turbo-pro","image":"https://example.com/a.png"}"#,
        ] {
            let req: Request = serde_json::from_str(line).unwrap();
            let Err(Failure::Sdk(e)) = preflight(&Settings::for_tests(), &req) else {
                panic!("{line} should be refused");
            };
            let text = crate::report::sdk_message(&e);
            for sdk in [".image(", ".mode(", "VideoMode::", "PriceTable", "client."] {
                assert!(!text.contains(sdk), "{line}: {text}");
            }
        }
    }
}
