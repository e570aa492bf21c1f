//! The executor: one attempt of an HTTP call, the classification of a failed attempt into what can have
//! happened on the server, and the retry loop that applies [`RetryPolicy::decide`] to it. Every API call
//! of both clients (billable `POST`s and status polls) goes through [`execute`]; downloads use the same
//! decision through [`classify_status`] and [`classify_transport`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::builder::Core;
use crate::error::{ApiError, Error, ErrorCode, TransportError};
use crate::media::upload::{ImageText, UploadBody, UploadState};
use crate::operation::OperationId;
use crate::retry::{Action, FailureClass, RetryPolicy, parse_retry_after};
use crate::stall::Stalled;

/// A request body, serialised once: every attempt sends the same bytes. JSON in memory is shared between
/// attempts (cloning `Bytes` is a reference count); an inline image is not in it: the body is the JSON
/// before the image's string, the image's text, and the JSON after it, and the image is encoded into the
/// body as it is sent (from memory, or from its file, re-opened for each attempt; see
/// [`media::upload`](crate::media::upload)), so a 10 MB image is never held encoded.
#[doc(hidden)]
#[derive(Clone)]
pub struct Payload {
    body: Option<Body>,
}

#[derive(Clone)]
enum Body {
    Json(Bytes),
    WithImage {
        /// Up to and including the opening quote of the image's string.
        prefix: Bytes,
        image: ImageText,
        /// From its closing quote on.
        suffix: Bytes,
        /// What stands for the image in the JSON until it is sent (for [`Payload::with_extra`]).
        marker: Arc<str>,
    },
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.body {
            None => f.write_str("Payload(empty)"),
            Some(Body::Json(b)) => write!(f, "Payload({} bytes of JSON)", b.len()),
            Some(Body::WithImage {
                prefix,
                image,
                suffix,
                ..
            }) => write!(
                f,
                "Payload({} bytes of JSON around {image:?})",
                prefix.len() + suffix.len()
            ),
        }
    }
}

fn internal(op: OperationId, message: String) -> Error {
    Error::Internal {
        operation: op,
        message,
        may_have_been_processed: false,
    }
}

impl Payload {
    /// No body (a `GET`).
    pub(crate) fn empty() -> Payload {
        Payload { body: None }
    }

    /// `value` as JSON.
    pub(crate) fn json<T: Serialize + ?Sized>(
        op: OperationId,
        value: &T,
    ) -> Result<Payload, Error> {
        Ok(Payload {
            body: Some(Body::Json(Bytes::from(to_json(op, value)?))),
        })
    }

    /// `value` as JSON, whose image field holds the string `marker`, with `image` in its place.
    pub(crate) fn json_with_image<T: Serialize + ?Sized>(
        op: OperationId,
        value: &T,
        marker: Arc<str>,
        image: ImageText,
    ) -> Result<Payload, Error> {
        Payload::split(op, to_json(op, value)?, marker, image)
    }

    /// Cuts `json` around the string `marker` (the image's place); without it, the image is not sent
    /// (an `extra_body` field replaced it).
    fn split(
        op: OperationId,
        json: Vec<u8>,
        marker: Arc<str>,
        image: ImageText,
    ) -> Result<Payload, Error> {
        let needle = format!("\"{marker}\"");
        let mut found = json
            .windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle.as_bytes())
            .map(|(i, _)| i);
        let (first, second) = (found.next(), found.next());
        let json = Bytes::from(json);
        match (first, second) {
            (None, _) => Ok(Payload {
                body: Some(Body::Json(json)),
            }),
            (Some(at), None) => Ok(Payload {
                body: Some(Body::WithImage {
                    prefix: json.slice(..at + 1),
                    image,
                    suffix: json.slice(at + needle.len() - 1..),
                    marker,
                }),
            }),
            (Some(_), Some(_)) => Err(internal(
                op,
                "the image's place in the request body is ambiguous".into(),
            )),
        }
    }

    /// Adds fields the SDK does not know to a JSON object body (the `extra_body` escape hatch). Costs a
    /// parse of the JSON (never of an inline image), so only requests that use it pay for it.
    pub(crate) fn with_extra(
        self,
        op: OperationId,
        extra: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Payload, Error> {
        if extra.is_empty() {
            return Ok(self);
        }
        let (json, image) = match self.body {
            None => (Bytes::from_static(b"{}"), None),
            Some(Body::Json(b)) => (b, None),
            Some(Body::WithImage {
                prefix,
                image,
                suffix,
                marker,
            }) => {
                let mut json = Vec::with_capacity(prefix.len() + marker.len() + suffix.len());
                json.extend_from_slice(&prefix);
                json.extend_from_slice(marker.as_bytes());
                json.extend_from_slice(&suffix);
                (Bytes::from(json), Some((marker, image)))
            }
        };
        let mut object =
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&json)
                .map_err(|e| internal(op, format!("the request body is not a JSON object: {e}")))?;
        for (k, v) in extra {
            object.insert(k.clone(), v.clone());
        }
        let json = to_json(op, &object)?;
        match image {
            Some((marker, image)) => Payload::split(op, json, marker, image),
            None => Ok(Payload {
                body: Some(Body::Json(Bytes::from(json))),
            }),
        }
    }

    /// The bytes that will be sent, when they are all in memory (no inline image).
    pub(crate) fn bytes(&self) -> Option<&Bytes> {
        match &self.body {
            Some(Body::Json(b)) => Some(b),
            _ => None,
        }
    }
}

fn to_json<T: Serialize + ?Sized>(op: OperationId, value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value)
        .map_err(|e| internal(op, format!("the request body could not be serialised: {e}")))
}

/// A successful answer: the parsed body and what the response said outside it.
#[doc(hidden)]
#[derive(Debug)]
pub struct Answer<T> {
    pub(crate) value: T,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
}

impl<T> Answer<T> {
    /// The `x-request-id` header, when the server sent one.
    pub(crate) fn header_request_id(&self) -> Option<String> {
        request_id_header(&self.headers)
    }
}

/// Why one attempt failed, before classification.
pub(crate) enum AttemptError {
    /// The request could not be sent, or the connection failed before an answer arrived.
    Send(reqwest::Error),
    /// A non-2xx answer: what it said outside its body, and the start of its body.
    Status(ResponseParts, Vec<u8>),
    /// A 2xx answer whose body could not be read.
    Body(reqwest::Error),
    /// A 2xx answer whose body is not what the spec describes.
    Parse(Bytes, serde_json::Error),
    /// The request body could not be sent whole (an input file changed or could not be read): the
    /// server never received a complete request. Not retried.
    Upload(Error),
    /// Nothing arrived (and no upload progress was made) for `stall`.
    Stalled {
        stall: Duration,
        /// Whether the whole request body had been handed to the connection.
        body_sent: bool,
    },
}

/// One attempt: `POST` (with the body) or `GET` (without), `Accept: application/json`. Any 2xx is a
/// success and is parsed as `T`.
///
/// The stall guard: one timer per attempt (`core.stall`, the client's read timeout), armed when the
/// request starts, pushed back while an upload body makes progress and when the response's headers
/// arrive, covering the response body too (an error body as well). The API client has no reqwest read
/// timer (see [`HttpConfig::api_client_guarded_by_caller`](artnex_transport::HttpConfig)).
pub(crate) async fn attempt<T: DeserializeOwned>(
    core: &Core,
    url: &reqwest::Url,
    payload: &Payload,
) -> Result<Answer<T>, AttemptError> {
    let http = &core.http;
    let mut upload = None;
    let request = match &payload.body {
        None => http.get(url.clone()),
        Some(body) => {
            let post = http
                .post(url.clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            match body {
                Body::Json(bytes) => post.body(bytes.clone()),
                Body::WithImage {
                    prefix,
                    image,
                    suffix,
                    ..
                } => {
                    let (body, state) = UploadBody::new(prefix.clone(), image, suffix.clone());
                    upload = Some(state);
                    post.header(CONTENT_LENGTH, body.len())
                        .body(reqwest::Body::wrap(body))
                }
            }
        }
    };
    let send = request
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .send();
    let stall = core.stall.timeout();
    let watch = core.stall.watch(upload.clone());
    let sent = watch.guard(send).await;
    // A failed upload body (its file changed, or could not be read) is the caller's error whatever the
    // HTTP stack made of it: the server never received the whole body.
    if let Some(failure) = upload.as_deref().and_then(UploadState::take_failure) {
        return Err(AttemptError::Upload(failure.into_error()));
    }
    let mut response = match sent {
        Ok(sent) => sent.map_err(AttemptError::Send)?,
        Err(Stalled) => {
            return Err(AttemptError::Stalled {
                stall,
                // Not all of an upload handed to the connection: the server cannot have the request.
                body_sent: upload.as_deref().is_none_or(UploadState::finished),
            });
        }
    };
    watch.touch();
    let status = response.status();
    if !status.is_success() {
        let parts = ResponseParts::of(&response);
        // A stalled error body leaves what was read: the status decides.
        let body = watch
            .guard(read_capped(&mut response))
            .await
            .unwrap_or_default();
        return Err(AttemptError::Status(parts, body));
    }
    let headers = std::mem::take(response.headers_mut());
    let full = match watch.guard(response.bytes()).await {
        Ok(read) => read.map_err(AttemptError::Body)?,
        Err(Stalled) => {
            return Err(AttemptError::Stalled {
                stall,
                body_sent: true,
            });
        }
    };
    let value = serde_json::from_slice::<T>(&full).map_err(|e| AttemptError::Parse(full, e))?;
    Ok(Answer {
        value,
        status: status.as_u16(),
        headers,
    })
}

/// Sends one call through the retry policy: `send` makes a fresh attempt each time. Billable calls are
/// never replayed when their outcome is ambiguous (unless the policy opts in). Error bodies are read in
/// the dialect `E`.
pub(crate) async fn execute<T, E, F, Fut>(
    op: OperationId,
    policy: &RetryPolicy,
    mut send: F,
) -> Result<Answer<T>, Error>
where
    E: ErrorBody,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Answer<T>, AttemptError>>,
{
    let billable = op.is_billable();
    let mut attempt = 0u32;
    loop {
        tracing::debug!(attempt, "sending");
        let failure = match send().await {
            Ok(answer) => {
                tracing::debug!(attempt, status = answer.status, "response");
                return Ok(answer);
            }
            Err(e) => classify::<E>(op, e).await,
        };
        match policy.decide(failure.class, !billable, attempt) {
            Action::Retry(delay) => {
                tracing::warn!(
                    attempt = attempt + 1,
                    of = policy.max_retries_value(),
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

/// A classified failure: what the retry policy needs to know, and the error the caller gets.
pub(crate) struct Failure {
    pub(crate) class: FailureClass,
    pub(crate) error: Error,
}

const AMBIGUOUS_HINT: &str = "the request may have been processed";

async fn classify<E: ErrorBody>(op: OperationId, e: AttemptError) -> Failure {
    let billable = op.is_billable();
    match e {
        AttemptError::Send(err) => classify_transport(op, err, None),
        AttemptError::Upload(error) => Failure {
            class: FailureClass::Final,
            error,
        },
        AttemptError::Status(parts, raw) => {
            let body = serde_json::from_slice::<E>(&raw)
                .ok()
                .map(ErrorBody::into_parts);
            let text = body
                .is_none()
                .then(|| String::from_utf8_lossy(&raw).into_owned());
            classify_status(op, parts, body, text)
        }
        AttemptError::Stalled {
            stall,
            body_sent: false,
        } => Failure {
            class: FailureClass::NotSent,
            error: Error::Transport(TransportError {
                operation: op,
                may_have_been_processed: false,
                message: format!(
                    "the server stopped reading the request for {} s before it was sent whole (it was not processed)",
                    stall.as_secs_f64()
                ),
                source: None,
            }),
        },
        AttemptError::Stalled { stall, .. } => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation: op,
                may_have_been_processed: billable,
                message: format!(
                    "timed out waiting for the response: nothing for {} s ({AMBIGUOUS_HINT})",
                    stall.as_secs_f64()
                ),
                source: None,
            }),
        },
        AttemptError::Body(err) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation: op,
                may_have_been_processed: billable,
                message: format!("the response could not be read ({AMBIGUOUS_HINT}): {err}"),
                source: Some(Box::new(err)),
            }),
        },
        AttemptError::Parse(bytes, err) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation: op,
                may_have_been_processed: billable,
                message: format!(
                    "the server's answer is not the documented JSON ({AMBIGUOUS_HINT}): {err}; body starts with {:?}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
                ),
                source: Some(Box::new(err)),
            }),
        },
    }
}

/// A connection-level failure. `url` is named in the message (downloads); API calls leave it out.
pub(crate) fn classify_transport(
    op: OperationId,
    err: reqwest::Error,
    url: Option<&str>,
) -> Failure {
    let billable = op.is_billable();
    let on = url
        .map(|u| format!(" {}", loggable_url(u)))
        .unwrap_or_default();
    if err.is_connect() {
        Failure {
            class: FailureClass::NotSent,
            error: Error::Transport(TransportError {
                operation: op,
                may_have_been_processed: false,
                message: format!("could not connect{on}: {err}"),
                source: Some(Box::new(err)),
            }),
        }
    } else if err.is_builder() {
        Failure {
            class: FailureClass::Final,
            error: Error::Internal {
                operation: op,
                message: format!("the request{on} could not be built: {err}"),
                may_have_been_processed: false,
            },
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
                operation: op,
                may_have_been_processed: billable,
                message: format!("{what}{on}: {err}"),
                source: Some(Box::new(err)),
            }),
        }
    }
}

/// What an error response said outside its body.
pub(crate) struct ResponseParts {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) header_id: Option<String>,
}

impl ResponseParts {
    pub(crate) fn of(response: &reqwest::Response) -> ResponseParts {
        ResponseParts {
            status: response.status().as_u16(),
            retry_after: parse_retry_after(response.headers()),
            header_id: request_id_header(response.headers()),
        }
    }
}

/// The `x-request-id` response header (sent by OpenAI and many compatible servers).
pub(crate) fn request_id_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_string)
}

/// The retry class of an HTTP status. A gateway error (502, 504) on a billable call is ambiguous: the
/// gateway may have forwarded the request, and the service may have charged it, before it gave up.
fn status_class(status: u16, out_of_credits: bool, retry_after: Option<Duration>) -> FailureClass {
    match status {
        429 if out_of_credits => FailureClass::Final,
        429 => FailureClass::RateLimited { retry_after },
        // The server's own refusal to take the request: nothing was processed.
        408 | 503 => FailureClass::Unavailable { retry_after },
        500..=599 => FailureClass::Ambiguous,
        _ => FailureClass::Final,
    }
}

/// Turns an error status into the caller's error and its retry class.
pub(crate) fn classify_status(
    op: OperationId,
    response: ResponseParts,
    body: Option<ErrorParts>,
    raw: Option<String>,
) -> Failure {
    let ResponseParts {
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
            .map(|r| crate::request::truncate_for_log(r.trim()))
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
    let class = status_class(status, out_of_credits, retry_after);
    let may_have_been_processed = op.is_billable() && matches!(class, FailureClass::Ambiguous);
    let api = Box::new(ApiError {
        operation: op,
        status,
        code,
        message: parts.message,
        request_id: parts.request_id.or(header_id),
        error_type: parts.error_type,
        param: parts.param,
        retry_after,
        may_have_been_processed,
    });
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

async fn read_capped(response: &mut reqwest::Response) -> Vec<u8> {
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

/// A URL without its query string and fragment (they may hold a signature), for logs and messages.
pub(crate) fn loggable_url(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

/// An API dialect's error body, reduced to what [`ApiError`] holds. Implemented by the Artnex body
/// (`{"success": false, "error", "message", "request_id"}`) and by the OpenAI-style body
/// (`{"error": {"message", "type", "code", "param"}}`).
#[doc(hidden)]
pub trait ErrorBody: DeserializeOwned + Send {
    /// The code, message, request id, type and parameter.
    fn into_parts(self) -> ErrorParts;
}

/// The fields of an error body, whatever its dialect.
#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct ErrorParts {
    pub(crate) code: Option<String>,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) error_type: Option<String>,
    pub(crate) param: Option<String>,
}

impl ErrorBody for artnex_api::types::ErrorResponse {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn class(status: u16) -> FailureClass {
        classify_status(
            OperationId::GenerateImage,
            ResponseParts {
                status,
                retry_after: None,
                header_id: None,
            },
            None,
            None,
        )
        .class
    }

    #[test]
    fn gateway_errors_are_ambiguous_and_refusals_are_not() {
        assert_eq!(class(502), FailureClass::Ambiguous);
        assert_eq!(class(504), FailureClass::Ambiguous);
        assert_eq!(class(500), FailureClass::Ambiguous);
        assert_eq!(class(503), FailureClass::Unavailable { retry_after: None });
        assert_eq!(class(422), FailureClass::Final);
    }

    #[test]
    fn an_ambiguous_gateway_error_on_a_billable_call_says_it_may_have_been_charged() {
        let f = classify_status(
            OperationId::CreateVideo,
            ResponseParts {
                status: 504,
                retry_after: None,
                header_id: Some("req_gw".into()),
            },
            None,
            Some("<html>Gateway Timeout</html>".into()),
        );
        assert!(f.error.may_have_been_processed());
        assert_eq!(f.error.request_id(), Some("req_gw"));
        let poll = classify_status(
            OperationId::GetVideoStatus,
            ResponseParts {
                status: 504,
                retry_after: None,
                header_id: None,
            },
            None,
            None,
        );
        assert!(!poll.error.may_have_been_processed());
    }
}
