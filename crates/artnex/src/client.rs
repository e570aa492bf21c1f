//! The Artnex client: its settings and the operations it starts.
//!
//! ```no_run
//! use std::time::Duration;
//! use artnex::{Client, RetryPolicy};
//!
//! # fn run() -> artnex::Result<()> {
//! // From the environment: ARTNEX_API_KEY (required), ARTNEX_BASE_URL (optional).
//! let client = Client::from_env()?;
//!
//! // Or explicitly.
//! let client = Client::builder()
//!     .api_key("sk-...")
//!     .base_url("https://api.artnex.ai")
//!     .connect_timeout(Duration::from_secs(5))
//!     .retry_policy(RetryPolicy::default().max_retries(3))
//!     .budget(10_000)
//!     .user_agent("my-app/1.2")
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::budget::{Budget, BudgetStatus};
use crate::builder::{Builder, Connection, Core};
use crate::error::Error;
use crate::media::{ImageInput, Media, UrlPolicy};
use crate::operation::{Dialect, OperationId, sealed};
use crate::pricing::PriceTable;
use crate::request::Request;
use crate::retry::RetryPolicy;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.artnex.ai";
/// The environment variable [`Client::from_env`] reads the key from.
pub const API_KEY_ENV: &str = "ARTNEX_API_KEY";
/// The environment variable [`Client::from_env`] reads an optional base URL from.
pub const BASE_URL_ENV: &str = "ARTNEX_BASE_URL";
/// Default pause between two video status polls (the API throttles faster polling).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Default time [`VideoJob::wait`](crate::video::VideoJob::wait) waits before giving up.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(300);
/// Default number of status polls a client's video waits send at once (see
/// [`ClientBuilder::poll_concurrency`]).
pub const DEFAULT_POLL_CONCURRENCY: usize = 64;
/// The video status path the SDK assumes (the docs do not name one); see
/// [`ClientBuilder::video_status_path`].
pub const DEFAULT_VIDEO_STATUS_PATH: &str = "/v1/video/{request_id}";

/// The Artnex client. Cheap to clone (clones share the connection pool and the budget).
///
/// Each operation starts a request builder; a builder is sent by `.await`ing it or calling `.send()`.
///
/// ```no_run
/// use artnex::{Client, Model};
///
/// # async fn run() -> artnex::Result<()> {
/// let client = Client::from_env()?;
/// let images = client.generate("a red fox in the snow").model(Model::Flux2Pro).num_images(2).await?;
/// for image in &images.images {
///     println!("{image}"); // the URL
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) core: Core,
    /// The operations' URLs, parsed once.
    endpoints: Vec<(OperationId, reqwest::Url)>,
    pub(crate) budget: Option<Budget>,
    pub(crate) prices: Option<PriceTable>,
    pub(crate) poll_interval: Duration,
    pub(crate) wait_timeout: Duration,
    /// Permits for the status polls of [`VideoJob::wait`](crate::video::VideoJob::wait) and
    /// [`VideoJob::updates`](crate::video::VideoJob::updates) in flight.
    pub(crate) polls: tokio::sync::Semaphore,
    /// The status path template, with `{request_id}`.
    pub(crate) status_path: String,
    checks: Checks,
}

/// What validation reads from an Artnex client (see [`ClientBuilder::allow_private_image_urls`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks {
    pub(crate) image_urls: UrlPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.core.base_url)
            .field("api_key", &"[REDACTED]")
            .field("retry", &self.inner.core.retry)
            .field("budget", &self.budget())
            .field("poll_interval", &self.inner.poll_interval)
            .field("wait_timeout", &self.inner.wait_timeout)
            .finish()
    }
}

impl sealed::Sealed for Client {}

impl Dialect for Client {
    type Settings = Checks;
    type ErrorBody = crate::exec::ArtnexErrorBody;

    fn settings(&self) -> &Checks {
        &self.inner.checks
    }

    fn core(&self) -> &Core {
        &self.inner.core
    }

    fn budget_handle(&self) -> Option<&Budget> {
        self.inner.budget.as_ref()
    }

    fn prices(&self) -> Option<&PriceTable> {
        self.inner.prices.as_ref()
    }

    fn endpoint(&self, op: OperationId) -> Result<&reqwest::Url, Error> {
        match self.inner.endpoints.iter().find(|(o, _)| *o == op) {
            Some((_, url)) => Ok(url),
            None => Err(Error::Internal {
                operation: Some(op),
                message: "the Artnex client has no endpoint for this operation".into(),
                may_have_been_processed: false,
            }),
        }
    }
}

impl Client {
    /// A client configured from `ARTNEX_API_KEY` (required) and `ARTNEX_BASE_URL` (optional, default
    /// `https://api.artnex.ai`). Nothing is sent.
    ///
    /// ```no_run
    /// let client = artnex::Client::from_env()?;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A client with this key and every default. Nothing is sent.
    ///
    /// ```
    /// let client = artnex::Client::new("sk-example")?;
    /// assert!(!format!("{client:?}").contains("sk-example"));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn new(api_key: impl AsRef<str>) -> Result<Client, Error> {
        Client::builder().api_key(api_key).build()
    }

    /// A builder for every setting.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").budget(5_000).build()?;
    /// assert_eq!(client.budget().map(|b| b.remaining()), Some(5_000));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to (without a trailing `/v1`).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.base_url(), "https://api.artnex.ai");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        &self.inner.core.base_url
    }

    /// The retry policy used by every request that does not set its own.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.retry_policy().max_retries_value(), 2);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.core.retry
    }

    /// The price table given to the builder, if any.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.price_table().is_none());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn price_table(&self) -> Option<&PriceTable> {
        self.inner.prices.as_ref()
    }

    /// The budget state, when the client has a budget.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").budget(100).build()?;
    /// let b = client.budget().unwrap();
    /// assert_eq!((b.limit, b.spent, b.reserved), (100, 0, 0));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn budget(&self) -> Option<BudgetStatus> {
        self.inner.budget.as_ref().map(Budget::status)
    }

    /// Wraps a result URL you kept (for example from an earlier run) so that you can download it; its kind
    /// is guessed from the URL's extension.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let media = client.media("https://cdn.artnex.ai/gen/req_abc/image_0.jpg");
    /// media.save_to_dir(".", "kept").await?;
    /// # Ok(()) }
    /// ```
    pub fn media(&self, url: impl Into<String>) -> Media {
        let url = url.into();
        let kind = crate::media::kind_from_url(&url);
        self.inner.core.downloads.url(url, kind)
    }

    /// Sends any request value (from a batch file, a queue, …) through this client; the same as the
    /// operation's builder.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let value: artnex::generate::GenerateImage =
    ///     serde_json::from_str(r#"{"prompt":"a fox","model":"flux-2-pro"}"#).expect("a valid request");
    /// let out = client.request(value).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn request<O: crate::Operation<Client = Client>>(&self, value: O) -> Request<O> {
        Request::new(self.clone(), value)
    }

    /// Text-to-image (`POST /v1/generate`). See [`GenerateRequest`](crate::generate::GenerateRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a red fox").model(artnex::Model::ZImageTurbo).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn generate(&self, prompt: impl Into<String>) -> crate::generate::GenerateRequest {
        self.request(crate::generate::GenerateImage::new(prompt))
    }

    /// Image editing (`POST /v1/edit`). See [`EditRequest`](crate::edit::EditRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.edit("make it snowy", "photo.jpg").model(artnex::Model::NanoBananaEdit).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn edit(
        &self,
        prompt: impl Into<String>,
        image: impl Into<ImageInput>,
    ) -> crate::edit::EditRequest {
        self.request(crate::edit::EditImage::new(prompt, image))
    }

    /// Video generation (`POST /v1/video`, then polling). See [`VideoRequest`](crate::video::VideoRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let job = client.video("drone over mountains").model(artnex::Model::Veo31).duration(8).submit().await?;
    /// println!("job {}", job.request_id());
    /// let video = job.wait().await?;
    /// # let _ = video; Ok(()) }
    /// ```
    pub fn video(&self, prompt: impl Into<String>) -> crate::video::VideoRequest {
        self.request(crate::video::CreateVideo::new(prompt))
    }

    /// A handle on an existing video job, to poll or wait for it (for example after a restart). No request
    /// is sent until you poll or wait.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let video = client.video_job("req_vid789xyz").wait().await?;
    /// # let _ = video; Ok(()) }
    /// ```
    pub fn video_job(&self, request_id: impl Into<String>) -> crate::video::VideoJob {
        crate::video::VideoJob::resume(self.clone(), request_id.into())
    }

    /// One status poll of a video job (`GET /v1/video/{request_id}`): `.await` it or call `.send()`. See
    /// [`VideoStatusRequest`](crate::video::VideoStatusRequest); to wait for the end, use
    /// [`Client::video_job`] and [`VideoJob::wait`](crate::video::VideoJob::wait).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let state = client.video_status("req_vid789xyz").await?;
    /// println!("{}", state.status);
    /// # Ok(()) }
    /// ```
    pub fn video_status(&self, request_id: impl Into<String>) -> crate::video::VideoStatusRequest {
        self.request(crate::video::GetVideoStatus::new(request_id))
    }

    /// Text-to-speech (`POST /v1/tts`). See [`SpeechRequest`](crate::tts::SpeechRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let speech = client.tts("Welcome to Artnex.").await?;
    /// println!("{}", speech.audio);
    /// # Ok(()) }
    /// ```
    pub fn tts(&self, text: impl Into<String>) -> crate::tts::SpeechRequest {
        self.request(crate::tts::TextToSpeech::new(text))
    }

    /// Upscaling (`POST /v1/upscale`). See [`UpscaleRequest`](crate::upscale::UpscaleRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.upscale("https://example.com/photo.jpg").scale(4.0).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn upscale(&self, image: impl Into<ImageInput>) -> crate::upscale::UpscaleRequest {
        self.request(crate::upscale::Upscale::new(image))
    }

    /// Background removal (`POST /v1/remove-bg`). See
    /// [`RemoveBackgroundRequest`](crate::remove_background::RemoveBackgroundRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.remove_background("product.jpg").await?;
    /// out.image.download_to("product.png").await?;
    /// # Ok(()) }
    /// ```
    pub fn remove_background(
        &self,
        image: impl Into<ImageInput>,
    ) -> crate::remove_background::RemoveBackgroundRequest {
        self.request(crate::remove_background::RemoveBackground::new(image))
    }
}

/// The Artnex client's own builder settings (see [`ClientBuilder`]).
#[derive(Debug, Default)]
pub struct ArtnexSettings {
    budget: Option<u64>,
    prices: Option<PriceTable>,
    poll_interval: Option<Duration>,
    wait_timeout: Option<Duration>,
    poll_concurrency: Option<usize>,
    status_path: Option<String>,
    checks: Checks,
}

/// Every setting of the Artnex [`Client`]. Start with [`Client::builder`] or [`ClientBuilder::from_env`];
/// the connection settings are documented on [`Builder`].
pub type ClientBuilder = Builder<ArtnexSettings>;

impl Builder<ArtnexSettings> {
    /// A builder preset from `ARTNEX_API_KEY` (required) and `ARTNEX_BASE_URL` (optional); every other
    /// setting can still be changed.
    ///
    /// ```no_run
    /// let client = artnex::ClientBuilder::from_env()?.budget(1_000).build()?;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_env() -> Result<ClientBuilder, Error> {
        Ok(Builder {
            conn: Connection::from_env(API_KEY_ENV, BASE_URL_ENV)?,
            settings: ArtnexSettings::default(),
        })
    }

    /// A spending cap in credits for this client and its clones. A request whose estimate exceeds what is
    /// left is refused with [`Error::BudgetExceeded`] before anything is sent; actual `credits_used` are
    /// tracked (see [`crate::budget`] for how every outcome settles). With a budget, requests that cannot
    /// be priced (gpt-image-2 without a [`PriceTable`] entry, unknown models) are refused too.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").budget(10_000).build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn budget(mut self, credits: u64) -> Self {
        self.settings.budget = Some(credits);
        self
    }

    /// Prices the catalogue does not have (gpt-image-2 tiers, newer models), used by `estimate()` and the
    /// budget.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .price_table(artnex::PriceTable::new().model("tomorrows-model", 120))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn price_table(mut self, table: PriceTable) -> Self {
        self.settings.prices = Some(table);
        self
    }

    /// Default pause between video status polls (default 5 s; the API throttles faster polling).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .poll_interval(Duration::from_secs(10))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.settings.poll_interval = Some(d);
        self
    }

    /// Default time to wait for a video job (default 5 minutes).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .wait_timeout(Duration::from_secs(900))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn wait_timeout(mut self, d: Duration) -> Self {
        self.settings.wait_timeout = Some(d);
        self
    }

    /// How many status polls the video waits of this client (and its clones) send at once (default
    /// [`DEFAULT_POLL_CONCURRENCY`], at least 1). When more jobs are due at the same moment, their polls
    /// take turns: a fleet of jobs whose timers fire together shares a few connections instead of opening
    /// one each. A poll that waits its turn is sent late, never early: polls of one job stay at least the
    /// interval apart. A stream from [`VideoJob::updates`](crate::video::VideoJob::updates) left unread
    /// while its poll is in flight keeps its turn until it is read again or dropped.
    /// [`VideoJob::poll`](crate::video::VideoJob::poll) and [`Client::video_status`] are not counted.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").poll_concurrency(16).build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn poll_concurrency(mut self, polls: usize) -> Self {
        self.settings.poll_concurrency = Some(polls);
        self
    }

    /// The path of the video status poll, with `{request_id}` where the job id goes (default
    /// `/v1/video/{request_id}`; the docs do not name the endpoint). A query form works too:
    /// `/v1/video?request_id={request_id}`.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .video_status_path("/v1/video/status/{request_id}")
    ///     .build()?;
    /// # let _ = client;
    /// assert!(artnex::Client::builder().api_key("sk-example").video_status_path("/v1/video").build().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn video_status_path(mut self, template: impl Into<String>) -> Self {
        self.settings.status_path = Some(template.into());
        self
    }

    /// Accept image URLs on private networks (loopback, private, link-local addresses, `user:pass@`
    /// credentials), for a server that can reach them. By default they are refused before sending: the
    /// API fetches image URLs from the internet, so such a request would fail and still count.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").allow_private_image_urls(true).build()?;
    /// assert!(client.upscale("https://10.0.0.7/photo.png").validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn allow_private_image_urls(mut self, allow: bool) -> Self {
        self.settings.checks.image_urls = if allow {
            UrlPolicy::AllowPrivate
        } else {
            UrlPolicy::PublicOnly
        };
        self
    }

    /// Checks the settings and builds the client. Nothing is sent.
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example").build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let core = self
            .conn
            .open(API_KEY_ENV, DEFAULT_BASE_URL, normalize_base_url)?;
        let s = self.settings;
        let status_path = s
            .status_path
            .unwrap_or_else(|| DEFAULT_VIDEO_STATUS_PATH.to_string());
        if !status_path.starts_with('/') || !status_path.contains("{request_id}") {
            return Err(Error::Config(
                artnex_transport::ConfigError::InvalidBaseUrl {
                    url: status_path,
                    reason: "the video status path must start with `/` and contain `{request_id}`"
                        .into(),
                },
            ));
        }
        let mut endpoints = Vec::new();
        for op in [
            OperationId::GenerateImage,
            OperationId::EditImage,
            OperationId::CreateVideo,
            OperationId::TextToSpeech,
            OperationId::UpscaleImage,
            OperationId::RemoveBackground,
        ] {
            endpoints.push((op, core.url(op.info().path)?));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                core,
                endpoints,
                budget: s.budget.map(Budget::new),
                prices: s.prices,
                poll_interval: s.poll_interval.unwrap_or(DEFAULT_POLL_INTERVAL),
                wait_timeout: s.wait_timeout.unwrap_or(DEFAULT_WAIT_TIMEOUT),
                polls: tokio::sync::Semaphore::new(
                    s.poll_concurrency
                        .unwrap_or(DEFAULT_POLL_CONCURRENCY)
                        .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
                ),
                status_path,
                checks: s.checks,
            }),
        })
    }
}

/// Drops a trailing `/v1` (the docs' base URL): the operation paths already start with `/v1`.
fn normalize_base_url(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    trimmed.strip_suffix("/v1").unwrap_or(trimmed).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        let c = Client::builder()
            .api_key("sk-x")
            .base_url("https://api.artnex.ai/v1/")
            .build()
            .expect("ok");
        assert_eq!(c.base_url(), "https://api.artnex.ai");
        let c = Client::builder()
            .api_key("sk-x")
            .base_url("http://127.0.0.1:9999")
            .build()
            .expect("loopback");
        assert_eq!(c.base_url(), "http://127.0.0.1:9999");
        let err = Client::builder()
            .api_key("sk-secret-x")
            .base_url("http://api.artnex.ai")
            .build()
            .expect_err("plain http");
        let text = err.to_string();
        assert!(
            text.contains("plain http") && !text.contains("sk-secret-x"),
            "{text}"
        );
        assert!(matches!(
            Client::builder().build(),
            Err(Error::MissingApiKey { .. })
        ));
        assert!(matches!(
            Client::builder().api_key(" ").build(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn debug_hides_the_key() {
        let b = Client::builder().api_key("sk-top-secret-1");
        assert!(!format!("{b:?}").contains("top-secret"));
        let c = b.build().expect("ok");
        assert!(!format!("{c:?}").contains("top-secret"));
        assert!(format!("{c:?}").contains("REDACTED"));
    }
}
