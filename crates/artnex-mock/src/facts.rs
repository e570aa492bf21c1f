//! Every path, limit and error code the simulator uses, in one place.
//!
//! The first part is what `spec/artnex.yaml` and `spec/artapi.yaml` state (a later step generates it into
//! `artnex-facts`, and this module then re-exports it); the second part is the simulator's own choices
//! where the docs are silent (listed in the crate README). Nothing else in the crate spells out a path, a
//! limit or an error code.

use std::ops::RangeInclusive;
use std::time::Duration;

/// Request paths.
pub(crate) mod path {
    /// `POST`: text to image.
    pub const GENERATE: &str = "/v1/generate";
    /// `POST`: image editing.
    pub const EDIT: &str = "/v1/edit";
    /// `POST`: submit a video job.
    pub const VIDEO: &str = "/v1/video";
    /// `GET /v1/video/{request_id}`: the spec's status poll.
    pub const VIDEO_STATUS_PREFIX: &str = "/v1/video/";
    /// After [`VIDEO_STATUS_PREFIX`]: `GET /v1/video/status/{request_id}`, the `status-segment` reading.
    pub const VIDEO_STATUS_SEGMENT: &str = "status/";
    /// The query parameter of `GET /v1/video?request_id=...`, the `query` reading.
    pub const VIDEO_STATUS_QUERY: &str = "request_id";
    /// `POST`: text to speech.
    pub const TTS: &str = "/v1/tts";
    /// `POST`: upscaling.
    pub const UPSCALE: &str = "/v1/upscale";
    /// `POST`: background removal.
    pub const REMOVE_BG: &str = "/v1/remove-bg";
    /// `POST`: the OpenAI-compatible images API.
    pub const ARTAPI_IMAGES: &str = "/v1/images/generations";
    /// Paths starting with this belong to the ArtAPI surface (its error format).
    pub const ARTAPI_PREFIX: &str = "/v1/images/";
    /// Media downloads (the simulator's CDN).
    pub const CDN_PREFIX: &str = "/cdn/";
}

/// Error codes (the `error` field of an Artnex error body, `error.code` on ArtAPI).
pub(crate) mod code {
    pub const MISSING_PROMPT: &str = "missing_prompt";
    pub const PROMPT_TOO_LONG: &str = "prompt_too_long";
    pub const INVALID_MODEL: &str = "invalid_model";
    pub const INVALID_DIMENSIONS: &str = "invalid_dimensions";
    pub const INVALID_NUM_IMAGES: &str = "invalid_num_images";
    pub const INVALID_RESOLUTION: &str = "invalid_resolution";
    pub const MISSING_IMAGE: &str = "missing_image";
    pub const INVALID_IMAGE_FORMAT: &str = "invalid_image_format";
    pub const IMAGE_TOO_LARGE: &str = "image_too_large";
    pub const INVALID_MODE: &str = "invalid_mode";
    pub const INVALID_DURATION: &str = "invalid_duration";
    pub const MISSING_TEXT: &str = "missing_text";
    pub const TEXT_TOO_LONG: &str = "text_too_long";
    pub const INVALID_VOICE: &str = "invalid_voice";
    pub const INVALID_SCALE: &str = "invalid_scale";
    pub const INVALID_REQUEST: &str = "invalid_request";
    pub const INVALID_CONTENT_TYPE: &str = "invalid_content_type";
    pub const INVALID_JSON: &str = "invalid_json";
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    pub const INSUFFICIENT_CREDITS: &str = "insufficient_credits";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const RATE_LIMIT_EXCEEDED: &str = "rate_limit_exceeded";
    pub const NOT_FOUND: &str = "not_found";
    pub const INTERNAL_ERROR: &str = "internal_error";
    pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";
    /// The `error` of a video job that failed (status poll body, not an HTTP error).
    pub const GENERATION_FAILED: &str = "generation_failed";
    /// A media URL past its 24 hours (the simulator's CDN).
    pub const EXPIRED: &str = "expired";
    /// A body that did not arrive in time (request log only: the connection is closed, nothing is sent).
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    // ArtAPI.
    pub const MODEL_NOT_FOUND: &str = "model_not_found";
    pub const INVALID_SIZE: &str = "invalid_size";
    pub const INSUFFICIENT_QUOTA: &str = "insufficient_quota";
    pub const CONTENT_POLICY_VIOLATION: &str = "content_policy_violation";
    pub const UPSTREAM_ERROR: &str = "upstream_error";
    // A gateway's HTML pages (request log only: the body is HTML, without a code).
    pub const BAD_GATEWAY: &str = "bad_gateway";
    pub const GATEWAY_TIMEOUT: &str = "gateway_timeout";
}

// --- What the specs state -----------------------------------------------------------------------------

/// Longest prompt, in Unicode characters (both surfaces; ArtAPI's is an assumption).
pub(crate) const MAX_PROMPT_CHARS: usize = 4000;
/// Longest TTS text, in Unicode characters.
pub(crate) const MAX_TTS_CHARS: usize = 5000;
/// `width` / `height` of `/v1/generate` (assumed range).
pub(crate) const DIMENSIONS: RangeInclusive<i128> = 64..=8192;
/// `width` / `height` when omitted.
pub(crate) const DEFAULT_DIMENSION: u32 = 1024;
/// `num_images` of `/v1/generate`.
pub(crate) const NUM_IMAGES: RangeInclusive<i128> = 1..=4;
/// `scale` of `/v1/upscale` (assumed range).
pub(crate) const SCALES: RangeInclusive<f64> = 1.0..=8.0;
/// `scale` when omitted.
pub(crate) const DEFAULT_SCALE: f64 = 2.0;
/// The `AspectRatio` enum.
pub(crate) const ASPECT_RATIOS: [&str; 3] = ["16:9", "9:16", "1:1"];
/// The `AspectRatio` default.
pub(crate) const DEFAULT_ASPECT_RATIO: &str = "16:9";
/// The TTS model used when a request names none.
pub(crate) const DEFAULT_TTS_MODEL: &str = "tts-elevenlabs";
/// The documented input-image limit: 10 MB before encoding (taken as 10 MiB).
pub(crate) const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// The rolling quota window.
pub(crate) const QUOTA_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a media URL stays valid (simulated time).
pub(crate) const URL_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// ArtAPI `n`.
pub(crate) const ARTAPI_N: RangeInclusive<i128> = 1..=10;
/// ArtAPI `quality` values (the first is the default).
pub(crate) const ARTAPI_QUALITIES: [&str; 2] = ["standard", "hd"];
/// ArtAPI `response_format` values (the first is the default).
pub(crate) const ARTAPI_RESPONSE_FORMATS: [&str; 2] = ["url", "b64_json"];
/// ArtAPI `style` values (the first is the default).
pub(crate) const ARTAPI_STYLES: [&str; 2] = ["vivid", "natural"];

// --- The alternative readings of the limits the docs do not state (`Limits::Relaxed`) -----------------

/// `width` / `height` under the relaxed reading.
pub(crate) const RELAXED_DIMENSIONS: RangeInclusive<i128> = 16..=16384;
/// `scale` under the relaxed reading (the output stays within [`MAX_SIDE`]).
pub(crate) const RELAXED_SCALES: RangeInclusive<f64> = 0.5..=16.0;
/// ArtAPI `prompt` length under the relaxed reading.
pub(crate) const RELAXED_ARTAPI_PROMPT_CHARS: usize = 32_000;
/// The clip length of a request without `duration` under the `5s` reading.
pub(crate) const FIXED_DEFAULT_DURATION: u32 = 5;

// --- The simulator's own choices ----------------------------------------------------------------------

/// Input images given as URLs count as this size for upscaling.
pub(crate) const URL_UPSCALE_SIZE: (u32, u32) = (512, 512);
/// Input images given as URLs count as this size for edits and background removal.
pub(crate) const URL_IMAGE_SIZE: (u32, u32) = (1024, 1024);
/// Longest side of an input image, and of an upscaled output.
pub(crate) const MAX_SIDE: u32 = 16384;
/// Longest HTTPS URL accepted as an input image.
pub(crate) const MAX_URL_LEN: usize = 8 * 1024;
/// Input images with more pixels than this are checked from their header only (no full decode).
pub(crate) const MAX_DECODE_PIXELS: u64 = 4 * 1024 * 1024;
/// Default request body limit: a 10 MiB image is ~13.4 MiB of base64; leave room for the rest of the JSON.
pub(crate) const DEFAULT_BODY_LIMIT: usize = MAX_IMAGE_BYTES / 3 * 4 + 2 * 1024 * 1024;
/// A request body larger than this waits for one of the large-body permits before it is read.
pub(crate) const LARGE_BODY: u64 = 1024 * 1024;
/// The kernel receive buffer of every connection (bytes).
pub(crate) const RECEIVE_BUFFER: u32 = 256 * 1024;
/// How many large bodies are read and handled at once (the rest wait; memory stays bounded).
pub(crate) const DEFAULT_LARGE_BODIES: usize = 4;
/// How long a request body may take to arrive once its headers are in (slow headers are cut by the HTTP
/// layer after the same time).
pub(crate) const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The `Retry-After` of a 429 whose window will never free a slot (a daily limit of zero).
pub(crate) const NEVER_RETRY_AFTER: u64 = QUOTA_WINDOW.as_secs();
