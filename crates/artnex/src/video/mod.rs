//! Video generation: `POST /v1/video`, then status polls until the job ends.
//!
//! [`VideoRequest::submit`] returns a [`VideoJob`] whose [`request_id`](VideoJob::request_id) you can store
//! before waiting, so a timeout or a crash never loses a paid job: [`Client::video_job`] resumes it.
//! [`VideoJob::wait`] polls no faster than every 5 s by default, gives up after 5 minutes by default (the
//! error carries the request id), rides out transient errors while polling, and reports every status
//! change to an optional callback; [`VideoJob::updates`] gives the same status changes as a stream.
//!
//! Statuses are read tolerantly (the docs name only `completed` and `error`): an answer with a
//! `video_url` is completed whatever its status word; `failed`, `cancelled`, `canceled`, `expired` end the
//! wait as failures; words this version does not know mean "still running".
//!
//! Credits are charged when the job completes; a failed job is not charged.
//!
//! ```no_run
//! use std::time::Duration;
//! use artnex::{Client, Model};
//!
//! # async fn run() -> artnex::Result<()> {
//! let client = Client::from_env()?;
//! let job = client.video("A drone over a misty mountain range at sunrise").model(Model::Veo31).duration(8).submit().await?;
//! println!("submitted {}", job.request_id()); // persist this
//! let video = job
//!     .wait()
//!     .timeout(Duration::from_secs(600))
//!     .on_progress(|state| println!("{}: {}", state.request_id, state.status))
//!     .await?;
//! video.video.download_to("drone.mp4").await?;
//! # Ok(()) }
//! ```

mod status;
mod wait;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use status::{GetVideoStatus, VideoStatusRequest};
pub use wait::{Updates, Wait, WaitOptions};

use crate::catalogue::{AspectRatio, Kind, Model, VideoMode};
use crate::client::{Checks, Client};
use crate::error::{ApiError, Error, ErrorCode, ValidationError};
use crate::exec::Answer;
use crate::media::{ImageInput, Media, MediaKind};
use crate::operation::{Deliver, Dialect, Operation, OperationId, sealed};
use crate::pricing::Billable;
use crate::request::{Request, setters};
use crate::validate;

/// A video job's status. Statuses this version does not know are kept in [`JobStatus::Other`] and mean
/// "still running".
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// `pending` (or `queued`): waiting to start.
    Pending,
    /// `processing` (or `running`, `in_progress`): rendering.
    Processing,
    /// `completed` (or `succeeded`, `success`, `complete`, `done`, or any status with a `video_url`): the
    /// video is ready (and charged).
    Completed,
    /// `error` (or `failed`, `failure`): the job failed (not charged).
    Failed,
    /// `cancelled` or `canceled`: the job was cancelled (not charged).
    Cancelled,
    /// `expired`: the job or its result expired.
    Expired,
    /// Any other value, kept verbatim; treated as still running.
    Other(String),
}

impl JobStatus {
    /// Parses the wire value (case-insensitively).
    ///
    /// ```
    /// use artnex::video::JobStatus;
    /// assert_eq!(JobStatus::from_wire("error"), JobStatus::Failed);
    /// assert_eq!(JobStatus::from_wire("canceled"), JobStatus::Cancelled);
    /// assert_eq!(JobStatus::from_wire("upscaling"), JobStatus::Other("upscaling".into()));
    /// assert!(!JobStatus::from_wire("upscaling").is_terminal());
    /// ```
    pub fn from_wire(value: &str) -> JobStatus {
        match value.trim().to_ascii_lowercase().as_str() {
            "pending" | "queued" | "submitted" => JobStatus::Pending,
            "processing" | "running" | "in_progress" | "generating" => JobStatus::Processing,
            "completed" | "complete" | "succeeded" | "success" | "done" | "finished" => {
                JobStatus::Completed
            }
            "error" | "failed" | "failure" => JobStatus::Failed,
            "cancelled" | "canceled" => JobStatus::Cancelled,
            "expired" => JobStatus::Expired,
            _ => JobStatus::Other(value.to_string()),
        }
    }

    /// The documented wire value (`pending`, `processing`, `completed`, `error`), or the word as received.
    ///
    /// ```
    /// assert_eq!(artnex::video::JobStatus::Failed.as_str(), "error");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Processing => "processing",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "error",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Expired => "expired",
            JobStatus::Other(s) => s,
        }
    }

    /// Whether the job has ended (completed, failed, cancelled or expired).
    ///
    /// ```
    /// assert!(artnex::video::JobStatus::Completed.is_terminal());
    /// assert!(artnex::video::JobStatus::Cancelled.is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        !matches!(
            self,
            JobStatus::Pending | JobStatus::Processing | JobStatus::Other(_)
        )
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one status poll (or the submission) returned.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct JobState {
    /// The job id.
    pub request_id: String,
    /// Its status.
    pub status: JobStatus,
    /// The video URL, once completed.
    pub video_url: Option<String>,
    /// Credits charged, once completed.
    pub credits_used: Option<u64>,
    /// Failure code, when failed.
    pub error: Option<String>,
    /// Failure message, when failed.
    pub message: Option<String>,
}

impl JobState {
    pub(crate) fn from_wire(j: artnex_api::types::VideoJob) -> Self {
        let mut status = JobStatus::from_wire(&j.status);
        let video_url = j.video_url.filter(|u| !u.trim().is_empty());
        // A URL to the video means it is there, whatever the word (unless the word says it failed).
        if video_url.is_some() && !status.is_terminal() {
            status = JobStatus::Completed;
        }
        JobState {
            status,
            request_id: j.request_id,
            video_url,
            credits_used: j.credits_used,
            error: j.error,
            message: j.message,
        }
    }
}

/// A finished video.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Video {
    /// The MP4 file (kept 24 hours).
    pub video: Media,
    /// The job id.
    pub request_id: String,
    /// Credits charged.
    pub credits_used: Option<u64>,
}

/// A video request value, in the API's field names (`image`: the start image, a path, an https URL or a
/// data URI).
///
/// ```
/// let value: artnex::video::CreateVideo =
///     serde_json::from_str(r#"{"prompt": "waves", "model": "veo3.1", "duration": 8, "aspect_ratio": "9:16"}"#).unwrap();
/// assert_eq!(value.duration, Some(8));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateVideo {
    /// Scene, motion and style (at most 4,000 characters).
    pub prompt: String,
    /// The video model (required before sending). Its catalogue entry fixes the mode, durations and
    /// aspect ratios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// Text-to-video or image-to-video (the model's own mode when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<VideoMode>,
    /// The start image (image-to-video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageInput>,
    /// The aspect ratio (text-to-video models that support it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<AspectRatio>,
    /// Clip length in seconds (one the model supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
}

impl CreateVideo {
    /// A request with this prompt and nothing else set.
    ///
    /// ```
    /// assert!(artnex::video::CreateVideo::new("waves").model.is_none());
    /// ```
    pub fn new(prompt: impl Into<String>) -> Self {
        CreateVideo {
            prompt: prompt.into(),
            model: None,
            mode: None,
            image: None,
            aspect_ratio: None,
            duration: None,
        }
    }
}

/// A video request builder: `.submit()` sends it and returns the [`VideoJob`]; `.await` (or `.send()`)
/// submits and waits.
pub type VideoRequest = Request<CreateVideo>;

impl sealed::Sealed for CreateVideo {}

impl Operation for CreateVideo {
    const ID: OperationId = OperationId::CreateVideo;
    type Client = Client;
    type Resolved = Model;
    type Response = artnex_api::types::VideoJob;
    type Output = Video;
    type Options = WaitOptions;

    fn check(mut self, checks: &Checks) -> Result<(Self, Model), ValidationError> {
        validate::prompt(&self.prompt, artnex_facts::CREATE_VIDEO_PROMPT_MAX_CHARS)?;
        let (model, info) = validate::model(self.model.as_ref(), Kind::Video)?;
        if let Some(image) = &self.image {
            image.check("image", checks.image_urls)?;
        }
        let mode = validate::video(
            info,
            &validate::VideoParams {
                mode: self.mode,
                has_image: self.image.is_some(),
                duration: self.duration,
                aspect_ratio: self.aspect_ratio,
            },
        )?;
        let model = model.clone();
        self.mode = mode;
        // The docs do not say which clip a request without `duration` gets: send the one the SDK
        // assumes (the model's shortest), so the clip is the same whatever the server's default.
        if self.duration.is_none() {
            self.duration = info.and_then(|i| i.video).map(|v| v.durations.shortest());
        }
        Ok((self, model))
    }

    fn billable<'a>(_: &'a Self, model: &'a Model) -> Option<Billable<'a>> {
        Some(Billable::Video { model })
    }

    fn text(&self) -> Option<&str> {
        Some(&self.prompt)
    }

    fn model_mut(&mut self) -> Option<&mut Option<Model>> {
        Some(&mut self.model)
    }

    fn model_ref(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    fn image_mut(&mut self) -> Option<&mut ImageInput> {
        self.image.as_mut()
    }

    fn image_ref(&self) -> Option<&ImageInput> {
        self.image.as_ref()
    }
}

setters! { CreateVideo {
    /// The video model (required). Its catalogue entry fixes the mode, durations and aspect ratios.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.video("waves").model(artnex::Model::Sora2);
    /// assert_eq!(req.estimate()?.credits(), Some(3500));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    model(model: impl Into<Model>) => model = Some(model.into());

    /// Text-to-video or image-to-video. Optional: the SDK sends the model's own mode when unset.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::VideoMode;
    /// let req = client.video("waves").model(artnex::Model::Veo31).mode(VideoMode::ImageToVideo);
    /// assert_eq!(req.validate().unwrap_err().field, "mode"); // veo3.1 is text-to-video
    /// # Ok::<(), artnex::Error>(())
    /// ```
    mode(mode: VideoMode) => mode = Some(mode);

    /// The start image (image-to-video models): a path, an https URL or bytes.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.video("the camera pushes in").model(artnex::Model::Veo31I2v).image("https://example.com/start.png");
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    image(image: impl Into<ImageInput>) => image = Some(image.into());

    /// The aspect ratio. The SDK refuses a ratio the model does not support (the server would silently
    /// use its default, and you would pay for a clip you did not ask for).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::AspectRatio;
    /// assert!(client.video("waves").model(artnex::Model::Veo31).aspect_ratio(AspectRatio::Portrait).validate().is_ok());
    /// assert!(client.video("waves").model(artnex::Model::Veo31).aspect_ratio(AspectRatio::Square).validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    aspect_ratio(ratio: AspectRatio) => aspect_ratio = Some(ratio);

    /// Clip length in seconds; must be one the model supports.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.video("waves").model(artnex::Model::SeedanceV15ProT2v).duration(7).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    duration(seconds: u32) => duration = Some(seconds);
}}

impl VideoRequest {
    /// How to wait when the request is `.await`ed directly.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use std::time::Duration;
    /// use artnex::video::WaitOptions;
    /// let req = client.video("waves").model(artnex::Model::Veo31).wait_options(WaitOptions::new().timeout(Duration::from_secs(600)));
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }

    /// Validates, reserves the estimate in the budget, and submits the job. Returns as soon as the server
    /// has accepted it.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// use artnex::Model;
    /// let job = client.video("waves at dusk").model(Model::Veo3Fast).duration(4).submit().await?;
    /// println!("store {} to resume later", job.request_id());
    /// let video = job.wait().await?;
    /// # let _ = video; Ok(()) }
    /// ```
    pub async fn submit(self) -> Result<VideoJob, Error> {
        use tracing::Instrument as _;
        let span = self.span();
        async move {
            let sent = self.call().await?;
            Ok(VideoJob::submitted(sent.client, sent.answer))
        }
        .instrument(span)
        .await
    }
}

/// A submitted video job. Clone it freely; [`VideoJob::request_id`] identifies it across restarts. Any
/// handle on the job (this one, a clone, or one from [`Client::video_job`]) that sees it end settles the
/// client budget, once.
#[derive(Clone)]
pub struct VideoJob {
    client: Client,
    request_id: String,
    last: Option<JobState>,
}

impl fmt::Debug for VideoJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoJob")
            .field("request_id", &self.request_id)
            .field("last_status", &self.last.as_ref().map(|s| &s.status))
            .finish()
    }
}

impl VideoJob {
    pub(crate) fn resume(client: Client, request_id: String) -> Self {
        VideoJob {
            client,
            request_id,
            last: None,
        }
    }

    fn submitted(client: Client, answer: Answer<artnex_api::types::VideoJob>) -> Self {
        let state = JobState::from_wire(answer.value);
        tracing::info!(request_id = %state.request_id, status = %state.status, "video job submitted");
        settle(&client, &state);
        VideoJob {
            client,
            request_id: state.request_id.clone(),
            last: Some(state),
        }
    }

    /// The job id: store it to resume with [`Client::video_job`] later.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.video_job("req_123").request_id(), "req_123");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The last state seen (the submission response for a fresh job, `None` for a resumed one).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.video_job("req_123").last_state().is_none());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn last_state(&self) -> Option<&JobState> {
        self.last.as_ref()
    }

    /// One status poll, retried on transient errors; the same as [`Client::video_status`]. Free: polls
    /// are not billed (the server throttles polls faster than every 5 s).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let state = client.video_job("req_vid789xyz").poll().await?;
    /// println!("{}", state.status);
    /// # Ok(()) }
    /// ```
    pub async fn poll(&self) -> Result<JobState, Error> {
        self.client
            .video_status(self.request_id.clone())
            .send()
            .await
    }

    /// Waits for the job with the client's default interval and timeout; chain
    /// [`Wait::interval`], [`Wait::timeout`] or [`Wait::on_progress`] to change them, then `.await`.
    ///
    /// ```no_run
    /// # async fn run(job: artnex::video::VideoJob) -> artnex::Result<()> {
    /// let video = job.wait().await?;
    /// # let _ = video; Ok(()) }
    /// ```
    pub fn wait(&self) -> Wait {
        Wait::new(self.clone(), WaitOptions::default())
    }

    /// Waits with the given options.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::video::WaitOptions;
    /// let wait = client.video_job("req_123").wait_with(WaitOptions::new().interval(std::time::Duration::from_secs(10)));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn wait_with(&self, options: WaitOptions) -> Wait {
        Wait::new(self.clone(), options)
    }

    /// The job's status changes as a stream, with the client's default interval and timeout: each status
    /// seen for the first time (the submission's, for a fresh job), ending after the final state (yielded,
    /// with the budget settled) or with an error: the timeout ([`Error::JobTimedOut`], the job goes on) or
    /// a poll error that is not transient. Nothing is sent until it is first read, and the timeout runs
    /// from then.
    ///
    /// ```no_run
    /// # async fn run(job: artnex::video::VideoJob) -> artnex::Result<()> {
    /// let mut updates = job.updates();
    /// while let Some(state) = updates.next().await {
    ///     let state = state?;
    ///     println!("{}: {}", state.request_id, state.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn updates(&self) -> Updates {
        self.updates_with(WaitOptions::default())
    }

    /// [`VideoJob::updates`] with the given interval and timeout; a progress callback in the options is
    /// called for each state as well.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::video::WaitOptions;
    /// let updates = client.video_job("req_123").updates_with(WaitOptions::new().interval(std::time::Duration::from_secs(10)));
    /// # drop(updates);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn updates_with(&self, options: WaitOptions) -> Updates {
        Updates::new(self.clone(), options)
    }

    /// `Some(video)` when completed, an error when it ended otherwise, `None` while running.
    pub(crate) fn outcome(client: &Client, state: &JobState) -> Result<Option<Video>, Error> {
        match &state.status {
            JobStatus::Completed => match &state.video_url {
                Some(url) => Ok(Some(Video {
                    video: client.core().downloads.url(url.clone(), MediaKind::Video),
                    request_id: state.request_id.clone(),
                    credits_used: state.credits_used,
                })),
                None => Err(Error::Api(Box::new(ApiError {
                    operation: OperationId::GetVideoStatus,
                    status: 200,
                    code: ErrorCode::Unknown("missing_video_url".into()),
                    message: "the job is completed but the response has no video_url".into(),
                    request_id: Some(state.request_id.clone()),
                    error_type: None,
                    param: None,
                    retry_after: None,
                    may_have_been_processed: true,
                }))),
            },
            status if status.is_terminal() => Err(Error::JobFailed {
                request_id: state.request_id.clone(),
                code: state
                    .error
                    .clone()
                    .unwrap_or_else(|| status.as_str().to_string()),
                message: state
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("the job ended with status `{status}`")),
            }),
            _ => Ok(None),
        }
    }
}

/// Settles the budget when a state is final: the actual credits of a completed job, the reservation of
/// one that ended otherwise released. Once per job id, whichever handle or poll sees it first.
pub(crate) fn settle(client: &Client, state: &JobState) {
    let Some(budget) = client.budget_handle() else {
        return;
    };
    match state.status {
        JobStatus::Completed => budget.job_completed(&state.request_id, state.credits_used),
        ref s if s.is_terminal() => budget.job_failed(&state.request_id),
        _ => {}
    }
}

impl Deliver<CreateVideo> for Video {
    async fn deliver(
        client: &Client,
        answer: Answer<artnex_api::types::VideoJob>,
        options: WaitOptions,
    ) -> Result<Video, Error> {
        VideoJob::submitted(client.clone(), answer)
            .wait_with(options)
            .await
    }
}
