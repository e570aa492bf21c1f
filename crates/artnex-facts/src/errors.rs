//! The error-code table's row type and the traits of the generated [`ErrorCode`].

use std::fmt;

use crate::{Api, ErrorCode};

/// What the specs say about one error code, over every operation that lists it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCodeInfo {
    /// The wire code (`missing_prompt`).
    pub code: &'static str,
    /// The cause, as the first listing in the specs words it.
    pub description: &'static str,
    /// Every HTTP status the code is listed with, ascending.
    pub statuses: &'static [u16],
    /// True when no docs page names the code: the specs chose it (`x-assumed` on every listing).
    pub assumed: bool,
    /// The APIs whose specs list it.
    pub apis: &'static [Api],
}

impl ErrorCode {
    /// The cause of a listed code; `None` for [`ErrorCode::Unknown`].
    ///
    /// ```
    /// use artnex_facts::ErrorCode;
    /// assert_eq!(ErrorCode::ImageTooLarge.description(), Some("The image exceeds the 10 MB size limit"));
    /// assert_eq!(ErrorCode::from_code("brand_new").description(), None);
    /// ```
    pub fn description(&self) -> Option<&'static str> {
        self.info().map(|i| i.description)
    }

    /// Every HTTP status the code is listed with (empty for [`ErrorCode::Unknown`]).
    ///
    /// ```
    /// use artnex_facts::ErrorCode;
    /// assert_eq!(ErrorCode::InvalidApiKey.statuses(), &[401]);
    /// ```
    pub fn statuses(&self) -> &'static [u16] {
        self.info().map(|i| i.statuses).unwrap_or(&[])
    }

    /// Whether the code is our choice rather than the docs' (false for [`ErrorCode::Unknown`], which came
    /// from a server).
    ///
    /// ```
    /// use artnex_facts::ErrorCode;
    /// assert!(ErrorCode::InvalidJson.is_assumed());
    /// assert!(!ErrorCode::MissingPrompt.is_assumed());
    /// ```
    pub fn is_assumed(&self) -> bool {
        self.info().is_some_and(|i| i.assumed)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = std::convert::Infallible;

    /// Never fails: unknown codes become [`ErrorCode::Unknown`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ErrorCode::from_code(s))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::from_code(code)
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        match ErrorCode::from_code(&code) {
            ErrorCode::Unknown(_) => ErrorCode::Unknown(code),
            known => known,
        }
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ErrorCode::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ERROR_CODES;

    #[test]
    fn every_code_round_trips_and_has_its_row() {
        assert_eq!(ErrorCode::ALL.len(), ERROR_CODES.len());
        for (code, info) in ErrorCode::ALL.iter().zip(ERROR_CODES) {
            assert_eq!(code.as_str(), info.code);
            assert_eq!(&ErrorCode::from_code(info.code), code);
            assert_eq!(code.info(), Some(info));
            assert!(!info.statuses.is_empty(), "{}", info.code);
            assert!(
                info.statuses.windows(2).all(|w| w[0] < w[1]),
                "{}",
                info.code
            );
        }
        let unknown = ErrorCode::from("brand_new".to_string());
        assert_eq!(unknown, ErrorCode::Unknown("brand_new".into()));
        assert_eq!(unknown.to_string(), "brand_new");
        assert!(unknown.info().is_none() && unknown.statuses().is_empty() && !unknown.is_assumed());
    }

    /// The variant names are public API: the SDK re-exports this enum in place of its former
    /// hand-written table. A rename fails to compile here.
    #[test]
    fn the_sdk_variant_names_exist() {
        let names: Vec<&str> = [
            ErrorCode::MissingPrompt,
            ErrorCode::InvalidModel,
            ErrorCode::InvalidDimensions,
            ErrorCode::InvalidNumImages,
            ErrorCode::PromptTooLong,
            ErrorCode::InvalidResolution,
            ErrorCode::MissingImage,
            ErrorCode::InvalidImageFormat,
            ErrorCode::ImageTooLarge,
            ErrorCode::InvalidMode,
            ErrorCode::InvalidDuration,
            ErrorCode::MissingText,
            ErrorCode::TextTooLong,
            ErrorCode::InvalidVoice,
            ErrorCode::InvalidScale,
            ErrorCode::InvalidApiKey,
            ErrorCode::InsufficientCredits,
            ErrorCode::InvalidRequest,
            ErrorCode::RateLimitExceeded,
            ErrorCode::NotFound,
            ErrorCode::InvalidContentType,
            ErrorCode::InvalidJson,
            ErrorCode::PayloadTooLarge,
            ErrorCode::InternalError,
            ErrorCode::ServiceUnavailable,
            ErrorCode::ModelNotFound,
            ErrorCode::InvalidSize,
            ErrorCode::ContentPolicyViolation,
            ErrorCode::InsufficientQuota,
            ErrorCode::UpstreamError,
        ]
        .iter()
        .map(|c| c.info().map(|i| i.code).unwrap_or("unlisted"))
        .collect();
        assert!(!names.contains(&"unlisted"), "{names:?}");
    }

    #[test]
    fn codes_of_both_dialects_merge() {
        // Listed by Artnex (422) and ArtAPI (400).
        assert_eq!(ErrorCode::InvalidRequest.statuses(), &[400, 422]);
        assert_eq!(
            ErrorCode::InvalidRequest.info().map(|i| i.apis),
            Some(&[Api::Artnex, Api::ArtApi][..])
        );
        // Assumed on Artnex, documented on ArtAPI: documented somewhere, so not assumed.
        assert!(!ErrorCode::PromptTooLong.is_assumed());
        assert_eq!(
            serde_json::to_string(&ErrorCode::UpstreamError).unwrap(),
            "\"upstream_error\""
        );
        assert_eq!(
            serde_json::from_str::<ErrorCode>("\"later_code\"").unwrap(),
            ErrorCode::Unknown("later_code".into())
        );
    }
}
