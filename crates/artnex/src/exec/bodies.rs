//! Reading what the server sends, tolerantly: success bodies the spec's types refuse, and error bodies of
//! every shape.

use artnex_facts::{FieldInfo, FieldKind};
use serde::de::DeserializeOwned;

/// Reads a success body that the spec's types refuse the way a tolerant client should, guided by the
/// spec's top-level response fields: `null` is a field left out (an array field becomes empty), a
/// fractional or quoted number where the spec says integer is rounded up (credits are never counted
/// low) and never negative, a quoted number where it says number is read as one, and a number or a
/// boolean where it says string becomes its text. `None` when even that does not parse.
pub(super) fn lenient<T: DeserializeOwned>(body: &[u8], fields: &[FieldInfo]) -> Option<T> {
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
    #[cfg_attr(not(feature = "openai-images"), allow(dead_code))]
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
    use crate::operation::OperationId;

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
}
