//! Image editing: `POST /v1/edit`.
//!
//! ```no_run
//! use artnex::{Client, Model};
//!
//! # async fn run() -> artnex::Result<()> {
//! let client = Client::from_env()?;
//! let out = client
//!     .edit("Change the background to a snowy mountain scene", "portrait.jpg") // path, URL or bytes
//!     .model(Model::NanoBananaEdit)
//!     .await?;
//! out.images[0].save_to_dir(".", "portrait-snow").await?;
//! # Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use artnex_api::types;

use crate::catalogue::{Kind, Model, Quality, Resolution};
use crate::client::Client;
use crate::client::json_room;
use crate::error::{Error, ErrorCode, ValidationError};
use crate::images::{Images, finish, wire_error};
use crate::media::ImageInput;
use crate::pricing::{self, Billable, Estimate};
use crate::retry::RetryPolicy;
use crate::validate;

/// An image-editing request. Send it by `.await`ing it or with [`EditRequest::send`].
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug, Clone)]
pub struct EditRequest {
    client: Client,
    prompt: String,
    image: ImageInput,
    model: Option<Model>,
    resolution: Option<Resolution>,
    quality: Option<Quality>,
    retry: Option<RetryPolicy>,
}

impl EditRequest {
    pub(crate) fn new(client: Client, prompt: String, image: ImageInput) -> Self {
        EditRequest {
            client,
            prompt,
            image,
            model: None,
            resolution: None,
            quality: None,
            retry: None,
        }
    }

    /// The edit model (required).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.edit("add snow", "https://example.com/a.jpg").model(artnex::Model::NanoBananaEdit);
    /// assert_eq!(req.estimate()?.credits(), Some(240));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn model(mut self, model: impl Into<Model>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Resolution tier (gpt-image-2-edit only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::{Quality, Resolution};
    /// let req = client.edit("add snow", "https://example.com/a.jpg").model(artnex::Model::GptImage2Edit).resolution(Resolution::OneK).quality(Quality::Low);
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = Some(resolution);
        self
    }

    /// Quality tier (gpt-image-2-edit only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::Quality;
    /// let req = client.edit("add snow", "https://example.com/a.jpg").model(artnex::Model::SeedreamEdit).quality(Quality::Low);
    /// assert!(req.validate().is_err()); // only gpt-image-2-edit takes tiers
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
    /// let req = client.edit("add snow", "photo.png").retry_policy(artnex::RetryPolicy::default().max_retries(0));
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks what can be checked without I/O (a file input is read and sniffed when sent).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let err = client.edit("snow", "http://example.com/a.jpg").model(artnex::Model::SeedreamEdit).validate();
    /// assert_eq!(err.unwrap_err().field, "image"); // https only
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::prompt(&self.prompt)?;
        let (_, info) = validate::model(self.model.as_ref(), Kind::Edit)?;
        validate::tiers(info, self.resolution, self.quality)?;
        self.image.check("image")
    }

    /// Validates, then prices the request (per edit). No network.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let est = client.edit("snow", "https://example.com/a.jpg").model(artnex::Model::SeedreamEdit).estimate()?;
    /// assert_eq!(est.credits(), Some(200));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        self.validate()?;
        let model = self.model.as_ref().ok_or_else(|| {
            ValidationError::new("model", ErrorCode::InvalidModel, "choose a model")
        })?;
        Ok(pricing::estimate(
            &Billable::Edit {
                model,
                resolution: self.resolution,
                quality: self.quality,
            },
            self.client.price_table(),
        ))
    }

    /// Validates, reads the image, checks the budget, and sends the request.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// use artnex::Model;
    /// let out = client.edit("portrait.png", "add falling snow").model(Model::NanoBananaEdit).send().await?;
    /// println!("{} credits", out.credits_used.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Images, Error> {
        let span = Client::span(
            "edit",
            self.model.as_ref().map(|m| m.id()),
            Some(&self.prompt),
        );
        Client::traced(span, self.run()).await
    }

    async fn run(self) -> Result<Images, Error> {
        let estimate = self.estimate()?;
        let image = self.image.resolve("image").await?;
        let image_len = image.len();
        let body = types::EditRequest {
            prompt: types::EditRequestPrompt::try_from(self.prompt.as_str())
                .map_err(|e| wire_error("prompt", e))?,
            image: types::ImageInput(image),
            model: self
                .model
                .as_ref()
                .map(|m| m.id().to_string())
                .unwrap_or_default(),
            resolution: self.resolution.map(Resolution::to_wire),
            quality: self.quality.map(Quality::to_wire),
        };
        let reservation = self.client.reserve(estimate)?;
        let result = self
            .client
            .post_json(
                "edit",
                &self.client.inner.endpoints.edit,
                body,
                image_len + 256 + json_room(&self.prompt),
                self.retry.as_ref(),
            )
            .await;
        finish(&self.client, reservation, result, Images::from_wire, |r| {
            r.credits_used
        })
    }
}

impl IntoFuture for EditRequest {
    type Output = Result<Images, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
