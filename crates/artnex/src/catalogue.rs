//! The model catalogue: every documented model with its kind, credit price, and (for video) mode,
//! durations and aspect ratios.
//!
//! The data lives in the `artnex-facts` crate, generated from the `x-artnex-models` extension of the
//! OpenAPI spec, and is re-exported here unchanged (a test checks it against the spec).
//!
//! ```
//! use artnex::catalogue::{self, Credits, Kind};
//! use artnex::Model;
//!
//! let veo = catalogue::lookup("veo3.1").unwrap();
//! assert_eq!(veo.kind, Kind::Video);
//! assert_eq!(veo.credits, Credits::Fixed(3000));
//! assert!(veo.video.unwrap().durations.contains(8));
//!
//! for m in catalogue::models(Kind::Speech) {
//!     println!("{} costs {} credits per request", m.id, m.credits);
//! }
//! assert_eq!(Model::from_id("flux-2-pro"), Model::Flux2Pro);
//! assert_eq!(Model::from_id("tomorrows-model"), Model::Other("tomorrows-model".into()));
//! ```

use std::fmt;
use std::str::FromStr;

pub use artnex_facts::{
    Credits, Durations, Kind, MODELS, Model, ModelInfo, REMOVE_BACKGROUND_CREDITS, Tiers,
    UPSCALE_CREDITS, VideoMode, VideoSpec, lookup, models,
};

/// Output resolution tier of the gpt-image-2 models (drives their price).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resolution {
    /// `1k`
    OneK,
    /// `2k`
    TwoK,
    /// `4k`
    FourK,
}

impl Resolution {
    /// Every tier, smallest first.
    pub const ALL: [Resolution; 3] = [Resolution::OneK, Resolution::TwoK, Resolution::FourK];

    /// The wire value (`1k`, `2k`, `4k`).
    ///
    /// ```
    /// assert_eq!(artnex::catalogue::Resolution::TwoK.as_str(), "2k");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::OneK => "1k",
            Resolution::TwoK => "2k",
            Resolution::FourK => "4k",
        }
    }
}

/// Output quality tier of the gpt-image-2 models (drives their price).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quality {
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
}

impl Quality {
    /// Every tier, lowest first.
    pub const ALL: [Quality; 3] = [Quality::Low, Quality::Medium, Quality::High];

    /// The wire value (`low`, `medium`, `high`).
    ///
    /// ```
    /// assert_eq!(artnex::catalogue::Quality::High.as_str(), "high");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Low => "low",
            Quality::Medium => "medium",
            Quality::High => "high",
        }
    }
}

/// An aspect ratio for video output.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AspectRatio {
    /// `16:9` (the server's default).
    Landscape,
    /// `9:16`.
    Portrait,
    /// `1:1`.
    Square,
}

impl AspectRatio {
    /// Every documented ratio.
    pub const ALL: [AspectRatio; 3] = [
        AspectRatio::Landscape,
        AspectRatio::Portrait,
        AspectRatio::Square,
    ];

    /// The wire value (`16:9`, `9:16`, `1:1`).
    ///
    /// ```
    /// assert_eq!(artnex::catalogue::AspectRatio::Portrait.as_str(), "9:16");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            AspectRatio::Landscape => "16:9",
            AspectRatio::Portrait => "9:16",
            AspectRatio::Square => "1:1",
        }
    }
}

/// A wire value that is not one of the documented ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue(pub String);

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a documented value", self.0)
    }
}

impl std::error::Error for UnknownValue {}

/// Serialises as the wire value; parsing an unknown value names the valid ones.
macro_rules! wire_enum_serde {
    ($ty:ident, $field:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse::<$ty>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{s}` is not a valid {}: use one of {}",
                        $field,
                        $ty::ALL
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            }
        }
    };
}

macro_rules! wire_enum_traits {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownValue(s.to_string()))
            }
        }
    };
}

wire_enum_traits!(Resolution);
wire_enum_serde!(Resolution, "resolution");
wire_enum_serde!(Quality, "quality");
wire_enum_serde!(AspectRatio, "aspect_ratio");
wire_enum_traits!(Quality);
wire_enum_traits!(AspectRatio);

/// `Option<Model>` as its id string (ids the catalogue does not know become [`Model::Other`]).
pub(crate) mod serde_model {
    use super::Model;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(model: &Option<Model>, s: S) -> Result<S::Ok, S::Error> {
        match model {
            Some(m) => s.serialize_str(m.id()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Model>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(|id| Model::from_id(&id)))
    }
}

/// `Option<VideoMode>` as its wire value (`text-to-video`, `image-to-video`).
pub(crate) mod serde_mode {
    use super::VideoMode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        mode: &Option<VideoMode>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match mode {
            Some(m) => s.serialize_str(m.as_str()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<VideoMode>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => VideoMode::from_wire(&s).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{s}` is not a valid mode: use text-to-video or image-to-video"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_parse_back() {
        for r in Resolution::ALL {
            assert_eq!(r.as_str().parse::<Resolution>(), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for q in Quality::ALL {
            assert_eq!(q.as_str().parse::<Quality>(), Ok(q));
            assert_eq!(serde_json::to_value(q).unwrap(), q.as_str());
        }
        for a in AspectRatio::ALL {
            assert_eq!(a.as_str().parse::<AspectRatio>(), Ok(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        assert!("8k".parse::<Resolution>().is_err());
    }
}
