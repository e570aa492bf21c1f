//! The simulator's own choices where the specs are silent (listed in the crate README), and the values of
//! its alternative readings. Spec facts are not here: they come from `artnex-facts` (see [`crate::facts`]).

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::facts::MAX_IMAGE_BYTES;

/// Codes the simulator sends or logs that no spec lists.
pub(crate) mod own_code {
    /// A media URL past its retention (the simulator's CDN).
    pub const EXPIRED: &str = "expired";
    /// A body that did not arrive in time (request log only: the connection is closed, nothing is sent).
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    /// A gateway's 502 page (request log only: the body is HTML, without a code).
    pub const BAD_GATEWAY: &str = "bad_gateway";
    /// A gateway's 504 page (request log only).
    pub const GATEWAY_TIMEOUT: &str = "gateway_timeout";
}

/// Media downloads (the simulator's CDN).
pub(crate) const CDN_PREFIX: &str = "/cdn/";

/// The segment the `status-segment` reading inserts before the job id of the status poll.
pub(crate) const STATUS_SEGMENT: &str = "status";

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
/// Default request body limit: the largest input image in base64, plus room for the rest of the JSON.
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

/// The slowest upload rate allowed on top of the body timeout: a body of N bytes gets
/// `body timeout + N / MIN_BODY_RATE` to arrive, so a large upload on a busy machine is not cut off while
/// a body that trickles in still is.
pub(crate) const MIN_BODY_RATE: u64 = 64 * 1024;
/// The `Retry-After` of a 429 whose window will never free a slot (a daily limit of zero).
pub(crate) const NEVER_RETRY_AFTER: u64 = artnex_facts::QUOTA_WINDOW.as_secs();
