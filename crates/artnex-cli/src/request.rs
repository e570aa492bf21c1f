//! One operation request, whether it comes from command-line flags or from a line of a batch file.

use serde::{Deserialize, Serialize};

/// Default models: the cheapest of each kind, as the docs advise for development.
pub const DEFAULT_GENERATE_MODEL: &str = "z-image-turbo";
/// Default edit model (the cheapest edit model).
pub const DEFAULT_EDIT_MODEL: &str = "seedream-edit";
/// Default text-to-video model (the cheapest).
pub const DEFAULT_VIDEO_MODEL: &str = "kling-v2.5-turbo-pro";
/// Default image-to-video model (the cheapest), used when a start image is given.
pub const DEFAULT_I2V_MODEL: &str = "kling-v2.5-turbo-pro-i2v";

/// Any Artnex operation with all of its parameters. In a batch file, one JSON object per line with an
/// `op` field: `{"op": "generate", "prompt": "a red fox", "model": "flux-2-pro", "num_images": 2}`.
/// Field names are the API's; `image` is a file path (relative to the batch file) or an https URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// `POST /v1/generate`.
    Generate {
        /// What to draw.
        prompt: String,
        /// Model id.
        #[serde(default = "default_generate_model")]
        model: String,
        /// Width in pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        /// Height in pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        height: Option<u32>,
        /// 1 to 4.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_images: Option<u8>,
        /// gpt-image-2 resolution tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<String>,
        /// gpt-image-2 quality tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quality: Option<String>,
    },
    /// `POST /v1/edit`.
    Edit {
        /// Edit instructions.
        prompt: String,
        /// Source image: path or https URL.
        image: String,
        /// Model id.
        #[serde(default = "default_edit_model")]
        model: String,
        /// gpt-image-2-edit resolution tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<String>,
        /// gpt-image-2-edit quality tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quality: Option<String>,
    },
    /// `POST /v1/video` (then polled).
    Video {
        /// Scene, motion, style.
        prompt: String,
        /// Model id (default: the cheapest of the mode).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
        /// `text-to-video` or `image-to-video`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<String>,
        /// Start image: path or https URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image: Option<String>,
        /// `16:9`, `9:16` or `1:1`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        aspect_ratio: Option<String>,
        /// Seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<u32>,
    },
    /// `POST /v1/tts`.
    Tts {
        /// Text to speak.
        text: String,
        /// Model id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
        /// Voice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        voice_id: Option<String>,
    },
    /// `POST /v1/upscale`.
    Upscale {
        /// Image: path or https URL.
        image: String,
        /// Multiplier (default 2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<f64>,
    },
    /// `POST /v1/remove-bg`.
    RemoveBg {
        /// Image: path or https URL.
        image: String,
    },
}

fn default_generate_model() -> String {
    DEFAULT_GENERATE_MODEL.into()
}

fn default_edit_model() -> String {
    DEFAULT_EDIT_MODEL.into()
}

impl Request {
    /// The operation's short name (`generate`, `edit`, `video`, `tts`, `upscale`, `remove-bg`).
    pub fn op(&self) -> &'static str {
        match self {
            Request::Generate { .. } => "generate",
            Request::Edit { .. } => "edit",
            Request::Video { .. } => "video",
            Request::Tts { .. } => "tts",
            Request::Upscale { .. } => "upscale",
            Request::RemoveBg { .. } => "remove-bg",
        }
    }

    /// The prompt or text, for display.
    pub fn prompt(&self) -> Option<&str> {
        match self {
            Request::Generate { prompt, .. }
            | Request::Edit { prompt, .. }
            | Request::Video { prompt, .. } => Some(prompt),
            Request::Tts { text, .. } => Some(text),
            Request::Upscale { .. } | Request::RemoveBg { .. } => None,
        }
    }

    /// The model id the request will use.
    pub fn model(&self) -> Option<String> {
        match self {
            Request::Generate { model, .. } | Request::Edit { model, .. } => Some(model.clone()),
            Request::Video {
                model, image, mode, ..
            } => Some(model.clone().unwrap_or_else(|| {
                let i2v = image.is_some() || mode.as_deref() == Some("image-to-video");
                if i2v {
                    DEFAULT_I2V_MODEL
                } else {
                    DEFAULT_VIDEO_MODEL
                }
                .to_string()
            })),
            Request::Tts { model, .. } => {
                Some(model.clone().unwrap_or_else(|| "tts-elevenlabs".into()))
            }
            Request::Upscale { .. } | Request::RemoveBg { .. } => None,
        }
    }

    /// The image input when it is a local file path (the SDK's reading of a string: not a data URI, not
    /// a URL).
    pub fn local_image(&self) -> Option<&str> {
        let image = match self {
            Request::Edit { image, .. }
            | Request::Upscale { image, .. }
            | Request::RemoveBg { image } => Some(image.as_str()),
            Request::Video { image, .. } => image.as_deref(),
            Request::Generate { .. } | Request::Tts { .. } => None,
        };
        image.filter(|i| !i.starts_with("data:") && !i.contains("://"))
    }

    /// Resolves a relative image path against `base` (the batch file's directory).
    pub fn with_image_base(mut self, base: &std::path::Path) -> Request {
        let fix = |image: &mut String| {
            if !image.starts_with("https://")
                && !image.starts_with("http://")
                && !image.starts_with("data:")
            {
                let p = std::path::Path::new(image.as_str());
                if p.is_relative() {
                    *image = base.join(p).display().to_string();
                }
            }
        };
        match &mut self {
            Request::Edit { image, .. }
            | Request::Upscale { image, .. }
            | Request::RemoveBg { image } => fix(image),
            Request::Video {
                image: Some(image), ..
            } => fix(image),
            _ => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_lines_parse_with_defaults() {
        let r: Request =
            serde_json::from_str(r#"{"op":"generate","prompt":"fox","num_images":2}"#).unwrap();
        assert_eq!(r.model().as_deref(), Some(DEFAULT_GENERATE_MODEL));
        assert_eq!(r.op(), "generate");
        let r: Request =
            serde_json::from_str(r#"{"op":"video","prompt":"p","image":"a.png"}"#).unwrap();
        assert_eq!(r.model().as_deref(), Some(DEFAULT_I2V_MODEL));
        let r: Request =
            serde_json::from_str(r#"{"op":"remove-bg","image":"https://x/y.png"}"#).unwrap();
        assert_eq!(
            r,
            Request::RemoveBg {
                image: "https://x/y.png".into()
            }
        );
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
    fn local_image_is_a_path_only() {
        let edit = |image: &str| Request::Edit {
            prompt: "p".into(),
            image: image.into(),
            model: DEFAULT_EDIT_MODEL.into(),
            resolution: None,
            quality: None,
        };
        assert_eq!(edit("in/a.png").local_image(), Some("in/a.png"));
        assert_eq!(edit("https://x/a.png").local_image(), None);
        assert_eq!(edit("data:image/png;base64,AA").local_image(), None);
        let tts = Request::Tts {
            text: "t".into(),
            model: None,
            voice_id: None,
        };
        assert_eq!(tts.local_image(), None);
    }

    #[test]
    fn relative_images_resolve_against_the_batch_dir() {
        let r = Request::Upscale {
            image: "in/a.png".into(),
            scale: None,
        }
        .with_image_base(std::path::Path::new("/data"));
        assert_eq!(
            r,
            Request::Upscale {
                image: "/data/in/a.png".into(),
                scale: None
            }
        );
        let r = Request::RemoveBg {
            image: "https://x/a.png".into(),
        }
        .with_image_base(std::path::Path::new("/data"));
        assert_eq!(
            r,
            Request::RemoveBg {
                image: "https://x/a.png".into()
            }
        );
    }
}
