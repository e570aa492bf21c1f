//! The Artnex API: generate, edit, video (+ status), tts, upscale, remove-bg.

use std::sync::Arc;

use std::collections::HashMap;

use artnex_facts::{
    AspectRatio, ErrorCode, Kind, OperationId, REMOVE_BACKGROUND_CREDITS, Resolution,
    UPSCALE_CREDITS, VideoMode,
};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{ApiError, Call, Success, credits_value, insufficient, no_route};
use crate::accounts::ceil_secs;
use crate::choices::{
    FIXED_DEFAULT_DURATION, MAX_SIDE, RELAXED_DIMENSIONS, RELAXED_SCALES, STATUS_SEGMENT,
    URL_IMAGE_SIZE, URL_UPSCALE_SIZE,
};
use crate::config::Surface;
use crate::facts::{
    DEFAULT_DIMENSION, DEFAULT_NUM_IMAGES, DEFAULT_SCALE, DEFAULT_TTS_MODEL, GENERATION_FAILED,
    POLL_INTERVAL, endpoint, int_range,
};
use crate::faults::FaultKind;
use crate::ids;
use crate::jobs::{Job, JobState, Outcome, poll_interval, video_job_length};
use crate::media::{self, ImageRecipe, MediaKind, Recipe, Style, mp3};
use crate::readings::{
    AspectRatioRule, DurationDefault, ImagesField, Limits, PollQuota, PollStatus, PollThrottle,
    Readings, ResponseNulls, StatusPath, SubmitStatus, SubmitSuccessField, SuccessStatus,
    VideoCharge,
};
use crate::state::{App, lock};
use crate::validation::{
    Fields, check_prompt, check_tiers, model_of_kind, parse_image, unit_price,
};
use crate::voices;

const INSUFFICIENT: ErrorCode = ErrorCode::InsufficientCredits;

pub(crate) async fn generate(State(app): State<Arc<App>>, req: Request) -> Response {
    with_body(app, req, OperationId::GenerateImage).await
}

pub(crate) async fn edit(State(app): State<Arc<App>>, req: Request) -> Response {
    with_body(app, req, OperationId::EditImage).await
}

pub(crate) async fn video(State(app): State<Arc<App>>, req: Request) -> Response {
    with_body(app, req, OperationId::CreateVideo).await
}

pub(crate) async fn tts(State(app): State<Arc<App>>, req: Request) -> Response {
    with_body(app, req, OperationId::TextToSpeech).await
}

pub(crate) async fn upscale(State(app): State<Arc<App>>, req: Request) -> Response {
    with_body(app, req, OperationId::UpscaleImage).await
}

pub(crate) async fn remove_bg(State(app): State<Arc<App>>, req: Request) -> Response {
    with_body(app, req, OperationId::RemoveBackground).await
}

/// The pipeline of every Artnex call with a JSON body: authenticate, faults, the quota (for a billable
/// operation), body, validate, charge.
async fn with_body(app: Arc<App>, req: Request, op: OperationId) -> Response {
    let (parts, body) = req.into_parts();
    let mut call = Call::new(app, &parts);
    let result = async {
        call.authenticate(&parts.headers, Surface::Artnex)?;
        call.apply_faults().await?;
        if op.info().billable {
            call.count_quota()?;
        }
        let map = call.read_json(&parts.headers, body).await?;
        let mut success = match op {
            OperationId::GenerateImage => generate_impl(&call, &map),
            OperationId::EditImage => edit_impl(&call, &map).await,
            OperationId::CreateVideo => video_impl(&call, &map).await,
            OperationId::TextToSpeech => tts_impl(&call, &map),
            OperationId::UpscaleImage => upscale_impl(&call, &map).await,
            OperationId::RemoveBackground => remove_bg_impl(&call, &map).await,
            other => Err(ApiError::not_found(format!(
                "{other} has no JSON body in the simulator."
            ))),
        }?;
        success.status = match op {
            OperationId::CreateVideo => match call.readings.submit_status {
                SubmitStatus::Accepted202 => StatusCode::ACCEPTED,
                SubmitStatus::Created201 => StatusCode::CREATED,
                _ => StatusCode::OK,
            },
            _ => match call.readings.success_status {
                SuccessStatus::Accepted202 => StatusCode::ACCEPTED,
                SuccessStatus::Created201 => StatusCode::CREATED,
                _ => StatusCode::OK,
            },
        };
        Ok(success)
    }
    .await;
    call.finish(Surface::Artnex, result).await
}

/// The `images` field of a generate or edit answer, as the readings write it.
fn images_value(call: &Call, kind: MediaKind, n: u64) -> Value {
    if call.readings.images_field == ImagesField::Null {
        return Value::Null;
    }
    let images: Vec<Value> = (0..n)
        .map(|i| {
            json!({"url": media::url(&call.base_url, kind, &call.request_id, &format!("image_{i}.png"))})
        })
        .collect();
    Value::Array(images)
}

/// `width` and `height` limits under the readings: the spec's (assumed) ones, or the relaxed reading's.
fn dimensions(
    call: &Call,
) -> (
    std::ops::RangeInclusive<i128>,
    std::ops::RangeInclusive<i128>,
) {
    match call.readings.limits {
        Limits::Relaxed => (RELAXED_DIMENSIONS, RELAXED_DIMENSIONS),
        _ => (
            int_range(
                artnex_facts::GENERATE_IMAGE_WIDTH_MIN,
                artnex_facts::GENERATE_IMAGE_WIDTH_MAX,
            ),
            int_range(
                artnex_facts::GENERATE_IMAGE_HEIGHT_MIN,
                artnex_facts::GENERATE_IMAGE_HEIGHT_MAX,
            ),
        ),
    }
}

fn store(call: &Call, kind: MediaKind, recipe: Recipe) {
    let now = call.app.clock.now();
    lock(&call.app.media).insert(&call.request_id, kind, recipe, now);
}

fn dimension(
    value: Option<i128>,
    default: u32,
    name: &str,
    range: &std::ops::RangeInclusive<i128>,
) -> Result<u32, ApiError> {
    match value {
        None => Ok(default),
        Some(v) if range.contains(&v) => Ok(v as u32),
        Some(v) => Err(ApiError::listed(
            ErrorCode::InvalidDimensions,
            format!(
                "{name} {v} is outside the allowed range {}-{}.",
                range.start(),
                range.end()
            ),
        )),
    }
}

fn generate_impl(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let prompt = f.str("prompt")?;
    let model = f.str("model")?;
    let width = f.int("width")?;
    let height = f.int("height")?;
    let num_images = f.int("num_images")?;
    let resolution = f.str("resolution")?;
    let quality = f.str("quality")?;

    check_prompt(
        prompt,
        artnex_facts::GENERATE_IMAGE_PROMPT_MIN_CHARS,
        artnex_facts::GENERATE_IMAGE_PROMPT_MAX_CHARS,
    )?;
    let info = model_of_kind(model, Kind::Image)?;
    let (resolution, quality) = check_tiers(resolution, quality)?;
    // Tiered models without explicit dimensions render at their resolution tier.
    let side = match (info.tiers.is_some(), resolution) {
        (true, Some(Resolution::TwoK)) => 2048,
        (true, Some(Resolution::FourK)) => 4096,
        _ => DEFAULT_DIMENSION,
    };
    let (widths, heights) = dimensions(call);
    let width = dimension(width, side, "width", &widths)?;
    let height = dimension(height, side, "height", &heights)?;
    let counts = int_range(
        artnex_facts::GENERATE_IMAGE_NUM_IMAGES_MIN,
        artnex_facts::GENERATE_IMAGE_NUM_IMAGES_MAX,
    );
    let n = match num_images {
        None => DEFAULT_NUM_IMAGES,
        Some(n) if counts.contains(&n) => n as u64,
        Some(n) => {
            return Err(ApiError::listed(
                ErrorCode::InvalidNumImages,
                format!(
                    "num_images must be between {} and {}, got {n}.",
                    counts.start(),
                    counts.end()
                ),
            ));
        }
    };
    let unit = unit_price(info, resolution, quality, &call.app.settings.tier_prices);
    let credits = unit.saturating_mul(n);
    call.charge(credits, &endpoint(OperationId::GenerateImage), INSUFFICIENT)?;

    let recipes: Vec<ImageRecipe> = (0..n)
        .map(|i| ImageRecipe {
            width,
            height,
            seed: ids::mix(&call.request_id, i),
            style: Style::Generated,
        })
        .collect();
    store(call, MediaKind::Generate, Recipe::Images(recipes));
    Ok(Success::ok(
        json!({
            "success": true,
            "images": images_value(call, MediaKind::Generate, n),
            "request_id": call.request_id,
            "credits_used": credits_value(credits, &call.readings),
        }),
        credits,
    ))
}

fn required_image(value: Option<&str>) -> Result<&str, ApiError> {
    value
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::listed(ErrorCode::MissingImage, "The image field is required."))
}

async fn edit_impl(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let prompt = f.str("prompt")?;
    let image = f.str("image")?;
    let model = f.str("model")?;
    let resolution = f.str("resolution")?;
    let quality = f.str("quality")?;

    check_prompt(
        prompt,
        artnex_facts::EDIT_IMAGE_PROMPT_MIN_CHARS,
        artnex_facts::EDIT_IMAGE_PROMPT_MAX_CHARS,
    )?;
    let image = required_image(image)?;
    let info = model_of_kind(model, Kind::Edit)?;
    let (resolution, quality) = check_tiers(resolution, quality)?;
    let input = parse_image(image).await?;
    let credits = unit_price(info, resolution, quality, &call.app.settings.tier_prices);
    call.charge(credits, &endpoint(OperationId::EditImage), INSUFFICIENT)?;

    let (width, height) = input.size_or(URL_IMAGE_SIZE);
    let recipe = ImageRecipe {
        width,
        height,
        seed: input.digest() ^ ids::mix(&call.request_id, 1),
        style: Style::Derived {
            thumb: input.thumb().map(Arc::new),
            tint: true,
        },
    };
    store(call, MediaKind::Edit, Recipe::Images(vec![recipe]));
    Ok(Success::ok(
        json!({
            "success": true,
            "images": images_value(call, MediaKind::Edit, 1),
            "request_id": call.request_id,
            "credits_used": credits_value(credits, &call.readings),
        }),
        credits,
    ))
}

/// Output frame size per aspect ratio (the simulator's choice: 720p; landscape without a ratio).
fn frame_size(aspect: Option<AspectRatio>) -> (u32, u32) {
    match aspect {
        Some(AspectRatio::Portrait) => (720, 1280),
        Some(AspectRatio::Square) => (720, 720),
        _ => (1280, 720),
    }
}

/// `"a" or "b"` for a list of wire values.
fn quoted_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

async fn video_impl(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let prompt = f.str("prompt")?;
    let model = f.str("model")?;
    let mode = f.str("mode")?;
    let image = f.str("image")?;
    let aspect_ratio = f.str("aspect_ratio")?;
    let duration = f.int("duration")?;

    let prompt = check_prompt(
        prompt,
        artnex_facts::CREATE_VIDEO_PROMPT_MIN_CHARS,
        artnex_facts::CREATE_VIDEO_PROMPT_MAX_CHARS,
    )?;
    let info = model_of_kind(model, Kind::Video)?;
    let Some(spec) = info.video else {
        return Err(ApiError::listed(
            ErrorCode::InvalidModel,
            format!("{} is not a video model.", info.id),
        ));
    };
    let mode = match mode {
        None => spec.mode,
        Some(m) => VideoMode::from_wire(m).ok_or_else(|| {
            ApiError::listed(
                ErrorCode::InvalidMode,
                format!(
                    "mode {m:?} is not supported: use {}.",
                    quoted_list(VideoMode::VALUES)
                ),
            )
        })?,
    };
    if mode != spec.mode {
        return Err(ApiError::listed(
            ErrorCode::InvalidModel,
            format!(
                "{} is a {} model and cannot be used with mode {:?}.",
                info.id,
                spec.mode.as_str(),
                mode.as_str()
            ),
        ));
    }
    if mode == VideoMode::ImageToVideo {
        let image = image.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            ApiError::listed(
                ErrorCode::MissingImage,
                format!("mode is {mode:?} but no image was provided."),
            )
        })?;
        parse_image(image).await?;
    }
    let rule = call.readings.aspect_ratio;
    // A value outside the spec's AspectRatio enum is refused (the simulator's assumption: the docs only
    // describe the fallback below, for ratios the model does not support), unless the reading falls back
    // for any value.
    let aspect_ratio = match aspect_ratio.map(|a| (a, AspectRatio::from_wire(a))) {
        Some((_, None)) if rule == AspectRatioRule::FallBackAll => None,
        Some((a, None)) => {
            return Err(ApiError::unprocessable(format!(
                "aspect_ratio {a:?} is not a valid aspect ratio: use one of {}.",
                AspectRatio::VALUES.join(", ")
            )));
        }
        Some((_, ratio)) => ratio,
        None => None,
    };
    let listed = |a: AspectRatio| spec.aspect_ratios.contains(&a.as_str());
    if let Some(a) = aspect_ratio
        && rule == AspectRatioRule::Refuse
        && !spec.aspect_ratios.is_empty()
        && !listed(a)
    {
        return Err(ApiError::unprocessable(format!(
            "aspect_ratio {a:?} is not supported by {}: use one of {}.",
            info.id,
            spec.aspect_ratios.join(", ")
        )));
    }
    // A ratio the model does not support falls back to its default (the first it lists).
    let model_default = spec
        .aspect_ratios
        .first()
        .and_then(|a| AspectRatio::from_wire(a));
    let aspect = match (aspect_ratio, model_default) {
        (Some(a), Some(_)) if listed(a) => Some(a),
        (_, Some(default)) => Some(default),
        (Some(a), None) => Some(a),
        (None, None) => AspectRatio::SERVER_DEFAULT,
    };
    let clip_seconds = match duration {
        None => match call.readings.duration_default {
            DurationDefault::Longest => spec.durations.longest(),
            DurationDefault::Fixed5 if spec.durations.contains(FIXED_DEFAULT_DURATION) => {
                FIXED_DEFAULT_DURATION
            }
            DurationDefault::Fixed5 => {
                return Err(ApiError::listed(
                    ErrorCode::InvalidDuration,
                    format!(
                        "the default duration of {FIXED_DEFAULT_DURATION} s is not supported by {}: send duration ({}).",
                        info.id, spec.durations
                    ),
                ));
            }
            _ => spec.durations.shortest(),
        },
        Some(d) => match u32::try_from(d) {
            Ok(d) if spec.durations.contains(d) => d,
            _ => {
                return Err(ApiError::listed(
                    ErrorCode::InvalidDuration,
                    format!(
                        "duration {d} is not supported by {}: use {}.",
                        info.id, spec.durations
                    ),
                ));
            }
        },
    };
    let price = info.credits.fixed().unwrap_or(0);
    let (width, height) = frame_size(aspect);
    let now = call.app.clock.now();
    let length = video_job_length(price, clip_seconds, call.app.settings.speed);
    let job = Job {
        owner: call.key().to_string(),
        request_id: call.request_id.clone(),
        model: info.id,
        clip_seconds,
        width,
        height,
        seed: ids::mix(prompt, 0),
        price,
        processing_at: now.saturating_add(length / 10),
        done_at: now.saturating_add(length),
        fail: false,
        charge: call.readings.video_charge,
        outcome: Outcome::Running,
        last_poll: None,
    };
    {
        // Lock order: faults, then core. A FailVideo fault is consumed only by a job that was accepted.
        let mut faults = lock(&call.app.faults);
        let fail = faults.has(Some(call.key()), &call.path, &FaultKind::FailVideo);
        let mut core = call.app.core();
        let path = endpoint(OperationId::CreateVideo);
        let paid = match job.charge {
            VideoCharge::OnCompletion => {
                core.accounts
                    .hold(call.key(), price, &call.request_id, &path, now)
            }
            _ => core
                .accounts
                .charge(call.key(), price, &call.request_id, &path, now),
        };
        paid.map_err(|r| insufficient(r, price, INSUFFICIENT))?;
        core.jobs.insert(Job { fail, ..job });
        if fail {
            faults.take(Some(call.key()), &call.path, &FaultKind::FailVideo);
        }
    }
    let r = &call.readings;
    let mut body = json!({
        "request_id": call.request_id,
        "status": JobState::Pending.word(r),
    });
    if r.submit_success_field == SubmitSuccessField::Present {
        body["success"] = json!(true);
    }
    if r.video_charge != VideoCharge::OnCompletion {
        body["credits_used"] = credits_value(price, r);
    }
    fill_nulls(&mut body, r);
    Ok(Success::ok(body, price))
}

/// Under the `null` reading, the job fields without a value are sent as `null`.
fn fill_nulls(body: &mut Value, readings: &Readings) {
    if readings.response_nulls != ResponseNulls::Null {
        return;
    }
    if let Some(map) = body.as_object_mut() {
        for field in ["video_url", "credits_used", "error", "message"] {
            map.entry(field).or_insert(Value::Null);
        }
    }
}

/// Where the status poll is served: the spec's path, and the paths of the other `status_path` readings,
/// derived from it (`/v1/video/{request_id}` gives `/v1/video/status/{request_id}` and
/// `/v1/video?request_id=...`).
pub(crate) struct StatusPaths {
    /// The path (template) of the `segment` reading.
    pub segment: String,
    /// The path of the `query` reading.
    pub query: String,
    /// The name of the job id's path parameter, the query parameter of the `query` reading.
    pub param: String,
}

impl StatusPaths {
    /// The paths for the spec's status operation.
    pub fn of_spec() -> StatusPaths {
        let spec = endpoint(OperationId::GetVideoStatus);
        let (parent, last) = spec.rsplit_once('/').unwrap_or((spec.as_str(), ""));
        StatusPaths {
            segment: format!("{parent}/{STATUS_SEGMENT}/{last}"),
            query: parent.to_string(),
            param: last
                .trim_start_matches('{')
                .trim_end_matches('}')
                .to_string(),
        }
    }
}

impl StatusPath {
    /// The status poll's path under this reading, with `{request_id}` where the job id goes (the form a
    /// client's configuration takes, e.g. the SDK's `ClientBuilder::video_status_path`).
    ///
    /// ```
    /// use artnex_mock::StatusPath;
    /// assert_eq!(StatusPath::Id.template(), "/v1/video/{request_id}");
    /// assert_eq!(StatusPath::StatusSegment.template(), "/v1/video/status/{request_id}");
    /// assert_eq!(StatusPath::Query.template(), "/v1/video?request_id={request_id}");
    /// ```
    pub fn template(self) -> String {
        let paths = StatusPaths::of_spec();
        match self {
            StatusPath::StatusSegment => paths.segment,
            StatusPath::Query => format!("{}?{p}={{{p}}}", paths.query, p = paths.param),
            _ => endpoint(OperationId::GetVideoStatus),
        }
    }
}

/// The job id of a status-poll path (the last segment; the router matched the rest).
fn job_id_of(path: &str) -> String {
    path.rsplit('/').next().unwrap_or_default().to_string()
}

/// The status poll at the spec's path, under the `id` reading; no route otherwise.
pub(crate) async fn video_status(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let call = Call::new(app, &parts);
    match call.readings.status_path {
        StatusPath::Id => {
            let id = job_id_of(&call.path);
            poll_route(call, &parts, &id).await
        }
        _ => no_route(call),
    }
}

/// The status poll at `.../status/{request_id}`, under the `status-segment` reading; no route otherwise.
pub(crate) async fn video_status_segment(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let call = Call::new(app, &parts);
    match call.readings.status_path {
        StatusPath::StatusSegment => {
            let id = job_id_of(&call.path);
            poll_route(call, &parts, &id).await
        }
        _ => no_route(call),
    }
}

/// The status poll as `GET /v1/video?request_id=...`, under the `query` reading; no route otherwise.
pub(crate) async fn video_status_query(
    State(app): State<Arc<App>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let call = Call::new(app, &parts);
    let param = StatusPaths::of_spec().param;
    let id = query.ok().and_then(|q| q.0.get(&param).cloned());
    match id {
        Some(id) if call.readings.status_path == StatusPath::Query => {
            poll_route(call, &parts, &id).await
        }
        _ => no_route(call),
    }
}

/// Authentication, faults, the quota when polls count, then the poll itself.
async fn poll_route(mut call: Call, parts: &Parts, job_id: &str) -> Response {
    let result = async {
        call.authenticate(&parts.headers, Surface::Artnex)?;
        call.apply_faults().await?;
        let billable = OperationId::GetVideoStatus.info().billable;
        if billable || call.readings.poll_quota == PollQuota::Counted {
            call.count_quota()?;
        }
        poll(&call, job_id)
    }
    .await;
    call.finish(Surface::Artnex, result).await
}

fn poll(call: &Call, job_id: &str) -> Result<Success, ApiError> {
    let now = call.app.clock.now();
    let interval = poll_interval(call.app.settings.speed);
    let r = &call.readings;
    let mut core = call.app.core();
    let job = core
        .jobs
        .get_mut(job_id)
        .filter(|j| j.owner == call.key())
        .ok_or_else(|| ApiError::not_found("No video job with this request_id."))?;
    if let Some(last) = job.last_poll
        && r.poll_throttle == PollThrottle::Throttled
    {
        let next = last.saturating_add(interval);
        if now < next {
            return Err(ApiError::listed(
                ErrorCode::RateLimitExceeded,
                format!(
                    "Poll each video job at most once every {} seconds.",
                    POLL_INTERVAL.as_secs_f64()
                ),
            )
            .with_retry(ceil_secs(next - now).max(1)));
        }
    }
    job.last_poll = Some(now);
    let state = job.state(now);
    let mut body = json!({
        "success": true,
        "request_id": job.request_id,
        "status": state.word(r),
    });
    match state {
        JobState::Completed => {
            body["video_url"] = json!(media::video_url(&call.base_url, &job.request_id));
            body["credits_used"] = credits_value(job.price, r);
        }
        JobState::Failed => {
            body["error"] = json!(GENERATION_FAILED);
            body["message"] = json!(match job.charge {
                VideoCharge::AtSubmissionNoRefund =>
                    "The model could not render this prompt. The credits are not refunded.",
                VideoCharge::AtSubmission =>
                    "The model could not render this prompt. The credits were refunded.",
                _ => "The model could not render this prompt. No credits were charged.",
            });
        }
        _ => {}
    }
    fill_nulls(&mut body, r);
    let mut success = Success::ok(body, 0);
    if state.is_running() && r.poll_status == PollStatus::Accepted202WhileRunning {
        success.status = StatusCode::ACCEPTED;
    }
    Ok(success)
}

fn tts_impl(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let text = f.str("text")?;
    let model = f.str("model")?;
    let voice = f.str("voice_id")?;

    let text = text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::listed(ErrorCode::MissingText, "The text field is required."))?;
    let chars = text.chars().count();
    let max = artnex_facts::TEXT_TO_SPEECH_TEXT_MAX_CHARS.value;
    if chars > max {
        return Err(ApiError::listed(
            ErrorCode::TextTooLong,
            format!("The text is {chars} characters long; the limit is {max} per request."),
        ));
    }
    let info = model_of_kind(Some(model.unwrap_or(DEFAULT_TTS_MODEL)), Kind::Speech)?;
    if let Some(v) = voice
        && !voices::accepts_voice(info.id, v)
    {
        let known = voices::voices(info.id).unwrap_or(&[]).join(", ");
        let ids = if info.id == voices::ELEVENLABS_MODEL {
            " or an ElevenLabs voice id (20 letters and digits)"
        } else {
            ""
        };
        return Err(ApiError::listed(
            ErrorCode::InvalidVoice,
            format!(
                "voice_id {v:?} is not available for {}. Use one of: {known}{ids}.",
                info.id
            ),
        ));
    }
    let credits = info.credits.fixed().unwrap_or(0);
    call.charge(credits, &endpoint(OperationId::TextToSpeech), INSUFFICIENT)?;
    let frames = mp3::frames_for_chars(chars);
    store(call, MediaKind::Tts, Recipe::Audio { frames });
    Ok(Success::ok(
        json!({
            "success": true,
            "audio_url": media::url(&call.base_url, MediaKind::Tts, &call.request_id, "audio.mp3"),
            "duration_seconds": mp3::duration_seconds(frames),
            "request_id": call.request_id,
            "credits_used": credits_value(credits, &call.readings),
        }),
        credits,
    ))
}

async fn upscale_impl(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let image = f.str("image")?;
    let scale = f.number("scale")?;

    let image = required_image(image)?;
    let scale = scale.unwrap_or(DEFAULT_SCALE);
    let scales = match call.readings.limits {
        Limits::Relaxed => RELAXED_SCALES,
        _ => {
            artnex_facts::UPSCALE_IMAGE_SCALE_MIN.value
                ..=artnex_facts::UPSCALE_IMAGE_SCALE_MAX.value
        }
    };
    if !scales.contains(&scale) {
        return Err(ApiError::listed(
            ErrorCode::InvalidScale,
            format!(
                "scale {scale} is outside the supported range {}-{}.",
                scales.start(),
                scales.end()
            ),
        ));
    }
    let input = parse_image(image).await?;
    let (w, h) = input.size_or(URL_UPSCALE_SIZE);
    let out_w = (f64::from(w) * scale).round();
    let out_h = (f64::from(h) * scale).round();
    let max_side = f64::from(MAX_SIDE);
    if out_w > max_side || out_h > max_side {
        return Err(ApiError::listed(
            ErrorCode::InvalidScale,
            format!(
                "scale {scale} on a {w}x{h} image gives {out_w}x{out_h}; the simulator's limit is {MAX_SIDE} pixels per side."
            ),
        ));
    }
    let credits = UPSCALE_CREDITS;
    call.charge(credits, &endpoint(OperationId::UpscaleImage), INSUFFICIENT)?;
    let recipe = ImageRecipe {
        width: (out_w as u32).max(1),
        height: (out_h as u32).max(1),
        seed: input.digest(),
        style: Style::Derived {
            thumb: input.thumb().map(Arc::new),
            tint: false,
        },
    };
    store(call, MediaKind::Upscale, Recipe::Image(recipe));
    Ok(Success::ok(
        json!({
            "success": true,
            "image_url": media::url(&call.base_url, MediaKind::Upscale, &call.request_id, "image.png"),
            "request_id": call.request_id,
            "credits_used": credits_value(credits, &call.readings),
        }),
        credits,
    ))
}

async fn remove_bg_impl(call: &Call, map: &Map<String, Value>) -> Result<Success, ApiError> {
    let f = Fields(map);
    let image = required_image(f.str("image")?)?;
    let input = parse_image(image).await?;
    let credits = REMOVE_BACKGROUND_CREDITS;
    call.charge(
        credits,
        &endpoint(OperationId::RemoveBackground),
        INSUFFICIENT,
    )?;
    let (width, height) = input.size_or(URL_IMAGE_SIZE);
    let recipe = ImageRecipe {
        width,
        height,
        seed: input.digest(),
        style: Style::Cutout {
            thumb: input.thumb().map(Arc::new),
        },
    };
    store(call, MediaKind::RemoveBg, Recipe::Image(recipe));
    Ok(Success::ok(
        json!({
            "success": true,
            "image_url": media::url(&call.base_url, MediaKind::RemoveBg, &call.request_id, "image.png"),
            "request_id": call.request_id,
            "credits_used": credits_value(credits, &call.readings),
        }),
        credits,
    ))
}
