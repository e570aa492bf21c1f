//! Upscaling: `POST /v1/upscale` (100 credits, any scale).
//!
//! ```no_run
//! # async fn run() -> artnex::Result<()> {
//! let client = artnex::Client::from_env()?;
//! let out = client.upscale("product.jpg").scale(4.0).await?;
//! out.image.save_to_dir(".", "product-4x").await?;
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

use crate::client::{Checks, Client};
use crate::error::ValidationError;
use crate::media::ImageInput;
use crate::operation::{Operation, OperationId, sealed};
use crate::pricing::Billable;
use crate::request::{Request, setters};
use crate::validate;

pub use crate::output::ImageResult;

/// An upscale request value, in the API's field names.
///
/// ```
/// let value: artnex::upscale::Upscale = serde_json::from_str(r#"{"image": "https://example.com/a.png", "scale": 4}"#).unwrap();
/// assert_eq!(value.scale, Some(4.0));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upscale {
    /// The image to upscale.
    pub image: ImageInput,
    /// The factor on each dimension (the server's default is 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
}

impl Upscale {
    /// A request for this image and nothing else set.
    ///
    /// ```
    /// assert!(artnex::upscale::Upscale::new("photo.png").scale.is_none());
    /// ```
    pub fn new(image: impl Into<ImageInput>) -> Self {
        Upscale {
            image: image.into(),
            scale: None,
        }
    }
}

/// An upscale request builder. Send it by `.await`ing it or with [`Request::send`].
pub type UpscaleRequest = Request<Upscale>;

impl sealed::Sealed for Upscale {}

impl Operation for Upscale {
    const ID: OperationId = OperationId::UpscaleImage;
    type Client = Client;
    type Resolved = ();
    type Response = artnex_api::types::ImageUrlResponse;
    type Output = ImageResult;
    type Options = ();

    fn check(self, checks: &Checks) -> Result<(Self, ()), ValidationError> {
        if let Some(s) = self.scale {
            validate::scale(s)?;
        }
        self.image.check("image", checks.image_urls)?;
        Ok((self, ()))
    }

    fn billable<'a>(_: &'a Self, _: &'a ()) -> Option<Billable<'a>> {
        Some(Billable::Upscale)
    }

    fn image_mut(&mut self) -> Option<&mut ImageInput> {
        Some(&mut self.image)
    }

    fn image_ref(&self) -> Option<&ImageInput> {
        Some(&self.image)
    }
}

setters! { Upscale {
    /// The factor on each dimension (server default 2; 2 and 4 are the common values).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.upscale("https://example.com/a.png").scale(4.0).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    scale(scale: f64) => scale = Some(scale);
}}
