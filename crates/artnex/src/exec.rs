//! The executor: one attempt of an HTTP call, the classification of a failed attempt into what can have
//! happened on the server, and the retry loop that applies [`RetryPolicy::decide`] to it. Every API call
//! of both clients (billable `POST`s and status polls) goes through [`execute`]; downloads use the same
//! decision through [`classify_status`] and [`classify_transport`].

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use artnex_facts::{FieldInfo, FieldKind};
use artnex_transport::ApiKey;

use crate::error::{ApiError, Error, ErrorCode, TransportError};
use crate::operation::{Call, OperationId};
use crate::retry::{Action, FailureClass, RetryPolicy, parse_retry_after};

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

/// Reads a success body that the spec's types refuse the way a tolerant client should, guided by the
/// spec's top-level response fields: `null` is a field left out (an array field becomes empty), a
/// fractional or quoted number where the spec says integer is rounded up (credits are never counted
/// low) and never negative, a quoted number where it says number is read as one, and a number or a
/// boolean where it says string becomes its text. `None` when even that does not parse.
fn lenient<T: DeserializeOwned>(body: &[u8], fields: &[FieldInfo]) -> Option<T> {
    use serde_json::Value;
    let Value::Object(mut object) = serde_json::from_slice::<Value>(body).ok()? else {
        return None;
    };
    for field in fields {
        let repaired = match (field.kind, object.remove(field.name)) {
            (FieldKind::Array, None | Some(Value::Null)) if field.required => {
                Some(Value::Array(vec![]))
            }
            (_, None | Some(Value::Null)) => None,
            (FieldKind::Integer, Some(v)) => number_of(&v)
                .map(|n| Value::from(n.max(0.0).ceil() as u64))
                .or(Some(v)),
            (FieldKind::Number, Some(v)) => number_of(&v)
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .or(Some(v)),
            (FieldKind::String, Some(v @ (Value::Number(_) | Value::Bool(_)))) => {
                Some(Value::String(v.to_string()))
            }
            (_, Some(v)) => Some(v),
        };
        if let Some(v) = repaired {
            object.insert(field.name.to_string(), v);
        }
    }
    serde_json::from_value(Value::Object(object)).ok()
}

/// A finite number, or a string holding one.
fn number_of(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
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

/// A classified failure: what the retry policy needs to know, and the error the caller gets.
pub(crate) struct Failure {
    pub(crate) class: FailureClass,
    pub(crate) error: Error,
}

const AMBIGUOUS_HINT: &str = "the request may have been processed";

async fn classify<E: ErrorBody>(op: OperationId, e: AttemptError, key: &ApiKey) -> Failure {
    let billable = op.info().billable;
    match e {
        AttemptError::Send(err) => classify_transport(Call::Api(op), err, None),
        AttemptError::Status(response) => {
            let parts = ResponseParts::of(&response);
            let raw = read_capped(response).await;
            // A server (or a proxy) that echoes the request back must not put the key into an error.
            let body = serde_json::from_slice::<E>(&raw)
                .ok()
                .map(ErrorBody::into_parts)
                .map(|p| ErrorParts {
                    message: redact(&p.message, key),
                    param: p.param.map(|t| redact(&t, key)),
                    ..p
                });
            let text = body
                .is_none()
                .then(|| redact(&String::from_utf8_lossy(&raw), key));
            classify_status(op, parts, body, text)
        }
        AttemptError::Body(err) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation: Some(op),
                may_have_been_processed: billable,
                message: format!("the response could not be read ({AMBIGUOUS_HINT}): {err}"),
                source: Some(Box::new(err)),
            }),
        },
        AttemptError::Parse(bytes, err) => Failure {
            class: FailureClass::Ambiguous,
            error: Error::Transport(TransportError {
                operation: Some(op),
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

/// `text` with every occurrence of the key replaced by `[REDACTED]`.
pub(crate) fn redact(text: &str, key: &ApiKey) -> String {
    let secret = key.expose();
    if secret.is_empty() || !text.contains(secret) {
        return text.to_string();
    }
    text.replace(secret, "[REDACTED]")
}

/// A connection-level failure. `url` is named in the message (downloads); API calls leave it out.
pub(crate) fn classify_transport(call: Call, err: reqwest::Error, url: Option<&str>) -> Failure {
    let billable = call.is_billable();
    let op = call.operation();
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
pub(crate) fn status_class(
    status: u16,
    out_of_credits: bool,
    retry_after: Option<Duration>,
) -> FailureClass {
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
    let may_have_been_processed = op.info().billable && matches!(class, FailureClass::Ambiguous);
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

/// How a dialect uses a plain string in `"error"`: Artnex sends the code there
/// (`{"error": "invalid_model", "message": …}`), OpenAI-style servers sometimes the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlatError {
    /// `"error": "<code>"`.
    IsCode,
    /// `"error": "<message>"`.
    IsMessage,
}

/// An error body read tolerantly, whatever shape the server (or a proxy in front of it) chose: the
/// documented one of the dialect, `"error"` as an object (`{"code", "message", "type", "param"}`), as a
/// string or as a number, a numeric `code`, a top-level `message` or `detail`. `None` when the body has
/// none of these (the caller then shows the start of the raw text, and the status still decides).
pub(crate) fn error_parts(value: serde_json::Value, flat: FlatError) -> Option<ErrorParts> {
    use serde_json::Value;
    fn text_of(v: Option<&Value>) -> Option<String> {
        match v? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    let Value::Object(mut top) = value else {
        return None;
    };
    let top_message = text_of(top.get("message")).or_else(|| text_of(top.get("detail")));
    let request_id = text_of(top.get("request_id"));
    let parts = match top.remove("error") {
        Some(detail @ Value::Object(_)) => {
            let code = text_of(detail.get("code"));
            let error_type = text_of(detail.get("type"));
            let message = text_of(detail.get("message")).or(top_message);
            if code.is_none() && error_type.is_none() && message.is_none() {
                return None;
            }
            ErrorParts {
                message: message
                    .or_else(|| error_type.clone())
                    .or_else(|| code.clone())
                    .unwrap_or_default(),
                code,
                request_id: request_id.or_else(|| text_of(detail.get("request_id"))),
                error_type,
                param: text_of(detail.get("param")),
            }
        }
        Some(error @ (Value::String(_) | Value::Number(_))) => {
            let text = text_of(Some(&error))?;
            match (flat, &error) {
                (FlatError::IsCode, _) | (_, Value::Number(_)) => ErrorParts {
                    message: top_message.unwrap_or_else(|| text.clone()),
                    code: Some(text),
                    request_id,
                    ..ErrorParts::default()
                },
                (FlatError::IsMessage, _) => ErrorParts {
                    message: text,
                    code: text_of(top.get("code")),
                    request_id,
                    ..ErrorParts::default()
                },
            }
        }
        _ => ErrorParts {
            message: top_message?,
            code: text_of(top.get("code")),
            request_id,
            ..ErrorParts::default()
        },
    };
    Some(parts)
}

/// The Artnex error body (`{"success": false, "error": "<code>", "message", "request_id"}`), read
/// tolerantly ([`error_parts`]).
#[doc(hidden)]
#[derive(Debug)]
pub struct ArtnexErrorBody(ErrorParts);

impl<'de> serde::Deserialize<'de> for ArtnexErrorBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        error_parts(value, FlatError::IsCode)
            .map(ArtnexErrorBody)
            .ok_or_else(|| serde::de::Error::custom("not an error body"))
    }
}

impl ErrorBody for ArtnexErrorBody {
    fn into_parts(self) -> ErrorParts {
        self.0
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
    fn success_bodies_are_read_leniently_against_the_spec() {
        use artnex_api::types::{ImagesResponse, VideoJob};
        let images = OperationId::GenerateImage.info().response_fields;
        let strict = serde_json::from_str::<ImagesResponse>(r#"{"success":true,"images":null}"#);
        assert!(strict.is_err(), "the generated type refuses a null list");
        let r: ImagesResponse = lenient(
            br#"{"success":true,"images":null,"credits_used":12.25,"request_id":7}"#,
            images,
        )
        .expect("lenient");
        assert!(r.images.is_empty());
        assert_eq!(r.credits_used, Some(13), "rounded up, never counted low");
        assert_eq!(r.request_id.as_deref(), Some("7"));
        let r: ImagesResponse = lenient(
            br#"{"success":true,"images":[],"credits_used":"250"}"#,
            images,
        )
        .expect("lenient");
        assert_eq!(r.credits_used, Some(250));
        let r: ImagesResponse =
            lenient(br#"{"success":true,"images":[],"credits_used":-3}"#, images).expect("lenient");
        assert_eq!(r.credits_used, Some(0));
        let job = OperationId::GetVideoStatus.info().response_fields;
        let r: VideoJob = lenient(
            br#"{"request_id":"req_1","status":"completed","video_url":null,"credits_used":1500.0,"error":null}"#,
            job,
        )
        .expect("lenient");
        assert_eq!((r.video_url, r.credits_used), (None, Some(1500)));
        assert!(
            lenient::<VideoJob>(br#"{"status":"completed"}"#, job).is_none(),
            "no id: unusable"
        );
        assert!(lenient::<VideoJob>(b"<html>", job).is_none());
    }

    fn artnex(json: &str) -> Option<ErrorParts> {
        serde_json::from_str::<ArtnexErrorBody>(json)
            .ok()
            .map(ErrorBody::into_parts)
    }

    #[test]
    fn error_bodies_are_read_in_every_shape() {
        let p = artnex(r#"{"success":false,"error":"invalid_model","message":"no such model","request_id":"req_1"}"#)
            .expect("documented");
        assert_eq!(
            (
                p.code.as_deref(),
                p.message.as_str(),
                p.request_id.as_deref()
            ),
            (Some("invalid_model"), "no such model", Some("req_1"))
        );
        let p = artnex(r#"{"error":{"code":"invalid_model","message":"nested"}}"#).expect("nested");
        assert_eq!(
            (p.code.as_deref(), p.message.as_str()),
            (Some("invalid_model"), "nested")
        );
        let p = artnex(r#"{"success":false,"error":429,"message":"slow down"}"#).expect("numeric");
        assert_eq!(
            (p.code.as_deref(), p.message.as_str()),
            (Some("429"), "slow down")
        );
        let p = artnex(r#"{"message":"only a message","code":500}"#).expect("message");
        assert_eq!(p.code.as_deref(), Some("500"));
        assert!(artnex("<html>502 Bad Gateway</html>").is_none());
        assert!(artnex(r#"{"status":"nope"}"#).is_none());
    }

    #[test]
    fn an_html_error_page_keeps_its_status_and_class() {
        let f = classify_status(
            OperationId::GenerateImage,
            ResponseParts {
                status: 503,
                retry_after: Some(Duration::from_secs(2)),
                header_id: None,
            },
            None,
            Some("<html><body>Service Unavailable</body></html>".into()),
        );
        assert_eq!(
            f.class,
            FailureClass::Unavailable {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(f.error.status(), Some(503));
        assert!(
            f.error.to_string().contains("Service Unavailable"),
            "{}",
            f.error
        );
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
