//! The client: configuration, authentication and the billing-safe request executor.
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
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use artnex_api::ResponseValue;
use artnex_api::types::ErrorResponse;
use artnex_transport::secrecy::{ExposeSecret, SecretString};
use artnex_transport::{ApiKey, HttpConfig};
use bytes::Bytes;
use tracing::Instrument as _;

use crate::error::{ApiError, Error, ErrorCode, TransportError, ValidationError};
use crate::media::{ImageInput, Media, MediaKind};
use crate::pricing::{Budget, BudgetStatus, PriceTable};
use crate::retry::{Action, FailureClass, RetryPolicy, parse_retry_after};

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
///     println!("{}", image.url());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) api: artnex_api::Client,
    /// The billable endpoints' URLs, parsed once.
    pub(crate) endpoints: Endpoints,
    pub(crate) download: reqwest::Client,
    pub(crate) durable_downloads: bool,
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: Option<Budget>,
    pub(crate) prices: Option<PriceTable>,
    pub(crate) poll_interval: Duration,
    pub(crate) wait_timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"[REDACTED]")
            .field("retry", &self.inner.retry)
            .field("budget", &self.budget())
            .field("poll_interval", &self.inner.poll_interval)
            .field("wait_timeout", &self.inner.wait_timeout)
            .finish()
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
        &self.inner.base_url
    }

    /// The retry policy used by every request that does not set its own.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.retry_policy().max_retries_value(), 2);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
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

    /// Wraps a result URL you kept (for example from an earlier run) so that you can download it.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let media = client.media("https://cdn.artnex.ai/gen/req_abc/image_0.jpg");
    /// media.save_to_dir(".", "kept").await?;
    /// # Ok(()) }
    /// ```
    pub fn media(&self, url: impl Into<String>) -> Media {
        let url = url.into();
        let kind = match Media::new(
            url.clone(),
            MediaKind::Image,
            self.inner.download.clone(),
            RetryPolicy::none(),
            false,
        )
        .url_extension()
        .map(str::to_ascii_lowercase)
        .as_deref()
        {
            Some("mp3" | "wav" | "ogg") => MediaKind::Audio,
            Some("mp4" | "webm" | "mov") => MediaKind::Video,
            _ => MediaKind::Image,
        };
        self.media_of(url, kind)
    }

    pub(crate) fn media_of(&self, url: String, kind: MediaKind) -> Media {
        Media::new(
            url,
            kind,
            self.inner.download.clone(),
            self.inner.retry.clone(),
            self.inner.durable_downloads,
        )
    }

    /// Text-to-image (`POST /v1/generate`). See [`GenerateRequest`](crate::images::GenerateRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a red fox").model(artnex::Model::ZImageTurbo).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn generate(&self, prompt: impl Into<String>) -> crate::images::GenerateRequest {
        crate::images::GenerateRequest::new(self.clone(), prompt.into())
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
        crate::edit::EditRequest::new(self.clone(), prompt.into(), image.into())
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
        crate::video::VideoRequest::new(self.clone(), prompt.into())
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
        crate::video::VideoStatusRequest::new(self.clone(), request_id.into())
    }

    /// Text-to-speech (`POST /v1/tts`). See [`SpeechRequest`](crate::audio::SpeechRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let speech = client.tts("Welcome to Artnex.").await?;
    /// println!("{}", speech.audio.url());
    /// # Ok(()) }
    /// ```
    pub fn tts(&self, text: impl Into<String>) -> crate::audio::SpeechRequest {
        crate::audio::SpeechRequest::new(self.clone(), text.into())
    }

    /// Upscaling (`POST /v1/upscale`). See [`UpscaleRequest`](crate::upscale::UpscaleRequest).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.upscale("https://example.com/photo.jpg").scale(4.0).await?;
    /// # let _ = out; Ok(()) }
    /// ```
    pub fn upscale(&self, image: impl Into<ImageInput>) -> crate::upscale::UpscaleRequest {
        crate::upscale::UpscaleRequest::new(self.clone(), image.into())
    }

    /// Background removal (`POST /v1/remove-bg`). See
    /// [`RemoveBackgroundRequest`](crate::background::RemoveBackgroundRequest).
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
    ) -> crate::background::RemoveBackgroundRequest {
        crate::background::RemoveBackgroundRequest::new(self.clone(), image.into())
    }

    /// Sends one API call through the retry policy (see [`execute`]).
    pub(crate) async fn execute<T, E, F, Fut>(
        &self,
        operation: &'static str,
        billable: bool,
        policy: Option<&RetryPolicy>,
        send: F,
    ) -> Result<T, Error>
    where
        E: ErrorBody,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, WireError<E>>>,
    {
        let policy = policy.unwrap_or(&self.inner.retry);
        execute(operation, billable, policy, send)
            .await
            .map(ResponseValue::into_inner)
    }

    /// Sends a billable JSON `POST` through the retry policy. The body is serialised once, into a buffer of
    /// about its final size (`size_hint`), and dropped as soon as it is bytes: every attempt sends the
    /// same bytes without copying them, so a 10 MB image is held once, not once per attempt.
    pub(crate) async fn post_json<B, T>(
        &self,
        operation: &'static str,
        url: &reqwest::Url,
        body: B,
        size_hint: usize,
        policy: Option<&RetryPolicy>,
    ) -> Result<T, Error>
    where
        B: serde::Serialize,
        T: serde::de::DeserializeOwned,
    {
        let bytes = json_bytes(&body, size_hint)?;
        drop(body);
        let http = artnex_api::ClientInfo::client(&self.inner.api);
        self.execute::<T, ErrorResponse, _, _>(operation, true, policy, || {
            send_json(http, url.clone(), bytes.clone())
        })
        .await
    }

    /// Reserves the estimate in the budget, when there is one (refusing the request if it does not fit).
    pub(crate) fn reserve(
        &self,
        estimate: crate::pricing::Estimate,
    ) -> Result<Option<crate::pricing::Reservation>, Error> {
        match &self.inner.budget {
            Some(b) => b.reserve(estimate).map(Some),
            None => Ok(None),
        }
    }

    /// Opens the tracing span of one call; the prompt is truncated and the key never appears.
    pub(crate) fn span(
        operation: &'static str,
        model: Option<&str>,
        text: Option<&str>,
    ) -> tracing::Span {
        tracing::info_span!(
            "artnex",
            operation,
            model = model.unwrap_or(""),
            prompt = %text.map(truncate_for_log).unwrap_or_default(),
        )
    }

    /// Runs a future inside a span.
    pub(crate) async fn traced<T>(span: tracing::Span, fut: impl Future<Output = T>) -> T {
        fut.instrument(span).await
    }
}

/// The first 48 characters of a prompt, for logs.
pub(crate) fn truncate_for_log(text: &str) -> String {
    const MAX: usize = 48;
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// The error of one attempt, as the generated clients return it. `artnex_api::Error` and
/// `artapi_api::Error` are the same type (`progenitor_client::Error`), so one executor serves both APIs.
pub(crate) type WireError<E> = artnex_api::Error<E>;

/// An API dialect's error body, reduced to what [`ApiError`] holds. Implemented by the Artnex body
/// (`{"success": false, "error", "message", "request_id"}`) and by the OpenAI-style body
/// (`{"error": {"message", "type", "code", "param"}}`).
pub(crate) trait ErrorBody: serde::de::DeserializeOwned {
    /// The code, message, request id, type and parameter.
    fn into_parts(self) -> ErrorParts;
}

/// The fields of an error body, whatever its dialect.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorParts {
    pub(crate) code: Option<String>,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) error_type: Option<String>,
    pub(crate) param: Option<String>,
}

impl ErrorBody for ErrorResponse {
    fn into_parts(self) -> ErrorParts {
        ErrorParts {
            code: self.error,
            message: self.message,
            request_id: self.request_id,
            error_type: None,
            param: None,
        }
    }
}

/// Sends one API call through the retry policy. `send` builds and sends a fresh attempt each time.
/// `billable` calls are never replayed when their outcome is ambiguous (unless the policy opts in). The
/// error body is read in the dialect `E`.
pub(crate) async fn execute<T, E, F, Fut>(
    operation: &'static str,
    billable: bool,
    policy: &RetryPolicy,
    mut send: F,
) -> Result<ResponseValue<T>, Error>
where
    E: ErrorBody,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, WireError<E>>>,
{
    let mut attempt = 0u32;
    loop {
        tracing::debug!(attempt, "sending");
        let failure = match send().await {
            Ok(value) => {
                tracing::debug!(attempt, status = value.status().as_u16(), "response");
                return Ok(value);
            }
            Err(e) => classify(operation, billable, e).await,
        };
        match policy.decide(failure.class, !billable, attempt) {
            Action::Retry(delay) => {
                tracing::warn!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    error = %failure.error,
                    "retrying: the request cannot have been charged"
                );
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Action::Stop => {
                tracing::warn!(attempt, error = %failure.error, "request failed");
                return Err(failure.error);
            }
        }
    }
}

pub(crate) struct Failure {
    pub(crate) class: FailureClass,
    pub(crate) error: Error,
}

const AMBIGUOUS_HINT: &str = "the request may have been processed";

async fn classify<B: ErrorBody>(
    operation: &'static str,
    billable: bool,
    e: WireError<B>,
) -> Failure {
    use artnex_api::Error as E;
    match e {
        E::InvalidRequest(message) => Failure {
            class: FailureClass::Final,
            error: Error::Validation(ValidationError::new(
                "request",
                ErrorCode::InvalidRequest,
                message,
            )),
        },
        E::CommunicationError(err) => transport_failure(operation, billable, err),
        E::ErrorResponse(rv) => {
            let status = rv.status().as_u16();
            let retry_after = parse_retry_after(rv.headers());
            let header_id = request_id_header(rv.headers());
            let body = rv.into_inner().into_parts();
            let response = ErrorResponseParts {
                status,
                retry_after,
                header_id,
            };
            status_failure(operation, billable, response, Some(body), None)
        }
        E::UnexpectedResponse(response) => {
            let parts = ErrorResponseParts {
                status: response.status().as_u16(),
                retry_after: parse_retry_after(response.headers()),
                header_id: request_id_header(response.headers()),
            };
            let raw = read_capped(response).await;
            let body = serde_json::from_slice::<B>(&raw)
                .ok()
                .map(ErrorBody::into_parts);
            let text = if body.is_none() {
                Some(String::from_utf8_lossy(&raw).into_owned())
            } else {
                None
            };
            status_failure(operation, billable, parts, body, text)
        }
        E::ResponseBodyError(err) | E::InvalidUpgrade(err) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation,
                may_have_been_processed: billable,
                message: format!("the response could not be read ({AMBIGUOUS_HINT}): {err}"),
                source: Some(Box::new(err)),
            }),
        },
        E::InvalidResponsePayload(bytes, err) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation,
                may_have_been_processed: billable,
                message: format!(
                    "the server's answer is not the documented JSON ({AMBIGUOUS_HINT}): {err}; body starts with {:?}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
                ),
                source: Some(Box::new(err)),
            }),
        },
        E::Custom(message) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation,
                may_have_been_processed: billable,
                message,
                source: None,
            }),
        },
    }
}

fn transport_failure(operation: &'static str, billable: bool, err: reqwest::Error) -> Failure {
    if err.is_connect() {
        Failure {
            class: FailureClass::NotSent,
            error: Error::Transport(TransportError {
                operation,
                may_have_been_processed: false,
                message: format!("could not connect: {err}"),
                source: Some(Box::new(err)),
            }),
        }
    } else if err.is_builder() {
        Failure {
            class: FailureClass::Final,
            error: Error::Transport(TransportError {
                operation,
                may_have_been_processed: false,
                message: format!("the request could not be built: {err}"),
                source: Some(Box::new(err)),
            }),
        }
    } else {
        let what = if err.is_timeout() {
            "timed out waiting for the response"
        } else {
            "the connection failed after the request was sent"
        };
        Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation,
                may_have_been_processed: billable,
                message: format!("{what}: {err}"),
                source: Some(Box::new(err)),
            }),
        }
    }
}

/// What an error response said outside its body.
struct ErrorResponseParts {
    status: u16,
    retry_after: Option<Duration>,
    header_id: Option<String>,
}

/// The `x-request-id` response header (sent by OpenAI and many compatible servers).
fn request_id_header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string)
}

fn status_failure(
    operation: &'static str,
    billable: bool,
    response: ErrorResponseParts,
    body: Option<ErrorParts>,
    raw: Option<String>,
) -> Failure {
    let ErrorResponseParts {
        status,
        retry_after,
        header_id,
    } = response;
    let parts = body.unwrap_or_else(|| {
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("unexpected status");
        let snippet = raw
            .map(|r| truncate_for_log(r.trim()))
            .filter(|s| !s.is_empty());
        ErrorParts {
            message: match snippet {
                Some(s) => format!("{reason}: {s}"),
                None => reason.to_string(),
            },
            ..ErrorParts::default()
        }
    });
    let code = ErrorCode::from_code(parts.code.as_deref().unwrap_or(""));
    // Out of credits, whatever the status says (OpenAI answers 429 with type and code `insufficient_quota`):
    // waiting does not help, so it is never retried and is reported as such.
    let out_of_credits = matches!(
        code,
        ErrorCode::InsufficientCredits | ErrorCode::InsufficientQuota
    ) || parts.error_type.as_deref() == Some("insufficient_quota");
    let class = match status {
        429 if out_of_credits => FailureClass::Final,
        429 => FailureClass::RateLimited { retry_after },
        408 | 502..=504 => FailureClass::Unavailable { retry_after },
        500..=599 => FailureClass::Ambiguous,
        200..=299 => FailureClass::Ambiguous,
        _ => FailureClass::Final,
    };
    let may_have_been_processed = billable && matches!(class, FailureClass::Ambiguous);
    let api = ApiError {
        operation,
        status,
        code,
        message: parts.message,
        request_id: parts.request_id.or(header_id),
        error_type: parts.error_type,
        param: parts.param,
        retry_after,
        may_have_been_processed,
    };
    let api = Box::new(api);
    let error = match status {
        401 => Error::Unauthorized(api),
        402 => Error::InsufficientCredits(api),
        429 if out_of_credits => Error::InsufficientCredits(api),
        429 => Error::RateLimited {
            retry_after,
            error: api,
        },
        _ => Error::Api(api),
    };
    Failure { class, error }
}

async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    const CAP: usize = 64 * 1024;
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = CAP - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= CAP {
            break;
        }
    }
    out
}

/// Every client setting. Start with [`Client::builder`] or [`ClientBuilder::from_env`].
#[derive(Default)]
pub struct ClientBuilder {
    conn: Connection,
    budget: Option<u64>,
    prices: Option<PriceTable>,
    poll_interval: Option<Duration>,
    wait_timeout: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ClientBuilder");
        self.conn.debug_fields(&mut d);
        d.field("budget", &self.budget).finish_non_exhaustive()
    }
}

/// The settings the Artnex client and the OpenAI-compatible images client share, and how they become a
/// configured HTTP client.
#[derive(Default)]
pub(crate) struct Connection {
    pub(crate) api_key: Option<SecretString>,
    pub(crate) base_url: Option<String>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) user_agent: Option<String>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) http: Option<reqwest::ClientBuilder>,
    pub(crate) download: Option<reqwest::Client>,
    pub(crate) durable_downloads: bool,
}

/// A [`Connection`] checked and turned into HTTP clients.
pub(crate) struct Opened {
    /// The checked base URL, without a trailing `/`.
    pub(crate) base_url: String,
    /// Carries the bearer header, the user agent and the timeouts.
    pub(crate) api_http: reqwest::Client,
    /// For result URLs: no credentials.
    pub(crate) download: reqwest::Client,
    /// Whether downloads are flushed to storage before they return.
    pub(crate) durable_downloads: bool,
    /// The retry policy.
    pub(crate) retry: RetryPolicy,
}

impl Connection {
    /// The key from `key_var` (required) and the base URL from `base_var` (optional).
    pub(crate) fn from_env(key_var: &'static str, base_var: &str) -> Result<Connection, Error> {
        let key = std::env::var(key_var).map_err(|_| Error::MissingApiKey { var: key_var })?;
        let base_url = std::env::var(base_var)
            .ok()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
        Ok(Connection {
            api_key: Some(SecretString::from(key)),
            base_url,
            ..Connection::default()
        })
    }

    /// Checks the key and the base URL (https, or plain http to loopback) and builds the HTTP clients.
    pub(crate) fn open(
        self,
        key_var: &'static str,
        default_base_url: &str,
    ) -> Result<Opened, Error> {
        let raw_key = self.api_key.ok_or(Error::MissingApiKey { var: key_var })?;
        let key = ApiKey::new(raw_key.expose_secret())?;
        drop(raw_key); // zeroized on drop
        let requested = self
            .base_url
            .unwrap_or_else(|| default_base_url.to_string());
        let base_url = artnex_transport::check_base_url(requested.trim())?;
        let http = http_config(
            self.connect_timeout,
            self.read_timeout,
            self.request_timeout,
            self.user_agent.as_deref(),
        );
        Ok(Opened {
            base_url,
            api_http: api_http_client(&key, &http, self.http)?,
            download: download_http_client(&http, self.download)?,
            durable_downloads: self.durable_downloads,
            retry: self.retry.unwrap_or_default(),
        })
    }

    /// The fields a builder's `Debug` shows (never the key).
    pub(crate) fn debug_fields(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("retry", &self.retry);
    }
}

impl ClientBuilder {
    /// A builder preset from `ARTNEX_API_KEY` (required) and `ARTNEX_BASE_URL` (optional); every other
    /// setting can still be changed.
    ///
    /// ```no_run
    /// let client = artnex::ClientBuilder::from_env()?.budget(1_000).build()?;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn from_env() -> Result<ClientBuilder, Error> {
        Ok(ClientBuilder {
            conn: Connection::from_env(API_KEY_ENV, BASE_URL_ENV)?,
            ..ClientBuilder::default()
        })
    }

    /// The API key (required). Surrounding whitespace is trimmed. It is kept as a secret: never shown in
    /// `Debug`, errors or logs, and sent only over https (or plain http to a loopback address).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn api_key(mut self, key: impl AsRef<str>) -> Self {
        self.conn.api_key = Some(SecretString::from(key.as_ref()));
        self
    }

    /// The API base URL (default `https://api.artnex.ai`; a trailing `/v1` is accepted and ignored).
    /// Plain `http://` is refused unless the host is loopback (for the local simulator).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .base_url("http://127.0.0.1:8080") // a local simulator: plain http is fine on loopback
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.conn.base_url = Some(url.into());
        self
    }

    /// Time allowed to open a connection (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .connect_timeout(Duration::from_secs(3))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.conn.connect_timeout = Some(d);
        self
    }

    /// Longest silence while waiting for or reading a response (default 300 s: image models can take
    /// minutes before answering). A read timeout on a billable call is ambiguous and is not retried.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .read_timeout(Duration::from_secs(600))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.conn.read_timeout = Some(d);
        self
    }

    /// Overall cap per HTTP request, downloads included (default none).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .request_timeout(Duration::from_secs(900))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.conn.request_timeout = Some(d);
        self
    }

    /// Your application's name and version, sent before the SDK's own in `User-Agent`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .user_agent("my-app/1.2")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.conn.user_agent = Some(ua.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]). Requests can override it one by one.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .retry_policy(artnex::RetryPolicy::default().max_retries(4))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.conn.retry = Some(policy);
        self
    }

    /// A spending cap in credits for this client and its clones. A request whose estimate exceeds what is
    /// left is refused with [`Error::BudgetExceeded`] before anything is sent; actual `credits_used` are
    /// tracked. With a budget, requests that cannot be priced (gpt-image-2 without a
    /// [`PriceTable`] entry, unknown models) are refused too.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .budget(10_000)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn budget(mut self, credits: u64) -> Self {
        self.budget = Some(credits);
        self
    }

    /// Prices the catalogue does not have (gpt-image-2 tiers, newer models), used by `estimate()` and the
    /// budget.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .price_table(artnex::PriceTable::new().model("tomorrows-model", 120))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn price_table(mut self, table: PriceTable) -> Self {
        self.prices = Some(table);
        self
    }

    /// Your own `reqwest` client builder (proxies, TLS roots, pool settings). The SDK adds the
    /// `Authorization` header (marked sensitive), its `User-Agent` and the timeouts set on this builder.
    /// Downloads use a separate client that never carries the key (see
    /// [`ClientBuilder::download_client`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .http_client(artnex::reqwest::Client::builder().pool_max_idle_per_host(4))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.conn.http = Some(builder);
        self
    }

    /// The `reqwest` client used to download results. It must not add an `Authorization` header: result
    /// URLs may live on another host. Default: a client with the SDK's timeouts and no credentials.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .download_client(artnex::reqwest::Client::new())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn download_client(mut self, client: reqwest::Client) -> Self {
        self.conn.download = Some(client);
        self
    }

    /// Whether downloads ([`Media::download_to`](crate::media::Media::download_to),
    /// [`Media::save_to_dir`](crate::media::Media::save_to_dir)) flush the file and its directory entry
    /// to storage before returning (default off; see [`Media::durable`](crate::media::Media::durable)).
    ///
    /// ```
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .durable_downloads(true)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn durable_downloads(mut self, on: bool) -> Self {
        self.conn.durable_downloads = on;
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
        self.poll_interval = Some(d);
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
        self.wait_timeout = Some(d);
        self
    }

    /// Checks the settings and builds the client. Nothing is sent.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = artnex::Client::builder().api_key("sk-example")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let opened = self.conn.open(API_KEY_ENV, DEFAULT_BASE_URL)?;
        let base_url = normalize_base_url(&opened.base_url);
        Ok(Client {
            inner: Arc::new(Inner {
                endpoints: Endpoints::new(&base_url)?,
                api: artnex_api::Client::new_with_client(&base_url, opened.api_http),
                download: opened.download,
                durable_downloads: opened.durable_downloads,
                base_url,
                retry: opened.retry,
                budget: self.budget.map(Budget::new),
                prices: self.prices,
                poll_interval: self.poll_interval.unwrap_or(DEFAULT_POLL_INTERVAL),
                wait_timeout: self.wait_timeout.unwrap_or(DEFAULT_WAIT_TIMEOUT),
            }),
        })
    }
}

/// The URLs of the billable operations, parsed once when the client is built.
pub(crate) struct Endpoints {
    pub(crate) generate: reqwest::Url,
    pub(crate) edit: reqwest::Url,
    pub(crate) video: reqwest::Url,
    pub(crate) tts: reqwest::Url,
    pub(crate) upscale: reqwest::Url,
    pub(crate) remove_bg: reqwest::Url,
}

impl Endpoints {
    fn new(base_url: &str) -> Result<Endpoints, Error> {
        let url = |path: &str| {
            reqwest::Url::parse(&format!("{base_url}{path}")).map_err(|e| {
                Error::Config(artnex_transport::ConfigError::InvalidBaseUrl {
                    url: base_url.to_string(),
                    reason: e.to_string(),
                })
            })
        };
        Ok(Endpoints {
            generate: url("/v1/generate")?,
            edit: url("/v1/edit")?,
            video: url("/v1/video")?,
            tts: url("/v1/tts")?,
            upscale: url("/v1/upscale")?,
            remove_bg: url("/v1/remove-bg")?,
        })
    }
}

/// Serialises a request body into bytes, starting with `size_hint` bytes of room so that a large body is
/// not reallocated (and briefly held twice) while it grows.
pub(crate) fn json_bytes<B: serde::Serialize>(body: &B, size_hint: usize) -> Result<Bytes, Error> {
    let mut buf = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut buf, body).map_err(|e| {
        Error::Validation(ValidationError::new(
            "request",
            ErrorCode::InvalidRequest,
            format!("the request could not be serialised: {e}"),
        ))
    })?;
    Ok(Bytes::from(buf))
}

/// Room for a JSON string of `chars` bytes in the worst case (every character escaped as `\uXXXX`).
pub(crate) fn json_room(text: &str) -> usize {
    text.len().saturating_mul(6)
}

/// One attempt of a JSON `POST`: the body is already bytes (cloning them is a reference count). A 2xx
/// answer is parsed as `T`; any other answer goes to the executor, which reads its error body as `E`.
pub(crate) async fn send_json<T, E>(
    http: &reqwest::Client,
    url: reqwest::Url,
    body: Bytes,
) -> Result<ResponseValue<T>, WireError<E>>
where
    T: serde::de::DeserializeOwned,
{
    use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
    let mut response = http
        .post(url)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .body(body)
        .send()
        .await
        .map_err(WireError::CommunicationError)?;
    let status = response.status();
    if !status.is_success() {
        return Err(WireError::UnexpectedResponse(response));
    }
    let headers = std::mem::take(response.headers_mut());
    let full = response
        .bytes()
        .await
        .map_err(WireError::ResponseBodyError)?;
    let parsed = serde_json::from_slice::<T>(&full)
        .map_err(|e| WireError::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(parsed, status, headers))
}

/// Timeouts and user agent from builder settings (unset ones take the transport's defaults).
pub(crate) fn http_config(
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    user_agent: Option<&str>,
) -> HttpConfig {
    let defaults = HttpConfig::default();
    HttpConfig {
        connect_timeout: connect_timeout.unwrap_or(defaults.connect_timeout),
        read_timeout: read_timeout.unwrap_or(defaults.read_timeout),
        request_timeout: request_timeout.or(defaults.request_timeout),
        user_agent: match user_agent {
            Some(ua) => format!("{} artnex-rs/{}", ua.trim(), env!("CARGO_PKG_VERSION")),
            None => format!("artnex-rs/{}", env!("CARGO_PKG_VERSION")),
        },
    }
}

/// The API client: the sensitive bearer header, the user agent and the timeouts, on the caller's
/// `reqwest::ClientBuilder` when there is one.
pub(crate) fn api_http_client(
    key: &ApiKey,
    http: &HttpConfig,
    custom: Option<reqwest::ClientBuilder>,
) -> Result<reqwest::Client, Error> {
    let builder = match custom {
        None => http.client_builder(key)?,
        Some(custom) => {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(reqwest::header::AUTHORIZATION, key.authorization()?);
            let mut b = custom
                .default_headers(headers)
                .user_agent(http.user_agent.clone())
                .connect_timeout(http.connect_timeout)
                .read_timeout(http.read_timeout);
            if let Some(t) = http.request_timeout {
                b = b.timeout(t);
            }
            b
        }
    };
    Ok(builder
        .build()
        .map_err(artnex_transport::ConfigError::Http)?)
}

/// The download client: the caller's, or one with the same timeouts and no credentials.
pub(crate) fn download_http_client(
    http: &HttpConfig,
    custom: Option<reqwest::Client>,
) -> Result<reqwest::Client, Error> {
    match custom {
        Some(c) => Ok(c),
        None => {
            let mut b = reqwest::Client::builder()
                .user_agent(http.user_agent.clone())
                .connect_timeout(http.connect_timeout)
                .read_timeout(http.read_timeout);
            if let Some(t) = http.request_timeout {
                b = b.timeout(t);
            }
            Ok(b.build().map_err(artnex_transport::ConfigError::Http)?)
        }
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

    #[test]
    fn log_truncation_is_char_safe() {
        let long = "é".repeat(100);
        let t = truncate_for_log(&long);
        assert_eq!(t.chars().count(), 49);
        assert_eq!(truncate_for_log("short"), "short");
    }
}
