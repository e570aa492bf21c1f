//! What a failed attempt means: whether it can have been processed (and charged), and the caller's error.

use std::time::Duration;

use artnex_transport::ApiKey;
use reqwest::header::HeaderMap;

use super::bodies::{ErrorBody, ErrorParts};
use super::{AttemptError, loggable_url};
use crate::error::{ApiError, Error, ErrorCode, TransportError};
use crate::operation::{Call, OperationId};
use crate::retry::{FailureClass, parse_retry_after};

/// A classified failure: what the retry policy needs to know, and the error the caller gets.
pub(crate) struct Failure {
    pub(crate) class: FailureClass,
    pub(crate) error: Error,
}

const AMBIGUOUS_HINT: &str = "the request may have been processed";

pub(super) async fn classify<E: ErrorBody>(
    op: OperationId,
    e: AttemptError,
    key: &ApiKey,
) -> Failure {
    let billable = op.info().billable;
    match e {
        AttemptError::Send(err) => classify_transport(Call::Api(op), err, None),
        AttemptError::Upload(error) => Failure {
            class: FailureClass::Final,
            error,
        },
        AttemptError::Status(parts, raw) => {
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
        AttemptError::Stalled {
            stall,
            body_sent: false,
        } => Failure {
            class: FailureClass::NotSent,
            error: Error::Transport(TransportError {
                operation: Some(op),
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
                operation: Some(op),
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

pub(super) async fn read_capped(response: &mut reqwest::Response) -> Vec<u8> {
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
