//! Checks made before anything is sent. Each maps to the code the server would answer with; checks the
//! server does not make (it would silently ignore or replace the value, and still charge) carry no code.
//! Every limit comes from the specs (`artnex_facts`), and only limits the docs state are enforced: an
//! assumed one (width and height 64–8192, scale 1–8, duration 1–60 s for models the catalogue does not
//! know) is the server's call.

use artnex_facts::{self as facts, Limit};

use crate::catalogue::{AspectRatio, Kind, Model, ModelInfo, Quality, Resolution, VideoMode};
use crate::error::{ErrorCode, ValidationError};
use crate::pricing::kind_name;

/// Checks a text field: not blank (the `missing` code), and not longer than `max` in characters (Unicode
/// scalar values, like the spec's `maxLength`) when that limit is documented (`too_long`).
pub(crate) fn text(
    field: &'static str,
    value: &str,
    max: Option<usize>,
    missing: ErrorCode,
    too_long: ErrorCode,
) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::new(
            field,
            missing,
            format!("the {field} is empty"),
        ));
    }
    let Some(max) = max else { return Ok(()) };
    // A string has no more characters than bytes: most texts need no counting at all.
    if value.len() <= max {
        return Ok(());
    }
    // Count at most max + 1 characters: cheap even for a huge string.
    let count = value.chars().take(max.saturating_add(1)).count();
    if count > max {
        let total = value.chars().count();
        return Err(ValidationError::new(
            field,
            too_long,
            format!("the {field} is {total} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

/// A prompt, against the operation's documented length limit.
pub(crate) fn prompt(value: &str, max: Limit<usize>) -> Result<(), ValidationError> {
    text(
        "prompt",
        value,
        max.enforced(),
        ErrorCode::MissingPrompt,
        ErrorCode::PromptTooLong,
    )
}

/// A number within the spec's bounds, each checked only when the docs state it (an assumed bound is the
/// server's call: the real API may accept more).
pub(crate) fn range<T: PartialOrd + Copy + std::fmt::Display>(
    field: &'static str,
    value: T,
    min: Limit<T>,
    max: Limit<T>,
    code: impl Into<Option<ErrorCode>>,
) -> Result<(), ValidationError> {
    let (lo, hi) = (min.enforced(), max.enforced());
    let below = lo.is_some_and(|lo| value < lo);
    let above = hi.is_some_and(|hi| value > hi);
    if !(below || above) {
        return Ok(());
    }
    let bounds = match (lo, hi) {
        (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
        (Some(lo), None) => format!("at least {lo}"),
        (None, Some(hi)) => format!("at most {hi}"),
        (None, None) => String::new(),
    };
    Err(ValidationError::new(
        field,
        code,
        format!("{field} is {value}; it must be {bounds}"),
    ))
}

/// The model is set, and (when the catalogue knows it) belongs to this endpoint.
pub(crate) fn model(
    model: Option<&Model>,
    kind: Kind,
) -> Result<(&Model, Option<&'static ModelInfo>), ValidationError> {
    let choices = || {
        crate::catalogue::models(kind)
            .map(|m| m.id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let model = model.ok_or_else(|| {
        ValidationError::new(
            "model",
            ErrorCode::InvalidModel,
            format!("choose a model: one of {}", choices()),
        )
    })?;
    if model.id().trim().is_empty() {
        return Err(ValidationError::new(
            "model",
            ErrorCode::InvalidModel,
            "the model id is empty",
        ));
    }
    let info = model.info();
    if let Some(info) = info
        && info.kind != kind
    {
        return Err(ValidationError::new(
            "model",
            ErrorCode::InvalidModel,
            format!(
                "{} is a {} model; {} takes one of {}",
                info.id,
                kind_name(info.kind),
                kind_name(kind),
                choices()
            ),
        ));
    }
    Ok((model, info))
}

/// Resolution and quality are accepted only by models priced by them (and by unknown models).
pub(crate) fn tiers(
    info: Option<&'static ModelInfo>,
    resolution: Option<Resolution>,
    quality: Option<Quality>,
) -> Result<(), ValidationError> {
    let Some(info) = info else { return Ok(()) };
    match info.tiers {
        None => {
            if resolution.is_some() || quality.is_some() {
                let field = if resolution.is_some() {
                    "resolution"
                } else {
                    "quality"
                };
                return Err(ValidationError::new(
                    field,
                    ErrorCode::InvalidResolution,
                    format!(
                        "{} does not take resolution or quality (only the gpt-image-2 models do)",
                        info.id
                    ),
                ));
            }
        }
        Some(t) => {
            if let Some(r) = resolution
                && !t.resolutions.contains(&r.as_str())
            {
                return Err(ValidationError::new(
                    "resolution",
                    ErrorCode::InvalidResolution,
                    format!("{} takes resolution {}", info.id, t.resolutions.join(", ")),
                ));
            }
            if let Some(q) = quality
                && !t.qualities.contains(&q.as_str())
            {
                return Err(ValidationError::new(
                    "quality",
                    ErrorCode::InvalidResolution,
                    format!("{} takes quality {}", info.id, t.qualities.join(", ")),
                ));
            }
        }
    }
    Ok(())
}

/// An upscale factor: a finite positive number (what any scale must be), within the spec's documented
/// bounds.
pub(crate) fn scale(value: f64) -> Result<(), ValidationError> {
    if !value.is_finite() || value <= 0.0 {
        return Err(ValidationError::new(
            "scale",
            ErrorCode::InvalidScale,
            format!("scale is {value}; it must be a positive number"),
        ));
    }
    range(
        "scale",
        value,
        facts::UPSCALE_IMAGE_SCALE_MIN,
        facts::UPSCALE_IMAGE_SCALE_MAX,
        ErrorCode::InvalidScale,
    )
}

pub(crate) fn voice(voice: Option<&str>) -> Result<(), ValidationError> {
    match voice {
        Some(v) if v.trim().is_empty() || v.chars().any(char::is_control) => {
            Err(ValidationError::new(
                "voice_id",
                ErrorCode::InvalidVoice,
                "the voice id is empty or contains control characters",
            ))
        }
        _ => Ok(()),
    }
}

/// The video request's parameters that the catalogue constrains.
pub(crate) struct VideoParams {
    pub mode: Option<VideoMode>,
    pub has_image: bool,
    pub duration: Option<u32>,
    pub aspect_ratio: Option<AspectRatio>,
}

/// Checks mode, image, duration and aspect ratio, and returns the mode to send (the explicit one, else the
/// model's, else image-to-video when an image is given).
pub(crate) fn video(
    info: Option<&'static ModelInfo>,
    p: &VideoParams,
) -> Result<Option<VideoMode>, ValidationError> {
    let spec = info.and_then(|i| i.video);
    let mode = p.mode.or(spec.map(|s| s.mode)).or(if p.has_image {
        Some(VideoMode::ImageToVideo)
    } else {
        None
    });
    if let (Some(spec), Some(explicit), Some(info)) = (spec, p.mode, info)
        && spec.mode != explicit
    {
        let sibling = crate::catalogue::models(Kind::Video)
            .filter(|m| m.video.map(|v| v.mode) == Some(explicit))
            .map(|m| m.id)
            .collect::<Vec<_>>()
            .join(", ");
        // The server refuses a model/mode mismatch as a wrong model for the request (invalid_model).
        return Err(ValidationError::new(
            "mode",
            ErrorCode::InvalidModel,
            format!(
                "{} is a {} model; for {} use one of {}",
                info.id, spec.mode, explicit, sibling
            ),
        ));
    }
    match mode {
        Some(VideoMode::ImageToVideo) if !p.has_image => {
            return Err(ValidationError::new(
                "image",
                ErrorCode::MissingImage,
                "image-to-video needs a start image: call .image(..)",
            ));
        }
        Some(VideoMode::TextToVideo) | None if p.has_image => {
            // Stricter than the server, which ignores the image: no code, as for aspect ratios.
            return Err(ValidationError::new(
                "image",
                None,
                "a start image was given to a text-to-video request (it would be ignored): use an image-to-video model or .mode(VideoMode::ImageToVideo)",
            ));
        }
        _ => {}
    }
    if let Some(d) = p.duration {
        match (spec, info) {
            (Some(spec), Some(info)) => {
                if !spec.durations.contains(d) {
                    return Err(ValidationError::new(
                        "duration",
                        ErrorCode::InvalidDuration,
                        format!(
                            "{} makes clips of {}; {d} s is not one of them",
                            info.id, spec.durations
                        ),
                    ));
                }
            }
            _ => range(
                "duration",
                d,
                facts::CREATE_VIDEO_DURATION_MIN,
                facts::CREATE_VIDEO_DURATION_MAX,
                ErrorCode::InvalidDuration,
            )?,
        }
    }
    if let (Some(ratio), Some(spec), Some(info)) = (p.aspect_ratio, spec, info) {
        if spec.aspect_ratios.is_empty() {
            return Err(ValidationError::new(
                "aspect_ratio",
                None,
                format!(
                    "{} takes its aspect ratio from the start image; do not set one",
                    info.id
                ),
            ));
        }
        if !spec.aspect_ratios.contains(&ratio.as_str()) {
            return Err(ValidationError::new(
                "aspect_ratio",
                None,
                format!(
                    "{} supports {}; the server would silently use its default instead of {}, and you would pay for a clip you did not ask for",
                    info.id,
                    spec.aspect_ratios.join(", "),
                    ratio
                ),
            ));
        }
    }
    Ok(mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        let limit = facts::GENERATE_IMAGE_PROMPT_MAX_CHARS;
        let emoji = "🦊".repeat(limit.value);
        assert!(
            prompt(&emoji, limit).is_ok(),
            "4000 four-byte characters are 4000 characters"
        );
        let over = "é".repeat(limit.value + 1);
        assert_eq!(
            prompt(&over, limit).expect_err("too long").code,
            Some(ErrorCode::PromptTooLong)
        );
        assert_eq!(
            prompt("  \n", limit).expect_err("blank").code,
            Some(ErrorCode::MissingPrompt)
        );
    }

    #[test]
    fn only_documented_bounds_are_enforced() {
        let (min, max) = (
            facts::GENERATE_IMAGE_NUM_IMAGES_MIN,
            facts::GENERATE_IMAGE_NUM_IMAGES_MAX,
        );
        assert!(min.documented && max.documented);
        assert!(range("num_images", 5u8, min, max, ErrorCode::InvalidNumImages).is_err());
        assert!(range("num_images", 4u8, min, max, ErrorCode::InvalidNumImages).is_ok());
        // Width 64-8192 is an assumption: a 10,000-pixel request is the server's call.
        let (min, max) = (
            facts::GENERATE_IMAGE_WIDTH_MIN,
            facts::GENERATE_IMAGE_WIDTH_MAX,
        );
        assert!(!max.documented);
        assert!(range("width", 10_000u32, min, max, ErrorCode::InvalidDimensions).is_ok());
        assert!(range("width", 32u32, min, max, ErrorCode::InvalidDimensions).is_ok());
        assert!(scale(16.0).is_ok(), "scale 1-8 is assumed");
        assert!(scale(0.0).is_err() && scale(f64::NAN).is_err() && scale(-2.0).is_err());
    }

    #[test]
    fn kind_and_tiers() {
        assert!(model(Some(&Model::Flux2Pro), Kind::Image).is_ok());
        let e = model(Some(&Model::Veo31), Kind::Image).expect_err("video model");
        assert!(
            e.message.contains("veo3.1 is a video model"),
            "{}",
            e.message
        );
        assert!(model(None, Kind::Edit).is_err());
        assert!(model(Some(&Model::Other("future".into())), Kind::Image).is_ok());
        let flux = Model::Flux2Pro.info();
        assert!(tiers(flux, Some(Resolution::TwoK), None).is_err());
        assert!(
            tiers(
                Model::GptImage2.info(),
                Some(Resolution::TwoK),
                Some(Quality::Low)
            )
            .is_ok()
        );
        assert!(tiers(None, Some(Resolution::TwoK), None).is_ok());
    }

    #[test]
    fn video_rules() {
        let veo = Model::Veo31.info();
        let p = |mode, has_image, duration, aspect_ratio| VideoParams {
            mode,
            has_image,
            duration,
            aspect_ratio,
        };
        assert_eq!(
            video(veo, &p(None, false, Some(8), None)),
            Ok(Some(VideoMode::TextToVideo))
        );
        assert_eq!(
            video(veo, &p(None, false, Some(5), None))
                .expect_err("5 s")
                .code,
            Some(ErrorCode::InvalidDuration)
        );
        assert!(video(veo, &p(None, false, None, Some(AspectRatio::Square))).is_err());
        assert_eq!(
            video(veo, &p(None, true, None, None))
                .expect_err("image given to t2v")
                .code,
            None,
            "the server ignores the image, so no server code applies"
        );
        assert_eq!(
            video(veo, &p(Some(VideoMode::ImageToVideo), true, None, None))
                .expect_err("mode mismatch")
                .code,
            Some(ErrorCode::InvalidModel),
            "what the server answers for a model of the other mode"
        );
        let i2v = Model::Veo31I2v.info();
        assert_eq!(
            video(i2v, &p(None, true, Some(6), None)),
            Ok(Some(VideoMode::ImageToVideo))
        );
        assert_eq!(
            video(i2v, &p(None, false, None, None))
                .expect_err("no image")
                .code,
            Some(ErrorCode::MissingImage)
        );
        assert!(video(i2v, &p(None, true, None, Some(AspectRatio::Landscape))).is_err());
        let seedance = Model::SeedanceV15ProT2v.info();
        assert!(
            video(
                seedance,
                &p(None, false, Some(7), Some(AspectRatio::Square))
            )
            .is_ok()
        );
        assert!(video(seedance, &p(None, false, Some(13), None)).is_err());
        assert_eq!(
            video(None, &p(None, true, Some(30), None)),
            Ok(Some(VideoMode::ImageToVideo))
        );
        assert!(
            video(None, &p(None, false, Some(61), None)).is_ok(),
            "1-60 s is assumed for models the catalogue does not know"
        );
    }
}
