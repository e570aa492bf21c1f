//! Text-to-image: `POST /v1/generate`.
//!
//! ```no_run
//! use artnex::{Client, Model};
//!
//! # async fn run() -> artnex::Result<()> {
//! let client = Client::from_env()?;
//! let request = client.generate("a red fox in the snow").model(Model::Flux2Pro).num_images(2);
//! println!("this will cost {}", request.estimate()?); // 500 credits, no network
//! let out = request.await?;
//! out.images[0].download_to("fox.png").await?;
//! # Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::num::NonZeroU8;
use std::pin::Pin;

use artnex_api::types;

use crate::catalogue::{Kind, Model, Quality, Resolution};
use crate::client::Client;
use crate::client::json_room;
use crate::error::{Error, ErrorCode, ValidationError};
use crate::media::{Media, MediaKind};
use crate::pricing::{self, Billable, Estimate};
use crate::retry::RetryPolicy;
use crate::validate;

/// Images returned by generate or edit.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct Images {
    /// The images, in order. Their URLs are CDN links.
    pub images: Vec<Media>,
    /// The request id, for support.
    pub request_id: Option<String>,
    /// Credits charged for the call.
    pub credits_used: Option<u64>,
}

impl Images {
    pub(crate) fn from_wire(client: &Client, r: types::ImagesResponse) -> Self {
        Images {
            images: r
                .images
                .into_iter()
                .map(|i| client.media_of(i.url, MediaKind::Image))
                .collect(),
            request_id: r.request_id,
            credits_used: r.credits_used,
        }
    }
}

/// A text-to-image request. Send it by `.await`ing it or with [`GenerateRequest::send`].
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    client: Client,
    prompt: String,
    model: Option<Model>,
    num_images: u8,
    width: Option<u32>,
    height: Option<u32>,
    resolution: Option<Resolution>,
    quality: Option<Quality>,
    retry: Option<RetryPolicy>,
}

impl GenerateRequest {
    pub(crate) fn new(client: Client, prompt: String) -> Self {
        GenerateRequest {
            client,
            prompt,
            model: None,
            num_images: 1,
            width: None,
            height: None,
            resolution: None,
            quality: None,
            retry: None,
        }
    }

    /// The model (required): a [`Model`] or any model id string (ids the SDK does not know are sent as
    /// they are, skipping the per-model checks).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a fox").model(artnex::Model::Flux2Pro);
    /// let same = client.generate("a fox").model("flux-2-pro");
    /// assert_eq!(req.estimate()?, same.estimate()?);
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn model(mut self, model: impl Into<Model>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// How many images, 1 to 4 (default 1). Each image costs the model's full price.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a fox").model(artnex::Model::ZImageTurbo).num_images(3);
    /// assert_eq!(req.estimate()?.credits(), Some(300));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn num_images(mut self, n: u8) -> Self {
        self.num_images = n;
        self
    }

    /// Width and height in pixels (64 to 8192 each; 1024 for most models when unset).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a banner").model(artnex::Model::Flux2Pro).size(1536, 512);
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = Some(width);
        self.height = Some(height);
        self
    }

    /// Width in pixels.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.generate("a fox").model(artnex::Model::Flux2Pro).width(32).validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn width(mut self, width: u32) -> Self {
        self.width = Some(width);
        self
    }

    /// Height in pixels.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.generate("a fox").model(artnex::Model::Flux2Pro).height(768).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn height(mut self, height: u32) -> Self {
        self.height = Some(height);
        self
    }

    /// Resolution tier (gpt-image-2 only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::{Quality, Resolution};
    /// let req = client.generate("a fox").model(artnex::Model::GptImage2).resolution(Resolution::TwoK).quality(Quality::High);
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = Some(resolution);
        self
    }

    /// Quality tier (gpt-image-2 only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::Quality;
    /// assert!(client.generate("a fox").model(artnex::Model::Flux2Pro).quality(Quality::Low).validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn quality(mut self, quality: Quality) -> Self {
        self.quality = Some(quality);
        self
    }

    /// A retry policy for this request only.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a fox").model(artnex::Model::Flux2Pro).retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks the request without sending it: prompt length (in characters), model kind, `num_images`,
    /// dimensions, resolution and quality.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let err = client.generate("a fox").model(artnex::Model::Veo31).validate().unwrap_err();
    /// assert_eq!(err.field, "model");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::prompt(&self.prompt)?;
        let (_, info) = validate::model(self.model.as_ref(), Kind::Image)?;
        validate::num_images(self.num_images)?;
        validate::dimension("width", self.width)?;
        validate::dimension("height", self.height)?;
        validate::tiers(info, self.resolution, self.quality)
    }

    /// Validates, then prices the request from the catalogue (and the client's price table): model price x
    /// `num_images`. No network.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::pricing::Estimate;
    /// let est = client.generate("a red fox").model(artnex::Model::Flux2Pro).num_images(2).estimate()?;
    /// assert_eq!(est, Estimate::Credits(500));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        self.validate()?;
        let model = self.model.as_ref().ok_or_else(|| {
            ValidationError::new("model", ErrorCode::InvalidModel, "choose a model")
        })?;
        Ok(pricing::estimate(
            &Billable::Generate {
                model,
                num_images: self.num_images,
                resolution: self.resolution,
                quality: self.quality,
            },
            self.client.price_table(),
        ))
    }

    /// Validates, checks the budget, and sends the request.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let out = client.generate("a red fox").model("z-image-turbo").send().await?;
    /// println!("{} credits", out.credits_used.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Images, Error> {
        let span = Client::span(
            "generate",
            self.model.as_ref().map(|m| m.id()),
            Some(&self.prompt),
        );
        Client::traced(span, self.run()).await
    }

    async fn run(self) -> Result<Images, Error> {
        let estimate = self.estimate()?;
        let model = self
            .model
            .as_ref()
            .map(|m| m.id().to_string())
            .unwrap_or_default();
        let body = types::GenerateRequest {
            prompt: types::GenerateRequestPrompt::try_from(self.prompt.as_str())
                .map_err(|e| wire_error("prompt", e))?,
            model,
            num_images: NonZeroU8::new(self.num_images)
                .ok_or_else(|| wire_error("num_images", "zero"))?,
            width: self.width,
            height: self.height,
            resolution: self.resolution.map(Resolution::to_wire),
            quality: self.quality.map(Quality::to_wire),
        };
        let reservation = self.client.reserve(estimate)?;
        let result = self
            .client
            .post_json(
                "generate",
                &self.client.inner.endpoints.generate,
                body,
                256 + json_room(&self.prompt),
                self.retry.as_ref(),
            )
            .await;
        finish(&self.client, reservation, result, Images::from_wire, |r| {
            r.credits_used
        })
    }
}

/// Settles the budget reservation and converts the response.
pub(crate) fn finish<W, T>(
    client: &Client,
    reservation: Option<crate::pricing::Reservation>,
    result: Result<W, Error>,
    convert: impl FnOnce(&Client, W) -> T,
    credits: impl FnOnce(&W) -> Option<u64>,
) -> Result<T, Error> {
    match result {
        Ok(wire) => {
            let used = credits(&wire);
            if let Some(r) = &reservation {
                r.settle(used);
            }
            tracing::info!(credits_used = used, "done");
            Ok(convert(client, wire))
        }
        Err(e) => {
            if let Some(r) = &reservation {
                r.fail(&e);
            }
            Err(e)
        }
    }
}

/// A generated newtype refused a value the SDK's own validation accepted (should not happen).
pub(crate) fn wire_error(field: &'static str, e: impl std::fmt::Display) -> Error {
    Error::Validation(ValidationError::new(
        field,
        ErrorCode::InvalidRequest,
        e.to_string(),
    ))
}

impl IntoFuture for GenerateRequest {
    type Output = Result<Images, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
