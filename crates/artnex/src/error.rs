//! One error type for every call: [`Error`], with variants a caller can act on.
//!
//! | variant | what happened | charged? | what to do |
//! |---|---|---|---|
//! | [`Error::Validation`] | refused locally, nothing was sent | no | fix the request |
//! | [`Error::BudgetExceeded`] | refused locally by the client budget | no | raise the budget or pick a cheaper model |
//! | [`Error::Unauthorized`] | 401 | no | check the key |
//! | [`Error::InsufficientCredits`] | 402, or 429 `insufficient_quota` | no | top up |
//! | [`Error::RateLimited`] | 429 not retried (quota spent, or `Retry-After` too long) | no | wait [`Error::retry_after`] |
//! | [`Error::Api`] | any other error status | see [`Error::may_have_been_processed`] | look at [`ApiError::code`] |
//! | [`Error::Transport`] | the connection failed | see [`Error::may_have_been_processed`] | check before sending again |
//! | [`Error::JobFailed`] | a video job ended in `error` | no (failed jobs are not charged) | change the prompt or model |
//! | [`Error::JobTimedOut`] | [`wait`](crate::video::VideoJob::wait) gave up; the job goes on | when it completes | resume with [`Client::video_job`](crate::Client::video_job) |
//! | [`Error::MediaExpired`] | a result URL is gone (they live 24 h) | - | run the request again if you still need it |
//!
//! The OpenAI-compatible images client (`artnex::openai`, feature `openai-images`) maps the OpenAI
//! error body (`{"error": {"message", "type", "code", "param"}}`) onto the same variants: `error.code` becomes
//! [`ApiError::code`] (the ArtAPI codes have their own [`ErrorCode`] variants, such as
//! [`ErrorCode::ModelNotFound`]), `error.type` becomes [`ApiError::error_type`] and `error.param`
//! [`ApiError::param`].
//!
//! No error ever contains the API key: the key is held as a secret by the client and never formatted.
//!
//! ```
//! use artnex::{Error, ErrorCode};
//!
//! fn explain(err: &Error) -> String {
//!     match err {
//!         Error::Validation(v) => format!("fix the request: {v}"),
//!         Error::RateLimited { retry_after, .. } => format!("quota spent, retry in {retry_after:?}"),
//!         e if e.may_have_been_processed() => format!("check your dashboard before retrying: {e}"),
//!         Error::Api(api) if api.code == ErrorCode::InvalidModel => "unknown model".to_string(),
//!         other => other.to_string(),
//!     }
//! }
//! # let _ = explain;
//! ```

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::operation::OperationId;
use crate::pricing::Estimate;
use crate::video::JobStatus;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call. See the [module documentation](self) for the table of variants.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The client could not be configured (missing or malformed key, insecure or invalid base URL, TLS
    /// setup). Nothing was sent.
    #[error("configuration error: {0}")]
    Config(#[from] artnex_transport::ConfigError),

    /// `ARTNEX_API_KEY` (or the variable named, such as `ARTAPI_KEY` for the OpenAI-compatible images client)
    /// is not set.
    #[error(
        "the API key is missing: set the {var} environment variable or pass it to the client builder's .api_key(..)"
    )]
    MissingApiKey {
        /// The environment variable that was read.
        var: &'static str,
    },

    /// The request was refused before anything was sent: it costs no credits and no quota.
    #[error("invalid request (nothing was sent): {0}")]
    Validation(#[from] ValidationError),

    /// The client budget does not cover the request's estimate. Nothing was sent.
    #[error("budget exceeded (nothing was sent): {reason}")]
    BudgetExceeded {
        /// The request's estimate.
        estimate: Estimate,
        /// Credits left in the budget (limit minus spent minus reserved by requests in flight).
        remaining: u64,
        /// A readable explanation.
        reason: String,
    },

    /// 401: the key is missing, malformed or revoked.
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ApiError>),

    /// 402 (or a 429 whose code is `insufficient_credits` / `insufficient_quota`, as OpenAI sends it): the
    /// balance does not cover the request. Nothing was charged, and it is never retried.
    #[error("insufficient credits: {0}")]
    InsufficientCredits(Box<ApiError>),

    /// 429 that was not retried: the daily quota is spent, or the server asked for a wait longer than the
    /// retry policy's cap ([`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after)).
    #[error("rate limited{}: {error}", fmt_retry_after(*.retry_after))]
    RateLimited {
        /// How long the server asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
        /// The error body.
        error: Box<ApiError>,
    },

    /// Any other error status from the API, with the documented error code.
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The HTTP exchange failed (connection refused or reset, timeout, unreadable response).
    #[error("{0}")]
    Transport(TransportError),

    /// A video job ended with status `error`. Failed jobs are not charged.
    #[error("video job {request_id} failed ({code}): {message}")]
    JobFailed {
        /// The job id.
        request_id: String,
        /// The failure code the server gave (for example `generation_failed`), or `unknown`.
        code: String,
        /// The failure message.
        message: String,
    },

    /// Waiting for a video job took longer than the wait timeout. The job itself goes on (and is charged
    /// if it completes): resume it with [`Client::video_job`](crate::Client::video_job).
    #[error(
        "video job {request_id} still not finished after {waited:?} (last status: {}); it goes on: resume with client.video_job(\"{request_id}\").wait()",
        last_status.as_ref().map(|s| s.as_str()).unwrap_or("unknown")
    )]
    JobTimedOut {
        /// The job id, to resume later.
        request_id: String,
        /// How long the SDK waited.
        waited: Duration,
        /// The last status seen, if any poll succeeded.
        last_status: Option<JobStatus>,
    },

    /// A result URL answered 403, 404 or 410: it has expired (results are kept 24 hours) or never existed.
    #[error(
        "the media URL has expired or does not exist (HTTP {status}; results are kept for 24 hours): {url}"
    )]
    MediaExpired {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },

    /// A download failed with another status.
    #[error("download of {url} failed with HTTP {status}")]
    Download {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },

    /// A URL (a result URL, or one the server sent) does not parse, or is not one the SDK fetches (plain
    /// http to a host that is not loopback).
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Something inside the SDK went wrong (please report it), for example a request body that could not
    /// be serialised. Says whether the request may have been sent.
    #[error("internal error in {}: {message}{}", operation.map_or("download", |o| o.as_str()), if *may_have_been_processed { "; the request may have been processed and charged" } else { " (the request was not sent)" })]
    Internal {
        /// The operation (`None` for a download).
        operation: Option<OperationId>,
        /// What went wrong.
        message: String,
        /// Whether the request may have reached the server.
        may_have_been_processed: bool,
    },

    /// Reading an input file or writing a download failed.
    #[error("I/O error{}: {source}", path.as_ref().map(|p| format!(" on {}", p.display())).unwrap_or_default())]
    Io {
        /// The file involved, if any.
        path: Option<PathBuf>,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn fmt_retry_after(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!(" (retry after {} s)", d.as_secs_f64().ceil()),
        None => String::new(),
    }
}

impl Error {
    /// Whether the request may have reached the server and been processed (and charged) even though the
    /// call failed: a 5xx other than 502/503/504, a connection reset after sending, a read timeout, an
    /// unreadable success response. Such a request is never replayed automatically (unless the retry
    /// policy opts in with [`RetryPolicy::retry_ambiguous`](crate::RetryPolicy::retry_ambiguous)):
    /// check your balance or results before sending it again.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// match client.generate("a fox").model(artnex::Model::Flux2Pro).await {
    ///     Ok(out) => println!("{} images", out.images.len()),
    ///     Err(e) if e.may_have_been_processed() => {
    ///         eprintln!("unclear whether it ran (and was charged): check before resending: {e}")
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Error::Api(e) | Error::Unauthorized(e) | Error::InsufficientCredits(e) => {
                e.may_have_been_processed
            }
            Error::RateLimited { error, .. } => error.may_have_been_processed,
            Error::Transport(t) => t.may_have_been_processed,
            Error::Internal {
                may_have_been_processed,
                ..
            } => *may_have_been_processed,
            _ => false,
        }
    }

    /// The `Retry-After` the server sent, for rate-limit and unavailable errors.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// if let Err(e) = client.tts("Hello").await {
    ///     if let Some(wait) = e.retry_after() {
    ///         tokio::time::sleep(wait).await; // then try again
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            Error::Api(e) => e.retry_after,
            _ => None,
        }
    }

    /// The documented error code, when the server sent one (or the local validation mirrored one).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::{Error, ErrorCode};
    /// let e = Error::from(client.generate("").validate().unwrap_err());
    /// assert_eq!(e.code(), Some(&ErrorCode::MissingPrompt));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api(e) | Error::Unauthorized(e) | Error::InsufficientCredits(e) => Some(&e.code),
            Error::RateLimited { error, .. } => Some(&error.code),
            Error::Validation(v) => v.code.as_ref(),
            _ => None,
        }
    }

    /// The request id (the server's, or the video job's), when known.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// if let Err(e) = client.generate("a fox").await {
    ///     eprintln!("failed (request id for support: {:?}): {e}", e.request_id());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) | Error::Unauthorized(e) | Error::InsufficientCredits(e) => {
                e.request_id.as_deref()
            }
            Error::RateLimited { error, .. } => error.request_id.as_deref(),
            Error::JobFailed { request_id, .. } | Error::JobTimedOut { request_id, .. } => {
                Some(request_id)
            }
            _ => None,
        }
    }

    /// The HTTP status, when the error came from a response.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// if let Err(e) = client.video_status("req_gone").await {
    ///     assert_eq!(e.status(), Some(404));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) | Error::Unauthorized(e) | Error::InsufficientCredits(e) => {
                Some(e.status)
            }
            Error::RateLimited { error, .. } => Some(error.status),
            Error::MediaExpired { status, .. } | Error::Download { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<Option<PathBuf>>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// An error response from the API.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The operation that failed.
    pub operation: OperationId,
    /// The HTTP status.
    pub status: u16,
    /// The machine-readable code from the body (`error`), [`ErrorCode::Unknown`] for codes this version
    /// does not know (or an empty string when the body had none).
    pub code: ErrorCode,
    /// The human-readable message from the body (or a description of the status when there was no body).
    pub message: String,
    /// The request id from the body, or else from the `x-request-id` response header, when the server sent
    /// one.
    pub request_id: Option<String>,
    /// The error class of an OpenAI-style body (`error.type`: `invalid_request_error`,
    /// `authentication_error`, `billing_error`, `rate_limit_error`, `api_error`, ... an open string). `None`
    /// for Artnex errors.
    pub error_type: Option<String>,
    /// The request parameter an OpenAI-style error is about (`error.param`, for example `size`), when the
    /// server named one.
    pub param: Option<String>,
    /// `Retry-After`, when the response carried one.
    pub retry_after: Option<Duration>,
    /// Whether the request may have been processed (and charged) despite the error: true for a 500 (or
    /// another undocumented 5xx) answering a billable request.
    pub may_have_been_processed: bool,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        if !self.code.as_str().is_empty() {
            write!(f, " ({})", self.code)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(param) = &self.param {
            write!(f, " [param {param}]")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        if self.may_have_been_processed {
            f.write_str(
                "; the request may have been processed and charged: it was not sent again, check your results and balance before retrying",
            )?;
        }
        Ok(())
    }
}

/// A failed HTTP exchange.
#[derive(Debug)]
pub struct TransportError {
    /// The operation (`None` for a result download).
    pub operation: Option<OperationId>,
    /// Whether the request may have reached the server (connection reset after sending, read timeout,
    /// unreadable response). `false` only when the connection was never established.
    pub may_have_been_processed: bool,
    /// What failed, in words.
    pub message: String,
    /// The underlying error, when there is one.
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.operation.map_or("download", OperationId::as_str);
        write!(f, "{what}: {}", self.message)?;
        if self.may_have_been_processed {
            f.write_str(
                "; the request may have been processed and charged: it was not sent again, check your results and balance before retrying",
            )?;
        } else {
            f.write_str(" (the request was not sent)")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A request refused before anything was sent.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The request field at fault (`prompt`, `num_images`, `model`, `duration`, `image`, ...).
    pub field: &'static str,
    /// The code the server would have answered with, when it documents one. `None` for checks the server
    /// does not make (for example an aspect ratio the model does not support, which the server silently
    /// replaces).
    pub code: Option<ErrorCode>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl ValidationError {
    pub(crate) fn new(
        field: &'static str,
        code: impl Into<Option<ErrorCode>>,
        message: impl Into<String>,
    ) -> Self {
        ValidationError {
            field,
            code: code.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

/// The documented machine-readable error codes: the union of every `x-artnex-error-codes` list in
/// `spec/artnex.yaml` (the `error` field of an Artnex error body) and of the `x-artapi-error-codes` in
/// `spec/artapi.yaml` (the `error.code` field of an OpenAI-style error body), generated from the specs,
/// plus [`ErrorCode::Unknown`] for codes added later. A code both APIs use (`invalid_api_key`,
/// `prompt_too_long`, `invalid_request`, `rate_limit_exceeded`) is one variant. Each knows its
/// description and statuses.
///
/// ```
/// use artnex::ErrorCode;
/// assert_eq!(ErrorCode::from_code("invalid_model"), ErrorCode::InvalidModel);
/// assert_eq!(ErrorCode::from_code("brand_new"), ErrorCode::Unknown("brand_new".into()));
/// assert!(ErrorCode::InsufficientCredits.statuses().contains(&402));
/// ```
pub use artnex_facts::ErrorCode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_errors_say_so() {
        let e = Error::Api(Box::new(ApiError {
            operation: OperationId::GenerateImage,
            status: 500,
            code: ErrorCode::from_code("internal_error"),
            message: "boom".into(),
            request_id: Some("req_1".into()),
            error_type: None,
            param: None,
            retry_after: None,
            may_have_been_processed: true,
        }));
        assert!(e.may_have_been_processed());
        let text = e.to_string();
        assert!(text.contains("may have been processed"), "{text}");
        assert!(text.contains("req_1"));
        assert_eq!(e.status(), Some(500));
    }

    #[test]
    fn timeout_error_names_the_job() {
        let e = Error::JobTimedOut {
            request_id: "req_v1".into(),
            waited: Duration::from_secs(300),
            last_status: Some(JobStatus::Processing),
        };
        let text = e.to_string();
        assert!(
            text.contains("req_v1") && text.contains("processing"),
            "{text}"
        );
        assert_eq!(e.request_id(), Some("req_v1"));
    }
}
