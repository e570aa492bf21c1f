//! Checks made before anything is sent. Each maps to the code the server would answer with; checks the
//! server does not make (it would silently ignore or replace the value, and still charge) carry no code.

use crate::catalogue::{AspectRatio, Kind, Model, ModelInfo, Quality, Resolution, VideoMode};
use crate::error::{ErrorCode, ValidationError};
use crate::pricing::kind_name;

/// Longest prompt (generate, edit, video), in characters (Unicode scalar values).
pub const MAX_PROMPT_CHARS: usize = 4000;
/// Longest TTS text, in characters (Unicode scalar values).
pub const MAX_TEXT_CHARS: usize = 5000;
/// Most images per generate call.
pub const MAX_NUM_IMAGES: u8 = 4;
/// Accepted width and height range, in pixels.
pub const DIMENSION_RANGE: std::ops::RangeInclusive<u32> = 64..=8192;
/// Accepted upscale factors.
pub const SCALE_RANGE: std::ops::RangeInclusive<f64> = 1.0..=8.0;
/// Accepted video durations for models the catalogue does not know, in seconds.
pub const DURATION_RANGE: std::ops::RangeInclusive<u32> = 1..=60;

pub(crate) fn text(
    field: &'static str,
    value: &str,
    max: usize,
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
    // Count at most max + 1 characters: cheap even for a huge string.
    let count = value.chars().take(max + 1).count();
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

pub(crate) fn prompt(value: &str) -> Result<(), ValidationError> {
    text(
        "prompt",
        value,
        MAX_PROMPT_CHARS,
        ErrorCode::MissingPrompt,
        ErrorCode::PromptTooLong,
    )
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

pub(crate) fn num_images(n: u8) -> Result<(), ValidationError> {
    if !(1..=MAX_NUM_IMAGES).contains(&n) {
        return Err(ValidationError::new(
            "num_images",
            ErrorCode::InvalidNumImages,
            format!("num_images is {n}; it must be 1 to {MAX_NUM_IMAGES}"),
        ));
    }
    Ok(())
}

pub(crate) fn dimension(field: &'static str, value: Option<u32>) -> Result<(), ValidationError> {
    match value {
        Some(v) if !DIMENSION_RANGE.contains(&v) => Err(ValidationError::new(
            field,
            ErrorCode::InvalidDimensions,
            format!(
                "{field} is {v}; it must be {} to {} pixels",
                DIMENSION_RANGE.start(),
                DIMENSION_RANGE.end()
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn scale(value: f64) -> Result<(), ValidationError> {
    if !value.is_finite() || !SCALE_RANGE.contains(&value) {
        return Err(ValidationError::new(
            "scale",
            ErrorCode::InvalidScale,
            format!(
                "scale is {value}; it must be {} to {}",
                SCALE_RANGE.start(),
                SCALE_RANGE.end()
            ),
        ));
    }
    Ok(())
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
            _ => {
                if !DURATION_RANGE.contains(&d) {
                    return Err(ValidationError::new(
                        "duration",
                        ErrorCode::InvalidDuration,
                        format!(
                            "duration is {d} s; it must be {} to {} s",
                            DURATION_RANGE.start(),
                            DURATION_RANGE.end()
                        ),
                    ));
                }
            }
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
        let emoji = "🦊".repeat(MAX_PROMPT_CHARS);
        assert!(
            prompt(&emoji).is_ok(),
            "4000 four-byte characters are 4000 characters"
        );
        let over = "é".repeat(MAX_PROMPT_CHARS + 1);
        assert_eq!(
            prompt(&over).expect_err("too long").code,
            Some(ErrorCode::PromptTooLong)
        );
        assert_eq!(
            prompt("  \n").expect_err("blank").code,
            Some(ErrorCode::MissingPrompt)
        );
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
        assert!(video(None, &p(None, false, Some(61), None)).is_err());
    }
}
