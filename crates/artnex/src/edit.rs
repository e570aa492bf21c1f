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

use serde::{Deserialize, Serialize};

use crate::catalogue::{Kind, Model, Quality, Resolution};
use crate::client::{Checks, Client};
use crate::error::ValidationError;
use crate::media::ImageInput;
use crate::operation::{Operation, OperationId, sealed};
use crate::output::Images;
use crate::pricing::Billable;
use crate::request::{Request, setters};
use crate::validate;

/// An image-editing request value, in the API's field names (`image` is a path, an https URL or a data
/// URI).
///
/// ```
/// let value: artnex::edit::EditImage =
///     serde_json::from_str(r#"{"prompt": "add snow", "image": "in/a.png", "model": "seedream-edit"}"#).unwrap();
/// assert_eq!(value.image.local_path(), Some(std::path::Path::new("in/a.png")));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditImage {
    /// The edit instructions (at most 4,000 characters).
    pub prompt: String,
    /// The image to edit.
    pub image: ImageInput,
    /// The edit model (required before sending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    /// Resolution tier (gpt-image-2-edit only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Quality tier (gpt-image-2-edit only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
}

impl EditImage {
    /// A request with these instructions and image, and nothing else set.
    ///
    /// ```
    /// let value = artnex::edit::EditImage::new("add snow", "https://example.com/a.jpg");
    /// assert!(value.model.is_none());
    /// ```
    pub fn new(prompt: impl Into<String>, image: impl Into<ImageInput>) -> Self {
        EditImage {
            prompt: prompt.into(),
            image: image.into(),
            model: None,
            resolution: None,
            quality: None,
        }
    }
}

/// An image-editing request builder. Send it by `.await`ing it or with [`Request::send`].
pub type EditRequest = Request<EditImage>;

impl sealed::Sealed for EditImage {}

impl Operation for EditImage {
    const ID: OperationId = OperationId::EditImage;
    type Client = Client;
    type Resolved = Model;
    type Response = artnex_api::types::ImagesResponse;
    type Output = Images;
    type Options = ();

    fn check(self, checks: &Checks) -> Result<(Self, Model), ValidationError> {
        validate::prompt(&self.prompt, artnex_facts::EDIT_IMAGE_PROMPT_MAX_CHARS)?;
        let (model, info) = validate::model(self.model.as_ref(), Kind::Edit)?;
        validate::tiers(info, self.resolution, self.quality)?;
        self.image.check("image", checks.image_urls)?;
        let model = model.clone();
        Ok((self, model))
    }

    fn billable<'a>(value: &'a Self, model: &'a Model) -> Option<Billable<'a>> {
        Some(Billable::Edit {
            model,
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

    fn image_mut(&mut self) -> Option<&mut ImageInput> {
        Some(&mut self.image)
    }

    fn image_ref(&self) -> Option<&ImageInput> {
        Some(&self.image)
    }
}

setters! { EditImage {
    /// The edit model (required): a [`Model`] or any model id string.
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// let est = client.edit("snow", "https://example.com/a.jpg").model(artnex::Model::SeedreamEdit).estimate()?;
    /// assert_eq!(est.credits(), Some(200));
    /// # Ok::<(), artnex::Error>(())
    /// ```
    model(model: impl Into<Model>) => model = Some(model.into());

    /// Resolution tier (gpt-image-2-edit only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::{Quality, Resolution};
    /// let req = client.edit("snow", "https://example.com/a.jpg").model(artnex::Model::GptImage2Edit)
    ///     .resolution(Resolution::OneK).quality(Quality::Low);
    /// assert!(req.validate().is_ok());
    /// # Ok::<(), artnex::Error>(())
    /// ```
    resolution(resolution: Resolution) => resolution = Some(resolution);

    /// Quality tier (gpt-image-2-edit only).
    ///
    /// ```
    /// # let client = artnex::Client::new("sk-example")?;
    /// use artnex::catalogue::Quality;
    /// let req = client.edit("snow", "https://example.com/a.jpg").model(artnex::Model::SeedreamEdit).quality(Quality::Low);
    /// assert_eq!(req.validate().unwrap_err().field, "quality");
    /// # Ok::<(), artnex::Error>(())
    /// ```
    quality(quality: Quality) => quality = Some(quality);
}}
