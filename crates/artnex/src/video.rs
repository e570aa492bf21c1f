//! Video generation: `POST /v1/video`, then `GET /v1/video/{request_id}` until the job ends.
//!
//! [`VideoRequest::submit`] returns a [`VideoJob`] whose [`request_id`](VideoJob::request_id) you can store
//! before waiting, so a timeout or a crash never loses a paid job: [`Client::video_job`] resumes it.
//! [`VideoJob::wait`] polls no faster than every 5 s by default, gives up after 5 minutes by default (the
//! error carries the request id), treats statuses it does not know as still running, rides out transient
//! errors while polling, and reports every status change to an optional callback;
//! [`VideoJob::updates`] gives the same status changes as a stream.
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

use std::fmt;
use std::future::{Future, IntoFuture};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use artnex_api::types;
use tokio::time::Instant;

use crate::catalogue::{AspectRatio, Kind, Model, VideoMode, to_wire_mode};
use crate::client::Client;
use crate::client::json_room;
use crate::error::{ApiError, Error, ErrorCode, ValidationError};
use crate::images::wire_error;
use crate::media::{ImageInput, Media, MediaKind};
use crate::pricing::{self, Billable, Estimate, Reservation};
use crate::retry::RetryPolicy;
use crate::validate;

/// A video job's status. Statuses this version does not know are kept in [`JobStatus::Other`] and mean
/// "still running".
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// `pending`: queued.
    Pending,
    /// `processing`: rendering.
    Processing,
    /// `completed`: the video is ready (and charged).
    Completed,
    /// `error`: the job failed (not charged).
    Failed,
    /// Any other value, kept verbatim; treated as still running.
    Other(String),
}

impl JobStatus {
    /// Parses the wire value.
    ///
    /// ```
    /// use artnex::video::JobStatus;
    /// assert_eq!(JobStatus::from_wire("error"), JobStatus::Failed);
    /// assert_eq!(JobStatus::from_wire("upscaling"), JobStatus::Other("upscaling".into()));
    /// assert!(!JobStatus::from_wire("upscaling").is_terminal());
    /// ```
    pub fn from_wire(value: &str) -> JobStatus {
        match value {
            "pending" => JobStatus::Pending,
            "processing" => JobStatus::Processing,
            "completed" => JobStatus::Completed,
            "error" => JobStatus::Failed,
            other => JobStatus::Other(other.to_string()),
        }
    }

    /// The wire value.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(artnex::video::JobStatus::Failed.as_str(), "error");
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Processing => "processing",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "error",
            JobStatus::Other(s) => s,
        }
    }

    /// Whether the job has ended (`completed` or `error`).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(artnex::video::JobStatus::Completed.is_terminal());
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn is_terminal(&self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one status poll returned.
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
    fn from_wire(j: types::VideoJob) -> Self {
        JobState {
            status: JobStatus::from_wire(&j.status),
            request_id: j.request_id,
            video_url: j.video_url,
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

type ProgressFn = Box<dyn FnMut(&JobState) + Send>;

/// How [`VideoJob::wait`] polls: interval, timeout and a progress callback. Unset values use the client's
/// defaults (5 s and 5 minutes unless changed with
/// [`ClientBuilder::poll_interval`](crate::ClientBuilder::poll_interval) and
/// [`ClientBuilder::wait_timeout`](crate::ClientBuilder::wait_timeout)).
///
/// ```
/// use std::time::Duration;
/// use artnex::video::WaitOptions;
///
/// let opts = WaitOptions::new()
///     .interval(Duration::from_secs(10))
///     .timeout(Duration::from_secs(900))
///     .on_progress(|s| eprintln!("{}", s.status));
/// # let _ = opts;
/// ```
#[derive(Default)]
pub struct WaitOptions {
    interval: Option<Duration>,
    timeout: Option<Duration>,
    on_progress: Option<ProgressFn>,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("on_progress", &self.on_progress.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl WaitOptions {
    /// The client's defaults.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let opts = artnex::video::WaitOptions::new();
    /// # let _ = (client, opts);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn new() -> Self {
        WaitOptions::default()
    }

    /// Pause between polls. The API throttles polls faster than every 5 s (the SDK then waits the
    /// `Retry-After` and carries on).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().interval(std::time::Duration::from_secs(10));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = Some(d);
        self
    }

    /// How long to wait in total before returning [`Error::JobTimedOut`] (the job goes on).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().timeout(std::time::Duration::from_secs(900));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Called with the job's state each time its status changes (including the first status seen).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().on_progress(|s| println!("{}", s.status));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn on_progress(mut self, f: impl FnMut(&JobState) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }
}

/// A video request. `.submit()` sends it and returns the [`VideoJob`]; `.await` submits and waits.
#[must_use = "a request does nothing until it is awaited, sent or submitted"]
#[derive(Debug)]
pub struct VideoRequest {
    client: Client,
    prompt: String,
    model: Option<Model>,
    mode: Option<VideoMode>,
    image: Option<ImageInput>,
    aspect_ratio: Option<AspectRatio>,
    duration: Option<u32>,
    retry: Option<RetryPolicy>,
    wait: WaitOptions,
}

impl VideoRequest {
    pub(crate) fn new(client: Client, prompt: String) -> Self {
        VideoRequest {
            client,
            prompt,
            model: None,
            mode: None,
            image: None,
            aspect_ratio: None,
            duration: None,
            retry: None,
            wait: WaitOptions::default(),
        }
    }

    /// The video model (required). Its catalogue entry fixes the mode, durations and aspect ratios.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.video("waves").model(artnex::Model::Sora2);
    /// assert_eq!(req.estimate()?.credits(), Some(3500));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn model(mut self, model: impl Into<Model>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Text-to-video or image-to-video. Optional: the SDK sends the model's own mode when unset.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::VideoMode;
    /// let req = client.video("waves").model(artnex::Model::Veo31).mode(VideoMode::ImageToVideo);
    /// assert_eq!(req.validate().unwrap_err().field, "mode"); // veo3.1 is text-to-video
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn mode(mut self, mode: VideoMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The start image (image-to-video models): a path, an https URL or bytes.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.video("the camera pushes in").model(artnex::Model::Veo31I2v).image("https://example.com/start.png");
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn image(mut self, image: impl Into<ImageInput>) -> Self {
        self.image = Some(image.into());
        self
    }

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
    pub fn aspect_ratio(mut self, ratio: AspectRatio) -> Self {
        self.aspect_ratio = Some(ratio);
        self
    }

    /// Clip length in seconds; must be one the model supports (its shortest when unset).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.video("waves").model(artnex::Model::SeedanceV15ProT2v).duration(7).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn duration(mut self, seconds: u32) -> Self {
        self.duration = Some(seconds);
        self
    }

    /// A retry policy for the submission (polls always retry transient errors).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.video("waves").model(artnex::Model::Veo31).retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

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
        self.wait = options;
        self
    }

    fn checked_mode(&self) -> Result<Option<VideoMode>, ValidationError> {
        validate::prompt(&self.prompt)?;
        let (_, info) = validate::model(self.model.as_ref(), Kind::Video)?;
        if let Some(image) = &self.image {
            image.check("image")?;
        }
        validate::video(
            info,
            &validate::VideoParams {
                mode: self.mode,
                has_image: self.image.is_some(),
                duration: self.duration,
                aspect_ratio: self.aspect_ratio,
            },
        )
    }

    /// Checks prompt, model kind, mode/image consistency, duration and aspect ratio against the model's
    /// catalogue entry, without sending.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let err = client.video("waves").model(artnex::Model::Veo31).duration(5).validate().unwrap_err();
    /// assert_eq!(err.field, "duration"); // veo3.1 makes 4, 6 or 8 s clips
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.checked_mode().map(|_| ())
    }

    /// Validates, then prices the clip (per clip, whatever the duration; charged at completion).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let est = client.video("waves").model(artnex::Model::Veo31).duration(8).estimate()?;
    /// assert_eq!(est.credits(), Some(3000));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        self.validate()?;
        let model = self.model.as_ref().ok_or_else(|| {
            ValidationError::new("model", ErrorCode::InvalidModel, "choose a model")
        })?;
        Ok(pricing::estimate(
            &Billable::Video { model },
            self.client.price_table(),
        ))
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
        let span = Client::span(
            "video",
            self.model.as_ref().map(|m| m.id()),
            Some(&self.prompt),
        );
        Client::traced(span, self.run_submit())
            .await
            .map(|(job, _)| job)
    }

    async fn run_submit(self) -> Result<(VideoJob, WaitOptions), Error> {
        let estimate = self.estimate()?;
        let mode = self.checked_mode()?;
        let image = match &self.image {
            Some(i) => Some(types::ImageInput(i.resolve("image").await?)),
            None => None,
        };
        let image_len = image.as_ref().map_or(0, |i| i.len());
        let body = types::VideoRequest {
            prompt: types::VideoRequestPrompt::try_from(self.prompt.as_str())
                .map_err(|e| wire_error("prompt", e))?,
            model: self
                .model
                .as_ref()
                .map(|m| m.id().to_string())
                .unwrap_or_default(),
            mode: mode.map(to_wire_mode),
            image,
            aspect_ratio: self.aspect_ratio.map(AspectRatio::to_wire),
            duration: self.duration.and_then(NonZeroU32::new),
        };
        let reservation = self.client.reserve(estimate)?;
        let result = self
            .client
            .post_json(
                "video",
                &self.client.inner.endpoints.video,
                body,
                image_len + 256 + json_room(&self.prompt),
                self.retry.as_ref(),
            )
            .await;
        match result {
            Ok(job) => {
                let state = JobState::from_wire(job);
                tracing::info!(request_id = %state.request_id, status = %state.status, "video job submitted");
                let job = VideoJob {
                    client: self.client.clone(),
                    request_id: state.request_id.clone(),
                    last: Some(state),
                    reservation: reservation.map(Arc::new),
                };
                Ok((job, self.wait))
            }
            Err(e) => {
                if let Some(r) = &reservation {
                    r.fail(&e);
                }
                Err(e)
            }
        }
    }

    /// Submits and waits with the options given to [`VideoRequest::wait_options`] (same as `.await`).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// use artnex::Model;
    /// let video = client.video("waves at dusk").model(Model::Veo3Fast).send().await?;
    /// video.video.save_to_dir(".", "waves").await?; // waves.mp4
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Video, Error> {
        let span = Client::span(
            "video",
            self.model.as_ref().map(|m| m.id()),
            Some(&self.prompt),
        );
        Client::traced(span, async move {
            let (job, options) = self.run_submit().await?;
            job.wait_with(options).await
        })
        .await
    }
}

impl IntoFuture for VideoRequest {
    type Output = Result<Video, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A submitted video job. Clone it freely; [`VideoJob::request_id`] identifies it across restarts.
#[derive(Clone)]
pub struct VideoJob {
    client: Client,
    request_id: String,
    last: Option<JobState>,
    reservation: Option<Arc<Reservation>>,
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
            reservation: None,
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

    /// One status poll (`GET /v1/video/{request_id}`), retried on transient errors. Free: polls are not
    /// billed and do not count against the daily quota (but are throttled when faster than every 5 s).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let state = client.video_job("req_vid789xyz").poll().await?; // or client.video_status(id)
    /// println!("{}", state.status);
    /// # Ok(()) }
    /// ```
    pub async fn poll(&self) -> Result<JobState, Error> {
        self.poll_with(None).await
    }

    async fn poll_with(&self, policy: Option<&RetryPolicy>) -> Result<JobState, Error> {
        status_once(&self.client, &self.request_id, policy).await
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
        Wait {
            job: self.clone(),
            options: WaitOptions::default(),
        }
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
        Wait {
            job: self.clone(),
            options,
        }
    }

    fn settle_completed(&self, credits: Option<u64>) {
        match &self.reservation {
            Some(r) => r.settle_job(&self.request_id, credits),
            None => {
                if let (Some(b), Some(c)) = (&self.client.inner.budget, credits) {
                    b.record_job(&self.request_id, c);
                }
            }
        }
    }

    fn release(&self) {
        if let Some(r) = &self.reservation {
            r.release();
        }
    }

    /// The job's status changes as a stream, with the client's default interval and timeout: each status
    /// seen for the first time (the submission's, for a fresh job), ending after `completed` or
    /// `failed` (both yielded as states, with the budget settled), or with an error: the timeout
    /// ([`Error::JobTimedOut`], the job goes on) or a poll error that is not transient. Transient poll
    /// errors (connection, 5xx, throttling) are ridden out, as by [`VideoJob::wait`]. Nothing is sent until
    /// it is first read, and the timeout runs from then. Use it to drive a progress display; `.await` on
    /// [`VideoJob::wait`] when you only need the video.
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
        Updates::new(Poller::new(self.clone(), options))
    }

    async fn run_wait(self, options: WaitOptions) -> Result<Video, Error> {
        let mut updates = self.updates_with(options);
        while let Some(state) = updates.next().await {
            if let Some(video) = self.outcome(&state?)? {
                return Ok(video);
            }
        }
        // The stream ends only after a final state or an error, both handled above.
        Err(self.timed_out(Instant::now(), None))
    }

    fn timed_out(&self, start: Instant, last: Option<JobStatus>) -> Error {
        tracing::warn!(request_id = %self.request_id, "gave up waiting for the video job; it goes on");
        Error::JobTimedOut {
            request_id: self.request_id.clone(),
            waited: start.elapsed(),
            last_status: last,
        }
    }

    /// Settles the budget for a final state: the actual credits of a completed job, the reservation of a
    /// failed one released.
    fn settle(&self, state: &JobState) {
        match state.status {
            JobStatus::Completed => self.settle_completed(state.credits_used),
            JobStatus::Failed => self.release(),
            _ => {}
        }
    }

    /// `Some(video)` when completed, an error when failed, `None` while running.
    fn outcome(&self, state: &JobState) -> Result<Option<Video>, Error> {
        match state.status {
            JobStatus::Completed => match &state.video_url {
                Some(url) => Ok(Some(Video {
                    video: self.client.media_of(url.clone(), MediaKind::Video),
                    request_id: state.request_id.clone(),
                    credits_used: state.credits_used,
                })),
                None => Err(Error::Api(Box::new(ApiError {
                    operation: "video_status",
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
            JobStatus::Failed => Err(Error::JobFailed {
                request_id: state.request_id.clone(),
                code: state.error.clone().unwrap_or_else(|| "unknown".into()),
                message: state
                    .message
                    .clone()
                    .unwrap_or_else(|| "the job failed".into()),
            }),
            _ => Ok(None),
        }
    }
}

/// The polling loop behind [`Updates`]: one step polls until the status changes, the deadline passes or a
/// poll fails for good.
struct Poller {
    job: VideoJob,
    interval: Duration,
    timeout: Duration,
    /// When the first step ran, and the deadline from then (the wait starts when it is first read).
    clock: Option<(Instant, Instant)>,
    /// The submission's state of a fresh job, reported before the first poll.
    initial: Option<JobState>,
    delay: Duration,
    polls: u32,
    last: Option<JobStatus>,
    on_progress: Option<ProgressFn>,
    done: bool,
}

impl Poller {
    fn new(job: VideoJob, options: WaitOptions) -> Poller {
        let interval = options.interval.unwrap_or(job.client.inner.poll_interval);
        let timeout = options.timeout.unwrap_or(job.client.inner.wait_timeout);
        let initial = job.last.clone();
        Poller {
            // A fresh job reports its submission status and waits one interval; a resumed one polls at once.
            delay: if initial.is_some() {
                interval
            } else {
                Duration::ZERO
            },
            job,
            interval,
            timeout,
            clock: None,
            initial,
            polls: 0,
            last: None,
            on_progress: options.on_progress,
            done: false,
        }
    }

    /// The next status change (or the final error), and the poller to continue with; `None` once ended.
    async fn step(mut self) -> Option<(Result<JobState, Error>, Poller)> {
        if self.done {
            return None;
        }
        let deadline = self.deadline();
        if let Some(state) = self.initial.take()
            && let Some(changed) = self.observe(state)
        {
            return Some((Ok(changed), self));
        }
        loop {
            let now = Instant::now();
            if now >= deadline && self.polls > 0 {
                return Some((Err(self.give_up()), self));
            }
            tokio::time::sleep(self.delay.min(deadline.saturating_duration_since(now))).await;
            self.polls += 1;
            self.delay = self.interval;
            // The loop itself retries at the next interval (within the deadline), so a failed poll is not
            // retried inside: a throttling Retry-After must never make the wait overshoot its timeout.
            match self.job.poll_with(Some(&RetryPolicy::none())).await {
                Ok(state) => {
                    if let Some(changed) = self.observe(state) {
                        return Some((Ok(changed), self));
                    }
                }
                Err(e) if transient_while_polling(&e) => {
                    tracing::warn!(request_id = %self.job.request_id, error = %e, "status poll failed; still waiting");
                    if let Some(hint) = e.retry_after() {
                        self.delay = self.delay.max(hint);
                    }
                }
                Err(e) => {
                    self.done = true;
                    return Some((Err(e), self));
                }
            }
            if Instant::now() >= deadline {
                return Some((Err(self.give_up()), self));
            }
        }
    }

    /// The state when its status is new (reported, and the budget settled when final); `None` otherwise.
    fn observe(&mut self, state: JobState) -> Option<JobState> {
        if self.last.as_ref() == Some(&state.status) {
            return None;
        }
        tracing::info!(request_id = %state.request_id, status = %state.status, "video job status");
        if let Some(cb) = self.on_progress.as_mut() {
            cb(&state);
        }
        self.last = Some(state.status.clone());
        if state.status.is_terminal() {
            self.job.settle(&state);
            self.done = true;
        }
        Some(state)
    }

    /// The deadline, starting the clock on the first call.
    fn deadline(&mut self) -> Instant {
        let timeout = self.timeout;
        self.clock
            .get_or_insert_with(|| {
                let now = Instant::now();
                (now, now + timeout)
            })
            .1
    }

    fn give_up(&mut self) -> Error {
        self.done = true;
        let start = self.clock.map_or_else(Instant::now, |(start, _)| start);
        self.job.timed_out(start, self.last.clone())
    }
}

type Step = Pin<Box<dyn Future<Output = Option<(Result<JobState, Error>, Poller)>> + Send>>;

/// A video job's status changes, from [`VideoJob::updates`]: read them with [`Updates::next`] or as a
/// [`Stream`](futures_core::Stream). Polls are sent only while it is being read.
#[must_use = "updates do nothing unless read"]
pub struct Updates {
    step: Option<Step>,
}

impl fmt::Debug for Updates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Updates")
            .field("ended", &self.step.is_none())
            .finish()
    }
}

impl Updates {
    fn new(poller: Poller) -> Updates {
        Updates {
            step: Some(Box::pin(poller.step())),
        }
    }

    /// The next status change; `None` once the job has ended (or the stream has returned an error).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let mut updates = client.video_job("req_vid789xyz").updates();
    /// if let Some(first) = updates.next().await {
    ///     println!("now {}", first?.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next(&mut self) -> Option<Result<JobState, Error>> {
        std::future::poll_fn(|cx| self.poll_step(cx)).await
    }

    fn poll_step(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<JobState, Error>>> {
        use std::task::Poll;
        let Some(step) = self.step.as_mut() else {
            return Poll::Ready(None);
        };
        match step.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.step = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some((item, poller))) => {
                self.step = Some(Box::pin(poller.step()));
                Poll::Ready(Some(item))
            }
        }
    }
}

impl futures_core::Stream for Updates {
    type Item = Result<JobState, Error>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.get_mut().poll_step(cx)
    }
}

/// Longest request id accepted locally (ids the server issues are far shorter).
const MAX_REQUEST_ID_CHARS: usize = 256;

/// One status poll (`GET /v1/video/{request_id}`), built by [`Client::video_status`]: `.await` it or call
/// [`VideoStatusRequest::send`]. Polls are free (not billed, not counted against the daily quota) and are
/// retried on transient errors; the server throttles polls of one job faster than every 5 s.
#[must_use = "a request does nothing until it is sent or awaited"]
#[derive(Debug, Clone)]
pub struct VideoStatusRequest {
    client: Client,
    request_id: String,
    retry: Option<RetryPolicy>,
}

impl VideoStatusRequest {
    pub(crate) fn new(client: Client, request_id: String) -> Self {
        VideoStatusRequest {
            client,
            request_id,
            retry: None,
        }
    }

    /// Overrides the client's retry policy for this poll.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let poll = client.video_status("req_123").retry_policy(artnex::RetryPolicy::none());
    /// # drop(poll);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks the request id without sending anything: not empty, at most 256 characters, no whitespace
    /// or control characters.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.video_status("req_vid789xyz").validate().is_ok());
    /// assert!(client.video_status(" ").validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_request_id(&self.request_id)
    }

    /// Sends the poll; the same as `.await` on the request.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let state = client.video_status("req_vid789xyz").send().await?;
    /// if state.status.is_terminal() {
    ///     println!("{}: {:?}", state.status, state.video_url);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<JobState, Error> {
        status_once(&self.client, &self.request_id, self.retry.as_ref()).await
    }
}

impl IntoFuture for VideoStatusRequest {
    type Output = Result<JobState, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

fn validate_request_id(id: &str) -> Result<(), ValidationError> {
    let problem = if id.is_empty() {
        Some("the request id is empty".to_string())
    } else if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(format!(
            "the request id {id:?} contains whitespace or control characters"
        ))
    } else if id.chars().nth(MAX_REQUEST_ID_CHARS).is_some() {
        Some(format!(
            "the request id is longer than {MAX_REQUEST_ID_CHARS} characters"
        ))
    } else {
        None
    };
    match problem {
        Some(message) => Err(ValidationError::new("request_id", None, message)),
        None => Ok(()),
    }
}

/// One status poll in its own span, after the local check of the id.
async fn status_once(
    client: &Client,
    request_id: &str,
    policy: Option<&RetryPolicy>,
) -> Result<JobState, Error> {
    validate_request_id(request_id)?;
    let span = tracing::info_span!("artnex", operation = "video_status", request_id = %request_id);
    let api = &client.inner.api;
    let job = Client::traced(
        span,
        client.execute("video_status", false, policy, || {
            api.get_video_status().request_id(request_id).send()
        }),
    )
    .await?;
    Ok(JobState::from_wire(job))
}

/// Errors worth polling through: the connection, 5xx, and throttling.
fn transient_while_polling(e: &Error) -> bool {
    match e {
        Error::Transport(_) => true,
        Error::RateLimited { .. } => true,
        Error::Api(api) => api.status >= 500 || api.status == 408,
        _ => false,
    }
}

/// A pending wait on a video job: set options, then `.await` it.
#[must_use = "a wait does nothing until it is awaited"]
#[derive(Debug)]
pub struct Wait {
    job: VideoJob,
    options: WaitOptions,
}

impl Wait {
    /// Pause between polls (default 5 s).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().interval(std::time::Duration::from_secs(10));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn interval(mut self, d: Duration) -> Self {
        self.options.interval = Some(d);
        self
    }

    /// Total time before [`Error::JobTimedOut`] (default 5 minutes).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().timeout(std::time::Duration::from_secs(900));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn timeout(mut self, d: Duration) -> Self {
        self.options.timeout = Some(d);
        self
    }

    /// Called on every status change.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let wait = client.video_job("req_123").wait().on_progress(|s| println!("{}", s.status));
    /// # drop(wait);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn on_progress(mut self, f: impl FnMut(&JobState) + Send + 'static) -> Self {
        self.options.on_progress = Some(Box::new(f));
        self
    }
}

impl IntoFuture for Wait {
    type Output = Result<Video, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let Wait { job, options } = self;
        let span =
            tracing::info_span!("artnex", operation = "video_wait", request_id = %job.request_id);
        Box::pin(Client::traced(span, job.run_wait(options)))
    }
}
