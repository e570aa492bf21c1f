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

use serde::{Deserialize, Serialize};

use crate::catalogue::{Kind, Model, Quality, Resolution};
use crate::client::{Checks, Client};
use artnex_facts as facts;

use crate::error::{ErrorCode, ValidationError};
use crate::operation::{Operation, OperationId, sealed};
use crate::pricing::Billable;
use crate::request::{Request, setters};
use crate::validate;

pub use crate::output::Images;

/// A text-to-image request value, in the API's field names. Build it with [`Client::generate`] (the
/// builder [`GenerateRequest`]) or on its own (from a batch file, say) and send it with
/// [`Client::request`].
///
/// ```
/// let value: artnex::generate::GenerateImage =
///     serde_json::from_str(r#"{"prompt": "a fox", "model": "flux-2-pro", "num_images": 2}"#).unwrap();
/// assert_eq!(value.num_images, Some(2));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateImage {
    /// What to draw (at most 4,000 characters).
    pub prompt: String,
    /// The model (required before sending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// How many images, 1 to 4 (the server's default is 1). Each image costs the model's full price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_images: Option<u8>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Resolution tier (gpt-image-2 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Quality tier (gpt-image-2 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
}

impl GenerateImage {
    /// A request with this prompt and nothing else set.
    ///
    /// ```
    /// let value = artnex::generate::GenerateImage::new("a lighthouse");
    /// assert_eq!(value.prompt, "a lighthouse");
    /// ```
    pub fn new(prompt: impl Into<String>) -> Self {
        GenerateImage {
            prompt: prompt.into(),
            model: None,
            num_images: None,
            width: None,
            height: None,
            resolution: None,
            quality: None,
        }
    }
}

/// A text-to-image request builder. Send it by `.await`ing it or with [`Request::send`].
pub type GenerateRequest = Request<GenerateImage>;

impl sealed::Sealed for GenerateImage {}

impl Operation for GenerateImage {
    const ID: OperationId = OperationId::GenerateImage;
    type Client = Client;
    type Resolved = Model;
    type Response = artnex_api::types::ImagesResponse;
    type Output = Images;
    type Options = ();

    fn check(self, _: &Checks) -> Result<(Self, Model), ValidationError> {
        validate::prompt(&self.prompt, facts::GENERATE_IMAGE_PROMPT_MAX_CHARS)?;
        let (model, info) = validate::model(self.model.as_ref(), Kind::Image)?;
        if let Some(n) = self.num_images {
            validate::range(
                "num_images",
                n,
                facts::GENERATE_IMAGE_NUM_IMAGES_MIN,
                facts::GENERATE_IMAGE_NUM_IMAGES_MAX,
                ErrorCode::InvalidNumImages,
            )?;
        }
        for (field, value, min, max) in [
            (
                "width",
                self.width,
                facts::GENERATE_IMAGE_WIDTH_MIN,
                facts::GENERATE_IMAGE_WIDTH_MAX,
            ),
            (
                "height",
                self.height,
                facts::GENERATE_IMAGE_HEIGHT_MIN,
                facts::GENERATE_IMAGE_HEIGHT_MAX,
            ),
        ] {
            if let Some(v) = value {
                validate::range(field, v, min, max, ErrorCode::InvalidDimensions)?;
            }
        }
        validate::tiers(info, self.resolution, self.quality)?;
        let model = model.clone();
        Ok((self, model))
    }

    fn billable<'a>(value: &'a Self, model: &'a Model) -> Option<Billable<'a>> {
        Some(Billable::Generate {
            model,
            num_images: value.num_images.unwrap_or(1),
            resolution: value.resolution,
            quality: value.quality,
        })
    }

    fn text(&self) -> Option<&str> {
        Some(&self.prompt)
    }

    fn model_mut(&mut self) -> Option<&mut Option<Model>> {
        Some(&mut self.model)
    }

    fn model_ref(&self) -> Option<&Model> {
        self.model.as_ref()
    }
}

setters! { GenerateImage {
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
    model(model: impl Into<Model>) => model = Some(model.into());

    /// How many images, 1 to 4 (default 1). Each image costs the model's full price.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a fox").model(artnex::Model::ZImageTurbo).num_images(3);
    /// assert_eq!(req.estimate()?.credits(), Some(300));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    num_images(n: u8) => num_images = Some(n);

    /// Width in pixels (1024 for most models when unset).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.generate("a fox").model(artnex::Model::Flux2Pro).width(1536).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    width(width: u32) => width = Some(width);

    /// Height in pixels (1024 for most models when unset).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// assert!(client.generate("a fox").model(artnex::Model::Flux2Pro).height(768).validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    height(height: u32) => height = Some(height);

    /// Resolution tier (gpt-image-2 only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::{Quality, Resolution};
    /// let req = client.generate("a fox").model(artnex::Model::GptImage2).resolution(Resolution::TwoK).quality(Quality::High);
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    resolution(resolution: Resolution) => resolution = Some(resolution);

    /// Quality tier (gpt-image-2 only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::Quality;
    /// assert!(client.generate("a fox").model(artnex::Model::Flux2Pro).quality(Quality::Low).validate().is_err());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    quality(quality: Quality) => quality = Some(quality);
}}

impl GenerateRequest {
    /// Width and height in pixels.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let req = client.generate("a banner").model(artnex::Model::Flux2Pro).size(1536, 512);
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    pub fn size(self, width: u32, height: u32) -> Self {
        self.width(width).height(height)
    }
}
