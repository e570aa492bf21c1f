//! The image generation request builder and its typed options.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::str::FromStr;

use artapi_api::types;

use super::output::ImagesResponse;
use super::wire::{CreateImageBody, ImagesBody, OpenAiErrorBody};
use super::{ImagesClient, MAX_IMAGES, MAX_SIDE};
use crate::client::{Client, json_room, send_json};
use crate::error::{Error, ErrorCode, ValidationError};
use crate::retry::RetryPolicy;
use crate::validate;

/// The operation name in errors and logs.
pub(crate) const OPERATION: &str = "images.generate";

macro_rules! wire_enum {
    (
        $(#[$doc:meta])* $name:ident => $wire:ident, $field:literal {
            $( $(#[$vdoc:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$doc])*
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The wire value.
            ///
            /// ```
            /// assert_eq!(artnex::openai::Quality::Hd.as_str(), "hd");
            /// ```
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                }
            }

            fn to_wire(self) -> types::$wire {
                match self {
                    $( $name::$variant => types::$wire::$variant, )*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            /// Parses a wire value (for command lines and configuration files).
            fn from_str(s: &str) -> Result<Self, ValidationError> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| {
                        let all: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        ValidationError::new(
                            $field,
                            ErrorCode::InvalidRequest,
                            format!("{s:?} is not a valid {}: use one of {}", $field, all.join(", ")),
                        )
                    })
            }
        }
    };
}

wire_enum! {
    /// Output quality (`quality`). The server's default is `standard`.
    ///
    /// ```
    /// use artnex::openai::Quality;
    /// assert_eq!(Quality::Hd.as_str(), "hd");
    /// assert_eq!("standard".parse::<Quality>()?, Quality::Standard);
    /// # Ok::<(), artnex::ValidationError>(())
    /// ```
    Quality => ImageQuality, "quality" {
        /// `standard`.
        Standard = "standard",
        /// `hd`: finer detail; usually priced higher.
        Hd = "hd",
    }
}

wire_enum! {
    /// How the images come back (`response_format`). The server's default is `url`.
    ///
    /// ```
    /// use artnex::openai::ResponseFormat;
    /// assert_eq!(ResponseFormat::B64Json.as_str(), "b64_json");
    /// assert_eq!("url".parse::<ResponseFormat>()?, ResponseFormat::Url);
    /// # Ok::<(), artnex::ValidationError>(())
    /// ```
    ResponseFormat => ResponseFormat, "response_format" {
        /// `url`: a link valid for 24 hours ([`ImageOutput::Url`](super::ImageOutput::Url)).
        Url = "url",
        /// `b64_json`: the image bytes in the response, decoded by the SDK
        /// ([`ImageOutput::Data`](super::ImageOutput::Data)).
        B64Json = "b64_json",
    }
}

wire_enum! {
    /// Rendering style (`style`). The server's default is `vivid`.
    ///
    /// ```
    /// use artnex::openai::Style;
    /// assert_eq!(Style::Natural.to_string(), "natural");
    /// assert!("neon".parse::<Style>().is_err());
    /// ```
    Style => ImageStyle, "style" {
        /// `vivid`: hyper-real, dramatic.
        Vivid = "vivid",
        /// `natural`: more natural, less hyper-real.
        Natural = "natural",
    }
}

/// An image generation request. Send it by `.await`ing it or with [`ImageRequest::send`].
///
/// Only the fields you set are sent; the server applies its defaults to the others (`n` 1, the model's
/// default size, `standard`, `url`, `vivid`).
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
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug, Clone)]
pub struct ImageRequest {
    client: ImagesClient,
    prompt: String,
    model: Option<String>,
    n: Option<u8>,
    size: Option<(u32, u32)>,
    quality: Option<Quality>,
    response_format: Option<ResponseFormat>,
    style: Option<Style>,
    retry: Option<RetryPolicy>,
}

impl ImageRequest {
    pub(crate) fn new(client: ImagesClient, prompt: String) -> Self {
        ImageRequest {
            client,
            prompt,
            model: None,
            n: None,
            size: None,
            quality: None,
            response_format: None,
            style: None,
            retry: None,
        }
    }

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
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// How many images, 1 to 10 (the server's default is 1). Each image is charged.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// assert!(images.generate("a fox").model("flux-dev").n(10).validate().is_ok());
    /// assert_eq!(images.generate("a fox").model("flux-dev").n(11).validate().unwrap_err().field, "n");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn n(mut self, n: u8) -> Self {
        self.n = Some(n);
        self
    }

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
        self.size = Some((width, height));
        self
    }

    /// Output quality.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let json = images.generate("a fox").model("flux-dev").quality(artnex::openai::Quality::Hd).to_json()?;
    /// assert!(json.contains(r#""quality":"hd""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn quality(mut self, quality: Quality) -> Self {
        self.quality = Some(quality);
        self
    }

    /// URL (valid 24 hours) or base64 data in the response; both end up as a [`GeneratedImage`] with the
    /// same helpers.
    ///
    /// [`GeneratedImage`]: super::GeneratedImage
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// use artnex::openai::ResponseFormat;
    /// let json = images.generate("a fox").model("flux-dev").response_format(ResponseFormat::B64Json).to_json()?;
    /// assert!(json.contains(r#""response_format":"b64_json""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn response_format(mut self, format: ResponseFormat) -> Self {
        self.response_format = Some(format);
        self
    }

    /// Rendering style.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let json = images.generate("a fox").model("flux-dev").style(artnex::openai::Style::Natural).to_json()?;
    /// assert!(json.contains(r#""style":"natural""#));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn style(mut self, style: Style) -> Self {
        self.style = Some(style);
        self
    }

    /// A retry policy for this request only.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let req = images.generate("a fox").model("flux-dev").retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The model that will be sent: the request's, else the client's default.
    fn resolved_model(&self) -> Option<&str> {
        self.model
            .as_deref()
            .or(self.client.default_model())
            .map(str::trim)
    }

    /// Checks the request without sending it: model set, prompt not blank and not longer than the
    /// client's limit (in characters), `n` 1 to 10, width and height 1 to 99,999.
    ///
    /// ```
    /// # let images = artnex::openai::ImagesClient::new("sk-example")?;
    /// let err = images.generate("   ").model("flux-dev").validate().unwrap_err();
    /// assert_eq!(err.field, "prompt");
    /// let err = images.generate("a fox").model("flux-dev").size(0, 512).validate().unwrap_err();
    /// assert_eq!(err.code, Some(artnex::ErrorCode::InvalidSize));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self.resolved_model() {
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
            self.client.max_prompt_chars(),
            ErrorCode::InvalidRequest,
            ErrorCode::PromptTooLong,
        )?;
        if let Some(n) = self.n
            && !(1..=MAX_IMAGES).contains(&n)
        {
            return Err(ValidationError::new(
                "n",
                ErrorCode::InvalidRequest,
                format!("n must be between 1 and {MAX_IMAGES}, got {n}"),
            ));
        }
        if let Some((w, h)) = self.size
            && !((1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h))
        {
            return Err(ValidationError::new(
                "size",
                ErrorCode::InvalidSize,
                format!("{w}x{h} is not a size: width and height must be between 1 and {MAX_SIDE}"),
            ));
        }
        Ok(())
    }

    fn body(&self) -> Result<CreateImageBody<'_>, ValidationError> {
        self.validate()?;
        Ok(CreateImageBody {
            model: self.resolved_model().unwrap_or_default(),
            prompt: &self.prompt,
            n: self.n,
            size: self.size.map(|(w, h)| format!("{w}x{h}")),
            quality: self.quality.map(Quality::to_wire),
            response_format: self.response_format.map(ResponseFormat::to_wire),
            style: self.style.map(Style::to_wire),
        })
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
        let body = self.body()?;
        serde_json::to_string(&body).map_err(|e| wire_error(&e))
    }

    /// Validates and sends the request.
    ///
    /// ```no_run
    /// # async fn run(images: artnex::openai::ImagesClient) -> artnex::Result<()> {
    /// let out = images.generate("a red fox").model("flux-dev").send().await?;
    /// println!("created at {:?}", out.created);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<ImagesResponse, Error> {
        let span = Client::span(OPERATION, self.resolved_model(), Some(&self.prompt));
        Client::traced(span, self.run()).await
    }

    async fn run(self) -> Result<ImagesResponse, Error> {
        let body = crate::client::json_bytes(&self.body()?, 256 + json_room(&self.prompt))?;
        let http = self.client.http();
        let url = reqwest::Url::parse(&format!("{}/images/generations", self.client.base_url()))
            .map_err(|e| {
                Error::Validation(ValidationError::new(
                    "base_url",
                    ErrorCode::InvalidRequest,
                    e.to_string(),
                ))
            })?;
        let policy = self.retry.as_ref().unwrap_or(self.client.retry_policy());
        let response =
            crate::client::execute::<_, OpenAiErrorBody, _, _>(OPERATION, true, policy, || {
                send_json::<ImagesBody, OpenAiErrorBody>(http, url.clone(), body.clone())
            })
            .await?;
        let out = ImagesResponse::from_wire(&self.client, response)?;
        tracing::info!(images = out.data.len(), "done");
        Ok(out)
    }
}

/// Serialising the body failed (cannot happen with these types).
fn wire_error(e: &serde_json::Error) -> Error {
    Error::Validation(ValidationError::new(
        "request",
        ErrorCode::InvalidRequest,
        e.to_string(),
    ))
}

impl IntoFuture for ImageRequest {
    type Output = Result<ImagesResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
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
        // 4000 characters of 2 bytes each are fine; one more is not.
        assert!(c.generate("é".repeat(4000)).model("m").validate().is_ok());
        let e = c
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
        for (w, h) in [(0, 1), (1, 0), (100_000, 5)] {
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
                .size(99_999, 1)
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
            assert_eq!(serde_json::to_value(q.to_wire()).expect("json"), q.as_str());
        }
        for f in ResponseFormat::ALL {
            assert_eq!(f.as_str().parse::<ResponseFormat>().expect("parses"), *f);
            assert_eq!(serde_json::to_value(f.to_wire()).expect("json"), f.as_str());
        }
        for s in Style::ALL {
            assert_eq!(s.as_str().parse::<Style>().expect("parses"), *s);
            assert_eq!(serde_json::to_value(s.to_wire()).expect("json"), s.as_str());
        }
        let e = "ultra".parse::<Quality>().expect_err("unknown");
        assert_eq!(e.field, "quality");
        assert!(e.message.contains("standard, hd"), "{}", e.message);
    }
}
