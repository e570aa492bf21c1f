//! Background removal: `POST /v1/remove-bg` (10 credits). The result is a PNG with transparency.
//!
//! ```no_run
//! # async fn run() -> artnex::Result<()> {
//! let client = artnex::Client::from_env()?;
//! let out = client.remove_background("product.jpg").await?;
//! out.image.save_to_dir(".", "product-cutout").await?; // product-cutout.png
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use crate::client::{Checks, Client};
use crate::error::ValidationError;
use crate::media::ImageInput;
use crate::operation::{Operation, OperationId, sealed};
use crate::output::ImageResult;
use crate::pricing::Billable;
use crate::request::Request;

/// A background-removal request value, in the API's field names.
///
/// ```
/// let value: artnex::remove_background::RemoveBackground = serde_json::from_str(r#"{"image": "a.png"}"#).unwrap();
/// assert!(value.image.local_path().is_some());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveBackground {
    /// The image.
    pub image: ImageInput,
}

impl RemoveBackground {
    /// A request for this image.
    ///
    /// ```
    /// let value = artnex::remove_background::RemoveBackground::new("https://example.com/a.png");
    /// # let _ = value;
    /// ```
    pub fn new(image: impl Into<ImageInput>) -> Self {
        RemoveBackground {
            image: image.into(),
        }
    }
}

/// A background-removal request builder. Send it by `.await`ing it or with [`Request::send`].
pub type RemoveBackgroundRequest = Request<RemoveBackground>;

impl sealed::Sealed for RemoveBackground {}

impl Operation for RemoveBackground {
    const ID: OperationId = OperationId::RemoveBackground;
    type Client = Client;
    type Resolved = ();
    type Response = artnex_api::types::ImageUrlResponse;
    type Output = ImageResult;
    type Options = ();

    fn check(self, checks: &Checks) -> Result<(Self, ()), ValidationError> {
        self.image.check("image", checks.image_urls)?;
        Ok((self, ()))
    }

    fn billable<'a>(_: &'a Self, _: &'a ()) -> Option<Billable<'a>> {
        Some(Billable::RemoveBackground)
    }

    fn image_mut(&mut self) -> Option<&mut ImageInput> {
        Some(&mut self.image)
    }

    fn image_ref(&self) -> Option<&ImageInput> {
        Some(&self.image)
    }
}
