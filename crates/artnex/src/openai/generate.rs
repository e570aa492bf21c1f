//! The image generation request value, its builder and its typed options.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::output::ImagesResponse;
use super::wire::ImagesBody;
use super::{ImagesChecks, ImagesClient};
use crate::error::{Error, ErrorCode, ValidationError};
use crate::exec::{Answer, Payload};
use crate::operation::{Deliver, Operation, OperationId, sealed};
use crate::pricing::Billable;
use crate::request::{Request, setters};
use crate::validate;

/// Output quality (`quality`; the server's default is `standard`), generated from `spec/artapi.yaml`.
///
/// ```
/// use artnex::openai::Quality;
/// assert_eq!(Quality::Hd.as_str(), "hd");
/// assert_eq!("standard".parse::<Quality>().unwrap(), Quality::Standard);
/// ```
pub use artnex_facts::ImageQuality as Quality;

/// How the images come back (`response_format`: `url`, the default, or `b64_json`, decoded by the SDK),
/// generated from `spec/artapi.yaml`.
///
/// ```
/// use artnex::openai::ResponseFormat;
/// assert_eq!(ResponseFormat::B64Json.as_str(), "b64_json");
/// ```
pub use artnex_facts::ResponseFormat;

/// Rendering style (`style`; the server's default is `vivid`), generated from `spec/artapi.yaml`.
///
/// ```
/// use artnex::openai::Style;
/// assert_eq!(Style::Natural.to_string(), "natural");
/// assert!("neon".parse::<Style>().is_err());
/// ```
pub use artnex_facts::ImageStyle as Style;

/// Width and height of the generated images, sent as `"WIDTHxHEIGHT"`.
///
/// ```
/// let size: artnex::openai::ImageSize = serde_json::from_str(r#""1792x1024""#).unwrap();
/// assert_eq!((size.width, size.height), (1792, 1024));
/// assert_eq!(serde_json::to_string(&size).unwrap(), r#""1792x1024""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageSize {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

impl fmt::Display for ImageSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl FromStr for ImageSize {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, ValidationError> {
        let bad = || {
            ValidationError::new(
                "size",
                ErrorCode::InvalidSize,
                format!("{s:?} is not a size: write it as WIDTHxHEIGHT, for example 1024x1024"),
            )
        };
        let (w, h) = s.trim().split_once(['x', 'X']).ok_or_else(bad)?;
        Ok(ImageSize {
            width: w.trim().parse().map_err(|_| bad())?,
            height: h.trim().parse().map_err(|_| bad())?,
        })
    }
}

impl Serialize for ImageSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ImageSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e: ValidationError| serde::de::Error::custom(e.message))
    }
}

/// An image generation request value, in the OpenAI field names. Serialised, it is exactly the body
/// that is sent: only the fields that are set (like the OpenAI SDKs), so the server applies its defaults
/// to the others (`n` 1, the model's default size, `standard`, `url`, `vivid`).
///
/// ```
/// let value: artnex::openai::CreateImage =
///     serde_json::from_str(r#"{"model": "flux-dev", "prompt": "a logo", "n": 2, "size": "1024x1024"}"#).unwrap();
/// assert_eq!(value.n, Some(2));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateImage {
    /// The model id (required, unless the client has a default model). Sent as it is: which models exist
    /// is the provider's catalogue (`model_not_found` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What to draw.
    pub prompt: String,
    /// How many images, 1 to 10 (the server's default is 1). Each image is charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u8>,
    /// Width and height (the model's default when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<ImageSize>,
    /// Output quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// URL or base64 data in the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Rendering style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<Style>,
}

impl CreateImage {
    /// A request with this prompt and nothing else set.
    ///
    /// ```
    /// assert!(artnex::openai::CreateImage::new("a logo").model.is_none());
    /// ```
    pub fn new(prompt: impl Into<String>) -> Self {
        CreateImage {
            model: None,
            prompt: prompt.into(),
            n: None,
            size: None,
            quality: None,
            response_format: None,
            style: None,
        }
    }
}

/// An image generation request builder. Send it by `.await`ing it or with [`Request::send`].
///
/// ```no_run
/// use artnex::openai::{ImagesClient, Quality, ResponseFormat, Style};
///
/// # async fn run(images: ImagesClient) -> artnex::Result<()> {
/// let out = images
///     .generate("a minimalist logo")
///     .model("flux-dev")
///     .n(2)
///     .size(1792, 1024)
///     .quality(Quality::Hd)
///     .response_format(ResponseFormat::Url)
///     .style(Style::Vivid)
///     .await?;
/// # let _ = out; Ok(()) }
/// ```
pub type ImageRequest = Request<CreateImage>;

impl sealed::Sealed for CreateImage {}

impl Operation for CreateImage {
    const ID: OperationId = OperationId::CreateImage;
    type Client = ImagesClient;
    type Resolved = ();
    type Response = ImagesBody;
    type Output = ImagesResponse;
    type Options = ();

    /// Model set (here or as the client's default) and not blank; prompt not blank (and not longer than
    /// the client's limit, when one is set); `n` 1 to 10; width and height at least 1.
    fn check(mut self, checks: &ImagesChecks) -> Result<(Self, ()), ValidationError> {
        let model = self
            .model
            .as_deref()
            .or(checks.default_model.as_deref())
            .map(str::trim);
        match model {
            None => {
                return Err(ValidationError::new(
                    "model",
                    ErrorCode::InvalidRequest,
                    "choose a model: .model(\"flux-dev\") on the request, or default_model(..) on the client builder",
                ));
            }
            Some("") => {
                return Err(ValidationError::new(
                    "model",
                    ErrorCode::InvalidRequest,
                    "the model id is empty",
                ));
            }
            Some(_) => {}
        }
        validate::text(
            "prompt",
            &self.prompt,
            checks.max_prompt_chars,
            ErrorCode::InvalidRequest,
            ErrorCode::PromptTooLong,
        )?;
        if let Some(n) = self.n {
            validate::range(
                "n",
                n,
                artnex_facts::CREATE_IMAGE_N_MIN,
                artnex_facts::CREATE_IMAGE_N_MAX,
                ErrorCode::InvalidRequest,
            )?;
        }
        // Which sizes a model supports is the server's call; a side of 0 is no size at all.
        if let Some(ImageSize { width, height }) = self.size
            && (width == 0 || height == 0)
        {
            return Err(ValidationError::new(
                "size",
                ErrorCode::InvalidSize,
                format!("{width}x{height} is not a size: width and height must be at least 1"),
            ));
        }
        let model = model.map(str::to_string);
        self.model = model;
        Ok((self, ()))
    }

    /// Not priced: the provider's prices are not published in a form the SDK can know.
    fn billable<'a>(_: &'a Self, _: &'a ()) -> Option<Billable<'a>> {
        None
    }

    fn text(&self) -> Option<&str> {
        Some(&self.prompt)
    }
}

setters! { CreateImage {
    /// The model id (required, unless the client has a
    /// [default model](super::ImagesClientBuilder::default_model)), for example `flux-dev`. Sent as it is:
    /// which models exist is the provider's catalogue (`model_not_found` otherwise).
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert!(images.generate("a fox").model("flux-dev").validate().is_ok());
    /// assert!(images.generate("a fox").validate().is_err()); // no model
    /// # Ok::<(), artnex::Error>(())
    /// ```
    model(model: impl Into<String>) => model = Some(model.into());

    /// How many images, 1 to 10 (the server's default is 1). Each image is charged.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert!(images.generate("a fox").model("flux-dev").n(10).validate().is_ok());
    /// assert_eq!(images.generate("a fox").model("flux-dev").n(11).validate().unwrap_err().field, "n");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    n(n: u8) => n = Some(n);

    /// Output quality.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let json = images.generate("a fox").model("flux-dev").quality(artnex::openai::Quality::Hd).to_json()?;
    /// assert!(json.contains(r#""quality":"hd""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    quality(quality: Quality) => quality = Some(quality);

    /// URL (valid 24 hours) or base64 data in the response; both end up as a [`Media`](crate::media::Media)
    /// with the same helpers.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// use artnex::openai::ResponseFormat;
    /// let json = images.generate("a fox").model("flux-dev").response_format(ResponseFormat::B64Json).to_json()?;
    /// assert!(json.contains(r#""response_format":"b64_json""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    response_format(format: ResponseFormat) => response_format = Some(format);

    /// Rendering style.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let json = images.generate("a fox").model("flux-dev").style(artnex::openai::Style::Natural).to_json()?;
    /// assert!(json.contains(r#""style":"natural""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    style(style: Style) => style = Some(style);
}}

impl ImageRequest {
    /// Width and height in pixels, sent as `"WIDTHxHEIGHT"` (the model's default when unset). Which sizes a
    /// model supports is up to the provider (`invalid_size` otherwise).
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let json = images.generate("a banner").model("flux-dev").size(1792, 1024).to_json()?;
    /// assert!(json.contains(r#""size":"1792x1024""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.value.size = Some(ImageSize { width, height });
        self
    }

    /// Validates, then returns the JSON body that would be sent (for logs, dry runs and tests). No network.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let json = images.generate("a fox").model("flux-dev").n(2).to_json()?;
    /// assert_eq!(json, r#"{"model":"flux-dev","prompt":"a fox","n":2}"#);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String, Error> {
        let checked = self.validate()?;
        let payload = Payload::json(OperationId::CreateImage, checked.value())?
            .with_extra(OperationId::CreateImage, &self.extra)?;
        Ok(payload
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default())
    }
}

impl Deliver<CreateImage> for ImagesResponse {
    async fn deliver(
        client: &ImagesClient,
        answer: Answer<ImagesBody>,
        _: (),
    ) -> Result<ImagesResponse, Error> {
        let out = ImagesResponse::from_wire(client, answer)?;
        tracing::info!(images = out.data.len(), "done");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> ImagesClient {
        ImagesClient::new("sk-test").expect("client")
    }

    #[test]
    fn validation_rules() {
        let c = client();
        let ok = c.generate("a fox").model("flux-dev");
        assert!(ok.validate().is_ok());
        let e = c.generate("a fox").validate().expect_err("no model");
        assert_eq!(
            (e.field, e.code),
            ("model", Some(ErrorCode::InvalidRequest))
        );
        assert_eq!(
            c.generate("a fox")
                .model(" ")
                .validate()
                .expect_err("blank")
                .field,
            "model"
        );
        let e = c
            .generate(" \n\t")
            .model("m")
            .validate()
            .expect_err("blank");
        assert_eq!(
            (e.field, e.code),
            ("prompt", Some(ErrorCode::InvalidRequest))
        );
        // ArtAPI's prompt limit is not documented: a long prompt is the server's call by default.
        assert!(c.generate("é".repeat(9000)).model("m").validate().is_ok());
        // With a limit set, 4000 characters of 2 bytes each are fine and one more is not.
        let limited = ImagesClient::builder()
            .api_key("sk-test")
            .max_prompt_chars(4000)
            .build()
            .expect("client");
        assert!(
            limited
                .generate("é".repeat(4000))
                .model("m")
                .validate()
                .is_ok()
        );
        let e = limited
            .generate("é".repeat(4001))
            .model("m")
            .validate()
            .expect_err("long");
        assert_eq!(e.code, Some(ErrorCode::PromptTooLong));
        for n in [0u8, 11, 255] {
            assert_eq!(
                c.generate("a")
                    .model("m")
                    .n(n)
                    .validate()
                    .expect_err("n")
                    .field,
                "n"
            );
        }
        for n in 1..=10u8 {
            assert!(c.generate("a").model("m").n(n).validate().is_ok());
        }
        for (w, h) in [(0, 1), (1, 0), (0, 0)] {
            let e = c
                .generate("a")
                .model("m")
                .size(w, h)
                .validate()
                .expect_err("size");
            assert_eq!((e.field, e.code), ("size", Some(ErrorCode::InvalidSize)));
        }
        assert!(
            c.generate("a")
                .model("m")
                .size(100_000, 1)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn the_default_model_applies_when_the_request_has_none() {
        let c = ImagesClient::builder()
            .api_key("sk-test")
            .default_model("flux-schnell")
            .build()
            .expect("client");
        assert_eq!(
            c.generate("a").to_json().expect("json"),
            r#"{"model":"flux-schnell","prompt":"a"}"#
        );
        assert_eq!(
            c.generate("a").model("flux-pro").to_json().expect("json"),
            r#"{"model":"flux-pro","prompt":"a"}"#
        );
    }

    #[test]
    fn enums_round_trip() {
        for q in Quality::ALL {
            assert_eq!(q.as_str().parse::<Quality>().expect("parses"), *q);
            assert_eq!(serde_json::to_value(q).expect("json"), q.as_str());
        }
        for f in ResponseFormat::ALL {
            assert_eq!(f.as_str().parse::<ResponseFormat>().expect("parses"), *f);
            assert_eq!(serde_json::to_value(f).expect("json"), f.as_str());
        }
        for s in Style::ALL {
            assert_eq!(s.as_str().parse::<Style>().expect("parses"), *s);
            assert_eq!(serde_json::to_value(s).expect("json"), s.as_str());
        }
        let e = "ultra".parse::<Quality>().expect_err("unknown");
        assert!(e.to_string().contains("standard, hd"), "{e}");
    }
}
