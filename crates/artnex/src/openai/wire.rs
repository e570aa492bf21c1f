//! What comes back over the wire, read tolerantly: the response and the error bodies.

use std::fmt;

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;

use crate::exec::{ErrorBody, ErrorParts, FlatError, error_parts};

/// A successful answer, read tolerantly: unknown fields are ignored, `created` may be missing, null, a
/// float or a string, `data` may be missing or null. `b64_json` is decoded while parsing (once, straight
/// from the response buffer); invalid base64 makes the whole answer unreadable.
#[derive(Debug, Deserialize)]
#[doc(hidden)]
pub struct ImagesBody {
    #[serde(default, deserialize_with = "lenient_timestamp")]
    pub(crate) created: Option<i64>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) data: Vec<ImageItem>,
}

/// One item of `data`.
#[derive(Debug, Deserialize)]
#[doc(hidden)]
pub struct ImageItem {
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default, deserialize_with = "decode_b64")]
    pub(crate) b64_json: Option<Bytes>,
    #[serde(default)]
    pub(crate) revised_prompt: Option<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ImageItem>, D::Error> {
    Ok(Option::<Vec<ImageItem>>::deserialize(d)?.unwrap_or_default())
}

fn lenient_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The base64 alphabet of `b64_json`, accepting missing padding.
const B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

fn decode_b64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Bytes>, D::Error> {
    struct OptionVisitor;
    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Bytes;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("base64 image data")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
            B64.decode(v.trim_end())
                .map(Bytes::from)
                .map_err(|e| E::custom(format!("`b64_json` is not valid base64: {e}")))
        }
    }

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<Bytes>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("base64 image data or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            // Borrowed straight from the response buffer when the string has no escapes.
            d.deserialize_str(TextVisitor).map(Some)
        }
    }

    d.deserialize_option(OptionVisitor)
}

/// An error body in the OpenAI style, `{"error": {"message", "type", "code", "param"}}`, read tolerantly:
/// the generated `ErrorDetail` first, then looser shapes some compatible servers send (`"error": "text"`,
/// a numeric `code`, a top-level `message` or `detail`). A body with none of these is not an error body (the
/// caller then shows the start of the raw text).
#[derive(Debug)]
#[doc(hidden)]
pub struct OpenAiErrorBody(ErrorParts);

impl<'de> Deserialize<'de> for OpenAiErrorBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        error_parts(value, FlatError::IsMessage)
            .map(OpenAiErrorBody)
            .ok_or_else(|| de::Error::custom("not an OpenAI-style error body"))
    }
}

impl ErrorBody for OpenAiErrorBody {
    fn into_parts(self) -> ErrorParts {
        self.0
    }
}

/// Not priced by the SDK: the provider's prices are not published in a form it can know.
impl crate::operation::Reply for ImagesBody {
    fn settlement(&self) -> crate::operation::Settlement {
        crate::operation::Settlement::Charged(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(json: &str) -> Option<ErrorParts> {
        serde_json::from_str::<OpenAiErrorBody>(json)
            .ok()
            .map(ErrorBody::into_parts)
    }

    #[test]
    fn error_bodies_are_read_tolerantly() {
        let p = parts(r#"{"error":{"message":"Invalid API key","type":"authentication_error","code":"invalid_api_key","param":null}}"#).expect("openai");
        assert_eq!(p.code.as_deref(), Some("invalid_api_key"));
        assert_eq!(p.error_type.as_deref(), Some("authentication_error"));
        assert_eq!(p.message, "Invalid API key");
        assert_eq!(p.param, None);
        let p = parts(r#"{"error":{"message":"quota","type":"insufficient_quota","code":null}}"#)
            .expect("openai quota");
        assert_eq!(
            (p.code, p.error_type.as_deref()),
            (None, Some("insufficient_quota"))
        );
        let p = parts(r#"{"error":{"code":429,"message":"slow down"}}"#).expect("numeric code");
        assert_eq!(p.code.as_deref(), Some("429"));
        let p = parts(r#"{"error":"model not found"}"#).expect("string");
        assert_eq!(p.message, "model not found");
        let p = parts(r#"{"detail":"Not Found"}"#).expect("detail");
        assert_eq!(p.message, "Not Found");
        assert!(parts(r#"{"status":"nope"}"#).is_none());
        assert!(parts(r#"[1,2]"#).is_none());
        assert!(parts("<html>").is_none());
    }

    #[test]
    fn responses_are_read_tolerantly_and_b64_is_decoded_once() {
        let body: ImagesBody = serde_json::from_str(
            r#"{"created":1716000000,"data":[{"url":"https://cdn.example/a.webp","revised_prompt":"x","extra":1},{"b64_json":"aGVs\/bG8","url":null}],"usage":{}}"#,
        )
        .expect("parses");
        assert_eq!(body.created, Some(1_716_000_000));
        assert_eq!(
            body.data[0].url.as_deref(),
            Some("https://cdn.example/a.webp")
        );
        assert_eq!(
            body.data[1].b64_json.as_deref(),
            Some(&B64.decode("aGVs/bG8").expect("valid")[..]),
            "escaped slash and missing padding are accepted"
        );
        let body: ImagesBody =
            serde_json::from_str(r#"{"created":1.5e9,"data":null}"#).expect("ok");
        assert_eq!((body.created, body.data.len()), (Some(1_500_000_000), 0));
        let body: ImagesBody = serde_json::from_str("{}").expect("ok");
        assert_eq!((body.created, body.data.len()), (None, 0));
        let err = serde_json::from_str::<ImagesBody>(r#"{"data":[{"b64_json":"!!!"}]}"#)
            .expect_err("bad base64");
        assert!(err.to_string().contains("b64_json"), "{err}");
    }
}
