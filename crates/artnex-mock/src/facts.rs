//! The spec facts the simulator serves, read from the generated `artnex-facts` crate: operation paths and
//! methods, billable flags, error codes and their statuses, limits, request enums, the polling rule and the
//! plan quotas all come from there, so a change to `spec/` reaches the simulator through `cargo xtask
//! generate` alone. This module only adapts them to the simulator (where a path is served, which status a
//! code has in a dialect, a limit as a range).
//!
//! The last section holds the few facts the specs state that `artnex-facts` does not generate yet: each is
//! marked `FALLBACK` and listed in the crate README (*Where the simulator's facts come from*).

use std::ops::RangeInclusive;
use std::time::Duration;

use artnex_facts::{Api, ErrorCode, Limit, OPERATIONS, OperationId, OperationInfo};
use axum::http::StatusCode;

/// The path the simulator serves an operation at: the spec's path, under the ArtAPI base for ArtAPI (whose
/// spec paths are relative to its `/v1` server URL). `None` for an API the simulator does not know.
pub(crate) fn served_path(op: &OperationInfo) -> Option<String> {
    match op.api {
        Api::Artnex => Some(op.path.to_string()),
        Api::ArtApi => Some(format!("{ARTAPI_BASE_PATH}{}", op.path)),
        _ => None,
    }
}

/// [`served_path`] of an operation, for ledger entries and URLs (empty for an unknown API).
pub(crate) fn endpoint(id: OperationId) -> String {
    served_path(id.info()).unwrap_or_default()
}

/// The API whose surface a request path belongs to: the API of the operation whose served path shares the
/// path's first two segments (`/v1/images/...` is ArtAPI); Artnex otherwise.
pub(crate) fn api_of_path(path: &str) -> Api {
    let stem = |p: &str| -> String { p.split('/').take(3).collect::<Vec<_>>().join("/") };
    let wanted = stem(path);
    OPERATIONS
        .iter()
        .filter(|op| op.api != Api::Artnex)
        .find(|op| served_path(op).is_some_and(|p| stem(&p) == wanted))
        .map_or(Api::Artnex, |op| op.api)
}

/// The status `code` is listed with by the operations of `api` (each code has one status per dialect).
pub(crate) fn listed_status(code: &ErrorCode, api: Api) -> Option<StatusCode> {
    let wire = code.as_str();
    OPERATIONS
        .iter()
        .filter(|op| op.api == api)
        .flat_map(|op| op.error_codes)
        .find(|(_, c)| *c == wire)
        .and_then(|(status, _)| StatusCode::from_u16(*status).ok())
}

/// The status of a listed code: the Artnex spec's, or ArtAPI's for a code only ArtAPI lists.
pub(crate) fn status_of(code: &ErrorCode) -> Option<StatusCode> {
    Api::ALL.iter().find_map(|api| listed_status(code, *api))
}

/// A limit's value as a bound on a JSON integer.
pub(crate) fn int<T: Copy + Into<i128>>(limit: Limit<T>) -> i128 {
    limit.value.into()
}

/// An integer field's range from its two limits.
pub(crate) fn int_range<T: Copy + Into<i128>>(
    min: Limit<T>,
    max: Limit<T>,
) -> RangeInclusive<i128> {
    int(min)..=int(max)
}

/// The documented input-image limit in bytes, before encoding.
pub(crate) const MAX_IMAGE_BYTES: usize = artnex_facts::IMAGE_INPUT_MAX_BYTES.value as usize;

/// The docs' minimum time between two polls of one video job.
pub(crate) const POLL_INTERVAL: Duration = artnex_facts::VIDEO_POLLING.min_interval;

// --- FALLBACK: facts the specs state that artnex-facts does not generate (yet) ------------------------

/// FALLBACK (spec: ArtAPI's `servers` URL ends in `/v1`): where the ArtAPI surface is mounted.
pub(crate) const ARTAPI_BASE_PATH: &str = "/v1";

/// FALLBACK (spec: `GenerateRequest.width` / `height` descriptions, "1024 for most models when omitted";
/// not a `default:`): `width` / `height` when omitted.
pub(crate) const DEFAULT_DIMENSION: u32 = 1024;

/// FALLBACK (spec: `GenerateRequest.num_images` `default: 1`): `num_images` when omitted.
pub(crate) const DEFAULT_NUM_IMAGES: u64 = 1;

/// FALLBACK (spec: `UpscaleRequest.scale` `default: 2`): `scale` when omitted.
pub(crate) const DEFAULT_SCALE: f64 = 2.0;

/// FALLBACK (spec: `TtsRequest.model` `default: tts-elevenlabs`): the TTS model of a request without one.
pub(crate) const DEFAULT_TTS_MODEL: &str = "tts-elevenlabs";

/// FALLBACK (spec: ArtAPI `n` `default: 1`): `n` when omitted.
pub(crate) const DEFAULT_ARTAPI_N: u64 = 1;

/// FALLBACK (spec: the failed-job example and `VideoStatusResponse.error`, an assumed code that is not in
/// any error-code list): the `error` of a video job that failed.
pub(crate) const GENERATION_FAILED: &str = "generation_failed";

/// FALLBACK (spec: the result URLs' descriptions, "available for 24 hours"): how long a media URL stays
/// valid (simulated time).
pub(crate) const URL_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// FALLBACK (spec: the `type` of each `x-artapi-error-codes` listing, which `OperationInfo::error_codes`
/// does not carry): the OpenAI-style error `type` of an ArtAPI answer with `status`.
pub(crate) fn artapi_error_type(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "authentication_error",
        StatusCode::PAYMENT_REQUIRED => "billing_error",
        StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
        s if s.is_server_error() => "api_error",
        _ => "invalid_request_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_served_and_artapi_paths_are_recognised() {
        for op in OPERATIONS {
            let path = served_path(op).unwrap_or_default();
            assert!(path.starts_with('/'), "{}: {path:?}", op.operation_id);
            assert_eq!(api_of_path(&path), op.api, "{path}");
        }
        assert_eq!(api_of_path("/v1/images/edits"), Api::ArtApi);
        assert_eq!(api_of_path("/v1/nothing"), Api::Artnex);
        assert_eq!(api_of_path("/cdn/x/y"), Api::Artnex);
    }

    #[test]
    fn codes_have_one_status_per_dialect() {
        for op in OPERATIONS {
            for (status, code) in op.error_codes {
                let code = ErrorCode::from_code(code);
                assert_eq!(
                    listed_status(&code, op.api).map(|s| s.as_u16()),
                    Some(*status),
                    "{} {code}",
                    op.operation_id
                );
            }
        }
        // A code both dialects list has the Artnex status.
        for code in ErrorCode::ALL {
            if let Some(artnex) = listed_status(code, Api::Artnex) {
                assert_eq!(status_of(code), Some(artnex), "{code}");
            } else {
                assert_eq!(status_of(code), listed_status(code, Api::ArtApi), "{code}");
            }
        }
        assert_eq!(status_of(&ErrorCode::from_code("expired")), None);
    }
}
