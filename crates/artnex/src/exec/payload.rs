//! A request body, serialised once: every attempt sends the same bytes. JSON in memory is shared between
//! attempts (cloning `Bytes` is a reference count); an inline image is not in it: the body is the JSON
//! before the image's string, the image's text, and the JSON after it, and the image is encoded into the
//! body as it is sent (from memory, or from its file, re-opened for each attempt; see
//! [`media::upload`](crate::media::upload)), so a 10 MB image is never held encoded.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::error::Error;
use crate::media::upload::ImageText;
use crate::operation::OperationId;

/// The body of one call (see the module docs).
#[doc(hidden)]
#[derive(Clone)]
pub struct Payload {
    pub(super) body: Option<Body>,
}

#[derive(Clone)]
pub(super) enum Body {
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
        operation: Some(op),
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
    #[cfg(feature = "openai-images")]
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
