//! One operation request, whether it comes from command-line flags or from a line of a batch file: the
//! SDK's request value ([`artnex::any::AnyRequest`]), with the CLI's defaults.

use std::path::Path;

use serde_json::Value;

use artnex::catalogue::{Kind, VideoMode};

use crate::config::Models;
use artnex::{Model, OperationId};

pub use artnex::any::AnyRequest as Request;

/// The `op` of every operation, as batch lines and messages name them (the SDK's serde tags).
pub const OPS: [&str; 6] = Request::TAGS;

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
    /// The default model filled in when the request names none: the config file's `models`, else the
    /// CLI's own.
    fn with_defaults(self, models: &Models) -> Self;
    /// The catalogue kind of the request's model, for operations that take one.
    fn model_kind(&self) -> Option<Kind>;
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

    fn with_defaults(mut self, models: &Models) -> Self {
        let image_to_video = matches!(
            &self,
            Request::Video(v) if v.image.is_some() || v.mode == Some(VideoMode::ImageToVideo)
        );
        let pick = |configured: &Option<String>, builtin: &'static str| {
            Some(configured.clone().unwrap_or_else(|| builtin.to_string()))
        };
        let default = match self.operation() {
            OperationId::GenerateImage => pick(&models.generate, DEFAULT_GENERATE_MODEL),
            OperationId::EditImage => pick(&models.edit, DEFAULT_EDIT_MODEL),
            OperationId::CreateVideo if image_to_video => {
                pick(&models.video_from_image, DEFAULT_I2V_MODEL)
            }
            OperationId::CreateVideo => pick(&models.video, DEFAULT_VIDEO_MODEL),
            OperationId::TextToSpeech => models.tts.clone(),
            _ => None,
        };
        if let (Some(slot), Some(id)) = (self.model_mut(), default) {
            slot.get_or_insert_with(|| Model::from_id(&id));
        }
        self
    }

    fn model_kind(&self) -> Option<Kind> {
        match self.operation() {
            OperationId::GenerateImage => Some(Kind::Image),
            OperationId::EditImage => Some(Kind::Edit),
            OperationId::CreateVideo => Some(Kind::Video),
            OperationId::TextToSpeech => Some(Kind::Speech),
            _ => None,
        }
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

/// What a field must be, in words, and the check that a value is that.
type Expected = (String, Box<dyn Fn(&Value) -> bool>);

/// What a batch-line field must be, in words, and whether a value is that. `None` for fields that are
/// not request fields.
fn expectation(field: &str) -> Option<Expected> {
    use artnex::catalogue::{AspectRatio, Quality, Resolution};
    use artnex::facts::{self, Limit};
    // The bounds the docs state; an assumed one is the server's call, so it is not part of the type.
    let whole = |lo: Option<u64>, hi: Option<u64>, unit: &str| -> Expected {
        let words = match (lo, hi) {
            (Some(lo), Some(hi)) => format!("a whole number{unit} from {lo} to {hi}"),
            (Some(lo), None) => format!("a whole number{unit} of at least {lo}"),
            (None, Some(hi)) => format!("a whole number{unit} of at most {hi}"),
            (None, None) => format!("a whole number{unit}"),
        };
        let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(u64::MAX));
        (
            words,
            Box::new(move |v: &Value| v.as_u64().is_some_and(|n| (lo..=hi).contains(&n))),
        )
    };
    let bound32 = |l: Limit<u32>| l.enforced().map(u64::from);
    let bound8 = |l: Limit<u8>| l.enforced().map(u64::from);
    let one_of = |values: Vec<&'static str>| -> Expected {
        (
            format!("one of {}", values.join(", ")),
            Box::new(move |v: &Value| v.as_str().is_some_and(|s| values.contains(&s))),
        )
    };
    let string =
        |what: &str| -> Expected { (what.to_string(), Box::new(|v: &Value| v.is_string())) };
    Some(match field {
        "op" => one_of(OPS.to_vec()),
        "prompt" | "text" => string("a string"),
        "model" => string("a model id (a string; see `artnex models`)"),
        "voice_id" => string("a voice id (a string)"),
        "image" => string("a file path or an https URL (a string)"),
        "width" | "height" => whole(
            bound32(facts::GENERATE_IMAGE_WIDTH_MIN),
            bound32(facts::GENERATE_IMAGE_WIDTH_MAX),
            " of pixels",
        ),
        "num_images" => whole(
            bound8(facts::GENERATE_IMAGE_NUM_IMAGES_MIN),
            bound8(facts::GENERATE_IMAGE_NUM_IMAGES_MAX),
            "",
        ),
        "duration" => whole(
            bound32(facts::CREATE_VIDEO_DURATION_MIN),
            bound32(facts::CREATE_VIDEO_DURATION_MAX),
            " of seconds",
        ),
        "scale" => (
            "a positive number".to_string(),
            Box::new(|v: &Value| v.as_f64().is_some_and(|n| n.is_finite() && n > 0.0)),
        ),
        "resolution" => one_of(Resolution::VALUES.to_vec()),
        "quality" => one_of(Quality::VALUES.to_vec()),
        "aspect_ratio" => one_of(AspectRatio::VALUES.to_vec()),
        "mode" => one_of(VideoMode::ALL.iter().map(|m| m.as_str()).collect()),
        _ => return None,
    })
}

/// Every request field a batch line can have.
fn request_fields() -> impl Iterator<Item = &'static str> {
    // The request fields of the operations a batch line can name, from the spec (`op` is the tag).
    let mut names = vec!["op"];
    for info in artnex::facts::OPERATIONS {
        if info.api == artnex::facts::Api::Artnex && info.billable {
            names.extend(info.request_fields.iter().map(|f| f.name));
        }
    }
    names.sort_unstable();
    names.dedup();
    names.into_iter()
}

/// Why a batch line is not a request, in words that name the field and what it must be (`` `num_images`
/// must be a whole number from 1 to 4, not "2" ``), from the parsed line and the parser's error.
pub fn line_error(value: &Value, error: &serde_json::Error) -> String {
    let Some(object) = value.as_object() else {
        return "a line must be a JSON object such as {\"op\": \"generate\", \"prompt\": \"a fox\"}".into();
    };
    if !object.contains_key("op") {
        return format!("`op` is missing: it must be one of {}", OPS.join(", "));
    }
    // `op` first, then the other fields in the line's order.
    let fields =
        std::iter::once("op").chain(object.keys().map(String::as_str).filter(|k| *k != "op"));
    for field in fields {
        let Some(v) = object.get(field) else { continue };
        if v.is_null() && field != "op" {
            continue;
        }
        if let Some((what, ok)) = expectation(field)
            && !ok(v)
        {
            let mut text = format!("`{field}` must be {what}, not {v}");
            if let Some(s) = v.as_str()
                && let Some(close) = crate::exec::did_you_mean(s, OPS)
                && field == "op"
            {
                text.push_str(&format!(" (did you mean `{close}`?)"));
            }
            return text;
        }
    }
    let text = error.to_string();
    // Positions are in the line we parsed, not the file: the caller names the line.
    let text = match text.find(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    if let Some(rest) = text.strip_prefix("unknown field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        let hint = crate::exec::did_you_mean(field, request_fields())
            .map(|f| format!("; did you mean `{f}`?"))
            .unwrap_or_default();
        let op = object
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("this op");
        return format!(
            "unknown field `{field}` for {op}{hint} (unknown fields are refused: a typo would silently change a paid request)"
        );
    }
    if let Some(rest) = text.strip_prefix("missing field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        return format!("`{field}` is missing");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Request {
        serde_json::from_str::<Request>(line)
            .unwrap()
            .with_defaults(&Models::default())
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
    fn configured_default_models_come_first() {
        let models = Models {
            generate: Some("flux-2-pro".into()),
            tts: Some("kling-tts".into()),
            ..Models::default()
        };
        let r = serde_json::from_str::<Request>(r#"{"op":"generate","prompt":"x"}"#)
            .unwrap()
            .with_defaults(&models);
        assert_eq!(r.model_id().as_deref(), Some("flux-2-pro"));
        let r = serde_json::from_str::<Request>(r#"{"op":"tts","text":"x"}"#)
            .unwrap()
            .with_defaults(&models);
        assert_eq!(r.model_id().as_deref(), Some("kling-tts"));
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

    fn why(line: &str) -> String {
        let value: Value = serde_json::from_str(line).unwrap();
        let error = serde_json::from_value::<Request>(value.clone()).unwrap_err();
        line_error(&value, &error)
    }

    #[test]
    fn line_errors_name_the_field_and_the_type_in_words() {
        assert_eq!(
            why(r#"{"op":"generate","prompt":"x","num_images":"2"}"#),
            r#"`num_images` must be a whole number from 1 to 4, not "2""#
        );
        assert_eq!(
            why(r#"{"op":"generate","prompt":"x","num_images":300}"#),
            "`num_images` must be a whole number from 1 to 4, not 300"
        );
        assert!(
            why(r#"{"op":"video","prompt":"x","duration":"8s"}"#)
                .starts_with("`duration` must be a whole number of seconds")
        );
        assert!(
            why(r#"{"op":"generate","prompt":"x","quality":"ultra"}"#)
                .contains("one of low, medium, high")
        );
        assert!(why(r#"{"op":"genrate","prompt":"x"}"#).contains("did you mean `generate`?"));
        assert!(why(r#"{"prompt":"x"}"#).starts_with("`op` is missing"));
        assert_eq!(
            why(r#"{"op":"generate","prompt":"x","num_imgs":2}"#),
            "unknown field `num_imgs` for generate; did you mean `num_images`? (unknown fields are refused: a typo would silently change a paid request)"
        );
        assert!(
            why(r#"{"op":"tts","text":"x","voice":"rachel"}"#).contains("did you mean `voice_id`?")
        );
        assert_eq!(why(r#"{"op":"edit","prompt":"x"}"#), "`image` is missing");
        assert!(why("[1]").contains("JSON object"));
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
