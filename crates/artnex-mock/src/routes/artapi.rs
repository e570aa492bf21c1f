//! The OpenAI-compatible images API: `POST /v1/images/generations`.

use std::sync::Arc;

use artnex_facts::{ErrorCode, ImageQuality, ImageStyle, OperationId, ResponseFormat};
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{ApiError, Call, Success};
use crate::choices::RELAXED_ARTAPI_PROMPT_CHARS;
use crate::config::Surface;
use crate::facts::{DEFAULT_ARTAPI_N, endpoint, int_range};
use crate::ids;
use crate::media::{self, ImageRecipe, MediaKind, Recipe, Style, render_png};
use crate::readings::Limits;
use crate::state::App;
use crate::state::lock;
use crate::validation::Fields;

/// A prompt containing this marker is refused with `content_policy_violation` (the simulator's trigger
/// for that documented error).
pub const POLICY_TRIGGER: &str = "[policy-violation]";

pub(crate) async fn create_image(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let mut call = Call::new(app, &parts);
    let result = async {
        call.authenticate(&parts.headers, Surface::ArtApi)?;
        call.apply_faults().await?;
        if OperationId::CreateImage.info().billable {
            call.count_quota()?;
        }
        let map = call.read_json(&parts.headers, body).await?;
        generate(&call, &map).await
    }
    .await;
    call.finish(Surface::ArtApi, result).await
}

fn invalid(param: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::listed(ErrorCode::InvalidRequest, message).with_param(param)
}

/// A request enum's value (exact wire form), its spec default when omitted, or `invalid_request`.
fn one_of<T: Copy>(
    value: Option<&str>,
    default: Option<T>,
    param: &'static str,
    values: &[&str],
    from_wire: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match value {
        None => Ok(default),
        Some(v) => from_wire(v).map(Some).ok_or_else(|| {
            invalid(
                param,
                format!(
                    "{v:?} is not a valid {param}: use one of {}.",
                    values.join(", ")
                ),
            )
        }),
    }
}

fn parse_size(text: &str) -> Option<(u32, u32)> {
    let (w, h) = text.split_once('x')?;
    let ok = |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit());
    if !ok(w) || !ok(h) {
        return None;
    }
    Some((w.parse().ok()?, h.parse().ok()?))
}

async fn generate(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let model = f.str("model")?;
    let prompt = f.str("prompt")?;
    let n = f.int("n")?;
    let size = f.str("size")?;
    let quality = f.str("quality")?;
    let response_format = f.str("response_format")?;
    let style = f.str("style")?;

    let model = model
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| invalid("model", "You must provide a model parameter."))?;
    let prompt = prompt
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| invalid("prompt", "You must provide a prompt."))?;
    let chars = prompt.chars().count();
    let max = match call.readings.limits {
        Limits::Relaxed => RELAXED_ARTAPI_PROMPT_CHARS,
        _ => artnex_facts::CREATE_IMAGE_PROMPT_MAX_CHARS.value,
    };
    if chars > max {
        return Err(ApiError::listed(
            ErrorCode::PromptTooLong,
            format!("The prompt is {chars} characters long; the maximum is {max}."),
        )
        .with_param("prompt"));
    }
    let models = &call.app.settings.artapi_models;
    let spec = models.iter().find(|m| m.id == model).ok_or_else(|| {
        let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
        ApiError::listed(
            ErrorCode::ModelNotFound,
            format!(
                "The model {model:?} does not exist. Available: {}.",
                ids.join(", ")
            ),
        )
        .with_param("model")
    })?;
    let counts = int_range(
        artnex_facts::CREATE_IMAGE_N_MIN,
        artnex_facts::CREATE_IMAGE_N_MAX,
    );
    let n = match n {
        None => DEFAULT_ARTAPI_N,
        Some(n) if counts.contains(&n) => n as u64,
        Some(n) => {
            return Err(invalid(
                "n",
                format!(
                    "n must be between {} and {}, got {n}.",
                    counts.start(),
                    counts.end()
                ),
            ));
        }
    };
    let (width, height) = match size {
        None => spec.sizes.first().copied().unwrap_or((1024, 1024)),
        Some(s) => parse_size(s)
            .filter(|d| spec.sizes.contains(d))
            .ok_or_else(|| {
                let sizes: Vec<String> =
                    spec.sizes.iter().map(|(w, h)| format!("{w}x{h}")).collect();
                ApiError::listed(
                    ErrorCode::InvalidSize,
                    format!(
                        "Size {s} is not supported by this model. Supported: {}.",
                        sizes.join(", ")
                    ),
                )
                .with_param("size")
            })?,
    };
    let quality = one_of(
        quality,
        ImageQuality::SERVER_DEFAULT,
        ImageQuality::FIELD,
        ImageQuality::VALUES,
        ImageQuality::from_wire,
    )?;
    let response_format = one_of(
        response_format,
        ResponseFormat::SERVER_DEFAULT,
        ResponseFormat::FIELD,
        ResponseFormat::VALUES,
        ResponseFormat::from_wire,
    )?;
    let style = one_of(
        style,
        ImageStyle::SERVER_DEFAULT,
        ImageStyle::FIELD,
        ImageStyle::VALUES,
        ImageStyle::from_wire,
    )?;
    if prompt.contains(POLICY_TRIGGER) {
        return Err(ApiError::listed(
            ErrorCode::ContentPolicyViolation,
            "Your request was rejected as a result of our safety system.",
        )
        .with_param("prompt"));
    }

    let credits = spec
        .price(quality == Some(ImageQuality::Hd))
        .saturating_mul(n);
    call.charge(
        credits,
        &endpoint(OperationId::CreateImage),
        ErrorCode::InsufficientQuota,
    )?;

    let recipes: Vec<ImageRecipe> = (0..n)
        .map(|i| ImageRecipe {
            width,
            height,
            seed: ids::mix(&call.request_id, i),
            style: Style::Generated,
        })
        .collect();
    let revised = format!(
        "{}, {}",
        prompt.trim(),
        if style == Some(ImageStyle::Natural) {
            "natural colours, soft realistic lighting"
        } else {
            "vivid colours, dramatic lighting"
        }
    );
    let mut data = Vec::with_capacity(recipes.len());
    if response_format == Some(ResponseFormat::B64Json) {
        for recipe in recipes {
            let png = render_png(recipe)
                .await
                .map_err(|e| ApiError::internal(format!("rendering failed: {e}")))?;
            data.push(json!({
                "b64_json": base64::engine::general_purpose::STANDARD.encode(png),
                "revised_prompt": revised,
            }));
        }
    } else {
        let now = call.app.clock.now();
        lock(&call.app.media).insert(
            &call.request_id,
            MediaKind::ArtApi,
            Recipe::Images(recipes),
            now,
        );
        for i in 0..n {
            data.push(json!({
                "url": media::url(&call.base_url, MediaKind::ArtApi, &call.request_id, &format!("image_{i}.png")),
                "revised_prompt": revised,
            }));
        }
    }
    Ok(Success::ok(
        json!({
            "created": call.app.clock.unix_seconds(),
            "data": data,
        }),
        credits,
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024x1024"), Some((1024, 1024)));
        assert_eq!(parse_size("1792x1024"), Some((1792, 1024)));
        assert_eq!(parse_size("1024"), None);
        assert_eq!(parse_size("x1"), None);
        assert_eq!(parse_size("123456x1"), None);
        assert_eq!(parse_size("-1x5"), None);
    }
}
