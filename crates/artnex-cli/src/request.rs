//! One operation request, whether it comes from command-line flags or from a line of a batch file: the
//! SDK's request value ([`artnex::any::AnyRequest`]), with the CLI's defaults.

use std::path::Path;

use artnex::catalogue::VideoMode;
use artnex::{Model, OperationId};

pub use artnex::any::AnyRequest as Request;

/// Default models: the cheapest of each kind, as the docs advise for development.
pub const DEFAULT_GENERATE_MODEL: &str = "z-image-turbo";
/// Default edit model (the cheapest edit model).
pub const DEFAULT_EDIT_MODEL: &str = "seedream-edit";
/// Default text-to-video model (the cheapest).
pub const DEFAULT_VIDEO_MODEL: &str = "kling-v2.5-turbo-pro";
/// Default image-to-video model (the cheapest), used when a start image is given.
pub const DEFAULT_I2V_MODEL: &str = "kling-v2.5-turbo-pro-i2v";

/// What the CLI adds to a request value.
pub trait RequestExt: Sized {
    /// The operation's command name (`generate`, `edit`, `video`, `tts`, `upscale`, `remove-bg`).
    fn op(&self) -> &'static str;
    /// The model id the request will use, for display.
    fn model_id(&self) -> Option<String>;
    /// The CLI's default model filled in when the request names none.
    fn with_defaults(self) -> Self;
    /// The input image when it is a local file.
    fn local_image(&self) -> Option<&Path>;
    /// A relative image path resolved against `base` (the batch file's directory).
    fn with_image_base(self, base: &Path) -> Self;
}

impl RequestExt for Request {
    fn op(&self) -> &'static str {
        self.tag()
    }

    fn model_id(&self) -> Option<String> {
        match self.operation() {
            OperationId::TextToSpeech => Some(
                self.model()
                    .unwrap_or(&artnex::tts::DEFAULT_MODEL)
                    .id()
                    .to_string(),
            ),
            _ => self.model().map(|m| m.id().to_string()),
        }
    }

    fn with_defaults(mut self) -> Self {
        let image_to_video = matches!(
            &self,
            Request::Video(v) if v.image.is_some() || v.mode == Some(VideoMode::ImageToVideo)
        );
        let default = match self.operation() {
            OperationId::GenerateImage => Some(DEFAULT_GENERATE_MODEL),
            OperationId::EditImage => Some(DEFAULT_EDIT_MODEL),
            OperationId::CreateVideo if image_to_video => Some(DEFAULT_I2V_MODEL),
            OperationId::CreateVideo => Some(DEFAULT_VIDEO_MODEL),
            _ => None,
        };
        if let (Some(slot), Some(id)) = (self.model_mut(), default) {
            slot.get_or_insert_with(|| Model::from_id(id));
        }
        self
    }

    fn local_image(&self) -> Option<&Path> {
        self.image().and_then(|i| i.local_path())
    }

    fn with_image_base(mut self, base: &Path) -> Self {
        if let Some(image) = self.image_mut() {
            *image = image.clone().relative_to(base);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Request {
        serde_json::from_str::<Request>(line)
            .unwrap()
            .with_defaults()
    }

    #[test]
    fn batch_lines_parse_with_defaults() {
        let r = parse(r#"{"op":"generate","prompt":"fox","num_images":2}"#);
        assert_eq!(r.model_id().as_deref(), Some(DEFAULT_GENERATE_MODEL));
        assert_eq!(r.op(), "generate");
        let r = parse(r#"{"op":"video","prompt":"p","image":"a.png"}"#);
        assert_eq!(r.model_id().as_deref(), Some(DEFAULT_I2V_MODEL));
        let r = parse(r#"{"op":"video","prompt":"p"}"#);
        assert_eq!(r.model_id().as_deref(), Some(DEFAULT_VIDEO_MODEL));
        let r = parse(r#"{"op":"tts","text":"hi"}"#);
        assert_eq!(r.model_id().as_deref(), Some("tts-elevenlabs"));
        let r = parse(r#"{"op":"remove-bg","image":"https://x/y.png"}"#);
        assert_eq!(r.op(), "remove-bg");
        assert_eq!(r.local_image(), None);
    }

    #[test]
    fn typos_and_unknown_ops_are_refused() {
        assert!(
            serde_json::from_str::<Request>(r#"{"op":"generate","prompt":"x","num_imgs":2}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Request>(r#"{"op":"paint","prompt":"x"}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"prompt":"x"}"#).is_err());
    }

    #[test]
    fn relative_images_resolve_against_the_batch_dir() {
        let r = parse(r#"{"op":"upscale","image":"in/a.png"}"#).with_image_base(Path::new("/data"));
        assert_eq!(r.local_image(), Some(Path::new("/data/in/a.png")));
        let r = parse(r#"{"op":"remove-bg","image":"https://x/a.png"}"#)
            .with_image_base(Path::new("/data"));
        assert_eq!(r.local_image(), None);
    }
}
