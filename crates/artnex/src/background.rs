//! Background removal: `POST /v1/remove-bg` (10 credits). The result is always a PNG with alpha.
//!
//! ```no_run
//! # async fn run() -> artnex::Result<()> {
//! let client = artnex::Client::from_env()?;
//! let out = client.remove_background("https://example.com/product-on-table.jpg").await?;
//! out.image.download_to("product.png").await?;
//! # Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use artnex_api::types;

use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::images::finish;
use crate::media::ImageInput;
use crate::pricing::{self, Billable, Estimate};
use crate::retry::RetryPolicy;
use crate::upscale::ImageResult;

/// A background-removal request. Send it by `.await`ing it or with [`RemoveBackgroundRequest::send`].
#[must_use = "a request does nothing until it is awaited or sent"]
#[derive(Debug, Clone)]
pub struct RemoveBackgroundRequest {
    client: Client,
    image: ImageInput,
    retry: Option<RetryPolicy>,
}

impl RemoveBackgroundRequest {
    pub(crate) fn new(client: Client, image: ImageInput) -> Self {
        RemoveBackgroundRequest {
            client,
            image,
            retry: None,
        }
    }

    /// A retry policy for this request only.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.remove_background("photo.png").retry_policy(artnex::RetryPolicy::none());
    /// # let _ = req;
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks the image (what can be checked without I/O).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.remove_background(b"not an image".to_vec()).validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.image.check("image")
    }

    /// Validates, then prices the request (flat). No network.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert_eq!(client.remove_background("https://example.com/a.png").estimate()?.credits(), Some(10));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn estimate(&self) -> Result<Estimate, ValidationError> {
        self.validate()?;
        Ok(pricing::estimate(
            &Billable::RemoveBackground,
            self.client.price_table(),
        ))
    }

    /// Validates, reads the image, checks the budget, and sends the request.
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let cutout = client.remove_background("product.jpg").send().await?;
    /// cutout.image.save_to_dir(".", "product-cutout").await?; // a PNG with transparency
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<ImageResult, Error> {
        let span = crate::Client::span("remove_bg", None, None);
        Client::traced(span, self.run()).await
    }

    async fn run(self) -> Result<ImageResult, Error> {
        let estimate = self.estimate()?;
        let image = self.image.resolve("image").await?;
        let image_len = image.len();
        let body = types::RemoveBackgroundRequest {
            image: types::ImageInput(image),
        };
        let reservation = self.client.reserve(estimate)?;
        let result = self
            .client
            .post_json(
                "remove_bg",
                &self.client.inner.endpoints.remove_bg,
                body,
                image_len + 32,
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

impl IntoFuture for RemoveBackgroundRequest {
    type Output = Result<ImageResult, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
