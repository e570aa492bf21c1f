//! The executor: one attempt of an HTTP call ([`attempt`]), and the retry loop ([`execute`]) that applies
//! [`RetryPolicy::decide`] to each failed attempt as [`classify`] judges it. Every API call of both clients
//! (billable `POST`s and status polls) goes through [`execute`]; downloads use the same decision through
//! [`classify_status`] and [`classify_transport`]. What comes back is read tolerantly ([`bodies`]).

mod bodies;
mod classify;
mod payload;

use std::future::Future;
use std::pin::pin;

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use artnex_facts::FieldInfo;
use artnex_transport::ApiKey;

#[cfg(feature = "openai-images")]
pub use bodies::ErrorParts;
pub use bodies::{ArtnexErrorBody, ErrorBody};
#[cfg(feature = "openai-images")]
pub(crate) use bodies::{FlatError, error_parts};
pub(crate) use classify::{
    Failure, ResponseParts, classify_transport, request_id_header, status_class,
};

pub use payload::Payload;

use crate::builder::Core;
use crate::error::Error;
use crate::media::upload::{UploadBody, UploadState};
use crate::operation::OperationId;
use crate::retry::{Action, RetryPolicy};
use crate::stall::Stalled;
use bodies::lenient;
use classify::{classify, read_capped};
use payload::Body;

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
/// success and is parsed as `T`; a body that does not parse is read again leniently against the spec's
/// response `fields` (see [`lenient`]) before it counts as unreadable.
///
/// The stall guard: the attempt registers with its client's [`crate::stall`] table (the read timeout),
/// and counts as active when it starts, while an upload body makes progress and when the response's
/// headers arrive; it covers the response body too (an error body as well). The API client has no
/// reqwest read timer (see [`HttpConfig::api_client_guarded_by_caller`](artnex_transport::HttpConfig)).
pub(crate) async fn attempt<T: DeserializeOwned>(
    core: &Core,
    url: &reqwest::Url,
    payload: &Payload,
    fields: &[FieldInfo],
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
    let sent = watch.guard(pin!(send)).await;
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
            .guard(pin!(read_capped(&mut response)))
            .await
            .unwrap_or_default();
        return Err(AttemptError::Status(parts, body));
    }
    let headers = std::mem::take(response.headers_mut());
    let full = match watch.guard(pin!(response.bytes())).await {
        Ok(read) => read.map_err(AttemptError::Body)?,
        Err(Stalled) => {
            return Err(AttemptError::Stalled {
                stall,
                body_sent: true,
            });
        }
    };
    let value = match serde_json::from_slice::<T>(&full) {
        Ok(v) => v,
        Err(strict) => lenient(&full, fields).ok_or(AttemptError::Parse(full, strict))?,
    };
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
    key: &ApiKey,
    mut send: F,
) -> Result<Answer<T>, Error>
where
    E: ErrorBody,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Answer<T>, AttemptError>>,
{
    let billable = op.info().billable;
    let mut attempt = 0u32;
    loop {
        tracing::debug!(attempt, "sending");
        let failure = match send().await {
            Ok(answer) => {
                tracing::debug!(attempt, status = answer.status, "response");
                return Ok(answer);
            }
            Err(e) => classify::<E>(op, e, key).await,
        };
        match policy.decide(failure.class, !billable, attempt) {
            Action::Retry(delay) => {
                tracing::warn!(
                    attempt = attempt + 1,
                    of = policy.max_retries_value(),
                    status = failure.error.status().unwrap_or(0),
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

/// A URL without its query string and fragment (they may hold a signature), for logs and messages.
pub(crate) fn loggable_url(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}
