//! Upscaling: `POST /v1/upscale` (100 credits, any scale).
//!
//! ```no_run
//! # async fn run() -> artnex::Result<()> {
//! let client = artnex::Client::from_env()?;
//! let out = client.upscale("product.jpg").scale(4.0).await?;
//! out.image.save_to_dir(".", "product-4x").await?;
//! # Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use artnex_api::types;

use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::images::finish;
use crate::media::{ImageInput, Media, MediaKind};
use crate::pricing::{self, Billable, Estimate};
use crate::retry::RetryPolicy;
use crate::validate;

/// The single image produced by upscale or background removal.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ImageResult {
    /// The result image (kept 24 hours; always a PNG with alpha for background removal).
    pub image: Media,
    /// The request id, for support.
    pub request_id: Option<String>,
    /// Credits charged for the call.
    pub credits_used: Option<u64>,
}

impl ImageResult {
    pub(crate) fn from_wire(client: &Client, r: types::ImageUrlResponse) -> Self {
        ImageResult {
            image: client.media_of(r.image_url, MediaKind::Image),
            request_id: r.request_id,
            credits_used: r.credits_used,
        }
    }
}

/// An upscale request. Send it by `.await`ing it or with [`UpscaleRequest::send`].
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug, Clone)]
pub struct UpscaleRequest {
    client: Client,
    image: ImageInput,
    scale: Option<f64>,
    retry: Option<RetryPolicy>,
}

impl UpscaleRequest {
    pub(crate) fn new(client: Client, image: ImageInput) -> Self {
        UpscaleRequest {
            client,
            image,
            scale: None,
            retry: None,
        }
    }

    /// The factor on each dimension, 1 to 8 (server default 2; 2 and 4 are the common values).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.upscale("https://example.com/a.png").scale(4.0).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn scale(mut self, scale: f64) -> Self {
        self.scale = Some(scale);
        self
    }

    /// A retry policy for this request only.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.upscale("photo.png").retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks the scale and the image (what can be checked without I/O).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.upscale("https://example.com/a.png").scale(16.0).validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(s) = self.scale {
            validate::scale(s)?;
        }
        self.image.check("image")
    }

    /// Validates, then prices the request (flat). No network.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.upscale("https://example.com/a.png").estimate()?.credits(), Some(100));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        self.validate()?;
        Ok(pricing::estimate(
            &Billable::Upscale,
            self.client.price_table(),
        ))
    }

    /// Validates, reads the image, checks the budget, and sends the request.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let big = client.upscale("thumbnail.png").scale(4.0).send().await?;
    /// big.image.download_to("large.png").await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<ImageResult, Error> {
        let span = Client::span("upscale", None, None);
        Client::traced(span, self.run()).await
    }

    async fn run(self) -> Result<ImageResult, Error> {
        let estimate = self.estimate()?;
        let image = self.image.resolve("image").await?;
        let image_len = image.len();
        let body = types::UpscaleRequest {
            image: types::ImageInput(image),
            scale: self.scale.unwrap_or(2.0),
        };
        let reservation = self.client.reserve(estimate)?;
        let result = self
            .client
            .post_json(
                "upscale",
                &self.client.inner.endpoints.upscale,
                body,
                image_len + 64,
                self.retry.as_ref(),
            )
            .await;
        finish(
            &self.client,
            reservation,
            result,
            ImageResult::from_wire,
            |r| r.credits_used,
        )
    }
}

impl IntoFuture for UpscaleRequest {
    type Output = Result<ImageResult, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
