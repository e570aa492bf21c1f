//! Any Artnex operation as one value, tagged by `"op"`: for batch files, job queues and command lines
//! that handle requests of every kind the same way.
//!
//! ```
//! use artnex::any::AnyRequest;
//!
//! let line = r#"{"op": "generate", "prompt": "a red fox", "model": "flux-2-pro", "num_images": 2}"#;
//! let request: AnyRequest = serde_json::from_str(line).unwrap();
//! assert_eq!(request.operation(), artnex::OperationId::GenerateImage);
//! assert_eq!(request.estimate(None)?.credits(), Some(500)); // no client, no network
//! assert!(serde_json::from_str::<AnyRequest>(r#"{"op": "generate", "prompt": "x", "num_imgs": 2}"#).is_err());
//! # Ok::<(), artnex::ValidationError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::catalogue::Model;
use crate::client::Client;
use crate::edit::EditImage;
use crate::error::{Error, ValidationError};
use crate::generate::GenerateImage;
use crate::media::{ImageInput, Media};
use crate::operation::{Operation, OperationId};
use crate::output::{ImageResult, Images};
use crate::pricing::{Estimate, PriceTable};
use crate::remove_background::RemoveBackground;
use crate::tts::{Speech, TextToSpeech};
use crate::upscale::Upscale;
use crate::video::{CreateVideo, VideoJob};

/// One request of any Artnex operation. The `op` tag names the operation (`generate`, `edit`, `video`,
/// `tts`, `upscale`, `remove-bg`, like the API paths); the other fields are the operation's, in the
/// API's names. Unknown fields are refused (a typo is not silently dropped).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum AnyRequest {
    /// `POST /v1/generate`.
    #[serde(rename = "generate")]
    Generate(GenerateImage),
    /// `POST /v1/edit`.
    #[serde(rename = "edit")]
    Edit(EditImage),
    /// `POST /v1/video` (submitted; wait for the job separately).
    #[serde(rename = "video")]
    Video(CreateVideo),
    /// `POST /v1/tts`.
    #[serde(rename = "tts")]
    Tts(TextToSpeech),
    /// `POST /v1/upscale`.
    #[serde(rename = "upscale")]
    Upscale(Upscale),
    /// `POST /v1/remove-bg`.
    #[serde(rename = "remove-bg")]
    RemoveBackground(RemoveBackground),
}

/// Runs `$body` with `$v` bound to the request value, whatever its operation: the one place that lists
/// the variants.
macro_rules! each {
    ($request:expr, $v:ident => $body:expr) => {
        match $request {
            AnyRequest::Generate($v) => $body,
            AnyRequest::Edit($v) => $body,
            AnyRequest::Video($v) => $body,
            AnyRequest::Tts($v) => $body,
            AnyRequest::Upscale($v) => $body,
            AnyRequest::RemoveBackground($v) => $body,
        }
    };
}

/// What a sent request produced.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Finished results (every operation but video).
    Done {
        /// The request id, for support and for journals.
        request_id: Option<String>,
        /// Credits charged.
        credits_used: Option<u64>,
        /// The result files, in order.
        media: Vec<Media>,
        /// The audio length, for text-to-speech.
        duration_seconds: Option<f64>,
    },
    /// A video job the server accepted: wait for it with [`VideoJob::wait`].
    Job(VideoJob),
}

impl From<Images> for Outcome {
    fn from(r: Images) -> Self {
        Outcome::Done {
            request_id: r.request_id,
            credits_used: r.credits_used,
            media: r.images,
            duration_seconds: None,
        }
    }
}

impl From<ImageResult> for Outcome {
    fn from(r: ImageResult) -> Self {
        Outcome::Done {
            request_id: r.request_id,
            credits_used: r.credits_used,
            media: vec![r.image],
            duration_seconds: None,
        }
    }
}

impl From<Speech> for Outcome {
    fn from(r: Speech) -> Self {
        Outcome::Done {
            request_id: r.request_id,
            credits_used: r.credits_used,
            media: vec![r.audio],
            duration_seconds: r.duration_seconds,
        }
    }
}

impl From<crate::video::Video> for Outcome {
    fn from(v: crate::video::Video) -> Self {
        Outcome::Done {
            request_id: Some(v.request_id),
            credits_used: v.credits_used,
            media: vec![v.video],
            duration_seconds: None,
        }
    }
}

impl From<VideoJob> for Outcome {
    fn from(job: VideoJob) -> Self {
        Outcome::Job(job)
    }
}

impl AnyRequest {
    /// Which operation this is.
    ///
    /// ```
    /// let r = artnex::any::AnyRequest::Tts(artnex::tts::TextToSpeech::new("hi"));
    /// assert_eq!(r.operation(), artnex::OperationId::TextToSpeech);
    /// ```
    pub fn operation(&self) -> OperationId {
        fn id<O: Operation>(_: &O) -> OperationId {
            O::ID
        }
        each!(self, v => id(v))
    }

    /// Every `op` tag, in variant order.
    pub const TAGS: [&'static str; 6] =
        ["generate", "edit", "video", "tts", "upscale", "remove-bg"];

    /// The `op` tag (`generate`, `edit`, `video`, `tts`, `upscale`, `remove-bg`).
    ///
    /// ```
    /// let r = artnex::any::AnyRequest::RemoveBackground(artnex::remove_background::RemoveBackground::new("a.png"));
    /// assert_eq!(r.tag(), "remove-bg");
    /// assert!(artnex::any::AnyRequest::TAGS.contains(&r.tag()));
    /// ```
    pub fn tag(&self) -> &'static str {
        let i = match self {
            AnyRequest::Generate(_) => 0,
            AnyRequest::Edit(_) => 1,
            AnyRequest::Video(_) => 2,
            AnyRequest::Tts(_) => 3,
            AnyRequest::Upscale(_) => 4,
            AnyRequest::RemoveBackground(_) => 5,
        };
        Self::TAGS[i]
    }

    /// Checks the request without sending it.
    ///
    /// ```
    /// let r = artnex::any::AnyRequest::Generate(artnex::generate::GenerateImage::new(""));
    /// assert_eq!(r.validate().unwrap_err().field, "prompt");
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        each!(self, v => v.validate().map(drop))
    }

    /// Validates, then prices the request with `table` (the catalogue otherwise). No network.
    ///
    /// ```
    /// let r = artnex::any::AnyRequest::Upscale(artnex::upscale::Upscale::new("https://example.com/a.png"));
    /// assert_eq!(r.estimate(None)?.credits(), Some(100));
    /// # Ok::<(), artnex::ValidationError>(())
    /// ```
    pub fn estimate(&self, table: Option<&PriceTable>) -> Result<Estimate, ValidationError> {
        each!(self, v => v.estimate(table))
    }

    /// The model the request names, if any.
    ///
    /// ```
    /// let mut g = artnex::generate::GenerateImage::new("a fox");
    /// g.model = Some(artnex::Model::Flux2Pro);
    /// assert_eq!(artnex::any::AnyRequest::Generate(g).model(), Some(&artnex::Model::Flux2Pro));
    /// ```
    pub fn model(&self) -> Option<&Model> {
        each!(self, v => v.model_ref())
    }

    /// The model field, for operations that have one (to fill in a default, say).
    ///
    /// ```
    /// let mut r = artnex::any::AnyRequest::Generate(artnex::generate::GenerateImage::new("a fox"));
    /// if let Some(slot) = r.model_mut() {
    ///     slot.get_or_insert(artnex::Model::ZImageTurbo);
    /// }
    /// assert_eq!(r.model(), Some(&artnex::Model::ZImageTurbo));
    /// ```
    pub fn model_mut(&mut self) -> Option<&mut Option<Model>> {
        each!(self, v => v.model_mut())
    }

    /// The prompt or text, if the operation has one.
    ///
    /// ```
    /// let r = artnex::any::AnyRequest::Tts(artnex::tts::TextToSpeech::new("hello"));
    /// assert_eq!(r.text(), Some("hello"));
    /// ```
    pub fn text(&self) -> Option<&str> {
        each!(self, v => v.log_fields().1)
    }

    /// The input image, if the operation takes one (and it is set).
    ///
    /// ```
    /// let r = artnex::any::AnyRequest::Upscale(artnex::upscale::Upscale::new("in/a.png"));
    /// assert!(r.image().and_then(|i| i.local_path()).is_some());
    /// ```
    pub fn image(&self) -> Option<&ImageInput> {
        each!(self, v => v.image_ref())
    }

    /// The input image, mutably (to resolve a relative path, say).
    ///
    /// ```
    /// let mut r = artnex::any::AnyRequest::Upscale(artnex::upscale::Upscale::new("in/a.png"));
    /// if let Some(image) = r.image_mut() {
    ///     *image = image.clone().relative_to("/data");
    /// }
    /// assert_eq!(r.image().and_then(|i| i.local_path()), Some(std::path::Path::new("/data/in/a.png")));
    /// ```
    pub fn image_mut(&mut self) -> Option<&mut ImageInput> {
        each!(self, v => v.image_mut())
    }

    /// Sends the request through `client` (one billable call; a video is submitted, not waited for).
    ///
    /// ```no_run
    /// # async fn run(client: artnex::Client) -> artnex::Result<()> {
    /// let r: artnex::any::AnyRequest = serde_json::from_str(r#"{"op":"tts","text":"hi"}"#).expect("valid");
    /// match r.send(&client).await? {
    ///     artnex::any::Outcome::Done { media, .. } => println!("{}", media[0]),
    ///     artnex::any::Outcome::Job(job) => println!("job {}", job.request_id()),
    ///     _ => {}
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send(self, client: &Client) -> Result<Outcome, Error> {
        Ok(match self {
            AnyRequest::Video(v) => client.request(v).submit().await?.into(),
            other => each!(other, v => client.request(v).send().await?.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde tags are the `TAGS`: a line with each parses as the variant that reports it.
    #[test]
    fn tags_are_the_serde_tags() {
        let lines = [
            r#"{"op":"generate","prompt":"x"}"#,
            r#"{"op":"edit","prompt":"x","image":"a.png"}"#,
            r#"{"op":"video","prompt":"x"}"#,
            r#"{"op":"tts","text":"x"}"#,
            r#"{"op":"upscale","image":"a.png"}"#,
            r#"{"op":"remove-bg","image":"a.png"}"#,
        ];
        let tags: Vec<&str> = lines
            .iter()
            .map(|l| serde_json::from_str::<AnyRequest>(l).expect("parses").tag())
            .collect();
        assert_eq!(tags, AnyRequest::TAGS);
    }
}
