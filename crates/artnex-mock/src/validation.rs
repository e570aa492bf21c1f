//! Reading request fields with the documented checks.
//!
//! Type errors (a string where a number belongs, a float for an integer) are `422 invalid_request`; values
//! of the right type that break a documented rule are `400` with the documented code.

use artnex_facts::{Credits, ErrorCode, Kind, Limit, ModelInfo, Quality, Resolution};
use serde_json::{Map, Value};

use crate::config::TierPrices;
use crate::facts::MAX_IMAGE_BYTES;
use crate::media::input::InputError;
use crate::routes::ApiError;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Typed access to the fields of a JSON object body. Unknown fields are ignored; `null` counts as absent.
pub(crate) struct Fields<'a>(pub &'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn wrong(name: &'static str, expected: &str, got: &Value) -> ApiError {
        ApiError::unprocessable(format!(
            "`{name}` must be {expected}, got {}.",
            type_name(got)
        ))
        .with_param(name)
    }

    /// A string field.
    pub fn str(&self, name: &'static str) -> Result<Option<&'a str>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(Self::wrong(name, "a string", other)),
        }
    }

    /// An integer field (a JSON number with no fractional part in its text).
    pub fn int(&self, name: &'static str) -> Result<Option<i128>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    Ok(Some(i128::from(i)))
                } else if let Some(u) = n.as_u64() {
                    Ok(Some(i128::from(u)))
                } else {
                    Err(Self::wrong(name, "an integer", &Value::Number(n.clone())))
                }
            }
            Some(other) => Err(Self::wrong(name, "an integer", other)),
        }
    }

    /// A number field.
    pub fn number(&self, name: &'static str) -> Result<Option<f64>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) if f.is_finite() => Ok(Some(f)),
                _ => Err(Self::wrong(name, "a number", &Value::Number(n.clone()))),
            },
            Some(other) => Err(Self::wrong(name, "a number", other)),
        }
    }
}

/// A present, non-blank prompt within the operation's length limits (`min`, `max` characters).
pub(crate) fn check_prompt(
    prompt: Option<&str>,
    min: Limit<usize>,
    max: Limit<usize>,
) -> Result<&str, ApiError> {
    let p = prompt
        .filter(|s| !s.trim().is_empty() && s.chars().count() >= min.value)
        .ok_or_else(|| {
            ApiError::listed(ErrorCode::MissingPrompt, "The prompt field is required.")
        })?;
    let n = p.chars().count();
    if n > max.value {
        return Err(ApiError::listed(
            ErrorCode::PromptTooLong,
            format!(
                "The prompt is {n} characters long; the limit is {}.",
                max.value
            ),
        ));
    }
    Ok(p)
}

fn ids(kind: Kind) -> String {
    artnex_facts::models(kind)
        .map(|m| m.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The catalogue entry for a model id that belongs to `kind`'s endpoint; `invalid_model` otherwise.
pub(crate) fn model_of_kind(
    model: Option<&str>,
    kind: Kind,
) -> Result<&'static ModelInfo, ApiError> {
    let Some(id) = model else {
        return Err(ApiError::listed(
            ErrorCode::InvalidModel,
            format!("The model field is required. Use one of: {}.", ids(kind)),
        ));
    };
    match artnex_facts::lookup(id) {
        Some(info) if info.kind == kind => Ok(info),
        Some(info) => Err(ApiError::listed(
            ErrorCode::InvalidModel,
            format!(
                "{id} is {} model and cannot be used on {}. Use one of: {}.",
                article(info.kind),
                kind.endpoint(),
                ids(kind)
            ),
        )),
        None => Err(ApiError::listed(
            ErrorCode::InvalidModel,
            format!(
                "{id:?} is not a supported model ID. Use one of: {}.",
                ids(kind)
            ),
        )),
    }
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Image => "an image",
        Kind::Edit => "an edit",
        Kind::Video => "a video",
        Kind::Speech => "a speech",
        _ => "another kind of",
    }
}

/// A request enum's value (exact wire form), or `invalid_resolution` naming the valid ones.
fn tier<T: Copy>(
    value: Option<&str>,
    field: &str,
    values: &[&str],
    from_wire: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match value {
        None => Ok(None),
        Some(v) => from_wire(v).map(Some).ok_or_else(|| {
            ApiError::listed(
                ErrorCode::InvalidResolution,
                format!(
                    "{field} {v:?} is not supported: use one of {}.",
                    values.join(", ")
                ),
            )
        }),
    }
}

/// Checks `resolution` and `quality` against their enums.
pub(crate) fn check_tiers(
    resolution: Option<&str>,
    quality: Option<&str>,
) -> Result<(Option<Resolution>, Option<Quality>), ApiError> {
    let resolution = tier(
        resolution,
        Resolution::FIELD,
        Resolution::VALUES,
        Resolution::from_wire,
    )?;
    let quality = tier(quality, Quality::FIELD, Quality::VALUES, Quality::from_wire)?;
    Ok((resolution, quality))
}

/// The per-unit price of a model: its fixed price, or the simulator's tier table for gpt-image-2 models.
pub(crate) fn unit_price(
    info: &ModelInfo,
    resolution: Option<Resolution>,
    quality: Option<Quality>,
    table: &TierPrices,
) -> u64 {
    match info.credits {
        Credits::Fixed(c) => c,
        _ => table.tier(
            resolution.unwrap_or(TierPrices::DEFAULT_RESOLUTION),
            quality.unwrap_or(TierPrices::DEFAULT_QUALITY),
        ),
    }
}

/// The documented error for a refused input image.
pub(crate) fn image_error(e: InputError) -> ApiError {
    match e {
        InputError::Missing => {
            ApiError::listed(ErrorCode::MissingImage, "The image field is required.")
        }
        InputError::Format(msg) => ApiError::listed(ErrorCode::InvalidImageFormat, msg),
        InputError::TooLarge(n) => ApiError::listed(
            ErrorCode::ImageTooLarge,
            format!(
                "The image is {:.1} MB; the limit is {} MB.",
                n as f64 / (1024.0 * 1024.0),
                MAX_IMAGE_BYTES / (1024 * 1024)
            ),
        ),
    }
}

/// Parses an image field, off the async threads when it is big.
pub(crate) async fn parse_image(value: &str) -> Result<crate::media::input::ImageInput, ApiError> {
    if value.len() <= 64 * 1024 {
        return crate::media::input::parse(value).map_err(image_error);
    }
    let owned = value.to_string();
    tokio::task::spawn_blocking(move || crate::media::input::parse(&owned))
        .await
        .map_err(|_| ApiError::internal("decoding the image failed"))?
        .map_err(image_error)
}
