//! The executor: one attempt of an HTTP call ([`attempt`]), and the retry loop ([`execute`]) that applies
//! [`RetryPolicy::decide`] to each failed attempt as [`classify`] judges it. Every API call of both clients
//! (billable `POST`s and status polls) goes through [`execute`]; downloads use the same decision through
//! [`classify_status`] and [`classify_transport`]. What comes back is read tolerantly ([`bodies`]).

mod bodies;
mod classify;

use std::future::Future;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
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

use crate::error::Error;
use crate::operation::OperationId;
use crate::retry::{Action, RetryPolicy};
use bodies::lenient;
use classify::classify;

/// A request body, serialised once: every attempt sends the same bytes (cloning `Bytes` is a reference
/// count), so a 10 MB image is held once, not once per attempt.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Payload {
    body: Option<Bytes>,
}

impl Payload {
    /// No body (a `GET`).
    pub(crate) fn empty() -> Payload {
        Payload { body: None }
    }

    /// `value` as JSON.
    #[cfg(feature = "openai-images")]
    pub(crate) fn json<T: Serialize + ?Sized>(
        op: OperationId,
        value: &T,
    ) -> Result<Payload, Error> {
        Payload::json_sized(op, value, 0)
    }

    /// `value` as JSON, into a buffer that starts with `size_hint` bytes of room (so that a body holding
    /// an image is not reallocated, and briefly held twice, while it grows).
    pub(crate) fn json_sized<T: Serialize + ?Sized>(
        op: OperationId,
        value: &T,
        size_hint: usize,
    ) -> Result<Payload, Error> {
        let mut buf = Vec::with_capacity(size_hint.max(256));
        serde_json::to_writer(&mut buf, value).map_err(|e| Error::Internal {
            operation: Some(op),
            message: format!("the request body could not be serialised: {e}"),
            may_have_been_processed: false,
        })?;
        Ok(Payload {
            body: Some(Bytes::from(buf)),
        })
    }

    /// Adds fields the SDK does not know to a JSON object body (the `extra_body` escape hatch). Costs a
    /// parse of the body, so only requests that use it pay for it.
    pub(crate) fn with_extra(
        self,
        op: OperationId,
        extra: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Payload, Error> {
        if extra.is_empty() {
            return Ok(self);
        }
        let internal = |message: String| Error::Internal {
            operation: Some(op),
            message,
            may_have_been_processed: false,
        };
        let mut object = match &self.body {
            Some(b) => serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(b)
                .map_err(|e| internal(format!("the request body is not a JSON object: {e}")))?,
            None => serde_json::Map::new(),
        };
        for (k, v) in extra {
            object.insert(k.clone(), v.clone());
        }
        let len = self.body.as_ref().map_or(0, Bytes::len);
        Payload::json_sized(op, &object, len + 256)
    }

    /// The bytes that will be sent, if any.
    pub(crate) fn bytes(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }
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
    /// A non-2xx answer (its body is read by the classifier).
    Status(reqwest::Response),
    /// A 2xx answer whose body could not be read.
    Body(reqwest::Error),
    /// A 2xx answer whose body is not what the spec describes.
    Parse(Bytes, serde_json::Error),
}

/// One attempt: `POST` (with the body) or `GET` (without), `Accept: application/json`. Any 2xx is a
/// success and is parsed as `T`; a body that does not parse is read again leniently against the spec's
/// response `fields` (see [`lenient`]) before it counts as unreadable.
pub(crate) async fn attempt<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: &reqwest::Url,
    payload: &Payload,
    fields: &[FieldInfo],
) -> Result<Answer<T>, AttemptError> {
    let request = match payload.bytes() {
        Some(body) => http
            .post(url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body.clone()),
        None => http.get(url.clone()),
    };
    let mut response = request
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .send()
        .await
        .map_err(AttemptError::Send)?;
    let status = response.status();
    if !status.is_success() {
        return Err(AttemptError::Status(response));
    }
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(AttemptError::Body)?;
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
